"""Audit of the quantitative claims the source documents make.

``data/raw/published_claims.csv`` transcribes each claim verbatim with its
provenance and a machine-readable test specification; :func:`audit_claims`
checks every claim against the processed survey table and the
before/after changes of :mod:`lib.analysis.uncertainty`, and returns a verdict with a
sentence built from the computed values.

Test specification columns (lists are ``;``-separated; a one-element list is
repeated to the length of the others):

``question``
    survey question id (the programme definition's ``survey.questions``).
``sector``, ``phase``
    sectors and phases the claim is about.
``items``
    item slugs; ``*`` means every item of the question and sector; a pattern
    ending in ``*`` matches the one item whose slug (or slugified label)
    starts with it.
``test``
    one of :data:`TESTS`.
``threshold``
    whole number used by the counting tests (e.g. 7 of 9 impacts).
``expected``
    published proportions for ``value_equals``.
``tolerance``
    how far a value may be from the claim and still agree. For changes this
    defines "about the same" / "little or no change": ``|change| <=
    tolerance`` (0.02, two percentage points, in the shipped file; caveat
    C8). For ``value_equals`` it is the rounding half-point (0.005).
``untestable_reason``
    for ``not_testable`` claims: why no data can test the claim.
``interpretation``
    how the wording was read; echoed in the reason.

Each claim is judged on two separate questions (two columns of the audit):

``direction``
    does the data point the same way as the claim? (:data:`DIRECTIONS`)
``strength``
    is the evidence strong enough to say so: is every change the claim rests
    on distinguishable from chance at *both ends* of the approximated base
    range (caveat C3)? (:data:`STRENGTHS`) A causal claim ("created",
    "a catalyst for", "effect", "positive shift") gets
    :data:`CAUSAL_STRENGTH`: a before/after survey without a comparison group
    cannot support a causal claim (caveat C2).

The overall ``verdict`` is derived from the two (:func:`overall_verdict`):
``supported``, ``partly supported``, ``direction only: could be chance``,
``not supported``, ``cannot be tested``. Adding a claim of an existing test
type needs only a new row in the CSV.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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

CLAIM_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "claim_quote",
    "source",
    "question",
    "sector",
    "phase",
    "items",
    "test",
    "threshold",
    "expected",
    "tolerance",
    "untestable_reason",
    "interpretation",
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
    :data:`_DIRECTION_OF`; ``strength`` is filled in by :func:`judge_strength`
    unless the test sets it.
    """

    what_the_data_show: str
    verdict: str
    reason: str
    strength: str = ""
    strength_reason: str = ""


_DIRECTION_OF = {SUPPORTED: AGREES, PARTLY: PARTLY_AGREES, NOT_SUPPORTED: DISAGREES, UNTESTABLE: NO_DIRECTION}


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


def _split(cell: Any) -> list[str]:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def _number(cell: Any, name: str, claim_id: str) -> float:
    try:
        value = float(cell)
    except (TypeError, ValueError):
        raise ValueError(f"claim {claim_id}: {name} must be a number, got {cell!r}") from None
    if pd.isna(value):
        raise ValueError(f"claim {claim_id}: {name} is required for this test")
    return value


def _tolerance(claim: pd.Series) -> float:
    cell = claim.get("tolerance")
    if cell is None or (isinstance(cell, float) and pd.isna(cell)) or str(cell).strip() == "":
        return 0.0
    return _number(cell, "tolerance", claim["claim_id"])


def _pct(x: float) -> str:
    return f"{round(x * 100):d}%"


def _pts(x: float) -> str:
    value = round(x * 100)
    return f"{value:+d}" if value else "0"


def _label(row: pd.Series) -> str:
    label = row.get("item_label")
    if label is None or (isinstance(label, float) and pd.isna(label)) or str(label).strip() == "":
        return str(row.get("item"))
    return str(label).strip()


def _missing(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and pd.isna(cell)) or str(cell).strip() == ""


_LOST_LABEL_NOTE = re.compile(r"label.*(?:lost|missing|not printed)|unlabel|no label|without a label", re.I)


