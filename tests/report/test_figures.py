"""The charts readers expect (lib/report/figures.py), the phone variant every chart gets
(lib/report/charts.py) and the forest plot's section (lib/report/changes.py).

Small frames with known numbers: the plotted artists must sit at those data
coordinates and the data tables must print the same numbers. The comparisons the
section reads are checked against statsmodels' Newcombe interval computed here.
"""

from __future__ import annotations

import base64
import html
import io
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from PIL import Image
from statsmodels.stats.proportion import confint_proportions_2indep

from lib import report
from lib.analysis import uncertainty
from lib.report import changes, charts, figures
from lib.report.charts import StatusStyle
from lib.report.facts import results_comparisons


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return report.load_workbook(evaluation_build.processed)


def _comparisons() -> pd.DataFrame:
    """Two comparisons of one question for one sector, and one for another sector."""
    return pd.DataFrame(
        {
            "question_label": ["Impacts", "Impacts", "Impacts"],
            "item_label": ["Reach", "Delivery", "Reach"],
            "item_order": [1, 2, 1],
            "sector_label": ["VCS", "VCS", "Children's centres"],
            "change_pts": [5.0, 14.0, -3.0],
            "ci_low_pts": [-10.0, 2.0, -20.0],
            "ci_high_pts": [20.0, 26.0, 14.0],
            "ci_low_pts_low_base": [-16.0, -3.0, -27.0],
            "ci_high_pts_low_base": [26.0, 31.0, 21.0],
            "ci_low_pts_high_base": [-9.0, 2.5, -19.0],
            "ci_high_pts_high_base": [19.0, 25.5, 13.0],
            "clear_of_chance": [False, True, False],
        }
    )


def _lines(fig, gid: str) -> list:
    return [line for line in fig.axes[0].get_lines() if line.get_gid() == gid]


def test_forest_plot_puts_each_marker_and_bar_at_its_data_coordinates():
    frame = _comparisons()
    fig = figures.forest_plot(frame, tolerance_points=2)
    rows = figures.forest_rows(frame)
    try:
        ys = dict(zip(rows["item_label"] + "/" + rows["sector_label"], rows["y"], strict=True))
        y = ys["Delivery/VCS"]
        (interval,) = [line for line in _lines(fig, "interval") if line.get_ydata()[0] == y]
        assert list(interval.get_xdata()) == [2.0, 26.0]
        (span,) = [line for line in _lines(fig, "base-range") if line.get_ydata()[0] == y]
        assert list(span.get_xdata()) == [-3.0, 31.0]  # the widest of the three intervals
        (clear,) = _lines(fig, "estimate-clear")
        assert (list(clear.get_xdata()), list(clear.get_ydata())) == ([14.0], [y])
        chance = {(line.get_xdata()[0], line.get_ydata()[0]) for line in _lines(fig, "estimate-chance")}
        assert chance == {(5.0, ys["Reach/VCS"]), (-3.0, ys["Reach/Children's centres"])}
        (zero,) = _lines(fig, "zero")
        assert list(zero.get_xdata()) == [0, 0]
        (band,) = [p for p in fig.axes[0].patches if p.get_gid() == "band"]
        assert (band.get_x(), band.get_x() + band.get_width()) == (-2, 2)
    finally:
        plt.close(fig)


def test_forest_plot_for_a_phone_puts_each_label_and_value_above_its_bar():
    fig = figures.forest_plot(_comparisons(), 2, phone=True)
    rows = figures.forest_rows(_comparisons(), phone=True)
    try:
        ax = fig.axes[0]
        assert not ax.get_yticks().size and fig.get_size_inches()[0] == pytest.approx(charts.PHONE_WIDTH_IN)
        labels = {t.get_text(): t.xy[1] for t in ax.texts}
        for _, r in rows.iterrows():
            (y,) = [y for text, y in labels.items() if text.startswith(r["item_label"]) and y == r["label_y"]]
            assert y > r["y"]
        assert "Delivery: +14" in labels and labels["Impacts: VCS"] == rows.attrs["groups"][0][1]
        (clear,) = _lines(fig, "estimate-clear")
        assert list(clear.get_xdata()) == [14.0]
        assert charts.smallest_text_pt(fig) >= charts.PHONE_MIN_PT
    finally:
        plt.close(fig)


def test_forest_rows_group_by_question_and_sector_in_first_seen_order():
    rows = figures.forest_rows(_comparisons())
    assert list(rows["item_label"]) == ["Reach", "Delivery", "Reach"]
    assert [text for text, _ in rows.attrs["groups"]] == ["Impacts: VCS", "Impacts: Children's centres"]
    assert list(rows["y"]) == sorted(rows["y"], reverse=True)
    # each group heading sits above its first row
    assert rows.attrs["groups"][1][1] > rows["y"].iloc[2]


