"""How the evaluation judges, and its judgements against the programme's own success criteria.

Everything here is read from the evaluation plan (``plan.yaml``) and the
results tables the analysis step writes once per data version
(``results_success``, ``results_comparisons``, ``results_design``): no count,
verdict or rating is worked out again on the page.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.analysis.design import NOT_RATED, level_words
from lib.analysis.findings import questions_of, rises_clear_words, scope_words
from lib.analysis.results import VERDICT_QUESTION, could_be_chance
from lib.analysis.verdicts import DIRECTION_ONLY, NOT_SUPPORTED, SUPPORTED, UNTESTABLE, definition
from lib.programme.plan import DecisionRules
from lib.report.common import caveats_paragraph
from lib.report.facts import (
    CANNOT_CONCLUDE_ANCHOR,
    behind_words,
    criterion_comparisons,
    decide_words,
    design_needs,
    design_rating,
    detect_words,
    direction_counts,
    finding_anchor,
    finding_with_reason,
    pooled_comparisons,
    success_results,
)
from lib.report.html import bullets, heading, join, link, paragraph, quote_block, render, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import Workbook, source_doc


def _level_words(level_id: str) -> str:
    return level_id.replace("_", " ")


def _rated(rating: pd.Series, level_text: dict[int, str]) -> str:
    """The design's level with the scale's words for it; a design the scale does not rate, with the
    words of the scale's first level it falls below."""
    words = level_words(rating["level"], rating["level_max"])
    if int(rating["level"]) == NOT_RATED:
        first = f" Its level 1: \u201c{level_text[1]}\u201d" if level_text.get(1) else ""
        return f"{words}.{first}"
    return f"{words}, \u201c{rating['level_text']}\u201d"


def _rules(rules: DecisionRules, survey: bool) -> list[str]:
    """The plan's decision rules in words; the rules about survey bases, what a survey could
    detect and the people who happened to answer only for a programme with a survey."""
    clear = f"A change is clear of chance when its {1 - rules.alpha:.0%} interval excludes zero" + (
        " at the central survey bases and at both ends of the range of possible bases."
        if rules.both_ends
        else " at the survey bases."
    )
    detect = (
        f"What the survey could detect is worked out at the {rules.alpha:.0%} level with "
        f"{rules.power:.0%} power; the change that matters is {rules.target_change_points:g} points."
    )
    same = (
        f"A change within {rules.tolerance_points:g} percentage points either way is "
        "\u201cabout the same\u201d; beyond it, higher or lower."
    )
    question = (
        f"Each before/after comparison's verdict answers one question, {VERDICT_QUESTION} Higher and clear "
        f"of chance: \u201c{SUPPORTED}\u201d; higher but not clear of chance: \u201c{DIRECTION_ONLY}\u201d; "
        f"about the same or lower: \u201c{NOT_SUPPORTED}\u201d (its change, and the reason in the results "
        "table, say which); no published base: "
        f"\u201c{UNTESTABLE}\u201d."
    )
    one = "Verdicts use one set of words, never stronger than their weakest part"
    words = (
        f"{one}: "
        f"\u201c{DIRECTION_ONLY}\u201d means {definition(DIRECTION_ONLY)[0].lower()}"
        f"{definition(DIRECTION_ONLY)[1:]}"
    )
    return [clear, same, question, detect, words] if survey else [same, f"{one}."]


@PROGRAMME_PAGE.headed("how-judged")
def how_judged(wb: Workbook) -> Markup:
    """The evaluation plan for readers: the decision rules, the design-rating scale and its
    version, and the confidence rubric."""
    plan = wb.programme.plan
    rubric = plan.confidence_rubric
    rating = design_rating(wb)
    rubric_rows = pd.DataFrame(
        {
            "Confidence": [_level_words(e.id) for e in rubric.levels],
            "What it means": [e.text for e in rubric.levels],
        }
    )
    starts = "; ".join(
        f"a finding that is {'a count from the documents' if k == 'count' else 'a measured change'} starts "
        f"{_level_words(v)}"
        for k, v in rubric.starts
    )
    return join(
        heading("Decision rules", 3),
        bullets(_rules(plan.decision_rules, wb.has("survey"))),
        heading("The design rating", 3),
        paragraph(
            f"The design is rated on the {rating['scale']}, {rating['scale_version']} version: "
            + _rated(rating, dict(plan.rating_scale.level_text)),
            f"Source: {rating['scale_source']}. {plan.rating_scale.reason}".strip(),
        ),
        heading("Confidence in each finding", 3),
        paragraph(
            f"Modelled on GRADE: {starts}. The conditions are counted together and only the result is held "
            "within the scale (never below very low, never above high). Each of these lowers it one level: "
            + "; ".join(e.text for e in rubric.lowered_by)
            + "."
            + (
                " Each of these raises it one level: "
                + "; ".join(e.text for e in rubric.raised_by)
                + " (this evaluation's own rule, not GRADE's)."
                if rubric.raised_by
                else ""
            )
            + " Each finding says what each condition is for it (\u201chere: \u2026\u201d)."
        ),
        table_html(rubric_rows, "The confidence levels"),
    )


