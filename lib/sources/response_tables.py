"""Respondent-level survey data, cleaned -> processed tables, and the build hook.

From the cleaned responses (:mod:`lib.sources.responses`) this module builds
``survey_responses.csv`` (the ``survey.csv`` contract at authority x sector x
phase level and programme level, exact bases), ``survey_response_pairs.csv``
(paired 2 x 2 counts of linked people) and ``response_files.csv``, declares
their schemas, and provides the hook ``lib.evaluation.build`` calls
(:func:`add_response_tables`). Aggregation is one grouped sum per level over
integer indicator columns: no per-row Python.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from lib.sources.contract import QUALITY_LOG_COLUMNS
from lib.sources.response_format import (
    EXACT_BASIS,
    TABLES,
    Vocabulary,
    confident_from,
    programme_vocabulary,
)
from lib.sources.responses import Cleaned, ResponseDataError, clean_responses, response_files  # noqa: F401

# --------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------


def _long_counts(data: pd.DataFrame, by: list[str], vocab: Vocabulary, cut: int) -> pd.DataFrame:
    """Answered and confident counts per group and item, long."""
    ids = [it.item for it in vocab.items]
    values = data[ids].to_numpy()
    counts = pd.DataFrame(
        np.concatenate([(values > 0), (values >= cut)], axis=1).astype(np.int32),
        columns=[f"n|{i}" for i in ids] + [f"k|{i}" for i in ids],
        index=data.index,
    )
    keys = {k: data[k] for k in by}
    summed = counts.groupby([keys[k] for k in by], observed=True, sort=True).sum()
    long = summed.stack(future_stack=True).rename("count").reset_index()
    long.columns = [*by, "measure", "count"]
    long[["stat", "item"]] = long["measure"].str.split("|", expand=True)
    wide = long.pivot_table(index=[*by, "item"], columns="stat", values="count", observed=True).reset_index()
    return wide


def aggregate(cleaned: Cleaned, vocab: Vocabulary | None = None, cut: int | None = None) -> pd.DataFrame:
    """``survey_responses.csv``: share confident by authority x sector x phase and programme-wide."""
    vocab = vocab or programme_vocabulary()
    cut = confident_from(cut)
    data = cleaned.responses.copy()
    data["authority_id"] = data["authority_id"].astype(str)
    data["phase"] = data["phase"].astype(str)
    in_sector = data["sector"].isin(vocab.report_sectors)
    parts = []
    for authority in (True, False):
        for by_sector in (False, True):
            subset = data[in_sector.to_numpy()] if by_sector else data
            frame = subset.assign(
                authority_id=subset["authority_id"] if authority else "",
                sector=subset["sector"].astype(str) if by_sector else "all",
            )
            parts.append(_long_counts(frame, ["authority_id", "sector", "phase"], vocab, cut))
    counts = pd.concat(parts, ignore_index=True)
    counts = counts[counts["n"] > 0]
    meta = pd.DataFrame([dataclasses.asdict(it) for it in vocab.items]).drop(columns="headers")
    out = counts.merge(meta, on="item", how="left")
    out["value"] = out["k"] / out["n"]
    sector_order = {s: i for i, s in enumerate(("all", *vocab.report_sectors))}
    out = out.assign(
        base_n=out["n"].astype("int64"),
        confident_n=out["k"].astype("int64"),
        value_as_printed="",
        note=f"confident = {cut} or above on the {vocab.scale_low}-{vocab.scale_high} scale",
        source="response files (see response_files.csv)",
        basis=EXACT_BASIS,
        _q=out["question"].map(vocab.question_order),
        _s=out["sector"].map(sector_order),
        _p=out["phase"].map({"pre": 0, "post": 1}),
    ).sort_values(["authority_id", "_q", "_s", "item_order", "_p"], kind="stable")
    return out[["authority_id", *vocab.survey_columns, "confident_n", "basis"]].reset_index(drop=True)


PAIR_COUNTS = ("both", "before_only", "after_only", "neither")


def _pair_flags(linked: pd.DataFrame, ids: list[str], cut: int) -> pd.DataFrame:
    """Per linked person and item: 1 in the column of their 2 x 2 cell."""
    indicators = {}
    for it in ids:
        a, b = linked[f"{it}_pre"].to_numpy(), linked[f"{it}_post"].to_numpy()
        ok = (a > 0) & (b > 0)
        hi_a, hi_b = a >= cut, b >= cut
        for name, flag in zip(
            PAIR_COUNTS, (hi_a & hi_b, hi_a & ~hi_b, ~hi_a & hi_b, ~hi_a & ~hi_b), strict=True
        ):
            indicators[f"{name}|{it}"] = (flag & ok).astype(np.int32)
    return pd.DataFrame(indicators)


def paired_counts(cleaned: Cleaned, vocab: Vocabulary | None = None, cut: int | None = None) -> pd.DataFrame:
    """``survey_response_pairs.csv``: 2 x 2 counts of linked people per cell and item."""
    vocab = vocab or programme_vocabulary()
    cut = confident_from(cut)
    ids = [it.item for it in vocab.items]
    data = cleaned.responses[(cleaned.responses["ref"] != "").to_numpy()]
    # One integer per person (authority x reference), so the before/after join is on integers.
    ref_codes, refs = pd.factorize(data["ref"])
    person = data["authority_id"].cat.codes.to_numpy().astype(np.int64) * (len(refs) + 1) + ref_codes
    phase = data["phase"].astype(str).to_numpy()
    data = data.drop(columns=["ref", "phase"]).assign(person=person)
    pre, post = data[phase == "pre"], data[phase == "post"]
    linked = pre.merge(post.drop(columns=["authority_id"]), on="person", suffixes=("_pre", "_post"))
    linked["authority_id"] = linked["authority_id"].astype(str)
    columns = [
        "authority_id",
        "question",
        "item",
        "item_order",
        "sector",
        "pairs_n",
        "both",
        "before_only",
        "after_only",
        "neither",
    ]
    if linked.empty:
        text = {"authority_id", "question", "item", "sector"}
        return pd.DataFrame({c: pd.Series(dtype=str if c in text else "int64") for c in columns})
    # A person's sector is taken from the before answer (the after one if blank).
    sector = linked["sector_pre"].astype(object).where(linked["sector_pre"].notna(), linked["sector_post"])
    flags = _pair_flags(linked, ids, cut)
    in_sector = sector.isin(vocab.report_sectors).to_numpy()
    groups = []
    for authority in (True, False):
        for by_sector in (False, True):
            rows = in_sector if by_sector else np.ones(len(flags), dtype=bool)
            keys = [
                linked["authority_id"].to_numpy()[rows] if authority else np.full(rows.sum(), ""),
                sector.to_numpy()[rows].astype(str) if by_sector else np.full(rows.sum(), "all"),
            ]
            summed = flags[rows].groupby(keys, sort=True).sum()
            summed.index.names = ["authority_id", "sector"]
            long = summed.stack(future_stack=True).rename("count").reset_index()
            long[["stat", "item"]] = long["level_2"].str.split("|", expand=True)
            groups.append(
                long.pivot_table(
                    index=["authority_id", "sector", "item"], columns="stat", values="count"
                ).reset_index()
            )
    out = pd.concat(groups, ignore_index=True)
    counted = list(PAIR_COUNTS)
    out[counted] = out[counted].astype("int64")
    out["pairs_n"] = out[counted].sum(axis=1)
    out = out[out["pairs_n"] > 0]
    meta = pd.DataFrame([dataclasses.asdict(it) for it in vocab.items])[["item", "question", "item_order"]]
    out = out.merge(meta, on="item", how="left")
    out = out.assign(_q=out["question"].map(vocab.question_order)).sort_values(
        ["authority_id", "_q", "item_order", "sector"], kind="stable"
    )
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------
# Processed schemas and the build hook
# --------------------------------------------------------------------------


def _responses_schema(vocab: Vocabulary, authority: pa.Column) -> pa.DataFrameSchema:
    """The schema of ``survey_responses.csv``: the survey contract plus exact counts."""
    survey = vocab.survey_schema.columns
    responses_cols = {"authority_id": authority}
    for name in vocab.survey_columns:
        spec = survey[name]
        if name == "source":
            spec = pa.Column(str, description="where the figures come from")
        elif name == "base_n":
            spec = pa.Column(
                "int64",
                pa.Check.gt(0),
                coerce=True,
                description="respondents who gave a usable answer (exact)",
            )
        elif name == "question":
            spec = pa.Column(str, pa.Check.isin(sorted(vocab.question_order)), description=spec.description)
        responses_cols[name] = spec
    responses_cols["confident_n"] = _count("respondents at or above the confident cut-point")
    responses_cols["basis"] = pa.Column(str, pa.Check.isin([EXACT_BASIS]), description="how base_n is known")
    return pa.DataFrameSchema(
        responses_cols,
        strict=True,
        ordered=True,
        name="survey_responses",
        unique=["authority_id", "question", "item", "sector", "phase"],
    )


def _count(description: str) -> pa.Column:
    return pa.Column("int64", pa.Check.ge(0), coerce=True, description=description)


def _schemas(vocab: Vocabulary) -> dict[str, pa.DataFrameSchema]:
    authority = pa.Column(
        str,
        pa.Check.isin(["", *vocab.authorities]),
        description="authority slug; empty = programme level (every authority)",
    )
    count = _count
    return {
        "survey_responses.csv": _responses_schema(vocab, authority),
        "survey_response_pairs.csv": pa.DataFrameSchema(
            {
                "authority_id": authority,
                "question": pa.Column(str),
                "item": pa.Column(str),
                "item_order": pa.Column("int64", coerce=True),
                "sector": pa.Column(str, pa.Check.isin(["all", *vocab.report_sectors])),
                "pairs_n": count("linked people with a usable answer before and after"),
                "both": count("confident before and after"),
                "before_only": count("confident before only"),
                "after_only": count("confident after only"),
                "neither": count("confident at neither"),
            },
            strict=True,
            ordered=True,
            name="survey_response_pairs",
            unique=["authority_id", "item", "sector"],
        ),
        "response_files.csv": pa.DataFrameSchema(
            {
                "file": pa.Column(str, unique=True),
                "format": pa.Column(str, pa.Check.isin(["csv", "xlsx", "sav"])),
                "rows_read": count("data rows in the file"),
                "rows_used": count("rows in the figures"),
                "synthetic": pa.Column(str, pa.Check.isin(["yes", "no"]), description="generated test data"),
                "sha256": pa.Column(str, pa.Check.str_matches(r"[0-9a-f]{64}")),
            },
            strict=True,
            ordered=True,
            name="response_files",
        ),
    }


def response_tables(
    paths: list[Path], cut: int | None = None
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Read, clean and aggregate: the three processed tables and the log rows."""
    vocab = programme_vocabulary()
    cleaned = clean_responses(paths, vocab)
    tables = {
        "survey_responses.csv": aggregate(cleaned, vocab, cut),
        "survey_response_pairs.csv": paired_counts(cleaned, vocab, cut),
        "response_files.csv": cleaned.files,
    }
    schemas = _schemas(vocab)
    for name, table in tables.items():
        try:
            tables[name] = schemas[name].validate(table, lazy=True)
        except pa.errors.SchemaErrors as err:
            raise AssertionError(
                f"processed table {name} breaks its schema:\n{err.failure_cases.head(10).to_string()}"
            ) from None
    return tables, cleaned.issues


