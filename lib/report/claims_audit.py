"""The claim audit and the programme's own success measure.

The audit (:mod:`lib.analysis.claims`) judges each published claim on two
questions, direction and strength; the success judgement
(:mod:`lib.analysis.success`) judges the programme against its own measure.
This module turns both into report sections.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.analysis import claim_causal, claim_verdict, success, verdicts
from lib.report.common import caveats_paragraph, claim_anchor
from lib.report.facts import claim_audit, success_judgement
from lib.report.html import bullets, heading, join, paragraph, quote_block, render, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import Workbook, source_doc


def audit_counts(audit: pd.DataFrame) -> dict[str, pd.Series]:
    """Counts of the audit's answers to each question, in vocabulary order."""
    return {
        "direction": audit["direction"].value_counts().reindex(claim_verdict.DIRECTIONS, fill_value=0),
        "strength": audit["strength"].value_counts().reindex(claim_verdict.STRENGTHS, fill_value=0),
        "verdict": audit["verdict"].value_counts().reindex(verdicts.VERDICTS, fill_value=0),
    }


def _count_list(counts: pd.Series) -> str:
    return "; ".join(f"{k}: {int(v)}" for k, v in counts.items() if v)


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


#: A quotation longer than this folds into a <details> on the audit cards.
LONG_QUOTE = 240


def _card(wb: Workbook, r: pd.Series) -> dict:
    return {
        "anchor": claim_anchor(r["claim_id"]),
        "verdict": _sentence_case(r["verdict"]),
        "css": _verdict_class(r["verdict"]),
        "claim": quote_block(r["claim"], "", collapse_after=LONG_QUOTE),
        "source": source_doc(wb, r["source"]),
        "causal": r["causal_reason"],
        "data": r["what_the_data_show"],
        "direction": r["direction"],
        "strength": r["strength"],
        "why": r["reason"],
        "long_why": len(str(r["reason"])) > LONG_QUOTE,
    }


@PROGRAMME_PAGE.headed("claim-audit")
def claim_audit_section(wb: Workbook) -> Markup:
    """The audit, folded: the count of claims checked, the causal rule, a table of verdicts
    with what each means, then one folded group per verdict holding a card per claim
    (the claim as published, why it is or is not causal, what the data show, the two
    questions, why). Readable at 390 px without scrolling the page sideways."""
    audit = claim_audit(wb)
    if audit.empty:
        return paragraph("The source documents make no claim that the workbook can check.")
    counts = audit_counts(audit)
    groups = [
        {
            "label": _sentence_case(verdict),
            "count": len(rows),
            "cards": [_card(wb, r) for _, r in rows.sort_values("source", kind="stable").iterrows()],
        }
        for verdict in verdicts.VERDICTS
        if len(rows := audit[audit["verdict"] == verdict])
    ]
    return join(
        render(
            "claim_audit.j2",
            n=len(audit),
            causal=int(audit["causal"].sum()),
            rule=claim_causal.CAUSAL_RULE,
            association=verdicts.ASSOCIATION,
            causal_words=claim_verdict.CAUSAL_WORDS,
            summary=[
                (_sentence_case(k), int(v), verdicts.DEFINITIONS[k])
                for k, v in counts["verdict"].items()
                if v
            ],
            groups=groups,
            direction=_count_list(counts["direction"]),
            strength=_count_list(counts["strength"]),
        ),
        caveats_paragraph(
            "The audit relies on:",
            [
                ("C2", "no comparison group"),
                ("C3", "approximated bases"),
                ("C5", "comment shares"),
                ("C8", "'about the same'"),
            ],
        ),
    )


def _verdict_class(verdict: str) -> str:
    return {
        verdicts.SUPPORTED: "supported",
        verdicts.PARTLY: "partly",
        verdicts.NOT_SUPPORTED: "not-supported",
    }.get(verdict, "other")


@PROGRAMME_PAGE.headed("success-measure")
def success_measure_section(wb: Workbook) -> Markup:
    """Did the programme meet its own success measure, by sector, how
    confidently, and what the design cannot say."""
    j = success_judgement(wb)
    if not j.measure:
        return paragraph(*j.reasons)
    t = j.by_sector
    table = pd.DataFrame(
        {
            "Sector": t["sector_label"],
            "Impacts rated before and after": t["items"].astype(str),
            "Higher / about the same / lower": [
                f"{r} / {a} / {f}" if n else "no published ratings"
                for r, a, f, n in zip(t["rose"], t["about_the_same"], t["fell"], t["items"], strict=False)
            ],
            "Rises distinguishable from chance": [
                f"{d} of {r}" if n else "not applicable"
                for d, r, n in zip(t["distinguishable"], t["rose"], t["items"], strict=False)
            ],
            "Verdict": t["verdict"],
            "Confidence": t["confidence"],
            "Why": t["reasons"],
        }
    )
    return join(
        quote_block(j.measure, f"The programme's own success measure, {source_doc(wb, j.measure_source)}"),
        paragraph(
            (
                f"Verdict against this measure: it {j.verdict}."
                if j.verdict == success.NOT_JUDGED
                else f"Verdict against this measure: the ratings were {j.verdict} "
                f"(confidence: {j.confidence})."
            ),
            *j.reasons,
        ),
        table_html(table, "The success measure by sector: verdict, confidence and reasons"),
        heading("What the design cannot say", 3),
        bullets(list(j.design_limits)),
        caveats_paragraph(
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
