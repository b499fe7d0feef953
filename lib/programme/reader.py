"""Reading a programme definition's YAML: one line per problem, never stopping at the first.

:class:`Reader` walks the parsed YAML and collects problems; the helpers
here read the shapes several sections share (items, completeness grids).
:mod:`lib.programme.schema` reads each section with them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any

from lib.programme.model import Completeness, Item, ProgrammeDefinitionError  # noqa: F401 (its public home was here)

AUTHORITY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ID = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
PROVENANCE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt § .+")
SOURCE_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


class Reader:
    """Walks the parsed YAML, collecting one line per problem (never stopping at the first)."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[str] = []
        #: Every key path read (list positions as ``[]``): what the parser accepts.
        self.read: set[str] = set()

    def problem(self, path: str, value: object, expected: str) -> None:
        shown = "(missing)" if value is MISSING else repr(value)
        self.problems.append(f"error: {self.file}, key {path}: value {shown}: expected {expected}")

    def unknown(self, parent: str, key: str, value: object, known: list[str], closest: str | None) -> None:
        """A key the schema does not name: one line, with the closest known key."""
        where = f"in {parent}" if parent else "at the top level"
        hint = f"did you mean {closest!r}?" if closest else f"expected one of: {', '.join(known)}"
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        self.problems.append(
            f"error: {self.file}, key {f'{parent}.{key}' if parent else key}: value {shown}: "
            f"unknown key {key!r} {where}; {hint}"
        )

    def get(
        self,
        node: Any,
        key: str,
        path: str,
        kind: type | tuple[type, ...],
        expected: str,
        *,
        optional: bool = False,
        default: Any = None,
    ) -> Any:
        here = f"{path}.{key}" if path else key
        self.read.add(re.sub(r"\[\d+\]", "[]", here))
        if not isinstance(node, dict):
            return default
        if key not in node:
            if not optional:
                self.problem(here, MISSING, expected)
            return default
        value = node[key]
        # true/false is not a number, although Python counts bool as an int
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
            self.problem(here, value, expected)
            return default
        return value

    def text(
        self,
        node: Any,
        key: str,
        path: str,
        *,
        optional: bool = False,
        pattern: re.Pattern | None = None,
        expected: str = "non-empty text",
        allow_empty: bool = False,
    ) -> str | None:
        value = self.get(node, key, path, str, expected, optional=optional)
        if value is None:
            return None
        here = f"{path}.{key}" if path else key
        if (not allow_empty and not value.strip()) or (pattern is not None and not pattern.fullmatch(value)):
            self.problem(here, value, expected)
            return None
        return value

    def texts(self, node: Any, key: str, path: str) -> tuple[str, ...]:
        values = self.get(node, key, path, list, "a list of text", optional=True, default=[])
        out = []
        for i, v in enumerate(values):
            if isinstance(v, str):
                out.append(v)
            else:
                self.problem(f"{path}.{key}[{i}]", v, "text")
        return tuple(out)

    def items(self, node: Any, key: str, path: str, *, minimum: int = 1) -> list[tuple[str, dict]]:
        here = f"{path}.{key}" if path else key
        expected = f"a list of at least {minimum} entries" if minimum else "a list"
        values = self.get(
            node,
            key,
            path,
            list,
            expected,
            optional=minimum == 0 and isinstance(node, dict) and key not in node,
        )
        if values is None:
            return []
        if len(values) < minimum:
            self.problem(here, values, expected)
        out = []
        for i, v in enumerate(values):
            if isinstance(v, dict):
                out.append((f"{here}[{i}]", v))
            else:
                self.problem(f"{here}[{i}]", v, "a mapping")
        return out

    def slug(self, node: dict, path: str) -> str:
        """The entry's ``id``, a lowercase slug."""
        return self.text(node, "id", path, pattern=ID, expected=SLUG_EXPECTED) or ""

    def flag(self, node: dict, key: str, path: str) -> bool:
        """An optional true/false key (false when absent)."""
        return bool(self.get(node, key, path, bool, "true or false", optional=True, default=False))

    def unique_ids(self, where: str, entries: Any) -> None:
        """Each entry's ``id`` is used once in ``where``."""
        self.unique("id", [(f"{where}[{i}].id", e.id) for i, e in enumerate(entries)])

    def unique(
        self, what: str, entries: list[tuple[str, str | None]], key: Callable[[str], str] = str
    ) -> None:
        seen: dict[str, str] = {}
        for path, value in entries:
            if value is None:
                continue
            k = key(value)
            if k in seen:
                self.problem(path, value, f"a {what} not already used at {seen[k]}")
            else:
                seen[k] = path

    def member(self, path: str, value: str | None, allowed: Iterable[str], what: str) -> None:
        allowed = [a for a in allowed if a]
        if value is not None and value not in allowed:
            self.problem(path, value, f"{what} ({', '.join(allowed)})")


