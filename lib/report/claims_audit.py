"""The claim audit as a report section.

The audit (:mod:`lib.analysis.claims`, written once as ``results_claims``)
judges each published claim on two questions, direction and strength; this
module folds it into one group per verdict. The programme's own success
measure is :mod:`lib.report.judgement`.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.analysis import claim_causal, claim_verdict, verdicts
from lib.report.common import caveats_paragraph, claim_anchor
from lib.report.facts import claim_audit
from lib.report.html import join, paragraph, quote_block, render
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
        "support": r["support"],
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
                (_sentence_case(k), int(v), verdicts.definition(k, survey=wb.has("survey")))
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
