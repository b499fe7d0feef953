"""The one-page brief's content (lib.report.brief) from results tables built here,
with the columns of CONTRACT.md section 3: every figure on it is checked against
the frame it came from, and the minimum detectable difference it quotes is the
range of the "could be chance" rows."""

from __future__ import annotations

import dataclasses
import html
import re

import pandas as pd
import pytest

from lib.analysis import verdicts
from lib.report import brief


def _frames(success_verdicts=(verdicts.DIRECTION_ONLY,), target=10.0) -> brief.BriefTables:
    success = pd.DataFrame(
        [
            {
                "criterion_id": f"c{i}", "criterion": f"Criterion {i} <as stated>", "source": "002 § 2",
                "measures": "impacts", "reasoning": "why", "verdict": v, "headline": f"Headline {i}.",
                "confidence": "very_low", "confidence_reason": "no comparison group",
                "n_comparisons": 18, "n_higher": 13, "n_same": 4, "n_lower": 1, "n_clear": 0,
                "mdd_min_pts": 22.4, "mdd_max_pts": 28.6, "base_min": 43, "base_max": 76,
                "base_for_target_min": 360, "base_for_target_max": 390,
            }
            for i, v in enumerate(success_verdicts, 1)
        ]
    )  # fmt: skip
    findings = pd.DataFrame(
        {
            "finding_id": ["d", "a", "c", "b"],
            "order": [4, 1, 3, 2],
            "headline": ["Fourth.", "First.", "Third.", "Second."],
            "detail": [""] * 4,
            "confidence": ["high", "low", "moderate", "very_low"],
            "confidence_reason": ["r4", "r1", "r3", "r2"],
        }
    )
    design = pd.DataFrame(
        [{"kind": "unlinked", "kind_label": "before and after, unlinked", "scale": "Maryland Scientific Methods Scale",
          "scale_version": "What Works Centre (2016)", "scale_source": "s", "level": 1, "level_max": 5,
          "level_text": "a before and after comparison", "reason": "Nobody unexposed was surveyed."}]
    )  # fmt: skip
    comparisons = pd.DataFrame(
        {
            "comparison_id": ["impacts:a:vcs", "impacts:a:cc", "understanding:u:all", "impacts:b:cc"],
            "question": ["impacts", "impacts", "understanding", "impacts"],
            "sector": ["vcs", "childrens_centres", "all", "childrens_centres"],
            "sector_label": [
                "VCS organisations",
                "Children's centres",
                "All respondents",
                "Children's centres",
            ],
            "direction": ["higher", "higher", "higher", "about the same"],
            "verdict": [
                verdicts.DIRECTION_ONLY,
                verdicts.DIRECTION_ONLY,
                verdicts.SUPPORTED,
                verdicts.DIRECTION_ONLY,
            ],
            "clear_of_chance": [False, False, True, False],
            "mdd_pts": [22.4, 28.6, 15.0, 25.1],
            "base_for_target": [380, 360, 300, 390],
            "base_pre": [43, 71, 154, 43],
            "base_post": [46, 76, 165, 46],
        }
    )
    return brief.BriefTables(
        success,
        findings,
        design,
        comparisons,
        target_points=target,
        questions={"impacts": "Nine impacts (Q3)", "understanding": "Understanding (Q1)"},
        criterion_ids={"c1": ("impacts:a:vcs", "impacts:a:cc", "impacts:b:cc")},
        outcomes_measured="at the start and end of each workshop",
    )


def _text(markup) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(markup))))


