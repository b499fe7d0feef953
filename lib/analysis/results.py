"""Every judgement, computed once per data version into the results tables.

The analysis step (``python -m lib.analysis``, after ``lib.evaluation build``;
``make data`` runs both, and ``lib.run`` writes them before a batch when they
are missing or stale) reads the processed tables and the programme's
evaluation plan (``plan.yaml``, :mod:`lib.programme.plan`) and writes, into
``data/processed/``:

- ``results_comparisons.csv``: every before/after survey comparison, with its
  interval at the central bases and at both ends of the base range, whether
  it is clear of chance (the plan's both-ends rule), its direction (the plan's
  tolerance), the minimum detectable difference at its bases, the respondents
  per group the plan's target change would need, and its verdict;
- ``results_success.csv``: each success criterion of the plan with its verdict;
- ``results_design.csv``: the design's rating on the plan's scale;
- ``results_kpis.csv``: the percentage KPIs, first year against last, with
  their direction under the same tolerance;
- ``results_findings.csv``: the key findings with their confidence and its reason
  from the plan's rubric.

Pages, charts, sentences and downloads read these tables; nothing recounts.
A new results table is one function and one line of :data:`RESULTS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lib import evaluation
from lib.analysis import claim_support, claims, design, power, uncertainty, verdicts
from lib.analysis.findings import change_conditions, findings_table, measure_rows, rate
from lib.analysis.results_schemas import RESULTS_SCHEMAS
from lib.analysis.results_stamp import STAMP, results_current, stamp_text
from lib.files import atomic_write_bytes
from lib.programme import Programme, current_programme
from lib.programme.plan import Plan
from lib.sources import response_tables
from lib.sources.build import to_csv_bytes

HIGHER, SAME, LOWER = "higher", "about the same", "lower"
DIRECTIONS: tuple[str, ...] = (HIGHER, SAME, LOWER)


@dataclass
class Inputs:
    """What every results function reads: the processed tables, the before/after changes,
    the programme and its plan, and the results tables computed so far."""

    tables: dict[str, pd.DataFrame]
    programme: Programme
    results: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def plan(self) -> Plan:
        return self.programme.plan

    @property
    def changes(self) -> pd.DataFrame:
        if "_changes" not in self.results:
            bases = uncertainty.approximate_bases(self.tables["survey_respondents"])
            self.results["_changes"] = uncertainty.before_after_changes(
                self.tables["survey"], bases, alpha=self.plan.decision_rules.alpha
            )
        return self.results["_changes"]


# --------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------


def direction(change_pts: float, tolerance_points: float) -> str:
    """``higher``, ``about the same`` (within the tolerance either way) or ``lower``."""
    if change_pts > tolerance_points + 1e-9:
        return HIGHER
    if change_pts < -tolerance_points - 1e-9:
        return LOWER
    return SAME


def _interval(
    p_pre: float, n_pre: object, p_post: float, n_post: object, alpha: float
) -> tuple[float, float]:
    if n_pre is None or pd.isna(n_pre) or pd.isna(n_post):
        return math.nan, math.nan
    n1, n2 = int(n_pre), int(n_post)
    _, low, high = uncertainty.newcombe_difference(
        uncertainty.approximate_count(p_pre, n1), n1, uncertainty.approximate_count(p_post, n2), n2, alpha
    )
    return low * 100, high * 100


def _clear(low: float, high: float) -> bool:
    return not math.isnan(low) and (low > 0 or high < 0)


def _power(p1: float, n1: object, n2: object, plan: Plan) -> tuple[float, object]:
    """(minimum detectable rise in points, respondents per group for the target change)."""
    rules = plan.decision_rules
    if pd.isna(n1) or pd.isna(n2) or not 0 < p1 < 1:
        return math.nan, pd.NA
    mdd = power.minimum_detectable_difference(p1, int(n1), int(n2), rules.alpha, rules.power)
    target = rules.target_change_points / 100
    step = target if p1 + target < 1 else -target
    need = power.base_for_difference(p1, step, rules.alpha, rules.power) if 0 < p1 + step < 1 else pd.NA
    return round(mdd * 100, 4), need


#: The one question every comparison's verdict answers (the direction the plan's success criteria
#: and the claims expect), shown to readers wherever the verdict is explained.
VERDICT_QUESTION = "did the share rise?"


def _detect(row: dict) -> str:
    return f"with these bases the survey could only detect a change of about {row['mdd_pts']:.0f} points"


def comparison_verdict(row: dict, plan: Plan) -> tuple[str, str]:
    """The comparison's answer to :data:`VERDICT_QUESTION`, and why: higher and clear of chance
    (the plan's both-ends rule) supports; higher but not clear is direction only; about the same
    (within the plan's tolerance) or lower is not supported, saying which; no base cannot be tested."""
    rules = plan.decision_rules
    if pd.isna(row["base_pre"]):
        return verdicts.UNTESTABLE, "No respondent base is published, so chance cannot be assessed."
    level = f"{1 - rules.alpha:.0%}"
    ends = (
        "at the central bases and at both ends of the base range"
        if rules.both_ends
        else "at the central bases"
    )
    where = (
        "at the central bases or at an end of the base range" if rules.both_ends else "at the central bases"
    )
    clear = bool(row["clear_of_chance"])
    chance = (
        f"the {level} interval excludes zero {ends}"
        if clear
        else f"the {level} interval includes zero {where}, and {_detect(row)}"
    )
    if row["direction"] == SAME:
        return verdicts.NOT_SUPPORTED, (
            f"About the same: the change is within the plan's {rules.tolerance_points:g}-point tolerance, "
            f"so the share did not rise; {chance}."
        )
    if row["direction"] == LOWER:
        return verdicts.NOT_SUPPORTED, (
            f"Lower: the share fell by more than the plan's {rules.tolerance_points:g}-point tolerance; "
            f"{chance}."
        )
    if clear:
        return verdicts.SUPPORTED, f"Higher, and the {level} interval excludes zero {ends}."
    return verdicts.DIRECTION_ONLY, f"Higher, but {chance}."


def _source_of(survey: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    rows = survey[survey["phase"].isin(["pre", "post"])]
    out: dict[tuple[str, str, str], str] = {}
    for key, part in rows.groupby(["question", "item", "sector"], sort=False):
        out[key] = "; ".join(dict.fromkeys(part["source"]))
    return out


def _comparison_row(r: pd.Series, inputs: Inputs, labels: dict, sources: dict) -> dict:
    plan, alpha = inputs.plan, inputs.plan.decision_rules.alpha
    p1, p2 = float(r["pre"]), float(r["post"])
    central = _interval(p1, r["base_pre"], p2, r["base_post"], alpha)
    low = _interval(p1, r["base_pre_low"], p2, r["base_post_low"], alpha)
    high = _interval(p1, r["base_pre_high"], p2, r["base_post_high"], alpha)
    ends = [central, low, high] if plan.decision_rules.both_ends else [central]
    change = round((p2 - p1) * 100, 6)
    mdd, need = _power(p1, r["base_pre"], r["base_post"], plan)
    row = {
        "comparison_id": f"{r['question']}:{r['item']}:{r['sector']}",
        "question": r["question"],
        "question_label": labels["question"].get(r["question"], r["question"]),
        "item": r["item"],
        "item_label": r["item_label"],
        "item_order": int(r["item_order"]),
        "sector": r["sector"],
        "sector_label": labels["sector"].get(r["sector"], r["sector"]),
        "pct_pre": round(p1 * 100, 6),
        "pct_post": round(p2 * 100, 6),
        "change_pts": change,
        **{c: r[c] for c in ("base_pre", "base_post", "base_pre_low", "base_pre_high")},
        **{c: r[c] for c in ("base_post_low", "base_post_high")},
        "ci_low_pts": central[0],
        "ci_high_pts": central[1],
        "ci_low_pts_low_base": low[0],
        "ci_high_pts_low_base": low[1],
        "ci_low_pts_high_base": high[0],
        "ci_high_pts_high_base": high[1],
        "clear_of_chance": all(_clear(*e) for e in ends),
        "direction": direction(change, plan.decision_rules.tolerance_points),
        "mdd_pts": mdd,
        "base_for_target": need,
        "source": sources.get((r["question"], r["item"], r["sector"]), ""),
    }
    row["verdict"], row["reason"] = comparison_verdict(row, plan)
    return row


def comparisons_table(inputs: Inputs) -> pd.DataFrame:
    """``results_comparisons``: one row per before/after comparison (question x item x sector)."""
    prog = inputs.programme
    labels = {
        "question": {q.id: q.label for q in prog.questions},
        "sector": {s.id: s.label for s in prog.sectors},
    }
    sources = _source_of(inputs.tables["survey"])
    rows = [_comparison_row(r, inputs, labels, sources) for _, r in inputs.changes.iterrows()]
    columns = list(RESULTS_SCHEMAS["results_comparisons"].columns)
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------
# Success criteria
# --------------------------------------------------------------------------


def criterion_verdict(rows: pd.DataFrame) -> str:
    """A criterion of increase, never stronger than its weakest leg: each rise is a leg, with its
    comparison's verdict (supported when clear of chance, else direction only); no measure is
    "cannot be tested"; no more rises than falls is "not supported"; a fall caps it at "partly".
    A comparison about the same (within the plan's tolerance) is "not supported" on its own
    question (did this share rise?) but is not a leg of the criterion, which asks whether the
    ratings taken together rose: it counts neither for nor against, and is shown in ``n_same``."""
    tested = rows[rows["verdict"] != verdicts.UNTESTABLE]
    if tested.empty:
        return verdicts.UNTESTABLE
    rises = tested[tested["direction"] == HIGHER]
    falls = tested[tested["direction"] == LOWER]
    if len(rises) <= len(falls):
        return verdicts.NOT_SUPPORTED
    verdict = verdicts.combine(rises["verdict"].tolist())
    return verdicts.weakest([verdict, verdicts.PARTLY]) if len(falls) else verdict


#: Why a criterion is untested: no comparison stands for it, or the programme has no survey at all.
NO_MEASURE = "no measure in the sources stands for it, so it " + verdicts.UNTESTABLE
NO_SURVEY = (
    "the programme's sources include no survey, so no survey measure exists and it " + verdicts.UNTESTABLE
)


def _success_confidence(rows: pd.DataFrame, inputs: Inputs) -> tuple[str, str]:
    """Confidence in a criterion's verdict, from the rubric (a change starts where the rubric says;
    the measures stand in for the criterion, so indirectness always applies)."""
    plan = inputs.plan
    if rows.empty:  # nothing measured: the lowest level, and why
        return "very low", NO_MEASURE if not inputs.tables["survey"].empty else NO_SURVEY
    lowered, raised = change_conditions(rows, inputs.changes, plan, stands_in=True)
    return rate(plan.confidence_rubric, "change", lowered, raised)


def _span(values: pd.Series) -> tuple[object, object]:
    values = values.dropna()
    return (values.min(), values.max()) if len(values) else (None, None)


def could_be_chance(comparisons: pd.DataFrame) -> pd.Series:
    """Which ``results_comparisons`` rows could be chance: tested (a base is published) and not
    clear of chance, whatever their direction or verdict. The one definition for every count and
    table of "could be chance" (``clear_of_chance`` as booleans or the CSV's true/false)."""
    clear = comparisons["clear_of_chance"]
    if not pd.api.types.is_bool_dtype(clear):
        clear = clear.astype(str).str.strip().str.lower().isin(["true", "1"])
    return comparisons["verdict"].ne(verdicts.UNTESTABLE) & ~clear


def _decision_figures(rows: pd.DataFrame) -> dict[str, object]:
    """What it would take to decide on a criterion, once for every page that says it: the range of
    changes its could-be-chance comparisons could detect, the bases its tested comparisons rest on,
    and the respondents per group they would need for the plan's target change.

    Could be chance means tested (a base is published) and not clear of chance, whatever the
    direction: an "about the same" comparison that is not clear of chance is not evidence that
    nothing changed, and what its bases could detect is what says so."""
    chance = rows[could_be_chance(rows)]
    tested = rows[rows["base_for_target"].notna()]
    mdd = _span(chance["mdd_pts"])
    bases = _span(pd.concat([tested["base_pre"], tested["base_post"]]))
    need = _span(tested["base_for_target"])
    return {
        "mdd_min_pts": mdd[0],
        "mdd_max_pts": mdd[1],
        "base_min": bases[0],
        "base_max": bases[1],
        "base_for_target_min": need[0],
        "base_for_target_max": need[1],
    }


def success_table(inputs: Inputs) -> pd.DataFrame:
    """``results_success``: each success criterion of the plan with its verdict and counts."""
    comparisons = inputs.results["results_comparisons"]
    out = []
    for c in inputs.plan.success_criteria:
        rows = measure_rows(comparisons, c)
        verdict = criterion_verdict(rows)
        confidence, reason = _success_confidence(rows, inputs)
        counts = rows["direction"].value_counts()
        out.append(
            {
                "criterion_id": c.id,
                "criterion": c.criterion,
                "source": c.source,
                "measures": "; ".join(f"{m.question}: {', '.join(m.sectors)}" for m in c.measures),
                "reasoning": " ".join(c.reasoning.split()),
                "verdict": verdict,
                "headline": verdict,
                "confidence": confidence,
                "confidence_reason": reason,
                "n_comparisons": len(rows),
                "n_higher": int(counts.get(HIGHER, 0)),
                "n_same": int(counts.get(SAME, 0)),
                "n_lower": int(counts.get(LOWER, 0)),
                "n_clear": int(rows["clear_of_chance"].sum()),
                **_decision_figures(rows),
            }
        )
    return pd.DataFrame(out, columns=list(RESULTS_SCHEMAS["results_success"].columns))


# --------------------------------------------------------------------------
# Design rating and KPIs
# --------------------------------------------------------------------------


def design_table(inputs: Inputs) -> pd.DataFrame:
    """``results_design``: the design the plan declares, as far as the response data confirm it
    (respondent-level data can confirm or lower it, never raise it), rated on the plan's scale."""
    plan = inputs.plan
    groups = inputs.tables.get("survey_response_groups")
    found = design.design_from_groups(groups) if groups is not None and len(groups) else None
    row = design.design_result(plan.design.kind, plan.rating_scale, found)
    why = row["reason"][:1].upper() + row["reason"][1:]
    row["reason"] = " ".join(f"{plan.design.summary} {plan.rating_scale.reason} {why}.".split())
    return pd.DataFrame([row], columns=list(RESULTS_SCHEMAS["results_design"].columns))


def kpi_years(kpis: pd.DataFrame, year_ids: list[str]) -> tuple[str, str] | None:
    """The first and last programme years with percentage KPIs (None if fewer than two)."""
    present = [y for y in year_ids if y in set(kpis.loc[kpis["unit"] == "proportion", "year"])]
    return (present[0], present[-1]) if len(present) >= 2 else None


def kpis_table(inputs: Inputs) -> pd.DataFrame:
    """``results_kpis``: each percentage KPI, first year against last, with its direction."""
    columns = list(RESULTS_SCHEMAS["results_kpis"].columns)
    k = inputs.tables["kpis"]
    pair = kpi_years(k, [y.id for y in inputs.programme.years])
    if not pair:
        return pd.DataFrame(columns=columns)
    y1, y2 = pair
    k = k[(k["unit"] == "proportion") & k["year"].isin(pair)]
    out = []
    for (kpi, measure), part in k.groupby(["kpi", "measure"], sort=False):
        by_year = part.set_index("year")
        if y1 not in by_year.index or y2 not in by_year.index:
            continue
        first, last = float(by_year.at[y1, "value"]) * 100, float(by_year.at[y2, "value"]) * 100
        change = round(last - first, 6)
        out.append(
            {
                "kpi": kpi,
                "kpi_label": by_year["kpi_label"].iloc[0],
                "measure": measure,
                "measure_label": by_year["measure_label"].iloc[0],
                "year_from": y1,
                "year_to": y2,
                "pct_from": round(first, 6),
                "pct_to": round(last, 6),
                "change_pts": change,
                "direction": direction(change, inputs.plan.decision_rules.tolerance_points),
                "source": "; ".join(dict.fromkeys(part["source"])),
            }
        )
    return pd.DataFrame(out, columns=columns)


def claims_table(inputs: Inputs) -> pd.DataFrame:
    """The claim audit (:func:`lib.analysis.claims.claims_results`), each (partly) supported change
    with what its support is, read from the design rating (:mod:`lib.analysis.claim_support`)."""
    audit = claims.claims_results(inputs.tables)
    design_row = inputs.results["results_design"].iloc[0]
    timing = claim_support.survey_timing(inputs.tables["survey_respondents"])
    measured = inputs.plan.design.outcomes_measured
    audit["support"] = [
        claim_support.support_reading(r["claim"], r["verdict"], r["strength"], design_row, measured, timing)
        for _, r in audit.iterrows()
    ]
    return audit


def _findings(inputs: Inputs) -> pd.DataFrame:
    return findings_table(inputs.tables, inputs.results, inputs.changes, inputs.programme)


#: Every results table, in the order they are computed (a later one may read an earlier one
#: from ``inputs.results``). A new results table is one function and one line here, and its
#: schema in lib/analysis/results_schemas.py.
RESULTS: tuple[tuple[str, Callable[[Inputs], pd.DataFrame]], ...] = (
    ("results_comparisons", comparisons_table),
    ("results_success", success_table),
    ("results_design", design_table),
    ("results_kpis", kpis_table),
    ("results_claims", claims_table),
    ("results_findings", _findings),
)


# --------------------------------------------------------------------------
# Computing, writing, reading
# --------------------------------------------------------------------------


def compute_results(
    tables: dict[str, pd.DataFrame], prog: Programme | None = None
) -> dict[str, pd.DataFrame]:
    """Every results table from the processed tables, each checked against its schema."""
    inputs = Inputs(tables, prog or current_programme())
    for name, function in RESULTS:
        schema = RESULTS_SCHEMAS[name]
        frame = function(inputs)
        if frame.empty:  # no rows (a table the programme lacks): the schema's columns and types
            frame = empty_result(schema)
        inputs.results[name] = schema.validate(numeric_columns(frame, schema))
    return {name: inputs.results[name] for name, _ in RESULTS}


def write_results(processed_dir: Path = evaluation.PROCESSED_DIR) -> dict[str, pd.DataFrame]:
    """Compute the results tables from ``processed_dir`` and write them into it."""
    processed_dir = Path(processed_dir)
    tables = evaluation.load_processed(processed_dir)
    tables.update(response_tables.load_response_tables(processed_dir) or {})  # respondent-level, if read
    results = compute_results(tables)
    for name, table in results.items():
        atomic_write_bytes(processed_dir / f"{name}.csv", to_csv_bytes(_bools_as_words(table)))
    atomic_write_bytes(processed_dir / STAMP, stamp_text(processed_dir, list(results)).encode())
    return results


def _bools_as_words(table: pd.DataFrame) -> pd.DataFrame:
    """Booleans as ``true``/``false`` (the results contract)."""
    out = table.copy()
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map({True: "true", False: "false"})
    return out


def ensure_results(processed_dir: Path) -> bool:
    """Write the results tables unless they are current; True when they were (re)written. A folder
    without the full set of processed tables (a test fixture of its own) is left alone."""
    full = all((Path(processed_dir) / name).is_file() for name in evaluation.PROCESSED_SCHEMAS)
    if not full or results_current(processed_dir):
        return False
    write_results(processed_dir)
    return True


class ResultsMissing(FileNotFoundError):
    """The processed folder has no results tables: the analysis step has not run."""


def load_results(processed_dir: Path) -> dict[str, pd.DataFrame]:
    """Read the results tables back, typed and checked by their schemas."""
    out = {}
    for name, schema in RESULTS_SCHEMAS.items():
        path = Path(processed_dir) / f"{name}.csv"
        if not path.is_file():
            raise ResultsMissing(
                f"{path}: missing; run `python -m lib.analysis` after `python -m lib.evaluation build` "
                "(make data runs both)"
            )
        out[name] = schema.validate(_typed(pd.read_csv(path, dtype=str, keep_default_na=False), schema))
    return out


def empty_result(schema) -> pd.DataFrame:
    """A results table with no rows: its schema's columns and types."""
    return pd.DataFrame({c: pd.Series(dtype=spec.dtype.type) for c, spec in schema.columns.items()})


def numeric_columns(frame: pd.DataFrame, schema) -> pd.DataFrame:
    """``frame`` with each numeric column of ``schema`` that pandas left as objects (a column with
    no value in any row, e.g. no comparison stands for any criterion) given the schema's type."""
    for col, spec in schema.columns.items():
        kind = str(spec.dtype).lower()
        if col in frame and frame[col].dtype == object and kind.startswith(("int", "float")):
            numbers = pd.to_numeric(frame[col])
            frame[col] = numbers.astype("Int64" if kind.startswith("int") else "float64")
    return frame


def _typed(frame: pd.DataFrame, schema) -> pd.DataFrame:
    if frame.empty:
        return empty_result(schema)
    for col, spec in schema.columns.items():
        kind = str(spec.dtype).lower()
        if col not in frame or kind.startswith(("str", "object")):
            continue
        if kind.startswith("bool"):
            frame[col] = frame[col].map({"True": True, "False": False, "true": True, "false": False})
            continue
        numbers = pd.to_numeric(frame[col].replace("", None))
        if kind.startswith("int"):
            numbers = numbers.astype("Int64")
        frame[col] = numbers.astype("float64") if kind.startswith("float") else numbers
    return frame
