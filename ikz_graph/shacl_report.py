"""The result of a SHACL validation, the same for every engine: which node, which property, what is wrong."""
from __future__ import annotations

from dataclasses import dataclass

from . import namespaces as ns

__all__ = ["Violation", "Report"]


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result."""

    node: str          # IRI of the focus node
    label: str         # its label, if it has one
    path: str          # property (compact), or "" for a node-level constraint
    message: str
    value: str = ""
    severity: str = "Violation"

    def __str__(self) -> str:
        who = f"{ns.compact(self.node)}" + (f" ({self.label})" if self.label else "")
        prop = f", property {self.path}" if self.path else ""
        val = f" [value: {self.value}]" if self.value and self.value != self.node else ""
        return f"{self.severity}: {who}{prop}: {self.message}{val}"


@dataclass
class Report:
    """Result of a validation run; ``conforms`` is False when any violation was found."""

    conforms: bool
    violations: list[Violation]
    triples: int

    def text(self) -> str:
        if self.conforms:
            return f"The graph conforms to the shapes ({self.triples} triples checked)."
        lines = [f"The graph does not conform: {len(self.violations)} problem(s)."]
        lines += [f"  {v}" for v in self.violations]
        return "\n".join(lines)
