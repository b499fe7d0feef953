"""Authority names matched through generic rules, and hints for a name that matches nothing.

Pure functions over ``(id, spellings)`` pairs, so that any reader (raw
tables, response files) can use them with any programme:

- :func:`authority_key` folds what varies between printings of one name:
  Unicode form and accents, case, straight or curly apostrophes, punctuation,
  ``&`` for ``and``, and the usual council prefixes and suffixes ("County
  Council", "Borough Council", "City Council", "City of", "London Borough of",
  "LB", "MBC", "Metropolitan Borough Council" ...);
- :func:`match_authority` finds the one authority a printed name folds to;
- :func:`rank_authorities` ranks the candidates for an unknown name by the
  words they share (then by spelling), and returns none when none is close.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

Authorities = tuple[tuple[str, tuple[str, ...]], ...]

#: Words before an authority's own name, longest first (folded, punctuation as spaces).
PREFIXES = (
    "borough council of",
    "city and county of",
    "london borough of",
    "royal borough of",
    "metropolitan borough of",
    "county borough of",
    "borough of",
    "city of",
    "county of",
    "council of",
    "the",
    "lb",
    "rb",
)
#: Words after an authority's own name, longest first.
SUFFIXES = (
    "metropolitan borough council",
    "metropolitan district council",
    "county borough council",
    "london borough council",
    "borough council",
    "district council",
    "county council",
    "city council",
    "unitary authority",
    "council",
    "mbc",
    "cbc",
    "lbc",
    "bc",
    "cc",
    "dc",
)
#: Words too common in authority names to say two names are alike.
COMMON_WORDS = frozenset({"and", "of", "the", "upon", "on", "in", "city", "county", "borough", "council"})
#: How alike two folded names must be, letter by letter, to be offered when they share no word.
SPELLING_CUTOFF = 0.75


def fold(name: str) -> str:
    """Unicode form, accents, case, apostrophes (straight or curly, dropped), ``&`` as
    ``and`` and any other punctuation as a space; runs of spaces folded."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"['\u2018\u2019\u02bc`]", "", text).replace("&", " and ")
    return re.sub(r"[\W_]+", " ", text).strip()


def a_to_z_key(name: str) -> tuple[str, str]:
    """How names sort A to Z: by their letters and digits (accents, case and punctuation folded,
    so ``<Script> District`` sorts under S and ``Ynys Môn`` under Y), then as written."""
    return (fold(name), str(name))


def authority_key(name: str) -> str:
    """A name with the council prefixes and suffixes taken off (never down to nothing)."""
    key = fold(name)
    changed = True
    while changed:
        changed = False
        for prefix in PREFIXES:
            if key.startswith(prefix + " "):
                key, changed = key[len(prefix) + 1 :], True
        for suffix in SUFFIXES:
            if key.endswith(" " + suffix):
                key, changed = key[: -len(suffix) - 1], True
    return key


@cache
def _table(authorities: Authorities) -> dict[str, str | None]:
    """Folded key -> authority id (None where two authorities fold to the same key)."""
    table: dict[str, str | None] = {}
    for aid, spellings in authorities:
        for spelling in (aid.replace("-", " "), *spellings):
            key = authority_key(spelling)
            table[key] = aid if table.get(key, aid) == aid else None
    return table


def match_authority(printed: str, authorities: Authorities) -> str | None:
    """The id of the one authority ``printed`` folds to, else None (unknown or ambiguous)."""
    return _table(authorities).get(authority_key(printed))


def _words(key: str) -> set[str]:
    return set(key.split()) - COMMON_WORDS


def rank_authorities(printed: str, authorities: Authorities, n: int = 3) -> list[str]:
    """Up to ``n`` authority ids an unknown name may mean, closest first; [] when none is close.

    Candidates share a word with the name (more shared words first, then the
    closer spelling); when none does, those spelled within
    :data:`SPELLING_CUTOFF` (a typing slip such as ``Barnett``).
    """
    key = authority_key(printed)
    scores: dict[str, tuple[int, float]] = {}
    for aid, spellings in authorities:
        for spelling in (aid.replace("-", " "), *spellings):
            other = authority_key(spelling)
            score = (len(_words(key) & _words(other)), difflib.SequenceMatcher(None, key, other).ratio())
            scores[aid] = max(scores.get(aid, score), score)
    order = [aid for aid, _ in authorities]
    ranked = sorted(scores, key=lambda a: (-scores[a][0], -scores[a][1], order.index(a)))
    sharing = [a for a in ranked if scores[a][0] > 0]
    close = sharing or [a for a in ranked if scores[a][1] >= SPELLING_CUTOFF]
    return close[:n]


def authority_hint(printed: str, authorities: Authorities, names: dict[str, str] | None = None) -> str:
    """A log hint for an unknown name: ``closest known: Kent, Leeds`` or ``no close match``."""
    ranked = rank_authorities(printed, authorities)
    if not ranked:
        return "no close match"
    return "closest known: " + ", ".join((names or {}).get(a, a) for a in ranked)


def authority_spellings(authorities: Iterable) -> Authorities:
    """``(id, (name, *spellings))`` pairs of a definition's authorities, for the functions above."""
    return tuple((a.id, (a.name, *a.spellings)) for a in authorities)
