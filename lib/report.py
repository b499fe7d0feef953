"""Report sections: narrative, tables and charts built from data/processed/.

The report notebooks are thin: each code cell calls one function here and
displays what it returns (an :class:`lib.charts.Html` block). Every sentence
that carries a figure or a comparison is generated from the processed tables,
so changing the data changes the text. Free text from the sources is escaped
(:func:`lib.charts.esc`) before it reaches HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from lib import charts, evaluation
from lib.analysis import claims, disclosure, success, uncertainty
from lib.charts import Html, bullets, esc, heading, join, note, paragraph, percent, table_html

#: Rendered beside the reports by the batch (lib.render.render_caveats).
from lib.config import CAVEATS_PAGE  # noqa: E402
from lib.config import QUALITY_LOG_NAME as QUALITY_LOG_PAGE  # noqa: E402
PROGRAMME_NAME = "Children's Centres and Voluntary and Community Sector (VCS) programme"
SECTOR_WORDS = {"all": "all respondents", "vcs": "VCS respondents",
                "childrens_centres": "children's centre respondents"}
SECTOR_TITLES = {"all": "All respondents", "vcs": "VCS respondents",
                 "childrens_centres": "Children's centre respondents"}
YEAR_WORDS = {evaluation.YEAR_ONE: "2011-12 (year one)", evaluation.YEAR_TWO: "2012-13 (year two)"}


class UnknownAuthority(ValueError):
    """An authority id that is not in authorities.csv."""


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


@dataclass
class Workbook:
    """The processed tables, read once, with the derived survey statistics."""

    tables: dict[str, pd.DataFrame]
    processed_dir: Path

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @cached_property
    def bases(self) -> pd.DataFrame:
        return uncertainty.approximate_bases(self.survey_respondents)

    @cached_property
    def changes(self) -> pd.DataFrame:
        return uncertainty.before_after_changes(self.survey, self.bases)

    @property
    def n_authorities(self) -> int:
        return len(self.authorities)

    @property
    def n_evidence_items(self) -> int:
        return int(self.evidence["evidence_item"].nunique())

    @property
    def n_survey_authorities(self) -> int:
        return int((self.authorities["attitude_survey"] == "yes").sum())

    def authority_row(self, authority_id: str) -> pd.Series:
        match = self.authorities[self.authorities["authority_id"] == authority_id]
        if match.empty:
            valid = ", ".join(self.authorities["authority_id"])
            raise UnknownAuthority(f"unknown authority {authority_id!r}; valid ids: {valid}")
        return match.iloc[0]


def load_workbook(processed_dir: str | Path = evaluation.PROCESSED_DIR) -> Workbook:
    path = Path(processed_dir)
    if not path.is_absolute():
        path = evaluation.PROJECT_ROOT / path
    tables = evaluation.load_processed(path)
    log = path / evaluation.QUALITY_LOG_NAME
    tables["quality_log"] = (
        pd.read_csv(log, dtype=str, keep_default_na=False) if log.exists()
        else pd.DataFrame(columns=evaluation.QUALITY_LOG_COLUMNS)
    )
    return Workbook(tables, path)


# --------------------------------------------------------------------------
# Small wording helpers
# --------------------------------------------------------------------------


def count_phrase(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def list_phrase(items: list[str]) -> str:
    items = [str(i) for i in items]
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def years_phrase(years: str) -> str:
    if years == evaluation.UNRECORDED:
        return "the documents do not say in which programme year it took part"
    parts = years.split(";")
    if len(parts) == 2:
        return "it took part in both programme years, 2011-12 and 2012-13"
    return f"it took part in {YEAR_WORDS[parts[0]]}"


def source_doc(source: str) -> str:
    """``'002_....txt § 6 KPI'`` -> ``'programme report (002), § 6 KPI'``."""
    names = {
        evaluation.PROGRAMME_REPORT: "programme report",
        evaluation.SURVEY_REPORT: "attitude survey report",
        evaluation.RICHMOND_CASE_STUDY: "Richmond case study",
        evaluation.LEEDS_CASE_STUDY: "Leeds case study",
        evaluation.COMMISSIONING_PAPER: "commissioning paper",
    }
    file, _, section = source.partition(" § ")
    return f"{names.get(file, file)} ({file[:3]}), § {section}" if section else names.get(file, file)


def caveat_link(caveat_id: str, label: str) -> str:
    """HTML link to one entry of the caveats log (escaped)."""
    return f'<a href="{CAVEATS_PAGE}#{esc(caveat_id.lower())}">{esc(label)}</a>'


def caveats_paragraph(lead: str, entries: list[tuple[str, str]]) -> Html:
    links = "; ".join(caveat_link(cid, f"{cid} {label}" if cid[:1] == "C" else label)
                      for cid, label in entries)
    return Html(f"<p>{esc(lead)} {links}. The data-quality log "
                f'(<a href="{QUALITY_LOG_PAGE}">{QUALITY_LOG_PAGE}</a>) lists every inconsistency found '
                "in the sources and what the cleaning did about it.</p>")


def status_label(status: str) -> str:
    return charts.STATUS_LABELS[status]


def _inference_source(basis: str) -> str:
    """The document an inferred status rests on, in reader's words."""
    found = re.search(r"(\d{3}_[0-9a-f]{16}\.txt § [^)]+)\)$", basis)
    return source_doc(found.group(1)) if found else "another document"


# --------------------------------------------------------------------------
# Authority report
# --------------------------------------------------------------------------


def authority_evidence(wb: Workbook, authority_id: str) -> pd.DataFrame:
    """The authority's rows of the evidence matrix; an authority without rows is an error
    (the matrix has a column for every partner authority)."""
    rows = wb.evidence[wb.evidence["authority_id"] == authority_id].sort_values("item_order")
    if rows.empty:
        raise ValueError(f"evidence.csv has no rows for authority {authority_id!r}")
    return rows


def evidence_counts(evidence: pd.DataFrame) -> pd.Series:
    return evidence["status"].value_counts().reindex(evaluation.EVIDENCE_STATUSES, fill_value=0)


def evidence_status_counts(evidence: pd.DataFrame) -> pd.DataFrame:
    """Cells by status (rows, legend order) and how the status is known
    (columns ``recorded``, ``inferred``): inferred statuses are never counted
    as recorded ones (docs/caveats.md, inference rule)."""
    how = evidence["inferred"].map({"no": "recorded", "yes": "inferred"})
    return (pd.crosstab(evidence["status"], how)
            .reindex(index=evaluation.EVIDENCE_STATUSES, columns=["recorded", "inferred"], fill_value=0)
            .astype(int))


def status_count_phrase(counts: pd.DataFrame, status: str) -> str:
    """'0 recorded, 8 inferred available' (recorded and inferred kept apart)."""
    row = counts.loc[status]
    return f"{row['recorded']} recorded, {row['inferred']} inferred {status_label(status)}"


def evidence_keys(evidence: pd.DataFrame) -> pd.Series:
    """Each cell's heatmap/bar key: an inferred status is its own category."""
    return pd.Series([charts.status_key(s, i) for s, i in zip(evidence["status"], evidence["inferred"])],
                     index=evidence.index)


def evidence_key_order(evidence: pd.DataFrame) -> list[str]:
    present = set(evidence_keys(evidence))
    return [k for s in evaluation.EVIDENCE_STATUSES for k in (s, f"{s}_inferred")
            if k == s or k in present]


