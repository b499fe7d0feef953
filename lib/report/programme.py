"""The programme report: the whole programme across its authorities.

Participation, evidence coverage, KPIs, themes and the commissioning cycle,
conclusions and data quality. Years, themes, stages and case-study
authorities come from the programme definition and the processed tables.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import pandas as pd
from markupsafe import Markup

from lib.analysis import verdicts
from lib.analysis.claim_verdict import NO_STRENGTH
from lib.analysis.findings import kpi_extremes
from lib.programme import wording
from lib.report import chart_cache, charts, figures
from lib.report.common import caveats_paragraph, programme_caveats
from lib.report.facts import (
    INFERRED_YEAR_MEANS,
    LEFT_STAGE,
    claim_audit,
    direction_counts,
    evidence_glance,
    evidence_totals,
    inferred_years_sentence,
    participation_flags,
    success_results,
    took_part,
    understanding_changes,
    withdrawals,
    withdrawn_phrase,
)
from lib.report.format import (
    bounded,
    count_phrase,
    first_words,
    is_are,
    list_phrase,
    percent,
    points_interval,
    same_words,
    signed_points,
)
from lib.report.html import bullets, heading, join, link, paragraph, report_style, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import (
    ACTIVITY,
    INFERRED_YEAR,
    UNRECORDED,
    Workbook,
    explorer_sectors,
    impacts_question,
    period,
    programme_name,
    quality_check_label,
    sector_title,
    source_doc,
    source_title,
    understanding_item,
    understanding_question,
    years,
)


def programme_title(wb: Workbook) -> Markup:
    """The page title and the programme at a glance, in five computed lines."""
    a = wb.authorities
    every = ";".join(years(wb))
    both = a[a["years"] == every]["authority"].tolist()
    first = understanding_changes(wb).query("sector == 'all'")
    second_item = understanding_item(wb, 1)
    second = (
        understanding_changes(wb, second_item).query("sector == 'all'") if second_item else first.iloc[0:0]
    )
    ev = wb.evidence
    resp = wb.survey_respondents.set_index(["group", "phase"])["n"]
    glance = [
        f"The programme worked with {count_phrase(len(a), 'local authority', 'local authorities')}"
        + (f", {gone}" if (gone := withdrawn_phrase(wb)) else "")
        + f"; {count_phrase(len(both), 'authority', 'authorities')} "
        f"({list_phrase(both)}) took part in {'both' if len(years(wb)) == 2 else 'all'} programme years.",
    ]
    if wb.has("evidence"):
        glance.append(evidence_glance(wb, ev))
    if ("all", "pre") in resp.index and ("all", "post") in resp.index:
        glance.append(
            f"The {source_title(wb, 'survey_report')} counts {resp[('all', 'pre')]} responses before and "
            f"{resp[('all', 'post')]} after, from "
            f"{count_phrase(int((a['attitude_survey'] == 'yes').sum()), 'authority', 'authorities')}."
        )
    if len(first):
        overall = first.iloc[0]
        line = (
            f"{overall['item_label']}: {percent(overall['pre'])} before, "
            f"{percent(overall['post'])} after ({signed_points(overall['change'])} points, 95% CI "
            f"{points_interval(overall['change_low'], overall['change_high'])})"
        )
        if len(second):
            s2 = second.iloc[0]
            line += f"; {s2['item_label'].lower()}: {percent(s2['pre'])} before, {percent(s2['post'])} after"
        glance.append(line + f". Associations with attending {wording('events')}, not measured impacts.")
    return join(
        report_style(),
        heading(f"{programme_name(wb)} {period(wb)}: programme evaluation report", 1),
        paragraph(
            f"This report evaluates the {programme_name(wb)} across its {wb.n_authorities} local "
            "authorities. Every figure is computed "
            "from the workbook's processed tables; every judgement made in cleaning the sources "
            "is listed in the data-quality log."
        ),
        PROGRAMME_PAGE.heading("at-a-glance"),
        bullets(glance),
    )


@PROGRAMME_PAGE.headed("participation")
def participation_overview(wb: Workbook) -> Markup:
    """Which authorities the documents place in each programme year, and the activity figures."""
    a = wb.authorities_a_to_z()
    flags = participation_flags(wb).set_index("authority_id").loc[a["authority_id"]]
    unknown = a[a["years"] == UNRECORDED]["authority"].tolist()
    sentences = [
        "The documents place "
        + list_phrase(
            [
                f"{count_phrase(int(took_part(flags[y]).sum()), 'authority', 'authorities')} in {y}"
                for y in years(wb)
            ]
        )
        + (f", {gone}" if (gone := withdrawn_phrase(wb)) else "")
        + ".",
        inferred_years_sentence(wb, flags),
        (
            f"For {count_phrase(len(unknown), 'authority', 'authorities')} ({list_phrase(unknown)}) "
            "no document "
            "states the year; the programme report says only that authorities other than the two-year "
            "partners took part 'a year each'."
            if unknown
            else ""
        ),
    ]
    sentences += activity_sentences(wb)
    # the chart's data table is the section's one table (case study and survey source: the next section)
    return join(paragraph(*sentences), _timeline_chart(wb, flags.reset_index()))


def _timeline_chart(wb: Workbook, flags: pd.DataFrame) -> Markup:
    """Authorities by programme year, withdrawal marked, with its data table (the page's one
    participation table)."""
    gone = withdrawals(wb.case_study_facts)
    ys = years(wb)
    per_year = [f"{int(took_part(flags[y]).sum())} in {y}" for y in ys]
    unknown = flags[[all(flags.loc[i, y] == "unknown" for y in ys) for i in flags.index]][
        "authority"
    ].tolist()
    inferred = bool((flags[ys] == INFERRED_YEAR).any(axis=None))
    chart = charts.Chart(
        title=f"The documents place {list_phrase(per_year)}"
        + (
            f"; {list_phrase(list(flags[flags['authority_id'].isin(gone)]['authority']))} withdrew"
            if gone
            else ""
        ),
        subtitle="Programme years each authority took part in, as the documents state them; "
        "hatched where no document states the year"
        + (
            f"; dotted where {INFERRED_YEAR_MEANS.replace('placed', 'an authority is placed', 1)}"
            if inferred
            else ""
        ),
        alt="Timeline of participation by authority and programme year. "
        + " ".join(
            f"{r['authority']}: "
            + (
                "year not stated"
                if r["authority"] in unknown
                else list_phrase(
                    [
                        y + (" (an inference)" if r[y] == INFERRED_YEAR else "")
                        for y in ys
                        if took_part(r[ys]).get(y)
                    ]
                )
                or "no year"
            )
            + ("; withdrew" if r["authority_id"] in gone else "")
            + "."
            for _, r in flags.iterrows()
        ),
        table=pd.DataFrame(
            {
                "Authority": flags["authority"],
                **{y: flags[y].to_numpy() for y in ys},
                "Withdrew": [gone[a].timing or "yes" if a in gone else "" for a in flags["authority_id"]],
            }
        ),
        table_caption="Participation by authority and year, with withdrawals "
        "(unknown = not stated in any document"
        + (f"; {INFERRED_YEAR} = {INFERRED_YEAR_MEANS})" if inferred else ")"),
    )
    fig = chart_cache.recipe(figures.participation_timeline, flags, ys, set(gone))
    return charts.figure_html(fig, chart)


@PROGRAMME_PAGE.headed("themes")
def themes_section(wb: Workbook) -> Markup:
    """The themes beside the case studies' proposals and the guidance, then the
    commissioning cycle's stages beside the checklist and the guidance's columns."""
    rows = _theme_rows(wb)
    cycle = wb.commissioning_cycle
    checklist = wb.checklist.groupby("stage_id", sort=False).size()
    unrecorded = int((wb.guidance["commissioning_stages"] == UNRECORDED).sum())
    checklist_doc, guidance_doc = _document(wb, wb.checklist), _document(wb, wb.guidance)
    in_cycle = set(cycle["stage_id"])
    # Every checklist stage, including the items to settle before the cycle begins.
    stage_columns = dict(wb.programme.guidance_stage_columns)
    stages = [
        (st.id, st.label) for st in wb.programme.stages if st.id in in_cycle or st.id in checklist.index
    ]
    before = [label for sid, label in stages if sid not in in_cycle]
    cycle_table = pd.DataFrame(
        {
            "Stage": [label + ("" if sid in in_cycle else " (ahead of the cycle)") for sid, label in stages],
            f"Checklist items{checklist_doc.number}": [str(int(checklist.get(sid, 0))) for sid, _ in stages],
            f"Guidance column{guidance_doc.number}": [
                next((c for c, g in stage_columns.items() if g == sid), "").replace("_", " ") or "none"
                for sid, _ in stages
            ],
        }
    )
    return join(
        paragraph(
            f"The case studies organise partners' proposals under the same {len(wb.programme.themes)} "
            "themes, and the programme's practice guidance uses them as its focus themes "
            f"({len(wb.guidance)} practice suggestions in all). "
            + guidance_ticks(len(wb.guidance), unrecorded)
        ),
        table_html(
            pd.DataFrame(rows),
            f"The {len(rows)} themes: case-study proposals, practice guidance and commissioning stages",
        ),
        paragraph(
            f"The {_document(wb, cycle).title} defines commissioning as a cycle of {len(cycle)} stages and gives "
            f"a good-practice checklist of {len(wb.checklist)} items"
            + (
                f", {int(sum(checklist.get(sid, 0) for sid, label in stages if label in before))} of them to "
                "settle before the cycle starts (the paper's "
                f"{list_phrase([repr(b) for b in before])} items)"
                if before
                else ""
            )
            + ". The practice guidance covers "
            f"only the first {len(stage_columns)} stages ("
            + list_phrase([label.lower() for sid, label in stages if sid in stage_columns.values()])
            + ")."
        ),
        table_html(cycle_table, "Commissioning cycle stages, checklist items and practice-guidance columns"),
    )


class _Document(NamedTuple):
    title: str  # how reports name it: "commissioning paper"
    number: str  # " (003)", or "" when the table is empty


def _document(wb: Workbook, table: pd.DataFrame) -> _Document:
    """The source document a table was transcribed from, as reports name it."""
    if table.empty:
        return _Document("source", "")
    file = str(table["source"].iloc[0]).partition(" § ")[0]
    return _Document(source_doc(wb, file), f" ({file[:3]})")


def guidance_ticks(rows: int, unrecorded: int) -> str:
    """What the practice guidance's stage ticks show: how many rows print them, how many lost them."""
    if unrecorded == 0:
        return "The guidance also ticks which commissioning stages each suggestion serves."
    if unrecorded == rows:
        return (
            "The guidance also ticks which commissioning stages each suggestion serves, but every row "
            "lost its ticks in the source, so the link from each theme to a stage is unrecorded."
        )
    return (
        f"The guidance also ticks which commissioning stages each suggestion serves: {rows - unrecorded} "
        f"of its {rows} rows print their ticks; the other {unrecorded} lost them in the source, so for "
        "those rows the link to a stage is unrecorded."
    )


