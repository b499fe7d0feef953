"""The evidence matrix's unreadable cells, counted once at both stages: in the text this evaluation had (a
blank cell, or one never printed because the source's row stops short), and still unknown after
other documents fill what they can. The key findings (lib.analysis.findings) and every page
(lib.report.facts) read these counts and name their stage in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.sources.common import UNRECORDED

#: The two stages every count of the matrix's unreadable cells names: the printed text, and
#: what is still unknown once other documents have filled what they can.
PRINTED_STAGE = "in the text this evaluation had"
LEFT_STAGE = "still unknown after filling from other documents"


@dataclass(frozen=True)
class Unreadable:
    """The matrix's unreadable cells at both stages: in the text this evaluation had (blank, or never printed
    because the source's row stops short), and still unknown after other documents fill some."""

    cells: int
    blank: int
    not_printed: int
    left_blank: int
    left_not_printed: int

    @property
    def printed(self) -> int:
        """Cells that cannot be read in the text this evaluation had (blank or never printed)."""
        return self.blank + self.not_printed

    @property
    def left(self) -> int:
        """Cells still unknown after filling from other documents (the unrecorded ones)."""
        return self.left_blank + self.left_not_printed

    @property
    def filled(self) -> int:
        """Unreadable cells whose status another document gives (an inference)."""
        return self.printed - self.left

    def sentence(self, why: str = "") -> str:
        """The one reconciling statement: '115 of the 180 cells cannot be read in the text this evaluation had:
        113 print blank and 2 were never printed; 8 of these are filled from other documents
        (an inference), leaving 107 still unknown after filling from other documents (106 blank
        and 1 never printed).'"""
        if not self.printed:
            return f"All {self.cells} cells can be read {PRINTED_STAGE}."
        parts = [f"{self.blank} print{'s' if self.blank == 1 else ''} blank" + (f" ({why})" if why else "")]
        if self.not_printed:
            parts.append(
                f"{self.not_printed} {'was' if self.not_printed == 1 else 'were'} never printed "
                f"(the source's row stops before {'it' if self.not_printed == 1 else 'them'})"
            )
        left = [f"{self.left_blank} blank"] + (
            [f"{self.left_not_printed} never printed"] if self.not_printed else []
        )
        return (
            f"{self.printed} of the {self.cells} cells cannot be read {PRINTED_STAGE}: {' and '.join(parts)}; "
            f"{self.filled} of these {'is' if self.filled == 1 else 'are'} filled from other documents "
            f"(an inference), leaving {self.left} {LEFT_STAGE} ({' and '.join(left)})."
        )


def unreadable(evidence: pd.DataFrame, not_printed_code: str) -> Unreadable:
    """The one home of the unreadable-cell counts (:class:`Unreadable`): a cell is unreadable in the
    printed text when its status is lost (unrecorded) or only another document gives it (inferred);
    ``not_printed_code``: the raw code of a cell the source never printed (the definition's
    ``not_printed.printed``)."""
    lost = evidence["status"] == UNRECORDED
    unread = lost | (evidence["inferred"] == "yes")
    cut = evidence["raw_code"] == not_printed_code
    return Unreadable(
        cells=len(evidence),
        blank=int((unread & ~cut).sum()),
        not_printed=int((unread & cut).sum()),
        left_blank=int((lost & ~cut).sum()),
        left_not_printed=int((lost & cut).sum()),
    )
