"""Facts derived from the processed tables, each worked out in one place.

Sections read these functions rather than recounting the tables: an
authority's withdrawal and evidence rows, the status that says an evidence
item exists, evidence counts by status, the claim audit and the success
judgement, participation by year, the understanding series' changes and the
respondent-level survey tables. A fact two sections need lives here, never in
one of the sections (sections do not import each other).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.analysis import results
from lib.analysis.design import PARTS, Design
from lib.analysis.findings import lower_first, measure_rows
from lib.analysis.unreadable import LEFT_STAGE, Unreadable
from lib.analysis.unreadable import unreadable as unreadable_cells
from lib.programme import wording
from lib.report.common import status_ids, status_label
from lib.report.format import list_phrase
from lib.report.workbook import (
    INFERRED_YEAR,
    UNRECORDED,
    Workbook,
    authority_inferred_years,
    sector_order,
    source_title,
    understanding_item,
    understanding_question,
    years,
)
from lib.sources import response_tables


@dataclass(frozen=True)
class Withdrawal:
    """An authority's withdrawal from the programme, as its case study states it."""

    reason: str
    timing: str
    planned: str
    instead: str
    source: str

    def clause(self) -> str:
        """'withdrew from the programme (its reason) before the workshop could take place'."""
        why = f" ({self.reason})" if self.reason else ""
        when = f" {self.timing}" if self.timing else ""
        return f"withdrew from the programme{why}{when}"


#: How every page words an authority's programme years (the index and its own page alike):
#: one whose case study records its withdrawal was "selected" for them (its case study: "was
#: selected in 2012", then "withdrew from the Programme ... before the workshop could take
#: place"), so no page says it took part; any other took part in them.
YEARS_WORDS = {True: "selected for", False: "took part in"}


def years_words(withdrew: bool) -> str:
    """``'selected for'`` (an authority that withdrew) or ``'took part in'``: :data:`YEARS_WORDS`."""
    return YEARS_WORDS[bool(withdrew)]


#: What a year only an inference gives means, in every place that marks one: the year read from a
#: date or phrase, or stated for a place name read as the authority (authorities.csv ``years_inferred``).
INFERRED_YEAR_MEANS = (
    "placed in the year only by an inference (a date or phrase read as a programme year, "
    "or a place name read as the authority)"
)


def years_inference_note(years: list[str], inferred: list[str]) -> str:
    """How every page marks years only an inference gives (authorities.csv ``years_inferred``),
    after the years: '' when every year is stated."""
    if not inferred:
        return ""
    if set(inferred) >= set(years):
        return " (an inference: no document states the year under this authority's name)"
    return f" ({' and '.join(inferred)} an inference: no document states it under this authority's name)"


#: The columns of case_study_facts.csv that :func:`withdrawals` reads.
WITHDRAWAL_COLUMNS: tuple[str, ...] = ("authority_id", "fact", "value", "source")


def withdrawals(case_study_facts: pd.DataFrame) -> dict[str, Withdrawal]:
    """authority_id -> its withdrawal, for every authority whose case study records a
    ``withdrew`` fact (with the reason, timing and what it did instead, where stated)."""
    out = {}
    for authority_id, facts in case_study_facts.groupby("authority_id", sort=False):
        f = dict(zip(facts["fact"], facts["value"], strict=False))
        if "withdrew" not in f:
            continue
        out[authority_id] = Withdrawal(
            reason=f.get("withdrawal_reason", ""),
            timing=f.get("withdrawal_timing", ""),
            planned=f.get("workshop_planned", ""),
            instead=f.get("activity_instead_of_workshop", ""),
            source=facts.loc[facts["fact"] == "withdrew", "source"].iloc[0],
        )
    return out


def withdrawn_phrase(wb: Workbook, ids: list[str] | None = None) -> str:
    """'1 of which (Richmond upon Thames) withdrew before the workshop could take place': the
    withdrawals (of ``ids``, else of every authority) beside any count of authorities; '' if none."""
    gone = withdrawals(wb.case_study_facts)
    left = [a for a in (ids if ids is not None else wb.authorities["authority_id"]) if a in gone]
    if not left:
        return ""
    when = {gone[a].timing for a in left}
    return f"{len(left)} of which ({list_phrase([wb.name(a) for a in left])}) withdrew" + (
        f" {when.pop()}" if len(when) == 1 and "" not in when else ""
    )


