"""Helpers every raw source shares: the source documents, programme years,
authority spellings, and small text and number parsers.
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from lib.programme import UnknownNameError, current_programme, name_key, slugify  # noqa: F401 (re-exported)
from lib.sources.contract import Issue, Required

#: The programme in force (data/definition.yaml, or $EVAL_PROGRAMME).
PROGRAMME = current_programme()

#: Source documents the build looks up by role (file names from the definition).
PROGRAMME_REPORT = PROGRAMME.source_file("programme_report")
#: The survey report's file (None: a programme without a survey has none).
SURVEY_REPORT = (
    PROGRAMME.source_file("survey_report")
    if "survey_report" in {d.id for d in PROGRAMME.source_documents}
    else None
)

#: Programme years, in order (ids such as '2011-12').
YEARS: tuple[str, ...] = tuple(y.id for y in PROGRAMME.years)
#: The first two years (kept for readers of the first two years; YEARS holds them all).
YEAR_ONE, YEAR_TWO = YEARS[0], YEARS[1] if len(YEARS) > 1 else YEARS[0]

UNRECORDED = "unrecorded"

#: authority_id -> display name, in the definition's order.
AUTHORITIES: dict[str, str] = {a.id: a.name for a in PROGRAMME.authorities}

#: Every spelling the definition lists -> authority_id.
AUTHORITY_ALIASES: dict[str, str] = {s: a.id for a in PROGRAMME.authorities for s in (a.id, *a.spellings)}

#: Authorities with a case study in the sources.
CASE_STUDY_AUTHORITIES: frozenset[str] = PROGRAMME.case_study_authorities

#: A printed name that matches no authority of the definition (never a new authority).
UnknownAuthorityError = UnknownNameError


def authority_id(name: str) -> str:
    """Map any printed spelling of an authority to its canonical id."""
    return PROGRAMME.authority_id(name)


def is_known_authority(name: str) -> bool:
    return PROGRAMME.is_known_authority(name)


KNOWN_AUTHORITY = pa.Check(
    is_known_authority,
    element_wise=True,
    error=f"a known authority name (one of the {len(AUTHORITIES)} programme authorities or a known spelling)",
)


def tidy_text(text: str) -> str:
    """Strip a cell, fold runs of spaces, keep line breaks between paragraphs."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in str(text).splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


#: Decimal places the survey charts publish (whole percentages). The charts
#: were exported as floats such as ``0.56999999999999995``: binary noise on a
#: value published to two decimal places.
SOURCE_DECIMALS = 2


def round_to_source(value: str) -> float:
    return round(float(value), SOURCE_DECIMALS)


def percent_to_proportion(text: str) -> float:
    """``'33%'``, ``'  8%'``, ``'69%%'`` -> 0.33, 0.08, 0.69."""
    match = re.fullmatch(r"\s*(\d{1,3}(?:\.\d+)?)\s*%+\s*", str(text))
    if not match:
        raise ValueError(f"not a percentage: {text!r}")
    return round(float(match.group(1)) / 100, 4)


def csv_line(raw: pd.DataFrame, index: int) -> str:
    """CSV line number where a 0-based data record starts (the header is line 1).

    Records with multi-line cells span several lines, so the number comes from
    the line map :func:`read_raw` stores in ``raw.attrs["lines"]``.
    """
    lines = raw.attrs.get("lines")
    return str(lines[index] if lines is not None and index < len(lines) else index + 2)


#: authority id -> its definition entry (names read by inference, and why).
AUTHORITY_ENTRIES = {a.id: a for a in PROGRAMME.authorities}


def identified_name(printed: str) -> bool:
    """True when ``printed`` is another place's name read as an authority only by inference
    (the definition's ``identified_as``), not a spelling of the authority's own name."""
    a = AUTHORITY_ENTRIES[authority_id(printed)]
    return name_key(printed) in {name_key(n) for n in a.identified_as}


def identification_note(aid: str, text: str) -> str:
    """'; identification inference: <reasoning>' when ``text`` names authority ``aid`` only by a
    name the definition reads as it by inference (and never by its own name), else ''."""
    a = AUTHORITY_ENTRIES[aid]
    named = [n for n in a.identified_as if re.search(rf"\b{re.escape(n)}\b", text, re.I)]
    if not named or re.search(re.escape(a.name), text, re.I):
        return ""
    return f"; identification inference: {a.identification}"


def spelling_issues(raw: pd.DataFrame, file: str, column: str = "authority_as_printed") -> list[Issue]:
    """A quality-log row for every printed name that is not the authority's own: a spelling
    variant, or an identification inference (another place's name read as the authority)."""
    issues = []
    for printed in sorted(set(raw[column])):
        aid = authority_id(printed)
        if printed != AUTHORITIES[aid]:
            rows = raw.index[raw[column] == printed]
            identified = identified_name(printed)
            issues.append(
                Issue(
                    check="identification_inference" if identified else "spelling_variant",
                    file=file,
                    row=", ".join(csv_line(raw, i) for i in rows[:3]) + (" ..." if len(rows) > 3 else ""),
                    column=column,
                    value=printed,
                    issue=(
                        f"{printed!r} names another place, not an authority of the programme"
                        if identified
                        else f"authority spelled {printed!r}"
                    ),
                    action=(
                        f"read as '{AUTHORITIES[aid]}' ({aid}), an inference marked on the rows it gives: "
                        + AUTHORITY_ENTRIES[aid].identification
                        if identified
                        else f"mapped to '{AUTHORITIES[aid]}' ({aid})"
                    ),
                )
            )
    return issues


#: Printed year spellings (folded) -> year id.
YEAR_SPELLINGS = {s.casefold(): y.id for y in PROGRAMME.years for s in y.spellings}


def programme_year(printed: str) -> str:
    """A printed programme year ('Year one', 'second year') -> its id."""
    return PROGRAMME.year_id(printed)


def declared_required(file: str) -> tuple[Required, ...]:
    """The keys the definition says the sources print for ``file`` (its ``completeness``)."""
    return tuple(Required(c.columns, c.keys, c.printed) for c in PROGRAMME.completeness_for(file))
