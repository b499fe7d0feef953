"""Fixtures shared by the tests of lib/sources: the built tables and the data-quality log."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def tables(evaluation_build):
    return evaluation_build.tables


@pytest.fixture(scope="session")
def quality_log(evaluation_build):
    return pd.read_csv(evaluation_build.quality_log, dtype=str, keep_default_na=False)
