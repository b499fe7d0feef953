"""Batch runner: execute and render every report of a run.

One programme report (``notebooks/programme_report.ipynb``, id ``programme``)
and one authority report per local authority
(``notebooks/authority_report.ipynb``, id = ``authority_id``) are executed
with papermill and rendered to offline HTML (:mod:`lib.render`) by a pool of
long-lived worker processes that import papermill and nbconvert once. Every
report still gets a fresh kernel.

Outputs (under ``--output-dir``, default ``outputs/``)::

    notebooks/<id>.ipynb     executed notebooks (failed ones keep their error)
    html/<id>.html           one self-contained offline page per report
    html/index.html          index with relative links (zip html/ and go)
    html/data_quality_log.csv  copy of <out>/data_quality_log.csv, if any
    index.html               the same index, links pointing into html/
    manifest.json            ids, parameters, input hashes, timings, status

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
reproducible (:mod:`lib.execution`): the same inputs give the same bytes,
apart from ``metadata.workbook.built_at`` in the notebook.

CLI: ``python -m lib.batch --help``. Python: :func:`run_batch`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib.run.outputs import (  # noqa: F401  (atomic writes and ReportResult: public names of lib.batch too)
    DATA_QUALITY_LOG,
    MANIFEST_VERSION,
    PROGRAMME_ID,
    Ledger,
    OutputBusyError,
    OutputLock,
    ReportResult,
    atomic_copy,
    atomic_write_bytes,
    atomic_write_text,
    param_path,
    remove_temp_files,
    utc_now,
)
from lib.workers import (  # noqa: F401
    _error_summary,
    _is_infrastructure_error,
    _worker_init,
    execute_report,
    kill_pool,
)

from lib.config import PROJECT_ROOT  # noqa: E402
PROGRAMME_NOTEBOOK = Path("notebooks/programme_report.ipynb")
AUTHORITY_NOTEBOOK = Path("notebooks/authority_report.ipynb")
AUTHORITIES_CSV = "authorities.csv"

# Report ids become file names: keep them to lower-case slugs.
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class BatchError(Exception):
    """Invalid parameters or inputs, found before any kernel starts.

    ``problems``: one line per problem (printed as ``error: <line>``)."""

    def __init__(self, *problems: str):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


# ---------------------------------------------------------------------------
# Planning (cheap; no papermill/nbconvert imports)
# ---------------------------------------------------------------------------


@dataclass
class ReportSpec:
    report_id: str
    kind: str  # "programme" | "authority"
    display_name: str
    notebook: Path  # absolute
    parameters: dict[str, Any]
    notebook_sha256: str = ""


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


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_data_dir(processed_dir: Path) -> tuple[dict[str, str], str]:
    """sha256 of every file under processed_dir, and a combined data version.

    Hidden files (``.gitkeep``, editor/temp files) are skipped. The data
    version is the sha256 of the sorted ``relpath\\0sha256`` lines.
    """
    files: dict[str, str] = {}
    for p in sorted(processed_dir.rglob("*")):
        rel = p.relative_to(processed_dir)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
            files[rel.as_posix()] = sha256_file(p)
    combined = hashlib.sha256()
    for rel, digest in files.items():
        combined.update(f"{rel}\0{digest}\n".encode())
    return files, combined.hexdigest()


def read_authorities(processed_dir: Path) -> dict[str, str]:
    """authority_id -> display name, from <processed_dir>/authorities.csv."""
    path = processed_dir / AUTHORITIES_CSV
    if not path.is_file():
        raise BatchError(f"{path} not found; build the processed data first (make data)")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if "authority_id" not in (reader.fieldnames or []):
            raise BatchError(f"{path} has no 'authority_id' column")
        out: dict[str, str] = {}
        for row in reader:
            aid = (row.get("authority_id") or "").strip()
            if not aid:
                continue
            name = (row.get("authority") or "").strip() or aid
            out[aid] = name
    if not out:
        raise BatchError(f"{path} lists no authorities")
    return out


_param_path = param_path


def _abs(path: str | os.PathLike, base: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (base / p)


def plan_reports(
    authorities: Sequence[str] | None = None,
    *,
    include_programme: bool = True,
    processed_dir: str | os.PathLike = "data/processed",
    project_root: str | os.PathLike = PROJECT_ROOT,
    programme_notebook: str | os.PathLike = PROGRAMME_NOTEBOOK,
    authority_notebook: str | os.PathLike = AUTHORITY_NOTEBOOK,
) -> tuple[list[ReportSpec], dict[str, str]]:
    """Validate parameters and list the reports to run. Raises BatchError."""
    root = Path(project_root).resolve()
    pdir = _abs(processed_dir, root)
    if not pdir.is_dir():
        raise BatchError(f"processed data directory {pdir} not found; build it first (make data)")
    names = read_authorities(pdir)
    valid = sorted(names)
    bad_slugs = [a for a in valid if not _SLUG.match(a)]
    if authorities is None:
        selected = valid
    else:
        selected = list(dict.fromkeys(a.strip() for a in authorities if a.strip()))
        if authorities and not selected:  # e.g. --authorities '' (an empty list: programme only)
            raise BatchError("--authorities is empty; give authority ids separated by commas, "
                             "or leave the option out for every authority")
        unknown = [a for a in selected if a not in names]
        if unknown:
            which = ", ".join(repr(a) for a in unknown)
            noun = "authority" if len(unknown) == 1 else "authorities"
            raise BatchError(f"unknown {noun} {which}; valid ids: {', '.join(valid)}")
        if not selected and not include_programme:
            raise BatchError("no reports selected")
    bad = [a for a in selected if a in bad_slugs]
    if bad:
        raise BatchError(
            f"invalid authority id {bad[0]!r} in {pdir / AUTHORITIES_CSV}: "
            "ids must be lower-case slugs (a-z, 0-9, '-')"
        )
    if not selected and not include_programme:
        raise BatchError("no reports selected")
    pnb = _abs(programme_notebook, root)
    anb = _abs(authority_notebook, root)
    needed = ([pnb] if include_programme else []) + ([anb] if selected else [])
    for nb in needed:
        if not nb.is_file():
            raise BatchError(f"notebook {nb} not found")
    pparam = _param_path(pdir, root)
    specs: list[ReportSpec] = []
    if include_programme:
        specs.append(
            ReportSpec(PROGRAMME_ID, "programme", "Programme report", pnb.resolve(), {"processed_dir": pparam})
        )
    for aid in selected:
        specs.append(
            ReportSpec(
                aid, "authority", names[aid], anb.resolve(), {"processed_dir": pparam, "authority_id": aid}
            )
        )
    return specs, names


def render_index(results: Iterable[ReportResult], **kwargs: Any) -> str:
    """The index page (:func:`lib.render.render_index`)."""
    from lib.run.index import render_index as _render_index

    return _render_index(results, **kwargs)


# ---------------------------------------------------------------------------
# Settings and preflight (before any kernel starts; changes nothing)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Every setting of a run, parsed and checked once by :func:`preflight`.

    ``report_settings`` are the ones that change a report's content: they
    are recorded per report in the manifest and enter its input hash.
    """

    disclosure_threshold: int
    keep_code: bool
    timeout: int | None
    workers: int

    @property
    def report_settings(self) -> dict[str, Any]:
        return {"disclosure_threshold": self.disclosure_threshold, "keep_code": self.keep_code}


