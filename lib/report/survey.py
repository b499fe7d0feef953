"""The attitude survey, before and after: tables, charts and sentences.

Published shares are shown as printed; what the workbook derives from them
(intervals, changes, verdicts) is under disclosure control
(:mod:`lib.analysis.disclosure`). Questions, sectors and items come from the
programme definition and the processed survey table.
"""

from __future__ import annotations

import re

import pandas as pd
from markupsafe import Markup

from lib.analysis import disclosure, uncertainty
from lib.programme import wording
from lib.report import charts
from lib.report.common import caveat_link
from lib.report.facts import comparisons, direction_counts, understanding_changes
from lib.report.format import (
    count_phrase,
    list_phrase,
    percent,
    percent_interval,
    points_interval,
    signed_points,
)
from lib.report.html import bullets, heading, join, note, paragraph, render, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import (
    Workbook,
    both_sectors,
    impacts_question,
    question_label,
    question_topic,
    questions,
    sector_phrase,
    sector_title,
    sectors,
    understanding_item,
    understanding_question,
)
from lib.sources.survey import PAIRED_BY_POSITION

#: The tables' verdict column: the plan's verdict words (lib/analysis/verdicts.py), both-ends rule.
VERDICT_COLUMN = "Verdict"

#: The survey's phases as the processed tables name them, and their words.
PHASE_WORDS = {"pre": "before", "post": "after", "unstated": "phase not stated"}


def _ids(changes: pd.DataFrame) -> list[str]:
    """The ``results_comparisons`` ids of rows of ``wb.changes``."""
    return [
        f"{q}:{i}:{s}"
        for q, i, s in zip(changes["question"], changes["item"], changes["sector"], strict=True)
    ]


def with_verdicts(wb: Workbook, changes: pd.DataFrame) -> pd.DataFrame:
    """``changes`` with each row's ``verdict`` and ``clear_of_chance`` read from
    ``results_comparisons`` (the plan's both-ends rule, computed once by the analysis
    step); no section runs a test of its own."""
    judged = wb.results_comparisons.set_index("comparison_id")
    ids = _ids(changes)
    missing = sorted(set(ids) - set(judged.index))
    if missing:
        raise ValueError(
            f"results_comparisons has no row for {', '.join(missing)}; rerun python -m lib.analysis"
        )
    return changes.assign(
        verdict=[judged.at[i, "verdict"] for i in ids],
        clear_of_chance=[bool(judged.at[i, "clear_of_chance"]) for i in ids],
    )


def derived_suppressed(changes: pd.DataFrame) -> pd.Series:
    """Rows whose *derived* figures (intervals, change, verdict) are
    hidden: the smallest plausible base of either phase (``base_<phase>_low``)
    is below the disclosure threshold. The published shares themselves are
    always shown, with their source (data/notes/caveats.md C6)."""
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


def suppression_note(changes: pd.DataFrame) -> Markup:
    hidden = int(derived_suppressed(changes).sum())
    if not hidden:
        return Markup("")
    return note(
        f"{count_phrase(hidden, 'row rests', 'rows rest')} on fewer than "
        f"{disclosure.disclosure_threshold()} respondents at the smallest plausible base: the published "
        "shares are shown as printed in the survey report, but the figures the workbook derives "
        "from them (intervals, changes, verdicts) are shown as [c] (suppressed) and left out of "
        "the chart and the text."
    )


def _hide(values: list[str], mask: pd.Series) -> list[str]:
    return [disclosure.SUPPRESSED if hidden else v for v, hidden in zip(values, mask, strict=True)]


def _intervals(changes: pd.DataFrame, column: str, formatter) -> list[str]:
    """``<column>_low`` to ``<column>_high`` formatted for each row."""
    return [
        formatter(low, high)
        for low, high in zip(changes[f"{column}_low"], changes[f"{column}_high"], strict=True)
    ]


