"""The processed contract: one schema per processed table, checked before
anything is written and used to type the tables when they are read back.
The processed-table section of data/README.md is generated from it.
"""

from __future__ import annotations

from pathlib import Path

import pandera.pandas as pa

from lib.config import PROJECT_ROOT
from lib.sources.case_studies import CASE_STUDY_SECTIONS, THEMES
from lib.sources.common import AUTHORITIES, UNRECORDED, YEAR_ONE, YEAR_TWO
from lib.sources.evidence import EVIDENCE_ITEMS, EVIDENCE_STATUSES, evidence_rule_violations
from lib.sources.profiles import PROFILE_QUESTIONS
from lib.sources.statements import STATEMENT_TOPICS
from lib.sources.survey import SECTOR_LABELS

_ID = pa.Column(str, pa.Check.isin(list(AUTHORITIES)), description="authority slug (see authorities.csv)")


_SRC = pa.Column(
    str,
    pa.Check.str_matches(r"\d{3}_[0-9a-f]{16}\.txt § .+"),
    description="provenance: source document file name § section",
)


_PROPORTION = pa.Column(
    float,
    pa.Check.in_range(0, 1),
    nullable=True,
    description="proportion in [0, 1] (published percentages / 100)",
)


def _text(description: str, nullable: bool = False) -> pa.Column:
    return pa.Column(str, nullable=nullable, description=description)


def _int(description: str, nullable: bool = False) -> pa.Column:
    return pa.Column("Int64" if nullable else int, nullable=nullable, coerce=True, description=description)