def _check_output_dir(out: Path) -> list[str]:
    """Problems with writing into ``out`` (created later if missing)."""
    if out.exists() and not out.is_dir():
        return [f"--output-dir {out} is a file, not a directory"]
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return [f"--output-dir {out} cannot be created: {probe} is a file, not a directory"]
    dirs = [d for d in (out, out / "notebooks", out / "html", out / "logs") if d.is_dir()] or [probe]
    problems = []
    for d in dirs:
        try:
            fd, tmp = tempfile.mkstemp(prefix=".write-probe.", suffix=".tmp", dir=d)
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            what = "cannot be created in" if d == probe and d != out else "is not writable:"
            problems.append(f"--output-dir {out} {what} {d} ({exc.strerror or exc})")
    return problems


def preflight(
    authorities: Sequence[str] | None,
    *,
    include_programme: bool,
    workers: int | None,
    output_dir: Path,
    processed_dir: Path,
    root: Path,
    programme_notebook: Path,
    authority_notebook: Path,
    keep_code: bool,
    timeout: int | None,
    disclosure_threshold: int | None,
    node_modules: Path | None,
    check_assets: bool,
) -> tuple[list[ReportSpec], Settings]:
    """Check every parameter and setting; raise one BatchError listing every problem."""
    problems: list[str] = []
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0):
        problems.append(f"--timeout must be a whole number of seconds greater than 0, got {timeout!r}")
    if workers is not None and workers < 1:
        problems.append(f"--workers must be at least 1, got {workers}")
    threshold = 0
    try:
        from lib.analysis.disclosure import disclosure_threshold as _threshold

        threshold = _threshold(disclosure_threshold)
    except ValueError as exc:
        problems.append(str(exc))
    specs: list[ReportSpec] = []
    try:
        specs, _ = plan_reports(
            authorities, include_programme=include_programme, processed_dir=processed_dir,
            project_root=root, programme_notebook=programme_notebook, authority_notebook=authority_notebook,
        )  # fmt: skip
    except BatchError as exc:
        problems.extend(exc.problems)
    problems.extend(_check_output_dir(output_dir))
    if check_assets and not problems:  # an install step: reported once the arguments are right
        from lib.run import render

        try:
            render.check_assets(node_modules)
        except render.AssetsMissingError as exc:
            problems.append(str(exc))
    if problems:
        raise BatchError(*problems)
    n_workers = min(workers or _default_workers(len(specs)), len(specs))
    return specs, Settings(disclosure_threshold=threshold, keep_code=keep_code, timeout=timeout, workers=n_workers)


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


