"""The build: raw tables in, processed tables and the data-quality log out.

:func:`build_tables` is pure (cleaning, processed schemas, row accounting);
:func:`build` adds the preflight, the respondent-level files and the atomic
writes. :func:`load_processed` reads the tables back, typed by their schemas.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from lib.config import OUTPUTS_DIR, PROCESSED_DIR, QUALITY_LOG_NAME, RAW_DIR
from lib.files import folder_mode, write_temp
from lib.sources.case_studies import (
    clean_case_study_facts,
    clean_case_study_impacts,
    clean_case_study_sections,
    clean_challenges,
    clean_proposals,
    proposals_issues,
)
from lib.sources.claims import clean_claims
from lib.sources.common import spelling_issues
from lib.sources.contract import (
    Issue,
    PreflightError,
    Problem,
    ProcessedDataError,
    RawDataError,
    display_path,
    issues_frame,
)
from lib.sources.evidence import clean_evidence_matrix, evidence_matrix_issues
from lib.sources.guidance import clean_checklist, clean_cycle, clean_guidance, guidance_issues
from lib.sources.kpis import activity_issues, clean_activity, clean_kpis, kpi_issues
from lib.sources.membership import (
    clean_authorities,
    clean_membership,
    membership_issues,
    survey_authorities,
    year_inference_issues,
)
from lib.sources.mentions import clean_mentions
from lib.sources.profiles import clean_profiles, profile_issues
from lib.sources.reading import load_raw
from lib.sources.registry import RAW_TABLES
from lib.sources.schemas import PROCESSED_SCHEMAS, empty_table, is_text
from lib.sources.statements import clean_evaluation_findings, clean_programme_statements
from lib.sources.survey import (
    clean_comment_shares,
    clean_impacts,
    clean_respondents,
    clean_survey,
    clean_understanding,
)
from lib.sources.survey_log import survey_issues


@dataclass
class Build:
    tables: dict[str, pd.DataFrame]
    issues: pd.DataFrame = field(default_factory=lambda: issues_frame([]))


def _if_any(function, *frames: pd.DataFrame):
    """``function(*frames)``, or nothing when every frame is empty (a table the programme
    does not have): an empty table, or no quality-log entries."""
    if all(frame.empty for frame in frames):
        return pd.DataFrame()
    return function(*frames)


def _cleaned_survey(raw: dict[str, pd.DataFrame], respondents: pd.DataFrame) -> pd.DataFrame:
    """``survey.csv`` from the survey's chart tables; empty for a programme without a survey."""
    if respondents.empty:  # the four survey tables come together or not at all (the definition)
        return pd.DataFrame()
    return clean_survey(
        clean_understanding(raw["survey_understanding.csv"], respondents),
        clean_impacts(raw["survey_impacts.csv"], respondents),
        clean_comment_shares(raw["survey_comment_shares.csv"]),
    )


