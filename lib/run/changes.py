"""What changed since the previous build: each build records its reports' results,
and a page whose figures or verdicts moved says so (old -> new).

Each build records, in ``<out>/results.json``, the figures and verdicts each
report shows (:func:`report_results`): for the programme, each success
criterion's verdict and confidence, each key finding's confidence and each
before/after change with its verdict (the results tables of the analysis step,
through :func:`lib.report.brief.brief_tables`), and each claim's verdict; for
an authority, its evidence coverage and the verdicts of the claims that name it.

When a report is planned, its results now are compared with the recorded ones
(:func:`plan_changes`):

* no record (the first build): no note;
* the same results: the note the record holds stays (a reviewer re-reading
  after a correction still sees what moved, until the next change);
* different results: the note lists each figure or verdict that moved, and the
  record takes the new results.

The note is one of the page's inputs (it enters the report's cache key, see
:mod:`lib.run.cache`), so the same data and the same record give the same
bytes. The record is written before any report runs: a run that is stopped
half-way leaves the note recorded, and the next run rebuilds the page with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib.files import atomic_write_text

RECORD = "results.json"
RECORD_VERSION = 1
#: The most changes a page's note lists (the rest are counted).
NOTE_LIMIT = 8


@dataclass(frozen=True)
class Change:
    what: str
    old: str
    new: str

    @property
    def line(self) -> str:
        return f"{self.what}: {self.old} \u2192 {self.new}"


def _points(value: Any) -> str:
    return f"{float(value):+.0f} points"


def programme_results(wb: Any) -> dict[str, str]:
    """The programme report's figures and verdicts, by a label readers recognise."""
    from lib.report import brief

    t = brief.brief_tables(wb)
    out: dict[str, str] = {}
    for _, r in t.success.iterrows():
        out[f"Success measure: {r['criterion']}"] = (
            f"{r['verdict']} (confidence {str(r['confidence']).replace('_', ' ')})"
        )
    for _, r in t.findings.iterrows():
        out[f"Key finding {r['order']}"] = (
            f"{r['headline']} (confidence {str(r['confidence']).replace('_', ' ')})"
        )
    if {"item_label", "sector_label", "change_pts"} <= set(t.comparisons.columns):
        for _, r in t.comparisons.iterrows():
            out[f"{r['item_label']}, {r['sector_label']}"] = f"{_points(r['change_pts'])}, {r['verdict']}"
    for _, r in wb.results_claims.iterrows():
        out[f"Claim: {r['claim']}"] = str(r["verdict"])
    return out


def authority_results(processed_dir: Path, wb: Any | None) -> dict[str, dict[str, str]]:
    """Each authority's evidence coverage and the verdicts of the claims that name it."""
    from lib.run.index import authority_summaries

    out: dict[str, dict[str, str]] = {}
    for aid, summary in authority_summaries(processed_dir).items():
        out[aid] = {"Evidence items": summary.coverage.text} if summary.coverage else {}
    claims = getattr(wb, "results_claims", None) if wb is not None else None
    if claims is not None and "authorities" in claims.columns:
        for _, r in claims.iterrows():
            for aid in filter(None, str(r["authorities"]).split(";")):
                out.setdefault(aid, {})[f"Claim: {r['claim']}"] = str(r["verdict"])
    return out


#: The results workbook last read in this process, by what identifies its files.
_RESULTS: dict[tuple, Any] = {}


def results_workbook(processed_dir: Path) -> Any:
    """The analysis step's results tables (checked by their schemas) as a workbook: what the
    notes and the one-page brief read, loaded once per data version in a batch process,
    without reading the processed tables again (the build checked them; the kernels read them)."""
    from lib.analysis import results
    from lib.analysis.results_schemas import RESULTS_SCHEMAS
    from lib.report import workbook

    pdir = Path(processed_dir).resolve()
    results.ensure_results(pdir)
    ident = [pdir]
    for name in RESULTS_SCHEMAS:
        try:
            st = (pdir / f"{name}.csv").stat()
            ident.append((name, st.st_ino, st.st_size, st.st_mtime_ns))
        except OSError:
            ident.append((name, None))
    key = tuple(ident)
    if key not in _RESULTS:
        _RESULTS.clear()
        _RESULTS[key] = workbook.Workbook(results.load_results(pdir), pdir)
    return _RESULTS[key]


def report_results(processed_dir: Path, ids: Iterable[tuple[str, str]]) -> dict[str, dict[str, str]]:
    """``{report id: {label: value}}`` for the (id, kind) pairs of a run."""
    ids = list(ids)
    wb = results_workbook(processed_dir)
    out: dict[str, dict[str, str]] = {}
    authorities = authority_results(processed_dir, wb) if any(k == "authority" for _, k in ids) else {}
    for rid, kind in ids:
        out[rid] = programme_results(wb) if kind == "programme" else authority_results_of(authorities, rid)
    return out


def authority_results_of(authorities: dict[str, dict[str, str]], rid: str) -> dict[str, str]:
    return dict(sorted(authorities.get(rid, {}).items()))


def diff(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    """Each figure or verdict that moved, appeared or went, in the new results' order."""
    out = [Change(k, old.get(k, "not shown"), v) for k, v in new.items() if old.get(k) != v]
    out += [Change(k, v, "no longer shown") for k, v in old.items() if k not in new]
    return out


def load(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
        return {}
    return data


def record_changes(
    out: Path, processed_dir: Path, ids: list[tuple[str, str]], *, key: str, data_version: str
) -> dict[str, list[Change]]:
    """Each report's note for this run, the results recorded. ``key`` (of the data and
    the code) unchanged since the record: the recorded results are this run's (not recomputed)."""
    record = load(out)
    reports = record.get("reports") or {}
    if record.get("key") == key and all(isinstance(reports.get(rid), dict) for rid, _ in ids):
        current = {rid: reports[rid]["results"] for rid, _ in ids}
    else:
        current = report_results(processed_dir, ids)
    return plan_changes(out, current, data_version, key=key)


def plan_changes(
    out: Path, current: dict[str, dict[str, str]], data_version: str, *, key: str = ""
) -> dict[str, list[Change]]:
    """Each report's note (its changes since the previous build), recording ``current``."""
    record = load(out)
    reports = dict(record.get("reports") or {})
    notes: dict[str, list[Change]] = {}
    for rid, results in current.items():
        previous = reports.get(rid)
        if not isinstance(previous, dict) or not isinstance(previous.get("results"), dict):
            notes[rid] = []
            reports[rid] = {"results": results, "changes": [], "since": None, "data_version": data_version}
            continue
        if previous["results"] == results:
            notes[rid] = [Change(**c) for c in previous.get("changes") or []]
            continue
        notes[rid] = diff(previous["results"], results)
        reports[rid] = {
            "results": results,
            "changes": [c.__dict__ for c in notes[rid]],
            "since": previous.get("data_version"),
            "data_version": data_version,
        }
    atomic_write_text(
        out / RECORD,
        json.dumps({"version": RECORD_VERSION, "key": key, "reports": reports}, indent=1, sort_keys=True)
        + "\n",
    )
    return notes


def note_lines(changes: list[Change], limit: int = NOTE_LIMIT) -> list[str]:
    """The note's lines: the first ``limit`` changes, then how many more."""
    lines = [c.line for c in changes[:limit]]
    if len(changes) > limit:
        lines.append(f"and {len(changes) - limit} more")
    return lines
