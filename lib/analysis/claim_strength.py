"""The strength question of the claim audit: is every change a claim rests on
distinguishable from chance at both ends of the approximated base range?"""

from __future__ import annotations

from typing import Any

import pandas as pd

from lib.analysis.claim_spec import (
    COMMENT_QUESTIONS,
    changes_from_survey,
    claim_tolerance,
    item_label_of,
    resolve_items,
    select_items,
    split_list,
)
from lib.analysis.claim_verdict import (
    NO_BASE,
    NO_CHANGE_TEST,
    NO_STRENGTH,
    NOT_A_CHANGE,
    PARTLY_STRONG,
    STRONG,
    UNTESTABLE,
    WEAK,
    Finding,
)

#: Tests of claims that state figures or their order at one time (not a change).
DESCRIPTIVE_TESTS: tuple[str, ...] = ("value_equals", "top_values", "rank_order")


def significant_at_both_ends(row: Any) -> bool:
    """Clear of chance by the plan's both-ends rule: the interval excludes zero at the central
    bases and at the low *and* the high end of the approximated base range (as
    ``results_comparisons.clear_of_chance``)."""
    values = [row.get(c) for c in ("significant", "significant_low_base", "significant_high_base")]
    return all(v is not None and not pd.isna(v) and bool(v) for v in values)


def strength_of(rows: pd.DataFrame) -> tuple[str, str]:
    """Strength of the changes a claim rests on (rows of before_after_changes)."""
    if rows.empty:
        return (
            WEAK,
            "No change the claim rests on rose beyond the tolerance, so none can be told from chance.",
        )
    strong = [bool(significant_at_both_ends(row)) for _, row in rows.iterrows()]
    names = [item_label_of(row) if "item_label" in row else str(row["item"]) for _, row in rows.iterrows()]
    one_end = [
        name
        for (_, row), ok, name in zip(rows.iterrows(), strong, names, strict=False)
        if not ok and (bool(row.get("significant_low_base")) or bool(row.get("significant_high_base")))
    ]
    k, m = sum(strong), len(strong)
    stated = "base_basis" in rows and bool((rows["base_basis"] == "stated").all())
    where = "at the bases the source states" if stated else "at both ends of the approximated base range"
    why = (
        f"{k} of {m} changes the claim rests on {'is' if k == 1 else 'are'} distinguishable from chance "
        f"{where} (5% level, Newcombe interval)."
    )
    if one_end:
        why += " Clear of chance at one end of the base range only: " + ", ".join(one_end) + "."
    if k == m:
        return STRONG, why
    return (PARTLY_STRONG if k else WEAK), why


def claim_change_rows(
    changes: pd.DataFrame, question: str, sectors: list[str], items: list[str] | None
) -> pd.DataFrame:
    rows = changes[(changes["question"] == question) & changes["sector"].isin(sectors)]
    return rows if items is None else rows[rows["item"].isin(items)]


def judge_strength(
    claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame, finding: Finding
) -> tuple[str, str]:
    """The strength question for a claim whose test did not answer it."""
    if finding.strength:
        return finding.strength, finding.strength_reason
    test, question = claim["test"], claim.get("question", "")
    if test == "not_testable" or finding.verdict == UNTESTABLE:
        return NO_STRENGTH, ""
    if test in DESCRIPTIVE_TESTS:
        return (
            NOT_A_CHANGE,
            "The claim states figures, or their order, among those surveyed at one time, not a change.",
        )
    if question in COMMENT_QUESTIONS:
        return NO_BASE, (
            "Shares of comments, not of respondents, with no base: whether a difference is "
            "distinguishable from chance cannot be tested (caveat C5)."
        )
    if test == "count_little_change":
        return NO_CHANGE_TEST, (
            "The claim is of little or no change; a significance test cannot show that "
            "nothing changed, only fail to find a change."
        )
    tolerance = claim_tolerance(claim)
    sectors = split_list(claim["sector"])
    rows = []
    for sector in sectors:
        table = select_items(changes_from_survey(survey, question, sector), claim)
        if test == "top_changes":
            named = resolve_items(split_list(claim["items"]), table.rename(columns={"label": "item_label"}))
            table = table[table["item"].isin(named)]
        rose = table[table["change"] > tolerance + 1e-9]["item"].tolist()
        rows.append(claim_change_rows(changes, question, [sector], rose))
    return strength_of(pd.concat(rows) if rows else pd.DataFrame())
