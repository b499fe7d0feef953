"""Commissioning guidance: the commissioning cycle, the good-practice
checklist and the practice guidance table.
"""

from __future__ import annotations

import pandas as pd

from lib.sources.case_studies import THEMES, theme_id
from lib.sources.common import PROGRAMME, UNRECORDED, declared_required, tidy_text
from lib.sources.contract import (
    FIRST_ROW_FILLED,
    NOT_BLANK,
    SOURCE,
    WHOLE,
    Issue,
    RawTable,
    RowsTo,
    parses,
    raw_column,
)

#: Commissioning-cycle stages in order: (id, label).
COMMISSIONING_STAGES: list[tuple[str, str]] = [(s.id, s.label) for s in PROGRAMME.stages]

#: The practice guidance's stage columns, mapped to the cycle's stages.
GUIDANCE_STAGE_COLUMNS = dict(PROGRAMME.guidance_stage_columns)

#: The words a printed stage heading starts with -> stage id.
STAGE_KEYWORDS = {s.keyword: s.id for s in PROGRAMME.stages}


def stage_id(printed: str) -> str:
    """Map a printed commissioning-stage heading to its stage id."""
    return PROGRAMME.stage_id(printed)


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
                check="lost_glyph",
                file="practice_guidance.csv",
                row="",
                column=", ".join(GUIDANCE_STAGE_COLUMNS),
                value="",
                issue="every commissioning-stage tick in the practice guidance was lost in extraction",
                action="commissioning_stages = 'unrecorded' for every guidance row",
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
                check="label_variant",
                file="practice_guidance.csv",
                row="",
                column="focus_theme_as_printed",
                value=v,
                issue="focus theme worded differently from the case studies' theme",
                action=f"unified as theme '{theme_id(v)}'",
            )
        )
    return issues


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "practice_guidance.csv",
        {
            "row_order": raw_column(WHOLE),
            "focus_theme_as_printed": raw_column(
                parses(
                    lambda v: v.strip() == "" or theme_id(v),
                    f"one of the {len(THEMES)} focus themes, or empty on a continuation row",
                ),
                FIRST_ROW_FILLED,
            ),
            "key_principle": raw_column(),
            "practice_suggestion": raw_column(),
            "develop_needs_assessment": raw_column(),
            "identify_resources_and_set_priorities": raw_column(),
            "plan_pattern_of_services": raw_column(),
            "source": raw_column(SOURCE),
            "transcription_note": raw_column(),
        },
        ["row_order"],
        required=declared_required("practice_guidance.csv"),
        rows_to=(RowsTo("guidance.csv"),),
    ),
    RawTable(
        "commissioning_cycle.csv",
        {
            "stage_order": raw_column(WHOLE),
            "stage_as_printed": raw_column(
                NOT_BLANK, parses(lambda v: stage_id(v), "a commissioning-cycle stage")
            ),
            "quote": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["stage_order"],
        required=declared_required("commissioning_cycle.csv"),
        rows_to=(RowsTo("commissioning_cycle.csv"),),
    ),
    RawTable(
        "good_practice_checklist.csv",
        {
            "stage_order": raw_column(WHOLE),
            "stage_as_printed": raw_column(
                NOT_BLANK, parses(lambda v: stage_id(v), "a commissioning-cycle stage heading")
            ),
            "item_order": raw_column(WHOLE),
            "text": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["stage_order", "item_order"],
        required=declared_required("good_practice_checklist.csv"),
        rows_to=(RowsTo("checklist.csv"),),
    ),
)
