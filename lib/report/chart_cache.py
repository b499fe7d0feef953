"""Chart images drawn once per recipe, not once per kernel.

Building a chart's figures and drawing their two PNGs (the wide image and its
phone variant, with ``bbox_inches="tight"``, colour reduction and PNG
optimisation) is most of what the programme report's cells cost, and most
charts do not change when one authority's text does. A section therefore hands
a chart over as a :class:`Recipe`: the drawing function and its arguments
(:func:`recipe`, or ``charts.variants`` for a wide and a phone figure).
:func:`images` memoises the drawing on what decides its bytes:

* the arguments (:func:`recipe_fingerprint`: values, not object identities;
  sets in sorted order, data frames by their labels, types and values) and the
  function's name;
* the source of every module of ``lib/report`` (where the drawing functions
  and the constants they read live) and of the module that draws the images;
* ``matplotlib.rcParams`` at drawing time (``charts.figure_html`` sets the
  report style first, as every drawing function does), the versions of
  matplotlib, Pillow and numpy, and the fonts matplotlib knows.

A kept recipe is never built; a new one is built, then drawn. A figure handed
over already built, or a recipe whose arguments cannot be pickled, is drawn
every time. Equal keys give equal bytes, so a page is the same whether its
charts were drawn or reused. Within one process the images are kept in memory
(the survey explorer shows the survey sections' charts again). Across
processes they are kept as one small JSON file per key in the folder named by
``$EVAL_CHART_CACHE`` (the batch runner sets it to ``<output>/cache/charts``;
unset: memory only).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import sys
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.files import atomic_write_text

#: The folder of the images kept across processes (unset: kept in memory only).
ENV_VAR = "EVAL_CHART_CACHE"
#: Set (non-empty): draw every chart afresh and keep it (a forced rebuild); memory still serves repeats.
REFRESH_VAR = "EVAL_CHART_CACHE_REFRESH"
#: Images kept in memory per process.
MEMORY_ENTRIES = 64
#: Files :func:`prune` keeps (the most recently used).
DISK_ENTRIES = 2000

Images = tuple[tuple[str, float], ...]
_MEMORY: OrderedDict[str, Images] = OrderedDict()
_SALT: dict[str, str] = {}


def _salt(draw: Callable[..., Any]) -> str:
    """What else decides the pixels: the drawing code, the libraries, the fonts."""
    module = sys.modules.get(draw.__module__)
    where = getattr(module, "__file__", None) or ""
    if where not in _SALT:
        import matplotlib
        import numpy
        import PIL
        from matplotlib import font_manager

        h = hashlib.sha256()
        for path in (where, __file__):
            h.update(Path(path).read_bytes() if path and Path(path).is_file() else b"?")
        h.update(f"{matplotlib.__version__} {PIL.__version__} {numpy.__version__}".encode())
        fonts = sorted((f.fname, f.name, f.style, str(f.weight)) for f in font_manager.fontManager.ttflist)
        h.update(repr(fonts).encode())
        _SALT[where] = f"{draw.__module__}.{draw.__qualname__}:{h.hexdigest()}"
    return _SALT[where]


@dataclass(frozen=True, eq=False)
class Recipe:
    """A figure not built yet: ``draw(*args, **kwargs)``, built only if its images are not kept."""

    draw: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def build(self) -> Any:
        return self.draw(*self.args, **self.kwargs)


def recipe(draw: Callable[..., Any], *args: Any, **kwargs: Any) -> Recipe:
    """The figure ``draw(*args, **kwargs)`` would build, built only when it must be drawn."""
    return Recipe(draw, args, kwargs)


def built(fig: Any) -> Any:
    """``fig`` itself, or the figure a :class:`Recipe` builds."""
    return fig.build() if isinstance(fig, Recipe) else fig


def _canonical(value: Any) -> Any:
    """``value`` as plain, ordered data for a key: equal values give equal pickles in any
    process (sets sorted, mappings in their own order, frames and series by labels, dtypes
    and values)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return ("frame", _canonical(list(value.columns)), _canonical(list(value.index)),
                [str(t) for t in value.dtypes], _canonical(value.to_numpy(dtype=object).tolist()))  # fmt: skip
    if isinstance(value, pd.Series):
        return ("series", value.name, str(value.dtype), _canonical(list(value.index)),
                _canonical(value.to_numpy(dtype=object).tolist()))  # fmt: skip
    if isinstance(value, set | frozenset):
        return ("set", sorted((_canonical(v) for v in value), key=repr))
    if isinstance(value, dict):
        return ("dict", [(_canonical(k), _canonical(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_canonical(v) for v in value])
    if isinstance(value, np.generic):
        return value.item()
    return value


def recipe_fingerprint(r: Recipe) -> bytes:
    """sha256 of what ``r`` builds its figure from: the function's name and its arguments."""
    payload = (
        r.draw.__module__,
        r.draw.__qualname__,
        _canonical(r.args),
        _canonical(sorted(r.kwargs.items())),
    )
    return hashlib.sha256(pickle.dumps(payload, protocol=5)).digest()


_CODE: list[str] = []


def _report_code() -> str:
    """sha256 of the source of every module of ``lib/report`` (read once per process)."""
    if not _CODE:
        h = hashlib.sha256()
        for path in sorted(Path(__file__).parent.glob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
        _CODE.append(h.hexdigest())
    return _CODE[0]


def figure_key(draw: Callable[..., Any], figures: Sequence[Any]) -> str | None:
    """The key of ``draw(*figures)`` (each a :class:`Recipe` or None); None when one is a figure
    already built or a recipe whose arguments cannot be pickled (drawn every time)."""
    import matplotlib

    if any(fig is not None and not isinstance(fig, Recipe) for fig in figures):
        return None
    h = hashlib.sha256(_salt(draw).encode() + _report_code().encode())
    try:
        for fig in figures:
            h.update(b"-" if fig is None else recipe_fingerprint(fig))
    except Exception:  # noqa: BLE001 (an argument that cannot be pickled: drawn every time)
        return None
    h.update(repr(sorted(dict.items(matplotlib.rcParams))).encode())  # as stored (no per-key lookup)
    return h.hexdigest()


def _folder() -> Path | None:
    folder = os.environ.get(ENV_VAR)
    return Path(folder) if folder else None


def _valid(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int | float)
        for v in value
    )


def _read(folder: Path | None, key: str) -> Images | None:
    if folder is None or os.environ.get(REFRESH_VAR):
        return None
    path = folder / f"{key}.json"
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        os.utime(path)  # used: kept by prune_charts()
    except (OSError, ValueError):
        return None
    return tuple((str(src), float(px)) for src, px in value) if _valid(value) else None


def _remember(key: str, value: Images) -> None:
    _MEMORY[key] = value
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > MEMORY_ENTRIES:
        _MEMORY.popitem(last=False)


def images(draw: Callable[..., Images], *figures: Any) -> Images:
    """``draw(*figures)`` (each image as ``(data URI, smallest text px)``), or the images it
    gave for recipes with the same arguments; a recipe is built only when it is drawn, and a
    figure handed over already built is drawn every time (``draw`` closes the figures)."""
    key = figure_key(draw, figures)
    if key is None:
        return draw(*(built(fig) for fig in figures))
    folder = _folder()
    value = _MEMORY.get(key) or _read(folder, key)
    if value is not None:
        _remember(key, value)
        return value
    value = tuple((str(src), float(px)) for src, px in draw(*(built(fig) for fig in figures)))
    _remember(key, value)
    if folder is not None:
        with contextlib.suppress(OSError):  # a folder that cannot be written: the images are still right
            atomic_write_text(folder / f"{key}.json", json.dumps([list(v) for v in value]))
    return value


def prune_charts(folder: Path, keep: int = DISK_ENTRIES) -> int:
    """Remove all but the ``keep`` most recently used images in ``folder``; how many went."""
    try:
        entries = sorted(
            ((p.stat().st_mtime, p) for p in folder.glob("*.json")), key=lambda e: e[0], reverse=True
        )
    except OSError:
        return 0
    removed = 0
    for _, path in entries[keep:]:
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed
