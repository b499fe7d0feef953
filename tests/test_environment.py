"""The environment files agree; notebooks are committed clean; code is not ignored."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml  # PyYAML: a dependency of papermill and jupyter

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = PROJECT_ROOT / "requirements.txt"
ENVIRONMENT = PROJECT_ROOT / "environment.yml"

#: PyPI names whose conda-forge package of the same name is something else, so
#: environment.yml must take them from pip ('playwright' on conda-forge is the
#: Node.js tool; the Python package is 'playwright-python').
PIP_ONLY = {"playwright"}


# --------------------------------------------------------------------------
# requirements.txt and environment.yml
# --------------------------------------------------------------------------


def normalise(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;#]+)\s*(;.*)?$")
_CONDA = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(==?)\s*([^\s=]+))?$")


def parse_requirements(text: str) -> dict[str, str]:
    """``name==version`` lines -> {normalised name: version}; anything else is an error."""
    pins: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if not match:
            raise ValueError(f"requirements.txt line {number} is not pinned with '==': {line!r}")
        name = normalise(match.group(1))
        if name in pins:
            raise ValueError(f"requirements.txt lists {name} twice")
        pins[name] = match.group(3)
    return pins


def parse_environment(text: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """environment.yml -> (base {python, pip}, conda pins, pip pins), names normalised."""
    env = yaml.safe_load(text)
    base: dict[str, str] = {}
    conda: dict[str, str] = {}
    pip: dict[str, str] = {}
    for dep in env.get("dependencies", []):
        if isinstance(dep, dict):
            assert list(dep) == ["pip"], f"unexpected sub-list {list(dep)}"
            for line in dep["pip"]:
                match = _PIN.match(line.strip())
                if not match:
                    raise ValueError(f"pip entry not pinned with '==': {line!r}")
                name = normalise(match.group(1))
                if name in pip:
                    raise ValueError(f"pip sub-list lists {name} twice")
                pip[name] = match.group(3)
            continue
        match = _CONDA.match(str(dep).strip())
        if not match:
            raise ValueError(f"unreadable conda dependency {dep!r}")
        name, version = normalise(match.group(1)), match.group(3) or ""
        if name in ("python", "pip"):
            base[name] = version
            continue
        if not version:
            raise ValueError(f"conda dependency {dep!r} is not pinned")
        if name in conda:
            raise ValueError(f"conda dependencies list {name} twice")
        conda[name] = version
    return base, conda, pip


def compare(requirements: dict[str, str], conda: dict[str, str], pip: dict[str, str]) -> list[str]:
    """Differences between requirements.txt and environment.yml, one line each."""
    problems = [f"{name} is both a conda dependency and a pip dependency" for name in sorted(set(conda) & set(pip))]
    env = {**conda, **pip}
    problems += [f"{name} is in requirements.txt but not in environment.yml" for name in sorted(set(requirements) - set(env))]
    problems += [f"{name} is in environment.yml but not in requirements.txt" for name in sorted(set(env) - set(requirements))]
    problems += [
        f"{name}: requirements.txt pins {requirements[name]}, environment.yml pins {env[name]}"
        for name in sorted(set(requirements) & set(env))
        if requirements[name] != env[name]
    ]
    return problems


@pytest.mark.parametrize(
    "name, expected",
    [("Jinja2", "jinja2"), ("MarkupSafe", "markupsafe"), ("ruamel.yaml", "ruamel-yaml"),
     ("typing_extensions", "typing-extensions"), ("Foo__Bar--baz", "foo-bar-baz")],
)
def test_normalise_follows_pep_503(name, expected):
    assert normalise(name) == expected


def test_compare_reports_every_kind_of_disagreement():
    requirements = {"pandas": "3.1.1", "numpy": "2.4.6", "scipy": "1.17.1"}
    problems = compare(requirements, conda={"pandas": "3.1.0", "numpy": "2.4.6", "tqdm": "4.70.1"},
                       pip={"numpy": "2.4.6"})
    assert problems == [
        "numpy is both a conda dependency and a pip dependency",
        "scipy is in requirements.txt but not in environment.yml",
        "tqdm is in environment.yml but not in requirements.txt",
        "pandas: requirements.txt pins 3.1.1, environment.yml pins 3.1.0",
    ]
    assert compare(requirements, conda=dict(requirements), pip={}) == []


def test_parsers_reject_unpinned_packages():
    with pytest.raises(ValueError, match="not pinned"):
        parse_requirements("pandas>=3\n")
    with pytest.raises(ValueError, match="not pinned"):
        parse_environment("dependencies:\n  - python=3.11\n  - pandas\n")
    with pytest.raises(ValueError, match="not pinned"):
        parse_environment("dependencies:\n  - pip:\n      - playwright\n")


def test_requirements_and_environment_list_the_same_packages_at_the_same_versions():
    requirements = parse_requirements(REQUIREMENTS.read_text(encoding="utf-8"))
    _, conda, pip = parse_environment(ENVIRONMENT.read_text(encoding="utf-8"))
    assert requirements, "requirements.txt pins no package"
    assert compare(requirements, conda, pip) == []


def test_environment_uses_python_3_11_pip_and_conda_forge():
    env = yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))
    base, _, _ = parse_environment(ENVIRONMENT.read_text(encoding="utf-8"))
    assert base.get("python") == "3.11"
    assert "pip" in base
    assert env["channels"][0] == "conda-forge"
    assert env.get("name")


def test_packages_named_differently_on_conda_forge_come_from_pip():
    requirements = parse_requirements(REQUIREMENTS.read_text(encoding="utf-8"))
    _, conda, pip = parse_environment(ENVIRONMENT.read_text(encoding="utf-8"))
    for name in PIP_ONLY & set(requirements):
        assert name in pip and name not in conda, name


# --------------------------------------------------------------------------
# Notebooks are committed without outputs and keep their kernelspec
# --------------------------------------------------------------------------


def notebook_problems(notebook: dict) -> list[str]:
    """Why a notebook is not a clean source notebook (empty list if it is)."""
    problems = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {index} has outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {index} has execution_count {cell['execution_count']}")
    kernel = notebook.get("metadata", {}).get("kernelspec", {}).get("name")
    if not kernel:
        problems.append("metadata.kernelspec.name is missing")
    return problems


def test_notebook_problems_spots_outputs_counts_and_a_missing_kernelspec():
    clean = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Title"]},
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ["1 + 1"]},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    }
    assert notebook_problems(clean) == []
    dirty = json.loads(json.dumps(clean))
    dirty["cells"][1]["execution_count"] = 3
    dirty["cells"][1]["outputs"] = [{"output_type": "execute_result", "data": {"text/plain": ["2"]}}]
    del dirty["metadata"]["kernelspec"]
    assert notebook_problems(dirty) == [
        "cell 1 has outputs", "cell 1 has execution_count 3", "metadata.kernelspec.name is missing",
    ]


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True)


def _has_git() -> bool:
    return shutil.which("git") is not None and _git("rev-parse", "--git-dir").returncode == 0


def _source_notebooks() -> list[str]:
    paths = {str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb")}
    if _has_git():
        listed = _git("ls-files", "--", "notebooks/*.ipynb").stdout.decode().split()
        paths |= {p for p in listed if "/" not in p.removeprefix("notebooks/")}
    return sorted(paths)


_NOTEBOOKS = _source_notebooks()


@pytest.mark.parametrize(
    "path",
    _NOTEBOOKS or [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks/*.ipynb yet"))],
)
def test_source_notebook_is_clean(path):
    versions = {}
    if (PROJECT_ROOT / path).exists():
        versions["working tree"] = (PROJECT_ROOT / path).read_text(encoding="utf-8")
    if _has_git():
        staged = _git("show", f":{path}")  # the version that would be committed
        if staged.returncode == 0:
            versions["index"] = staged.stdout.decode("utf-8")
    assert versions
    for where, text in versions.items():
        assert notebook_problems(json.loads(text)) == [], f"{path} ({where})"


# --------------------------------------------------------------------------
# .gitignore keeps code and raw data tracked
# --------------------------------------------------------------------------

needs_git = pytest.mark.skipif(not _has_git(), reason="not a git checkout")


def _ignored(path: str) -> bool:
    """Whether .gitignore rules ignore ``path`` (tracked or not)."""
    done = _git("check-ignore", "--no-index", "-q", path)
    assert done.returncode in (0, 1), done.stderr.decode()
    return done.returncode == 0


@needs_git
@pytest.mark.parametrize(
    "path",
    ["lib/evaluation.py", "requirements.txt", "environment.yml", "data/raw/evidence_matrix.csv",
     "data/README.md", "data/processed/.gitkeep", "tests/test_evaluation.py"],
)
def test_gitignore_does_not_ignore_source_files(path):
    assert not _ignored(path)


@needs_git
@pytest.mark.parametrize("path", ["data/processed/survey.csv", "outputs/data_quality_log.csv", ".venv/bin/python"])
def test_gitignore_ignores_generated_files(path):
    # Control: check-ignore does report ignored paths, so the test above can fail.
    assert _ignored(path)


@needs_git
def test_lib_evaluation_is_tracked():
    assert _git("ls-files", "--error-unmatch", "lib/evaluation.py").returncode == 0
