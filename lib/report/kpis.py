"""The programme report's key performance measures: the percentage KPIs first year against
last (under the plan's "about the same" tolerance), with the other KPIs as reported.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.analysis.findings import kpi_extremes
from lib.report import charts
from lib.report.facts import direction_counts, percentage_kpi_years
from lib.report.format import bounded, percent, signed_points
from lib.report.html import join, paragraph, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import Workbook


@PROGRAMME_PAGE.headed("kpis")
def kpi_comparison(wb: Workbook) -> Markup:
    """Percentage KPIs, first year against last, with the other KPIs as reported."""
    other = wb.kpis[wb.kpis["unit"] != "proportion"]
    pair = percentage_kpi_years(wb)
    if pair is None:
        if wb.kpis.empty:
            return paragraph(
                "The programme's documents publish no key performance measures, so this "
                "report has none to compare."
            )
        return join(
            paragraph(
                "The percentage KPIs are not published for two years, so no year-on-year "
                "comparison can be made."
            ),
            table_html(kpi_table(wb.kpis), "KPIs, as reported"),
        )
    y1, y2 = pair
    k = wb.kpis[(wb.kpis["unit"] == "proportion") & wb.kpis["year"].isin(pair)].sort_values(
        ["kpi_order", "measure"]
    )
    wide = k.pivot_table(
        index=["kpi_order", "kpi_label", "measure_label"], columns="year", values="value"
    ).reset_index()
    wide["change"] = wide[y2] - wide[y1]
    n = direction_counts(wb.results_kpis)
    rose = n["higher"]
    tolerance = wb.programme.plan.decision_rules.tolerance_points
    sentences = [
        f"Of the {len(wb.results_kpis)} percentage KPIs, {rose} were higher in {y2} than in {y1}, "
        f"{n['about the same']} about the same (within {tolerance:g} points) and {n['lower']} lower.",
        kpi_extremes_sentence(wb.results_kpis),
        "The KPI table gives no base sizes and the years involved different authorities, so "
        "these differences cannot be tested and do not show change within any authority.",
    ]
    return join(
        paragraph(*sentences),
        _kpi_chart(wide, y1, y2, rose),
        table_html(kpi_table(other), "Other KPIs and programme activity, as reported"),
    )


def kpi_extremes_sentence(k: pd.DataFrame) -> str:
    """The largest rise and the largest fall of ``results_kpis`` (beyond the plan's tolerance, as
    :func:`lib.analysis.findings.kpi_extremes` finds them), each said only when there is one."""

    def where(row: pd.Series) -> str:
        return f"'{row['measure_label']}' for '{row['kpi_label']}' ({row['pct_from']:.0f}% to {row['pct_to']:.0f}%)"

    up, down = kpi_extremes(k)
    rose, fell = up is not None, down is not None
    rise = where(up) if rose else ""
    fall = where(down) if fell else ""
    if rose and fell:
        return f"The largest rise was in {rise}; the largest fall in {fall}."
    if rose:
        return f"The largest rise was in {rise}; none fell."
    if fell:
        return f"The largest fall was in {fall}; none rose."
    return "None rose or fell."


def _kpi_chart(wide: pd.DataFrame, y1: str, y2: str, rose: int) -> Markup:
    """Percentage KPIs, one pair of bars per measure (first year, last year)."""
    labels = [charts.wrap(f"{r['kpi_label']}: {r['measure_label']}", 48) for _, r in wide.iterrows()]
    fig, phone = charts.variants(
        charts.paired_bars,
        labels,
        wide[y1].tolist(),
        wide[y2].tolist(),
        first_label=y1,
        second_label=y2,
        xlabel="Share of participants",
    )
    chart = charts.Chart(
        title=f"{rose} of {len(wide)} percentage KPIs were higher in {y2} than in {y1} (by more than the "
        "plan's 'about the same' tolerance)",
        subtitle=f"Programme KPIs, {y1} and {y2}; no base sizes published, so no intervals",
        alt="Bar chart comparing KPIs between years: "
        + "; ".join(
            f"{r['kpi_label']} ({r['measure_label']}) {percent(r[y1])} in {y1} and {percent(r[y2])} in {y2}"
            for _, r in wide.iterrows()
        )
        + ".",
        table=pd.DataFrame(
            {
                "KPI": wide["kpi_label"],
                "Indicator": wide["measure_label"],
                y1: wide[y1].map(percent),
                y2: wide[y2].map(percent),
                "Change (points)": wide["change"].map(signed_points),
            }
        ),
        table_caption="Percentage KPIs by year",
    )
    return charts.figure_html(fig, chart, phone=phone)


def kpi_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """KPIs as a table for a page: measure, year, indicator and the value as reported."""
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
