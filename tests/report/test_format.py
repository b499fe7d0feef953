"""lib/report/format.py: the one interval formatter shows a bound that rounds to zero with the
decimals it needs, so an interval that excludes zero never reads as if it touched it."""

from __future__ import annotations

import pytest

from lib.analysis import results
from lib.report.format import interval_bound, points_interval


@pytest.mark.parametrize(
    ("low", "high", "printed"),
    [
        (0.002691911757, 0.3012, "+0.3 to +30"),  # was '0 to +30', an interval that excludes zero
        (-0.003, 0.2, "-0.3 to +20"),  # was '0 to +20', hiding that it includes zero
        (-0.30, -0.0041, "-30 to -0.4"),
        (0.00004, 0.1, "+0.004 to +10"),
        (0.0, 0.1, "0 to +10"),  # exactly zero stays 0
        (-0.11, 0.19, "-11 to +19"),
        (0.005, 0.2, "+0.5 to +20"),
    ],
)
def test_a_bound_that_would_read_zero_keeps_its_sign(low, high, printed):
    assert points_interval(low, high) == printed


def test_every_printed_interval_keeps_the_sign_of_its_bounds(evaluation_build):
    """On the real comparisons (VCS 'Allow the VCS culture to thrive' at the high base: 0.27 to
    30.3 points), each printed bound has the sign of the computed one, so a reader sees whether
    the interval excludes zero."""
    c = results.compute_results(evaluation_build.tables)["results_comparisons"]
    pairs = [("ci_low_pts", "ci_high_pts")] + [
        (f"ci_low_pts_{end}_base", f"ci_high_pts_{end}_base") for end in ("low", "high")
    ]
    seen = 0
    for low_col, high_col in pairs:
        for low, high in zip(c[low_col].dropna(), c[high_col].dropna(), strict=True):
            for value in (low, high):
                printed = float(interval_bound(value / 100))
                assert (printed > 0) == (value > 0) and (printed < 0) == (value < 0), (value, printed)
                seen += abs(value) < 0.5
    assert seen == 1
    row = c[c["comparison_id"] == "impacts:allow_culture_to_thrive:vcs"].iloc[0]
    assert (
        points_interval(row["ci_low_pts_high_base"] / 100, row["ci_high_pts_high_base"] / 100)
        == "+0.3 to +30"
    )
