"""Which evaluation design respondent-level data support.

Four designs, from what the data hold rather than what a plan says:

- ``unlinked``: before/after, respondents not linked (two cross-sections);
- ``linked``: a panel, the same people linked before and after by reference;
- ``comparison``: before/after for participants and a comparison group;
- ``linked_comparison``: linked respondents in both groups.

A comparison group counts when the data carry a group column and both groups
have answers before and after. Respondents count as linked, in a group, when
the people answering in both phases (same authority, same reference) are at
least ``PAIRED_MIN_SHARE`` of the smaller phase base: the rule by which the
reports choose the paired interval (``lib.sources.response_format``).

Group spellings: a value naming the comparison ("comparison", "control",
"non-participant", "not attending" ...) puts the respondent in the comparison
group; one naming the programme ("participant", "programme", "treatment",
"intervention", "attended" ...) among participants; anything else is neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from lib.sources.response_format import PAIRED_MIN_SHARE

PARTICIPANTS, COMPARISON = "participants", "comparison"
DESIGNS = {
    "unlinked": "before/after survey, respondents not linked",
    "linked": "before/after survey of the same people (linked panel)",
    "comparison": "before/after survey with a comparison group",
    "linked_comparison": "before/after survey of the same people, with a comparison group",
}
COMPARISON_WORDS = frozenset(
    {"comparison", "control", "nonparticipant", "nonparticipants", "untreated", "waitlist"}
)
PARTICIPANT_WORDS = frozenset(
    {
        "participant",
        "participants",
        "programme",
        "program",
        "treatment",
        "treated",
        "intervention",
        "attended",
    }
)


def group_of(text: object) -> str | None:
    """``participants``, ``comparison`` or None for one written group value."""
    folded = re.sub(r"non[\s_-]+", "non", str(text).casefold())
    words = set(re.split(r"[^a-z]+", folded))
    if words & COMPARISON_WORDS or {"not", "attending"} <= words or {"did", "not", "attend"} <= words:
        return COMPARISON
    if words & PARTICIPANT_WORDS:
        return PARTICIPANTS
    return None


@dataclass(frozen=True)
class Design:
    """The design the data support and the facts it rests on."""

    design: str  # a key of DESIGNS
    groups: tuple[str, ...]  # groups with answers before and after
    linked_share: dict[str, float]  # per group: linked people / smaller phase base

    @property
    def description(self) -> str:
        return DESIGNS[self.design]

    @property
    def comparison(self) -> bool:
        """A comparison group answered before and after."""
        return self.design in ("comparison", "linked_comparison")

    @property
    def linked(self) -> bool:
        """Respondents are linked person to person."""
        return self.design in ("linked", "linked_comparison")


def _linked_share(rows: pd.DataFrame, before: str, after: str) -> float:
    pre, post = rows[rows["phase"] == before], rows[rows["phase"] == after]
    smaller = min(len(pre), len(post))
    if smaller == 0:
        return 0.0
    keys = ["authority_id", "ref"] if "authority_id" in rows else ["ref"]
    linked = pre[pre["ref"] != ""][keys].drop_duplicates().merge(post[keys].drop_duplicates(), on=keys)
    return len(linked) / smaller


def read_design(responses: pd.DataFrame, before: str = "pre", after: str = "post") -> Design:
    """The design ``responses`` support: one row per response with ``phase``,
    ``ref`` ('' = unlinked), optionally ``authority_id`` and ``group``."""
    frame = responses.assign(ref=responses["ref"].fillna("").astype(str) if "ref" in responses else "")
    frame = frame.assign(group=frame["group"].map(group_of) if "group" in frame else PARTICIPANTS)
    groups = tuple(
        g
        for g in (PARTICIPANTS, COMPARISON)
        if {before, after} <= set(frame.loc[frame["group"] == g, "phase"].astype(str))
    )
    shares = {g: _linked_share(frame[frame["group"] == g], before, after) for g in groups}
    linked = bool(shares) and all(s >= PAIRED_MIN_SHARE for s in shares.values())
    compared = groups == (PARTICIPANTS, COMPARISON)
    key = {(False, False): "unlinked", (True, False): "linked", (False, True): "comparison"}.get(
        (linked, compared), "linked_comparison"
    )
    return Design(key, groups, shares)
