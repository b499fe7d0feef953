"""The case studies: proposals by theme, challenges, facts, participant
impacts and transcribed sections.
"""

from __future__ import annotations

import re

import pandas as pd

from lib.sources.common import (
    KNOWN_AUTHORITY,
    PROGRAMME,
    authority_id,
    declared_required,
    percent_to_proportion,
    tidy_text,
)
from lib.sources.contract import (
    NOT_BLANK,
    PERCENT_RE,
    SOURCE,
    WHOLE,
    Issue,
    RawTable,
    RowsTo,
    in_range,
    matches,
    parses,
    raw_column,
)
from lib.sources.membership import strip_footnote_marks

#: Case-study sections transcribed in case_study_sections.csv: (id, label).
CASE_STUDY_SECTIONS: list[tuple[str, str]] = [(s.id, s.label) for s in PROGRAMME.case_study_sections]

#: Proposal themes in the case studies' order: (id, label).
THEMES: list[tuple[str, str]] = [(t.id, t.label) for t in PROGRAMME.themes]

#: Printed theme wordings (folded) that differ from the labels -> theme id.
THEME_VARIANTS = {s: t.id for t in PROGRAMME.themes for s in t.spellings}


def theme_id(printed: str) -> str:
    """Map a printed theme to its id (an authority's own vision heading included)."""
    return PROGRAMME.theme_id(printed)


def clean_proposals(raw: pd.DataFrame) -> pd.DataFrame:
    labels = dict(THEMES)
    order = {t: i for i, (t, _) in enumerate(THEMES, start=1)}
    themes = raw["theme_as_printed"].map(theme_id)
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "theme": themes,
                "theme_label": themes.map(labels),
                "theme_order": themes.map(order),
                "theme_as_printed": raw["theme_as_printed"].map(str.strip),
                "text": raw["text"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "theme_order"], kind="stable")
        .reset_index(drop=True)
    )


def clean_challenges(raw: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "challenge_no": raw["challenge_no"].astype(int),
                "text": raw["text"].map(tidy_text).str.strip('"“” '),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "challenge_no"], kind="stable")
        .reset_index(drop=True)
    )


def clean_case_study_facts(raw: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "fact": raw["fact"].map(str.strip),
                "value": raw["value_as_printed"].map(tidy_text),
                "quote": raw["quote"].map(strip_footnote_marks),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "fact"], kind="stable")
        .reset_index(drop=True)
    )


def case_study_group(printed: str) -> str:
    """A printed participant group -> its id (the definition's ``case_study_groups``)."""
    return PROGRAMME.case_study_group(printed)


def clean_case_study_impacts(raw: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "group": raw["group_as_printed"].map(case_study_group),
                "group_label": raw["group_as_printed"].map(str.strip),
                "value": raw["value_as_printed"].map(percent_to_proportion),
                "base_n": pd.array([pd.NA] * len(raw), dtype="Int64"),
                "statement": raw["statement"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "group"], key=_group_order, kind="stable")
        .reset_index(drop=True)
    )


def _group_order(column: pd.Series) -> pd.Series:
    """Case-study groups in the definition's order (authorities by id)."""
    if column.name != "group":
        return column
    order = {g.id: i for i, g in enumerate(PROGRAMME.case_study_groups)}
    return column.map(lambda g: order.get(g, len(order)))


def proposals_issues(raw: pd.DataFrame) -> list[Issue]:
    issues = []
    for printed in sorted(set(raw["theme_as_printed"].str.strip())):
        tid = theme_id(printed)
        if printed.casefold() != dict(THEMES)[tid].casefold():
            issues.append(
                Issue(
                    check="label_variant",
                    file="case_study_proposals.csv",
                    row="",
                    column="theme_as_printed",
                    value=printed,
                    issue="theme worded differently between case studies",
                    action=f"unified as theme '{tid}' ({dict(THEMES)[tid]})",
                )
            )
    return issues


def case_study_section(printed: str) -> str:
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    for sid, label in CASE_STUDY_SECTIONS:
        if key.startswith(label.casefold()):
            return sid
    raise ValueError(
        f"unknown case-study section {printed!r}; expected one starting with "
        f"{[label for _, label in CASE_STUDY_SECTIONS]}"
    )


def clean_case_study_sections(raw: pd.DataFrame) -> pd.DataFrame:
    labels = dict(CASE_STUDY_SECTIONS)
    sections = raw["section_as_printed"].map(case_study_section)
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "section": sections,
                "section_label": sections.map(labels),
                "paragraph_order": raw["paragraph_order"].astype(int),
                "text": raw["text"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "section", "paragraph_order"], kind="stable")
        .reset_index(drop=True)
    )


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "case_study_facts.csv",
        {
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "fact": raw_column(NOT_BLANK),
            "value_as_printed": raw_column(),
            "quote": raw_column(),
            "source": raw_column(SOURCE),
        },
        ["authority_as_printed", "fact"],
        required=declared_required("case_study_facts.csv"),
        rows_to=(RowsTo("case_study_facts.csv"),),
    ),
    RawTable(
        "case_study_challenges.csv",
        {
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "challenge_no": raw_column(WHOLE),
            "text": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["authority_as_printed", "challenge_no"],
        required=declared_required("case_study_challenges.csv"),
        rows_to=(RowsTo("challenges.csv"),),
    ),
    RawTable(
        "case_study_proposals.csv",
        {
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "theme_order": raw_column(WHOLE, in_range(1, len(THEMES), "a theme number")),
            "theme_as_printed": raw_column(
                NOT_BLANK, parses(lambda v: theme_id(v), f"one of the {len(THEMES)} themes")
            ),
            "text": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["authority_as_printed", "theme_order"],
        required=declared_required("case_study_proposals.csv"),
        rows_to=(RowsTo("proposals.csv"),),
    ),
    RawTable(
        "case_study_impacts.csv",
        {
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "group_as_printed": raw_column(
                NOT_BLANK,
                parses(
                    lambda v: case_study_group(v),
                    "a participant group naming "
                    + ", ".join(repr(g.contains) for g in PROGRAMME.case_study_groups),
                ),
            ),
            "value_as_printed": raw_column(
                matches(PERCENT_RE, "a percentage such as '71%'"),
                in_range(0, 100, "a percentage"),
            ),
            "statement": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["authority_as_printed", "group_as_printed"],
        required=declared_required("case_study_impacts.csv"),
        rows_to=(RowsTo("case_study_impacts.csv"),),
    ),
    RawTable(
        "case_study_sections.csv",
        {
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "section_as_printed": raw_column(
                parses(lambda v: case_study_section(v), "a case-study section heading")
            ),
            "paragraph_order": raw_column(WHOLE),
            "text": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["authority_as_printed", "section_as_printed", "paragraph_order"],
        required=declared_required("case_study_sections.csv"),
        rows_to=(RowsTo("case_study_sections.csv"),),
    ),
)
