"""Readers for raw sources that arrive as files rather than transcriptions."""
