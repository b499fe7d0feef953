"""Commissioning guidance: the commissioning cycle, the good-practice
checklist and the practice guidance table.
"""

from __future__ import annotations

import re

import pandas as pd

from lib.sources.case_studies import THEMES, theme_id
from lib.sources.common import UNRECORDED, tidy_text
from lib.sources.contract import (
    _FIRST_ROW_FILLED,
    _NOT_BLANK,
    _SOURCE,
    _WHOLE,
    Issue,
    RawTable,
    Required,
    RowsTo,
    _col,
    _grid,
    _numbered,
    _parses,
)

COMMISSIONING_STAGES: list[tuple[str, str]] = [
    ("before_beginning", "Before beginning"),
    ("assessing_need", "Assessing need"),
    ("identifying_resources", "Identifying resources available"),
    ("planning", "Planning how to use the resources"),
    ("arranging_delivery", "Arranging service delivery"),
    ("reviewing", "Reviewing the service and reassessing need"),
]


#: The practice guidance's three stage columns, mapped to the cycle's stages.
GUIDANCE_STAGE_COLUMNS = {
    "develop_needs_assessment": "assessing_need",
    "identify_resources_and_set_priorities": "identifying_resources",
    "plan_pattern_of_services": "planning",
}


STAGE_KEYWORDS = {
    "before beginning": "before_beginning",
    "assessing need": "assessing_need",
    "identifying resources": "identifying_resources",
    "planning how to use": "planning",
    "arranging service delivery": "arranging_delivery",
    "reviewing": "reviewing",
}


def stage_id(printed: str) -> str:
    """Map a printed commissioning-stage heading to its stage id."""
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    key = key.removeprefix("the ")
    for words, sid in STAGE_KEYWORDS.items():
        if key.startswith(words):
            return sid
    raise ValueError(
        f"unknown commissioning stage {printed!r}; expected a heading "
        f"starting with one of {sorted(STAGE_KEYWORDS)}"
    )


