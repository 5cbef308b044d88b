"""The export writers that do by hand what a library would do slowly: the bytes must stay exactly
those of the reference (``json.dumps`` of the document, the longest-prefix rule of compact IRIs)."""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from ikz_graph import namespaces as ns
from ikz_graph.exports import _jsonld, serialize


def _longest_prefix(iri: str) -> str:
    """The rule of :func:`ns.compact`, written the plain way: try every prefix, longest first."""
    for p, base in sorted(ns.PREFIXES.items(), key=lambda kv: -len(kv[1])):
        rest = iri[len(base):]
        if iri.startswith(base) and rest and not rest.startswith("/"):
            return f"{p}:{rest}"
    return iri


def test_every_namespace_ends_where_compact_looks_for_it():
    assert all(base.endswith(("/", "#")) for base in ns.PREFIXES.values())


@pytest.mark.parametrize("rest", ["", "x", "07233", "/x", "a/b", "a#b", "#", "/", "a//b", "x/", "x#", "ä ö"])
def test_compact_takes_the_longest_prefix_that_fits(rest):
    for base in ns.PREFIXES.values():
        assert ns.compact(base + rest) == _longest_prefix(base + rest), base + rest


@pytest.mark.parametrize("iri", ["", "/", "#", "urn:x", "http://example.org/a/b", ns.ID.rstrip("/"), ns.ID + "/x"])
def test_compact_leaves_iris_without_a_fitting_prefix(iri):
    assert ns.compact(iri) == _longest_prefix(iri)


def _t(s, p, o):
    return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o)


def test_jsonld_text_is_json_dumps_of_the_document_for_awkward_literals():
    s = ns.ID + "unit/07233"
    label = ns.RDFS + "label"
    odd = ['quote " and backslash \\', "tab\tnew\nline\r\x01\x1f", "Süd­west­pfalz – ß €", "", "😀 \u2028"]
    triples = [_t(s, ns.RDF + "type", ox.NamedNode(ns.IKZ + "Landkreis")),
               _t(s, ns.RDF + "type", ox.NamedNode("http://example.org/NoPrefix")),
               *(_t(s, label, ox.Literal(x)) for x in odd),
               _t(s, label, ox.Literal("Vulkaneifel", language="de")),
               _t(s, label, ox.Literal("Vulkaneifel", language="en")),
               _t(s, ns.IKZ + "area", ox.Literal("911.6", datatype=ox.NamedNode(ns.XSD + "decimal"))),
               _t(s, ns.IKZ + "area", ox.Literal("1", datatype=ox.NamedNode("http://example.org/dt"))),
               _t(s, ns.ORG + "hasSite", ox.NamedNode("http://example.org/site")),
               _t(s, ns.ORG + "hasSite", ox.NamedNode(ns.ID + "unit/07231")),
               _t("http://example.org/other", label, ox.Literal("x"))]
    raw = _jsonld(iter(sorted(triples, key=lambda t: t.subject.value)))
    doc = json.loads(raw)
    assert raw == (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    node = next(n for n in doc["@graph"] if n["@id"] == "unit:07233")
    assert sorted(node["@type"]) == node["@type"] == ["http://example.org/NoPrefix", "ikz:Landkreis"]
    assert set(odd) <= set(x for x in node["rdfs:label"] if isinstance(x, str))
    assert {"@value": "1", "@type": "http://example.org/dt"} in node["ikz:area"]
    # the document says the same triples
    back = {str(ox.Triple(q.subject, q.predicate, q.object)) for q in ox.parse(raw, format=ox.RdfFormat.JSON_LD)}
    assert back == {str(t) for t in triples}


def test_trig_holds_each_triple_once_in_its_graph(kg):
    quads = list(ox.parse(serialize(kg, "trig"), format=ox.RdfFormat.TRIG))
    data = {str(ox.Triple(q.subject, q.predicate, q.object)) for q in quads if q.graph_name.value == ns.GRAPH_DATA}
    onto = {str(ox.Triple(q.subject, q.predicate, q.object)) for q in quads if q.graph_name.value == ns.GRAPH_ONTOLOGY}
    assert data == {str(t) for t in kg.data_triples}
    assert onto == {str(t) for t in kg.ontology_triples}
