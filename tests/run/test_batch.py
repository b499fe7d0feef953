"""lib.run (python -m lib.run, formerly lib.batch): validation, failure isolation, manifest, index, atomic writes.

Runs against the stand-in notebooks in tests/fixtures/notebooks and a tiny
processed dir made in tmp_path. Tests that start kernels are marked
``notebook``; the full fixture batch runs once per module.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lib import files as lib_files
from lib.run import batch, cli, outputs, planning, workers
from lib.run.index import render_index

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "notebooks"
PROGRAMME_NB = FIXTURES / "programme_report.ipynb"
AUTHORITY_NB = FIXTURES / "authority_report.ipynb"
XSS = "<script>alert(1)</script>"

AUTHORITIES = [
    # authority_id, authority (display name), fixture_fail
    ("leeds", "Leeds", "0"),
    ("barnet", "Barnet", "0"),
    ("broken", "Broken Borough", "1"),  # the authority fixture raises for this one
    ("xss", XSS, "0"),  # display names come from data: must be escaped
]


def make_processed(path: Path, rows=AUTHORITIES) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "authorities.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["authority_id", "authority", "fixture_fail"])
        w.writerows(rows)
    (path / "kpis.csv").write_text("kpi,value\na,1\n", encoding="utf-8")
    return path


def cli_args(processed: Path, out: Path, *extra: str) -> list[str]:
    return [
        "--processed-dir", str(processed),
        "--output-dir", str(out),
        "--programme-notebook", str(PROGRAMME_NB),
        "--authority-notebook", str(AUTHORITY_NB),
        "--quiet",
        *extra,
    ]  # fmt: skip


# ---------------------------------------------------------------------------
# Validation: before any kernel starts, nothing written
# ---------------------------------------------------------------------------


def test_unknown_authority_one_line_error_exit_2_nothing_written(tmp_path, capsys):
    processed = make_processed(tmp_path / "processed")
    out = tmp_path / "out"
    rc = cli.main(cli_args(processed, out, "--authorities", "leeds,narnia"))
    captured = capsys.readouterr()
    assert rc == 2
    assert captured.err == "error: unknown authority 'narnia'; valid ids: barnet, broken, leeds, xss\n"
    assert captured.out == ""
    assert not out.exists()


@pytest.mark.slow
def test_unknown_authority_real_cli_no_traceback(tmp_path):
    processed = make_processed(tmp_path / "processed")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "lib.batch", *cli_args(processed, out, "--authorities", "narnia")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "error: unknown authority 'narnia'; valid ids: barnet, broken, leeds, xss"
    ]
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_several_unknown_authorities_listed(tmp_path):
    processed = make_processed(tmp_path / "processed")
    with pytest.raises(batch.BatchError, match=r"^unknown authorities 'a', 'b'; valid ids: barnet, "):
        planning.plan_reports(["a", "leeds", "b"], processed_dir=processed)


def test_missing_processed_dir_and_unsafe_ids(tmp_path, capsys):
    rc = cli.main(cli_args(tmp_path / "nope", tmp_path / "out"))
    assert rc == 2
    assert capsys.readouterr().err.startswith("error: processed data directory")
    processed = make_processed(tmp_path / "p2", rows=[("../etc", "Evil", "0")])
    with pytest.raises(batch.BatchError, match="lower-case slugs"):
        planning.plan_reports(None, processed_dir=processed)
    assert not (tmp_path / "out").exists()


def test_missing_assets_is_a_validation_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBOOK_NODE_MODULES", str(tmp_path / "empty"))
    processed = make_processed(tmp_path / "processed")
    rc = cli.main(cli_args(processed, tmp_path / "out"))
    err = capsys.readouterr().err
    assert rc == 2
    assert "make assets" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_plan_defaults_and_parameters(tmp_path):
    processed = make_processed(tmp_path / "processed")
    specs, names = planning.plan_reports(
        None, processed_dir=processed, programme_notebook=PROGRAMME_NB, authority_notebook=AUTHORITY_NB
    )
    assert [s.report_id for s in specs] == ["programme", "barnet", "broken", "leeds", "xss"]
    assert specs[0].parameters == {"processed_dir": str(processed.resolve())}
    assert specs[3].parameters == {"processed_dir": str(processed.resolve()), "authority_id": "leeds"}
    assert names["xss"] == XSS
    specs, _ = planning.plan_reports(
        ["leeds", "leeds"], include_programme=False, processed_dir=processed, authority_notebook=AUTHORITY_NB
    )
    assert [s.report_id for s in specs] == ["leeds"]
    # inside the project root the notebook sees a root-relative path
    assert outputs.param_path(ROOT / "data" / "processed", ROOT) == "data/processed"


@pytest.mark.slow
def test_help_lists_options():
    proc = subprocess.run(
        [sys.executable, "-m", "lib.batch", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == 0
    for opt in ("--authorities", "--no-programme", "--workers", "--output-dir", "--processed-dir", "--keep-code",
                "--quiet"):  # fmt: skip
        assert opt in proc.stdout


# ---------------------------------------------------------------------------
# Hashes
# ---------------------------------------------------------------------------


def test_data_hashes_change_with_inputs(tmp_path):
    processed = make_processed(tmp_path / "processed")
    (processed / ".gitkeep").write_text("")
    files, version = planning.hash_data_dir(processed)
    assert set(files) == {"authorities.csv", "kpis.csv"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in files.values())
    (processed / "kpis.csv").write_text("kpi,value\na,2\n", encoding="utf-8")
    files2, version2 = planning.hash_data_dir(processed)
    assert files2["kpis.csv"] != files["kpis.csv"] and files2["authorities.csv"] == files["authorities.csv"]
    assert version2 != version
    (processed / "sub").mkdir()
    (processed / "sub" / "x.csv").write_text("x\n")
    files3, version3 = planning.hash_data_dir(processed)
    assert "sub/x.csv" in files3 and version3 != version2


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


def test_atomic_write_never_leaves_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "d" / "report.html"
    lib_files.atomic_write_text(target, "old complete content")

    def boom(fd):
        raise OSError("disk gone mid-write")

    monkeypatch.setattr(lib_files.os, "fsync", boom)  # after the data was partly written
    with pytest.raises(OSError, match="mid-write"):
        lib_files.atomic_write_text(target, "new content " * 10_000)
    assert target.read_text() == "old complete content"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]  # no temp left
    with pytest.raises(OSError):
        lib_files.atomic_write_text(tmp_path / "d" / "fresh.json", "{}")
    assert not (tmp_path / "d" / "fresh.json").exists()
    monkeypatch.undo()
    lib_files.atomic_write_text(target, "new")
    assert target.read_text() == "new"


def test_atomic_write_interrupted_by_keyboardinterrupt(tmp_path, monkeypatch):
    target = tmp_path / "m.json"

    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(lib_files.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        lib_files.atomic_write_text(target, "{}")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# Index page (no kernels)
# ---------------------------------------------------------------------------


def _result(rid, kind, name, status="ok", error=None):
    return outputs.ReportResult(
        id=rid, kind=kind, display_name=name, parameters={}, inputs={}, input_hash="0" * 64,
        data_version="abcdef0123456789" + "0" * 48, started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:00:02Z", duration_s=2.0, status=status, error=error,
        outputs={"notebook": f"notebooks/{rid}.ipynb", "html": f"html/{rid}.html"},
    )  # fmt: skip


def test_index_structure_order_and_escaping():
    results = [
        _result("zed", "authority", "Zed"),
        _result("xss", "authority", XSS, status="failed", error=f"ValueError: {XSS}"),
        _result("programme", "programme", "Programme report"),
        _result("north-east-lincolnshire", "authority", "north East Lincolnshire"),
        _result("barnet", "authority", "Barnet"),
    ]
    page = render_index(results, prefix="html/", dq_href="html/data_quality_log.csv")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    for tag in ("<main>", "<h1>", "<table>", "<caption>", '<th scope="col">'):
        assert tag in page
    assert XSS not in page and html.escape(XSS) in page
    assert re.findall(r"<script[^>]*>", page, re.I) == ["<script>"]  # only the index's own filter script
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    links = re.findall(r'<a href="([^"]+)">', page)
    assert links == [
        "html/data_quality_log.csv",
        "html/programme.html",
        "html/barnet.html",
        "html/north-east-lincolnshire.html",  # case-insensitive A-Z
        "html/xss.html",  # "<script>alert..." sorts by its letters, under S (never first)
        "html/zed.html",
    ]
    assert "Failed" in page and 'class="status-failed"' in page
    assert "abcdef012345" in page and "2026-01-01T00:00:02Z" in page


# ---------------------------------------------------------------------------
# Full fixture batch (kernels)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    processed = make_processed(tmp / "processed")
    out = tmp / "out"
    out.mkdir()
    (out / "data_quality_log.csv").write_text("file,row,problem\nx.csv,1,demo\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "lib.batch", *cli_args(processed, out, "--workers", "2")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    return {"processed": processed, "out": out, "proc": proc}


@pytest.mark.notebook
def test_failure_isolated_exit_1_and_summary(fixture_run):
    proc, out = fixture_run["proc"], fixture_run["out"]
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["report", "status", "seconds"]
    table = {ln.split()[0]: ln.split()[1] for ln in lines[2:7]}
    assert table == {"programme": "ok", "barnet": "ok", "broken": "failed", "leeds": "ok", "xss": "ok"}
    assert "5 reports, 4 ok, 1 failed" in proc.stdout
    assert "failed: broken: ValueError: fixture failure for broken" in proc.stdout
    assert "Traceback" not in proc.stderr
    for rid in ("programme", "barnet", "leeds", "xss", "broken"):
        assert (out / "notebooks" / f"{rid}.ipynb").is_file()
        assert (out / "html" / f"{rid}.html").is_file()
    assert "OUTPUT-MARKER leeds Leeds" in (out / "html" / "leeds.html").read_text()
    # the failed notebook is kept with its error, and its page shows it
    nb = json.loads((out / "notebooks" / "broken.ipynb").read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "ValueError"
    page = (out / "html" / "broken.html").read_text()
    assert "fixture failure for broken" in page
    # no temp files left anywhere
    assert not [p for p in out.rglob(".*") if p.is_file()]


@pytest.mark.notebook
def test_index_pages_mark_failure_and_link_relatively(fixture_run):
    out = fixture_run["out"]
    for index, prefix in ((out / "index.html", "html/"), (out / "html" / "index.html", "")):
        page = index.read_text()
        links = re.findall(r'<a href="([^"]+)">', page)
        assert links[0] == f"{prefix}data_quality_log.csv"
        assert links[1] == f"{prefix}caveats.html"
        assert links[2] == f"{prefix}glossary.html"
        assert links[3] == f"{prefix}programme.html"
        for link in links:
            assert (index.parent / link).is_file(), link
        row = re.search(
            r"<tr[^>]*>\s*<th scope=\"row\"><a href=\"[^\"]*broken.html\">.*?</tr>", page, re.S
        ).group(0)
        assert "Failed" in row and "fixture failure for broken" in row
        assert XSS not in page and html.escape(XSS) in page
    assert (out / "html" / "data_quality_log.csv").read_text().startswith("file,row,problem")


@pytest.mark.notebook
def test_page_title_escaped(fixture_run):
    page = (fixture_run["out"] / "html" / "xss.html").read_text()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "<script>" not in title and "&lt;script&gt;alert(1)&lt;/script&gt;" in title
    assert "<script>alert(1)</script>" not in page
    assert title == "Authority report: &lt;script&gt;alert(1)&lt;/script&gt;"  # first heading + name
    assert "<title>Programme report</title>" in (fixture_run["out"] / "html" / "programme.html").read_text()


@pytest.mark.notebook
def test_manifest_contents_and_rerun_merges(fixture_run):
    out, processed = fixture_run["out"], fixture_run["processed"]
    m = json.loads((out / "manifest.json").read_text())
    reports = {r["id"]: r for r in m["reports"]}
    assert set(reports) == {"programme", "barnet", "broken", "leeds", "xss"}
    leeds = reports["leeds"]
    assert leeds["kind"] == "authority" and leeds["display_name"] == "Leeds"
    assert leeds["parameters"] == {"processed_dir": str(processed.resolve()), "authority_id": "leeds"}
    assert leeds["status"] == "ok" and leeds["error"] is None
    assert leeds["outputs"] == {"notebook": "notebooks/leeds.ipynb", "html": "html/leeds.html"}
    assert set(leeds["inputs"]["processed_dir"]["files"]) == {"authorities.csv", "kpis.csv"}
    assert leeds["inputs"]["notebook"]["sha256"] == lib_files.sha256_file(AUTHORITY_NB)
    assert leeds["data_version"] == m["data_version"] == planning.hash_data_dir(processed)[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", leeds["started_at"])
    assert leeds["duration_s"] > 0
    assert reports["broken"]["status"] == "failed"
    assert reports["broken"]["error"].startswith("ValueError: fixture failure for broken")
    assert reports["programme"]["parameters"] == {"processed_dir": str(processed.resolve())}

    # change an input, rebuild one report: its hashes change, the others stay
    (processed / "kpis.csv").write_text("kpi,value\na,99\n", encoding="utf-8")
    result = batch.run_batch(
        ["leeds"], include_programme=False, workers=1, output_dir=out, processed_dir=processed,
        programme_notebook=PROGRAMME_NB, authority_notebook=AUTHORITY_NB,
    )  # fmt: skip
    assert result.exit_code == 0 and [r.id for r in result.results] == ["leeds"]
    m2 = json.loads((out / "manifest.json").read_text())
    r2 = {r["id"]: r for r in m2["reports"]}
    assert set(r2) == set(reports)
    assert r2["leeds"]["data_version"] != leeds["data_version"]
    assert r2["leeds"]["input_hash"] != leeds["input_hash"]
    assert (
        r2["leeds"]["inputs"]["processed_dir"]["files"]["kpis.csv"]
        != leeds["inputs"]["processed_dir"]["files"]["kpis.csv"]
    )
    assert r2["barnet"] == reports["barnet"]
    assert m2["run_report_ids"] == ["leeds"]
    report_links = re.findall(r'<a href="html/([a-z-]+)\.html">', (out / "index.html").read_text())
    assert len([link for link in report_links if link not in ("caveats", "glossary")]) == 5
    assert "<title>Authority report: Leeds</title>" in (out / "html" / "leeds.html").read_text()


def test_only_infrastructure_errors_are_retried():
    class DeadKernelError(RuntimeError):
        pass

    class PapermillExecutionError(Exception):
        ename = "ValueError"

    assert workers.is_infrastructure_error(DeadKernelError("Kernel died"))
    assert workers.is_infrastructure_error(TimeoutError("Cell execution timed out"))
    assert not workers.is_infrastructure_error(PapermillExecutionError("boom"))
    assert not workers.is_infrastructure_error(ValueError("x"))


# ---------------------------------------------------------------------------
# Preflight: every bad setting is one line, before any kernel, nothing written
# ---------------------------------------------------------------------------


def _preflight_cli(tmp_path, *extra, env=None):
    processed = make_processed(tmp_path / "processed")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "lib.batch", *cli_args(processed, out, *extra)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    assert "Traceback" not in proc.stderr
    return proc, out


@pytest.mark.slow
@pytest.mark.parametrize("value", ["abc", "-1", "0", "2.5"])
def test_bad_threshold_one_line_before_any_kernel(tmp_path, value):
    proc, out = _preflight_cli(tmp_path, env={"EVAL_DISCLOSURE_THRESHOLD": value})
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"error: EVAL_DISCLOSURE_THRESHOLD must be a whole number of at least 1, got {value!r}"
    ]
    assert not out.exists()


@pytest.mark.slow
def test_bad_timeout_output_dir_and_empty_authorities(tmp_path):
    proc, out = _preflight_cli(tmp_path, "--timeout", "-5")
    assert proc.returncode == 2 and not out.exists()
    assert proc.stderr.splitlines() == [
        "error: --timeout must be a whole number of seconds greater than 0, got -5"
    ]
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    proc, _ = _preflight_cli(tmp_path, "--output-dir", str(a_file))
    assert proc.returncode == 2 and a_file.read_text() == "keep me"
    assert proc.stderr.splitlines() == [f"error: --output-dir {a_file} is a file, not a directory"]
    proc, _ = _preflight_cli(tmp_path, "--output-dir", str(a_file / "sub"))
    assert proc.stderr.splitlines() == [
        f"error: --output-dir {a_file / 'sub'} cannot be created: {a_file} is a file, not a directory"
    ]
    proc, out = _preflight_cli(tmp_path, "--authorities", "")
    assert proc.returncode == 2 and not out.exists()
    assert proc.stderr.splitlines() == [
        "error: --authorities is empty; give authority ids separated by "
        "commas, or leave the option out for every authority"
    ]


@pytest.mark.slow
def test_every_problem_listed_at_once(tmp_path):
    proc, out = _preflight_cli(
        tmp_path, "--timeout", "0", "--authorities", "narnia", env={"EVAL_DISCLOSURE_THRESHOLD": "abc"}
    )
    assert proc.returncode == 2 and not out.exists()
    assert proc.stderr.splitlines() == [
        "error: --timeout must be a whole number of seconds greater than 0, got 0",
        "error: EVAL_DISCLOSURE_THRESHOLD must be a whole number of at least 1, got 'abc'",
        "error: unknown authority 'narnia'; valid ids: barnet, broken, leeds, xss",
    ]


def test_leftover_temp_files_removed_only_ours(tmp_path):
    out = tmp_path / "out"
    (out / "notebooks").mkdir(parents=True)
    (out / "html").mkdir()
    ours = [
        out / "notebooks" / ".leeds.k2j3h4_x.tmp.ipynb",
        out / "html" / ".index.html.abcd1234.tmp",
        out / ".manifest.json.zz99yy88.tmp",
    ]
    theirs = [out / "html" / "leeds.html", out / ".gitkeep", out / "notes.tmp"]
    for p in ours + theirs:
        p.write_text("x")
    assert sorted(outputs.remove_temp_files(out)) == sorted(ours)
    assert all(p.exists() for p in theirs)


# ---------------------------------------------------------------------------
# Reproducible outputs
# ---------------------------------------------------------------------------


def _masked(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        data = re.sub(rb'"built_at": "[^"]*"', b'"built_at": "#"', data)
    return data


@pytest.mark.notebook
def test_same_inputs_same_bytes(tmp_path):
    """Widgets fixture as the programme report: two runs, identical bytes
    apart from the notebook's one build-time field."""
    processed = make_processed(tmp_path / "processed", rows=[("leeds", "Leeds", "0")])
    outs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        result = batch.run_batch(
            ["leeds"],
            output_dir=out,
            processed_dir=processed,
            workers=1,
            programme_notebook=FIXTURES / "widgets.ipynb",
            authority_notebook=AUTHORITY_NB,
        )
        assert result.exit_code == 0
        outs.append(out)
    files = ["notebooks/programme.ipynb", "notebooks/leeds.ipynb", "html/programme.html", "html/leeds.html"]
    for f in files:
        a, b = (outs[0] / f).read_bytes(), (outs[1] / f).read_bytes()
        assert _masked(outs[0] / f) == _masked(outs[1] / f), f
        assert (a == b) == f.endswith(".html") or b"built_at" not in a, f
    nb = json.loads((outs[0] / "notebooks" / "programme.ipynb").read_text())
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    from lib.run.execution import stable_model_id

    assert sorted(state) == sorted(stable_model_id("programme", n) for n in range(len(state)))
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", c["id"]) for c in nb["cells"])
    assert (
        "start_time" not in json.dumps(nb)
        and nb["metadata"]["papermill"]["output_path"] == "notebooks/programme.ipynb"
    )
    page = (outs[0] / "html" / "programme.html").read_text()
    assert stable_model_id("programme", 0) in page and 'id="output-1"' in page


