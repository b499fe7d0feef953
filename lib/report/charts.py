"""Accessible charts for the rendered reports.

Every chart is returned as one HTML ``<figure>`` (``templates/figure.j2``): a
headline title that states the message, a statistical subtitle, the image (PNG
inlined as a data URI, so the report stays one self-contained file) with alt
text generated from the data, and the chart's data as a real table one click
away (``<details>``). Colours come from a colour-blind-safe palette
(Okabe-Ito vermillion and a navy) chosen so that the two colours of a
before/after pair contrast at least 3:1 with each other and with the white
background (WCAG 2.2, 1.4.11); markers differ in shape and every value is
labelled directly, so colour is never the only cue. Evidence-status fills,
codes and labels come from the programme definition's legend.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import PIL.Image  # noqa: E402
import seaborn as sns  # noqa: E402
from markupsafe import Markup  # noqa: E402

from lib.report import chart_cache  # noqa: E402
from lib.report.format import percent  # noqa: E402
from lib.report.html import render, table_html  # noqa: E402

#: Colours by role (not by programme vocabulary). Pairs drawn side by side are
#: checked by tests for >= 3:1.
PALETTE = {
    "pre": "#08306B",  # navy
    "post": "#D55E00",  # Okabe-Ito vermillion
    "neutral": "#595959",
    "range": "#5E93C6",  # a forest plot's base-range bar, under the navy interval line
}
ADJACENT_PAIRS = [("pre", "post"), ("pre", "range")]
BACKGROUND = "#FFFFFF"
#: Colour of every label printed on the white background (>= 4.5:1).
TEXT = "#1A1A1A"
#: Share of the way from a recorded status's fill to white for its inferred fill.
INFERRED_TINT = 0.62


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


def tint(colour: str, share: float = INFERRED_TINT) -> str:
    """``colour`` moved ``share`` of the way towards white."""
    c = colour.lstrip("#")
    rgb = [int(c[i : i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(v + (255 - v) * share):02X}" for v in rgb)


def readable_on(fill: str) -> str:
    """Black or white text, whichever contrasts more with ``fill``."""
    return "#000000" if contrast_ratio(fill, "#000000") >= contrast_ratio(fill, "#FFFFFF") else "#FFFFFF"


# --------------------------------------------------------------------------
# Evidence statuses: the legend of the programme definition, plus inferred keys
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusStyle:
    """How one heatmap key (a status, or a status inferred from another source) is drawn."""

    key: str
    code: str
    label: str
    fill: str
    text: str


def status_key(status: str, inferred: str | bool) -> str:
    """Heatmap key of one evidence cell: an inferred status is its own key."""
    return f"{status}_inferred" if inferred in (True, "yes") else status


def status_styles(statuses) -> dict[str, StatusStyle]:
    """Every key a matrix may hold, from the definition's ``EvidenceStatus`` records:
    each status, then its inferred variant (starred code, tinted fill)."""
    styles: dict[str, StatusStyle] = {}
    for s in statuses:
        plain = s.id in ("unrecorded", "unclear")
        styles[s.id] = StatusStyle(
            s.id, s.code, s.label + ("" if plain else ", recorded"), s.colour, s.text_colour
        )
    for s in statuses:
        fill = tint(s.colour)
        styles[f"{s.id}_inferred"] = StatusStyle(
            f"{s.id}_inferred",
            s.code + "*",
            s.label + ", inferred from another source",
            fill,
            readable_on(fill),
        )
    return styles


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
    #: One label per table row: each run of rows with one label is headed by it once.
    table_groups: tuple[str, ...] = ()


#: Resolution of every chart image (pixels per inch of figure) and its colours.
DPI = 110
PNG_COLOURS = 64
#: The phone variant: drawn this many inches wide, every text at least ``PHONE_MIN_PT``
#: points, so that scaled to a 390 px phone's column (about 344 px) its smallest text is
#: at least 11 px (text px = pt / 72 * column px / width in inches: 9 / 72 * 344 / 3.6 = 11.9).
PHONE_WIDTH_IN = 3.6
PHONE_MIN_PT = 9.0
#: Characters per line of a y tick label on the phone variant.
PHONE_LABEL_CHARS = 14
#: Screens this narrow (CSS) get the phone variant.
PHONE_MEDIA = "(max-width: 40rem)"


@dataclass(frozen=True)
class Image:
    """One rendered PNG and the height of its smallest text, in image pixels."""

    src: str
    text_px: float


def smallest_text_pt(fig) -> float:
    """Font size (points) of the smallest visible, non-empty text in ``fig``."""
    sizes = [
        t.get_fontsize()
        for t in fig.findobj(matplotlib.text.Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
    ]
    return min(sizes) if sizes else 0.0


def _png(fig) -> Image:
    """``fig`` as a PNG data URI, reduced to ``PNG_COLOURS`` colours without dithering (flat
    chart colours stay exact; the file is about a quarter of the full-colour one)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    buffer.seek(0)
    small = io.BytesIO()
    PIL.Image.open(buffer).convert("RGB").quantize(PNG_COLOURS, dither=PIL.Image.Dither.NONE).save(
        small, format="PNG", optimize=True
    )
    src = "data:image/png;base64," + base64.b64encode(small.getvalue()).decode("ascii")
    return Image(src, round(smallest_text_pt(fig) * DPI / 72, 2))


