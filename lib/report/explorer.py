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

Controls sit in rows that wrap, so they stay usable in a narrow output area
(a 900 px JupyterLab window with the file browser open, or a 390 px phone);
every view starts with a "Showing: ..." line and fits the output area. In a
JupyterLab workspace (``workspace=True``) the caveat links point at the
caveats page from the notebooks folder (:func:`workspace_links`).

The respondent explorer (:func:`respondent_explorer`) needs a kernel: it
reads the respondent-level tables and redraws its view on each change, with
the same figures the reports print, and exports the view as CSV and PNG.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display
from markupsafe import Markup, escape

from lib import programme
from lib.analysis import disclosure, power
from lib.config import CAVEATS_PAGE, NOTEBOOKS_DIR, OUTPUTS_DIR
from lib.report.facts import respondent_tables
from lib.report.html import join, paragraph, render, report_style, table_html
from lib.report.pages import AUTHORITY_PAGE, PROGRAMME_PAGE
from lib.report.survey import comment_shares, survey_impacts, survey_understanding
from lib.report.survey_responses import change_rows, results_table
from lib.report.workbook import (  # noqa: F401 (sectors, both_sectors: the explorer's vocabulary)
    Workbook,
    both_sectors,
    comment_questions,
    explorer_sectors,
    impacts_question,
    question_label,
    sector_title,
    sectors,
    understanding_question,
)
from lib.report.workbook import questions as survey_questions
from lib.sources.response_format import PARTICIPANTS

BOTH_SECTORS_LABEL = "Both sectors (this question)"

_CONTROL_WIDTH = "26em"
_LABEL_WIDTH = "5em"
#: A row of controls that wraps onto the next line when the output area is narrow.
WRAP = {"flex_flow": "row wrap", "width": "100%", "align_items": "flex-start"}


def explorer_questions(wb: Workbook) -> list[tuple[str, str]]:
    """``(label, question id)`` for every question the explorer offers, in the
    questionnaire's order (Q1, Q2, Q3, Q4)."""
    number = {q.id: q.number for q in wb.programme.questions}
    return sorted(survey_questions(wb), key=lambda pair: number[pair[1]])


def workspace_links(markup: Markup, notebooks_dir: Path = NOTEBOOKS_DIR) -> Markup:
    """``markup`` with its caveat links pointing at the caveats page as seen from
    the notebooks folder: the rendered page in ``outputs/html/`` when it exists,
    else the caveats log it is rendered from. A link relative to a notebook would
    otherwise look for ``notebooks/caveats.html``, which does not exist."""
    page = OUTPUTS_DIR / "html" / CAVEATS_PAGE
    target = page if page.exists() else programme.caveats_path()  # the programme's own caveats note
    href = os.path.relpath(target, notebooks_dir).replace(os.sep, "/")
    return Markup(str(markup).replace(f'href="{CAVEATS_PAGE}', f'href="{href}'))


def fitted(body: Markup) -> Markup:
    """A view that fits its output area: wide tables scroll inside it, images shrink."""
    return render("explorer_view.j2", body=body)


def survey_view(wb: Workbook, question: str, sector: str) -> Markup:
    """The report section for one question and sector (what the explorer shows)."""
    if question == understanding_question(wb):
        return survey_understanding(wb)
    if question == impacts_question(wb):
        return survey_impacts(wb, sector)
    return comment_shares(wb, question, sector)


def view_caption(wb: Workbook, question: str, sector: str | None) -> str:
    """The line above each pre-rendered view naming what it shows (plain text)."""
    q_label = dict((v, k) for k, v in explorer_questions(wb))[question]
    s_label = "both sectors" if sector is None else dict((v, k) for k, v in sectors(wb))[sector]
    if s_label[1:2].islower():  # "Children's centre ..." reads mid-sentence; "VCS ..." stays
        s_label = s_label[0].lower() + s_label[1:]
    return f"Showing: {q_label}, {s_label}"


