"""SHACL validation with a report in plain words: which node, which property, what is wrong."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import namespaces as ns
from .errors import IkzError, ShapesError
from .paths import ontology_dir

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["Violation", "Report", "validate_graph", "ENGINES"]


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



ENGINES = ("oxigraph", "pyshacl")


def validate_graph(kg: "KnowledgeGraph", shapes: str | Path | None = None, engine: str = "oxigraph") -> Report:
    """Validate ``kg`` against ``ontology/shapes.ttl`` (or ``shapes``).

    ``engine="oxigraph"`` (default) compiles the shapes to SPARQL and runs them on ``kg.store``
    (:mod:`ikz_graph.shacl_sparql`); ``engine="pyshacl"`` copies the graph into rdflib and runs pySHACL.
    Both give the same violations for the constructs the oxigraph engine supports.
    """
    if engine == "oxigraph":
        from .shacl_sparql import validate_oxigraph

        return validate_oxigraph(kg, shapes)
    if engine != "pyshacl":
        raise IkzError(f"unknown SHACL engine {engine!r} (known: {', '.join(ENGINES)})")
    return _validate_pyshacl(kg, shapes)


def _validate_pyshacl(kg: "KnowledgeGraph", shapes: str | Path | None = None) -> Report:
    """Validate ``kg`` with pySHACL on an rdflib copy of the graph."""
    import rdflib
    from pyshacl import validate

    shapes_path = Path(shapes) if shapes else ontology_dir() / "shapes.ttl"
    try:
        sg = rdflib.Graph().parse(shapes_path, format="turtle")
    except Exception as e:  # rdflib raises many types for bad input
        raise ShapesError(f"cannot read shapes {shapes_path}: {e}") from None
    data = kg.to_rdflib()
    try:
        conforms, results, _ = validate(data, shacl_graph=sg, inference="none", advanced=True,
                                        allow_warnings=True)
    except Exception as e:
        raise IkzError(f"SHACL validation failed to run: {e}") from None
    if not hasattr(results, "subjects"):  # pySHACL returns a failure object for broken shapes
        raise IkzError(f"SHACL validation failed to run ({shapes_path}): {results}")
    SH = rdflib.Namespace(ns.SH)
    out = []
    for r in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        msg = results.value(r, SH.resultMessage)
        val = results.value(r, SH.value)
        sev = results.value(r, SH.resultSeverity)
        if str(focus) == ns.ONTOLOGY_IRI and isinstance(val, rdflib.URIRef):
            focus, val = val, None  # a whole-graph check reports the offending node as its value
        label = data.value(focus, rdflib.RDFS.label) if focus is not None else None
        out.append(Violation(
            node=str(focus), label=str(label or ""),
            path=ns.compact(str(path)) if isinstance(path, rdflib.URIRef) else ("" if path is None else "(path)"),
            message=str(msg or "constraint not met"),
            value="" if val is None else (ns.compact(str(val)) if isinstance(val, rdflib.URIRef) else str(val)),
            severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation"))
    out = sorted(set(out))
    hard = [v for v in out if v.severity == "Violation"]
    return Report(conforms=bool(conforms) and not hard, violations=out, triples=len(data))
