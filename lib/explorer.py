"""Interactive views (ipywidgets) over the same report sections.

Each explorer is a thin set of controls around functions of
:mod:`lib.report`: a choice re-renders the section that the static report
already contains, so a reviewer without a kernel misses nothing.
"""

from __future__ import annotations

import ipywidgets as widgets
from IPython.display import display

from lib import report

QUESTIONS = [
    ("Understanding of co-production (Q1)", "understanding"),
    ("Nine impacts of co-production (Q3)", "impacts"),
    ("Best features of collaborative working (Q2)", "best_features"),
    ("What the local authority should do (Q4)", "la_role"),
]
SECTORS = [("VCS respondents", "vcs"), ("Children's centre respondents", "childrens_centres")]


def survey_view(wb: report.Workbook, question: str, sector: str) -> report.Html:
    """The report section for one question and sector (what the explorer shows)."""
    if question == "understanding":
        return report.survey_understanding(wb)
    if question == "impacts":
        return report.survey_impacts(wb, sector)
    return report.comment_shares(wb, question, sector)


def survey_explorer(wb: report.Workbook) -> widgets.VBox:
    question = widgets.Dropdown(options=QUESTIONS, value="impacts", description="Question")
    sector = widgets.Dropdown(options=SECTORS, value="vcs", description="Sector")
    question.layout.width = sector.layout.width = "26em"
    question.style.description_width = sector.style.description_width = "5em"

    def show(question: str, sector: str) -> None:
        display(survey_view(wb, question, sector))

    output = widgets.interactive_output(show, {"question": question, "sector": sector})
    return widgets.VBox([widgets.HBox([question, sector]), output])


def authority_view(wb: report.Workbook, authority_id: str, section: str) -> report.Html:
    sections = {
        "evidence": report.evidence_section,
        "profile": report.profile_section,
        "proposals": report.proposals_section,
        "participation": report.participation_section,
    }
    return sections[section](wb, authority_id)


def authority_explorer(wb: report.Workbook) -> widgets.VBox:
    names = wb.authorities.sort_values("authority")
    authority = widgets.Dropdown(options=list(zip(names["authority"], names["authority_id"])),
                                 description="Authority")
    section = widgets.Dropdown(options=[("Evidence profile", "evidence"), ("Profile answers", "profile"),
                                        ("Proposals by theme", "proposals"), ("Participation", "participation")],
                               description="Section")

    def show(authority_id: str, section: str) -> None:
        display(authority_view(wb, authority_id, section))

    output = widgets.interactive_output(show, {"authority_id": authority, "section": section})
    return widgets.VBox([widgets.HBox([authority, section]), output])
