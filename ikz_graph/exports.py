"""Deterministic exports: Turtle, N-Triples, TriG (named graphs), JSON-LD with a context.

The same input gives byte-identical files: triples are sorted (see :func:`ikz_graph.graph.sort_key`),
the graph has no blank nodes, and JSON is written with sorted keys. The five files are one set
(:func:`ikz_graph.atomic.write_files`): a build switches all of them at once, or none.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pyoxigraph as ox

from . import namespaces as ns
from .atomic import write_files
from .errors import ExportError
from .graph import ntriples_text, parse_lines

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["export", "serialize", "jsonld_context", "FORMATS"]

FORMATS = ("ttl", "nt", "trig", "jsonld")



def jsonld_context() -> dict:
    """The JSON-LD context: every prefix of the project."""
    return {"@context": {p: iri for p, iri in sorted(ns.PREFIXES.items())}}


class _Compact(dict):
    """``ns.compact`` remembered for one export: predicates, classes and datatypes repeat on almost
    every line, and each IRI is compacted once instead of every time it occurs."""

    def __missing__(self, iri: str) -> str:
        self[iri] = short = ns.compact(iri)
        return short


def _jsonld_value(t, short: _Compact) -> tuple[str, object]:
    """The compact predicate and JSON-LD value of a (non-type) triple."""
    o = t.object
    if isinstance(o, ox.NamedNode):
        val: object = {"@id": short[o.value]}
    elif o.language:
        val = {"@value": o.value, "@language": o.language}
    elif o.datatype.value == ns.XSD + "string":
        val = o.value
    else:
        val = {"@value": o.value, "@type": short[o.datatype.value]}
    return short[t.predicate.value], val


_string = json.encoder.encode_basestring       # one JSON string, non-ASCII kept (ensure_ascii=False)


def _value_text(v: object, pad: str) -> str:
    """A value of a node (a string or a flat object of strings) as ``json.dumps(indent=1)`` writes it
    at indentation ``pad``."""
    if isinstance(v, str):
        return _string(v)
    inner = pad + " "
    return "{\n" + ",\n".join(f"{inner}{_string(k)}: {_string(x)}" for k, x in sorted(v.items())) + "\n" + pad + "}"


def _sort_text(v: object) -> str:
    """The order of the values of one key: their text as ``json.dumps(v, sort_keys=True)`` writes it."""
    if isinstance(v, str):
        return _string(v)
    return "{" + ", ".join(f"{_string(k)}: {_string(x)}" for k, x in sorted(v.items())) + "}"


def _jsonld_node(sid: str, triples: list, short: _Compact) -> str:
    """One node of ``@graph`` as JSON text, indented for its place in the document.

    The text is that of ``json.dumps(node, ensure_ascii=False, indent=1, sort_keys=True)`` indented
    by two more spaces, written here directly: the standard encoder falls back to pure Python when
    it indents, and took half of the JSON-LD export.
    """
    node: dict[str, list] = {}
    for t in triples:
        if t.predicate.value == ns.RDF + "type":
            node.setdefault("@type", []).append(short[t.object.value])
        else:
            key, val = _jsonld_value(t, short)
            node.setdefault(key, []).append(val)
    parts = []
    for key in sorted([*node, "@id"]):
        if key == "@id":
            parts.append(f'   "@id": {_string(sid)}')
            continue
        vals = node[key]
        if len(vals) > 1:
            vals.sort(key=_sort_text)
        items = ",\n".join("    " + _value_text(v, "    ") for v in vals)
        parts.append(f"   {_string(key)}: [\n{items}\n   ]")
    return "{\n" + ",\n".join(parts) + "\n  }"


def _jsonld(triples) -> bytes:
    """The JSON-LD document (context and ``@graph`` sorted by compact id) of triples grouped
    by subject, as in export order.

    Each node is turned into text as soon as its triples are complete, so only the text is kept,
    not the whole document as Python objects (about 1 GB less at a million triples). The bytes
    are those of ``json.dumps(doc, indent=1, sort_keys=True)``.
    """
    texts: dict[str, str] = {}
    short = _Compact()
    group: list = []
    for t in triples:
        if group and t.subject != group[0].subject:
            _add_node(texts, group, short)
            group = []
        group.append(t)
    if group:
        _add_node(texts, group, short)
    context = json.dumps(jsonld_context()["@context"], ensure_ascii=False, indent=1, sort_keys=True)
    graph = "[\n  " + ",\n  ".join(texts[k] for k in sorted(texts)) + "\n ]" if texts else "[]"
    return ('{\n "@context": ' + context.replace("\n", "\n ") + ',\n "@graph": ' + graph + "\n}\n").encode("utf-8")


def _add_node(texts: dict[str, str], group: list, short: _Compact) -> None:
    sid = short[group[0].subject.value]
    if sid in texts:
        raise ExportError(f"JSON-LD export: the triples of {sid} are not together (lines not in export order)")
    texts[sid] = _jsonld_node(sid, group, short)


def _nquads(lines: list[bytes], graph: str) -> bytes:
    """N-Triples ``lines`` (each ending in " .") as N-Quads lines in ``graph``: the text is parsed in
    one go, instead of a Python quad made for each triple (three times faster)."""
    tail = b" <" + graph.encode("utf-8") + b"> .\n"
    return b"".join(line[:-1] + tail for line in lines)


def serialize(kg: "KnowledgeGraph", fmt: str, lines: list[bytes] | None = None) -> bytes:
    """Serialize the graph in one of :data:`FORMATS`.

    ``lines`` are the graph's N-Triples lines in export order (``kg.sorted_ntriples()``), when the
    caller already has them: :func:`export` sorts once for all formats.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if lines is None:
        lines = kg.sorted_ntriples()
    if fmt == "ttl":
        return ox.serialize(parse_lines(lines), format=ox.RdfFormat.TURTLE, prefixes=ns.PREFIXES)
    if fmt == "nt":
        return ntriples_text(lines)
    if fmt == "trig":
        onto = ox.serialize(kg.ontology_triples, format=ox.RdfFormat.N_TRIPLES).splitlines()
        return ox.serialize(ox.parse(_nquads(onto, ns.GRAPH_ONTOLOGY) + _nquads(kg.without_ontology(lines), ns.GRAPH_DATA),
                                     format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.TRIG, prefixes=ns.PREFIXES)
    return _jsonld(parse_lines(lines))


def export(kg: "KnowledgeGraph", out_dir: str | Path = "dist") -> list[Path]:
    """Write ``ikz.ttl``, ``ikz.nt``, ``ikz.trig``, ``ikz.jsonld`` and ``ikz.context.jsonld``."""
    from .progress import Progress

    lines = kg.sorted_ntriples()  # sorted once for every format
    with Progress("Serializing", len(FORMATS)) as bar:
        def make(fmt: str) -> Callable[[], bytes]:
            def run() -> bytes:
                data = serialize(kg, fmt, lines)
                bar.advance()
                return data
            return run

        files: dict[str, bytes | Callable[[], bytes]] = {f"ikz.{fmt}": make(fmt) for fmt in FORMATS}
        files["ikz.context.jsonld"] = (json.dumps(jsonld_context(), indent=1, sort_keys=True) + "\n").encode("utf-8")
        return write_files(out_dir, files, name="ikz-exports")
