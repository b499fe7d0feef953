"""Kernels forked from a warm process: pay the report stack's imports once per worker.

Most of an authority report's CPU is its kernel importing the scientific stack
(pandas, seaborn and scipy.stats, pandera, statsmodels) and ipykernel itself,
not its own cells (``timings`` in the manifest). With ``--fork-kernels`` each
worker process starts one *zygote*: a child that imports ipykernel and the
modules the report notebooks import (found by reading their code cells), then
waits. To start a kernel, the worker's kernel manager asks the zygote to
``fork()``: the new process starts its own session, takes the kernel's
environment, working directory and connection file and runs ipykernel as
``python -m ipykernel_launcher`` would, with the imports already in memory.
Every report still runs in a kernel process that no other report has used
(a fresh fork of a zygote that never ran a cell).

Lifetimes: the zygote dies with its worker (``PR_SET_PDEATHSIG``) and reaps
its kernels; a kernel whose zygote is gone exits (ipykernel's parent poller).
The worker sees a kernel through :class:`ForkedKernel` (poll, wait, signals),
so jupyter_client's shutdown, interrupt and kill work unchanged.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

_CURRENT: Zygote | None = None
#: ipykernel sets this for its kernels; the zygote sets it before importing matplotlib.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def notebook_imports(paths: Iterable[Path]) -> list[str]:
    """Module names the notebooks' code cells import (``from a import b``: ``a`` and ``a.b``)."""
    names: list[str] = []
    for path in paths:
        try:
            cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            try:
                tree = ast.parse("".join(cell.get("source", "")))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names += [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.append(node.module)
                    names += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    return list(dict.fromkeys(names))


def preload(notebooks: Iterable[Path]) -> None:
    """Import what the zygotes would, in this process, before it forks the workers: every
    worker's zygote then starts with the imports done (paid once per run, not once per worker)."""
    had = os.environ.get("MPLBACKEND")
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)  # as in the zygote (and in a kernel)
    try:
        for name in ["ipykernel.kernelapp", "ipykernel.ipkernel", *notebook_imports(notebooks)]:
            with contextlib.suppress(Exception):  # not a module, or fails: the kernel will say
                importlib.import_module(name)
    finally:
        if had is None:
            os.environ.pop("MPLBACKEND", None)


def running_zygote() -> Zygote | None:
    return _CURRENT


def stop() -> None:
    """Forget this worker's zygote (it died): kernels start as new interpreters again."""
    global _CURRENT
    _CURRENT = None


class ForkedKernel:
    """A kernel process forked by the zygote, seen from the worker like a Popen."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                import psutil

                if psutil.Process(self.pid).status() == psutil.STATUS_ZOMBIE:
                    self.returncode = 0
            except Exception:  # gone (psutil.NoSuchProcess): reaped by the zygote
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"kernel {self.pid} still running")
            time.sleep(0.05)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class Zygote:
    """A forked child of this (single-threaded) worker that forks kernels on request."""

    def __init__(self, preload: list[str]):
        parent, child = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the zygote
            parent.close()
            code = 0
            try:
                _serve(Connection(child.detach()), preload)
            except BaseException:
                code = 1
            os._exit(code)
        child.close()
        self.pid = pid
        self.conn = Connection(parent.detach())
        ready = self.conn.recv()  # the modules that imported (after the zygote's imports)
        self.preloaded: list[str] = ready

        self.spawned: list[int] = []

    def spawn(self, cmd: list[str], env: dict[str, str], cwd: str) -> int:
        self.conn.send(("spawn", list(cmd), dict(env), str(cwd)))
        answer = self.conn.recv()
        if isinstance(answer, str):
            raise RuntimeError(f"kernel zygote could not start a kernel: {answer}")
        self.spawned.append(answer)
        return answer

    def kernel_cpu(self) -> float:
        """CPU seconds of the kernels spawned since the last call (the ones that have exited)."""
        pids, self.spawned = self.spawned, []
        self.conn.send(("cpu", pids))
        return float(self.conn.recv())

    def close(self) -> None:
        """Let the zygote finish (after its kernels) and reap it, so its CPU is accounted."""
        try:
            self.conn.close()
            os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass


def start(notebooks: Iterable[Path]) -> Zygote:
    """Start this worker's zygote (call before the worker starts any thread or socket)."""
    global _CURRENT
    from multiprocessing import util

    _CURRENT = Zygote(["ipykernel.kernelapp", "ipykernel.ipkernel", *notebook_imports(notebooks)])
    util.Finalize(_CURRENT, _CURRENT.close, exitpriority=10)  # runs when the pool worker exits
    return _CURRENT


#: In the zygote: CPU seconds of each kernel it reaped, by pid (from wait4).
_KERNEL_CPU: dict[int, float] = {}


def _reap(*_: Any, block: bool = False) -> None:
    while True:
        try:
            pid, _status, usage = os.wait4(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _KERNEL_CPU[pid] = usage.ru_utime + usage.ru_stime


def die_with_parent() -> None:
    """Linux: the kernel kills this process (a worker, or its zygote) when its
    parent dies (its kernels follow: ipykernel exits when its parent is gone)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _serve(conn: Connection, preload: list[str]) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    done = []
    for name in preload:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception:  # not a module (a function imported by name), or fails: the kernel will say
            pass
    signal.signal(signal.SIGCHLD, _reap)
    conn.send(done)
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the worker is leaving: wait for the kernels, then exit
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _reap(block=True)
            return
        if request[0] == "cpu":
            _reap()
            conn.send(sum(_KERNEL_CPU.pop(pid, 0.0) for pid in request[1]))
            continue
        cmd, env, cwd = request[1:]
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                conn.close()
                _become_kernel(cmd, env, cwd)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
        conn.send(pid)


def _become_kernel(cmd: list[str], env: dict[str, str], cwd: str) -> None:
    """In the forked child: what ``python -m ipykernel_launcher -f FILE`` does."""
    os.setsid()  # its own session, like jupyter_client's launcher (signals reach its group only)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(fd, 0)
    os.close(fd)
    os.chdir(cwd)
    if cwd not in sys.path:  # `python -m` puts the working directory first
        sys.path.insert(0, cwd)
    os.environ.clear()
    os.environ.update(env)
    for name in ("dask.dataframe",):  # skipped by the batch's processes (lib.run), not by a kernel
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]
    try:
        at = cmd.index("ipykernel_launcher")
    except ValueError:
        raise RuntimeError(f"not an ipykernel command: {cmd}") from None
    # the zygote is this kernel's parent: ipykernel exits when it goes (and prints no
    # console banner); its trait default was read from the zygote's own environment
    sys.argv = ["ipykernel_launcher", *cmd[at + 1 :], f"--IPKernelApp.parent_handle={os.getppid()}"]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
