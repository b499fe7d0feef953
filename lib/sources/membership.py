"""Programme membership (programme_membership.csv): which authority took part
in which year, and the authorities table derived from it.
"""

from __future__ import annotations

import re

import pandas as pd

from lib.sources.common import (
    AUTHORITIES,
    CASE_STUDY_AUTHORITIES,
    KNOWN_AUTHORITY,
    PROGRAMME,
    PROGRAMME_REPORT,
    SURVEY_REPORT,
    UNRECORDED,
    YEARS,
    authority_id,
    csv_line,
    declared_required,
    identification_note,
    tidy_text,
)
from lib.sources.contract import NOT_BLANK, SOURCE, Issue, RawTable, RowsTo, matches, parses, raw_column

#: The fewest words a ``year_inference`` may hold: the reasoning in words, never a bare flag.
INFERENCE_MIN_WORDS = 5


def strip_footnote_marks(text: str) -> str:
    """Drop footnote markers kept in quotes (``<sup>1</sup>``, ``¹``)."""
    return tidy_text(re.sub(r"<sup>\s*\d+\s*</sup>|[¹²³⁴⁵⁶⁷⁸⁹⁰]+", "", str(text)))


def clean_membership(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per statement, with the authority resolved to its id; ``year_inference`` is
    empty when the statement states the programme year, else the reasoning that reads it."""
    return raw.assign(
        authority_id=raw["authority_as_printed"].map(authority_id),
        quote=raw["quote"].map(strip_footnote_marks),
        year_inference=raw["year_inference"].map(tidy_text),
    ).loc[:, ["authority_id", "authority_as_printed", "years_stated", "year_inference", "quote", "source"]]


def year_note(reasoning: str) -> str:
    """'; year inference: <reasoning>' for a statement whose programme year is read, not stated."""
    return f"; year inference: {reasoning}" if reasoning else ""


def inferred_years(stated: pd.DataFrame, aid: str | None = None) -> list[str]:
    """The years only inferences give: statements marked ``year_inference`` (the year read from
    a date or phrase) or, for authority ``aid``, statements that name it only by a name read as
    it (an identification inference: the year is stated for another name). No other statement
    states these years."""

    def given(rows: pd.DataFrame) -> set[str]:
        return {y for ys in rows["years_stated"] for y in ys.split(";")}

    marked = stated["year_inference"] != ""
    if aid is not None:
        marked = marked | stated["quote"].map(lambda q: identification_note(aid, q) != "").astype(bool)
    return [y for y in YEARS if y in given(stated[marked]) - given(stated[~marked])]


def clean_authorities(membership: pd.DataFrame, survey_authorities: set[str]) -> pd.DataFrame:
    """Canonical authority table with the years each took part, and why.

    Years come only from statements in the documents: the union of the years
    the statements give. An authority no statement places in a year keeps
    ``years = unrecorded``: the documents say the others took part "a year
    each" but not which year, and no complete list of either year's partners
    exists, so elimination would be a guess.
    """
    rows = []
    for aid, name in AUTHORITIES.items():
        stated = membership[membership["authority_id"] == aid]
        years = sorted({y for ys in stated["years_stated"] for y in ys.split(";")})
        if years:
            basis = " | ".join(
                f"{q.strip()} ({s}){identification_note(aid, q)}{year_note(i)}"
                for q, s, i in zip(stated["quote"], stated["source"], stated["year_inference"], strict=False)
            )
            sources = "; ".join(sorted(set(stated["source"])))
        else:
            basis = "no document states which programme year this authority took part in"
            sources = PROGRAMME.note("membership_source", PROGRAMME_REPORT)
        rows.append(
            {
                "authority_id": aid,
                "authority": name,
                "years": ";".join(years) if years else UNRECORDED,
                **{year_column(year): _yes_no_unknown(year, years) for year in YEARS},
                "years_basis": basis,
                "years_inferred": ";".join(inferred_years(stated, aid)),
                "case_study": "yes" if aid in CASE_STUDY_AUTHORITIES else "no",
                "attitude_survey": "yes" if aid in survey_authorities else "no",
                "source": sources,
            }
        )
    return pd.DataFrame(rows)


def year_column(year: str) -> str:
    """authorities.csv's column for one programme year: '2011-12' -> 'in_2011_12'."""
    return "in_" + re.sub(r"[^0-9a-z]+", "_", year.casefold()).strip("_")


def _yes_no_unknown(year: str, years: list[str]) -> str:
    if not years:
        return "unknown"
    if year in years:
        return "yes"
    # Only the two-year statement or "second year only" rule out the other year.
    return "no"


def _stated_years(value: str) -> list[str]:
    years = value.split(";")
    if any(y not in YEARS for y in years) or len(set(years)) != len(years):
        raise ValueError(f"not programme years: {value!r}")
    return years


def survey_authorities(membership: pd.DataFrame) -> set[str]:
    """Authorities the attitude survey report names as its sources (004 § 2.2)."""
    if SURVEY_REPORT is None:
        return set()
    named = membership[membership["source"].str.startswith(SURVEY_REPORT)]
    return set(named["authority_id"])


def _note(joint: str, key: str) -> str:
    note = PROGRAMME.note(key)
    return f"{joint}{note}" if note else ""


def membership_issues(membership: pd.DataFrame, authorities: pd.DataFrame) -> list[Issue]:
    issues = []
    for row in authorities.itertuples():
        if row.years == UNRECORDED:
            issues.append(
                Issue(
                    check="membership_unstated",
                    file="programme_membership.csv",
                    row="",
                    column="years_stated",
                    value=row.authority,
                    issue=f"no document states which programme year {row.authority} took part in"
                    + _note(" ", "membership_unstated"),
                    action="years kept as 'unrecorded'; not inferred by elimination",
                )
            )
        elif row.source and all("Authority profiles" in s for s in row.source.split("; ")):
            issues.append(
                Issue(
                    check="membership_weak_basis",
                    file="programme_membership.csv",
                    row="",
                    column="years_stated",
                    value=row.authority,
                    issue=f"{row.authority}'s year rests only on its own profile text ({row.years_basis})"
                    + _note("; ", "membership_weak_basis"),
                    action=f"years kept as stated ({row.years}); reports show the basis",
                )
            )
    return issues


def year_inference_issues(raw: pd.DataFrame) -> list[Issue]:
    """A quality-log row for every statement whose programme year is read from a date or
    phrase (its ``year_inference``), not stated."""
    issues = []
    for i, row in enumerate(raw.itertuples(index=False)):
        reasoning = tidy_text(row.year_inference)
        if reasoning:
            years = row.years_stated.replace(";", " and ")
            issues.append(
                Issue(
                    check="year_inference",
                    file="programme_membership.csv",
                    row=csv_line(raw, i),
                    column="year_inference",
                    value=row.authority_as_printed,
                    issue=f"programme year read, not stated, in {row.source}: {reasoning}",
                    action=f"read as {years}, an inference marked wherever the year shows",
                )
            )
    return issues


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "programme_membership.csv",
        {
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "years_stated": raw_column(parses(_stated_years, "programme years (ids joined by ';')")),
            "quote": raw_column(NOT_BLANK),
            "source": raw_column(SOURCE),
            "transcription_note": raw_column(),
            "year_inference": raw_column(
                matches(
                    rf"\S+(?:\s+\S+){{{INFERENCE_MIN_WORDS - 1},}}",
                    "empty (the source states the programme year) or the reasoning that reads the year "
                    f"from a date or phrase, in words (at least {INFERENCE_MIN_WORDS})",
                    allow_empty=True,
                )
            ),
        },
        ["authority_as_printed", "quote"],
        required=declared_required("programme_membership.csv"),
        rows_to=(RowsTo("membership.csv"),),
    ),
)
