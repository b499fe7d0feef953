"""Respondent-level survey data: clean the raw response exports.

An evaluation team usually holds the raw pre/post workshop survey exports: one
row per response, from an online form tool (CSV or Excel) or SPSS (``.sav``),
or typed in from paper. :mod:`lib.sources.response_reading` finds and reads
the files in ``data/raw/responses/`` (or another directory:
``response_format.responses_dir``); this module cleans them into one row per
usable response, step by step (its log rows: :mod:`lib.sources.response_log`);
:mod:`lib.sources.response_tables` aggregates those into the processed tables
and holds the build hook.

The input format is documented in ``data/README.md`` ("Response files").
Cleaning records every judgement in the data-quality log (file and row); a file
that cannot be read at all stops the build with one line naming the file and
the reason, and ``data/processed/`` is left untouched. The work is vectorised:
answers are parsed once per *distinct* spelling (factorised codes), never
once per row, so a million responses take seconds.

The file format, the settings and the programme's vocabulary (one adapter to
the registry) live in :mod:`lib.sources.response_format`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lib.programme.names import authority_hint, match_authority
from lib.sources.contract import QUALITY_LOG_COLUMNS, Problem, display_path
from lib.sources.response_format import (
    ANSWERED,
    INVALID,
    PARTICIPANTS,
    STANDARD_COLUMNS,
    Vocabulary,
    column_map,
    factorise,
    group_of,
    header_key,
    lookup_column,
    lookup_phase,
    parse_column,
    programme_vocabulary,
    spelling_key,
    suggest,
)
from lib.sources.response_log import group_log, row_labels, row_words
from lib.sources.response_reading import (
    ResponseDataError,
    ResponseFileError,
    phase_from_name,
    read_file,
    relative_names,
)

# --------------------------------------------------------------------------
# Reading one file
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# Cleaning one file, step by step
# --------------------------------------------------------------------------


@dataclass
class Cleaned:
    """Usable responses, one row each, and what the cleaning found."""

    responses: pd.DataFrame  # authority_id, group, sector, phase, ref, <item> (int8, 0 = no usable answer)
    issues: pd.DataFrame  # quality-log rows
    files: pd.DataFrame  # response_files.csv


def _category_text(coded: tuple[np.ndarray, list]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, stripped text of each distinct value, with '' appended for code -1)."""
    codes, cats = coded
    text = np.array([str(c).strip() for c in cats] + [""], dtype=object)
    return codes, text


class FileColumns:
    """One file read, its columns mapped to the format's names, and the log
    rows found so far. Each column is factorised once, on first use."""

    def __init__(self, path: Path, vocab: Vocabulary, name: str | None = None):
        self.path, self.vocab = Path(path), vocab
        self.raw, self.fmt = read_file(path, vocab)
        self.shown = display_path(path)  # in messages: where to find the file
        self.name = name or self.path.name  # in the tables and the log: where the folder is does not matter
        self.sav = self.fmt == "sav"
        self.n = len(self.raw)
        self.rownum = np.arange(self.n) + (1 if self.sav else 2)
        self.bad: list[pd.DataFrame] = []
        self.canon = self._map_headers()
        self._factorised: dict[str, tuple[np.ndarray, list]] = {}

    def _map_headers(self) -> dict[str, str]:
        """Canonical name -> header as written; unknown headers are logged, a
        missing authority or question column stops the file."""
        mapping, canon = column_map(self.vocab), {}
        for header in self.raw.columns:
            name = mapping.get(header_key(header))
            if name is None:
                self.log(
                    "response_unknown_column",
                    header,
                    "",
                    "column not in the response file format",
                    "not used",
                    np.array([1]),
                    sav=False,
                )
            elif name in canon:
                raise ResponseFileError(
                    self.shown, f"columns {canon[name]!r} and {header!r} both give '{name}'", column=header
                )
            else:
                canon[name] = header
        items = self.vocab.items
        if "authority" not in canon:
            raise ResponseFileError(self.shown, "no authority column (expected a header such as 'authority')")
        if not any(it.item in canon for it in items):
            raise ResponseFileError(
                self.shown,
                f"no survey question columns (expected e.g. '{items[0].item}' or '{items[-1].item}')",
            )
        return canon

    def coded(self, name: str) -> tuple[np.ndarray, list]:
        """(code per row, distinct values) of a canonical column; absent = all blank."""
        if name not in self._factorised:
            column = (
                self.raw[self.canon[name]] if name in self.canon else pd.Series([""] * self.n, dtype=object)
            )
            self._factorised[name] = factorise(column)
        return self._factorised[name]

    def text(self, name: str) -> np.ndarray:
        """The stripped text of a canonical column, per row."""
        codes, text = _category_text(self.coded(name))
        return text[codes]

    def log(self, check, column, value, issue, action, rows, sav=None) -> None:
        """Rows behind one kind of log entry, ungrouped (grouped once at the end)."""
        self.bad.append(
            pd.DataFrame(
                {
                    "check": check,
                    "file": self.name,
                    "column": column,
                    "value": value,
                    "issue": issue,
                    "action": action,
                    "row": rows,
                    "sav": self.sav if sav is None else sav,
                }
            )
        )