def stage_labels(wb: Workbook, recorded: pd.Series) -> str:
    """The stages a set of guidance rows ticks, in the definition's order and reader's words."""
    ticked = {s for value in recorded for s in str(value).split(";") if s and s != UNRECORDED}
    labels = [st.label for st in wb.programme.stages if st.id in ticked]
    if (recorded == UNRECORDED).any():
        labels.append("not recorded" if labels else "not recorded (the ticks were lost)")
    return "; ".join(labels)


def _theme_rows(wb: Workbook) -> list[dict[str, str]]:
    """One row per theme: each case study's proposal, the guidance's counts and stages."""
    names = wb.authorities.set_index("authority_id")["authority"]
    rows = []
    case_studies = sorted(a.id for a in wb.programme.authorities if a.case_study)
    for tid, label in [(t.id, t.label) for t in wb.programme.themes]:
        props = wb.proposals[wb.proposals["theme"] == tid]
        g = wb.guidance[wb.guidance["theme"] == tid]
        stages = stage_labels(wb, g["commissioning_stages"])
        rows.append(
            {
                "Theme": label,
                **{
                    f"{names[aid]} proposal": next(iter(props[props["authority_id"] == aid]["text"]), "")
                    for aid in case_studies
                },
                "Guidance principles": str(sum(1 for p in g["key_principle"] if p)),
                "Practice suggestions": str(len(g)),
                "Commissioning stages ticked": stages,
            }
        )
    return rows


