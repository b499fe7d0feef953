"""Render executed notebooks to single, self-contained, offline HTML files.

The stock nbconvert ``lab`` template loads require.js, MathJax, Mermaid and
the Jupyter widgets HTML manager from outside hosts, so a report opened
offline (or from a zipped ``outputs/html/`` folder) shows blank widgets.
This module renders with the same template but:

* hides code by default (``exclude_input``) and the In/Out prompts;
* removes cells tagged ``parameters``, ``injected-parameters`` and
  ``remove-cell``, the outputs of cells tagged ``remove-output`` and the
  inputs of cells tagged ``remove-input``;
* emits no MathJax and no Mermaid script at all;
* when the notebook carries widget state, INLINES require.js and the widgets
  HTML manager (``embed-amd.js``) from the local copies installed by
  ``npm install --no-audit --no-fund --package-lock=false`` (``make assets``)
  into ``node_modules/``, with the Font Awesome fonts the manager's CSS
  refers to rewritten to ``data:`` URIs, so the page makes no request at all;
* sets ``<html lang="en">`` and the ``<title>`` from an explicit title, the
  notebook metadata ``title`` or the first Markdown heading (escaped by the
  template);
* wraps the cells in the site's chrome (:mod:`lib.run.chrome`): navigation to
  the index, the programme report and the previous/next authority, a table of
  contents from the page's headings, the SYNTHETIC DATA banner and a footer.

The chrome template is ``templates/report.html.j2``; the caveats page
(:func:`render_caveats`) is rendered here too, from the programme's ``notes/caveats.md``
through ``templates/caveats.html.j2``.

Only the widgets built into the HTML manager (ipywidgets' controls and
Output) render offline: a third-party widget library would be fetched from a
CDN by the manager's loader and fail.
"""

from __future__ import annotations

import base64
import copy
import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib.config import CAVEATS_PAGE, PROJECT_ROOT  # noqa: F401 (CAVEATS_PAGE: public name)
from lib.files import atomic_write_text
from lib.run import banner, site
from lib.run.chrome import Chrome

#: The npm command ``make assets`` runs (at the project root).
ASSETS_COMMAND = "npm install --no-audit --no-fund --package-lock=false"

REMOVE_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove-output"})
REMOVE_INPUT_TAGS = frozenset({"remove-input"})

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"

_REQUIREJS = Path("requirejs") / "require.js"
_WIDGETS_DIST = Path("@jupyter-widgets") / "html-manager" / "dist"
_WIDGETS_JS = _WIDGETS_DIST / "embed-amd.js"

# webpack asset modules in embed-amd.js: ``e.exports=n.p+"<hash>.<ext>"``
_FONT_ASSET = re.compile(r'\b[A-Za-z_$][\w$]*\.p\+"([0-9a-f]{16,32}\.(woff2|woff|ttf|eot|svg))"')

#: The report chrome (lib/run/templates/report.html.j2; see lib/run/chrome.py).
_TEMPLATE_NAME = "report.html.j2"

#: The page chrome's own rules, after the notebook theme (so they win ties).
#: Screen: links are underlined (the theme's link colour alone is not enough,
#: WCAG 1.4.1). Print (A4): nothing is clipped -- tables wrap inside the page
#: width, figures scale to it, collapsed ``<details>`` print open, and the
#: interactive widgets give way to a line saying where their static views are.
PAGE_CSS = (
    site.template_text("site.css")
    + """
.jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited { text-decoration: underline; }
.explorer-view { margin: 0.5em 0 0; }
@page { size: A4; margin: 15mm; }
@media print {
  html, body, body.jp-Notebook, main { width: auto !important; max-width: none !important;
    margin: 0 !important; padding: 0 !important; overflow: visible !important; }
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output,
  .jp-RenderedHTMLCommon { padding-left: 0 !important; padding-right: 0 !important;
    margin-left: 0 !important; margin-right: 0 !important; overflow: visible !important;
    max-width: 100% !important; min-width: 0 !important; }
  table { table-layout: auto !important; width: auto !important; max-width: 100% !important;
    font-size: 9pt !important; }
  th, td { white-space: normal !important; overflow-wrap: break-word; word-break: normal; hyphens: manual;
    padding-left: 0.35em !important; padding-right: 0.35em !important; }
  th { overflow-wrap: normal !important; }
  p, li, dd, dt, figcaption, caption, summary, blockquote { overflow-wrap: break-word; }
  img, svg, canvas, video { max-width: 100% !important; height: auto !important; }
  figure { margin-left: 0 !important; margin-right: 0 !important; break-inside: avoid; }
  pre, code { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  h1, h2, h3, h4, h5, h6 { break-after: avoid; }
  tr, blockquote { break-inside: avoid; }
  details::details-content { content-visibility: visible !important; display: block !important; }
  details > summary { list-style: none; text-decoration: none !important; font-weight: 600; }
  details > summary::-webkit-details-marker { display: none; }
  .jp-OutputArea-output.jupyter-widgets > * { display: none !important; }
  .jp-OutputArea-output.jupyter-widgets::after {
    content: "The interactive explorer is not printed: each of its views appears, static, in the sections above.";
    display: block; font-style: italic; }
  a:link, a:visited { color: inherit; }
}
"""
)


