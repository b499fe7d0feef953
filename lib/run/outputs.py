"""The output folder of a batch run: atomic writes, the ledger, temp files.

* Every file is written to a temp name in its own directory and renamed into
  place (:func:`atomic_write_bytes`), so a reader never sees half a file.
* :class:`Ledger` keeps ``manifest.json`` and the two index pages in step
  with the report files on disk: it moves a report's staged files into
  place and rewrites all three in one step.
* :func:`remove_temp_files` sweeps what a killed run left;
  :class:`OutputLock` keeps two runs from writing to one folder.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lib.config import QUALITY_LOG_NAME as DATA_QUALITY_LOG
from lib.files import atomic_write_bytes, atomic_write_text  # noqa: F401 (public names here too)
from lib.report.chart_cache import ENV_VAR as CHART_CACHE_ENV  # noqa: F401 (set for the kernels)
from lib.report.chart_cache import REFRESH_VAR as CHART_CACHE_REFRESH  # noqa: F401 (set for the kernels)
from lib.run.site import PROGRAMME_ID  # noqa: F401 (a public name of this module)

MANIFEST_VERSION = 2


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def param_path(path: Path, project_root: Path) -> str:
    """Path as the notebook should see it: relative to the project root if inside."""
    try:
        return path.resolve().relative_to(project_root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


def temp_path(path: Path) -> Path:
    """A unique temp name in ``path``'s directory (for writers we don't own)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    return Path(tmp)


@dataclass
class ReportResult:
    id: str
    kind: str
    display_name: str
    parameters: dict[str, Any]
    inputs: dict[str, Any]
    input_hash: str
    data_version: str
    started_at: str
    finished_at: str
    duration_s: float
    status: str  # "ok" | "failed"
    error: str | None
    outputs: dict[str, str | None]
    timings: dict[str, Any] = field(default_factory=dict)
    #: the settings that change a report (disclosure threshold, keep_code)
    settings: dict[str, Any] = field(default_factory=dict)
    #: True when the last run planned this report but did not rebuild it:
    #: the outputs are the last good ones, built at ``finished_at``
    stale: bool = False
    #: the last run's attempt when it did not rebuild the report
    #: (``{"at", "status", "error"}``; status "failed" or "cancelled")
    last_attempt: dict[str, Any] | None = None
    #: True when this run reused the last build (inputs unchanged, outputs intact: lib.run.cache)
    cached: bool = False
    #: sha256 of the committed outputs, by kind ("notebook", "html")
    output_sha256: dict[str, str] = field(default_factory=dict)
    #: what changed in the page's figures and verdicts since the previous build (lib.run.changes)
    changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not self.stale


# ---------------------------------------------------------------------------
# Temp files and the output-folder lock
# ---------------------------------------------------------------------------

# atomic_write_bytes: .<name>.<random>.tmp ; _temp_path: .<stem>.<random>.tmp<suffix>
_TEMP_NAME = re.compile(r"^\.[^/]+\.[A-Za-z0-9_]+\.tmp(\.[A-Za-z0-9]+)?$")


def chart_cache_dir(out: Path) -> Path:
    """Where the kernels of a run into ``out`` keep the chart images they drew
    (:mod:`lib.report.chart_cache`; not an output: the manifest does not list it)."""
    return out / "cache" / "charts"


def brief_cache_dir(out: Path) -> Path:
    """Where a run into ``out`` keeps the briefs Chromium printed (:func:`lib.run.brief.print_pdf`)."""
    return out / "cache" / "brief"


def remove_temp_files(out: Path) -> list[Path]:
    """Delete temp files a run left in ``out`` (killed mid-write); return them."""
    removed = []
    for d in (
        out,
        out / "notebooks",
        out / "html",
        *(out / "cache" / k for k in ("charts", "brief", "pages")),
    ):
        if not d.is_dir():
            continue
        for p in d.iterdir():
            if _TEMP_NAME.match(p.name) and p.is_file():
                try:
                    p.unlink()
                    removed.append(p)
                except FileNotFoundError:
                    pass
    return removed


