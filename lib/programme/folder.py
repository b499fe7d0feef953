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
import re
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml

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


def caveat_headings(path: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """The caveats note's entries, ``(id, title)`` in order: ``('C4', 'Q1 and Q3 are ...')`` for a
    numbered entry, ``('cleaning-inferences', 'Cleaning inferences')`` for another; maintainers'
    blocks left out (as on the caveats page). Empty when the programme has no caveats note."""
    note = caveats_path(path)
    if not note.is_file():
        return []
    entries, hidden = [], False
    for line in note.read_text(encoding="utf-8").splitlines():
        mark = line.strip()
        if mark in ("<!-- maintainers -->", "<!-- /maintainers -->"):
            hidden = mark == "<!-- maintainers -->"
        elif not hidden and line.startswith("## "):
            numbered = re.match(r"(C\d+)\s+(.+)", line[3:].strip())
            if numbered:
                entries.append((numbered.group(1), numbered.group(2)))
            else:
                title = line[3:].strip()
                entries.append((re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-"), title))
    return entries


WORDING_NAME = "wording.yaml"

#: Reader-facing sentences only a programme can say, kept in its ``notes/wording.yaml``
#: (id -> text); each has a default true of any programme.
WORDING: dict[str, tuple[str, str]] = {
    "events": (
        'what respondents answered before and after, in running text ("higher after ...")',
        "the programme's activities",
    ),
    "survey_lead": (
        "the survey section's opening words: who answered it, when and how",
        "",
    ),
    "survey_sample": (
        "methods: who the survey's answers are a sample of",
        "The survey is a sample of the people it asked",
    ),
    "survey_repeat": (
        "methods: what a repeat of the survey would be, and whose true share an interval is about",
        "If the survey were repeated with other people like them, the shares would come out a little "
        "differently each time. The 95% interval shown beside a share is the range that, in 95 repeats "
        "out of 100, would contain the true share for everyone they stand for.",
    ),
    "survey_association": (
        "methods: why a change between the two rounds is an association, in the programme's terms",
        "When a share is higher after than before, that is an association: the programme may have caused "
        "it, but so might who chose to answer, or anything else going on at the time.",
    ),
}


@cache
def _wording(note: Path, stamp: float) -> dict[str, str]:
    from lib.programme.reader import ProgrammeDefinitionError

    try:
        data = yaml.safe_load(note.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ProgrammeDefinitionError([f"error: {note}: not valid YAML ({error})"]) from None
    problems = [
        f"error: {note}, key {key}: unknown wording id; expected one of: {', '.join(WORDING)}"
        for key in (data if isinstance(data, dict) else {"(the file)": None})
        if key not in WORDING
    ] + [
        f"error: {note}, key {key}: value {value!r}: expected non-empty text"
        for key, value in (data.items() if isinstance(data, dict) else ())
        if key in WORDING and not (isinstance(value, str) and value.strip())
    ]
    if problems:
        raise ProgrammeDefinitionError(problems)
    return {str(k): " ".join(str(v).split()) for k, v in data.items()}


def wording(key: str, path: str | os.PathLike | None = None) -> str:
    """The programme's own words for ``key`` (``notes/wording.yaml``), else the default (:data:`WORDING`)."""
    note = notes_dir(path) / WORDING_NAME
    own = _wording(note, note.stat().st_mtime) if note.is_file() else {}
    return own.get(key, WORDING[key][1])


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
