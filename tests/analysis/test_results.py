"""lib/analysis/results.py: every judgement computed once, checked against the documents'
own figures (004 § 2.2, § 4.1; 002 § 6), statsmodels and the evaluation plan."""

from __future__ import annotations

import re

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, power_proportions_2indep

from lib.analysis import results, verdicts
from lib.analysis.results_schemas import RESULTS_SCHEMAS
from lib.programme import current_programme


@pytest.fixture(scope="module")
def res(evaluation_build):
    return results.compute_results(evaluation_build.tables)


def _row(res, comparison_id):
    c = res["results_comparisons"]
    return c[c["comparison_id"] == comparison_id].iloc[0]


def test_understanding_56_to_81_on_the_stated_bases_154_and_165(res):
    r = _row(res, "understanding:understand_co_production:all")
    assert (r["pct_pre"], r["pct_post"], r["base_pre"], r["base_post"]) == (56, 81, 154, 165)
    low, high = confint_proportions_2indep(round(0.81 * 165), 165, round(0.56 * 154), 154, method="newcomb")
    assert r["ci_low_pts"] == pytest.approx(low * 100) and r["ci_high_pts"] == pytest.approx(high * 100)
    assert r["clear_of_chance"] and r["direction"] == "higher" and r["verdict"] == verdicts.SUPPORTED


def test_understanding_series_only_one_of_three_clear_at_both_ends(res):
    """Today's chart subtitle said '3 of 3 changes significant'; at the low bases two intervals include 0."""
    c = res["results_comparisons"]
    rows = c[c["item"] == "understand_co_production"]
    assert len(rows) == 3 and int(rows["clear_of_chance"].sum()) == 1
    vcs = _row(res, "understanding:understand_co_production:vcs")
    assert vcs["ci_low_pts_low_base"] < 0 < vcs["ci_low_pts"]  # clear at the central bases only


def test_minimum_detectable_difference_has_80_percent_power_in_statsmodels(res):
    for cid in ("impacts:deliver_users_needs:vcs", "understanding:understand_co_production:all"):
        r = _row(res, cid)
        p1, n1, n2 = r["pct_pre"] / 100, int(r["base_pre"]), int(r["base_post"])
        got = power_proportions_2indep(r["mdd_pts"] / 100, p1, n2, ratio=n1 / n2, alpha=0.05).power
        assert got == pytest.approx(0.80, abs=0.005)
        n = int(r["base_for_target"])
        at = power_proportions_2indep(0.10, p1, n, ratio=1, alpha=0.05).power
        below = power_proportions_2indep(0.10, p1, n - 1, ratio=1, alpha=0.05).power
        assert at >= 0.80 - 1e-6 > below - 0.002


def test_directions_use_the_plans_tolerance(res):
    """A 1-point fall is 'about the same' (within 2 points), not 'lower'; 80% -> 81% likewise."""
    assert _row(res, "impacts:deliver_users_needs:vcs")["direction"] == "about the same"
    k = res["results_kpis"]
    assert k[(k["pct_from"] == 80) & (k["pct_to"] == 81)]["direction"].tolist() == ["about the same"]
    assert k["direction"].value_counts().to_dict() == {"higher": 3, "about the same": 2, "lower": 1}


def test_impact_counts_by_sector_and_the_success_verdict(res):
    c = res["results_comparisons"]
    impacts = c[c["question"] == "impacts"]
    by = {
        s: impacts[impacts["sector"] == s]["direction"].value_counts().to_dict()
        for s in ("vcs", "childrens_centres")
    }
    assert by["vcs"] == {"higher": 6, "about the same": 3}
    assert by["childrens_centres"] == {"higher": 7, "about the same": 2}
    s = res["results_success"].set_index("criterion_id")
    row = s.loc["positive_attitudes"]
    assert (row["n_comparisons"], row["n_higher"], row["n_same"], row["n_lower"], row["n_clear"]) == (
        18,
        13,
        5,
        0,
        0,
    )
    # no rise is clear of chance: never "higher after the workshops", never stronger than its weakest leg
    assert row["verdict"] == row["headline"] == verdicts.DIRECTION_ONLY
    # the plan judges only what the sources state as success (002 § 2), not every aim (004 § 1)
    assert list(s.index) == ["positive_attitudes"]