def impacts_table(wb: Workbook, changes: pd.DataFrame) -> pd.DataFrame:
    """Q3 impacts: published shares as printed; derived figures under disclosure control; the
    verdict from ``results_comparisons``."""
    derived = derived_suppressed(changes)
    changes = with_verdicts(wb, changes)
    return pd.DataFrame(
        {
            "Impact": changes["item_label"],
            "Before": disclosed(changes, "pre").display,
            "Before, 95% CI": _hide(_intervals(changes, "pre", percent_interval), derived),
            "After": disclosed(changes, "post").display,
            "After, 95% CI": _hide(_intervals(changes, "post", percent_interval), derived),
            "Change (points)": _hide(changes["change"].map(signed_points).tolist(), derived),
            "Change, 95% CI": _hide(_intervals(changes, "change", points_interval), derived),
            VERDICT_COLUMN: _hide(changes["verdict"].tolist(), derived),
        }
    )


def understanding_table(wb: Workbook, changes: pd.DataFrame) -> pd.DataFrame:
    pre, post = disclosed(changes, "pre"), disclosed(changes, "post")
    derived = derived_suppressed(changes)
    changes = with_verdicts(wb, changes)
    return pd.DataFrame(
        {
            "Respondents": changes["sector"].map(lambda s: sector_title(wb, s)),
            "Before": pre.display,
            "Before, 95% CI": _hide(_intervals(changes, "pre", percent_interval), derived),
            "After": post.display,
            "After, 95% CI": _hide(_intervals(changes, "post", percent_interval), derived),
            "Change (points)": _hide(changes["change"].map(signed_points).tolist(), derived),
            "Change, 95% CI": _hide(_intervals(changes, "change", points_interval), derived),
            VERDICT_COLUMN: _hide(changes["verdict"].tolist(), derived),
            "Bases (before / after)": _hide(
                [
                    f"{b1} / {b2} ({basis})"
                    for b1, b2, basis in zip(
                        changes["base_pre"], changes["base_post"], changes["base_basis"], strict=True
                    )
                ],
                derived,
            ),
        }
    )


def survey_understanding(wb: Workbook) -> Markup:
    """The understanding question before and after: a dot plot by sector with intervals, one
    sentence per sector, and the second series the survey report charts for the question."""
    full = understanding_changes(wb)
    if full.empty:
        return paragraph("The survey table holds no before-and-after shares for this question.")
    topic = question_topic(wb, understanding_question(wb))
    ch = publishable(full)
    if ch.empty:  # every share under the disclosure threshold: table of [c] only
        return _understanding_suppressed(wb, full, topic)
    overall = (ch[ch["sector"] == "all"] if (ch["sector"] == "all").any() else ch).iloc[0]
    sentences = [
        uncertainty.describe_change(
            r, f"Among {sector_phrase(wb, r['sector'])}, the share in the '{r['item_label']}' series"
        )
        for _, r in with_verdicts(wb, ch).iterrows()
    ]
    return join(
        _understanding_chart(wb, full, ch, overall, topic),
        bullets(sentences),
        suppression_note(full),
        base_note(wb),
        _second_series(wb, full, overall),
    )


def _understanding_suppressed(wb: Workbook, full: pd.DataFrame, topic: str) -> Markup:
    return join(
        paragraph(
            f"All {len(full)} shares in the '{full['item_label'].iloc[0]}' series rest on "
            f"fewer than {disclosure.disclosure_threshold()} respondents and are suppressed."
        ),
        table_html(understanding_table(wb, full), f"{topic} before and after (disclosure control applied)"),
        base_note(wb),
    )


