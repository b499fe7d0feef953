"""Tests for lib/evaluation.py: every cleaning step, then the real data built.

Unit tests use small hand-made frames (good input and bad input for each step).
Integration tests build the real ``data/raw/`` into a temporary folder once per
session (``evaluation_build`` in conftest.py). Tests of figures check the
processed tables against what the source documents state in prose or print in
a table, each citing where; no expected value is copied from the output.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lib import evaluation as ev
from lib import programme

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SURVEY, PROGRAMME, LEEDS = ev.SURVEY_REPORT, ev.PROGRAMME_REPORT, ev.LEEDS_CASE_STUDY
SRC = f"{PROGRAMME} § test"


# ==========================================================================
# Authorities
# ==========================================================================


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("N.E.Lincs", "north-east-lincolnshire"),  # 002 evidence matrix header
        ("N. E. Lincs", "north-east-lincolnshire"),  # 002 authority profiles header
        ("NE Lincs", "north-east-lincolnshire"),  # 004 § 2.2
        ("NELincs", "north-east-lincolnshire"),
        ("north east lincolnshire", "north-east-lincolnshire"),
        ("Northampton", "northamptonshire"),  # 004 § 2.2
        ("Northamptonshire", "northamptonshire"),
        ("Telford", "telford-and-wrekin"),  # 004 § 2.2
        ("Telford & Wrekin", "telford-and-wrekin"),  # 002 matrix header
        ("Telford and Wrekin", "telford-and-wrekin"),
        ("Greenwich ", "greenwich"),  # trailing space, 002 matrix header
        ("Knowsley ", "knowsley"),
        ("  KENT  ", "kent"),
        ("Richmond", "richmond-upon-thames"),
        ("London Borough of Richmond upon Thames", "richmond-upon-thames"),  # 000
        ("Richmond-upon-Thames", "richmond-upon-thames"),
        ("Leeds City Council", "leeds"),  # 001
    ],
)
def test_authority_id_maps_every_spelling(printed, expected):
    assert ev.authority_id(printed) == expected
    assert ev.is_known_authority(printed)


def test_authority_id_maps_each_canonical_name_to_its_own_id():
    for aid, name in ev.AUTHORITIES.items():
        assert ev.authority_id(name) == aid


@pytest.mark.parametrize(
    "printed", ["Northumberland", "Darlingtonn", "Lincs", "Kent County", "", "Telford Wrekin Council"]
)
def test_authority_id_rejects_an_unknown_name(printed):
    with pytest.raises(ev.UnknownAuthorityError, match="unknown authority"):
        ev.authority_id(printed)
    assert not ev.is_known_authority(printed)


def test_unknown_authority_error_is_a_value_error():
    # Callers that catch ValueError (the raw checks) also catch it.
    assert issubclass(ev.UnknownAuthorityError, ValueError)


def test_clean_membership_resolves_spellings_and_rejects_unknown_names():
    raw = pd.DataFrame(
        {
            "authority_as_printed": ["NE Lincs", "Telford"],
            "years_stated": ["2012-13", "2012-13"],
            "quote": ["q1", "q2"],
            "source": [SRC, SRC],
        }
    )
    out = ev.clean_membership(raw)
    assert list(out["authority_id"]) == ["north-east-lincolnshire", "telford-and-wrekin"]
    assert list(out["authority_as_printed"]) == ["NE Lincs", "Telford"]

    bad = raw.assign(authority_as_printed=["NE Lincs", "Atlantis"])
    with pytest.raises(ev.UnknownAuthorityError, match="Atlantis"):
        ev.clean_membership(bad)


def _membership(rows):
    return pd.DataFrame(
        rows, columns=["authority_id", "authority_as_printed", "years_stated", "quote", "source"]
    )


def test_clean_authorities_takes_years_only_from_statements():
    membership = _membership(
        [
            ("darlington", "Darlington", "2011-12", "first-year statement", f"{PROGRAMME} § a"),
            ("darlington", "Darlington", "2012-13", "second-year statement", f"{PROGRAMME} § b"),
            ("kent", "Kent", "2011-12;2012-13", "both years", f"{SURVEY} § 2.2"),
            ("hillingdon", "Hillingdon", "2012-13", "second year only", f"{SURVEY} § 2.2"),
            ("leeds", "Leeds City Council", "2011-12", "workshop 2011", f"{LEEDS} § x"),
        ]
    )
    out = ev.clean_authorities(membership, {"kent", "hillingdon"}).set_index("authority_id")

    assert list(out.index) == list(ev.AUTHORITIES)  # all 15, in the report's order
    # Two statements, one year each: the union of what they state.
    assert out.loc["darlington", "years"] == "2011-12;2012-13"
    assert (out.loc["darlington", "in_2011_12"], out.loc["darlington", "in_2012_13"]) == ("yes", "yes")
    assert "first-year statement" in out.loc["darlington", "years_basis"]
    assert "second-year statement" in out.loc["darlington", "years_basis"]
    assert out.loc["darlington", "source"] == f"{PROGRAMME} § a; {PROGRAMME} § b"
    assert out.loc["kent", "years"] == "2011-12;2012-13"
    assert out.loc["hillingdon", "years"] == "2012-13"
    assert (out.loc["hillingdon", "in_2011_12"], out.loc["hillingdon", "in_2012_13"]) == ("no", "yes")
    assert out.loc["leeds", "years"] == "2011-12"
    assert out.loc["leeds", "case_study"] == "yes"
    assert out.loc["richmond-upon-thames", "case_study"] == "yes"
    assert out.loc["kent", "case_study"] == "no"
    assert set(out.index[out["attitude_survey"] == "yes"]) == {"kent", "hillingdon"}


def test_clean_authorities_keeps_unrecorded_where_no_statement_exists():
    membership = _membership([("kent", "Kent", "2011-12;2012-13", "both years", f"{SURVEY} § 2.2")])
    out = ev.clean_authorities(membership, set()).set_index("authority_id")
    for aid in set(ev.AUTHORITIES) - {"kent"}:
        assert out.loc[aid, "years"] == ev.UNRECORDED == "unrecorded"
        assert out.loc[aid, "in_2011_12"] == out.loc[aid, "in_2012_13"] == "unknown"
        assert "no document states" in out.loc[aid, "years_basis"]
    # Nothing is inferred by elimination, even with a single known authority.
    assert (out["years"] == "unrecorded").sum() == 14


def test_an_unknown_programme_year_in_a_statement_fails_the_authorities_schema():
    membership = _membership([("kent", "Kent", "2013-14", "a year outside the programme", SRC)])
    out = ev.clean_authorities(membership, set())
    with pytest.raises(ev.ProcessedDataError) as err:
        ev.validate_processed("authorities.csv", out)
    # One line per failing cell (row = CSV line of the table as it would be written).
    row = out.index[out["authority_id"] == "kent"][0] + 2
    assert [str(p) for p in err.value.problems] == [
        f"processed table authorities.csv (as built), row {row}, column 'years': value '2013-14': "
        "expected programme years (2011-12, 2012-13) joined by ';', or 'unrecorded' "
        "(the processed schema; a cleaning bug)"
    ]


# ==========================================================================
# Evidence matrix
# ==========================================================================


@pytest.mark.parametrize(
    "cell, printed, status, raw_code, basis_words",
    [
        ("", "yes", "unrecorded", "", "glyph lost"),  # tick/cross both print blank
        ("NA", "yes", "not_applicable", "NA", "not applicable"),
        (" NA ", "yes", "not_applicable", "NA", "not applicable"),
        ("/", "yes", "unclear", "/", "not in the legend"),
        (" /", "yes", "unclear", "/", "not in the legend"),  # stray space as printed
        ("", "no", "unrecorded", "[not printed]", "truncated"),  # Attitude Survey row
        ("NA", "no", "unrecorded", "[not printed]", "truncated"),
    ],
)
def test_evidence_code_status(cell, printed, status, raw_code, basis_words):
    got_status, got_code, basis = ev.evidence_code_status(cell, printed)
    assert (got_status, got_code) == (status, raw_code)
    assert basis_words in basis
    assert got_status in ev.EVIDENCE_STATUSES


@pytest.mark.parametrize("cell", ["X", "yes", "n/a"])
def test_evidence_code_status_rejects_a_code_not_in_the_legend(cell):
    with pytest.raises(ValueError):
        ev.evidence_code_status(cell, "yes")


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("Delivery Plan and notes", "delivery_plan"),
        ("Workshop 2 Material", "workshop_2_materials"),  # singular as printed
        ("Workshop  Evaluations", "workshop_evaluations"),  # double space as printed
        ("Attitude Survey", "attitude_survey"),
    ],
)
def test_evidence_item_id(printed, expected):
    assert ev._evidence_item_id(printed) == expected


@pytest.mark.parametrize("printed", ["Attitude Surveys 2", "Budget", ""])
def test_evidence_item_id_rejects_unknown_items(printed):
    with pytest.raises(ValueError, match="unknown evidence item"):
        ev._evidence_item_id(printed)


def _evidence(rows):
    frame = pd.DataFrame(rows, columns=["authority_id", "evidence_item", "status", "raw_code", "basis"])
    return frame.assign(inferred="no")


def test_apply_evidence_inferences_only_touches_lost_glyphs_and_records_basis():
    frame = _evidence(
        [
            # 004 § 2.2 names Kent among the survey's sources: lost glyph -> available.
            ("kent", "attitude_survey", "unrecorded", "", "lost"),
            # Not named in 004 § 2.2: absence from a list is not evidence -> stays unrecorded.
            ("barnet", "attitude_survey", "unrecorded", "", "lost"),
            # Truncated cell (not printed), not named: stays unrecorded too.
            ("westminster", "attitude_survey", "unrecorded", "[not printed]", "truncated"),
            # Truncated cell, named in 004 § 2.2 ("Telford").
            ("telford-and-wrekin", "attitude_survey", "unrecorded", "[not printed]", "truncated"),
            # Printed NA: a printed code is never overridden.
            ("luton", "attitude_survey", "not_applicable", "NA", "printed NA"),
            # Printed '/', and an item no inference covers.
            ("kent", "regional_sharing", "unclear", "/", "printed /"),
            ("barnet", "delivery_plan", "unrecorded", "", "lost"),
            # Greenwich's profile says 'Survey and focus group': most likely the attitude
            # survey (Poole's profile mentions a survey and its questionnaire cell is NA).
            ("greenwich", "questionnaire", "unrecorded", "", "lost"),
            # Luton's profile: 'the questionnaire/survey had very positive response'.
            ("luton", "questionnaire", "unrecorded", "", "lost"),
            # No other source says anything about Darlington's questionnaire.
            ("darlington", "questionnaire", "unrecorded", "", "lost"),
        ]
    )
    before = frame.copy()
    out = ev.apply_evidence_inferences(frame).set_index(["authority_id", "evidence_item"])
    pd.testing.assert_frame_equal(frame, before)  # input not mutated

    def row(aid, item):
        return out.loc[(aid, item)]

    assert row("kent", "attitude_survey")["status"] == "available"
    assert row("telford-and-wrekin", "attitude_survey")["status"] == "available"
    assert row("luton", "questionnaire")["status"] == "available"
    for key in [
        ("kent", "attitude_survey"),
        ("telford-and-wrekin", "attitude_survey"),
        ("luton", "questionnaire"),
    ]:
        assert row(*key)["inferred"] == "yes"
        assert row(*key)["basis"].startswith("inferred:")
    assert f"{SURVEY} § 2.2" in row("kent", "attitude_survey")["basis"]
    assert "namely Kent and Poole" in row("kent", "attitude_survey")["basis"]
    assert "questionnaire/survey had very positive response" in row("luton", "questionnaire")["basis"]
    # Absence from the survey's list never gives not_produced; the basis says why.
    for aid in ("barnet", "westminster"):
        got = row(aid, "attitude_survey")
        assert (got["status"], got["inferred"]) == ("unrecorded", "no")
        assert "absence from a list is not evidence" in got["basis"]
    got = row("greenwich", "questionnaire")
    assert (got["status"], got["inferred"]) == ("unrecorded", "no")
    assert "Poole" in got["basis"] and "attitude survey" in got["basis"]
    # Untouched: printed codes, items without inferences, authorities without facts.
    for key, status, basis in [
        (("luton", "attitude_survey"), "not_applicable", "printed NA"),
        (("kent", "regional_sharing"), "unclear", "printed /"),
        (("barnet", "delivery_plan"), "unrecorded", "lost"),
        (("darlington", "questionnaire"), "unrecorded", "lost"),
    ]:
        assert (row(*key)["status"], row(*key)["basis"], row(*key)["inferred"]) == (status, basis, "no")
    # raw_code is never rewritten.
    assert list(out["raw_code"]) == list(before["raw_code"])


@pytest.mark.parametrize(
    "change, line",
    [
        (
            {"authority": "nowhere"},
            "key evidence.inferences[0].authority: value 'nowhere': expected an authority id",
        ),
        (
            {"status": "unclear"},
            "key evidence.inferences[0].status: value 'unclear': expected a legend status "
            "(an inference never gives another) (available, not_produced, not_applicable)",
        ),
        ({"statement": " "}, "key evidence.inferences[0].statement: value ' ': expected non-empty text"),
        (
            {"source": "somewhere"},
            "key evidence.inferences[0].source: value 'somewhere': expected a provenance",
        ),
    ],
)
def test_an_evidence_inference_needs_one_authority_a_legend_status_and_a_quoted_statement(
    tmp_path, change, line
):
    """The definition's inferences are checked where they are read (lib.programme)."""
    data = yaml.safe_load(programme.DEFAULT_DEFINITION.read_text(encoding="utf-8"))
    data["evidence"]["inferences"][0].update(change)
    path = tmp_path / "definition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(programme.ProgrammeDefinitionError) as err:
        programme.load_programme(path)
    assert [p.split(", ", 1)[1][: len(line)] for p in err.value.problems] == [line]


