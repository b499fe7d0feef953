"""Accessible charts and tables for the rendered reports.

Every chart is returned as one HTML ``<figure>``: a headline title that states
the message, a statistical subtitle, the image (PNG inlined as a data URI, so
the report stays one self-contained file) with alt text generated from the
data, and the chart's data as a real table one click away (``<details>``).
Colours come from a colour-blind-safe palette (Okabe-Ito vermillion and a navy) chosen so that the two colours of a before/after pair contrast at
least 3:1 with each other and with the white background (WCAG 2.2, 1.4.11);
markers differ in shape and every value is labelled directly, so colour is
never the only cue.

All text that reaches HTML is escaped here; callers pass plain text.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

#: Colours by role. Pairs drawn side by side are checked by tests for >= 3:1.
PALETTE = {
    "pre": "#08306B",  # navy
    "post": "#D55E00",  # Okabe-Ito vermillion
    "year_one": "#08306B",
    "year_two": "#D55E00",
    "neutral": "#595959",
    "available": "#08306B",
    "unclear": "#56B4E9",
    "not_produced": "#D55E00",
    "not_applicable": "#D9D9D9",
    "unrecorded": "#FFFFFF",
    # Inferred statuses are drawn apart from recorded ones (docs/caveats.md).
    "available_inferred": "#9ECAE1",
    "not_applicable_inferred": "#F0F0F0",
}
#: Text colour to print on each status fill (contrast >= 4.5:1).
ON_FILL = {
    "available": "#FFFFFF",
    "available_inferred": "#000000",
    "not_applicable_inferred": "#000000",
    "unclear": "#000000",
    "not_produced": "#000000",
    "not_applicable": "#000000",
    "unrecorded": "#000000",
}
STATUS_CODES = {
    "available": "A",
    "unclear": "/",
    "not_produced": "X",
    "not_applicable": "NA",
    "unrecorded": "?",
}
STATUS_LABELS = {
    "available": "available",
    "unclear": "unclear (code not in the legend)",
    "not_produced": "not produced",
    "not_applicable": "not applicable",
    "unrecorded": "unrecorded (glyph lost)",
}
ADJACENT_PAIRS = [("pre", "post"), ("year_one", "year_two")]
BACKGROUND = "#FFFFFF"
#: Colour of every label printed on the white background (>= 4.5:1).
TEXT = "#1A1A1A"


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an ``#RRGGBB`` colour."""
    colour = colour.lstrip("#")
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class Html(str):
    """A string of trusted, already-escaped HTML that notebooks display as HTML."""

    def _repr_html_(self) -> str:
        return str(self)

    def __add__(self, other: str) -> "Html":
        return Html(str(self) + str(other))


def esc(text: object) -> str:
    """Escape any value for HTML text or attribute context."""
    return html.escape("" if text is None else str(text), quote=True)


def percent(value: float | None, digits: int = 0) -> str:
    if value is None or pd.isna(value):
        return "[x]"
    return f"{value * 100:.{digits}f}%"


def signed_points(value: float) -> str:
    """A change in proportion as signed whole percentage points, e.g. ``+25``."""
    return f"{round(value * 100):+d}"


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------


_LONG_TOKEN = re.compile(r"[^\s<>]{16,}")


def _cell(text: object) -> str:
    """Escaped cell text in which a long run without spaces (names joined by
    underscores) may wrap after each ``_``, so a narrow column or a printed
    page wraps it instead of overflowing."""
    return _LONG_TOKEN.sub(lambda m: m.group(0).replace("_", "_<wbr>"), esc(text))


