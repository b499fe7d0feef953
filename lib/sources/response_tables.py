"""Respondent-level survey data, cleaned -> processed tables, and the build hook.

From the cleaned responses (:mod:`lib.sources.responses`) this module builds
``survey_responses.csv`` (the ``survey.csv`` contract at authority x sector x
phase level and programme level, exact bases), ``survey_response_pairs.csv``
(paired 2 x 2 counts of linked people), ``survey_response_groups.csv`` (who
answered in each study group: what the design rests on) and
``response_files.csv``, declares
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
    COMPARISON,
    EXACT_BASIS,
    GROUPS,
    PARTICIPANTS,
    TABLES,
    Vocabulary,
    confident_from,
    programme_vocabulary,
)
from lib.sources.response_reading import response_files
from lib.sources.responses import Cleaned, clean_responses

# --------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------
#
# Every response counts in four cells: its authority and the programme
# (authority ""), each for "all" respondents and for its sector when that
# sector has rows of its own. Cells are numbered (authority, sector[, phase])
# and counted with one np.bincount per item and measure: no per-row Python,
# and an empty set of responses gives the same grid with zeros.

PAIR_COUNTS = ("both", "before_only", "after_only", "neither")


def _levels(vocab: Vocabulary) -> tuple[list[str], list[str]]:
    """Authority ids ("" = programme first) and sector ids ("all" first) of the grid."""
    return ["", *vocab.authorities], ["all", *vocab.report_sectors]


def _positions(column: pd.Series, categories: list[str] | tuple[str, ...]) -> np.ndarray:
    """Index of each value in ``categories`` (-1 when absent), once per distinct value."""
    codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
    where = np.append(pd.Index(list(categories)).get_indexer(uniques), -1)
    return where[codes].astype(np.int64)


def _cell_numbers(
    authority: pd.Series, sector: pd.Series, vocab: Vocabulary, extra: np.ndarray | None = None
):
    """The four (cell number, rows) pairs each response counts in; ``extra``
    (a phase index) multiplies the grid when given."""
    authorities, sectors = _levels(vocab)
    a = _positions(authority, authorities[1:]) + 1
    sec = _positions(sector, sectors[1:]) + 1
    width = 1 if extra is None else len(vocab.phase_ids)
    tail = 0 if extra is None else extra.astype(np.int64)
    in_sector = sec > 0
    out = []
    for a_level in (a, np.zeros_like(a)):
        out.append(((a_level * len(sectors)) * width + tail, np.ones(len(a), dtype=bool)))
        out.append(((a_level * len(sectors) + sec) * width + tail, in_sector))
    return out


def _bincount(cells, weights: np.ndarray, size: int) -> np.ndarray:
    total = np.zeros(size, dtype=np.int64)
    for number, rows in cells:
        total += np.bincount(number[rows], weights=weights[rows], minlength=size).astype(np.int64)
    return total


def _grid(vocab: Vocabulary, with_phase: bool) -> pd.DataFrame:
    authorities, sectors = _levels(vocab)
    shape = (len(authorities), len(sectors), *((len(vocab.phase_ids),) if with_phase else ()))
    index = np.unravel_index(np.arange(int(np.prod(shape))), shape)
    grid = {"authority_id": np.array(authorities, dtype=object)[index[0]]}
    grid["sector"] = np.array(sectors, dtype=object)[index[1]]
    if with_phase:
        grid["phase"] = np.array(vocab.phase_ids, dtype=object)[index[2]]
    return pd.DataFrame(grid)


def _item_meta(vocab: Vocabulary) -> pd.DataFrame:
    return pd.DataFrame([dataclasses.asdict(it) for it in vocab.items]).drop(columns="headers")


def study_groups(data: pd.DataFrame) -> tuple[str, ...]:
    """The groups with rows of their own: participants always, the comparison
    group when the data hold one (a set without a group column has none)."""
    compared = "group" in data and bool((data["group"] == COMPARISON).any())
    return GROUPS if compared else (PARTICIPANTS,)


def in_group(data: pd.DataFrame, group: str) -> pd.DataFrame:
    """The rows of one study group (every row when there is no group column)."""
    if "group" not in data:
        return data if group == PARTICIPANTS else data.iloc[:0]
    return data[(data["group"] == group).to_numpy()]


def cell_counts(data: pd.DataFrame, vocab: Vocabulary, cut: int) -> pd.DataFrame:
    """Answered (``n``) and confident (``k``) counts for every authority x sector
    x phase x item the definition names, zero where no one answered."""
    phase = _positions(data["phase"], vocab.phase_ids)
    cells = _cell_numbers(data["authority_id"], data["sector"], vocab, phase)
    grid = _grid(vocab, with_phase=True)
    parts = []
    for it in vocab.items:
        values = data[it.item].to_numpy()
        parts.append(
            grid.assign(
                item=it.item,
                n=_bincount(cells, (values > 0).astype(np.float64), len(grid)),
                k=_bincount(cells, (values >= cut).astype(np.float64), len(grid)),
            )
        )
    return pd.concat(parts, ignore_index=True)


def aggregate(cleaned: Cleaned, vocab: Vocabulary | None = None, cut: int | None = None) -> pd.DataFrame:
    """``survey_responses.csv``: share confident by study group x authority x
    sector x phase and programme-wide; a row for every cell the definition names
    (``base_n`` 0 and no share where no one answered), for participants and,
    when the data hold one, the comparison group."""
    vocab = vocab or programme_vocabulary()
    cut = confident_from(cut)
    data = cleaned.responses
    counts = pd.concat(
        [cell_counts(in_group(data, g), vocab, cut).assign(group=g) for g in study_groups(data)],
        ignore_index=True,
    )
    out = counts.merge(_item_meta(vocab), on="item", how="left")
    out["value"] = (out["k"] / out["n"].where(out["n"] > 0)).astype("float64")
    sector_order = {s: i for i, s in enumerate(("all", *vocab.report_sectors))}
    out = out.assign(
        base_n=out["n"].astype("int64"),
        confident_n=out["k"].astype("int64"),
        value_as_printed="",
        note=f"confident = {cut} or above on the {vocab.scale_low}-{vocab.scale_high} scale",
        source="response files (see response_files.csv)",
        basis=EXACT_BASIS,
        g_order=out["group"].map({g: i for i, g in enumerate(GROUPS)}),
        q_order=out["question"].map(vocab.question_order),
        s_order=out["sector"].map(sector_order),
        p_order=out["phase"].map({p: i for i, p in enumerate(vocab.phase_ids)}),
    ).sort_values(["authority_id", "g_order", "q_order", "s_order", "item_order", "p_order"], kind="stable")
    return out[["authority_id", "group", *vocab.survey_columns, "confident_n", "basis"]].reset_index(
        drop=True
    )


def _linked(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per linked person (authority x reference answered before and after)."""
    data = responses[(responses["ref"] != "").to_numpy()]
    # One integer per person (authority x reference), so the before/after join is on integers.
    ref_codes, refs = pd.factorize(data["ref"])
    person = data["authority_id"].cat.codes.to_numpy().astype(np.int64) * (len(refs) + 1) + ref_codes
    phase = data["phase"].astype(str).to_numpy()
    data = data.drop(columns=["ref", "phase"]).assign(person=person)
    pre, post = data[phase == "pre"], data[phase == "post"]
    linked = pre.merge(post.drop(columns=["authority_id"]), on="person", suffixes=("_pre", "_post"))
    # A person's sector is taken from the before answer (the after one if blank).
    sector = linked["sector_pre"].astype(object).where(linked["sector_pre"].notna(), linked["sector_post"])
    return linked.assign(sector=sector)