def _list_rows(survey: pd.DataFrame, question: str, sector: str, phase: str) -> pd.DataFrame:
    rows = survey[
        (survey["question"] == question) & (survey["sector"] == sector) & (survey["phase"] == phase)
    ]
    if rows.empty:
        raise Untestable(f"the survey table has no {question} values for {sector} ({phase})")
    return rows


def _check_labels_complete(rows: pd.DataFrame, question: str, sector: str, phase: str) -> None:
    """A ranked list with a value whose label was lost cannot be ranked by label."""
    lost = rows["item_label"].map(_missing) if "item_label" in rows else pd.Series(False, index=rows.index)
    if "item_label" in rows:
        lost = lost | rows["item_label"].fillna("").astype(str).str.contains(_LOST_LABEL_NOTE)
    if "item" in rows:
        lost = lost | rows["item"].map(_missing)
    if "note" in rows:
        lost = lost | rows["note"].fillna("").astype(str).str.contains(_LOST_LABEL_NOTE)
    if lost.any():
        raise Untestable(
            f"the printed {QUESTION_WORDS.get(question, question)} list for {SECTOR_WORDS.get(sector, sector)} "
            f"has {len(rows)} "
            f"values but {int(lost.sum())} of them lost their label in the source, so which value "
            "belongs to which label cannot be established."
        )


