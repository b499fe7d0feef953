"""The survey tables' quality-log rows: float noise, label variants, comment lists whose
values and labels do not pair, stray chart values, unstated bases and ambiguous charts
(:func:`survey_issues`, called by the data build after the survey is cleaned)."""

from __future__ import annotations

import pandas as pd

from lib.sources.common import PROGRAMME, csv_line, percent_to_proportion, round_to_source, tidy_text
from lib.sources.contract import Issue
from lib.sources.survey import (
    LOST_LABEL,
    PHASE_IDS,
    SECTOR_IDS,
    SECTOR_TOTAL_GROUPS,
    impact_id,
)


def _float_noise_issues(raw_understanding: pd.DataFrame, raw_impacts: pd.DataFrame) -> list[Issue]:
    """Chart values printed with binary float noise (more than 2 decimals)."""
    issues = []
    for name, raw in (("survey_understanding.csv", raw_understanding), ("survey_impacts.csv", raw_impacts)):
        noisy = raw[raw["value_as_printed"].map(lambda v: len(v.split(".")[-1]) > 2)]
        if len(noisy):
            worst = max(abs(float(v) - round_to_source(v)) for v in noisy["value_as_printed"])
            issues.append(
                Issue(
                    check="float_noise",
                    file=name,
                    row="",
                    column="value_as_printed",
                    value=noisy["value_as_printed"].iloc[0],
                    issue=f"{len(noisy)} chart values carry binary float noise (largest deviation "
                    f"from 2 dp: {worst:.1e})",
                    action="rounded to the source's precision (2 dp, whole percentages)",
                )
            )
    return issues


def _label_variant_issues(raw_impacts: pd.DataFrame) -> list[Issue]:
    """One impact printed with different labels between sectors or phases."""
    issues = []
    variants = raw_impacts.assign(item=raw_impacts["label_as_printed"].map(impact_id))
    for item, group in variants.groupby("item", sort=True):
        printed = sorted({v for v in group["label_as_printed"]})
        if len(printed) > 1:
            issues.append(
                Issue(
                    check="label_variant",
                    file="survey_impacts.csv",
                    row="",
                    column="label_as_printed",
                    value=" / ".join(repr(p) for p in printed),
                    issue="the same impact is labelled differently between sectors or phases",
                    action=f"unified as item '{item}'",
                )
            )
    return issues


def _comment_list_issues(group: pd.DataFrame, where: str, rows: str) -> list[Issue]:
    """A printed comment list whose values and labels do not pair, or whose shares do not sum to 100%."""
    issues = []
    labels = (group["label_as_printed"].str.strip() != "").sum()
    values = group[group["value_as_printed"].str.strip() != ""]["value_as_printed"]
    total = sum(percent_to_proportion(v) for v in values) * 100
    shares = {"file": "survey_comment_shares.csv", "row": rows}
    if labels != len(values):
        issues.append(
            Issue(
                check="values_labels_mismatch",
                **shares,
                column="label_as_printed",
                value=f"{len(values)} values, {labels} labels",
                issue=f"list '{where}' prints {len(values)} percentages but {labels} labels",
                action=f"values paired with labels by printed position, an inference marked in the "
                f"note of every row of the list; the unpaired entry kept as '{LOST_LABEL}' with its "
                "value (or an empty value), never dropped",
            )
        )
    if abs(total - 100) > 2:
        issues.append(
            Issue(
                check="shares_do_not_sum",
                **shares,
                column="value_as_printed",
                value=f"{total:.0f}%",
                issue=f"shares in list '{where}' sum to {total:.0f}%, not about 100%",
                action="kept as printed; reports show the printed total and do not rescale",
            )
        )
    elif round(total) != 100:
        issues.append(
            Issue(
                check="rounding_total",
                **shares,
                column="value_as_printed",
                value=f"{total:.0f}%",
                issue=f"shares in list '{where}' sum to {total:.0f}% (rounding)",
                action="kept as printed",
            )
        )
    return issues


