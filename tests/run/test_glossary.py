"""The glossary page (lib.run.glossary): the programme's own words from its
definition, the evaluation words, every verdict of the one vocabulary and the
plan's confidence scale; no first-programme word on another programme's page."""

from __future__ import annotations

import dataclasses
import html
import re

from lib import programme
from lib.analysis import verdicts
from lib.run import glossary, site

RUBRIC = {
    "levels": [
        {"id": "high", "text": "Further research is very unlikely to change the finding."},
        {"id": "very_low", "text": "Any estimate of the effect is very uncertain."},
    ],
    "lowered_by": ["imprecision: wide intervals, small bases", "indirectness"],
    "raised_by": ["a large effect"],
}


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_glossary_defines_programme_words_evaluation_words_and_every_verdict():
    page = glossary.render_glossary(rubric=RUBRIC)
    text = _text(page)
    current = programme.current_programme()
    terms = {t.term for t in current.glossary}
    assert {"VCS", "CVS", "SMS"} <= terms  # the words, from the definition
    for t in current.glossary:
        assert f"{t.term} {t.meaning}" in text, t.term
    documents = {d.id: d.title for d in current.source_documents}
    vcs = next(t for t in current.glossary if t.term == "VCS")
    assert f"(Source: {documents[vcs.source]}.)" in text
    for term in ("KPI", "Base", "Interval", "Minimum detectable difference"):
        assert re.search(rf"<dt id=\"term-[a-z-]+\">{term}</dt>", page), term
    for v in verdicts.VERDICTS:
        assert f"{v} {verdicts.DEFINITIONS[v]}" in text, v
    # the confidence scale as the plan words it, and what moves a rating
    assert "High Further research is very unlikely" in text and "Very low Any estimate" in text
    assert "What lowers a rating: imprecision: wide intervals, small bases; indirectness." in text
    assert "What raises a rating: a large effect." in text
    # ids unique; links to the rest of the site
    ids = re.findall(r'id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for href in (site.INDEX_PAGE, "programme.html", "caveats.html"):
        assert f'href="{href}"' in page


def test_no_confidence_section_without_a_rubric():
    page = glossary.render_glossary(rubric=None) if glossary.confidence_rubric() is None else None
    if page is not None:
        assert 'id="confidence"' not in page
    assert glossary.confidence_section(None) is None


def test_another_programme_shows_none_of_this_programmes_words():
    other = dataclasses.replace(programme.current_programme(), name="Another programme", glossary=())
    sections = glossary.glossary_sections(other, RUBRIC)
    words = " ".join(e.term + " " + e.meaning for s in sections for e in s.entries).casefold()
    for word in ("vcs", "cvs", "children's centre", "children’s centre", "4children"):
        assert word not in words, word
    assert [s.id for s in sections] == ["evaluation-words", "verdicts", "confidence"]


def test_every_page_template_links_the_glossary():
    nav = site.site_nav("leeds", {"leeds": "Leeds"})
    assert nav.glossary.href == site.GLOSSARY_PAGE
    for name in ("report_header.html.j2", "caveats.html.j2", "glossary.html.j2", "run_index.html.j2"):
        assert "glossary" in site.template_text(name), name


def test_a_glossary_entry_citing_an_unknown_document_is_one_line(tmp_path):
    import pytest
    import yaml

    data = yaml.safe_load(programme.definition_path().read_text(encoding="utf-8"))
    data["glossary"] = [{"term": "VCS", "meaning": "the voluntary and community sector", "source": "memo"}]
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.parse_definition(data, "d.yaml")
    assert len(caught.value.problems) == 1
    line = caught.value.problems[0]
    assert (
        line.startswith("error: d.yaml, key glossary[0].source: value 'memo'")
        and "source document id" in line
    )


def test_the_plans_rubric_factors_show_as_their_words_not_their_ids():
    rubric = programme.current_programme().plan.confidence_rubric
    text = _text(glossary.render_glossary(rubric=rubric))
    lowered = "; ".join(e.text for e in rubric.lowered_by)
    assert f"What lowers a rating: {lowered}." in text
    # where a rating starts, so a reader can apply the rubric from this page alone
    starts = dict(rubric.starts)
    assert (
        f"Where a rating starts: a finding that is a count from the documents starts {starts['count']}; "
        f"a finding that is a measured change starts {starts['change'].replace('_', ' ')}. The conditions "
        "below are counted together: one level down for each that lowers it and one up for each that raises "
        "it; only the result is held within the scale, so a rating lowered twice and raised once ends one "
        "level below its start."
    ) in text
    for factor in (*rubric.lowered_by, *rubric.raised_by):
        assert factor.id not in text and factor.text in text, factor.id


#: Method words the reports name (a pattern in the page's text) and the glossary term that explains each.
METHOD_WORDS = {
    r"\bWilson\b": "Wilson interval",
    r"\bNewcombe\b": "Newcombe interval",
    r"\bbase range\b": "Base range",
    r"\bminimum detectable difference\b": "Minimum detectable difference",
    r"\bpercentage points\b": "Percentage points",
    r"\bclear of chance\b": "Clear of chance",
}


def test_every_method_word_on_the_programme_page_is_in_its_glossary(evaluation_build, monkeypatch):
    import matplotlib.pyplot as plt

    from lib import report
    from lib.report import chart_cache, pages

    def no_drawing(draw, *figures):  # the page's words are wanted, not its images
        for fig in figures:
            if fig is not None and not isinstance(fig, chart_cache.Recipe):
                plt.close(fig)
        return (("", 12.0), ("", 12.0))

    monkeypatch.setattr(chart_cache, "images", no_drawing)
    wb = report.load_workbook(evaluation_build.processed)
    text = _text(str(pages.PROGRAMME_PAGE.render(wb)))
    used = {term for pattern, term in METHOD_WORDS.items() if re.search(pattern, text, re.IGNORECASE)}
    assert {"Wilson interval", "Newcombe interval", "Base range"} <= used  # the headlines name them
    sections = glossary.glossary_sections(programme.current_programme())
    defined = {e.term for s in sections for e in s.entries}
    assert used - defined == set()
    meanings = {e.term: e.meaning for s in sections for e in s.entries}
    assert (
        "lowest and highest" in meanings["Base range"]
        and "difference between two shares" in meanings["Newcombe interval"]
    )
