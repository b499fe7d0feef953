"""lib/sources/case_studies.py: themes, case-study impacts and sections.

Unit tests use small hand-made frames (good input and bad input for each step). Tests of
figures check the processed tables against what the source documents state in prose or print
in a table, each citing where; no expected value is copied from the output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lib.sources.case_studies import theme_id


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
    assert theme_id(printed) == expected


@pytest.mark.parametrize("printed", ["Leadership", "", "Performance", "Commissioning"])
def test_theme_id_rejects_unknown_themes(printed):
    with pytest.raises(ValueError, match="unknown theme"):
        theme_id(printed)


@pytest.mark.parametrize("printed", ["Service provision", "Supervision", "Revision of contracts"])
def test_theme_id_does_not_match_vision_inside_another_word(printed):
    with pytest.raises(ValueError, match="unknown theme"):
        theme_id(printed)


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


def test_case_study_sections_cover_both_case_studies(tables):
    cs = tables["case_study_sections"]
    assert set(zip(cs["authority_id"], cs["section"], strict=False)) == {
        (a, s)
        for a in ("leeds", "richmond-upon-thames")
        for s in ("positive_impact", "putting_learning_into_practice")
    }
    richmond = cs[(cs["authority_id"] == "richmond-upon-thames") & (cs["section"] == "positive_impact")]
    assert "positive shift" in richmond["text"].iloc[0]
