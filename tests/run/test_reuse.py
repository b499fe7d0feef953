"""What a batch reuses instead of redoing, and when it must not (lib.run.rendered_pages,
lib.run.side_files, the pool's background work).

The references: a reused page is the page rendering gives; any change to what a page is
rendered from (its cells, title, chrome, the code key) renders it again; a forced rebuild
renders everything; the side files' record gives the index exactly what the rebuild gave it.
"""

from __future__ import annotations

import json
import threading
import time
import types
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from lib.run import pool, rendered_pages, side_files
from lib.run.chrome import Chrome
from lib.run.index import Summary


def notebook(text: str = "hello"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text, id="cell-1")]  # ids as make_reproducible leaves them
    return nb


def job(tmp_path: Path, **kw) -> dict:
    return {"html_out": str(tmp_path / "out" / "html" / "programme.html"), "render_key": "code-1", **kw}


def test_a_page_rendered_from_the_same_inputs_is_kept_and_anything_else_renders(tmp_path):
    j, nb, chrome = job(tmp_path), notebook(), Chrome(version="1")
    page = tmp_path / "page.html"
    page.write_bytes(b"<html>rendered</html>")

    def lookup(j, *inputs):
        return rendered_pages.lookup(j, rendered_pages.page_key(j, *inputs))

    assert lookup(j, nb, "Title", chrome) is None
    rendered_pages.keep(j, rendered_pages.page_key(j, nb, "Title", chrome), page)
    assert lookup(j, notebook(), "Title", Chrome(version="1")) == b"<html>rendered</html>"
    rebuilt = notebook()
    rebuilt.metadata["workbook"] = {"built_at": "2026-12-04T10:00:00Z"}  # a later build of the same cells
    nb.metadata["workbook"] = {"built_at": "2026-12-04T09:00:00Z"}
    assert rendered_pages.page_key(j, nb, "Title", chrome) == rendered_pages.page_key(
        j, rebuilt, "Title", chrome
    )
    rebuilt.metadata["title"] = "Another"  # any other metadata is an input
    assert rendered_pages.page_key(j, nb, "Title", chrome) != rendered_pages.page_key(
        j, rebuilt, "Title", chrome
    )
    others = [
        (j, notebook("hello, edited"), "Title", chrome),  # one cell
        (j, nb, "Another title", chrome),
        (j, nb, "Title", Chrome(version="1", changes=("Key finding 1: a -> b",))),  # the what-changed note
        (j, nb, "Title", Chrome(version="1", synthetic=True)),
        (job(tmp_path, render_key="code-2"), nb, "Title", chrome),  # the code or the environment
        (job(tmp_path, keep_code=True), nb, "Title", chrome),
        (job(tmp_path, node_modules="/elsewhere/node_modules"), nb, "Title", chrome),  # the inlined assets
        (job(tmp_path, force=True), nb, "Title", chrome),  # --force renders every page
    ]
    for args in others:
        assert lookup(*args) is None, args[1:]
    assert rendered_pages.page_key(job(tmp_path, render_key=None), nb, "Title", chrome) is None


