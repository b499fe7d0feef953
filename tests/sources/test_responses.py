"""Respondent-level survey data: reading, cleaning, aggregation,
the build hook, the synthetic generator and the authority report."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from lib import evaluation
from lib.analysis.results import write_results
from lib.sources import response_format as fmt
from lib.sources import response_reading as reading
from lib.sources import response_tables as t
from lib.sources import responses as r
from lib.sources import synthetic

ITEMS = ["understand_co_production", "extend_service_reach"]


def write_csv(
    path,
    rows,
    header="respondent_ref,authority,sector,phase,understand_co_production,extend_service_reach",
    sep=",",
    bom=False,
    crlf=False,
):
    lines = [header.replace(",", sep)] + [sep.join(row) for row in rows]
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    path.write_bytes(text.encode("utf-8-sig" if bom else "utf-8"))
    return path


# ---------------------------------------------------------------- answers


@pytest.mark.parametrize(
    "text, value",
    [
        ("7", 7),
        ("7.0", 7),
        (" 7 ", 7),
        ("7 - Very confident", 7),
        ("Very confident", 7),
        ("Seven", 7),
        ("seven", 7),
        ("1 - Not at all confident", 1),
        ("Not at all confident", 1),
        ("3", 3),
        ("5.00", 5),
    ],
)
def test_likert_spellings_become_integers(text, value):
    assert fmt.parse_answer(text)[:2] == (fmt.ANSWERED, value)


@pytest.mark.parametrize(
    "text", ["", "   ", "Don't know", "don’t know", "N/A", "n/a", "Not applicable", "DK"]
)
def test_dont_know_na_and_blank_are_missing_not_zero(text):
    assert fmt.parse_answer(text) == (fmt.MISSING, 0, "")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("8", "outside the 1-7 scale"),
        ("0", "outside the 1-7 scale"),
        ("77", "outside the 1-7 scale"),
        ("6.5", "not a whole point of the 1-7 scale"),
        ("maybe", "not an answer on the 1-7 scale"),
        ("Eight", "outside the 1-7 scale"),
        ("3 - Very confident", "number and label disagree (3 vs 'very confident')"),
    ],
)
def test_out_of_range_and_unparseable_are_invalid(text, reason):
    assert fmt.parse_answer(text) == (fmt.INVALID, 0, reason)


# ---------------------------------------------------------------- cleaning


def test_messy_file_cleaned_and_logged(tmp_path):
    f = write_csv(
        tmp_path / "wave_pre.csv",
        [
            ["A1", "Leeds", "VCS", "before", "7 - Very confident", "Seven"],
            ["A2", "leeds city council", "Children's centres", "pre", "Don't know", " 3 "],
            ["A3", "Leedz", "VCS", "pre", "6", "6"],  # unknown authority
            ["A4", "N.E.Lincs", "Voluntary sector", "pre", "8", "N/A"],  # out of range
            ["A5", "Leeds", "Parks dept", "pre", "5", ""],  # unknown sector
            ["A1", "Leeds", "VCS", "before", "7 - Very confident", "Seven"],  # exact duplicate
            ["A2", "Leeds", "VCS", "pre", "2", "2"],  # reference repeated in phase
        ],
    )
    cleaned = r.clean_responses([f])
    data = cleaned.responses.set_index("ref")
    assert sorted(data.index) == ["a1", "a2", "a4", "a5"]
    assert data.loc["a1", ITEMS].tolist() == [7, 7]
    assert data.loc["a2", ITEMS].tolist() == [0, 3]  # Don't know stays missing (0 = no usable answer)
    assert (
        data.loc["a2", "authority_id"] == "leeds"
        and data.loc["a4", "authority_id"] == "north-east-lincolnshire"
    )
    assert data.loc["a4", "sector"] == "vcs" and pd.isna(data.loc["a5", "sector"])
    log = cleaned.issues.set_index("check")
    unknown = log.loc["response_unknown_authority"]
    assert (unknown["value"], unknown["row"]) == ("Leedz", "4")
    assert unknown["issue"] == "unknown authority; closest known: Leeds"
    invalid = log.loc["response_invalid_answer"]
    assert (invalid["row"], invalid["column"], invalid["value"], invalid["issue"]) == (
        "5",
        "understand_co_production",
        "8",
        "outside the 1-7 scale",
    )
    assert log.loc["response_unknown_sector", "issue"].startswith("unknown sector; closest known")
    dup = log.loc["response_duplicate"]
    assert dup["row"] == "7" and dup["issue"].endswith("wave_pre.csv, row 2")
    rep = log.loc["response_repeated_reference"]
    assert rep["row"] == "8" and "earliest kept" in rep["issue"] and rep["issue"].endswith("row 3")
    assert cleaned.files.iloc[0][["rows_read", "rows_used"]].tolist() == [7, 4]


def test_bases_exclude_missing_and_invalid(tmp_path):
    f = write_csv(
        tmp_path / "x_pre.csv",
        [
            ["", "Leeds", "VCS", "pre", "7", "1"],
            ["", "Leeds", "VCS", "pre", "Don't know", "5"],
            ["", "Leeds", "VCS", "pre", "9", "6"],
            ["", "Leeds", "VCS", "pre", "4", ""],
        ],
    )
    tables, _ = t.response_tables([f])
    s = tables["survey_responses.csv"]
    row = s[
        (s["authority_id"] == "leeds") & (s["item"] == "understand_co_production") & (s["sector"] == "all")
    ].iloc[0]
    assert (row["base_n"], row["confident_n"], row["value"]) == (2, 1, 0.5)  # 7 and 4 only
    assert row["basis"] == "exact base from response data"
    prog = s[(s["authority_id"] == "") & (s["item"] == "extend_service_reach") & (s["sector"] == "all")].iloc[
        0
    ]
    assert (prog["base_n"], prog["confident_n"]) == (3, 2)


def test_confident_cut_point_is_a_setting(tmp_path, monkeypatch):
    f = write_csv(
        tmp_path / "x_pre.csv", [["", "Leeds", "VCS", "pre", "5", "6"], ["", "Leeds", "VCS", "pre", "6", "6"]]
    )
    monkeypatch.setenv(fmt.CONFIDENT_FROM_ENV_VAR, "6")
    s = t.response_tables([f])[0]["survey_responses.csv"]
    assert s.loc[s["item"] == "understand_co_production", "confident_n"].iloc[0] == 1
    assert s["note"].iloc[0] == "confident = 6 or above on the 1-7 scale"


def test_phase_from_file_name_and_separators(tmp_path):
    f = write_csv(
        tmp_path / "leeds_post_export.csv",
        [["B1", "Leeds", "VCS", "6", "7"]],
        header="ref;authority;sector;understand_co_production;q3_1",
        sep=";",
        bom=True,
        crlf=True,
    )
    data = r.clean_responses([f]).responses
    assert data["phase"].tolist() == ["post"] and data[ITEMS].iloc[0].tolist() == [6, 7]


def test_paired_counts_link_references(tmp_path):
    pre = write_csv(
        tmp_path / "a_pre.csv",
        [
            ["P1", "Leeds", "VCS", "pre", "3", "3"],
            ["P2", "Leeds", "VCS", "pre", "6", "6"],
            ["", "Leeds", "VCS", "pre", "6", "6"],
        ],
    )
    post = write_csv(
        tmp_path / "a_post.csv",
        [["p1", "Leeds", "VCS", "post", "6", "2"], ["P2", "Leeds", "VCS", "post", "6", "6"]],
    )
    pairs = t.response_tables([pre, post])[0]["survey_response_pairs.csv"]
    row = pairs[
        (pairs["authority_id"] == "leeds")
        & (pairs["item"] == "understand_co_production")
        & (pairs["sector"] == "all")
    ].iloc[0]
    assert row[["pairs_n", "both", "before_only", "after_only", "neither"]].tolist() == [2, 1, 0, 1, 0]


def test_three_formats_read_alike(tmp_path):
    df = synthetic.generate(2, 20, seed=3)
    synthetic.write_files(df, tmp_path / "csv", ("csv",))
    synthetic.write_files(df, tmp_path / "xlsx", ("xlsx",))
    synthetic.write_files(df, tmp_path / "sav", ("sav",))
    results = {
        fmt: t.response_tables(reading.response_files(tmp_path / fmt))[0]["survey_responses.csv"]
        for fmt in ("csv", "xlsx", "sav")
    }
    key = ["authority_id", "item", "sector", "phase"]
    base = results["csv"].set_index(key)[["base_n", "confident_n"]]
    for kind in ("xlsx", "sav"):
        pd.testing.assert_frame_equal(
            results[kind].set_index(key)[["base_n", "confident_n"]], base, check_like=True
        )


@pytest.mark.slow
def test_unreadable_file_one_line_and_processed_untouched(tmp_path, evaluation_build):
    responses_dir = tmp_path / "responses"
    responses_dir.mkdir()
    (responses_dir / "broken.xlsx").write_bytes(b"not a spreadsheet")
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "marker.txt").write_text("old")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.evaluation",
            "build",
            "--processed-dir",
            str(processed),
            "--outputs-dir",
            str(tmp_path / "out"),
            "--responses-dir",
            str(responses_dir),
        ],
        capture_output=True,
        text=True,
        cwd=evaluation.PROJECT_ROOT,
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert re.fullmatch(
        r"error: .*broken\.xlsx: expected a usable response file \(cannot be read as XLSX: "
        r"File is not a zip file\)",
        lines[0],
    )
    assert lines[1].startswith("build stopped: 1 problem(s)")
    assert [p.name for p in processed.iterdir()] == ["marker.txt"]


def test_other_file_types_are_refused_not_skipped(tmp_path):
    write_csv(tmp_path / "a_pre.csv", [["", "Leeds", "VCS", "pre", "5", "5"]])
    (tmp_path / "old_export.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "README.md").write_text("notes")
    (tmp_path / "~$a_pre.xlsx").write_bytes(b"lock")
    with pytest.raises(reading.ResponseDataError) as err:
        r.clean_responses(reading.response_files(tmp_path))
    assert [str(p) for p in err.value.problems] == [
        f"{tmp_path / 'old_export.xls'}: expected a usable response file (unsupported file type '.xls'; "
        "expected .csv, .xlsx or .sav)"
    ]


@pytest.mark.slow
def test_real_build_unchanged_without_response_files(tmp_path, monkeypatch):
    # Reference: the real build with the response hook switched off entirely.
    monkeypatch.setattr(t, "add_response_tables", lambda build, directory, cut=None: build)
    reference = tmp_path / "reference"
    evaluation.build(evaluation.RAW_DIR, reference / "processed", reference / "outputs")
    monkeypatch.undo()
    empty = tmp_path / "responses"
    empty.mkdir()
    (empty / "README.md").write_text("not a response file")
    for directory in (None, empty, tmp_path / "absent"):  # None = the default data/raw/responses/
        run = tmp_path / f"run_{getattr(directory, 'name', 'default')}"
        evaluation.build(evaluation.RAW_DIR, run / "processed", run / "outputs", responses_dir=directory)
        for folder in ("processed", "outputs"):
            names = sorted(p.name for p in (reference / folder).iterdir())
            assert sorted(p.name for p in (run / folder).iterdir()) == names
            for name in names:
                assert (run / folder / name).read_bytes() == (reference / folder / name).read_bytes(), name


def test_synthetic_generator_refuses_data_raw(tmp_path):
    code = synthetic.main(["--out", str(evaluation.RAW_DIR / "responses")])
    assert code == 2 and not (evaluation.RAW_DIR / "responses").exists()
    assert synthetic.main(["--out", str(tmp_path / "s"), "--authorities", "2", "--respondents", "10"]) == 0
    assert {p.suffix for p in (tmp_path / "s").iterdir()} == {".csv", ".xlsx", ".sav"}


def test_generated_mess_is_found_and_logged(tmp_path):
    df = synthetic.generate(3, 60, seed=12)
    paths = synthetic.write_files(df, tmp_path, ("csv", "xlsx", "sav"))
    tables, log = t.response_tables(paths)
    assert {
        "response_duplicate",
        "response_repeated_reference",
        "response_unknown_authority",
        "response_invalid_answer",
    } <= set(log["check"])
    unknown = log[log["check"] == "response_unknown_authority"]
    assert unknown["issue"].str.fullmatch(r"unknown authority; (closest known: \w.*|no close match)").all()
    assert (tables["response_files.csv"]["synthetic"] == "yes").all()
    assert len(tables["survey_response_pairs.csv"]) and (tables["survey_responses.csv"]["base_n"] >= 0).all()


def test_generator_is_seeded():
    a, b = synthetic.generate(2, 15, seed=5), synthetic.generate(2, 15, seed=5)
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- end to end


@pytest.mark.notebook
def test_end_to_end_authority_report_from_synthetic_responses(tmp_path):
    from lib.analysis import uncertainty
    from lib.analysis.paired import paired_difference
    from lib.run import batch

    synthetic.main(
        ["--out", str(tmp_path / "resp"), "--authorities", "3", "--respondents", "60", "--seed", "12"]
    )
    processed = tmp_path / "processed"
    evaluation.build(evaluation.RAW_DIR, processed, tmp_path / "o", responses_dir=tmp_path / "resp")
    tables = t.load_response_tables(processed)
    result = batch.run_batch(
        ["barnet", "kent"],
        include_programme=False,
        output_dir=tmp_path / "out",
        processed_dir=processed,
        timeout=180,
    )
    assert result.exit_code == 0
    html_dir = tmp_path / "out" / "html"
    page = (html_dir / "barnet.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # Exact bases and the share, from the processed table.
    s = tables["survey_responses"]
    cell = s[
        (s["authority_id"] == "barnet") & (s["item"] == "understand_co_production") & (s["sector"] == "all")
    ]
    pre, post = cell.set_index("phase").loc["pre"], cell.set_index("phase").loc["post"]
    assert f"{round(pre['value'] * 100)}% of {pre['base_n']} before the workshops" in text
    assert f"{pre['base_n']} / {post['base_n']}" in text
    low_pre, high_pre = uncertainty.wilson_interval(int(pre["confident_n"]), int(pre["base_n"]))
    assert f"{low_pre * 100:.0f}% to {high_pre * 100:.0f}%" in text
    # The paired interval, recomputed from the pairs table.
    p = tables["survey_response_pairs"]
    pr = p[
        (p["authority_id"] == "barnet") & (p["item"] == "understand_co_production") & (p["sector"] == "all")
    ].iloc[0]
    _, low, high = paired_difference(pr["both"], pr["before_only"], pr["after_only"], pr["neither"])
    assert f"paired: {pr['pairs_n']} people answered both" in text
    signed = lambda x: f"{round(float(x) * 100):+d}".replace("+0", "0")  # noqa: E731
    assert f"95% CI {signed(low)} to {signed(high)}" in text
    assert "[c]" in text or (s[s["authority_id"] == "barnet"]["base_n"] >= 10).all()
    # Kent has no response data: no survey section of its own, its survey source status in the summary.
    kent = (html_dir / "kent.html").read_text(encoding="utf-8")
    assert "own respondents" not in kent and "exact bases" not in kent
    assert "the attitude survey report names as the sources of its answers" in kent
    for name in ("barnet.html", "kent.html", "index.html"):
        assert "SYNTHETIC DATA" in (html_dir / name).read_text(encoding="utf-8"), name


def _section_text(tmp_path, **generate):
    from lib import report
    from lib.report import survey_responses as survey_section

    df = synthetic.generate(seed=7, mess=False, **generate)
    synthetic.write_files(df, tmp_path / "resp", ("csv",))
    processed = tmp_path / "processed"
    evaluation.build(evaluation.RAW_DIR, processed, tmp_path / "o", responses_dir=tmp_path / "resp")
    write_results(processed)  # the analysis step, as `make data` runs it
    wb = report.load_workbook(processed)
    html = survey_section.authority_survey(wb, "barnet")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)), t.load_response_tables(processed)


def test_section_unlinked_change_when_no_references(tmp_path):
    text, tables = _section_text(tmp_path, authorities=1, respondents=80, linked_share=0.0)
    assert "unlinked: before and after compared as separate groups" in text
    assert "Compared as separate groups (their answers are not linked)" in text
    assert tables["survey_response_pairs"].empty


def test_section_suppresses_small_bases(tmp_path):
    text, tables = _section_text(tmp_path, authorities=1, respondents=12, linked_share=0.5)
    s = tables["survey_responses"]
    small = s[(s["authority_id"] == "barnet") & (s["base_n"] < 10)]
    assert len(small) and "[c]" in text
    for row in small.itertuples():  # a share on fewer than 10 people is never printed with its base
        assert f"{round(row.value * 100)}% of {row.base_n} " not in text


def test_programme_section_figures_only_with_response_data(tmp_path, evaluation_build):
    from lib import report
    from lib.report import survey_responses as survey_section

    without = re.sub(
        r"\s+",
        " ",
        re.sub(
            r"<[^>]+>", " ", survey_section.programme_survey(report.load_workbook(evaluation_build.processed))
        ),
    )
    assert "No individual survey responses were available to this evaluation" in without
    assert "%" not in without  # one line, no figures
    text, tables = _section_text(tmp_path, authorities=2, respondents=40, linked_share=0.6)
    wb = report.load_workbook(tmp_path / "processed")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", survey_section.programme_survey(wb)))
    s = tables["survey_responses"]
    row = s[
        (s["authority_id"] == "")
        & (s["item"] == "understand_co_production")
        & (s["sector"] == "all")
        & (s["phase"] == "pre")
    ].iloc[0]
    assert f"{round(row['value'] * 100)}% of {row['base_n']} before the workshops" in page
    assert "by authority" in page and "Barnet" in page and "Bexley" in page


def test_council_names_match_by_the_generic_rules_as_in_the_raw_tables(tmp_path):
    # The usual council prefixes and suffixes are read as the authority they name,
    # by the same rules as the raw tables (lib.programme.names); a name that shares
    # nothing with any authority gets "no close match", not a misleading guess.
    f = write_csv(
        tmp_path / "wave_pre.csv",
        [
            ["B1", "Kent County Council", "VCS", "pre", "5", "5"],
            ["B2", "City of Westminster", "VCS", "pre", "5", "5"],
            ["B3", "London Borough of Greenwich", "VCS", "pre", "5", "5"],
            ["B4", "LB Hillingdon", "VCS", "pre", "5", "5"],
            ["B5", "Knowsley MBC", "VCS", "pre", "5", "5"],
            ["B6", "Narnia", "VCS", "pre", "5", "5"],
        ],
    )
    cleaned = r.clean_responses([f])
    ids = cleaned.responses.set_index("ref")["authority_id"].to_dict()
    assert ids == {"b1": "kent", "b2": "westminster", "b3": "greenwich", "b4": "hillingdon", "b5": "knowsley"}
    unknown = cleaned.issues.set_index("check").loc["response_unknown_authority"]
    assert (unknown["value"], unknown["issue"]) == ("Narnia", "unknown authority; no close match")
