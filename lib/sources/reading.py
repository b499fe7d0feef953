"""Read raw CSV files against their contract (:data:`lib.sources.registry.RAW_TABLES`).

Decoding, size bounds, header, value checks and completeness are all checked
before any cleaning; every failure is one :class:`~lib.sources.contract.Problem`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from lib.config import RAW_DIR
from lib.sources.common import PROGRAMME
from lib.sources.contract import Problem, RawDataError, RawTable, display_path, key_text, shorten
from lib.sources.registry import RAW_TABLES


def _decode(path: Path, data: bytes) -> tuple[str | None, list[Problem]]:
    """Strict UTF-8, BOM dropped, newlines normalised to '\\n' (CRLF and CR too).

    Normalising here, at the boundary, makes a file saved with Windows line
    endings (including inside multi-line quoted cells) give the same processed
    bytes as the same file with Unix line endings.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        bad = data[err.start : err.end]
        return None, [
            Problem(display_path(path), line, None, bad, "UTF-8 text (the file is not valid UTF-8)")
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def _failure_problems(
    path: Path, frame: pd.DataFrame, err: pa.errors.SchemaErrors, lines: list[int], key: list[str]
) -> list[Problem]:
    """One problem per failing cell (or duplicated row), from pandera's failure cases.

    Plain lists only: indexing the frame per case would copy its ``attrs`` line
    map each time, quadratic on a large bad file.
    """
    file = display_path(path)
    key_values = list(zip(*(frame[c].tolist() for c in key), strict=False)) if key else []
    problems: list[Problem] = []
    seen: set[tuple] = set()
    cases = err.failure_cases
    for index, check, column, value in zip(
        cases["index"].tolist(),
        cases["check"].astype(str).tolist(),
        cases["column"].tolist(),
        cases["failure_case"].tolist(),
        strict=False,
    ):
        if check == "column_in_dataframe":
            row, column, value, check = 1, str(value), None, "this column in the header"
        else:
            position = None if index is None or pd.isna(index) else int(index)
            row = None if position is None else (lines[position] if position < len(lines) else position + 2)
            if check == "multiple_fields_uniqueness":
                column, check = "+".join(key), "a unique key (duplicate row)"
                value = None if position is None else key_values[position]
        # One line per problem cell: a value failing two checks is reported once.
        if (row, column) not in seen:
            seen.add((row, column))
            problems.append(Problem(file, row, column, value, check))
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def _read_bounded(path: Path, spec: RawTable) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, never more than the declared maximum (checked before parsing)."""
    if not path.is_file():
        return None, [Problem(display_path(path), None, None, None, "the file to exist")]
    with open(path, "rb") as handle:
        data = handle.read(spec.max_bytes + 1)
    if len(data) > spec.max_bytes:
        size = path.stat().st_size
        return None, [
            Problem(
                display_path(path),
                None,
                None,
                f"{size:,} bytes",
                f"at most {spec.max_bytes:,} bytes (the declared maximum for this table; nothing was parsed)",
            )
        ]
    return data, []


def _parse_records(
    path: Path, text: str, spec: RawTable
) -> tuple[list[str], list[list[str]], list[int], list[Problem]]:
    """Header, data records and the line each record starts on; cheap row checks.

    Each record must have as many fields as the header, and there may be at
    most ``spec.max_rows`` records (reading stops at the first one over).
    Blank lines are skipped, as a CSV reader does.
    """
    file = display_path(path)
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] | None = None
    records: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record:
                continue
            if header is None:
                header = record
                continue
            if len(records) >= spec.max_rows:
                problems.insert(
                    0,
                    Problem(
                        file,
                        line,
                        None,
                        None,
                        f"at most {spec.max_rows:,} data rows (the declared maximum "
                        "for this table; reading stopped here)",
                    ),
                )
                break
            if len(record) != len(header):
                problems.append(
                    Problem(
                        file,
                        line,
                        None,
                        shorten(",".join(record)),
                        f"{len(header)} fields as in the header, found {len(record)}",
                    )
                )
            records.append(record)
            lines.append(line)
    except csv.Error as err:
        problems.append(Problem(file, start, None, None, f"readable CSV ({err})"))
    if header is None and not problems:
        problems.append(Problem(file, 1, None, None, "a header row naming the columns (the file is empty)"))
    return header or [], records, lines, problems


def _header_problems(path: Path, header: list[str], spec: RawTable) -> list[Problem]:
    """Exactly the declared columns: each missing or extra column is one line."""
    file = display_path(path)
    problems = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, 1, name, None, "each column once (this column is repeated)"))
        elif name not in spec.columns:
            problems.append(
                Problem(
                    file,
                    1,
                    name,
                    None,
                    "only the declared columns (this column is not one of them: "
                    + ", ".join(spec.columns)
                    + ")",
                )
            )
        seen.add(name)
    for name in spec.columns:
        if name not in seen:
            problems.append(Problem(file, 1, name, None, "this column in the header"))
    return problems


def _completeness_problems(path: Path, frame: pd.DataFrame, spec: RawTable) -> list[Problem]:
    """At least ``min_rows`` rows, and a row for every key the source prints."""
    file = display_path(path)
    if len(frame) < spec.min_rows:
        found = "none" if len(frame) == 0 else str(len(frame))
        rows = "one data row" if spec.min_rows == 1 else f"{spec.min_rows} data rows"
        return [Problem(file, None, None, None, f"at least {rows} below the header (found {found})")]
    problems = []
    for required in spec.required:
        present = set(zip(*(frame[c].map(key_text) for c in required.columns), strict=False))
        for key in required.keys:
            if tuple(key_text(k) for k in key) not in present:
                problems.append(
                    Problem(
                        file,
                        None,
                        "+".join(required.columns),
                        key,
                        f"a row for this key (the source prints {required.printed})",
                    )
                )
    return problems


def read_raw(name: str, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Read and check one raw table against its contract; raise :class:`RawDataError`.

    In order, each step only if the previous passed: size (before parsing),
    UTF-8, CSV records with as many fields as the header (at most ``max_rows``),
    exactly the declared columns, the pandera schema, then completeness.
    """
    return read_table(Path(raw_dir) / name, RAW_TABLES.get(name) or RawTable(name, {}, []))


def read_table(path: Path, spec: RawTable) -> pd.DataFrame:
    """Read and check the file at ``path`` against the contract ``spec`` (the steps of
    :func:`read_raw`, for evaluator input kept outside ``data/raw``)."""
    data, problems = _read_bounded(path, spec)
    if problems:
        raise RawDataError(problems)
    text, problems = _decode(path, data)
    if problems:
        raise RawDataError(problems)
    header, records, lines, problems = _parse_records(path, text, spec)
    if spec.columns:
        problems = _header_problems(path, header, spec) + problems
    if problems:
        raise RawDataError(problems)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    if spec.columns:
        try:
            spec.schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as err:
            raise RawDataError(_failure_problems(path, frame, err, lines, spec.key)) from None
        problems = _completeness_problems(path, frame, spec)
        if problems:
            raise RawDataError(problems)
    # Set last: pandas deep-copies attrs on every operation (slow on a large bad file).
    frame.attrs["lines"] = lines
    frame.attrs["file"] = display_path(path)
    return frame


def absent_table(name: str, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """An optional raw table the programme does not have: its columns, no rows."""
    frame = pd.DataFrame(columns=list(RAW_TABLES[name].columns), dtype=object)
    frame.attrs["lines"] = []
    frame.attrs["file"] = display_path(Path(raw_dir) / name)
    return frame


def _unlisted(name: str, raw_dir: Path) -> list[Problem]:
    """A file the definition's ``optional_tables`` leaves out must not be there (fail closed)."""
    path = Path(raw_dir) / name
    if not path.exists():
        return []
    return [
        Problem(
            display_path(path),
            None,
            None,
            None,
            f"no such file, or {name} in the definition's optional_tables ({PROGRAMME.path} leaves it out)",
        )
    ]


def load_raw(raw_dir: Path = RAW_DIR) -> dict[str, pd.DataFrame]:
    """Read every raw table the programme has, collecting all problems before failing;
    an optional table it lacks (``optional_tables`` in its definition) is an empty frame."""
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in RAW_TABLES:
        if not PROGRAMME.has_table(name):
            problems += _unlisted(name, raw_dir)
            tables[name] = absent_table(name, raw_dir)
            continue
        try:
            tables[name] = read_raw(name, raw_dir)
        except RawDataError as err:
            problems.extend(err.problems)
    if problems:
        raise RawDataError(problems)
    return tables
