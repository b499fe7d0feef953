"""Respondent-level survey data: read and clean raw response exports.

An evaluation team usually holds the raw pre/post workshop survey exports: one
row per response, from an online form tool (CSV or Excel) or SPSS (``.sav``),
or typed in from paper. This module reads the files in
``data/raw/responses/`` (or another directory:
``response_format.responses_dir``) and cleans them into one row per usable
response; :mod:`lib.sources.response_tables` aggregates those into the
processed tables and holds the build hook.

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
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lib.sources.response_format import (
    ANSWERED,
    FORMATS,
    INVALID,
    STANDARD_COLUMNS,
    Vocabulary,
    _codes,
    _ev,
    column_map,
    header_key,
    lookup_column,
    parse_column,
    programme_vocabulary,
    suggest,
)

# --------------------------------------------------------------------------
# Reading one file
# --------------------------------------------------------------------------


class ResponseFileError(Exception):
    """A response file that cannot be read or used at all (stops the build)."""

    def __init__(
        self, file: str, reason: str, row: int | None = None, column: str | None = None, value: object = None
    ):
        self.file, self.reason, self.row, self.column, self.value = file, reason, row, column, value
        super().__init__(f"{file}: {reason}")


class ResponseDataError(Exception):
    """Raised when response files are unusable; carries one problem per file
    (lib.evaluation turns it into its RawDataError: one line each, nothing written)."""

    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def display_path(path: Path) -> str:
    root = _ev().PROJECT_ROOT
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _decode(path: Path, shown: str) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ResponseFileError(
            shown,
            f"not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "save the export as CSV UTF-8",
        ) from None


def _separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda s: (counts[s], s == ","))


def read_file(path: Path) -> tuple[pd.DataFrame, str]:
    """Read one response file as text columns; return (frame, format).

    Every value is kept as text: parsing happens in the cleaning, so nothing is
    coerced silently. Raises :class:`ResponseFileError` with the reason when the
    file cannot be read.
    """
    path = Path(path)
    shown = display_path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ResponseFileError(shown, f"unsupported file type {path.suffix!r}; expected .csv, .xlsx or .sav")
    try:
        if fmt == "csv":
            text = _decode(path, shown)
            if not text.strip():
                raise ResponseFileError(shown, "the file is empty (no header row)")
            frame = pd.read_csv(
                io.StringIO(text),
                sep=_separator(text),
                dtype=object,
                keep_default_na=False,
                na_filter=False,
                skipinitialspace=False,
            )
        elif fmt == "xlsx":
            frame = pd.read_excel(path, engine="openpyxl", dtype=object, na_filter=False)
            frame = frame.apply(_as_text)
        else:
            import pyreadstat

            # Value labels applied, so a coded answer reads as its label ("Very
            # confident", "Don't know") and goes through the same parser;
            # declared missing values arrive as blanks.
            frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
            frame = frame.apply(_as_text)
    except ResponseFileError:
        raise
    except Exception as err:  # every reader failure becomes one line
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ResponseFileError(shown, f"cannot be read as {fmt.upper()}: {reason}") from None
    frame.columns = [str(c) for c in frame.columns]
    return frame, fmt


def _as_text(column: pd.Series) -> pd.Series:
    """Spreadsheet and SPSS cells as text: whole numbers without '.0', blanks as ''."""

    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v)

    return column.map(text).astype(object)


def phase_from_name(path: Path) -> str | None:
    """``pre`` or ``post`` when the file name says so (e.g. ``leeds_pre.csv``)."""
    tokens = set(re.split(r"[^0-9a-z]+", Path(path).stem.casefold()))
    pre = tokens & {"pre", "before", "baseline"}
    post = tokens & {"post", "after", "followup"} or ({"follow", "up"} <= tokens and {"followup"})
    if bool(pre) == bool(post):
        return None
    return "pre" if pre else "post"


# --------------------------------------------------------------------------
# Cleaning helpers (each distinct value handled once)
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------


@dataclass
class Cleaned:
    """Usable responses, one row each, and what the cleaning found."""

    responses: pd.DataFrame  # authority_id, sector, phase, ref, <item> (int8, 0 = no usable answer)
    issues: pd.DataFrame  # quality-log rows
    files: pd.DataFrame  # response_files.csv


LOG_KEYS = ["check", "file", "column", "value", "issue", "action"]


def _row_labels(rows: np.ndarray | pd.Series, sav: np.ndarray | pd.Series | bool) -> pd.Series:
    """Row numbers as the log shows them: ``12`` (header = row 1) or ``case 11`` (.sav)."""
    text = pd.Series(np.asarray(rows)).astype(str)
    sav = pd.Series(np.broadcast_to(np.asarray(sav, dtype=bool), len(text)))
    return text.where(~sav, "case " + text)


def _row_words(rows: pd.Series, sav: pd.Series) -> pd.Series:
    labels = _row_labels(rows, sav)
    return labels.where(labels.str.startswith("case"), "row " + labels)


def _bad(
    check: str, file: str, column: str, value, issue, action: str, rows: np.ndarray, sav: bool
) -> pd.DataFrame:
    """Rows behind one kind of log entry, ungrouped (grouped once at the end)."""
    return pd.DataFrame(
        {
            "check": check,
            "file": file,
            "column": column,
            "value": value,
            "issue": issue,
            "action": action,
            "row": rows,
            "sav": sav,
        }
    )


def _group_log(bad: list[pd.DataFrame]) -> pd.DataFrame:
    """One log row per distinct (check, file, column, value, issue), its rows listed."""
    cols = _ev().QUALITY_LOG_COLUMNS
    if not bad:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in cols})
    frame = pd.concat(bad, ignore_index=True)
    frame["label"] = _row_labels(frame["row"].to_numpy(), frame["sav"].to_numpy()).to_numpy()
    grouped = (
        frame.sort_values("row", kind="stable")
        .groupby(LOG_KEYS, sort=True)["label"]
        .agg(", ".join)
        .reset_index()
        .rename(columns={"label": "row"})
    )
    return grouped[cols].astype(str)


def _category_text(coded: tuple[np.ndarray, list]) -> tuple[np.ndarray, np.ndarray]:
    """(codes, stripped text of each distinct value, with '' appended for code -1)."""
    codes, cats = coded
    text = np.array([str(c).strip() for c in cats] + [""], dtype=object)
    return codes, text


def clean_file(path: Path, vocab: Vocabulary) -> tuple[pd.DataFrame, list[pd.DataFrame], dict]:
    """Read and clean one file: (rows in canonical form, log rows, file record)."""
    raw, fmt = read_file(path)
    shown = display_path(path)
    sav = fmt == "sav"
    mapping = column_map(vocab)
    bad: list[pd.DataFrame] = []
    canon: dict[str, str] = {}
    for header in raw.columns:
        name = mapping.get(header_key(header))
        if name is None:
            bad.append(
                _bad(
                    "response_unknown_column",
                    shown,
                    header,
                    "",
                    "column not in the response file format",
                    "not used",
                    np.array([1]),
                    False,
                )
            )
        elif name in canon:
            raise ResponseFileError(
                shown, f"columns {canon[name]!r} and {header!r} both give '{name}'", column=header
            )
        else:
            canon[name] = header
    if "authority" not in canon:
        raise ResponseFileError(shown, "no authority column (expected a header such as 'authority')")
    if not any(it.item in canon for it in vocab.items):
        raise ResponseFileError(
            shown,
            f"no survey question columns (expected e.g. '{vocab.items[0].item}' or '{vocab.items[-1].item}')",
        )
    n = len(raw)
    rownum = np.arange(n) + (1 if sav else 2)
    blank = pd.Series(np.full(n, "", dtype=object))
    get = lambda name: raw[canon[name]] if name in canon else blank  # noqa: E731
    factorised: dict[str, tuple[np.ndarray, list]] = {}

    def coded(name: str) -> tuple[np.ndarray, list]:
        if name not in factorised:
            factorised[name] = _codes(get(name))
        return factorised[name]

    # Exact duplicates are judged on every field as written (canonical order).
    # Each distinct value is hashed once; absent columns count as blank.
    row_hash = np.zeros(n, dtype=np.uint64)
    for name in [*STANDARD_COLUMNS, *(it.item for it in vocab.items)]:
        if name in canon:
            codes, uniques = coded(name)
            hashed = pd.util.hash_array(np.array([*map(str, uniques), ""], dtype=object))[codes]
        else:
            hashed = pd.util.hash_array(np.array([""], dtype=object))[np.zeros(n, dtype=np.int64)]
        row_hash = (row_hash * np.uint64(1_000_003)) ^ hashed

    authority = lookup_column(coded("authority"), vocab.authority_keys)
    sector = lookup_column(coded("sector"), vocab.sectors)
    phase = lookup_column(coded("phase"), vocab.phases)
    phase_codes, phase_text = _category_text(coded("phase"))
    phase_blank = phase_text[phase_codes] == ""
    from_name = phase_from_name(path)
    if from_name is not None:
        disagree = (phase.notna() & (phase != from_name)).to_numpy()
        if disagree.any():
            bad.append(
                _bad(
                    "response_phase_conflict",
                    shown,
                    canon.get("phase", ""),
                    f"file name says '{from_name}'",
                    "the phase column disagrees with the file name",
                    "the phase column is used",
                    rownum[disagree],
                    sav,
                )
            )
        phase = phase.where(phase.notna() | ~phase_blank, from_name)
    frame = pd.DataFrame(
        {
            "file": shown,
            "row": rownum,
            "sav": sav,
            "authority_id": authority.to_numpy(),
            "sector": sector.to_numpy(),
            "phase": phase.to_numpy(),
            "hash": row_hash,
        }
    )

    # Authority: unknown or blank spellings are listed, never matched silently.
    unknown = authority.isna().to_numpy()
    if unknown.any():
        codes, text = _category_text(coded("authority"))
        values = text[codes][unknown]
        issue = {
            v: (
                "authority missing"
                if v == ""
                else "unknown authority; closest known: "
                + suggest(v, vocab.authority_keys, vocab.authorities)
            )
            for v in set(values)
        }
        bad.append(
            _bad(
                "response_unknown_authority",
                shown,
                canon["authority"],
                values,
                [issue[v] for v in values],
                "rows left out of every figure; correct the spelling, or add it to the authority's "
                "spelling variants if it is one of the programme's authorities",
                rownum[unknown],
                sav,
            )
        )
    # Sector: unknown spellings are listed and counted in 'all respondents' only.
    odd = sector.isna().to_numpy() & ~unknown
    if odd.any():
        codes, text = _category_text(coded("sector"))
        values = text[codes][odd]
        labels = {s: s.replace("_", " ") for s in set(vocab.sectors.values())}
        issue = {
            v: (
                "sector missing"
                if v == ""
                else f"unknown sector; closest known: {suggest(v, vocab.sectors, labels)}"
            )
            for v in set(values)
        }
        bad.append(
            _bad(
                "response_unknown_sector",
                shown,
                canon.get("sector", "sector"),
                values,
                [issue[v] for v in values],
                "counted in 'all respondents' only, not in a sector's figures",
                rownum[odd],
                sav,
            )
        )
    no_phase = phase.isna().to_numpy() & ~unknown
    if no_phase.any():
        values = phase_text[phase_codes][no_phase]
        bad.append(
            _bad(
                "response_unknown_phase",
                shown,
                canon.get("phase", "phase"),
                values,
                np.where(
                    values == "",
                    "phase missing and not in the file name",
                    "unknown phase; expected before/pre or after/post",
                ),
                "rows left out of every figure",
                rownum[no_phase],
                sav,
            )
        )

    # Answers: parsed once per distinct spelling.
    for it in vocab.items:
        if it.item not in canon:
            frame[it.item] = np.zeros(n, dtype=np.int8)
            continue
        status, value, reason = parse_column(coded(it.item), vocab)
        frame[it.item] = np.where(status == ANSWERED, value, 0).astype(np.int8)
        invalid = status == INVALID
        if invalid.any():
            codes, text = _category_text(coded(it.item))
            bad.append(
                _bad(
                    "response_invalid_answer",
                    shown,
                    canon[it.item],
                    text[codes][invalid],
                    reason[invalid],
                    "left out of the base for this question",
                    rownum[invalid],
                    sav,
                )
            )
    codes, text = _category_text(coded("respondent_ref"))
    frame["ref"] = np.array([t.casefold() for t in text], dtype=object)[codes]
    codes, text = _category_text(coded("submitted_at"))
    frame["submitted"] = parse_times(text)[codes]
    codes, text = _category_text(coded("synthetic"))
    synthetic = np.isin(np.char.lower(text.astype(str)), ["yes", "true", "1", "y"])[codes]
    record = {
        "file": shown,
        "format": fmt,
        "rows_read": n,
        "synthetic": "yes" if synthetic.any() else "no",
        "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
    }
    return frame, bad, record


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


def response_files(directory: Path) -> list[Path]:
    """Every file in ``directory`` (sorted), except hidden files, Office lock
    files (``~$...``) and READMEs: a file of another type is not skipped but
    refused by :func:`read_file`, so nothing is left out silently."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$")) and not p.name.casefold().startswith("readme")
    )


