"""lib/sources/common.py: the authority, programme-year and number parsers every raw source shares.

Each parser is checked on the spellings the documents print and on bad input.
"""

from __future__ import annotations

import pytest

from lib.sources.common import (
    AUTHORITIES,
    UnknownAuthorityError,
    authority_id,
    is_known_authority,
    percent_to_proportion,
    programme_year,
    round_to_source,
)


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
    assert authority_id(printed) == expected
    assert is_known_authority(printed)


def test_authority_id_maps_each_canonical_name_to_its_own_id():
    for aid, name in AUTHORITIES.items():
        assert authority_id(name) == aid


@pytest.mark.parametrize(
    "printed", ["Northumberland", "Darlingtonn", "Lincs", "Kent County", "", "Telford Wrekin Council"]
)
def test_authority_id_rejects_an_unknown_name(printed):
    with pytest.raises(UnknownAuthorityError, match="unknown authority"):
        authority_id(printed)
    assert not is_known_authority(printed)


def test_unknown_authority_error_is_a_value_error():
    # Callers that catch ValueError (the raw checks) also catch it.
    assert issubclass(UnknownAuthorityError, ValueError)


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
    assert percent_to_proportion(printed) == expected


@pytest.mark.parametrize("printed", ["seventy%", "33", "%", "", "3 3%", "-5%", "33%x", "0.33"])
def test_percent_to_proportion_rejects_a_bad_value(printed):
    with pytest.raises(ValueError, match="not a percentage"):
        percent_to_proportion(printed)


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
    value = round_to_source(printed)
    assert value == expected  # exactly the float of the published 2 dp value
    assert f"{value:.10g}" == f"{expected:.10g}"  # and prints without the noise


@pytest.mark.parametrize("printed", ["abc", "", "0.5.1", "57%"])
def test_round_to_source_rejects_a_non_number(printed):
    with pytest.raises(ValueError):
        round_to_source(printed)


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
    assert programme_year(printed) == expected


@pytest.mark.parametrize("printed", ["year three", "2013-14", "", "third year", "2012"])
def test_programme_year_rejects_unknown_years(printed):
    with pytest.raises(ValueError, match="unknown programme year"):
        programme_year(printed)
