"""The real report notebooks, executed by the batch runner, show the right things.

Expected figures are computed here from the processed tables (never copied
from a rendered report), so a change in the data or in the report code that
breaks a figure fails these tests.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from lib import evaluation
from lib.run import site
from lib.sources.common import CASE_STUDY_AUTHORITIES, YEAR_ONE, YEAR_TWO

pytestmark = pytest.mark.notebook

PROJECT_ROOT = evaluation.PROJECT_ROOT


def page(full_batch, report_id: str) -> str:
    return (full_batch.html / f"{report_id}.html").read_text(encoding="utf-8")


def visible_text(page_html: str) -> str:
    """Page text with scripts, styles and tags removed, entities decoded."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page_html, flags=re.S | re.I)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body))


def pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def test_every_report_is_built_without_errors(full_batch):
    authorities = full_batch.tables["authorities"]
    result = full_batch.result
    ids = {r.id for r in result.results}
    assert ids == {"programme", *authorities["authority_id"]}
    assert [r.id for r in result.results if r.status != "ok"] == []
    assert result.exit_code == 0
    for report_id in ids:
        nb = nbformat.read(full_batch.out / "notebooks" / f"{report_id}.ipynb", as_version=4)
        errors = [
            o
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if o.get("output_type") == "error"
            or (o.get("output_type") == "stream" and o.get("name") == "stderr")
        ]
        assert errors == [], f"{report_id}: error or stderr output in the executed notebook"
        text = visible_text(page(full_batch, report_id))
        assert "Traceback" not in text and "Error" not in text.replace("Errors", "")


def test_manifest_records_each_report(full_batch):
    manifest = json.loads((full_batch.out / "manifest.json").read_text())
    reports = manifest["reports"] if isinstance(manifest, dict) else manifest
    assert len(reports) == 16
    for entry in reports:
        assert entry["status"] == "ok"
        assert entry["input_hash"]


def test_code_and_parameters_are_hidden(full_batch):
    text = page(full_batch, "leeds")
    assert "report.load_workbook" not in text
    assert "authority_id = " not in text


@pytest.mark.parametrize(
    "authority_id", ["leeds", "richmond-upon-thames", "barnet", "north-east-lincolnshire"]
)
def test_authority_report_shows_its_own_evidence_and_words(full_batch, authority_id):
    t = full_batch.tables
    name = t["authorities"].set_index("authority_id").loc[authority_id, "authority"]
    text = visible_text(page(full_batch, authority_id))
    assert f"{name}: evaluation report" in text
    evidence = t["evidence"][t["evidence"]["authority_id"] == authority_id]
    # The evidence row, in the judgement of what its evidence can and cannot show; inferred statuses
    # apart (the inference rule), lost marks among what it cannot show.
    can = re.search(rf"{re.escape(name)}'s evidence can show (.*?)\. It cannot show", text).group(1)
    cannot = re.search(r"It cannot show: (.*?)(?:; or )?whether the programme changed", text).group(1)
    lost = evidence[evidence["status"] == "unrecorded"]["evidence_label"]
    if len(lost):
        assert re.search(
            rf"{re.escape(lost.iloc[-1])} existed \(their marks were lost in the source[;)]", cannot
        )
        assert all(label in cannot.split("(their marks were lost")[0] for label in lost)
    inferred = evidence[evidence["inferred"] == "yes"]
    for label in inferred["evidence_label"]:
        assert re.search(rf"{re.escape(label)} existed \(inferred from", can), label
    for label in evidence["evidence_label"]:
        assert label in can + cannot
    # Its own words: every printed profile answer (first 60 characters), or, where the page quotes
    # the same words elsewhere (said once), the question named in the line that points there.
    profiles = t["profiles"][(t["profiles"]["authority_id"] == authority_id) & (t["profiles"]["text"] != "")]
    assert len(profiles) >= 4
    pointer = re.search(r"quoted, nearly word for word, elsewhere on this page: (.*?)\)\.", text)
    for _, row in profiles.iterrows():
        first_line = re.sub(r"\s+", " ", row["text"].lstrip("•· ").split("\n")[0])[:60]
        label = row["question_label"]
        assert first_line in text or (pointer and label in pointer.group(1)), (
            f"{authority_id}: profile text missing: {first_line!r}"
        )
    doubtful = profiles[profiles["alignment"] == "doubtful"]
    assert text.count("Possibly misaligned in the source") == len(doubtful)


