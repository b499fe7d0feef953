"""The authority report's survey section, from respondent-level data when it exists.

Where the build read response files (``lib/sources/``) that cover
an authority, its report shows that authority's own survey results: the share
confident before and after, on exact bases, with Wilson intervals, the change
with its interval (paired, Newcombe 1998 method 10, where respondent references
link before and after; otherwise the unlinked comparison of
``lib.analysis.uncertainty``), and disclosure control (``lib.analysis.disclosure``). Where there
are none, the section is today's programme-wide context, word for word.

Where the response files hold a comparison group (``group`` column), the
figures above are the participants', and a second table sets their change
against the comparison group's: the difference in differences with its 95%
interval (``lib.analysis.did``), the parallel-trends assumption in words with
the groups' shares before, and what the design still cannot show. The
programme section states the design the data support and its rating on the
evaluation plan's scale (``lib.analysis.design``).

Reports built from synthetic responses carry a SYNTHETIC DATA banner
recorded in ``response_files.csv`` (the site's chrome shows the SYNTHETIC DATA banner, lib.run.banner).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from markupsafe import Markup

from lib.analysis import did, disclosure, uncertainty
from lib.analysis.paired import paired_difference
from lib.programme import wording
from lib.report.facts import design_rating, has_response_data, respondent_tables
from lib.report.format import percent_interval, points_interval, signed_points
from lib.report.html import join, note, paragraph, table_html
from lib.report.pages import AUTHORITY_PAGE, PROGRAMME_PAGE
from lib.report.workbook import (
    Workbook,
    impacts_question,
    question_topic,
    sector_order,
    sector_title,
    understanding_item,
    understanding_question,
)
from lib.sources import response_format
from lib.sources.response_format import COMPARISON, PARTICIPANTS


def change_rows(cells: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per sector x item: before and after shares, change, interval, method."""
    pre = cells[cells["phase"] == "pre"].set_index(["sector", "item"])
    post = cells[cells["phase"] == "post"].set_index(["sector", "item"])
    keys = pre.index.union(post.index)
    out = pd.DataFrame(index=keys).reset_index()
    for name, frame in (("pre", pre), ("post", post)):
        out[f"{name}_n"] = frame["base_n"].reindex(keys).to_numpy()
        out[f"{name}_k"] = frame["confident_n"].reindex(keys).to_numpy()
    labels = cells.drop_duplicates("item").set_index("item")
    out["item_label"] = out["item"].map(labels["item_label"])
    out["item_order"] = out["item"].map(labels["item_order"])
    out["question"] = out["item"].map(labels["question"])
    paired = pairs.set_index(["sector", "item"]).reindex(keys)
    out["pairs_n"] = paired["pairs_n"].fillna(0).astype(int).to_numpy()
    for col in ("both", "before_only", "after_only", "neither"):
        out[col] = paired[col].fillna(0).astype(int).to_numpy()
    rows = []
    for r in out.itertuples(index=False):  # one row per item x sector of one authority: a few dozen
        low_pre = high_pre = low_post = high_post = change = low = high = np.nan
        if r.pre_n > 0:
            low_pre, high_pre = uncertainty.wilson_interval(int(r.pre_k), int(r.pre_n))
        if r.post_n > 0:
            low_post, high_post = uncertainty.wilson_interval(int(r.post_k), int(r.post_n))
        method = ""
        smaller = min(r.pre_n if r.pre_n == r.pre_n else 0, r.post_n if r.post_n == r.post_n else 0)
        if r.pairs_n > 0 and r.pairs_n >= response_format.PAIRED_MIN_SHARE * smaller:
            change, low, high = (
                float(x) for x in paired_difference(r.both, r.before_only, r.after_only, r.neither)
            )
            method = f"paired: {r.pairs_n} people answered both"
        elif r.pre_n > 0 and r.post_n > 0:
            change, low, high = uncertainty.newcombe_difference(
                int(r.pre_k), int(r.pre_n), int(r.post_k), int(r.post_n)
            )
            method = "unlinked: before and after compared as separate groups"
        rows.append(
            {
                "pre_low": low_pre,
                "pre_high": high_pre,
                "post_low": low_post,
                "post_high": high_post,
                "change": change,
                "change_low": low,
                "change_high": high,
                "method": method,
            }
        )
    return pd.concat([out, pd.DataFrame(rows, index=out.index)], axis=1)


def _percent_or_c(value: float, base: float, shown: bool) -> str:
    if base != base or base == 0:
        return disclosure.NOT_AVAILABLE
    return disclosure.format_percent(value) if shown else disclosure.SUPPRESSED


