"""The evidence matrix (evidence_matrix.csv): which evidence each authority
produced, the printed legend, and the inferences made for lost glyphs.
"""

from __future__ import annotations

import pandas as pd

from lib.programme import EvidenceInference as ProgrammeInference
from lib.sources.common import (
    AUTHORITIES,
    KNOWN_AUTHORITY,
    PROGRAMME,
    UNRECORDED,
    authority_id,
    csv_line,
    declared_required,
    identification_note,
    spelling_issues,
)
from lib.sources.contract import (
    NOT_BLANK,
    SOURCE,
    WHOLE,
    Issue,
    RawTable,
    Required,
    RowsTo,
    grid,
    in_range,
    one_of,
    parses,
    raw_column,
)

#: Evidence items in the matrix's order: (id, label).
EVIDENCE_ITEMS: list[tuple[str, str]] = [(i.id, i.label) for i in PROGRAMME.evidence_items]

EVIDENCE_STATUSES = [s.id for s in PROGRAMME.evidence_statuses]

#: Every printed cell code -> its reading (status, whether the legend defines it, basis).
PRINTED_CODES = {c.printed: c for c in PROGRAMME.printed_codes}

#: Codes the printed legend defines and that survived extraction (blank cells lost their glyph).
EVIDENCE_LEGEND = {c.printed: c.status for c in PROGRAMME.printed_codes if c.in_printed_legend and c.printed}

#: Printed codes outside the legend: kept as raw codes, their status says no more than the code.
OFF_LEGEND = {c.printed: c.status for c in PROGRAMME.printed_codes if not c.in_printed_legend and c.printed}

#: Raw codes of a cell whose glyph was lost (printed blank, or not printed at all).
LOST_CODES = ["", PROGRAMME.not_printed.printed]

EvidenceInference = ProgrammeInference

#: Every inference the cleaning makes for a lost glyph (from the definition).
EVIDENCE_INFERENCES: list[EvidenceInference] = list(PROGRAMME.evidence_inferences)

#: Why a lost glyph stays unrecorded although a source seems to speak to it.
EVIDENCE_NOT_INFERRED: dict[tuple[str, str | None], str] = {
    (n.item, n.authority): n.reason for n in PROGRAMME.evidence_not_inferred
}


def evidence_item_id(label: str) -> str:
    return PROGRAMME.evidence_item_id(label)


def evidence_code_status(cell: str, printed: str) -> tuple[str, str, str]:
    """Map one printed cell to ``(status, raw_code, basis)`` before inference.

    Only a code the legend defines becomes a status; a code outside the
    legend keeps its raw code and a status that says no more than the code
    (``unclear`` here), and its basis gives the readings (data/notes/caveats.md,
    inference rule). The readings are the definition's ``printed_codes``.
    """
    if printed == "no":
        lost = PROGRAMME.not_printed
        return lost.status, lost.printed, lost.basis
    code = cell.strip()
    if code not in PRINTED_CODES:
        expected = " or ".join(repr(c) for c in PRINTED_CODES)
        raise ValueError(f"unknown evidence code {cell!r}; expected {expected}")
    reading = PRINTED_CODES[code]
    return reading.status, code, reading.basis


def apply_evidence_inferences(evidence: pd.DataFrame) -> pd.DataFrame:
    """Give a lost glyph a status only where another source positively states
    the fact (:data:`EVIDENCE_INFERENCES`); say in the basis why a glyph that a
    source seems to speak to stays unrecorded (:data:`EVIDENCE_NOT_INFERRED`)."""
    out = evidence.copy()
    lost = out["status"] == UNRECORDED
    for (item, aid), why in EVIDENCE_NOT_INFERRED.items():
        target = lost & (out["evidence_item"] == item)
        if aid is not None:
            target &= out["authority_id"] == aid
        out.loc[target, "basis"] = out.loc[target, "basis"] + why
    for inf in EVIDENCE_INFERENCES:
        target = lost & (out["evidence_item"] == inf.item) & (out["authority_id"] == inf.authority)
        out.loc[target, "status"] = inf.status
        out.loc[target, "basis"] = inf.basis + identification_note(inf.authority, inf.statement)
        out.loc[target, "inferred"] = "yes"
    return out


