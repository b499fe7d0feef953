"""Helpers every raw source shares: the source documents, programme years,
authority spellings, and small text and number parsers.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pandera.pandas as pa

from lib.sources.contract import Issue

PROGRAMME_REPORT = "002_1a84d9ca59562927.txt"


SURVEY_REPORT = "004_be0f5f862c51d4da.txt"


RICHMOND_CASE_STUDY = "000_e64096077011f87f.txt"


LEEDS_CASE_STUDY = "001_4a60edc3d89a3d64.txt"


COMMISSIONING_PAPER = "003_56c982d09bcf5222.txt"


YEAR_ONE, YEAR_TWO = "2011-12", "2012-13"


UNRECORDED = "unrecorded"


#: authority_id -> display name, in the programme report's order.
AUTHORITIES: dict[str, str] = {
    "barnet": "Barnet",
    "bexley": "Bexley",
    "darlington": "Darlington",
    "greenwich": "Greenwich",
    "hillingdon": "Hillingdon",
    "kent": "Kent",
    "knowsley": "Knowsley",
    "leeds": "Leeds",
    "luton": "Luton",
    "north-east-lincolnshire": "North East Lincolnshire",
    "northamptonshire": "Northamptonshire",
    "poole": "Poole",
    "richmond-upon-thames": "Richmond upon Thames",
    "telford-and-wrekin": "Telford and Wrekin",
    "westminster": "Westminster",
}


#: Every spelling met in the sources (after :func:`_name_key`) -> authority_id.
AUTHORITY_ALIASES: dict[str, str] = {
    **{_k: _k for _k in AUTHORITIES},
    "barnet": "barnet",
    "bexley": "bexley",
    "darlington": "darlington",
    "greenwich": "greenwich",
    "hillingdon": "hillingdon",
    "kent": "kent",
    "knowsley": "knowsley",
    "leeds": "leeds",
    "leeds city council": "leeds",
    "luton": "luton",
    "nelincs": "north-east-lincolnshire",
    "ne lincs": "north-east-lincolnshire",
    "n e lincs": "north-east-lincolnshire",
    "north east lincolnshire": "north-east-lincolnshire",
    "northamptonshire": "northamptonshire",
    "northampton": "northamptonshire",
    "poole": "poole",
    "richmond": "richmond-upon-thames",
    "richmond upon thames": "richmond-upon-thames",
    "london borough of richmond upon thames": "richmond-upon-thames",
    "telford & wrekin": "telford-and-wrekin",
    "telford and wrekin": "telford-and-wrekin",
    "telford": "telford-and-wrekin",
    "westminster": "westminster",
}


def _name_key(name: str) -> str:
    """Normalise a printed authority name for lookup: case, dots, spaces."""
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    text = text.replace(".", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()


def _alias_keys() -> dict[str, str]:
    keys = {_name_key(alias): aid for alias, aid in AUTHORITY_ALIASES.items()}
    keys.update({_name_key(name): aid for aid, name in AUTHORITIES.items()})
    # "N.E.Lincs" folds to "n e lincs"; "NE Lincs" to "ne lincs": both listed.
    return keys


_ALIAS_KEYS = _alias_keys()


class UnknownAuthorityError(ValueError):
    """A name that matches no known authority (never a new authority)."""


def authority_id(name: str) -> str:
    """Map any printed spelling of an authority to its canonical id.

    >>> authority_id("N.E.Lincs")
    'north-east-lincolnshire'
    """
    key = _name_key(name)
    if key not in _ALIAS_KEYS:
        raise UnknownAuthorityError(
            f"unknown authority {name!r}; expected one of the 15 programme authorities "
            f"({', '.join(AUTHORITIES.values())}) or a known spelling of one"
        )
    return _ALIAS_KEYS[key]


def is_known_authority(name: str) -> bool:
    return _name_key(name) in _ALIAS_KEYS


_KNOWN_AUTHORITY = pa.Check(
    is_known_authority,
    element_wise=True,
    error="a known authority name (one of the 15 programme authorities or a known spelling)",
)


def tidy_text(text: str) -> str:
    """Strip a cell, fold runs of spaces, keep line breaks between paragraphs."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in str(text).splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"[’']", "", text.casefold())
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


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


def _row(raw: pd.DataFrame, index: int) -> str:
    """CSV line number where a 0-based data record starts (the header is line 1).

    Records with multi-line cells span several lines, so the number comes from
    the line map :func:`read_raw` stores in ``raw.attrs["lines"]``.
    """
    lines = raw.attrs.get("lines")
    return str(lines[index] if lines is not None and index < len(lines) else index + 2)


def _spelling_issues(raw: pd.DataFrame, file: str, column: str = "authority_as_printed") -> list[Issue]:
    issues = []
    for printed in sorted(set(raw[column])):
        aid = authority_id(printed)
        if printed != AUTHORITIES[aid]:
            rows = raw.index[raw[column] == printed]
            issues.append(
                Issue(
                    "spelling_variant",
                    file,
                    ", ".join(_row(raw, i) for i in rows[:3]) + (" ..." if len(rows) > 3 else ""),
                    column,
                    printed,
                    f"authority spelled {printed!r}",
                    f"mapped to '{AUTHORITIES[aid]}' ({aid})",
                )
            )
    return issues


_YEARS = {
    "year one": YEAR_ONE,
    "year two": YEAR_TWO,
    "first year": YEAR_ONE,
    "second year": YEAR_TWO,
    "year 1": YEAR_ONE,
    "year 2": YEAR_TWO,
}


def programme_year(printed: str) -> str:
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    if key not in _YEARS:
        raise ValueError(f"unknown programme year {printed!r}; expected one of {sorted(_YEARS)}")
    return _YEARS[key]
