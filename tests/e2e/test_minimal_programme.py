"""A programme of its authorities and one evidence source only (tests/fixtures/programme_minimal: the
authorities and the evidence matrix, no survey, no other optional table) builds, is analysed and
renders through the commands a user runs, each in a subprocess: results tables with their schemas
(empty where nothing bears on them), pages that leave out what needs a table it lacks (with the
one-line notes), no traceback anywhere, none of the first programme's words; and a definition with
no evidence source stops in one line."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _cli import run_module

from lib.analysis import design
from lib.analysis.results import NO_SURVEY
from lib.analysis.results_schemas import RESULTS_SCHEMAS
from lib.analysis.verdicts import UNTESTABLE
from lib.config import PROJECT_ROOT
from lib.programme.model import SURVEY_TABLES
from lib.report.pages import AUTHORITY_PAGE, PROGRAMME_PAGE
from lib.run.glossary import GENERAL_TERMS, SURVEY_TERMS
from lib.sources.schemas import PROCESSED_SCHEMAS

sys.path.insert(0, str(PROJECT_ROOT / "tests"))
import _leaks  # noqa: E402

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "programme_minimal"
AUTHORITIES = ("saltcombe", "gullhaven", "quayford")


_run = run_module


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def minimal(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("minimal")
    folder = root / "programme"
    shutil.copytree(FIXTURE, folder)
    build = _run(
        "lib.evaluation", "build", "--programme", str(folder), "--outputs-dir", str(root / "outputs")
    )
    analysis = _run("lib.analysis", "--processed-dir", str(folder / "processed"), programme=folder)
    return {"root": root, "folder": folder, "build": build, "analysis": analysis}


@pytest.fixture(scope="module")
def site(minimal) -> tuple[Path, subprocess.CompletedProcess]:
    out = minimal["root"] / "site"
    args = ["lib.run", "--programme", str(minimal["folder"]), "--output-dir", str(out)]
    done = _run(*args, "--timeout", "180", "--fork-kernels", "-q", timeout=900)
    return out, done


def _text(page: Path) -> str:
    """The page's visible text, spaces folded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S | re.I)
    return " ".join(re.sub(r"<[^>]+>", " ", body).replace("&#39;", "'").split())


@pytest.mark.slow
def test_it_builds_every_processed_table_with_its_schema(minimal):
    done = minimal["build"]
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    processed = minimal["folder"] / "processed"
    for name, schema in PROCESSED_SCHEMAS.items():  # authorities.csv: one column per programme year
        if name != "authorities.csv":
            assert _header(processed / name) == list(schema.columns), name
    assert {"in_2030_31", "in_2031_32"} <= set(_header(processed / "authorities.csv"))
    with_rows = {name for name in PROCESSED_SCHEMAS if _rows(processed / name)}
    assert with_rows == {"authorities.csv", "membership.csv", "evidence.csv"}
    evidence = _rows(processed / "evidence.csv")
    assert (
        len(evidence) == 6 and sum(r["status"] == "unrecorded" for r in evidence) == 1
    )  # Gullhaven's roster
    assert {r["authority_id"] for r in _rows(processed / "authorities.csv")} == set(AUTHORITIES)