def withdrawal(wb: Workbook, authority_id: str) -> Withdrawal | None:
    """The withdrawal the case study records for this authority, or None."""
    return withdrawals(wb.case_study_facts).get(authority_id)


@dataclass(frozen=True)
class Coverage:
    """An authority's evidence items: with a recorded status, an inferred one, or none
    (the status lost in the source)."""

    items: int
    recorded: int
    inferred: int
    unrecorded: int

    @property
    def text(self) -> str:
        """``'3 of 12 with a status: 2 recorded, 1 inferred'`` (the index's wording)."""
        return (
            f"{self.recorded + self.inferred} of {self.items} with a status: "
            f"{self.recorded} recorded, {self.inferred} inferred"
        )


def never_printed(wb: Workbook, evidence: pd.DataFrame) -> pd.Series:
    """Unrecorded cells the source never printed (its row stops before them: the definition's
    ``not_printed`` code), as against cells whose printed mark was lost."""
    return (evidence["status"] == UNRECORDED) & (evidence["raw_code"] == wb.programme.not_printed.printed)


def evidence_unreadable(wb: Workbook, evidence: pd.DataFrame) -> Unreadable:
    """The unreadable-cell counts of ``evidence`` (:func:`lib.analysis.unreadable.unreadable`), with this
    programme's code for a cell never printed."""
    return unreadable_cells(evidence, wb.programme.not_printed.printed)


def unrecorded_reasons(wb: Workbook, evidence: pd.DataFrame) -> str:
    """Why the unrecorded cells cannot be read, each cause counted apart ('106 lost their
    glyphs and 1 was never printed (the source's row stops before it)'); '' when none is."""
    cut = int(never_printed(wb, evidence).sum())
    lost = int((evidence["status"] == UNRECORDED).sum()) - cut
    parts = [f"{lost} print{'s' if lost == 1 else ''} blank"] if lost else []
    if cut:
        parts.append(
            f"{cut} {'was' if cut == 1 else 'were'} never printed "
            f"(the source's row stops before {'it' if cut == 1 else 'them'})"
        )
    return " and ".join(parts)


#: The columns of evidence.csv that :func:`coverage` reads.
COVERAGE_COLUMNS: tuple[str, ...] = ("authority_id", "status", "inferred")


def coverage(evidence: pd.DataFrame) -> dict[str, Coverage]:
    """authority_id -> its evidence coverage. A lost status counts as unrecorded whatever
    else the row says; of the rest, an inferred status is never counted as recorded."""
    lost = evidence["status"] == UNRECORDED
    inferred = ~lost & (evidence["inferred"] == "yes")
    counts = (
        pd.DataFrame(
            {"authority_id": evidence["authority_id"], "lost": lost, "inferred": inferred, "items": 1}
        )
        .groupby("authority_id", sort=False)[["items", "lost", "inferred"]]
        .sum()
    )
    return {
        aid: Coverage(
            items=int(r["items"]),
            recorded=int(r["items"] - r["lost"] - r["inferred"]),
            inferred=int(r["inferred"]),
            unrecorded=int(r["lost"]),
        )
        for aid, r in counts.iterrows()
    }


def evidence_totals(evidence: pd.DataFrame) -> Coverage:
    """The whole matrix's cells counted as :func:`coverage` counts one authority's: every
    page states these four numbers (recorded, inferred, unrecorded and their sum) from here."""
    parts = coverage(evidence).values()
    return Coverage(
        items=len(evidence),
        recorded=sum(c.recorded for c in parts),
        inferred=sum(c.inferred for c in parts),
        unrecorded=sum(c.unrecorded for c in parts),
    )


def positive_status(wb: Workbook) -> str:
    """The legend's first status (this programme: available): the one that says an item exists."""
    return status_ids(wb)[0]


def authority_evidence(wb: Workbook, authority_id: str) -> pd.DataFrame:
    """The authority's rows of the evidence matrix; an authority without rows is an error
    (the matrix has a column for every partner authority), unless the programme has no matrix."""
    rows = wb.evidence[wb.evidence["authority_id"] == authority_id].sort_values("item_order")
    if rows.empty and wb.has("evidence"):
        raise ValueError(f"evidence.csv has no rows for authority {authority_id!r}")
    return rows


