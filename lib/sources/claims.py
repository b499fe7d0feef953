"""Published claims to audit (published_claims.csv), kept as printed.

Each claim carries a machine-readable test specification (read by
:mod:`lib.analysis.claims`). The parts of it the audit computes with are part
of the raw contract, so a bad value stops the data build with one line: the
test type (:data:`CLAIM_TESTS`), the count a counting claim states
(``threshold``), the tolerance and the published proportions (``expected``).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from lib.sources.common import authority_id
from lib.sources.contract import (
    NOT_BLANK,
    SOURCE,
    RawTable,
    RowsTo,
    key_text,
    matches,
    one_of,
    parses,
    raw_column,
)

#: The claim test types: the audit has one test per name (lib.analysis.claim_direction.TESTS).
CLAIM_TESTS: tuple[str, ...] = (
    "significant_increase",
    "value_equals",
    "no_decrease",
    "count_increased",
    "count_little_change",
    "top_changes",
    "top_values",
    "rank_order",
    "increase",
    "not_testable",
)

#: What a claim's words name as bringing something about (lib.analysis.claim_causal.ACTORS).
CLAIM_ACTORS: tuple[str, ...] = ("programme", "condition", "authority", "none")

_PROPORTION = r"(?:0(?:\.\d+)?|\.\d+|1(?:\.0+)?)"

#: The checks of the test specification's number columns (empty when the test needs none).
THRESHOLD = matches(r"\s*(?:\d+)?\s*", "a whole number (the count the claim states), or empty")
TOLERANCE = matches(rf"\s*(?:{_PROPORTION})?\s*", "a proportion between 0 and 1 (such as 0.02), or empty")
EXPECTED = matches(
    rf"\s*(?:{_PROPORTION}(?:\s*;\s*{_PROPORTION})*)?\s*",
    "proportions between 0 and 1 separated by ';' (such as 0.56;0.81), or empty",
)

#: One claim, one row (one card in the audit): a quote printed on two rows is refused.
ONE_ROW_PER_CLAIM = pa.Check(
    lambda quotes: ~quotes.map(key_text).duplicated(keep=False),
    error="one row per claim: the same quote is on another row (merge the two rows' test and reasons)",
)

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
    "authorities",
    "actor",
    "causal_words",
]


def authority_ids(cell: str) -> str:
    """The ids of the authorities a claim names ('; '-joined printed names -> ';'-joined ids)."""
    return ";".join(authority_id(name.strip()) for name in str(cell).split(";") if name.strip())


def clean_claims(raw: pd.DataFrame) -> pd.DataFrame:
    """The published claims to audit: quotes as printed, test specs trimmed."""
    out = raw.rename(columns={"authorities_as_printed": "authorities"}).loc[:, CLAIM_COLUMNS].copy()
    for col in CLAIM_COLUMNS:
        if col not in ("claim_quote", "interpretation", "untestable_reason", "causal_words"):
            out[col] = out[col].str.strip()
    out["authorities"] = out["authorities"].map(authority_ids)
    return out.sort_values("claim_id", kind="stable").reset_index(drop=True)


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "published_claims.csv",
        {
            "claim_id": raw_column(
                matches(r"[A-Za-z0-9][A-Za-z0-9._-]*", "an id of letters, digits, '.', '_' or '-'")
            ),
            "claim_quote": raw_column(NOT_BLANK, ONE_ROW_PER_CLAIM),
            "source": raw_column(SOURCE),
            "question": raw_column(),
            "sector": raw_column(),
            "phase": raw_column(),
            "items": raw_column(),
            "threshold": raw_column(THRESHOLD),
            "expected": raw_column(EXPECTED),
            "tolerance": raw_column(TOLERANCE),
            "untestable_reason": raw_column(),
            "interpretation": raw_column(),
            "test": raw_column(one_of(CLAIM_TESTS, strip=True)),
            "authorities_as_printed": raw_column(
                parses(authority_ids, "authority names as printed, ';'-separated, or empty")
            ),
            "actor": raw_column(one_of(CLAIM_ACTORS, strip=True)),
            "causal_words": raw_column(),
        },
        ["claim_id"],
        rows_to=(RowsTo("claims.csv"),),
    ),
)
