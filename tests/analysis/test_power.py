"""Minimum detectable differences and bases, checked against statsmodels."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    power_proportions_2indep,
    proportion_effectsize,
    samplesize_proportions_2indep_onetail,
)

from lib.analysis import power as pw

CASES = [(0.5, 50, 50), (0.5, 100, 100), (0.4, 200, 150), (0.3, 400, 400), (0.6, 30, 45), (0.5, 1000, 1000)]


@pytest.mark.parametrize("p1, n1, n2", CASES)
def test_mdd_has_80_percent_power_in_statsmodels(p1, n1, n2):
    d = pw.minimum_detectable_difference(p1, n1, n2)
    # statsmodels: diff = prop1 - prop2 with prop1 on nobs1 (here the later share on n2).
    result = power_proportions_2indep(d, p1, n2, ratio=n1 / n2, alpha=0.05, alternative="two-sided")
    assert result.power == pytest.approx(0.80, abs=1e-4)  # the far tail adds < 1e-4
    fall = pw.minimum_detectable_difference(p1, n1, n2, rise=False)
    result = power_proportions_2indep(-fall, p1, n2, ratio=n1 / n2, alpha=0.05, alternative="two-sided")
    assert result.power == pytest.approx(0.80, abs=1e-4)


@pytest.mark.parametrize("p1, n1, n2", CASES)
def test_arcsine_mdd_matches_normal_ind_power(p1, n1, n2):
    h = NormalIndPower().solve_power(nobs1=n1, ratio=n2 / n1, alpha=0.05, power=0.80)
    p2 = math.sin(math.asin(math.sqrt(p1)) + h / 2) ** 2
    assert proportion_effectsize(p2, p1) == pytest.approx(h, abs=1e-9)
    # The two approximations agree to within a point at these bases.
    assert pw.minimum_detectable_difference(p1, n1, n2) == pytest.approx(p2 - p1, abs=0.01)


def test_known_values():
    # 100 per group around a half: about 19 points (the textbook rule of thumb 2.8 * sqrt(2 * 0.25 / 100) = 19.8).
    assert round(pw.minimum_detectable_difference(0.5, 100, 100), 3) == 0.193
    assert math.isnan(pw.minimum_detectable_difference(0.9, 5, 5))  # no change within [0, 1] is detectable


@pytest.mark.parametrize("p1", [0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
def test_base_for_a_ten_point_change(p1):
    n = pw.base_for_difference(p1, 0.10)
    reference = samplesize_proportions_2indep_onetail(
        0.10, p1, 0.80, ratio=1, alpha=0.05, alternative="two-sided"
    )
    assert n == math.ceil(reference)
    assert power_proportions_2indep(0.10, p1, n, ratio=1, alpha=0.05).power >= 0.80
    assert power_proportions_2indep(0.10, p1, n - 1, ratio=1, alpha=0.05).power < 0.80
    arcsine = NormalIndPower().solve_power(
        proportion_effectsize(p1 + 0.1, p1), alpha=0.05, power=0.8, ratio=1
    )
    assert abs(n - arcsine) < 5


def test_unequal_groups_and_bad_input():
    n = pw.base_for_difference(0.4, 0.10, ratio=2.0)
    assert samplesize_proportions_2indep_onetail(0.10, 0.4, 0.8, ratio=0.5, alpha=0.05) == pytest.approx(
        2 * n, abs=2
    )
    with pytest.raises(ValueError):
        pw.minimum_detectable_difference(0.0, 10, 10)
    with pytest.raises(ValueError):
        pw.base_for_difference(0.95, 0.10)