def evidence_status_counts(wb: Workbook, evidence: pd.DataFrame) -> pd.DataFrame:
    """Cells by status (rows, legend order) and how the status is known
    (columns ``recorded``, ``inferred``): inferred statuses are never counted
    as recorded ones (data/notes/caveats.md, inference rule)."""
    how = evidence["inferred"].map({"no": "recorded", "yes": "inferred"})
    return (
        pd.crosstab(evidence["status"], how)
        .reindex(index=status_ids(wb), columns=["recorded", "inferred"], fill_value=0)
        .astype(int)
    )


def status_breakdown(wb: Workbook, counts: pd.DataFrame, how: str) -> str:
    """'61 not applicable and 4 unclear': the statuses a column of :func:`evidence_status_counts`
    (``recorded`` or ``inferred``) holds, leaving out zeros (labels without their gloss)."""
    column = counts[how]
    return list_phrase(
        [f"{int(n)} {status_label(wb, s).split(' (')[0]}" for s, n in column.items() if n and s != UNRECORDED]
    )


def claim_audit(wb: Workbook) -> pd.DataFrame:
    """The audit of every published claim: the results table ``results_claims``
    (:func:`lib.analysis.claims.claims_results`), computed once by the analysis step."""
    return wb.results_claims


def participation_flags(wb: Workbook) -> pd.DataFrame:
    """One row per authority, one column per programme year: yes, no or unknown, or
    :data:`INFERRED_YEAR` for a year only an inference gives (authorities.csv ``years_inferred``)."""
    a = wb.authorities
    out = pd.DataFrame({"authority_id": a["authority_id"], "authority": a["authority"]})
    for y in years(wb):
        out[y] = [
            "unknown"
            if v == UNRECORDED
            else (INFERRED_YEAR if y in authority_inferred_years(r) else "yes")
            if y in v.split(";")
            else "no"
            for v, (_, r) in zip(a["years"], a.iterrows(), strict=True)
        ]
    return out


def took_part(flags: pd.Series) -> pd.Series:
    """Participation flags that place the authority in the year, stated or by inference."""
    return flags.isin(["yes", INFERRED_YEAR])


def percentage_kpi_years(wb: Workbook) -> tuple[str, str] | None:
    """The first and last programme years with percentage KPIs (None if fewer than two)."""
    return results.kpi_years(wb.kpis, years(wb))


def understanding_changes(wb: Workbook, item: str | None = None) -> pd.DataFrame:
    """One understanding item's before/after statistics by sector (the first item by default)."""
    c = wb.changes
    item = item or understanding_item(wb, 0)
    order = sector_order(wb)
    return (
        c[(c["question"] == understanding_question(wb)) & (c["item"] == item)]
        .assign(_o=lambda f: f["sector"].map(order))
        .sort_values("_o")
        .drop(columns="_o")
    )


def results_comparisons(wb: Workbook) -> pd.DataFrame:
    """Every before/after comparison that has an interval (``results_comparisons``,
    computed once by the analysis step), as the charts read it."""
    table = wb.results_comparisons
    return table.dropna(subset=["ci_low_pts"]).reset_index(drop=True)


def respondent_tables(wb: Workbook) -> dict[str, pd.DataFrame] | None:
    """The respondent-level survey tables the build wrote, or None (read once per workbook)."""
    cache = wb.__dict__.setdefault("_response_tables", {})
    if "tables" not in cache:
        tables = response_tables.load_response_tables(wb.processed_dir)
        if tables is not None:  # the pages show the cells someone answered
            sr = tables["survey_responses"]
            tables["survey_responses"] = sr[sr["base_n"] > 0].reset_index(drop=True)
        cache["tables"] = tables
    return cache["tables"]


def has_response_data(wb: Workbook, authority_id: str) -> bool:
    """True when the build read respondent-level survey data for this authority."""
    tables = respondent_tables(wb)
    return tables is not None and bool((tables["survey_responses"]["authority_id"] == authority_id).any())


def design_rating(wb: Workbook) -> pd.Series:
    """The one home of the design's rating: the row of ``results_design`` (kind, scale, version,
    level, level_max, level_text, reason), computed by the analysis step from the plan."""
    return wb.results_design.iloc[0]


