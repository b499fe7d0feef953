"""lib/analysis/findings.py: each key finding says which comparisons it counts, names its own
confidence reasons and applies the plan's rubric the same way to every finding (funder review
A1, A6, A13; auditor minor points). Expected sentences are counted here from the results tables."""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pytest

from lib.analysis import findings, results
from lib.programme import current_programme


@pytest.fixture(scope="module")
def res(evaluation_build):
    return results.compute_results(evaluation_build.tables)


@pytest.fixture(scope="module")
def found(res):
    return res["results_findings"].set_index("finding_id")


def _criterion_rows(res, prog):
    """The success criterion's comparisons, recounted here from the plan's measures."""
    c = res["results_comparisons"]
    keep = pd.Series(False, index=c.index)
    for m in prog.plan.success_criteria[0].measures:
        keep |= (c["question"] == m.question) & c["sector"].isin(m.sectors)
    return c[keep]


def test_the_success_finding_names_the_ratings_it_counts(res, found):
    """Before: '0 of the 13 rises are clear of chance' beside '56% to 81% ... clear of chance', with
    no word of which comparisons either counts."""
    prog = current_programme()
    rows = _criterion_rows(res, prog)
    rises = rows[rows["direction"] == "higher"]
    clear = int(rises["clear_of_chance"].sum())
    impacts = next(q for q in prog.questions if q.id == "impacts")
    headline = found.loc["success", "headline"]
    label = impacts.explorer_label
    assert f"of the {len(rows)} ratings on {label[:1].lower()}{label[1:]}" in headline
    for label in rows["sector_label"].unique():
        assert label[:1].lower() + label[1:] in headline or label in headline
    n = rows["direction"].value_counts()
    assert (
        f"that stand for it, {n['higher']} were higher after than before, {n.get('about the same', 0)} about the "
        f"same and {n.get('lower', 0)} lower; "
        + (f"none of the {len(rises)} rises is" if clear == 0 else f"{clear} of the {len(rises)} rises")
        in headline
    )


def test_the_understanding_finding_is_scoped_apart_from_the_success_measure(res, found):
    c = res["results_comparisons"]
    q1 = c[c["question"] == "understanding"]
    headline = found.loc["understanding", "headline"]
    assert headline.startswith("Separately from the success measure, the share of all respondents")
    assert (
        f"; {int(q1['clear_of_chance'].sum())} of the {len(q1)} ratings on understanding of co-production (Q1) "
        "for all respondents and by sector are clear of chance." in headline
    )


def _lowered(reason: str) -> list[str]:
    return re.findall(r"lowered: (.*?)(?=; lowered: |; raised: |$)", reason)


def test_each_finding_names_its_own_reasons(found):
    """Before: 'lowered for the same 2 reasons as finding 1' when finding 1 gave three, and the KPI
    finding borrowed the survey's unlinked groups (C1) and 1-7 scale (C4)."""
    clauses = {fid: _lowered(r) for fid, r in found["confidence_reason"].items()}
    for (a, ca), (b, cb) in itertools.combinations(clauses.items(), 2):
        assert not set(ca) & set(cb), (a, b, set(ca) & set(cb))
    for fid in ("success", "understanding", "kpis"):
        assert clauses[fid] and all("(here: " in c for c in clauses[fid]), fid
    kpis = found.loc["kpis", "confidence_reason"]
    assert "caveat C1" not in kpis and "caveat C4" not in kpis and "1-7" not in kpis
    assert "here: no base is published for any of the 6 KPIs" in kpis


def test_the_rubric_lowers_every_finding_the_tolerance_decides(res, found):
    """Before: the KPI finding was lowered for the 'about the same' tolerance, the success finding
    (13 higher, 5 about the same) was not."""
    rows = _criterion_rows(res, current_programme())
    same = int((rows["direction"] == "about the same").sum())
    assert same
    reason = found.loc["success", "confidence_reason"]
    assert f"which reads {same} of the {len(rows)} as about the same" in reason
    assert "reading rule" in reason
    # and the success-measure section's confidence is the same reasoning, not recomputed
    assert res["results_success"]["confidence_reason"].iloc[0] == reason


def test_the_unlinked_groups_condition_says_the_groups_overlap():
    """C1: most respondents answered twice; the rubric said the groups 'are not the same'."""
    rubric = current_programme().plan.confidence_rubric
    text = rubric.reason("lowered_by", "unlinked_groups")
    assert "overlap but cannot be linked" in text and "not the same" not in text


def test_the_evidence_finding_is_a_limit_of_the_text_not_of_the_programme(evaluation_build, found):
    """Before: 'The programme's evidence matrix cannot show what was produced', for marks lost when
    the report was extracted to text."""
    ev = evaluation_build.tables["evidence"]
    lost = int((ev["status"] == "unrecorded").sum())
    printed = lost + int((ev["inferred"] == "yes").sum())
    headline = found.loc["evidence", "headline"]
    assert not headline.startswith("The programme's evidence matrix cannot show")
    assert (
        f"{printed} of the evidence matrix's {len(ev)} cells cannot be read in the text this evaluation had"
        in headline
    )
    assert f"leaving {lost} still unknown after filling from other documents." in headline
    assert "original printed report or the programme's own evidence log" in headline


def test_scope_words_on_small_frames():
    rows = pd.DataFrame(
        {
            "question": ["q3", "q3"],
            "sector": ["childrens_centres", "vcs"],
            "sector_label": ["Children's centres", "VCS organisations"],
        }
    )
    words = findings.scope_words(rows, {"q3": "Nine impacts (Q3)"})
    assert words == "the 2 ratings on nine impacts (Q3) by children's centres and VCS organisations"
    pooled = rows.assign(sector=["all", "vcs"], sector_label=["All respondents", "VCS organisations"])
    assert findings.scope_words(pooled.head(1), {}) == "the 1 rating on q3 for all respondents"


def test_one_change_not_clear_of_chance_is_said_not_to_be():
    """Before: a single comparison not clear of chance read 'lowered: ... (here: the change is clear of
    chance)', the opposite of why it was lowered."""
    plan = current_programme().plan
    rows = pd.DataFrame(
        {
            "comparison_id": ["q:i:all"],
            "direction": ["about the same"],
            "clear_of_chance": [False],
            "change_pts": [1.0],
            "sector": ["all"],
            "base_pre": [100],
            "base_post": [100],
        }
    )
    changes = pd.DataFrame({"question": ["q"], "item": ["i"], "sector": ["all"], "caveat_ids": [""]})
    lowered, raised = findings.change_conditions(rows, changes, plan)
    here = dict(lowered)
    assert here["imprecision"] == "the change is not clear of chance" and raised == []
    rows["clear_of_chance"], rows["direction"] = True, "higher"
    assert "imprecision" not in dict(findings.change_conditions(rows, changes, plan)[0])
