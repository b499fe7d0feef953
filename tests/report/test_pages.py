"""The page registries (lib.report.pages) against the notebooks and the rendered sections."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import re
from pathlib import Path

import pytest

from lib.report import authority_page, pages, workbook
from lib.report.html import paragraph

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SKIP_TAGS = {"parameters", "remove-cell"}
#: Authorities that exercise both shapes of the authority page: a case study, and none.
AUTHORITIES = ("leeds", "bexley")


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return workbook.load_workbook(evaluation_build.processed)


def _cells(notebook: str) -> list[dict]:
    return json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]


def _section_calls(notebook: str) -> list[str]:
    """``module.function`` of each report cell's one call, in order (widget cells apart)."""
    calls = []
    for cell in _cells(notebook):
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or SKIP_TAGS & set(cell["metadata"].get("tags", [])):
            continue
        if "NBVAL_IGNORE_OUTPUT" in source:  # an interactive explorer, not a page section
            continue
        body = ast.parse(source).body
        assert len(body) == 1 and isinstance(body[0], ast.Expr), f"{notebook}: one call per cell: {source!r}"
        func = body[0].value.func
        assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name), source
        calls.append(f"{func.value.id}.{func.attr}")
    return calls


@pytest.mark.parametrize("page", pages.PAGES, ids=lambda p: p.notebook)
def test_notebook_calls_exactly_the_registrys_functions_in_order(page):
    assert _section_calls(page.notebook) == [s.function for s in page.sections]


@pytest.mark.parametrize("page", pages.PAGES, ids=lambda p: p.notebook)
def test_notebook_cells_call_functions_by_their_defined_names(page):
    for s in page.sections:
        function = s.resolve()
        module, _, name = s.function.rpartition(".")
        assert function.__name__ == name and function.__module__ == f"lib.report.{module}", s
        source = Path(inspect.getsourcefile(inspect.unwrap(function))).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"grep 'def {name}' finds nothing: {s}"


def test_headings_come_from_the_registry_not_the_notebooks():
    for notebook in (p.notebook for p in pages.PAGES):
        for cell in (c for c in _cells(notebook) if c["cell_type"] == "markdown"):  # an h3 may be
            assert not re.search(r"<h[12]|^##? ", "".join(cell["source"]), re.M), (notebook, cell["id"])
    for page in pages.PAGES:
        ids = [s.id for s in page.sections]
        assert len(ids) == len(set(ids)), page.notebook
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids), ids


def _h2(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', html)


@pytest.mark.parametrize("page", pages.PAGES, ids=lambda p: p.notebook)
def test_every_section_renders_under_its_registry_heading(wb, page):
    runs = [(a,) for a in AUTHORITIES] if page is pages.AUTHORITY_PAGE else [()]
    for extra in runs:
        rendered = 0
        for s in page.sections:
            html = s.resolve()(wb, *extra)
            if not html:  # a section with no material for this authority is left out
                continue
            rendered += 1
            headings = _h2(html)
            assert headings and headings[0][0] == s.id, (s.id, extra, headings[:1])
            if "{" not in s.title:
                assert headings[0][1] == str(paragraph(s.title))[3:-4], (s.id, headings[0])
        # a page with little evidence is short: only the sections every authority has must render
        always = {"summary", "what-it-supports", "profile", "programme-context"}
        assert rendered >= (len(always) if page is pages.AUTHORITY_PAGE else len(page.sections) - 3), (
            page.notebook,
            extra,
        )


def test_the_programme_link_targets_exist(wb):
    html = authority_page.programme_context(wb, "leeds") + authority_page.case_study(wb, "leeds")
    targets = re.findall(r'href="programme\.html#([^"]+)"', html)
    assert targets and set(targets) <= {s.id for s in pages.PROGRAMME_PAGE.sections}
    with pytest.raises(KeyError, match="no section 'nowhere'"):
        pages.PROGRAMME_PAGE.anchor("nowhere")


def sample_section(wb, authority_id):
    """A section added by the contributing guide's recipe (registered by the test below)."""
    return _SAMPLE.heading(name=wb.name(authority_id))


_SAMPLE = pages.Section("sample", "A new section about {name}", "authority_page.sample_section")


def test_recipe_add_a_section(wb, monkeypatch):
    """docs/contributing.md, 'Add a section': a function in the page's module, one registry
    entry; the page then renders it in its place, under its heading."""
    monkeypatch.setattr(authority_page, "sample_section", sample_section, raising=False)
    sections = list(pages.AUTHORITY_PAGE.sections)
    sections.insert([s.id for s in sections].index("participation") + 1, _SAMPLE)
    page = dataclasses.replace(pages.AUTHORITY_PAGE, sections=tuple(sections))
    html = page.render(wb, "leeds")
    ids = [i for i, _ in _h2(html)]
    assert ids == [s.id for s in page.sections if s.id != "survey"]  # Leeds has no response data
    assert '<h2 id="sample">A new section about Leeds</h2>' in html
    assert str(html) == str(pages.AUTHORITY_PAGE.render(wb, "leeds")).replace(
        str(authority_page.participation(wb, "leeds")),
        str(authority_page.participation(wb, "leeds") + _SAMPLE.heading(name="Leeds")),
    )


def _without(wb: workbook.Workbook, *names: str) -> workbook.Workbook:
    """The same workbook with these tables empty (an optional raw table the programme lacks)."""
    tables = {n: (t.iloc[0:0] if n in names else t) for n, t in wb.tables.items()}
    return workbook.Workbook(tables, wb.processed_dir)


def test_a_section_whose_tables_the_programme_lacks_is_left_out_with_its_note(wb):
    from lib.report import claims_audit
    from lib.report import kpis as kpis_section

    assert wb.has("kpis") and not _without(wb, "kpis").has("kpis") and not wb.has("no_such_table")
    kpis = pages.PROGRAMME_PAGE.section("kpis")
    assert kpis.needs == ("kpis",)
    full = str(kpis_section.kpi_comparison(wb))
    assert full.startswith('<h2 id="kpis">') and "<table" in full
    assert str(kpis_section.kpi_comparison(_without(wb, "kpis"))) == (
        '<h2 id="kpis">Key performance measures by year</h2>'
        "<p>The programme&#39;s sources report no key performance measures.</p>"
    )
    audit = str(claims_audit.claim_audit_section(_without(wb, "claims")))
    assert "publish no claims for the workbook to check" in audit and "<table" not in audit
    # a section with no note for readers is simply not on the page
    assert str(authority_page.profile(_without(wb, "profiles"), "leeds")) == ""
    assert str(authority_page.profile(wb, "leeds"))
    # every table a section needs is a processed table
    for page in pages.PAGES:
        for section in page.sections:
            assert set(section.needs) <= set(wb.tables), section.id
