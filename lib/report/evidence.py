"""Evidence coverage: the programme's evidence matrix, by authority and overall.

A status the source lost stays unrecorded; a status inferred from another
document is counted and drawn apart from recorded ones (data/notes/caveats.md,
inference rule). The legend comes from the programme definition.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.report import charts, figures
from lib.report.common import evidence_keys, status_ids, styles
from lib.report.facts import (
    LEFT_STAGE,
    evidence_status_counts,
    evidence_totals,
    evidence_unreadable,
    status_breakdown,
    unrecorded_reasons,
)
from lib.report.format import count_phrase
from lib.report.html import join, paragraph, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import UNRECORDED, Workbook, evidence_item_labels


def evidence_key_order(wb: Workbook, evidence: pd.DataFrame) -> list[str]:
    present = set(evidence_keys(evidence))
    return [k for s in status_ids(wb) for k in (s, f"{s}_inferred") if k == s or k in present]


def evidence_matrix(wb: Workbook) -> pd.DataFrame:
    ev = wb.evidence
    names = wb.authorities.set_index("authority_id")["authority"]
    matrix = ev.assign(key=evidence_keys(ev)).pivot(
        index="authority_id", columns="evidence_label", values="key"
    )
    labels = evidence_item_labels(wb)
    matrix = matrix[labels]
    matrix.index = matrix.index.map(names)
    return matrix.sort_index()


@PROGRAMME_PAGE.headed("evidence-coverage")
def evidence_coverage(wb: Workbook) -> Markup:
    """The evidence matrix overall: what the source lost, what is inferred, and the heatmap."""
    ev = wb.evidence
    how = evidence_status_counts(wb, ev)
    keys = evidence_key_order(wb, ev)
    by_item = pd.crosstab(ev["evidence_label"], evidence_keys(ev)).reindex(
        index=evidence_item_labels(wb), columns=keys, fill_value=0
    )
    style = styles(wb)
    t = evidence_totals(ev)
    status_words = (
        f"{t.recorded} recorded ({status_breakdown(wb, how, 'recorded') or 'none'}); "
        f"{t.inferred} inferred from other documents ({status_breakdown(wb, how, 'inferred') or 'none'})"
    )
    item_table = by_item.reset_index().rename(
        columns={"evidence_label": "Evidence item", **{k: style[k].label.capitalize() for k in keys}}
    )
    return join(
        paragraph(
            f"The programme report's evidence matrix records which of {wb.n_evidence_items} "
            "evidence items exist "
            "for each authority. "
            + evidence_unreadable(wb, ev).sentence(wb.programme.note("lost_glyph"))
            + (
                " The inferences rest on positive statements in other documents"
                " (for example, a survey report that names the authorities its answers came from)"
                if wb.has("survey")
                else " The inferences rest on positive statements in other documents"
            )
            + "; they are counted and drawn apart from recorded statuses, and the cells still unknown "
            "stay unrecorded: absence from a list is not read as evidence. "
            f"The other {t.recorded} cells print a recorded status.",
        ),
        _matrix_chart(wb, by_item, keys, status_words),
        table_html(
            item_table.astype(str),
            "Evidence items by status (number of authorities), recorded and inferred apart",
        ),
    )


def _matrix_chart(wb: Workbook, by_item: pd.DataFrame, keys: list[str], status_words: str) -> Markup:
    """The heatmap of every authority's evidence statuses, with its data table."""
    ev = wb.evidence
    matrix = evidence_matrix(wb)
    lost = evidence_totals(ev).unrecorded
    style = styles(wb)
    most_lost = by_item[UNRECORDED].idxmax() if UNRECORDED in by_item else by_item.index[0]
    fig, phone = charts.variants(figures.evidence_grid, matrix, style)
    chart = charts.Chart(
        title=(f"{lost} of {len(ev)} evidence cells {LEFT_STAGE}: " + unrecorded_reasons(wb, ev)),
        subtitle=(
            f"Status of {count_phrase(wb.n_evidence_items, 'evidence item')} for "
            f"{count_phrase(wb.n_authorities, 'authority', 'authorities')}; "
            f"{status_words}; {lost} unrecorded. Inferred statuses are drawn "
            "hollow, in the shape of the status they infer"
        ),
        alt=(
            f"Grid of evidence status, authorities by evidence item. {lost} of "
            f"{len(ev)} cells are {LEFT_STAGE}; {status_words}. The item with most unrecorded cells is "
            f"{most_lost} ({int(by_item.loc[most_lost, UNRECORDED])} of {wb.n_authorities}). Each status "
            "has its own marker shape and colour; an inferred status is drawn hollow, and the data table "
            "gives each cell's letter code (a star marks an inference)."
        ),
        table=matrix.map(lambda k: style[k].code).reset_index().rename(columns={"authority_id": "Authority"}),
        table_caption="Evidence status by authority ("
        + ", ".join(f"{style[k].code} {style[k].label}" for k in keys)
        + ")",
    )
    return charts.figure_html(fig, chart, phone=phone)
