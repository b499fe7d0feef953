"""Recommendations follow from findings: each names the finding and figure it rests on, quotes
practice guidance only where the guidance says the same, and some say what to do about the programme."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lib import report
from lib.report import recommendations as rec


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return report.load_workbook(evaluation_build.processed)


@pytest.fixture(scope="module")
def recs(wb):
    return rec.recommendations(wb, report.key_findings(wb))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(html))).replace("&#39;", "'")


def test_each_recommendation_names_its_findings_and_figure(wb, recs):
    text = _text(report.programme_summary(wb))
    numbered = {f.key: i + 1 for i, f in enumerate(report.key_findings(wb))}
    for r in recs:
        assert r.figure and re.search(r"\d", r.figure)
        assert f"({r.figure})" in text
        assert all(k in numbered for k in r.rests_on)
    t = wb.results_success
    rose, strong = int(t["n_higher"].sum()), int(t["n_clear"].sum())
    decision = next(r for r in recs if r.rests_on == ("success",))
    assert f"{strong} of the {rose} rises clear of chance" in decision.figure


def test_some_recommendations_say_what_to_do_about_the_programme(recs):
    """Issue 19: all five recommendations were about evaluation method."""
    about = [r for r in recs if r.about == "programme"]
    assert about and any(r.about == "evaluation" for r in recs)
    decision = about[0]
    # No rise is clear of chance: the evidence does not allow scaling or stopping, and it says so.
    assert "does not allow a decision to scale it up or to stop it" in decision.text


def test_the_decision_follows_the_evidence(wb, monkeypatch):
    t = wb.results_success
    strong = t.assign(n_clear=t["n_higher"])
    monkeypatch.setattr(rec, "success_results", lambda _wb: strong)
    decision = rec.programme_decision(wb, {"success"})
    assert "continue it where it runs, but do not scale it up" in decision.text
    assert "association" in decision.text


def test_guidance_is_quoted_only_where_its_own_text_says_what_the_recommendation_says(wb, recs):
    """Before: one practice-guidance quote (the traffic-light system) was attached to 4 of 5
    recommendations, whatever they said."""
    quotes = [g for r in recs for g in r.guidance]
    assert len(quotes) == len(set(quotes))
    for r in recs:
        for g in r.guidance:
            quoted = g.split("\u201c", 1)[1].rstrip("\u201d").lower()
            shared = [p for p in ("open conversations", "key data") if p in quoted]
            assert shared and all(p in r.text.lower() for p in shared), (r.text, g)
    assert sum(1 for r in recs if r.guidance) < len(recs)


def test_a_suggestion_that_says_this_is_quoted_with_what_this_is(wb):
    """Before: 'Monitor this through regular listening activities ...' quoted alone, where 'this'
    is the key principle beside it (reciprocal arrangements between organisations)."""
    g = wb.guidance
    row = g[g["practice_suggestion"].str.startswith("Monitor this")].iloc[0]
    quote = rec.guidance_quote(row)
    assert quote.index("Develop reciprocal arrangements") < quote.index("Monitor this")
    plain = g[g["practice_suggestion"].str.startswith("Create opportunities")].iloc[0]
    assert "Establish a realistic" not in rec.guidance_quote(plain)


def test_a_rule_whose_guidance_phrase_is_not_in_its_own_text_stops(wb, monkeypatch):
    bad = rec.Rule("Do something else.", ("evidence",), "1 of 2", "evaluation", phrase="key data")
    monkeypatch.setattr(rec, "RULES", (lambda _wb, _keys: bad,))
    with pytest.raises(ValueError, match="guidance phrase 'key data' is not in its text"):
        rec.recommendations(wb, [pd.Series({"key": "evidence"})])


def test_the_decision_is_written_from_the_counts_and_the_verdict(wb, recs):
    """Before: 'The ratings were higher after the workshops, but no rise can be told from chance',
    beside 'a change clear of chance' two lines below, neither saying which comparisons it counts."""
    s = wb.results_success.iloc[0]
    c = wb.results_comparisons
    rows = c[(c["question"] == "impacts") & c["sector"].isin(["vcs", "childrens_centres"])]
    rises = rows[rows["direction"] == "higher"]
    decision = next(r for r in recs if r.rests_on == ("success",)).text
    assert "The ratings were higher after" not in decision
    assert (
        f"Of the {len(rows)} ratings on nine impacts of co-production (Q3) by children's centres and VCS "
        f"organisations that stand for its success measure, {s['n_higher']} were higher after the workshops, "
        f"{s['n_same']} about the same and {s['n_lower']} lower; none of the {len(rises)} rises is clear of "
        f"chance, so the verdict is \u201c{s['verdict']}\u201d" in decision
    )
    q1 = c[c["question"] == "understanding"]
    keep = next(r for r in recs if r.rests_on == ("understanding",)).text
    assert "Separately from the success measure" in keep
    assert (
        f"of the {len(q1)} ratings on understanding of co-production (Q1) for all respondents and by sector, "
        f"{int(q1['clear_of_chance'].sum())} are clear of chance" in keep
    )


def test_the_evidence_cells_are_the_evaluations_step_not_advice_to_the_programme(wb, recs):
    """Before: 'Keep the evidence record as key data ...' advised the programme because the extracted
    text lost the matrix's marks, with a traffic-light guidance line that says something else."""
    r = next(r for r in recs if r.rests_on == ("evidence",))
    assert r.about == "evaluation" and not r.guidance
    assert "original printed programme report or the programme's own evidence log" in r.text
    lost = int((wb.evidence["status"] == "unrecorded").sum())
    assert (
        r.figure == f"{lost} of {len(wb.evidence)} cells are still unknown after filling from other documents"
    )
    assert not any("traffic light" in g for x in recs for g in x.guidance)


def test_no_guidance_is_said_once_above_the_list(wb, recs):
    """Before: 'no practice guidance in the sources addresses this' after six of seven recommendations."""
    text = _text(report.programme_summary(wb))
    assert "no practice guidance in the sources addresses this" not in text
    unquoted = [r for r in recs if not r.guidance]
    said = "No practice guidance in the sources addresses these recommendations."
    assert text.count(said) == (1 if len(unquoted) == len(recs) else 0)
