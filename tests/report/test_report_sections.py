"""Report sections called directly on the real processed tables (no kernel)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from lib import report
from lib.analysis import disclosure
from lib.programme import wording
from lib.report import changes, charts


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return report.load_workbook(evaluation_build.processed)


def test_palette_pairs_meet_contrast_targets(wb):
    for a, b in charts.ADJACENT_PAIRS:
        assert charts.contrast_ratio(charts.PALETTE[a], charts.PALETTE[b]) >= 3
        for colour in (a, b):
            assert charts.contrast_ratio(charts.PALETTE[colour], charts.BACKGROUND) >= 3
    for style in charts.status_styles(report.evidence_statuses(wb)).values():
        assert charts.contrast_ratio(style.fill, style.text) >= 4.5, style.key
    assert charts.contrast_ratio(charts.TEXT, charts.BACKGROUND) >= 4.5


def test_contrast_ratio_matches_wcag_reference_values():
    assert charts.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert charts.contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_every_chart_has_alt_text_title_subtitle_and_table(wb):
    sections = [
        report.survey_understanding(wb),
        report.survey_impacts(wb, "vcs"),
        report.evidence_coverage(wb),
        report.kpi_comparison(wb),
        report.comment_shares(wb, "la_role", "childrens_centres"),
        report.participation_overview(wb),
        changes.every_change(wb),
    ]
    for html in sections:
        figures = re.findall(r"<figure.*?</figure>", html, re.S)
        assert figures
        for fig in figures:
            assert re.search(r'<img [^>]*alt="[^"]{20,}"', fig)
            assert 'class="chart-title"' in fig and 'class="chart-subtitle"' in fig
            assert re.search(r"<details><summary>.*?<table.*?<caption>.*?<th scope=\"col\">", fig, re.S)


def test_alt_text_states_the_message_from_the_data(wb):
    s = wb.survey
    u = s[
        (s["question"] == "understanding")
        & (s["item"] == "understand_co_production")
        & (s["sector"] == "all")
    ]
    pre, post = (round(u[u["phase"] == p]["value"].iloc[0] * 100) for p in ("pre", "post"))
    html = report.survey_understanding(wb)
    assert f"Understanding of co-production rose from {pre}% to {post}% of respondents" in html
    assert f"All respondents: {pre}% before, {post}% after" in html


def test_below_the_threshold_published_shares_stay_and_derived_figures_are_suppressed(wb, monkeypatch):
    """Disclosure rule (caveats C6): published figures are shown with their source;
    what the workbook derives (intervals, change, significance, bases) is controlled."""
    changes = report.understanding_changes(wb)
    cc = changes[changes["sector"] == "childrens_centres"].iloc[0]
    threshold = int(max(cc["base_pre_low"], cc["base_post_low"])) + 1  # above both smallest plausible bases
    assert threshold > 10
    monkeypatch.setenv(disclosure.THRESHOLD_ENV_VAR, str(threshold))
    table = report.understanding_table(wb, changes)
    row = table[table["Respondents"] == "Children's centre respondents"].iloc[0]
    assert (row["Before"], row["After"]) == (f"{round(cc['pre'] * 100)}%", f"{round(cc['post'] * 100)}%")
    assert row["Change (points)"] == row["Before, 95% CI"] == row["Verdict"] == "[c]"
    html = report.survey_understanding(wb)
    assert f"Children's centre respondents: {round(cc['pre'] * 100)}% before" not in html  # not in the chart
    assert "shown as [c] (suppressed)" in html
    monkeypatch.delenv(disclosure.THRESHOLD_ENV_VAR)
    table = report.understanding_table(wb, changes)
    assert "[c]" not in table.to_string()


def test_survey_tables_read_their_verdict_from_results_comparisons(wb):
    """One rule, one word: the understanding and impacts tables print the verdict of
    ``results_comparisons`` (the plan's both-ends rule), not a separate 5% test. Among VCS
    respondents 'Understanding co-production better' rose 59% -> 77%, interval +3 to +33 at the
    central bases but including zero at the low bases (37/39): not clear of chance."""
    changes = report.understanding_changes(wb)
    table = report.understanding_table(wb, changes)
    assert "Significant at 5%" not in table.columns
    judged = wb.results_comparisons.set_index("comparison_id")
    for (_, row), (_, change) in zip(table.iterrows(), changes.iterrows(), strict=True):
        cid = f"{change['question']}:{change['item']}:{change['sector']}"
        assert row["Verdict"] == judged.at[cid, "verdict"]
    vcs = table[table["Respondents"] == "VCS respondents"].iloc[0]
    assert vcs["Verdict"] == "direction only: could be chance"
    impacts = wb.changes[wb.changes["question"] == "impacts"]
    assert set(report.impacts_table(wb, impacts)["Verdict"]) <= set(judged["verdict"])
    html = report.survey_understanding(wb)
    assert "significant" not in html.lower()
    assert html.count("clear of chance: its 95% interval excludes zero") == 1  # all respondents only


def test_leeds_published_shares_are_shown_with_their_source(wb):
    impacts = wb.case_study_impacts[wb.case_study_impacts["authority_id"] == "leeds"]
    html = report.case_study(wb, "leeds")
    assert "[c]" not in html
    for _, row in impacts.iterrows():
        assert f"<td>{round(row['value'] * 100)}%</td>" in html
        assert row["statement"][:40].replace("'", "&#39;") in html
    assert "Leeds case study (001), § Positive impact achieved" in html


def test_reports_link_the_caveats_they_rely_on(wb):
    assert 'href="caveats.html#c2"' in report.programme_context(wb, "kent")
    assert 'href="caveats.html#c6"' in report.case_study(wb, "leeds")
    assert 'href="caveats.html#c3"' in report.survey_understanding(wb)


def test_source_text_is_escaped_and_keeps_its_bullets():
    html = report.html.quote_block("• first <b>point</b>\n• second\nplain line\ncontinued", "cite <i>x</i>")
    assert "<b>" not in html and "&lt;b&gt;point&lt;/b&gt;" in html
    assert html.count("<li>") == 2
    assert "<p>plain line continued</p>" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html


def test_every_sentence_changes_with_the_data(wb):
    """Changing a processed value changes the generated text (nothing typed in)."""
    before = report.kpi_comparison(wb)
    kpis = wb.tables["kpis"]
    row = kpis.index[
        (kpis["kpi"] == "vcs_satisfaction")
        & (kpis["measure"] == "evaluation_good_plus")
        & (kpis["year"] == "2012-13")
    ][0]
    original = kpis.loc[row, "value"]
    kpis.loc[row, "value"] = 0.33
    try:
        after = report.kpi_comparison(wb)
    finally:
        kpis.loc[row, "value"] = original
    assert before != after
    assert "33%" in after and "33%" not in re.sub(r"data:image[^\"]+", "", before)


# --------------------------------------------------------------------------
# Figures and labels that said more than (or other than) the sources
# --------------------------------------------------------------------------


def _series(wb, item, sector="all"):
    s = wb.survey
    rows = s[(s["question"] == "understanding") & (s["item"] == item) & (s["sector"] == sector)]
    return {p: round(rows[rows["phase"] == p]["value"].iloc[0] * 100) for p in ("pre", "post")}


def test_q1_labels_follow_the_chart_each_series_comes_from(wb, evaluation_build):
    """56/81 is the 'Understanding Co Production Better' chart; 'Confidence' is 49/80."""
    import csv

    from lib import evaluation

    with open(evaluation.RAW_DIR / "survey_understanding.csv", encoding="utf-8", newline="") as f:
        raw = [r for r in csv.DictReader(f) if r["series_as_printed"] == "Overall"]
    printed = {
        (r["chart_title_as_printed"], r["phase_as_printed"]): round(float(r["value_as_printed"]) * 100)
        for r in raw
    }
    better = _series(wb, "understand_co_production")
    confidence = _series(wb, "confidence_understanding")
    assert (better["pre"], better["post"]) == (
        printed[("Understanding Co Production Better", "Before Workshop")],
        printed[("Understanding Co Production Better", "After Workshop")],
    )
    assert (confidence["pre"], confidence["post"]) == (
        printed[("Confidence in understanding Co Production", "Before Workshop")],
        printed[("Confidence in understanding Co Production", "After Workshop")],
    )
    glance = report.programme_title(wb)
    assert f"Understanding co-production better: {better['pre']}% before, {better['post']}% after" in glance
    assert (
        f"confidence in understanding co-production: {confidence['pre']}% before, {confidence['post']}% after"
    ) in glance
    assert f"Confidence in understanding co-production: {better['pre']}%" not in glance
    q1 = report.survey_understanding(wb)
    alt = re.search(r'<img [^>]*alt="([^"]*)"', q1).group(1)
    assert alt.startswith("Dot plot of &#39;Understanding co-production better&#39;")
    assert "confidence in understanding" not in alt.lower()


def test_checklist_table_counts_every_item_including_before_beginning(wb):
    html = report.themes_section(wb)
    table = re.search(r"<table[^>]*>\s*<caption>Commissioning cycle stages.*?</table>", html, re.S).group(0)
    counts = [int(x) for x in re.findall(r"<td>(\d+)</td>", table)]
    assert sum(counts) == len(wb.checklist) == 34  # 003 § Checklist: 5 + 3 + 6 + 5 + 12 + 3
    assert "Before beginning" in table
    assert f"checklist of {len(wb.checklist)} items, 5 of them" in html


def test_available_statuses_are_counted_as_inferred_not_recorded(wb):
    ev = wb.evidence
    rec = int(((ev["status"] == "available") & (ev["inferred"] == "no")).sum())
    inf = int(((ev["status"] == "available") & (ev["inferred"] == "yes")).sum())
    assert rec == 0 and inf > 0
    glance = report.programme_title(wb)
    assert f"{inf} with a status inferred from other documents ({inf} available)" in glance
    coverage = report.evidence_coverage(wb)
    assert f"{inf} inferred from other documents ({inf} available)" in coverage
    assert "available" not in glance.split("recorded status")[1].split(")")[0]  # none recorded available
    # The heatmap table stars inferred cells; the authority page counts them apart.
    assert "A*" in coverage
    kent = report.supports(wb, "kent")
    k = ev[ev["authority_id"] == "kent"]
    inferred = k[k["inferred"] == "yes"]
    assert len(inferred) == 1
    assert re.search(rf"that {inferred['evidence_label'].iloc[0]} existed \(inferred from the [^)]+\)", kent)
    # The row no longer reads a lost glyph as a finding ("0 of 12 ... recorded as available").
    assert "recorded as available" not in kent


def test_richmond_withdrawal_is_stated_and_no_workshop_outcome_is_claimed(wb):
    summary = report.authority_summary(wb, "richmond-upon-thames")
    assert "withdrew from the programme (local authority capacity issues) before the workshop" in summary
    # the withdrawal is the summary's first sentence (the funder read a summary that never said it)
    first = summary.split("<p>", 1)[1].split(". ")[0]
    assert first.endswith(
        "and withdrew from the programme (local authority capacity issues) before the workshop could take place"
    )
    supports = report.supports(wb, "richmond-upon-thames")
    assert (
        "its selection for 2012-13 (an inference: no document states the year under this authority&#39;s name) "
        "and its withdrawal before the workshop" in supports
    )
    assert f"any outcome of {wording('events')} there" in supports.split("It cannot show")[1]
    # An authority that did not withdraw keeps the plain wording.
    assert "its part in" in report.supports(wb, "leeds")
    assert "withdrew" not in report.authority_summary(wb, "leeds")


@pytest.mark.parametrize(
    "sector, item", [("vcs", "deliver_users_needs"), ("childrens_centres", "ensure_sustainability")]
)
def test_dot_plot_value_labels_are_tied_to_their_phase_and_never_collide(wb, sector, item):
    """On a decline the before label used to be the after value (labels placed by size);
    labels also used to sit on the interval lines. Each label now names its phase, sits
    on its own phase's row, and its box touches no marker and no interval line."""
    import matplotlib.pyplot as plt
    from matplotlib.transforms import Bbox

    c = wb.changes
    rows = c[(c["question"] == "impacts") & (c["sector"] == sector)].reset_index(drop=True)
    row = rows[rows["item"] == item].iloc[0]
    assert row["pre"] > row["post"]  # 004 chart data: a one-point decline
    fig = charts.dumbbell(
        list(rows["item_label"]),
        rows["pre"].tolist(),
        rows["post"].tolist(),
        pre_ci=list(zip(rows["pre_low"], rows["pre_high"], strict=True)),
        post_ci=list(zip(rows["post_low"], rows["post_high"], strict=True)),
    )
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    markers = {c.get_gid(): [tuple(p) for p in c.get_offsets()] for c in ax.collections if c.get_gid()}
    labels = [t for t in ax.texts if t.get_gid() in ("pre", "post")]
    assert len(labels) == 2 * len(rows)
    values = {"pre": rows["pre"].tolist(), "post": rows["post"].tolist()}
    # Marker boxes (display pixels) and interval lines (the coloured horizontal segments).
    radius = 5
    marker_boxes = [
        Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)
        for pts in markers.values()
        for x, y in ax.transData.transform(pts)
    ]
    intervals = [
        line.get_window_extent(renderer)
        for line in ax.lines
        if line.get_color() in (charts.PALETTE["pre"], charts.PALETTE["post"])
    ]
    assert len(intervals) == 2 * len(rows)
    for text in labels:
        phase = text.get_gid()
        y = text.xy[1]
        own = [p for p in markers[phase] if p[1] == y]
        assert len(own) == 1, (phase, y)  # on its own phase's row
        index = markers[phase].index(own[0])
        assert text.get_text() == f"{'B' if phase == 'pre' else 'A'} {values[phase][index] * 100:.0f}%"
        box = text.get_window_extent(renderer)
        for other in marker_boxes + intervals:
            assert not box.overlaps(other), (phase, text.get_text())
    plt.close(fig)


