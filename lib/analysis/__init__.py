"""Statistical methods used by the reports (intervals, tests)."""