def row_alignments(raw: pd.DataFrame) -> dict[str, str]:
    """evidence item -> the alignment assumed for a row printed short (fewer cells than
    authorities): its printed cells are read as the first columns, in order."""
    out = {}
    for item, group in raw.groupby("evidence_item", sort=False):
        printed = group[group["cell_printed"] == "yes"]
        printed = printed.iloc[printed["column_position"].astype(int).argsort()]
        if len(printed) == len(group):
            continue
        first, last = printed["authority_as_printed"].iloc[[0, -1]].str.strip()
        out[evidence_item_id(item)] = (
            f"alignment assumed: this row prints {len(printed)} cells for {len(group)} authorities, read as "
            f"the first {len(printed)} columns ({first} to {last}) in order; the source does not show "
            "where the row was cut"
        )
    return out


def evidence_rule_violations(evidence: pd.DataFrame) -> pd.DataFrame:
    """Rows that break the inference rule (data/notes/caveats.md); empty when none do.

    - a status from the printed cell needs a legend code;
    - a code outside the legend keeps its raw code and its own status;
    - every other status is inferred (``inferred=yes``) and its basis quotes a
      source, and a status only a printed code can give (the definition's
      ``never_inferred``) is never inferred.
    """
    status, code, inferred = evidence["status"], evidence["raw_code"], evidence["inferred"]
    basis = evidence["basis"]
    from_legend = code.isin(list(EVIDENCE_LEGEND)) & (status == code.map(EVIDENCE_LEGEND))
    off_legend = code.isin(list(OFF_LEGEND)) & (status == code.map(OFF_LEGEND))
    lost = code.isin(LOST_CODES)
    quoted = basis.str.startswith("inferred:") & basis.str.contains(r"\d{3}_[0-9a-f]{16}\.txt § ", regex=True)
    ok = (
        ((status == UNRECORDED) & (inferred == "no") & lost)
        | (from_legend & (inferred == "no"))
        | (off_legend & (inferred == "no"))
        | ((inferred == "yes") & quoted & ~status.isin(list(PROGRAMME.never_inferred)) & lost)
    )
    return evidence[~ok]


