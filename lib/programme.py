"""The programme definition: this programme's vocabulary as data.

Everything the workbook knows about *which* programme it evaluates (its
authorities and their spellings, evidence items and legend, survey phases,
sectors, questions and items, KPIs, themes, commissioning stages and source
documents) lives in a YAML file under ``data/programme/``, not in code. This
module reads it once, checks it at the boundary and returns an immutable,
typed :class:`Programme` with lookup helpers.

Which definition is used: the ``EVAL_PROGRAMME`` environment variable (a path
to a definition file), else ``data/programme/definition.yaml``.

A bad definition stops with one line per problem and no traceback::

    $ python -m lib.programme check path/to/definition.yaml
    error: path/to/definition.yaml, key authorities[3].id: value 'Bad Id': expected a lowercase slug ...
    definition rejected: 1 problem(s)
"""

from __future__ import annotations

import difflib
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEFINITION = PROJECT_ROOT / "data" / "programme" / "definition.yaml"
PROGRAMME_ENV_VAR = "EVAL_PROGRAMME"
SCHEMA_VERSION = 1

_AUTHORITY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_ID = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_SOURCE_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class ProgrammeDefinitionError(Exception):
    """The definition file is unreadable or breaks the schema; one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class UnknownNameError(ValueError):
    """A printed name that matches nothing in the definition (with close matches)."""

    def __init__(self, kind: str, name: str, suggestions: list[str], known: list[str]):
        self.kind, self.name, self.suggestions = kind, name, suggestions
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
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
    item: str
    authority: str | None  # None: every authority not named by another inference for the item
    status: str
    basis: str


@dataclass(frozen=True)
class Measure:
    id: str
    label: str
    pattern: str
    kind: str


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


@dataclass(frozen=True)
class UnderstandingItem:
    id: str
    label: str
    chart_title: str
    note: str


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    keyword: str


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
    themes: tuple[Item, ...]
    vision_suffix: str
    vision_theme: str
    stages: tuple[Stage, ...]
    guidance_stage_columns: tuple[tuple[str, str], ...]

    # ---- lookups -----------------------------------------------------------

    def authority(self, id_: str) -> Authority:
        for a in self.authorities:
            if a.id == id_:
                return a
        raise UnknownNameError("authority id", id_, _close(id_, [a.id for a in self.authorities]),
                               [a.id for a in self.authorities])

    def authority_id(self, printed: str) -> str:
        """Any printed spelling of an authority -> its id (close matches suggested)."""
        keys = _authority_keys(self)
        key = name_key(printed)
        if key in keys:
            return keys[key]
        names = [a.name for a in self.authorities]
        raise UnknownNameError("authority", printed, _close(printed, names + list(keys)), names)

    def is_known_authority(self, printed: str) -> bool:
        return name_key(printed) in _authority_keys(self)

    def source_file(self, document_id: str) -> str:
        return _lookup("source document", document_id, {d.id: d.file for d in self.source_documents})

    def year_id(self, printed: str) -> str:
        return _lookup("programme year", printed, {
            k: y.id for y in self.years for k in (spaced_key(y.id), *map(spaced_key, y.spellings))}, spaced_key)

    def phase_id(self, printed: str) -> str:
        return _lookup("survey phase", printed, {spaced_key(s): p.id for p in self.phases for s in p.spellings},
                       spaced_key)

    def sector_id(self, printed: str) -> str:
        return _lookup("survey sector", printed, {
            k: s.id for s in self.sectors for k in (spaced_key(s.id), *map(spaced_key, s.spellings))}, spaced_key)

    def respondent_group(self, printed: str) -> str:
        return _lookup("respondent group", printed, {
            spaced_key(sp): g.id for g in self.respondent_groups for sp in g.spellings}, spaced_key)

    def evidence_item_id(self, printed: str) -> str:
        return _lookup("evidence item", printed, {
            slug_key(k): i.id for i in self.evidence_items for k in (i.id, i.label, *i.spellings)}, slug_key)

    def impact_id(self, printed: str) -> str:
        return _lookup("impact", printed, {spaced_key(k): i.id for i in self.impacts for k in i.spellings},
                       spaced_key)

    def theme_id(self, printed: str) -> str:
        key = spaced_key(printed)
        if key.endswith(self.vision_suffix.casefold()):
            return self.vision_theme
        return _lookup("theme", printed, {
            spaced_key(k): t.id for t in self.themes for k in (t.label, *t.spellings)}, spaced_key)

    def stage_id(self, printed: str) -> str:
        key = spaced_key(printed).removeprefix("the ")
        for stage in self.stages:
            if key.startswith(stage.keyword):
                return stage.id
        raise UnknownNameError("commissioning stage", printed, _close(key, [s.keyword for s in self.stages]),
                               [s.keyword for s in self.stages])

    def status(self, id_: str) -> EvidenceStatus:
        return _lookup("evidence status", id_, {s.id: s for s in self.evidence_statuses})

    @property
    def case_study_authorities(self) -> frozenset[str]:
        return frozenset(a.id for a in self.authorities if a.case_study)


# --------------------------------------------------------------------------
# Name folding (the rules lib/evaluation.py applies today)
# --------------------------------------------------------------------------


def name_key(name: str) -> str:
    """Authority names: NFKC, case, dots and hyphens as spaces, runs of spaces."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    text = text.replace(".", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def spaced_key(text: str) -> str:
    """Other vocabulary: curly apostrophes straightened, case and runs of spaces folded."""
    return re.sub(r"\s+", " ", str(text).replace("\u2019", "'")).strip().casefold()


