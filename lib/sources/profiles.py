"""Authority profiles (authority_profiles.csv): each authority's answers to the
profile questions, with the alignment doubts the transcription records.
"""

from __future__ import annotations

import pandas as pd

from lib.sources.common import (
    KNOWN_AUTHORITY,
    PROGRAMME,
    authority_id,
    csv_line,
    declared_required,
    spelling_issues,
    tidy_text,
)
from lib.sources.contract import (
    NOT_BLANK,
    SOURCE,
    WHOLE,
    Issue,
    RawTable,
    RowsTo,
    in_range,
    one_of,
    raw_column,
)

PROFILE_QUESTIONS: list[tuple[str, str]] = [(q.id, q.label) for q in PROGRAMME.profile_questions]


def clean_profiles(raw: pd.DataFrame) -> pd.DataFrame:
    questions = dict(enumerate(PROFILE_QUESTIONS, start=1))
    order = raw["question_order"].astype(int)
    frame = pd.DataFrame(
        {
            "authority_id": raw["authority_as_printed"].map(authority_id),
            "question": order.map(lambda o: questions[o][0]),
            "question_label": order.map(lambda o: questions[o][1]),
            "question_order": order,
            "text": raw["text"].map(tidy_text),
            "alignment": raw["alignment"],
            "alignment_note": raw["alignment_note"].map(tidy_text),
            "source": raw["source"],
        }
    )
    frame["text_status"] = frame["text"].map(lambda t: "printed" if t else "empty")
    return frame.sort_values(["authority_id", "question_order"], kind="stable").reset_index(drop=True)


def profile_issues(raw: pd.DataFrame) -> list[Issue]:
    issues = []
    for i, row in raw[raw["alignment"] == "doubtful"].iterrows():
        issues.append(
            Issue(
                check="doubtful_alignment",
                file="authority_profiles.csv",
                row=csv_line(raw, i),
                column="text",
                value=f"{row['authority_as_printed'].strip()} / {row['question_as_printed'].strip()}",
                issue=tidy_text(row["alignment_note"]) or "alignment doubtful",
                action="text kept under the printed authority and question, flagged "
                "alignment='doubtful' in profiles.csv and in the reports",
            )
        )
    for i, row in raw[raw["text"].map(tidy_text) == ""].iterrows():
        issues.append(
            Issue(
                check="empty_cell",
                file="authority_profiles.csv",
                row=csv_line(raw, i),
                column="text",
                value=f"{row['authority_as_printed'].strip()} / {row['question_as_printed'].strip()}",
                issue="no text printed in this cell",
                action="kept as empty text (text_status='empty'); not filled from elsewhere",
            )
        )
    counts = raw.groupby("authority_as_printed")["question_order"].nunique()
    for name, n in counts.items():
        if n != len(PROFILE_QUESTIONS):
            issues.append(
                Issue(
                    check="missing_profile_rows",
                    file="authority_profiles.csv",
                    row="",
                    column="question_order",
                    value=name,
                    issue=f"{n} of {len(PROFILE_QUESTIONS)} questions transcribed",
                    action="missing questions are absent from profiles.csv",
                )
            )
    issues += spelling_issues(raw, "authority_profiles.csv")
    return issues


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "authority_profiles.csv",
        {
            "table_part": raw_column(WHOLE),
            "question_order": raw_column(WHOLE, in_range(1, len(PROFILE_QUESTIONS), "a question number")),
            "question_as_printed": raw_column(NOT_BLANK),
            "column_position": raw_column(WHOLE),
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "text": raw_column(),
            "alignment": raw_column(one_of(["as_printed", "doubtful"])),
            "alignment_note": raw_column(),
            "source": raw_column(SOURCE),
        },
        ["table_part", "question_order", "column_position"],
        required=declared_required("authority_profiles.csv"),
        rows_to=(RowsTo("profiles.csv"),),
    ),
)
