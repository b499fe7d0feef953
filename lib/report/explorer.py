"""Interactive views (ipywidgets) over the same report sections.

Each explorer is a thin set of controls around functions of
:mod:`lib.report`: a choice shows the section that the static report already
contains, so a reviewer without a kernel misses nothing.

The survey explorer works the same with and without a kernel. Every view it
can show (one per question and sector; the understanding question always
shows both sectors) is rendered once, up front, into its own ``Output``
widget, and the controls switch between them entirely in the browser:

* the Question dropdown's ``index`` is ``jslink``-ed to the ``selected_index``
  of a ``Stack`` holding one page per question;
* each question that has a per-sector view holds its own ``Stack`` of the two
  sector views, whose ``selected_index`` is ``jslink``-ed to the Sector
  dropdown's ``index``;
* the Sector control sits in a ``Stack`` too, also linked to the question:
  while the question is the understanding one (which shows both sectors) a
  disabled dropdown reading "Both sectors" stands in its place, so no control
  is ever a no-op.

Only core widgets and links are used, all of which the offline widget
manager in the rendered HTML implements; nothing waits on a Python callback.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
from IPython.display import HTML, display
from markupsafe import Markup

from lib.report.html import render
from lib.report.pages import AUTHORITY_PAGE
from lib.report.survey import comment_shares, survey_impacts, survey_understanding
from lib.report.workbook import (  # noqa: F401 (questions, sectors, both_sectors: the explorer's vocabulary)
    Workbook,
    both_sectors,
    comment_questions,
    explorer_sectors,
    impacts_question,
    question_label,
    questions,
    sector_title,
    sectors,
    understanding_question,
)

BOTH_SECTORS_LABEL = "Both sectors (this question)"

_CONTROL_WIDTH = "26em"
_LABEL_WIDTH = "5em"


def survey_view(wb: Workbook, question: str, sector: str) -> Markup:
    """The report section for one question and sector (what the explorer shows)."""
    if question == understanding_question(wb):
        return survey_understanding(wb)
    if question == impacts_question(wb):
        return survey_impacts(wb, sector)
    return comment_shares(wb, question, sector)


def view_caption(wb: Workbook, question: str, sector: str | None) -> str:
    """The line above each pre-rendered view naming what it shows (plain text)."""
    q_label = dict((v, k) for k, v in questions(wb))[question]
    s_label = "both sectors" if sector is None else dict((v, k) for k, v in sectors(wb))[sector]
    if s_label[1:2].islower():  # "Children's centre ..." reads mid-sentence; "VCS ..." stays
        s_label = s_label[0].lower() + s_label[1:]
    return f"Showing: {q_label}, {s_label}"


def _view_output(wb: Workbook, question: str, sector: str | None) -> widgets.Output:
    out = widgets.Output()
    caption = render("explorer_caption.j2", text=view_caption(wb, question, sector))
    body = survey_view(wb, question, sector or sectors(wb)[0][1])
    out.append_display_data(HTML(str(caption + body)))
    return out


def _control(**kwargs) -> widgets.Dropdown:
    control = widgets.Dropdown(**kwargs)
    control.layout.width = _CONTROL_WIDTH
    control.style.description_width = _LABEL_WIDTH
    return control


def survey_explorer(wb: Workbook) -> widgets.VBox:
    """Question and Sector dropdowns over every pre-rendered survey view."""
    QUESTIONS, SECTORS, BOTH_SECTORS = questions(wb), sectors(wb), both_sectors(wb)
    question_ids = [value for _, value in QUESTIONS]
    start = impacts_question(wb) or question_ids[0]
    question = _control(options=QUESTIONS, value=start, description="Question")
    sector = _control(options=SECTORS, value=SECTORS[0][1], description="Sector")
    both = _control(options=[BOTH_SECTORS_LABEL], description="Sector", disabled=True)

    pages, links = [], []
    for q in question_ids:
        if q in BOTH_SECTORS:
            pages.append(_view_output(wb, q, None))
            continue
        by_sector = widgets.Stack([_view_output(wb, q, s) for _, s in SECTORS], selected_index=sector.index)
        links.append(widgets.jslink((sector, "index"), (by_sector, "selected_index")))
        pages.append(by_sector)
    views = widgets.Stack(pages, selected_index=question.index)
    links.append(widgets.jslink((question, "index"), (views, "selected_index")))

    # The Sector slot: the live dropdown, or the disabled stand-in for a
    # question that always shows both sectors (one child per question).
    sector_slot = widgets.Stack(
        [both if q in BOTH_SECTORS else sector for q in question_ids], selected_index=question.index
    )
    links.append(widgets.jslink((question, "index"), (sector_slot, "selected_index")))

    box = widgets.VBox([widgets.HBox([question, sector_slot]), views])
    box._explorer_links = links  # keep the links alive with the box
    return box


def authority_sections() -> list[tuple[str, Callable[[Workbook, str], Markup]]]:
    """``(label, section function)`` for every section of the authority page
    (:data:`lib.report.pages.AUTHORITY_PAGE`), in page order."""
    return [(s.id.replace("-", " ").capitalize(), s.resolve()) for s in AUTHORITY_PAGE.sections]


def authority_view(wb: Workbook, authority_id: str, section: int) -> Markup:
    """Section number ``section`` of the authority's page, exactly as the page shows it
    (a line saying so when the page has no such section for this authority)."""
    label, function = authority_sections()[section]
    body = function(wb, authority_id)
    return body or render(
        "explorer_caption.j2", text=f"The report on {wb.name(authority_id)} has no {label.lower()} section."
    )


def authority_explorer(wb: Workbook) -> widgets.VBox:
    """Authority and Section dropdowns over the sections of the authority report."""
    names = wb.authorities_a_to_z()
    authority = widgets.Dropdown(
        options=list(zip(names["authority"], names["authority_id"], strict=False)), description="Authority"
    )
    section = widgets.Dropdown(
        options=[(label, i) for i, (label, _) in enumerate(authority_sections())], description="Section"
    )

    def show(authority_id: str, section: int) -> None:
        display(authority_view(wb, authority_id, section))

    output = widgets.interactive_output(show, {"authority_id": authority, "section": section})
    return widgets.VBox([widgets.HBox([authority, section]), output])
