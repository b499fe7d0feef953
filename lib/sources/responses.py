"""Respondent-level survey data: read, clean and aggregate raw response exports.

An evaluation team usually holds the raw pre/post workshop survey exports: one
row per response, from an online form tool (CSV or Excel) or SPSS (``.sav``),
or typed in from paper. This module turns the files in ``data/raw/responses/``
(or another directory: :func:`responses_dir`) into three processed tables:

* ``survey_responses.csv``: the ``survey.csv`` contract at authority x sector x
  phase level and programme level (``authority_id`` empty), with an exact
  ``base_n`` on every row and a ``basis`` column;
* ``survey_response_pairs.csv``: for people whose respondent reference links a
  before and an after answer, the paired 2 x 2 counts behind the change
  (analysed with :mod:`lib.analysis.paired`);
* ``response_files.csv``: each file read, its format, rows read and used, and
  whether it is synthetic (reports then carry a SYNTHETIC DATA banner).

The input format is documented in ``data/README.md`` ("Response files").
Cleaning records every judgement in the data-quality log (file and row); a file
that cannot be read at all stops the build with one line naming the file and
the reason, and ``data/processed/`` is left untouched. The work is vectorised:
answers are parsed once per *distinct* spelling (factorised codes), never
once per row, so a million responses take seconds.

The programme's vocabulary (authorities and their spellings, sectors, phases,
the questions and items on the 1-7 scale) comes through one adapter,
:func:`programme_vocabulary`, so moving it into the programme definition file
changes that function only.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

# --------------------------------------------------------------------------
# Settings (each defined once here)
# --------------------------------------------------------------------------

#: An answer at or above this point of the 1-7 scale counts as "confident".
DEFAULT_CONFIDENT_FROM = 5
CONFIDENT_FROM_ENV_VAR = "EVAL_CONFIDENT_FROM"
#: Directory of response files; default ``<raw dir>/responses``.
RESPONSES_DIR_ENV_VAR = "EVAL_RESPONSES_DIR"
RESPONSES_SUBDIR = "responses"
#: The change uses the paired method when linked people make up at least this
#: share of the smaller of the before and after bases; otherwise the two
#: phases are compared as independent samples (lib.uncertainty).
PAIRED_MIN_SHARE = 0.5
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".sav": "sav"}
EXACT_BASIS = "exact base from response data"
TABLES = ("survey_responses.csv", "survey_response_pairs.csv", "response_files.csv")


def confident_from(value: int | None = None) -> int:
    """The cut-point: ``value``, else ``EVAL_CONFIDENT_FROM``, else 5."""
    if value is None:
        raw = os.environ.get(CONFIDENT_FROM_ENV_VAR, "").strip()
        if raw and not raw.isdigit():
            raise ValueError(f"{CONFIDENT_FROM_ENV_VAR} must be a whole number on the scale, got {raw!r}")
        value = int(raw) if raw else DEFAULT_CONFIDENT_FROM
    vocab = programme_vocabulary()
    if not vocab.scale_low < value <= vocab.scale_high:
        raise ValueError(f"the confident cut-point must be within {vocab.scale_low + 1}-{vocab.scale_high}, got {value}")
    return int(value)


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
    sectors: dict[str, str]  # normalised spelling -> sector id
    report_sectors: tuple[str, ...]  # sectors with their own rows (besides "all")
    phases: dict[str, str]  # normalised spelling -> pre | post
    items: tuple[Item, ...]
    scale_low: int
    scale_high: int
    scale_labels: dict[str, int]  # normalised label -> scale point
    question_order: dict[str, int]
    survey_columns: tuple[str, ...]
    survey_schema: pa.DataFrameSchema


def name_key(text: str) -> str:
    """Normalise a spelling for lookup: Unicode, case, apostrophes, dots, spaces."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().replace("’", "'")
    text = re.sub(r"[.\-_/&]", lambda m: " and " if m.group() == "&" else " ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def programme_vocabulary() -> Vocabulary:
    """The survey vocabulary of the programme.

    Today it is read from ``lib/evaluation.py``'s registry; when the programme
    definition file exists (issue 10) only this function changes.
    """
    from lib import evaluation as ev  # lazy: evaluation imports this module in build()

    keys = {name_key(alias): aid for alias, aid in ev.AUTHORITY_ALIASES.items()}
    keys.update({name_key(name): aid for aid, name in ev.AUTHORITIES.items()})
    keys.update({name_key(aid): aid for aid in ev.AUTHORITIES})
    report_sectors = tuple(s for s in ev.SECTOR_LABELS if s != "all")
    sectors = {name_key(k): v for k, v in ev.SECTORS.items() if v != "all"}
    sectors.update({name_key(k): v for k, v in ev.RESPONDENT_GROUPS.items() if v != "all"})
    sectors.update({name_key(label): sid for sid, label in ev.SECTOR_LABELS.items() if sid != "all"})
    sectors.update({name_key(v): v for v in ev.RESPONDENT_GROUPS.values() if v != "all"})
    # Common singular / long-hand forms of the same sectors.
    sectors.update({
        "voluntary and community sector": "vcs", "voluntary sector": "vcs", "vcs organisation": "vcs",
        "children's centre": "childrens_centres", "childrens centre": "childrens_centres",
        "local authority": "local_authorities", "council": "local_authorities",
    })
    phases = {name_key(k): v for k, v in ev.PHASES.items() if v in ("pre", "post")}
    phases.update({"baseline": "pre", "pre workshop": "pre", "post workshop": "post", "follow up": "post"})
    # Respondents answer one Q1 question; the second published Q1 chart is an
    # artefact of the report (see survey_understanding.csv), not a question.
    understanding = [
        Item("understanding", "Q1 Confidence that they understand co-production (scale 1-7)",
             iid, label, 1, (iid, name_key(label).replace(" ", "_"), "q1"))
        for iid, label, _ in ev.UNDERSTANDING_ITEMS.values() if iid == "understand_co_production"
    ]
    impacts = [
        Item("impacts", "Q3 How confident are you that co-production will help ... (scale 1-7)",
             iid, label, order, (iid, name_key(label).replace(" ", "_"), f"q3_{order}",
                                 *(v.replace(" ", "_") for v in variants)))
        for order, (iid, label, variants) in enumerate(ev.IMPACTS, start=1)
    ]
    survey_schema = ev.PROCESSED_SCHEMAS["survey.csv"]
    return Vocabulary(
        authorities=dict(ev.AUTHORITIES), authority_keys=keys, sectors=sectors,
        report_sectors=report_sectors, phases=phases, items=tuple(understanding + impacts),
        scale_low=1, scale_high=7,
        scale_labels={"not at all confident": 1, "not confident at all": 1, "very confident": 7,
                      "extremely confident": 7},
        question_order={"understanding": 1, "impacts": 3},
        survey_columns=tuple(ev.SURVEY_COLUMNS), survey_schema=survey_schema,
    )


def _ev():
    from lib import evaluation

    return evaluation


# --------------------------------------------------------------------------
# Input columns
# --------------------------------------------------------------------------

#: Canonical column -> accepted headers (normalised with :func:`header_key`).
STANDARD_COLUMNS: dict[str, tuple[str, ...]] = {
    "respondent_ref": ("respondent_ref", "respondent_reference", "respondent_id", "respondent", "ref", "reference"),
    "authority": ("authority", "local_authority", "la", "council"),
    "sector": ("sector", "organisation_type", "organisation_sector", "respondent_sector"),
    "phase": ("phase", "survey_phase", "wave", "before_or_after"),
    "submitted_at": ("submitted_at", "submission_time", "submitted", "timestamp", "date"),
    "best_features_text": ("best_features_text", "best_features", "q2"),
    "best_features_themes": ("best_features_themes", "q2_themes"),
    "la_role_text": ("la_role_text", "la_role", "q4"),
    "la_role_themes": ("la_role_themes", "q4_themes"),
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
# Reading one file
# --------------------------------------------------------------------------


class ResponseFileError(Exception):
    """A response file that cannot be read or used at all (stops the build)."""

    def __init__(self, file: str, reason: str, row: int | None = None, column: str | None = None,
                 value: object = None):
        self.file, self.reason, self.row, self.column, self.value = file, reason, row, column, value
        super().__init__(f"{file}: {reason}")


class ResponseDataError(Exception):
    """Raised when response files are unusable; carries one problem per file
    (lib.evaluation turns it into its RawDataError: one line each, nothing written)."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def display_path(path: Path) -> str:
    root = _ev().PROJECT_ROOT
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _decode(path: Path, shown: str) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ResponseFileError(
            shown, f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
                   "save the export as CSV UTF-8") from None


def _separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: (counts[s], s == ","))


def read_file(path: Path) -> tuple[pd.DataFrame, str]:
    """Read one response file as text columns; return (frame, format).

    Every value is kept as text: parsing happens in the cleaning, so nothing is
    coerced silently. Raises :class:`ResponseFileError` with the reason when the
    file cannot be read.
    """
    path = Path(path)
    shown = display_path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ResponseFileError(shown, f"unsupported file type {path.suffix!r}; expected .csv, .xlsx or .sav")
    try:
        if fmt == "csv":
            text = _decode(path, shown)
            if not text.strip():
                raise ResponseFileError(shown, "the file is empty (no header row)")
            frame = pd.read_csv(io.StringIO(text), sep=_separator(text), dtype=object,
                                keep_default_na=False, na_filter=False, skipinitialspace=False)
        elif fmt == "xlsx":
            frame = pd.read_excel(path, engine="openpyxl", dtype=object, na_filter=False)
            frame = frame.apply(_as_text)
        else:
            import pyreadstat

            # Value labels applied, so a coded answer reads as its label ("Very
            # confident", "Don't know") and goes through the same parser;
            # declared missing values arrive as blanks.
            frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
            frame = frame.apply(_as_text)
    except ResponseFileError:
        raise
    except Exception as err:  # every reader failure becomes one line
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ResponseFileError(shown, f"cannot be read as {fmt.upper()}: {reason}") from None
    frame.columns = [str(c) for c in frame.columns]
    return frame, fmt


def _as_text(column: pd.Series) -> pd.Series:
    """Spreadsheet and SPSS cells as text: whole numbers without '.0', blanks as ''."""
    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    return column.map(text).astype(object)


def phase_from_name(path: Path) -> str | None:
    """``pre`` or ``post`` when the file name says so (e.g. ``leeds_pre.csv``)."""
    tokens = set(re.split(r"[^0-9a-z]+", Path(path).stem.casefold()))
    pre = tokens & {"pre", "before", "baseline"}
    post = tokens & {"post", "after", "followup"} or ({"follow", "up"} <= tokens and {"followup"})
    if bool(pre) == bool(post):
        return None
    return "pre" if pre else "post"


# --------------------------------------------------------------------------
# Parsing answers (once per distinct spelling)
# --------------------------------------------------------------------------

MISSING_ANSWERS = {
    "", "don't know", "dont know", "do not know", "dk", "n/a", "na", "n a", "not applicable",
    "prefer not to say", "no answer", "no response", "-", "--", ".", "missing", "none",
}
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten".split())}
_NUMBER = re.compile(r"^\(?([+-]?\d+(?:\.\d+)?)\)?(?:\s*(?:[-–—:=).]\s*|\s+)(.*))?$")

ANSWERED, MISSING, INVALID = 1, 0, -1


def parse_answer(text: str, vocab: Vocabulary | None = None) -> tuple[int, int, str]:
    """One answer as written -> ``(status, value, reason)``.

    ``status`` is ANSWERED (value on the scale), MISSING ("Don't know", "N/A",
    blank: explicit missing, never zero) or INVALID (out of range or
    unparseable; ``reason`` says which).

    >>> parse_answer(" 7 - Very confident ")[:2]
    (1, 7)
    """
    vocab = vocab or programme_vocabulary()
    low, high = vocab.scale_low, vocab.scale_high
    key = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text)).replace("’", "'")).strip().casefold()
    if key in MISSING_ANSWERS:
        return MISSING, 0, ""
    match = _NUMBER.match(key)
    if match:
        number, label = match.group(1), (match.group(2) or "").strip()
        value = float(number)
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


def _codes(column: pd.Series) -> tuple[np.ndarray, list]:
    """(code per row, distinct values): values are handled once each (code -1 = missing)."""
    codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
    return codes, list(uniques)


def parse_column(coded: tuple[np.ndarray, list], vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`parse_answer` over a factorised column (:func:`_codes`):
    (status int8, value int8, reason) per row."""
    codes, cats = coded
    parsed = [parse_answer(c, vocab) for c in cats] + [(MISSING, 0, "")]  # code -1 = absent
    status = np.array([p[0] for p in parsed], dtype=np.int8)[codes]
    value = np.array([p[1] for p in parsed], dtype=np.int8)[codes]
    reasons = np.array([p[2] for p in parsed], dtype=object)
    return status, value, reasons[codes]


def lookup_column(coded: tuple[np.ndarray, list], table: dict[str, str]) -> pd.Series:
    """Map spellings through ``table`` (after :func:`name_key`), once per distinct value."""
    codes, cats = coded
    mapped = np.array([table.get(name_key(c)) for c in cats] + [None], dtype=object)
    return pd.Series(mapped[codes], dtype=object)


def suggest(name: str, known: dict[str, str], labels: dict[str, str] | None = None, n: int = 3) -> str:
    """The closest known names to an unknown spelling (difflib), for the log."""
    close = difflib.get_close_matches(name_key(name), list(known), n=n * 3, cutoff=0.6)
    names: list[str] = []
    for key in close:
        shown = (labels or {}).get(known[key], known[key])
        if shown not in names:
            names.append(shown)
    return ", ".join(names[:n]) if names else "none close"


# --------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------


@dataclass
class Cleaned:
    """Usable responses, one row each, and what the cleaning found."""

    responses: pd.DataFrame  # authority_id, sector, phase, ref, <item> (int8, 0 = no usable answer)
    issues: pd.DataFrame  # quality-log rows
    files: pd.DataFrame  # response_files.csv


LOG_KEYS = ["check", "file", "column", "value", "issue", "action"]


def _row_labels(rows: np.ndarray | pd.Series, sav: np.ndarray | pd.Series | bool) -> pd.Series:
    """Row numbers as the log shows them: ``12`` (header = row 1) or ``case 11`` (.sav)."""
    text = pd.Series(np.asarray(rows)).astype(str)
    sav = pd.Series(np.broadcast_to(np.asarray(sav, dtype=bool), len(text)))
    return text.where(~sav, "case " + text)


def _row_words(rows: pd.Series, sav: pd.Series) -> pd.Series:
    labels = _row_labels(rows, sav)
    return labels.where(labels.str.startswith("case"), "row " + labels)


def _bad(check: str, file: str, column: str, value, issue, action: str, rows: np.ndarray, sav: bool) -> pd.DataFrame:
    """Rows behind one kind of log entry, ungrouped (grouped once at the end)."""
    return pd.DataFrame({"check": check, "file": file, "column": column, "value": value, "issue": issue,
                         "action": action, "row": rows, "sav": sav})


def _group_log(bad: list[pd.DataFrame]) -> pd.DataFrame:
    """One log row per distinct (check, file, column, value, issue), its rows listed."""
    cols = _ev().QUALITY_LOG_COLUMNS
    if not bad:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in cols})
    frame = pd.concat(bad, ignore_index=True)
    frame["label"] = _row_labels(frame["row"].to_numpy(), frame["sav"].to_numpy()).to_numpy()
    grouped = (frame.sort_values("row", kind="stable").groupby(LOG_KEYS, sort=True)["label"]
               .agg(", ".join).reset_index().rename(columns={"label": "row"}))
    return grouped[cols].astype(str)


