"""This programme's processed tables are byte-identical to those main's code
built before the issue-10 move (tests/fixtures/processed_checksums.sha256,
recorded from commit 5f391b2 before anything in lib/ changed).

A change that alters a processed table on purpose (another issue) regenerates
the list with ``cd <processed dir> && sha256sum *.csv`` and says so in its
commit message.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHECKSUMS = Path(__file__).resolve().parents[1] / "fixtures" / "processed_checksums.sha256"


def _recorded() -> dict[str, str]:
    pairs = (line.split() for line in CHECKSUMS.read_text(encoding="utf-8").splitlines() if line.strip())
    return {name: digest for digest, name in pairs}


def test_processed_tables_are_byte_identical_to_the_recorded_build(evaluation_build):
    recorded = _recorded()
    built = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in evaluation_build.processed.glob("*.csv")
        if not p.name.startswith("results_")  # the analysis step's tables (tests/analysis/test_results.py)
    }
    assert sorted(built) == sorted(recorded)
    changed = sorted(name for name in recorded if built[name] != recorded[name])
    assert changed == []
    log = evaluation_build.quality_log.read_bytes()
    assert hashlib.sha256(log).hexdigest() == recorded["data_quality_log.csv"]
