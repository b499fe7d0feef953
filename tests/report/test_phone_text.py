"""No two texts of a chart's phone variant overlap (lib/report/charts.py, figures.py).

Each phone figure is drawn with matplotlib's renderer and the window extents of its
visible texts (tick labels, annotations, headings, axis labels, legend entries) are
compared pairwise: at 390 px a heading drawn over a row's label hides both.
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import matplotlib.text
import pandas as pd
import pytest

from lib import report
from lib.report import chart_cache, charts, figures, pages


def overlapping_texts(fig) -> list[str]:
    """Every pair of visible, non-empty texts of ``fig`` whose boxes overlap (by more than
    a pixel each way), as one line each."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [
        t
        for t in fig.findobj(matplotlib.text.Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
    ]
    boxes = [(t.get_text(), t.get_window_extent(renderer).expanded(1, 1).padded(-1)) for t in texts]
    return [
        f"{a!r} overlaps {b!r}"
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
        if box_a.overlaps(box_b)
    ]


def _long_comparisons() -> pd.DataFrame:
    """Two groups with a heading long enough to wrap onto three lines and long item labels."""
    question = "Q3 How confident are you that co-production will help ... (scale 1-7)"
    items = ["Extend service reach", "Enhance the local authority's role as a partner in the area", "Deliver"]
    rows = []
    for sector in ("Children's centres", "Voluntary and community sector organisations"):
        for order, item in enumerate(items, start=1):
            rows.append(
                {
                    "question_label": question,
                    "item_label": item,
                    "item_order": order,
                    "sector_label": sector,
                    "change_pts": 5.0 * order,
                    "ci_low_pts": -10.0,
                    "ci_high_pts": 20.0,
                    "ci_low_pts_low_base": -15.0,
                    "ci_high_pts_low_base": 25.0,
                    "ci_low_pts_high_base": -9.0,
                    "ci_high_pts_high_base": 19.0,
                    "clear_of_chance": order == 2,
                }
            )
    return pd.DataFrame(rows)


def test_forest_plot_phone_headings_and_labels_do_not_overlap():
    fig = figures.forest_plot(_long_comparisons(), 2, phone=True)
    try:
        assert overlapping_texts(fig) == []
        assert any(t.get_text() == "Extend service reach: +5" for t in fig.axes[0].texts)
    finally:
        plt.close(fig)


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return report.load_workbook(evaluation_build.processed)


def test_no_chart_on_the_programme_page_has_overlapping_text_on_a_phone(wb, monkeypatch):
    """Every chart the programme page draws, in the phone variant the page shows."""
    problems: list[str] = []
    drawn: list[int] = []

    def check(draw, fig, phone=None):
        fig, phone = chart_cache.built(fig), chart_cache.built(phone)
        if phone is None:
            charts.phone_layout(fig)
            phone = fig
        else:
            plt.close(fig)
        problems.extend(overlapping_texts(phone))
        drawn.append(1)
        plt.close(phone)
        return (("data:image/png;base64,", 12.0), ("data:image/png;base64,", 12.0))

    monkeypatch.setattr(chart_cache, "images", check)
    pages.PROGRAMME_PAGE.render(wb)
    assert len(drawn) >= 5
    assert problems == []
