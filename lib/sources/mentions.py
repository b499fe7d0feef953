"""What the documents say about one authority that no other raw table carries
(authority_mentions.csv): a case study's own account of how commissioning stood
and what the programme meant to leave behind, the survey report's parents from
two authorities, an example of an authority's practice in the background paper.

Each row is one printed sentence or paragraph, quoted exactly, with its
provenance; ``topic`` classifies it (not printed) for the authority page.
"""

from __future__ import annotations

import pandas as pd

from lib.sources.common import KNOWN_AUTHORITY, authority_id, declared_required, tidy_text
from lib.sources.contract import NOT_BLANK, SOURCE, WHOLE, RawTable, RowsTo, one_of, raw_column

#: The topics of a mention, in page order: (id, reader label).
MENTION_TOPICS: list[tuple[str, str]] = [
    ("aims", "What its case study set out to improve"),
    ("commissioning_as_found", "How its commissioning stood, in its case study's words"),
    ("intention", "What the programme meant to leave behind"),
    ("survey_respondents", "Who answered the survey"),
    ("background_example", "An example of its practice in another document, not about the programme"),
]


def clean_mentions(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per mention, the authority resolved to its id, in topic then printed order."""
    labels = dict(MENTION_TOPICS)
    order = {t: i for i, (t, _) in enumerate(MENTION_TOPICS, start=1)}
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "authority_as_printed": raw["authority_as_printed"],
                "mention_order": raw["mention_order"].astype(int),
                "topic": raw["topic"],
                "topic_label": raw["topic"].map(labels),
                "topic_order": raw["topic"].map(order).astype(int),
                "text": raw["text"].map(tidy_text),
                "transcription_note": raw["transcription_note"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "topic_order", "mention_order"], kind="stable")
        .reset_index(drop=True)
    )


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "authority_mentions.csv",
        {
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "mention_order": raw_column(WHOLE),
            "topic": raw_column(one_of([t for t, _ in MENTION_TOPICS])),
            "text": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
            "transcription_note": raw_column(),
        },
        ["authority_as_printed", "mention_order"],
        required=declared_required("authority_mentions.csv"),
        rows_to=(RowsTo("authority_mentions.csv"),),
    ),
)
