"""The library of named SPARQL queries in ``queries/*.rq``.

Each file starts with a header comment::

    # title: Members of the model projects
    # description: One row per member ...
    # param: project entity optional  The model project (id, label or IRI); all when left out

Parameter types: ``entity`` (an id such as ``emh`` or ``07233``, a label, or an IRI),
``date`` (``2022-01-01``), ``string``, ``integer``, ``iri``. Parameters are bound to query
variables of the same name as RDF terms (SEP-0007 substitution), never spliced into the text.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyoxigraph as ox

from .dates import parse_iso_day
from .errors import DateError, InputError, QueryError
from .inputs import brief, read_text
from .namespaces import compact
from .paths import queries_dir
from .sparql_text import substitute
from .tables import align

if TYPE_CHECKING:
    from .graph import KnowledgeGraph, Result

__all__ = ["Param", "NamedQuery", "list_queries", "get_query", "bind_params", "run_query", "format_result",
           "write_result", "resolve_entity", "OUTPUT_FORMATS", "TABLE_WIDTH_ROWS"]

OUTPUT_FORMATS = ("table", "csv", "tsv", "json")
PARAM_TYPES = ("entity", "date", "string", "integer", "iri")
_PARAM_RE = re.compile(r"^(\w+)\s+(\w+)(\s+optional)?\s*(.*)$")


@dataclass
class Param:
    name: str
    type: str
    optional: bool
    description: str


@dataclass
class NamedQuery:
    name: str
    path: Path
    title: str
    description: str
    params: list[Param] = field(default_factory=list)
    text: str = ""


def parse_query_file(path: Path) -> NamedQuery:
    """Read a ``.rq`` file and its header; a malformed parameter line raises :class:`QueryError`.

    The header is optional for ad-hoc files (the title is then the file name); the named queries in
    ``queries/`` all have one (checked by the tests).
    """
    try:
        text = read_text(path)
    except InputError as e:
        raise QueryError(f"{path}{f':{e.line}' if e.line else ''}: {e}") from None
    meta: dict[str, list[str]] = {}
    last = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        m = re.match(r"^(title|description|param):\s*(.*)$", body)
        if m:
            last = m.group(1)
            meta.setdefault(last, []).append(m.group(2).strip())
        elif body and last == "description":
            meta["description"][-1] += " " + body
    params = []
    for spec in meta.get("param", []):
        m = _PARAM_RE.match(spec)
        if not m or m.group(2) not in PARAM_TYPES:
            raise QueryError(f"{path}: bad parameter line {brief(spec)} (write: NAME TYPE [optional] description; "
                             f"types: {', '.join(PARAM_TYPES)})")
        params.append(Param(m.group(1), m.group(2), bool(m.group(3)), m.group(4).strip()))
    title = meta.get("title", [path.stem])[0]
    return NamedQuery(path.stem, path, title, " ".join(meta.get("description", [])), params, text)


def list_queries(directory: str | Path | None = None) -> list[NamedQuery]:
    """All named queries, sorted by name."""
    d = Path(directory) if directory else queries_dir()
    return [parse_query_file(p) for p in sorted(d.glob("*.rq"), key=lambda p: p.stem)]


def get_query(name_or_file: str | Path, directory: str | Path | None = None) -> NamedQuery:
    """A named query by name, or any ``.rq`` file by path."""
    p = Path(name_or_file)
    if p.suffix == ".rq" and p.exists():  # a folder or a pipe is refused by the reader
        return parse_query_file(p)
    if p.suffix == ".rq":
        raise QueryError(f"query file {p} does not exist")
    d = Path(directory) if directory else queries_dir()
    f = d / f"{name_or_file}.rq"
    if not f.is_file():
        known = ", ".join(q.name for q in list_queries(d))
        raise QueryError(f"unknown query {brief(name_or_file)} (known: {known})")
    return parse_query_file(f)


def _named_node(value: str, what: str) -> ox.NamedNode:
    """The IRI ``value`` as a node; a :class:`QueryError` naming ``what`` when it is not a valid http(s) IRI."""
    if not re.fullmatch(r"https?://\S+", value):
        raise QueryError(f"{what}: {brief(value)} is not a valid IRI (write http://… or https://…)")
    try:
        return ox.NamedNode(value)
    except ValueError as e:
        raise QueryError(f"{what}: {brief(value)} is not a valid IRI ({e})") from None


def resolve_entity(source: Any, value: str) -> ox.NamedNode:
    """The node meant by an id (``emh``, ``07233``), a label or name (``Vulkaneifel``,
    ``Eifelkreis Bitburg-Prüm``, ``durkheim``) or an IRI: the rules of :mod:`ikz_graph.resolve`.

    An exact id wins over a label; a label of an entity wins over the title of a source document.
    Two entities with the same label are an error that lists both.
    """
    from .resolve import SparqlNames, resolve

    if re.match(r"^https?://", value):
        _named_node(value, "entity")       # a bad IRI is a clear error before anything is looked up
    return ox.NamedNode(resolve(SparqlNames(source), value))


def bind_params(kg: "KnowledgeGraph", query: NamedQuery, values: dict[str, str]) -> dict[str, Any]:
    """Check ``values`` against the query's parameters and turn them into RDF terms."""
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise QueryError(f"query {query.name!r} has no parameter {', '.join(unknown)} "
                         f"(parameters: {', '.join(declared) or 'none'})")
    out: dict[str, Any] = {}
    for p in query.params:
        if p.name not in values:
            if not p.optional:
                raise QueryError(f"query {query.name!r} needs --param {p.name}=… ({p.description})")
            continue
        v = values[p.name]
        if p.type == "entity":
            out[p.name] = resolve_entity(kg, v)
        elif p.type == "iri":
            out[p.name] = _named_node(v, f"parameter {p.name}")
        elif p.type == "date":
            try:
                day = parse_iso_day(v)
            except DateError as e:
                raise QueryError(f"parameter {p.name}: {e}") from None
            out[p.name] = ox.Literal(day.isoformat(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
        elif p.type == "integer":
            if not re.fullmatch(r"-?[0-9]+", v):  # not \d: it also takes other scripts' digits
                raise QueryError(f"parameter {p.name}: {brief(v)} is not a whole number")
            out[p.name] = ox.Literal(v, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        else:
            out[p.name] = ox.Literal(v)
    return out


def run_query(kg: "KnowledgeGraph", name_or_file: str | Path, params: dict[str, str] | None = None, *,
              allow_service: bool = False) -> "Result":
    """Run a named query (or ``.rq`` file) with parameters given as strings; return a :class:`Result`.

    On the embedded store a query with ``SERVICE`` is refused unless ``allow_service`` (see
    :meth:`KnowledgeGraph.query`); any other source with a ``query(sparql, bindings)`` method, such
    as a remote endpoint, decides about it itself.
    """
    from .graph import KnowledgeGraph

    q = get_query(name_or_file)
    bindings = bind_params(kg, q, params or {})
    if isinstance(kg, KnowledgeGraph):
        # the bound terms written into the query (SEP-0007 substitution, sparql_text.substitute): the
        # store then finds them by index instead of joining them after the query's patterns
        return kg.query(substitute(q.text, bindings), allow_service=allow_service)
    return kg.query(q.text, bindings)


_compact = functools.lru_cache(maxsize=1 << 16)(compact)  # predicates and classes repeat in every row
#: Rows the table format reads before it fixes the column widths (later, wider cells are written whole).
TABLE_WIDTH_ROWS = 1000


def _cell(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return _compact(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def format_result(result: "Result", fmt: str = "table") -> str:
    """Render a result as a text table, or as W3C SPARQL 1.1 CSV, TSV or JSON results
    (written by pyoxigraph; JSON ends with a newline). :func:`write_result` streams instead."""
    buf = io.BytesIO()
    write_result(result, fmt, buf)
    return buf.getvalue().decode("utf-8")


def write_result(result: "Result", fmt: str, out: BinaryIO) -> None:
    """Write a result to the binary stream ``out`` row by row, so that memory does not grow with
    the number of rows: the W3C formats through pyoxigraph's writers; the table with column
    widths taken from the header and the first :data:`TABLE_WIDTH_ROWS` rows (a wider cell
    further down is written whole, shifting the rest of its line)."""
    if fmt not in OUTPUT_FORMATS:
        raise QueryError(f"unknown format {fmt!r} (known: {', '.join(OUTPUT_FORMATS)})")
    if fmt != "table":
        ends = _LastByte(out)
        result.serialize(fmt, ends)
        if ends.last != b"\n":
            out.write(b"\n")
        return
    cols = result.columns
    rows = ([_cell(r.get(c)) for c in cols] for r in result.iter_terms())
    first = list(itertools.islice(rows, TABLE_WIDTH_ROWS))
    widths = [max([len(c)] + [len(r[i]) for r in first]) for i, c in enumerate(cols)]
    out.write(("\n".join(align(cols, first)) + "\n").encode("utf-8"))
    n = len(first)
    for cells in rows:
        n += 1
        out.write(("  ".join(v.ljust(w) for v, w in zip(cells, widths)).rstrip() + "\n").encode("utf-8"))
    out.write(f"({n} row{'s' if n != 1 else ''})\n".encode("utf-8"))


class _LastByte:
    """A binary stream that passes writes on and remembers the last byte written."""

    def __init__(self, out: BinaryIO):
        self.out, self.last = out, b""

    def write(self, data: bytes) -> int:
        if data:
            self.last = data[-1:]
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()
