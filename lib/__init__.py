"""Evaluation workbook library.

``lib.evaluation`` loads, validates and cleans the raw evidence into the tidy
tables of ``data/processed/``; the other modules build on those tables.
"""
