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

from lib.analysis.unreadable import LEFT_STAGE, PRINTED_STAGE, unreadable
from lib.analysis.verdicts import SUPPORTED, UNTESTABLE
from lib.programme import Programme, caveat_headings
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
#: The caveat on what a rating scale's points mean: named by the programme's own title for it.
SCALE_CAVEAT = "C4"


def _caveat_title(caveat_id: str) -> str:
    """The programme's own title of one of its caveats (its notes/caveats.md), first letter
    lowered for a clause; '' when it has none or the title holds a placeholder."""
    title = dict(caveat_headings()).get(caveat_id, "")
    if not title or "{{" in title:
        return ""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title  # "Q1 and Q3 ..." kept


#: The caveat on two similar-sounding series of one question (the understanding charts).
CAVEAT_SERIES = "C10"


def lower_first(label: str) -> str:
    """A label inside a sentence: ``Nine impacts`` -> ``nine impacts``; ``VCS organisations`` kept."""
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def scope_words(rows: pd.DataFrame, questions: dict[str, str]) -> str:
    """Which ``results_comparisons`` ``rows`` a count covers, in words: ``the 18 ratings of the
    nine impacts of co-production (Q3) by children's centres and VCS organisations``
    (``questions``: question id -> its label, e.g. the programme's ``explorer_label``)."""
    asked = _and([lower_first(questions.get(q, q)) for q in dict.fromkeys(rows["question"])])
    sectors = dict(zip(rows["sector"], rows["sector_label"], strict=False))
    groups = [lower_first(label) for sid, label in sectors.items() if sid != "all"]
    by_sector = " and by sector" if groups else ""
    who = f"for all respondents{by_sector}" if "all" in sectors else f"by {_and(groups)}"
    return f"the {len(rows)} rating{'' if len(rows) == 1 else 's'} on {asked} {who}"


def _span_words(values: pd.Series) -> str:
    low, high = round(float(values.min())), round(float(values.max()))
    return f"{low}" if low == high else f"{low} to {high}"


def _caveats(rows: pd.DataFrame, changes: pd.DataFrame) -> set[str]:
    ids = set(rows["comparison_id"])
    keyed = changes.assign(_id=changes["question"] + ":" + changes["item"] + ":" + changes["sector"])
    return {c for cell in keyed.loc[keyed["_id"].isin(ids), "caveat_ids"] for c in str(cell).split(";")}


def _cite(text: str, caveat: str, caveats: set[str]) -> str:
    return f"{text}, caveat {caveat}" if caveat in caveats else text


def _here_words(rows: pd.DataFrame, caveats: set[str], stands_in: bool, series: int) -> dict[str, str]:
    """What each rubric condition is for these ``rows``: the finding's own reasons, in words."""
    indirect = ["the ratings stand in for the success measure"] if stands_in else []
    scale = _caveat_title(SCALE_CAVEAT) if SCALE_CAVEAT in caveats else ""
    if scale:
        indirect.append(f"{scale}, caveat {SCALE_CAVEAT}")
    if series > 1:
        indirect.append(f"one of {series} similar-sounding series, caveat {CAVEAT_SERIES}")
    same = int((rows["direction"] == "about the same").sum())
    return {
        "imprecision": _cite(rises_clear_words(rows), "C3", caveats),
        "unlinked_groups": _cite(
            f"{_span_words(rows['base_pre'])} answers before and {_span_words(rows['base_post'])} after"
            + (", by sector," if rows["sector"].nunique() > 1 else "")
            + " that cannot be linked",
            "C1",
            caveats,
        ),
        "indirectness": ", ".join(indirect),
        "rule_dependence": f"{TOLERANCE_RULE}, which reads {same} of the {len(rows)} as about the same",
    }


def change_conditions(
    rows: pd.DataFrame, changes: pd.DataFrame, plan, *, stands_in: bool = False, series: int = 1
) -> tuple[list[Condition], list[Condition]]:
    """(lowered, raised): the rubric conditions that apply to a finding resting on some
    ``results_comparisons`` ``rows``, each with what it is here (the finding's own reasons).
    Imprecision unless every rise (every row, when none rose) is clear of chance at both ends;
    each condition a caveat of the rows names (:data:`CAVEAT_CONDITIONS`), or the design's own
    unlinked groups; indirectness also when the measure ``stands_in`` for the outcome or is one
    of ``series`` similar-sounding series; rule dependence when the 'about the same' tolerance
    decides some rows' direction; raised for a change clear of chance of at least the target
    (a single comparison only)."""
    rises = rows[rows["direction"] == "higher"]
    tested = rises if len(rises) else rows
    clear = bool(len(tested)) and bool(tested["clear_of_chance"].all())
    caveats = _caveats(rows, changes)
    named = {CAVEAT_CONDITIONS[c] for c in caveats if c in CAVEAT_CONDITIONS}
    if not clear:
        named.add("imprecision")
    if not plan.design.linked_respondents:
        named.add("unlinked_groups")
    if stands_in or series > 1:
        named.add("indirectness")
    if (rows["direction"] == "about the same").any():
        named.add("rule_dependence")
    here = _here_words(rows, caveats, stands_in, series)
    lowered: list[Condition] = [
        (e.id, here[e.id]) for e in plan.confidence_rubric.lowered_by if e.id in named
    ]
    target = plan.decision_rules.target_change_points
    change = float(rows["change_pts"].iloc[0]) if len(rows) else 0.0
    big = clear and len(rows) == 1 and abs(change) >= target
    raised: list[Condition] = [
        ("large_change", f"{change:+.0f} points, against the plan's target of {target:g}")
    ]
    return lowered, (raised if big else [])


