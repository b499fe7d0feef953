"""No paragraph, list item or table of the programme page says the same thing twice (a funder
read the participation table twice in a row, and the 'Launch' statement and the co-production
definition twice, each time from a second source). Short repeats are deliberate (a verdict
label, a table header) and a chart's title and subtitle belong to their own chart."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup

from lib.report import pages, workbook

#: Blocks this short may repeat (a table's 'none' note, a 'See the evidence' link).
SHORT = 30
#: Two tables that share this many whole columns (header and every value) repeat each other.
SHARED_COLUMNS = 3
#: Labels, not content: a chart's own title and subtitle name that chart under its own heading,
#: and a claim's verdict label heads each claim of the audit.
LABELS = ("chart-title", "chart-subtitle", "verdict")


def said(text: str) -> str:
    """A block's words: case, quote marks and spacing set aside, and a trailing source citation
    ('(programme report (002), § 2 ...)') dropped, so one statement from two documents matches."""
    words = " ".join(text.replace("\u2019", "'").replace("\u2018", "'").casefold().split())
    return re.sub(r"\s*\((?:[^()]|\([^()]*\))*§(?:[^()]|\([^()]*\))*\)\s*\.?$", "", words)


def repeated_blocks(page: str) -> list[str]:
    soup = BeautifulSoup(page, "html.parser")
    for chart_text in soup.find_all("p", class_=LABELS):
        chart_text.decompose()
    blocks = [
        said(el.get_text(" "))
        for el in soup.find_all(["p", "li", "figcaption", "blockquote"])
        if not el.find(["p", "li", "table", "ul", "ol"])
    ]
    counts = Counter(b for b in blocks if len(b) >= SHORT)
    return [b for b, n in counts.items() if n > 1]


def table_columns(table) -> set[tuple[str, ...]]:
    rows = [
        [" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])] for tr in table.find_all("tr")
    ]
    width = max((len(r) for r in rows), default=0)
    return {tuple(r[i] if i < len(r) else "" for r in rows) for i in range(width)}


def repeated_tables(page: str) -> list[tuple[str, str]]:
    tables = BeautifulSoup(page, "html.parser").find_all("table")
    columns = [table_columns(t) for t in tables]
    caption = [" ".join((t.caption.get_text(" ") if t.caption else "").split()) for t in tables]
    return [
        (caption[i], caption[j])
        for i in range(len(tables))
        for j in range(i + 1, len(tables))
        if len(columns[i] & columns[j]) >= SHARED_COLUMNS
    ]


@pytest.fixture(scope="module")
def programme_page(evaluation_build) -> str:
    wb = workbook.load_workbook(evaluation_build.processed)
    return str(pages.PROGRAMME_PAGE.render(wb))


def test_the_checks_find_the_repeats_the_funder_read():
    """The two checks against the blocks the funder read twice (independent of the page code)."""
    launch = (
        "<ul><li>4Children launched its children\u2019s centres programme in April 2011 over two years. "
        "(attitude survey report (004), \u00a7 1 Background)</li>"
        "<li>4Children launched its Children's Centres Programme in April 2011 over two years. "
        "(Leeds case study (001), \u00a7 introduction)</li><li>Verdict: cannot be tested</li>"
        "<li>Verdict: cannot be tested</li></ul>"
        "<p>Co-production = working together to produce better outcomes (Richmond case study (000), \u00a7 "
        "Co-production = working together)</p><p>Co-production = working together to produce better "
        "outcomes (Leeds case study (001), \u00a7 Co-production = working together)</p>"
    )
    assert len(repeated_blocks(launch)) == 2
    rows = "".join(
        f"<tr><td>{a}</td><td>{x}</td><td>{y}</td></tr>" for a, x, y in [("Barnet", "unknown", "no")]
    )
    head = "<tr><th>Authority</th><th>2011-12</th><th>2012-13</th></tr>"
    two = f"<table><caption>A</caption>{head}{rows}</table><table><caption>B</caption>{head}{rows}</table>"
    assert repeated_tables(two) == [("A", "B")]
    assert repeated_tables(f"<table>{head}{rows}</table>") == []


def test_no_block_of_the_programme_page_appears_twice(programme_page):
    assert repeated_blocks(programme_page) == []


def test_no_table_of_the_programme_page_repeats_another(programme_page):
    assert repeated_tables(programme_page) == []


def _plain(page: str) -> str:
    return " ".join(BeautifulSoup(page, "html.parser").get_text(" ").split())


def test_each_confidence_clause_is_given_in_full_once(programme_page, evaluation_build):
    """A reason for lowering a finding's confidence is printed in full once; the other findings and
    the success-measure section link to the finding that gives it."""
    wb = workbook.load_workbook(evaluation_build.processed)
    text = _plain(programme_page)
    clauses = {c for r in wb.results_findings["confidence_reason"] for c in r.split("; lowered: ")[1:]}
    assert len(clauses) >= 3
    for clause in clauses:
        assert text.count("lowered: " + clause.split(";")[0]) == 1, clause  # the rubric defines them apart
    soup = BeautifulSoup(programme_page, "html.parser")
    success = soup.find(id="success-measure").find_next(string=re.compile("^Confidence very low:"))
    assert success and success.parent.find("a")["href"] == "#finding-1"


def test_activity_and_methods_read_as_sentences(programme_page):
    """The source (002): 'nine focus workshops and two interview surveys for over 280 participants'."""
    text = _plain(programme_page)
    assert (
        "ran 9 workshops (focus workshops) and 2 surveys (interview surveys) for over 280 participants."
        in text
    )
    assert "ran 10 workshops and 3 surveys for up to 379 participants." in text
    assert "childrens centres post" not in text
    assert re.search(
        r"for example, children's centre respondents, after: about \d+, between \d+ and \d+", text
    )
