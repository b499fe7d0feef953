"""The second programme fixture (tests/fixtures/programme_b/make_fixture.py).

It must be a genuinely different programme in the same raw formats: these
tests check its definition loads, differs from this programme's, and that
every printed value in its raw folder resolves through its own definition.
Building and reporting it end to end shows the code is not welded to the first programme.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import pytest

from lib import programme

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT_ROOT / "tests" / "fixtures" / "programme_b" / "make_fixture.py"
PROVENANCE = re.compile(r"(\d{3}_[0-9a-f]{16}\.txt) § .+")

_spec = importlib.util.spec_from_file_location("make_fixture", SCRIPT)
make_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixture)


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("programme_b")
    make_fixture.write_fixture(out)
    return out


@pytest.fixture(scope="module")
def prog_b(fixture_dir) -> programme.Programme:
    return programme.load_programme(fixture_dir / "definition.yaml")


@pytest.fixture(scope="module")
def prog_a() -> programme.Programme:
    return programme.load_programme(programme.DEFAULT_DEFINITION)


def _rows(fixture_dir: Path, name: str) -> list[dict[str, str]]:
    if name in make_fixture.ABSENT:  # an optional table programme B does not have
        assert not (fixture_dir / "raw" / name).exists(), name
        return []
    with open(fixture_dir / "raw" / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def test_definition_loads_with_forty_odd_authorities_needing_escaping(prog_b):
    names = [a.name for a in prog_b.authorities]
    assert len(names) >= 40
    assert any("<b>" in n for n in names) and any("&" in n for n in names) and any('"' in n for n in names)
    assert "Ynys Môn" in names and "Ceredigion" in names
    assert any(not n.isascii() for n in names)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", a.id) for a in prog_b.authorities)
    assert prog_b.authority_id("Isle of Anglesey") == prog_b.authority_id("YNYS MON") == "ynys-mon"


def test_it_is_a_different_programme(prog_a, prog_b):
    def ids(p, attr):
        return {x.id for x in getattr(p, attr)}

    for attr in [
        "authorities",
        "evidence_items",
        "questions",
        "impacts",
        "understanding_items",
        "themes",
        "stages",
        "kpis",
        "profile_questions",
    ]:
        assert not ids(prog_a, attr) & ids(prog_b, attr), attr
    assert {c.printed for c in prog_a.printed_codes} != {c.printed for c in prog_b.printed_codes}
    assert {s.id for s in prog_a.evidence_statuses} != {s.id for s in prog_b.evidence_statuses}
    assert len(prog_b.years) == 3 != len(prog_a.years)
    assert prog_b.name != prog_a.name


def test_raw_folder_has_the_files_it_declares_with_the_columns_of_data_raw(fixture_dir, prog_b):
    ours = sorted(p.name for p in (PROJECT_ROOT / "data" / "raw").glob("*.csv"))
    theirs = sorted(p.name for p in (fixture_dir / "raw").glob("*.csv"))
    assert theirs == [n for n in ours if n not in make_fixture.ABSENT]
    assert theirs == [n for n in ours if prog_b.has_table(n)]  # its optional_tables say the same
    assert {"kpi_table.csv", "published_claims.csv", "case_study_facts.csv"} <= set(make_fixture.ABSENT)
    for name in theirs:
        assert _header(fixture_dir / "raw" / name) == _header(PROJECT_ROOT / "data" / "raw" / name), name


def test_every_printed_value_resolves_through_its_definition(fixture_dir, prog_b):
    authority_columns = [
        "authority_profiles.csv",
        "evidence_matrix.csv",
        "programme_membership.csv",
        "case_study_facts.csv",
        "case_study_proposals.csv",
        "case_study_challenges.csv",
        "case_study_impacts.csv",
    ]
    seen = set()
    for name in authority_columns:
        for row in _rows(fixture_dir, name):
            seen.add(prog_b.authority_id(row["authority_as_printed"]))
    assert seen == {a.id for a in prog_b.authorities}
    matrix = _rows(fixture_dir, "evidence_matrix.csv")
    assert {prog_b.evidence_item_id(r["evidence_item"]) for r in matrix} == {
        i.id for i in prog_b.evidence_items
    }
    legend = {c.printed for c in prog_b.printed_codes}
    assert {r["cell_as_printed"] for r in matrix if r["cell_printed"] == "yes"} <= legend
    assert len(matrix) == len(prog_b.evidence_items) * len(prog_b.authorities)
    for row in _rows(fixture_dir, "programme_membership.csv"):
        for year in row["years_stated"].split(";"):
            assert prog_b.year_id(year)
    for row in _rows(fixture_dir, "kpi_table.csv") + _rows(fixture_dir, "programme_activity.csv"):
        assert prog_b.year_id(row["year_as_printed"])
    activity = {m.printed for m in prog_b.activity_measures}
    assert {r["measure_as_printed"] for r in _rows(fixture_dir, "programme_activity.csv")} <= activity
    profile_labels = {q.label for q in prog_b.profile_questions}
    assert {r["question_as_printed"] for r in _rows(fixture_dir, "authority_profiles.csv")} == profile_labels
    for name in ["survey_impacts.csv", "survey_comment_shares.csv"]:
        for row in _rows(fixture_dir, name):
            assert prog_b.sector_id(row["sector_as_printed"]) and prog_b.phase_id(row["phase_as_printed"])
    for row in _rows(fixture_dir, "survey_impacts.csv"):
        assert prog_b.impact_id(row["label_as_printed"])
    titles = {u.chart_title for u in prog_b.understanding_items}
    for row in _rows(fixture_dir, "survey_understanding.csv"):
        assert programme.spaced_key(row["chart_title_as_printed"]) in titles
        assert prog_b.sector_id(row["series_as_printed"]) and prog_b.phase_id(row["phase_as_printed"])
    prefixes = {q.printed_prefix for q in prog_b.questions if q.printed_prefix}
    for row in _rows(fixture_dir, "survey_comment_shares.csv"):
        assert row["question_as_printed"].casefold()[:2] in prefixes
    for row in _rows(fixture_dir, "survey_respondents.csv"):
        assert prog_b.respondent_group(row["group_as_printed"]) and prog_b.phase_id(row["phase_as_printed"])
    for row in _rows(fixture_dir, "case_study_proposals.csv"):
        assert prog_b.theme_id(row["theme_as_printed"])
    for name in ["commissioning_cycle.csv", "good_practice_checklist.csv"]:
        for row in _rows(fixture_dir, name):
            assert prog_b.stage_id(row["stage_as_printed"])
    case_studies = {
        prog_b.authority_id(r["authority_as_printed"]) for r in _rows(fixture_dir, "case_study_facts.csv")
    }
    assert case_studies == prog_b.case_study_authorities


def test_every_row_cites_a_declared_source_document(fixture_dir, prog_b):
    files = {d.file for d in prog_b.source_documents}
    for path in sorted((fixture_dir / "raw").glob("*.csv")):
        for row in _rows(fixture_dir, path.name):
            match = PROVENANCE.fullmatch(row["source"])
            assert match and match.group(1) in files, (path.name, row["source"])


def test_output_is_deterministic_and_scales(tmp_path, fixture_dir):
    again = tmp_path / "again"
    make_fixture.write_fixture(again)
    for path in [fixture_dir / "definition.yaml", *sorted((fixture_dir / "raw").glob("*.csv"))]:
        assert (again / path.relative_to(fixture_dir)).read_bytes() == path.read_bytes(), path.name
    big = make_fixture.write_fixture(tmp_path / "big", n_authorities=152)
    loaded = programme.load_programme(big)
    assert len(loaded.authorities) == 152
    assert loaded.authority_id("Synth. Dist. 152") == "synthetic-district-152"
