"""tools/private_imports.py finds an underscore name taken across modules, and nothing in a clean tree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tools import private_imports

ROOT = Path(__file__).resolve().parents[2]

CLEAN = {
    "lib/__init__.py": "",
    "lib/pkg/__init__.py": "from lib.pkg.a import public\n__all__ = ['public']\n",
    "lib/pkg/a.py": "def _helper():\n    return 1\n\n\ndef public():\n    return _helper()\n",
    "lib/b.py": (
        "import lib.pkg.a\nfrom lib.pkg import a as alias\n\n"
        "x = lib.pkg.a.public() + alias.public()\ny = alias.__name__\n"
    ),
}


def _notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": "from lib.pkg.a import _helper"}]
            + [{"cell_type": "code", "metadata": {}, "source": c, "outputs": []} for c in cells],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _run(root: Path, capsys) -> tuple[int, list[str]]:
    status = private_imports.main(["--root", str(root)])
    return status, capsys.readouterr().out.splitlines()


def test_clean_tree_passes(tmp_path, capsys):
    root = _tree(
        tmp_path,
        {**CLEAN, "notebooks/n.ipynb": _notebook("%matplotlib inline\nfrom lib.pkg.a import public")},
    )
    assert _run(root, capsys) == (0, [])


def test_every_form_is_reported_once_with_file_and_line(tmp_path, capsys):
    offending = {
        "lib/c.py": "import os\nfrom lib.pkg.a import public, _helper as h\n",
        "lib/d.py": "import lib.pkg.a as m\n\n\ndef f():\n    return m._helper()\n",
        "lib/e.py": "import lib.pkg.a\n\nz = lib.pkg.a._helper\n",
        "lib/pkg/f.py": "from .a import _helper\nfrom lib.pkg import a\n\nq = a._helper\n",
        "notebooks/n.ipynb": _notebook("x = 1", "%time 1\nfrom lib.pkg.a import _helper"),
    }
    status, lines = _run(_tree(tmp_path, {**CLEAN, **offending}), capsys)
    assert status == 1
    assert lines == [
        "lib/c.py:2: imports _helper from lib.pkg.a",
        "lib/d.py:5: imports _helper from lib.pkg.a",
        "lib/e.py:3: imports _helper from lib.pkg.a",
        "lib/pkg/f.py:1: imports _helper from lib.pkg.a",
        "lib/pkg/f.py:4: imports _helper from lib.pkg.a",
        "notebooks/n.ipynb[cell 3]:2: imports _helper from lib.pkg.a",
    ]


def test_a_module_using_its_own_private_name_is_not_reported(tmp_path, capsys):
    root = _tree(
        tmp_path,
        {**CLEAN, "lib/pkg/a.py": CLEAN["lib/pkg/a.py"] + "import lib.pkg.a\nw = lib.pkg.a._helper\n"},
    )
    assert _run(root, capsys) == (0, [])


def test_command_line_exit_status(tmp_path):
    root = _tree(tmp_path, {**CLEAN, "lib/c.py": "from lib.pkg.a import _helper\n"})
    result = subprocess.run(
        [sys.executable, "-m", "tools.private_imports", "--root", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == "lib/c.py:1: imports _helper from lib.pkg.a\n"
    assert "1 private imports across modules (1 distinct names)" in result.stderr
