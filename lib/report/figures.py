"""The charts an evaluation report's reader expects, drawn from tables alone.

* :func:`forest_plot`: every before/after change with its interval, one row per
  comparison, grouped by question and sector, a zero line and the plan's "about the
  same" band (``results_comparisons``, CONTRACT section 3).
* :func:`participation_timeline`: authorities by programme year, withdrawal marked.
* :func:`evidence_grid`: evidence items by authorities, each status its own colour
  *and* marker shape, so colour is never the only cue.

Each returns a matplotlib figure for :func:`lib.report.charts.figure_html`; the data
tables behind them are built by the ``*_table`` functions from the same frame.
Artists carry a ``gid`` naming their role, so tests can find them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from lib.report.charts import (
    PALETTE,
    PHONE_IN_PER_UNIT,
    PHONE_LINE,
    PHONE_WIDTH_IN,
    TEXT,
    StatusStyle,
    contrast_ratio,
    style_axes,
    wrap,
)
from lib.report.format import points_interval, signed_points
from lib.report.workbook import INFERRED_YEAR

#: Columns of ``results_comparisons`` the forest plot reads.
FOREST_COLUMNS: tuple[str, ...] = (
    "question_label",
    "item_label",
    "item_order",
    "sector_label",
    "change_pts",
    "ci_low_pts",
    "ci_high_pts",
    "ci_low_pts_low_base",
    "ci_high_pts_low_base",
    "ci_low_pts_high_base",
    "ci_high_pts_high_base",
    "clear_of_chance",
)
#: The base-range bar (>= 3:1 with white and with the navy interval line on it), and the
#: "about the same" band: a pale fill between dashed edges that carry the contrast.
RANGE_COLOUR = PALETTE["range"]
BAND_COLOUR = "#EBEBEB"


def _check(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing columns {missing}")
    if frame.empty:
        raise ValueError(f"{what}: nothing to plot; show a sentence instead")


def forest_rows(comparisons: pd.DataFrame, *, phone: bool = False) -> pd.DataFrame:
    """The comparisons in plotting order (questions and sectors in the order they first
    appear, items by item order), each with its y position (top row highest); the heading
    of each question/sector group and its y (above the group's first row) are in
    ``attrs["groups"]``. ``phone``: each row also has ``phone_label`` (its label and value,
    wrapped) and ``label_y`` (the top of that label, above its bar), and every y leaves
    room for the wrapped lines of the headings and labels (:func:`phone_positions`)."""
    _check(comparisons, FOREST_COLUMNS, "forest plot")
    keys = list(zip(comparisons["question_label"], comparisons["sector_label"], strict=True))
    first = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    rows = (
        comparisons.assign(_group=[first[k] for k in keys])
        .sort_values(["_group", "item_order"], kind="stable")
        .drop(columns="_group")
        .reset_index(drop=True)
    )
    rows["clear_of_chance"] = _flags(rows)
    if phone:
        return phone_positions(rows)
    y, ys, heads = 0.0, [], []
    for key, part in rows.groupby(["question_label", "sector_label"], sort=False):
        heads.append((f"{key[0]}: {key[1]}", y))
        y -= 1.0
        for _ in range(len(part)):
            ys.append(y)
            y -= 1.0
        y -= 0.3
    rows["y"] = ys
    rows.attrs["groups"] = heads
    return rows


#: The phone layout: labels wrapped at this many characters, each text line
#: ``charts.PHONE_LINE`` data units tall (on a figure of ``charts.PHONE_IN_PER_UNIT``
#: inches a unit), and the gaps between a heading, a label and its bar.
FOREST_PHONE_CHARS = 42
PHONE_GAP = 0.3
PHONE_BAR_GAP = 0.6


def _lines(text: str) -> int:
    return text.count("\n") + 1


def phone_positions(rows: pd.DataFrame) -> pd.DataFrame:
    """The phone layout of :func:`forest_rows`: each group's bold heading on lines of its
    own (its y is the heading's top), then each row's wrapped label and value on lines of
    their own (``label_y``: their top) with its bar below; nothing shares a line."""
    rows = rows.copy()
    rows["phone_label"] = [
        wrap(f"{item}: {signed_points(v / 100)}", FOREST_PHONE_CHARS)
        for item, v in zip(rows["item_label"], rows["change_pts"], strict=True)
    ]
    y, ys, tops, heads = 0.0, [], [], []
    for key, part in rows.groupby(["question_label", "sector_label"], sort=False):
        head = wrap(f"{key[0]}: {key[1]}", FOREST_PHONE_CHARS)
        heads.append((head, y))
        y -= _lines(head) * PHONE_LINE + PHONE_GAP
        for label in part["phone_label"]:
            tops.append(y)
            y -= _lines(label) * PHONE_LINE + PHONE_BAR_GAP
            ys.append(y)
            y -= PHONE_BAR_GAP
        y -= PHONE_GAP
    rows["y"], rows["label_y"] = ys, tops
    rows.attrs["groups"] = heads
    return rows


_FLAGS = {"true": True, "false": False}


def _flags(rows: pd.DataFrame) -> list[bool]:
    """``clear_of_chance`` as booleans (a CSV gives true/false); any other value stops,
    one line per comparison."""
    keys = [str(v).lower() for v in rows["clear_of_chance"]]
    bad = [
        f"results_comparisons: {r['question_label']} / {r['sector_label']} / {r['item_label']}: "
        f"clear_of_chance is {r['clear_of_chance']!r}, expected true or false"
        for key, (_, r) in zip(keys, rows.iterrows(), strict=True)
        if key not in _FLAGS
    ]
    if bad:
        raise ValueError("\n".join(bad))
    return [_FLAGS[k] for k in keys]


#: The evidence grid's phone layout: each row's label on a line of its own above its markers.
PHONE_ROW_STEP = 1.9


def forest_plot(comparisons: pd.DataFrame, tolerance_points: float | None = None, *, phone: bool = False):
    """Forest plot of every before/after change, in percentage points.

    Each row: the change (a filled circle when its interval excludes 0 at both ends of
    the base range, an open one when it could be chance), its 95% interval at the central
    bases (dark line), and the span of the intervals across the base range (lighter, wider
    bar). A zero line, and a grey band for "about the same" (+/- ``tolerance_points``)
    when the evaluation plan gives one. ``phone``: drawn 3.6 inches wide with each row's
    label (and value) above its bar, for :func:`lib.report.charts.figure_html`'s phone
    variant.
    """
    rows = forest_rows(comparisons, phone=phone)
    style_axes()
    span = rows.attrs["groups"][0][1] - rows["y"].min()
    size = (PHONE_WIDTH_IN, PHONE_IN_PER_UNIT * span + 1.6) if phone else (8, 0.34 * span + 1.2)
    fig, ax = plt.subplots(figsize=size)
    if tolerance_points:
        ax.axvspan(
            -tolerance_points,
            tolerance_points,
            facecolor=BAND_COLOUR,
            edgecolor=PALETTE["neutral"],
            ls="--",
            lw=1,
            zorder=0,
            gid="band",
        )
    ax.axvline(0, color=TEXT, lw=1.2, zorder=1, gid="zero")
    for _, r in rows.iterrows():
        _forest_row(ax, r)
    if phone:
        _phone_labels(ax, rows)
    else:
        _wide_labels(ax, rows)
    ax.set_ylim(rows["y"].min() - 0.7, rows.attrs["groups"][0][1] + (PHONE_GAP if phone else 0.7))
    label = "Change after the workshops, percentage points (after minus before)"
    ax.set_xlabel(wrap(label, FOREST_PHONE_CHARS) if phone else label)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    fig.legend(
        handles=_forest_legend(tolerance_points),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=1 if phone else 2,
        frameon=False,
    )
    return fig


def _forest_row(ax, r: pd.Series) -> None:
    """One comparison: the base-range bar, the interval line, the marker."""
    low = min(r["ci_low_pts"], r["ci_low_pts_low_base"], r["ci_low_pts_high_base"])
    high = max(r["ci_high_pts"], r["ci_high_pts_low_base"], r["ci_high_pts_high_base"])
    y = [r["y"]] * 2
    ax.plot([low, high], y, color=RANGE_COLOUR, lw=7, solid_capstyle="butt", zorder=2, gid="base-range")
    ax.plot([r["ci_low_pts"], r["ci_high_pts"]], y, color=PALETTE["pre"], lw=2, zorder=3, gid="interval")
    clear = r["clear_of_chance"]
    ax.plot(
        [r["change_pts"]],
        [r["y"]],
        marker="o",
        ms=7,
        color=PALETTE["pre"],
        markerfacecolor=PALETTE["pre"] if clear else "#FFFFFF",
        zorder=4,
        gid="estimate-clear" if clear else "estimate-chance",
    )


def _wide_labels(ax, rows: pd.DataFrame) -> None:
    """Item labels (and bold group headings) as y tick labels; each value at the right."""
    for _, r in rows.iterrows():
        ax.annotate(
            signed_points(r["change_pts"] / 100),
            (1.0, r["y"]),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=TEXT,
        )
    ticks = [(y, wrap(x, 46), "normal") for x, y in zip(rows["item_label"], rows["y"], strict=True)]
    ticks += [(y, wrap(text, 46), "bold") for text, y in rows.attrs["groups"]]
    ticks.sort(key=lambda t: -t[0])
    ax.set_yticks([t[0] for t in ticks], [t[1] for t in ticks])
    for label, (_, _, weight) in zip(ax.get_yticklabels(), ticks, strict=True):
        label.set_fontweight(weight)


def _phone_labels(ax, rows: pd.DataFrame) -> None:
    """Each label and value on a line of its own above its bar; headings in bold."""
    ax.set_yticks([])
    place = {
        "xycoords": ("axes fraction", "data"),
        "ha": "left",
        "fontsize": 9,
        "color": TEXT,
        "bbox": {"boxstyle": "square,pad=0.05", "fc": "#FFFFFF", "ec": "none"},
    }
    for label, top in zip(rows["phone_label"], rows["label_y"], strict=True):
        ax.annotate(label, (0.02, top), va="top", **place)
    for text, y in rows.attrs["groups"]:
        ax.annotate(text, (0.02, y), va="top", fontweight="bold", **place)


def _forest_legend(tolerance_points: float | None) -> list:
    handles = [
        Line2D([], [], marker="o", ls="", color=PALETTE["pre"], label="Change: interval clear of 0"),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=PALETTE["pre"],
            markerfacecolor="#FFFFFF",
            label="Change: could be chance",
        ),
        Line2D([], [], color=PALETTE["pre"], lw=2, label="95% interval, central base"),
        Line2D([], [], color=RANGE_COLOUR, lw=7, label="Intervals across the base range"),
    ]
    if tolerance_points:
        handles.append(
            plt.Rectangle(
                (0, 0), 1, 1, color=BAND_COLOUR, label=f"About the same (within {tolerance_points:g} points)"
            )
        )
    return handles


def forest_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The forest plot's data, row for row in its order, in points; the rows' questions
    (``forest_rows(...)["question_label"]``) head its groups of rows, once each."""
    rows = forest_rows(comparisons)

    def interval(low: str, high: str) -> list[str]:
        return [points_interval(a / 100, b / 100) for a, b in zip(rows[low], rows[high], strict=True)]

    return pd.DataFrame(
        {
            "Respondents": rows["sector_label"],
            "Item": rows["item_label"],
            "Change (points)": [signed_points(v / 100) for v in rows["change_pts"]],
            "95% interval, central base": interval("ci_low_pts", "ci_high_pts"),
            "At the low base": interval("ci_low_pts_low_base", "ci_high_pts_low_base"),
            "At the high base": interval("ci_low_pts_high_base", "ci_high_pts_high_base"),
            "Clear of chance": ["yes" if v else "no" for v in rows["clear_of_chance"]],
        }
    )


def participation_timeline(flags: pd.DataFrame, years: Sequence[str], withdrawn: Collection[str]):
    """Authorities (rows) by programme year (columns): a bar for each year the documents
    place the authority in (a dotted outline where only an inference places it: a year read
    from a date or phrase, or stated for a place name read as the authority), a hatched outline
    where no document states its year, and a cross (named in the legend) on the last year of an
    authority that withdrew.

    ``flags`` has ``authority_id``, ``authority`` and one yes/no/unknown/inferred column per year
    (:func:`lib.report.facts.participation_flags`); ``withdrawn`` holds the ids of the
    authorities that withdrew."""
    _check(flags, ["authority_id", "authority", *years], "participation timeline")
    style_axes()
    rows = flags.sort_values("authority", kind="stable").reset_index(drop=True)
    n = len(rows)
    fig, ax = plt.subplots(figsize=(8, 0.42 * n + 1.3))
    for i, r in rows.iterrows():
        _timeline_row(ax, r, n - 1 - i, years, r["authority_id"] in withdrawn)
    ax.set_yticks(range(n), rows["authority"].tolist()[::-1])
    ax.set_xticks([j + 0.5 for j in range(len(years))], list(years))
    ax.set_xlim(0, len(years))
    ax.set_ylim(-0.6, n - 0.4)
    ax.xaxis.tick_top()
    ax.grid(False)
    fig.tight_layout()
    fig.legend(
        handles=_timeline_legend(bool(withdrawn), bool((rows[list(years)] == INFERRED_YEAR).any(axis=None))),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=3,
        frameon=False,
    )
    return fig


def _timeline_row(ax, r: pd.Series, y: float, years: Sequence[str], withdrew: bool) -> None:
    """One authority: a bar per year taken part, a hatched box per unstated year, and a
    cross on its last year when it withdrew (none when no year is stated)."""
    unknown = {"color": "#FFFFFF", "edgecolor": PALETTE["neutral"], "hatch": "///", "lw": 1}
    for j, year in enumerate(years):
        if r[year] == "yes":
            ax.barh(y, 0.92, left=j + 0.04, height=0.6, color=PALETTE["pre"], gid="took-part")
        elif r[year] == INFERRED_YEAR:
            ax.barh(y, 0.92, left=j + 0.04, height=0.6, gid="year-inferred", **INFERRED_BAR)
        elif r[year] == "unknown":
            ax.barh(y, 0.92, left=j + 0.04, height=0.6, gid="year-unknown", **unknown)
    took_part = [j for j, year in enumerate(years) if r[year] in ("yes", INFERRED_YEAR)]
    if withdrew and took_part:
        ax.plot(
            [took_part[-1] + 0.5],
            [y],
            marker="X",
            ms=12,
            color=PALETTE["post"],
            markeredgecolor="#FFFFFF",
            ls="",
            zorder=4,
            gid="withdrew",
        )


#: A year only an inference gives: the took-part colour's outline, dotted inside.
INFERRED_BAR = {"facecolor": "#FFFFFF", "edgecolor": PALETTE["pre"], "hatch": "..", "lw": 1.5}


def _timeline_legend(any_withdrawn: bool, any_inferred: bool = False) -> list:
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=PALETTE["pre"], label="Took part (a document says so)"),
        plt.Rectangle(
            (0, 0),
            1,
            1,
            facecolor="#FFFFFF",
            edgecolor=PALETTE["neutral"],
            hatch="///",
            label="Year not stated in any document",
        ),
    ]
    if any_inferred:
        handles.insert(
            1,
            plt.Rectangle((0, 0), 1, 1, label="Took part (by inference, not stated)", **INFERRED_BAR),
        )
    if any_withdrawn:
        handles.append(Line2D([], [], marker="X", ms=10, ls="", color=PALETTE["post"], label="Withdrew"))
    return handles