def test_evidence_rule_violations_catches_each_kind_of_overreach():
    base = dict(authority_id="barnet", evidence_item="attitude_survey", inferred="no", basis="lost")
    rows = pd.DataFrame(
        [
            {**base, "status": "unrecorded", "raw_code": ""},  # fine
            {**base, "status": "not_applicable", "raw_code": "NA"},  # fine: legend
            {**base, "status": "unclear", "raw_code": "/"},  # fine: off-legend code kept
            {**base, "status": "not_produced", "raw_code": ""},  # a status from nothing
            {**base, "status": "partial", "raw_code": "/"},  # an off-legend code read as a status
            {
                **base,
                "status": "available",
                "raw_code": "",
                "inferred": "yes",
                "basis": "inferred: absent from the list",
            },  # inferred without a quoted source
            {
                **base,
                "status": "not_produced",
                "raw_code": "",
                "inferred": "yes",
                "basis": f"inferred: not named ('namely', {SURVEY} § 2.2)",
            },  # absence -> not produced
        ]
    )
    assert list(ev.evidence_rule_violations(rows).index) == [3, 4, 5, 6]


def test_apply_evidence_inferences_leaves_a_frame_without_lost_glyphs_unchanged():
    frame = _evidence([("kent", "attitude_survey", "not_applicable", "NA", "printed NA")])
    pd.testing.assert_frame_equal(ev.apply_evidence_inferences(frame), frame)


# ==========================================================================
# Numbers as printed
# ==========================================================================


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("33%", 0.33),
        ("69%%", 0.69),
        ("  8%", 0.08),
        ("18% ", 0.18),
        ("0%", 0.0),
        ("100%", 1.0),
        ("7 %", 0.07),
    ],
)
def test_percent_to_proportion(printed, expected):
    assert ev.percent_to_proportion(printed) == expected


