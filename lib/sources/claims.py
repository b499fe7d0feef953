"""Published claims to audit (published_claims.csv), kept as printed."""

from __future__ import annotations

import pandas as pd

from lib.sources.contract import NOT_BLANK, SOURCE, RawTable, RowsTo, matches, raw_column

CLAIM_COLUMNS = [
    "claim_id",
    "claim_quote",
    "source",
    "question",
    "sector",
    "phase",
    "items",
    "test",
    "threshold",
    "expected",
    "tolerance",
    "untestable_reason",
    "interpretation",
]


def clean_claims(raw: pd.DataFrame) -> pd.DataFrame:
    """The published claims to audit: quotes as printed, test specs trimmed."""
    out = raw.loc[:, CLAIM_COLUMNS].copy()
    for col in CLAIM_COLUMNS:
        if col not in ("claim_quote", "interpretation", "untestable_reason"):
            out[col] = out[col].str.strip()
    return out.sort_values("claim_id", kind="stable").reset_index(drop=True)


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "published_claims.csv",
        {
            "claim_id": raw_column(
                matches(r"[A-Za-z0-9][A-Za-z0-9._-]*", "an id of letters, digits, '.', '_' or '-'")
            ),
            "claim_quote": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
            **{
                c: raw_column()
                for c in (
                    "question",
                    "sector",
                    "phase",
                    "items",
                    "threshold",
                    "expected",
                    "tolerance",
                    "untestable_reason",
                    "interpretation",
                )
            },
            "test": raw_column(NOT_BLANK),
        },
        ["claim_id"],
        rows_to=(RowsTo("claims.csv"),),
    ),
)
