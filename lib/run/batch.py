"""Batch runner: execute and render every report of a run.

One programme report (``notebooks/programme_report.ipynb``, id ``programme``)
and one authority report per local authority
(``notebooks/authority_report.ipynb``, id = ``authority_id``) are executed
with papermill and rendered to offline HTML (:mod:`lib.run.render`) by a pool of
long-lived worker processes that import papermill and nbconvert once. Every
report still gets a fresh kernel.

Outputs (under ``--output-dir``, default ``outputs/``)::

    notebooks/<id>.ipynb     executed notebooks (failed ones keep their error)
    html/<id>.html           one self-contained offline page per report
    html/index.html          index with relative links (zip html/ and go)
    html/data_quality_log.csv  copy of <out>/data_quality_log.csv, if any
    index.html               the same index, links pointing into html/
    manifest.json            ids, parameters, input hashes, timings, status
    cache/                   kept for the next report or run, never linked: the charts the
                             kernels drew (lib.report.chart_cache), rendered pages
                             (lib.run.rendered_pages), printed briefs (lib.run.brief)

Before anything starts, :func:`preflight` checks every parameter and setting
(authorities, ``--timeout`` > 0, an output folder that is, or can become, a
writable directory, ``EVAL_DISCLOSURE_THRESHOLD`` a whole number >= 1, the
offline assets) and reports every problem as one line; a failed preflight
changes nothing.

Faults cost at most the report they touch:

* a worker writes a report's notebook and page to temp files only; the batch
  process moves them into place and rewrites ``manifest.json`` and the index
  in one step (:class:`Ledger`), so the manifest, the index and the files on
  disk always agree, even after a SIGKILL of the batch process (whose
  workers and kernels die with it); temp files a killed run left are removed
  at the next start;
* a dead kernel or a timeout is retried once with a fresh kernel;
* a killed worker (out of memory) breaks the process pool: the pool is
  replaced, the report that worker was running is marked failed, and every
  other report (never started, or lost with the broken pool) runs;
* Ctrl-C (or SIGTERM) cancels queued reports, kills running kernels, records
  what is on disk and exits 130.

A report this run planned but did not rebuild keeps its last good page,
marked stale in the index with its build time. Reports that were not part of
this run stay in the manifest and the index (with their own build time and
data version) while their HTML exists. Executed notebooks and pages are
reproducible (:mod:`lib.run.execution`): the same inputs give the same bytes,
apart from ``metadata.workbook.built_at`` in the notebook.

Incremental runs (:mod:`lib.run.cache`): a report whose inputs (notebook,
lib/ code, the processed rows it reads, parameters, settings, locked
environment) are unchanged and whose outputs on disk are the ones recorded is
reused and marked cached; ``force`` rebuilds all (and draws and renders
everything afresh). The side files (downloads, caveats, glossary, brief) are
rebuilt in the batch process while the workers run the first reports; the
index links the last run's until then. Executors: local worker
processes (:mod:`lib.run.pool`, the default) or a Dask cluster
(:mod:`lib.run.dask_executor`); both commit through the same ledger.

CLI: ``python -m lib.run --help`` (:mod:`lib.run.cli`). Python: :func:`run_batch`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib.config import PROJECT_ROOT
from lib.report import chart_cache
from lib.run import cache, pool, side_files
from lib.run.outputs import (
    Ledger,
    OutputBusyError,
    OutputLock,
    ReportResult,
    chart_cache_dir,
    param_path,
    remove_temp_files,
    utc_now,
)
from lib.run.planning import (
    AUTHORITY_NOTEBOOK,
    PROGRAMME_NOTEBOOK,
    BatchError,
    ReportSpec,
    absolute_path,
    preflight,
)
from lib.run.workers import (
    execute_report,
)


@dataclass
class BatchResult:
    output_dir: Path
    results: list[ReportResult]
    data_version: str
    manifest_path: Path
    index_path: Path
    html_index_path: Path
    wall_s: float

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if not r.ok]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


# ---------------------------------------------------------------------------
# Interrupts: Ctrl-C or SIGTERM stops the run, never half-way through a commit
# ---------------------------------------------------------------------------


class _Interrupts:
    """SIGINT/SIGTERM raise KeyboardInterrupt in the main thread, except
    inside :meth:`critical` (moving a report's files into place and writing
    the manifest), where the interrupt waits until the section ends."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.depth = 0
        self.stopping = False
        self._old: dict[int, Any] = {}

    def _handler(self, signum: int, frame: Any) -> None:
        if self.stopping:
            return  # a second Ctrl-C while we clean up: keep cleaning up
        self.signum = signum
        if not self.depth:
            raise KeyboardInterrupt

    def __enter__(self) -> _Interrupts:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        for sig, old in self._old.items():
            signal.signal(sig, old)

    @contextmanager
    def critical(self):
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        if not self.depth and self.signum is not None and not self.stopping:
            raise KeyboardInterrupt


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def _notebook_title(path: Path, fallback: str) -> str:
    import nbformat

    from lib.run import render

    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        return render.notebook_title(nb, fallback)
    except (OSError, ValueError, AttributeError, TypeError, nbformat.ValidationError):
        return fallback


