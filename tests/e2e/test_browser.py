"""Browser tests: the rendered reports and the index, opened in headless Chromium.

Every page of one full batch run (the ``full_batch`` fixture: programme + every
authority) is opened from a ``file://`` URL, exactly as a reviewer opens the
zipped ``html/`` folder, with a route that lets through only ``file:`` and
``data:`` requests (anything else is aborted and recorded). Each page is
opened once; what the page did (blocked or failed requests, console errors,
uncaught errors, dialogs) and what the DOM holds (headings, tables, images,
text) are collected by a module-scoped fixture and checked by small tests.

Expected figures come from the processed tables (``full_batch.tables``), never
from the rendered output. Uses Debian's ``/usr/bin/chromium`` (``make
browser``); the module is skipped when it is missing, and no browser is ever
downloaded.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from _chromium import CHROMIUM, NO_CHROMIUM, launch

from lib.programme import current_programme
from lib.run import index
from lib.run import site as site_pages

if not CHROMIUM.exists():
    pytest.skip(NO_CHROMIUM, allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

# Every test drives Chromium; all but the guard's self-test also need the
# full batch run (notebooks executed), hence both markers.
pytestmark = [pytest.mark.browser, pytest.mark.notebook]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "outputs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
WIDGET_TIMEOUT_MS = 20_000

# The accessibility engine (npm axe-core, pinned in package.json): every page
# is checked against the WCAG 2.2 A and AA rules.
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_AXE_RUN_JS = """
async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return {version: axe.version, violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
  }))};
}
"""


def run_axe(page) -> dict:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now."""
    page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(_AXE_RUN_JS, AXE_TAGS)


def axe_lines(name: str, result: dict) -> list[str]:
    """One line per violating element: page, rule id, impact, target, help."""
    return [
        f"{name}: {v['id']} ({v['impact']}) at {t}: {v['help']}"
        for v in result["violations"]
        for t in v["targets"]
    ]


# One evaluate() per page: everything the DOM tests need.
_DOM_FACTS_JS = """
() => {
  const text = (e) => (e.textContent || '').replace(/\\s+/g, ' ').trim();
  return {
    lang: document.documentElement.getAttribute('lang'),
    title: document.title,
    headings: Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))
      .map(h => [Number(h.tagName[1]), text(h)]),
    tables: Array.from(document.querySelectorAll('table')).map(t => {
      const cap = t.querySelector(':scope > caption');
      return {caption: cap ? text(cap) : null, th: t.querySelectorAll('th').length,
              first: text(t).slice(0, 80)};
    }),
    images: Array.from(document.querySelectorAll('img')).map(i => ({
      alt: i.getAttribute('alt'), src: (i.getAttribute('src') || '').slice(0, 30),
      loaded: i.complete && i.naturalWidth > 0})),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => {
      const href = a.getAttribute('href');
      const same = href.startsWith('#');
      const id = same ? decodeURIComponent(href.slice(1)) : null;
      return {href, url: a.href, fragmentOk: same ? (id === '' || !!document.getElementById(id)) : null};
    }),
    bodyText: document.body ? document.body.innerText : '',
    toc: Array.from(document.querySelectorAll('nav.page-toc a[href^="#"]')).map(a => {
      const target = document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
      return {text: text(a), target: target ? target.tagName.toLowerCase() : null,
              targetText: target ? text(target).replace(/\u00b6$/, '').trim() : null};
    }),
    siteNav: Array.from(document.querySelectorAll('nav.site-nav a, nav.pager a')).map(a => ({
      nav: a.closest('nav').classList.contains('site-nav') ? 'header' : 'footer',
      href: a.getAttribute('href'), url: a.href, text: text(a), rel: a.getAttribute('rel')})),
    footer: Array.from(document.querySelectorAll('footer'))
      .map(f => f.innerText.replace(/\\s+/g, ' ').trim()).join(' '),
    scrollHeight: document.documentElement.scrollHeight,
    scrollWidth: document.documentElement.scrollWidth,
  };
}
"""


@dataclass
class Visit:
    """What one page did and what its DOM holds."""

    name: str
    url: str
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    nav_error: str | None = None
    dom: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def problems(self) -> dict[str, list[str]]:
        found = {
            "blocked requests (not file:/data:)": self.blocked,
            "failed requests": self.failed,
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "dialogs": self.dialogs,
        }
        if self.nav_error:
            found["navigation"] = [self.nav_error]
        return {k: v for k, v in found.items() if v}