def _misprinted(wb: Workbook, row: pd.Series) -> str:
    """'; printed ‘69%%’ in the source, a typing error' where the data-quality log records a KPI
    value of this row as mistyped; '' otherwise."""
    log = wb.quality_log
    if log.empty:
        return ""
    typos = log[(log["check"] == "typo") & log["file"].astype(str).str.contains("kpi")]
    for value in (row["pct_from"], row["pct_to"]):
        hit = typos[typos["value"].astype(str).str.fullmatch(rf"{value:.0f}%%+")]
        if len(hit):
            return f"; printed \u2018{hit['value'].iloc[0]}\u2019 in the source, a typing error"
    return ""


def _kpi_move(wb: Workbook, row: pd.Series, kind: str, same_kpi: bool) -> str:
    under = "the same KPI" if same_kpi else f"\u2018{row['kpi_label']}\u2019"
    return (
        f"the largest {kind} was \u2018{row['measure_label']}\u2019 under {under}, "
        f"{row['pct_from']:.0f}% to {row['pct_to']:.0f}% ({signed_points(row['change_pts'] / 100)} points"
        + _misprinted(wb, row)
        + ")"
    )


def kpi_sentence(wb: Workbook) -> str:
    """The percentage KPIs' movements both ways (``results_kpis``): the counts, the largest rise and
    the largest fall, with why neither can be tested (the KPI finding's own detail)."""
    k = wb.results_kpis
    if k.empty:
        return ""
    n = direction_counts(k)
    rise, fall = kpi_extremes(k)
    moves = []
    if rise is not None:
        moves.append(_kpi_move(wb, rise, "rise", False))
    if fall is not None:
        moves.append(_kpi_move(wb, fall, "fall", rise is not None and fall["kpi"] == rise["kpi"]))
    f = wb.results_findings
    why = f.loc[f["finding_id"] == "kpis", "detail"]
    return (
        f"Of {len(k)} percentage KPIs, {n['higher']} were higher in {k['year_to'].iloc[0]} than in "
        f"{k['year_from'].iloc[0]}, {n['about the same']} about the same and {n['lower']} lower"
        + (f"; {' and '.join(moves)}" if moves else "")
        + ". "
        + (str(why.iloc[0]) + " " if len(why) and str(why.iloc[0]) != "nan" else "")
        + "So none of these movements can be tested for chance."
    )


