"""The authority report: one local authority's part in the programme.

Sections lead with what the documents say about this authority; programme-wide
figures appear only as context, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup

from lib.analysis import claim_verdict, uncertainty
from lib.report.common import caveat_link, caveats_paragraph, status_label
from lib.report.evidence import (
    _positive,
    authority_evidence,
    evidence_counts,
    evidence_status_counts,
    status_count_phrase,
)
from lib.report.format import bounded, count_phrase, is_are, list_phrase, percent
from lib.report.html import (
    bullets,
    heading,
    join,
    note,
    numbered,
    paragraph,
    quote_block,
    render,
    table_html,
    warning,
)
from lib.report.survey import understanding_changes, understanding_table
from lib.report.workbook import (
    UNRECORDED,
    Workbook,
    authority_years,
    inference_source,
    period,
    programme_name,
    source_doc,
    years_phrase,
)

#: Profile question and KPI holding the programme's activity (schema ids, not programme vocabulary).
ACTIVITY = "programme_activity"


def report_style() -> Markup:
    return render("style.j2")


def authority_title(wb: Workbook, authority_id: str) -> Markup:
    a = wb.authority_row(authority_id)
    ev = authority_evidence(wb, authority_id)
    counts = evidence_counts(wb, ev)
    doubtful = wb.profiles[
        (wb.profiles["authority_id"] == authority_id) & (wb.profiles["alignment"] == "doubtful")
    ]
    glance = [
        f"Programme years: {years_phrase(wb, a['years'])}.",
        f"Evidence items {status_label(wb, _positive(wb))}: "
        f"{status_count_phrase(wb, evidence_status_counts(wb, ev), _positive(wb))} "
        f"of {len(ev)}; unrecorded (status lost in the source): {counts.get(UNRECORDED, 0)}.",
        "Case study: "
        + (
            f"yes, with partner proposals on "
            f"{int((wb.proposals['authority_id'] == authority_id).sum())} themes."
            if a["case_study"] == "yes"
            else "none published."
        ),
        "Attitude survey: "
        + (
            "its workshops were among the survey's sources (no authority-level breakdown exists)."
            if a["attitude_survey"] == "yes"
            else "not among the authorities the survey report names."
        ),
    ]
    if len(doubtful):
        glance.append(
            f"{count_phrase(len(doubtful), 'profile answer')} flagged as possibly "
            "misaligned in the source table (shown with a warning below)."
        )
    left = withdrawal(wb, authority_id)
    if left is not None:
        glance.insert(1, "Withdrawal: " + left.sentence(a["authority"]) + f" ({source_doc(wb, left.source)})")
    return join(
        report_style(),
        heading(f"{a['authority']}: evaluation report", 1),
        paragraph(
            f"This report brings together the published evidence on {a['authority']}'s part in "
            f"the {programme_name(wb)}, which ran with {wb.n_authorities} local authorities in {period(wb)}. "
            "Figures are computed from the workbook's processed tables; quotations are the "
            "authority's own words as printed in the programme report."
        ),
        heading("At a glance", 2, "at-a-glance"),
        bullets(glance),
    )


def participation_section(wb: Workbook, authority_id: str) -> Markup:
    a = wb.authority_row(authority_id)
    parts = [paragraph(f"{a['authority']}: {years_phrase(wb, a['years'])}.")]
    statements = wb.membership[wb.membership["authority_id"] == authority_id]
    if len(statements):
        rows = pd.DataFrame(
            {
                "Statement": statements["quote"],
                "Years it indicates": statements["years_stated"].str.replace(";", " and "),
                "Source": statements["source"].map(lambda x: source_doc(wb, x)),
            }
        )
        parts.append(
            table_html(rows, f"Statements that place {a['authority']} in a programme year", row_header=False)
        )
    else:
        parts.append(
            note(
                "No document places this authority in a programme year; the workbook "
                "leaves the year unrecorded rather than guessing (see the data-quality log)."
            )
        )
    activity = _profile_text(wb, authority_id, ACTIVITY)
    if activity is not None:
        parts.append(
            paragraph(
                f"Programme activity recorded for {a['authority']}: {activity['text'] or 'nothing printed'}."
            )
        )
        if activity["alignment"] == "doubtful":
            parts.append(note(activity["alignment_note"]))
    facts = wb.case_study_facts[wb.case_study_facts["authority_id"] == authority_id]
    if len(facts):
        parts.append(case_study_events(facts, a["authority"]))
    sentences = activity_sentences(wb, authority_years(a), "the programme as a whole")
    if sentences:
        parts.append(
            paragraph(
                *sentences,
                "These are programme-wide totals across all partner authorities; the documents do "
                f"not give {a['authority']}'s share of them.",
            )
        )
    return join(*parts)


@dataclass(frozen=True)
class Withdrawal:
    """An authority's withdrawal from the programme, as its case study states it."""

    reason: str
    timing: str
    planned: str
    instead: str
    source: str

    def sentence(self, name: str) -> str:
        why = f" ({self.reason})" if self.reason else ""
        when = f" {self.timing}" if self.timing else ""
        instead = f" Instead, {self.instead}." if self.instead else ""
        return f"{name} withdrew from the programme{why}{when}.{instead}"


