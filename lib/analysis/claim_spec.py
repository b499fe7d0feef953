"""A claim's test specification read against the survey table.

How the specification's cells are parsed (lists, numbers, the tolerance), how
its items are matched to the survey's rows, and how a claim names its
sectors and phases in sentences.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from lib.analysis.claim_verdict import Untestable
from lib.programme import current_programme, slugify

PROGRAMME = current_programme()

#: How the claim audit names each sector and question (from the definition).
SECTOR_WORDS = {s.id: s.claim_word for s in PROGRAMME.sectors}


QUESTION_WORDS = {q.id: q.claim_words for q in PROGRAMME.questions}

#: Questions whose values are shares of comments, not of respondents.
COMMENT_QUESTIONS: tuple[str, ...] = tuple(q.id for q in PROGRAMME.questions if q.base == "comments")


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


#: The tests that read a change as higher, about the same or lower: they use the plan's one
#: "about the same" tolerance (``decision_rules.tolerance_points``), as every other count does.
CHANGE_TESTS: tuple[str, ...] = ("increase", "no_decrease", "count_increased", "count_little_change")


def plan_tolerance() -> float:
    """The plan's "about the same" tolerance as a proportion (2 points -> 0.02)."""
    return PROGRAMME.plan.decision_rules.tolerance_points / 100


def claim_tolerance(claim: pd.Series) -> float:
    """How far a value may be from the claim and still agree. A change test uses the plan's
    tolerance: its cell may be empty or state that same tolerance, and any other value stops with
    one line; another test uses its cell (the rounding half-point of published figures), or 0."""
    cell = claim.get("tolerance")
    given = None if is_missing(cell) else spec_number(cell, "tolerance", claim["claim_id"])
    if claim.get("test") not in CHANGE_TESTS:
        return 0.0 if given is None else given
    plan = plan_tolerance()
    if given is not None and abs(given - plan) > 1e-9:
        raise ValueError(
            f"claim {claim['claim_id']}: tolerance {cell} differs from the plan's 'about the same' "
            f"tolerance {plan:g} (data/plan.yaml decision_rules.tolerance_points); leave it empty or set {plan:g}"
        )
    return plan


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


def position_inference(rows: pd.DataFrame, question: str, sector: str) -> str:
    """The marked inference of a printed list with a value whose label was lost ('' if none was).

    Such a list is read as the build pairs it, by printed position (caveat C5), and every
    verdict resting on it says so: which placements of the lost label keep the pairing.
    """
    labels = rows["item_label"] if "item_label" in rows else pd.Series("", index=rows.index)
    lost = labels.map(is_missing) | labels.fillna("").astype(str).str.contains(LOST_LABEL_NOTE)
    if "item" in rows:
        lost = lost | rows["item"].map(is_missing)
    if not lost.any():
        return ""
    ordered = rows.sort_values("item_order") if "item_order" in rows else rows
    values = [round(float(v), 4) for v in ordered["value"]]
    tail = len(values)
    while tail > 1 and values[tail - 2] == values[-1]:
        tail -= 1
    where = (
        f"any of the last {len(values) - tail + 1} values (all {pct(values[-1])})"
        if tail < len(values)
        else f"the last value ({pct(values[-1])})"
    )
    return (
        f"The printed {QUESTION_WORDS.get(question, question)} list for {SECTOR_WORDS.get(sector, sector)} has "
        f"{len(rows)} values but {len(rows) - int(lost.sum())} labels; values are paired with labels by "
        "printed position, an inference (caveat C5): the source does not print which value lost its label. "
        f"If it belongs to {where}, every printed label keeps the value shown; if it belongs to an "
        "earlier one, the pairing and this verdict could change."
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


def sector_words(sector: str) -> str:
    return SECTOR_WORDS.get(sector, sector)


def phase_phrase(phase: str) -> str:
    return {"pre": "before", "post": "after", "unstated": "(no phase stated)"}.get(phase, phase)


def select_items(table: pd.DataFrame, claim: pd.Series) -> pd.DataFrame:
    patterns = split_list(claim["items"])
    if patterns == ["*"] or not patterns:
        return table
    wanted = resolve_items(patterns, table.rename(columns={"label": "item_label"}))
    return table[table["item"].isin(wanted)]
