"""Chart images are drawn once per recipe (lib.report.chart_cache).

The reference is drawing itself: a reused image must be the bytes drawing gives,
a figure that differs in any value, style setting or drawing code must be drawn
again, and the key of a figure must not depend on the process that built it
(memory addresses, string hashing), or nothing would ever be reused across kernels.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from lib.report import chart_cache, charts  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

FIGURE = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

def make(values=(3, 5, 2), label="Before"):
    fig, axes = plt.subplots(1, 2, figsize=(4, 2), sharey=True)  # a shared-axes group
    for ax in axes:
        ax.barh(["a", "b", "c"], list(values), label=label)
        ax.set_title("Ratings")
    axes[0].legend()
    fig.tight_layout()
    return fig
"""
namespace: dict = {}
exec(FIGURE, namespace)  # noqa: S102 (the same source the subprocesses run)
make = namespace["make"]

CHART = charts.Chart("Title", "Subtitle", "Alt text", pd.DataFrame({"x": [1]}), "Caption")


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    monkeypatch.setattr(chart_cache, "_MEMORY", type(chart_cache._MEMORY)())
    monkeypatch.setenv(chart_cache.ENV_VAR, str(tmp_path / "charts"))
    yield
    plt.close("all")


def counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    draw = charts.draw_images

    def counted(fig, phone=None):
        calls.append(1)
        return draw(fig, phone)

    counted.__module__, counted.__qualname__ = draw.__module__, draw.__qualname__
    monkeypatch.setattr(charts, "draw_images", counted)
    return calls


def test_a_recipe_with_the_same_arguments_is_drawn_once_and_gives_the_same_page(monkeypatch, tmp_path):
    calls = counting(monkeypatch)
    first = str(charts.figure_html(chart_cache.recipe(make), CHART))
    again = str(charts.figure_html(chart_cache.recipe(make), CHART))
    assert len(calls) == 1
    assert again == first
    # another process (an empty memory) reads the images the first one kept
    monkeypatch.setattr(chart_cache, "_MEMORY", type(chart_cache._MEMORY)())
    assert str(charts.figure_html(chart_cache.recipe(make), CHART)) == first
    assert len(calls) == 1
    assert len(list((tmp_path / "charts").glob("*.json"))) == 1
    # and what was reused is what drawing gives
    monkeypatch.delenv(chart_cache.ENV_VAR)
    monkeypatch.setattr(chart_cache, "_MEMORY", type(chart_cache._MEMORY)())
    assert str(charts.figure_html(chart_cache.recipe(make), CHART)) == first
    assert len(calls) == 2
    assert not plt.get_fignums()  # reused or drawn, the figures are closed


def test_any_difference_in_the_arguments_or_the_style_draws_again(monkeypatch):
    calls = counting(monkeypatch)
    pages = {
        str(charts.figure_html(chart_cache.recipe(make), CHART)),
        str(charts.figure_html(chart_cache.recipe(make, values=(3, 5, 1)), CHART)),  # one value
        str(charts.figure_html(chart_cache.recipe(make, label="After"), CHART)),  # one label
    }
    with matplotlib.rc_context({"lines.linewidth": 7.0, "savefig.facecolor": "#EEEEEE"}):
        pages.add(
            str(charts.figure_html(chart_cache.recipe(make), CHART))
        )  # a style setting read when drawing
    assert len(calls) == 4
    assert len(pages) == 4


def test_the_drawing_code_is_part_of_the_key(monkeypatch, tmp_path):
    fig = chart_cache.recipe(make)
    key = chart_cache.figure_key(charts.draw_images, (fig, None))
    edited = tmp_path / "charts_copy.py"
    edited.write_text(Path(charts.__file__).read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    monkeypatch.setattr(chart_cache, "_SALT", {})
    monkeypatch.setattr(sys.modules[charts.__name__], "__file__", str(edited))
    assert chart_cache.figure_key(charts.draw_images, (fig, None)) != key


def assert_one_key_in_two_processes(script: str) -> None:
    """``script`` prints a key: the same 64 hex digits under two string-hashing seeds."""
    keys = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=True
        )
        keys.add(out.stdout.strip())
    assert len(keys) == 1 and len(keys.pop()) == 64


@pytest.mark.timeout(300)
def test_the_key_does_not_depend_on_the_process(tmp_path):
    script = FIGURE + textwrap.dedent(
        """
        from lib.report import chart_cache, charts
        import sys
        r = chart_cache.recipe
        print(chart_cache.figure_key(charts.draw_images, (r(make), r(make, values=(1, 1, 1)))))
        """
    )
    assert_one_key_in_two_processes(script)


def test_a_damaged_or_unreadable_entry_is_drawn_again(monkeypatch, tmp_path):
    calls = counting(monkeypatch)
    first = str(charts.figure_html(chart_cache.recipe(make), CHART))
    (entry,) = (tmp_path / "charts").glob("*.json")
    entry.write_text(json.dumps([["data:image/png;base64,AAAA"]]), encoding="utf-8")  # not two images
    monkeypatch.setattr(chart_cache, "_MEMORY", type(chart_cache._MEMORY)())
    assert str(charts.figure_html(chart_cache.recipe(make), CHART)) == first
    assert len(calls) == 2


