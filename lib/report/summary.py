"""The programme summary a director can read in two minutes, the methods and
limitations in plain English, and the cross-authority comparison.

Every verdict, rating and key finding here is read from the results tables the
analysis step computes once (``lib/analysis/results.py``: ``results_success``,
``results_design``, ``results_findings``); the confidence ratings are the plan's
rubric (high, moderate, low, very low, modelled on GRADE), each with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup

from lib import programme
from lib.analysis import disclosure
from lib.analysis.design import level_words
from lib.report.common import caveat_link, evidence_statuses
from lib.report.facts import (
    CANNOT_CONCLUDE_ANCHOR,
    INFERRED_YEAR_MEANS,
    Coverage,
    coverage,
    design_rating,
    evidence_unreadable,
    finding_anchor,
    participation_flags,
    positive_status,
    shared_reasons,
    success_results,
    survey_coverage_sentence,
    withdrawals,
)
from lib.report.format import first_words, list_phrase
from lib.report.html import link, render, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.recommendations import recommendations
from lib.report.workbook import (
    ACTIVITY,
    INFERRED_YEAR,
    Workbook,
    phase_word,
    programme_name,
    sector_phrase,
    source_doc,
    years,
)

HIGH, MODERATE, LOW, VERY_LOW = "high", "moderate", "low", "very low"


@dataclass(frozen=True)
class Finding:
    key: str
    text: str
    rating: str
    reason: str
    anchor: str


#: The section each key finding's evidence is in (finding ids of ``results_findings``).
FINDING_SECTIONS: dict[str, str] = {
    "success": "success-measure",
    "understanding": "survey",
    "claims": "claim-audit",
    "evidence": "evidence-coverage",
    "kpis": "kpis",
    "participation": "participation",
}


def key_findings(wb: Workbook) -> list[Finding]:
    """The key findings of ``results_findings`` (the analysis step, in order), each with its
    confidence from the plan's rubric, its reason and the anchor of the section holding its evidence."""
    rows = wb.results_findings.sort_values("order")
    return [
        Finding(
            r["finding_id"],
            r["headline"],
            r["confidence"],
            r["confidence_reason"],
            PROGRAMME_PAGE.anchor(FINDING_SECTIONS.get(r["finding_id"], "summary")),
        )
        for _, r in rows.iterrows()
    ]


def finding_reasons(findings: list[Finding]) -> list[Markup]:
    """Each finding's confidence reason, a clause an earlier finding gave in full replaced by a
    link to that finding ('lowered for the same 2 reasons as finding 1')."""
    out = []
    for parts in shared_reasons([f.reason for f in findings]):
        given = [p for p in parts if isinstance(p, str)]
        earlier = [p for p in parts if isinstance(p, int)]
        same = [
            Markup("the same {} as {}").format(
                "reason" if earlier.count(n) == 1 else f"{earlier.count(n)} reasons",
                link(f"#{finding_anchor(n)}", f"finding {n}"),
            )
            for n in dict.fromkeys(earlier)
        ]
        if same:
            given.insert(1, Markup("lowered for ") + Markup(" and ").join(same))
        out.append(Markup("; ").join(given))
    return out


# --------------------------------------------------------------------------
# Rendered sections
# --------------------------------------------------------------------------


