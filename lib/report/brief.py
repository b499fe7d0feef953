"""The one-page brief of a programme (A4): what a funder reads first.

Four parts, each from the results tables the analysis step writes
(CONTRACT.md section 3), never typed:

* the verdict on each of the programme's own success criteria
  (``results_success``), and the verdict they make together
  (:func:`lib.analysis.verdicts.combine`);
* the three first key findings with their confidence (``results_findings``);
* what cannot be concluded: the design's rating on the plan's scale
  (``results_design``), and how many before/after changes could be chance with
  the smallest change the survey could have detected (``results_comparisons``);
* the decision box: each criterion's verdict, confidence and evidence count,
  and the respondents per group a survey would need to detect the change the
  plan says matters.

:func:`brief_body` takes the tables as DataFrames; :func:`brief_tables` is the
one place they are read from the workbook. The page around the body (site
links, A4 print rules) and the PDF are made by :mod:`lib.run.brief`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup

from lib.analysis import verdicts
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
)
FINDING_COLUMNS = ("finding_id", "order", "headline", "confidence", "confidence_reason")
DESIGN_COLUMNS = ("kind_label", "scale", "scale_version", "level", "level_max", "level_text", "reason")
COMPARISON_COLUMNS = ("verdict", "clear_of_chance", "mdd_pts", "base_for_target", "base_pre", "base_post")
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


def verdict_part(success: pd.DataFrame) -> dict[str, Any]:
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
    return {"overall": overall, "definition": verdicts.DEFINITIONS[overall], "criteria": rows}


def findings_part(findings: pd.DataFrame, n: int = N_FINDINGS) -> list[dict[str, str]]:
    top = findings.sort_values("order", kind="stable").head(n)
    return [
        {
            "headline": str(r["headline"]),
            "confidence": str(r["confidence"]).replace("_", " "),
            "reason": str(r["confidence_reason"]),
        }
        for _, r in top.iterrows()
    ]


def _truthy(series: pd.Series) -> pd.Series:
    return series.map(lambda v: str(v).strip().lower() in ("true", "1", "yes"))


def cannot_conclude(design: pd.DataFrame, comparisons: pd.DataFrame) -> list[str]:
    """Sentences on what the evidence cannot show: the design, then the chance results."""
    out = []
    if not design.empty:
        d = design.iloc[0]
        version = f" ({d['scale_version']})" if str(d["scale_version"]).strip() else ""
        out.append(
            f"The design ({d['kind_label']}) rates level {_whole(d['level'])} of {_whole(d['level_max'])} "
            f"on the {d['scale']}{version}: {d['level_text']}. {d['reason']}"
        )
    chance = comparisons[comparisons["verdict"] == verdicts.DIRECTION_ONLY]
    if len(comparisons):
        clear = int(_truthy(comparisons["clear_of_chance"]).sum())
        sentence = (
            f"{clear} of {count_phrase(len(comparisons), 'before/after change')} "
            f"{'is' if clear == 1 else 'are'} clear of chance; {len(chance)} could be chance."
        )
        if len(chance):
            low, high = chance["mdd_pts"].min(), chance["mdd_pts"].max()
            size = (
                f"about {_whole(low)}"
                if _whole(low) == _whole(high)
                else f"about {_whole(low)} to {_whole(high)}"
            )
            sentence += (
                f" With these bases the survey could only detect changes of {size} percentage points, "
                "so a change that could be chance is not evidence that nothing changed."
            )
        out.append(sentence)
    return out


def decision_part(t: BriefTables) -> dict[str, Any]:
    """The decision box: one row per criterion, and what a survey able to decide would need."""
    rows = [
        (str(r["criterion"]), str(r["verdict"]), str(r["confidence"]).replace("_", " "), str(r["headline"]))
        for _, r in t.success.iterrows()
    ]
    need = None
    c = t.comparisons
    if t.target_points is not None and len(c) and c["base_for_target"].notna().any():
        had = pd.concat([c["base_pre"], c["base_post"]]).median()
        need = (
            f"To detect a change of {_whole(t.target_points)} percentage points (the change the evaluation "
            f"plan says matters), a survey needs about {_whole(c['base_for_target'].median())} respondents "
            f"in each group, before and after; this survey had a median of {_whole(had)}."
        )
    return {"rows": rows, "need": need}


def brief_body(t: BriefTables, programme_name: str) -> Markup:
    """The brief's content (headings from ``<h1>`` down), from the results tables."""
    problems = check_tables(t)
    if problems:
        raise ValueError("; ".join(problems))
    return render(
        "brief.j2",
        programme_name=programme_name,
        verdict=verdict_part(t.success),
        findings=findings_part(t.findings),
        cannot=cannot_conclude(t.design, t.comparisons),
        decision=decision_part(t),
    )