@pytest.mark.slow
def test_its_results_tables_are_written_and_its_criterion_cannot_be_tested(minimal):
    done = minimal["analysis"]
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    processed = minimal["folder"] / "processed"
    for name, schema in RESULTS_SCHEMAS.items():
        assert _header(processed / f"{name}.csv") == list(schema.columns), name
    assert _rows(processed / "results_comparisons.csv") == [] and _rows(processed / "results_kpis.csv") == []
    [success] = _rows(processed / "results_success.csv")
    assert (success["verdict"], success["n_comparisons"]) == (UNTESTABLE, "0")
    assert success["confidence_reason"] == NO_SURVEY and NO_SURVEY.endswith(UNTESTABLE)


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_every_page_renders_with_no_traceback(site):
    out, done = site
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {r["id"]: r["status"] for r in manifest["reports"]} == {
        "programme": "ok",
        **dict.fromkeys(AUTHORITIES, "ok"),
    }
    for path in sorted(out.rglob("*")):
        if path.suffix in {".html", ".ipynb", ".log", ".json"}:
            assert "Traceback" not in path.read_text(encoding="utf-8"), path
    index = (out / "html" / "index.html").read_text(encoding="utf-8")
    for href in sorted(set(re.findall(r'href="([^"#:]+)"', index))):  # every local link resolves
        assert (out / "html" / href).is_file(), href


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_the_programme_page_leaves_out_what_needs_a_missing_table_in_one_line(site):
    out, _ = site
    text = _text(out / "html" / "programme.html")
    for section in ("survey", "kpis", "themes", "claim-audit", "programme-design"):
        entry = PROGRAMME_PAGE.section(section)
        assert f"{entry.title} {entry.absent}" in text, section  # its heading, then the one-line note
    for section in (
        "every-change",
        "survey-results-from-respondent-level-data",
    ):  # no note: the survey's covers them
        assert (
            PROGRAMME_PAGE.section(section).title
            not in text.split("Contents")[-1].split("Participation by year")[-1]
        )
    assert (
        "Why: the programme's sources include no survey, so no survey measure exists and it cannot be tested."
        in text
    )
    assert "Survey source" not in text and "Profile highlight" not in text
    assert "profile answers may be misaligned" not in text and "This judgement relies on" not in text
    assert "What an interval means" not in text and "Approximated bases" not in text
    assert "intervals and what association" not in text and "1 published document:" in text
    assert "What cannot be concluded No record in the fund return counts the books children borrowed." in text
    assert "Lending ledger" in text and "1 of 6" in text  # the evidence it has
    assert "Explore the survey" not in text and not (out / "html" / "survey-explorer.html").exists()


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_the_authority_pages_say_nothing_of_a_survey_or_profile_they_lack(site):
    out, _ = site
    text = _text(out / "html" / "gullhaven.html")
    assert (
        "Gullhaven took part in 2030-31 (opening year), as stated in the Fund return (001), § 2 Members."
        in text
    )
    assert AUTHORITY_PAGE.section("profile").title.split(" ")[0] + " Gullhaven" not in text
    assert "names as the sources of its answers" not in text and "its own account of its aims" not in text
    assert "any answer from its participants" not in text
    assert "whether Volunteer roster existed (their marks were lost in the source)" in text
    html = (out / "html" / "gullhaven.html").read_text(encoding="utf-8")  # links only to the sections it has
    assert (
        'covers all 3 authorities together: its <a href="programme.html#methods">methods</a>, none of which'
        in html
    )


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_no_word_of_the_first_programme_on_its_pages(site, minimal, tmp_path):
    """The first programme's distinctive words appear on none of its pages: its names that neither
    this programme's folder and plan nor programme B's folder use (this folder is too small to
    hold the workbook's own vocabulary, which programme B's, written in full, does)."""
    out, _ = site
    folder = minimal["folder"]
    spec = importlib.util.spec_from_file_location(
        "make_fixture", FIXTURE.parent / "programme_b" / "make_fixture.py"
    )
    make_fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_fixture)
    make_fixture.write_fixture(tmp_path)
    ours = _leaks.words((folder / "plan.yaml").read_text(encoding="utf-8")) | _leaks.folder_words(tmp_path)
    theirs = _leaks.distinctive(PROJECT_ROOT / "data", folder) - ours
    assert {"leeds", "richmond", "workshop"} <= theirs
    found = {}
    for page in sorted((out / "html").glob("*.html")):
        leaked = _leaks.visible_words(page.read_text(encoding="utf-8")) & theirs
        if leaked:
            found[page.name] = sorted(leaked)
    assert found == {}