def withdrawal(wb: Workbook, authority_id: str) -> Withdrawal | None:
    """The withdrawal the case study records for this authority, or None."""
    facts = wb.case_study_facts[wb.case_study_facts["authority_id"] == authority_id]
    f = dict(zip(facts["fact"], facts["value"], strict=False))
    if "withdrew" not in f:
        return None
    src = facts.loc[facts["fact"] == "withdrew", "source"].iloc[0]
    return Withdrawal(
        reason=f.get("withdrawal_reason", ""),
        timing=f.get("withdrawal_timing", ""),
        planned=f.get("workshop_planned", ""),
        instead=f.get("activity_instead_of_workshop", ""),
        source=src,
    )


def activity_sentences(
    wb: Workbook, years: list[str] | None = None, subject: str = "the programme"
) -> list[str]:
    """'In 2012-13 the programme ran 10 workshops, ...', one sentence per year
    (all years when ``years`` is empty or None)."""
    rows = wb.kpis[wb.kpis["kpi"] == ACTIVITY]
    if years:
        rows = rows[rows["year"].isin(years)]
    return [
        f"In {year} {subject} ran "
        + list_phrase(
            [f"{bounded(r['value'], r['bound'])} {r['measure_label'].lower()}" for _, r in group.iterrows()]
        )
        + "."
        for year, group in rows.groupby("year", sort=True)
    ]


def case_study_events(facts: pd.DataFrame, name: str) -> Markup:
    f = dict(zip(facts["fact"], facts["value"], strict=False))
    sentences = []
    if "workshop_date" in f:
        people = f" with {f['workshop_participants']} participants" if "workshop_participants" in f else ""
        sentences.append(f"The case study records a workshop on {f['workshop_date']}{people}.")
    if "task_group_date" in f:
        people = (
            f" with {f['task_group_participants']} participants from "
            f"{f.get('task_group_participants_from', 'partners')}"
            if "task_group_participants" in f
            else ""
        )
        sentences.append(f"Task group meetings took place in {f['task_group_date']}{people}.")
    if "withdrew" in f:
        sentences.append(
            f"{name} {f['withdrew']} ({f.get('withdrawal_reason', 'reason not stated')}), "
            f"{f.get('withdrawal_timing', '')}.".replace(", .", ".")
        )
    if "activity_instead_of_workshop" in f:
        sentences.append(f"Instead, {f['activity_instead_of_workshop']}.")
    return paragraph(*sentences) if sentences else Markup("")


def _profile_text(wb: Workbook, authority_id: str, question: str) -> pd.Series | None:
    rows = wb.profiles[(wb.profiles["authority_id"] == authority_id) & (wb.profiles["question"] == question)]
    return None if rows.empty else rows.iloc[0]


