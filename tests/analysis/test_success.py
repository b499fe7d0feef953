"""lib/analysis/success.py: the programme judged against its own success measure.

The expected answers follow from the 004 chart series (the processed survey
table) and the claim audit; each test moves the data and checks the judgement
moves with it.
"""

from __future__ import annotations

import pytest

from lib import report
from lib.analysis import claim_verdict, claims, success
from lib.analysis.uncertainty import before_after_changes


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return report.load_workbook(evaluation_build.processed)


def _judge(wb, survey=None):
    survey = wb.survey if survey is None else survey
    changes = before_after_changes(survey, wb.bases)
    audit = claims.audit_claims(wb.claims, survey, changes)
    return success.judge_success_measure(wb.programme_statements, changes, audit, wb.claims)


def _set(survey, sector, item, phase, value):
    survey = survey.copy()
    where = (
        (survey["question"] == "impacts")
        & (survey["sector"] == sector)
        & (survey["item"] == item)
        & (survey["phase"] == phase)
    )
    assert where.sum() == 1
    survey.loc[where, "value"] = value
    return survey


def test_judges_the_programmes_own_words(wb):
    j = _judge(wb)
    assert j.measure == "Success was seen as increased positive attitudes to VCS involvement."
    assert j.measure_source.startswith("002_1a84d9ca59562927.txt § 2")
    assert list(j.by_sector.columns) == list(success.BY_SECTOR_COLUMNS)
    assert j.verdict in success.VERDICTS and j.confidence in success.CONFIDENCE


def test_on_the_published_data_attitudes_rose_but_no_rise_can_be_told_from_chance(wb):
    j = _judge(wb)
    t = j.by_sector.set_index("sector")
    c = wb.changes[wb.changes["question"] == "impacts"]
    for sector in ("vcs", "childrens_centres"):
        s = c[c["sector"] == sector]
        assert t.at[sector, "rose"] == int((s["change"] > 0.02 + 1e-9).sum())
        assert t.at[sector, "fell"] == int((s["change"] < -0.02 - 1e-9).sum()) == 0
        assert (
            t.at[sector, "distinguishable"]
            == int((s["significant_low_base"] & s["significant_high_base"]).sum())
            == 0
        )
        assert t.at[sector, "verdict"] == success.HIGHER
        assert t.at[sector, "confidence"] == success.VERY_LOW
    # Local authority ratings are not published: not judged, never guessed.
    assert (t.at["local_authorities", "verdict"], t.at["local_authorities", "confidence"]) == (
        success.NOT_JUDGED,
        success.NO_CONFIDENCE,
    )
    assert (j.verdict, j.confidence) == (success.HIGHER, success.VERY_LOW)
    # The audit is part of the judgement: the sector's claims and how many are supported.
    assert "S3-helpful-on-all-impacts" in t.at["vcs", "audit_claims"].split(";")
    assert any(claim_verdict.CAUSAL_WORDS in limit for limit in j.design_limits)


def test_confidence_rises_only_when_rises_are_distinguishable_from_chance(wb):
    survey = wb.survey
    c = wb.changes
    vcs_rises = c[(c["question"] == "impacts") & (c["sector"] == "vcs") & (c["change"] > 0.02)]
    for item, pre in zip(vcs_rises["item"], vcs_rises["pre"], strict=False):
        survey = _set(survey, "vcs", item, "post", min(pre + 0.45, 0.99))
    t = _judge(wb, survey).by_sector.set_index("sector")
    assert t.at["vcs", "distinguishable"] == len(vcs_rises)
    assert t.at["vcs", "confidence"] == success.MODERATE
    assert t.at["childrens_centres", "confidence"] == success.VERY_LOW  # unchanged


def test_falls_make_the_verdict_mixed_or_not_higher(wb):
    survey = _set(wb.survey, "childrens_centres", "extend_service_reach", "post", 0.30)
    t = _judge(wb, survey).by_sector.set_index("sector")
    assert t.at["childrens_centres", "verdict"] == success.MIXED
    c = wb.changes
    cc = c[(c["question"] == "impacts") & (c["sector"] == "childrens_centres")]
    for item, pre in zip(cc["item"], cc["pre"], strict=False):
        survey = _set(survey, "childrens_centres", item, "post", max(pre - 0.10, 0.0))
    j = _judge(wb, survey)
    assert j.by_sector.set_index("sector").at["childrens_centres", "verdict"] == success.NOT_HIGHER
    assert j.verdict == success.MIXED  # VCS still higher


def test_missing_success_measure_is_an_error(wb):
    statements = wb.programme_statements[wb.programme_statements["topic"] != "success_measure"]
    with pytest.raises(ValueError, match="success_measure"):
        success.success_measure(statements)


def test_section_renders_the_judgement_with_its_reasons(wb):
    j = _judge(wb)
    html = report.success_measure_section(wb)
    assert "Success was seen as increased positive attitudes to VCS involvement." in html
    assert f"Verdict against this measure: the ratings were {j.verdict} (confidence: {j.confidence})" in html
    assert "What the design cannot say" in html
    assert "S3-helpful" not in html  # no internal identifiers in reader-facing text
