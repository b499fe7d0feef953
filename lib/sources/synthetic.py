"""SYNTHETIC survey responses for testing and demonstration (never real data).

Writes response files in the documented input format (``data/README.md``,
"Response files") for any number of authorities and respondents, seeded so the
same arguments give the same files, in CSV, Excel (.xlsx) and SPSS (.sav),
with the mess real exports carry:

* answers written many ways ("7", "7.0", " 7 ", "7 - Very confident",
  "Very confident", "Seven"; SPSS value labels), "Don't know", "N/A" and blanks;
* a few out-of-range ("8", "0", "77") and unparseable ("maybe") answers;
* authority spellings from the registry's variants, and misspellings no
  variant covers (these must be listed, never matched);
* sector spelling variants and blanks;
* exact duplicate submissions and respondent references repeated in a phase;
* linked respondents (a reference answered before and after) and unlinked ones;
* optionally a comparison group (``comparison_share``): a ``group`` column
  written "Participant", "Programme participant", "Comparison group",
  "Control", whose answers change less between the phases than the
  participants' do;
* CSV files with a byte-order mark, Windows line endings or ``;`` separators,
  and files whose phase is given only by the file name.

Every row carries ``synthetic = yes``: a build from these files records it
(``response_files.csv``) and every report built from it shows a SYNTHETIC DATA
banner. Files go to ``data/synthetic/responses/`` by default (not committed);
writing into ``data/raw/`` needs ``--allow-raw``.

    python -m lib.sources.synthetic --authorities 3 --respondents 60 --seed 12
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lib.config import PROJECT_ROOT, SYNTHETIC_DIR  # noqa: E402,F401
from lib.programme import current_programme
from lib.sources import response_format as fmt
from lib.sources.response_format import spelling_key

DEFAULT_OUT = SYNTHETIC_DIR / "responses"
FORMAT_CHOICES = ("csv", "xlsx", "sav")

#: How one scale point may be written (index = variant, then value 0-7).
_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven"]


def _variants(value: int) -> list[str]:
    label = {1: "Not at all confident", 7: "Very confident"}.get(value, "")
    return [
        str(value),
        f"{value}.0",
        f" {value} ",
        f"{value} - {label}" if label else str(value),
        label or str(value),
        _WORDS[value].capitalize(),
    ]


_VARIANT_TABLE = np.array([_variants(v) if v else [""] * 6 for v in range(8)], dtype=object)
SECTOR_SPELLINGS = {
    "vcs": ["VCS", "vcs", "Voluntary and community sector", "VCS organisation"],
    "childrens_centres": ["Children's centres", "Childrens Centre", "children’s centres"],
    "local_authorities": ["Local authority", "Council"],
    "other_sectors": ["Other sectors", "Health"],
}


def misspell(name: str) -> str:
    """A typing slip no variant covers: two letters swapped ("Barnet" -> "Banret")."""
    i = max(1, len(name) // 2 - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :] if len(name) > 3 else name + name[-1]


def _authority_spellings(aid: str, vocab: fmt.Vocabulary) -> list[str]:
    """The display name, shouted, and registry variants (as typed by people)."""
    name = vocab.authorities[aid]
    variants = sorted(
        k for k, target in vocab.authority_keys.items() if target == aid and k != spelling_key(name)
    )
    return [name, name.upper(), *(v.title() for v in variants)][:5]


def _pick(options: dict[str, list[str]], keys: pd.Series, pick: np.ndarray) -> np.ndarray:
    """Vectorised: for each row, option ``pick % len(options[key])`` of its key."""
    width = max(len(v) for v in options.values())
    order = list(options)
    table = np.array([[v[i % len(v)] for i in range(width)] for v in options.values()], dtype=object)
    index = keys.map({k: i for i, k in enumerate(order)}).to_numpy()
    return table[index, pick % width]


#: Free-text answers the generator writes (``--free-text``): short comments of
#: the kind a workshop survey collects, some touching more than one theme.
FREE_TEXT = (
    "Sharing information and resources with partners",
    "Better services for families because we plan together",
    "Understanding each other's skills and pressures",
    "Clearer commissioning that involves smaller groups",
    "Local decisions made closer to the community",
    "A shared vision from the council about what it wants",
    "More honest conversations about performance and outcomes",
    "Time to manage the change properly",
    "Networking and meeting people from other sectors",
    "Involving parents and residents from the start",
    "Being treated as an equal partner, not a contractor",
    "Funding that lasts long enough to plan",
)


def free_text_columns(df: pd.DataFrame, seed: int, share: float = 0.4) -> pd.DataFrame:
    """``df`` plus a free-text column for each comment question of the definition:
    about ``share`` of rows answer it (a separate random stream, so the other
    columns are the same with or without free text)."""
    rng = np.random.default_rng(seed + 1)
    questions = [q.id for q in current_programme().questions if q.base == "comments"]
    for k, question in enumerate(questions):
        pick = rng.integers(0, len(FREE_TEXT), size=len(df))
        text = np.array(FREE_TEXT, dtype=object)[(pick + 5 * k) % len(FREE_TEXT)]
        df[f"{question}_text"] = np.where(rng.random(len(df)) < share, text, "")
    return df


def generate(
    authorities: int = 3,
    respondents: int = 60,
    *,
    seed: int = 12,
    linked_share: float = 0.6,
    mess: bool = True,
    comparison_share: float = 0.0,
    comparison_change: float = 0.3,
    free_text: bool = False,
) -> pd.DataFrame:
    """One frame of synthetic responses (all authorities, both phases).

    ``respondents`` per authority; a ``linked_share`` of them answer before and
    after under one reference, the rest once (before or after) without one.
    A ``comparison_share`` of them (default none: no group column) form a
    comparison group whose answers move ``comparison_change`` points on the
    latent scale between the phases, against the participants' 0.9.
    """
    rng = np.random.default_rng(seed)
    vocab = fmt.programme_vocabulary()
    ids = (
        list(vocab.authorities)[: max(1, authorities)]
        if authorities <= len(vocab.authorities)
        else [list(vocab.authorities)[i % len(vocab.authorities)] for i in range(authorities)]
    )
    n = respondents * len(ids)
    person_auth = np.repeat(np.arange(len(ids)), respondents)
    sector_ids = np.array(list(SECTOR_SPELLINGS))
    person_sector = rng.choice(len(sector_ids), size=n, p=[0.45, 0.3, 0.15, 0.1])
    linked = rng.random(n) < linked_share
    single_phase = rng.integers(0, 2, size=n)  # for unlinked: 0 = pre, 1 = post
    # Rows: linked people twice, others once.
    person = np.concatenate([np.arange(n)[linked], np.arange(n)[linked], np.arange(n)[~linked]])
    phase = np.concatenate([np.zeros(linked.sum(), int), np.ones(linked.sum(), int), single_phase[~linked]])
    rows = len(person)
    items = [it.item for it in vocab.items]
    propensity = rng.normal(3.8, 1.1, size=n)
    frame = {
        "respondent_ref": np.where(
            linked[person], np.char.add("R", np.char.zfill(person.astype(str), 6)), ""
        ),
        "authority": np.array([vocab.authorities[ids[i]] for i in range(len(ids))], dtype=object)[
            person_auth[person]
        ],
        "sector": np.array([SECTOR_SPELLINGS[s][0] for s in sector_ids], dtype=object)[person_sector[person]],
        "phase": np.where(phase == 0, "Before", "After").astype(object),
        "submitted_at": (
            pd.Timestamp("2026-03-02 09:00")
            + pd.to_timedelta(phase * 14 * 86400 + rng.integers(0, 8 * 3600, size=rows), unit="s")
        ).strftime("%d/%m/%Y %H:%M"),
    }
    compared = _comparison(seed, n, comparison_share)
    shift = np.where(compared[person], comparison_change, 0.9)
    for k, it in enumerate(items):
        latent = propensity[person] + phase * shift + rng.normal(0, 0.9, size=rows) + (k % 3) * 0.2
        frame[it] = np.clip(np.rint(latent), 1, 7).astype(int)
    if comparison_share > 0:
        frame["group"] = np.where(compared, "Comparison group", "Participant").astype(object)[person]
    df = pd.DataFrame(frame)
    df["_aid"] = np.array(ids, dtype=object)[person_auth[person]]
    df["_phase"] = np.where(phase == 0, "pre", "post")
    if free_text:
        df = free_text_columns(df, seed)
    if mess:
        df = _add_mess(df, items, ids, rng)
    else:
        for it in items:
            df[it] = df[it].astype(str)
    df["synthetic"] = "yes"
    return df.reset_index(drop=True)


def _comparison(seed: int, people: int, share: float) -> np.ndarray:
    """Who is in the comparison group (a generator of its own, so a set without
    one draws exactly what it drew before groups existed)."""
    if share <= 0:
        return np.zeros(people, dtype=bool)
    return np.random.default_rng([seed, 1]).random(people) < share


GROUP_SPELLINGS = {
    "Participant": ["Participant", "Programme participant", "participants"],
    "Comparison group": ["Comparison group", "Control", "comparison"],
}


def _add_mess(df: pd.DataFrame, items: list[str], ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    rows = len(df)
    vocab = fmt.programme_vocabulary()
    if "group" in df:
        df["group"] = _pick(GROUP_SPELLINGS, df["group"], np.arange(rows) % 3)
    for it in items:
        values = df[it].to_numpy()
        text = _VARIANT_TABLE[values, rng.integers(0, 6, size=rows)]
        roll = rng.random(rows)
        text = np.where(roll < 0.03, "", text)
        text = np.where((roll >= 0.03) & (roll < 0.05), "Don't know", text)
        text = np.where((roll >= 0.05) & (roll < 0.06), "N/A", text)
        text = np.where(
            (roll >= 0.06) & (roll < 0.065), rng.choice(["8", "0", "77", "maybe"], size=rows), text
        )
        df[it] = text
    # Authority spellings: registry variants, and a few misspellings.
    spell = {aid: _authority_spellings(aid, vocab) for aid in ids}
    df["authority"] = _pick(spell, df["_aid"], rng.integers(0, 5, size=rows))
    wrong = (np.arange(rows) % 97) == 50  # about 1%, at least one in 60+ rows
    df.loc[wrong, "authority"] = df.loc[wrong, "_aid"].map(lambda a: misspell(vocab.authorities[a]))
    # Sector spellings and blanks.
    reverse = {v[0]: k for k, v in SECTOR_SPELLINGS.items()}
    df["sector"] = _pick(SECTOR_SPELLINGS, df["sector"].map(reverse), rng.integers(0, 3, size=rows))
    df.loc[rng.random(rows) < 0.01, "sector"] = ""
    # Exact duplicate submissions (~1%) and a repeated reference in a phase (~1%).
    dups = df.sample(frac=0.01, random_state=int(rng.integers(1 << 31)))
    linked = df[df["respondent_ref"] != ""]
    again = linked.sample(frac=0.01, random_state=int(rng.integers(1 << 31))).copy()
    again["submitted_at"] = (
        pd.to_datetime(again["submitted_at"], format="%d/%m/%Y %H:%M") + pd.Timedelta(hours=1)
    ).dt.strftime("%d/%m/%Y %H:%M")
    return pd.concat([df, dups, again], ignore_index=True)


def write_files(df: pd.DataFrame, out_dir: Path, formats: tuple[str, ...] = FORMAT_CHOICES) -> list[Path]:
    """Split by authority and phase, one file each, formats in rotation."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for i, ((aid, phase), part) in enumerate(df.groupby(["_aid", "_phase"], sort=True)):
        fmt = formats[i % len(formats)]
        part = part.drop(columns=["_aid", "_phase"])
        name = f"synthetic_{aid}_{phase}"
        if i % 4 == 1:  # phase given by the file name only
            part = part.drop(columns=["phase"])
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            sep = ";" if i % 3 == 1 else ","
            text = part.to_csv(index=False, sep=sep, lineterminator="\r\n" if i % 2 else "\n")
            path.write_bytes(text.encode("utf-8-sig" if i % 3 == 0 else "utf-8"))
        elif fmt == "xlsx":
            part.to_excel(path, index=False, engine="openpyxl")
        else:
            _write_sav(part, path)
        written.append(path)
    return written


