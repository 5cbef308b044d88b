"""SHACL validation with a report in plain words: which node, which property, what is wrong.

Two engines give the same :class:`~ikz_graph.shacl_report.Report`: ``oxigraph`` compiles the shapes
to SPARQL and runs them on the graph's own store (:mod:`ikz_graph.shacl_sparql`); ``pyshacl`` copies
the graph into rdflib and runs pySHACL (:mod:`ikz_graph.shacl_pyshacl`).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import IkzError
from .shacl_report import Report, Violation

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["Violation", "Report", "validate_graph", "ENGINES"]

ENGINES = ("oxigraph", "pyshacl")


def validate_graph(kg: "KnowledgeGraph", shapes: str | Path | None = None, engine: str = "oxigraph") -> Report:
    """Validate ``kg`` against ``ontology/shapes.ttl`` (or ``shapes``) with one of :data:`ENGINES`.

    Both give the same violations for the constructs the oxigraph engine supports.
    """
    if engine == "oxigraph":
        from .shacl_sparql import validate_oxigraph

        return validate_oxigraph(kg, shapes)
    if engine == "pyshacl":
        from .shacl_pyshacl import validate_pyshacl

        return validate_pyshacl(kg, shapes)
    raise IkzError(f"unknown SHACL engine {engine!r} (known: {', '.join(ENGINES)})")
