"""A programme is a folder: where each of its parts lives.

::

    <folder>/definition.yaml   what the programme is (authorities, items, questions, ...)
    <folder>/plan.yaml         its evaluation plan (design, success criteria, decision rules)
    <folder>/notes/            reader-facing notes: caveats.md (the caveats page), methods notes ...
    <folder>/raw/              its raw tables, transcribed from its sources
    <folder>/processed/        written by the build (``python -m lib.evaluation build``)

This programme's folder is ``data/`` itself (``data/definition.yaml``,
``data/raw/`` ...). Another is selected with ``--programme DIR`` on the entry
points, ``make reports PROGRAMME=DIR`` or ``EVAL_PROGRAMME=DIR``; a path to a
definition file also works (its folder is the programme's). Every path below
is resolved from the definition in force, through :func:`programme_dir`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from lib.config import DEFAULT_PROGRAMME_DIR, PROGRAMME_ENV_VAR

DEFINITION_NAME = "definition.yaml"
PLAN_NAME = "plan.yaml"
NOTES_NAME = "notes"
CAVEATS_NAME = "caveats.md"
RAW_NAME = "raw"
PROCESSED_NAME = "processed"


def _chosen(path: str | os.PathLike | None) -> Path:
    return Path(path if path is not None else os.environ.get(PROGRAMME_ENV_VAR) or DEFAULT_PROGRAMME_DIR)


def definition_path(path: str | os.PathLike | None = None) -> Path:
    """The definition in force: ``path``, else $EVAL_PROGRAMME, else this programme's.

    A folder means its ``definition.yaml``; a ``.yaml`` file is the definition itself.
    """
    chosen = _chosen(path)
    is_file = chosen.suffix in (".yaml", ".yml") and not chosen.is_dir()
    return chosen if is_file else chosen / DEFINITION_NAME


def programme_dir(path: str | os.PathLike | None = None) -> Path:
    """The programme's folder: the folder holding its definition."""
    return definition_path(path).parent


def plan_path(path: str | os.PathLike | None = None) -> Path:
    """The evaluation plan, beside the definition (``<folder>/plan.yaml``)."""
    return programme_dir(path) / PLAN_NAME


def notes_dir(path: str | os.PathLike | None = None) -> Path:
    """The programme's reader-facing notes (``<folder>/notes/``)."""
    return programme_dir(path) / NOTES_NAME


def caveats_path(path: str | os.PathLike | None = None) -> Path:
    """The programme's caveats (``<folder>/notes/caveats.md``), rendered as the caveats page."""
    return notes_dir(path) / CAVEATS_NAME


def note_files(path: str | os.PathLike | None = None) -> list[Path]:
    """Every file under the notes folder, sorted (empty when there is none)."""
    folder = notes_dir(path)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def raw_dir(path: str | os.PathLike | None = None) -> Path:
    """The programme's raw tables (``<folder>/raw/``)."""
    return programme_dir(path) / RAW_NAME


def processed_dir(path: str | os.PathLike | None = None) -> Path:
    """Where the build writes the programme's processed tables (``<folder>/processed/``)."""
    return programme_dir(path) / PROCESSED_NAME


def select(path: str | os.PathLike) -> None:
    """Make ``path`` (a programme folder or its definition) the programme in force for this
    process and every process it starts (kernels included)."""
    os.environ[PROGRAMME_ENV_VAR] = str(Path(path).resolve())


def run_under(path: str | os.PathLike, module: str, argv: Sequence[str]) -> int:
    """Run ``python -m module argv`` with ``path`` as the programme in force; its exit status.

    For an entry point whose modules have already read another definition (the
    definition is read once per process): the command runs again in a process
    that reads this one.
    """
    env = {**os.environ, PROGRAMME_ENV_VAR: str(Path(path).resolve())}
    with subprocess.Popen([sys.executable, "-m", module, *argv], env=env) as child:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # the child has the signal too and says what it stopped
                continue
