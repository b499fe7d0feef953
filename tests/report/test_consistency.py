"""One verdict everywhere: the programme page, an authority page and the caveats page state the
design rating, the higher / about the same / lower counts and each success verdict the same
way, equal to the results tables (issue 17)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from _leaks import visible_text

from lib.analysis.design import PARTS
from lib.report import brief, pages, workbook
from lib.run.render import render_caveats


@pytest.fixture(scope="module")
def rendered(evaluation_build):
    wb = workbook.load_workbook(evaluation_build.processed)
    return {
        "wb": wb,
        "programme": visible_text(pages.PROGRAMME_PAGE.render(wb)),
        "authority": visible_text(pages.AUTHORITY_PAGE.render(wb, "kent")),
        "caveats": visible_text(render_caveats(processed_dir=evaluation_build.processed)),
        "brief": visible_text(brief.brief_body(brief.brief_tables(wb), wb.programme.name)),
    }


def test_design_rating_is_the_same_on_every_page(rendered):
    d = rendered["wb"].results_design.iloc[0]
    expected = f"level {d['level']} of {d['level_max']}"
    seen = []
    for page in ("programme", "authority", "caveats"):
        seen += re.findall(r"level (\d) of (\d)", rendered[page])
        assert not re.search(rf"Scale: level (?!{d['level']})", rendered[page])
    assert seen and all(f"level {a} of {b}" == expected for a, b in seen)
    assert d["scale_version"] in rendered["programme"] and d["scale_version"] in rendered["caveats"]


def test_direction_counts_agree_with_the_results_table(rendered):
    wb, text = rendered["wb"], rendered["programme"]
    c = wb.results_comparisons
    highers = set()
    for sector in ("vcs", "childrens_centres"):
        rows = c[(c["question"] == "impacts") & (c["sector"] == sector)]
        n = rows["direction"].value_counts()
        higher, same, lower = (int(n.get(k, 0)) for k in ("higher", "about the same", "lower"))
        highers.add(str(higher))
        phrases = re.findall(
            r"on (\d+) of (?:the )?9 impacts, about the same[^;.]*? on (\d+) and lower on (\d+)", text
        )
        assert (str(higher), str(same), str(lower)) in phrases
    # every statement of a sector's rises, in every section, is one of the results table's counts
    stated = re.findall(r"on (\d+) of (?:the )?9 impacts", text)
    assert len(stated) >= 6 and set(stated) == highers
    # no page says "unchanged" on the tolerance's counts, nor "7 of the 9" for the VCS
    assert "unchanged on 1 and lower on 1" not in text
    s = wb.results_success.set_index("criterion_id").loc["positive_attitudes"]
    assert f"{s['n_higher']} of {s['n_comparisons']}" in text
    assert "higher on 14" not in text and "13 of 18" in text or s["n_higher"] != 13


def test_kpi_counts_use_the_tolerance(rendered):
    k = rendered["wb"].results_kpis["direction"].value_counts()
    text = rendered["programme"]
    assert "4 of 6 percentage KPIs" not in text
    assert (
        f"{k['higher']} were higher in 2012-13 than in 2011-12, {k['about the same']} about the same" in text
    )


def test_success_verdicts_are_the_results_verdicts(rendered):
    text = rendered["programme"]
    for _, s in rendered["wb"].results_success.iterrows():
        assert f"Verdict \u2014 {s['headline']}" in text
        # a verdict holding a colon is not set after another one ("Verdict: direction only: could be chance")
        assert (
            f"Verdict: {s['headline']}" not in text and f"Verdict: {s['headline']}" not in rendered["brief"]
        )
        assert f"{s['headline']} Confidence" not in text  # the verdict and the confidence are two sentences
    assert "ratings were higher after the workshops Confidence" not in text
    assert "Verdict: the ratings were higher" not in text


def test_understanding_subtitle_follows_the_both_ends_rule(rendered):
    text = rendered["programme"]
    assert "3 of 3 changes significant" not in text
    assert "1 of 3 changes clear of chance at both ends of the base range" in text


def test_caveats_state_the_plans_tolerance_and_rating(rendered):
    plan = rendered["wb"].programme.plan
    tol = f"{plan.decision_rules.tolerance_points:g}"
    assert f"a {tol}-point tolerance" in rendered["caveats"]
    assert f"at most {tol} percentage points" in rendered["caveats"]
    assert "{{" not in rendered["caveats"]


def test_decision_box_reads_the_results_tables(rendered):
    wb, text = rendered["wb"], rendered["programme"]
    box = text[text.index("The decision in brief") : text.index("Summary What the programme set out to do")]
    for _, s in wb.results_success.iterrows():
        assert f"Verdict \u2014 {s['verdict']} (confidence: {s['confidence']})" in box
    c = wb.results_comparisons
    # could be chance: tested and not clear of chance, whatever the direction (an 'about the same'
    # rating is 'not supported' on its own question, did the share rise?, but could still be chance)
    chance = c[(c["question"] == "impacts") & ~c["clear_of_chance"] & (c["verdict"] != "cannot be tested")]
    assert len(chance) == 18 and (chance["verdict"] == "not supported").sum() == 5
    assert "Smallest detectable change (points)" in box
    for _, r in chance.iterrows():  # one row per comparison, the detectable change a number
        change = f"{r['change_pts']:+.0f}" if round(r["change_pts"]) else "0"
        row = f"{r['item_label']} ({r['sector_label']}) {change} {r['verdict']} "
        row += f"{r['mdd_pts']:.0f} {r['base_for_target']:.0f}"
        assert row in box, row
    need = chance["base_for_target"].astype(int)
    assert f"about {need.min()} to {need.max()} respondents in each of the before and after groups" in box
    assert box.index("Verdict") < text.index("Key findings")


def test_confidence_levels_are_defined_for_readers(rendered):
    """Every confidence word the page uses is defined on it, with what lowers and raises it."""
    text, plan = rendered["programme"], rendered["wb"].programme.plan
    judged = text[text.index("How this evaluation judges") :]
    for level in plan.confidence_rubric.levels:
        assert level.text in judged
    for reason in (*plan.confidence_rubric.lowered_by, *plan.confidence_rubric.raised_by):
        assert reason.text in judged
    used = set(rendered["wb"].results_findings["confidence"]) | set(
        rendered["wb"].results_success["confidence"]
    )
    assert used <= {level.id.replace("_", " ") for level in plan.confidence_rubric.levels}
    assert "what the confidence levels mean" in text


def test_no_table_or_sentence_runs_its_own_significance_test(rendered):
    """One rule, one word: before, the understanding table said 'Significant at 5%: yes' for VCS
    and children's centre respondents while the chart above it said 1 of 3 changes is clear of
    chance (both-ends rule). Every row of every before/after table states the verdict of
    ``results_comparisons``; 'significant' appears only in quoted claims and their readings."""
    wb, text = rendered["wb"], rendered["programme"]
    assert "Significant at 5%" not in text and "statistically significant" not in text
    assert "Same verdict across plausible bases" not in text
    c = wb.results_comparisons
    sector_titles = {
        "all": "All respondents",
        "vcs": "VCS respondents",
        "childrens_centres": "Children's centre respondents",
    }
    for _, r in c[c["question"] == "understanding"].iterrows():
        row = re.findall(
            rf"{re.escape(sector_titles[r['sector']])} {r['pct_pre']:.0f}% .{{0,40}}? {r['pct_post']:.0f}% "
            rf".{{0,60}}? ({'|'.join(map(re.escape, c['verdict'].unique()))}) \d+ / \d+",
            text,
        )
        assert r["verdict"] in row, (r["comparison_id"], row)
    clear = int(
        c.loc[
            (c["question"] == "understanding") & (c["item"] == "understand_co_production"), "clear_of_chance"
        ].sum()
    )
    table = text[text.index("Understanding co-production better: before and after") :]
    table = table[: table.index("Among all respondents")]
    assert table.count(" supported ") == clear == 1
    # the claims' own words, the audit's reading of them, and "no significance test is possible"
    allowed = r"significantly|significant increase|significance test|'significant' rise|is read as"
    for sentence in re.findall(r"[^.]*\b[Ss]ignifican[^.]*\.", text):
        assert re.search(allowed, sentence), sentence


def test_the_brief_and_the_decision_box_give_the_same_decision_figures(rendered):
    """What it would take to decide is one fact: the brief and the programme report's decision box
    give the same respondents-per-group range and the same bases, both equal to the criterion's
    comparisons in ``results_comparisons`` (recounted here), and no other summary of the bases."""
    wb, text, short = rendered["wb"], rendered["programme"], rendered["brief"]
    box = text[text.index("The decision in brief") : text.index("Summary What the programme set out to do")]
    target = wb.programme.plan.decision_rules.target_change_points
    for criterion in wb.programme.plan.success_criteria:
        c = wb.results_comparisons
        keep = False
        for m in criterion.measures:
            keep |= (c["question"] == m.question) & c["sector"].isin(m.sectors)
        tested = c[keep & c["base_for_target"].notna()]
        need = tested["base_for_target"].astype(int)
        bases = pd.concat([tested["base_pre"], tested["base_post"]]).astype(int)
        words = (
            f"to detect a change of {target:g} points in the {int(keep.sum())} ratings behind the success "
            f"measure, a survey needs about {need.min()} to {need.max()} "
            f"respondents in each of the before and after groups; these rest on "
            f"{bases.min()} to {bases.max()}"
        )
        assert words in box and words in short
        # more respondents cannot show cause: both say what the design lacks (results_design)
        linked, comparison = PARTS[wb.results_design["kind"].iloc[0]]
        for page in (box, short):
            assert "more respondents in the same design would still not show cause" in page
            assert "not for attribution" in page
            assert ("a comparison group" in page) is not comparison
            assert ("before and after answers linked person to person" in page) is not linked
            assert "a later follow-up" in page
        chance = c[keep & (c["verdict"] == "direction only: could be chance")]["mdd_pts"]
        detect = (
            f"What this survey could detect: For the {int(keep.sum())} ratings behind the success measure "
            f"({bases.min()} to {bases.max()} respondents per group), the survey could only detect changes of "
            f"about {chance.min():.0f} to {chance.max():.0f} points"
        )
        assert detect in short and detect in box
    assert "median" not in short


def test_evidence_matrix_counts_read_one_way(rendered):
    """Every count of the evidence matrix's cells on the programme page is one of three numbers,
    counted here from evidence.csv: recorded, inferred and unrecorded (lost); the cells that print
    blank are said to be the inferred plus the unrecorded ones, and together the three make the
    whole matrix (the funder read '0 recorded' beside '61 recorded', and 115 beside 107)."""
    ev, text = rendered["wb"].evidence, rendered["programme"]
    lost = int((ev["status"] == "unrecorded").sum())
    inferred = int(((ev["status"] != "unrecorded") & (ev["inferred"] == "yes")).sum())
    recorded = len(ev) - lost - inferred
    assert (recorded, inferred, lost) == (65, 8, 107)  # the programme report's matrix, as transcribed
    glance = re.search(
        r"The evidence matrix has (\d+) authority-by-item cells: (\d+) with a recorded status", text
    )
    assert glance and glance.groups() == (str(len(ev)), str(recorded))
    assert re.search(
        rf"{inferred} with a status inferred from other documents .*? and {lost} still unknown after filling "
        "from other documents",
        text,
    )
    assert "0 recorded" not in text
    # the cells unreadable in the printed text are the inferred plus the unrecorded ones (115 beside 107)
    printed = re.findall(r"(\d+) of the (\d+) cells cannot be read in the text this evaluation had", text)
    assert set(printed) == {(str(lost + inferred), str(len(ev)))}
    assert (
        f"{inferred} of these are filled from other documents (an inference), leaving {lost} still unknown"
        in text
    )
    assert f"The other {recorded} cells print a recorded status" in text
    unreadable = re.findall(
        r"(\d+) of (\d+) (?:evidence )?cells (?:cannot be read|lost their status|are still unknown|still unknown)",
        text,
    )
    assert len(unreadable) >= 4 and set(unreadable) == {(str(lost), str(len(ev)))}


def test_every_clear_of_chance_count_in_the_brief_names_its_comparisons(rendered):
    """Before: the brief said '0 of the 13 rises are clear of chance', '56% to 81% ... clear of chance'
    and '4 of 24 before/after changes are clear of chance' with no word of which comparisons each
    counts. Each count now names its comparisons, counted here from results_comparisons."""
    wb, short = rendered["wb"], rendered["brief"]
    c = wb.results_comparisons
    impacts, q1 = c[c["question"] == "impacts"], c[c["question"] == "understanding"]
    n3, n1 = int(impacts["clear_of_chance"].sum()), int(q1["clear_of_chance"].sum())
    assert (
        f"Of the {len(c)} before/after changes in the survey, {n3 + n1} are clear of chance: "
        f"{'none' if n3 == 0 else n3} of the {len(impacts)} ratings behind the success measure and {n1} of the "
        f"{len(q1)} ratings on understanding of co-production (Q1) for all respondents and by sector."
        in short
    )
    assert not re.search(r"\b\d+ of (the )?\d+ (rises|before/after changes) (is|are) clear of chance", short)
    # what all respondents together could detect: the pooled comparisons' own figures
    pooled = c[c["sector"] == "all"]
    low, high = round(pooled["mdd_pts"].min()), round(pooled["mdd_pts"].max())
    about = f"about {low}" if low == high else f"about {low} to {high}"
    assert (
        f"for all respondents together ({int(pooled['base_pre'].min())} before, "
        f"{int(pooled['base_post'].min())} after, published only on understanding of co-production (Q1)), "
        f"{about} points" in short
    )


def test_conclusions_give_the_kpis_both_ways(rendered):
    """Before: the largest KPI movement, a fall (84% to 69%), was in the KPI section only."""
    wb, text = rendered["wb"], rendered["programme"]
    k = wb.results_kpis
    end = text.index("Methods and limitations", text.index("Conclusions Each conclusion"))
    conclusions = text[text.index("Conclusions Each conclusion") : end]
    rise = k[k["direction"] == "higher"].sort_values("change_pts").iloc[-1]
    fall = k[k["direction"] == "lower"].sort_values("change_pts").iloc[0]
    for word, r in (("rise", rise), ("fall", fall)):
        assert f"the largest {word} was \u2018{r['measure_label']}\u2019" in conclusions
        assert f"{r['pct_from']:.0f}% to {r['pct_to']:.0f}% ({r['change_pts']:+.0f} points" in conclusions
    # the source's misprint of the fall's value, as the data-quality log records it
    log = wb.quality_log
    typo = log[(log["check"] == "typo") & (log["value"] == f"{fall['pct_to']:.0f}%%")]
    assert len(typo) == 1
    assert (
        f"({fall['change_pts']:+.0f} points; printed \u2018{typo['value'].iloc[0]}\u2019 in the source"
        in conclusions
    )
    assert "No base sizes are published" in conclusions
    assert "none of these movements can be tested for chance" in conclusions


def test_each_finding_gives_its_own_confidence_reasons_on_the_page(rendered):
    """Before: 'lowered for the same 2 reasons as finding 1' (finding 1 listed three), in findings 2
    and 5 meaning different pairs. Each finding now names what each condition is for it, and the
    rubric says its raising rule is the evaluation's own."""
    wb, text = rendered["wb"], rendered["programme"]
    assert not re.search(r"same (\d+ )?reasons? as finding", text)
    for reason in wb.results_findings["confidence_reason"]:
        assert reason in text
    judged = text[text.index("How this evaluation judges") :]
    assert "(this evaluation's own rule, not GRADE's)" in judged
