"""The claim-audit section: folded, after the success measure, its count and causal rule."""

from __future__ import annotations

import re

import pytest

from lib import report
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