def test_design_rating_is_level_1_of_5_on_the_wwcleg_version(res):
    d = res["results_design"].iloc[0]
    assert (d["scale"], d["level"], d["level_max"]) == ("Maryland Scientific Methods Scale", 1, 5)
    assert "What Works Centre for Local Economic Growth" in d["scale_version"]
    assert (
        "before-and-after comparison of treated group, without an untreated comparison group"
        in d["level_text"]
    )


def test_findings_confidence_follows_the_rubric(res):
    f = res["results_findings"].set_index("finding_id")
    assert set(f["confidence"]) <= {"high", "moderate", "low", "very low"}
    # the claim audit's counts depend on the tolerance (caveat C8): not 'high'
    assert (
        f.loc["claims", "confidence"] == "moderate" and "reading rule" in f.loc["claims", "confidence_reason"]
    )
    assert f.loc["success", "confidence"] == "very low"
    # 56% -> 81%: clear of chance and large (raised), but the before and after groups are not the
    # same people (caveat C1) and the measure is a 1-7 self-rating with an unstated cut-off
    # (caveat C4): low, down two, up one
    understanding = f.loc["understanding"]
    assert understanding["confidence"] == "very low"
    assert "caveat C1" in understanding["confidence_reason"]
    assert "caveat C4" in understanding["confidence_reason"]
    assert "raised:" in understanding["confidence_reason"]


LEVELS = ("high", "moderate", "low", "very low")


def test_every_confidence_is_the_printed_rubric_applied_to_its_reason(res):
    """The level is the rubric's start moved one level per condition named in the reason, and
    every condition named is one the rubric prints (glossary, "How this evaluation judges")."""
    rubric = current_programme().plan.confidence_rubric
    printed = {"lowered": {e.text for e in rubric.lowered_by}, "raised": {e.text for e in rubric.raised_by}}
    tables = [res["results_findings"], res["results_success"]]
    for table in tables:
        for _, row in table.iterrows():
            first, *moves = re.split(r"; (lowered|raised): ", row["confidence_reason"])
            start = first.removeprefix("starts ").split(" (")[0]
            moves = [re.sub(r" \(here: [^)]*\)$", "", m) for m in moves]  # what the condition is here
            lowered = [text for kind, text in zip(moves[::2], moves[1::2], strict=True) if kind == "lowered"]
            raised = [text for kind, text in zip(moves[::2], moves[1::2], strict=True) if kind == "raised"]
            assert set(lowered) <= printed["lowered"] and set(raised) <= printed["raised"], first
            index = min(max(LEVELS.index(start) + len(lowered) - len(raised), 0), len(LEVELS) - 1)
            assert row["confidence"] == LEVELS[index], (row.get("finding_id"), row["confidence_reason"])


def test_no_change_is_rated_above_low_without_a_comparison_group(res):
    """The rubric's words: a finding on a measure that cannot show cause is at most 'low'."""
    plan = current_programme().plan
    assert not plan.design.comparison_group
    f = res["results_findings"]
    changes = f[f["confidence_reason"].str.startswith("starts low")]
    assert len(changes) >= 3
    assert set(changes["confidence"]) <= {"low", "very low"}


def test_verdict_rules_on_small_frames():
    def rows(*spec):
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "direction": d,
                    "clear_of_chance": c,
                    "verdict": verdicts.SUPPORTED if c else verdicts.DIRECTION_ONLY,
                }
                for d, c in spec
            ]
        )

    assert results.criterion_verdict(rows(("higher", True), ("higher", True))) == verdicts.SUPPORTED
    assert results.criterion_verdict(rows(("higher", True), ("higher", False))) == verdicts.PARTLY
    assert (
        results.criterion_verdict(rows(("higher", False), ("about the same", False)))
        == verdicts.DIRECTION_ONLY
    )
    assert results.criterion_verdict(rows(("lower", False), ("higher", False))) == verdicts.NOT_SUPPORTED
    assert results.direction(2.0, 2) == "about the same" and results.direction(2.01, 2) == "higher"


def _simulated(pre: int, post: int, n: int, *, base: bool = True) -> dict:
    """A comparison row from known counts out of ``n`` before and after, judged independently:
    statsmodels' Newcombe interval (the same at every base: the bases are known here)."""
    p1, p2 = pre / n, post / n
    low, high = confint_proportions_2indep(post, n, pre, n, method="newcomb")
    clear = bool(low > 0 or high < 0)
    return {
        "base_pre": n if base else float("nan"),
        "clear_of_chance": clear,
        "direction": results.direction(
            (p2 - p1) * 100, current_programme().plan.decision_rules.tolerance_points
        ),
        "mdd_pts": 20.0,
    }


