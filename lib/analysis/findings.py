"""The key findings, each with a confidence rated by the plan's rubric and its reason.

A finding starts at the level the rubric gives for what it rests on (a count
from the documents, or a measured change, as GRADE starts observational
evidence low), moves down one level for each condition that lowers it and up
one for each that raises it, and says which moved it. :func:`findings_table`
builds ``results_findings`` from the processed tables and the results tables
computed before it (``lib/analysis/results.py``).
"""

from __future__ import annotations

import pandas as pd

from lib.analysis.verdicts import SUPPORTED, UNTESTABLE
from lib.programme import Programme
from lib.programme.plan import CONFIDENCE_LEVELS, ConfidenceRubric

KIND_WORDS = {"count": "a count from the documents", "change": "a measured change"}


def level_label(level_id: str) -> str:
    """``very_low`` -> ``very low`` (the word readers see)."""
    return level_id.replace("_", " ")


#: A rubric condition: its id, or (id, what it is here), e.g. ("rule_dependence", "which
#: statements are read as causal"): the reason then says which rule, not every rule there is.
Condition = str | tuple[str, str]


def condition_words(rubric: ConfidenceRubric, group: str, condition: Condition) -> str:
    """The rubric's words for ``condition`` (``group``: lowered_by or raised_by), with what it is here."""
    cid, here = (condition, "") if isinstance(condition, str) else condition
    text = rubric.reason(group, cid)
    return f"{text} (here: {here})" if here else text


def rate(
    rubric: ConfidenceRubric, kind: str, lowered: list[Condition], raised: list[Condition]
) -> tuple[str, str]:
    """(confidence, reason): the rubric's start for ``kind``, down one level per
    ``lowered`` condition and up one per ``raised`` condition; the sum is held within the scale."""
    start = rubric.start(kind)
    index = CONFIDENCE_LEVELS.index(start) + len(lowered) - len(raised)
    level = CONFIDENCE_LEVELS[min(max(index, 0), len(CONFIDENCE_LEVELS) - 1)]
    parts = [f"starts {level_label(start)} ({KIND_WORDS[kind]})"]
    parts += [f"lowered: {condition_words(rubric, 'lowered_by', r)}" for r in lowered]
    parts += [f"raised: {condition_words(rubric, 'raised_by', r)}" for r in raised]
    return level_label(level), "; ".join(parts)


#: Which reading rule each kind of finding depends on (the rubric's rule_dependence, made specific).
TOLERANCE_RULE = "the 'about the same' tolerance of the evaluation plan"
CLAIM_RULES = f"{TOLERANCE_RULE}, and which statements are read as causal"
NAME_RULES = "which printed names are read as an authority, and where a short printed row's cells fall"


#: The caveats a before/after comparison carries (``caveat_ids`` of
#: :func:`lib.analysis.uncertainty.before_after_changes`) -> the rubric condition each names:
#: unlinked before and after groups (C1), a 1-7 rating with an unstated cut-off (C4).
CAVEAT_CONDITIONS: dict[str, str] = {"C1": "unlinked_groups", "C4": "indirectness"}


def change_conditions(
    rows: pd.DataFrame, changes: pd.DataFrame, plan, *, stands_in: bool = False
) -> tuple[list[str], list[str]]:
    """(lowered, raised): the rubric conditions that apply to a finding resting on some
    ``results_comparisons`` ``rows``. Imprecision unless every rise (every row, when none
    rose) is clear of chance at both ends; each condition a caveat of the rows names
    (:data:`CAVEAT_CONDITIONS`), or the design's own unlinked groups; indirectness also
    when the measure ``stands_in`` for the outcome; raised for a change clear of chance
    of at least the target (a single comparison only)."""
    rises = rows[rows["direction"] == "higher"]
    tested = rises if len(rises) else rows
    clear = bool(len(tested)) and bool(tested["clear_of_chance"].all())
    ids = set(rows["comparison_id"])
    keyed = changes.assign(_id=changes["question"] + ":" + changes["item"] + ":" + changes["sector"])
    caveats = {c for cell in keyed.loc[keyed["_id"].isin(ids), "caveat_ids"] for c in str(cell).split(";")}
    named = {CAVEAT_CONDITIONS[c] for c in caveats if c in CAVEAT_CONDITIONS}
    if not plan.design.linked_respondents:
        named.add("unlinked_groups")
    if stands_in:
        named.add("indirectness")
    lowered = ([] if clear else ["imprecision"]) + [
        e.id for e in plan.confidence_rubric.lowered_by if e.id in named
    ]
    big = (
        clear
        and len(rows) == 1
        and abs(float(rows["change_pts"].iloc[0])) >= plan.decision_rules.target_change_points
    )
    return lowered, (["large_change"] if big else [])


