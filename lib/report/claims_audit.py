"""The claim audit and the programme's own success measure.

The audit (:mod:`lib.analysis.claims`) judges each published claim on two
questions, direction and strength; the success judgement
(:mod:`lib.analysis.success`) judges the programme against its own measure.
This module turns both into report sections.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.analysis import claims, success
from lib.report.common import caveats_paragraph
from lib.report.html import bullets, heading, join, paragraph, quote_block, table_html
from lib.report.workbook import Workbook, source_doc


def claim_audit(wb: Workbook) -> pd.DataFrame:
    """The audit of every published claim (computed once per workbook)."""
    cache = wb.__dict__.setdefault("_claim_audit", {})
    if "audit" not in cache:
        cache["audit"] = claims.audit_claims(wb.claims, wb.survey, wb.changes)
    return cache["audit"]


def audit_counts(audit: pd.DataFrame) -> dict[str, pd.Series]:
    """Counts of the audit's answers to each question, in vocabulary order."""
    return {
        "direction": audit["direction"].value_counts().reindex(claims.DIRECTIONS, fill_value=0),
        "strength": audit["strength"].value_counts().reindex(claims.STRENGTHS, fill_value=0),
        "verdict": audit["verdict"].value_counts().reindex(claims.VERDICTS, fill_value=0),
    }


def _count_list(counts: pd.Series) -> str:
    return "; ".join(f"{k}: {int(v)}" for k, v in counts.items() if v)


def claim_audit_section(wb: Workbook) -> Markup:
    audit = claim_audit(wb)
    counts = audit_counts(audit)
    causal = int((audit["strength"] == claims.CAUSAL_STRENGTH).sum())
    table = pd.DataFrame(
        {
            "Claim (as published)": audit["claim"],
            "Source": audit["source"].map(lambda x: source_doc(wb, x)),
            "What the data show": audit["what_the_data_show"],
            "Direction: does the data point the same way?": audit["direction"],
            "Strength: distinguishable from chance?": audit["strength"],
            "Verdict": audit["verdict"],
            "Why": audit["reason"],
        }
    )
    return join(
        paragraph(
            f"The source documents make {len(audit)} claims that the workbook checks against the processed "
            f"data, {causal} of them causal. Each claim is judged on two separate questions. Direction: does "
            f"the data point the same way as the claim ({_count_list(counts['direction'])})? Strength: is "
            "every change the claim rests on distinguishable from chance at both ends of the approximated "
            f"base range ({_count_list(counts['strength'])})? The verdict combines the two and is never "
            f"'supported' on direction alone ({_count_list(counts['verdict'])}).",
            f"A causal claim gets the same answer whatever the direction: {claims.CAUSAL_WORDS}. "
            "Significance is judged with the Newcombe interval at the 5% level; 'about the same' and "
            "'little or no change' mean within the tolerance recorded with each claim. The list of "
            "claims, with their provenance, is kept in the raw data (published_claims.csv), not in code.",
        ),
        table_html(
            table,
            "Claim audit: each published claim, what the data show, its direction, its "
            "strength and a verdict",
            css_class="data-table claim-audit",
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


def success_judgement(wb: Workbook) -> success.SuccessJudgement:
    """The programme judged against its own success measure (lib.analysis.success)."""
    return success.judge_success_measure(wb.programme_statements, wb.changes, claim_audit(wb), wb.claims)


def success_measure_section(wb: Workbook) -> Markup:
    """Did the programme meet its own success measure, by sector, how
    confidently, and what the design cannot say."""
    j = success_judgement(wb)
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
