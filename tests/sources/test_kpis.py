"""lib/sources/kpis.py: counts and KPI cells as printed, programme activity, then the built
kpis table against the programme report's section 6.

Unit tests use small hand-made frames (good input and bad input for each step). Tests of
figures check the processed tables against what the source documents state in prose or print
in a table, each citing where; no expected value is copied from the output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lib.sources.common import PROGRAMME_REPORT
from lib.sources.kpis import clean_activity, parse_count, parse_kpi_cell

PROGRAMME = PROGRAMME_REPORT
SRC = f"{PROGRAMME} § test"


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
    assert parse_count(printed) == expected


@pytest.mark.parametrize(
    "printed", ["lots", "", "280+", "over", "nine-ish", "12.5", "-3", "over over 280", "thirteen"]
)
def test_parse_count_rejects_garbage(printed):
    with pytest.raises(ValueError, match="not a count"):
        parse_count(printed)


def test_parse_kpi_cell_reads_a_count():
    # 002 § 6 KPI table, first row, year one.
    got = parse_kpi_cell("35 reports delivered – Delivery plans/ outcome reports")
    assert [(m["measure"], m["value"], m["unit"]) for m in got] == [("reports_delivered", 35, "count")]


def test_parse_kpi_cell_reads_two_percentages_including_a_doubled_percent_sign():
    # 002 § 6 KPI table, local authority row, year two: "good plus = 69%%".
    text = "Overall evaluation - good plus = 69%%  \nMore positive about tackling key challenges = 79%"
    got = {m["measure"]: (m["value"], m["unit"]) for m in parse_kpi_cell(text)}
    assert got == {
        "evaluation_good_plus": (0.69, "proportion"),
        "more_positive_challenges": (0.79, "proportion"),
    }


@pytest.mark.parametrize(
    "text", ["Dissemination through national and regional sharing", "no figures here", "n/a"]
)
def test_parse_kpi_cell_keeps_a_qualitative_cell_as_text_without_a_value(text):
    assert parse_kpi_cell(text) == [
        {"measure": "in_words", "measure_label": "Reported in words", "value": None, "unit": "text"}
    ]


def test_parse_kpi_cell_does_not_turn_an_unreadable_figure_into_words():
    got = parse_kpi_cell("Overall evaluation - good plus = 69.5%")
    assert [m["measure"] for m in got] != ["in_words"]


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
    out = clean_activity(raw)
    assert list(out["year"]) == ["2011-12", "2012-13"]
    assert list(out["measure"]) == ["workshops", "participants"]
    assert list(out["value"]) == [9, 379]
    assert list(out["bound"]) == ["exact", "at_most"]
    with pytest.raises(ValueError, match="unknown activity measure"):
        clean_activity(raw.assign(measure_as_printed=["focus workshops", "budgets"]))


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
    assert list(rows["measure"]) == ["in_words"]
    assert rows["value"].isna().all()
    assert rows.iloc[0]["text"].startswith("Dissemination through national and regional sharing")
