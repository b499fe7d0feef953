"""The claim audit's rules: verdict vocabularies, how a claim's rows are read
from the survey table, and how the strength of a change is judged.

:mod:`lib.analysis.claims` applies them, one test per claim type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lib.programme import current_programme, slugify  # noqa: F401 (slugify: the one slug rule)

PROGRAMME = current_programme()

SUPPORTED = "supported"
PARTLY = "partly supported"
DIRECTION_ONLY = "direction only: could be chance"
NOT_SUPPORTED = "not supported"
UNTESTABLE = "cannot be tested"
VERDICTS: tuple[str, ...] = (SUPPORTED, PARTLY, DIRECTION_ONLY, NOT_SUPPORTED, UNTESTABLE)

# Question 1: does the data point the same way as the claim?
AGREES = "agrees"
PARTLY_AGREES = "partly agrees"
DISAGREES = "disagrees"
NO_DIRECTION = "cannot be tested"
DIRECTIONS: tuple[str, ...] = (AGREES, PARTLY_AGREES, DISAGREES, NO_DIRECTION)

# Question 2: is the evidence strong enough to say so?
STRONG = "distinguishable from chance"
PARTLY_STRONG = "partly distinguishable from chance"
WEAK = "not distinguishable from chance"
NO_BASE = "cannot be judged: no base"
NOT_A_CHANGE = "not a question of chance"
CAUSAL_STRENGTH = "cannot support a causal claim"
NO_STRENGTH = "cannot be judged"
STRENGTHS: tuple[str, ...] = (
    STRONG,
    PARTLY_STRONG,
    WEAK,
    NO_BASE,
    NOT_A_CHANGE,
    CAUSAL_STRENGTH,
    NO_STRENGTH,
)

#: The audit's words on every causal claim (caveat C2).
CAUSAL_WORDS = "a before/after survey without a comparison group cannot support a causal claim"

AUDIT_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "claim",
    "source",
    "what_the_data_show",
    "direction",
    "strength",
    "verdict",
    "reason",
)


#: How the claim audit names each sector and question (from the definition).
SECTOR_WORDS = {s.id: s.claim_word for s in PROGRAMME.sectors}


QUESTION_WORDS = {q.id: q.claim_words for q in PROGRAMME.questions}

#: Questions whose values are shares of comments, not of respondents.
COMMENT_QUESTIONS: tuple[str, ...] = tuple(q.id for q in PROGRAMME.questions if q.base == "comments")


class Untestable(Exception):
    """The data needed to test a claim do not exist or cannot be matched."""


@dataclass(frozen=True)
class Finding:
    """What one test found: the data sentence, the direction and why.

    ``verdict`` holds the answer to the direction question in the aggregate
    vocabulary (supported / partly / not supported), mapped by
    :data:`DIRECTION_OF`; ``strength`` is filled in by :func:`judge_strength`
    unless the test sets it.
    """

    what_the_data_show: str
    verdict: str
    reason: str
    strength: str = ""
    strength_reason: str = ""


DIRECTION_OF = {SUPPORTED: AGREES, PARTLY: PARTLY_AGREES, NOT_SUPPORTED: DISAGREES, UNTESTABLE: NO_DIRECTION}


def overall_verdict(direction: str, strength: str, *, claims_significance: bool = False) -> str:
    """One verdict from the two answers; never 'supported' on direction alone.

    A causal claim is not supported whatever the direction; a claim whose
    direction agrees but whose changes are not distinguishable from chance is
    'direction only: could be chance' (or 'not supported' when the claim itself
    asserts significance).
    """
    if direction not in DIRECTIONS or strength not in STRENGTHS:
        raise ValueError(f"unknown direction/strength {direction!r}/{strength!r}")
    if strength == CAUSAL_STRENGTH:
        return NOT_SUPPORTED
    if direction == NO_DIRECTION:
        return UNTESTABLE
    if direction == DISAGREES:
        return NOT_SUPPORTED
    if direction == PARTLY_AGREES:
        return PARTLY
    if strength in (STRONG, NO_BASE, NOT_A_CHANGE):
        return SUPPORTED
    if strength == PARTLY_STRONG:
        return PARTLY
    return NOT_SUPPORTED if claims_significance else DIRECTION_ONLY


# ---------------------------------------------------------------- helpers


def split_list(cell: Any) -> list[str]:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def spec_number(cell: Any, name: str, claim_id: str) -> float:
    try:
        value = float(cell)
    except (TypeError, ValueError):
        raise ValueError(f"claim {claim_id}: {name} must be a number, got {cell!r}") from None
    if pd.isna(value):
        raise ValueError(f"claim {claim_id}: {name} is required for this test")
    return value


def claim_tolerance(claim: pd.Series) -> float:
    cell = claim.get("tolerance")
    if cell is None or (isinstance(cell, float) and pd.isna(cell)) or str(cell).strip() == "":
        return 0.0
    return spec_number(cell, "tolerance", claim["claim_id"])


def pct(x: float) -> str:
    return f"{round(x * 100):d}%"


def pts(x: float) -> str:
    value = round(x * 100)
    return f"{value:+d}" if value else "0"


def item_label_of(row: pd.Series) -> str:
    label = row.get("item_label")
    if label is None or (isinstance(label, float) and pd.isna(label)) or str(label).strip() == "":
        return str(row.get("item"))
    return str(label).strip()


def is_missing(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and pd.isna(cell)) or str(cell).strip() == ""


LOST_LABEL_NOTE = re.compile(r"label.*(?:lost|missing|not printed)|unlabel|no label|without a label", re.I)


def list_rows(survey: pd.DataFrame, question: str, sector: str, phase: str) -> pd.DataFrame:
    rows = survey[
        (survey["question"] == question) & (survey["sector"] == sector) & (survey["phase"] == phase)
    ]
    if rows.empty:
        raise Untestable(f"the survey table has no {question} values for {sector} ({phase})")
    return rows


def check_labels_complete(rows: pd.DataFrame, question: str, sector: str, phase: str) -> None:
    """A ranked list with a value whose label was lost cannot be ranked by label."""
    lost = rows["item_label"].map(is_missing) if "item_label" in rows else pd.Series(False, index=rows.index)
    if "item_label" in rows:
        lost = lost | rows["item_label"].fillna("").astype(str).str.contains(LOST_LABEL_NOTE)
    if "item" in rows:
        lost = lost | rows["item"].map(is_missing)
    if "note" in rows:
        lost = lost | rows["note"].fillna("").astype(str).str.contains(LOST_LABEL_NOTE)
    if lost.any():
        raise Untestable(
            f"the printed {QUESTION_WORDS.get(question, question)} list for "
            f"{SECTOR_WORDS.get(sector, sector)} "
            f"has {len(rows)} "
            f"values but {int(lost.sum())} of them lost their label in the source, so which value "
            "belongs to which label cannot be established."
        )


def resolve_items(patterns: list[str], rows: pd.DataFrame) -> list[str]:
    """Map the claim's item patterns to item slugs present in ``rows``."""
    available = [str(item) for item in rows["item"] if not is_missing(item)]
    if patterns == ["*"]:
        return sorted(set(available), key=available.index)
    labels = {
        str(row["item"]): slugify(item_label_of(row))
        for _, row in rows.iterrows()
        if not is_missing(row["item"])
    }
    resolved: list[str] = []
    for pattern in patterns:
        if pattern.endswith("*"):
            prefix = pattern[:-1]
            found = sorted(
                {item for item in available if item.startswith(prefix) or labels[item].startswith(prefix)}
            )
        else:
            found = [pattern] if pattern in available else []
        if len(found) != 1:
            what = "no item" if not found else f"{len(found)} items ({', '.join(found)})"
            raise Untestable(f"'{pattern}' matches {what} in the survey table")
        resolved.append(found[0])
    return resolved