def _paired_counts_of(responses: pd.DataFrame, vocab: Vocabulary, cut: int) -> pd.DataFrame:
    """2 x 2 counts of one group's linked people for every cell and item."""
    linked = _linked(responses)
    cells = _cell_numbers(linked["authority_id"], linked["sector"], vocab)
    grid = _grid(vocab, with_phase=False)
    parts = []
    for it in vocab.items:
        a, b = linked[f"{it.item}_pre"].to_numpy(), linked[f"{it.item}_post"].to_numpy()
        ok = (a > 0) & (b > 0)
        hi_a, hi_b = a >= cut, b >= cut
        flags = (hi_a & hi_b, hi_a & ~hi_b, ~hi_a & hi_b, ~hi_a & ~hi_b)
        counted = {
            name: _bincount(cells, (f & ok).astype(np.float64), len(grid))
            for name, f in zip(PAIR_COUNTS, flags, strict=True)
        }
        parts.append(grid.assign(item=it.item, **counted))
    return pd.concat(parts, ignore_index=True)


def paired_counts(cleaned: Cleaned, vocab: Vocabulary | None = None, cut: int | None = None) -> pd.DataFrame:
    """``survey_response_pairs.csv``: 2 x 2 counts of linked people per study
    group, cell and item (cells with at least one pair); a reference links
    answers within one group only."""
    vocab = vocab or programme_vocabulary()
    cut = confident_from(cut)
    data = cleaned.responses
    out = pd.concat(
        [_paired_counts_of(in_group(data, g), vocab, cut).assign(group=g) for g in study_groups(data)],
        ignore_index=True,
    )
    out["pairs_n"] = out[list(PAIR_COUNTS)].sum(axis=1).astype("int64")
    out = out[out["pairs_n"] > 0].merge(
        _item_meta(vocab)[["item", "question", "item_order"]], on="item", how="left"
    )
    out = out.assign(
        g_order=out["group"].map({g: i for i, g in enumerate(GROUPS)}),
        q_order=out["question"].map(vocab.question_order),
    ).sort_values(["authority_id", "g_order", "q_order", "item_order", "sector"], kind="stable")
    columns = ["authority_id", "group", "question", "item", "item_order", "sector", "pairs_n", *PAIR_COUNTS]
    return out[columns].reset_index(drop=True)


