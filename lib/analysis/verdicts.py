"""The one verdict vocabulary: success criteria, claims and comparisons.

Every judgement the workbook prints (a success criterion, a published claim,
a before/after comparison, a key finding) uses these words and only these,
and is never stronger than its weakest leg:

* a change in the claimed direction clear of chance at both ends of the base
  range can *support*;
* a change in the claimed direction with no test, or whose test does not clear
  chance, is *direction only: could be chance*;
* data that do not point the claimed way (the other way, or, for a before/after
  comparison, a share about the same within the plan's tolerance), or a
  statement that claims more than the data show (a "significant" rise that
  could be chance), are *not supported*;
* no data bear on it: *cannot be tested*;
* a figure about those surveyed at one time, not a change, is *supported as a
  description of those surveyed*;
* a causal claim whose data agree, read through a design without a comparison
  group, is *association only: the design cannot show cause*.

The reader-facing definitions (:data:`DEFINITIONS`) are printed in the
glossary and beside the verdicts, so the words mean the same on every page.
"""

from __future__ import annotations

SUPPORTED = "supported"
PARTLY = "partly supported"
DESCRIPTIVE = "supported as a description of those surveyed"
ASSOCIATION = "association only: the design cannot show cause"
DIRECTION_ONLY = "direction only: could be chance"
NOT_SUPPORTED = "not supported"
UNTESTABLE = "cannot be tested"

#: Every verdict, strongest first (the order a table of verdicts sorts by).
VERDICTS: tuple[str, ...] = (
    SUPPORTED,
    PARTLY,
    DESCRIPTIVE,
    ASSOCIATION,
    DIRECTION_ONLY,
    NOT_SUPPORTED,
    UNTESTABLE,
)

#: What each verdict means, in words a reader outside evaluation can use.
DEFINITIONS: dict[str, str] = {
    SUPPORTED: (
        "The data point the way the statement claims (for a before/after comparison: the share rose) and "
        "the change is clear of chance at both ends of the range of possible survey bases."
    ),
    PARTLY: "Some parts of the statement are supported and others are not.",
    DESCRIPTIVE: (
        "The figure describes the people who answered at one point in time; it is not evidence of a change."
    ),
    ASSOCIATION: (
        "The data point the same way as a statement about cause, but without a comparison group the "
        "design can show only that the change happened alongside the programme, not that the programme caused it."
    ),
    DIRECTION_ONLY: (
        "The data point the way the statement claims (for a before/after comparison: the share rose), but "
        "the change is not clear of chance (or could not be tested for chance), so it could be a difference "
        "between the people who happened to answer."
    ),
    NOT_SUPPORTED: (
        "The data do not point the way the statement claims (they point the other way, or a before/after "
        "share stayed about the same or fell), or the statement claims more than the data show (for "
        "example a 'significant' rise that could be chance)."
    ),
    UNTESTABLE: "No data in the sources bear on the statement, so it can be neither supported nor contradicted.",
}

#: The definitions that speak of a survey, for a programme without one: the same rules, in words
#: true of evidence that is not answers to a survey.
WITHOUT_SURVEY: dict[str, str] = {
    SUPPORTED: "The data point the way the statement claims and the change is clear of chance.",
    DIRECTION_ONLY: (
        "The data point the way the statement claims, but the change is not clear of chance (or could "
        "not be tested for chance), so it could be chance variation rather than a real difference."
    ),
    NOT_SUPPORTED: (
        "The data do not point the way the statement claims, or the statement claims more than the data "
        "show (for example a 'significant' rise that could be chance)."
    ),
}


#: The verdicts only a survey's answers can earn (a programme without a survey never uses them).
SURVEY_ONLY: tuple[str, ...] = (DESCRIPTIVE,)


def vocabulary(*, survey: bool = True) -> tuple[str, ...]:
    """The verdicts a programme's statements can be given, strongest first."""
    return VERDICTS if survey else tuple(v for v in VERDICTS if v not in SURVEY_ONLY)


def definition(verdict: str, *, survey: bool = True) -> str:
    """What ``verdict`` means, in words for a programme with a survey (``survey``) or without one."""
    check_verdict(verdict)
    return DEFINITIONS[verdict] if survey else WITHOUT_SURVEY.get(verdict, DEFINITIONS[verdict])


#: How strongly each verdict backs a statement, for "never stronger than its
#: weakest leg" (higher is stronger; descriptive and association sit with
#: direction only, as none of them shows a change the programme caused).
STRENGTH: dict[str, int] = {
    SUPPORTED: 4,
    PARTLY: 3,
    DESCRIPTIVE: 2,
    ASSOCIATION: 2,
    DIRECTION_ONLY: 1,
    NOT_SUPPORTED: 0,
    UNTESTABLE: -1,
}


def check_verdict(verdict: str) -> str:
    """``verdict`` itself if it is one of :data:`VERDICTS`, else ValueError."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}; expected one of {', '.join(VERDICTS)}")
    return verdict


def weakest(verdicts: list[str] | tuple[str, ...]) -> str:
    """The weakest of several legs' verdicts (:data:`UNTESTABLE` when there are none)."""
    if not verdicts:
        return UNTESTABLE
    return min((check_verdict(v) for v in verdicts), key=STRENGTH.__getitem__)


def combine(verdicts: list[str] | tuple[str, ...]) -> str:
    """The verdict of a statement made of several parts tested separately.

    All parts supported: supported. Some supported and some not: partly
    supported. None supported: the weakest part's verdict, so a mix of
    "direction only" and "cannot be tested" reads "cannot be tested" only when
    nothing at all could be tested.
    """
    checked = [check_verdict(v) for v in verdicts]
    tested = [v for v in checked if v != UNTESTABLE]
    if not tested:
        return UNTESTABLE
    if all(v == SUPPORTED for v in tested):
        return SUPPORTED if len(tested) == len(checked) else PARTLY
    if any(v == SUPPORTED for v in tested):
        return PARTLY
    return min(tested, key=STRENGTH.__getitem__)
