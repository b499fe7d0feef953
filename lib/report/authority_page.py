"""The authority page, led by what is specific to the authority.

Each section function returns one section under the heading and anchor id
:data:`lib.report.pages.AUTHORITY_PAGE` gives it, or nothing when the
authority has no such material, so a page never carries an empty section. Programme-wide context
(KPIs, the pooled survey, the claim audit, the caveats) appears once, as a
short linked paragraph (:func:`programme_context`), not repeated section by
section.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.analysis import claim_verdict
from lib.programme import wording
from lib.report.common import caveat_link, status_label
from lib.report.facts import authority_evidence, has_response_data, positive_status, withdrawal
from lib.report.format import count_phrase, list_phrase, percent, sentence
from lib.report.html import (
    bullets,
    heading,
    join,
    link,
    numbered,
    paragraph,
    quote_block,
    render,
    report_style,
    table_html,
    warning,
)
from lib.report.pages import AUTHORITY_PAGE, PROGRAMME_PAGE
from lib.report.workbook import (
    ACTIVITY,
    CAVEATS_PAGE,
    UNRECORDED,
    Workbook,
    authority_years,
    inference_source,
    period,
    profile_answer,
    programme_name,
    source_doc,
    source_title,
    year_label,
)


def _facts(wb: Workbook, authority_id: str) -> dict[str, str]:
    f = wb.case_study_facts[wb.case_study_facts["authority_id"] == authority_id]
    return dict(zip(f["fact"], f["value"], strict=True))


def _years_sentence(wb: Workbook, name: str, authority: pd.Series) -> str:
    ys = authority_years(authority)
    if not ys:
        return f"No document says in which programme year {name} took part."
    return f"{name} took part in {list_phrase([year_label(wb, y) for y in ys])}."


def withdrawal_meaning(wb: Workbook, authority_id: str) -> str:
    """What a withdrawal means for the evidence about this authority (empty if none)."""
    left = withdrawal(wb, authority_id)
    if left is None:
        return ""
    f = _facts(wb, authority_id)
    people = f.get("task_group_participants")
    group = (
        f" The evidence about it comes from {people} people in its task group "
        f"({f.get('task_group_participants_from', 'its partners')})"
        if people
        else " The evidence about it comes from its planning"
    )
    return (
        group + ", not from a workshop: no survey answer, KPI or workshop figure describes it, and its "
        "proposals are plans that were never put to a workshop, not results."
    )


def authority_summary(wb: Workbook, authority_id: str) -> Markup:
    """Title and a summary of what the documents say about this authority."""
    a = wb.authority_row(authority_id)
    name = a["authority"]
    f = _facts(wb, authority_id)
    left = withdrawal(wb, authority_id)
    ys = authority_years(a)
    sentences = [
        _years_sentence(wb, name, a)
        if left is None or not ys
        else f"{name} was selected for {list_phrase([year_label(wb, y) for y in ys])}."
    ]
    if f.get("selection_reason"):
        sentences.append(f"It was selected because {f['selection_reason']}.")
    activity = profile_answer(wb, authority_id, ACTIVITY)
    if activity is not None and activity["text"]:
        sentences[0] = (
            sentences[0].rstrip(".") + "; its profile records its programme activity as "
            f"\u201c{activity['text']}\u201d."
        )
    if left is not None:
        sentences.append(left.sentence(name) + withdrawal_meaning(wb, authority_id))
    elif "workshop_participants" in f:
        sentences.append(
            f"Its case study records a workshop on {f.get('workshop_date', 'a date not stated')} "
            f"with {f['workshop_participants']} participants."
        )
    sentences[0] = (
        sentences[0].rstrip(".")
        + "; "
        + (
            f"it {'is' if a['attitude_survey'] == 'yes' else 'is not'} among the authorities "
            f"the {source_title(wb, 'survey_report')} names as its sources"
            + (
                f", alongside {list_phrase(_other_survey_names(wb, authority_id))}"
                if a["attitude_survey"] == "yes"
                else ""
            )
            + "."
        )
    )
    doubtful = int(
        ((wb.profiles["authority_id"] == authority_id) & (wb.profiles["alignment"] == "doubtful")).sum()
    )
    if doubtful:
        sentences.append(
            f"{count_phrase(doubtful, 'profile answer')} may be misaligned in the source table "
            "and carry a warning below."
        )
    return join(
        report_style(),
        heading(f"{name}: evaluation report", 1),
        AUTHORITY_PAGE.heading("summary"),
        paragraph(*sentences),
    )


def _other_survey_names(wb: Workbook, authority_id: str) -> list[str]:
    a = wb.authorities
    return a[(a["attitude_survey"] == "yes") & (a["authority_id"] != authority_id)]["authority"].tolist()


def participation(wb: Workbook, authority_id: str) -> Markup:
    """The statements that place the authority in a year, and its case-study events."""
    a = wb.authority_row(authority_id)
    name = a["authority"]
    statements = wb.membership[wb.membership["authority_id"] == authority_id]
    f = _facts(wb, authority_id)
    parts = []
    for _, s in statements.iterrows():
        parts.append(
            quote_block(
                s["quote"],
                f"{source_doc(wb, s['source'])}; places {name} in {s['years_stated'].replace(';', ' and ')}",
            )
        )
    events = []
    if "task_group_date" in f:
        events.append(
            f"Task group meetings took place in {f['task_group_date']}"
            + (
                f" with {f['task_group_participants']} participants from "
                f"{f.get('task_group_participants_from', 'partners')}"
                if "task_group_participants" in f
                else ""
            )
            + "."
        )
    if "workshop_date" in f:
        events.append(
            f"A workshop took place on {f['workshop_date']}"
            + (f" with {f['workshop_participants']} participants" if "workshop_participants" in f else "")
            + (f" from {f['workshop_participants_from']}" if "workshop_participants_from" in f else "")
            + "."
        )
    left = withdrawal(wb, authority_id)
    if left is not None and left.planned:
        events.append(
            f"A workshop was planned for {left.planned}"
            + (f" as {f['planned_workshop_format']}" if "planned_workshop_format" in f else "")
            + "."
        )
    if "activity_instead_of_workshop" in f:
        events.append(f"Instead, {f['activity_instead_of_workshop']}.")
    if events:
        parts.append(paragraph(*events))
    if not parts:
        return Markup("")
    return join(AUTHORITY_PAGE.heading("participation"), *parts)


@AUTHORITY_PAGE.gate("profile")
def profile(wb: Workbook, authority_id: str) -> Markup:
    """The authority's own answers to the profile questions, quoted under one citation;
    unanswered questions in one line."""
    name = wb.name(authority_id)
    parts, missing, sources = [], [], []
    for q in wb.programme.profile_questions:
        if q.id == ACTIVITY:
            continue
        row = profile_answer(wb, authority_id, q.id)
        if row is None or not row["text"]:
            missing.append(q.label)
            continue
        sources.append(source_doc(wb, row["source"]))
        parts.append(heading(q.label, 3))
        if row["alignment"] == "doubtful":
            parts.append(warning(row["alignment_note"]))
        parts.append(quote_block(row["text"]))
    if missing:
        parts.append(
            paragraph(
                sentence(f"The programme report prints no answer for {name} to: {list_phrase(missing)}")
            )
        )
    if not parts:
        return Markup("")
    cited = f", as printed in the {list_phrase(sorted(set(sources)))}" if sources else ""
    return join(AUTHORITY_PAGE.heading("profile", name=name, cited=cited), *parts)


def evidence_groups(wb: Workbook, authority_id: str) -> list[tuple[str, list[str]]]:
    """The authority's evidence row grouped: ``[(status words, [item labels]), ...]``."""
    ev = authority_evidence(wb, authority_id)
    groups = []
    for status in dict.fromkeys(ev["status"]):
        for inferred in ("no", "yes"):
            rows = ev[(ev["status"] == status) & (ev["inferred"] == inferred)]
            if rows.empty:
                continue
            if inferred == "yes":
                sources = sorted({inference_source(wb, b) for b in rows["basis"]})
                words = f"{status_label(wb, status)} by inference from the {list_phrase(sources)}"
            elif status == UNRECORDED:
                words = "status lost in the source"
            else:
                words = status_label(wb, status)
            groups.append((words, list(rows["evidence_label"])))
    return groups


