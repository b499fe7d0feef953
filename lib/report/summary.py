"""The programme summary a director can read in two minutes, the methods and
limitations in plain English, and the cross-authority comparison.

Every figure and rating here is computed: the success-measure judgement
(:mod:`lib.analysis.success`), the claim audit (:mod:`lib.analysis.claims`),
the survey statistics (:mod:`lib.analysis.uncertainty`) and counts of the
processed tables. Confidence ratings use four words (high, moderate, low,
very low, as in GRADE) and each carries its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from markupsafe import Markup

from lib import programme
from lib.analysis import claim_verdict, disclosure, success
from lib.report.common import caveat_link, evidence_statuses
from lib.report.facts import (
    Coverage,
    Design,
    claim_audit,
    coverage,
    design,
    kpi_years,
    participation_flags,
    positive_status,
    success_judgement,
    understanding_changes,
    withdrawals,
)
from lib.report.format import count_phrase, is_are, list_phrase, percent, points_interval, signed_points
from lib.report.html import link, render, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import ACTIVITY, UNRECORDED, Workbook, programme_name, source_doc, years

HIGH, MODERATE, LOW, VERY_LOW = "high", "moderate", "low", "very low"


@dataclass(frozen=True)
class Finding:
    key: str
    text: str
    rating: str
    reason: str
    anchor: str


@dataclass(frozen=True)
class Recommendation:
    text: str
    rests_on: tuple[str, ...]  # finding keys
    guidance: tuple[str, ...] = field(default_factory=tuple)


def _cap(rating: str, design_: Design) -> str:
    """No finding about change is rated above moderate without a comparison group."""
    order = [VERY_LOW, LOW, MODERATE, HIGH]
    cap = HIGH if design_.comparison else MODERATE
    return min(rating, cap, key=order.index)


# --------------------------------------------------------------------------
# Key findings
# --------------------------------------------------------------------------


def success_finding(wb: Workbook, d: Design) -> Finding | None:
    """The programme against its own success measure (none when it cannot be judged)."""
    j = success_judgement(wb)
    if j.verdict == success.NOT_JUDGED:
        return None
    rose = int(j.by_sector["rose"].sum())
    strong = int(j.by_sector["distinguishable"].sum())
    items = int(j.by_sector["items"].sum())
    return Finding(
        "success",
        f"Against its own success measure, ratings were {j.verdict}: higher on {rose} of {items} "
        "before-and-after ratings across the sectors that were measured.",
        j.confidence,
        f"{strong} of the {rose} rises {is_are(strong)} distinguishable from chance at both ends "
        f"of the "
        "approximated base range; no comparison group",
        PROGRAMME_PAGE.anchor("success-measure"),
    )


def understanding_finding(wb: Workbook, d: Design) -> Finding | None:
    """The first understanding series before and after, across all sectors."""
    first = understanding_changes(wb)
    first = first[first["sector"] == "all"]
    if not len(first):
        return None
    r = first.iloc[0]
    both = bool(r["significant_low_base"]) and bool(r["significant_high_base"])
    rating = _cap(HIGH if both else (LOW if r["significant"] else VERY_LOW), d)
    moved = "rose" if r["change"] > 0 else "fell" if r["change"] < 0 else "did not change"
    return Finding(
        "understanding",
        f"The share of respondents in the '{r['item_label']}' series {moved} "
        f"from {percent(r['pre'])} "
        f"to {percent(r['post'])} ({signed_points(r['change'])} points, 95% interval "
        f"{points_interval(r['change_low'], r['change_high'])}).",
        rating,
        (
            "the change is clear of chance with stated bases, but it is an association: no comparison group"
            if both
            else "the change could be chance"
        ),
        PROGRAMME_PAGE.anchor("survey"),
    )


def claims_finding(wb: Workbook, d: Design) -> Finding | None:
    """What the claim audit found (none when the sources make no checkable claim)."""
    audit = claim_audit(wb)
    if not len(audit):
        return None
    causal = int((audit["strength"] == claim_verdict.CAUSAL_STRENGTH).sum())
    supported = int((audit["verdict"] == claim_verdict.SUPPORTED).sum())
    untestable = int((audit["verdict"] == claim_verdict.UNTESTABLE).sum())
    return Finding(
        "claims",
        f"Of {len(audit)} claims the source documents make, {supported} {is_are(supported)} "
        "supported by "
        f"the data; {causal} say the programme caused a change, which this design cannot show; "
        f"{untestable} cannot be tested at all.",
        HIGH,
        "follows from the design and the published figures, not from sampling",
        PROGRAMME_PAGE.anchor("claim-audit"),
    )


def evidence_finding(wb: Workbook, d: Design) -> Finding | None:
    """How much of the evidence matrix can be read."""
    ev = wb.evidence
    lost = int((ev["status"] == UNRECORDED).sum())
    inferred = int((ev["inferred"] == "yes").sum())
    return Finding(
        "evidence",
        f"The programme's evidence matrix cannot show what was produced: {lost} of {len(ev)} cells lost "
        f"their status in the source; {inferred} more are inferred from other documents.",
        HIGH,
        "counted directly from the surviving text of the programme report",
        PROGRAMME_PAGE.anchor("evidence-coverage"),
    )


def kpis_finding(wb: Workbook, d: Design) -> Finding | None:
    """Percentage KPIs, first year against last (none with fewer than two years)."""
    pair = kpi_years(wb)
    if not pair:
        return None
    y1, y2 = pair
    k = wb.kpis[(wb.kpis["unit"] == "proportion") & wb.kpis["year"].isin(pair)]
    wide = k.pivot_table(index=["kpi", "measure"], columns="year", values="value")
    rose = int((wide[y2] > wide[y1]).sum())
    return Finding(
        "kpis",
        f"{rose} of {len(wide)} percentage KPIs were higher in {y2} than in {y1}.",
        VERY_LOW,
        "no base sizes are published and the years involved different authorities",
        PROGRAMME_PAGE.anchor("kpis"),
    )


def participation_finding(wb: Workbook, d: Design) -> Finding | None:
    """Who took part, in which year, and who withdrew."""
    flags = participation_flags(wb)
    unknown = int((wb.authorities["years"] == UNRECORDED).sum())
    withdrew = len(withdrawals(wb.case_study_facts))
    return Finding(
        "participation",
        f"{count_phrase(wb.n_authorities, 'local authority', 'local authorities')} took part; "
        f"for {unknown} no document states the year"
        + (
            f", and {count_phrase(withdrew, 'authority', 'authorities')} withdrew before its workshop"
            if withdrew
            else ""
        )
        + ".",
        HIGH if unknown == 0 else MODERATE,
        f"from the documents' own statements; {unknown} of {len(flags)} years are missing from them",
        PROGRAMME_PAGE.anchor("participation"),
    )


#: The key findings in the order the summary numbers them: one function each, returning
#: its :class:`Finding` or None when the tables hold nothing to find. Add a finding here.
FINDINGS: tuple[Callable[[Workbook, Design], Finding | None], ...] = (
    success_finding,
    understanding_finding,
    claims_finding,
    evidence_finding,
    kpis_finding,
    participation_finding,
)


def key_findings(wb: Workbook) -> list[Finding]:
    """Five to seven findings, each with a computed confidence rating, its reason and
    the anchor of the section that holds its evidence (:data:`FINDINGS`, in order)."""
    d = design(wb)
    found = (finding(wb, d) for finding in FINDINGS)
    return [f for f in found if f is not None][:7]


# --------------------------------------------------------------------------
# Recommendations, each tied to findings and to the practice guidance
# --------------------------------------------------------------------------

#: Words that pick out practice guidance about measurement and records (method words,
#: not programme vocabulary).
MEASUREMENT_WORDS = ("monitor", "data", "outcome", "information", "listening", "evaluat")


def guidance_about(wb: Workbook, words: tuple[str, ...], limit: int = 2) -> list[str]:
    """Practice-guidance suggestions whose text uses any of ``words``, cited by theme."""
    g = wb.guidance
    text = (g["key_principle"] + " " + g["practice_suggestion"]).str.lower()
    hits = g[text.apply(lambda t: any(w in t for w in words))].head(limit)
    return [
        f"{r['theme_label']}: \u201c{_short(r['practice_suggestion'] or r['key_principle'])}\u201d"
        for _, r in hits.iterrows()
    ]


def _short(text: str, words: int = 18) -> str:
    """The first ``words`` words, without extraction debris such as footnote markers."""
    text = re.sub(r"\[footnote[^\]]*\]|\[\d+:[^\]]*\]", "", str(text))
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts[:words]) + (" \u2026" if len(parts) > words else "")


def recommendations(wb: Workbook, findings: list[Finding] | None = None) -> list[Recommendation]:
    """Recommendations, each tied to the findings it rests on and to the practice guidance."""
    findings = findings if findings is not None else key_findings(wb)
    keys = {f.key for f in findings}
    d = design(wb)
    out = []
    change_keys = tuple(k for k in ("success", "understanding", "claims") if k in keys)
    if not d.comparison and change_keys:
        out.append(
            Recommendation(
                "Before the next round, survey a comparison group (people or places not yet reached) "
                "and give "
                "each respondent a reference that links their before and after answers, so that a change can "
                "be attributed and measured on the same people.",
                change_keys,
                tuple(guidance_about(wb, ("monitor", "outcome"))),
            )
        )
    if "claims" in keys:
        out.append(
            Recommendation(
                "In future reporting, state changes as associations unless a comparison supports more, and "
                "publish the numbers behind every percentage.",
                ("claims",),
                tuple(guidance_about(wb, ("hard data", "outcomes"), 1)),
            )
        )
    if "evidence" in keys:
        out.append(
            Recommendation(
                "Keep the evidence record as data (each item's status in words, with a date and a source), "
                "not as ticks and crosses in a document.",
                ("evidence",),
                tuple(guidance_about(wb, ("flow of information", "key data"))),
            )
        )
    if "kpis" in keys:
        out.append(
            Recommendation(
                "Publish each KPI with its base and by authority, so a change between years can be tested.",
                ("kpis",),
                tuple(guidance_about(wb, ("key data", "traffic light"), 1)),
            )
        )
    if "participation" in keys and int((wb.authorities["years"] == UNRECORDED).sum()):
        out.append(
            Recommendation(
                "Record for every authority the year it took part and what it did, in one register.",
                ("participation",),
                tuple(guidance_about(wb, ("monitor",), 1)),
            )
        )
    return out


# --------------------------------------------------------------------------
# Rendered sections
# --------------------------------------------------------------------------


def programme_summary(wb: Workbook) -> Markup:
    """The two-minute summary at the top of the programme report."""
    st = wb.programme_statements
    aims = st[st["topic"] == "aim"].sort_values("item_order")
    j = success_judgement(wb)
    d = design(wb)
    findings = key_findings(wb)
    numbered = {f.key: i + 1 for i, f in enumerate(findings)}
    recs = recommendations(wb, findings)
    limits = list(j.design_limits)
    return render(
        "summary.j2",
        anchor=PROGRAMME_PAGE.anchor("summary"),
        heading=PROGRAMME_PAGE.heading("summary"),
        name=programme_name(wb),
        aim=aims["text"].iloc[0] if len(aims) else "",
        aim_source=source_doc(wb, aims["source"].iloc[0]) if len(aims) else "",
        measure=j.measure,
        measure_source=source_doc(wb, j.measure_source),
        verdict=j.verdict,
        confidence=j.confidence,
        design=d,
        findings=findings,
        recommendations=[(r, [numbered[k] for k in r.rests_on if k in numbered]) for r in recs],
        limits=limits,
        success_anchor=PROGRAMME_PAGE.anchor("success-measure"),
        methods_anchor=PROGRAMME_PAGE.anchor("methods"),
    )


def methods_section(wb: Workbook) -> Markup:
    """Methods and limitations, in plain English."""
    docs = [d.title for d in wb.programme.source_documents]
    resp = wb.survey_respondents.set_index(["group", "phase"])["n"]
    bases = wb.bases
    approx = bases[bases["base_basis"] == "approximated"]
    example = approx.iloc[0] if len(approx) else None
    lost_cells = int((wb.evidence["status"] == UNRECORDED).sum())
    lost_labels = int((wb.survey["item_label"] == wb.programme.lost_label).sum())
    unclear = [s for s in evidence_statuses(wb) if s.id not in {x.id for x in wb.programme.evidence_statuses}]
    return render(
        "methods.j2",
        heading=PROGRAMME_PAGE.heading("methods"),
        n_docs=len(docs),
        docs=list_phrase(docs),
        n_before=resp.get(("all", "pre")),
        n_after=resp.get(("all", "post")),
        example=example,
        example_phrase=(example["sector"].replace("_", " ") if example is not None else ""),
        lost_cells=lost_cells,
        cells=len(wb.evidence),
        lost_labels=lost_labels,
        unclear=unclear,
        threshold=disclosure.disclosure_threshold(),
        positive=positive_status(wb).replace("_", " "),
        sample=programme.wording("survey_sample"),
        repeat=programme.wording("survey_repeat"),
        association=programme.wording("survey_association"),
        c1=caveat_link("C1", "caveat C1"),
        c2=caveat_link("C2", "caveat C2"),
        c3=caveat_link("C3", "caveat C3"),
        c6=caveat_link("C6", "caveat C6"),
    )


def authority_comparison(wb: Workbook) -> Markup:
    """One row per authority: participation, evidence coverage (recorded and inferred apart),
    survey source, case study and a profile highlight, each linking to the authority page."""
    rows = comparison_rows(wb)
    frame = pd.DataFrame(
        {
            "Authority": [link(f"{r['authority_id']}.html", r["authority"]) for r in rows],
            **{y: [r["years"][y] for r in rows] for y in years(wb)},
            "Evidence statuses readable (recorded + inferred, of all items)": [r["coverage"] for r in rows],
            "Survey source": [r["survey"] for r in rows],
            "Case study": [r["case_study"] for r in rows],
            "Profile highlight (what it did)": [r["highlight"] for r in rows],
        }
    )
    return render(
        "comparison.j2",
        heading=PROGRAMME_PAGE.heading("authority-comparison"),
        table=table_html(
            frame,
            "The authorities compared; each name links to its report",
            css_class="data-table comparison-table",
            wrap=True,
        ),
        n=len(rows),
    )


def comparison_rows(wb: Workbook) -> list[dict]:
    """One row per authority for the comparison table (A to Z)."""
    flags = participation_flags(wb).set_index("authority_id")
    covered = coverage(wb.evidence)
    left = withdrawals(wb.case_study_facts)
    prof = wb.profiles
    out = []
    for _, a in wb.authorities_a_to_z().iterrows():
        aid = a["authority_id"]
        c = covered.get(aid, Coverage(0, 0, 0, 0))
        activity = prof[(prof["authority_id"] == aid) & (prof["question"] == ACTIVITY)]
        first_answer = prof[(prof["authority_id"] == aid) & (prof["text"] != "")].sort_values(
            "question_order"
        )
        text = (
            activity["text"].iloc[0]
            if len(activity) and activity["text"].iloc[0]
            else first_answer["text"].iloc[0]
            if len(first_answer)
            else "no profile answer printed"
        )
        withdrew = aid in left
        out.append(
            {
                "authority_id": aid,
                "authority": a["authority"],
                "years": {y: flags.at[aid, y] for y in years(wb)},
                "coverage": f"{c.recorded} + {c.inferred} of {c.items}",
                "survey": "named as a source" if a["attitude_survey"] == "yes" else "not named",
                "case_study": ("yes (withdrew)" if withdrew else "yes") if a["case_study"] == "yes" else "no",
                "highlight": _short(text, 14),
            }
        )
    return out
