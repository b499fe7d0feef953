"""Test helpers: the difference in differences of four samples as the reports compute it, and
the design that response rows support, through the same counts the build
writes (``response_tables.group_counts``) and the reports read (``design.design_from_groups``)."""

from __future__ import annotations

import pandas as pd

from lib.analysis import did
from lib.analysis.design import Design, design_from_groups
from lib.sources.response_format import PARTICIPANTS, group_of
from lib.sources.response_tables import group_counts


def read_design(responses: pd.DataFrame, before: str = "pre", after: str = "post") -> Design:
    """The design ``responses`` support: one row per response with ``phase``,
    ``ref`` ('' = unlinked), optionally ``authority_id`` and ``group`` (as
    written; no group column = participants)."""
    frame = responses.assign(
        ref=responses["ref"].fillna("").astype(str) if "ref" in responses else "",
        authority_id=responses["authority_id"].astype(str) if "authority_id" in responses else "",
        group=responses["group"].map(group_of) if "group" in responses else PARTICIPANTS,
        phase=responses["phase"].astype(str).map({before: "pre", after: "post"}),
    )
    return design_from_groups(group_counts(frame))


def did_shares(k_p0, n_p0, k_p1, n_p1, k_c0, n_c0, k_c1, n_c1, alpha: float = 0.05):
    """The report's own calls (lib/report/survey_responses.py): each group's unlinked change,
    then their difference, for four independent samples."""
    return did.difference_in_differences(
        did.unlinked_change(k_p0, n_p0, k_p1, n_p1), did.unlinked_change(k_c0, n_c0, k_c1, n_c1), alpha
    )
