"""Statistical disclosure control for published tables (caveat C6).

Follows the cell-suppression practice of UK official statistics (ONS / GSS
guidance on symbols in tables): a cell is hidden, shown as ``[c]``
("confidential"), when the number of people behind it is below a threshold
(primary suppression); further cells are hidden when a hidden one could be
worked out from a shown total (secondary suppression). ``[z]`` marks a cell
that is not applicable and ``[x]`` one that is not available (NaN).

Every function returns both the display strings and boolean masks, so what is
hidden can be checked exactly:

* ``mask``: True where the cell is shown as ``[c]`` (primary or secondary);
* ``primary``: True where the cell is hidden by the threshold itself.

The threshold defaults to :data:`DEFAULT_THRESHOLD` (10). It can be passed to
each function, or set for a run with the environment variable
``EVAL_DISCLOSURE_THRESHOLD``, read only in :func:`disclosure_threshold`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 10
THRESHOLD_ENV_VAR = "EVAL_DISCLOSURE_THRESHOLD"

SUPPRESSED = "[c]"
NOT_APPLICABLE = "[z]"
NOT_AVAILABLE = "[x]"


@dataclass(frozen=True)
class Suppressed:
    """Result of disclosure control.

    ``display`` holds the strings to publish; ``mask`` is True where a cell
    is shown as ``[c]``; ``primary`` is True where it is hidden because its
    own count (or its percentage's base) is below the threshold, so
    ``mask & ~primary`` are the secondary suppressions.
    """

    display: pd.DataFrame | pd.Series
    mask: pd.DataFrame | pd.Series
    primary: pd.DataFrame | pd.Series

    @property
    def secondary(self) -> pd.DataFrame | pd.Series:
        return self.mask & ~self.primary


def parse_threshold(raw: str, source: str = THRESHOLD_ENV_VAR) -> int:
    """A threshold written as text (an environment variable, a CLI option):
    a whole number of at least 1, else ValueError naming ``source``."""
    text = raw.strip()
    if not re.fullmatch(r"[+]?[0-9]+", text) or int(text) < 1:
        raise ValueError(f"{source} must be a whole number of at least 1, got {raw!r}")
    return int(text)


def disclosure_threshold(threshold: int | None = None) -> int:
    """The threshold to use: ``threshold`` if given, else the environment
    variable ``EVAL_DISCLOSURE_THRESHOLD``, else :data:`DEFAULT_THRESHOLD`.

    Raises ValueError for a threshold that is not a positive whole number.
    The batch runner checks the variable once, before any kernel starts
    (:func:`lib.run.planning.preflight`), so a bad value never reaches a report.
    """
    if threshold is None:
        raw = os.environ.get(THRESHOLD_ENV_VAR, "")
        return parse_threshold(raw) if raw.strip() else DEFAULT_THRESHOLD
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ValueError(f"disclosure threshold must be a positive whole number, got {threshold!r}")
    return int(threshold)


def format_count(value: float) -> str:
    """A count as a whole number, e.g. ``12``."""
    return f"{int(round(value)):d}"


def format_percent(value: float) -> str:
    """A proportion in [0, 1] as a whole-point percentage, e.g. ``56%``."""
    return f"{round(value * 100):d}%"


# ---------------------------------------------------------------- long tables


def suppress_long_table(
    table: pd.DataFrame,
    *,
    threshold: int | None = None,
    value_col: str = "value",
    base_col: str = "base_n",
    kind: str = "proportion",
    not_applicable_col: str | None = None,
    suppress_unknown_base: bool = False,
) -> Suppressed:
    """Primary suppression of a long table (one statistic per row).

    ``kind="proportion"``: ``value`` is a proportion of ``base_n`` people; the
    row is hidden when ``base_n`` is below the threshold. ``kind="count"``:
    ``value`` is itself a count of people and is hidden when below the
    threshold. A missing value shows ``[x]``; a row flagged True in
    ``not_applicable_col`` shows ``[z]``. A missing base cannot be assessed:
    such rows are shown unless ``suppress_unknown_base`` (then ``[c]``).

    A long table has no totals, so there is no secondary suppression; use
    :func:`suppress_wide_table` for tables with totals.

    Returns :class:`Suppressed` of Series aligned with ``table``.
    """
    limit = disclosure_threshold(threshold)
    if kind not in ("proportion", "count"):
        raise ValueError(f"kind must be 'proportion' or 'count', got {kind!r}")
    if value_col not in table.columns:
        raise ValueError(f"table has no column {value_col!r}")
    if kind == "proportion" and base_col not in table.columns:
        raise ValueError(f"table has no column {base_col!r} (needed for proportions)")
    formatter: Callable[[float], str] = format_percent if kind == "proportion" else format_count
    values = pd.to_numeric(table[value_col], errors="coerce")
    if not_applicable_col is not None:
        not_applicable = table[not_applicable_col].fillna(False).astype(bool)
    else:
        not_applicable = pd.Series(False, index=table.index)
    missing_value = values.isna() & ~not_applicable
    if kind == "proportion":
        bases = pd.to_numeric(table[base_col], errors="coerce")
        small = bases < limit
        if suppress_unknown_base:
            small = small | bases.isna()
    else:
        small = values < limit
    primary = (small & ~not_applicable & ~missing_value).astype(bool)
    display = pd.Series(
        [
            NOT_APPLICABLE if na else NOT_AVAILABLE if miss else SUPPRESSED if hide else formatter(v)
            for v, na, miss, hide in zip(values, not_applicable, missing_value, primary, strict=False)
        ],
        index=table.index,
        dtype="object",
    )
    return Suppressed(display=display, mask=primary.copy(), primary=primary)


# ---------------------------------------------------------------- wide tables


def _secondary_mask(
    values: pd.DataFrame, primary: pd.DataFrame, eligible: pd.DataFrame, lines: list
) -> pd.DataFrame:
    """Hide the smallest shown entry of every additive line with exactly one hidden
    entry, until nothing changes (see :func:`suppress_wide_table`)."""
    mask = primary.copy()
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if mask.at[cell]]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in line if eligible.at[cell] and not mask.at[cell]]
            if not candidates:
                continue
            smallest = min(candidates, key=lambda cell: values.at[cell])
            mask.at[smallest] = True
            changed = True
    return mask


def _wide_display(
    values: pd.DataFrame,
    mask: pd.DataFrame,
    na_mask: pd.DataFrame,
    missing: pd.DataFrame,
    formatter: Callable[[float], str],
) -> pd.DataFrame:
    """Each cell's text: ``[z]``, ``[x]``, the suppression mark or the formatted count."""
    display = pd.DataFrame(index=values.index, columns=values.columns, dtype="object")
    for row in values.index:
        for col in values.columns:
            if na_mask.at[row, col]:
                text = NOT_APPLICABLE
            elif missing.at[row, col]:
                text = NOT_AVAILABLE
            elif mask.at[row, col]:
                text = SUPPRESSED
            else:
                text = formatter(values.at[row, col])
            display.at[row, col] = text
    return display


def suppress_wide_table(
    counts: pd.DataFrame,
    *,
    threshold: int | None = None,
    total_row: str | None = "Total",
    total_col: str | None = "Total",
    not_applicable: pd.DataFrame | None = None,
    formatter: Callable[[float], str] = format_count,
) -> Suppressed:
    """Primary and secondary suppression of a wide table of counts.

    ``counts``: rows and columns of counts, optionally with a total row
    (index label ``total_row``) and a total column (``total_col``); pass
    ``None`` for a total the table does not show. ``not_applicable``: a
    boolean frame of the same shape, True where the cell is ``[z]``. NaN
    cells show ``[x]``.

    Primary: every count below the threshold (totals included) is hidden.
    Secondary: each row with a shown total column, and each column with a
    shown total row, is an additive line (members + total). A line with
    exactly one hidden entry would let a reader subtract it back, so the
    smallest still-shown entry of that line (ties: first in table order) is
    hidden too. Repeat over rows and columns until nothing changes. ``[z]``
    and ``[x]`` cells are not counted as hidden (conservatively, a reader may
    know them to be zero or obtain them elsewhere).

    Returns :class:`Suppressed` of DataFrames shaped like ``counts``.
    """
    limit = disclosure_threshold(threshold)
    for name, label, axis in (
        ("total_row", total_row, counts.index),
        ("total_col", total_col, counts.columns),
    ):
        if label is not None and label not in axis:
            raise ValueError(f"{name} {label!r} is not in the table; pass None if there is no total")
    values = counts.apply(pd.to_numeric, errors="coerce").astype(float)
    if not_applicable is None:
        na_mask = pd.DataFrame(False, index=counts.index, columns=counts.columns)
    else:
        na_mask = not_applicable.reindex_like(counts).fillna(False).astype(bool)
    missing = values.isna() & ~na_mask
    eligible = ~na_mask & ~missing
    primary = (values < limit) & eligible
    mask = _secondary_mask(values, primary, eligible, _additive_lines(counts, total_row, total_col))
    display = _wide_display(values, mask, na_mask, missing, formatter)
    return Suppressed(display=display, mask=mask.astype(bool), primary=primary.astype(bool))


def _additive_lines(
    counts: pd.DataFrame, total_row: str | None, total_col: str | None
) -> list[list[tuple[object, object]]]:
    """Cells of each row (with its total) and column (with its total)."""
    lines: list[list[tuple[object, object]]] = []
    if total_col is not None:
        for row in counts.index:
            lines.append([(row, col) for col in counts.columns])
    if total_row is not None:
        for col in counts.columns:
            lines.append([(row, col) for row in counts.index])
    return lines
