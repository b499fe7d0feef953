"""Execute one report notebook with papermill, reproducibly.

Two concerns of running a kernel that the batch runner (:mod:`lib.run.batch`)
relies on, kept out of it:

* **Replies noticed promptly** (nbclient issue #312). Now and then the
  execute reply of a cell that opens many widget comms was picked up only
  when the whole per-cell timeout ran out (a missed wake-up of the async
  ZMQ socket), so a report with widgets took ``timeout`` seconds longer.
  :class:`SlicedPollKernelManager` hands nbclient a kernel client whose
  channels wait in short slices up to the same deadline: ``queue.Empty``
  only after the full timeout, as documented for ``get_msg``, but a reply
  is seen within :data:`POLL_SLICE_S`. It is plugged in through
  configurable traits (``NotebookClient.kernel_manager_class``,
  ``KernelManager.client_class``, ``KernelClient.*_channel_class``) that
  papermill passes through, so only our kernels are affected: no global
  patch of jupyter_client.

* **Same inputs, same bytes.** papermill records wall-clock timings, a
  random id for the injected-parameters cell and the temp output path, and
  ipywidgets gives every widget model a random uuid.
  :func:`make_reproducible` removes the timings, gives new cells ids
  derived from their position, renames every widget model to an id derived
  from the report id and the model's place in the widget tree, and keeps
  exactly one build-time field: ``metadata.workbook.built_at``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

#: Longest wait on a kernel socket before it is polled again (seconds).
POLL_SLICE_S = 0.25
#: Per-cell execution timeout when the caller gives none (seconds): no kernel waits for ever.
DEFAULT_CELL_TIMEOUT_S = 600
#: Longest wait for a new kernel to answer (seconds).
KERNEL_START_TIMEOUT_S = 60

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
#: The one field of an executed notebook that changes from build to build.
BUILD_TIME_FIELD = ("workbook", "built_at")

_MODEL_REF = re.compile(r"IPY_MODEL_([0-9a-f]{32})")
_HEX32 = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_TIMING_KEYS = ("start_time", "end_time", "duration")


# ---------------------------------------------------------------------------
# Kernel client that polls in short slices
# ---------------------------------------------------------------------------


class SlicedPollChannel(AsyncZMQSocketChannel):
    """An async ZMQ channel whose ``get_msg`` waits in short slices.

    Same contract as the base class: returns the next message, or raises
    ``queue.Empty`` once ``timeout`` seconds have passed (``None``: wait for
    ever). Each slice is a fresh poll of the socket, so a missed wake-up
    costs at most :data:`POLL_SLICE_S`.
    """

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            step = POLL_SLICE_S if remaining is None else min(POLL_SLICE_S, remaining)
            try:
                return await super().get_msg(timeout=step)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedPollKernelClient(AsyncKernelClient):
    shell_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    iopub_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    stdin_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]
    control_channel_class = Type(SlicedPollChannel)  # type: ignore[assignment]


class SlicedPollKernelManager(AsyncKernelManager):
    """Starts kernels like its base class; ``client()`` returns a
    :class:`SlicedPollKernelClient` (both traits set: AsyncKernelManager
    gives ``client_factory`` a static default that ignores ``client_class``)."""

    client_class = DottedObjectName("lib.run.execution.SlicedPollKernelClient")
    client_factory = Type(SlicedPollKernelClient, klass=AsyncKernelClient)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        """With a kernel zygote in this worker (``--fork-kernels``, :mod:`lib.run.zygote`),
        the kernel is forked from it instead of started as a new interpreter."""
        from lib.run import zygote

        z = zygote.running_zygote()
        if z is None or "ipykernel_launcher" not in kernel_cmd:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        import os

        prov = self.provisioner
        env = kw.get("env") or dict(os.environ)
        try:
            pid = z.spawn(kernel_cmd, env, str(kw.get("cwd") or os.getcwd()))
        except (OSError, EOFError, RuntimeError):  # the zygote is gone: start kernels the usual way
            zygote.stop()
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        prov.process = zygote.ForkedKernel(pid)
        prov.pid, prov.pgid, prov.cwd = pid, pid, kw.get("cwd")
        self._reconcile_connection_info(prov.connection_info)


def execute(
    notebook: str,
    output_path: str,
    *,
    parameters: dict[str, Any],
    cwd: str,
    kernel_name: str = "python3",
    timeout: int | None = None,
    start_timeout: int = KERNEL_START_TIMEOUT_S,
) -> None:
    """Run ``notebook`` with papermill into ``output_path`` (raises on a cell error).

    Never waits for ever: a cell running longer than ``timeout`` seconds
    (``None``: :data:`DEFAULT_CELL_TIMEOUT_S`) raises nbclient's
    ``CellTimeoutError``, a kernel not answering within ``start_timeout``
    seconds a ``RuntimeError``.
    """
    import papermill

    papermill.execute_notebook(
        notebook, output_path, parameters=parameters, kernel_name=kernel_name, cwd=cwd,
        progress_bar=False, log_output=False, request_save_on_cell_execute=False,
        shutdown_kernel="immediate",
        execution_timeout=DEFAULT_CELL_TIMEOUT_S if timeout is None else timeout, start_timeout=start_timeout,
        # NotebookClient traits, passed through by papermill's nbclient engine
        # record_timing: per-cell busy/idle times for time_breakdown(); make_reproducible drops them
        kernel_manager_class=SlicedPollKernelManager, record_timing=True,
    )  # fmt: skip


def _epoch(stamp: Any) -> float | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def time_breakdown(nb, started: float, finished: float) -> dict[str, float]:
    """Where a report's execution time went, from the cells' busy/idle times
    (call before :func:`make_reproducible`). ``started``/``finished``: epoch
    seconds around :func:`execute`.

    * ``kernel_start_s``: until the kernel began the first cell (launch,
      ipykernel's own imports, connecting);
    * ``imports_load_s``: the first cell after the parameters (the notebooks'
      ``from lib import report`` and ``load_workbook``: imports of the
      scientific stack and reading the processed tables);
    * ``cells_s``: every other cell (the report's own work);
    * ``shutdown_s``: from the last cell to the notebook written and the kernel gone.
    """
    spans = []
    for cell in nb.cells:
        ex = cell.get("metadata", {}).get("execution") or {}
        busy, idle = _epoch(ex.get("iopub.status.busy")), _epoch(ex.get("iopub.status.idle"))
        if cell.get("cell_type") == "code" and busy is not None and idle is not None:
            tags = set(cell.get("metadata", {}).get("tags", []))
            spans.append((busy, idle, bool(tags & {"parameters", "injected-parameters"})))
    if not spans:
        return {}
    work = [(b, i) for b, i, param in spans if not param]
    first = work[0] if work else (spans[0][0], spans[0][0])
    return {
        "kernel_start_s": round(max(0.0, spans[0][0] - started), 3),
        "imports_load_s": round(first[1] - first[0], 3),
        "cells_s": round(sum(i - b for b, i in work[1:]) + sum(i - b for b, i, p in spans if p), 3),
        "shutdown_s": round(max(0.0, finished - spans[-1][1]), 3),
    }


# ---------------------------------------------------------------------------
# Reproducible executed notebooks
# ---------------------------------------------------------------------------


def stable_model_id(report_id: str, n: int) -> str:
    """The ``n``-th widget model id of a report: 32 hex digits, like a uuid."""
    return hashlib.sha256(f"{report_id}:widget:{n}".encode()).hexdigest()[:32]


def _refs(value: Any) -> list[str]:
    """Model ids referenced from a widget's state, in a deterministic order."""
    return _MODEL_REF.findall(json.dumps(value, sort_keys=True))


def _widget_order(nb, state: dict[str, Any]) -> list[str]:
    """Every model id of ``state``: the views displayed in the cells, in
    order, each followed by the models it refers to (depth first); then the
    models nothing refers to, ordered by their state (ids of models already
    placed replaced by their place, other ids masked)."""
    roots: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW_MIME)
            if isinstance(view, dict) and view.get("model_id") in state:
                roots.append(view["model_id"])
    order: list[str] = []
    seen: set[str] = set()

    def visit(mid: str) -> None:
        stack = [mid]
        while stack:
            m = stack.pop()
            if m in seen or m not in state:
                continue
            seen.add(m)
            order.append(m)
            stack.extend(reversed(_refs(state[m])))

    for r in roots:
        visit(r)
    while len(seen) < len(state):
        # a model no view shows (e.g. a link between two controls): ordered by its state, with
        # the ids it refers to replaced by their place in the order so far (two links of the
        # same kind are told apart by what they link, not by the kernel's creation order,
        # which follows string hashing), other ids masked
        place = {m: str(i) for i, m in enumerate(order)}
        rest = sorted(
            (m for m in state if m not in seen), key=lambda m, place=place: _placed(state[m], place)
        )
        visit(rest[0])
    return order


def _placed(model_state: Any, place: dict[str, str]) -> str:
    return _HEX32.sub(lambda x: place.get(x.group(0), "#"), json.dumps(model_state, sort_keys=True))


def _rename(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _HEX32.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
    if isinstance(value, list):
        return [_rename(v, mapping) for v in value]
    if isinstance(value, dict):
        return {mapping.get(k, k): _rename(v, mapping) for k, v in value.items()}
    return value


def make_reproducible(
    nb, *, report_id: str, built_at: str, output_path: str, source_cell_ids: Iterable[str] = ()
):
    """Make an executed notebook a function of its inputs (in place; returns it).

    ``output_path`` replaces papermill's record of the temp file it wrote;
    ``source_cell_ids`` are the ids of the source notebook's cells, kept;
    any other cell (papermill's injected parameters) gets ``cell-<index>``.
    """
    import nbformat

    pm = nb.metadata.get("papermill")
    if isinstance(pm, dict):
        for k in _TIMING_KEYS:
            pm.pop(k, None)
        pm["output_path"] = output_path
    keep = set(source_cell_ids)
    used: set[str] = set()
    for i, cell in enumerate(nb.cells):
        cpm = cell.metadata.get("papermill")
        if isinstance(cpm, dict):
            for k in _TIMING_KEYS:
                cpm.pop(k, None)
        cell.metadata.pop("execution", None)
        cid = cell.get("id")
        if cid not in keep or cid in used:
            cid, k = f"cell-{i}", i
            while cid in used or cid in keep:
                k += 1
                cid = f"cell-{k}"
            cell["id"] = cid
        used.add(cid)
    widgets = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME)
    if isinstance(widgets, dict) and isinstance(widgets.get("state"), dict) and widgets["state"]:
        order = _widget_order(nb, widgets["state"])
        mapping = {old: stable_model_id(report_id, n) for n, old in enumerate(order)}
        renamed = _rename(widgets["state"], mapping)
        widgets["state"] = {mapping[m]: renamed[mapping[m]] for m in order}  # the page keeps this order
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell["outputs"] = nbformat.from_dict(_rename(cell.get("outputs", []), mapping))
    nb.metadata[BUILD_TIME_FIELD[0]] = {BUILD_TIME_FIELD[1]: built_at}
    return nb
