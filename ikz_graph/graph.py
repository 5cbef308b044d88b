"""The knowledge graph on the embedded (Oxigraph) store.

>>> from ikz_graph import load
>>> kg = load()                                   # ontology + data/, checked and built (ikz_graph.pipeline)
>>> kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?u a ikz:Landkreis ; ikz:inState state:07 }").rows
[{'n': 24}]
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import weakref
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, TypeVar

import pyoxigraph as ox

from . import namespaces as ns
from .errors import DataError, Problem, QueryError
from .paths import ontology_dir

T = TypeVar("T")

__all__ = ["KnowledgeGraph", "Result", "RESULT_FORMATS", "load_ontology", "concepts_by_scheme", "sort_key",
           "ntriples_text", "parse_lines", "sorted_ntriples_of"]


def sort_key(t: ox.Triple) -> tuple:
    """Order triples so that serializations are byte-identical: by subject, rdf:type first, then the rest."""
    p = t.predicate.value
    return (str(t.subject), p != ns.RDF + "type", p, str(t.object))


_TYPE_NT = ("<" + ns.RDF + "type> ").encode()


def _export_order(lines: list[bytes]) -> list[bytes]:
    """Sort N-Triples lines into :func:`sort_key` order, fast.

    A plain byte sort already orders by subject (a subject term ends with ``>``, which cannot
    occur inside it), then by the rest of the line; only the rdf:type lines of each subject
    must move to the front of its run, which one pass does.
    """
    lines.sort()
    out: list[bytes] = []
    types: list[bytes] = []
    others: list[bytes] = []
    current = None
    for line in lines:
        s = line[: line.index(b" ")]
        if s != current:
            out += types
            out += others
            types, others, current = [], [], s
        (types if line[len(s) + 1:].startswith(_TYPE_NT) else others).append(line)
    out += types
    out += others
    return out


def ntriples_text(lines: list[bytes]) -> bytes:
    """N-Triples ``lines`` (without newlines) as one text, each ended by a newline, in one copy."""
    return b"\n".join(chain(lines, (b"",)))


def sorted_ntriples_of(ontology: Iterable[ox.Triple], data: Iterable[ox.Triple]) -> bytes:
    """Ontology and data as one N-Triples document, the data lines sorted.

    Serializing to N-Triples and loading that is twice as fast as handing over Python quads; in sorted
    order, the store keeps each subject's triples close together, and the named queries at a million
    triples ran in 13 s instead of 21 s (docs/performance.md).
    """
    nt = ox.RdfFormat.N_TRIPLES
    lines = ox.serialize(data, format=nt).splitlines(keepends=True)
    lines.sort()
    return ox.serialize(list(ontology), format=nt) + b"".join(lines)


def parse_lines(lines: list[bytes]) -> Iterator[ox.Quad]:
    """The triples (quads of the default graph) of N-Triples ``lines``, in their order."""
    return ox.parse(ntriples_text(lines), format=ox.RdfFormat.N_TRIPLES)


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


#: The W3C SPARQL 1.1 result formats a :class:`Result` can be written in.
RESULT_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                  "json": ox.QueryResultsFormat.JSON}


#: What a SPARQL text is made of, as far as finding the keyword SERVICE needs: strings, IRIs,
#: comments, variables and prefixed names are skipped whole; group 1 is any other word.
_SPARQL_LEXEMES = re.compile(r"""
    \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\" | '''(?:[^'\\]|\\.|'(?!''))*'''
  | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*'
  | <[^<>"{}|^`\\\x00-\x20]*> | \#[^\n]* | [?$]\w+ | [\w.-]*:[\w.:%-]* | (\w+)
""", re.VERBOSE)
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def uses_service(sparql: str) -> bool:
    """Whether ``sparql`` has the keyword ``SERVICE`` (federation) outside strings, IRIs and comments.

    Codepoint escapes (``\\u0053``) are read first, as SPARQL allows them anywhere; an unfinished
    string counts as words, so doubt is decided for "uses SERVICE".

    >>> uses_service("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    True
    >>> uses_service('SELECT ?service { ?s <http://x/SERVICE> "SERVICE" } # SERVICE')
    False
    """
    def unescape(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code < 0x110000 else m.group(0)

    text = _CODEPOINT_ESCAPE.sub(unescape, sparql)
    return any(m.group(1) and m.group(1).upper() == "SERVICE" for m in _SPARQL_LEXEMES.finditer(text))


class Result:
    """Rows of a SELECT query.

    ``rows`` is a list of dicts (column -> Python value), so ``pandas.DataFrame(result.rows)``
    works without pandas being a dependency. ``terms`` keeps the RDF terms. :meth:`serialize`
    writes the W3C result formats (pyoxigraph's writers).

    ``solutions`` are pyoxigraph query solutions not read yet; ``again`` gives them anew (so a
    result can be written after its rows were read); ``map_term`` adjusts each term as it is read.
    """

    def __init__(self, columns: list[str], terms: list[dict[str, Any]] | None = None, *, solutions=None,
                 again: Callable[[], ox.QuerySolutions] | None = None,
                 map_term: Callable[[Any], Any] | None = None):
        self.columns = columns
        self._terms = terms
        self._solutions = solutions
        self._again = again
        self._map = map_term

    def _fresh(self) -> ox.QuerySolutions | None:
        sols, self._solutions = self._solutions, None
        if sols is None and self._again is not None:
            sols = self._again()
        return sols

    @property
    def terms(self) -> list[dict[str, Any]]:
        if self._terms is None:
            self._terms = list(self.iter_terms())
        return self._terms

    def iter_terms(self) -> Iterator[dict[str, Any]]:
        """The rows as RDF terms one by one, without keeping them (unless :attr:`terms` already
        holds them): a result of millions of rows is never in memory as a whole."""
        if self._terms is not None:
            yield from self._terms
            return
        cols, sols, f = self.columns, self._fresh(), self._map
        try:  # the store evaluates as the solutions are read, so it may fail here (e.g. a SERVICE)
            if f is None:
                for sol in sols:
                    yield dict(zip(cols, sol))
            else:
                for sol in sols:
                    yield {c: (None if t is None else f(t)) for c, t in zip(cols, sol)}
        except (RuntimeError, OSError) as e:
            raise QueryError(f"cannot run the query: {e}") from None

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [{c: _py(r.get(c)) for c in self.columns} for r in self.terms]

    def serialize(self, fmt: str, output: BinaryIO | None = None) -> bytes | None:
        """The result in a W3C SPARQL 1.1 result format: ``csv``, ``tsv`` or ``json``; with
        ``output`` (a binary stream) it is written there row by row and None is returned."""
        if fmt not in RESULT_FORMATS:
            raise QueryError(f"unknown result format {fmt!r} (known: {', '.join(RESULT_FORMATS)})")
        sols = self._fresh()
        if sols is None:
            raise QueryError("this result holds Python values only and cannot be written in a W3C format")
        try:
            return sols.serialize(output, format=RESULT_FORMATS[fmt])
        except RuntimeError as e:  # the store evaluates as it writes: a failing query shows here
            raise QueryError(f"cannot run the query: {e}") from None
        except OSError as e:
            if output is not None and e.errno is not None:
                raise                  # the output could not be written (a full disk): the caller says so
            raise QueryError(f"cannot run the query: {e}") from None

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __repr__(self) -> str:
        return f"<Result {len(self)} rows: {', '.join(self.columns)}>"


class KnowledgeGraph:
    """Ontology and data on an in-memory Oxigraph store.

    Build one with :func:`ikz_graph.load`. All triples sit in the store's default graph; the ontology's
    few triples are also kept as a list, so that the data can be told apart from it. Sorted
    triple lists (for deterministic exports) are made only when asked for, from the store.
    """

    def __init__(self, ontology: Iterable[ox.Triple], data: Iterable[ox.Triple], *, store: ox.Store | None = None,
                 folder: Path | None = None):
        self.generation = 0  # counts changes through add(), for caches of derived data
        self._derived: dict[str, tuple[int, Any]] = {}
        self.ontology_triples = sorted(set(ontology), key=sort_key)
        #: where the store came from: "memory" (built now), "cache-built" (built now and kept on disk),
        #: "cache" (opened from disk, inputs unchanged); set by the pipeline
        self.origin = "memory"
        self._read_only = store is not None
        self._folder = folder     # where that read-only store lies on disk (its files are copied to write)
        if store is not None:  # a built store (ikz_graph.storecache), opened read-only
            self.store = store
            return
        self.store = ox.Store()
        self.store.load(sorted_ntriples_of(self.ontology_triples, data), format=ox.RdfFormat.N_TRIPLES)

    def writable_store(self) -> ox.Store:
        """The store, made writable first. A read-only store from the cache is copied once: its files
        into a temporary folder (removed with this graph), or else its triples into memory."""
        if self._read_only:
            copy = self._copy_files()
            if copy is None:
                nt = ox.RdfFormat.N_TRIPLES
                copy = ox.Store()
                copy.load(self.store.dump(format=nt, from_graph=ox.DefaultGraph()), format=nt)
            self.store, self._read_only = copy, False
        return self.store

    def _copy_files(self) -> ox.Store | None:
        """A writable copy of the read-only store made by copying its folder into a temporary one
        (a fraction of a second where copying the triples takes seconds); the folder goes with this
        graph. None when the store's folder is not known or cannot be copied."""
        if self._folder is None:
            return None
        tmp = None
        try:
            tmp = Path(tempfile.mkdtemp(prefix="ikz-graph-store-"))
            shutil.copytree(self._folder, tmp / "store")
            copy = ox.Store(str(tmp / "store"))
        except OSError:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            return None
        weakref.finalize(self, shutil.rmtree, tmp, True)
        return copy

    def __len__(self) -> int:
        return len(self.store)

    def cached(self, key: str, make: Callable[["KnowledgeGraph"], T]) -> T:
        """``make(self)``, made once and kept until the graph changes (:meth:`add`).

        Derived data such as the read model (``ikz_graph.readmodel``) is kept here, so commands that
        analyse and draw the same graph read it once.
        """
        hit = self._derived.get(key)
        if hit is not None and hit[0] == self.generation:
            return hit[1]
        value = make(self)
        self._derived[key] = (self.generation, value)
        return value

    def sorted_ntriples(self, part: str = "all") -> list[bytes]:
        """The N-Triples lines of ``all`` triples or of the ``data`` only, in export order.

        Export order is :func:`sort_key` order (subject, rdf:type first, predicate, object),
        computed on the lines themselves, which is fast for a million triples.
        """
        text = self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        lines = text.splitlines()
        if part == "data":
            lines = self.without_ontology(lines)
        return _export_order(lines)

    def without_ontology(self, lines: list[bytes]) -> list[bytes]:
        """The N-Triples ``lines`` that are not ontology triples (order kept)."""
        onto = set(ox.serialize(self.ontology_triples, format=ox.RdfFormat.N_TRIPLES).splitlines())
        return [x for x in lines if x not in onto]

    def _parsed(self, part: str) -> list[ox.Triple]:
        return [ox.Triple(q.subject, q.predicate, q.object) for q in parse_lines(self.sorted_ntriples(part))]

    @property
    def data_triples(self) -> list[ox.Triple]:
        """The data triples (everything but the ontology), sorted; built anew on each call."""
        return self._parsed("data")

    @property
    def triples(self) -> list[ox.Triple]:
        """All triples in export order; built anew on each call (a million take a few seconds)."""
        return self._parsed("all")

    def query(self, sparql: str, bindings: dict[str, Any] | None = None, *, allow_service: bool = False) -> Result:
        """Run a SPARQL SELECT query; ``bindings`` maps variable names to RDF terms (pyoxigraph).

        Values are bound as terms (SEP-0007 substitution), never spliced into the text; a bound
        variable must be in the SELECT projection. All prefixes of
        :data:`ikz_graph.namespaces.PREFIXES` are predeclared. A query with ``SERVICE`` (federation:
        the store would send requests to other hosts) is refused unless ``allow_service``.
        """
        if not allow_service and uses_service(sparql):
            raise QueryError("the query uses SERVICE, which would make the embedded store send requests to other "
                             "hosts; local queries do not do that unless asked (query --allow-service, or "
                             "allow_service=True in Python)")
        subs = {ox.Variable(k): v for k, v in (bindings or {}).items()} or None

        def run() -> ox.QuerySolutions:
            try:
                res = self.store.query(sparql, prefixes=ns.PREFIXES, substitutions=subs)
            except SyntaxError as e:
                raise QueryError(f"SPARQL syntax error: {e}") from None
            except (RuntimeError, OSError) as e:
                raise QueryError(f"cannot run the query: {e}") from None
            if not isinstance(res, ox.QuerySolutions):
                raise QueryError("only SELECT queries are supported here")
            return res

        first = run()
        return Result([v.value for v in first.variables], solutions=first, again=run)

    def add(self, triples) -> int:
        """Add triples (e.g. analysis results) to the data; returns how many were new.

        They become part of every later query and export of this graph object.
        """
        dg = ox.DefaultGraph()
        new = [t for t in set(triples) if ox.Quad(t.subject, t.predicate, t.object, dg) not in self.store]
        if new:
            self.writable_store().bulk_extend(ox.Quad(t.subject, t.predicate, t.object, dg) for t in new)
            self.generation += 1
        return len(new)

    def add_file(self, path: str | Path) -> int:
        """Add the triples of an RDF file in any format pyoxigraph reads, by extension (Turtle, N-Triples,
        TriG, N-Quads, JSON-LD, RDF/XML, N3)."""
        path = Path(path)
        fmt = ox.RdfFormat.from_extension(path.suffix[1:]) if path.suffix else None
        if fmt is None:
            raise DataError([Problem(str(path), 0, "", f"unknown RDF file type {path.suffix!r} (known: .ttl, .nt, "
                                                       ".trig, .nq, .jsonld, .rdf, .n3)")])
        try:
            if not fmt.supports_datasets:
                # a triple format straight into the store: one transaction, so a file that does not parse
                # adds nothing, and three times faster than parsing into Python first
                store = self.writable_store()
                before = len(store)
                store.load(path=str(path), format=fmt, to_graph=ox.DefaultGraph())
                added = len(store) - before
                if added:
                    self.generation += 1
                return added
            quads = list(ox.parse(path=str(path), format=fmt))
        except (SyntaxError, OSError) as e:
            line = getattr(e, "lineno", 0) or 0
            raise DataError([Problem(str(path), line, "", f"cannot read RDF: {getattr(e, 'msg', None) or e}")]) from None
        return self.add(ox.Triple(q.subject, q.predicate, q.object) for q in quads)   # every graph's triples

    def to_rdflib(self):
        """Return the whole graph as an :class:`rdflib.Graph` (imports rdflib on first use)."""
        import rdflib

        g = rdflib.Graph()
        for p, iri in ns.PREFIXES.items():
            g.bind(p, iri, override=True)
        g.parse(data=self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode("utf-8"),
                format="nt")
        return g
