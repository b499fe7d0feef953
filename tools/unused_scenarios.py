"""The inputs of ``tools/unused.py``'s scenarios: what a user brings (a broken raw folder, a
rejected definition, a corrected transcription) and what a user does in a notebook (the cells
appended to a copy of it that pick, press and type as a user would).

Every function takes the root of the project's temporary copy and writes beside it (``root.parent``),
never into the checkout.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path


def first_authority(processed: Path) -> str:
    with (processed / "authorities.csv").open(newline="", encoding="utf-8") as handle:
        return next(csv.DictReader(handle))["authority_id"]


def bad_definition(root: Path) -> str:
    path = root.parent / "bad_definition.yaml"
    path.write_text("name: A programme with nothing else\nauthorities: []\n", encoding="utf-8")
    return str(path)


def odd_responses(root: Path) -> str:
    """A response folder whose one file names a sector the definition does not know."""
    folder = root.parent / "odd-responses"
    folder.mkdir(exist_ok=True)
    (folder / "wave_pre.csv").write_text(
        "respondent_ref,authority,sector,phase,understand_co_production\n"
        "R1,Leeds,VCS,pre,5\nR2,Leeds,Parks department,pre,4\n",
        encoding="utf-8",
    )
    return str(folder)


def broken_raw(root: Path) -> str:
    """A copy of the raw folder with one file not UTF-8, a row of '?' at the end of the others
    and, in the second file, one field too many on that row."""
    broken = root.parent / "raw-broken"
    shutil.copytree(root / "data/raw", broken)
    first, *others = sorted(broken.glob("*.csv"))
    first.write_bytes(first.read_bytes() + b"\xff\n")
    for path in others:
        header = path.read_text(encoding="utf-8").splitlines()[0]
        fields = len(header.split(",")) + (path == others[0])
        with path.open("a", encoding="utf-8") as handle:
            handle.write(",".join("?" * fields) + "\n")
    return str(broken)


def unusable_responses(root: Path) -> str:
    """A responses folder holding one file with no authority column."""
    folder = root.parent / "responses-unusable"
    folder.mkdir()
    (folder / "export.csv").write_text("not,a,response\n1,2,3\n", encoding="utf-8")
    return str(folder)


# Appended to a copy of the explore notebook: what a reader does next, picking every choice of
# every dropdown in each explorer the notebook displayed (IPython keeps them in ``Out``), then
# pressing each export button (the respondent explorer's CSV and PNG).
EVERY_CHOICE = """\
import ipywidgets


def _every_choice(widget):
    for child in getattr(widget, "children", ()):
        _every_choice(child)
    if isinstance(widget, ipywidgets.Dropdown):
        first = widget.index
        for index in range(len(widget.options)):
            widget.index = index
        widget.index = first


def _press_exports(widget):
    for child in getattr(widget, "children", ()):
        _press_exports(child)
    if isinstance(widget, ipywidgets.Button) and widget.description.startswith("Export"):
        widget.click()


for _shown in list(Out.values()):
    if isinstance(_shown, ipywidgets.Widget):
        _every_choice(_shown)
        _press_exports(_shown)
"""


def explore_every_choice(root: Path) -> str:
    """The explore notebook with a last cell that picks every choice of its explorers."""
    notebook = json.loads((root / "notebooks/explore.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].append(
        {"cell_type": "code", "execution_count": None, "id": "every-choice", "metadata": {}, "outputs": []}
        | {"source": EVERY_CHOICE}
    )
    path = root.parent / "explore-every-choice.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return str(path)


def misspelt_authority(root: Path) -> str:
    """A copy of the raw folder where one row names an authority no definition knows."""
    folder = root.parent / "raw-misspelt"
    shutil.copytree(root / "data/raw", folder)
    path = folder / "case_study_impacts.csv"
    header, first, *rest = path.read_text(encoding="utf-8").splitlines(keepends=True)
    name = first.split(",", 1)[0]
    path.write_text(header + first.replace(name, "Leeds Citty Councl", 1) + "".join(rest), encoding="utf-8")
    return str(folder)


# Appended to a copy of the run-reports notebook: what a user does with the form it shows. Pick two
# authorities (through the filter), raise the disclosure threshold, press Run and wait for the end;
# press Run again with a bad threshold (the form says why and runs nothing); force a rebuild of the
# authorities (the form lists what changed); force all of them and press Cancel once it is under way;
# point the form at a folder with no processed data.
DRIVE_FORM = """\
import time

