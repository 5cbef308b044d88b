"""The oxigraph SHACL engine (SPARQL on the store) against pySHACL: same violations, every construct.

Each broken variant plants a problem in the real graph; both engines must report the same set of
(node, label, path, message, value, severity), and the oxigraph engine must report the planted problem.
"""
from __future__ import annotations

import ikz_graph

import re
import subprocess
import sys

import pyoxigraph as ox
import pytest

from ikz_graph import IkzError
from ikz_graph import namespaces as ns
from ikz_graph.graph import KnowledgeGraph
from ikz_graph.paths import ontology_dir
from ikz_graph.shacl_sparql import ShapesError

from .conftest import ROOT

N = ox.NamedNode
XSD = ns.XSD
SHAPES = (ontology_dir() / "shapes.ttl").read_text(encoding="utf-8")


def T(s, p, o):
    return ox.Triple(N(s) if isinstance(s, str) else s, N(p), N(o) if isinstance(o, str) else o)


def lit(v, dt=None, lang=None):
    if lang:
        return ox.Literal(v, language=lang)
    return ox.Literal(v, datatype=N(XSD + dt)) if dt else ox.Literal(v)


def is_sp(s, p):
    return lambda t: t.subject.value == s and t.predicate.value == p


def is_spo(s, p, o):
    return lambda t: t.subject.value == s and t.predicate.value == p and t.object.value == o


ID, IKZ, DCT, SCHEMA, ORG, TIME = ns.ID, ns.IKZ, ns.DCT, ns.SCHEMA, ns.ORG, ns.TIME
POP = ID + "unit/07111/population/2023-12-31/u-destatis-kreise-2023"
AREA = ID + "unit/07111/area/u-destatis-kreise-2023"
GRANT = ID + "grant/emh-2021"
AMOUNT = ID + "grant/emh-2021/amount"
SOURCE = ID + "source/eifel-hautnah-kfz-2023"
INSTANT = ID + "date/2021-07"
MEETING = ID + "meeting/vulkaneifel-gdk-2023-10-09"
COMMITTEE = ID + "org/vulkaneifel-ausschuss-gdk"
DURING = ID + "membership/irt/07233/member/1994-02-24/during"


def _membership(kg, member, org):
    rows = kg.query(f"SELECT ?m WHERE {{ ?m org:member <{member}> ; org:organization <{org}> }} ORDER BY ?m").rows
    assert rows, (member, org)
    return rows[0]["m"]


