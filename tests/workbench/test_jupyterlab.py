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

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

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
#: The notebook on show (each is opened alone, in a reset workspace).
CURRENT = ".jp-NotebookPanel"


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
    _lab_settings(tmp / "lab-settings")
    synth = ["-m", "lib.sources.synthetic", "--authorities", "3", "--respondents", "40", "--free-text"]
    _run([sys.executable, *synth, "--out", str(responses)], root, env)
    _run([sys.executable, "-m", "lib.evaluation", "build", "--quiet"], root, env)
    # the kernels find the env's data (kernelspecs) through the shared data path
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return root, env


def _lab_settings(folder: Path) -> None:
    """Every cell in the page (no windowing, so each can be found) and no news prompt."""
    settings = {
        "notebook-extension/tracker": '{"windowingMode": "none"}',
        "apputils-extension/notification": '{"fetchNews": "false"}',
    }
    for name, text in settings.items():
        path = folder / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(base URL, project root) of a JupyterLab serving a clean clone; stopped afterwards."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root, env = _clone(tmp)
    port = _free_port()
    args = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--ServerApp.token={TOKEN}",
        f"--config={root / 'jupyter_server_config.py'}",  # as `make lab` starts it
        f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]  # fmt: skip
    log = open(tmp / "lab.log", "wb")  # noqa: SIM115 (closed in teardown)
    server = subprocess.Popen(
        args, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
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


@pytest.fixture(autouse=True)
def shot_on_failure(request, page):
    """A screenshot of the page when a test fails (``failed-<test>.png``)."""
    yield
    if getattr(request.node, "call_failed", False):
        _shot(page, f"failed-{request.node.name}")


# --------------------------------------------------------------------------
# Driving JupyterLab
# --------------------------------------------------------------------------


def _open(page, lab, notebook: str) -> None:
    base, _ = lab
    page.goto(f"{base}/lab/tree/notebooks/{notebook}?reset&token={TOKEN}")
    page.locator(CURRENT).first.wait_for()
    # A reset workspace can race the kernel's session and ask for the kernel the notebook
    # already names: accepting the named kernel is what the evaluator would do.
    dialog = page.locator(".jp-Dialog button.jp-mod-accept")
    with contextlib.suppress(sync_api.TimeoutError):
        dialog.wait_for(timeout=3_000)
        dialog.click()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=60_000)


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).first.click()


def _run_cell(page, cell) -> None:
    """Run one code cell (Shift+Enter on it) and wait for its count; a request the
    kernel never answered (the prompt stays blank) is sent once more."""
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(3):
        prompt.click()
        page.keyboard.press("Escape")
        page.keyboard.press("Control+Enter")
        try:
            page.wait_for_function(
                "p => /\\[(\\d+|\\*)\\]/.test(p.textContent)", arg=prompt.element_handle(), timeout=10_000
            )
            page.wait_for_function(
                "p => /\\[\\d+\\]/.test(p.textContent)", arg=prompt.element_handle(), timeout=90_000
            )
            return
        except sync_api.TimeoutError:
            continue
    _shot(page, "failed-run-cell")
    pytest.fail(f"a cell did not run: {cell.inner_text()[:200]}")


