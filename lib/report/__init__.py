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
- ``charts``: accessible matplotlib figures with alt text, data tables and a phone variant
- ``chart_cache``: each chart's images drawn once per figure state (reused across kernels and runs)
- ``figures``: the forest plot of every change, the participation timeline, the evidence grid
- ``workbook``: the processed tables read once; the programme's vocabulary in reader's words
- ``common``: caveat links and the evidence legend
- ``facts``: facts derived from the tables, each worked out once (withdrawal, evidence counts,
  the claim audit, the success judgement, the survey's changes, the design's rung of evidence)
- ``pages``: the page registries (each page's sections in order: id, heading, function)
- ``recommendations``: the summary's recommendations, each resting on named findings and a figure

Sections (the modules :mod:`lib.report.pages` names)
- ``authority_page``: the authority report's sections
- ``programme``: the programme report's title, participation, KPIs, themes, conclusions, data quality
- ``summary``: the programme summary, methods and limitations, cross-authority comparison
- ``evidence``: evidence coverage
- ``survey``: the attitude survey before and after
- ``survey_responses``: results from respondent-level survey data, where they exist
- ``claims_audit``: the claim audit and the success-measure judgement
- ``changes``: every before/after change on one chart (a forest plot)

Views over the sections
- ``explorer``: ipywidgets explorers showing the same sections
- ``contributing``: writes the section map into docs/contributing.md

The names in :data:`EXPORTS` are reachable as ``report.<name>`` (under the
names they are defined with) for callers that ``from lib import report``;
each is imported on first use, so importing one module of the package (the
run index reads :mod:`lib.report.facts`) does not import them all.
"""

from __future__ import annotations

import importlib

#: module -> the names ``report.<name>`` reaches in it (imported on first use).
EXPORTS: dict[str, tuple[str, ...]] = {
    "authority_page": (
        "authority_summary",
        "case_study",
        "case_study_impact_table",
        "case_study_sections",
        "claims",
        "participation",
        "profile",
        "programme_context",
        "sources_say",
        "withdrawal_meaning",
    ),
    "authority_supports": (
        "change_verdict",
        "supports",
        "supports_sentence",
    ),
    "claims_audit": (
        "audit_counts",
        "claim_audit_section",
    ),
    "judgement": (
        "decision_box",
        "how_judged",
        "success_measure_section",
    ),
    "common": (
        "caveat_link",
        "caveats_paragraph",
        "evidence_statuses",
        "status_label",
    ),
    "evidence": (
        "evidence_coverage",
        "evidence_key_order",
        "evidence_matrix",
    ),
    "facts": (
        "Coverage",
        "Withdrawal",
        "coverage",
        "design",
        "withdrawals",
        "authority_evidence",
        "claim_audit",
        "evidence_status_counts",
        "percentage_kpi_years",
        "participation_flags",
        "positive_status",
        "understanding_changes",
        "withdrawal",
    ),
    "format": (
        "count_phrase",
        "list_phrase",
        "percent",
        "signed_points",
    ),
    "kpis": (
        "kpi_comparison",
        "kpi_table",
    ),
    "programme": (
        "activity_sentences",
        "conclusions",
        "data_quality_section",
        "participation_overview",
        "programme_design_section",
        "programme_title",
        "themes_section",
    ),
    "summary": (
        "authority_comparison",
        "key_findings",
        "methods_section",
        "programme_summary",
    ),
    "recommendations": (
        "Recommendation",
        "guidance_quote",
    ),
    "survey": (
        "base_note",
        "comment_shares",
        "derived_suppressed",
        "impacts_table",
        "publishable",
        "survey_impacts",
        "survey_sections",
        "survey_understanding",
        "understanding_table",
    ),
    "survey_responses": (
        "authority_survey",
        "programme_survey",
    ),
    "workbook": (
        "ACTIVITY",
        "CAVEATS_PAGE",
        "QUALITY_LOG_PAGE",
        "UnknownAuthority",
        "Workbook",
        "load_workbook",
        "programme_name",
        "sector_phrase",
        "sector_title",
        "source_doc",
        "year_label",
    ),
}

_HOME = {name: module for module, names in EXPORTS.items() for name in names}


def __getattr__(name: str) -> object:
    """``report.<name>``: an exported name, or a submodule (``report.html``)."""
    module = _HOME.get(name, name)
    try:
        found = importlib.import_module(f"{__name__}.{module}")
    except ModuleNotFoundError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return found if module == name else getattr(found, name)
