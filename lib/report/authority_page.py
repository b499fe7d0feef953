"""The authority page, led by what is specific to the authority.

Each section function returns one section under the heading and anchor id
:data:`lib.report.pages.AUTHORITY_PAGE` gives it, or nothing when the
authority has no such material, so a page never carries an empty section. Programme-wide context
(KPIs, the pooled survey, the claim audit, the caveats) appears once, as a
short linked paragraph (:func:`programme_context`), not repeated section by
section.
"""

from __future__ import annotations

import re

import pandas as pd
from markupsafe import Markup, escape

from lib.report.common import caveat_link, claim_anchor, reasoning
from lib.report.facts import (
    authority_mentions,
    case_study_events,
    claim_authorities,
    claims_naming,
    said_in,
    withdrawal,
    years_words,
)
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
    Workbook,
    authority_years,
    profile_answer,
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


def _cites(wb: Workbook, sources: pd.Series) -> str:
    """The documents and sections of ``sources``, each document named once."""
    by_doc: dict[str, list[str]] = {}
    for cite in dict.fromkeys(source_doc(wb, s) for s in sources):
        doc, _, section = cite.partition(", ")
        by_doc.setdefault(doc, []).append(section)
    return "; and in the ".join(f"{doc}, {list_phrase(sections)}" for doc, sections in by_doc.items())


def _years_basis(wb: Workbook, authority_id: str, identified: bool = False) -> str:
    """Where the authority's years are stated, cited by document and section (a statement
    that names several authorities is cited here, not quoted on each of their pages); a
    statement whose year is read from a date or phrase is cited apart, with its inference.
    ``identified``: the source names the authority only by a name read as it (an identification
    inference), so its years are "according to" the source, not "stated" for the authority."""
    rows = wb.membership[wb.membership["authority_id"] == authority_id]
    read = rows["year_inference"] != ""
    stated = "according to" if identified else "as stated in"
    out = f", {stated} the {_cites(wb, rows[~read]['source'])}" if (~read).any() else ""
    if read.any():
        why = reasoning(rows[read]["year_inference"])
        out += f"{'; and' if out else ','} read from the {_cites(wb, rows[read]['source'])} (an inference: {why})"
    return out


def authority_summary(wb: Workbook, authority_id: str) -> Markup:
    """Title and what the documents say about this authority, in a few sentences of its own."""
    a = wb.authority_row(authority_id)
    name = a["authority"]
    f = _facts(wb, authority_id)
    left = withdrawal(wb, authority_id)
    ys = authority_years(a)
    years = list_phrase([year_label(wb, y) for y in ys])
    inference = str(a["years_basis"]).partition("identification inference:")[2].strip()
    basis = _years_basis(wb, authority_id, identified=bool(inference))
    if left is not None:  # the withdrawal first: the reader learns it before anything else
        opening = f"{name} was {years_words(True)} {years} and" if ys else name
        sentences = [f"{opening} {left.clause()}."]
        first = f"Its selection for {years} is {basis.removeprefix(', ')}" if ys and basis else ""
    else:
        sentences = []
        first = _years_sentence(wb, name, a).rstrip(".") + basis
    if inference:  # a name in one document read as this authority: marked wherever it shows
        first += f" (an identification inference: {inference.rstrip('.')})"
    activity = profile_answer(wb, authority_id, ACTIVITY)
    if activity is not None and activity["text"]:
        first += f"; its profile records its programme activity as \u201c{activity['text']}\u201d"
    if wb.has("survey"):  # a programme without a survey names no survey sources
        first += (
            f"; it is one of the {count_phrase(len(_survey_names(wb)), 'authority', 'authorities')} "
            if a["attitude_survey"] == "yes"
            else "; it is not among the authorities "
        ) + f"the {source_title(wb, 'survey_report')} names as the sources of its answers"
    first = first.removeprefix("; ")
    if first:
        sentences.append(sentence(first[0].upper() + first[1:]))
    quotes = [str(q) for q in own_statements(wb, authority_id)["quote"]]
    if f.get("selection_reason") and not said_in(quotes, f["selection_reason"]):  # else quoted once, below
        sentences.append(f"It was selected because {f['selection_reason']}.")
    if f.get("participation_reason"):
        sentences.append(f"Its case study gives its reason for taking part: {f['participation_reason']}.")
    if left is not None:
        instead = f"Instead, {left.instead}." if left.instead else ""
        sentences.append((instead + withdrawal_meaning(wb, authority_id)).strip())
    elif "workshop_participants" in f:
        sentences.append(
            f"Its case study records a workshop on {f.get('workshop_date', 'a date not stated')} "
            f"with {f['workshop_participants']} participants."
        )
    return join(
        report_style(),
        heading(f"{name}: evaluation report", 1),
        AUTHORITY_PAGE.heading("summary"),
        paragraph(*sentences),
    )


def _survey_names(wb: Workbook) -> list[str]:
    a = wb.authorities
    return a[a["attitude_survey"] == "yes"]["authority"].tolist()