def claim_units(claim: pd.Series) -> list[tuple[str, str]]:
    """(sector, phase) pairs a ranking/value claim is about (every combination)."""
    sectors, phases = split_list(claim["sector"]), split_list(claim["phase"])
    if not sectors or not phases:
        raise ValueError(f"claim {claim['claim_id']}: sector and phase are required")
    return [(sector, phase) for sector in sectors for phase in phases]


def changes_from_survey(survey: pd.DataFrame, question: str, sector: str) -> pd.DataFrame:
    """post - pre for each item of one question and sector (from the survey table)."""
    rows = survey[(survey["question"] == question) & (survey["sector"] == sector)]
    pre = rows[rows["phase"] == "pre"].set_index("item")
    post = rows[rows["phase"] == "post"].set_index("item")
    common = [item for item in post.index if item in pre.index and not is_missing(item)]
    if not common:
        raise Untestable(f"the survey table has no pre and post {question} values for {sector}")
    out = pd.DataFrame(
        {
            "item": common,
            "label": [item_label_of(post.loc[item]) for item in common],
            "pre": [float(pre.at[item, "value"]) for item in common],
            "post": [float(post.at[item, "value"]) for item in common],
        }
    )
    out["change"] = (out["post"] - out["pre"]).round(10)
    return out


def aggregate_verdict(passed: list[bool]) -> str:
    if all(passed):
        return SUPPORTED
    if any(passed):
        return PARTLY
    return NOT_SUPPORTED


def sector_phrase(sector: str) -> str:
    return SECTOR_WORDS.get(sector, sector)


def phase_phrase(phase: str) -> str:
    return {"pre": "before", "post": "after", "unstated": "(no phase stated)"}.get(phase, phase)


def select_items(table: pd.DataFrame, claim: pd.Series) -> pd.DataFrame:
    patterns = split_list(claim["items"])
    if patterns == ["*"] or not patterns:
        return table
    wanted = resolve_items(patterns, table.rename(columns={"label": "item_label"}))
    return table[table["item"].isin(wanted)]


# ---------------------------------------------------------------- strength


def significant_at_both_ends(row: Any) -> bool:
    """Significant at the low *and* the high end of the approximated base range."""
    low, high = row.get("significant_low_base"), row.get("significant_high_base")
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return False
    return bool(low) and bool(high)


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
    why = (
        f"{k} of {m} changes the claim rests on {'is' if k == 1 else 'are'} distinguishable from chance "
        "at both ends of the approximated base range (5% level, Newcombe interval)."
    )
    if one_end:
        why += " Significant at one end only: " + ", ".join(one_end) + "."
    if k == m:
        return STRONG, why
    return (PARTLY_STRONG if k else WEAK), why


def change_rows(
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
    if question in COMMENT_QUESTIONS:
        return NO_BASE, (
            "Shares of comments, not of respondents, with no base: whether a difference is "
            "distinguishable from chance cannot be judged (caveat C5)."
        )
    if test in ("value_equals", "top_values", "rank_order"):
        return NOT_A_CHANGE, "The claim states published figures or their order, not a change over time."
    if test == "count_little_change":
        return NOT_A_CHANGE, (
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
        rows.append(change_rows(changes, question, [sector], rose))
    return strength_of(pd.concat(rows) if rows else pd.DataFrame())
