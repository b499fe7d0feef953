"""Nothing waits for ever: a cell that runs past the execution timeout stops
the report within the limit, with a one-line error.

Uses tests/fixtures/notebooks/fault_report.ipynb, whose cell sleeps as long
as ``$FAULT_SLEEP`` says when ``$FAULT_MARKS`` is a folder (the kernel
inherits this process's environment).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lib.run import execution, workers

ROOT = Path(__file__).resolve().parents[2]
FAULT_NB = ROOT / "tests" / "fixtures" / "notebooks" / "fault_report.ipynb"

pytestmark = pytest.mark.notebook

SLEEP_S = 120
TIMEOUT_S = 2


def test_cell_sleeping_past_the_timeout_fails_within_the_limit(tmp_path, monkeypatch):
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("FAULT_MARKS", str(marks))
    monkeypatch.setenv("FAULT_SLEEP", f"leeds:{SLEEP_S}")
    t0 = time.monotonic()
    with pytest.raises(Exception) as caught:  # noqa: PT011  (nbclient's CellTimeoutError, checked below)
        execution.execute(
            str(FAULT_NB),
            str(tmp_path / "out.ipynb"),
            parameters={"authority_id": "leeds"},
            cwd=str(ROOT),
            timeout=TIMEOUT_S,
            start_timeout=60,
        )
    elapsed = time.monotonic() - t0
    assert list(marks.glob("leeds.*")), "the cell never started sleeping"
    # the kernel start (at most start_timeout) plus the cell's limit, far below the sleep
    assert elapsed < 60 + TIMEOUT_S + 10 < SLEEP_S, elapsed
    assert type(caught.value).__name__ == "CellTimeoutError"
    assert workers.is_infrastructure_error(caught.value)  # retried once, then the last good page stays
    summary = workers.error_summary(caught.value)
    assert (
        summary
        == f"CellTimeoutError: A cell timed out while it was being executed, after {TIMEOUT_S} seconds."
    )


def test_no_timeout_given_means_the_default_not_for_ever(monkeypatch, tmp_path):
    seen = {}

    def fake_execute_notebook(*args, **kwargs):
        seen.update(kwargs)

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute_notebook)
    execution.execute("in.ipynb", str(tmp_path / "out.ipynb"), parameters={}, cwd=str(tmp_path), timeout=None)
    assert seen["execution_timeout"] == execution.DEFAULT_CELL_TIMEOUT_S > 0
    assert seen["start_timeout"] == execution.KERNEL_START_TIMEOUT_S > 0
