"""The programme definition: this programme's vocabulary as data.

Everything the workbook knows about *which* programme it evaluates (its
authorities and their spellings, evidence items and legend, survey phases,
sectors, questions and items, KPIs, themes, commissioning stages and source
documents) lives in the programme's folder, not in code. This module reads
its definition once, checks it at the boundary and returns an immutable,
typed :class:`Programme` with lookup helpers.

A programme is a folder (:mod:`lib.programme.folder`): ``definition.yaml``,
``plan.yaml``, ``notes/`` (``caveats.md`` and other reader-facing notes) and
``raw/``. This programme's folder is ``data/``; ``--programme DIR`` on the
entry points or the ``EVAL_PROGRAMME`` environment variable (a folder, or a
definition file) selects another.

``python -m lib.programme new DIR`` writes a minimal programme that builds
and renders as it stands (:mod:`lib.programme.scaffold`).

A bad definition stops with one line per problem and no traceback, here and
in every entry point (:func:`check_definition`, :func:`report_bad_definition`)::

    $ python -m lib.programme check d.yaml
    error: d.yaml, key authorities[3].spelling: value ['Kent CC']: unknown key 'spelling' ...
    definition rejected: 1 problem(s)

``python -m lib.programme reference`` rewrites the definition's reference in
data/README.md from the key table (:mod:`lib.programme.keys`).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from functools import cache
from pathlib import Path
from typing import TextIO

import yaml

from lib.programme.keys import reference
from lib.programme.model import (
    ActivityMeasure,
    Authority,
    CaseStudyGroup,
    EvidenceInference,
    EvidenceStatus,
    Item,
    Measure,
    Phase,
    PrintedCode,
    Programme,
    Question,
    RespondentGroup,
    Sector,
    SourceDocument,
    Stage,
    UnderstandingItem,
    UnknownNameError,
    Year,
    authority_keys,
    name_key,
    slug_key,
    slugify,
    spaced_key,
)
from lib.programme.names import a_to_z_key
from lib.programme.plan import PLAN_FILE, Plan, load_plan, plan_reference
from lib.programme.reader import ProgrammeDefinitionError
from lib.programme.schema import SCHEMA_VERSION, parse_definition

__all__ = [
    "ActivityMeasure",
    "CaseStudyGroup",
    "Authority",
    "EvidenceInference",
    "EvidenceStatus",
    "Item",
    "Measure",
    "Phase",
    "Plan",
    "PrintedCode",
    "Programme",
    "ProgrammeDefinitionError",
    "Question",
    "RespondentGroup",
    "Sector",
    "SourceDocument",
    "Stage",
    "UnderstandingItem",
    "UnknownNameError",
    "Year",
    "SCHEMA_VERSION",
    "DEFAULT_DEFINITION",
    "PROGRAMME_ENV_VAR",
    "current_programme",
    "definition_path",
    "programme_dir",
    "plan_path",
    "notes_dir",
    "caveats_path",
    "caveat_headings",
    "wording",
    "WORDING",
    "note_files",
    "raw_dir",
    "processed_dir",
    "select",
    "run_under",
    "load_programme",
    "parse_definition",
    "check_definition",
    "report_bad_definition",
    "update_reference",
    "name_key",
    "slug_key",
    "slugify",
    "spaced_key",
    "authority_keys",
    "a_to_z_key",
]

from lib.config import DEFAULT_DEFINITION, PROGRAMME_ENV_VAR, PROJECT_ROOT  # noqa: E402
from lib.programme.folder import (  # noqa: E402
    WORDING,
    caveat_headings,
    caveats_path,
    definition_path,
    note_files,
    notes_dir,
    plan_path,
    processed_dir,
    programme_dir,
    raw_dir,
    run_under,
    select,
    wording,
)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def load_programme(path: str | os.PathLike | None = None) -> Programme:
    """Read and validate a definition (see :func:`definition_path` for which one)."""
    chosen = definition_path(path)
    shown = _display(chosen)
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as error:
        raise ProgrammeDefinitionError(
            [f"error: {shown}: cannot be read ({error.strerror or error})"]
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ProgrammeDefinitionError([f"error: {shown}{where}: not valid YAML ({problem})"]) from None
    programme = parse_definition(data, shown)
    plan_path = chosen.parent / PLAN_FILE
    if not plan_path.is_file():
        return programme
    return dataclasses.replace(programme, evaluation_plan=load_plan(plan_path, _display(plan_path)))


@cache
def _cached(path: Path) -> Programme:
    return load_programme(path)


def current_programme() -> Programme:
    """The programme in force, loaded once per process and path."""
    return _cached(definition_path().resolve())


def report_bad_definition(error: ProgrammeDefinitionError, stream: TextIO | None = None) -> int:
    """Print a rejected definition as one line per problem and a count; returns the exit status (1)."""
    out = stream if stream is not None else sys.stderr
    for line in error.lines():
        print(line, file=out)
    return 1


def check_definition(path: str | os.PathLike | None = None, stream: TextIO | None = None) -> int:
    """For entry points: 0 if the definition in force is good, else its problems printed and 1."""
    try:
        load_programme(path)
    except ProgrammeDefinitionError as error:
        return report_bad_definition(error, stream)
    return 0


_previous_excepthook = sys.excepthook


def _excepthook(kind, value, tb) -> None:
    if isinstance(value, ProgrammeDefinitionError):
        report_bad_definition(value)
    else:
        _previous_excepthook(kind, value, tb)


# A command that stops on a bad definition (often while importing the modules
# that read it) prints the problem lines, not a traceback; the exit status is 1.
sys.excepthook = _excepthook

REFERENCE_START = "<!-- definition-reference:start -->"
REFERENCE_END = "<!-- definition-reference:end -->"
PLAN_REFERENCE_START = "<!-- plan-reference:start -->"
PLAN_REFERENCE_END = "<!-- plan-reference:end -->"
DATA_README = PROJECT_ROOT / "data" / "README.md"


def update_reference(readme: Path = DATA_README, *, write: bool = True) -> bool:
    """Regenerate the definition's reference between its markers in data/README.md; True if it changed."""
    text = readme.read_text(encoding="utf-8")
    before, rest = text.split(REFERENCE_START, 1)
    _, after = rest.split(REFERENCE_END, 1)
    new = f"{before}{REFERENCE_START}\n{reference()}{REFERENCE_END}{after}"
    if PLAN_REFERENCE_START in new:  # the evaluation plan's keys, where the file has their section
        head, rest = new.split(PLAN_REFERENCE_START, 1)
        _, tail = rest.split(PLAN_REFERENCE_END, 1)
        new = f"{head}{PLAN_REFERENCE_START}\n{plan_reference()}{PLAN_REFERENCE_END}{tail}"
    if new != text and write:
        readme.write_text(new, encoding="utf-8")
    return new != text


