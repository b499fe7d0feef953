"""Facts derived from the processed tables, each worked out in one place.

Sections and the run index read these functions rather than recounting the
tables: an authority's withdrawal, the status that says an evidence item
exists, an authority's evidence rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.report.common import status_ids
from lib.report.workbook import Workbook


@dataclass(frozen=True)
class Withdrawal:
    """An authority's withdrawal from the programme, as its case study states it."""

    reason: str
    timing: str
    planned: str
    instead: str
    source: str

    def sentence(self, name: str) -> str:
        why = f" ({self.reason})" if self.reason else ""
        when = f" {self.timing}" if self.timing else ""
        instead = f" Instead, {self.instead}." if self.instead else ""
        return f"{name} withdrew from the programme{why}{when}.{instead}"


def withdrawal(wb: Workbook, authority_id: str) -> Withdrawal | None:
    """The withdrawal the case study records for this authority, or None."""
    facts = wb.case_study_facts[wb.case_study_facts["authority_id"] == authority_id]
    f = dict(zip(facts["fact"], facts["value"], strict=False))
    if "withdrew" not in f:
        return None
    src = facts.loc[facts["fact"] == "withdrew", "source"].iloc[0]
    return Withdrawal(
        reason=f.get("withdrawal_reason", ""),
        timing=f.get("withdrawal_timing", ""),
        planned=f.get("workshop_planned", ""),
        instead=f.get("activity_instead_of_workshop", ""),
        source=src,
    )


def positive_status(wb: Workbook) -> str:
    """The legend's first status (this programme: available): the one that says an item exists."""
    return status_ids(wb)[0]
