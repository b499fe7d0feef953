"""Sampling uncertainty for the attitude-survey proportions (004 § 4).

Pure functions: confidence intervals for one proportion (Wilson score) and for
the change between the pre- and post-workshop surveys (Newcombe's hybrid score
interval), approximate respondent counts from published percentages, the
approximated sector bases with a sensitivity range, and plain-English wording
of each change.

Design caveat (``data/notes/caveats.md`` C1, C2)
-------------------------------------------
The pre and post surveys were completed by the attendees of the same workshops
(154 pre, 165 post), so most people answered both, but the answers are not
linked person to person. The change is therefore tested as if the two surveys
were independent samples (Newcombe 1998, method 10). For people who answered
both, the two answers are expected to be positively correlated, and

    Var(p_post - p_pre) = Var(p_pre) + Var(p_post) - 2 Cov(p_pre, p_post),

so with positive covariance the true sampling variance of the change is
*smaller* than the independent-samples formula assumes: the independent
interval is wider than a paired analysis of the same people would give and
the test is conservative: a "not significant" verdict may hide a real change,
while a "significant" one would be expected to hold under a paired analysis.
The two groups are not identical either (at least 11 people answered only the
post survey, and an unknown number only one of the two), so no available test
is exact: a paired test is impossible without linked answers and would not
cover the non-overlapping respondents. None of this touches bias: the design
has no comparison group (Maryland Scientific Methods Scale level 1), so every
change is an association with attending the workshops, not an impact of them.

Conventions
-----------
* Proportions are in [0, 1]; a change is ``post - pre`` (``p2 - p1``).
* ``alpha`` is two-sided; intervals are ``1 - alpha`` confidence intervals.
* Intervals come from statsmodels with the method named explicitly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from lib.programme import current_programme, wording

PROGRAMME = current_programme()

#: Caveat ids in data/notes/caveats.md referred to by the tables built here.
CAVEAT_DESIGN = "C1"
CAVEAT_SMS = "C2"
CAVEAT_BASES = "C3"
CAVEAT_SCALE = "C4"
CAVEAT_ROUNDING = "C7"

#: Groups of ``survey_respondents.csv`` that partition the respondents by
#: sector (the definition's ``in_sector_total``; this programme: 004 § 2.3,
#: 76 + 46 + 14 + 28 = 164). Other groups are listed separately in the source.
SECTOR_GROUPS: tuple[str, ...] = tuple(g.id for g in PROGRAMME.respondent_groups if g.in_sector_total)

#: Questions whose values are shares of respondents (so a respondent base
#: applies); the others are shares of comments (C5).
RESPONDENT_QUESTIONS: tuple[str, ...] = tuple(q.id for q in PROGRAMME.questions if q.base == "respondents")

BEFORE_AFTER_COLUMNS: tuple[str, ...] = (
    "question",
    "item",
    "item_label",
    "item_order",
    "sector",
    "pre",
    "post",
    "change",
    "pre_low",
    "pre_high",
    "post_low",
    "post_high",
    "change_low",
    "change_high",
    "significant",
    "base_pre",
    "base_post",
    "base_basis",
    "count_pre",
    "count_post",
    "base_pre_low",
    "base_post_low",
    "base_pre_high",
    "base_post_high",
    "significant_low_base",
    "significant_high_base",
    "robust",
    "alpha",
    "caveat_ids",
)

#: Whole-number columns of :func:`before_after_changes` (nullable integers).
COUNT_COLUMNS: tuple[str, ...] = tuple(
    c for c in BEFORE_AFTER_COLUMNS if c.startswith(("base_pre", "base_post", "count_"))
)

BASES_COLUMNS: tuple[str, ...] = (
    "sector",
    "phase",
    "base_n",
    "base_low",
    "base_high",
    "base_basis",
    "assumption",
    "caveat_id",
)


# ---------------------------------------------------------------- validation


def _check_alpha(alpha: float) -> None:
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number strictly between 0 and 1, got {alpha!r}")


def _check_whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if math.isnan(as_float) or as_float != int(as_float):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(as_float)


def _check_count(count: Any, n: Any, label: str = "") -> tuple[int, int]:
    where = f" ({label})" if label else ""
    n_int = _check_whole(n, f"n{where}")
    count_int = _check_whole(count, f"count{where}")
    if n_int <= 0:
        raise ValueError(f"n{where} must be a positive whole number, got {n!r}")
    if count_int < 0:
        raise ValueError(f"count{where} must not be negative, got {count!r}")
    if count_int > n_int:
        raise ValueError(f"count{where} ({count_int}) cannot exceed n ({n_int})")
    return count_int, n_int


# ---------------------------------------------------------------- intervals


def wilson_interval(count: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for one proportion ``count / n``.

    Uses ``statsmodels.stats.proportion.proportion_confint(method="wilson")``
    (Newcombe 1998a, method 3). The interval always lies in [0, 1], and is
    well-behaved at ``count == 0`` and ``count == n``.

    Raises ValueError for ``count > n``, a negative count, ``n <= 0``,
    non-whole numbers or ``alpha`` outside (0, 1). The bounds are exactly 0
    at ``count == 0`` and exactly 1 at ``count == n``.
    """
    _check_alpha(alpha)
    count, n = _check_count(count, n)
    low, high = proportion_confint(count, n, alpha=alpha, method="wilson")
    # exact at the edges (the formula gives 0 and 1 up to float error)
    low = 0.0 if count == 0 else max(0.0, float(low))
    high = 1.0 if count == n else min(1.0, float(high))
    return low, high


