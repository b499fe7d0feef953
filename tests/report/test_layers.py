"""lib/report's layers: primitives below sections, sections independent, no cycle,
no underscore name imported across modules."""

from __future__ import annotations

import ast
from itertools import permutations
from pathlib import Path

import pytest

from lib.report import pages

grimp = pytest.importorskip("grimp")

REPORT = Path(__file__).resolve().parents[2] / "lib" / "report"
SECTIONS = sorted({f"lib.report.{s.function.rpartition('.')[0]}" for p in pages.PAGES for s in p.sections})
PRIMITIVES = [
    f"lib.report.{m}" for m in ("format", "html", "charts", "figures", "workbook", "common", "facts", "pages")
]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("lib")


def test_the_sections_are_the_modules_the_registry_names():
    names = [
        "authority_page",
        "authority_supports",
        "changes",
        "claims_audit",
        "coded_answers",
        "evidence",
        "judgement",
        "kpis",
        "programme",
        "summary",
        "survey",
        "survey_responses",
    ]
    assert [f"lib.report.{m}" for m in names] == SECTIONS


def test_sections_never_import_each_other(graph):
    chains = [(a, b) for a, b in permutations(SECTIONS, 2) if graph.find_shortest_chain(a, b)]
    assert not chains


def test_primitives_never_import_a_section_or_a_view(graph):
    above = [*SECTIONS, "lib.report.explorer", "lib.report.contributing"]
    chains = [(p, s) for p in PRIMITIVES for s in above if graph.find_shortest_chain(p, s)]
    assert not chains


def test_no_import_cycle_in_lib_report(graph):
    modules = sorted(m for m in graph.modules if m.startswith("lib.report."))
    cycles = [
        (a, b)
        for a, b in permutations(modules, 2)
        if graph.find_shortest_chain(a, b) and graph.find_shortest_chain(b, a)
    ]
    assert not cycles


def test_no_underscore_name_is_imported_across_modules():
    found = []
    for path in sorted(REPORT.glob("*.py")):
        modules = _imported_modules(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lib"):
                found += [
                    f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")
                ]
            elif _private_attribute(node) and node.value.id in modules:
                found.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert not found


def _private_attribute(node: ast.AST) -> bool:
    """``name._private`` (not a dunder)."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    )


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lib"):
            names |= {a.asname or a.name for a in node.names if a.name[:1].islower()}
        elif isinstance(node, ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names