def test_forest_plot_without_a_tolerance_draws_no_band_and_names_each_marker_in_the_legend():
    fig = figures.forest_plot(_comparisons())
    try:
        assert not [p for p in fig.axes[0].patches if p.get_gid() == "band"]
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert labels == [
            "Change: interval clear of 0",
            "Change: could be chance",
            "95% interval, central base",
            "Intervals across the base range",
        ]
    finally:
        plt.close(fig)


def test_forest_table_holds_the_plotted_numbers():
    table = figures.forest_table(_comparisons())
    assert list(table["Item"]) == ["Reach", "Delivery", "Reach"]
    assert list(table["Change (points)"]) == ["+5", "+14", "-3"]
    assert list(table["95% interval, central base"]) == ["-10 to +20", "+2 to +26", "-20 to +14"]
    assert list(table["At the low base"]) == ["-16 to +26", "-3 to +31", "-27 to +21"]
    assert list(table["Clear of chance"]) == ["no", "yes", "no"]


def test_every_change_section_says_each_question_once_and_keeps_each_rows_item(wb):
    """The figure's table heads each question's rows with it once (a row group), and its alt
    text names each question once; every row keeps its item."""
    frame = results_comparisons(wb)
    questions = list(dict.fromkeys(frame["question_label"]))
    assert len(questions) >= 2 and "Question" not in figures.forest_table(frame)
    (fig,) = re.findall(r"<figure.*?</figure>", html.unescape(str(changes.every_change(wb))), re.S)
    for question in questions:
        assert fig.count(question) == 3  # the alt text, the visible caption (the same words), one row group
        assert re.search(rf'<th scope="rowgroup" colspan="\d+">{re.escape(question)}</th>', fig)
    assert all(item in fig for item in frame["item_label"])


def test_forest_plot_fails_closed_on_missing_columns_and_empty_frames():
    with pytest.raises(ValueError, match=r"forest plot: missing columns \['clear_of_chance'\]"):
        figures.forest_plot(_comparisons().drop(columns="clear_of_chance"))
    with pytest.raises(ValueError, match="nothing to plot"):
        figures.forest_plot(_comparisons().iloc[0:0])
    as_read = _comparisons().assign(clear_of_chance=["false", "true", "false"])
    assert figures.forest_table(as_read)["Clear of chance"].tolist() == ["no", "yes", "no"]
    with pytest.raises(
        ValueError,
        match=r"^results_comparisons: Impacts / VCS / Delivery: clear_of_chance is "
        r"'maybe', expected true or false$",
    ):
        figures.forest_plot(_comparisons().assign(clear_of_chance=[True, "maybe", False]))


def test_participation_timeline_draws_each_year_taken_part_and_marks_the_withdrawal():
    flags = pd.DataFrame(
        {
            "authority_id": ["a", "b", "c"],
            "authority": ["Alpha", "Beta", "Gamma"],
            "2011-12": ["yes", "no", "unknown"],
            "2012-13": ["yes", "yes", "unknown"],
        }
    )
    fig = figures.participation_timeline(flags, ["2011-12", "2012-13"], {"b"})
    try:
        ax = fig.axes[0]
        took = sorted(
            (round(p.get_x(), 2), p.get_y() + p.get_height() / 2)
            for p in ax.patches
            if p.get_gid() == "took-part"
        )
        # rows top-down Alpha (y 2), Beta (y 1), Gamma (y 0); years at x 0-1 and 1-2
        assert took == [(0.04, 2.0), (1.04, 1.0), (1.04, 2.0)]
        unknown = [p for p in ax.patches if p.get_gid() == "year-unknown"]
        assert len(unknown) == 2 and {p.get_y() + p.get_height() / 2 for p in unknown} == {0.0}
        (cross,) = _lines(fig, "withdrew")
        assert (list(cross.get_xdata()), list(cross.get_ydata())) == ([1.5], [1])
        assert [t.get_text() for t in ax.get_yticklabels()] == ["Gamma", "Beta", "Alpha"]
    finally:
        plt.close(fig)
    # a withdrawal with no stated year draws no cross (there is no year to put it on)
    fig = figures.participation_timeline(flags, ["2011-12", "2012-13"], {"c"})
    try:
        assert not _lines(fig, "withdrew")
    finally:
        plt.close(fig)