def profile_section(wb: Workbook, authority_id: str) -> Markup:
    """What attracted the authority, what it did, its challenges and plans."""
    a = wb.authority_row(authority_id)
    parts = []
    for qid, label in [(q.id, q.label) for q in wb.programme.profile_questions if q.id != ACTIVITY]:
        row = _profile_text(wb, authority_id, qid)
        parts.append(heading(label, 3))
        if row is None or not row["text"]:
            parts.append(paragraph(f"The programme report prints no answer for {a['authority']}."))
            continue
        if row["alignment"] == "doubtful":
            parts.append(warning(row["alignment_note"]))
        parts.append(quote_block(row["text"], f"{a['authority']}, {source_doc(wb, row['source'])}"))
    return join(*parts)


def proposals_section(wb: Workbook, authority_id: str) -> Markup:
    a = wb.authority_row(authority_id)
    props = wb.proposals[wb.proposals["authority_id"] == authority_id]
    if props.empty:
        return paragraph(
            f"No case study was published for {a['authority']}, so there are no partner proposals "
            "by theme for it. The programme report's practice guidance by theme, which draws on all "
            "the workshops, is summarised in the programme report."
        )
    parts = []
    challenges = wb.challenges[wb.challenges["authority_id"] == authority_id]
    if len(challenges):
        parts.append(
            paragraph(
                f"The case study sets out {count_phrase(len(challenges), 'challenge')} "
                f"for {a['authority']}'s partners:"
            )
        )
        parts.append(numbered(challenges["text"]))
    parts.append(
        paragraph(
            f"Partners proposed one way of working collaboratively for each of {len(props)} themes. "
            "Beside each proposal is the programme's practice guidance for the same theme (key principles "
            "and practice suggestions, from the programme report's practice guidance)."
        )
    )
    for _, p in props.sort_values("theme_order").iterrows():
        guidance = wb.guidance[wb.guidance["theme"] == p["theme"]]
        parts.append(heading(p["theme_label"], 3))
        parts.append(
            quote_block(
                p["text"], f"Partners' proposal ({p['theme_as_printed']}), {source_doc(wb, p['source'])}"
            )
        )
        principles = [g for g in guidance["key_principle"] if g]
        parts.append(
            paragraph(
                f"Practice guidance for this theme: {count_phrase(len(principles), 'key principle')} and "
                f"{count_phrase(len(guidance), 'practice suggestion')}."
            )
        )
        if principles:
            parts.append(bullets(principles))
    impacts = wb.case_study_impacts[wb.case_study_impacts["authority_id"] == authority_id]
    if len(impacts):
        parts.append(heading("Reported impact", 3))
        parts.append(case_study_impact_table(wb, impacts, a["authority"]))
    parts.append(case_study_sections(wb, authority_id))
    return join(*parts)


def case_study_sections(wb: Workbook, authority_id: str) -> Markup:
    """The case study's own 'Positive impact achieved' and 'Putting learning into
    practice' sections, quoted, with what they can and cannot show."""
    wb.authority_row(authority_id)
    rows = wb.case_study_sections[wb.case_study_sections["authority_id"] == authority_id]
    if rows.empty:
        return Markup("")
    parts = []
    for section, label in (
        rows[["section", "section_label"]].drop_duplicates("section").itertuples(index=False)
    ):
        text = rows[rows["section"] == section].sort_values("paragraph_order")
        if text.empty:
            continue
        parts.append(heading(f"In the case study's words: {label.lower()}", 3))
        for _, r in text.iterrows():
            parts.append(quote_block(r["text"], source_doc(wb, r["source"])))
    parts.append(
        paragraph(
            "These are the case study's own accounts, not independent measurements. Where they describe a "
            f"change brought about by the programme, the claim audit in the programme report judges them: "
            f"{claim_verdict.CAUSAL_WORDS}."
        )
    )
    return join(*parts)