def newcombe_difference(
    count1: int, n1: int, count2: int, n2: int, alpha: float = 0.05
) -> tuple[float, float, float]:
    """Difference ``p2 - p1`` of two independent proportions with its interval.

    Newcombe's hybrid score interval (Newcombe 1998, Statistics in Medicine
    17:873-890, method 10): Wilson intervals for each proportion combined
    square-and-add. Computed with ``statsmodels ...
    confint_proportions_2indep(method="newcomb", compare="diff")``, which
    works on ``p1 - p2`` of its first and second arguments, so it is called
    with the second group first.

    In this workbook group 1 is the pre-workshop survey and group 2 the post
    survey, so a positive difference is a rise after the workshops.

    Returns ``(difference, lower, upper)``.
    """
    _check_alpha(alpha)
    count1, n1 = _check_count(count1, n1, "group 1")
    count2, n2 = _check_count(count2, n2, "group 2")
    low, high = confint_proportions_2indep(
        count2, n2, count1, n1, method="newcomb", compare="diff", alpha=alpha
    )
    difference = count2 / n2 - count1 / n1
    return float(difference), float(max(-1.0, low)), float(min(1.0, high))


def interval_excludes_zero(low: float, high: float) -> bool:
    """True when a two-sided interval for a difference excludes 0."""
    return bool(low > 0 or high < 0)


# ---------------------------------------------------------------- counts


def approximate_count(proportion: float, base: int) -> int:
    """Approximate respondent count behind a published proportion.

    ``round(proportion * base)`` to the nearest whole respondent, halves
    rounded **up** (``floor(x + 0.5)``, not Python's round-half-to-even).
    The published proportions are themselves rounded to whole percentage
    points (caveat C7), so the count is approximate: with base 76 a published
    56% is anything from 55.5% to 56.5%, i.e. 42.2 to 42.9 respondents -> 43.

    Raises ValueError for a proportion outside [0, 1] or a base that is not a
    positive whole number.
    """
    base = _check_whole(base, "base")
    if base <= 0:
        raise ValueError(f"base must be a positive whole number, got {base}")
    if proportion is None or not isinstance(proportion, (int, float, np.floating, np.integer)):
        raise ValueError(f"proportion must be a number in [0, 1], got {proportion!r}")
    if math.isnan(proportion) or not 0 <= proportion <= 1:
        raise ValueError(f"proportion must be in [0, 1], got {proportion!r}")
    # 1e-9 guards against float noise such as 0.56999999999999995 * 100.
    return int(math.floor(proportion * base + 0.5 + 1e-9))


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5 + 1e-9))