def test_reports_of_other_authorities_do_not_leak(full_batch):
    t = full_batch.tables
    leeds_text = visible_text(page(full_batch, "leeds"))
    richmond_challenge = t["challenges"][t["challenges"]["authority_id"] == "richmond-upon-thames"][
        "text"
    ].iloc[0]
    assert richmond_challenge[:50] not in leeds_text


@pytest.mark.parametrize("authority_id", sorted(CASE_STUDY_AUTHORITIES))
def test_case_study_proposals_and_guidance_by_theme(full_batch, authority_id):
    t = full_batch.tables
    text = visible_text(page(full_batch, authority_id))
    proposals = t["proposals"][t["proposals"]["authority_id"] == authority_id]
    assert len(proposals) == 6
    for _, p in proposals.iterrows():
        assert p["theme_label"] in text
        assert re.sub(r"\s+", " ", p["text"])[:60] in text
    # The guidance for each theme is linked once, not repeated on each page.
    assert "the programme's practice guidance for the same themes is set out once" in text
    for challenge in t["challenges"][t["challenges"]["authority_id"] == authority_id]["text"]:
        assert challenge[:50] in text


def test_case_study_impacts_are_shown_as_published_with_their_source(full_batch):
    """Disclosure rule (caveats C6): a published figure is shown with its source."""
    t = full_batch.tables
    impacts = t["case_study_impacts"]
    assert impacts["base_n"].isna().all()  # the case study gives no group sizes
    leeds = page(full_batch, "leeds")
    caption, table = re.search(
        r"<caption>(Leeds: reported impact by participant group[^<]*)</caption>(.*?)</table>", leeds, re.S
    ).groups()
    leeds_rows = impacts[impacts["authority_id"] == "leeds"]
    assert "[c]" not in table
    for _, row in leeds_rows.iterrows():
        assert f"<td>{pct(row['value'])}</td>" in table
        assert visible_text(leeds).count(row["statement"]) >= 1  # quoted in the case study's own words
        assert row["statement"] not in visible_text(table)  # said once: not again in the table
    assert "Leeds case study (001), § Positive impact achieved" in visible_text(caption)