def authority_title(wb: Workbook, authority_id: str) -> Html:
    a = wb.authority_row(authority_id)
    ev = authority_evidence(wb, authority_id)
    counts = evidence_counts(ev)
    doubtful = wb.profiles[(wb.profiles["authority_id"] == authority_id)
                           & (wb.profiles["alignment"] == "doubtful")]
    glance = [
        f"Programme years: {years_phrase(a['years'])}.",
        f"Evidence items available: {status_count_phrase(evidence_status_counts(ev), 'available')} "
        f"of {len(ev)}; unrecorded (status lost in the source): {counts['unrecorded']}.",
        "Case study: " + (f"yes, with partner proposals on "
                          f"{int((wb.proposals['authority_id'] == authority_id).sum())} themes."
                          if a["case_study"] == "yes" else "none published."),
        "Attitude survey: " + ("its 2012-13 workshops were among the survey's sources "
                               "(no authority-level breakdown exists)."
                               if a["attitude_survey"] == "yes"
                               else "not among the authorities the survey report names."),
    ]
    if len(doubtful):
        glance.append(f"{count_phrase(len(doubtful), 'profile answer')} flagged as possibly "
                      "misaligned in the source table (shown with a warning below).")
    left = withdrawal(wb, authority_id)
    if left is not None:
        glance.insert(1, "Withdrawal: " + left.sentence(a["authority"]) + f" ({source_doc(left.source)})")
    return join(
        charts.report_style(),
        Html(f"<h1>{esc(a['authority'])}: evaluation report</h1>"),
        paragraph(
            f"This report brings together the published evidence on {a['authority']}'s part in "
            f"the {PROGRAMME_NAME}, which ran with {wb.n_authorities} English local authorities in 2011-13. "
            "Figures are computed from the workbook's processed tables; quotations are the "
            "authority's own words as printed in the programme report."
        ),
        heading("At a glance", 2, "at-a-glance"),
        bullets(glance),
    )


def participation_section(wb: Workbook, authority_id: str) -> Html:
    a = wb.authority_row(authority_id)
    parts = [paragraph(f"{a['authority']}: {years_phrase(a['years'])}.")]
    statements = wb.membership[wb.membership["authority_id"] == authority_id]
    if len(statements):
        rows = pd.DataFrame({
            "Statement": statements["quote"],
            "Years it indicates": statements["years_stated"].str.replace(";", " and "),
            "Source": statements["source"].map(source_doc),
        })
        parts.append(table_html(rows, f"Statements that place {a['authority']} in a programme year",
                                row_header=False))
    else:
        parts.append(note("No document places this authority in a programme year; the workbook "
                          "leaves the year unrecorded rather than guessing (see the data-quality log)."))
    activity = _profile_text(wb, authority_id, "programme_activity")
    if activity is not None:
        parts.append(paragraph(f"Programme activity recorded for {a['authority']}: "
                               f"{activity['text'] or 'nothing printed'}."))
        if activity["alignment"] == "doubtful":
            parts.append(note(activity["alignment_note"]))
    facts = wb.case_study_facts[wb.case_study_facts["authority_id"] == authority_id]
    if len(facts):
        parts.append(case_study_events(facts, a["authority"]))
    sentences = activity_sentences(wb, authority_years(a), "the programme as a whole")
    if sentences:
        parts.append(paragraph(
            *sentences,
            "These are programme-wide totals across all partner authorities; the documents do "
            f"not give {a['authority']}'s share of them."))
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
    f = dict(zip(facts["fact"], facts["value"]))
    if "withdrew" not in f:
        return None
    src = facts.loc[facts["fact"] == "withdrew", "source"].iloc[0]
    return Withdrawal(reason=f.get("withdrawal_reason", ""), timing=f.get("withdrawal_timing", ""),
                      planned=f.get("workshop_planned", ""), instead=f.get("activity_instead_of_workshop", ""),
                      source=src)


def authority_years(authority: pd.Series) -> list[str]:
    """The programme years an authority row states; [] when unrecorded."""
    years = authority["years"]
    return [] if years == evaluation.UNRECORDED else years.split(";")


def activity_sentences(wb: Workbook, years: list[str] | None = None,
                       subject: str = "the programme") -> list[str]:
    """'In 2012-13 the programme ran 10 workshops, ...', one sentence per year
    (all years when ``years`` is empty or None)."""
    rows = wb.kpis[wb.kpis["kpi"] == "programme_activity"]
    if years:
        rows = rows[rows["year"].isin(years)]
    return [
        f"In {year} {subject} ran "
        + list_phrase([f"{_bounded(r)} {r['measure_label'].lower()}" for _, r in group.iterrows()]) + "."
        for year, group in rows.groupby("year", sort=True)
    ]


def _bounded(row: pd.Series) -> str:
    value = int(row["value"])
    return {"more_than": f"over {value}", "at_most": f"up to {value}",
            "at_least": f"at least {value}"}.get(row["bound"], str(value))


def case_study_events(facts: pd.DataFrame, name: str) -> Html:
    f = dict(zip(facts["fact"], facts["value"]))
    sentences = []
    if "workshop_date" in f:
        people = f" with {f['workshop_participants']} participants" if "workshop_participants" in f else ""
        sentences.append(f"The case study records a workshop on {f['workshop_date']}{people}.")
    if "task_group_date" in f:
        people = (f" with {f['task_group_participants']} participants from "
                  f"{f.get('task_group_participants_from', 'partners')}"
                  if "task_group_participants" in f else "")
        sentences.append(f"Task group meetings took place in {f['task_group_date']}{people}.")
    if "withdrew" in f:
        sentences.append(f"{name} {f['withdrew']} ({f.get('withdrawal_reason', 'reason not stated')}), "
                         f"{f.get('withdrawal_timing', '')}.".replace(", .", "."))
    if "activity_instead_of_workshop" in f:
        sentences.append(f"Instead, {f['activity_instead_of_workshop']}.")
    return paragraph(*sentences) if sentences else Html("")


def _profile_text(wb: Workbook, authority_id: str, question: str) -> pd.Series | None:
    rows = wb.profiles[(wb.profiles["authority_id"] == authority_id)
                       & (wb.profiles["question"] == question)]
    return None if rows.empty else rows.iloc[0]


def profile_section(wb: Workbook, authority_id: str) -> Html:
    """What attracted the authority, what it did, its challenges and plans."""
    a = wb.authority_row(authority_id)
    parts = []
    for qid, label in evaluation.PROFILE_QUESTIONS[1:]:
        row = _profile_text(wb, authority_id, qid)
        parts.append(heading(label, 3))
        if row is None or not row["text"]:
            parts.append(paragraph(f"The programme report prints no answer for {a['authority']}."))
            continue
        if row["alignment"] == "doubtful":
            parts.append(Html(
                '<p class="warning" role="note"><strong>Possibly misaligned in the source:</strong> '
                f"{esc(row['alignment_note'])}</p>"))
        parts.append(charts.quote_block(row["text"], f"{a['authority']}, {source_doc(row['source'])}"))
    return join(*parts)


def evidence_profile_table(ev: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Evidence item": ev["evidence_label"],
        "Status": ev["status"].map(status_label)
        + ev["inferred"].map({"yes": " (inferred)", "no": ""}),
        "How we know": ev["basis"],
    })


