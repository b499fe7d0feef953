"""The claims file's reading columns and the survey lists paired by printed position."""

from __future__ import annotations

import pytest

from lib.sources.claims import CLAIM_ACTORS, authority_ids
from lib.sources.survey import PAIRED_BY_POSITION, position_pairing


def test_authority_names_as_printed_map_to_ids_and_unknown_names_fail():
    assert authority_ids("Bexley") == "bexley"
    assert authority_ids("Richmond; Telford & Wrekin") == "richmond-upon-thames;telford-and-wrekin"
    assert authority_ids("") == ""
    with pytest.raises(ValueError):
        authority_ids("Atlantis")


def test_the_raw_actors_are_the_causal_rules_actors():
    from lib.analysis.claim_causal import ACTORS

    assert list(CLAIM_ACTORS) == list(ACTORS)


def test_a_list_with_a_lost_label_is_marked_paired_by_position_with_what_the_pairing_rests_on():
    """004 § 5: the children's centre list prints 35%, 18%, 12% and four 4% values for six labels."""
    note = position_pairing(["35%", "18%", "12%", "4%", "4%", "4%", "4%"], 6)
    assert note.startswith(PAIRED_BY_POSITION)
    assert "prints 7 values and 6 labels" in note
    assert "last 4 values (all 4%)" in note
    assert "belongs to the last value (3%)" in position_pairing(["35%", "18%", "12%", "4%", "3%"], 4)
    assert position_pairing(["25%", "18%"], 2) == ""
    assert "which label lost its value" in position_pairing(["25%", "18%", ""], 3)