_form = next(v for v in Out.values() if type(v).__name__ == "RunForm")
_form.output_dir.value = "../site-form"
_form.timeout.value = {timeout}
_form.threshold.value = "200"  # high enough to hide the survey's figures
_ids = [value for _, value in _form.authorities.options if value != "all"][:2]
_form.filter.value = _ids[0][:3]
_form.authorities.value = (_ids[0],)
_form.filter.value = ""
_form.authorities.value = tuple(_ids)


def _run_to_end(cancel=False):
    _form.run_button.click()
    if cancel:
        _until = time.monotonic() + {timeout}
        while _form.batch.running and not _form.status.value and time.monotonic() < _until:
            time.sleep(0.2)
        _form.cancel_button.click()
    if _form.batch.wait(timeout={timeout}) is None:
        raise RuntimeError("the run did not end in time")
    print(_form.progress.bar_style, _form.summary.value, _form.errors.value)


_run_to_end()
_form.threshold.value = "abc"
_form.run_button.click()
assert "threshold" in _form.errors.value.lower(), _form.errors.value
_form.threshold.value = "10"
_form.force.value = True
_form.programme.value = False
_run_to_end()
assert "changed since the previous build" in _form.changes.value, _form.changes.value
_form.authorities.value = ("all",)  # more reports than workers: some are still queued at Cancel
_run_to_end(cancel=True)
_form.processed_dir.value = "../nowhere"
"""


def run_form_driven(root: Path, timeout: str) -> str:
    """The run-reports notebook with a last cell that drives its form as a user would."""
    notebook = json.loads((root / "notebooks/run_reports.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].append(
        {"cell_type": "code", "execution_count": None, "id": "drive-form", "metadata": {}, "outputs": []}
        | {"source": DRIVE_FORM.format(timeout=timeout)}
    )
    path = root.parent / "run-reports-driven.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return str(path)


# docs/contributing.md's way to render a page without a kernel: both pages, from a processed folder.
RENDER_WITHOUT_KERNEL = """\
import sys

from lib.report import pages, workbook

wb = workbook.load_workbook(sys.argv[1])
print(pages.PROGRAMME_PAGE.render(wb))
print(pages.AUTHORITY_PAGE.render(wb, sys.argv[2]))
"""


def render_without_kernel(root: Path, processed: str) -> list[str]:
    """Arguments that render both pages from ``processed`` (relative to the copy) with no kernel."""
    script = root.parent / "render_without_kernel.py"
    script.write_text(RENDER_WITHOUT_KERNEL, encoding="utf-8")
    return [str(script), processed, first_authority(root / processed)]


def no_success_measure(root: Path) -> str:
    """A programme whose documents state no success measure: a definition without the topic
    (``../no-measure.yaml``), and a copy of the raw folder without its statement."""
    definition = (root / "data/definition.yaml").read_text(encoding="utf-8")
    topic = "  - id: success_measure\n    label: The programme's own success measure\n"
    (root.parent / "no-measure.yaml").write_text(definition.replace(topic, ""), encoding="utf-8")
    shutil.copy(root / "data/plan.yaml", root.parent / "plan.yaml")  # its evaluation plan, beside it
    folder = root.parent / "raw-no-measure"
    shutil.copytree(root / "data/raw", folder)
    path = folder / "programme_statements.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith("success_measure,")), encoding="utf-8")
    return str(folder)


def on_responses(root: Path) -> list[str]:
    """Batch options for the build from synthetic responses: its folders, its first authority."""
    syn = root.parent / "synthetic"
    authority = first_authority(syn / "processed")
    return [
        "--processed-dir",
        str(syn / "processed"),
        "--output-dir",
        str(syn / "site"),
        "--authorities",
        authority,
    ]


# Appended to a copy of the coding notebook: two evaluators code the free-text answers of the
# build in ``{processed}`` (their codes go to $EVAL_CODES_DIR). The first presses Save before
# giving a name, then gives one the file cannot hold, then her name; she codes every answer she
# has not coded, stepping back and forth once; the second codes the first {second} answers, now
# and then reading one differently; the first comes back (her codes are read from her file).
DRIVE_CODING = """\
import hashlib
import re

import ipywidgets

from lib.workbench.coding import coding_widget

_form = coding_widget("{processed}")


