"""Free-text answers read from the response files, and evaluators' codes read as a
validated source: the answers found again in the files, one line per bad code,
the latest save counting, and the agreement cross-tables counted by hand."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from lib import evaluation
from lib.sources import free_text, response_format, response_reading, synthetic
from tests import _free_text as ft

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
THEMES = [t for t, _ in free_text.coding_frame()]


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ft_responses")
    ft.write_responses(folder)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory, responses):
    root = tmp_path_factory.mktemp("ft_build")
    return ft.build(root, responses, root / "no-codes")


def test_every_answer_is_in_its_file_at_its_row(built, responses):
    answers = ft.answers(built)
    assert set(answers["question"]) == {q for q, _ in free_text.free_text_questions()}
    assert len(answers) > 100
    for (file, question), rows in answers.groupby(["file", "question"]):
        frame, fmt = response_reading.read_file(responses / file)
        offset = 1 if fmt == "sav" else 2
        written = frame[f"{question}_text"].tolist()
        for r in rows.itertuples():
            assert written[int(r.row) - offset].strip() == r.text


def test_answers_with_unknown_authority_are_left_out(built, responses):
    answers = ft.answers(built)
    misspelt = {
        synthetic.misspell(name) for name in response_format.programme_vocabulary().authorities.values()
    }
    left_out = 0
    for file in set(answers["file"]):
        frame, fmt = response_reading.read_file(responses / file)
        offset = 1 if fmt == "sav" else 2
        kept = {int(r) - offset for r in answers.loc[answers["file"] == file, "row"]}
        unknown = {i for i, name in enumerate(frame["authority"]) if name in misspelt}
        texts = frame[[c for c in frame.columns if c.endswith("_text")]].ne("").any(axis=1)
        left_out += sum(bool(texts.iloc[i]) for i in unknown)
        assert not kept & unknown
    assert left_out > 0  # the synthetic files do hold answers from misspelt authorities
    assert answers["answer_id"].is_unique


def test_answer_ids_are_stable_between_builds(built, responses, tmp_path):
    again = ft.build(tmp_path, responses, tmp_path / "no-codes")
    assert (again / "free_text_answers.csv").read_bytes() == (built / "free_text_answers.csv").read_bytes()


def test_no_codes_gives_empty_codes_and_agreement_tables(built):
    tables = free_text.load_free_text_tables(built)
    assert tables["free_text_codes"].empty and tables["free_text_agreement"].empty


def test_latest_save_counts_and_agreement_is_counted(built, responses, tmp_path):
    ids = ft.answers(built)["answer_id"].tolist()[:4]
    t0, t1 = "2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z"
    ab = [(t0, a, th, "yes" if th == THEMES[0] else "no", "") for a in ids for th in THEMES]
    # ab changes its mind on the first answer: the later save has theme 1 only
    ab += [(t1, ids[0], th, "yes" if th == THEMES[1] else "no", "second look") for th in THEMES]
    cd = [
        (t0, a, th, "yes" if th == THEMES[0] and a != ids[3] else "no", "") for a in ids[1:] for th in THEMES
    ]
    ft.write_codes(tmp_path / "codes" / "ab.csv", ab)
    ft.write_codes(tmp_path / "codes" / "cd.csv", cd)
    processed = ft.build(tmp_path, responses, tmp_path / "codes")
    tables = free_text.load_free_text_tables(processed)
    codes = tables["free_text_codes"]
    first = codes[(codes["coder"] == "ab") & (codes["answer_id"] == ids[0])]
    assert first.loc[first["applies"], "theme"].tolist() == [THEMES[1]]
    assert set(first["note"]) == {"second look"} and set(first["coded_at"]) == {t1}
    assert len(codes) == (4 + 3) * len(THEMES)
    agreement = tables["free_text_agreement"].set_index("theme")
    # both coded ids[1:]: ab ticks theme 0 on all three, cd on ids[1] and ids[2]
    assert agreement.loc[
        THEMES[0], ["n_answers", "both_yes", "first_only", "second_only", "both_no"]
    ].tolist() == [
        3,
        2,
        1,
        0,
        0,
    ]
    assert agreement.loc[THEMES[1], ["both_no"]].tolist() == [3]


def test_code_for_an_unknown_answer_is_logged_not_used(built, responses, tmp_path):
    ft.write_codes(tmp_path / "codes" / "ab.csv", [("2026-01-05T10:00:00Z", "0" * 12, THEMES[0], "yes", "")])
    processed = ft.build(tmp_path, responses, tmp_path / "codes")
    log = pd.read_csv(tmp_path / "outputs" / evaluation.QUALITY_LOG_NAME, dtype=str, keep_default_na=False)
    stray = log[log["check"] == "code_unknown_answer"]
    assert stray[["file", "row", "value"]].values.tolist() == [["codes/ab.csv", "2", "0" * 12]]
    assert free_text.load_free_text_tables(processed)["free_text_codes"].empty


def test_bad_codes_stop_the_build_with_one_line_each(built, responses, tmp_path):
    aid = ft.answers(built)["answer_id"].iloc[0]
    ft.write_codes(
        tmp_path / "codes" / "ab.csv",
        [
            ("2026-01-05T10:00:00Z", aid, "not_a_theme", "yes", ""),
            ("yesterday", aid, THEMES[0], "maybe", ""),
        ],
    )
    (tmp_path / "codes" / "Bad Name.csv").write_text(
        "coded_at,answer_id,theme,applies,note\n", encoding="utf-8"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.evaluation",
            "build",
            "--responses-dir",
            str(responses),
            "--codes-dir",
            str(tmp_path / "codes"),
            "--processed-dir",
            str(tmp_path / "processed"),
            "--outputs-dir",
            str(tmp_path / "outputs"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    shown = str(tmp_path / "codes")
    assert f"error: {shown}/Bad Name.csv: value 'Bad Name.csv': expected a codes file named" in lines[0]
    assert lines[1].startswith(
        f"error: {shown}/ab.csv, row 2, column 'theme': value 'not_a_theme': expected one of"
    )
    assert (
        lines[2]
        == f"error: {shown}/ab.csv, row 3, column 'applies': value 'maybe': expected one of 'yes', 'no'"
    )
    assert lines[3] == (
        f"error: {shown}/ab.csv, row 3, column 'coded_at': value 'yesterday': "
        "expected a UTC time 'YYYY-MM-DDTHH:MM:SSZ'"
    )
    assert lines[-1].startswith("build stopped: 4 problem(s) in the raw data")
    assert not (tmp_path / "processed").exists()


def test_free_text_leaves_the_other_synthetic_columns_unchanged():
    plain = synthetic.generate(2, 30, seed=5)
    with_text = synthetic.generate(2, 30, seed=5, free_text=True)
    added = [f"{q}_text" for q, _ in free_text.free_text_questions()]
    pd.testing.assert_frame_equal(with_text.drop(columns=added), plain)
    assert all(with_text[c].ne("").mean() > 0.2 for c in added)