def own_statements(wb: Workbook, authority_id: str) -> pd.DataFrame:
    """The statements that place this authority, and no other, in a year (a statement naming
    several authorities is cited in the summary, not quoted on each of their pages)."""
    m = wb.membership
    shared = m.groupby("quote")["authority_id"].transform("nunique") > 1
    return m[(m["authority_id"] == authority_id) & ~shared]


def participation(wb: Workbook, authority_id: str) -> Markup:
    """The statements that place the authority, alone, in a year, and its case-study events."""
    a = wb.authority_row(authority_id)
    name = a["authority"]
    statements = own_statements(wb, authority_id)
    f = _facts(wb, authority_id)
    parts = []
    for _, s in statements.iterrows():
        places, read = (
            ("read as placing", " (an inference, explained in the summary)")
            if s["year_inference"]
            else ("places", "")
        )
        cite = f"{source_doc(wb, s['source'])}; {places} {name} in {s['years_stated'].replace(';', ' and ')}{read}"
        parts.append(quote_block(s["quote"], cite))
    events = case_study_events(f, withdrawal(wb, authority_id), [str(q) for q in statements["quote"]])
    if events:
        parts.append(paragraph(*events))
    if not parts:
        return Markup("")
    return join(AUTHORITY_PAGE.heading("participation"), *parts)


#: A profile answer of at least this many words, this share of which a case-study text on the
#: page holds, repeats it (measured: the repeats hold 0.91 to 1.0 of their words, the rest at most 0.56).
ECHO_MIN_WORDS = 8
ECHO_SHARE = 0.85


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", str(text).casefold().replace("\u2019", "'"))


def _case_study_texts(wb: Workbook, authority_id: str) -> list[tuple[str, str]]:
    """``(text, section id)`` of every text the page quotes outside its profile (the statements
    placing it in a year, its case study, the documents' other sentences), where it shows."""
    f = _facts(wb, authority_id)
    quoted = [str(q) for q in own_statements(wb, authority_id)["quote"]]
    out = [(q, "participation") for q in quoted]
    out += [(f[k], "summary") for k in ("participation_reason", "selection_reason") if f.get(k)]
    out += [(str(t), "sources-say") for t in authority_mentions(wb, authority_id)["text"]]
    for table in (wb.challenges, wb.proposals, wb.case_study_sections):
        out += [(str(t), "case-study") for t in table[table["authority_id"] == authority_id]["text"]]
    return out


def _echoed(answer: str, texts: list[tuple[str, str]]) -> str | None:
    """The section id of the first such text that holds :data:`ECHO_SHARE` of the answer's
    words (an answer of at least :data:`ECHO_MIN_WORDS` words); None when none does."""
    words = _words(answer)
    if len(words) < ECHO_MIN_WORDS:
        return None
    for text, where in texts:
        held = set(_words(text))
        if sum(w in held for w in words) >= ECHO_SHARE * len(words):
            return where
    return None


@AUTHORITY_PAGE.gate("profile")
def profile(wb: Workbook, authority_id: str) -> Markup:
    """The authority's own answers to the profile questions, quoted under one citation;
    unanswered questions in one line."""
    name = wb.name(authority_id)
    parts, missing, sources, elsewhere = [], [], [], []
    echoes = _case_study_texts(wb, authority_id)
    for q in wb.programme.profile_questions:
        if q.id == ACTIVITY:
            continue
        row = profile_answer(wb, authority_id, q.id)
        if row is None or not row["text"]:
            missing.append(q.label)
            continue
        sources.append(source_doc(wb, row["source"]))
        where = _echoed(row["text"], echoes)
        if where is not None:  # said once: the page already quotes the same words elsewhere
            title = AUTHORITY_PAGE.section(where).title.format(name=name, cited="")
            elsewhere.append(escape(q.label) + Markup(" (under ") + link(f"#{where}", title) + Markup(")"))
            continue
        parts.append(heading(q.label, 3))
        if row["alignment"] == "doubtful":
            parts.append(warning(row["alignment_note"]))
        parts.append(quote_block(row["text"]))
    if elsewhere:
        lead = f"{'Its answer' if len(elsewhere) == 1 else 'Its answers'} to "
        parts.append(
            render(
                "link_line.j2",
                lead=lead
                + ("this question is" if len(elsewhere) == 1 else "these questions are")
                + " quoted, nearly word for word, elsewhere on this page:",
                links=elsewhere,
            )
        )
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
    one_source = props["source"].nunique() == 1  # then cited once, after the proposals
    for _, p in props.sort_values("theme_order").iterrows():
        parts.append(heading(p["theme_label"], 3))
        cite = f"{name}'s partners ({p['theme_as_printed']})"
        parts.append(quote_block(p["text"], cite if one_source else f"{cite}, {source_doc(wb, p['source'])}"))
    if len(props) and one_source:
        parts.append(paragraph(f"All the proposals are from the {source_doc(wb, props['source'].iloc[0])}."))
    if len(impacts):
        parts += [heading("Reported impact", 3), case_study_impact_table(wb, impacts, name)]
    parts.append(sections)
    return join(*parts)


