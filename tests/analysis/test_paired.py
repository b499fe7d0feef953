"""The paired-difference interval (Newcombe 1998, Stat Med 17:2635-2650, method 10)."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from lib.analysis.paired import corrected_phi, paired_difference, wilson_bounds


def test_published_example_bentur_airway_table():
    # Bentur et al. (2009) airway hyper-responsiveness before/after stem cell
    # transplantation, the worked example of Fagerland, Lydersen & Laake (2014,
    # Stat Med 33:2850-2875, "Recommended tests and confidence intervals for
    # paired binomial proportions"; also their book "Statistical Analysis of
    # Contingency Tables", 2017, ch. 8, and R's contingencytables::bentur_2009):
    # both = 1, before only = 1, after only = 7, neither = 12 (n = 21); their
    # Newcombe square-and-add interval (method 10) for before - after is
    # -0.507 to -0.026, i.e. 0.026 to 0.507 for after - before.
    # NOTE: these two published figures were quoted from memory of that table
    # (the paper could not be fetched offline); check them against the print.
    change, low, high = paired_difference(1, 1, 7, 12)
    assert float(change) == pytest.approx(6 / 21)
    assert round(float(low), 3) == 0.026
    assert round(float(high), 3) == 0.507


def test_against_the_formula_step_by_step():
    # An independent route to the same interval: statsmodels' Wilson limits and
    # the paper's equations written out by hand.
    a, b, c, d = 12, 3, 9, 16
    n = a + b + c + d
    p_after, p_before = (a + c) / n, (a + b) / n
    l_after, u_after = proportion_confint(a + c, n, method="wilson")
    l_before, u_before = proportion_confint(a + b, n, method="wilson")
    cross = a * d - b * c  # 165 > n/2 = 20
    phi = (cross - n / 2) / np.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    delta = p_after - p_before
    low = delta - np.sqrt(
        (p_after - l_after) ** 2
        - 2 * phi * (p_after - l_after) * (u_before - p_before)
        + (u_before - p_before) ** 2
    )
    high = delta + np.sqrt(
        (p_before - l_before) ** 2
        - 2 * phi * (p_before - l_before) * (u_after - p_after)
        + (u_after - p_after) ** 2
    )
    got = paired_difference(a, b, c, d)
    assert np.allclose([float(x) for x in got], [delta, low, high], atol=1e-12)


def test_phi_correction_rules():
    # B = ad - bc; C = B - n/2 if B > n/2; 0 if 0 <= B <= n/2; B if B < 0.
    assert float(corrected_phi(5, 5, 5, 5)) == 0.0  # B = 0
    assert float(corrected_phi(3, 2, 2, 3)) == 0.0  # B = 5 <= n/2 = 5
    assert float(corrected_phi(2, 5, 5, 2)) == pytest.approx(-21 / np.sqrt(7**4))
    assert float(corrected_phi(10, 0, 0, 0)) == 0.0  # an empty margin


def test_zero_correlation_equals_independent_newcombe():
    # With phi = 0 the interval is Newcombe's independent-samples method 10 for
    # two samples of size n (statsmodels' implementation, an independent one).
    a, b, c, d = 3, 2, 2, 3  # B = 5 = n/2 -> phi = 0
    change, low, high = paired_difference(a, b, c, d)
    n = a + b + c + d
    ind_low, ind_high = confint_proportions_2indep(a + c, n, a + b, n, method="newcomb", compare="diff")
    assert float(low) == pytest.approx(ind_low) and float(high) == pytest.approx(ind_high)


def test_positive_correlation_narrows_the_interval():
    paired = paired_difference(40, 5, 15, 40)
    independent = confint_proportions_2indep(55, 100, 45, 100, method="newcomb", compare="diff")
    assert float(paired[2] - paired[1]) < independent[1] - independent[0]


def test_vectorised_and_bounded():
    both, before, after, neither = (
        np.array([0, 0, 30]),
        np.array([0, 10, 0]),
        np.array([10, 0, 0]),
        np.array([0, 0, 0]),
    )
    change, low, high = paired_difference(both, before, after, neither)
    assert change.tolist() == [1.0, -1.0, 0.0]
    assert (low >= -1).all() and (high <= 1).all() and (low <= change).all() and (change <= high).all()


def test_wilson_bounds_match_statsmodels():
    low, high = wilson_bounds(np.array([0, 7, 20]), np.array([20, 20, 20]))
    for k, lo, hi in zip([0, 7, 20], low, high, strict=False):
        ref = proportion_confint(k, 20, method="wilson")
        assert lo == pytest.approx(max(0, ref[0])) and hi == pytest.approx(min(1, ref[1]))


@pytest.mark.parametrize("args", [(-1, 0, 0, 1), (0, 0, 0, 0), (1.5, 0, 0, 1)])
def test_invalid_tables_rejected(args):
    with pytest.raises(ValueError):
        paired_difference(*args)


def test_published_example_cavo_complete_response():
    """Newcombe's square-and-add (method 10) interval for paired proportions,
    as published in Fagerland, Lydersen & Laake (2017), *Statistical Analysis
    of Contingency Tables*, chapter 8: complete response before and after
    consolidation therapy (Cavo et al., 2012), n11=59, n12=6, n21=16, n22=80,
    estimate -0.0621 (95% CI -0.1186 to -0.0046). The same figures are the
    expected output in the authors' R package (contingencytables,
    tests/testthat/test-ch8.R). The book's estimate is p1 - p2 = (n12 - n21) / N;
    ours is after - before, so its first margin is our 'after': both=59,
    after_only=n12=6, before_only=n21=16, neither=80.
    """
    change, low, high = paired_difference(59, 16, 6, 80)
    assert round(float(change), 4) == -0.0621
    assert round(float(low), 4) == -0.1186
    assert round(float(high), 4) == -0.0046