def phone_layout(fig) -> None:
    """Redraw ``fig`` for a phone: ``PHONE_WIDTH_IN`` wide, no text under ``PHONE_MIN_PT``,
    long y tick labels rewrapped to ``PHONE_LABEL_CHARS`` a line (the figure grows taller
    for the extra lines), rotated x tick labels upright, legends in one column below."""
    height = fig.get_size_inches()[1]
    lines = max([_phone_ticks(ax) for ax in fig.axes] or [0])
    _phone_legend(fig)
    for t in fig.findobj(matplotlib.text.Text):
        if t.get_fontsize() < PHONE_MIN_PT:
            t.set_fontsize(PHONE_MIN_PT)
    fig.set_size_inches(PHONE_WIDTH_IN, max(height * 1.15, 2.4, 0.22 * lines + 1.6))
    fig.tight_layout()


def _phone_ticks(ax) -> int:
    """Rewrap ``ax``'s long y tick labels (keeping each label's weight); the number of
    label lines."""
    ticks = ax.get_yticklabels()
    labels = [t.get_text() for t in ticks]
    if any(len(x) > PHONE_LABEL_CHARS for x in labels):
        weights = [t.get_fontweight() for t in ticks]
        ax.set_yticks(ax.get_yticks(), [_phone_wrap(x, PHONE_LABEL_CHARS) for x in labels])
        for t, weight in zip(ax.get_yticklabels(), weights, strict=True):
            t.set_fontweight(weight)
    if any(t.get_rotation() for t in ax.get_xticklabels()):
        plt.setp(ax.get_xticklabels(), rotation=90, ha="center")
    ax.set_xlabel(_phone_wrap(ax.get_xlabel(), PHONE_LABEL_CHARS + 20))
    return sum(t.get_text().count("\n") + 1 for t in ax.get_yticklabels())


def _phone_wrap(label: str, width: int) -> str:
    """Rewrap a label at ``width`` characters a line, never inside a word."""
    return "\n".join(textwrap.wrap(label.replace("\n", " "), width, break_long_words=False)) or label


def _phone_legend(fig) -> None:
    """Every legend of ``fig`` as one column under the figure (outside tight_layout's reach)."""
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None] + list(fig.legends)
    handles, labels = [], []
    for legend in legends:
        handles += legend.legend_handles
        labels += [_phone_wrap(t.get_text(), PHONE_LABEL_CHARS + 10) for t in legend.get_texts()]
        legend.remove()
    if handles:
        fig.legend(
            handles=handles,
            labels=labels,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncols=1,
            frameon=False,
        )


def draw_images(fig, phone=None) -> tuple[tuple[str, float], tuple[str, float]]:
    """The wide image and the phone variant (``phone``, else ``fig`` redrawn by
    :func:`phone_layout`), each as (data URI, smallest text px); the figures are closed."""
    wide = _png(fig)
    if phone is None:
        phone_layout(fig)
        phone = fig
    else:
        plt.close(fig)
    small = _png(phone)
    plt.close(phone)
    return (wide.src, wide.text_px), (small.src, small.text_px)


def figure_html(fig, chart: Chart, phone=None) -> Markup:
    """Wrap a matplotlib figure as an accessible, self-contained ``<figure>``: the image
    drawn for a wide column, and a phone variant that narrow screens show instead, so
    chart text stays readable at 390 px: ``phone`` (a figure drawn for a phone) where the
    chart has one, else ``fig`` redrawn by :func:`phone_layout`. ``fig`` and ``phone`` are best
    given as recipes (:func:`variants`, :func:`lib.report.chart_cache.recipe`): a recipe drawn
    before, in any kernel, is not built or drawn again (:mod:`lib.report.chart_cache`); a figure
    handed over already built is drawn every time."""
    if any(isinstance(f, chart_cache.Recipe) for f in (fig, phone)):
        style_axes()  # what building it would set first, set before the key reads rcParams
    wide, small = (Image(*image) for image in chart_cache.images(draw_images, fig, phone))
    return render(
        "figure.j2",
        chart=chart,
        wide=wide,
        phone=small,
        media=PHONE_MEDIA,
        table=table_html(chart.table, chart.table_caption, groups=chart.table_groups or None),
    )