def _default_workers(n_reports: int) -> int:
    return max(1, min(os.cpu_count() or 1, n_reports))


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
) -> BatchResult:
    """Execute and render the reports; keep manifest, index and disk in step.

    Relative ``output_dir``/``processed_dir``/notebook paths are taken from
    ``project_root`` (the notebooks run with cwd = project_root). Raises
    :class:`BatchError` (before any kernel starts, changing nothing) listing
    every invalid parameter or setting. ``disclosure_threshold`` defaults to
    ``$EVAL_DISCLOSURE_THRESHOLD`` (else 10). Report failures do not raise:
    see ``BatchResult.failed`` / ``exit_code``. An interrupt (Ctrl-C,
    SIGTERM) stops every kernel, records what is on disk and re-raises
    KeyboardInterrupt.
    """
    t_start = time.perf_counter()
    root = Path(project_root).resolve()
    out = _abs(output_dir, root).resolve()
    pdir = _abs(processed_dir, root).resolve()
    nm = Path(node_modules) if node_modules else None
    specs, settings = preflight(
        authorities, include_programme=include_programme, workers=workers, output_dir=out,
        processed_dir=_abs(processed_dir, root), root=root,
        programme_notebook=_abs(programme_notebook, root), authority_notebook=_abs(authority_notebook, root),
        keep_code=keep_code, timeout=timeout, disclosure_threshold=disclosure_threshold, node_modules=nm,
        check_assets=check_assets,
    )  # fmt: skip

    data_files, data_version = hash_data_dir(pdir)
    nb_hashes: dict[Path, str] = {}
    for s in specs:
        if s.notebook not in nb_hashes:
            nb_hashes[s.notebook] = sha256_file(s.notebook)
        s.notebook_sha256 = nb_hashes[s.notebook]

    out.mkdir(parents=True, exist_ok=True)
    try:
        lock = OutputLock(out).__enter__()
    except OutputBusyError as exc:
        raise BatchError(str(exc)) from None
    try:
        with _Interrupts() as interrupts:
            return _run_locked(specs, settings, out, root, pdir, data_files, data_version, nm, kernel_name,
                               progress, interrupts, t_start)
    finally:
        lock.__exit__(None, None, None)


