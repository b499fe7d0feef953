"""The claim audit's vocabulary and its verdict.

Each claim is judged on two questions, its *direction* (:data:`DIRECTIONS`)
and its *strength* (:data:`STRENGTHS`); :func:`overall_verdict` turns the two
into one of :data:`VERDICTS`.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED = "supported"
PARTLY = "partly supported"
DIRECTION_ONLY = "direction only: could be chance"
NOT_SUPPORTED = "not supported"
UNTESTABLE = "cannot be tested"
VERDICTS: tuple[str, ...] = (SUPPORTED, PARTLY, DIRECTION_ONLY, NOT_SUPPORTED, UNTESTABLE)

# Question 1: does the data point the same way as the claim?
AGREES = "agrees"
PARTLY_AGREES = "partly agrees"
DISAGREES = "disagrees"
NO_DIRECTION = "cannot be tested"
DIRECTIONS: tuple[str, ...] = (AGREES, PARTLY_AGREES, DISAGREES, NO_DIRECTION)

# Question 2: is the evidence strong enough to say so?
STRONG = "distinguishable from chance"
PARTLY_STRONG = "partly distinguishable from chance"
WEAK = "not distinguishable from chance"
NO_BASE = "cannot be judged: no base"
NOT_A_CHANGE = "not a question of chance"
CAUSAL_STRENGTH = "cannot support a causal claim"
NO_STRENGTH = "cannot be judged"
STRENGTHS: tuple[str, ...] = (
    STRONG,
    PARTLY_STRONG,
    WEAK,
    NO_BASE,
    NOT_A_CHANGE,
    CAUSAL_STRENGTH,
    NO_STRENGTH,
)

#: The audit's words on every causal claim (caveat C2).
CAUSAL_WORDS = "a before/after survey without a comparison group cannot support a causal claim"

AUDIT_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "claim",
    "source",
    "what_the_data_show",
    "direction",
    "strength",
    "verdict",
    "reason",
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


def overall_verdict(direction: str, strength: str, *, claims_significance: bool = False) -> str:
    """One verdict from the two answers; never 'supported' on direction alone.

    A causal claim is not supported whatever the direction; a claim whose
    direction agrees but whose changes are not distinguishable from chance is
    'direction only: could be chance' (or 'not supported' when the claim itself
    asserts significance).
    """
    if direction not in DIRECTIONS or strength not in STRENGTHS:
        raise ValueError(f"unknown direction/strength {direction!r}/{strength!r}")
    if strength == CAUSAL_STRENGTH:
        return NOT_SUPPORTED
    if direction == NO_DIRECTION:
        return UNTESTABLE
    if direction == DISAGREES:
        return NOT_SUPPORTED
    if direction == PARTLY_AGREES:
        return PARTLY
    if strength in (STRONG, NO_BASE, NOT_A_CHANGE):
        return SUPPORTED
    if strength == PARTLY_STRONG:
        return PARTLY
    return NOT_SUPPORTED if claims_significance else DIRECTION_ONLY


def aggregate_verdict(passed: list[bool]) -> str:
    if all(passed):
        return SUPPORTED
    if any(passed):
        return PARTLY
    return NOT_SUPPORTED
