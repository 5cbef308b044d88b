"""The pySHACL engine: the graphs are copied into rdflib and validated by pySHACL (all of SHACL, slower)."""
from __future__ import annotations

import pyoxigraph as ox

from . import namespaces as ns
from .errors import IkzError, ShapesError
from .shacl_data import DataGraph, ShapesGraph
from .shacl_paths import Index, parse_path
from .shacl_report import Report, Result

__all__ = ["validate_pyshacl"]

SH = ns.SH
_NT = ox.RdfFormat.N_TRIPLES


def _graph(prefixes: dict):
    import rdflib

    g = rdflib.Graph()
    for p, iri in {**ns.PREFIXES, **prefixes}.items():
        g.bind(p, iri, override=True)
    return g


def _rdflib(triples, prefixes: dict):
    """An rdflib graph with ``triples``; blank nodes keep their labels, so results name the same nodes."""
    import rdflib

    g, terms = _graph(prefixes), {}

    def conv(t):
        if t not in terms:
            if isinstance(t, ox.NamedNode):
                terms[t] = rdflib.URIRef(t.value)
            elif isinstance(t, ox.BlankNode):
                terms[t] = rdflib.BNode(t.value)
            elif t.language:
                terms[t] = rdflib.Literal(t.value, lang=t.language)
            else:  # plain strings as rdflib's own parsers read them
                dt = t.datatype.value
                terms[t] = rdflib.Literal(t.value, datatype=None if dt == ns.XSD + "string" else rdflib.URIRef(dt))
        return terms[t]

    for t in triples:
        g.add((conv(t.subject), conv(t.predicate), conv(t.object)))
    return g


def validate_pyshacl(data: DataGraph, graph: ShapesGraph, data_triples=None) -> Report:
    """Validate with pySHACL. ``data_triples`` are the triples as the file says them (the store's for the
    project's graph, whose store is the graph)."""
    from pyshacl import validate

    if data_triples is None:
        g = _graph({})  # the project's graph: its store is the graph
        g.parse(data=data.store.dump(format=_NT, from_graph=ox.DefaultGraph()).decode("utf-8"), format="nt")
    else:
        g = _rdflib(data_triples, {})
    try:
        sg = g if data_triples is graph.triples else _rdflib(graph.triples, graph.prefixes)  # one graph: pass it once
    except Exception as e:  # rdflib raises many types for bad input
        raise ShapesError(f"cannot read shapes {graph.source}: {e}") from None
    try:
        _, results, _ = validate(g, shacl_graph=sg, inference="none", advanced=True, allow_warnings=False)
    except Exception as e:
        raise IkzError(f"SHACL validation failed to run: {e}") from None
    if not hasattr(results, "subjects"):  # pySHACL returns a failure object for broken shapes
        raise IkzError(f"SHACL validation failed to run ({graph.source}): {results}")
    report = list(ox.parse(results.serialize(format="nt"), format=_NT))
    idx = Index(ox.Triple(q.subject, q.predicate, q.object) for q in report)
    out = []
    for node, po in idx.spo.items():
        if ox.NamedNode(SH + "ValidationResult") not in po.get(ns.RDF + "type", []):
            continue

        def one(key):
            objs = po.get(SH + key, [])
            return objs[0] if objs else None

        path = one("resultPath")
        out.append(Result(
            focus=one("focusNode"), path=None if path is None else parse_path(idx, path, "(report)"),
            value=one("value"), shape=one("sourceShape"), component=one("sourceConstraintComponent").value,
            severity=(one("resultSeverity") or ox.NamedNode(SH + "Violation")).value,
            messages=tuple(po.get(SH + "resultMessage", [])), constraint=one("sourceConstraint")))
    labels = data.labels(r.focus for r in out) if out else {}
    labels.update(data.labels(r.value for r in out if r.value is not None) if out else {})
    return Report(out, data.triples, labels, graph.prefixes)