def slug_key(text: str) -> str:
    """Evidence item labels: lowercase words joined by '_' (accents dropped)."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


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


def _authority_keys(programme: Programme) -> dict[str, str]:
    return _authority_keys_cached(programme.authorities)


# --------------------------------------------------------------------------
# Loading and validation at the boundary
# --------------------------------------------------------------------------


class _Reader:
    """Walks the parsed YAML, collecting one line per problem (never stopping at the first)."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[str] = []

    def problem(self, path: str, value: object, expected: str) -> None:
        shown = "(missing)" if value is _MISSING else repr(value)
        self.problems.append(f"error: {self.file}, key {path}: value {shown}: expected {expected}")

    def get(self, node: Any, key: str, path: str, kind: type | tuple[type, ...], expected: str,
            *, optional: bool = False, default: Any = None) -> Any:
        here = f"{path}.{key}" if path else key
        if not isinstance(node, dict):
            return default
        if key not in node:
            if not optional:
                self.problem(here, _MISSING, expected)
            return default
        value = node[key]
        if kind is bool and not isinstance(value, bool) or not isinstance(value, kind):
            self.problem(here, value, expected)
            return default
        return value

    def text(self, node: Any, key: str, path: str, *, optional: bool = False, pattern: re.Pattern | None = None,
             expected: str = "non-empty text", allow_empty: bool = False) -> str | None:
        value = self.get(node, key, path, str, expected, optional=optional)
        if value is None:
            return None
        here = f"{path}.{key}" if path else key
        if (not allow_empty and not value.strip()) or (pattern is not None and not pattern.fullmatch(value)):
            self.problem(here, value, expected)
            return None
        return value

    def texts(self, node: Any, key: str, path: str) -> tuple[str, ...]:
        values = self.get(node, key, path, list, "a list of text", optional=True, default=[])
        out = []
        for i, v in enumerate(values):
            if isinstance(v, str):
                out.append(v)
            else:
                self.problem(f"{path}.{key}[{i}]", v, "text")
        return tuple(out)

    def items(self, node: Any, key: str, path: str, *, minimum: int = 1) -> list[tuple[str, dict]]:
        here = f"{path}.{key}" if path else key
        values = self.get(node, key, path, list, f"a list of at least {minimum} entries")
        if values is None:
            return []
        if len(values) < minimum:
            self.problem(here, values, f"a list of at least {minimum} entries")
        out = []
        for i, v in enumerate(values):
            if isinstance(v, dict):
                out.append((f"{here}[{i}]", v))
            else:
                self.problem(f"{here}[{i}]", v, "a mapping")
        return out

    def unique(self, what: str, entries: list[tuple[str, str | None]], key: Callable[[str], str] = str) -> None:
        seen: dict[str, str] = {}
        for path, value in entries:
            if value is None:
                continue
            k = key(value)
            if k in seen:
                self.problem(path, value, f"a {what} not already used at {seen[k]}")
            else:
                seen[k] = path

    def member(self, path: str, value: str | None, allowed: Iterable[str], what: str) -> None:
        allowed = list(allowed)
        if value is not None and value not in allowed:
            self.problem(path, value, f"{what} ({', '.join(allowed)})")


_MISSING = object()
_SLUG = "a lowercase id (a-z, 0-9, words joined by '_')"


