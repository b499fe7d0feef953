"""The results contract: one pandera schema per results table (``lib/analysis/results.py``).

Each table is checked before it is written and when it is read back; the
results-table section of data/README.md is generated from these schemas
(:func:`results_schema_markdown`, ``python -m lib.analysis schema-docs``).
Percentages are percentage points (0-100); verdicts are the one vocabulary of
:mod:`lib.analysis.verdicts`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from lib.analysis.claims import ClaimsResult
from lib.analysis.verdicts import DIRECTION_ONLY, NOT_SUPPORTED, SUPPORTED, UNTESTABLE, VERDICTS
from lib.config import PROJECT_ROOT
from lib.files import atomic_write_text

DIRECTION_WORDS = ["higher", "about the same", "lower"]
CONFIDENCE_WORDS = ["high", "moderate", "low", "very low"]


def _text(description: str, **kwargs) -> pa.Column:
    return pa.Column(str, description=description, **kwargs)


def _pts(description: str, nullable: bool = False) -> pa.Column:
    return pa.Column(float, nullable=nullable, description=description)


def _count(description: str, nullable: bool = False) -> pa.Column:
    return pa.Column("Int64", pa.Check.ge(0), nullable=nullable, description=description)


def _verdict(description: str = "verdict, in the one vocabulary (lib/analysis/verdicts.py)") -> pa.Column:
    return pa.Column(str, pa.Check.isin(list(VERDICTS)), description=description)


def _interval_columns() -> dict[str, pa.Column]:
    out = {}
    for end, words in (
        ("", "at the central bases"),
        ("_low_base", "at the low bases"),
        ("_high_base", "at the high bases"),
    ):
        out[f"ci_low_pts{end}"] = _pts(f"lower end of the 95% Newcombe interval of the change, {words}", True)
        out[f"ci_high_pts{end}"] = _pts(f"upper end of that interval, {words}", True)
    return out


COMPARISONS = pa.DataFrameSchema(
    {
        "comparison_id": _text("question:item:sector", unique=True),
        "question": _text("survey question id"),
        "question_label": _text("the question as reports name it"),
        "item": _text("item id"),
        "item_label": _text("the item as printed"),
        "item_order": _count("printed order of the item"),
        "sector": _text("sector id"),
        "sector_label": _text("the sector as reports name it"),
        "pct_pre": _pts("published share before, in percent"),
        "pct_post": _pts("published share after, in percent"),
        "change_pts": _pts("after minus before, in percentage points"),
        "base_pre": _count("respondents before (stated, or the central approximation)", True),
        "base_post": _count("respondents after (stated, or the central approximation)", True),
        "base_pre_low": _count("low end of the plausible base before", True),
        "base_pre_high": _count("high end of the plausible base before", True),
        "base_post_low": _count("low end of the plausible base after", True),
        "base_post_high": _count("high end of the plausible base after", True),
        **_interval_columns(),
        "clear_of_chance": pa.Column(
            bool,
            description="the interval excludes zero (at both ends of the base range when the plan's both-ends rule applies)",
        ),
        "direction": _text(
            "higher, about the same (within the plan's tolerance) or lower",
            checks=pa.Check.isin(DIRECTION_WORDS),
        ),
        "mdd_pts": _pts(
            "smallest rise the survey could detect at these bases (plan's power and level), in points", True
        ),
        "base_for_target": _count("respondents per group needed to detect the plan's target change", True),
        "verdict": _verdict(
            "the answer to 'did the share rise?' in the one vocabulary (lib/analysis/verdicts.py): "
            "supported when higher and clear of chance, direction only when higher but not clear of it, "
            "not supported when about the same or lower, cannot be tested with no base"
        ),
        "reason": _text(
            "why, in words: which answer (higher, about the same, lower) and whether it is clear of chance"
        ),
        "source": _text("the survey rows' provenance"),
    },
    checks=pa.Check(
        lambda t: t["verdict"].eq(_comparison_verdict(t)),
        element_wise=False,
        error="a comparison's verdict follows its direction and clear_of_chance (did the share rise?)",
    ),
    strict=True,
    ordered=True,
)


def _comparison_verdict(t: pd.DataFrame) -> pd.Series:
    """The verdict each comparison's direction, clear_of_chance and base give (the schema's check
    of lib.analysis.results.comparison_verdict)."""
    higher = t["direction"].eq("higher")
    clear = t["clear_of_chance"].astype(bool)
    out = pd.Series(NOT_SUPPORTED, index=t.index)
    out[higher & clear] = SUPPORTED
    out[higher & ~clear] = DIRECTION_ONLY
    out[t["base_pre"].isna()] = UNTESTABLE
    return out


SUCCESS = pa.DataFrameSchema(
    {
        "criterion_id": _text("the plan's criterion id", unique=True),
        "criterion": _text("the criterion quoted as the programme states it"),
        "source": _text("where the programme states it (file § section)"),
        "measures": _text("the comparisons that stand for it (question: sectors)"),
        "reasoning": _text("why those measures stand for it"),
        "verdict": _verdict(),
        "headline": _text("the sentence pages print: the verdict itself"),
        "confidence": _text(
            "confidence in the verdict (the plan's rubric)", checks=pa.Check.isin(CONFIDENCE_WORDS)
        ),
        "confidence_reason": _text("what set the confidence"),
        "n_comparisons": _count("comparisons measured"),
        "n_higher": _count("of which higher"),
        "n_same": _count("of which about the same"),
        "n_lower": _count("of which lower"),
        "n_clear": _count("of which clear of chance"),
        "mdd_min_pts": _pts(
            "smallest of the changes its could-be-chance comparisons (tested, not clear of chance, in any "
            "direction) could detect, in points",
            True,
        ),
        "mdd_max_pts": _pts("largest of those, in points", True),
        "base_min": _count("smallest base (before or after) of its tested comparisons", True),
        "base_max": _count("largest of those bases", True),
        "base_for_target_min": _count(
            "fewest respondents per group its comparisons need for the target change", True
        ),
        "base_for_target_max": _count("most respondents per group they need for it", True),
    },
    strict=True,
    ordered=True,
)

DESIGN = pa.DataFrameSchema(
    {
        "kind": _text("the plan's design kind (unlinked, linked, comparison, linked_comparison, none)"),
        "kind_label": _text("the design in words"),
        "scale": _text("the design-rating scale"),
        "scale_version": _text("its version"),
        "scale_source": _text("where it is published"),
        "level": _count("the design's level on the scale (0: not rated, below level 1)"),
        "level_max": _count("the scale's top level"),
        "level_text": _text("the scale's own words for that level"),
        "reason": _text("why, in words"),
    },
    strict=True,
    ordered=True,
)

KPIS = pa.DataFrameSchema(
    {
        "kpi": _text("KPI id"),
        "kpi_label": _text("KPI as printed"),
        "measure": _text("measure id"),
        "measure_label": _text("measure as printed"),
        "year_from": _text("first programme year with the KPI"),
        "year_to": _text("last programme year with the KPI"),
        "pct_from": _pts("value in the first year, in percent"),
        "pct_to": _pts("value in the last year, in percent"),
        "change_pts": _pts("last minus first, in points"),
        "direction": _text(
            "higher, about the same (within the plan's tolerance) or lower",
            checks=pa.Check.isin(DIRECTION_WORDS),
        ),
        "source": _text("provenance of the KPI rows"),
    },
    strict=True,
    ordered=True,
)

FINDINGS = pa.DataFrameSchema(
    {
        "finding_id": _text("finding id", unique=True),
        "order": _count("its number in the summary"),
        "headline": _text("the finding in one sentence"),
        "detail": _text("what it rests on (may be empty)"),
        "confidence": _text(
            "high, moderate, low or very low (the plan's rubric)", checks=pa.Check.isin(CONFIDENCE_WORDS)
        ),
        "confidence_reason": _text("the rubric's start and what lowered or raised it"),
    },
    strict=True,
    ordered=True,
)

#: Results table name (file stem) -> schema, in the order results.RESULTS computes them.
RESULTS_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "results_comparisons": COMPARISONS,
    "results_success": SUCCESS,
    "results_design": DESIGN,
    "results_kpis": KPIS,
    "results_claims": ClaimsResult.to_schema(),
    "results_findings": FINDINGS,
}

TITLES: dict[str, str] = {
    "results_comparisons": "Every before/after survey comparison with its intervals, direction and verdict",
    "results_success": "Each success criterion of the evaluation plan with its verdict",
    "results_design": "The design's rating on the plan's scale",
    "results_kpis": "Percentage KPIs, first year against last, with their direction",
    "results_claims": "The claim audit: each claim checked, with its causal reading, direction, strength and verdict",
    "results_findings": "The key findings with their confidence",
}


def _type_words(dtype: str) -> str:
    if dtype.startswith("str"):
        return "text"
    return {"bool": "true/false", "float64": "number", "Int64": "whole number"}.get(dtype, dtype)


def results_schema_markdown() -> str:
    """The results-table section of data/README.md, generated from the schemas."""
    parts = []
    for name, schema in RESULTS_SCHEMAS.items():
        parts.append(
            f"### `{name}.csv`\n\n{TITLES[name]}.\n\n| column | type | meaning |\n| --- | --- | --- |"
        )
        for col, spec in schema.columns.items():
            kind = _type_words(str(spec.dtype))
            parts.append(
                f"| `{col}` | {kind}{' (may be empty)' if spec.nullable else ''} | {spec.description} |"
            )
        parts.append("")
    return "\n".join(parts).strip() + "\n"


START, END = "<!-- results-schema:start -->", "<!-- results-schema:end -->"


def update_results_readme(path: Path = PROJECT_ROOT / "data" / "README.md") -> bool:
    """Rewrite the results section of data/README.md between its markers; True if it changed."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{results_schema_markdown()}{END}{tail}"
    if new != text:
        atomic_write_text(path, new)
    return new != text