def _pts(x: float) -> str:
    value = round(x)
    return f"{value:+d}" if value else "0"


def questions_of(prog: Programme) -> dict[str, str]:
    """Question id -> its label for a sentence (``Nine impacts of co-production (Q3)``)."""
    return {q.id: q.explorer_label or q.label for q in prog.questions}


def measure_rows(comparisons: pd.DataFrame, criterion) -> pd.DataFrame:
    """The comparisons that stand for one success criterion (its measures: question and sectors);
    the one rule the results tables, the findings and the pages apply."""
    keep = pd.Series(False, index=comparisons.index)
    for m in criterion.measures:
        keep |= (comparisons["question"] == m.question) & comparisons["sector"].isin(m.sectors)
    return comparisons[keep]


def rises_clear_words(rows: pd.DataFrame) -> str:
    """``none of the 13 rises is clear of chance``, from ``results_comparisons`` rows: the rises
    among them, or every change where none rose (``the change is not clear of chance`` for one)."""
    rises = rows[rows["direction"] == "higher"]
    tested, what = (rises, "rise") if len(rises) else (rows, "change")
    n = int(tested["clear_of_chance"].sum())
    if len(tested) == 1:
        return f"the {what} {'is' if n else 'is not'} clear of chance"
    return (
        f"{'none' if n == 0 else n} of the {len(tested)} {what}s {'is' if n <= 1 else 'are'} clear of chance"
    )


def _success(tables, results, changes, prog: Programme) -> dict | None:
    success = results["results_success"]
    measured = success[success["n_comparisons"] > 0]
    if measured.empty:
        return None
    s = measured.iloc[0]
    rows = measure_rows(results["results_comparisons"], prog.plan.criterion(s["criterion_id"]))
    return {
        "finding_id": "success",
        "headline": (
            f"Against its own success measure the verdict is \u201c{s['verdict']}\u201d: of "
            f"{scope_words(rows, questions_of(prog))} that stand for it, {s['n_higher']} were higher after "
            f"than before, {s['n_same']} about the same and {s['n_lower']} lower; {rises_clear_words(rows)} "
            "at both ends of the base range."
        ),
        "detail": s["criterion"],
        "confidence": s["confidence"],
        "confidence_reason": s["confidence_reason"],
    }


def _measured_for_success(prog: Programme, question: str) -> bool:
    return any(m.question == question for c in prog.plan.success_criteria for m in c.measures)


def _understanding(tables, results, changes, prog: Programme) -> dict | None:
    c = results["results_comparisons"]
    items = [i.id for i in prog.understanding_items]
    rows = c[(c["sector"] == "all") & c["item"].isin(items[:1])]
    if rows.empty:
        return None
    r = rows.iloc[0]
    lowered, raised = change_conditions(rows, changes, prog.plan, series=len(items))
    confidence, reason = rate(prog.plan.confidence_rubric, "change", lowered, raised)
    moved = {"higher": "rose", "lower": "fell"}.get(r["direction"], "stayed about the same,")
    question = c[c["question"] == r["question"]]
    n_clear = int(question["clear_of_chance"].sum())
    separately = "" if _measured_for_success(prog, r["question"]) else "Separately from the success measure, "
    share = f"the share of all respondents in the '{r['item_label']}' series"
    return {
        "finding_id": "understanding",
        "headline": (
            f"{separately}{share if separately else share[:1].upper() + share[1:]} {moved} from "
            f"{r['pct_pre']:.0f}% to {r['pct_post']:.0f}% ({_pts(r['change_pts'])} points, 95% interval "
            f"{_pts(r['ci_low_pts'])} to {_pts(r['ci_high_pts'])}), "
            + (
                "clear of chance at both ends of the base range"
                if r["clear_of_chance"]
                else "which could be chance"
            )
            + f"; {n_clear} of {scope_words(question, questions_of(prog))} "
            + f"{'is' if n_clear == 1 else 'are'} clear of chance."
        ),
        "detail": r["reason"],
        "confidence": confidence,
        "confidence_reason": reason,
    }


def _claim_counts(results) -> tuple[int, int, int, int, int]:
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
        int((causal & (verdict == UNTESTABLE)).sum()),
    )


