"""SHACL catches what slips past the record checks, and says where and what in plain words."""
from __future__ import annotations

import ikz_graph

import pyoxigraph as ox

from ikz_graph import namespaces as ns
from ikz_graph.graph import KnowledgeGraph

N = ox.NamedNode


def _variant(kg, drop=(), add=()):
    data = [t for t in kg.data_triples if not any(d(t) for d in drop)] + list(add)
    return KnowledgeGraph(kg.ontology_triples, data)


def test_missing_source_is_a_violation_naming_the_node(kg):
    m = N(ns.ID + "membership/emh/07233/lead-partner/2021")
    bad = _variant(kg, drop=[lambda t: t.subject == m and t.predicate.value == ns.DCT + "source"])
    report = ikz_graph.validate(bad)
    assert not report.conforms
    hits = [v for v in report.violations if v.node == m.value]
    assert hits and hits[0].path == "dct:source" and "has no source" in hits[0].message
    assert "membership:emh/07233/lead-partner/2021" in report.text() or m.value in report.text()


def test_end_before_start_is_a_violation(kg):
    during = N(ns.ID + "membership/vorderpfalz/07318/member/2021-07/during")
    bad = _variant(kg, drop=[lambda t: t.subject == during and t.predicate.value == ns.TIME + "hasEnd"],
                   add=[ox.Triple(during, N(ns.TIME + "hasEnd"), N(ns.ID + "date/2016-01-01"))])
    report = ikz_graph.validate(bad)
    assert not report.conforms
    assert any(v.node == during.value and "ends (2016-01-01) before it begins (2021-07-01)" in v.message
               for v in report.violations), report.text()


def test_malformed_key_and_wrong_value_class(kg):
    u = N(ns.ID + "unit/07233")
    bad = _variant(kg, drop=[lambda t: t.subject == u and t.predicate.value == ns.IKZ + "kreisschluessel"],
                   add=[ox.Triple(u, N(ns.IKZ + "kreisschluessel"), ox.Literal("7233")),
                        ox.Triple(N(ns.ID + "service/kfz-zulassung"), N(ns.CV + "hasCompetentAuthority"),
                                  N(ns.ID + "source/swr-kfz-zulassung-2023"))])
    report = ikz_graph.validate(bad)
    msgs = {(v.node.rsplit("/", 1)[-1], v.path): v for v in report.violations}
    assert "5 digits" in msgs[("07233", "ikz:kreisschluessel")].message
    assert msgs[("07233", "ikz:kreisschluessel")].label == "Vulkaneifel"
    assert "competent authority" in msgs[("kfz-zulassung", "cv:hasCompetentAuthority")].message


def test_undocumented_own_term_is_a_violation(kg):
    term = N(ns.IKZ + "undocumentedThing")
    onto = list(kg.ontology_triples) + [ox.Triple(term, N(ns.RDF + "type"), N(ns.OWL + "Class")),
                                        ox.Triple(term, N(ns.RDFS + "label"), ox.Literal("Ding", language="de"))]
    report = ikz_graph.validate(KnowledgeGraph(onto, kg.data_triples))
    assert [v.node for v in report.violations] == [term.value]
    assert "German and in English" in report.violations[0].message