def test_a_comparison_verdict_answers_did_the_share_rise():
    """Before: a change of 0 (or a clear fall) not clear of chance read 'direction only: could be
    chance', and a fall clear of chance read 'supported'."""
    plan = current_programme().plan
    same = results.comparison_verdict(_simulated(50, 50, 100), plan)
    assert same[0] == verdicts.NOT_SUPPORTED
    assert same[1].startswith("About the same: the change is within the plan's 2-point tolerance")
    fall = _simulated(400, 150, 500)
    assert fall["clear_of_chance"] and fall["direction"] == "lower"
    verdict, reason = results.comparison_verdict(fall, plan)
    assert verdict == verdicts.NOT_SUPPORTED and reason.startswith("Lower:")
    small_fall = results.comparison_verdict(_simulated(60, 50, 100), plan)
    assert small_fall[0] == verdicts.NOT_SUPPORTED and small_fall[1].startswith("Lower:")
    rise = _simulated(150, 400, 500)
    assert rise["clear_of_chance"] and results.comparison_verdict(rise, plan)[0] == verdicts.SUPPORTED
    weak = results.comparison_verdict(_simulated(50, 60, 100), plan)
    assert weak[0] == verdicts.DIRECTION_ONLY and weak[1].startswith("Higher, but")
    assert results.comparison_verdict(_simulated(50, 60, 100, base=False), plan)[0] == verdicts.UNTESTABLE
    # a reason that says which, never the detectable-change sentence alone
    for row in (_simulated(50, 50, 100), _simulated(60, 50, 100)):
        assert results.comparison_verdict(row, plan)[1].split(":")[0] in ("About the same", "Lower")


def test_the_about_the_same_impact_comparisons_are_not_direction_only(res):
    """The 5 impact ratings within the 2-point tolerance (VCS 0, +2, -1; children's centres -1, 0)
    do not point the claimed way: 'not supported', saying 'about the same'."""
    c = res["results_comparisons"]
    same = c[(c["question"] == "impacts") & (c["direction"] == "about the same")]
    assert sorted(same["change_pts"].round().astype(int)) == [-1, -1, 0, 0, 2]
    assert set(same["verdict"]) == {verdicts.NOT_SUPPORTED}
    assert same["reason"].str.startswith("About the same").all()
    rises = c[c["direction"] == "higher"]
    assert set(rises["verdict"]) <= {verdicts.SUPPORTED, verdicts.DIRECTION_ONLY}
    assert (rises["verdict"].eq(verdicts.SUPPORTED) == rises["clear_of_chance"].astype(bool)).all()


def test_what_the_bases_could_detect_spans_every_comparison_not_clear_of_chance(res):
    """The 'could only detect' range is over the success measure's comparisons that are tested and
    not clear of chance, the about-the-same ones included (children's centres' 'Ensure
    sustainability', -1, has the largest detectable change)."""
    c = res["results_comparisons"]
    rows = c[(c["question"] == "impacts") & ~c["clear_of_chance"]]
    assert results.could_be_chance(c).sum() == 20 and results.could_be_chance(rows).all()
    as_read = c.assign(clear_of_chance=c["clear_of_chance"].map({True: "true", False: "false"}))
    assert results.could_be_chance(as_read).equals(results.could_be_chance(c))
    s = res["results_success"].set_index("criterion_id").loc["positive_attitudes"]
    assert (s["mdd_min_pts"], s["mdd_max_pts"]) == (rows["mdd_pts"].min(), rows["mdd_pts"].max())
    top = rows.loc[rows["mdd_pts"].idxmax()]
    assert top["direction"] == "about the same" and s["verdict"] == verdicts.DIRECTION_ONLY


def test_written_tables_round_trip_through_their_schemas(evaluation_build):
    back = results.load_results(evaluation_build.processed)
    assert list(back) == list(RESULTS_SCHEMAS) == [n for n, _ in results.RESULTS]
    text = (evaluation_build.processed / "results_comparisons.csv").read_text(encoding="utf-8")
    assert ",true," in text and ",True," not in text
    assert results.results_current(evaluation_build.processed)


