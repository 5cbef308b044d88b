"""The pySHACL engine: the graph is copied into rdflib and validated by pySHACL (all of SHACL, slower)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import namespaces as ns
from .errors import IkzError, ShapesError
from .paths import ontology_dir
from .shacl_report import Report, Violation

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["validate_pyshacl"]


def validate_pyshacl(kg: "KnowledgeGraph", shapes: str | Path | None = None) -> Report:
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