def _category_text(coded: tuple[np.ndarray, list]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, stripped text of each distinct value, with '' appended for code -1)."""
    codes, cats = coded
    text = np.array([str(c).strip() for c in cats] + [""], dtype=object)
    return codes, text


def clean_file(path: Path, vocab: Vocabulary) -> tuple[pd.DataFrame, list[pd.DataFrame], dict]:
    """Read and clean one file: (rows in canonical form, log rows, file record)."""
    raw, fmt = read_file(path)
    shown = display_path(path)
    sav = fmt == "sav"
    mapping = column_map(vocab)
    bad: list[pd.DataFrame] = []
    canon: dict[str, str] = {}
    for header in raw.columns:
        name = mapping.get(header_key(header))
        if name is None:
            bad.append(_bad("response_unknown_column", shown, header, "", "column not in the response file format",
                            "not used", np.array([1]), False))
        elif name in canon:
            raise ResponseFileError(shown, f"columns {canon[name]!r} and {header!r} both give '{name}'",
                                    column=header)
        else:
            canon[name] = header
    if "authority" not in canon:
        raise ResponseFileError(shown, "no authority column (expected a header such as 'authority')")
    if not any(it.item in canon for it in vocab.items):
        raise ResponseFileError(shown, "no survey question columns (expected e.g. "
                                       f"'{vocab.items[0].item}' or '{vocab.items[-1].item}')")
    n = len(raw)
    rownum = np.arange(n) + (1 if sav else 2)
    blank = pd.Series(np.full(n, "", dtype=object))
    get = lambda name: raw[canon[name]] if name in canon else blank  # noqa: E731
    factorised: dict[str, tuple[np.ndarray, list]] = {}

    def coded(name: str) -> tuple[np.ndarray, list]:
        if name not in factorised:
            factorised[name] = _codes(get(name))
        return factorised[name]

    # Exact duplicates are judged on every field as written (canonical order).
    # Each distinct value is hashed once; absent columns count as blank.
    row_hash = np.zeros(n, dtype=np.uint64)
    for name in [*STANDARD_COLUMNS, *(it.item for it in vocab.items)]:
        if name in canon:
            codes, uniques = coded(name)
            hashed = pd.util.hash_array(np.array([*map(str, uniques), ""], dtype=object))[codes]
        else:
            hashed = pd.util.hash_array(np.array([""], dtype=object))[np.zeros(n, dtype=np.int64)]
        row_hash = (row_hash * np.uint64(1_000_003)) ^ hashed

    authority = lookup_column(coded("authority"), vocab.authority_keys)
    sector = lookup_column(coded("sector"), vocab.sectors)
    phase = lookup_column(coded("phase"), vocab.phases)
    phase_codes, phase_text = _category_text(coded("phase"))
    phase_blank = phase_text[phase_codes] == ""
    from_name = phase_from_name(path)
    if from_name is not None:
        disagree = (phase.notna() & (phase != from_name)).to_numpy()
        if disagree.any():
            bad.append(_bad("response_phase_conflict", shown, canon.get("phase", ""), f"file name says '{from_name}'",
                            "the phase column disagrees with the file name", "the phase column is used",
                            rownum[disagree], sav))
        phase = phase.where(phase.notna() | ~phase_blank, from_name)
    frame = pd.DataFrame({"file": shown, "row": rownum, "sav": sav, "authority_id": authority.to_numpy(),
                          "sector": sector.to_numpy(), "phase": phase.to_numpy(), "hash": row_hash})

    # Authority: unknown or blank spellings are listed, never matched silently.
    unknown = authority.isna().to_numpy()
    if unknown.any():
        codes, text = _category_text(coded("authority"))
        values = text[codes][unknown]
        issue = {v: ("authority missing" if v == "" else
                     f"unknown authority; closest known: {suggest(v, vocab.authority_keys, vocab.authorities)}")
                 for v in set(values)}
        bad.append(_bad("response_unknown_authority", shown, canon["authority"], values,
                        [issue[v] for v in values],
                        "rows left out of every figure; correct the spelling, or add it to the authority's "
                        "spelling variants if it is one of the programme's authorities", rownum[unknown], sav))
    # Sector: unknown spellings are listed and counted in 'all respondents' only.
    odd = sector.isna().to_numpy() & ~unknown
    if odd.any():
        codes, text = _category_text(coded("sector"))
        values = text[codes][odd]
        labels = {s: s.replace("_", " ") for s in set(vocab.sectors.values())}
        issue = {v: ("sector missing" if v == "" else
                     f"unknown sector; closest known: {suggest(v, vocab.sectors, labels)}") for v in set(values)}
        bad.append(_bad("response_unknown_sector", shown, canon.get("sector", "sector"), values,
                        [issue[v] for v in values], "counted in 'all respondents' only, not in a sector's figures",
                        rownum[odd], sav))
    no_phase = phase.isna().to_numpy() & ~unknown
    if no_phase.any():
        values = phase_text[phase_codes][no_phase]
        bad.append(_bad("response_unknown_phase", shown, canon.get("phase", "phase"), values,
                        np.where(values == "", "phase missing and not in the file name",
                                 "unknown phase; expected before/pre or after/post"),
                        "rows left out of every figure", rownum[no_phase], sav))

    # Answers: parsed once per distinct spelling.
    for it in vocab.items:
        if it.item not in canon:
            frame[it.item] = np.zeros(n, dtype=np.int8)
            continue
        status, value, reason = parse_column(coded(it.item), vocab)
        frame[it.item] = np.where(status == ANSWERED, value, 0).astype(np.int8)
        invalid = status == INVALID
        if invalid.any():
            codes, text = _category_text(coded(it.item))
            bad.append(_bad("response_invalid_answer", shown, canon[it.item], text[codes][invalid], reason[invalid],
                            "left out of the base for this question", rownum[invalid], sav))
    codes, text = _category_text(coded("respondent_ref"))
    frame["ref"] = np.array([t.casefold() for t in text], dtype=object)[codes]
    codes, text = _category_text(coded("submitted_at"))
    frame["submitted"] = parse_times(text)[codes]
    codes, text = _category_text(coded("synthetic"))
    synthetic = np.isin(np.char.lower(text.astype(str)), ["yes", "true", "1", "y"])[codes]
    record = {"file": shown, "format": fmt, "rows_read": n, "synthetic": "yes" if synthetic.any() else "no",
              "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}
    return frame, bad, record


def parse_times(text: np.ndarray) -> np.ndarray:
    """Submission times, day first (UK); fast fixed formats first, then any
    format; unreadable times are NaT (they only order repeated references)."""
    series = pd.Series(text, dtype=object).replace("", None)
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "ISO8601", "%d/%m/%Y"):
        todo = out.isna() & series.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(series[todo], format=fmt, errors="coerce")
    todo = out.isna() & series.notna()
    if todo.any():
        out[todo] = pd.to_datetime(series[todo], format="mixed", dayfirst=True, errors="coerce")
    return out.to_numpy()


def response_files(directory: Path) -> list[Path]:
    """Response files in ``directory`` (sorted; hidden files and READMEs skipped)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and not p.name.startswith((".", "~$")) and p.suffix.lower() in FORMATS
                  and p.stem.casefold() != "readme")