# name -> (drop predicates, added triples, planted problem: (node, path, part of the message)); callables get kg
VARIANTS = {
    # tests/test_shacl.py
    "shacl-missing-source": lambda kg: (
        [is_sp(ID + "membership/emh/07233/lead-partner/2021", DCT + "source")], [],
        (ID + "membership/emh/07233/lead-partner/2021", "dct:source", "has no source")),
    "shacl-end-before-start": lambda kg: (
        [is_sp(DURING, TIME + "hasEnd")], [T(DURING, TIME + "hasEnd", ID + "date/1973-09-01")],
        (DURING, "", "ends (1973-09-01) before it begins (1994-02-24)")),
    "shacl-malformed-key-and-wrong-class": lambda kg: (
        [is_sp(ID + "unit/07233", IKZ + "kreisschluessel")],
        [T(ID + "unit/07233", IKZ + "kreisschluessel", lit("7233")),
         T(ID + "service/kfz-zulassung", ns.CV + "hasCompetentAuthority", ID + "source/swr-kfz-zulassung-2023")],
        (ID + "service/kfz-zulassung", "cv:hasCompetentAuthority", "competent authority")),
    # the record-level cases of tests/test_bad_input.py, planted in the graph instead of the YAML
    "bad-unknown-kreisschluessel": lambda kg: (
        [is_spo(m := _membership(kg, ID + "unit/07232", ID + "org/emh"), ORG + "member", ID + "unit/07232")],
        [T(m, ORG + "member", ID + "unit/07299")], (m, "org:member", "needs exactly one member")),
    "bad-malformed-kreisschluessel": lambda kg: (
        [is_sp(ID + "unit/07233", IKZ + "kreisschluessel")], [T(ID + "unit/07233", IKZ + "kreisschluessel", lit("7233"))],
        (ID + "unit/07233", "ikz:kreisschluessel", "5 digits")),
    "bad-missing-source": lambda kg: (
        [is_sp(m := _membership(kg, ID + "unit/07211", ID + "org/art"), DCT + "source")], [],
        (m, "dct:source", "has no source")),
    "bad-unknown-source": lambda kg: (
        [is_sp(ID + "person/michael-ebling", DCT + "source")],
        [T(ID + "person/michael-ebling", DCT + "source", ID + "source/no-such-source")],
        (ID + "person/michael-ebling", "dct:source", "has no source")),
    "bad-missing-entity": lambda kg: (
        [is_sp(ID + "service/bussgeldverfahren", SCHEMA + "serviceOperator")],
        [T(ID + "service/bussgeldverfahren", SCHEMA + "serviceOperator", ID + "org/bernkastel")],
        (ID + "service/bussgeldverfahren", "schema:serviceOperator", "at most one operator")),
    "bad-end-before-start": lambda kg: (
        [is_sp(DURING, TIME + "hasEnd")], [T(DURING, TIME + "hasEnd", ID + "date/1975")],
        (DURING, "", "ends (1975-12-31) before it begins (1994-02-24)")),
    # one or more per supported construct
    "datatype-string-for-integer": lambda kg: (
        [is_sp(POP, SCHEMA + "value")], [T(POP, SCHEMA + "value", lit("12"))],
        (POP, "schema:value", "non-negative whole number")),
    "datatype-ill-typed-integer": lambda kg: (
        [is_sp(POP, SCHEMA + "value")], [T(POP, SCHEMA + "value", lit("twelve", "integer"))],
        (POP, "schema:value", "non-negative whole number")),
    "datatype-langstring": lambda kg: (
        [is_sp(ID + "org/emh", SCHEMA + "name")], [T(ID + "org/emh", SCHEMA + "name", lit("Eifel"))],
        (ID + "org/emh", "schema:name", "with a language tag")),
    "minInclusive": lambda kg: (
        [is_sp(POP, SCHEMA + "value")], [T(POP, SCHEMA + "value", lit("-5", "integer"))],
        (POP, "schema:value", "non-negative whole number")),
    "minExclusive": lambda kg: (
        [is_sp(AREA, SCHEMA + "value")], [T(AREA, SCHEMA + "value", lit("0.0", "decimal"))],
        (AREA, "schema:value", "positive decimal")),
    "maxInclusive": lambda kg: (
        [is_sp(GRANT, IKZ + "fundingRate")], [T(GRANT, IKZ + "fundingRate", lit("1.5", "decimal"))],
        (GRANT, "ikz:fundingRate", "between 0 and 1")),
    "maxCount": lambda kg: (
        [], [T(ID + "org/emh", SCHEMA + "name", lit("Zweiter Name", lang="de"))],
        (ID + "org/emh", "schema:name", "exactly one name")),
    "minCount-title": lambda kg: (
        [is_sp(SOURCE, DCT + "title")], [], (SOURCE, "dct:title", "exactly one title")),
    "xone-two-precisions": lambda kg: (
        [], [T(INSTANT, TIME + "inXSDDate", lit("2021-07-01", "date"))],
        (INSTANT, "", "exactly one date, at day, month or year precision")),
    "xone-none": lambda kg: (
        [is_sp(INSTANT, TIME + "inXSDgYearMonth")], [],
        (INSTANT, "", "exactly one date, at day, month or year precision")),
    "or-of-datatypes": lambda kg: (
        [is_sp(SOURCE, DCT + "issued")], [T(SOURCE, DCT + "issued", lit("2023"))],
        (SOURCE, "dct:issued", "publication date must be one")),
    "or-of-classes": lambda kg: (
        [is_sp(m := _membership(kg, ID + "unit/07232", ID + "org/emh"), ORG + "member")],
        [T(m, ORG + "member", SOURCE)], (m, "org:member", "an organisation or a person")),
    "or-node-level-with-message": lambda kg: (
        [is_sp(SOURCE, SCHEMA + "url"), is_sp(SOURCE, DCT + "bibliographicCitation")], [],
        (SOURCE, "", "needs a URL (schema:url) or a document reference")),
    "inversePath": lambda kg: (
        [lambda t, keep=_membership(kg, ID + "unit/07233", ID + "org/emh"):
         t.predicate.value == ORG + "organization" and t.object.value == ID + "org/emh" and t.subject.value != keep],
        [], (ID + "org/emh", "(path)", "at least two memberships")),
    "class-and-maxCount-unitOf": lambda kg: (
        [], [T(COMMITTEE, ORG + "unitOf", ID + "org/emh")],
        (COMMITTEE, "org:unitOf", "belongs to a territorial authority")),
    "class-target-subclass": lambda kg: (
        [is_sp(ID + "unit/07131", IKZ + "unitType")], [],
        (ID + "unit/07131", "ikz:unitType", "exactly one unit type")),
    "nodeKind": lambda kg: (
        [is_sp(SOURCE, SCHEMA + "url")], [T(SOURCE, SCHEMA + "url", lit("https://example.org/doc"))],
        (SOURCE, "schema:url", "one http(s) IRI")),
    "pattern-iri": lambda kg: (
        [is_sp(SOURCE, SCHEMA + "url")], [T(SOURCE, SCHEMA + "url", "ftp://example.org/doc")],
        (SOURCE, "schema:url", "one http(s) IRI")),
    "pattern-currency": lambda kg: (
        [is_sp(AMOUNT, SCHEMA + "currency")], [T(AMOUNT, SCHEMA + "currency", lit("eur"))],
        (AMOUNT, "schema:currency", "ISO 4217")),
    "lessThanOrEquals": lambda kg: (
        [is_sp(INSTANT, IKZ + "earliestDate")], [T(INSTANT, IKZ + "earliestDate", lit("2021-08-05", "date"))],
        (INSTANT, "ikz:earliestDate", "not after its latest date")),
}


