"""The processed tables, read once, and the programme's vocabulary in reader's words.

Nothing here names this programme: years, sectors, questions, evidence
statuses and source documents come from the programme definition
(:mod:`lib.programme`) or from the processed tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from lib import evaluation, programme
from lib.analysis import results, uncertainty
from lib.config import CAVEATS_PAGE, PROCESSED_DIR, PROJECT_ROOT, QUALITY_LOG_NAME

#: Workbook vocabulary (not programme vocabulary): a value the sources do not state.
UNRECORDED = evaluation.UNRECORDED
#: Profile question and KPI holding the programme's activity (schema ids, not programme vocabulary).
ACTIVITY = "programme_activity"

QUALITY_LOG_PAGE = QUALITY_LOG_NAME


class UnknownAuthority(ValueError):
    """An authority id that is not in authorities.csv."""


@dataclass
class Workbook:
    """The processed tables, read once, with the derived survey statistics."""

    tables: dict[str, pd.DataFrame]
    processed_dir: Path

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def has(self, table: str) -> bool:
        """Whether the programme has rows in this processed table (``kpis``, ``claims`` ...):
        an optional raw table it lacks gives an empty one, with the schema's columns."""
        frame = self.__dict__.get("tables", {}).get(table)
        return frame is not None and not frame.empty

    @cached_property
    def programme(self) -> programme.Programme:
        """The programme definition in force ($EVAL_PROGRAMME or this programme's file)."""
        return programme.current_programme()

    @cached_property
    def bases(self) -> pd.DataFrame:
        return uncertainty.approximate_bases(self.survey_respondents)

    @cached_property
    def changes(self) -> pd.DataFrame:
        return uncertainty.before_after_changes(self.survey, self.bases)

    @property
    def n_authorities(self) -> int:
        return len(self.authorities)

    @property
    def n_evidence_items(self) -> int:
        return int(self.evidence["evidence_item"].nunique())

    @cached_property
    def _authority_rows(self) -> dict[str, pd.Series]:
        return {r["authority_id"]: r for _, r in self.authorities.iterrows()}

    def authority_row(self, authority_id: str) -> pd.Series:
        try:
            return self._authority_rows[authority_id]
        except KeyError:
            valid = ", ".join(self.authorities["authority_id"])
            raise UnknownAuthority(f"unknown authority {authority_id!r}; valid ids: {valid}") from None

    def name(self, authority_id: str) -> str:
        return str(self.authority_row(authority_id)["authority"])

    def authorities_a_to_z(self) -> pd.DataFrame:
        """The authorities table sorted A to Z by folded name (:func:`lib.programme.a_to_z_key`)."""
        order = sorted(
            range(len(self.authorities)),
            key=lambda i: programme.a_to_z_key(str(self.authorities["authority"].iloc[i])),
        )
        return self.authorities.iloc[order]


#: What each kind of data-quality issue the cleaning logs (the ``check`` column of the log) is
#: called for a reader: the one home of these words (the data-quality table prints them; the
#: log's CSV keeps the ids). A test checks every kind the sources can log has its words here.
QUALITY_CHECK_LABELS = {
    "ambiguous_chart": "Two charts with near-identical titles",
    "base_unstated": "Number of respondents not stated",
    "bounded_count": "Count given only as a bound",
    "code_not_in_legend": "Mark not explained in the table's key",
    "doubtful_alignment": "Statement may answer a different question",
    "empty_cell": "Cell left blank",
    "float_noise": "Tiny conversion errors in chart values",
    "identification_inference": "Place name read as a programme authority (an inference)",
    "label_variant": "Same label worded differently",
    "lost_glyph": "Table marks lost when the text was extracted",
    "membership_unstated": "Programme year not stated",
    "membership_weak_basis": "Programme year resting on one weak statement",
    "missing_profile_rows": "Profile answers missing",
    "qualitative_kpi": "Measure reported in words only",
    "rounding_total": "Shares not adding to 100% (rounding)",
    "shares_do_not_sum": "Shares far from adding to 100%",
    "spelling_variant": "Name spelled differently",
    "stray_value": "Value printed without a label",
    "stray_whitespace": "Stray spaces around codes",
    "truncated_row": "Table row cut short",
    "typo": "Typing error",
    "values_labels_mismatch": "Values and labels that do not pair up",
    "year_inference": "Programme year read from a date or phrase (an inference)",
    # respondent-level response files and the coders' codes
    "code_unknown_answer": "Code for an answer that is not in the answers file",
    "response_duplicate": "Response row repeated exactly",
    "response_invalid_answer": "Answer outside the question's scale",
    "response_phase_conflict": "Before/after column disagrees with the file name",
    "response_repeated_reference": "Respondent reference used twice in one phase",
    "response_unknown_authority": "Authority name not recognised",
    "response_unknown_column": "Column the response format does not define",
    "response_unknown_group": "Respondent group not recognised",
    "response_unknown_phase": "Before/after not recognised",
    "response_unknown_sector": "Sector not recognised",
}


