"""The index page (lib.run.index): summaries, build details, and the search box
and status filter at 500 reports.

The index is rendered from ReportResult records built here (no kernels): a
synthetic run of 500 authorities with failed and stale reports among them,
names with markup and accents. Expected rows are computed from those records,
never read back from the page. Browser tests open the page in Chromium
(``/usr/bin/chromium``) with JavaScript on and off.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from _chromium import CHROMIUM, NO_CHROMIUM, launch

from lib.run import index, site
from lib.run.outputs import ReportResult

N = 500
DATA_VERSION = "0123456789abcdef" * 4
MARKUP = "<b>Bold</b> & <i>Co</i>"


def _result(
    rid: str,
    kind: str,
    name: str,
    *,
    status: str = "ok",
    error: str | None = None,
    stale: bool = False,
    minute: int = 0,
) -> ReportResult:
    return ReportResult(
        id=rid, kind=kind, display_name=name, parameters={}, inputs={}, input_hash="0" * 64,
        data_version=DATA_VERSION, started_at="2026-01-01T00:00:00Z",
        finished_at=f"2026-01-01T{minute // 60:02d}:{minute % 60:02d}:00Z", duration_s=1.0,
        status=status, error=error, outputs={"notebook": None, "html": f"html/{rid}.html"}, stale=stale,
        last_attempt={"at": "2026-01-02T00:00:00Z", "status": "failed", "error": "boom"} if stale else None,
    )  # fmt: skip


def synthetic_run(n: int = N) -> tuple[list[ReportResult], dict[str, index.Summary]]:
    """The programme report and ``n`` authorities: every 50th failed, every 70th stale."""
    results = [_result(site.PROGRAMME_ID, "programme", "Programme report", minute=n + 1)]
    summaries = {}
    for i in range(1, n + 1):
        rid = f"district-{i:03d}"
        name = {1: "Ébène-sur-Mer", 2: MARKUP}.get(i, f"Synthetic District {i:03d}")
        failed, stale = i % 50 == 0, i % 70 == 0 and i % 50 != 0
        results.append(
            _result(
                rid,
                "authority",
                name,
                status="failed" if failed else "ok",
                error=f"ValueError: district {i} <broken>" if failed else None,
                stale=stale,
                minute=i,
            )
        )
        summaries[rid] = index.Summary(
            line=index.summary_line(
                {
                    "years": "2012-13" if i % 2 else "unrecorded",
                    "case_study": "yes" if i % 7 == 0 else "no",
                    "attitude_survey": "no",
                }
            ),
            coverage=index.Coverage(items=12, recorded=i % 5, inferred=i % 3, unrecorded=12 - i % 5 - i % 3),
        )
    return results, summaries


def expected_status(r: ReportResult) -> str:
    return "stale" if r.stale else r.status


@pytest.fixture(scope="module")
def big_index(tmp_path_factory) -> dict:
    results, summaries = synthetic_run()
    t0 = time.perf_counter()
    page = index.render_index(
        results,
        summaries=summaries,
        data_version=DATA_VERSION,
        dq_href="data_quality_log.csv",
        caveats_href="caveats.html",
    )
    seconds = time.perf_counter() - t0
    path = tmp_path_factory.mktemp("index") / "index.html"
    path.write_text(page, encoding="utf-8")
    return {"results": results, "summaries": summaries, "page": page, "path": path, "seconds": seconds}


# ---------------------------------------------------------------------------
# The page as HTML (no browser)
# ---------------------------------------------------------------------------


def test_500_entries_render_with_summary_coverage_and_status(big_index):
    page, results = big_index["page"], big_index["results"]
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</tr>", page, re.S)
    assert len(rows) == len(results) == N + 1
    print(f"\n500-entry index: {len(page) / 1024:.0f} KiB rendered in {big_index['seconds']:.2f} s")
    # A to Z by display name after the programme, as the site orders them
    hrefs = [re.search(r'<a href="([^"]+)">', r).group(1) for r in rows]
    authorities = [r for r in results if r.kind == "authority"]
    expected = ["programme.html"] + [
        f"{r.id}.html" for r in sorted(authorities, key=lambda r: site.report_order_key(r.display_name, r.id))
    ]
    assert hrefs == expected
    by_href = dict(zip(hrefs, rows, strict=True))
    for r in authorities:
        row = by_href[f"{r.id}.html"]
        s = big_index["summaries"][r.id]
        assert html.escape(s.line, quote=False) in row, r.id
        c = s.coverage
        known = c.recorded + c.inferred
        assert f"{known} of 12 with a status: {c.recorded} recorded, {c.inferred} inferred" in row
        status = expected_status(r)
        assert f'class="status-{status}"' in row, (r.id, status)
    assert page.count('class="status-failed"') == N // 50
    assert page.count('class="status-stale"') == sum(1 for r in authorities if r.stale)
    assert "Not rebuilt by the last run (failed: boom); this is the last good page." in page


def test_summary_line_is_computed_from_the_row():
    assert index.summary_line({"years": "2011-12;2012-13", "case_study": "yes", "attitude_survey": "no"}) == (
        "Took part in 2011-12 and 2012-13; case study published; not named as a survey source"
    )
    # a year only an inference gives (authorities.csv years_inferred) is marked so, as on its page
    assert index.summary_line({"years": "2011-12", "years_inferred": "2011-12"}) == (
        "Took part in 2011-12 (an inference: no document states the year under this authority's name)"
    )
    assert index.summary_line({"years": "2011-12;2012-13", "years_inferred": "2012-13"}, "in June") == (
        "Selected for 2011-12 and 2012-13 (2012-13 an inference: no document states it under this authority's name; "
        "withdrew in June)"
    )
    assert index.summary_line({"years": "unrecorded"}) == "Programme year not stated in the sources"
    no_survey = {"years": "2012-13", "case_study": "no", "attitude_survey": "no"}
    assert index.summary_line(no_survey, surveyed=False) == "Took part in 2012-13; no case study"


def test_summaries_from_processed_tables(evaluation_build):
    """Coverage counts recorded and inferred statuses apart, from evidence.csv."""
    summaries = index.authority_summaries(evaluation_build.processed)
    authorities, evidence = evaluation_build.tables["authorities"], evaluation_build.tables["evidence"]
    assert set(summaries) == set(authorities["authority_id"])
    for aid, group in evidence.groupby("authority_id"):
        known = group[group["status"] != "unrecorded"]
        c = summaries[aid].coverage
        assert (c.items, c.recorded, c.inferred, c.unrecorded) == (
            len(group),
            int((known["inferred"] == "no").sum()),
            int((known["inferred"] == "yes").sum()),
            int((group["status"] == "unrecorded").sum()),
        ), aid
    # Richmond: the years it took part, and its withdrawal as its case study states it
    facts = evaluation_build.tables["case_study_facts"]
    withdrew = facts[facts["fact"] == "withdrew"]
    assert list(withdrew["authority_id"]) == ["richmond-upon-thames"]
    timing = facts[(facts["fact"] == "withdrawal_timing")].set_index("authority_id")["value"]
    row = authorities.set_index("authority_id").loc["richmond-upon-thames"]
    # its year is read from its case study's dates (000: "selected in 2012", "May 2012"), an inference
    assert summaries["richmond-upon-thames"].line.startswith(
        f"Selected for {row['years'].replace(';', ' and ')} (an inference: no document states the year under this "
        "authority's name; "
        f"withdrew {timing['richmond-upon-thames']}); case study published"
    )
    # one wording: the index says what Richmond's own page says (its case study: "was selected
    # in 2012", then "withdrew"), never that it "took part"
    from lib.report import pages, workbook

    page = str(
        pages.AUTHORITY_PAGE.render(
            workbook.load_workbook(evaluation_build.processed), "richmond-upon-thames"
        )
    )
    assert f"Richmond upon Thames was selected for {row['years'].replace(';', ' and ')}" in page
    assert "took part" not in summaries["richmond-upon-thames"].line.lower()
    assert "Richmond upon Thames took part" not in page
    assert all("withdrew" not in s.line for aid, s in summaries.items() if aid != "richmond-upon-thames")


def test_footer_gives_build_date_data_version_and_workbook_version(big_index):
    footer = big_index["page"][big_index["page"].index("<footer") :]
    newest = max(r.finished_at for r in big_index["results"])
    assert f'<time datetime="{newest}">' in footer
    assert f'<code title="{DATA_VERSION}">{DATA_VERSION[:12]}</code>' in footer
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    version = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert f"<dd>{version}</dd>" in footer


def test_synthetic_banner_comes_from_the_template():
    results, summaries = synthetic_run(3)
    plain = index.render_index(results, summaries=summaries)
    marked = index.render_index(results, summaries=summaries, synthetic=True)
    assert "synthetic-banner" not in plain and "SYNTHETIC" not in plain
    main = marked[marked.index("<main>") : marked.index("<h1>")]
    assert main.count('class="synthetic-banner"') == 1 and "SYNTHETIC DATA" in main


def test_the_filter_script_is_inline_and_csp_friendly(big_index):
    page = big_index["page"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert len(scripts) == 1 and scripts[0][0] == ""  # one inline script, no src
    assert not re.search(r"\son[a-z]+\s*=", page)  # no event-handler attributes
    assert "eval(" not in scripts[0][1] and "innerHTML" not in scripts[0][1]
    assert len(scripts[0][1]) < 3000
    assert re.search(r'<form id="report-filter"[^>]*\shidden>', page)  # shown by the script only


# ---------------------------------------------------------------------------
# In Chromium
# ---------------------------------------------------------------------------

_VISIBLE_ROWS_JS = """
() => Array.from(document.querySelectorAll('#reports tbody tr'))
  .filter(r => r.getClientRects().length > 0)
  .map(r => {
    const a = r.querySelector('th[scope=row] a');
    const st = r.querySelector('td[class^="status-"]');
    return a ? {href: a.getAttribute('href'), status: st.className.slice(7)} : {group: r.textContent.trim()};
  })
