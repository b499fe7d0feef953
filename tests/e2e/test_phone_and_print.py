"""Phone and print, measured in Chromium on the rendered site (issue 19, item 7).

At 390 px (a phone): no page type scrolls sideways (programme, authority, caveats,
index); every control's box lies inside the viewport, or inside a box of its own that
scrolls and does; every chart's smallest text, scaled as the browser draws the chart,
is at least 11 px. Printed to A4: no word of a table header is split across lines
(each word's rendered boxes, measured with a DOM Range, sit on one line), header cells
wrap only at spaces (computed ``hyphens``, ``word-break``, ``overflow-wrap``), and
nothing is clipped sideways (a box that scrolls on screen shows all of its content), and
the PDF is A4.

The survey explorer's widgets are left out of the control check: their layout is
another change's (the explorer moves to its own page). Its charts are not: on its own
page (``survey-explorer.html``) every view the controls can show is selected in turn at
390 px and each chart's smallest text measured as drawn there.
"""

from __future__ import annotations

import base64
import io
import re

import pytest
from _chromium import CHROMIUM, NO_CHROMIUM, launch
from PIL import Image

if not CHROMIUM.exists():
    pytest.skip(NO_CHROMIUM, allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.notebook]

PHONE = {"width": 390, "height": 844}
#: The smallest chart text a phone reader gets, in CSS px.
MIN_CHART_TEXT_PX = 11
#: A4 printable width (210 mm less 15 mm margins a side) in CSS px.
A4_PRINTABLE_PX = round((210 - 2 * 15) / 25.4 * 96)
#: One page of each type: the programme, an authority with a case study, one without,
#: the caveats page, the index.
PAGES = ("programme.html", "richmond-upon-thames.html", "bexley.html", "caveats.html", "index.html")
#: Pages whose table headers are checked in print (Leeds has the authority page's tables).
PRINTED = ("programme.html", "leeds.html", "caveats.html", "index.html")

_SCROLL_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"

#: The survey explorer's own page: its charts sit in widget outputs.
EXPLORER = "survey-explorer.html"
WIDGET_TIMEOUT_MS = 20_000

#: Every visible control outside the explorer widgets: its box, or (when it sits in a
#: box that scrolls sideways) that box; a skip link is measured while it has focus.
_CONTROLS_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const sel = 'a[href], button, select, input, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const scroller = (e) => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if ((ox === 'auto' || ox === 'scroll') && p.scrollWidth > p.clientWidth + 1) return p;
    }
    return null;
  };
  const out = [];
  for (const e of document.querySelectorAll(sel)) {
    if (e.closest('.jupyter-widgets, .widget-box, .widget-dropdown')) continue;
    if (e.classList.contains('skip-link')) e.focus();
    if (e.getClientRects().length === 0) { e.blur(); continue; }
    const box = scroller(e) || e;
    const r = box.getBoundingClientRect();
    if (r.width > 0 && (r.left < -1 || r.right > vw + 1)) {
      out.push(`${e.tagName.toLowerCase()} "${(e.textContent || '').trim().slice(0, 40)}": `
               + `${Math.round(r.left)}..${Math.round(r.right)} (viewport ${vw})`);
    }
    e.blur();
  }
  return out;
}
"""

#: Each chart image as the browser draws it: which variant it chose, the smallest text
#: of that variant (image px, data-text-px) scaled by drawn width / natural width.
#: ``widgets``: measure the charts inside the explorer's widget outputs too.
_CHART_TEXT_JS = """
(widgets = false) => Array.from(document.querySelectorAll('figure.chart img'))
  .filter(i => i.getClientRects().length && (widgets || !i.closest('.jupyter-widgets, .widget-output')))
  .map(i => {
    const source = i.closest('picture') && i.closest('picture').querySelector('source');
    const phone = !!source && i.currentSrc === source.srcset;
    const textPx = parseFloat((phone ? source : i).dataset.textPx);
    return {alt: i.alt.slice(0, 70), phone, textPx, drawn: i.getBoundingClientRect().width,
            natural: i.naturalWidth, px: textPx * i.getBoundingClientRect().width / i.naturalWidth};
  })