def style_axes():
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
    plt.rcParams.update({"svg.hashsalt": "workbook", "axes.edgecolor": "#595959"})


def _share_axis(ax, label: str) -> None:
    """Shares run 0-100%, whatever the data."""
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(label)


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
    phone: bool = False,
):
    """Before/after dot plot with interval whiskers and direct labels.

    Each phase has its own row (before above, after below), its own marker
    shape and its own interval line; its value label sits beyond the far end
    of its own interval (or marker), on its own row, and starts with the
    phase's initial ("B 56%", "A 81%"), so a label never touches a marker or
    an interval line and is always tied to its phase. ``phone``: drawn for a phone
    (:func:`phone_rows`), each label on lines of its own above its row.
    """
    n = len(labels)
    if n == 0:
        raise ValueError("dumbbell: nothing to plot (every row suppressed?); show a sentence instead")
    style_axes()
    offset = 0.3 if phone else 0.17
    fig, ax, ys = _row_axes(labels, (8, 0.75 * n + 1.4), 2 * offset + 0.4, phone)
    pre_y = [y + offset for y in ys]
    post_y = [y - offset for y in ys]
    for i in range(n):
        ax.plot([pre[i], post[i]], [pre_y[i], post_y[i]], color="#A6A6A6", lw=1.5, zorder=1)
        if pre_ci is not None:
            ax.plot(pre_ci[i], [pre_y[i]] * 2, color=PALETTE["pre"], lw=1.4, zorder=2)
        if post_ci is not None:
            ax.plot(post_ci[i], [post_y[i]] * 2, color=PALETTE["post"], lw=1.4, zorder=2)
    ax.scatter(pre, pre_y, marker="o", s=60, color=PALETTE["pre"], zorder=3, label=pre_label, gid="pre")
    ax.scatter(post, post_y, marker="s", s=60, color=PALETTE["post"], zorder=3, label=post_label, gid="post")
    size = PHONE_MIN_PT if phone else 8.5
    for i in range(n):
        _dot_label(ax, "pre", pre[i], pre_y[i], pre_ci[i] if pre_ci is not None else None, pre_label, size)
        _dot_label(
            ax, "post", post[i], post_y[i], post_ci[i] if post_ci is not None else None, post_label, size
        )
    if not phone:
        ax.set_yticks(ys, labels)
        ax.set_ylim(-0.6, n - 0.4)
    _share_axis(ax, xlabel)
    _row_legend(fig, ax, n, phone)
    return fig


def _dot_label(
    ax, phase: str, value: float, y: float, ci: tuple[float, float] | None, name: str, size: float
) -> None:
    """A dot's value label, beyond its interval's right end (or its left end when the right
    is near the axis end), starting with the phase's initial."""
    low, high = ci if ci is not None else (value, value)
    right = high <= 0.82
    ax.annotate(
        f"{name[:1]} {value * 100:.0f}%",
        (high if right else low, y),
        xytext=(6 if right else -6, 0),
        textcoords="offset points",
        ha="left" if right else "right",
        va="center",
        fontsize=size,
        color=TEXT,
        gid=phase,
    )


def paired_bars(
    labels: Sequence[str],
    first: Sequence[float | None],
    second: Sequence[float | None],
    *,
    first_label: str,
    second_label: str,
    xlabel: str,
    phone: bool = False,
):
    """Horizontal bars for two series (e.g. year one vs year two), each value labelled with
    its series' name at the end of its own bar. A share axis runs 0-100%; a label that
    would pass the axis end is printed inside its bar. ``phone``: drawn for a phone
    (:func:`phone_rows`), each label on lines of its own above its pair of bars."""
    style_axes()
    n = len(labels)
    height = 0.55 if phone else 0.38
    fig, ax, ys = _row_axes(labels, (8, 0.7 * n + 1.4), 2 * height, phone)
    for values, offset, key, label, hatch in (
        (first, height / 2, "pre", first_label, ""),
        (second, -height / 2, "post", second_label, "//"),
    ):
        vals = [0 if v is None or pd.isna(v) else v for v in values]
        bars = ax.barh(
            [y + offset for y in ys],
            vals,
            height=height,
            color=PALETTE[key],
            label=label,
            hatch=hatch,
            edgecolor="white",
        )
        for bar, v in zip(bars, values, strict=False):
            _bar_label(ax, bar, v, key, label, PHONE_MIN_PT if phone else 8.5)
    if not phone:
        ax.set_yticks(ys, labels)
    _share_axis(ax, xlabel)
    _row_legend(fig, ax, n, phone)
    return fig