@pytest.mark.parametrize("printed", ["seventy%", "33", "%", "", "3 3%", "-5%", "33%x", "0.33"])
def test_percent_to_proportion_rejects_a_bad_value(printed):
    with pytest.raises(ValueError, match="not a percentage"):
        ev.percent_to_proportion(printed)


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("0.56999999999999995", 0.57),  # 004 chart data, binary noise
        ("0.85000000000000031", 0.85),
        ("0.30000000000000016", 0.30),
        ("0.5", 0.5),
        ("0.8", 0.8),
        ("1", 1.0),
    ],
)
def test_round_to_source_removes_float_noise(printed, expected):
    value = ev.round_to_source(printed)
    assert value == expected  # exactly the float of the published 2 dp value
    assert f"{value:.10g}" == f"{expected:.10g}"  # and prints without the noise


@pytest.mark.parametrize("printed", ["abc", "", "0.5.1", "57%"])
def test_round_to_source_rejects_a_non_number(printed):
    with pytest.raises(ValueError):
        ev.round_to_source(printed)


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("nine", (9, "exact")),  # 002 § 6 "nine focus workshops"
        ("two", (2, "exact")),
        ("over 280", (280, "more_than")),  # 002 § 6 "for over 280 participants"
        ("up to 379", (379, "at_most")),  # 002 § 6 "for up to 379 participants"
        ("Seven", (7, "exact")),  # 004 § 2.3 "Seven parents"
        ("10", (10, "exact")),
        ("  3 ", (3, "exact")),
        ("more than 5", (5, "more_than")),
        ("at least 12", (12, "at_least")),
        ("Over  280", (280, "more_than")),
    ],
)
def test_parse_count(printed, expected):
    assert ev.parse_count(printed) == expected


@pytest.mark.parametrize(
    "printed", ["lots", "", "280+", "over", "nine-ish", "12.5", "-3", "over over 280", "thirteen"]
)
def test_parse_count_rejects_garbage(printed):
    with pytest.raises(ValueError, match="not a count"):
        ev.parse_count(printed)


# ==========================================================================
# KPIs and programme activity
# ==========================================================================


def test_parse_kpi_cell_reads_a_count():
    # 002 § 6 KPI table, first row, year one.
    got = ev.parse_kpi_cell("35 reports delivered – Delivery plans/ outcome reports")
    assert [(m["measure"], m["value"], m["unit"]) for m in got] == [("reports_delivered", 35, "count")]


def test_parse_kpi_cell_reads_two_percentages_including_a_doubled_percent_sign():
    # 002 § 6 KPI table, local authority row, year two: "good plus = 69%%".
    text = "Overall evaluation - good plus = 69%%  \nMore positive about tackling key challenges = 79%"
    got = {m["measure"]: (m["value"], m["unit"]) for m in ev.parse_kpi_cell(text)}
    assert got == {
        "evaluation_good_plus": (0.69, "proportion"),
        "more_positive_challenges": (0.79, "proportion"),
    }


@pytest.mark.parametrize(
    "text", ["Dissemination through national and regional sharing", "no figures here", "n/a"]
)
def test_parse_kpi_cell_keeps_a_qualitative_cell_as_text_without_a_value(text):
    assert ev.parse_kpi_cell(text) == [
        {"measure": "dissemination", "measure_label": "Dissemination", "value": None, "unit": "text"}
    ]


def test_parse_kpi_cell_does_not_turn_an_unreadable_figure_into_dissemination():
    got = ev.parse_kpi_cell("Overall evaluation - good plus = 69.5%")
    assert [m["measure"] for m in got] != ["dissemination"]


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("Year one", "2011-12"),
        ("year one", "2011-12"),
        ("first year", "2011-12"),
        ("Year 1", "2011-12"),
        ("Year two", "2012-13"),
        ("second year", "2012-13"),
        ("  year   two ", "2012-13"),
    ],
)
def test_programme_year(printed, expected):
    assert ev.programme_year(printed) == expected


@pytest.mark.parametrize("printed", ["year three", "2013-14", "", "third year", "2012"])
def test_programme_year_rejects_unknown_years(printed):
    with pytest.raises(ValueError, match="unknown programme year"):
        ev.programme_year(printed)


def test_clean_activity_reads_counts_and_bounds():
    raw = pd.DataFrame(
        {
            "year_as_printed": ["year one", "second year"],
            "measure_as_printed": ["focus workshops", "participants"],
            "value_as_printed": ["nine", "up to 379"],
            "quote": ["q", "q"],
            "source": [SRC, SRC],
        }
    )
    out = ev.clean_activity(raw)
    assert list(out["year"]) == ["2011-12", "2012-13"]
    assert list(out["measure"]) == ["workshops", "participants"]
    assert list(out["value"]) == [9, 379]
    assert list(out["bound"]) == ["exact", "at_most"]
    with pytest.raises(ValueError, match="unknown activity measure"):
        ev.clean_activity(raw.assign(measure_as_printed=["focus workshops", "budgets"]))


# ==========================================================================
# Attitude survey
# ==========================================================================


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("Enough time or resources", "enough_time_resources"),  # VCS chart
        ("Enough time and resources", "enough_time_resources"),  # children's centres chart
        ("  Enough  time and resources ", "enough_time_resources"),
        ("Enhance LA Partner role ", "enhance_la_partner_role"),
        ("Enhance LA partner role ", "enhance_la_partner_role"),
        ("Resolve partners' needs ", "resolve_partners_needs"),
        ("Resolve partners’ needs", "resolve_partners_needs"),  # curly apostrophe
        ("Extend service reach ", "extend_service_reach"),
    ],
)
def test_impact_id_unifies_label_variants(printed, expected):
    assert ev.impact_id(printed) == expected


@pytest.mark.parametrize("printed", ["Enough time", "Extend sevice reach", "", "Better outcomes"])
def test_impact_id_rejects_an_unknown_label(printed):
    with pytest.raises(ValueError, match="unknown impact "):
        ev.impact_id(printed)


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("VCS", "vcs"),
        (" vcs ", "vcs"),
        ("Children's Centres", "childrens_centres"),
        ("Children’s Centres", "childrens_centres"),
        ("children's  centres", "childrens_centres"),
        ("Overall", "all"),
    ],
)
def test_sector_id(printed, expected):
    assert ev.sector_id(printed) == expected


@pytest.mark.parametrize("printed", ["Local Authorities", "", "VCS organisations", "Health"])
def test_sector_id_rejects_unknown_sectors(printed):
    with pytest.raises(ValueError, match="unknown survey sector"):
        ev.sector_id(printed)


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("Before", "pre"),
        ("Before Workshop", "pre"),
        ("Pre", "pre"),
        ("pre", "pre"),
        ("After", "post"),
        ("After  Workshop", "post"),
        ("Post", "post"),
        ("", "unstated"),
        ("  ", "unstated"),
    ],
)
def test_phase_id(printed, expected):
    assert ev.phase_id(printed) == expected


@pytest.mark.parametrize("printed", ["During", "Mid", "Before and after", "postal"])
def test_phase_id_rejects_unknown_phases(printed):
    with pytest.raises(ValueError, match="unknown survey phase"):
        ev.phase_id(printed)


def _comments(rows):
    q4 = "Q4\tWhat do you feel needs to be done by the local authority?"
    return pd.DataFrame(
        [
            (q4, "Children’s Centre Perspective on LA role", sector, phase, pos, label, value, SRC)
            for sector, phase, pos, label, value in rows
        ],
        columns=[
            "question_as_printed",
            "list_title_as_printed",
            "sector_as_printed",
            "phase_as_printed",
            "position",
            "label_as_printed",
            "value_as_printed",
            "source",
        ],
    )