def test_kept_pages_stay_under_their_byte_budget_most_recent_first(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(4):
        path = folder / f"{i}.html"
        path.write_bytes(b"x" * 100)
        import os

        os.utime(path, (1000 + i, 1000 + i))
    rendered_pages.prune_pages(folder, keep_bytes=250)
    assert sorted(p.name for p in folder.iterdir()) == ["2.html", "3.html"]


class FakeLedger:
    def __init__(self, out: Path):
        self.out, self.pdir, self.data_version = out, out / "processed", "v1"
        self.pdir.mkdir(parents=True, exist_ok=True)
        self.dq_href = self.caveats_href = self.glossary_href = None
        self.brief, self.downloads, self.summaries, self.synthetic = {}, [], {}, False
        self.built = 0

    def write_side_files(self, html_dir: Path) -> None:
        self.built += 1
        (html_dir / "glossary.html").write_text(f"glossary {self.built}", encoding="utf-8")
        (html_dir / "downloads").mkdir(exist_ok=True)
        (html_dir / "downloads" / "a.csv").write_text("a\n1\n", encoding="utf-8")
        self.glossary_href = "glossary.html"
        self.downloads = [types.SimpleNamespace(href="downloads/a.csv", label="A", kind="csv", rows=1)]
        self.synthetic = True
        coverage = types.SimpleNamespace(text="3 of 12 with a status: 3 recorded, 0 inferred")
        self.summaries = {"leeds": Summary("Took part in 2011-12", coverage), "kent": Summary("x", None)}


def test_side_files_record_gives_the_index_what_the_rebuild_gave_it(tmp_path):
    html, logs = tmp_path / "html", tmp_path / "logs"
    html.mkdir()
    logs.mkdir()
    code = {"lib": "1"}
    built = FakeLedger(tmp_path)
    assert not side_files.side_files_current(built, html, logs, code)  # nothing recorded yet
    side_files.rebuild(built, html, logs, code)
    again = FakeLedger(tmp_path)
    assert side_files.side_files_current(again, html, logs, code)  # unchanged: nothing to rebuild
    assert again.built == 0
    assert (again.glossary_href, again.synthetic) == ("glossary.html", True)
    assert [vars(d) for d in again.downloads] == [vars(d) for d in built.downloads]
    assert {a: (s.line, s.coverage.text if s.coverage else None) for a, s in again.summaries.items()} == {
        "leeds": ("Took part in 2011-12", "3 of 12 with a status: 3 recorded, 0 inferred"),
        "kent": ("x", None),
    }
    # new data: due again, and until the rebuild the index links the last run's files, still on disk
    newer = FakeLedger(tmp_path)
    newer.data_version = "v2"
    assert not side_files.side_files_current(newer, html, logs, code)
    assert newer.glossary_href == "glossary.html" and newer.summaries.keys() == {"leeds", "kent"}
    # a recorded file that is gone is not linked, and makes the side files due
    (html / "downloads" / "a.csv").unlink()
    gone = FakeLedger(tmp_path)
    assert not side_files.side_files_current(gone, html, logs, code)
    assert gone.downloads == []
    record = json.loads((logs / side_files.RECORD).read_text())
    assert record["synthetic"] is True and "leeds" in record["summaries"]


def _sleep(job: dict) -> dict:
    time.sleep(job["s"])
    return {"id": job["id"], "pid": __import__("os").getpid()}


@pytest.mark.timeout(120)
def test_background_work_runs_once_while_the_first_jobs_run():
    """The batch's side files are written in the batch process while the workers run the reports."""
    seen: list[tuple[str, float]] = []
    t0 = time.perf_counter()

    def background():
        seen.append(("background", time.perf_counter() - t0))
        time.sleep(1.0)

    def record(job, raw):
        seen.append((job["id"], time.perf_counter() - t0))

    jobs = [{"id": "a", "s": 1.5}, {"id": "b", "s": 0.2}]
    ctx = pool.fork_context()
    pool.run_local(
        jobs,
        workers=2,
        initargs=(),
        record=record,
        ctx=ctx,
        executor_class=_Plain,
        task=_sleep,
        background=background,
    )
    names = [n for n, _ in seen]
    assert names.count("background") == 1 and set(names) == {"a", "b", "background"}
    started = dict(seen)["background"]
    assert started < 1.0  # not after the first job finished
    assert time.perf_counter() - t0 < 1.5 + 1.0 + 1.0  # overlapped, not one after the other
    assert threading.active_count() >= 1


class _Plain(ProcessPoolExecutor):
    """A pool without the batch's worker initializer."""

    def __init__(self, max_workers, mp_context, initializer=None, initargs=()):
        super().__init__(max_workers=max_workers, mp_context=mp_context)