@PROGRAMME_PAGE.headed("conclusions")
def conclusions(wb: Workbook) -> Markup:
    """Conclusions, each backed by a computed value."""
    c = wb.results_comparisons
    first = c[(c["question"] == understanding_question(wb)) & (c["item"] == understanding_item(wb, 0))]
    first = first[first["sector"] == "all"]
    impacts = c[c["question"] == impacts_question(wb)]
    ev = wb.evidence
    unknown_years = int((wb.authorities["years"] == UNRECORDED).sum())
    items = []
    if len(first):
        overall = first.iloc[0]
        items.append(
            f"The share of participants in the survey's '{overall['item_label']}' series was "
            f"{overall['direction']} after {wording('events')} "
            f"({overall['pct_pre']:.0f}% to {overall['pct_post']:.0f}%); "
            + (
                "the difference is clear of chance at both ends of the base range"
                if overall["clear_of_chance"]
                else "the difference could be chance"
            )
            + f". With no comparison group this is an association, not evidence that {wording('events')} caused it."
        )
    for sector in explorer_sectors(wb):
        s = impacts[impacts["sector"] == sector]
        if s.empty:
            continue
        n = direction_counts(s)
        clear = int(s["clear_of_chance"].sum())
        items.append(
            f"{sector_title(wb, sector)} gave more positive ratings after {wording('events')} on {n['higher']} of "
            f"{len(s)} impacts, about the same ratings on {n['about the same']} and lower on {n['lower']}; "
            f"{clear} of those differences {is_are(clear)} clear of chance at both ends of the base range."
        )
    whose = "1 authority's" if unknown_years == 1 else f"{unknown_years} authorities'"
    if wb.has("evidence"):
        items.append(
            f"The evidence matrix is incomplete: "
            f"{evidence_totals(ev).unrecorded} of {len(ev)} cells are {LEFT_STAGE}, and "
            f"{whose} programme years are not stated in any document."
        )
    kpis = kpi_sentence(wb)
    if kpis:
        items.append(kpis)
    doubtful = int((wb.profiles["alignment"] == "doubtful").sum())
    if wb.has("profiles"):
        items.append(
            f"{doubtful} of {len(wb.profiles)} authority profile answers may be misaligned in the "
            "source table; conclusions about individual authorities' challenges should be checked "
            "with the authorities."
        )
    return bullets(items)