def test_clean_comment_shares_keeps_the_unlabelled_seventh_value():
    # The shape of 004 § 5's children's centre list: more values than labels.
    raw = _comments(
        [
            ("Children’s Centres", "", "1", "Involve and improve awareness of the VCS", "35%"),
            ("Children’s Centres", "", "2", "Clarify and address VCS commissioning issues   ", "  8%"),
            ("Children’s Centres", "", "3", "", "4%"),
        ]
    )
    out = ev.clean_comment_shares(raw)
    assert len(out) == len(raw)  # nothing dropped
    lost = out[out["item_order"] == 3].iloc[0]
    assert lost["item"] == "unlabelled_3"
    assert lost["item_label"] == ev.LOST_LABEL
    assert lost["value"] == 0.04
    assert lost["value_as_printed"] == "4%"
    assert "without a label" in lost["note"]
    first, second = out.iloc[0], out.iloc[1]
    assert first["item"] == "involve_and_improve_awareness_of_the_vcs"
    assert (first["value"], first["note"]) == (0.35, "")
    assert second["item_label"] == "Clarify and address VCS commissioning issues"  # tidied
    assert second["value"] == 0.08
    assert set(out["question"]) == {"la_role"}
    assert set(out["sector"]) == {"childrens_centres"}
    assert set(out["phase"]) == {"unstated"}
    assert out["base_n"].isna().all()


def test_clean_comment_shares_keeps_a_label_without_a_value():
    raw = _comments([("VCS", "Post", "1", "Communications", "")])
    out = ev.clean_comment_shares(raw).iloc[0]
    assert pd.isna(out["value"])
    assert "without a value" in out["note"]
    assert (out["sector"], out["phase"]) == ("vcs", "post")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"value_as_printed": "abc%"}, "not a percentage"),
        ({"sector_as_printed": "Parents"}, "unknown survey sector"),
        ({"phase_as_printed": "During"}, "unknown survey phase"),
        ({"question_as_printed": "Q9 Something else"}, "unknown comment question"),
    ],
)
def test_clean_comment_shares_rejects_bad_input(change, message):
    raw = _comments([("VCS", "Pre", "1", "Communications", "5%")]).assign(**change)
    with pytest.raises(ValueError, match=message):
        ev.clean_comment_shares(raw)


def test_clean_respondents_parses_counts_in_words():
    raw = pd.DataFrame(
        {
            "phase_as_printed": ["pre", ""],
            "group_as_printed": ["attendees", "parents"],
            "n": ["154", "Seven"],
            "quote": ["q", "q"],
            "source": [SRC, SRC],
        }
    )
    out = ev.clean_respondents(raw)
    assert list(out["n"]) == [154, 7]
    assert list(out["group"]) == ["all", "parents"]
    assert list(out["phase"]) == ["pre", "unstated"]
    with pytest.raises(ValueError, match="unknown respondent group"):
        ev.clean_respondents(raw.assign(group_as_printed=["attendees", "pets"]))
    with pytest.raises(ValueError, match="not a count"):
        ev.clean_respondents(raw.assign(n=["154", "many"]))


# ==========================================================================
# Themes, stages and practice guidance
# ==========================================================================


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("Performance management", "performance_management"),
        ("Performance management of VCS", "performance_management"),  # 002 guidance
        ("Community engagement", "community_engagement"),
        ("Partnership working", "partnership_working"),
        ("Vision", "vision"),  # 002 guidance
        ("Leeds City Council offer and vision", "vision"),  # 001
        ("Richmond Offer and Vision", "vision"),  # 000
        ("Localised Commissioning", "localised_commissioning"),
        ("  change   MANAGEMENT ", "change_management"),
    ],
)
def test_theme_id(printed, expected):
    assert ev.theme_id(printed) == expected


@pytest.mark.parametrize("printed", ["Leadership", "", "Performance", "Commissioning"])
def test_theme_id_rejects_unknown_themes(printed):
    with pytest.raises(ValueError, match="unknown theme"):
        ev.theme_id(printed)


@pytest.mark.parametrize("printed", ["Service provision", "Supervision", "Revision of contracts"])
def test_theme_id_does_not_match_vision_inside_another_word(printed):
    with pytest.raises(ValueError, match="unknown theme"):
        ev.theme_id(printed)


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("Before beginning", "before_beginning"),  # 003 checklist headings
        ("assessing need", "assessing_need"),  # 003 definition
        ("Identifying resources available", "identifying_resources"),
        ("Planning how to use the resources available", "planning"),
        ("Arranging service delivery", "arranging_delivery"),
        ("the reviewing of the service and reassessment of need", "reviewing"),
        ("Reviewing the service against outcomes/Reassessing need", "reviewing"),
    ],
)
def test_stage_id(printed, expected):
    assert ev.stage_id(printed) == expected


@pytest.mark.parametrize("printed", ["Evaluating", "", "the", "Procurement"])
def test_stage_id_rejects_unknown_stages(printed):
    with pytest.raises(ValueError, match="unknown commissioning stage"):
        ev.stage_id(printed)


def _guidance(themes, ticks=None):
    n = len(themes)
    ticks = ticks or [""] * n
    return pd.DataFrame(
        {
            "row_order": [str(i) for i in range(1, n + 1)],
            "focus_theme_as_printed": themes,
            "key_principle": ["principle"] * n,
            "practice_suggestion": ["suggestion"] * n,
            "develop_needs_assessment": ticks,
            "identify_resources_and_set_priorities": [""] * n,
            "plan_pattern_of_services": [""] * n,
            "source": [SRC] * n,
        }
    )


def test_clean_guidance_forward_fills_the_theme_and_records_theme_basis():
    raw = _guidance(
        ["Performance management of VCS", "", "  ", "Community engagement", ""],
        ticks=["", "✓", "", "", ""],
    )
    out = ev.clean_guidance(raw)
    assert list(out["theme"]) == ["performance_management"] * 3 + ["community_engagement"] * 2
    assert list(out["theme_basis"] == "printed") == [True, False, False, True, False]
    assert all("carried down" in b for b in out["theme_basis"][[1, 2, 4]])
    assert list(out["theme_label"][:1]) == ["Performance management"]
    # Ticks become stage ids; rows whose ticks were lost say 'unrecorded'.
    assert list(out["commissioning_stages"]) == [
        "unrecorded",
        "assessing_need",
        "unrecorded",
        "unrecorded",
        "unrecorded",
    ]
    assert list(out["row_order"]) == [1, 2, 3, 4, 5]


def test_clean_guidance_rejects_an_unknown_theme():
    with pytest.raises(ValueError, match="unknown theme"):
        ev.clean_guidance(_guidance(["Leadership", ""]))


def test_clean_guidance_rejects_a_first_row_without_a_theme():
    with pytest.raises(ValueError):
        ev.clean_guidance(_guidance(["", "Vision"]))


# ==========================================================================
# Integration: the real raw data, built once into tmp (conftest.py)
# ==========================================================================


@pytest.fixture(scope="module")
def tables(evaluation_build):
    return evaluation_build.tables


@pytest.fixture(scope="module")
def quality_log(evaluation_build):
    return pd.read_csv(evaluation_build.quality_log, dtype=str, keep_default_na=False)


def test_build_writes_every_declared_table_and_nothing_else(evaluation_build):
    written = {p.name for p in evaluation_build.processed.iterdir()}
    declared = set(ev.PROCESSED_SCHEMAS) | {".gitkeep"}
    assert declared <= written
    # The only extra file allowed is a copy of the quality log travelling with the tables.
    assert written - declared <= {ev.QUALITY_LOG_NAME}
    copy = evaluation_build.processed / ev.QUALITY_LOG_NAME
    if copy.exists():
        assert copy.read_bytes() == evaluation_build.quality_log.read_bytes()
    assert evaluation_build.quality_log.exists()
    # No staging or backup folders left beside the processed folder.
    assert [p.name for p in evaluation_build.root.iterdir() if p.name.startswith(".")] == []


def test_fifteen_authorities_with_unique_slugs(tables):
    authorities = tables["authorities"]
    # 002 § 4: "the programme worked with 15 local authorities".
    assert len(authorities) == 15
    assert authorities["authority_id"].is_unique
    assert authorities["authority"].is_unique
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", a) for a in authorities["authority_id"])