def brief_tables(wb: Any) -> BriefTables:
    """The brief's tables from the workbook: the analysis step's results tables when it wrote them."""
    names = ("results_success", "results_findings", "results_design", "results_comparisons")
    frames = [getattr(wb, name, None) for name in names]
    if any(f is None for f in frames):
        return todays_tables(wb)
    plan = getattr(wb.programme, "plan", None)
    target = getattr(getattr(plan, "decision_rules", None), "target_change_points", None)
    return BriefTables(*frames, target_points=float(target) if target is not None else None)


def cited(wb: Any, source: str) -> str:
    """A provenance string with each source file named by its document's title (``'programme report § 2'``)."""
    for d in wb.programme.source_documents:
        source = source.replace(d.file, d.title)
    return source


def todays_tables(wb: Any) -> BriefTables:  # wired at merge: results tables from the analysis step
    """The same four tables from today's facts (success judgement, key findings, design,
    survey changes), until the analysis step writes ``results_*`` (CONTRACT.md section 3)."""
    from lib.analysis import power
    from lib.report import facts, summary
    from lib.report.workbook import impacts_question

    j = facts.success_judgement(wb)
    c = wb.changes
    clear = _truthy(c["significant_low_base"].astype(str)) & _truthy(c["significant_high_base"].astype(str))
    rises = clear & (c["change"] > 0)
    measured = rises[c["question"] == impacts_question(wb)]  # the success measure's own question
    success = pd.DataFrame([{
        "criterion_id": "success_measure", "criterion": j.measure, "source": cited(wb, j.measure_source),
        "verdict": verdicts.ASSOCIATION if measured.any() else verdicts.DIRECTION_ONLY,
        "headline": j.reasons[0] if j.reasons else "", "confidence": j.confidence,
        "confidence_reason": j.design_limits[0] if j.design_limits else "",
    }])  # fmt: skip
    found = summary.key_findings(wb)
    findings = pd.DataFrame(
        [(f.key, i, f.text, f.rating, f.reason) for i, f in enumerate(found, 1)],
        columns=list(FINDING_COLUMNS),
    )
    d = facts.design(wb)
    rung = d.rungs[0]
    design = pd.DataFrame([{
        "kind_label": "before and after, without a comparison group" if not d.comparison else "with a comparison group",
        "scale": rung.scale, "scale_version": "", "level": rung.level,
        "level_max": rung.top, "level_text": rung.meaning, "reason": d.reason[:1].upper() + d.reason[1:] + ".",
    }])  # fmt: skip
    p1 = c["pre"].clip(0.01, 0.99)  # proportions (0-1) in today's changes table
    labels = {x.id: x.title for x in wb.programme.sectors}  # "all": both sectors together
    comparisons = pd.DataFrame({
        "comparison_id": (c["question"] + ":" + c["item"] + ":" + c["sector"]).tolist(),
        "item_label": c["item_label"].tolist(),
        "sector_label": [labels.get(x, "all respondents") for x in c["sector"]],
        "change_pts": (100 * c["change"]).tolist(),
        "verdict": [
            (verdicts.SUPPORTED if up else verdicts.NOT_SUPPORTED) if sure else verdicts.DIRECTION_ONLY
            for sure, up in zip(clear, c["change"] > 0, strict=True)
        ],
        "clear_of_chance": clear,
        "mdd_pts": [
            100 * power.minimum_detectable_difference(p, a, b)
            for p, a, b in zip(p1, c["base_pre"], c["base_post"], strict=True)
        ],
        "base_for_target": [power.base_for_difference(min(p, 0.89), 0.10) for p in p1],
        "base_pre": c["base_pre"], "base_post": c["base_post"],
    })  # fmt: skip
    return BriefTables(success, findings, design, comparisons, target_points=10.0)
