"""The glossary page (``html/glossary.html``), linked from every page of the site.

Three kinds of entry, each from its one home:

* the programme's own words (VCS, CVS, children's centres ...): the
  ``glossary`` list of the programme definition, so another programme's pages
  never show this programme's words;
* the evaluation words every programme's reports use (KPI, base, interval,
  minimum detectable difference, percentage points, the base range and the
  Wilson and Newcombe interval methods): :data:`GENERAL_TERMS`, those about a
  survey's answers (:data:`SURVEY_TERMS`) only for a programme with a survey;
* each verdict, with its definition from :mod:`lib.analysis.verdicts`, and the
  confidence scale of the programme's evaluation plan (its
  ``confidence_rubric``: each level, and what lowers or raises it).

HTML from ``templates/glossary.html.j2`` (autoescaped).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lib.run import banner, site

#: Evaluation words the reports of any programme use: (term, meaning).
GENERAL_TERMS: tuple[tuple[str, str], ...] = (
    (
        "KPI",
        "A key performance indicator: a measure a programme sets itself and reports each year to track its progress.",
    ),
    (
        "Base",
        "The number of people who answered a question: the number a percentage is a share of. Where a source "
        "gives only a range for a base, the reports work out every result at both ends of that range.",
    ),
    (
        "Percentage points",
        "The difference between two percentages: a rise from 40% to 50% is a rise of 10 percentage points.",
    ),
    (
        "Interval",
        "The range the true value (or the true change) is likely to lie in, given how many people answered "
        "(a 95% confidence interval). A change whose interval includes zero could be chance.",
    ),
    (
        "Clear of chance",
        "A change whose interval excludes zero at both ends of the range of possible bases: unlikely to be only "
        "a difference between the people who happened to answer.",
    ),
    (
        "Minimum detectable difference",
        "The smallest change, in percentage points, that a survey with these bases would be likely to detect "
        "at the power and significance level the evaluation plan sets. A real change smaller than this could "
        "go unnoticed, so a result that could be chance is not evidence of no change.",
    ),
    (
        "Base range",
        "Where a source gives only approximate numbers of respondents, the lowest and highest numbers that "
        "could have answered. Each result is worked out at both ends of this range, and a change is called "
        "clear of chance only if it is clear at both.",
    ),
    (
        "Wilson interval",
        "The method used for the interval around one share (for example, 60% of 40 respondents): the Wilson "
        "score interval. It stays within 0% to 100% and works for small numbers of respondents.",
    ),
    (
        "Newcombe interval",
        "The method used for the interval around the difference between two shares (for example, before and "
        "after): Newcombe's method, which combines the Wilson intervals of the two shares.",
    ),
)

#: The terms of :data:`GENERAL_TERMS` about answers to a survey: a programme without one never uses them.
SURVEY_TERMS = frozenset(
    {
        "Base",
        "Interval",
        "Clear of chance",
        "Minimum detectable difference",
        "Base range",
        "Wilson interval",
        "Newcombe interval",
    }
)


@dataclass(frozen=True)
class Entry:
    id: str
    term: str
    meaning: str
    source: str = ""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    entries: tuple[Entry, ...]
    lead: str = ""
    after: tuple[str, ...] = field(default_factory=tuple)


def _entries(pairs: Iterable[tuple[str, str, str]], prefix: str) -> tuple[Entry, ...]:
    used: set[str] = set()
    out = []
    for term, meaning, source in pairs:
        base = f"{prefix}-{site.anchor_id(term)}"
        eid, n = base, 2
        while eid in used:
            eid, n = f"{base}-{n}", n + 1
        used.add(eid)
        out.append(Entry(eid, term, meaning, source))
    return tuple(out)


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """``obj.name`` or ``obj[name]``: the plan's dataclasses, or the mapping of plan.yaml."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def confidence_rubric() -> Any:
    """The programme's confidence rubric (CONTRACT.md section 2 ``confidence_rubric``), or None."""
    from lib import programme

    return programme.current_programme().plan.confidence_rubric


def factor_words(factor: Any) -> str:
    """A rubric factor as its reader reads it: the plan's ``text`` for it, never its ``id``."""
    if isinstance(factor, str):
        return factor
    return str(_field(factor, "text", "") or "")


def confidence_section(rubric: Any) -> Section | None:
    """The confidence scale: each level in words, then what lowers and raises a rating."""
    if rubric is None:
        return None
    levels = [
        (str(_field(level, "id", "")).replace("_", " ").capitalize(), str(_field(level, "text", "")), "")
        for level in _field(rubric, "levels", ()) or ()
    ]
    kinds = {"count": "a count from the documents", "change": "a measured change"}
    starts = [
        f"a finding that is {kinds.get(str(kind), str(kind))} starts {str(level).replace('_', ' ')}"
        for kind, level in dict(_field(rubric, "starts", ()) or ()).items()
    ]
    after = (
        [
            "Where a rating starts: " + "; ".join(starts) + ". The conditions below are counted together: "
            "one level down for each that lowers it and one up for each that raises it; only the result "
            "is held within the scale, so a rating lowered twice and raised once ends one level below its start."
        ]
        if starts
        else []
    )
    for key, words in (("lowered_by", "lowers"), ("raised_by", "raises")):
        reasons = [factor_words(x) for x in _field(rubric, key, ()) or ()]
        if reasons:
            after.append(f"What {words} a rating: " + "; ".join(reasons) + ".")
    return Section(
        "confidence",
        "Confidence",
        _entries(levels, "confidence"),
        lead="Each finding and verdict states how confident the evaluation can be in it, on this scale.",
        after=tuple(after),
    )


def glossary_sections(programme: Any, rubric: Any = None) -> list[Section]:
    """The page's sections for ``programme`` (a :class:`lib.programme.Programme`)."""
    from lib.analysis import verdicts

    titles = {d.id: d.title for d in programme.source_documents}
    own = [(t.term, t.meaning, titles.get(t.source, "")) for t in programme.glossary]
    sections = []
    if own:
        sections.append(Section("programme-words", "The programme's own words", _entries(own, "term")))
    survey = programme.has_survey
    general = [(term, meaning, "") for term, meaning in GENERAL_TERMS if survey or term not in SURVEY_TERMS]
    sections.append(Section("evaluation-words", "Evaluation words", _entries(general, "term")))
    sections.append(
        Section(
            "verdicts",
            "Verdicts",
            _entries(
                ((v, verdicts.definition(v, survey=survey), "") for v in verdicts.vocabulary(survey=survey)),
                "verdict",
            ),
            lead="Every claim, success criterion, comparison and finding is given one of these verdicts.",
        )
    )
    confidence = confidence_section(rubric)
    if confidence is not None:
        sections.append(confidence)
    return sections


def render_glossary(*, synthetic: bool = False, rubric: Any = None) -> str:
    """The glossary page of the programme in force (``rubric``: default :func:`confidence_rubric`)."""
    from markupsafe import Markup

    from lib import programme as programmes

    current = programmes.current_programme()
    return site.render_template(
        "glossary.html.j2",
        programme_name=current.name,
        sections=glossary_sections(current, rubric if rubric is not None else confidence_rubric()),
        css=Markup(site.template_text("site.css")),  # noqa: S704 (a file of ours)
        nav=site.site_nav("glossary", {}),
        version=site.workbook_version(),
        banner=synthetic,
        banner_text=banner.SYNTHETIC_SITE_TEXT,
    )
