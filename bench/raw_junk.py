"""Time and peak memory of the data build on good input and on 50 MB of junk.

    python bench/raw_junk.py               # 50 MB of junk rows appended to survey_impacts.csv
    python bench/raw_junk.py --mb 200      # a bigger file

Runs ``python -m lib.evaluation build`` four times in one invocation, each on
a fresh copy of ``data/raw`` into temporary folders: (a) the good copy, (b) the
copy with junk rows appended to one raw file, (c) the copy with 500 junk rows
(under the size limit: the capped error listing), (d) 9,900 rows with the
right number of fields but no valid value (the worst case under the default
limits: every value goes through the pandera checks). Prints wall time, peak
RSS and error-line count side by side. Target: (b) rejected in under
10 s with bounded memory (before: 7 minutes, 3.6 GB, 3.9 million lines).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUNK_LINE = b'junk,"more, junk",1,2,3,4,5\n'


def run(raw: Path, work: Path) -> tuple[int, float, float, int]:
    """Exit status, seconds, peak RSS in MB, error lines."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lib.evaluation",
            "build",
            "--quiet",
            "--raw-dir",
            str(raw),
            "--processed-dir",
            str(work / "processed"),
            "--outputs-dir",
            str(work / "outputs"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines = sum(1 for line in proc.stderr if line.startswith(b"error:"))
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=50, help="junk size in MB (default 50)")
    parser.add_argument("--file", default="survey_impacts.csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = {}
        for name, junk in (
            ("good", b""),
            (f"{args.mb} MB junk", JUNK_LINE * (args.mb * 1_000_000 // len(JUNK_LINE))),
            ("500 junk rows", b"junk,more junk\n" * 500),
            ("9,900 bad rows", b"junk,junk,junk,junk,junk,junk,junk\n" * 9_900),
        ):
            raw = Path(tmp) / name.replace(" ", "_") / "raw"
            shutil.copytree(ROOT / "data" / "raw", raw)
            with open(raw / args.file, "ab") as handle:
                handle.write(junk)
            cases[name] = run(raw, raw.parent)
    print(f"{'case':<16}{'exit':>5}{'seconds':>10}{'peak MB':>10}{'error lines':>13}")
    for name, (code, seconds, peak, lines) in cases.items():
        print(f"{name:<16}{code:>5}{seconds:>10.2f}{peak:>10.0f}{lines:>13}")


if __name__ == "__main__":
    main()