# ---------------------------------------------------------------- bases


def _stated_base(phase: str, total: int) -> dict[str, Any]:
    """The whole survey's base in one phase, as the source states it."""
    return {
        "sector": "all",
        "phase": phase,
        "base_n": total,
        "base_low": total,
        "base_high": total,
        "base_basis": "stated",
        "assumption": f"stated in the source: {total} completed the {phase} survey",
        "caveat_id": CAVEAT_DESIGN,
    }


def _approximated_base(
    sector: str, count: int, phase: str, total: int, sector_total: int, pooled_total: int
) -> dict[str, Any]:
    """One sector's base in one phase: central, low and high (see :func:`approximate_bases`)."""
    central = _round_half_up(count / sector_total * total)
    low = _round_half_up(count * total / pooled_total)
    return {
        "sector": sector,
        "phase": phase,
        "base_n": central,
        "base_low": min(low, central),
        "base_high": max(count, central),
        "base_basis": "approximated",
        "assumption": (
            f"central: sector share {count}/{sector_total} of the {total} "
            f"{phase}-survey respondents; low: the sector counts pooled both "
            f"surveys ({count} x {total}/{pooled_total}); high: the sector "
            f"count {count} applies to each survey"
        ),
        "caveat_id": CAVEAT_BASES,
    }


def approximate_bases(respondents: pd.DataFrame) -> pd.DataFrame:
    """Per-sector, per-phase respondent bases, stated or approximated.

    ``respondents`` has the shape of ``survey_respondents.csv`` (columns
    ``group, phase, n``). The source states the phase totals (``all``: 154
    pre, 165 post) and sector counts with no phase (VCS 76, children's
    centres 46, LAs 14, other 28; sum 164).

    Reasoning (caveat C3): the sector counts sum to 164, one short of the 165
    post-survey respondents and far below the 319 responses of both surveys
    pooled, so they most likely describe one survey's respondents (about the
    post survey, or the attendees) rather than both surveys together. The
    *central* base applies each sector's share of the sector total to each
    phase total, ``round(count / 164 * phase_total)`` (VCS 71 pre, 76 post).
    The sensitivity range brackets it:

    * *low*: the counts pooled both surveys, so each phase has its share of
      them, ``round(count * phase_total / (pre_total + post_total))``
      (VCS 37 pre, 39 post) -- about half;
    * *high*: the sector count itself applies to each phase (VCS 76, 76).

    Rounding is half up. Sector ``all`` carries the stated totals
    (``base_basis == "stated"``, low == high == central).

    Returns columns ``sector, phase, base_n, base_low, base_high, base_basis,
    assumption, caveat_id`` with one row per sector and phase (pre, post).
    """
    missing = {"group", "phase", "n"} - set(respondents.columns)
    if missing:
        raise ValueError(f"respondents is missing columns: {sorted(missing)}")
    if respondents.empty:  # a programme without a survey: no bases, so no comparisons
        return pd.DataFrame(columns=list(BASES_COLUMNS))
    phase_totals = _phase_totals(respondents)
    sector_counts = _sector_counts(respondents)
    sector_total = sum(sector_counts.values())
    pooled_total = sum(phase_totals.values())

    rows = [_stated_base(phase, total) for phase, total in phase_totals.items()]
    for sector, count in sector_counts.items():
        rows += [
            _approximated_base(sector, count, phase, total, sector_total, pooled_total)
            for phase, total in phase_totals.items()
        ]
    out = pd.DataFrame(rows, columns=list(BASES_COLUMNS))
    for column in ("base_n", "base_low", "base_high"):
        out[column] = out[column].astype("int64")
    return out.sort_values(["sector", "phase"], kind="stable").reset_index(drop=True)


