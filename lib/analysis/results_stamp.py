"""Whether the results tables are current, checked without importing the analysis stack.

The analysis step (:mod:`lib.analysis.results`) writes ``.results_inputs`` into the
processed folder after its tables: the hash of what they were computed from (every
processed CSV that is not a results table, the programme definition and its
evaluation plan) and the names of the tables it wrote. ``lib.run`` asks
:func:`results_current` before every batch (a few milliseconds) and imports the
analysis stack only when the results must be written again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from lib.config import DEFAULT_DEFINITION, PROGRAMME_ENV_VAR, PROJECT_ROOT

STAMP = ".results_inputs"
PREFIX = "results_"


def definition_file() -> Path:
    """The definition in force ($EVAL_PROGRAMME or this programme's), as an absolute path."""
    path = Path(os.environ.get(PROGRAMME_ENV_VAR) or DEFAULT_DEFINITION)
    path = path if path.is_absolute() else PROJECT_ROOT / path
    return path / DEFAULT_DEFINITION.name if path.is_dir() else path  # a programme folder


def inputs_hash(processed_dir: Path) -> str:
    """The hash of the processed tables (not the results themselves), the definition and the plan."""
    digest = hashlib.sha256()
    for path in sorted(Path(processed_dir).glob("*.csv")):
        if not path.name.startswith(PREFIX):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    definition = definition_file()
    for path in (definition, definition.parent / "plan.yaml"):
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


def stamp_text(processed_dir: Path, names: list[str]) -> str:
    return "\n".join([inputs_hash(processed_dir), *names]) + "\n"


def results_current(processed_dir: Path) -> bool:
    """True when the analysis step wrote its tables from the present inputs and they are all there."""
    stamp = Path(processed_dir) / STAMP
    if not stamp.is_file():
        return False
    digest, *names = stamp.read_text(encoding="utf-8").split()
    present = all((Path(processed_dir) / f"{name}.csv").is_file() for name in names)
    return bool(names) and present and digest == inputs_hash(processed_dir)
