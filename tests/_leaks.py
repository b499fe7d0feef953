"""Distinctive words of a programme (its definition's values and its notes) and the visible words
of a rendered page, for the leak tests: no programme's own words on another programme's pages."""

from __future__ import annotations

import html
import re
from pathlib import Path

import yaml

#: Words a page may say whatever the programme: the workbook's own vocabulary (section titles,
#: statistics, the page chrome) that some definition also happens to use.
GENERIC = frozenset(
    """
    about after aims also authorities authority available before both case cases chart charts comment comments
    comparison challenges local methods part performance profiles programme's whole under every have these
    they many time little shown should five high points value count rule taken missing reached follow-up
    practice guidance impact impacts measure measures success design activity activities confidence findings
    participants needs lists wilson assumptions glyph glyphs without series cleaning produced range positive
    bases delivery delivered strength published approximated authority's sections facts inference
    membership works participation allow before-and-after comparisons confident levels need
    percentages point scales unlinked tolerance
    council data document documents each evidence from item items label labels list lost none note notes
    number page phase phases plan printed programme programmes question questions report reports
    respondents response responses rows same scale sector sectors share shares source sources statement
    statements status stage stages study studies survey surveys table tables text that their them theme
    themes this those total unrecorded what when which with year years your first second third other
    """.strip()
    .replace("\n", " ")
    .split(" ")
) - {""}


def words(text: str) -> set[str]:
    """Lower-case words of four letters or more (apostrophes folded)."""
    text = text.replace("’", "'")
    return {w.casefold().strip("'") for w in re.findall(r"[^\W\d_][\w'-]{3,}", text) if not w.isdigit()}


#: The definition's keys whose values name things of the programme (authorities, items,
#: questions, sectors, years, themes, stages, documents ...).
NAMING_KEYS = frozenset(
    ["name", "label", "title", "phrase", "claim_word", "spellings", "printed", "explorer_label"]
    + ["chart_title", "keyword", "contains"]
)


def _names(node: object, key: str = "") -> list[str]:
    if isinstance(node, dict):
        return [v for k, value in node.items() for v in _names(value, str(k))]
    if isinstance(node, list):
        return [v for value in node for v in _names(value, key)]
    return [str(node)] if isinstance(node, str) and key in NAMING_KEYS else []


def _note_names(markdown: str) -> list[str]:
    """A note's headings and its capitalised words inside sentences (names, not prose)."""
    headings = re.findall(r"^#+\s*(.+)$", markdown, flags=re.M)
    inside = re.findall(r"(?<=[a-z,;:] )([A-Z][\w'’-]+)", markdown)
    return [*headings, *inside]


def programme_words(folder: Path) -> set[str]:
    """The words the programme's definition names things with, and the names in its notes."""
    definition = yaml.safe_load((folder / "definition.yaml").read_text(encoding="utf-8"))
    texts = _names(definition)
    for note in sorted((folder / "notes").rglob("*.md")):
        texts += _note_names(note.read_text(encoding="utf-8"))
    return words("\n".join(texts))


def folder_words(folder: Path) -> set[str]:
    """Every word of a programme's folder: its definition, notes and raw tables."""
    files = [
        folder / "definition.yaml",
        *sorted((folder / "notes").rglob("*")),
        *sorted((folder / "raw").glob("*.csv")),
    ]
    return words("\n".join(p.read_text(encoding="utf-8") for p in files if p.is_file()))


def distinctive(own: Path, other: Path) -> set[str]:
    """The words ``own`` names things with that ``other``'s folder never uses (nor the workbook's
    generic vocabulary)."""
    return programme_words(own) - folder_words(other) - GENERIC


def visible_text(markup: object) -> str:
    """A page's (or fragment's) text as a reader sees it: scripts and styles left out, markup
    removed, entities decoded, whitespace folded."""
    plain = re.sub(r"<script.*?</script>|<style.*?</style>", " ", str(markup), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", plain)))


def visible_words(page_html: str) -> set[str]:
    """The words a reader sees on a page (scripts, styles and markup left out)."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S | re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return words(text)
