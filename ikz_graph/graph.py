"""The knowledge graph on the embedded (Oxigraph) store.

>>> from ikz_graph import load
>>> kg = load()                                   # ontology + data/, checked and built
>>> kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?u a ikz:Landkreis ; ikz:inState state:07 }").rows
[{'n': 24}]
"""
from __future__ import annotations

import datetime as dt
from functools import cached_property
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import pyoxigraph as ox

from . import namespaces as ns
from .errors import DataError, Problem, QueryError
from .paths import default_data_dir, ontology_dir

__all__ = ["KnowledgeGraph", "Result", "load", "load_ontology", "concepts_by_scheme", "sort_key"]


def sort_key(t: ox.Triple) -> tuple:
    """Order triples so that serializations are byte-identical: by subject, rdf:type first, then the rest."""
    p = t.predicate.value
    return (str(t.subject), p != ns.RDF + "type", p, str(t.object))


def load_ontology(path: str | Path | None = None) -> list[ox.Triple]:
    """Parse ``ontology/ikz.ttl``; a syntax error becomes a :class:`DataError` naming file and line."""
    path = Path(path) if path else ontology_dir() / "ikz.ttl"
    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except (SyntaxError, OSError) as e:
        raise DataError([Problem(str(path), getattr(e, "lineno", 0) or 0, "", f"cannot parse ontology: {e}")]) from None
    if any(isinstance(x, ox.BlankNode) for t in triples for x in (t.subject, t.object)):
        raise DataError([Problem(str(path), 0, "", "the ontology must not use blank nodes (outputs must be deterministic)")])
    return triples


def concepts_by_scheme(triples: list[ox.Triple]) -> dict[str, set[str]]:
    """Map each ``ikzc:`` concept scheme name to the ids of its concepts."""
    out: dict[str, set[str]] = {}
    for t in triples:
        if t.predicate.value == ns.SKOS + "inScheme" and t.object.value.startswith(ns.IKZC):
            out.setdefault(t.object.value[len(ns.IKZC):], set()).add(t.subject.value[len(ns.IKZC):])
    return out


