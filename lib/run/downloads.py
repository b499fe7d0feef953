"""Downloads built with the reports: every processed table as CSV, and one
Excel workbook holding them all.

The batch writes, beside the HTML pages (so a zipped ``html/`` folder keeps
them)::

    html/downloads/<table>.csv        each processed table, byte for byte
    html/downloads/<programme>.xlsx   a sheet per table (same rows and columns
                                      as its CSV, typed by the table's schema),
                                      a "Columns" sheet describing every
                                      column, an "About" sheet first

and the index links each file. The workbook is deterministic: the same
processed tables give the same bytes. Its document properties carry a fixed
date (:data:`FIXED_TIMESTAMP`, the earliest date a zip entry can hold) instead
of the build time, every zip entry the same date, and the data version (the
hash of the processed tables) is written into the "About" sheet and the
document's identifier, which is what tells two workbooks apart.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lib import evaluation
from lib.analysis import results
from lib.analysis.results_schemas import RESULTS_SCHEMAS
from lib.files import atomic_write_bytes
from lib.sources.schema_docs import type_name

DOWNLOADS_DIR = "downloads"
FIXED_TIMESTAMP = dt.datetime(1980, 1, 1, 0, 0, 0)
ABOUT_SHEET = "About"
COLUMNS_SHEET = "Columns"
WORKBOOK_TITLE = "Processed evaluation data"

#: Sheet and link names where capitalising the table name is not enough.
_TITLE_WORDS = {"kpis": "KPIs"}
#: Whole tables a reader knows by another name than their file's (the results tables of the
#: analysis step are named for what they hold, not for the step that wrote them).
_TITLES = {
    "membership": "Programme membership",
    "evidence": "Evidence by authority",
    "results_comparisons": "Before and after comparisons",
    "results_success": "Success measure verdicts",
    "results_design": "Design rating",
    "results_kpis": "KPI changes",
    "results_claims": "Claim verdicts",
    "results_findings": "Key findings",
}


@dataclass(frozen=True)
class Download:
    """One file written for download: its path relative to the html folder and its link text."""

    href: str
    label: str
    kind: str  # "workbook" | "csv"
    rows: int | None = None


def download_schemas() -> dict:
    """File name -> schema of every table offered for download: the processed tables, then the
    results tables of the analysis step (``results_*.csv``)."""
    return {**evaluation.PROCESSED_SCHEMAS, **{f"{n}.csv": s for n, s in RESULTS_SCHEMAS.items()}}


def table_names() -> list[str]:
    """The tables, in the order the schemas declare them (names without ``.csv``)."""
    return [name.removesuffix(".csv") for name in download_schemas()]


def load_tables(processed_dir: Path) -> dict[str, pd.DataFrame]:
    """Every downloadable table of ``processed_dir``, typed by its schema."""
    return {**evaluation.load_processed(Path(processed_dir)), **results.load_results(Path(processed_dir))}


def table_title(name: str) -> str:
    """``'case_study_facts'`` -> ``'Case study facts'``; ``'kpis'`` -> ``'KPIs'``; ``'results_design'`` ->
    ``'Design rating'`` (:data:`_TITLES`); at most 31 characters, Excel's limit."""
    title = _TITLES.get(name) or " ".join(_TITLE_WORDS.get(w, w) for w in name.split("_"))
    title = title[:1].upper() + title[1:]
    if len(title) > 31 or title in (ABOUT_SHEET, COLUMNS_SHEET):
        raise ValueError(f"table {name!r}: sheet title {title!r} is too long or reserved")
    return title


