"""``python -m lib.programme new DIR``: a minimal programme that builds and renders as it stands,
through the commands README.md's "Evaluate your own programme" gives, in a subprocess each."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from _cli import run_module

from lib import programme
from lib.programme.model import OPTIONAL_TABLES, SURVEY_TABLES
from lib.sources.registry import RAW_TABLES

_run = run_module


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scaffold") / "my-programme"
    done = _run("lib.programme", "new", str(folder))
    assert done.returncode == 0, done.stderr
    assert f"python -m lib.evaluation build --programme {folder}" in done.stdout
    return folder


def test_it_writes_a_programme_folder_with_templates_for_every_optional_table(scaffold):
    assert (scaffold / "definition.yaml").is_file() and (scaffold / "plan.yaml").is_file()
    assert (scaffold / "notes" / "caveats.md").is_file()
    raw = sorted(p.name for p in (scaffold / "raw").iterdir())
    listed = programme.load_programme(
        scaffold
    ).optional_tables  # its evidence sources: the matrix, the survey
    assert listed == ("evidence_matrix.csv", *SURVEY_TABLES)
    assert raw == sorted({*(set(RAW_TABLES) - set(OPTIONAL_TABLES)), *listed})  # with examples
    templates = sorted(p.name for p in (scaffold / "templates").iterdir())
    assert templates == sorted(set(OPTIONAL_TABLES) - set(listed))
    for name in templates:  # header only, exactly the raw contract's columns (in any order)
        with open(scaffold / "templates" / name, encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert len(rows) == 1 and sorted(rows[0]) == sorted(RAW_TABLES[name].columns), name


def test_it_refuses_a_folder_that_is_not_empty_in_one_line(scaffold):
    done = _run("lib.programme", "new", str(scaffold))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == f"error: {scaffold}: expected a new or empty folder (nothing was written)\n"


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_it_checks_builds_and_renders_as_it_stands(scaffold):
    done = _run("lib.programme", "check", str(scaffold))
    assert done.returncode == 0, done.stderr
    assert "Example programme: 3 authorities, 2 evidence items, 3 survey questions" in done.stdout
    outputs = scaffold.parent / "outputs"
    done = _run("lib.evaluation", "build", "--programme", str(scaffold), "--outputs-dir", str(outputs))
    assert done.returncode == 0, done.stderr
    assert (scaffold / "processed" / "authorities.csv").is_file()
    site = scaffold.parent / "site"
    args = [
        "lib.run",
        "--programme",
        str(scaffold),
        "--output-dir",
        str(site),
        "--timeout",
        "300",
        "--fork-kernels",
        "-q",
    ]
    done = _run(*args, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["status"] for r in manifest["reports"]} == {
        "programme": "ok",
        "northfield": "ok",
        "eastbrook": "ok",
        "westmere": "ok",
    }
    caveats = (site / "html" / "caveats.html").read_text(encoding="utf-8")
    assert "Example survey" in caveats and "Leeds" not in caveats  # its own notes
    programme_page = (site / "html" / "programme.html").read_text(encoding="utf-8")
    assert "Example programme" in programme_page
    assert "sources report no key performance measures." in programme_page  # a table it lacks
