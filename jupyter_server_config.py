"""JupyterLab settings for this project (`make lab` passes this file: jupyter lab --config=<it>).

Notebooks in notebooks/ are saved without outputs, exactly as git commits them,
so saving (and autosave) never marks them modified in `git status`
(lib/workbench/save_hook.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib.workbench.save_hook import strip_outputs  # noqa: E402

c = get_config()  # noqa: F821 (provided by Jupyter when it reads this file)
c.ContentsManager.pre_save_hook = strip_outputs