def clean_evidence_matrix(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per authority x evidence item with a status from the legend."""
    mapped = raw.apply(
        lambda r: evidence_code_status(r["cell_as_printed"], r["cell_printed"]),
        axis=1,
        result_type="expand",
    )
    labels = dict(EVIDENCE_ITEMS)
    order = {item: i for i, (item, _) in enumerate(EVIDENCE_ITEMS, start=1)}
    items = raw["evidence_item"].map(evidence_item_id)
    frame = pd.DataFrame(
        {
            "authority_id": raw["authority_as_printed"].map(authority_id),
            "evidence_item": items,
            "evidence_label": items.map(labels),
            "item_order": items.map(order).astype(int),
            "status": mapped[0],
            "raw_code": mapped[1],
            "basis": mapped[2],
            "inferred": "no",
            "source": raw["source"],
        }
    )
    aligned = row_alignments(raw)
    frame = frame.pipe(apply_evidence_inferences)
    frame["basis"] = frame["basis"] + frame["evidence_item"].map(
        lambda i: f"; {aligned[i]}" if i in aligned else ""
    )
    return (
        frame.assign(authority=lambda f: f["authority_id"].map(AUTHORITIES))
        .sort_values(["authority_id", "item_order"], kind="stable")
        .reset_index(drop=True)
        .loc[
            :,
            [
                "authority_id",
                "authority",
                "evidence_item",
                "evidence_label",
                "item_order",
                "status",
                "raw_code",
                "basis",
                "inferred",
                "source",
            ],
        ]
    )


def _missing_cell_issues(raw: pd.DataFrame) -> list[Issue]:
    """Rows printed short (no cell for some authorities) and cells printed blank."""
    issues = []
    truncated = raw[raw["cell_printed"] == "no"]
    for item, group in truncated.groupby("evidence_item", sort=False):
        names = ", ".join(group["authority_as_printed"])
        issues.append(
            Issue(
                check="truncated_row",
                file="evidence_matrix.csv",
                row=", ".join(csv_line(raw, i) for i in group.index),
                column="cell_as_printed",
                value="",
                issue=f"row '{item.strip()}' is truncated: no cell printed for {names}",
                action="status 'unrecorded' unless another source states the fact (see basis); "
                + row_alignments(raw).get(evidence_item_id(item), ""),
            )
        )
    lost = raw[(raw["cell_printed"] == "yes") & (raw["cell_as_printed"].str.strip() == "")]
    issues.append(
        Issue(
            check="lost_glyph",
            file="evidence_matrix.csv",
            row="",
            column="cell_as_printed",
            value="",
            issue=f"{len(lost)} of {len(raw)} cells print blank: "
            + PROGRAMME.note("lost_glyph", "their glyphs were lost in extraction"),
            action="status 'unrecorded' unless another source states the fact; inferences "
            "are listed in evidence.csv column basis",
        )
    )
    return issues


def _printed_code_issues(raw: pd.DataFrame) -> list[Issue]:
    """Codes outside the printed legend, and codes printed with surrounding spaces."""
    issues = []
    legend = PROGRAMME.note("legend_described", ", ".join(EVIDENCE_LEGEND))
    for code, status in OFF_LEGEND.items():
        off = raw[raw["cell_as_printed"].str.strip() == code]
        if len(off):
            issues.append(
                Issue(
                    check="code_not_in_legend",
                    file="evidence_matrix.csv",
                    row=", ".join(csv_line(raw, i) for i in off.index),
                    column="cell_as_printed",
                    value=code,
                    issue=f"code {code!r} is not in the printed legend ({legend})",
                    action=f"raw code kept; status {status!r}, "
                    + PROGRAMME.note("off_legend_readings", "its readings given in the basis"),
                )
            )
    spaced = raw[raw["cell_as_printed"] != raw["cell_as_printed"].str.strip()]
    if len(spaced):
        issues.append(
            Issue(
                check="stray_whitespace",
                file="evidence_matrix.csv",
                row=", ".join(csv_line(raw, i) for i in spaced.index),
                column="cell_as_printed",
                value="; ".join(repr(v) for v in spaced["cell_as_printed"].unique()),
                issue="codes printed with surrounding spaces",
                action="whitespace stripped before mapping the code",
            )
        )
    return issues


def evidence_matrix_issues(raw: pd.DataFrame) -> list[Issue]:
    """The evidence matrix's quality-log entries."""
    return [
        *_missing_cell_issues(raw),
        *_printed_code_issues(raw),
        *spelling_issues(raw, "evidence_matrix.csv"),
    ]


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "evidence_matrix.csv",
        {
            "item_order": raw_column(WHOLE, in_range(1, len(EVIDENCE_ITEMS), "an item number")),
            "evidence_item": raw_column(
                NOT_BLANK,
                parses(lambda v: evidence_item_id(v), f"one of the {len(EVIDENCE_ITEMS)} evidence items"),
            ),
            "column_position": raw_column(WHOLE, in_range(1, len(AUTHORITIES), "a column position")),
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "cell_as_printed": raw_column(one_of(list(PRINTED_CODES), strip=True)),
            "cell_printed": raw_column(one_of(["yes", "no"])),
            "source": raw_column(SOURCE),
        },
        ["item_order", "column_position"],
        required=(
            Required(
                ("item_order", "column_position"),
                grid(range(1, len(EVIDENCE_ITEMS) + 1), range(1, len(AUTHORITIES) + 1)),
                f"{len(EVIDENCE_ITEMS)} evidence rows x {len(AUTHORITIES)} authority columns "
                "(the evidence matrix)",
            ),
            *declared_required("evidence_matrix.csv"),
        ),
        rows_to=(RowsTo("evidence.csv"),),
    ),
)
