"""The SYNTHETIC DATA banner: shown on every page built from synthetic responses.

A build that read synthetic response files (``lib/sources/synthetic.py``)
records it in ``data/processed/response_files.csv`` (column ``synthetic``).
The site's templates show the banner (``templates/synthetic_banner.html.j2``)
at the top of the index, the caveats page and every report page
(:mod:`lib.run.chrome`). Standard library only, so the batch driver can use
it without importing the report stack.
"""

from __future__ import annotations

import csv
from pathlib import Path

RESPONSE_FILES = "response_files.csv"
SYNTHETIC_TEXT = (
    "SYNTHETIC DATA: the survey responses behind this report were generated for testing. "
    "No figure from them describes real people."
)
#: The wording on pages about every report (the index, the caveats page).
SYNTHETIC_SITE_TEXT = (
    "SYNTHETIC DATA: the survey responses behind these reports were generated "
    "for testing. No figure from them describes real people."
)


def is_synthetic(processed_dir: str | Path) -> bool:
    """True when the build in ``processed_dir`` used synthetic response files."""
    path = Path(processed_dir) / RESPONSE_FILES
    if not path.exists():
        return False
    with path.open(encoding="utf-8", newline="") as handle:
        return any(row.get("synthetic") == "yes" for row in csv.DictReader(handle))