def evidence_row(wb: Workbook, authority_id: str) -> Markup:
    """The authority's row of the evidence matrix in one sentence, grouped by status."""
    name = wb.name(authority_id)
    groups = evidence_groups(wb, authority_id)
    n = sum(len(items) for _, items in groups)
    sentence = (
        f"Of the {n} items in the programme's evidence matrix, {name}'s row reads: "
        + "; ".join(f"{words}: {list_phrase(items)}" for words, items in groups)
        + "."
    )
    return join(
        AUTHORITY_PAGE.heading("evidence", name=name),
        paragraph(sentence),
    )


def case_study(wb: Workbook, authority_id: str) -> Markup:
    """Challenges, partners' proposals by theme beside the practice guidance, reported impact and
    the case study's own accounts; nothing when no case study was published."""
    name = wb.name(authority_id)
    props = wb.proposals[wb.proposals["authority_id"] == authority_id]
    challenges = wb.challenges[wb.challenges["authority_id"] == authority_id]
    impacts = wb.case_study_impacts[wb.case_study_impacts["authority_id"] == authority_id]
    sections = case_study_sections(wb, authority_id)
    if props.empty and challenges.empty and impacts.empty and not sections:
        return Markup("")
    parts = [AUTHORITY_PAGE.heading("case-study")]
    if len(challenges):
        parts += [
            paragraph(f"{name}'s case study sets out {count_phrase(len(challenges), 'challenge')}:"),
            numbered(challenges["text"]),
        ]
    if len(props):
        parts.append(
            render(
                "proposals_lead.j2",
                name=name,
                n=len(props),
                href=f"{PROGRAMME_PAGE.html}#{PROGRAMME_PAGE.anchor('themes')}",
            )
        )
    for _, p in props.sort_values("theme_order").iterrows():
        parts.append(heading(p["theme_label"], 3))
        parts.append(
            quote_block(
                p["text"], f"{name}'s partners ({p['theme_as_printed']}), {source_doc(wb, p['source'])}"
            )
        )
    if len(impacts):
        parts += [heading("Reported impact", 3), case_study_impact_table(wb, impacts, name)]
    parts.append(sections)
    return join(*parts)


