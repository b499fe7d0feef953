"""Difference in differences of shares, checked against an independent
implementation: least squares on respondent-level 0/1 answers with a
group x phase interaction and robust (HC0) standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from _design_rows import did_shares
from scipy.stats import norm

from lib.analysis import did


def respondents(cells: dict[tuple[int, int], tuple[int, int]]) -> pd.DataFrame:
    """One row per respondent: (group, after) -> (confident, base)."""
    rows = []
    for (group, after), (k, n) in cells.items():
        rows += [(group, after, 1)] * k + [(group, after, 0)] * (n - k)
    return pd.DataFrame(rows, columns=["participant", "after", "confident"])


@pytest.mark.parametrize(
    "cells",
    [
        {(1, 0): (40, 100), (1, 1): (62, 110), (0, 0): (35, 90), (0, 1): (41, 95)},
        {(1, 0): (12, 30), (1, 1): (25, 33), (0, 0): (200, 500), (0, 1): (230, 480)},
        {(1, 0): (5, 60), (1, 1): (4, 20), (0, 0): (9, 15), (0, 1): (30, 41)},
    ],
)
def test_did_matches_regression_with_robust_errors(cells):
    fit = smf.ols("confident ~ participant * after", data=respondents(cells)).fit(cov_type="HC0")
    low_ref, high_ref = fit.conf_int(alpha=0.05).loc["participant:after"]
    (kp0, np0), (kp1, np1), (kc0, nc0), (kc1, nc1) = (cells[k] for k in [(1, 0), (1, 1), (0, 0), (0, 1)])
    estimate, low, high = did_shares(kp0, np0, kp1, np1, kc0, nc0, kc1, nc1)
    assert estimate == pytest.approx(fit.params["participant:after"], abs=1e-12)
    assert (low, high) == pytest.approx((low_ref, high_ref), abs=1e-9)


def test_worked_example_by_hand():
    # Participants 40% -> 60% (n = 100 each), comparison 40% -> 45% (n = 100 each): DiD = 15 points,
    # variance = (.24 + .24 + .24 + .2475) / 100 = .009675, half-width 1.959964 * .098362 = .192785.
    estimate, low, high = did_shares(40, 100, 60, 100, 40, 100, 45, 100)
    assert estimate == pytest.approx(0.15)
    assert (low, high) == pytest.approx((0.15 - 0.192785, 0.15 + 0.192785), abs=1e-6)


def test_linked_change_variance_is_the_paired_variance():
    rng = np.random.default_rng(4)
    before = rng.random(80) < 0.4
    after = np.where(rng.random(80) < 0.7, before, rng.random(80) < 0.6)
    diff = after.astype(float) - before.astype(float)
    table = [
        (before & after).sum(),
        (before & ~after).sum(),
        (~before & after).sum(),
        (~before & ~after).sum(),
    ]
    change = did.linked_change(*table)
    assert change.change == pytest.approx(diff.mean())
    assert change.variance == pytest.approx(diff.var(ddof=0) / len(diff))
    comparison = did.unlinked_change(30, 90, 33, 85)
    estimate, low, high = did.difference_in_differences(change, comparison)
    half = norm.ppf(0.975) * np.sqrt(change.variance + comparison.variance)
    assert (estimate, low, high) == pytest.approx(
        (diff.mean() - (33 / 85 - 30 / 90), estimate - half, estimate + half)
    )


def test_vectorised_and_refuses_impossible_counts():
    estimate, low, high = did_shares(
        [40, 10], [100, 20], [60, 12], [100, 20], [40, 5], [100, 20], [45, 5], [100, 20]
    )
    assert estimate.shape == (2,) and np.all(low < estimate) and np.all(estimate < high)
    with pytest.raises(ValueError):
        did_shares(5, 4, 1, 2, 1, 2, 1, 2)
