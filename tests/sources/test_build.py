"""lib/sources/build.py: the real raw data built (once per session, ``evaluation_build`` in
tests/conftest.py): every table written and valid, byte-identical rebuilds, the data-quality log,
and every raw row processed or logged.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lib.analysis.results import write_results
from lib.config import PROJECT_ROOT, QUALITY_LOG_NAME, RAW_DIR
from lib.sources.build import Build, RowAccount, account_rows, build, load_processed, quality_summary
from lib.sources.contract import QUALITY_LOG_COLUMNS
from lib.sources.reading import load_raw
from lib.sources.registry import RAW_TABLES
from lib.sources.schemas import PROCESSED_SCHEMAS


def test_build_writes_every_declared_table_and_nothing_else(evaluation_build):
    written = {p.name for p in evaluation_build.processed.iterdir()}
    declared = set(PROCESSED_SCHEMAS) | {".gitkeep"}
    assert declared <= written
    # The fixture also runs the analysis step (as `make data` does): its results tables and stamp.
    from lib.analysis.results_schemas import RESULTS_SCHEMAS
    from lib.analysis.results_stamp import STAMP

    declared |= {f"{n}.csv" for n in RESULTS_SCHEMAS} | {STAMP}
    # The only extra file allowed is a copy of the quality log travelling with the tables.
    assert written - declared <= {QUALITY_LOG_NAME}
    copy = evaluation_build.processed / QUALITY_LOG_NAME
    if copy.exists():
        assert copy.read_bytes() == evaluation_build.quality_log.read_bytes()
    assert evaluation_build.quality_log.exists()
    # No staging or backup folders left beside the processed folder.
    assert [p.name for p in evaluation_build.root.iterdir() if p.name.startswith(".")] == []


def test_every_processed_table_passes_its_schema(evaluation_build):
    for name, schema in PROCESSED_SCHEMAS.items():
        # Read back from disk with no help from the loader, then validate.
        frame = pd.read_csv(evaluation_build.processed / name, dtype=str, keep_default_na=False)
        assert list(frame.columns) == list(schema.columns), name
        typed = load_processed(evaluation_build.processed)[name.removesuffix(".csv")]
        schema.validate(typed, lazy=True)
        assert len(typed) == len(frame) > 0, name


def test_processed_csv_is_utf8_with_unix_line_endings_and_no_float_noise(evaluation_build):
    for name, schema in PROCESSED_SCHEMAS.items():
        data = (evaluation_build.processed / name).read_bytes()
        data.decode("utf-8")
        assert b"\r\n" not in data, name
        assert not data.startswith(b"\xef\xbb\xbf"), name
        frame = pd.read_csv(evaluation_build.processed / name, dtype=str, keep_default_na=False)
        for column, spec in schema.columns.items():
            if str(spec.dtype).startswith("float"):
                # Published figures are whole percentages or counts: at most 4 dp.
                noisy = [v for v in frame[column] if v and not re.fullmatch(r"-?\d+(\.\d{1,4})?", v)]
                assert noisy == [], (name, column, noisy[:3])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_rebuild_into_a_second_folder_is_byte_identical(evaluation_build, tmp_path):
    build(RAW_DIR, tmp_path / "processed", tmp_path / "outputs")
    write_results(tmp_path / "processed")  # the analysis step, as the fixture (and `make data`) runs it
    first, second = _snapshot(evaluation_build.processed), _snapshot(tmp_path / "processed")
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], f"{name} differs between two builds"
    assert (tmp_path / "outputs" / QUALITY_LOG_NAME).read_bytes() == evaluation_build.quality_log.read_bytes()


@pytest.mark.slow
def test_rebuild_through_the_cli_with_another_hash_seed_is_byte_identical(evaluation_build, tmp_path):
    """Set iteration order must not leak into the output (PYTHONHASHSEED differs)."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.evaluation",
            "build",
            "--quiet",
            "--processed-dir",
            str(tmp_path / "processed"),
            "--outputs-dir",
            str(tmp_path / "outputs"),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert f"wrote {len(PROCESSED_SCHEMAS)} tables" in run.stdout
    analysis = [sys.executable, "-m", "lib.analysis", "--processed-dir", str(tmp_path / "processed")]
    run = subprocess.run(analysis, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert _snapshot(tmp_path / "processed") == _snapshot(evaluation_build.processed)
    assert (tmp_path / "outputs" / QUALITY_LOG_NAME).read_bytes() == evaluation_build.quality_log.read_bytes()


def test_build_output_has_ordinary_permissions(tmp_path):
    previous = os.umask(0o022)  # the usual umask: folders 0755, files 0644
    try:
        build(RAW_DIR, tmp_path / "processed", tmp_path / "outputs")
    finally:
        os.umask(previous)
    assert oct((tmp_path / "processed").stat().st_mode & 0o777) == oct(0o755)
    assert oct((tmp_path / "outputs" / QUALITY_LOG_NAME).stat().st_mode & 0o777) == oct(0o644)


def test_quality_log_has_the_declared_columns(quality_log):
    assert list(quality_log.columns) == QUALITY_LOG_COLUMNS
    assert len(quality_log) > 0
    assert (quality_log["issue"] != "").all() and (quality_log["action"] != "").all()


def test_quality_log_lists_the_truncated_attitude_survey_row(quality_log):
    # Lines of data/raw/evidence_matrix.csv where the matrix printed no cell.
    with open(RAW_DIR / "evidence_matrix.csv", encoding="utf-8", newline="") as handle:
        lines = [str(n) for n, r in enumerate(csv.DictReader(handle), start=2) if r["cell_printed"] == "no"]
    truncated = quality_log.query("check == 'truncated_row'")
    assert len(truncated) == 1
    row = truncated.iloc[0]
    assert row["file"] == "evidence_matrix.csv"
    assert "Attitude Survey" in row["issue"]
    assert "Telford & Wrekin" in row["issue"] and "Westminster" in row["issue"]
    assert row["row"].split(", ") == lines


def test_quality_log_lists_the_list_with_seven_values_and_six_labels(quality_log):
    # 004 § 5, children's centre perspective on the LA role: 6 bullets, 7 percentages.
    mismatch = quality_log.query("check == 'values_labels_mismatch'")
    assert len(mismatch) == 1
    assert mismatch.iloc[0]["value"] == "7 values, 6 labels"
    assert "Perspective on LA role" in mismatch.iloc[0]["issue"]


def test_quality_log_lists_the_shares_that_do_not_sum(quality_log):
    # 004 § 5 children's centre list prints 35%, 18%, 12%, 4%, 4%, 4%, 4%.
    printed_total = 35 + 18 + 12 + 4 + 4 + 4 + 4
    bad = quality_log.query("check == 'shares_do_not_sum'")
    assert len(bad) == 1
    assert bad.iloc[0]["value"] == f"{printed_total}%"
    assert "Perspective on LA role" in bad.iloc[0]["issue"]


def test_quality_log_lists_the_float_noise(quality_log):
    noise = quality_log.query("check == 'float_noise'")
    assert set(noise["file"]) == {"survey_understanding.csv", "survey_impacts.csv"}
    # 004 chart data for "VCS think co production will help to", first value.
    assert "0.56999999999999995" in set(noise["value"])


@pytest.mark.parametrize(
    "file, printed",
    [
        ("evidence_matrix.csv", "N.E.Lincs"),
        ("evidence_matrix.csv", "Greenwich "),
        ("evidence_matrix.csv", "Telford & Wrekin"),
        ("authority_profiles.csv", "N. E. Lincs"),
    ],
)
def test_quality_log_lists_spelling_variants(quality_log, file, printed):
    variants = quality_log.query("check == 'spelling_variant' and file == @file")
    assert printed in set(variants["value"])


def test_quality_log_lists_the_membership_spellings(quality_log):
    variants = quality_log.query("check == 'spelling_variant' and file == 'programme_membership.csv'")
    listed = {v for value in variants["value"] for v in value.split("; ")}
    # 004 § 2.2 spells one authority its own way and names two others by another place's name,
    # read as the authority only by inference (logged as such, not as spellings).
    assert "NE Lincs" in listed and not {"Northampton", "Telford"} & listed
    identified = quality_log.query(
        "check == 'identification_inference' and file == 'programme_membership.csv'"
    )
    assert set(identified["value"]) == {"Northampton", "Telford"}


def test_quality_log_lists_the_doubled_percent_sign(quality_log):
    # 002 § 6 KPI table prints "good plus = 69%%".
    assert "69%%" in set(quality_log.query("check == 'typo'")["value"])


def test_quality_summary_counts_every_issue(evaluation_build):
    summary = quality_summary(evaluation_build.result.issues)
    assert (
        summary.splitlines()[0]
        == f"Data-quality log: {len(evaluation_build.result.issues)} issues found in the sources"
    )
    for check, group in evaluation_build.result.issues.groupby("check"):
        assert f"  {check} ({len(group)})" in summary.splitlines()


# "Accounted for" means: a raw row is found again as one row of the processed
# table its RawTable.rows_to names (or, where one raw row yields several
# processed rows, as one distinct per_raw_row key, e.g. a KPI cell holding two
# measures), or as one distinct line number in the data-quality log rows
# rows_to selects. rows in = processed + logged, table by table.


@pytest.fixture(scope="module")
def raw_tables():
    return load_raw()


def _raw_record_count(name: str) -> int:
    """Data records in a raw file, counted with the csv module (independent of lib)."""
    with open(RAW_DIR / name, encoding="utf-8", newline="") as handle:
        return sum(1 for record in csv.reader(handle) if record) - 1


def test_every_raw_table_declares_where_its_rows_go():
    for name, spec in RAW_TABLES.items():
        assert spec.rows_to, name
        for dest in spec.rows_to:
            assert dest.table in PROCESSED_SCHEMAS or dest.table == QUALITY_LOG_NAME, name
            columns = (
                QUALITY_LOG_COLUMNS
                if dest.table == QUALITY_LOG_NAME
                else PROCESSED_SCHEMAS[dest.table].columns
            )
            assert set(dest.where) | set(dest.per_raw_row) <= set(columns), name


def test_every_raw_row_is_processed_or_logged(raw_tables, evaluation_build):
    accounts = account_rows(raw_tables, evaluation_build.result)
    assert set(accounts) == set(RAW_TABLES)
    for name, account in accounts.items():
        assert account.rows_in == _raw_record_count(name) > 0, name
        assert account.balanced, (name, account)
    # Independent figures: the one stray survey value is logged, not processed
    # (004 chart data); the 10 KPI cells (5 KPIs x 2 years, 002 § 6) give more
    # than 10 KPI rows because satisfaction cells hold two measures.
    assert accounts["survey_stray_values.csv"] == RowAccount(1, 0, 1)
    assert accounts["kpi_table.csv"] == RowAccount(10, 10, 0)
    kpis = evaluation_build.tables["kpis"]
    assert (kpis["kpi_order"] > 0).sum() > 10
    assert accounts["evidence_matrix.csv"] == RowAccount(180, 180, 0)


@pytest.mark.parametrize("name", list(RAW_TABLES))
def test_row_accounting_notices_one_lost_row(raw_tables, evaluation_build, name):
    """The check can fail: lose the processed (or logged) trace of one raw row."""
    result = evaluation_build.result
    dest = RAW_TABLES[name].rows_to[0]
    is_log = dest.table == QUALITY_LOG_NAME
    frame = result.issues if is_log else result.tables[dest.table]
    chosen = pd.Series(True, index=frame.index)
    for column, values in dest.where.items():
        chosen &= frame[column].astype(str).isin(values)
    first = frame[chosen].iloc[0]
    if dest.per_raw_row:  # drop every processed row of that one raw row
        lost = (frame[list(dest.per_raw_row)] == first[list(dest.per_raw_row)]).all(axis=1) & chosen
    else:
        lost = frame.index == frame[chosen].index[0]
    damaged = frame[~lost]
    broken = Build(dict(result.tables), result.issues)
    if is_log:
        broken.issues = damaged
    else:
        broken.tables[dest.table] = damaged
    accounts = account_rows(raw_tables, broken)
    account = accounts[name]
    assert not account.balanced
    assert account.processed + account.logged == account.rows_in - 1
    assert all(a.balanced for n, a in accounts.items() if n != name)