def _cell_ids(path: Path) -> list[str]:
    try:
        return [c["id"] for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if "id" in c]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def run_batch(
    authorities: Sequence[str] | None = None,
    *,
    include_programme: bool = True,
    workers: int | None = None,
    output_dir: str | os.PathLike = "outputs",
    processed_dir: str | os.PathLike = "data/processed",
    keep_code: bool = False,
    progress: bool = False,
    project_root: str | os.PathLike = PROJECT_ROOT,
    programme_notebook: str | os.PathLike = PROGRAMME_NOTEBOOK,
    authority_notebook: str | os.PathLike = AUTHORITY_NOTEBOOK,
    kernel_name: str = "python3",
    timeout: int | None = 600,
    node_modules: str | os.PathLike | None = None,
    check_assets: bool = True,
    disclosure_threshold: int | None = None,
    force: bool = False,
    dask_scheduler: str | None = None,
    fork_kernels: bool = False,
) -> BatchResult:
    """Execute and render the reports whose inputs changed; keep manifest,
    index and disk in step.

    Relative ``output_dir``/``processed_dir``/notebook paths are taken from
    ``project_root`` (the notebooks run with cwd = project_root). Raises
    :class:`BatchError` (before any kernel starts, changing nothing) listing
    every invalid parameter or setting. ``disclosure_threshold`` defaults to
    ``$EVAL_DISCLOSURE_THRESHOLD`` (else 10). A report whose inputs are
    unchanged and whose outputs are intact is reused and marked cached
    (:mod:`lib.run.cache`); ``force`` rebuilds every selected report.
    ``dask_scheduler``: run the reports on that Dask cluster
    (:mod:`lib.run.dask_executor`) instead of local worker processes.
    ``fork_kernels``: local workers fork each kernel from a process that has
    already imported the report stack (:mod:`lib.run.zygote`). Report
    failures do not raise: see ``BatchResult.failed`` / ``exit_code``. An
    interrupt (Ctrl-C, SIGTERM) stops every kernel, records what is on disk
    and re-raises KeyboardInterrupt.
    """
    t_start = time.perf_counter()
    root = Path(project_root).resolve()
    out = absolute_path(output_dir, root).resolve()
    pdir = absolute_path(processed_dir, root).resolve()
    nm = Path(node_modules) if node_modules else None
    specs, settings = preflight(
        authorities, include_programme=include_programme, workers=workers, output_dir=out,
        processed_dir=absolute_path(processed_dir, root), root=root,
        programme_notebook=absolute_path(programme_notebook, root),
        authority_notebook=absolute_path(authority_notebook, root),
        keep_code=keep_code, timeout=timeout, disclosure_threshold=disclosure_threshold, node_modules=nm,
        check_assets=check_assets and not dask_scheduler,
    )  # fmt: skip
    # The results tables are part of the data version: written here (once per data version) when
    # missing or older than the processed tables, so a report kernel only reads them.
    from lib.analysis.results_stamp import results_current

    if not results_current(pdir):  # the analysis stack is imported only when they must be written
        from lib.analysis.results import ensure_results

        ensure_results(pdir)
    executor = None
    if dask_scheduler:
        from lib.run.dask_executor import DaskExecutor

        executor = DaskExecutor.connect(dask_scheduler)  # raises BatchError, one line

    _stamp_notebook_hashes(specs)
    try:
        with _locked(out), _Interrupts() as interrupts:
            run = _Run(specs, settings, out, root, pdir, nm, kernel_name, interrupts, force, executor)
            run.fork_kernels = fork_kernels
            return run.go(progress, t_start)
    finally:
        if executor is not None:
            executor.close()


