"""The report pages as registries: each page is an ordered list of sections.

A :class:`Section` names its anchor id, its heading and the function that
renders it (``"module.function"`` under :mod:`lib.report`, the name a notebook
cell calls). The section function takes its heading from here
(:meth:`Page.heading`), links to another section through :meth:`Page.anchor`
(an unknown id is an error, not a dead link), and the page's table of
contents is built from the headings the sections render. The notebooks call
exactly these functions, in this order (``tests/report/test_pages.py``).

This module sits below the sections: it names their functions as text and
imports them only when asked (:meth:`Section.resolve`), so a section can read
its own heading from here without an import cycle.

Render one page's section without a kernel::

    from lib.report import pages, workbook
    wb = workbook.load_workbook()
    print(pages.AUTHORITY_PAGE.section("evidence").resolve()(wb, "leeds"))
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from lib.programme import wording
from lib.report.html import heading, join, paragraph

#: The package the section functions live in.
PACKAGE = "lib.report"


@dataclass(frozen=True)
class Section:
    """One ``<h2>`` section of a page.

    ``title`` may hold ``{fields}`` the section fills in (``{name}``: the
    authority); ``lead`` is an optional paragraph printed under the heading.
    ``needs`` names the processed tables the section cannot do without: when the
    programme has none of their rows (an optional raw table it lacks), the page
    leaves the section out (:meth:`Page.gate`), printing ``absent`` under its
    heading when a reader would expect the section.
    """

    id: str
    title: str
    function: str
    lead: str = ""
    needs: tuple[str, ...] = ()
    absent: str = ""
    #: a programme's own opening words, printed before ``lead`` (an id of lib.programme.WORDING)
    lead_wording: str = ""
    #: (table, lead): the lead printed instead of ``lead`` when the programme lacks that table
    lead_without: tuple[str, str] = ()

    def missing(self, wb: object) -> list[str]:
        """The tables this section needs that the workbook does not have."""
        return [table for table in self.needs if not wb.has(table)]  # type: ignore[attr-defined]

    def omitted(self, **fields: str) -> Markup:
        """What the page shows instead of the section: its heading and the one-line note, or nothing."""
        if not self.absent:
            return Markup("")
        text = self.title.format(**fields) if fields else self.title
        return join(heading(text, 2, self.id), paragraph(self.absent))

    def resolve(self) -> Callable[..., Markup]:
        """The section function itself (imported on first use)."""
        module, _, name = self.function.rpartition(".")
        return getattr(importlib.import_module(f"{PACKAGE}.{module}"), name)

    def heading(self, wb: object = None, **fields: str) -> Markup:
        """``<h2 id=...>title</h2>``, then the lead paragraph when there is one (the programme's
        own words first, from its notes, then the registry's: ``lead_without`` when the workbook
        ``wb`` lacks its table)."""
        text = self.title.format(**fields) if fields else self.title
        own = self.lead
        if self.lead_without and wb is not None and not wb.has(self.lead_without[0]):  # type: ignore[attr-defined]
            own = self.lead_without[1]
        lead = " ".join(t for t in (wording(self.lead_wording) if self.lead_wording else "", own) if t)
        return join(heading(text, 2, self.id), paragraph(lead) if lead else None)


@dataclass(frozen=True)
class Page:
    """A report page: its notebook, its rendered file name and its sections in order."""

    notebook: str
    html: str
    sections: tuple[Section, ...]

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"{self.notebook} has no section {section_id!r}")

    def anchor(self, section_id: str) -> str:
        """The anchor id of a section (checked: the page has it)."""
        return self.section(section_id).id

    def heading(self, section_id: str, **fields: str) -> Markup:
        return self.section(section_id).heading(**fields)

    def headed(self, section_id: str) -> Callable[[Callable[..., Markup]], Callable[..., Markup]]:
        """Decorate a section function whose heading takes no fields: what it returns follows the
        section's heading (and lead); an empty result stays empty (no section on the page). A
        section whose tables the programme lacks is left out (:meth:`gate`)."""

        def decorate(function: Callable[..., Markup]) -> Callable[..., Markup]:
            @functools.wraps(function)
            def section(*args: object) -> Markup:
                body = function(*args)
                return join(self.section(section_id).heading(*args[:1]), body) if body else body

            return self.gate(section_id)(section)

        return decorate

    def gate(self, section_id: str) -> Callable[[Callable[..., Markup]], Callable[..., Markup]]:
        """Decorate a section function (``wb`` first): when the programme lacks a table the
        section ``needs``, the function is not called and the page shows
        :meth:`Section.omitted` instead."""
        entry = self.section(section_id)

        def decorate(function: Callable[..., Markup]) -> Callable[..., Markup]:
            if not entry.needs:
                return function

            @functools.wraps(function)
            def section(wb: object, *args: object) -> Markup:
                if entry.missing(wb):
                    return entry.omitted()
                return function(wb, *args)

            return section

        return decorate

    def render(self, *args: object) -> Markup:
        """Every section of the page, in order, without a kernel (``args``: the notebook's
        arguments, ``wb`` and for an authority page its id)."""
        return join(*(s.resolve()(*args) for s in self.sections))


AUTHORITY_PAGE = Page(
    notebook="authority_report.ipynb",
    html="{authority_id}.html",
    sections=(
        Section("summary", "Summary", "authority_page.authority_summary"),
        Section(
            "what-it-supports", "What {name}'s evidence can and cannot show", "authority_supports.supports"
        ),
        Section("claims", "Published claims that name {name}", "authority_page.claims"),
        Section("participation", "Participation", "authority_page.participation"),
        Section("sources-say", "What else the documents say about {name}", "authority_page.sources_say"),
        Section("profile", "In {name}'s own words{cited}", "authority_page.profile", needs=("profiles",)),
        Section("case-study", "Case study", "authority_page.case_study"),
        Section("survey", "The survey: {name}'s own respondents", "survey_responses.authority_survey"),
        Section("programme-context", "Programme context", "authority_page.programme_context"),
    ),
)

PROGRAMME_PAGE = Page(
    notebook="programme_report.ipynb",
    html="programme.html",
    sections=(
        Section("at-a-glance", "At a glance", "programme.programme_title"),
        Section(
            "decision",
            "The decision in brief",
            "judgement.decision_box",
            lead="For each thing the programme said it set out to achieve: the verdict, what this evidence can "
            "and cannot support for a funding decision, and what the survey could have detected.",
            lead_without=(
                "survey",
                "For each thing the programme said it set out to achieve: the verdict, and what this evidence "
                "can and cannot support for a funding decision.",
            ),
        ),
        Section("summary", "Summary", "summary.programme_summary"),
        Section(
            "programme-design",
            "The programme: aims, success measure and delivery",
            "programme.programme_design_section",
            lead="What the programme set out to do, how it would know it had succeeded and how it was "
            "delivered, in its own words, with its own evaluation findings.",
            needs=("programme_statements",),
            absent="The programme's documents state no aims, success measure or delivery model of their own.",
        ),
        Section(
            "how-judged",
            "How this evaluation judges",
            "judgement.how_judged",
            lead="The rules every verdict on these pages follows, the scale the design is rated on and what "
            "each confidence level means, as the evaluation plan declares them.",
        ),
        Section("participation", "Participation by year", "programme.participation_overview"),
        Section("authority-comparison", "The authorities compared", "summary.authority_comparison"),
        Section(
            "evidence-coverage",
            "Evidence coverage",
            "evidence.evidence_coverage",
            lead="Which evidence items exist for each authority, as far as the surviving text of the "
            "programme report shows.",
            needs=("evidence",),
            absent="The programme's sources include no evidence matrix.",
        ),
        Section(
            "kpis",
            "Key performance measures by year",
            "kpis.kpi_comparison",
            needs=("kpis",),
            absent="The programme's sources report no key performance measures.",
        ),
        Section(
            "survey",
            "The survey, before and after",
            "survey.survey_sections",
            lead="Intervals are 95% Wilson intervals for each share and Newcombe intervals for each "
            "difference.",
            lead_wording="survey_lead",
            needs=("survey",),
            absent="The programme's sources include no before/after survey, so no survey measure exists.",
        ),
        Section(
            "every-change",
            "Every before/after change at a glance",
            "changes.every_change",
            lead="All the survey's before/after comparisons on one chart, with their intervals.",
            needs=("survey",),
        ),
        Section(
            "survey-results-from-respondent-level-data",
            "Survey results from respondent-level data",
            "survey_responses.programme_survey",
            needs=("survey",),
        ),
        Section(
            "coded-answers",
            "Free-text answers, coded by theme",
            "coded_answers.coded_answers_section",
            lead="What respondents wrote in their own words, coded by evaluators against the "
            "programme's themes.",
        ),
        Section(
            "themes",
            "Themes, practice guidance and the commissioning cycle",
            "programme.themes_section",
            needs=("guidance",),
            absent="The programme's sources include no practice guidance.",
        ),
        Section(
            "success-measure",
            "Against the programme's own success measure",
            "judgement.success_measure_section",
            lead="The evaluation plan quotes what the programme said success would look like. This section "
            "asks whether the evidence shows it, how confidently, and what the design cannot say.",
        ),
        Section(
            "claim-audit",
            "Checking the published claims",
            "claims_audit.claim_audit_section",
            needs=("claims",),
            absent="The programme's documents publish no claims for the workbook to check.",
        ),
        Section(
            "conclusions",
            "Conclusions",
            "programme.conclusions",
            lead="Each conclusion below is computed from the processed tables.",
        ),
        Section("methods", "Methods and limitations", "summary.methods_section"),
        Section("data-quality", "Data quality and caveats", "programme.data_quality_section"),
    ),
)

#: Every page, for the contributing guide's map and the tests.
PAGES: tuple[Page, ...] = (PROGRAMME_PAGE, AUTHORITY_PAGE)
