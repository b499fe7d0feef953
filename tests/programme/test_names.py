"""Authority names matched through generic rules (lib/programme/names.py), and the hint
for a name that matches nothing."""

from __future__ import annotations

import pytest

from lib import programme
from lib.programme.names import authority_hint, authority_key, match_authority, rank_authorities

AUTHORITIES = (
    ("kent", ("Kent",)),
    ("westminster", ("Westminster",)),
    ("greenwich", ("Greenwich",)),
    ("hillingdon", ("Hillingdon",)),
    ("knowsley", ("Knowsley",)),
    ("leeds", ("Leeds",)),
    ("north-east-lincolnshire", ("North East Lincolnshire", "NE Lincs")),
    ("telford-and-wrekin", ("Telford and Wrekin",)),
    ("kings-lynn-and-west-norfolk", ("King's Lynn and West Norfolk",)),
    ("ynys-mon", ("Ynys Môn",)),
    ("brighton-and-hove", ("Brighton & Hove",)),
)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("Kent County Council", "kent"),
        ("KENT COUNTY COUNCIL", "kent"),
        ("Kent CC", "kent"),
        ("City of Westminster", "westminster"),
        ("Westminster City Council", "westminster"),
        ("London Borough of Greenwich", "greenwich"),
        ("Royal Borough of Greenwich", "greenwich"),
        ("LB Hillingdon", "hillingdon"),
        ("Hillingdon Borough Council", "hillingdon"),
        ("Knowsley MBC", "knowsley"),
        ("Knowsley Metropolitan Borough Council", "knowsley"),
        ("Leeds City Council", "leeds"),
        ("The Leeds City Council", "leeds"),
        ("NE. Lincs", "north-east-lincolnshire"),  # one of its listed spellings, dots folded
        ("Telford & Wrekin Council", "telford-and-wrekin"),
        ("King\u2019s Lynn and West Norfolk", "kings-lynn-and-west-norfolk"),
        ("King's Lynn & West Norfolk", "kings-lynn-and-west-norfolk"),
        ("Borough Council of King\u2019s Lynn and West Norfolk", "kings-lynn-and-west-norfolk"),
        ("Ynys Mon", "ynys-mon"),
        ("Brighton and Hove City Council", "brighton-and-hove"),
    ],
)
def test_council_names_match_through_the_generic_rules(printed, expected):
    assert match_authority(printed, AUTHORITIES) == expected


def test_curly_and_straight_apostrophes_fold_alike():
    assert authority_key("King\u2019s Lynn") == authority_key("King's Lynn") == "kings lynn"


def test_folding_never_takes_a_name_down_to_nothing():
    assert authority_key("Council") == "council"
    assert authority_key("County Council") == "county"
    assert authority_key("City of London") == "london"


@pytest.mark.parametrize("printed", ["Atlantis", "Kent and Leeds", "Council", ""])
def test_an_unknown_or_ambiguous_name_matches_nothing(printed):
    assert match_authority(printed, AUTHORITIES) is None


def test_two_authorities_folding_alike_match_neither():
    both = (("bristol", ("Bristol",)), ("bristol-city", ("Bristol City Council",)))
    assert match_authority("Bristol", both) is None


def test_hints_rank_candidates_by_shared_words_and_say_when_none_is_close():
    assert rank_authorities("North Lincolnshire Council", AUTHORITIES) == ["north-east-lincolnshire"]
    assert rank_authorities("West Norfolk and Leeds", AUTHORITIES) == ["kings-lynn-and-west-norfolk", "leeds"]
    assert rank_authorities("Barnsley", AUTHORITIES) == []
    assert rank_authorities("Greenwhich", AUTHORITIES) == ["greenwich"]  # a slip: no shared word
    assert authority_hint("Atlantis District Council", AUTHORITIES) == "no close match"
    names = {a: n[0] for a, n in AUTHORITIES}
    assert authority_hint("Lincolnshire CC", AUTHORITIES, names) == "closest known: North East Lincolnshire"


def test_the_programme_matches_council_names_and_explains_an_unknown_one():
    prog = programme.load_programme(programme.DEFAULT_DEFINITION)
    for printed, expected in [
        ("Kent County Council", "kent"),
        ("City of Westminster", "westminster"),
        ("London Borough of Greenwich", "greenwich"),
        ("LB Hillingdon", "hillingdon"),
        ("Knowsley MBC", "knowsley"),
    ]:
        assert prog.authority_id(printed) == expected
        assert prog.is_known_authority(printed)
    with pytest.raises(programme.UnknownNameError) as caught:
        prog.authority_id("Atlantis District Council")
    assert str(caught.value).startswith("unknown authority 'Atlantis District Council'; no close match (")
    with pytest.raises(programme.UnknownNameError) as caught:
        prog.authority_id("East Lincolnshire")
    assert str(caught.value).startswith(
        "unknown authority 'East Lincolnshire'; did you mean 'North East Lincolnshire'?"
    )
    assert not prog.is_known_authority("Atlantis")
