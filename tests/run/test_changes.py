"""What changed since the previous build (lib.run.changes): each build records its
reports' figures and verdicts; a page whose results moved says what changed
(old -> new), the index lists it, and the note is part of the page's cache key
(the same record and data give the same bytes)."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest
from test_batch import AUTHORITY_NB, PROGRAMME_NB
from test_index import _named_run

from lib.run import batch, changes, chrome, index, site

ARROW = "\u2192"


def test_first_build_records_and_gives_no_note(tmp_path):
    notes = changes.plan_changes(tmp_path, {"leeds": {"Evidence items": "3 of 12"}}, "v1")
    assert notes == {"leeds": []}
    record = json.loads((tmp_path / changes.RECORD).read_text())
    assert record["reports"]["leeds"]["results"] == {"Evidence items": "3 of 12"}


def test_changed_results_give_old_to_new_and_the_note_stays_until_the_next_change(tmp_path):
    changes.plan_changes(tmp_path, {"p": {"A": "1", "B": "x", "C": "gone soon"}}, "v1")
    notes = changes.plan_changes(tmp_path, {"p": {"A": "2", "B": "x", "D": "new"}}, "v2")
    assert [c.line for c in notes["p"]] == [
        f"A: 1 {ARROW} 2",
        f"D: not shown {ARROW} new",
        f"C: gone soon {ARROW} no longer shown",
    ]
    # re-read after the correction: the same results, the same note (what moved last time)
    again = changes.plan_changes(tmp_path, {"p": {"A": "2", "B": "x", "D": "new"}}, "v2")
    assert again == notes
    record = json.loads((tmp_path / changes.RECORD).read_text())["reports"]["p"]
    assert record["since"] == "v1" and record["data_version"] == "v2"
    # the next change replaces the note
    third = changes.plan_changes(tmp_path, {"p": {"A": "3", "B": "x", "D": "new"}}, "v3")
    assert [c.line for c in third["p"]] == [f"A: 2 {ARROW} 3"]


def test_a_report_not_in_the_run_keeps_its_record(tmp_path):
    changes.plan_changes(tmp_path, {"p": {"A": "1"}, "leeds": {"E": "1"}}, "v1")
    changes.plan_changes(tmp_path, {"leeds": {"E": "2"}}, "v2")
    record = json.loads((tmp_path / changes.RECORD).read_text())["reports"]
    assert record["p"]["results"] == {"A": "1"} and record["leeds"]["results"] == {"E": "2"}


def test_unreadable_record_is_a_first_build(tmp_path):
    (tmp_path / changes.RECORD).write_text("{not json")
    assert changes.plan_changes(tmp_path, {"p": {"A": "1"}}, "v1") == {"p": []}


def test_note_lists_at_most_the_limit():
    many = [changes.Change(f"k{i}", "0", "1") for i in range(changes.NOTE_LIMIT + 3)]
    lines = changes.note_lines(many)
    assert len(lines) == changes.NOTE_LIMIT + 1 and lines[-1] == "and 3 more"


def test_page_note_and_index_list(tmp_path):
    body = str(
        chrome.Chrome(changes=(f"Evidence items: 3 {ARROW} 4",)).body("<div><h1>Leeds</h1></div><h2>A</h2>")
    )
    assert re.search(r'<aside class="what-changed"[^>]*>.*Evidence items: 3 \u2192 4', body, re.S)
    assert body.index("<h1>") < body.index("what-changed") < body.index("page-toc")
    assert "what-changed" not in str(chrome.Chrome().body("<div><h1>Leeds</h1></div>"))
    page = index.render_index(_named_run({}), changes={"leeds": [f"Evidence items: 3 {ARROW} 4"]})
    section = page.split('<h2 id="what-changed">', 1)[1].split("</ul>", 1)[0]
    assert '<a href="leeds.html">Leeds</a>: Evidence items: 3 \u2192 4' in section
    assert "Kent" not in section
    assert 'id="what-changed"' not in index.render_index(_named_run({}))


def _evidence_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.notebook
@pytest.mark.timeout(600)
def test_a_corrected_table_gives_a_note_on_that_page_and_the_index(evaluation_build, tmp_path):
    """Real processed tables, stand-in notebooks: a correction to one authority's evidence
    row changes its coverage; its page and the index say so; a re-run reuses every page."""
    processed = tmp_path / "processed"
    shutil.copytree(evaluation_build.processed, processed)
    out = tmp_path / "out"
    kw = dict(output_dir=out, processed_dir=processed, timeout=180, workers=2,
              programme_notebook=PROGRAMME_NB, authority_notebook=AUTHORITY_NB)  # fmt: skip
    first = batch.run_batch(["leeds", "barnet"], **kw)
    assert first.exit_code == 0 and not any(r.changes for r in first.results)
    before = index.authority_summaries(processed)["leeds"].coverage.text

    rows = _evidence_rows(processed / "evidence.csv")
    lost = next(r for r in rows if r["status"] == "unrecorded")
    row = next(
        r
        for r in rows
        if r["authority_id"] == "leeds" and r["status"] != "unrecorded" and r["inferred"] == "no"
    )
    row.update(
        status="unrecorded", raw_code="", inferred="no", basis=lost["basis"]
    )  # a mark found to be lost
    with open(processed / "evidence.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    after = index.authority_summaries(processed)["leeds"].coverage.text
    assert before != after

    second = batch.run_batch(["leeds", "barnet"], **kw)
    by_id = {r.id: r for r in second.results}
    line = f"Evidence items: {before} {ARROW} {after}"
    assert by_id["leeds"].changes == [line] and by_id["barnet"].changes == []
    page = (out / "html" / "leeds.html").read_text(encoding="utf-8")
    assert "What changed since the previous build" in page and line in page
    assert "What changed since the previous build" not in (out / "html" / "barnet.html").read_text()
    listed = (
        (out / "html" / "index.html").read_text().split('<h2 id="what-changed">', 1)[1].split("</ul>", 1)[0]
    )
    assert "leeds.html" in listed and "barnet.html" not in listed
    manifest = {r["id"]: r for r in json.loads((out / "manifest.json").read_text())["reports"]}
    assert manifest["leeds"]["changes"] == [line]

    # the same data and record: every page reused, the same bytes, the note still shown
    third = batch.run_batch(["leeds", "barnet"], **kw)
    assert all(r.cached for r in third.results)
    assert (out / "html" / "leeds.html").read_text(encoding="utf-8") == page
    assert (
        site.page_name("leeds") in (out / "html" / "index.html").read_text().split('id="what-changed"', 1)[1]
    )
