"""Paths and settings of the workbook, each defined once.

Every module takes its folders and file names from here, so a newcomer finds
where the raw data, the processed tables, the outputs and the programme
definition live in one place. Settings read from the environment are parsed
and validated by the module that owns them, and named here.
"""

from __future__ import annotations

from pathlib import Path

#: The project folder (the one holding data/, lib/, notebooks/).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
SYNTHETIC_DIR = DATA_DIR / "synthetic"
OUTPUTS_DIR = PROJECT_ROOT / "outputs"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
DOCS_DIR = PROJECT_ROOT / "docs"

#: This programme's definition; ``EVAL_PROGRAMME`` selects another (lib.programme).
DEFAULT_DEFINITION = DATA_DIR / "programme" / "definition.yaml"
PROGRAMME_ENV_VAR = "EVAL_PROGRAMME"

#: The data-quality log, written beside the processed tables and into outputs/.
QUALITY_LOG_NAME = "data_quality_log.csv"
#: The caveats log (Markdown source) and the page rendered from it.
CAVEATS_SOURCE = DOCS_DIR / "caveats.md"
CAVEATS_PAGE = "caveats.html"
