"""The run form driven as an evaluator drives it: pages identical to the command
line's, a second run reused, Cancel leaving manifest and disk in agreement, and
the notebook building the form without starting anything."""

from __future__ import annotations

import hashlib
import html
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from lib.workbench import background
from lib.workbench.run_form import RunForm
from lib.workbench.status import counts

ROOT = Path(__file__).resolve().parents[2]
PAIR = ("barnet", "bexley")
pytestmark = pytest.mark.timeout(120)  # each batch test sets its own, longer one
INTERRUPTED_LINE = (
    "interrupted: queued reports cancelled, running ones stopped; "
    "manifest and index describe the pages on disk"
)


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    from lib import evaluation

    root = tmp_path_factory.mktemp("run_form_build")
    evaluation.build(evaluation.RAW_DIR, root / "processed", root / "outputs")
    return root / "processed"


def _form(out: Path, processed: Path, authorities=PAIR, **values) -> RunForm:
    form = RunForm(output_dir=str(out), processed_dir=str(processed))
    form.authorities.value = authorities
    form.programme.value = False
    form.timeout.value = 180  # per cell: every batch the tests start has a timeout
    for name, value in values.items():
        getattr(form, name).value = value
    return form


def _run(form: RunForm, timeout: float = 400):
    form.run_button.click()
    assert form.batch is not None, form.errors.value
    outcome = form.batch.wait(timeout)
    assert outcome is not None, "the batch did not end in time"
    return outcome


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_run_matches_the_command_line_then_reuses(processed, tmp_path):
    form = _form(tmp_path / "form", processed)
    assert form.settings().authorities == PAIR
    outcome = _run(form)
    assert outcome.returncode == 0, outcome.errors
    rows = form.rows()
    assert counts(rows)["rebuilt"] == list(PAIR)
    assert form.summary.value == "2 reports: 2 rebuilt, 0 reused (inputs unchanged), 0 failed"
    assert form.progress.value == form.progress.max == 2 and form.progress.bar_style == "success"
    print(f"\ntime from pressing Run to the first page: {form.first_page_s} s")
    new = f"{PAIR[0]}: new report<br>{PAIR[1]}: new report"
    assert form.changes.value == f"<div>changed since the previous build:<br>{new}</div>"
    assert form.first_page_s is not None
    for rid in PAIR:
        assert f'/form/html/{rid}.html"' in form.links_html

    cli_out = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, "-m", "lib.run", "--authorities", ",".join(PAIR), "--no-programme", "--quiet",
         "--timeout", "180", "--output-dir", str(cli_out), "--processed-dir", str(processed)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT), "EVAL_DISCLOSURE_THRESHOLD": "10"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = sorted(p.name for p in (tmp_path / "form" / "html").glob("*.html"))
    assert pages == sorted(p.name for p in (cli_out / "html").glob("*.html"))
    assert {f"{rid}.html" for rid in PAIR} <= set(pages)
    pages.remove("index.html")  # the index shows when each page was built
    for name in pages:
        assert (tmp_path / "form" / "html" / name).read_bytes() == (cli_out / "html" / name).read_bytes(), (
            name
        )

    again = _run(form)  # same settings, inputs unchanged
    assert again.returncode == 0, again.errors
    assert counts(form.rows())["reused"] == list(PAIR)
    assert form.summary.value == "2 reports: 0 rebuilt, 2 reused (inputs unchanged), 0 failed"
    assert all(f'/form/html/{rid}.html"' in form.links_html for rid in PAIR)
    assert form.changes.value == ""  # nothing rebuilt

    form.threshold.value = "11"  # a setting that changes a report
    third = _run(form)
    assert third.returncode == 0, third.errors
    assert form.summary.value == "2 reports: 2 rebuilt, 0 reused (inputs unchanged), 0 failed"
    lines = [f"{rid}: disclosure_threshold: 10 -&gt; 11" for rid in PAIR]
    assert form.changes.value == "<div>changed since the previous build:<br>" + "<br>".join(lines) + "</div>"


def _assert_manifest_agrees_with_disk(out: Path) -> dict:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = set()
    for entry in manifest["reports"]:
        for kind, rel in entry["outputs"].items():
            if rel:
                assert (out / rel).is_file(), rel
                assert _sha(out / rel) == entry["output_sha256"][kind], rel
                listed.add(rel)
    on_disk = {
        f"html/{p.name}" for p in (out / "html").glob("*.html") if p.stem in manifest["run_report_ids"]
    }
    on_disk |= {f"notebooks/{p.name}" for p in (out / "notebooks").glob("*.ipynb")}
    assert on_disk == listed
    leftovers = [p for d in (out, out / "html", out / "notebooks") for p in d.glob(".*.tmp*")]
    assert leftovers == []
    index = (out / "index.html").read_text(encoding="utf-8")
    for rid in manifest["run_report_ids"]:
        assert (f'href="html/{rid}.html"' in index) == (f"html/{rid}.html" in listed), rid
    return manifest


