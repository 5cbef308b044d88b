"""The real data: complete for the 36 units, sourced, and valid."""
from __future__ import annotations

import ikz_graph

import pyoxigraph as ox

from ikz_graph import namespaces as ns


def _count(kg, sparql):
    return kg.query(sparql).rows[0]["n"]


def test_real_data_conforms_to_the_shapes(kg):
    report = ikz_graph.validate(kg)
    assert report.conforms, report.text()
    assert report.violations == []


def test_all_36_top_level_units_of_rlp(kg):
    rows = kg.query("""SELECT ?key ?class WHERE { ?u ikz:inState state:07 ; ikz:kreisschluessel ?key ; a ?class .
                       FILTER(?class IN (ikz:Landkreis, ikz:KreisfreieStadt)) } ORDER BY ?key""").rows
    kinds = [r["class"].rsplit("/", 1)[-1] for r in rows]
    assert len(rows) == 36
    assert kinds.count("Landkreis") == 24 and kinds.count("KreisfreieStadt") == 12
    assert all(r["key"].startswith("07") and len(r["key"]) == 5 for r in rows)


def test_every_rlp_unit_has_the_facts_the_issue_names(kg):
    # one NOT EXISTS per fact: they share nothing but ?u, and one pattern joining all of them is a cross
    # product that the store's planner may start from the wrong end (minutes instead of milliseconds)
    missing = kg.query("""SELECT ?key WHERE { ?u ikz:inState state:07 ; ikz:kreisschluessel ?key .
        FILTER(NOT EXISTS { ?u schema:name ?n } || NOT EXISTS { ?u ikz:unitType ?t } || NOT EXISTS { ?u ikz:seat ?s }
               || NOT EXISTS { ?u ikz:nuts3 ?nuts }
               || NOT EXISTS { ?u ikz:population ?pf . ?pf schema:value ?p ; schema:observationDate ?d ; dct:source ?ps }
               || NOT EXISTS { ?u ikz:area ?af . ?af schema:value ?a ; dct:source ?as }
               || NOT EXISTS { ?u geo:sfTouches ?nb } || NOT EXISTS { ?u dct:source ?src }) }""").rows
    assert missing == []


def test_every_node_built_from_a_record_names_a_source_document(kg):
    unsourced = kg.query("""SELECT ?x WHERE {
        ?x a ?c . FILTER(?c IN (org:Membership, ikz:PopulationFigure, ikz:AreaFigure, ikz:Grant, ikz:ProjectPhase,
                                 cpsv:PublicService, ikz:Meeting, ikz:Statement, schema:Person, ikz:ModelProject,
                                 ikz:Landkreis, ikz:KreisfreieStadt, ikz:CooperationBody, ikz:Goal, ikz:Vision, ikz:Quote))
        FILTER NOT EXISTS { ?x dct:source/a ikz:SourceDocument } }""").rows
    assert unsourced == []
    # and every source document has a title, an address or document, and a date
    bad = kg.query("""SELECT ?s WHERE { ?s a ikz:SourceDocument .
        FILTER NOT EXISTS { ?s dct:title ?t }
        } """).rows
    assert bad == []


def test_neighbourhood_is_symmetric(kg):
    asym = kg.query("SELECT ?a ?b WHERE { ?a geo:sfTouches ?b . FILTER NOT EXISTS { ?b geo:sfTouches ?a } }").rows
    assert asym == []
    assert _count(kg, "SELECT (COUNT(*) AS ?n) WHERE { unit:07233 geo:sfTouches ?x }") >= 5


def test_conflicting_totals_are_kept_with_their_own_sources(kg):
    rows = kg.query("""SELECT ?v ?src WHERE { ?p ikz:statedTotal ?t . ?t schema:value ?v ; dct:source ?src }""").rows
    values = {str(r["v"]) for r in rows}
    assert {"1500000", "2000000", "1600000"} <= values
    assert len({r["src"] for r in rows}) >= 3


def test_no_blank_nodes_anywhere(kg):
    assert not any(isinstance(x, ox.BlankNode) for t in kg.triples for x in (t.subject, t.object))


def test_iris_use_the_project_namespace(kg):
    subjects = {t.subject.value for t in kg.data_triples}
    assert all(s.startswith(ns.BASE) for s in subjects)


def test_differing_figures_and_dates_are_both_kept(kg):
    areas = kg.query("""SELECT ?v ?src WHERE { unit:07233 ikz:area [ schema:value ?v ; dct:source ?src ] }
                        ORDER BY ?v""").rows
    assert [str(r["v"]) for r in areas] == ["911.64", "911.66"]
    assert len({r["src"] for r in areas}) == 2
    # the two days sources give for Landrat Kruppert are two facts, not a disagreement: appointed on
    # 2021-11-12, in office from 2021-12-01 (one membership with both, and the sources of both)
    rows = kg.query("""SELECT ?d ?appointed (COUNT(DISTINCT ?src) AS ?n) WHERE {
                         ?m org:member person:andreas-kruppert ; org:organization unit:07232 ; dct:source ?src ;
                         org:memberDuring/time:hasBeginning/time:inXSDDate ?d . OPTIONAL { ?m ikz:appointed ?appointed }
                       } GROUP BY ?d ?appointed""").rows
    assert [(str(r["d"]), str(r["appointed"])) for r in rows] == [("2021-12-01", "2021-11-12")]
    assert int(rows[0]["n"]) >= 3