def supports(wb: Workbook, authority_id: str) -> Markup:
    """What this authority's evidence supports and what it does not, in one judgement each."""
    a = wb.authority_row(authority_id)
    name = a["authority"]
    ev = authority_evidence(wb, authority_id)
    positive = positive_status(wb)
    have = ev[ev["status"] == positive]
    lost = ev[ev["status"] == UNRECORDED]["evidence_label"].tolist()
    left = withdrawal(wb, authority_id)
    ys = authority_years(a)
    yes = []
    if ys:
        yes.append(
            f"{'its selection for' if left is not None else 'its part in'} {list_phrase(ys)}"
            + (f" and its withdrawal {left.timing}" if left is not None and left.timing else "")
        )
    if len(have):
        yes.append(
            f"the existence of {list_phrase(list(have['evidence_label']))}"
            + (" (by inference from another document)" if (have["inferred"] == "yes").all() else "")
        )
    yes.append("its own account of its aims, work and challenges, which is self-reported, not verified")
    no = []
    if not ys:
        no.append("which year it took part in")
    if lost:
        no.append(f"whether {list_phrase(lost)} existed")
    if left is not None:
        no.append("any outcome of a workshop there")
    no.append("any change the programme caused")
    items = [f"For {name}, the documents support {list_phrase(yes)}, but cannot show {list_phrase(no)}."]
    if has_response_data(wb, authority_id):
        items.append(supports_sentence(wb, authority_id))
    return join(AUTHORITY_PAGE.heading("what-it-supports"), bullets(items))


def programme_context(wb: Workbook, authority_id: str) -> Markup:
    """The shared programme context, once, as a short linked paragraph."""
    name = wb.name(authority_id)
    return render(
        "programme_context.j2",
        heading=AUTHORITY_PAGE.heading("programme-context"),
        name=name,
        programme=programme_name(wb),
        n=wb.n_authorities,
        period=period(wb),
        programme_page=PROGRAMME_PAGE.html,
        anchors={key: PROGRAMME_PAGE.anchor(key) for key in ("kpis", "survey", "claim-audit", "methods")},
        caveats=link(CAVEATS_PAGE, "caveats"),
        c2=caveat_link("C2", "no comparison group"),
    )


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

    Disclosure rule (data/notes/caveats.md C6): a figure the sources already publish
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


def supports_sentence(wb: Workbook, authority_id: str) -> str:
    """The 'what this evidence supports' line for an authority with response data."""
    name = wb.authority_row(authority_id)["authority"]
    return (
        f"How {name}'s own survey respondents answered before and after {wording('events')}, on exact bases "
        f"from the response data: an association with {wording('events')}, not their impact (no comparison group)."
    )
