"""Sentences that were wrong for another programme (each with the case that broke it): the KPI
extremes when nothing fell, the guidance's ticks when some rows print them, raw stage ids in the
themes table, the quality log's unphased sector counts, case-study groups in the definition's order,
"1 authorities", "so far?." and a name with markup sorted first A to Z."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from lib import programme
from lib.analysis import results
from lib.report import authority_page, workbook
from lib.report import kpis as kpis_section
from lib.report import programme as programme_page
from lib.report.format import sentence
from lib.run import site
from lib.sources.survey_log import base_unstated_text


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return workbook.load_workbook(evaluation_build.processed)


def _kpis(changes: list[tuple[str, float, float]]) -> pd.DataFrame:
    """Rows shaped like ``results_kpis``, each direction under the plan's 2-point tolerance."""
    frame = pd.DataFrame(
        [{"kpi": m, "kpi_label": "Reach", "measure_label": m, "pct_from": a * 100, "pct_to": b * 100}
         for m, a, b in changes]
    )  # fmt: skip
    frame["change_pts"] = frame["pct_to"] - frame["pct_from"]
    frame["direction"] = [results.direction(c, 2) for c in frame["change_pts"]]
    return frame


def test_kpi_extremes_name_a_fall_only_when_a_kpi_fell():
    rising = _kpis([("Satisfied", 0.74, 0.81), ("Confident", 0.50, 0.52)])
    assert kpis_section.kpi_extremes_sentence(rising) == (
        "The largest rise was in 'Satisfied' for 'Reach' (74% to 81%); none fell."
    )
    mixed = _kpis([("Satisfied", 0.74, 0.81), ("Confident", 0.50, 0.40)])
    assert kpis_section.kpi_extremes_sentence(mixed) == (
        "The largest rise was in 'Satisfied' for 'Reach' (74% to 81%); "
        "the largest fall in 'Confident' for 'Reach' (50% to 40%)."
    )
    falling = _kpis([("Confident", 0.50, 0.40)])
    assert kpis_section.kpi_extremes_sentence(falling) == (
        "The largest fall was in 'Confident' for 'Reach' (50% to 40%); none rose."
    )
    assert kpis_section.kpi_extremes_sentence(_kpis([("Same", 0.5, 0.5)])) == "None rose or fell."


def test_the_guidance_ticks_sentence_counts_the_rows_that_print_them():
    assert programme_page.guidance_ticks(12, 5) == (
        "The guidance also ticks which commissioning stages each suggestion serves: 7 of its 12 rows "
        "print their ticks; the other 5 lost them in the source, so for those rows the link to a stage "
        "is unrecorded."
    )
    assert "every row lost its ticks" in programme_page.guidance_ticks(5, 5)
    assert "lost" not in programme_page.guidance_ticks(5, 0)


def test_the_themes_table_names_stages_in_readers_words(wb):
    ticked = pd.Series(["planning;assessing_need", "unrecorded"])
    assert programme_page.stage_labels(wb, ticked) == (
        "Assessing need; Planning how to use the resources; not recorded"
    )
    assert programme_page.stage_labels(wb, pd.Series(["unrecorded"])) == "not recorded (the ticks were lost)"
    html = str(programme_page.themes_section(wb))
    assert ">unrecorded<" not in html and "Checklist items (003)" in html  # the number from the data


def test_the_quality_log_says_when_the_sector_counts_equal_a_phase_total():
    assert base_unstated_text(198, {"pre": 212, "post": 198}, ["pre", "post"]) == (
        "sector counts are given without a phase; their sum (198) equals the post (198) total, "
        "but the source does not say which phase they count"
    )
    assert base_unstated_text(164, {"pre": 154, "post": 165}, ["pre", "post"]) == (
        "sector counts are given without a phase; their sum (164) matches neither the pre (154) "
        "nor the post (165) total"
    )


def test_case_study_groups_keep_the_definitions_order(evaluation_build):
    impacts = evaluation_build.tables["case_study_impacts"]
    order = [g.id for g in programme.current_programme().case_study_groups]
    for _, rows in impacts.groupby("authority_id", sort=False):
        groups = rows["group"].tolist()
        assert groups == sorted(groups, key=order.index)
    assert impacts["group"].tolist()[:3] == ["vcs", "local_authorities", "childrens_centres"]


def test_one_authority_is_singular(wb):
    leeds = wb.authorities[wb.authorities["authority_id"] == "leeds"]  # placed in the first year only
    one = workbook.Workbook({**wb.tables, "authorities": leeds}, wb.processed_dir)
    text = str(programme_page.participation_overview(one))
    assert "1 authorities" not in text
    assert "The documents place 1 authority in 2011-12 and 0 authorities in 2012-13." in text


def test_a_question_ending_in_a_question_mark_is_not_followed_by_a_full_stop(wb):
    assert sentence("How has it gone so far?") == "How has it gone so far?"
    assert sentence("Ends here") == "Ends here."
    asked = dataclasses.replace(
        wb.programme,
        profile_questions=(
            *wb.programme.profile_questions,
            dataclasses.replace(
                wb.programme.profile_questions[-1], id="so_far", label="How has it gone so far?"
            ),
        ),
    )
    changed = workbook.Workbook(dict(wb.tables), wb.processed_dir)
    changed.__dict__["programme"] = asked
    html = str(authority_page.profile(changed, "leeds"))
    assert "How has it gone so far?</p>" in html and "?." not in html


def test_a_name_with_markup_sorts_by_its_letters():
    names = {"ynys-mon": "Ynys Môn", "script": "<Script> District", "ceredigion": "Ceredigion", "a": "Ångel"}
    assert site.a_to_z(names) == ["a", "ceredigion", "script", "ynys-mon"]
    frame = pd.DataFrame({"authority_id": list(names), "authority": list(names.values())})
    wb = workbook.Workbook({"authorities": frame}, None)
    assert wb.authorities_a_to_z()["authority"].tolist() == [
        "Ångel",
        "Ceredigion",
        "<Script> District",
        "Ynys Môn",
    ]