def _styles() -> dict[str, StatusStyle]:
    return {
        "available": StatusStyle("available", "A", "available, recorded", "#08306B", "#FFFFFF"),
        "not_applicable": StatusStyle("not_applicable", "NA", "not applicable", "#D9D9D9", "#000000"),
        "unrecorded": StatusStyle("unrecorded", "?", "unrecorded", "#FFFFFF", "#000000"),
        "available_inferred": StatusStyle(
            "available_inferred", "A*", "available, inferred", "#9EA9C0", "#000"
        ),
    }


def test_evidence_grid_gives_each_status_its_own_shape_and_an_inference_a_hollow_one():
    matrix = pd.DataFrame(
        [["available", "unrecorded"], ["not_applicable", "available_inferred"]],
        index=["Alpha", "Beta"],
        columns=["Plan", "Survey"],
    )
    fig = figures.evidence_grid(matrix, _styles())
    try:
        ax = fig.axes[0]
        points = {c.get_gid(): [tuple(o) for o in c.get_offsets()] for c in ax.collections}
        # Alpha is the top row (y 1), Beta the bottom (y 0); Plan x 0, Survey x 1
        assert points == {
            "status-available": [(0.0, 1.0)],
            "status-not_applicable": [(0.0, 0.0)],
            "status-unrecorded": [(1.0, 1.0)],
            "status-available_inferred": [(1.0, 0.0)],
        }
        shapes = {k: figures.marker_of(k, _styles()) for k in _styles()}
        assert len({s for s, filled in shapes.values() if filled}) == 3
        assert shapes["available_inferred"] == (shapes["available"][0], False)
        counts = [t.get_text() for t in ax.texts if t.get_gid() == "row-count"]
        assert counts == ["1", "1"] and figures.row_counts(matrix, _styles()) == ("available", [1, 1])
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        assert legend[0] == "A = available, recorded" and len(legend) == 4
    finally:
        plt.close(fig)
    phone = figures.evidence_grid(matrix, _styles(), phone=True)
    try:
        labels = [t.get_text() for t in phone.axes[0].texts if t.get_gid() == "row-count"]
        assert labels == ["Alpha (available: 1)", "Beta (available: 1)"]
        assert phone.get_size_inches()[0] == pytest.approx(charts.PHONE_WIDTH_IN)
        assert charts.smallest_text_pt(phone) >= charts.PHONE_MIN_PT
    finally:
        plt.close(phone)


def _variants(html: str) -> tuple[tuple[bytes, float], tuple[bytes, float]]:
    (phone, phone_px), (wide, wide_px) = re.findall(
        r'(?:srcset|img src)="data:image/png;base64,([^"]+)"[^>]*?data-text-px="([\d.]+)"', html
    )
    return (base64.b64decode(phone), float(phone_px)), (base64.b64decode(wide), float(wide_px))


def test_every_figure_has_a_phone_variant_whose_text_is_11_px_in_a_390_px_column():
    """Scaled to a 390 px phone's column (344 px), the phone variant's smallest text is
    >= 11 px; the wide image's, scaled the same way, is not (hence the variant)."""
    html = str(charts.figure_html(charts.dumbbell(["A", "B"], [0.2, 0.3], [0.4, 0.5]), _chart()))
    (phone, phone_px), (wide, wide_px) = _variants(html)
    phone_width = Image.open(io.BytesIO(phone)).size[0]
    wide_width = Image.open(io.BytesIO(wide)).size[0]
    assert phone_px >= charts.PHONE_MIN_PT * charts.DPI / 72 - 0.01
    assert phone_px * 344 / max(phone_width, 344) >= 11
    assert wide_px * 344 / wide_width < 11
    assert f'<source media="{charts.PHONE_MEDIA}"' in html


def test_phone_layout_raises_small_text_and_narrows_the_figure():
    fig = charts.dumbbell(["A label long enough to be rewrapped on a phone", "Short"], [0.2, 0.3], [0.4, 0.5])
    try:
        assert charts.smallest_text_pt(fig) < charts.PHONE_MIN_PT
        charts.phone_layout(fig)
        assert charts.smallest_text_pt(fig) >= charts.PHONE_MIN_PT
        assert fig.get_size_inches()[0] == pytest.approx(charts.PHONE_WIDTH_IN)
        assert len(fig.legends) == 1 and fig.axes[0].get_legend() is None
        assert [t.get_text() for t in fig.axes[0].get_yticklabels()][0].count("\n") >= 2
    finally:
        plt.close(fig)


def test_the_same_figure_gives_the_same_bytes():
    first = charts.figure_html(figures.forest_plot(_comparisons(), 2), _chart())
    second = charts.figure_html(figures.forest_plot(_comparisons(), 2), _chart())
    assert first == second