def evidence_section(wb: Workbook, authority_id: str) -> Html:
    a = wb.authority_row(authority_id)
    ev = authority_evidence(wb, authority_id)
    counts = evidence_counts(ev)
    how = evidence_status_counts(ev)
    recorded_available = (wb.evidence.assign(avail=(wb.evidence["status"] == "available")
                                             & (wb.evidence["inferred"] == "no"))
                          .groupby("authority_id")["avail"].sum())
    inferred = ev[ev["inferred"] == "yes"]
    keys = evidence_key_order(wb.evidence)
    all_keys = evidence_keys(wb.evidence)
    programme_mean = (pd.crosstab(wb.evidence["authority_id"], all_keys)
                      .reindex(columns=keys, fill_value=0).mean())
    mine_keys = evidence_keys(ev).value_counts().reindex(keys, fill_value=0)
    summary = paragraph(
        f"Of the {len(ev)} evidence items in the programme's Range of Evidence matrix, "
        f"{status_count_phrase(how, 'available')} for {a['authority']}; "
        f"{status_count_phrase(how, 'not_produced')}; {status_count_phrase(how, 'not_applicable')}; "
        f"{count_phrase(int(counts['unclear']), 'item')} printed with a code the legend does not define "
        f"(unclear). {count_phrase(int(counts['unrecorded']), 'item')} "
        f"cannot be read: the source's tick and cross glyphs were lost in extraction, so the workbook "
        f"records them as unrecorded rather than guess.",
        (f"Across the {wb.n_authorities} authorities the matrix itself records between "
         f"{int(recorded_available.min())} and {int(recorded_available.max())} items as available."
         if recorded_available.max() else
         f"The matrix itself records no item as available for any of the {wb.n_authorities} "
         "authorities: every available status in the workbook is inferred from another document")
        + "; counts of available items reflect which facts the documents state, not what was produced.",
    )
    parts = [summary]
    if len(inferred):
        parts.append(paragraph(
            f"{count_phrase(len(inferred), 'status was', 'statuses were')} inferred from another "
            f"source ({list_phrase(list(inferred['evidence_label']))}); they are drawn apart from recorded "
            "statuses and the table says what each inference rests on."))
    labels = [charts.status_key_label(k) for k in keys]
    mine = [float(mine_keys[k]) for k in keys]
    avg = [float(programme_mean[k]) for k in keys]
    fig = charts.paired_bars(labels, mine, avg, first_label=a["authority"],
                             second_label="Programme average",
                             xlabel=f"Number of evidence items (of {len(ev)})",
                             percent_axis=False)
    chart = charts.Chart(
        title=(f"{a['authority']}: {how.loc['available', 'recorded']} of {len(ev)} evidence items "
               f"recorded as available, {how.loc['available', 'inferred']} inferred"),
        subtitle=(f"Evidence items by status, recorded and inferred apart, {a['authority']} against the "
                  f"average of the {wb.n_authorities} authorities; "
                  f"{counts['unrecorded']} of {a['authority']}'s items are unrecorded (glyph lost)"),
        alt=(f"Bar chart of evidence items by status, recorded and inferred apart. {a['authority']}: "
             + "; ".join(f"{lab} {int(m)}" for lab, m in zip(labels, mine))
             + ". Programme average: " + "; ".join(f"{lab} {v:.1f}" for lab, v in zip(labels, avg)) + "."),
        table=pd.DataFrame({"Status": labels, a["authority"]: [f"{int(m)}" for m in mine],
                            "Programme average": [f"{v:.1f}" for v in avg]}),
        table_caption=f"Evidence items by status: {a['authority']} and the programme average",
    )
    parts.append(charts.figure_html(fig, chart))
    parts.append(table_html(evidence_profile_table(ev),
                            f"{a['authority']}: status of each evidence item, and its basis"))
    return join(*parts)


def proposals_section(wb: Workbook, authority_id: str) -> Html:
    a = wb.authority_row(authority_id)
    props = wb.proposals[wb.proposals["authority_id"] == authority_id]
    if props.empty:
        return paragraph(
            f"No case study was published for {a['authority']}, so there are no partner proposals "
            "by theme for it. The programme report's practice guidance by theme, which draws on all "
            "the workshops, is summarised in the programme report.")
    parts = []
    challenges = wb.challenges[wb.challenges["authority_id"] == authority_id]
    if len(challenges):
        parts.append(paragraph(f"The case study sets out {count_phrase(len(challenges), 'challenge')} "
                               f"for {a['authority']}'s professionals, children's centre managers and the VCS:"))
        parts.append(Html("<ol>" + "".join(f"<li>{esc(t)}</li>" for t in challenges["text"]) + "</ol>"))
    parts.append(paragraph(
        f"Partners proposed one way of working collaboratively for each of {len(props)} themes. "
        "Beside each proposal is the programme's practice guidance for the same theme (key principles "
        "and practice suggestions, 002 Practice Guidance)."))
    for _, p in props.sort_values("theme_order").iterrows():
        guidance = wb.guidance[wb.guidance["theme"] == p["theme"]]
        parts.append(heading(p["theme_label"], 3))
        parts.append(charts.quote_block(p["text"], f"Partners' proposal ({p['theme_as_printed']}), "
                                                   f"{source_doc(p['source'])}"))
        principles = [g for g in guidance["key_principle"] if g]
        parts.append(paragraph(
            f"Practice guidance for this theme: {count_phrase(len(principles), 'key principle')} and "
            f"{count_phrase(len(guidance), 'practice suggestion')}."))
        if principles:
            parts.append(bullets(principles))
    impacts = wb.case_study_impacts[wb.case_study_impacts["authority_id"] == authority_id]
    if len(impacts):
        parts.append(heading("Reported impact", 3))
        parts.append(case_study_impact_table(wb, impacts, a["authority"]))
    parts.append(case_study_sections(wb, authority_id))
    return join(*parts)


def case_study_sections(wb: Workbook, authority_id: str) -> Html:
    """The case study's own 'Positive impact achieved' and 'Putting learning into
    practice' sections, quoted, with what they can and cannot show."""
    a = wb.authority_row(authority_id)
    rows = wb.case_study_sections[wb.case_study_sections["authority_id"] == authority_id]
    if rows.empty:
        return Html("")
    parts = []
    for section, label in evaluation.CASE_STUDY_SECTIONS:
        text = rows[rows["section"] == section].sort_values("paragraph_order")
        if text.empty:
            continue
        parts.append(heading(f"In the case study's words: {label.lower()}", 3))
        for _, r in text.iterrows():
            parts.append(charts.quote_block(r["text"], source_doc(r["source"])))
    parts.append(paragraph(
        "These are the case study's own accounts, not independent measurements. Where they describe a "
        f"change brought about by the programme, the claim audit in the programme report judges them: "
        f"{claims.CAUSAL_WORDS}."))
    return join(*parts)


def case_study_impact_table(wb: Workbook, impacts: pd.DataFrame, name: str) -> Html:
    """The case study's percentages, shown as published, with their source.

    Disclosure rule (docs/caveats.md C6): a figure the sources already publish
    is shown with its source on every page; disclosure control applies to
    figures the workbook derives. The group sizes behind these shares are not
    published, so nothing is derived from them (no count, no interval).
    """
    facts = wb.case_study_facts[wb.case_study_facts["authority_id"] == impacts["authority_id"].iloc[0]]
    total = dict(zip(facts["fact"], facts["value"])).get("workshop_participants")
    table = pd.DataFrame({"Participant group": impacts["group_label"],
                          "Reported share (as published)": impacts["value"].map(percent),
                          "Statement (as published)": impacts["statement"],
                          "Source": impacts["source"].map(source_doc)})
    words = (f"The case study reports these shares for groups of the {total} workshop participants "
             if total else "The case study reports these shares ")
    return join(
        paragraph(words + "without giving the size of each group. They are shown as published, with their "
                  "source: the workbook derives nothing from them (no counts, intervals or comparisons), "
                  "because a group could be small and its size is unknown."),
        table_html(table, f"{name}: reported impact by participant group (as published)"),
        Html(f"<p>Disclosure rule: {caveat_link('C6', 'C6 disclosure control')}.</p>"),
    )


def survey_section(wb: Workbook, authority_id: str) -> Html:
    a = wb.authority_row(authority_id)
    named = wb.authorities[wb.authorities["attitude_survey"] == "yes"]["authority"].tolist()
    if a["attitude_survey"] != "yes":
        return paragraph(
            f"The 2012-13 attitude survey report names the {len(named)} authorities its responses "
            f"came from ({list_phrase(named)}); {a['authority']} is not among them, so none of the "
            f"survey's figures describe {a['authority']}'s participants.")
    understanding = understanding_changes(wb)
    overall = understanding[understanding["sector"] == "all"].iloc[0]
    return join(
        paragraph(
            f"{a['authority']} is one of the {len(named)} authorities whose workshops supplied the "
            "2012-13 attitude survey. The survey report gives no breakdown by authority, so the "
            f"figures below are programme-wide context only: they cannot show how {a['authority']}'s "
            "own participants answered.",
            uncertainty.describe_change(overall, f"Across all {len(named)} authorities, the share of respondents "
                                                 f"in the '{overall['item_label']}' series"),
        ),
        table_html(understanding_table(understanding),
                   f"{overall['item_label']}, before and after the workshops "
                   f"(all {len(named)} authorities)"),
        Html(f"<p>Design limits: {caveat_link('C1', 'C1 unlinked, overlapping before and after groups')}; "
             f"{caveat_link('C2', 'C2 no comparison group')}; "
             f"{caveat_link('C3', 'C3 approximated sector bases')}.</p>"),
    )


