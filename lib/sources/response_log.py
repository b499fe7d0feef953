"""Respondent-level survey data: the data-quality log's rows for response files.

Rows are numbered as the user sees them (``12`` with the header as row 1, or
``case 11`` in an SPSS file) and listed as ranges, split so that no log cell
outgrows a spreadsheet cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.sources.contract import QUALITY_LOG_COLUMNS

LOG_KEYS = ["check", "file", "column", "value", "issue", "action"]


def row_labels(rows: np.ndarray | pd.Series, sav: np.ndarray | pd.Series | bool) -> pd.Series:
    """Row numbers as the log shows them: ``12`` (header = row 1) or ``case 11`` (.sav)."""
    text = pd.Series(np.asarray(rows)).astype(str)
    sav = pd.Series(np.broadcast_to(np.asarray(sav, dtype=bool), len(text)))
    return text.where(~sav, "case " + text)


def row_words(rows: pd.Series, sav: pd.Series) -> pd.Series:
    labels = row_labels(rows, sav)
    return labels.where(labels.str.startswith("case"), "row " + labels)


#: The longest row list in one log cell (spreadsheets hold 32,767 characters
#: per cell); a longer list continues on further log rows.
MAX_CELL = 30_000


def row_ranges(rows: np.ndarray, sav: bool, limit: int = MAX_CELL) -> list[str]:
    """Row numbers as log cells: consecutive rows as ranges (``2-40, 45``;
    ``case 3-9`` for .sav), each cell at most ``limit`` characters."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    if not len(rows):
        return [""]
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts, ends = rows[np.r_[0, breaks]], rows[np.r_[breaks - 1, len(rows) - 1]]
    prefix = "case " if sav else ""
    parts = [f"{prefix}{a}" if a == b else f"{prefix}{a}-{b}" for a, b in zip(starts, ends, strict=True)]
    cells, current, size = [], [], 0
    for part in parts:
        if current and size + len(part) + 2 > limit:
            cells.append(", ".join(current))
            current, size = [], 0
        current.append(part)
        size += len(part) + 2
    cells.append(", ".join(current))
    return cells


def group_log(bad: list[pd.DataFrame]) -> pd.DataFrame:
    """One log row per distinct (check, file, column, value, issue), its rows
    listed as ranges (more log rows when the list is too long for one cell)."""
    if not bad:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in QUALITY_LOG_COLUMNS})
    frame = pd.concat(bad, ignore_index=True)
    out = []
    for keys, group in frame.groupby(LOG_KEYS, sort=True):
        for cell in row_ranges(group["row"].to_numpy(), bool(group["sav"].iloc[0])):
            out.append((*keys, cell))
    grouped = pd.DataFrame(out, columns=[*LOG_KEYS, "row"])
    return grouped[QUALITY_LOG_COLUMNS].astype(str)
