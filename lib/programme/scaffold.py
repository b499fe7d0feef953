"""``python -m lib.programme new DIR``: a minimal programme that builds and renders as it stands.

It writes a programme folder (:mod:`lib.programme.folder`): a definition with
three example authorities, two years, two evidence items and a small survey;
an evaluation plan; a caveats note; and the required raw tables with a few
example rows, each marked as an example to replace: the authorities, the
evidence matrix and the survey (the evidence matrix and the survey are listed
under ``optional_tables``; a programme needs at least one evidence source). The
other optional raw tables are written as header-only templates under
``templates/``: fill one in, move it into ``raw/`` and list it under
``optional_tables`` in the definition.
Nothing in it names another programme.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from lib.config import DEFAULT_PROGRAMME_DIR
from lib.programme.folder import CAVEATS_NAME, DEFINITION_NAME, NOTES_NAME, PLAN_NAME, RAW_NAME, WORDING_NAME
from lib.programme.model import OPTIONAL_TABLES

TEMPLATES_NAME = "templates"

DEFINITION = """\
# The programme's definition: what the workbook needs to know about it.
# Every key is documented in data/README.md ("Programme definition").
# Written by `python -m lib.programme new`: replace the example values with your programme's.
schema_version: 1
programme:
  id: example-programme
  name: Example programme
  years:
  - {id: 2025-26, key: year_one, label: 2025-26 (first year), spellings: [first year]}
  - {id: 2026-27, key: year_two, label: 2026-27 (second year), spellings: [second year]}
source_documents:
- {id: programme_report, file: 001_0000000000000001.txt, title: Programme report}
- {id: survey_report, file: 002_0000000000000002.txt, title: Survey report}
authorities:
- {id: northfield, name: Northfield}
- {id: eastbrook, name: Eastbrook, spellings: [Eastbrook City Council]}
- {id: westmere, name: Westmere}
evidence:
  items:
  - {id: delivery_plan, label: Delivery plan}
  - {id: progress_report, label: Progress report}
  statuses:
  - {id: available, code: Y, label: available, colour: '#08306B', text_colour: '#FFFFFF'}
  - {id: not_produced, code: N, label: not produced, colour: '#D55E00', text_colour: '#000000'}
  - {id: unrecorded, code: '?', label: not recorded, colour: '#FFFFFF', text_colour: '#000000'}
  printed_codes:
  - {printed: 'yes', status: available, in_printed_legend: true, basis: printed 'yes'}
  - {printed: 'no', status: not_produced, in_printed_legend: true, basis: printed 'no'}
  - {printed: '', status: unrecorded, basis: cell printed blank}
  not_printed: {code: '[not printed]', status: unrecorded, basis: row cut short in the source}
