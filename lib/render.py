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
  template).

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
from collections.abc import Iterable, Sequence
from typing import Any

from lib.config import CAVEATS_PAGE, CAVEATS_SOURCE, PROJECT_ROOT  # noqa: E402

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

_TEMPLATE_NAME = "offline_report.html.j2"
_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}
{%- if "widgets" in nb.metadata -%}
<script>
{{ resources.offline_script("requirejs") }}
</script>
{%- endif -%}
{%- endblock html_head_js -%}
{% block jupyter_widgets %}
{%- if "widgets" in nb.metadata -%}
<script>
{{ resources.offline_script("widgets") }}
</script>
{%- endif -%}
{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style>
{{ resources.page_css }}
</style>
{%- endblock html_head_css -%}
"""

#: The page chrome's own rules, after the notebook theme (so they win ties).
#: Screen: links are underlined (the theme's link colour alone is not enough,
#: WCAG 1.4.1). Print (A4): nothing is clipped -- tables wrap inside the page
#: width, figures scale to it, collapsed ``<details>`` print open, and the
#: interactive widgets give way to a line saying where their static views are.
PAGE_CSS = """
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
  th, td { white-space: normal !important; overflow-wrap: break-word; word-break: normal;
    padding-left: 0.35em !important; padding-right: 0.35em !important; }
  thead th { overflow-wrap: anywhere; min-width: 3em; }
  p, li, dd, dt, figcaption, caption, summary, blockquote { overflow-wrap: anywhere; }
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
    from jinja2 import DictLoader
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
        extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
    )
    exporter.template_file = _TEMPLATE_NAME
    exporter.mermaid_js_url = ""  # not configurable traits
    exporter.mermaid_layout_elk_js_url = ""
    exporter.language_code = "en"
    return exporter


# ---------------------------------------------------------------------------
# Index page of a batch run
# ---------------------------------------------------------------------------