MISSING = object()
SLUG_EXPECTED = "a lowercase id (a-z, 0-9, words joined by '_')"


def read_item(r: Reader, path: str, node: dict, pattern: re.Pattern = ID) -> Item:
    return Item(
        id=r.text(node, "id", path, pattern=pattern, expected=SLUG_EXPECTED) or "",
        label=r.text(node, "label", path) or "",
        spellings=r.texts(node, "spellings", path),
    )


def read_axis(r: Reader, path: str, node: Any) -> list[str]:
    """One axis of a key grid: a list of values, or ``{from: a, to: b}`` (whole numbers)."""
    if isinstance(node, dict) and set(node) == {"from", "to"}:
        low, high = node["from"], node["to"]
        if isinstance(low, int) and isinstance(high, int) and low <= high:
            return [str(i) for i in range(low, high + 1)]
    elif isinstance(node, list) and node and all(isinstance(v, (str, int)) for v in node):
        return [str(v) for v in node]
    r.problem(path, node, "a list of values or {from: <whole number>, to: <whole number>}")
    return []


def read_completeness(r: Reader, node: dict) -> tuple[Completeness, ...]:
    """``completeness: {file: [{columns, printed, grids | numbered}]}``: keys each source prints.

    ``grids`` is a list of grids (each a list of axes, one per column);
    ``numbered`` is a list of ``{group: [values], count: n}``: rows numbered
    1..n within a group (the last column holds the number).
    """
    out = []
    for file, entries in node.items():
        base = f"completeness.{file}"
        if not isinstance(entries, list):
            r.problem(base, entries, "a list of printed layouts")
            continue
        for i, entry in enumerate(entries):
            p = f"{base}[{i}]"
            columns = r.texts(entry, "columns", p)
            if not columns:
                r.problem(
                    f"{p}.columns", entry.get("columns") if isinstance(entry, dict) else entry, "columns"
                )
            keys: list[tuple[str, ...]] = []
            for g, grid in enumerate(
                r.get(entry, "grids", p, list, "a list of grids", optional=True, default=[])
            ):
                axes = [read_axis(r, f"{p}.grids[{g}][{a}]", axis) for a, axis in enumerate(grid)]
                if len(axes) != len(columns):
                    r.problem(f"{p}.grids[{g}]", grid, f"one axis per column ({len(columns)})")
                    continue
                keys += list(itertools.product(*axes))
            for n, group in enumerate(r.get(entry, "numbered", p, list, "a list", optional=True, default=[])):
                values = group.get("group", []) if isinstance(group, dict) else None
                count = group.get("count") if isinstance(group, dict) else None
                if (
                    not isinstance(values, list)
                    or not isinstance(count, int)
                    or len(values) + 1 != len(columns)
                ):
                    r.problem(
                        f"{p}.numbered[{n}]", group, "{group: [one value per column but the last], count: n}"
                    )
                    continue
                keys += [(*(str(v) for v in values), str(k)) for k in range(1, count + 1)]
            if not keys:
                r.problem(p, entry, "grids or numbered keys")
            out.append(
                Completeness(
                    file=file, columns=columns, keys=tuple(keys), printed=r.text(entry, "printed", p) or ""
                )
            )
    return tuple(out)