class AssetsMissingError(RuntimeError):
    """The local browser assets (node_modules/) are not installed."""


def node_modules_dir() -> Path:
    """Where the npm assets live (``$WORKBOOK_NODE_MODULES`` overrides)."""
    override = os.environ.get("WORKBOOK_NODE_MODULES")
    return Path(override) if override else PROJECT_ROOT / "node_modules"


def check_assets(node_modules: Path | None = None) -> Path:
    """Return the node_modules dir, or raise AssetsMissingError with the fix."""
    nm = Path(node_modules) if node_modules else node_modules_dir()
    missing = [str(nm / p) for p in (_REQUIREJS, _WIDGETS_JS) if not (nm / p).is_file()]
    if missing:
        raise AssetsMissingError(
            "offline HTML assets are missing ("
            + ", ".join(missing)
            + "); run `make assets` (that is: "
            + ASSETS_COMMAND
            + " at the project root)"
        )
    return nm


def _script_safe(js: str) -> str:
    """Make JS text safe to put between <script> and </script>.

    Only ``</script`` and ``<!--`` can end or confuse a script element; in
    JS they can only appear inside strings, regexes or comments, where
    ``<\\/`` and ``\\x3C!--`` mean the same thing. (Neither occurs in the
    pinned bundles; this is a guard for future versions.)
    """
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    js = js.replace("<!--", "\\x3C!--")
    # URLs in the bundles sit in comments, strings and regexes (licence
    # links, schema ids), never in code that loads them; ``:\/\/`` means the
    # same there, and keeps a text search for outside hosts meaningful.
    return re.sub(r"(https?)://", r"\1:\\/\\/", js)


@dataclass(frozen=True)
class OfflineAssets:
    requirejs: str
    widgets: str

    @classmethod
    def load(cls, node_modules: Path | None = None) -> OfflineAssets:
        nm = check_assets(node_modules)
        requirejs = (nm / _REQUIREJS).read_text(encoding="utf-8")
        widgets = (nm / _WIDGETS_JS).read_text(encoding="utf-8")
        dist = nm / _WIDGETS_DIST

        def font(match: re.Match) -> str:
            name, ext = match.group(1), match.group(2)
            if ext == "woff2":
                data = base64.b64encode((dist / name).read_bytes()).decode("ascii")
                return f'"data:font/woff2;base64,{data}"'
            # Every @font-face lists woff2 before woff/ttf/svg, and eot only
            # with format("embedded-opentype"): browsers never fetch these.
            # An empty data: URL keeps even a fallback from touching the disk.
            return '"data:,"'

        widgets = _FONT_ASSET.sub(font, widgets)
        return cls(requirejs=_script_safe(requirejs), widgets=_script_safe(widgets))


_ASSETS_CACHE: dict[Path, OfflineAssets] = {}


def _assets(node_modules: Path | None) -> OfflineAssets:
    nm = (Path(node_modules) if node_modules else node_modules_dir()).resolve()
    if nm not in _ASSETS_CACHE:
        _ASSETS_CACHE[nm] = OfflineAssets.load(nm)
    return _ASSETS_CACHE[nm]