def _chart() -> charts.Chart:
    return charts.Chart("t", "s", "alt text for a test chart", figures.forest_table(_comparisons()), "c")


def test_results_comparisons_match_statsmodels_at_every_base(wb):
    """The intervals the forest plot draws, recomputed here with statsmodels' Newcombe
    interval from the published shares and the bases of the change table."""
    frame = results_comparisons(wb)
    c = wb.changes.dropna(subset=["change_low"]).reset_index(drop=True)
    assert len(frame) == len(c) > 0
    for i in (0, len(c) - 1):
        r = c.iloc[i]
        for end, suffix in (("low", "_low_base"), ("high", "_high_base"), ("", "")):
            n_pre = int(r[f"base_pre_{end}"] if end else r["base_pre"])
            n_post = int(r[f"base_post_{end}"] if end else r["base_post"])
            k_pre = uncertainty.approximate_count(r["pre"], n_pre)
            k_post = uncertainty.approximate_count(r["post"], n_post)
            low, high = confint_proportions_2indep(k_post, n_post, k_pre, n_pre, method="newcomb")
            assert frame.loc[i, f"ci_low_pts{suffix}"] == pytest.approx(100 * low, abs=1e-6)
            assert frame.loc[i, f"ci_high_pts{suffix}"] == pytest.approx(100 * high, abs=1e-6)
        assert frame.loc[i, "change_pts"] == pytest.approx(100 * (r["post"] - r["pre"]))
    clear = frame["clear_of_chance"]
    excludes = (frame["ci_low_pts"] > 0) | (frame["ci_high_pts"] < 0)
    assert not (clear & ~excludes).any()


def test_every_change_section_shows_each_comparison_in_its_chart_and_table(wb):
    html = str(changes.every_change(wb))
    frame = results_comparisons(wb)
    (fig,) = re.findall(r"<figure.*?</figure>", html, re.S)
    assert re.search(r'<img [^>]*alt="Forest plot of \d+ before/after changes', fig)
    assert (
        fig.count("<tr>") == len(frame) + 1 + frame["question_label"].nunique()
    )  # + one header per question
    n_clear = int(frame["clear_of_chance"].sum())
    assert f"{n_clear} of {len(frame)} before/after changes are clear of chance" in html
    assert 'id="every-change"' in html


def test_forest_heading_counts_directions_with_the_plans_tolerance(wb):
    """A +2 point change is "about the same" under the plan's 2-point tolerance, so the heading
    counts it there, as the results table's ``direction`` does (not as a rise)."""
    tolerance = changes.tolerance_points(wb)
    assert tolerance == 2
    frame = _comparisons().assign(
        change_pts=[2.0, 14.0, -3.0], direction=["about the same", "higher", "lower"]
    )
    title = re.search(
        r'<p class="chart-title"><strong>(.*?)</strong>', str(changes.forest_chart(frame, tolerance))
    )
    assert title.group(1) == (
        "1 of 3 before/after changes are clear of chance; 1 higher, 1 about the same and 1 lower"
    )
    html = str(changes.every_change(wb))
    rows = results_comparisons(wb)
    expected = {d: int((rows["direction"] == d).sum()) for d in ("higher", "about the same", "lower")}
    assert (
        f"{expected['higher']} higher, {expected['about the same']} about the same and "
        f"{expected['lower']} lower" in html
    )
    assert "point upwards" not in html


def test_participation_timeline_draws_a_year_read_by_inference_apart_from_a_stated_one():
    flags = pd.DataFrame(
        {
            "authority_id": ["a", "b"],
            "authority": ["Alpha", "Beta"],
            "2011-12": ["yes (inferred)", "yes"],
            "2012-13": ["no", "yes"],
        }
    )
    fig = figures.participation_timeline(flags, ["2011-12", "2012-13"], {"a"})
    try:
        ax = fig.axes[0]
        took = [p for p in ax.patches if p.get_gid() == "took-part"]
        read = [p for p in ax.patches if p.get_gid() == "year-inferred"]
        assert len(took) == 2 and len(read) == 1
        assert (round(read[0].get_x(), 2), read[0].get_y() + read[0].get_height() / 2) == (0.04, 1.0)
        assert read[0].get_hatch() and read[0].get_facecolor() != took[0].get_facecolor()
        (cross,) = _lines(fig, "withdrew")  # a withdrawal is marked on an inferred year too
        assert (list(cross.get_xdata()), list(cross.get_ydata())) == ([0.5], [1])
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert "Took part (by inference, not stated)" in labels
    finally:
        plt.close(fig)
