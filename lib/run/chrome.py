"""The report chrome: what the site adds around a rendered notebook.

nbconvert renders the notebook's cells; the chrome template
(``templates/report.html.j2``) puts them inside the site's page:

* a header with the site navigation: all reports (the index), the programme
  report, the previous and next authority A to Z (:func:`lib.run.site.site_nav`);
* a table of contents built from the page's own ``<h2>`` headings, placed
  after the cell that holds the page's ``<h1>``; a heading without an id gets
  one (:func:`lib.run.site.anchor_id` of its text, made unique on the page),
  so the same notebook always gives the same ids;
* the SYNTHETIC DATA banner when the data are synthetic (unless the
  notebook already shows it);
* a footer repeating the previous/next links, with the workbook version.

Every piece of HTML comes from an autoescaped template in ``templates/``;
the rendered cells enter as :class:`markupsafe.Markup` (nbconvert escaped
them). The only change made to the cells' HTML is the ``id`` attribute added
to headings that lack one, at positions found by :mod:`html.parser`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markupsafe import Markup

from lib.run import banner, site

#: Headings listed in the table of contents.
TOC_LEVEL = 2


@dataclass(frozen=True)
class Heading:
    id: str
    text: str


@dataclass
class Outline:
    """The rendered cells split around the ``<h1>`` cell, with their headings."""

    intro: Markup
    rest: Markup
    headings: list[Heading] = field(default_factory=list)
    has_h1: bool = False
    has_banner: bool = False


class _Scanner(HTMLParser):
    """Offsets of the ``<hN>`` start tags, every id, and the end of the top-level
    ``<div>`` holding the first ``<h1>``. Script and style bodies are not parsed."""

    def __init__(self, text: str, level: int):
        super().__init__(convert_charrefs=True)
        self.level = f"h{level}"
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.text = text
        self.ids: set[str] = set()
        self.headings: list[dict] = []  # {"offset", "id", "parts"}
        self._open: dict | None = None
        self._skip = 0  # inside <a class="anchor-link"> (nbconvert's pilcrow)
        self.depth = 0
        self.h1_seen = False
        self.split: int | None = None
        self.has_banner = False

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if "synthetic-banner" in (attrs.get("class") or "").split():
            self.has_banner = True
        if tag == "div":
            self.depth += 1
        elif tag == "h1" and not self.h1_seen:
            self.h1_seen = True
            self._h1_depth = self.depth
        elif tag == self.level:
            self._open = {"offset": self._offset(), "id": attrs.get("id"), "parts": []}
        elif tag == "a" and self._open is not None and "anchor-link" in (attrs.get("class") or "").split():
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "div":
            if self.h1_seen and self.split is None and self.depth == 1:
                self.split = self.text.index(">", self._offset()) + 1
            self.depth -= 1
        elif tag == "a" and self._skip:
            self._skip -= 1
        elif tag == "h1" and self.h1_seen and self.split is None and self._h1_depth == 0 == self.depth:
            self.split = self.text.index(">", self._offset()) + 1  # an <h1> outside any cell
        elif tag == self.level and self._open is not None:
            self.headings.append(self._open)
            self._open = None

    def handle_data(self, data):
        if self._open is not None and not self._skip:
            self._open["parts"].append(data)


def outline(cells_html: str, level: int = TOC_LEVEL) -> Outline:
    """The cells' headings of ``level`` (ids added where missing), and the
    cells split after the top-level ``<div>`` (cell) holding the first
    ``<h1>``, or after the ``<h1>`` itself when no ``<div>`` holds it (the
    table of contents goes there; at the top when there is no ``<h1>``)."""
    scan = _Scanner(cells_html, level)
    scan.feed(cells_html)
    scan.close()
    used = set(scan.ids)
    inserts: list[tuple[int, str]] = []
    headings = []
    for h in scan.headings:
        text = " ".join("".join(h["parts"]).split())
        hid = h["id"]
        if not hid:
            base = site.anchor_id(text)
            hid, n = base, 2
            while hid in used:
                hid, n = f"{base}-{n}", n + 1
            used.add(hid)
            inserts.append((h["offset"] + len(f"<h{level}"), f' id="{hid}"'))
        if text:
            headings.append(Heading(hid, text))
    split = scan.split if scan.split is not None else 0
    pieces, pos = [], 0
    for offset, attr in inserts:
        pieces.append(cells_html[pos:offset])
        pieces.append(attr)
        pos = offset
    pieces.append(cells_html[pos:])
    # where the split lands after the inserted attributes
    shift = sum(len(attr) for offset, attr in inserts if offset < split)
    html = "".join(pieces)
    return Outline(
        intro=Markup(html[: split + shift]),
        rest=Markup(html[split + shift :]),  # noqa: S704
        headings=headings,
        has_h1=scan.h1_seen,
        has_banner=scan.has_banner,
    )


@dataclass
class Chrome:
    """The page parts around a report's cells (passed to nbconvert as a resource)."""

    nav: site.SiteNav | None = None
    synthetic: bool = False
    version: str = field(default_factory=site.workbook_version)
    #: what changed in the page's figures and verdicts since the previous build (lib.run.changes)
    changes: tuple[str, ...] = ()

    def header(self) -> Markup:
        return Markup(site.render_template("report_header.html.j2", nav=self.nav))  # noqa: S704

    def body(self, cells_html: str) -> Markup:
        page = outline(str(cells_html))
        return Markup(
            site.render_template(  # noqa: S704 (autoescaped template)
                "report_body.html.j2",
                page=page,
                banner=self.synthetic and not page.has_banner,
                banner_text=banner.SYNTHETIC_TEXT,
                changes=self.changes,
            )
        )

    def footer(self) -> Markup:
        return Markup(
            site.render_template(
                "report_footer.html.j2",
                nav=self.nav,  # noqa: S704
                version=self.version,
            )
        )