def row_hashes(cols: FileColumns) -> np.ndarray:
    """Exact duplicates are judged on every field as written (canonical order).
    Each distinct value is hashed once; absent columns count as blank."""
    row_hash = np.zeros(cols.n, dtype=np.uint64)
    for name in [*STANDARD_COLUMNS, *(it.item for it in cols.vocab.items)]:
        if name in cols.canon:
            codes, uniques = cols.coded(name)
            hashed = pd.util.hash_array(np.array([*map(str, uniques), ""], dtype=object))[codes]
        else:
            hashed = pd.util.hash_array(np.array([""], dtype=object))[np.zeros(cols.n, dtype=np.int64)]
        row_hash = (row_hash * np.uint64(1_000_003)) ^ hashed
    return row_hash


def resolve_phase(cols: FileColumns) -> pd.Series:
    """The phase per row: the phase column, else the file name (a disagreement is logged)."""
    phase = lookup_phase(cols.coded("phase"), cols.vocab)
    from_name = phase_from_name(cols.path)
    if from_name is None:
        return phase
    disagree = (phase.notna() & (phase != from_name)).to_numpy()
    if disagree.any():
        cols.log(
            "response_phase_conflict",
            cols.canon.get("phase", ""),
            f"file name says '{from_name}'",
            "the phase column disagrees with the file name",
            "the phase column is used",
            cols.rownum[disagree],
        )
    return phase.where(phase.notna() | ~(cols.text("phase") == ""), from_name)


def log_unknown_authorities(cols: FileColumns, authority: pd.Series) -> np.ndarray:
    """Unknown or blank authority spellings are listed, never matched silently."""
    unknown = authority.isna().to_numpy()
    if unknown.any():
        vocab = cols.vocab
        values = cols.text("authority")[unknown]
        issue = {
            v: "authority missing"
            if v == ""
            else "unknown authority; " + authority_hint(v, vocab.authority_spellings, vocab.authorities)
            for v in set(values)
        }
        cols.log(
            "response_unknown_authority",
            cols.canon["authority"],
            values,
            [issue[v] for v in values],
            "rows left out of every figure; correct the spelling, or add it to the authority's "
            "spelling variants if it is one of the programme's authorities",
            cols.rownum[unknown],
        )
    return unknown


def log_unknown_sectors(cols: FileColumns, sector: pd.Series, unknown: np.ndarray) -> None:
    """Unknown sector spellings are listed and counted in 'all respondents' only."""
    odd = sector.isna().to_numpy() & ~unknown
    if not odd.any():
        return
    values = cols.text("sector")[odd]
    labels = {s: s.replace("_", " ") for s in set(cols.vocab.sectors.values())}
    issue = {
        v: "sector missing"
        if v == ""
        else f"unknown sector; closest known: {suggest(v, cols.vocab.sectors, labels)}"
        for v in set(values)
    }
    cols.log(
        "response_unknown_sector",
        cols.canon.get("sector", "sector"),
        values,
        [issue[v] for v in values],
        "counted in 'all respondents' only, not in a sector's figures",
        cols.rownum[odd],
    )


def log_unknown_phases(cols: FileColumns, phase: pd.Series, unknown: np.ndarray) -> None:
    no_phase = phase.isna().to_numpy() & ~unknown
    if not no_phase.any():
        return
    values = cols.text("phase")[no_phase]
    cols.log(
        "response_unknown_phase",
        cols.canon.get("phase", "phase"),
        values,
        np.where(
            values == "",
            "phase missing and not in the file name",
            "unknown phase; expected before/pre or after/post",
        ),
        "rows left out of every figure",
        cols.rownum[no_phase],
    )