def kpi_section(wb: Workbook, authority_id: str) -> Html:
    a = wb.authority_row(authority_id)
    years = authority_years(a)
    kpis = wb.kpis[(wb.kpis["kpi"] != "programme_activity")]
    left = withdrawal(wb, authority_id)
    if years and left is not None:
        kpis = kpis[kpis["year"].isin(years)]
        lead = (f"The programme's key performance measures for {list_phrase(years)}. {a['authority']} "
                f"was selected for that year but withdrew {left.timing or 'early'}, so none of these "
                "figures comes from workshops it took part in. ")
    elif years:
        kpis = kpis[kpis["year"].isin(years)]
        lead = (f"The programme's key performance measures for {list_phrase(years)}, the "
                f"year{'s' if len(years) > 1 else ''} {a['authority']} took part. ")
    else:
        lead = (f"The documents do not say which year {a['authority']} took part in, so the measures "
                "for both years are shown. ")
    return join(
        paragraph(lead + "They are programme-wide: the KPI table gives no figures by authority and no "
                  "base sizes, so they describe the programme, not this authority."),
        table_html(kpi_table(kpis), "Key performance measures (programme-wide)"),
    )


def kpi_table(kpis: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Measure": kpis["kpi_label"],
        "Year": kpis["year"],
        "Indicator": kpis["measure_label"],
        "Value": [_kpi_value(r) for _, r in kpis.iterrows()],
    })


def _kpi_value(row: pd.Series) -> str:
    if row["unit"] == "proportion":
        return percent(row["value"])
    if row["unit"] == "count":
        return _bounded(row)
    return row["text"]


def supports_section(wb: Workbook, authority_id: str) -> Html:
    """What this evidence supports and what it does not (generated)."""
    a = wb.authority_row(authority_id)
    ev = authority_evidence(wb, authority_id)
    counts = evidence_counts(ev)
    available = ev[(ev["status"] == "available") & (ev["inferred"] == "no")]["evidence_label"].tolist()
    inferred_available = ev[(ev["status"] == "available") & (ev["inferred"] == "yes")]
    inferred_available = [f"{r['evidence_label']} ({_inference_source(r['basis'])})"
                          for _, r in inferred_available.iterrows()]
    doubtful = wb.profiles[(wb.profiles["authority_id"] == authority_id)
                           & (wb.profiles["alignment"] == "doubtful")]
    supports = []
    left = withdrawal(wb, authority_id)
    if authority_years(a) and left is not None:
        supports.append(f"That {a['authority']} joined the programme in {list_phrase(authority_years(a))} "
                        f"and then withdrew {left.timing or ''} ({left.reason or 'reason not stated'}), "
                        "as its case study states.")
    elif authority_years(a):
        supports.append(f"That {a['authority']} took part in {list_phrase(authority_years(a))}, "
                        "as the documents state.")
    if available:
        supports.append(f"That {count_phrase(len(available), 'evidence item')} "
                        f"{'is' if len(available) == 1 else 'are'} recorded as available in the "
                        f"matrix: {list_phrase(available)}.")
    if inferred_available:
        supports.append(f"That {count_phrase(len(inferred_available), 'evidence item')} "
                        f"{'was' if len(inferred_available) == 1 else 'were'} produced, as another "
                        f"document states (inferred, not recorded in the matrix): "
                        f"{list_phrase(inferred_available)}.")
    supports.append(f"{a['authority']}'s own account of what attracted it, what it did, the challenges it "
                    "met and its plans: self-reported, not independently verified.")
    if a["case_study"] == "yes":
        n = int((wb.proposals["authority_id"] == authority_id).sum())
        supports.append(f"The {n} partner proposals recorded in the case study, as statements of what "
                        "partners proposed, not of what was implemented.")
    does_not = [
        f"That the programme caused any change in {a['authority']}: there is no comparison group and "
        "no authority-level outcome measure (Maryland Scientific Methods Scale level 1 at best).",
    ]
    if left is not None:
        does_not.insert(0, f"Any outcome of a programme workshop in {a['authority']}: it withdrew "
                           f"{left.timing or 'early'}, so no workshop figure describes it.")
    if a["years"] == evaluation.UNRECORDED:
        does_not.append(f"Any statement about which year {a['authority']} took part in.")
    if counts["unrecorded"]:
        does_not.append(f"Any statement about the {count_phrase(int(counts['unrecorded']), 'evidence item')} "
                        "whose status was lost in the source.")
    from lib import survey_section  # issue 12: respondent-level survey data, where they exist

    if survey_section.has_response_data(wb, authority_id):
        supports.append(survey_section.supports_sentence(wb, authority_id))
    elif a["attitude_survey"] == "yes":
        does_not.append(f"Survey findings for {a['authority']} specifically: the survey report pools "
                        f"{wb.n_survey_authorities} authorities and gives no breakdown by authority.")
    if len(doubtful):
        does_not.append(f"Confident attribution of the {count_phrase(len(doubtful), 'profile answer')} "
                        "flagged as possibly misaligned in the source table.")
    does_not.append("Any authority-level reading of the KPIs, which the programme reports only in total.")
    return join(heading("What this evidence supports", 3), bullets(supports),
                heading("What it does not support", 3), bullets(does_not),
                caveats_paragraph("This report relies on these entries of the assumptions and caveats log:",
                                  [("C1", "unlinked before and after groups"),
                                   ("C2", "no comparison group"),
                                   ("C6", "disclosure control"),
                                   ("cleaning-inferences", "cleaning inferences")]))


# --------------------------------------------------------------------------
# Survey statistics shared by both reports
# --------------------------------------------------------------------------


def understanding_changes(wb: Workbook, item: str = "understand_co_production") -> pd.DataFrame:
    c = wb.changes
    order = {"all": 0, "childrens_centres": 1, "vcs": 2}
    return (c[(c["question"] == "understanding") & (c["item"] == item)]
            .assign(_o=lambda f: f["sector"].map(order)).sort_values("_o").drop(columns="_o"))


def _interval(low: float, high: float) -> str:
    return f"{low * 100:.0f}% to {high * 100:.0f}%"


def _change_interval(low: float, high: float) -> str:
    return f"{charts.signed_points(low)} to {charts.signed_points(high)}"


def derived_suppressed(changes: pd.DataFrame) -> pd.Series:
    """Rows whose *derived* figures (intervals, change, significance) are
    hidden: the smallest plausible base of either phase (``base_<phase>_low``)
    is below the disclosure threshold. The published shares themselves are
    always shown, with their source (docs/caveats.md C6)."""
    limit = disclosure.disclosure_threshold()
    low = pd.concat([changes["base_pre_low"], changes["base_post_low"]], axis=1).min(axis=1)
    return (pd.to_numeric(low, errors="coerce") < limit).reindex(changes.index).fillna(False).astype(bool)


def disclosed(changes: pd.DataFrame, phase: str) -> disclosure.Suppressed:
    """One phase's published shares: shown as published (never [c])."""
    table = pd.DataFrame({"value": changes[phase].to_numpy(), "base_n": float("nan")}, index=changes.index)
    return disclosure.suppress_long_table(table)


def publishable(changes: pd.DataFrame) -> pd.DataFrame:
    """Rows whose derived figures pass disclosure control (charts with intervals, sentences on change)."""
    return changes[~derived_suppressed(changes).to_numpy()]


def suppression_note(changes: pd.DataFrame) -> Html:
    hidden = int(derived_suppressed(changes).sum())
    if not hidden:
        return Html("")
    return note(f"{count_phrase(hidden, 'row rests', 'rows rest')} on fewer than "
                f"{disclosure.disclosure_threshold()} respondents at the smallest plausible base: the published "
                "shares are shown as printed in the survey report, but the figures the workbook derives "
                "from them (intervals, changes, significance) are shown as [c] (suppressed) and left out of "
                "the chart and the text.")


def _hide(values: list[str], mask: pd.Series) -> list[str]:
    return [disclosure.SUPPRESSED if hidden else v for v, hidden in zip(values, mask)]


