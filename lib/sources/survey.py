"""The attitude survey: respondents, Q1 understanding charts, Q3 impacts,
Q2/Q4 comment shares and stray chart values, cleaned into one long table.
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from lib.config import QUALITY_LOG_NAME
from lib.programme import Question, spaced_key
from lib.sources.common import (
    PROGRAMME,
    declared_required,
    percent_to_proportion,
    round_to_source,
    slugify,
    tidy_text,
)
from lib.sources.contract import (
    NOT_BLANK,
    NUMBER_RE,
    PERCENT_RE,
    SOURCE,
    WHOLE,
    RawTable,
    RowsTo,
    in_range,
    matches,
    parses,
    raw_column,
)
from lib.sources.kpis import parse_count

#: The survey's sectors in report order; the first ("all") is the whole survey.
SECTOR_IDS = [s.id for s in PROGRAMME.sectors]
PHASE_IDS = [p.id for p in PROGRAMME.phases]

#: Printed sector spelling (folded) -> sector id, from the definition.
SECTORS = {s: sector.id for sector in PROGRAMME.sectors for s in sector.spellings}

SECTOR_LABELS = {s.id: s.label for s in PROGRAMME.sectors}

#: Printed phase spelling (folded) -> phase id.
PHASES = {s: p.id for p in PROGRAMME.phases for s in p.spellings}

_SECTOR = pa.Check(
    lambda v: _sector_or_none(v) not in (None, SECTOR_IDS[0]),
    element_wise=True,
    error="a survey sector: " + ", ".join(repr(s.label) for s in PROGRAMME.sectors[1:]),
)


_STRAY_LOG = RowsTo(
    QUALITY_LOG_NAME, {"file": ("survey_stray_values.csv",), "check": ("stray_value",)}, ("row",)
)


def sector_id(printed: str) -> str:
    return PROGRAMME.sector_id(printed)


def _sector_or_none(printed: str) -> str | None:
    try:
        return sector_id(printed)
    except ValueError:
        return None


def phase_id(printed: str) -> str:
    return PROGRAMME.phase_id(printed)


#: Stands for the charts' question in a programme without a survey (never written to a table).
NO_QUESTION = Question(id="", number=0, label="", explorer_label="", base="respondents", printed_prefix=None)


def _question(which: str) -> Question:
    """The survey question whose charts hold the ``understanding`` or ``impacts`` items."""
    return PROGRAMME.chart_question(which)


#: The charts' questions (none for a programme without a survey: its tables are never cleaned).
UNDERSTANDING_QUESTION, IMPACTS_QUESTION = (
    (_question("understanding"), _question("impacts")) if PROGRAMME.questions else (NO_QUESTION, NO_QUESTION)
)

#: The impact items; labels differing only in wording between sectors unify.
IMPACTS: list[tuple[str, str, tuple[str, ...]]] = [(i.id, i.label, i.spellings) for i in PROGRAMME.impacts]


def impact_id(label: str) -> str:
    return PROGRAMME.impact_id(label)


#: Folded chart title -> (item id, label, note), from the definition.
UNDERSTANDING_ITEMS = {u.chart_title: (u.id, u.label, u.note) for u in PROGRAMME.understanding_items}
_UNDERSTANDING_ORDER = {u.id: i for i, u in enumerate(PROGRAMME.understanding_items, start=1)}


def understanding_chart(title: str) -> tuple[str, str, str]:
    key = spaced_key(title)
    if key not in UNDERSTANDING_ITEMS:
        raise ValueError(f"unknown chart {title!r}; expected one of {sorted(UNDERSTANDING_ITEMS)}")
    return UNDERSTANDING_ITEMS[key]


def clean_understanding(raw: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in raw.itertuples():
        item, label, note = understanding_chart(r.chart_title_as_printed)
        sector = sector_id(r.series_as_printed)
        phase = phase_id(r.phase_as_printed)
        rows.append(
            {
                "question": UNDERSTANDING_QUESTION.id,
                "question_label": UNDERSTANDING_QUESTION.label,
                "item": item,
                "item_label": label,
                "item_order": _UNDERSTANDING_ORDER[item],
                "sector": sector,
                "phase": phase,
                "value": round_to_source(r.value_as_printed),
                "value_as_printed": r.value_as_printed,
                "note": note,
                "source": r.source,
            }
        )
    return _with_stated_bases(pd.DataFrame(rows), respondents)


def _with_stated_bases(frame: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    """Attach the base the source states: only whole-survey phase totals exist."""
    stated = respondents[(respondents["group"] == SECTOR_IDS[0]) & (respondents["phase"] != "unstated")]
    bases = dict(zip(stated["phase"], stated["n"], strict=False))
    base = [
        bases.get(p) if s == SECTOR_IDS[0] else None
        for s, p in zip(frame["sector"], frame["phase"], strict=False)
    ]
    return frame.assign(base_n=pd.array(base, dtype="Int64"))


def clean_impacts(raw: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    labels = {iid: label for iid, label, _ in IMPACTS}
    order = {iid: i for i, (iid, _, _) in enumerate(IMPACTS, start=1)}
    items = raw["label_as_printed"].map(impact_id)
    frame = pd.DataFrame(
        {
            "question": IMPACTS_QUESTION.id,
            "question_label": IMPACTS_QUESTION.label,
            "item": items,
            "item_label": items.map(labels),
            "item_order": items.map(order),
            "sector": raw["sector_as_printed"].map(sector_id),
            "phase": raw["phase_as_printed"].map(phase_id),
            "value": raw["value_as_printed"].map(round_to_source),
            "value_as_printed": raw["value_as_printed"],
            "note": "",
            "source": raw["source"],
        }
    )
    variants = (
        raw.assign(item=items)
        .groupby("item")["label_as_printed"]
        .agg(lambda s: sorted({re.sub(r"\s+", " ", v).strip() for v in s}))
    )
    for item, printed in variants.items():
        if len(printed) > 1:
            frame.loc[frame["item"] == item, "note"] = (
                "label printed differently by sector: " + " / ".join(printed) + "; unified"
            )
    return _with_stated_bases(frame, respondents)


#: Printed caption prefix -> (question id, label) for the comment-share questions.
COMMENT_QUESTIONS = {q.printed_prefix: (q.id, q.label) for q in PROGRAMME.questions if q.printed_prefix}

LOST_LABEL = PROGRAMME.lost_label


def _comment_question(printed: str) -> tuple[str, str]:
    key = printed.strip().casefold()
    for prefix, value in COMMENT_QUESTIONS.items():
        if key.startswith(prefix):
            return value
    raise ValueError(f"unknown comment question {printed!r}")


#: How a row of a list whose values and labels do not pair begins its note (a marked inference).
PAIRED_BY_POSITION = "paired with its label by printed position, an inference"


def position_pairing(values: list[str], labels: int) -> str:
    """The marked inference on every row of a printed list whose values and labels do not
    pair one to one ('' when they do): values are paired with labels by printed position,
    and which placements of the missing label leave that pairing unchanged."""
    printed = [v for v in values if v.strip()]
    head = f"{PAIRED_BY_POSITION}: the list prints {len(printed)} values and {labels} labels"
    if len(printed) == labels:
        return ""
    if len(printed) < labels:
        return f"{head} and does not say which label lost its value"
    shares = [round(percent_to_proportion(v), 4) for v in printed]
    tail = len(shares)
    while tail > 1 and shares[tail - 2] == shares[-1]:
        tail -= 1
    where = (
        f"any of the last {len(shares) - tail + 1} values (all {round(shares[-1] * 100)}%)"
        if tail < len(shares)
        else f"the last value ({round(shares[-1] * 100)}%)"
    )
    return (
        f"{head} and does not say which value lost its label; if it belongs to {where}, "
        "every printed label keeps the value shown"
    )


def _pairings(raw: pd.DataFrame) -> pd.Series:
    """Each raw row's position-pairing note (:func:`position_pairing` of its printed list)."""
    notes = pd.Series("", index=raw.index)
    for _, group in raw.groupby(["list_title_as_printed", "phase_as_printed"], sort=False):
        labels = int((group["label_as_printed"].str.strip() != "").sum())
        notes[group.index] = position_pairing(list(group["value_as_printed"]), labels)
    return notes