def test_plan_tolerance_changes_directions(evaluation_build):
    import dataclasses

    prog = current_programme()
    wider = dataclasses.replace(
        prog.plan, decision_rules=dataclasses.replace(prog.plan.decision_rules, tolerance_points=5)
    )
    out = results.compute_results(evaluation_build.tables, dataclasses.replace(prog, evaluation_plan=wider))
    assert out["results_kpis"]["direction"].value_counts()["about the same"] == 2
    c = out["results_comparisons"]
    assert (c[(c["change_pts"].abs() <= 5)]["direction"] == "about the same").all()


def test_data_readme_documents_every_results_table():
    from lib.analysis.results_schemas import results_schema_markdown
    from lib.config import PROJECT_ROOT

    text = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert results_schema_markdown() in text, "run: python -m lib.analysis schema-docs"
    for name in RESULTS_SCHEMAS:
        assert f"### `{name}.csv`" in text


def test_a_new_results_table_is_one_function_and_one_line(evaluation_build, monkeypatch):
    """A results table is one (name, function) line of the registry: results_claims is computed
    before the findings, which count whatever it holds."""
    import pandas as pd
    import pandera.pandas as pa

    def claims_table(inputs):
        return pd.DataFrame(
            {
                "claim_id": ["a", "b", "c"],
                "causal": [True, False, False],
                "verdict": ["supported", "cannot be tested", "cannot be tested"],
            }
        )

    registry = [(name, claims_table if name == "results_claims" else f) for name, f in results.RESULTS]
    monkeypatch.setattr(results, "RESULTS", tuple(registry))
    monkeypatch.setitem(RESULTS_SCHEMAS, "results_claims", pa.DataFrameSchema({"claim_id": pa.Column(str)}))
    out = results.compute_results(evaluation_build.tables)
    assert list(out)[-2:] == ["results_claims", "results_findings"]
    claims = out["results_findings"].set_index("finding_id").loc["claims", "headline"]
    assert (
        claims.startswith(
            "Of 3 claims checked, 1 is supported by the data and 2 cannot be tested at all; 1 of the 3 is causal"
        )
        and "2 cannot be tested" in claims
    )


def test_results_go_stale_when_a_processed_table_changes(evaluation_build, tmp_path):
    """lib.run rewrites the results before a batch exactly when their inputs changed."""
    import shutil

    from lib.analysis import results_stamp

    folder = tmp_path / "processed"
    shutil.copytree(evaluation_build.processed, folder)
    assert results_stamp.results_current(folder) and not results.ensure_results(folder)
    path = folder / "kpis.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",0.81,", ",0.91,", 1), encoding="utf-8")
    assert not results_stamp.results_current(folder)
    assert results.ensure_results(folder) and results_stamp.results_current(folder)
    k = results.load_results(folder)["results_kpis"]
    assert k[(k["pct_from"] == 80)]["pct_to"].tolist() == [91] and "higher" in set(k["direction"])
    (folder / "results_design.csv").unlink()
    assert not results_stamp.results_current(folder)


def test_a_finding_names_only_the_reading_rules_it_depends_on(res):
    """The evidence-matrix finding's reason named the 'about the same' tolerance and the causal rule,
    which have nothing to do with the matrix (one condition listed every rule there is)."""
    f = res["results_findings"].set_index("finding_id")
    evidence = f.loc["evidence", "confidence_reason"]
    assert "printed names are read as an authority" in evidence
    assert "tolerance" not in evidence and "causal" not in evidence
    claims = f.loc["claims", "confidence_reason"]
    assert "read as causal" in claims and "printed names" not in claims
    kpis = f.loc["kpis", "confidence_reason"]
    assert "causal" not in kpis and "printed names" not in kpis


def test_the_comparisons_schema_refuses_a_verdict_that_does_not_follow_its_direction(res):
    """The results contract: today's 'direction only' on an about-the-same row (or 'supported' on a
    clear fall) stops at the schema."""
    import pandera.errors

    schema = RESULTS_SCHEMAS["results_comparisons"]
    table = res["results_comparisons"]
    schema.validate(table)
    old = table.assign(
        verdict=table["verdict"].where(table["direction"] != "about the same", verdicts.DIRECTION_ONLY)
    )
    with pytest.raises(pandera.errors.SchemaError, match="follows its direction"):
        schema.validate(old)
    fall = table.copy()
    first = fall.index[0]
    fall.loc[first, ["direction", "clear_of_chance", "verdict"]] = ["lower", True, verdicts.SUPPORTED]
    with pytest.raises(pandera.errors.SchemaError, match="follows its direction"):
        schema.validate(fall)
