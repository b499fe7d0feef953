"""Shared fixtures for the test suite, and the tiers ``make test-fast`` selects from.

Every test runs under pytest-timeout (``timeout`` in pyproject.toml, thread
method: a hang fails with the stack of every thread). The timer covers the
test's fixture setup, so the first test to request a session fixture that
executes notebooks pays for it: :data:`EXPENSIVE_FIXTURES` gives such tests
their tier marks and a larger limit, wherever they are and whatever runs first.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]

#: Fixture name -> (marks, timeout in seconds) for every test that requests it.
#: Limits are about four times the fixture's cost on 2 busy cores. Names here
#: must be unique across tests/.
EXPENSIVE_FIXTURES: dict[str, tuple[tuple[str, ...], int]] = {
    # every report executed by the batch runner (30-40 s quiet, minutes on a loaded machine)
    "full_batch": (("notebook",), 900),
    # tests/sources/test_raw_validation.py: one build subprocess per corruption case (35 s)
    "cli": (("slow",), 300),
}


#: Test folders whose every test carries a tier mark.
FOLDER_MARKS = {"e2e": "e2e"}


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else None
        if folder in FOLDER_MARKS:
            item.add_marker(getattr(pytest.mark, FOLDER_MARKS[folder]))
        for name in EXPENSIVE_FIXTURES.keys() & set(getattr(item, "fixturenames", ())):
            marks, seconds = EXPENSIVE_FIXTURES[name]
            for mark in marks:
                item.add_marker(getattr(pytest.mark, mark))
            # appended: a timeout mark written on the test itself still wins
            item.add_marker(pytest.mark.timeout(seconds))


@pytest.fixture(scope="session")
def evaluation_build(tmp_path_factory):
    """The real raw data built once into a temporary folder (about a second).

    Returns a namespace with ``processed`` and ``outputs`` (paths), ``result``
    (the :class:`lib.evaluation.Build`) and ``tables`` (the processed tables read
    back from disk, typed by their schemas, keyed by name without ``.csv``).
    """
    from lib import evaluation

    root = tmp_path_factory.mktemp("evaluation_build")
    processed, outputs = root / "processed", root / "outputs"
    result = evaluation.build(evaluation.RAW_DIR, processed, outputs)
    return types.SimpleNamespace(
        root=root,
        processed=processed,
        outputs=outputs,
        result=result,
        tables=evaluation.load_processed(processed),
        quality_log=outputs / evaluation.QUALITY_LOG_NAME,
    )


@pytest.fixture(scope="session")
def full_batch(evaluation_build, tmp_path_factory):
    """Every report (programme + 15 authorities) executed and rendered once.

    Runs the project's batch runner on the processed tables built from the real
    raw data, into a temporary output folder (about 30 s on 2 cores). Returns a
    namespace with ``result`` (:class:`lib.batch.BatchResult`), ``out`` (the
    output folder), ``html`` (its html/ folder) and ``tables`` (processed
    tables, the source of every expected figure).
    """
    from lib import batch

    out = tmp_path_factory.mktemp("reports")
    result = batch.run_batch(output_dir=out, processed_dir=evaluation_build.processed, timeout=180)
    return types.SimpleNamespace(
        result=result,
        out=out,
        html=out / "html",
        tables=evaluation_build.tables,
        processed=evaluation_build.processed,
    )
