"""The processed contract: one pandera ``DataFrameModel`` per processed table.

Each table is checked against its model before anything is written
(:func:`lib.sources.build.validate_processed`) and typed by it when read back
(:func:`lib.sources.build.load_processed`). Vocabulary checks (authority ids,
evidence items, questions, sectors, phases, years) come from the programme
definition, so the same models type another programme's tables. The
processed-table section of data/README.md is generated from these models
(``python -m lib.evaluation schema-docs``).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from lib.sources.case_studies import CASE_STUDY_SECTIONS, THEMES
from lib.sources.common import AUTHORITIES, PROGRAMME, UNRECORDED, YEARS
from lib.sources.evidence import EVIDENCE_ITEMS, EVIDENCE_STATUSES, OFF_LEGEND, evidence_rule_violations
from lib.sources.guidance import COMMISSIONING_STAGES
from lib.sources.kpis import KPIS
from lib.sources.membership import year_column
from lib.sources.mentions import MENTION_TOPICS
from lib.sources.profiles import PROFILE_QUESTIONS
from lib.sources.statements import STATEMENT_TOPICS
from lib.sources.survey import PHASE_IDS, SECTOR_LABELS

AUTHORITY_IDS = list(AUTHORITIES)
QUESTION_IDS = [q.id for q in PROGRAMME.questions]
_YEARS_TEXT = ", ".join(YEARS)
_CASE_STUDY_NAMES = ", ".join(a.name for a in PROGRAMME.authorities if a.case_study)
_PROVENANCE = r"\d{3}_[0-9a-f]{16}\.txt § .+"


def _years_or(value: str, otherwise: str) -> bool:
    """Programme year ids joined by ';' (each once, in order), or ``otherwise``."""
    if value == otherwise:
        return True
    years = value.split(";")
    return all(y in YEARS for y in years) and years == sorted(set(years), key=YEARS.index)


def _authority(**kwargs) -> pa.Field:
    return pa.Field(isin=AUTHORITY_IDS, description="authority slug (see authorities.csv)", **kwargs)


def _provenance() -> pa.Field:
    return pa.Field(str_matches=_PROVENANCE, description="provenance: source document file name § section")


class Authorities(pa.DataFrameModel):
    """`authorities.csv`."""

    authority_id: Series[str] = pa.Field(
        isin=AUTHORITY_IDS, unique=True, description="canonical slug, stable across runs"
    )
    authority: Series[str] = pa.Field(description="canonical display name")
    years: Series[str] = pa.Field(
        description=f"programme years taken part: {_YEARS_TEXT} joined by ';', or 'unrecorded'"
    )
    years_basis: Series[str] = pa.Field(
        description="the statements (with provenance) the years come from; '; year inference: ...' marks "
        "a statement whose programme year is read from a date or phrase, not stated"
    )
    years_inferred: Series[str] = pa.Field(
        description="the years (joined by ';') only an inference gives (no statement states them for the "
        "authority: the year is read from a date or phrase, or stated for a place name read as the authority, "
        "an identification inference); empty when every year is stated"
    )
    case_study: Series[str] = pa.Field(
        isin=["yes", "no"], description=f"a case study exists ({_CASE_STUDY_NAMES})"
    )
    attitude_survey: Series[str] = pa.Field(
        isin=["yes", "no"],
        description="named as a source of the attitude survey (the survey report's list of authorities)",
    )
    source: Series[str] = pa.Field(description="provenance of the years")

    @pa.check(
        "years", element_wise=True, error=f"programme years ({_YEARS_TEXT}) joined by ';', or 'unrecorded'"
    )
    def _years(cls, value: str) -> bool:
        return _years_or(value, UNRECORDED)

    class Config:
        name = "authorities"
        strict = True
        ordered = True


class Membership(pa.DataFrameModel):
    """`membership.csv`."""

    authority_id: Series[str] = _authority()
    authority_as_printed: Series[str] = pa.Field(description="name as printed in the statement")
    years_stated: Series[str] = pa.Field(description="years the statement gives")
    year_inference: Series[str] = pa.Field(
        description="empty when the statement states the programme year; else the reasoning that reads "
        "it from a date or phrase (an inference)"
    )
    quote: Series[str] = pa.Field(description="the statement")
    source: Series[str] = _provenance()

    class Config:
        name = "membership"
        strict = True
        ordered = True


class Evidence(pa.DataFrameModel):
    """`evidence.csv`."""

    authority_id: Series[str] = _authority()
    authority: Series[str] = pa.Field(description="display name")
    evidence_item: Series[str] = pa.Field(isin=[i for i, _ in EVIDENCE_ITEMS], description="evidence item id")
    evidence_label: Series[str] = pa.Field(description="evidence item display label")
    item_order: Series[int] = pa.Field(
        coerce=True, description=f"1-{len(EVIDENCE_ITEMS)}, the matrix's row order"
    )
    status: Series[str] = pa.Field(
        isin=EVIDENCE_STATUSES,
        description=" | ".join(
            s + (" (a printed code not in the legend)" if s in OFF_LEGEND.values() else "")
            for s in EVIDENCE_STATUSES
        ),
    )
    raw_code: Series[str] = pa.Field(
        description="code as printed, stripped ('' = glyph lost, '[not printed]' = truncated)"
    )
    basis: Series[str] = pa.Field(
        description="why this status: the legend, or the fact another source states"
    )
    inferred: Series[str] = pa.Field(
        isin=["yes", "no"], description="yes where the status was inferred from another source"
    )
    source: Series[str] = _provenance()

    class Config:
        name = "evidence"
        strict = True
        ordered = True
        unique = ["authority_id", "evidence_item"]

    @pa.dataframe_check(
        error="the inference rule (data/notes/caveats.md): a status other than "
        "unrecorded needs a legend code or a positive statement"
    )
    def _inference_rule(cls, frame: pd.DataFrame) -> bool:
        return evidence_rule_violations(frame).empty


class Profiles(pa.DataFrameModel):
    """`profiles.csv`."""

    authority_id: Series[str] = _authority()
    question: Series[str] = pa.Field(
        isin=[q for q, _ in PROFILE_QUESTIONS], description="profile question id"
    )
    question_label: Series[str] = pa.Field(description="profile question")
    question_order: Series[int] = pa.Field(coerce=True, description=f"1-{len(PROFILE_QUESTIONS)}")
    text: Series[str] = pa.Field(description="the authority's answer as printed (whitespace tidied)")
    alignment: Series[str] = pa.Field(
        isin=["as_printed", "doubtful"],
        description="'doubtful' where the cell may belong to another authority or question",
    )
    alignment_note: Series[str] = pa.Field(description="why alignment is doubtful")
    source: Series[str] = _provenance()
    text_status: Series[str] = pa.Field(
        isin=["printed", "empty"], description="'empty' where no text was printed"
    )

    class Config:
        name = "profiles"
        strict = True
        ordered = True
        unique = ["authority_id", "question"]


class Kpis(pa.DataFrameModel):
    """`kpis.csv`."""

    kpi: Series[str] = pa.Field(description="KPI id (programme_activity for the yearly activity counts)")
    kpi_label: Series[str] = pa.Field(description="KPI as worded in the report")
    kpi_order: Series[int] = pa.Field(
        coerce=True, description=f"0 = activity, 1-{len(KPIS)} = the KPI table's order"
    )
    year: Series[str] = pa.Field(isin=list(YEARS), description="programme year")
    measure: Series[str] = pa.Field(description="measure id")
    measure_label: Series[str] = pa.Field(description="measure label")
    value: Series[float] = pa.Field(
        nullable=True,
        coerce=True,
        description="proportion (unit=proportion), count (unit=count) or empty (unit=text)",
    )
    unit: Series[str] = pa.Field(
        isin=["proportion", "count", "text"], description="proportion | count | text"
    )
    bound: Series[str] = pa.Field(
        isin=["exact", "more_than", "at_most", "at_least"], description="how the source states the value"
    )
    text: Series[str] = pa.Field(description="the cell or sentence as printed")
    source: Series[str] = _provenance()

    class Config:
        name = "kpis"
        strict = True
        ordered = True
        unique = ["kpi", "year", "measure"]


class Survey(pa.DataFrameModel):
    """`survey.csv`."""

    question: Series[str] = pa.Field(
        isin=QUESTION_IDS, description=" | ".join(f"{q.id} (Q{q.number})" for q in PROGRAMME.questions)
    )
    question_label: Series[str] = pa.Field(description="question as asked")
    item: Series[str] = pa.Field(description="item id (unified across sectors)")
    item_label: Series[str] = pa.Field(description="item display label")
    item_order: Series[int] = pa.Field(coerce=True, description="order within the printed series")
    sector: Series[str] = pa.Field(isin=list(SECTOR_LABELS), description=" | ".join(SECTOR_LABELS))
    phase: Series[str] = pa.Field(
        isin=PHASE_IDS, description=" | ".join(PHASE_IDS).replace("unstated", "unstated (no phase given)")
    )
    value: Series[float] = pa.Field(
        in_range={"min_value": 0, "max_value": 1},
        nullable=True,
        description="proportion in [0, 1] (published percentages / 100)",
    )
    base_n: Series[pd.Int64Dtype] = pa.Field(
        nullable=True,
        coerce=True,
        description="respondents the value is based on, where the source states it; empty otherwise",
    )
    value_as_printed: Series[str] = pa.Field(description="the value exactly as printed")
    note: Series[str] = pa.Field(description="cleaning judgement for this row, if any")
    source: Series[str] = _provenance()

    class Config:
        name = "survey"
        strict = True
        ordered = True
        unique = ["question", "item", "sector", "phase"]


class SurveyRespondents(pa.DataFrameModel):
    """`survey_respondents.csv`."""

    group: Series[str] = pa.Field(
        description=" | ".join(dict.fromkeys(g.id for g in PROGRAMME.respondent_groups))
    )
    group_label: Series[str] = pa.Field(description="group as printed")
    phase: Series[str] = pa.Field(isin=PHASE_IDS, description=" | ".join(PHASE_IDS))
    n: Series[int] = pa.Field(coerce=True, description="respondents")
    quote: Series[str] = pa.Field(description="the sentence")
    source: Series[str] = _provenance()

    class Config:
        name = "survey_respondents"
        strict = True
        ordered = True
        unique = ["group", "phase"]


class Proposals(pa.DataFrameModel):
    """`proposals.csv`."""

    authority_id: Series[str] = _authority()
    theme: Series[str] = pa.Field(isin=[t for t, _ in THEMES], description="theme id (unified)")
    theme_label: Series[str] = pa.Field(description="theme display label")
    theme_order: Series[int] = pa.Field(coerce=True, description=f"1-{len(THEMES)}")
    theme_as_printed: Series[str] = pa.Field(description="theme as printed in the case study")
    text: Series[str] = pa.Field(description="the partners' proposal")
    source: Series[str] = _provenance()

    class Config:
        name = "proposals"
        strict = True
        ordered = True
        unique = ["authority_id", "theme"]


class Challenges(pa.DataFrameModel):
    """`challenges.csv`."""

    authority_id: Series[str] = _authority()
    challenge_no: Series[int] = pa.Field(coerce=True, description="as numbered in the case study")
    text: Series[str] = pa.Field(description="the challenge")
    source: Series[str] = _provenance()

    class Config:
        name = "challenges"
        strict = True
        ordered = True
        unique = ["authority_id", "challenge_no"]


class CaseStudyFacts(pa.DataFrameModel):
    """`case_study_facts.csv`."""

    authority_id: Series[str] = _authority()
    fact: Series[str] = pa.Field(description="fact id")
    value: Series[str] = pa.Field(description="value as stated")
    quote: Series[str] = pa.Field(description="the sentence")
    source: Series[str] = _provenance()

    class Config:
        name = "case_study_facts"
        strict = True
        ordered = True
        unique = ["authority_id", "fact"]


class ProgrammeStatements(pa.DataFrameModel):
    """`programme_statements.csv`."""

    topic: Series[str] = pa.Field(
        isin=[t for t, _ in STATEMENT_TOPICS], description=" | ".join(t for t, _ in STATEMENT_TOPICS)
    )
    topic_label: Series[str] = pa.Field(description="topic display label")
    topic_order: Series[int] = pa.Field(coerce=True, description="report order of the topic")
    item_order: Series[int] = pa.Field(coerce=True, description="order within the topic, as printed")
    years: Series[str] = pa.Field(description="programme year(s) the statement names, or 'unstated'")

    @pa.check(
        "years", element_wise=True, error=f"programme years ({_YEARS_TEXT}) joined by ';', or 'unstated'"
    )
    def _years(cls, value: str) -> bool:
        return _years_or(value, "unstated")

    text: Series[str] = pa.Field(description="the statement as printed (whitespace tidied)")
    source: Series[str] = _provenance()

    class Config:
        name = "programme_statements"
        strict = True
        ordered = True
        unique = ["topic", "item_order"]


class EvaluationFindings(pa.DataFrameModel):
    """`evaluation_findings.csv`."""

    finding_order: Series[int] = pa.Field(
        coerce=True, description="order of the finding in the programme report"
    )
    years: Series[str] = pa.Field(description="programme year(s) the finding names, or 'unstated'")

    @pa.check(
        "years", element_wise=True, error=f"programme years ({_YEARS_TEXT}) joined by ';', or 'unstated'"
    )
    def _years(cls, value: str) -> bool:
        return _years_or(value, "unstated")

    text: Series[str] = pa.Field(description="the finding as printed (whitespace tidied)")
    audited_as: Series[str] = pa.Field(
        description="claim ids of claims.csv that test this finding (';'-separated; empty: none)"
    )
    source: Series[str] = _provenance()

    class Config:
        name = "evaluation_findings"
        strict = True
        ordered = True
        unique = ["finding_order"]


class CaseStudySections(pa.DataFrameModel):
    """`case_study_sections.csv`."""

    authority_id: Series[str] = _authority()
    section: Series[str] = pa.Field(
        isin=[s for s, _ in CASE_STUDY_SECTIONS], description=" | ".join(s for s, _ in CASE_STUDY_SECTIONS)
    )
    section_label: Series[str] = pa.Field(description="section display label")
    paragraph_order: Series[int] = pa.Field(coerce=True, description="paragraph order within the section")
    text: Series[str] = pa.Field(description="the paragraph as printed (whitespace tidied)")
    source: Series[str] = _provenance()

    class Config:
        name = "case_study_sections"
        strict = True
        ordered = True
        unique = ["authority_id", "section", "paragraph_order"]


class CaseStudyImpacts(pa.DataFrameModel):
    """`case_study_impacts.csv`."""

    authority_id: Series[str] = _authority()
    group: Series[str] = pa.Field(description=" | ".join(g.id for g in PROGRAMME.case_study_groups))
    group_label: Series[str] = pa.Field(description="group as printed")
    value: Series[float] = pa.Field(
        in_range={"min_value": 0, "max_value": 1},
        nullable=True,
        description="proportion in [0, 1] (published percentages / 100)",
    )
    base_n: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, coerce=True, description="participants in the group (not stated: empty)"
    )
    statement: Series[str] = pa.Field(description="the sentence")
    source: Series[str] = _provenance()

    class Config:
        name = "case_study_impacts"
        strict = True
        ordered = True


class Guidance(pa.DataFrameModel):
    """`guidance.csv`."""

    theme: Series[str] = pa.Field(isin=[t for t, _ in THEMES], description="focus theme id")
    theme_label: Series[str] = pa.Field(description="theme display label")
    row_order: Series[int] = pa.Field(coerce=True, description="printed row order")
    key_principle: Series[str] = pa.Field(description="key principle ('' where the bullet is empty)")
    practice_suggestion: Series[str] = pa.Field(description="practice suggestion")
    commissioning_stages: Series[str] = pa.Field(description="stage ids ticked, or 'unrecorded' (ticks lost)")
    theme_basis: Series[str] = pa.Field(description="printed, or carried down from the row above")
    source: Series[str] = _provenance()

    class Config:
        name = "guidance"
        strict = True
        ordered = True
        unique = ["row_order"]


class CommissioningCycle(pa.DataFrameModel):
    """`commissioning_cycle.csv`."""

    stage_order: Series[int] = pa.Field(coerce=True, description=f"1-{len(COMMISSIONING_STAGES) - 1}")
    stage_id: Series[str] = pa.Field(description="stage id")
    stage: Series[str] = pa.Field(description="stage label")
    stage_as_printed: Series[str] = pa.Field(description="as printed")
    quote: Series[str] = pa.Field(description="the definition")
    source: Series[str] = _provenance()

    class Config:
        name = "commissioning_cycle"
        strict = True
        ordered = True
        unique = ["stage_order"]


class Claims(pa.DataFrameModel):
    """`claims.csv`."""

    claim_id: Series[str] = pa.Field(unique=True, description="stable claim id")
    claim_quote: Series[str] = pa.Field(description="the claim, quoted as printed")
    source: Series[str] = _provenance()
    question: Series[str] = pa.Field(description="survey question the claim is about")
    sector: Series[str] = pa.Field(description="sectors (';'-separated)")
    phase: Series[str] = pa.Field(description="phases (';'-separated)")
    items: Series[str] = pa.Field(description="item ids (';'-separated, '*' = all)")
    test: Series[str] = pa.Field(description="how the claim is tested (see lib/analysis/claims.py)")
    threshold: Series[str] = pa.Field(description="whole number for counting tests")
    expected: Series[str] = pa.Field(description="published proportions for value checks")
    tolerance: Series[str] = pa.Field(
        description="agreement tolerance ('about the same' = |change| <= tolerance)"
    )
    untestable_reason: Series[str] = pa.Field(description="why no data can test the claim")
    interpretation: Series[str] = pa.Field(description="how the claim's wording was read")
    authorities: Series[str] = pa.Field(
        description="ids of the authorities the claim names or whose account it is (';'-joined), '' if none"
    )
    actor: Series[str] = pa.Field(
        isin=["programme", "condition", "authority", "none"],
        description="what the claim's words name as bringing something about (the causal rule's reading)",
    )
    causal_words: Series[str] = pa.Field(description="the claim's own words that state the cause or change")

    class Config:
        name = "claims"
        strict = True
        ordered = True


class Checklist(pa.DataFrameModel):
    """`checklist.csv`."""

    stage_order: Series[int] = pa.Field(
        coerce=True,
        description=(
            f"0 = {COMMISSIONING_STAGES[0][1].lower()}, 1-{len(COMMISSIONING_STAGES) - 1} = cycle stage"
            if COMMISSIONING_STAGES
            else "cycle stage (the programme names none)"
        ),
    )
    stage_id: Series[str] = pa.Field(description="stage id")
    stage: Series[str] = pa.Field(description="stage label")
    item_order: Series[int] = pa.Field(coerce=True, description="order within the stage")
    text: Series[str] = pa.Field(description="checklist item")
    source: Series[str] = _provenance()

    class Config:
        name = "checklist"
        strict = True
        ordered = True
        unique = ["stage_order", "item_order"]


class AuthorityMentions(pa.DataFrameModel):
    """`authority_mentions.csv`."""

    authority_id: Series[str] = _authority()
    authority_as_printed: Series[str] = pa.Field(description="the name as the sentence prints it")
    mention_order: Series[int] = pa.Field(coerce=True, ge=1, description="order of the authority's mentions")
    topic: Series[str] = pa.Field(
        isin=[t for t, _ in MENTION_TOPICS], description="one of " + ", ".join(t for t, _ in MENTION_TOPICS)
    )
    topic_label: Series[str] = pa.Field(description="the topic in words, as the authority page shows it")
    topic_order: Series[int] = pa.Field(coerce=True, description="order of the topic on the page")
    text: Series[str] = pa.Field(description="the sentence or paragraph as printed (whitespace tidied)")
    transcription_note: Series[str] = pa.Field(description="how it was transcribed (empty when as printed)")
    source: Series[str] = _provenance()

    class Config:
        name = "authority_mentions"
        strict = True
        ordered = True
        unique = ["authority_id", "authority_as_printed", "mention_order"]


#: Processed table file -> its model, in the order data/README.md documents them.
PROCESSED_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "authorities.csv": Authorities,
    "membership.csv": Membership,
    "evidence.csv": Evidence,
    "profiles.csv": Profiles,
    "kpis.csv": Kpis,
    "survey.csv": Survey,
    "survey_respondents.csv": SurveyRespondents,
    "proposals.csv": Proposals,
    "challenges.csv": Challenges,
    "case_study_facts.csv": CaseStudyFacts,
    "programme_statements.csv": ProgrammeStatements,
    "evaluation_findings.csv": EvaluationFindings,
    "case_study_sections.csv": CaseStudySections,
    "case_study_impacts.csv": CaseStudyImpacts,
    "guidance.csv": Guidance,
    "commissioning_cycle.csv": CommissioningCycle,
    "claims.csv": Claims,
    "checklist.csv": Checklist,
    "authority_mentions.csv": AuthorityMentions,
}


def _authorities_schema() -> pa.DataFrameSchema:
    """authorities.csv has one ``in_<year>`` column per programme year, after ``years``."""
    schema = Authorities.to_schema()
    columns = {}
    for name, column in schema.columns.items():
        columns[name] = column
        if name == "years":
            for year in YEARS:
                columns[year_column(year)] = pa.Column(
                    str,
                    pa.Check.isin(["yes", "no", "unknown"]),
                    name=year_column(year),
                    description=f"took part in {year}",
                )
    return schema.remove_columns(list(schema.columns)).add_columns(columns)


#: The processed contract as schemas (what validation and the README generator read).
PROCESSED_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    name: _authorities_schema() if model is Authorities else model.to_schema()
    for name, model in PROCESSED_MODELS.items()
}


def empty_table(name: str) -> pd.DataFrame:
    """A processed table with no rows: its schema's columns and types (a table the
    programme does not have, or whose raw table held no rows)."""
    schema = PROCESSED_SCHEMAS[name]
    return pd.DataFrame({column: pd.Series(dtype=spec.dtype.type) for column, spec in schema.columns.items()})


def is_text(spec: pa.Column) -> bool:
    return str(spec.dtype).startswith(("str", "string"))
