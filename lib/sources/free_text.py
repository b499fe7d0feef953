"""Free-text answers from the response files, and the evaluators' codes for them.

Response files may carry a free-text column for each comment question of the
definition (``<question id>_text``, e.g. ``best_features_text``; accepted
headers in :data:`lib.sources.response_format.STANDARD_COLUMNS`). The build
reads those answers with their context (authority, sector, phase, question)
into ``free_text_answers.csv``; each answer has a stable ``answer_id`` made
from its file, row, question and text, so a code stays attached to the
answer it was given for.

Evaluators code the answers against the definition's themes (the coding
frame) with the coding widget (:mod:`lib.workbench.coding`). Codes are
evaluator input, kept in their own folder beside the raw data
(``data/codes/``, :func:`codes_dir`): one append-only CSV file per coder,
``<coder>.csv``, one row per theme decision with the time it was made
(:data:`CODE_COLUMNS`). The raw transcriptions and the response files are
never written. Each codes file is validated like every raw table (a
:class:`~lib.sources.contract.RawTable` contract read by
:func:`lib.sources.reading.read_table`); a bad file stops the build with one
line per problem. The build then writes:

* ``free_text_codes.csv``: each coder's latest decision for every theme of
  every answer they coded (a theme not ticked in the latest save is "no");
* ``free_text_agreement.csv``: for every pair of coders and every theme, the
  cross-table of their decisions over the answers both coded (Cohen's kappa
  is computed from it in :mod:`lib.analysis.kappa`).

A code for an answer that is no longer in the response files is listed in the
data-quality log and not used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from lib.programme import current_programme
from lib.sources.contract import (
    QUALITY_LOG_COLUMNS,
    Problem,
    RawDataError,
    RawTable,
    display_path,
    matches,
    one_of,
    raw_column,
)
from lib.sources.reading import read_table
from lib.sources.response_format import MISSING_ANSWERS, Vocabulary, lookup_column, programme_vocabulary
from lib.sources.response_reading import relative_names, response_files
from lib.sources.responses import FileColumns, lookup_authorities, resolve_phase, row_hashes

#: Folder of the codes files; default ``<raw dir>/../codes`` (``data/codes``).
CODES_DIR_ENV_VAR = "EVAL_CODES_DIR"
CODES_SUBDIR = "codes"
#: A coder's name as it is written in the file name (``data/codes/<coder>.csv``).
CODER_RE = r"[a-z0-9][a-z0-9_-]{0,39}"
#: The columns of a codes file, in order.
CODE_COLUMNS = ("coded_at", "answer_id", "theme", "applies", "note")
TIME_RE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"
ANSWER_ID_RE = r"[0-9a-f]{12}"
#: A sector that is blank or unknown in the response file.
UNSTATED_SECTOR = "unstated"
TABLES = ("free_text_answers.csv", "free_text_codes.csv", "free_text_agreement.csv")


def codes_dir(raw_dir: Path, override: Path | None = None) -> Path:
    """Where codes files are read from: ``override``, else ``EVAL_CODES_DIR``,
    else the ``codes`` folder beside ``raw_dir``."""
    if override is not None:
        return Path(override)
    env = os.environ.get(CODES_DIR_ENV_VAR, "").strip()
    return Path(env) if env else Path(raw_dir).parent / CODES_SUBDIR


def free_text_questions() -> list[tuple[str, str]]:
    """``(question id, label)`` of the definition's free-text (comment) questions, in order."""
    return [(q.id, q.label) for q in current_programme().questions if q.base == "comments"]


def coding_frame() -> list[tuple[str, str]]:
    """``(theme id, label)``: the definition's themes, the coding frame."""
    return [(t.id, t.label) for t in current_programme().themes]


