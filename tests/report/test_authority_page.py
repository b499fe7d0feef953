"""lib/report/authority_page.py: pages about the authority.

References are independent of the page code: the raw transcription (the facts
shown), the rendered programme page (the anchors claim links point at), the
profile table and the programme definition (which authority a claim names), the
verdict vocabulary, and the page's own source text (no figure typed).
"""

from __future__ import annotations

import ast
import csv
import difflib
import html
import importlib.util
import re

import pandas as pd
import pytest

from lib.analysis import verdicts
from lib.config import PROJECT_ROOT, RAW_DIR
from lib.report import authority_page, authority_supports, facts, pages, workbook

_spec = importlib.util.spec_from_file_location("boilerplate", PROJECT_ROOT / "bench" / "boilerplate.py")
boilerplate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(boilerplate)


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return workbook.load_workbook(evaluation_build.processed)


def _ids(wb):
    return list(wb.authorities["authority_id"])


def _raw_mentions(wb) -> pd.DataFrame:
    with open(RAW_DIR / "authority_mentions.csv", encoding="utf-8", newline="") as handle:
        raw = pd.DataFrame(list(csv.DictReader(handle)))
    return raw.assign(authority_id=raw["authority_as_printed"].map(wb.programme.authority_id))


def _quotes(markup) -> list[str]:
    """The quotations of a section, unescaped, in page order."""
    return [html.unescape(q) for q in re.findall(r"&ldquo;(.*?)&rdquo;", str(markup), flags=re.S)]


def test_the_facts_shown_are_the_raw_rows_of_that_authority(wb):
    raw = _raw_mentions(wb)
    assert len(raw)
    for aid in _ids(wb):
        mine = raw[raw["authority_id"] == aid]
        shown = _quotes(authority_page.sources_say(wb, aid))
        assert sorted(shown) == sorted(" ".join(t.split()) for t in mine["text"]), aid
        page = html.unescape(str(pages.AUTHORITY_PAGE.render(wb, aid)))
        for text in raw[raw["authority_id"] != aid]["text"]:
            if text not in set(mine["text"]):
                assert text not in page, (aid, text[:50])


def test_richmonds_case_study_finding_and_poole_and_telfords_parents_are_on_their_pages(wb):
    richmond = html.unescape(str(pages.AUTHORITY_PAGE.render(wb, "richmond-upon-thames")))
    assert "the process is legally robust but a lack of co-design affected the final outcomes" in richmond
    for aid in ("poole", "telford-and-wrekin"):
        assert "Seven parents in Poole and Telford completed the survey." in html.unescape(
            str(authority_page.sources_say(wb, aid))
        )


def _expected_claim_authorities(wb) -> dict[str, set[str]]:
    """Independent reference: a claim printed in a case study names that case study's authority;
    a claim quoted from the profile table names the authority whose answer holds it."""
    docs = {d.id: d.file for d in wb.programme.source_documents}
    by_file = {docs[a.case_study]: a.id for a in wb.programme.authorities if a.case_study}
    out = {}
    profiles = wb.profiles
    for _, c in wb.claims.iterrows():
        file = c["source"].split(" § ")[0]
        names = {by_file[file]} if file in by_file else set()
        quote = " ".join(str(c["claim_quote"]).split())
        holders = profiles[profiles["text"].map(lambda t, q=quote: q in " ".join(str(t).split()))]
        names |= set(holders["authority_id"])
        out[c["claim_id"]] = names
    return out


def test_each_claim_names_the_authorities_the_sources_tie_it_to(wb):
    table = facts.claim_authorities(wb)
    got = {r["claim_id"]: set(filter(None, r["authorities"].split(";"))) for _, r in table.iterrows()}
    expected = _expected_claim_authorities(wb)
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
    assert any(got.values())


def test_claims_naming_reads_the_results_table_shape():
    audit = pd.DataFrame(
        {
            "claim_id": ["a", "b", "c"],
            "claim": ["One", "Two", "Three"],
            "verdict": [verdicts.SUPPORTED, verdicts.UNTESTABLE, verdicts.NOT_SUPPORTED],
            "authorities": ["kent;poole", "", "poole"],
        }
    )
    assert facts.claims_naming(audit, "poole")["claim_id"].tolist() == ["a", "c"]
    assert facts.claims_naming(audit, "kent")["claim_id"].tolist() == ["a"]
    assert facts.claims_naming(audit, "barnet").empty