class Guard:
    """A browser context whose pages may only load file: and data: URLs."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        self.blocked: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def open(self, name: str, url: str, *, after_load=None) -> tuple[Visit, object]:
        """Open ``url`` in a new page, run ``after_load(page, visit)``, collect the DOM facts."""
        visit = Visit(name, url)
        start = len(self.blocked)
        page = self.context.new_page()
        page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
        page.on("requestfailed", lambda r: visit.failed.append(f"{r.url[:120]} ({r.failure})"))

        def on_dialog(d):
            visit.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", on_dialog)
        try:
            response = page.goto(url, wait_until="load")
            if response is not None and not response.ok:
                visit.nav_error = f"HTTP-like status {response.status} for {url}"
        except sync_api.Error as exc:
            visit.nav_error = f"{url}: {exc}".splitlines()[0]
        if visit.nav_error is None:
            if after_load is not None:
                after_load(page, visit)
            if AXE_JS.is_file():
                visit.extra["axe"] = run_axe(page)
            page.wait_for_timeout(150)  # let late console errors arrive
            visit.dom = page.evaluate(_DOM_FACTS_JS)
        visit.blocked = self.blocked[start:]
        return visit, page

    def close(self):
        self.context.close()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def _file_of(url: str) -> Path:
    parsed = urlparse(url)
    assert parsed.scheme == "file", f"link {url} is not a file: URL"
    return Path(unquote(parsed.path))


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    pw = sync_api.sync_playwright().start()
    try:
        b = launch(pw)
    except Exception:
        pw.stop()
        raise
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="module")
def batch_ok(full_batch):
    failed = [(r.id, r.error) for r in full_batch.result.results if not r.ok]
    assert not failed, f"reports failed in the batch run: {failed}"
    return full_batch


_INDEX_ROWS_JS = """rows => rows.map(r => {
    const g = r.querySelector('th[scope=colgroup]');
    if (g) return {group: g.textContent.trim()};
    const a = r.querySelector('th[scope=row] a');
    const st = r.querySelector('td[class^="status-"]');
    return {name: a ? a.textContent.trim() : null,
            href: a ? a.getAttribute('href') : null,
            url: a ? a.href : null,
            status: st ? st.className : null,
            statusText: st ? st.textContent.trim() : null};
})"""
_LINKS_JS = "as => as.map(a => ({href: a.getAttribute('href'), url: a.href}))"
_SELECTS_JS = """ss => ss.map(s => {
    const r = s.getBoundingClientRect();
    const st = getComputedStyle(s);
    // the widget manager writes option labels with no-break spaces
    const label = (o) => o.text.replace(/\u00a0/g, ' ');
    return {selected: s.selectedIndex >= 0 ? label(s.options[s.selectedIndex]) : null,
            options: Array.from(s.options).map(label),
            visible: r.width > 0 && r.height > 0 && st.visibility !== 'hidden'
                     && st.display !== 'none'};
})"""
_OUTPUT_IMAGES_JS = (
    "is => is.map(i => ({alt: i.getAttribute('alt'), loaded: i.complete && i.naturalWidth > 0,"
    " visible: i.getClientRects().length > 0}))"
)


def _open_index(guard: Guard, html_dir: Path, shots: dict[str, Path]) -> tuple[Visit, object]:
    """The index, with its report rows and links in ``extra`` and a screenshot."""

    def read_index(page, visit):
        visit.extra["rows"] = page.eval_on_selector_all("table tbody tr", _INDEX_ROWS_JS)
        visit.extra["links"] = page.eval_on_selector_all("a[href]", _LINKS_JS)
        shots["index"] = SCREENSHOTS / "index.png"
        page.screenshot(path=str(shots["index"]), full_page=True)

    return guard.open("index", (html_dir / "index.html").as_uri(), after_load=read_index)


def _follow_other_links(guard: Guard, index: Visit, index_page) -> set[str]:
    """Links outside the report table (data-quality log, caveats, ...): an HTML
    page is opened like a report; anything else must download. Returns the
    downloads' aborted requests."""
    report_hrefs = {r["href"] for r in index.extra.get("rows", []) if r.get("href")}
    downloads, downloaded, others = {}, set(), {}
    for link in index.extra.get("links", []):
        if link["href"] in report_hrefs:
            continue
        if link["href"].endswith(".html"):
            visit, page = guard.open(link["href"], link["url"])
            page.close()
            others[link["href"]] = visit
        elif link["href"].endswith(".pdf"):  # Chromium shows a local PDF rather than download it
            pdf = _file_of(link["url"]).read_bytes()
            assert pdf.startswith(b"%PDF-"), link["href"]
            downloads[link["href"]] = (Path(link["href"]).name, pdf)
        else:
            with index_page.expect_download(timeout=10_000) as info:
                index_page.click(f'a[href="{link["href"]}"]')
            dl = info.value
            downloads[link["href"]] = (dl.suggested_filename, Path(dl.path()).read_bytes())
            downloaded.add(f"{dl.url[:120]} (net::ERR_ABORTED)")
    index.extra["downloads"] = downloads
    index.extra["others"] = others
    return downloaded


def _click_first_authority(index_page, rows: list[dict]) -> dict:
    """One real click through the index to the first authority report."""
    if len(rows) <= 1:
        return {}
    target = rows[1]
    with index_page.expect_navigation(wait_until="load"):
        index_page.click(f'a[href="{target["href"]}"]')
    return {
        "href": target["href"],
        "url": index_page.url,
        "h1": index_page.eval_on_selector_all("h1", "hs => hs.map(h => h.textContent)"),
    }


def _wait_widgets(page, visit):
    """Wait for the programme page's widgets; record their selects and output images."""
    try:
        page.wait_for_selector(".widget-dropdown select", state="visible", timeout=WIDGET_TIMEOUT_MS)
        page.wait_for_selector(".widget-output img", state="attached", timeout=WIDGET_TIMEOUT_MS)
        visit.extra["widgets_rendered"] = True
    except sync_api.TimeoutError as exc:
        visit.extra["widgets_rendered"] = f"timed out: {str(exc).splitlines()[0]}"
    visit.extra["selects"] = page.eval_on_selector_all(".widget-dropdown select", _SELECTS_JS)
    visit.extra["output_images"] = page.eval_on_selector_all(".widget-output img", _OUTPUT_IMAGES_JS)


def _open_reports(guard: Guard, rows: list[dict], shots: dict[str, Path]) -> dict[str, Visit]:
    """Every report the index links to, one page each (screenshots of two)."""
    reports: dict[str, Visit] = {}
    for row in rows:
        rid = Path(row["href"]).stem
        visit, page = guard.open(rid, row["url"])
        if rid in ("programme", "leeds") and visit.nav_error is None:
            shots[rid] = SCREENSHOTS / f"{rid}.png"
            page.screenshot(path=str(shots[rid]), full_page=True)
            visit.extra["screenshot_dom"] = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
        page.close()
        reports[rid] = visit
    return reports


def _open_top_index(guard: Guard, out: Path) -> Visit:
    top, top_page = guard.open("top index", (out / "index.html").as_uri())
    top.extra["links"] = top_page.eval_on_selector_all("a[href]", _LINKS_JS)
    top_page.close()
    return top


