"""The evaluation plan: how the workbook judges a programme, declared as data.

``plan.yaml`` sits beside the programme's ``definition.yaml`` and declares
the design (comparison group, linked respondents, when outcomes were
measured), the design-rating scale named with its version and source, one
set of decision rules (significance level, power, the "about the same"
tolerance, the both-ends rule over the base range, the change that matters),
the success criteria as the programme states them with the measures that
stand for each and why, and the confidence rubric. Every verdict, rating and
confidence the pages print follows from it (``lib/analysis/results.py``).

A bad plan stops with one line per problem, like the definition: an unknown
key is named with the closest known key (:data:`PLAN_KEYS`, checked by
:func:`lib.programme.keys.check_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lib.programme.keys import Key, check_keys, entries, flag, free_map, mapping, text, texts, walk
from lib.programme.reader import ID, PROVENANCE, ProgrammeDefinitionError, Reader

PLAN_FILE = "plan.yaml"
#: The design kinds a plan may declare (lib/analysis/design.py DESIGNS).
DESIGN_KINDS: tuple[str, ...] = ("unlinked", "linked", "comparison", "linked_comparison", "none")
#: The kind that compares no outcomes: its level is optional, 0 (not rated, the default) or one of the scale's.
UNCOMPARED = "none"
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "moderate", "low", "very_low")
#: What a finding rests on, for the rubric's starting level.
FINDING_KINDS: tuple[str, ...] = ("count", "change")


@dataclass(frozen=True)
class Design:
    summary: str
    comparison_group: bool
    linked_respondents: bool
    outcomes_measured: str
    kind: str
    limits: tuple[str, ...] = ()


@dataclass(frozen=True)
class RatingScale:
    name: str
    version: str
    source: str
    levels: tuple[tuple[str, int], ...]  # design kind -> level
    level_max: int
    level_text: tuple[tuple[int, str], ...]
    reason: str = ""


@dataclass(frozen=True)
class DecisionRules:
    alpha: float
    power: float
    tolerance_points: float
    both_ends: bool
    target_change_points: float


@dataclass(frozen=True)
class MeasureSelector:
    """Which before/after comparisons stand for a criterion: one question, some sectors."""

    question: str
    sectors: tuple[str, ...]


@dataclass(frozen=True)
class SuccessCriterion:
    id: str
    criterion: str
    source: str
    measures: tuple[MeasureSelector, ...]
    reasoning: str


@dataclass(frozen=True)
class RubricEntry:
    id: str
    text: str


@dataclass(frozen=True)
class ConfidenceRubric:
    levels: tuple[RubricEntry, ...]
    starts: tuple[tuple[str, str], ...]  # finding kind -> starting level id
    lowered_by: tuple[RubricEntry, ...]
    raised_by: tuple[RubricEntry, ...]

    def start(self, kind: str) -> str:
        return dict(self.starts)[kind]

    def reason(self, group: str, reason_id: str) -> str:
        return next(e.text for e in getattr(self, group) if e.id == reason_id)


@dataclass(frozen=True)
class Plan:
    path: Path
    design: Design
    rating_scale: RatingScale
    decision_rules: DecisionRules
    success_criteria: tuple[SuccessCriterion, ...]
    confidence_rubric: ConfidenceRubric

    def criterion(self, criterion_id: str) -> SuccessCriterion:
        """The success criterion with this id (StopIteration if the plan has none)."""
        return next(c for c in self.success_criteria if c.id == criterion_id)


_ENTRY = (text("id", "a lowercase id", "imprecision"), text("text", "what it means, in words", "..."))

#: Every key a plan may hold (unknown keys are refused with the closest one).
PLAN_KEYS: tuple[Key, ...] = (
    mapping(
        "design",
        "what the programme's evaluation did",
        text("summary", "one sentence for readers"),
        flag("comparison_group", "whether a group that did not take part was measured"),
        flag("linked_respondents", "whether before and after answers are linked person to person"),
        text("outcomes_measured", "when outcomes were measured"),
        text("kind", f"one of {', '.join(DESIGN_KINDS)}", "unlinked"),
        texts("limits", "what the design cannot say, shown with every judgement"),
    ),
    mapping(
        "rating_scale",
        "the design-rating scale, named with version and source",
        text("name", "the scale", "Maryland Scientific Methods Scale"),
        text("version", "which version", "What Works Centre for Local Economic Growth (2016)"),
        text("source", "where the scale is published"),
        free_map(
            "levels",
            "design kind",
            "level",
            "the level each design kind reaches (none: optional, 0 = not rated, the default)",
            "{unlinked: 1}",
        ),
        Key("level_max", "whole number", "the scale's top level", "5"),
        free_map("level_text", "level", "text", "the scale's own words for each level used", "{1: ...}"),
        text("reason", "why this scale and version", required=False),
    ),
    mapping(
        "decision_rules",
        "one rule set for every verdict",
        Key("alpha", "number", "two-sided significance level", "0.05"),
        Key("power", "number", "power for the minimum detectable difference", "0.80"),
        Key("tolerance_points", "number", "'about the same': a change within this many points", "2"),
        flag("both_ends", "clear of chance only if clear at both ends of the base range"),
        Key("target_change_points", "number", "the change that matters, in points", "10"),
    ),
    entries(
        "success_criteria",
        "the programme's own success criteria",
        text("id", "a lowercase id", "positive_attitudes"),
        text("criterion", "quoted as the programme states it"),
        text("source", "`<file> § <section>`"),
        entries(
            "measures",
            "which comparisons stand for it",
            text("question", "a survey question id", "impacts"),
            texts("sectors", "sector ids", "[vcs]"),
            required=False,
        ),
        text("reasoning", "why these measures stand for it, shown to readers"),
    ),
    mapping(
        "confidence_rubric",
        "the confidence levels in words, and what moves a finding between them",
        entries("levels", "high, moderate, low, very_low, each defined", *_ENTRY),
        free_map("starts", "finding kind", "level id", "where a finding starts", "{count: high}"),
        entries("lowered_by", "what lowers a finding one level", *_ENTRY),
        entries("raised_by", "what raises a finding one level", *_ENTRY, required=False),
    ),
)


def _number(r: Reader, node: Any, key: str, path: str, low: float, high: float) -> float:
    value = r.get(node, key, path, (int, float), f"a number from {low:g} to {high:g}")
    if value is None:
        return 0.0
    if not low <= value <= high:
        r.problem(f"{path}.{key}", value, f"a number from {low:g} to {high:g}")
    return float(value)


def _design(r: Reader, node: Any) -> Design:
    p = "design"
    kind = r.text(node, "kind", p) or ""
    r.member(f"{p}.kind", kind or None, DESIGN_KINDS, "a design kind")
    return Design(
        summary=r.text(node, "summary", p) or "",
        comparison_group=bool(r.get(node, "comparison_group", p, bool, "true or false")),
        linked_respondents=bool(r.get(node, "linked_respondents", p, bool, "true or false")),
        outcomes_measured=r.text(node, "outcomes_measured", p) or "",
        kind=kind,
        limits=r.texts(node, "limits", p),
    )


def _int_map(r: Reader, node: Any, key: str, path: str) -> dict:
    value = r.get(node, key, path, dict, "a mapping") or {}
    return {k: v for k, v in value.items()}


def _scale(r: Reader, node: Any) -> RatingScale:
    p = "rating_scale"
    top = r.get(node, "level_max", p, int, "a whole number of levels")
    levels = _int_map(r, node, "levels", p)
    for kind, level in levels.items():
        r.member(f"{p}.levels", kind, DESIGN_KINDS, "a design kind")
        low = 0 if kind == UNCOMPARED else 1
        if not isinstance(level, int) or isinstance(level, bool) or not low <= level <= (top or level):
            r.problem(f"{p}.levels.{kind}", level, f"a level from {low} to {top}")
    for kind in DESIGN_KINDS:
        if kind not in levels and kind != UNCOMPARED:
            r.problem(f"{p}.levels.{kind}", "(missing)", "the level this design kind reaches")
    texts_ = _int_map(r, node, "level_text", p)
    for level, words in texts_.items():
        if not isinstance(level, int) or not isinstance(words, str) or not words.strip():
            r.problem(f"{p}.level_text.{level}", words, "a level number and the scale's words for it")
    return RatingScale(
        name=r.text(node, "name", p) or "",
        version=r.text(node, "version", p) or "",
        source=r.text(node, "source", p) or "",
        levels=tuple((str(k), int(v)) for k, v in levels.items() if isinstance(v, int)),
        level_max=top or 0,
        level_text=tuple((int(k), str(v)) for k, v in texts_.items() if isinstance(k, int)),
        reason=r.text(node, "reason", p, optional=True) or "",
    )


def _rules(r: Reader, node: Any) -> DecisionRules:
    p = "decision_rules"
    return DecisionRules(
        alpha=_number(r, node, "alpha", p, 0.0001, 0.5),
        power=_number(r, node, "power", p, 0.5, 0.9999),
        tolerance_points=_number(r, node, "tolerance_points", p, 0, 50),
        both_ends=bool(r.get(node, "both_ends", p, bool, "true or false")),
        target_change_points=_number(r, node, "target_change_points", p, 0.1, 99),
    )


def _criteria(r: Reader, data: Any) -> tuple[SuccessCriterion, ...]:
    out = []
    for path, node in r.items(data, "success_criteria", ""):
        measures = tuple(
            MeasureSelector(r.text(m, "question", mp, pattern=ID) or "", r.texts(m, "sectors", mp))
            for mp, m in r.items(node, "measures", path, minimum=0)
        )
        out.append(
            SuccessCriterion(
                id=r.text(node, "id", path, pattern=ID, expected="a lowercase id") or "",
                criterion=r.text(node, "criterion", path) or "",
                source=r.text(node, "source", path, pattern=PROVENANCE, expected="`<file> § <section>`")
                or "",
                measures=measures,
                reasoning=r.text(node, "reasoning", path) or "",
            )
        )
    r.unique("criterion id", [(f"success_criteria[{i}].id", c.id) for i, c in enumerate(out)])
    return tuple(out)


def _entries(r: Reader, node: Any, key: str, path: str, minimum: int = 1) -> tuple[RubricEntry, ...]:
    return tuple(
        RubricEntry(r.text(e, "id", ep, pattern=ID) or "", r.text(e, "text", ep) or "")
        for ep, e in r.items(node, key, path, minimum=minimum)
    )


def _rubric(r: Reader, node: Any) -> ConfidenceRubric:
    p = "confidence_rubric"
    levels = _entries(r, node, "levels", p)
    if [e.id for e in levels] != list(CONFIDENCE_LEVELS) and levels:
        r.problem(
            f"{p}.levels", [e.id for e in levels], f"the levels {', '.join(CONFIDENCE_LEVELS)} in order"
        )
    starts = _int_map(r, node, "starts", p)
    for kind in FINDING_KINDS:
        r.member(f"{p}.starts.{kind}", starts.get(kind, "(missing)"), CONFIDENCE_LEVELS, "a confidence level")
    return ConfidenceRubric(
        levels=levels,
        starts=tuple((str(k), str(v)) for k, v in starts.items()),
        lowered_by=_entries(r, node, "lowered_by", p),
        raised_by=_entries(r, node, "raised_by", p, minimum=0),
    )


def parse_plan(data: Any, file: str) -> Plan:
    """Parsed YAML -> :class:`Plan`, or :class:`ProgrammeDefinitionError` listing every problem."""
    if not isinstance(data, dict):
        raise ProgrammeDefinitionError(
            [f"error: {file}: value {type(data).__name__}: expected a YAML mapping"]
        )
    r = Reader(file)
    check_keys(r, data, PLAN_KEYS)
    sections = {
        name: data.get(name) for name in ("design", "rating_scale", "decision_rules", "confidence_rubric")
    }
    for name, value in sections.items():
        if not isinstance(value, dict):
            r.problem(name, "(missing)" if value is None else value, "a mapping")
    design = _design(r, sections["design"] or {})
    scale = _scale(r, sections["rating_scale"] or {})
    plan = Plan(
        path=Path(file),
        design=design,
        rating_scale=scale,
        decision_rules=_rules(r, sections["decision_rules"] or {}),
        success_criteria=_criteria(r, data),
        confidence_rubric=_rubric(r, sections["confidence_rubric"] or {}),
    )
    if r.problems:
        raise ProgrammeDefinitionError(r.problems)
    return plan


def load_plan(path: Path, shown: str) -> Plan:
    """Read and check ``plan.yaml`` (``shown``: the path as error lines name it)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ProgrammeDefinitionError(
            [
                f"error: {shown}: cannot be read ({error.strerror or error}); every programme needs an evaluation plan"
            ]
        ) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProgrammeDefinitionError([f"error: {shown}{where}: not valid YAML"]) from None
    return parse_plan(data, shown)


def plan_reference() -> str:
    """The plan's keys as a markdown table for data/README.md (``python -m lib.programme reference``)."""
    lines = ["| key | type | required | what it holds |", "| --- | --- | --- | --- |"]
    for path, key in walk(PLAN_KEYS):
        lines.append(
            f"| `{path}` | {key.type} | {'yes' if key.required else 'no'} | {key.description.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"