"""


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api")
    pw = sync_api.sync_playwright().start()
    browser = launch(pw)
    yield browser
    browser.close()
    pw.stop()


def _open(chromium, path: Path, *, javascript: bool = True):
    context = chromium.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    context.route(
        "**/*",
        lambda r: (
            r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort("blockedbyclient")
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri(), wait_until="load")
    return context, page, errors


def _reports(rows):
    return [r for r in rows if "href" in r]


@pytest.mark.browser
def test_search_and_status_filter_at_500_entries(chromium, big_index):
    results = big_index["results"]
    context, page, errors = _open(chromium, big_index["path"])
    try:
        assert page.is_visible("#report-search") and page.is_visible("#report-status")
        assert len(_reports(page.evaluate(_VISIBLE_ROWS_JS))) == N + 1
        assert page.text_content("#report-count").strip() == f"Showing all {N + 1} reports."
        # a name: one row, its group header kept, the other group hidden
        page.fill("#report-search", "Synthetic District 123")
        rows = page.evaluate(_VISIBLE_ROWS_JS)
        assert rows == [{"group": "Local authorities"}, {"href": "district-123.html", "status": "ok"}], rows
        assert page.text_content("#report-count").strip() == f"Showing 1 of {N + 1} reports."
        # accents and case folded; markup in a name is text
        page.fill("#report-search", "ebene")
        assert [r["href"] for r in _reports(page.evaluate(_VISIBLE_ROWS_JS))] == ["district-001.html"]
        page.fill("#report-search", "<b>bold")
        assert [r["href"] for r in _reports(page.evaluate(_VISIBLE_ROWS_JS))] == ["district-002.html"]
        # status only, then status and name together
        page.fill("#report-search", "")
        for status in ("failed", "stale", "ok"):
            page.select_option("#report-status", status)
            shown = _reports(page.evaluate(_VISIBLE_ROWS_JS))
            expected = sorted(f"{r.id}.html" for r in results if expected_status(r) == status)
            assert sorted(r["href"] for r in shown) == expected, status
            assert all(r["status"] == status for r in shown)
        page.select_option("#report-status", "failed")
        page.fill("#report-search", "district 100")
        shown = _reports(page.evaluate(_VISIBLE_ROWS_JS))
        assert shown == [{"href": "district-100.html", "status": "failed"}]
        page.fill("#report-search", "district 101")
        assert page.evaluate(_VISIBLE_ROWS_JS) == []
        assert page.text_content("#report-count").strip() == f"Showing 0 of {N + 1} reports."
        # Enter in the search box does not reload the page
        page.press("#report-search", "Enter")
        assert page.input_value("#report-search") == "district 101"
        page.select_option("#report-status", "")
        page.fill("#report-search", "")
        assert len(_reports(page.evaluate(_VISIBLE_ROWS_JS))) == N + 1
        assert errors == [], errors
    finally:
        context.close()


@pytest.mark.browser
def test_without_javascript_every_row_shows_and_the_form_is_hidden(chromium, big_index):
    context, page, errors = _open(chromium, big_index["path"], javascript=False)
    try:
        assert len(_reports(page.evaluate(_VISIBLE_ROWS_JS))) == N + 1
        assert not page.is_visible("#report-filter") and not page.is_visible("#report-search")
        assert errors == []
    finally:
        context.close()


# ---------------------------------------------------------------------------
# Written for readers: no developer text; the definition's spellings; statuses present
# ---------------------------------------------------------------------------


def _named_run(statuses: dict[str, str]) -> list[ReportResult]:
    """The programme and three of this programme's authorities, with the given statuses."""
    names = {"north-east-lincolnshire": "North East Lincolnshire", "leeds": "Leeds", "kent": "Kent"}
    return [_result(site.PROGRAMME_ID, "programme", "Programme report")] + [
        _result(
            aid, "authority", name, status=statuses.get(aid, "ok"), error="boom" if aid in statuses else None
        )
        for aid, name in names.items()
    ]


