"""Difference in differences of shares: programme participants against a
comparison group, each measured before and after.

    DiD = (p_P1 - p_P0) - (p_C1 - p_C0)

The two groups are independent samples, so the variance of the DiD is the sum
of the variances of the two within-group changes. A within-group change from
two independent samples (unlinked respondents) has variance
``p0 (1 - p0) / n0 + p1 (1 - p1) / n1``; one from linked respondents (the
same people before and after) has the paired variance of a difference of
proportions, ``((b + c) - (c - b)^2 / n) / n^2`` for ``b`` people confident
before only and ``c`` after only among ``n`` pairs (the covariance of the two
answers enters through ``b`` and ``c``). The interval is the normal (Wald)
interval ``DiD +- z(1 - alpha/2) * sqrt(variance)``.

The estimate reads as the programme's effect only under parallel trends:
without the programme, the participants' share would have changed as the
comparison group's did. The groups' shares before are the evidence readers
should see beside it.

An ordinary least-squares regression of each respondent's 0/1 answer on group,
phase and their interaction, with heteroskedasticity-robust (HC0) standard
errors, gives the same estimate and interval for four independent samples; the
tests check the functions there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.analysis.paired import two_sided_z


@dataclass(frozen=True)
class Change:
    """A within-group change in a share and its variance."""

    change: float
    variance: float


def _share(count, n) -> tuple[np.ndarray, np.ndarray]:
    count, n = np.asarray(count, dtype=float), np.asarray(n, dtype=float)
    if np.any(n <= 0) or np.any(count < 0) or np.any(count > n):
        raise ValueError("each count must lie between 0 and its base n > 0")
    return count / n, n


def unlinked_change(k0, n0, k1, n1) -> Change:
    """The change from ``k0`` of ``n0`` to ``k1`` of ``n1`` (independent samples)."""
    p0, n0 = _share(k0, n0)
    p1, n1 = _share(k1, n1)
    return Change(p1 - p0, p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)


def linked_change(both, before_only, after_only, neither) -> Change:
    """The change among linked people (after - before) from their 2 x 2 table."""
    b, c = np.asarray(before_only, dtype=float), np.asarray(after_only, dtype=float)
    n = np.asarray(both, dtype=float) + b + c + np.asarray(neither, dtype=float)
    if np.any(n <= 0):
        raise ValueError("a paired table needs at least one pair")
    return Change((c - b) / n, ((b + c) - (c - b) ** 2 / n) / n**2)


def difference_in_differences(
    participants: Change, comparison: Change, alpha: float = 0.05
) -> tuple[float, float, float]:
    """(estimate, low, high): the participants' change minus the comparison
    group's, with its ``1 - alpha`` interval (variance sum); floats for single
    values, arrays for arrays."""
    estimate = np.asarray(participants.change - comparison.change, dtype=float)
    half = two_sided_z(alpha) * np.sqrt(np.asarray(participants.variance + comparison.variance, dtype=float))
    if estimate.ndim == 0:
        return float(estimate), float(estimate - half), float(estimate + half)
    return estimate, estimate - half, estimate + half
