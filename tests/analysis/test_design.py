"""Which design respondent-level data support, read from the data."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.analysis import design as d
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
    assert d.read_design(pd.DataFrame(data)).design == expected


def test_without_a_group_column_everyone_is_a_participant():
    frame = pd.DataFrame(rows("x", 20, 20, 12)).drop(columns="group")
    design = d.read_design(frame)
    assert (design.design, design.groups, design.linked_share) == (
        "linked",
        ("participants",),
        {"participants": 0.6},
    )
    assert design.description == "before/after survey of the same people (linked panel)"


def test_references_link_within_an_authority_only():
    pre = rows("participants", 10, 0, 0) + [
        {"authority_id": "leeds", "group": "participants", "phase": "pre", "ref": "a"}
    ]
    post = [{"authority_id": "kent", "group": "participants", "phase": "post", "ref": "a"}]
    assert d.read_design(pd.DataFrame(pre + post)).linked_share == {"participants": 0.0}


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