def clean_responses(paths: list[Path], vocab: Vocabulary | None = None) -> Cleaned:
    """Read and clean every file; remove exact duplicates and repeated references."""
    vocab = vocab or programme_vocabulary()
    frames, bad, records, problems = [], [], [], []
    for path in paths:
        try:
            frame, found, record = clean_file(path, vocab)
        except ResponseFileError as err:
            problems.append(err)
            continue
        frame["order"] = len(frames)
        frames.append(frame)
        bad.extend(found)
        records.append(record)
    if problems:
        ev = _ev()
        raise ResponseDataError([ev.Problem(p.file, p.row, p.column, p.value, f"a usable response file ({p.reason})")
                                 for p in problems])
    data = pd.concat(frames, ignore_index=True)
    del frames
    for col in ("authority_id", "sector", "phase", "file"):
        data[col] = data[col].astype("category")
    single: list[pd.DataFrame] = []  # log rows, one per removed response

    # Exact duplicate submissions: every field identical to an earlier row.
    dup = data["hash"].duplicated(keep="first").to_numpy()
    if dup.any():
        involved = data[data["hash"].duplicated(keep=False).to_numpy()]
        first = involved.groupby("hash", sort=False)[["file", "row", "sav"]].transform("first")
        first = first[involved["hash"].duplicated(keep="first").to_numpy()]
        d = data[dup]
        single.append(pd.DataFrame({
            "check": "response_duplicate", "file": d["file"].astype(str).to_numpy(),
            "row": _row_labels(d["row"].to_numpy(), d["sav"].to_numpy()).to_numpy(), "column": "", "value": "",
            "issue": ("exact duplicate of " + first["file"].astype(str) + ", "
                      + _row_words(first["row"], first["sav"]).to_numpy()).to_numpy(),
            "action": "removed"}))
    data = data[~dup]
    data = data[(data["authority_id"].notna() & data["phase"].notna()).to_numpy()]

    # A respondent reference repeated within a phase (of one authority): the
    # earliest submission is kept (file order where times are missing).
    linked = data[data["ref"] != ""]
    ordered = linked.sort_values(["submitted", "order", "row"], kind="stable", na_position="last")
    keys = ["authority_id", "phase", "ref"]
    repeat = ordered.duplicated(keys, keep="first").to_numpy()
    if repeat.any():
        involved = ordered[ordered.duplicated(keys, keep=False).to_numpy()]
        kept = involved.groupby(keys, observed=True, sort=False)[["file", "row", "sav"]].transform("first")
        kept = kept[involved.duplicated(keys, keep="first").to_numpy()]
        rr = ordered[repeat]
        single.append(pd.DataFrame({
            "check": "response_repeated_reference", "file": rr["file"].astype(str).to_numpy(),
            "row": _row_labels(rr["row"].to_numpy(), rr["sav"].to_numpy()).to_numpy(),
            "column": "respondent_ref", "value": rr["ref"].to_numpy(),
            "issue": ("respondent reference repeated within phase '" + rr["phase"].astype(str)
                      + "'; earliest kept: " + kept["file"].astype(str) + ", "
                      + _row_words(kept["row"], kept["sav"]).to_numpy()).to_numpy(),
            "action": "removed (one answer per person per phase)"}))
        data = data.drop(index=rr.index)
    used = data.groupby("file", observed=False).size()
    files = pd.DataFrame(records)
    files["rows_used"] = files["file"].map(used).fillna(0).astype(int)
    files = files[["file", "format", "rows_read", "rows_used", "synthetic", "sha256"]]
    keep = ["authority_id", "sector", "phase", "ref", *(it.item for it in vocab.items)]
    log = pd.concat([_group_log(bad), *single], ignore_index=True)[_ev().QUALITY_LOG_COLUMNS].astype(str)
    return Cleaned(data[keep].reset_index(drop=True), log, files)


