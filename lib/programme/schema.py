"""Validation of a programme definition at the boundary: one line per problem.

Each problem reads ``error: <file>, key <path>: value <value>: expected <what>``;
every problem in the file is reported, not only the first.

The definition is read one top-level key at a time: :data:`PARSERS` maps each
key to the function that reads it, in the order the keys depend on each other
(authorities name source documents, evidence inferences name authorities, ...).
Each parser returns the :class:`Programme` fields it reads; a later parser sees
the fields read so far.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lib.programme.keys import check_keys
from lib.programme.model import (
    EVIDENCE_SOURCES,
    OPTIONAL_TABLES,
    SURVEY_TABLES,
    ActivityMeasure,
    Authority,
    CaseStudyGroup,
    EvidenceInference,
    EvidenceStatus,
    GlossaryTerm,
    Measure,
    NotInferred,
    PrintedCode,
    Programme,
    SourceDocument,
    Stage,
    Year,
    name_key,
)
from lib.programme.reader import (
    AUTHORITY_SLUG,
    COLOUR,
    ID,
    PROVENANCE,
    SLUG_EXPECTED,
    SOURCE_FILE,
    ProgrammeDefinitionError,
    Reader,
    read_completeness,
    read_item,
)
from lib.programme.survey_schema import parse_survey, surveyless

SCHEMA_VERSION = 1
#: Source documents the build looks up by role (the survey authorities are the
#: ones the survey report names; KPIs come from the programme report).
REQUIRED_DOCUMENTS = ("programme_report", "survey_report")

Fields = dict[str, Any]
Parser = Callable[[Reader, dict, Fields], Fields]


# --------------------------------------------------------------------------
# One parser per top-level key
# --------------------------------------------------------------------------


def parse_schema_version(r: Reader, data: dict, parsed: Fields) -> Fields:
    version = r.get(data, "schema_version", "", int, f"schema version {SCHEMA_VERSION}")
    if version is not None and version != SCHEMA_VERSION:
        r.problem("schema_version", version, f"schema version {SCHEMA_VERSION}")
    return {}


def parse_programme(r: Reader, data: dict, parsed: Fields) -> Fields:
    prog = r.get(data, "programme", "", dict, "a mapping with id, name and years", default={})
    years = tuple(
        Year(
            id=r.text(n, "id", p, pattern=re.compile(r"\d{4}-\d{2}"), expected="a year like '2011-12'") or "",
            key=r.text(n, "key", p, pattern=ID, expected=SLUG_EXPECTED) or "",
            label=r.text(n, "label", p) or "",
            spellings=r.texts(n, "spellings", p),
        )
        for p, n in r.items(prog, "years", "programme")
    )
    r.unique("year id", [(f"programme.years[{i}].id", y.id) for i, y in enumerate(years)])
    return {
        "id": r.text(prog, "id", "programme") or "",
        "name": r.text(prog, "name", "programme") or "",
        "years": years,
    }


def parse_source_documents(r: Reader, data: dict, parsed: Fields) -> Fields:
    documents = tuple(
        SourceDocument(
            id=r.slug(n, p),
            file=r.text(
                n,
                "file",
                p,
                pattern=SOURCE_FILE,
                expected="a source file name like '002_<16 hex digits>.txt'",
            )
            or "",
            title=r.text(n, "title", p) or "",
        )
        for p, n in r.items(data, "source_documents", "")
    )
    ids = [d.id for d in documents]
    roles = REQUIRED_DOCUMENTS[:1] if surveyless(data) else REQUIRED_DOCUMENTS  # no survey, no survey report
    for role in roles:
        if documents and role not in ids:
            r.problem("source_documents", sorted(ids), f"a document with id {role!r} (the build cites it)")
    return {"source_documents": documents}


def parse_authorities(r: Reader, data: dict, parsed: Fields) -> Fields:
    document_ids = [d.id for d in parsed["source_documents"]]
    authorities = []
    for p, n in r.items(data, "authorities", ""):
        case_study = r.text(n, "case_study", p, optional=True)
        r.member(f"{p}.case_study", case_study, document_ids, "a source document id")
        spellings, identified = r.texts(n, "spellings", p), r.texts(n, "identified_as", p)
        for j, name in enumerate(identified):
            r.member(f"{p}.identified_as[{j}]", name, spellings, "one of the authority's spellings")
        reasoning = r.text(n, "identification", p, optional=True) or ""
        if identified and not reasoning:
            r.problem(
                f"{p}.identification", "", "the reasoning for reading identified_as names as this authority"
            )
        authorities.append(
            Authority(
                id=r.text(n, "id", p, pattern=AUTHORITY_SLUG, expected="a lowercase slug (a-z, 0-9, '-')")
                or "",
                name=r.text(n, "name", p) or "",
                spellings=spellings,
                case_study=case_study,
                identified_as=identified,
                identification=reasoning,
            )
        )
    r.unique("authority id", [(f"authorities[{i}].id", a.id) for i, a in enumerate(authorities)])
    spellings = [(f"authorities[{i}].name", a.name) for i, a in enumerate(authorities)]
    spellings += [
        (f"authorities[{i}].spellings[{j}]", s)
        for i, a in enumerate(authorities)
        for j, s in enumerate(a.spellings)
        if name_key(s) not in (name_key(a.name), name_key(a.id))
    ]
    r.unique("spelling (after folding case, dots and hyphens)", spellings, name_key)
    return {"authorities": tuple(authorities)}


# ---- evidence ---------------------------------------------------------------


def _statuses(r: Reader, evidence: dict) -> tuple[EvidenceStatus, ...]:
    statuses = tuple(
        EvidenceStatus(
            id=r.slug(n, p),
            code=r.text(n, "code", p) or "",
            label=r.text(n, "label", p) or "",
            colour=r.text(n, "colour", p, pattern=COLOUR, expected="a colour '#RRGGBB'") or "",
            text_colour=r.text(n, "text_colour", p, pattern=COLOUR, expected="a colour '#RRGGBB'") or "",
        )
        for p, n in r.items(evidence, "statuses", "evidence")
    )
    r.unique("status id", [(f"evidence.statuses[{i}].id", s.id) for i, s in enumerate(statuses)])
    r.unique(
        "printed status code", [(f"evidence.statuses[{i}].code", s.code) for i, s in enumerate(statuses)]
    )
    return statuses


def _printed_code(
    r: Reader, p: str, n: dict, status_ids: list[str], code_key: str = "printed"
) -> PrintedCode:
    status = r.text(n, "status", p)
    r.member(f"{p}.status", status, status_ids, "an evidence status id")
    return PrintedCode(
        printed=r.text(n, code_key, p, allow_empty=True, expected="text") or "",
        status=status or "",
        in_printed_legend=r.flag(n, "in_printed_legend", p),
        basis=r.text(n, "basis", p) or "",
    )


def _inferences(r: Reader, evidence: dict, parsed: Fields) -> tuple[EvidenceInference, ...]:
    status_ids = [s.id for s in parsed["evidence_statuses"]]
    codes, not_printed = parsed["printed_codes"], parsed["not_printed"]
    off_legend = {c.status for c in codes if not c.in_printed_legend and c.printed}
    unprinted = {c.status for c in codes if not c.printed} | {not_printed.status}
    legend = [s for s in status_ids if s not in off_legend and s not in unprinted]
    out = []
    for p, n in r.items(evidence, "inferences", "evidence", minimum=0):
        item, status = r.text(n, "item", p), r.text(n, "status", p)
        r.member(f"{p}.item", item, [x.id for x in parsed["evidence_items"]], "an evidence item id")
        r.member(f"{p}.status", status, status_ids, "an evidence status id")
        authority = r.text(n, "authority", p, expected="an authority id")
        r.member(f"{p}.authority", authority, [a.id for a in parsed["authorities"]], "an authority id")
        if status in status_ids:
            r.member(f"{p}.status", status, legend, "a legend status (an inference never gives another)")
        source = r.text(n, "source", p, pattern=PROVENANCE, expected="a provenance '<file> § <section>'")
        out.append(
            EvidenceInference(
                item=item or "",
                authority=authority or "",
                status=status or "",
                statement=r.text(n, "statement", p) or "",
                source=source or "",
                reading=r.text(n, "reading", p) or "",
            )
        )
    return tuple(out)


def _not_inferred(r: Reader, evidence: dict, parsed: Fields) -> tuple[NotInferred, ...]:
    out = []
    for p, n in r.items(evidence, "not_inferred", "evidence", minimum=0):
        item = r.text(n, "item", p)
        r.member(f"{p}.item", item, [x.id for x in parsed["evidence_items"]], "an evidence item id")
        authority = r.text(n, "authority", p, optional=True)
        r.member(f"{p}.authority", authority, [a.id for a in parsed["authorities"]], "an authority id")
        out.append(NotInferred(item=item or "", authority=authority, reason=r.text(n, "reason", p) or ""))
    return tuple(out)


def parse_evidence(r: Reader, data: dict, parsed: Fields) -> Fields:
    evidence = r.get(data, "evidence", "", dict, "a mapping", default={})
    items = tuple(read_item(r, p, n) for p, n in r.items(evidence, "items", "evidence"))
    r.unique("evidence item id", [(f"evidence.items[{i}].id", x.id) for i, x in enumerate(items)])
    statuses = _statuses(r, evidence)
    status_ids = [s.id for s in statuses]
    codes = tuple(
        _printed_code(r, p, n, status_ids) for p, n in r.items(evidence, "printed_codes", "evidence")
    )
    not_printed_node = r.get(
        evidence, "not_printed", "evidence", dict, "a mapping with status, code, basis", default={}
    )
    fields: Fields = {
        "evidence_items": items,
        "evidence_statuses": statuses,
        "printed_codes": codes,
        "not_printed": _printed_code(r, "evidence.not_printed", not_printed_node, status_ids, "code"),
    }
    here = {**parsed, **fields}
    fields["evidence_inferences"] = _inferences(r, evidence, here)
    fields["evidence_not_inferred"] = _not_inferred(r, evidence, here)
    never_inferred = r.texts(evidence, "never_inferred", "evidence")
    for i, status in enumerate(never_inferred):
        r.member(f"evidence.never_inferred[{i}]", status, status_ids, "an evidence status id")
    fields["never_inferred"] = never_inferred
    return fields


# ---- profile questions, KPIs, activity -----------------------------------------


def parse_profile_questions(r: Reader, data: dict, parsed: Fields) -> Fields:
    return {"profile_questions": tuple(read_item(r, p, n) for p, n in r.items(data, "profile_questions", ""))}


def parse_kpis(r: Reader, data: dict, parsed: Fields) -> Fields:
    return {"kpis": tuple(read_item(r, p, n) for p, n in r.items(data, "kpis", ""))}


def _measure_pattern(r: Reader, n: dict, p: str) -> str:
    pattern = r.text(n, "pattern", p)
    if pattern is not None:
        try:
            if re.compile(pattern).groups < 1:
                r.problem(f"{p}.pattern", pattern, "a regular expression with a group for the value")
        except re.error as error:
            r.problem(f"{p}.pattern", pattern, f"a valid regular expression ({error})")
    return pattern or ""


def parse_kpi_measures(r: Reader, data: dict, parsed: Fields) -> Fields:
    measures = []
    for p, n in r.items(data, "kpi_measures", "", minimum=0):
        pattern = _measure_pattern(r, n, p)
        kind = r.text(n, "kind", p)
        r.member(f"{p}.kind", kind, ["count", "proportion"], "a measure kind")
        measures.append(
            Measure(
                id=r.slug(n, p),
                label=r.text(n, "label", p) or "",
                pattern=pattern,
                kind=kind or "",
                names=r.text(n, "names", p, optional=True) or "",
            )
        )
    return {"kpi_measures": tuple(measures)}


def parse_activity_measures(r: Reader, data: dict, parsed: Fields) -> Fields:
    activity = tuple(
        ActivityMeasure(
            printed=r.text(n, "printed", p) or "", id=r.slug(n, p), label=r.text(n, "label", p) or ""
        )
        for p, n in r.items(data, "activity_measures", "", minimum=0)
    )
    return {"activity_measures": activity}


# ---- case studies, themes, commissioning, statements, notes -------------------


def parse_case_study_groups(r: Reader, data: dict, parsed: Fields) -> Fields:
    groups = tuple(
        CaseStudyGroup(id=r.slug(n, p), contains=r.text(n, "contains", p) or "")
        for p, n in r.items(data, "case_study_groups", "", minimum=0)
    )
    return {"case_study_groups": groups}


def parse_themes(r: Reader, data: dict, parsed: Fields) -> Fields:
    node = r.get(data, "themes", "", dict, "a mapping", default={})
    themes = tuple(read_item(r, p, n) for p, n in r.items(node, "items", "themes"))
    vision = r.get(
        node, "authority_vision", "themes", dict, "a mapping with suffix and theme", optional=True, default={}
    )
    theme = r.text(vision, "theme", "themes.authority_vision", optional=True) if vision else None
    r.member("themes.authority_vision.theme", theme, [t.id for t in themes], "a theme id")
    return {
        "themes": themes,
        "vision_suffix": r.text(vision, "suffix", "themes.authority_vision", optional=True) or "",
        "vision_theme": theme or "",
    }


def parse_commissioning(r: Reader, data: dict, parsed: Fields) -> Fields:
    node = r.get(data, "commissioning", "", dict, "a mapping", default={})
    stages = tuple(
        Stage(id=r.slug(n, p), label=r.text(n, "label", p) or "", keyword=r.text(n, "keyword", p) or "")
        for p, n in r.items(node, "stages", "commissioning", minimum=0)
    )
    columns = []
    for p, n in r.items(node, "guidance_stage_columns", "commissioning", minimum=0):
        stage = r.text(n, "stage", p)
        r.member(f"{p}.stage", stage, [s.id for s in stages], "a commissioning stage id")
        columns.append((r.text(n, "column", p) or "", stage or ""))
    return {"stages": stages, "guidance_stage_columns": tuple(columns)}


def parse_statements(r: Reader, data: dict, parsed: Fields) -> Fields:
    node = r.get(data, "statements", "", dict, "a mapping", default={})
    phrases = r.get(node, "all_years", "statements", list, "a list of phrases", default=[])
    return {
        "statement_topics": tuple(
            read_item(r, p, n) for p, n in r.items(node, "topics", "statements", minimum=0)
        ),
        "all_years_phrases": tuple(str(x).strip().casefold() for x in phrases),
    }


def parse_case_study_sections(r: Reader, data: dict, parsed: Fields) -> Fields:
    sections = tuple(read_item(r, p, n) for p, n in r.items(data, "case_study_sections", "", minimum=0))
    return {"case_study_sections": sections}


def parse_completeness(r: Reader, data: dict, parsed: Fields) -> Fields:
    node = r.get(data, "completeness", "", dict, "a mapping of raw file names", optional=True, default={})
    return {"completeness": read_completeness(r, node)}


def parse_notes(r: Reader, data: dict, parsed: Fields) -> Fields:
    node = r.get(data, "notes", "", dict, "a mapping of note ids to text", optional=True, default={})
    notes = []
    for key, value in node.items():
        if isinstance(value, str) and value.strip():
            notes.append((str(key), value))
        else:
            r.problem(f"notes.{key}", value, "non-empty text")
    return {"notes": tuple(notes)}


def parse_glossary(r: Reader, data: dict, parsed: Fields) -> Fields:
    sources = [d.id for d in parsed.get("source_documents", ())]
    terms = []
    for p, n in r.items(data, "glossary", "", minimum=0):
        source = r.text(n, "source", p, optional=True) or ""
        if source:
            r.member(f"{p}.source", source, sources, "a source document id")
        terms.append(GlossaryTerm(r.text(n, "term", p) or "", r.text(n, "meaning", p) or "", source))
    return {"glossary": tuple(terms)}


def parse_optional_tables(r: Reader, data: dict, parsed: Fields) -> Fields:
    node = r.get(data, "optional_tables", "", list, "a list of raw file names", optional=True)
    if node is None:
        return {"optional_tables": OPTIONAL_TABLES}
    found = []
    for i, name in enumerate(node):
        if name in OPTIONAL_TABLES:
            found.append(name)
            continue
        close = difflib.get_close_matches(str(name), OPTIONAL_TABLES, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        r.problem(
            f"optional_tables[{i}]",
            name,
            f"one of the optional raw tables{hint}: {', '.join(OPTIONAL_TABLES)}",
        )
    survey = [t for t in SURVEY_TABLES if t in found]
    if "survey_stray_values.csv" in found and not survey:
        r.problem(
            "optional_tables",
            node,
            "the four survey tables with survey_stray_values.csv (its values' charts)",
        )
    if survey and len(survey) < len(SURVEY_TABLES):
        lacking = ", ".join(t for t in SURVEY_TABLES if t not in found)
        r.problem(
            "optional_tables", node, f"the four survey tables together or none of them (lacks {lacking})"
        )
    if not any(t in found for _, tables in EVIDENCE_SOURCES for t in tables):
        sources = "; ".join(f"{label} ({', '.join(tables)})" for label, tables in EVIDENCE_SOURCES)
        r.problem("optional_tables", node, f"at least one evidence source: {sources}")
    return {"optional_tables": tuple(t for t in OPTIONAL_TABLES if t in found)}


#: Top-level key -> its parser, in the order the keys depend on each other.
PARSERS: dict[str, Parser] = {
    "schema_version": parse_schema_version,
    "programme": parse_programme,
    "source_documents": parse_source_documents,
    "authorities": parse_authorities,
    "evidence": parse_evidence,
    "profile_questions": parse_profile_questions,
    "kpis": parse_kpis,
    "kpi_measures": parse_kpi_measures,
    "activity_measures": parse_activity_measures,
    "survey": parse_survey,
    "case_study_groups": parse_case_study_groups,
    "themes": parse_themes,
    "commissioning": parse_commissioning,
    "statements": parse_statements,
    "case_study_sections": parse_case_study_sections,
    "optional_tables": parse_optional_tables,
    "completeness": parse_completeness,
    "notes": parse_notes,
    "glossary": parse_glossary,
}


def parse_definition(data: Any, file: str) -> Programme:
    """Parsed YAML -> :class:`Programme`, or :class:`ProgrammeDefinitionError` listing every problem."""
    if not isinstance(data, dict):
        raise ProgrammeDefinitionError(
            [f"error: {file}: value {type(data).__name__}: expected a YAML mapping"]
        )
    r = Reader(file)
    check_keys(r, data)
    parsed: Fields = {}
    for parse in PARSERS.values():
        parsed.update(parse(r, data, parsed))
    if r.problems:
        raise ProgrammeDefinitionError(r.problems)
    return Programme(path=Path(file), **parsed)
