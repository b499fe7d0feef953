"""The response-file format: settings, the programme's survey vocabulary, the
accepted column headers and how one answer is read.

Documented for users in ``data/README.md`` ("Response files"). The programme's
vocabulary (authorities and their spellings, sectors, phases, the questions and
items on the 1-7 scale) comes through one adapter, :func:`programme_vocabulary`,
so a change in the definition's layout changes that function only.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from lib.programme import Programme, current_programme
from lib.programme.names import authority_spellings
from lib.sources.schemas import PROCESSED_SCHEMAS
from lib.sources.survey import SURVEY_COLUMNS

# --------------------------------------------------------------------------
# Settings (each defined once here)
# --------------------------------------------------------------------------

#: An answer at or above the cut-point counts as "confident": the definition's
#: ``survey.responses.confident_from``, else the first point above the scale's
#: midpoint (5 on 1-7, 4 on 1-5, 6 on 0-10); the environment variable overrides.
CONFIDENT_FROM_ENV_VAR = "EVAL_CONFIDENT_FROM"
#: Directory of response files; default ``<raw dir>/responses``.
RESPONSES_DIR_ENV_VAR = "EVAL_RESPONSES_DIR"
RESPONSES_SUBDIR = "responses"
#: The change uses the paired method when linked people make up at least this
#: share of the smaller of the before and after bases; otherwise the two
#: phases are compared as independent samples (lib.analysis.uncertainty).
PAIRED_MIN_SHARE = 0.5
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".sav": "sav"}
EXACT_BASIS = "exact base from response data"
TABLES = (
    "survey_responses.csv",
    "survey_response_pairs.csv",
    "survey_response_groups.csv",
    "response_files.csv",
)


def confident_from(value: int | None = None) -> int:
    """The cut-point: ``value``, else ``EVAL_CONFIDENT_FROM``, else the definition's."""
    vocab = programme_vocabulary()
    if value is None:
        raw = os.environ.get(CONFIDENT_FROM_ENV_VAR, "").strip()
        if raw and not raw.isdigit():
            raise ValueError(f"{CONFIDENT_FROM_ENV_VAR} must be a whole number on the scale, got {raw!r}")
        value = int(raw) if raw else vocab.confident_from
    if not vocab.scale_low < value <= vocab.scale_high:
        raise ValueError(
            f"the confident cut-point must be within {vocab.scale_low + 1}-{vocab.scale_high}, got {value}"
        )
    return int(value)


def default_cut_point(scale: tuple[int, int], stated: int | None = None) -> int:
    """``stated`` when the definition gives it, else the first point above the midpoint."""
    return stated if stated is not None else (scale[0] + scale[1]) // 2 + 1


def responses_dir(raw_dir: Path, override: Path | None = None) -> Path:
    """Where response files are read from: ``override``, else the environment
    variable ``EVAL_RESPONSES_DIR``, else ``<raw_dir>/responses``."""
    if override is not None:
        return Path(override)
    env = os.environ.get(RESPONSES_DIR_ENV_VAR, "").strip()
    return Path(env) if env else Path(raw_dir) / RESPONSES_SUBDIR


# --------------------------------------------------------------------------
# The programme vocabulary: the one adapter to the registry
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    question: str
    question_label: str
    item: str
    item_label: str
    item_order: int
    headers: tuple[str, ...]  # accepted column headers (normalised)


@dataclass(frozen=True)
class Vocabulary:
    authorities: dict[str, str]  # id -> display name
    authority_keys: dict[str, str]  # normalised spelling -> id
    authority_spellings: tuple  # (id, (name, *spellings)) for the generic name rules
    sectors: dict[str, str]  # normalised spelling -> sector id
    report_sectors: tuple[str, ...]  # sectors with their own rows (besides "all")
    phases: dict[str, str]  # normalised spelling -> pre | post
    phase_ids: tuple[str, ...]  # the stated phases, in the definition's order
    items: tuple[Item, ...]
    scale_low: int
    scale_high: int
    scale_labels: dict[str, int]  # normalised label -> scale point
    confident_from: int  # the definition's cut-point (or the default rule)
    question_order: dict[str, int]
    survey_columns: tuple[str, ...]
    survey_schema: pa.DataFrameSchema