# --------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------


def _long_counts(data: pd.DataFrame, by: list[str], vocab: Vocabulary, cut: int) -> pd.DataFrame:
    """Answered and confident counts per group and item, long."""
    ids = [it.item for it in vocab.items]
    values = data[ids].to_numpy()
    counts = pd.DataFrame(
        np.concatenate([(values > 0), (values >= cut)], axis=1).astype(np.int32),
        columns=[f"n|{i}" for i in ids] + [f"k|{i}" for i in ids], index=data.index)
    keys = {k: data[k] for k in by}
    summed = counts.groupby([keys[k] for k in by], observed=True, sort=True).sum()
    long = summed.stack(future_stack=True).rename("count").reset_index()
    long.columns = [*by, "measure", "count"]
    long[["stat", "item"]] = long["measure"].str.split("|", expand=True)
    wide = long.pivot_table(index=[*by, "item"], columns="stat", values="count", observed=True).reset_index()
    return wide


def aggregate(cleaned: Cleaned, vocab: Vocabulary | None = None, cut: int | None = None) -> pd.DataFrame:
    """``survey_responses.csv``: share confident by authority x sector x phase and programme-wide."""
    vocab = vocab or programme_vocabulary()
    cut = confident_from(cut)
    data = cleaned.responses.copy()
    data["authority_id"] = data["authority_id"].astype(str)
    data["phase"] = data["phase"].astype(str)
    in_sector = data["sector"].isin(vocab.report_sectors)
    parts = []
    for authority in (True, False):
        for by_sector in (False, True):
            subset = data[in_sector.to_numpy()] if by_sector else data
            frame = subset.assign(
                authority_id=subset["authority_id"] if authority else "",
                sector=subset["sector"].astype(str) if by_sector else "all")
            parts.append(_long_counts(frame, ["authority_id", "sector", "phase"], vocab, cut))
    counts = pd.concat(parts, ignore_index=True)
    counts = counts[counts["n"] > 0]
    meta = pd.DataFrame([dataclasses.asdict(it) for it in vocab.items]).drop(columns="headers")
    out = counts.merge(meta, on="item", how="left")
    out["value"] = out["k"] / out["n"]
    sector_order = {s: i for i, s in enumerate(("all", *vocab.report_sectors))}
    out = out.assign(
        base_n=out["n"].astype("int64"), confident_n=out["k"].astype("int64"),
        value_as_printed="",
        note=f"confident = {cut} or above on the {vocab.scale_low}-{vocab.scale_high} scale",
        source="response files (see response_files.csv)", basis=EXACT_BASIS,
        _q=out["question"].map(vocab.question_order), _s=out["sector"].map(sector_order),
        _p=out["phase"].map({"pre": 0, "post": 1}),
    ).sort_values(["authority_id", "_q", "_s", "item_order", "_p"], kind="stable")
    return out[["authority_id", *vocab.survey_columns, "confident_n", "basis"]].reset_index(drop=True)