def code_contract(name: str) -> RawTable:
    """The contract of one codes file (``<coder>.csv``)."""
    return RawTable(
        name,
        {
            "coded_at": raw_column(matches(TIME_RE, "a UTC time 'YYYY-MM-DDTHH:MM:SSZ'")),
            "answer_id": raw_column(matches(ANSWER_ID_RE, "an answer id (12 hexadecimal digits)")),
            "theme": raw_column(one_of([t for t, _ in coding_frame()])),
            "applies": raw_column(one_of(["yes", "no"])),
            "note": raw_column(matches(r"[^\r\n]{0,2000}", "a note on one line (at most 2,000 characters)")),
        },
        [],
        description="one coder's theme decisions, appended by the coding widget",
        max_rows=500_000,
        max_bytes=50_000_000,
    )


def answer_id(file: str, row: int, question: str, text: str) -> str:
    """A stable id for one answer: its file, row, question and text."""
    return hashlib.sha256(f"{file}\x1f{row}\x1f{question}\x1f{text}".encode()).hexdigest()[:12]


# --------------------------------------------------------------------------
# Free-text answers
# --------------------------------------------------------------------------


def _file_answers(path: Path, name: str, vocab: Vocabulary) -> pd.DataFrame:
    """The free-text answers of one file (rows with a known authority and phase)."""
    cols = FileColumns(path, vocab, name)
    frame = pd.DataFrame(
        {
            "file": name,
            "row": cols.rownum,
            "authority_id": lookup_authorities(cols.coded("authority"), vocab).to_numpy(),
            "sector": lookup_column(cols.coded("sector"), vocab.sectors).fillna(UNSTATED_SECTOR).to_numpy(),
            "phase": resolve_phase(cols).to_numpy(),
            "hash": row_hashes(cols),
        }
    )
    parts = []
    for question, _ in free_text_questions():
        column = f"{question}_text"
        if column not in cols.canon:
            continue
        text = pd.Series(cols.text(column), dtype=object).map(lambda t: re.sub(r"\s+", " ", t).strip())
        answered = text.ne("") & ~text.str.casefold().isin(MISSING_ANSWERS)
        parts.append(frame[answered.to_numpy()].assign(question=question, text=text[answered].to_numpy()))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def free_text_answers(paths: list[Path], vocab: Vocabulary | None = None) -> pd.DataFrame:
    """Every free-text answer of the response files, one row each, in file order.

    Rows the response cleaning leaves out (unknown authority or phase, exact
    duplicate submissions) are left out here too.
    """
    vocab = vocab or programme_vocabulary()
    found = [_file_answers(p, n, vocab) for p, n in zip(paths, relative_names(paths), strict=True)]
    found = [f for f in found if len(f)]
    columns = ["answer_id", "authority_id", "sector", "phase", "question", "text", "file", "row"]
    if not found:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else str) for c in columns})
    data = pd.concat(found, ignore_index=True)
    data = data[data["authority_id"].notna() & data["phase"].notna()]
    first = data.drop_duplicates("hash")[["file", "row"]].apply(tuple, axis=1)
    data = data[data[["file", "row"]].apply(tuple, axis=1).isin(set(first))]
    data = data.assign(
        answer_id=[
            answer_id(f, int(r), q, t)
            for f, r, q, t in zip(data["file"], data["row"], data["question"], data["text"], strict=True)
        ],
        row=data["row"].astype("int64"),
    )
    return data[columns].astype({c: str for c in columns if c != "row"}).reset_index(drop=True)


# --------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------


