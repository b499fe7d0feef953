"""Free text from the sources (and later, users' data) reaches HTML escaped.

Markup is injected into a copy of the processed tables (an authority's profile
answer and its display name) and into a papermill parameter (the processed
folder's path), the authority's report is run through the real batch runner,
and the raw HTML and the page in Chromium are checked: the markup shows as
text and never becomes elements, scripts or dialogs. Unknown authority ids
carrying markup are refused before any kernel starts. The HTML helpers of
:mod:`lib.charts` are unit-tested with the same payload.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from lib.run import batch
from lib.report import html as charts

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = "<script>alert('xss')</script><b>bold</b>"
# A papermill parameter: the processed folder's name. A directory name cannot
# hold '/', so this payload is a tag that would fire a dialog if ever live.
PARAM_PAYLOAD = "<img src=x onerror=alert('param')>"
AUTHORITY = "leeds"
PROFILE_QUESTION = "what_attracted"

from _chromium import CHROMIUM, NO_CHROMIUM, launch


class Elements(HTMLParser):
    """Every element (tag, attrs, text inside it) of an HTML document or fragment."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(el)
        if tag not in self.VOID:
            self._open.append(el)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for el in self._open:
            el["text"] += data

    def tags(self) -> set[str]:
        return {e["tag"] for e in self.elements}

    def first(self, tag: str) -> dict | None:
        return next((e for e in self.elements if e["tag"] == tag), None)


def _assert_not_live(markup: str, where: str) -> None:
    """No element, script or handler made from the payloads."""
    assert PAYLOAD not in markup, f"{where}: the payload appears unescaped"
    assert "<b>bold</b>" not in markup, f"{where}: <b>bold</b> appears unescaped"
    assert PARAM_PAYLOAD not in markup, f"{where}: the parameter payload appears unescaped"
    doc = Elements(markup)
    scripts = [
        e for e in doc.elements if e["tag"] == "script" and "alert(" in e["text"] and "xss" in e["text"]
    ]
    assert not scripts, f"{where}: a <script> element runs the payload"
    bolds = [e for e in doc.elements if e["tag"] == "b" and e["text"].strip() == "bold"]
    assert not bolds, f"{where}: a live <b>bold</b> element"
    handlers = [
        e
        for e in doc.elements
        if any(k.startswith("on") and "param" in (v or "") for k, v in e["attrs"].items())
    ]
    assert not handlers, f"{where}: an element with the injected event handler: {handlers}"


# ---------------------------------------------------------------------------
# Unit tests: the HTML helpers escape what they are given
# ---------------------------------------------------------------------------


def test_table_html_escapes_caption_headers_cells_and_class():
    frame = pd.DataFrame({PAYLOAD: [PAYLOAD, "plain"], "Value": ["1", PAYLOAD]})
    out = str(charts.table_html(frame, PAYLOAD, css_class='x" onclick="alert(1)'))
    _assert_not_live(out, "table_html")
    doc = Elements(out)
    assert doc.tags() == {"table", "caption", "thead", "tbody", "tr", "th", "td"}
    table = doc.first("table")
    assert set(table["attrs"]) == {"class"}, table["attrs"]
    assert doc.first("caption")["text"] == PAYLOAD
    col_heads = [e["text"] for e in doc.elements if e["tag"] == "th" and e["attrs"].get("scope") == "col"]
    row_heads = [e["text"] for e in doc.elements if e["tag"] == "th" and e["attrs"].get("scope") == "row"]
    cells = [e["text"] for e in doc.elements if e["tag"] == "td"]
    assert col_heads == [PAYLOAD, "Value"]
    assert row_heads == [PAYLOAD, "plain"]
    assert cells == ["1", PAYLOAD]


def test_quote_block_escapes_text_bullets_and_cite():
    text = f"{PAYLOAD} first line\ncontinued\n\n• {PAYLOAD} as a bullet\n- second bullet"
    out = str(charts.quote_block(text, cite=PAYLOAD))
    _assert_not_live(out, "quote_block")
    doc = Elements(out)
    assert doc.tags() == {"blockquote", "p", "ul", "li", "footer"}
    assert [e["text"] for e in doc.elements if e["tag"] == "p"] == [f"{PAYLOAD} first line continued"]
    assert [e["text"] for e in doc.elements if e["tag"] == "li"] == [
        f"{PAYLOAD} as a bullet",
        "second bullet",
    ]
    assert doc.first("footer")["text"] == PAYLOAD