def _phase_totals(respondents: pd.DataFrame) -> dict[str, int]:
    totals: dict[str, int] = {}
    for phase in ("pre", "post"):
        match = respondents[(respondents["group"] == "all") & (respondents["phase"] == phase)]
        if len(match) != 1:
            raise ValueError(
                f"respondents needs exactly one row for group 'all', phase '{phase}'; found {len(match)}"
            )
        totals[phase] = _check_whole(match["n"].iloc[0], f"n of all/{phase}")
    return totals


def _sector_counts(respondents: pd.DataFrame) -> dict[str, int]:
    counts: dict[str, int] = {}
    for group in SECTOR_GROUPS:
        match = respondents[respondents["group"] == group]
        if len(match) == 0:
            continue
        if len(match) > 1:
            raise ValueError(f"respondents has {len(match)} rows for group '{group}'; expected 1")
        counts[group] = _check_whole(match["n"].iloc[0], f"n of {group}")
    if not counts:
        raise ValueError(f"respondents has none of the sector groups {SECTOR_GROUPS}")
    return counts


# ---------------------------------------------------------------- changes


def before_after_changes(
    survey: pd.DataFrame,
    bases: pd.DataFrame,
    alpha: float = 0.05,
    questions: tuple[str, ...] = RESPONDENT_QUESTIONS,
) -> pd.DataFrame:
    """Pre-to-post change for each question, item and sector, with intervals.

    ``survey`` has the shape of ``survey.csv``; ``bases`` is the output of
    :func:`approximate_bases`. Only ``questions`` whose values are shares of
    respondents are tested (by default understanding and impacts; comment
    shares have no respondent base, caveat C5). Only item/sector pairs with
    both a ``pre`` and a ``post`` value are returned.

    The base of each phase is ``base_n`` of the survey row where the source
    states it (``base_basis == "stated"``), else the central approximated base
    (``"approximated"``). Counts are :func:`approximate_count` of the
    published proportion. ``change`` is the published ``post - pre`` (rounded
    to 10 decimals to drop float noise); ``change_low``/``change_high`` are
    the Newcombe interval of the counts, so the interval can be a fraction of
    a point off-centre from ``change``. ``significant`` is True when that
    interval excludes 0 (pandas nullable boolean: NA where no base exists).

    Sensitivity: ``significant_low_base``/``significant_high_base`` repeat the
    test at the low and high bases of :func:`approximate_bases`; ``robust`` is
    True when all three verdicts agree.
    """
    _check_alpha(alpha)
    needed = {"question", "item", "sector", "phase", "value"}
    missing = needed - set(survey.columns)
    if missing:
        raise ValueError(f"survey is missing columns: {sorted(missing)}")
    base_lookup = _base_lookup(bases)
    data = survey[survey["question"].isin(questions) & survey["phase"].isin(["pre", "post"])]
    rows: list[dict[str, Any]] = []
    for (question, item, sector), group in data.groupby(
        ["question", "item", "sector"], sort=True, dropna=False
    ):
        by_phase = {phase: part.iloc[0] for phase, part in group.groupby("phase")}
        if "pre" not in by_phase or "post" not in by_phase:
            continue
        if pd.isna(by_phase["pre"]["value"]) or pd.isna(by_phase["post"]["value"]):
            continue
        rows.append(
            _change_row(question, item, sector, by_phase["pre"], by_phase["post"], base_lookup, alpha)
        )
    out = pd.DataFrame(rows, columns=list(BEFORE_AFTER_COLUMNS))
    for column in ("significant", "significant_low_base", "significant_high_base", "robust"):
        out[column] = out[column].astype("boolean")
    for column in COUNT_COLUMNS:
        out[column] = out[column].astype("Int64")
    sort_by = ["question", "sector", "item_order", "item"]
    return out.sort_values(sort_by, kind="stable", na_position="last").reset_index(drop=True)