def _understanding_chart(
    wb: Workbook, full: pd.DataFrame, ch: pd.DataFrame, overall: pd.Series, topic: str
) -> Markup:
    labels = [sector_title(wb, s) for s in ch["sector"]]
    fig, phone = charts.variants(
        charts.dumbbell,
        labels,
        ch["pre"].tolist(),
        ch["post"].tolist(),
        pre_ci=list(zip(ch["pre_low"], ch["pre_high"], strict=True)),
        post_ci=list(zip(ch["post_low"], ch["post_high"], strict=True)),
        pre_label=f"Before {wording('events')}",
        post_label=f"After {wording('events')}",
    )
    clear = comparisons(wb, understanding_question(wb))
    clear = clear[clear["comparison_id"].isin(_ids(ch))]
    n_clear = int(clear["clear_of_chance"].sum())
    moved = (
        "rose"
        if round(overall["change"], 2) > 0
        else "fell"
        if round(overall["change"], 2) < 0
        else "stayed about the same,"
    )
    chart = charts.Chart(
        title=(
            f"{topic} {moved} from {percent(overall['pre'])} to {percent(overall['post'])} of respondents"
        ),
        subtitle=(
            f"Share in the '{overall['item_label']}' series (the one the survey report's prose "
            f"quotes), before and after {wording('events')}, "
            f"with 95% Wilson intervals; {n_clear} of {len(clear)} changes clear of chance at both ends of "
            "the base range (Newcombe interval for the difference)"
        ),
        alt=(
            f"Dot plot of '{overall['item_label']}' before and after {wording('events')}. "
            + "; ".join(
                f"{lab}: {percent(p)} before, {percent(q)} after"
                for lab, p, q in zip(labels, ch["pre"], ch["post"], strict=True)
            )
            + "."
        ),
        table=understanding_table(wb, full),
        table_caption=f"{overall['item_label']}: before and after, with 95% confidence intervals",
    )
    return charts.figure_html(fig, chart, phone=phone)


def _second_series(wb: Workbook, full: pd.DataFrame, overall: pd.Series) -> Markup:
    """The question's second charted series, beside the first (nothing when there is none)."""
    second_item = understanding_item(wb, 1)
    second = understanding_changes(wb, second_item) if second_item else full.iloc[0:0]
    if not (len(second) and (second["sector"] == "all").any()):
        return Markup("")
    second_all = second[second["sector"] == "all"].iloc[0]
    lower = "lower" if second_all["post"] < overall["post"] else "different"
    return join(
        render(
            "second_chart.j2",
            label=second_all["item_label"],
            lower=lower,
            pre=percent(second_all["pre"]),
            post=percent(second_all["post"]),
            link=caveat_link("C10", "C10"),
        ),
        table_html(
            understanding_table(wb, second),
            f"Second chart for this question ({second_all['item_label'].lower()}), "
            "with 95% confidence intervals",
        ),
    )


def base_note(wb: Workbook) -> Markup:
    b = wb.bases
    if (b["sector"] == "all").all():
        return Markup("")
    sector = b[b["sector"] != "all"].iloc[0]
    text = (
        "The survey report gives respondent numbers for each phase (all sectors) but gives sector "
        "counts without saying which survey they describe; sector bases are therefore approximated "
        f"(for example {sector_phrase(wb, sector['sector'])} {sector['phase']}: {sector['base_n']}, "
        f"plausible range {sector['base_low']} to {sector['base_high']}). The intervals shown are at the "
        "central bases; a verdict of \u201csupported\u201d needs the interval to exclude zero at the central "
        "bases and at both ends of that range, otherwise the change could be chance. See caveats"
    )
    return render("base_note.j2", text=text, c1=caveat_link("C1", "C1"), c3=caveat_link("C3", "C3"))


def survey_impacts(wb: Workbook, sector: str) -> Markup:
    """One sector's ratings of the impacts before and after, with intervals."""
    c = wb.changes
    full = c[(c["question"] == impacts_question(wb)) & (c["sector"] == sector)].sort_values("post")
    if full.empty:
        return paragraph(
            f"The survey table holds no before-and-after ratings for {sector_phrase(wb, sector)}."
        )
    ch = publishable(full)
    if ch.empty:
        return _impacts_suppressed(wb, full, sector)
    judged = comparisons(wb, impacts_question(wb), sector)
    judged = judged[judged["comparison_id"].isin(_ids(ch))]
    n = direction_counts(judged)
    up = n["higher"]
    significant = judged[judged["clear_of_chance"]]
    who = sector_phrase(wb, sector)
    tolerance = wb.programme.plan.decision_rules.tolerance_points
    summary = paragraph(
        f"Among {who}, the share giving a positive rating was higher after {wording('events')} on "
        f"{up} of the {len(judged)} impacts, about the same (within {tolerance:g} points) on "
        f"{n['about the same']} and lower on {n['lower']}.",
        (
            f"Only {list_phrase([repr(x) for x in significant['item_label']])} "
            f"{'shows' if len(significant) == 1 else 'show'} a difference clear of chance at both ends of "
            "the base range;"
            if len(significant)
            else "None of the differences is clear of chance at both ends of the base range:"
        )
        + (" the others" if len(significant) else " all")
        + " are within what chance alone could produce with bases of this size.",
    )
    return join(summary, _impacts_chart(wb, full, ch, sector, up, len(significant)), suppression_note(full))


