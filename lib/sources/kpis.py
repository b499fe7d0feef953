"""The KPI table (kpi_table.csv) and programme activity (programme_activity.csv):
each KPI cell parsed into its measures, each activity count into a number.
"""

from __future__ import annotations

import re

import pandas as pd

from lib.sources.common import PROGRAMME, csv_line, declared_required, programme_year, tidy_text
from lib.sources.contract import (
    NOT_BLANK,
    SOURCE,
    WHOLE,
    Issue,
    RawTable,
    RowsTo,
    in_range,
    parses,
    raw_column,
)

KPI_CELL_EXPECTED = (
    "a KPI cell whose every named measure prints its figure, e.g. '35 reports "
    "delivered' or 'good plus = 80%' (percentages between 0% and 100%)"
)


#: The measure of a KPI cell that reports in words only (no figure): workbook vocabulary.
IN_WORDS = "in_words"

KPIS: list[tuple[str, str]] = [(k.id, k.label) for k in PROGRAMME.kpis]

#: measure id -> (pattern with the figure as group 1, label, kind), from the definition.
KPI_MEASURES = {m.id: (m.pattern, m.label, m.kind) for m in PROGRAMME.kpi_measures}

#: Words naming each measure in a KPI cell: a cell that names a measure must
#: print its figure in the measure's form, or the measure would silently vanish.
KPI_MEASURE_NAMES = {m.id: m.names for m in PROGRAMME.kpi_measures if m.names}


def parse_kpi_cell(text: str) -> list[dict]:
    """Split one KPI cell into measures; qualitative cells keep their text."""
    found = []
    for measure, (pattern, label, unit) in KPI_MEASURES.items():
        match = re.search(pattern, text)
        if match:
            number = float(match.group(1))
            if unit == "proportion" and not 0 <= number <= 100:
                raise ValueError(
                    f"percentage out of range in KPI cell: {match.group(0)!r}; expected 0% to 100%"
                )
            value = int(number) if unit == "count" else round(number / 100, 4)
            found.append({"measure": measure, "measure_label": label, "value": value, "unit": unit})
        elif measure in KPI_MEASURE_NAMES and re.search(
            KPI_MEASURE_NAMES[measure], text, flags=re.IGNORECASE
        ):
            raise ValueError(f"KPI cell names {label!r} but its figure is unreadable: {text!r}")
    if not found:
        found.append(
            {"measure": IN_WORDS, "measure_label": "Reported in words", "value": None, "unit": "text"}
        )
    return found


def clean_kpis(raw: pd.DataFrame, activity: pd.DataFrame) -> pd.DataFrame:
    kpi_ids = dict(enumerate(KPIS, start=1))
    rows = []
    for r in raw.itertuples():
        kid, label = kpi_ids[int(r.kpi_order)]
        for measure in parse_kpi_cell(r.text):
            rows.append(
                {
                    "kpi": kid,
                    "kpi_label": label,
                    "kpi_order": int(r.kpi_order),
                    "year": programme_year(r.year_as_printed),
                    **measure,
                    "bound": "exact",
                    "text": tidy_text(r.text),
                    "source": r.source,
                }
            )
    frame = pd.concat([pd.DataFrame(rows), activity], ignore_index=True)
    if frame.empty:  # a programme without a KPI table or activity counts
        return frame
    measure_order = {
        m: i for i, m in enumerate([*KPI_MEASURES, IN_WORDS, "workshops", "surveys", "participants"])
    }
    return (
        frame.assign(_m=frame["measure"].map(measure_order))
        .sort_values(["kpi_order", "year", "_m"], kind="stable")
        .drop(columns="_m")
        .reset_index(drop=True)
    )


_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
}


def parse_count(text: str) -> tuple[int, str]:
    """``'over 280'`` -> (280, 'at_least'); ``'up to 379'`` -> (379, 'at_most')."""
    t = re.sub(r"\s+", " ", text).strip().casefold()
    bound = "exact"
    for prefix, b in (
        ("over ", "more_than"),
        ("more than ", "more_than"),
        ("up to ", "at_most"),
        ("at least ", "at_least"),
    ):
        if t.startswith(prefix):
            bound, t = b, t[len(prefix) :]
    if t.isdigit():
        return int(t), bound
    if t in _NUMBER_WORDS:
        return _NUMBER_WORDS[t], bound
    raise ValueError(f"not a count: {text!r}")


