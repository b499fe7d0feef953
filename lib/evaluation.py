"""The workbook's data facade: build the processed tables and load them.

What the rest of the workbook needs from the data side is here: :func:`build`
(raw evidence -> ``data/processed/`` and the quality log), :func:`load_processed`,
the folders (``RAW_DIR``, ``PROCESSED_DIR``, ``OUTPUTS_DIR``), the processed
tables' schemas and the quality log's columns, and the command line below.
Everything else is imported from the module that defines it:

- ``lib/programme/``: the programme definition (authorities, items, questions ...);
- ``lib/sources/``: one module per raw source (its :class:`RawTable` contract,
  its cleaners and the quality issues it logs), the contract machinery
  (``contract.py``), reading (``reading.py``) and the build (``build.py``);
- ``lib/sources/schemas.py``: the processed tables' schemas.

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

Another programme: ``python -m lib.evaluation build --programme <dir>`` (or
``EVAL_PROGRAMME=<dir>``) reads ``<dir>/raw`` and writes ``<dir>/processed``
(``--raw-dir`` and ``--processed-dir`` choose other folders).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib import programme
from lib.config import OUTPUTS_DIR, PROCESSED_DIR, PROJECT_ROOT, QUALITY_LOG_NAME, RAW_DIR
from lib.sources.build import Build, build, load_processed, quality_summary
from lib.sources.common import UNRECORDED
from lib.sources.contract import (
    QUALITY_LOG_COLUMNS,
    BuildError,
    PreflightError,
    display_path,
    problem_lines,
    shorten,
)
from lib.sources.reading import load_raw
from lib.sources.registry import RAW_TABLES
from lib.sources.schema_docs import update_data_readme
from lib.sources.schemas import PROCESSED_SCHEMAS

__all__ = [
    "Build",
    "OUTPUTS_DIR",
    "PROCESSED_DIR",
    "PROCESSED_SCHEMAS",
    "PROJECT_ROOT",
    "QUALITY_LOG_COLUMNS",
    "QUALITY_LOG_NAME",
    "RAW_DIR",
    "UNRECORDED",
    "build",
    "load_processed",
    "main",
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib.evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "check", "schema-docs"])
    parser.add_argument(
        "--programme",
        type=Path,
        default=None,
        help="the programme's folder (definition.yaml, plan.yaml, notes/, raw/; default: "
        "$EVAL_PROGRAMME or data/)",
    )
    parser.add_argument("--raw-dir", type=Path, default=None, help="default: the programme's raw/")
    parser.add_argument(
        "--processed-dir", type=Path, default=None, help="default: the programme's processed/"
    )
    parser.add_argument("--outputs-dir", type=Path, default=OUTPUTS_DIR)
    parser.add_argument(
        "--responses-dir",
        type=Path,
        default=None,
        help="respondent-level survey files (default: <raw-dir>/responses)",
    )
    parser.add_argument(
        "--codes-dir",
        type=Path,
        default=None,
        help="evaluators' codes of free-text answers (default: the codes folder beside --raw-dir)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the issue counts")
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="show the Python traceback of an unexpected error in the cleaning",
    )
    return parser


def _without_programme(args: list[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip or arg.startswith("--programme="):
            skip = False
            continue
        if arg == "--programme":
            skip = True
            continue
        out.append(arg)
    return out


def _run_command(args: argparse.Namespace) -> Build | None:
    """Run one command; the build's result, or None for a command that printed its own."""
    if args.command == "schema-docs":
        changed = update_data_readme()
        print("data/README.md updated" if changed else "data/README.md already up to date")
        return None
    if args.command == "check":
        load_raw(args.raw_dir)
        print(f"{args.raw_dir}: all {len(RAW_TABLES)} raw tables valid")
        return None
    return build(args.raw_dir, args.processed_dir, args.outputs_dir, args.responses_dir, args.codes_dir)


def _print_build_error(err: BuildError, unchanged: str) -> None:
    for line in problem_lines(err.problems):
        print(line, file=sys.stderr)
    if not isinstance(err, PreflightError):  # a preflight failure is its own one line
        print(
            f"build stopped: {len(err.problems)} problem(s) in {err.stage}; {unchanged} left unchanged",
            file=sys.stderr,
        )


def _print_cleaning_bug(err: Exception, unchanged: str) -> None:
    # The raw contract should make this unreachable: a cleaning bug, said in one line.
    print(
        f"error: lib/evaluation.py: expected the cleaning to finish ({type(err).__name__}: "
        f"{shorten(str(err), 200)}); a bug, rerun with --traceback to see where",
        file=sys.stderr,
    )
    print(f"build stopped: 1 problem(s) in the cleaning; {unchanged} left unchanged", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.programme is not None and programme.definition_path(args.programme).resolve() != (
        programme.definition_path().resolve()
    ):
        # this process has read another definition: the command runs again under this one
        rest = list(sys.argv[1:] if argv is None else argv)
        return programme.run_under(args.programme, "lib.evaluation", _without_programme(rest))
    args.raw_dir = args.raw_dir or programme.raw_dir()
    args.processed_dir = args.processed_dir or programme.processed_dir()
    unchanged = display_path(Path(args.processed_dir))
    try:
        result = _run_command(args)
    except BuildError as err:
        _print_build_error(err, unchanged)
        return 1
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as err:
        if args.traceback:
            raise
        _print_cleaning_bug(err, unchanged)
        return 1
    except OSError as err:  # a write failing after the preflight passed
        print(
            f"error: {err.filename or args.processed_dir}: expected a writable file "
            f"({err.strerror or err}); {unchanged} left unchanged",
            file=sys.stderr,
        )
        return 1
    if result is not None:
        summary = quality_summary(result.issues)
        print(summary.splitlines()[0] if args.quiet else summary)
        print(
            f"wrote {len(result.tables)} tables to {unchanged} and "
            f"{display_path(Path(args.outputs_dir) / QUALITY_LOG_NAME)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
