"""The data graph and the shapes graph of a SHACL validation, as the engines read them.

**Lexical forms.** An Oxigraph store keeps values, not lexical forms: ``"01"^^xsd:integer`` becomes
``"1"``, ``"1"^^xsd:boolean`` becomes ``"true"``, ``xsd:int``, ``xsd:byte``, ``xsd:nonNegativeInteger``
… become ``xsd:integer`` and ``xsd:dateTimeStamp`` becomes ``xsd:dateTime``. SHACL is about what the
graph says, so a data graph read from a file (:meth:`DataGraph.from_triples`) keeps every literal the
store would change as a *surrogate* in the store: the same lexical form with the datatype
``urn:ikz-graph:lexical:`` + the original datatype IRI, which Oxigraph keeps as it is. Terms of the
shapes (``sh:in``, ``sh:hasValue``, ``sh:targetNode``) are encoded the same way (:meth:`encode`), the
engine decodes values in its comparisons and in the report (:meth:`decode`). Literals the store
keeps unchanged are not touched, so a graph without such literals costs nothing extra.

The project's own graph (:meth:`DataGraph.from_kg`) is what its store holds: the exports are written
from the store, so the graph that is validated is exactly the graph that is published.

SPARQL-based constraints are user queries and see the store's values (the surrogates are swapped
for Oxigraph's normalised form in the graph they read, :meth:`DataGraph.query` with ``view="sparql"``).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pyoxigraph as ox

from . import namespaces as ns
from .errors import RdfFileError, ShapesError

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["DataGraph", "ShapesGraph", "SHAPES_GRAPH", "read_rdf", "read_shapes_file", "reserved", "SURROGATE",
           "INTEGER_RANGES"]

#: Datatype prefix of the surrogates of literals the store would change.
SURROGATE = "urn:ikz-graph:lexical:"
_LOSSLESS = ox.NamedNode("urn:ikz-graph:graph:lexical")      # the triples with surrogates
_NORMALISED = ox.NamedNode("urn:ikz-graph:graph:normalised")  # the same triples as the store normalises them
#: The named graph that holds the shapes graph while SPARQL constraints that use $shapesGraph run.
SHAPES_GRAPH = ox.NamedNode("urn:ikz-graph:graph:shapes")
_PLAIN = {ns.XSD + "string", ns.RDF + "langString"}
#: The integer types derived from xsd:integer and their ranges (None: unbounded).
INTEGER_RANGES = {
    "integer": (None, None), "long": (-2**63, 2**63 - 1), "int": (-2**31, 2**31 - 1), "short": (-2**15, 2**15 - 1),
    "byte": (-128, 127), "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1), "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1), "unsignedShort": (0, 65535), "unsignedByte": (0, 255),
}
_TIMEZONE = re.compile(r"(Z|[+-][0-9]{2}:[0-9]{2})$")
_NT = ox.RdfFormat.N_TRIPLES


def _key(lit: ox.Literal) -> tuple:
    return lit.value, lit.datatype.value, (lit.language or "").lower()


def store_forms(literals: Iterable[ox.Literal]) -> dict:
    """The literals among ``literals`` that an Oxigraph store changes, each with the form it stores."""
    todo = sorted({lit for lit in literals if not lit.language and lit.datatype.value not in _PLAIN}, key=str)
    if not todo:
        return {}
    probe = ox.Store()
    p = ox.NamedNode("urn:ikz-graph:p")
    probe.load(ox.serialize([ox.Triple(ox.NamedNode(f"urn:ikz-graph:{i}"), p, lit) for i, lit in enumerate(todo)],
                            format=_NT), format=_NT)
    out = {}
    for q in probe:
        lit = todo[int(q.subject.value.rsplit(":", 1)[1])]
        if _key(q.object) != _key(lit):
            out[lit] = q.object
    return out


def surrogate(lit: ox.Literal) -> ox.Literal:
    return ox.Literal(lit.value, datatype=ox.NamedNode(SURROGATE + lit.datatype.value))


@dataclass
class DataGraph:
    """The data graph: an Oxigraph store that holds it, how many triples it has, and its lossy literals.

    ``lossy`` maps each literal of the data that the store would change to its surrogate (empty for
    the project's graph). ``order`` ranks blank nodes by first appearance, for deterministic reports.
    """

    store: ox.Store
    triples: int
    lossy: dict = field(default_factory=dict)
    order: dict = field(default_factory=dict)
    _constants: dict = field(default_factory=dict)

    @classmethod
    def from_kg(cls, kg: "KnowledgeGraph") -> "DataGraph":
        return cls(kg.writable_store(), len(kg))

    @classmethod
    def from_triples(cls, triples: Iterable) -> "DataGraph":
        """A new store with ``triples``; literals the store would change are kept as surrogates."""
        triples = triples if isinstance(triples, list) else list(triples)
        literals, blank = set(), False
        for t in triples:  # one pass: the literals, and whether there are blank nodes
            o = t.object
            if isinstance(o, ox.Literal):
                literals.add(o)
            elif isinstance(o, ox.BlankNode):
                blank = True
            blank = blank or isinstance(t.subject, ox.BlankNode)
        reserved(literals, "the data graph", RdfFileError)
        lossy = {lit: surrogate(lit) for lit in store_forms(literals)}
        plain = [t for t in triples if t.object not in lossy] if lossy else triples
        store, dg = ox.Store(), ox.DefaultGraph()
        if blank:  # quads, not N-Triples text: Store.load would give the blank nodes new labels
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, dg) for t in plain)
        else:      # sorted N-Triples text: fast, and each subject's triples close together (as KnowledgeGraph)
            lines = ox.serialize(plain, format=_NT).splitlines(keepends=True)
            lines.sort()
            store.load(b"".join(lines), format=_NT)
        count = len(store)
        if lossy:
            changed = [t for t in triples if t.object in lossy]
            store.bulk_extend(ox.Quad(t.subject, t.predicate, lossy[t.object], _LOSSLESS) for t in changed)
            count = len(store)
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, _NORMALISED) for t in changed)
            twice = [q for q in store.quads_for_pattern(None, None, None, _NORMALISED)
                     if ox.Quad(q.subject, q.predicate, q.object, dg) in store]
            for q in twice:  # a normalised triple that the graph also has as written: keep it once
                store.remove(q)
        order: dict = {}
        if blank:
            for t in triples:
                for term in (t.subject, t.object):
                    if isinstance(term, ox.BlankNode) and term not in order:
                        order[term] = len(order)
        return cls(store, count, lossy, order)

    def query(self, sparql: str, view: str = "core", **kw):
        """Run ``sparql`` on the graph: ``core`` sees the literals as written (surrogates), ``sparql``
        as the store normalises them, and only the shapes graph as a named graph."""
        if self.lossy:
            kw["default_graph"] = [ox.DefaultGraph(), _LOSSLESS if view == "core" else _NORMALISED]
        if view == "sparql":
            kw["named_graphs"] = [SHAPES_GRAPH]
        return self.store.query(sparql, **kw)

    @contextmanager
    def shapes_graph(self, triples: list):
        """The shapes graph in the named graph :data:`SHAPES_GRAPH` of the store while the block runs."""
        self.store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, SHAPES_GRAPH) for t in triples)
        try:
            yield
        finally:
            self.store.remove_graph(SHAPES_GRAPH)

    def encode(self, term):
        """A term of the shapes graph as the data graph's store holds it (a surrogate if the store would change it)."""
        if not isinstance(term, ox.Literal):
            return term
        if term not in self._constants:
            self._constants[term] = surrogate(term) if store_forms([term]) else term
        return self._constants[term]

    def decode(self, term):
        """The term as the graph says it: surrogates back to the literal they stand for."""
        if isinstance(term, ox.Literal) and term.datatype.value.startswith(SURROGATE):
            return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype.value[len(SURROGATE):]))
        return term

    def value_of(self, term):
        """The value of ``term`` for SPARQL comparisons: a surrogate as its literal, or None (a SPARQL error)
        when the lexical form is not in the lexical space of its datatype."""
        lit = self.decode(term)
        if lit is term:
            return term
        dt = lit.datatype.value[len(ns.XSD):] if lit.datatype.value.startswith(ns.XSD) else ""
        if dt in INTEGER_RANGES:
            lo, hi = INTEGER_RANGES[dt]
            if not re.fullmatch(r"[+-]?[0-9]+", lit.value):
                return None
            n = int(lit.value)
            if (lo is not None and n < lo) or (hi is not None and n > hi):
                return None
        if dt == "dateTimeStamp" and not _TIMEZONE.search(lit.value):
            return None
        return lit

    def labels(self, nodes: Iterable) -> dict:
        """The smallest ``rdfs:label`` (by its text) of each IRI in ``nodes``, as the report shows it."""
        iris = sorted(n for n in set(nodes) if isinstance(n, ox.NamedNode))
        out: dict = {}
        for i in range(0, len(iris), 1000):
            chunk = " ".join(f"<{n.value}>" for n in iris[i:i + 1000])
            for s in self.query(f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {chunk} }} ?s <{ns.RDFS}label> ?l }}"):
                cur = out.get(s["s"])
                if cur is None or str(s["l"]) < str(cur):
                    out[s["s"]] = s["l"]
        return {k: self.decode(v).value for k, v in out.items()}


