"""The direction question of the claim audit: one test per claim type.

Each test reads a claim's specification (:mod:`lib.analysis.claim_spec`) against
the survey table and returns a :class:`~lib.analysis.claim_verdict.Finding`:
what the data show, whether they point the way the claim does, and why.
:data:`TESTS` is the registry the audit dispatches on.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from lib.analysis.claim_spec import (
    COMMENT_QUESTIONS,
    changes_from_survey,
    claim_tolerance,
    claim_units,
    is_missing,
    item_label_of,
    list_rows,
    pct,
    phase_phrase,
    position_inference,
    pts,
    resolve_items,
    sector_words,
    select_items,
    spec_number,
    split_list,
)
from lib.analysis.claim_strength import significant_at_both_ends, strength_of
from lib.analysis.claim_verdict import (
    NOT_SUPPORTED,
    SUPPORTED,
    Finding,
    Untestable,
    aggregate_verdict,
)


def _test_significant_increase(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    question = claim["question"]
    parts, passed, fragile, relied = [], [], [], []
    for sector in split_list(claim["sector"]):
        sector_rows = survey[(survey["question"] == question) & (survey["sector"] == sector)]
        if sector_rows.empty:
            raise Untestable(f"the survey table has no {question} values for {sector}")
        for item in resolve_items(split_list(claim["items"]), sector_rows):
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
                f"{sector_words(sector)} "
                f"'{row['item_label'] if not is_missing(row['item_label']) else item}' "
                f"{pct(row['pre'])} -> {pct(row['post'])} ({pts(row['change'])} points, 95% CI "
                f"{pts(row['change_low'])} to {pts(row['change_high'])}; {basis} bases "
                f"{int(row['base_pre'])}/{int(row['base_post'])}): "
                + ("clear of chance" if significant_at_both_ends(row) else "could be chance")
            )
            if basis != "stated" and not bool(row["robust"]):
                ends = [
                    f"{'excludes' if bool(row[f'significant_{end}_base']) else 'includes'} zero at the {end} "
                    f"bases ({int(row[f'base_pre_{end}'])}/{int(row[f'base_post_{end}'])})"
                    for end in ("low", "high")
                ]
                fragile.append(f"{item_label_of(row)}: the interval {ends[0]} and {ends[1]}")
    verdict = aggregate_verdict(passed)
    reason = f"{sum(passed)} of {len(passed)} named changes are rises."
    if fragile:
        reason += " The verdict depends on the approximated base: " + "; ".join(fragile) + "."
    elif any("approximated" in part for part in parts):
        reason += " The same verdict holds across the whole approximated-base range."
    strength, why = strength_of(pd.DataFrame(relied))
    return Finding("; ".join(parts) + ".", verdict, reason, strength, why)


def _test_value_equals(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    sectors, phases, items = (
        split_list(claim["sector"]),
        split_list(claim["phase"]),
        split_list(claim["items"]),
    )
    expected = [spec_number(x, "expected", claim["claim_id"]) for x in split_list(claim["expected"])]
    length = max(len(sectors), len(phases), len(items), len(expected))
    lists = [sectors, phases, items, expected]
    if any(len(values) not in (1, length) for values in lists):
        raise ValueError(f"claim {claim['claim_id']}: sector/phase/items/expected lengths do not match")
    sectors, phases, items, expected = ([v[0]] * length if len(v) == 1 else v for v in lists)
    tolerance = claim_tolerance(claim)
    parts, passed = [], []
    for sector, phase, pattern, value in zip(sectors, phases, items, expected, strict=False):
        rows = list_rows(survey, claim["question"], sector, phase)
        item = resolve_items([pattern], rows)[0]
        match = rows.loc[rows["item"] == item].iloc[0]
        actual = float(match["value"])
        ok = abs(actual - value) <= tolerance + 1e-9
        passed.append(ok)
        parts.append(
            f"{sector_words(sector)} {phase_phrase(phase)} '{item_label_of(match)}': {pct(actual)} "
            f"(claim {pct(value)})"
        )
    return Finding(
        "; ".join(parts) + ".",
        aggregate_verdict(passed),
        f"{sum(passed)} of {len(passed)} published figures match the survey table within "
        f"{tolerance * 100:g} points.",
    )


def _change_parts(changes: pd.DataFrame) -> str:
    return ", ".join(f"{row.label.strip()} {pts(row.change)}" for row in changes.itertuples())


def _test_no_decrease(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    tolerance = claim_tolerance(claim)
    parts, passed, notes = [], [], []
    for sector in split_list(claim["sector"]):
        table = select_items(changes_from_survey(survey, claim["question"], sector), claim)
        falls = table[table["change"] < -tolerance - 1e-9]
        within = table[(table["change"] < 0) & (table["change"] >= -tolerance - 1e-9)]
        passed.append(falls.empty)
        parts.append(f"{sector_words(sector)} changes (points): {_change_parts(table)}")
        if not falls.empty:
            notes.append(
                f"{sector_words(sector)}: {len(falls)} fell by more than {tolerance * 100:g} points "
                f"({', '.join(falls['label'].str.strip())})"
            )
        if not within.empty:
            notes.append(
                f"{sector_words(sector)}: {len(within)} fell but within the {tolerance * 100:g}-point "
                f"tolerance ({', '.join(within['label'].str.strip())})"
            )
    verdict = aggregate_verdict(passed)
    reason = f"'About the same' is taken as a change within {tolerance * 100:g} points."
    if notes:
        reason += " " + "; ".join(notes) + "."
    return Finding("; ".join(parts) + ".", verdict, reason)


def _count_test(kind: str) -> Callable[[pd.Series, pd.DataFrame, pd.DataFrame], Finding]:
    def test(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
        tolerance = claim_tolerance(claim)
        expected = int(spec_number(claim["threshold"], "threshold", claim["claim_id"]))
        parts, passed = [], []
        for sector in split_list(claim["sector"]):
            table = select_items(changes_from_survey(survey, claim["question"], sector), claim)
            if kind == "increased":
                hits = table[table["change"] > tolerance + 1e-9]
                what = f"rose by more than {tolerance * 100:g} points"
            else:
                hits = table[table["change"].abs() <= tolerance + 1e-9]
                what = f"changed by {tolerance * 100:g} points or less"
            passed.append(len(hits) == expected)
            parts.append(
                f"{sector_words(sector)}: {len(hits)} of {len(table)} items {what} "
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
    for sector in split_list(claim["sector"]):
        table = changes_from_survey(survey, claim["question"], sector)
        wanted = resolve_items(split_list(claim["items"]), table.rename(columns={"label": "item_label"}))
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
            ties.append(f"{', '.join(extra)} tie(s) at {pts(cutoff)} points")
        parts.append(
            f"{sector_words(sector)} largest rises: "
            + ", ".join(f"{row.label.strip()} {pts(row.change)}" for row in top.itertuples())
        )
    reason = f"{sum(passed)} of {len(passed)} named items are among the largest {k} rises."
    if ties:
        reason += " Ties at the boundary count as in: " + "; ".join(ties) + "."
    return Finding("; ".join(parts) + ".", aggregate_verdict(passed), reason)


def _ranked(rows: pd.DataFrame) -> pd.DataFrame:
    ranked = rows[["item", "value"]].copy()
    ranked["label"] = [item_label_of(row) for _, row in rows.iterrows()]
    ranked["value"] = ranked["value"].astype(float)
    # competition ranking: tied values share the best rank
    ranked["rank"] = ranked["value"].rank(method="min", ascending=False).astype(int)
    return ranked.sort_values(["rank", "item"])


def _ranking_test(ordered: bool) -> Callable[[pd.Series, pd.DataFrame, pd.DataFrame], Finding]:
    def test(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
        parts, passed, failures, inferences = [], [], [], []
        for sector, phase in claim_units(claim):
            rows = list_rows(survey, claim["question"], sector, phase)
            inference = position_inference(rows, claim["question"], sector)
            if inference and inference not in inferences:
                inferences.append(inference)
            wanted = resolve_items(split_list(claim["items"]), rows)
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
            shown = ", ".join(f"{row.rank}. {row.label.strip()} {pct(row.value)}" for row in top.itertuples())
            parts.append(f"{sector_words(sector)} {phase_phrase(phase)}: {shown}")
            if not ok:
                failures.append(
                    f"{sector_words(sector)} {phase_phrase(phase)}: "
                    + ", ".join(f"'{label_of[item]}' ranks {rank_of[item]}" for item in wanted)
                )
        what = "in the order claimed" if ordered else f"among the top {len(split_list(claim['items']))}"
        reason = f"The named items are {what} in {sum(passed)} of {len(passed)} lists."
        if failures:
            reason += " Not so in " + "; ".join(failures) + "."
        if claim["question"] in COMMENT_QUESTIONS:
            reason += " These are shares of comments, not of respondents (caveat C5)."
        reason = " ".join([reason, *inferences])
        return Finding("; ".join(parts) + ".", aggregate_verdict(passed), reason)

    return test


def _test_increase(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    tolerance = claim_tolerance(claim)
    parts, passed = [], []
    for sector in split_list(claim["sector"]):
        table = select_items(changes_from_survey(survey, claim["question"], sector), claim)
        for row in table.itertuples():
            passed.append(row.change > tolerance + 1e-9)
            parts.append(
                f"{sector_words(sector)} '{row.label.strip()}': {pct(row.pre)} -> {pct(row.post)} "
                f"({pts(row.change)} points)"
            )
    reason = (
        f"{sum(passed)} of {len(passed)} named items rose by more than the plan's "
        f"{tolerance * 100:g}-point tolerance."
    )
    # shares of comments have no base: the strength answer says so, once (claim_strength)
    return Finding("; ".join(parts) + ".", aggregate_verdict(passed), reason)


def _test_not_testable(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> Finding:
    reason = claim.get("untestable_reason")
    raise Untestable(
        str(reason) if not is_missing(reason) else "No data in the workbook can test this claim."
    )


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
    "not_testable": _test_not_testable,
}
