"""The local executor: a pool of long-lived worker processes on this machine.

:func:`run_local` executes jobs (dicts built by :mod:`lib.run.batch`) with
:func:`lib.run.workers.execute_report` and hands every result to ``record``
(which commits it through the ledger) as soon as it arrives. A killed worker
breaks a ``ProcessPoolExecutor``: the pool is replaced, the report that worker
was running is marked failed, and every other report runs. Ctrl-C kills every
worker and kernel at once and re-raises KeyboardInterrupt.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from typing import Any

from lib.run.workers import error_summary, execute_report, kill_pool, worker_init

Record = Callable[[dict[str, Any], dict[str, Any]], Any]


def unrun(status: str, error: str | None) -> dict[str, Any]:
    """The raw result of a report that did not run (failed before, or cancelled)."""
    from lib.run.outputs import utc_now

    now = utc_now()
    return {"started_at": now, "finished_at": now, "duration_s": 0.0, "status": status, "error": error}


def fork_context():
    """fork: workers inherit the parent's imports (papermill, nbconvert: ~1 s
    per process otherwise). Elsewhere: the default context."""
    import multiprocessing as mp

    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    if ctx.get_start_method() == "fork":
        import nbformat  # noqa: F401
        import papermill  # noqa: F401

        from lib.run import (
            execution,  # noqa: F401
            render,  # noqa: F401
        )
    return ctx


@contextmanager
def lower_priority(step: int = 10):
    """This process at a lower CPU priority (``step`` more niceness) for the ``with`` block, then as it
    was: work with slack (the side files) yields the cores to the reports' kernels. Where the
    priority cannot be raised back (no privilege to), it stays lower: only this process's light
    recording remains, and its kernels were forked before."""
    try:
        before = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, 0, min(before + step, 19))
    except OSError:
        yield
        return
    try:
        yield
    finally:
        with suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, before)


def _drain(
    pool: Any,
    pending: deque[dict[str, Any]],
    *,
    workers: int,
    task: Callable,
    record: Record,
    background: list[Callable[[], Any]] | None = None,
) -> tuple[list[dict[str, Any]], dict[Future, dict[str, Any]], dict[int, Any]]:
    """Submit and record jobs until none is left or the pool breaks. Returns the
    jobs lost to a broken pool, the jobs still in flight and the worker processes seen.
    ``background``: work this process does once the first jobs are submitted (taken from the list)."""
    procs: dict[int, Any] = {}
    inflight: dict[Future, dict[str, Any]] = {}
    broken: list[dict[str, Any]] = []
    while (pending or inflight) and not broken:
        # one job queued beyond the workers, so none waits on the commit of another
        while pending and len(inflight) < workers + 1:
            job = pending.popleft()
            inflight[pool.submit(task, job)] = job
            procs.update(getattr(pool, "_processes", None) or {})
        while background:
            with lower_priority():
                background.pop(0)()
        done, _ = wait(inflight, return_when=FIRST_COMPLETED)
        for fut in done:
            job = inflight.pop(fut)
            try:
                raw = fut.result()
            except BrokenProcessPool:
                broken.append(job)
                continue
            except Exception as exc:  # a result that could not be sent back
                raw = unrun("failed", f"worker error: {error_summary(exc)}")
            record(job, raw)
    return broken, inflight, procs


def _culprits(started: Any, procs: dict[int, Any]) -> dict[str, int]:
    """Report id -> exit code of each worker that died on its own while running it
    (``started``: the ``(report id, pid)`` queue the workers announce on)."""
    ran_on: dict[int, str] = {}
    while not started.empty():
        rid, pid = started.get()
        ran_on[pid] = rid
    return {
        ran_on[pid]: p.exitcode
        for pid, p in procs.items()
        if pid in ran_on and p.exitcode not in (None, 0, -15)
    }


def _fail_or_requeue(
    broken: list[dict[str, Any]],
    order: list[dict[str, Any]],
    culprits: dict[str, int],
    breaks: dict[str, int],
    pending: deque[dict[str, Any]],
    record: Record,
) -> None:
    """A report whose worker died (or that was lost twice) fails; the others go back in the queue."""
    for job in sorted(broken, key=lambda j: order.index(j), reverse=True):
        rid = job["id"]
        breaks[rid] = breaks.get(rid, 0) + (1 if rid in culprits or not culprits else 0)
        if rid in culprits or breaks[rid] >= 2:
            code = culprits.get(rid)
            how = f"killed by signal {-code}" if code is not None and code < 0 else "exited"
            record(
                job, unrun("failed", f"worker process died while running this report ({how}; out of memory?)")
            )
        else:
            pending.appendleft(job)  # never started, or lost with the dead worker's neighbour


def run_local(
    jobs: list[dict[str, Any]],
    *,
    workers: int,
    initargs: tuple,
    record: Record,
    ctx: Any,
    fork_notebooks: list[str] | None = None,
    executor_class: Any = ProcessPoolExecutor,
    task: Callable = execute_report,
    background: Callable[[], Any] | None = None,
) -> None:
    """Run ``jobs`` on ``workers`` processes; ``record(job, raw)`` each result.
    ``executor_class``/``task``: the pool and the function it runs (the driver passes its own names).
    ``background``: called once in this process while the first jobs run (the workers already forked),
    at a lower priority (:func:`lower_priority`)."""
    pending: deque[dict[str, Any]] = deque(jobs)
    todo = [background] if background is not None else []
    breaks: dict[str, int] = {}
    pool: ProcessPoolExecutor | None = None
    try:
        while pending:
            started = ctx.SimpleQueue()
            pool = executor_class(
                max_workers=workers,
                mp_context=ctx,
                initializer=worker_init,
                initargs=(*initargs, started, fork_notebooks),
            )
            broken, inflight, procs = _drain(
                pool, pending, workers=workers, task=task, record=record, background=todo
            )
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
            _fail_or_requeue(broken, jobs, _culprits(started, procs), breaks, pending, record)
    except BaseException:  # Ctrl-C, or the background work failed: no worker or kernel outlives the run
        if pool is not None:
            kill_pool(pool)
        raise
