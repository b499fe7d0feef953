"""Incremental runs (lib.run.cache): a report re-runs exactly when something it reads changed.

The fixture sequence runs the stand-in notebooks on a small processed folder
(three authorities, a per-authority table and a programme-wide one) and checks
after each change which reports were rebuilt and which were reused. The real
pipeline test edits one authority's profile text in a copy of data/raw,
rebuilds the processed tables and checks that exactly that authority's report
and the programme report re-run. The declaration test checks
``OWN_ROWS_TABLES`` against the report code itself.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_batch import AUTHORITY_NB, FIXTURES, PROGRAMME_NB, ROOT

from lib.run import batch, cache

ROWS = [("leeds", "Leeds", "0"), ("barnet", "Barnet", "0"), ("kent", "Kent", "0")]


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def nb_bytes(out: Path, rid: str) -> bytes:
    return (out / "notebooks" / f"{rid}.ipynb").read_bytes()


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def make_processed(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    write_csv(path / "authorities.csv", ["authority_id", "authority", "fixture_fail"], ROWS)
    write_csv(path / "kpis.csv", ["kpi", "value"], [("a", "1")])
    write_csv(
        path / "profiles.csv",
        ["authority_id", "question", "text"],
        [(a, "attracted", f"{name} text") for a, name, _ in ROWS] + [("", "note", "every authority")],
    )
    return path


def run(processed: Path, out: Path, root: Path = ROOT, **kw):
    return batch.run_batch(
        output_dir=out,
        processed_dir=processed,
        workers=2,
        project_root=root,
        programme_notebook=PROGRAMME_NB,
        authority_notebook=AUTHORITY_NB,
        **kw,
    )


def rebuilt(result) -> set[str]:
    assert result.exit_code == 0, [(r.id, r.error) for r in result.failed]
    return {r.id for r in result.results if not r.cached}


def manifest(out: Path) -> dict:
    return {r["id"]: r for r in json.loads((out / "manifest.json").read_text())["reports"]}


def test_row_fingerprints_follow_one_authority(tmp_path):
    p = make_processed(tmp_path / "p")
    ids = [a for a, _, _ in ROWS]
    before = cache.fingerprint_data(p, ids, {"profiles"})
    rows = read_rows(p / "profiles.csv")
    rows[1][2] = "Leeds text, edited"
    write_csv(p / "profiles.csv", rows[0], [tuple(r) for r in rows[1:]])
    after = cache.fingerprint_data(p, ids, {"profiles"})
    assert after.data_version != before.data_version
    changed = {
        a for a in ids if after.for_authority(a, {"profiles"}) != before.for_authority(a, {"profiles"})
    }
    assert changed == {"leeds"}
    # a row no authority owns is read by all of them
    rows[-1][2] = "every authority, edited"
    write_csv(p / "profiles.csv", rows[0], [tuple(r) for r in rows[1:]])
    shared = cache.fingerprint_data(p, ids, {"profiles"})
    assert all(shared.for_authority(a, {"profiles"}) != after.for_authority(a, {"profiles"}) for a in ids)
    # a table that is not declared own-rows enters every key whole
    assert after.for_authority("kent", ())["profiles.csv"] != before.for_authority("kent", ())["profiles.csv"]


@pytest.mark.notebook
def test_incremental_sequence(tmp_path):
    root = tmp_path / "root"  # a project root whose lib/ we may edit (only hashed: kernels import ours)
    shutil.copytree(ROOT / "lib", root / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    for rel in (cache.LOCK_FILE, cache.ASSET_PINS):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, root / rel)
    processed, out = make_processed(tmp_path / "processed"), tmp_path / "out"
    everything = {"programme", "leeds", "barnet", "kent"}

    assert rebuilt(run(processed, out, root)) == everything
    first = manifest(out)
    assert all(r["output_sha256"].keys() == {"notebook", "html"} for r in first.values())
    assert first["leeds"]["timings"]["kernel_start_s"] > 0 and "imports_load_s" in first["leeds"]["timings"]

    # nothing changed: nothing runs; every entry says cached, with its first build time
    result = run(processed, out, root)
    assert rebuilt(result) == set()
    again = manifest(out)
    assert all(r["cached"] for r in again.values())
    assert {i: r["finished_at"] for i, r in again.items()} == {i: r["finished_at"] for i, r in first.items()}
    index = (out / "index.html").read_text()
    assert (
        index.count('<td class="status-cached">OK (cached: inputs unchanged)') == 4
    )  # one per row (the filter lists it once more)
    assert json.loads((out / "manifest.json").read_text())["run"]["reused"] == 4

    # one authority's rows of a per-authority table: that authority and the programme
    rows = read_rows(processed / "profiles.csv")
    rows[1][2] = "Leeds text, edited"
    write_csv(processed / "profiles.csv", rows[0], [tuple(r) for r in rows[1:]])
    assert rebuilt(run(processed, out, root)) == {"leeds", "programme"}
    assert "OK (cached" not in re.search(
        r'<tr[^>]*>\s*<th scope="row"><a href="html/leeds.html">.*?</tr>',
        (out / "index.html").read_text(),
        re.S,
    ).group(0)

    # a programme-wide table (no authority column): every report
    write_csv(processed / "kpis.csv", ["kpi", "value"], [("a", "2")])
    assert rebuilt(run(processed, out, root)) == everything

    # a changed lib/ file: every report
    with open(root / "lib" / "config.py", "a", encoding="utf-8") as fh:
        fh.write("\n# edited\n")
    assert rebuilt(run(processed, out, root)) == everything

    # a deleted page, an edited notebook: those reports only
    (out / "html" / "barnet.html").unlink()
    with open(out / "notebooks" / "kent.ipynb", "a", encoding="utf-8") as fh:
        fh.write(" ")
    assert rebuilt(run(processed, out, root)) == {"barnet", "kent"}

    # a changed setting recorded in the manifest: every report
    assert rebuilt(run(processed, out, root, disclosure_threshold=11)) == everything

    # --force: every report, whatever the cache says
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.run",
            "--processed-dir",
            str(processed),
            "--output-dir",
            str(out),
            "--programme-notebook",
            str(PROGRAMME_NB),
            "--authority-notebook",
            str(AUTHORITY_NB),
            "--quiet",
            "--force",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "EVAL_DISCLOSURE_THRESHOLD": "11"},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "(0 cached: inputs unchanged)" in proc.stdout
    assert not any(r["cached"] for r in manifest(out).values())


def _notebook_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", [])
    ]


def _run_in_process(cells: list[str], params: dict) -> list[str]:
    """The cells of a notebook run in this process; the HTML each cell displays."""
    ns = dict(params)
    shown = []
    for src in cells:
        tree = ast.parse(src)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<cell>", "exec"), ns)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns)
            shown.append(value._repr_html_() if hasattr(value, "_repr_html_") else repr(value))
    return shown


def test_own_rows_declaration_matches_the_authority_report(evaluation_build, tmp_path):
    """Changing every other authority's rows of each table declared own-rows
    leaves an authority's report unchanged: the declaration is not hiding a
    cross-authority read (if it fails, remove the table from OWN_ROWS_TABLES)."""
    import pandas as pd

    processed = evaluation_build.processed
    cells = _notebook_cells(ROOT / "notebooks" / "authority_report.ipynb")
    target = "leeds"
    before = _run_in_process(cells, {"processed_dir": str(processed), "authority_id": target})
    edited = tmp_path / "processed"
    shutil.copytree(processed, edited)
    touched = []
    for table in sorted(cache.OWN_ROWS_TABLES["authority"]):
        path = edited / f"{table}.csv"
        if not path.is_file():
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        others = (df["authority_id"] != target) & (df["authority_id"] != "")
        free_text = [c for c in ("text", "quote", "statement") if c in df.columns]
        for c in free_text[:1]:
            df.loc[others & (df[c] != ""), c] = df.loc[others & (df[c] != ""), c] + " (edited)"
        df.to_csv(path, index=False)
        touched.append((table, int(others.sum())))
    assert sum(n for _, n in touched) > 0, touched
    after = _run_in_process(cells, {"processed_dir": str(edited), "authority_id": target})
    assert after == before, f"the authority report read other authorities' rows of {touched}"


@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_editing_one_authoritys_raw_profile_reruns_it_and_the_programme_only(tmp_path):
    """The real pipeline: raw file -> processed tables -> reports."""
    from lib import evaluation

    raw, processed, out = tmp_path / "raw", tmp_path / "processed", tmp_path / "out"
    shutil.copytree(evaluation.RAW_DIR, raw)
    evaluation.build(raw, processed, tmp_path / "o")
    chosen = ["barnet", "leeds"]
    first = batch.run_batch(chosen, output_dir=out, processed_dir=processed, timeout=180, fork_kernels=True)
    assert rebuilt(first) == {"programme", "barnet", "leeds"}

    path = raw / "authority_profiles.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    row = next(r for r in rows if r["authority_as_printed"] == "Barnet" and r["text"].strip())
    row["text"] += " (edited)"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    evaluation.build(raw, processed, tmp_path / "o")
    pages_before = set((out / "cache" / "pages").iterdir())
    second = batch.run_batch(chosen, output_dir=out, processed_dir=processed, timeout=180, fork_kernels=True)
    assert rebuilt(second) == {"programme", "barnet"}
    assert "(edited)" in (out / "html" / "barnet.html").read_text(encoding="utf-8")
    # the programme's survey explorer came out of the same cells: kept, not rendered again
    new_pages = set((out / "cache" / "pages").iterdir()) - pages_before
    explorer = (out / "html" / "survey-explorer.html").read_bytes()
    assert len(new_pages) == 2 and all(p.read_bytes() != explorer for p in new_pages)
    index = (out / "index.html").read_text(encoding="utf-8")
    third = batch.run_batch(chosen, output_dir=out, processed_dir=processed, timeout=180, fork_kernels=True)
    assert third.results[0].cached
    # an unchanged re-run's index keeps the authorities' summaries and coverage (read from the record)
    summaries = re.compile(r'<td class="summary">[^<]*</td>\s*<td>[^<]*</td>')
    assert summaries.findall((out / "index.html").read_text(encoding="utf-8")) == summaries.findall(index)
    assert "with a status" in index
    # reused charts, pages and printed brief give the bytes a cold rebuild gives
    cold = tmp_path / "cold"
    batch.run_batch(
        chosen, output_dir=cold, processed_dir=processed, timeout=180, fork_kernels=True, force=True
    )
    for name in ("programme.html", "survey-explorer.html", "barnet.html", "brief.pdf", "brief.html"):
        if (out / "html" / name).exists() or (cold / "html" / name).exists():
            assert (out / "html" / name).read_bytes() == (cold / "html" / name).read_bytes(), name


@pytest.mark.notebook
def test_forked_kernels_give_the_same_bytes(tmp_path):
    """--fork-kernels (lib.run.zygote): same pages and notebooks as fresh interpreters,
    each report in its own kernel process, and the kernels are gone afterwards."""
    import psutil

    processed = make_processed(tmp_path / "processed")
    kw = dict(
        processed_dir=processed,
        workers=2,
        programme_notebook=FIXTURES / "widgets.ipynb",
        authority_notebook=AUTHORITY_NB,
    )
    plain = batch.run_batch(output_dir=tmp_path / "plain", **kw)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    forked = batch.run_batch(output_dir=tmp_path / "forked", fork_kernels=True, **kw)
    assert rebuilt(plain) == rebuilt(forked) == {"programme", "leeds", "barnet", "kent"}
    for rid in ("programme", "leeds", "barnet", "kent"):
        pages = [(tmp_path / d / "html" / f"{rid}.html").read_bytes() for d in ("plain", "forked")]
        assert pages[0] == pages[1], rid
        nbs = [re.sub(rb'"built_at": "[^"]*"', b"", nb_bytes(tmp_path / d, rid)) for d in ("plain", "forked")]
        assert nbs[0] == nbs[1], rid
    m = json.loads((tmp_path / "forked" / "manifest.json").read_text())
    assert m["run"]["executor"] == "local, kernels forked from a warm process"
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before  # no zygote or kernel left