"""

#: Every header cell of every rendered table: its computed wrapping rules, and each of its
#: words whose rendered boxes fall on more than one line (a word split mid-word).
_HEADER_WORDS_JS = """
() => {
  const cells = Array.from(document.querySelectorAll('table th')).filter(c => c.getClientRects().length);
  const split = [], rules = new Set();
  for (const th of cells) {
    const st = getComputedStyle(th);
    rules.add(`${st.hyphens}/${st.wordBreak}/${st.overflowWrap}`);
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s\\-\u2010\u2013\u2014\\/]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const vertical = getComputedStyle(th).writingMode.startsWith('vertical');
        const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0)
                                  .map(r => Math.round(vertical ? r.left : r.top)));
        if (lines.size > 1) split.push(`"${m[0]}" in "${th.textContent.trim().slice(0, 50)}"`);
      }
    }
  }
  return {cells: cells.length, split, rules: Array.from(rules)};
}
"""


#: Every box that would clip its content on paper: it hides or scrolls what overflows
#: sideways, and its content is wider than it (a printed page cannot scroll).
_CLIPPED_JS = """
() => Array.from(document.querySelectorAll('body *')).filter(e => {
  if (!e.getClientRects().length) return false;
  const ox = getComputedStyle(e).overflowX;
  return ['auto', 'scroll', 'hidden', 'clip'].includes(ox) && e.scrollWidth > e.clientWidth + 1;
}).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className.toString().slice(0, 40)}: `
             + `${e.scrollWidth} px of content in ${e.clientWidth} px`)
"""


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
def phone_facts(browser, full_batch):
    """Each page of :data:`PAGES` opened at 390 px: sideways scroll, controls, chart text."""
    failed = [(r.id, r.error) for r in full_batch.result.results if not r.ok]
    assert not failed, f"reports failed in the batch run: {failed}"
    context = browser.new_context(viewport=PHONE)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("file:", "data:"))
            else route.abort("blockedbyclient")
        ),
    )
    facts = {}
    try:
        for name in PAGES:
            page = context.new_page()
            path = full_batch.html / name if name != "index.html" else _index(full_batch)
            page.goto(path.as_uri(), wait_until="load")
            facts[name] = {
                "scroll": page.evaluate(_SCROLL_JS),
                "controls": page.evaluate(_CONTROLS_JS),
                "charts": page.evaluate(_CHART_TEXT_JS),
            }
            page.close()
        facts[EXPLORER] = _explorer_facts(context, full_batch)
    finally:
        context.close()
    return facts


def _explorer_facts(context, full_batch) -> dict:
    """The survey explorer's page at 390 px: its sideways scroll, and every view (each question,
    and each sector where the question has one view per sector), its charts measured as drawn."""
    from lib import report
    from lib.report import explorer

    wb = report.load_workbook(full_batch.processed)
    page = context.new_page()
    charts = []
    try:
        page.goto((full_batch.html / EXPLORER).as_uri(), wait_until="load")
        page.wait_for_selector(".widget-output img", timeout=WIDGET_TIMEOUT_MS)
        scroll = page.evaluate(_SCROLL_JS)
        selects = page.locator(".widget-dropdown select").locator("visible=true")
        for q_label, question in explorer.explorer_questions(wb):
            selects.nth(0).select_option(label=q_label)
            sectors = [None] if question in explorer.both_sectors(wb) else explorer.sectors(wb)
            for sector in sectors:
                if sector is not None:
                    selects.nth(1).select_option(label=sector[0])
                page.wait_for_timeout(100)
                view = f"{q_label} / {sector[0] if sector else 'both sectors'}"
                charts += [dict(c, alt=f"{view}: {c['alt']}") for c in page.evaluate(_CHART_TEXT_JS, True)]
    finally:
        page.close()
    return {"scroll": scroll, "controls": [], "charts": charts}


def _index(full_batch):
    """The report index the site opens on (html/index.html, else the output folder's)."""
    inside = full_batch.html / "index.html"
    return inside if inside.is_file() else full_batch.out / "index.html"


def test_no_page_scrolls_sideways_at_390_px(phone_facts):
    wide = {name: f["scroll"] for name, f in phone_facts.items() if f["scroll"][0] > f["scroll"][1] + 1}
    assert not wide, f"pages wider than the 390 px viewport (scrollWidth, clientWidth): {wide}"


def test_every_control_lies_inside_the_viewport_at_390_px(phone_facts):
    outside = [f"{name}: {line}" for name, f in phone_facts.items() for line in f["controls"]]
    assert not outside, "controls off-screen at 390 px:\n" + "\n".join(outside[:30])


def test_chart_text_is_at_least_11_px_at_390_px(phone_facts):
    charts = [(name, c) for name, f in phone_facts.items() for c in f["charts"]]
    programme = [c for name, c in charts if name == "programme.html"]
    assert len(programme) >= 10, f"the programme page should show its charts: {len(programme)}"
    explorer_views = [c for name, c in charts if name == EXPLORER]
    assert len(explorer_views) >= 7, f"every explorer view should show its chart: {len(explorer_views)}"
    assert all(c["phone"] for _, c in charts), "a phone should get each chart's phone variant"
    small = [
        f"{name}: {c['alt']}: {c['px']:.1f} px" for name, c in charts if not c["px"] >= MIN_CHART_TEXT_PX
    ]
    assert not small, "chart text under 11 px at 390 px:\n" + "\n".join(small)


def test_the_chart_text_measure_sees_an_unscaled_chart_as_too_small(browser, tmp_path):
    """The measure itself: an 880 px-wide image with 13 px text drawn in a 344 px column
    reads as about 5 px (so the check above can fail)."""
    buffer = io.BytesIO()
    Image.new("RGB", (880, 300), "white").save(buffer, format="PNG")
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    page_file = tmp_path / "chart.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta name="viewport" content="width=device-width">'
        '<title>t</title></head><body style="margin:0 23px"><figure class="chart" style="margin:0">'
        f'<img src="data:image/png;base64,{png}" alt="test chart" data-text-px="13"'
        ' style="max-width:100%;height:auto"></figure></body></html>',
        encoding="utf-8",
    )
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(page_file.as_uri())
        (chart,) = page.evaluate(_CHART_TEXT_JS)
    finally:
        page.close()
    assert chart["natural"] == 880 and chart["drawn"] == pytest.approx(344, abs=1)
    assert chart["px"] == pytest.approx(13 * 344 / 880, abs=0.1)


@pytest.fixture(scope="module")
def printed(browser, full_batch):
    """The :data:`PRINTED` pages laid out for print at the A4 width, their
    header words measured, and the programme page printed to an A4 PDF."""
    out = {}
    page = browser.new_page(viewport={"width": A4_PRINTABLE_PX, "height": 1000})
    try:
        for name in PRINTED:
            path = full_batch.html / name if name != "index.html" else _index(full_batch)
            page.goto(path.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            out[name] = page.evaluate(_HEADER_WORDS_JS)
            out[name]["clipped"] = page.evaluate(_CLIPPED_JS)
        page.goto((full_batch.html / "programme.html").as_uri(), wait_until="load")
        out["pdf"] = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    finally:
        page.close()
    return out


def test_no_table_header_word_is_split_in_print(printed):
    for name in PRINTED:
        facts = printed[name]
        assert facts["cells"] > 3, (name, facts["cells"])
        assert not facts["split"], f"{name}: header words split across lines in print:\n" + "\n".join(
            facts["split"][:20]
        )
        assert facts["rules"] == ["manual/normal/normal"], (name, facts["rules"])


def test_nothing_is_clipped_sideways_in_print(printed):
    """A box that scrolls on screen (the index's report table) shows all of its content on paper."""
    clipped = [f"{name}: {line}" for name in PRINTED for line in printed[name]["clipped"]]
    assert not clipped, "content clipped at the A4 width in print:\n" + "\n".join(clipped[:20])


def test_the_clipping_measure_finds_a_wide_table_in_a_scrolling_box(browser, tmp_path):
    """The measure itself: a 900 px table in a box that scrolls is clipped on paper."""
    page_file = tmp_path / "clip.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>'
        '<div id="box" style="overflow-x:auto"><table style="width:900px"><tr><td>wide</td></tr></table></div>'
        "</body></html>",
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": A4_PRINTABLE_PX, "height": 600})
    try:
        page.goto(page_file.as_uri())
        page.emulate_media(media="print")
        found = page.evaluate(_CLIPPED_JS)
    finally:
        page.close()
    assert len(found) == 1 and found[0].startswith("div#box"), found


def test_the_printed_programme_is_a4(printed):
    pdf = printed["pdf"]
    boxes = {
        tuple(round(float(x)) for x in m) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    }
    assert boxes in ({(596, 843)}, {(595, 842)}), boxes


def test_the_split_word_measure_finds_a_word_broken_mid_word(browser, tmp_path):
    """The measure itself: a header forced to break inside 'Questionnaire' is reported."""
    page_file = tmp_path / "split.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><table><thead><tr>'
        '<th style="width:3em;overflow-wrap:anywhere">Questionnaire report</th><th>Whole</th>'
        "</tr></thead></table></body></html>",
        encoding="utf-8",
    )
    page = browser.new_page()
    try:
        page.goto(page_file.as_uri())
        facts = page.evaluate(_HEADER_WORDS_JS)
    finally:
        page.close()
    assert facts["split"] == ['"Questionnaire" in "Questionnaire report"'], facts


def test_the_control_measure_finds_a_control_off_screen_but_not_one_in_a_scrolling_box(browser, tmp_path):
    """The measure itself: a link pushed past the right edge is reported; a link in a
    wide table inside a box that scrolls sideways (and fits the screen) is not."""
    page_file = tmp_path / "controls.html"
    page_file.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta name="viewport" content="width=device-width">'
        '<title>t</title></head><body style="margin:0;overflow-x:hidden">'
        '<a href="#a" style="position:relative;left:500px">Off screen</a>'
        '<div style="overflow-x:auto;max-width:100%"><table style="width:900px"><tr><td>'
        '<a href="#b" style="margin-left:700px">In its box</a></td></tr></table></div>'
        "</body></html>",
        encoding="utf-8",
    )
    page = browser.new_page(viewport=PHONE)
    try:
        page.goto(page_file.as_uri())
        found = page.evaluate(_CONTROLS_JS)
    finally:
        page.close()
    assert len(found) == 1 and found[0].startswith('a "Off screen"'), found
