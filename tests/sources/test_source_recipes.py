"""The contributing guide's data recipes, followed step by step as
docs/contributing.md writes them: "Add a source table" (in a copy of the
project, since its steps edit lib/ and data/) and "Add a programme" (its
commands, run as written). Each build runs in a subprocess, as a user runs it.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lib.sources.schemas import PROCESSED_SCHEMAS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUIDE = PROJECT_ROOT / "docs" / "contributing.md"
SOURCE = "001_4a60edc3d89a3d64.txt § introduction"  # a provenance of the real raw data

pytestmark = pytest.mark.slow  # builds in subprocesses


def _recipe(title: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    return re.search(rf"^### {title}\n(.*?)(?=^##)", text, re.S | re.M).group(1)


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _edit(path: Path, anchor: str, new: str) -> None:
    """Insert ``new`` after ``anchor`` (which must be in the file exactly once)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(anchor) == 1, (path, anchor)
    path.write_text(text.replace(anchor, anchor + new), encoding="utf-8")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- Add a source table ----------------------------------------------------

NEW_MODULE = '''"""Funding notes (funding_notes.csv): what each authority's notes say about funding."""

from __future__ import annotations

import pandas as pd

from lib.config import QUALITY_LOG_NAME
from lib.sources.common import KNOWN_AUTHORITY, authority_id, csv_line, tidy_text
from lib.sources.contract import NOT_BLANK, SOURCE, Issue, RawTable, RowsTo, raw_column

FILE = "funding_notes.csv"


def clean_funding_notes(raw: pd.DataFrame) -> pd.DataFrame:
    kept = raw[raw["note"].map(tidy_text) != ""]
    return pd.DataFrame(
        {
            "authority_id": kept["authority_as_printed"].map(authority_id),
            "note_order": kept["note_order"].astype(int),
            "note": kept["note"].map(tidy_text),
            "source": kept["source"],
        }
    ).sort_values(["authority_id", "note_order"], kind="stable")


def funding_notes_issues(raw: pd.DataFrame) -> list[Issue]:
    return [
        Issue(
            check="empty_cell",
            file=FILE,
            row=csv_line(raw, i),
            column="note",
            value=row["authority_as_printed"],
            issue="no note printed",
            action="row left out of funding_notes.csv",
        )
        for i, row in raw[raw["note"].map(tidy_text) == ""].iterrows()
    ]


RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        FILE,
        {
            "authority_as_printed": raw_column(KNOWN_AUTHORITY),
            "note_order": raw_column(NOT_BLANK),
            "note": raw_column(),
            "source": raw_column(SOURCE),
        },
        ["authority_as_printed", "note_order"],
        rows_to=(RowsTo("funding_notes.csv"), RowsTo(QUALITY_LOG_NAME, where={"file": (FILE,)})),
    ),
)
'''

NEW_MODEL = '''

class FundingNotes(pa.DataFrameModel):
    """`funding_notes.csv`."""

    authority_id: Series[str] = pa.Field(description="canonical authority id")
    note_order: Series[int] = pa.Field(coerce=True, description="order of the note as printed")
    note: Series[str] = pa.Field(description="the note as printed (whitespace tidied)")
    source: Series[str] = _provenance()

    class Config:
        name = "funding_notes"
        strict = True
        ordered = True
        unique = ["authority_id", "note_order"]
'''


def _add_source_table(root: Path, rows: list[str]) -> None:
    """The recipe's steps 1-3, as edits to the copy of the project at ``root``."""
    # 1. the raw file, every row with its provenance
    (root / "data" / "raw" / "funding_notes.csv").write_text(
        "authority_as_printed,note_order,note,source\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8"
    )
    # 2. its contract in the source's module, listed in the registry
    sources = root / "lib" / "sources"
    (sources / "funding_notes.py").write_text(NEW_MODULE, encoding="utf-8")
    _edit(sources / "registry.py", "\n    evidence,\n", "    funding_notes,\n")
    _edit(sources / "registry.py", "                evidence,\n", "                funding_notes,\n")
    _edit(sources / "registry.py", '    "good_practice_checklist.csv",\n', '    "funding_notes.csv",\n')
    # 3. the processed table in the build, its schema, its columns documented
    build = sources / "build.py"
    _edit(
        build,
        "from lib.sources.evidence import clean_evidence_matrix, evidence_matrix_issues\n",
        "from lib.sources.funding_notes import clean_funding_notes, funding_notes_issues\n",
    )
    _edit(
        build,
        "    tables = {\n",
        '        "funding_notes.csv": clean_funding_notes(raw["funding_notes.csv"]),\n',
    )
    _edit(
        build,
        '        *_entries(guidance_issues, raw["practice_guidance.csv"]),\n',
        '        *funding_notes_issues(raw["funding_notes.csv"]),\n',
    )
    _edit(sources / "schemas.py", '        unique = ["stage_order", "item_order"]\n', NEW_MODEL)
    _edit(
        sources / "schemas.py",
        '    "checklist.csv": Checklist,\n',
        '    "funding_notes.csv": FundingNotes,\n',
    )