def _pts(x: float) -> str:
    value = round(x)
    return f"{value:+d}" if value else "0"


def _success(tables, results, changes, prog: Programme) -> dict | None:
    success = results["results_success"]
    measured = success[success["n_comparisons"] > 0]
    if measured.empty:
        return None
    s = measured.iloc[0]
    return {
        "finding_id": "success",
        "headline": (
            f"Against its own success measure the verdict is \u201c{s['verdict']}\u201d: ratings were higher "
            f"after than before on {s['n_higher']} of {s['n_comparisons']} before-and-after ratings, about the "
            f"same on {s['n_same']} and lower on {s['n_lower']}; {s['n_clear']} of the {s['n_higher']} rises "
            "are clear of chance at both ends of the base range."
        ),
        "detail": s["criterion"],
        "confidence": s["confidence"],
        "confidence_reason": s["confidence_reason"],
    }


def _understanding(tables, results, changes, prog: Programme) -> dict | None:
    c = results["results_comparisons"]
    items = [i.id for i in prog.understanding_items]
    rows = c[(c["sector"] == "all") & c["item"].isin(items[:1])]
    if rows.empty:
        return None
    r = rows.iloc[0]
    lowered, raised = change_conditions(rows, changes, prog.plan)
    confidence, reason = rate(prog.plan.confidence_rubric, "change", lowered, raised)
    moved = {"higher": "rose", "lower": "fell"}.get(r["direction"], "stayed about the same,")
    return {
        "finding_id": "understanding",
        "headline": (
            f"The share of respondents in the '{r['item_label']}' series {moved} from {r['pct_pre']:.0f}% to "
            f"{r['pct_post']:.0f}% ({_pts(r['change_pts'])} points, 95% interval {_pts(r['ci_low_pts'])} to "
            f"{_pts(r['ci_high_pts'])}); "
            + (
                "clear of chance at both ends of the base range."
                if r["clear_of_chance"]
                else "this could be chance."
            )
        ),
        "detail": r["reason"],
        "confidence": confidence,
        "confidence_reason": reason,
    }


def _claim_counts(results) -> tuple[int, int, int, int]:
    """(claims checked, supported, causal, cannot be tested) from ``results_claims``, which the
    analysis step computes before the findings."""
    table = results["results_claims"]
    causal = table["causal"].astype(str).str.lower().isin(["true", "1"])
    verdict = table["verdict"]
    return (
        len(table),
        int((verdict == SUPPORTED).sum()),
        int(causal.sum()),
        int((verdict == UNTESTABLE).sum()),
    )


def _claims(tables, results, changes, prog: Programme) -> dict | None:
    checked, supported, causal, untestable = _claim_counts(results)
    if not checked:
        return None
    confidence, reason = rate(prog.plan.confidence_rubric, "count", [("rule_dependence", CLAIM_RULES)], [])
    return {
        "finding_id": "claims",
        "headline": (
            f"Of {checked} claims checked, {supported} {'is' if supported == 1 else 'are'} supported by the "
            f"data; {causal} {'is' if causal == 1 else 'are'} causal, which this design cannot show; {untestable} "
            "cannot be tested at all."
        ),
        "detail": "",
        "confidence": confidence,
        "confidence_reason": reason,
    }