def _view_output(wb: Workbook, question: str, sector: str | None, workspace: bool) -> widgets.Output:
    out = widgets.Output(layout=widgets.Layout(width="100%"))
    # The report's style sheet travels with each view: on the explorer's own page no report
    # section brings it, and without it a chart keeps the browser's 40 px figure margins
    # (its text then drawn under 11 px on a 390 px phone).
    caption = report_style() + render("explorer_caption.j2", text=view_caption(wb, question, sector))
    body = fitted(survey_view(wb, question, sector or sectors(wb)[0][1]))
    out.append_display_data(HTML(str(workspace_links(caption + body) if workspace else caption + body)))
    return out


def _control(**kwargs) -> widgets.Dropdown:
    control = widgets.Dropdown(**kwargs)
    control.layout.width = _CONTROL_WIDTH
    control.layout.max_width = "100%"
    control.style.description_width = _LABEL_WIDTH
    return control


def survey_explorer(wb: Workbook, workspace: bool = False) -> widgets.VBox | Markup:
    """Question and Sector dropdowns over every pre-rendered survey view
    (``workspace``: caveat links for JupyterLab, :func:`workspace_links`). A programme
    without a survey gets the survey section's one-line note instead."""
    if not wb.has("survey"):
        return paragraph(PROGRAMME_PAGE.section("survey").absent)
    QUESTIONS, SECTORS, BOTH_SECTORS = explorer_questions(wb), sectors(wb), both_sectors(wb)
    question_ids = [value for _, value in QUESTIONS]
    start = impacts_question(wb) or question_ids[0]
    question = _control(options=QUESTIONS, value=start, description="Question")
    sector = _control(options=SECTORS, value=SECTORS[0][1], description="Sector")
    both = _control(options=[BOTH_SECTORS_LABEL], description="Sector", disabled=True)

    pages, links = [], []
    for q in question_ids:
        if q in BOTH_SECTORS:
            pages.append(_view_output(wb, q, None, workspace))
            continue
        by_sector = widgets.Stack(
            [_view_output(wb, q, s, workspace) for _, s in SECTORS], selected_index=sector.index
        )
        links.append(widgets.jslink((sector, "index"), (by_sector, "selected_index")))
        pages.append(by_sector)
    views = widgets.Stack(pages, selected_index=question.index)
    links.append(widgets.jslink((question, "index"), (views, "selected_index")))

    # The Sector slot: the live dropdown, or the disabled stand-in for a
    # question that always shows both sectors (one child per question).
    sector_slot = widgets.Stack(
        [both if q in BOTH_SECTORS else sector for q in question_ids],
        selected_index=question.index,
        layout=widgets.Layout(width=_CONTROL_WIDTH, max_width="100%", min_width="12em"),
    )
    links.append(widgets.jslink((question, "index"), (sector_slot, "selected_index")))

    box = widgets.VBox(
        [widgets.Box([question, sector_slot], layout=widgets.Layout(**WRAP)), views],
        layout=widgets.Layout(width="100%", max_width="100%"),
    )
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


def authority_caption(wb: Workbook, authority_id: str, section: int) -> str:
    """The line above the authority explorer's view naming what it shows."""
    return f"Showing: {wb.name(authority_id)}, {authority_sections()[section][0].lower()}"


def authority_explorer(wb: Workbook, workspace: bool = False) -> widgets.VBox:
    """Authority and Section dropdowns over the sections of the authority report."""
    names = wb.authorities_a_to_z()
    authority = _control(
        options=list(zip(names["authority"], names["authority_id"], strict=False)), description="Authority"
    )
    section = _control(
        options=[(label, i) for i, (label, _) in enumerate(authority_sections())], description="Section"
    )

    def show(authority_id: str, section: int) -> None:
        caption = render("explorer_caption.j2", text=authority_caption(wb, authority_id, section))
        view = caption + fitted(authority_view(wb, authority_id, section))
        display(workspace_links(view) if workspace else view)

    output = widgets.interactive_output(show, {"authority_id": authority, "section": section})
    output.layout = widgets.Layout(width="100%")
    return widgets.VBox(
        [widgets.Box([authority, section], layout=widgets.Layout(**WRAP)), output],
        layout=widgets.Layout(width="100%"),
    )


