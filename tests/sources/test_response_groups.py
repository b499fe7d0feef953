"""Study groups in the response files: the optional group column (programme
participants or a comparison group), kept through cleaning and carried by
every respondent table; what the design rests on, counted once."""

from __future__ import annotations

import numpy as np
import pandas as pd
from _design_rows import read_design

from lib.analysis import design
from lib.sources import response_tables as t
from lib.sources import responses as r

HEADER = "respondent_ref,authority,group,phase,understand_co_production,extend_service_reach"


def write(path, rows, header=HEADER):
    path.write_text("\n".join([header, *(",".join(row) for row in rows)]) + "\n", encoding="utf-8")
    return path


def cell(s, group, phase, authority="leeds", item="understand_co_production", sector="all"):
    rows = s[
        (s["authority_id"] == authority)
        & (s["group"] == group)
        & (s["phase"] == phase)
        & (s["item"] == item)
        & (s["sector"] == sector)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_group_column_splits_participants_from_the_comparison_group(tmp_path):
    path = write(
        tmp_path / "wave.csv",
        [
            ["", "Leeds", "Participant", "pre", "6", "6"],
            ["", "Leeds", "Programme participant", "pre", "2", "2"],
            ["", "Leeds", "Participant", "post", "7", "7"],
            ["", "Leeds", "Control group", "pre", "3", "3"],
            ["", "Leeds", "Comparison", "post", "5", "5"],
            ["", "Leeds", "Comparison", "post", "2", "2"],
            ["", "Leeds", "", "post", "7", "7"],  # blank group: logged, left out
            ["", "Leeds", "Visitors", "post", "7", "7"],  # neither group: logged, left out
        ],
    )
    tables, log = t.response_tables([path])
    s = tables["survey_responses.csv"]
    expected = {
        ("participants", "pre"): (2, 1),
        ("participants", "post"): (1, 1),
        ("comparison", "pre"): (1, 0),
        ("comparison", "post"): (2, 1),
    }
    for (group, phase), (n, k) in expected.items():
        row = cell(s, group, phase)
        assert (row["base_n"], row["confident_n"]) == (n, k), (group, phase)
    # the programme level too, and every cell of both groups has a row
    assert cell(s, "comparison", "post", authority="")["base_n"] == 2
    assert len(s[s["group"] == "comparison"]) == len(s[s["group"] == "participants"]) == len(s) / 2
    groups = log[log["check"] == "response_unknown_group"]
    assert groups[["value", "issue", "row"]].values.tolist() == [
        ["", "group missing", "8"],
        ["Visitors", "unknown group; expected participants (programme) or comparison (control)", "9"],
    ]
    assert tables["response_files.csv"]["rows_used"].tolist() == [6]


def test_without_a_group_column_every_row_is_a_participant_and_no_comparison_rows(tmp_path):
    path = write(
        tmp_path / "a_pre.csv",
        [["p1", "Leeds", "pre", "6", "6"], ["", "Kent", "pre", "2", "2"]],
        header="respondent_ref,authority,phase,understand_co_production,extend_service_reach",
    )
    tables, log = t.response_tables([path])
    assert set(tables["survey_responses.csv"]["group"]) == {"participants"}
    assert tables["survey_response_groups.csv"].values.tolist() == [
        ["participants", 2, 0, 0],
        ["comparison", 0, 0, 0],
    ]
    assert not (log["check"] == "response_unknown_group").any()


def test_references_link_within_a_group_and_the_groups_table_counts_people(tmp_path):
    path = write(
        tmp_path / "wave.csv",
        [
            ["a", "Leeds", "participant", "pre", "3", "3"],
            ["a", "Leeds", "participant", "post", "6", "6"],
            ["b", "Leeds", "participant", "pre", "6", "6"],
            ["b", "Leeds", "participant", "post", "6", "6"],
            ["c", "Leeds", "control", "pre", "6", "6"],
            ["c", "Leeds", "control", "post", "2", "2"],
            ["d", "Leeds", "participant", "pre", "6", "6"],  # d answers after in the other group
            ["d", "Leeds", "control", "post", "6", "6"],
            ["", "Leeds", "control", "pre", "6", "6"],
        ],
    )
    tables, _ = t.response_tables([path])
    pairs = tables["survey_response_pairs.csv"]
    mine = pairs[(pairs["authority_id"] == "leeds") & (pairs["item"] == "understand_co_production")]
    mine = mine[mine["sector"] == "all"].set_index("group")
    assert mine.loc["participants", ["pairs_n", "both", "before_only", "after_only", "neither"]].tolist() == [
        2,
        1,
        0,
        1,
        0,
    ]
    assert mine.loc["comparison", ["pairs_n", "both", "before_only", "after_only", "neither"]].tolist() == [
        1,
        0,
        1,
        0,
        0,
    ]
    groups = tables["survey_response_groups.csv"].set_index("group")
    assert groups.loc["participants"].tolist() == [3, 2, 2]
    assert groups.loc["comparison"].tolist() == [2, 2, 1]


def test_the_build_table_and_the_rows_read_the_same_design(tmp_path):
    rng = np.random.default_rng(4)
    rows = []
    for group, linked in (("participant", 30), ("control", 12)):
        for i in range(40):
            ref = f"{group[0]}{i}" if i < linked else ""
            for phase, day in (("pre", 1), ("post", 15)):  # distinct times: no row is a duplicate
                when = f"{day:02d}/03/2026 {i // 60:02d}:{i % 60:02d}"
                rows.append([ref, "Leeds", group, phase, str(rng.integers(1, 8)), "4", when])
    path = write(tmp_path / "wave.csv", rows, header=HEADER + ",submitted_at")
    tables, _ = t.response_tables([path])
    from_table = design.design_from_groups(tables["survey_response_groups.csv"])
    from_rows = read_design(r.clean_responses([path]).responses)
    assert from_table == from_rows
    # 30 of 40 participants linked, 12 of 40 in the comparison group: under half
    assert from_table.design == "comparison"
    assert from_table.linked_share == {"participants": 0.75, "comparison": 0.3}
    assert isinstance(tables["survey_response_groups.csv"], pd.DataFrame)