def test_claim_links_resolve_to_anchors_on_the_programme_page(wb):
    targets = set()
    for aid in _ids(wb):
        section = str(authority_page.claims(wb, aid))
        for verdict in re.findall(r"<li>([^<]+?): &ldquo;", section):
            assert verdict.lower() in verdicts.VERDICTS, verdict
        targets |= set(re.findall(r'href="programme\.html#([^"]+)"', section))
    assert targets
    audit = str(pages.PROGRAMME_PAGE.section("claim-audit").resolve()(wb))
    for anchor in targets:
        if anchor.startswith("claim-") and f'id="{anchor}"' in audit:
            continue  # one claim's card in the audit
        owner = next(s for s in pages.PROGRAMME_PAGE.sections if s.id == anchor)
        assert f'id="{anchor}"' in str(owner.resolve()(wb)), anchor


def test_bexleys_catalyst_claim_is_linked_from_its_page(wb):
    section = html.unescape(str(authority_page.claims(wb, "bexley")))
    assert "Acted as a catalyst for the local VCS" in section and "programme.html#" in section


def _prose_length(markup) -> int:
    return sum(len(s) for s in boilerplate.sentences(str(markup)))


def test_a_page_with_little_evidence_is_short(wb):
    a = wb.authorities.set_index("authority_id")
    raw = _raw_mentions(wb)
    mentioned = set(raw[raw["topic"] == "survey_respondents"]["authority_id"])
    thin = [i for i in a.index if a.loc[i, "case_study"] == "no" and i not in set(raw["authority_id"])]
    rich = [i for i in a.index if a.loc[i, "case_study"] == "yes"]
    assert thin and rich and mentioned
    length = {i: _prose_length(pages.AUTHORITY_PAGE.render(wb, i)) for i in a.index}
    for t in thin:
        assert length[t] < min(length[r] for r in rich), t
        # no empty or padded section: a thin page has no case study and no "what else" section
        assert authority_page.case_study(wb, t) == "" and authority_page.sources_say(wb, t) == ""
    for m in mentioned:
        assert authority_page.sources_say(wb, m) != ""


def test_judgement_uses_the_verdict_vocabulary_and_lists_every_lost_item(wb):
    ev = wb.evidence
    for aid in _ids(wb):
        text = html.unescape(str(authority_supports.supports(wb, aid)))
        assert authority_supports.change_verdict(wb, aid) in verdicts.VERDICTS
        assert text.endswith(f"({authority_supports.change_verdict(wb, aid)}).</li></ul>")
        cannot = text.split("It cannot show")[1]
        lost = ev[(ev["authority_id"] == aid) & (ev["status"] == "unrecorded")]["evidence_label"]
        for label in lost:
            assert label in cannot, (aid, label)


@pytest.mark.parametrize("module", ["authority_page.py"])
def test_no_figure_is_typed_into_the_page_text(module):
    tree = ast.parse((PROJECT_ROOT / "lib" / "report" / module).read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    typed = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and id(n) not in docstrings
        and re.search(r"\d", re.sub(r"\bC\d+\b", "", n.value))  # a caveat's id is not a figure
        and not n.value.endswith(".j2")  # a template's file name
    ]
    assert typed == []
    for template in ("authority_claim.j2", "cited_quote.j2", "programme_context.j2"):
        text = (PROJECT_ROOT / "lib" / "report" / "templates" / template).read_text(encoding="utf-8")
        assert not re.search(r"\d", re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text)), template


def _raw_case_study_facts(authority_id: str) -> dict[str, str]:
    with open(RAW_DIR / "case_study_facts.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    key = next(k for k in rows[0] if "authority" in k)
    names = {"leeds": "Leeds", "richmond-upon-thames": "Richmond"}
    return {r["fact"]: r["value_as_printed"] for r in rows if names[authority_id] in r[key]}


@pytest.mark.parametrize("authority_id", ["leeds", "richmond-upon-thames"])
def test_a_case_study_page_says_each_thing_once(wb, authority_id):
    """No sentence of a case-study page appears twice on it (the bench's own sentences), and each
    case-study fact of the raw transcription, and each published impact statement, is written out
    at most once on the page (a quotation that gives it in full is not retold)."""
    page = str(pages.AUTHORITY_PAGE.render(wb, authority_id))
    sentences = boilerplate.sentences(page)
    repeated = sorted({s for s in sentences if sentences.count(s) > 1})
    assert not repeated, repeated
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    facts = _raw_case_study_facts(authority_id)
    for fact in ("selection_reason", "activity_instead_of_workshop", "planned_workshop_format"):
        if fact in facts:
            assert text.count(" ".join(facts[fact].split())) == 1, (fact, facts[fact])
    impacts = wb.case_study_impacts[wb.case_study_impacts["authority_id"] == authority_id]
    for statement in impacts["statement"]:
        assert text.count(statement) == 1, statement  # in the case study's own words only
    claims = wb.results_claims
    for claim in claims[claims["authorities"].fillna("").str.contains(authority_id)]["claim"]:
        assert text.count(" ".join(claim.split())) == 1, claim  # quoted once; the claims list links to it
    # nor nearly the same words twice (the profile and the case study print some answers alike):
    # no two sentences of eight words or more are over 90% alike (difflib's ratio)
    long = [s for s in dict.fromkeys(sentences) if len(s.split()) >= 8]

    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9 ]", "", s.casefold().replace("\u2019", "'"))

    alike = [
        (round(r, 2), a[:60], b[:60])
        for i, a in enumerate(long)
        for b in long[i + 1 :]
        if (r := difflib.SequenceMatcher(None, norm(a), norm(b)).ratio()) > 0.9
    ]
    assert not alike, alike