def _run_locked(specs, settings, out, root, pdir, data_files, data_version, nm, kernel_name, progress,
                interrupts, t_start) -> BatchResult:
    nb_dir, html_dir, log_dir = out / "notebooks", out / "html", out / "logs"
    for d in (nb_dir, html_dir, log_dir):
        d.mkdir(exist_ok=True)
    remove_temp_files(out)  # left by a run that was killed
    ledger = Ledger(out, root, settings, data_version, pdir, [s.report_id for s in specs])
    ledger.load_previous()
    ledger.write_side_files(html_dir)
    ledger.write()

    base_titles: dict[Path, str] = {}
    cell_ids: dict[Path, list[str]] = {}
    for s in specs:
        if s.notebook not in base_titles:
            base_titles[s.notebook] = _notebook_title(s.notebook, f"{s.kind.capitalize()} report")
            cell_ids[s.notebook] = _cell_ids(s.notebook)
    by_id = {s.report_id: s for s in specs}
    jobs = []
    for s in specs:
        # <title>: the notebook's metadata title (or first heading), then the
        # authority's display name; plain text, escaped by the template.
        title = base_titles[s.notebook] if s.kind == "programme" else f"{base_titles[s.notebook]}: {s.display_name}"
        jobs.append({
            "id": s.report_id, "notebook": str(s.notebook), "parameters": s.parameters, "cwd": str(root),
            "notebook_out": str(nb_dir / f"{s.report_id}.ipynb"), "html_out": str(html_dir / f"{s.report_id}.html"),
            "keep_code": settings.keep_code, "title": title, "kernel_name": kernel_name,
            "timeout": settings.timeout, "node_modules": str(nm) if nm else None,
            "source_cell_ids": cell_ids[s.notebook],
        })  # fmt: skip

    def record(job: dict[str, Any], raw: dict[str, Any]) -> ReportResult:
        s = by_id[job["id"]]
        ih = hashlib.sha256(json.dumps(
            {"notebook": s.notebook_sha256, "data": data_version, "parameters": s.parameters,
             "settings": settings.report_settings}, sort_keys=True).encode()).hexdigest()
        fresh = ReportResult(
            id=s.report_id, kind=s.kind, display_name=s.display_name, parameters=s.parameters,
            inputs={"notebook": {"path": _param_path(s.notebook, root), "sha256": s.notebook_sha256},
                    "processed_dir": {"path": s.parameters["processed_dir"], "files": data_files}},
            input_hash=ih, data_version=data_version, started_at=raw["started_at"],
            finished_at=raw["finished_at"], duration_s=raw["duration_s"], status=raw["status"],
            error=raw["error"], outputs={}, timings=raw.get("timings", {}), settings=settings.report_settings,
        )  # fmt: skip
        with interrupts.critical():
            entry = ledger.commit(fresh, raw.get("staged") or {})
            ledger.write()
        attempts[job["id"]] = fresh
        return entry

    def unrun(job: dict[str, Any], status: str, error: str | None) -> dict[str, Any]:
        now = utc_now()
        return {"started_at": now, "finished_at": now, "duration_s": 0.0, "status": status, "error": error}

    import multiprocessing as mp

    # fork: workers inherit the parent's imports (papermill, nbconvert: ~1 s
    # per process otherwise). Pools are created and jobs submitted before
    # tqdm starts its monitor thread. Elsewhere: the default context.
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    if ctx.get_start_method() == "fork":
        import nbformat  # noqa: F401
        import papermill  # noqa: F401

        from lib import execution  # noqa: F401
        from lib.run import render  # noqa: F401

    attempts: dict[str, ReportResult] = {}
    pending: deque[dict[str, Any]] = deque(jobs)
    breaks: dict[str, int] = {}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="report", file=sys.stderr, desc="reports", delay=0.5)
    pool: ProcessPoolExecutor | None = None
    interrupted = False
    try:
        while pending:
            started = ctx.SimpleQueue()
            pool = ProcessPoolExecutor(
                max_workers=settings.workers, mp_context=ctx, initializer=_worker_init,
                initargs=(settings.keep_code, str(nm) if nm else None, str(log_dir / "kernels.log"),
                          settings.disclosure_threshold, started),
            )  # fmt: skip
            procs: dict[int, Any] = {}
            inflight: dict[Future, dict[str, Any]] = {}
            broken: list[dict[str, Any]] = []
            while (pending or inflight) and not broken:
                # one job queued beyond the workers, so none waits on the commit of another
                while pending and len(inflight) < settings.workers + 1:
                    job = pending.popleft()
                    inflight[pool.submit(execute_report, job)] = job
                    procs.update(getattr(pool, "_processes", None) or {})
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = inflight.pop(fut)
                    try:
                        raw = fut.result()
                    except BrokenProcessPool:
                        broken.append(job)
                        continue
                    except Exception as exc:  # a result that could not be sent back
                        raw = unrun(job, "failed", f"worker error: {_error_summary(exc)}")
                    record(job, raw)
                    if bar:
                        bar.set_postfix_str(f"{job['id']} {raw['status']}", refresh=False)
                        bar.update(1)
            if not broken:
                pool.shutdown(wait=True)
                pool = None
                break
            # A worker died (killed, out of memory). Every report it had in
            # flight failed with BrokenProcessPool, including ones that never
            # started there; find the one whose worker died on its own.
            for fut, job in inflight.items():
                try:
                    record(job, fut.result(timeout=30))
                except BaseException:
                    broken.append(job)
            pool.shutdown(wait=True)
            pool = None
            ran_on: dict[int, str] = {}
            while not started.empty():
                rid, pid = started.get()
                ran_on[pid] = rid
            culprits = {ran_on[pid]: p.exitcode for pid, p in procs.items()
                        if pid in ran_on and p.exitcode not in (None, 0, -15)}
            for job in sorted(broken, key=lambda j: jobs.index(j), reverse=True):
                rid = job["id"]
                breaks[rid] = breaks.get(rid, 0) + (1 if rid in culprits or not culprits else 0)
                if rid in culprits or breaks[rid] >= 2:
                    code = culprits.get(rid)
                    how = f"killed by signal {-code}" if code is not None and code < 0 else "exited"
                    record(job, unrun(job, "failed", f"worker process died while running this report "
                                                    f"({how}; out of memory?)"))
                    if bar:
                        bar.update(1)
                else:
                    pending.appendleft(job)  # never started, or lost with the dead worker's neighbour
    except KeyboardInterrupt:
        interrupted = True
        interrupts.stopping = True
        if pool is not None:
            kill_pool(pool)
    finally:
        if bar:
            bar.close()
        interrupts.stopping = True
        remove_temp_files(out)
        for job in jobs:
            if job["id"] not in attempts:
                record(job, unrun(job, "cancelled", "run interrupted before this report finished"
                                  if interrupted else "not run"))
        ledger.run.update(finished_at=utc_now(), state="interrupted" if interrupted else "complete")
        ledger.write()
    if interrupted:
        raise KeyboardInterrupt
    return BatchResult(
        output_dir=out,
        results=[attempts[s.report_id] for s in specs],
        data_version=data_version,
        manifest_path=ledger.manifest_path,
        index_path=out / "index.html",
        html_index_path=html_dir / "index.html",
        wall_s=round(time.perf_counter() - t_start, 3),
    )


