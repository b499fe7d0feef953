"""The one-page brief of a programme (A4): what a funder reads first.

Four parts, each from the results tables the analysis step writes
(CONTRACT.md section 3), never typed:

* the verdict on each of the programme's own success criteria, one table row
  each (``results_success``), and the verdict they make together
  (:func:`lib.analysis.verdicts.combine`);
* the three first key findings with their confidence (``results_findings``);
* what cannot be concluded, short: the design's rating on the plan's scale
  (``results_design``) and how many before/after changes are clear of chance,
  counted by the question they answer, each count naming its comparisons
  (``results_comparisons``);
* the decision box: the range of the smallest changes the survey could have
  detected for the ratings behind each criterion and for all respondents
  together; then what it would take to decide: what the design lacks to show
  cause (``results_design``, the plan's follow-up) and the respondents per group
  a survey would need to detect the change the plan says matters, which is for
  detection, not attribution. Each criterion's figures are from
  ``results_success``, in the words of the programme report's decision box
  (:func:`lib.report.facts.detect_words`, :func:`lib.report.facts.decide_words`).

The page fits one A4 sheet by what it shows (the design's reasons and each
finding's detail stay in the programme report), not by small print.

:func:`brief_body` takes the tables as DataFrames; :func:`brief_tables` is the
one place they are read from the workbook. The page around the body (site
links, A4 print rules) and the PDF are made by :mod:`lib.run.brief`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markupsafe import Markup

from lib.analysis import verdicts
from lib.analysis.design import level_words
from lib.analysis.findings import questions_of, scope_words
from lib.report.facts import (
    behind_words,
    criterion_comparisons,
    decide_words,
    design_needs,
    detect_words,
    pooled_comparisons,
)
from lib.report.format import count_phrase
from lib.report.html import render

SUCCESS_COLUMNS = (
    "criterion_id",
    "criterion",
    "source",
    "verdict",
    "headline",
    "confidence",
    "confidence_reason",
    "mdd_min_pts",
    "mdd_max_pts",
    "base_min",
    "base_max",
    "base_for_target_min",
    "base_for_target_max",
)
FINDING_COLUMNS = ("finding_id", "order", "headline", "confidence", "confidence_reason")
DESIGN_COLUMNS = ("kind_label", "scale", "scale_version", "level", "level_max", "level_text", "reason")
COMPARISON_COLUMNS = (
    "comparison_id",
    "question",
    "sector",
    "sector_label",
    "direction",
    "verdict",
    "clear_of_chance",
    "mdd_pts",
    "base_for_target",
    "base_pre",
    "base_post",
)
#: How many key findings the brief shows.
N_FINDINGS = 3


@dataclass(frozen=True)
class BriefTables:
    """The results tables the brief reads (columns as CONTRACT.md section 3)."""

    success: pd.DataFrame
    findings: pd.DataFrame
    design: pd.DataFrame
    comparisons: pd.DataFrame
    #: the change that matters, in percentage points (the plan's ``target_change_points``)
    target_points: float | None = None
    #: whether the programme has a survey (the verdicts' definitions speak of one only then)
    survey: bool = True
    #: question id -> its label in a sentence (the programme's ``explorer_label``)
    questions: dict[str, str] = field(default_factory=dict)
    #: criterion id -> the ``comparison_id`` of each comparison that stands for it
    criterion_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: when the plan says outcomes were measured (``design.outcomes_measured``)
    outcomes_measured: str = ""


def check_tables(t: BriefTables) -> list[str]:
    """One line per missing column (table, column); [] when the brief can be made."""
    wanted = (
        ("results_success", t.success, SUCCESS_COLUMNS),
        ("results_findings", t.findings, FINDING_COLUMNS),
        ("results_design", t.design, DESIGN_COLUMNS),
        ("results_comparisons", t.comparisons, COMPARISON_COLUMNS),
    )
    return [
        f"{name}: column {col!r} missing (expected the results table of CONTRACT.md section 3)"
        for name, frame, cols in wanted
        for col in cols
        if col not in frame.columns
    ]


def _whole(x: Any) -> str:
    return f"{round(float(x)):,}"


def verdict_part(success: pd.DataFrame, survey: bool = True) -> dict[str, Any]:
    """The overall verdict and one line per criterion."""
    rows = [
        {
            "criterion": str(r["criterion"]),
            "source": str(r["source"]),
            "verdict": verdicts.check_verdict(str(r["verdict"])),
            "headline": str(r["headline"]),
            "confidence": str(r["confidence"]).replace("_", " "),
            "confidence_reason": str(r["confidence_reason"]),
        }
        for _, r in success.iterrows()
    ]
    overall = verdicts.combine([r["verdict"] for r in rows])
    return {"overall": overall, "definition": verdicts.definition(overall, survey=survey), "criteria": rows}


#: A rubric condition with what it is for the finding: ``lowered: <rubric words> (here: <its own>)``.
OWN_REASON = re.compile(r"(lowered|raised): [^;()]*? \(here: (.*?)\)(?=; |$)")


def own_reasons(reason: str) -> str:
    """A confidence reason with each condition given by what it is for the finding (its ``here``
    words) and not the rubric's general words, which the glossary defines once."""
    return OWN_REASON.sub(r"\1: \2", reason)


def findings_part(findings: pd.DataFrame, n: int = N_FINDINGS) -> list[dict[str, str]]:
    top = findings.sort_values("order", kind="stable").head(n)
    return [
        {
            "headline": str(r["headline"]),
            "confidence": str(r["confidence"]).replace("_", " "),
            "reason": own_reasons(str(r["confidence_reason"])),
        }
        for _, r in top.iterrows()
    ]


