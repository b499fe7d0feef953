"""A batch run in the background, with live progress and a safe cancel.

``lib.run.batch.run_batch`` has no progress callback and no cancel hook, and
its interrupt handling (a report's files moved into place and the manifest
written are never cut half-way) works only in a process's main thread, which
in a notebook belongs to the kernel. So the run is the command line itself,
``python -m lib.run``, in a child process: its pages are the command line's by
construction, and Cancel sends it SIGINT, which is exactly Ctrl-C (queued
reports cancelled, running kernels stopped, manifest, index and disk agree).
A thread of the kernel waits for it and reads the manifest the batch rewrites
after every report, so the notebook stays responsive.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.config import PROJECT_ROOT
from lib.run.outputs import utc_now
from lib.workbench.status import read_manifest, started_at

Update = Callable[[dict[str, Any]], None]

#: exit status of ``python -m lib.run`` after an interrupt
INTERRUPTED = 130


@dataclass
class Outcome:
    """How a background run ended: the command line's exit status and its stderr lines."""

    returncode: int
    errors: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


class BackgroundBatch:
    """``python -m lib.run <arguments>`` in a child process, watched by a thread.

    ``on_update(manifest)`` is called from the thread with every new manifest
    of this run; ``on_end(outcome)`` once, when the command line has exited.
    """

    def __init__(
        self,
        arguments: list[str],
        environment: dict[str, str],
        manifest_path: Path,
        *,
        on_update: Update,
        on_end: Callable[[Outcome], None],
        root: Path = PROJECT_ROOT,
        poll_s: float = 0.25,
    ):
        self.arguments, self.environment, self.manifest_path = arguments, environment, manifest_path
        self.on_update, self.on_end, self.root, self.poll_s = on_update, on_end, Path(root), poll_s
        self.proc: subprocess.Popen | None = None
        self.thread: threading.Thread | None = None
        self.outcome: Outcome | None = None
        self.cancelled = False

    def start(self) -> None:
        since = utc_now()  # a manifest of this run starts no earlier
        env = {**os.environ, **self.environment}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(self.root), env.get("PYTHONPATH", "")) if p)
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed by _watch)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lib.run", *self.arguments],
            cwd=self.root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self._stderr, start_new_session=True,  # the kernel's own interrupts stay its own
        )  # fmt: skip
        atexit.register(self.cancel)  # the kernel shutting down stops the run the same way
        self.thread = threading.Thread(target=self._watch, args=(since,), daemon=True, name="batch-run")
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cancel(self) -> None:
        """Stop the run as Ctrl-C does: SIGINT to the batch."""
        if self.running:
            self.cancelled = True
            self.proc.send_signal(signal.SIGINT)

    def wait(self, timeout: float) -> Outcome | None:
        if self.thread is not None:
            self.thread.join(timeout)
        return self.outcome

    def _watch(self, since: str) -> None:
        problems: list[str] = []
        try:
            self._follow(since, problems)
        finally:
            self.proc.wait()
            atexit.unregister(self.cancel)
            self._stderr.seek(0)
            errors = [line for line in self._stderr.read().splitlines() if line.strip()]
            self._stderr.close()
            manifest = read_manifest(self.manifest_path)
            if manifest is not None and started_at(manifest) < since:
                manifest = None  # the run stopped before writing its own
            self.outcome = Outcome(self.proc.returncode, errors + problems, manifest)
            self.on_end(self.outcome)

    def _follow(self, since: str, problems: list[str]) -> None:
        """Hand every new manifest of this run to on_update until the batch exits."""
        seen: str | None = None
        while True:
            ended = self.proc.poll() is not None
            text = self._read_if_changed(seen)
            if text is not None:
                seen, manifest = text
                if manifest is not None and started_at(manifest) >= since:
                    try:
                        self.on_update(manifest)
                    except Exception as exc:  # the display failed; the run goes on
                        problems[:] = [f"progress display failed: {type(exc).__name__}: {exc}"]
            if ended:
                return
            time.sleep(self.poll_s)

    def _read_if_changed(self, seen: str | None) -> tuple[str, dict[str, Any] | None] | None:
        try:
            stat = self.manifest_path.stat()
        except OSError:
            return None
        key = f"{stat.st_mtime_ns}:{stat.st_size}:{stat.st_ino}"
        return None if key == seen else (key, read_manifest(self.manifest_path))
