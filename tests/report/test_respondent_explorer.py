"""The respondent explorer: every control changes its view, the figures are the
reports' own (the programme page's respondent table), the minimum detectable
difference is lib.analysis.power's, a control that cannot apply is disabled
with its reason, and the view exports as CSV and PNG."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lib.analysis import power
from lib.report import explorer, survey_responses, workbook
from lib.report.facts import respondent_tables
from lib.sources import synthetic
from tests import _free_text as ft

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("respondents")
    ft.write_responses(root / "responses")
    wb = workbook.load_workbook(ft.build(root, root / "responses", root / "none"))
    return wb, explorer.RespondentExplorer(wb, respondent_tables(wb), root / "exports", workspace=False)


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_every_control_changes_the_view(built):
    _, ex = built
    for control in (ex.authority, ex.sector, ex.question, ex.phase):
        before = ex.view_html
        control.value = (
            control.options[-1][1] if control.value != control.options[-1][1] else control.options[0][1]
        )
        assert ex.view_html != before, control.description
        assert _plain(ex.view_html).lstrip().startswith("Showing:")
    ex.question.value = "impacts"
    assert not ex.item.disabled
    before = ex.view_html
    ex.item.value = ex.item.options[-1][1]
    assert ex.view_html != before


def test_a_control_that_cannot_apply_is_disabled_with_its_reason(built):
    _, ex = built
    ex.question.value = "understanding"
    assert ex.item.disabled and "Item: this question asks one item only." in ex.reasons.value
    ex.question.value = "impacts"
    assert not ex.item.disabled and "Item:" not in ex.reasons.value


def test_figures_are_the_reports_own(built):
    wb, ex = built
    ex.authority.value, ex.sector.value, ex.question.value, ex.phase.value = (
        "",
        "all",
        "understanding",
        "change",
    )
    page = _plain(str(survey_responses.programme_survey(wb)))
    _, rows, table = ex.current_view()
    row = table.iloc[0]
    for column in ("Before", "After", "Change (points)", "Change, 95% CI", "Bases (before / after, exact)"):
        assert row[column] in page, column
    expected = power.minimum_detectable_difference(
        rows["pre_k"].iloc[0] / rows["pre_n"].iloc[0], rows["pre_n"].iloc[0], rows["post_n"].iloc[0]
    )
    assert row[explorer.MDD_COLUMN] == f"{expected * 100:.0f}"


def test_small_bases_are_suppressed(built, monkeypatch):
    _, ex = built
    monkeypatch.setenv("EVAL_DISCLOSURE_THRESHOLD", "100000")
    ex.phase.value = "pre"
    ex.phase.value = "change"
    _, _, table = ex.current_view()
    assert set(table.iloc[0].drop(["Respondents", "Bases (before / after, exact)"])) == {"[c]"}


def test_the_view_exports_as_csv_and_png(built):
    _, ex = built
    ex.authority.value, ex.phase.value = ex.authority.options[1][1], "pre"
    caption, _, table = ex.current_view()
    csv_path = ex.export("csv")
    saved = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert saved.drop(columns="Showing").values.tolist() == table.values.tolist()
    assert saved["Showing"].iloc[0] == caption.removeprefix("Showing: ")
    png = ex.export("png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.name in ex.saved.value


def test_with_a_comparison_group_the_view_is_the_participants_as_in_the_reports(tmp_path):
    frame = synthetic.generate(ft.AUTHORITIES, ft.RESPONDENTS, seed=ft.SEED, comparison_share=0.4)
    synthetic.write_files(frame, tmp_path / "responses", formats=("csv",))
    wb = workbook.load_workbook(ft.build(tmp_path, tmp_path / "responses", tmp_path / "none"))
    tables = respondent_tables(wb)
    ex = explorer.RespondentExplorer(wb, tables, tmp_path / "exports", workspace=False)
    ex.authority.value, ex.sector.value, ex.question.value, ex.phase.value = (
        "",
        "all",
        "understanding",
        "change",
    )
    _, rows, table = ex.current_view()
    sr = tables["survey_responses"]
    own = sr[(sr["authority_id"] == "") & (sr["sector"] == "all") & (sr["question"] == "understanding")]
    assert set(own["group"]) == {"participants", "comparison"}  # both groups answered
    participants = own[own["group"] == "participants"].set_index("phase")["base_n"]
    assert rows[["pre_n", "post_n"]].values.tolist() == [[participants["pre"], participants["post"]]]
    page = _plain(str(survey_responses.programme_survey(wb)))
    assert table.iloc[0]["Bases (before / after, exact)"] in page
