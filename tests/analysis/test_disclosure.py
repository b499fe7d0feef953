"""Tests for lib/analysis/disclosure.py against hand-made tables.

Every expected mask below was worked out by hand from the rule: hide a
proportion whose base is below the threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.analysis.disclosure import (
    DEFAULT_THRESHOLD,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SUPPRESSED,
    THRESHOLD_ENV_VAR,
    disclosure_threshold,
    suppress_long_table,
)


@pytest.fixture(autouse=True)
def _no_threshold_env(monkeypatch):
    monkeypatch.delenv(THRESHOLD_ENV_VAR, raising=False)


# ------------------------------------------------------------- threshold


def test_default_threshold_is_ten():
    assert DEFAULT_THRESHOLD == 10
    assert disclosure_threshold() == 10


def test_threshold_from_argument_and_environment(monkeypatch):
    monkeypatch.setenv(THRESHOLD_ENV_VAR, "20")
    assert disclosure_threshold() == 20
    assert disclosure_threshold(5) == 5  # the argument wins
    monkeypatch.setenv(THRESHOLD_ENV_VAR, "ten")
    with pytest.raises(ValueError, match=THRESHOLD_ENV_VAR):
        disclosure_threshold()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_threshold_raises(bad):
    with pytest.raises(ValueError, match="threshold"):
        disclosure_threshold(bad)


# ------------------------------------------------------------- long tables

LONG = pd.DataFrame(
    {
        "item": ["a", "b", "c", "d", "e", "f"],
        "value": [0.56, 0.81, 0.40, np.nan, 0.10, 0.0],
        "base_n": [154, 9, 10, 50, np.nan, 30],
        "not_applicable": [False, False, False, False, False, True],
    }
)


def test_long_primary_suppression_by_base():
    result = suppress_long_table(LONG, not_applicable_col="not_applicable")
    assert list(result.display) == ["56%", SUPPRESSED, "40%", NOT_AVAILABLE, "10%", NOT_APPLICABLE]
    assert list(result.mask) == [False, True, False, False, False, False]
    assert result.mask.equals(result.primary)


def test_long_unknown_base_can_be_suppressed():
    result = suppress_long_table(LONG, suppress_unknown_base=True, not_applicable_col="not_applicable")
    assert list(result.mask) == [False, True, False, False, True, False]


def test_long_threshold_change():
    lower = suppress_long_table(LONG, threshold=5)
    higher = suppress_long_table(LONG, threshold=11)
    assert list(lower.mask) == [False] * 6
    assert list(higher.mask) == [False, True, True, False, False, False]


def test_long_rejects_missing_base():
    with pytest.raises(ValueError, match="base_n"):
        suppress_long_table(LONG.drop(columns="base_n"))