#: Marker shapes, one per evidence status in the legend's order; an inferred status
#: uses its recorded status's shape, hollow.
MARKERS: tuple[str, ...] = ("o", "X", "s", "^", "D", "v", "P", "<", ">", "h")


def marker_of(key: str, styles: dict[str, StatusStyle]) -> tuple[str, bool]:
    """(marker shape, filled) of one evidence key."""
    base = [k for k in styles if not k.endswith("_inferred")]
    plain = key.removesuffix("_inferred")
    return MARKERS[base.index(plain) % len(MARKERS)], not key.endswith("_inferred")


def evidence_grid(matrix: pd.DataFrame, styles: dict[str, StatusStyle], *, phone: bool = False):
    """Authorities (rows) by evidence items (columns), one marker per cell: its colour is
    the status's fill, its shape the status (hollow when inferred from another source);
    with each row, how many of its items the legend's first status holds
    (:func:`row_counts`). A cell's text code is in the data table; the legend gives
    shape, colour and words. ``phone``: 3.6 inches wide, each authority's name and count
    on a line of its own above its row."""
    if matrix.empty:
        raise ValueError("evidence grid: nothing to plot; show a sentence instead")
    style_axes()
    n_rows, n_cols = matrix.shape
    step = PHONE_ROW_STEP if phone else 1.0
    size = (PHONE_WIDTH_IN, 0.3 * n_rows * step + 3.2) if phone else (8, 0.38 * n_rows + 2.6)
    fig, ax = plt.subplots(figsize=size)
    present = list(dict.fromkeys(k for k in styles if k in set(matrix.to_numpy().ravel())))
    for key in present:
        ys, xs = (matrix.to_numpy() == key).nonzero()
        shape, filled = marker_of(key, styles)
        edge = styles[key.removesuffix("_inferred")].fill if not filled else "#1A1A1A"
        ax.scatter(
            xs,
            (n_rows - 1 - ys) * step,
            marker=shape,
            s=70,
            linewidths=1.2 if filled else 2,
            facecolors=styles[key].fill if filled else "#FFFFFF",
            edgecolors=_visible(edge),
            gid=f"status-{key}",
        )
    ax.set_xticks(
        range(n_cols), list(matrix.columns), rotation=90 if phone else 50, ha="center" if phone else "right"
    )
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(-0.6, (n_rows - 1) * step + (1.1 if phone else 0.6))
    if phone:
        _grid_phone_labels(ax, matrix, styles, step)
    else:
        ax.set_yticks(range(n_rows), list(matrix.index)[::-1])
        _row_counts(ax, matrix, styles)
    fig.tight_layout()
    handles = [_grid_handle(k, styles) for k in present]
    for h in handles if phone else ():
        h.set_label(wrap(h.get_label(), FOREST_PHONE_CHARS - 10))
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=1 if phone else 2,
        frameon=False,
    )
    return fig