def test_share_axes_run_from_zero_to_one_hundred_percent(wb):
    import matplotlib.pyplot as plt

    fig = charts.paired_bars(
        ["a", "b"], [0.95, 0.2], [0.99, None], first_label="2011-12", second_label="2012-13", xlabel="Share"
    )
    assert fig.axes[0].get_xlim() == (0, 1)
    plt.close(fig)
    fig = charts.share_bars(["a"], [0.97])
    assert fig.axes[0].get_xlim() == (0, 1)
    plt.close(fig)


def test_programme_design_section_shows_the_programmes_own_words_and_audits_its_findings(wb):
    html = report.programme_design_section(wb)
    text = re.sub(r"\s+", " ", html)
    # the criterion is quoted in full where it is judged; here its first words link there
    assert "“Success was seen as increased positive attitudes to …”" in text
    assert '<a href="#success-measure">quoted in full, and judged, below</a>' in text
    steps = wb.programme_statements.query("topic == 'delivery_step'")["text"].tolist()
    assert f"The strategy had {len(steps)} steps: {', '.join(steps[:-1])} and {steps[-1]}." in text
    audit = report.claim_audit(wb).set_index("claim_id")
    finding = wb.evaluation_findings.query("audited_as == 'E7-open-conversations-real-attitude-change'")
    assert len(finding) == 1
    assert audit.at["E7-open-conversations-real-attitude-change", "verdict"] in text
    assert "E7-" not in text  # no internal identifiers