def codes_files(directory: Path) -> list[Path]:
    """The codes files in ``directory`` (``*.csv``, sorted; hidden files skipped)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.csv") if p.is_file() and not p.name.startswith("."))


def read_codes(paths: list[Path]) -> pd.DataFrame:
    """Every codes file, validated against its contract: one row per code with
    ``coder`` and the file's ``line``. Raises :class:`RawDataError`, one line
    per problem, across all files."""
    frames, problems = [], []
    for path in paths:
        coder = path.stem
        if not re.fullmatch(CODER_RE, coder):
            problems.append(
                Problem(
                    display_path(path),
                    None,
                    None,
                    path.name,
                    "a codes file named '<coder>.csv' with the coder's name in lower-case letters, "
                    "digits, '-' or '_'",
                )
            )
            continue
        try:
            frame = read_table(path, code_contract(path.name))
        except RawDataError as err:
            problems += err.problems
            continue
        frames.append(
            frame.assign(coder=coder, line=frame.attrs["lines"], file=f"{CODES_SUBDIR}/{path.name}")
        )
    if problems:
        raise RawDataError(problems)
    columns = ["coder", *CODE_COLUMNS, "line", "file"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def latest_codes(codes: pd.DataFrame, answers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each coder's latest save for each answer, as one row per theme of the frame
    (``free_text_codes.csv``), and log rows for codes of answers not in ``answers``."""
    known = codes["answer_id"].isin(set(answers["answer_id"]))
    stray = codes[~known]
    log = pd.DataFrame(
        {
            "check": "code_unknown_answer",
            "file": stray["file"],
            "row": stray["line"].astype(str),
            "column": "answer_id",
            "value": stray["answer_id"],
            "issue": "a code for an answer that is not in the response files",
            "action": "not used",
        },
        columns=QUALITY_LOG_COLUMNS,
    )
    codes = codes[known].sort_values(["coder", "answer_id", "coded_at", "line"], kind="stable")
    last_save = codes.groupby(["coder", "answer_id"], sort=True).agg(
        coded_at=("coded_at", "last"), note=("note", "last")
    )
    decided = codes.groupby(["coder", "answer_id", "theme"], sort=True)[["coded_at", "applies"]].last()
    themes = [t for t, _ in coding_frame()]
    grid = pd.MultiIndex.from_tuples(
        [(c, a, t) for c, a in last_save.index for t in themes], names=["coder", "answer_id", "theme"]
    )
    out = decided.reindex(grid).reset_index()
    out["applies"] = out["applies"].eq("yes")
    saved = last_save.reindex(pd.MultiIndex.from_frame(out[["coder", "answer_id"]]))
    out["note"] = saved["note"].to_numpy()
    out["coded_at"] = saved["coded_at"].to_numpy()
    return out[["coder", "answer_id", "theme", "applies", "note", "coded_at"]], log.astype(str)


def agreement(latest: pd.DataFrame) -> pd.DataFrame:
    """For every pair of coders and every theme, the cross-table of their
    decisions over the answers both coded (``free_text_agreement.csv``)."""
    rows = []
    coders = sorted(set(latest["coder"]))
    for first, second in itertools.combinations(coders, 2):
        a = latest[latest["coder"] == first].set_index(["answer_id", "theme"])["applies"]
        b = latest[latest["coder"] == second].set_index(["answer_id", "theme"])["applies"]
        both = a.index.intersection(b.index)
        for theme, _ in coding_frame():
            keys = [k for k in both if k[1] == theme]
            x, y = a.reindex(keys).to_numpy(bool), b.reindex(keys).to_numpy(bool)
            rows.append(
                {
                    "first_coder": first,
                    "second_coder": second,
                    "theme": theme,
                    "n_answers": len(keys),
                    "both_yes": int((x & y).sum()),
                    "first_only": int((x & ~y).sum()),
                    "second_only": int((~x & y).sum()),
                    "both_no": int((~x & ~y).sum()),
                }
            )
    columns = ["first_coder", "second_coder", "theme", "n_answers", "both_yes", "first_only"]
    return pd.DataFrame(rows, columns=[*columns, "second_only", "both_no"])


# --------------------------------------------------------------------------
# Processed tables: schemas, build hook, loading
# --------------------------------------------------------------------------


def _count(description: str) -> pa.Column:
    return pa.Column("int64", pa.Check.ge(0), coerce=True, description=description)


