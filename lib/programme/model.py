"""The programme definition as typed, immutable objects, with lookup helpers.

Built only by :mod:`lib.programme.schema` from a validated definition file.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lib.programme.names import authority_spellings, match_authority, rank_authorities


class UnknownNameError(ValueError):
    """A printed name that matches nothing in the definition (with close matches)."""

    def __init__(
        self, kind: str, name: str, suggestions: list[str], known: list[str], *, say_none: bool = False
    ):
        self.kind, self.name, self.suggestions = kind, name, suggestions
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        hint = hint or ("; no close match" if say_none else "")
        super().__init__(f"unknown {kind} {name!r}{hint} (expected one of {len(known)}: {', '.join(known)})")


# --------------------------------------------------------------------------
# The typed, immutable definition
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Year:
    id: str  # "2011-12"
    key: str  # "year_one"
    label: str  # "2011-12 (year one)"
    spellings: tuple[str, ...]


@dataclass(frozen=True)
class SourceDocument:
    id: str
    file: str
    title: str


@dataclass(frozen=True)
class Authority:
    id: str
    name: str
    spellings: tuple[str, ...]
    case_study: str | None  # source document id of its case study
    #: Spellings that are another place's name, read as this authority only by inference.
    identified_as: tuple[str, ...] = ()
    identification: str = ""  # the reasoning for reading them so


@dataclass(frozen=True)
class Item:
    """A labelled thing with an id and optional extra printed spellings."""

    id: str
    label: str
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceStatus:
    id: str
    code: str  # printed in tables and charts
    label: str
    colour: str
    text_colour: str


@dataclass(frozen=True)
class PrintedCode:
    printed: str
    status: str
    in_printed_legend: bool
    basis: str


@dataclass(frozen=True)
class EvidenceInference:
    """A status for a lost glyph, from a positive statement in another source.

    ``statement`` is the source's own words and ``source`` where they are
    (``<file> § <section>``). There is no "every other authority" form:
    absence from a list is never evidence (data/notes/caveats.md, inference rule).
    """

    item: str
    authority: str
    status: str
    statement: str
    source: str
    reading: str

    @property
    def basis(self) -> str:
        return f"inferred: {self.reading} ('{self.statement}', {self.source})"


@dataclass(frozen=True)
class NotInferred:
    """Why a lost glyph stays unrecorded although a source seems to speak to it."""

    item: str
    authority: str | None  # None: every lost glyph of the item
    reason: str


@dataclass(frozen=True)
class Completeness:
    """Keys a source prints for one raw file (its layout), each needing a raw row.

    ``keys`` are printed text, compared with the raw values after folding case,
    curly apostrophes and runs of spaces.
    """

    file: str
    columns: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]
    printed: str


@dataclass(frozen=True)
class Measure:
    id: str
    label: str
    pattern: str
    kind: str
    names: str = ""  # words naming the measure in a cell (regex): a cell naming it must print its figure


@dataclass(frozen=True)
class ActivityMeasure:
    printed: str
    id: str
    label: str


@dataclass(frozen=True)
class Phase:
    id: str
    spellings: tuple[str, ...]


@dataclass(frozen=True)
class Sector:
    id: str
    label: str  # processed tables
    title: str  # headings and explorer options
    phrase: str  # running text ("VCS respondents")
    claim_word: str  # claim audit ("VCS")
    spellings: tuple[str, ...]
    in_explorer: bool


@dataclass(frozen=True)
class RespondentGroup:
    id: str
    spellings: tuple[str, ...]
    phrase: str | None
    in_sector_total: bool


@dataclass(frozen=True)
class Question:
    id: str
    number: int
    label: str
    explorer_label: str
    base: str  # "respondents" or "comments"
    printed_prefix: str | None
    claim_label: str = ""  # how the claim audit names it ("local authority role (Q4)")

    @property
    def claim_words(self) -> str:
        return self.claim_label or f"{self.id.replace('_', ' ')} (Q{self.number})"


@dataclass(frozen=True)
class UnderstandingItem:
    id: str
    label: str
    chart_title: str
    note: str


@dataclass(frozen=True)
class CaseStudyGroup:
    id: str
    contains: str  # folded text a printed group name includes


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    keyword: str


class ProgrammeDefinitionError(Exception):
    """The definition file is unreadable or breaks the schema; one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))

    def lines(self) -> list[str]:
        """What a rejected definition prints: one line per problem, then the count."""
        return [*self.problems, f"definition rejected: {len(self.problems)} problem(s)"]

    def _render_traceback_(self) -> list[str]:
        """In a notebook (IPython), the problem lines instead of a traceback; the cell still fails."""
        return self.lines()