def test_a_built_figure_or_unpicklable_arguments_are_drawn_every_time(monkeypatch):
    calls = counting(monkeypatch)
    first = str(charts.figure_html(make(), CHART))  # handed over already built: no key
    assert str(charts.figure_html(make(), CHART)) == first
    assert len(calls) == 2

    def formatted(fmt):
        fig = make()
        fig.axes[0].xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt))
        return fig

    page = str(charts.figure_html(chart_cache.recipe(formatted, lambda v, _: f"{v:.0f}"), CHART))
    assert str(charts.figure_html(chart_cache.recipe(formatted, lambda v, _: f"{v:.0f}"), CHART)) == page
    assert len(calls) == 4
    assert not plt.get_fignums()


def test_prune_keeps_the_most_recently_used(tmp_path):
    folder = tmp_path / "charts"
    folder.mkdir(parents=True)
    for i in range(5):
        path = folder / f"{i}.json"
        path.write_text("[]", encoding="utf-8")
        os.utime(path, (1000 + i, 1000 + i))
    assert chart_cache.prune_charts(folder, keep=2) == 3
    assert sorted(p.name for p in folder.iterdir()) == ["3.json", "4.json"]


def test_a_forced_rebuild_draws_every_chart_again_and_keeps_it(monkeypatch, tmp_path):
    calls = counting(monkeypatch)
    first = str(charts.figure_html(chart_cache.recipe(make), CHART))
    monkeypatch.setattr(chart_cache, "_MEMORY", type(chart_cache._MEMORY)())  # a new kernel ...
    monkeypatch.setenv(chart_cache.REFRESH_VAR, "1")  # ... of a --force run
    assert str(charts.figure_html(chart_cache.recipe(make), CHART)) == first
    assert len(calls) == 2
    assert (
        str(charts.figure_html(chart_cache.recipe(make), CHART)) == first
    )  # within one kernel, repeats are still reused
    assert len(calls) == 2


# --- recipes: a figure keyed on what it is built from, built only when drawn --------------

BUILT: list[int] = []


def page(figures: tuple) -> str:
    """The chart's page, from a wide and a phone figure (or recipes)."""
    fig, phone = figures
    return str(charts.figure_html(fig, CHART, phone=phone))


def counted_share_bars(labels, values, phone=False):
    """charts.share_bars, counting the figures built."""
    BUILT.append(1)
    return charts.share_bars(labels, values, phone=phone)


def test_a_kept_recipe_is_never_built_and_gives_the_page_its_figures_give(monkeypatch, tmp_path):
    BUILT.clear()
    labels, values = ["Ready", "Not yet"], [0.4, 0.6]
    first = page(charts.variants(counted_share_bars, labels, values))
    assert len(BUILT) == 2  # the wide figure and the phone figure
    monkeypatch.setattr(chart_cache, "_MEMORY", type(chart_cache._MEMORY)())  # another kernel
    assert page(charts.variants(counted_share_bars, labels, values)) == first
    assert len(BUILT) == 2  # read from the folder: nothing built
    # the reference: the same figures built and drawn with no cache at all
    monkeypatch.delenv(chart_cache.ENV_VAR)
    monkeypatch.setattr(chart_cache, "_MEMORY", type(chart_cache._MEMORY)())
    drawn = charts.figure_html(
        charts.share_bars(labels, values), CHART, phone=charts.share_bars(labels, values, phone=True)
    )
    assert str(drawn) == first
    assert not plt.get_fignums()


def test_any_difference_in_a_recipe_s_arguments_draws_again():
    BUILT.clear()
    pages = {
        page(charts.variants(counted_share_bars, ["a", "b"], [0.4, 0.6])),
        page(charts.variants(counted_share_bars, ["a", "b"], [0.4, 0.5])),
        page(charts.variants(counted_share_bars, ["a", "c"], [0.4, 0.6])),
    }
    assert len(BUILT) == 6 and len(pages) == 3
    frame = pd.DataFrame({"x": [1.0, 2.0]}, index=["a", "b"])
    other = frame.copy()
    other.loc["b", "x"] = 2.5
    keys = {
        chart_cache.figure_key(
            charts.draw_images, (chart_cache.recipe(counted_share_bars, f, {"a", "b"}), None)
        )
        for f in (frame, other)
    }
    keys.add(
        chart_cache.figure_key(
            charts.draw_images, (chart_cache.recipe(counted_share_bars, frame, {"a"}), None)
        )
    )
    assert len(keys) == 3


def test_a_recipe_s_key_holds_the_report_code(monkeypatch, tmp_path):
    recipe = chart_cache.recipe(counted_share_bars, ["a"], [1.0])
    key = chart_cache.figure_key(charts.draw_images, (recipe, None))
    copy = tmp_path / "report"
    copy.mkdir()
    for path in Path(charts.__file__).parent.glob("*.py"):
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / "figures.py").write_text((copy / "figures.py").read_text(encoding="utf-8") + "\n# edited\n")
    monkeypatch.setattr(chart_cache, "_CODE", [])
    monkeypatch.setattr(chart_cache, "__file__", str(copy / "chart_cache.py"))
    assert chart_cache.figure_key(charts.draw_images, (recipe, None)) != key


@pytest.mark.timeout(300)
def test_a_recipe_s_key_does_not_depend_on_the_process():
    script = textwrap.dedent(
        """
        import pandas as pd
        from lib.report import chart_cache, charts, figures
        flags = pd.DataFrame({"authority": ["B", "A"], "2011-12": ["yes", "no"]})
        r = chart_cache.recipe(figures.participation_timeline, flags, ["2011-12"], {"a", "b", "c", "d"})
        print(chart_cache.figure_key(charts.draw_images, (r, None)))
        """
    )
    assert_one_key_in_two_processes(script)