def _variant(kg, name):
    drop, add, planted = VARIANTS[name](kg)
    data = [t for t in kg.data_triples if not any(d(t) for d in drop)] + list(add)
    assert len(data) != len(kg.data_triples) or add, f"{name}: nothing was changed"
    return KnowledgeGraph(kg.ontology_triples, data), planted


def _both(kg, shapes=None):
    """Run both engines; they must agree exactly. Returns the oxigraph report."""
    ox_report = ikz_graph.validate(kg, shapes, engine="oxigraph")
    py_report = ikz_graph.validate(kg, shapes, engine="pyshacl")
    assert ox_report.violations == py_report.violations, (
        "only oxigraph:\n" + "\n".join(map(str, sorted(set(ox_report.violations) - set(py_report.violations))))
        + "\nonly pyshacl:\n" + "\n".join(map(str, sorted(set(py_report.violations) - set(ox_report.violations)))))
    assert ox_report.conforms == py_report.conforms
    assert ox_report.text() == py_report.text()
    return ox_report


def test_real_graph_same_on_both_engines(kg):
    report = _both(kg)
    assert report.conforms and report.violations == []


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_broken_variant_same_on_both_engines(kg, name):
    bad, (node, path, message) = _variant(kg, name)
    report = _both(bad)
    assert not report.conforms
    hits = [v for v in report.violations if v.node == node and v.path == path and message in v.message]
    assert hits, f"{name}: planted problem not found in\n{report.text()}"


