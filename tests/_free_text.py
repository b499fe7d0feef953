"""A build with SYNTHETIC free-text answers and evaluators' codes, for the tests of
lib/sources/free_text, lib/report/coded_answers and lib/workbench/coding."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lib import evaluation
from lib.sources import synthetic

#: The synthetic survey the free-text tests read (small: a build takes seconds).
AUTHORITIES, RESPONDENTS, SEED = 3, 40, 12


def write_responses(folder: Path) -> list[Path]:
    """SYNTHETIC response files with free-text answers, in all three formats."""
    frame = synthetic.generate(AUTHORITIES, RESPONDENTS, seed=SEED, free_text=True)
    return synthetic.write_files(frame, folder)


def build(root: Path, responses: Path, codes: Path) -> Path:
    """Build the processed tables into ``root/processed``; return that folder."""
    evaluation.build(evaluation.RAW_DIR, root / "processed", root / "outputs", responses, codes)
    return root / "processed"


def answers(processed: Path) -> pd.DataFrame:
    return pd.read_csv(processed / "free_text_answers.csv", dtype=str, keep_default_na=False)


def write_codes(path: Path, rows: list[tuple[str, str, str, str, str]]) -> None:
    """A codes file written by hand: ``(coded_at, answer_id, theme, applies, note)`` rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["coded_at,answer_id,theme,applies,note", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
