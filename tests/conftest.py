"""Shared fixtures for the test suite."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    from lib.run import batch

    out = tmp_path_factory.mktemp("reports")
    result = batch.run_batch(output_dir=out, processed_dir=evaluation_build.processed, timeout=180)
    return types.SimpleNamespace(
        result=result,
        out=out,
        html=out / "html",
        tables=evaluation_build.tables,
        processed=evaluation_build.processed,
    )