@PROGRAMME_PAGE.headed("data-quality")
def data_quality_section(wb: Workbook) -> Markup:
    """The data-quality log in counts, with the caveats the report relies on."""
    log = wb.quality_log
    entries = programme_caveats(wb)  # the programme's own caveats note
    caveats = (
        caveats_paragraph("The assumptions behind this report are logged in the caveats log:", entries)
        if entries
        else Markup("")
    )
    if log.empty:
        return join(paragraph("No data-quality log was found beside the processed tables."), caveats)
    counts = log.groupby("check").size().sort_values(ascending=False)
    table = pd.DataFrame(
        {"Kind of issue": [quality_check_label(c) for c in counts.index], "Issues": counts.astype(str).values}
    )
    return join(
        paragraph(f"Cleaning the sources recorded {len(log)} issues of {len(counts)} kinds."),
        table_html(table, "Data-quality issues by kind"),
        caveats,
    )


@PROGRAMME_PAGE.headed("programme-design")
def programme_design_section(wb: Workbook) -> Markup:
    """Launch, aims, objectives, success measure, delivery strategy and models,
    baseline survey and definitions, as the programme states them, then its own
    evaluation findings with the claim audit's verdict where one tests them."""
    st = wb.programme_statements
    parts = []
    topics = st.sort_values("topic_order")[["topic", "topic_label"]].drop_duplicates("topic")
    for topic, label in topics.itertuples(index=False):
        rows = st[st["topic"] == topic].sort_values("item_order")
        if rows.empty or topic == "delivery_step":
            continue
        parts.append(heading(label, 3))
        if topic == "delivery_strategy":
            steps = st[st["topic"] == "delivery_step"].sort_values("item_order")["text"].tolist()
            parts.append(paragraph(f"The strategy had {len(steps)} steps: {list_phrase(steps)}."))
        parts.append(bullets(statement_items(wb, rows, quoted_elsewhere(wb))))
    if not wb.has("evaluation_findings"):  # an optional table the programme lacks
        return join(*parts)
    return join(*parts, _own_findings(wb))


#: Which of the programme report's own findings the claim audit checks: one rule, applied to each.
FINDINGS_RULE = (
    "The claim audit checks each finding that says what the programme brought about or what its partners "
    "saw, preferred or still faced, since evidence could bear on such a statement; a finding that records "
    "what the programme team or the authorities did or recognised is an account of the work, "
    "not a claim about its results, and is not checked."
)

#: The one label of a finding the rule leaves out.
NOT_A_CLAIM = "not checked: an account of the work, not a claim about its results"


def _findings_counts(verdicts_of: list[str]) -> str:
    """'1 has data (direction only: could be chance) and 6 cannot be tested: ...' from the verdicts
    of the findings the audit checks."""
    tested = Counter(v for v in verdicts_of if v != verdicts.UNTESTABLE)
    n_tested, untested = sum(tested.values()), verdicts_of.count(verdicts.UNTESTABLE)
    kinds = "; ".join(v if len(tested) == 1 else f"{n} {v}" for v, n in tested.items())
    parts = [f"{n_tested} {'has' if n_tested == 1 else 'have'} data ({kinds})"] if n_tested else []
    if untested:
        parts.append(
            f"{untested} cannot be tested, as no source measures what {'it states' if untested == 1 else 'they state'}"
        )
    return list_phrase(parts)


