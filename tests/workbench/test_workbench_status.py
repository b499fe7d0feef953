"""The run form's pure parts: settings checked as the command line checks them,
the authority filter, and the progress/summary read from a manifest."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from lib.workbench.run_form import authority_options, end_messages, keep_selection
from lib.workbench.settings import RunSettings, check_settings, cli_arguments, cli_environment
from lib.workbench.status import (
    ReportRow,
    change_lines,
    changes,
    counts,
    page_link,
    report_rows,
    run_summary,
    status_line,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    from lib import evaluation

    root = tmp_path_factory.mktemp("workbench_build")
    evaluation.build(evaluation.RAW_DIR, root / "processed", root / "outputs")
    return root / "processed"


def _cli_errors(settings: RunSettings) -> list[str]:
    """stderr lines of ``python -m lib.run`` given the same settings."""
    done = subprocess.run(
        [sys.executable, "-m", "lib.run", *cli_arguments(settings, ROOT)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **cli_environment(settings)},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    return done.stderr.splitlines()


@pytest.mark.timeout(300)
def test_bad_settings_give_the_command_lines_error_lines(processed, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    cases = [
        RunSettings(authorities=("narnia",), disclosure_threshold="abc", timeout=0),
        RunSettings(authorities=("barnet", "atlantis", "leeds", "lyonesse")),
        RunSettings(disclosure_threshold="0"),
        RunSettings(disclosure_threshold="2.5", timeout=-5),
        RunSettings(authorities=()),
        RunSettings(authorities=(), include_programme=False),
        RunSettings(output_dir=str(a_file)),
        RunSettings(output_dir=str(a_file / "sub")),
        RunSettings(processed_dir=str(tmp_path / "missing")),
    ]
    defaults = {"output_dir": str(tmp_path / "out"), "processed_dir": str(processed)}
    for case in cases:
        case = replace(
            case, **{k: v for k, v in defaults.items() if getattr(case, k) == getattr(RunSettings, k)}
        )
        form = check_settings(case, ROOT)
        assert form, case
        assert form == _cli_errors(case), case
    assert a_file.read_text() == "keep me" and not (tmp_path / "out").exists()  # nothing was written
    good = RunSettings(
        authorities=("barnet",), output_dir=str(tmp_path / "out"), processed_dir=str(processed)
    )
    assert check_settings(good, ROOT) == []
    assert not (tmp_path / "out").exists()


def test_authority_filter_and_selection():
    names = {"barnet": "Barnet", "leeds": "Leeds", "kent": "Kent"}
    assert authority_options(names, "") == [("all", "all"), ("Barnet (barnet)", "barnet"),
                                            ("Leeds (leeds)", "leeds"), ("Kent (kent)", "kent")]  # fmt: skip
    assert authority_options(names, " LE ") == [("all", "all"), ("Leeds (leeds)", "leeds")]
    assert authority_options(names, "zzz") == [("all", "all")]
    # an authority replaces "all"; "all" replaces the authorities
    assert keep_selection(("all",), ["all", "leeds"], ("all", "leeds")) == ("leeds",)
    assert keep_selection(("leeds", "kent"), ["all", "leeds", "kent"], ("leeds", "kent", "all")) == ("all",)
    # choices hidden by the filter stay chosen
    assert keep_selection(("kent",), ["all", "leeds"], ("leeds",)) == ("kent", "leeds")
    assert keep_selection(("kent", "leeds"), ["all", "leeds"], ()) == ("kent",)


def _entry(rid, **kw):
    base = {"id": rid, "display_name": rid.title(), "status": "ok", "error": None, "cached": False,
            "stale": False, "last_attempt": None, "duration_s": 4.25, "finished_at": "2026-01-01T10:00:09Z",
            "outputs": {"html": f"html/{rid}.html", "notebook": f"notebooks/{rid}.ipynb"}}  # fmt: skip
    return {**base, **kw}


def _manifest(state, reports, ids=("a", "b", "c", "d"), workers=2):
    run = {"started_at": "2026-01-01T10:00:00Z", "state": state}
    return {"run": run, "workers": workers, "run_report_ids": list(ids), "reports": reports}


def test_rows_while_running_and_at_the_end():
    old = "2026-01-01T09:00:00Z"
    live = _manifest(
        "running",
        [_entry("a"), _entry("b", finished_at=old), _entry("c", cached=True, finished_at=old),
         _entry("d", finished_at=old)],
    )  # fmt: skip
    rows = report_rows(live)
    assert [(r.id, r.state) for r in rows] == [("a", "rebuilt"), ("b", "running"), ("c", "reused"),
                                               ("d", "running")]  # fmt: skip
    assert run_summary(rows) == "4 reports: 1 rebuilt, 1 reused (inputs unchanged), 0 failed, 2 running"
    live = _manifest("running", [], workers=1)
    assert [r.state for r in report_rows(live)] == ["running", "queued", "queued", "queued"]

    failed_attempt = {"at": "2026-01-01T10:00:05Z", "status": "failed", "error": "cell 3: KeyError: 'x'"}
    end = _manifest(
        "interrupted",
        [_entry("a"), _entry("b", stale=True, finished_at=old, last_attempt=failed_attempt),
         _entry("c", cached=True, finished_at=old),
         _entry("d", stale=True, outputs={"html": None, "notebook": None},
                last_attempt={"at": "2026-01-01T10:00:06Z", "status": "cancelled", "error": "run interrupted"})],
    )  # fmt: skip
    rows = report_rows(end)
    assert counts(rows) == {"rebuilt": ["a"], "reused": ["c"], "failed": ["b"], "cancelled": ["d"],
                            "queued": [], "running": []}  # fmt: skip
    assert run_summary(rows) == "4 reports: 1 rebuilt, 1 reused (inputs unchanged), 1 failed, 1 cancelled"
    assert [status_line(r) for r in rows] == [
        "a: rebuilt (4.2 s)", "b: failed: cell 3: KeyError: 'x'", "c: reused",
        "d: cancelled: run interrupted",
    ]  # fmt: skip
    nb_dir, out = Path("/p/notebooks"), Path("/p/outputs")
    link = page_link(rows[0], out, nb_dir)
    assert link.startswith('<a href="../outputs/html/a.html" target="_blank" ') and link.endswith(
        ">A (a)</a>"
    )
    assert page_link(rows[3], out, nb_dir) is None


def test_what_changed_since_the_previous_build():
    def entry(rid, files, threshold=10, code="c1", **kw):
        inputs = {"notebook": {"path": "n", "sha256": "n1"}, "code": code, "environment": "e1", "title": "T",
                  "processed_dir": {"path": "p", "files": files}}  # fmt: skip
        return _entry(
            rid, inputs=inputs, settings={"disclosure_threshold": threshold, "keep_code": False}, **kw
        )

    before = entry("a", {"x.csv": "1", "y.csv": "2"})
    assert changes(None, before) == ["new report"]
    assert changes(before, entry("a", {"x.csv": "1", "y.csv": "2"})) == []
    assert changes(before, entry("a", {"x.csv": "9", "z.csv": "3"}, threshold=20, code="c2")) == [
        "code", "data: x.csv, y.csv, z.csv", "disclosure_threshold: 10 -> 20",
    ]  # fmt: skip
    previous = {"reports": [before, entry("b", {}), entry("c", {})]}
    now = _manifest(
        "complete",
        [
            entry("a", {"x.csv": "1", "y.csv": "3"}),
            entry("b", {}),
            entry("c", {}, cached=True),
            entry("d", {}),
        ],
    )
    assert change_lines(previous, now) == [
        "a: data: y.csv",
        "b: no recorded input changed (forced)",
        "d: new report",
    ]
    # the page's figures and verdicts that moved (lib.run.changes), once: the build that moved them
    moved = ["Evidence items: 3 of 12 \u2192 4 of 12"]
    assert changes(before, entry("a", {"x.csv": "9", "y.csv": "2"}, changes=moved)) == [
        "data: x.csv", "result: Evidence items: 3 of 12 \u2192 4 of 12",
    ]  # fmt: skip
    assert changes(entry("a", {}, changes=moved), entry("a", {}, changes=moved)) == []


def test_how_a_finished_run_is_shown():
    rows = [ReportRow("a", "A", "rebuilt", 1.0), ReportRow("b", "B", "failed", 1.0, "ValueError: no")]
    interrupted = "interrupted: queued reports cancelled, running ones stopped; manifest and index ..."
    assert end_messages(0, [], rows[:1]) == ("success", [])
    assert end_messages(1, ["downloads: not built"], rows) == (
        "danger", ["downloads: not built", "failed: b: ValueError: no"],
    )  # fmt: skip
    assert end_messages(2, ["error: another batch run is writing to /o"], []) == (
        "danger", ["error: another batch run is writing to /o"],
    )  # fmt: skip
    assert end_messages(130, ["Exception ignored in: <x>", "Traceback ...", interrupted], rows) == (
        "warning", [interrupted],
    )  # fmt: skip
    assert end_messages(3, ["Traceback (most recent call last):", "  File x", "OSError: disk full"], []) == (
        "danger", ["the batch stopped with an unexpected error (exit status 3): OSError: disk full"],
    )  # fmt: skip