def _resolve_items(patterns: list[str], rows: pd.DataFrame) -> list[str]:
    """Map the claim's item patterns to item slugs present in ``rows``."""
    available = [str(item) for item in rows["item"] if not _missing(item)]
    if patterns == ["*"]:
        return sorted(set(available), key=available.index)
    labels = {
        str(row["item"]): slugify(_label(row)) for _, row in rows.iterrows() if not _missing(row["item"])
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


def _units(claim: pd.Series) -> list[tuple[str, str]]:
    """(sector, phase) pairs a ranking/value claim is about (every combination)."""
    sectors, phases = _split(claim["sector"]), _split(claim["phase"])
    if not sectors or not phases:
        raise ValueError(f"claim {claim['claim_id']}: sector and phase are required")
    return [(sector, phase) for sector in sectors for phase in phases]


def _changes_from_survey(survey: pd.DataFrame, question: str, sector: str) -> pd.DataFrame:
    """post - pre for each item of one question and sector (from the survey table)."""
    rows = survey[(survey["question"] == question) & (survey["sector"] == sector)]
    pre = rows[rows["phase"] == "pre"].set_index("item")
    post = rows[rows["phase"] == "post"].set_index("item")
    common = [item for item in post.index if item in pre.index and not _missing(item)]
    if not common:
        raise Untestable(f"the survey table has no pre and post {question} values for {sector}")
    out = pd.DataFrame(
        {
            "item": common,
            "label": [_label(post.loc[item]) for item in common],
            "pre": [float(pre.at[item, "value"]) for item in common],
            "post": [float(post.at[item, "value"]) for item in common],
        }
    )
    out["change"] = (out["post"] - out["pre"]).round(10)
    return out


def _aggregate(passed: list[bool]) -> str:
    if all(passed):
        return SUPPORTED
    if any(passed):
        return PARTLY
    return NOT_SUPPORTED


def _sector_phrase(sector: str) -> str:
    return SECTOR_WORDS.get(sector, sector)


def _phase_phrase(phase: str) -> str:
    return {"pre": "before", "post": "after", "unstated": "(no phase stated)"}.get(phase, phase)


# ---------------------------------------------------------------- strength


def _both_ends(row: Any) -> bool:
    """Significant at the low *and* the high end of the approximated base range."""
    low, high = row.get("significant_low_base"), row.get("significant_high_base")
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return False
    return bool(low) and bool(high)


def _strength_of(rows: pd.DataFrame) -> tuple[str, str]:
    """Strength of the changes a claim rests on (rows of before_after_changes)."""
    if rows.empty:
        return (
            WEAK,
            "No change the claim rests on rose beyond the tolerance, so none can be told from chance.",
        )
    strong = [bool(_both_ends(row)) for _, row in rows.iterrows()]
    names = [_label(row) if "item_label" in row else str(row["item"]) for _, row in rows.iterrows()]
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


def _change_rows(
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
    tolerance = _tolerance(claim)
    sectors = _split(claim["sector"])
    rows = []
    for sector in sectors:
        table = _select(_changes_from_survey(survey, question, sector), claim)
        if test == "top_changes":
            named = _resolve_items(_split(claim["items"]), table.rename(columns={"label": "item_label"}))
            table = table[table["item"].isin(named)]
        rose = table[table["change"] > tolerance + 1e-9]["item"].tolist()
        rows.append(_change_rows(changes, question, [sector], rose))
    return _strength_of(pd.concat(rows) if rows else pd.DataFrame())


# ---------------------------------------------------------------- tests


def _test_significant_increase(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    question = claim["question"]
    parts, passed, fragile, relied = [], [], [], []
    for sector in _split(claim["sector"]):
        sector_rows = survey[(survey["question"] == question) & (survey["sector"] == sector)]
        if sector_rows.empty:
            raise Untestable(f"the survey table has no {question} values for {sector}")
        for item in _resolve_items(_split(claim["items"]), sector_rows):
            match = changes[
                (changes["question"] == question) & (changes["sector"] == sector) & (changes["item"] == item)
            ]
            if match.empty or pd.isna(match["significant"].iloc[0]):
                raise Untestable(f"no before/after test with a base exists for {item} ({sector})")
            row = match.iloc[0]
            passed.append(bool(row["change"] > 0))
            relied.append(row)
            basis = "stated" if row["base_basis"] == "stated" else "approximated"
            parts.append(
                f"{_sector_phrase(sector)} '{row['item_label'] if not _missing(row['item_label']) else item}' "
                f"{_pct(row['pre'])} -> {_pct(row['post'])} ({_pts(row['change'])} points, 95% CI "
                f"{_pts(row['change_low'])} to {_pts(row['change_high'])}; {basis} bases "
                f"{int(row['base_pre'])}/{int(row['base_post'])}): "
                + ("significant" if bool(row["significant"]) else "not significant")
            )
            if basis != "stated" and not bool(row["robust"]):
                low = "significant" if bool(row["significant_low_base"]) else "not significant"
                high = "significant" if bool(row["significant_high_base"]) else "not significant"
                fragile.append(
                    f"{_label(row)}: {low} at the low bases ({int(row['base_pre_low'])}/{int(row['base_post_low'])}), "
                    f"{high} at the high bases ({int(row['base_pre_high'])}/{int(row['base_post_high'])})"
                )
    verdict = _aggregate(passed)
    reason = f"{sum(passed)} of {len(passed)} named changes are rises."
    if fragile:
        reason += " Significance depends on the approximated base: " + "; ".join(fragile) + "."
    elif any("approximated" in part for part in parts):
        reason += " The same significance verdict holds across the whole approximated-base range."
    strength, why = _strength_of(pd.DataFrame(relied))
    return Finding("; ".join(parts) + ".", verdict, reason, strength, why)


def _test_value_equals(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    sectors, phases, items = _split(claim["sector"]), _split(claim["phase"]), _split(claim["items"])
    expected = [_number(x, "expected", claim["claim_id"]) for x in _split(claim["expected"])]
    length = max(len(sectors), len(phases), len(items), len(expected))
    lists = [sectors, phases, items, expected]
    if any(len(values) not in (1, length) for values in lists):
        raise ValueError(f"claim {claim['claim_id']}: sector/phase/items/expected lengths do not match")
    sectors, phases, items, expected = ([v[0]] * length if len(v) == 1 else v for v in lists)
    tolerance = _tolerance(claim)
    parts, passed = [], []
    for sector, phase, pattern, value in zip(sectors, phases, items, expected, strict=False):
        rows = _list_rows(survey, claim["question"], sector, phase)
        item = _resolve_items([pattern], rows)[0]
        match = rows.loc[rows["item"] == item].iloc[0]
        actual = float(match["value"])
        ok = abs(actual - value) <= tolerance + 1e-9
        passed.append(ok)
        parts.append(
            f"{_sector_phrase(sector)} {_phase_phrase(phase)} '{_label(match)}': {_pct(actual)} "
            f"(claim {_pct(value)})"
        )
    return Finding(
        "; ".join(parts) + ".",
        _aggregate(passed),
        f"{sum(passed)} of {len(passed)} published figures match the survey table within "
        f"{tolerance * 100:g} points.",
    )


def _change_parts(changes: pd.DataFrame) -> str:
    return ", ".join(f"{row.label.strip()} {_pts(row.change)}" for row in changes.itertuples())


def _test_no_decrease(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    tolerance = _tolerance(claim)
    parts, passed, notes = [], [], []
    for sector in _split(claim["sector"]):
        table = _select(_changes_from_survey(survey, claim["question"], sector), claim)
        falls = table[table["change"] < -tolerance - 1e-9]
        within = table[(table["change"] < 0) & (table["change"] >= -tolerance - 1e-9)]
        passed.append(falls.empty)
        parts.append(f"{_sector_phrase(sector)} changes (points): {_change_parts(table)}")
        if not falls.empty:
            notes.append(
                f"{_sector_phrase(sector)}: {len(falls)} fell by more than {tolerance * 100:g} points ({', '.join(falls['label'].str.strip())})"
            )
        if not within.empty:
            notes.append(
                f"{_sector_phrase(sector)}: {len(within)} fell but within the {tolerance * 100:g}-point tolerance ({', '.join(within['label'].str.strip())})"
            )
    verdict = _aggregate(passed)
    reason = f"'About the same' is taken as a change within {tolerance * 100:g} points."
    if notes:
        reason += " " + "; ".join(notes) + "."
    return Finding("; ".join(parts) + ".", verdict, reason)


def _select(table: pd.DataFrame, claim: pd.Series) -> pd.DataFrame:
    patterns = _split(claim["items"])
    if patterns == ["*"] or not patterns:
        return table
    wanted = _resolve_items(patterns, table.rename(columns={"label": "item_label"}))
    return table[table["item"].isin(wanted)]


def _count_test(kind: str) -> Callable[[pd.Series, pd.DataFrame, pd.DataFrame], Finding]:
    def test(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
        tolerance = _tolerance(claim)
        expected = int(_number(claim["threshold"], "threshold", claim["claim_id"]))
        parts, passed = [], []
        for sector in _split(claim["sector"]):
            table = _select(_changes_from_survey(survey, claim["question"], sector), claim)
            if kind == "increased":
                hits = table[table["change"] > tolerance + 1e-9]
                what = f"rose by more than {tolerance * 100:g} points"
            else:
                hits = table[table["change"].abs() <= tolerance + 1e-9]
                what = f"changed by {tolerance * 100:g} points or less"
            passed.append(len(hits) == expected)
            parts.append(
                f"{_sector_phrase(sector)}: {len(hits)} of {len(table)} items {what} "
                f"({', '.join(hits['label'].str.strip()) or 'none'}); changes: {_change_parts(table)}"
            )
        return Finding(
            "; ".join(parts) + ".",
            SUPPORTED if all(passed) else NOT_SUPPORTED,
            f"The claim says {expected}; tolerance {tolerance * 100:g} points.",
        )

    return test


def _test_top_changes(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    parts, passed, ties = [], [], []
    for sector in _split(claim["sector"]):
        table = _changes_from_survey(survey, claim["question"], sector)
        wanted = _resolve_items(_split(claim["items"]), table.rename(columns={"label": "item_label"}))
        k = len(wanted)
        cutoff = table["change"].nlargest(k).min()
        top = table[table["change"] >= cutoff - 1e-9].sort_values("change", ascending=False)
        for item in wanted:
            passed.append(item in set(top["item"]))
        extra = [
            label.strip()
            for item, label in zip(top["item"], top["label"], strict=False)
            if item not in wanted
        ]
        if extra and len(top) > k:
            ties.append(f"{', '.join(extra)} tie(s) at {_pts(cutoff)} points")
        parts.append(
            f"{_sector_phrase(sector)} largest rises: "
            + ", ".join(f"{row.label.strip()} {_pts(row.change)}" for row in top.itertuples())
        )
    reason = f"{sum(passed)} of {len(passed)} named items are among the largest {k} rises."
    if ties:
        reason += " Ties at the boundary count as in: " + "; ".join(ties) + "."
    return Finding("; ".join(parts) + ".", _aggregate(passed), reason)


def _ranked(rows: pd.DataFrame) -> pd.DataFrame:
    ranked = rows[["item", "value"]].copy()
    ranked["label"] = [_label(row) for _, row in rows.iterrows()]
    ranked["value"] = ranked["value"].astype(float)
    # competition ranking: tied values share the best rank
    ranked["rank"] = ranked["value"].rank(method="min", ascending=False).astype(int)
    return ranked.sort_values(["rank", "item"])


def _ranking_test(ordered: bool) -> Callable[[pd.Series, pd.DataFrame, pd.DataFrame], Finding]:
    def test(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
        parts, passed, failures = [], [], []
        for sector, phase in _units(claim):
            rows = _list_rows(survey, claim["question"], sector, phase)
            _check_labels_complete(rows, claim["question"], sector, phase)
            wanted = _resolve_items(_split(claim["items"]), rows)
            ranked = _ranked(rows)
            rank_of = dict(zip(ranked["item"], ranked["rank"], strict=False))
            label_of = {
                item: str(label).strip() for item, label in zip(ranked["item"], ranked["label"], strict=False)
            }
            # a tie with the next item counts as holding the position
            best_possible = {
                item: int(
                    (ranked["value"] > ranked.loc[ranked["item"] == item, "value"].iloc[0] + 1e-9).sum()
                )
                + 1
                for item in wanted
            }
            worst_possible = {
                item: int(
                    (ranked["value"] >= ranked.loc[ranked["item"] == item, "value"].iloc[0] - 1e-9).sum()
                )
                for item in wanted
            }
            if ordered:
                ok = all(
                    best_possible[item] <= pos <= worst_possible[item] for pos, item in enumerate(wanted, 1)
                )
            else:
                ok = all(best_possible[item] <= len(wanted) for item in wanted)
            passed.append(ok)
            top = ranked.head(max(len(wanted) + 1, 3))
            shown = ", ".join(
                f"{row.rank}. {row.label.strip()} {_pct(row.value)}" for row in top.itertuples()
            )
            parts.append(f"{_sector_phrase(sector)} {_phase_phrase(phase)}: {shown}")
            if not ok:
                failures.append(
                    f"{_sector_phrase(sector)} {_phase_phrase(phase)}: "
                    + ", ".join(f"'{label_of[item]}' ranks {rank_of[item]}" for item in wanted)
                )
        what = "in the order claimed" if ordered else f"among the top {len(_split(claim['items']))}"
        reason = f"The named items are {what} in {sum(passed)} of {len(passed)} lists."
        if failures:
            reason += " Not so in " + "; ".join(failures) + "."
        if claim["question"] in COMMENT_QUESTIONS:
            reason += " These are shares of comments, not of respondents (caveat C5)."
        return Finding("; ".join(parts) + ".", _aggregate(passed), reason)

    return test


def _test_increase(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    tolerance = _tolerance(claim)
    parts, passed = [], []
    for sector in _split(claim["sector"]):
        table = _select(_changes_from_survey(survey, claim["question"], sector), claim)
        for row in table.itertuples():
            passed.append(row.change > tolerance + 1e-9)
            parts.append(
                f"{_sector_phrase(sector)} '{row.label.strip()}': {_pct(row.pre)} -> {_pct(row.post)} ({_pts(row.change)} points)"
            )
    reason = f"{sum(passed)} of {len(passed)} named items rose by more than {tolerance * 100:g} points."
    if claim["question"] in COMMENT_QUESTIONS:
        reason += " Shares of comments, not of respondents, with no base: no significance test is possible (caveat C5)."
    return Finding("; ".join(parts) + ".", _aggregate(passed), reason)


def _test_causal(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    """A claim that something caused a change. The direction is tested where a
    measure exists (``question``/``sector``/``items``); the strength is always
    :data:`CAUSAL_STRENGTH`."""
    why = (
        f"The claim is causal, and {CAUSAL_WORDS} (caveat C2): the change cannot be told apart "
        "from what would have happened anyway."
    )
    if _missing(claim.get("question")):
        reason = claim.get("untestable_reason")
        return Finding(
            "No measure in the sources matches what the claim says changed.",
            UNTESTABLE,
            str(reason) if not _missing(reason) else "No data in the workbook measure this change.",
            CAUSAL_STRENGTH,
            why,
        )
    tolerance = _tolerance(claim)
    parts, passed = [], []
    for sector in _split(claim["sector"]):
        table = _select(_changes_from_survey(survey, claim["question"], sector), claim)
        rose = table[table["change"] > tolerance + 1e-9]
        passed.extend([True] * len(rose) + [False] * (len(table) - len(rose)))
        parts.append(
            f"{_sector_phrase(sector)}: {len(rose)} of {len(table)} items rose by more than "
            f"{tolerance * 100:g} points; changes: {_change_parts(table)}"
        )
    return Finding(
        "; ".join(parts) + ".",
        _aggregate(passed),
        f"{sum(passed)} of {len(passed)} measured items moved the way the claim says.",
        CAUSAL_STRENGTH,
        why,
    )


def _test_not_testable(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    reason = claim.get("untestable_reason")
    raise Untestable(str(reason) if not _missing(reason) else "No data in the workbook can test this claim.")


TESTS: dict[str, Callable[[pd.Series, pd.DataFrame, pd.DataFrame], Finding]] = {
    "significant_increase": _test_significant_increase,
    "value_equals": _test_value_equals,
    "no_decrease": _test_no_decrease,
    "count_increased": _count_test("increased"),
    "count_little_change": _count_test("little_change"),
    "top_changes": _test_top_changes,
    "top_values": _ranking_test(ordered=False),
    "rank_order": _ranking_test(ordered=True),
    "increase": _test_increase,
    "causal": _test_causal,
    "not_testable": _test_not_testable,
}


# ---------------------------------------------------------------- public API


def load_claims(path: str = "data/raw/published_claims.csv") -> pd.DataFrame:
    """Read the claims file as strings (empty cells as empty strings)."""
    claims = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = set(CLAIM_COLUMNS) - set(claims.columns)
    if missing:
        raise ValueError(f"{path} is missing columns: {sorted(missing)}")
    return claims


def audit_claims(claims: pd.DataFrame, survey: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: ``claim_id, claim, source, what_the_data_show,
    direction, strength, verdict, reason``.

    ``claims``: rows of ``published_claims.csv``; ``survey``: the processed
    survey table; ``changes``: :func:`lib.analysis.uncertainty.before_after_changes` of
    that survey. ``direction`` says whether the data point the way the claim
    does; ``strength`` whether every change it rests on is distinguishable
    from chance at both ends of the approximated base range (or why that
    question does not arise); ``verdict`` is :func:`overall_verdict` of the
    two. Claims whose data do not exist (unknown item, list whose labels were
    lost, no base) cannot be tested, with the reason. An unknown ``test``
    raises ValueError.
    """
    unknown = sorted(set(claims["test"]) - set(TESTS))
    if unknown:
        raise ValueError(f"unknown claim test(s): {unknown}; known: {sorted(TESTS)}")
    rows = []
    for _, claim in claims.iterrows():
        try:
            finding = TESTS[claim["test"]](claim, survey, changes)
        except Untestable as why:
            finding = Finding("No data in the workbook can test this claim.", UNTESTABLE, str(why))
        try:
            strength, strength_reason = judge_strength(claim, survey, changes, finding)
        except Untestable:
            strength, strength_reason = NO_STRENGTH, ""
        direction = _DIRECTION_OF[finding.verdict]
        verdict = overall_verdict(
            direction, strength, claims_significance=claim["test"] == "significant_increase"
        )
        reason = finding.reason
        if strength_reason:
            reason = f"{reason} {strength_reason}"
        interpretation = claim.get("interpretation")
        if not _missing(interpretation):
            reason = f"{reason} Reading of the claim: {interpretation}"
        rows.append(
            {
                "claim_id": claim["claim_id"],
                "claim": claim["claim_quote"],
                "source": claim["source"],
                "what_the_data_show": finding.what_the_data_show,
                "direction": direction,
                "strength": strength,
                "verdict": verdict,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