def sources_say(wb: Workbook, authority_id: str) -> Markup:
    """Every other sentence the documents print about this authority (authority_mentions),
    quoted by topic with its source; nothing when there is none."""
    rows = authority_mentions(wb, authority_id)
    if rows.empty:
        return Markup("")
    parts = [AUTHORITY_PAGE.heading("sources-say", name=wb.name(authority_id))]
    for label, group in rows.groupby("topic_label", sort=False):
        parts.append(heading(str(label), 3))
        one_source = group["source"].nunique() == 1 and len(group) > 1
        parts.append(
            bullets(
                render(
                    "cited_quote.j2", text=r["text"], cite="" if one_source else source_doc(wb, r["source"])
                )
                for _, r in group.iterrows()
            )
        )
        if one_source:
            parts.append(paragraph(f"All from the {source_doc(wb, group['source'].iloc[0])}."))
    return join(*parts)


def claims(wb: Workbook, authority_id: str) -> Markup:
    """Each published claim that names this authority, with its verdict and a link to how
    the claim audit checked it; nothing when no claim names it. A claim the case study's own
    words (quoted under "Case study") hold in full is named by its opening words and a link
    there, not quoted twice."""
    mine = claims_naming(claim_authorities(wb), authority_id)
    if mine.empty:
        return Markup("")
    name = wb.name(authority_id)
    items = []
    for _, r in mine.iterrows():
        where = _quoted_in(wb, authority_id, r["claim"])
        items.append(
            render(
                "authority_claim.j2",
                verdict=r["verdict"][:1].upper() + r["verdict"][1:],
                claim=r["claim"],
                opening=_opening(r["claim"]),
                where=link(f"#{where}", AUTHORITY_PAGE.section(where).title.format(name=name, cited=""))
                if where
                else None,
                href=claim_href(r["claim_id"]),
            )
        )
    return join(AUTHORITY_PAGE.heading("claims", name=wb.name(authority_id)), bullets(items))


def _quoted_in(wb: Workbook, authority_id: str, claim: str) -> str | None:
    """The section that quotes ``claim`` in full on the authority's page: the case study's own words,
    or the authority's own profile answers; None when neither does."""
    own_words = wb.case_study_sections[wb.case_study_sections["authority_id"] == authority_id]
    if said_in([str(t) for t in own_words["text"]], claim):
        return "case-study"
    answers = wb.profiles[
        (wb.profiles["authority_id"] == authority_id) & (wb.profiles["question"] != ACTIVITY)
    ]
    echoes = _case_study_texts(wb, authority_id)
    shown = [str(t) for t in answers["text"] if _echoed(t, echoes) is None]  # the profile quotes these
    if said_in(shown, claim):
        return "profile"
    return None


#: Words of a claim shown where the page quotes the claim in full elsewhere (said once).
OPENING_WORDS = 8


def _opening(claim: str) -> str:
    """A claim's first :data:`OPENING_WORDS` words, marked as cut where it goes on."""
    words = str(claim).split()
    return " ".join(words[:OPENING_WORDS]) + (" \u2026" if len(words) > OPENING_WORDS else "")


def claim_href(claim_id: str) -> str:
    """Where the programme page shows how a claim was checked: its card in the claim audit."""
    return f"{PROGRAMME_PAGE.html}#{claim_anchor(claim_id)}"


def programme_context(wb: Workbook, authority_id: str) -> Markup:
    """The shared programme context, once: a link to the programme page, not a repeat of it."""
    return render(
        "programme_context.j2",
        heading=AUTHORITY_PAGE.heading("programme-context"),
        n=wb.n_authorities,
        programme_page=PROGRAMME_PAGE.html,
        parts=[
            (before, PROGRAMME_PAGE.anchor(key), text)
            for key, before, text in (
                ("kpis", "", "key performance measures"),
                ("survey", "pooled ", "survey"),
                ("claim-audit", "", "claim audit"),
                ("methods", "", "methods"),
            )
            if not PROGRAMME_PAGE.section(key).missing(wb)  # the sections the programme page has
        ],
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
    # The statements themselves are quoted in full in the case study's own words below, and the
    # source is one: each is said once (the caption cites it), not again in every row.
    table = pd.DataFrame(
        {
            "Participant group": impacts["group_label"],
            "Reported share (as published)": impacts["value"].map(percent),
        }
    )
    cited = list_phrase(list(dict.fromkeys(impacts["source"].map(lambda x: source_doc(wb, x)))))
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
        table_html(table, f"{name}: reported impact by participant group (as published in the {cited})"),
        render("link_line.j2", lead="Disclosure rule:", links=[caveat_link("C6", "C6 disclosure control")]),
    )
