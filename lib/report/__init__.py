"""Report sections: narrative, tables and charts built from data/processed/.

The report notebooks are thin: each code cell calls one function of this
package and displays what it returns (``markupsafe.Markup``, trusted HTML
rendered from the Jinja templates in ``templates/`` with autoescape). Every
sentence that carries a figure or a comparison is generated from the
processed tables, and every word that names a part of the programme (its
years, sectors, questions, evidence legend, authorities) comes from the
programme definition (:mod:`lib.programme`) or the tables.

Layout (one module per report part):

- ``workbook``: the processed tables read once; the programme's vocabulary in reader's words
- ``format``: the one home of percentages, signed points, intervals, counts and list phrases
- ``html``: Markup fragments from templates (tables, paragraphs, quotations, notes)
- ``charts``: accessible matplotlib figures with alt text and data tables
- ``common``: caveat links and the evidence legend
- ``authority_page``: the authority report's sections
- ``facts``: facts derived from the tables, each worked out once (withdrawal, the positive status)
- ``evidence``: evidence coverage, by authority and overall
- ``survey``: the attitude survey before and after
- ``survey_responses``: results from respondent-level survey data, where they exist
- ``programme``: the programme report's sections
- ``claims_audit``: the claim audit and the success-measure judgement
- ``summary``: the programme summary, methods and limitations, cross-authority comparison
- ``explorer``: ipywidgets explorers over the same sections
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
    survey_note,
    withdrawal_meaning,
)
from lib.report.claims_audit import (  # noqa: F401
    audit_counts,
    claim_audit,
    claim_audit_section,
    success_judgement,
    success_measure_section,
)
from lib.report.common import caveat_link, caveats_paragraph, evidence_statuses, status_label  # noqa: F401
from lib.report.evidence import (  # noqa: F401
    authority_evidence,
    evidence_counts,
    evidence_coverage,
    evidence_key_order,
    evidence_matrix,
    evidence_status_counts,
    status_count_phrase,
)
from lib.report.facts import Withdrawal, positive_status, withdrawal  # noqa: F401
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
    index_summaries,
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
    understanding_changes,
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
