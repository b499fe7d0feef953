"""How the suite runs under pytest-xdist (`make test`, `make test-fast`: ``-n auto``).

Registered by tests/conftest.py (``pytest_plugins``); both hooks act only in an
xdist worker (``PYTEST_XDIST_WORKER`` set), so a run in one process is as before.

- The order the files are handed out in: costliest first
  (:func:`heaviest_first`). pyproject.toml's ``--dist loadfile
  --no-loadscope-reorder`` makes xdist hand out whole files in the order a
  worker collected them, so a long file does not start last on one worker
  while the other has nothing left to do.
- The report of a test that runs past its time limit. pytest-timeout's thread
  method prints every thread's stack and ends the process; a worker's stdout
  goes nowhere (execnet keeps it for its own messages), so here the same
  report goes to stderr, which the worker shares with the command that started
  it. xdist then names the test ("worker 'gw0' crashed while running ...")
  and starts a fresh worker for the tests left.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

#: Tier marks from the most to the least costly per test, for :func:`heaviest_first`.
TIER_COST = ("faults", "notebook", "e2e", "browser", "slow")


def _worker() -> str | None:
    return os.environ.get("PYTEST_XDIST_WORKER")


def _cost(item) -> tuple[int, int]:
    """(time limit, tier rank): a proxy for how long a test runs."""
    marker = item.get_closest_marker("timeout")
    seconds = (marker.args[0] if marker.args else marker.kwargs.get("timeout")) if marker else None
    seconds = item.config.getini("timeout") if seconds is None else seconds
    tiers = [rank for rank, tier in enumerate(reversed(TIER_COST), 1) if item.get_closest_marker(tier)]
    return int(float(seconds)), max(tiers, default=0)


def heaviest_first(items) -> None:
    """Reorder the test files so that the costliest come first.

    Longest first by the largest time limit in the file (the limits state each
    test's expected cost, several times over), then its costliest tier mark,
    then its number of tests; ties keep their collection order. The tests
    inside a file keep their order (a notebook's cells run top to bottom).
    """
    first_seen: dict[Path, int] = {}
    costs: dict[Path, list[tuple[int, int]]] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(item.path, index)
        costs.setdefault(item.path, []).append(_cost(item))

    def weight(path: Path) -> tuple:
        limit, tier = max(costs[path])
        return (-limit, -tier, -len(costs[path]), first_seen[path])

    order = {path: rank for rank, path in enumerate(sorted(first_seen, key=weight))}
    items.sort(key=lambda item: order[item.path])


@pytest.hookimpl(trylast=True)  # on the tests `-m` and `-k` left
def pytest_collection_modifyitems(items):
    if _worker():
        heaviest_first(items)


class _Stderr:
    """The two calls of a terminal writer that pytest_timeout.dump_stacks makes, on stderr."""

    def sep(self, char: str, title: str = "") -> None:
        sys.stderr.write((f" {title} " if title else "").center(80, char) + "\n")

    def write(self, text: str) -> None:
        sys.stderr.write(text)


def _time_out(item, settings) -> None:
    """pytest-timeout's thread-method report (captured output, every thread's stack) on stderr."""
    from pytest_timeout import dump_stacks

    try:
        capture = item.config.pluginmanager.getplugin("capturemanager")
        out, err = "", ""
        if capture:
            capture.suspend_global_capture(item)
            out, err = capture.read_global_capture()
        terminal = _Stderr()
        terminal.sep("+", f"Timeout >{settings.timeout}s in {_worker()}: {item.nodeid}")
        for title, text in (("Captured stdout", out), ("Captured stderr", err)):
            if text:
                terminal.sep("~", title)
                terminal.write(text)
        dump_stacks(terminal)
        terminal.sep("+", "Timeout")
    finally:
        sys.stderr.flush()
        os._exit(1)


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item, settings):
    """In a worker, the thread method's timer with :func:`_time_out` (pytest-timeout's own otherwise)."""
    if not _worker() or settings.method != "thread":
        return None
    timer = threading.Timer(settings.timeout, _time_out, (item, settings))
    timer.name = f"timeout {item.nodeid}"

    def cancel():
        timer.cancel()
        timer.join()

    item.cancel_timeout = cancel
    timer.start()
    return True
