"""Load, validate and clean the raw evidence into tidy tables.

``data/raw/`` holds a faithful transcription of the source documents; this
module is the only code that reads it. Each raw table is checked at the
boundary against its declared contract (``RAW_TABLES``: columns, value checks,
the keys its source prints, size limits), and every raw row must end up in a
processed table or the data-quality log. Any failure stops the build with one
line per problem (file, row, column, value, what was expected) and replaces
nothing.
Cleaning is a set of small pure functions, one per processed table, composed
with ``DataFrame.pipe``. Every judgement the cleaning makes is recorded: in a
``basis`` or ``note`` column of the processed table, and in the data-quality log
(``outputs/data_quality_log.csv``), which lists each inconsistency found in the
sources and what the cleaning did about it.

Command line::

    python -m lib.evaluation build   # rebuild data/processed/ and the quality log
    python -m lib.evaluation check   # validate data/raw/ only
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
import pandera.pandas as pa

from lib.config import OUTPUTS_DIR, PROCESSED_DIR, PROJECT_ROOT, QUALITY_LOG_NAME, RAW_DIR  # noqa: F401

PROGRAMME_REPORT = "002_1a84d9ca59562927.txt"
SURVEY_REPORT = "004_be0f5f862c51d4da.txt"
RICHMOND_CASE_STUDY = "000_e64096077011f87f.txt"
LEEDS_CASE_STUDY = "001_4a60edc3d89a3d64.txt"
COMMISSIONING_PAPER = "003_56c982d09bcf5222.txt"

YEAR_ONE, YEAR_TWO = "2011-12", "2012-13"
UNRECORDED = "unrecorded"

#: Topics of the programme's own statements (programme_statements.csv), in report order.
STATEMENT_TOPICS: list[tuple[str, str]] = [
    ("launch", "Launch"),
    ("aim", "Aims"),
    ("objective", "Objectives"),
    ("success_measure", "The programme's own success measure"),
    ("delivery_strategy", "Delivery strategy"),
    ("delivery_step", "The five steps of the delivery strategy"),
    ("delivery_model", "Delivery models by year"),
    ("commissioning_strategy", "Commissioning strategies identified"),
    ("baseline_survey", "Baseline survey"),
    ("co_production_definition", "Definition of co-production"),
]

#: Case-study sections transcribed in case_study_sections.csv.
CASE_STUDY_SECTIONS: list[tuple[str, str]] = [
    ("positive_impact", "Positive impact achieved"),
    ("putting_learning_into_practice", "Putting learning into practice"),
]



# --------------------------------------------------------------------------
# Authorities: one canonical id and display name, every spelling mapped.
# --------------------------------------------------------------------------

#: authority_id -> display name, in the programme report's order.
AUTHORITIES: dict[str, str] = {
    "barnet": "Barnet",
    "bexley": "Bexley",
    "darlington": "Darlington",
    "greenwich": "Greenwich",
    "hillingdon": "Hillingdon",
    "kent": "Kent",
    "knowsley": "Knowsley",
    "leeds": "Leeds",
    "luton": "Luton",
    "north-east-lincolnshire": "North East Lincolnshire",
    "northamptonshire": "Northamptonshire",
    "poole": "Poole",
    "richmond-upon-thames": "Richmond upon Thames",
    "telford-and-wrekin": "Telford and Wrekin",
    "westminster": "Westminster",
}

#: Every spelling met in the sources (after :func:`_name_key`) -> authority_id.
AUTHORITY_ALIASES: dict[str, str] = {
    **{_k: _k for _k in AUTHORITIES},
    "barnet": "barnet",
    "bexley": "bexley",
    "darlington": "darlington",
    "greenwich": "greenwich",
    "hillingdon": "hillingdon",
    "kent": "kent",
    "knowsley": "knowsley",
    "leeds": "leeds",
    "leeds city council": "leeds",
    "luton": "luton",
    "nelincs": "north-east-lincolnshire",
    "ne lincs": "north-east-lincolnshire",
    "n e lincs": "north-east-lincolnshire",
    "north east lincolnshire": "north-east-lincolnshire",
    "northamptonshire": "northamptonshire",
    "northampton": "northamptonshire",
    "poole": "poole",
    "richmond": "richmond-upon-thames",
    "richmond upon thames": "richmond-upon-thames",
    "london borough of richmond upon thames": "richmond-upon-thames",
    "telford & wrekin": "telford-and-wrekin",
    "telford and wrekin": "telford-and-wrekin",
    "telford": "telford-and-wrekin",
    "westminster": "westminster",
}


def _name_key(name: str) -> str:
    """Normalise a printed authority name for lookup: case, dots, spaces."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    text = text.replace(".", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def _alias_keys() -> dict[str, str]:
    keys = {_name_key(alias): aid for alias, aid in AUTHORITY_ALIASES.items()}
    keys.update({_name_key(name): aid for aid, name in AUTHORITIES.items()})
    # "N.E.Lincs" folds to "n e lincs"; "NE Lincs" to "ne lincs": both listed.
    return keys


_ALIAS_KEYS = _alias_keys()


class UnknownAuthorityError(ValueError):
    """A name that matches no known authority (never a new authority)."""


def authority_id(name: str) -> str:
    """Map any printed spelling of an authority to its canonical id.

    >>> authority_id("N.E.Lincs")
    'north-east-lincolnshire'
    """
    key = _name_key(name)
    if key not in _ALIAS_KEYS:
        raise UnknownAuthorityError(
            f"unknown authority {name!r}; expected one of the 15 programme authorities "
            f"({', '.join(AUTHORITIES.values())}) or a known spelling of one"
        )
    return _ALIAS_KEYS[key]


def is_known_authority(name: str) -> bool:
    return _name_key(name) in _ALIAS_KEYS


# --------------------------------------------------------------------------
# Errors and the data-quality log
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a raw file, reported as one line."""

    file: str
    row: int | None  # line number in the CSV file (header = line 1)
    column: str | None
    value: object
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        value = "" if self.value is None else f": value {self.value!r}"
        return f"{', '.join(where)}{value}: expected {self.expected}"


class BuildError(Exception):
    """The data build cannot go on; carries every problem found, one line each."""

    stage = "the build"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(problem_lines(problems)))


class RawDataError(BuildError):
    """Raw files break their contract (:class:`RawTable`)."""

    stage = "the raw data"


class ProcessedDataError(BuildError):
    """A processed table breaks its schema, or a raw row is unaccounted for (a cleaning bug)."""

    stage = "the processed tables"


class PreflightError(BuildError):
    """An output folder cannot be written; found before anything is read or replaced."""

    stage = "the output folders"


#: Lines printed per file before the rest are summarised as one count.
ERRORS_PER_FILE = 20


def problem_lines(problems: list[Problem], per_file: int = ERRORS_PER_FILE) -> list[str]:
    """``error:`` lines, the first ``per_file`` of each file then one line counting the rest."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    lines = []
    for file, found in by_file.items():
        lines += [f"error: {p}" for p in found[:per_file]]
        if len(found) > per_file:
            lines.append(f"error: {file}: {len(found) - per_file} more problem(s) not listed "
                         f"(the first {per_file} are shown)")
    return lines


@dataclass(frozen=True)
class Issue:
    """An inconsistency in the sources and what the cleaning did about it."""

    check: str
    file: str
    row: str
    column: str
    value: str
    issue: str
    action: str


QUALITY_LOG_COLUMNS = ["check", "file", "row", "column", "value", "issue", "action"]


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(i) for i in issues], columns=QUALITY_LOG_COLUMNS).astype(str)
    return frame.sort_values(QUALITY_LOG_COLUMNS, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------
# Raw tables: declared schemas, checked at the boundary
# --------------------------------------------------------------------------

NUMBER_RE = r"-?\d+(\.\d+)?"
PERCENT_RE = r"\s*\d{1,3}\s*%\s*"


def _matches(pattern: str, error: str, *, allow_empty: bool = False) -> pa.Check:
    regex = re.compile(pattern)

    def check(value: str) -> bool:
        return (allow_empty and value == "") or bool(regex.fullmatch(value))

    return pa.Check(check, element_wise=True, error=error)


def _one_of(values: Iterable[str], *, strip: bool = False) -> pa.Check:
    allowed = list(values)
    label = ", ".join(repr(v) for v in allowed)

    def check(value: str) -> bool:
        return (value.strip() if strip else value) in allowed

    return pa.Check(check, element_wise=True, error=f"one of {label}")


def _in_range(low: float, high: float, what: str, *, allow_empty: bool = False) -> pa.Check:
    def check(value: str) -> bool:
        if allow_empty and value == "":
            return True
        try:
            number = float(value.strip().rstrip("%").strip())
        except ValueError:
            return False
        return low <= number <= high

    return pa.Check(check, element_wise=True, error=f"{what} between {low:g} and {high:g}")


def _parses(parser: Callable[[str], object], error: str) -> pa.Check:
    """A value the cleaning step's own parser accepts (one rule, used twice)."""

    def check(value: str) -> bool:
        try:
            parser(value)
        except ValueError:
            return False
        return True

    return pa.Check(check, element_wise=True, error=error)


_KNOWN_AUTHORITY = pa.Check(
    is_known_authority,
    element_wise=True,
    error="a known authority name (one of the 15 programme authorities or a known spelling)",
)
_FIRST_ROW_FILLED = pa.Check(
    lambda s: pd.Series([i > 0 or str(v).strip() != "" for i, v in enumerate(s)], index=s.index),
    error="a value on the first row (later rows may continue it)",
)
_NOT_BLANK = pa.Check(lambda v: v.strip() != "", element_wise=True, error="non-empty text")
_WHOLE = _matches(r"\d+", "a whole number")
_SECTOR = pa.Check(lambda v: _sector_key(v) in {"vcs", "children's centres"}, element_wise=True,
                   error="a survey sector: 'VCS' or 'Children's Centres'")
_SOURCE = _matches(r"\d{3}_[0-9a-f]{16}\.txt § .+", "a provenance '<file> § <section>'")
KPI_CELL_EXPECTED = ("a KPI cell whose every named measure prints its figure, e.g. '35 reports "
                     "delivered' or 'good plus = 80%' (percentages between 0% and 100%)")


def _col(*checks: pa.Check) -> pa.Column:
    return pa.Column(checks=list(checks), nullable=False, coerce=False)


def _grid(*axes: Iterable) -> tuple[tuple[str, ...], ...]:
    """Every combination of the given key values, as text."""
    return tuple(tuple(str(v) for v in combo) for combo in itertools.product(*axes))


def _numbered(counts: dict) -> tuple[tuple[str, ...], ...]:
    """``{group: n}`` -> ``(*group, '1') ... (*group, 'n')``: numbered rows within groups."""
    keys = []
    for group, n in counts.items():
        group = group if isinstance(group, tuple) else (group,)
        keys += [(*(str(g) for g in group), str(i)) for i in range(1, n + 1)]
    return tuple(keys)


def _key_text(value: object) -> str:
    """How completeness keys compare: case, curly apostrophes and runs of spaces ignored."""
    return re.sub(r"\s+", " ", str(value).replace("’", "'")).strip().casefold()


@dataclass(frozen=True)
class Required:
    """Completeness: key values the source prints, each of which must have a raw row.

    ``keys`` are plain data (the printed table's rows and columns); they are
    compared with the raw values after :func:`_key_text`.
    """

    columns: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]
    printed: str  # what the source prints, said in the error line


@dataclass(frozen=True)
class RowsTo:
    """Where a raw table's rows are accounted for after the build.

    ``table`` is a processed table, or :data:`QUALITY_LOG_NAME` for rows the
    cleaning logs instead of processing. ``where`` selects the rows of that table
    that come from this raw table (column -> allowed values, compared as text).
    ``per_raw_row`` names the columns that identify one raw row when a raw row
    yields several processed rows (a KPI cell with two measures); empty means one
    processed row per raw row.
    """

    table: str
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)
    per_raw_row: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawTable:
    """The contract of one raw file.

    ``columns`` are exactly the columns the header must hold (a missing or an
    extra column is an error); ``key`` must be unique; ``required`` lists the
    keys the source prints (completeness); ``min_rows``, ``max_rows`` and
    ``max_bytes`` bound the file before it is parsed; ``rows_to`` says where each
    raw row ends up (processed table or data-quality log), which the build
    checks row for row (:func:`account_rows`).
    """

    name: str
    columns: dict[str, pa.Column]
    key: list[str]
    description: str = ""
    required: tuple[Required, ...] = ()
    rows_to: tuple[RowsTo, ...] = ()
    min_rows: int = 1
    max_rows: int = 10_000
    max_bytes: int = 1_000_000

    @property
    def schema(self) -> pa.DataFrameSchema:
        return pa.DataFrameSchema(self.columns, unique=self.key or None, name=self.name)


_STRAY_LOG = RowsTo(QUALITY_LOG_NAME, {"file": ("survey_stray_values.csv",), "check": ("stray_value",)}, ("row",))

RAW_TABLES: dict[str, RawTable] = {
    t.name: t
    for t in [
        RawTable(
            "evidence_matrix.csv",
            {
                "item_order": _col(_WHOLE, _in_range(1, 12, "an item number")),
                "evidence_item": _col(_NOT_BLANK, _parses(lambda v: _evidence_item_id(v), "one of the 12 evidence items")),
                "column_position": _col(_WHOLE, _in_range(1, 15, "a column position")),
                "authority_as_printed": _col(_KNOWN_AUTHORITY),
                "cell_as_printed": _col(_one_of(["", "NA", "/"], strip=True)),
                "cell_printed": _col(_one_of(["yes", "no"])),
                "source": _col(_SOURCE),
            },
            ["item_order", "column_position"],
            required=(Required(("item_order", "column_position"), _grid(range(1, 13), range(1, 16)),
                               "12 evidence rows x 15 authority columns (002 Range of Evidence)"),),
            rows_to=(RowsTo("evidence.csv"),),
        ),
        RawTable(
            "authority_profiles.csv",
            {
                "table_part": _col(_one_of(["1", "2"])),
                "question_order": _col(_WHOLE, _in_range(1, 5, "a question number")),
                "question_as_printed": _col(_NOT_BLANK),
                "column_position": _col(_WHOLE),
                "authority_as_printed": _col(_KNOWN_AUTHORITY),
                "text": _col(),
                "alignment": _col(_one_of(["as_printed", "doubtful"])),
                "alignment_note": _col(),
                "source": _col(_SOURCE),
            },
            ["table_part", "question_order", "column_position"],
            required=(Required(("table_part", "column_position", "question_order"),
                               (*_grid([1], range(1, 9), range(1, 6)), *_grid([2], range(1, 8), range(1, 6))),
                               "5 questions for 8 authorities in part 1 and 7 in part 2 (002 Authority profiles)"),),
            rows_to=(RowsTo("profiles.csv"),),
        ),
        RawTable(
            "kpi_table.csv",
            {
                "kpi_order": _col(_WHOLE, _in_range(1, 5, "a KPI number")),
                "kpi_as_printed": _col(_NOT_BLANK),
                "year_as_printed": _col(_one_of(["Year one", "Year two"])),
                "text": _col(_NOT_BLANK, _parses(lambda v: parse_kpi_cell(v), KPI_CELL_EXPECTED)),
                "source": _col(_SOURCE),
            },
            ["kpi_order", "year_as_printed"],
            required=(Required(("kpi_order", "year_as_printed"), _grid(range(1, 6), ["Year one", "Year two"]),
                               "every KPI for year one and year two (002 § 6 KPI table)"),),
            rows_to=(RowsTo("kpis.csv", {"kpi_order": ("1", "2", "3", "4", "5")}, ("kpi_order", "year")),),
        ),
        RawTable(
            "programme_activity.csv",
            {
                "year_as_printed": _col(_NOT_BLANK, _parses(lambda v: programme_year(v), "a programme year such as 'year one' or 'second year'")),
                "measure_as_printed": _col(_NOT_BLANK, _parses(lambda v: activity_measure(v), "workshops, surveys or participants")),
                "value_as_printed": _col(_NOT_BLANK, _parses(lambda v: parse_count(v), "a count such as 'nine', '10', 'over 280' or 'up to 379'")),
                "quote": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["year_as_printed", "measure_as_printed"],
            required=(Required(("year_as_printed", "measure_as_printed"),
                               (*_grid(["year one"], ["focus workshops", "interview surveys", "participants"]),
                                *_grid(["second year"], ["workshops", "surveys", "participants"])),
                               "workshops, surveys and participants for each year (002 § 6)"),),
            rows_to=(RowsTo("kpis.csv", {"kpi": ("programme_activity",)}),),
        ),
        RawTable(
            "programme_membership.csv",
            {
                "authority_as_printed": _col(_KNOWN_AUTHORITY),
                "years_stated": _col(
                    _one_of([YEAR_ONE, YEAR_TWO, f"{YEAR_ONE};{YEAR_TWO}"])
                ),
                "quote": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
                "transcription_note": _col(),
            },
            ["authority_as_printed", "quote"],
            required=(Required(("source",), _grid([
                f"{PROGRAMME_REPORT} § 4 Partners and evidence gathering",
                f"{PROGRAMME_REPORT} § Authority profiles (Barnet-Leeds)",
                f"{SURVEY_REPORT} § 2.2",
                f"{RICHMOND_CASE_STUDY} § introduction",
                f"{RICHMOND_CASE_STUDY} § Participation in the Programme with Richmond",
                f"{LEEDS_CASE_STUDY} § Participation in the Programme with Leeds City Council",
            ]), "a statement of membership in each of these passages"),),
            rows_to=(RowsTo("membership.csv"),),
        ),
        RawTable(
            "practice_guidance.csv",
            {
                "row_order": _col(_WHOLE),
                "focus_theme_as_printed": _col(_parses(lambda v: v.strip() == "" or theme_id(v), "one of the six focus themes, or empty on a continuation row"), _FIRST_ROW_FILLED),
                "key_principle": _col(),
                "practice_suggestion": _col(),
                "develop_needs_assessment": _col(),
                "identify_resources_and_set_priorities": _col(),
                "plan_pattern_of_services": _col(),
                "source": _col(_SOURCE),
                "transcription_note": _col(),
            },
            ["row_order"],
            required=(Required(("row_order",), _grid(range(1, 31)), "30 rows of practice guidance (002 Practice Guidance)"),),
            rows_to=(RowsTo("guidance.csv"),),
        ),
        RawTable(
            "survey_respondents.csv",
            {
                "phase_as_printed": _col(_one_of(["", "pre", "post"])),
                "group_as_printed": _col(_NOT_BLANK, _parses(lambda v: respondent_group(v), "a respondent group named in 004 § 2.2-2.3")),
                "n": _col(_parses(lambda v: parse_count(v), "a count in digits or words (e.g. '76' or 'Seven')")),
                "quote": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["phase_as_printed", "group_as_printed"],
            required=(Required(("phase_as_printed", "group_as_printed"),
                               (*_grid(["pre", "post"], ["attendees"]),
                                *_grid([""], ["VCS organisations", "Children's Centres", "Local Authorities",
                                              "other sectors", "health", "community advice", "parents"])),
                               "the attendee totals before and after and the count of each group (004 § 2.2-2.3)"),),
            rows_to=(RowsTo("survey_respondents.csv"),),
        ),
        RawTable(
            "survey_understanding.csv",
            {
                "chart_title_as_printed": _col(_NOT_BLANK, _parses(lambda v: understanding_item(v), "one of the two Q1 chart titles")),
                "phase_as_printed": _col(_one_of(["Before Workshop", "After Workshop"])),
                "position": _col(_WHOLE),
                "series_as_printed": _col(_NOT_BLANK, _parses(lambda v: sector_id(v), "Overall, Children's Centres or VCS")),
                "value_as_printed": _col(
                    _matches(NUMBER_RE, "a number"), _in_range(0, 1, "a proportion")
                ),
                "source": _col(_SOURCE),
            },
            ["chart_title_as_printed", "phase_as_printed", "position"],
            required=(Required(("chart_title_as_printed", "phase_as_printed", "series_as_printed"),
                               _grid(["Understanding Co Production Better", "Confidence in understanding Co Production"],
                                     ["Before Workshop", "After Workshop"], ["Overall", "Children's Centres", "VCS"]),
                               "both Q1 charts, before and after, for every series (004 chart data)"),),
            rows_to=(RowsTo("survey.csv", {"question": ("understanding",)}),),
        ),
        RawTable(
            "survey_stray_values.csv",
            {
                "context": _col(_NOT_BLANK),
                "value_as_printed": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            [],
            required=(Required(("source",), _grid([f"{SURVEY_REPORT} § chart data: Understanding Co Production Better"]),
                               "a value with no label after the Q1 chart series"),),
            rows_to=(_STRAY_LOG,),
        ),
        RawTable(
            "survey_impacts.csv",
            {
                "chart_title_as_printed": _col(_NOT_BLANK),
                "sector_as_printed": _col(_SECTOR),
                "phase_as_printed": _col(_one_of(["Before", "After"])),
                "position": _col(_WHOLE, _in_range(1, 9, "an impact position")),
                "label_as_printed": _col(_NOT_BLANK, _parses(lambda v: impact_id(v), "one of the nine Q3 impact labels")),
                "value_as_printed": _col(
                    _matches(NUMBER_RE, "a number"), _in_range(0, 1, "a proportion")
                ),
                "source": _col(_SOURCE),
            },
            ["sector_as_printed", "phase_as_printed", "position"],
            required=(Required(("sector_as_printed", "phase_as_printed", "position"),
                               _grid(["VCS", "Children's Centres"], ["Before", "After"], range(1, 10)),
                               "the nine Q3 impacts for each sector before and after (004 chart data)"),),
            rows_to=(RowsTo("survey.csv", {"question": ("impacts",)}),),
        ),
        RawTable(
            "survey_comment_shares.csv",
            {
                "question_as_printed": _col(_NOT_BLANK, _parses(lambda v: _comment_question(v), "a Q2 or Q4 caption")),
                "list_title_as_printed": _col(_NOT_BLANK),
                "sector_as_printed": _col(_SECTOR),
                "phase_as_printed": _col(_one_of(["", "Pre", "Post"])),
                "position": _col(_WHOLE),
                "label_as_printed": _col(),
                "value_as_printed": _col(
                    _matches(PERCENT_RE, "a percentage such as '33%'", allow_empty=True),
                    _in_range(0, 100, "a percentage", allow_empty=True),
                ),
                "source": _col(_SOURCE),
                "transcription_note": _col(),
            },
            ["list_title_as_printed", "phase_as_printed", "position"],
            required=(Required(("list_title_as_printed", "phase_as_printed", "position"),
                               _numbered({("VCS Organisations", "Pre"): 6, ("VCS Organisations", "Post"): 6,
                                          ("Children's Centres", "Pre"): 8, ("Children's Centres", "Post"): 8,
                                          ("VCS Perspective on the LA role", ""): 7,
                                          ("Children's Centre Perspective on LA role", ""): 7}),
                               "every entry of the Q2 and Q4 comment lists (004 § 4.3, 4.5 and 5)"),),
            rows_to=(RowsTo("survey.csv", {"question": ("best_features", "la_role")}),),
        ),
        RawTable(
            "case_study_facts.csv",
            {
                "authority_as_printed": _col(_KNOWN_AUTHORITY),
                "fact": _col(_NOT_BLANK),
                "value_as_printed": _col(),
                "quote": _col(),
                "source": _col(_SOURCE),
            },
            ["authority_as_printed", "fact"],
            required=(Required(("authority_as_printed",),
                               _grid(["Leeds City Council", "London Borough of Richmond upon Thames"]),
                               "facts from both case studies (000, 001)"),),
            rows_to=(RowsTo("case_study_facts.csv"),),
        ),
        RawTable(
            "case_study_challenges.csv",
            {
                "authority_as_printed": _col(_KNOWN_AUTHORITY),
                "challenge_no": _col(_WHOLE),
                "text": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["authority_as_printed", "challenge_no"],
            required=(Required(("authority_as_printed", "challenge_no"),
                               _numbered({"London Borough of Richmond upon Thames": 3, "Leeds City Council": 2}),
                               "three challenges for Richmond and two for Leeds (000, 001)"),),
            rows_to=(RowsTo("challenges.csv"),),
        ),
        RawTable(
            "case_study_proposals.csv",
            {
                "authority_as_printed": _col(_KNOWN_AUTHORITY),
                "theme_order": _col(_WHOLE, _in_range(1, 6, "a theme number")),
                "theme_as_printed": _col(_NOT_BLANK, _parses(lambda v: theme_id(v), "one of the six themes")),
                "text": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["authority_as_printed", "theme_order"],
            required=(Required(("authority_as_printed", "theme_order"),
                               _grid(["Leeds City Council", "London Borough of Richmond upon Thames"], range(1, 7)),
                               "a proposal under each of the six themes in both case studies (000, 001)"),),
            rows_to=(RowsTo("proposals.csv"),),
        ),
        RawTable(
            "case_study_impacts.csv",
            {
                "authority_as_printed": _col(_KNOWN_AUTHORITY),
                "group_as_printed": _col(_NOT_BLANK, _parses(lambda v: case_study_group(v), "VCS, local authority or children's centre participants")),
                "value_as_printed": _col(
                    _matches(PERCENT_RE, "a percentage such as '71%'"),
                    _in_range(0, 100, "a percentage"),
                ),
                "statement": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["authority_as_printed", "group_as_printed"],
            required=(Required(("authority_as_printed", "group_as_printed"),
                               _grid(["Leeds City Council"], ["VCS participants", "local authority participants",
                                                              "children's centres"]),
                               "the three participant groups of the Leeds case study (001 Positive impact achieved)"),),
            rows_to=(RowsTo("case_study_impacts.csv"),),
        ),
        RawTable(
            "published_claims.csv",
            {
                "claim_id": _col(_matches(r"[A-Za-z0-9][A-Za-z0-9._-]*", "an id of letters, digits, '.', '_' or '-'")),
                "claim_quote": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
                **{c: _col() for c in ("question", "sector", "phase", "items", "threshold",
                                         "expected", "tolerance", "untestable_reason", "interpretation")},
                "test": _col(_NOT_BLANK),
            },
            ["claim_id"],
            rows_to=(RowsTo("claims.csv"),),
        ),
        RawTable(
            "commissioning_cycle.csv",
            {
                "stage_order": _col(_WHOLE),
                "stage_as_printed": _col(_NOT_BLANK, _parses(lambda v: stage_id(v), "a commissioning-cycle stage")),
                "quote": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["stage_order"],
            required=(Required(("stage_order",), _grid(range(1, 6)), "the five stages of the commissioning cycle (003 § Commissioning)"),),
            rows_to=(RowsTo("commissioning_cycle.csv"),),
        ),
        RawTable(
            "programme_statements.csv",
            {
                "topic": _col(_one_of([t for t, _ in STATEMENT_TOPICS])),
                "item_order": _col(_WHOLE),
                "year_as_printed": _col(_parses(lambda v: statement_years(v), "a programme year or empty")),
                "text": _col(_NOT_BLANK),
                "transcription_note": _col(),
                "source": _col(_SOURCE),
            },
            ["topic", "item_order"],
            required=(Required(("topic",), _grid([t for t, _ in STATEMENT_TOPICS]),
                               "at least one statement for every topic the sources print (000, 001, 002, 004)"),),
            rows_to=(RowsTo("programme_statements.csv"),),
        ),
        RawTable(
            "evaluation_findings.csv",
            {
                "finding_order": _col(_WHOLE),
                "years_as_printed": _col(_parses(lambda v: statement_years(v), "programme years or empty")),
                "text": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["finding_order"],
            required=(Required(("finding_order",), _grid(range(1, 11)),
                               "the ten findings of the programme evaluation (002 § 7)"),),
            rows_to=(RowsTo("evaluation_findings.csv"),),
        ),
        RawTable(
            "case_study_sections.csv",
            {
                "authority_as_printed": _col(_KNOWN_AUTHORITY),
                "section_as_printed": _col(_parses(lambda v: case_study_section(v), "a case-study section heading")),
                "paragraph_order": _col(_WHOLE),
                "text": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["authority_as_printed", "section_as_printed", "paragraph_order"],
            required=(Required(("authority_as_printed", "section_as_printed"),
                               _grid(["London Borough of Richmond upon Thames", "Leeds City Council"],
                                     ["Positive impact achieved",
                                      "Putting learning into practice for success in developing a "
                                      "collaborative working environment"]),
                               "both case studies' 'Positive impact achieved' and 'Putting learning into "
                               "practice' sections (000, 001)"),),
            rows_to=(RowsTo("case_study_sections.csv"),),
        ),
        RawTable(
            "good_practice_checklist.csv",
            {
                "stage_order": _col(_WHOLE),
                "stage_as_printed": _col(_NOT_BLANK, _parses(lambda v: stage_id(v), "a commissioning-cycle stage heading")),
                "item_order": _col(_WHOLE),
                "text": _col(_NOT_BLANK),
                "source": _col(_SOURCE),
            },
            ["stage_order", "item_order"],
            required=(Required(("stage_order", "item_order"), _numbered({0: 5, 1: 3, 2: 6, 3: 5, 4: 12, 5: 3}),
                               "every checklist item under its stage heading (003 Checklist For Good Practice)"),),
            rows_to=(RowsTo("checklist.csv"),),
        ),
    ]
}


def _decode(path: Path, data: bytes) -> tuple[str | None, list[Problem]]:
    """Strict UTF-8, BOM dropped, newlines normalised to '\\n' (CRLF and CR too).

    Normalising here, at the boundary, makes a file saved with Windows line
    endings (including inside multi-line quoted cells) give the same processed
    bytes as the same file with Unix line endings.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        bad = data[err.start : err.end]
        return None, [
            Problem(_display(path), line, None, bad, "UTF-8 text (the file is not valid UTF-8)")
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _failure_problems(path: Path, frame: pd.DataFrame, err: pa.errors.SchemaErrors,
                      lines: list[int]) -> list[Problem]:
    """One problem per failing cell (or duplicated row), from pandera's failure cases.

    Plain lists only: indexing the frame per case would copy its ``attrs`` line
    map each time, quadratic on a large bad file.
    """
    file = _display(path)
    key = RAW_TABLES[path.name].key if path.name in RAW_TABLES else []
    key_values = list(zip(*(frame[c].tolist() for c in key))) if key else []
    problems: list[Problem] = []
    seen: set[tuple] = set()
    cases = err.failure_cases
    for index, check, column, value in zip(cases["index"].tolist(), cases["check"].astype(str).tolist(),
                                           cases["column"].tolist(), cases["failure_case"].tolist()):
        if check == "column_in_dataframe":
            row, column, value, check = 1, str(value), None, "this column in the header"
        else:
            position = None if index is None or pd.isna(index) else int(index)
            row = None if position is None else (lines[position] if position < len(lines) else position + 2)
            if check == "multiple_fields_uniqueness":
                column, check = "+".join(key), "a unique key (duplicate row)"
                value = None if position is None else key_values[position]
        # One line per problem cell: a value failing two checks is reported once.
        if (row, column) not in seen:
            seen.add((row, column))
            problems.append(Problem(file, row, column, value, check))
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_bounded(path: Path, spec: RawTable) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, never more than the declared maximum (checked before parsing)."""
    if not path.is_file():
        return None, [Problem(_display(path), None, None, None, "the file to exist")]
    with open(path, "rb") as handle:
        data = handle.read(spec.max_bytes + 1)
    if len(data) > spec.max_bytes:
        size = path.stat().st_size
        return None, [Problem(_display(path), None, None, f"{size:,} bytes",
                              f"at most {spec.max_bytes:,} bytes (the declared maximum for this table; "
                              "nothing was parsed)")]
    return data, []


def _parse_records(path: Path, text: str, spec: RawTable) -> tuple[list[str], list[list[str]], list[int], list[Problem]]:
    """Header, data records and the line each record starts on; cheap row checks.

    Each record must have as many fields as the header, and there may be at
    most ``spec.max_rows`` records (reading stops at the first one over).
    Blank lines are skipped, as a CSV reader does.
    """
    file = _display(path)
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] | None = None
    records: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record:
                continue
            if header is None:
                header = record
                continue
            if len(records) >= spec.max_rows:
                problems.insert(0, Problem(file, line, None, None,
                                        f"at most {spec.max_rows:,} data rows (the declared maximum "
                                        "for this table; reading stopped here)"))
                break
            if len(record) != len(header):
                problems.append(Problem(file, line, None, _short(",".join(record)),
                                        f"{len(header)} fields as in the header, found {len(record)}"))
            records.append(record)
            lines.append(line)
    except csv.Error as err:
        problems.append(Problem(file, start, None, None, f"readable CSV ({err})"))
    if header is None and not problems:
        problems.append(Problem(file, 1, None, None, "a header row naming the columns (the file is empty)"))
    return header or [], records, lines, problems


def _header_problems(path: Path, header: list[str], spec: RawTable) -> list[Problem]:
    """Exactly the declared columns: each missing or extra column is one line."""
    file = _display(path)
    problems = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(file, 1, name, None, "each column once (this column is repeated)"))
        elif name not in spec.columns:
            problems.append(Problem(file, 1, name, None,
                                    "only the declared columns (this column is not one of them: "
                                    + ", ".join(spec.columns) + ")"))
        seen.add(name)
    for name in spec.columns:
        if name not in seen:
            problems.append(Problem(file, 1, name, None, "this column in the header"))
    return problems


def _completeness_problems(path: Path, frame: pd.DataFrame, spec: RawTable) -> list[Problem]:
    """At least ``min_rows`` rows, and a row for every key the source prints."""
    file = _display(path)
    if len(frame) < spec.min_rows:
        found = "none" if len(frame) == 0 else str(len(frame))
        rows = "one data row" if spec.min_rows == 1 else f"{spec.min_rows} data rows"
        return [Problem(file, None, None, None, f"at least {rows} below the header (found {found})")]
    problems = []
    for required in spec.required:
        present = set(zip(*(frame[c].map(_key_text) for c in required.columns)))
        for key in required.keys:
            if tuple(_key_text(k) for k in key) not in present:
                problems.append(Problem(file, None, "+".join(required.columns), key,
                                        f"a row for this key (the source prints {required.printed})"))
    return problems


def read_raw(name: str, raw_dir: Path = RAW_DIR) -> pd.DataFrame:
    """Read and check one raw table against its contract; raise :class:`RawDataError`.

    In order, each step only if the previous passed: size (before parsing),
    UTF-8, CSV records with as many fields as the header (at most ``max_rows``),
    exactly the declared columns, the pandera schema, then completeness.
    """
    path = Path(raw_dir) / name
    spec = RAW_TABLES.get(name) or RawTable(name, {}, [])
    data, problems = _read_bounded(path, spec)
    if problems:
        raise RawDataError(problems)
    text, problems = _decode(path, data)
    if problems:
        raise RawDataError(problems)
    header, records, lines, problems = _parse_records(path, text, spec)
    if spec.columns:
        problems = _header_problems(path, header, spec) + problems
    if problems:
        raise RawDataError(problems)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    if spec.columns:
        try:
            spec.schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as err:
            raise RawDataError(_failure_problems(path, frame, err, lines)) from None
        problems = _completeness_problems(path, frame, spec)
        if problems:
            raise RawDataError(problems)
    # Set last: pandas deep-copies attrs on every operation (slow on a large bad file).
    frame.attrs["lines"] = lines
    frame.attrs["file"] = _display(path)
    return frame


def load_raw(raw_dir: Path = RAW_DIR) -> dict[str, pd.DataFrame]:
    """Read every declared raw table, collecting all problems before failing."""
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in RAW_TABLES:
        try:
            tables[name] = read_raw(name, raw_dir)
        except RawDataError as err:
            problems.extend(err.problems)
    if problems:
        raise RawDataError(problems)
    return tables


# --------------------------------------------------------------------------
# Small shared cleaning helpers
# --------------------------------------------------------------------------


def tidy_text(text: str) -> str:
    """Strip a cell, fold runs of spaces, keep line breaks between paragraphs."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in str(text).splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"[’']", "", text.casefold())
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


#: Decimal places the survey charts publish (whole percentages). The charts
#: were exported as floats such as ``0.56999999999999995``: binary noise on a
#: value published to two decimal places.
SOURCE_DECIMALS = 2


def round_to_source(value: str) -> float:
    return round(float(value), SOURCE_DECIMALS)


def percent_to_proportion(text: str) -> float:
    """``'33%'``, ``'  8%'``, ``'69%%'`` -> 0.33, 0.08, 0.69."""
    match = re.fullmatch(r"\s*(\d{1,3}(?:\.\d+)?)\s*%+\s*", str(text))
    if not match:
        raise ValueError(f"not a percentage: {text!r}")
    return round(float(match.group(1)) / 100, 4)


def _row(raw: pd.DataFrame, index: int) -> str:
    """CSV line number where a 0-based data record starts (the header is line 1).

    Records with multi-line cells span several lines, so the number comes from
    the line map :func:`read_raw` stores in ``raw.attrs["lines"]``.
    """
    lines = raw.attrs.get("lines")
    return str(lines[index] if lines is not None and index < len(lines) else index + 2)


# --------------------------------------------------------------------------
# Authorities and programme membership
# --------------------------------------------------------------------------


def strip_footnote_marks(text: str) -> str:
    """Drop footnote markers kept in quotes (``<sup>1</sup>``, ``¹``)."""
    return tidy_text(re.sub(r"<sup>\s*\d+\s*</sup>|[¹²³⁴⁵⁶⁷⁸⁹⁰]+", "", str(text)))


def clean_membership(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per statement, with the authority resolved to its id."""
    return (
        raw.assign(authority_id=raw["authority_as_printed"].map(authority_id),
                   quote=raw["quote"].map(strip_footnote_marks))
        .loc[:, ["authority_id", "authority_as_printed", "years_stated", "quote", "source"]]
    )


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
                f"{q.strip()} ({s})" for q, s in zip(stated["quote"], stated["source"])
            )
            sources = "; ".join(sorted(set(stated["source"])))
        else:
            basis = "no document states which programme year this authority took part in"
            sources = f"{PROGRAMME_REPORT} § 4 Partners and evidence gathering"
        rows.append(
            {
                "authority_id": aid,
                "authority": name,
                "years": ";".join(years) if years else UNRECORDED,
                "in_2011_12": _yes_no_unknown(YEAR_ONE, years),
                "in_2012_13": _yes_no_unknown(YEAR_TWO, years),
                "years_basis": basis,
                "case_study": "yes" if aid in CASE_STUDY_AUTHORITIES else "no",
                "attitude_survey": "yes" if aid in survey_authorities else "no",
                "source": sources,
            }
        )
    return pd.DataFrame(rows)


def _yes_no_unknown(year: str, years: list[str]) -> str:
    if not years:
        return "unknown"
    if year in years:
        return "yes"
    # Only the two-year statement or "second year only" rule out the other year.
    return "no"


CASE_STUDY_AUTHORITIES = {"leeds", "richmond-upon-thames"}

def survey_authorities(membership: pd.DataFrame) -> set[str]:
    """Authorities the attitude survey report names as its sources (004 § 2.2)."""
    named = membership[membership["source"].str.startswith(SURVEY_REPORT)]
    return set(named["authority_id"])


def membership_issues(membership: pd.DataFrame, authorities: pd.DataFrame) -> list[Issue]:
    issues = []
    for row in authorities.itertuples():
        if row.years == UNRECORDED:
            issues.append(
                Issue(
                    "membership_unstated",
                    "programme_membership.csv",
                    "",
                    "years_stated",
                    row.authority,
                    f"no document states which programme year {row.authority} took part in "
                    "(002 § 4 says only that authorities other than Darlington, Kent and "
                    "Poole took part 'a year each')",
                    "years kept as 'unrecorded'; not inferred by elimination",
                )
            )
        elif row.source and all("Authority profiles" in s for s in row.source.split("; ")):
            issues.append(
                Issue(
                    "membership_weak_basis",
                    "programme_membership.csv",
                    "",
                    "years_stated",
                    row.authority,
                    f"{row.authority}'s year rests only on its own profile text ({row.years_basis}); "
                    "it is not among the second-year authorities the survey report names "
                    "(004 § 2.2)",
                    f"years kept as stated ({row.years}); reports show the basis",
                )
            )
    return issues


# --------------------------------------------------------------------------
# Evidence matrix
# --------------------------------------------------------------------------

#: Canonical evidence items in the matrix's order (raw label -> id, display).
EVIDENCE_ITEMS: list[tuple[str, str]] = [
    ("delivery_plan", "Delivery plan and notes"),
    ("workshop_1_materials", "Workshop 1 materials"),
    ("questionnaire", "Questionnaire"),
    ("outcomes_1_report", "Outcomes 1 report"),
    ("questionnaire_report", "Questionnaire report"),
    ("workshop_2_materials", "Workshop 2 materials"),
    ("outcomes_2_report", "Outcomes 2 report"),
    ("training_resource", "Training resource"),
    ("workshop_evaluations", "Workshop evaluations"),
    ("national_sharing", "National sharing"),
    ("regional_sharing", "Regional sharing"),
    ("attitude_survey", "Attitude survey"),
]

EVIDENCE_STATUSES = ["available", "not_produced", "not_applicable", "unclear", "unrecorded"]

#: Codes the printed legend defines (tick and cross print blank: their glyphs were lost).
EVIDENCE_LEGEND = {"NA": "not_applicable"}


@dataclass(frozen=True)
class EvidenceInference:
    """A status for a lost glyph, from a positive statement in another source.

    ``statement`` is the source's own words and ``source`` where they are
    (``<file> § <section>``). There is no "every other authority" form:
    absence from a list is never evidence (docs/caveats.md, inference rule).
    """

    evidence_item: str
    authority_id: str
    status: str
    statement: str
    source: str
    reading: str

    def __post_init__(self) -> None:
        if self.status not in {"available", "not_produced", "not_applicable"}:
            raise ValueError(f"an inference gives a legend status, not {self.status!r}")
        if self.authority_id not in AUTHORITIES:
            raise ValueError(f"an inference names one known authority, not {self.authority_id!r}")
        if not self.statement.strip() or not re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt § .+", self.source):
            raise ValueError("an inference needs a positive statement and its source")

    @property
    def basis(self) -> str:
        return f"inferred: {self.reading} ('{self.statement}', {self.source})"


_SURVEY_NAMES = ("The surveys derived from participating Local Authorities, namely Kent and Poole, "
                 "both in their second year in the programme and Hillingdon, Greenwich, "
                 "Northampton, NE Lincs and Telford, all of whom participated in the second year only.")

#: Every inference the cleaning makes for a lost glyph.
EVIDENCE_INFERENCES: list[EvidenceInference] = [
    *[
        EvidenceInference(
            "attitude_survey", aid, "available", _SURVEY_NAMES, f"{SURVEY_REPORT} § 2.2",
            f"the attitude survey report names {AUTHORITIES[aid]} among the authorities the "
            "surveys derived from",
        )
        for aid in ["kent", "poole", "hillingdon", "greenwich", "northamptonshire",
                    "north-east-lincolnshire", "telford-and-wrekin"]
    ],
    EvidenceInference(
        "questionnaire", "luton", "available",
        "the questionnaire/survey had very positive response",
        f"{PROGRAMME_REPORT} § authority profiles",
        "its profile says it ran a questionnaire",
    ),
]

#: Why a lost glyph stays unrecorded although a source seems to speak to it.
EVIDENCE_NOT_INFERRED: dict[tuple[str, str | None], str] = {
    ("attitude_survey", None): (
        "; the attitude survey report's list of authorities (004 § 2.2) covers the 2012-13 "
        "surveys only, and absence from a list is not evidence that nothing was produced"),
    ("questionnaire", "greenwich"): (
        "; its profile says 'Survey and focus group', but Poole's profile also mentions a survey "
        "while its questionnaire cell is printed NA, so 'survey' most likely means the attitude "
        "survey (counted in its own row)"),
    ("questionnaire", "northamptonshire"): (
        "; its profile says 'Survey and focus group', but Poole's profile also mentions a survey "
        "while its questionnaire cell is printed NA, so 'survey' most likely means the attitude "
        "survey (counted in its own row)"),
}


def _evidence_item_id(label: str) -> str:
    key = slugify(label)
    aliases = {
        "delivery_plan_and_notes": "delivery_plan",
        "workshop_1_materials": "workshop_1_materials",
        "questionnaire": "questionnaire",
        "outcomes_1_report": "outcomes_1_report",
        "questionnaire_report": "questionnaire_report",
        "workshop_2_material": "workshop_2_materials",
        "workshop_2_materials": "workshop_2_materials",
        "outcomes_2_report": "outcomes_2_report",
        "training_resource": "training_resource",
        "workshop_evaluations": "workshop_evaluations",
        "national_sharing": "national_sharing",
        "regional_sharing": "regional_sharing",
        "attitude_survey": "attitude_survey",
    }
    if key not in aliases:
        raise ValueError(f"unknown evidence item {label!r}")
    return aliases[key]


def evidence_code_status(cell: str, printed: str) -> tuple[str, str, str]:
    """Map one printed cell to ``(status, raw_code, basis)`` before inference.

    Only a code the legend defines becomes a status. The printed ``/`` is not
    in the legend: it keeps its raw code, gets the status ``unclear`` and the
    basis gives both readings (docs/caveats.md, inference rule).
    """
    if printed == "no":
        return UNRECORDED, "[not printed]", "cell lost: the row was truncated in the source"
    code = cell.strip()
    if code in EVIDENCE_LEGEND:
        return EVIDENCE_LEGEND[code], code, "printed NA (legend: not applicable)"
    if code == "/":
        return (
            "unclear",
            "/",
            "printed '/', a code not in the legend, so no status is read from it. Two readings: "
            "a mark for partial or weak evidence, or two per-year marks run together (the '/' "
            "appears only for the authorities that took part in both years)",
        )
    if code:
        raise ValueError(f"unknown evidence code {cell!r}; expected '', 'NA' or '/'")
    return (
        UNRECORDED,
        "",
        "glyph lost in extraction: the legend's tick (available) and cross (not "
        "produced) both print blank",
    )


def apply_evidence_inferences(evidence: pd.DataFrame) -> pd.DataFrame:
    """Give a lost glyph a status only where another source positively states
    the fact (:data:`EVIDENCE_INFERENCES`); say in the basis why a glyph that a
    source seems to speak to stays unrecorded (:data:`EVIDENCE_NOT_INFERRED`)."""
    out = evidence.copy()
    lost = out["status"] == UNRECORDED
    for (item, aid), why in EVIDENCE_NOT_INFERRED.items():
        target = lost & (out["evidence_item"] == item)
        if aid is not None:
            target &= out["authority_id"] == aid
        out.loc[target, "basis"] = out.loc[target, "basis"] + why
    for inf in EVIDENCE_INFERENCES:
        target = lost & (out["evidence_item"] == inf.evidence_item) & (out["authority_id"] == inf.authority_id)
        out.loc[target, "status"] = inf.status
        out.loc[target, "basis"] = inf.basis
        out.loc[target, "inferred"] = "yes"
    return out


def evidence_rule_violations(evidence: pd.DataFrame) -> pd.DataFrame:
    """Rows that break the inference rule (docs/caveats.md); empty when none do.

    - a status from the printed cell needs a legend code (``NA``);
    - ``unclear`` is only for a printed code outside the legend, kept as raw_code;
    - every other status is inferred (``inferred=yes``) and its basis quotes a
      source, and ``not_produced`` is never inferred (only a printed cross,
      lost in extraction, could give it).
    """
    status, code, inferred = evidence["status"], evidence["raw_code"], evidence["inferred"]
    basis = evidence["basis"]
    from_legend = code.isin(list(EVIDENCE_LEGEND)) & (status == code.map(EVIDENCE_LEGEND))
    off_legend = (code != "") & (code != "[not printed]") & ~code.isin(list(EVIDENCE_LEGEND))
    quoted = basis.str.startswith("inferred:") & basis.str.contains(r"\d{3}_[0-9a-f]{16}\.txt § ", regex=True)
    ok = (
        ((status == UNRECORDED) & (inferred == "no") & (code.isin(["", "[not printed]"])))
        | (from_legend & (inferred == "no"))
        | ((status == "unclear") & off_legend & (inferred == "no"))
        | ((inferred == "yes") & quoted & (status != "not_produced") & code.isin(["", "[not printed]"]))
    )
    return evidence[~ok]


def clean_evidence_matrix(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per authority x evidence item with a status from the legend."""
    mapped = raw.apply(
        lambda r: evidence_code_status(r["cell_as_printed"], r["cell_printed"]),
        axis=1,
        result_type="expand",
    )
    labels = dict(EVIDENCE_ITEMS)
    order = {item: i for i, (item, _) in enumerate(EVIDENCE_ITEMS, start=1)}
    items = raw["evidence_item"].map(_evidence_item_id)
    frame = pd.DataFrame(
        {
            "authority_id": raw["authority_as_printed"].map(authority_id),
            "evidence_item": items,
            "evidence_label": items.map(labels),
            "item_order": items.map(order).astype(int),
            "status": mapped[0],
            "raw_code": mapped[1],
            "basis": mapped[2],
            "inferred": "no",
            "source": raw["source"],
        }
    )
    return (
        frame.pipe(apply_evidence_inferences)
        .assign(authority=lambda f: f["authority_id"].map(AUTHORITIES))
        .sort_values(["authority_id", "item_order"], kind="stable")
        .reset_index(drop=True)
        .loc[:, ["authority_id", "authority", "evidence_item", "evidence_label", "item_order",
                 "status", "raw_code", "basis", "inferred", "source"]]
    )


def evidence_matrix_issues(raw: pd.DataFrame) -> list[Issue]:
    issues = []
    truncated = raw[raw["cell_printed"] == "no"]
    for item, group in truncated.groupby("evidence_item", sort=False):
        names = ", ".join(group["authority_as_printed"])
        issues.append(
            Issue(
                "truncated_row",
                "evidence_matrix.csv",
                ", ".join(_row(raw, i) for i in group.index),
                "cell_as_printed",
                "",
                f"row '{item.strip()}' is truncated: no cell printed for {names}",
                "status 'unrecorded' unless another source states the fact (see basis)",
            )
        )
    lost = raw[(raw["cell_printed"] == "yes") & (raw["cell_as_printed"].str.strip() == "")]
    issues.append(
        Issue(
            "lost_glyph",
            "evidence_matrix.csv",
            "",
            "cell_as_printed",
            "",
            f"{len(lost)} of {len(raw)} cells print blank: the tick (available) and cross "
            "(not produced) glyphs were both lost in extraction",
            "status 'unrecorded' unless another source states the fact; inferences "
            "are listed in evidence.csv column basis",
        )
    )
    slash = raw[raw["cell_as_printed"].str.strip() == "/"]
    if len(slash):
        issues.append(
            Issue(
                "code_not_in_legend",
                "evidence_matrix.csv",
                ", ".join(_row(raw, i) for i in slash.index),
                "cell_as_printed",
                "/",
                "code '/' is not in the printed legend (tick, cross, NA)",
                "raw code kept; status 'unclear', both readings given in the basis",
            )
        )
    spaced = raw[raw["cell_as_printed"] != raw["cell_as_printed"].str.strip()]
    if len(spaced):
        issues.append(
            Issue(
                "stray_whitespace",
                "evidence_matrix.csv",
                ", ".join(_row(raw, i) for i in spaced.index),
                "cell_as_printed",
                "; ".join(repr(v) for v in spaced["cell_as_printed"].unique()),
                "codes printed with surrounding spaces",
                "whitespace stripped before mapping the code",
            )
        )
    issues += _spelling_issues(raw, "evidence_matrix.csv")
    return issues


def _spelling_issues(raw: pd.DataFrame, file: str, column: str = "authority_as_printed") -> list[Issue]:
    issues = []
    for printed in sorted(set(raw[column])):
        aid = authority_id(printed)
        if printed != AUTHORITIES[aid]:
            rows = raw.index[raw[column] == printed]
            issues.append(
                Issue(
                    "spelling_variant",
                    file,
                    ", ".join(_row(raw, i) for i in rows[:3]) + (" ..." if len(rows) > 3 else ""),
                    column,
                    printed,
                    f"authority spelled {printed!r}",
                    f"mapped to '{AUTHORITIES[aid]}' ({aid})",
                )
            )
    return issues


# --------------------------------------------------------------------------
# Authority profiles
# --------------------------------------------------------------------------

PROFILE_QUESTIONS: list[tuple[str, str]] = [
    ("programme_activity", "Programme activity"),
    ("what_attracted", "What attracted you to the project?"),
    ("done_so_far", "What have you done so far, particularly with the VCS?"),
    ("challenges", "What challenges have you identified?"),
    ("future_plans", "What are your plans for the future?"),
]


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
                "doubtful_alignment",
                "authority_profiles.csv",
                _row(raw, i),
                "text",
                f"{row['authority_as_printed'].strip()} / {row['question_as_printed'].strip()}",
                tidy_text(row["alignment_note"]) or "alignment doubtful",
                "text kept under the printed authority and question, flagged "
                "alignment='doubtful' in profiles.csv and in the reports",
            )
        )
    for i, row in raw[raw["text"].map(tidy_text) == ""].iterrows():
        issues.append(
            Issue(
                "empty_cell",
                "authority_profiles.csv",
                _row(raw, i),
                "text",
                f"{row['authority_as_printed'].strip()} / {row['question_as_printed'].strip()}",
                "no text printed in this cell",
                "kept as empty text (text_status='empty'); not filled from elsewhere",
            )
        )
    counts = raw.groupby("authority_as_printed")["question_order"].nunique()
    for name, n in counts.items():
        if n != len(PROFILE_QUESTIONS):
            issues.append(
                Issue(
                    "missing_profile_rows",
                    "authority_profiles.csv",
                    "",
                    "question_order",
                    name,
                    f"{n} of {len(PROFILE_QUESTIONS)} questions transcribed",
                    "missing questions are absent from profiles.csv",
                )
            )
    issues += _spelling_issues(raw, "authority_profiles.csv")
    return issues


# --------------------------------------------------------------------------
# KPIs and programme activity
# --------------------------------------------------------------------------

KPIS: list[tuple[str, str]] = [
    ("grant_management", "Providing strong and effective management of DfE grant funded activities"),
    ("vcs_satisfaction", "Achieving high levels of VCS satisfaction"),
    ("la_capacity", "Strengthening capacity and intent of local authorities to commission and engage the VCS"),
    ("neighbouring_las", "Strengthening intent of neighbouring local authorities to engage the VCS"),
    ("cc_manager_capacity", "Strengthening capacity and intent of children's centre managers to commission VCS services"),
]

KPI_MEASURES = {
    "reports_delivered": (r"(\d+)\s+reports delivered", "Reports delivered", "count"),
    "evaluation_good_plus": (
        r"Overall evaluation\s*-\s*good plus\s*=\s*(\d+(?:\.\d+)?)\s*(%+)",
        "Overall evaluation good or better",
        "proportion",
    ),
    "more_positive_challenges": (
        r"More positive about tackling key challenges\s*=\s*(\d+(?:\.\d+)?)\s*(%+)",
        "More positive about tackling key challenges",
        "proportion",
    ),
}

#: Words naming each measure in a KPI cell: a cell that names a measure must
#: print its figure in the measure's form, or the measure would silently vanish.
KPI_MEASURE_NAMES = {
    "reports_delivered": r"reports\s+delivered",
    "evaluation_good_plus": r"overall\s+evaluation",
    "more_positive_challenges": r"more\s+positive\s+about\s+tackling",
}

_YEARS = {"year one": YEAR_ONE, "year two": YEAR_TWO, "first year": YEAR_ONE,
          "second year": YEAR_TWO, "year 1": YEAR_ONE, "year 2": YEAR_TWO}


def programme_year(printed: str) -> str:
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    if key not in _YEARS:
        raise ValueError(f"unknown programme year {printed!r}; expected one of {sorted(_YEARS)}")
    return _YEARS[key]


def parse_kpi_cell(text: str) -> list[dict]:
    """Split one KPI cell into measures; qualitative cells keep their text."""
    found = []
    for measure, (pattern, label, unit) in KPI_MEASURES.items():
        match = re.search(pattern, text)
        if match:
            number = float(match.group(1))
            if unit == "proportion" and not 0 <= number <= 100:
                raise ValueError(f"percentage out of range in KPI cell: {match.group(0)!r}; "
                                 "expected 0% to 100%")
            value = int(number) if unit == "count" else round(number / 100, 4)
            found.append({"measure": measure, "measure_label": label, "value": value, "unit": unit})
        elif re.search(KPI_MEASURE_NAMES[measure], text, flags=re.IGNORECASE):
            raise ValueError(f"KPI cell names {label!r} but its figure is unreadable: {text!r}")
    if not found:
        found.append(
            {"measure": "dissemination", "measure_label": "Dissemination", "value": None, "unit": "text"}
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
    measure_order = {m: i for i, m in enumerate(
        [*KPI_MEASURES, "dissemination", "workshops", "surveys", "participants"])}
    return (
        frame.assign(_m=frame["measure"].map(measure_order))
        .sort_values(["kpi_order", "year", "_m"], kind="stable")
        .drop(columns="_m")
        .reset_index(drop=True)
    )


_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


def parse_count(text: str) -> tuple[int, str]:
    """``'over 280'`` -> (280, 'at_least'); ``'up to 379'`` -> (379, 'at_most')."""
    t = re.sub(r"\s+", " ", text).strip().casefold()
    bound = "exact"
    for prefix, b in (("over ", "more_than"), ("more than ", "more_than"),
                      ("up to ", "at_most"), ("at least ", "at_least")):
        if t.startswith(prefix):
            bound, t = b, t[len(prefix):]
    if t.isdigit():
        return int(t), bound
    if t in _NUMBER_WORDS:
        return _NUMBER_WORDS[t], bound
    raise ValueError(f"not a count: {text!r}")


ACTIVITY_MEASURES = {
    "focus workshops": ("workshops", "Workshops (focus workshops)"),
    "workshops": ("workshops", "Workshops"),
    "interview surveys": ("surveys", "Surveys (interview surveys)"),
    "surveys": ("surveys", "Surveys"),
    "participants": ("participants", "Participants"),
}


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
                    "typo",
                    "kpi_table.csv",
                    _row(raw, i),
                    "text",
                    re.search(r"\S*%%", r["text"]).group(0),
                    "doubled percent sign",
                    "read as a single percentage",
                )
            )
        if not any(re.search(p, r["text"]) for p, _, _ in KPI_MEASURES.values()):
            issues.append(
                Issue(
                    "qualitative_kpi",
                    "kpi_table.csv",
                    _row(raw, i),
                    "text",
                    tidy_text(r["text"])[:60],
                    "KPI reported in words only, no figure",
                    "kept as measure 'dissemination' with an empty value and the text",
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
                    "bounded_count",
                    "programme_activity.csv",
                    _row(raw, i),
                    "value_as_printed",
                    r["value_as_printed"],
                    "count stated as a bound, not an exact figure",
                    f"value kept with bound='{bound}'; reports say '{r['value_as_printed'].strip()}'",
                )
            )
    return issues


# --------------------------------------------------------------------------
# Attitude survey
# --------------------------------------------------------------------------

SECTORS = {"vcs": "VCS", "childrens centres": "childrens_centres", "children's centres": "childrens_centres",
           "children’s centres": "childrens_centres", "overall": "all"}
SECTOR_LABELS = {"all": "All respondents", "vcs": "VCS organisations",
                 "childrens_centres": "Children's centres"}
PHASES = {"before": "pre", "before workshop": "pre", "pre": "pre",
          "after": "post", "after workshop": "post", "post": "post", "": "unstated"}


def _sector_key(printed: str) -> str:
    return re.sub(r"\s+", " ", printed.replace("’", "'")).strip().casefold()


def sector_id(printed: str) -> str:
    key = _sector_key(printed)
    if key == "vcs":
        return "vcs"
    if key in SECTORS:
        return SECTORS[key]
    raise ValueError(f"unknown survey sector {printed!r}")


def phase_id(printed: str) -> str:
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    if key not in PHASES:
        raise ValueError(f"unknown survey phase {printed!r}")
    return PHASES[key]


#: The nine Q3 impacts; labels differing only in wording between sectors unify.
IMPACTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("extend_service_reach", "Extend service reach", ("extend service reach",)),
    ("improve_service_delivery", "Improve service delivery", ("improve service delivery",)),
    ("resolve_partners_needs", "Resolve partners' needs", ("resolve partners' needs",)),
    ("ensure_sustainability", "Ensure sustainability", ("ensure sustainability",)),
    ("deliver_users_needs", "Deliver users' needs", ("deliver users' needs",)),
    ("allow_culture_to_thrive", "Allow the VCS culture to thrive", ("allow culture to thrive",)),
    ("cpd_opportunities", "Opportunities for personal career development (CPD)", ("cpd opportunities",)),
    ("enhance_la_partner_role", "Enhance the local authority's role as a partner", ("enhance la partner role",)),
    ("enough_time_resources", "Enough time or resources", ("enough time or resources", "enough time and resources")),
]


def impact_id(label: str) -> str:
    key = re.sub(r"\s+", " ", label.replace("’", "'")).strip().casefold()
    for iid, _, variants in IMPACTS:
        if key in variants:
            return iid
    raise ValueError(f"unknown impact label {label!r}")


UNDERSTANDING_ITEMS = {
    "understanding co production better": (
        "understand_co_production",
        "Understanding co-production better",
        "chart titled 'Understanding Co Production Better'; its figures match the prose of "
        "004 § 4.1 (56% before, 81% after; 85% children's centres, 77% VCS after)",
    ),
    "confidence in understanding co production": (
        "confidence_understanding",
        "Confidence in understanding co-production",
        "chart titled 'Confidence in understanding Co Production'; the report's prose does "
        "not say how it differs from the other Q1 chart",
    ),
}


def understanding_item(title: str) -> tuple[str, str, str]:
    key = re.sub(r"\s+", " ", title).strip().casefold()
    if key not in UNDERSTANDING_ITEMS:
        raise ValueError(f"unknown Q1 chart {title!r}; expected one of {sorted(UNDERSTANDING_ITEMS)}")
    return UNDERSTANDING_ITEMS[key]


def clean_understanding(raw: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in raw.itertuples():
        item, label, note = understanding_item(r.chart_title_as_printed)
        sector = sector_id(r.series_as_printed)
        phase = phase_id(r.phase_as_printed)
        rows.append(
            {
                "question": "understanding",
                "question_label": "Q1 Confidence that they understand co-production (scale 1-7)",
                "item": item,
                "item_label": label,
                "item_order": 1 if item == "understand_co_production" else 2,
                "sector": sector,
                "phase": phase,
                "value": round_to_source(r.value_as_printed),
                "value_as_printed": r.value_as_printed,
                "note": note,
                "source": r.source,
            }
        )
    return _with_stated_bases(pd.DataFrame(rows), respondents)


def _with_stated_bases(frame: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    """Attach the base the source states: only whole-survey phase totals exist."""
    stated = respondents[(respondents["group"] == "all") & (respondents["phase"] != "unstated")]
    bases = dict(zip(stated["phase"], stated["n"]))
    base = [
        bases.get(p) if s == "all" else None for s, p in zip(frame["sector"], frame["phase"])
    ]
    return frame.assign(base_n=pd.array(base, dtype="Int64"))


def clean_impacts(raw: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    labels = {iid: label for iid, label, _ in IMPACTS}
    order = {iid: i for i, (iid, _, _) in enumerate(IMPACTS, start=1)}
    items = raw["label_as_printed"].map(impact_id)
    frame = pd.DataFrame(
        {
            "question": "impacts",
            "question_label": "Q3 How confident are you that co-production will help ... (scale 1-7)",
            "item": items,
            "item_label": items.map(labels),
            "item_order": items.map(order),
            "sector": raw["sector_as_printed"].map(sector_id),
            "phase": raw["phase_as_printed"].map(phase_id),
            "value": raw["value_as_printed"].map(round_to_source),
            "value_as_printed": raw["value_as_printed"],
            "note": "",
            "source": raw["source"],
        }
    )
    variants = raw.assign(item=items).groupby("item")["label_as_printed"].agg(
        lambda s: sorted({re.sub(r"\s+", " ", v).strip() for v in s}))
    for item, printed in variants.items():
        if len(printed) > 1:
            frame.loc[frame["item"] == item, "note"] = (
                "label printed differently by sector: " + " / ".join(printed) + "; unified"
            )
    return _with_stated_bases(frame, respondents)


COMMENT_QUESTIONS = {
    "q2": ("best_features", "Q2 The three best features of working collaboratively (share of comments)"),
    "q4": ("la_role", "Q4 What the local authority needs to do (share of comments)"),
}
LOST_LABEL = "[label lost in extraction]"


def _comment_question(printed: str) -> tuple[str, str]:
    key = printed.strip().casefold()
    for prefix, value in COMMENT_QUESTIONS.items():
        if key.startswith(prefix):
            return value
    raise ValueError(f"unknown comment question {printed!r}")


def clean_comment_shares(raw: pd.DataFrame) -> pd.DataFrame:
    """Shares of comments by theme; a value whose label was lost stays unlabelled."""
    rows = []
    for r in raw.itertuples():
        question, qlabel = _comment_question(r.question_as_printed)
        label = tidy_text(r.label_as_printed).replace("\n", " ")
        has_value = r.value_as_printed.strip() != ""
        item = slugify(label) if label else f"unlabelled_{int(r.position)}"
        note = ""
        if not label:
            note = "value printed without a label (more values than labels in the source list)"
        elif not has_value:
            note = "label printed without a value (fewer values than labels in the source list)"
        rows.append(
            {
                "question": question,
                "question_label": qlabel,
                "item": item,
                "item_label": label or LOST_LABEL,
                "item_order": int(r.position),
                "sector": sector_id(r.sector_as_printed),
                "phase": phase_id(r.phase_as_printed),
                "value": percent_to_proportion(r.value_as_printed) if has_value else None,
                "value_as_printed": r.value_as_printed,
                "base_n": pd.NA,
                "note": note,
                "source": r.source,
            }
        )
    frame = pd.DataFrame(rows)
    frame["base_n"] = frame["base_n"].astype("Int64")
    return frame


RESPONDENT_GROUPS = {
    "attendees": "all", "vcs organisations": "vcs", "children's centres": "childrens_centres",
    "local authorities": "local_authorities", "other sectors": "other_sectors", "health": "health",
    "community advice": "community_advice", "parents": "parents",
}


def respondent_group(printed: str) -> str:
    key = re.sub(r"\s+", " ", printed.replace("’", "'")).strip().casefold()
    if key not in RESPONDENT_GROUPS:
        raise ValueError(f"unknown respondent group {printed!r}; expected one of {sorted(RESPONDENT_GROUPS)}")
    return RESPONDENT_GROUPS[key]


def clean_respondents(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": raw["group_as_printed"].map(respondent_group),
            "group_label": raw["group_as_printed"].map(str.strip),
            "phase": raw["phase_as_printed"].map(phase_id),
            "n": raw["n"].map(lambda v: parse_count(v)[0]),
            "quote": raw["quote"].map(tidy_text),
            "source": raw["source"],
        }
    )


SURVEY_COLUMNS = ["question", "question_label", "item", "item_label", "item_order", "sector",
                  "phase", "value", "base_n", "value_as_printed", "note", "source"]


def clean_survey(understanding: pd.DataFrame, impacts: pd.DataFrame,
                 comments: pd.DataFrame) -> pd.DataFrame:
    question_order = {"understanding": 1, "best_features": 2, "impacts": 3, "la_role": 4}
    sector_order = {"all": 0, "vcs": 1, "childrens_centres": 2}
    phase_order = {"pre": 0, "post": 1, "unstated": 2}
    frame = pd.concat([understanding, impacts, comments], ignore_index=True)[SURVEY_COLUMNS]
    return (
        frame.assign(
            _q=frame["question"].map(question_order),
            _s=frame["sector"].map(sector_order),
            _p=frame["phase"].map(phase_order),
        )
        .sort_values(["_q", "_s", "item_order", "item", "_p"], kind="stable")
        .drop(columns=["_q", "_s", "_p"])
        .reset_index(drop=True)
    )


def survey_issues(raw_understanding: pd.DataFrame, raw_impacts: pd.DataFrame,
                  raw_comments: pd.DataFrame, stray: pd.DataFrame,
                  respondents: pd.DataFrame, respondents_raw: pd.DataFrame | None = None) -> list[Issue]:
    respondents_raw = respondents if respondents_raw is None else respondents_raw
    issues = []
    for name, raw in (("survey_understanding.csv", raw_understanding),
                      ("survey_impacts.csv", raw_impacts)):
        noisy = raw[raw["value_as_printed"].map(lambda v: len(v.split(".")[-1]) > 2)]
        if len(noisy):
            worst = max(abs(float(v) - round_to_source(v)) for v in noisy["value_as_printed"])
            issues.append(
                Issue(
                    "float_noise",
                    name,
                    "",
                    "value_as_printed",
                    noisy["value_as_printed"].iloc[0],
                    f"{len(noisy)} chart values carry binary float noise (largest deviation "
                    f"from 2 dp: {worst:.1e})",
                    "rounded to the source's precision (2 dp, whole percentages)",
                )
            )
    variants = raw_impacts.assign(item=raw_impacts["label_as_printed"].map(impact_id))
    for item, group in variants.groupby("item", sort=True):
        printed = sorted({v for v in group["label_as_printed"]})
        if len(printed) > 1:
            issues.append(
                Issue(
                    "label_variant",
                    "survey_impacts.csv",
                    "",
                    "label_as_printed",
                    " / ".join(repr(p) for p in printed),
                    "the same impact is labelled differently between sectors or phases",
                    f"unified as item '{item}'",
                )
            )
    for (title, phase), group in raw_comments.groupby(
        ["list_title_as_printed", "phase_as_printed"], sort=True
    ):
        labels = (group["label_as_printed"].str.strip() != "").sum()
        values = group[group["value_as_printed"].str.strip() != ""]["value_as_printed"]
        total = sum(percent_to_proportion(v) for v in values) * 100
        where = f"{title.strip()}" + (f" ({phase})" if phase else "")
        rows = ", ".join(_row(raw_comments, i) for i in group.index)
        if labels != len(values):
            issues.append(
                Issue(
                    "values_labels_mismatch",
                    "survey_comment_shares.csv",
                    rows,
                    "label_as_printed",
                    f"{len(values)} values, {labels} labels",
                    f"list '{where}' prints {len(values)} percentages but {labels} labels",
                    f"values paired with labels by printed position; the unpaired entry kept "
                    f"as '{LOST_LABEL}' with its value (or an empty value), never dropped",
                )
            )
        if abs(total - 100) > 2:
            issues.append(
                Issue(
                    "shares_do_not_sum",
                    "survey_comment_shares.csv",
                    rows,
                    "value_as_printed",
                    f"{total:.0f}%",
                    f"shares in list '{where}' sum to {total:.0f}%, not about 100%",
                    "kept as printed; reports show the printed total and do not rescale",
                )
            )
        elif round(total) != 100:
            issues.append(
                Issue(
                    "rounding_total",
                    "survey_comment_shares.csv",
                    rows,
                    "value_as_printed",
                    f"{total:.0f}%",
                    f"shares in list '{where}' sum to {total:.0f}% (rounding)",
                    "kept as printed",
                )
            )
    for i, r in stray.iterrows():
        issues.append(
            Issue(
                "stray_value",
                "survey_stray_values.csv",
                _row(stray, i),
                "value_as_printed",
                r["value_as_printed"],
                f"value with no label: {tidy_text(r['context'])}",
                "not used",
            )
        )
    sectors = respondents[respondents["group"].isin(["vcs", "childrens_centres", "local_authorities", "other_sectors"])]
    totals = respondents[respondents["group"] == "all"].set_index("phase")["n"]
    if len(sectors) and (sectors["phase"] == "unstated").all():
        issues.append(
            Issue(
                "base_unstated",
                "survey_respondents.csv",
                ", ".join(_row(respondents_raw, i) for i in sectors.index),
                "phase_as_printed",
                f"sector counts sum to {sectors['n'].sum()}",
                f"sector counts are given without a phase; their sum ({sectors['n'].sum()}) "
                f"matches neither the pre ({totals.get('pre', 'n/a')}) nor the post "
                f"({totals.get('post', 'n/a')}) total",
                "survey.csv leaves base_n empty for sector rows; lib.analysis.uncertainty approximates "
                "bases and shows the sensitivity (docs/caveats.md)",
            )
        )
    titles = sorted(set(raw_understanding["chart_title_as_printed"].str.strip()))
    if len(titles) > 1:
        issues.append(
            Issue(
                "ambiguous_chart",
                "survey_understanding.csv",
                "",
                "chart_title_as_printed",
                " / ".join(titles),
                "two Q1 charts with near-identical titles and different figures",
                "kept as two items; the report's prose figures (56% -> 81%) match "
                "'Understanding Co Production Better', used as the headline item",
            )
        )
    return issues


# --------------------------------------------------------------------------
# Case studies, practice guidance and the commissioning cycle
# --------------------------------------------------------------------------

THEMES: list[tuple[str, str]] = [
    ("performance_management", "Performance management"),
    ("community_engagement", "Community engagement"),
    ("partnership_working", "Partnership working"),
    ("vision", "Local authority offer and vision"),
    ("localised_commissioning", "Localised commissioning"),
    ("change_management", "Change management"),
]


#: Printed theme wordings that differ from the canonical labels.
THEME_VARIANTS = {
    "vision": "vision",
    "performance management of vcs": "performance_management",
}


def theme_id(printed: str) -> str:
    """Map a printed theme to its id; '<authority> offer and vision' is the vision theme."""
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    if key in THEME_VARIANTS:
        return THEME_VARIANTS[key]
    if key.endswith(" offer and vision"):
        return "vision"
    for tid, label in THEMES:
        if key == label.casefold():
            return tid
    raise ValueError(f"unknown theme {printed!r}; expected one of "
                     f"{', '.join(label for _, label in THEMES)} (or '<authority> offer and vision')")


def clean_proposals(raw: pd.DataFrame) -> pd.DataFrame:
    labels = dict(THEMES)
    order = {t: i for i, (t, _) in enumerate(THEMES, start=1)}
    themes = raw["theme_as_printed"].map(theme_id)
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "theme": themes,
                "theme_label": themes.map(labels),
                "theme_order": themes.map(order),
                "theme_as_printed": raw["theme_as_printed"].map(str.strip),
                "text": raw["text"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "theme_order"], kind="stable")
        .reset_index(drop=True)
    )


def clean_challenges(raw: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "challenge_no": raw["challenge_no"].astype(int),
                "text": raw["text"].map(tidy_text).str.strip("\"“” "),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "challenge_no"], kind="stable")
        .reset_index(drop=True)
    )


def clean_case_study_facts(raw: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "fact": raw["fact"].map(str.strip),
                "value": raw["value_as_printed"].map(tidy_text),
                "quote": raw["quote"].map(strip_footnote_marks),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "fact"], kind="stable")
        .reset_index(drop=True)
    )


def case_study_group(printed: str) -> str:
    """'VCS participants' -> vcs; 'local authority participants'; "children's centres"."""
    key = printed.replace("’", "'").casefold()
    if "vcs" in key:
        return "vcs"
    if "local authorit" in key:
        return "local_authorities"
    if "children's centre" in key:
        return "childrens_centres"
    raise ValueError(f"unknown participant group {printed!r}; expected VCS, local authority "
                     "or children's centre participants")


def clean_case_study_impacts(raw: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "authority_id": raw["authority_as_printed"].map(authority_id),
                "group": raw["group_as_printed"].map(case_study_group),
                "group_label": raw["group_as_printed"].map(str.strip),
                "value": raw["value_as_printed"].map(percent_to_proportion),
                "base_n": pd.array([pd.NA] * len(raw), dtype="Int64"),
                "statement": raw["statement"].map(tidy_text),
                "source": raw["source"],
            }
        )
        .sort_values(["authority_id", "group"], kind="stable")
        .reset_index(drop=True)
    )


COMMISSIONING_STAGES: list[tuple[str, str]] = [
    ("before_beginning", "Before beginning"),
    ("assessing_need", "Assessing need"),
    ("identifying_resources", "Identifying resources available"),
    ("planning", "Planning how to use the resources"),
    ("arranging_delivery", "Arranging service delivery"),
    ("reviewing", "Reviewing the service and reassessing need"),
]

#: The practice guidance's three stage columns, mapped to the cycle's stages.
GUIDANCE_STAGE_COLUMNS = {
    "develop_needs_assessment": "assessing_need",
    "identify_resources_and_set_priorities": "identifying_resources",
    "plan_pattern_of_services": "planning",
}


STAGE_KEYWORDS = {
    "before beginning": "before_beginning",
    "assessing need": "assessing_need",
    "identifying resources": "identifying_resources",
    "planning how to use": "planning",
    "arranging service delivery": "arranging_delivery",
    "reviewing": "reviewing",
}


def stage_id(printed: str) -> str:
    """Map a printed commissioning-stage heading to its stage id."""
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    key = key.removeprefix("the ")
    for words, sid in STAGE_KEYWORDS.items():
        if key.startswith(words):
            return sid
    raise ValueError(f"unknown commissioning stage {printed!r}; expected a heading "
                     f"starting with one of {sorted(STAGE_KEYWORDS)}")


def clean_cycle(raw: pd.DataFrame) -> pd.DataFrame:
    labels = dict(COMMISSIONING_STAGES)
    stages = raw["stage_as_printed"].map(stage_id)
    return pd.DataFrame(
        {
            "stage_order": raw["stage_order"].astype(int),
            "stage_id": stages,
            "stage": stages.map(labels),
            "stage_as_printed": raw["stage_as_printed"].map(str.strip),
            "quote": raw["quote"].map(tidy_text),
            "source": raw["source"],
        }
    ).sort_values("stage_order", kind="stable").reset_index(drop=True)


def clean_checklist(raw: pd.DataFrame) -> pd.DataFrame:
    labels = dict(COMMISSIONING_STAGES)
    stages = raw["stage_as_printed"].map(stage_id)
    return pd.DataFrame(
        {
            "stage_order": raw["stage_order"].astype(int),
            "stage_id": stages,
            "stage": stages.map(labels),
            "item_order": raw["item_order"].astype(int),
            "text": raw["text"].map(tidy_text),
            "source": raw["source"],
        }
    ).sort_values(["stage_order", "item_order"], kind="stable").reset_index(drop=True)


def clean_guidance(raw: pd.DataFrame) -> pd.DataFrame:
    """Practice guidance rows with the focus theme carried down its rows."""
    printed = raw["focus_theme_as_printed"].map(str.strip).replace("", None)
    if len(printed) and pd.isna(printed.iloc[0]):
        raise ValueError("practice guidance: the first row has no focus theme, so there is "
                         "nothing to carry down to its continuation rows")
    themes = printed.ffill().map(theme_id)
    stages = raw[list(GUIDANCE_STAGE_COLUMNS)]
    recorded = stages.apply(lambda r: ";".join(
        GUIDANCE_STAGE_COLUMNS[c] for c in stages.columns if r[c].strip()), axis=1)
    labels = dict(THEMES)
    return pd.DataFrame(
        {
            "theme": themes,
            "theme_label": themes.map(labels),
            "row_order": raw["row_order"].astype(int),
            "key_principle": raw["key_principle"].map(tidy_text),
            "practice_suggestion": raw["practice_suggestion"].map(tidy_text),
            "commissioning_stages": recorded.replace("", UNRECORDED),
            "theme_basis": printed.map(
                lambda p: "printed" if p is not None and not pd.isna(p)
                else "carried down from the theme printed above (continuation row)"),
            "source": raw["source"],
        }
    ).sort_values("row_order", kind="stable").reset_index(drop=True)


def guidance_issues(raw: pd.DataFrame) -> list[Issue]:
    stages = raw[list(GUIDANCE_STAGE_COLUMNS)]
    issues = []
    if (stages.map(str.strip) == "").all().all():
        issues.append(
            Issue(
                "lost_glyph",
                "practice_guidance.csv",
                "",
                ", ".join(GUIDANCE_STAGE_COLUMNS),
                "",
                "every commissioning-stage tick in the practice guidance was lost in extraction",
                "commissioning_stages = 'unrecorded' for every guidance row",
            )
        )
    printed = raw["focus_theme_as_printed"].str.strip()
    variants = sorted({p for p in printed if p and p.casefold() != THEMES[[t for t, _ in THEMES].index(theme_id(p))][1].casefold()})
    for v in variants:
        issues.append(
            Issue(
                "label_variant",
                "practice_guidance.csv",
                "",
                "focus_theme_as_printed",
                v,
                "focus theme worded differently from the case studies' theme",
                f"unified as theme '{theme_id(v)}'",
            )
        )
    return issues


def proposals_issues(raw: pd.DataFrame) -> list[Issue]:
    issues = []
    for printed in sorted(set(raw["theme_as_printed"].str.strip())):
        tid = theme_id(printed)
        if printed.casefold() != dict(THEMES)[tid].casefold():
            issues.append(
                Issue(
                    "label_variant",
                    "case_study_proposals.csv",
                    "",
                    "theme_as_printed",
                    printed,
                    "theme worded differently between case studies",
                    f"unified as theme '{tid}' ({dict(THEMES)[tid]})",
                )
            )
    return issues


def statement_years(printed: str) -> str:
    """Programme years a statement names: '2011-12', '2012-13', both
    (';'-joined) or 'unstated' for an empty cell."""
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    if not key:
        return "unstated"
    if key in ("after the two years", "both years", "over the two years"):
        return f"{YEAR_ONE};{YEAR_TWO}"
    years = []
    for part in key.split(";"):
        part = part.strip()
        years.append(part if part in (YEAR_ONE, YEAR_TWO) else programme_year(part))
    return ";".join(sorted(set(years)))


def case_study_section(printed: str) -> str:
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    for sid, label in CASE_STUDY_SECTIONS:
        if key.startswith(label.casefold()):
            return sid
    raise ValueError(f"unknown case-study section {printed!r}; expected one starting with "
                     f"{[label for _, label in CASE_STUDY_SECTIONS]}")


def clean_programme_statements(raw: pd.DataFrame) -> pd.DataFrame:
    """The programme's aims, objectives, success measure, delivery strategy and
    models, baseline survey and definitions, one row per printed statement."""
    labels = dict(STATEMENT_TOPICS)
    order = {t: i for i, (t, _) in enumerate(STATEMENT_TOPICS, start=1)}
    return (
        pd.DataFrame({
            "topic": raw["topic"],
            "topic_label": raw["topic"].map(labels),
            "topic_order": raw["topic"].map(order).astype(int),
            "item_order": raw["item_order"].astype(int),
            "years": raw["year_as_printed"].map(statement_years),
            "text": raw["text"].map(tidy_text),
            "source": raw["source"],
        })
        .sort_values(["topic_order", "item_order"], kind="stable")
        .reset_index(drop=True)
    )


def clean_evaluation_findings(raw: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """The programme report's own evaluation findings (002 § 7), each linked to
    the claim-audit row that tests it, where there is one."""
    quotes = list(zip(claims["claim_id"], claims["claim_quote"].map(tidy_text),
                      claims["source"].str.split(" § ").str[0]))
    text = raw["text"].map(tidy_text)

    def audited(finding: str, source: str) -> str:
        file = source.split(" § ")[0]
        return ";".join(cid for cid, quote, qfile in quotes if qfile == file and quote.rstrip(".") in finding)

    return pd.DataFrame({
        "finding_order": raw["finding_order"].astype(int),
        "years": raw["years_as_printed"].map(statement_years),
        "text": text,
        "audited_as": [audited(t, src) for t, src in zip(text, raw["source"])],
        "source": raw["source"],
    }).sort_values("finding_order", kind="stable").reset_index(drop=True)


def clean_case_study_sections(raw: pd.DataFrame) -> pd.DataFrame:
    labels = dict(CASE_STUDY_SECTIONS)
    sections = raw["section_as_printed"].map(case_study_section)
    return (
        pd.DataFrame({
            "authority_id": raw["authority_as_printed"].map(authority_id),
            "section": sections,
            "section_label": sections.map(labels),
            "paragraph_order": raw["paragraph_order"].astype(int),
            "text": raw["text"].map(tidy_text),
            "source": raw["source"],
        })
        .sort_values(["authority_id", "section", "paragraph_order"], kind="stable")
        .reset_index(drop=True)
    )


CLAIM_COLUMNS = ["claim_id", "claim_quote", "source", "question", "sector", "phase", "items",
                 "test", "threshold", "expected", "tolerance", "untestable_reason", "interpretation"]


def clean_claims(raw: pd.DataFrame) -> pd.DataFrame:
    """The published claims to audit: quotes as printed, test specs trimmed."""
    out = raw.loc[:, CLAIM_COLUMNS].copy()
    for col in CLAIM_COLUMNS:
        if col not in ("claim_quote", "interpretation", "untestable_reason"):
            out[col] = out[col].str.strip()
    return out.sort_values("claim_id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------
# Processed schemas (declared once; checked before anything is written)
# --------------------------------------------------------------------------

_ID = pa.Column(str, pa.Check.isin(list(AUTHORITIES)), description="authority slug (see authorities.csv)")
_SRC = pa.Column(str, pa.Check.str_matches(r"\d{3}_[0-9a-f]{16}\.txt § .+"),
                 description="provenance: source document file name § section")
_PROPORTION = pa.Column(float, pa.Check.in_range(0, 1), nullable=True,
                        description="proportion in [0, 1] (published percentages / 100)")


def _text(description: str, nullable: bool = False) -> pa.Column:
    return pa.Column(str, nullable=nullable, description=description)


def _int(description: str, nullable: bool = False) -> pa.Column:
    return pa.Column("Int64" if nullable else int, nullable=nullable, coerce=True,
                     description=description)


PROCESSED_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "authorities.csv": pa.DataFrameSchema(
        {
            "authority_id": pa.Column(str, pa.Check.isin(list(AUTHORITIES)), unique=True,
                                      description="canonical slug, stable across runs"),
            "authority": _text("canonical display name"),
            "years": pa.Column(str, pa.Check.isin([YEAR_ONE, YEAR_TWO, f"{YEAR_ONE};{YEAR_TWO}", UNRECORDED]),
                               description="programme years taken part: 2011-12, 2012-13, both joined by ';', or 'unrecorded'"),
            "in_2011_12": pa.Column(str, pa.Check.isin(["yes", "no", "unknown"]), description="took part in 2011-12"),
            "in_2012_13": pa.Column(str, pa.Check.isin(["yes", "no", "unknown"]), description="took part in 2012-13"),
            "years_basis": _text("the statements (with provenance) the years come from"),
            "case_study": pa.Column(str, pa.Check.isin(["yes", "no"]), description="a case study exists (Leeds, Richmond)"),
            "attitude_survey": pa.Column(str, pa.Check.isin(["yes", "no"]), description="named as a source of the 2012-13 attitude survey (004 § 2.2)"),
            "source": _text("provenance of the years"),
        },
        strict=True, ordered=True, name="authorities",
    ),
    "membership.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "authority_as_printed": _text("name as printed in the statement"),
            "years_stated": _text("years the statement gives"),
            "quote": _text("the statement"),
            "source": _SRC,
        },
        strict=True, ordered=True, name="membership",
    ),
    "evidence.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "authority": _text("display name"),
            "evidence_item": pa.Column(str, pa.Check.isin([i for i, _ in EVIDENCE_ITEMS]), description="evidence item id"),
            "evidence_label": _text("evidence item display label"),
            "item_order": _int("1-12, the matrix's row order"),
            "status": pa.Column(str, pa.Check.isin(EVIDENCE_STATUSES), description="available | not_produced | not_applicable | unclear (a printed code not in the legend) | unrecorded"),
            "raw_code": _text("code as printed, stripped ('' = glyph lost, '[not printed]' = truncated)"),
            "basis": _text("why this status: the legend, or the fact another source states"),
            "inferred": pa.Column(str, pa.Check.isin(["yes", "no"]), description="yes where the status was inferred from another source"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["authority_id", "evidence_item"], name="evidence",
        checks=[pa.Check(lambda f: evidence_rule_violations(f).empty,
                         error="the inference rule (docs/caveats.md): a status other than "
                               "unrecorded needs a legend code or a positive statement")],
    ),
    "profiles.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "question": pa.Column(str, pa.Check.isin([q for q, _ in PROFILE_QUESTIONS]), description="profile question id"),
            "question_label": _text("profile question"),
            "question_order": _int("1-5"),
            "text": _text("the authority's answer as printed (whitespace tidied)"),
            "alignment": pa.Column(str, pa.Check.isin(["as_printed", "doubtful"]), description="'doubtful' where the cell may belong to another authority or question"),
            "alignment_note": _text("why alignment is doubtful"),
            "source": _SRC,
            "text_status": pa.Column(str, pa.Check.isin(["printed", "empty"]), description="'empty' where no text was printed"),
        },
        strict=True, ordered=True, unique=["authority_id", "question"], name="profiles",
    ),
    "kpis.csv": pa.DataFrameSchema(
        {
            "kpi": _text("KPI id (programme_activity for the yearly activity counts)"),
            "kpi_label": _text("KPI as worded in the report"),
            "kpi_order": _int("0 = activity, 1-5 = the KPI table's order"),
            "year": pa.Column(str, pa.Check.isin([YEAR_ONE, YEAR_TWO]), description="programme year"),
            "measure": _text("measure id"),
            "measure_label": _text("measure label"),
            "value": pa.Column(float, nullable=True, coerce=True, description="proportion (unit=proportion), count (unit=count) or empty (unit=text)"),
            "unit": pa.Column(str, pa.Check.isin(["proportion", "count", "text"]), description="proportion | count | text"),
            "bound": pa.Column(str, pa.Check.isin(["exact", "more_than", "at_most", "at_least"]), description="how the source states the value"),
            "text": _text("the cell or sentence as printed"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["kpi", "year", "measure"], name="kpis",
    ),
    "survey.csv": pa.DataFrameSchema(
        {
            "question": pa.Column(str, pa.Check.isin(["understanding", "impacts", "best_features", "la_role"]), description="understanding (Q1) | impacts (Q3) | best_features (Q2) | la_role (Q4)"),
            "question_label": _text("question as asked"),
            "item": _text("item id (unified across sectors)"),
            "item_label": _text("item display label"),
            "item_order": _int("order within the printed series"),
            "sector": pa.Column(str, pa.Check.isin(list(SECTOR_LABELS)), description="all | vcs | childrens_centres"),
            "phase": pa.Column(str, pa.Check.isin(["pre", "post", "unstated"]), description="pre | post | unstated (no phase given)"),
            "value": _PROPORTION,
            "base_n": _int("respondents the value is based on, where the source states it; empty otherwise", nullable=True),
            "value_as_printed": _text("the value exactly as printed"),
            "note": _text("cleaning judgement for this row, if any"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["question", "item", "sector", "phase"], name="survey",
    ),
    "survey_respondents.csv": pa.DataFrameSchema(
        {
            "group": _text("all | vcs | childrens_centres | local_authorities | other_sectors | health | community_advice | parents"),
            "group_label": _text("group as printed"),
            "phase": pa.Column(str, pa.Check.isin(["pre", "post", "unstated"]), description="pre | post | unstated"),
            "n": _int("respondents"),
            "quote": _text("the sentence"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["group", "phase"], name="survey_respondents",
    ),
    "proposals.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "theme": pa.Column(str, pa.Check.isin([t for t, _ in THEMES]), description="theme id (unified)"),
            "theme_label": _text("theme display label"),
            "theme_order": _int("1-6"),
            "theme_as_printed": _text("theme as printed in the case study"),
            "text": _text("the partners' proposal"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["authority_id", "theme"], name="proposals",
    ),
    "challenges.csv": pa.DataFrameSchema(
        {"authority_id": _ID, "challenge_no": _int("as numbered in the case study"),
         "text": _text("the challenge"), "source": _SRC},
        strict=True, ordered=True, unique=["authority_id", "challenge_no"], name="challenges",
    ),
    "case_study_facts.csv": pa.DataFrameSchema(
        {"authority_id": _ID, "fact": _text("fact id"), "value": _text("value as stated"),
         "quote": _text("the sentence"), "source": _SRC},
        strict=True, ordered=True, unique=["authority_id", "fact"], name="case_study_facts",
    ),
    "programme_statements.csv": pa.DataFrameSchema(
        {
            "topic": pa.Column(str, pa.Check.isin([t for t, _ in STATEMENT_TOPICS]),
                               description="launch | aim | objective | success_measure | delivery_strategy | "
                                           "delivery_step | delivery_model | commissioning_strategy | "
                                           "baseline_survey | co_production_definition"),
            "topic_label": _text("topic display label"),
            "topic_order": _int("report order of the topic"),
            "item_order": _int("order within the topic, as printed"),
            "years": pa.Column(str, pa.Check.isin([YEAR_ONE, YEAR_TWO, f"{YEAR_ONE};{YEAR_TWO}", "unstated"]),
                               description="programme year(s) the statement names, or 'unstated'"),
            "text": _text("the statement as printed (whitespace tidied)"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["topic", "item_order"], name="programme_statements",
    ),
    "evaluation_findings.csv": pa.DataFrameSchema(
        {
            "finding_order": _int("1-10, order in 002 § 7"),
            "years": pa.Column(str, pa.Check.isin([YEAR_ONE, YEAR_TWO, f"{YEAR_ONE};{YEAR_TWO}", "unstated"]),
                               description="programme year(s) the finding names, or 'unstated'"),
            "text": _text("the finding as printed (whitespace tidied)"),
            "audited_as": _text("claim ids of claims.csv that test this finding (';'-separated; empty: none)"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["finding_order"], name="evaluation_findings",
    ),
    "case_study_sections.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "section": pa.Column(str, pa.Check.isin([c for c, _ in CASE_STUDY_SECTIONS]),
                                 description="positive_impact | putting_learning_into_practice"),
            "section_label": _text("section display label"),
            "paragraph_order": _int("paragraph order within the section"),
            "text": _text("the paragraph as printed (whitespace tidied)"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["authority_id", "section", "paragraph_order"],
        name="case_study_sections",
    ),
    "case_study_impacts.csv": pa.DataFrameSchema(
        {"authority_id": _ID, "group": _text("vcs | local_authorities | childrens_centres"),
         "group_label": _text("group as printed"), "value": _PROPORTION,
         "base_n": _int("participants in the group (not stated: empty)", nullable=True),
         "statement": _text("the sentence"), "source": _SRC},
        strict=True, ordered=True, name="case_study_impacts",
    ),
    "guidance.csv": pa.DataFrameSchema(
        {
            "theme": pa.Column(str, pa.Check.isin([t for t, _ in THEMES]), description="focus theme id"),
            "theme_label": _text("theme display label"),
            "row_order": _int("printed row order"),
            "key_principle": _text("key principle ('' where the bullet is empty)"),
            "practice_suggestion": _text("practice suggestion"),
            "commissioning_stages": _text("stage ids ticked, or 'unrecorded' (ticks lost)"),
            "theme_basis": _text("printed, or carried down from the row above"),
            "source": _SRC,
        },
        strict=True, ordered=True, unique=["row_order"], name="guidance",
    ),
    "commissioning_cycle.csv": pa.DataFrameSchema(
        {"stage_order": _int("1-5"), "stage_id": _text("stage id"), "stage": _text("stage label"),
         "stage_as_printed": _text("as printed"), "quote": _text("the definition"), "source": _SRC},
        strict=True, ordered=True, unique=["stage_order"], name="commissioning_cycle",
    ),
    "claims.csv": pa.DataFrameSchema(
        {
            "claim_id": pa.Column(str, unique=True, description="stable claim id"),
            "claim_quote": _text("the claim, quoted as printed"),
            "source": _SRC,
            **{c: _text(d) for c, d in [
                ("question", "survey question the claim is about"),
                ("sector", "sectors (';'-separated)"),
                ("phase", "phases (';'-separated)"),
                ("items", "item ids (';'-separated, '*' = all)"),
                ("test", "how the claim is tested (see lib/analysis/claims.py)"),
                ("threshold", "whole number for counting tests"),
                ("expected", "published proportions for value checks"),
                ("tolerance", "agreement tolerance ('about the same' = |change| <= tolerance)"),
                ("untestable_reason", "why no data can test the claim"),
                ("interpretation", "how the claim's wording was read"),
            ]},
        },
        strict=True, ordered=True, name="claims",
    ),
    "checklist.csv": pa.DataFrameSchema(
        {"stage_order": _int("0 = before beginning, 1-5 = cycle stage"), "stage_id": _text("stage id"),
         "stage": _text("stage label"), "item_order": _int("order within the stage"),
         "text": _text("checklist item"), "source": _SRC},
        strict=True, ordered=True, unique=["stage_order", "item_order"], name="checklist",
    ),
}


# --------------------------------------------------------------------------
# Build: raw -> processed, validated, written atomically
# --------------------------------------------------------------------------


@dataclass
class Build:
    tables: dict[str, pd.DataFrame]
    issues: pd.DataFrame = field(default_factory=lambda: issues_frame([]))


def build_tables(raw: dict[str, pd.DataFrame]) -> Build:
    """Pure: raw tables in, processed tables and quality issues out.

    Raises :class:`ProcessedDataError` if a processed table breaks its schema
    or a raw row is neither processed nor logged (:func:`account_rows`).
    """
    membership = clean_membership(raw["programme_membership.csv"])
    authorities = clean_authorities(membership, survey_authorities(membership))
    respondents = clean_respondents(raw["survey_respondents.csv"])
    survey = clean_survey(
        clean_understanding(raw["survey_understanding.csv"], respondents),
        clean_impacts(raw["survey_impacts.csv"], respondents),
        clean_comment_shares(raw["survey_comment_shares.csv"]),
    )
    tables = {
        "authorities.csv": authorities,
        "membership.csv": membership.sort_values(["authority_id", "source", "quote"], kind="stable"),
        "evidence.csv": clean_evidence_matrix(raw["evidence_matrix.csv"]),
        "profiles.csv": clean_profiles(raw["authority_profiles.csv"]),
        "kpis.csv": clean_kpis(raw["kpi_table.csv"], clean_activity(raw["programme_activity.csv"])),
        "survey.csv": survey,
        "survey_respondents.csv": respondents,
        "proposals.csv": clean_proposals(raw["case_study_proposals.csv"]),
        "challenges.csv": clean_challenges(raw["case_study_challenges.csv"]),
        "case_study_facts.csv": clean_case_study_facts(raw["case_study_facts.csv"]),
        "case_study_impacts.csv": clean_case_study_impacts(raw["case_study_impacts.csv"]),
        "guidance.csv": clean_guidance(raw["practice_guidance.csv"]),
        "commissioning_cycle.csv": clean_cycle(raw["commissioning_cycle.csv"]),
        "checklist.csv": clean_checklist(raw["good_practice_checklist.csv"]),
        "claims.csv": clean_claims(raw["published_claims.csv"]),
        "programme_statements.csv": clean_programme_statements(raw["programme_statements.csv"]),
        "evaluation_findings.csv": clean_evaluation_findings(raw["evaluation_findings.csv"],
                                                             raw["published_claims.csv"]),
        "case_study_sections.csv": clean_case_study_sections(raw["case_study_sections.csv"]),
    }
    issues = [
        *evidence_matrix_issues(raw["evidence_matrix.csv"]),
        *profile_issues(raw["authority_profiles.csv"]),
        *kpi_issues(raw["kpi_table.csv"]),
        *activity_issues(raw["programme_activity.csv"]),
        *membership_issues(membership, authorities),
        *_spelling_issues(raw["programme_membership.csv"], "programme_membership.csv"),
        *survey_issues(raw["survey_understanding.csv"], raw["survey_impacts.csv"],
                       raw["survey_comment_shares.csv"], raw["survey_stray_values.csv"],
                       respondents, raw["survey_respondents.csv"]),
        *guidance_issues(raw["practice_guidance.csv"]),
        *proposals_issues(raw["case_study_proposals.csv"]),
    ]
    problems: list[Problem] = []
    for name, table in tables.items():
        try:
            tables[name] = validate_processed(name, table.reset_index(drop=True))
        except ProcessedDataError as err:
            problems += err.problems
    result = Build(tables, issues_frame(issues))
    if not problems:
        problems = [
            Problem(raw[name].attrs.get("file", name), None, None, f"{account.rows_in} row(s) read",
                    f"every raw row processed or logged; {account.processed} accounted for in "
                    f"{', '.join(t.table for t in RAW_TABLES[name].rows_to) or 'no declared table (RawTable.rows_to)'}"
                    f", {account.logged} in the data-quality log")
            for name, account in account_rows(raw, result).items() if not account.balanced
        ]
    if problems:
        raise ProcessedDataError(problems)
    return result


@dataclass(frozen=True)
class RowAccount:
    """One raw table's rows: read, found again in processed tables, logged instead."""

    rows_in: int
    processed: int
    logged: int

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.processed + self.logged


def account_rows(raw: dict[str, pd.DataFrame], result: Build) -> dict[str, RowAccount]:
    """Account for every raw row, per :attr:`RawTable.rows_to`.

    A raw row is accounted for when it is found again in a processed table
    (one row per raw row, or one distinct ``per_raw_row`` key when a raw row
    yields several) or in the data-quality log (one distinct line number among
    the log rows the declaration selects). A table is balanced when rows read =
    rows processed + rows logged.
    """
    accounts = {}
    for name, frame in raw.items():
        spec = RAW_TABLES.get(name)
        counts = {"processed": 0, "logged": 0}
        for dest in spec.rows_to if spec else ():
            is_log = dest.table == QUALITY_LOG_NAME
            table = result.issues if is_log else result.tables.get(dest.table, pd.DataFrame())
            chosen = pd.Series(True, index=table.index)
            for column, values in dest.where.items():
                chosen &= table[column].astype(str).isin([str(v) for v in values])
            rows = table[chosen]
            n = len(rows.drop_duplicates(list(dest.per_raw_row))) if dest.per_raw_row else len(rows)
            counts["logged" if is_log else "processed"] += n
        accounts[name] = RowAccount(len(frame), **counts)
    return accounts


def validate_processed(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Check a processed table against its declared schema (a bug if it fails).

    Raises :class:`ProcessedDataError`, one problem per failing cell.
    """
    schema = PROCESSED_SCHEMAS[name]
    try:
        return schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as err:
        problems, seen = [], set()
        for case in err.failure_cases.itertuples(index=False):
            index = case.index
            row = None if index is None or pd.isna(index) else int(index) + 2
            column = None if case.column is None or pd.isna(case.column) else str(case.column)
            if (row, column) in seen:
                continue
            seen.add((row, column))
            value = None if case.failure_case is None or pd.isna(case.failure_case) else case.failure_case
            problems.append(Problem(f"processed table {name} (as built)", row, column, value,
                                    f"{case.check} (the processed schema; a cleaning bug)"))
        raise ProcessedDataError(problems) from None


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV: UTF-8, '\\n', floats without noise, empty for missing."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.10g}")
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_temp(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` (published with the usual mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; publish like any file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _nearest_existing(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def preflight(processed_dir: Path, outputs_dir: Path) -> None:
    """Check, before anything is read or replaced, that the build can write its outputs.

    ``processed_dir`` is swapped into place by renaming within its parent, and
    the quality log is written into ``outputs_dir``: both folders (or the
    nearest folder that exists above them) must be folders we can create files
    in. A real probe file is written and removed, so read-only mounts and
    immutable folders are caught, not only permission bits.
    """
    problems = []
    targets = {Path(processed_dir).parent: f"swapping {Path(processed_dir).name}/ into place",
               Path(outputs_dir): "the data-quality log"}
    if Path(processed_dir).exists() and not Path(processed_dir).is_dir():
        problems.append(Problem(_display(Path(processed_dir)), None, None, None,
                                "a folder for the processed tables (it is a file); nothing was replaced"))
    for folder, what in targets.items():
        existing = _nearest_existing(folder)
        reason = None
        if not existing.is_dir():
            reason = f"{_display(existing)} is not a folder"
        else:
            try:
                fd, probe = tempfile.mkstemp(prefix=".preflight.", dir=existing)
                os.close(fd)
                os.unlink(probe)
            except OSError as err:
                reason = err.strerror or type(err).__name__
        if reason:
            problems.append(Problem(_display(folder), None, None, None,
                                    f"a writable folder for {what} ({reason}); nothing was replaced"))
    if problems:
        raise PreflightError(problems)


def write_processed(build: Build, processed_dir: Path) -> None:
    """Write every table into a temporary folder, then swap it into place.

    The previous ``processed_dir`` survives intact until the new one is
    complete, so a failed build never leaves half-written outputs.
    """
    processed_dir = Path(processed_dir)
    processed_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{processed_dir.name}.new.", dir=processed_dir.parent))
    os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700
    try:
        for name, table in sorted(build.tables.items()):
            (staging / name).write_bytes(to_csv_bytes(table))
        # The log travels with the tables so reports can count what was found.
        (staging / QUALITY_LOG_NAME).write_bytes(to_csv_bytes(build.issues))
        (staging / ".gitkeep").touch()
        old = None
        if processed_dir.exists():
            old = processed_dir.with_name(f".{processed_dir.name}.old.{os.getpid()}")
            os.replace(processed_dir, old)
        try:
            os.replace(staging, processed_dir)
        except BaseException:
            if old is not None:  # put the previous tables back: nothing replaced
                os.replace(old, processed_dir)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def build(raw_dir: Path = RAW_DIR, processed_dir: Path = PROCESSED_DIR,
          outputs_dir: Path = OUTPUTS_DIR, responses_dir: Path | None = None) -> Build:
    """Validate ``raw_dir``, clean, write ``processed_dir`` and the quality log.

    Order: preflight (output folders writable), raw contract, cleaning and
    processed schemas, row accounting, respondent-level survey files when
    present (:mod:`lib.sources.response_tables`); only then is anything
    written. The quality log is staged in ``outputs_dir`` before
    ``processed_dir`` is swapped, so a write failure there changes nothing.
    """
    preflight(processed_dir, outputs_dir)
    result = build_tables(load_raw(raw_dir))
    from lib.sources import response_format, response_tables

    try:
        result = response_tables.add_response_tables(result, response_format.responses_dir(raw_dir, responses_dir))
    except response_tables.ResponseDataError as err:
        raise RawDataError(err.problems) from None
    log_path = Path(outputs_dir) / QUALITY_LOG_NAME
    try:
        staged_log = _write_temp(log_path, to_csv_bytes(result.issues))
    except OSError as err:
        raise PreflightError([Problem(_display(Path(outputs_dir)), None, None, None,
                                      f"a writable folder for the data-quality log ({err.strerror}); "
                                      "nothing was replaced")]) from None
    try:
        write_processed(result, processed_dir)
        os.replace(staged_log, log_path)
    finally:
        staged_log.unlink(missing_ok=True)
    return result


def _is_text(spec: pa.Column) -> bool:
    return str(spec.dtype).startswith(("str", "string"))


def _type_name(spec: pa.Column) -> str:
    if _is_text(spec):
        return "text"
    kind = str(spec.dtype).lower()
    name = "integer" if kind.startswith("int") else "number"
    return f"{name} (may be empty)" if spec.nullable else name


def load_processed(processed_dir: Path = PROCESSED_DIR) -> dict[str, pd.DataFrame]:
    """Read every processed table back, typed by its schema and validated."""
    tables = {}
    for name, schema in PROCESSED_SCHEMAS.items():
        frame = pd.read_csv(Path(processed_dir) / name, dtype=str, keep_default_na=False)
        for col, spec in schema.columns.items():
            kind = str(spec.dtype)
            if _is_text(spec) or col not in frame:
                continue
            numbers = pd.to_numeric(frame[col].replace("", None))
            if kind.lower().startswith("int"):
                numbers = numbers.astype("Int64" if spec.nullable else "int64")
            frame[col] = numbers.astype("float64") if kind.startswith("float") else numbers
        tables[name.removesuffix(".csv")] = schema.validate(frame)
    return tables


def quality_summary(issues: pd.DataFrame) -> str:
    """Printed summary of the data-quality log: counts by check, and each issue."""
    lines = [f"Data-quality log: {len(issues)} issues found in the sources"]
    for check, group in issues.groupby("check", sort=True):
        lines.append(f"  {check} ({len(group)})")
        for row in group.itertuples():
            value = f" [{row.value}]" if row.value else ""
            lines.append(f"    - {row.file}{value}: {row.issue} -> {row.action}")
    return "\n".join(lines)


def processed_schema_markdown() -> str:
    """The processed-table section of data/README.md, generated from the schemas."""
    parts = []
    for name, schema in PROCESSED_SCHEMAS.items():
        parts.append(f"### `{name}`\n\n| column | type | meaning |\n| --- | --- | --- |")
        for col, spec in schema.columns.items():
            parts.append(f"| `{col}` | {_type_name(spec)} | {spec.description or ''} |")
        if schema.unique:
            parts.append(f"\nOne row per `{', '.join(schema.unique)}`.")
        parts.append("")
    return "\n".join(parts).strip() + "\n"


def update_data_readme(path: Path = PROJECT_ROOT / "data" / "README.md") -> bool:
    """Rewrite the generated part of data/README.md; True if it changed."""
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- processed-schema:start -->", "<!-- processed-schema:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{processed_schema_markdown()}{end}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "check", "schema-docs"])
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR)
    parser.add_argument("--processed-dir", type=Path, default=PROCESSED_DIR)
    parser.add_argument("--outputs-dir", type=Path, default=OUTPUTS_DIR)
    parser.add_argument("--responses-dir", type=Path, default=None,  # issue 12
                        help="respondent-level survey files (default: <raw-dir>/responses)")
    parser.add_argument("--quiet", action="store_true", help="print only the issue counts")
    parser.add_argument("--traceback", action="store_true",
                        help="show the Python traceback of an unexpected error in the cleaning")
    args = parser.parse_args(argv)
    try:
        if args.command == "schema-docs":
            changed = update_data_readme()
            print("data/README.md updated" if changed else "data/README.md already up to date")
            return 0
        if args.command == "check":
            load_raw(args.raw_dir)
            print(f"{args.raw_dir}: all {len(RAW_TABLES)} raw tables valid")
            return 0
        result = build(args.raw_dir, args.processed_dir, args.outputs_dir, args.responses_dir)
    except BuildError as err:
        for line in problem_lines(err.problems):
            print(line, file=sys.stderr)
        if not isinstance(err, PreflightError):  # a preflight failure is its own one line
            print(f"build stopped: {len(err.problems)} problem(s) in {err.stage}; "
                  f"{_display(Path(args.processed_dir))} left unchanged", file=sys.stderr)
        return 1
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as err:
        if args.traceback:
            raise
        # The raw contract should make this unreachable: a cleaning bug, said in one line.
        print(f"error: lib/evaluation.py: expected the cleaning to finish ({type(err).__name__}: "
              f"{_short(str(err), 200)}); a bug, rerun with --traceback to see where", file=sys.stderr)
        print(f"build stopped: 1 problem(s) in the cleaning; "
              f"{_display(Path(args.processed_dir))} left unchanged", file=sys.stderr)
        return 1
    except OSError as err:  # a write failing after the preflight passed
        print(f"error: {err.filename or args.processed_dir}: expected a writable file "
              f"({err.strerror or err}); {_display(Path(args.processed_dir))} left unchanged",
              file=sys.stderr)
        return 1
    summary = quality_summary(result.issues)
    print(summary.splitlines()[0] if args.quiet else summary)
    print(f"wrote {len(result.tables)} tables to {_display(Path(args.processed_dir))} and "
          f"{_display(Path(args.outputs_dir) / QUALITY_LOG_NAME)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
