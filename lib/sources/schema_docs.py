"""The processed tables' reference in data/README.md, generated from their pandera schemas
(``python -m lib.evaluation build`` keeps it current; the downloads' column sheet uses
:func:`type_name` too)."""

from __future__ import annotations

from pathlib import Path

import pandera.pandas as pa

from lib.config import PROJECT_ROOT
from lib.files import atomic_write_text
from lib.sources.schemas import PROCESSED_SCHEMAS, is_text


def type_name(spec: pa.Column) -> str:
    if is_text(spec):
        return "text"
    kind = str(spec.dtype).lower()
    name = "integer" if kind.startswith("int") else "number"
    return f"{name} (may be empty)" if spec.nullable else name


def processed_schema_markdown() -> str:
    """The processed-table section of data/README.md, generated from the schemas."""
    parts = []
    for name, schema in PROCESSED_SCHEMAS.items():
        parts.append(f"### `{name}`\n\n| column | type | meaning |\n| --- | --- | --- |")
        for col, spec in schema.columns.items():
            parts.append(f"| `{col}` | {type_name(spec)} | {spec.description or ''} |")
        if schema.unique:
            parts.append(f"\nOne row per `{', '.join(schema.unique)}`.")
        parts.append("")
    return "\n".join(parts).strip() + "\n"


def update_data_readme(path: Path = PROJECT_ROOT / "data" / "README.md") -> bool:
    """Rewrite the generated part of data/README.md; True if it changed."""
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- processed-schema:start -->", "<!-- processed-schema:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    new = f"{head}{start}\n{processed_schema_markdown()}{end}{tail}"
    if new != text:
        atomic_write_text(path, new)
    return new != text