def impacts_table(changes: pd.DataFrame) -> pd.DataFrame:
    """Q3 impacts: published shares as printed; derived figures under disclosure control."""
    derived = derived_suppressed(changes)
    return pd.DataFrame({
        "Impact": changes["item_label"],
        "Before": disclosed(changes, "pre").display,
        "Before, 95% CI": _hide([_interval(l, h) for l, h in zip(changes["pre_low"], changes["pre_high"])], derived),
        "After": disclosed(changes, "post").display,
        "After, 95% CI": _hide([_interval(l, h) for l, h in zip(changes["post_low"], changes["post_high"])], derived),
        "Change (points)": _hide(changes["change"].map(charts.signed_points).tolist(), derived),
        "Change, 95% CI": _hide([_change_interval(l, h) for l, h in
                                 zip(changes["change_low"], changes["change_high"])], derived),
        "Significant at 5%": _hide(changes["significant"].map({True: "yes", False: "no"}).tolist(), derived),
        "Same verdict across plausible bases": _hide(changes["robust"].map({True: "yes", False: "no"}).tolist(),
                                                     derived),
    })


def understanding_table(changes: pd.DataFrame) -> pd.DataFrame:
    pre, post = disclosed(changes, "pre"), disclosed(changes, "post")
    derived = derived_suppressed(changes)
    return pd.DataFrame({
        "Respondents": changes["sector"].map(lambda s: SECTOR_TITLES[s]),
        "Before": pre.display,
        "Before, 95% CI": _hide([_interval(l, h) for l, h in zip(changes["pre_low"], changes["pre_high"])], derived),
        "After": post.display,
        "After, 95% CI": _hide([_interval(l, h) for l, h in zip(changes["post_low"], changes["post_high"])], derived),
        "Change (points)": _hide(changes["change"].map(charts.signed_points).tolist(), derived),
        "Change, 95% CI": _hide([_change_interval(l, h) for l, h in
                                 zip(changes["change_low"], changes["change_high"])], derived),
        "Significant at 5%": _hide(changes["significant"].map({True: "yes", False: "no"}).tolist(), derived),
        "Bases (before / after)": _hide([f"{b1} / {b2} ({basis})" for b1, b2, basis in
                                         zip(changes["base_pre"], changes["base_post"], changes["base_basis"])],
                                        derived),
    })


# --------------------------------------------------------------------------
# Programme report
# --------------------------------------------------------------------------


def programme_title(wb: Workbook) -> Html:
    a = wb.authorities
    both = a[a["years"] == f"{evaluation.YEAR_ONE};{evaluation.YEAR_TWO}"]["authority"].tolist()
    overall = understanding_changes(wb).query("sector == 'all'").iloc[0]
    second_overall = understanding_changes(wb, "confidence_understanding").query("sector == 'all'").iloc[0]
    ev = wb.evidence
    resp = wb.survey_respondents.set_index(["group", "phase"])["n"]
    glance = [
        f"{len(a)} local authorities took part; {count_phrase(len(both), 'authority', 'authorities')} "
        f"({list_phrase(both)}) in both years.",
        f"The Range of Evidence matrix has {len(ev)} authority-by-item cells: "
        f"{status_count_phrase(evidence_status_counts(ev), 'available')} and "
        f"{int((ev['status'] == 'unrecorded').sum())} unrecorded because their glyphs were lost.",
        f"The 2012-13 attitude survey had {resp[('all', 'pre')]} responses before the workshops and "
        f"{resp[('all', 'post')]} after, from {int((a['attitude_survey'] == 'yes').sum())} authorities.",
        f"{overall['item_label']}: {percent(overall['pre'])} before, "
        f"{percent(overall['post'])} after ({charts.signed_points(overall['change'])} points, 95% CI "
        f"{_change_interval(overall['change_low'], overall['change_high'])}); "
        f"{second_overall['item_label'].lower()}: {percent(second_overall['pre'])} before, "
        f"{percent(second_overall['post'])} after. Associations with attending the workshops, "
        "not measured impacts.",
    ]
    return join(
        charts.report_style(),
        Html("<h1>Children's Centres and VCS programme 2011-13: programme evaluation report</h1>"),
        paragraph(f"This report evaluates the {PROGRAMME_NAME} across its {wb.n_authorities} local "
                  "authorities: how far "
                  "the voluntary and community sector (VCS), children's centres and local authorities "
                  "moved towards co-production and commissioning together. Every figure is computed "
                  "from the workbook's processed tables; every judgement made in cleaning the sources "
                  "is listed in the data-quality log."),
        heading("At a glance", 2, "at-a-glance"),
        bullets(glance),
    )


def participation_overview(wb: Workbook) -> Html:
    a = wb.authorities.sort_values("authority")
    y1 = int((a["in_2011_12"] == "yes").sum())
    y2 = int((a["in_2012_13"] == "yes").sum())
    unknown = a[a["years"] == evaluation.UNRECORDED]["authority"].tolist()
    sentences = [
        f"The documents place {y1} authorities in 2011-12 and {y2} in 2012-13.",
        (f"For {count_phrase(len(unknown), 'authority', 'authorities')} ({list_phrase(unknown)}) no document "
         "states the year; the programme report says only that authorities other than the two-year "
         "partners took part 'a year each'." if unknown else ""),
    ]
    sentences += activity_sentences(wb)
    table = pd.DataFrame({
        "Authority": a["authority"],
        "2011-12": a["in_2011_12"],
        "2012-13": a["in_2012_13"],
        "Case study": a["case_study"],
        "Attitude survey source": a["attitude_survey"],
    })
    return join(paragraph(*sentences),
                table_html(table, "Participation by authority and year (unknown = not stated in any document)"))


def evidence_matrix(wb: Workbook) -> pd.DataFrame:
    ev = wb.evidence
    names = wb.authorities.set_index("authority_id")["authority"]
    matrix = (ev.assign(key=evidence_keys(ev))
              .pivot(index="authority_id", columns="evidence_label", values="key"))
    labels = [label for _, label in evaluation.EVIDENCE_ITEMS]
    matrix = matrix[labels]
    matrix.index = matrix.index.map(names)
    return matrix.sort_index()


def evidence_coverage(wb: Workbook) -> Html:
    ev = wb.evidence
    matrix = evidence_matrix(wb)
    counts = evidence_counts(ev)
    how = evidence_status_counts(ev)
    keys = evidence_key_order(ev)
    by_item = (pd.crosstab(ev["evidence_label"], evidence_keys(ev))
               .reindex(index=[label for _, label in evaluation.EVIDENCE_ITEMS], columns=keys, fill_value=0))
    most_lost = by_item["unrecorded"].idxmax()
    inferred = int((ev["inferred"] == "yes").sum())
    fig = charts.status_matrix(matrix)
    status_words = "; ".join([status_count_phrase(how, s) for s in ("available", "not_produced",
                                                                    "not_applicable")]
                             + [f"unclear (code not in the legend) {counts['unclear']}"])
    chart = charts.Chart(
        title=(f"{int(counts['unrecorded'])} of {len(ev)} evidence cells cannot be read: "
               "the source's ticks and crosses were lost"),
        subtitle=(f"Status of {wb.n_evidence_items} evidence items for {wb.n_authorities} authorities; "
                  f"{status_words}; unrecorded {counts['unrecorded']}. Inferred statuses are starred "
                  "and drawn in their own shade"),
        alt=(f"Heatmap of evidence status, authorities by evidence item. {counts['unrecorded']} of "
             f"{len(ev)} cells are unrecorded; {status_words}. The item with most unrecorded cells is "
             f"{most_lost} ({int(by_item.loc[most_lost, 'unrecorded'])} of {wb.n_authorities}). Each cell "
             "shows a letter code; a star marks a status inferred from another document."),
        table=matrix.map(charts.status_key_code).reset_index().rename(columns={"authority_id": "Authority"}),
        table_caption="Evidence status by authority (" + ", ".join(
            f"{charts.status_key_code(k)} {charts.status_key_label(k)}" for k in keys) + ")",
    )
    item_table = by_item.reset_index().rename(columns={"evidence_label": "Evidence item", **{
        k: charts.status_key_label(k).capitalize() for k in keys}})
    return join(
        paragraph(
            f"The programme report's Range of Evidence matrix records which of {wb.n_evidence_items} "
            "evidence items exist "
            f"for each authority. In the surviving text, {counts['unrecorded'] + inferred} of its {len(ev)} "
            "cells print blank or were cut off: the legend's tick (available) and cross (not produced) both "
            f"lost their glyphs. The workbook infers {inferred} of them from positive statements in other "
            "documents (for example, the survey report names the authorities the attitude survey came "
            "from), counts and draws them apart from recorded statuses, and leaves the rest unrecorded: "
            "absence from a list is not read as evidence. "
            f"{count_phrase(int(counts['unclear']), 'cell prints', 'cells print')} '/', a code the legend "
            "does not define; it is shown as unclear, not read as a status."),
        charts.figure_html(fig, chart),
        table_html(item_table.astype(str), "Evidence items by status (number of authorities), "
                                           "recorded and inferred apart"),
    )