def table_html(
    frame: pd.DataFrame,
    caption: str,
    *,
    row_header: bool = True,
    css_class: str = "data-table",
) -> Html:
    """A real HTML table: caption, ``<th scope="col">`` headers, row headers.

    Cells are escaped; values should already be formatted as text.
    """
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for i, value in enumerate(row):
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else value
            if i == 0 and row_header:
                cells.append(f'<th scope="row">{_cell(text)}</th>')
            else:
                cells.append(f"<td>{_cell(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return Html(
        f'<table class="{esc(css_class)}"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def paragraph(*sentences: str) -> Html:
    """One paragraph of plain-text sentences (escaped)."""
    return Html(f"<p>{esc(' '.join(s for s in sentences if s))}</p>")


def bullets(items: Iterable[str], *, css_class: str = "") -> Html:
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return Html(f"<ul{cls}>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def heading(text: str, level: int = 3, anchor: str | None = None) -> Html:
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return Html(f"<h{level}{ident}>{esc(text)}</h{level}>")


def note(text: str) -> Html:
    return Html(f'<p class="note"><strong>Note:</strong> {esc(text)}</p>')


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


def quote_block(text: str, cite: str = "") -> Html:
    """A quotation from a source: escaped; bullets kept as a list."""
    parts: list[str] = []
    items: list[str] = []
    for kind, body in text_blocks(text):
        if kind == "li":
            items.append(f"<li>{esc(body)}</li>")
            continue
        if items:
            parts.append(f"<ul>{''.join(items)}</ul>")
            items = []
        parts.append(f"<p>{esc(body)}</p>")
    if items:
        parts.append(f"<ul>{''.join(items)}</ul>")
    footer = f"<footer>{esc(cite)}</footer>" if cite else ""
    return Html(f"<blockquote>{''.join(parts)}{footer}</blockquote>")


#: Styles the report blocks need on top of the notebook theme (left-aligned
#: text tables, visible focus, readable widths); scoped to the report classes.
REPORT_CSS = """
<style>
.data-table { border-collapse: collapse; margin: 0.5em 0 1.2em; }
.data-table caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
.data-table th, .data-table td { text-align: left !important; vertical-align: top;
  padding: 0.3em 0.6em; border-bottom: 1px solid #BFBFBF; }
.data-table thead th { border-bottom: 2px solid #1A1A1A; }
figure.chart { margin: 1em 0 1.5em; }
figure.chart figcaption { font-size: 0.9em; color: #333333; }
blockquote { border-left: 4px solid #595959; margin: 0.5em 0 1em; padding: 0.2em 1em; }
blockquote footer { font-size: 0.85em; color: #333333; }
p.warning { border-left: 4px solid #D55E00; padding: 0.3em 0.8em; background: #FFF4EC; }
p.note { color: #1A1A1A; }
details > summary { cursor: pointer; color: #08306B; text-decoration: underline; }
a:focus, summary:focus { outline: 3px solid #D55E00; outline-offset: 2px; }
</style>
"""


def report_style() -> Html:
    return Html(REPORT_CSS)


def join(*parts: str) -> Html:
    return Html("".join(str(p) for p in parts))


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """What a chart says: the message (title), the statistics, the alt text."""

    title: str
    subtitle: str
    alt: str
    table: pd.DataFrame
    table_caption: str


def _png_data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_html(fig, chart: Chart) -> Html:
    """Wrap a matplotlib figure as an accessible, self-contained ``<figure>``."""
    src = _png_data_uri(fig)
    return Html(
        '<figure class="chart">'
        f'<p class="chart-title"><strong>{esc(chart.title)}</strong></p>'
        f'<p class="chart-subtitle">{esc(chart.subtitle)}</p>'
        f'<img src="{src}" alt="{esc(chart.alt)}" style="max-width:100%;height:auto">'
        f"<figcaption>{esc(chart.alt)}</figcaption>"
        f"<details><summary>Data table: {esc(chart.title)}</summary>"
        f"{table_html(chart.table, chart.table_caption)}</details>"
        "</figure>"
    )


def _style():
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
    plt.rcParams.update({"svg.hashsalt": "workbook", "axes.edgecolor": "#595959"})


def dumbbell(
    labels: Sequence[str],
    pre: Sequence[float],
    post: Sequence[float],
    *,
    pre_ci: Sequence[tuple[float, float]] | None = None,
    post_ci: Sequence[tuple[float, float]] | None = None,
    pre_label: str = "Before",
    post_label: str = "After",
    xlabel: str = "Share of respondents",
):
    """Before/after dot plot with optional interval whiskers and direct labels."""
    n = len(labels)
    if n == 0:
        raise ValueError("dumbbell: nothing to plot (every row suppressed?); show a sentence instead")
    _style()
    fig, ax = plt.subplots(figsize=(8, 0.55 * n + 1.4))
    ys = list(range(n))[::-1]
    for i, y in enumerate(ys):
        ax.plot([pre[i], post[i]], [y, y], color="#A6A6A6", lw=2, zorder=1)
        if pre_ci is not None:
            ax.plot(pre_ci[i], [y + 0.12] * 2, color=PALETTE["pre"], lw=1.2, zorder=2)
        if post_ci is not None:
            ax.plot(post_ci[i], [y - 0.12] * 2, color=PALETTE["post"], lw=1.2, zorder=2)
    ax.scatter(pre, [y + 0.12 if pre_ci is not None else y for y in ys], marker="o", s=70,
               color=PALETTE["pre"], zorder=3, label=pre_label, gid="pre")
    ax.scatter(post, [y - 0.12 if post_ci is not None else y for y in ys], marker="s", s=70,
               color=PALETTE["post"], zorder=3, label=post_label, gid="post")
    # Value labels go by phase, never by size: the before value always to the left of
    # its own marker, the after value always to the right of its own, each at its
    # marker's height (on a decline the two labels sit on their own marker rows).
    pre_y = [y + 0.12 if pre_ci is not None else y for y in ys]
    post_y = [y - 0.12 if post_ci is not None else y for y in ys]
    for i in range(n):
        for phase, value, y, left in (("pre", pre[i], pre_y[i], True), ("post", post[i], post_y[i], False)):
            ax.annotate(f"{value * 100:.0f}%", (value, y), xytext=(-8 if left else 8, 0),
                        textcoords="offset points", ha="right" if left else "left",
                        va="center", fontsize=9, color=TEXT, gid=phase)
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / n), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def paired_bars(
    labels: Sequence[str],
    first: Sequence[float | None],
    second: Sequence[float | None],
    *,
    first_label: str,
    second_label: str,
    xlabel: str,
    percent_axis: bool = True,
):
    """Horizontal bars for two series (e.g. year one vs year two), labelled."""
    _style()
    n = len(labels)
    fig, ax = plt.subplots(figsize=(8, 0.7 * n + 1.4))
    ys = list(range(n))[::-1]
    height = 0.38
    for values, offset, key, label, hatch in (
        (first, height / 2, "year_one", first_label, ""),
        (second, -height / 2, "year_two", second_label, "//"),
    ):
        vals = [0 if v is None or pd.isna(v) else v for v in values]
        bars = ax.barh([y + offset for y in ys], vals, height=height, color=PALETTE[key],
                       label=label, hatch=hatch, edgecolor="white")
        for bar, v in zip(bars, values):
            text = "n/a" if v is None or pd.isna(v) else (
                f"{v * 100:.0f}%" if percent_axis else (f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"))
            ax.annotate(f"{label}: {text}", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8.5)
    ax.set_yticks(ys, labels)
    if percent_axis:
        ax.set_xlim(0, 1.3)
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    else:
        top = max([0] + [v for v in list(first) + list(second) if v is not None and not pd.isna(v)])
        ax.set_xlim(0, top * 1.45 + 1)
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / n), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def status_key(status: str, inferred: str | bool) -> str:
    """Heatmap key of one evidence cell: an inferred status is its own key."""
    return f"{status}_inferred" if inferred in (True, "yes") else status


def status_key_code(key: str) -> str:
    """Letter code printed in a heatmap cell; an inferred status is starred."""
    status = key.removesuffix("_inferred")
    return STATUS_CODES[status] + ("*" if key.endswith("_inferred") else "")


def status_key_label(key: str) -> str:
    status = key.removesuffix("_inferred")
    return STATUS_LABELS[status] + (", inferred from another source" if key.endswith("_inferred")
                                    else "" if status in ("unrecorded", "unclear") else ", recorded")


def status_matrix(matrix: pd.DataFrame):
    """Heatmap of evidence cells with a text code in every cell.

    ``matrix`` holds :func:`status_key` values, so an inferred status has its
    own fill and a starred code (``A*``), drawn apart from recorded ones.
    """
    _style()
    keys = [k for k in PALETTE if k.removesuffix("_inferred") in STATUS_CODES
            and (k in STATUS_CODES or k in set(matrix.to_numpy().ravel()))]
    codes = matrix.map(lambda s: keys.index(s))
    cmap = matplotlib.colors.ListedColormap([PALETTE[s] for s in keys])
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(matrix) + 2.4))
    sns.heatmap(codes, cmap=cmap, vmin=-0.5, vmax=len(keys) - 0.5, cbar=False,
                linewidths=0.8, linecolor="#7F7F7F", ax=ax,
                annot=matrix.map(status_key_code), fmt="",
                annot_kws={"fontsize": 8.5})
    for text, key in zip(ax.texts, matrix.to_numpy().ravel()):
        text.set_color(ON_FILL[key])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=40)
    plt.setp(ax.get_xticklabels(), ha="right")
    handles = [
        matplotlib.patches.Patch(facecolor=PALETTE[s], edgecolor="#7F7F7F",
                                 label=f"{status_key_code(s)} = {status_key_label(s)}")
        for s in keys
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def share_bars(labels: Sequence[str], values: Sequence[float], *, colour: str = "pre",
               xlabel: str = "Share of comments"):
    """Single-series horizontal bars with the value printed at each bar."""
    _style()
    n = len(labels)
    fig, ax = plt.subplots(figsize=(8, 0.5 * n + 1.2))
    ys = list(range(n))[::-1]
    bars = ax.barh(ys, values, color=PALETTE[colour], height=0.6)
    for bar, v in zip(bars, values):
        ax.annotate(f"{v * 100:.0f}%", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, max(list(values) + [0.1]) * 1.25)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


def wrap(label: str, width: int = 38) -> str:
    """Wrap a long axis label onto several lines."""
    import textwrap

    return "\n".join(textwrap.wrap(str(label), width)) or str(label)