def clean_cycle(raw: pd.DataFrame) -> pd.DataFrame:
    labels = dict(COMMISSIONING_STAGES)
    stages = raw["stage_as_printed"].map(stage_id)
    return (
        pd.DataFrame(
            {
                "stage_order": raw["stage_order"].astype(int),
                "stage_id": stages,
                "stage": stages.map(labels),
                "stage_as_printed": raw["stage_as_printed"].map(str.strip),
                "quote": raw["quote"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values("stage_order", kind="stable")
        .reset_index(drop=True)
    )


def clean_checklist(raw: pd.DataFrame) -> pd.DataFrame:
    labels = dict(COMMISSIONING_STAGES)
    stages = raw["stage_as_printed"].map(stage_id)
    return (
        pd.DataFrame(
            {
                "stage_order": raw["stage_order"].astype(int),
                "stage_id": stages,
                "stage": stages.map(labels),
                "item_order": raw["item_order"].astype(int),
                "text": raw["text"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values(["stage_order", "item_order"], kind="stable")
        .reset_index(drop=True)
    )


def clean_guidance(raw: pd.DataFrame) -> pd.DataFrame:
    """Practice guidance rows with the focus theme carried down its rows."""
    printed = raw["focus_theme_as_printed"].map(str.strip).replace("", None)
    if len(printed) and pd.isna(printed.iloc[0]):
        raise ValueError(
            "practice guidance: the first row has no focus theme, so there is "
            "nothing to carry down to its continuation rows"
        )
    themes = printed.ffill().map(theme_id)
    stages = raw[list(GUIDANCE_STAGE_COLUMNS)]
    recorded = stages.apply(
        lambda r: ";".join(GUIDANCE_STAGE_COLUMNS[c] for c in stages.columns if r[c].strip()), axis=1
    )
    labels = dict(THEMES)
    return (
        pd.DataFrame(
            {
                "theme": themes,
                "theme_label": themes.map(labels),
                "row_order": raw["row_order"].astype(int),
                "key_principle": raw["key_principle"].map(tidy_text),
                "practice_suggestion": raw["practice_suggestion"].map(tidy_text),
                "commissioning_stages": recorded.replace("", UNRECORDED),
                "theme_basis": printed.map(
                    lambda p: (
                        "printed"
                        if p is not None and not pd.isna(p)
                        else "carried down from the theme printed above (continuation row)"
                    )
                ),
                "source": raw["source"],
            }
        )
        .sort_values("row_order", kind="stable")
        .reset_index(drop=True)
    )


def guidance_issues(raw: pd.DataFrame) -> list[Issue]:
    stages = raw[list(GUIDANCE_STAGE_COLUMNS)]
    issues = []
    if (stages.map(str.strip) == "").all().all():
        issues.append(
            Issue(
                "lost_glyph",
                "practice_guidance.csv",
                "",
                ", ".join(GUIDANCE_STAGE_COLUMNS),
                "",
                "every commissioning-stage tick in the practice guidance was lost in extraction",
                "commissioning_stages = 'unrecorded' for every guidance row",
            )
        )
    printed = raw["focus_theme_as_printed"].str.strip()
    variants = sorted(
        {
            p
            for p in printed
            if p and p.casefold() != THEMES[[t for t, _ in THEMES].index(theme_id(p))][1].casefold()
        }
    )
    for v in variants:
        issues.append(
            Issue(
                "label_variant",
                "practice_guidance.csv",
                "",
                "focus_theme_as_printed",
                v,
                "focus theme worded differently from the case studies' theme",
                f"unified as theme '{theme_id(v)}'",
            )
        )
    return issues


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "practice_guidance.csv",
        {
            "row_order": _col(_WHOLE),
            "focus_theme_as_printed": _col(
                _parses(
                    lambda v: v.strip() == "" or theme_id(v),
                    "one of the six focus themes, or empty on a continuation row",
                ),
                _FIRST_ROW_FILLED,
            ),
            "key_principle": _col(),
            "practice_suggestion": _col(),
            "develop_needs_assessment": _col(),
            "identify_resources_and_set_priorities": _col(),
            "plan_pattern_of_services": _col(),
            "source": _col(_SOURCE),
            "transcription_note": _col(),
        },
        ["row_order"],
        required=(
            Required(
                ("row_order",), _grid(range(1, 31)), "30 rows of practice guidance (002 Practice Guidance)"
            ),
        ),
        rows_to=(RowsTo("guidance.csv"),),
    ),
    RawTable(
        "commissioning_cycle.csv",
        {
            "stage_order": _col(_WHOLE),
            "stage_as_printed": _col(
                _NOT_BLANK, _parses(lambda v: stage_id(v), "a commissioning-cycle stage")
            ),
            "quote": _col(_NOT_BLANK),
            "source": _col(_SOURCE),
        },
        ["stage_order"],
        required=(
            Required(
                ("stage_order",),
                _grid(range(1, 6)),
                "the five stages of the commissioning cycle (003 § Commissioning)",
            ),
        ),
        rows_to=(RowsTo("commissioning_cycle.csv"),),
    ),
    RawTable(
        "good_practice_checklist.csv",
        {
            "stage_order": _col(_WHOLE),
            "stage_as_printed": _col(
                _NOT_BLANK, _parses(lambda v: stage_id(v), "a commissioning-cycle stage heading")
            ),
            "item_order": _col(_WHOLE),
            "text": _col(_NOT_BLANK),
            "source": _col(_SOURCE),
        },
        ["stage_order", "item_order"],
        required=(
            Required(
                ("stage_order", "item_order"),
                _numbered({0: 5, 1: 3, 2: 6, 3: 5, 4: 12, 5: 3}),
                "every checklist item under its stage heading (003 Checklist For Good Practice)",
            ),
        ),
        rows_to=(RowsTo("checklist.csv"),),
    ),
)
