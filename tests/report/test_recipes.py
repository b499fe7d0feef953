"""The contributing guide's report recipes, followed step by step as
docs/contributing.md writes them: "Change a sentence" (in a copy of the
section's module) and "Add a chart". ("Add a section" is followed in
tests/report/test_pages.py::test_recipe_add_a_section.)
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import Markup

from lib.report import authority_page, charts, pages, programme, workbook
from lib.report.format import percent
from lib.report.html import join

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUIDE = PROJECT_ROOT / "docs" / "contributing.md"


@pytest.fixture(scope="module")
def wb(evaluation_build):
    return workbook.load_workbook(evaluation_build.processed)


def _recipe(title: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    return re.search(rf"^### {title}\n(.*?)(?=^##)", text, re.S | re.M).group(1)


def test_recipe_change_a_sentence(wb, tmp_path, monkeypatch):
    steps = _recipe("Change a sentence")
    # 1. Find it: the guide's own search, run as written.
    grep = shlex.split(re.search(r"\(`(grep [^`]+)`\)", steps).group(1))
    found = subprocess.run(grep, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30).stdout
    hit = next(line for line in found.splitlines() if "{name} took part in" in line)
    path, line_no, old = hit.split(":", 2)
    assert path == "lib/report/authority_page.py", hit
    before = pages.AUTHORITY_PAGE.render(wb, "leeds")
    assert "Leeds joined the programme in" not in before and "Leeds took part in" in before

    # 2. Edit it there (a copy of the module, loaded in its place).
    copy = tmp_path / "authority_page.py"
    lines = (PROJECT_ROOT / path).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[int(line_no) - 1] = lines[int(line_no) - 1].replace("took part in", "joined the programme in")
    copy.write_text("".join(lines), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(authority_page.__name__, copy)
    edited = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(edited)
    monkeypatch.setitem(sys.modules, authority_page.__name__, edited)

    # 3. Render the section without a kernel, and the whole page, and read them.
    section = edited.authority_summary(wb, "leeds")  # the summary section calls it
    assert "Leeds joined the programme in" in section and "Leeds took part in" not in section
    page = pages.AUTHORITY_PAGE.render(wb, "leeds")
    assert str(page) == str(before).replace("Leeds took part in", "Leeds joined the programme in")


def profile_chart(wb) -> Markup:
    """A chart added by the guide's recipe: the share of each profile question answered."""
    p = wb.profiles
    shares = (p["text_status"] == "printed").groupby(p["question_label"], sort=False).mean()
    top = shares.idxmax()
    table = shares.rename("share answered").reset_index().rename(columns={"question_label": "question"})
    table["share answered"] = table["share answered"].map(percent)
    # 1. drawn by a chart function of charts.py; 2. described from the data; 3. rendered
    fig = charts.share_bars(
        [charts.wrap(q) for q in shares.index], list(shares), xlabel="Share of authorities"
    )
    chart = charts.Chart(
        title=f"{top} is the question most often answered ({percent(shares.max())})",
        subtitle=f"Share of the {p['authority_id'].nunique()} authorities' profiles with text, by question",
        alt="Share of profiles answering each question: "
        + "; ".join(f"{q}: {percent(v)}" for q, v in shares.items()),
        table=table,
        table_caption="Share of profiles answering each question",
    )
    return join(CHART_PAGE.heading("profile-answers"), charts.figure_html(fig, chart))


#: The programme page with the new chart's section registered (and only that, to read it alone).
CHART_PAGE = dataclasses.replace(
    pages.PROGRAMME_PAGE,
    sections=(pages.Section("profile-answers", "Profile answers", "programme.profile_chart"),),
)


def test_recipe_add_a_chart(wb, monkeypatch):
    steps = _recipe("Add a chart")
    assert "charts.Chart(title, subtitle, alt, table," in steps and "charts.figure_html(fig, chart)" in steps
    monkeypatch.setattr(programme, "profile_chart", profile_chart, raising=False)
    assert "<figure" not in CHART_PAGE.sections[0].heading()
    html = CHART_PAGE.render(wb)
    # the checks of test_every_chart_has_alt_text_title_subtitle_and_table
    (fig,) = re.findall(r"<figure.*?</figure>", html, re.S)
    alt = re.search(r'<img [^>]*alt="([^"]{20,})"', fig).group(1)
    assert 'class="chart-title"' in fig and 'class="chart-subtitle"' in fig
    assert re.search(r"<details><summary>.*?<table.*?<caption>.*?<th scope=\"col\">", fig, re.S)
    # the alt text and the table give the values, from the data
    p = wb.profiles
    first = p["question_label"].iloc[0]
    share = percent((p[p["question_label"] == first]["text_status"] == "printed").mean())
    assert f"{first}: {share}" in alt.replace("&#39;", "'").replace("&amp;", "&")
    assert re.search(rf"<td>{re.escape(share)}</td>", fig)
    assert html.startswith('<h2 id="profile-answers">Profile answers</h2>')