USAGE = (
    "usage: python -m lib.programme check [DIR | definition.yaml]  (default: --programme DIR, "
    f"$EVAL_PROGRAMME or {_display(DEFAULT_DEFINITION.parent)}/)\n"
    "       python -m lib.programme new DIR  (write a minimal programme that builds and renders)\n"
    "       python -m lib.programme reference  (rewrite the definition reference in data/README.md)"
)


def _check(path: str | None) -> int:
    try:
        programme = load_programme(path)
    except ProgrammeDefinitionError as error:
        return report_bad_definition(error)
    print(
        f"{_display(programme.path)}: {programme.name}: {len(programme.authorities)} authorities, "
        f"{len(programme.evidence_items)} evidence items, {len(programme.questions)} survey questions"
    )
    return 0


def _programme_option(args: list[str]) -> tuple[list[str], str | None]:
    """``args`` without ``--programme DIR`` (or ``--programme=DIR``), and DIR."""
    for i, arg in enumerate(args):
        if arg == "--programme" and i + 1 < len(args):
            return args[:i] + args[i + 2 :], args[i + 1]
        if arg.startswith("--programme="):
            return args[:i] + args[i + 1 :], arg.split("=", 1)[1]
    return args, None


def main(argv: list[str] | None = None) -> int:
    args, chosen = _programme_option(list(sys.argv[1:] if argv is None else argv))
    if args == ["reference"]:
        changed = update_reference()
        print("data/README.md updated" if changed else "data/README.md already up to date")
        return 0
    if len(args) == 2 and args[0] == "new":
        from lib.programme.scaffold import new_programme

        return new_programme(Path(args[1]))
    if not args or args[0] != "check" or len(args) > 2 or (chosen and len(args) == 2):
        print(USAGE, file=sys.stderr)
        return 2
    return _check(args[1] if len(args) == 2 else chosen)