def _own_findings(wb: Workbook) -> Markup:
    """The programme report's own evaluation findings with the claim audit's verdict on each it
    checks (:data:`FINDINGS_RULE`), and counts read from the same rows."""
    audit = claim_audit(wb).set_index("claim_id")
    f = wb.evaluation_findings.sort_values("finding_order")
    ids = f["audited_as"].map(lambda cell: [i for i in cell.split(";") if i and i in audit.index])

    def checked(found: list[str]) -> str:
        if not found:
            return NOT_A_CLAIM
        return "; ".join(
            audit.at[i, "verdict"]
            + ("" if audit.at[i, "strength"] == NO_STRENGTH else f" ({audit.at[i, 'strength']})")
            for i in found
        )

    table = pd.DataFrame(
        {
            "Finding (as published)": f["text"],
            "Year": f["years"].replace("unstated", "not stated").str.replace(";", " and "),
            "Claim audit": ids.map(checked),
        }
    )
    verdicts_of = [verdicts.combine([audit.at[i, "verdict"] for i in found]) for found in ids if found]
    left = len(f) - len(verdicts_of)
    return join(
        heading("The programme report's own evaluation findings", 3),
        paragraph(
            f"The programme report lists {len(f)} findings of its own ({source_doc(wb, f['source'].iloc[0])}). "
            f"{FINDINGS_RULE} By this rule it checks {len(verdicts_of)}: {_findings_counts(verdicts_of)}. "
            f"The other {left} {'is' if left == 1 else 'are'} an account of the work."
        ),
        table_html(table, "The programme report's evaluation findings and the claim audit's verdict"),
    )


def quoted_elsewhere(wb: Workbook) -> dict[str, Markup]:
    """Statements another section of the page quotes in full, by their words: the aim the summary
    opens with and each success criterion the success-measure section judges; the programme's
    statements link to them rather than print them twice."""
    st = wb.programme_statements
    aims = st[st["topic"] == "aim"].sort_values("item_order")["text"].head(1)
    where = {
        same_words(t): link(f"#{PROGRAMME_PAGE.anchor('summary')}", "quoted in full in the summary")
        for t in aims
    }
    for criterion in success_results(wb)["criterion"]:
        where[same_words(criterion)] = link(
            f"#{PROGRAMME_PAGE.anchor('success-measure')}", "quoted in full, and judged, below"
        )
    return where


def statement_items(wb: Workbook, rows: pd.DataFrame, elsewhere: dict[str, Markup]) -> list[str | Markup]:
    """One bullet per statement, '(year; source)' after it; a statement two documents print in the
    same words is shown once, citing both; one another section quotes is a link to it."""
    cited: dict[str, tuple[str, list[str]]] = {}
    for _, r in rows.iterrows():
        year = "" if r["years"] == "unstated" else r["years"].replace(";", " and ") + "; "
        cited.setdefault(same_words(r["text"]), (r["text"], []))[1].append(
            f"{year}{source_doc(wb, r['source'])}"
        )
    return [
        Markup("\u201c{}\u201d ({}): {}.").format(first_words(text, 8), "; ".join(where), elsewhere[key])
        if key in elsewhere
        else f"{text} ({'; '.join(where)})"
        for key, (text, where) in cited.items()
    ]


#: The programme-activity measure that counts people (the others count what was run).
PARTICIPANTS = "participants"


def activity_sentences(
    wb: Workbook, years: list[str] | None = None, subject: str = "the programme"
) -> list[str]:
    """'In 2012-13 the programme ran 10 workshops and 3 surveys for up to 379 participants', one
    sentence per year (all years when ``years`` is empty or None): what it ran, then whom for."""
    rows = wb.kpis[wb.kpis["kpi"] == ACTIVITY]
    if years:
        rows = rows[rows["year"].isin(years)]

    def counted(group: pd.DataFrame) -> str:
        return list_phrase(
            [f"{bounded(r['value'], r['bound'])} {r['measure_label'].lower()}" for _, r in group.iterrows()]
        )

    out = []
    for year, group in rows.groupby("year", sort=True):
        people = group["measure"] == PARTICIPANTS
        ran = f" ran {counted(group[~people])}" if (~people).any() else " reached"
        whom = (" for " if (~people).any() else " ") + counted(group[people]) if people.any() else ""
        out.append(f"In {year} {subject}{ran}{whom}.")
    return out
