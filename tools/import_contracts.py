"""An import-linter contract type: no package's ``__init__`` takes part in an import cycle.

import-linter's built-in ``acyclic_siblings`` contract squashes each child of a package and looks
for cycles between the children, so it misses a cycle that runs through the package's own
``__init__`` (``lib/report/__init__.py`` importing ``lib.report.summary``, which imports a name
back from ``lib.report``). This contract reports exactly those cycles; together with
``acyclic_siblings`` on ``lib`` every module-level cycle under ``lib`` breaks one of the two.

Registered in pyproject.toml (``[tool.importlinter] contract_types``) as ``acyclic_package_inits``.
Options: ``packages`` (module expressions; each matched package and every package below it is
checked) and ``ignore_imports`` as in the built-in contracts.
"""

from __future__ import annotations

import grimp
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck
from importlinter.domain.helpers import module_expressions_to_modules


class AcyclicPackageInitsContract(Contract):
    """No package's ``__init__`` module imports, directly or by a chain, a module that imports it back."""

    type_name = "acyclic_package_inits"

    packages = fields.SetField(subfield=fields.ModuleExpressionField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        roots = {m.name for m in module_expressions_to_modules(graph, self.packages, raise_if_unmatched=True)}  # type: ignore[arg-type]
        cycles = [
            cycle
            for package in sorted(_packages_under(graph, roots))
            if (cycle := init_cycle(graph, package))
        ]
        return ContractCheck(
            kept=not cycles,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": cycles},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"{cycle[0]} (its __init__) is in an import cycle:")
            output.print_error("    " + " -> ".join(cycle))
            output.new_line()


def _packages_under(graph: grimp.ImportGraph, roots: set[str]) -> set[str]:
    """The roots and every module below them that has children (a package)."""
    found = set()
    for root in roots:
        for module in {root} | graph.find_descendants(root):
            if graph.find_children(module):
                found.add(module)
    return found


def init_cycle(graph: grimp.ImportGraph, package: str) -> list[str]:
    """The shortest chain ``package -> ... -> package`` through one of its descendants, or ``[]``."""
    best: list[str] = []
    for imported in sorted(graph.find_modules_directly_imported_by(package)):
        back = graph.find_shortest_chain(importer=imported, imported=package)
        if back and (not best or len(back) + 1 < len(best)):
            best = [package, *back]
    return best
