"""Which evaluation design respondent-level data support.

Four designs, from what the data hold rather than what a plan says:

- ``unlinked``: before/after, respondents not linked (two cross-sections);
- ``linked``: a panel, the same people linked before and after by reference;
- ``comparison``: before/after for participants and a comparison group;
- ``linked_comparison``: linked respondents in both groups.

and a fifth a plan may declare when nothing was measured before/after or against
a comparison (``none``): it compares no outcomes, so a scale that rates designs
which compare outcomes gives it no level (:data:`NOT_RATED`) unless the plan's
scale names one.

A comparison group counts when the data carry a group column and both groups
have answers before and after. Respondents count as linked, in a group, when
the people answering in both phases (same authority, same reference) are at
least ``PAIRED_MIN_SHARE`` of the smaller phase base: the rule by which the
reports choose the paired interval (``lib.sources.response_format``).

Group spellings are read by ``lib.sources.response_format.group_of`` (the
intake's home of the words). The counts the design rests on are the processed
table ``survey_response_groups.csv`` (``response_tables.group_counts``), so the
build and the reports read the same design.

The rating: the evaluation plan names a design scale (``rating_scale``: a
level per design kind) and the design it claims (``design.kind``). The data
can only confirm or lower that claim (:func:`design_kind`: a comparison group
and linked respondents count when the plan claims them *and* the data show
them); :func:`rate_design` gives the kind's level on the plan's scale and the
reason, in words for readers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from lib.sources.response_format import COMPARISON, PAIRED_MIN_SHARE, PARTICIPANTS

DESIGNS = {
    "unlinked": "before/after survey, respondents not linked",
    "linked": "before/after survey of the same people (linked panel)",
    "comparison": "before/after survey with a comparison group",
    "linked_comparison": "before/after survey of the same people, with a comparison group",
    "none": "no before/after or comparison measure",
}
#: The design kind of a programme that measured no outcome before/after or against a comparison.
NONE = "none"
#: The level of a design the scale does not rate (below its first level).
NOT_RATED = 0
#: (linked, comparison) of each design kind, and back.
PARTS = {
    "unlinked": (False, False),
    "linked": (True, False),
    "comparison": (False, True),
    "linked_comparison": (True, True),
}
KIND_OF = {parts: kind for kind, parts in PARTS.items()}


def described(kind: str) -> str:
    """The design ``kind`` as a noun phrase for a sentence (``a before/after survey ...``)."""
    return f"a design with {DESIGNS[kind]}" if kind == NONE else f"a {DESIGNS[kind]}"


def level_words(level: int | str, level_max: int | str) -> str:
    """A rating's level in words: ``level 1 of 5``, or ``not rated (below level 1 of 5)``."""
    if int(level) == NOT_RATED:
        return f"not rated (below level 1 of {level_max})"
    return f"level {level} of {level_max}"


@dataclass(frozen=True)
class Design:
    """The design the data support and the facts it rests on."""

    design: str  # a key of DESIGNS
    groups: tuple[str, ...]  # groups with answers before and after
    linked_share: dict[str, float]  # per group: linked people / smaller phase base

    @property
    def comparison(self) -> bool:
        """A comparison group answered before and after."""
        return self.design in ("comparison", "linked_comparison")


def design_from_groups(groups: pd.DataFrame) -> Design:
    """The design a ``survey_response_groups.csv`` table supports (columns
    ``group, responses_pre, responses_post, linked_n``)."""
    rows = groups.set_index("group")
    present = tuple(
        g
        for g in (PARTICIPANTS, COMPARISON)
        if g in rows.index and rows.at[g, "responses_pre"] > 0 and rows.at[g, "responses_post"] > 0
    )
    shares = {
        g: float(rows.at[g, "linked_n"]) / min(rows.at[g, "responses_pre"], rows.at[g, "responses_post"])
        for g in present
    }
    linked = bool(shares) and all(s >= PAIRED_MIN_SHARE for s in shares.values())
    compared = present == (PARTICIPANTS, COMPARISON)
    return Design(KIND_OF[(linked, compared)], present, shares)


