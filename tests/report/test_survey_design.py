"""The respondent section with a stronger design: a comparison group gives the
difference in differences with its 95% interval, the parallel-trends assumption
with the groups' baselines, and a design rating above the before/after level.

Expected figures are recomputed here from the processed counts with the
textbook formulas (the four shares; the variance of a difference in
differences of independent samples is the sum of the four binomial variances;
1.959964 is the 97.5% normal quantile), not with the code under test.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lib import evaluation, programme
from lib.analysis import results
from lib.sources import response_tables as t
from lib.sources import synthetic

PROJECT_ROOT = Path(__file__).resolve().parents[2]
Z = 1.959964
ITEM = "understand_co_production"


def text_of(html: str) -> str:
    from html import unescape

    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def signed(x: float) -> str:
    points = round(x * 100)
    return f"{points:+d}" if points else "0"


def expected_did(tables, authority: str) -> tuple[float, float, float]:
    """The unlinked difference in differences from the processed counts, by hand."""
    s = tables["survey_responses"]
    mine = s[(s["authority_id"] == authority) & (s["item"] == ITEM) & (s["sector"] == "all")]
    counts = {(r.group, r.phase): (r.confident_n, r.base_n) for r in mine.itertuples()}
    shares = {key: k / n for key, (k, n) in counts.items()}
    estimate = (shares["participants", "post"] - shares["participants", "pre"]) - (
        shares["comparison", "post"] - shares["comparison", "pre"]
    )
    variance = sum(p * (1 - p) / counts[key][1] for key, p in shares.items())
    return estimate, estimate - Z * math.sqrt(variance), estimate + Z * math.sqrt(variance)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """Two authorities, half the respondents in a comparison group, no references (unlinked)."""
    root = tmp_path_factory.mktemp("compared")
    df = synthetic.generate(2, 300, seed=21, linked_share=0.0, mess=False, comparison_share=0.5)
    synthetic.write_files(df, root / "resp", ("csv",))
    evaluation.build(evaluation.RAW_DIR, root / "processed", root / "o", responses_dir=root / "resp")
    results.write_results(root / "processed")
    return root / "processed", t.load_response_tables(root / "processed")


def test_the_section_prints_the_difference_in_differences_and_the_baselines(compared):
    from lib import report
    from lib.report import survey_responses as section

    processed, tables = compared
    wb = report.load_workbook(processed)
    for authority, name in (("barnet", "Barnet"), ("", "the programme")):
        html = section.authority_survey(wb, authority) if authority else section.programme_survey(wb)
        text = text_of(html)
        estimate, low, high = expected_did(tables, authority)
        size = f"{round(abs(estimate) * 100)} points {'larger' if estimate > 0 else 'smaller'} than"
        assert f"among participants was {size} among the comparison group" in text
        assert (
            f"difference in differences {signed(estimate)} points, 95% CI {signed(low)} to {signed(high)}"
            in text
        )
        assert "the parallel-trends assumption" in text and "What this design still cannot show" in text
        s = tables["survey_responses"]
        pre = s[
            (s["authority_id"] == authority)
            & (s["item"] == ITEM)
            & (s["sector"] == "all")
            & (s["phase"] == "pre")
        ].set_index("group")
        for group, words in (("participants", "participants"), ("comparison", "in the comparison group")):
            share = round(pre.at[group, "confident_n"] / pre.at[group, "base_n"] * 100)
            assert f"{share}% of {pre.at[group, 'base_n']} {words}" in text, (name, group)
        assert "have no comparison group" not in text


def test_without_a_comparison_group_the_section_keeps_its_before_after_words(tmp_path):
    from lib import report
    from lib.report import survey_responses as section

    df = synthetic.generate(1, 60, seed=7, mess=False)
    synthetic.write_files(df, tmp_path / "resp", ("csv",))
    evaluation.build(evaluation.RAW_DIR, tmp_path / "p", tmp_path / "o", responses_dir=tmp_path / "resp")
    results.write_results(tmp_path / "p")
    text = text_of(section.authority_survey(report.load_workbook(tmp_path / "p"), "barnet"))
    assert "The before and after surveys have no comparison group" in text
    assert "difference in differences" not in text.casefold()


# ---------------------------------------------------------------- end to end


def write_programme(folder: Path) -> Path:
    """A synthetic programme: this programme's folder copied, its evaluation plan
    claiming a comparison group and rating designs on the WWCLEG (2016) scale."""
    shutil.copytree(programme.definition_path().parent, folder)
    path = folder / "plan.yaml"
    plan = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    plan["design"] = {
        **(plan.get("design") or {}),
        "summary": "Participants and a comparison group answered before and after the workshops.",
        "comparison_group": True,
        "linked_respondents": False,
        "kind": "comparison",
    }
    plan.setdefault(
        "rating_scale",
        {
            "name": "Maryland Scientific Methods Scale",
            "version": "What Works Centre for Local Economic Growth (2016)",
            "source": "Guide to scoring evidence using the Maryland Scientific Methods Scale",
            "levels": {"unlinked": 1, "linked": 1, "comparison": 3, "linked_comparison": 3},
            "level_max": 5,
            "level_text": {
                1: "a before and after comparison without a comparison group",
                3: "before and after against a comparison group argued to be similar",
            },
        },
    )
    path.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    return folder / "definition.yaml"


@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_a_programme_with_a_comparison_group_renders_its_rating_and_estimate(tmp_path):
    definition = write_programme(tmp_path / "programme")
    df = synthetic.generate(2, 300, seed=21, linked_share=0.0, mess=False, comparison_share=0.5)
    synthetic.write_files(df, tmp_path / "resp", ("csv",))
    env = {
        **os.environ,
        programme.PROGRAMME_ENV_VAR: str(definition),
        "EVAL_RESPONSES_DIR": str(tmp_path / "resp"),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    processed = tmp_path / "processed"
    for args in (
        ["lib.evaluation", "build", "--processed-dir", str(processed), "--outputs-dir", str(tmp_path / "o")],
        [
            "lib.run",
            "--processed-dir",
            str(processed),
            "--output-dir",
            str(tmp_path / "site"),
            "--authorities",
            "barnet",
            "--timeout",
            "300",
            "--fork-kernels",
            "--quiet",
        ],
    ):
        done = subprocess.run(
            [sys.executable, "-m", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=800,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    tables = t.load_response_tables(processed)
    page = text_of((tmp_path / "site" / "html" / "programme.html").read_text(encoding="utf-8"))
    assert (
        "Design: before/after survey with a comparison group. On the Maryland Scientific Methods Scale "
        "(What Works Centre for Local Economic Growth (2016)) this is level 3 of 5" in page
    )
    assert "the response data confirm it" in page
    estimate, low, high = expected_did(tables, "")
    assert (
        f"difference in differences {signed(estimate)} points, 95% CI {signed(low)} to {signed(high)}" in page
    )
    barnet = text_of((tmp_path / "site" / "html" / "barnet.html").read_text(encoding="utf-8"))
    estimate, low, high = expected_did(tables, "barnet")
    assert (
        f"difference in differences {signed(estimate)} points, 95% CI {signed(low)} to {signed(high)}"
        in barnet
    )
    assert "SYNTHETIC DATA" in page


def test_linked_groups_use_each_groups_paired_change(tmp_path):
    """With references linking most people, each group's change is measured on its
    linked people (paired variance), and the difference in differences follows."""
    from lib import report
    from lib.report import survey_responses as section

    df = synthetic.generate(1, 400, seed=5, linked_share=1.0, mess=False, comparison_share=0.5)
    synthetic.write_files(df, tmp_path / "resp", ("csv",))
    evaluation.build(evaluation.RAW_DIR, tmp_path / "p", tmp_path / "o", responses_dir=tmp_path / "resp")
    results.write_results(tmp_path / "p")
    tables = t.load_response_tables(tmp_path / "p")
    pairs = tables["survey_response_pairs"]
    mine = pairs[(pairs["authority_id"] == "barnet") & (pairs["item"] == ITEM) & (pairs["sector"] == "all")]
    changes = {}
    for r in mine.itertuples():  # paired change (c - b) / n, variance ((b + c) - (c - b)^2 / n) / n^2
        b, c, n = r.before_only, r.after_only, r.pairs_n
        changes[r.group] = ((c - b) / n, ((b + c) - (c - b) ** 2 / n) / n**2)
    estimate = changes["participants"][0] - changes["comparison"][0]
    half = Z * math.sqrt(changes["participants"][1] + changes["comparison"][1])
    text = text_of(section.authority_survey(report.load_workbook(tmp_path / "p"), "barnet"))
    assert (
        f"difference in differences {signed(estimate)} points, 95% CI {signed(estimate - half)} to "
        f"{signed(estimate + half)}" in text
    )
    assert f"paired: {mine.set_index('group').at['participants', 'pairs_n']} people answered both" in text
    from lib.analysis import design

    assert design.design_from_groups(tables["survey_response_groups"]).design == "linked_comparison"
    assert "Design: " in text_of(section.programme_survey(report.load_workbook(tmp_path / "p")))
