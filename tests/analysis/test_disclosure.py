"""Tests for lib/analysis/disclosure.py against hand-made tables.

Every expected mask below was worked out by hand from the rule: hide counts
below the threshold, then, in any row or column with a shown total that has
exactly one hidden cell, hide its smallest shown cell; repeat until stable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analysis.disclosure import (
    DEFAULT_THRESHOLD,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SUPPRESSED,
    THRESHOLD_ENV_VAR,
    disclosure_threshold,
    suppress_long_table,
    suppress_wide_table,
)


@pytest.fixture(autouse=True)
def _no_threshold_env(monkeypatch):
    monkeypatch.delenv(THRESHOLD_ENV_VAR, raising=False)


def _hidden(result) -> set[tuple[str, str]]:
    mask = result.mask
    return {(row, col) for row in mask.index for col in mask.columns if mask.at[row, col]}


def _assert_no_line_with_one_hidden(result, rows=True, cols=True):
    mask = result.mask
    if rows:
        assert all(mask.loc[row].sum() != 1 for row in mask.index)
    if cols:
        assert all(mask[col].sum() != 1 for col in mask.columns)


# ------------------------------------------------------------- threshold


def test_default_threshold_is_ten():
    assert DEFAULT_THRESHOLD == 10
    assert disclosure_threshold() == 10


def test_threshold_from_argument_and_environment(monkeypatch):
    monkeypatch.setenv(THRESHOLD_ENV_VAR, "20")
    assert disclosure_threshold() == 20
    assert disclosure_threshold(5) == 5  # the argument wins
    monkeypatch.setenv(THRESHOLD_ENV_VAR, "ten")
    with pytest.raises(ValueError, match=THRESHOLD_ENV_VAR):
        disclosure_threshold()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_threshold_raises(bad):
    with pytest.raises(ValueError, match="threshold"):
        disclosure_threshold(bad)


# ------------------------------------------------------------- long tables

LONG = pd.DataFrame(
    {
        "item": ["a", "b", "c", "d", "e", "f"],
        "value": [0.56, 0.81, 0.40, np.nan, 0.10, 0.0],
        "base_n": [154, 9, 10, 50, np.nan, 30],
        "not_applicable": [False, False, False, False, False, True],
    }
)


def test_long_primary_suppression_by_base():
    result = suppress_long_table(LONG, not_applicable_col="not_applicable")
    assert list(result.display) == ["56%", SUPPRESSED, "40%", NOT_AVAILABLE, "10%", NOT_APPLICABLE]
    assert list(result.mask) == [False, True, False, False, False, False]
    assert result.mask.equals(result.primary)
    assert not result.secondary.any()


def test_long_unknown_base_can_be_suppressed():
    result = suppress_long_table(LONG, suppress_unknown_base=True, not_applicable_col="not_applicable")
    assert list(result.mask) == [False, True, False, False, True, False]


def test_long_threshold_change():
    lower = suppress_long_table(LONG, threshold=5)
    higher = suppress_long_table(LONG, threshold=11)
    assert list(lower.mask) == [False] * 6
    assert list(higher.mask) == [False, True, True, False, False, False]


def test_long_counts():
    counts = pd.DataFrame({"value": [3, 10, 25, np.nan]})
    result = suppress_long_table(counts, kind="count")
    assert list(result.display) == [SUPPRESSED, "10", "25", NOT_AVAILABLE]
    assert list(result.mask) == [True, False, False, False]


def test_long_rejects_unknown_kind_and_missing_base():
    with pytest.raises(ValueError, match="kind"):
        suppress_long_table(LONG, kind="rate")
    with pytest.raises(ValueError, match="base_n"):
        suppress_long_table(LONG.drop(columns="base_n"))


# ------------------------------------------------------------- wide tables


def test_wide_secondary_in_a_row():
    table = pd.DataFrame({"X": [5, 40], "Y": [20, 12], "Z": [30, 50], "Total": [55, 102]}, index=["A", "B"])
    result = suppress_wide_table(table, total_row=None)
    # row A: X=5 hidden; its smallest shown cell is Y=20
    assert _hidden(result) == {("A", "X"), ("A", "Y")}
    assert result.primary.loc["A", "X"] and result.secondary.loc["A", "Y"]
    assert result.display.loc["A"].tolist() == [SUPPRESSED, SUPPRESSED, "30", "55"]
    assert result.display.loc["B"].tolist() == ["40", "12", "50", "102"]


def test_wide_secondary_in_a_column():
    table = pd.DataFrame({"X": [5, 40, 30, 75], "Y": [20, 12, 25, 57]}, index=["A", "B", "C", "Total"])
    result = suppress_wide_table(table, total_col=None)
    # column X: A=5 hidden; smallest shown is C=30
    assert _hidden(result) == {("A", "X"), ("C", "X")}
    _assert_no_line_with_one_hidden(result, rows=False)


def test_wide_two_primaries_in_a_line_need_no_secondary():
    table = pd.DataFrame({"X": [5], "Y": [6], "Z": [30], "Total": [41]}, index=["A"])
    result = suppress_wide_table(table, total_row=None)
    assert _hidden(result) == {("A", "X"), ("A", "Y")}
    assert not result.secondary.any().any()


def test_wide_rows_and_columns_iterate_until_stable():
    table = pd.DataFrame(
        {
            "X": [5, 40, 30, 75],
            "Y": [20, 12, 25, 57],
            "Z": [30, 50, 11, 91],
            "Total": [55, 102, 66, 223],
        },
        index=["A", "B", "C", "Total"],
    )
    result = suppress_wide_table(table)
    # pass 1: row A -> A.Y; column X -> C.X; column Y -> B.Y
    # pass 2: row B -> B.X; row C -> C.Z; column Z -> A.Z; pass 3: stable
    assert _hidden(result) == {
        ("A", "X"),
        ("A", "Y"),
        ("C", "X"),
        ("B", "Y"),
        ("B", "X"),
        ("C", "Z"),
        ("A", "Z"),
    }
    assert _hidden(result) - {("A", "X")} == {
        (r, c) for r in table.index for c in table.columns if result.secondary.at[r, c]
    }
    _assert_no_line_with_one_hidden(result)
    # totals stay visible
    assert result.display["Total"].tolist() == ["55", "102", "66", "223"]


def test_wide_threshold_change_removes_suppression():
    table = pd.DataFrame({"X": [5, 40], "Y": [20, 12], "Total": [25, 52]}, index=["A", "B"])
    assert _hidden(suppress_wide_table(table, total_row=None, threshold=5)) == set()
    assert _hidden(suppress_wide_table(table, total_row=None, threshold=13)) == {
        ("A", "X"),
        ("A", "Y"),
        ("B", "Y"),
        ("B", "X"),
    }


def test_wide_z_and_x_are_shown_and_never_chosen_for_secondary():
    table = pd.DataFrame({"X": [5.0], "Y": [np.nan], "W": [0.0], "Z": [30.0], "Total": [35.0]}, index=["A"])
    not_applicable = pd.DataFrame(False, index=table.index, columns=table.columns)
    not_applicable.loc["A", "W"] = True
    result = suppress_wide_table(table, total_row=None, not_applicable=not_applicable)
    assert result.display.loc["A"].tolist() == [SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE, SUPPRESSED, "35"]
    assert _hidden(result) == {("A", "X"), ("A", "Z")}


def test_wide_small_total_is_hidden_with_a_partner():
    # a row total below the threshold is itself primary; the total column
    # (with the grand total) then needs a second hidden total
    table = pd.DataFrame(
        {"X": [4, 40, 44], "Y": [3, 30, 33], "Total": [7, 70, 77]}, index=["A", "B", "Total"]
    )
    result = suppress_wide_table(table)
    assert result.primary.loc["A"].tolist() == [True, True, True]
    _assert_no_line_with_one_hidden(result)
    assert ("B", "Total") in _hidden(result) or ("Total", "Total") in _hidden(result)


def test_wide_rejects_missing_total_label():
    table = pd.DataFrame({"X": [1]}, index=["A"])
    with pytest.raises(ValueError, match="total_row"):
        suppress_wide_table(table)
