"""Tests for lib/analysis/uncertainty.py.

Reference values:
* Wilson score interval: Newcombe RG (1998a), "Two-sided confidence intervals
  for the single proportion: comparison of seven methods", Statistics in
  Medicine 17:857-872, worked examples (method 3, 95%).
* Newcombe hybrid score interval: Newcombe RG (1998b), "Interval estimation
  for the difference between independent proportions: comparison of eleven
  methods", Statistics in Medicine 17:873-890, Table II, method 10 (95%).
  Table II gives p1 - p2 for "a/m - b/n"; ``newcombe_difference`` returns
  p2 - p1 of its (count1, n1, count2, n2), so the table's first group is
  passed second.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lib.analysis.uncertainty import (
    BASES_COLUMNS,
    BEFORE_AFTER_COLUMNS,
    approximate_bases,
    approximate_count,
    before_after_changes,
    describe_change,
    interval_excludes_zero,
    newcombe_difference,
    wilson_interval,
)

# ------------------------------------------------------------- published values

WILSON_1998A = [
    # count, n, lower, upper
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]

NEWCOMBE_1998B_TABLE_II_METHOD_10 = [
    # a, m, b, n, lower, upper   for a/m - b/n
    (56, 70, 48, 80, 0.0524, 0.3339),  # (a)
    (9, 10, 3, 10, 0.1705, 0.8090),  # (b)
    (6, 7, 2, 7, 0.0582, 0.8062),  # (c)
    (5, 56, 0, 29, -0.0381, 0.1926),  # (d)
    (0, 10, 0, 20, -0.1611, 0.2775),  # (e)
    (0, 10, 0, 10, -0.2775, 0.2775),  # (f)
    (10, 10, 0, 20, 0.6791, 1.0000),  # (g)
    (10, 10, 0, 10, 0.6075, 1.0000),  # (h)
]


@pytest.mark.parametrize(("count", "n", "low", "high"), WILSON_1998A)
def test_wilson_matches_newcombe_1998a(count, n, low, high):
    got = wilson_interval(count, n)
    assert got == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(("a", "m", "b", "n", "low", "high"), NEWCOMBE_1998B_TABLE_II_METHOD_10)
def test_newcombe_matches_table_ii_method_10(a, m, b, n, low, high):
    difference, got_low, got_high = newcombe_difference(b, n, a, m)  # p2 - p1 = a/m - b/n
    assert difference == pytest.approx(a / m - b / n)
    assert (got_low, got_high) == pytest.approx((low, high), abs=5e-5)


def test_newcombe_sign_convention_is_second_minus_first():
    up = newcombe_difference(48, 80, 56, 70)
    down = newcombe_difference(56, 70, 48, 80)
    assert up[0] > 0 and down[0] < 0
    assert up[0] == pytest.approx(-down[0])
    # swapping the groups mirrors the interval about zero
    assert (down[1], down[2]) == pytest.approx((-up[2], -up[1]))


def test_intervals_contain_estimate_and_stay_in_range():
    for count in (0, 1, 5, 19, 20):
        low, high = wilson_interval(count, 20)
        assert 0.0 <= low <= count / 20 <= high <= 1.0
    difference, low, high = newcombe_difference(0, 15, 15, 15)
    assert -1.0 <= low <= difference <= high <= 1.0


def test_edge_cases_zero_and_n():
    assert wilson_interval(0, 20)[0] == 0.0
    assert wilson_interval(20, 20)[1] == 1.0
    low, high = wilson_interval(20, 20)
    # symmetric with 0/20
    assert low == pytest.approx(1 - wilson_interval(0, 20)[1])
    assert newcombe_difference(0, 20, 10, 10)[2] == 1.0


def test_alpha_widens_and_narrows():
    narrow = wilson_interval(30, 60, alpha=0.10)
    wide = wilson_interval(30, 60, alpha=0.01)
    assert wide[0] < narrow[0] and wide[1] > narrow[1]


def test_interval_excludes_zero():
    assert interval_excludes_zero(0.01, 0.2)
    assert interval_excludes_zero(-0.2, -0.01)
    assert not interval_excludes_zero(-0.01, 0.2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: wilson_interval(11, 10), "cannot exceed n"),
        (lambda: wilson_interval(-1, 10), "must not be negative"),
        (lambda: wilson_interval(1, -10), "positive whole number"),
        (lambda: wilson_interval(0, 0), "positive whole number"),
        (lambda: wilson_interval(1.5, 10), "whole number"),
        (lambda: wilson_interval(1, 10, alpha=0), "alpha"),
        (lambda: wilson_interval(1, 10, alpha=1), "alpha"),
        (lambda: wilson_interval(1, 10, alpha=1.5), "alpha"),
        (lambda: newcombe_difference(5, 4, 1, 10), "cannot exceed n"),
        (lambda: newcombe_difference(1, 10, 1, -3), "positive whole number"),
        (lambda: newcombe_difference(1, 10, 1, 10, alpha=-0.05), "alpha"),
        (lambda: approximate_count(1.2, 10), "in \\[0, 1\\]"),
        (lambda: approximate_count(0.5, 0), "positive whole number"),
    ],
)
def test_bad_inputs_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_approximate_count_rounds_half_up():
    assert approximate_count(0.5, 5) == 3  # 2.5 -> 3, not banker's 2
    assert approximate_count(0.125, 4) == 1  # 0.5 -> 1
    assert approximate_count(0.56999999999999995, 100) == 57  # float noise
    assert approximate_count(0.0, 76) == 0
    assert approximate_count(1.0, 76) == 76
    assert approximate_count(0.56, 76) == math.floor(0.56 * 76 + 0.5)


# ------------------------------------------------------------- bases

PUBLISHED_RESPONDENTS = pd.DataFrame(
    [  # 004 § 2.2, 2.3
        ("all", "pre", 154),
        ("all", "post", 165),
        ("vcs", "unstated", 76),
        ("childrens_centres", "unstated", 46),
        ("local_authorities", "unstated", 14),
        ("other_sectors", "unstated", 28),
        ("health", "unstated", 9),
        ("community_advice", "unstated", 3),
        ("parents", "unstated", 7),
    ],
    columns=["group", "phase", "n"],
).assign(source="004 § 2")


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _base(bases: pd.DataFrame, sector: str, phase: str) -> pd.Series:
    return bases[(bases["sector"] == sector) & (bases["phase"] == phase)].iloc[0]


def test_bases_shape_and_stated_totals():
    bases = approximate_bases(PUBLISHED_RESPONDENTS)
    assert tuple(bases.columns) == BASES_COLUMNS
    assert set(bases["sector"]) == {"all", "vcs", "childrens_centres", "local_authorities", "other_sectors"}
    for phase, total in (("pre", 154), ("post", 165)):
        row = _base(bases, "all", phase)
        assert row["base_n"] == row["base_low"] == row["base_high"] == total
        assert row["base_basis"] == "stated"
    assert bases["assumption"].str.len().min() > 20


def test_bases_follow_the_documented_rules():
    bases = approximate_bases(PUBLISHED_RESPONDENTS)
    sector_total = 76 + 46 + 14 + 28
    for sector, count in (("vcs", 76), ("childrens_centres", 46)):
        for phase, total in (("pre", 154), ("post", 165)):
            row = _base(bases, sector, phase)
            assert row["base_basis"] == "approximated"
            assert row["base_n"] == _half_up(count / sector_total * total)
            assert row["base_low"] == _half_up(count * total / (154 + 165))
            assert row["base_high"] == count
            assert row["base_low"] <= row["base_n"] <= row["base_high"]
            assert row["caveat_id"] == "C3"


def test_bases_respond_to_the_respondent_table():
    changed = PUBLISHED_RESPONDENTS.copy()
    changed.loc[(changed["group"] == "all") & (changed["phase"] == "pre"), "n"] = 100
    before = _base(approximate_bases(PUBLISHED_RESPONDENTS), "vcs", "pre")["base_n"]
    after = _base(approximate_bases(changed), "vcs", "pre")["base_n"]
    assert after < before


def test_bases_reject_missing_totals():
    with pytest.raises(ValueError, match="group 'all', phase 'pre'"):
        approximate_bases(PUBLISHED_RESPONDENTS[PUBLISHED_RESPONDENTS["phase"] != "pre"])


def test_caveat_ids_exist_in_caveats_log():
    from pathlib import Path

    log = (Path(__file__).resolve().parents[2] / "data" / "notes" / "caveats.md").read_text(encoding="utf-8")
    for caveat in approximate_bases(PUBLISHED_RESPONDENTS)["caveat_id"].unique():
        assert f"## {caveat} " in log


# ------------------------------------------------------------- before/after


def _survey(rows):
    return pd.DataFrame(
        rows,
        columns=["question", "item", "item_label", "item_order", "sector", "phase", "value", "base_n"],
    ).assign(note="", source="test")


# 004 § 4.1 (Q1, all respondents, stated bases) and 004 § 4.2 chart (Q3, VCS)
PUBLISHED_SURVEY = _survey(
    [
        (
            "understanding",
            "understand_co_production",
            "Understanding Co Production Better",
            1,
            "all",
            "pre",
            0.56,
            154,
        ),
        (
            "understanding",
            "understand_co_production",
            "Understanding Co Production Better",
            1,
            "all",
            "post",
            0.81,
            165,
        ),
        ("impacts", "allow_culture_to_thrive", "Allow culture to thrive", 6, "vcs", "pre", 0.32, None),
        ("impacts", "allow_culture_to_thrive", "Allow culture to thrive", 6, "vcs", "post", 0.47, None),
        ("impacts", "extend_service_reach", "Extend service reach", 1, "vcs", "pre", 0.57, None),
        ("impacts", "extend_service_reach", "Extend service reach", 1, "vcs", "post", 0.57, None),
        ("impacts", "deliver_users_needs", "Deliver users' needs", 5, "vcs", "pre", 0.33, None),
        ("impacts", "deliver_users_needs", "Deliver users' needs", 5, "vcs", "post", 0.32, None),
        ("best_features", "sharing", "Sharing", 1, "vcs", "pre", 0.33, None),
        ("best_features", "sharing", "Sharing", 1, "vcs", "post", 0.33, None),
        ("impacts", "pre_only_item", "Only before", 9, "vcs", "pre", 0.10, None),
    ]
)


@pytest.fixture()
def changes():
    return before_after_changes(PUBLISHED_SURVEY, approximate_bases(PUBLISHED_RESPONDENTS))


def _row(changes: pd.DataFrame, item: str, sector: str) -> pd.Series:
    return changes[(changes["item"] == item) & (changes["sector"] == sector)].iloc[0]


def test_changes_columns_and_scope(changes):
    assert tuple(changes.columns) == BEFORE_AFTER_COLUMNS
    # comment shares (best_features) are not tested; items lacking a phase are dropped
    assert set(changes["question"]) == {"understanding", "impacts"}
    assert "pre_only_item" not in set(changes["item"])
    assert len(changes) == 4


def test_change_is_post_minus_pre_with_stated_base(changes):
    row = _row(changes, "understand_co_production", "all")
    assert row["change"] == pytest.approx(0.81 - 0.56)
    assert row["base_basis"] == "stated"
    assert (row["base_pre"], row["base_post"]) == (154, 165)
    count_pre, count_post = approximate_count(0.56, 154), approximate_count(0.81, 165)
    assert (row["count_pre"], row["count_post"]) == (count_pre, count_post)
    expected = newcombe_difference(count_pre, 154, count_post, 165)
    assert (row["change_low"], row["change_high"]) == pytest.approx(expected[1:])
    assert (row["pre_low"], row["pre_high"]) == pytest.approx(wilson_interval(count_pre, 154))
    assert (row["post_low"], row["post_high"]) == pytest.approx(wilson_interval(count_post, 165))
    assert bool(row["significant"]) == interval_excludes_zero(*expected[1:])
    assert bool(row["robust"])  # stated base: no range


def test_approximated_bases_are_used_where_not_stated(changes):
    bases = approximate_bases(PUBLISHED_RESPONDENTS)
    row = _row(changes, "allow_culture_to_thrive", "vcs")
    assert row["base_basis"] == "approximated"
    assert row["base_pre"] == _base(bases, "vcs", "pre")["base_n"]
    assert row["base_post"] == _base(bases, "vcs", "post")["base_n"]
    assert row["base_pre_low"] == _base(bases, "vcs", "pre")["base_low"]
    assert row["base_post_high"] == _base(bases, "vcs", "post")["base_high"]
    assert "C3" in row["caveat_ids"].split(";")


def test_sensitivity_columns_recompute_at_low_and_high_bases(changes):
    for _, row in changes.iterrows():
        for suffix, pre_col, post_col in (
            ("low_base", "base_pre_low", "base_post_low"),
            ("high_base", "base_pre_high", "base_post_high"),
        ):
            n_pre, n_post = int(row[pre_col]), int(row[post_col])
            _, low, high = newcombe_difference(
                approximate_count(row["pre"], n_pre), n_pre, approximate_count(row["post"], n_post), n_post
            )
            assert bool(row[f"significant_{suffix}"]) == interval_excludes_zero(low, high)
        verdicts = {
            bool(row["significant"]),
            bool(row["significant_low_base"]),
            bool(row["significant_high_base"]),
        }
        assert bool(row["robust"]) == (len(verdicts) == 1)


def test_larger_bases_can_only_help_significance():
    survey = PUBLISHED_SURVEY[PUBLISHED_SURVEY["item"] == "allow_culture_to_thrive"]
    bases = approximate_bases(PUBLISHED_RESPONDENTS)
    bigger = bases.assign(
        base_n=bases["base_n"] * 4, base_low=bases["base_low"] * 4, base_high=bases["base_high"] * 4
    )
    small = before_after_changes(survey, bases).iloc[0]
    large = before_after_changes(survey, bigger).iloc[0]
    assert (large["change_high"] - large["change_low"]) < (small["change_high"] - small["change_low"])
    assert bool(large["significant"])


def test_significance_switches_when_a_value_changes():
    bases = approximate_bases(PUBLISHED_RESPONDENTS)
    survey = PUBLISHED_SURVEY.copy()
    is_post = (survey["item"] == "understand_co_production") & (survey["phase"] == "post")
    before = _row(before_after_changes(survey, bases), "understand_co_production", "all")
    survey.loc[is_post, "value"] = 0.58
    after = _row(before_after_changes(survey, bases), "understand_co_production", "all")
    assert bool(before["significant"]) and not bool(after["significant"])


def test_missing_base_gives_na_not_a_verdict():
    no_sector_bases = approximate_bases(PUBLISHED_RESPONDENTS).query("sector == 'all'")
    changes = before_after_changes(PUBLISHED_SURVEY, no_sector_bases)
    row = _row(changes, "allow_culture_to_thrive", "vcs")
    assert row["base_basis"] == "unavailable"
    assert pd.isna(row["significant"])
    assert "cannot be assessed" in describe_change(row)


def test_before_after_rejects_bad_alpha():
    with pytest.raises(ValueError, match="alpha"):
        before_after_changes(PUBLISHED_SURVEY, approximate_bases(PUBLISHED_RESPONDENTS), alpha=2)


# ------------------------------------------------------------- wording


def _judged(row: pd.Series) -> pd.Series:
    """The row with the plan's both-ends verdict (as results_comparisons computes it): clear of
    chance only when the interval excludes zero at the central, the low and the high bases."""
    ends = ("significant", "significant_low_base", "significant_high_base")
    out = row.copy()
    out["clear_of_chance"] = all(bool(row[c]) for c in ends)
    return out


def test_describe_clear_change(changes):
    text = describe_change(_judged(_row(changes, "understand_co_production", "all")))
    assert "rose from 56% to 81%" in text
    assert "difference +25 points" in text
    assert "95% CI" in text
    assert "clear of chance: its 95% interval excludes zero at the stated bases" in text
    assert "significant" not in text and "could be chance" not in text
    assert "association" in text and "caused" in text


def test_describe_switches_wording_when_it_could_be_chance():
    bases = approximate_bases(PUBLISHED_RESPONDENTS)
    survey = PUBLISHED_SURVEY.copy()
    survey.loc[(survey["item"] == "understand_co_production") & (survey["phase"] == "post"), "value"] = 0.58
    row = _judged(_row(before_after_changes(survey, bases), "understand_co_production", "all"))
    text = describe_change(row)
    assert "could be chance" in text and "includes zero" in text
    assert "clear of chance" not in text and "significant" not in text
    assert "rose from 56% to 58%" in text


def test_describe_fall_no_change_and_alpha(changes):
    assert "fell from 33% to 32%" in describe_change(_judged(_row(changes, "deliver_users_needs", "vcs")))
    assert "was 57% before and 57% after" in describe_change(
        _judged(_row(changes, "extend_service_reach", "vcs"))
    )
    at_10 = before_after_changes(PUBLISHED_SURVEY, approximate_bases(PUBLISHED_RESPONDENTS), alpha=0.10)
    text = describe_change(_judged(_row(at_10, "understand_co_production", "all")))
    assert "90% CI" in text and "90% interval" in text


def test_describe_follows_the_both_ends_verdict_not_the_central_test(changes):
    """The understanding change among VCS respondents excludes zero at the central bases (+3 to
    +33) but not at the low bases: the sentence says it could be chance, never 'significant'."""
    label = "Understanding Co Production Better"
    survey = pd.concat(  # 004 § 4.1 chart: VCS 59% before, 77% after (approximated bases)
        [
            PUBLISHED_SURVEY,
            _survey(
                [
                    ("understanding", "understand_co_production", label, 1, "vcs", "pre", 0.59, None),
                    ("understanding", "understand_co_production", label, 1, "vcs", "post", 0.77, None),
                ]
            ),
        ]
    )
    changes = before_after_changes(survey, approximate_bases(PUBLISHED_RESPONDENTS))
    vcs = _judged(_row(changes, "understand_co_production", "vcs"))
    assert bool(vcs["significant"]) and not bool(vcs["clear_of_chance"])
    text = describe_change(vcs)
    assert "could be chance" in text and "not at every end of the base range" in text
    assert "significant" not in text
    for _, row in changes.iterrows():
        judged = _judged(row)
        text = describe_change(judged)
        at_centre_only = bool(row["significant"]) and not bool(judged["clear_of_chance"])
        assert ("not at every end of the base range" in text) == at_centre_only
        assert ("clear of chance:" in text) == bool(judged["clear_of_chance"])
