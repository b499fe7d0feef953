"""HTML fragments of the reports, rendered from Jinja templates with autoescape.

Every function returns :class:`markupsafe.Markup`: trusted HTML that notebooks
display as HTML. Plain strings passed in are escaped by the templates (or by
``Markup`` itself when fragments are joined), so free text from the sources
can never become markup. Build new fragments as templates in
``lib/report/templates/``; never concatenate HTML strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).with_name("templates")

_LONG_TOKEN = re.compile(r"[^\s<>]{16,}")


def _wrappable(text: object) -> Markup:
    """Escaped cell text in which a long run without spaces (names joined by
    underscores or slashes) may wrap after each ``_`` or ``/``."""
    escaped = str(escape("" if text is None else text))
    return Markup(_LONG_TOKEN.sub(lambda m: m.group(0).replace("_", "_<wbr>"), escaped))


def _display_html(self: Markup) -> str:
    return str(self)


# Notebooks display Markup as HTML (papermill/nbconvert keep the text/html output).
Markup._repr_html_ = _display_html  # type: ignore[attr-defined]


@cache
def template_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["wrappable"] = _wrappable
    return env


def render(template: str, **context) -> Markup:
    """Render ``templates/<template>`` (autoescaped) as trusted HTML."""
    return Markup(template_environment().get_template(template).render(**context).strip())


def join(*parts: object) -> Markup:
    """Concatenate fragments; a plain string among them is escaped, never trusted."""
    return Markup("").join(p for p in parts if p is not None)


def table_html(
    frame: pd.DataFrame,
    caption: str,
    *,
    row_header: bool = True,
    css_class: str = "data-table",
    wrap: bool = False,
    groups: Sequence[str] | None = None,
) -> Markup:
    """A real HTML table: caption, ``<th scope="col">`` headers, row headers.
    Values should already be formatted as text; a cell may be Markup (a link).
    ``groups`` (one label a row): each run of rows with one label is a ``<tbody>`` headed by
    that label once (``<th scope="rowgroup">``), so a value shared by many rows is not
    repeated in each.
    ``wrap`` puts the table in a horizontally scrollable region of its own. A table
    whose columns cannot all hold their longest word side by side on an A4 page gets
    the class ``upright-headers`` (printed with its column headers turned upright, so
    no header word is split)."""
    rows = [
        ["" if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in row]
        for row in frame.itertuples(index=False)
    ]
    columns = list(frame.columns)
    if _too_wide_for_a4(columns, rows):
        css_class += " upright-headers"
    labels = list(groups) if groups is not None else [""] * len(rows)
    bodies = [
        (label, [row for _, row in run])
        for label, run in groupby(zip(labels, rows, strict=True), key=itemgetter(0))
    ]
    return render(
        "table.j2",
        columns=columns,
        bodies=bodies or [("", [])],
        caption=caption,
        row_header=row_header,
        css_class=css_class,
        wrap=wrap,
    )


#: Printed table text (9 pt) is about this many CSS px a character, plus this much
#: padding a column; the A4 printable width is 680 px (180 mm at 96 px an inch).
PRINT_CHAR_PX = 6.5
PRINT_CELL_PAD_PX = 12
A4_PRINTABLE_PX = 680


def _longest_word(value: object) -> int:
    return max((len(w) for w in str(value).split()), default=0)


def _too_wide_for_a4(columns: list, rows: list[list]) -> bool:
    """Whether the columns' longest words (header and cells), side by side, pass the A4 width."""
    need = 0.0
    for i, column in enumerate(columns):
        longest = max([_longest_word(column), *(_longest_word(row[i]) for row in rows)])
        need += longest * PRINT_CHAR_PX + PRINT_CELL_PAD_PX
    return need > A4_PRINTABLE_PX


def paragraph(*sentences: str) -> Markup:
    """One paragraph of plain-text sentences (escaped)."""
    return render("paragraph.j2", text=" ".join(str(s) for s in sentences if s))


def bullets(items: Iterable[object], *, css_class: str = "") -> Markup:
    """A list; items are plain text (escaped) or Markup."""
    return render("bullets.j2", items=list(items), css_class=css_class)


def heading(text: str, level: int = 3, anchor: str | None = None) -> Markup:
    return render("heading.j2", text=text, level=level, anchor=anchor)


def note(text: str) -> Markup:
    return render("note.j2", text=text, css_class="note", label="Note:")


def warning(text: str, label: str = "Possibly misaligned in the source:") -> Markup:
    return render("note.j2", text=text, css_class="warning", label=label)


def link(href: str, text: str) -> Markup:
    return render("link.j2", href=href, text=text)


def numbered(items: Iterable[str]) -> Markup:
    return render("bullets.j2", items=list(items), css_class="", ordered=True)


BULLET_CHARS = ("•", "·", "-", "*")


def text_blocks(text: str) -> list[tuple[str, str]]:
    """Split source text into ``("p" | "li", text)`` blocks.

    Extraction broke lines mid-sentence, so single line breaks are joined;
    lines that start with a bullet become list items.
    """
    blocks: list[tuple[str, str]] = []
    for line in str(text).splitlines():
        line = line.strip()
        if not line:
            if blocks and blocks[-1][0] == "p" and blocks[-1][1]:
                blocks.append(("p", ""))
            continue
        if line.startswith(BULLET_CHARS):
            blocks.append(("li", line.lstrip("".join(BULLET_CHARS)).strip()))
        elif blocks and blocks[-1][0] == "p" and blocks[-1][1]:
            blocks[-1] = ("p", f"{blocks[-1][1]} {line}")
        else:
            blocks.append(("p", line))
    return [b for b in blocks if b[1]]


def _grouped(blocks: list[tuple[str, str]]) -> list[tuple[str, object]]:
    """Consecutive list items grouped: ``[("p", text), ("ul", [items]), ...]``."""
    out: list[tuple[str, object]] = []
    for kind, body in blocks:
        if kind == "li":
            if out and out[-1][0] == "ul":
                out[-1][1].append(body)  # type: ignore[union-attr]
            else:
                out.append(("ul", [body]))
        else:
            out.append(("p", body))
    return out


def quote_block(text: str, cite: str = "", *, collapse_after: int | None = None) -> Markup:
    """A quotation from a source: escaped; bullets kept as a list. With
    ``collapse_after``, a quotation longer than that many characters shows its
    first sentence and folds the rest into a ``<details>``."""
    blocks = _grouped(text_blocks(text))
    if collapse_after and len(str(text)) > collapse_after and blocks:
        return render(
            "quote.j2",
            blocks=blocks[:1],
            more=blocks[1:] or None,
            cite=cite,
            collapse=True,
            chars=len(str(text)),
        )
    return render("quote.j2", blocks=blocks, more=None, cite=cite, collapse=False, chars=0)


def report_style() -> Markup:
    """The report's style sheet (one ``<style>`` element, at the top of every page)."""
    return render("style.j2")