PROCESSED_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "authorities.csv": pa.DataFrameSchema(
        {
            "authority_id": pa.Column(
                str,
                pa.Check.isin(list(AUTHORITIES)),
                unique=True,
                description="canonical slug, stable across runs",
            ),
            "authority": _text("canonical display name"),
            "years": pa.Column(
                str,
                pa.Check.isin([YEAR_ONE, YEAR_TWO, f"{YEAR_ONE};{YEAR_TWO}", UNRECORDED]),
                description="programme years taken part: 2011-12, 2012-13, both joined by ';', or 'unrecorded'",
            ),
            "in_2011_12": pa.Column(
                str, pa.Check.isin(["yes", "no", "unknown"]), description="took part in 2011-12"
            ),
            "in_2012_13": pa.Column(
                str, pa.Check.isin(["yes", "no", "unknown"]), description="took part in 2012-13"
            ),
            "years_basis": _text("the statements (with provenance) the years come from"),
            "case_study": pa.Column(
                str, pa.Check.isin(["yes", "no"]), description="a case study exists (Leeds, Richmond)"
            ),
            "attitude_survey": pa.Column(
                str,
                pa.Check.isin(["yes", "no"]),
                description="named as a source of the 2012-13 attitude survey (004 § 2.2)",
            ),
            "source": _text("provenance of the years"),
        },
        strict=True,
        ordered=True,
        name="authorities",
    ),
    "membership.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "authority_as_printed": _text("name as printed in the statement"),
            "years_stated": _text("years the statement gives"),
            "quote": _text("the statement"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        name="membership",
    ),
    "evidence.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "authority": _text("display name"),
            "evidence_item": pa.Column(
                str, pa.Check.isin([i for i, _ in EVIDENCE_ITEMS]), description="evidence item id"
            ),
            "evidence_label": _text("evidence item display label"),
            "item_order": _int("1-12, the matrix's row order"),
            "status": pa.Column(
                str,
                pa.Check.isin(EVIDENCE_STATUSES),
                description="available | not_produced | not_applicable | unclear (a printed code not in the legend) | unrecorded",
            ),
            "raw_code": _text("code as printed, stripped ('' = glyph lost, '[not printed]' = truncated)"),
            "basis": _text("why this status: the legend, or the fact another source states"),
            "inferred": pa.Column(
                str,
                pa.Check.isin(["yes", "no"]),
                description="yes where the status was inferred from another source",
            ),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["authority_id", "evidence_item"],
        name="evidence",
        checks=[
            pa.Check(
                lambda f: evidence_rule_violations(f).empty,
                error="the inference rule (docs/caveats.md): a status other than "
                "unrecorded needs a legend code or a positive statement",
            )
        ],
    ),
    "profiles.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "question": pa.Column(
                str, pa.Check.isin([q for q, _ in PROFILE_QUESTIONS]), description="profile question id"
            ),
            "question_label": _text("profile question"),
            "question_order": _int("1-5"),
            "text": _text("the authority's answer as printed (whitespace tidied)"),
            "alignment": pa.Column(
                str,
                pa.Check.isin(["as_printed", "doubtful"]),
                description="'doubtful' where the cell may belong to another authority or question",
            ),
            "alignment_note": _text("why alignment is doubtful"),
            "source": _SRC,
            "text_status": pa.Column(
                str, pa.Check.isin(["printed", "empty"]), description="'empty' where no text was printed"
            ),
        },
        strict=True,
        ordered=True,
        unique=["authority_id", "question"],
        name="profiles",
    ),
    "kpis.csv": pa.DataFrameSchema(
        {
            "kpi": _text("KPI id (programme_activity for the yearly activity counts)"),
            "kpi_label": _text("KPI as worded in the report"),
            "kpi_order": _int("0 = activity, 1-5 = the KPI table's order"),
            "year": pa.Column(str, pa.Check.isin([YEAR_ONE, YEAR_TWO]), description="programme year"),
            "measure": _text("measure id"),
            "measure_label": _text("measure label"),
            "value": pa.Column(
                float,
                nullable=True,
                coerce=True,
                description="proportion (unit=proportion), count (unit=count) or empty (unit=text)",
            ),
            "unit": pa.Column(
                str, pa.Check.isin(["proportion", "count", "text"]), description="proportion | count | text"
            ),
            "bound": pa.Column(
                str,
                pa.Check.isin(["exact", "more_than", "at_most", "at_least"]),
                description="how the source states the value",
            ),
            "text": _text("the cell or sentence as printed"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["kpi", "year", "measure"],
        name="kpis",
    ),
    "survey.csv": pa.DataFrameSchema(
        {
            "question": pa.Column(
                str,
                pa.Check.isin(["understanding", "impacts", "best_features", "la_role"]),
                description="understanding (Q1) | impacts (Q3) | best_features (Q2) | la_role (Q4)",
            ),
            "question_label": _text("question as asked"),
            "item": _text("item id (unified across sectors)"),
            "item_label": _text("item display label"),
            "item_order": _int("order within the printed series"),
            "sector": pa.Column(
                str, pa.Check.isin(list(SECTOR_LABELS)), description="all | vcs | childrens_centres"
            ),
            "phase": pa.Column(
                str,
                pa.Check.isin(["pre", "post", "unstated"]),
                description="pre | post | unstated (no phase given)",
            ),
            "value": _PROPORTION,
            "base_n": _int(
                "respondents the value is based on, where the source states it; empty otherwise",
                nullable=True,
            ),
            "value_as_printed": _text("the value exactly as printed"),
            "note": _text("cleaning judgement for this row, if any"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["question", "item", "sector", "phase"],
        name="survey",
    ),
    "survey_respondents.csv": pa.DataFrameSchema(
        {
            "group": _text(
                "all | vcs | childrens_centres | local_authorities | other_sectors | health | community_advice | parents"
            ),
            "group_label": _text("group as printed"),
            "phase": pa.Column(
                str, pa.Check.isin(["pre", "post", "unstated"]), description="pre | post | unstated"
            ),
            "n": _int("respondents"),
            "quote": _text("the sentence"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["group", "phase"],
        name="survey_respondents",
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
        strict=True,
        ordered=True,
        unique=["authority_id", "theme"],
        name="proposals",
    ),
    "challenges.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "challenge_no": _int("as numbered in the case study"),
            "text": _text("the challenge"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["authority_id", "challenge_no"],
        name="challenges",
    ),
    "case_study_facts.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "fact": _text("fact id"),
            "value": _text("value as stated"),
            "quote": _text("the sentence"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["authority_id", "fact"],
        name="case_study_facts",
    ),
    "programme_statements.csv": pa.DataFrameSchema(
        {
            "topic": pa.Column(
                str,
                pa.Check.isin([t for t, _ in STATEMENT_TOPICS]),
                description="launch | aim | objective | success_measure | delivery_strategy | "
                "delivery_step | delivery_model | commissioning_strategy | "
                "baseline_survey | co_production_definition",
            ),
            "topic_label": _text("topic display label"),
            "topic_order": _int("report order of the topic"),
            "item_order": _int("order within the topic, as printed"),
            "years": pa.Column(
                str,
                pa.Check.isin([YEAR_ONE, YEAR_TWO, f"{YEAR_ONE};{YEAR_TWO}", "unstated"]),
                description="programme year(s) the statement names, or 'unstated'",
            ),
            "text": _text("the statement as printed (whitespace tidied)"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["topic", "item_order"],
        name="programme_statements",
    ),
    "evaluation_findings.csv": pa.DataFrameSchema(
        {
            "finding_order": _int("1-10, order in 002 § 7"),
            "years": pa.Column(
                str,
                pa.Check.isin([YEAR_ONE, YEAR_TWO, f"{YEAR_ONE};{YEAR_TWO}", "unstated"]),
                description="programme year(s) the finding names, or 'unstated'",
            ),
            "text": _text("the finding as printed (whitespace tidied)"),
            "audited_as": _text(
                "claim ids of claims.csv that test this finding (';'-separated; empty: none)"
            ),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["finding_order"],
        name="evaluation_findings",
    ),
    "case_study_sections.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "section": pa.Column(
                str,
                pa.Check.isin([c for c, _ in CASE_STUDY_SECTIONS]),
                description="positive_impact | putting_learning_into_practice",
            ),
            "section_label": _text("section display label"),
            "paragraph_order": _int("paragraph order within the section"),
            "text": _text("the paragraph as printed (whitespace tidied)"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["authority_id", "section", "paragraph_order"],
        name="case_study_sections",
    ),
    "case_study_impacts.csv": pa.DataFrameSchema(
        {
            "authority_id": _ID,
            "group": _text("vcs | local_authorities | childrens_centres"),
            "group_label": _text("group as printed"),
            "value": _PROPORTION,
            "base_n": _int("participants in the group (not stated: empty)", nullable=True),
            "statement": _text("the sentence"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        name="case_study_impacts",
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
        strict=True,
        ordered=True,
        unique=["row_order"],
        name="guidance",
    ),
    "commissioning_cycle.csv": pa.DataFrameSchema(
        {
            "stage_order": _int("1-5"),
            "stage_id": _text("stage id"),
            "stage": _text("stage label"),
            "stage_as_printed": _text("as printed"),
            "quote": _text("the definition"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["stage_order"],
        name="commissioning_cycle",
    ),
    "claims.csv": pa.DataFrameSchema(
        {
            "claim_id": pa.Column(str, unique=True, description="stable claim id"),
            "claim_quote": _text("the claim, quoted as printed"),
            "source": _SRC,
            **{
                c: _text(d)
                for c, d in [
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
                ]
            },
        },
        strict=True,
        ordered=True,
        name="claims",
    ),
    "checklist.csv": pa.DataFrameSchema(
        {
            "stage_order": _int("0 = before beginning, 1-5 = cycle stage"),
            "stage_id": _text("stage id"),
            "stage": _text("stage label"),
            "item_order": _int("order within the stage"),
            "text": _text("checklist item"),
            "source": _SRC,
        },
        strict=True,
        ordered=True,
        unique=["stage_order", "item_order"],
        name="checklist",
    ),
}


def _is_text(spec: pa.Column) -> bool:
    return str(spec.dtype).startswith(("str", "string"))


def _type_name(spec: pa.Column) -> str:
    if _is_text(spec):
        return "text"
    kind = str(spec.dtype).lower()
    name = "integer" if kind.startswith("int") else "number"
    return f"{name} (may be empty)" if spec.nullable else name


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