def test_undocumented_own_term_same_on_both_engines(kg):
    term = N(ns.IKZ + "undocumentedThing")
    onto = list(kg.ontology_triples) + [T(term, ns.RDF + "type", ns.OWL + "Class"),
                                        T(term, ns.RDFS + "label", lit("Ding", lang="de"))]
    report = _both(KnowledgeGraph(onto, kg.data_triples))
    assert [(v.node, v.label) for v in report.violations] == [(term.value, "Ding")]


def test_class_constraint_follows_subclasses(kg):
    # the committee belongs to a Landkreis, which is a TerritorialAuthority only through rdfs:subClassOf
    target = kg.query(f"SELECT ?u WHERE {{ <{COMMITTEE}> org:unitOf ?u }}").rows[0]["u"]
    assert not kg.query(f"SELECT ?u WHERE {{ <{target}> a ikz:TerritorialAuthority }}").rows
    assert kg.query(f"SELECT ?u WHERE {{ <{target}> a/rdfs:subClassOf+ ikz:TerritorialAuthority }}").rows
    assert not [v for v in ikz_graph.validate(kg).violations if v.node == COMMITTEE]


EXTRA = """
ikzsh:CityMatches a sh:NodeShape ; sh:targetClass ikz:KreisfreieStadt ;
    sh:property [ sh:path skos:exactMatch ; sh:minCount 3 ; sh:severity sh:Warning ; sh:message "needs three matches" ] .
ikzsh:NamedB a sh:NodeShape ; sh:targetClass ikz:Landkreis ;
    sh:property [ sh:path rdfs:label ; sh:pattern "^b" ; sh:flags "i" ; sh:severity sh:Info ; sh:message "label does not start with B" ] ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ikzsh: ;
        sh:message "{$this} is called {?name} ({?name})" ;
        sh:select \"\"\"SELECT $this ?name WHERE { $this rdfs:label ?name . FILTER(STRSTARTS(?name, "Bad ")) }\"\"\" ] .
"""


def test_severities_flags_and_message_substitution_same_on_both_engines(kg, tmp_path):
    shapes = tmp_path / "extra.ttl"
    shapes.write_text(SHAPES + EXTRA, encoding="utf-8")
    report = _both(kg, shapes)
    assert not report.conforms  # the SPARQL constraint has severity Violation
    sev = {v.severity for v in report.violations}
    assert sev == {"Violation", "Warning", "Info"}
    assert any(v.node == ID + "unit/07111" and v.severity == "Warning" for v in report.violations)
    assert any(v.message == f"{ID}unit/07332 is called Bad Dürkheim (Bad Dürkheim)" for v in report.violations)
    info = [v for v in report.violations if v.severity == "Info"]
    assert info and all(not v.value.lower().startswith("b") for v in info)
    assert ID + "unit/07332" not in {v.node for v in info}  # "Bad Dürkheim" matches "^b" with flag i


def test_only_warnings_do_not_conform_but_pass_by_default(kg, tmp_path, cli):
    """SHACL: any result, warnings included, means sh:conforms false; only violations fail the check by default."""
    shapes = tmp_path / "warn.ttl"
    shapes.write_text(SHAPES + EXTRA.split("ikzsh:NamedB")[0], encoding="utf-8")
    report = _both(kg, shapes)
    assert not report.conforms and report.violations and {v.severity for v in report.violations} == {"Warning"}
    assert not report.fails() and report.fails("warning") and report.fails("info")
    r = cli("validate", "--shapes", shapes)
    assert r.exit_code == 0 and r.output.startswith("The graph does not conform: ")
    assert r.output.rstrip().endswith("No result is a violation, so the check passes.")
    assert cli("validate", "--shapes", shapes, "--fail-on", "warning").exit_code == 1
    assert "sh:conforms false" in cli("validate", "--shapes", shapes, "--format", "turtle").output


