"""The programme page's coded-answers section: shares on exact bases counted again
from the codes files, Wilson intervals from statsmodels, kappa from statsmodels,
disagreements listed, low kappa flagged, and the section's absence or one line."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa
from statsmodels.stats.proportion import proportion_confint

from lib import evaluation
from lib.report import coded_answers, pages, workbook
from lib.sources import free_text
from tests import _free_text as ft

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
THEMES = [t for t, _ in free_text.coding_frame()]


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    """Two coders over the first 40 answers; 'cd' disagrees with 'ab' on every 5th one."""
    root = tmp_path_factory.mktemp("coded")
    ft.write_responses(root / "responses")
    processed = ft.build(root, root / "responses", root / "none")
    answers = ft.answers(processed).head(40)
    rows = {"ab": [], "cd": []}
    for i, aid in enumerate(answers["answer_id"]):
        ab = {THEMES[i % 3], THEMES[3]} if i % 2 else {THEMES[i % 3]}
        cd = ab ^ {THEMES[4]} if i % 5 == 0 else ab
        for coder, ticked in (("ab", ab), ("cd", cd)):
            rows[coder] += [
                ("2026-02-01T09:00:00Z", aid, t, "yes" if t in ticked else "no", "") for t in THEMES
            ]
    for coder, found in rows.items():
        ft.write_codes(root / "codes" / f"{coder}.csv", found)
    processed = ft.build(root, root / "responses", root / "codes")
    return workbook.load_workbook(processed), answers, rows


def _plain(markup) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(markup))).replace("&#39;", "'")


def test_shares_match_a_count_of_the_codes_files(coded):
    wb, answers, rows = coded
    codes = pd.DataFrame(
        [(c, *r) for c, found in rows.items() for r in found],
        columns=["coder", "at", "answer_id", "theme", "applies", "note"],
    )
    agreed = codes.groupby(["answer_id", "theme"])["applies"].agg(lambda s: (s == "yes").all()).reset_index()
    for question in set(answers["question"]):
        ids = set(answers.loc[answers["question"] == question, "answer_id"])
        mine = agreed[agreed["answer_id"].isin(ids)]
        shares = coded_answers.theme_shares(wb, question).set_index("theme")
        for theme in THEMES:
            k = int(mine.loc[mine["theme"] == theme, "applies"].sum())
            n = len(ids)
            assert (shares.loc[theme, "k"], shares.loc[theme, "n"]) == (k, n)
            low, high = proportion_confint(k, n, method="wilson")
            assert shares.loc[theme, ["low", "high"]].tolist() == pytest.approx([low, high], abs=1e-9)


def test_section_prints_exact_bases_kappa_and_flags(coded):
    wb, answers, _ = coded
    text = _plain(coded_answers.coded_answers_section(wb))
    assert text.lstrip().startswith(pages.PROGRAMME_PAGE.section("coded-answers").title)
    n = len(answers)
    assert f"Evaluators coded {n} of the" in text
    table = coded_answers.agreement_table(wb).set_index("Theme")
    labels = dict(free_text.coding_frame())
    # theme 4: cd flips it on every 5th answer and ab never ticks it -> kappa 0, flagged
    assert table.loc[labels[THEMES[4]], "Cohen's kappa"] == "0.00"
    assert table.loc[labels[THEMES[4]], "Review"] == "below 0.6: review the theme"
    assert table.loc[labels[THEMES[0]], "Cohen's kappa"] == "1.00"
    ab_yes = np.zeros(n, bool)
    cd_yes = np.array([i % 5 == 0 for i in range(n)])
    cross = pd.crosstab(ab_yes, cd_yes).reindex(index=[False, True], columns=[False, True], fill_value=0)
    assert float(table.loc[labels[THEMES[4]], "Cohen's kappa"]) == pytest.approx(
        sm_kappa(cross.to_numpy()).kappa
    )
    assert "1 theme with kappa below 0.6 is flagged" in text
    assert f"The coders disagree on {len(range(0, n, 5))} answers" in text
    assert "ticked by cd, not by ab" in text


def test_quotes_pass_disclosure_control(coded, monkeypatch):
    wb, _, _ = coded
    question = free_text.free_text_questions()[0][0]
    quotes = coded_answers.theme_quotes(wb, question, THEMES[0])
    assert 1 <= len(quotes) <= 2
    monkeypatch.setenv("EVAL_DISCLOSURE_THRESHOLD", "100000")
    assert coded_answers.theme_quotes(wb, question, THEMES[0]) == []
    assert "[c]" in _plain(coded_answers.coded_answers_section(wb))


def test_no_free_text_means_no_section(tmp_path):
    evaluation.build(
        evaluation.RAW_DIR, tmp_path / "processed", tmp_path / "outputs", tmp_path / "none", tmp_path / "none"
    )
    wb = workbook.load_workbook(tmp_path / "processed")
    assert str(coded_answers.coded_answers_section(wb)) == ""


def test_answers_without_codes_say_so_in_one_line(tmp_path):
    ft.write_responses(tmp_path / "responses")
    processed = ft.build(tmp_path, tmp_path / "responses", tmp_path / "none")
    n = len(ft.answers(processed))
    text = _plain(coded_answers.coded_answers_section(workbook.load_workbook(processed)))
    assert text.strip().endswith(
        f"The response files hold {n} free-text answers; none has been coded against the themes yet."
    )
