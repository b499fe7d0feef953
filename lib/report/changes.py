"""The programme report's chart of every before/after change: a forest plot.

One row per comparison (question x item x sector), each change in percentage points
with its 95% interval at the central bases and the span of the intervals across the
base range, a zero line and the evaluation plan's "about the same" band.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.programme import wording
from lib.report import charts, figures
from lib.report.facts import direction_counts, results_comparisons
from lib.report.format import count_phrase, points_interval, signed_points
from lib.report.html import join, paragraph
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import Workbook


def tolerance_points(wb: Workbook) -> float | None:
    """The plan's "about the same" tolerance, in points (None where no plan gives one)."""
    return wb.programme.plan.decision_rules.tolerance_points


def forest_chart(comparisons: pd.DataFrame, tolerance: float | None) -> Markup:
    """The forest plot of ``comparisons`` (``results_comparisons`` columns) with its words
    and data table."""
    rows = figures.forest_rows(comparisons)
    clear = rows[rows["clear_of_chance"]]
    moved = direction_counts(rows)  # higher / about the same / lower under the plan's tolerance
    band = f"; grey band: about the same (within {tolerance:g} points)" if tolerance else ""
    chart = charts.Chart(
        title=(
            f"{len(clear)} of {len(rows)} before/after changes are clear of chance; "
            f"{moved['higher']} higher, {moved['about the same']} about the same and {moved['lower']} lower"
        ),
        subtitle=(
            f"Change after {wording('events')} in percentage points, with 95% interval at the central base "
            f"(dark line) and the intervals across the base range (wider, lighter bar){band}"
        ),
        alt=(
            f"Forest plot of {len(rows)} before/after changes. "
            + " ".join(
                f"{question}: "
                + " ".join(
                    f"{r['sector_label']}, {r['item_label']}: "
                    f"{signed_points(r['change_pts'] / 100)} points (95% interval "
                    f"{points_interval(r['ci_low_pts'] / 100, r['ci_high_pts'] / 100)})"
                    f"{', clear of chance' if r['clear_of_chance'] else ', could be chance'}."
                    for _, r in part.iterrows()
                )
                for question, part in rows.groupby("question_label", sort=False)
            )
        ),
        table=figures.forest_table(comparisons),
        table_caption="Every before/after change, percentage points, by question",
        table_groups=tuple(rows["question_label"]),
    )
    fig, phone = charts.variants(figures.forest_plot, comparisons, tolerance)
    return charts.figure_html(fig, chart, phone=phone)


@PROGRAMME_PAGE.headed("every-change")
def every_change(wb: Workbook) -> Markup:
    """Every before/after comparison on one chart."""
    comparisons = results_comparisons(wb)
    if comparisons.empty:
        return paragraph(
            "The survey publishes no before/after pair with a base, so no change can be charted."
        )
    n_clear = int(figures.forest_rows(comparisons)["clear_of_chance"].sum())
    return join(
        paragraph(
            f"Each row is one before/after comparison: {count_phrase(len(comparisons), 'comparison')}, "
            f"of which {n_clear} {'has an interval' if n_clear == 1 else 'have intervals'} clear of zero "
            "at every base in the range. A filled circle marks those; an open circle a change that "
            "could be chance. The wider, lighter bar shows how far the interval moves when the approximated "
            "sector bases are at their lowest and highest."
        ),
        forest_chart(comparisons, tolerance_points(wb)),
    )
