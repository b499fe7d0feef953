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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from lib import evaluation as ev

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


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
    _write(path, [h for i, h in enumerate(header) if i != drop],
           [[c for i, c in enumerate(r) if i != drop] for r in rows])
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
    target = max(i for i, l in enumerate(lines) if l.startswith("5,"))  # last record's first line
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


def _prepare_and_run(name: str, root: Path) -> Run:
    raw = root / "raw"
    shutil.copytree(ev.RAW_DIR, raw)
    # site/ holds only processed/, outputs/ only the log: strays are visible.
    processed, outputs = root / "site" / "processed", root / "outputs"
    ev.build(ev.RAW_DIR, processed, outputs)  # the previously built, good folder
    before_processed, before_outputs = _snapshot(processed), _snapshot(outputs)
    context = CASES[name](raw)
    done = subprocess.run(
        [sys.executable, "-m", "lib.evaluation", "build", "--raw-dir", str(raw),
         "--processed-dir", str(processed), "--outputs-dir", str(outputs)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return Run(done.returncode, done.stdout, done.stderr, raw, processed, outputs,
               before_processed, before_outputs, context)


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Every case's CLI run, keyed by case name."""
    roots = {name: tmp_path_factory.mktemp(re.sub(r"\W", "_", name)) for name in CASES}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(_prepare_and_run, name, root) for name, root in roots.items()}
        return {name: future.result() for name, future in futures.items()}


def failed_cleanly(run: Run) -> Run:
    """What every bad-input case must satisfy."""
    assert run.returncode != 0, run.stdout
    assert "Traceback" not in run.stderr, run.stderr
    assert run.errors, run.stderr
    # The closing line counts the problems it listed and says nothing was touched.
    last = run.stderr.splitlines()[-1]
    assert last.startswith(f"build stopped: {len(run.errors)} problem(s) in the raw data"), last
    assert last.endswith("left unchanged")
    assert "wrote" not in run.stdout
    # The good folder and log survive byte for byte; no staging or backup folder is left.
    assert _snapshot(run.processed) == run.before_processed
    assert _snapshot(run.outputs) == run.before_outputs
    assert sorted(os.listdir(run.processed.parent)) == ["processed"]
    assert sorted(os.listdir(run.outputs)) == [ev.QUALITY_LOG_NAME]
    return run


# --------------------------------------------------------------------------
# One corruption per test
# --------------------------------------------------------------------------


def test_a_good_copy_builds(cli):
    """Control: the uncorrupted copy builds, so failures below come from the corruption."""
    run = cli["good_copy"]
    assert run.returncode == 0, run.stderr
    assert run.errors == []
    assert f"wrote {len(ev.PROCESSED_SCHEMAS)} tables" in run.stdout
    assert _snapshot(run.processed) == run.before_processed  # same data, same bytes


def test_missing_column(cli):
    run = failed_cleanly(cli["missing_column"])
    path = run.context["path"]
    assert run.errors == [error(path, "row 1, column 'statement': expected this column in the header")]


def test_unknown_authority(cli):
    run = failed_cleanly(cli["unknown_authority"])
    assert run.errors == [
        error(run.context["path"], "row 10, column 'authority_as_printed': value 'Atlantis': expected a "
              "known authority name (one of the 15 programme authorities or a known spelling)")
    ]


def test_proportion_out_of_range(cli):
    run = failed_cleanly(cli["proportion_out_of_range"])
    assert run.errors == [
        error(run.context["path"], "row 2, column 'value_as_printed': value '1.7': expected a proportion between 0 and 1")
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
    for line, row in zip(run.errors, lines):
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
    assert error(impacts, "row 5, column 'value_as_printed': value '-0.2': expected a proportion between 0 and 1") in run.errors
    assert error(impacts, "row 7, column 'value_as_printed': value '2': expected a proportion between 0 and 1") in run.errors
    assert any(e.startswith(error(matrix, "row 4, column 'authority_as_printed': value 'Grenwich'")) for e in run.errors)


# --------------------------------------------------------------------------
# Regression tests for bugs found in review
# --------------------------------------------------------------------------


def test_row_is_the_csv_line_number_in_a_file_with_multiline_cells(cli):
    run = failed_cleanly(cli["kpi_order_in_multiline_file"])
    assert run.errors == [
        error(run.context["path"], f"row {run.context['line']}, column 'kpi_order': value '9': "
              "expected a KPI number between 1 and 5")
    ]


@pytest.mark.parametrize("file, line, column, value", UNREADABLE)
def test_a_value_the_cleaning_cannot_read_is_an_error_line_not_a_traceback(cli, file, line, column, value):
    run = failed_cleanly(cli[f"unreadable:{file}:{column}"])
    assert len(run.errors) == 1
    assert run.errors[0].startswith(error(run.context["path"], f"row {line}, column '{column}': value {value!r}: expected "))


def test_guidance_without_a_first_theme_is_an_error_line(cli):
    run = failed_cleanly(cli["guidance_first_theme_blank"])
    assert len(run.errors) == 1
    assert "focus_theme_as_printed" in run.errors[0]


def test_kpi_percentage_out_of_range_stops_the_build(cli):
    run = failed_cleanly(cli["kpi_percentage_out_of_range"])
    assert len(run.errors) == 1
    assert "kpi_table.csv" in run.errors[0] and "180%" in run.errors[0]