#: construct -> (what the shape says, whether pySHACL runs it)
UNSUPPORTED = {
    "sh:target": ("sh:target [ a sh:SPARQLTarget ; sh:select \"SELECT ?this WHERE { ?this a ikz:Landkreis }\" ]", True),
    "recursive shapes": ("sh:property [ sh:path ikz:seat ; sh:node ikzsh:Odd ]", True),
    "sh:closed on a property shape": ("sh:property [ sh:path ikz:seat ; sh:closed true ]", True),
    "sh:sparql in a nested shape": ("sh:node [ sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p ?o }\" ] ]", True),
    "aggregates without GROUP BY $this": (
        "sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p ?o } HAVING (COUNT(?o) > 100)\" ]", True),
    "MINUS": ("sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p ?o MINUS { $this a ?c } }\" ]", False),
}


@pytest.mark.parametrize("construct", sorted(UNSUPPORTED))
def test_unsupported_construct_is_a_clear_error(kg, tmp_path, cli, construct):
    snippet, pyshacl_runs = UNSUPPORTED[construct]
    shapes = tmp_path / "unsupported.ttl"
    shapes.write_text(SHAPES + f"\nikzsh:Odd a sh:NodeShape ; sh:targetClass ikz:Landkreis ; {snippet} .\n",
                      encoding="utf-8")
    with pytest.raises(ShapesError, match=r"shape ikzsh:Odd\b.*" + re.escape(construct)) as e:
        ikz_graph.validate(kg, shapes)
    assert isinstance(e.value, IkzError) and e.value.construct.startswith(construct)
    r = cli("validate", "--shapes", shapes)
    assert r.exit_code == 2 and "ikzsh:Odd" in r.output and construct in r.output
    assert "Traceback" not in r.output
    assert cli("validate", "--shapes", shapes, "--engine", "pyshacl").exit_code in ((0, 1) if pyshacl_runs else (2,))