def _grid_phone_labels(ax, matrix: pd.DataFrame, styles: dict[str, StatusStyle], step: float) -> None:
    """Each authority's name and count above its row of markers."""
    word, counts = row_counts(matrix, styles)
    ax.set_yticks([])
    for i, (name, n) in enumerate(zip(matrix.index, counts, strict=True)):
        ax.annotate(
            f"{name} ({word}: {n})",
            (0.01, (len(matrix) - 1 - i) * step + 0.5),
            xycoords=("axes fraction", "data"),
            ha="left",
            va="bottom",
            fontsize=9,
            color=TEXT,
            gid="row-count",
        )


def row_counts(matrix: pd.DataFrame, styles: dict[str, StatusStyle]) -> tuple[str, list[int]]:
    """The legend's first status (the one that says an item exists) in words, and how many
    of each row's cells have it, recorded or inferred."""
    first = next(iter(styles))
    word = styles[first].label.split(",")[0]
    return word, [int(row.isin([first, f"{first}_inferred"]).sum()) for _, row in matrix.iterrows()]


def _row_counts(ax, matrix: pd.DataFrame, styles: dict[str, StatusStyle]) -> None:
    """Each row's count of :func:`row_counts`, right of the grid, under a one-word header."""
    word, counts = row_counts(matrix, styles)
    n_rows = len(matrix)
    place = {
        "xycoords": ("axes fraction", "data"),
        "textcoords": "offset points",
        "fontsize": 9,
        "color": TEXT,
        "va": "center",
    }
    ax.annotate(word.capitalize(), (1.0, n_rows - 0.4), xytext=(6, 8), fontweight="bold", **place)
    for i, n in enumerate(counts):
        ax.annotate(str(n), (1.0, n_rows - 1 - i), xytext=(10, 0), gid="row-count", **place)


def _visible(colour: str) -> str:
    """An outline colour that shows on white (a pale fill is outlined in dark grey)."""
    return colour if contrast_ratio(colour, "#FFFFFF") >= 3 else PALETTE["neutral"]


def _grid_handle(key: str, styles: dict[str, StatusStyle]) -> Line2D:
    shape, filled = marker_of(key, styles)
    edge = styles[key.removesuffix("_inferred")].fill if not filled else "#1A1A1A"
    return Line2D(
        [],
        [],
        marker=shape,
        ls="",
        ms=9,
        markeredgewidth=1.2 if filled else 2,
        markerfacecolor=styles[key].fill if filled else "#FFFFFF",
        markeredgecolor=_visible(edge),
        label=f"{styles[key].code} = {styles[key].label}",
    )