def make_exporter(keep_code: bool = False, node_modules: Path | None = None):
    """An HTMLExporter configured for offline reports (reuse it: it is not cheap)."""
    import markupsafe
    from jinja2 import FileSystemLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    c.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    c.HTMLExporter.exclude_input = not keep_code
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    # Belt and braces: nothing below is used by our template, but if a
    # future template reintroduced them they must not point to a CDN.
    c.HTMLExporter.mathjax_url = ""
    c.HTMLExporter.require_js_url = ""
    c.HTMLExporter.widget_renderer_url = ""

    class OfflineHTMLExporter(HTMLExporter):
        def _init_resources(self, resources):
            resources = super()._init_resources(resources)

            def offline_script(name: str):
                return markupsafe.Markup(getattr(_assets(node_modules), name))  # noqa: S704

            resources["offline_script"] = offline_script
            resources["page_css"] = markupsafe.Markup(PAGE_CSS)  # noqa: S704 (a constant)
            resources.setdefault("chrome", Chrome())
            return resources

        def from_notebook_node(self, nb, resources=None, **kw):
            # The lab template gives each widget view and JavaScript output a
            # uuid4() element id; number them instead, so the same notebook
            # always gives the same page.
            counter = itertools.count(1)
            self.environment.globals["uuid4"] = lambda: f"output-{next(counter)}"
            return super().from_notebook_node(nb, resources, **kw)

    exporter = OfflineHTMLExporter(
        config=c,
        template_name="lab",
        extra_loaders=[FileSystemLoader(site.TEMPLATES_DIR)],
    )
    exporter.template_file = _TEMPLATE_NAME
    exporter.mermaid_js_url = ""  # not configurable traits
    exporter.mermaid_layout_elk_js_url = ""
    exporter.language_code = "en"
    return exporter


_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


_SCRIPT = re.compile(r"(<script[^>]*>.*?</script>)", re.DOTALL | re.IGNORECASE)


#: The link nbconvert appends to each markdown heading (its text "¶", hidden by the lab
#: template's CSS only): shown by reader views and plain-text copies, with no accessible name.
_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"<>]*">¶</a>')


def drop_anchor_links(page: str) -> str:
    """The page without nbconvert's "¶" heading links; each heading keeps its id, so a
    link to it still finds it."""
    return _ANCHOR_LINK.sub("", page)


def strip_css_comments(page: str) -> str:
    """Drop comments from the page's own ``<style>`` blocks (the theme CSS
    credits its sources with URLs there); no rule changes. Text inside
    ``<script>`` elements is left alone: JS may contain '<style' and '/*'."""
    parts = _SCRIPT.split(page)
    for i in range(0, len(parts), 2):  # even parts are outside <script>
        parts[i] = _STYLE.sub(lambda m: m.group(1) + _CSS_COMMENT.sub("", m.group(2)) + m.group(3), parts[i])
    return "".join(parts)


def has_widgets(nb) -> bool:
    return "widgets" in nb.metadata


def notebook_title(nb, fallback: str = "Report") -> str:
    """Title from metadata ``title``, else the first Markdown heading."""
    title = nb.metadata.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
            if m:
                return re.sub(r"[*_`]", "", m.group(1)).strip() or fallback
    return fallback


def render_notebook(
    notebook: Any,
    html_path: str | os.PathLike | None = None,
    *,
    keep_code: bool = False,
    title: str | None = None,
    exporter=None,
    node_modules: Path | None = None,
    chrome: Chrome | None = None,
) -> str:
    """Render an executed notebook (path or NotebookNode) to one HTML string.

    If ``html_path`` is given the HTML is also written there atomically.
    ``title`` (plain text; escaped by the template) overrides the title found
    by :func:`notebook_title`. ``chrome`` defaults to :func:`report_chrome`
    of the notebook (site navigation when it was executed with the batch's
    parameters). Raises AssetsMissingError if the notebook has widget state
    and ``make assets`` has not been run.
    """
    import nbformat

    if isinstance(notebook, (str, os.PathLike)):
        path = Path(notebook)
        nb = nbformat.read(path, as_version=4)
        fallback = path.stem
    else:
        nb = copy.deepcopy(notebook)
        fallback = "Report"
    if has_widgets(nb):
        _assets(node_modules)  # fail early with the `make assets` message
    nb.metadata["title"] = title if title is not None else notebook_title(nb, fallback)
    if exporter is None:
        exporter = make_exporter(keep_code=keep_code, node_modules=node_modules)
    if chrome is None:
        chrome = report_chrome(nb)
    body, _resources = exporter.from_notebook_node(nb, resources={"chrome": chrome})
    body = drop_anchor_links(strip_css_comments(body))
    if html_path is not None:
        atomic_write_text(Path(html_path), body)
    return body


#: Cells tagged so leave the report's page for the explorer's own page
#: (``site.EXPLORER_PAGE``): the widgets' scripts then weigh on that page only.
EXPLORER_TAG = "explorer-page"
#: The output type of an interactive widget (the explorer's dropdowns).
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Metadata key naming the site page a notebook renders to, when not its report's own.
SITE_PAGE_KEY = "site_page"


