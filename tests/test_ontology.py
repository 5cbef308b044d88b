"""The ontology parses, documents itself, and every shape targets a real class."""
from __future__ import annotations

import pyoxigraph as ox
import rdflib

import ikz_graph

from ikz_graph import namespaces as ns
from ikz_graph.graph import concepts_by_scheme, load_ontology

from .conftest import ROOT

RDF_TYPE = ns.RDF + "type"


def test_ontology_parses_without_blank_nodes_and_has_metadata():
    triples = load_ontology()
    onto = [t for t in triples if t.subject.value == ns.ONTOLOGY_IRI]
    preds = {t.predicate.value for t in onto}
    assert ns.OWL + "versionInfo" in preds
    assert ns.DCT + "license" in preds
    assert all(not isinstance(x, ox.BlankNode) for t in triples for x in (t.subject, t.object))


def test_every_own_term_has_german_and_english_label_and_definition():
    triples = load_ontology()
    own = {t.subject.value for t in triples
           if t.predicate.value == RDF_TYPE and t.subject.value.startswith(ns.BASE)
           and t.object.value in (ns.OWL + "Class", ns.OWL + "ObjectProperty", ns.OWL + "DatatypeProperty",
                                  ns.SKOS + "Concept")}
    assert len(own) > 60
    labels = (ns.RDFS + "label", ns.SKOS + "prefLabel")
    have = {(t.subject.value, "label" if t.predicate.value in labels else "definition", t.object.language)
            for t in triples if isinstance(t.object, ox.Literal)
            and t.predicate.value in labels + (ns.SKOS + "definition",)}
    missing = [f"{term} {kind}@{lang}" for term in sorted(own) for kind in ("label", "definition")
               for lang in ("de", "en") if (term, kind, lang) not in have]
    assert missing == []


def test_concept_schemes_cover_the_issue():
    schemes = concepts_by_scheme(load_ontology())
    assert {"task-fields", "legal-forms", "roles", "unit-types"} <= set(schemes)
    assert {"vehicle-registration", "fines", "digitalisation", "cyber-security", "shared-staff",
            "networked-software-use", "digital-portal", "waste-management", "public-transport",
            "regional-planning"} <= schemes["task-fields"]
    assert {"zweckverband", "zweckvereinbarung", "kommunale-arbeitsgemeinschaft",
            "gemeinsame-kommunale-anstalt"} <= schemes["legal-forms"]
    assert {"member", "lead-partner", "competent-authority", "operator"} <= schemes["roles"]


def _edges(g, reverse=False):
    """rdfs:subClassOf as a dict: class -> superclasses (or -> subclasses with ``reverse``)."""
    out = {}
    for s, o in g.subject_objects(rdflib.RDFS.subClassOf):
        a, b = (o, s) if reverse else (s, o)
        out.setdefault(a, set()).add(b)
    return out


def _closure(edges, start):
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _shapes():
    return rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")


def test_every_shape_targets_a_class_that_exists(kg, synth_kg):
    g = kg.to_rdflib()
    # municipalities (ikz:Gemeinde) are not in the real data yet: the synthetic data exercises them
    synth = synth_kg.to_rdflib()
    g += synth
    SH = rdflib.Namespace(ns.SH)
    declared = set(g.subjects(rdflib.RDF.type, rdflib.OWL.Class)) | set(g.objects(None, rdflib.RDFS.subClassOf))
    used = set(g.objects(None, rdflib.RDF.type))
    targets = set(_shapes().objects(None, SH.targetClass))
    assert targets
    not_real = sorted(str(c) for c in targets if c not in declared and c not in used)
    assert not_real == []
    # and each targeted class has instances in the real data, so every shape is exercised (the levels
    # of the official base layer, Regierungsbezirk to Gemeindeverband, in the national graph)
    sub = _edges(g, reverse=True)
    empty = sorted(str(c) for c in targets
                   if not any(True for k in _closure(sub, c) for _ in g.subjects(rdflib.RDF.type, k)))
    national = ikz_graph.load(base="de")
    empty = [c for c in empty if not national.query(f"SELECT ?x WHERE {{ ?x a <{c}> }} LIMIT 1").rows]
    assert empty == []


def test_every_class_used_in_the_data_has_a_shape(kg):
    g = kg.to_rdflib()
    SH = rdflib.Namespace(ns.SH)
    targets = set(_shapes().objects(None, SH.targetClass))
    supers = _edges(g)
    data_subjects = {t.subject.value for t in kg.data_triples}
    used = {o for s, o in g.subject_objects(rdflib.RDF.type) if str(s) in data_subjects}
    # interval/time helper classes and document types are covered by their own shapes too
    uncovered = sorted(str(c) for c in used if not (_closure(supers, c) & targets))
    assert uncovered == []
