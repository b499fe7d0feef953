"""A judgement against the programme's own success measure.

The programme report states its own test of success: "Success was seen as
increased positive attitudes to VCS involvement" (002 § 2, transcribed in
``programme_statements.csv``, topic ``success_measure``). This module answers
it from the processed tables and the claim audit, sector by sector:

* **did positive attitudes to VCS involvement increase?** The only before and
  after measure of attitudes is the 2012-13 attitude survey's Q3: how far
  respondents thought co-production with the VCS would help on nine impacts,
  rated by VCS and children's centre respondents (004 § 4.2, 4.4). A sector's
  attitudes are ``higher after the workshops`` when more than half of its
  impacts rose beyond the audit's "about the same" tolerance and none fell
  beyond it; ``not higher`` when no more rose than fell; ``mixed``
  otherwise. Local authority respondents answered the survey but their
  ratings are not published, so their sector ``cannot be judged``.
* **how confidently?** From how many of the rises are distinguishable from
  chance at *both* ends of the approximated base range (caveat C3), checked
  against the claim audit's answers for the same sector: ``moderate`` (most
  rises distinguishable), ``low`` (some), ``very low`` (none), ``none`` (no
  measure). The rating is never above ``moderate``: the design has no
  comparison group (caveat C2).
* **what the design cannot say**: listed with every judgement.

:func:`judge_success_measure` is pure and returns a :class:`SuccessJudgement`;
``lib.report.success_measure_section`` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.analysis import claim_verdict
from lib.programme import current_programme

PROGRAMME = current_programme()


def _in_sentence(label: str) -> str:
    """A label inside a sentence: 'Children's centres' -> 'children's centres'; 'VCS ...' kept."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


HIGHER = "higher after the workshops"
MIXED = "mixed"
NOT_HIGHER = "not higher"
NOT_JUDGED = "cannot be judged"
VERDICTS: tuple[str, ...] = (HIGHER, MIXED, NOT_HIGHER, NOT_JUDGED)

MODERATE = "moderate"
LOW = "low"
VERY_LOW = "very low"
NO_CONFIDENCE = "none"
#: Confidence ratings, most to least confident. Nothing above 'moderate' is
#: possible with a before/after design without a comparison group.
CONFIDENCE: tuple[str, ...] = (MODERATE, LOW, VERY_LOW, NO_CONFIDENCE)

#: The attitude measure: the question whose impact items rate how co-production would help.
ATTITUDE_QUESTION = PROGRAMME.chart_question("impacts").id
#: Sectors whose attitudes the programme sought to change, in report order (the definition).
SECTORS: tuple[tuple[str, str], ...] = PROGRAMME.success_sectors

BY_SECTOR_COLUMNS: tuple[str, ...] = (
    "sector",
    "sector_label",
    "items",
    "rose",
    "about_the_same",
    "fell",
    "distinguishable",
    "verdict",
    "confidence",
    "audit_claims",
    "audit_supported",
    "reasons",
)


def design_limits() -> tuple[str, ...]:
    """What the design cannot say: the evaluation plan's ``design.limits`` (plan.yaml)."""
    return tuple(current_programme().plan.design.limits)


def default_tolerance() -> float:
    """The plan's "about the same" tolerance, as a proportion (2 points -> 0.02)."""
    return current_programme().plan.decision_rules.tolerance_points / 100


@dataclass(frozen=True)
class SuccessJudgement:
    """The answer to the programme's own success measure.

    ``by_sector`` has one row per sector (:data:`BY_SECTOR_COLUMNS`);
    ``verdict`` and ``confidence`` summarise the sectors that could be judged
    (the least confident of them); ``reasons`` and ``design_limits`` are
    reader-facing sentences.
    """

    measure: str
    measure_source: str
    verdict: str
    confidence: str
    by_sector: pd.DataFrame
    reasons: tuple[str, ...]
    design_limits: tuple[str, ...]


def success_measure(statements: pd.DataFrame) -> tuple[str, str]:
    """The programme's own success measure and its source, from programme_statements."""
    rows = statements[statements["topic"] == "success_measure"]
    if rows.empty:
        raise ValueError("programme_statements has no success_measure row; nothing to judge against")
    row = rows.sort_values("item_order").iloc[0]
    return str(row["text"]), str(row["source"])


