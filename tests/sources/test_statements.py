"""lib/sources/statements.py: the programme's own statements and its evaluation findings.

Unit tests use small hand-made frames (good input and bad input for each step). Tests of
figures check the processed tables against what the source documents state in prose or print
in a table, each citing where; no expected value is copied from the output.
"""

from __future__ import annotations

import csv
import re

import pytest

from lib.config import PROJECT_ROOT, RAW_DIR
from lib.sources.case_studies import case_study_section
from lib.sources.common import YEAR_ONE, YEAR_TWO
from lib.sources.statements import statement_years

SEEDS_DIR = PROJECT_ROOT.parent / "shared" / "seeds"


def _raw_rows(name):
    with open(RAW_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="source documents not available")
@pytest.mark.parametrize(
    "name", ["programme_statements.csv", "evaluation_findings.csv", "case_study_sections.csv"]
)
def test_new_raw_tables_are_verbatim_with_provenance(name):
    for row in _raw_rows(name):
        file, _, section = row["source"].partition(" § ")
        assert section, row
        document = (SEEDS_DIR / file).read_text(encoding="utf-8")
        if row.get("transcription_note"):
            # Folded over a printed break: equal once whitespace runs are one space.
            assert re.sub(r"\s+", " ", row["text"]) in re.sub(r"\s+", " ", document), row["text"][:60]
        else:
            assert row["text"] in document, row["text"][:60]


def test_programme_statements_hold_aims_success_measure_and_delivery_strategy(tables):
    st = tables["programme_statements"]
    by_topic = st.groupby("topic")["text"].apply(list)
    assert by_topic["success_measure"] == [
        "Success was seen as increased positive attitudes to VCS involvement."
    ]
    assert by_topic["delivery_step"] == ["Engage", "Establish", "Enquire", "Ensure", "Embed Evaluation"]
    assert "five step change management programme" in by_topic["delivery_strategy"][0]
    models = st[st["topic"] == "delivery_model"].set_index("years")["text"]
    assert "six delivery models" in models[YEAR_ONE] and "listening and engaging" in models[YEAR_TWO]
    assert any("April 2011" in t for t in by_topic["launch"])
    assert any("national baseline survey" in t for t in by_topic["baseline_survey"])
    assert any(
        "working with partners and the local authority to plan and deliver services" in t
        for t in by_topic["co_production_definition"]
    )
    assert len(by_topic["aim"]) >= 2 and len(by_topic["objective"]) == 2


def test_evaluation_findings_are_the_ten_bullets_and_link_to_their_audited_claims(tables):
    f = tables["evaluation_findings"]
    assert list(f["finding_order"]) == list(range(1, 11))
    linked = f[f["audited_as"] != ""].set_index("finding_order")["audited_as"]
    assert linked[5] == "E7-open-conversations-real-attitude-change"  # 'created real attitude change'
    assert linked[3] == "E7-programme-catalyst"
    assert set(linked) <= set(tables["claims"]["claim_id"])
    assert f.set_index("finding_order").loc[8, "years"] == YEAR_ONE


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("", "unstated"),
        ("first year", "2011-12"),
        ("second year", "2012-13"),
        ("2012-13", "2012-13"),
        ("first year; second year", "2011-12;2012-13"),
        ("after the two years", "2011-12;2012-13"),
    ],
)
def test_statement_years(printed, expected):
    assert statement_years(printed) == expected


def test_statement_years_and_sections_refuse_unknown_words():
    with pytest.raises(ValueError, match="unknown programme year"):
        statement_years("third year")
    with pytest.raises(ValueError, match="unknown case-study section"):
        case_study_section("About 4Children")