def case_study_impact_table(wb: Workbook, impacts: pd.DataFrame, name: str) -> Markup:
    """The case study's percentages, shown as published, with their source.

    Disclosure rule (docs/caveats.md C6): a figure the sources already publish
    is shown with its source on every page; disclosure control applies to
    figures the workbook derives. The group sizes behind these shares are not
    published, so nothing is derived from them (no count, no interval).
    """
    facts = wb.case_study_facts[wb.case_study_facts["authority_id"] == impacts["authority_id"].iloc[0]]
    total = dict(zip(facts["fact"], facts["value"], strict=False)).get("workshop_participants")
    table = pd.DataFrame(
        {
            "Participant group": impacts["group_label"],
            "Reported share (as published)": impacts["value"].map(percent),
            "Statement (as published)": impacts["statement"],
            "Source": impacts["source"].map(lambda x: source_doc(wb, x)),
        }
    )
    words = (
        f"The case study reports these shares for groups of the {total} workshop participants "
        if total
        else "The case study reports these shares "
    )
    return join(
        paragraph(
            words + "without giving the size of each group. They are shown as published, with their "
            "source: the workbook derives nothing from them (no counts, intervals or comparisons), "
            "because a group could be small and its size is unknown."
        ),
        table_html(table, f"{name}: reported impact by participant group (as published)"),
        render("link_line.j2", lead="Disclosure rule:", links=[caveat_link("C6", "C6 disclosure control")]),
    )


def survey_section(wb: Workbook, authority_id: str) -> Markup:
    a = wb.authority_row(authority_id)
    named = wb.authorities[wb.authorities["attitude_survey"] == "yes"]["authority"].tolist()
    if a["attitude_survey"] != "yes":
        return paragraph(
            f"The attitude survey report names the {len(named)} authorities its responses "
            f"came from ({list_phrase(named)}); {a['authority']} is not among them, so none of the "
            f"survey's figures describe {a['authority']}'s participants."
        )
    understanding = understanding_changes(wb)
    overall = understanding[understanding["sector"] == "all"].iloc[0]
    return join(
        paragraph(
            f"{a['authority']} is one of the {len(named)} authorities whose workshops supplied the "
            "attitude survey. The survey report gives no breakdown by authority, so the "
            f"figures below are programme-wide context only: they cannot show how {a['authority']}'s "
            "own participants answered.",
            uncertainty.describe_change(
                overall,
                f"Across all {len(named)} authorities, the share of respondents "
                f"in the '{overall['item_label']}' series",
            ),
        ),
        table_html(
            understanding_table(wb, understanding),
            f"{overall['item_label']}, before and after the workshops (all {len(named)} authorities)",
        ),
        render(
            "link_line.j2",
            lead="Design limits:",
            links=[
                caveat_link("C1", "C1 unlinked, overlapping before and after groups"),
                caveat_link("C2", "C2 no comparison group"),
                caveat_link("C3", "C3 approximated sector bases"),
            ],
        ),
    )


def kpi_section(wb: Workbook, authority_id: str) -> Markup:
    a = wb.authority_row(authority_id)
    years = authority_years(a)
    kpis = wb.kpis[(wb.kpis["kpi"] != ACTIVITY)]
    left = withdrawal(wb, authority_id)
    if years and left is not None:
        kpis = kpis[kpis["year"].isin(years)]
        lead = (
            f"The programme's key performance measures for {list_phrase(years)}. {a['authority']} "
            f"was selected for that year but withdrew {left.timing or 'early'}, so none of these "
            "figures comes from workshops it took part in. "
        )
    elif years:
        kpis = kpis[kpis["year"].isin(years)]
        lead = (
            f"The programme's key performance measures for {list_phrase(years)}, the "
            f"year{'s' if len(years) > 1 else ''} {a['authority']} took part. "
        )
    else:
        lead = (
            f"The documents do not say which year {a['authority']} took part in, so the measures "
            "for every year are shown. "
        )
    return join(
        paragraph(
            lead + "They are programme-wide: the KPI table gives no figures by authority and no "
            "base sizes, so they describe the programme, not this authority."
        ),
        table_html(kpi_table(kpis), "Key performance measures (programme-wide)"),
    )


def kpi_table(kpis: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Measure": kpis["kpi_label"],
            "Year": kpis["year"],
            "Indicator": kpis["measure_label"],
            "Value": [_kpi_value(r) for _, r in kpis.iterrows()],
        }
    )


def _kpi_value(row: pd.Series) -> str:
    if row["unit"] == "proportion":
        return percent(row["value"])
    if row["unit"] == "count":
        return bounded(row["value"], row["bound"])
    return row["text"]