def clean_comment_shares(raw: pd.DataFrame) -> pd.DataFrame:
    """Shares of comments by theme; a value whose label was lost stays unlabelled, and every
    row of a list whose values and labels do not pair says how it was paired (an inference)."""
    rows = []
    pairing = _pairings(raw)
    for r in raw.itertuples():
        question, qlabel = _comment_question(r.question_as_printed)
        label = tidy_text(r.label_as_printed).replace("\n", " ")
        has_value = r.value_as_printed.strip() != ""
        item = slugify(label) if label else f"unlabelled_{int(r.position)}"
        note = ""
        if not label:
            note = "value printed without a label (more values than labels in the source list)"
        elif not has_value:
            note = "label printed without a value (fewer values than labels in the source list)"
        note = "; ".join(part for part in (note, pairing[r.Index]) if part)
        rows.append(
            {
                "question": question,
                "question_label": qlabel,
                "item": item,
                "item_label": label or LOST_LABEL,
                "item_order": int(r.position),
                "sector": sector_id(r.sector_as_printed),
                "phase": phase_id(r.phase_as_printed),
                "value": percent_to_proportion(r.value_as_printed) if has_value else None,
                "value_as_printed": r.value_as_printed,
                "base_n": pd.NA,
                "note": note,
                "source": r.source,
            }
        )
    frame = pd.DataFrame(rows)
    frame["base_n"] = frame["base_n"].astype("Int64")
    return frame