@pytest.fixture(scope="module")
def site(browser, batch_ok):
    """Open html/index.html, then every report it links to (one page each).

    Returns a namespace-like dict: ``index`` (Visit, with the index rows and
    links in ``extra``), ``reports`` (report id -> Visit), ``top_index``
    (the <out>/index.html Visit) and ``screenshots`` (name -> path).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots: dict[str, Path] = {}
    guard = Guard(browser)
    try:
        index, index_page = _open_index(guard, batch_ok.html, shots)
        downloaded = _follow_other_links(guard, index, index_page)
        # the programme report's survey explorer, on its own page (linked from the report)
        explorer, explorer_page = guard.open(
            site_pages.EXPLORER_PAGE,
            (batch_ok.html / site_pages.EXPLORER_PAGE).as_uri(),
            after_load=_wait_widgets,
        )
        explorer_page.close()
        rows = [r for r in index.extra.get("rows", []) if r.get("href")]
        index.extra["clicked"] = _click_first_authority(index_page, rows)
        index_page.close()
        # Chromium reports a navigation that turns into a download as a failed
        # (ERR_ABORTED) request: expected for the CSV link, not a fault.
        index.failed[:] = [f for f in index.failed if f not in downloaded]
        reports = _open_reports(guard, rows, shots)
        top = _open_top_index(guard, batch_ok.out)
        all_blocked = list(guard.blocked)
    finally:
        guard.close()
    return {
        "index": index,
        "reports": reports,
        "top_index": top,
        "explorer": explorer,
        "screenshots": shots,
        "all_blocked": all_blocked,
    }


def _all_visits(site) -> list[Visit]:
    """Every page opened: the two indexes, the reports, other linked pages."""
    return [
        site["index"],
        site["top_index"],
        *site["reports"].values(),
        *site["index"].extra["others"].values(),
        site["explorer"],
    ]


def _main_visits(site) -> list[Visit]:
    """The indexes and the reports (pages that must carry data tables)."""
    return [site["index"], site["top_index"], *site["reports"].values()]


# ---------------------------------------------------------------------------
# The guard itself can fail (so the zero-problem checks below mean something)
# ---------------------------------------------------------------------------


def test_guard_records_outside_requests_errors_and_dialogs(browser, tmp_path):
    page_file = tmp_path / "canary.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>canary</title>'
        '<script src="https://cdn.example.invalid/lib.js"></script></head><body><h1>c</h1>'
        '<img src="http://example.invalid/x.png" alt="">'
        "<script>console.error('canary error'); alert('canary dialog');</script>"
        "<script>throw new Error('canary throw')</script></body></html>",
        encoding="utf-8",
    )
    guard = Guard(browser)
    try:
        visit, page = guard.open("canary", page_file.as_uri())
        page.close()
    finally:
        guard.close()
    assert any("cdn.example.invalid" in u for u in visit.blocked), visit.blocked
    assert any("example.invalid/x.png" in u for u in visit.blocked), visit.blocked
    assert visit.failed, "aborted requests should be reported as failed requests"
    assert any("canary error" in m for m in visit.console_errors), visit.console_errors
    assert any("canary throw" in m for m in visit.page_errors), visit.page_errors
    assert visit.dialogs == ["alert: canary dialog"]
    assert visit.dom["images"][0]["alt"] == ""


# ---------------------------------------------------------------------------
# Every page: offline, quiet, accessible structure
# ---------------------------------------------------------------------------


def test_every_report_was_opened(site, batch_ok):
    expected = {r.id for r in batch_ok.result.results}
    assert set(site["reports"]) == expected
    assert len(expected) == 1 + len(batch_ok.tables["authorities"])


def test_no_outside_requests_errors_or_dialogs(site):
    problems = {v.name: v.problems() for v in _all_visits(site) if v.problems()}
    assert not problems, f"pages with problems: {problems}"
    # including requests made while clicking through the index
    assert site["all_blocked"] == [], site["all_blocked"]


def test_html_lang_is_english(site):
    wrong = {v.name: v.dom.get("lang") for v in _all_visits(site) if v.dom.get("lang") != "en"}
    assert not wrong, f'pages without <html lang="en">: {wrong}'


def test_every_image_has_alt_text_and_loads(site):
    bad = {}
    for v in _all_visits(site):
        for img in v.dom.get("images", []):
            if not (img["alt"] or "").strip() or not img["loaded"]:
                bad.setdefault(v.name, []).append(img)
    assert not bad, f"images with empty/missing alt or not decoded: {bad}"


def test_one_h1_and_heading_levels_never_skip(site):
    bad = {}
    for v in _all_visits(site):
        heads = v.dom.get("headings", [])
        levels = [lvl for lvl, _ in heads]
        if levels.count(1) != 1 or not levels or levels[0] != 1:
            bad[v.name] = f"expected exactly one <h1>, first: levels {levels[:5]}..."
            continue
        for (prev, _), (lvl, text) in zip(heads, heads[1:], strict=False):
            if lvl > prev + 1:
                bad[v.name] = f"h{prev} -> h{lvl} at {text!r}"
                break
    assert not bad, f"heading problems: {bad}"


def _tables_without_caption_or_th(visits) -> dict[str, list]:
    bad = {}
    for v in visits:
        for t in v.dom.get("tables", []):
            if not t["caption"] or t["th"] == 0:
                bad.setdefault(v.name, []).append(t)
    return bad


def test_every_table_has_caption_and_header_cells(site):
    # Authority pages lead with prose now; the programme report holds tables.
    assert any(v.dom.get("tables") for v in _main_visits(site)), "no tables found on any page"
    bad = _tables_without_caption_or_th(_main_visits(site))
    assert not bad, f"tables without a non-empty <caption> or without <th>: {bad}"


def test_tables_in_other_linked_pages_have_captions(site):
    others = list(site["index"].extra["others"].values())
    if not any(v.dom.get("tables") for v in others):
        pytest.skip("no other linked page with a table in this build")
    bad = _tables_without_caption_or_th(others)
    assert not bad, f"tables without a non-empty <caption> or without <th>: {bad}"


def test_page_titles(site, batch_ok):
    names = dict(
        zip(
            batch_ok.tables["authorities"]["authority_id"],
            batch_ok.tables["authorities"]["authority"],
            strict=False,
        )
    )
    for rid, v in site["reports"].items():
        assert v.dom["title"].strip(), f"{rid}: empty <title>"
        if rid in names:
            assert names[rid] in v.dom["title"], f"{rid}: title {v.dom['title']!r} lacks {names[rid]!r}"


# ---------------------------------------------------------------------------
# Content computed from the processed tables
# ---------------------------------------------------------------------------


def test_authority_reports_show_name_and_evidence_count(site, batch_ok):
    authorities = batch_ok.tables["authorities"]
    evidence = batch_ok.tables["evidence"]
    errors = []
    for aid, name in zip(authorities["authority_id"], authorities["authority"], strict=False):
        v = site["reports"][aid]
        h1 = [t for lvl, t in v.dom["headings"] if lvl == 1]
        if not h1 or name not in h1[0]:
            errors.append(f"{aid}: h1 {h1} does not show {name!r}")
        mine = evidence[evidence["authority_id"] == aid]
        assert len(mine) == 12, f"{aid}: expected 12 evidence items in the table, found {len(mine)}"
        # lib.report.authority_supports.supports: "X's evidence can show ..., that <items> existed (inferred
        # from ...) ...", then "It cannot show: ...; whether <lost items> existed (their marks were lost ...); ...".
        body = v.dom["bodyText"]
        can = re.search(rf"{re.escape(name)}'s evidence can show (.*?)\.(?:\s|$)", body)
        cannot = re.search(r"It cannot show: (.*?)(?:; or )?whether the programme changed", body)
        if can is None or cannot is None:
            errors.append(f"{aid}: no judgement of what its evidence can and cannot show")
            continue
        # A cell the printed row stops before (the definition's not_printed code) is not "lost".
        cut = mine["raw_code"] == current_programme().not_printed.printed
        lost = mine[(mine["status"] == "unrecorded") & ~cut]["evidence_label"].tolist()
        unprinted = mine[(mine["status"] == "unrecorded") & cut]["evidence_label"].tolist()
        for label in unprinted:
            if not re.search(rf"{re.escape(label)} existed \(the source's row stops before", cannot.group(1)):
                errors.append(f"{aid}: unprinted item {label!r} not said to be cut off")
        if lost and not re.search(
            rf"whether {re.escape(', '.join(lost[:-1]))}.*{re.escape(lost[-1])} existed \(their marks were lost",
            cannot.group(1),
        ):
            errors.append(f"{aid}: lost items {lost} not all listed as lost: {cannot.group(1)[:200]}")
        inferred = mine[mine["inferred"] == "yes"]["evidence_label"].tolist()
        for label in inferred:
            if not re.search(rf"{re.escape(label)} existed \(inferred from", can.group(1)):
                errors.append(f"{aid}: inferred item {label!r} not shown as inferred")
        # The lost-glyph artefact is no longer read as a finding anywhere on the page.
        if "evidence items recorded as available" in v.dom["bodyText"]:
            errors.append(f"{aid}: the '0 of 12 recorded as available' headline is back")
    assert not errors, "\n".join(errors)


def test_programme_report_shows_understanding_before_and_after(site, batch_ok):
    s = batch_ok.tables["survey"]
    rows = s[
        (s["question"] == "understanding")
        & (s["item"] == "understand_co_production")
        & (s["sector"] == "all")
    ]
    by_phase = rows.set_index("phase")["value"]
    assert {"pre", "post"} <= set(by_phase.index) and not by_phase.index.duplicated().any(), rows
    pre, post = round(by_phase["pre"] * 100), round(by_phase["post"] * 100)
    text = site["reports"]["programme"].dom["bodyText"]
    # lib.report.programme_title (at a glance) and survey_understanding (chart title)
    assert f"Understanding co-production better: {pre}% before, {post}% after" in text
    # The 'Confidence in understanding' series is 49/80 (004 chart data), never 56/81.
    assert f"Confidence in understanding co-production: {pre}% before" not in text
    conf = s[
        (s["question"] == "understanding")
        & (s["item"] == "confidence_understanding")
        & (s["sector"] == "all")
    ].set_index("phase")["value"]
    assert (
        f"confidence in understanding co-production: {round(conf['pre'] * 100)}% before, "
        f"{round(conf['post'] * 100)}% after"
    ) in text
    assert f"Understanding of co-production rose from {pre}% to {post}% of respondents" in text


def test_programme_widgets_render_default_view(site, batch_ok):
    from lib import report
    from lib.report import explorer

    v = site["explorer"]
    assert v.extra.get("widgets_rendered") is True, v.extra.get("widgets_rendered")
    # Hidden controls (the stand-in Sector control and the views of other
    # questions) are in the DOM but not displayed.
    selects = [s for s in v.extra["selects"] if s["visible"]]
    wb = report.load_workbook(batch_ok.processed)
    question_labels = [label for label, _ in explorer.explorer_questions(wb)]
    sector_labels = [label for label, _ in explorer.sectors(wb)]
    assert [s["options"] for s in selects] == [question_labels, sector_labels], v.extra["selects"]
    q_label, s_label = selects[0]["selected"], selects[1]["selected"]
    images = [i for i in v.extra["output_images"] if i["visible"]]
    assert images and all(i["loaded"] for i in v.extra["output_images"]), v.extra["output_images"]
    # The output area shows exactly what the report section for the selected
    # question and sector shows: compare with a fresh render of that view.
    wb = report.load_workbook(batch_ok.processed)
    view = explorer.survey_view(
        wb, dict(explorer.explorer_questions(wb))[q_label], dict(explorer.sectors(wb))[s_label]
    )
    expected_alts = _img_alts(str(view))
    assert expected_alts, "the explorer's view has no chart"
    assert [i["alt"] for i in images] == expected_alts


class _AltParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.alts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")


def _img_alts(fragment: str) -> list[str]:
    p = _AltParser()
    p.feed(fragment)
    return p.alts


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------


def test_index_lists_programme_first_then_authorities_a_to_z(site, batch_ok):
    rows = site["index"].extra["rows"]
    reports = [r for r in rows if "group" not in r]
    groups = [r["group"] for r in rows if "group" in r]
    assert groups == ["Programme", "Local authorities"], groups
    assert rows[0] == {"group": "Programme"} and reports[0]["href"] == "programme.html", rows[:2]
    a = batch_ok.tables["authorities"]
    expected = [
        (aid, name)
        for name, aid in sorted(
            zip(a["authority"], a["authority_id"], strict=False), key=lambda t: (t[0].casefold(), t[1])
        )
    ]
    got = [(Path(r["href"]).stem, r["name"]) for r in reports[1:]]
    assert got == expected
    for r in reports:
        assert r["status"] == "status-ok" and r["statusText"] == "OK", r


def test_index_links_resolve_to_existing_files(site, batch_ok):
    for visit, base in ((site["index"], batch_ok.html), (site["top_index"], batch_ok.out)):
        links = visit.extra["links"]
        linked = {_file_of(link["url"]).name for link in links}
        expected = {f"{r.id}.html" for r in batch_ok.result.results} | {"data_quality_log.csv"}
        assert expected <= linked, f"{visit.name}: not linked: {expected - linked}"
        for link in links:
            target = _file_of(link["url"])
            assert target.is_file(), f"{visit.name}: {link['href']} -> {target} does not exist"
            assert target.resolve().is_relative_to(base.resolve()), f"{link['href']} leaves {base}"


def test_index_links_navigate(site, batch_ok):
    # Every report link was followed (the report visits use the links' URLs)
    # and landed on a page without errors whose h1 is the report's.
    index_urls = {Path(r["href"]).stem: r["url"] for r in site["index"].extra["rows"] if r.get("href")}
    assert set(index_urls) == set(site["reports"])
    for rid, v in site["reports"].items():
        assert v.url == index_urls[rid] and v.nav_error is None and v.dom.get("headings"), rid
    # A real click lands on the linked page.
    clicked = site["index"].extra["clicked"]
    assert clicked and _file_of(clicked["url"]) == batch_ok.html / clicked["href"], clicked
    name = dict(
        zip(
            batch_ok.tables["authorities"]["authority_id"],
            batch_ok.tables["authorities"]["authority"],
            strict=False,
        )
    )
    assert len(clicked["h1"]) == 1 and name[Path(clicked["href"]).stem] in clicked["h1"][0], clicked
    # Every other link was followed too: HTML pages opened (their problems
    # are checked with every page's), anything else downloaded intact.
    downloads = site["index"].extra["downloads"]
    others = site["index"].extra["others"]
    report_hrefs = {r["href"] for r in site["index"].extra["rows"] if r.get("href")}
    non_report = [link["href"] for link in site["index"].extra["links"] if link["href"] not in report_hrefs]
    assert sorted(non_report) == sorted([*downloads, *others])
    assert "data_quality_log.csv" in downloads, downloads
    for href, (filename, content) in downloads.items():
        assert filename == Path(href).name
        assert content == (batch_ok.html / href).read_bytes() and content.strip(), href
    for href, v in others.items():
        assert v.nav_error is None and v.dom.get("bodyText", "").strip(), (href, v.nav_error)


def test_links_in_every_page_resolve(site):
    """Same-page anchors point to an existing id; other links to an existing local file."""
    bad = {}
    for v in _all_visits(site):
        for link in v.dom.get("links", []):
            if link["fragmentOk"] is not None:
                ok = link["fragmentOk"]
            else:
                ok = link["url"].startswith("file:") and _file_of(link["url"]).is_file()
            if not ok:
                bad.setdefault(v.name, []).append(link["href"])
    assert not bad, f"links that do not resolve: {bad}"


# ---------------------------------------------------------------------------
# Screenshots
# ---------------------------------------------------------------------------


PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
_OVERFLOW_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def test_summary_authority_and_claim_audit_phone_screenshots_without_sideways_scrolling(browser, batch_ok):
    """Issue 11: outputs/screenshots/summary.png (the programme summary), authority.png (an
    authority page) and claim_audit_phone.png (the claim audit on a 390 px phone). The claim
    audit and the pages never scroll the page sideways at 390 px or at 1280 px."""
    html_dir = batch_ok.html
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    guard = Guard(browser)
    try:
        visit, page = guard.open("programme", (html_dir / "programme.html").as_uri())
        assert visit.nav_error is None, visit.nav_error
        for size in (LAPTOP, PHONE):
            page.set_viewport_size(size)
            scroll, client = page.evaluate(_OVERFLOW_JS)
            assert scroll <= client + 1, (size, scroll, client)
        page.set_viewport_size(LAPTOP)
        page.locator("section.summary-box").screenshot(path=str(SCREENSHOTS / "summary.png"))
        page.set_viewport_size(PHONE)
        audit = page.locator("#claim-audit")
        audit.scroll_into_view_if_needed()
        page.evaluate(
            "() => document.querySelectorAll('details.audit-group').forEach(d => { d.open = true; })"
        )
        cards = page.locator(".audit-card")
        assert cards.count() > 0
        for i in range(cards.count()):
            box = cards.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (i, box)
        first = page.locator(".audit-summary")
        first.scroll_into_view_if_needed()
        page.screenshot(
            path=str(SCREENSHOTS / "claim_audit_phone.png"),
            clip={
                "x": 0,
                "y": first.bounding_box()["y"] + page.evaluate("window.scrollY") - 60,
                "width": PHONE["width"],
                "height": 1400,
            },
            full_page=True,
        )
        page.close()
        visit, page = guard.open("richmond", (html_dir / "richmond-upon-thames.html").as_uri())
        page.set_viewport_size(PHONE)
        scroll, client = page.evaluate(_OVERFLOW_JS)
        assert scroll <= client + 1, ("richmond at 390 px", scroll, client)
        page.set_viewport_size(LAPTOP)
        page.screenshot(path=str(SCREENSHOTS / "authority.png"), full_page=True)
        page.close()
    finally:
        guard.close()
    for name in ("summary", "authority", "claim_audit_phone"):
        path = SCREENSHOTS / f"{name}.png"
        assert path.is_file() and path.stat().st_size > 10_000, path
    assert _png_size(SCREENSHOTS / "claim_audit_phone.png")[0] == PHONE["width"]


def test_screenshots_written(site):
    shots = site["screenshots"]
    assert set(shots) == {"index", "programme", "leeds"}, shots
    for name, path in shots.items():
        assert path == SCREENSHOTS / f"{name}.png" and path.is_file(), path
        width, height = _png_size(path)
        assert path.stat().st_size > 20_000, f"{path}: only {path.stat().st_size} bytes"
        assert width >= VIEWPORT["width"] - 20 and height >= 300, (path, width, height)
    # Full-page shots of the reports: as tall as the document, not the viewport.
    for rid in ("programme", "leeds"):
        _, doc_height = site["reports"][rid].extra["screenshot_dom"]
        _, height = _png_size(shots[rid])
        assert doc_height > VIEWPORT["height"] and abs(height - doc_height) <= 2, (rid, height, doc_height)


# ---------------------------------------------------------------------------
# Accessibility: axe-core, WCAG 2.2 A and AA, on every page
# ---------------------------------------------------------------------------


def _require_axe():
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is not installed ({AXE_JS} missing): run `make assets`")


def test_axe_reports_violations_on_a_canary_page(browser, tmp_path):
    """The engine runs and finds known faults (so 'no violations' below means something)."""
    _require_axe()
    page_file = tmp_path / "axe-canary.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>canary</title></head><body><main><h1>c</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#aaaaaa;background:#ffffff">pale text</p>'
        '<input type="text"></main></body></html>',
        encoding="utf-8",
    )
    guard = Guard(browser)
    try:
        visit, page = guard.open("axe canary", page_file.as_uri())
        page.close()
    finally:
        guard.close()
    found = {v["id"] for v in visit.extra["axe"]["violations"]}
    assert {"image-alt", "color-contrast", "label"} <= found, found
    assert visit.extra["axe"]["version"] == "4.14.1"


def test_every_page_passes_axe_wcag22_aa(site):
    _require_axe()
    lines, unchecked = [], []
    for v in _all_visits(site):
        if "axe" not in v.extra:
            unchecked.append(v.name)
            continue
        lines.extend(axe_lines(v.name, v.extra["axe"]))
    assert not unchecked, f"pages axe did not check: {unchecked}"
    assert not lines, f"{len(lines)} WCAG 2.2 A/AA violations:\n" + "\n".join(lines)


# ---------------------------------------------------------------------------
# The survey explorer: every control changes the view, offline
# ---------------------------------------------------------------------------

_EXPLORER_STATE_JS = """
() => {
  const shown = (e) => e.getClientRects().length > 0;
  const label = (o) => o ? o.text.replace(/\\u00a0/g, ' ') : null;
  const selects = Array.from(document.querySelectorAll('.widget-dropdown select')).filter(shown);
  const outputs = Array.from(document.querySelectorAll('.widget-output')).filter(shown);
  return {
    controls: selects.map(s => ({selected: label(s.options[s.selectedIndex]), disabled: s.disabled,
                                 options: Array.from(s.options).map(label)})),
    captions: outputs.flatMap(o => Array.from(o.querySelectorAll('p.explorer-view')).filter(shown)
                                   .map(p => p.textContent.trim())),
    alts: outputs.flatMap(o => Array.from(o.querySelectorAll('img')).filter(shown)
                               .map(i => i.getAttribute('alt'))),
  };
}
"""


def _visible_select(page, n: int):
    return page.locator(".widget-dropdown select").locator("visible=true").nth(n)


def test_explorer_shows_the_view_for_every_selection(browser, batch_ok):
    from lib import report
    from lib.report import explorer

    wb = report.load_workbook(batch_ok.processed)
    q_labels = dict(explorer.explorer_questions(wb))
    s_labels = dict(explorer.sectors(wb))
    guard = Guard(browser)
    seen, errors = [], []
    try:
        visit, page = guard.open(
            "programme explorer",
            (batch_ok.html / site_pages.EXPLORER_PAGE).as_uri(),
            after_load=lambda p, v: p.wait_for_selector(".widget-output img", timeout=WIDGET_TIMEOUT_MS),
        )
        for q_label, question in explorer.explorer_questions(wb):
            _visible_select(page, 0).select_option(label=q_label)
            for s_label, sector in explorer.sectors(wb):
                state = page.evaluate(_EXPLORER_STATE_JS)
                controls = state["controls"]
                if question in explorer.both_sectors(wb):
                    # The Sector control cannot apply: it is disabled and says so.
                    if [c["disabled"] for c in controls] != [False, True] or controls[1][
                        "selected"
                    ] != explorer.BOTH_SECTORS_LABEL:
                        errors.append(f"{q_label}: sector control should be disabled: {controls}")
                    expected_sector = None
                else:
                    _visible_select(page, 1).select_option(label=s_label)
                    state = page.evaluate(_EXPLORER_STATE_JS)
                    controls = state["controls"]
                    if [c["disabled"] for c in controls] != [False, False] or [
                        c["selected"] for c in controls
                    ] != [q_label, s_label]:
                        errors.append(f"{q_label} / {s_label}: controls read {controls}")
                    expected_sector = sector
                expected_caption = explorer.view_caption(wb, question, expected_sector)
                expected_alts = _img_alts(str(explorer.survey_view(wb, q_labels[q_label], s_labels[s_label])))
                if state["captions"] != [expected_caption]:
                    errors.append(
                        f"{q_label} / {s_label}: shows {state['captions']}, expected {expected_caption!r}"
                    )
                if state["alts"] != expected_alts:
                    errors.append(f"{q_label} / {s_label}: charts {state['alts']}, expected {expected_alts}")
                seen.append((question, expected_sector))
        # The example: Q4 then children's centres, then a screenshot.
        _visible_select(page, 0).select_option(
            label=dict((v, k) for k, v in explorer.explorer_questions(wb))["la_role"]
        )
        _visible_select(page, 1).select_option(
            label=dict((v, k) for k, v in explorer.sectors(wb))["childrens_centres"]
        )
        state = page.evaluate(_EXPLORER_STATE_JS)
        assert state["captions"] == [explorer.view_caption(wb, "la_role", "childrens_centres")], state[
            "captions"
        ]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        box = page.locator(".widget-vbox").locator("visible=true").first
        box.screenshot(path=str(SCREENSHOTS / "explorer.png"))
        after_change = run_axe(page) if AXE_JS.is_file() else {"violations": []}
        page.close()
    finally:
        guard.close()
    assert not errors, "\n".join(errors)
    n_views = len({v for v in seen})
    assert n_views == 1 + 2 * (len(explorer.explorer_questions(wb)) - len(explorer.both_sectors(wb))), seen
    assert not visit.problems(), visit.problems()
    assert not axe_lines("explorer after a change", after_change), axe_lines("explorer", after_change)
    width, height = _png_size(SCREENSHOTS / "explorer.png")
    assert width > 400 and height > 300, (width, height)


# ---------------------------------------------------------------------------
# Print: the programme report on A4
# ---------------------------------------------------------------------------

#: A4 is 210 mm wide; the print stylesheet's @page margin is 15 mm a side,
#: so the printable width is 180 mm = 680 CSS px (96 px to the inch).
A4_PRINTABLE_PX = round((210 - 2 * 15) / 25.4 * 96)

_PRINT_FACTS_JS = """
(width) => {
  const clipped = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.getClientRects().length === 0) continue;          // not rendered in print
    const r = e.getBoundingClientRect();
    const ox = getComputedStyle(e).overflowX;
    const hides = ['hidden', 'auto', 'scroll', 'clip'].includes(ox);
    if (r.right > width + 1 || r.left < -1 || (hides && e.scrollWidth > e.clientWidth + 1)) {
      clipped.push(`${e.tagName.toLowerCase()}.${String(e.className).split(' ')[0]}: left ${Math.round(r.left)},`
                   + ` right ${Math.round(r.right)}, scrollWidth ${e.scrollWidth}, overflow ${ox}`);
    }
  }
  const details = Array.from(document.querySelectorAll('details')).filter(d => d.getClientRects().length);
  const closed = details.filter(d => Array.from(d.children).some(
      c => c.tagName !== 'SUMMARY' && c.getClientRects().length === 0));
  const widgets = Array.from(document.querySelectorAll('.widget-dropdown, .widget-output'))
      .filter(e => e.getClientRects().length).length;
  const stand_in = Array.from(document.querySelectorAll('.jp-OutputArea-output.jupyter-widgets'))
      .map(e => getComputedStyle(e, '::after').content);
  return {docWidth: document.documentElement.scrollWidth, clipped, details: details.length,
          closed: closed.map(d => d.querySelector('summary').textContent.slice(0, 80)),
          tables: Array.from(document.querySelectorAll('table')).filter(t => t.getClientRects().length).length,
          figures: Array.from(document.querySelectorAll('figure img')).filter(i => i.getClientRects().length).length,
          widgets, stand_in};
}
"""


def test_programme_prints_to_a4_without_clipping(browser, batch_ok):
    """Laid out at the A4 printable width with print media: nothing sticks out
    or is cut by an overflow box, every <details> prints open, the widgets are
    (on the explorer's own page) would be replaced by a line pointing to their static views; the PDF is A4."""
    guard = Guard(browser)
    try:
        visit, page = guard.open(
            "programme print",
            (batch_ok.html / "programme.html").as_uri(),
        )
        page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1000})
        page.emulate_media(media="print")
        facts = page.evaluate(_PRINT_FACTS_JS, A4_PRINTABLE_PX)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        pdf_path = SCREENSHOTS / "programme.pdf"
        page.pdf(path=str(pdf_path), format="A4", prefer_css_page_size=True, print_background=True)
        page.close()
    finally:
        guard.close()
    assert facts["tables"] > 5 and facts["figures"] > 5, facts
    assert facts["docWidth"] <= A4_PRINTABLE_PX, facts["docWidth"]
    assert not facts["clipped"], "clipped or overflowing in print:\n" + "\n".join(facts["clipped"][:20])
    assert facts["details"] > 0 and not facts["closed"], f"details not expanded in print: {facts['closed']}"
    assert facts["widgets"] == 0, "interactive widgets are printed"
    assert all("static" in c for c in facts["stand_in"]), facts["stand_in"]  # the explorer has its own page
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    boxes = {
        tuple(round(float(x)) for x in m) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    }
    assert boxes == {(596, 843)} or boxes == {(595, 842)}, f"PDF pages are not A4: {boxes}"
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 5