def group_counts(responses: pd.DataFrame) -> pd.DataFrame:
    """``survey_response_groups.csv``: per study group (participants first), the
    responses before and after and the people linked across the two (the same
    reference in one authority before and after): what the design rests on
    (``lib.analysis.design``). ``responses`` has ``group``, ``phase``, ``ref``
    and ``authority_id``; a group with no rows has zeros."""
    rows = []
    for g in GROUPS:
        part = in_group(responses, g)
        phase = part["phase"].astype(str).to_numpy()
        pre, post = part[phase == "pre"], part[phase == "post"]
        keys = ["authority_id", "ref"]
        pre_people = pre.loc[(pre["ref"] != "").to_numpy(), keys].astype(str).drop_duplicates()
        linked = pre_people.merge(post[keys].astype(str).drop_duplicates(), on=keys)
        rows.append(
            {"group": g, "responses_pre": len(pre), "responses_post": len(post), "linked_n": len(linked)}
        )
    return pd.DataFrame(rows).astype({c: "int64" for c in ("responses_pre", "responses_post", "linked_n")})


# --------------------------------------------------------------------------
# Processed schemas and the build hook
# --------------------------------------------------------------------------


GROUP_COLUMN = pa.Column(
    str,
    pa.Check.isin(list(GROUPS)),
    description="study group: programme participants or the comparison group",
)


def _responses_schema(vocab: Vocabulary, authority: pa.Column) -> pa.DataFrameSchema:
    """The schema of ``survey_responses.csv``: the survey contract plus exact counts."""
    survey = vocab.survey_schema.columns
    responses_cols = {"authority_id": authority, "group": GROUP_COLUMN}
    for name in vocab.survey_columns:
        spec = survey[name]
        if name == "source":
            spec = pa.Column(str, description="where the figures come from")
        elif name == "base_n":
            spec = pa.Column(
                "int64",
                pa.Check.ge(0),
                coerce=True,
                description="respondents who gave a usable answer (exact; 0 = no one in this cell)",
            )
        elif name == "question":
            spec = pa.Column(str, pa.Check.isin(sorted(vocab.question_order)), description=spec.description)
        responses_cols[name] = spec
    responses_cols["confident_n"] = _count_column("respondents at or above the confident cut-point")
    responses_cols["basis"] = pa.Column(str, pa.Check.isin([EXACT_BASIS]), description="how base_n is known")
    return pa.DataFrameSchema(
        responses_cols,
        strict=True,
        ordered=True,
        name="survey_responses",
        unique=["authority_id", "group", "question", "item", "sector", "phase"],
    )


def _count_column(description: str) -> pa.Column:
    return pa.Column("int64", pa.Check.ge(0), coerce=True, description=description)


def _schemas(vocab: Vocabulary) -> dict[str, pa.DataFrameSchema]:
    authority = pa.Column(
        str,
        pa.Check.isin(["", *vocab.authorities]),
        description="authority slug; empty = programme level (every authority)",
    )
    count = _count_column
    return {
        "survey_responses.csv": _responses_schema(vocab, authority),
        "survey_response_pairs.csv": pa.DataFrameSchema(
            {
                "authority_id": authority,
                "group": GROUP_COLUMN,
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
            unique=["authority_id", "group", "item", "sector"],
        ),
        "survey_response_groups.csv": pa.DataFrameSchema(
            {
                "group": GROUP_COLUMN,
                "responses_pre": count("responses in this group before (all kept rows)"),
                "responses_post": count("responses in this group after (all kept rows)"),
                "linked_n": count("people whose reference links a before and an after response"),
            },
            strict=True,
            ordered=True,
            name="survey_response_groups",
            unique=["group"],
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
    """Read, clean and aggregate: the four processed tables and the log rows."""
    vocab = programme_vocabulary()
    cleaned = clean_responses(paths, vocab)
    tables = {
        "survey_responses.csv": aggregate(cleaned, vocab, cut),
        "survey_response_pairs.csv": paired_counts(cleaned, vocab, cut),
        "survey_response_groups.csv": group_counts(cleaned.responses),
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