def format_summary(result: BatchResult) -> str:
    rows = [(r.id, r.status, f"{r.duration_s:.1f}") for r in result.results]
    w_id = max([len("report")] + [len(r[0]) for r in rows])
    w_st = max(len("status"), 6)
    lines = [f"{'report':<{w_id}}  {'status':<{w_st}}  {'seconds':>7}"]
    lines.append(f"{'-' * w_id}  {'-' * w_st}  {'-' * 7}")
    lines += [f"{i:<{w_id}}  {s:<{w_st}}  {t:>7}" for i, s, t in rows]
    n_fail = len(result.failed)
    lines.append(
        f"{len(rows)} reports, {len(rows) - n_fail} ok, {n_fail} failed in {result.wall_s:.1f} s; "
        f"index: {result.index_path}"
    )
    for r in result.failed:
        lines.append(f"failed: {r.id}: {r.error}")
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m lib.batch",
        description=(
            "Execute the programme report and one report per local authority with papermill, "
            "render each to a self-contained offline HTML page, and write an index and a manifest. "
            "The disclosure threshold comes from $EVAL_DISCLOSURE_THRESHOLD (default 10)."
        ),
    )
    p.add_argument(
        "--authorities",
        metavar="ID[,ID...]",
        help="comma-separated authority ids (default: all in <processed-dir>/authorities.csv)",
    )
    p.add_argument("--no-programme", action="store_true", help="skip the programme report")
    p.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: CPUs, at most the number of reports)"
    )
    p.add_argument("--output-dir", default="outputs", metavar="DIR", help="default: %(default)s")
    p.add_argument("--processed-dir", default="data/processed", metavar="DIR", help="default: %(default)s")
    p.add_argument("--keep-code", action="store_true", help="show code cells in the HTML (default: hidden)")
    p.add_argument(
        "--timeout", type=int, default=600, metavar="S",
        help="per-cell execution timeout in seconds, greater than 0 (default: %(default)s)",
    )  # fmt: skip
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar on stderr")
    p.add_argument("--programme-notebook", default=str(PROGRAMME_NOTEBOOK), help=argparse.SUPPRESS)
    p.add_argument("--authority-notebook", default=str(AUTHORITY_NOTEBOOK), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    cwd = Path.cwd()
    authorities = None if args.authorities is None else args.authorities.split(",")
    try:
        result = run_batch(
            authorities,
            include_programme=not args.no_programme,
            workers=args.workers,
            output_dir=_abs(args.output_dir, cwd),
            processed_dir=_abs(args.processed_dir, cwd),
            keep_code=args.keep_code,
            progress=not args.quiet,
            programme_notebook=_abs(args.programme_notebook, cwd),
            authority_notebook=_abs(args.authority_notebook, cwd),
            timeout=args.timeout,
        )
    except BatchError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: queued reports cancelled, running ones stopped; "
              "manifest and index describe the pages on disk", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        return 3
    print(format_summary(result))
    return result.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
