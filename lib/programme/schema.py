"""Validation of a programme definition at the boundary: one line per problem.

Each problem reads ``error: <file>, key <path>: value <value>: expected <what>``;
every problem in the file is reported, not only the first.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lib.programme.model import (
    ActivityMeasure,
    Authority,
    CaseStudyGroup,
    EvidenceInference,
    EvidenceStatus,
    Measure,
    NotInferred,
    Phase,
    PrintedCode,
    Programme,
    Question,
    RespondentGroup,
    Sector,
    SourceDocument,
    Stage,
    UnderstandingItem,
    Year,
    name_key,
    spaced_key,
)
from lib.programme.reader import (  # noqa: F401 - ProgrammeDefinitionError is re-exported
    _AUTHORITY_SLUG,
    _COLOUR,
    _ID,
    _MISSING,
    _PROVENANCE,
    _SLUG,
    _SOURCE_FILE,
    ProgrammeDefinitionError,
    _axis,
    _completeness,
    _item,
    _Reader,
)

SCHEMA_VERSION = 1
#: Source documents the build looks up by role (the survey authorities are the
#: ones the survey report names; KPIs come from the programme report).
REQUIRED_DOCUMENTS = ("programme_report", "survey_report")


def parse_definition(data: Any, file: str) -> Programme:
    """Parsed YAML -> :class:`Programme`, or :class:`ProgrammeDefinitionError` listing every problem."""
    r = _Reader(file)
    if not isinstance(data, dict):
        raise ProgrammeDefinitionError(
            [f"error: {file}: value {type(data).__name__}: expected a YAML mapping"]
        )
    version = r.get(data, "schema_version", "", int, f"schema version {SCHEMA_VERSION}")
    if version is not None and version != SCHEMA_VERSION:
        r.problem("schema_version", version, f"schema version {SCHEMA_VERSION}")
    known = {
        "schema_version",
        "programme",
        "source_documents",
        "authorities",
        "evidence",
        "profile_questions",
        "kpis",
        "kpi_measures",
        "activity_measures",
        "survey",
        "case_study_groups",
        "themes",
        "statements",
        "case_study_sections",
        "completeness",
        "notes",
        "commissioning",
    }
    for key in data:
        if key not in known:
            r.problem(str(key), data[key], f"one of the known keys ({', '.join(sorted(known))})")

    prog = r.get(data, "programme", "", dict, "a mapping with id, name and years", default={})
    years = tuple(
        Year(
            id=r.text(n, "id", p, pattern=re.compile(r"\d{4}-\d{2}"), expected="a year like '2011-12'") or "",
            key=r.text(n, "key", p, pattern=_ID, expected=_SLUG) or "",
            label=r.text(n, "label", p) or "",
            spellings=r.texts(n, "spellings", p),
        )
        for p, n in r.items(prog, "years", "programme")
    )
    r.unique("year id", [(f"programme.years[{i}].id", y.id) for i, y in enumerate(years)])

    documents = tuple(
        SourceDocument(
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
            file=r.text(
                n,
                "file",
                p,
                pattern=_SOURCE_FILE,
                expected="a source file name like '002_<16 hex digits>.txt'",
            )
            or "",
            title=r.text(n, "title", p) or "",
        )
        for p, n in r.items(data, "source_documents", "")
    )
    document_ids = [d.id for d in documents]
    for role in REQUIRED_DOCUMENTS:
        if documents and role not in document_ids:
            r.problem(
                "source_documents", sorted(document_ids), f"a document with id {role!r} (the build cites it)"
            )

    authorities = []
    for p, n in r.items(data, "authorities", ""):
        case_study = r.text(n, "case_study", p, optional=True)
        r.member(f"{p}.case_study", case_study, document_ids, "a source document id")
        authorities.append(
            Authority(
                id=r.text(n, "id", p, pattern=_AUTHORITY_SLUG, expected="a lowercase slug (a-z, 0-9, '-')")
                or "",
                name=r.text(n, "name", p) or "",
                spellings=r.texts(n, "spellings", p),
                case_study=case_study,
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
    authority_ids = [a.id for a in authorities]

    evidence = r.get(data, "evidence", "", dict, "a mapping", default={})
    items = tuple(_item(r, p, n) for p, n in r.items(evidence, "items", "evidence"))
    r.unique("evidence item id", [(f"evidence.items[{i}].id", x.id) for i, x in enumerate(items)])
    statuses = tuple(
        EvidenceStatus(
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
            code=r.text(n, "code", p) or "",
            label=r.text(n, "label", p) or "",
            colour=r.text(n, "colour", p, pattern=_COLOUR, expected="a colour '#RRGGBB'") or "",
            text_colour=r.text(n, "text_colour", p, pattern=_COLOUR, expected="a colour '#RRGGBB'") or "",
        )
        for p, n in r.items(evidence, "statuses", "evidence")
    )
    status_ids = [s.id for s in statuses]
    r.unique("status id", [(f"evidence.statuses[{i}].id", s.id) for i, s in enumerate(statuses)])
    r.unique(
        "printed status code", [(f"evidence.statuses[{i}].code", s.code) for i, s in enumerate(statuses)]
    )

    def printed_code(p: str, n: dict, *, code_key: str = "printed") -> PrintedCode:
        status = r.text(n, "status", p)
        r.member(f"{p}.status", status, status_ids, "an evidence status id")
        return PrintedCode(
            printed=r.text(n, code_key, p, allow_empty=True, expected="text") or "",
            status=status or "",
            in_printed_legend=bool(
                r.get(n, "in_printed_legend", p, bool, "true or false", optional=True, default=False)
            ),
            basis=r.text(n, "basis", p) or "",
        )

    codes = tuple(printed_code(p, n) for p, n in r.items(evidence, "printed_codes", "evidence"))
    not_printed_node = r.get(
        evidence, "not_printed", "evidence", dict, "a mapping with status, code, basis", default={}
    )
    not_printed = printed_code("evidence.not_printed", not_printed_node, code_key="code")

    inferences = []
    for p, n in r.items(evidence, "inferences", "evidence", minimum=0):
        item, status = r.text(n, "item", p), r.text(n, "status", p)
        r.member(f"{p}.item", item, [x.id for x in items], "an evidence item id")
        r.member(f"{p}.status", status, status_ids, "an evidence status id")
        authority = r.text(n, "authority", p, expected="an authority id")
        r.member(f"{p}.authority", authority, authority_ids, "an authority id")
        legend = [
            x.id
            for x in statuses
            if x.id not in {c.status for c in codes if not c.in_printed_legend and c.printed}
            and x.id not in {c.status for c in codes if not c.printed} | {not_printed.status}
        ]
        if status in status_ids:
            r.member(f"{p}.status", status, legend, "a legend status (an inference never gives another)")
        source = r.text(n, "source", p, pattern=_PROVENANCE, expected="a provenance '<file> § <section>'")
        inferences.append(
            EvidenceInference(
                item=item or "",
                authority=authority or "",
                status=status or "",
                statement=r.text(n, "statement", p) or "",
                source=source or "",
                reading=r.text(n, "reading", p) or "",
            )
        )
    not_inferred = []
    for p, n in r.items(evidence, "not_inferred", "evidence", minimum=0):
        item = r.text(n, "item", p)
        r.member(f"{p}.item", item, [x.id for x in items], "an evidence item id")
        authority = r.text(n, "authority", p, optional=True)
        if authority is not None:
            r.member(f"{p}.authority", authority, authority_ids, "an authority id")
        not_inferred.append(
            NotInferred(item=item or "", authority=authority, reason=r.text(n, "reason", p) or "")
        )

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
        measures.append(
            Measure(
                id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                label=r.text(n, "label", p) or "",
                pattern=pattern or "",
                kind=kind or "",
                names=r.text(n, "names", p, optional=True) or "",
            )
        )
    activity = tuple(
        ActivityMeasure(
            printed=r.text(n, "printed", p) or "",
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
            label=r.text(n, "label", p) or "",
        )
        for p, n in r.items(data, "activity_measures", "", minimum=0)
    )

    survey = r.get(data, "survey", "", dict, "a mapping", default={})
    phases = tuple(
        Phase(id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "", spellings=r.texts(n, "spellings", p))
        for p, n in r.items(survey, "phases", "survey")
    )
    # The survey is a before/after design: its two phases have the ids "pre" and
    # "post" in every programme (what a programme calls them is in the spellings).
    for role in ("pre", "post"):
        if phases and role not in {ph.id for ph in phases}:
            r.problem(
                "survey.phases",
                [ph.id for ph in phases],
                f"a phase with id '{role}' (the before/after roles; name it in its spellings)",
            )
    sectors = []
    for p, n in r.items(survey, "sectors", "survey"):
        sectors.append(
            Sector(
                id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                label=r.text(n, "label", p) or "",
                title=r.text(n, "title", p) or "",
                phrase=r.text(n, "phrase", p) or "",
                claim_word=r.text(n, "claim_word", p) or "",
                spellings=r.texts(n, "spellings", p),
                in_explorer=bool(
                    r.get(n, "in_explorer", p, bool, "true or false", optional=True, default=False)
                ),
            )
        )
    groups = []
    for p, n in r.items(survey, "respondent_groups", "survey"):
        groups.append(
            RespondentGroup(
                id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                spellings=r.texts(n, "spellings", p),
                phrase=r.text(n, "phrase", p, optional=True),
                in_sector_total=bool(
                    r.get(n, "in_sector_total", p, bool, "true or false", optional=True, default=False)
                ),
            )
        )
    questions = []
    for p, n in r.items(survey, "questions", "survey"):
        base = r.text(n, "base", p)
        r.member(f"{p}.base", base, ["respondents", "comments"], "what the shares are of")
        questions.append(
            Question(
                id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
                number=r.get(n, "number", p, int, "a whole question number", default=0),
                label=r.text(n, "label", p) or "",
                explorer_label=r.text(n, "explorer_label", p) or "",
                base=base or "",
                printed_prefix=r.text(n, "printed_prefix", p, optional=True),
                claim_label=r.text(n, "claim_label", p, optional=True) or "",
            )
        )
    understanding = tuple(
        UnderstandingItem(
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
            label=r.text(n, "label", p) or "",
            chart_title=r.text(n, "chart_title", p) or "",
            note=r.text(n, "note", p) or "",
        )
        for p, n in r.items(survey, "understanding_items", "survey", minimum=0)
    )
    impacts = tuple(_item(r, p, n) for p, n in r.items(survey, "impacts", "survey", minimum=0))
    for where, entries in [
        ("survey.phases", phases),
        ("survey.sectors", sectors),
        ("survey.respondent_groups", groups),
        ("survey.questions", questions),
        ("survey.impacts", impacts),
    ]:
        r.unique("id", [(f"{where}[{i}].id", e.id) for i, e in enumerate(entries)])
    for kind, entries in [
        (
            "phase",
            [
                (f"survey.phases[{i}].spellings[{j}]", s)
                for i, ph in enumerate(phases)
                for j, s in enumerate(ph.spellings)
            ],
        ),
        (
            "impact",
            [
                (f"survey.impacts[{i}].spellings[{j}]", s)
                for i, x in enumerate(impacts)
                for j, s in enumerate(x.spellings)
            ],
        ),
    ]:
        r.unique(f"{kind} spelling", entries, spaced_key)

    case_study_groups = tuple(
        CaseStudyGroup(
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "", contains=r.text(n, "contains", p) or ""
        )
        for p, n in r.items(data, "case_study_groups", "", minimum=0)
    )
    themes_node = r.get(data, "themes", "", dict, "a mapping", default={})
    themes = tuple(_item(r, p, n) for p, n in r.items(themes_node, "items", "themes"))
    vision = r.get(
        themes_node,
        "authority_vision",
        "themes",
        dict,
        "a mapping with suffix and theme",
        optional=True,
        default={},
    )
    vision_theme = r.text(vision, "theme", "themes.authority_vision", optional=True) if vision else None
    if vision_theme is not None:
        r.member("themes.authority_vision.theme", vision_theme, [t.id for t in themes], "a theme id")

    commissioning = r.get(data, "commissioning", "", dict, "a mapping", default={})
    stages = tuple(
        Stage(
            id=r.text(n, "id", p, pattern=_ID, expected=_SLUG) or "",
            label=r.text(n, "label", p) or "",
            keyword=r.text(n, "keyword", p) or "",
        )
        for p, n in r.items(commissioning, "stages", "commissioning", minimum=0)
    )
    columns = []
    for p, n in r.items(commissioning, "guidance_stage_columns", "commissioning", minimum=0):
        stage = r.text(n, "stage", p)
        r.member(f"{p}.stage", stage, [s.id for s in stages], "a commissioning stage id")
        columns.append((r.text(n, "column", p) or "", stage or ""))

    statements = r.get(data, "statements", "", dict, "a mapping", default={})
    topics = tuple(_item(r, p, n) for p, n in r.items(statements, "topics", "statements", minimum=0))
    all_years = tuple(
        str(x).strip().casefold()
        for x in r.get(statements, "all_years", "statements", list, "a list of phrases", default=[])
    )
    sections = tuple(_item(r, p, n) for p, n in r.items(data, "case_study_sections", "", minimum=0))

    notes_node = r.get(data, "notes", "", dict, "a mapping of note ids to text", optional=True, default={})
    notes = []
    for key, value in notes_node.items():
        if isinstance(value, str) and value.strip():
            notes.append((str(key), value))
        else:
            r.problem(f"notes.{key}", value, "non-empty text")
    chart_questions = []
    charts = r.get(survey, "chart_questions", "survey", dict, "a mapping", optional=True, default={})
    for which, qid in charts.items():
        r.member(
            f"survey.chart_questions.{which}", which, ["understanding", "impacts"], "understanding or impacts"
        )
        r.member(f"survey.chart_questions.{which}", qid, [q.id for q in questions], "a survey question id")
        chart_questions.append((str(which), str(qid)))
    responses = r.get(survey, "responses", "survey", dict, "a mapping", optional=True, default={})
    scale = r.get(responses, "scale", "survey.responses", list, "[low, high]", optional=True, default=[1, 7])
    if not (len(scale) == 2 and all(isinstance(v, int) for v in scale) and scale[0] < scale[1]):
        r.problem("survey.responses.scale", scale, "[low, high], whole numbers, low < high")
        scale = [1, 7]
    scale_labels = []
    for label, point in r.get(
        responses, "scale_labels", "survey.responses", dict, "a mapping", optional=True, default={}
    ).items():
        if not isinstance(point, int) or not scale[0] <= point <= scale[1]:
            r.problem(f"survey.responses.scale_labels.{label}", point, "a point on the scale")
        scale_labels.append((str(label), point))
    confident_from = responses.get("confident_from")
    if confident_from is not None and not (
        isinstance(confident_from, int) and scale[0] < confident_from <= scale[1]
    ):
        r.problem("survey.responses.confident_from", confident_from, "a point on the scale above its lowest")
        confident_from = None
    sector_ids = [s.id for s in sectors] + [g.id for g in groups]
    response_sectors = []
    for spelling, sid in r.get(
        responses, "sector_spellings", "survey.responses", dict, "a mapping", optional=True, default={}
    ).items():
        r.member(
            f"survey.responses.sector_spellings.{spelling}",
            sid,
            sector_ids,
            "a sector or respondent group id",
        )
        response_sectors.append((str(spelling), str(sid)))
    response_phases = []
    for spelling, pid in r.get(
        responses, "phase_spellings", "survey.responses", dict, "a mapping", optional=True, default={}
    ).items():
        r.member(f"survey.responses.phase_spellings.{spelling}", pid, [p.id for p in phases], "a phase id")
        response_phases.append((str(spelling), str(pid)))
    success_sectors = []
    for p, n in r.items(survey, "success_sectors", "survey", minimum=0):
        sid = r.text(n, "id", p)
        r.member(f"{p}.id", sid, sector_ids, "a sector or respondent group id")
        success_sectors.append((sid or "", r.text(n, "label", p) or ""))
    never_inferred = r.texts(evidence, "never_inferred", "evidence")
    for i, status in enumerate(never_inferred):
        r.member(f"evidence.never_inferred[{i}]", status, status_ids, "an evidence status id")
    completeness = _completeness(
        r, r.get(data, "completeness", "", dict, "a mapping of raw file names", optional=True, default={})
    )

    if r.problems:
        raise ProgrammeDefinitionError(r.problems)
    return Programme(
        path=Path(file),
        id=r.text(prog, "id", "programme") or "",
        name=r.text(prog, "name", "programme") or "",
        years=years,
        source_documents=documents,
        authorities=tuple(authorities),
        evidence_items=items,
        evidence_statuses=statuses,
        printed_codes=codes,
        not_printed=not_printed,
        evidence_inferences=tuple(inferences),
        evidence_not_inferred=tuple(not_inferred),
        profile_questions=profile_questions,
        kpis=kpis,
        kpi_measures=tuple(measures),
        activity_measures=activity,
        phases=phases,
        sectors=tuple(sectors),
        respondent_groups=tuple(groups),
        questions=tuple(questions),
        understanding_items=understanding,
        impacts=impacts,
        lost_label=r.text(survey, "lost_label", "survey") or "",
        case_study_groups=case_study_groups,
        themes=themes,
        vision_suffix=(vision.get("suffix") or "") if vision else "",
        vision_theme=vision_theme or "",
        stages=stages,
        guidance_stage_columns=tuple(columns),
        statement_topics=topics,
        all_years_phrases=all_years,
        case_study_sections=sections,
        completeness=completeness,
        never_inferred=never_inferred,
        notes=tuple(notes),
        chart_questions=tuple(chart_questions),
        response_scale=(scale[0], scale[1]),
        success_sectors=tuple(success_sectors),
        response_scale_labels=tuple(scale_labels),
        response_sector_spellings=tuple(response_sectors),
        response_phase_spellings=tuple(response_phases),
        response_confident_from=confident_from,
    )