def design_kind(claimed: str | None, found: Design | None) -> tuple[str, str]:
    """(kind, reason): the design a rating rests on. The data can only confirm
    or lower the plan's ``claimed`` kind: a comparison group or linked
    respondents count when the plan claims them and the data show them. With
    no claim (no plan), the data decide; with no respondent-level data
    (``found`` None), the plan's description stands, and the reason says so."""
    if claimed is not None and claimed not in DESIGNS:
        raise ValueError(f"unknown design kind {claimed!r}; expected one of {', '.join(DESIGNS)}")
    if found is None:
        if claimed is None:
            raise ValueError("no design to rate: neither an evaluation plan nor respondent-level data")
        if claimed == NONE:  # nothing measured to check it against
            return claimed, f"the evaluation plan describes {described(claimed)}"
        return claimed, (
            f"the evaluation plan describes {described(claimed)}; there are no respondent-level data to "
            "check it against"
        )
    if claimed is None:
        return found.design, f"the response data support {described(found.design)}"
    if claimed == NONE:  # the data cannot raise a claim: the plan's design stands
        return claimed, (
            f"the evaluation plan describes {described(claimed)}; the response data hold "
            f"{described(found.design)}, but a rating rests on the design the plan describes"
        )
    shown = PARTS[found.design]
    wanted = PARTS[claimed]
    kind = KIND_OF[(wanted[0] and shown[0], wanted[1] and shown[1])]
    missing = []
    if wanted[1] and not shown[1]:
        missing.append("no comparison group answered both before and after in the response data")
    if wanted[0] and not shown[0]:
        missing.append(
            f"fewer than {PAIRED_MIN_SHARE:.0%} of respondents are linked before and after by a reference"
        )
    if missing:
        return kind, (
            f"the evaluation plan describes {described(claimed)}, but {' and '.join(missing)}, "
            f"so the design is rated on what the data show: {described(kind)}"
        )
    if shown != wanted:
        return kind, (
            f"the evaluation plan describes {described(claimed)}; the response data hold "
            f"{described(found.design)}, but a rating rests on the design the plan describes"
        )
    return kind, f"the evaluation plan describes {described(claimed)}, and the response data confirm it"


@dataclass(frozen=True)
class Rating:
    """A design's level on a named scale, and why."""

    kind: str
    level: int
    level_max: int
    level_text: str
    reason: str


def rate_design(
    kind: str,
    levels: Mapping[str, int],
    level_max: int,
    level_text: Mapping[int, str] | None = None,
    reason: str = "",
) -> Rating:
    """The level of design ``kind`` on a scale mapping each kind to a level
    (the plan's ``rating_scale.levels``), with the scale's words for it and
    ``reason`` (from :func:`design_kind`) completed for readers. A design
    that compares no outcomes (``none``) is not rated (:data:`NOT_RATED`)
    unless the scale gives it a level."""
    if kind not in DESIGNS:
        raise ValueError(f"unknown design kind {kind!r}; expected one of {', '.join(DESIGNS)}")
    if kind not in levels and kind != NONE:
        raise ValueError(f"the rating scale gives no level for the design {kind!r}")
    level = int(levels.get(kind, NOT_RATED))
    if not (1 <= level <= level_max or (kind == NONE and level == NOT_RATED)):
        raise ValueError(f"level {level} for {kind!r} is outside the scale's 1-{level_max}")
    text = (level_text or {}).get(level, "")
    because = f"{reason}; " if reason else ""
    if level == NOT_RATED:
        return Rating(
            kind,
            level,
            level_max,
            text,
            f"{because}{described(kind)} compares no outcomes, so it is below the scale's level 1 and not rated",
        )
    return Rating(
        kind, level, level_max, text, f"{because}{described(kind)} is {level_words(level, level_max)}"
    )


#: The columns of ``results_design.csv`` (CONTRACT 3), in order.
RESULT_COLUMNS = (
    "kind",
    "kind_label",
    "scale",
    "scale_version",
    "scale_source",
    "level",
    "level_max",
    "level_text",
    "reason",
)


def design_result(claimed: str | None, scale, found: Design | None) -> dict:
    """The one row of ``results_design.csv``: the design the plan claims
    (``claimed``) as far as the data confirm it (``found``; None without
    respondent-level data), rated on the plan's ``scale`` (its
    ``rating_scale``: ``name``, ``version``, ``source``, ``levels``,
    ``level_max``, ``level_text``)."""
    kind, reason = design_kind(claimed, found)
    text = getattr(scale, "level_text", None) or {}
    rating = rate_design(kind, dict(scale.levels), int(scale.level_max), dict(text), reason)
    values = (
        kind,
        DESIGNS[kind],
        scale.name,
        scale.version,
        getattr(scale, "source", ""),
        rating.level,
        rating.level_max,
        rating.level_text,
        rating.reason,
    )
    return dict(zip(RESULT_COLUMNS, values, strict=True))