def _bar_label(ax, bar, v: float | None, key: str, label: str, size: float) -> None:
    """A bar's value label with its series' name, at the bar's end; inside the bar when it
    would pass a share axis' end; on white where it is outside its bar (so gridlines do not
    cross it)."""
    missing = v is None or pd.isna(v)
    text = "n/a" if missing else percent(v)
    inside = not missing and v > 0.62
    ax.annotate(
        f"{label}: {text}",
        (bar.get_width(), bar.get_y() + bar.get_height() / 2),
        xytext=(-4 if inside else 4, 0),
        textcoords="offset points",
        va="center",
        ha="right" if inside else "left",
        fontsize=size,
        color="#FFFFFF" if inside and key == "pre" else TEXT,
        bbox=(
            {"boxstyle": "square,pad=0.1", "fc": "#FFFFFF", "ec": "none"}
            if (inside and key == "post") or (not inside and size >= PHONE_MIN_PT)
            else None
        ),
    )


def share_bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colour: str = "pre",
    xlabel: str = "Share of comments",
    phone: bool = False,
):
    """Single-series horizontal bars with the value printed at each bar, on a 0-100% axis.
    ``phone``: drawn for a phone (:func:`phone_rows`), each label above its bar."""
    style_axes()
    n = len(labels)
    fig, ax, ys = _row_axes(labels, (8, 0.5 * n + 1.2), 0.6, phone)
    bars = ax.barh(ys, values, color=PALETTE[colour], height=0.6)
    for bar, v in zip(bars, values, strict=False):
        ax.annotate(
            percent(v),
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    if not phone:
        ax.set_yticks(ys, labels)
    _share_axis(ax, xlabel)
    fig.tight_layout()
    return fig


def wrap(label: str, width: int = 38) -> str:
    """Wrap a long axis label onto several lines."""
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


# --------------------------------------------------------------------------
# Phone variants of the row charts: each label on lines of its own above its row
# --------------------------------------------------------------------------

#: A phone variant's row labels are wrapped at this many characters; each text line
#: takes this many data units, on a figure of ``PHONE_IN_PER_UNIT`` inches a unit.
PHONE_ROW_CHARS = 40
PHONE_LINE = 0.62
PHONE_IN_PER_UNIT = 0.3


def phone_rows(labels: Sequence[str], body: float) -> tuple[list[str], list[float], list[float]]:
    """Each label rewrapped at ``PHONE_ROW_CHARS``, the y of its row's centre and the top
    of its label, when each label sits on lines of its own above a row ``body`` data units
    tall (so a label never shares a line with another text)."""
    wrapped = [_phone_wrap(str(x), PHONE_ROW_CHARS) for x in labels]
    y, ys, tops = 0.0, [], []
    for label in wrapped:
        tops.append(y)
        y -= (label.count("\n") + 1) * PHONE_LINE + 0.15 + body / 2
        ys.append(y)
        y -= body / 2 + 0.35
    return wrapped, ys, tops


def _row_axes(labels: Sequence[str], size: tuple[float, float], body: float, phone: bool):
    """(figure, axes, each row's y): rows one unit apart on ``size``, or for a phone laid
    out by :func:`phone_rows` with each label drawn above its row."""
    if not phone:
        fig, ax = plt.subplots(figsize=size)
        return fig, ax, list(range(len(labels)))[::-1]
    wrapped, ys, tops = phone_rows(labels, body)
    span = -min(ys) + body / 2 + 0.3
    fig, ax = plt.subplots(figsize=(PHONE_WIDTH_IN, PHONE_IN_PER_UNIT * span + 1.6))
    ax.set_yticks([])
    ax.set_ylim(min(ys) - body / 2 - 0.3, 0.1)
    for label, top in zip(wrapped, tops, strict=True):
        ax.annotate(
            label,
            (0.01, top),
            xycoords=("axes fraction", "data"),
            va="top",
            ha="left",
            fontsize=PHONE_MIN_PT,
            color=TEXT,
            gid="row-label",
        )
    return fig, ax, ys


def _row_legend(fig, ax, n: int, phone: bool) -> None:
    """The series legend: under the axes in two columns, or for a phone one column under the figure."""
    if not phone:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / n), ncol=2, frameon=False)
        fig.tight_layout()
        return
    fig.tight_layout()
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles=handles,
        labels=[_phone_wrap(x, PHONE_ROW_CHARS) for x in labels],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=1,
        frameon=False,
    )


def variants(draw, *args, **kwargs) -> tuple[chart_cache.Recipe, chart_cache.Recipe]:
    """``draw(*args, **kwargs)`` for a wide column and again with ``phone=True``, as recipes
    (:func:`lib.report.chart_cache.recipe`): :func:`figure_html` builds them only when their
    images are not kept."""
    return chart_cache.recipe(draw, *args, **kwargs), chart_cache.recipe(draw, *args, **kwargs, phone=True)