def explorer_title(report_title: str) -> str:
    return f"Survey explorer: {report_title}"


def _tagged(cell) -> bool:
    return EXPLORER_TAG in (cell.get("metadata", {}).get("tags") or [])


def _widget(cell) -> bool:
    """Whether an executed cell shows an interactive widget."""
    return any(WIDGET_MIME in (o.get("data") or {}) for o in cell.get("outputs", []))


def _without_explorer(nb):
    """The report without its explorer cells and the note linking to the explorer's page."""
    report = copy.deepcopy(nb)
    report.cells = [
        c
        for c in report.cells
        if not _tagged(c)
        and not (c.get("cell_type") == "markdown" and site.EXPLORER_PAGE in "".join(c["source"]))
    ]
    report.metadata.pop("widgets", None)
    return report


def split_explorer(nb) -> tuple[Any, Any | None]:
    """The report without its explorer cells (and without widget state, so no widget
    scripts), and the explorer's page: its title, then the explorer cells with the
    widget state. ``(nb, None)`` when no cell is tagged ``explorer-page``."""
    import nbformat

    if not any(_tagged(c) for c in nb.cells):
        return nb, None
    if "widgets" not in nb.metadata and not any(_widget(c) for c in nb.cells if _tagged(c)):  # no survey
        return _without_explorer(nb), None
    report = copy.deepcopy(nb)
    report.cells = [c for c in report.cells if not _tagged(c)]
    report.metadata.pop("widgets", None)
    explorer = copy.deepcopy(nb)
    title = explorer_title(notebook_title(nb, "Report"))
    lead = nbformat.v4.new_markdown_cell(
        f"# {title}\n\nChoose a question and a sector to redraw its chart and table. Every view offered "
        f"here also appears, static, in the [programme report]({site.page_name(site.PROGRAMME_ID)})."
    )
    lead.id = "explorer-title"
    explorer.cells = [lead] + [c for c in explorer.cells if _tagged(c)]
    explorer.metadata[SITE_PAGE_KEY] = site.EXPLORER_ID
    explorer.metadata.pop("title", None)
    return report, explorer


def report_chrome(nb, project_root: Path = PROJECT_ROOT) -> Chrome:
    """The chrome of a report executed by the batch, from its papermill parameters.

    ``processed_dir`` (relative to the project root, as the batch passes it)
    gives the authorities (``authorities.csv``) for the previous/next links
    and tells whether the data are synthetic; ``authority_id`` says which
    authority the page is about (none: the programme report). A notebook
    without these parameters gets a table of contents and a footer, and no
    links to pages that may not exist beside it.
    """
    params = (nb.metadata.get("papermill") or {}).get("parameters") or {}
    processed = params.get("processed_dir")
    if not isinstance(processed, str) or not processed:
        return Chrome()
    pdir = Path(processed) if Path(processed).is_absolute() else project_root / processed
    names = site.authority_names(pdir)
    if not names:
        return Chrome(synthetic=banner.is_synthetic(pdir))
    report_id = nb.metadata.get(SITE_PAGE_KEY) or params.get("authority_id") or site.PROGRAMME_ID
    return Chrome(nav=site.site_nav(str(report_id), names), synthetic=banner.is_synthetic(pdir))


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    p = argparse.ArgumentParser(
        prog="python -m lib.run.render",
        description="Render an executed notebook to one offline HTML file.",
    )
    p.add_argument("notebook")
    p.add_argument("html", nargs="?", help="output path (default: notebook path with .html)")
    p.add_argument("--keep-code", action="store_true", help="show code cells")
    p.add_argument("--title", help="page title (default: metadata title or first heading)")
    args = p.parse_args(argv)
    out = args.html or str(Path(args.notebook).with_suffix(".html"))
    try:
        render_notebook(args.notebook, out, keep_code=args.keep_code, title=args.title)
    except AssetsMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# ---------------------------------------------------------------------------
# The caveats page
# ---------------------------------------------------------------------------

#: The caveats note: text between these lines is for maintainers (how to add
#: an entry, which code uses it, the claim audit's verdicts) and is left out
#: of the page readers get.
MAINTAINERS_START = "<!-- maintainers -->"
MAINTAINERS_END = "<!-- /maintainers -->"