@pytest.mark.parametrize(
    "make, tag",
    [
        (lambda t: charts.paragraph(t, t), "p"),
        (lambda t: charts.bullets([t]), "li"),
        (lambda t: charts.heading(t, 2, anchor=t), "h2"),
        (lambda t: charts.note(t), "p"),
    ],
    ids=["paragraph", "bullets", "heading", "note"],
)
def test_other_text_helpers_escape(make, tag):
    out = str(make(PAYLOAD))
    _assert_not_live(out, tag)
    el = Elements(out).first(tag)
    assert PAYLOAD in el["text"]


def test_figure_html_escapes_title_subtitle_alt_and_table():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    from lib.report import charts as figures

    chart = figures.Chart(
        title=PAYLOAD,
        subtitle=PAYLOAD,
        alt=PAYLOAD + '" onerror="alert(1)',
        table=pd.DataFrame({"A": [PAYLOAD]}),
        table_caption=PAYLOAD,
    )
    out = str(figures.figure_html(fig, chart))
    _assert_not_live(out, "figure_html")
    doc = Elements(out)
    img = doc.first("img")
    assert img["attrs"]["alt"] == PAYLOAD + '" onerror="alert(1)'
    assert not any(k.startswith("on") for k in img["attrs"]), img["attrs"].keys()
    assert doc.first("figcaption")["text"] == PAYLOAD + '" onerror="alert(1)'


# ---------------------------------------------------------------------------
# Unknown or malformed authority ids: refused before any kernel starts
# ---------------------------------------------------------------------------


@pytest.fixture
def no_kernels(monkeypatch):
    """Fail loudly if the batch gets as far as starting workers or kernels."""

    def boom(*args, **kwargs):
        raise AssertionError("the batch started workers/kernels for an invalid request")

    monkeypatch.setattr(batch, "ProcessPoolExecutor", boom)
    monkeypatch.setattr(batch, "execute_report", boom)


def test_unknown_authority_with_markup_is_rejected_before_any_kernel(evaluation_build, tmp_path, no_kernels):
    out = tmp_path / "out"
    with pytest.raises(batch.BatchError) as info:
        batch.run_batch(
            ["<script>"], include_programme=False, output_dir=out, processed_dir=evaluation_build.processed
        )
    message = str(info.value)
    assert "\n" not in message and message.startswith("unknown authority '<script>'"), message
    assert AUTHORITY in message  # the valid ids are listed
    assert not out.exists(), "nothing may be written for an invalid request"


