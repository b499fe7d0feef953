"""Statistical disclosure control for published tables (caveat C6).

Follows the cell-suppression practice of UK official statistics (ONS / GSS
guidance on symbols in tables): a cell is hidden, shown as ``[c]``
("confidential"), when the number of people behind it is below a threshold
(primary suppression). The published tables are long (one statistic per
row, no totals), so no hidden cell can be worked out from a shown total and
there is no secondary suppression. ``[z]`` marks a cell that is not
applicable and ``[x]`` one that is not available (NaN).

The result holds both the display strings and boolean masks, so what is
hidden can be checked exactly:

* ``mask``: True where the cell is shown as ``[c]``;
* ``primary``: True where the cell is hidden by the threshold itself.

The threshold defaults to :data:`DEFAULT_THRESHOLD` (10). It can be passed to
each function, or set for a run with the environment variable
``EVAL_DISCLOSURE_THRESHOLD``, read only in :func:`disclosure_threshold`.
"""

from __future__ import annotations

import os
import re
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
    own count (or its percentage's base) is below the threshold.
    """

    display: pd.DataFrame | pd.Series
    mask: pd.DataFrame | pd.Series
    primary: pd.DataFrame | pd.Series


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
    not_applicable_col: str | None = None,
    suppress_unknown_base: bool = False,
) -> Suppressed:
    """Primary suppression of a long table (one statistic per row).

    ``value`` is a proportion of ``base_n`` people; the row is hidden when
    ``base_n`` is below the threshold. A missing value shows ``[x]``; a row flagged True in
    ``not_applicable_col`` shows ``[z]``. A missing base cannot be assessed:
    such rows are shown unless ``suppress_unknown_base`` (then ``[c]``).

    A long table has no totals, so there is no secondary suppression.

    Returns :class:`Suppressed` of Series aligned with ``table``.
    """
    limit = disclosure_threshold(threshold)
    if value_col not in table.columns:
        raise ValueError(f"table has no column {value_col!r}")
    if base_col not in table.columns:
        raise ValueError(f"table has no column {base_col!r} (needed for proportions)")
    values = pd.to_numeric(table[value_col], errors="coerce")
    if not_applicable_col is not None:
        not_applicable = table[not_applicable_col].fillna(False).astype(bool)
    else:
        not_applicable = pd.Series(False, index=table.index)
    missing_value = values.isna() & ~not_applicable
    bases = pd.to_numeric(table[base_col], errors="coerce")
    small = bases < limit
    if suppress_unknown_base:
        small = small | bases.isna()
    primary = (small & ~not_applicable & ~missing_value).astype(bool)
    display = pd.Series(
        [
            NOT_APPLICABLE if na else NOT_AVAILABLE if miss else SUPPRESSED if hide else format_percent(v)
            for v, na, miss, hide in zip(values, not_applicable, missing_value, primary, strict=False)
        ],
        index=table.index,
        dtype="object",
    )
    return Suppressed(display=display, mask=primary.copy(), primary=primary)


# ---------------------------------------------------------------- quotes

#: Contact details a published quote must not carry (e-mail, web address, phone number).
_CONTACT = re.compile(r"\S+@\S+|https?://|www\.|(?:\+?\d[\d ()-]{8,}\d)")
#: A quote longer than this is not published (long answers carry more that can identify).
QUOTE_MAX_CHARS = 240


def quote_passes(text: str, group_n: int, threshold: int | None = None) -> bool:
    """Whether a free-text answer may be quoted in a published table.

    The quote is attributed to a group (e.g. the respondents of one sector of
    one authority): that group must hold at least the threshold number of
    people, the same rule as a share's base; and the text must carry no
    contact details and be at most :data:`QUOTE_MAX_CHARS` characters long.
    """
    if group_n < disclosure_threshold(threshold):
        return False
    return len(text) <= QUOTE_MAX_CHARS and not _CONTACT.search(text)
