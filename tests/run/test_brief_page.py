"""The one-page brief beside the reports (lib.run.brief): the HTML page and its
PDF printed by Chromium are one A4 page, pass axe-core, and the same inputs give
the same bytes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _chromium import CHROMIUM, NO_CHROMIUM, launch

from lib.run import brief

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: A4 in PostScript points (210 x 297 mm); Chromium rounds to its own pixel grid.
A4_POINTS = (595.28, 841.89)


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height of every page object of a PDF (its MediaBox), read from the bytes."""
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", pdf)
    boxes = [
        tuple(float(x) for x in m.groups())
        for m in re.finditer(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    ]
    assert len(boxes) == len(pages), (len(boxes), len(pages))
    return boxes


def test_pdf_page_reader_counts_pages():
    two = b"<< /Type /Pages /Count 2 >> << /Type /Page /MediaBox [0 0 595 842] >> << /Type /Page /MediaBox [0 0 612 792] >>"
    assert pdf_pages(two) == [(595.0, 842.0), (612.0, 792.0)]


def test_fixed_dates_keep_the_length():
    pdf = b"<< /CreationDate (D:20261204143000+00'00') /ModDate (D:20261204143001+00'00') >>"
    fixed = brief.fixed_dates(pdf)
    assert len(fixed) == len(pdf) and b"2026" not in fixed and fixed.count(b"D:20000101000000") == 2


@pytest.fixture(scope="module")
def written(evaluation_build, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    out = tmp_path_factory.mktemp("brief")
    made = brief.write_brief(evaluation_build.processed, out)
    return out, made


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_brief_pdf_is_exactly_one_a4_page(written):
    out, made = written
    assert made == brief.Brief(brief.BRIEF_PAGE, brief.BRIEF_PDF, None)
    pages = pdf_pages((out / brief.BRIEF_PDF).read_bytes())
    assert len(pages) == 1, f"the brief prints to {len(pages)} pages"
    (w, h) = pages[0]
    assert abs(w - A4_POINTS[0]) < 1.5 and abs(h - A4_POINTS[1]) < 1.5, pages[0]


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_same_inputs_same_brief_bytes(written, evaluation_build, tmp_path):
    out, _ = written
    again = brief.write_brief(evaluation_build.processed, tmp_path)
    assert again.pdf == brief.BRIEF_PDF
    for name in (brief.BRIEF_PAGE, brief.BRIEF_PDF):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    brief._PRINTED.clear()  # print again for real, elsewhere: Chromium's time stamps are fixed
    third = tmp_path / "elsewhere"
    third.mkdir()
    brief.write_brief(evaluation_build.processed, third)
    assert (third / brief.BRIEF_PDF).read_bytes() == (out / brief.BRIEF_PDF).read_bytes()
    assert b"file:" not in (out / brief.BRIEF_PDF).read_bytes()  # no link to the folder it was printed in


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_brief_html_passes_axe_and_fits_a_phone(written):
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is not installed ({AXE_JS} missing): run `make assets`")
    sync_api = pytest.importorskip("playwright.sync_api")
    out, _ = written
    with sync_api.sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto((out / brief.BRIEF_PAGE).as_uri(), wait_until="load")
            width = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
            result = page.evaluate(
                "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
                AXE_TAGS,
            )
            headings = page.eval_on_selector_all("h1, h2", "hs => hs.map(h => h.textContent.trim())")
        finally:
            browser.close()
    assert result == []
    assert width[0] <= width[1], f"the brief scrolls sideways at 390 px: {width}"
    assert headings[0].endswith("the evidence in one page")
    assert headings[1].startswith("Verdict \u2014 ") and headings[2:] == [
        "Three key findings",
        "What cannot be concluded",
        "Decision box",
    ]


def fake_browser(tmp_path, version: str = "Fake 1.0"):
    """A stand-in for Chromium: answers --version, prints a different PDF every time, logs each print."""
    log = tmp_path / f"prints-{version.replace(' ', '')}.log"
    script = tmp_path / f"chromium-{version.replace(' ', '')}"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = --version ]; then echo "{version}"; exit 0; fi\n'
        f'echo printed >> "{log}"\n'
        'for a in "$@"; do case "$a" in --print-to-pdf=*) '
        'printf \'%%PDF-1.4 %s\' "$(date +%s%N)" > "${a#--print-to-pdf=}";; esac; done\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script, log


def test_a_page_printed_before_is_not_printed_again(tmp_path, monkeypatch):
    """The run's cache folder keeps each printed brief by the page's bytes and the browser:
    the same page (in a new process) reuses the PDF; another page or another browser prints."""
    monkeypatch.setattr(brief, "_PRINTED", {})
    browser, log = fake_browser(tmp_path)
    cache, page = tmp_path / "cache", tmp_path / "page.html"
    page.write_text("<p>brief</p>", encoding="utf-8")
    assert brief.print_pdf(page, tmp_path / "a.pdf", browser, cache_dir=cache) is None
    brief._PRINTED.clear()  # a new process
    assert brief.print_pdf(page, tmp_path / "b.pdf", browser, cache_dir=cache) is None
    assert log.read_text().count("printed") == 1
    assert (tmp_path / "b.pdf").read_bytes() == (tmp_path / "a.pdf").read_bytes()
    page.write_text("<p>brief, corrected</p>", encoding="utf-8")
    brief.print_pdf(page, tmp_path / "c.pdf", browser, cache_dir=cache)
    assert log.read_text().count("printed") == 2
    other, other_log = fake_browser(tmp_path, "Fake 2.0")
    brief._PRINTED.clear()
    brief.print_pdf(page, tmp_path / "d.pdf", other, cache_dir=cache)
    assert other_log.read_text().count("printed") == 1
    assert (tmp_path / "d.pdf").read_bytes() != (tmp_path / "c.pdf").read_bytes()
    brief._PRINTED.clear()
    brief.print_pdf(page, tmp_path / "e.pdf", browser)  # no cache folder: printed
    assert log.read_text().count("printed") == 3