def _processed_tables(raw: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Each processed table cleaned from its raw tables (not yet validated), and the
    membership table in its cleaning order (the quality checks read it so)."""
    membership = clean_membership(raw["programme_membership.csv"])
    authorities = clean_authorities(membership, survey_authorities(membership))
    respondents = _if_any(clean_respondents, raw["survey_respondents.csv"])
    survey = _cleaned_survey(raw, respondents)
    tables = {
        "authorities.csv": authorities,
        "membership.csv": membership.sort_values(["authority_id", "source", "quote"], kind="stable"),
        "evidence.csv": _if_any(clean_evidence_matrix, raw["evidence_matrix.csv"]),
        "profiles.csv": _if_any(clean_profiles, raw["authority_profiles.csv"]),
        "kpis.csv": clean_kpis(raw["kpi_table.csv"], clean_activity(raw["programme_activity.csv"])),
        "survey.csv": survey,
        "survey_respondents.csv": respondents,
        "proposals.csv": _if_any(clean_proposals, raw["case_study_proposals.csv"]),
        "challenges.csv": _if_any(clean_challenges, raw["case_study_challenges.csv"]),
        "case_study_facts.csv": _if_any(clean_case_study_facts, raw["case_study_facts.csv"]),
        "case_study_impacts.csv": _if_any(clean_case_study_impacts, raw["case_study_impacts.csv"]),
        "guidance.csv": _if_any(clean_guidance, raw["practice_guidance.csv"]),
        "commissioning_cycle.csv": _if_any(clean_cycle, raw["commissioning_cycle.csv"]),
        "checklist.csv": _if_any(clean_checklist, raw["good_practice_checklist.csv"]),
        "claims.csv": _if_any(clean_claims, raw["published_claims.csv"]),
        "programme_statements.csv": _if_any(clean_programme_statements, raw["programme_statements.csv"]),
        "evaluation_findings.csv": _if_any(
            clean_evaluation_findings, raw["evaluation_findings.csv"], raw["published_claims.csv"]
        ),
        "case_study_sections.csv": _if_any(clean_case_study_sections, raw["case_study_sections.csv"]),
        "authority_mentions.csv": _if_any(clean_mentions, raw["authority_mentions.csv"]),
    }
    return tables, membership


def _entries(function, *frames: pd.DataFrame) -> list[Issue]:
    """A source's quality-log entries; none for a table the programme does not have."""
    return [] if all(frame.empty for frame in frames) else list(function(*frames))


def _quality_issues(
    raw: dict[str, pd.DataFrame], membership: pd.DataFrame, tables: dict[str, pd.DataFrame]
) -> list[Issue]:
    """Every source's entries for the data-quality log, in log order."""
    authorities, respondents = tables["authorities.csv"], tables["survey_respondents.csv"]
    return [
        *_entries(evidence_matrix_issues, raw["evidence_matrix.csv"]),
        *_entries(profile_issues, raw["authority_profiles.csv"]),
        *_entries(kpi_issues, raw["kpi_table.csv"]),
        *_entries(activity_issues, raw["programme_activity.csv"]),
        *membership_issues(membership, authorities),
        *year_inference_issues(raw["programme_membership.csv"]),
        *spelling_issues(raw["programme_membership.csv"], "programme_membership.csv"),
        *(
            survey_issues(
                raw["survey_understanding.csv"],
                raw["survey_impacts.csv"],
                raw["survey_comment_shares.csv"],
                raw["survey_stray_values.csv"],
                respondents,
                raw["survey_respondents.csv"],
            )
            if not respondents.empty
            else []
        ),
        *_entries(guidance_issues, raw["practice_guidance.csv"]),
        *_entries(proposals_issues, raw["case_study_proposals.csv"]),
    ]


def _validated(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Each table checked against its schema; the problems of those that break it."""
    problems: list[Problem] = []
    valid = dict(tables)
    for name, table in tables.items():
        if table.empty:  # a table the programme does not have: its schema's columns, no rows
            table = empty_table(name)
        try:
            valid[name] = validate_processed(name, table.reset_index(drop=True))
        except ProcessedDataError as err:
            problems += err.problems
    return valid, problems


def _unaccounted_rows(raw: dict[str, pd.DataFrame], result: Build) -> list[Problem]:
    """One problem per raw table whose rows are neither processed nor logged."""
    return [
        Problem(
            raw[name].attrs.get("file", name),
            None,
            None,
            f"{account.rows_in} row(s) read",
            f"every raw row processed or logged; {account.processed} accounted for in "
            + (", ".join(t.table for t in RAW_TABLES[name].rows_to) or "no declared table (RawTable.rows_to)")
            + f", {account.logged} in the data-quality log",
        )
        for name, account in account_rows(raw, result).items()
        if not account.balanced
    ]


def build_tables(raw: dict[str, pd.DataFrame]) -> Build:
    """Pure: raw tables in, processed tables and quality issues out.

    Raises :class:`ProcessedDataError` if a processed table breaks its schema
    or a raw row is neither processed nor logged (:func:`account_rows`).
    """
    tables, membership = _processed_tables(raw)
    issues = _quality_issues(raw, membership, tables)
    tables, problems = _validated(tables)
    result = Build(tables, issues_frame(issues))
    problems = problems or _unaccounted_rows(raw, result)
    if problems:
        raise ProcessedDataError(problems)
    return result


@dataclass(frozen=True)
class RowAccount:
    """One raw table's rows: read, found again in processed tables, logged instead."""

    rows_in: int
    processed: int
    logged: int

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.processed + self.logged


def account_rows(raw: dict[str, pd.DataFrame], result: Build) -> dict[str, RowAccount]:
    """Account for every raw row, per :attr:`RawTable.rows_to`.

    A raw row is accounted for when it is found again in a processed table
    (one row per raw row, or one distinct ``per_raw_row`` key when a raw row
    yields several) or in the data-quality log (one distinct line number among
    the log rows the declaration selects). A table is balanced when rows read =
    rows processed + rows logged.
    """
    accounts = {}
    for name, frame in raw.items():
        spec = RAW_TABLES.get(name)
        counts = {"processed": 0, "logged": 0}
        for dest in spec.rows_to if spec else ():
            is_log = dest.table == QUALITY_LOG_NAME
            table = result.issues if is_log else result.tables.get(dest.table, pd.DataFrame())
            chosen = pd.Series(True, index=table.index)
            for column, values in dest.where.items():
                chosen &= table[column].astype(str).isin([str(v) for v in values])
            rows = table[chosen]
            n = len(rows.drop_duplicates(list(dest.per_raw_row))) if dest.per_raw_row else len(rows)
            counts["logged" if is_log else "processed"] += n
        accounts[name] = RowAccount(len(frame), **counts)
    return accounts


def validate_processed(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Check a processed table against its declared schema (a bug if it fails).

    Raises :class:`ProcessedDataError`, one problem per failing cell.
    """
    schema = PROCESSED_SCHEMAS[name]
    try:
        return schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems, seen = [], set()
        for case in err.failure_cases.itertuples(index=False):
            index = case.index
            row = None if index is None or pd.isna(index) else int(index) + 2
            column = None if case.column is None or pd.isna(case.column) else str(case.column)
            if (row, column) in seen:
                continue
            seen.add((row, column))
            value = None if case.failure_case is None or pd.isna(case.failure_case) else case.failure_case
            problems.append(
                Problem(
                    f"processed table {name} (as built)",
                    row,
                    column,
                    value,
                    f"{case.check} (the processed schema; a cleaning bug)",
                )
            )
        raise ProcessedDataError(problems) from None


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV: UTF-8, '\\n', floats without noise, empty for missing."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.10g}")
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _nearest_existing(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_output_folders(processed_dir: Path, outputs_dir: Path) -> None:
    """Check, before anything is read or replaced, that the build can write its outputs.

    ``processed_dir`` is swapped into place by renaming within its parent, and
    the quality log is written into ``outputs_dir``: both folders (or the
    nearest folder that exists above them) must be folders we can create files
    in. A real probe file is written and removed, so read-only mounts and
    immutable folders are caught, not only permission bits.
    """
    problems = []
    targets = {
        Path(processed_dir).parent: f"swapping {Path(processed_dir).name}/ into place",
        Path(outputs_dir): "the data-quality log",
    }
    if Path(processed_dir).exists() and not Path(processed_dir).is_dir():
        problems.append(
            Problem(
                display_path(Path(processed_dir)),
                None,
                None,
                None,
                "a folder for the processed tables (it is a file); nothing was replaced",
            )
        )
    for folder, what in targets.items():
        existing = _nearest_existing(folder)
        reason = None
        if not existing.is_dir():
            reason = f"{display_path(existing)} is not a folder"
        else:
            try:
                fd, probe = tempfile.mkstemp(prefix=".preflight.", dir=existing)
                os.close(fd)
                os.unlink(probe)
            except OSError as err:
                reason = err.strerror or type(err).__name__
        if reason:
            problems.append(
                Problem(
                    display_path(folder),
                    None,
                    None,
                    None,
                    f"a writable folder for {what} ({reason}); nothing was replaced",
                )
            )
    if problems:
        raise PreflightError(problems)


def write_processed(build: Build, processed_dir: Path) -> None:
    """Write every table into a temporary folder, then swap it into place.

    The previous ``processed_dir`` survives intact until the new one is
    complete, so a failed build never leaves half-written outputs.
    """
    processed_dir = Path(processed_dir)
    processed_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{processed_dir.name}.new.", dir=processed_dir.parent))
    os.chmod(staging, folder_mode())  # mkdtemp makes 0700
    try:
        for name, table in sorted(build.tables.items()):
            (staging / name).write_bytes(to_csv_bytes(table))
        # The log travels with the tables so reports can count what was found.
        (staging / QUALITY_LOG_NAME).write_bytes(to_csv_bytes(build.issues))
        (staging / ".gitkeep").touch()
        old = None
        if processed_dir.exists():
            old = processed_dir.with_name(f".{processed_dir.name}.old.{os.getpid()}")
            os.replace(processed_dir, old)
        try:
            os.replace(staging, processed_dir)
        except BaseException:
            if old is not None:  # put the previous tables back: nothing replaced
                os.replace(old, processed_dir)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def build(
    raw_dir: Path = RAW_DIR,
    processed_dir: Path = PROCESSED_DIR,
    outputs_dir: Path = OUTPUTS_DIR,
    responses_dir: Path | None = None,
    codes_dir: Path | None = None,
) -> Build:
    """Validate ``raw_dir``, clean, write ``processed_dir`` and the quality log.

    Order: preflight (output folders writable), raw contract, cleaning and
    processed schemas, row accounting, respondent-level survey files when
    present (:mod:`lib.sources.response_tables`), their free-text answers and
    the evaluators' codes (:mod:`lib.sources.free_text`); only then is anything
    written. The quality log is staged in ``outputs_dir`` before
    ``processed_dir`` is swapped, so a write failure there changes nothing.
    """
    check_output_folders(processed_dir, outputs_dir)
    result = build_tables(load_raw(raw_dir))
    from lib.sources import free_text, response_format, response_reading, response_tables

    responses = response_format.responses_dir(raw_dir, responses_dir)
    try:
        result = response_tables.add_response_tables(result, responses)
    except response_reading.ResponseDataError as err:
        raise RawDataError(err.problems) from None
    result = free_text.add_free_text_tables(result, responses, free_text.codes_dir(raw_dir, codes_dir))
    log_path = Path(outputs_dir) / QUALITY_LOG_NAME
    try:
        staged_log = write_temp(log_path, to_csv_bytes(result.issues))
    except OSError as err:
        raise PreflightError(
            [
                Problem(
                    display_path(Path(outputs_dir)),
                    None,
                    None,
                    None,
                    f"a writable folder for the data-quality log ({err.strerror}); nothing was replaced",
                )
            ]
        ) from None
    try:
        write_processed(result, processed_dir)
        os.replace(staged_log, log_path)
    finally:
        staged_log.unlink(missing_ok=True)
    return result


def load_processed(processed_dir: Path = PROCESSED_DIR) -> dict[str, pd.DataFrame]:
    """Read every processed table back, typed by its schema and validated."""
    tables = {}
    for name, schema in PROCESSED_SCHEMAS.items():
        frame = pd.read_csv(Path(processed_dir) / name, dtype=str, keep_default_na=False)
        for col, spec in schema.columns.items():
            kind = str(spec.dtype)
            if is_text(spec) or col not in frame:
                continue
            numbers = pd.to_numeric(frame[col].replace("", None))
            if kind.lower().startswith("int"):
                numbers = numbers.astype("Int64" if spec.nullable else "int64")
            frame[col] = numbers.astype("float64") if kind.startswith("float") else numbers
        tables[name.removesuffix(".csv")] = schema.validate(frame)
    return tables


def quality_summary(issues: pd.DataFrame) -> str:
    """Printed summary of the data-quality log: counts by check, and each issue."""
    lines = [f"Data-quality log: {len(issues)} issues found in the sources"]
    for check, group in issues.groupby("check", sort=True):
        lines.append(f"  {check} ({len(group)})")
        for row in group.itertuples():
            value = f" [{row.value}]" if row.value else ""
            lines.append(f"    - {row.file}{value}: {row.issue} -> {row.action}")
    return "\n".join(lines)