# --------------------------------------------------------------------------
# The respondent explorer (needs a kernel)
# --------------------------------------------------------------------------

#: Phase choices: each phase's share, or the change between them.
PHASES = [("Before", "pre"), ("After", "post"), ("Change, before to after", "change")]
ALL_AUTHORITIES = "All authorities with response files"
NO_RESPONSES = (
    "No respondent-level response files were read for this build, so there is nothing to explore "
    "respondent by respondent. Put the survey exports in data/raw/responses/ (see data/README.md, "
    "'Response files'), rebuild the data, then run this cell again."
)
_PHASE_COLUMNS = {
    "pre": ["Before", "Before, 95% CI", "Bases (before / after, exact)"],
    "post": ["After", "After, 95% CI", "Bases (before / after, exact)"],
    "change": [
        "Before",
        "After",
        "Change (points)",
        "Change, 95% CI",
        "Bases (before / after, exact)",
        "How the change is estimated",
    ],
}
MDD_COLUMN = "Smallest change these bases could detect (points)"


def respondent_questions(wb: Workbook, responses: pd.DataFrame) -> list[tuple[str, str]]:
    """``(label, question id)`` of the questions the response files answer, in order."""
    present = set(responses["question"])
    return [(label, q) for label, q in explorer_questions(wb) if q in present]


def respondent_items(responses: pd.DataFrame, question: str) -> list[tuple[str, str]]:
    cells = responses[responses["question"] == question].drop_duplicates("item").sort_values("item_order")
    return list(zip(cells["item_label"], cells["item"], strict=True))


def respondent_row(
    tables: dict[str, pd.DataFrame], authority_id: str, item: str, sector: str
) -> pd.DataFrame:
    """The reports' before/after row (:func:`survey_responses.change_rows`) for one cell, of the
    participants (as in the reports; a comparison group's answers are not the cell's)."""
    sr, pairs = tables["survey_responses"], tables["survey_response_pairs"]
    cells = sr[(sr["authority_id"] == authority_id) & (sr["item"] == item) & (sr["sector"] == sector)]
    chosen = pairs[
        (pairs["authority_id"] == authority_id) & (pairs["item"] == item) & (pairs["sector"] == sector)
    ]
    cells, chosen = cells[cells["group"] == PARTICIPANTS], chosen[chosen["group"] == PARTICIPANTS]
    return change_rows(cells, chosen) if len(cells) else pd.DataFrame()


def detectable_words(row: pd.Series) -> str:
    """The minimum detectable difference at the row's exact bases (80% power, 5% level)."""
    if not row["pre_n"] > 0 or not row["post_n"] > 0:
        return disclosure.NOT_AVAILABLE
    mdd = power.minimum_detectable_difference(row["pre_k"] / row["pre_n"], row["pre_n"], row["post_n"])
    return "none within the scale" if mdd != mdd else f"{mdd * 100:.0f}"


def respondent_table(rows: pd.DataFrame, label: str, phase: str) -> pd.DataFrame:
    """The view's table: the reports' formatted row (disclosure control applied),
    the columns of the chosen phase, and for a change its minimum detectable difference."""
    table = results_table(rows, "Respondents", [label])[["Respondents", *_PHASE_COLUMNS[phase]]]
    if phase == "change":
        shown = table["Change (points)"].iloc[0] != disclosure.SUPPRESSED
        table[MDD_COLUMN] = detectable_words(rows.iloc[0]) if shown else disclosure.SUPPRESSED
    return table