def quality_check_label(check: str) -> str:
    """The reader's words for one kind of data-quality issue (:data:`QUALITY_CHECK_LABELS`);
    a kind without words stops with one line naming it."""
    if check not in QUALITY_CHECK_LABELS:
        raise ValueError(
            f"data-quality log: check {check!r} has no reader label "
            "(expected a key of lib/report/workbook.py QUALITY_CHECK_LABELS)"
        )
    return QUALITY_CHECK_LABELS[check]


def load_workbook(processed_dir: str | Path = PROCESSED_DIR) -> Workbook:
    path = Path(processed_dir)
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    tables = evaluation.load_processed(path)
    # Every judgement, computed once per data version by the analysis step: a batch writes them
    # before any kernel starts; a folder built by hand without them gets them here, once.
    results.ensure_results(path)
    tables.update(results.load_results(path))
    log = path / QUALITY_LOG_NAME
    tables["quality_log"] = (
        pd.read_csv(log, dtype=str, keep_default_na=False)
        if log.exists()
        else pd.DataFrame(columns=evaluation.QUALITY_LOG_COLUMNS)
    )
    return Workbook(tables, path)


# --------------------------------------------------------------------------
# The programme's vocabulary in reader's words
# --------------------------------------------------------------------------


def programme_name(wb: Workbook) -> str:
    return wb.programme.name


def years(wb: Workbook) -> list[str]:
    """Programme year ids in order."""
    return [y.id for y in wb.programme.years]


def year_label(wb: Workbook, year: str) -> str:
    return {y.id: y.label for y in wb.programme.years}.get(year, year)


def period(wb: Workbook) -> str:
    """``'2011-13'``: the first year's start to the last year's end, as the ids print them."""
    ids = years(wb)
    first, last = ids[0], ids[-1]
    return f"{first.split('-')[0]}-{last.split('-')[-1]}" if "-" in first and "-" in last else first


def sector(wb: Workbook, sector_id: str) -> programme.Sector:
    for s in wb.programme.sectors:
        if s.id == sector_id:
            return s
    raise KeyError(sector_id)


def sector_phrase(wb: Workbook, sector_id: str) -> str:
    """Running text: ``'VCS respondents'``; a respondent group that is not a
    survey sector (e.g. local authority staff) by its own phrase."""
    for s in wb.programme.sectors:
        if s.id == sector_id:
            return s.phrase
    for g in wb.programme.respondent_groups:
        if g.id == sector_id and g.phrase:
            return g.phrase
    raise KeyError(sector_id)


def phase_word(wb: Workbook, phase_id: str) -> str:
    """How a phase reads in running text: its first spelling in the definition ("before")."""
    return next((p.spellings[0] for p in wb.programme.phases if p.id == phase_id and p.spellings), phase_id)


def sector_title(wb: Workbook, sector_id: str) -> str:
    """Headings: ``'VCS respondents'``, ``"Children's centre respondents"``."""
    return sector(wb, sector_id).title


def sector_order(wb: Workbook) -> dict[str, int]:
    return {s.id: i for i, s in enumerate(wb.programme.sectors)}


def explorer_sectors(wb: Workbook) -> list[str]:
    """The sectors a reader can choose between (the programme's own, not the total)."""
    return [s.id for s in wb.programme.sectors if s.in_explorer]


def question_label(wb: Workbook, question: str) -> str:
    return {q.id: q.explorer_label for q in wb.programme.questions}[question]


