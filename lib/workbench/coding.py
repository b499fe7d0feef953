"""The coding widget: code free-text answers against the programme's themes.

:func:`coding_widget` shows each free-text answer the last build read
(``free_text_answers.csv``) with its context (authority, sector, phase,
question), one tick box per theme of the definition (the coding frame) and a
note. **Save** appends the evaluator's decisions to their own codes file,
``data/codes/<coder>.csv`` (:class:`CodeStore`): one row per theme with the
time, never rewriting earlier rows, so the file is a record of every code
given. The raw transcriptions and the response files are never written.

The next data build reads the codes (:mod:`lib.sources.free_text`); the
programme report then shows each theme's share and, where two evaluators
coded the same answers, their agreement (Cohen's kappa).
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from lib.config import PROCESSED_DIR, RAW_DIR
from lib.report.coded_answers import coded_tables, phase_word, question_text, respondent_words
from lib.report.workbook import Workbook, load_workbook
from lib.sources import free_text
from lib.sources.contract import display_path

ALL_ANSWERS = "All answers"
NOT_CODED = "Answers I have not coded"
NO_ANSWERS = (
    "No free-text answers to code: the last data build read no response files with free-text "
    "columns (see data/README.md, 'Response files'). Add the files, rebuild the data, then run this cell again."
)


class CodingError(ValueError):
    """A code that cannot be saved (one line for the evaluator)."""


def coder_name(text: str) -> str:
    """The coder's name as the file name holds it: lower case, spaces as '-';
    raises :class:`CodingError` when nothing usable is left."""
    name = re.sub(r"[^a-z0-9_-]+", "-", text.strip().casefold()).strip("-")
    if not re.fullmatch(free_text.CODER_RE, name):
        raise CodingError(
            "enter your name or initials (letters and digits) before saving: each coder's codes "
            "go to a file of their own"
        )
    return name


@dataclass
class CodeStore:
    """One coder's append-only codes file in ``folder``."""

    folder: Path
    coder: str

    @property
    def path(self) -> Path:
        return Path(self.folder) / f"{self.coder}.csv"

    def save(
        self, answer_id: str, ticked: Iterable[str], note: str = "", when: datetime | None = None
    ) -> int:
        """Append one row per theme of the frame (ticked: yes, else no); return the rows written."""
        themes = [t for t, _ in free_text.coding_frame()]
        ticked = set(ticked)
        if unknown := ticked - set(themes):
            raise CodingError(f"not a theme of the coding frame: {', '.join(sorted(unknown))}")
        if not re.fullmatch(free_text.ANSWER_ID_RE, answer_id):
            raise CodingError(f"not an answer id: {answer_id!r}")
        note = re.sub(r"\s+", " ", note).strip()[:2000]
        stamp = (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists() or self.path.stat().st_size == 0
        with open(self.path, "a", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            if new:
                writer.writerow(free_text.CODE_COLUMNS)
            for theme in themes:
                writer.writerow([stamp, answer_id, theme, "yes" if theme in ticked else "no", note])
        return len(themes)

    def latest(self) -> dict[str, tuple[set[str], str]]:
        """This coder's latest save per answer: ``answer_id -> (themes ticked, note)``."""
        if not self.path.exists():
            return {}
        codes = free_text.read_codes([self.path])
        out: dict[str, tuple[set[str], str]] = {}
        for aid, rows in codes.groupby("answer_id", sort=False):
            last = rows[rows["coded_at"] == rows["coded_at"].max()]
            out[aid] = (set(last.loc[last["applies"] == "yes", "theme"]), str(last["note"].iloc[-1]))
        return out


@dataclass
class CodingSession:
    """The answers to code, where the evaluator is, and what they coded (no widgets)."""

    answers: pd.DataFrame
    store: CodeStore | None = None
    show: str = ALL_ANSWERS
    position: int = 0
    coded: dict[str, tuple[set[str], str]] = field(default_factory=dict)

    def visible(self) -> pd.DataFrame:
        if self.show == NOT_CODED:
            return self.answers[~self.answers["answer_id"].isin(self.coded)]
        return self.answers

    def current_answer(self) -> pd.Series | None:
        shown = self.visible()
        if shown.empty:
            return None
        self.position = min(max(self.position, 0), len(shown) - 1)
        return shown.iloc[self.position]

    def move(self, step: int) -> None:
        self.position = min(max(self.position + step, 0), max(len(self.visible()) - 1, 0))

    def set_coder(self, folder: Path, text: str) -> None:
        self.store = CodeStore(folder, coder_name(text))
        self.coded = self.store.latest()

    def save(self, ticked: Iterable[str], note: str) -> str:
        """Save the current answer's codes; the line the widget shows."""
        row = self.current_answer()
        if self.store is None:
            raise CodingError("enter your name or initials before saving")
        if row is None:
            raise CodingError("no answer is shown")
        ticked = set(ticked)
        n = self.store.save(row["answer_id"], ticked, note)
        self.coded[row["answer_id"]] = (ticked, note)
        return f"Saved {n} codes ({len(ticked)} ticked) to {display_path(self.store.path)}."


def context_line(wb: Workbook, row: pd.Series) -> str:
    """Authority, sector, phase and question of one answer, in words."""
    return " · ".join(
        [
            wb.name(row["authority_id"]),
            respondent_words(wb, row["sector"]),
            f"answered {phase_word(wb, row['phase'])}",
            question_text(wb, row["question"]),
        ]
    )


def _wrap_row(*children: widgets.Widget) -> widgets.Box:
    """A row of controls that wraps at a narrow width."""
    return widgets.Box(list(children), layout=widgets.Layout(flex_flow="row wrap", width="100%"))


class CodingWidget:
    """The widgets of the coding form, wired to a :class:`CodingSession`."""

    def __init__(self, wb: Workbook, session: CodingSession, codes_folder: Path, coder: str = ""):
        self.wb, self.session, self.folder = wb, session, Path(codes_folder)
        narrow = widgets.Layout(width="auto", max_width="100%")
        self.coder = widgets.Text(value=coder, description="Coder", placeholder="your name or initials")
        self.coder.layout = widgets.Layout(width="20em", max_width="100%")
        self.show = widgets.Dropdown(options=[ALL_ANSWERS, NOT_CODED], description="Show")
        self.show.layout = widgets.Layout(width="20em", max_width="100%")
        self.previous = widgets.Button(description="Previous", layout=narrow)
        self.next = widgets.Button(description="Next", layout=narrow)
        self.save = widgets.Button(description="Save and next", button_style="primary", layout=narrow)
        self.answer = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.themes = {
            t: widgets.Checkbox(description=label, indent=False, layout=widgets.Layout(width="auto"))
            for t, label in free_text.coding_frame()
        }
        self.note = widgets.Textarea(description="Note", placeholder="optional", layout=narrow)
        self.message = widgets.HTML()
        self.coder.observe(lambda _: self._coder_changed(), "value")
        self.show.observe(lambda _: self._show_changed(), "value")
        self.previous.on_click(lambda _: self._step(-1))
        self.next.on_click(lambda _: self._step(1))
        self.save.on_click(lambda _: self._save())
        self.box = widgets.VBox(
            [
                _wrap_row(self.coder, self.show),
                self.answer,
                widgets.HTML("<strong>Themes that apply</strong>"),
                _wrap_row(*self.themes.values()),
                self.note,
                _wrap_row(self.previous, self.save, self.next),
                self.message,
            ],
            layout=widgets.Layout(width="100%", max_width="60em"),
        )
        if coder:
            self._coder_changed()
        self.refresh()

    def _say(self, text: str, ok: bool = True) -> None:
        colour = "#060" if ok else "#a00"
        self.message.value = f'<p style="color:{colour}" role="status">{html.escape(text)}</p>'

    def _coder_changed(self) -> None:
        try:
            self.session.set_coder(self.folder, self.coder.value)
        except CodingError as err:
            self.session.store = None
            self._say(str(err), ok=False)
            return
        self._say(f"Codes go to {display_path(self.session.store.path)}.")
        self.refresh()

    def _show_changed(self) -> None:
        self.session.show, self.session.position = self.show.value, 0
        self.refresh()

    def _step(self, step: int) -> None:
        self.session.move(step)
        self.refresh()

    def _save(self) -> None:
        ticked = {t for t, box in self.themes.items() if box.value}
        try:
            line = self.session.save(ticked, self.note.value)
        except CodingError as err:
            self._say(str(err), ok=False)
            return
        self._say(line)
        if self.session.show == ALL_ANSWERS:
            self.session.move(1)
        self.refresh()

    def refresh(self) -> None:
        """Show the current answer, its context and the coder's latest codes for it."""
        row, shown = self.session.current_answer(), self.session.visible()
        self.previous.disabled = row is None or self.session.position == 0
        self.next.disabled = row is None or self.session.position >= len(shown) - 1
        self.save.disabled = row is None
        if row is None:
            self.answer.value = "<p>Showing: no answers (every answer is coded by you).</p>"
            return
        ticked, note = self.session.coded.get(row["answer_id"], (set(), ""))
        for theme, box in self.themes.items():
            box.value = theme in ticked
        self.note.value = note
        done = "coded by you" if row["answer_id"] in self.session.coded else "not coded by you yet"
        self.answer.value = (
            f"<p><strong>Showing: answer {self.session.position + 1} of {len(shown)}</strong> ({done})<br>"
            f"{html.escape(context_line(self.wb, row))}</p>"
            f'<blockquote style="font-size:1.1em;margin:0.5em 0;overflow-wrap:anywhere">'
            f"{html.escape(row['text'])}</blockquote>"
        )


def coding_widget(
    processed_dir: str | Path = PROCESSED_DIR, codes_folder: str | Path | None = None, coder: str = ""
) -> widgets.Widget:
    """The coding form over the free-text answers of the last build."""
    wb = load_workbook(processed_dir)
    tables = coded_tables(wb)
    if tables is None or tables["free_text_answers"].empty:
        return widgets.HTML(f"<p>{html.escape(NO_ANSWERS)}</p>")
    folder = Path(codes_folder) if codes_folder else free_text.codes_dir(RAW_DIR)
    session = CodingSession(tables["free_text_answers"].reset_index(drop=True))
    return CodingWidget(wb, session, folder, coder).box
