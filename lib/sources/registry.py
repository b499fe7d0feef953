"""Every raw table's contract, in the order the build reads them.

Each raw source module declares its own ``RAW_TABLES``; this module only
collects them by file name.
"""

from __future__ import annotations

from lib.sources import (
    case_studies,
    claims,
    evidence,
    guidance,
    kpis,
    membership,
    mentions,
    profiles,
    statements,
    survey,
)
from lib.sources.contract import RawTable

_ORDER = [
    "evidence_matrix.csv",
    "authority_profiles.csv",
    "kpi_table.csv",
    "programme_activity.csv",
    "programme_membership.csv",
    "practice_guidance.csv",
    "survey_respondents.csv",
    "survey_understanding.csv",
    "survey_stray_values.csv",
    "survey_impacts.csv",
    "survey_comment_shares.csv",
    "case_study_facts.csv",
    "case_study_challenges.csv",
    "case_study_proposals.csv",
    "case_study_impacts.csv",
    "published_claims.csv",
    "commissioning_cycle.csv",
    "programme_statements.csv",
    "evaluation_findings.csv",
    "case_study_sections.csv",
    "good_practice_checklist.csv",
    "authority_mentions.csv",
]

#: Raw file name -> its contract.
RAW_TABLES: dict[str, RawTable] = {
    t.name: t
    for t in sorted(
        (
            t
            for module in (
                case_studies,
                claims,
                evidence,
                guidance,
                kpis,
                membership,
                mentions,
                profiles,
                statements,
                survey,
            )
            for t in module.RAW_TABLES
        ),
        key=lambda t: _ORDER.index(t.name),
    )
}
