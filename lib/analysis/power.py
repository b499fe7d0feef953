"""What a survey comparison could detect: the minimum detectable difference
between two independent proportions at given bases, and the base needed for
a given change.

The normal-approximation test of two proportions (two-sided level ``alpha``,
power ``1 - beta``), with the pooled share under no difference and each
share's own variance under the alternative (Fleiss, Levin and Paik,
*Statistical Methods for Rates and Proportions*, 3rd ed. 2003, section 4.2,
without continuity correction). For a baseline share ``p1`` on ``n1`` people
and a later share ``p2`` on ``n2``, the smallest detectable ``|p2 - p1|`` solves

    |p2 - p1| = z(1 - alpha/2) * sqrt(pbar (1 - pbar) (1/n1 + 1/n2))
                + z(1 - beta) * sqrt(p1 (1 - p1)/n1 + p2 (1 - p2)/n2)

with ``pbar = (n1 p1 + n2 p2) / (n1 + n2)``. This is the calculation of
``statsmodels.stats.proportion.power_proportions_2indep`` (the tests check it
there) and, up to the arcsine transformation, of ``NormalIndPower`` with
Cohen's h (the tests check the two agree within a point).
"""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.stats import norm

from lib.analysis.paired import two_sided_z

ALPHA = 0.05
POWER = 0.80


def _z_values(alpha: float, power: float) -> tuple[float, float]:
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha and power must be in (0, 1), got {alpha!r} and {power!r}")
    return two_sided_z(alpha), float(norm.ppf(power))


def _check(p1: float, *bases: float) -> None:
    if not 0 < p1 < 1:
        raise ValueError(f"the baseline share must be strictly between 0 and 1, got {p1!r}")
    if any(not n > 0 for n in bases):
        raise ValueError(f"bases must be positive, got {bases!r}")


def _gap(p1: float, p2: float, n1: float, n2: float, z_a: float, z_b: float) -> float:
    """Detectable difference (the formula's right side) minus the actual one."""
    pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
    null = z_a * math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    alternative = z_b * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return null + alternative - abs(p2 - p1)


def minimum_detectable_difference(
    p1: float, n1: float, n2: float, alpha: float = ALPHA, power: float = POWER, rise: bool = True
) -> float:
    """The smallest change from ``p1`` (on ``n1``) that a two-sided test at
    ``alpha`` detects with ``power`` at base ``n2``: a rise (``rise``) or a fall,
    as a proportion (0.12 = 12 points). ``nan`` when no change within [0, 1]
    can be detected at these bases."""
    _check(p1, n1, n2)
    z_a, z_b = _z_values(alpha, power)
    limit = (1 - p1) if rise else p1
    sign = 1 if rise else -1
    gap = lambda d: _gap(p1, p1 + sign * d, n1, n2, z_a, z_b)  # noqa: E731
    if gap(limit) > 0:
        return math.nan
    return float(brentq(gap, 1e-12, limit, xtol=1e-12))


def base_for_difference(
    p1: float, difference: float = 0.10, alpha: float = ALPHA, power: float = POWER, ratio: float = 1.0
) -> int:
    """People needed in the first group (``ratio`` times as many in the second)
    to detect a change of ``difference`` from ``p1``, rounded up."""
    _check(p1, ratio)
    p2 = p1 + difference
    if not 0 < p2 < 1 or difference == 0:
        raise ValueError(f"p1 + difference must be strictly between 0 and 1 and differ from p1, got {p2!r}")
    z_a, z_b = _z_values(alpha, power)
    pbar = (p1 + ratio * p2) / (1 + ratio)
    null = z_a * math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
    alternative = z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio)
    return math.ceil(((null + alternative) / difference) ** 2 - 1e-9)
