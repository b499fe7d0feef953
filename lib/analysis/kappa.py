"""Agreement between two coders: Cohen's kappa (Cohen 1960).

Two evaluators code the same free-text answers against the programme's
themes. For one theme each coder says, for each answer, whether the theme
applies; kappa is the observed agreement corrected for the agreement the two
coders' own rates would give by chance:

    kappa = (p_o - p_e) / (1 - p_e)

where ``p_o`` is the share of answers the coders agree on and ``p_e`` the sum
over categories of the product of the two coders' shares in that category.
:func:`cohens_kappa` takes any nominal categories; :func:`theme_kappas`
applies it to each theme of a coding frame, from the cross-tables the build
writes (``free_text_agreement.csv``).

Agreement below :data:`LOW_KAPPA` (0.6) is flagged: on the Landis and Koch
(1977) scale it is at most "moderate", and a theme coded that unreliably
should be reviewed before its share is relied on. When both coders give every
answer the same single category, kappa is undefined (``p_e = 1``): it is
returned as NaN, not flagged, and the agreement is still reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Kappa below this is flagged for review (Landis and Koch 1977: "substantial" from 0.61).
LOW_KAPPA = 0.6


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa for two coders over ``n`` items."""

    kappa: float  # NaN when chance agreement is 1 (one category only)
    observed: float  # p_o, the share of items the coders agree on
    expected: float  # p_e, the agreement expected by chance from the coders' own rates
    n: int


def cohens_kappa(first: Sequence, second: Sequence) -> Kappa:
    """Cohen's kappa for two equal-length sequences of nominal codes.

    >>> round(cohens_kappa(["y"] * 20 + ["y"] * 5 + ["n"] * 10 + ["n"] * 15,
    ...                    ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15).kappa, 3)
    0.4
    """
    a, b = np.asarray(list(first), dtype=object), np.asarray(list(second), dtype=object)
    if len(a) != len(b):
        raise ValueError(f"the two coders must code the same items (got {len(a)} and {len(b)} codes)")
    if len(a) == 0:
        raise ValueError("at least one item coded by both coders is needed")
    categories = sorted(set(a.tolist()) | set(b.tolist()), key=str)
    observed = float(np.mean(a == b))
    expected = float(sum(np.mean(a == c) * np.mean(b == c) for c in categories))
    kappa = float("nan") if expected >= 1.0 else (observed - expected) / (1.0 - expected)
    return Kappa(kappa, observed, expected, len(a))


def kappa_2x2(both_yes: int, first_only: int, second_only: int, both_no: int) -> Kappa:
    """Cohen's kappa of a yes/no code from the two coders' cross-table."""
    n = both_yes + first_only + second_only + both_no
    if n == 0:
        return Kappa(float("nan"), float("nan"), float("nan"), 0)
    first = [True] * both_yes + [True] * first_only + [False] * second_only + [False] * both_no
    second = [True] * both_yes + [False] * first_only + [True] * second_only + [False] * both_no
    return cohens_kappa(first, second)


def theme_kappas(agreement: pd.DataFrame) -> pd.DataFrame:
    """``agreement`` (one row per coder pair x theme with the cross-table counts
    ``both_yes, first_only, second_only, both_no``) plus ``observed``,
    ``expected``, ``kappa`` and ``low`` (kappa below :data:`LOW_KAPPA`; an
    undefined kappa, one category used throughout by both, is not flagged)."""
    out = agreement.copy()
    found = [
        kappa_2x2(int(r.both_yes), int(r.first_only), int(r.second_only), int(r.both_no))
        for r in agreement.itertuples(index=False)
    ]
    out["observed"] = [k.observed for k in found]
    out["expected"] = [k.expected for k in found]
    out["kappa"] = [k.kappa for k in found]
    out["low"] = [bool(k.n > 0 and k.kappa < LOW_KAPPA) for k in found]
    return out
