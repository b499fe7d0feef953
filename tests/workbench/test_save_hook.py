"""Saving a project notebook through Jupyter's contents manager writes exactly what
the git filter commits (checked against the nbstripout command the Makefile
installs), so a save or an autosave leaves `git status` clean."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_server.services.contents.filemanager import FileContentsManager

from lib.workbench import save_hook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _filter_command() -> list[str]:
    """The clean filter as the Makefile's git-filter target defines it (its extra keys)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    keys = (
        re.search(r'--extra-keys "\$\(foreach k,([^,]+),\$\(LANG_INFO\)\.\$\(k\)\)"', text).group(1).split()
    )
    extra = " ".join(f"metadata.language_info.{k}" for k in keys)
    return [sys.executable, "-m", "nbstripout", "--keep-id", "--extra-keys", extra, "-t"]


def _committed(path: Path) -> bytes:
    return subprocess.run(
        _filter_command(), input=path.read_bytes(), capture_output=True, check=True, timeout=60
    ).stdout


def _dirty(model: dict) -> dict:
    """The model as JupyterLab sends it after Run All: outputs, counts, kernel details."""
    nb = model["content"]
    nb["metadata"]["language_info"].update(
        {
            "version": "3.11.2",
            "mimetype": "text/x-python",
            "file_extension": ".py",
            "pygments_lexer": "ipython3",
        }
    )
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = i + 1
        cell["metadata"]["scrolled"] = True
        cell["outputs"] = [
            nbformat.v4.new_output(
                "display_data",
                {"application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2}},
            ),
            nbformat.v4.new_output("stream", name="stdout", text="hello\n"),
        ]
    return model


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_a_saved_project_notebook_is_byte_identical_to_the_committed_one(notebook, tmp_path):
    (tmp_path / "notebooks").mkdir()
    target = tmp_path / "notebooks" / notebook.name
    target.write_bytes(notebook.read_bytes())
    manager = FileContentsManager(root_dir=str(tmp_path), pre_save_hook=save_hook.strip_outputs)
    model = _dirty(manager.get(f"notebooks/{notebook.name}"))
    manager.save(model, f"notebooks/{notebook.name}")
    assert target.read_bytes() == _committed(notebook)


def test_notebooks_elsewhere_keep_their_outputs(tmp_path):
    (tmp_path / "mine.ipynb").write_bytes(NOTEBOOKS[0].read_bytes())
    manager = FileContentsManager(root_dir=str(tmp_path), pre_save_hook=save_hook.strip_outputs)
    manager.save(_dirty(manager.get("mine.ipynb")), "mine.ipynb")
    saved = nbformat.read(tmp_path / "mine.ipynb", as_version=4)
    assert any(c.get("outputs") for c in saved.cells)


def test_the_project_config_installs_the_hook():
    text = (ROOT / "jupyter_server_config.py").read_text(encoding="utf-8")
    assert "c.ContentsManager.pre_save_hook = strip_outputs" in text
    assert shlex.join(_filter_command()[3:5]) == "--keep-id --extra-keys"
    assert '--config="$(CURDIR)/jupyter_server_config.py"' in (ROOT / "Makefile").read_text(encoding="utf-8")