@dataclass(frozen=True)
class GlossaryTerm:
    """A word this programme's pages use, with its meaning for readers (the glossary page)."""

    term: str
    meaning: str
    source: str = ""  # where the meaning comes from: a source document id, or ""


#: The survey's four tables: a programme has all of them or none (its before/after survey).
SURVEY_TABLES: tuple[str, ...] = (
    "survey_respondents.csv",
    "survey_understanding.csv",
    "survey_impacts.csv",
    "survey_comment_shares.csv",
)

#: The evidence sources, as readers name them, and the raw tables each is made of: a programme
#: needs at least one (a table of one of them in ``optional_tables``). An evidence source
#: records what the programme's authorities produced, did or reported: the evidence matrix,
#: the before/after survey, the KPI table or the case studies. The rest describe the
#: programme (its statements, guidance, claims) or its authorities (profiles, mentions).
EVIDENCE_SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the evidence matrix", ("evidence_matrix.csv",)),
    ("the survey", SURVEY_TABLES),
    ("the KPI table", ("kpi_table.csv",)),
    (
        "the case studies",
        (
            "case_study_facts.csv",
            "case_study_challenges.csv",
            "case_study_proposals.csv",
            "case_study_impacts.csv",
            "case_study_sections.csv",
        ),
    ),
)

#: Raw tables a programme may lack (``optional_tables`` lists those it has). Only the
#: authorities' membership is always required, with at least one evidence source
#: (:data:`EVIDENCE_SOURCES`).
OPTIONAL_TABLES: tuple[str, ...] = (
    "evidence_matrix.csv",
    "survey_respondents.csv",
    "survey_understanding.csv",
    "survey_impacts.csv",
    "survey_comment_shares.csv",
    "authority_profiles.csv",
    "kpi_table.csv",
    "programme_activity.csv",
    "practice_guidance.csv",
    "survey_stray_values.csv",
    "case_study_facts.csv",
    "case_study_challenges.csv",
    "case_study_proposals.csv",
    "case_study_impacts.csv",
    "case_study_sections.csv",
    "published_claims.csv",
    "commissioning_cycle.csv",
    "good_practice_checklist.csv",
    "programme_statements.csv",
    "evaluation_findings.csv",
    "authority_mentions.csv",
)


