"""Change in a proportion between two answers of the same people (paired data).

When respondent references link a person's before and after answers, the
change in the share "confident" is a difference between *paired* proportions.
The interval used is Newcombe's hybrid score interval for paired data:

    Newcombe RG. Improved confidence intervals for the difference between
    binomial proportions based on paired data. Statistics in Medicine 1998;
    17: 2635-2650, method 10.

Each marginal proportion gets a Wilson score interval (the same interval as
``lib.analysis.uncertainty.wilson_interval``), and the two are combined
"square-and-add" with a correction for the correlation between the paired
answers, estimated by the continuity-corrected phi coefficient of the 2 x 2
table. With phi = 0 the interval is the independent-samples interval of
Newcombe (1998a, method 10) for two samples of the same size.

Notation (the paper's ``e, f, g, h``), for ``n`` linked people:

=========================  ==============  ================
                            after: yes      after: no
=========================  ==============  ================
before: yes                 ``both``        ``before_only``
before: no                  ``after_only``  ``neither``
=========================  ==============  ================

The change is ``after - before = (after_only - before_only) / n``; a positive
change is a rise. All functions are vectorised over numpy arrays, so one call
handles every authority x sector x item cell of a build.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def two_sided_z(alpha: float) -> float:
    """The normal quantile of a two-sided test or interval at level ``alpha`` (1.96 at 0.05)."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(norm.ppf(1 - alpha / 2))


def wilson_bounds(count, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (Newcombe 1998a, method 3), vectorised.

    Bounds are exactly 0 at ``count == 0`` and exactly 1 at ``count == n``.
    """
    count = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(n <= 0) or np.any(count < 0) or np.any(count > n):
        raise ValueError("each count must lie between 0 and its base n > 0")
    z = two_sided_z(alpha)
    p = count / n
    centre = (2 * n * p + z * z) / (2 * (n + z * z))
    half = z * np.sqrt(z * z + 4 * n * p * (1 - p)) / (2 * (n + z * z))
    low = np.where(count == 0, 0.0, np.maximum(0.0, centre - half))
    high = np.where(count == n, 1.0, np.minimum(1.0, centre + half))
    return low, high


def corrected_phi(both, before_only, after_only, neither) -> np.ndarray:
    """Newcombe's continuity-corrected phi for the paired 2 x 2 table.

    ``B = both * neither - before_only * after_only``; ``C = B - n/2`` when
    ``B > n/2``, ``0`` when ``0 <= B <= n/2`` and ``B`` when ``B < 0``;
    ``phi = C / sqrt(A)`` with ``A`` the product of the four margins, and
    ``phi = 0`` when a margin is empty (``A = 0``).
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (both, before_only, after_only, neither))
    n = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    corrected = np.where(cross > n / 2, cross - n / 2, np.where(cross < 0, cross, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(margins > 0, corrected / np.sqrt(np.where(margins > 0, margins, 1.0)), 0.0)
    return phi


def paired_difference(
    both, before_only, after_only, neither, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Change ``after - before`` in a paired proportion with its interval.

    Newcombe (1998b), method 10. Arguments may be scalars or equal-length
    arrays of whole counts; returns ``(change, lower, upper)`` as float
    arrays (0-d for scalar input).

    Raises ValueError for negative counts or a table with no people.
    """
    a, b, c, d = (np.asarray(x) for x in (both, before_only, after_only, neither))
    for name, x in zip(("both", "before_only", "after_only", "neither"), (a, b, c, d), strict=False):
        if np.any(x < 0) or np.any(np.asarray(x, dtype=float) % 1 != 0):
            raise ValueError(f"{name} must be whole counts >= 0")
    n = (a + b + c + d).astype(float)
    if np.any(n <= 0):
        raise ValueError("a paired table needs at least one person")
    after = (a + c) / n
    before = (a + b) / n
    l_after, u_after = wilson_bounds(a + c, n, alpha)
    l_before, u_before = wilson_bounds(a + b, n, alpha)
    phi = corrected_phi(a, b, c, d)
    change = after - before
    # Newcombe's theta = p1 - p2 with p1 = after and p2 = before:
    # L = theta - sqrt((p1-l1)^2 - 2 phi (p1-l1)(u2-p2) + (u2-p2)^2), U likewise.
    lo_term = (
        (after - l_after) ** 2 - 2 * phi * (after - l_after) * (u_before - before) + (u_before - before) ** 2
    )
    hi_term = (
        (before - l_before) ** 2 - 2 * phi * (before - l_before) * (u_after - after) + (u_after - after) ** 2
    )
    lower = np.maximum(-1.0, change - np.sqrt(np.maximum(lo_term, 0.0)))
    upper = np.minimum(1.0, change + np.sqrt(np.maximum(hi_term, 0.0)))
    return change, lower, upper