def test_make_reproducible_renames_widget_ids_consistently():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from lib.run import execution

    a, b, c = "1" * 32, "2" * 32, "3" * 32
    nb = new_notebook(cells=[new_code_cell("x", id="src1"), new_code_cell("y", id="random12")])
    nb.cells[0].outputs = [new_output("display_data", data={execution.WIDGET_VIEW_MIME: {"model_id": b}})]
    nb.metadata["widgets"] = {
        execution.WIDGET_STATE_MIME: {
            "state": {a: {"state": {"x": 1}}, b: {"state": {"layout": f"IPY_MODEL_{c}"}}, c: {"state": {}}}
        }
    }
    nb.metadata["papermill"] = {"start_time": "t", "output_path": "/tmp/.x.tmp.ipynb"}
    execution.make_reproducible(
        nb, report_id="r", built_at="B", output_path="notebooks/r.ipynb", source_cell_ids=["src1"]
    )
    ids = [execution.stable_model_id("r", n) for n in range(3)]
    state = nb.metadata["widgets"][execution.WIDGET_STATE_MIME]["state"]
    # the displayed view first, then what it refers to, then the rest
    assert state == {
        ids[0]: {"state": {"layout": f"IPY_MODEL_{ids[1]}"}},
        ids[1]: {"state": {}},
        ids[2]: {"state": {"x": 1}},
    }
    assert nb.cells[0].outputs[0]["data"][execution.WIDGET_VIEW_MIME]["model_id"] == ids[0]
    assert [c.id for c in nb.cells] == ["src1", "cell-1"]
    assert nb.metadata["papermill"] == {"output_path": "notebooks/r.ipynb"}
    assert nb.metadata["workbook"] == {"built_at": "B"}
    nbformat.validate(nb)


