"""Wall time of the full report batch: project runner vs naive CLI baseline.

    python bench/reports.py                 # real notebooks, data/processed, 16 reports
    python bench/reports.py --reports 4     # programme + first 3 authorities
    python bench/reports.py --fixtures      # stand-in notebook + synthetic data

(a) ``lib.run.batch.run_batch`` with ``--workers`` (default 2) long-lived workers;
(b) for each report, one ``papermill`` CLI process, then one
    ``jupyter nbconvert --to html --no-input`` process, sequentially.
Both run in the same invocation, into separate temporary directories, and
the script prints both wall times and the ratio (target: runner >= 3x).
``--profile`` adds the runner's per-report execute/render split.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib.run import batch, planning  # noqa: E402

FIXTURE_NB = ROOT / "tests" / "fixtures" / "notebooks" / "bench_report.ipynb"
FIXTURE_AUTHORITIES = [
    "Barnet", "Bexley", "Bradford", "Bristol", "Camden", "Cornwall", "Derby", "Gateshead",
    "Kirklees", "Leeds", "Luton", "North East Lincolnshire", "Plymouth", "Sheffield", "Wigan",
]  # fmt: skip


def make_fixture_data(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / "authorities.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["authority_id", "authority"])
        for name in FIXTURE_AUTHORITIES:
            w.writerow([name.lower().replace(" ", "-"), name])
    return dest


def baseline(specs: list[planning.ReportSpec], out: Path) -> tuple[float, int]:
    """Naive: papermill CLI then nbconvert CLI per report, sequentially."""
    bindir = Path(sys.executable).parent
    papermill = str(bindir / "papermill")
    jupyter = str(bindir / "jupyter")
    (out / "notebooks").mkdir(parents=True)
    (out / "html").mkdir(parents=True)
    failures = 0
    t0 = time.perf_counter()
    for s in specs:
        nb_out = out / "notebooks" / f"{s.report_id}.ipynb"
        cmd = [
            papermill,
            str(s.notebook),
            str(nb_out),
            "-k",
            "python3",
            "--cwd",
            str(ROOT),
            "--no-progress-bar",
        ]
        for k, v in s.parameters.items():
            cmd += ["-r", k, str(v)]
        r1 = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
        if nb_out.exists():
            r2 = subprocess.run(
                [
                    jupyter,
                    "nbconvert",
                    "--to",
                    "html",
                    "--no-input",
                    str(nb_out),
                    "--output-dir",
                    str(out / "html"),
                ],
                capture_output=True,
                text=True,
                timeout=600,
            )
            failures += r2.returncode != 0
        failures += r1.returncode != 0
    return time.perf_counter() - t0, failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--reports", type=int, default=16, metavar="N", help="bench the first N reports (default 16)"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--processed-dir", default="data/processed")
    ap.add_argument("--fixtures", action="store_true", help="use the stand-in notebook and synthetic data")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--profile", action="store_true", help="print the runner's per-report timings")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured

    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp = Path(tmp)
        kw: dict = {"processed_dir": args.processed_dir}
        if args.fixtures:
            kw = {
                "processed_dir": make_fixture_data(tmp / "processed"),
                "programme_notebook": FIXTURE_NB,
                "authority_notebook": FIXTURE_NB,
            }
        try:
            all_specs, _ = planning.plan_reports(None, project_root=ROOT, **kw)
        except batch.BatchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        specs = all_specs[: max(1, args.reports)]
        ids = [s.report_id for s in specs if s.kind == "authority"]
        include_programme = any(s.kind == "programme" for s in specs)
        n = len(specs)
        print(
            f"reports: {n} ({'programme + ' if include_programme else ''}{len(ids)} authorities); "
            f"cpus: {os.cpu_count()}; workers: {args.workers}"
        )

        t0 = time.perf_counter()
        result = batch.run_batch(
            ids, include_programme=include_programme, workers=args.workers,
            output_dir=tmp / "runner", progress=False, project_root=ROOT, **kw,
        )  # fmt: skip
        runner_s = time.perf_counter() - t0
        print(
            f"(a) project runner, {args.workers} workers: {runner_s:7.1f} s  "
            f"({runner_s / n:.2f} s/report, {len(result.failed)} failed)"
        )
        if args.profile:
            ex = [r.timings.get("execute_s", 0) for r in result.results]
            rd = [r.timings.get("render_s", 0) for r in result.results]
            print(
                f"    per report: execute median {statistics.median(ex):.2f} s, "
                f"render median {statistics.median(rd):.2f} s, total median "
                f"{statistics.median(r.duration_s for r in result.results):.2f} s"
            )

        if args.skip_baseline:
            return 0
        base_s, base_fail = baseline(specs, tmp / "baseline")
        print(
            f"(b) naive papermill + nbconvert CLIs:  {base_s:7.1f} s  "
            f"({base_s / n:.2f} s/report, {base_fail} failed steps)"
        )
        ratio = base_s / runner_s
        print(f"ratio (b)/(a): {ratio:.2f}x  (target >= 3x: {'met' if ratio >= 3 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
