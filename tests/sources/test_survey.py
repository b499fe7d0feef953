"""lib/sources/survey.py: impacts, sectors, phases, comment shares and respondents, then the
built survey tables against what the survey report states.

Unit tests use small hand-made frames (good input and bad input for each step). Tests of
figures check the processed tables against what the source documents state in prose or print
in a table, each citing where; no expected value is copied from the output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lib.sources.common import PROGRAMME_REPORT
from lib.sources.survey import (
    LOST_LABEL,
    clean_comment_shares,
    clean_respondents,
    impact_id,
    phase_id,
    sector_id,
)

PROGRAMME = PROGRAMME_REPORT
SRC = f"{PROGRAMME} § test"


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
    assert impact_id(printed) == expected


@pytest.mark.parametrize("printed", ["Enough time", "Extend sevice reach", "", "Better outcomes"])
def test_impact_id_rejects_an_unknown_label(printed):
    with pytest.raises(ValueError, match="unknown impact "):
        impact_id(printed)


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
    assert sector_id(printed) == expected


@pytest.mark.parametrize("printed", ["Local Authorities", "", "VCS organisations", "Health"])
def test_sector_id_rejects_unknown_sectors(printed):
    with pytest.raises(ValueError, match="unknown survey sector"):
        sector_id(printed)


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
    assert phase_id(printed) == expected


@pytest.mark.parametrize("printed", ["During", "Mid", "Before and after", "postal"])
def test_phase_id_rejects_unknown_phases(printed):
    with pytest.raises(ValueError, match="unknown survey phase"):
        phase_id(printed)


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
    out = clean_comment_shares(raw)
    assert len(out) == len(raw)  # nothing dropped
    lost = out[out["item_order"] == 3].iloc[0]
    assert lost["item"] == "unlabelled_3"
    assert lost["item_label"] == LOST_LABEL
    assert lost["value"] == 0.04
    assert lost["value_as_printed"] == "4%"
    assert "without a label" in lost["note"]
    first, second = out.iloc[0], out.iloc[1]
    assert first["item"] == "involve_and_improve_awareness_of_the_vcs"
    # every row of the list says it is paired by printed position, an inference
    assert first["value"] == 0.35
    assert first["note"].startswith("paired with its label by printed position, an inference")
    assert "belongs to the last value (4%)" in first["note"]
    assert second["item_label"] == "Clarify and address VCS commissioning issues"  # tidied
    assert second["value"] == 0.08
    assert set(out["question"]) == {"la_role"}
    assert set(out["sector"]) == {"childrens_centres"}
    assert set(out["phase"]) == {"unstated"}
    assert out["base_n"].isna().all()


def test_clean_comment_shares_keeps_a_label_without_a_value():
    raw = _comments([("VCS", "Post", "1", "Communications", "")])
    out = clean_comment_shares(raw).iloc[0]
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
        clean_comment_shares(raw)


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
    out = clean_respondents(raw)
    assert list(out["n"]) == [154, 7]
    assert list(out["group"]) == ["all", "parents"]
    assert list(out["phase"]) == ["pre", "unstated"]
    with pytest.raises(ValueError, match="unknown respondent group"):
        clean_respondents(raw.assign(group_as_printed=["attendees", "pets"]))
    with pytest.raises(ValueError, match="not a count"):
        clean_respondents(raw.assign(n=["154", "many"]))


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
    assert (la_role["item_label"] == LOST_LABEL).sum() == 1
    assert la_role["value"].notna().all()