def _item(r: _Reader, path: str, node: dict, pattern: re.Pattern = _ID) -> Item:
    return Item(
        id=r.text(node, "id", path, pattern=pattern, expected=_SLUG) or "",
        label=r.text(node, "label", path) or "",
        spellings=r.texts(node, "spellings", path),
    )


def parse_definition(data: Any, file: str) -> Programme:
    """Parsed YAML -> :class:`Programme`, or :class:`ProgrammeDefinitionError` listing every problem."""
    r = _Reader(file)
    if not isinstance(data, dict):
        raise ProgrammeDefinitionError([f"error: {file}: value {type(data).__name__}: expected a YAML mapping"])
    version = r.get(data, "schema_version", "", int, f"schema version {SCHEMA_VERSION}")
    if version is not None and version != SCHEMA_VERSION:
        r.problem("schema_version", version, f"schema version {SCHEMA_VERSION}")
    known = {"schema_version", "programme", "source_documents", "authorities", "evidence", "profile_questions",
             "kpis", "kpi_measures", "activity_measures", "survey", "themes", "commissioning"}
    for key in data:
        if key not in known:
            r.problem(str(key), data[key], f"one of the known keys ({', '.join(sorted(known))})")

    prog = r.get(data, "programme", "", dict, "a mapping with id, name and years", default={})
    years = tuple(
        Year(id=r.text(n, "id", p, pattern=re.compile(r"\d{4}-\d{2}"), expected="a year like '2011-12'") or "",
             key=r.text(n, "key", p, pattern=_ID, expected=_SLUG) or "",
             label=r.text(n, "label", p) or "", spellings=r.texts(n, "spellings", p))
        for p, n in r.items(prog, "years", "programme")
    )
    r.unique("year id", [(f"programme.years[{i}].id", y.id) for i, y in enumerate(years)])

    documents = tuple(
        SourceDocument(id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                       file=r.text(n, "file", p, pattern=_SOURCE_FILE,
                                   expected="a source file name like '002_<16 hex digits>.txt'") or "",
                       title=r.text(n, "title", p) or "")
        for p, n in r.items(data, "source_documents", "")
    )
    document_ids = [d.id for d in documents]

    authorities = []
    for p, n in r.items(data, "authorities", ""):
        case_study = r.text(n, "case_study", p, optional=True)
        r.member(f"{p}.case_study", case_study, document_ids, "a source document id")
        authorities.append(Authority(
            id=r.text(n, "id", p, pattern=_AUTHORITY_SLUG, expected="a lowercase slug (a-z, 0-9, '-')") or "",
            name=r.text(n, "name", p) or "", spellings=r.texts(n, "spellings", p), case_study=case_study))
    r.unique("authority id", [(f"authorities[{i}].id", a.id) for i, a in enumerate(authorities)])
    spellings = [(f"authorities[{i}].name", a.name) for i, a in enumerate(authorities)]
    spellings += [(f"authorities[{i}].spellings[{j}]", s) for i, a in enumerate(authorities)
                  for j, s in enumerate(a.spellings) if name_key(s) not in (name_key(a.name), name_key(a.id))]
    r.unique("spelling (after folding case, dots and hyphens)", spellings, name_key)
    authority_ids = [a.id for a in authorities]

    evidence = r.get(data, "evidence", "", dict, "a mapping", default={})
    items = tuple(_item(r, p, n) for p, n in r.items(evidence, "items", "evidence"))
    r.unique("evidence item id", [(f"evidence.items[{i}].id", x.id) for i, x in enumerate(items)])
    statuses = tuple(
        EvidenceStatus(id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                       code=r.text(n, "code", p) or "", label=r.text(n, "label", p) or "",
                       colour=r.text(n, "colour", p, pattern=_COLOUR, expected="a colour '#RRGGBB'") or "",
                       text_colour=r.text(n, "text_colour", p, pattern=_COLOUR, expected="a colour '#RRGGBB'") or "")
        for p, n in r.items(evidence, "statuses", "evidence")
    )
    status_ids = [s.id for s in statuses]
    r.unique("status id", [(f"evidence.statuses[{i}].id", s.id) for i, s in enumerate(statuses)])
    r.unique("printed status code", [(f"evidence.statuses[{i}].code", s.code) for i, s in enumerate(statuses)])

    def printed_code(p: str, n: dict, *, code_key: str = "printed") -> PrintedCode:
        status = r.text(n, "status", p)
        r.member(f"{p}.status", status, status_ids, "an evidence status id")
        return PrintedCode(printed=r.text(n, code_key, p, allow_empty=True, expected="text") or "",
                           status=status or "",
                           in_printed_legend=bool(r.get(n, "in_printed_legend", p, bool, "true or false",
                                                        optional=True, default=False)),
                           basis=r.text(n, "basis", p) or "")

    codes = tuple(printed_code(p, n) for p, n in r.items(evidence, "printed_codes", "evidence"))
    not_printed_node = r.get(evidence, "not_printed", "evidence", dict, "a mapping with status, code, basis",
                             default={})
    not_printed = printed_code("evidence.not_printed", not_printed_node, code_key="code")

    inferences = []
    for p, n in r.items(evidence, "inferences", "evidence", minimum=0):
        item, status = r.text(n, "item", p), r.text(n, "status", p)
        r.member(f"{p}.item", item, [x.id for x in items], "an evidence item id")
        r.member(f"{p}.status", status, status_ids, "an evidence status id")
        others = r.get(n, "other_authorities", p, bool, "true", optional=True, default=False)
        authority = None if others else r.text(n, "authority", p, expected="an authority id (or other_authorities: true)")
        r.member(f"{p}.authority", authority, authority_ids, "an authority id")
        inferences.append(EvidenceInference(item=item or "", authority=authority, status=status or "",
                                            basis=r.text(n, "basis", p) or ""))

    profile_questions = tuple(_item(r, p, n) for p, n in r.items(data, "profile_questions", ""))
    kpis = tuple(_item(r, p, n) for p, n in r.items(data, "kpis", ""))
    measures = []
    for p, n in r.items(data, "kpi_measures", "", minimum=0):
        pattern = r.text(n, "pattern", p)
        if pattern is not None:
            try:
                if re.compile(pattern).groups < 1:
                    r.problem(f"{p}.pattern", pattern, "a regular expression with a group for the value")
            except re.error as error:
                r.problem(f"{p}.pattern", pattern, f"a valid regular expression ({error})")
        kind = r.text(n, "kind", p)
        r.member(f"{p}.kind", kind, ["count", "proportion"], "a measure kind")
        measures.append(Measure(id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                                label=r.text(n, "label", p) or "", pattern=pattern or "", kind=kind or ""))
    activity = tuple(
        ActivityMeasure(printed=r.text(n, "printed", p) or "", id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                        label=r.text(n, "label", p) or "")
        for p, n in r.items(data, "activity_measures", "", minimum=0)
    )

    survey = r.get(data, "survey", "", dict, "a mapping", default={})
    phases = tuple(Phase(id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "", spellings=r.texts(n, "spellings", p))
                   for p, n in r.items(survey, "phases", "survey"))
    sectors = []
    for p, n in r.items(survey, "sectors", "survey"):
        sectors.append(Sector(
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "", label=r.text(n, "label", p) or "",
            title=r.text(n, "title", p) or "", phrase=r.text(n, "phrase", p) or "",
            claim_word=r.text(n, "claim_word", p) or "", spellings=r.texts(n, "spellings", p),
            in_explorer=bool(r.get(n, "in_explorer", p, bool, "true or false", optional=True, default=False))))
    groups = []
    for p, n in r.items(survey, "respondent_groups", "survey"):
        groups.append(RespondentGroup(
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "", spellings=r.texts(n, "spellings", p),
            phrase=r.text(n, "phrase", p, optional=True),
            in_sector_total=bool(r.get(n, "in_sector_total", p, bool, "true or false", optional=True,
                                       default=False))))
    questions = []
    for p, n in r.items(survey, "questions", "survey"):
        base = r.text(n, "base", p)
        r.member(f"{p}.base", base, ["respondents", "comments"], "what the shares are of")
        questions.append(Question(
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
            number=r.get(n, "number", p, int, "a whole question number", default=0),
            label=r.text(n, "label", p) or "", explorer_label=r.text(n, "explorer_label", p) or "",
            base=base or "", printed_prefix=r.text(n, "printed_prefix", p, optional=True)))
    understanding = tuple(
        UnderstandingItem(id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                          label=r.text(n, "label", p) or "", chart_title=r.text(n, "chart_title", p) or "",
                          note=r.text(n, "note", p) or "")
        for p, n in r.items(survey, "understanding_items", "survey", minimum=0)
    )
    impacts = tuple(_item(r, p, n) for p, n in r.items(survey, "impacts", "survey", minimum=0))
    for where, entries in [("survey.phases", phases), ("survey.sectors", sectors),
                           ("survey.respondent_groups", groups), ("survey.questions", questions),
                           ("survey.impacts", impacts)]:
        r.unique("id", [(f"{where}[{i}].id", e.id) for i, e in enumerate(entries)])
    for kind, entries in [("phase", [(f"survey.phases[{i}].spellings[{j}]", s)
                                     for i, ph in enumerate(phases) for j, s in enumerate(ph.spellings)]),
                          ("impact", [(f"survey.impacts[{i}].spellings[{j}]", s)
                                      for i, x in enumerate(impacts) for j, s in enumerate(x.spellings)])]:
        r.unique(f"{kind} spelling", entries, spaced_key)

    themes_node = r.get(data, "themes", "", dict, "a mapping", default={})
    themes = tuple(_item(r, p, n) for p, n in r.items(themes_node, "items", "themes"))
    vision = r.get(themes_node, "authority_vision", "themes", dict, "a mapping with suffix and theme",
                   optional=True, default={})
    vision_theme = r.text(vision, "theme", "themes.authority_vision", optional=True) if vision else None
    if vision_theme is not None:
        r.member("themes.authority_vision.theme", vision_theme, [t.id for t in themes], "a theme id")

    commissioning = r.get(data, "commissioning", "", dict, "a mapping", default={})
    stages = tuple(Stage(id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "", label=r.text(n, "label", p) or "",
                         keyword=r.text(n, "keyword", p) or "")
                   for p, n in r.items(commissioning, "stages", "commissioning", minimum=0))
    columns = []
    for p, n in r.items(commissioning, "guidance_stage_columns", "commissioning", minimum=0):
        stage = r.text(n, "stage", p)
        r.member(f"{p}.stage", stage, [s.id for s in stages], "a commissioning stage id")
        columns.append((r.text(n, "column", p) or "", stage or ""))

    if r.problems:
        raise ProgrammeDefinitionError(r.problems)
    return Programme(
        path=Path(file), id=r.text(prog, "id", "programme") or "", name=r.text(prog, "name", "programme") or "",
        years=years, source_documents=documents, authorities=tuple(authorities), evidence_items=items,
        evidence_statuses=statuses, printed_codes=codes, not_printed=not_printed,
        evidence_inferences=tuple(inferences), profile_questions=profile_questions, kpis=kpis,
        kpi_measures=tuple(measures), activity_measures=activity, phases=phases, sectors=tuple(sectors),
        respondent_groups=tuple(groups), questions=tuple(questions), understanding_items=understanding,
        impacts=impacts, lost_label=r.text(survey, "lost_label", "survey") or "", themes=themes,
        vision_suffix=(vision.get("suffix") or "") if vision else "", vision_theme=vision_theme or "",
        stages=stages, guidance_stage_columns=tuple(columns),
    )


