"""Pages rendered once per input: a report page whose cells did not change is not rendered again.

Rendering an executed notebook to its offline page (nbconvert, then the page's
chrome) is a function of the notebook's cells and metadata, the page title, the
chrome (navigation, banner, the note of what changed), the code (lib/, its
templates, the pinned offline assets) and the locked environment: the same
inputs give the same bytes (:mod:`lib.run.execution`). When one authority's text
changes, the programme report runs again but its survey explorer page (a few MB
of charts and widget state) comes out of the same cells, so it is kept, by the
sha256 of all of these (:func:`page_key`; with the offline assets' folder), in
``<output>/cache/pages`` and copied instead of rendered. The batch gives each job the code and environment part of the
key (``render_key``); a job without it (or a forced rebuild, ``force``) renders
every page, and still keeps what it rendered.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

#: Kept pages, most recently used first, up to this many bytes.
KEEP_BYTES = 64 * 2**20


def cache_dir(job: dict[str, Any]) -> Path:
    return Path(job["html_out"]).parent.parent / "cache" / "pages"


def page_key(job: dict[str, Any], notebook: Any, title: str, chrome: Any) -> str | None:
    """sha256 of everything a page is rendered from; None when the job gives no code key."""
    from lib.run.execution import BUILD_TIME_FIELD

    base = job.get("render_key")
    if not base:
        return None
    h = hashlib.sha256(str(base).encode())
    parts = {"title": title, "keep_code": bool(job.get("keep_code")), "node_modules": job.get("node_modules")}
    h.update(json.dumps(parts, sort_keys=True).encode())
    h.update(repr(dataclasses.asdict(chrome) if dataclasses.is_dataclass(chrome) else chrome).encode())
    # the notebook as rendered: not its build time, which no page shows (lib.run.execution.BUILD_TIME_FIELD)
    field, stamp = BUILD_TIME_FIELD
    meta = dict(notebook.get("metadata", {}))
    if isinstance(meta.get(field), dict):
        meta[field] = {k: v for k, v in meta[field].items() if k != stamp}
    h.update(json.dumps({**notebook, "metadata": meta}, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def lookup(job: dict[str, Any], key: str | None) -> bytes | None:
    """The page rendered before from the inputs ``key`` (:func:`page_key`) names, or None."""
    if key is None or job.get("force"):
        return None
    path = cache_dir(job) / f"{key}.html"
    try:
        data = path.read_bytes()
        os.utime(path)
    except OSError:
        return None
    return data


def keep(job: dict[str, Any], key: str | None, page: Path) -> None:
    """Keep a rendered page for the next report or run (a copy; nothing else depends on it)."""
    if key is None:
        return
    from lib.files import atomic_write_bytes

    folder = cache_dir(job)
    with contextlib.suppress(OSError):
        atomic_write_bytes(folder / f"{key}.html", page.read_bytes())
        prune_pages(folder)


def prune_pages(folder: Path, keep_bytes: int = KEEP_BYTES) -> None:
    """Keep the most recently used pages, up to ``keep_bytes`` in all."""
    entries = []
    for path in folder.glob("*.html"):
        with contextlib.suppress(OSError):
            st = path.stat()
            entries.append((st.st_mtime, st.st_size, path))
    total = 0
    for _, size, path in sorted(entries, key=lambda e: e[0], reverse=True):
        total += size
        if total > keep_bytes:
            path.unlink(missing_ok=True)
