"""Identification inferences (a name in one document read as an authority in another) are marked,
with their reasoning, on the cell and in the quality log; a row printed short states its alignment."""

from __future__ import annotations

import pandas as pd

from lib.sources.common import identification_note, identified_name

MARK = "identification inference"


def _cell(tables, aid: str, item: str = "attitude_survey") -> pd.Series:
    e = tables["evidence"]
    return e[(e["authority_id"] == aid) & (e["evidence_item"] == item)].iloc[0]


def test_northampton_is_read_as_northamptonshire_only_as_a_marked_inference(evaluation_build):
    """Before: 'Northampton' (004 § 2.2, a borough council) was read as Northamptonshire and logged
    only as a spelling variant; the cell's basis said the report 'names Northamptonshire'."""
    t = evaluation_build.tables
    basis = _cell(t, "northamptonshire")["basis"]
    assert f"; {MARK}: " in basis and "borough council" in basis
    assert "names Northamptonshire" not in basis
    years = t["authorities"].set_index("authority_id").at["northamptonshire", "years_basis"]
    assert MARK in years
    log = pd.read_csv(evaluation_build.quality_log, dtype=str, keep_default_na=False)
    rows = log[(log["value"] == "Northampton")]
    assert list(rows["check"]) == ["identification_inference"]
    assert "borough council" in rows["action"].iloc[0]


def test_the_same_rule_answers_telford_and_wrekin_and_westminster(evaluation_build):
    """Both cells were never printed; Telford is named (by inference) in the survey report's list,
    Westminster is not, so one is inferred and the other stays unrecorded, each saying why."""
    t = evaluation_build.tables
    telford, westminster = _cell(t, "telford-and-wrekin"), _cell(t, "westminster")
    assert telford["raw_code"] == westminster["raw_code"] == "[not printed]"
    assert (telford["status"], telford["inferred"]) == ("available", "yes")
    assert MARK in telford["basis"] and "'Telford', a town" in telford["basis"]
    assert (westminster["status"], westminster["inferred"]) == ("unrecorded", "no")
    assert "absence from a list is not evidence" in westminster["basis"]
    assert MARK not in _cell(t, "kent")["basis"] and MARK not in westminster["basis"]


def test_a_row_printed_short_states_its_alignment_in_the_basis_and_the_log(evaluation_build):
    """Before: the Attitude Survey row printed 13 cells for 15 authorities and the alignment chosen
    was not stated."""
    e = evaluation_build.tables["evidence"]
    row = e[e["evidence_item"] == "attitude_survey"]
    assert len(row) == 15
    assert row["basis"].str.contains("alignment assumed: this row prints 13 cells for 15 authorities").all()
    assert row["basis"].str.contains(r"first 13 columns \(Barnet to Richmond\)").all()
    other = e[e["evidence_item"] == "delivery_plan"]
    assert not other["basis"].str.contains("alignment assumed").any()
    log = pd.read_csv(evaluation_build.quality_log, dtype=str, keep_default_na=False)
    truncated = log[log["check"] == "truncated_row"]
    assert truncated["action"].str.contains("alignment assumed").all()


def test_identification_is_told_apart_from_spelling():
    assert identified_name("Northampton") and identified_name("Telford")
    assert not identified_name("NE Lincs") and not identified_name("Telford & Wrekin")
    assert identification_note("northamptonshire", "namely Northampton, NE Lincs") != ""
    assert identification_note("northamptonshire", "Northamptonshire and Northampton") == ""
    assert identification_note("kent", "namely Kent and Poole") == ""