def paired_counts(cleaned: Cleaned, vocab: Vocabulary | None = None, cut: int | None = None) -> pd.DataFrame:
    """``survey_response_pairs.csv``: 2 x 2 counts of linked people per cell and item."""
    vocab = vocab or programme_vocabulary()
    cut = confident_from(cut)
    ids = [it.item for it in vocab.items]
    data = cleaned.responses[(cleaned.responses["ref"] != "").to_numpy()]
    # One integer per person (authority x reference), so the before/after join is on integers.
    ref_codes, refs = pd.factorize(data["ref"])
    person = data["authority_id"].cat.codes.to_numpy().astype(np.int64) * (len(refs) + 1) + ref_codes
    phase = data["phase"].astype(str).to_numpy()
    data = data.drop(columns=["ref", "phase"]).assign(person=person)
    pre, post = data[phase == "pre"], data[phase == "post"]
    linked = pre.merge(post.drop(columns=["authority_id"]), on="person", suffixes=("_pre", "_post"))
    linked["authority_id"] = linked["authority_id"].astype(str)
    columns = ["authority_id", "question", "item", "item_order", "sector", "pairs_n", "both",
               "before_only", "after_only", "neither"]
    if linked.empty:
        text = {"authority_id", "question", "item", "sector"}
        return pd.DataFrame({c: pd.Series(dtype=str if c in text else "int64") for c in columns})
    # A person's sector is taken from the before answer (the after one if blank).
    sector = linked["sector_pre"].astype(object).where(linked["sector_pre"].notna(), linked["sector_post"])
    counted = ["both", "before_only", "after_only", "neither"]
    indicators = {}
    for it in ids:
        a, b = linked[f"{it}_pre"].to_numpy(), linked[f"{it}_post"].to_numpy()
        ok = (a > 0) & (b > 0)
        hi_a, hi_b = a >= cut, b >= cut
        for name, flag in zip(counted, (hi_a & hi_b, hi_a & ~hi_b, ~hi_a & hi_b, ~hi_a & ~hi_b)):
            indicators[f"{name}|{it}"] = (flag & ok).astype(np.int32)
    flags = pd.DataFrame(indicators)
    in_sector = sector.isin(vocab.report_sectors).to_numpy()
    groups = []
    for authority in (True, False):
        for by_sector in (False, True):
            rows = in_sector if by_sector else np.ones(len(flags), dtype=bool)
            keys = [linked["authority_id"].to_numpy()[rows] if authority else np.full(rows.sum(), ""),
                    sector.to_numpy()[rows].astype(str) if by_sector else np.full(rows.sum(), "all")]
            summed = flags[rows].groupby(keys, sort=True).sum()
            summed.index.names = ["authority_id", "sector"]
            long = summed.stack(future_stack=True).rename("count").reset_index()
            long[["stat", "item"]] = long["level_2"].str.split("|", expand=True)
            groups.append(long.pivot_table(index=["authority_id", "sector", "item"], columns="stat",
                                           values="count").reset_index())
    out = pd.concat(groups, ignore_index=True)
    out[counted] = out[counted].astype("int64")
    out["pairs_n"] = out[counted].sum(axis=1)
    out = out[out["pairs_n"] > 0]
    meta = pd.DataFrame([dataclasses.asdict(it) for it in vocab.items])[["item", "question", "item_order"]]
    out = out.merge(meta, on="item", how="left")
    out = (out.assign(_q=out["question"].map(vocab.question_order))
           .sort_values(["authority_id", "_q", "item_order", "sector"], kind="stable"))
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------
# Processed schemas and the build hook
# --------------------------------------------------------------------------


