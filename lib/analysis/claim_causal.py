"""Which published claims are causal, by one stated rule, with each claim's reason.

The rule (:data:`CAUSAL_RULE`, shown to readers) reads only the claim's own
words. Each claim's reading is transcribed beside it in
``published_claims.csv``: ``actor`` says what the claim's words name as
bringing something about (:data:`ACTORS`), ``causal_words`` quotes the words
that say so (verbatim from the claim). A claim is causal when its words name
the programme (or one of its activities) as the cause of a change, or one
thing as a condition of another; a claim that a change happened, how
something was seen, or what an authority did itself is not causal. A section
heading is never read into a claim (Leeds's and Richmond's case studies put
their claims under the same heading, and both are read by their own words).
"""

from __future__ import annotations

import pandas as pd

from lib.analysis.claim_spec import is_missing

CAUSAL_RULE = (
    "A claim counts as causal when its own words say that something brought about a change or an "
    "outcome: either the programme or one of its activities as the cause, or one thing as a condition "
    "of another. A claim that a change happened, how something was seen, or what an authority did "
    "itself is not causal; a section heading is not read into the claim."
)

#: What a claim's words name as bringing something about -> whether that makes it causal.
ACTORS: dict[str, bool] = {
    "programme": True,  # the programme or one of its activities caused a change
    "condition": True,  # one thing is a condition of, or the cause of, another
    "authority": False,  # what the authority itself did
    "none": False,  # a change or view reported, no cause named
}


def causal_reading(claim: pd.Series, authority_names: list[str]) -> tuple[bool, str]:
    """``(causal, reason)`` for one claim row (processed ``claims.csv``).

    ValueError when ``actor`` is not one of :data:`ACTORS`, when a causal
    reading quotes no words, or when its words are not in the claim.
    """
    actor = str(claim.get("actor") or "").strip()
    if actor not in ACTORS:
        raise ValueError(f"claim {claim['claim_id']}: actor {actor!r}; expected one of {', '.join(ACTORS)}")
    words = "" if is_missing(claim.get("causal_words")) else str(claim["causal_words"]).strip()
    if words and words not in str(claim["claim_quote"]):
        raise ValueError(f"claim {claim['claim_id']}: causal_words {words!r} are not in the claim")
    if ACTORS[actor] and not words:
        raise ValueError(f"claim {claim['claim_id']}: a causal reading needs the words that state it")
    quoted = f"\u2018{words}\u2019"
    if actor == "programme":
        return (
            True,
            f"Causal: {quoted} names the programme or one of its activities as the cause of a change.",
        )
    if actor == "condition":
        return True, f"Causal: {quoted} says that one thing depends on, or was caused by, another."
    if actor == "authority":
        who = " and ".join(authority_names) or "the authority"
        return False, (
            f"Not causal about the programme: {quoted} says what {who} did itself, in its own account, "
            "not what the programme caused."
        )
    if words:
        return False, (
            f"Not causal: {quoted} says that something happened or how it was seen, but names no cause; "
            "a section heading is not read into the claim."
        )
    return False, "Not causal: the claim states figures or a result and names no cause."
