"""lib/sources/schemas.py: the processed schemas and the documentation generated from them."""

from __future__ import annotations

from lib.config import PROJECT_ROOT
from lib.sources.schema_docs import processed_schema_markdown
from lib.sources.schemas import PROCESSED_SCHEMAS


def test_data_readme_generated_section_matches_the_schemas():
    text = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- processed-schema:start -->", "<!-- processed-schema:end -->"
    assert text.count(start) == 1 and text.count(end) == 1
    section = text.split(start, 1)[1].split(end, 1)[0]
    assert section == "\n" + processed_schema_markdown(), (
        "data/README.md is out of date: run `python -m lib.evaluation schema-docs`"
    )


def test_schema_markdown_documents_every_column():
    markdown = processed_schema_markdown()
    for name, schema in PROCESSED_SCHEMAS.items():
        assert f"### `{name}`" in markdown
        for column in schema.columns:
            assert f"| `{column}` |" in markdown, (name, column)