def test_the_programmes_own_findings_are_checked_by_one_stated_rule_with_counts_that_match(wb):
    """Before: '6 of them make a claim the workbook can check' while 5 of the 6 read 'cannot be
    tested', 4 others read 'not checked: no measure in the sources' (two labels for one idea) and
    finding 7 (procurement 'remained an issue') was left out while finding 8 (mutuals 'remained the
    favourite options') was checked."""
    from lib.report.programme import FINDINGS_RULE, NOT_A_CLAIM

    page = unescape(str(report.programme_design_section(wb)))
    text = re.sub(r"\s+", " ", page)
    assert FINDINGS_RULE in text and "not checked: no measure in the sources" not in text
    cells = re.findall(
        r"<tr>.*?</tr>", page.split("The programme report's evaluation findings and the claim")[1], re.S
    )
    audit_cells = [
        re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1]).strip() for row in cells[1:]
    ]
    assert len(audit_cells) == 10
    assert audit_cells.count(NOT_A_CLAIM) == 3
    assert audit_cells.count("cannot be tested") == 6
    assert audit_cells.count("direction only: could be chance (not distinguishable from chance)") == 1
    assert (
        "By this rule it checks 7: 1 has data (direction only: could be chance) and 6 cannot be tested, "
        "as no source measures what they state. The other 3 are an account of the work." in text
    )
    f = wb.evaluation_findings.set_index("finding_order")["audited_as"]
    assert f[7] == "E7-procurement-remained-an-issue" and f[8] == "E7-mutuals-favourite-options"
    assert set(f[f == ""].index) == {1, 2, 4}