def _run_all(page, lab, notebook: str) -> None:
    """Run every code cell from the top, one at a time, as an evaluator does."""
    cells = json.loads((lab[1] / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    n = sum(c["cell_type"] == "code" for c in cells)
    code = page.locator(CURRENT).first.locator(".jp-CodeCell")
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell').length >= n",
        arg=n,
    )
    for i in range(n):
        _run_cell(page, code.nth(i))


def _save(page) -> None:
    _menu(page, "File", "Save Notebook")
    page.wait_for_function(
        "() => !document.querySelector('.jp-NotebookPanel .jp-mod-dirty')"
        " && !document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')",
        timeout=20_000,
    )


def _shot(page, name: str, locator=None) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    return path


def _dropdown(area, label: str):
    return area.locator(".widget-dropdown", has=area.page.locator(f"label:text-is('{label}')")).locator(
        "select"
    )


def _showing(area) -> str:
    return area.locator(".explorer-view").first.inner_text()


# --------------------------------------------------------------------------
# The tests, in the order an evaluator works
# --------------------------------------------------------------------------


def test_run_form_runs_two_authorities_with_progress_links_and_index(page, lab):
    _, root = lab
    _open(page, lab, "run_reports.ipynb")
    _run_all(page, lab, "run_reports.ipynb")
    form = (
        page.locator(CURRENT)
        .locator(".jp-OutputArea-output")
        .filter(has=page.locator("button:has-text('Run')"))
        .first
    )
    form.locator(".widget-checkbox:has-text('programme report') input").uncheck()
    form.locator("select[multiple]").select_option(label=[f"{n.title()} ({n})" for n in PAIR])
    form.locator("text=selected: barnet, bexley").wait_for()
    started = time.monotonic()
    form.locator("button:has-text('Run')").click()
    links = form.locator("a", has_text=re.compile(r"\((barnet|bexley)\)"))
    try:
        links.nth(len(PAIR) - 1).wait_for(timeout=RUN_TIMEOUT_MS)
    except sync_api.TimeoutError:
        _shot(page, "failed-run-form")
        pytest.fail(f"the run form shows no links; it reads: {form.inner_text()}")
    elapsed = time.monotonic() - started
    text = form.inner_text()
    for aid in PAIR:
        assert re.search(rf"{aid}\b.*rebuilt", text), text
    bar = form.locator(".widget-hprogress .progress-bar")
    assert bar.evaluate("b => b.style.width") == "100%"
    hrefs = [unquote(urlparse(links.nth(i).get_attribute("href")).path) for i in range(links.count())]
    assert sorted(Path(h).name for h in hrefs) == [f"{aid}.html" for aid in PAIR], hrefs
    for aid in PAIR:
        assert (root / "outputs" / "html" / f"{aid}.html").is_file()
    index = (root / "outputs" / "html" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{aid}.html"' in index for aid in PAIR)
    _shot(page, "run-form")
    _save(page)
    print(f"run form: Run to both pages {elapsed:.1f} s")


def test_coding_widget_saves_three_answers(page, lab):
    _, root = lab
    _open(page, lab, "code_answers.ipynb")
    _run_all(page, lab, "code_answers.ipynb")
    area = (
        page.locator(CURRENT)
        .locator(".jp-OutputArea-output")
        .filter(has=page.locator("button:has-text('Save and next')"))
        .first
    )
    area.locator("input[placeholder='your name or initials']").fill("tester")
    area.locator("input[placeholder='your name or initials']").press("Enter")
    picks = [["Partnership working"], ["Community engagement", "Change management"], []]
    for i, ticked in enumerate(picks):
        sync_api.expect(area).to_contain_text(f"Showing: answer {i + 1} of")
        for label in ticked:
            area.locator(f".widget-checkbox:has-text('{label}') input").check()
        page.wait_for_timeout(300)  # let the ticks reach the kernel before saving
        area.locator("button:has-text('Save and next')").click()
        sync_api.expect(area).to_contain_text(f"Showing: answer {i + 2} of")
    sync_api.expect(area).to_contain_text("Saved 6 codes (0 ticked) to data/codes/tester.csv")
    _shot(page, "coding-widget", area)
    codes = pd.read_csv(root / "data" / "codes" / "tester.csv", dtype=str, keep_default_na=False)
    answers = pd.read_csv(root / "data" / "processed" / "free_text_answers.csv", dtype=str)
    labels = {"Partnership working": "partnership_working", "Community engagement": "community_engagement"}
    labels["Change management"] = "change_management"
    assert codes["answer_id"].drop_duplicates().tolist() == answers["answer_id"].head(3).tolist()
    for aid, ticked in zip(answers["answer_id"].head(3), picks, strict=True):
        rows = codes[codes["answer_id"] == aid]
        assert len(rows) == 6 and set(rows.loc[rows["applies"] == "yes", "theme"]) == {
            labels[t] for t in ticked
        }
    assert codes["coded_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    _save(page)


def _expect_showing(area, pattern: str) -> str:
    """Wait until the view on show names ``pattern`` (a regular expression) and return its line."""
    line = area.locator(".explorer-view:visible").first
    sync_api.expect(line).to_have_text(re.compile(pattern, re.IGNORECASE), timeout=20_000)
    return line.inner_text()


def _change_every_survey_control(area) -> int:
    question, changed = _dropdown(area, "Question").first, 0
    for label in question.locator("option").all_inner_texts():
        question.select_option(label=label)
        label = label.replace("\xa0", " ")
        _expect_showing(area, f"^Showing: {re.escape(label)}")
        changed += 1
        sector = area.locator("select:visible").nth(1)
        if sector.is_disabled():
            continue
        for s_label in sector.locator("option").all_inner_texts():
            sector.select_option(label=s_label)
            s_label = s_label.replace("\xa0", " ")
            _expect_showing(area, f"^Showing: {re.escape(label)}, {re.escape(s_label)}$")
            changed += 1
    return changed


def test_explorers_every_control_changes_its_view(page, lab):
    _, root = lab
    _open(page, lab, "explore.ipynb")
    _run_all(page, lab, "explore.ipynb")
    cells = page.locator(CURRENT).locator(".jp-OutputArea-output")
    authority = cells.filter(has=page.locator("label:text-is('Section')")).first
    for name in ("Bexley", "Leeds"):
        _dropdown(authority, "Authority").select_option(label=name)
        _expect_showing(authority, f"^Showing: {name}, ")
    section = _dropdown(authority, "Section")
    section.select_option(index=2)
    label = section.locator("option").nth(2).inner_text().replace("\xa0", " ").lower()
    _expect_showing(authority, f"^Showing: Leeds, {re.escape(label)}$")
    survey = cells.filter(has=page.locator("label:text-is('Question')")).filter(
        has_not=page.locator("label:text-is('Phase')")
    )
    assert _change_every_survey_control(survey.first) >= 4
    respondents = cells.filter(has=page.locator("label:text-is('Phase')")).first
    for label, choice in (("Authority", "Barnet"), ("Sector", "VCS respondents"), ("Phase", "Before")):
        _dropdown(respondents, label).select_option(label=choice)
        _expect_showing(respondents, re.escape(choice))
    _dropdown(respondents, "Question").select_option(label="Nine impacts of co-production (Q3)")
    _expect_showing(respondents, r"^Showing: Nine impacts of co-production \(Q3\)")
    item = _dropdown(respondents, "Item")
    sync_api.expect(item).to_be_enabled()
    item.select_option(index=3)
    _expect_showing(respondents, re.escape(item.locator("option").nth(3).inner_text().replace("\xa0", " ")))
    _dropdown(respondents, "Question").select_option(index=0)
    sync_api.expect(item).to_be_disabled()
    sync_api.expect(respondents).to_contain_text("this question asks one item only")
    respondents.locator("button:has-text('Export CSV')").click()
    respondents.locator("text=Saved:").wait_for()
    exported = list((root / "outputs" / "explorer").glob("respondents-barnet-vcs-understanding-*.csv"))
    assert len(exported) == 1 and "Showing" in exported[0].read_text(encoding="utf-8")
    _shot(page, "explorers-1280", page.locator(CURRENT))


def test_caveat_link_opens_the_caveats_page_in_jupyterlab(page, lab):
    survey = (
        page.locator(CURRENT)
        .locator(".jp-OutputArea-output")
        .filter(has=page.locator("label:text-is('Question')"))
        .filter(has_not=page.locator("label:text-is('Phase')"))
        .first
    )
    links = page.locator(CURRENT).locator(".jp-OutputArea-output a[href*='caveats']:visible")
    question = _dropdown(survey, "Question")
    for label in question.locator("option").all_inner_texts():
        question.select_option(label=label)
        if links.count():
            break
    path = unquote(urlparse(links.first.get_attribute("href")).path)
    assert path.endswith(("/outputs/html/caveats.html", "/caveats.md")) and "notebooks" not in path, path
    opened: list = []
    page.context.on("page", lambda new: opened.append(new))
    links.first.click()
    page.wait_for_timeout(3000)
    if opened:  # JupyterLab opened the page in a browser tab of its own
        opened[0].wait_for_load_state()
        assert "caveat" in opened[0].content().lower()
        opened[0].screenshot(path=str(SHOTS / "caveats-from-explorer.png"))
        opened[0].close()
    else:
        page.locator(".lm-TabBar-tab", has_text="caveats").first.wait_for(timeout=10_000)
        _shot(page, "caveats-from-explorer")


def test_explorers_fit_900_px_with_the_file_browser_and_390_px(page, lab):
    _open(page, lab, "explore.ipynb")
    _run_all(page, lab, "explore.ipynb")
    outputs = page.locator(CURRENT).locator(".jp-OutputArea-output")
    explorers = {
        "survey": outputs.filter(has=page.locator("label:text-is('Question')"))
        .filter(has_not=page.locator("label:text-is('Phase')"))
        .first,
        "respondents": outputs.filter(has=page.locator("label:text-is('Phase')")).first,
        "authority": outputs.filter(has=page.locator("label:text-is('Section')")).first,
    }
    for width in (900, 390):
        page.set_viewport_size({"width": width, "height": 900})
        browser_open = page.locator(".jp-FileBrowser:visible").count() > 0
        if browser_open != (width == 900):
            page.keyboard.press("Control+b")  # the left sidebar: open at 900 px, closed on a phone
        page.wait_for_timeout(800)
        for name, area in explorers.items():
            area.scroll_into_view_if_needed()
            box = area.bounding_box()
            for select in area.locator("select:visible").all():
                control = select.bounding_box()
                assert control["width"] >= 60, (width, name, control)
                # inside the output area, give or take the widgets' own 2 px margin
                assert control["x"] + control["width"] <= box["x"] + box["width"] + 3, (
                    width,
                    name,
                    control,
                    box,
                )
            view = area.locator(".explorer-body:visible").first
            if view.count():
                assert view.bounding_box()["width"] <= box["width"] + 1, (width, name)
            _shot(page, f"{name}-explorer-{width}", area)
        _shot(page, f"explore-notebook-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_saving_leaves_git_clean_and_a_saved_notebook_reopens_cleanly(page, lab):
    _, root = lab
    _save(page)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "notebooks"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.stdout == ""
    page.reload()
    page.locator(CURRENT).first.wait_for()
    page.wait_for_timeout(2000)
    text = page.locator(CURRENT).first.inner_text()
    assert "Error displaying widget" not in text and "model not found" not in text
    assert "the controls appear only after you run the cells" in text