@dataclass(frozen=True)
class Programme:
    """One programme's definition. Lists keep the order the sources print."""

    path: Path
    id: str
    name: str
    years: tuple[Year, ...]
    source_documents: tuple[SourceDocument, ...]
    authorities: tuple[Authority, ...]
    evidence_items: tuple[Item, ...]
    evidence_statuses: tuple[EvidenceStatus, ...]
    printed_codes: tuple[PrintedCode, ...]
    not_printed: PrintedCode
    evidence_inferences: tuple[EvidenceInference, ...]
    evidence_not_inferred: tuple[NotInferred, ...]
    profile_questions: tuple[Item, ...]
    kpis: tuple[Item, ...]
    kpi_measures: tuple[Measure, ...]
    activity_measures: tuple[ActivityMeasure, ...]
    phases: tuple[Phase, ...]
    sectors: tuple[Sector, ...]
    respondent_groups: tuple[RespondentGroup, ...]
    questions: tuple[Question, ...]
    understanding_items: tuple[UnderstandingItem, ...]
    impacts: tuple[Item, ...]
    lost_label: str
    case_study_groups: tuple[CaseStudyGroup, ...]
    themes: tuple[Item, ...]
    vision_suffix: str
    vision_theme: str
    stages: tuple[Stage, ...]
    guidance_stage_columns: tuple[tuple[str, str], ...]
    statement_topics: tuple[Item, ...] = ()
    all_years_phrases: tuple[str, ...] = ()
    case_study_sections: tuple[Item, ...] = ()
    completeness: tuple[Completeness, ...] = ()
    never_inferred: tuple[str, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()
    #: Programme words readers meet on its pages (abbreviations, names), for the glossary page.
    glossary: tuple[GlossaryTerm, ...] = ()
    #: the optional raw tables this programme has (:data:`OPTIONAL_TABLES`)
    optional_tables: tuple[str, ...] = OPTIONAL_TABLES
    chart_questions: tuple[tuple[str, str], ...] = ()
    #: Respondent-level response files: the answer scale and extra spellings.
    response_scale: tuple[int, int] = (1, 7)
    #: The sectors whose attitudes the programme sought to change (the success judgement): (id, label).
    success_sectors: tuple[tuple[str, str], ...] = ()
    response_scale_labels: tuple[tuple[str, int], ...] = ()
    response_sector_spellings: tuple[tuple[str, str], ...] = ()
    response_phase_spellings: tuple[tuple[str, str], ...] = ()
    #: The first scale point that counts as "confident" (None: the first point above the midpoint).
    response_confident_from: int | None = None
    #: The evaluation plan (``plan.yaml`` beside the definition), None when the folder has none.
    evaluation_plan: Any = None  # a lib.programme.plan.Plan (not imported: the plan module reads this one's)

    @property
    def plan(self) -> Any:
        """The evaluation plan; a programme without ``plan.yaml`` cannot be judged (one-line error)."""
        if self.evaluation_plan is None:
            raise ProgrammeDefinitionError(
                [
                    f"error: {self.path.parent / 'plan.yaml'}: missing; every judged programme needs an evaluation plan"
                ]
            )
        return self.evaluation_plan

    # ---- lookups -----------------------------------------------------------

    def authority_id(self, printed: str) -> str:
        """Any printed spelling of an authority -> its id: a spelling the definition
        lists, else the generic rules of :mod:`lib.programme.names` ("Kent County
        Council", "LB Hillingdon"); an unknown name is an error with the candidates
        that share its words, or "no close match"."""
        key = name_key(printed)
        found = authority_keys(self).get(key) or match_authority(
            printed, authority_spellings(self.authorities)
        )
        if found:
            return found
        names = {a.id: a.name for a in self.authorities}
        suggestions = [names[a] for a in rank_authorities(printed, authority_spellings(self.authorities))]
        raise UnknownNameError("authority", printed, suggestions, list(names.values()), say_none=True)

    def is_known_authority(self, printed: str) -> bool:
        return name_key(printed) in authority_keys(self) or bool(
            match_authority(printed, authority_spellings(self.authorities))
        )

    def source_file(self, document_id: str) -> str:
        return _lookup("source document", document_id, {d.id: d.file for d in self.source_documents})

    def year_id(self, printed: str) -> str:
        return _lookup(
            "programme year",
            printed,
            {k: y.id for y in self.years for k in (spaced_key(y.id), *map(spaced_key, y.spellings))},
            spaced_key,
        )

    def phase_id(self, printed: str) -> str:
        return _lookup(
            "survey phase",
            printed,
            {spaced_key(s): p.id for p in self.phases for s in p.spellings},
            spaced_key,
        )

    def sector_id(self, printed: str) -> str:
        return _lookup(
            "survey sector",
            printed,
            {k: s.id for s in self.sectors for k in (spaced_key(s.id), *map(spaced_key, s.spellings))},
            spaced_key,
        )

    def respondent_group(self, printed: str) -> str:
        return _lookup(
            "respondent group",
            printed,
            {spaced_key(sp): g.id for g in self.respondent_groups for sp in g.spellings},
            spaced_key,
        )

    def evidence_item_id(self, printed: str) -> str:
        return _lookup(
            "evidence item",
            printed,
            {slug_key(k): i.id for i in self.evidence_items for k in (i.id, i.label, *i.spellings)},
            slug_key,
        )

    def impact_id(self, printed: str) -> str:
        return _lookup(
            "impact", printed, {spaced_key(k): i.id for i in self.impacts for k in i.spellings}, spaced_key
        )

    def case_study_group(self, printed: str) -> str:
        key = spaced_key(printed)
        for group in self.case_study_groups:
            if group.contains in key:
                return group.id
        known = [g.contains for g in self.case_study_groups]
        raise UnknownNameError("case study participant group", printed, _close(key, known), known)

    def theme_id(self, printed: str) -> str:
        key = spaced_key(printed)
        if self.vision_suffix and key.endswith(self.vision_suffix.casefold()):
            return self.vision_theme
        return _lookup(
            "theme",
            printed,
            {spaced_key(k): t.id for t in self.themes for k in (t.label, *t.spellings)},
            spaced_key,
        )

    def stage_id(self, printed: str) -> str:
        key = spaced_key(printed).removeprefix("the ")
        for stage in self.stages:
            if key.startswith(stage.keyword):
                return stage.id
        raise UnknownNameError(
            "commissioning stage",
            printed,
            _close(key, [s.keyword for s in self.stages]),
            [s.keyword for s in self.stages],
        )

    def chart_question(self, which: str) -> Question:
        """The question whose charts hold the ``understanding`` items or the ``impacts`` items.

        Named in ``survey.chart_questions``; by default the first and second
        questions (by number) asked of respondents.
        """
        named = dict(self.chart_questions).get(which)
        asked = sorted((q for q in self.questions if q.base == "respondents"), key=lambda q: q.number)
        if named is None:
            position = {"understanding": 0, "impacts": 1}[which]
            return asked[min(position, len(asked) - 1)]
        return next(q for q in self.questions if q.id == named)

    def note(self, key: str, default: str = "") -> str:
        """A sentence of this programme's sources the quality log quotes (``notes``), else ``default``."""
        return dict(self.notes).get(key, default)

    def has_table(self, file: str) -> bool:
        """Whether the programme has this raw table: every required one, and the optional
        tables its definition lists (``optional_tables``)."""
        return file not in OPTIONAL_TABLES or file in self.optional_tables

    @property
    def has_survey(self) -> bool:
        """Whether the programme has a survey (its four tables come all together or not at all)."""
        return self.has_table(SURVEY_TABLES[0])

    def completeness_for(self, file: str) -> tuple[Completeness, ...]:
        """The printed layouts the definition declares for one raw file."""
        return tuple(c for c in self.completeness if c.file == file)

    @property
    def case_study_authorities(self) -> frozenset[str]:
        return frozenset(a.id for a in self.authorities if a.case_study)


# --------------------------------------------------------------------------
# Name folding (authority names also match through lib/programme/names.py)
# --------------------------------------------------------------------------


def name_key(name: str) -> str:
    """Authority names: NFKC, case, dots and hyphens as spaces, runs of spaces."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    text = text.replace(".", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def spaced_key(text: str) -> str:
    """Other vocabulary: curly apostrophes straightened, case and runs of spaces folded."""
    return re.sub(r"\s+", " ", str(text).replace("\u2019", "'")).strip().casefold()


def slugify(text: str) -> str:
    """The one slug rule: accents dropped (``Café`` -> ``cafe``), apostrophes
    removed (``partners'`` -> ``partners``), case folded, runs of anything but
    letters and digits joined by ``_``."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"['’]", "", text.casefold())
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


#: Evidence item labels are matched by their slug.
slug_key = slugify


def _close(name: str, candidates: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(str(name), list(dict.fromkeys(candidates)), n=3, cutoff=0.6)


def _lookup(kind: str, printed: str, table: dict[str, Any], key: Callable[[str], str] = str) -> Any:
    k = key(printed)
    if k in table:
        return table[k]
    raise UnknownNameError(kind, printed, _close(k, table), sorted(table))


@cache
def _authority_keys_cached(authorities: tuple[Authority, ...]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for a in authorities:
        for spelling in (a.id, a.name, *a.spellings):
            keys[name_key(spelling)] = a.id
    return keys


def authority_keys(programme: Programme) -> dict[str, str]:
    return _authority_keys_cached(programme.authorities)