@pytest.mark.slow
def test_unknown_authority_cli_exits_2_with_one_line(evaluation_build, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.batch",
            "--authorities",
            PAYLOAD,
            "--no-programme",
            "--quiet",
            "--processed-dir",
            str(evaluation_build.processed),
            "--output-dir",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown authority"), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not out.exists()


def test_markup_in_an_authority_id_in_the_data_is_rejected(evaluation_build, tmp_path, no_kernels):
    processed = tmp_path / "processed"
    shutil.copytree(evaluation_build.processed, processed)
    _rewrite_csv(
        processed / "authorities.csv", lambda r: r["authority_id"] == AUTHORITY, {"authority_id": "<script>"}
    )
    with pytest.raises(batch.BatchError) as info:
        batch.run_batch(
            ["<script>"], include_programme=False, output_dir=tmp_path / "out", processed_dir=processed
        )
    message = str(info.value)
    assert "\n" not in message and "invalid authority id '<script>'" in message, message
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# A real report built from tampered data
# ---------------------------------------------------------------------------


def _rewrite_csv(path: Path, where, changes: dict[str, str]) -> int:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
        rows = list(reader)
    hits = 0
    for row in rows:
        if where(row):
            row.update(changes)
            hits += 1
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return hits


@pytest.fixture(scope="module")
def tampered(evaluation_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("escaping")
    processed = root / f"processed {PARAM_PAYLOAD}"
    shutil.copytree(evaluation_build.processed, processed)
    n = _rewrite_csv(
        processed / "profiles.csv",
        lambda r: r["authority_id"] == AUTHORITY and r["question"] == PROFILE_QUESTION,
        {"text": PAYLOAD},
    )
    assert n == 1, f"expected one {AUTHORITY}/{PROFILE_QUESTION} profile row, found {n}"
    n = _rewrite_csv(
        processed / "authorities.csv", lambda r: r["authority_id"] == AUTHORITY, {"authority": PAYLOAD}
    )
    assert n == 1
    out = root / "out"
    result = batch.run_batch(
        [AUTHORITY], include_programme=False, output_dir=out, processed_dir=processed, timeout=180
    )
    (report,) = result.results
    assert report.ok, f"the tampered report failed: {report.error}"
    assert report.parameters["processed_dir"].endswith(PARAM_PAYLOAD)  # the parameter carried the payload
    return {
        "result": result,
        "out": out,
        "report": out / "html" / f"{AUTHORITY}.html",
        "indexes": [out / "html" / "index.html", out / "index.html"],
    }


@pytest.mark.notebook
def test_report_html_escapes_injected_text(tampered):
    page = tampered["report"].read_text(encoding="utf-8")
    _assert_not_live(page, "report")
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and "&lt;script&gt;" in title.group(1) and "<" not in title.group(1), title
    body = page[page.index("<body") :]
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    assert h1 and "&lt;script&gt;alert(" in h1.group(1) and "<script" not in h1.group(1), h1
    # The profile answer (a) is quoted in a blockquote, as text.
    doc = Elements(body)
    quotes = [e["text"] for e in doc.elements if e["tag"] == "blockquote"]
    assert any(q.startswith(PAYLOAD) for q in quotes), "the tampered profile answer is not quoted"
    assert body.count("&lt;script&gt;") >= 3  # h1, quoted answer, sentences naming the authority


@pytest.mark.notebook
def test_index_html_escapes_injected_name(tampered):
    for index in tampered["indexes"]:
        page = index.read_text(encoding="utf-8")
        _assert_not_live(page, index.name)
        link = next(
            (
                e
                for e in Elements(page).elements
                if e["tag"] == "a" and e["attrs"].get("href", "").endswith(f"{AUTHORITY}.html")
            ),
            None,
        )
        assert link is not None and link["text"] == PAYLOAD, link
        assert "&lt;script&gt;" in page


@pytest.mark.notebook
def test_manifest_keeps_the_plain_values(tampered):
    import json

    manifest = json.loads((tampered["out"] / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["reports"]
    assert entry["display_name"] == PAYLOAD  # escaping happens in HTML, data stays as given
    assert entry["parameters"]["processed_dir"].endswith(PARAM_PAYLOAD)


@pytest.mark.notebook
@pytest.mark.browser
def test_injected_markup_is_inert_in_chromium(tampered):
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context()
            outside: list[str] = []

            def route(r):
                if r.request.url.startswith(("file:", "data:")):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort("blockedbyclient")

            context.route("**/*", route)
            for path in [tampered["report"], *tampered["indexes"]]:
                page = context.new_page()
                dialogs, errors = [], []

                def on_dialog(d, dialogs=dialogs):
                    dialogs.append(d.message)
                    d.dismiss()

                page.on("dialog", on_dialog)
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(path.as_uri(), wait_until="load")
                page.wait_for_timeout(300)
                where = path.relative_to(tampered["out"])
                assert dialogs == [], f"{where}: a dialog fired: {dialogs}"
                assert errors == [], f"{where}: page errors: {errors}"
                live_bold = page.evaluate(
                    "() => Array.from(document.body.querySelectorAll('b'))"
                    ".filter(b => b.textContent.trim() === 'bold').length"
                )
                assert live_bold == 0, f"{where}: a live <b>bold</b> element"
                live_script = page.evaluate(
                    "() => Array.from(document.scripts).filter(s => s.text.includes(\"alert('xss')\")).length"
                )
                assert live_script == 0, f"{where}: a live <script> with the payload"
                handlers = page.evaluate("() => document.querySelectorAll('[onerror]').length")
                assert handlers == 0, f"{where}: an element with an onerror handler"
                assert PAYLOAD in page.evaluate("() => document.body.innerText"), where
                if path == tampered["report"]:
                    assert PAYLOAD in page.title()
                    h1 = page.locator("h1")
                    assert h1.count() == 1 and h1.is_visible() and PAYLOAD in h1.inner_text()
                    quote = page.locator("blockquote p", has_text=PAYLOAD).first
                    assert quote.is_visible() and quote.inner_text().strip() == PAYLOAD
                else:
                    link = page.locator(f'a[href$="{AUTHORITY}.html"]')
                    assert link.is_visible() and link.inner_text().strip() == PAYLOAD
                page.close()
            assert outside == [], f"requests to outside hosts: {outside}"
            context.close()
        finally:
            browser.close()


def test_table_cells_let_long_runs_wrap_without_unescaping():
    """Long runs without spaces get <wbr> after each '_' (print and narrow
    screens wrap them); short words and the escaping are untouched."""
    frame = pd.DataFrame({"a": ["extend_service_reach <b>x</b>"], "b": ["with_parts_<i>_and_more"]})
    out = str(charts.table_html(frame, "c"))
    assert '<th scope="row">extend_<wbr>service_<wbr>reach &lt;b&gt;x&lt;/b&gt;</th>' in out
    assert "<td>with_<wbr>parts_<wbr>&lt;i&gt;_<wbr>and_<wbr>more</td>" in out
    assert "<b>" not in out and "<i>" not in out
    assert Elements(out).tags() == {"table", "caption", "thead", "tbody", "tr", "th", "td", "wbr"}
    short = str(charts.table_html(pd.DataFrame({"a": ["two_words"]}), "c"))
    assert "<wbr>" not in short


# ---------------------------------------------------------------------------
# The site's chrome: index summaries and navigation links carry names as text
# ---------------------------------------------------------------------------


def _site_processed(tmp_path: Path) -> Path:
    pdir = tmp_path / "processed"
    pdir.mkdir()
    with open(pdir / "authorities.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["authority_id", "authority", "years", "case_study", "attitude_survey"])
        w.writerow(["alpha", "Alpha", PAYLOAD, "no", "no"])
        w.writerow(["beta", PAYLOAD, "2012-13", "yes", "no"])
        w.writerow(["gamma", PARAM_PAYLOAD, "2012-13", "no", "yes"])
    with open(pdir / "evidence.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["authority_id", "status", "inferred"])
        w.writerows(
            [["alpha", "available", "no"], ["alpha", "unrecorded", "no"], ["beta", "available", "yes"]]
        )
    return pdir


def test_index_summary_and_names_with_markup_are_text(tmp_path):
    from lib.run import index
    from lib.run.outputs import ReportResult

    pdir = _site_processed(tmp_path)
    summaries = index.authority_summaries(pdir)
    assert summaries["alpha"].line.startswith("Took part in " + PAYLOAD)  # plain text until the template
    results = [ReportResult(
        id=aid, kind="authority", display_name=name, parameters={}, inputs={}, input_hash="0" * 64,
        data_version="f" * 64, started_at="2026-01-01T00:00:00Z", finished_at="2026-01-01T00:00:01Z",
        duration_s=1.0, status="ok", error=None, outputs={"notebook": None, "html": f"html/{aid}.html"},
    ) for aid, name in (("alpha", "Alpha"), ("beta", PAYLOAD), ("gamma", PARAM_PAYLOAD))]  # fmt: skip
    page = index.render_index(results, summaries=summaries)
    _assert_not_live(page, "index")
    doc = Elements(page)
    summary_cells = [
        e["text"] for e in doc.elements if e["tag"] == "td" and "summary" in e["attrs"].get("class", "")
    ]
    assert any(cell.startswith("Took part in " + PAYLOAD) for cell in summary_cells), summary_cells
    names = [
        e["text"] for e in doc.elements if e["tag"] == "a" and e["attrs"].get("href", "").endswith(".html")
    ]
    assert PAYLOAD in names and PARAM_PAYLOAD in names


def test_navigation_links_carry_names_with_markup_as_text(tmp_path):
    import nbformat.v4 as v4

    from lib.run import render

    pdir = _site_processed(tmp_path)
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# Report\n\n## Section")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["papermill"] = {"parameters": {"processed_dir": str(pdir), "authority_id": "alpha"}}
    # A to Z by letters (markup never sorts a name first): Alpha, '<img...' (I), '<script...' (S);
    # so beta is last and its previous is gamma
    nb.metadata["papermill"]["parameters"]["authority_id"] = "beta"
    page = render.render_notebook(nb)
    _assert_not_live(page, "report chrome")
    links = {
        e["attrs"]["href"]: e["text"]
        for e in Elements(page).elements
        if e["tag"] == "a" and e["attrs"].get("rel") == "prev"
    }
    assert links == {"gamma.html": f"Previous: {PARAM_PAYLOAD}"}, links
    nb.metadata["papermill"]["parameters"]["authority_id"] = "gamma"
    page = render.render_notebook(nb)
    _assert_not_live(page, "report chrome")
    nexts = [
        e["text"] for e in Elements(page).elements if e["tag"] == "a" and e["attrs"].get("rel") == "next"
    ]
    assert nexts == [f"Next: {PAYLOAD}"] * 2  # header and footer