def test_index_shows_no_developer_text_and_no_slugs():
    page = index.render_index(_named_run({}))
    assert "lib.batch" not in page and "python -m" not in page
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    # the report ids appear only in links and data attributes, never as text
    text = re.sub(r"<[^>]+>", " ", body)
    for aid in ("north-east-lincolnshire", "leeds", "kent"):
        assert aid not in text, aid


def test_status_filter_offers_only_statuses_present():
    every_ok = index.render_index(_named_run({}))
    assert 'id="report-status"' not in every_ok  # one status: a filter would do nothing
    mixed = index.render_index(_named_run({"kent": "failed"}))
    options = re.findall(r'<option value="([^"]*)">', mixed)
    assert options == ["", "ok", "failed"]


def test_search_text_holds_every_spelling_the_definition_lists():
    from lib import programme

    nel = next(a for a in programme.current_programme().authorities if a.id == "north-east-lincolnshire")
    assert "ne lincs" in nel.spellings  # the sources' abbreviation, listed in the definition
    rows = {r["id"]: r for r in index.index_rows(_named_run({}))}
    assert all(s in rows["north-east-lincolnshire"]["search"] for s in nel.spellings)
    assert rows["north-east-lincolnshire"]["search"].startswith("North East Lincolnshire")
    assert rows[site.PROGRAMME_ID]["search"] == "Programme report"