def _schemas(vocab: Vocabulary) -> dict[str, pa.DataFrameSchema]:
    survey = vocab.survey_schema.columns
    authority = pa.Column(str, pa.Check.isin(["", *vocab.authorities]),
                          description="authority slug; empty = programme level (every authority)")
    count = lambda d: pa.Column("int64", pa.Check.ge(0), coerce=True, description=d)  # noqa: E731
    responses_cols = {"authority_id": authority}
    for name in vocab.survey_columns:
        spec = survey[name]
        if name == "source":
            spec = pa.Column(str, description="where the figures come from")
        elif name == "base_n":
            spec = pa.Column("int64", pa.Check.gt(0), coerce=True,
                             description="respondents who gave a usable answer (exact)")
        elif name == "question":
            spec = pa.Column(str, pa.Check.isin(sorted(vocab.question_order)), description=spec.description)
        responses_cols[name] = spec
    responses_cols["confident_n"] = count("respondents at or above the confident cut-point")
    responses_cols["basis"] = pa.Column(str, pa.Check.isin([EXACT_BASIS]), description="how base_n is known")
    return {
        "survey_responses.csv": pa.DataFrameSchema(
            responses_cols, strict=True, ordered=True, name="survey_responses",
            unique=["authority_id", "question", "item", "sector", "phase"]),
        "survey_response_pairs.csv": pa.DataFrameSchema(
            {"authority_id": authority, "question": pa.Column(str), "item": pa.Column(str),
             "item_order": pa.Column("int64", coerce=True),
             "sector": pa.Column(str, pa.Check.isin(["all", *vocab.report_sectors])),
             "pairs_n": count("linked people with a usable answer before and after"),
             "both": count("confident before and after"), "before_only": count("confident before only"),
             "after_only": count("confident after only"), "neither": count("confident at neither")},
            strict=True, ordered=True, name="survey_response_pairs",
            unique=["authority_id", "item", "sector"]),
        "response_files.csv": pa.DataFrameSchema(
            {"file": pa.Column(str, unique=True), "format": pa.Column(str, pa.Check.isin(["csv", "xlsx", "sav"])),
             "rows_read": count("data rows in the file"), "rows_used": count("rows in the figures"),
             "synthetic": pa.Column(str, pa.Check.isin(["yes", "no"]), description="generated test data"),
             "sha256": pa.Column(str, pa.Check.str_matches(r"[0-9a-f]{64}"))},
            strict=True, ordered=True, name="response_files"),
    }