def test_brief_gives_verdict_three_findings_what_cannot_be_concluded_and_decision_box():
    t = _frames()
    body = brief.brief_body(t, "A programme")
    text = _text(body)
    assert (
        f"Verdict \u2014 {verdicts.DIRECTION_ONLY}" in text
        and f"Verdict: {verdicts.DIRECTION_ONLY}" not in text
    )
    assert verdicts.DEFINITIONS[verdicts.DIRECTION_ONLY] in text
    # the three first findings in their order, each with its confidence; the fourth left out
    findings = re.findall(r"<li>(.*?)</li>", str(body), re.S)
    assert [_text(f).split(" Confidence")[0].strip() for f in findings] == ["First.", "Second.", "Third."]
    assert "Confidence: low (r1)" in text and "Confidence: very low (r2)" in text and "Fourth." not in text
    # what cannot be concluded: the design's rating, then the chance results in proportion
    assert "rates level 1 of 5 on the Maryland Scientific Methods Scale (What Works Centre (2016))" in text
    # each count of changes clear of chance names the comparisons it counts (funder A1)
    assert (
        "Of the 4 before/after changes in the survey, 1 is clear of chance: none of the 3 ratings behind the "
        "success measure and 1 of the 1 rating on understanding (Q1) for all respondents." in text
    )
    # the decision box's figures are the criterion's own (results_success), named by what they cover,
    # and what all respondents together could detect (the pooled comparison's own figure)
    assert (
        "For the 3 ratings behind the success measure (43 to 76 respondents per group), the survey could only "
        "detect changes of about 22 to 29 points; for all respondents together (154 before, 165 after, "
        "published only on understanding (Q1)), about 15 points." in text
    )
    # the decision box: the criterion escaped, its verdict and confidence; what it would take
    assert "Criterion 1 &lt;as stated&gt;" in str(body)
    row = re.search(r"<tr><th scope=\"row\">Criterion 1.*?</tr>", str(body), re.S).group(0)
    assert [_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)] == [
        verdicts.DIRECTION_ONLY,
        "very low",
        "Headline 1.",
    ]
    # what it would take to decide: what the design lacks for cause first, then the numbers, which
    # are for detecting the target change, not for attribution (funder A5)
    assert (
        "Showing whether the programme caused a change needs a comparison group (people or places the "
        "programme did not reach), before and after answers linked person to person and a later follow-up "
        "(here outcomes were measured at the start and end of each workshop); more respondents in the same "
        "design would still not show cause. The numbers per group are for detecting the change the evaluation "
        "plan says matters, not for attribution: to detect a change of 10 points in the 3 ratings behind the "
        "success measure, a survey needs about 360 to 390 respondents in each of the before and after groups; "
        "these rest on 43 to 76." in text
    )
    assert "median" not in text


def test_several_criteria_combine_into_one_verdict():
    t = _frames((verdicts.SUPPORTED, verdicts.NOT_SUPPORTED))
    part = brief.verdict_part(t.success)
    assert (
        part["overall"] == verdicts.combine([verdicts.SUPPORTED, verdicts.NOT_SUPPORTED]) == verdicts.PARTLY
    )
    assert len(part["criteria"]) == 2


def test_no_target_no_sample_size_sentence():
    assert brief.decision_part(_frames(target=None))["need"] is None


def test_a_verdict_outside_the_vocabulary_stops():
    with pytest.raises(ValueError, match="verdict"):
        brief.brief_body(_frames(("higher after the workshops",)), "A programme")


def test_missing_columns_are_named_one_per_line():
    t = _frames()
    broken = brief.BriefTables(t.success.drop(columns=["verdict"]), t.findings, t.design.drop(columns=["level"]),
                               t.comparisons, 10.0)  # fmt: skip
    assert brief.check_tables(broken) == [
        "results_success: column 'verdict' missing (expected the results table of CONTRACT.md section 3)",
        "results_design: column 'level' missing (expected the results table of CONTRACT.md section 3)",
    ]


def test_a_headline_that_is_the_verdict_is_not_printed_twice():
    t = _frames()
    same = dataclasses.replace(t, success=t.success.assign(headline=t.success["verdict"]))
    body = str(brief.brief_body(same, "A programme"))
    row = re.search(r"<tr><th scope=\"row\">Criterion 1.*?</tr>", body, re.S).group(0)
    assert _text(row).count(verdicts.DIRECTION_ONLY) == 1
    assert "In short" not in body
    assert "In short" in str(brief.brief_body(t, "A programme"))