def respondent_caption(wb: Workbook, choice: dict[str, str], labels: dict[str, str]) -> str:
    """ "Showing: ..." for a choice of authority, sector, question, item and phase."""
    where = labels["authority"] if choice["authority"] else "all authorities with response files"
    phase = dict((v, k) for k, v in PHASES)[choice["phase"]].lower()
    return f"Showing: {labels['question']}, {labels['item']}; {labels['sector']}; {where}; {phase}"


def view_chart(rows: pd.DataFrame, caption: str, phase: str):
    """A bar chart of the view: the share(s) shown with their 95% intervals (a matplotlib figure)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    row = rows.iloc[0]
    shown = (
        [("Before", "pre"), ("After", "post")]
        if phase == "change"
        else [p for p in PHASES[:2] if p[1] == phase]
    )
    limit = disclosure.disclosure_threshold()
    fig = Figure(figsize=(6, 3.2), dpi=150)
    ax = fig.add_subplot()
    for x, (label, key) in enumerate(shown):
        n, k = row[f"{key}_n"], row[f"{key}_k"]
        if not n >= limit:
            ax.text(x, 2, f"{label}: {disclosure.SUPPRESSED}", ha="center", fontsize=11)
            continue
        share = 100 * k / n
        err = [[share - 100 * row[f"{key}_low"]], [100 * row[f"{key}_high"] - share]]
        ax.bar(x, share, width=0.5, color="#1d70b8" if key == "post" else "#6f777b", yerr=err, capsize=6)
        top = 100 * row[f"{key}_high"] + 2
        ax.text(x, top, f"{share:.0f}% of {int(n)}", ha="center", va="bottom", fontsize=11)
    ax.set_xticks(range(len(shown)), [label for label, _ in shown], fontsize=11)
    ax.set_xlim(-0.75, len(shown) - 0.25)
    ax.set_ylim(0, 110)
    ax.set_ylabel("Share confident (%)", fontsize=11)
    ax.set_title(caption.removeprefix("Showing: "), fontsize=10, wrap=True)
    fig.tight_layout()
    return fig


class RespondentExplorer:
    """Authority, Sector, Question, Item and Phase over the respondent-level tables."""

    def __init__(self, wb: Workbook, tables: dict[str, pd.DataFrame], export_dir: Path, workspace: bool):
        self.wb, self.tables, self.export_dir, self.workspace = wb, tables, Path(export_dir), workspace
        sr = tables["survey_responses"]
        ids = [a for a in wb.authorities["authority_id"] if (sr["authority_id"] == a).any()]
        self.authority = _control(
            options=[(ALL_AUTHORITIES, ""), *((wb.name(a), a) for a in ids)], description="Authority"
        )
        self.sector = _control(options=self._sectors(""), description="Sector")
        self.question = _control(options=respondent_questions(wb, sr), description="Question")
        self.item = _control(options=respondent_items(sr, self.question.value), description="Item")
        self.phase = _control(options=PHASES, value="change", description="Phase")
        self.csv = widgets.Button(description="Export CSV", layout=widgets.Layout(width="auto"))
        self.png = widgets.Button(description="Export PNG", layout=widgets.Layout(width="auto"))
        self.reasons, self.saved = widgets.HTML(), widgets.HTML()
        self.view = widgets.Output(layout=widgets.Layout(width="100%"))
        self.view_html = ""  # what the view shows (HTML)
        for control in (self.authority, self.sector, self.question, self.item, self.phase):
            control.observe(self._changed, "value")
        self.csv.on_click(lambda _: self.export("csv"))
        self.png.on_click(lambda _: self.export("png"))
        controls = [self.authority, self.sector, self.question, self.item, self.phase]
        self.box = widgets.VBox(
            [
                widgets.Box(controls, layout=widgets.Layout(**WRAP)),
                self.reasons,
                self.view,
                widgets.Box([self.csv, self.png], layout=widgets.Layout(**WRAP)),
                self.saved,
            ],
            layout=widgets.Layout(width="100%"),
        )
        self._changed(None)

    def _sectors(self, authority_id: str) -> list[tuple[str, str]]:
        sr = self.tables["survey_responses"]
        present = set(sr.loc[sr["authority_id"] == authority_id, "sector"])
        order = ["all", *(s for _, s in sectors(self.wb))]
        return [
            ("All respondents" if s == "all" else sector_title(self.wb, s), s) for s in order if s in present
        ]

    def choice(self) -> dict[str, str]:
        return {
            "authority": self.authority.value,
            "sector": self.sector.value,
            "question": self.question.value,
            "item": self.item.value,
            "phase": self.phase.value,
        }

    def _sync_options(self) -> None:
        """Options that depend on another control, and each disabled control's reason."""
        sectors_now = self._sectors(self.authority.value)
        if list(self.sector.options) != sectors_now:
            self.sector.options = sectors_now
        items = respondent_items(self.tables["survey_responses"], self.question.value)
        if list(self.item.options) != items:
            self.item.options = items
        self.sector.disabled = len(sectors_now) == 1
        self.item.disabled = len(items) == 1
        reasons = []
        if self.item.disabled:
            reasons.append("Item: this question asks one item only.")
        if self.sector.disabled:
            reasons.append("Sector: these response files give no sector to divide the respondents by.")
        self.reasons.value = "".join(f"<p><em>{escape(r)}</em></p>" for r in reasons)

    def current_view(self) -> tuple[str, pd.DataFrame, pd.DataFrame]:
        """(caption, the reports' row, the view's table) for the current choice."""
        c = self.choice()
        rows = respondent_row(self.tables, c["authority"], c["item"], c["sector"])
        labels = {
            "authority": self.authority.label,
            "sector": self.sector.label,
            "question": self.question.label,
            "item": self.item.label,
        }
        caption = respondent_caption(self.wb, c, labels)
        table = respondent_table(rows, self.sector.label, c["phase"]) if len(rows) else pd.DataFrame()
        return caption, rows, table

    def _changed(self, _change) -> None:
        self._sync_options()
        caption, rows, table = self.current_view()
        body = (
            table_html(table, "Share confident, with exact bases (disclosure control applied)")
            if len(table)
            else paragraph("No respondent answered this in the response files.")
        )
        view = join(render("explorer_caption.j2", text=caption), fitted(body))
        self.view_html = str(workspace_links(view) if self.workspace else view)
        self.view.outputs = ()
        self.view.append_display_data(HTML(self.view_html))
        self.saved.value = ""

    def export(self, kind: str) -> Path:
        """Write the current view as CSV (its table) or PNG (its chart); show where."""
        caption, rows, table = self.current_view()
        slug = re.sub(r"[^a-z0-9]+", "-", "-".join(self.choice().values()).lower()).strip("-")
        path = self.export_dir / f"respondents-{slug}.{kind}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "csv":
            table.assign(Showing=caption.removeprefix("Showing: ")).to_csv(path, index=False)
        elif len(rows):
            view_chart(rows, caption, self.phase.value).savefig(path)
        else:
            self.saved.value = "<p>Nothing to draw for this choice.</p>"
            return path
        href = os.path.relpath(path, NOTEBOOKS_DIR).replace(os.sep, "/")
        self.saved.value = str(join(paragraph("Saved:"), render("link.j2", href=href, text=str(path.name))))
        return path


def respondent_explorer(
    wb: Workbook, export_dir: Path = OUTPUTS_DIR / "explorer", workspace: bool = False
) -> widgets.Widget:
    """The respondent explorer, or a note saying why there is none (no response files)."""
    tables = respondent_tables(wb)
    if tables is None:
        return widgets.HTML(str(paragraph(NO_RESPONSES)))
    return RespondentExplorer(wb, tables, export_dir, workspace).box