def response_tables(paths: list[Path], cut: int | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Read, clean and aggregate: the three processed tables and the log rows."""
    vocab = programme_vocabulary()
    cleaned = clean_responses(paths, vocab)
    tables = {
        "survey_responses.csv": aggregate(cleaned, vocab, cut),
        "survey_response_pairs.csv": paired_counts(cleaned, vocab, cut),
        "response_files.csv": cleaned.files,
    }
    schemas = _schemas(vocab)
    for name, table in tables.items():
        try:
            tables[name] = schemas[name].validate(table, lazy=True)
        except pa.errors.SchemaErrors as err:
            raise AssertionError(f"processed table {name} breaks its schema:\n"
                                 f"{err.failure_cases.head(10).to_string()}") from None
    return tables, cleaned.issues


def add_response_tables(build, directory: Path, cut: int | None = None):
    """Build hook: ``build`` plus the response tables and log rows when
    ``directory`` holds response files; ``build`` unchanged otherwise."""
    paths = response_files(directory)
    if not paths:
        return build
    tables, issues = response_tables(paths, cut)
    ev = _ev()
    log = pd.concat([build.issues, issues], ignore_index=True).astype(str)
    log = log.sort_values(ev.QUALITY_LOG_COLUMNS, kind="stable").reset_index(drop=True)
    return dataclasses.replace(build, tables={**build.tables, **tables}, issues=log)


def load_response_tables(processed_dir: Path) -> dict[str, pd.DataFrame] | None:
    """The response tables of a build, typed, or None when it had no response data."""
    processed_dir = Path(processed_dir)
    if not (processed_dir / TABLES[0]).exists():
        return None
    schemas = _schemas(programme_vocabulary())
    out = {}
    for name in TABLES:
        frame = pd.read_csv(processed_dir / name, dtype=str, keep_default_na=False)
        for col, spec in schemas[name].columns.items():
            kind = str(spec.dtype).lower()
            if kind.startswith(("int", "float")):
                frame[col] = pd.to_numeric(frame[col]).astype("float64" if kind.startswith("float") else "int64")
        out[name.removesuffix(".csv")] = schemas[name].validate(frame)
    return out
