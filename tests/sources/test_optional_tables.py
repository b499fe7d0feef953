"""Optional raw tables: a programme declares the optional tables it has (``optional_tables`` in its
definition); one it lacks is read as an empty table with its columns, builds an empty processed
table with the schema's columns, and a file the definition leaves out stops the build in one line.
"""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from lib.config import RAW_DIR
from lib.programme.model import EVIDENCE_SOURCES, OPTIONAL_TABLES, SURVEY_TABLES
from lib.sources import reading
from lib.sources.build import build_tables
from lib.sources.contract import RawDataError
from lib.sources.registry import RAW_TABLES
from lib.sources.schemas import PROCESSED_SCHEMAS

#: The optional tables the issue names: case studies, published claims, KPIs, practice guidance,
#: stray chart values.
LACKING = (
    "case_study_facts.csv",
    "case_study_challenges.csv",
    "case_study_proposals.csv",
    "case_study_impacts.csv",
    "case_study_sections.csv",
    "published_claims.csv",
    "kpi_table.csv",
    "programme_activity.csv",
    "practice_guidance.csv",
    "survey_stray_values.csv",
)


@pytest.fixture
def lacking(monkeypatch, tmp_path):
    """This programme with the LACKING tables left out of its definition, and a raw folder without them."""
    kept = tuple(t for t in OPTIONAL_TABLES if t not in LACKING)
    monkeypatch.setattr(reading, "PROGRAMME", dataclasses.replace(reading.PROGRAMME, optional_tables=kept))
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    for name in LACKING:
        (raw / name).unlink()
    return raw


def test_every_optional_table_is_a_declared_raw_table_and_the_required_ones_stay():
    assert set(OPTIONAL_TABLES) <= set(RAW_TABLES)
    required = set(RAW_TABLES) - set(OPTIONAL_TABLES)
    assert required == {"programme_membership.csv"}
    assert {t for _, tables in EVIDENCE_SOURCES for t in tables} <= set(OPTIONAL_TABLES)


def test_a_programme_without_the_optional_tables_builds(lacking):
    raw = reading.load_raw(lacking)
    for name in LACKING:
        assert raw[name].empty and list(raw[name].columns) == list(RAW_TABLES[name].columns), name
    result = build_tables(raw)
    for name in ("kpis.csv", "claims.csv", "guidance.csv", "case_study_facts.csv", "proposals.csv"):
        table = result.tables[name]
        assert table.empty and list(table.columns) == list(PROCESSED_SCHEMAS[name].columns), name
    # the tables it has are built as before
    assert len(result.tables["authorities.csv"]) == 15 and len(result.tables["survey.csv"]) > 0
    assert not any(result.issues["file"].isin(LACKING))


def test_a_file_the_definition_leaves_out_is_one_line(lacking):
    (lacking / "kpi_table.csv").write_text("kpi_order\n", encoding="utf-8")
    with pytest.raises(RawDataError) as caught:
        reading.load_raw(lacking)
    assert [str(p) for p in caught.value.problems] == [
        f"{caught.value.problems[0].file}: expected no such file, or kpi_table.csv in the definition's "
        "optional_tables (data/definition.yaml leaves it out)"
    ]
    assert caught.value.problems[0].file.endswith("raw/kpi_table.csv")


def test_a_missing_optional_table_the_definition_lists_is_still_an_error(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    (raw / "kpi_table.csv").unlink()
    with pytest.raises(RawDataError) as caught:
        reading.load_raw(raw)
    assert [p.expected for p in caught.value.problems] == ["the file to exist"]


def test_data_readme_names_every_column_of_every_raw_table():
    """The data dictionary's section for each raw table names each of its columns."""
    import re

    from lib.config import PROJECT_ROOT

    text = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    missing = {}
    for name, spec in RAW_TABLES.items():
        start = text.index(f"### `{name}`")
        end = min(i for i in (text.find("\n### ", start + 1), text.find("\n## ", start + 1)) if i > 0)
        section = text[start:end]
        named = set(re.findall(r"`([a-z_]+)`", section)) | set(re.findall(r"\b([a-z_]+)\b", section))
        absent = [c for c in spec.columns if c not in named]
        if absent:
            missing[name] = absent
    assert missing == {}


def test_a_programme_of_authorities_and_the_evidence_matrix_builds(monkeypatch, tmp_path):
    """Only the authorities and one evidence source: every processed table is written with its
    schema's columns, empty where nothing bears on it, and the quality log has no survey entry."""
    kept = ("evidence_matrix.csv",)
    monkeypatch.setattr(reading, "PROGRAMME", dataclasses.replace(reading.PROGRAMME, optional_tables=kept))
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("programme_membership.csv", "evidence_matrix.csv"):
        shutil.copy(RAW_DIR / name, raw / name)
    result = build_tables(reading.load_raw(raw))
    assert set(result.tables) == set(PROCESSED_SCHEMAS)
    for name, table in result.tables.items():
        assert list(table.columns) == list(PROCESSED_SCHEMAS[name].columns), name
    has_rows = {name for name, table in result.tables.items() if len(table)}
    assert has_rows == {"authorities.csv", "membership.csv", "evidence.csv"}
    assert len(result.tables["evidence.csv"]) == 180  # the 12 x 15 matrix, as with every table
    assert not any(result.issues["file"].isin(SURVEY_TABLES))
