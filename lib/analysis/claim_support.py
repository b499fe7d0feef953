"""What a claim's support is: the design a supported change was measured by.

A claim can be supported, or partly supported, by a change clear of chance
and still not be evidence that the programme caused it. Read from the design
rating (``results_design``), the plan's timing of the measurement and the
survey report's own words on when the survey was taken, the audit says on
the claim's card what its support is: a change measured when the design
measured it, alongside the programme, with no comparison group. A claim that
places the change "after the programme" when the source says the survey was
taken at another time is flagged.
"""

from __future__ import annotations

import re

import pandas as pd

from lib.analysis.claim_verdict import PARTLY, PARTLY_STRONG, STRONG, SUPPORTED
from lib.analysis.design import PARTS, level_words

#: The answers that rest a verdict on a change clear of chance (for some or all of its parts).
CHANGE_STRENGTHS: tuple[str, ...] = (STRONG, PARTLY_STRONG)

#: Words that place a claimed change after the programme.
AFTER_THE_PROGRAMME = re.compile(r"\bafter the programme\b", re.IGNORECASE)


def survey_timing(respondents: pd.DataFrame) -> tuple[str, str] | None:
    """(quote, source): the survey report's own words on when the after-survey was taken (the
    first clause of the quote its published base is transcribed with), or None without one."""
    if respondents.empty or "quote" not in respondents:
        return None
    rows = respondents[(respondents["phase"] == "post") & respondents["quote"].astype(str).str.strip().ne("")]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return str(row["quote"]).split(";")[0].strip().rstrip("."), str(row["source"])


def _cited(source: str) -> str:
    """``004_<hash>.txt § 2 The Attitude Survey, para 2.2`` -> ``004 § 2 The Attitude Survey, para 2.2``."""
    document, _, section = source.partition(" § ")
    return f"{document[:3]} § {section}" if section else document[:3]


def support_reading(
    claim: str,
    verdict: str,
    strength: str,
    design: pd.Series,
    measured: str,
    timing: tuple[str, str] | None,
) -> str:
    """What the support of a (partly) supported change is, or '' when the verdict does not rest on
    a change clear of chance or the design has a comparison group (``design``: the
    ``results_design`` row; ``measured``: when the plan says outcomes were measured)."""
    if verdict not in (SUPPORTED, PARTLY) or strength not in CHANGE_STRENGTHS:
        return ""
    if PARTS.get(str(design["kind"]), (False, False))[1]:
        return ""
    when = f"measured {measured}" if measured.strip() else "measured before and after"
    text = (
        f"A change {when}: it happened alongside the programme, and with no comparison group "
        f"(a {design['kind_label']}, {level_words(design['level'], design['level_max'])} on the "
        f"{design['scale']}) it is not evidence that the programme caused it."
    )
    said = AFTER_THE_PROGRAMME.search(claim)
    if said and timing and not AFTER_THE_PROGRAMME.search(timing[0]):
        text += (
            f" The claim says \u2018{said.group(0)}\u2019, which is not when it was measured: "
            f"\u2018{timing[0]}\u2019 ({_cited(timing[1])})."
        )
    return text
