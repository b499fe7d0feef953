"""The run form: choose authorities and settings, run the reports, follow them live.

:func:`run_form` builds the form (ipywidgets). Building it starts nothing:
only the Run button starts a batch. Settings are checked with the command
line's rules before anything runs (:mod:`lib.workbench.settings`); the batch
runs in the background (:mod:`lib.workbench.background`) and the form reads
its progress and summary from the manifest (:mod:`lib.workbench.status`).
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from lib.analysis.disclosure import THRESHOLD_ENV_VAR
from lib.config import NOTEBOOKS_DIR, PROJECT_ROOT
from lib.run.planning import BatchError, read_authorities
from lib.workbench.background import INTERRUPTED, BackgroundBatch, Outcome
from lib.workbench.settings import (
    ALL,
    RunSettings,
    absolute,
    check_settings,
    chosen_authorities,
    cli_arguments,
    cli_environment,
)
from lib.workbench.status import (
    ReportRow,
    change_lines,
    page_link,
    read_manifest,
    report_rows,
    run_summary,
    status_line,
)

DEFAULT_THRESHOLD_TEXT = "10"


def authority_options(names: dict[str, str], text: str) -> list[tuple[str, str]]:
    """The list's options for a filter text: "all" first, then every authority whose
    name or id contains the text (case-insensitive)."""
    needle = text.strip().lower()
    shown = [(f"{name} ({aid})", aid) for aid, name in names.items() if needle in f"{name} {aid}".lower()]
    return [(ALL, ALL), *shown]


def keep_selection(chosen: Sequence[str], visible: Sequence[str], value: Sequence[str]) -> tuple[str, ...]:
    """The selection after the visible list's value changed: choices hidden by the
    filter stay chosen; visible ones follow ``value``. Choosing "all" replaces the
    authorities chosen; choosing an authority replaces "all". Order: as first chosen."""
    kept = [a for a in chosen if a not in visible or a in value]
    new = [a for a in value if a not in kept]
    if ALL in new:
        return (ALL,)
    if new and ALL in kept:
        kept.remove(ALL)
    return tuple(kept + new)


MESSAGE_COLOURS = {"success": "#060", "warning": "#a60", "danger": "#a00"}


def end_messages(returncode: int, stderr: Sequence[str], rows: Sequence[ReportRow]) -> tuple[str, list[str]]:
    """How the form shows a finished run: a progress bar style and the lines to show.

    Cancelled: the command line's own "interrupted" line. Reports failed (exit 1):
    its warnings, then one line per failed report. Bad settings found at start
    (exit 2, e.g. another run holds the output folder): its "error:" lines. Any
    other end: the last line it wrote (a traceback's message)."""
    failed = [f"failed: {r.id}: {r.error}" for r in rows if r.state == "failed"]
    if returncode == 0:
        return "success", list(stderr)
    if returncode == INTERRUPTED:
        return "warning", [line for line in stderr if line.startswith("interrupted:")] or list(stderr[-1:])
    if returncode in (1, 2):
        return "danger", [*stderr, *failed]
    last = stderr[-1] if stderr else "no message"
    return "danger", [
        f"the batch stopped with an unexpected error (exit status {returncode}): {last}",
        *failed,
    ]


def _html_lines(lines: Sequence[str], css: str = "") -> str:
    body = "<br>".join(html.escape(line) for line in lines)
    if not body:
        return ""
    return f'<div style="{css}">{body}</div>' if css else f"<div>{body}</div>"


class RunForm:
    """The widgets and what they do. Display it (it is the form's box) or use
    :attr:`widget`; tests press :attr:`run_button` with ``.click()``."""

    def __init__(
        self,
        *,
        output_dir: str = "outputs",
        processed_dir: str = "data/processed",
        root: Path = PROJECT_ROOT,
        notebook_dir: Path = NOTEBOOKS_DIR,
        notebooks: dict[str, str] | None = None,
    ):
        """``notebooks``: ``programme_notebook``/``authority_notebook`` of :class:`RunSettings`."""
        self.root, self.notebook_dir = Path(root).resolve(), Path(notebook_dir)
        self.notebooks = dict(notebooks or {})
        self.batch: BackgroundBatch | None = None
        self.pressed_at: float | None = None
        self.first_page_s: float | None = None
        self._build_controls(output_dir, processed_dir)
        self._build_outputs()
        settings = [self.programme, self.threshold, self.keep_code, self.force, self.timeout]
        buttons = widgets.HBox([self.run_button, self.cancel_button])
        results = [self.errors, self.progress, self.summary, self.status, self.links, self.changes]
        self.widget = widgets.VBox(
            [self.filter, self.authorities, self.selected, *settings, self.processed_dir, self.output_dir,
             buttons, *results],
            layout=widgets.Layout(max_width="100%"),
        )  # fmt: skip

    # -- building -----------------------------------------------------------

    def _build_controls(self, output_dir: str, processed_dir: str) -> None:
        wide = {"style": {"description_width": "initial"}, "layout": widgets.Layout(max_width="100%")}
        self.output_dir = widgets.Text(value=output_dir, description="output folder", **wide)
        self.processed_dir = widgets.Text(
            value=processed_dir, description="processed data", continuous_update=False, **wide
        )
        self.names, problems = self._read_names(processed_dir)
        self.chosen: tuple[str, ...] = (ALL,)
        self._filtering = False
        self.filter = widgets.Text(
            placeholder="type to filter authorities", description="authorities", **wide
        )
        self.authorities = widgets.SelectMultiple(
            options=authority_options(self.names, ""), value=self.chosen, rows=8, **wide
        )
        self.selected = widgets.HTML()
        self.programme = widgets.Checkbox(value=True, description="programme report", indent=False)
        threshold = os.environ.get(THRESHOLD_ENV_VAR, "").strip() or DEFAULT_THRESHOLD_TEXT
        self.threshold = widgets.Text(value=threshold, description="disclosure threshold", **wide)
        self.keep_code = widgets.Checkbox(value=False, description="keep code in the pages", indent=False)
        self.force = widgets.Checkbox(
            value=False, description="force rebuild (even reports whose inputs are unchanged)", indent=False
        )
        self.timeout = widgets.IntText(value=600, description="cell timeout (s)", **wide)
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True)
        self.filter.observe(self._on_filter, names="value")
        self.processed_dir.observe(self._on_processed_dir, names="value")
        self.authorities.observe(self._on_select, names="value")
        self.run_button.on_click(self._on_run)
        self.cancel_button.on_click(self._on_cancel)
        self._startup_problems = problems
        self._show_selected()

    def _build_outputs(self) -> None:
        self.errors = widgets.HTML(_html_lines(self._startup_problems, "color:#a00"))
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="reports", bar_style="")
        self.progress.layout.visibility = "hidden"
        self.summary = widgets.HTML()
        self.status = widgets.HTML()
        # Links go through the notebook's own HTML output (not an HTML widget): JupyterLab
        # resolves a relative link there against the notebook and opens the page.
        self.links = widgets.Output()
        self.links_html = ""
        self.changes = widgets.HTML()

    def _read_names(self, processed_dir: str) -> tuple[dict[str, str], list[str]]:
        try:
            return read_authorities(absolute(processed_dir, self.root)), []
        except BatchError as exc:
            return {}, [f"error: {p}" for p in exc.problems]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # -- controls -----------------------------------------------------------

    def _on_filter(self, change: dict[str, Any]) -> None:
        options = authority_options(self.names, change["new"])
        visible = [v for _, v in options]
        self._filtering = True  # new options reset the value: not a choice
        try:
            self.authorities.options = options
            self.authorities.value = tuple(a for a in self.chosen if a in visible)
        finally:
            self._filtering = False

    def _on_processed_dir(self, change: dict[str, Any]) -> None:
        self.names, problems = self._read_names(change["new"])
        self.chosen = (ALL,)
        self._on_filter({"new": self.filter.value})
        self._show_selected()
        self.errors.value = _html_lines(problems, "color:#a00")

    def _on_select(self, change: dict[str, Any]) -> None:
        if self._filtering:
            return
        visible = [v for _, v in self.authorities.options]
        self.chosen = keep_selection(self.chosen, visible, change["new"])
        self._show_selected()

    def _show_selected(self) -> None:
        picked = chosen_authorities(self.chosen)
        text = "every authority" if picked is None else ", ".join(picked) or "no authority"
        self.selected.value = f"<small>selected: {html.escape(text)}</small>"

    def settings(self) -> RunSettings:
        """The form's current values."""
        return RunSettings(
            authorities=chosen_authorities(self.chosen),
            include_programme=self.programme.value,
            disclosure_threshold=self.threshold.value,
            keep_code=self.keep_code.value,
            force=self.force.value,
            timeout=self.timeout.value,
            output_dir=self.output_dir.value,
            processed_dir=self.processed_dir.value,
            **self.notebooks,
        )

    # -- running ------------------------------------------------------------

    def _on_run(self, _button: Any = None) -> None:
        if self.batch is not None and self.batch.running:
            return
        settings = self.settings()
        problems = check_settings(settings, self.root)
        self.errors.value = _html_lines(problems, "color:#a00")
        self.summary.value = self.status.value = self.changes.value = ""
        self._show_links("")
        if problems:
            return
        self.out = absolute(settings.output_dir, self.root).resolve()
        self.previous = read_manifest(self.out / "manifest.json")  # what the last build recorded
        self.pressed_at, self.first_page_s = time.monotonic(), None
        self.progress.value, self.progress.bar_style = 0, ""
        self.progress.layout.visibility = "visible"
        self.summary.value = "starting..."
        self.run_button.disabled, self.cancel_button.disabled = True, False
        self.batch = BackgroundBatch(
            cli_arguments(settings, self.root), cli_environment(settings), self.out / "manifest.json",
            on_update=self._on_update, on_end=self._on_end, root=self.root,
        )  # fmt: skip
        self.batch.start()

    def _on_cancel(self, _button: Any = None) -> None:
        if self.batch is not None and self.batch.running:
            self.cancel_button.disabled = True
            self.summary.value = "cancelling: stopping the running reports..."
            self.batch.cancel()

    def _on_update(self, manifest: dict[str, Any]) -> None:
        rows = report_rows(manifest)
        done = [r for r in rows if r.state not in ("queued", "running")]
        if self.first_page_s is None and any(r.state == "rebuilt" and r.page for r in rows):
            self.first_page_s = round(time.monotonic() - self.pressed_at, 2)
        self.progress.max, self.progress.value = max(len(rows), 1), len(done)
        self.status.value = _html_lines([status_line(r) for r in rows], "font-family:monospace")
        self.summary.value = html.escape(run_summary(rows))

    def _on_end(self, outcome: Outcome) -> None:
        if outcome.manifest is not None:
            self._on_update(outcome.manifest)
            rows = report_rows(outcome.manifest)
            links = [page_link(r, self.out, self.notebook_dir) for r in rows]
            self._show_links("pages:<br>" + "<br>".join(a for a in links if a) if any(links) else "")
            changed = change_lines(self.previous, outcome.manifest)
            self.changes.value = (
                _html_lines(["changed since the previous build:", *changed]) if changed else ""
            )
        style, lines = end_messages(outcome.returncode, outcome.errors, self.rows())
        self.progress.bar_style = style
        self.errors.value = _html_lines(lines, f"color:{MESSAGE_COLOURS[style]}")
        self.run_button.disabled, self.cancel_button.disabled = False, True

    def _show_links(self, markup: str) -> None:
        from IPython.display import HTML

        self.links_html = markup
        self.links.outputs = ()
        if markup:
            self.links.append_display_data(HTML(markup))

    def rows(self):
        """The rows of the last run's manifest (empty before a run has written one)."""
        manifest = self.batch.outcome.manifest if self.batch and self.batch.outcome else None
        return report_rows(manifest) if manifest else []


def run_form(output_dir: str = "outputs", processed_dir: str = "data/processed") -> RunForm:
    """The run form (paths relative to the project root). Building it runs nothing."""
    return RunForm(output_dir=output_dir, processed_dir=processed_dir)