@pytest.mark.slow
def test_a_definition_with_no_evidence_source_is_one_line(tmp_path):
    folder = tmp_path / "programme"
    shutil.copytree(FIXTURE, folder)
    definition = folder / "definition.yaml"
    definition.write_text(
        definition.read_text(encoding="utf-8").replace(
            "optional_tables: [evidence_matrix.csv]", "optional_tables: []"
        ),
        encoding="utf-8",
    )
    (folder / "raw" / "evidence_matrix.csv").unlink()
    for args in (
        ["lib.evaluation", "build", "--programme", str(folder)],
        ["lib.programme", "check", str(folder)],
        ["lib.run", "--programme", str(folder), "--output-dir", str(tmp_path / "site"), "-q"],
        ["lib.analysis", "--processed-dir", str(folder / "processed")],
    ):
        done = _run(*args, programme=folder)
        assert done.returncode != 0 and "Traceback" not in done.stderr, args
        lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert lines == [
            f"error: {definition}, key optional_tables: value []: expected at least one evidence source: the "
            "evidence matrix (evidence_matrix.csv); the survey (survey_respondents.csv, survey_understanding.csv, "
            "survey_impacts.csv, survey_comment_shares.csv); the KPI table (kpi_table.csv); the case studies "
            "(case_study_facts.csv, case_study_challenges.csv, case_study_proposals.csv, case_study_impacts.csv, "
            "case_study_sections.csv)"
        ], done.stderr


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_case_studies_alone_are_an_evidence_source_that_builds_and_renders(tmp_path):
    """The same programme with a case study instead of the evidence matrix: no matrix sentence, column
    or finding anywhere, the evidence section's one-line note, no traceback."""
    folder = tmp_path / "programme"
    shutil.copytree(FIXTURE, folder)
    definition = folder / "definition.yaml"
    text = definition.read_text(encoding="utf-8")
    text = text.replace("optional_tables: [evidence_matrix.csv]", "optional_tables: [case_study_facts.csv]")
    text = text.replace(
        "{id: saltcombe, name: Saltcombe}", "{id: saltcombe, name: Saltcombe, case_study: programme_report}"
    )
    definition.write_text(text, encoding="utf-8")
    (folder / "raw" / "evidence_matrix.csv").unlink()
    (folder / "raw" / "case_study_facts.csv").write_text(
        "authority_as_printed,fact,value_as_printed,quote,source\n"
        "Saltcombe,selection_reason,its harbour library had closed,"
        "Saltcombe was chosen because its harbour library had closed.,001_00000000000000aa.txt § 4 Saltcombe\n",
        encoding="utf-8",
    )
    build = _run(
        "lib.evaluation", "build", "--programme", str(folder), "--outputs-dir", str(tmp_path / "outputs")
    )
    assert build.returncode == 0, build.stderr
    analysis = _run("lib.analysis", "--processed-dir", str(folder / "processed"), programme=folder)
    assert analysis.returncode == 0, analysis.stderr
    out = tmp_path / "site"
    done = _run(
        "lib.run",
        "--programme",
        str(folder),
        "--output-dir",
        str(out),
        "--timeout",
        "180",
        "--fork-kernels",
        "-q",
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for path in sorted((out / "html").glob("*.html")):
        assert "Traceback" not in path.read_text(encoding="utf-8"), path
    programme_text = _text(out / "html" / "programme.html")
    entry = PROGRAMME_PAGE.section("evidence-coverage")
    assert f"{entry.title} {entry.absent}" in programme_text
    assert (
        "authority-by-item cells" not in programme_text and "Evidence statuses readable" not in programme_text
    )
    assert (
        "cells cannot be read in the source" not in programme_text and "matrix suggests" not in programme_text
    )
    saltcombe = _text(out / "html" / "saltcombe.html")
    assert "It was selected because its harbour library had closed." in saltcombe
    assert (
        "It cannot show: whether the programme changed anything in Saltcombe (cannot be tested)." in saltcombe
    )


#: Words of a survey and its answers: none on a page of a programme without one, unless its folder says it.
SURVEY_WORDS = re.compile(r"survey|respondent|base range|\bbases\b|workshop|interval|attendee", re.I)


def _strings(node: object) -> list[str]:
    """Every text value of a YAML document, spaces folded."""
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [" ".join(node.split())] if isinstance(node, str) else []


def _without_supplied(text: str, folder: Path) -> str:
    """A page's text less what the programme's folder supplies (its definition, plan and notes) and
    the one-line notes saying which of the survey's sections and verdicts it has not."""
    supplied = [
        s for f in sorted(folder.rglob("*.yaml")) for s in _strings(yaml.safe_load(f.read_text("utf-8")))
    ]
    supplied += [" ".join(f.read_text("utf-8").split()) for f in sorted(folder.rglob("*.md"))]
    survey = PROGRAMME_PAGE.section("survey")
    notes = [f"{survey.title} {survey.absent}", survey.title, NO_SURVEY]
    for words in sorted(supplied + notes, key=len, reverse=True):
        if words and SURVEY_WORDS.search(words):
            text = text.replace(words, " ")
    return text


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_its_pages_speak_of_no_survey_respondents_bases_or_intervals(site, minimal):
    """Programme, authority, brief, caveats and glossary pages: no sentence on
    a survey, its respondents, bases or intervals, but the notes that say it has none and what its
    folder supplies (its plan's rubric names a base range)."""
    out, _ = site
    assert not any(minimal["folder"].joinpath("raw", t).exists() for t in SURVEY_TABLES)
    pages = [
        "index.html",
        "programme.html",
        "brief.html",
        "caveats.html",
        "glossary.html",  # the verdicts' definitions too
        *(f"{a}.html" for a in AUTHORITIES),
    ]
    found = {}
    for name in pages:
        text = _without_supplied(_text(out / "html" / name), minimal["folder"])
        hits = [text[max(0, m.start() - 60) : m.end() + 60] for m in SURVEY_WORDS.finditer(text)]
        if hits:
            found[name] = hits
    assert found == {}
    programme = _text(out / "html" / "programme.html")
    assert "what the survey could have detected" not in programme
    assert (
        "For each thing the programme said it set out to achieve: the verdict, and what this evidence can and "
        "cannot support for a funding decision." in programme
    )
    assert (
        "A change within 2 percentage points either way is “about the same”; beyond it, higher or lower. "
        "Verdicts use one set of words, never stronger than their weakest part. The design rating"
        in programme
    )
    glossary = _text(out / "html" / "glossary.html").split("Verdicts")[0]
    terms = [term for term, _ in GENERAL_TERMS]
    assert (
        {t for t in terms if f" {t} " in glossary}
        == set(terms) - SURVEY_TERMS
        == {"KPI", "Percentage points"}
    )


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_its_design_is_the_plans_none_and_not_rated_below_level_1(site, minimal):
    """The plan declares that nothing was measured before/after or against a comparison: the design
    line names that, and the Maryland scale (whose level 1 needs such a comparison) does not rate it."""
    out, _ = site
    [row] = _rows(minimal["folder"] / "processed" / "results_design.csv")
    assert (row["kind"], row["kind_label"], row["level"], row["level_text"]) == (
        "none",
        "no before/after or comparison measure",
        "0",
        "",
    )
    scale = "Maryland Scientific Methods Scale (What Works Centre for Local Economic Growth (2016)"
    programme = _text(out / "html" / "programme.html")
    assert (
        f"{scale} version): not rated (below level 1 of 5) Why: The fund's return records which records each "
        "authority kept; nobody was asked before or after. The evaluation plan describes a design with no "
        "before/after or comparison measure; a design with no before/after or comparison measure compares no "
        "outcomes, so it is below the scale's level 1 and not rated." in programme
    )
    assert (
        f"It cannot show that the programme caused any change: the design is not rated (below level 1 of 5) on the {scale})."
        in programme
    )
    level_1 = yaml.safe_load((FIXTURE / "plan.yaml").read_text("utf-8"))["rating_scale"]["level_text"][1]
    assert (
        "The design is rated on the Maryland Scientific Methods Scale, What Works Centre for Local Economic "
        f"Growth (2016) version: not rated (below level 1 of 5). Its level 1: “{' '.join(level_1.split())}”"
        in programme
    )
    assert programme.count("level 1 of 5") == programme.count("below level 1 of 5") == 3
    assert not [label for kind, label in design.DESIGNS.items() if kind != "none" and label in programme]
    brief = _text(out / "html" / "brief.html")
    assert (
        "The design (no before/after or comparison measure) is not rated (below level 1 of 5) on the "
        f"{scale}); the programme report's design section says why." in brief
    )


@pytest.mark.slow
def test_its_evidence_section_gives_no_other_programmes_lost_glyphs(site, minimal):
    """The evidence section said every programme's legend lost its tick and cross glyphs; that is the
    first programme's note (definition ``notes.lost_glyph``), which this programme does not have."""
    out, _ = site
    programme_text = _text(out / "html" / "programme.html")
    assert (
        "cells cannot be read in the text this evaluation had" in programme_text
        or "can be read in the text this evaluation had" in (programme_text)
    )
    assert "tick" not in programme_text and "glyph" not in programme_text
