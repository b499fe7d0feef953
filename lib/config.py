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

#: A programme is a folder: ``definition.yaml``, ``plan.yaml``, ``notes/`` (the
#: reader-facing notes: ``caveats.md`` ...), ``raw/`` and the ``processed/`` the
#: build writes (lib.programme.folder). This programme's folder is data/ itself;
#: ``EVAL_PROGRAMME`` (a folder, or a definition file in one) selects another.
DEFAULT_PROGRAMME_DIR = DATA_DIR
DEFAULT_DEFINITION = DEFAULT_PROGRAMME_DIR / "definition.yaml"
PROGRAMME_ENV_VAR = "EVAL_PROGRAMME"

#: The data-quality log, written beside the processed tables and into outputs/.
QUALITY_LOG_NAME = "data_quality_log.csv"
#: The page rendered from the programme's caveats note (lib.programme.caveats_path).
CAVEATS_PAGE = "caveats.html"