def design(wb: Workbook) -> Design:
    """The design the plan declares, as :class:`lib.analysis.design.Design` (``.comparison``),
    for sections that choose what to say by it."""
    return Design(str(design_rating(wb)["kind"]), (), {})


def success_results(wb: Workbook) -> pd.DataFrame:
    """``results_success``: each success criterion with its verdict (the analysis step)."""
    return wb.results_success


def criterion_comparisons(wb: Workbook, criterion_id: str) -> pd.DataFrame:
    """The ``results_comparisons`` rows that stand for one success criterion (its measures in the plan)."""
    return measure_rows(wb.results_comparisons, wb.programme.plan.criterion(criterion_id))


def comparisons(wb: Workbook, question: str | None, sector: str | None = None) -> pd.DataFrame:
    """``results_comparisons`` rows of one question (and sector), keyed like ``wb.changes``."""
    c = wb.results_comparisons
    rows = c[c["question"] == question]
    return rows[rows["sector"] == sector] if sector is not None else rows


def direction_counts(rows: pd.DataFrame) -> dict[str, int]:
    """{'higher': n, 'about the same': n, 'lower': n} of some ``results_comparisons`` or ``results_kpis`` rows."""
    counts = rows["direction"].value_counts()
    return {d: int(counts.get(d, 0)) for d in results.DIRECTIONS}


def _whole(x) -> str:
    return f"{round(float(x)):,}"


def _about(low, high) -> str:
    return f"about {_whole(low)}" if _whole(low) == _whole(high) else f"about {_whole(low)} to {_whole(high)}"


def _bases(low, high) -> str:
    return _whole(low) if _whole(low) == _whole(high) else f"{_whole(low)} to {_whole(high)}"


def detect_words(
    criterion: pd.Series, scope: str = "", pooled: pd.DataFrame | None = None, pooled_on: str = ""
) -> str | None:
    """What a criterion's could-be-chance comparisons could have detected, from its
    ``results_success`` row (the one home of the range), named by the comparisons it covers
    (``scope``, :func:`lib.analysis.findings.scope_words`); with the ``pooled`` comparisons of all
    respondents together (``results_comparisons`` rows, on ``pooled_on``), what they could detect. None when none
    could be chance."""
    if pd.isna(criterion["mdd_min_pts"]):
        return None
    bases = _bases(criterion["base_min"], criterion["base_max"])
    words = (
        f"for {scope or 'these ratings'} ({bases} respondents per group), the survey could "
        f"only detect changes of {_about(criterion['mdd_min_pts'], criterion['mdd_max_pts'])} points"
    )
    if pooled is not None and len(pooled.dropna(subset=["mdd_pts"])):
        p = pooled.dropna(subset=["mdd_pts"])
        words += (
            f"; for all respondents together ({_bases(p['base_pre'].min(), p['base_pre'].max())} before, "
            f"{_bases(p['base_post'].min(), p['base_post'].max())} after, published only "
            f"on {pooled_on or 'some questions'}), about "
            f"{_bases(p['mdd_pts'].min(), p['mdd_pts'].max())} points"
        )
    return words + ". A change that could be chance is therefore not evidence that nothing changed"


def pooled_comparisons(comparisons: pd.DataFrame, questions: dict[str, str]) -> tuple[pd.DataFrame, str]:
    """The ``results_comparisons`` rows of all respondents together, and the questions they are on
    in words (``understanding of co-production (Q1)``): what :func:`detect_words` adds."""
    rows = comparisons[comparisons["sector"] == "all"]
    on = " and ".join(lower_first(questions.get(q, q)) for q in dict.fromkeys(rows["question"]))
    return rows, on


def behind_words(rows: pd.DataFrame) -> str:
    """``the 18 ratings behind the success measure``: a criterion's comparisons named short, where
    the words before them say what they are (:func:`lib.analysis.findings.scope_words`)."""
    return f"the {len(rows)} rating{'' if len(rows) == 1 else 's'} behind the success measure"


def design_needs(kind: str, outcomes_measured: str) -> list[str]:
    """What a design able to show cause needs and this design (``results_design`` ``kind``) lacks:
    a comparison group, linked before/after answers, and a later follow-up (the plan says when
    outcomes were measured)."""
    linked, comparison = PARTS.get(kind, (False, False))
    needs = [] if comparison else ["a comparison group (people or places the programme did not reach)"]
    needs += [] if linked else ["before and after answers linked person to person"]
    later = f" (here outcomes were measured {outcomes_measured})" if outcomes_measured else ""
    return [*needs, f"a later follow-up{later}"]


