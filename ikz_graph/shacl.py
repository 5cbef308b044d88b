"""SHACL validation with a report in plain words (which node, which property, what is wrong) or as W3C RDF.

Two engines give the same :class:`~ikz_graph.shacl_report.Report`: ``oxigraph`` compiles the shapes
to SPARQL and runs them on a store (:mod:`ikz_graph.shacl_sparql`); ``pyshacl`` copies the graphs
into rdflib and runs pySHACL (:mod:`ikz_graph.shacl_pyshacl`). The data graph is the project's graph
(:func:`validate_graph`), any RDF file (:func:`validate_file`) or a list of triples
(:func:`validate_triples`).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import IkzError
from .gcpause import gc_paused
from .shacl_data import DataGraph, ShapesGraph, read_rdf, read_shapes_file
from .shacl_report import Report, Violation

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["Violation", "Report", "validate_graph", "validate_file", "validate_triples", "ENGINES", "shapes_graph"]

ENGINES = ("oxigraph", "pyshacl")


def shapes_graph(shapes: str | Path | ShapesGraph | None) -> ShapesGraph:
    """The shapes graph of ``shapes``: a file, or ``ontology/shapes.ttl`` when None."""
    if isinstance(shapes, ShapesGraph):
        return shapes
    from .paths import ontology_dir

    return read_shapes_file(Path(shapes) if shapes else ontology_dir() / "shapes.ttl")


def _run(data: DataGraph, shapes: ShapesGraph, engine: str, data_triples=None) -> Report:
    if engine == "oxigraph":
        from .shacl_sparql import validate_oxigraph

        return validate_oxigraph(data, shapes)
    if engine == "pyshacl":
        from .shacl_pyshacl import validate_pyshacl

        return validate_pyshacl(data, shapes, data_triples)
    raise IkzError(f"unknown SHACL engine {engine!r} (known: {', '.join(ENGINES)})")


def validate_graph(kg: "KnowledgeGraph", shapes: str | Path | ShapesGraph | None = None,
                   engine: str = "oxigraph") -> Report:
    """Validate the project's graph ``kg`` against ``ontology/shapes.ttl`` (or ``shapes``) with one of :data:`ENGINES`."""
    if engine not in ENGINES:
        raise IkzError(f"unknown SHACL engine {engine!r} (known: {', '.join(ENGINES)})")
    return _run(DataGraph.from_kg(kg), shapes_graph(shapes), engine)


def validate_file(path: str | Path, shapes: str | Path | ShapesGraph | None = None, engine: str = "oxigraph") -> Report:
    """Validate the RDF file ``path`` (any format pyoxigraph reads, by extension) as it is written."""
    if engine not in ENGINES:
        raise IkzError(f"unknown SHACL engine {engine!r} (known: {', '.join(ENGINES)})")
    sg = shapes_graph(shapes)
    with gc_paused():  # a million triples are a million Python objects for a moment
        triples, _ = read_rdf(path, "n")
        return validate_triples(triples, sg, engine)


def validate_triples(data: list, shapes: ShapesGraph, engine: str = "oxigraph") -> Report:
    """Validate the triples ``data`` against the shapes graph ``shapes``."""
    with gc_paused():
        graph = DataGraph.from_triples(data)
    return _run(graph, shapes, engine, data)
