"""Recommendations that follow from the key findings.

Each recommendation names the findings it rests on and the figure it rests on
(computed from the same facts the findings read), says what to do about the
programme where the evidence allows it (continue, scale, change, stop) and says
so where it does not, and quotes the practice guidance only where the
guidance's own words say what the recommendation says: the two share a phrase
(:attr:`Rule.phrase`), which the recommendation must itself contain. A
suggestion that points back to its key principle ("Monitor this ...") is quoted
with that principle, so "this" keeps its referent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from lib.analysis import verdicts
from lib.analysis.findings import questions_of, rises_clear_words, scope_words
from lib.programme import wording
from lib.report.facts import (
    LEFT_STAGE,
    claim_audit,
    comparisons,
    criterion_comparisons,
    design,
    evidence_totals,
    percentage_kpi_years,
    success_results,
    understanding_changes,
)
from lib.report.format import first_words, percent, signed_points
from lib.report.workbook import UNRECORDED, Workbook


class FindingLike(Protocol):
    key: str


@dataclass(frozen=True)
class Recommendation:
    text: str
    rests_on: tuple[str, ...]  # finding keys
    figure: str  # the figure it rests on, in words
    about: str  # "programme" (what to do about it) or "evaluation"
    guidance: tuple[str, ...] = ()


#: How a practice suggestion that points back to its key principle begins ("Monitor this ...").
BACK_REFERENCE = re.compile(r"^\W*\w+\s+(?:this|these|them|it)\b", re.I)


def guidance_quote(row: pd.Series) -> str:
    """One guidance row quoted by theme; a suggestion that refers back ('Monitor this ...')
    is quoted after the key principle it refers to."""
    suggestion, principle = str(row["practice_suggestion"] or ""), str(row["key_principle"] or "")
    if suggestion and principle and BACK_REFERENCE.match(suggestion):
        lead = first_words(principle).rstrip(" .\u2026")
        text = f"{lead}. {first_words(suggestion)}"
    else:
        text = first_words(suggestion or principle)
    return f"{row['theme_label']}: \u201c{text}\u201d"


def guidance_saying(wb: Workbook, phrase: str, limit: int = 1) -> tuple[str, ...]:
    """Practice guidance whose own text contains ``phrase`` (case-insensitive), quoted."""
    g = wb.guidance
    text = (g["key_principle"] + " " + g["practice_suggestion"]).map(
        lambda t: " ".join(str(t).split()).lower()
    )
    return tuple(
        guidance_quote(r) for _, r in g[text.str.contains(phrase.lower(), regex=False)].head(limit).iterrows()
    )


# --------------------------------------------------------------------------
# One function per recommendation: its text, findings, figure and guidance phrase
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    text: str
    rests_on: tuple[str, ...]
    figure: str
    about: str
    phrase: str = ""  # guidance is quoted only where its text holds this phrase (and so does ``text``)


def _rises(wb: Workbook) -> tuple[int, int, int]:
    """(higher, higher and clear of chance, comparisons) over the success criteria (``results_success``)."""
    t = success_results(wb)
    return int(t["n_higher"].sum()), int(t["n_clear"].sum()), int(t["n_comparisons"].sum())


def programme_decision(wb: Workbook, keys: set[str]) -> Rule | None:
    """What to do about the programme, as far as its success measure allows."""
    if "success" not in keys:
        return None
    rose, strong, items = _rises(wb)
    figure = f"ratings behind the success measure higher on {rose} of {items}; {strong} of the {rose} rises clear of chance"
    comparison = design(wb).comparison
    if strong == 0:
        text = (
            "What to do about the programme: this evidence does not allow a decision to scale it up or to "
            f"stop it. {_success_counts(wb)}, and nothing shows what would have happened without the "
            "programme. Continue it only as a test that can answer that question (the next recommendations), "
            "and do not scale it on this evidence."
        )
    elif strong < rose or not comparison:
        text = (
            "What to do about the programme: continue it where it runs, but do not scale it up on this "
            "evidence: some rises are clear of chance, but "
            + ("not all of them, and " if strong < rose else "")
            + f"without a comparison group they show an association with {wording('events')}, not their effect."
        )
    else:
        text = (
            "What to do about the programme: the evidence supports continuing it and testing it at a larger "
            "scale: every rise is clear of chance against a comparison group."
        )
    return Rule(text, ("success",), figure, "programme")


def _success_counts(wb: Workbook) -> str:
    """Each success criterion's counts and verdict, named by the ratings that stand for it
    (``results_success``, ``results_comparisons``): 'Of the 18 ratings on ..., 13 were higher ...'."""
    out = []
    for _, c in success_results(wb).iterrows():
        rows = criterion_comparisons(wb, c["criterion_id"])
        if not len(rows):
            continue
        out.append(
            f"Of {scope_words(rows, questions_of(wb.programme))} that stand for its success measure, "
            f"{int(c['n_higher'])} were higher after {wording('events')}, {int(c['n_same'])} about the same and "
            f"{int(c['n_lower'])} lower; {rises_clear_words(rows)}, so the verdict is \u201c{c['verdict']}\u201d"
        )
    return "; ".join(out)


def keep_what_moved(wb: Workbook, keys: set[str]) -> Rule | None:
    """Keep the element whose change is clear of chance (``results_comparisons``, the plan's
    both-ends rule), where there is one, without claiming the workshops caused it."""
    if "understanding" not in keys:
        return None
    u = understanding_changes(wb)
    u = u[u["sector"] == "all"]
    if u.empty:
        return None
    r = u.iloc[0]
    judged = comparisons(wb, r["question"], "all")
    judged = judged[judged["item"] == r["item"]]
    if judged.empty or not bool(judged["clear_of_chance"].iloc[0]):
        return None
    events = wording("events")
    question = wb.results_comparisons[wb.results_comparisons["question"] == r["question"]]
    n_clear = int(question["clear_of_chance"].sum())
    return Rule(
        f"What to change in the programme: if it continues, keep at the centre of {events} the work on "
        f"'{r['item_label']}'. Separately from the success measure, the share of all respondents in this series "
        f"was higher after {events}, a change clear of chance; of "
        f"{scope_words(question, questions_of(wb.programme))}, {n_clear} {'is' if n_clear == 1 else 'are'} "
        "clear of chance. Without a comparison group this is an association, not a proven effect, so test "
        "it with the next recommendation before relying on it.",
        ("understanding",),
        f"{percent(r['pre'])} to {percent(r['post'])}, {signed_points(r['change'])} points",
        "programme",
    )


def comparison_design(wb: Workbook, keys: set[str]) -> Rule | None:
    change_keys = tuple(k for k in ("success", "understanding", "claims") if k in keys)
    if design(wb).comparison or not change_keys:
        return None
    rose, strong, _ = _rises(wb)
    return Rule(
        "Before the next round, survey a comparison group (people or places not yet reached), give each "
        "respondent a reference that links their before and after answers, and ask them again some time "
        f"after {wording('events')}, so that a change can be attributed, measured on the same people and seen "
        "to last; more respondents in the same design would not do this.",
        change_keys,
        f"{strong} of the {rose} rises behind the success measure clear of chance; no comparison group",
        "evaluation",
    )


def honest_reporting(wb: Workbook, keys: set[str]) -> Rule | None:
    if "claims" not in keys:
        return None
    audit = claim_audit(wb)
    supported = int((audit["verdict"] == verdicts.SUPPORTED).sum())
    return Rule(
        "In future reporting, state changes as associations unless a comparison supports more, and publish "
        "the numbers behind every percentage.",
        ("claims",),
        f"{supported} of {len(audit)} claims checked supported; {int(audit['causal'].sum())} causal",
        "evaluation",
    )


def evidence_record(wb: Workbook, keys: set[str]) -> Rule | None:
    """The evidence cells the extracted text lost are a limit of this evaluation's copy, not of the
    programme's record: the step that fills them is the evaluation's, not advice to the programme."""
    if "evidence" not in keys:
        return None
    ev = wb.evidence
    return Rule(
        "Before anyone relies on the evidence matrix, obtain the original printed programme report or the "
        "programme's own evidence log and read the cells the extracted text lost.",
        ("evidence",),
        f"{evidence_totals(ev).unrecorded} of {len(ev)} cells are {LEFT_STAGE}",
        "evaluation",
    )


def kpi_bases(wb: Workbook, keys: set[str]) -> Rule | None:
    pair = percentage_kpi_years(wb)
    if "kpis" not in keys or not pair:
        return None
    k = wb.kpis[(wb.kpis["unit"] == "proportion") & wb.kpis["year"].isin(pair)]
    n = k[["kpi", "measure"]].drop_duplicates().shape[0]
    return Rule(
        "Publish each KPI with its base and by authority, so a change between years can be tested.",
        ("kpis",),
        f"{n} percentage KPIs, none with a published base",
        "evaluation",
    )


def participation_register(wb: Workbook, keys: set[str]) -> Rule | None:
    unknown = int((wb.authorities["years"] == UNRECORDED).sum())
    if "participation" not in keys or not unknown:
        return None
    return Rule(
        "Record for every authority the year it took part and what it did, in one register.",
        ("participation",),
        f"no year stated for {unknown} of {wb.n_authorities} authorities",
        "evaluation",
    )


#: The recommendations in the order the summary numbers them. Add one here.
RULES: tuple[Callable[[Workbook, set[str]], Rule | None], ...] = (
    programme_decision,
    keep_what_moved,
    comparison_design,
    honest_reporting,
    evidence_record,
    kpi_bases,
    participation_register,
)


def recommendations(wb: Workbook, findings: Sequence[FindingLike]) -> list[Recommendation]:
    """The recommendations the findings allow, each with the findings and figure it rests on and
    the practice guidance whose own text says the same (ValueError if a rule's phrase is not in
    its own text)."""
    keys = {f.key for f in findings}
    out = []
    for rule in RULES:
        r = rule(wb, keys)
        if r is None:
            continue
        if r.phrase and r.phrase.lower() not in r.text.lower():
            raise ValueError(
                f"recommendation {rule.__name__}: its guidance phrase {r.phrase!r} is not in its text"
            )
        guidance = guidance_saying(wb, r.phrase) if r.phrase else ()
        out.append(Recommendation(r.text, r.rests_on, r.figure, r.about, guidance))
    return out