def kpi_comparison(wb: Workbook) -> Html:
    k = wb.kpis[wb.kpis["unit"] == "proportion"].sort_values(["kpi_order", "measure"])
    wide = k.pivot_table(index=["kpi_order", "kpi_label", "measure_label"], columns="year",
                         values="value").reset_index()
    y1, y2 = evaluation.YEAR_ONE, evaluation.YEAR_TWO
    wide["change"] = wide[y2] - wide[y1]
    labels = [charts.wrap(f"{r['kpi_label']}: {r['measure_label']}", 48) for _, r in wide.iterrows()]
    fig = charts.paired_bars(labels, wide[y1].tolist(), wide[y2].tolist(), first_label="2011-12",
                             second_label="2012-13", xlabel="Share of participants")
    rose = int((wide["change"] > 0).sum())
    fell = int((wide["change"] < 0).sum())
    biggest_fall = wide.loc[wide["change"].idxmin()]
    biggest_rise = wide.loc[wide["change"].idxmax()]
    sentences = [
        f"Of the {len(wide)} percentage KPIs, {rose} were higher in year two and {fell} lower.",
        f"The largest rise was in '{biggest_rise['measure_label']}' for '{biggest_rise['kpi_label']}' "
        f"({percent(biggest_rise[y1])} to {percent(biggest_rise[y2])}); the largest fall in "
        f"'{biggest_fall['measure_label']}' for '{biggest_fall['kpi_label']}' "
        f"({percent(biggest_fall[y1])} to {percent(biggest_fall[y2])}).",
        "The KPI table gives no base sizes and the two years involved different authorities, so "
        "these differences cannot be tested and do not show change within any authority.",
    ]
    chart = charts.Chart(
        title=f"{rose} of {len(wide)} percentage KPIs were higher in year two than in year one",
        subtitle="Programme KPIs, 2011-12 and 2012-13; no base sizes published, so no intervals",
        alt="Bar chart comparing KPIs between years: " + "; ".join(
            f"{r['kpi_label']} ({r['measure_label']}) {percent(r[y1])} in 2011-12 and {percent(r[y2])} in 2012-13"
            for _, r in wide.iterrows()) + ".",
        table=pd.DataFrame({"KPI": wide["kpi_label"], "Indicator": wide["measure_label"],
                            "2011-12": wide[y1].map(percent), "2012-13": wide[y2].map(percent),
                            "Change (points)": wide["change"].map(charts.signed_points)}),
        table_caption="Percentage KPIs by year",
    )
    other = wb.kpis[wb.kpis["unit"] != "proportion"]
    return join(paragraph(*sentences), charts.figure_html(fig, chart),
                table_html(kpi_table(other), "Other KPIs and programme activity, as reported"))


def survey_understanding(wb: Workbook) -> Html:
    full = understanding_changes(wb)
    ch = publishable(full)
    if ch.empty:  # every share under the disclosure threshold: table of [c] only
        return join(paragraph(f"All {len(full)} shares confident in understanding co-production rest on fewer "
                              f"than {disclosure.disclosure_threshold()} respondents and are suppressed."),
                    table_html(understanding_table(full), "Understanding of co-production before and after "
                               "(disclosure control applied)"), base_note(wb))
    labels = [SECTOR_TITLES[s] for s in ch["sector"]]
    fig = charts.dumbbell(labels, ch["pre"].tolist(), ch["post"].tolist(),
                          pre_ci=list(zip(ch["pre_low"], ch["pre_high"])),
                          post_ci=list(zip(ch["post_low"], ch["post_high"])),
                          pre_label="Before the workshops", post_label="After the workshops")
    overall = ch[ch["sector"] == "all"].iloc[0]
    sig = int(ch["significant"].fillna(False).sum())
    chart = charts.Chart(
        title=(f"Understanding of co-production rose from {percent(overall['pre'])} to "
               f"{percent(overall['post'])} of respondents"),
        subtitle=(f"Share in the '{overall['item_label']}' series (the one the survey report's prose "
                  "quotes), before and after the 2012-13 workshops, "
                  f"with 95% Wilson intervals; {sig} of {len(ch)} changes significant at the 5% level "
                  "(Newcombe interval for the difference)"),
        alt=(f"Dot plot of '{overall['item_label']}' before and after the workshops. "
             + "; ".join(f"{lab}: {percent(p)} before, {percent(q)} after"
                         for lab, p, q in zip(labels, ch["pre"], ch["post"])) + "."),
        table=understanding_table(full),
        table_caption=f"{overall['item_label']}: before and after, with 95% confidence intervals",
    )
    sentences = [uncertainty.describe_change(r, f"Among {SECTOR_WORDS[r['sector']]}, the share in the "
                                                f"'{r['item_label']}' series")
                 for _, r in ch.iterrows()]
    second = understanding_changes(wb, "confidence_understanding")
    second_all = second[second["sector"] == "all"].iloc[0]
    return join(
        charts.figure_html(fig, chart), bullets(sentences), suppression_note(full), base_note(wb),
        Html("<p>" + esc(
            "The survey report prints a second Q1 chart, titled 'Confidence in understanding Co "
            f"Production', with lower figures ({percent(second_all['pre'])} before, "
            f"{percent(second_all['post'])} after, all respondents); its prose quotes the first. "
            "Both are shown; see") + f" {caveat_link('C10', 'C10')}.</p>"),
        table_html(understanding_table(second),
                   f"Second Q1 chart ({second_all['item_label'].lower()}), with 95% confidence intervals"),
    )


def base_note(wb: Workbook) -> Html:
    b = wb.bases
    sector = b[b["sector"] != "all"].iloc[0]
    text = esc(
        "The survey report gives respondent numbers for each phase (all sectors) but gives sector "
        "counts without saying which survey they describe; sector bases are therefore approximated "
        f"(for example {SECTOR_WORDS[sector['sector']]} {sector['phase']}: {sector['base_n']}, "
        f"plausible range {sector['base_low']} to {sector['base_high']}). Each verdict is also checked "
        "at both ends of that range. See caveats")
    return Html(f'<p class="note"><strong>Note:</strong> {text} {caveat_link("C1", "C1")} and '
                f'{caveat_link("C3", "C3")}.</p>')