def _wait_for_kernels(form: RunForm, timeout: float) -> list[psutil.Process]:
    """The kernels the batch has started, once there is one and the form shows a running report."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert form.batch.running, form.errors.value
        try:
            kids = psutil.Process(form.batch.proc.pid).children(recursive=True)
            kernels = [k for k in kids if "ipykernel" in " ".join(k.cmdline())]
        except psutil.Error:
            kernels = []
        if kernels and "running" in form.summary.value:
            return kernels
        time.sleep(0.1)
    raise AssertionError("no report started")


def _gone(process: psutil.Process, timeout: float = 30) -> bool:
    try:
        process.wait(timeout)
    except psutil.TimeoutExpired:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        pass
    return True


@pytest.mark.notebook
@pytest.mark.timeout(600)
@pytest.mark.parametrize("when", ["first kernels", "after the first page"])
def test_cancel_stops_the_run_and_leaves_manifest_and_disk_in_agreement(processed, tmp_path, when):
    out = tmp_path / "out"
    form = _form(out, processed, authorities=("barnet", "bexley", "darlington"), force=True)
    form.run_button.click()
    assert form.cancel_button.disabled is False and form.run_button.disabled is True
    deadline = time.monotonic() + 300
    while when == "after the first page" and form.first_page_s is None:  # then the third report runs
        assert time.monotonic() < deadline and form.batch.running, form.errors.value
        time.sleep(0.05)
    kernels = _wait_for_kernels(form, timeout=300)
    t0 = time.monotonic()
    form.cancel_button.click()
    outcome = form.batch.wait(120)
    assert outcome is not None and time.monotonic() - t0 < 60
    assert outcome.returncode == background.INTERRUPTED
    assert all(_gone(k) for k in kernels), "a running kernel was not stopped"
    # the command line's own last line (a worker forked as the signal came may add a warning above it)
    assert outcome.errors[-1] == INTERRUPTED_LINE
    manifest = _assert_manifest_agrees_with_disk(out)
    assert manifest["run"]["state"] == "interrupted"
    states = counts(form.rows())
    assert states["cancelled"] and not states["running"] and not states["queued"]
    assert bool(states["rebuilt"]) == (when == "after the first page")
    pages = {rid: (out / "html" / f"{rid}.html").is_file() for rid in ("barnet", "bexley", "darlington")}
    assert pages == {rid: rid in states["rebuilt"] for rid in pages}  # a fresh folder: no older pages
    assert form.errors.value == f'<div style="color:#a60">{INTERRUPTED_LINE}</div>'
    assert form.progress.bar_style == "warning" and form.run_button.disabled is False


@pytest.mark.timeout(120)
def test_the_notebook_builds_the_form_and_starts_nothing(monkeypatch):
    started = []
    monkeypatch.setattr(background.BackgroundBatch, "start", lambda self: started.append(self))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    nb = json.loads((ROOT / "notebooks" / "run_reports.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert "".join(code[-1]["source"]).startswith("# NBVAL_IGNORE_OUTPUT")
    namespace: dict = {}
    value = None
    for cell in code:  # top to bottom, as nbval runs it
        source = "".join(cell["source"])
        *body, last = source.strip().splitlines()
        exec("\n".join(body), namespace)
        try:
            value = eval(last, namespace)
        except SyntaxError:
            exec(last, namespace)
    assert (
        isinstance(value, RunForm) and "application/vnd.jupyter.widget-view+json" in value._repr_mimebundle_()
    )
    assert started == [] and value.batch is None


@pytest.mark.notebook
@pytest.mark.timeout(600)
def test_a_failed_report_shows_its_one_line_message(tmp_path):
    """Stand-in notebooks: the authority notebook raises for an authority marked to fail."""
    fixtures = ROOT / "tests" / "fixtures" / "notebooks"
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "authorities.csv").write_text(
        "authority_id,authority,fixture_fail\nleeds,Leeds,0\nbroken,Broken Borough,1\n", encoding="utf-8"
    )
    notebooks = {
        "programme_notebook": str(fixtures / "programme_report.ipynb"),
        "authority_notebook": str(fixtures / "authority_report.ipynb"),
    }
    form = RunForm(output_dir=str(tmp_path / "out"), processed_dir=str(processed), notebooks=notebooks)
    assert [v for _, v in form.authorities.options] == ["all", "leeds", "broken"]
    form.programme.value, form.timeout.value = False, 120
    outcome = _run(form)
    assert outcome.returncode == 1, outcome.errors
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    error = {r["id"]: r["error"] for r in manifest["reports"]}["broken"]
    assert error and "\n" not in error
    assert counts(form.rows())["failed"] == ["broken"] and counts(form.rows())["rebuilt"] == ["leeds"]
    assert form.summary.value == "2 reports: 1 rebuilt, 0 reused (inputs unchanged), 1 failed"
    assert html.escape("broken: failed ") in form.status.value and html.escape(error) in form.status.value
    # the command line's warnings on stderr (here: no downloads from a stand-in data folder), then the failure
    assert form.errors.value.endswith(f"<br>{html.escape(f'failed: broken: {error}')}</div>")
    assert form.progress.bar_style == "danger"
    assert "html/leeds.html" in form.links_html