def test_case_study_sections_are_quoted_on_both_case_study_pages(wb):
    for aid in ("leeds", "richmond-upon-thames"):
        html = report.case_study(wb, aid)
        for t in wb.case_study_sections.query("authority_id == @aid")["text"]:
            assert t[:50].replace("'", "&#39;") in html
    assert report.case_study_sections(wb, "kent") == ""


def test_data_quality_table_names_each_kind_in_readers_words(evaluation_build):
    """Every kind of issue the sources can log (each ``check=`` literal in lib/sources) has reader
    words in one home; the programme page's table prints those words, never the log's ids."""
    import html as _html
    import re as _re

    from lib.config import PROJECT_ROOT
    from lib.report import workbook as _workbook
    from lib.report.programme import data_quality_section

    logged = set()
    for path in (PROJECT_ROOT / "lib").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        # Issue(check="..."), {"check": "..."} rows, and the response cleaner's cols.log("...", ...)
        logged |= set(_re.findall(r'check"?\s*[=:]\s*"([a-z]+(?:_[a-z]+)+)"', text))
        logged |= set(_re.findall(r'\.log\(\s*"([a-z]+(?:_[a-z]+)+)"', text))
        for line in text.splitlines():  # check=("a" if ... else "b")
            if "check=" in line:
                logged |= set(_re.findall(r'"([a-z]+(?:_[a-z]+)+)"', line))
    assert {"float_noise", "lost_glyph", "label_variant", "spelling_variant"} <= logged
    assert {"response_invalid_answer", "response_duplicate", "code_unknown_answer"} <= logged
    assert logged <= set(_workbook.QUALITY_CHECK_LABELS), logged - set(_workbook.QUALITY_CHECK_LABELS)
    wb = _workbook.load_workbook(evaluation_build.processed)
    html = str(data_quality_section(wb))
    table = html[html.index("<table") : html.index("</table>")]
    cells = [
        _html.unescape(_re.sub(r"<[^>]+>", "", c)).strip()
        for c in _re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, _re.S)
    ]
    for check in wb.quality_log["check"].unique():
        assert _workbook.QUALITY_CHECK_LABELS[check] in cells, check
        assert check not in cells and check.replace("_", " ") not in cells, check
    with pytest.raises(ValueError, match="check 'new_kind' has no reader label"):
        _workbook.quality_check_label("new_kind")