class OutputBusyError(RuntimeError):
    """Another run holds the output folder."""


class OutputLock:
    """An exclusive flock on the output folder: one batch writes there at a time."""

    def __init__(self, out: Path):
        self.out = out
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        import fcntl

        self.fd = os.open(self.out, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise OutputBusyError(
                f"another batch run is writing to {self.out}; wait for it to finish"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the lock


# ---------------------------------------------------------------------------
# The ledger: manifest and index, always in step with the files on disk
# ---------------------------------------------------------------------------

_RESULT_FIELDS = {f.name for f in fields(ReportResult)}


class Ledger:
    """What is on disk, by report id; written as manifest.json and the two
    index pages after every change (each write atomic)."""

    def __init__(
        self, out: Path, root: Path, settings: Any, data_version: str, pdir: Path, run_ids: list[str]
    ):
        self.out, self.root, self.settings = out, root, settings
        self.data_version, self.pdir, self.run_ids = data_version, pdir, run_ids
        self.manifest_path = out / "manifest.json"
        self.entries: dict[str, ReportResult] = {}
        self.run = {"started_at": utc_now(), "finished_at": None, "state": "running"}
        self.dq_href: str | None = None
        self.caveats_href: str | None = None
        self.glossary_href: str | None = None
        #: the one-page brief: {"html": href, "pdf": href or None} (lib.run.brief), {} when none
        self.brief: dict = {}
        #: report id -> its note of what changed since the previous build (lib.run.changes)
        self.changes: dict[str, list[str]] = {}
        self.downloads: list = []
        #: authority_id -> one-line summary and evidence coverage (lib.run.index)
        self.summaries: dict = {}
        self.synthetic = False

    def load_previous(self) -> None:
        """Entries of the last manifest, reconciled with the disk: an entry
        whose page is gone is dropped, a missing notebook is unlinked."""
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            reports = data.get("reports", [])
        except (OSError, ValueError, AttributeError):
            return
        for entry in reports if isinstance(reports, list) else []:
            try:
                r = ReportResult(**{k: v for k, v in entry.items() if k in _RESULT_FIELDS})
                html = r.outputs.get("html")
            except (TypeError, AttributeError):
                continue
            if not (html and (self.out / html).is_file()):
                continue
            nb = r.outputs.get("notebook")
            if nb and not (self.out / nb).is_file():
                r.outputs = {**r.outputs, "notebook": None}
            self.entries[r.id] = r

    def write_side_files(self, html_dir: Path) -> None:
        """The data-quality log, the caveats page and the downloads the index
        links to; the authorities' summaries the index shows."""
        from lib.run.banner import is_synthetic
        from lib.run.index import authority_summaries

        self.synthetic = is_synthetic(self.pdir)
        self.summaries = authority_summaries(self.pdir)
        dq_src = next(
            (p for p in (self.out / DATA_QUALITY_LOG, self.pdir / DATA_QUALITY_LOG) if p.is_file()), None
        )
        if dq_src is not None:
            atomic_write_bytes(html_dir / DATA_QUALITY_LOG, dq_src.read_bytes())
            self.dq_href = DATA_QUALITY_LOG
        from lib.programme import caveats_path
        from lib.run.render import CAVEATS_PAGE, render_caveats

        if caveats_path().is_file():  # the programme's own caveats (its notes folder)
            atomic_write_text(
                html_dir / CAVEATS_PAGE,
                render_caveats(caveats_path(), synthetic=self.synthetic, processed_dir=self.pdir),
            )
            self.caveats_href = CAVEATS_PAGE
        from lib.run.glossary import render_glossary
        from lib.run.site import GLOSSARY_PAGE

        atomic_write_text(html_dir / GLOSSARY_PAGE, render_glossary(synthetic=self.synthetic))
        self.glossary_href = GLOSSARY_PAGE
        from lib.run.brief import write_brief

        made = write_brief(self.pdir, html_dir, synthetic=self.synthetic, cache_dir=brief_cache_dir(self.out))
        self.brief = {"html": made.html, "pdf": made.pdf} if made.html else {}
        if made.problem:
            self.run["brief"] = made.problem  # in the manifest: why there is no brief (or no PDF)
        # Every processed table as CSV and one workbook, beside the pages (lib.run.downloads).
        from lib.run.downloads import write_downloads

        self.downloads = write_downloads(
            self.pdir, html_dir, data_version=self.data_version, programme=PROGRAMME_ID
        )

    def ordered(self) -> list[ReportResult]:
        first = [self.entries[i] for i in self.run_ids if i in self.entries]
        return first + [r for i, r in self.entries.items() if i not in self.run_ids]

    def write(self) -> None:
        from lib.run.index import render_index

        s = self.settings
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "generated_at": utc_now(),
            "run": self.run,
            "data_version": self.data_version,
            "processed_dir": param_path(self.pdir, self.root),
            "settings": {**s.report_settings, "timeout": s.timeout},
            "keep_code": s.keep_code,
            "workers": s.workers,
            "run_report_ids": self.run_ids,
            "downloads": [f"html/{d.href}" for d in self.downloads],
            "reports": [asdict(r) for r in self.ordered()],
        }
        results = self.ordered()
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2) + "\n")
        html_dir = self.out / "html"
        common = {
            "downloads": self.downloads,
            "summaries": self.summaries,
            "data_version": self.data_version,
            "synthetic": self.synthetic,
            "brief": self.brief,
            "changes": self.changes,
        }
        atomic_write_text(
            html_dir / "index.html",
            render_index(
                results,
                prefix="",
                dq_href=self.dq_href,
                caveats_href=self.caveats_href,
                glossary_href=self.glossary_href,
                **common,
            ),
        )
        atomic_write_text(
            self.out / "index.html",
            render_index(
                results,
                prefix="html/",
                dq_href=f"html/{self.dq_href}" if self.dq_href else None,
                caveats_href=f"html/{self.caveats_href}" if self.caveats_href else None,
                glossary_href=f"html/{self.glossary_href}" if self.glossary_href else None,
                **common,
            ),
        )

    def _commit_explorer(self, fresh: ReportResult, explorer_tmp: str | None) -> dict[str, str]:
        """The report's explorer page moved into place (``{"explorer": path}``); a rebuilt
        programme page without one removes the last one, so no page outlives its report."""
        from lib.run.site import EXPLORER_PAGE

        target = self.out / "html" / EXPLORER_PAGE
        if explorer_tmp:
            os.replace(explorer_tmp, target)
            return {"explorer": f"html/{EXPLORER_PAGE}"}
        if fresh.kind == "programme":
            target.unlink(missing_ok=True)
        return {}

    def commit(self, fresh: ReportResult, staged: dict[str, str | None]) -> ReportResult:
        """Move a report's staged files into place and record them. With no
        staged page, the previous entry (if its page exists) stays, marked
        stale, with this attempt noted."""
        nb_tmp, html_tmp = staged.get("notebook"), staged.get("html")
        if nb_tmp or html_tmp:
            if html_tmp:
                os.replace(html_tmp, self.out / "html" / f"{fresh.id}.html")
            else:  # notebook without a page (render failed): an older page would not match it
                (self.out / "html" / f"{fresh.id}.html").unlink(missing_ok=True)
            if nb_tmp:
                os.replace(nb_tmp, self.out / "notebooks" / f"{fresh.id}.ipynb")
            fresh.outputs = {
                "notebook": f"notebooks/{fresh.id}.ipynb" if nb_tmp else None,
                "html": f"html/{fresh.id}.html" if html_tmp else None,
                **self._commit_explorer(fresh, staged.get("explorer") if html_tmp else None),
            }
            self.entries[fresh.id] = fresh
            return fresh
        attempt = {"at": fresh.finished_at, "status": fresh.status, "error": fresh.error}
        previous = self.entries.get(fresh.id)
        if previous is not None:
            previous.stale, previous.last_attempt = True, attempt
            return previous
        fresh.stale, fresh.last_attempt = True, attempt
        fresh.outputs = {"notebook": None, "html": None}
        self.entries[fresh.id] = fresh
        return fresh
