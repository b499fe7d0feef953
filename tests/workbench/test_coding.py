"""The coding widget driven as an evaluator drives it: tick themes, add a note, save;
the codes file is appended (never rewritten), validates against its contract, is
read back by the next build, and the raw data and response files are untouched."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lib import evaluation
from lib.report import workbook
from lib.sources import free_text
from lib.workbench import coding
from tests import _free_text as ft

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
THEMES = [t for t, _ in free_text.coding_frame()]


def _hashes(*folders: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for f in folders
        for p in sorted(f.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("coding")
    ft.write_responses(root / "responses")
    return root, ft.build(root, root / "responses", root / "codes")


def _widget(processed: Path, codes: Path, coder: str = "") -> coding.CodingWidget:
    wb = workbook.load_workbook(processed)
    session = coding.CodingSession(ft.answers(processed))
    return coding.CodingWidget(wb, session, codes, coder)


def test_three_answers_coded_in_the_widget_are_saved_and_read_by_the_build(built, tmp_path):
    root, processed = built
    before = _hashes(evaluation.RAW_DIR, root / "responses")
    form = _widget(processed, tmp_path / "codes")
    answers = ft.answers(processed)
    form.themes[THEMES[0]].value = True
    form.save.click()  # no coder yet: refused, nothing written
    assert "enter your name or initials" in form.message.value and not (tmp_path / "codes").exists()
    form.coder.value = "A. B."
    assert form.session.store.path == tmp_path / "codes" / "a-b.csv"
    picks = [{THEMES[0]}, {THEMES[1], THEMES[2]}, set()]
    for ticked in picks:
        for theme, box in form.themes.items():
            box.value = theme in ticked
        form.note.value = "long\nanswer" if ticked == set() else ""
        form.save.click()
        assert "Saved 6 codes" in form.message.value
    assert "answer 4 of" in form.answer.value  # moved on after each save
    written = free_text.read_codes([tmp_path / "codes" / "a-b.csv"])
    assert len(written) == 3 * len(THEMES)
    for aid, ticked in zip(answers["answer_id"][:3], picks, strict=True):
        rows = written[written["answer_id"] == aid]
        assert set(rows.loc[rows["applies"] == "yes", "theme"]) == ticked
    assert set(written["note"]) == {"", "long answer"}
    assert _hashes(evaluation.RAW_DIR, root / "responses") == before
    rebuilt = ft.build(tmp_path, root / "responses", tmp_path / "codes")
    codes = free_text.load_free_text_tables(rebuilt)["free_text_codes"]
    assert sorted(codes.loc[codes["applies"], "theme"]) == sorted(THEMES[:3])


def test_saving_appends_and_the_latest_save_shows(built, tmp_path):
    _, processed = built
    store = coding.CodeStore(tmp_path, "ab")
    aid = ft.answers(processed)["answer_id"].iloc[0]
    store.save(aid, {THEMES[0]}, "first", when=datetime(2026, 1, 1, 9, tzinfo=UTC))
    first = store.path.read_bytes()
    store.save(aid, {THEMES[1]}, "second", when=datetime(2026, 1, 1, 10, tzinfo=UTC))
    assert store.path.read_bytes().startswith(first)  # append-only
    assert store.path.read_text().count("coded_at") == 1
    assert store.latest() == {aid: ({THEMES[1]}, "second")}
    form = _widget(processed, tmp_path, "ab")
    assert form.themes[THEMES[1]].value and not form.themes[THEMES[0]].value
    assert form.note.value == "second"
    form.show.value = coding.NOT_CODED
    assert aid not in form.answer.value and "answer 1 of" in form.answer.value
    assert form.previous.disabled


def test_bad_coder_name_and_theme_are_refused_in_one_line(built, tmp_path):
    _, processed = built
    with pytest.raises(coding.CodingError, match="enter your name"):
        coding.coder_name("  ")
    with pytest.raises(coding.CodingError, match="not a theme of the coding frame: nope"):
        coding.CodeStore(tmp_path, "ab").save(ft.answers(processed)["answer_id"].iloc[0], {"nope"})
    assert not (tmp_path / "ab.csv").exists()


def test_without_free_text_the_widget_says_why(tmp_path):
    evaluation.build(evaluation.RAW_DIR, tmp_path / "p", tmp_path / "o", tmp_path / "none", tmp_path / "none")
    shown = coding.coding_widget(tmp_path / "p", tmp_path / "codes")
    assert "No free-text answers to code" in shown.value