def _sector_audit(audit: pd.DataFrame, claim_specs: pd.DataFrame, sector: str) -> pd.DataFrame:
    """Audit rows of claims about the attitude measure that cover this sector."""
    spec = claim_specs.set_index("claim_id")
    ids = [
        cid
        for cid in audit["claim_id"]
        if cid in spec.index
        and spec.at[cid, "question"] == ATTITUDE_QUESTION
        and sector in str(spec.at[cid, "sector"]).split(";")
    ]
    return audit[audit["claim_id"].isin(ids)]


def _confidence(n_rose: int, n_strong: int) -> str:
    if n_rose == 0 or n_strong == 0:
        return VERY_LOW
    return MODERATE if n_strong * 2 > n_rose else LOW


def _unmeasured_sector(sector: str, label: str, audit_ids: str, supported: int) -> dict:
    """The row of a sector the survey publishes no ratings for."""
    return dict(
        sector=sector,
        sector_label=label,
        items=0,
        rose=0,
        about_the_same=0,
        fell=0,
        distinguishable=0,
        verdict=NOT_JUDGED,
        confidence=NO_CONFIDENCE,
        audit_claims=audit_ids,
        audit_supported=supported,
        reasons=f"{label}: the survey took their answers but publishes no ratings for them, so "
        "there is no before and after measure of their attitudes.",
    )


def _split_changes(rows: pd.DataFrame, tolerance: float) -> tuple[pd.DataFrame, ...]:
    """(rose, fell, strong, one_end): rises and falls beyond the tolerance, the rises
    distinguishable from chance at both ends of the base range and those at one end only."""
    change = rows["change"].astype(float)
    rose = rows[change > tolerance + 1e-9]
    fell = rows[change < -tolerance - 1e-9]
    low = rose["significant_low_base"].fillna(False).astype(bool)
    high = rose["significant_high_base"].fillna(False).astype(bool)
    strong = rose[low & high]
    one_end = rose[(low | high) & ~rose.index.isin(strong.index)]
    return rose, fell, strong, one_end


def _direction(rose: int, fell: int, items: int) -> str:
    if rose <= fell:
        return NOT_HIGHER
    if fell == 0 and rose * 2 > items:
        return HIGHER
    return MIXED


def _audit_reasons(sector_audit: pd.DataFrame, verdict: str, confidence: str) -> tuple[str, str, list[str]]:
    """What the claim audit says about this sector's ratings; a claim pointing the
    other way turns 'higher' into 'mixed' with very low confidence."""
    if not len(sector_audit):
        return verdict, confidence, []
    verdicts = sector_audit["verdict"].value_counts().reindex(claim_verdict.VERDICTS).dropna()
    reasons = [
        f"The claim audit checks {len(sector_audit)} published claims about these ratings: "
        + "; ".join(f"{k}: {int(v)}" for k, v in verdicts.items())
        + "."
    ]
    if (sector_audit["direction"] == claim_verdict.DISAGREES).any() and verdict == HIGHER:
        reasons.append("At least one published claim about these ratings points the other way.")
        return MIXED, VERY_LOW, reasons
    return verdict, confidence, reasons


def judge_sector(
    changes: pd.DataFrame,
    audit: pd.DataFrame,
    claim_specs: pd.DataFrame,
    sector: str,
    label: str,
    tolerance: float | None = None,
) -> dict:
    """One row of :attr:`SuccessJudgement.by_sector`."""
    tolerance = default_tolerance() if tolerance is None else tolerance
    rows = changes[(changes["question"] == ATTITUDE_QUESTION) & (changes["sector"] == sector)]
    sector_audit = _sector_audit(audit, claim_specs, sector)
    audit_ids = ";".join(sector_audit["claim_id"])
    supported = int((sector_audit["verdict"] == claim_verdict.SUPPORTED).sum())
    if rows.empty:
        return _unmeasured_sector(sector, label, audit_ids, supported)
    rose, fell, strong, one_end = _split_changes(rows, tolerance)
    same = len(rows) - len(rose) - len(fell)
    verdict = _direction(len(rose), len(fell), len(rows))
    confidence = _confidence(len(rose), len(strong)) if verdict != NOT_HIGHER else VERY_LOW
    points = f"{tolerance * 100:g}"
    reasons = [
        f"{label}: ratings of how far co-production with the VCS would help were higher after the workshops "
        f"on {len(rose)} of {len(rows)} impacts, about the same (within {points} points) on {same} and lower "
        f"on {len(fell)}.",
        f"{len(strong)} of the {len(rose)} rises {'is' if len(strong) == 1 else 'are'} distinguishable from "
        "chance at both ends of the approximated base range"
        + (f"; {', '.join(one_end['item_label'])} only at one end" if len(one_end) else "")
        + ".",
    ]
    verdict, confidence, audit_reasons = _audit_reasons(sector_audit, verdict, confidence)
    return dict(
        sector=sector,
        sector_label=label,
        items=len(rows),
        rose=len(rose),
        about_the_same=same,
        fell=len(fell),
        distinguishable=len(strong),
        verdict=verdict,
        confidence=confidence,
        audit_claims=audit_ids,
        audit_supported=supported,
        reasons=" ".join(reasons + audit_reasons),
    )


