"""The raw contract machinery: how a raw file's contract is declared and how
problems and quality-log records are reported.

A :class:`RawTable` declares one raw file's columns (pandera checks), key,
completeness (:class:`Required`: the keys its source prints), size limits and
where its rows end up (:class:`RowsTo`). A contract failure is a
:class:`Problem` (one line: file, row, column, value, what was expected); an
inconsistency the cleaning handles is an :class:`Issue` in the data-quality
log. One exception type per error concept: :class:`RawDataError`,
:class:`ProcessedDataError`, :class:`PreflightError` (all :class:`BuildError`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from lib.config import PROJECT_ROOT


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a raw file, reported as one line."""

    file: str
    row: int | None  # line number in the CSV file (header = line 1)
    column: str | None
    value: object
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        value = "" if self.value is None else f": value {self.value!r}"
        return f"{', '.join(where)}{value}: expected {self.expected}"


class BuildError(Exception):
    """The data build cannot go on; carries every problem found, one line each."""

    stage = "the build"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(problem_lines(problems)))


class RawDataError(BuildError):
    """Raw files break their contract (:class:`RawTable`)."""

    stage = "the raw data"


class ProcessedDataError(BuildError):
    """A processed table breaks its schema, or a raw row is unaccounted for (a cleaning bug)."""

    stage = "the processed tables"


class PreflightError(BuildError):
    """An output folder cannot be written; found before anything is read or replaced."""

    stage = "the output folders"


#: Lines printed per file before the rest are summarised as one count.
ERRORS_PER_FILE = 20


def problem_lines(problems: list[Problem], per_file: int = ERRORS_PER_FILE) -> list[str]:
    """``error:`` lines, the first ``per_file`` of each file then one line counting the rest."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    lines = []
    for file, found in by_file.items():
        lines += [f"error: {p}" for p in found[:per_file]]
        if len(found) > per_file:
            lines.append(
                f"error: {file}: {len(found) - per_file} more problem(s) not listed "
                f"(the first {per_file} are shown)"
            )
    return lines


@dataclass(frozen=True, kw_only=True)
class Issue:
    """An inconsistency in the sources and what the cleaning did about it."""

    check: str
    file: str
    row: str
    column: str
    value: str
    issue: str
    action: str


QUALITY_LOG_COLUMNS = ["check", "file", "row", "column", "value", "issue", "action"]


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(i) for i in issues], columns=QUALITY_LOG_COLUMNS).astype(str)
    return frame.sort_values(QUALITY_LOG_COLUMNS, kind="stable").reset_index(drop=True)


NUMBER_RE = r"-?\d+(\.\d+)?"


PERCENT_RE = r"\s*\d{1,3}\s*%\s*"


def matches(pattern: str, error: str, *, allow_empty: bool = False) -> pa.Check:
    regex = re.compile(pattern)

    def check(value: str) -> bool:
        return (allow_empty and value == "") or bool(regex.fullmatch(value))

    return pa.Check(check, element_wise=True, error=error)


def one_of(values: Iterable[str], *, strip: bool = False) -> pa.Check:
    allowed = list(values)
    label = ", ".join(repr(v) for v in allowed)

    def check(value: str) -> bool:
        return (value.strip() if strip else value) in allowed

    return pa.Check(check, element_wise=True, error=f"one of {label}")


def in_range(low: float, high: float, what: str, *, allow_empty: bool = False) -> pa.Check:
    def check(value: str) -> bool:
        if allow_empty and value == "":
            return True
        try:
            number = float(value.strip().rstrip("%").strip())
        except ValueError:
            return False
        return low <= number <= high

    return pa.Check(check, element_wise=True, error=f"{what} between {low:g} and {high:g}")


def parses(parser: Callable[[str], object], error: str) -> pa.Check:
    """A value the cleaning step's own parser accepts (one rule, used twice)."""

    def check(value: str) -> bool:
        try:
            parser(value)
        except ValueError:
            return False
        return True

    return pa.Check(check, element_wise=True, error=error)


FIRST_ROW_FILLED = pa.Check(
    lambda s: pd.Series([i > 0 or str(v).strip() != "" for i, v in enumerate(s)], index=s.index),
    error="a value on the first row (later rows may continue it)",
)


NOT_BLANK = pa.Check(lambda v: v.strip() != "", element_wise=True, error="non-empty text")


WHOLE = matches(r"\d+", "a whole number")


SOURCE = matches(r"\d{3}_[0-9a-f]{16}\.txt § .+", "a provenance '<file> § <section>'")


def raw_column(*checks: pa.Check) -> pa.Column:
    return pa.Column(checks=list(checks), nullable=False, coerce=False)


def grid(*axes: Iterable) -> tuple[tuple[str, ...], ...]:
    """Every combination of the given key values, as text."""
    return tuple(tuple(str(v) for v in combo) for combo in itertools.product(*axes))


def key_text(value: object) -> str:
    """How completeness keys compare: case, curly apostrophes and runs of spaces ignored."""
    return re.sub(r"\s+", " ", str(value).replace("’", "'")).strip().casefold()


@dataclass(frozen=True)
class Required:
    """Completeness: key values the source prints, each of which must have a raw row.

    ``keys`` are plain data (the printed table's rows and columns); they are
    compared with the raw values after :func:`key_text`.
    """

    columns: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]
    printed: str  # what the source prints, said in the error line


@dataclass(frozen=True)
class RowsTo:
    """Where a raw table's rows are accounted for after the build.

    ``table`` is a processed table, or :data:`QUALITY_LOG_NAME` for rows the
    cleaning logs instead of processing. ``where`` selects the rows of that table
    that come from this raw table (column -> allowed values, compared as text).
    ``per_raw_row`` names the columns that identify one raw row when a raw row
    yields several processed rows (a KPI cell with two measures); empty means one
    processed row per raw row.
    """

    table: str
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)
    per_raw_row: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawTable:
    """The contract of one raw file.

    ``columns`` are exactly the columns the header must hold (a missing or an
    extra column is an error); ``key`` must be unique; ``required`` lists the
    keys the source prints (completeness); ``min_rows``, ``max_rows`` and
    ``max_bytes`` bound the file before it is parsed; ``rows_to`` says where each
    raw row ends up (processed table or data-quality log), which the build
    checks row for row (:func:`account_rows`).
    """

    name: str
    columns: dict[str, pa.Column]
    key: list[str]
    description: str = ""
    required: tuple[Required, ...] = ()
    rows_to: tuple[RowsTo, ...] = ()
    min_rows: int = 1
    max_rows: int = 10_000
    max_bytes: int = 1_000_000

    @property
    def schema(self) -> pa.DataFrameSchema:
        return pa.DataFrameSchema(self.columns, unique=self.key or None, name=self.name)


def display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
