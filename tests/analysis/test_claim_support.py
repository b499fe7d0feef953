"""lib/analysis/claim_support.py: a supported change says what its support is, read from the
design rating, and a claim placing the change 'after the Programme' is flagged against the
survey report's own timing (004 § 2.2: 'self completed in the workshops pre and post the activity')."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from lib.analysis import claim_support, results
from lib.analysis.claim_verdict import DIRECTION_ONLY, STRONG, SUPPORTED, WEAK
from lib.analysis.design import design_result
from lib.programme import current_programme

CLAIM = "S3-understanding-significant"


@pytest.fixture(scope="module")
def res(evaluation_build):
    return results.compute_results(evaluation_build.tables)


def test_the_supported_understanding_claim_says_its_support_is_not_impact(res):
    """Before: the card read 'Supported' with nothing on what the support is, which read as impact."""
    claims = res["results_claims"].set_index("claim_id")
    row = claims.loc[CLAIM]
    assert row["verdict"] == SUPPORTED and not row["causal"]
    support = row["support"]
    assert support.startswith("A change measured at the start and at the end of each workshop")
    assert "alongside the programme" in support and "no comparison group" in support
    assert "level 1 of 5 on the Maryland Scientific Methods Scale" in support
    assert "not evidence that the programme caused it" in support
    # the claim's 'after the Programme' against the survey report's own words and place
    assert "The claim says \u2018after the Programme\u2019, which is not when it was measured" in support
    assert "\u2018Surveys were self completed in the workshops pre and post the activity\u2019" in support
    assert "(004 \u00a7 2 The Attitude Survey, para 2.2)" in support
    # only a verdict resting on a change clear of chance says so
    others = claims.drop(index=CLAIM)
    assert (others.loc[others["support"] != "", "strength"].isin(claim_support.CHANGE_STRENGTHS)).all()
    assert (others.loc[others["verdict"] == DIRECTION_ONLY, "support"] == "").all()


def _design(kind: str) -> pd.Series:
    return pd.Series(design_result(kind, current_programme().plan.rating_scale, None))


def test_support_follows_the_design_and_the_verdict():
    timing = (
        "Surveys were self completed in the workshops pre and post the activity",
        "004_x.txt § 2, para 2.2",
    )
    claim = "Understanding improved after the programme"
    unlinked = _design("unlinked")
    said = claim_support.support_reading(claim, SUPPORTED, STRONG, unlinked, "at the workshops", timing)
    assert "no comparison group" in said and "after the programme" in said
    # with a comparison group the design is not what limits the support
    assert claim_support.support_reading(claim, SUPPORTED, STRONG, _design("comparison"), "x", timing) == ""
    # a direction only verdict, or one not resting on a change clear of chance, says nothing more
    assert claim_support.support_reading(claim, DIRECTION_ONLY, WEAK, unlinked, "x", timing) == ""
    # a claim that names no time, or a source that says it was measured after the programme: no flag
    plain = claim_support.support_reading("Understanding improved", SUPPORTED, STRONG, unlinked, "x", timing)
    assert "The claim says" not in plain
    later = ("Surveys were completed after the programme", "004_x.txt § 2")
    assert "The claim says" not in claim_support.support_reading(
        claim, SUPPORTED, STRONG, unlinked, "x", later
    )


def test_support_reads_the_plans_timing(evaluation_build):
    prog = current_programme()
    design = dataclasses.replace(prog.plan.design, outcomes_measured="six months after each workshop")
    plan = dataclasses.replace(prog.plan, design=design)
    out = results.compute_results(evaluation_build.tables, dataclasses.replace(prog, evaluation_plan=plan))
    support = out["results_claims"].set_index("claim_id").at[CLAIM, "support"]
    assert support.startswith("A change measured six months after each workshop:")