#: Printed respondent group (folded) -> group id.
RESPONDENT_GROUPS = {s: g.id for g in PROGRAMME.respondent_groups for s in g.spellings}

#: Groups whose counts add up to the survey's sector total.
SECTOR_TOTAL_GROUPS = [g.id for g in PROGRAMME.respondent_groups if g.in_sector_total]


def respondent_group(printed: str) -> str:
    return PROGRAMME.respondent_group(printed)


def clean_respondents(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": raw["group_as_printed"].map(respondent_group),
            "group_label": raw["group_as_printed"].map(str.strip),
            "phase": raw["phase_as_printed"].map(phase_id),
            "n": raw["n"].map(lambda v: parse_count(v)[0]),
            "quote": raw["quote"].map(tidy_text),
            "source": raw["source"],
        }
    )


SURVEY_COLUMNS = [
    "question",
    "question_label",
    "item",
    "item_label",
    "item_order",
    "sector",
    "phase",
    "value",
    "base_n",
    "value_as_printed",
    "note",
    "source",
]


def clean_survey(understanding: pd.DataFrame, impacts: pd.DataFrame, comments: pd.DataFrame) -> pd.DataFrame:
    question_order = {q.id: q.number for q in PROGRAMME.questions}
    sector_order = {s: i for i, s in enumerate(SECTOR_IDS)}
    phase_order = {p: i for i, p in enumerate(PHASE_IDS)}
    frame = pd.concat([understanding, impacts, comments], ignore_index=True)[SURVEY_COLUMNS]
    return (
        frame.assign(
            _q=frame["question"].map(question_order),
            _s=frame["sector"].map(sector_order),
            _p=frame["phase"].map(phase_order),
        )
        .sort_values(["_q", "_s", "item_order", "item", "_p"], kind="stable")
        .drop(columns=["_q", "_s", "_p"])
        .reset_index(drop=True)
    )


_PHASE = parses(
    phase_id, "a survey phase: " + ", ".join(repr(s) for p in PROGRAMME.phases for s in p.spellings)
)

