"""Evidence coverage: the programme's Range of Evidence matrix, by authority and overall.

A status the source lost stays unrecorded; a status inferred from another
document is counted and drawn apart from recorded ones (docs/caveats.md,
inference rule). The legend comes from the programme definition.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.report import charts
from lib.report.common import evidence_keys, evidence_statuses, status_ids, status_label, styles
from lib.report.format import count_phrase, list_phrase
from lib.report.html import join, paragraph, table_html
from lib.report.workbook import UNRECORDED, Workbook, evidence_item_labels


def authority_evidence(wb: Workbook, authority_id: str) -> pd.DataFrame:
    """The authority's rows of the evidence matrix; an authority without rows is an error
    (the matrix has a column for every partner authority)."""
    rows = wb.evidence[wb.evidence["authority_id"] == authority_id].sort_values("item_order")
    if rows.empty:
        raise ValueError(f"evidence.csv has no rows for authority {authority_id!r}")
    return rows


def evidence_counts(wb: Workbook, evidence: pd.DataFrame) -> pd.Series:
    return evidence["status"].value_counts().reindex(status_ids(wb), fill_value=0)


def evidence_status_counts(wb: Workbook, evidence: pd.DataFrame) -> pd.DataFrame:
    """Cells by status (rows, legend order) and how the status is known
    (columns ``recorded``, ``inferred``): inferred statuses are never counted
    as recorded ones (docs/caveats.md, inference rule)."""
    how = evidence["inferred"].map({"no": "recorded", "yes": "inferred"})
    return (
        pd.crosstab(evidence["status"], how)
        .reindex(index=status_ids(wb), columns=["recorded", "inferred"], fill_value=0)
        .astype(int)
    )


def status_count_phrase(wb: Workbook, counts: pd.DataFrame, status: str) -> str:
    """'0 recorded, 8 inferred available' (recorded and inferred kept apart)."""
    row = counts.loc[status]
    return f"{row['recorded']} recorded, {row['inferred']} inferred {status_label(wb, status)}"


def evidence_key_order(wb: Workbook, evidence: pd.DataFrame) -> list[str]:
    present = set(evidence_keys(evidence))
    return [k for s in status_ids(wb) for k in (s, f"{s}_inferred") if k == s or k in present]


def evidence_profile_table(wb: Workbook, ev: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Evidence item": ev["evidence_label"],
            "Status": ev["status"].map(lambda x: status_label(wb, x))
            + ev["inferred"].map({"yes": " (inferred)", "no": ""}),
            "How we know": ev["basis"],
        }
    )


def _positive(wb: Workbook) -> str:
    """The legend's first status (this programme: available): the one that says an item exists."""
    return status_ids(wb)[0]


def _outside_legend(wb: Workbook) -> list[str]:
    """Statuses the evidence table holds for printed codes the legend does not define."""
    defined = {s.id for s in wb.programme.evidence_statuses}
    return [s for s in status_ids(wb) if s not in defined]


def _status_sentence(wb: Workbook, how: pd.DataFrame, counts: pd.Series, who: str) -> str:
    """'2 recorded, 1 inferred available for Leeds; ...; 1 item printed with a code the legend
    does not define (unclear).'"""
    outside = _outside_legend(wb)
    known = [s for s in status_ids(wb) if s != UNRECORDED and s not in outside]
    phrases = [
        status_count_phrase(wb, how, s) + (f" for {who}" if i == 0 else "") for i, s in enumerate(known)
    ]
    phrases += [
        f"{count_phrase(int(counts[s]), 'item')} printed with a code the legend does not define ({s})"
        for s in outside
    ]
    return "; ".join(phrases) + "."


