"""A run's progress and summary, read from its manifest (pure functions).

The batch rewrites ``manifest.json`` (atomically) after every report it
commits, so the manifest is the run's live record: :func:`report_rows` turns
it into one row per report of the run, :func:`counts` and
:func:`run_summary` into the summary the form shows.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Row states, in the order the summary lists them.
DONE_STATES = ("rebuilt", "reused", "failed", "cancelled")
WAITING_STATES = ("queued", "running")


@dataclass(frozen=True)
class ReportRow:
    id: str
    name: str
    state: str  # one of WAITING_STATES or DONE_STATES
    seconds: float | None = None
    error: str | None = None
    page: str | None = None  # relative to the output folder, e.g. "html/barnet.html"


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest, or None while there is none (or it cannot be read)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def started_at(manifest: dict[str, Any] | None) -> str:
    """When the run that wrote the manifest started (UTC, ISO 8601), or ''."""
    run = (manifest or {}).get("run") or {}
    return str(run.get("started_at") or "")


def _done_state(entry: dict[str, Any], since: str) -> tuple[str, str | None] | None:
    """(state, error) of a report this run has finished, or None if it has not."""
    if entry.get("cached"):
        return "reused", None
    attempt = entry.get("last_attempt") or {}
    if entry.get("stale"):
        if str(attempt.get("at") or "") >= since:
            return str(attempt.get("status") or "failed"), attempt.get("error")
        return None
    if str(entry.get("finished_at") or "") >= since:
        return ("rebuilt" if entry.get("status") == "ok" else "failed"), entry.get("error")
    return None


def report_rows(manifest: dict[str, Any]) -> list[ReportRow]:
    """One row per report of the run, in run order.

    While the run is going, the reports it has not finished are "running"
    (as many as it has workers, in order: the pool starts them in order) or
    "queued". Once it has ended, every report of the run has an entry of
    this run (the batch records cancelled ones too).
    """
    run = manifest.get("run") or {}
    going = run.get("state") == "running"
    since = started_at(manifest) if going else ""
    entries = {r.get("id"): r for r in manifest.get("reports") or [] if isinstance(r, dict)}
    free = int(manifest.get("workers") or 1)
    rows = []
    for rid in manifest.get("run_report_ids") or []:
        entry = entries.get(rid) or {}
        done = _done_state(entry, since) if entry else None
        name = str(entry.get("display_name") or rid)
        if done is None:
            state = "running" if going and free > 0 else ("queued" if going else "cancelled")
            free -= state == "running"
            rows.append(ReportRow(rid, name, state))
            continue
        state, error = done
        page = (entry.get("outputs") or {}).get("html")
        seconds = None if state == "reused" or entry.get("stale") else entry.get("duration_s")
        rows.append(ReportRow(rid, name, state, seconds, error, page))
    return rows


def counts(rows: list[ReportRow]) -> dict[str, list[str]]:
    """Report ids by state, for every state in DONE_STATES and WAITING_STATES."""
    out: dict[str, list[str]] = {s: [] for s in DONE_STATES + WAITING_STATES}
    for r in rows:
        out[r.state].append(r.id)
    return out


def run_summary(rows: list[ReportRow]) -> str:
    """e.g. ``2 reports: 1 rebuilt, 1 reused (inputs unchanged), 0 failed``."""
    c = counts(rows)
    parts = [f"{len(c['rebuilt'])} rebuilt", f"{len(c['reused'])} reused (inputs unchanged)"]
    parts.append(f"{len(c['failed'])} failed")
    parts += [f"{len(c[s])} {s}" for s in ("cancelled", "running", "queued") if c[s]]
    return f"{len(rows)} reports: " + ", ".join(parts)


def status_line(row: ReportRow) -> str:
    """One line per report: id, state, seconds and a failure's one-line message."""
    line = f"{row.id}: {row.state}"
    if row.seconds is not None:
        line += f" ({row.seconds:.1f} s)"
    if row.error:
        line += f": {row.error}"
    return line


def page_link(row: ReportRow, output_dir: Path, notebook_dir: Path) -> str | None:
    """An HTML link to the report's page, relative to the notebook; None without a page."""
    if not row.page:
        return None
    href = Path(os.path.relpath(output_dir / row.page, notebook_dir)).as_posix()
    label = f"{row.name} ({row.id})" if row.name != row.id else row.id
    style = "color:var(--jp-content-link-color, #0645ad);text-decoration:underline"
    return f'<a href="{html.escape(href)}" target="_blank" style="{style}">{html.escape(label)}</a>'


def _data_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old = ((before.get("inputs") or {}).get("processed_dir") or {}).get("files") or {}
    new = ((after.get("inputs") or {}).get("processed_dir") or {}).get("files") or {}
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    return [f"data: {', '.join(changed)}"] if changed else []


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """What changed in a report's recorded inputs between two manifest entries:
    "new report", or the notebook, the code, the environment, the page title,
    the processed tables it reads (by file) and the report settings that differ,
    then the figures and verdicts its page shows that moved (:func:`result_changes`)."""
    if not before or not before.get("inputs"):
        return ["new report"]
    b, a = before.get("inputs") or {}, after.get("inputs") or {}
    out = [what for what in ("notebook", "code", "environment", "title") if b.get(what) != a.get(what)]
    out += _data_changes(before, after)
    old_s, new_s = before.get("settings") or {}, after.get("settings") or {}
    out += [f"{k}: {old_s.get(k)} -> {new_s.get(k)}" for k in sorted(old_s.keys() | new_s.keys())
            if old_s.get(k) != new_s.get(k)]  # fmt: skip
    return out + result_changes(before, after)


def result_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The page's figures and verdicts that moved in this build (lib.run.changes), as
    recorded in the manifest; none when the note is the one the last build already had."""
    moved = after.get("changes") or []
    return [f"result: {line}" for line in moved] if moved != (before.get("changes") or []) else []


def change_lines(previous: dict[str, Any] | None, manifest: dict[str, Any]) -> list[str]:
    """One line per report rebuilt in ``manifest``'s run: what changed since
    ``previous`` (the manifest before the run), or that nothing recorded did (forced)."""
    before = {r.get("id"): r for r in (previous or {}).get("reports") or [] if isinstance(r, dict)}
    after = {r.get("id"): r for r in manifest.get("reports") or [] if isinstance(r, dict)}
    lines = []
    for row in report_rows(manifest):
        if row.state == "rebuilt":
            what = changes(before.get(row.id), after[row.id])
            lines.append(f"{row.id}: {'; '.join(what) if what else 'no recorded input changed (forced)'}")
    return lines
