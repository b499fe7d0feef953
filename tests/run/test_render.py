"""lib.run.render: one self-contained offline HTML file per executed notebook.

Fast tests render in-memory notebooks (no kernel). The widget fixture is
executed once (``notebook``) and opened in headless Chromium with every
non-file/data request aborted (``browser``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lib.run import render

ROOT = Path(__file__).resolve().parents[2]
WIDGETS_NB = ROOT / "tests" / "fixtures" / "notebooks" / "widgets.ipynb"
XSS = "<script>alert(1)</script>"
from _chromium import CHROMIUM, NO_CHROMIUM, launch


def _cell(src, tags=(), stdout=None):
    c = new_code_cell(src, execution_count=1)
    if tags:
        c.metadata["tags"] = list(tags)
    if stdout is not None:
        c.outputs = [new_output("stream", name="stdout", text=stdout)]
    return c


def executed_nb(widgets: bool = False):
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Fixture *heading*\n\nSome text with maths $x^2$."),
            _cell('processed_dir = "data/processed"', ["parameters"], "PARAM-DEFAULT-OUTPUT"),
            _cell('processed_dir = "INJECTED-VALUE"', ["injected-parameters"]),
            _cell("# CODE-MARKER\nprint('OUTPUT-MARKER')", stdout="OUTPUT-MARKER\n"),
            _cell("print('x')", ["remove-cell"], "REMOVED-CELL-MARKER"),
            _cell("# KEPT-INPUT-MARKER\nprint('y')", ["remove-output"], "REMOVED-OUTPUT-MARKER"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if widgets:
        nb.metadata["widgets"] = {
            render.WIDGET_STATE_MIME: {"version_major": 2, "version_minor": 0, "state": {}}
        }
    return nb


# Resource loads that would leave the machine: src/href attributes, CSS
# url() and @import pointing at http(s) or protocol-relative URLs. Checked
# outside <script> bodies (the inlined widget bundle mentions URLs in
# comments, licences and its CDN loader for third-party widgets, which the
# browser test proves are never requested).
_REMOTE = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])(?:https?:)?//""", re.IGNORECASE
)


def strip_scripts(page: str) -> str:
    """The page without <script> bodies and CSS comments (licence URLs)."""
    page = re.sub(r"<script\b[^>]*>.*?</script>", "<script></script>", page, flags=re.S | re.I)
    return re.sub(r"/\*.*?\*/", "", page, flags=re.S)


def assert_offline(page: str) -> None:
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I), "external <script src>"
    assert not re.search(r"<link[^>]*\bhref\s*=", page, re.I), "<link href>"
    assert not _REMOTE.search(strip_scripts(page)), _REMOTE.search(strip_scripts(page)).group(0)
    # the fixtures link nowhere, so no URL at all may remain outside scripts
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", strip_scripts(page), re.I)


def test_default_hides_code_and_parameter_cells():
    page = render.render_notebook(executed_nb())
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "<title>Fixture heading</title>" in page
    assert "OUTPUT-MARKER" in page
    for hidden in ("CODE-MARKER", "KEPT-INPUT-MARKER", "processed_dir", "PARAM-DEFAULT-OUTPUT",
                   "INJECTED-VALUE", "REMOVED-CELL-MARKER", "REMOVED-OUTPUT-MARKER"):  # fmt: skip
        assert hidden not in page, hidden
    assert "In&nbsp;[" not in page and 'class="jp-InputPrompt' not in page
    assert_offline(page)


def test_no_script_at_all_without_widgets():
    page = render.render_notebook(executed_nb())
    assert "<script" not in page.lower()  # no require.js, MathJax, Mermaid
    assert "mathjax" not in page.lower()


def test_keep_code_shows_code_but_still_removes_parameters():
    page = render.render_notebook(executed_nb(), keep_code=True)
    assert "CODE-MARKER" in page and "KEPT-INPUT-MARKER" in page
    for hidden in ("processed_dir", "INJECTED-VALUE", "REMOVED-CELL-MARKER", "REMOVED-OUTPUT-MARKER"):
        assert hidden not in page, hidden
    assert_offline(page)


def test_title_is_escaped_and_metadata_title_wins():
    page = render.render_notebook(executed_nb(), title=f"{XSS}: authority report")
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title == "&lt;script&gt;alert(1)&lt;/script&gt;: authority report"
    assert XSS not in page
    nb = executed_nb()
    nb.metadata["title"] = "From metadata"
    assert "<title>From metadata</title>" in render.render_notebook(nb)
    assert render.notebook_title(new_notebook(), "fallback") == "fallback"