#: Printed activity measure (folded) -> (measure id, label), from the definition.
ACTIVITY_MEASURES = {m.printed: (m.id, m.label) for m in PROGRAMME.activity_measures}


def activity_measure(printed: str) -> tuple[str, str]:
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    if key not in ACTIVITY_MEASURES:
        raise ValueError(f"unknown activity measure {printed!r}; expected one of {sorted(ACTIVITY_MEASURES)}")
    return ACTIVITY_MEASURES[key]


def clean_activity(raw: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in raw.itertuples():
        measure, label = activity_measure(r.measure_as_printed)
        value, bound = parse_count(r.value_as_printed)
        rows.append(
            {
                "kpi": "programme_activity",
                "kpi_label": "Programme activity",
                "kpi_order": 0,
                "year": programme_year(r.year_as_printed),
                "measure": measure,
                "measure_label": label,
                "value": value,
                "unit": "count",
                "bound": bound,
                "text": tidy_text(r.quote),
                "source": r.source,
            }
        )
    return pd.DataFrame(rows)


def kpi_issues(raw: pd.DataFrame) -> list[Issue]:
    issues = []
    for i, r in raw.iterrows():
        if "%%" in r["text"]:
            issues.append(
                Issue(
                    check="typo",
                    file="kpi_table.csv",
                    row=csv_line(raw, i),
                    column="text",
                    value=re.search(r"\S*%%", r["text"]).group(0),
                    issue="doubled percent sign",
                    action="read as a single percentage",
                )
            )
        if not any(re.search(p, r["text"]) for p, _, _ in KPI_MEASURES.values()):
            issues.append(
                Issue(
                    check="qualitative_kpi",
                    file="kpi_table.csv",
                    row=csv_line(raw, i),
                    column="text",
                    value=tidy_text(r["text"])[:60],
                    issue="KPI reported in words only, no figure",
                    action=f"kept as measure '{IN_WORDS}' with an empty value and the text",
                )
            )
    return issues


def activity_issues(raw: pd.DataFrame) -> list[Issue]:
    issues = []
    for i, r in raw.iterrows():
        _, bound = parse_count(r["value_as_printed"])
        if bound != "exact":
            issues.append(
                Issue(
                    check="bounded_count",
                    file="programme_activity.csv",
                    row=csv_line(raw, i),
                    column="value_as_printed",
                    value=r["value_as_printed"],
                    issue="count stated as a bound, not an exact figure",
                    action=f"value kept with bound='{bound}'; reports say '{r['value_as_printed'].strip()}'",
                )
            )
    return issues


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "kpi_table.csv",
        {
            "kpi_order": raw_column(WHOLE, in_range(1, len(KPIS), "a KPI number")),
            "kpi_as_printed": raw_column(NOT_BLANK),
            "year_as_printed": raw_column(parses(lambda v: programme_year(v), "a programme year")),
            "text": raw_column(NOT_BLANK, parses(lambda v: parse_kpi_cell(v), KPI_CELL_EXPECTED)),
            "source": raw_column(SOURCE),
        },
        ["kpi_order", "year_as_printed"],
        required=declared_required("kpi_table.csv"),
        rows_to=(
            RowsTo(
                "kpis.csv",
                {"kpi_order": tuple(str(i) for i in range(1, len(KPIS) + 1))},
                ("kpi_order", "year"),
            ),
        ),
    ),
    RawTable(
        "programme_activity.csv",
        {
            "year_as_printed": raw_column(
                NOT_BLANK,
                parses(
                    lambda v: programme_year(v),
                    "a programme year (" + ", ".join(y.label for y in PROGRAMME.years) + ")",
                ),
            ),
            "measure_as_printed": raw_column(
                NOT_BLANK,
                parses(lambda v: activity_measure(v), "an activity measure: " + ", ".join(ACTIVITY_MEASURES)),
            ),
            "value_as_printed": raw_column(
                NOT_BLANK,
                parses(lambda v: parse_count(v), "a count such as 'nine', '10', 'over 280' or 'up to 379'"),
            ),
            "quote": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["year_as_printed", "measure_as_printed"],
        required=declared_required("programme_activity.csv"),
        rows_to=(RowsTo("kpis.csv", {"kpi": ("programme_activity",)}),),
    ),
)
