"""Pieces every report part shares: links to the caveats log, the evidence legend, the reading of a
cell's assumed alignment and of a year's inference."""

from __future__ import annotations

import re

import pandas as pd
from markupsafe import Markup

from lib import programme
from lib.analysis.design import design_result
from lib.report.charts import StatusStyle, status_styles
from lib.report.html import join, link, render
from lib.report.workbook import CAVEATS_PAGE, QUALITY_LOG_PAGE, Workbook


def claim_anchor(claim_id: str) -> str:
    """The anchor of one claim's card in the programme page's claim audit."""
    return "claim-" + re.sub(r"[^a-z0-9]+", "-", str(claim_id).lower()).strip("-")


def caveat_link(caveat_id: str, label: str) -> Markup:
    """A link to one entry of the caveats page."""
    return link(f"{CAVEATS_PAGE}#{caveat_id.lower()}", label)


def caveats_paragraph(lead: str, entries: list[tuple[str, str]]) -> Markup:
    links = Markup("; ").join(
        caveat_link(cid, f"{cid} {label}" if cid[:1] == "C" else label) for cid, label in entries
    )
    return render("caveats_paragraph.j2", lead=lead, links=links, log=QUALITY_LOG_PAGE)


def caveat_values(plan: programme.Plan, design: dict | None = None) -> dict:
    """The computed values the caveats text names (``{{ design.level }}``, ``{{ rules.tolerance_points }}``):
    the design rating ``design`` (a ``results_design`` row, from the analysis step), else the same rating
    worked out from the plan (:func:`lib.analysis.design.design_result`); the decision rules from the plan."""
    if design is None:
        design = design_result(plan.design.kind, plan.rating_scale, None)
    rules = plan.decision_rules
    return {"design": design, "rules": {**vars(rules), "tolerance_points": f"{rules.tolerance_points:g}"}}


def fill_caveats(text: str, values: dict) -> str:
    """Caveats Markdown with its ``{{ ... }}`` placeholders filled (an unknown name is an error)."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701 (Markdown, escaped where shown)
    return env.from_string(text).render(**values)


def programme_caveats(wb: Workbook) -> list[tuple[str, str]]:
    """The programme's own caveats (its notes/caveats.md headings), ``(id, title)`` in order, with the
    values their titles name filled in (as on the caveats page)."""
    entries = programme.caveat_headings()
    if not any("{{" in title for _, title in entries):
        return entries
    design = wb.results_design.iloc[0].to_dict() if wb.has("results_design") else None
    values = caveat_values(wb.programme.plan, design)
    return [(cid, fill_caveats(title, values)) for cid, title in entries]


def evidence_statuses(wb: Workbook) -> list[programme.EvidenceStatus]:
    """The legend in force: the definition's statuses, in its order, where a status
    the evidence table holds under another name (a printed code outside the legend,
    kept as its own status by the build) takes the place of the status its printed
    code maps to."""
    cached = wb.__dict__.get("_evidence_statuses")
    if cached is not None:
        return cached
    prog = wb.programme
    defined = {s.id: s for s in prog.evidence_statuses}
    ev = wb.evidence
    present = list(dict.fromkeys(ev["status"]))
    extras: dict[str, programme.EvidenceStatus] = {}
    for status in present:
        if status in defined:
            continue
        raw = ev.loc[ev["status"] == status, "raw_code"].mode()
        raw = str(raw.iloc[0]) if len(raw) else ""
        code = next((c for c in prog.printed_codes if c.printed == raw), None)
        base = defined.get(code.status) if code else None
        label = status.replace("_", " ") + (
            " (code not in the legend)" if code and not code.in_printed_legend else ""
        )
        extras[code.status if code else status] = programme.EvidenceStatus(
            id=status,
            code=raw or "?",
            label=label,
            colour=base.colour if base else "#BFBFBF",
            text_colour=base.text_colour if base else "#000000",
        )
    out = []
    for s in prog.evidence_statuses:
        if s.id in extras and s.id not in present:
            out.append(extras.pop(s.id))
        else:
            out.append(s)
    out += list(extras.values())
    wb.__dict__["_evidence_statuses"] = out
    return out


def status_ids(wb: Workbook) -> list[str]:
    return [s.id for s in evidence_statuses(wb)]


def status_label(wb: Workbook, status: str) -> str:
    return {s.id: s.label for s in evidence_statuses(wb)}[status]


def styles(wb: Workbook) -> dict[str, StatusStyle]:
    return status_styles(evidence_statuses(wb))


def evidence_keys(evidence: pd.DataFrame) -> pd.Series:
    """Each cell's heatmap/bar key: an inferred status is its own category."""
    from lib.report.charts import status_key

    return pd.Series(
        [status_key(s, i) for s, i in zip(evidence["status"], evidence["inferred"], strict=False)],
        index=evidence.index,
    )


#: How the build marks, in a cell's ``basis``, the alignment it assumed for a row printed short.
ALIGNMENT_MARK = "alignment assumed: "


def alignment_notes(rows: pd.DataFrame, inside: bool = False) -> str:
    """' (the Attitude survey cell is placed by an assumption: this row prints 13 cells ...)' for each
    of ``rows`` (evidence cells) whose printed row is short, so its place is assumed (its ``basis``);
    ``inside``: as '; the Attitude survey cell ...', to end a parenthesis already open."""
    notes = [
        f"the {label} cell is placed by an assumption: {basis.partition(ALIGNMENT_MARK)[2].replace('; ', ', and ')}"
        for label, basis in zip(rows["evidence_label"], rows["basis"], strict=True)
        if ALIGNMENT_MARK in basis
    ]
    if not notes:
        return ""
    return f"; {'; '.join(notes)}" if inside else f" ({'; '.join(notes)})"


def reasoning(reasons: pd.Series) -> str:
    """Several statements' reasoning as one, each point once: a clause saying a date or phrase is
    'not a programme year' only the first time, and a clause concluding 'it is read as <year>' not
    when another already says the date 'falls in <year>' (Richmond's two statements)."""
    clauses = [c.strip().rstrip(".") for r in reasons for c in str(r).split("; ")]
    falls = {m for c in clauses for m in re.findall(r"falls in (\S+)", c)}
    out: list[str] = []
    for clause in clauses:
        concluded = re.match(r"it is read as (\S+)", clause)
        said = (
            clause in out
            or (
                clause.endswith("not a programme year")
                and any(c.endswith("not a programme year") for c in out)
            )
            or (concluded is not None and concluded.group(1) in falls)
        )
        if clause and not said:
            out.append(clause)
    return "; ".join(out)


__all__ = ["alignment_notes", "caveat_link", "caveats_paragraph", "evidence_statuses", "join", "reasoning"]
