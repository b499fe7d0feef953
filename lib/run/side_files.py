"""The files beside the reports (data-quality log, caveats page, downloads), rebuilt only when needed.

Building the downloads (every processed table as CSV and one Excel workbook)
loads and validates the processed tables: about a second, which would be most
of an unchanged re-run. :func:`write` rebuilds the side files through
:meth:`lib.run.outputs.Ledger.write_side_files` only when their inputs changed
(the processed data, the lib/ code and caveats source, the data-quality log
in the output folder) or one of the files is missing or edited; otherwise it
gives the ledger the links it recorded last time.
"""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import Any

from lib.run import cache
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


def write(ledger: Any, html_dir: Path, log_dir: Path, code: dict[str, str]) -> bool:
    """Give ``ledger`` its side files; True when they were rebuilt."""
    key = _key(ledger, code)
    record_path = log_dir / RECORD
    try:
        last = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = None
    if isinstance(last, dict) and last.get("key") == key:
        hrefs = [h for h in (last.get("dq_href"), last.get("caveats_href"), last.get("glossary_href")) if h]
        hrefs += [h for h in (last.get("brief") or {}).values() if h]
        hrefs += [d["href"] for d in last.get("downloads", [])]
        if _files(html_dir, hrefs) == last.get("files"):
            ledger.dq_href, ledger.caveats_href = last.get("dq_href"), last.get("caveats_href")
            ledger.glossary_href, ledger.brief = last.get("glossary_href"), last.get("brief") or {}
            ledger.downloads = [types.SimpleNamespace(**d) for d in last.get("downloads", [])]
            return False
    ledger.write_side_files(html_dir)
    downloads = [{"href": d.href, "label": d.label, "kind": d.kind, "rows": d.rows} for d in ledger.downloads]
    hrefs = [h for h in (ledger.dq_href, ledger.caveats_href, ledger.glossary_href) if h]
    hrefs += [h for h in ledger.brief.values() if h]
    hrefs += [d["href"] for d in downloads]
    atomic_write_text(
        record_path,
        json.dumps(
            {
                "key": key,
                "dq_href": ledger.dq_href,
                "caveats_href": ledger.caveats_href,
                "glossary_href": ledger.glossary_href,
                "brief": ledger.brief,
                "downloads": downloads,
                "files": _files(html_dir, hrefs),
            },
            indent=1,
        )
        + "\n",
    )
    return True