def decide_words(
    criterion: pd.Series, target_points: float | None, scope: str = "", needs: list[str] | None = None
) -> str | None:
    """What it would take to decide on a criterion: what the design lacks to show cause
    (``needs``, :func:`design_needs`), then the respondents per group for the plan's target change
    against the bases its comparisons rest on (``results_success``), said to be for detecting that
    change, not for attributing it; None untested."""
    if target_points is None or pd.isna(criterion["base_for_target_min"]):
        return None
    need = _about(criterion["base_for_target_min"], criterion["base_for_target_max"])
    cause = (
        f"showing whether the programme caused a change needs {list_phrase(needs)}; more respondents in "
        "the same design would still not show cause. "
        if needs
        else ""
    )
    return (
        f"{cause}{'The' if cause else 'the'} numbers per group are for detecting the change the evaluation plan "
        f"says matters, not for attribution: to detect a change of {target_points:g} points in "
        f"{scope or 'these ratings'}, a survey needs {need} respondents in each of the before and after "
        f"groups; these rest on {_bases(criterion['base_min'], criterion['base_max'])}"
    )


def said_in(quotes: list[str], *values: str) -> bool:
    """Whether one of the quoted statements already gives every one of ``values`` (said once)."""

    def norm(x: str) -> str:
        return " ".join(str(x).split()).casefold()

    return any(all(norm(v) in norm(q) for v in values) for q in quotes)


def case_study_events(f: dict[str, str], left, quotes: list[str]) -> list[str]:
    """The case study's events (``f``: its facts) an authority page does not already give: an event a quoted statement gives
    in full is not retold, and what a withdrawal led to instead is in the summary."""
    events = []
    group = [
        f[k] for k in ("task_group_date", "task_group_participants", "task_group_participants_from") if k in f
    ]
    if "task_group_date" in f and not said_in(quotes, *group):
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
    workshop = [
        f[k] for k in ("workshop_date", "workshop_participants", "workshop_participants_from") if k in f
    ]
    if "workshop_date" in f and not said_in(quotes, *workshop):
        events.append(
            f"A workshop took place on {f['workshop_date']}"
            + (f" with {f['workshop_participants']} participants" if "workshop_participants" in f else "")
            + (f" from {f['workshop_participants_from']}" if "workshop_participants_from" in f else "")
            + "."
        )
    if left is not None and left.planned and "planned_workshop_format" in f:
        events.append(f"The workshop planned for {left.planned} was to be {f['planned_workshop_format']}.")
    elif left is not None and left.planned and not said_in(quotes, f"planned in {left.planned}"):
        events.append(f"A workshop was planned for {left.planned}.")
    if "activity_instead_of_workshop" in f and left is None:  # else the summary's withdrawal says it
        events.append(f"Instead, {f['activity_instead_of_workshop']}.")
    return events


#: The anchor of the summary's list of what the design cannot conclude (printed once, linked elsewhere).
CANNOT_CONCLUDE_ANCHOR = "what-cannot-be-concluded"


def finding_anchor(number: int) -> str:
    """The anchor of key finding ``number`` (1-based) in the programme summary."""
    return f"finding-{number}"


def reason_clauses(reason: str) -> list[str]:
    """A confidence reason's clauses ('starts low (...)', 'lowered: ...'): split at '; ' outside
    parentheses."""
    clauses, depth, start = [], 0, 0
    for i, ch in enumerate(reason):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and reason.startswith("; ", i):
            clauses.append(reason[start:i])
            start = i + 2
    return [*clauses, reason[start:]]


def shared_reasons(reasons: list[str]) -> list[list[str | int]]:
    """Each reason as its clauses, where a clause an earlier reason already gave is the number
    (1-based) of the first reason that gave it: the page prints a clause in full once (the
    starting level, the first clause, always in full)."""
    first: dict[str, int] = {}
    out: list[list[str | int]] = []
    for n, reason in enumerate(reasons, start=1):
        head, *rest = reason_clauses(reason)
        out.append([head, *(first.get(c, c) for c in rest)])
        first.update((c, n) for c in rest if c not in first)
    return out