def _interval(low: float, high: float, shown: bool) -> str:
    if not shown or low != low:
        return disclosure.SUPPRESSED if not shown else disclosure.NOT_AVAILABLE
    return percent_interval(low, high)


def results_table(rows: pd.DataFrame, first_column: str, first_values: list[str]) -> pd.DataFrame:
    """Formatted table with disclosure control: a share on fewer people than the
    threshold is [c], and so is any change that rests on it (or on too few pairs)."""
    limit = disclosure.disclosure_threshold()
    pre_ok = rows["pre_n"].fillna(0) >= limit
    post_ok = rows["post_n"].fillna(0) >= limit
    paired = rows["method"].str.startswith("paired")
    change_ok = pre_ok & post_ok & (~paired | (rows["pairs_n"] >= limit)) & rows["change"].notna()
    fmt_base = lambda b: "0" if b != b else str(int(b))  # noqa: E731
    return pd.DataFrame(
        {
            first_column: first_values,
            "Before": [
                _percent_or_c(v, n, ok)
                for v, n, ok in zip(rows["pre_k"] / rows["pre_n"], rows["pre_n"], pre_ok, strict=False)
            ],
            "Before, 95% CI": [
                _interval(lo, hi, ok)
                for lo, hi, ok in zip(rows["pre_low"], rows["pre_high"], pre_ok, strict=False)
            ],
            "After": [
                _percent_or_c(v, n, ok)
                for v, n, ok in zip(rows["post_k"] / rows["post_n"], rows["post_n"], post_ok, strict=False)
            ],
            "After, 95% CI": [
                _interval(lo, hi, ok)
                for lo, hi, ok in zip(rows["post_low"], rows["post_high"], post_ok, strict=False)
            ],
            "Change (points)": [
                signed_points(c) if ok else disclosure.SUPPRESSED
                for c, ok in zip(rows["change"], change_ok, strict=False)
            ],
            "Change, 95% CI": [
                points_interval(lo, hi) if ok else disclosure.SUPPRESSED
                for lo, hi, ok in zip(rows["change_low"], rows["change_high"], change_ok, strict=False)
            ],
            "Bases (before / after, exact)": [
                f"{fmt_base(a)} / {fmt_base(b)}" for a, b in zip(rows["pre_n"], rows["post_n"], strict=False)
            ],
            "How the change is estimated": [
                m if ok else disclosure.SUPPRESSED for m, ok in zip(rows["method"], change_ok, strict=False)
            ],
        }
    )


def _headline(name: str, row: pd.Series, cut: str) -> str:
    limit = disclosure.disclosure_threshold()
    if min(row["pre_n"], row["post_n"]) < limit or row["change"] != row["change"]:
        return (
            f"Fewer than {limit} of {name}'s respondents answered in one of the phases, so the shares "
            "are not shown (disclosure control)."
        )
    pre, post = row["pre_k"] / row["pre_n"], row["post_k"] / row["post_n"]
    direction = "rose" if post > pre else "fell" if post < pre else "stayed"
    shares = (
        f"Among {name}'s respondents, the share confident on '{row['item_label']}' ({cut}) "
        f"{direction} from {disclosure.format_percent(pre)} of {int(row['pre_n'])} before {wording('events')} "
        f"to {disclosure.format_percent(post)} of {int(row['post_n'])} after."
    )
    interval = f"95% CI {points_interval(row['change_low'], row['change_high'])}"
    if row["method"].startswith("paired"):
        if row["pairs_n"] < limit:
            return shares
        change = (
            f"Among the {int(row['pairs_n'])} people who answered both times, the share changed by "
            f"{signed_points(row['change'])} points ({interval})."
        )
    else:
        change = (
            f"Compared as separate groups (their answers are not linked), the change is "
            f"{signed_points(row['change'])} points ({interval})."
        )
    verdict = (
        "The interval does not include zero, so the change is clear of chance."
        if uncertainty.interval_excludes_zero(row["change_low"], row["change_high"])
        else "The interval includes zero, so the data cannot rule out that the share stayed the same."
    )
    return " ".join([shares, change, verdict])


METHOD_NOTE = (
    "Shares based on fewer than {limit} people, and changes resting on them, are shown as [c]. "
    "Where respondent references link a person's before and after answers (for at least half of "
    "the smaller phase), the change and its interval come from those linked people (Newcombe 1998, "
    "paired data, method 10); otherwise the two phases are compared as separate groups (Newcombe "
    "1998, method 10). A paired change is measured on the linked people only, so it can differ "
    "slightly from the difference between the two shares."
)


