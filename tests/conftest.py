"""Shared fixtures for the test suite, and the tiers ``make test-fast`` selects from.

Every test runs under pytest-timeout (``timeout`` in pyproject.toml, thread
method: a hang fails with the stack of every thread). The timer covers the
test's fixture setup, so the first test to request a session fixture that
executes notebooks pays for it: :data:`EXPENSIVE_FIXTURES` gives such tests
their tier marks and a larger limit, wherever they are and whatever runs first.

``make test`` and ``make test-fast`` spread the tests over the machine's cores
with pytest-xdist (``-n auto``; tests/_xdist.py). Each worker is a separate
pytest process with its own session and module fixtures, and takes whole
files (``--dist loadfile``): a notebook's cells (nbval runs them in order in
one kernel) and the tests sharing a module-scoped fixture stay in one
process. The one session fixture too costly to build once per worker,
:func:`full_batch`, is built by the first worker that needs it and read by the
others (a lock file in the run's shared temporary folder, the pattern xdist
documents). Every fixture writes into its own ``tmp_path_factory`` folder,
never into the checkout.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import types
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester", "_xdist"]  # _xdist: tests/_xdist.py

#: "file::fixture" -> (marks, timeout in seconds) for every test that requests
#: that fixture, directly or through another fixture. Limits are several times
#: the fixture's cost on 2 busy cores (figures from `--durations`).
EXPENSIVE_FIXTURES: dict[str, tuple[tuple[str, ...], int]] = {
    # every report of the programme executed by the batch runner (40 s quiet)
    "tests/conftest.py::full_batch": (("notebook",), 900),
    # one build subprocess per raw-data corruption case (35 s quiet)
    "tests/sources/test_raw_validation.py::cli": (("slow",), 300),
    # programme B written and built through `python -m lib.evaluation` (a subprocess)
    "tests/sources/test_programme_b_build.py::built": (("slow",), 120),
    # every report of programme B (41 authorities) through `python -m lib.run`
    "tests/sources/test_programme_b_build.py::reports": (("notebook",), 960),
}

#: Test folders whose every test carries a tier mark.
FOLDER_MARKS = {"e2e": "e2e"}


def _requested(item) -> set[str]:
    """``file::fixture`` of every fixture the test requests (its closure)."""
    info = getattr(item, "_fixtureinfo", None)
    found = set()
    for name, defs in info.name2fixturedefs.items() if info else ():
        code = getattr(defs[-1].func, "__code__", None)
        if code is not None and Path(code.co_filename).is_relative_to(PROJECT_ROOT):
            found.add(f"{Path(code.co_filename).relative_to(PROJECT_ROOT).as_posix()}::{name}")
    return found


@pytest.hookimpl(tryfirst=True)  # the tier marks are in place before `-m` selects
def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).parent
    for item in items:
        if item.path.suffix == ".ipynb":  # a cell of a notebook nbval runs (`make test`)
            item.add_marker(pytest.mark.notebook)
        folder = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else None
        if folder in FOLDER_MARKS:
            item.add_marker(getattr(pytest.mark, FOLDER_MARKS[folder]))
        expensive = [EXPENSIVE_FIXTURES[key] for key in sorted(_requested(item) & EXPENSIVE_FIXTURES.keys())]
        for marks, _ in expensive:
            for mark in marks:
                item.add_marker(getattr(pytest.mark, mark))
        if expensive:
            # appended: a timeout mark written on the test itself still wins
            item.add_marker(pytest.mark.timeout(max(seconds for _, seconds in expensive)))


@pytest.fixture(autouse=True, scope="module")
def no_ipython_shell_left_behind():
    """Close the IPython shell a test module made in this process (ipywidgets' Output does).

    The batch runner's pool workers are forked from this process: a shell left
    here (with its history thread) is inherited, and kernels forked from a
    worker's zygote then die before replying to kernel_info.
    """
    yield
    if "IPython" not in sys.modules:
        return
    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():
        history = getattr(InteractiveShell.instance(), "history_manager", None)
        if history is not None and history.save_thread is not None:
            history.save_thread.stop()  # joins the thread
        InteractiveShell.clear_instance()


@pytest.fixture(scope="session")
def evaluation_build(tmp_path_factory):
    """The real raw data built once into a temporary folder (about a second).

    Returns a namespace with ``processed`` and ``outputs`` (paths), ``result``
    (the :class:`lib.sources.build.Build`) and ``tables`` (the processed tables read
    back from disk, typed by their schemas, keyed by name without ``.csv``).
    """
    from lib.config import QUALITY_LOG_NAME, RAW_DIR
    from lib.sources.build import build, load_processed

    root = tmp_path_factory.mktemp("evaluation_build")
    processed, outputs = root / "processed", root / "outputs"
    result = build(RAW_DIR, processed, outputs)
    from lib.analysis.results import write_results  # the analysis step, as `make data` runs it

    write_results(processed)
    return types.SimpleNamespace(
        root=root,
        processed=processed,
        outputs=outputs,
        result=result,
        tables=load_processed(processed),
        quality_log=outputs / QUALITY_LOG_NAME,
    )


@pytest.fixture(scope="session")
def full_batch(evaluation_build, tmp_path_factory):
    """Every report (programme + 15 authorities) executed and rendered once per test run.

    Runs the project's batch runner on the processed tables built from the real
    raw data, into a temporary output folder, with forked kernels (about 15 s on 2 cores). Returns a
    namespace with ``result`` (:class:`lib.batch.BatchResult`), ``out`` (the
    output folder), ``html`` (its html/ folder), ``processed`` (the tables the
    batch read) and ``tables`` (those tables, the source of every expected figure).

    Under xdist the first worker to ask runs the batch in the run's shared
    temporary folder, holding a lock; the others wait for the lock and read the
    same result (its pickle), the same pages and the same processed tables.
    """
    from lib.sources.build import load_processed

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out, processed = tmp_path_factory.mktemp("reports"), evaluation_build.processed
        return _batch_namespace(_run_full_batch(processed, out), out, processed, evaluation_build.tables)
    import fcntl  # xdist runs here on Linux and macOS (the batch forks kernels)

    shared = tmp_path_factory.getbasetemp().parent / "full_batch"
    shared.mkdir(exist_ok=True)
    processed, out, done = shared / "processed", shared / "reports", shared / "batch.pickle"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the batch fails
        if not done.is_file():
            for folder in (processed, out):  # left by a worker that failed half-way
                shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(evaluation_build.processed, processed)
            done.write_bytes(pickle.dumps(_run_full_batch(processed, out)))
    return _batch_namespace(pickle.loads(done.read_bytes()), out, processed, load_processed(processed))


def _run_full_batch(processed: Path, out: Path):
    from lib.run import batch

    return batch.run_batch(
        output_dir=out, processed_dir=processed, timeout=180, fork_kernels=True
    )  # forked kernels: the same bytes as fresh interpreters (tests/run/test_cache.py), in a third of the time


def _batch_namespace(result, out: Path, processed: Path, tables) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        result=result, out=out, html=out / "html", tables=tables, processed=processed
    )
