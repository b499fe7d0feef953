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
import seaborn as sns  # noqa: E402
from markupsafe import Markup  # noqa: E402

from lib.report.format import percent  # noqa: E402
from lib.report.html import render, table_html  # noqa: E402

#: Colours by role (not by programme vocabulary). Pairs drawn side by side are
#: checked by tests for >= 3:1.
PALETTE = {
    "pre": "#08306B",  # navy
    "post": "#D55E00",  # Okabe-Ito vermillion
    "neutral": "#595959",
}
ADJACENT_PAIRS = [("pre", "post")]
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


def _png_data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_html(fig, chart: Chart) -> Markup:
    """Wrap a matplotlib figure as an accessible, self-contained ``<figure>``."""
    return render(
        "figure.j2", chart=chart, src=_png_data_uri(fig), table=table_html(chart.table, chart.table_caption)
    )


def _style():
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
):
    """Before/after dot plot with interval whiskers and direct labels.

    Each phase has its own row (before above, after below), its own marker
    shape and its own interval line; its value label sits beyond the far end
    of its own interval (or marker), on its own row, and starts with the
    phase's initial ("B 56%", "A 81%"), so a label never touches a marker or
    an interval line and is always tied to its phase.
    """
    n = len(labels)
    if n == 0:
        raise ValueError("dumbbell: nothing to plot (every row suppressed?); show a sentence instead")
    _style()
    fig, ax = plt.subplots(figsize=(8, 0.75 * n + 1.4))
    ys = list(range(n))[::-1]
    offset = 0.17
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
    for i in range(n):
        _dot_label(ax, "pre", pre[i], pre_y[i], pre_ci[i] if pre_ci is not None else None, pre_label)
        _dot_label(ax, "post", post[i], post_y[i], post_ci[i] if post_ci is not None else None, post_label)
    ax.set_yticks(ys, labels)
    ax.set_ylim(-0.6, n - 0.4)
    _share_axis(ax, xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / n), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def _dot_label(ax, phase: str, value: float, y: float, ci: tuple[float, float] | None, name: str) -> None:
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
        fontsize=8.5,
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
):
    """Horizontal bars for two series (e.g. year one vs year two), each value labelled with
    its series' name at the end of its own bar. A share axis runs 0-100%; a label that
    would pass the axis end is printed inside its bar."""
    _style()
    n = len(labels)
    fig, ax = plt.subplots(figsize=(8, 0.7 * n + 1.4))
    ys = list(range(n))[::-1]
    height = 0.38
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
            _bar_label(ax, bar, v, key, label)
    ax.set_yticks(ys, labels)
    _share_axis(ax, xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / n), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def _bar_label(ax, bar, v: float | None, key: str, label: str) -> None:
    """A bar's value label with its series' name, at the bar's end; inside the bar when it
    would pass a share axis' end."""
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
        fontsize=8.5,
        color="#FFFFFF" if inside and key == "pre" else TEXT,
        bbox=(
            {"boxstyle": "square,pad=0.1", "fc": "#FFFFFF", "ec": "none"}
            if inside and key == "post"
            else None
        ),
    )


def status_matrix(matrix: pd.DataFrame, styles: dict[str, StatusStyle]):
    """Heatmap of evidence cells with a text code in every cell.

    ``matrix`` holds :func:`status_key` values, so an inferred status has its
    own fill and a starred code (``A*``), drawn apart from recorded ones.
    """
    _style()
    present = set(matrix.to_numpy().ravel())
    keys = [k for k in styles if not k.endswith("_inferred") or k in present]
    codes = matrix.map(lambda s: keys.index(s))
    cmap = matplotlib.colors.ListedColormap([styles[k].fill for k in keys])
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(matrix) + 2.4))
    sns.heatmap(
        codes,
        cmap=cmap,
        vmin=-0.5,
        vmax=len(keys) - 0.5,
        cbar=False,
        linewidths=0.8,
        linecolor="#7F7F7F",
        ax=ax,
        annot=matrix.map(lambda k: styles[k].code),
        fmt="",
        annot_kws={"fontsize": 8.5},
    )
    for text, key in zip(ax.texts, matrix.to_numpy().ravel(), strict=False):
        text.set_color(styles[key].text)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=40)
    plt.setp(ax.get_xticklabels(), ha="right")
    handles = [
        matplotlib.patches.Patch(
            facecolor=styles[k].fill, edgecolor="#7F7F7F", label=f"{styles[k].code} = {styles[k].label}"
        )
        for k in keys
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def share_bars(
    labels: Sequence[str], values: Sequence[float], *, colour: str = "pre", xlabel: str = "Share of comments"
):
    """Single-series horizontal bars with the value printed at each bar, on a 0-100% axis."""
    _style()
    n = len(labels)
    fig, ax = plt.subplots(figsize=(8, 0.5 * n + 1.2))
    ys = list(range(n))[::-1]
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
    ax.set_yticks(ys, labels)
    _share_axis(ax, xlabel)
    fig.tight_layout()
    return fig


def wrap(label: str, width: int = 38) -> str:
    """Wrap a long axis label onto several lines."""
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)