def spelling_key(text: str) -> str:
    """Normalise a response-file spelling for lookup: Unicode, case, apostrophes,
    dots, hyphens, slashes and underscores as spaces, "&" as "and" (looser than
    :func:`lib.programme.name_key`, because form tools and typists vary more
    than printed sources)."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().replace("’", "'")
    text = re.sub(r"[.\-_/&]", lambda m: " and " if m.group() == "&" else " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _sector_keys(prog: Programme) -> dict[str, str]:
    """Normalised sector spellings -> sector (or respondent group) id."""
    total = prog.sectors[0].id  # the whole survey ("all")
    sectors = {
        spelling_key(s): v.id for v in prog.sectors if v.id != total for s in (v.id, v.label, *v.spellings)
    }
    sectors.update(
        {spelling_key(s): g.id for g in prog.respondent_groups if g.id != total for s in (g.id, *g.spellings)}
    )
    sectors.update({spelling_key(s): sid for s, sid in prog.response_sector_spellings})
    return sectors


def _phase_keys(prog: Programme) -> dict[str, str]:
    """Normalised phase spellings -> stated phase id."""
    stated = [p.id for p in prog.phases if p.id != "unstated"]
    phases = {spelling_key(s): p.id for p in prog.phases if p.id in stated for s in (p.id, *p.spellings)}
    phases.update({spelling_key(s): pid for s, pid in prog.response_phase_spellings})
    return phases


def _asked_items(prog: Programme) -> list[Item]:
    """The items respondents answer on the scale, in question order.

    Respondents answer one question per chart question; a second published
    chart of the same question (this programme's Q1) is an artefact of the
    report (see survey_understanding.csv), so only the first item is asked.
    """
    asked = prog.chart_question("understanding")
    understanding = [
        Item(asked.id, asked.label, u.id, u.label, 1, (u.id, _underscored(u.label), f"q{asked.number}"))
        for u in prog.understanding_items[:1]
    ]
    rated = prog.chart_question("impacts")
    impacts = [
        Item(
            rated.id,
            rated.label,
            i.id,
            i.label,
            order,
            (
                i.id,
                _underscored(i.label),
                f"q{rated.number}_{order}",
                *(v.replace(" ", "_") for v in i.spellings),
            ),
        )
        for order, i in enumerate(prog.impacts, start=1)
    ]
    return understanding + impacts


def _underscored(label: str) -> str:
    return spelling_key(label).replace(" ", "_")


@lru_cache(maxsize=1)
def programme_vocabulary() -> Vocabulary:
    """The survey vocabulary of the programme in force (the definition, lib.programme)."""
    prog = current_programme()
    keys = {spelling_key(s): a.id for a in prog.authorities for s in (a.id, a.name, *a.spellings)}
    asked, rated = prog.chart_question("understanding"), prog.chart_question("impacts")
    return Vocabulary(
        authorities={a.id: a.name for a in prog.authorities},
        authority_keys=keys,
        authority_spellings=authority_spellings(prog.authorities),
        sectors=_sector_keys(prog),
        report_sectors=tuple(s.id for s in prog.sectors if s.id != prog.sectors[0].id),
        phases=_phase_keys(prog),
        phase_ids=tuple(p.id for p in prog.phases if p.id != "unstated"),
        items=tuple(_asked_items(prog)),
        scale_low=prog.response_scale[0],
        scale_high=prog.response_scale[1],
        scale_labels=dict(prog.response_scale_labels),
        confident_from=default_cut_point(prog.response_scale, prog.response_confident_from),
        question_order={asked.id: asked.number, rated.id: rated.number},
        survey_columns=tuple(SURVEY_COLUMNS),
        survey_schema=PROCESSED_SCHEMAS["survey.csv"],
    )


# --------------------------------------------------------------------------
# Input columns
# --------------------------------------------------------------------------

#: Canonical column -> accepted headers (normalised with :func:`header_key`).
STANDARD_COLUMNS: dict[str, tuple[str, ...]] = {
    "respondent_ref": (
        "respondent_ref",
        "respondent_reference",
        "respondent_id",
        "respondent",
        "ref",
        "reference",
    ),
    "authority": ("authority", "local_authority", "la", "council"),
    "sector": ("sector", "organisation_type", "organisation_sector", "respondent_sector"),
    "phase": ("phase", "survey_phase", "wave", "before_or_after"),
    "submitted_at": ("submitted_at", "submission_time", "submitted", "timestamp", "date"),
    "group": (
        "group",
        "study_group",
        "participant_group",
        "arm",
        "treatment_group",
        "participant_or_comparison",
    ),
    # free-text answers and their coded themes, one pair per comment question of the definition
    **{
        column: headers
        for q in current_programme().questions
        if q.base == "comments"
        for column, headers in (
            (f"{q.id}_text", (f"{q.id}_text", q.id, f"q{q.number}")),
            (f"{q.id}_themes", (f"{q.id}_themes", f"q{q.number}_themes")),
        )
    },
    "synthetic": ("synthetic",),
}


def header_key(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header)).casefold().replace("’", "'").replace("'", "")
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def column_map(vocab: Vocabulary) -> dict[str, str]:
    mapping = {h: canon for canon, headers in STANDARD_COLUMNS.items() for h in headers}
    mapping.update({header_key(h): item.item for item in vocab.items for h in item.headers})
    return mapping


# --------------------------------------------------------------------------
# The study group: programme participants or a comparison group
# --------------------------------------------------------------------------

#: The two study groups; a file without a group column holds participants only.
PARTICIPANTS, COMPARISON = "participants", "comparison"
GROUPS = (PARTICIPANTS, COMPARISON)
COMPARISON_WORDS = frozenset(
    {"comparison", "control", "nonparticipant", "nonparticipants", "untreated", "waitlist"}
)
PARTICIPANT_WORDS = frozenset(
    {
        "participant",
        "participants",
        "programme",
        "program",
        "treatment",
        "treated",
        "intervention",
        "attended",
    }
)


def group_of(text: object) -> str | None:
    """``participants``, ``comparison`` or None for one written group value.

    A value naming the comparison ("comparison", "control", "non-participant",
    "did not attend" ...) puts the respondent in the comparison group; one
    naming the programme ("participant", "programme", "treatment",
    "intervention", "attended" ...) among participants; anything else is neither.
    """
    folded = re.sub(r"non[\s_-]+", "non", str(text).casefold())
    words = set(re.split(r"[^a-z]+", folded))
    if words & COMPARISON_WORDS or {"not", "attending"} <= words or {"did", "not", "attend"} <= words:
        return COMPARISON
    if words & PARTICIPANT_WORDS:
        return PARTICIPANTS
    return None


# --------------------------------------------------------------------------
# Parsing answers (once per distinct spelling)
# --------------------------------------------------------------------------

MISSING_ANSWERS = {
    "",
    "don't know",
    "dont know",
    "do not know",
    "dk",
    "n/a",
    "na",
    "n a",
    "not applicable",
    "prefer not to say",
    "no answer",
    "no response",
    "-",
    "--",
    ".",
    "missing",
    "none",
    "refused",
    "declined",
    "prefer not to answer",
    "not answered",
    "nan",
    "null",
    "#n/a",
    "#na",
    "n/k",
    "not known",
}
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    )
}
#: "7", "7.0", "5,0" (decimal comma), "(7)", "7 - Very confident", "7) ...".
_NUMBER = re.compile(r"^\(?([+-]?\d+(?:\.\d+|,\d{1,2})?)\)?(?:\s*(?:[-–—:=).]\s*|\s+)(.*))?$")
#: A label followed by its number: "Very confident (7)", "Very confident - 7".
_LABEL_NUMBER = re.compile(
    r"^(.*?[^\d\s(])\s*(?:\(([+-]?\d+(?:\.\d+|,\d{1,2})?)\)|[-–—:=]\s*([+-]?\d+(?:\.\d+|,\d{1,2})?))$"
)

ANSWERED, MISSING, INVALID = 1, 0, -1


def parse_answer(text: str, vocab: Vocabulary | None = None) -> tuple[int, int, str]:
    """One answer as written -> ``(status, value, reason)``.

    ``status`` is ANSWERED (value on the scale), MISSING ("Don't know", "N/A",
    blank: explicit missing, never zero) or INVALID (out of range or
    unparseable; ``reason`` says which).

    A number is the answer and a label beside it ("7 - Very confident", "Very
    confident (7)") must agree with it; "5,0" is read with a decimal comma.

    >>> parse_answer(" 7 - Very confident ")[:2]
    (1, 7)
    """
    vocab = vocab or programme_vocabulary()
    low, high = vocab.scale_low, vocab.scale_high
    key = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text)).replace("’", "'")).strip().casefold()
    if key in MISSING_ANSWERS:
        return MISSING, 0, ""
    match = _NUMBER.match(key)
    trailing = None if match else _LABEL_NUMBER.match(key)
    if match or trailing:
        if match:
            number, label = match.group(1), (match.group(2) or "").strip()
        else:
            number, label = trailing.group(2) or trailing.group(3), trailing.group(1).strip()
        value = float(number.replace(",", "."))
        if not value.is_integer():
            return INVALID, 0, f"not a whole point of the {low}-{high} scale"
        value = int(value)
        if not low <= value <= high:
            return INVALID, 0, f"outside the {low}-{high} scale"
        labelled = vocab.scale_labels.get(label) or NUMBER_WORDS.get(label)
        if label and labelled is not None and labelled != value:
            return INVALID, 0, f"number and label disagree ({value} vs '{label}')"
        return ANSWERED, value, ""
    value = vocab.scale_labels.get(key, NUMBER_WORDS.get(key))
    if value is None:
        return INVALID, 0, f"not an answer on the {low}-{high} scale"
    if not low <= value <= high:
        return INVALID, 0, f"outside the {low}-{high} scale"
    return ANSWERED, value, ""


# --------------------------------------------------------------------------
# Coded columns: parse each distinct value once
# --------------------------------------------------------------------------


def factorise(column: pd.Series) -> tuple[np.ndarray, list]:
    """(code per row, distinct values): values are handled once each (code -1 = missing)."""
    codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
    return codes, list(uniques)


def parse_column(
    coded: tuple[np.ndarray, list], vocab: Vocabulary
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`parse_answer` over a factorised column (:func:`factorise`):
    (status int8, value int8, reason) per row."""
    codes, cats = coded
    parsed = [parse_answer(c, vocab) for c in cats] + [(MISSING, 0, "")]  # code -1 = absent
    status = np.array([p[0] for p in parsed], dtype=np.int8)[codes]
    value = np.array([p[1] for p in parsed], dtype=np.int8)[codes]
    reasons = np.array([p[2] for p in parsed], dtype=object)
    return status, value, reasons[codes]


def lookup_column(coded: tuple[np.ndarray, list], table: dict[str, str]) -> pd.Series:
    """Map spellings through ``table`` (after :func:`spelling_key`), once per distinct value."""
    codes, cats = coded
    mapped = np.array([table.get(spelling_key(c)) for c in cats] + [None], dtype=object)
    return pd.Series(mapped[codes], dtype=object)


#: Words that place a phase written some other way ("Before the workshop",
#: "Baseline survey", "After training", "Follow-up"): used when the spelling
#: is not in the definition and names exactly one of the two sides.
PRE_WORDS = frozenset({"pre", "before", "baseline", "start"})
POST_WORDS = frozenset({"post", "after", "followup", "end"})


def phase_in_words(text: str) -> str | None:
    """``pre`` or ``post`` when the words of ``text`` name one side only, else None."""
    tokens = set(re.split(r"[^0-9a-z]+", str(text).casefold()))
    pre = tokens & PRE_WORDS
    post = tokens & POST_WORDS or ({"follow", "up"} <= tokens and {"followup"})
    if bool(pre) == bool(post):
        return None
    return "pre" if pre else "post"


def lookup_phase(coded: tuple[np.ndarray, list], vocab: Vocabulary) -> pd.Series:
    """Phase spellings through the definition's table, else :func:`phase_in_words`
    (when the programme's phases are ``pre`` and ``post``)."""
    codes, cats = coded
    words = {"pre", "post"} <= set(vocab.phase_ids)
    found = [vocab.phases.get(spelling_key(c)) or (phase_in_words(c) if words else None) for c in cats]
    return pd.Series(np.array([*found, None], dtype=object)[codes], dtype=object)


def suggest(name: str, known: dict[str, str], labels: dict[str, str] | None = None, n: int = 3) -> str:
    """The closest known names to an unknown spelling (difflib), for the log."""
    close = difflib.get_close_matches(spelling_key(name), list(known), n=n * 3, cutoff=0.6)
    names: list[str] = []
    for key in close:
        shown = (labels or {}).get(known[key], known[key])
        if shown not in names:
            names.append(shown)
    return ", ".join(names[:n]) if names else "none close"
