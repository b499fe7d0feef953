"""Audit of the quantitative claims the source documents make.

``data/raw/published_claims.csv`` (read through :mod:`lib.sources.claims` into the
processed ``claims.csv``) transcribes each claim verbatim with its
provenance and a machine-readable test specification; :func:`audit_claims`
checks every claim against the processed survey table and the
before/after changes of :mod:`lib.analysis.uncertainty`, and returns a verdict with a
sentence built from the computed values.

Test specification columns (lists are ``;``-separated; a one-element list is
repeated to the length of the others):

``question``
    survey question id (the programme definition's ``survey.questions``).
``sector``, ``phase``
    sectors and phases the claim is about.
``items``
    item slugs; ``*`` means every item of the question and sector; a pattern
    ending in ``*`` matches the one item whose slug (or slugified label)
    starts with it.
``test``
    one of :data:`lib.analysis.claim_direction.TESTS` (the raw contract,
    :data:`lib.sources.claims.CLAIM_TESTS`, accepts exactly these names).
``threshold``
    whole number used by the counting tests (e.g. 7 of 9 impacts); the raw
    contract rejects anything else, as it does a ``tolerance`` or ``expected``
    that is not a proportion.
``expected``
    published proportions for ``value_equals``.
``tolerance``
    how far a value may be from the claim and still agree. For the change
    tests (:data:`lib.analysis.claim_spec.CHANGE_TESTS`) it is the plan's one
    "about the same" / "little or no change" tolerance (``|change| <=
    tolerance``, ``decision_rules.tolerance_points`` in plan.yaml; caveat C8):
    the cell may be empty or state that tolerance, and any other value stops
    the audit with one line. For ``value_equals`` it is the rounding
    half-point (0.005).
``untestable_reason``
    for ``not_testable`` claims: why no data can test the claim.
``interpretation``
    how the wording was read; echoed in the reason.

Each claim is judged on two separate questions (two columns of the audit):

``direction``
    does the data point the same way as the claim? (:data:`DIRECTIONS`)
``strength``
    could it be chance: is every change the claim rests on distinguishable
    from chance at *both ends* of the approximated base range (caveat C3)?
    (:data:`STRENGTHS`) Figures about those surveyed at one time are not a
    change; shares of comments have no base, so no test reaches them.

Whether a claim is causal is read by one stated rule
(:mod:`lib.analysis.claim_causal`) from the ``actor`` and ``causal_words``
columns, and each claim's reason is shown. The overall ``verdict`` is one of
the shared vocabulary (:mod:`lib.analysis.verdicts`), never stronger than its
weakest leg (:func:`lib.analysis.claim_verdict.overall_verdict`); a causal
claim is at most "association only: the design cannot show cause" (caveat
C2). Adding a claim of an existing test type needs only a new row in the CSV.

:func:`claims_results` is the results table ``results_claims.csv``
(:class:`ClaimsResult`), one row per claim.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from lib.analysis.claim_causal import causal_reading
from lib.analysis.claim_direction import TESTS
from lib.analysis.claim_spec import is_missing, split_list
from lib.analysis.claim_strength import judge_strength
from lib.analysis.claim_verdict import (
    AUDIT_COLUMNS,
    DIRECTION_OF,
    DIRECTIONS,
    NO_STRENGTH,
    STRENGTHS,
    UNTESTABLE,
    Finding,
    Untestable,
    overall_verdict,
)
from lib.analysis.uncertainty import approximate_bases, before_after_changes
from lib.analysis.verdicts import VERDICTS
from lib.programme import current_programme


def _authority_names(ids: list[str]) -> list[str]:
    names = {a.id: a.name for a in current_programme().authorities}
    return [names.get(i, i) for i in ids]


def _judge(claim: pd.Series, survey: pd.DataFrame, changes: pd.DataFrame) -> tuple[Finding, str, str]:
    """The test's finding and the strength answer with its reason."""
    try:
        finding = TESTS[claim["test"]](claim, survey, changes)
    except Untestable as why:
        finding = Finding("No data in the workbook can test this claim.", UNTESTABLE, str(why))
    try:
        strength, strength_reason = judge_strength(claim, survey, changes, finding)
    except Untestable:
        strength, strength_reason = NO_STRENGTH, ""
    return finding, strength, strength_reason