def evidence_section(wb: Workbook, authority_id: str) -> Markup:
    name = wb.name(authority_id)
    ev = authority_evidence(wb, authority_id)
    counts = evidence_counts(wb, ev)
    how = evidence_status_counts(wb, ev)
    positive = _positive(wb)
    style = styles(wb)
    recorded_positive = (
        wb.evidence.assign(yes=(wb.evidence["status"] == positive) & (wb.evidence["inferred"] == "no"))
        .groupby("authority_id")["yes"]
        .sum()
    )
    inferred = ev[ev["inferred"] == "yes"]
    keys = evidence_key_order(wb, wb.evidence)
    all_keys = evidence_keys(wb.evidence)
    programme_mean = (
        pd.crosstab(wb.evidence["authority_id"], all_keys).reindex(columns=keys, fill_value=0).mean()
    )
    mine_keys = evidence_keys(ev).value_counts().reindex(keys, fill_value=0)
    lost = int(counts.get(UNRECORDED, 0))
    positive_label = status_label(wb, positive)
    summary = paragraph(
        f"Of the {len(ev)} evidence items in the programme's Range of Evidence matrix, "
        + _status_sentence(wb, how, counts, name),
        f"{count_phrase(lost, 'item')} cannot be read: the source's tick and cross glyphs were lost in "
        "extraction, so the workbook records them as unrecorded rather than guess."
        if lost
        else "",
        (
            f"Across the {wb.n_authorities} authorities the matrix itself records between "
            f"{int(recorded_positive.min())} and {int(recorded_positive.max())} items as {positive_label}"
            if recorded_positive.max()
            else f"The matrix itself records no item as {positive_label} for any of the {wb.n_authorities} "
            f"authorities: every {positive_label} status in the workbook is inferred from another document"
        )
        + f"; counts of {positive_label} items reflect which facts the documents state, "
        "not what was produced.",
    )
    parts = [summary]
    if len(inferred):
        parts.append(
            paragraph(
                f"{count_phrase(len(inferred), 'status was', 'statuses were')} inferred from another "
                f"source ({list_phrase(list(inferred['evidence_label']))}); they are drawn apart from "
                "recorded "
                "statuses and the table says what each inference rests on."
            )
        )
    labels = [style[k].label for k in keys]
    mine = [float(mine_keys[k]) for k in keys]
    avg = [float(programme_mean[k]) for k in keys]
    readable = len(ev) - lost
    fig = charts.paired_bars(
        labels,
        mine,
        avg,
        first_label=name,
        second_label="Programme average",
        xlabel=f"Number of evidence items (of {len(ev)})",
        percent_axis=False,
    )
    chart = charts.Chart(
        title=(
            f"{name}: the status of {readable} of {len(ev)} evidence items can be read "
            f"({how[['recorded']].to_numpy().sum() - lost} recorded, {int(how['inferred'].sum())} inferred "
            "from other documents)"
        ),
        subtitle=(
            f"Evidence items by status, recorded and inferred apart, {name} against the "
            f"average of the {wb.n_authorities} authorities; "
            f"{lost} of {name}'s items are unrecorded (glyph lost)"
        ),
        alt=(
            f"Bar chart of evidence items by status, recorded and inferred apart. {name}: "
            + "; ".join(f"{lab} {int(m)}" for lab, m in zip(labels, mine, strict=False))
            + ". Programme average: "
            + "; ".join(f"{lab} {v:.1f}" for lab, v in zip(labels, avg, strict=False))
            + "."
        ),
        table=pd.DataFrame(
            {
                "Status": labels,
                name: [f"{int(m)}" for m in mine],
                "Programme average": [f"{v:.1f}" for v in avg],
            }
        ),
        table_caption=f"Evidence items by status: {name} and the programme average",
    )
    parts.append(charts.figure_html(fig, chart))
    parts.append(
        table_html(evidence_profile_table(wb, ev), f"{name}: status of each evidence item, and its basis")
    )
    return join(*parts)


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


def evidence_coverage(wb: Workbook) -> Markup:
    ev = wb.evidence
    matrix = evidence_matrix(wb)
    counts = evidence_counts(wb, ev)
    how = evidence_status_counts(wb, ev)
    keys = evidence_key_order(wb, ev)
    by_item = pd.crosstab(ev["evidence_label"], evidence_keys(ev)).reindex(
        index=evidence_item_labels(wb), columns=keys, fill_value=0
    )
    style = styles(wb)
    most_lost = by_item[UNRECORDED].idxmax() if UNRECORDED in by_item else by_item.index[0]
    inferred = int((ev["inferred"] == "yes").sum())
    fig = charts.status_matrix(matrix, style)
    outside = _outside_legend(wb)
    status_words = "; ".join(
        [status_count_phrase(wb, how, s) for s in status_ids(wb) if s != UNRECORDED and s not in outside]
        + [f"{status_label(wb, s)} {counts[s]}" for s in outside]
    )
    chart = charts.Chart(
        title=(
            f"{int(counts.get(UNRECORDED, 0))} of {len(ev)} evidence cells cannot be read: "
            "the source's ticks and crosses were lost"
        ),
        subtitle=(
            f"Status of {wb.n_evidence_items} evidence items for {wb.n_authorities} authorities; "
            f"{status_words}; unrecorded {counts.get(UNRECORDED, 0)}. Inferred statuses are starred "
            "and drawn in their own shade"
        ),
        alt=(
            f"Heatmap of evidence status, authorities by evidence item. {counts.get(UNRECORDED, 0)} of "
            f"{len(ev)} cells are unrecorded; {status_words}. The item with most unrecorded cells is "
            f"{most_lost} ({int(by_item.loc[most_lost, UNRECORDED])} of {wb.n_authorities}). Each cell "
            "shows a letter code; a star marks a status inferred from another document."
        ),
        table=matrix.map(lambda k: style[k].code).reset_index().rename(columns={"authority_id": "Authority"}),
        table_caption="Evidence status by authority ("
        + ", ".join(f"{style[k].code} {style[k].label}" for k in keys)
        + ")",
    )
    item_table = by_item.reset_index().rename(
        columns={"evidence_label": "Evidence item", **{k: style[k].label.capitalize() for k in keys}}
    )
    return join(
        paragraph(
            f"The programme report's Range of Evidence matrix records which of {wb.n_evidence_items} "
            "evidence items exist "
            "for each authority. In the surviving text, "
            f"{counts.get(UNRECORDED, 0) + inferred} of its {len(ev)} "
            "cells print blank or were cut off: the legend's tick (available) and cross (not produced) both "
            f"lost their glyphs. The workbook infers {inferred} of them from positive statements in other "
            "documents (for example, the survey report names the authorities the attitude survey came "
            "from), counts and draws them apart from recorded statuses, and leaves the rest unrecorded: "
            "absence from a list is not read as evidence.",
            *[
                f"{count_phrase(int(counts[s]), 'cell prints', 'cells print')} "
                f"'{_printed(wb, s)}', a code the legend does not define; it is shown as {s}, "
                "not read as a status."
                for s in outside
            ],
        ),
        charts.figure_html(fig, chart),
        table_html(
            item_table.astype(str),
            "Evidence items by status (number of authorities), recorded and inferred apart",
        ),
    )


def _printed(wb: Workbook, status: str) -> str:
    return next((s.code for s in evidence_statuses(wb) if s.id == status), "?")
