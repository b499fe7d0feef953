"""The authority page's judgement of its evidence: what this authority's evidence can and
cannot show, computed from its tables (the "what-it-supports" section), and the verdict on whether
the programme changed anything there.
"""

from __future__ import annotations

from markupsafe import Markup

from lib.analysis import verdicts
from lib.programme import wording
from lib.report.common import alignment_notes, status_label
from lib.report.facts import (
    authority_evidence,
    authority_mentions,
    claim_authorities,
    claims_naming,
    has_response_data,
    never_printed,
    positive_status,
    withdrawal,
    years_inference_note,
)
from lib.report.format import count_phrase, list_phrase
from lib.report.html import bullets, join
from lib.report.pages import AUTHORITY_PAGE
from lib.report.workbook import (
    UNRECORDED,
    Workbook,
    authority_inferred_years,
    authority_years,
    inference_source,
    source_title,
)


def _evidence_can(wb: Workbook, authority_id: str) -> list[str]:
    """What the authority's evidence-matrix row shows: items available (recorded or inferred,
    kept apart) and items the matrix marks otherwise; lost marks are left to :func:`_cannot_show`."""
    ev = authority_evidence(wb, authority_id)
    positive = positive_status(wb)
    out = []
    for status in dict.fromkeys(ev["status"]):
        if status == UNRECORDED:
            continue
        for inferred in ("no", "yes"):
            rows = ev[(ev["status"] == status) & (ev["inferred"] == inferred)]
            if rows.empty:
                continue
            items = list_phrase(list(rows["evidence_label"]))
            how = (
                f" (inferred from {list_phrase(sorted({inference_source(wb, b) for b in rows['basis']}))})"
                if inferred == "yes"
                else ""
            )
            out.append(
                (
                    f"that {items} existed{how}"
                    if status == positive
                    else f"that the evidence matrix marks {items} {status_label(wb, status)}{how}"
                )
                + alignment_notes(rows)
            )
    return out


def _can_show(wb: Workbook, authority_id: str) -> list[str]:
    """What this authority's evidence can show, computed from its tables."""
    a = wb.authority_row(authority_id)
    left = withdrawal(wb, authority_id)
    ys = authority_years(a)
    out = []
    if ys:
        out.append(
            f"{'its selection for' if left is not None else 'its part in'} {list_phrase(ys)}"
            + years_inference_note(ys, authority_inferred_years(a))
            + (f" and its withdrawal {left.timing}" if left is not None and left.timing else "")
        )
    out += _evidence_can(wb, authority_id)
    if a["case_study"] == "yes":
        out.append("what its case study reports")
    if len(authority_mentions(wb, authority_id)):
        out.append("the other statements the documents make about it (quoted below)")
    n_claims = len(claims_naming(claim_authorities(wb), authority_id))
    if n_claims:
        out.append(f"how the claim audit judged {count_phrase(n_claims, 'published claim')} naming it")
    if wb.has("profiles"):
        out.append("its own account of its aims, work and challenges (self-reported, not verified)")
    return out


def _cannot_show(wb: Workbook, authority_id: str) -> list[str]:
    """What this authority's evidence cannot show, computed from its tables."""
    a = wb.authority_row(authority_id)
    ev = authority_evidence(wb, authority_id)
    unprinted = never_printed(wb, ev)
    lost = list(ev[(ev["status"] == UNRECORDED) & ~unprinted]["evidence_label"])
    out = []
    if not authority_years(a):
        out.append("which year it took part in")
    if lost:
        out.append(
            f"whether {list_phrase(lost)} existed (their marks were lost in the source"
            + alignment_notes(ev[(ev["status"] == UNRECORDED) & ~unprinted], inside=True)
            + ")"
        )
    if unprinted.any():
        cut = list_phrase(list(ev[unprinted]["evidence_label"]))
        cells = "its cell" if unprinted.sum() == 1 else "their cells"
        out.append(
            f"whether {cut} existed (the source's row stops before {cells}"
            + alignment_notes(ev[unprinted], inside=True)
            + ")"
        )
    if a["attitude_survey"] == "yes" and not has_response_data(wb, authority_id):
        out.append(
            f"how its own participants answered the {source_title(wb, 'survey_report')}, which pools every authority"
        )
    elif a["attitude_survey"] != "yes" and wb.has("survey"):
        out.append(f"any answer from its participants in the {source_title(wb, 'survey_report')}")
    if withdrawal(wb, authority_id) is not None:
        out.append(f"any outcome of {wording('events')} there")
    return out


def change_verdict(wb: Workbook, authority_id: str) -> str:
    """The verdict on 'did the programme change anything here?': with the authority's own
    before/after answers an association at best (no comparison group), otherwise untestable."""
    return verdicts.ASSOCIATION if has_response_data(wb, authority_id) else verdicts.UNTESTABLE


def _cannot_list(name: str, verdict: str, cannot: list[str]) -> str:
    """'It cannot show: <item>; <item>; or whether the programme changed anything in X (cannot be
    tested).': a short list in one sentence, each item once, the verdict last (a bulleted list
    would repeat the same lines on every authority page)."""
    changed = f"whether the programme changed anything in {name} ({verdict})"
    return "It cannot show: " + "; ".join([*cannot, f"or {changed}" if cannot else changed]) + "."


def supports(wb: Workbook, authority_id: str) -> Markup:
    """A short judgement of what this authority's evidence can and cannot show."""
    name = wb.name(authority_id)
    verdict = change_verdict(wb, authority_id)
    cannot = _cannot_show(wb, authority_id)
    items = [
        f"{name}'s evidence can show {list_phrase(_can_show(wb, authority_id))}.",
        _cannot_list(name, verdict, cannot),
    ]
    if has_response_data(wb, authority_id):
        items.append(supports_sentence(wb, authority_id))
    return join(AUTHORITY_PAGE.heading("what-it-supports", name=name), bullets(items))


def supports_sentence(wb: Workbook, authority_id: str) -> str:
    """The 'what this evidence supports' line for an authority with response data."""
    name = wb.authority_row(authority_id)["authority"]
    return (
        f"How {name}'s own survey respondents answered before and after {wording('events')}, on exact bases "
        f"from the response data: an association with {wording('events')}, not their impact (no comparison group)."
    )