@pytest.mark.assets
def test_widget_assets_inlined(tmp_path):
    out = tmp_path / "w.html"
    page = render.render_notebook(executed_nb(widgets=True), out)
    assert out.read_text(encoding="utf-8") == page
    assert_offline(page)
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    inline = [body for attrs, body in scripts if "type=" not in attrs]
    assert len(inline) == 2  # require.js, then the widget manager
    assert "requirejs" in inline[0] and 'define("@jupyter-widgets/html-manager"' in inline[1]
    assert "data:font/woff2;base64," in inline[1]
    assert not re.search(r'\.p\+"[0-9a-f]+\.(woff2?|ttf|eot|svg)"', inline[1])  # no font file fetched
    assert "cdnjs" not in page and "unpkg" not in page
    assert render.WIDGET_STATE_MIME in page


def test_missing_assets_message(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_NODE_MODULES", str(tmp_path / "nowhere"))
    render._ASSETS_CACHE.clear()
    with pytest.raises(render.AssetsMissingError, match=r"run `make assets`"):
        render.render_notebook(executed_nb(widgets=True))
    # a notebook without widgets needs no assets
    assert "OUTPUT-MARKER" in render.render_notebook(executed_nb())
    monkeypatch.undo()
    render._ASSETS_CACHE.clear()


def test_script_safe():
    assert render._script_safe('a="</script>";b="<!--"') == 'a="<\\/script>";b="\\x3C!--"'


# ---------------------------------------------------------------------------
# Executed widget fixture, in headless Chromium, offline
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def widget_html(tmp_path_factory):
    import papermill

    tmp = tmp_path_factory.mktemp("widgets")
    nb_out = tmp / "widgets.ipynb"
    papermill.execute_notebook(
        str(WIDGETS_NB), str(nb_out), parameters={"label": XSS}, kernel_name="python3", cwd=str(ROOT),
        progress_bar=False, shutdown_kernel="immediate", execution_timeout=120, start_timeout=60,
    )  # fmt: skip
    executed = nbformat.read(nb_out, as_version=4)
    assert render.has_widgets(executed)
    html_out = tmp / "widgets.html"
    render.render_notebook(nb_out, html_out, title=f"Widgets {XSS}")
    return html_out


@pytest.mark.notebook
@pytest.mark.assets
def test_rendered_widget_page_static(widget_html):
    page = widget_html.read_text(encoding="utf-8")
    assert_offline(page)
    assert "<title>Widgets &lt;script&gt;alert(1)&lt;/script&gt;</title>" in page
    assert "import ipywidgets" not in page  # code hidden
    assert "WIDGET-OUTPUT colour=green" in page  # Output widget state kept


@pytest.mark.notebook
@pytest.mark.assets
@pytest.mark.browser
def test_widgets_render_offline_in_chromium(widget_html):
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    blocked, failed, console_errors, page_errors, requests, dialogs = [], [], [], [], [], []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()

            def route(r):
                if r.request.url.startswith(("file:", "data:")):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("request", lambda r: requests.append(r.url[:120]))
            page.on("requestfailed", lambda r: failed.append(f"{r.url[:120]} {r.failure}"))
            page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(widget_html.as_uri())
            select = page.wait_for_selector(".widget-dropdown select", timeout=20_000)
            assert select.evaluate("e => e.value") == "green"
            label = page.locator(".widget-dropdown label").inner_text()
            assert label == XSS  # shown as text, not executed
            page.wait_for_function(
                "() => document.querySelector('.widget-output')?.innerText.includes('WIDGET-OUTPUT colour=green')",
                timeout=10_000,
            )
            page.wait_for_selector("button.jupyter-button i.fa-check", timeout=10_000)
            page.evaluate("() => document.fonts.ready")
            loaded = page.evaluate(
                "() => Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family)"
            )
            assert any("Font Awesome" in f for f in loaded), loaded
        finally:
            browser.close()
    assert blocked == [], blocked
    assert failed == [], failed
    assert console_errors == [], console_errors
    assert page_errors == [], page_errors
    assert requests == [widget_html.as_uri()], requests
    assert dialogs == []  # the <script>alert(1)</script> label never ran


# ---------------------------------------------------------------------------
# The report chrome: contents, site navigation (lib.run.chrome, lib.run.site)
# ---------------------------------------------------------------------------


def _html_output(fragment: str):
    c = new_code_cell("show()", execution_count=1)
    c.outputs = [new_output("display_data", data={"text/html": fragment, "text/plain": "x"})]
    return c


def chrome_nb(params: dict | None = None):
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Report title\n\nIntro."),
            new_markdown_cell("## From Markdown\n\nText."),
            _html_output('<h2 id="kept-id">Has an id</h2><p>a</p>'),
            _html_output("<h2>No id: <em>here</em></h2><p>b</p>"),
            _html_output("<h2>No id: here</h2><p>same text again</p>"),
            _html_output('<p id="no-id-here">an element already using the slug</p>'),
            _html_output("<h3>Not listed</h3>"),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if params is not None:
        nb.metadata["papermill"] = {"parameters": params}
    return nb


def _toc(page: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav[^>]*class="page-toc"[^>]*>.*?</nav>', page, re.S).group(0)
    return [
        (href, re.sub(r"<[^>]+>", "", text))
        for href, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', nav)
    ]


def test_contents_list_every_h2_and_each_link_finds_its_heading():
    nb = chrome_nb()
    page = render.render_notebook(nb)
    toc = _toc(page)
    assert [text for _, text in toc] == ["From Markdown", "Has an id", "No id: here", "No id: here"]
    ids = [href for href, _ in toc]
    assert ids[1] == "kept-id" and len(set(ids)) == 4
    # ids added where missing: the anchor rule, made unique against every id on the page
    assert ids[2:] == ["no-id-here-2", "no-id-here-3"]
    for hid, text in toc:
        heading = re.search(rf'<h2 id="{re.escape(hid)}"[^>]*>(.*?)</h2>', page, re.S)
        assert heading and text in re.sub(r"<[^>]+>", "", heading.group(1)), hid
    # after the cell holding the <h1>, before the first listed heading
    assert page.index("<h1") < page.index('class="page-toc"') < page.index('id="From-Markdown"')
    assert render.render_notebook(nb) == page  # deterministic
    assert_offline(page)


def test_a_page_without_site_parameters_links_nowhere_else():
    page = render.render_notebook(chrome_nb())
    assert 'class="site-nav"' not in page and 'href="index.html"' not in page
    assert "<footer" in page and "version" in page


def _processed(tmp_path, names: dict[str, str]) -> Path:
    import csv

    pdir = tmp_path / "processed"
    pdir.mkdir()
    with open(pdir / "authorities.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["authority_id", "authority"])
        w.writerows(names.items())
    return pdir


NAMES = {"zed": "Zed", "barnet": "Barnet", "ebene": "Ébène", "xss": XSS, "alpha": "alpha"}


def _site_links(page: str) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for cls in ("site-nav", "pager"):
        m = re.search(rf'<nav[^>]*class="{cls}"[^>]*>.*?</nav>', page, re.S)
        out[cls] = re.findall(r'<a[^>]*href="([^"]+)"[^>]*>(.*?)</a>', m.group(0)) if m else []
    return out


def test_previous_and_next_follow_the_a_to_z_order_of_authorities_csv(tmp_path):
    pdir = _processed(tmp_path, NAMES)
    # A to Z by the letters of the display name (accents, case and markup folded): 'alpha' before
    # 'Barnet', 'Ébène' under E, '<script>...' under S, never first
    order = ["alpha", "barnet", "ebene", "xss", "zed"]
    from lib.run import site

    assert site.a_to_z(NAMES) == order
    for i, aid in enumerate(order):
        page = render.render_notebook(chrome_nb({"processed_dir": str(pdir), "authority_id": aid}))
        links = _site_links(page)
        expected = [
            ("index.html", "All reports"),
            ("programme.html", "Programme report"),
            ("glossary.html", "Glossary"),
        ]
        pager = []
        if i > 0:
            pager.append((f"{order[i - 1]}.html", f"Previous: {html.escape(NAMES[order[i - 1]])}"))
        if i + 1 < len(order):
            pager.append((f"{order[i + 1]}.html", f"Next: {html.escape(NAMES[order[i + 1]])}"))
        assert links["site-nav"] == expected + pager, aid
        assert links["pager"] == pager, aid
        assert XSS not in page
    programme = render.render_notebook(chrome_nb({"processed_dir": str(pdir)}))
    assert _site_links(programme) == {
        "site-nav": [("index.html", "All reports"), ("glossary.html", "Glossary")],
        "pager": [],
    }


def test_the_chrome_shows_the_synthetic_banner_once(tmp_path):
    pdir = _processed(tmp_path, {"alpha": "Alpha"})
    (pdir / "response_files.csv").write_text("file,synthetic\na.csv,yes\n", encoding="utf-8")
    params = {"processed_dir": str(pdir), "authority_id": "alpha"}
    page = render.render_notebook(chrome_nb(params))
    assert page.count('class="synthetic-banner"') == 1
    main = page[page.index("<main") :]
    assert main.index('class="synthetic-banner"') < main.index("Report title")
    # a notebook that shows the banner itself does not get a second one
    from lib.run import banner, site

    nb = chrome_nb(params)
    shown = site.render_template("synthetic_banner.html.j2", banner_text=banner.SYNTHETIC_TEXT).strip()
    nb.cells.insert(0, _html_output(shown))
    assert render.render_notebook(nb).count('class="synthetic-banner"') == 1


# ---------------------------------------------------------------------------
# The caveats page: for readers
# ---------------------------------------------------------------------------


def test_caveats_page_is_for_readers():
    from lib.programme import caveats_path

    page = render.render_caveats()  # the programme's own caveats note
    main = page[page.index("<main") : page.index("</main>")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", main))
    assert "Never renumber" not in text and "maintainers" not in text.lower()
    assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", text), re.findall(r"\b[a-z0-9]+_[a-z0-9_]+\b", text)
    assert not re.search(r"lib/|\.py\b|\.csv\b|EVAL_|docs/", text)
    source = caveats_path().read_text(encoding="utf-8")
    ids = [m.lower() for m in re.findall(r"^## (C\d+) ", source, re.M)]
    assert ids and all(f'<h2 id="{i}">' in page for i in ids)
    for i in ids:  # each caveat says what it means for the reports
        section = page[page.index(f'<h2 id="{i}">') :]
        section = section[: section.find("<h2", 5)]
        assert "What this means for the reports." in section, i
    assert re.search(r'<a href="index.html">', page) and "<caption>" in page
    assert_offline(page)


def test_maintainers_markers_must_pair():
    assert render.reader_text("a\n<!-- maintainers -->\nsecret\n<!-- /maintainers -->\nb\n") == "a\nb\n"
    with pytest.raises(ValueError, match=r"^data/notes/caveats.md:2: <!-- maintainers --> is never closed"):
        render.reader_text("a\n<!-- maintainers -->\nsecret\n")
    with pytest.raises(ValueError, match=r"^x.md:1: <!-- /maintainers --> without an opening"):
        render.reader_text("<!-- /maintainers -->\n", "x.md")


# ---------------------------------------------------------------------------
# The explorer on its own page: the report carries no widget scripts
# ---------------------------------------------------------------------------


def _explorer_nb():
    nb = executed_nb(widgets=True)
    nb.cells.append(new_markdown_cell("### Explore\n\nSee the [survey explorer](survey-explorer.html)."))
    nb.cells.append(_cell("# EXPLORER-MARKER\nexplorer()", ["explorer-page"], "EXPLORER-OUTPUT"))
    return nb


def test_split_explorer_moves_tagged_cells_and_the_widget_state():
    nb = _explorer_nb()
    report, explorer = render.split_explorer(nb)
    assert "widgets" not in report.metadata and "widgets" in explorer.metadata
    assert not any("EXPLORER-MARKER" in c.source for c in report.cells)
    assert len(report.cells) == len(nb.cells) - 1
    assert [c.source.splitlines()[0] for c in explorer.cells] == [
        "# Survey explorer: Fixture heading",
        "# EXPLORER-MARKER",
    ]
    assert "widgets" in nb.metadata and len(nb.cells) == 8  # the executed notebook itself is unchanged
    untagged = executed_nb(widgets=True)
    assert render.split_explorer(untagged) == (untagged, None)


def test_an_explorer_with_nothing_to_explore_is_left_out_with_its_link():
    """A programme without a survey: the explorer cell shows a note, not a widget, and the notebook
    holds no widget state; the report keeps neither the cell nor the note linking to its page."""
    nb = _explorer_nb()
    del nb.metadata["widgets"]
    report, explorer = render.split_explorer(nb)
    assert explorer is None and len(report.cells) == len(nb.cells) - 2
    assert not any("survey-explorer.html" in c.source or "EXPLORER-MARKER" in c.source for c in report.cells)


def test_report_page_without_explorer_has_no_widget_scripts(tmp_path):
    report, explorer = render.split_explorer(_explorer_nb())
    page = render.render_notebook(report, tmp_path / "report.html")
    assert "<script" not in page and "EXPLORER-OUTPUT" not in page
    assert 'href="survey-explorer.html"' in page
    explorer_page = render.render_notebook(explorer, tmp_path / "explorer.html")
    assert "EXPLORER-OUTPUT" in explorer_page and explorer_page.count("<script") >= 2
    assert len(page) * 10 < len(explorer_page)  # the weight is the inlined widget scripts


def test_headings_carry_no_pilcrow_anchor_links_but_keep_their_ids():
    """nbconvert's default puts a link whose only text is "¶" after each markdown heading:
    printed, and read out by a screen reader as "pilcrow, link" (no accessible name)."""
    nb = executed_nb()
    nb.cells.append(new_markdown_cell("### Explore the survey"))
    page = render.render_notebook(nb)
    assert "¶" not in page and 'class="anchor-link"' not in page
    assert re.search(r'<h3 id="[^"]+">Explore the survey</h3>', page)
