"""The files beside the reports (data-quality log, caveats page, downloads), rebuilt only when needed.

Building the downloads (every processed table as CSV and one Excel workbook)
loads and validates the processed tables: about a second, which would be most
of an unchanged re-run. :func:`current` gives the ledger the side files the last
run recorded (their links, the authorities' summaries the index shows, whether the
data are synthetic) and says whether they are still right: their inputs (the
processed data, the lib/ code and caveats source, the data-quality log in the
output folder) unchanged and every file as recorded. When they are not,
:func:`rebuild` writes them through :meth:`lib.run.outputs.Ledger.write_side_files`
(the batch does this while the reports run: :mod:`lib.run.batch`); until then the
index links to the last run's files, which stay in place.
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

from lib.run import cache
from lib.run.index import Summary
from lib.run.outputs import DATA_QUALITY_LOG, atomic_write_text

RECORD = "side_files.json"


def _key(ledger: Any, code: dict[str, str]) -> str:
    logs = {
        name: (cache.sha256_file(p) if p.is_file() else "absent")
        for name, p in (("out", ledger.out / DATA_QUALITY_LOG), ("processed", ledger.pdir / DATA_QUALITY_LOG))
    }
    return cache.sha256_bytes(
        json.dumps({"data": ledger.data_version, "code": code, "logs": logs}, sort_keys=True).encode()
    )


def _files(html_dir: Path, hrefs: list[str]) -> dict[str, str]:
    return {h: cache.sha256_file(html_dir / h) for h in hrefs if (html_dir / h).is_file()}


def _hrefs(links: dict[str, Any]) -> list[str]:
    hrefs = [h for h in (links.get("dq_href"), links.get("caveats_href"), links.get("glossary_href")) if h]
    hrefs += [h for h in (links.get("brief") or {}).values() if h]
    return hrefs + [d["href"] for d in links.get("downloads", [])]


def _apply(ledger: Any, last: dict[str, Any], html_dir: Path) -> None:
    """Give ``ledger`` the side files ``last`` records, as far as they are on disk."""

    def there(href: str | None) -> bool:
        return bool(href) and (html_dir / str(href)).is_file()

    ledger.dq_href = last.get("dq_href") if there(last.get("dq_href")) else None
    ledger.caveats_href = last.get("caveats_href") if there(last.get("caveats_href")) else None
    ledger.glossary_href = last.get("glossary_href") if there(last.get("glossary_href")) else None
    brief = last.get("brief") or {}
    ledger.brief = (
        {k: (h if there(h) else None) for k, h in brief.items()} if there(brief.get("html")) else {}
    )
    ledger.downloads = [types.SimpleNamespace(**d) for d in last.get("downloads", []) if there(d.get("href"))]
    ledger.synthetic = bool(last.get("synthetic", False))
    ledger.summaries = {
        aid: Summary(
            line=s["line"], coverage=types.SimpleNamespace(text=s["coverage"]) if s["coverage"] else None
        )
        for aid, s in (last.get("summaries") or {}).items()
    }


def _load(log_dir: Path) -> dict[str, Any]:
    try:
        last = json.loads((log_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return last if isinstance(last, dict) else {}


def side_files_current(ledger: Any, html_dir: Path, log_dir: Path, code: dict[str, str]) -> bool:
    """Give ``ledger`` the side files on disk. True: they are this run's (their inputs
    unchanged, the files as recorded); False: they are the last run's, the ones the index
    links to until :func:`rebuild` replaces them."""
    last = _load(log_dir)
    _apply(ledger, last, html_dir)
    return (
        bool(last)
        and last.get("key") == _key(ledger, code)
        and _files(html_dir, _hrefs(last)) == last.get("files")
    )


def rebuild(ledger: Any, html_dir: Path, log_dir: Path, code: dict[str, str]) -> None:
    """Write this run's side files and give them to ``ledger`` (each file replaced atomically)."""
    key = _key(ledger, code)
    ledger.write_side_files(html_dir)
    links = {
        "dq_href": ledger.dq_href,
        "caveats_href": ledger.caveats_href,
        "glossary_href": ledger.glossary_href,
        "brief": ledger.brief,
        "downloads": [
            {"href": d.href, "label": d.label, "kind": d.kind, "rows": d.rows} for d in ledger.downloads
        ],
    }
    summaries = {
        aid: {"line": s.line, "coverage": s.coverage.text if s.coverage else None}
        for aid, s in ledger.summaries.items()
    }
    record = {"key": key, **links, "synthetic": ledger.synthetic, "summaries": summaries}
    record["files"] = _files(html_dir, _hrefs(links))
    atomic_write_text(log_dir / RECORD, json.dumps(record, indent=1) + "\n")