def understanding_question(wb: Workbook) -> str | None:
    """The question whose items are the programme's understanding items (in the survey table)."""
    return _question_of(wb, {i.id for i in wb.programme.understanding_items})


def impacts_question(wb: Workbook) -> str | None:
    """The question whose items are the programme's impact items (in the survey table)."""
    return _question_of(wb, {i.id for i in wb.programme.impacts})


def comment_questions(wb: Workbook) -> list[str]:
    """Questions answered as shares of comments, in definition order, that the survey table holds."""
    present = set(wb.survey["question"])
    return [q.id for q in wb.programme.questions if q.base == "comments" and q.id in present]


def _question_of(wb: Workbook, items: set[str]) -> str | None:
    rows = wb.survey[wb.survey["item"].isin(items)]
    return None if rows.empty else str(rows["question"].iloc[0])


def understanding_item(wb: Workbook, index: int = 0) -> str | None:
    items = [i.id for i in wb.programme.understanding_items]
    return items[index] if len(items) > index else None


def evidence_item_labels(wb: Workbook) -> list[str]:
    return [i.label for i in wb.programme.evidence_items]


def source_title(wb: Workbook, role: str) -> str:
    """How reports name the source document with this role (``'survey_report'``): its title."""
    return next((d.title for d in wb.programme.source_documents if d.id == role), "source")


def source_doc(wb: Workbook, source: str) -> str:
    """``'002_....txt § 6 KPI'`` -> ``'programme report (002), § 6 KPI'``."""
    names = {d.file: d.title for d in wb.programme.source_documents}
    file, _, section = source.partition(" § ")
    return f"{names.get(file, file)} ({file[:3]}), § {section}" if section else names.get(file, file)


def inference_source(wb: Workbook, basis: str) -> str:
    """The document an inferred status rests on, in reader's words ("the survey report (004), § 2")."""
    found = re.findall(r"(\d{3}_[0-9a-f]{16}\.txt § [^)]+)\)", basis)  # the cited source, then any notes
    return f"the {source_doc(wb, found[-1])}" if found else "another document"


def authority_years(authority: pd.Series) -> list[str]:
    """The programme years an authority row states; [] when unrecorded."""
    value = authority["years"]
    return [] if value == UNRECORDED else value.split(";")


#: A participation flag (:func:`lib.report.facts.participation_flags`) for a year only an inference
#: gives: read from a date or phrase, never stated (drawn and counted apart from a stated "yes").
INFERRED_YEAR = "yes (inferred)"


def authority_inferred_years(authority: pd.Series) -> list[str]:
    """The years of an authority row only an inference gives (read from a date or phrase,
    never stated: its ``years_inferred``); [] when every year is stated."""
    value = str(authority.get("years_inferred", "") or "")
    return [y for y in value.split(";") if y]


def profile_answer(wb: Workbook, authority_id: str, question: str) -> pd.Series | None:
    """The authority's row of the profile table for one question, or None."""
    rows = wb.profiles[(wb.profiles["authority_id"] == authority_id) & (wb.profiles["question"] == question)]
    return None if rows.empty else rows.iloc[0]


__all__ = ["CAVEATS_PAGE", "QUALITY_LOG_PAGE", "UNRECORDED", "UnknownAuthority", "Workbook", "load_workbook"]


def question_topic(wb: Workbook, question: str) -> str:
    """A question's reader label without its number: 'Understanding of co-production'."""
    return re.sub(r"\s*\(Q\d+\)$", "", question_label(wb, question))


def questions(wb: Workbook) -> list[tuple[str, str]]:
    """``(label, question id)`` for every question of the survey sections, in their order: the
    understanding question, the impacts question, then the comment questions (the explorer
    offers the same, in the questionnaire's order)."""
    ids = [q for q in (understanding_question(wb), impacts_question(wb)) if q] + comment_questions(wb)
    return [(question_label(wb, q), q) for q in ids]


def sectors(wb: Workbook) -> list[tuple[str, str]]:
    """``(label, sector id)`` for every sector a reader can choose."""
    return [(sector_title(wb, s), s) for s in explorer_sectors(wb)]


def both_sectors(wb: Workbook) -> frozenset[str]:
    """Questions whose view does not depend on the sector (it shows both)."""
    return frozenset({understanding_question(wb)} - {None})
