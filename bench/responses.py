"""Benchmark: read, clean and aggregate 10k, 100k and 1M survey responses.

Each size is generated once (SYNTHETIC, seeded, with the usual mess, as CSV
files in a temporary folder; generation is not timed), then a fresh child
process reads, cleans and aggregates it (lib.sources.response_tables.response_tables)
and reports its wall time and peak resident memory (ru_maxrss of the child,
which includes the interpreter and the imported libraries). The sizes run side
by side in one run; "growth" is the time ratio to the previous size divided by
the size ratio (1.0 = linear, below 1 = better than linear). CPU seconds (user +
system of the child) are printed beside wall time because the machine may be
shared: wall time then includes waiting for a core.

Target: 1M responses in under 30 s and under 2 GB on 2 cores, time
growing no faster than linearly.

    python bench/responses.py [--sizes 10000,100000,1000000] [--comparison-share 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from lib.sources import response_format, response_reading, response_tables
response_format.programme_vocabulary()
t0 = time.perf_counter()  # imports excluded: read + clean + aggregate only
u0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = u0.ru_utime + u0.ru_stime
paths = response_reading.response_files(Path(sys.argv[1]))
tables, issues = response_tables.response_tables(paths)
elapsed = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu0
print(json.dumps({"seconds": elapsed, "cpu": cpu, "peak_mib": usage.ru_maxrss / 1024,
                  "cells": len(tables["survey_responses.csv"]), "log_rows": len(issues)}))
"""


GENERATE = r"""
import sys
from pathlib import Path
from lib.sources import synthetic
n, folder, share = int(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
per_authority = max(1, n // 15 // 2)
df = synthetic.generate(15, per_authority * 2, seed=n % 9973, linked_share=0.6, comparison_share=share)
df = df.iloc[:n] if len(df) > n else df
synthetic.write_files(df, folder, formats=("csv",))
print(len(df))
"""


def make_data(n: int, folder: Path, env: dict, comparison_share: float = 0.0) -> int:
    """Generate in a child process, so this parent stays small: a child's
    ru_maxrss starts from its parent's resident size at fork on Linux."""
    out = subprocess.run(
        [sys.executable, "-c", GENERATE, str(n), str(folder), str(comparison_share)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument(
        "--comparison-share", type=float, default=0.0, help="share of respondents in a comparison group"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-responses-") as tmp:
        for n in sizes:
            folder = Path(tmp) / str(n)
            actual = make_data(n, folder, env, args.comparison_share)
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(folder)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append({"n": actual, **json.loads(out.stdout.strip().splitlines()[-1])})
    print(
        f"{'responses':>10} {'wall s':>8} {'CPU s':>7} {'peak MiB':>9} {'wall s/100k':>12} {'growth':>7} "
        f"{'CPU growth':>10} {'cells':>6} {'log rows':>9}"
    )
    prev = None
    for r in rows:
        growth = "" if prev is None else f"{(r['seconds'] / prev['seconds']) / (r['n'] / prev['n']):.2f}"
        cpu_growth = "" if prev is None else f"{(r['cpu'] / prev['cpu']) / (r['n'] / prev['n']):.2f}"
        print(
            f"{r['n']:>10,} {r['seconds']:>8.2f} {r['cpu']:>7.2f} {r['peak_mib']:>9.0f} "
            f"{r['seconds'] / r['n'] * 1e5:>12.2f} {growth:>7} {cpu_growth:>10} "
            f"{r['cells']:>6} {r['log_rows']:>9}"
        )
        prev = r
    last = rows[-1]
    print(
        f"target: 1M in < 30 s and < 2048 MiB; largest run: {last['seconds']:.1f} s, "
        f"{last['peak_mib']:.0f} MiB "
        f"(cpu count {os.cpu_count()}; load average {os.getloadavg()[0]:.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