# ---------------------------------------------------------------------------
# Downloads linked from the index
# ---------------------------------------------------------------------------


def test_index_offers_every_processed_table_and_the_workbook(site, batch_ok):
    from lib.run import downloads

    expected = {f"downloads/{name}.csv" for name in downloads.table_names()} | {"downloads/programme.xlsx"}
    got = site["index"].extra["downloads"]
    assert expected <= set(got), f"not downloadable from the index: {expected - set(got)}"
    for href in expected:
        filename, content = got[href]
        assert filename == Path(href).name and content == (batch_ok.html / href).read_bytes(), href
    for name in downloads.table_names():
        assert got[f"downloads/{name}.csv"][1] == (batch_ok.processed / f"{name}.csv").read_bytes(), name
    assert got["downloads/programme.xlsx"][1][:2] == b"PK"


def test_index_links_the_brief_its_pdf_and_the_glossary(site):
    """Opened from the index and checked like every page (axe, links, headings above);
    the PDF is one A4 page."""
    others = site["index"].extra["others"]
    assert {"brief.html", "glossary.html", "caveats.html"} <= set(others), sorted(others)
    assert all("axe" in others[name].extra for name in ("brief.html", "glossary.html"))
    pdf = site["index"].extra["downloads"]["brief.pdf"][1]
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == 1
    boxes = [
        tuple(round(float(x)) for x in m) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    ]
    assert boxes in ([(595, 842)], [(596, 843)]), boxes  # A4 in points