def _raw_unprinted(wb) -> set[tuple[str, str]]:
    """(authority id, item label) of every cell the raw matrix says its row never printed."""
    with open(RAW_DIR / "evidence_matrix.csv", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["cell_printed"] == "no"]
    labels = {i.label.casefold(): i.label for i in wb.programme.evidence_items}
    return {
        (wb.programme.authority_id(r["authority_as_printed"]), labels[r["evidence_item"].casefold()])
        for r in rows
    }


def test_a_cell_the_source_never_printed_is_not_said_to_have_lost_its_mark(wb):
    """Westminster's attitude-survey cell: the printed row stops before it (raw cell_printed = no),
    so the page says so, and names it apart from the cells whose marks were lost."""
    unprinted = _raw_unprinted(wb)
    ev = wb.evidence.set_index(["authority_id", "evidence_label"])
    unrecorded = {k for k in unprinted if ev.loc[k, "status"] == "unrecorded"}
    assert unrecorded == {("westminster", "Attitude survey")}
    for aid in _ids(wb):
        cannot = html.unescape(str(authority_supports.supports(wb, aid))).split("It cannot show")[1]
        lost = re.search(r"whether ([^()]*) existed \(their marks were lost in the source\)", cannot)
        for a, label in unrecorded:
            if a == aid:
                assert f"whether {label} existed (the source's row stops before its cell" in cannot
                assert lost is None or label not in lost.group(1)
        assert "row stops" not in cannot or aid in {a for a, _ in unrecorded}, aid


@pytest.mark.parametrize(
    "authority_id, case_study, read_from",
    [
        ("richmond-upon-thames", "Richmond case study", "May 2012"),
        ("leeds", "Leeds case study", "25 November 2011"),
    ],
)
def test_a_year_read_from_a_case_studys_dates_is_said_to_be_an_inference(
    wb, authority_id, case_study, read_from
):
    """000 dates Richmond only by 2012 and May 2012, 001 Leeds only by 25 November 2011: no document
    states their programme year, so no sentence says it is stated, and each place it shows says inference."""
    page = html.unescape(str(pages.AUTHORITY_PAGE.render(wb, authority_id)))
    summary = html.unescape(str(authority_page.authority_summary(wb, authority_id)))
    year = wb.authority_row(authority_id)["years"]
    assert f"as stated in the {case_study}" not in page
    assert re.search(rf"(?:,| is) read from the {case_study} \(00[01]\)", summary)
    assert "(an inference: " in summary and read_from in summary
    assert f"read as placing {wb.name(authority_id)} in {year} (an inference" in page
    assert (
        f"{year} (an inference: no document states the year under this authority's name)" in page
    )  # can show


def test_a_year_from_a_name_read_as_the_authority_is_not_said_to_be_stated(wb):
    """004 § 2.2 names 'Telford' (a town) and 'Northampton' (a borough), not the authorities: the
    summary gives their years "according to" the survey report, with the identification inference,
    never "as stated in" it."""
    identified = [
        aid
        for aid in wb.authorities["authority_id"]
        if "identification inference:" in str(wb.authority_row(aid)["years_basis"])
    ]
    assert {"telford-and-wrekin", "northamptonshire"} <= set(identified)
    for aid in identified:
        summary = " ".join(html.unescape(str(authority_page.authority_summary(wb, aid))).split())
        assert "as stated in the attitude survey report" not in summary, aid
        assert (
            "according to the attitude survey report (004), § 2.2 (an identification inference: " in summary
        ), aid