def add_response_tables(build, directory: Path, cut: int | None = None):
    """Build hook: ``build`` plus the response tables and log rows when
    ``directory`` holds response files; ``build`` unchanged otherwise."""
    paths = response_files(directory)
    if not paths:
        return build
    tables, issues = response_tables(paths, cut)
    log = pd.concat([build.issues, issues], ignore_index=True).astype(str)
    log = log.sort_values(QUALITY_LOG_COLUMNS, kind="stable").reset_index(drop=True)
    return dataclasses.replace(build, tables={**build.tables, **tables}, issues=log)


def load_response_tables(processed_dir: Path) -> dict[str, pd.DataFrame] | None:
    """The response tables of a build, typed, or None when it had no response data."""
    processed_dir = Path(processed_dir)
    if not (processed_dir / TABLES[0]).exists():
        return None
    schemas = _schemas(programme_vocabulary())
    out = {}
    for name in TABLES:
        frame = pd.read_csv(processed_dir / name, dtype=str, keep_default_na=False)
        for col, spec in schemas[name].columns.items():
            kind = str(spec.dtype).lower()
            if kind.startswith(("int", "float")):
                frame[col] = pd.to_numeric(frame[col]).astype(
                    "float64" if kind.startswith("float") else "int64"
                )
        out[name.removesuffix(".csv")] = schemas[name].validate(frame)
    return out