# ---------------------------------------------------------------------------
# Navigation: contents, index, programme report, previous/next authority
# ---------------------------------------------------------------------------


def test_contents_links_resolve_to_headings_on_every_report(site):
    bad = {}
    for rid, v in site["reports"].items():
        toc = v.dom.get("toc", [])
        if len(toc) < 3:
            bad[rid] = f"contents list has {len(toc)} entries"
            continue
        h2 = [text for lvl, text in v.dom["headings"] if lvl == 2 and text != "Contents"]
        wrong = [t for t in toc if t["target"] != "h2" or t["targetText"] != t["text"]]
        if wrong:
            bad[rid] = wrong
        elif [t["text"] for t in toc] != [h.replace("\u00b6", "").strip() for h in h2]:
            bad[rid] = f"contents {[t['text'] for t in toc]} != h2 headings {h2}"
    assert not bad, bad


def test_index_programme_and_previous_next_links_on_every_report(site, batch_ok):
    a = batch_ok.tables["authorities"]
    names = dict(zip(a["authority_id"], a["authority"], strict=False))
    order = [aid for _, aid in sorted((name.casefold(), aid) for aid, name in names.items())]
    errors = []
    for rid, v in site["reports"].items():
        header = [(link["href"], link["text"]) for link in v.dom["siteNav"] if link["nav"] == "header"]
        footer = [(link["href"], link["text"]) for link in v.dom["siteNav"] if link["nav"] == "footer"]
        expected = [("index.html", "All reports")]
        pager = []
        if rid != "programme":
            expected.append(("programme.html", "Programme report"))
            i = order.index(rid)
            if i > 0:
                pager.append((f"{order[i - 1]}.html", f"Previous: {names[order[i - 1]]}"))
            if i + 1 < len(order):
                pager.append((f"{order[i + 1]}.html", f"Next: {names[order[i + 1]]}"))
        expected.append(("glossary.html", "Glossary"))
        if header != expected + pager or footer != pager:
            errors.append(f"{rid}: header {header}, footer {footer}; expected {expected + pager}, {pager}")
        for link in v.dom["siteNav"]:
            target = _file_of(link["url"])
            if not target.is_file() or target.parent != batch_ok.html:
                errors.append(f"{rid}: {link['href']} -> {target} is not a page beside it")
    assert not errors, "\n".join(errors)
    # every authority is reachable from the first by following 'Next'
    assert [rid for rid in order] == sorted(
        set(site["reports"]) - {"programme"}, key=lambda r: (names[r].casefold(), r)
    )


