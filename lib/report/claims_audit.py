"""The claim audit and the programme's own success measure.

The audit (:mod:`lib.analysis.claims`) judges each published claim on two
questions, direction and strength; the success judgement
(:mod:`lib.analysis.success`) judges the programme against its own measure.
This module turns both into report sections.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.analysis import claim_verdict, success
from lib.report.common import caveats_paragraph
from lib.report.facts import claim_audit, success_judgement
from lib.report.html import bullets, heading, join, paragraph, quote_block, render, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import Workbook, source_doc


def audit_counts(audit: pd.DataFrame) -> dict[str, pd.Series]:
    """Counts of the audit's answers to each question, in vocabulary order."""
    return {
        "direction": audit["direction"].value_counts().reindex(claim_verdict.DIRECTIONS, fill_value=0),
        "strength": audit["strength"].value_counts().reindex(claim_verdict.STRENGTHS, fill_value=0),
        "verdict": audit["verdict"].value_counts().reindex(claim_verdict.VERDICTS, fill_value=0),
    }


def _count_list(counts: pd.Series) -> str:
    return "; ".join(f"{k}: {int(v)}" for k, v in counts.items() if v)


#: A quotation longer than this folds into a <details> on the audit cards.
LONG_QUOTE = 240


@PROGRAMME_PAGE.headed("claim-audit")
def claim_audit_section(wb: Workbook) -> Markup:
    """The audit as cards, verdicts first: a count summary on top, then one card per claim
    (verdict, the claim as published, what the data show, the two questions, why), long
    quotations folded. Readable at 390 px without scrolling the page sideways."""
    audit = claim_audit(wb)
    if audit.empty:
        return paragraph("The source documents make no claim that the workbook can check.")
    counts = audit_counts(audit)
    causal = int((audit["strength"] == claim_verdict.CAUSAL_STRENGTH).sum())
    order = {v: i for i, v in enumerate(claim_verdict.VERDICTS)}
    audit = audit.assign(_o=audit["verdict"].map(order)).sort_values(["_o", "source"], kind="stable")
    cards = [
        {
            "verdict": r["verdict"][:1].upper() + r["verdict"][1:],
            "css": _verdict_class(r["verdict"]),
            "claim": quote_block(r["claim"], "", collapse_after=LONG_QUOTE),
            "source": source_doc(wb, r["source"]),
            "data": r["what_the_data_show"],
            "direction": r["direction"],
            "strength": r["strength"],
            "why": r["reason"],
            "long_why": len(str(r["reason"])) > LONG_QUOTE,
        }
        for _, r in audit.iterrows()
    ]
    summary = [(k[:1].upper() + k[1:], int(v)) for k, v in counts["verdict"].items() if v]
    return join(
        render(
            "claim_audit.j2",
            n=len(audit),
            causal=causal,
            summary=summary,
            cards=cards,
            causal_words=claim_verdict.CAUSAL_WORDS,
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
        claim_verdict.SUPPORTED: "supported",
        claim_verdict.PARTLY: "partly",
        claim_verdict.NOT_SUPPORTED: "not-supported",
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
