"""lib/sources/evidence.py: the evidence-matrix codes, the definition's inferences and their
limits, then the built evidence table against the matrix and the survey report.

Unit tests use small hand-made frames (good input and bad input for each step). Tests of
figures check the processed tables against what the source documents state in prose or print
in a table, each citing where; no expected value is copied from the output.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest
import yaml

from lib import programme
from lib.config import RAW_DIR
from lib.sources import evidence as evidence_source
from lib.sources.common import SURVEY_REPORT, authority_id
from lib.sources.evidence import (
    EVIDENCE_STATUSES,
    apply_evidence_inferences,
    evidence_code_status,
    evidence_rule_violations,
)

SURVEY = SURVEY_REPORT


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
    got_status, got_code, basis = evidence_code_status(cell, printed)
    assert (got_status, got_code) == (status, raw_code)
    assert basis_words in basis
    assert got_status in EVIDENCE_STATUSES


@pytest.mark.parametrize("cell", ["X", "yes", "n/a"])
def test_evidence_code_status_rejects_a_code_not_in_the_legend(cell):
    with pytest.raises(ValueError):
        evidence_code_status(cell, "yes")


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
    assert evidence_source.evidence_item_id(printed) == expected


@pytest.mark.parametrize("printed", ["Attitude Surveys 2", "Budget", ""])
def test_evidence_item_id_rejects_unknown_items(printed):
    with pytest.raises(ValueError, match="unknown evidence item"):
        evidence_source.evidence_item_id(printed)


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
    out = apply_evidence_inferences(frame).set_index(["authority_id", "evidence_item"])
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
    assert list(evidence_rule_violations(rows).index) == [3, 4, 5, 6]


def test_apply_evidence_inferences_leaves_a_frame_without_lost_glyphs_unchanged():
    frame = _evidence([("kent", "attitude_survey", "not_applicable", "NA", "printed NA")])
    pd.testing.assert_frame_equal(apply_evidence_inferences(frame), frame)


def test_evidence_has_one_row_per_authority_and_item_and_only_five_statuses(tables):
    evidence = tables["evidence"]
    # 002 Range of Evidence: 12 evidence rows x 15 authority columns.
    assert len(evidence) == 15 * 12
    pairs = evidence.groupby(["authority_id", "evidence_item"]).size()
    assert len(pairs) == 180 and (pairs == 1).all()
    assert set(evidence["authority_id"]) == set(tables["authorities"]["authority_id"])
    assert set(evidence["status"]) <= {"available", "not_produced", "not_applicable", "unclear", "unrecorded"}
    assert evidence_rule_violations(evidence).empty
    # Every status is explained, and only inferred rows say they are inferred.
    assert (evidence["basis"].str.len() > 0).all()
    assert (evidence.loc[evidence["inferred"] == "yes", "basis"].str.startswith("inferred:")).all()
    assert not evidence.loc[evidence["inferred"] == "no", "basis"].str.startswith("inferred:").any()


def test_evidence_keeps_every_printed_code(tables):
    """A printed NA or '/' in data/raw is never overridden by an inference."""
    with open(RAW_DIR / "evidence_matrix.csv", encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    evidence = tables["evidence"].set_index(["authority_id", "evidence_item"])
    printed = [r for r in raw if r["cell_printed"] == "yes" and r["cell_as_printed"].strip()]
    assert printed, "the matrix prints NA and '/' codes"
    for r in printed:
        got = evidence.loc[
            (authority_id(r["authority_as_printed"]), evidence_source.evidence_item_id(r["evidence_item"]))
        ]
        expected = {"NA": "not_applicable", "/": "unclear"}[r["cell_as_printed"].strip()]
        assert (got["status"], got["inferred"]) == (expected, "no")


def test_attitude_survey_evidence_follows_the_authorities_the_survey_report_names(tables):
    # 004 § 2.2: "The surveys derived from participating Local Authorities, namely Kent
    # and Poole, ... and Hillingdon, Greenwich, Northampton, NE Lincs and Telford".
    named = {
        authority_id(n)
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
