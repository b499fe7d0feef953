"""Report sections called directly on the real processed tables (no kernel)."""

from __future__ import annotations

import re

import pytest

from lib import charts, disclosure, report


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return report.load_workbook(evaluation_build.processed)


def test_palette_pairs_meet_contrast_targets():
    for a, b in charts.ADJACENT_PAIRS:
        assert charts.contrast_ratio(charts.PALETTE[a], charts.PALETTE[b]) >= 3
        for colour in (a, b):
            assert charts.contrast_ratio(charts.PALETTE[colour], charts.BACKGROUND) >= 3
    for status, text_colour in charts.ON_FILL.items():
        assert charts.contrast_ratio(charts.PALETTE[status], text_colour) >= 4.5
    assert charts.contrast_ratio(charts.TEXT, charts.BACKGROUND) >= 4.5


def test_contrast_ratio_matches_wcag_reference_values():
    assert charts.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert charts.contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_every_chart_has_alt_text_title_subtitle_and_table(wb):
    sections = [report.survey_understanding(wb), report.survey_impacts(wb, "vcs"),
                report.evidence_coverage(wb), report.kpi_comparison(wb),
                report.comment_shares(wb, "la_role", "childrens_centres"),
                report.evidence_section(wb, "leeds")]
    for html in sections:
        figures = re.findall(r"<figure.*?</figure>", html, re.S)
        assert figures
        for fig in figures:
            assert re.search(r'<img [^>]*alt="[^"]{20,}"', fig)
            assert 'class="chart-title"' in fig and 'class="chart-subtitle"' in fig
            assert re.search(r"<details><summary>.*?<table.*?<caption>.*?<th scope=\"col\">", fig, re.S)


def test_alt_text_states_the_message_from_the_data(wb):
    s = wb.survey
    u = s[(s["question"] == "understanding") & (s["item"] == "understand_co_production") & (s["sector"] == "all")]
    pre, post = (round(u[u["phase"] == p]["value"].iloc[0] * 100) for p in ("pre", "post"))
    html = report.survey_understanding(wb)
    assert f"Understanding of co-production rose from {pre}% to {post}% of respondents" in html
    assert f"All respondents: {pre}% before, {post}% after" in html


def test_sector_figures_are_suppressed_below_the_threshold(wb, monkeypatch):
    changes = report.understanding_changes(wb)
    cc = changes[changes["sector"] == "childrens_centres"].iloc[0]
    threshold = int(max(cc["base_pre_low"], cc["base_post_low"])) + 1  # above both smallest plausible bases
    assert threshold > 10
    monkeypatch.setenv(disclosure.THRESHOLD_ENV_VAR, str(threshold))
    table = report.understanding_table(changes)
    row = table[table["Respondents"] == "Children's centre respondents"].iloc[0]
    assert row["Before"] == row["After"] == row["Change (points)"] == "[c]"
    html = report.survey_understanding(wb)
    assert f"Children's centre respondents: {round(cc['pre'] * 100)}% before" not in html
    assert "shown as [c] (suppressed)" in html
    monkeypatch.delenv(disclosure.THRESHOLD_ENV_VAR)
    table = report.understanding_table(changes)
    assert "[c]" not in table.to_string()


def test_reports_link_the_caveats_they_rely_on(wb):
    html = report.supports_section(wb, "kent")
    for anchor in ("c1", "c2", "c6", "cleaning-inferences"):
        assert f'href="caveats.html#{anchor}"' in html
    assert 'href="caveats.html#c3"' in report.survey_understanding(wb)


def test_source_text_is_escaped_and_keeps_its_bullets():
    html = charts.quote_block("• first <b>point</b>\n• second\nplain line\ncontinued", "cite <i>x</i>")
    assert "<b>" not in html and "&lt;b&gt;point&lt;/b&gt;" in html
    assert html.count("<li>") == 2
    assert "<p>plain line continued</p>" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html


def test_every_sentence_changes_with_the_data(wb):
    """Changing a processed value changes the generated text (nothing typed in)."""
    before = report.kpi_comparison(wb)
    kpis = wb.tables["kpis"]
    row = kpis.index[(kpis["kpi"] == "vcs_satisfaction") & (kpis["measure"] == "evaluation_good_plus")
                     & (kpis["year"] == "2012-13")][0]
    original = kpis.loc[row, "value"]
    kpis.loc[row, "value"] = 0.33
    try:
        after = report.kpi_comparison(wb)
    finally:
        kpis.loc[row, "value"] = original
    assert before != after
    assert "33%" in after and "33%" not in re.sub(r"data:image[^\"]+", "", before)
