"""The graph on rdflib's default in-memory store, behind the same ``query(sparql, bindings)`` as the
embedded store, so that readmodel.read, analyze, transfer, the viz and the named queries run on it
unchanged (the benchmark's rdflib column).

Terms cross the boundary converted: bindings from pyoxigraph to rdflib, results back to pyoxigraph,
so the caller gets an :class:`ikz_graph.graph.Result` exactly as from the embedded store.
"""
from __future__ import annotations

from typing import Any, Iterable

import pyoxigraph as ox
import rdflib
from rdflib.term import BNode, Literal, URIRef, Variable

from ikz_graph import namespaces as ns
from ikz_graph.errors import QueryError
from ikz_graph.graph import Result

__all__ = ["RdflibSource", "to_rdflib", "from_rdflib"]

_XSD_STRING = ns.XSD + "string"


def to_rdflib(term: Any):
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"cannot convert {term!r} to an rdflib term")


def from_rdflib(term: Any):
    """An rdflib term (or None) as a pyoxigraph term (or None)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


class RdflibSource:
    """An :class:`rdflib.Graph` (default in-memory store) that answers like a KnowledgeGraph."""

    def __init__(self, triples: Iterable[ox.Triple]):
        self.graph = rdflib.Graph()
        for p, iri in ns.PREFIXES.items():
            self.graph.bind(p, iri, override=True)
        add = self.graph.add
        for t in triples:
            add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        self._ns = {p: rdflib.Namespace(iri) for p, iri in ns.PREFIXES.items()}

    def __len__(self) -> int:
        return len(self.graph)

    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> Result:
        init = {Variable(k): to_rdflib(v) for k, v in (bindings or {}).items()}
        try:
            res = self.graph.query(sparql, initNs=self._ns, initBindings=init or None)
        except Exception as e:  # rdflib raises pyparsing and many other types
            raise QueryError(f"cannot run the query on rdflib: {e}") from None
        if res.type != "SELECT":
            raise QueryError("only SELECT queries are supported here")
        cols = [str(v) for v in res.vars]
        return Result(cols, [{c: from_rdflib(row[i]) for i, c in enumerate(cols)} for row in res])
