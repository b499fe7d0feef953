"""The one home of the reports' number and word formatting.

Every percentage, signed change in points, interval, count and list phrase a
report prints goes through one of these functions, so the same value reads
the same way on every page.
"""

from __future__ import annotations

import re

import pandas as pd

#: Shown for a value the sources do not give.
MISSING = "[x]"


def percent(value: float | None, digits: int = 0) -> str:
    """A proportion as a percentage: ``0.56`` -> ``'56%'``; missing -> ``[x]``."""
    if value is None or pd.isna(value):
        return MISSING
    return f"{value * 100:.{digits}f}%"


def signed_points(value: float) -> str:
    """A change in proportion as signed whole percentage points: ``+25``, ``-3``; a change
    that rounds to zero has no sign (``0``)."""
    points = round(value * 100)
    return f"{points:+d}" if points else "0"


def percent_interval(low: float, high: float) -> str:
    """``'45% to 67%'``."""
    return f"{percent(low)} to {percent(high)}"


def interval_bound(value: float) -> str:
    """One bound of an interval of changes in signed points: whole points, unless rounding would
    make a bound that is not zero read ``0`` (and lose its sign, so an interval that excludes zero
    would look as if it touched it): then one decimal, or as many as it takes to show the sign
    (``0.0027`` -> ``'+0.3'``, ``-0.0004`` -> ``'-0.04'``)."""
    points = value * 100
    if round(points) or points == 0:
        return signed_points(value)
    digits = 1
    while round(points, digits) == 0 and digits < 6:
        digits += 1
    return f"{points:+.{digits}f}"


def points_interval(low: float, high: float) -> str:
    """``'+3 to +41'``; ``'+0.3 to +30'`` for a bound that rounds to zero (:func:`interval_bound`)."""
    return f"{interval_bound(low)} to {interval_bound(high)}"


def count_phrase(n: int, singular: str, plural: str | None = None) -> str:
    """``count_phrase(1, 'item')`` -> ``'1 item'``; ``count_phrase(3, 'item')`` -> ``'3 items'``."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def sentence(text: str) -> str:
    """``text`` ending in a full stop, unless it already ends a sentence (``?``, ``!``, ``.``):
    ``'... How has it gone so far?'`` stays as it is, never ``'so far?.'``."""
    text = str(text).rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def list_phrase(items: list[str]) -> str:
    """``['a', 'b', 'c']`` -> ``'a, b and c'``; empty -> ``'none'``."""
    items = [str(i) for i in items]
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def is_are(n: int) -> str:
    return "is" if n == 1 else "are"


def bounded(value: float, bound: str) -> str:
    """A printed count with its bound: ``'over 10'``, ``'up to 5'``, ``'at least 3'``."""
    value = int(value)
    return {"more_than": f"over {value}", "at_most": f"up to {value}", "at_least": f"at least {value}"}.get(
        bound, str(value)
    )


def first_words(text: object, words: int = 18) -> str:
    """The first ``words`` words of a quote, without extraction debris such as footnote
    markers, with an ellipsis when cut."""
    cleaned = re.sub(r"\[footnote[^\]]*\]|\[\d+:[^\]]*\]", "", str(text))
    parts = " ".join(cleaned.split()).split(" ")
    return " ".join(parts[:words]) + (" \u2026" if len(parts) > words else "")


def same_words(text: str) -> str:
    """A statement's words for comparing: case, quote marks and spacing set aside."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").casefold().split())
