"""The import contracts of pyproject.toml (`lint-imports`) fail on a breach and pass without it.

A tiny stand-in for ``lib`` (same layer and section module names, a few lines each) is written
to a temporary folder with the project's own pyproject.toml and tools/ package; `lint-imports`
runs there, so the contracts checked are exactly the ones `make lint` checks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: The section modules, as the project's "sections" contract lists them (one list, not a copy).
SECTIONS = [
    m.removeprefix("lib.report.")
    for c in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
    if c["id"] == "sections"
    for m in c["modules"]
]

# A clean package: each module imports only below itself.
CLEAN = {
    "lib/__init__.py": "",
    "lib/batch.py": "import lib.run.cli\n",
    "lib/config.py": "ROOT = 1\n",
    "lib/files.py": "def write():\n    return 1\n",
    "lib/programme/__init__.py": "import lib.config\n",
    "lib/sources/__init__.py": "",
    "lib/sources/a.py": "import lib.programme\nimport lib.files\n",
    "lib/sources/b.py": "import lib.sources.a\n",
    "lib/sources/schemas.py": "import lib.sources.a\n",
    "lib/evaluation.py": "import lib.sources.schemas\nimport lib.sources.b\n",
    "lib/analysis/__init__.py": "",
    "lib/analysis/claims.py": "import lib.sources.a\n",
    "lib/report/__init__.py": "from lib.report.summary import summary\n",
    "lib/report/format.py": "def percent(x):\n    return x\n",
    "lib/report/html.py": "",
    "lib/report/charts.py": "import lib.report.html\nimport lib.report.format\n",
    "lib/report/workbook.py": "import lib.evaluation\nimport lib.report.format\n",
    "lib/report/common.py": "import lib.report.charts\nimport lib.report.workbook\n",
    "lib/report/figures.py": "import lib.report.charts\n",
    **{
        f"lib/report/{name}.py": f"import lib.report.format\nimport lib.analysis.claims\n\n\ndef {name}():\n    return 1\n"
        for name in SECTIONS
    },
    "lib/report/facts.py": "import lib.report.common\nimport lib.report.workbook\n",
    "lib/report/pages.py": "import lib.report.html\n",
    "lib/report/recommendations.py": "import lib.report.facts\nimport lib.report.pages\n",
    "lib/report/explorer.py": "import lib.report.pages\nimport lib.report.survey\n",
    "lib/report/contributing.py": "import lib.report.pages\n",
    "lib/run/__init__.py": "",
    "lib/run/cli.py": "import lib.run.batch\n",
    "lib/run/batch.py": "import lib.evaluation\nimport lib.analysis.claims\n",
}

# Each breach: the files it changes and the contract that must break.
BREACHES = {
    "section imports section": (
        {"lib/report/evidence.py": "import lib.report.format\nimport lib.report.claims_audit\n"},
        "lib.report sections never import each other",
    ),
    "cycle between modules": (
        {"lib/sources/a.py": "import lib.programme\nimport lib.sources.b\n"},
        "no import cycle between the modules or packages of any package in lib",
    ),
    "cycle through a package __init__": (
        {"lib/report/summary.py": "import lib.report\n\n\ndef summary():\n    return lib.report\n"},
        "no package's __init__ in an import cycle",
    ),
    "a lower layer imports a higher one": (
        {"lib/files.py": "import lib.programme\n"},
        "lib layers: run above report",
    ),
    "primitive imports a section": (
        {
            "lib/report/common.py": "import lib.report.charts\nimport lib.report.workbook\nimport lib.report.survey\n"
        },
        "lib.report: views above sections above the page registry",
    ),
}


def _lint(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "tools", tmp_path / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(out: str) -> str:
    """lint-imports wraps long contract names; join the lines back for matching."""
    return " ".join(out.split())


def test_contracts_pass_on_a_clean_package(tmp_path):
    result = _lint(tmp_path, CLEAN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("breach", sorted(BREACHES))
def test_contract_fails_on_a_breach(tmp_path, breach):
    changes, contract = BREACHES[breach]
    result = _lint(tmp_path, {**CLEAN, **changes})
    out = _one_line(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in out, result.stdout
    broken = out.split("Broken contracts", 1)[1]
    assert contract in broken, result.stdout


def test_the_real_lib_keeps_the_contracts():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
