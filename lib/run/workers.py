"""Worker processes of the batch runner: each executes and renders reports.

Workers are long-lived (papermill, nbconvert and the HTML exporter are
imported or built once per process) but every report gets a fresh kernel.
A worker never writes a final output: it leaves the executed notebook and
the page in temp files next to their targets and returns their names; the
batch process commits them (:class:`lib.run.outputs.Ledger`). A worker dies with
the batch process, and ignores Ctrl-C (the batch process decides what stops).
"""

from __future__ import annotations

import contextlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from lib.run.outputs import CHART_CACHE_ENV, CHART_CACHE_REFRESH, chart_cache_dir, temp_path, utc_now

_WORKER: dict[str, Any] = {}


def worker_init(
    keep_code: bool,
    node_modules: str | None,
    stderr_log: str | None = None,
    threshold: int | None = None,
    started: Any = None,
    fork_notebooks: list[str] | None = None,
) -> None:
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
    import threading
    import warnings

    import nbformat  # noqa: F401

    from lib.run import (
        execution,  # noqa: F401
        render,
        zygote,
    )

    if threading.current_thread() is threading.main_thread():  # a pool worker, not a Dask worker's thread
        zygote.die_with_parent()
        # Ctrl-C in a terminal reaches the whole process group: the batch
        # process decides what stops (kernels run in their own session).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # `kill -USR1 <worker pid>` dumps every thread's stack to the log.
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    if stderr_log:
        fd = os.open(stderr_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    if threshold is not None:
        from lib.analysis.disclosure import THRESHOLD_ENV_VAR

        os.environ[THRESHOLD_ENV_VAR] = str(threshold)
    _WORKER["started"] = started
    _WORKER["keep_code"] = keep_code
    _WORKER["exporter"] = render.make_exporter(
        keep_code=keep_code, node_modules=Path(node_modules) if node_modules else None
    )
    if fork_notebooks:  # --fork-kernels: a warm process forks this worker's kernels (lib.run.zygote)
        zygote.start([Path(p) for p in fork_notebooks])


def error_summary(exc: BaseException) -> str:
    """One line saying what went wrong, at most 500 characters."""
    ename = getattr(exc, "ename", None)
    if ename is not None:  # papermill.PapermillExecutionError
        evalue = str(getattr(exc, "evalue", "")).strip()
        where = getattr(exc, "exec_count", None)
        cell = f" (cell [{where}])" if where is not None else ""
        msg = f"{ename}: {evalue}{cell}"
    elif type(exc).__name__ == "CellTimeoutError":  # nbclient's message goes on to preview the cell
        msg = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
    else:
        msg = f"{type(exc).__name__}: {exc}".strip()
    msg = " ".join(msg.split())
    return msg if len(msg) <= 500 else msg[:497] + "..."


def is_infrastructure_error(exc: BaseException) -> bool:
    """Kernel death or a timeout (retried once), as opposed to an error raised by a cell."""
    if getattr(exc, "ename", None) is not None:  # PapermillExecutionError: the report's own error
        return False
    names = {t.__name__ for t in type(exc).__mro__}
    return bool(names & {"DeadKernelError", "CellTimeoutError", "TimeoutError"}) or (
        isinstance(exc, RuntimeError) and "Kernel" in str(exc)
    )


def _prepare_worker(job: dict[str, Any]) -> None:
    """Set this worker up for ``job`` (a Dask worker has no pool initializer)
    and announce the report on the ``started`` queue."""
    if not _WORKER or _WORKER.get("keep_code") != job["keep_code"]:
        worker_init(
            job["keep_code"],
            job.get("node_modules"),
            threshold=job.get("threshold"),
            started=_WORKER.get("started"),
        )
    # the kernels keep the charts they draw beside the outputs, for the next report or run to reuse
    os.environ[CHART_CACHE_ENV] = str(chart_cache_dir(Path(job["html_out"]).parent.parent))
    os.environ[CHART_CACHE_REFRESH] = "1" if job.get("force") else ""  # --force: every chart drawn afresh
    if job.get("threshold") is not None:
        from lib.analysis.disclosure import THRESHOLD_ENV_VAR

        os.environ[THRESHOLD_ENV_VAR] = str(job["threshold"])
    if _WORKER.get("started") is not None:
        _WORKER["started"].put((job["id"], os.getpid()))


def _execute_with_retry(
    job: dict[str, Any], tmp_nb: Path, timings: dict[str, Any]
) -> tuple[str | None, bool, float]:
    """Run the notebook into ``tmp_nb``; a dead kernel or a timeout is retried
    once with a fresh kernel. Returns the error summary (None: it ran),
    whether that error was the infrastructure's rather than the report's, and
    when the last attempt started (epoch seconds)."""
    from lib.run import execution

    error: str | None = None
    infrastructure = False
    for attempt in (1, 2):
        started = time.time()
        try:
            execution.execute(
                job["notebook"],
                str(tmp_nb),
                parameters=job["parameters"],
                cwd=job["cwd"],
                kernel_name=job.get("kernel_name", "python3"),
                timeout=job.get("timeout"),
            )
            return None, False, started
        except Exception as exc:  # report failure: keep going
            error, infrastructure = error_summary(exc), is_infrastructure_error(exc)
            if attempt == 1 and infrastructure:
                # kernel died or a reply never came: one retry with a fresh kernel
                timings["retried_after"] = error
                continue
            break
    return error, infrastructure, started


def _make_executed_notebook_reproducible(job: dict[str, Any], tmp_nb: Path, started: float, finished: float):
    """Read the executed notebook, note where its time went, make it a
    function of its inputs and write it back; returns it and the time breakdown."""
    import nbformat

    from lib.run import execution

    nb = nbformat.read(tmp_nb, as_version=4)
    breakdown = execution.time_breakdown(nb, started, finished)
    execution.make_reproducible(
        nb,
        report_id=job["id"],
        built_at=utc_now(),
        output_path=f"notebooks/{Path(job['notebook_out']).name}",
        source_cell_ids=job.get("source_cell_ids", ()),
    )
    nbformat.write(nb, tmp_nb)
    return nb, breakdown


def _render_page(job: dict[str, Any], nb) -> tuple[dict[str, Path], str | None]:
    """Render ``nb`` into temp files next to the page: the report's page and, when the
    notebook has cells tagged for it, the interactive explorer's own page
    (:func:`lib.run.render.split_explorer`). Returns them by kind, or {} and why it failed."""
    from lib.run import render, rendered_pages, site

    staged: dict[str, Path] = {}
    try:
        report, explorer = render.split_explorer(nb)
        pages = {"html": (report, job["title"], Path(job["html_out"]))}
        if explorer is not None:
            target = Path(job["html_out"]).with_name(site.EXPLORER_PAGE)
            pages["explorer"] = (explorer, render.explorer_title(job["title"]), target)
        for kind, (notebook, title, target) in pages.items():
            chrome = render.report_chrome(notebook)
            if kind == "html":  # the report's own page says what changed since the previous build
                chrome.changes = tuple(job.get("changes") or ())
            staged[kind] = temp_path(target)
            key = rendered_pages.page_key(job, notebook, title, chrome)
            kept = rendered_pages.lookup(job, key)
            if kept is not None:  # a page rendered before from the same cells, chrome and code
                staged[kind].write_bytes(kept)
            else:
                page = render.render_notebook(
                    notebook,
                    None,
                    keep_code=job["keep_code"],
                    title=title,
                    exporter=_WORKER["exporter"],
                    chrome=chrome,
                )
                staged[kind].write_text(page, encoding="utf-8")
                rendered_pages.keep(job, key, staged[kind])
            os.chmod(staged[kind], 0o644)
        return staged, None
    except BaseException as exc:
        for path in staged.values():
            path.unlink(missing_ok=True)
        if not isinstance(exc, Exception):
            raise
        return {}, f"render failed: {error_summary(exc)}"


def _cpu_seconds(before: tuple[Any, Any]) -> dict[str, float]:
    """CPU since ``before`` (rusage of this process and its reaped children):
    the worker's (papermill, reproducibility, rendering) and the kernels'
    (the notebook's own work; forked kernels are the zygote's children, not ours)."""
    import resource

    from lib.run import zygote

    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = [
        sum(getattr(a, f) - getattr(b, f) for f in ("ru_utime", "ru_stime"))
        for a, b in zip(after, before, strict=True)
    ]
    cpu = {"cpu_worker_s": round(spent[0], 3), "cpu_kernel_s": round(spent[1], 3)}
    if zygote.running_zygote() is not None:
        with contextlib.suppress(OSError, EOFError):
            cpu["cpu_kernel_s"] = round(zygote.running_zygote().kernel_cpu(), 3)
    return cpu


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
    import resource

    _prepare_worker(job)
    started_at = utc_now()
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    timings: dict[str, Any] = {}
    tmp_nb = temp_path(Path(job["notebook_out"]))
    pages: dict[str, Path] = {}
    try:
        error, infrastructure, t_exec = _execute_with_retry(job, tmp_nb, timings)
        t_done = time.time()
        timings["execute_s"] = round(time.perf_counter() - t0, 3)
        # A kernel that died or timed out twice leaves a half-run notebook:
        # the last good page stays in place instead.
        have_nb = not infrastructure and tmp_nb.is_file() and tmp_nb.stat().st_size > 0
        if have_nb:
            t1 = time.perf_counter()
            nb, breakdown = _make_executed_notebook_reproducible(job, tmp_nb, t_exec, t_done)
            timings.update(breakdown)
            pages, render_error = _render_page(job, nb)
            if render_error:
                error = f"{error}; {render_error}" if error else render_error
            timings["render_s"] = round(time.perf_counter() - t1, 3)
            os.chmod(tmp_nb, 0o644)
        else:
            tmp_nb.unlink(missing_ok=True)
        timings.update(_cpu_seconds(cpu0))
    except BaseException:
        tmp_nb.unlink(missing_ok=True)
        for path in pages.values():
            path.unlink(missing_ok=True)
        raise
    return {
        "id": job["id"],
        "started_at": started_at,
        "finished_at": utc_now(),
        "duration_s": round(time.perf_counter() - t0, 3),
        "status": "failed" if error else "ok",
        "error": error,
        "staged": {
            "notebook": str(tmp_nb) if have_nb else None,
            "html": str(pages["html"]) if "html" in pages else None,
            **{kind: str(path) for kind, path in pages.items() if kind != "html"},
        },
        "timings": timings,
    }


def kill_pool(pool: ProcessPoolExecutor) -> None:
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
        with contextlib.suppress(Exception):  # already gone
            v.kill()
    if psutil is not None:
        psutil.wait_procs([v for v in victims if isinstance(v, psutil.Process)], timeout=5)
    for p in procs:
        p.join(timeout=5)