def _evidence(tables, results, changes, prog: Programme) -> dict | None:
    ev = tables["evidence"]
    if ev.empty:  # a programme without an evidence matrix
        return None
    lost = int((ev["status"] == "unrecorded").sum())
    inferred = int((ev["inferred"] == "yes").sum())
    # The inferred statuses rest on the inference rule and on reading names as authorities
    # (data/notes/caveats.md, cleaning inferences): a reading rule a reader could set differently.
    confidence, reason = rate(
        prog.plan.confidence_rubric, "count", [("rule_dependence", NAME_RULES)] if inferred else [], []
    )
    return {
        "finding_id": "evidence",
        "headline": (
            f"The programme's evidence matrix cannot show what was produced: {lost} of {len(ev)} cells cannot "
            f"be read in the source; {inferred} more are inferred from other documents."
        ),
        "detail": "",
        "confidence": confidence,
        "confidence_reason": reason,
    }


def _kpis(tables, results, changes, prog: Programme) -> dict | None:
    k = results["results_kpis"]
    if k.empty:
        return None
    counts = k["direction"].value_counts()
    y1, y2 = k["year_from"].iloc[0], k["year_to"].iloc[0]
    tol = prog.plan.decision_rules.tolerance_points
    # No base is published (imprecision); different authorities each year (unlinked groups); the
    # 'about the same' tolerance decides some directions (rule dependence, caveat C8).
    lowered: list[Condition] = ["imprecision", "unlinked_groups"]
    if int(counts.get("about the same", 0)):
        lowered.append(("rule_dependence", TOLERANCE_RULE))
    confidence, reason = rate(prog.plan.confidence_rubric, "change", lowered, [])
    return {
        "finding_id": "kpis",
        "headline": (
            f"Of {len(k)} percentage KPIs, {int(counts.get('higher', 0))} were higher in {y2} than in {y1}, "
            f"{int(counts.get('about the same', 0))} about the same (within {tol:g} points) and "
            f"{int(counts.get('lower', 0))} lower."
        ),
        "detail": "No base sizes are published and the years involved different authorities.",
        "confidence": confidence,
        "confidence_reason": reason,
    }


def _participation(tables, results, changes, prog: Programme) -> dict | None:
    a = tables["authorities"]
    unknown = int((a["years"] == "unrecorded").sum())
    facts = tables["case_study_facts"]
    withdrew = int(facts.loc[facts["fact"] == "withdrew", "authority_id"].nunique())
    confidence, reason = rate(prog.plan.confidence_rubric, "count", ["missing_data"] if unknown else [], [])
    tail = f", and {withdrew} {'authority' if withdrew == 1 else 'authorities'} withdrew before its workshop"
    return {
        "finding_id": "participation",
        "headline": (
            f"{len(a)} local authorities took part; for {unknown} no document states the year"
            + (tail if withdrew else "")
            + "."
        ),
        "detail": f"{unknown} of {len(a)} authorities' years are missing from the documents.",
        "confidence": confidence,
        "confidence_reason": reason,
    }


#: The key findings in the order the summary numbers them (each None when there is nothing to find).
FINDINGS = (_success, _understanding, _claims, _evidence, _kpis, _participation)


def findings_table(
    tables: dict[str, pd.DataFrame], results: dict[str, pd.DataFrame], changes: pd.DataFrame, prog: Programme
) -> pd.DataFrame:
    """``results_findings``: at most seven findings, each with its confidence and reason."""
    from lib.analysis.results_schemas import RESULTS_SCHEMAS

    rows = [f for f in (finding(tables, results, changes, prog) for finding in FINDINGS) if f][:7]
    frame = pd.DataFrame(rows)
    frame.insert(1, "order", range(1, len(frame) + 1))
    return frame.reindex(columns=list(RESULTS_SCHEMAS["results_findings"].columns))
