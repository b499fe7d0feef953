"""The workbench driven the way evaluators use it: real JupyterLab in Chromium.

A clean clone of the project (its committed files; no git filter configured,
as in a clone where ``make venv`` has not run), with SYNTHETIC response files
carrying free-text answers, is served by ``jupyter lab`` (from this venv, with
a token, on a free port, stopped in teardown). In Chromium the test:

* opens the run form, runs two authorities, and checks the progress bar, the
  status lines, the links to each page and the index;
* codes three answers in the coding widget and checks the saved codes file;
* changes every explorer control and checks the "Showing:" line of the view;
  exports the respondent view; follows a caveat link; checks the controls at
  a 900 px window with the file browser open and at 390 px;
* saves every notebook it ran and checks ``git status`` stays clean, and that
  a saved notebook reopens without widget errors.

Screenshots go to ``outputs/screenshots/jupyterlab/`` (or ``$JLAB_SHOTS``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from _chromium import CHROMIUM, NO_CHROMIUM, launch

if not CHROMIUM.exists():
    pytest.skip(NO_CHROMIUM, allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.notebook, pytest.mark.timeout(300)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("JLAB_SHOTS", PROJECT_ROOT / "outputs" / "screenshots" / "jupyterlab"))
PAIR = ("barnet", "bexley")
TOKEN = "workbench-test-token"
LAB_START_S = 90
RUN_TIMEOUT_MS = 150_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 240) -> None:
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True, timeout=timeout)


def _clone(tmp: Path) -> tuple[Path, dict[str, str]]:
    """A clean clone with SYNTHETIC free-text responses and its data built."""
    root = tmp / "project"
    _run(["git", "clone", "-q", str(PROJECT_ROOT), str(root)], tmp, dict(os.environ))
    (root / "node_modules").symlink_to((PROJECT_ROOT / "node_modules").resolve())
    responses = root / "data" / "synthetic" / "responses"
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "EVAL_RESPONSES_DIR": str(responses),
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(tmp / "jupyter-data"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "lab-workspaces"),
    }
    env.pop("EVAL_PROGRAMME", None)
    synth = ["-m", "lib.sources.synthetic", "--authorities", "3", "--respondents", "40", "--free-text"]
    _run([sys.executable, *synth, "--out", str(responses)], root, env)
    _run([sys.executable, "-m", "lib.evaluation", "build", "--quiet"], root, env)
    # the kernels find the env's data (kernelspecs) through the shared data path
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return root, env


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base URL, project root) of a JupyterLab serving a clean clone; stopped afterwards."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root, env = _clone(tmp)
    port = _free_port()
    args = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]  # fmt: skip
    log = open(tmp / "lab.log", "wb")  # noqa: SIM115 (closed in teardown)
    server = subprocess.Popen(args, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/status?token={TOKEN}", server, tmp / "lab.log")
        yield base, root
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def _wait_for(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + LAB_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited ({server.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within {LAB_START_S} s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def page(lab):
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


# --------------------------------------------------------------------------
# Driving JupyterLab
# --------------------------------------------------------------------------


def _open(page, lab, notebook: str) -> None:
    base, _ = lab
    page.goto(f"{base}/lab/tree/notebooks/{notebook}?token={TOKEN}")
    page.locator(".jp-NotebookPanel:visible").first.wait_for()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=60_000)


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).first.click()


def _run_all(page) -> None:
    _menu(page, "Run", "Run All Cells")
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'))",
        timeout=90_000,
    )


def _save(page) -> None:
    _menu(page, "File", "Save Notebook")
    page.wait_for_function(
        "() => !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-mod-dirty')"
        " && !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
        timeout=20_000,
    )


def _shot(page, name: str, locator=None) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    return path


def _dropdown(area, label: str):
    return area.locator(".widget-dropdown", has=area.page.locator(f"label:text-is('{label}')")).locator("select")


def _showing(area) -> str:
    return area.locator(".explorer-view").first.inner_text()


# --------------------------------------------------------------------------
# The tests, in the order an evaluator works
# --------------------------------------------------------------------------


def test_run_form_runs_two_authorities_with_progress_links_and_index(page, lab):
    _, root = lab
    _open(page, lab, "run_reports.ipynb")
    _run_all(page)
    form = page.locator(".jp-OutputArea-output").filter(has=page.locator("button:has-text('Run')")).first
    form.locator(".widget-checkbox:has-text('programme report') input").uncheck()
    form.locator("select[multiple]").select_option(label=[f"{n.title()} ({n})" for n in PAIR])
    assert "selected: barnet, bexley" in form.inner_text()
    started = time.monotonic()
    form.locator("button:has-text('Run')").click()
    links = form.locator("a[href$='.html']")
    links.nth(len(PAIR) - 1).wait_for(timeout=RUN_TIMEOUT_MS)
    elapsed = time.monotonic() - started
    text = form.inner_text()
    for aid in PAIR:
        assert re.search(rf"{aid}\b.*rebuilt", text), text
    bar = form.locator(".widget-progress .progress-bar")
    assert bar.evaluate("b => b.style.width") == "100%"
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    pages = {Path(h).name for h in hrefs}
    assert {f"{aid}.html" for aid in PAIR} <= pages
    for href in hrefs:
        assert (root / "notebooks" / href).resolve().is_file(), href
    index = (root / "outputs" / "html" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{aid}.html"' in index for aid in PAIR)
    _shot(page, "run-form")
    _save(page)
    print(f"run form: Run to both pages {elapsed:.1f} s")


def test_coding_widget_saves_three_answers(page, lab):
    _, root = lab
    _open(page, lab, "code_answers.ipynb")
    _run_all(page)
    area = page.locator(".jp-OutputArea-output").filter(has=page.locator("button:has-text('Save and next')")).first
    area.locator("input[placeholder='your name or initials']").fill("tester")
    area.locator("input[placeholder='your name or initials']").press("Enter")
    picks = [["Partnership working"], ["Community engagement", "Change management"], []]
    for ticked in picks:
        for label in ticked:
            area.locator(f".widget-checkbox:has-text('{label}') input").check()
        page.wait_for_timeout(300)  # let the ticks reach the kernel before saving
        area.locator("button:has-text('Save and next')").click()
        area.locator("text=Saved 6 codes").wait_for()
    assert "answer 4 of" in area.inner_text()
    _shot(page, "coding-widget", area)
    codes = pd.read_csv(root / "data" / "codes" / "tester.csv", dtype=str, keep_default_na=False)
    answers = pd.read_csv(root / "data" / "processed" / "free_text_answers.csv", dtype=str)
    labels = {"Partnership working": "partnership_working", "Community engagement": "community_engagement"}
    labels["Change management"] = "change_management"
    assert codes["answer_id"].drop_duplicates().tolist() == answers["answer_id"].head(3).tolist()
    for aid, ticked in zip(answers["answer_id"].head(3), picks, strict=True):
        rows = codes[codes["answer_id"] == aid]
        assert len(rows) == 6 and set(rows.loc[rows["applies"] == "yes", "theme"]) == {labels[t] for t in ticked}
    assert codes["coded_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    _save(page)


def _change_every_survey_control(page, area) -> int:
    question, changed = _dropdown(area, "Question").first, 0
    for label in question.locator("option").all_inner_texts():
        question.select_option(label=label)
        assert _showing(area.locator(".widget-stack").first.locator(":visible")).startswith(f"Showing: {label}")
        changed += 1
        sector = area.locator("select:visible").nth(1)
        if sector.is_disabled():
            continue
        for s_label in sector.locator("option").all_inner_texts():
            sector.select_option(label=s_label)
            caption = area.locator(".explorer-view:visible").first.inner_text()
            assert caption.startswith(f"Showing: {label}") and s_label[1:].lower() in caption.lower()
            changed += 1
    return changed


def test_explorers_every_control_changes_its_view(page, lab):
    _, root = lab
    _open(page, lab, "explore.ipynb")
    _run_all(page)
    cells = page.locator(".jp-OutputArea-output")
    authority = cells.filter(has=page.locator("label:text-is('Section')")).first
    for name in ("Bexley", "Leeds"):
        _dropdown(authority, "Authority").select_option(label=name)
        assert _showing(authority).startswith(f"Showing: {name},")
    _dropdown(authority, "Section").select_option(index=2)
    assert _showing(authority).startswith("Showing: Leeds,")
    survey = cells.filter(has=page.locator("label:text-is('Question')")).filter(
        has_not=page.locator("label:text-is('Phase')")
    )
    assert _change_every_survey_control(page, survey.first) >= 4
    respondents = cells.filter(has=page.locator("label:text-is('Phase')")).first
    for label, choice in (("Authority", "Barnet"), ("Sector", "VCS respondents"), ("Phase", "Before")):
        before = _showing(respondents)
        _dropdown(respondents, label).select_option(label=choice)
        assert _showing(respondents) != before and choice.lower() in _showing(respondents).lower()
    _dropdown(respondents, "Question").select_option(index=2)
    assert _dropdown(respondents, "Item").is_enabled()
    _dropdown(respondents, "Item").select_option(index=3)
    assert "Showing: Nine impacts" in _showing(respondents) or "(Q3)" in _showing(respondents)
    _dropdown(respondents, "Question").select_option(index=0)
    assert _dropdown(respondents, "Item").is_disabled() and "asks one item only" in respondents.inner_text()
    respondents.locator("button:has-text('Export CSV')").click()
    respondents.locator("text=Saved:").wait_for()
    assert list((root / "outputs" / "explorer").glob("respondents-*.csv"))
    _shot(page, "explorers-1280", page.locator(".jp-NotebookPanel:visible"))


def test_caveat_link_opens_the_caveats_page_in_jupyterlab(page, lab):
    link = page.locator(".jp-OutputArea-output a[href*='caveats']:visible").first
    link.click()
    page.locator(".lm-TabBar-tab", has_text="caveats").first.wait_for()


def test_explorers_fit_900_px_with_the_file_browser_and_390_px(page, lab):
    _open(page, lab, "explore.ipynb")
    _run_all(page)
    for width, name in ((900, "explorers-900"), (390, "explorers-390")):
        page.set_viewport_size({"width": width, "height": 900})
        if width == 900 and not page.locator(".jp-FileBrowser:visible").count():
            page.keyboard.press("Control+Shift+F")
        page.wait_for_timeout(500)
        output = page.locator(".jp-OutputArea-output:visible").first.bounding_box()
        for select in page.locator(".jp-OutputArea-output select:visible").all():
            box = select.bounding_box()
            assert box["width"] >= 60, (width, box)
            assert box["x"] + box["width"] <= output["x"] + output["width"] + 1, (width, box, output)
        _shot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_saving_leaves_git_clean_and_a_saved_notebook_reopens_cleanly(page, lab):
    _, root = lab
    _save(page)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "notebooks"], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert status.stdout == ""
    page.reload()
    page.locator(".jp-NotebookPanel:visible").first.wait_for()
    page.wait_for_timeout(2000)
    text = page.locator(".jp-NotebookPanel:visible").first.inner_text()
    assert "Error displaying widget" not in text and "model not found" not in text
    assert "the controls appear only after you run the cells" in text
