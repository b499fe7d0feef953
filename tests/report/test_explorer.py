"""The survey explorer's structure (lib.report.explorer): every selection has a
pre-rendered view, and the controls reach it through browser-side links only.

The links run in the browser (jslink), so here the structure is walked the way
the widget manager does: question index -> page of the outer Stack -> sector
index -> view. The browser test (test_browser.py) drives the real thing.
"""

from __future__ import annotations

import re

import pytest

ipywidgets = pytest.importorskip("ipywidgets")

from lib import report  # noqa: E402
from lib.report import explorer  # noqa: E402


@pytest.fixture(scope="module")
def built(evaluation_build):
    wb = report.load_workbook(evaluation_build.processed)
    return wb, explorer.survey_explorer(wb)


def _parts(box):
    controls, views = box.children
    question, sector_slot = controls.children
    sector = next(c for c in sector_slot.children if not c.disabled)
    stand_in = next(c for c in sector_slot.children if c.disabled)
    return question, sector_slot, sector, stand_in, views


def _links(box):
    return {
        (k.source[0].model_id, k.source[1], k.target[0].model_id, k.target[1]) for k in box._explorer_links
    }


def _view_html(output) -> str:
    (item,) = output.outputs
    return item["data"]["text/html"]


def test_every_question_and_sector_reaches_its_own_view(built):
    wb, box = built
    question, _, sector, _, views = _parts(box)
    assert [label for label, _ in question.options] == [label for label, _ in explorer.explorer_questions(wb)]
    assert [label for label, _ in sector.options] == [label for label, _ in explorer.sectors(wb)]
    shown = set()
    for qi, (_, q) in enumerate(explorer.explorer_questions(wb)):
        page = views.children[qi]
        for si, (_, s) in enumerate(explorer.sectors(wb)):
            if q in explorer.both_sectors(wb):
                assert isinstance(page, ipywidgets.Output), q
                html, expected_caption = _view_html(page), explorer.view_caption(wb, q, None)
            else:
                assert isinstance(page, ipywidgets.Stack) and len(page.children) == len(explorer.sectors(wb))
                html, expected_caption = _view_html(page.children[si]), explorer.view_caption(wb, q, s)
            assert expected_caption.replace("'", "&#39;") in html, (q, s)
            assert str(explorer.survey_view(wb, q, s)) in html, (q, s)
            shown.add(html)
    assert len(shown) == 1 + 2 * (len(explorer.explorer_questions(wb)) - len(explorer.both_sectors(wb)))


def test_controls_switch_views_through_browser_side_links(built):
    _, box = built
    question, sector_slot, sector, _, views = _parts(box)
    links = _links(box)
    assert (question.model_id, "index", views.model_id, "selected_index") in links
    assert (question.model_id, "index", sector_slot.model_id, "selected_index") in links
    per_sector = [p for p in views.children if isinstance(p, ipywidgets.Stack)]
    for page in per_sector:
        assert (sector.model_id, "index", page.model_id, "selected_index") in links
    assert len(links) == 2 + len(per_sector)
    # The initial state already agrees with the controls (the saved page shows it).
    assert views.selected_index == question.index == sector_slot.selected_index
    assert all(p.selected_index == sector.index for p in per_sector)


def test_sector_control_gives_way_when_it_cannot_apply(built):
    wb, box = built
    _, sector_slot, sector, stand_in, _ = _parts(box)
    for qi, (_, q) in enumerate(explorer.explorer_questions(wb)):
        slot = sector_slot.children[qi]
        if q in explorer.both_sectors(wb):
            assert slot is stand_in and stand_in.disabled and stand_in.value == explorer.BOTH_SECTORS_LABEL
        else:
            assert slot is sector and not sector.disabled
    assert stand_in.description == sector.description == "Sector"


def test_view_caption_is_plain_reader_text(built):
    wb, _ = built
    assert explorer.view_caption(wb, "la_role", "childrens_centres") == (
        "Showing: What the local authority should do (Q4), children's centre respondents"
    )
    assert (
        explorer.view_caption(wb, "impacts", "vcs")
        == "Showing: Nine impacts of co-production (Q3), VCS respondents"
    )
    assert explorer.view_caption(wb, "understanding", None).endswith(", both sectors")


def test_authority_explorer_shows_the_authority_pages_own_sections(built):
    wb, _ = built
    box = explorer.authority_explorer(wb)
    authority, section = box.children[0].children
    assert [label for label, _ in section.options] == [label for label, _ in explorer.authority_sections()]
    for i, (_, function) in enumerate(explorer.authority_sections()):
        for aid in ("leeds", "bexley"):
            page = function(wb, aid)
            view = explorer.authority_view(wb, aid, i)
            assert view == page if page else "has no" in view, (aid, function.__name__)


def test_questions_are_offered_in_the_questionnaires_order(built):
    wb, box = built
    question = _parts(box)[0]
    numbers = {q.id: q.number for q in wb.programme.questions}
    offered = [numbers[q] for _, q in question.options]
    assert offered == sorted(offered) and len(offered) == len(set(offered))


def test_controls_wrap_and_the_sector_slot_keeps_its_width(built):
    _, box = built
    controls = box.children[0]
    assert controls.layout.flex_flow == "row wrap"
    _, sector_slot, sector, _, _ = _parts(box)
    assert sector_slot.layout.min_width == "12em" and sector.layout.max_width == "100%"


def test_workspace_views_link_the_caveats_page_from_the_notebooks_folder(built, tmp_path):
    wb, _ = built
    box = explorer.survey_explorer(wb, workspace=True)
    views = _parts(box)[4]
    html = "".join(
        _view_html(o)
        for page in views.children
        for o in (page.children if isinstance(page, ipywidgets.Stack) else [page])
    )
    hrefs = set(re.findall(r'href="([^"#]*caveats[^"#]*)', html))
    assert hrefs and 'href="caveats.html' not in html
    for href in hrefs:
        assert (explorer.NOTEBOOKS_DIR / href).resolve().exists(), href
    # the rendered page's own links stay as they are
    assert 'href="caveats.html' in "".join(
        _view_html(o)
        for page in _parts(built[1])[4].children
        for o in (page.children if isinstance(page, ipywidgets.Stack) else [page])
    )


def test_authority_explorer_names_what_it_shows(built):
    wb, _ = built
    box = explorer.authority_explorer(wb)
    authority, section = box.children[0].children
    assert (
        explorer.authority_caption(wb, "leeds", 0)
        == f"Showing: Leeds, {explorer.authority_sections()[0][0].lower()}"
    )


def test_without_response_files_the_respondent_explorer_says_why(built):
    wb, _ = built
    shown = explorer.respondent_explorer(wb)
    assert "No respondent-level response files were read" in shown.value