def _truthy(series: pd.Series) -> pd.Series:
    return series.map(lambda v: str(v).strip().lower() in ("true", "1", "yes"))


def _clear_by_question(comparisons: pd.DataFrame, questions: dict[str, str], success: set[str]) -> str:
    """How many comparisons of each question are clear of chance, each named by what it covers:
    ``none of the 18 ratings on ... , which stand for the success measure, and 4 of the 6 ...``."""
    groups = [
        (bool(success) and set(rows["comparison_id"]) <= success, rows)
        for _, rows in comparisons.groupby("question", sort=False)
    ]
    groups.sort(key=lambda group: not group[0])  # the success measure's comparisons first
    parts = []
    for behind, rows in groups:
        n = int(_truthy(rows["clear_of_chance"]).sum())
        parts.append(
            f"{'none' if n == 0 else n} of "
            + (behind_words(rows) if behind else scope_words(rows, questions))
        )
    return " and ".join(parts)


def cannot_conclude(
    design: pd.DataFrame,
    comparisons: pd.DataFrame,
    questions: dict[str, str] | None = None,
    success_ids: set[str] | None = None,
) -> list[str]:
    """Short sentences on what the evidence cannot show: the design's rating, then how many changes
    are clear of chance, counted by the question they answer (the success measure's first)."""
    out = []
    if not design.empty:
        d = design.iloc[0]
        version = f" ({d['scale_version']})" if str(d["scale_version"]).strip() else ""
        out.append(
            f"The design ({d['kind_label']}) {'is' if _whole(d['level']) == '0' else 'rates'} "
            f"{level_words(_whole(d['level']), _whole(d['level_max']))} "
            f"on the {d['scale']}{version}; the programme report's design section says why."
        )
    if len(comparisons):
        clear = int(_truthy(comparisons["clear_of_chance"]).sum())
        out.append(
            f"Of the {count_phrase(len(comparisons), 'before/after change')} in the survey, {clear} "
            f"{'is' if clear == 1 else 'are'} clear of chance: "
            f"{_clear_by_question(comparisons, questions or {}, success_ids or set())}."
        )
    return out


def _criterion_scope(t: BriefTables, c: pd.Series) -> str:
    ids = t.criterion_ids.get(str(c["criterion_id"]))
    rows = t.comparisons[t.comparisons["comparison_id"].isin(ids or ())]
    return behind_words(rows) if len(rows) else ""


def _criteria_lines(t: BriefTables, words) -> list[str]:
    """One line per criterion that has one (``words`` of its ``results_success`` row and the
    comparisons it covers): the words the programme report's decision box prints, named by
    criterion when there are several."""
    several = len(t.success) > 1
    out = []
    for _, c in t.success.iterrows():
        line = words(c, _criterion_scope(t, c))
        if line:
            out.append(
                (f"For \u201c{c['criterion']}\u201d: " if several else "") + line[:1].upper() + line[1:] + "."
            )
    return out


def decision_part(t: BriefTables) -> dict[str, Any]:
    """The decision box: one row per criterion, the changes the survey could detect (for the ratings
    behind the criterion and for all respondents together), and what it would take to decide: what the
    design lacks to show cause, then the respondents per group for the target change, all read from
    ``results_success``, ``results_comparisons`` and ``results_design``."""
    rows = [
        (
            str(r["criterion"]),
            str(r["verdict"]),
            str(r["confidence"]).replace("_", " "),
            "" if str(r["headline"]) == str(r["verdict"]) else str(r["headline"]),  # not the verdict twice
        )
        for _, r in t.success.iterrows()
    ]
    pooled, on = pooled_comparisons(t.comparisons, t.questions)
    needs = design_needs(str(t.design["kind"].iloc[0]), t.outcomes_measured) if len(t.design) else []
    mdd = _criteria_lines(t, lambda c, scope: detect_words(c, scope, pooled, on))
    need = _criteria_lines(t, lambda c, scope: decide_words(c, t.target_points, scope, needs))
    return {
        "rows": rows,
        "in_short": any(r[3] for r in rows),
        "mdd": " ".join(mdd) or None,
        "need": " ".join(need) or None,
    }


def brief_body(t: BriefTables, programme_name: str) -> Markup:
    """The brief's content (headings from ``<h1>`` down), from the results tables."""
    problems = check_tables(t)
    if problems:
        raise ValueError("; ".join(problems))
    return render(
        "brief.j2",
        programme_name=programme_name,
        verdict=verdict_part(t.success, t.survey),
        findings=findings_part(t.findings),
        cannot=cannot_conclude(
            t.design, t.comparisons, t.questions, {i for ids in t.criterion_ids.values() for i in ids}
        ),
        decision=decision_part(t),
    )


def brief_tables(wb: Any) -> BriefTables:
    """The brief's tables: the analysis step's results tables and the plan's target change."""
    prog = wb.programme
    target = prog.plan.decision_rules.target_change_points
    return BriefTables(
        wb.results_success,
        wb.results_findings,
        wb.results_design,
        wb.results_comparisons,
        target_points=float(target),
        survey=prog.has_survey,
        questions=questions_of(prog),
        criterion_ids={
            c.id: tuple(criterion_comparisons(wb, c.id)["comparison_id"]) for c in prog.plan.success_criteria
        },
        outcomes_measured=prog.plan.design.outcomes_measured,
    )