def _results(wb: Workbook, tables: dict[str, pd.DataFrame], authority_id: str, name: str, who: str) -> Markup:
    """Intro, headline, the Q1 table by sector and the Q3 table for one
    authority (or the programme, ``authority_id == ''``)."""
    cells = _cells(tables, authority_id, PARTICIPANTS)
    rows = _group_rows(tables, authority_id, PARTICIPANTS)
    cut = cells["note"].iloc[0].removeprefix("confident = ")
    compared = _compared(tables, authority_id)
    understanding = rows[rows["question"] == understanding_question(wb)].copy()
    understanding["_o"] = understanding["sector"].map(sector_order(wb))
    understanding = understanding.sort_values("_o")
    impacts = rows[(rows["question"] == impacts_question(wb)) & (rows["sector"] == "all")].sort_values(
        "item_order"
    )
    overall = understanding[understanding["sector"] == "all"]
    synthetic = bool((tables["response_files"]["synthetic"] == "yes").any())
    return join(
        paragraph(
            f"This section reports {who}, from the survey's respondent-level response "
            f"files{' (SYNTHETIC test data)' if synthetic else ''}: every base is the exact number of people "
            "who gave a usable answer, so these figures replace the approximated bases used for the "
            "published, programme-wide survey. Answers such as 'Don't know', 'N/A' and blanks are left "
            "out of "
            "the bases, never counted as zero; answers that could not be read are listed in the "
            "data-quality log.",
            f"A respondent counts as confident when they answered {cut}.",
            COMPARED_INTRO.format(events=wording("events"))
            if compared
            else "The before and after surveys have no comparison group, so a change shows an association "
            f"with {wording('events')}, not their impact.",
        ),
        paragraph(_headline(name, overall.iloc[0], cut)) if len(overall) else Markup(""),
        table_html(
            results_table(
                understanding, "Respondents", [sector_title(wb, s) for s in understanding["sector"]]
            ),
            f"{_label(understanding)}, before and after {wording('events')}: {name} "
            "(exact bases; disclosure control applied)",
        ),
        table_html(
            results_table(impacts, "Item", impacts["item_label"].tolist()),
            f"{question_topic(wb, impacts_question(wb))}, before and after: all of {name}'s respondents "
            "(exact bases; disclosure control applied)",
        ),
        note(METHOD_NOTE.format(limit=disclosure.disclosure_threshold())),
        comparison_results(wb, tables, authority_id, name, cut) if compared else Markup(""),
    )


def _label(rows: pd.DataFrame) -> str:
    return str(rows["item_label"].iloc[0]) if len(rows) else "Survey results"


def _cells(tables: dict[str, pd.DataFrame], authority_id: str, group: str) -> pd.DataFrame:
    sr = tables["survey_responses"]
    return sr[(sr["authority_id"] == authority_id) & (sr["group"] == group)]


def _group_rows(tables: dict[str, pd.DataFrame], authority_id: str, group: str) -> pd.DataFrame:
    """:func:`change_rows` for one study group of one authority (``''``: the programme)."""
    pairs = tables["survey_response_pairs"]
    own = pairs[(pairs["authority_id"] == authority_id) & (pairs["group"] == group)]
    return change_rows(_cells(tables, authority_id, group), own)


def _compared(tables: dict[str, pd.DataFrame], authority_id: str) -> bool:
    """True when comparison-group respondents of this authority answered before and after."""
    phases = set(_cells(tables, authority_id, COMPARISON)["phase"])
    return {"pre", "post"} <= phases


COMPARED_INTRO = (
    "A comparison group of people who did not attend {events} answered the same survey before "
    "and after, so the figures below are the participants' own, and their change is then set against "
    "the comparison group's."
)
DID_NOTE = (
    "The difference in differences is the participants' change minus the comparison group's change. "
    "Its 95% interval adds the uncertainty of the two changes, because the two groups are separate "
    "samples (a normal approximation); each change is measured on linked people where references link "
    "at least half of the smaller phase, otherwise on the two phases as separate groups. Figures resting "
    "on fewer than {limit} people are shown as [c]."
)
STILL_CANNOT = (
    "What this design still cannot show: people were not assigned to {events} at random, so the "
    "groups may differ in ways that change over time (motivation, local events, who chose to take "
    "part), and the answers are self-reported by the people who chose to respond."
)