@pytest.mark.browser
def test_search_finds_the_sources_abbreviations(chromium, tmp_path):
    path = tmp_path / "index.html"
    path.write_text(index.render_index(_named_run({})), encoding="utf-8")
    context, page, errors = _open(chromium, path)
    try:
        for query in ("NE Lincs", "N.E. Lincs", "nelincs", "north east"):
            page.fill("#report-search", query)
            assert [r["href"] for r in _reports(page.evaluate(_VISIBLE_ROWS_JS))] == [
                "north-east-lincolnshire.html"
            ], query
        page.fill("#report-search", "lincs leeds")
        assert _reports(page.evaluate(_VISIBLE_ROWS_JS)) == []
        assert not page.query_selector("#report-status") and errors == []
    finally:
        context.close()


def test_programme_row_links_the_one_page_brief():
    results = _named_run({})
    page = index.render_index(results, prefix="html/", brief={"html": "brief.html", "pdf": "brief.pdf"})
    row = re.search(r'<tr[^>]*>\s*<th scope="row"><a href="html/programme.html">.*?</tr>', page, re.S).group(
        0
    )
    assert '<a href="html/brief.html">One-page brief</a>' in row
    assert '<a href="html/brief.pdf" download>PDF, one A4 page</a>' in row
    assert "brief" not in index.render_index(results)  # no brief made: no link