def audit_claims(claims: pd.DataFrame, survey: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """One row per claim, the columns of :data:`AUDIT_COLUMNS`.

    ``claims``: the processed claims table (``claims.csv``); ``survey``: the processed
    survey table; ``changes``: :func:`lib.analysis.uncertainty.before_after_changes` of
    that survey. ``direction`` says whether the data point the way the claim
    does; ``strength`` whether every change it rests on is distinguishable
    from chance at both ends of the approximated base range (or why that
    question does not arise); ``causal`` and ``causal_reason`` the causal rule's
    reading; ``verdict`` is :func:`overall_verdict` of the three. Claims whose
    data do not exist (unknown item, no base) cannot be tested, with the
    reason. An unknown ``test`` raises ValueError.
    """
    unknown = sorted(set(claims["test"]) - set(TESTS))
    if unknown:
        raise ValueError(f"unknown claim test(s): {unknown}; known: {sorted(TESTS)}")
    rows = []
    for _, claim in claims.iterrows():
        authorities = split_list(claim.get("authorities"))
        causal, causal_reason = causal_reading(claim, _authority_names(authorities))
        finding, strength, strength_reason = _judge(claim, survey, changes)
        direction = DIRECTION_OF[finding.verdict]
        verdict = overall_verdict(
            direction,
            strength,
            causal=causal,
            claims_significance=claim["test"] == "significant_increase",
        )
        reason = " ".join(part for part in (finding.reason, strength_reason) if part)
        if causal and direction != DIRECTION_OF[UNTESTABLE]:
            reason += f" The claim is causal, and {CAUSAL_WORDS_SENTENCE}"
        interpretation = claim.get("interpretation")
        if not is_missing(interpretation):
            reason = f"{reason} Reading of the claim: {interpretation}"
        rows.append(
            {
                "claim_id": claim["claim_id"],
                "claim": claim["claim_quote"],
                "source": claim["source"],
                "causal": causal,
                "causal_reason": causal_reason,
                "what_the_data_show": finding.what_the_data_show,
                "direction": direction,
                "strength": strength,
                "verdict": verdict,
                "reason": reason,
                "support": "",  # what a supported change's support is (lib.analysis.claim_support)
                "authorities": ";".join(authorities),
            }
        )
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS)).astype({"causal": bool})


#: Appended to the reason of a causal claim that data bear on.
CAUSAL_WORDS_SENTENCE = (
    "a before/after survey without a comparison group cannot support a causal claim (caveat C2): "
    "the change cannot be told apart from what would have happened anyway."
)


class ClaimsResult(pa.DataFrameModel):
    """`results_claims.csv`: the claim audit, one row per published claim."""

    claim_id: Series[str] = pa.Field(unique=True, description="stable claim id (published_claims.csv)")
    claim: Series[str] = pa.Field(description="the claim, quoted as printed")
    source: Series[str] = pa.Field(
        str_matches=r"\d{3}_[0-9a-f]{16}\.txt § .+", description="provenance: source document § section"
    )
    causal: Series[bool] = pa.Field(
        description="the claim is causal by the stated rule (lib/analysis/claim_causal.py)"
    )
    causal_reason: Series[str] = pa.Field(description="why the claim is or is not causal, for readers")
    what_the_data_show: Series[str] = pa.Field(description="the figures the claim is checked against")
    direction: Series[str] = pa.Field(
        isin=list(DIRECTIONS), description="does the data point the claim's way?"
    )
    strength: Series[str] = pa.Field(isin=list(STRENGTHS), description="could it be chance?")
    verdict: Series[str] = pa.Field(isin=list(VERDICTS), description="the verdict (lib/analysis/verdicts.py)")
    reason: Series[str] = pa.Field(description="why, built from the computed values")
    support: Series[str] = pa.Field(
        description="what the support of a (partly) supported change is: when it was measured and "
        "why the design cannot show the programme caused it; '' for any other verdict"
    )
    authorities: Series[str] = pa.Field(
        description="';'-joined ids of the authorities the claim names, '' if none"
    )

    class Config:
        name = "results_claims"
        strict = True
        ordered = True


def claims_results(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The results table ``results_claims.csv`` from the processed tables (``claims``,
    ``survey``, ``survey_respondents``), checked against :class:`ClaimsResult`."""
    changes = before_after_changes(tables["survey"], approximate_bases(tables["survey_respondents"]))
    audit = audit_claims(tables["claims"], tables["survey"], changes)
    if audit.empty:  # a programme without published claims: the table's columns and types
        schema = ClaimsResult.to_schema()
        audit = pd.DataFrame({c: pd.Series(dtype=spec.dtype.type) for c, spec in schema.columns.items()})
    return ClaimsResult.validate(audit)
