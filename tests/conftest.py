"""Shared fixtures for the test suite, and the tiers ``make test-fast`` selects from.

Every test runs under pytest-timeout (``timeout`` in pyproject.toml, thread
method: a hang fails with the stack of every thread). The timer covers the
test's fixture setup, so the first test to request a session fixture that
executes notebooks pays for it: :data:`EXPENSIVE_FIXTURES` gives such tests
their tier marks and a larger limit, wherever they are and whatever runs first.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]

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


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).parent
    for item in items:
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
    """Every report (programme + 15 authorities) executed and rendered once.

    Runs the project's batch runner on the processed tables built from the real
    raw data, into a temporary output folder, with forked kernels (about 15 s on 2 cores). Returns a
    namespace with ``result`` (:class:`lib.batch.BatchResult`), ``out`` (the
    output folder), ``html`` (its html/ folder) and ``tables`` (processed
    tables, the source of every expected figure).
    """
    from lib.run import batch

    out = tmp_path_factory.mktemp("reports")
    result = batch.run_batch(
        output_dir=out, processed_dir=evaluation_build.processed, timeout=180, fork_kernels=True
    )  # forked kernels: the same bytes as fresh interpreters (tests/run/test_cache.py), in a third of the time
    return types.SimpleNamespace(
        result=result,
        out=out,
        html=out / "html",
        tables=evaluation_build.tables,
        processed=evaluation_build.processed,
    )
