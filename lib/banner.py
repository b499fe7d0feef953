"""The SYNTHETIC DATA banner: shown on every page built from synthetic responses.

A build that read synthetic response files (``lib/sources/synthetic.py``)
records it in ``data/processed/response_files.csv`` (column ``synthetic``).
The report notebooks show :func:`banner_html` at the top of each report
(``lib.survey_section.synthetic_banner``) and the batch adds it to the index
page (:func:`mark_index`). Standard library and markupsafe only, so the batch
driver can use it without importing the report stack.
"""

from __future__ import annotations

import csv
from pathlib import Path

from markupsafe import Markup, escape

RESPONSE_FILES = "response_files.csv"
SYNTHETIC_TEXT = ("SYNTHETIC DATA: the survey responses behind this report were generated for testing. "
                  "No figure from them describes real people.")
_STYLE = ("border:3px solid #000;background:#FFD500;color:#000;font-weight:bold;"
          "padding:0.6em 1em;margin:0.5em 0;font-size:1.1em")


def is_synthetic(processed_dir: str | Path) -> bool:
    """True when the build in ``processed_dir`` used synthetic response files."""
    path = Path(processed_dir) / RESPONSE_FILES
    if not path.exists():
        return False
    with path.open(encoding="utf-8", newline="") as handle:
        return any(row.get("synthetic") == "yes" for row in csv.DictReader(handle))


def banner_html(text: str = SYNTHETIC_TEXT) -> Markup:
    return Markup('<div class="synthetic-banner" role="note" style="{}">{}</div>').format(_STYLE, escape(text))


def mark_index(page: str, processed_dir: str | Path) -> str:
    """``page`` with the banner at the top of its ``<main>`` when the data are synthetic."""
    if not is_synthetic(processed_dir) or "<main>" not in page:
        return page
    return page.replace("<main>", "<main>\n" + banner_html(
        "SYNTHETIC DATA: the survey responses behind these reports were generated for testing. "
        "No figure from them describes real people."), 1)