def _comment_share_issues(raw_comments: pd.DataFrame) -> list[Issue]:
    """The checks of :func:`_comment_list_issues` on each printed comment list."""
    issues = []
    for (title, phase), group in raw_comments.groupby(
        ["list_title_as_printed", "phase_as_printed"], sort=True
    ):
        where = f"{title.strip()}" + (f" ({phase})" if phase else "")
        rows = ", ".join(csv_line(raw_comments, i) for i in group.index)
        issues.extend(_comment_list_issues(group, where, rows))
    return issues


def _stray_value_issues(stray: pd.DataFrame) -> list[Issue]:
    """Values printed with no label (kept out of the survey table)."""
    return [
        Issue(
            check="stray_value",
            file="survey_stray_values.csv",
            row=csv_line(stray, i),
            column="value_as_printed",
            value=r["value_as_printed"],
            issue=f"value with no label: {tidy_text(r['context'])}",
            action="not used",
        )
        for i, r in stray.iterrows()
    ]


def _base_unstated_issues(respondents: pd.DataFrame, respondents_raw: pd.DataFrame) -> list[Issue]:
    """Sector respondent counts printed without a phase, their sum against each phase's total."""
    sectors = respondents[respondents["group"].isin(SECTOR_TOTAL_GROUPS)]
    if not len(sectors) or not (sectors["phase"] == "unstated").all():
        return []
    totals = respondents[respondents["group"] == SECTOR_IDS[0]].set_index("phase")["n"]
    stated = [p for p in PHASE_IDS if p != "unstated"]
    return [_base_unstated_issue(sectors, respondents_raw, totals, stated)]


def base_unstated_text(total: int, totals: dict[str, int], stated: list[str]) -> str:
    """The log's sentence: the unphased sector counts' sum against each phase's total."""
    equal = [p for p in stated if totals.get(p) == total]
    if equal:
        return (
            f"sector counts are given without a phase; their sum ({total}) equals the "
            + " and the ".join(f"{p} ({totals[p]})" for p in equal)
            + " total, but the source does not say which phase they count"
        )
    return (
        f"sector counts are given without a phase; their sum ({total}) matches neither "
        + " nor ".join(f"the {p} ({totals.get(p, 'n/a')})" for p in stated)
        + " total"
    )


def _base_unstated_issue(
    sectors: pd.DataFrame, respondents_raw: pd.DataFrame, totals: pd.Series, stated: list[str]
) -> Issue:
    total = int(sectors["n"].sum())
    return Issue(
        check="base_unstated",
        file="survey_respondents.csv",
        row=", ".join(csv_line(respondents_raw, i) for i in sectors.index),
        column="phase_as_printed",
        value=f"sector counts sum to {total}",
        issue=base_unstated_text(total, {str(k): int(v) for k, v in totals.items()}, stated),
        action="the survey table leaves each sector's base empty; the analysis step gives each sector a "
        "range of possible bases and works out every result at both ends of it (see the caveats page)",
    )


def _ambiguous_chart_issues(raw_understanding: pd.DataFrame) -> list[Issue]:
    """Charts of one question printed under different titles."""
    titles = sorted(set(raw_understanding["chart_title_as_printed"].str.strip()))
    if len(titles) <= 1:
        return []
    return [
        Issue(
            check="ambiguous_chart",
            file="survey_understanding.csv",
            row="",
            column="chart_title_as_printed",
            value=" / ".join(titles),
            issue=PROGRAMME.note("ambiguous_chart", "charts of one question with near-identical titles"),
            action=PROGRAMME.note("ambiguous_chart_action", "kept as separate items"),
        )
    ]


def survey_issues(
    raw_understanding: pd.DataFrame,
    raw_impacts: pd.DataFrame,
    raw_comments: pd.DataFrame,
    stray: pd.DataFrame,
    respondents: pd.DataFrame,
    respondents_raw: pd.DataFrame | None = None,
) -> list[Issue]:
    """The survey's quality-log entries, one check after another."""
    respondents_raw = respondents if respondents_raw is None else respondents_raw
    return [
        *_float_noise_issues(raw_understanding, raw_impacts),
        *_label_variant_issues(raw_impacts),
        *_comment_share_issues(raw_comments),
        *_stray_value_issues(stray),
        *_base_unstated_issues(respondents, respondents_raw),
        *_ambiguous_chart_issues(raw_understanding),
    ]
