"""Run one of the workbook's commands (``python -m ...``) as a user would, from the project root,
with the project on PYTHONPATH and the programme chosen only by ``programme`` (an inherited
``EVAL_PROGRAMME`` is dropped, so a test never picks up the shell's programme)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lib.config import PROJECT_ROOT


def run_module(*args: str, programme: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """``python -m <args>``, its output captured as text; ``timeout`` seconds at most."""
    env = {k: v for k, v in os.environ.items() if k != "EVAL_PROGRAMME"}
    if programme is not None:
        env["EVAL_PROGRAMME"] = str(programme)
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=PROJECT_ROOT,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