def _impacts_suppressed(wb: Workbook, full: pd.DataFrame, sector: str) -> Markup:
    return join(
        paragraph(
            f"All {len(full)} impact figures for {sector_phrase(wb, sector)} rest on fewer than "
            f"{disclosure.disclosure_threshold()} respondents at the smallest plausible base: "
            "the published shares are shown as printed, and the figures the workbook would "
            "derive from them are suppressed."
        ),
        table_html(
            impacts_table(wb, full),
            f"{len(full)} impacts, {sector_phrase(wb, sector)}: published "
            "shares (derived figures suppressed)",
        ),
    )


def _impacts_chart(
    wb: Workbook, full: pd.DataFrame, ch: pd.DataFrame, sector: str, up: int, n_significant: int
) -> Markup:
    labels = [charts.wrap(x, 30) for x in ch["item_label"]]
    fig, phone = charts.variants(
        charts.dumbbell,
        labels,
        ch["pre"].tolist(),
        ch["post"].tolist(),
        pre_ci=list(zip(ch["pre_low"], ch["pre_high"], strict=True)),
        post_ci=list(zip(ch["post_low"], ch["post_high"], strict=True)),
        pre_label="Before",
        post_label="After",
        xlabel="Share giving a positive rating",
    )
    who = sector_phrase(wb, sector)
    chart = charts.Chart(
        title=(
            f"{sector_title(wb, sector)}: higher after {wording('events')} on {up} of {len(ch)} impacts; "
            f"{n_significant} of {len(ch)} differences clear of chance"
        ),
        subtitle=(
            f"Share giving a positive rating on each impact, before and after, with 95% Wilson "
            f"intervals (approximated bases); {n_significant} of {len(ch)} changes clear of chance "
            "at both ends of the base range"
        ),
        alt=(
            f"Dot plot of {len(ch)} impacts for {who}: "
            + "; ".join(
                f"{lab}: {percent(p)} before, {percent(q)} after"
                for lab, p, q in zip(ch["item_label"], ch["pre"], ch["post"], strict=True)
            )
            + "."
        ),
        table=impacts_table(wb, full),
        table_caption=f"{len(ch)} impacts, {who}: before and after with 95% confidence intervals",
    )
    return charts.figure_html(fig, chart, phone=phone)