def _stamp_notebook_hashes(specs: list[ReportSpec]) -> None:
    """Each spec's ``notebook_sha256`` (each notebook read once)."""
    nb_hashes: dict[Path, str] = {}
    for s in specs:
        if s.notebook not in nb_hashes:
            nb_hashes[s.notebook] = cache.sha256_file(s.notebook)
        s.notebook_sha256 = nb_hashes[s.notebook]


@contextmanager
def _locked(out: Path):
    """Hold the output folder's lock (created if need be); a folder another run holds is a BatchError."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        lock = OutputLock(out).__enter__()
    except OutputBusyError as exc:
        raise BatchError(str(exc)) from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


class _Run:
    """One locked run: plan what to reuse, execute the rest, commit each result."""

    def __init__(self, specs, settings, out, root, pdir, nm, kernel_name, interrupts, force, executor):
        self.specs, self.settings, self.out, self.root, self.pdir = specs, settings, out, root, pdir
        self.nm, self.kernel_name, self.interrupts = nm, kernel_name, interrupts
        self.force, self.executor = force, executor
        self.by_id = {s.report_id: s for s in specs}
        self.attempts: dict[str, ReportResult] = {}
        self.bar = None
        self.fork_kernels = False
        self.side_files_due = False
        ids = [s.report_id for s in specs if s.kind == "authority"]
        own = set().union(*cache.OWN_ROWS_TABLES.values())
        self.fp = cache.fingerprint_data(pdir, ids, own)
        self.code = cache.code_version(root)
        self.env = cache.environment_version(root, kernel_name)

    def data_inputs(self, s: ReportSpec) -> dict[str, str]:
        if s.kind == "authority":
            return self.fp.for_authority(s.report_id, cache.OWN_ROWS_TABLES.get(s.kind, ()))
        return dict(self.fp.files)

    def executor_label(self) -> str:
        if self.executor:
            return f"dask {self.executor.address}"
        return "local, kernels forked from a warm process" if self.fork_kernels else "local"

    def open_ledger(self, html_dir: Path, log_dir: Path) -> Ledger:
        """The ledger, with the previous run's entries and this run's side files."""
        remove_temp_files(self.out)  # left by a run that was killed
        self.ledger = ledger = Ledger(
            self.out,
            self.root,
            self.settings,
            self.fp.data_version,
            self.pdir,
            [s.report_id for s in self.specs],
        )
        ledger.run["executor"] = self.executor_label()
        ledger.load_previous()
        # the side files the last run wrote; rebuilt (if their inputs changed) while the reports run
        self.side_files_due = not side_files.side_files_current(ledger, html_dir, log_dir, self.code)
        ledger.changes = self.record_changes()
        return ledger

    def write_side_files(self) -> None:
        """Rebuild the side files (each file replaced atomically), then the index that links them."""
        if not self.side_files_due:
            return
        self.side_files_due = False
        out = self.out
        side_files.rebuild(self.ledger, out / "html", out / "logs", self.code)
        with self.interrupts.critical():
            self.ledger.write()

    def record_changes(self) -> dict[str, list[str]]:
        """Each report's note of what changed since the previous build (lib.run.changes);
        results that cannot be read give no note (the reports still run)."""
        from lib.run import changes

        key = cache.sha256_bytes(
            json.dumps({"data": self.fp.data_version, "code": self.code}, sort_keys=True).encode()
        )
        try:
            notes = changes.record_changes(
                self.out, self.pdir, [(s.report_id, s.kind) for s in self.specs],
                key=key, data_version=self.fp.data_version,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 (results that cannot be read: no note, the reports still run)
            line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.ledger.run["changes"] = f"what changed could not be worked out: {line}"
            return {}
        return {rid: changes.note_lines(n) for rid, n in notes.items() if n}

    def plan(self, nb_dir: Path, html_dir: Path) -> tuple[list[dict[str, Any]], list[ReportResult]]:
        """The jobs to run and the previous results to reuse (inputs unchanged, outputs intact)."""
        settings = self.settings
        titles: dict[Path, str] = {}
        cell_ids: dict[Path, list[str]] = {}
        jobs, reused = [], []
        # what a page's rendering depends on besides its cells, title and chrome (lib.run.rendered_pages)
        render_key = cache.sha256_bytes(
            json.dumps({"code": self.code, "environment": self.env, "settings": settings.report_settings},
                       sort_keys=True).encode()
        )  # fmt: skip
        for s in self.specs:
            if s.notebook not in titles:
                titles[s.notebook] = _notebook_title(s.notebook, f"{s.kind.capitalize()} report")
                cell_ids[s.notebook] = _cell_ids(s.notebook)
            # <title>: the notebook's metadata title (or first heading), then the
            # authority's display name; plain text, escaped by the template.
            title = titles[s.notebook] if s.kind == "programme" else f"{titles[s.notebook]}: {s.display_name}"
            key = cache.input_key(
                notebook_sha256=s.notebook_sha256,
                code=self.code,
                environment=self.env,
                data=self.data_inputs(s),
                parameters=s.parameters,
                settings=settings.report_settings,
                title=title,
                changes=self.ledger.changes.get(s.report_id, ()),
            )
            previous = self.ledger.entries.get(s.report_id)
            if previous is not None:
                previous.cached = False
            if not self.force and cache.reusable(self.out, previous, key):
                reused.append(previous)
                continue
            jobs.append({
                "id": s.report_id, "notebook": str(s.notebook), "parameters": s.parameters, "cwd": str(self.root),
                "notebook_out": str(nb_dir / f"{s.report_id}.ipynb"), "html_out": str(html_dir / f"{s.report_id}.html"),
                "keep_code": settings.keep_code, "title": title, "kernel_name": self.kernel_name,
                "timeout": settings.timeout, "node_modules": str(self.nm) if self.nm else None,
                "source_cell_ids": cell_ids[s.notebook], "input_hash": key,
                "threshold": settings.disclosure_threshold, "changes": self.ledger.changes.get(s.report_id, []),
                "render_key": render_key, "force": self.force,
            })  # fmt: skip
        return jobs, reused

    def start_progress_bar(self, n_jobs: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(
            total=n_jobs,
            unit="report",
            file=sys.stderr,
            desc="reports",
            delay=0.5,
            bar_format="{desc}: {n}/{total} {bar} [{elapsed} elapsed, {remaining} left, {rate_inv_fmt}]{postfix}",
        )

    def execute(self, jobs: list[dict[str, Any]], log_dir: Path, progress: bool) -> None:
        """Run ``jobs`` on the Dask cluster or on local worker processes, recording each result."""
        settings = self.settings
        if self.executor is not None:
            if progress and jobs:
                self.start_progress_bar(len(jobs))
            self.write_side_files()
            self.executor.run(jobs, record=self.record, pdir=self.pdir, root=self.root)
            return
        if not jobs:
            self.write_side_files()
            return
        ctx = pool.fork_context()  # before tqdm's monitor thread would start
        fork_notebooks = sorted({j["notebook"] for j in jobs}) if self.fork_kernels else None
        if fork_notebooks and ctx.get_start_method() == "fork":
            from lib.run import zygote

            zygote.preload([Path(n) for n in fork_notebooks])  # the workers' zygotes inherit the imports
        if progress:
            self.start_progress_bar(len(jobs))
        initargs = (
            settings.keep_code,
            str(self.nm) if self.nm else None,
            str(log_dir / "kernels.log"),
            settings.disclosure_threshold,
        )
        pool.run_local(
            jobs,
            workers=min(settings.workers, len(jobs)),
            initargs=initargs,
            record=self.record,
            ctx=ctx,
            fork_notebooks=fork_notebooks,
            executor_class=ProcessPoolExecutor,
            task=execute_report,
            background=self.write_side_files,  # while the first reports run, at a lower priority (pool.lower_priority)
        )
        self.write_side_files()  # (when the pool never started)

    def close(self, jobs: list[dict[str, Any]], interrupted: bool) -> None:
        """Record every job that did not finish as cancelled and write the ledger's last state."""
        self.interrupts.stopping = True
        if self.bar:
            self.bar.close()
        remove_temp_files(self.out)
        for job in jobs:
            if job["id"] not in self.attempts:
                self.record(
                    job,
                    pool.unrun(
                        "cancelled",
                        "run interrupted before this report finished" if interrupted else "not run",
                    ),
                )
        self.ledger.run.update(finished_at=utc_now(), state="interrupted" if interrupted else "complete")
        self.ledger.write()
        chart_cache.prune_charts(chart_cache_dir(self.out))  # keeps the images used most recently

    def go(self, progress: bool, t_start: float) -> BatchResult:
        out = self.out
        nb_dir, html_dir, log_dir = out / "notebooks", out / "html", out / "logs"
        for d in (nb_dir, html_dir, log_dir):
            d.mkdir(exist_ok=True)
        ledger = self.open_ledger(html_dir, log_dir)
        jobs, reused = self.plan(nb_dir, html_dir)
        for entry in reused:
            entry.cached = True
            self.attempts[entry.id] = entry
        ledger.run.update(reused=len(reused), rebuilt=len(jobs), forced=self.force)
        ledger.write()
        interrupted = False
        try:
            self.execute(jobs, log_dir, progress)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            self.close(jobs, interrupted)
        if interrupted:
            raise KeyboardInterrupt
        return BatchResult(
            output_dir=out, results=[self.attempts[s.report_id] for s in self.specs],
            data_version=self.fp.data_version, manifest_path=ledger.manifest_path, index_path=out / "index.html",
            html_index_path=html_dir / "index.html", wall_s=round(time.perf_counter() - t_start, 3),
        )  # fmt: skip

    def record(self, job: dict[str, Any], raw: dict[str, Any]) -> ReportResult:
        """Commit one report's result: its files move into place, then the
        manifest and the index are rewritten (never interrupted half-way)."""
        s = self.by_id[job["id"]]
        staged = raw.get("staged") or {}
        fresh = ReportResult(
            id=s.report_id, kind=s.kind, display_name=s.display_name, parameters=s.parameters,
            inputs={"notebook": {"path": param_path(s.notebook, self.root), "sha256": s.notebook_sha256},
                    "processed_dir": {"path": s.parameters["processed_dir"], "files": self.data_inputs(s)},
                    "code": self.code, "environment": self.env, "title": job["title"]},
            input_hash=job["input_hash"], data_version=self.fp.data_version, started_at=raw["started_at"],
            finished_at=raw["finished_at"], duration_s=raw["duration_s"], status=raw["status"],
            error=raw["error"], outputs={}, timings=raw.get("timings", {}), settings=self.settings.report_settings,
            output_sha256={k: cache.sha256_file(Path(v)) for k, v in staged.items() if v},
            changes=list(job.get("changes") or []),
        )  # fmt: skip
        with self.interrupts.critical():
            entry = self.ledger.commit(fresh, staged)
            self.ledger.write()
            # inside: an interrupt held until the section ends must not see the report as unfinished
            self.attempts[job["id"]] = fresh
        if self.bar:
            self.bar.set_postfix_str(f"{job['id']} {raw['status']}", refresh=False)
            self.bar.update(1)
        return entry


def format_summary(result: BatchResult) -> str:
    rows = [
        (r.id, "cached" if r.cached and r.ok else r.status, f"{r.duration_s:.1f}") for r in result.results
    ]
    w_id = max([len("report")] + [len(r[0]) for r in rows])
    w_st = max(len("status"), 6)
    lines = [f"{'report':<{w_id}}  {'status':<{w_st}}  {'seconds':>7}"]
    lines.append(f"{'-' * w_id}  {'-' * w_st}  {'-' * 7}")
    lines += [f"{i:<{w_id}}  {s:<{w_st}}  {t:>7}" for i, s, t in rows]
    n_fail = len(result.failed)
    n_cached = sum(1 for r in result.results if r.cached and r.ok)
    lines.append(
        f"{len(rows)} reports, {len(rows) - n_fail} ok, {n_fail} failed in {result.wall_s:.1f} s "
        f"({n_cached} cached: inputs unchanged); "
        f"index: {result.index_path}"
    )
    for r in result.failed:
        lines.append(f"failed: {r.id}: {r.error}")
    return "\n".join(lines)
