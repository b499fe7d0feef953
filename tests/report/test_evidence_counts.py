"""The evidence matrix's unreadable cells and the years inferences give, read off the rendered pages
(issue 17; the funder's A7, A8, A9 and the auditor's items 2 and 10c).

Every sentence on every page that counts the matrix's unreadable cells names its stage ("in the printed
text" or "still unknown after filling from other documents") and gives that stage's count; every place a
year shows marks the years only an inference gives, the identification inferences (004 § 2.2 names
'Telford' and 'Northampton') among them; the short printed row's alignment assumption is on the
authority pages; an authority that withdrew says so first.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from _leaks import visible_text

from lib.analysis import unreadable
from lib.config import RAW_DIR
from lib.programme import wording
from lib.report import authority_page, authority_supports, brief, facts, pages, workbook
from lib.run import index
from lib.run.render import render_caveats

PRINTED, LEFT = unreadable.PRINTED_STAGE, unreadable.LEFT_STAGE


@pytest.fixture(scope="module")
def site(evaluation_build):
    wb = workbook.load_workbook(evaluation_build.processed)
    texts = {"programme": visible_text(pages.PROGRAMME_PAGE.render(wb))}
    texts |= {
        aid: visible_text(pages.AUTHORITY_PAGE.render(wb, aid)) for aid in wb.authorities["authority_id"]
    }
    texts["caveats"] = visible_text(render_caveats(processed_dir=evaluation_build.processed))
    texts["brief"] = visible_text(brief.brief_body(brief.brief_tables(wb), wb.programme.name))
    return wb, texts, index.authority_summaries(evaluation_build.processed)


def _raw_matrix() -> pd.DataFrame:
    return pd.read_csv(RAW_DIR / "evidence_matrix.csv", dtype=str, keep_default_na=False)


def test_unreadable_counts_are_the_sources(site):
    """The source (002, Range of Evidence, as transcribed): 113 cells print blank and 2 were never
    printed; 8 of them are filled from other documents, leaving 106 blank and 1 never printed."""
    wb, _, _ = site
    raw = _raw_matrix()
    printed = raw["cell_printed"] == "yes"
    u = facts.evidence_unreadable(wb, wb.evidence)
    assert (u.blank, u.not_printed) == (
        int((printed & (raw["cell_as_printed"].str.strip() == "")).sum()),
        int((~printed).sum()),
    )
    assert (u.cells, u.blank, u.not_printed, u.filled, u.left_blank, u.left_not_printed) == (
        180,
        113,
        2,
        8,
        106,
        1,
    )
    assert (u.printed, u.left) == (115, 107)


def test_every_sentence_counting_unreadable_cells_names_its_stage_and_agrees(site):
    """Today the programme page says '115 ... print blank or were cut off' and '106 print blank and 1 was
    never printed' with no stage, and Methods '106 of 180 cells print blank ... and 1 more was never
    printed', which reads as the source's count."""
    wb, texts, _ = site
    u = facts.evidence_unreadable(wb, wb.evidence)
    by_stage = {
        PRINTED: (u.printed, u.blank, u.not_printed),
        LEFT: (u.left, u.left_blank, u.left_not_printed),
    }
    checked = 0
    for page, text in texts.items():
        for clause in re.split(r"(?<=[.;])\s+", text):
            total = re.search(
                rf"(\d+) of (?:the |its )?{u.cells} (?:evidence |authority-by-item )?cells", clause
            )
            blank = re.search(r"(\d+) (?:print |prints )?blank\b", clause)
            cut = re.search(r"(\d+) (?:more )?(?:(?:was|were) )?never printed", clause)
            if not (total or blank or cut):
                continue
            stages = [s for s in by_stage if s in clause]
            assert len(stages) == 1, (page, clause)
            want = by_stage[stages[0]]
            for found, expected in zip((total, blank, cut), want, strict=True):
                assert found is None or int(found.group(1)) == expected, (page, clause)
            checked += 1
    assert checked >= 5
    assert "print blank or were cut off" not in texts["programme"]
    assert "1 more was never printed" not in texts["programme"]
    # the one reconciling statement, in the evidence section and in Methods alike
    assert texts["programme"].count(u.sentence(wb.programme.note("lost_glyph"))) == 2


def test_the_caveats_name_the_never_printed_cells_at_both_stages(site):
    """The caveats name the two cells never printed (the printed text) and the one still unknown."""
    wb, texts, _ = site
    ev = wb.evidence
    cut = ev["raw_code"] == wb.programme.not_printed.printed
    named = set(ev[cut]["authority"])
    still = set(ev[cut & (ev["status"] == "unrecorded")]["authority"])
    assert (len(named), len(still)) == (facts.evidence_unreadable(wb, ev).not_printed, 1)
    sentence = next(s for s in re.split(r"(?<=\.)\s+", texts["caveats"]) if "no cell was printed for" in s)
    assert PRINTED in sentence and LEFT in sentence
    assert all(n in sentence for n in named)
    assert f"so {list(still)[0]}'s is the one never-printed cell" in sentence


def test_identification_inference_years_are_marked_everywhere(site, evaluation_build):
    """Telford and Wrekin and Northamptonshire are placed in 2012-13 only by reading 004's 'Telford' and
    'Northampton' as them: authorities.csv, the programme page's table and chart, the index and their
    pages mark the year as an inference, as Leeds's is (today: 'yes', drawn solid, 'Took part in 2012-13')."""
    wb, texts, summaries = site
    a = wb.authorities.set_index("authority_id")
    identified = {"telford-and-wrekin", "northamptonshire"}
    for aid in identified | {"leeds", "richmond-upon-thames"}:
        assert a.loc[aid, "years_inferred"] == a.loc[aid, "years"], aid
        assert "(an inference" in summaries[aid].line, summaries[aid].line
    for aid in set(a.index) - identified - {"leeds", "richmond-upon-thames"}:
        assert a.loc[aid, "years_inferred"] == "", aid
    flags = facts.participation_flags(wb).set_index("authority_id")
    assert (flags.loc[sorted(identified), "2012-13"] == workbook.INFERRED_YEAR).all()
    table = re.search(
        r"Participation by authority and year.*?Authority 2011-12 2012-13 Withdrew(.*?)(?:Data table|$)",
        texts["programme"],
    )
    assert table and "Telford and Wrekin no yes (inferred)" in table.group(1)
    assert "Northamptonshire no yes (inferred)" in table.group(1)
    assert "Telford and Wrekin: 2012-13 (an inference)" in texts["programme"]  # the chart's text
    assert (
        "Northamptonshire in 2012-13" in texts["programme"]
        and "a place name read as the authority" in texts["programme"]
    )
    download = pd.read_csv(evaluation_build.processed / "authorities.csv", dtype=str, keep_default_na=False)
    assert set(download[download["years_inferred"] != ""]["authority_id"]) >= identified
    for aid in identified:
        assert "(an inference: no document states the year under this authority's name)" in texts[aid]


