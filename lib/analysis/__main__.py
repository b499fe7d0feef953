"""``python -m lib.analysis``: write the results tables into data/processed (after ``lib.evaluation build``).

python -m lib.analysis                 # compute every judgement once into data/processed/results_*.csv
python -m lib.analysis --processed-dir DIR
python -m lib.analysis schema-docs     # regenerate data/README.md's results-table section
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.analysis.results import ResultsMissing, write_results
from lib.analysis.results_schemas import update_results_readme
from lib.config import PROCESSED_DIR
from lib.programme import ProgrammeDefinitionError, report_bad_definition


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.analysis", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="results", choices=["results", "schema-docs"])
    parser.add_argument("--processed-dir", type=Path, default=PROCESSED_DIR)
    args = parser.parse_args(argv)
    if args.command == "schema-docs":
        print("data/README.md updated" if update_results_readme() else "data/README.md already up to date")
        return 0
    try:
        results = write_results(args.processed_dir)
    except ProgrammeDefinitionError as error:
        return report_bad_definition(error)
    except (FileNotFoundError, ResultsMissing) as error:
        print(
            f"error: {error.filename or error}: expected the processed tables; run "
            "`python -m lib.evaluation build` first",
            file=sys.stderr,
        )
        return 1
    except ValueError as error:  # a claim's test specification the audit cannot read: one line
        print(f"error: data/raw/published_claims.csv: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(results)} results tables to {args.processed_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