def supports_section(wb: Workbook, authority_id: str) -> Markup:
    """What this evidence supports and what it does not (generated)."""
    a = wb.authority_row(authority_id)
    ev = authority_evidence(wb, authority_id)
    counts = evidence_counts(wb, ev)
    positive = _positive(wb)
    available = ev[(ev["status"] == positive) & (ev["inferred"] == "no")]["evidence_label"].tolist()
    inferred_available = ev[(ev["status"] == positive) & (ev["inferred"] == "yes")]
    inferred_available = [
        f"{r['evidence_label']} ({inference_source(wb, r['basis'])})"
        for _, r in inferred_available.iterrows()
    ]
    doubtful = wb.profiles[
        (wb.profiles["authority_id"] == authority_id) & (wb.profiles["alignment"] == "doubtful")
    ]
    supports = []
    left = withdrawal(wb, authority_id)
    if authority_years(a) and left is not None:
        supports.append(
            f"That {a['authority']} joined the programme in {list_phrase(authority_years(a))} "
            f"and then withdrew {left.timing or ''} ({left.reason or 'reason not stated'}), "
            "as its case study states."
        )
    elif authority_years(a):
        supports.append(
            f"That {a['authority']} took part in {list_phrase(authority_years(a))}, as the documents state."
        )
    if available:
        supports.append(
            f"That {count_phrase(len(available), 'evidence item')} "
            f"{is_are(len(available))} recorded as {status_label(wb, positive)} in the "
            f"matrix: {list_phrase(available)}."
        )
    if inferred_available:
        supports.append(
            f"That {count_phrase(len(inferred_available), 'evidence item')} "
            f"{'was' if len(inferred_available) == 1 else 'were'} produced, as another "
            f"document states (inferred, not recorded in the matrix): "
            f"{list_phrase(inferred_available)}."
        )
    supports.append(
        f"{a['authority']}'s own account of what attracted it, what it did, the challenges it "
        "met and its plans: self-reported, not independently verified."
    )
    if a["case_study"] == "yes":
        n = int((wb.proposals["authority_id"] == authority_id).sum())
        supports.append(
            f"The {n} partner proposals recorded in the case study, as statements of what "
            "partners proposed, not of what was implemented."
        )
    does_not = [
        f"That the programme caused any change in {a['authority']}: there is no comparison group and "
        "no authority-level outcome measure (Maryland Scientific Methods Scale level 1 at best).",
    ]
    if left is not None:
        does_not.insert(
            0,
            f"Any outcome of a programme workshop in {a['authority']}: it withdrew "
            f"{left.timing or 'early'}, so no workshop figure describes it.",
        )
    if a["years"] == UNRECORDED:
        does_not.append(f"Any statement about which year {a['authority']} took part in.")
    if counts.get(UNRECORDED, 0):
        does_not.append(
            f"Any statement about the {count_phrase(int(counts[UNRECORDED]), 'evidence item')} "
            "whose status was lost in the source."
        )
    from lib.report import survey_responses as survey_section  # respondent-level data, where they exist

    if survey_section.has_response_data(wb, authority_id):
        supports.append(survey_section.supports_sentence(wb, authority_id))
    elif a["attitude_survey"] == "yes":
        does_not.append(
            f"Survey findings for {a['authority']} specifically: the survey report pools "
            f"{wb.n_survey_authorities} authorities and gives no breakdown by authority."
        )
    if len(doubtful):
        does_not.append(
            f"Confident attribution of the {count_phrase(len(doubtful), 'profile answer')} "
            "flagged as possibly misaligned in the source table."
        )
    does_not.append("Any authority-level reading of the KPIs, which the programme reports only in total.")
    return join(
        heading("What this evidence supports", 3),
        bullets(supports),
        heading("What it does not support", 3),
        bullets(does_not),
        caveats_paragraph(
            "This report relies on these entries of the assumptions and caveats log:",
            [
                ("C1", "unlinked before and after groups"),
                ("C2", "no comparison group"),
                ("C6", "disclosure control"),
                ("cleaning-inferences", "cleaning inferences"),
            ],
        ),
    )