def test_the_short_rows_alignment_is_stated_on_the_authority_pages(site):
    """Richmond's and Luton's 'Attitude survey not applicable' cells (and Westminster's never-printed one)
    sit where the short printed row's assumed alignment puts them: the page says so."""
    wb = site[0]
    for aid in ("richmond-upon-thames", "luton", "westminster", "barnet"):
        text = visible_text(authority_supports.supports(wb, aid))
        assert (
            "the Attitude survey cell is placed by an assumption: this row prints 13 cells for 15 authorities"
            in text
        ), aid
    # a page whose cells are all in full rows says nothing of it for them
    text = visible_text(authority_supports.supports(wb, "kent"))
    assert text.count("placed by an assumption") == 1


def test_a_withdrawal_opens_the_summary_and_sits_beside_every_count(site):
    wb, texts, _ = site
    summary = visible_text(authority_page.authority_summary(wb, "richmond-upon-thames")).split("Summary", 1)[
        1
    ]
    first = summary.strip().split(". ")[0]
    assert "withdrew from the programme (local authority capacity issues) before the workshop" in first
    assert summary.count("not a programme year") == 1
    # its year's reasoning says each point once (today 60 words, 'not a programme year' twice)
    why = re.search(r"\(an inference: (.*?)\);", summary)
    assert why and len(why.group(1).split()) <= 45 and "May 2012" in why.group(1)
    left = facts.withdrawals(wb.case_study_facts)
    names = [wb.name(a) for a in left]
    glance = re.search(
        r"The programme worked with (\d+) local authorities, 1 of which \((.*?)\) withdrew",
        texts["programme"],
    )
    assert glance and glance.groups() == (str(len(wb.authorities)), *names)
    assert f"in 2012-13, 1 of which ({names[0]}) withdrew before the workshop" in texts["programme"]


def test_the_survey_coverage_is_said_from_the_data(site):
    """The survey report names 7 authorities (004 § 2.2), of the 10 the documents place in 2012-13;
    no document gives the share of attendees who answered."""
    wb, texts, _ = site
    why = re.search(r"Why: Attendees.*?answered\.", texts["programme"])
    assert why and "at the end of each 2012-13 workshop" not in texts["programme"]
    assert "names 7 of the 10 authorities the documents place in 2012-13" in why.group(0)
    assert "it does not name Darlington, Knowsley or Richmond upon Thames (which withdrew)" in why.group(0)
    assert f"No document gives the share of those at {wording('events')} who answered." in why.group(0)


def test_the_cannot_show_judgement_is_a_list(site):
    """Today: 'It cannot show whether ..., any answer ... and any outcome ...; whether the programme changed
    anything in Richmond upon Thames: cannot be tested.' (one run-on sentence, the verdict after a colon)."""
    wb, _, _ = site
    text = visible_text(authority_supports.supports(wb, "richmond-upon-thames"))
    cannot = text.split("It cannot show: ", 1)[1].rstrip()
    items = cannot.removesuffix(".").split("; ")
    assert len(items) == 4, items
    assert items[1:] == [
        "any answer from its participants in the attitude survey report",
        f"any outcome of {wording('events')} there",
        "or whether the programme changed anything in Richmond upon Thames (cannot be tested)",
    ]
    assert ": cannot be tested" not in text