def _table_cells(page_html: str) -> list[tuple[str, str, str, str]]:
    """(caption, column header, row label, cell) for every cell of every table."""
    out = []
    for caption, body in re.findall(r"<table[^>]*>\s*<caption>(.*?)</caption>(.*?)</table>", page_html, re.S):
        headers = [visible_text(h) for h in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", body, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = [visible_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            if not cells or len(cells) != len(headers):
                continue
            out += [(visible_text(caption), h, cells[0], c) for h, c in zip(headers, cells, strict=False)]
    return out


def test_no_figure_shown_on_one_page_is_suppressed_on_another(full_batch):
    """One disclosure rule on every page: render every page (the batch) and compare."""
    pages = {p.stem: p.read_text(encoding="utf-8") for p in sorted(full_batch.html.glob("*.html"))}
    assert {"programme", "leeds", "richmond-upon-thames"} <= set(pages)
    figure = re.compile(r"\d+(\.\d+)?%|[+-]?\d+\b")
    hidden, shown = {}, {}
    for name, text in pages.items():
        for _caption, header, label, cell in _table_cells(text):
            key = (header, label)
            if cell.strip() == "[c]":
                hidden.setdefault(key, set()).add(name)
            elif figure.search(cell):
                shown.setdefault(key, {}).setdefault(name, cell)
    for key, where_hidden in hidden.items():
        assert key not in shown, f"{key} is [c] on {sorted(where_hidden)} but shown on {sorted(shown[key])}"
    # Every published sentence with a figure, wherever it is printed, is printed in full:
    # a [c] never stands in a row whose statement another page prints with its numbers.
    statements = list(full_batch.tables["case_study_impacts"]["statement"]) + list(
        full_batch.tables["claims"]["claim_quote"]
    )
    for name, text in pages.items():
        body = visible_text(text)
        for statement in statements:
            head = re.sub(r"\s+", " ", statement)[:40]
            if head in body:
                assert "[c]" not in body.split(head, 1)[1][:200], (name, head)
    # The Leeds statements, with their figures, are printed in full on both pages that use them.
    for _, row in full_batch.tables["case_study_impacts"].iterrows():
        assert pct(row["value"]) in row["statement"]
        for name in ("leeds", "programme"):
            assert re.sub(r"\s+", " ", row["statement"]) in visible_text(pages[name]), (name, row["group"])


def test_survey_source_status_on_every_authority_page_and_pooled_figures_only_in_the_programme_report(
    full_batch,
):
    t = full_batch.tables
    survey = t["survey"]
    overall = survey[
        (survey["question"] == "understanding")
        & (survey["item"] == "understand_co_production")
        & (survey["sector"] == "all")
    ].set_index("phase")["value"]
    for _, a in t["authorities"].iterrows():
        text = visible_text(page(full_batch, a["authority_id"]))
        assert f"rose from {pct(overall['pre'])} to {pct(overall['post'])}" not in text, a["authority_id"]
        said = "is one of the" if a["attitude_survey"] == "yes" else "is not among the"
        assert re.search(
            rf"it {said} (\d+ )?authorities the attitude survey report names as the sources of its answers",
            text,
        ), a["authority_id"]
        assert 'href="programme.html#survey"' in page(full_batch, a["authority_id"])


def test_authority_pages_link_the_programme_wide_kpis_instead_of_repeating_them(full_batch):
    t = full_batch.tables
    for authority_id in t["authorities"]["authority_id"]:
        text = page(full_batch, authority_id)
        assert "Key performance measures (programme-wide)" not in text
        assert 'href="programme.html#kpis"' in text
    programme = page(full_batch, "programme")
    for _, k in t["kpis"][t["kpis"]["unit"] == "proportion"].iterrows():
        assert f"<td>{pct(k['value'])}</td>" in programme


def test_programme_report_figures(full_batch):
    t = full_batch.tables
    text = visible_text(page(full_batch, "programme"))
    survey = t["survey"]
    u = survey[(survey["question"] == "understanding") & (survey["item"] == "understand_co_production")]
    for sector, label in [
        ("all", "All respondents"),
        ("vcs", "VCS respondents"),
        ("childrens_centres", "Children's centre respondents"),
    ]:
        pre, post = (u[(u["sector"] == sector) & (u["phase"] == p)]["value"].iloc[0] for p in ("pre", "post"))
        assert f"{label}: {pct(pre)} before, {pct(post)} after" in text
    overall = u[u["sector"] == "all"].set_index("phase")["value"]
    assert f"Understanding of co-production rose from {pct(overall['pre'])} to {pct(overall['post'])}" in text
    evidence = t["evidence"]
    assert (
        f"{int((evidence['status'] == 'unrecorded').sum())} of {len(evidence)} evidence cells still unknown after "
        "filling from other documents" in text
    )
    resp = t["survey_respondents"].set_index(["group", "phase"])["n"]
    assert f"counts {resp[('all', 'pre')]} responses before and {resp[('all', 'post')]} after" in text
    # Nine impacts per sector: count of impacts higher after by more than the plan's 2-point tolerance,
    # from the survey table.
    impacts = survey[survey["question"] == "impacts"].pivot_table(
        index=["sector", "item"], columns="phase", values="value"
    )
    for sector, label in [("vcs", "VCS respondents"), ("childrens_centres", "Children's centre respondents")]:
        s = impacts.loc[sector]
        up = int(((s["post"] - s["pre"]) * 100 > 2 + 1e-9).sum())
        assert f"{label}: higher after the workshops on {up} of {len(s)} impacts" in text
    # KPI comparison in words.
    kpis = t["kpis"][t["kpis"]["unit"] == "proportion"].pivot_table(
        index=["kpi", "measure"], columns="year", values="value"
    )
    higher = int(((kpis[YEAR_TWO] - kpis[YEAR_ONE]) * 100 > 2 + 1e-9).sum())  # beyond the plan's tolerance
    first, last = YEAR_ONE, YEAR_TWO
    assert f"{higher} of {len(kpis)} percentage KPIs were higher in {last} than in {first}" in text


def test_programme_report_has_claim_audit_with_every_claim(full_batch):
    t = full_batch.tables
    text = visible_text(page(full_batch, "programme"))
    claims = t["claims"]
    assert f"{len(claims)} claims checked" in text
    # Two questions, two columns; counts of each answer computed from the audit.
    from lib import report
    from lib.analysis import claim_verdict

    audit = report.claim_audit(report.load_workbook(full_batch.processed))
    assert "Do the data point the way the claim says?" in text and "Could it be chance?" in text
    for value, n in audit["direction"].value_counts().items():
        assert f"{value}: {n}" in text
    # Verdicts first: a count summary, then one card per claim in verdict order.
    for value, n in audit["verdict"].value_counts().items():
        assert re.search(
            rf"<th scope=\"row\">{re.escape(value[:1].upper() + value[1:])}</th><td>{n}</td>",
            page(full_batch, "programme"),
        )
    cards = re.findall(r'<p class="verdict">Verdict — ([^<]+)</p>', page(full_batch, "programme"))
    assert len(cards) == len(audit)
    order = [claim_verdict.VERDICTS.index(c[:1].lower() + c[1:]) for c in cards]
    assert order == sorted(order)
    assert claim_verdict.CAUSAL_WORDS in text
    # Folded: one closed <details> per verdict group.
    groups = re.findall(r'<details class="audit-group">', page(full_batch, "programme"))
    assert len(groups) == audit["verdict"].nunique()
    for quote in claims["claim_quote"]:
        assert re.sub(r"\s+", " ", quote)[:50] in text


def test_programme_report_embeds_the_widget_state(full_batch):
    nb = nbformat.read(full_batch.out / "notebooks" / "programme.ipynb", as_version=4)
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    dropdowns = [m for m in state.values() if m["model_name"] == "DropdownModel"]
    assert {d["state"]["description"] for d in dropdowns} == {"Question", "Sector"}
    # the explorer's page carries the widgets; the programme report links to it and carries none
    html_text = (full_batch.html / site.EXPLORER_PAGE).read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" in html_text
    assert "application/vnd.jupyter.widget-view+json" in html_text
    programme = page(full_batch, "programme")
    assert "application/vnd.jupyter.widget" not in programme and "requirejs" not in programme
    assert f'href="{site.EXPLORER_PAGE}"' in programme
    entry = next(
        e
        for e in json.loads((full_batch.out / "manifest.json").read_text())["reports"]
        if e["id"] == "programme"
    )
    assert (
        entry["outputs"]["explorer"] == f"html/{site.EXPLORER_PAGE}" and "explorer" in entry["output_sha256"]
    )


#: The programme report must be light enough to email (issue 19): at most 2 MB rendered.
PROGRAMME_PAGE_LIMIT = 2 * 1000 * 1000


def test_programme_page_is_at_most_2_mb(full_batch):
    size = (full_batch.html / "programme.html").stat().st_size
    explorer = (full_batch.html / site.EXPLORER_PAGE).stat().st_size
    print(f"\nprogramme.html {size / 1e6:.2f} MB; {site.EXPLORER_PAGE} {explorer / 1e6:.2f} MB")
    assert size <= PROGRAMME_PAGE_LIMIT, f"programme.html is {size / 1e6:.2f} MB"


def test_unknown_authority_is_a_one_line_error(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.batch",
            "--authorities",
            "leeds,narnia",
            "--output-dir",
            str(tmp_path / "out"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: unknown authority 'narnia'; valid ids: ")
    authorities = pd.read_csv(evaluation.PROCESSED_DIR / "authorities.csv")
    for aid in authorities["authority_id"]:
        assert aid in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.html"))


def test_a_failing_report_leaves_the_others_complete(evaluation_build, tmp_path):
    """Leeds's evidence rows removed: its report raises, Barnet's is unaffected."""
    processed = tmp_path / "processed"
    shutil.copytree(evaluation_build.processed, processed)
    evidence = pd.read_csv(processed / "evidence.csv", dtype=str, keep_default_na=False)
    evidence[evidence["authority_id"] != "leeds"].to_csv(processed / "evidence.csv", index=False)
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.batch",
            "--authorities",
            "leeds,barnet",
            "--no-programme",
            "--processed-dir",
            str(processed),
            "--output-dir",
            str(out),
            "--quiet",
            "--timeout",
            "180",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    summary = proc.stdout
    assert re.search(r"^leeds\s+failed", summary, re.M)
    assert re.search(r"^barnet\s+ok", summary, re.M)
    barnet = (out / "html" / "barnet.html").read_text()
    assert "Barnet: evaluation report" in visible_text(barnet)
    failed_nb = nbformat.read(out / "notebooks" / "leeds.ipynb", as_version=4)
    errors = [o for c in failed_nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors, "the failed notebook keeps its error"
    assert (out / "html" / "leeds.html").exists()
    index = visible_text((out / "html" / "index.html").read_text())
    assert re.search(r"Leeds.*?[Ff]ailed", index)
