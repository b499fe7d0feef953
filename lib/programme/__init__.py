"""The programme definition: this programme's vocabulary as data.

Everything the workbook knows about *which* programme it evaluates (its
authorities and their spellings, evidence items and legend, survey phases,
sectors, questions and items, KPIs, themes, commissioning stages and source
documents) lives in a YAML file under ``data/programme/``, not in code. This
module reads it once, checks it at the boundary and returns an immutable,
typed :class:`Programme` with lookup helpers.

Which definition is used: the ``EVAL_PROGRAMME`` environment variable (a path
to a definition file), else ``data/programme/definition.yaml``.

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
]

from lib.config import DEFAULT_DEFINITION, PROGRAMME_ENV_VAR, PROJECT_ROOT  # noqa: E402


def definition_path(path: str | os.PathLike | None = None) -> Path:
    """The definition in force: ``path``, else $EVAL_PROGRAMME, else this programme's file."""
    chosen = path if path is not None else os.environ.get(PROGRAMME_ENV_VAR) or DEFAULT_DEFINITION
    return Path(chosen)


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
    for line in error.problems:
        print(line, file=out)
    print(f"definition rejected: {len(error.problems)} problem(s)", file=out)
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
    "usage: python -m lib.programme check [definition.yaml]  (default: $EVAL_PROGRAMME or "
    f"{_display(DEFAULT_DEFINITION)})\n"
    "       python -m lib.programme reference  (rewrite the definition reference in data/README.md)"
)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["reference"]:
        changed = update_reference()
        print("data/README.md updated" if changed else "data/README.md already up to date")
        return 0
    if not args or args[0] != "check" or len(args) > 2:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        programme = load_programme(args[1] if len(args) == 2 else None)
    except ProgrammeDefinitionError as error:
        return report_bad_definition(error)
    print(
        f"{_display(programme.path)}: {programme.name}: {len(programme.authorities)} authorities, "
        f"{len(programme.evidence_items)} evidence items, {len(programme.questions)} survey questions"
    )
    return 0