def _py(term: Any) -> Any:
    """Convert an RDF term to a plain Python value (IRIs and strings stay strings)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value
        v = term.value
        try:
            if dtype in (ns.XSD + "integer", ns.XSD + "int", ns.XSD + "long"):
                return int(v)
            if dtype == ns.XSD + "decimal":
                return Decimal(v)
            if dtype in (ns.XSD + "double", ns.XSD + "float"):
                return float(v)
            if dtype == ns.XSD + "boolean":
                return v in ("true", "1")
            if dtype == ns.XSD + "date":
                return dt.date.fromisoformat(v)
        except ValueError:
            return v
        return v
    return term.value


class Result:
    """Rows of a SELECT query.

    ``rows`` is a list of dicts (column -> Python value), so ``pandas.DataFrame(result.rows)``
    works without pandas being a dependency. ``terms`` keeps the RDF terms.
    """

    def __init__(self, columns: list[str], terms: list[dict[str, Any]]):
        self.columns = columns
        self.terms = terms

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [{c: _py(r.get(c)) for c in self.columns} for r in self.terms]

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __repr__(self) -> str:
        return f"<Result {len(self)} rows: {', '.join(self.columns)}>"


class KnowledgeGraph:
    """Ontology and data on an in-memory Oxigraph store.

    Build one with :func:`load`. The ontology and the data are kept as sorted triple lists (for
    deterministic export) and loaded into the store's default graph for querying.
    """

    def __init__(self, ontology: list[ox.Triple], data: list[ox.Triple]):
        self.ontology_triples = sorted(set(ontology), key=sort_key)
        self.data_triples = sorted(set(data) - set(ontology), key=sort_key)
        self.store = ox.Store()
        self.store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                               for t in self.ontology_triples + self.data_triples)

    def __len__(self) -> int:
        return len(self.ontology_triples) + len(self.data_triples)

    @cached_property
    def triples(self) -> list[ox.Triple]:
        """All triples in export order (sorted once, then reused by every export)."""
        return sorted(self.ontology_triples + self.data_triples, key=sort_key)

    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> Result:
        """Run a SPARQL SELECT query; ``bindings`` maps variable names to RDF terms (pyoxigraph).

        Values are bound as terms (SEP-0007 substitution), never spliced into the text; a bound
        variable must be in the SELECT projection. All prefixes of
        :data:`ikz_graph.namespaces.PREFIXES` are predeclared.
        """
        subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            res = self.store.query(sparql, prefixes=ns.PREFIXES, substitutions=subs or None)
        except SyntaxError as e:
            raise QueryError(f"SPARQL syntax error: {e}") from None
        except RuntimeError as e:
            raise QueryError(f"cannot run the query: {e}") from None
        if not isinstance(res, ox.QuerySolutions):
            raise QueryError("only SELECT queries are supported here")
        cols = [v.value for v in res.variables]
        return Result(cols, [{c: sol[c] for c in cols} for sol in res])

    def add(self, triples) -> int:
        """Add triples (e.g. analysis results) to the data; returns how many were new.

        They become part of every later query and export of this graph object.
        """
        new = set(triples) - set(self.ontology_triples) - set(self.data_triples)
        if new:
            self.store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in new)
            self.data_triples = sorted(set(self.data_triples) | new, key=sort_key)
            self.__dict__.pop("triples", None)
        return len(new)

    def add_file(self, path: str | Path) -> int:
        """Add the triples of an RDF file (Turtle, N-Triples, TriG, N-Quads; by extension)."""
        path = Path(path)
        formats = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".trig": ox.RdfFormat.TRIG,
                   ".nq": ox.RdfFormat.N_QUADS}
        fmt = formats.get(path.suffix.lower())
        if fmt is None:
            raise DataError([Problem(str(path), 0, "", f"unknown RDF file type {path.suffix!r} "
                                                       f"(known: {', '.join(sorted(formats))})")])
        try:
            quads = list(ox.parse(path=str(path), format=fmt))
        except (SyntaxError, OSError) as e:
            line = getattr(e, "lineno", 0) or 0
            raise DataError([Problem(str(path), line, "", f"cannot read RDF: {getattr(e, 'msg', None) or e}")]) from None
        return self.add(ox.Triple(q.subject, q.predicate, q.object) for q in quads)

    def to_rdflib(self):
        """Return the whole graph as an :class:`rdflib.Graph` (imports rdflib on first use)."""
        import rdflib

        g = rdflib.Graph()
        for p, iri in ns.PREFIXES.items():
            g.bind(p, iri, override=True)
        g.parse(data=self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode("utf-8"),
                format="nt")
        return g

    def validate(self, shapes: str | Path | None = None, engine: str = "oxigraph"):
        """Validate against the SHACL shapes; returns a :class:`ikz_graph.shacl.Report`.

        ``engine`` is ``"oxigraph"`` (SPARQL on this store, the default) or ``"pyshacl"``.
        """
        from .shacl import validate_graph

        return validate_graph(self, shapes, engine)

    def export(self, out_dir: str | Path = "dist") -> list[Path]:
        """Write ``ikz.ttl``, ``ikz.nt``, ``ikz.jsonld``, ``ikz.context.jsonld`` and ``ikz.trig``."""
        from .exports import export

        return export(self, out_dir)


def load(data_dir: str | Path | None = None, ontology: str | Path | None = None) -> KnowledgeGraph:
    """Read, check and build ontology and data; raise :class:`DataError` on any problem."""
    from .build import build_triples
    from .records import load_records

    onto = load_ontology(ontology)
    records = load_records(data_dir or default_data_dir(), concepts_by_scheme(onto))
    return KnowledgeGraph(onto, list(build_triples(records)))
