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
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROGRAMME_NOTEBOOK = Path("notebooks/programme_report.ipynb")
AUTHORITY_NOTEBOOK = Path("notebooks/authority_report.ipynb")
PROGRAMME_ID = "programme"
AUTHORITIES_CSV = "authorities.csv"
DATA_QUALITY_LOG = "data_quality_log.csv"
MANIFEST_VERSION = 1

# Report ids become file names: keep them to lower-case slugs.
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class BatchError(Exception):
    """Invalid parameters or inputs, found before any kernel starts.

    ``problems``: one line per problem (printed as ``error: <line>``)."""

    def __init__(self, *problems: str):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to a temp file next to ``path`` and rename it into place.

    Readers see either the old file or the complete new one, never a partial
    one; on any exception the temp file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_copy(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    return atomic_write_bytes(dst, Path(src).read_bytes())


def _temp_path(path: Path) -> Path:
    """A unique temp name in ``path``'s directory (for writers we don't own)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    return Path(tmp)


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

    @property
    def ok(self) -> bool:
        return self.status == "ok" and not self.stale


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


def _param_path(path: Path, project_root: Path) -> str:
    """Path as the notebook should see it: relative to the project root if inside."""
    try:
        return path.resolve().relative_to(project_root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


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
    from lib.render import render_index as _render_index

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
        from lib.disclosure import disclosure_threshold as _threshold

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
        from lib import render

        try:
            render.check_assets(node_modules)
        except render.AssetsMissingError as exc:
            problems.append(str(exc))
    if problems:
        raise BatchError(*problems)
    n_workers = min(workers or _default_workers(len(specs)), len(specs))
    return specs, Settings(disclosure_threshold=threshold, keep_code=keep_code, timeout=timeout, workers=n_workers)


# ---------------------------------------------------------------------------
# Temp files and the output-folder lock
# ---------------------------------------------------------------------------

# atomic_write_bytes: .<name>.<random>.tmp ; _temp_path: .<stem>.<random>.tmp<suffix>
_TEMP_NAME = re.compile(r"^\.[^/]+\.[A-Za-z0-9_]+\.tmp(\.[A-Za-z0-9]+)?$")


def remove_temp_files(out: Path) -> list[Path]:
    """Delete temp files a run left in ``out`` (killed mid-write); return them."""
    removed = []
    for d in (out, out / "notebooks", out / "html"):
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


class _OutputLock:
    """An exclusive flock on the output folder: one batch writes there at a time."""

    def __init__(self, out: Path):
        self.out = out
        self.fd: int | None = None

    def __enter__(self) -> _OutputLock:
        import fcntl

        self.fd = os.open(self.out, os.O_RDONLY)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise BatchError(f"another batch run is writing to {self.out}; wait for it to finish") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the lock


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
# Worker side
# ---------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the batch process dies
    (its kernels follow: ipykernel exits when its parent is gone)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_init(keep_code: bool, node_modules: str | None, stderr_log: str | None = None,
                 threshold: int | None = None, started: Any = None) -> None:
    """Pool initializer: import papermill/nbconvert and build the exporter once.

    ``stderr_log``: the worker's stderr (inherited by its kernels, whose
    start-up warnings would otherwise garble the progress bar) is appended
    to this file. ``threshold``: the checked disclosure threshold, passed to
    the kernels through their environment. ``started``: a queue on which
    the worker announces ``(report id, pid)`` when it starts a report.
    """
    import faulthandler
    import logging
    import signal
    import warnings

    import nbformat  # noqa: F401

    from lib import execution, render  # noqa: F401

    _die_with_parent()
    # Ctrl-C in a terminal reaches the whole process group: the batch
    # process decides what stops (kernels run in their own session).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if stderr_log:
        fd = os.open(stderr_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    # `kill -USR1 <worker pid>` dumps every thread's stack to the log.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    if threshold is not None:
        from lib.disclosure import THRESHOLD_ENV_VAR

        os.environ[THRESHOLD_ENV_VAR] = str(threshold)
    _WORKER["started"] = started
    _WORKER["exporter"] = render.make_exporter(
        keep_code=keep_code, node_modules=Path(node_modules) if node_modules else None
    )


def _error_summary(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename is not None:  # papermill.PapermillExecutionError
        evalue = str(getattr(exc, "evalue", "")).strip()
        where = getattr(exc, "exec_count", None)
        cell = f" (cell [{where}])" if where is not None else ""
        msg = f"{ename}: {evalue}{cell}"
    else:
        msg = f"{type(exc).__name__}: {exc}".strip()
    msg = " ".join(msg.split())
    return msg if len(msg) <= 500 else msg[:497] + "..."


def _is_infrastructure_error(exc: BaseException) -> bool:
    """Kernel death or a timeout, as opposed to an error raised by a cell."""
    if getattr(exc, "ename", None) is not None:  # PapermillExecutionError: the report's own error
        return False
    names = {t.__name__ for t in type(exc).__mro__}
    return bool(names & {"DeadKernelError", "CellTimeoutError", "TimeoutError"}) or (
        isinstance(exc, RuntimeError) and "Kernel" in str(exc)
    )


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def execute_report(job: dict[str, Any]) -> dict[str, Any]:
    """Execute one report with papermill and render it. Runs in a worker.

    Writes nothing under its final name: the executed notebook and the page
    are left in temp files next to their targets (``staged``), which the
    batch process moves into place and records in the manifest in one step.
    Never raises for a report failure: returns status "failed" and the error
    summary. A notebook that failed in a cell is kept (with the error) and
    rendered like any other; a dead kernel or a timeout is retried once with
    a fresh kernel.
    """
    import nbformat

    from lib import execution, render

    if not _WORKER:
        _worker_init(job["keep_code"], job.get("node_modules"))
    if _WORKER.get("started") is not None:
        _WORKER["started"].put((job["id"], os.getpid()))
    exporter = _WORKER["exporter"]
    nb_out, html_out = Path(job["notebook_out"]), Path(job["html_out"])
    started_at = _utc_now()
    t0 = time.perf_counter()
    error: str | None = None
    infrastructure = False
    timings: dict[str, Any] = {}
    tmp_nb = _temp_path(nb_out)
    tmp_html: Path | None = None
    have_nb = False
    try:
        for attempt in (1, 2):
            try:
                execution.execute(job["notebook"], str(tmp_nb), parameters=job["parameters"], cwd=job["cwd"],
                                  kernel_name=job.get("kernel_name", "python3"), timeout=job.get("timeout"))
                error, infrastructure = None, False
            except Exception as exc:  # report failure: keep going
                error = _error_summary(exc)
                infrastructure = _is_infrastructure_error(exc)
                if attempt == 1 and infrastructure:
                    # kernel died or a reply never came: one retry with a fresh kernel
                    timings["retried_after"] = error
                    continue
            break
        timings["execute_s"] = round(time.perf_counter() - t0, 3)
        # A kernel that died or timed out twice leaves a half-run notebook:
        # the last good page stays in place instead.
        have_nb = not infrastructure and tmp_nb.is_file() and tmp_nb.stat().st_size > 0
        if have_nb:
            t1 = time.perf_counter()
            nb = nbformat.read(tmp_nb, as_version=4)
            execution.make_reproducible(nb, report_id=job["id"], built_at=_utc_now(),
                                        output_path=f"notebooks/{nb_out.name}",
                                        source_cell_ids=job.get("source_cell_ids", ()))
            nbformat.write(nb, tmp_nb)
            try:
                page = render.render_notebook(nb, None, keep_code=job["keep_code"], title=job["title"],
                                              exporter=exporter)
                tmp_html = _temp_path(html_out)
                tmp_html.write_text(page, encoding="utf-8")
                os.chmod(tmp_html, 0o644)
            except Exception as exc:
                msg = f"render failed: {_error_summary(exc)}"
                error = f"{error}; {msg}" if error else msg
                if tmp_html is not None:
                    tmp_html.unlink(missing_ok=True)
                    tmp_html = None
            timings["render_s"] = round(time.perf_counter() - t1, 3)
            os.chmod(tmp_nb, 0o644)
        else:
            tmp_nb.unlink(missing_ok=True)
    except BaseException:
        tmp_nb.unlink(missing_ok=True)
        if tmp_html is not None:
            tmp_html.unlink(missing_ok=True)
        raise
    return {
        "id": job["id"],
        "started_at": started_at,
        "finished_at": _utc_now(),
        "duration_s": round(time.perf_counter() - t0, 3),
        "status": "failed" if error else "ok",
        "error": error,
        "staged": {"notebook": str(tmp_nb) if have_nb else None, "html": str(tmp_html) if tmp_html else None},
        "timings": timings,
    }


# ---------------------------------------------------------------------------
# The ledger: manifest and index, always in step with the files on disk
# ---------------------------------------------------------------------------

_RESULT_FIELDS = {f.name for f in fields(ReportResult)}


class Ledger:
    """What is on disk, by report id; written as manifest.json and the two
    index pages after every change (each write atomic)."""

    def __init__(self, out: Path, root: Path, settings: Settings, data_version: str, pdir: Path,
                 run_ids: list[str]):
        self.out, self.root, self.settings = out, root, settings
        self.data_version, self.pdir, self.run_ids = data_version, pdir, run_ids
        self.manifest_path = out / "manifest.json"
        self.entries: dict[str, ReportResult] = {}
        self.run = {"started_at": _utc_now(), "finished_at": None, "state": "running"}
        self.dq_href: str | None = None
        self.caveats_href: str | None = None

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
        """The data-quality log and the caveats page the index links to."""
        dq_src = next((p for p in (self.out / DATA_QUALITY_LOG, self.pdir / DATA_QUALITY_LOG) if p.is_file()), None)
        if dq_src is not None:
            atomic_copy(dq_src, html_dir / DATA_QUALITY_LOG)
            self.dq_href = DATA_QUALITY_LOG
        from lib.render import CAVEATS_PAGE, CAVEATS_SOURCE, render_caveats

        if CAVEATS_SOURCE.is_file():
            atomic_write_text(html_dir / CAVEATS_PAGE, render_caveats(CAVEATS_SOURCE))
            self.caveats_href = CAVEATS_PAGE

    def ordered(self) -> list[ReportResult]:
        first = [self.entries[i] for i in self.run_ids if i in self.entries]
        return first + [r for i, r in self.entries.items() if i not in self.run_ids]

    def write(self) -> None:
        from lib.render import render_index

        s = self.settings
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "generated_at": _utc_now(),
            "run": self.run,
            "data_version": self.data_version,
            "processed_dir": _param_path(self.pdir, self.root),
            "settings": {**s.report_settings, "timeout": s.timeout},
            "keep_code": s.keep_code,
            "workers": s.workers,
            "run_report_ids": self.run_ids,
            "reports": [asdict(r) for r in self.ordered()],
        }
        results = self.ordered()
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2) + "\n")
        html_dir = self.out / "html"
        atomic_write_text(html_dir / "index.html", render_index(
            results, prefix="", dq_href=self.dq_href, caveats_href=self.caveats_href))
        atomic_write_text(self.out / "index.html", render_index(
            results, prefix="html/", dq_href=f"html/{self.dq_href}" if self.dq_href else None,
            caveats_href=f"html/{self.caveats_href}" if self.caveats_href else None))

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
            fresh.outputs = {"notebook": f"notebooks/{fresh.id}.ipynb" if nb_tmp else None,
                             "html": f"html/{fresh.id}.html" if html_tmp else None}
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


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def _notebook_title(path: Path, fallback: str) -> str:
    import nbformat

    from lib import render

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


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued reports and stop running ones at once: SIGKILL every
    worker and every kernel it started. Their temp files are swept after."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        psutil = None
    victims = []
    for p in procs:
        if psutil is not None:
            try:
                ps = psutil.Process(p.pid)
                victims += ps.children(recursive=True) + [ps]
            except psutil.Error:
                pass
        else:
            victims.append(p)
    for v in victims:
        try:
            v.kill()
        except Exception:  # already gone
            pass
    if psutil is not None:
        psutil.wait_procs([v for v in victims if isinstance(v, psutil.Process)], timeout=5)
    for p in procs:
        p.join(timeout=5)


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
    with _OutputLock(out), _Interrupts() as interrupts:
        return _run_locked(specs, settings, out, root, pdir, data_files, data_version, nm, kernel_name,
                           progress, interrupts, t_start)


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
        now = _utc_now()
        return {"started_at": now, "finished_at": now, "duration_s": 0.0, "status": status, "error": error}

    import multiprocessing as mp

    # fork: workers inherit the parent's imports (papermill, nbconvert: ~1 s
    # per process otherwise). Pools are created and jobs submitted before
    # tqdm starts its monitor thread. Elsewhere: the default context.
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    if ctx.get_start_method() == "fork":
        import nbformat  # noqa: F401
        import papermill  # noqa: F401

        from lib import execution, render  # noqa: F401

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
                while pending and len(inflight) < settings.workers:
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
            _kill_pool(pool)
    finally:
        if bar:
            bar.close()
        interrupts.stopping = True
        remove_temp_files(out)
        for job in jobs:
            if job["id"] not in attempts:
                record(job, unrun(job, "cancelled", "run interrupted before this report finished"
                                  if interrupted else "not run"))
        ledger.run.update(finished_at=_utc_now(), state="interrupted" if interrupted else "complete")
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
