"""Cohen's kappa against a published worked example and statsmodels' implementation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa

from lib.analysis import kappa


def _pairs(table: list[list[int]]) -> tuple[list[int], list[int]]:
    """Two coders' codes from a cross-table (rows: first coder, columns: second)."""
    first, second = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            first += [i] * count
            second += [j] * count
    return first, second


def test_worked_example_yes_no():
    # The worked example of the Wikipedia article "Cohen's kappa": 50 grant proposals read by
    # two readers; both yes 20, A yes B no 5, A no B yes 10, both no 15. It states p_o = 0.7,
    # p_e = 0.5 and kappa = 0.4.
    first, second = _pairs([[20, 5], [10, 15]])
    found = kappa.cohens_kappa(first, second)
    assert (found.n, round(found.observed, 10), round(found.expected, 10)) == (50, 0.7, 0.5)
    assert found.kappa == pytest.approx(0.4, abs=1e-12)
    assert kappa.kappa_2x2(20, 5, 10, 15).kappa == pytest.approx(0.4, abs=1e-12)


@pytest.mark.parametrize(
    "table",
    [
        [[88, 14, 18], [10, 40, 10], [2, 6, 12]],  # three categories
        [[20, 5], [10, 15]],
        [[0, 3], [4, 0]],  # worse than chance
        [[12, 0], [0, 9]],  # full agreement
    ],
)
def test_matches_statsmodels_on_tables(table):
    found = kappa.cohens_kappa(*_pairs(table))
    assert found.kappa == pytest.approx(sm_kappa(np.array(table)).kappa, abs=1e-12)


def test_matches_statsmodels_on_random_codings():
    rng = np.random.default_rng(3)
    for _ in range(60):
        n = int(rng.integers(5, 200))
        first = rng.random(n) < rng.uniform(0.1, 0.9)
        flip = rng.random(n) < rng.uniform(0.0, 0.5)
        second = np.where(flip, ~first, first)
        table = pd.crosstab(first, second).reindex(index=[True, False], columns=[True, False], fill_value=0)
        if table.sum(axis=0).min() == 0 and table.sum(axis=1).min() == 0:
            continue
        expected = sm_kappa(table.to_numpy()).kappa
        assert kappa.cohens_kappa(first, second).kappa == pytest.approx(expected, abs=1e-12)


def test_one_category_throughout_is_undefined_and_not_flagged():
    found = kappa.kappa_2x2(0, 0, 0, 9)
    assert math.isnan(found.kappa) and found.observed == 1.0
    table = kappa.theme_kappas(
        pd.DataFrame(
            {
                "theme": ["a", "b", "c"],
                "both_yes": [0, 20, 9],
                "first_only": [0, 5, 0],
                "second_only": [0, 10, 1],
                "both_no": [9, 15, 20],
            }
        )
    )
    assert table["low"].tolist() == [False, True, False]  # undefined (not flagged), 0.4, 0.93
    assert table["kappa"].iloc[1] == pytest.approx(0.4)


def test_unequal_lengths_and_empty_input_are_refused():
    with pytest.raises(ValueError, match="same items"):
        kappa.cohens_kappa([1, 0], [1])
    with pytest.raises(ValueError, match="at least one item"):
        kappa.cohens_kappa([], [])
