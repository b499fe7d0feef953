"""The dependency files agree; notebooks are committed clean; code is not ignored.

Requirement lines are read with ``packaging`` (the library pip uses), names
compared after PEP 503 normalisation (``canonicalize_name``).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = PROJECT_ROOT / "requirements"
RUNTIME_IN = REQUIREMENTS / "runtime.in"
DEV_IN = REQUIREMENTS / "dev.in"
LOCK = REQUIREMENTS / "lock.txt"
ENVIRONMENT = PROJECT_ROOT / "environment.yml"
PYPROJECT = PROJECT_ROOT / "pyproject.toml"

#: PyPI names whose conda-forge package of the same name is something else, so
#: environment.yml must take them from pip ('playwright' on conda-forge is the
#: Node.js tool; the Python package is 'playwright-python').
PIP_ONLY = {"playwright"}


# --------------------------------------------------------------------------
# requirements/*.in (direct pins), requirements/lock.txt, environment.yml
# --------------------------------------------------------------------------


def exact_pin(requirement: Requirement, where: str) -> str:
    """The version of a ``name==version`` requirement; anything looser is an error."""
    specs = list(requirement.specifier)
    if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
        raise ValueError(f"{where}: {requirement.name} is not pinned with '==': {str(requirement)!r}")
    return specs[0].version


def parse_pins(text: str, where: str) -> dict[str, str]:
    """A requirements file of direct pins -> {canonical name: version}."""
    pins: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            raise ValueError(f"{where} line {number}: {error}") from None
        name = canonicalize_name(requirement.name)
        if name in pins:
            raise ValueError(f"{where} lists {name} twice")
        pins[name] = exact_pin(requirement, f"{where} line {number}")
    return pins


def parse_lock(text: str) -> dict[str, tuple[str, int]]:
    """A ``--generate-hashes`` lock -> {canonical name: (version, number of hashes)}.

    Continuation lines (``\\``) are joined first; option lines (``--index-url``)
    and comments are skipped.
    """
    entries: dict[str, tuple[str, int]] = {}
    joined = re.sub(r"\\\s*\n", " ", text)
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        spec, *options = re.split(r"\s+(?=--)", line)
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        if name in entries:
            raise ValueError(f"lock lists {name} twice")
        hashes = [o for o in options if o.startswith("--hash=sha256:")]
        entries[name] = (exact_pin(requirement, "lock"), len(hashes))
    return entries


def parse_environment(text: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """environment.yml -> (base {python, pip}, conda pins, pip pins), names canonical.

    A conda spec ``name=version`` is read as the requirement ``name==version``.
    """
    env = yaml.safe_load(text)
    base: dict[str, str] = {}
    conda: dict[str, str] = {}
    pip: dict[str, str] = {}
    for dep in env.get("dependencies", []):
        if isinstance(dep, dict):
            assert list(dep) == ["pip"], f"unexpected sub-list {list(dep)}"
            pip_pins = parse_pins("\n".join(dep["pip"]), "environment.yml pip sub-list")
            if set(pip_pins) & set(pip):
                raise ValueError("environment.yml has two pip sub-lists naming the same package")
            pip.update(pip_pins)
            continue
        name, _, version = str(dep).strip().partition("=")
        name = canonicalize_name(name)
        if name in ("python", "pip"):
            base[name] = version
            continue
        if not version:
            raise ValueError(f"environment.yml: conda dependency {dep!r} is not pinned")
        requirement = Requirement(f"{name}=={version.lstrip('=')}")
        if name in conda:
            raise ValueError(f"environment.yml: conda dependencies list {name} twice")
        conda[name] = exact_pin(requirement, "environment.yml")
    return base, conda, pip


def compare(direct: dict[str, str], conda: dict[str, str], pip: dict[str, str]) -> list[str]:
    """Differences between the direct pins and environment.yml, one line each."""
    problems = [
        f"{name} is both a conda dependency and a pip dependency" for name in sorted(set(conda) & set(pip))
    ]
    env = {**conda, **pip}
    problems += [
        f"{name} is in requirements/*.in but not in environment.yml"
        for name in sorted(set(direct) - set(env))
    ]
    problems += [
        f"{name} is in environment.yml but not in requirements/*.in"
        for name in sorted(set(env) - set(direct))
    ]
    problems += [
        f"{name}: requirements/*.in pins {direct[name]}, environment.yml pins {env[name]}"
        for name in sorted(set(direct) & set(env))
        if direct[name] != env[name]
    ]
    return problems


def lock_problems(direct: dict[str, str], lock: dict[str, tuple[str, int]]) -> list[str]:
    """Why the lock does not install exactly the direct pins, with hashes."""
    problems = [
        f"{name} is pinned in requirements/*.in but missing from the lock"
        for name in sorted(set(direct) - set(lock))
    ]
    problems += [
        f"{name}: requirements/*.in pins {direct[name]}, the lock pins {lock[name][0]}"
        for name in sorted(set(direct) & set(lock))
        if direct[name] != lock[name][0]
    ]
    problems += [f"{name} has no --hash in the lock" for name in sorted(lock) if lock[name][1] == 0]
    return problems


def _direct_pins() -> dict[str, str]:
    runtime = parse_pins(RUNTIME_IN.read_text(encoding="utf-8"), "requirements/runtime.in")
    dev = parse_pins(DEV_IN.read_text(encoding="utf-8"), "requirements/dev.in")
    both = set(runtime) & set(dev)
    assert not both, f"listed both as runtime and dev dependencies: {sorted(both)}"
    return {**runtime, **dev}


def test_compare_reports_every_kind_of_disagreement():
    direct = {"pandas": "3.1.1", "numpy": "2.4.6", "scipy": "1.17.1"}
    problems = compare(
        direct, conda={"pandas": "3.1.0", "numpy": "2.4.6", "tqdm": "4.70.1"}, pip={"numpy": "2.4.6"}
    )
    assert problems == [
        "numpy is both a conda dependency and a pip dependency",
        "scipy is in requirements/*.in but not in environment.yml",
        "tqdm is in environment.yml but not in requirements/*.in",
        "pandas: requirements/*.in pins 3.1.1, environment.yml pins 3.1.0",
    ]
    assert compare(direct, conda=dict(direct), pip={}) == []


def test_lock_problems_reports_missing_different_and_unhashed_pins():
    direct = {"pandas": "3.1.1", "numpy": "2.4.6", "scipy": "1.17.1"}
    lock = {"pandas": ("3.1.1", 2), "numpy": ("2.4.5", 1), "six": ("1.17.0", 0)}
    assert lock_problems(direct, lock) == [
        "scipy is pinned in requirements/*.in but missing from the lock",
        "numpy: requirements/*.in pins 2.4.6, the lock pins 2.4.5",
        "six has no --hash in the lock",
    ]


def test_parsers_normalise_names_and_reject_loose_pins():
    assert parse_pins("Jinja2==3.1.6  # templates\nruamel.yaml==0.18.6\n", "x") == {
        "jinja2": "3.1.6",
        "ruamel-yaml": "0.18.6",
    }
    with pytest.raises(ValueError, match=r"x line 1: pandas is not pinned with '=='"):
        parse_pins("pandas>=3\n", "x")
    with pytest.raises(ValueError, match="x lists jinja2 twice"):
        parse_pins("Jinja2==3.1.6\njinja2==3.1.6\n", "x")
    with pytest.raises(ValueError, match="not pinned"):
        parse_environment("dependencies:\n  - python=3.11\n  - pandas\n")
    with pytest.raises(ValueError, match="not pinned"):
        parse_environment("dependencies:\n  - pip:\n      - playwright\n")
    lock = (
        "a-b==1.0 ; sys_platform == 'win32' \\\n"
        "    --hash=sha256:00 \\\n"
        "    --hash=sha256:11\n"
        "    # via x\n"
        "C==2\n"
    )
    assert parse_lock(lock) == {"a-b": ("1.0", 2), "c": ("2", 0)}


def test_lock_pins_every_direct_dependency_at_its_version_with_hashes():
    lock = parse_lock(LOCK.read_text(encoding="utf-8"))
    assert lock_problems(_direct_pins(), lock) == []
    # Generated from both input files (the compile command is in the header).
    header = LOCK.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "--generate-hashes" in header and "runtime.in" in header and "dev.in" in header


def test_environment_lists_the_direct_pins_at_the_same_versions():
    _, conda, pip = parse_environment(ENVIRONMENT.read_text(encoding="utf-8"))
    assert compare(_direct_pins(), conda, pip) == []


def test_environment_uses_python_3_11_pip_and_conda_forge():
    env = yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))
    base, _, _ = parse_environment(ENVIRONMENT.read_text(encoding="utf-8"))
    assert base.get("python") == "3.11"
    assert "pip" in base
    assert env["channels"][0] == "conda-forge"
    assert env.get("name")


def test_packages_named_differently_on_conda_forge_come_from_pip():
    _, conda, pip = parse_environment(ENVIRONMENT.read_text(encoding="utf-8"))
    for name in PIP_ONLY & set(_direct_pins()):
        assert name in pip and name not in conda, name


def test_dask_is_an_optional_extra_kept_out_of_the_default_install():
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    (dask,) = [Requirement(r) for r in project["optional-dependencies"]["dask"]]
    assert canonicalize_name(dask.name) == "dask" and "distributed" in dask.extras
    assert exact_pin(dask, "pyproject.toml")
    lock = parse_lock(LOCK.read_text(encoding="utf-8"))
    assert "dask" not in lock and "distributed" not in lock
    assert "dask" not in _direct_pins()


def test_pyproject_dependencies_come_from_the_runtime_pins():
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert "dependencies" in pyproject["project"]["dynamic"]
    files = pyproject["tool"]["setuptools"]["dynamic"]["dependencies"]["file"]
    assert files == ["requirements/runtime.in"]


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
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": ["1 + 1"],
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    }
    assert notebook_problems(clean) == []
    dirty = json.loads(json.dumps(clean))
    dirty["cells"][1]["execution_count"] = 3
    dirty["cells"][1]["outputs"] = [{"output_type": "execute_result", "data": {"text/plain": ["2"]}}]
    del dirty["metadata"]["kernelspec"]
    assert notebook_problems(dirty) == [
        "cell 1 has outputs",
        "cell 1 has execution_count 3",
        "metadata.kernelspec.name is missing",
    ]


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True)


def _has_git() -> bool:
    return shutil.which("git") is not None and _git("rev-parse", "--git-dir").returncode == 0


needs_git = pytest.mark.skipif(not _has_git(), reason="not a git checkout")


def _source_notebooks() -> list[str]:
    paths = {str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb")}
    if _has_git():
        listed = _git("ls-files", "--", "notebooks/*.ipynb").stdout.decode().split()
        paths |= {p for p in listed if "/" not in p.removeprefix("notebooks/")}
    return sorted(paths)


_NOTEBOOKS = _source_notebooks()


def _clean_filter() -> str | None:
    """The nbstripout clean command `make venv` wrote into .git/config, if any."""
    if not _has_git():
        return None
    done = _git("config", "--get", "filter.nbstripout.clean")
    return done.stdout.decode().strip() or None


def _as_staged(text: str) -> str:
    """What `git add` would stage: the text through the clean filter, when installed."""
    command = _clean_filter()
    if command is None:
        return text
    done = subprocess.run(
        shlex.split(command), input=text.encode("utf-8"), capture_output=True, cwd=PROJECT_ROOT
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8")


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    _NOTEBOOKS or [pytest.param(None, marks=pytest.mark.skip(reason="no notebooks/*.ipynb yet"))],
)
def test_source_notebook_is_clean(path):
    # The committed (index) version must be clean. The working copy may hold
    # outputs (JupyterLab autosaves them after Run All) when the nbstripout
    # filter is installed, because `git add` strips them; without the filter
    # the working copy itself must be clean.
    versions = {}
    if (PROJECT_ROOT / path).exists():
        versions["working tree, as git add would stage it"] = _as_staged(
            (PROJECT_ROOT / path).read_text(encoding="utf-8")
        )
    if _has_git():
        staged = _git("show", f":{path}")  # the version that would be committed
        if staged.returncode == 0:
            versions["index"] = staged.stdout.decode("utf-8")
    assert versions
    for where, text in versions.items():
        assert notebook_problems(json.loads(text)) == [], f"{path} ({where})"


@needs_git
@pytest.mark.parametrize(
    "path", ["notebooks/explore.ipynb", "tests/fixtures/notebooks/widgets.ipynb", "new.ipynb"]
)
def test_gitattributes_sends_every_notebook_through_nbstripout(path):
    done = _git("check-attr", "filter", "--", path)
    assert done.stdout.decode().strip() == f"{path}: filter: nbstripout"


@needs_git
def test_gitattributes_leaves_other_files_unfiltered():
    # Control for the test above: check-attr does report 'unspecified'.
    assert (
        _git("check-attr", "filter", "--", "lib/evaluation.py")
        .stdout.decode()
        .strip()
        .endswith("unspecified")
    )


@pytest.mark.slow
@pytest.mark.skipif(
    _clean_filter() is None, reason="nbstripout filter not installed (`make venv` installs it)"
)
def test_installed_filter_strips_outputs_and_keeps_the_kernelspec():
    notebook = json.loads((PROJECT_ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    code[0]["execution_count"] = 7
    code[0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["figure 42\n"]}]
    assert notebook_problems(notebook)  # dirty before
    staged = json.loads(_as_staged(json.dumps(notebook)))
    assert notebook_problems(staged) == []
    assert [c["source"] for c in staged["cells"]] == [c["source"] for c in notebook["cells"]]


# --------------------------------------------------------------------------
# .gitignore keeps code and raw data tracked
# --------------------------------------------------------------------------


def _ignored(path: str) -> bool:
    """Whether .gitignore rules ignore ``path`` (tracked or not)."""
    done = _git("check-ignore", "--no-index", "-q", path)
    assert done.returncode in (0, 1), done.stderr.decode()
    return done.returncode == 0


@needs_git
@pytest.mark.parametrize(
    "path",
    [
        "lib/evaluation.py",
        "requirements/lock.txt",
        "requirements/runtime.in",
        ".gitattributes",
        "environment.yml",
        "data/raw/evidence_matrix.csv",
        "data/README.md",
        "data/processed/.gitkeep",
        "tests/sources/test_build.py",
    ],
)
def test_gitignore_does_not_ignore_source_files(path):
    assert not _ignored(path)


@needs_git
@pytest.mark.parametrize(
    "path", ["data/processed/survey.csv", "outputs/data_quality_log.csv", ".venv/bin/python"]
)
def test_gitignore_ignores_generated_files(path):
    # Control: check-ignore does report ignored paths, so the test above can fail.
    assert _ignored(path)


@needs_git
def test_lib_evaluation_is_tracked():
    assert _git("ls-files", "--error-unmatch", "lib/evaluation.py").returncode == 0


# --------------------------------------------------------------------------
# Nothing in the suite can hang: a per-test timeout, and a timeout on every kernel
# --------------------------------------------------------------------------


def test_every_test_has_a_timeout_that_reports_where_it_hung(pytestconfig):
    assert float(pytestconfig.getini("timeout")) == 120
    assert pytestconfig.getini("timeout_method") == "thread"


@pytest.mark.slow
@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "workers",
    [[], ["-n", "1", "--max-worker-restart", "0", "-p", "_xdist"]],
    ids=["one process", "xdist workers"],
)
def test_a_hanging_test_fails_with_timeout_and_its_stack(pytester, monkeypatch, workers):
    """In one process and under xdist as `make test` runs it (with tests/_xdist.py's report on stderr)."""
    pytester.makeini("[pytest]\ntimeout = 1\ntimeout_method = thread\n")
    pytester.makepyfile(
        test_hangs="""
        import time

        def test_sleeps_past_the_limit():
            time.sleep(30)
        """
    )
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # when this test itself runs in a worker
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(PROJECT_ROOT / "tests"), os.environ.get("PYTHONPATH", "")])
    )
    started = time.monotonic()
    result = pytester.runpytest_subprocess(*workers, timeout=50)
    assert time.monotonic() - started < 25  # stopped by the timeout, not by the sleep ending
    assert result.ret != 0
    output = result.stdout.str() + result.stderr.str()
    assert "Timeout" in output
    assert "test_sleeps_past_the_limit" in output and "time.sleep(30)" in output  # the stack


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "attr", None) == name or getattr(node.func, "id", None) == name)
    ]


@pytest.mark.parametrize("folder", ["lib", "tests", "bench"])
def test_every_papermill_run_has_an_execution_timeout(folder):
    missing = []
    for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "execute_notebook" not in source:
            continue
        tree = ast.parse(source)
        for call in _calls(tree, "execute_notebook"):
            keywords = {k.arg for k in call.keywords}
            if "execution_timeout" not in keywords and None not in keywords:  # None: **kwargs
                missing.append(f"{path.relative_to(PROJECT_ROOT)}:{call.lineno}")
    assert not missing, missing