def _base_lookup(bases: pd.DataFrame) -> dict[tuple[str, str], Mapping[str, Any]]:
    missing = {"sector", "phase", "base_n", "base_low", "base_high"} - set(bases.columns)
    if missing:
        raise ValueError(f"bases is missing columns: {sorted(missing)}")
    return {(row["sector"], row["phase"]): row for _, row in bases.iterrows()}


def _phase_bases(
    row: pd.Series, sector: str, phase: str, lookup: Mapping[tuple[str, str], Mapping[str, Any]]
) -> tuple[int | None, int | None, int | None, str]:
    stated = row.get("base_n")
    if stated is not None and not pd.isna(stated):
        n = _check_whole(stated, f"base_n of {sector}/{phase}")
        return n, n, n, "stated"
    found = lookup.get((sector, phase))
    if found is None:
        return None, None, None, "unavailable"
    return int(found["base_n"]), int(found["base_low"]), int(found["base_high"]), "approximated"


def _verdict(p_pre: float, n_pre: int, p_post: float, n_post: int, alpha: float) -> tuple[float, float, bool]:
    _, low, high = newcombe_difference(
        approximate_count(p_pre, n_pre), n_pre, approximate_count(p_post, n_post), n_post, alpha
    )
    return low, high, interval_excludes_zero(low, high)


def _change_row(
    question: str,
    item: str,
    sector: str,
    pre: pd.Series,
    post: pd.Series,
    lookup: Mapping[tuple[str, str], Mapping[str, Any]],
    alpha: float,
) -> dict[str, Any]:
    p_pre, p_post = float(pre["value"]), float(post["value"])
    n_pre, low_pre, high_pre, basis_pre = _phase_bases(pre, sector, "pre", lookup)
    n_post, low_post, high_post, basis_post = _phase_bases(post, sector, "post", lookup)
    basis = basis_pre if basis_pre == basis_post else "mixed"
    if "unavailable" in (basis_pre, basis_post):
        basis = "unavailable"
    row: dict[str, Any] = {
        "question": question,
        "item": item,
        "item_label": post.get("item_label", pre.get("item_label")),
        "item_order": post.get("item_order", pre.get("item_order")),
        "sector": sector,
        "pre": p_pre,
        "post": p_post,
        "change": round(p_post - p_pre, 10),
        "base_basis": basis,
        "alpha": alpha,
    }
    caveats = [CAVEAT_DESIGN, CAVEAT_SMS, CAVEAT_ROUNDING]
    if question in RESPONDENT_QUESTIONS:
        caveats.append(CAVEAT_SCALE)
    if basis in ("approximated", "mixed"):
        caveats.append(CAVEAT_BASES)
    row["caveat_ids"] = ";".join(sorted(set(caveats)))
    if basis == "unavailable":
        row.update(
            {
                "significant": pd.NA,
                "significant_low_base": pd.NA,
                "significant_high_base": pd.NA,
                "robust": pd.NA,
            }
        )
        return row
    row["base_pre"], row["base_post"] = n_pre, n_post
    row["count_pre"] = approximate_count(p_pre, n_pre)
    row["count_post"] = approximate_count(p_post, n_post)
    row["pre_low"], row["pre_high"] = wilson_interval(row["count_pre"], n_pre, alpha)
    row["post_low"], row["post_high"] = wilson_interval(row["count_post"], n_post, alpha)
    row["change_low"], row["change_high"], row["significant"] = _verdict(p_pre, n_pre, p_post, n_post, alpha)
    row["base_pre_low"], row["base_post_low"] = low_pre, low_post
    row["base_pre_high"], row["base_post_high"] = high_pre, high_post
    row["significant_low_base"] = _verdict(p_pre, low_pre, p_post, low_post, alpha)[2]
    row["significant_high_base"] = _verdict(p_pre, high_pre, p_post, high_post, alpha)[2]
    row["robust"] = row["significant"] == row["significant_low_base"] == row["significant_high_base"]
    return row