def _controls(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _controls(child)


_by = {{getattr(w, "description", ""): w for w in _controls(_form)}}
_themes = [w for w in _controls(_form) if isinstance(w, ipywidgets.Checkbox)]
_answer, _message = _form.children[1], _form.children[-1]


def _code(differently):
    text = re.search(r"<blockquote[^>]*>(.*)</blockquote>", _answer.value, re.S).group(1)
    for k, box in enumerate(_themes):
        digest = hashlib.sha256(f"{{text}}|{{k}}".encode()).digest()
        box.value = (digest[0] % 3 == 0) != (differently and digest[1] % 5 == 0)
    _by["Note"].value = "reads as a request" if digest[2] % 7 == 0 else ""
    _by["Save and next"].click()
    assert "Saved" in _message.value, _message.value


_by["Save and next"].click()
assert "name" in _message.value, _message.value
_by["Coder"].value = "?!"
assert "name" in _message.value, _message.value
_by["Coder"].value = "Ann Evaluator"
_by["Show"].value = "Answers I have not coded"
_by["Next"].click()
_by["Previous"].click()
while not _by["Save and next"].disabled:
    _code(differently=False)
_by["Show"].value = "All answers"
_by["Coder"].value = "Bob"
for _ in range({second}):
    _code(differently=True)
_by["Coder"].value = "Ann Evaluator"
print(_answer.value, _message.value)
"""


def coding_driven(root: Path, processed: str, second: int = 80) -> str:
    """The coding notebook with a last cell in which two evaluators code the answers in ``processed``."""
    notebook = json.loads((root / "notebooks/code_answers.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].append(
        {"cell_type": "code", "execution_count": None, "id": "drive-coding", "metadata": {}, "outputs": []}
        | {"source": DRIVE_CODING.format(processed=processed, second=second)}
    )
    path = root.parent / "code-answers-driven.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return str(path)


def corrected_raw(root: Path) -> str:
    """A copy of the raw folder after a reviewer's correction of the transcription: one VCS rating
    after the workshops read again from the chart (lower than before them), and the programme
    report found to print no plans for the future for the first authority (its text blanked)."""
    folder = root.parent / "raw-corrected"
    shutil.copytree(root / "data/raw", folder)
    _rewrite(folder / "survey_impacts.csv", _lower_vcs_after)
    _rewrite(folder / "authority_profiles.csv", _no_plans_for_first)
    return str(folder)


def _rewrite(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    hits = [row for row in rows if change(row)]
    assert len(hits) == 1, f"{path.name}: the correction matched {len(hits)} rows"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _lower_vcs_after(row: dict) -> bool:
    if (row["sector_as_printed"], row["phase_as_printed"], row["position"]) != ("VCS", "After", "1"):
        return False
    row["value_as_printed"] = "0.31"
    return True


def _no_plans_for_first(row: dict) -> bool:
    if (row["question_order"], row["column_position"], row["table_part"]) != ("5", "1", "1"):
        return False
    row["text"] = ""
    return True


# ``make lab`` starts JupyterLab with jupyter_server_config.py, whose pre-save hook writes a
# notebook in notebooks/ without outputs. Here the server's own contents manager, configured by
# that file, saves the explore notebook as a user would after running it (outputs and counts).
SAVE_IN_LAB = """\
import copy
import sys
from pathlib import Path

import nbformat
from jupyter_server.services.contents.filemanager import FileContentsManager
from traitlets.config.loader import PyFileConfigLoader

config = PyFileConfigLoader("jupyter_server_config.py", path=".").load_config()
manager = FileContentsManager(root_dir=".", config=config)
path = "notebooks/explore.ipynb"
committed = Path(path).read_bytes()
ran = nbformat.read(sys.argv[1], as_version=4)
ran = [c for c in ran.cells if "injected-parameters" not in c.metadata.get("tags", [])]  # papermill's
model = manager.get(path)
model["content"] = copy.deepcopy(model["content"])
for cell, done in zip(model["content"].cells, ran, strict=False):
    if cell.cell_type == "code" and done.cell_type == "code":
        cell.outputs, cell.execution_count = done.outputs, done.execution_count
assert any(cell.get("outputs") for cell in model["content"].cells)
manager.save(model, path)
if Path(path).read_bytes() != committed:
    sys.exit(f"{path}: saving it with outputs changed the committed bytes")
"""


def save_in_lab(root: Path, executed: str) -> list[str]:
    """Arguments that save the explore notebook, as run in ``executed``, through JupyterLab's save."""
    script = root.parent / "save_in_lab.py"
    script.write_text(SAVE_IN_LAB, encoding="utf-8")
    return [str(script), executed]