def test_index_footer_shows_build_date_data_version_and_workbook_version(site, batch_ok):
    from lib.run import site as run_site

    for visit in (site["index"], site["top_index"]):
        footer = visit.dom["footer"]
        newest = max(r.finished_at for r in batch_ok.result.results)
        assert f"Built {newest} (UTC, the newest page)" in footer, footer
        assert f"Data version {batch_ok.result.data_version[:12]}" in footer, footer
        assert f"Workbook version {run_site.workbook_version()}" in footer, footer


def test_index_summary_and_coverage_per_authority(site, batch_ok):
    rows = {Path(r["href"]).stem: r for r in site["index"].extra["rows"] if r.get("href")}
    evidence = batch_ok.tables["evidence"]
    text = site["index"].dom["bodyText"]
    for aid, group in evidence.groupby("authority_id"):
        known = group[group["status"] != "unrecorded"]
        recorded, inferred = int((known["inferred"] == "no").sum()), int((known["inferred"] == "yes").sum())
        assert aid in rows
        assert (
            f"{recorded + inferred} of {len(group)} with a status: {recorded} recorded, {inferred} inferred"
            in text
        )


_SHOWN_REPORTS_JS = """
() => Array.from(document.querySelectorAll('#reports tbody tr'))
  .filter(r => r.getClientRects().length > 0 && r.querySelector('th[scope=row] a'))
  .map(r => r.querySelector('th[scope=row] a').getAttribute('href'))
"""