def resolve_groups(cols: FileColumns, unknown: np.ndarray) -> np.ndarray:
    """The study group per row: participants when the file has no group column;
    otherwise the column's value (``response_format.group_of``), and a value that
    names neither group is logged and its rows left out of every figure."""
    if "group" not in cols.canon:
        return np.full(cols.n, PARTICIPANTS, dtype=object)
    codes, text = _category_text(cols.coded("group"))
    groups = np.array([group_of(t) for t in text], dtype=object)[codes]
    odd = (groups == None) & ~unknown  # noqa: E711 (element-wise)
    if odd.any():
        values = text[codes][odd]
        cols.log(
            "response_unknown_group",
            cols.canon["group"],
            values,
            np.where(
                values == "",
                "group missing",
                "unknown group; expected participants (programme) or comparison (control)",
            ),
            "rows left out of every figure",
            cols.rownum[odd],
        )
    return groups


def parse_items(cols: FileColumns, frame: pd.DataFrame) -> None:
    """Answers, parsed once per distinct spelling, into ``frame`` (0 = no usable answer)."""
    for it in cols.vocab.items:
        if it.item not in cols.canon:
            frame[it.item] = np.zeros(cols.n, dtype=np.int8)
            continue
        status, value, reason = parse_column(cols.coded(it.item), cols.vocab)
        frame[it.item] = np.where(status == ANSWERED, value, 0).astype(np.int8)
        invalid = status == INVALID
        if invalid.any():
            cols.log(
                "response_invalid_answer",
                cols.canon[it.item],
                cols.text(it.item)[invalid],
                reason[invalid],
                "left out of the base for this question",
                cols.rownum[invalid],
            )


def file_record(cols: FileColumns) -> dict:
    """The file's row of ``response_files.csv`` (rows used are added later)."""
    codes, text = _category_text(cols.coded("synthetic"))
    synthetic = np.isin(np.char.lower(text.astype(str)), ["yes", "true", "1", "y"])[codes]
    return {
        "file": cols.name,
        "format": cols.fmt,
        "rows_read": cols.n,
        "synthetic": "yes" if synthetic.any() else "no",
        "sha256": hashlib.sha256(cols.path.read_bytes()).hexdigest(),
    }


def lookup_authorities(coded: tuple[np.ndarray, list], vocab: Vocabulary) -> pd.Series:
    """Authority ids: the definition's spellings first, then the generic name rules
    (case, apostrophes, punctuation, council prefixes and suffixes such as "County
    Council", "London Borough of", "LB", "MBC"), the same rules as the raw tables."""
    codes, cats = coded
    mapped = [
        vocab.authority_keys.get(spelling_key(c)) or match_authority(str(c), vocab.authority_spellings)
        for c in cats
    ]
    return pd.Series(np.array([*mapped, None], dtype=object)[codes], dtype=object)


def clean_file(
    path: Path, vocab: Vocabulary, name: str | None = None
) -> tuple[pd.DataFrame, list[pd.DataFrame], dict]:
    """Read and clean one file: (rows in canonical form, log rows, file record).
    ``name`` is how the tables and the log name the file (default: its name)."""
    cols = FileColumns(path, vocab, name)
    authority = lookup_authorities(cols.coded("authority"), vocab)
    sector = lookup_column(cols.coded("sector"), vocab.sectors)
    phase = resolve_phase(cols)
    frame = pd.DataFrame(
        {
            "file": cols.name,
            "row": cols.rownum,
            "sav": cols.sav,
            "authority_id": authority.to_numpy(),
            "sector": sector.to_numpy(),
            "phase": phase.to_numpy(),
            "hash": row_hashes(cols),
        }
    )
    unknown = log_unknown_authorities(cols, authority)
    log_unknown_sectors(cols, sector, unknown)
    log_unknown_phases(cols, phase, unknown)
    frame["group"] = resolve_groups(cols, unknown)
    parse_items(cols, frame)
    codes, text = _category_text(cols.coded("respondent_ref"))
    frame["ref"] = np.array([t.casefold() for t in text], dtype=object)[codes]
    codes, text = _category_text(cols.coded("submitted_at"))
    frame["submitted"] = parse_times(text)[codes]
    return frame, cols.bad, file_record(cols)


def parse_times(text: np.ndarray) -> np.ndarray:
    """Submission times, day first (UK); fast fixed formats first, then any
    format; unreadable times are NaT (they only order repeated references)."""
    series = pd.Series(text, dtype=object).replace("", None)
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "ISO8601", "%d/%m/%Y"):
        todo = out.isna() & series.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(series[todo], format=fmt, errors="coerce")
    todo = out.isna() & series.notna()
    if todo.any():
        out[todo] = pd.to_datetime(series[todo], format="mixed", dayfirst=True, errors="coerce")
    return out.to_numpy()