def clean_responses(paths: list[Path], vocab: Vocabulary | None = None) -> Cleaned:
    """Read and clean every file; remove exact duplicates and repeated references."""
    vocab = vocab or programme_vocabulary()
    frames, bad, records, problems = [], [], [], []
    for path in paths:
        try:
            frame, found, record = clean_file(path, vocab)
        except ResponseFileError as err:
            problems.append(err)
            continue
        frame["order"] = len(frames)
        frames.append(frame)
        bad.extend(found)
        records.append(record)
    if problems:
        ev = _ev()
        raise ResponseDataError(
            [
                ev.Problem(p.file, p.row, p.column, p.value, f"a usable response file ({p.reason})")
                for p in problems
            ]
        )
    data = pd.concat(frames, ignore_index=True)
    del frames
    for col in ("authority_id", "sector", "phase", "file"):
        data[col] = data[col].astype("category")
    single: list[pd.DataFrame] = []  # log rows, one per removed response

    # Exact duplicate submissions: every field identical to an earlier row.
    dup = data["hash"].duplicated(keep="first").to_numpy()
    if dup.any():
        involved = data[data["hash"].duplicated(keep=False).to_numpy()]
        first = involved.groupby("hash", sort=False)[["file", "row", "sav"]].transform("first")
        first = first[involved["hash"].duplicated(keep="first").to_numpy()]
        d = data[dup]
        single.append(
            pd.DataFrame(
                {
                    "check": "response_duplicate",
                    "file": d["file"].astype(str).to_numpy(),
                    "row": _row_labels(d["row"].to_numpy(), d["sav"].to_numpy()).to_numpy(),
                    "column": "",
                    "value": "",
                    "issue": (
                        "exact duplicate of "
                        + first["file"].astype(str)
                        + ", "
                        + _row_words(first["row"], first["sav"]).to_numpy()
                    ).to_numpy(),
                    "action": "removed",
                }
            )
        )
    data = data[~dup]
    data = data[(data["authority_id"].notna() & data["phase"].notna()).to_numpy()]

    # A respondent reference repeated within a phase (of one authority): the
    # earliest submission is kept (file order where times are missing).
    linked = data[data["ref"] != ""]
    ordered = linked.sort_values(["submitted", "order", "row"], kind="stable", na_position="last")
    keys = ["authority_id", "phase", "ref"]
    repeat = ordered.duplicated(keys, keep="first").to_numpy()
    if repeat.any():
        involved = ordered[ordered.duplicated(keys, keep=False).to_numpy()]
        kept = involved.groupby(keys, observed=True, sort=False)[["file", "row", "sav"]].transform("first")
        kept = kept[involved.duplicated(keys, keep="first").to_numpy()]
        rr = ordered[repeat]
        single.append(
            pd.DataFrame(
                {
                    "check": "response_repeated_reference",
                    "file": rr["file"].astype(str).to_numpy(),
                    "row": _row_labels(rr["row"].to_numpy(), rr["sav"].to_numpy()).to_numpy(),
                    "column": "respondent_ref",
                    "value": rr["ref"].to_numpy(),
                    "issue": (
                        "respondent reference repeated within phase '"
                        + rr["phase"].astype(str)
                        + "'; earliest kept: "
                        + kept["file"].astype(str)
                        + ", "
                        + _row_words(kept["row"], kept["sav"]).to_numpy()
                    ).to_numpy(),
                    "action": "removed (one answer per person per phase)",
                }
            )
        )
        data = data.drop(index=rr.index)
    used = data.groupby("file", observed=False).size()
    files = pd.DataFrame(records)
    files["rows_used"] = files["file"].map(used).fillna(0).astype(int)
    files = files[["file", "format", "rows_read", "rows_used", "synthetic", "sha256"]]
    keep = ["authority_id", "sector", "phase", "ref", *(it.item for it in vocab.items)]
    log = pd.concat([_group_log(bad), *single], ignore_index=True)[_ev().QUALITY_LOG_COLUMNS].astype(str)
    return Cleaned(data[keep].reset_index(drop=True), log, files)
