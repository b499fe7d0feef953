"""List every underscore name one module of ``lib`` takes from another.

``python -m tools.private_imports [PATH ...]`` (default: ``lib`` and ``notebooks``) reads each
``.py`` file and each notebook's code cells and reports, one line per offence::

    lib/report/summary.py:12: imports _positive from lib.report.evidence

An offence is ``from lib.x import _name`` (relative forms included), or an attribute ``_name``
read through a module of ``lib`` bound by ``import lib.x``, ``import lib.x as m`` or
``from lib import x``. Dunder names (``__all__``) are not private. Exit status 1 when anything is
reported, 0 otherwise; the count (and the number of distinct names) goes to stderr.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "lib"


@dataclass(frozen=True, order=True)
class Offence:
    where: str
    line: int
    name: str
    module: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: imports {self.name} from {self.module}"


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def module_name(path: Path, root: Path) -> str | None:
    """``lib.report.summary`` for ``<root>/lib/report/summary.py``; None outside the root."""
    try:
        parts = list(path.resolve().relative_to(root.resolve()).with_suffix("").parts)
    except ValueError:
        return None
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str, root: Path) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _absolute(node: ast.ImportFrom, current: str | None, is_package: bool) -> str:
    """The absolute module of a ``from ... import`` (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    parts = (current or "").split(".")
    keep = len(parts) - node.level + (1 if is_package else 0)
    base = parts[: max(keep, 0)]
    return ".".join([*base, node.module] if node.module else base)


def _ours(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def scan_source(source: str, where: str, root: Path, current: str | None = None, is_package: bool = False):
    """The offences in one piece of source code (a module, or a notebook's code joined by cells)."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> module of lib it is bound to
    offences: list[Offence] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name):
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, current, is_package)
            if not _ours(module):
                continue
            for alias in node.names:
                if is_private(alias.name) and module != current:
                    offences.append(Offence(where, node.lineno, alias.name, module))
                elif _is_module(f"{module}.{alias.name}", root):
                    aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            module = _dotted_module(node.value, aliases, root)
            if module and module != current:
                offences.append(Offence(where, node.lineno, node.attr, module))
    return offences


def _dotted_module(node: ast.expr, aliases: dict[str, str], root: Path) -> str | None:
    """The module of lib an expression like ``lib.report.evidence`` or ``ev`` names, or None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    dotted = ".".join([aliases[node.id], *reversed(parts)])
    return dotted if _is_module(dotted, root) else None


def notebook_code(path: Path) -> Iterator[tuple[int, str]]:
    """(cell number from 1, source) of each code cell; IPython magics and shell lines blanked."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
        yield number, "\n".join(lines)


def scan_path(path: Path, root: Path) -> list[Offence]:
    where = path.resolve().relative_to(root.resolve()).as_posix()
    if path.suffix == ".ipynb":
        offences = []
        for number, source in notebook_code(path):
            offences += scan_source(source, f"{where}[cell {number}]", root)
        return offences
    return scan_source(
        path.read_text(encoding="utf-8"), where, root, module_name(path, root), path.name == "__init__.py"
    )


def files_under(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [
                p
                for p in path.rglob("*")
                if p.suffix in {".py", ".ipynb"} and ".ipynb_checkpoints" not in p.parts
            ]
        elif path.is_file():
            found.append(path)
    return sorted(found)


def scan(paths: list[Path], root: Path) -> list[Offence]:
    return sorted(offence for path in files_under(paths) for offence in scan_path(path, root))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.private_imports", description=__doc__.splitlines()[0]
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: lib notebooks)")
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="the folder that holds lib/ (default: .)"
    )
    args = parser.parse_args(argv)
    paths = args.paths or [args.root / PACKAGE, args.root / "notebooks"]
    offences = scan(paths, args.root)
    for offence in offences:
        print(offence)
    names = {offence.name for offence in offences}
    print(f"{len(offences)} private imports across modules ({len(names)} distinct names)", file=sys.stderr)
    return 1 if offences else 0


if __name__ == "__main__":
    raise SystemExit(main())