def test_evidence_has_one_row_per_authority_and_item_and_only_five_statuses(tables):
    evidence = tables["evidence"]
    # 002 Range of Evidence: 12 evidence rows x 15 authority columns.
    assert len(evidence) == 15 * 12
    pairs = evidence.groupby(["authority_id", "evidence_item"]).size()
    assert len(pairs) == 180 and (pairs == 1).all()
    assert set(evidence["authority_id"]) == set(tables["authorities"]["authority_id"])
    assert set(evidence["status"]) <= {"available", "not_produced", "not_applicable", "unclear", "unrecorded"}
    assert ev.evidence_rule_violations(evidence).empty
    # Every status is explained, and only inferred rows say they are inferred.
    assert (evidence["basis"].str.len() > 0).all()
    assert (evidence.loc[evidence["inferred"] == "yes", "basis"].str.startswith("inferred:")).all()
    assert not evidence.loc[evidence["inferred"] == "no", "basis"].str.startswith("inferred:").any()


def test_evidence_keeps_every_printed_code(tables):
    """A printed NA or '/' in data/raw is never overridden by an inference."""
    with open(ev.RAW_DIR / "evidence_matrix.csv", encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    evidence = tables["evidence"].set_index(["authority_id", "evidence_item"])
    printed = [r for r in raw if r["cell_printed"] == "yes" and r["cell_as_printed"].strip()]
    assert printed, "the matrix prints NA and '/' codes"
    for r in printed:
        got = evidence.loc[
            (ev.authority_id(r["authority_as_printed"]), ev._evidence_item_id(r["evidence_item"]))
        ]
        expected = {"NA": "not_applicable", "/": "unclear"}[r["cell_as_printed"].strip()]
        assert (got["status"], got["inferred"]) == (expected, "no")


def test_attitude_survey_evidence_follows_the_authorities_the_survey_report_names(tables):
    # 004 § 2.2: "The surveys derived from participating Local Authorities, namely Kent
    # and Poole, ... and Hillingdon, Greenwich, Northampton, NE Lincs and Telford".
    named = {
        ev.authority_id(n)
        for n in ["Kent", "Poole", "Hillingdon", "Greenwich", "Northampton", "NE Lincs", "Telford"]
    }
    survey = tables["evidence"].query("evidence_item == 'attitude_survey'").set_index("authority_id")
    for aid in named:
        assert survey.loc[aid, "status"] == "available", aid
    # The others: the list covers 2012-13 only, so absence from it is not evidence:
    # a lost glyph stays unrecorded, a printed NA stays NA.
    for aid in set(survey.index) - named:
        assert survey.loc[aid, "status"] in {"unrecorded", "not_applicable"}, aid
    for aid in ["barnet", "bexley", "darlington", "knowsley", "leeds", "westminster"]:
        assert (survey.loc[aid, "status"], survey.loc[aid, "inferred"]) == ("unrecorded", "no"), aid

    # The row is truncated for the last two columns (Telford & Wrekin, Westminster).
    assert survey.loc["westminster", "raw_code"] == "[not printed]"
    assert survey.loc["telford-and-wrekin", "raw_code"] == "[not printed]"


def test_evidence_status_counts_recorded_and_inferred_apart(tables):
    evidence = tables["evidence"]
    # Only two inferences remain, both from quoted statements: the seven authorities
    # 004 § 2.2 names (attitude survey) and Luton's profile (questionnaire).
    inferred = evidence[evidence["inferred"] == "yes"]
    assert sorted(zip(inferred["evidence_item"], inferred["authority_id"], strict=False)) == sorted(
        [
            ("attitude_survey", a)
            for a in [
                "kent",
                "poole",
                "hillingdon",
                "greenwich",
                "northamptonshire",
                "north-east-lincolnshire",
                "telford-and-wrekin",
            ]
        ]
        + [("questionnaire", "luton")]
    )
    assert set(inferred["status"]) == {"available"}
    # The matrix records no tick: every available status is inferred.
    assert not ((evidence["status"] == "available") & (evidence["inferred"] == "no")).any()
    # Greenwich/Northamptonshire questionnaire: the profile's 'survey' is the attitude survey.
    q = evidence.query("evidence_item == 'questionnaire'").set_index("authority_id")
    assert q.loc["greenwich", "status"] == q.loc["northamptonshire", "status"] == "unrecorded"
    assert q.loc["poole", "status"] == "not_applicable"
    # The printed '/' (Darlington national and regional, Kent and Poole regional) is unclear.
    slash = evidence[evidence["raw_code"] == "/"]
    assert sorted(zip(slash["authority_id"], slash["evidence_item"], strict=False)) == [
        ("darlington", "national_sharing"),
        ("darlington", "regional_sharing"),
        ("kent", "regional_sharing"),
        ("poole", "regional_sharing"),
    ]
    assert set(slash["status"]) == {"unclear"} and set(slash["inferred"]) == {"no"}
    for basis in slash["basis"]:
        assert "partial" in basis and "per-year marks" in basis  # both readings
        assert "regional sharing was weak" not in basis


def test_every_processed_table_passes_its_schema(evaluation_build):
    for name, schema in ev.PROCESSED_SCHEMAS.items():
        # Read back from disk with no help from the loader, then validate.
        frame = pd.read_csv(evaluation_build.processed / name, dtype=str, keep_default_na=False)
        assert list(frame.columns) == list(schema.columns), name
        typed = ev.load_processed(evaluation_build.processed)[name.removesuffix(".csv")]
        schema.validate(typed, lazy=True)
        assert len(typed) == len(frame) > 0, name


def test_processed_csv_is_utf8_with_unix_line_endings_and_no_float_noise(evaluation_build):
    for name, schema in ev.PROCESSED_SCHEMAS.items():
        data = (evaluation_build.processed / name).read_bytes()
        data.decode("utf-8")
        assert b"\r\n" not in data, name
        assert not data.startswith(b"\xef\xbb\xbf"), name
        frame = pd.read_csv(evaluation_build.processed / name, dtype=str, keep_default_na=False)
        for column, spec in schema.columns.items():
            if str(spec.dtype).startswith("float"):
                # Published figures are whole percentages or counts: at most 4 dp.
                noisy = [v for v in frame[column] if v and not re.fullmatch(r"-?\d+(\.\d{1,4})?", v)]
                assert noisy == [], (name, column, noisy[:3])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_rebuild_into_a_second_folder_is_byte_identical(evaluation_build, tmp_path):
    ev.build(ev.RAW_DIR, tmp_path / "processed", tmp_path / "outputs")
    first, second = _snapshot(evaluation_build.processed), _snapshot(tmp_path / "processed")
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], f"{name} differs between two builds"
    assert (
        tmp_path / "outputs" / ev.QUALITY_LOG_NAME
    ).read_bytes() == evaluation_build.quality_log.read_bytes()