def schemas(vocab: Vocabulary | None = None) -> dict[str, pa.DataFrameSchema]:
    """The processed contract of the three free-text tables."""
    vocab = vocab or programme_vocabulary()
    themes = pa.Column(
        str, pa.Check.isin([t for t, _ in coding_frame()]), description="theme id", coerce=True
    )
    coder = pa.Column(
        str, pa.Check.str_matches(CODER_RE), description="coder (the codes file's name)", coerce=True
    )
    ids = pa.Column(str, pa.Check.str_matches(ANSWER_ID_RE), description="answer id", coerce=True)
    return {
        "free_text_answers.csv": pa.DataFrameSchema(
            {
                "answer_id": pa.Column(str, pa.Check.str_matches(ANSWER_ID_RE), unique=True, coerce=True),
                "authority_id": pa.Column(str, pa.Check.isin(list(vocab.authorities)), coerce=True),
                "sector": pa.Column(
                    str, pa.Check.isin([*set(vocab.sectors.values()), UNSTATED_SECTOR]), coerce=True
                ),
                "phase": pa.Column(str, pa.Check.isin(list(vocab.phase_ids)), coerce=True),
                "question": pa.Column(str, pa.Check.isin([q for q, _ in free_text_questions()]), coerce=True),
                "text": pa.Column(
                    str, pa.Check.str_length(1, 10_000), description="the answer as written", coerce=True
                ),
                "file": pa.Column(str, description="response file, below the responses folder", coerce=True),
                "row": _count("row in the file (header = 1; SPSS: case number)"),
            },
            strict=True,
            ordered=True,
            name="free_text_answers",
        ),
        "free_text_codes.csv": pa.DataFrameSchema(
            {
                "coder": coder,
                "answer_id": ids,
                "theme": themes,
                "applies": pa.Column(bool, coerce=True, description="the coder ticked the theme"),
                "note": pa.Column(str, description="the coder's note on the answer", coerce=True),
                "coded_at": pa.Column(
                    str, pa.Check.str_matches(TIME_RE), description="time of the save", coerce=True
                ),
            },
            strict=True,
            ordered=True,
            name="free_text_codes",
            unique=["coder", "answer_id", "theme"],
        ),
        "free_text_agreement.csv": pa.DataFrameSchema(
            {
                "first_coder": coder,
                "second_coder": coder,
                "theme": themes,
                "n_answers": _count("answers both coders coded"),
                "both_yes": _count("both ticked the theme"),
                "first_only": _count("the first coder only"),
                "second_only": _count("the second coder only"),
                "both_no": _count("neither ticked it"),
            },
            strict=True,
            ordered=True,
            name="free_text_agreement",
            unique=["first_coder", "second_coder", "theme"],
        ),
    }


def free_text_tables(
    response_paths: list[Path], code_paths: list[Path]
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The three processed tables (validated) and the log rows."""
    answers = free_text_answers(response_paths)
    latest, log = latest_codes(read_codes(code_paths), answers)
    tables = {
        "free_text_answers.csv": answers,
        "free_text_codes.csv": latest,
        "free_text_agreement.csv": agreement(latest),
    }
    checked = schemas()
    return {name: checked[name].validate(t.reset_index(drop=True)) for name, t in tables.items()}, log


def add_free_text_tables(build, responses_folder: Path, codes_folder: Path):
    """Build hook: ``build`` plus the free-text tables when the response files
    carry free-text answers or codes exist; ``build`` unchanged otherwise."""
    paths, code_paths = response_files(responses_folder), codes_files(codes_folder)
    if not paths and not code_paths:
        return build
    tables, log = free_text_tables(paths, code_paths)
    if not len(tables["free_text_answers.csv"]) and not code_paths:
        return build
    issues = pd.concat([build.issues, log], ignore_index=True).astype(str)
    issues = issues.sort_values(QUALITY_LOG_COLUMNS, kind="stable").reset_index(drop=True)
    return dataclasses.replace(build, tables={**build.tables, **tables}, issues=issues)


def load_free_text_tables(processed_dir: Path) -> dict[str, pd.DataFrame] | None:
    """The free-text tables of a build, typed (by stem), or None when it had none."""
    processed_dir = Path(processed_dir)
    if not (processed_dir / TABLES[0]).exists():
        return None
    checked, out = schemas(), {}
    for name in TABLES:
        frame = pd.read_csv(processed_dir / name, dtype=str, keep_default_na=False)
        for col, spec in checked[name].columns.items():
            kind = str(spec.dtype).lower()
            if kind.startswith("int"):
                frame[col] = pd.to_numeric(frame[col]).astype("int64")
            elif kind == "bool":
                frame[col] = frame[col].eq("True")
        out[name.removesuffix(".csv")] = checked[name].validate(frame)
    return out