def test_index_search_and_status_filter(browser, batch_ok):
    a = batch_ok.tables["authorities"]
    guard = Guard(browser)
    try:
        visit, page = guard.open("index filter", (batch_ok.html / "index.html").as_uri())
        every = page.evaluate(_SHOWN_REPORTS_JS)
        assert len(every) == len(batch_ok.result.results)
        spellings = index.search_spellings()
        for aid, name in zip(a["authority_id"], a["authority"], strict=False):
            page.fill("#report-search", name.upper())
            expected = [
                h
                for h in every
                if any(
                    name.casefold() in " ".join([n, *spellings.get(i, ())]).casefold() and h == f"{i}.html"
                    for i, n in zip(a["authority_id"], a["authority"], strict=False)
                )
            ]
            assert f"{aid}.html" in expected and page.evaluate(_SHOWN_REPORTS_JS) == expected, (
                name,
                expected,
            )
        page.fill("#report-search", a["authority"].iloc[-1])
        assert page.evaluate(_SHOWN_REPORTS_JS) == [f"{a['authority_id'].iloc[-1]}.html"]
        page.fill("#report-search", "NE Lincs")  # the sources' own abbreviation (definition spellings)
        assert page.evaluate(_SHOWN_REPORTS_JS) == ["north-east-lincolnshire.html"]
        page.fill("#report-search", "")
        assert page.evaluate(_SHOWN_REPORTS_JS) == every
        # every report of this run is OK: a status filter with one option would do nothing
        assert page.query_selector("#report-status") is None
        after = run_axe(page) if AXE_JS.is_file() else {"violations": []}
        page.close()
    finally:
        guard.close()
    assert not visit.problems(), visit.problems()
    assert not axe_lines("index after filtering", after)
    # Without JavaScript: no controls, every report listed.
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto((batch_ok.html / "index.html").as_uri(), wait_until="load")
        assert page.evaluate(_SHOWN_REPORTS_JS) == every
        assert not page.is_visible("#report-search")
    finally:
        context.close()