def programme_summary(wb: Workbook) -> Markup:
    """The two-minute summary at the top of the programme report."""
    st = wb.programme_statements
    aims = st[st["topic"] == "aim"].sort_values("item_order")
    criteria = success_results(wb)
    findings = key_findings(wb)
    numbered = {f.key: i + 1 for i, f in enumerate(findings)}
    recs = recommendations(wb, findings)  # lib/report/recommendations.py
    return render(
        "summary.j2",
        anchor=PROGRAMME_PAGE.anchor("summary"),
        heading=PROGRAMME_PAGE.heading("summary"),
        name=programme_name(wb),
        aim=aims["text"].iloc[0] if len(aims) else "",
        aim_source=source_doc(wb, aims["source"].iloc[0]) if len(aims) else "",
        criteria=[{**r, "source_words": source_doc(wb, r["source"])} for r in criteria.to_dict("records")],
        rating=design_rating(wb),
        coverage=survey_coverage_sentence(wb),
        level_words=level_words(*design_rating(wb)[["level", "level_max"]]),
        findings=findings,
        reasons=finding_reasons(findings),
        limits_anchor=CANNOT_CONCLUDE_ANCHOR,
        recommendations=[(r, [numbered[k] for k in r.rests_on if k in numbered]) for r in recs],
        limits=list(wb.programme.plan.design.limits),
        survey=wb.has("survey"),
        success_anchor=PROGRAMME_PAGE.anchor("success-measure"),
        methods_anchor=PROGRAMME_PAGE.anchor("methods"),
        rubric_anchor=PROGRAMME_PAGE.anchor("how-judged"),
    )


def methods_section(wb: Workbook) -> Markup:
    """Methods and limitations, in plain English."""
    docs = [d.title for d in wb.programme.source_documents]
    resp = wb.survey_respondents.set_index(["group", "phase"])["n"]
    bases = wb.bases
    approx = bases[bases["base_basis"] == "approximated"]
    example = approx.iloc[0] if len(approx) else None
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
        example_phrase=(
            f"{sector_phrase(wb, example['sector'])}, {phase_word(wb, example['phase'])}"
            if example is not None
            else ""
        ),
        unreadable=evidence_unreadable(wb, wb.evidence).sentence(wb.programme.note("lost_glyph")),
        cells=len(wb.evidence),
        lost_labels=lost_labels,
        unclear=unclear,
        threshold=disclosure.disclosure_threshold(),
        positive=positive_status(wb).replace("_", " "),
        sample=programme.wording("survey_sample"),
        repeat=programme.wording("survey_repeat"),
        association=programme.wording("survey_association"),
        survey=wb.has("survey"),  # a programme without a survey: no survey methods
        c1=caveat_link("C1", "caveat C1"),
        c2=caveat_link("C2", "caveat C2"),
        c3=caveat_link("C3", "caveat C3"),
        c5=caveat_link("C5", "caveat C5"),
        c6=caveat_link("C6", "caveat C6"),
    )


def authority_comparison(wb: Workbook) -> Markup:
    """One row per authority: participation, evidence coverage (recorded and inferred apart),
    survey source, case study and a profile highlight, each linking to the authority page."""
    rows = comparison_rows(wb)
    any_inferred = any(INFERRED_YEAR in r["years"].values() for r in rows)
    frame = pd.DataFrame(
        {
            "Authority": [link(f"{r['authority_id']}.html", r["authority"]) for r in rows],
            **(
                {
                    "Evidence statuses readable (recorded + inferred, of all items)": [
                        r["coverage"] for r in rows
                    ]
                }
                if wb.has("evidence")
                else {}
            ),
            **({"Survey source": [r["survey"] for r in rows]} if wb.has("survey") else {}),
            "Case study": [r["case_study"] for r in rows],
            **(
                {"Profile highlight (what it did)": [r["highlight"] for r in rows]}
                if wb.has("profiles")
                else {}
            ),
        }
    )
    return render(
        "comparison.j2",
        heading=PROGRAMME_PAGE.heading("authority-comparison"),
        table=table_html(
            frame,
            "The authorities compared; each name links to its report"
            + (f" ({INFERRED_YEAR}: {INFERRED_YEAR_MEANS})" if any_inferred else ""),
            css_class="data-table comparison-table",
            wrap=True,
        ),
        n=len(rows),
        participation_anchor=PROGRAMME_PAGE.anchor("participation"),
        survey=wb.has("survey"),
        profiles=wb.has("profiles"),
        evidence=wb.has("evidence"),
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
                "highlight": first_words(text, 14),
            }
        )
    return out