def test_links_nothing_displays_are_ordered_by_what_they_link_not_creation_order():
    """Two links of the same kind (no view refers to them) created in either
    order, with random ids: the same stable ids and the same bytes."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from lib.run import execution

    def notebook(ids: dict[str, str], link_order: list[str]):
        nb = new_notebook(cells=[new_code_cell("x", id="src1")])
        nb.cells[0].outputs = [
            new_output("display_data", data={execution.WIDGET_VIEW_MIME: {"model_id": ids[v]}})
            for v in ("dropdown", "tabs", "slider")
        ]
        links = {"link1": ("dropdown", "tabs"), "link2": ("slider", "tabs")}
        state = {ids[v]: {"state": {"kind": v}} for v in ("dropdown", "tabs", "slider")}
        for name in link_order:
            src, dst = links[name]
            state[ids[name]] = {
                "state": {
                    "source": [f"IPY_MODEL_{ids[src]}", "index"],
                    "target": [f"IPY_MODEL_{ids[dst]}", "selected_index"],
                }
            }
        nb.metadata["widgets"] = {execution.WIDGET_STATE_MIME: {"state": state}}
        execution.make_reproducible(
            nb, report_id="r", built_at="B", output_path="n.ipynb", source_cell_ids=["src1"]
        )
        return nb.metadata["widgets"]

    names = ["dropdown", "tabs", "slider", "link1", "link2"]
    first = notebook({n: f"{i + 1:x}" * 32 for i, n in enumerate(names)}, ["link1", "link2"])
    second = notebook({n: f"{9 - i:x}" * 32 for i, n in enumerate(names)}, ["link2", "link1"])
    assert first == second


# ---------------------------------------------------------------------------
# Kernel replies polled in slices (nbclient #312), without a global patch
# ---------------------------------------------------------------------------


def test_get_msg_contract_and_sliced_polling():
    """The assumption: a channel's get_msg raises queue.Empty once the timeout
    has passed. The sliced channel keeps that contract, polling every 0.25 s."""
    import asyncio
    from queue import Empty

    import zmq
    import zmq.asyncio
    from jupyter_client.channels import AsyncZMQSocketChannel
    from jupyter_client.session import Session

    from lib.run import execution

    async def check():
        ctx = zmq.asyncio.Context()
        sock = ctx.socket(zmq.DEALER)
        calls = []
        base = AsyncZMQSocketChannel(sock, Session())
        t0 = time.monotonic()
        with pytest.raises(Empty):
            await base.get_msg(timeout=0.1)
        assert time.monotonic() - t0 >= 0.09
        sliced = execution.SlicedPollChannel(sock, Session())
        original = AsyncZMQSocketChannel.get_msg

        async def spy(self, timeout=None):
            calls.append(timeout)
            return await original(self, timeout=timeout)

        AsyncZMQSocketChannel.get_msg = spy
        try:
            t0 = time.monotonic()
            with pytest.raises(Empty):
                await sliced.get_msg(timeout=0.6)
            assert time.monotonic() - t0 >= 0.59
        finally:
            AsyncZMQSocketChannel.get_msg = original
        assert len(calls) >= 3 and max(calls) <= execution.POLL_SLICE_S
        sock.close(0)
        ctx.term()

    asyncio.run(check())
    # our kernels use it; jupyter_client itself is untouched

    kc = execution.SlicedPollKernelManager(kernel_name="python3").client()
    assert kc.shell_channel_class is execution.SlicedPollChannel
    assert kc.iopub_channel_class is execution.SlicedPollChannel
    assert "get_msg" not in vars(AsyncZMQSocketChannel) or not getattr(
        AsyncZMQSocketChannel.get_msg, "_sliced", False
    )


@pytest.mark.notebook
def test_threshold_1000_programme_report_succeeds_and_is_recorded(evaluation_build, tmp_path, monkeypatch):
    """Every share suppressed is a legitimate outcome, not a crash; the
    threshold is in the manifest and in the input hash."""
    monkeypatch.setenv("EVAL_DISCLOSURE_THRESHOLD", "1000")
    out = tmp_path / "out"
    result = batch.run_batch([], output_dir=out, processed_dir=evaluation_build.processed, timeout=180)
    assert [r.id for r in result.results] == ["programme"]
    assert result.exit_code == 0, result.results[0].error
    page = (out / "html" / "programme.html").read_text()
    assert "fewer than 1000 respondents and are suppressed" in page
    m = json.loads((out / "manifest.json").read_text())
    assert m["settings"]["disclosure_threshold"] == 1000
    entry = m["reports"][0]
    assert entry["settings"] == {"disclosure_threshold": 1000, "keep_code": False}
    from lib.run import cache

    inputs = entry["inputs"]
    assert inputs["processed_dir"]["files"] == planning.hash_data_dir(evaluation_build.processed)[0]
    expected = {}
    for threshold in (1000, 10):
        expected[threshold] = cache.input_key(
            notebook_sha256=inputs["notebook"]["sha256"],
            code=inputs["code"],
            environment=inputs["environment"],
            data=inputs["processed_dir"]["files"],
            parameters=entry["parameters"],
            title=inputs["title"],
            settings={"disclosure_threshold": threshold, "keep_code": False},
        )
    assert entry["input_hash"] == expected[1000] != expected[10]


def test_ledger_reconciles_previous_manifest_with_disk(tmp_path):
    """At the start of a run the manifest is rebuilt from what is on disk:
    an entry whose page is gone is dropped, a missing notebook unlinked, and
    a report not rebuilt keeps its last good page, marked stale."""
    from lib.run.outputs import Ledger

    out = tmp_path / "out"
    (out / "html").mkdir(parents=True)
    (out / "notebooks").mkdir()
    for rid in ("keep", "nonb"):
        (out / "html" / f"{rid}.html").write_text("page")
    (out / "notebooks" / "keep.ipynb").write_text("{}")
    entries = [asdict_result(_result(rid, "authority", rid.title())) for rid in ("keep", "nonb", "gone")]
    entries.append({"id": "junk"})  # unreadable entries are skipped
    (out / "manifest.json").write_text(json.dumps({"reports": entries}))
    settings = planning.Settings(disclosure_threshold=10, keep_code=False, timeout=60, workers=1)
    ledger = Ledger(out, tmp_path, settings, "v" * 64, tmp_path, ["keep"])
    ledger.load_previous()
    assert set(ledger.entries) == {"keep", "nonb"}
    assert ledger.entries["nonb"].outputs == {"notebook": None, "html": "html/nonb.html"}
    attempt = _result("keep", "authority", "Keep", status="cancelled", error="run interrupted")
    ledger.commit(attempt, {})
    ledger.write()
    keep = {r["id"]: r for r in json.loads((out / "manifest.json").read_text())["reports"]}["keep"]
    assert keep["stale"] and keep["finished_at"] == "2026-01-01T00:00:02Z"
    assert keep["last_attempt"]["status"] == "cancelled"
    page = (out / "index.html").read_text()
    row = re.search(r'<tr[^>]*>\s*<th scope="row"><a href="html/keep.html">.*?</tr>', page, re.S).group(0)
    assert "Stale" in row and "Not rebuilt by the last run (cancelled: run interrupted)" in row
    assert "2026-01-01T00:00:02Z" in row


def asdict_result(r):
    from dataclasses import asdict

    return asdict(r)


def test_ledger_commits_the_explorer_page_with_its_report(tmp_path):
    """The programme report's explorer page moves into place with its report and is
    recorded in its outputs; a programme page rebuilt without one removes the old one."""
    from lib.run import site
    from lib.run.outputs import Ledger

    out = tmp_path / "out"
    (out / "html").mkdir(parents=True)
    (out / "notebooks").mkdir()
    settings = planning.Settings(disclosure_threshold=10, keep_code=False, timeout=60, workers=1)
    ledger = Ledger(out, tmp_path, settings, "v" * 64, tmp_path, ["programme"])

    def staged(explorer: bool) -> dict[str, str]:
        files = {"notebook": out / "notebooks" / ".p.1.tmp.ipynb", "html": out / "html" / ".p.2.tmp.html"}
        if explorer:
            files["explorer"] = out / "html" / ".s.3.tmp.html"
        for kind, path in files.items():
            path.write_text(kind)
        return {k: str(v) for k, v in files.items()}

    entry = ledger.commit(_result("programme", "programme", "Programme report"), staged(True))
    ledger.write()
    assert entry.outputs["explorer"] == f"html/{site.EXPLORER_PAGE}"
    assert (out / "html" / site.EXPLORER_PAGE).read_text() == "explorer"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reports"][0]["outputs"]["explorer"] == f"html/{site.EXPLORER_PAGE}"
    # an authority's commit leaves the programme's explorer alone
    ledger.commit(
        _result("leeds", "authority", "Leeds"), {"notebook": None, "html": str(staged(False)["html"])}
    )
    assert (out / "html" / site.EXPLORER_PAGE).is_file()
    entry = ledger.commit(_result("programme", "programme", "Programme report"), staged(False))
    assert "explorer" not in entry.outputs and not (out / "html" / site.EXPLORER_PAGE).exists()
    assert not [p.name for p in (out / "html").iterdir() if p.name.startswith(".")]