def read_all(paths: list[Path], vocab: Vocabulary) -> tuple[pd.DataFrame, list[pd.DataFrame], list[dict]]:
    """Clean every file; any unusable file stops with one problem per file."""
    frames, bad, records, problems = [], [], [], []
    names = relative_names(paths)
    for path, name in zip(paths, names, strict=True):
        try:
            frame, found, record = clean_file(path, vocab, name)
        except ResponseFileError as err:
            problems.append(err)
            continue
        frame["order"] = len(frames)
        frames.append(frame)
        bad.extend(found)
        records.append(record)
    if problems:
        raise ResponseDataError(
            [
                Problem(p.file, p.row, p.column, p.value, f"a usable response file ({p.reason})")
                for p in problems
            ]
        )
    data = pd.concat(frames, ignore_index=True)
    for col in ("authority_id", "group", "sector", "phase", "file"):
        data[col] = data[col].astype("category")
    return data, bad, records


def remove_duplicates(data: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Exact duplicate submissions (every field identical to an earlier row) removed and logged."""
    dup = data["hash"].duplicated(keep="first").to_numpy()
    if not dup.any():
        return data, []
    involved = data[data["hash"].duplicated(keep=False).to_numpy()]
    first = involved.groupby("hash", sort=False)[["file", "row", "sav"]].transform("first")
    first = first[involved["hash"].duplicated(keep="first").to_numpy()]
    d = data[dup]
    log = pd.DataFrame(
        {
            "check": "response_duplicate",
            "file": d["file"].astype(str).to_numpy(),
            "row": row_labels(d["row"].to_numpy(), d["sav"].to_numpy()).to_numpy(),
            "column": "",
            "value": "",
            "issue": (
                "exact duplicate of "
                + first["file"].astype(str)
                + ", "
                + row_words(first["row"], first["sav"]).to_numpy()
            ).to_numpy(),
            "action": "removed",
        }
    )
    return data[~dup], [log]


def remove_repeated_references(data: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """A respondent reference repeated within a phase (of one authority): the
    earliest submission is kept (file order where times are missing)."""
    linked = data[data["ref"] != ""]
    ordered = linked.sort_values(["submitted", "order", "row"], kind="stable", na_position="last")
    keys = ["authority_id", "phase", "ref"]
    repeat = ordered.duplicated(keys, keep="first").to_numpy()
    if not repeat.any():
        return data, []
    involved = ordered[ordered.duplicated(keys, keep=False).to_numpy()]
    kept = involved.groupby(keys, observed=True, sort=False)[["file", "row", "sav"]].transform("first")
    kept = kept[involved.duplicated(keys, keep="first").to_numpy()]
    rr = ordered[repeat]
    log = pd.DataFrame(
        {
            "check": "response_repeated_reference",
            "file": rr["file"].astype(str).to_numpy(),
            "row": row_labels(rr["row"].to_numpy(), rr["sav"].to_numpy()).to_numpy(),
            "column": "respondent_ref",
            "value": rr["ref"].to_numpy(),
            "issue": (
                "respondent reference repeated within phase '"
                + rr["phase"].astype(str)
                + "'; earliest kept: "
                + kept["file"].astype(str)
                + ", "
                + row_words(kept["row"], kept["sav"]).to_numpy()
            ).to_numpy(),
            "action": "removed (one answer per person per phase)",
        }
    )
    return data.drop(index=rr.index), [log]


def clean_responses(paths: list[Path], vocab: Vocabulary | None = None) -> Cleaned:
    """Read and clean every file; remove exact duplicates and repeated references."""
    vocab = vocab or programme_vocabulary()
    data, bad, records = read_all(paths, vocab)
    data, duplicates = remove_duplicates(data)
    data = data[(data["authority_id"].notna() & data["phase"].notna() & data["group"].notna()).to_numpy()]
    data, repeated = remove_repeated_references(data)
    used = data.groupby("file", observed=False).size()
    files = pd.DataFrame(records)
    files["rows_used"] = files["file"].map(used).fillna(0).astype(int)
    files = files[["file", "format", "rows_read", "rows_used", "synthetic", "sha256"]]
    keep = ["authority_id", "group", "sector", "phase", "ref", *(it.item for it in vocab.items)]
    log = pd.concat([group_log(bad), *duplicates, *repeated], ignore_index=True)
    return Cleaned(data[keep].reset_index(drop=True), log[QUALITY_LOG_COLUMNS].astype(str), files)
