"""Respondent-level survey data: reading the raw response exports.

Finds the files in a responses folder and reads each one (CSV in any of the
usual separators, Excel, SPSS ``.sav``) as text columns, so nothing is coerced
before the cleaning (:mod:`lib.sources.responses`) decides what a value means.
A file that cannot be read at all is one :class:`ResponseFileError`, which
stops the build with one line naming the file and the reason.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from lib.sources.contract import display_path
from lib.sources.response_format import (
    FORMATS,
    Vocabulary,
    column_map,
    header_key,
    phase_in_words,
    programme_vocabulary,
)


class ResponseFileError(Exception):
    """A response file that cannot be read or used at all (stops the build)."""

    def __init__(
        self, file: str, reason: str, row: int | None = None, column: str | None = None, value: object = None
    ):
        self.file, self.reason, self.row, self.column, self.value = file, reason, row, column, value
        super().__init__(f"{file}: {reason}")


class ResponseDataError(Exception):
    """Raised when response files are unusable; carries one problem per file
    (lib.evaluation turns it into its RawDataError: one line each, nothing written)."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _decode(path: Path, shown: str) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ResponseFileError(
            shown,
            f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "save the export as CSV UTF-8",
        ) from None


def _separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: (counts[s], s == ","))


def read_file(path: Path, vocab: Vocabulary | None = None) -> tuple[pd.DataFrame, str]:
    """Read one response file as text columns; return (frame, format).

    Every value is kept as text: parsing happens in the cleaning, so nothing is
    coerced silently. Raises :class:`ResponseFileError` with the reason when the
    file cannot be read.
    """
    path = Path(path)
    shown = display_path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ResponseFileError(shown, f"unsupported file type {path.suffix!r}; expected .csv, .xlsx or .sav")
    try:
        if fmt == "csv":
            text = _decode(path, shown)
            if not text.strip():
                raise ResponseFileError(shown, "the file is empty (no header row)")
            frame = pd.read_csv(
                io.StringIO(text),
                sep=_separator(text),
                dtype=object,
                keep_default_na=False,
                na_filter=False,
                skipinitialspace=False,
            )
        elif fmt == "xlsx":
            frame = pd.read_excel(path, engine="openpyxl", dtype=object, na_filter=False)
            frame = frame.apply(_as_text)
        else:
            frame = _read_sav(path, vocab)
    except ResponseFileError:
        raise
    except Exception as err:  # every reader failure becomes one line
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ResponseFileError(shown, f"cannot be read as {fmt.upper()}: {reason}") from None
    frame.columns = [str(c) for c in frame.columns]
    return frame, fmt


def _read_sav(path: Path, vocab: Vocabulary | None) -> pd.DataFrame:
    """An SPSS file as text. In answer columns the numeric code is the answer
    and its value label only display text; a code off the scale reads as its
    label, so "Don't know" or "Refused" coded 8 or 99 is a missing answer.
    Other columns (authority, sector, phase ...) read as their labels where
    they have them. Declared missing values arrive as blanks."""
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    vocab = vocab or programme_vocabulary()
    mapping, items = column_map(vocab), {it.item for it in vocab.items}
    for column, labels in meta.variable_value_labels.items():
        if column not in frame:
            continue
        if mapping.get(header_key(column)) in items:
            labels = {c: v for c, v in labels.items() if not vocab.scale_low <= c <= vocab.scale_high}
        if labels:
            frame[column] = frame[column].astype(object).replace(labels)
    return frame.apply(_as_text)


def _as_text(column: pd.Series) -> pd.Series:
    """Spreadsheet and SPSS cells as text: whole numbers without '.0', blanks as ''."""

    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    return column.map(text).astype(object)


def phase_from_name(path: Path) -> str | None:
    """``pre`` or ``post`` when the file name says so (e.g. ``leeds_pre.csv``)."""
    return phase_in_words(Path(path).stem)


def response_files(directory: Path) -> list[Path]:
    """Every file in ``directory`` (sorted), except hidden files, Office lock
    files (``~$...``) and READMEs: a file of another type is not skipped but
    refused by :func:`read_file`, so nothing is left out silently."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$")) and not p.name.casefold().startswith("readme")
    )


def relative_names(paths: list[Path]) -> list[str]:
    """Each file's path below the folder the files share (the responses folder):
    the processed tables and the log do not depend on where that folder is."""
    if not paths:
        return []
    resolved = [Path(p).resolve() for p in paths]
    root = Path(os.path.commonpath([p.parent for p in resolved]))
    return [p.relative_to(root).as_posix() for p in resolved]
