"""What every page of a batch run's site shares.

The site is the ``html/`` folder a batch writes: one page per report, the
index, the caveats page and the downloads, linked to each other with relative
links so the folder works offline (zipped, or opened from disk). This module
is the one home of:

* the Jinja environment over ``lib/run/templates/`` (autoescape on; trusted
  fragments come in as :class:`markupsafe.Markup`);
* the page names (``<report id>.html``, ``index.html``) and the reading order
  of the reports: the programme report first, then the authorities A to Z by
  display name (case-folded, ties by id), which the index lists and the
  previous/next links of the authority pages follow;
* the anchor rule for ids the site adds to headings (:func:`anchor_id`);
* the workbook version shown in the footers.

Standard library, Jinja and markupsafe only: the worker processes and the
batch process use it without importing the report stack.
"""

from __future__ import annotations

import csv
import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lib import programme
from lib.config import CAVEATS_PAGE, PROJECT_ROOT

TEMPLATES_DIR = Path(__file__).with_name("templates")
INDEX_PAGE = "index.html"
#: The glossary every page links to (lib.run.glossary).
GLOSSARY_PAGE = "glossary.html"
#: The programme report's interactive survey explorer, on a page of its own (lib.run.render.split_explorer).
EXPLORER_PAGE = "survey-explorer.html"
EXPLORER_ID = "survey-explorer"
#: The report id of the programme report (its page is ``programme.html``).
PROGRAMME_ID = "programme"
AUTHORITIES_CSV = "authorities.csv"
#: The distribution name in pyproject.toml (the workbook version's source).
DISTRIBUTION = "cc-vcs-evaluation-workbook"


@functools.cache
def site_environment():
    """The Jinja environment of the site's templates (autoescape always on)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )


def render_template(name: str, **context) -> str:
    return site_environment().get_template(name).render(**context)


def template_text(name: str) -> str:
    """A template folder file as text (CSS and the index script are inlined)."""
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def page_name(report_id: str) -> str:
    return f"{report_id}.html"


def report_order_key(name: str, report_id: str) -> tuple[str, str, str]:
    """Sort key of the A-to-Z order: the display name folded (:func:`lib.programme.a_to_z_key`:
    letters and digits, so markup or punctuation in a name never sorts it first), then id."""
    return (*programme.a_to_z_key(name), report_id)


def anchor_id(text: str) -> str:
    """An id for an HTML anchor: ``'C3 Approximated bases'`` -> ``'c3-approximated-bases'``.

    ASCII letters and digits, runs of anything else become one hyphen
    (accents dropped: ``'Café'`` -> ``'cafe'``); ``'section'`` when nothing is left.
    """
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "section"


@functools.cache
def workbook_version() -> str:
    """The workbook's version: pyproject.toml of this checkout, else the installed distribution."""
    pyproject = PROJECT_ROOT / "pyproject.toml"
    try:
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def authority_names(processed_dir: str | Path) -> dict[str, str]:
    """authority_id -> display name from ``authorities.csv``; {} when it cannot be read."""
    path = Path(processed_dir) / AUTHORITIES_CSV
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    names = {}
    for row in rows:
        aid = (row.get("authority_id") or "").strip()
        if aid:
            names[aid] = (row.get("authority") or "").strip() or aid
    return names


def a_to_z(names: dict[str, str]) -> list[str]:
    """Authority ids in the site's A-to-Z order."""
    return sorted(names, key=lambda aid: report_order_key(names[aid], aid))


@dataclass(frozen=True)
class Link:
    href: str
    text: str


@dataclass(frozen=True)
class SiteNav:
    """The links a report page carries to the rest of the site."""

    index: Link
    programme: Link | None  # None on the programme report itself
    caveats: Link
    previous: Link | None = None
    next: Link | None = None
    glossary: Link = Link(GLOSSARY_PAGE, "Glossary")


def site_nav(report_id: str, names: dict[str, str]) -> SiteNav:
    """Links of report ``report_id`` (an authority id, or the programme id)."""
    order = a_to_z(names)
    previous = next_ = None
    if report_id in names:
        i = order.index(report_id)
        if i > 0:
            previous = Link(page_name(order[i - 1]), names[order[i - 1]])
        if i + 1 < len(order):
            next_ = Link(page_name(order[i + 1]), names[order[i + 1]])
    programme = None if report_id == PROGRAMME_ID else Link(page_name(PROGRAMME_ID), "Programme report")
    return SiteNav(
        index=Link(INDEX_PAGE, "All reports"),
        programme=programme,
        caveats=Link(CAVEATS_PAGE, "Assumptions and caveats"),
        previous=previous,
        next=next_,
    )