@dataclass
class ShapesGraph:
    """The triples of a shapes graph, the prefixes its file declares, and where it came from."""

    triples: list
    prefixes: dict = field(default_factory=dict)
    source: str = ""


def read_rdf(path: str | Path, blank: str, error=RdfFileError, what: str = "") -> tuple[list, dict]:
    """The triples and prefixes of an RDF file (format by extension, Turtle if unknown).

    Relative IRIs resolve against the file's own URL; blank nodes get the labels ``{blank}1``,
    ``{blank}2``, … in order of appearance, so that everything built from the file is deterministic.
    """
    path = Path(path)
    fmt = ox.RdfFormat.from_extension(path.suffix[1:]) if path.suffix else None
    try:
        parser = ox.parse(path=str(path), format=fmt or ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        quads = list(parser)
    except (SyntaxError, OSError, ValueError) as e:
        line = getattr(e, "lineno", 0) or 0
        raise error(f"cannot read {what}{path}{f':{line}' if line else ''}: {getattr(e, 'msg', None) or e}") from None
    prefixes = dict(getattr(parser, "prefixes", {}) or {})
    if not any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads):
        # quads of the default graph serve as triples; those of a dataset's named graphs are merged into it
        return ([q.triple for q in quads] if (fmt or ox.RdfFormat.TURTLE).supports_datasets else quads), prefixes
    names: dict = {}

    def rename(term):
        if isinstance(term, ox.BlankNode):
            if term not in names:
                names[term] = ox.BlankNode(f"{blank}{len(names) + 1}")
            return names[term]
        return term

    return [ox.Triple(rename(q.subject), q.predicate, rename(q.object)) for q in quads], prefixes


def read_shapes_file(path: str | Path) -> ShapesGraph:
    """A shapes file as a :class:`ShapesGraph`; :class:`ShapesError` when it cannot be read."""
    triples, prefixes = read_rdf(path, "s", ShapesError, "shapes ")
    reserved((t.object for t in triples if isinstance(t.object, ox.Literal)), f"shapes {path}", ShapesError)
    return ShapesGraph(triples, prefixes, str(path))


def reserved(literals, what: str, error) -> None:
    """Refuse a graph whose literals use the surrogate datatypes themselves (they would be read as surrogates)."""
    if any(lit.datatype.value.startswith(SURROGATE) for lit in literals):
        raise error(f"cannot read {what}: it uses datatypes starting with {SURROGATE}, which the SHACL engine reserves")