#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "survey_respondents.csv",
        {
            "phase_as_printed": raw_column(_PHASE),
            "group_as_printed": raw_column(
                NOT_BLANK,
                parses(lambda v: respondent_group(v), "a respondent group: " + ", ".join(RESPONDENT_GROUPS)),
            ),
            "n": raw_column(
                parses(lambda v: parse_count(v), "a count in digits or words (e.g. '76' or 'Seven')")
            ),
            "quote": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["phase_as_printed", "group_as_printed"],
        required=declared_required("survey_respondents.csv"),
        rows_to=(RowsTo("survey_respondents.csv"),),
    ),
    RawTable(
        "survey_understanding.csv",
        {
            "chart_title_as_printed": raw_column(
                NOT_BLANK,
                parses(
                    lambda v: understanding_chart(v),
                    f"one of the {len(UNDERSTANDING_ITEMS)} {UNDERSTANDING_QUESTION.id} chart titles",
                ),
            ),
            "phase_as_printed": raw_column(_PHASE),
            "position": raw_column(WHOLE),
            "series_as_printed": raw_column(
                NOT_BLANK, parses(lambda v: sector_id(v), "a survey sector: " + ", ".join(SECTORS))
            ),
            "value_as_printed": raw_column(matches(NUMBER_RE, "a number"), in_range(0, 1, "a proportion")),
            "source": raw_column(SOURCE),
        },
        ["chart_title_as_printed", "phase_as_printed", "position"],
        required=declared_required("survey_understanding.csv"),
        rows_to=(RowsTo("survey.csv", {"question": (UNDERSTANDING_QUESTION.id,)}),),
    ),
    RawTable(
        "survey_stray_values.csv",
        {
            "context": raw_column(NOT_BLANK),
            "value_as_printed": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        [],
        required=declared_required("survey_stray_values.csv"),
        rows_to=(_STRAY_LOG,),
    ),
    RawTable(
        "survey_impacts.csv",
        {
            "chart_title_as_printed": raw_column(NOT_BLANK),
            "sector_as_printed": raw_column(_SECTOR),
            "phase_as_printed": raw_column(_PHASE),
            "position": raw_column(WHOLE, in_range(1, len(IMPACTS), "an impact position")),
            "label_as_printed": raw_column(
                NOT_BLANK,
                parses(
                    lambda v: impact_id(v), f"one of the {len(IMPACTS)} {IMPACTS_QUESTION.id} item labels"
                ),
            ),
            "value_as_printed": raw_column(matches(NUMBER_RE, "a number"), in_range(0, 1, "a proportion")),
            "source": raw_column(SOURCE),
        },
        ["sector_as_printed", "phase_as_printed", "position"],
        required=declared_required("survey_impacts.csv"),
        rows_to=(RowsTo("survey.csv", {"question": (IMPACTS_QUESTION.id,)}),),
    ),
    RawTable(
        "survey_comment_shares.csv",
        {
            "question_as_printed": raw_column(
                NOT_BLANK,
                parses(
                    lambda v: _comment_question(v),
                    "a caption starting " + " or ".join(repr(p) for p in COMMENT_QUESTIONS),
                ),
            ),
            "list_title_as_printed": raw_column(NOT_BLANK),
            "sector_as_printed": raw_column(_SECTOR),
            "phase_as_printed": raw_column(_PHASE),
            "position": raw_column(WHOLE),
            "label_as_printed": raw_column(),
            "value_as_printed": raw_column(
                matches(PERCENT_RE, "a percentage such as '33%'", allow_empty=True),
                in_range(0, 100, "a percentage", allow_empty=True),
            ),
            "source": raw_column(SOURCE),
            "transcription_note": raw_column(),
        },
        ["list_title_as_printed", "phase_as_printed", "position"],
        required=declared_required("survey_comment_shares.csv"),
        rows_to=(RowsTo("survey.csv", {"question": tuple(q for q, _ in COMMENT_QUESTIONS.values())}),),
    ),
)