def survey_impacts(wb: Workbook, sector: str) -> Html:
    c = wb.changes
    full = c[(c["question"] == "impacts") & (c["sector"] == sector)].sort_values("post")
    ch = publishable(full)
    if ch.empty:
        return join(paragraph(f"All {len(full)} impact figures for {SECTOR_WORDS[sector]} rest on fewer than "
                              f"{disclosure.disclosure_threshold()} respondents at the smallest plausible base: "
                              "the published shares are shown as printed, and the figures the workbook would "
                              "derive from them are suppressed."),
                    table_html(impacts_table(full), f"{len(full)} impacts, {SECTOR_WORDS[sector]}: published "
                                                    "shares (derived figures suppressed)"))
    labels = [charts.wrap(x, 30) for x in ch["item_label"]]
    fig = charts.dumbbell(labels, ch["pre"].tolist(), ch["post"].tolist(),
                          pre_ci=list(zip(ch["pre_low"], ch["pre_high"])),
                          post_ci=list(zip(ch["post_low"], ch["post_high"])),
                          pre_label="Before", post_label="After",
                          xlabel="Share rating co-production as helpful")
    up = int((ch["change"].round(2) > 0).sum())
    same = int((ch["change"].round(2) == 0).sum())
    down = int((ch["change"].round(2) < 0).sum())
    significant = ch[ch["significant"].fillna(False).astype(bool)]
    who = SECTOR_WORDS[sector]
    chart = charts.Chart(
        title=f"{SECTOR_TITLES[sector]}: higher after the workshops on {up} of {len(ch)} impacts",
        subtitle=(f"Share rating co-production as helpful on each impact, before and after, with 95% Wilson "
                  f"intervals (approximated bases); {len(significant)} of {len(ch)} changes significant "
                  "at the 5% level"),
        alt=(f"Dot plot of {len(ch)} impacts for {who}: "
             + "; ".join(f"{lab}: {percent(p)} before, {percent(q)} after"
                         for lab, p, q in zip(ch["item_label"], ch["pre"], ch["post"])) + "."),
        table=impacts_table(full),
        table_caption=f"{len(ch)} impacts, {who}: before and after with 95% confidence intervals",
    )
    summary = paragraph(
        f"Among {who}, the share rating co-production as helpful was higher after the workshops on "
        f"{up} of the {len(ch)} impacts, unchanged on {same} and lower on {down}.",
        (f"Only {list_phrase([repr(x) for x in significant['item_label']])} "
         f"{'shows' if len(significant) == 1 else 'show'} a difference that is statistically significant "
         "at the 5% level;" if len(significant) else "None of the differences is statistically "
         "significant at the 5% level;")
        + " the others are within what chance alone could produce with bases of this size.",
    )
    return join(summary, charts.figure_html(fig, chart), suppression_note(full))


def comment_shares(wb: Workbook, question: str, sector: str) -> Html:
    s = wb.survey[(wb.survey["question"] == question) & (wb.survey["sector"] == sector)]
    who = SECTOR_WORDS[sector]
    qlabel = s["question_label"].iloc[0]
    phases = [p for p in ("pre", "post", "unstated") if p in set(s["phase"])]
    wide = (s.pivot(index=["item_order", "item_label"], columns="phase", values="value")
            .reset_index().sort_values("item_order"))
    labels = [charts.wrap(x, 42) for x in wide["item_label"]]
    totals = {p: s[s["phase"] == p]["value"].sum() for p in phases}
    top = {p: wide.loc[wide[p].idxmax(), "item_label"] for p in phases}
    if "pre" in phases and "post" in phases:
        fig = charts.paired_bars(labels, wide["pre"].tolist(), wide["post"].tolist(), first_label="Before",
                                 second_label="After", xlabel="Share of comments")
        alt_values = "; ".join(f"{lab}: {percent(p)} before, {percent(q)} after"
                               for lab, p, q in zip(wide["item_label"], wide["pre"], wide["post"]))
    else:
        fig = charts.share_bars(labels, wide[phases[0]].fillna(0).tolist())
        alt_values = "; ".join(f"{lab}: {percent(v)}" for lab, v in zip(wide["item_label"], wide[phases[0]]))
    phase_words = {"pre": "before", "post": "after", "unstated": "phase not stated"}
    lost = s[s["item_label"] == evaluation.LOST_LABEL]
    caveat = (f" One printed share ({percent(lost['value'].iloc[0])}) has no label in the source and is "
              "kept as unlabelled." if len(lost) else "")
    total_words = "; ".join(f"{phase_words[p]}: {totals[p] * 100:.0f}%" for p in phases)
    chart = charts.Chart(
        title=f"{SECTOR_TITLES[sector]}: most comments were about '{top[phases[-1]]}'",
        subtitle=(f"{qlabel}; shares of comments, not of respondents; printed shares total {total_words}"),
        alt=f"Bar chart of comment themes for {who}. {alt_values}.{caveat}",
        table=pd.DataFrame({"Theme": wide["item_label"], **{
            phase_words[p].capitalize(): wide[p].map(percent) for p in phases}}),
        table_caption=f"{qlabel}: {who}",
    )
    sentences = [f"The most frequent theme among {who}' comments was '{top[phases[-1]]}'."]
    if "pre" in phases and "post" in phases:
        wide["change"] = wide["post"] - wide["pre"]
        moved = wide.loc[wide["change"].abs().idxmax()]
        sentences.append(f"The largest shift between the surveys was in '{moved['item_label']}' "
                         f"({percent(moved['pre'])} to {percent(moved['post'])}).")
    if any(abs(t - 1) > 0.02 for t in totals.values()):
        sentences.append(f"The printed shares do not add up to 100% ({total_words}); they are shown as "
                         "printed, not rescaled." + caveat)
    sentences.append("No counts of comments are published, so these shares carry no interval.")
    return join(paragraph(*sentences), charts.figure_html(fig, chart))


def themes_section(wb: Workbook) -> Html:
    names = wb.authorities.set_index("authority_id")["authority"]
    rows = []
    for tid, label in evaluation.THEMES:
        props = wb.proposals[wb.proposals["theme"] == tid]
        g = wb.guidance[wb.guidance["theme"] == tid]
        stages = sorted(set(g["commissioning_stages"]))
        rows.append({
            "Theme": label,
            **{f"{names[aid]} proposal": next(iter(props[props["authority_id"] == aid]["text"]), "")
               for aid in sorted(evaluation.CASE_STUDY_AUTHORITIES)},
            "Guidance principles": str(sum(1 for p in g["key_principle"] if p)),
            "Practice suggestions": str(len(g)),
            "Commissioning stages ticked": ", ".join(stages),
        })
    cycle = wb.commissioning_cycle
    checklist = wb.checklist.groupby("stage_id", sort=False).size()
    unrecorded = int((wb.guidance["commissioning_stages"] == evaluation.UNRECORDED).sum())
    in_cycle = set(cycle["stage_id"])
    # Every checklist stage, including the items to settle before the cycle begins.
    stages = [(sid, label) for sid, label in evaluation.COMMISSIONING_STAGES
              if sid in in_cycle or sid in checklist.index]
    before = [label for sid, label in stages if sid not in in_cycle]
    cycle_table = pd.DataFrame({
        "Stage": [label + ("" if sid in in_cycle else " (ahead of the cycle)") for sid, label in stages],
        "Checklist items (003)": [str(int(checklist.get(sid, 0))) for sid, _ in stages],
        "Guidance column (002)": [next((c for c, g in evaluation.GUIDANCE_STAGE_COLUMNS.items()
                                        if g == sid), "").replace("_", " ") or "none"
                                  for sid, _ in stages],
    })
    return join(
        paragraph(
            f"Both case studies organise partners' proposals under the same {len(evaluation.THEMES)} "
            "themes, and the programme's practice guidance uses them as its focus themes "
            f"({len(wb.guidance)} practice suggestions in all). The guidance also ticks which "
            f"commissioning stages each suggestion serves, but all {unrecorded} rows lost their ticks "
            "in the source, so the link from each theme to a stage is unrecorded."),
        table_html(pd.DataFrame(rows), f"The {len(rows)} themes: case-study proposals, practice guidance and "
                                       "commissioning stages"),
        paragraph(
            f"The background paper defines commissioning as a cycle of {len(cycle)} stages and gives "
            f"a good-practice checklist of {len(wb.checklist)} items"
            + (f", {int(sum(checklist.get(sid, 0) for sid, l in stages if l in before))} of them to "
               "settle before the cycle starts (the paper's "
               f"{list_phrase([repr(b) for b in before])} items)" if before else "")
            + ". The practice guidance covers "
            f"only the first {len(evaluation.GUIDANCE_STAGE_COLUMNS)} stages (needs, resources and "
            "planning), in line with its statement that the programme's emphasis was on planning "
            "and delivery."),
        table_html(cycle_table, "Commissioning cycle stages, checklist items and practice-guidance columns"),
    )


