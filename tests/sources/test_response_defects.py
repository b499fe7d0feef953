"""Response sets and spellings that real exports carry: the build reads them as
a user would expect, or refuses them with one line; it never crashes."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from lib import evaluation
from lib.programme import load_programme
from lib.sources import response_format as fmt
from lib.sources import response_reading as reading
from lib.sources import response_tables as t
from lib.sources import responses as r
from lib.sources.build import to_csv_bytes

ITEMS = ["understand_co_production", "extend_service_reach"]
HEADER = "respondent_ref,authority,sector,phase,understand_co_production,extend_service_reach"


def write_csv(path, rows, header=HEADER):
    path.write_text("\n".join([header, *(",".join(row) for row in rows)]) + "\n", encoding="utf-8")
    return path


def cell(table, authority="leeds", item=ITEMS[0], sector="all", phase="pre"):
    s = table
    return s[
        (s["authority_id"] == authority)
        & (s["item"] == item)
        & (s["sector"] == sector)
        & (s["phase"] == phase)
    ].iloc[0]


# ---------------------------------------------------------------- never crashes


def _sav_numeric_authorities(path, labelled):
    frame = pd.DataFrame(
        {"authority": [1.0, 1.0, 2.0], "phase": ["pre", "post", "pre"], ITEMS[0]: [5.0, 6.0, 2.0]}
    )
    labels = {"authority": {1.0: "Leeds", 2.0: "Barnet"}} if labelled else {}
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    return path


RESPONSE_SETS = {
    "no row in a success sector": lambda d: write_csv(
        d / "a_pre.csv", [["", "Leeds", "Parks", "pre", "5", "5"]]
    ),
    "no sector column": lambda d: write_csv(
        d / "a_pre.csv", [["Leeds", "pre", "5", "6"]], header="authority,phase,q2,q3_1"
    ),
    "only local-authority staff": lambda d: write_csv(
        d / "a_pre.csv", [["x1", "Leeds", "Local authority", "pre", "5", "5"]]
    ),
    "header-only CSV alone": lambda d: write_csv(d / "a_pre.csv", []),
    "no usable row at all": lambda d: write_csv(d / "a_pre.csv", [["", "Leedz", "VCS", "pre", "5", "5"]]),
    ".sav with numeric authority codes": lambda d: _sav_numeric_authorities(d / "a.sav", labelled=False),
}


@pytest.mark.parametrize("name", list(RESPONSE_SETS))
def test_tables_are_built_from_any_response_set(tmp_path, name):
    path = RESPONSE_SETS[name](tmp_path)
    tables, log = t.response_tables([path])
    s = tables["survey_responses.csv"]
    v = fmt.programme_vocabulary()
    cells = len(v.items) * (len(v.authorities) + 1) * (len(v.report_sectors) + 1) * len(v.phase_ids)
    assert len(s) == cells  # every cell, zeros included
    assert (s["base_n"] >= 0).all() and tables["response_files.csv"]["rows_read"].iloc[0] >= 0


def test_build_of_a_header_only_csv_writes_zero_bases(tmp_path):
    responses = tmp_path / "responses"
    responses.mkdir()
    write_csv(responses / "a_pre.csv", [])
    processed = tmp_path / "processed"
    evaluation.build(evaluation.RAW_DIR, processed, tmp_path / "out", responses_dir=responses)
    s = pd.read_csv(processed / "survey_responses.csv")
    assert (s["base_n"] == 0).all() and s["value"].isna().all()


def test_sav_numeric_authority_codes_read_through_their_labels(tmp_path):
    path = _sav_numeric_authorities(tmp_path / "a.sav", labelled=True)
    s = t.response_tables([path])[0]["survey_responses.csv"]
    assert cell(s)["base_n"] == 1 and cell(s, phase="post")["base_n"] == 1
    assert cell(s, authority="barnet")["confident_n"] == 0 and cell(s, authority="barnet")["base_n"] == 1


# ---------------------------------------------------------------- SPSS value labels


def test_spss_codes_are_the_answer_whatever_the_labels_say(tmp_path):
    labels = {
        1.0: "Not confident",
        2.0: "Slightly unconfident",
        3.0: "Somewhat unconfident",
        4.0: "Neither",
        5.0: "Somewhat confident",
        6.0: "Fairly confident",
        7.0: "Very confident",
        8.0: "Don't know",
        99.0: "Refused",
    }
    codes = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 99.0]
    frame = pd.DataFrame({"authority": "Leeds", "phase": "pre", ITEMS[0]: codes})
    path = tmp_path / "labelled.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={ITEMS[0]: labels})
    cleaned = r.clean_responses([path])
    assert cleaned.responses[ITEMS[0]].tolist() == [1, 2, 3, 4, 5, 6, 7, 0, 0]
    assert "response_invalid_answer" not in set(cleaned.issues["check"])  # 8 and 99 are missing answers


# ---------------------------------------------------------------- written forms


@pytest.mark.parametrize("text, value", [("5,0", 5), ("6,00", 6), ("Very Confident (7)", 7), ("(3)", 3)])
def test_decimal_comma_and_label_with_number_in_brackets(text, value):
    assert fmt.parse_answer(text)[:2] == (fmt.ANSWERED, value)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Not at all confident (7)", "number and label disagree (7 vs 'not at all confident')"),
        ("5,5", "not a whole point of the 1-7 scale"),
        ("1,000", "not an answer on the 1-7 scale"),
    ],
)
def test_ambiguous_forms_are_refused_with_the_reason(text, reason):
    assert fmt.parse_answer(text) == (fmt.INVALID, 0, reason)


@pytest.mark.parametrize("text", ["Refused", "NaN", "#N/A", "nan", "Prefer not to answer"])
def test_refusals_and_spreadsheet_blanks_are_missing(text):
    assert fmt.parse_answer(text) == (fmt.MISSING, 0, "")


def test_phase_and_sector_synonyms(tmp_path):
    rows = [
        ["a", "Leeds", "VCSE", "Before the workshop", "5", "5"],
        ["b", "Leeds", "Third sector", "Time 1", "5", "5"],
        ["c", "Leeds", "CC", "Baseline survey", "5", "5"],
        ["d", "Leeds", "vcse", "After the workshop", "5", "5"],
        ["e", "Leeds", "VCS", "Time 2", "5", "5"],
        ["f", "Leeds", "VCS", "Before and after", "5", "5"],  # names both sides: unknown, logged
    ]
    cleaned = r.clean_responses([write_csv(tmp_path / "a.csv", rows)])
    data = cleaned.responses.set_index("ref")
    assert data["phase"].astype(str).to_dict() == {
        "a": "pre",
        "b": "pre",
        "c": "pre",
        "d": "post",
        "e": "post",
    }
    assert data["sector"].astype(str).tolist() == ["vcs", "vcs", "childrens_centres", "vcs", "vcs"]
    unknown = cleaned.issues[cleaned.issues["check"] == "response_unknown_phase"]
    assert unknown[["value", "row"]].values.tolist() == [["Before and after", "7"]]


# ---------------------------------------------------------------- the log and the bytes


def test_quality_log_cells_fit_a_spreadsheet_cell(tmp_path):
    n = 30_000  # every other row invalid: a plain list would run to ~200,000 characters
    rows = [["", "Leeds", "VCS", "pre", "8" if i % 2 else "5", "5"] for i in range(n)]
    log = r.clean_responses([write_csv(tmp_path / "big_pre.csv", rows)]).issues
    invalid = log[log["check"] == "response_invalid_answer"]
    assert len(invalid) > 1 and invalid["row"].str.len().max() < 32_000
    listed = [int(x) for cell in invalid["row"] for x in cell.split(", ")]
    assert listed == [i + 2 for i in range(n) if i % 2]
    # Consecutive rows are written as ranges.
    rows = [["", "Leeds", "VCS", "pre", "8", "5"]] * 3 + [
        ["", "Leeds", "VCS", "pre", "5", "5"],
        ["x", "Leeds", "VCS", "pre", "8", "5"],
    ]
    log = r.clean_responses([write_csv(tmp_path / "b_pre.csv", rows)]).issues
    assert log.loc[log["check"] == "response_invalid_answer", "row"].tolist() == ["2-4, 6"]


def test_processed_bytes_do_not_depend_on_the_folder_location(tmp_path):
    first = tmp_path / "one" / "responses"
    first.mkdir(parents=True)
    write_csv(first / "a_pre.csv", [["", "Leeds", "Leedz", "pre", "5", "9"]])
    write_csv(first / "a_post.csv", [["", "Leeds", "VCS", "post", "6", "6"]])
    second = tmp_path / "elsewhere" / "deeper" / "responses"
    shutil.copytree(first, second)
    built = []
    for folder in (first, second):
        tables, log = t.response_tables(reading.response_files(folder))
        built.append([to_csv_bytes(x) for x in (*tables.values(), log)])
    assert built[0] == built[1]
    assert set(t.response_tables(reading.response_files(first))[0]["response_files.csv"]["file"]) == {
        "a_pre.csv",
        "a_post.csv",
    }


# ---------------------------------------------------------------- every cell, and the cut-point


def test_every_authority_sector_phase_has_a_row(tmp_path):
    vocab = fmt.programme_vocabulary()
    s = t.response_tables([write_csv(tmp_path / "a_pre.csv", [["", "Leeds", "VCS", "pre", "6", "2"]])])[0][
        "survey_responses.csv"
    ]
    expected = {
        (a, sec, p, it.item)
        for a in ["", *vocab.authorities]
        for sec in ["all", *vocab.report_sectors]
        for p in vocab.phase_ids
        for it in vocab.items
    }
    assert set(zip(s["authority_id"], s["sector"], s["phase"], s["item"], strict=True)) == expected
    assert len(s) == len(expected)
    kent = cell(s, authority="kent")
    assert kent["base_n"] == 0 and kent["confident_n"] == 0 and np.isnan(kent["value"])
    assert cell(s)["base_n"] == 1 and cell(s, phase="post")["base_n"] == 0
    assert cell(s, sector="vcs")["value"] == 1.0 and cell(s, authority="")["base_n"] == 1


def test_cut_point_is_defined_per_scale(tmp_path):
    assert fmt.programme_vocabulary().confident_from == 5 == fmt.confident_from()
    assert [fmt.default_cut_point(s) for s in ((1, 7), (1, 5), (0, 10), (1, 4))] == [5, 4, 6, 3]
    text = evaluation.PROJECT_ROOT.joinpath("data/definition.yaml").read_text(encoding="utf-8")
    assert "    confident_from: 5\n" in text
    path = tmp_path / "definition.yaml"
    path.write_text(text.replace("    confident_from: 5\n", "    confident_from: 6\n"), encoding="utf-8")
    assert load_programme(path).response_confident_from == 6
    path.write_text(text.replace("    confident_from: 5\n", "    confident_from: 9\n"), encoding="utf-8")
    with pytest.raises(Exception, match="confident_from"):
        load_programme(path)
