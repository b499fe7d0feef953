"""The claim-audit section: folded, after the success measure, its count and causal rule."""

from __future__ import annotations

import re

import pytest

from lib import programme, report
from lib.analysis import claim_causal, verdicts
from lib.report import pages


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return report.load_workbook(evaluation_build.processed)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(html)))


def test_the_audit_says_how_many_claims_it_checked_not_that_they_are_all_the_claims(wb):
    """Before: 'The source documents make 36 claims that the workbook checks'."""
    audit = report.claim_audit(wb)
    text = _text(report.claim_audit_section(wb))
    assert f"{len(audit)} claims checked" in text
    assert "not every statement the documents make" in text
    assert "The source documents make" not in text


def test_the_audit_states_its_causal_rule_and_each_claims_reason(wb):
    audit = report.claim_audit(wb)
    html = str(report.claim_audit_section(wb))
    text = _text(html)
    assert claim_causal.CAUSAL_RULE.replace("'", "&#39;") in html
    assert f"{int(audit['causal'].sum())} of the {len(audit)} claims are causal" in text
    assert len(re.findall(r"<dt>Causal\?</dt>", html)) == len(audit)
    for reason in audit["causal_reason"]:
        assert _text(reason.replace("'", "&#39;"))[:40] in text


def test_the_audit_is_folded_one_group_per_verdict_with_its_meaning(wb):
    """Before: every card open, about 40% of the programme page."""
    audit = report.claim_audit(wb)
    html = str(report.claim_audit_section(wb))
    groups = re.findall(r'<details class="audit-group">\s*<summary>([^<]+)</summary>', html)
    present = [v for v in verdicts.VERDICTS if (audit["verdict"] == v).any()]
    assert groups == [
        f"{v[:1].upper() + v[1:]}: {n} claim{'s' if n != 1 else ''}"
        for v in present
        for n in [int((audit["verdict"] == v).sum())]
    ]
    assert " open" not in re.findall(r"<details class=\"audit-group\"[^>]*>", html)[0]
    for v in present:
        assert _text(verdicts.DEFINITIONS[v])[:40] in _text(html)


def test_the_audit_comes_after_the_success_measure():
    """Issue 19: the success-measure section was 11th of 14, after the audit."""
    ids = [s.id for s in pages.PROGRAMME_PAGE.sections]
    assert ids.index("claim-audit") == ids.index("success-measure") + 1


def test_one_decision_for_the_list_that_lost_a_label_matched_by_position_as_a_marked_inference(wb):
    """Before: the audit and caveat C5 said the children's centres' Q4 list 'cannot be matched to
    labels' while the programme page charted it by position, unmarked."""
    from lib.report import survey

    chart = _text(survey.comment_shares(wb, "la_role", "childrens_centres"))
    marker = "labels paired with values by printed position, an inference"
    assert chart.count(marker) >= 3  # the sentence, the chart title and the table caption
    assert "if it belongs to any of the last 4 values (all 4%)" in chart
    assert marker not in _text(survey.comment_shares(wb, "la_role", "vcs"))
    audit = report.claim_audit(wb).set_index("claim_id")
    for claim_id in ("S5-cc-involve-commitment", "S3-cc-look-for-support"):
        assert "paired with labels by printed position, an inference" in audit.at[claim_id, "reason"]
        assert audit.at[claim_id, "verdict"] != "cannot be tested"
    caveats = re.sub(r"\s+", " ", programme.caveats_path().read_text(encoding="utf-8"))
    c5 = caveats[caveats.index("## C5") : caveats.index("## C6")]
    assert "cannot be matched" not in c5
    assert "by printed position" in c5 and "inference" in c5
    methods = _text(report.methods_section(wb))
    assert "paired with their labels by printed position, an inference" in methods
    log = wb.quality_log
    mismatch = log[log["check"] == "values_labels_mismatch"]
    assert mismatch["action"].str.contains("an inference marked in the note").all()


def test_no_claim_text_appears_on_two_cards(wb):
    """One claim, one card, one classification. Before: 'So in year one, nine focus workshops
    ... were a catalyst for change.' had two cards, once causal and once not."""
    html = str(report.claim_audit_section(wb))
    cards = re.findall(r'<li class="audit-card[^"]*" id="[^"]+">(.*?)</li>', html, flags=re.S)
    claims = [
        _text(card.split('<p class="verdict">', 1)[1].split("</p>", 1)[1].split("<dl>")[0]).strip()
        for card in cards
    ]
    assert len(claims) == len(report.claim_audit(wb)) > 0
    repeated = sorted({c for c in claims if claims.count(c) > 1})
    assert not repeated, repeated
    catalyst = [c for c in claims if "nine focus workshops" in c]
    assert len(catalyst) == 1
    row = report.claim_audit(wb).set_index("claim_id").loc["K-y1-catalyst-for-change"]
    assert bool(row["causal"]) and row["verdict"] == verdicts.UNTESTABLE
    assert "counts" in row["reason"]
