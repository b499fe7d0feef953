"""lib/sources/guidance.py: commissioning stages, practice guidance and the commissioning cycle.

Unit tests use small hand-made frames (good input and bad input for each step). Tests of
figures check the processed tables against what the source documents state in prose or print
in a table, each citing where; no expected value is copied from the output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lib.sources.case_studies import THEMES
from lib.sources.common import PROGRAMME_REPORT
from lib.sources.guidance import clean_guidance, stage_id

PROGRAMME = PROGRAMME_REPORT
SRC = f"{PROGRAMME} § test"


@pytest.mark.parametrize(
    "printed, expected",
    [
        ("Before beginning", "before_beginning"),  # 003 checklist headings
        ("assessing need", "assessing_need"),  # 003 definition
        ("Identifying resources available", "identifying_resources"),
        ("Planning how to use the resources available", "planning"),
        ("Arranging service delivery", "arranging_delivery"),
        ("the reviewing of the service and reassessment of need", "reviewing"),
        ("Reviewing the service against outcomes/Reassessing need", "reviewing"),
    ],
)
def test_stage_id(printed, expected):
    assert stage_id(printed) == expected


@pytest.mark.parametrize("printed", ["Evaluating", "", "the", "Procurement"])
def test_stage_id_rejects_unknown_stages(printed):
    with pytest.raises(ValueError, match="unknown commissioning stage"):
        stage_id(printed)


def _guidance(themes, ticks=None):
    n = len(themes)
    ticks = ticks or [""] * n
    return pd.DataFrame(
        {
            "row_order": [str(i) for i in range(1, n + 1)],
            "focus_theme_as_printed": themes,
            "key_principle": ["principle"] * n,
            "practice_suggestion": ["suggestion"] * n,
            "develop_needs_assessment": ticks,
            "identify_resources_and_set_priorities": [""] * n,
            "plan_pattern_of_services": [""] * n,
            "source": [SRC] * n,
        }
    )


def test_clean_guidance_forward_fills_the_theme_and_records_theme_basis():
    raw = _guidance(
        ["Performance management of VCS", "", "  ", "Community engagement", ""],
        ticks=["", "✓", "", "", ""],
    )
    out = clean_guidance(raw)
    assert list(out["theme"]) == ["performance_management"] * 3 + ["community_engagement"] * 2
    assert list(out["theme_basis"] == "printed") == [True, False, False, True, False]
    assert all("carried down" in b for b in out["theme_basis"][[1, 2, 4]])
    assert list(out["theme_label"][:1]) == ["Performance management"]
    # Ticks become stage ids; rows whose ticks were lost say 'unrecorded'.
    assert list(out["commissioning_stages"]) == [
        "unrecorded",
        "assessing_need",
        "unrecorded",
        "unrecorded",
        "unrecorded",
    ]
    assert list(out["row_order"]) == [1, 2, 3, 4, 5]


def test_clean_guidance_rejects_an_unknown_theme():
    with pytest.raises(ValueError, match="unknown theme"):
        clean_guidance(_guidance(["Leadership", ""]))


def test_clean_guidance_rejects_a_first_row_without_a_theme():
    with pytest.raises(ValueError):
        clean_guidance(_guidance(["", "Vision"]))


def test_commissioning_cycle_has_the_five_stages_of_003(tables):
    # 003 § Commissioning: "the whole process of assessing need, identifying resources
    # available, planning how to use the resources, arranging service delivery, and the
    # reviewing of the service and reassessment of need".
    cycle = tables["commissioning_cycle"]
    assert list(cycle["stage_id"]) == [
        "assessing_need",
        "identifying_resources",
        "planning",
        "arranging_delivery",
        "reviewing",
    ]


def test_guidance_rows_all_have_a_theme_and_unrecorded_stages(tables):
    guidance = tables["guidance"]
    assert guidance["theme"].isin([t for t, _ in THEMES]).all()
    assert (guidance["commissioning_stages"] == "unrecorded").all()  # all ticks lost
    assert set(guidance["theme_basis"].str.split().str[0]) == {"printed", "carried"}