profile_questions:
- {id: aims, label: Local aims}
kpis:
- {id: people_reached, label: People reached}
survey:
  phases:
  - {id: pre, spellings: [before]}
  - {id: post, spellings: [after]}
  - {id: unstated, spellings: ['']}
  sectors:
  - {id: all, label: All respondents, title: All respondents, phrase: all respondents,
     claim_word: all respondents, spellings: [all]}
  - {id: partners, label: Partner organisations, title: Partner respondents,
     phrase: partner respondents, claim_word: partners, spellings: [partners], in_explorer: true}
  respondent_groups:
  - {id: all, spellings: [everyone]}
  - {id: partners, spellings: [partner organisations], in_sector_total: true}
  questions:
  - {id: confidence, number: 1, label: Q1 Confidence in working together (scale 1-5),
     explorer_label: Confidence (Q1), base: respondents}
  - {id: benefits, number: 2, label: Q2 Expected benefits (scale 1-5),
     explorer_label: Expected benefits (Q2), base: respondents}
  - {id: comments, number: 3, label: Q3 What worked well (share of comments),
     explorer_label: What worked well (Q3), base: comments, printed_prefix: q3}
  understanding_items:
  - {id: confident, label: Confident working together, chart_title: confidence in working together,
     note: the survey report's chart}
  impacts:
  - {id: better_services, label: Better services, spellings: [better services]}
  - {id: shared_learning, label: Shared learning, spellings: [shared learning]}
  lost_label: '[label not printed]'
  responses: {scale: [1, 5]}
themes:
  items:
  - {id: partnership, label: Partnership}
commissioning: {}
statements:
  all_years: [both years]
# The optional raw tables this programme has (in raw/); the others have templates in templates/.
# Only raw/programme_membership.csv and at least one evidence source are required.
optional_tables: [evidence_matrix.csv, survey_respondents.csv, survey_understanding.csv, survey_impacts.csv,
  survey_comment_shares.csv]
"""

PLAN = """\
# The evaluation plan: what the programme's evaluation did, and how its results are judged.
# Replace the example values with your plan's.
design:
  summary: Respondents answered the same survey before and after the programme's events.
  comparison_group: false
  linked_respondents: false
  outcomes_measured: before and after each event
  kind: unlinked
rating_scale:
  name: Maryland Scientific Methods Scale
  version: What Works Centre for Local Economic Growth (2016)
  source: https://whatworksgrowth.org/resource-library/the-maryland-scientific-methods-scale-sms/
  levels: {unlinked: 1, linked: 1, comparison: 3, linked_comparison: 3}
  level_max: 5
  level_text:
    1: Either (a) a cross-sectional comparison of treated groups with untreated groups, or (b) a
      before-and-after comparison of treated group, without an untreated comparison group.
    3: Comparison of outcomes in treated group after an intervention, with outcomes in the treated
      group before the intervention, and a comparison group used to provide a counterfactual.
decision_rules:
  alpha: 0.05
  power: 0.80
  tolerance_points: 2
  both_ends: true
  target_change_points: 10
success_criteria:
# An example to replace: quote the programme's own words for success, say where they are
# printed, and which survey comparisons stand for them (and why).
- id: working_together
  criterion: Partners say they work together better.
  source: 001_0000000000000001.txt § 1
  measures:
  - {question: benefits, sectors: [partners]}
  reasoning: >-
    The survey's expected-benefit ratings from partner organisations are the programme's
    only measure of how partners see their joint work.
confidence_rubric:
  levels:
  - {id: high, text: Further evidence is very unlikely to change the finding.}
  - {id: moderate, text: "Further evidence is unlikely to change the finding much, but could."}
  - {id: low, text: Further evidence could well change the finding.}
  - {id: very_low, text: The finding is very uncertain.}
  # Where a finding starts, by what it rests on: a count from the documents, or a change.
  starts: {count: high, change: low}
  lowered_by:
  - {id: imprecision, text: the change is not clear of chance at both ends of the base range}
  - {id: indirectness, text: the measure stands in for the outcome of interest rather than measuring it}
  - {id: missing_data, text: some of what is counted is not stated in any document}
  - {id: rule_dependence, text: the answer depends on a reading rule a reasonable reader could set differently}
  raised_by:
  - {id: large_change, text: the change is clear of chance and at least the target change}
"""

CAVEATS = """\
# Assumptions and caveats

Write here, for readers, the limits of the evidence the reports stand on. Each
entry below is linked from the reports as `caveats.html#c1`, `#c2` ...

## C1 Example survey

**What this means for the reports.** The figures in these reports come from
example rows: replace them with your programme's own data.

**The detail.** The example survey has no comparison group, so a change
between the two rounds of answers is not shown to be caused by the programme.
"""

WORDING_TEMPLATE = """\
# Sentences only your programme can say (data/README.md, "The programme's own wording").
# Uncomment and write your own; without them the reports use wording true of any programme.
# events: the events
# survey_lead: Respondents answered at the start and the end of each event.
"""

SOURCE_PROGRAMME = "001_0000000000000001.txt § 1 Example"
SOURCE_SURVEY = "002_0000000000000002.txt § 2 Example"

RAW: dict[str, list[list[str]]] = {
    "programme_membership.csv": [
        ["authority_as_printed", "years_stated", "quote", "source", "transcription_note", "year_inference"],
        ["Northfield", "2025-26;2026-27", "Northfield took part in both years (example).", SOURCE_PROGRAMME, "", ""],
        ["Eastbrook City Council", "2025-26", "Eastbrook joined in the first year (example).", SOURCE_PROGRAMME, "", ""],
        ["Westmere", "2026-27", "Westmere joined in the second year (example).", SOURCE_PROGRAMME, "", ""],
    ],
    "evidence_matrix.csv": [
        ["item_order", "evidence_item", "column_position", "authority_as_printed", "cell_as_printed",
         "cell_printed", "source"],
        *[
            [str(i), item, str(j), name, cell, "yes", SOURCE_PROGRAMME]
            for i, (item, cells) in enumerate(
                [("Delivery plan", ["yes", "yes", "no"]), ("Progress report", ["yes", "", "no"])], start=1
            )
            for j, (name, cell) in enumerate(zip(["Northfield", "Eastbrook", "Westmere"], cells, strict=True), 1)
        ],
    ],
    "survey_respondents.csv": [
        ["phase_as_printed", "group_as_printed", "n", "quote", "source"],
        ["before", "everyone", "60", "60 people answered before (example).", SOURCE_SURVEY],
        ["after", "everyone", "50", "50 people answered after (example).", SOURCE_SURVEY],
        ["", "partner organisations", "40", "partner organisations: 40 (example)", SOURCE_SURVEY],
    ],
    "survey_understanding.csv": [
        ["chart_title_as_printed", "phase_as_printed", "position", "series_as_printed", "value_as_printed",
         "source"],
        ["Confidence in working together", "Before", "1", "All", "0.40", SOURCE_SURVEY],
        ["Confidence in working together", "Before", "2", "Partners", "0.35", SOURCE_SURVEY],
        ["Confidence in working together", "After", "1", "All", "0.60", SOURCE_SURVEY],
        ["Confidence in working together", "After", "2", "Partners", "0.55", SOURCE_SURVEY],
    ],
    "survey_impacts.csv": [
        ["chart_title_as_printed", "sector_as_printed", "phase_as_printed", "position", "label_as_printed",
         "value_as_printed", "source"],
        ["Partners expect ...", "Partners", "Before", "1", "Better services", "0.50", SOURCE_SURVEY],
        ["Partners expect ...", "Partners", "Before", "2", "Shared learning", "0.30", SOURCE_SURVEY],
        ["Partners expect ...", "Partners", "After", "1", "Better services", "0.65", SOURCE_SURVEY],
        ["Partners expect ...", "Partners", "After", "2", "Shared learning", "0.45", SOURCE_SURVEY],
    ],
    "survey_comment_shares.csv": [
        ["question_as_printed", "list_title_as_printed", "sector_as_printed", "phase_as_printed", "position",
         "label_as_printed", "value_as_printed", "transcription_note", "source"],
        ["Q3 What worked well?", "Partners", "Partners", "Before", "1", "Meeting in person", "40%", "", SOURCE_SURVEY],
        ["Q3 What worked well?", "Partners", "Partners", "Before", "2", "Shared plans", "60%", "", SOURCE_SURVEY],
        ["Q3 What worked well?", "Partners", "Partners", "After", "1", "Meeting in person", "55%", "", SOURCE_SURVEY],
        ["Q3 What worked well?", "Partners", "Partners", "After", "2", "Shared plans", "45%", "", SOURCE_SURVEY],
    ],
}  # fmt: skip


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def template_headers() -> dict[str, str]:
    """Each optional raw table's header line, as this project's own raw tables print it
    (the raw contract checks the same columns: ``tests/programme/test_scaffold.py``)."""
    headers = {}
    for name in OPTIONAL_TABLES:
        if name in RAW:
            continue
        path = DEFAULT_PROGRAMME_DIR / RAW_NAME / name
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as handle:
                headers[name] = _csv([next(csv.reader(handle))])
    return headers


def write_programme(folder: Path) -> list[Path]:
    """Write the minimal programme into ``folder`` (which must not exist or be empty); the files written."""
    files = {
        folder / DEFINITION_NAME: DEFINITION,
        folder / PLAN_NAME: PLAN,
        folder / NOTES_NAME / CAVEATS_NAME: CAVEATS,
        folder / NOTES_NAME / WORDING_NAME: WORDING_TEMPLATE,
        **{folder / RAW_NAME / name: _csv(rows) for name, rows in RAW.items()},
        **{folder / TEMPLATES_NAME / name: header for name, header in template_headers().items()},
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(files)


def new_programme(folder: Path) -> int:
    """The command: write the programme, or one line saying why not (exit status 1)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        print(f"error: {folder}: expected a new or empty folder (nothing was written)", file=sys.stderr)
        return 1
    files = write_programme(folder)
    print(f"wrote a minimal programme in {folder}/ ({len(files)} files). Next:")
    print(f"  python -m lib.programme check {folder}")
    print(f"  python -m lib.evaluation build --programme {folder}")
    print(f"  python -m lib.run --programme {folder}      (or: make reports PROGRAMME={folder})")
    return 0
