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
    how far a value may be from the claim and still agree. For changes this
    defines "about the same" / "little or no change": ``|change| <=
    tolerance`` (0.02, two percentage points, in the shipped file; caveat
    C8). For ``value_equals`` it is the rounding half-point (0.005).
``untestable_reason``
    for ``not_testable`` claims: why no data can test the claim.
``interpretation``
    how the wording was read; echoed in the reason.

Each claim is judged on two separate questions (two columns of the audit):

``direction``
    does the data point the same way as the claim? (:data:`DIRECTIONS`)
``strength``
    is the evidence strong enough to say so: is every change the claim rests
    on distinguishable from chance at *both ends* of the approximated base
    range (caveat C3)? (:data:`STRENGTHS`) A causal claim ("created",
    "a catalyst for", "effect", "positive shift") gets
    :data:`CAUSAL_STRENGTH`: a before/after survey without a comparison group
    cannot support a causal claim (caveat C2).

The overall ``verdict`` is derived from the two
(:func:`lib.analysis.claim_verdict.overall_verdict`):
``supported``, ``partly supported``, ``direction only: could be chance``,
``not supported``, ``cannot be tested``. Adding a claim of an existing test
type needs only a new row in the CSV.
"""

from __future__ import annotations

import pandas as pd

from lib.analysis.claim_direction import TESTS
from lib.analysis.claim_spec import is_missing
from lib.analysis.claim_strength import judge_strength
from lib.analysis.claim_verdict import (
    AUDIT_COLUMNS,
    DIRECTION_OF,
    NO_STRENGTH,
    UNTESTABLE,
    Finding,
    Untestable,
    overall_verdict,
)


def audit_claims(claims: pd.DataFrame, survey: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: ``claim_id, claim, source, what_the_data_show,
    direction, strength, verdict, reason``.

    ``claims``: the processed claims table (``claims.csv``); ``survey``: the processed
    survey table; ``changes``: :func:`lib.analysis.uncertainty.before_after_changes` of
    that survey. ``direction`` says whether the data point the way the claim
    does; ``strength`` whether every change it rests on is distinguishable
    from chance at both ends of the approximated base range (or why that
    question does not arise); ``verdict`` is :func:`overall_verdict` of the
    two. Claims whose data do not exist (unknown item, list whose labels were
    lost, no base) cannot be tested, with the reason. An unknown ``test``
    raises ValueError.
    """
    unknown = sorted(set(claims["test"]) - set(TESTS))
    if unknown:
        raise ValueError(f"unknown claim test(s): {unknown}; known: {sorted(TESTS)}")
    rows = []
    for _, claim in claims.iterrows():
        try:
            finding = TESTS[claim["test"]](claim, survey, changes)
        except Untestable as why:
            finding = Finding("No data in the workbook can test this claim.", UNTESTABLE, str(why))
        try:
            strength, strength_reason = judge_strength(claim, survey, changes, finding)
        except Untestable:
            strength, strength_reason = NO_STRENGTH, ""
        direction = DIRECTION_OF[finding.verdict]
        verdict = overall_verdict(
            direction, strength, claims_significance=claim["test"] == "significant_increase"
        )
        reason = finding.reason
        if strength_reason:
            reason = f"{reason} {strength_reason}"
        interpretation = claim.get("interpretation")
        if not is_missing(interpretation):
            reason = f"{reason} Reading of the claim: {interpretation}"
        rows.append(
            {
                "claim_id": claim["claim_id"],
                "claim": claim["claim_quote"],
                "source": claim["source"],
                "what_the_data_show": finding.what_the_data_show,
                "direction": direction,
                "strength": strength,
                "verdict": verdict,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
