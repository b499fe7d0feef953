"""The programme definition (data/definition.yaml, lib/programme/).

The first half proves the definition holds exactly the vocabulary the data
build's constants hold (lib/evaluation.py re-exports them): each test compares
the loaded definition with the constant, and the lookups with the build's
functions over every spelling the raw data prints. The second half checks
that a bad definition stops with one line per problem, at every entry point,
and that data/README.md's reference matches the key table.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lib import programme, report
from lib.analysis import claim_spec, uncertainty
from lib.programme import keys, reader, schema
from lib.report import charts
from lib.sources.build import build_tables
from lib.sources.case_studies import CASE_STUDY_SECTIONS, THEME_VARIANTS, THEMES, case_study_group, theme_id
from lib.sources.common import (
    AUTHORITIES,
    AUTHORITY_ALIASES,
    CASE_STUDY_AUTHORITIES,
    PROGRAMME_REPORT,
    SURVEY_REPORT,
    YEAR_ONE,
    YEAR_SPELLINGS,
    YEAR_TWO,
    authority_id,
    is_known_authority,
    programme_year,
)
from lib.sources.evidence import (
    EVIDENCE_INFERENCES,
    EVIDENCE_ITEMS,
    EVIDENCE_NOT_INFERRED,
    EVIDENCE_STATUSES,
    evidence_code_status,
    evidence_item_id,
)
from lib.sources.guidance import COMMISSIONING_STAGES, GUIDANCE_STAGE_COLUMNS, STAGE_KEYWORDS, stage_id
from lib.sources.kpis import ACTIVITY_MEASURES, KPI_MEASURES, KPIS
from lib.sources.profiles import PROFILE_QUESTIONS
from lib.sources.reading import load_raw
from lib.sources.statements import STATEMENT_TOPICS, statement_years
from lib.sources.survey import (
    COMMENT_QUESTIONS,
    IMPACTS,
    LOST_LABEL,
    PHASES,
    RESPONDENT_GROUPS,
    SECTOR_LABELS,
    SECTORS,
    UNDERSTANDING_ITEMS,
    impact_id,
    phase_id,
    respondent_group,
    sector_id,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RAW = PROJECT_ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def prog() -> programme.Programme:
    return programme.load_programme(programme.DEFAULT_DEFINITION)


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(RAW / name, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------
# The definition equals today's constants
# --------------------------------------------------------------------------


def test_programme_name_years_and_source_documents(prog, evaluation_build):
    assert prog.name == "Children's Centres and Voluntary and Community Sector (VCS) programme"
    assert [y.id for y in prog.years] == [YEAR_ONE, YEAR_TWO]
    assert {y.id: y.label for y in prog.years} == {
        "2011-12": "2011-12 (year one)",
        "2012-13": "2012-13 (year two)",
    }
    assert [y.key for y in prog.years] == ["year_one", "year_two"]
    spellings = {s: y.id for y in prog.years for s in y.spellings}
    assert spellings == YEAR_SPELLINGS
    for printed in [*YEAR_SPELLINGS, "Year  One", *_raw("kpi_table.csv")["year_as_printed"]]:
        if printed.strip():
            assert prog.year_id(printed) == programme_year(printed), printed
    for document in prog.source_documents:
        cited = report.source_doc(report.load_workbook(evaluation_build.processed), f"{document.file} § 1")
        assert cited == f"{document.title} ({document.file[:3]}), § 1"
    files = {d.id: d.file for d in prog.source_documents}
    assert set(files) == {
        "programme_report",
        "survey_report",
        "richmond_case_study",
        "leeds_case_study",
        "commissioning_paper",
    }
    assert (files["programme_report"], files["survey_report"]) == (PROGRAMME_REPORT, SURVEY_REPORT)
    assert all(re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", name) for name in files.values())
    assert len(set(files.values())) == len(files)


def test_authorities_in_order_with_names_and_case_studies(prog):
    assert [(a.id, a.name) for a in prog.authorities] == list(AUTHORITIES.items())
    assert prog.case_study_authorities == CASE_STUDY_AUTHORITIES


def test_every_authority_spelling_maps_as_today(prog):
    spellings = set(AUTHORITY_ALIASES) | set(AUTHORITIES.values())
    spellings |= {s for a in prog.authorities for s in a.spellings}
    for name in [
        "authority_profiles.csv",
        "evidence_matrix.csv",
        "programme_membership.csv",
        "case_study_facts.csv",
        "case_study_proposals.csv",
    ]:
        spellings |= set(_raw(name)["authority_as_printed"])
    spellings |= {"N.E.Lincs", "NE Lincs", "Telford & Wrekin", "  LEEDS  "}
    assert len(spellings) > 40
    for printed in spellings:
        assert prog.authority_id(printed) == authority_id(printed), printed
    # and every listed spelling is one the build knows
    for key in programme.authority_keys(prog):
        assert is_known_authority(key), key


def test_evidence_items_statuses_and_legend(prog):
    assert [(i.id, i.label) for i in prog.evidence_items] == EVIDENCE_ITEMS
    for printed in {
        *_raw("evidence_matrix.csv")["evidence_item"],
        *(s for i in prog.evidence_items for s in i.spellings),
    }:
        assert prog.evidence_item_id(printed) == evidence_item_id(printed), printed
    assert [s.id for s in prog.evidence_statuses] == EVIDENCE_STATUSES
    styles = charts.status_styles(prog.evidence_statuses)
    assert all(styles[s.id].code == s.code for s in prog.evidence_statuses)
    for s in prog.evidence_statuses:
        assert charts.contrast_ratio(s.colour, s.text_colour) >= 4.5, s.id
    for code in prog.printed_codes:
        assert evidence_code_status(code.printed, "yes") == (code.status, code.printed, code.basis)
    assert {c.printed for c in prog.printed_codes} == {
        c.strip() for c in _raw("evidence_matrix.csv")["cell_as_printed"]
    }
    lost = prog.not_printed
    assert evidence_code_status("", "no") == (lost.status, lost.printed, lost.basis)
    assert list(prog.evidence_inferences) == EVIDENCE_INFERENCES
    assert {(n.item, n.authority): n.reason for n in prog.evidence_not_inferred} == (EVIDENCE_NOT_INFERRED)


def test_statement_topics_and_case_study_sections(prog):
    assert [(t.id, t.label) for t in prog.statement_topics] == STATEMENT_TOPICS
    assert [(s.id, s.label) for s in prog.case_study_sections] == CASE_STUDY_SECTIONS
    for printed in ["after the two years", "Both years", "2011-12; 2012-13", "year one", ""]:
        assert (
            statement_years(printed)
            == {
                "after the two years": "2011-12;2012-13",
                "Both years": "2011-12;2012-13",
                "2011-12; 2012-13": "2011-12;2012-13",
                "year one": "2011-12",
                "": "unstated",
            }[printed]
        )
    assert set(prog.all_years_phrases) == {"after the two years", "both years", "over the two years"}


def test_profile_questions_kpis_and_measures(prog):
    assert [(q.id, q.label) for q in prog.profile_questions] == PROFILE_QUESTIONS
    assert [(k.id, k.label) for k in prog.kpis] == KPIS
    assert {m.id: (m.pattern, m.label, m.kind) for m in prog.kpi_measures} == KPI_MEASURES
    assert {m.printed: (m.id, m.label) for m in prog.activity_measures} == ACTIVITY_MEASURES


def test_survey_phases_and_sectors(prog):
    assert {s: p.id for p in prog.phases for s in p.spellings} == PHASES
    printed = set(SECTORS)
    for name in ["survey_impacts.csv", "survey_comment_shares.csv"]:
        printed |= set(_raw(name)["sector_as_printed"])
    printed |= set(_raw("survey_understanding.csv")["series_as_printed"])
    for p in printed:
        assert prog.sector_id(p) == sector_id(p), p
    for name in [
        "survey_impacts.csv",
        "survey_comment_shares.csv",
        "survey_understanding.csv",
        "survey_respondents.csv",
    ]:
        for p in set(_raw(name)["phase_as_printed"]):
            assert prog.phase_id(p) == phase_id(p), p
    sectors = {s.id: s for s in prog.sectors}
    assert {k: s.label for k, s in sectors.items()} == SECTOR_LABELS
    assert {k: s.title for k, s in sectors.items()} == {
        "all": "All respondents",
        "vcs": "VCS respondents",
        "childrens_centres": "Children's centre respondents",
    }
    assert {k: s.phrase for k, s in sectors.items()} == {
        "all": "all respondents",
        "vcs": "VCS respondents",
        "childrens_centres": "children's centre respondents",
    }
    assert {k: s.claim_word for k, s in sectors.items()} == claim_spec.SECTOR_WORDS
    assert [(s.title, s.id) for s in prog.sectors if s.in_explorer] == [
        ("VCS respondents", "vcs"),
        ("Children's centre respondents", "childrens_centres"),
    ]
    phrases = {
        **{k: s.phrase for k, s in sectors.items()},
        **{g.id: g.phrase for g in prog.respondent_groups if g.phrase},
    }
    assert phrases == uncertainty.SECTOR_WORDS


def test_respondent_groups(prog):
    assert {s: g.id for g in prog.respondent_groups for s in g.spellings} == RESPONDENT_GROUPS
    assert tuple(g.id for g in prog.respondent_groups if g.in_sector_total) == uncertainty.SECTOR_GROUPS
    for printed in set(_raw("survey_respondents.csv")["group_as_printed"]):
        assert prog.respondent_group(printed) == respondent_group(printed), printed


def test_survey_questions_and_items(prog):
    assert [q.id for q in sorted(prog.questions, key=lambda q: q.number)] == [
        "understanding",
        "best_features",
        "impacts",
        "la_role",
    ]
    assert {
        q.printed_prefix: (q.id, q.label) for q in prog.questions if q.printed_prefix
    } == COMMENT_QUESTIONS
    assert sorted((q.explorer_label, q.id) for q in prog.questions) == sorted(
        [
            ("Understanding of co-production (Q1)", "understanding"),
            ("Nine impacts of co-production (Q3)", "impacts"),
            ("Best features of collaborative working (Q2)", "best_features"),
            ("What the local authority should do (Q4)", "la_role"),
        ]
    )
    assert tuple(q.id for q in prog.questions if q.base == "respondents") == uncertainty.RESPONDENT_QUESTIONS
    assert {u.chart_title: (u.id, u.label, u.note) for u in prog.understanding_items} == UNDERSTANDING_ITEMS
    assert [(i.id, i.label, i.spellings) for i in prog.impacts] == IMPACTS
    for printed in set(_raw("survey_impacts.csv")["label_as_printed"]):
        assert prog.impact_id(printed) == impact_id(printed), printed
    assert prog.lost_label == LOST_LABEL


@pytest.fixture(scope="module")
def built() -> dict[str, pd.DataFrame]:
    return build_tables(load_raw()).tables


def _pairs(frame: pd.DataFrame, key: str, label: str) -> dict[str, str]:
    return dict(frame[[key, label]].drop_duplicates().itertuples(index=False))


def test_processed_tables_carry_the_definitions_ids_and_labels(prog, built):
    # Labels typed inside today's cleaners (e.g. the Q1 and Q3 question labels)
    # are checked here against what the build writes.
    assert _pairs(built["survey.csv"], "question", "question_label") == {
        q.id: q.label for q in prog.questions
    }
    assert set(built["survey.csv"]["sector"]) == {s.id for s in prog.sectors}
    assert set(built["survey.csv"]["phase"]) <= {p.id for p in prog.phases}
    assert _pairs(built["evidence.csv"], "evidence_item", "evidence_label") == {
        i.id: i.label for i in prog.evidence_items
    }
    # not_produced is never inferred and its printed cross was lost: no row has it.
    assert set(built["evidence.csv"]["status"]) == {s.id for s in prog.evidence_statuses} - {"not_produced"}
    assert _pairs(built["profiles.csv"], "question", "question_label") == {
        q.id: q.label for q in prog.profile_questions
    }
    assert _pairs(built["authorities.csv"], "authority_id", "authority") == {
        a.id: a.name for a in prog.authorities
    }
    assert list(built["authorities.csv"]["authority_id"]) == sorted(a.id for a in prog.authorities)


def test_case_study_groups(prog):
    printed = set(_raw("case_study_impacts.csv")["group_as_printed"]) | {
        "VCS participants",
        "Local Authorities",
    }
    for p in printed:
        assert prog.case_study_group(p) == case_study_group(p), p
    with pytest.raises(programme.UnknownNameError, match="unknown case study participant group 'parents'"):
        prog.case_study_group("parents")


def test_themes_and_commissioning_stages(prog):
    assert [(t.id, t.label) for t in prog.themes] == THEMES
    assert {s: t.id for t in prog.themes for s in t.spellings} == THEME_VARIANTS
    printed = set(_raw("case_study_proposals.csv")["theme_as_printed"]) | {
        "Richmond offer and vision",
        "Vision",
    }
    for p in printed:
        assert prog.theme_id(p) == theme_id(p), p
    assert [(s.id, s.label) for s in prog.stages] == COMMISSIONING_STAGES
    assert {s.keyword: s.id for s in prog.stages} == STAGE_KEYWORDS
    assert dict(prog.guidance_stage_columns) == GUIDANCE_STAGE_COLUMNS
    for p in set(_raw("commissioning_cycle.csv")["stage_as_printed"]) | set(
        _raw("good_practice_checklist.csv")["stage_as_printed"]
    ):
        assert prog.stage_id(p) == stage_id(p), p


# --------------------------------------------------------------------------
# Lookups, selection, immutability
# --------------------------------------------------------------------------


def test_unknown_names_are_one_error_type_with_close_matches(prog):
    with pytest.raises(programme.UnknownNameError) as caught:
        prog.authority_id("Barnett")
    message = str(caught.value)
    assert message.startswith("unknown authority 'Barnett'; did you mean 'Barnet'?")
    assert "(expected one of 15: Barnet, Bexley," in message
    with pytest.raises(
        programme.UnknownNameError, match=r"unknown survey phase 'durng'; did you mean 'during'"
    ):
        dataclasses.replace(prog, phases=(*prog.phases, programme.Phase("during", ("during",)))).phase_id(
            "durng"
        )
    with pytest.raises(ValueError, match="unknown evidence item 'Budget'"):
        prog.evidence_item_id("Budget")
    assert isinstance(caught.value, ValueError)


def test_definition_is_immutable(prog):
    with pytest.raises(dataclasses.FrozenInstanceError):
        prog.name = "Another programme"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        prog.authorities[0].name = "X"  # type: ignore[misc]
    assert isinstance(prog.authorities, tuple)


def test_eval_programme_selects_another_definition(tmp_path, monkeypatch):
    data = yaml.safe_load(programme.DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    data["programme"]["name"] = "A smaller programme"
    data["authorities"] = data["authorities"][:2]
    data["evidence"]["inferences"] = []
    data["evidence"]["not_inferred"] = []
    path = tmp_path / "definition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(programme.PROGRAMME_ENV_VAR, str(path))
    loaded = programme.current_programme()
    assert loaded.name == "A smaller programme"
    assert [a.id for a in loaded.authorities] == ["barnet", "bexley"]
    monkeypatch.delenv(programme.PROGRAMME_ENV_VAR)
    assert programme.current_programme().name == (
        "Children's Centres and Voluntary and Community Sector (VCS) programme"
    )


# --------------------------------------------------------------------------
# A bad definition: one line per problem, no traceback
# --------------------------------------------------------------------------


def _check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib.programme", "check", str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_check_accepts_this_programme():
    done = _check(programme.DEFAULT_DEFINITION)
    assert done.returncode == 0, done.stderr
    assert "15 authorities, 12 evidence items, 4 survey questions" in done.stdout


@pytest.mark.slow
def test_bad_definition_gives_one_line_per_problem(tmp_path):
    data = yaml.safe_load(programme.DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    data["authorities"][1]["id"] = "Bex Ley"
    data["authorities"][4]["name"] = "Barnet"  # a second authority called Barnet
    del data["authorities"][5]["name"]
    data["evidence"]["statuses"][0]["colour"] = "navy"
    data["evidence"]["inferences"][0]["authority"] = "atlantis"
    data["survey"]["questions"][0]["number"] = "one"
    data["themes"]["authority_vision"]["theme"] = "visions"
    data["colour_scheme"] = "blue"
    path = tmp_path / "definition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = _check(path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    e = f"error: {path}, key "
    known = (
        "schema_version, programme, source_documents, authorities, evidence, profile_questions, kpis, "
        "kpi_measures, activity_measures, survey, case_study_groups, themes, commissioning, statements, "
        "case_study_sections, optional_tables, completeness, notes, glossary"
    )
    ids = (
        "barnet, darlington, greenwich, hillingdon, kent, knowsley, leeds, luton, north-east-lincolnshire, "
        "northamptonshire, poole, richmond-upon-thames, telford-and-wrekin, westminster"
    )
    themes = (
        "performance_management, community_engagement, partnership_working, vision, "
        "localised_commissioning, change_management"
    )
    assert done.stderr.splitlines() == [
        f"{e}colour_scheme: value 'blue': unknown key 'colour_scheme' at the top level; expected one of: {known}",
        f"{e}authorities[1].id: value 'Bex Ley': expected a lowercase slug (a-z, 0-9, '-')",
        f"{e}authorities[5].name: value (missing): expected non-empty text",
        f"{e}authorities[4].name: value 'Barnet': expected a spelling (after folding case, dots and hyphens) "
        "not already used at authorities[0].name",
        f"{e}evidence.statuses[0].colour: value 'navy': expected a colour '#RRGGBB'",
        f"{e}evidence.inferences[0].authority: value 'atlantis': expected an authority id ({ids})",
        f"{e}survey.questions[0].number: value 'one': expected a whole question number",
        f"{e}themes.authority_vision.theme: value 'visions': expected a theme id ({themes})",
        "definition rejected: 8 problem(s)",
    ]


@pytest.mark.slow
def test_unreadable_definitions_are_one_line_too(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("programme:\n  name: [unclosed\n", encoding="utf-8")
    done = _check(broken)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[0].startswith(f"error: {broken}, line 3, column 1: not valid YAML (")
    done = _check(tmp_path / "missing.yaml")
    assert done.stderr.splitlines() == [
        f"error: {tmp_path / 'missing.yaml'}: cannot be read (No such file or directory)",
        "definition rejected: 1 problem(s)",
    ]
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.parse_definition(["not", "a", "mapping"], "x.yaml")
    assert caught.value.problems == ["error: x.yaml: value list: expected a YAML mapping"]


# --------------------------------------------------------------------------
# Unknown keys, at every depth; every entry point reports one line per problem
# --------------------------------------------------------------------------


def _problems(data: dict) -> list[str]:
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.parse_definition(data, "d.yaml")
    return caught.value.problems


def test_unknown_keys_at_every_depth_name_the_closest_known_key():
    data = yaml.safe_load(programme.DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    data["programme"]["yeras"] = []
    data["authorities"][3]["spelling"] = ["Hillingdon LB"]
    data["evidence"]["items"][0]["lable"] = "Budget"
    data["survey"]["chart_questions"]["impact"] = "impacts"
    data["survey"]["responses"]["scal"] = [1, 5]
    data["completeness"]["kpi_table.csv"][0]["print"] = "x"
    data["themes"]["authority_vision"]["zzz"] = 1
    e = "error: d.yaml, key "
    assert _problems(data) == [
        f"{e}programme.yeras: value []: unknown key 'yeras' in programme; did you mean 'years'?",
        f"{e}authorities[3].spelling: value ['Hillingdon LB']: unknown key 'spelling' in authorities[3]; "
        "did you mean 'spellings'?",
        f"{e}evidence.items[0].lable: value 'Budget': unknown key 'lable' in evidence.items[0]; "
        "did you mean 'label'?",
        f"{e}survey.chart_questions.impact: value 'impacts': unknown key 'impact' in survey.chart_questions; "
        "did you mean 'impacts'?",
        f"{e}survey.responses.scal: value [1, 5]: unknown key 'scal' in survey.responses; did you mean 'scale'?",
        f"{e}themes.authority_vision.zzz: value 1: unknown key 'zzz' in themes.authority_vision; "
        "expected one of: suffix, theme",
        f"{e}completeness.kpi_table.csv[0].print: value 'x': unknown key 'print' in completeness.kpi_table.csv[0]; "
        "did you mean 'printed'?",
    ]


def test_the_key_table_names_exactly_what_the_parser_reads(prog):
    assert tuple(k.name for k in keys.DEFINITION) == tuple(schema.PARSERS)
    walker = reader.Reader("d.yaml")
    parsed: dict = {}
    data = yaml.safe_load(programme.DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    for parse in schema.PARSERS.values():
        parsed.update(parse(walker, data, parsed))
    assert walker.problems == []
    read = {re.sub(r"^completeness\.[^\[]+", "completeness.<raw file name>", k) for k in walker.read}
    documented = {path for path, _ in keys.walk()}
    assert read - documented == set()
    # Read as a whole rather than key by key: the entries of these mappings.
    whole = {
        "completeness.<raw file name>[].numbered[].group",
        "completeness.<raw file name>[].numbered[].count",
        "survey.chart_questions.understanding",
        "survey.chart_questions.impacts",
    }
    assert documented - read == whole


def _bad_definition(tmp_path: Path) -> Path:
    data = yaml.safe_load(programme.DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    data["authorities"][3]["spelling"] = ["Hillingdon LB"]  # an unknown key
    data["survey"]["questions"][0]["number"] = "one"  # a wrong type
    del data["authorities"][5]["name"]  # a missing required key
    path = tmp_path / "definition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["lib.programme", "check"],
        ["lib.evaluation", "build", "--processed-dir", "{tmp}/processed", "--outputs-dir", "{tmp}/outputs"],
        ["lib.run", "--output-dir", "{tmp}/reports", "--timeout", "30"],
    ],
    ids=["check", "build", "run"],
)
def test_every_entry_point_reports_a_bad_definition_one_line_per_problem(tmp_path, command):
    path = _bad_definition(tmp_path)
    env = {**os.environ, programme.PROGRAMME_ENV_VAR: str(path), "PYTHONPATH": str(PROJECT_ROOT)}
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    e = f"error: {path}, key "
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.splitlines() == [
        f"{e}authorities[3].spelling: value ['Hillingdon LB']: unknown key 'spelling' in authorities[3]; "
        "did you mean 'spellings'?",
        f"{e}authorities[5].name: value (missing): expected non-empty text",
        f"{e}survey.questions[0].number: value 'one': expected a whole question number",
        "definition rejected: 3 problem(s)",
    ]
    assert not (tmp_path / "processed").exists() and not (tmp_path / "reports").exists()


def test_the_definition_reference_in_data_readme_is_up_to_date():
    readme = PROJECT_ROOT / "data" / "README.md"
    assert not programme.update_reference(readme, write=False), "run: python -m lib.programme reference"
    # only the reference itself (a processed or results table may have a column of the same name)
    text = readme.read_text(encoding="utf-8").split(programme.REFERENCE_START, 1)[1]
    for path in [
        "completeness.<raw file name>[].columns",
        "notes",
        "survey.success_sectors",
        "survey.chart_questions",
        "survey.responses",
        "evidence.never_inferred",
        "kpi_measures[].names",
        "survey.questions[].claim_label",
    ]:
        assert f"| `{path}` |" in text, path
    for path, key in keys.walk():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{path}` |"))
        assert key.type in row and key.description.split("`")[0][:20] in row, path


def test_a_stale_reference_is_found_and_rewritten(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        f"intro\n{programme.REFERENCE_START}\n| old |\n{programme.REFERENCE_END}\nrest\n", encoding="utf-8"
    )
    assert programme.update_reference(readme, write=False)
    assert programme.update_reference(readme)
    assert not programme.update_reference(readme, write=False)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("rest\n") and "| old |" not in text
    assert "| `authorities[].spellings` | list of text | no |" in text


def test_true_or_false_is_not_a_number():
    data = yaml.safe_load(programme.DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    data["survey"]["questions"][0]["number"] = True
    data["survey"]["sectors"][1]["in_explorer"] = "yes"
    assert _problems(data) == [
        "error: d.yaml, key survey.sectors[1].in_explorer: value 'yes': expected true or false",
        "error: d.yaml, key survey.questions[0].number: value True: expected a whole question number",
    ]
