"""A programme is a folder (lib/programme/folder.py): its definition, plan, notes and raw data
resolved from one place, selected by a folder or by a definition file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lib import programme
from lib.config import PROJECT_ROOT
from lib.programme.model import SURVEY_TABLES

DATA = PROJECT_ROOT / "data"


def test_this_programmes_folder_is_data(monkeypatch):
    monkeypatch.delenv(programme.PROGRAMME_ENV_VAR, raising=False)
    assert programme.programme_dir() == DATA
    assert programme.definition_path() == DATA / "definition.yaml"
    assert programme.plan_path() == DATA / "plan.yaml"
    assert programme.caveats_path() == DATA / "notes" / "caveats.md"
    assert programme.raw_dir() == DATA / "raw" and programme.processed_dir() == DATA / "processed"
    assert programme.caveats_path().is_file() and programme.definition_path().is_file()
    assert programme.caveats_path() in programme.note_files()


@pytest.mark.parametrize("chosen", ["folder", "file"])
def test_a_folder_or_its_definition_file_selects_the_same_programme(tmp_path, monkeypatch, chosen):
    folder = tmp_path / "other"
    (folder / "notes").mkdir(parents=True)
    (folder / "definition.yaml").write_text(DATA.joinpath("definition.yaml").read_text("utf-8"), "utf-8")
    (folder / "notes" / "caveats.md").write_text("# Other caveats\n", encoding="utf-8")
    monkeypatch.setenv(
        programme.PROGRAMME_ENV_VAR, str(folder if chosen == "folder" else folder / "definition.yaml")
    )
    assert programme.definition_path() == folder / "definition.yaml"
    assert programme.plan_path() == folder / "plan.yaml"
    assert programme.caveats_path() == folder / "notes" / "caveats.md"
    assert programme.raw_dir() == folder / "raw" and programme.processed_dir() == folder / "processed"
    assert programme.note_files() == [folder / "notes" / "caveats.md"]
    assert programme.current_programme().path.name == "definition.yaml"


def test_a_folder_that_does_not_exist_names_its_definition(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.load_programme(missing)
    assert caught.value.problems == [
        f"error: {missing / 'definition.yaml'}: cannot be read (No such file or directory)"
    ]


def test_optional_tables_must_be_optional_raw_tables_with_the_closest_named(tmp_path):
    data = yaml.safe_load(DATA.joinpath("definition.yaml").read_text(encoding="utf-8"))
    data["optional_tables"] = ["kpi_table.csv", "kpi_tabel.csv", "programme_membership.csv"]
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.parse_definition(data, "d.yaml")
    assert [line.split(": expected ")[0] for line in caught.value.problems] == [
        "error: d.yaml, key optional_tables[1]: value 'kpi_tabel.csv'",
        "error: d.yaml, key optional_tables[2]: value 'programme_membership.csv'",
    ]
    assert "(did you mean 'kpi_table.csv'?)" in caught.value.problems[0]
    data["optional_tables"] = ["kpi_table.csv"]
    prog = programme.parse_definition(data, "d.yaml")
    assert prog.has_table("kpi_table.csv") and not prog.has_table("published_claims.csv")
    assert not prog.has_table("evidence_matrix.csv") and not prog.has_table("survey_respondents.csv")
    assert prog.has_table("programme_membership.csv")  # the one required table is always had
    assert programme.load_programme().has_table("published_claims.csv")  # default: every table


def test_a_programme_needs_an_evidence_source_and_the_survey_tables_together(tmp_path):
    """No evidence source is one line naming them; part of the survey is one line naming what it lacks."""
    data = yaml.safe_load(DATA.joinpath("definition.yaml").read_text(encoding="utf-8"))
    data["optional_tables"] = ["programme_statements.csv", "authority_profiles.csv"]
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.parse_definition(data, "d.yaml")
    assert caught.value.problems == [
        "error: d.yaml, key optional_tables: value ['programme_statements.csv', 'authority_profiles.csv']: "
        "expected at least one evidence source: the evidence matrix (evidence_matrix.csv); the survey "
        "(survey_respondents.csv, survey_understanding.csv, survey_impacts.csv, survey_comment_shares.csv); "
        "the KPI table (kpi_table.csv); the case studies (case_study_facts.csv, case_study_challenges.csv, "
        "case_study_proposals.csv, case_study_impacts.csv, case_study_sections.csv)"
    ]
    data["optional_tables"] = ["survey_respondents.csv", "survey_impacts.csv"]
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.parse_definition(data, "d.yaml")
    assert caught.value.problems == [
        "error: d.yaml, key optional_tables: value ['survey_respondents.csv', 'survey_impacts.csv']: "
        "expected the four survey tables together or none of them (lacks survey_understanding.csv, "
        "survey_comment_shares.csv)"
    ]
    data["optional_tables"] = ["evidence_matrix.csv", "survey_stray_values.csv"]
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.parse_definition(data, "d.yaml")
    assert caught.value.problems == [
        "error: d.yaml, key optional_tables: value ['evidence_matrix.csv', 'survey_stray_values.csv']: "
        "expected the four survey tables with survey_stray_values.csv (its values' charts)"
    ]
    for source in (["case_study_facts.csv"], ["evidence_matrix.csv"], ["kpi_table.csv"]):
        data["optional_tables"] = source
        assert programme.parse_definition(data, "d.yaml").optional_tables == tuple(source)


@pytest.mark.slow
def test_check_takes_a_folder_or_the_programme_option():
    for args in (["check", "data"], ["check", "--programme", "data"]):
        done = subprocess.run(
            [sys.executable, "-m", "lib.programme", *args],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("data/definition.yaml: ")


def test_the_caveats_page_is_the_programmes_own(tmp_path, monkeypatch):
    from lib.run import render

    (tmp_path / "notes").mkdir()
    (tmp_path / "definition.yaml").touch()
    (tmp_path / "notes" / "caveats.md").write_text(
        "# Caveats of another programme\n\n## C1 Forums only\n\nText.\n", encoding="utf-8"
    )
    monkeypatch.setenv(programme.PROGRAMME_ENV_VAR, str(tmp_path))
    page = render.render_caveats()
    assert "Caveats of another programme" in page and '<h2 id="c1">' in page
    assert "Leeds" not in page and "Richmond" not in page
    assert Path(programme.caveats_path()).parent.parent == tmp_path


def test_a_bad_definition_in_a_notebook_is_its_problem_lines_not_a_traceback(tmp_path, monkeypatch, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    data = yaml.safe_load(DATA.joinpath("definition.yaml").read_text(encoding="utf-8"))
    data["authorities"][0]["spelling"] = ["x"]  # an unknown key
    (tmp_path / "definition.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(programme.PROGRAMME_ENV_VAR, str(tmp_path))
    shell = InteractiveShell.instance()
    try:
        result = shell.run_cell("from lib import programme\nprogramme.current_programme()")
    finally:
        InteractiveShell.clear_instance()
    assert isinstance(result.error_in_exec, programme.ProgrammeDefinitionError)  # the cell fails
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "Traceback" not in out and "File " not in out
    assert out.splitlines() == [
        f"error: {tmp_path / 'definition.yaml'}, key authorities[0].spelling: value ['x']: unknown key "
        "'spelling' in authorities[0]; did you mean 'spellings'?",
        "definition rejected: 1 problem(s)",
    ]


def test_wording_is_the_programmes_own_or_a_default_true_of_any(tmp_path):
    assert programme.wording("events") == "the workshops"  # this programme's notes/wording.yaml
    (tmp_path / "definition.yaml").touch()
    assert programme.wording("events", tmp_path) == "the programme's activities"
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "wording.yaml").write_text("events: the forums\nsurvey_led: x\n", encoding="utf-8")
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.wording("events", tmp_path)
    assert caught.value.problems == [
        f"error: {tmp_path / 'notes' / 'wording.yaml'}, key survey_led: unknown wording id; expected one "
        "of: " + ", ".join(programme.WORDING)
    ]
    readme = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{key}` |" in readme for key in programme.WORDING)  # documented, every id


def test_a_programme_without_a_survey_may_leave_out_its_survey_key_and_survey_report():
    """With no survey table in ``optional_tables`` the ``survey`` key and the ``survey_report`` document
    may be left out (no questions, sectors or phases); with the survey tables listed both stay required."""
    data = yaml.safe_load(DATA.joinpath("definition.yaml").read_text(encoding="utf-8"))
    del data["survey"]
    data["source_documents"] = [d for d in data["source_documents"] if d["id"] != "survey_report"]
    data["optional_tables"] = ["evidence_matrix.csv"]
    prog = programme.parse_definition(data, "d.yaml")
    assert (prog.questions, prog.sectors, prog.phases, prog.impacts) == ((), (), (), ())
    assert "survey_report" not in {d.id for d in prog.source_documents}
    data["optional_tables"] = ["evidence_matrix.csv", *SURVEY_TABLES]
    with pytest.raises(programme.ProgrammeDefinitionError) as caught:
        programme.parse_definition(data, "d.yaml")
    assert [line.split(": expected ")[0] for line in caught.value.problems] == [
        "error: d.yaml, key source_documents: value ['commissioning_paper', 'leeds_case_study', "
        "'programme_report', 'richmond_case_study']",
        "error: d.yaml, key survey: value (missing)",
    ]
