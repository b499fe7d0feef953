"""Command line of the batch runner: ``python -m lib.run`` (``python -m lib.batch`` still works)."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from lib.programme import check_definition, processed_dir, select
from lib.run.batch import BatchError, format_summary, run_batch
from lib.run.planning import AUTHORITY_NOTEBOOK, PROGRAMME_NOTEBOOK, absolute_path


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m lib.run",
        description=(
            "Execute the programme report and one report per local authority with papermill, "
            "render each to a self-contained offline HTML page, and write an index and a manifest. "
            "The disclosure threshold comes from $EVAL_DISCLOSURE_THRESHOLD (default 10)."
        ),
    )
    p.add_argument(
        "--authorities",
        metavar="ID[,ID...]",
        help="comma-separated authority ids (default: all in <processed-dir>/authorities.csv)",
    )
    p.add_argument("--no-programme", action="store_true", help="skip the programme report")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (default: CPUs, at most the number of reports)",
    )
    p.add_argument("--output-dir", default="outputs", metavar="DIR", help="default: %(default)s")
    p.add_argument(
        "--programme",
        metavar="DIR",
        help="the programme's folder (definition.yaml, plan.yaml, notes/, raw/; default: $EVAL_PROGRAMME or data/)",
    )
    p.add_argument(
        "--processed-dir", metavar="DIR", help="default: the programme's processed/ (data/processed)"
    )
    p.add_argument("--keep-code", action="store_true", help="show code cells in the HTML (default: hidden)")
    p.add_argument(
        "--timeout", type=int, default=600, metavar="S",
        help="per-cell execution timeout in seconds, greater than 0 (default: %(default)s)",
    )  # fmt: skip
    p.add_argument(
        "--force",
        action="store_true",
        help="rebuild every selected report, even those whose inputs are unchanged",
    )
    p.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="run the reports on this Dask cluster (e.g. tcp://10.0.0.5:8786; needs the 'dask' extra) "
        "instead of local worker processes",
    )
    p.add_argument(
        "--fork-kernels",
        action="store_true",
        help="fork each report's fresh kernel from a process that has already imported the "
        "report stack (saves most of a report's CPU; local workers only)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar on stderr")
    p.add_argument("--programme-notebook", default=str(PROGRAMME_NOTEBOOK), help=argparse.SUPPRESS)
    p.add_argument("--authority-notebook", default=str(AUTHORITY_NOTEBOOK), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.programme:  # before anything reads the definition; the kernels inherit it
        select(args.programme)
    if check_definition():  # a bad definition: one line per problem, before any report starts
        return 1
    cwd = Path.cwd()
    authorities = None if args.authorities is None else args.authorities.split(",")
    try:
        result = run_batch(
            authorities,
            include_programme=not args.no_programme,
            workers=args.workers,
            output_dir=absolute_path(args.output_dir, cwd),
            processed_dir=absolute_path(args.processed_dir or processed_dir(), cwd),
            keep_code=args.keep_code,
            progress=not args.quiet,
            programme_notebook=absolute_path(args.programme_notebook, cwd),
            authority_notebook=absolute_path(args.authority_notebook, cwd),
            timeout=args.timeout,
            force=args.force,
            dask_scheduler=args.dask_scheduler,
            fork_kernels=args.fork_kernels,
        )
    except BatchError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: queued reports cancelled, running ones stopped; "
            "manifest and index describe the pages on disk",
            file=sys.stderr,
        )
        return 130
    except Exception:
        traceback.print_exc()
        return 3
    print(format_summary(result))
    return result.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
