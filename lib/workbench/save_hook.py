"""Saving a project notebook in JupyterLab leaves ``git status`` clean.

The committed notebooks carry no outputs (``.gitattributes`` runs them through
the nbstripout filter that ``make venv`` defines). That filter only acts on
``git add``: a notebook saved with outputs still differs in size from the
index, so ``git status`` lists it as modified (even though ``git diff`` is
empty), and in a clone without the filter the outputs would be committed.

:func:`strip_outputs` is a Jupyter server ``pre_save_hook``
(``jupyter_server_config.py`` at the project root installs it; ``make lab``
starts JupyterLab with it): a notebook in ``notebooks/`` is written exactly as
the filter would commit it, the same keys removed, so a save (and every
autosave) leaves the file byte-identical to the committed one. The outputs
stay on screen until the notebook is closed; a reopened notebook shows no
stale widgets ("model not found"), only its note to run the cells.
Notebooks elsewhere (an evaluator's own copies) keep their outputs.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import nbformat
from nbstripout import strip_output

#: Folder (below the server's root) whose notebooks are saved without outputs.
STRIPPED_FOLDER = "notebooks"
#: nbstripout's own default keys, then the Makefile's ``--extra-keys`` (git-filter target).
EXTRA_KEYS = [
    "metadata.signature",
    "metadata.widgets",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
    *(
        f"metadata.language_info.{key}"
        for key in (
            "codemirror_mode",
            "file_extension",
            "mimetype",
            "nbconvert_exporter",
            "pygments_lexer",
            "version",
        )
    ),
]


def stripped(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` as the git filter commits it: no outputs or counts, cell ids kept."""
    return strip_output(nb, keep_output=False, keep_count=False, keep_id=True, extra_keys=list(EXTRA_KEYS))


def strip_outputs(model: dict, path: str, contents_manager: object = None, **_kwargs: object) -> None:
    """Jupyter ``pre_save_hook``: a notebook in ``notebooks/`` is saved without outputs."""
    if model.get("type") != "notebook" or not model.get("content"):
        return
    parts = PurePosixPath(path.strip("/")).parts
    if len(parts) != 2 or parts[0] != STRIPPED_FOLDER:
        return
    model["content"] = stripped(nbformat.from_dict(model["content"]))