def finding_with_reason(wb: Workbook, reason: str) -> int | None:
    """The number of the first key finding (in ``results_findings`` order) whose confidence
    reason is ``reason``, or None."""
    rows = wb.results_findings.sort_values("order").reset_index(drop=True)
    hits = rows.index[rows["confidence_reason"] == reason]
    return int(hits[0]) + 1 if len(hits) else None


def evidence_glance(wb: Workbook, ev: pd.DataFrame) -> str:
    """The matrix's cells at a glance: recorded, inferred and unrecorded (:func:`evidence_totals`),
    each with the statuses it holds."""
    t = evidence_totals(ev)
    how = evidence_status_counts(wb, ev)
    recorded = status_breakdown(wb, how, "recorded")
    inferred = status_breakdown(wb, how, "inferred")
    return (
        f"The evidence matrix has {t.items} authority-by-item cells: {t.recorded} with a recorded status"
        + (f" ({recorded})" if recorded else "")
        + f", {t.inferred} with a status inferred from other documents"
        + (f" ({inferred})" if inferred else "")
        + f" and {t.unrecorded} {LEFT_STAGE}"
        + (f": {unrecorded_reasons(wb, ev)}." if t.unrecorded else ".")
    )


def survey_coverage_sentence(wb: Workbook) -> str:
    """Which of the authorities the documents place in the survey's year (the year every authority
    the survey report names took part in) it names as the sources of its answers (authorities.csv
    ``attitude_survey``), and that the share of attendees who answered is not known (no document
    gives it); '' without a survey or a year every named authority shares."""
    a = wb.authorities.set_index("authority_id")
    flags = participation_flags(wb).set_index("authority_id")
    named_rows = flags[a["attitude_survey"].reindex(flags.index) == "yes"]
    shared = [y for y in years(wb) if len(named_rows) and took_part(named_rows[y]).all()]
    if not wb.has("survey") or not shared:
        return ""
    year = shared[-1]
    placed = [aid for aid in flags.index if took_part(flags.loc[[aid], year]).iloc[0]]
    named = [aid for aid in placed if a.loc[aid, "attitude_survey"] == "yes"]
    others = [aid for aid in placed if aid not in named]
    gone = withdrawals(wb.case_study_facts)
    not_named = [wb.name(aid) + (" (which withdrew)" if aid in gone else "") for aid in others]
    missing = ", ".join(not_named[:-1]) + (" or " if len(not_named) > 1 else "") + (not_named or [""])[-1]
    return (
        f"The {source_title(wb, 'survey_report')} names {len(named)} of the {len(placed)} authorities the "
        f"documents place in {year} as the sources of its answers"
        + (f"; it does not name {missing}" if not_named else "")
        + f". No document gives the share of those at {wording('events')} who answered."
    )


def inferred_years_sentence(wb: Workbook, flags: pd.DataFrame) -> str:
    """Which authorities' years only an inference gives (:data:`INFERRED_YEAR_MEANS`)."""
    read = [
        f"{r['authority']} in {list_phrase([y for y in years(wb) if r[y] == INFERRED_YEAR])}"
        for _, r in flags.reset_index().iterrows()
        if (r[list(years(wb))] == INFERRED_YEAR).any()
    ]
    if not read:
        return ""
    return (
        f"Of these, {list_phrase(read)} {'is' if len(read) == 1 else 'are'} {INFERRED_YEAR_MEANS}; "
        "each authority's page gives the reasoning."
    )


def authority_mentions(wb: Workbook, authority_id: str) -> pd.DataFrame:
    """The authority's rows of authority_mentions, in page order."""
    m = wb.authority_mentions
    return m[m["authority_id"] == authority_id].sort_values(["topic_order", "mention_order"], kind="stable")


def claims_naming(audit: pd.DataFrame, authority_id: str) -> pd.DataFrame:
    """The rows of a claim-audit results table (claim_id, claim, verdict, authorities:
    ';'-joined ids) that name ``authority_id``."""
    names = audit["authorities"].fillna("").str.split(";")
    return audit[names.map(lambda ids: authority_id in ids)]


def claim_authorities(wb: Workbook) -> pd.DataFrame:
    """The claim audit (``results_claims``) with the authorities each claim names (ids, ';'-joined)."""
    return claim_audit(wb)[["claim_id", "claim", "verdict", "authorities"]]