def _no_measure() -> SuccessJudgement:
    # Absence is not evidence: with no stated measure there is nothing to judge against.
    return SuccessJudgement(
        measure="",
        measure_source="",
        verdict=NOT_JUDGED,
        confidence=NO_CONFIDENCE,
        by_sector=pd.DataFrame(columns=list(BY_SECTOR_COLUMNS)),
        reasons=(
            "The sources state no success measure for this programme, so the workbook does not "
            "judge it against one.",
        ),
        design_limits=design_limits(),
    )


def _programme_verdict(judged: pd.DataFrame) -> tuple[str, str]:
    """(verdict, confidence) over the judged sectors: one verdict when they agree, else mixed."""
    if judged.empty:
        return NOT_JUDGED, NO_CONFIDENCE
    confidence = max(judged["confidence"], key=CONFIDENCE.index)
    for verdict in (HIGHER, NOT_HIGHER):
        if (judged["verdict"] == verdict).all():
            return verdict, confidence
    return MIXED, confidence


def _programme_reasons(by_sector: pd.DataFrame, verdict: str, confidence: str) -> tuple[str, ...]:
    judged = by_sector[by_sector["verdict"] != NOT_JUDGED]
    names = " and ".join(_in_sentence(label) for label in judged["sector_label"])
    unjudged = by_sector[by_sector["verdict"] == NOT_JUDGED]["sector_label"].tolist()
    strong = int(judged["distinguishable"].sum())
    rose = int(judged["rose"].sum())
    reasons = [
        f"Positive attitudes to VCS involvement, measured by how far respondents thought co-production with "
        f"the VCS would help, were {verdict if verdict != NOT_JUDGED else 'not measured'} among {names}"
        + (
            f"; {strong} of the {rose} rises {'is' if strong == 1 else 'are'} distinguishable from chance "
            "at both "
            "ends of the approximated base range, so confidence in the increase itself is "
            f"{confidence}."
            if rose
            else "."
        ),
    ]
    if unjudged:
        reasons.append(f"{' and '.join(unjudged)}: no published before and after measure, so not judged.")
    return tuple(reasons)


def judge_success_measure(
    statements: pd.DataFrame,
    changes: pd.DataFrame,
    audit: pd.DataFrame,
    claim_specs: pd.DataFrame,
    tolerance: float | None = None,
) -> SuccessJudgement:
    """Judge the programme against its own success measure.

    ``statements``: processed ``programme_statements``; ``changes``:
    :func:`lib.analysis.uncertainty.before_after_changes` of the survey; ``audit``:
    :func:`lib.analysis.claims.audit_claims`; ``claim_specs``: the claims table (for
    which claims are about the attitude measure). Pure: nothing is read or
    written.
    """
    if statements[statements["topic"] == "success_measure"].empty:
        return _no_measure()
    measure, source = success_measure(statements)
    by_sector = pd.DataFrame(
        [judge_sector(changes, audit, claim_specs, sector, label, tolerance) for sector, label in SECTORS],
        columns=list(BY_SECTOR_COLUMNS),
    )
    verdict, confidence = _programme_verdict(by_sector[by_sector["verdict"] != NOT_JUDGED])
    return SuccessJudgement(
        measure=measure,
        measure_source=source,
        verdict=verdict,
        confidence=confidence,
        by_sector=by_sector,
        reasons=_programme_reasons(by_sector, verdict, confidence),
        design_limits=design_limits(),
    )