def caveat_anchor(heading_text: str) -> str:
    """``'C3 Approximated sector bases'`` -> ``'c3'``; other headings by :func:`lib.run.site.anchor_id`."""
    match = re.match(r"\s*(C\d+)\b", heading_text)
    return match.group(1).lower() if match else site.anchor_id(heading_text)


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def reader_text(markdown: str, source: str = "data/notes/caveats.md") -> str:
    """The Markdown without its maintainers' sections; an unclosed or stray
    marker is an error naming the line."""
    out, inside, start = [], False, 0
    for n, line in enumerate(markdown.splitlines(keepends=True), start=1):
        mark = line.strip()
        if mark == MAINTAINERS_START:
            if inside:
                raise ValueError(
                    f"{source}:{n}: {MAINTAINERS_START} inside another maintainers' section "
                    f"(opened on line {start})"
                )
            inside, start = True, n
        elif mark == MAINTAINERS_END:
            if not inside:
                raise ValueError(f"{source}:{n}: {MAINTAINERS_END} without an opening {MAINTAINERS_START}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{source}:{start}: {MAINTAINERS_START} is never closed by {MAINTAINERS_END}")
    return "".join(out)


def _caveats_markdown():
    """Markdown to HTML for the caveats page: raw HTML escaped, each heading
    with an id (``#c1`` ...), each table captioned with its section's heading
    (Markdown has no syntax for a caption; screen readers announce it)."""
    import html as html_lib

    import mistune

    class Renderer(mistune.HTMLRenderer):
        section = "Table"
        used: set[str] = set()

        def heading(self, text: str, level: int, **attrs: Any) -> str:
            plain = html_lib.unescape(re.sub(r"<[^>]+>", "", text)).strip()
            self.section = html_lib.escape(plain)
            hid, base, n = caveat_anchor(plain), caveat_anchor(plain), 2
            while hid in self.used:
                hid, n = f"{base}-{n}", n + 1
            self.used = self.used | {hid}
            return f'<h{level} id="{hid}">{text}</h{level}>\n'

    renderer = Renderer(escape=True)
    markdown = mistune.create_markdown(renderer=renderer, plugins=["table"])
    renderer.register(
        "table", lambda r, text: f"<table>\n<caption>{r.section}: table</caption>\n{text}</table>\n"
    )
    return markdown


def page_caveat_values(processed_dir: Path | None = None) -> dict:
    """The computed values the caveats text names (:func:`lib.report.common.caveat_values`): the design
    rating from ``results_design`` (the analysis step) when ``processed_dir`` holds it, else the same
    rating worked out from the plan; the decision rules from the plan."""
    from lib.analysis import results
    from lib.programme import current_programme
    from lib.report.common import caveat_values as values_of

    path = Path(processed_dir) / "results_design.csv" if processed_dir is not None else None
    design = None
    if path is not None and path.is_file():
        design = results.load_results(path.parent)["results_design"].iloc[0].to_dict()
    return values_of(current_programme().plan, design)


def render_caveats(
    source: Path | None = None, *, synthetic: bool = False, processed_dir: Path | None = None
) -> str:
    """The reader's caveats page: the programme's caveats note (``<programme>/notes/caveats.md``,
    :func:`lib.programme.caveats_path`; ``source`` another), its computed values filled in, without its maintainers'
    sections, as one offline HTML page (``templates/caveats.html.j2``). Each
    caveat heading gets an id (``#c1`` ...) so reports can link to the entry
    they rely on. Raw HTML in the Markdown is escaped. The design rating and
    the decision rules are filled in from the results tables of ``processed_dir``
    (:func:`page_caveat_values`), so the caveats state what every page states."""
    from markupsafe import Markup

    from lib.run.chrome import outline

    if source is None:
        from lib.programme import caveats_path

        source = caveats_path()
    text = reader_text(Path(source).read_text(encoding="utf-8"), _shown(Path(source)))
    if "{{" in text:  # computed values named in the caveats (the design rating, the plan's rules)
        from lib.report.common import fill_caveats

        text = fill_caveats(text, page_caveat_values(processed_dir))
    page = outline(_caveats_markdown()(text))  # mistune escapes the Markdown's raw HTML
    return site.render_template(
        "caveats.html.j2",
        page=page,
        css=Markup(site.template_text("site.css")),  # noqa: S704 (a file of ours)
        nav=site.site_nav("caveats", {}),
        version=site.workbook_version(),
        banner=synthetic,
        banner_text=banner.SYNTHETIC_SITE_TEXT,
    )