def comment_shares(wb: Workbook, question: str, sector: str) -> Markup:
    """One comment question's themes for one sector, as printed shares."""
    s = wb.survey[(wb.survey["question"] == question) & (wb.survey["sector"] == sector)]
    who = sector_phrase(wb, sector)
    qlabel = s["question_label"].iloc[0] if len(s) else question_label(wb, question)
    phases = [p for p in PHASE_WORDS if p in set(s["phase"])]
    if s.empty:
        return paragraph(f"The survey table holds no comment shares for {who}.")
    wide = (
        s.pivot(index=["item_order", "item_label"], columns="phase", values="value")
        .reset_index()
        .sort_values("item_order")
    )
    totals = {p: s[s["phase"] == p]["value"].sum() for p in phases}
    top = {p: wide.loc[wide[p].idxmax(), "item_label"] for p in phases}
    lost = s[s["item_label"] == wb.programme.lost_label]
    caveat = (
        f" One printed share ({percent(lost['value'].iloc[0])}) has no label in the source and is "
        "kept as unlabelled."
        if len(lost)
        else ""
    )
    total_words = "; ".join(f"{PHASE_WORDS[p]}: {totals[p] * 100:.0f}%" for p in phases)
    possessive = who + ("'" if who.endswith("s") else "'s")
    paired = position_note(s)
    marked = " (labels paired with values by printed position, an inference)" if paired else ""
    sentences = [f"The most frequent theme among {possessive} comments was '{top[phases[-1]]}'{marked}."]
    if paired:
        sentences.append(f"Each share is {paired} (caveat C5).")
    if "pre" in phases and "post" in phases:
        wide["change"] = wide["post"] - wide["pre"]
        moved = wide.loc[wide["change"].abs().idxmax()]
        sentences.append(
            f"The largest shift between the surveys was in '{moved['item_label']}' "
            f"({percent(moved['pre'])} to {percent(moved['post'])})."
        )
    if any(abs(t - 1) > 0.02 for t in totals.values()):
        sentences.append(
            f"The printed shares do not add up to 100% ({total_words}); they are shown as "
            "printed, not rescaled." + caveat
        )
    sentences.append("No counts of comments are published, so these shares carry no interval.")
    (fig, phone), alt_values = _comment_figure(wide, phases)
    chart = charts.Chart(
        title=(
            f"{sector_title(wb, sector)}: the most frequent theme was '{top[phases[-1]]}' "
            f"({percent(wide[phases[-1]].max())} of comments{' after' if phases[-1] == 'post' else ''})"
            + marked
        ),
        subtitle=(f"{qlabel}; shares of comments, not of respondents; printed shares total {total_words}"),
        alt=f"Bar chart of comment themes for {who}{marked}. {alt_values}.{caveat}",
        table=pd.DataFrame(
            {
                "Theme": wide["item_label"],
                **{PHASE_WORDS[p].capitalize(): wide[p].map(percent) for p in phases},
            }
        ),
        table_caption=f"{qlabel}: {who}{marked}",
    )
    return join(paragraph(*sentences), charts.figure_html(fig, chart, phone=phone))


def position_note(rows: pd.DataFrame) -> str:
    """The position-pairing inference the cleaning noted on a printed list's rows ('' if none)."""
    notes = rows["note"].fillna("").astype(str) if "note" in rows else pd.Series(dtype=str)
    marked = [n[n.index(PAIRED_BY_POSITION) :] for n in notes if PAIRED_BY_POSITION in n]
    return marked[0] if marked else ""


def _comment_figure(wide: pd.DataFrame, phases: list[str]) -> tuple[tuple, str]:
    """The comment-share bars (before and after side by side where both exist), wide and for a
    phone, and their values in words for the alt text."""
    labels = [charts.wrap(x, 42) for x in wide["item_label"]]
    if "pre" in phases and "post" in phases:
        fig, phone = charts.variants(
            charts.paired_bars,
            labels,
            wide["pre"].tolist(),
            wide["post"].tolist(),
            first_label="Before",
            second_label="After",
            xlabel="Share of comments",
        )
        alt_values = "; ".join(
            f"{lab}: {percent(p)} before, {percent(q)} after"
            for lab, p, q in zip(wide["item_label"], wide["pre"], wide["post"], strict=True)
        )
    else:
        fig, phone = charts.variants(charts.share_bars, labels, wide[phases[0]].fillna(0).tolist())
        alt_values = "; ".join(
            f"{lab}: {percent(v)}" for lab, v in zip(wide["item_label"], wide[phases[0]], strict=True)
        )
    return (fig, phone), alt_values


@PROGRAMME_PAGE.headed("survey")
def survey_sections(wb: Workbook) -> Markup:
    """Every survey question the tables hold, one subsection each (by sector where the
    view depends on it), in the order the explorer offers them."""
    parts = []
    for label, question in questions(wb):
        topic = re.sub(r"\s*\(Q\d+\)$", "", label)
        if question in both_sectors(wb):
            parts += [heading(topic, 3), survey_understanding(wb)]
            continue
        for s_label, sector_id in sectors(wb):
            parts.append(
                heading(
                    f"{topic}: {s_label[:1].lower() + s_label[1:] if s_label[1:2].islower() else s_label}", 3
                )
            )
            parts.append(
                survey_impacts(wb, sector_id)
                if question == impacts_question(wb)
                else comment_shares(wb, question, sector_id)
            )
    if not parts:
        return paragraph("The programme's documents publish no survey results.")
    return join(*parts)