def definition_path(path: str | os.PathLike | None = None) -> Path:
    """The definition in force: ``path``, else $EVAL_PROGRAMME, else this programme's file."""
    chosen = path if path is not None else os.environ.get(PROGRAMME_ENV_VAR) or DEFAULT_DEFINITION
    return Path(chosen)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def load_programme(path: str | os.PathLike | None = None) -> Programme:
    """Read and validate a definition (see :func:`definition_path` for which one)."""
    chosen = definition_path(path)
    shown = _display(chosen)
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as error:
        raise ProgrammeDefinitionError([f"error: {shown}: cannot be read ({error.strerror or error})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ProgrammeDefinitionError([f"error: {shown}{where}: not valid YAML ({problem})"]) from None
    return parse_definition(data, shown)


@cache
def _cached(path: Path) -> Programme:
    return load_programme(path)


def current_programme() -> Programme:
    """The programme in force, loaded once per process and path."""
    return _cached(definition_path().resolve())


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "check" or len(args) > 2:
        print("usage: python -m lib.programme check [definition.yaml]  (default: $EVAL_PROGRAMME or "
              f"{_display(DEFAULT_DEFINITION)})", file=sys.stderr)
        return 2
    try:
        programme = load_programme(args[1] if len(args) == 2 else None)
    except ProgrammeDefinitionError as error:
        for line in error.problems:
            print(line, file=sys.stderr)
        print(f"definition rejected: {len(error.problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{_display(programme.path)}: {programme.name}: {len(programme.authorities)} authorities, "
          f"{len(programme.evidence_items)} evidence items, {len(programme.questions)} survey questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
