"""Malformed raw data stops the build cleanly, through the command line.

Each case copies ``data/raw`` into a temporary folder, builds a good processed
folder there first, corrupts the copy one way, then runs

    python -m lib.evaluation build --raw-dir <copy> --processed-dir <tmp> --outputs-dir <tmp>

as a subprocess (all cases in one parallel batch: most of each run is spent
importing pandas). Every bad-input test checks: a non-zero exit status; one
``error:`` line per problem naming the file, the row (CSV line number), the
column and the value; no traceback; the previously built processed folder and
quality log byte-for-byte unchanged; and no temporary folder left beside them.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas.testing as pd_testing
import pytest

from lib import evaluation as ev
from lib.config import QUALITY_LOG_NAME, RAW_DIR
from lib.sources import build as build_module
from lib.sources.build import build
from lib.sources.case_studies import clean_case_study_impacts, clean_challenges
from lib.sources.claims import CLAIM_ACTORS, CLAIM_TESTS
from lib.sources.contract import RawDataError
from lib.sources.kpis import KPI_CELL_EXPECTED
from lib.sources.reading import read_raw
from lib.sources.registry import RAW_TABLES
from lib.sources.schemas import PROCESSED_SCHEMAS

PROJECT_ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    raw: Path
    processed: Path
    outputs: Path
    before_processed: dict[str, bytes]
    before_outputs: dict[str, bytes]
    context: dict

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]

    @property
    def problem_count(self) -> int:
        """Problems the error lines stand for: a capped file's last line counts the rest."""
        more = [re.search(r": (\d+) more problem\(s\) not listed", e) for e in self.errors]
        return sum(int(m.group(1)) if m else 1 for m in more)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` but the analysis step's results (the data build leaves those to it)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(("results_", ".results_"))
    }


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cell(path: Path, line: int, column: str, value: str) -> str:
    """Set one cell of a file whose records are one line each; return the old value."""
    header, rows = _records(path)
    assert len(rows) + 1 == len(path.read_text(encoding="utf-8").splitlines()), (
        f"{path.name} has multi-line records: CSV line numbers and records differ"
    )
    old = rows[line - 2][header.index(column)]
    rows[line - 2][header.index(column)] = value
    _write(path, header, rows)
    return old


def error(path: Path, rest: str) -> str:
    return f"error: {path}, {rest}"


# --------------------------------------------------------------------------
# The corruptions: one function per case, each given a fresh copy of data/raw.
# All cases run through the CLI in one parallel batch (the subprocesses spend
# most of their time importing pandas), then each test checks its own result.
# --------------------------------------------------------------------------

CASES: dict[str, Callable[[Path], dict]] = {}


def case(name: str):
    def register(corrupt):
        CASES[name] = corrupt
        return corrupt

    return register


@case("good_copy")
def _good_copy(raw):
    return {}


@case("missing_column")
def _missing_column(raw):
    path = raw / "case_study_impacts.csv"
    header, rows = _records(path)
    drop = header.index("statement")
    _write(
        path,
        [h for i, h in enumerate(header) if i != drop],
        [[c for i, c in enumerate(r) if i != drop] for r in rows],
    )
    return {"path": path}


@case("unknown_authority")
def _unknown_authority(raw):
    path = raw / "evidence_matrix.csv"
    set_cell(path, 10, "authority_as_printed", "Atlantis")
    return {"path": path}


@case("proportion_out_of_range")
def _proportion_out_of_range(raw):
    path = raw / "survey_impacts.csv"
    set_cell(path, 2, "value_as_printed", "1.7")
    return {"path": path}


@case("non_numeric_percentage")
def _non_numeric_percentage(raw):
    path = raw / "case_study_impacts.csv"
    set_cell(path, 3, "value_as_printed", "seventy-five%")
    return {"path": path}


@case("duplicate_key")
def _duplicate_key(raw):
    path = raw / "commissioning_cycle.csv"
    header, rows = _records(path)
    _write(path, header, [*rows, rows[1]])  # line 3 repeated as the new last line
    return {"path": path, "key": rows[1][header.index("stage_order")], "lines": [3, len(rows) + 2]}


@case("wrong_encoding")
def _wrong_encoding(raw):
    path = raw / "evidence_matrix.csv"
    # Every data line's source holds '§'; in latin-1 that is the single byte 0xa7.
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    return {"path": path}


@case("missing_file")
def _missing_file(raw):
    path = raw / "kpi_table.csv"
    path.unlink()
    return {"path": path}


@case("several_problems")
def _several_problems(raw):
    impacts, matrix = raw / "survey_impacts.csv", raw / "evidence_matrix.csv"
    set_cell(impacts, 5, "value_as_printed", "-0.2")
    set_cell(impacts, 7, "value_as_printed", "2")
    set_cell(matrix, 4, "authority_as_printed", "Grenwich")
    return {"impacts": impacts, "matrix": matrix}


@case("kpi_order_in_multiline_file")
def _kpi_order_in_multiline_file(raw):
    path = raw / "kpi_table.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    target = max(i for i, line in enumerate(lines) if line.startswith("5,"))  # last record's first line
    lines[target] = "9" + lines[target][1:]  # kpi_order 5 -> 9 (allowed: 1-5)
    path.write_text("\n".join(lines), encoding="utf-8")
    return {"path": path, "line": target + 1}


UNREADABLE = [
    ("survey_impacts.csv", 2, "label_as_printed", "Extend sevice reach"),
    ("programme_activity.csv", 2, "year_as_printed", "year three"),
    ("survey_respondents.csv", 10, "n", "Many"),
]
for _file, _line, _column, _value in UNREADABLE:

    def _unreadable(raw, file=_file, line=_line, column=_column, value=_value):
        set_cell(raw / file, line, column, value)
        return {"path": raw / file}

    CASES[f"unreadable:{_file}:{_column}"] = _unreadable


@case("guidance_first_theme_blank")
def _guidance_first_theme_blank(raw):
    path = raw / "practice_guidance.csv"
    header, rows = _records(path)
    rows[0][header.index("focus_theme_as_printed")] = ""
    _write(path, header, rows)
    return {"path": path}


@case("kpi_percentage_out_of_range")
def _kpi_percentage_out_of_range(raw):
    path = raw / "kpi_table.csv"
    text = path.read_text(encoding="utf-8")
    assert "good plus = 80%" in text  # 002 § 6 KPI table, VCS satisfaction, year one
    path.write_text(text.replace("good plus = 80%", "good plus = 180%", 1), encoding="utf-8")
    return {"path": path}


# Issue 8: every case the issue lists, through the command line.


def header_only(path: Path) -> None:
    """Keep only the header line (CSV header records are one line in every raw file)."""
    path.write_text(path.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")


for _table in RAW_TABLES:

    def _header_only(raw, table=_table):
        header_only(raw / table)
        return {"path": raw / table}

    CASES[f"header_only:{_table}"] = _header_only


#: KPI cells whose figure is not a printed percentage (002 § 6 prints "good plus = 80%", row 4).
KPI_UNREADABLE = ["Overall evaluation - good plus = 0.80", "Overall evaluation - good plus = NaN%"]
for _cell in KPI_UNREADABLE:

    def _kpi_unreadable(raw, cell=_cell):
        path = raw / "kpi_table.csv"
        text = path.read_text(encoding="utf-8")
        assert text.count("Overall evaluation - good plus = 80%") == 1
        path.write_text(text.replace("Overall evaluation - good plus = 80%", cell), encoding="utf-8")
        return {"path": path, "cell": cell}

    CASES[f"kpi_unreadable:{_cell}"] = _kpi_unreadable


#: (file, column) pairs whose removal once gave a traceback (a key column).
DROPPED = [
    ("commissioning_cycle.csv", "stage_order"),
    ("practice_guidance.csv", "focus_theme_as_printed"),
    ("kpi_table.csv", "year_as_printed"),
]
for _file, _column in DROPPED:

    def _dropped(raw, file=_file, column=_column):
        path = raw / file
        header, rows = _records(path)
        drop = header.index(column)
        _write(
            path,
            [h for i, h in enumerate(header) if i != drop],
            [[c for i, c in enumerate(r) if i != drop] for r in rows],
        )
        return {"path": path}

    CASES[f"dropped:{_file}:{_column}"] = _dropped


#: Test-specification cells of published_claims.csv the audit cannot compute with:
#: (column, bad value, what the contract expects).
CLAIM_SPEC_BAD = [
    ("threshold", "abc", "a whole number (the count the claim states), or empty"),
    ("threshold", "-5000", "a whole number (the count the claim states), or empty"),
    ("test", "vibes", "one of " + ", ".join(repr(name) for name in CLAIM_TESTS)),
    ("actor", "vibes", "one of " + ", ".join(repr(name) for name in CLAIM_ACTORS)),
    ("authorities_as_printed", "Atlantis", "authority names as printed, ';'-separated, or empty"),
]
for _column, _value, _expected in CLAIM_SPEC_BAD:

    def _claim_spec(raw, column=_column, value=_value):
        """Set the first non-empty cell of ``column``; the context names its CSV line."""
        path = raw / "published_claims.csv"
        header, rows = _records(path)
        at = header.index(column)
        index = next(i for i, row in enumerate(rows) if row[at].strip())
        rows[index][at] = value
        _write(path, header, rows)
        line = 2 + index + sum(cell.count("\n") for row in rows[:index] for cell in row)
        return {"path": path, "line": line}

    CASES[f"claim_spec:{_column}:{_value}"] = _claim_spec


@case("claim_repeated")
def _claim_repeated(raw):
    """The first claim's quote again on a new row at the end (one claim, two cards before)."""
    path = raw / "published_claims.csv"
    header, rows = _records(path)
    copy = list(rows[0])
    copy[header.index("claim_id")] = "Z-repeated"
    rows.append(copy)
    _write(path, header, rows)
    last = 2 + len(rows) - 1 + sum(cell.count("\n") for row in rows[:-1] for cell in row)
    return {"path": path, "lines": (2, last)}


@case("extra_column")
def _extra_column(raw):
    path = raw / "case_study_challenges.csv"
    header, rows = _records(path)
    _write(path, [*header, "reviewer_comment"], [[*r, "checked"] for r in rows])
    return {"path": path}


JUNK_LINE = b'junk,"more, junk",1,2,3,4,5\n'


@case("junk_50mb")
def _junk_50mb(raw):
    path = raw / "survey_impacts.csv"
    size = path.stat().st_size
    with open(path, "ab") as handle:
        handle.write(JUNK_LINE * (50_000_000 // len(JUNK_LINE)))
    return {"path": path, "size": path.stat().st_size, "before": size}


@case("junk_rows_capped")
def _junk_rows_capped(raw):
    path = raw / "survey_impacts.csv"
    first = len(_records(path)[1]) + 2  # CSV line of the first appended row
    with open(path, "ab") as handle:
        handle.write(b"junk,more junk\n" * 500)
    return {"path": path, "first": first}


@case("too_many_rows")
def _too_many_rows(raw):
    path = raw / "survey_stray_values.csv"
    header, rows = _records(path)
    limit = RAW_TABLES[path.name].max_rows
    _write(path, header, [*rows, *[["x", "1", "y"]] * (limit + 5)])  # short rows, just too many
    return {"path": path, "line": limit + 2}


@case("crlf")
def _crlf(raw):
    """Every file saved with Windows line endings, inside quoted cells too."""
    for path in raw.glob("*.csv"):
        data = path.read_bytes()
        assert b"\r" not in data
        path.write_bytes(data.replace(b"\n", b"\r\n"))
    assert "\r\n" in (raw / "kpi_table.csv").read_bytes().decode().split('"')[1]  # inside a quoted cell
    return {}


def _freeze(folder: Path) -> Callable[[], None]:
    """Make a folder unwritable even for root (immutable flag), or by mode; return the undo."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    return lambda: folder.chmod(mode)


@case("read_only_outputs")
def _read_only_outputs(raw):
    outputs = raw.parent / "outputs"
    return {"folder": outputs, "undo": [_freeze(outputs)]}


@case("read_only_processed_parent")
def _read_only_processed_parent(raw):
    site = raw.parent / "site"
    return {"folder": site, "undo": [_freeze(site)]}


def _prepare_and_run(name: str, root: Path, good) -> Run:
    raw = root / "raw"
    shutil.copytree(RAW_DIR, raw)
    # site/ holds only processed/, outputs/ only the log: strays are visible.
    processed, outputs = root / "site" / "processed", root / "outputs"
    # the previously built, good folders (one build of the real raw data, copied)
    shutil.copytree(good.processed, processed)
    shutil.copytree(good.outputs, outputs)
    before_processed, before_outputs = _snapshot(processed), _snapshot(outputs)
    context = CASES[name](raw)
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "lib.evaluation",
                "build",
                "--raw-dir",
                str(raw),
                "--processed-dir",
                str(processed),
                "--outputs-dir",
                str(outputs),
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        context["seconds"] = time.perf_counter() - started
    finally:
        for undo in context.pop("undo", []):
            undo()
    return Run(
        done.returncode,
        done.stdout,
        done.stderr,
        raw,
        processed,
        outputs,
        before_processed,
        before_outputs,
        context,
    )


@pytest.fixture(scope="module")
def cli(tmp_path_factory, evaluation_build):
    """Every case's CLI run, keyed by case name."""
    roots = {name: tmp_path_factory.mktemp(re.sub(r"\W", "_", name)) for name in CASES}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {
            name: pool.submit(_prepare_and_run, name, root, evaluation_build) for name, root in roots.items()
        }
        return {name: future.result() for name, future in futures.items()}


def failed_cleanly(run: Run, stage: str | None = "the raw data") -> Run:
    """What every bad-input case must satisfy (``stage=None``: a preflight, one line only)."""
    assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.errors, run.stderr
    if stage is None:
        assert run.stderr.splitlines() == run.errors
    else:
        # The closing line counts the problems found and says nothing was touched.
        last = run.stderr.splitlines()[-1]
        assert last.startswith(f"build stopped: {run.problem_count} problem(s) in {stage}"), last
        assert last.endswith("left unchanged")
        assert run.stderr.splitlines()[:-1] == run.errors
    assert "wrote" not in run.stdout
    # The good folder and log survive byte for byte; no staging or backup folder is left.
    assert _snapshot(run.processed) == run.before_processed
    assert _snapshot(run.outputs) == run.before_outputs
    assert sorted(os.listdir(run.processed.parent)) == ["processed"]
    assert sorted(os.listdir(run.outputs)) == [QUALITY_LOG_NAME]
    return run


# --------------------------------------------------------------------------
# One corruption per test
# --------------------------------------------------------------------------


def test_a_good_copy_builds(cli):
    """Control: the uncorrupted copy builds, so failures below come from the corruption."""
    run = cli["good_copy"]
    assert run.returncode == 0, run.stderr
    assert run.errors == []
    assert f"wrote {len(PROCESSED_SCHEMAS)} tables" in run.stdout
    assert _snapshot(run.processed) == run.before_processed  # same data, same bytes


def test_missing_column(cli):
    run = failed_cleanly(cli["missing_column"])
    path = run.context["path"]
    assert run.errors == [error(path, "row 1, column 'statement': expected this column in the header")]


def test_unknown_authority(cli):
    run = failed_cleanly(cli["unknown_authority"])
    assert run.errors == [
        error(
            run.context["path"],
            "row 10, column 'authority_as_printed': value 'Atlantis': expected a "
            "known authority name (one of the 15 programme authorities or a known spelling)",
        )
    ]


def test_proportion_out_of_range(cli):
    run = failed_cleanly(cli["proportion_out_of_range"])
    assert run.errors == [
        error(
            run.context["path"],
            "row 2, column 'value_as_printed': value '1.7': expected a proportion between 0 and 1",
        )
    ]


def test_non_numeric_percentage(cli):
    run = failed_cleanly(cli["non_numeric_percentage"])
    where = error(run.context["path"], "row 3, column 'value_as_printed': value 'seventy-five%': ")
    assert where + "expected a percentage such as '71%'" in run.errors
    assert all(e.startswith(where) for e in run.errors)


def test_non_numeric_percentage_is_reported_once(cli):
    run = failed_cleanly(cli["non_numeric_percentage"])
    assert len(run.errors) == 1, run.errors


def test_duplicate_key(cli):
    run = failed_cleanly(cli["duplicate_key"])
    path, key, lines = run.context["path"], run.context["key"], run.context["lines"]
    assert len(run.errors) == 2  # one line per duplicated row
    for line, row in zip(run.errors, lines, strict=False):
        assert line.startswith(error(path, f"row {row}, column 'stage_order': value "))
        assert f"'{key}'" in line
        assert line.endswith("expected a unique key (duplicate row)")


def test_wrong_encoding(cli):
    run = failed_cleanly(cli["wrong_encoding"])
    assert run.errors == [
        error(run.context["path"], "row 2: value b'\\xa7': expected UTF-8 text (the file is not valid UTF-8)")
    ]


def test_missing_file(cli):
    run = failed_cleanly(cli["missing_file"])
    assert run.errors == [f"error: {run.context['path']}: expected the file to exist"]


def test_every_problem_in_every_file_is_listed(cli):
    run = failed_cleanly(cli["several_problems"])
    impacts, matrix = run.context["impacts"], run.context["matrix"]
    assert len(run.errors) == 3
    assert (
        error(
            impacts, "row 5, column 'value_as_printed': value '-0.2': expected a proportion between 0 and 1"
        )
        in run.errors
    )
    assert (
        error(impacts, "row 7, column 'value_as_printed': value '2': expected a proportion between 0 and 1")
        in run.errors
    )
    assert any(
        e.startswith(error(matrix, "row 4, column 'authority_as_printed': value 'Grenwich'"))
        for e in run.errors
    )


# --------------------------------------------------------------------------
# Regression tests for bugs found in review
# --------------------------------------------------------------------------


def test_row_is_the_csv_line_number_in_a_file_with_multiline_cells(cli):
    run = failed_cleanly(cli["kpi_order_in_multiline_file"])
    assert run.errors == [
        error(
            run.context["path"],
            f"row {run.context['line']}, column 'kpi_order': value '9': "
            "expected a KPI number between 1 and 5",
        )
    ]


@pytest.mark.parametrize("file, line, column, value", UNREADABLE)
def test_a_value_the_cleaning_cannot_read_is_an_error_line_not_a_traceback(cli, file, line, column, value):
    run = failed_cleanly(cli[f"unreadable:{file}:{column}"])
    assert len(run.errors) == 1
    assert run.errors[0].startswith(
        error(run.context["path"], f"row {line}, column '{column}': value {value!r}: expected ")
    )


def test_guidance_without_a_first_theme_is_an_error_line(cli):
    run = failed_cleanly(cli["guidance_first_theme_blank"])
    assert len(run.errors) == 1
    assert "focus_theme_as_printed" in run.errors[0]


def test_kpi_percentage_out_of_range_stops_the_build(cli):
    run = failed_cleanly(cli["kpi_percentage_out_of_range"])
    assert len(run.errors) == 1
    assert "kpi_table.csv" in run.errors[0] and "180%" in run.errors[0]


# --------------------------------------------------------------------------
# Issue 8: the data-build cases, each through the command line
# --------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_a_header_only_file_stops_the_build_with_one_line(cli, table):
    """Before: exit 0 and rows silently dropped (kpi_table, programme_activity,
    survey_stray_values) or a processed-schema traceback (the others)."""
    run = failed_cleanly(cli[f"header_only:{table}"])
    assert run.errors == [
        f"error: {run.context['path']}: expected at least one data row below the header (found none)"
    ]


@pytest.mark.parametrize("cell", KPI_UNREADABLE)
def test_a_kpi_figure_that_is_not_a_percentage_stops_the_build(cli, cell):
    """Before: exit 0, the measure silently disappeared from kpis.csv."""
    run = failed_cleanly(cli[f"kpi_unreadable:{cell}"])
    value = f"{cell}  \nMore positive about tackling key challenges = 62%"
    assert run.errors == [
        error(run.context["path"], f"row 4, column 'text': value {value!r}: expected {KPI_CELL_EXPECTED}")
    ]


@pytest.mark.parametrize("file, column", DROPPED)
def test_a_dropped_column_is_one_line_not_a_traceback(cli, file, column):
    run = failed_cleanly(cli[f"dropped:{file}:{column}"])
    assert run.errors == [
        error(run.context["path"], f"row 1, column '{column}': expected this column in the header")
    ]


@pytest.mark.parametrize("column, value, expected", CLAIM_SPEC_BAD)
def test_a_claim_test_specification_the_audit_cannot_use_stops_the_build(cli, column, value, expected):
    """Before: 'abc' or -5000 as a threshold passed the data build and failed only in the audit."""
    run = failed_cleanly(cli[f"claim_spec:{column}:{value}"])
    line = run.context["line"]
    assert run.errors == [
        error(run.context["path"], f"row {line}, column '{column}': value {value!r}: expected {expected}")
    ]


def test_a_claim_printed_on_two_rows_stops_the_build(cli):
    """Before: one claim, two rows, two cards in the audit (once causal, once not)."""
    run = failed_cleanly(cli["claim_repeated"])
    assert len(run.errors) == 2
    for line, got in zip(run.context["lines"], run.errors, strict=True):
        assert got.startswith(f"error: {run.context['path']}, row {line}, column 'claim_quote': value ")
        assert got.endswith(
            "expected one row per claim: the same quote is on another row (merge the two rows' test and reasons)"
        )


def test_an_unexpected_extra_column_is_named(cli):
    """Before: accepted silently."""
    run = failed_cleanly(cli["extra_column"])
    assert run.errors == [
        error(
            run.context["path"],
            "row 1, column 'reviewer_comment': expected only the declared "
            "columns (this column is not one of them: authority_as_printed, challenge_no, "
            "text, source)",
        )
    ]


def test_50_mb_of_junk_is_rejected_before_parsing(cli):
    """Before: 7 minutes, 3.6 GB and 3.9 million error lines. Timing: bench/raw_junk.py."""
    run = failed_cleanly(cli["junk_50mb"])
    limit = RAW_TABLES["survey_impacts.csv"].max_bytes
    assert run.context["before"] < limit < run.context["size"]
    assert run.errors == [
        f"error: {run.context['path']}: value '{run.context['size']:,} bytes': expected at most "
        f"{limit:,} bytes (the declared maximum for this table; nothing was parsed)"
    ]


def test_errors_are_capped_at_twenty_per_file_then_counted(cli):
    run = failed_cleanly(cli["junk_rows_capped"])
    path, first = run.context["path"], run.context["first"]
    assert run.errors == [
        *[
            error(
                path, f"row {first + i}: value 'junk,more junk': expected 7 fields as in the header, found 2"
            )
            for i in range(20)
        ],
        f"error: {path}: 480 more problem(s) not listed (the first 20 are shown)",
    ]
    assert run.stderr.splitlines()[-1].startswith("build stopped: 500 problem(s) in the raw data")


def test_reading_stops_at_the_declared_maximum_row_count(cli):
    run = failed_cleanly(cli["too_many_rows"])
    limit = RAW_TABLES["survey_stray_values.csv"].max_rows
    # Reading stops at the first row over the limit: no value checks run on a file that large.
    assert run.errors == [
        error(
            run.context["path"],
            f"row {run.context['line']}: expected at most {limit:,} data "
            "rows (the declared maximum for this table; reading stopped here)",
        )
    ]


def test_crlf_inputs_give_byte_identical_processed_data(cli):
    """Before: claims.csv kept '\\r' inside multi-line quoted cells."""
    run = cli["crlf"]
    assert run.returncode == 0, run.stderr
    assert _snapshot(run.processed) == run.before_processed  # built from the LF files
    assert _snapshot(run.outputs) == run.before_outputs


@pytest.mark.parametrize(
    "case_name, what",
    [
        ("read_only_outputs", "the data-quality log"),
        ("read_only_processed_parent", "swapping processed/ into place"),
    ],
)
def test_an_unwritable_output_folder_fails_the_preflight_with_nothing_replaced(cli, case_name, what):
    """Before: data/processed was already swapped when an OSError traceback stopped the build."""
    run = failed_cleanly(cli[case_name], stage=None)
    reason = "Operation not permitted" if os.geteuid() == 0 else "Permission denied"
    assert run.errors == [
        f"error: {run.context['folder']}: expected a writable folder for {what} "
        f"({reason}); nothing was replaced"
    ]


# --------------------------------------------------------------------------
# The contract table by table (in process: one file read per case, no build)
# --------------------------------------------------------------------------


@pytest.fixture
def raw_copy(tmp_path):
    shutil.copytree(RAW_DIR, tmp_path / "raw")
    return tmp_path / "raw"


def problems(table: str, raw: Path) -> list[str]:
    with pytest.raises(RawDataError) as err:
        read_raw(table, raw)
    return [f"error: {p}" for p in err.value.problems]


DECLARED_COLUMNS = [(t, c) for t, spec in RAW_TABLES.items() for c in spec.columns]


@pytest.mark.parametrize("table, column", DECLARED_COLUMNS)
def test_every_declared_column_must_be_in_the_header(raw_copy, table, column):
    path = raw_copy / table
    header, rows = _records(path)
    drop = header.index(column)
    _write(
        path,
        [h for i, h in enumerate(header) if i != drop],
        [[c for i, c in enumerate(r) if i != drop] for r in rows],
    )
    assert problems(table, raw_copy) == [
        error(path, f"row 1, column '{column}': expected this column in the header")
    ]


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_every_table_rejects_an_undeclared_column(raw_copy, table):
    path = raw_copy / table
    header, rows = _records(path)
    _write(path, [*header, "note"], [[*r, ""] for r in rows])
    declared = ", ".join(RAW_TABLES[table].columns)
    assert problems(table, raw_copy) == [
        error(
            path,
            "row 1, column 'note': expected only the declared columns "
            f"(this column is not one of them: {declared})",
        )
    ]


def test_every_raw_file_holds_exactly_its_declared_columns():
    for table, spec in RAW_TABLES.items():
        header, _ = _records(RAW_DIR / table)
        assert sorted(header) == sorted(spec.columns), table


REQUIRED = [(t, i) for t, spec in RAW_TABLES.items() for i in range(len(spec.required))]


def test_completeness_is_declared_for_every_table_the_sources_fix():
    # Claims to audit are our own selection, not a printed table: only "at least one row".
    assert {t for t, _ in REQUIRED} == set(RAW_TABLES) - {"published_claims.csv"}
    for table, spec in RAW_TABLES.items():
        assert spec.min_rows >= 1, table
        for required in spec.required:
            assert set(required.columns) <= set(spec.columns), table
            assert required.keys and all(len(k) == len(required.columns) for k in required.keys), table
            assert all(isinstance(v, str) for k in required.keys for v in k), table
            assert len(set(required.keys)) == len(required.keys), table


@pytest.mark.parametrize("table, index", REQUIRED)
def test_a_missing_printed_key_is_one_line_naming_the_key(raw_copy, table, index):
    required = RAW_TABLES[table].required[index]
    path = raw_copy / table
    header, rows = _records(path)
    key = required.keys[-1]
    positions = [header.index(c) for c in required.columns]

    def norm(v):
        return re.sub(r"\s+", " ", v.replace("’", "'")).strip().casefold()

    kept = [r for r in rows if [norm(r[i]) for i in positions] != [norm(k) for k in key]]
    assert len(kept) < len(rows), f"{table}: the real data holds {key}"
    _write(path, header, kept)
    expected = error(
        path,
        f"column '{'+'.join(required.columns)}': value {key!r}: expected a row for this key "
        f"(the source prints {required.printed})",
    )
    if not kept:  # a one-row table: the empty file is the one problem
        expected = f"error: {path}: expected at least one data row below the header (found none)"
    assert problems(table, raw_copy) == [expected]


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_crlf_and_lf_files_read_to_the_same_frame(raw_copy, table):
    lf = read_raw(table, raw_copy)
    path = raw_copy / table
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    crlf = read_raw(table, raw_copy)
    pd_testing.assert_frame_equal(lf, crlf)
    assert not crlf.map(lambda v: "\r" in v).any().any()
    assert crlf.attrs["lines"] == lf.attrs["lines"]


# --------------------------------------------------------------------------
# Failures after the raw contract: one line per problem, never a traceback
# --------------------------------------------------------------------------


def _main(tmp_path, capsys) -> tuple[int, list[str]]:
    processed, outputs = tmp_path / "site" / "processed", tmp_path / "outputs"
    code = ev.main(["build", "--processed-dir", str(processed), "--outputs-dir", str(outputs), "--quiet"])
    assert not processed.exists() and not processed.parent.exists()
    assert not outputs.exists() or list(outputs.iterdir()) == []
    return code, capsys.readouterr().err.splitlines()


def test_a_raw_row_lost_by_the_cleaning_stops_the_build(tmp_path, capsys, monkeypatch):
    clean = clean_challenges
    monkeypatch.setattr(build_module, "clean_challenges", lambda raw: clean(raw).iloc[:-1])
    code, err = _main(tmp_path, capsys)
    assert code == 1
    assert err == [
        "error: data/raw/case_study_challenges.csv: value '5 row(s) read': expected every raw row processed "
        "or logged; 4 accounted for in challenges.csv, 0 in the data-quality log",
        "build stopped: 1 problem(s) in the processed tables; "
        f"{tmp_path / 'site' / 'processed'} left unchanged",
    ]


def test_a_processed_table_breaking_its_schema_is_one_line_per_cell(tmp_path, capsys, monkeypatch):
    clean = clean_case_study_impacts
    monkeypatch.setattr(build_module, "clean_case_study_impacts", lambda raw: clean(raw).assign(value=1.5))
    code, err = _main(tmp_path, capsys)
    assert code == 1
    assert err == [
        *[
            f"error: processed table case_study_impacts.csv (as built), row {row}, column 'value': "
            "value 1.5: "
            "expected in_range(0, 1) (the processed schema; a cleaning bug)"
            for row in (2, 3, 4)
        ],
        "build stopped: 3 problem(s) in the processed tables; "
        f"{tmp_path / 'site' / 'processed'} left unchanged",
    ]


def test_a_failed_swap_puts_the_previous_tables_back(tmp_path, monkeypatch):
    """A write failing after the preflight passed (disk full, a race) replaces nothing."""
    processed, outputs = tmp_path / "site" / "processed", tmp_path / "outputs"
    build(RAW_DIR, processed, outputs)
    before, before_log = _snapshot(processed), _snapshot(outputs)
    replace = os.replace

    def fail_on_swap(src, dst):
        if Path(src).name.startswith(".processed.new."):
            raise OSError(28, "No space left on device")
        return replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_swap)
    with pytest.raises(OSError, match="No space left"):
        build(RAW_DIR, processed, outputs)
    assert _snapshot(processed) == before and _snapshot(outputs) == before_log
    assert sorted(os.listdir(processed.parent)) == ["processed"]
    assert sorted(os.listdir(outputs)) == [QUALITY_LOG_NAME]


@pytest.mark.parametrize("value", ["yes", "  ", "inferred from a date"])
def test_a_year_inference_that_is_not_reasoning_in_words_is_one_line(raw_copy, value):
    """programme_membership.csv's ``year_inference``: empty (the source states the year) or the
    reasoning in words; a bare flag, blank spaces or a four-word note stops the build."""
    path = raw_copy / "programme_membership.csv"
    header, rows = _records(path)
    rows[0][header.index("year_inference")] = value
    _write(path, header, rows)
    assert problems("programme_membership.csv", raw_copy) == [
        error(
            path,
            f"row 2, column 'year_inference': value {value!r}: expected empty (the source states the "
            "programme year) or the reasoning that reads the year from a date or phrase, in words "
            "(at least 5)",
        )
    ]
