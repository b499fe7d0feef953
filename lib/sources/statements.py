"""The programme's own statements (programme_statements.csv) and its
evaluation findings (evaluation_findings.csv).
"""

from __future__ import annotations

import re

import pandas as pd

from lib.sources.common import (
    PROGRAMME,
    YEARS,
    declared_required,
    programme_year,
    tidy_text,
)
from lib.sources.contract import (
    NOT_BLANK,
    SOURCE,
    WHOLE,
    RawTable,
    Required,
    RowsTo,
    grid,
    one_of,
    parses,
    raw_column,
)

#: Topics of the programme's own statements (programme_statements.csv), in report order.
#: Topics of the programme's own statements, in report order: (id, label).
STATEMENT_TOPICS: list[tuple[str, str]] = [(s.id, s.label) for s in PROGRAMME.statement_topics]


def statement_years(printed: str) -> str:
    """Programme years a statement names: year ids joined by ';' (every year
    for a phrase such as 'both years'), or 'unstated' for an empty cell."""
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    if not key:
        return "unstated"
    if key in PROGRAMME.all_years_phrases:
        return ";".join(YEARS)
    years = []
    for part in key.split(";"):
        part = part.strip()
        years.append(part if part in YEARS else programme_year(part))
    return ";".join(sorted(set(years)))


def clean_programme_statements(raw: pd.DataFrame) -> pd.DataFrame:
    """The programme's aims, objectives, success measure, delivery strategy and
    models, baseline survey and definitions, one row per printed statement."""
    labels = dict(STATEMENT_TOPICS)
    order = {t: i for i, (t, _) in enumerate(STATEMENT_TOPICS, start=1)}
    return (
        pd.DataFrame(
            {
                "topic": raw["topic"],
                "topic_label": raw["topic"].map(labels),
                "topic_order": raw["topic"].map(order).astype(int),
                "item_order": raw["item_order"].astype(int),
                "years": raw["year_as_printed"].map(statement_years),
                "text": raw["text"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values(["topic_order", "item_order"], kind="stable")
        .reset_index(drop=True)
    )


def clean_evaluation_findings(raw: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """The programme report's own evaluation findings (002 § 7), each linked to
    the claim-audit row that tests it, where there is one."""
    quotes = list(
        zip(
            claims["claim_id"],
            claims["claim_quote"].map(tidy_text),
            claims["source"].str.split(" § ").str[0],
            strict=False,
        )
    )
    text = raw["text"].map(tidy_text)

    def audited(finding: str, source: str) -> str:
        file = source.split(" § ")[0]
        return ";".join(cid for cid, quote, qfile in quotes if qfile == file and quote.rstrip(".") in finding)

    return (
        pd.DataFrame(
            {
                "finding_order": raw["finding_order"].astype(int),
                "years": raw["years_as_printed"].map(statement_years),
                "text": text,
                "audited_as": [audited(t, src) for t, src in zip(text, raw["source"], strict=False)],
                "source": raw["source"],
            }
        )
        .sort_values("finding_order", kind="stable")
        .reset_index(drop=True)
    )


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "programme_statements.csv",
        {
            "topic": raw_column(one_of([t for t, _ in STATEMENT_TOPICS])),
            "item_order": raw_column(WHOLE),
            "year_as_printed": raw_column(parses(lambda v: statement_years(v), "a programme year or empty")),
            "text": raw_column(NOT_BLANK),
            "transcription_note": raw_column(),
            "source": raw_column(SOURCE),
        },
        ["topic", "item_order"],
        required=(
            Required(
                ("topic",),
                grid([t for t, _ in STATEMENT_TOPICS]),
                "at least one statement for every topic the sources print "
                "(the definition's statements.topics)",
            ),
            *declared_required("programme_statements.csv"),
        ),
        rows_to=(RowsTo("programme_statements.csv"),),
    ),
    RawTable(
        "evaluation_findings.csv",
        {
            "finding_order": raw_column(WHOLE),
            "years_as_printed": raw_column(parses(lambda v: statement_years(v), "programme years or empty")),
            "text": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
        },
        ["finding_order"],
        required=declared_required("evaluation_findings.csv"),
        rows_to=(RowsTo("evaluation_findings.csv"),),
    ),
)