def _write_sav(part: pd.DataFrame, path: Path) -> None:
    """SPSS file: answers as numeric codes with value labels (98 = Don't know)."""
    import pyreadstat

    vocab = fmt.programme_vocabulary()
    out = part.copy()
    labels = {1.0: "Not at all confident", 7.0: "Very confident", 98.0: "Don't know"}
    value_labels = {}
    for it in (i.item for i in vocab.items):
        if it not in out:
            continue
        parsed = [fmt.parse_answer(v, vocab) for v in out[it]]
        raw = out[it].astype(str).str.strip()
        codes = [
            float(v)
            if s == fmt.ANSWERED
            else (98.0 if r in ("Don't know", "N/A") else (float(r) if r.isdigit() else np.nan))
            for (s, v, _), r in zip(parsed, raw, strict=False)
        ]
        out[it] = codes
        value_labels[it] = labels
    pyreadstat.write_sav(
        out,
        str(path),
        variable_value_labels=value_labels,
        file_label="SYNTHETIC survey responses (generated, not real data)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lib.sources.synthetic", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--authorities", type=int, default=3, help="number of authorities (default 3)")
    parser.add_argument("--respondents", type=int, default=60, help="respondents per authority (default 60)")
    parser.add_argument("--seed", type=int, default=12, help="random seed (default 12)")
    parser.add_argument(
        "--linked-share",
        type=float,
        default=0.6,
        help="share of respondents answering before and after under one reference",
    )
    parser.add_argument(
        "--comparison-share",
        type=float,
        default=0.0,
        help="share of respondents in a comparison group (default 0: no group column)",
    )
    parser.add_argument("--formats", default="csv,xlsx,sav", help="comma-separated: csv,xlsx,sav")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})"
    )
    parser.add_argument("--clean", action="store_true", help="no injected mess")
    parser.add_argument(
        "--free-text", action="store_true", help="add free-text answers to the comment questions"
    )
    parser.add_argument("--allow-raw", action="store_true", help="allow writing inside data/raw/")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if bad := [f for f in formats if f not in FORMAT_CHOICES]:
        print(f"error: unknown format(s) {', '.join(bad)}; expected csv, xlsx, sav", file=sys.stderr)
        return 2
    out = args.out.resolve()
    if (PROJECT_ROOT / "data" / "raw") in (out, *out.parents) and not args.allow_raw:
        print(
            f"error: {out} is inside data/raw/; synthetic files never go there unless --allow-raw",
            file=sys.stderr,
        )
        return 2
    df = generate(
        args.authorities,
        args.respondents,
        seed=args.seed,
        linked_share=args.linked_share,
        mess=not args.clean,
        comparison_share=args.comparison_share,
        free_text=args.free_text,
    )
    paths = write_files(df, out, formats)
    print(f"wrote {len(df)} SYNTHETIC responses in {len(paths)} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
