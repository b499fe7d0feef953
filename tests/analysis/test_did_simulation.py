"""Simulation: the difference-in-differences interval covers a known true
effect at its stated rate, and finds no effect where there is none.

Each data set is respondent-level: answers on the programme's 1-7 scale for
programme participants and a comparison group, before and after, counted
"confident" at the definition's cut-point. The true shares are fixed, so the
true difference in differences is known.

Tolerances. With 200 data sets the Monte Carlo standard error of a 95%
coverage rate is sqrt(.95 x .05 / 200) = 1.5 points and of a 5% false-positive
rate also 1.5 points. Coverage is held to 93-97% (the requirement), the
false-positive rate to 2-8% (two standard errors either side of 5%, so a
doubled rate of 10% fails). Those bands cannot tell a slightly miscalibrated
interval from a correct one, so a second check draws 20,000 data sets of
counts (vectorised, a fraction of a second) and holds coverage to 95 +- 1
points (three standard errors of 0.15 points, plus the Wald interval's own
small-sample shortfall).
"""

from __future__ import annotations

import numpy as np
import pytest
from _design_rows import did_shares

from lib.analysis import did
from lib.sources import response_format as fmt

N = 150  # respondents per group and phase
TRUE = {"participant": (0.40, 0.55), "comparison": (0.42, 0.47)}  # true DiD = 0.10
NULL = {"participant": (0.40, 0.45), "comparison": (0.42, 0.47)}  # true DiD = 0
DATA_SETS = 200


def answers(rng, share: float, n: int, cut: int, low: int = 1, high: int = 7) -> np.ndarray:
    """``n`` answers on the scale, each at or above ``cut`` with probability ``share``."""
    confident = rng.random(n) < share
    return np.where(confident, rng.integers(cut, high + 1, n), rng.integers(low, cut, n))


def one_data_set(seed: int, shares: dict, linked: bool):
    """Estimate and interval from one seeded data set."""
    rng = np.random.default_rng(seed)
    cut = fmt.confident_from()
    changes = []
    for group in ("participant", "comparison"):
        before, after = shares[group]
        pre = answers(rng, before, N, cut)
        if linked:  # the same people: about half keep their before answer
            keep = rng.random(N) < 0.5
            fresh = answers(rng, (after - 0.5 * before) / 0.5, N, cut)
            post = np.where(keep, pre, fresh)
            a, b = pre >= cut, post >= cut
            changes.append(did.linked_change((a & b).sum(), (a & ~b).sum(), (~a & b).sum(), (~a & ~b).sum()))
        else:
            post = answers(rng, after, N, cut)
            changes.append(did.unlinked_change((pre >= cut).sum(), N, (post >= cut).sum(), N))
    return did.difference_in_differences(*changes)


def rates(shares: dict, linked: bool) -> tuple[float, float]:
    """(coverage of the true DiD, share of intervals excluding zero) over the seeded data sets."""
    truth = (shares["participant"][1] - shares["participant"][0]) - (
        shares["comparison"][1] - shares["comparison"][0]
    )
    results = np.array([one_data_set(seed, shares, linked)[1:] for seed in range(DATA_SETS)])
    low, high = results[:, 0], results[:, 1]
    covered = (low <= truth) & (truth <= high)
    return float(covered.mean()), float(((low > 0) | (high < 0)).mean())


@pytest.mark.parametrize("linked", [False, True], ids=["unlinked", "linked"])
def test_interval_covers_the_true_effect(linked):
    coverage, _ = rates(TRUE, linked)
    assert 0.93 <= coverage <= 0.97, coverage


@pytest.mark.parametrize("linked", [False, True], ids=["unlinked", "linked"])
def test_no_effect_keeps_false_positives_near_five_percent(linked):
    coverage, false_positive = rates(NULL, linked)
    assert 0.02 <= false_positive <= 0.08, false_positive
    assert coverage == pytest.approx(1 - false_positive)


def test_coverage_over_many_data_sets_is_95_percent():
    rng = np.random.default_rng(2026)
    draws = 20_000
    (p0, p1), (c0, c1) = TRUE["participant"], TRUE["comparison"]
    k = [rng.binomial(N, p, draws) for p in (p0, p1, c0, c1)]
    estimate, low, high = did_shares(k[0], N, k[1], N, k[2], N, k[3], N)
    truth = (p1 - p0) - (c1 - c0)
    assert estimate.mean() == pytest.approx(truth, abs=0.002)
    assert ((low <= truth) & (truth <= high)).mean() == pytest.approx(0.95, abs=0.01)
