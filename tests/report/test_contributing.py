"""docs/contributing.md: its section map is the registries' (generated, never stale)."""

from __future__ import annotations

import re

from lib.report import contributing, pages


def test_the_guides_section_map_is_up_to_date():
    text = contributing.GUIDE.read_text(encoding="utf-8")
    assert contributing.updated(text) == text, (
        "docs/contributing.md is stale: run python -m lib.report.contributing"
    )
    assert contributing.main(["--check"]) == 0


def test_the_map_lists_every_registered_section_in_order():
    text = contributing.section_map()
    for page in pages.PAGES:
        table = text.split(f"### `{page.notebook}`")[1].split("###")[0]
        assert re.findall(r"^\| \d+ \| `([^`]+)`", table, re.M) == [s.id for s in page.sections]
        assert re.findall(r"^\| \d+ \| `[^`]+` \| [^|]+ \| `([^`]+)`", table, re.M) == [
            s.function for s in page.sections
        ]


def test_templates_are_found_through_the_modules_own_helpers():
    from lib.report import authority_page, summary, survey

    assert contributing.templates_of(summary.programme_summary) == ["summary.j2"]
    assert "link_line.j2" in contributing.templates_of(
        authority_page.case_study
    )  # via case_study_impact_table
    assert "second_chart.j2" in contributing.templates_of(survey.survey_sections)  # via survey_understanding


def test_a_stale_map_is_reported(monkeypatch, tmp_path, capsys):
    guide = tmp_path / "contributing.md"
    guide.write_text(f"intro\n{contributing.START}\nold table\n{contributing.END}\nrest\n", encoding="utf-8")
    monkeypatch.setattr(contributing, "GUIDE", guide)
    assert contributing.main(["--check"]) == 1
    assert "is stale" in capsys.readouterr().out
    assert contributing.main([]) == 0 and contributing.main(["--check"]) == 0
    assert guide.read_text(encoding="utf-8").startswith("intro\n") and "| `summary` |" in guide.read_text()