def conclusions(wb: Workbook) -> Html:
    """Conclusions, each backed by a computed value."""
    overall = understanding_changes(wb).query("sector == 'all'").iloc[0]
    c = wb.changes
    impacts = c[c["question"] == "impacts"]
    ev = wb.evidence
    unknown_years = int((wb.authorities["years"] == evaluation.UNRECORDED).sum())
    items = []
    items.append(
        f"The share of participants in the survey's '{overall['item_label']}' series was higher after "
        f"the workshops ({percent(overall['pre'])} to {percent(overall['post'])}); "
        + ("the difference is statistically significant at the 5% level" if overall["significant"]
           else "the difference is within what chance alone could produce")
        + ". With no comparison group this is an association, not evidence that the workshops caused it.")
    for sector in ("vcs", "childrens_centres"):
        s = impacts[impacts["sector"] == sector]
        up = int((s["change"].round(2) > 0).sum())
        sig = int(s["significant"].fillna(False).sum())
        items.append(f"{SECTOR_TITLES[sector]} rated co-production as more helpful after the "
                     f"workshops on {up} of {len(s)} impacts; {sig} of those differences "
                     f"{'is' if sig == 1 else 'are'} statistically significant at the 5% level with "
                     "approximated bases.")
    items.append(f"The evidence base is thinner than the programme report's matrix suggests: "
                 f"{int((ev['status'] == 'unrecorded').sum())} of {len(ev)} cells cannot be read, and "
                 f"{unknown_years} authorities' programme years are not stated in any document.")
    doubtful = int((wb.profiles["alignment"] == "doubtful").sum())
    items.append(f"{doubtful} of {len(wb.profiles)} authority profile answers may be misaligned in the "
                 "source table; conclusions about individual authorities' challenges should be checked "
                 "with the authorities.")
    return bullets(items)


def data_quality_section(wb: Workbook) -> Html:
    log = wb.quality_log
    caveats = caveats_paragraph(
        "The assumptions behind this report are logged in the caveats log:",
        [("C1", "unlinked before and after groups"), ("C2", "no comparison group"),
         ("C3", "approximated sector bases"), ("C4", "1-7 scales"), ("C5", "comment shares"),
         ("C6", "disclosure control"), ("C7", "rounding"), ("C8", "'about the same'"),
         ("C9", "many comparisons"), ("C10", "which chart the prose figures match"),
         ("cleaning-inferences", "cleaning inferences")])
    if log.empty:
        return join(paragraph("No data-quality log was found beside the processed tables."), caveats)
    counts = log.groupby("check").size().sort_values(ascending=False)
    table = pd.DataFrame({"Check": counts.index.str.replace("_", " "), "Issues": counts.astype(str).values})
    return join(
        paragraph(f"Cleaning the sources recorded {len(log)} issues of {len(counts)} kinds."),
        table_html(table, "Data-quality issues by kind"),
        caveats,
    )


def claim_audit(wb: Workbook) -> pd.DataFrame:
    return claims.audit_claims(wb.claims, wb.survey, wb.changes)


def audit_counts(audit: pd.DataFrame) -> dict[str, pd.Series]:
    """Counts of the audit's answers to each question, in vocabulary order."""
    return {
        "direction": audit["direction"].value_counts().reindex(claims.DIRECTIONS, fill_value=0),
        "strength": audit["strength"].value_counts().reindex(claims.STRENGTHS, fill_value=0),
        "verdict": audit["verdict"].value_counts().reindex(claims.VERDICTS, fill_value=0),
    }


def _count_list(counts: pd.Series) -> str:
    return "; ".join(f"{k}: {int(v)}" for k, v in counts.items() if v)


def claim_audit_section(wb: Workbook) -> Html:
    audit = claim_audit(wb)
    counts = audit_counts(audit)
    causal = int((audit["strength"] == claims.CAUSAL_STRENGTH).sum())
    table = pd.DataFrame({
        "Claim (as published)": audit["claim"],
        "Source": audit["source"].map(source_doc),
        "What the data show": audit["what_the_data_show"],
        "Direction: does the data point the same way?": audit["direction"],
        "Strength: distinguishable from chance?": audit["strength"],
        "Verdict": audit["verdict"],
        "Why": audit["reason"],
    })
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
            "claims, with their provenance, is kept in the raw data (published_claims.csv), not in code."),
        table_html(table, "Claim audit: each published claim, what the data show, its direction, its "
                          "strength and a verdict",
                   css_class="data-table claim-audit"),
        caveats_paragraph("The audit relies on:", [("C2", "no comparison group"), ("C3", "approximated bases"),
                                                   ("C5", "comment shares"), ("C8", "'about the same'")]),
    )


# --------------------------------------------------------------------------
# The programme's own success measure
# --------------------------------------------------------------------------


def success_judgement(wb: Workbook) -> success.SuccessJudgement:
    """The programme judged against its own success measure (lib.analysis.success)."""
    return success.judge_success_measure(wb.programme_statements, wb.changes, claim_audit(wb), wb.claims)


def success_measure_section(wb: Workbook) -> Html:
    """Did positive attitudes to VCS involvement increase, by sector, how
    confidently, and what the design cannot say."""
    j = success_judgement(wb)
    t = j.by_sector
    table = pd.DataFrame({
        "Sector": t["sector_label"],
        "Impacts rated before and after": t["items"].astype(str),
        "Higher / about the same / lower": [f"{r} / {a} / {f}" if n else "no published ratings"
                                            for r, a, f, n in zip(t["rose"], t["about_the_same"], t["fell"],
                                                                  t["items"])],
        "Rises distinguishable from chance": [f"{d} of {r}" if n else "not applicable"
                                              for d, r, n in zip(t["distinguishable"], t["rose"], t["items"])],
        "Verdict": t["verdict"],
        "Confidence": t["confidence"],
        "Why": t["reasons"],
    })
    return join(
        charts.quote_block(j.measure, f"The programme's own success measure, {source_doc(j.measure_source)}"),
        paragraph(
            f"Verdict: positive attitudes to VCS involvement were {j.verdict} "
            f"(confidence: {j.confidence}).", *j.reasons),
        table_html(table, "The success measure by sector: verdict, confidence and reasons"),
        heading("What the design cannot say", 3),
        bullets(list(j.design_limits)),
        caveats_paragraph("This judgement relies on:", [("C1", "unlinked before and after groups"),
                                                        ("C2", "no comparison group"),
                                                        ("C3", "approximated bases"),
                                                        ("C4", "1-7 scales"),
                                                        ("C8", "'about the same'")]),
    )


# --------------------------------------------------------------------------
# The programme's own account of itself
# --------------------------------------------------------------------------


def programme_design_section(wb: Workbook) -> Html:
    """Launch, aims, objectives, success measure, delivery strategy and models,
    baseline survey and definitions, as the programme states them, then its own
    evaluation findings with the claim audit's verdict where one tests them."""
    st = wb.programme_statements
    parts = []
    for topic, label in evaluation.STATEMENT_TOPICS:
        rows = st[st["topic"] == topic].sort_values("item_order")
        if rows.empty or topic == "delivery_step":
            continue
        parts.append(heading(label, 3))
        if topic == "delivery_strategy":
            steps = st[st["topic"] == "delivery_step"].sort_values("item_order")["text"].tolist()
            parts.append(paragraph(f"The strategy had {len(steps)} steps: {list_phrase(steps)}."))
        items = [f"{r['text']} ({'' if r['years'] == 'unstated' else r['years'].replace(';', ' and ') + '; '}"
                 f"{source_doc(r['source'])})" for _, r in rows.iterrows()]
        parts.append(bullets(items))
    audit = claim_audit(wb).set_index("claim_id")
    f = wb.evaluation_findings.sort_values("finding_order")

    def checked(ids: str) -> str:
        found = [i for i in ids.split(";") if i and i in audit.index]
        return "; ".join(f"{audit.at[i, 'verdict']} ({audit.at[i, 'strength']})" for i in found) or \
            "not checked: no measure in the sources"

    table = pd.DataFrame({
        "Finding (as published)": f["text"],
        "Year": f["years"].replace("unstated", "not stated").str.replace(";", " and "),
        "Claim audit": f["audited_as"].map(checked),
    })
    audited = int((f["audited_as"] != "").sum())
    parts += [
        heading("The programme report's own evaluation findings", 3),
        paragraph(f"The programme report lists {len(f)} findings of its own ({source_doc(f['source'].iloc[0])}). "
                  f"{audited} of them make a claim the workbook can check; the claim audit below judges them, "
                  "and the others rest on the programme team's observation alone."),
        table_html(table, "The programme report's evaluation findings and the claim audit's verdict"),
    ]
    return join(*parts)
