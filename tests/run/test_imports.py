"""The batch's processes import nbformat without jsonschema's slow optional
IRI checker (``rfc3987_syntax``), and notebooks are still validated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import lib.run
import nbformat, papermill
assert "rfc3987_syntax" not in {m for m, mod in sys.modules.items() if mod is not None}
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
nbformat.validate(nb)
nb.cells[0]["cell_type"] = "not-a-cell-type"
try:
    nbformat.validate(nb)
except nbformat.ValidationError:
    print("invalid notebook refused")
"""


def _probe(script: str) -> subprocess.CompletedProcess:
    """``script`` run in a fresh interpreter on the project (nothing imported before it)."""
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc


def test_nbformat_loads_without_the_iri_checker_and_still_validates():
    proc = _probe(PROBE)
    assert "invalid notebook refused" in proc.stdout


DASK_PROBE = """
import sys
import lib.run
from lib.report import workbook
assert "dask.dataframe" not in {m for m, mod in sys.modules.items() if mod is not None}
from pandera.typing import dask
assert not dask.DASK_INSTALLED
from distributed import Client  # the Dask executor's client does without it
print("report stack without dask.dataframe")
"""


def test_the_report_stack_loads_without_pandera_s_dask_integration():
    proc = _probe(DASK_PROBE)
    assert "report stack without dask.dataframe" in proc.stdout