def _claims(tables, results, changes, prog: Programme) -> dict | None:
    checked, supported, causal, untestable, causal_untestable = _claim_counts(results)
    if not checked:
        return None
    confidence, reason = rate(prog.plan.confidence_rubric, "count", [("rule_dependence", CLAIM_RULES)], [])
    return {
        "finding_id": "claims",
        "headline": (
            f"Of {checked} claims checked, {supported} {'is' if supported == 1 else 'are'} supported by the "
            f"data and {untestable} cannot be tested at all; {causal} of the {checked} "
            f"{'is' if causal == 1 else 'are'} causal"
            + (f" ({causal_untestable} of them cannot be tested)" if causal_untestable else "")
            + ", which this design cannot show."
        ),
        "detail": "",
        "confidence": confidence,
        "confidence_reason": reason,
    }


def _evidence(tables, results, changes, prog: Programme) -> dict | None:
    ev = tables["evidence"]
    if ev.empty:  # a programme without an evidence matrix
        return None
    u = unreadable(ev, prog.not_printed.printed)
    inferred = int((ev["inferred"] == "yes").sum())
    # The inferred statuses rest on the inference rule and on reading names as authorities
    # (data/notes/caveats.md, cleaning inferences): a reading rule a reader could set differently.
    confidence, reason = rate(
        prog.plan.confidence_rubric, "count", [("rule_dependence", NAME_RULES)] if inferred else [], []
    )
    why = [f"{u.blank} print blank"] if u.blank else []
    why += (
        [f"{u.not_printed} {'was' if u.not_printed == 1 else 'were'} never printed"] if u.not_printed else []
    )
    filled = (
        f"; {u.filled} of these {'is' if u.filled == 1 else 'are'} filled from other documents (an inference), "
        f"leaving {u.left} {LEFT_STAGE}"
        if u.filled
        else ""
    )
    return {
        "finding_id": "evidence",
        "headline": (
            f"{u.printed} of the evidence matrix's {u.cells} cells cannot be read {PRINTED_STAGE} "
            f"({' and '.join(why)}){filled}. "
            "This is a limit of the extracted text, not a finding about what the programme produced: the "
            "original printed report or the programme's own evidence log could settle those cells."
        ),
        "detail": prog.note("lost_glyph"),
        "confidence": confidence,
        "confidence_reason": reason,
    }


def kpi_extremes(k: pd.DataFrame) -> tuple[pd.Series | None, pd.Series | None]:
    """(largest rise, largest fall) of ``results_kpis``: rows beyond the tolerance (``higher``,
    ``lower``) with the largest change each way; None where no KPI moved that way."""
    up = k[k["direction"] == "higher"]
    down = k[k["direction"] == "lower"]
    return (
        up.loc[up["change_pts"].idxmax()] if len(up) else None,
        down.loc[down["change_pts"].idxmin()] if len(down) else None,
    )


def _both_years(tables, k: pd.DataFrame) -> int:
    """How many authorities the documents place in both KPI years (the years' groups overlap)."""
    a = tables["authorities"]
    years = [str(k["year_from"].iloc[0]), str(k["year_to"].iloc[0])]
    named = a["years"].astype(str).str.split(";")
    return int(named.map(lambda ys: all(y in ys for y in years)).sum())


def _kpis(tables, results, changes, prog: Programme) -> dict | None:
    k = results["results_kpis"]
    if k.empty:
        return None
    counts = k["direction"].value_counts()
    y1, y2 = k["year_from"].iloc[0], k["year_to"].iloc[0]
    tol = prog.plan.decision_rules.tolerance_points
    both = _both_years(tables, k)
    # No base is published (imprecision); each year's figures come from that year's authorities,
    # a few in both (groups that overlap but cannot be linked); the 'about the same' tolerance
    # decides some directions (rule dependence, caveat C8).
    lowered: list[Condition] = [
        ("imprecision", f"no base is published for any of the {len(k)} KPIs"),
        (
            "unlinked_groups",
            f"each year's figures come from that year's authorities, {both} of them in both {y1} and {y2}",
        ),
    ]
    same = int(counts.get("about the same", 0))
    if same:
        lowered.append(
            (
                "rule_dependence",
                f"{TOLERANCE_RULE}, which reads {same} of the {len(k)} KPIs as about the same",
            )
        )
    confidence, reason = rate(prog.plan.confidence_rubric, "change", lowered, [])
    return {
        "finding_id": "kpis",
        "headline": (
            f"Of {len(k)} percentage KPIs, {int(counts.get('higher', 0))} were higher in {y2} than in {y1}, "
            f"{same} about the same (within {tol:g} points) and {int(counts.get('lower', 0))} lower."
        ),
        "detail": (
            f"No base sizes are published, and each year's figures come from that year's authorities "
            f"({both} of them in both years)."
        ),
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
            f"The programme worked with {len(a)} local authorities; for {unknown} no document states the year"
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
