"""Report sections: narrative, tables and charts built from data/processed/.

The report notebooks are thin: each code cell calls one section function of
this package, by the name it is defined with, and displays what it returns (``markupsafe.Markup``, trusted HTML
rendered from the Jinja templates in ``templates/`` with autoescape). Every
sentence that carries a figure or a comparison is generated from the
processed tables, and every word that names a part of the programme (its
years, sectors, questions, evidence legend, authorities) comes from the
programme definition (:mod:`lib.programme`) or the tables.

Layers, bottom up (a module imports only from the layers below it, and
sections never import each other):

Primitives
- ``format``: the one home of percentages, signed points, intervals, counts and list phrases
- ``html``: Markup fragments from templates (tables, paragraphs, quotations, notes, the style sheet)
- ``charts``: accessible matplotlib figures with alt text and data tables
- ``workbook``: the processed tables read once; the programme's vocabulary in reader's words
- ``common``: caveat links and the evidence legend
- ``facts``: facts derived from the tables, each worked out once (withdrawal, evidence counts,
  the claim audit, the success judgement, the survey's changes, the design's rung of evidence)
- ``pages``: the page registries (each page's sections in order: id, heading, function)

Sections (the modules :mod:`lib.report.pages` names)
- ``authority_page``: the authority report's sections
- ``programme``: the programme report's title, participation, KPIs, themes, conclusions, data quality
- ``summary``: the programme summary, methods and limitations, cross-authority comparison
- ``evidence``: evidence coverage
- ``survey``: the attitude survey before and after
- ``survey_responses``: results from respondent-level survey data, where they exist
- ``claims_audit``: the claim audit and the success-measure judgement

Views over the sections
- ``explorer``: ipywidgets explorers showing the same sections
- ``contributing``: writes the section map into docs/contributing.md

The names below are re-exported under the names they are defined with, for
callers that ``from lib import report``.
"""

from __future__ import annotations

from lib.report.authority_page import (  # noqa: F401
    authority_summary,
    case_study,
    case_study_impact_table,
    case_study_sections,
    evidence_row,
    participation,
    profile,
    programme_context,
    supports,
    withdrawal_meaning,
)
from lib.report.claims_audit import audit_counts, claim_audit_section, success_measure_section  # noqa: F401
from lib.report.common import caveat_link, caveats_paragraph, evidence_statuses, status_label  # noqa: F401
from lib.report.evidence import evidence_coverage, evidence_key_order, evidence_matrix  # noqa: F401
from lib.report.facts import (  # noqa: F401
    Withdrawal,
    authority_evidence,
    claim_audit,
    evidence_counts,
    evidence_status_counts,
    kpi_years,
    participation_flags,
    positive_status,
    status_count_phrase,
    success_judgement,
    understanding_changes,
    withdrawal,
)
from lib.report.format import count_phrase, list_phrase, percent, signed_points  # noqa: F401
from lib.report.programme import (  # noqa: F401
    activity_sentences,
    conclusions,
    data_quality_section,
    kpi_comparison,
    kpi_table,
    participation_overview,
    programme_design_section,
    programme_title,
    themes_section,
)
from lib.report.summary import (  # noqa: F401
    authority_comparison,
    design,
    key_findings,
    methods_section,
    programme_summary,
    recommendations,
)
from lib.report.survey import (  # noqa: F401
    base_note,
    comment_shares,
    derived_suppressed,
    impacts_table,
    publishable,
    survey_impacts,
    survey_sections,
    survey_understanding,
    understanding_table,
)
from lib.report.survey_responses import authority_survey, programme_survey  # noqa: F401
from lib.report.workbook import (  # noqa: F401
    ACTIVITY,
    CAVEATS_PAGE,
    QUALITY_LOG_PAGE,
    UnknownAuthority,
    Workbook,
    load_workbook,
    programme_name,
    sector_phrase,
    sector_title,
    source_doc,
    year_label,
    years_phrase,
)
