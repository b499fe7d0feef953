"""lib/sources/membership.py: programme membership statements and the authorities table,
then the built authorities table against what the documents state.

Unit tests use small hand-made frames (good input and bad input for each step). Tests of
figures check the processed tables against what the source documents state in prose or print
in a table, each citing where; no expected value is copied from the output.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lib import programme
from lib.sources.build import validate_processed
from lib.sources.common import (
    AUTHORITIES,
    PROGRAMME_REPORT,
    SURVEY_REPORT,
    UNRECORDED,
    UnknownAuthorityError,
    authority_id,
)
from lib.sources.contract import ProcessedDataError
from lib.sources.membership import clean_authorities, clean_membership

PROGRAMME = PROGRAMME_REPORT
SURVEY = SURVEY_REPORT
LEEDS = programme.current_programme().source_file("leeds_case_study")
SRC = f"{PROGRAMME} § test"


def test_clean_membership_resolves_spellings_and_rejects_unknown_names():
    raw = pd.DataFrame(
        {
            "authority_as_printed": ["NE Lincs", "Telford"],
            "years_stated": ["2012-13", "2012-13"],
            "quote": ["q1", "q2"],
            "source": [SRC, SRC],
            "year_inference": ["", ""],
        }
    )
    out = clean_membership(raw)
    assert list(out["authority_id"]) == ["north-east-lincolnshire", "telford-and-wrekin"]
    assert list(out["authority_as_printed"]) == ["NE Lincs", "Telford"]

    bad = raw.assign(authority_as_printed=["NE Lincs", "Atlantis"])
    with pytest.raises(UnknownAuthorityError, match="Atlantis"):
        clean_membership(bad)


def _membership(rows):
    """Statements ``(id, printed, years, quote, source[, year_inference])``; no inference by default."""
    return pd.DataFrame(
        [(*r, "") if len(r) == 5 else r for r in rows],
        columns=["authority_id", "authority_as_printed", "years_stated", "quote", "source", "year_inference"],
    )


def test_a_year_read_from_a_date_is_marked_wherever_the_authorities_table_gives_it():
    why = "the case study dates the workshop, not a programme year"
    membership = _membership(
        [
            ("leeds", "Leeds City Council", "2011-12", "workshop 25 November 2011", f"{LEEDS} § x", why),
            ("kent", "Kent", "2011-12;2012-13", "stayed for two years", f"{PROGRAMME} § 4"),
            ("kent", "Kent", "2011-12;2012-13", "in their second year", f"{SURVEY} § 2.2", why),
            ("poole", "Poole", "2012-13", "second year only", f"{SURVEY} § 2.2"),
            ("poole", "Poole", "2011-12;2012-13", "in their second year", f"{SURVEY} § 2.3", why),
        ]
    )
    out = clean_authorities(membership, set()).set_index("authority_id")
    # Leeds's only statement gives its year by inference: the year is kept, and marked.
    assert out.loc["leeds", "years"] == out.loc["leeds", "years_inferred"] == "2011-12"
    assert out.loc["leeds", "years_basis"].endswith(f"; year inference: {why}")
    # A year a statement states is not an inference, though another statement reads it too.
    assert (out.loc["kent", "years"], out.loc["kent", "years_inferred"]) == ("2011-12;2012-13", "")
    assert out.loc["kent", "years_basis"].count("year inference") == 1
    # Only the year no statement states is inferred.
    assert (out.loc["poole", "years"], out.loc["poole", "years_inferred"]) == ("2011-12;2012-13", "2011-12")
    assert out.loc["darlington", "years_inferred"] == ""


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
    out = clean_authorities(membership, {"kent", "hillingdon"}).set_index("authority_id")

    assert list(out.index) == list(AUTHORITIES)  # all 15, in the report's order
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
    out = clean_authorities(membership, set()).set_index("authority_id")
    for aid in set(AUTHORITIES) - {"kent"}:
        assert out.loc[aid, "years"] == UNRECORDED == "unrecorded"
        assert out.loc[aid, "in_2011_12"] == out.loc[aid, "in_2012_13"] == "unknown"
        assert "no document states" in out.loc[aid, "years_basis"]
    # Nothing is inferred by elimination, even with a single known authority.
    assert (out["years"] == "unrecorded").sum() == 14


def test_an_unknown_programme_year_in_a_statement_fails_the_authorities_schema():
    membership = _membership([("kent", "Kent", "2013-14", "a year outside the programme", SRC)])
    out = clean_authorities(membership, set())
    with pytest.raises(ProcessedDataError) as err:
        validate_processed("authorities.csv", out)
    # One line per failing cell (row = CSV line of the table as it would be written).
    row = out.index[out["authority_id"] == "kent"][0] + 2
    assert [str(p) for p in err.value.problems] == [
        f"processed table authorities.csv (as built), row {row}, column 'years': value '2013-14': "
        "expected programme years (2011-12, 2012-13) joined by ';', or 'unrecorded' "
        "(the processed schema; a cleaning bug)"
    ]


def test_fifteen_authorities_with_unique_slugs(tables):
    authorities = tables["authorities"]
    # 002 § 4: "the programme worked with 15 local authorities".
    assert len(authorities) == 15
    assert authorities["authority_id"].is_unique
    assert authorities["authority"].is_unique
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", a) for a in authorities["authority_id"])


def test_three_authorities_took_part_in_both_years_002_section_4(tables):
    # 002 § 4: "three (Darlington, Kent and Poole) stayed with the programme for two
    # years and the others a year each."
    authorities = tables["authorities"].set_index("authority_id")
    both = set(authorities.index[authorities["years"] == "2011-12;2012-13"])
    assert both == {authority_id(n) for n in ["Darlington", "Kent", "Poole"]}
    assert ((authorities["in_2011_12"] == "yes") & (authorities["in_2012_13"] == "yes")).sum() == 3


def test_second_year_only_authorities_004_section_2_2(tables):
    # 004 § 2.2: "Hillingdon, Greenwich, Northampton, NE Lincs and Telford, all of whom
    # participated in the second year only."
    authorities = tables["authorities"].set_index("authority_id")
    for name in ["Hillingdon", "Greenwich", "Northampton", "NE Lincs", "Telford"]:
        row = authorities.loc[authority_id(name)]
        assert (row["years"], row["in_2011_12"], row["in_2012_13"]) == ("2012-13", "no", "yes"), name
    named = {
        authority_id(n)
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


def test_years_read_from_the_case_studies_dates_are_marked_inferences_000_and_001(tables, quality_log):
    # 000 dates Richmond only by the calendar year ("selected in 2012") and "May 2012"; 001 dates
    # Leeds only by "25 November 2011"; no document states where a programme year begins.
    authorities = tables["authorities"].set_index("authority_id")
    inferred = authorities[authorities["years_inferred"] != ""]["years_inferred"].to_dict()
    # 004 § 2.2 names 'Telford' and 'Northampton', read as the authorities (identification inferences):
    # the year it gives them is an inference too
    assert inferred == {
        "leeds": "2011-12",
        "richmond-upon-thames": "2012-13",
        "telford-and-wrekin": "2012-13",
        "northamptonshire": "2012-13",
    }
    membership = tables["membership"]
    case_studies = membership[membership["authority_id"].isin(["leeds", "richmond-upon-thames"])]
    assert len(case_studies) == 3 and (case_studies["year_inference"] != "").all()
    # A statement that prints a programme year ("in 2012-13") is never marked as an inference.
    year_ids = [y.id for y in programme.current_programme().years]
    printed = membership["quote"].map(lambda q: any(y in q for y in year_ids))
    assert (membership[printed]["year_inference"] == "").all() and printed.any()
    for aid in ("leeds", "richmond-upon-thames"):
        assert authorities.loc[aid, "years_basis"].count("; year inference: ") == (aid == "leeds") + 2 * (
            aid != "leeds"
        )
    logged = quality_log[quality_log["check"] == "year_inference"]
    assert set(logged["file"]) == {"programme_membership.csv"}
    assert {"Leeds City Council", "Richmond", "London Borough of Richmond upon Thames"} <= set(
        logged["value"]
    )
    assert len(logged) == (membership["year_inference"] != "").sum()
