"""Fault injection: the batch is killed, interrupted or loses a worker or a
kernel mid-run, or finds its output folder read-only.

Each test runs ``python -m lib.run`` as a subprocess on the small fixture
notebooks (tests/fixtures/notebooks/fault_report.ipynb sleeps on its first
attempt when told to, and writes ``<marks>/<id>.<kernel pid>``, so a test
kills at a known point) and ends with :func:`assert_consistent`: the
manifest, the index and the files on disk agree, no temp file remains, and
no link in the index is dead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from test_batch import make_processed

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "notebooks"
IDS = ["a1", "a2", "a3", "a4"]
ROWS = [(i, f"Authority {i.upper()}", "0") for i in IDS]


def batch_cmd(processed: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lib.run", "--processed-dir", str(processed), "--output-dir", str(out),
            "--programme-notebook", str(FIXTURES / "programme_report.ipynb"),
            "--authority-notebook", str(FIXTURES / "fault_report.ipynb"),
            # --force: the faults are injected through the environment, which is not an input of the
            # reports, so an unchanged re-run would reuse every report (lib.run.cache)
            "--quiet", "--workers", "2", "--timeout", "60", "--force", *extra]  # fmt: skip


def start(processed, out, marks, sleep="", *extra) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FAULT_MARKS": str(marks), "FAULT_SLEEP": sleep}
    return subprocess.Popen(
        batch_cmd(processed, out, *extra),
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for_mark(marks: Path, rid: str, proc: subprocess.Popen, timeout: float = 60) -> int:
    """The pid of the kernel sleeping in report ``rid``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list(marks.glob(f"{rid}.*"))
        if found:
            return int(found[0].suffix[1:])
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError(f"report {rid} never started")


def gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def assert_consistent(out: Path) -> dict:
    """Manifest, index pages and disk agree; no temp files; no dead link."""
    manifest = json.loads((out / "manifest.json").read_text())
    entries = {r["id"]: r for r in manifest["reports"]}
    assert len(entries) == len(manifest["reports"])
    for r in entries.values():
        for kind in ("html", "notebook"):
            rel = r["outputs"].get(kind)
            assert rel is None or (out / rel).is_file(), (r["id"], rel)
    site_pages = {"index", "caveats", "glossary", "brief"}  # beside the reports, not reports
    on_disk_html = {p.stem for p in (out / "html").glob("*.html")} - site_pages
    assert on_disk_html == {i for i, r in entries.items() if r["outputs"].get("html")}
    on_disk_nb = {p.stem for p in (out / "notebooks").glob("*.ipynb")}
    assert on_disk_nb == {i for i, r in entries.items() if r["outputs"].get("notebook")}
    for index, prefix in ((out / "index.html", "html/"), (out / "html" / "index.html", "")):
        page = index.read_text()
        links = re.findall(r'<a href="([^"]+)">', page)
        for link in links:
            assert (index.parent / link).is_file(), f"dead link {link} in {index}"
        linked = {Path(link).stem for link in links if link.endswith(".html")} - site_pages
        assert linked == on_disk_html
        for rid, r in entries.items():
            if r.get("stale"):
                row = re.search(
                    rf'<tr[^>]*>\s*<th scope="row"><a href="{prefix}{rid}\.html">(?:(?!</tr>).)*</tr>',
                    page,
                    re.S,
                )
                assert row and "Stale" in row.group(0) and r["finished_at"] in row.group(0), rid
    temps = [p for d in (out, out / "html", out / "notebooks") for p in d.iterdir() if p.name.startswith(".")]
    assert temps == []
    return manifest


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """A complete first run: every report has a good page to fall back on."""
    tmp = tmp_path_factory.mktemp("faults")
    processed = make_processed(tmp / "processed", rows=ROWS)
    out = tmp / "baseline"
    proc = subprocess.run(
        batch_cmd(processed, out),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return processed, out


@pytest.fixture
def run_dir(baseline, tmp_path):
    processed, base = baseline
    out = tmp_path / "out"
    shutil.copytree(base, out)
    marks = tmp_path / "marks"
    marks.mkdir()
    return processed, out, marks


def test_sigint_stops_kernels_records_disk_exits_130(run_dir):
    processed, out, marks = run_dir
    before = json.loads((out / "manifest.json").read_text())
    built = {r["id"]: r["finished_at"] for r in before["reports"]}
    proc = start(processed, out, marks, "a1:60")
    kernel = wait_for_mark(marks, "a1", proc)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 10
    assert proc.returncode == 130, err
    assert err.splitlines() == [
        "interrupted: queued reports cancelled, running ones stopped; "
        "manifest and index describe the pages on disk"
    ]
    assert gone(kernel), "the running kernel was not stopped"
    m = assert_consistent(out)
    assert m["run"]["state"] == "interrupted"
    reports = {r["id"]: r for r in m["reports"]}
    a1 = reports["a1"]
    assert a1["stale"] and a1["last_attempt"]["status"] == "cancelled"
    assert a1["finished_at"] == built["a1"] and a1["outputs"]["html"] == "html/a1.html"  # last good page kept
    # queued reports were cancelled, not run: at most the other worker's report finished
    assert sum(1 for r in reports.values() if r["stale"]) >= len(IDS) + 1 - 2


def test_sigkill_of_the_batch_then_next_start_cleans_up(run_dir):
    processed, out, marks = run_dir
    proc = start(processed, out, marks, "a1:60")
    kernel = wait_for_mark(marks, "a1", proc)
    assert list((out / "notebooks").glob(".a1.*.tmp.ipynb"))  # the report's staged notebook
    proc.kill()
    proc.communicate(timeout=10)
    assert gone(kernel, 15), "workers and kernels must die with the batch process"
    # what the killed run left: the manifest still matches the pages on disk
    m = json.loads((out / "manifest.json").read_text())
    for r in m["reports"]:
        assert (out / r["outputs"]["html"]).is_file()
    assert list(out.rglob(".*.tmp*"))  # temp files left behind ...
    proc = start(processed, out, marks, "", "--authorities", "a2", "--no-programme")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    m = assert_consistent(out)  # ... removed at the next start
    assert m["run"]["state"] == "complete"


def test_killed_worker_costs_only_its_report(run_dir):
    processed, out, marks = run_dir
    proc = start(processed, out, marks, "a2:60")
    kernel = wait_for_mark(marks, "a2", proc)
    worker = psutil.Process(kernel).ppid()
    assert worker != proc.pid
    os.kill(worker, signal.SIGKILL)  # as the out-of-memory killer would
    stdout, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert (
        "failed: a2: worker process died while running this report (killed by signal 9; out of memory?)"
        in stdout
    )
    assert re.search(r"5 reports, 4 ok, 1 failed", stdout), stdout
    m = assert_consistent(out)
    reports = {r["id"]: r for r in m["reports"]}
    for rid in ("programme", "a1", "a3", "a4"):
        assert reports[rid]["status"] == "ok" and not reports[rid]["stale"], rid
    assert reports["a2"]["stale"] and reports["a2"]["outputs"]["html"] == "html/a2.html"
    assert gone(kernel)


def test_killed_kernel_is_retried(run_dir):
    processed, out, marks = run_dir
    proc = start(processed, out, marks, "a3:60", "--authorities", "a3,a4")
    kernel = wait_for_mark(marks, "a3", proc)
    os.kill(kernel, signal.SIGKILL)
    stdout, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, stdout + err
    m = assert_consistent(out)
    a3 = {r["id"]: r for r in m["reports"]}["a3"]
    assert a3["status"] == "ok" and not a3["stale"]
    assert "DeadKernelError" in a3["timings"]["retried_after"]
    assert "OUTPUT-MARKER a3" in (out / "html" / "a3.html").read_text()


def _make_read_only(path: Path) -> bool:
    if os.geteuid() != 0:
        path.chmod(0o555)
        return True
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True, timeout=30).returncode == 0


def _make_writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, timeout=30)
    path.chmod(0o755)


@pytest.mark.parametrize("where", [".", "html"])
def test_read_only_output_folder_changes_nothing(run_dir, where):
    processed, out, marks = run_dir
    target = out / where
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    if not _make_read_only(target):
        pytest.skip("cannot make a folder read-only here (root without chattr)")
    try:
        proc = start(processed, out, marks)
        _, err = proc.communicate(timeout=60)
    finally:
        _make_writable(target)
    assert proc.returncode == 2
    assert err.splitlines() == [
        f"error: --output-dir {out} is not writable: {target.resolve()} (Operation not permitted)"
        if os.geteuid() == 0
        else f"error: --output-dir {out} is not writable: {target.resolve()} (Permission denied)"
    ]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot
    assert list(marks.iterdir()) == []  # no report started
    assert_consistent(out)