@pytest.fixture
def project(tmp_path):
    """A copy of the project's code and raw data (the recipe's steps edit them)."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "lib", root / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT_ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copy2(PROJECT_ROOT / "data" / "definition.yaml", root / "data" / "definition.yaml")
    shutil.copy2(PROJECT_ROOT / "data" / "plan.yaml", root / "data" / "plan.yaml")
    shutil.copytree(PROJECT_ROOT / "data" / "notes", root / "data" / "notes")
    shutil.copy(PROJECT_ROOT / "data" / "README.md", root / "data" / "README.md")
    return root


def _build(root: Path) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "lib.evaluation", "build", "--quiet"], root)


def test_recipe_add_a_source_table(project):
    steps = _recipe("Add a source table")
    for named in (
        "RawTable",
        "lib/sources/registry.py",
        "_ORDER",
        "rows_to",
        "_processed_tables",
        "lib/sources/schemas.py",
        "PROCESSED_MODELS",
        "schema-docs",
        "wb.<name>",
    ):
        assert named in steps, f"the recipe does not name {named}"
    assert "funding_notes.csv" not in PROCESSED_SCHEMAS
    _add_source_table(
        project,
        [
            f"Leeds,1,Funding ran to March 2013.,{SOURCE}",
            f"Leeds,2,,{SOURCE}",
            f"Bexley,1,  Core grant. ,{SOURCE}",
        ],
    )
    docs = _run([sys.executable, "-m", "lib.evaluation", "schema-docs"], project)
    assert docs.returncode == 0 and "updated" in docs.stdout, docs.stderr
    assert "### `funding_notes.csv`" in (project / "data" / "README.md").read_text(encoding="utf-8")

    done = _build(project)
    assert done.returncode == 0, done.stderr
    processed = project / "data" / "processed"
    assert _rows(processed / "funding_notes.csv") == [
        {"authority_id": "bexley", "note_order": "1", "note": "Core grant.", "source": SOURCE},
        {"authority_id": "leeds", "note_order": "1", "note": "Funding ran to March 2013.", "source": SOURCE},
    ]
    logged = [r for r in _rows(processed / "data_quality_log.csv") if r["file"] == "funding_notes.csv"]
    assert [(r["check"], r["row"]) for r in logged] == [("empty_cell", "3")]
    # 4. the report reads it as wb.funding_notes
    read = _run(
        [
            sys.executable,
            "-c",
            "from lib.report import workbook; print(len(workbook.load_workbook().funding_notes))",
        ],
        project,
    )
    assert read.stdout.strip() == "2", read.stderr


def test_the_new_source_table_is_held_to_its_contract_and_the_row_accounting(project):
    _add_source_table(project, [f"Leeds,1,A note.,{SOURCE}", f"Nowhere,1,A note.,{SOURCE}"])
    done = _build(project)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert re.search(
        r"^error: .*funding_notes\.csv, row 3, column 'authority_as_printed'", done.stderr, re.M
    ), done.stderr

    raw = project / "data" / "raw" / "funding_notes.csv"
    raw.write_text(raw.read_text(encoding="utf-8").replace("Nowhere,1,A note.", "Leeds,2,"), encoding="utf-8")
    assert _build(project).returncode == 0  # the blank note is logged: every row accounted for
    module = project / "lib" / "sources" / "funding_notes.py"
    text = module.read_text(encoding="utf-8")
    module.write_text(
        text.replace(', RowsTo(QUALITY_LOG_NAME, where={"file": (FILE,)})', ","), encoding="utf-8"
    )
    done = _build(project)  # without the log in rows_to the logged row is unaccounted for
    assert done.returncode != 0, done.stdout
    assert (
        "funding_notes.csv: value '2 row(s) read': expected every raw row processed or logged" in done.stderr
    )


# --- Add a programme -------------------------------------------------------


def test_recipe_add_a_programme(tmp_path):
    """The recipe's commands, run as written (with its folder in a temporary place)."""
    block = re.search(r"```sh\n(.*?)```", _recipe("Add a programme"), re.S).group(1)
    commands = [
        shlex.split(c.replace("/tmp/progb", str(tmp_path / "progb")))
        for c in block.replace("\\\n", " ").splitlines()
    ]
    assert len(commands) == 2
    processed = tmp_path / "progb" / "processed"
    assert not processed.exists()
    for args in commands:
        env = dict(a.split("=", 1) for a in args if "=" in a and not a.startswith("-"))
        args = [
            sys.executable if a == "python" else a
            for a in args
            if a not in (f"{k}={v}" for k, v in env.items())
        ]
        done = _run(args, PROJECT_ROOT, **env)
        assert done.returncode == 0, done.stderr
    assert {p.name for p in processed.glob("*.csv")} >= set(PROCESSED_SCHEMAS)
    from lib import programme

    definition = programme.load_programme(tmp_path / "progb" / "definition.yaml")
    built = {r["authority_id"] for r in _rows(processed / "authorities.csv")}
    assert built == {a.id for a in definition.authorities}
    assert "leeds" not in built  # the first programme's authorities are not there