_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b; background: #fff; line-height: 1.5; }
  main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
  h1 { font-size: 1.75rem; margin: 0 0 .5rem; }
  h2 { font-size: 1.35rem; margin: 2rem 0 .5rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  caption { text-align: left; font-weight: 600; padding: .5rem 0; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d0d0d0; vertical-align: top; }
  thead th { border-bottom: 2px solid #555; }
  tbody th { font-weight: normal; }
  tr.group th { background: #f0f0f0; font-weight: 600; }
  a { color: #0b4f9c; }
  a:focus { outline: 3px solid #ffbf47; outline-offset: 1px; }
  .status-ok { color: #0f5b2a; }
  .status-failed { color: #a4000f; font-weight: 600; }
  .status-stale { color: #7a4b00; font-weight: 600; }
  .status-cached { color: #0f5b2a; }
  code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
  .error { display: block; font-size: .875rem; color: #555; }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p>Built by <code>python -m lib.batch</code>. Each report is a single HTML file that works offline.
{%- if n_failed %} <strong>{{ n_failed }} of {{ rows|length }} reports failed</strong>: their pages show the error.{% endif %}
{%- if n_stale %} <strong>{{ n_stale }} of {{ rows|length }} reports were not rebuilt by the last run</strong>: their links open the last good page, built at the time shown.{% endif %}</p>
<p>{% if dq_href %}<a href="{{ dq_href }}">Data-quality log (CSV)</a>{% else %}Data-quality log: not available for this run.{% endif %}
{% if caveats_href %} · <a href="{{ caveats_href }}">Assumptions and caveats log</a>{% endif %}</p>
<table>
<caption>Reports: programme first, then local authorities A to Z</caption>
<thead>
<tr><th scope="col">Report</th><th scope="col">Status</th><th scope="col">Built (UTC)</th><th scope="col">Data version</th></tr>
</thead>
<tbody>
{%- for group, items in groups %}
<tr class="group"><th scope="colgroup" colspan="4">{{ group }}</th></tr>
{%- for r in items %}
<tr>
<th scope="row">{% if r.href %}<a href="{{ r.href }}">{{ r.name }}</a>{% else %}{{ r.name }}{% endif %}{% if r.show_id %} <code>({{ r.id }})</code>{% endif %}</th>
<td class="status-{{ r.status }}">{{ r.status_text }}{% if r.error %}<span class="error">{{ r.error }}</span>{% endif %}</td>
<td><time datetime="{{ r.built }}">{{ r.built }}</time></td>
<td><code title="{{ r.data_version }}">{{ r.data_version_short }}</code></td>
</tr>
{%- endfor %}
{%- endfor %}
</tbody>
</table>
{%- if downloads %}
<h2 id="downloads">Download the data</h2>
<p>The processed tables every report is computed from, built with these reports. The Excel workbook holds one sheet per table and a sheet describing every column.</p>
<ul class="downloads">
{%- for d in downloads %}
<li><a href="{{ d.href }}" download>{{ d.label }}</a>{% if d.rows is not none %}, {{ d.rows }} rows{% endif %}</li>
{%- endfor %}
</ul>
{%- endif %}
</main>
</body>
</html>
"""


def render_index(results: Iterable[Any], *, prefix: str = "", dq_href: str | None = None,
                 caveats_href: str | None = None, downloads: Sequence = ()) -> str:
    """The index page of a batch run (``results``: :class:`lib.batch.ReportResult`).

    ``prefix`` is prepended to the relative report and download links;
    ``downloads`` are :class:`lib.downloads.Download` records. A report marked
    ``stale`` links its last good page and says why this run did not
    rebuild it."""
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=False)
    tmpl = env.from_string(_INDEX_TEMPLATE)
    rows = []
    for r in results:
        html_rel = r.outputs.get("html")
        href = None
        if html_rel:
            href = prefix + Path(html_rel).name
        stale = bool(getattr(r, "stale", False))
        attempt = getattr(r, "last_attempt", None) or {}
        if stale:
            status, status_text = "stale", "Stale"
            error = (f"Not rebuilt by the last run ({attempt.get('status', 'not run')}"
                     + (f": {attempt['error']}" if attempt.get("error") else "")
                     + ("); this is the last good page." if href else "); no earlier page exists."))
        elif getattr(r, "cached", False) and r.ok:  # reused: inputs unchanged (lib.run.cache)
            status, status_text, error = "cached", "OK (cached: inputs unchanged)", None
        else:
            status, status_text = ("ok", "OK") if r.ok else ("failed", "Failed")
            error = r.error
        rows.append(
            {
                "id": r.id,
                "kind": r.kind,
                "name": r.display_name,
                "show_id": r.kind == "authority",
                "href": href,
                "status": status,
                "status_text": status_text,
                "error": error,
                "built": r.finished_at,
                "data_version": r.data_version,
                "data_version_short": r.data_version[:12],
            }
        )
    programme = [x for x in rows if x["kind"] == "programme"]
    authorities = sorted(
        (x for x in rows if x["kind"] != "programme"), key=lambda x: (x["name"].casefold(), x["id"])
    )
    groups = [(g, items) for g, items in (("Programme", programme), ("Local authorities", authorities)) if items]
    return tmpl.render(
        title="Evaluation reports",
        rows=rows,
        groups=groups,
        n_failed=sum(1 for x in rows if x["status"] == "failed"),
        n_stale=sum(1 for x in rows if x["status"] == "stale"),
        dq_href=dq_href,
        caveats_href=caveats_href,
        downloads=[{"href": prefix + d.href, "label": d.label, "rows": d.rows} for d in downloads],
    )


_STYLE = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.DOTALL | re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


_SCRIPT = re.compile(r"(<script[^>]*>.*?</script>)", re.DOTALL | re.IGNORECASE)


def strip_css_comments(page: str) -> str:
    """Drop comments from the page's own ``<style>`` blocks (the theme CSS
    credits its sources with URLs there); no rule changes. Text inside
    ``<script>`` elements is left alone: JS may contain '<style' and '/*'."""
    parts = _SCRIPT.split(page)
    for i in range(0, len(parts), 2):  # even parts are outside <script>
        parts[i] = _STYLE.sub(
            lambda m: m.group(1) + _CSS_COMMENT.sub("", m.group(2)) + m.group(3), parts[i])
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
) -> str:
    """Render an executed notebook (path or NotebookNode) to one HTML string.

    If ``html_path`` is given the HTML is also written there atomically.
    ``title`` (plain text; escaped by the template) overrides the title found
    by :func:`notebook_title`. Raises AssetsMissingError if the notebook has
    widget state and ``make assets`` has not been run.
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
    body, _resources = exporter.from_notebook_node(nb)
    body = strip_css_comments(body)
    if html_path is not None:
        from lib.outputs import atomic_write_text

        atomic_write_text(Path(html_path), body)
    return body


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    p = argparse.ArgumentParser(
        prog="python -m lib.render",
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



_CAVEATS_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Assumptions and caveats log</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5;
         max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }}
  table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #bfbfbf; padding: .3rem .5rem; text-align: left; }}
  a {{ color: #0b4f9c; }} a:focus {{ outline: 3px solid #ffbf47; }}
  code {{ font-family: ui-monospace, Menlo, Consolas, monospace; }}
</style>
</head>
<body>
<main>
<p><a href="index.html">Back to the report index</a></p>
{body}
</main>
</body>
</html>
"""


def caveat_anchor(heading_text: str) -> str:
    """``'C3 Approximated sector bases'`` -> ``'c3'``; other headings slugged."""
    match = re.match(r"\s*(C\d+)\b", heading_text)
    if match:
        return match.group(1).lower()
    return re.sub(r"[^a-z0-9]+", "-", heading_text.lower()).strip("-")


def render_caveats(source: Path = CAVEATS_SOURCE) -> str:
    """docs/caveats.md as one offline HTML page; each caveat heading gets an id
    (``#c1`` ...) so reports can link to the entry they rely on. Raw HTML in
    the Markdown is escaped."""
    import html as html_lib

    import mistune

    markdown = mistune.create_markdown(escape=True, plugins=["table"])
    body = markdown(Path(source).read_text(encoding="utf-8"))

    def add_id(m: re.Match) -> str:
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", m.group(2)))
        return f'<h{m.group(1)} id="{caveat_anchor(text)}">{m.group(2)}</h{m.group(1)}>'

    body = re.sub(r"<h([1-6])>(.*?)</h\1>", add_id, body, flags=re.S)
    return _CAVEATS_TEMPLATE.format(body=caption_tables(body))


def caption_tables(body: str) -> str:
    """Give each Markdown table a caption naming the section it belongs to
    (Markdown has no syntax for one; screen readers announce it)."""
    out, heading, pos = [], "Table", 0
    for m in re.finditer(r"<h[1-6][^>]*>(.*?)</h[1-6]>|<table>", body, flags=re.S):
        if m.group(0).startswith("<h"):
            heading = re.sub(r"<[^>]+>", "", m.group(1)).strip()
            continue
        out.append(body[pos:m.end()])
        out.append(f"<caption>{heading}: table</caption>")
        pos = m.end()
    out.append(body[pos:])
    return "".join(out)
