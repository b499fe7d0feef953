"""The claim audit's two questions and its verdict.

Each claim is judged on two questions, its *direction* (:data:`DIRECTIONS`)
and its *strength* (:data:`STRENGTHS`); :func:`overall_verdict` turns the two,
and whether the claim is causal, into one verdict of the shared vocabulary
(:mod:`lib.analysis.verdicts`), never stronger than its weakest leg.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.analysis.verdicts import (
    ASSOCIATION,
    DESCRIPTIVE,
    DIRECTION_ONLY,
    NOT_SUPPORTED,
    PARTLY,
    STRENGTH,
    SUPPORTED,
    UNTESTABLE,
    VERDICTS,
)

__all__ = [
    "ASSOCIATION",
    "DESCRIPTIVE",
    "DIRECTION_ONLY",
    "NOT_SUPPORTED",
    "PARTLY",
    "SUPPORTED",
    "UNTESTABLE",
    "VERDICTS",
]

# Question 1: does the data point the same way as the claim?
AGREES = "agrees"
PARTLY_AGREES = "partly agrees"
DISAGREES = "disagrees"
NO_DIRECTION = "cannot be tested"
DIRECTIONS: tuple[str, ...] = (AGREES, PARTLY_AGREES, DISAGREES, NO_DIRECTION)

# Question 2: could it be chance?
STRONG = "distinguishable from chance"
PARTLY_STRONG = "partly distinguishable from chance"
WEAK = "not distinguishable from chance"
NO_BASE = "cannot be judged: no base"
NOT_A_CHANGE = "not a change: a description of those surveyed"
NO_CHANGE_TEST = "cannot be judged: a test can only fail to find a change"
NO_STRENGTH = "cannot be judged"
STRENGTHS: tuple[str, ...] = (
    STRONG,
    PARTLY_STRONG,
    WEAK,
    NO_BASE,
    NOT_A_CHANGE,
    NO_CHANGE_TEST,
    NO_STRENGTH,
)

#: The audit's words on every causal claim (caveat C2).
CAUSAL_WORDS = "a before/after survey without a comparison group cannot support a causal claim"

AUDIT_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "claim",
    "source",
    "causal",
    "causal_reason",
    "what_the_data_show",
    "direction",
    "strength",
    "verdict",
    "reason",
    "support",
    "authorities",
)


class Untestable(Exception):
    """The data needed to test a claim do not exist or cannot be matched."""


@dataclass(frozen=True)
class Finding:
    """What one test found: the data sentence, the direction and why.

    ``verdict`` holds the answer to the direction question in the aggregate
    vocabulary (supported / partly / not supported), mapped by
    :data:`DIRECTION_OF`; ``strength`` is filled in by :func:`judge_strength`
    unless the test sets it.
    """

    what_the_data_show: str
    verdict: str
    reason: str
    strength: str = ""
    strength_reason: str = ""


DIRECTION_OF = {SUPPORTED: AGREES, PARTLY: PARTLY_AGREES, NOT_SUPPORTED: DISAGREES, UNTESTABLE: NO_DIRECTION}

#: The direction leg as a verdict.
_DIRECTION_LEG = {
    AGREES: SUPPORTED,
    PARTLY_AGREES: PARTLY,
    DISAGREES: NOT_SUPPORTED,
    NO_DIRECTION: UNTESTABLE,
}

#: The strength leg as the strongest verdict it allows.
_STRENGTH_CAP = {
    STRONG: SUPPORTED,
    PARTLY_STRONG: PARTLY,
    WEAK: DIRECTION_ONLY,
    NO_BASE: DIRECTION_ONLY,
    NO_CHANGE_TEST: DIRECTION_ONLY,
    NOT_A_CHANGE: DESCRIPTIVE,
    NO_STRENGTH: UNTESTABLE,
}


def _weaker(a: str, b: str) -> str:
    return min(a, b, key=STRENGTH.__getitem__)


def overall_verdict(
    direction: str, strength: str, *, causal: bool = False, claims_significance: bool = False
) -> str:
    """One verdict from the two answers, never stronger than the weaker of them.

    - data that point the other way: not supported; no data: cannot be tested;
    - a change clear of chance at both ends of the base range can support; one
      that is not, or that no test can reach (shares with no base, a claim of
      no change), is 'direction only: could be chance' ('not supported' when
      the claim itself asserts significance);
    - a statement about those surveyed at one time is at most 'supported as a
      description of those surveyed' (a partial match stays 'partly supported');
    - a causal claim whose data agree is at most 'association only: the design
      cannot show cause'; one no data bear on cannot be tested.
    """
    if direction not in DIRECTIONS or strength not in STRENGTHS:
        raise ValueError(f"unknown direction/strength {direction!r}/{strength!r}")
    leg = _DIRECTION_LEG[direction]
    if leg in (UNTESTABLE, NOT_SUPPORTED):
        verdict = leg
    elif strength == NOT_A_CHANGE:
        verdict = DESCRIPTIVE if leg == SUPPORTED else leg
    elif strength == WEAK and claims_significance:
        verdict = NOT_SUPPORTED
    else:
        verdict = _weaker(leg, _STRENGTH_CAP[strength])
    if causal and STRENGTH[verdict] > STRENGTH[ASSOCIATION]:
        verdict = ASSOCIATION
    return verdict


def aggregate_verdict(passed: list[bool]) -> str:
    if all(passed):
        return SUPPORTED
    if any(passed):
        return PARTLY
    return NOT_SUPPORTED