def _cell_value(value):
    """A pandas/numpy scalar as a value openpyxl writes (None for missing)."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _put(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text from a source, never a formula


def _header(ws, names: list[str], bold) -> None:
    for j, name in enumerate(names, start=1):
        _put(ws, 1, j, name)
        ws.cell(row=1, column=j).font = bold
    ws.freeze_panes = "A2"


def _widths(ws, frame_like: list[list], cap: int = 60) -> None:
    from openpyxl.utils import get_column_letter

    for j, column in enumerate(zip(*frame_like, strict=False), start=1):
        longest = max((len(str(v)) for v in column if v is not None), default=8)
        ws.column_dimensions[get_column_letter(j)].width = min(cap, max(8, longest + 2))


def _about_sheet(ws, tables: dict[str, pd.DataFrame], data_version: str, bold) -> None:
    """The first sheet: what the workbook holds, its data version and one line per table."""
    from openpyxl.styles import Font

    ws.title = ABOUT_SHEET
    about_rows = [
        [WORKBOOK_TITLE],
        [
            "Each sheet after this one holds one processed table: the same rows and columns as the CSV file "
            "of the same name. The Columns sheet describes every column."
        ],
        ["Data version", data_version],
        [],
        ["Sheet", "File", "Rows", "Columns"],
    ]
    for name in table_names():
        about_rows.append([table_title(name), f"{name}.csv", len(tables[name]), len(tables[name].columns)])
    for i, row in enumerate(about_rows, start=1):
        for j, value in enumerate(row, start=1):
            _put(ws, i, j, value)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    for j in range(1, 5):
        ws.cell(row=5, column=j).font = bold
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 28


def _table_sheets(wb, tables: dict[str, pd.DataFrame], bold) -> list[list]:
    """One sheet per processed table; returns the Columns sheet's rows (one per column of every table)."""
    column_rows: list[list] = []
    for name, (file_name, schema) in zip(table_names(), download_schemas().items(), strict=False):
        frame = tables[name]
        ws = wb.create_sheet(table_title(name))
        _header(ws, list(frame.columns), bold)
        values = [[_cell_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        for i, row in enumerate(values, start=2):
            for j, value in enumerate(row, start=1):
                _put(ws, i, j, value)
        _widths(ws, [list(frame.columns), *values])
        for col, spec in schema.columns.items():
            column_rows.append([table_title(name), file_name, col, type_name(spec), spec.description or ""])
    return column_rows


def _columns_sheet(ws, column_rows: list[list], bold) -> None:
    header = ["Sheet", "File", "Column", "Type", "Meaning"]
    _header(ws, header, bold)
    for i, row in enumerate(column_rows, start=2):
        for j, value in enumerate(row, start=1):
            _put(ws, i, j, value)
    _widths(ws, [header, *column_rows], cap=80)


def _workbook_bytes(wb, data_version: str) -> bytes:
    """``wb`` saved with fixed properties and dates: the same tables give the same bytes."""
    from openpyxl.writer.excel import ExcelWriter

    props = wb.properties
    props.title = WORKBOOK_TITLE
    props.identifier = f"data version {data_version}"
    props.creator = "Evaluation workbook"
    props.lastModifiedBy = None
    props.created = props.modified = FIXED_TIMESTAMP

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter directly: openpyxl's save_workbook stamps the save time.
        ExcelWriter(wb, archive).save()
    return _fix_zip_dates(raw.getvalue())


def build_workbook(
    processed_dir: Path, *, data_version: str, tables: dict[str, pd.DataFrame] | None = None
) -> bytes:
    """The Excel workbook of every processed table, as deterministic bytes.

    ``tables`` (as :func:`lib.evaluation.load_processed` returns them) saves
    reading ``processed_dir`` again.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    if tables is None:
        tables = load_tables(Path(processed_dir))
    bold = Font(bold=True)
    wb = Workbook()
    _about_sheet(wb.active, tables, data_version, bold)
    column_rows = _table_sheets(wb, tables, bold)
    _columns_sheet(wb.create_sheet(COLUMNS_SHEET), column_rows, bold)
    return _workbook_bytes(wb, data_version)


def _fix_zip_dates(data: bytes) -> bytes:
    """The same archive with every entry dated :data:`FIXED_TIMESTAMP`, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_downloads(
    processed_dir: Path, html_dir: Path, *, data_version: str, programme: str = "programme"
) -> list[Download]:
    """Write ``<html_dir>/downloads/``: each processed CSV and ``<programme>.xlsx``, atomically.

    Returns the links for the index: the workbook first, then the CSVs in
    schema order. A processed folder without the full set of tables (a
    partial test fixture) gets no downloads, and a line on stderr says why.
    Files in the downloads folder that are not part of this set (left by an
    earlier build) are removed, so the folder, the index and the manifest agree.
    """
    import sys

    processed_dir, dest = Path(processed_dir), Path(html_dir) / DOWNLOADS_DIR
    missing = [name for name in download_schemas() if not (processed_dir / name).is_file()]
    links: list[Download] = []
    if missing:
        print(f"downloads: not built: {processed_dir} lacks {', '.join(missing)}", file=sys.stderr)
    else:
        tables = load_tables(processed_dir)
        workbook = f"{programme}.xlsx"
        atomic_write_bytes(
            dest / workbook, build_workbook(processed_dir, data_version=data_version, tables=tables)
        )
        links.append(
            Download(f"{DOWNLOADS_DIR}/{workbook}", "All processed tables (Excel workbook)", "workbook")
        )
        for name in table_names():
            if tables[name].empty:  # a table the programme lacks: nothing to offer (the workbook lists it)
                continue
            atomic_write_bytes(dest / f"{name}.csv", (processed_dir / f"{name}.csv").read_bytes())
            links.append(
                Download(
                    f"{DOWNLOADS_DIR}/{name}.csv", f"{table_title(name)} (CSV)", "csv", len(tables[name])
                )
            )
    keep = {Path(d.href).name for d in links}
    if dest.is_dir():
        for stale in dest.iterdir():
            if stale.is_file() and stale.name not in keep and stale.suffix in (".csv", ".xlsx"):
                stale.unlink()
    return links