def did_rows(participants: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """Per sector x item with a change in both groups: both groups' rows side by
    side (comparison columns suffixed ``_c``) and the difference in differences
    (``did``, ``did_low``, ``did_high``) with its 95% interval."""
    both = participants.merge(comparison, on=["sector", "item"], suffixes=("", "_c"))
    both = both[both["change"].notna() & both["change_c"].notna()].reset_index(drop=True)
    estimates = [
        did.difference_in_differences(_change_of(r, ""), _change_of(r, "_c")) for _, r in both.iterrows()
    ]
    values = np.array(estimates, dtype=float).reshape(-1, 3)
    return both.assign(did=values[:, 0], did_low=values[:, 1], did_high=values[:, 2])


def _change_of(row: pd.Series, suffix: str) -> did.Change:
    """One group's change as the table measured it: paired or unlinked."""
    if str(row[f"method{suffix}"]).startswith("paired"):
        return did.linked_change(
            *(int(row[f"{c}{suffix}"]) for c in ("both", "before_only", "after_only", "neither"))
        )
    k0, n0, k1, n1 = (int(row[f"{c}{suffix}"]) for c in ("pre_k", "pre_n", "post_k", "post_n"))
    return did.unlinked_change(k0, n0, k1, n1)


def _shown(rows: pd.DataFrame, suffix: str) -> pd.Series:
    """Disclosure control for one group's change: both bases (and the pairs, when paired) at the threshold."""
    limit = disclosure.disclosure_threshold()
    paired = rows[f"method{suffix}"].str.startswith("paired")
    return (
        (rows[f"pre_n{suffix}"] >= limit)
        & (rows[f"post_n{suffix}"] >= limit)
        & (~paired | (rows[f"pairs_n{suffix}"] >= limit))
    )


def did_table(rows: pd.DataFrame, first_column: str, first_values: list[str]) -> pd.DataFrame:
    """The difference-in-differences table, with disclosure control."""
    ok = _shown(rows, "") & _shown(rows, "_c")
    pct = disclosure.format_percent

    def shares(suffix: str) -> list[str]:
        return [
            f"{pct(r[f'pre_k{suffix}'] / r[f'pre_n{suffix}'])} / {pct(r[f'post_k{suffix}'] / r[f'post_n{suffix}'])}"
            if shown
            else disclosure.SUPPRESSED
            for (_, r), shown in zip(rows.iterrows(), ok, strict=True)
        ]

    def hidden(values: list[str]) -> list[str]:
        return [v if shown else disclosure.SUPPRESSED for v, shown in zip(values, ok, strict=True)]

    return pd.DataFrame(
        {
            first_column: first_values,
            "Participants, before / after": shares(""),
            "Participants' change (points)": hidden([signed_points(c) for c in rows["change"]]),
            "Comparison group, before / after": shares("_c"),
            "Comparison group's change (points)": hidden([signed_points(c) for c in rows["change_c"]]),
            "Difference in differences (points)": hidden([signed_points(c) for c in rows["did"]]),
            "Difference, 95% CI": hidden(
                [points_interval(lo, hi) for lo, hi in zip(rows["did_low"], rows["did_high"], strict=True)]
            ),
            "Bases before / after: participants; comparison group": [
                f"{int(r['pre_n'])} / {int(r['post_n'])}; {int(r['pre_n_c'])} / {int(r['post_n_c'])}"
                for _, r in rows.iterrows()
            ],
        }
    )


def did_headline(row: pd.Series, name: str) -> str:
    """What the comparison allows, in words: the difference in differences and its interval."""
    points = round(abs(row["did"]) * 100)
    size = (
        "the same as" if points == 0 else f"{points} points {'larger' if row['did'] > 0 else 'smaller'} than"
    )
    interval = f"95% CI {points_interval(row['did_low'], row['did_high'])}"
    verdict = (
        "The interval does not include zero, so the difference is clear of chance."
        if uncertainty.interval_excludes_zero(row["did_low"], row["did_high"])
        else "The interval includes zero, so the data cannot rule out that the participants changed no more "
        "than the comparison group."
    )
    return (
        f"Among {name}'s respondents, the change in the share confident on '{row['item_label']}' among "
        f"participants was {size} among the comparison group ({signed_points(row['change'])} against "
        f"{signed_points(row['change_c'])} points; difference in differences {signed_points(row['did'])} "
        f"points, {interval}). {verdict}"
    )


def parallel_trends(row: pd.Series) -> str:
    """The assumption the estimate rests on, with what the data show about the groups before."""
    gap, low, high = uncertainty.newcombe_difference(
        int(row["pre_k_c"]), int(row["pre_n_c"]), int(row["pre_k"]), int(row["pre_n"])
    )
    pct = disclosure.format_percent
    events = wording("events")
    return (
        f"The difference in differences reads as the effect of {events} only if, without them, the "
        "participants' share would have changed as the comparison group's did (the parallel-trends "
        f"assumption). The data cannot test this: with one survey before {events} they show only "
        f"where each group started. Before {events}, {pct(row['pre_k'] / row['pre_n'])} of "
        f"{int(row['pre_n'])} participants and {pct(row['pre_k_c'] / row['pre_n_c'])} of "
        f"{int(row['pre_n_c'])} in the comparison group were confident on '{row['item_label']}' "
        f"({_gap_words(gap)}, 95% CI for the gap {points_interval(low, high)}); the larger the gap at the "
        "start, the less safe it is to assume the two groups would have moved alike."
    )


def _gap_words(gap: float) -> str:
    points = round(abs(gap) * 100)
    if points == 0:
        return "about the same share"
    return f"participants {points} points {'above' if gap > 0 else 'below'} the comparison group"


def comparison_results(
    wb: Workbook, tables: dict[str, pd.DataFrame], authority_id: str, name: str, cut: str
) -> Markup:
    """Participants against the comparison group: the headline, the parallel-trends
    assumption with the baselines, the table by item and what the design still cannot show."""
    rows = did_rows(
        _group_rows(tables, authority_id, PARTICIPANTS), _group_rows(tables, authority_id, COMPARISON)
    )
    rows = rows[rows["sector"] == "all"]
    rows = rows.assign(_first=rows["question"] != understanding_question(wb)).sort_values(
        ["_first", "item_order"], kind="stable"
    )
    if rows.empty:
        return Markup("")
    ok = _shown(rows, "") & _shown(rows, "_c")
    first = rows[ok & (rows["question"] == understanding_question(wb))]
    return join(
        paragraph(did_headline(first.iloc[0], name)) if len(first) else Markup(""),
        paragraph(parallel_trends(first.iloc[0])) if len(first) else Markup(""),
        table_html(
            did_table(rows, "Item", rows["item_label"].tolist()),
            f"Participants against the comparison group: change in the share confident ({cut}), "
            f"{name} (exact bases; disclosure control applied)",
        ),
        paragraph(STILL_CANNOT.format(events=wording("events"))),
        note(DID_NOTE.format(limit=disclosure.disclosure_threshold())),
    )


# --------------------------------------------------------------------------
# The design the data support, and its rating on the plan's scale
# --------------------------------------------------------------------------


def design_statement(wb: Workbook) -> str:
    """The design in words and its rating on the evaluation plan's named scale (``results_design``,
    computed once by the analysis step from the plan and the design the response data support)."""
    rating = design_rating(wb)
    words = f": {rating['level_text']}" if rating["level_text"] else ""
    return (
        f"Design: {rating['kind_label']}. On the {rating['scale']} ({rating['scale_version']}) this is "
        f"level {rating['level']} of {rating['level_max']}{words}. {rating['reason']}"
    )


def authority_survey(wb: Workbook, authority_id: str) -> Markup:
    """The authority's own survey results, where response data exist for it; nothing otherwise
    (the pooled published survey is in the programme report)."""
    if not has_response_data(wb, authority_id):
        return Markup("")  # the pooled published survey is in the programme report
    name = wb.authority_row(authority_id)["authority"]
    return join(
        AUTHORITY_PAGE.heading("survey", name=name),
        _results(wb, respondent_tables(wb), authority_id, name, f"{name}'s own respondents"),
    )


@PROGRAMME_PAGE.headed("survey-results-from-respondent-level-data")
def programme_survey(wb: Workbook) -> Markup:
    """Programme report: results from respondent-level data, with one row per
    authority, when the build read response files; one line saying so otherwise."""
    tables = respondent_tables(wb)
    if tables is None:
        return paragraph(
            "No individual survey responses were available to this evaluation, so the survey results "
            "above rest on the published tables and their approximate bases."
        )
    sr = tables["survey_responses"]
    authorities = [a for a in wb.authorities["authority_id"] if (sr["authority_id"] == a).any()]
    by_authority = []
    for aid in authorities:
        rows = _group_rows(tables, aid, PARTICIPANTS)
        rows = rows[(rows["item"] == understanding_item(wb, 0)) & (rows["sector"] == "all")]
        by_authority.append(rows.assign(authority=wb.authority_row(aid)["authority"]))
    table = pd.concat(by_authority, ignore_index=True)
    return join(
        paragraph(design_statement(wb)),
        _results(
            wb,
            tables,
            "",
            "the programme",
            f"the respondents of all {len(authorities)} authorities with response files",
        ),
        table_html(
            results_table(table, "Authority", table["authority"].tolist()),
            f"{_label(table)}, before and after {wording('events')}, by authority "
            "(all respondents; exact bases; disclosure control applied)",
        ),
    )
