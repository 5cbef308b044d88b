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


def _jsonld_value(t) -> tuple[str, object]:
    """The compact predicate and JSON-LD value of a (non-type) triple."""
    o = t.object
    if isinstance(o, ox.NamedNode):
        val: object = {"@id": ns.compact(o.value)}
    elif o.language:
        val = {"@value": o.value, "@language": o.language}
    elif o.datatype.value == ns.XSD + "string":
        val = o.value
    else:
        val = {"@value": o.value, "@type": ns.compact(o.datatype.value)}
    return ns.compact(t.predicate.value), val


def _jsonld_node(sid: str, triples: list) -> str:
    """One node of ``@graph`` as JSON text, indented for its place in the document."""
    node: dict[str, object] = {"@id": sid}
    for t in triples:
        if t.predicate.value == ns.RDF + "type":
            node.setdefault("@type", []).append(ns.compact(t.object.value))
        else:
            key, val = _jsonld_value(t)
            node.setdefault(key, []).append(val)
    for v in node.values():
        if isinstance(v, list):
            v.sort(key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    return json.dumps(node, ensure_ascii=False, indent=1, sort_keys=True).replace("\n", "\n  ")


def _jsonld(triples) -> bytes:
    """The JSON-LD document (context and ``@graph`` sorted by compact id) of triples grouped
    by subject, as in export order.

    Each node is turned into text as soon as its triples are complete, so only the text is kept,
    not the whole document as Python objects (about 1 GB less at a million triples). The bytes
    are those of ``json.dumps(doc, indent=1, sort_keys=True)``.
    """
    texts: dict[str, str] = {}
    group: list = []
    for t in triples:
        if group and t.subject != group[0].subject:
            _add_node(texts, group)
            group = []
        group.append(t)
    if group:
        _add_node(texts, group)
    context = json.dumps(jsonld_context()["@context"], ensure_ascii=False, indent=1, sort_keys=True)
    graph = "[\n  " + ",\n  ".join(texts[k] for k in sorted(texts)) + "\n ]" if texts else "[]"
    return ('{\n "@context": ' + context.replace("\n", "\n ") + ',\n "@graph": ' + graph + "\n}\n").encode("utf-8")


def _add_node(texts: dict[str, str], group: list) -> None:
    sid = ns.compact(group[0].subject.value)
    if sid in texts:
        raise ExportError(f"JSON-LD export: the triples of {sid} are not together (lines not in export order)")
    texts[sid] = _jsonld_node(sid, group)


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
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(ns.GRAPH_ONTOLOGY)) for t in kg.ontology_triples]
        data = ox.NamedNode(ns.GRAPH_DATA)
        quads += (ox.Quad(q.subject, q.predicate, q.object, data) for q in parse_lines(kg.without_ontology(lines)))
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=ns.PREFIXES)
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