# ---------------------------------------------------------------- wording

#: How running text names each sector and respondent group (the definition's phrases).
SECTOR_WORDS: dict[str, str] = {
    **{s.id: s.phrase for s in PROGRAMME.sectors},
    **{g.id: g.phrase for g in PROGRAMME.respondent_groups if g.phrase},
}


def _points(x: float) -> str:
    value = round(x * 100)
    return f"{value:+d}" if value != 0 else "0"


def _percent(x: float) -> str:
    return f"{round(x * 100):d}%"


def describe_change(row: Mapping[str, Any] | pd.Series, subject: str | None = None) -> str:
    """Plain-English sentence for one row of :func:`before_after_changes`.

    The verdict is the plan's both-ends rule, read from the row's
    ``clear_of_chance`` (the ``results_comparisons`` column of the same name,
    :mod:`lib.analysis.results`, merged in by the caller): "clear of chance"
    only when the interval excludes zero at the central bases and at both ends
    of the base range, otherwise "could be chance". Where the central interval
    excludes zero but an end of the base range does not, says so (caveat C3).
    Always phrased as an association: the survey has no comparison group
    (caveat C2). There is no separate significance test.

    ``subject`` overrides the default "the share of <sector> rating '<item>'".
    """
    alpha = float(row.get("alpha", 0.05)) if not pd.isna(row.get("alpha", 0.05)) else 0.05
    confidence = f"{(1 - alpha) * 100:g}%"
    label = row.get("item_label")
    if label is None or (isinstance(label, float) and math.isnan(label)) or label == "":
        label = row.get("item", "this item")
    who = SECTOR_WORDS.get(str(row.get("sector")), str(row.get("sector")))
    subject = subject or f"Among {who}, the share for '{label}'"
    pre, post, change = float(row["pre"]), float(row["post"]), float(row["change"])
    if round(change * 100) > 0:
        movement = f"rose from {_percent(pre)} to {_percent(post)}"
    elif round(change * 100) < 0:
        movement = f"fell from {_percent(pre)} to {_percent(post)}"
    else:
        movement = f"was {_percent(pre)} before and {_percent(post)} after {wording('events')}"
    significant = row.get("significant")
    if significant is None or pd.isna(significant):
        return (
            f"{subject} {movement} (difference {_points(change)} points). No respondent base "
            "is available, so its sampling uncertainty cannot be assessed. This is an "
            f"association with attending {wording('events')}, not a measured impact (no comparison group)."
        )
    ci = f"{confidence} CI {_points(row['change_low'])} to {_points(row['change_high'])} points"
    stated = row.get("base_basis", "") == "stated"
    bases = f"bases {int(row['base_pre'])} and {int(row['base_post'])}"
    if not stated:
        bases += ", approximated"
    sentence = f"{subject} {movement} (difference {_points(change)} points, {ci}; {bases})."
    where = "at the stated bases" if stated else "at the central bases and at both ends of the base range"
    if bool(row["clear_of_chance"]):
        verdict = f" The difference is clear of chance: its {confidence} interval excludes zero {where}."
    elif bool(significant):
        verdict = (
            f" The difference could be chance: its {confidence} interval excludes zero at the central bases "
            "but not at every end of the base range, and the source does not give the sector sizes per "
            "survey (caveat C3)."
        )
    else:
        verdict = (
            " The difference could be chance: it is within what chance alone could produce "
            f"(the {confidence} interval includes zero)."
        )
    association = (
        " The survey has no comparison group, so this is an association with attending "
        f"{wording('events')}, not evidence that they caused the change."
    )
    return sentence + verdict + association