def _sector_rows(rows: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """One row per sector of a criterion's measures: counts read from ``results_comparisons``."""
    out = []
    for sector in order:
        if sector not in set(rows["sector"]):
            continue
        part = rows[rows["sector"] == sector]
        n = direction_counts(part)
        out.append(
            {
                "Sector": part["sector_label"].iloc[0],
                "Ratings before and after": str(len(part)),
                "Higher / about the same / lower": f"{n['higher']} / {n['about the same']} / {n['lower']}",
                "Rises clear of chance": f"{int(part.loc[part['direction'] == 'higher', 'clear_of_chance'].sum())} "
                f"of {n['higher']}",
            }
        )
    return pd.DataFrame(out)


def _criterion(wb: Workbook, c: pd.Series) -> Markup:
    rows = criterion_comparisons(wb, c["criterion_id"])
    plan_criterion = wb.programme.plan.criterion(c["criterion_id"])
    order = list(dict.fromkeys(s for m in plan_criterion.measures for s in m.sectors))
    unmeasured = [s for s in order if s not in set(rows["sector"])]
    labels = {**{s.id: s.label for s in wb.programme.sectors}, **dict(wb.programme.success_sectors)}
    counts = (
        f"Of {scope_words(rows, questions_of(wb.programme))} that stand for it, {c['n_higher']} were higher "
        f"after than before, {c['n_same']} about the same and {c['n_lower']} lower; {rises_clear_words(rows)}."
        if c["n_comparisons"]
        else ""
    )
    return join(
        quote_block(c["criterion"], source_doc(wb, c["source"])),
        paragraph(f"Verdict \u2014 {c['headline']} (confidence: {c['confidence']}).", counts),
        paragraph(f"What stands for it: {c['reasoning']}"),
        table_html(_sector_rows(rows, order), "This criterion by sector") if len(rows) else Markup(""),
        paragraph(
            "Not measured: "
            + ", ".join(labels.get(s, s) for s in unmeasured)
            + " (no published before and after ratings)."
        )
        if unmeasured and len(rows)
        else Markup(""),
        confidence_paragraph(wb, c["confidence"], c["confidence_reason"]),
    )


def confidence_paragraph(wb: Workbook, level: str, reason: str) -> Markup:
    """'Confidence very low: ...', the reason in full unless a key finding of the summary gives
    the same one (then the level and a link to it)."""
    n = finding_with_reason(wb, reason)
    if n is None:
        return paragraph(f"Confidence {level}: {reason}.")
    return render(
        "paragraph.j2",
        text=Markup("Confidence {}: for the reasons given with {}.").format(
            level, link(f"#{finding_anchor(n)}", f"key finding {n}")
        ),
    )


@PROGRAMME_PAGE.headed("success-measure")
def success_measure_section(wb: Workbook) -> Markup:
    """Each success criterion of the plan, quoted, with its verdict, confidence, the measures
    that stand for it and why, and what the design cannot say."""
    criteria = success_results(wb)
    if criteria.empty:
        return paragraph(
            "The sources state no success criterion for this programme, so it is not judged against one."
        )
    parts = [_criterion(wb, c) for _, c in criteria.iterrows()]
    untestable = criteria["verdict"].eq(UNTESTABLE).sum()
    return join(
        *parts,
        paragraph(definition(UNTESTABLE, survey=wb.has("survey"))) if untestable else Markup(""),
        heading("What the design cannot say", 3),
        render(
            "paragraph.j2",
            text=Markup("What this design cannot show is listed in the summary, under {}.").format(
                link(f"#{CANNOT_CONCLUDE_ANCHOR}", "what cannot be concluded")
            ),
        )
        if list(wb.programme.plan.design.limits)
        else Markup(""),
        Markup("")
        if not wb.has("survey")  # no survey: none of the survey's caveats bears on it
        else caveats_paragraph(
            "This judgement relies on:",
            [
                ("C1", "unlinked before and after groups"),
                ("C2", "no comparison group"),
                ("C3", "approximated bases"),
                ("C4", "1-7 scales"),
                ("C8", "'about the same'"),
            ],
        ),
    )


#: What a funding decision can rest on, for each verdict (plain words; the design caps them all).
CAN_SUPPORT = {
    "supported": "that the measure changed by more than chance among those surveyed",
    "partly supported": "that some of the measures changed by more than chance among those surveyed",
    "direction only: could be chance": "only the direction of the answers among those surveyed",
    "not supported": "that the measures did not move the way the criterion needs",
    "cannot be tested": "nothing either way: no measure in the sources bears on it",
}


def _decision_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Each comparison behind a criterion, with what the survey could detect at its bases."""
    chance = rows[could_be_chance(rows)]
    return pd.DataFrame(
        {
            "Rating": [f"{r['item_label']} ({r['sector_label']})" for _, r in chance.iterrows()],
            "Change (points)": [f"{v:+.0f}" if round(v) else "0" for v in chance["change_pts"]],
            "Verdict": chance["verdict"].tolist(),
            "Smallest detectable change (points)": [f"{r['mdd_pts']:.0f}" for _, r in chance.iterrows()],
            "Respondents per group for the target change": [
                str(r["base_for_target"]) for _, r in chance.iterrows()
            ],
        }
    )


def _why(c: pd.Series, rows: pd.DataFrame, scope: str) -> str:
    """Why the verdict reads as it does, from the counts behind it (``results_success``) and the
    comparisons they count (``rows``, named by ``scope``)."""
    n = int(c["n_comparisons"])
    if not n:
        return f"Why: {c['confidence_reason']}."
    return (
        f"Why: of {scope} that stand for it, {int(c['n_higher'])} were higher, "
        f"{int(c['n_same'])} about the same and {int(c['n_lower'])} lower; {rises_clear_words(rows)} "
        "at both ends of the base range."
    )


def _decision_criterion(wb: Workbook, c: pd.Series, level: str) -> Markup:
    rows = criterion_comparisons(wb, c["criterion_id"])
    scope = scope_words(rows, questions_of(wb.programme)) if len(rows) else ""  # in the results' order
    plan_criterion = wb.programme.plan.criterion(c["criterion_id"])
    order = {s: i for i, s in enumerate(dict.fromkeys(s for m in plan_criterion.measures for s in m.sectors))}
    rows = rows.assign(_o=rows["sector"].map(order)).sort_values(["_o", "item_order"], kind="stable")
    plan = wb.programme.plan
    target = plan.decision_rules.target_change_points
    can = CAN_SUPPORT.get(c["verdict"], "")
    parts = [
        paragraph(
            f"\u201c{c['criterion']}\u201d Verdict \u2014 {c['verdict']} (confidence: {c['confidence']}).",
            _why(c, rows, scope),
            f"For a funding decision this evidence can support {can}. It cannot show that the programme "
            f"caused any change: the design is {level}.",
        )
    ]
    behind = behind_words(rows) if len(rows) else ""
    detect = detect_words(c, behind, *pooled_comparisons(wb.results_comparisons, questions_of(wb.programme)))
    if detect:
        parts.append(paragraph(f"What this survey could detect: {detect[:1].upper()}{detect[1:]}."))
    needs = design_needs(str(design_rating(wb)["kind"]), plan.design.outcomes_measured)
    decide = decide_words(c, target, behind, needs)
    if decide:
        parts.append(paragraph(f"What it would take to decide: {decide}."))
    chance = _decision_rows(rows)
    if len(chance):
        parts.append(table_html(chance, "Results behind this success measure that could be chance"))
    return join(*parts)


@PROGRAMME_PAGE.headed("decision")
def decision_box(wb: Workbook) -> Markup:
    """The decision in brief: per success criterion the verdict, what the evidence can and cannot
    support for funding, and what the survey could have detected (all from the results tables)."""
    criteria = success_results(wb)
    if criteria.empty:
        return paragraph("The sources state no success criterion, so there is no verdict to decide on.")
    rating = design_rating(wb)
    level = f"{level_words(rating['level'], rating['level_max'])} on the {rating['scale']} ({rating['scale_version']})"
    return (
        Markup('<div class="decision-box">')
        + join(*(_decision_criterion(wb, c, level) for _, c in criteria.iterrows()))
        + Markup("</div>")
    )