@pytest.mark.slow
def test_rebuild_through_the_cli_with_another_hash_seed_is_byte_identical(evaluation_build, tmp_path):
    """Set iteration order must not leak into the output (PYTHONHASHSEED differs)."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.evaluation",
            "build",
            "--quiet",
            "--processed-dir",
            str(tmp_path / "processed"),
            "--outputs-dir",
            str(tmp_path / "outputs"),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert f"wrote {len(ev.PROCESSED_SCHEMAS)} tables" in run.stdout
    assert _snapshot(tmp_path / "processed") == _snapshot(evaluation_build.processed)
    assert (
        tmp_path / "outputs" / ev.QUALITY_LOG_NAME
    ).read_bytes() == evaluation_build.quality_log.read_bytes()


def test_build_output_has_ordinary_permissions(tmp_path):
    previous = os.umask(0o022)  # the usual umask: folders 0755, files 0644
    try:
        ev.build(ev.RAW_DIR, tmp_path / "processed", tmp_path / "outputs")
    finally:
        os.umask(previous)
    assert oct((tmp_path / "processed").stat().st_mode & 0o777) == oct(0o755)
    assert oct((tmp_path / "outputs" / ev.QUALITY_LOG_NAME).stat().st_mode & 0o777) == oct(0o644)


# --------------------------------------------------------------------------
# The data-quality log
# --------------------------------------------------------------------------


def test_quality_log_has_the_declared_columns(quality_log):
    assert list(quality_log.columns) == ev.QUALITY_LOG_COLUMNS
    assert len(quality_log) > 0
    assert (quality_log["issue"] != "").all() and (quality_log["action"] != "").all()


def test_quality_log_lists_the_truncated_attitude_survey_row(quality_log):
    # Lines of data/raw/evidence_matrix.csv where the matrix printed no cell.
    with open(ev.RAW_DIR / "evidence_matrix.csv", encoding="utf-8", newline="") as handle:
        lines = [str(n) for n, r in enumerate(csv.DictReader(handle), start=2) if r["cell_printed"] == "no"]
    truncated = quality_log.query("check == 'truncated_row'")
    assert len(truncated) == 1
    row = truncated.iloc[0]
    assert row["file"] == "evidence_matrix.csv"
    assert "Attitude Survey" in row["issue"]
    assert "Telford & Wrekin" in row["issue"] and "Westminster" in row["issue"]
    assert row["row"].split(", ") == lines


def test_quality_log_lists_the_list_with_seven_values_and_six_labels(quality_log):
    # 004 § 5, children's centre perspective on the LA role: 6 bullets, 7 percentages.
    mismatch = quality_log.query("check == 'values_labels_mismatch'")
    assert len(mismatch) == 1
    assert mismatch.iloc[0]["value"] == "7 values, 6 labels"
    assert "Perspective on LA role" in mismatch.iloc[0]["issue"]


def test_quality_log_lists_the_shares_that_do_not_sum(quality_log):
    # 004 § 5 children's centre list prints 35%, 18%, 12%, 4%, 4%, 4%, 4%.
    printed_total = 35 + 18 + 12 + 4 + 4 + 4 + 4
    bad = quality_log.query("check == 'shares_do_not_sum'")
    assert len(bad) == 1
    assert bad.iloc[0]["value"] == f"{printed_total}%"
    assert "Perspective on LA role" in bad.iloc[0]["issue"]


def test_quality_log_lists_the_float_noise(quality_log):
    noise = quality_log.query("check == 'float_noise'")
    assert set(noise["file"]) == {"survey_understanding.csv", "survey_impacts.csv"}
    # 004 chart data for "VCS think co production will help to", first value.
    assert "0.56999999999999995" in set(noise["value"])


@pytest.mark.parametrize(
    "file, printed",
    [
        ("evidence_matrix.csv", "N.E.Lincs"),
        ("evidence_matrix.csv", "Greenwich "),
        ("evidence_matrix.csv", "Telford & Wrekin"),
        ("authority_profiles.csv", "N. E. Lincs"),
    ],
)
def test_quality_log_lists_spelling_variants(quality_log, file, printed):
    variants = quality_log.query("check == 'spelling_variant' and file == @file")
    assert printed in set(variants["value"])


def test_quality_log_lists_the_membership_spellings(quality_log):
    variants = quality_log.query("check == 'spelling_variant' and file == 'programme_membership.csv'")
    listed = {v for value in variants["value"] for v in value.split("; ")}
    # 004 § 2.2 spells three authorities its own way.
    assert {"NE Lincs", "Northampton", "Telford"} <= listed


def test_quality_log_lists_the_doubled_percent_sign(quality_log):
    # 002 § 6 KPI table prints "good plus = 69%%".
    assert "69%%" in set(quality_log.query("check == 'typo'")["value"])


def test_quality_summary_counts_every_issue(evaluation_build):
    summary = ev.quality_summary(evaluation_build.result.issues)
    assert (
        summary.splitlines()[0]
        == f"Data-quality log: {len(evaluation_build.result.issues)} issues found in the sources"
    )
    for check, group in evaluation_build.result.issues.groupby("check"):
        assert f"  {check} ({len(group)})" in summary.splitlines()


# --------------------------------------------------------------------------
# Docs and schemas stay in step
# --------------------------------------------------------------------------


def test_data_readme_generated_section_matches_the_schemas():
    text = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- processed-schema:start -->", "<!-- processed-schema:end -->"
    assert text.count(start) == 1 and text.count(end) == 1
    section = text.split(start, 1)[1].split(end, 1)[0]
    assert section == "\n" + ev.processed_schema_markdown(), (
        "data/README.md is out of date: run `python -m lib.evaluation schema-docs`"
    )


def test_schema_markdown_documents_every_column():
    markdown = ev.processed_schema_markdown()
    for name, schema in ev.PROCESSED_SCHEMAS.items():
        assert f"### `{name}`" in markdown
        for column in schema.columns:
            assert f"| `{column}` |" in markdown, (name, column)


# ==========================================================================
# Figures the documents state, checked against the processed tables
# ==========================================================================


def _survey(tables, question, item, sector, phase):
    rows = tables["survey"].query(
        "question == @question and item == @item and sector == @sector and phase == @phase"
    )
    assert len(rows) == 1, (question, item, sector, phase)
    return rows.iloc[0]["value"]


@pytest.mark.parametrize(
    "sector, phase, stated",
    [
        pytest.param("all", "pre", 0.56, id="004-4.1-56pct-confident-before"),
        pytest.param("all", "post", 0.81, id="004-4.1-81pct-confident-after"),
        pytest.param("childrens_centres", "post", 0.85, id="004-4.1-85pct-childrens-centres-after"),
        pytest.param("vcs", "post", 0.77, id="004-4.1-77pct-vcs-after"),
    ],
)
def test_understanding_matches_004_section_4_1(tables, sector, phase, stated):
    # 004 § 4.1: "At the beginning of the workshops 56% of the participants were confident
    # that they understood co-production and 81% were confident after the workshops. 85%
    # of children's centre participants felt they understood the principles of
    # co-production after the workshops compared to 77% of the VCS."
    assert _survey(tables, "understanding", "understand_co_production", sector, phase) == pytest.approx(
        stated, abs=1e-9
    )


@pytest.mark.parametrize(
    "group, phase, stated",
    [
        pytest.param("all", "pre", 154, id="004-2.2-154-pre"),
        pytest.param("all", "post", 165, id="004-2.2-165-post"),
        pytest.param("vcs", "unstated", 76, id="004-2.3-vcs-76"),
        pytest.param("childrens_centres", "unstated", 46, id="004-2.3-childrens-centres-46"),
        pytest.param("local_authorities", "unstated", 14, id="004-2.3-local-authorities-14"),
        pytest.param("other_sectors", "unstated", 28, id="004-2.3-other-sectors-28"),
        pytest.param("health", "unstated", 9, id="004-2.3-health-9"),
        pytest.param("community_advice", "unstated", 3, id="004-2.3-community-advice-3"),
        pytest.param("parents", "unstated", 7, id="004-2.3-seven-parents"),
    ],
)
def test_respondent_counts_match_004_sections_2_2_and_2_3(tables, group, phase, stated):
    # 004 § 2.2: "154 attendees completed the pre-survey and 165 the post-survey."
    # 004 § 2.3: "VCS organisations (76), Children's Centres (46) and Local Authorities (14)
    # and other sectors (28); health (9) and community advice (3). Seven parents ..."
    rows = tables["survey_respondents"].query("group == @group and phase == @phase")
    assert list(rows["n"]) == [stated]


def test_whole_survey_rows_carry_the_stated_bases(tables):
    # 004 § 2.2: 154 pre, 165 post; no base is stated for a sector.
    survey = tables["survey"]
    whole = survey.query("sector == 'all'")
    assert set(whole.query("phase == 'pre'")["base_n"]) == {154}
    assert set(whole.query("phase == 'post'")["base_n"]) == {165}
    assert survey.query("sector != 'all'")["base_n"].isna().all()


def _impact_changes(tables, sector):
    impacts = tables["survey"].query("question == 'impacts' and sector == @sector")
    wide = impacts.pivot(index="item", columns="phase", values="value")
    assert len(wide) == 9  # 004 § 4.4 "the nine impacts or measures"
    return (wide["post"] - wide["pre"]).round(2)


def test_childrens_centres_improved_on_seven_of_nine_impacts_004_section_4_4(tables):
    # 004 § 4.4: "There was an improvement after the workshops in how helpful children's
    # centre participants thought working collaboratively with the VCS would be on seven
    # out of the nine impacts or measures. There was little or no change on the other two."
    change = _impact_changes(tables, "childrens_centres")
    assert (change > 0).sum() == 7
    assert (change[change <= 0].abs() <= 0.02).all()


def test_childrens_centres_improved_most_on_the_three_impacts_004_names(tables):
    # 004 § 4.4: "Opinion improved most on the helpfulness of co-production in resolving
    # partners' needs and providing solutions, allowing the VCS culture to thrive and
    # enhancing the role of the LA as a partner."
    change = _impact_changes(tables, "childrens_centres")
    named = ["resolve_partners_needs", "allow_culture_to_thrive", "enhance_la_partner_role"]
    others = change.drop(named)
    assert change[named].min() >= others.max()


def test_vcs_rated_every_impact_higher_or_about_the_same_004_section_4_2(tables):
    # 004 § 4.2: "The VCS sector rated the helpfulness of a co-production way of working
    # higher or about the same on all the measures. There was a significant increase on
    # how co-production would impact positively on improving service delivery, allow a
    # VCS culture to thrive and provide opportunities for personal career development."
    change = _impact_changes(tables, "vcs")
    assert (change >= -0.02).all()
    named = ["improve_service_delivery", "allow_culture_to_thrive", "cpd_opportunities"]
    assert set(change.nlargest(3).index) == set(named)


def _comment_value(tables, question, sector, label, phase):
    rows = tables["survey"].query(
        "question == @question and sector == @sector and item_label == @label and phase == @phase"
    )
    assert len(rows) == 1, (question, sector, label, phase)
    return rows.iloc[0]["value"]


def test_childrens_centres_commented_more_on_outcomes_after_004_section_4_5(tables):
    # 004 § 4.5: "After the workshop, there was a higher proportion of comments from
    # children's centres about outcomes for children and families/users and reaching
    # more of them".
    label = "Outcomes for children and families/users and reaching more of them"
    pre = _comment_value(tables, "best_features", "childrens_centres", label, "pre")
    post = _comment_value(tables, "best_features", "childrens_centres", label, "post")
    assert post > pre


@pytest.mark.parametrize("phase", ["pre", "post"])
def test_vcs_best_feature_is_sharing_followed_by_better_service_004_section_4_3(tables, phase):
    # 004 § 4.3: "the best feature of working collaboratively ... was being able to share
    # a wide range of attributes ... This was followed by being able to provide a better
    # service for their service users or customers."
    shares = tables["survey"].query("question == 'best_features' and sector == 'vcs' and phase == @phase")
    top_two = list(shares.sort_values("value", ascending=False, kind="stable")["item_label"][:2])
    assert top_two[0].startswith("Sharing information")
    assert top_two[1].startswith("Better service delivery")


def test_vcs_look_first_for_openness_and_transparency_004_section_5(tables):
    # 004 § 5: "with the VCS stressing the need for openness and transparency on the part
    # of their LAs".
    la_role = tables["survey"].query("question == 'la_role' and sector == 'vcs'")
    top = la_role.sort_values("value", ascending=False).iloc[0]
    assert top["item_label"].startswith("Openness and transparency")


def test_the_unlabelled_seventh_value_is_kept_in_survey(tables):
    # 004 § 5: the children's centre LA-role list prints 7 values for 6 bullets.
    la_role = tables["survey"].query("question == 'la_role' and sector == 'childrens_centres'")
    assert len(la_role) == 7
    assert (la_role["item_label"] == ev.LOST_LABEL).sum() == 1
    assert la_role["value"].notna().all()


def test_three_authorities_took_part_in_both_years_002_section_4(tables):
    # 002 § 4: "three (Darlington, Kent and Poole) stayed with the programme for two
    # years and the others a year each."
    authorities = tables["authorities"].set_index("authority_id")
    both = set(authorities.index[authorities["years"] == "2011-12;2012-13"])
    assert both == {ev.authority_id(n) for n in ["Darlington", "Kent", "Poole"]}
    assert ((authorities["in_2011_12"] == "yes") & (authorities["in_2012_13"] == "yes")).sum() == 3


def test_second_year_only_authorities_004_section_2_2(tables):
    # 004 § 2.2: "Hillingdon, Greenwich, Northampton, NE Lincs and Telford, all of whom
    # participated in the second year only."
    authorities = tables["authorities"].set_index("authority_id")
    for name in ["Hillingdon", "Greenwich", "Northampton", "NE Lincs", "Telford"]:
        row = authorities.loc[ev.authority_id(name)]
        assert (row["years"], row["in_2011_12"], row["in_2012_13"]) == ("2012-13", "no", "yes"), name
    named = {
        ev.authority_id(n)
        for n in ["Kent", "Poole", "Hillingdon", "Greenwich", "Northampton", "NE Lincs", "Telford"]
    }
    assert set(authorities.index[authorities["attitude_survey"] == "yes"]) == named


def test_case_study_authorities_000_and_001(tables):
    authorities = tables["authorities"].set_index("authority_id")
    assert set(authorities.index[authorities["case_study"] == "yes"]) == {"leeds", "richmond-upon-thames"}
    # 001: "The workshop was held on 25 November 2011" -> 2011-12.
    assert authorities.loc["leeds", "in_2011_12"] == "yes"
    # 000: Richmond's task group meetings "in May 2012" -> 2012-13.
    assert authorities.loc["richmond-upon-thames", "in_2012_13"] == "yes"


@pytest.mark.parametrize(
    "year, measure, stated, bound",
    [
        pytest.param("2011-12", "workshops", 9, "exact", id="002-6-year-one-nine-workshops"),
        pytest.param("2011-12", "surveys", 2, "exact", id="002-6-year-one-two-surveys"),
        pytest.param("2011-12", "participants", 280, "more_than", id="002-6-year-one-over-280"),
        pytest.param("2012-13", "workshops", 10, "exact", id="002-6-year-two-10-workshops"),
        pytest.param("2012-13", "surveys", 3, "exact", id="002-6-year-two-3-surveys"),
        pytest.param("2012-13", "participants", 379, "at_most", id="002-6-year-two-up-to-379"),
    ],
)
def test_programme_activity_matches_002_section_6_bullets(tables, year, measure, stated, bound):
    # 002 § 6: "So in year one, nine focus workshops and two interview surveys for over
    # 280 participants ..."; "During the second year the programme ran 10 workshops and
    # undertook 3 surveys for up to 379 participants ..."
    rows = tables["kpis"].query("kpi == 'programme_activity' and year == @year and measure == @measure")
    assert len(rows) == 1
    assert (rows.iloc[0]["value"], rows.iloc[0]["unit"], rows.iloc[0]["bound"]) == (stated, "count", bound)


@pytest.mark.parametrize(
    "kpi, measure, year, printed",
    [
        # 002 § 6 KPI table (printed in the table, not the prose).
        ("grant_management", "reports_delivered", "2011-12", 35),
        ("grant_management", "reports_delivered", "2012-13", 34),
        ("vcs_satisfaction", "evaluation_good_plus", "2011-12", 0.80),
        ("vcs_satisfaction", "evaluation_good_plus", "2012-13", 0.81),
        ("vcs_satisfaction", "more_positive_challenges", "2011-12", 0.62),
        ("vcs_satisfaction", "more_positive_challenges", "2012-13", 0.70),
        ("la_capacity", "evaluation_good_plus", "2011-12", 0.84),
        ("la_capacity", "evaluation_good_plus", "2012-13", 0.69),  # printed "69%%"
        ("la_capacity", "more_positive_challenges", "2011-12", 0.64),
        ("la_capacity", "more_positive_challenges", "2012-13", 0.79),
        ("cc_manager_capacity", "evaluation_good_plus", "2011-12", 0.76),
        ("cc_manager_capacity", "evaluation_good_plus", "2012-13", 0.74),
        ("cc_manager_capacity", "more_positive_challenges", "2011-12", 0.52),
        ("cc_manager_capacity", "more_positive_challenges", "2012-13", 0.66),
    ],
    ids=lambda v: str(v),
)
def test_kpis_match_the_002_section_6_kpi_table(tables, kpi, measure, year, printed):
    rows = tables["kpis"].query("kpi == @kpi and measure == @measure and year == @year")
    assert len(rows) == 1
    assert rows.iloc[0]["value"] == pytest.approx(printed, abs=1e-9)
    assert rows.iloc[0]["bound"] == "exact"


@pytest.mark.parametrize("year", ["2011-12", "2012-13"])
def test_neighbouring_authorities_kpi_is_words_only_002_section_6(tables, year):
    # 002 § 6 KPI table: "Dissemination through national and regional sharing".
    rows = tables["kpis"].query("kpi == 'neighbouring_las' and year == @year")
    assert list(rows["measure"]) == ["dissemination"]
    assert rows["value"].isna().all()
    assert rows.iloc[0]["text"].startswith("Dissemination through national and regional sharing")


@pytest.mark.parametrize(
    "group, stated",
    [
        pytest.param("vcs", 0.71, id="001-71pct-vcs-participants-positive"),
        pytest.param("local_authorities", 0.75, id="001-75pct-local-authority-participants"),
        pytest.param("childrens_centres", 0.50, id="001-50pct-childrens-centres"),
    ],
)
def test_leeds_impacts_match_001_positive_impact_achieved(tables, group, stated):
    # 001 § Positive impact achieved: "71% of the VCS participants were positive about the
    # idea of collaborative working, 75% of local authority participants evidenced
    # strengthened capacity ... 50% of children's centres were more willing to engage".
    rows = tables["case_study_impacts"].query("authority_id == 'leeds' and group == @group")
    assert len(rows) == 1
    assert rows.iloc[0]["value"] == pytest.approx(stated, abs=1e-9)
    assert pd.isna(rows.iloc[0]["base_n"])


def test_commissioning_cycle_has_the_five_stages_of_003(tables):
    # 003 § Commissioning: "the whole process of assessing need, identifying resources
    # available, planning how to use the resources, arranging service delivery, and the
    # reviewing of the service and reassessment of need".
    cycle = tables["commissioning_cycle"]
    assert list(cycle["stage_id"]) == [
        "assessing_need",
        "identifying_resources",
        "planning",
        "arranging_delivery",
        "reviewing",
    ]


def test_guidance_rows_all_have_a_theme_and_unrecorded_stages(tables):
    guidance = tables["guidance"]
    assert guidance["theme"].isin([t for t, _ in ev.THEMES]).all()
    assert (guidance["commissioning_stages"] == "unrecorded").all()  # all ticks lost
    assert set(guidance["theme_basis"].str.split().str[0]) == {"printed", "carried"}


# ==========================================================================
# Row accounting: every raw row is processed or logged (issue 8)
# ==========================================================================
#
# "Accounted for" means: a raw row is found again as one row of the processed
# table its RawTable.rows_to names (or, where one raw row yields several
# processed rows, as one distinct per_raw_row key, e.g. a KPI cell holding two
# measures), or as one distinct line number in the data-quality log rows
# rows_to selects. rows in = processed + logged, table by table.


@pytest.fixture(scope="module")
def raw_tables():
    return ev.load_raw()


def _raw_record_count(name: str) -> int:
    """Data records in a raw file, counted with the csv module (independent of lib)."""
    with open(ev.RAW_DIR / name, encoding="utf-8", newline="") as handle:
        return sum(1 for record in csv.reader(handle) if record) - 1


def test_every_raw_table_declares_where_its_rows_go():
    for name, spec in ev.RAW_TABLES.items():
        assert spec.rows_to, name
        for dest in spec.rows_to:
            assert dest.table in ev.PROCESSED_SCHEMAS or dest.table == ev.QUALITY_LOG_NAME, name
            columns = (
                ev.QUALITY_LOG_COLUMNS
                if dest.table == ev.QUALITY_LOG_NAME
                else ev.PROCESSED_SCHEMAS[dest.table].columns
            )
            assert set(dest.where) | set(dest.per_raw_row) <= set(columns), name


def test_every_raw_row_is_processed_or_logged(raw_tables, evaluation_build):
    accounts = ev.account_rows(raw_tables, evaluation_build.result)
    assert set(accounts) == set(ev.RAW_TABLES)
    for name, account in accounts.items():
        assert account.rows_in == _raw_record_count(name) > 0, name
        assert account.balanced, (name, account)
    # Independent figures: the one stray survey value is logged, not processed
    # (004 chart data); the 10 KPI cells (5 KPIs x 2 years, 002 § 6) give more
    # than 10 KPI rows because satisfaction cells hold two measures.
    assert accounts["survey_stray_values.csv"] == ev.RowAccount(1, 0, 1)
    assert accounts["kpi_table.csv"] == ev.RowAccount(10, 10, 0)
    kpis = evaluation_build.tables["kpis"]
    assert (kpis["kpi_order"] > 0).sum() > 10
    assert accounts["evidence_matrix.csv"] == ev.RowAccount(180, 180, 0)


@pytest.mark.parametrize("name", list(ev.RAW_TABLES))
def test_row_accounting_notices_one_lost_row(raw_tables, evaluation_build, name):
    """The check can fail: lose the processed (or logged) trace of one raw row."""
    result = evaluation_build.result
    dest = ev.RAW_TABLES[name].rows_to[0]
    is_log = dest.table == ev.QUALITY_LOG_NAME
    frame = result.issues if is_log else result.tables[dest.table]
    chosen = pd.Series(True, index=frame.index)
    for column, values in dest.where.items():
        chosen &= frame[column].astype(str).isin(values)
    first = frame[chosen].iloc[0]
    if dest.per_raw_row:  # drop every processed row of that one raw row
        lost = (frame[list(dest.per_raw_row)] == first[list(dest.per_raw_row)]).all(axis=1) & chosen
    else:
        lost = frame.index == frame[chosen].index[0]
    damaged = frame[~lost]
    broken = ev.Build(dict(result.tables), result.issues)
    if is_log:
        broken.issues = damaged
    else:
        broken.tables[dest.table] = damaged
    accounts = ev.account_rows(raw_tables, broken)
    account = accounts[name]
    assert not account.balanced
    assert account.processed + account.logged == account.rows_in - 1
    assert all(a.balanced for n, a in accounts.items() if n != name)


# ==========================================================================
# The programme's own statements, evaluation findings and case-study sections
# ==========================================================================

SEEDS_DIR = ev.PROJECT_ROOT.parent / "shared" / "seeds"


def _raw_rows(name):
    with open(ev.RAW_DIR / name, encoding="utf-8", newline="") as handle:
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
    assert "six delivery models" in models[ev.YEAR_ONE] and "listening and engaging" in models[ev.YEAR_TWO]
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
    assert f.set_index("finding_order").loc[8, "years"] == ev.YEAR_ONE


def test_case_study_sections_cover_both_case_studies(tables):
    cs = tables["case_study_sections"]
    assert set(zip(cs["authority_id"], cs["section"], strict=False)) == {
        (a, s)
        for a in ("leeds", "richmond-upon-thames")
        for s in ("positive_impact", "putting_learning_into_practice")
    }
    richmond = cs[(cs["authority_id"] == "richmond-upon-thames") & (cs["section"] == "positive_impact")]
    assert "positive shift" in richmond["text"].iloc[0]


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
    assert ev.statement_years(printed) == expected


def test_statement_years_and_sections_refuse_unknown_words():
    with pytest.raises(ValueError, match="unknown programme year"):
        ev.statement_years("third year")
    with pytest.raises(ValueError, match="unknown case-study section"):
        ev.case_study_section("About 4Children")
