"""Which design respondent-level data support, read from the data."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from _design_rows import read_design

from lib.analysis import design as d
from lib.config import PROJECT_ROOT
from lib.sources import response_format as fmt


def rows(
    group: str, n_pre: int, n_post: int, linked: int, authority: str = "leeds", prefix: str = ""
) -> list[dict]:
    """``linked`` of the people answer in both phases; the rest once, unlinked."""
    out = [
        {"authority_id": authority, "group": group, "phase": "pre", "ref": f"{prefix}{i}"}
        for i in range(linked)
    ]
    out += [
        {"authority_id": authority, "group": group, "phase": "post", "ref": f"{prefix}{i}"}
        for i in range(linked)
    ]
    out += [{"authority_id": authority, "group": group, "phase": "pre", "ref": ""}] * (n_pre - linked)
    out += [{"authority_id": authority, "group": group, "phase": "post", "ref": ""}] * (n_post - linked)
    return out


@pytest.mark.parametrize(
    "data, expected",
    [
        (rows("Programme participants", 40, 30, 0), "unlinked"),
        (rows("Programme participants", 40, 30, 14), "unlinked"),  # 14 of the smaller base 30: under half
        (rows("Programme participants", 40, 30, 15), "linked"),
        (rows("participant", 40, 30, 0) + rows("Comparison group", 35, 30, 0), "comparison"),
        (
            rows("treatment", 40, 30, 20, prefix="p") + rows("control", 35, 30, 20, prefix="c"),
            "linked_comparison",
        ),
        # linked among participants only: the comparison is unlinked, so the design is
        (rows("treatment", 40, 30, 20, prefix="p") + rows("control", 35, 30, 2, prefix="c"), "comparison"),
        # a comparison group answered before only: no comparison of changes
        (rows("participants", 40, 30, 0) + rows("control", 35, 0, 0), "unlinked"),
    ],
)
def test_design_read_from_the_data(data, expected):
    assert read_design(pd.DataFrame(data)).design == expected


def test_without_a_group_column_everyone_is_a_participant():
    frame = pd.DataFrame(rows("x", 20, 20, 12)).drop(columns="group")
    design = read_design(frame)
    assert (design.design, design.groups, design.linked_share) == (
        "linked",
        ("participants",),
        {"participants": 0.6},
    )


def test_references_link_within_an_authority_only():
    pre = rows("participants", 10, 0, 0) + [
        {"authority_id": "leeds", "group": "participants", "phase": "pre", "ref": "a"}
    ]
    post = [{"authority_id": "kent", "group": "participants", "phase": "post", "ref": "a"}]
    assert read_design(pd.DataFrame(pre + post)).linked_share == {"participants": 0.0}


@pytest.mark.parametrize(
    "text, group",
    [
        ("Comparison", "comparison"),
        ("Control group", "comparison"),
        ("Non-participant", "comparison"),
        ("did not attend", "comparison"),
        ("Participants", "participants"),
        ("Programme", "participants"),
        ("Intervention", "participants"),
        ("", None),
        ("other", None),
    ],
)
def test_group_spellings(text, group):
    assert fmt.group_of(text) == group


# ---------------------------------------------------------------- the rating

#: The contract's example scale (What Works Centre for Local Economic Growth, 2016).
LEVELS = {"unlinked": 1, "linked": 1, "comparison": 3, "linked_comparison": 3}
TEXT = {1: "before/after without a comparison group", 3: "before/after against a comparison group"}


def found(kind: str) -> d.Design:
    groups = ("participants", "comparison") if "comparison" in kind else ("participants",)
    share = 0.8 if kind.startswith("linked") else 0.1
    return d.Design(kind, groups, dict.fromkeys(groups, share))


@pytest.mark.parametrize(
    "claimed, shown, kind",
    [
        (None, "comparison", "comparison"),  # no plan: the data decide
        ("comparison", "comparison", "comparison"),
        ("comparison", "unlinked", "unlinked"),  # the plan claims more than the data show
        ("linked_comparison", "comparison", "comparison"),
        ("linked_comparison", "linked", "linked"),
        ("unlinked", "linked_comparison", "unlinked"),  # the data never raise the claim
        ("linked", "comparison", "unlinked"),
    ],
)
def test_the_data_confirm_or_lower_the_plans_design(claimed, shown, kind):
    assert d.design_kind(claimed, found(shown))[0] == kind


def test_a_claimed_comparison_group_missing_from_the_data_is_rated_on_the_data_with_the_reason():
    data = read_design(pd.DataFrame(rows("participants", 40, 30, 0) + rows("control", 35, 0, 0)))
    kind, reason = d.design_kind("comparison", data)
    assert kind == "unlinked"
    assert reason == (
        "the evaluation plan describes a before/after survey with a comparison group, but no comparison "
        "group answered both before and after in the response data, so the design is rated on what the "
        "data show: a before/after survey, respondents not linked"
    )
    rating = d.rate_design(kind, LEVELS, 5, TEXT, reason)
    assert (rating.level, rating.level_max, rating.level_text) == (1, 5, TEXT[1])
    assert rating.reason.endswith("; a before/after survey, respondents not linked is level 1 of 5")


def test_a_confirmed_comparison_group_rates_above_the_before_after_level():
    data = read_design(pd.DataFrame(rows("participant", 40, 30, 0) + rows("Comparison group", 35, 30, 0)))
    kind, reason = d.design_kind("comparison", data)
    rating = d.rate_design(kind, LEVELS, 5, TEXT, reason)
    assert (rating.kind, rating.level, rating.level_text) == ("comparison", 3, TEXT[3])
    assert rating.level > d.rate_design("unlinked", LEVELS, 5).level
    assert "the response data confirm it" in rating.reason
    # data showing more than the plan describes do not raise the rating, and the reason says so
    kind, reason = d.design_kind("unlinked", data)
    assert kind == "unlinked" and reason.endswith("but a rating rests on the design the plan describes")


@pytest.mark.parametrize(
    "kind, levels, level_max, message",
    [
        ("rct", LEVELS, 5, "unknown design kind 'rct'"),
        ("linked", {"unlinked": 1}, 5, "gives no level for the design 'linked'"),
        ("comparison", {**LEVELS, "comparison": 6}, 5, "outside the scale's 1-5"),
    ],
)
def test_a_scale_that_cannot_rate_the_design_is_refused(kind, levels, level_max, message):
    with pytest.raises(ValueError, match=message):
        d.rate_design(kind, levels, level_max)


def test_the_results_row_rates_the_plans_design_and_without_respondent_data_says_so():
    from types import SimpleNamespace

    scale = SimpleNamespace(
        name="Maryland Scientific Methods Scale",
        version="What Works Centre for Local Economic Growth (2016)",
        source="Guide to scoring evidence",
        levels=LEVELS,
        level_max=5,
        level_text=TEXT,
    )
    row = d.design_result("comparison", scale, found("comparison"))
    assert list(row) == [
        "kind",
        "kind_label",
        "scale",
        "scale_version",
        "scale_source",
        "level",
        "level_max",
        "level_text",
        "reason",
    ]
    assert (row["kind"], row["level"], row["level_max"], row["level_text"]) == ("comparison", 3, 5, TEXT[3])
    assert row["kind_label"] == "before/after survey with a comparison group"
    # The first programme: published aggregates only, the plan's unlinked before/after survey stands.
    row = d.design_result("unlinked", scale, None)
    assert (row["kind"], row["level"]) == ("unlinked", 1)
    assert row["reason"].startswith(
        "the evaluation plan describes a before/after survey, respondents not linked; there are no "
        "respondent-level data to check it against"
    )
    with pytest.raises(ValueError, match="neither an evaluation plan nor respondent-level data"):
        d.design_kind(None, None)


def test_a_plan_that_measured_nothing_before_or_after_is_not_rated():
    """The Maryland SMS rates designs that compare outcomes: its level 1 needs at least a before/after
    or a cross-sectional comparison (the first programme's plan quotes it), so a design with neither
    is below level 1 on it, never a level it does not earn."""
    kind, reason = d.design_kind("none", None)
    assert (kind, reason) == (
        "none",
        "the evaluation plan describes a design with no before/after or comparison measure",
    )
    rating = d.rate_design(kind, LEVELS, 5, TEXT, reason)  # the scale names no level for it
    assert (rating.level, rating.level_max, rating.level_text) == (d.NOT_RATED, 5, "") and d.NOT_RATED == 0
    assert rating.reason == (
        "the evaluation plan describes a design with no before/after or comparison measure; a design with no "
        "before/after or comparison measure compares no outcomes, so it is below the scale's level 1 and not rated"
    )
    assert d.rate_design(kind, {**LEVELS, "none": 0}, 5).level == 0  # the plan may say so itself
    assert d.level_words(rating.level, 5) == "not rated (below level 1 of 5)"
    assert d.level_words("0", "5") == "not rated (below level 1 of 5)"  # as the results table reads back
    assert d.level_words(1, 5) == "level 1 of 5" and d.level_words("3", "5") == "level 3 of 5"


def test_respondent_data_never_raise_a_plan_that_measured_nothing():
    for shown in ("unlinked", "linked", "comparison", "linked_comparison"):
        kind, reason = d.design_kind("none", found(shown))
        assert kind == "none" and reason.endswith("but a rating rests on the design the plan describes")
        assert d.rate_design(kind, LEVELS, 5, TEXT, reason).level == d.NOT_RATED


def test_a_scale_may_rate_a_design_that_compares_nothing_but_only_on_its_own_levels():
    assert d.rate_design("none", {**LEVELS, "none": 1}, 5, TEXT).level_text == TEXT[1]
    with pytest.raises(ValueError, match="outside the scale's 1-5"):
        d.rate_design("none", {**LEVELS, "none": 6}, 5)
    with pytest.raises(ValueError, match="outside the scale's 1-5"):  # only `none` may be not rated
        d.rate_design("unlinked", {**LEVELS, "unlinked": 0}, 5)


def test_the_results_row_of_a_design_with_no_measure():
    from types import SimpleNamespace

    scale = SimpleNamespace(
        name="Maryland Scientific Methods Scale", version="2016", levels=LEVELS, level_max=5
    )
    row = d.design_result("none", scale, None)
    assert (row["kind"], row["kind_label"], row["level"], row["level_text"]) == (
        "none",
        "no before/after or comparison measure",
        0,
        "",
    )
    level_1 = dict(
        yaml.safe_load((PROJECT_ROOT / "data" / "plan.yaml").read_text(encoding="utf-8"))["rating_scale"][
            "level_text"
        ]
    )[1]
    assert "before-and-after comparison" in level_1 and "cross-sectional comparison" in level_1
