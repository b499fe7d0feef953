"""The workbook's data facade: load, validate and clean the raw evidence into tidy tables.

Notebooks and the other rooms import this module; the work is done in
the rooms below it:

- ``lib/programme/``: the programme definition (authorities, items, questions ...);
- ``lib/sources/``: one module per raw source (its :class:`RawTable` contract,
  its cleaners and the quality issues it logs), the contract machinery
  (``contract.py``), reading (``reading.py``) and the build (``build.py``);
- ``lib/schemas.py``: the processed tables' schemas.

``data/raw/`` holds a faithful transcription of the source documents and is
read only through :mod:`lib.sources`. Each raw table is checked at the
boundary against its declared contract (``RAW_TABLES``: columns, value
checks, the keys its source prints, size limits), and every raw row must end
up in a processed table or the data-quality log. Any failure stops the build
with one line per problem (file, row, column, value, what was expected) and
replaces nothing. Every judgement the cleaning makes is recorded: in a
``basis`` or ``note`` column of the processed table, and in the data-quality
log (``outputs/data_quality_log.csv``).

Command line::

    python -m lib.evaluation build   # rebuild data/processed/ and the quality log
    python -m lib.evaluation check   # validate data/raw/ only
    python -m lib.evaluation schema-docs   # regenerate data/README.md's processed-table section

Another programme: ``EVAL_PROGRAMME=<dir>/definition.yaml python -m lib.evaluation build
--raw-dir <dir>/raw --processed-dir ... --outputs-dir ...``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.config import OUTPUTS_DIR, PROCESSED_DIR, PROJECT_ROOT, QUALITY_LOG_NAME, RAW_DIR  # noqa: F401
from lib.schemas import (
    PROCESSED_SCHEMAS,
    processed_schema_markdown,
    type_name,
    update_data_readme,
)
from lib.sources.build import (
    Build,
    RowAccount,
    account_rows,
    build,
    build_tables,
    check_output_folders,
    load_processed,
    quality_summary,
    to_csv_bytes,
    validate_processed,
    write_processed,
)
from lib.sources.case_studies import (
    CASE_STUDY_SECTIONS,
    THEME_VARIANTS,
    THEMES,
    case_study_group,
    case_study_section,
    clean_case_study_impacts,
    clean_challenges,
    theme_id,
)
from lib.sources.claims import (
    CLAIM_COLUMNS,
)
from lib.sources.common import (
    AUTHORITIES,
    AUTHORITY_ALIASES,
    PROGRAMME,
    PROGRAMME_REPORT,
    SURVEY_REPORT,
    UNRECORDED,
    YEAR_ONE,
    YEAR_SPELLINGS,
    YEAR_TWO,
    UnknownAuthorityError,
    authority_id,
    is_known_authority,
    percent_to_proportion,
    programme_year,
    round_to_source,
    slugify,
    tidy_text,
)
from lib.sources.contract import (
    QUALITY_LOG_COLUMNS,
    BuildError,
    Issue,
    PreflightError,
    Problem,
    ProcessedDataError,
    RawDataError,
    RawTable,
    Required,
    RowsTo,
    display_path,
    issues_frame,
    problem_lines,
    shorten,
)
from lib.sources.evidence import (
    EVIDENCE_INFERENCES,
    EVIDENCE_ITEMS,
    EVIDENCE_NOT_INFERRED,
    EVIDENCE_STATUSES,
    EvidenceInference,
    apply_evidence_inferences,
    evidence_code_status,
    evidence_item_id,
    evidence_rule_violations,
)
from lib.sources.guidance import (
    COMMISSIONING_STAGES,
    GUIDANCE_STAGE_COLUMNS,
    STAGE_KEYWORDS,
    clean_guidance,
    stage_id,
)
from lib.sources.kpis import (
    ACTIVITY_MEASURES,
    KPI_CELL_EXPECTED,
    KPI_MEASURES,
    KPIS,
    clean_activity,
    parse_count,
    parse_kpi_cell,
)
from lib.sources.membership import (
    CASE_STUDY_AUTHORITIES,
    clean_authorities,
    clean_membership,
)
from lib.sources.profiles import (
    PROFILE_QUESTIONS,
)
from lib.sources.reading import (
    load_raw,
    read_raw,
)
from lib.sources.registry import (
    RAW_TABLES,
)
from lib.sources.statements import (
    STATEMENT_TOPICS,
    statement_years,
)
from lib.sources.survey import (
    COMMENT_QUESTIONS,
    IMPACTS,
    LOST_LABEL,
    PHASES,
    RESPONDENT_GROUPS,
    SECTOR_LABELS,
    SECTORS,
    SURVEY_COLUMNS,
    UNDERSTANDING_ITEMS,
    clean_comment_shares,
    clean_respondents,
    clean_survey,
    impact_id,
    phase_id,
    respondent_group,
    sector_id,
)

__all__ = [
    "PROGRAMME",
    "ACTIVITY_MEASURES",
    "KPIS",
    "KPI_CELL_EXPECTED",
    "KPI_MEASURES",
    "clean_activity",
    "parse_count",
    "parse_kpi_cell",
    "AUTHORITIES",
    "AUTHORITY_ALIASES",
    "PROGRAMME_REPORT",
    "SURVEY_REPORT",
    "UNRECORDED",
    "UnknownAuthorityError",
    "YEAR_ONE",
    "YEAR_TWO",
    "YEAR_SPELLINGS",
    "authority_id",
    "is_known_authority",
    "percent_to_proportion",
    "programme_year",
    "round_to_source",
    "slugify",
    "tidy_text",
    "Build",
    "RowAccount",
    "account_rows",
    "build",
    "build_tables",
    "load_processed",
    "check_output_folders",
    "quality_summary",
    "to_csv_bytes",
    "validate_processed",
    "write_processed",
    "BuildError",
    "Issue",
    "PreflightError",
    "Problem",
    "ProcessedDataError",
    "QUALITY_LOG_COLUMNS",
    "RawDataError",
    "RawTable",
    "Required",
    "RowsTo",
    "issues_frame",
    "problem_lines",
    "CASE_STUDY_AUTHORITIES",
    "clean_authorities",
    "clean_membership",
    "CASE_STUDY_SECTIONS",
    "THEMES",
    "THEME_VARIANTS",
    "case_study_group",
    "case_study_section",
    "clean_case_study_impacts",
    "clean_challenges",
    "theme_id",
    "CLAIM_COLUMNS",
    "COMMENT_QUESTIONS",
    "IMPACTS",
    "LOST_LABEL",
    "PHASES",
    "RESPONDENT_GROUPS",
    "SECTORS",
    "SECTOR_LABELS",
    "SURVEY_COLUMNS",
    "UNDERSTANDING_ITEMS",
    "clean_comment_shares",
    "clean_respondents",
    "clean_survey",
    "impact_id",
    "phase_id",
    "respondent_group",
    "sector_id",
    "COMMISSIONING_STAGES",
    "GUIDANCE_STAGE_COLUMNS",
    "STAGE_KEYWORDS",
    "clean_guidance",
    "stage_id",
    "EVIDENCE_INFERENCES",
    "EVIDENCE_ITEMS",
    "EVIDENCE_NOT_INFERRED",
    "EVIDENCE_STATUSES",
    "EvidenceInference",
    "evidence_item_id",
    "apply_evidence_inferences",
    "evidence_code_status",
    "evidence_rule_violations",
    "PROCESSED_SCHEMAS",
    "type_name",
    "processed_schema_markdown",
    "update_data_readme",
    "PROFILE_QUESTIONS",
    "RAW_TABLES",
    "STATEMENT_TOPICS",
    "statement_years",
    "load_raw",
    "read_raw",
    "PROJECT_ROOT",
    "RAW_DIR",
    "PROCESSED_DIR",
    "OUTPUTS_DIR",
    "QUALITY_LOG_NAME",
    "main",
]


def __getattr__(name: str) -> str:
    """A source document's file by its definition id in capitals (``SURVEY_REPORT``)."""
    try:
        return PROGRAMME.source_file(name.lower())
    except ValueError:
        raise AttributeError(f"module 'lib.evaluation' has no attribute {name!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "check", "schema-docs"])
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR)
    parser.add_argument("--processed-dir", type=Path, default=PROCESSED_DIR)
    parser.add_argument("--outputs-dir", type=Path, default=OUTPUTS_DIR)
    parser.add_argument(
        "--responses-dir",
        type=Path,
        default=None,  # issue 12
        help="respondent-level survey files (default: <raw-dir>/responses)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the issue counts")
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="show the Python traceback of an unexpected error in the cleaning",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "schema-docs":
            changed = update_data_readme()
            print("data/README.md updated" if changed else "data/README.md already up to date")
            return 0
        if args.command == "check":
            load_raw(args.raw_dir)
            print(f"{args.raw_dir}: all {len(RAW_TABLES)} raw tables valid")
            return 0
        result = build(args.raw_dir, args.processed_dir, args.outputs_dir, args.responses_dir)
    except BuildError as err:
        for line in problem_lines(err.problems):
            print(line, file=sys.stderr)
        if not isinstance(err, PreflightError):  # a preflight failure is its own one line
            print(
                f"build stopped: {len(err.problems)} problem(s) in {err.stage}; "
                f"{display_path(Path(args.processed_dir))} left unchanged",
                file=sys.stderr,
            )
        return 1
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as err:
        if args.traceback:
            raise
        # The raw contract should make this unreachable: a cleaning bug, said in one line.
        print(
            f"error: lib/evaluation.py: expected the cleaning to finish ({type(err).__name__}: "
            f"{shorten(str(err), 200)}); a bug, rerun with --traceback to see where",
            file=sys.stderr,
        )
        print(
            f"build stopped: 1 problem(s) in the cleaning; "
            f"{display_path(Path(args.processed_dir))} left unchanged",
            file=sys.stderr,
        )
        return 1
    except OSError as err:  # a write failing after the preflight passed
        print(
            f"error: {err.filename or args.processed_dir}: expected a writable file "
            f"({err.strerror or err}); {display_path(Path(args.processed_dir))} left unchanged",
            file=sys.stderr,
        )
        return 1
    summary = quality_summary(result.issues)
    print(summary.splitlines()[0] if args.quiet else summary)
    print(
        f"wrote {len(result.tables)} tables to {display_path(Path(args.processed_dir))} and "
        f"{display_path(Path(args.outputs_dir) / QUALITY_LOG_NAME)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