def test_unknown_engine_and_unreadable_shapes(kg, tmp_path, cli):
    with pytest.raises(IkzError, match="unknown SHACL engine 'jena'"):
        ikz_graph.validate(kg, engine="jena")
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<x> sh:targetClass [ ;\n", encoding="utf-8")
    with pytest.raises(ShapesError, match="cannot read shapes"):
        ikz_graph.validate(kg, broken)
    assert cli("validate", "--engine", "jena").exit_code == 2


def test_cli_engines_agree(cli, tmp_path):
    a = cli("validate", "--engine", "oxigraph")
    b = cli("validate", "--engine", "pyshacl")
    assert a.exit_code == b.exit_code == 0 and a.output == b.output
    r = cli("build", "--engine", "pyshacl", "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    r = cli("build", "--fail-on", "info", "--out", tmp_path / "e")  # the project's graph has no result at all
    assert r.exit_code == 0, r.output


def test_default_engine_imports_neither_rdflib_nor_pyshacl():
    code = ("import sys, ikz_graph; kg = ikz_graph.load(); r = ikz_graph.validate(kg); "
            "print(r.conforms, 'rdflib' in sys.modules, 'pyshacl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False", "False"]


GENERIC = """
ikzsh:NoMessages a sh:NodeShape ; sh:targetClass ikz:KreisfreieStadt ;
    sh:property [ sh:path skos:exactMatch ; sh:minCount 3 ] , [ sh:path rdfs:label ; sh:maxCount 0 ] ,
        [ sh:path rdfs:label ; sh:datatype xsd:integer ] , [ sh:path rdfs:label ; sh:pattern "^K" ] ,
        [ sh:path rdfs:label ; sh:class ikz:Nothing ] , [ sh:path rdfs:label ; sh:nodeKind sh:IRI ] ,
        [ sh:path ikz:population ; sh:minInclusive 3 ] , [ sh:path ikz:kreisschluessel ; sh:minExclusive "07300" ] ,
        [ sh:path ikz:kreisschluessel ; sh:maxInclusive "07200" ] ,
        [ sh:path rdfs:label ; sh:lessThanOrEquals ikz:kreisschluessel ] ,
        [ sh:path rdfs:label ; sh:or ( [ sh:datatype xsd:integer ] [ sh:class ikz:Foo ] ) ] ;
    sh:xone ( [ sh:class ikz:KreisfreieStadt ] [ sh:class geo:Feature ] ) .
"""


def _without_logic_messages(report):
    # pySHACL spells out the member shapes of sh:or/sh:xone in its default message; the oxigraph engine names the shape
    return {(v.node, v.label, v.path, v.value, v.severity, "" if v.message.startswith("Node ") else v.message)
            for v in report.violations}


def test_default_messages_match_pyshacl(kg, tmp_path):
    shapes = tmp_path / "generic.ttl"
    shapes.write_text(SHAPES + GENERIC, encoding="utf-8")
    a, b = ikz_graph.validate(kg, shapes), ikz_graph.validate(kg, shapes, engine="pyshacl")
    assert _without_logic_messages(a) == _without_logic_messages(b)
    msgs = {v.message.split(" ")[0] + " " + v.message.split(" ")[1] for v in a.violations}
    assert {"Less than", "More than", "Value does", "Value is", "Value of", "Node Literal(\"Bonn\","} <= msgs
    assert any(m.startswith("Node unit:") and "sh:xone of ikzsh:NoMessages" in m for m in (v.message for v in a.violations))
    # sh:or and sh:xone found the same nodes
    assert len([v for v in a.violations if v.message.startswith("Node ")]) == \
        len([v for v in b.violations if v.message.startswith("Node ")]) > 17


def test_node_level_or_without_message(kg):
    data = [t for t in kg.data_triples if not (t.subject.value == MEETING and t.predicate.value == SCHEMA + "startDate")]
    bad = KnowledgeGraph(kg.ontology_triples, data)
    a, b = ikz_graph.validate(bad), ikz_graph.validate(bad, engine="pyshacl")
    assert _without_logic_messages(a) == _without_logic_messages(b)
    assert [(v.node, v.path, v.value) for v in a.violations] == [(MEETING, "", "meeting:vulkaneifel-gdk-2023-10-09")]


def test_deactivated_shapes_and_constraints_are_skipped(kg, tmp_path):
    shapes = tmp_path / "off.ttl"
    shapes.write_text(SHAPES + """
ikzsh:Off a sh:NodeShape ; sh:targetClass ikz:Landkreis ; sh:deactivated true ;
    sh:property [ sh:path skos:exactMatch ; sh:minCount 5 ] .
ikzsh:PartlyOff a sh:NodeShape ; sh:targetClass ikz:Landkreis ;
    sh:property [ sh:path skos:exactMatch ; sh:minCount 5 ; sh:deactivated true ] ;
    sh:property [ sh:path rdfs:label ; sh:or ( [ sh:datatype xsd:integer ; sh:deactivated true ] [ sh:class ikz:Foo ] ) ] ;
    sh:sparql [ sh:deactivated true ; sh:select "SELECT $this WHERE { $this a ?t }" ] .
""", encoding="utf-8")
    report = _both(kg, shapes)
    assert report.conforms and report.violations == []
    on = tmp_path / "on.ttl"
    on.write_text(shapes.read_text(encoding="utf-8").replace("sh:deactivated true", "sh:deactivated false"), encoding="utf-8")
    a, b = ikz_graph.validate(kg, on), ikz_graph.validate(kg, on, engine="pyshacl")
    assert _without_logic_messages(a) == _without_logic_messages(b)
    assert {v.path for v in a.violations} == {"skos:exactMatch", "", "rdfs:label"}
    assert "constraint not met" in {v.message for v in a.violations}  # a SPARQL constraint without sh:message
