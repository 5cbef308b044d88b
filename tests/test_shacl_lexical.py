"""SHACL on what a graph says, and the constructs that were wrong or refused before (regression tests).

The oxigraph engine once checked values as the store normalised them, joined ``$this`` instead of
pre-binding it, ignored custom components and refused several claimed constructs. Each test here
plants one of those cases in a small graph given with ``validate --graph`` (or in the project's
graph) and checks the exact results.
"""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

import ikz_graph
from ikz_graph import namespaces as ns
from ikz_graph.errors import RdfFileError, ShapesError
from ikz_graph.shacl import validate_file

HEAD = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
"""
EX = "http://example.org/"
SH = "http://www.w3.org/ns/shacl#"


def _files(tmp_path, data: str, shapes: str):
    d, s = tmp_path / "data.ttl", tmp_path / "shapes.ttl"
    d.write_text(HEAD + data, encoding="utf-8")
    s.write_text(HEAD + shapes, encoding="utf-8")
    return d, s


def _check(tmp_path, data: str, shapes: str, engine: str = "oxigraph"):
    return validate_file(*_files(tmp_path, data, shapes), engine=engine)


def _found(report) -> set:
    """(focus, component, value) of every result, IRIs shortened, literals in N-Triples."""
    def short(t):
        if t is None:
            return None
        if isinstance(t, ox.NamedNode):
            return t.value.replace(EX, "ex:")
        if isinstance(t, ox.Literal) and t.datatype.value.endswith("#integer") and t.value == str(int(t.value)):
            return t.value  # as Turtle writes a plain integer
        return str(t).replace("http://www.w3.org/2001/XMLSchema#", "xsd:")
    return {(short(r.focus), r.component.replace(SH, "").replace("ConstraintComponent", ""), short(r.value))
            for r in report.results}


def test_datatype_is_checked_on_the_lexical_form_as_written(tmp_path):
    rep = _check(tmp_path, """
ex:a ex:byte "c"^^xsd:byte, "300"^^xsd:byte, "5"^^xsd:byte ;
     ex:nonneg "7"^^xsd:nonNegativeInteger, "-1"^^xsd:nonNegativeInteger, "+07"^^xsd:nonNegativeInteger ;
     ex:int "5"^^xsd:int ;
     ex:stamp "2020-01-01T00:00:00Z"^^xsd:dateTimeStamp, "2020-01-01T00:00:00"^^xsd:dateTimeStamp .
""", """
ex:S a sh:NodeShape ; sh:targetNode ex:a ;
  sh:property [ sh:path ex:byte ; sh:datatype xsd:byte ] , [ sh:path ex:nonneg ; sh:datatype xsd:nonNegativeInteger ] ,
              [ sh:path ex:int ; sh:datatype xsd:integer ] , [ sh:path ex:stamp ; sh:datatype xsd:dateTimeStamp ] .
""")
    assert _found(rep) == {
        ("ex:a", "Datatype", '"c"^^<xsd:byte>'), ("ex:a", "Datatype", '"300"^^<xsd:byte>'),
        ("ex:a", "Datatype", '"-1"^^<xsd:nonNegativeInteger>'), ("ex:a", "Datatype", '"5"^^<xsd:int>'),
        ("ex:a", "Datatype", '"2020-01-01T00:00:00"^^<xsd:dateTimeStamp>')}


def test_datatypes_int_and_long_are_supported(tmp_path):
    rep = _check(tmp_path, """
ex:a ex:int "5"^^xsd:int, "5"^^xsd:integer, "3000000000"^^xsd:int ; ex:long "-9"^^xsd:long, "9"^^xsd:int .
""", """
ex:S a sh:NodeShape ; sh:targetNode ex:a ;
  sh:property [ sh:path ex:int ; sh:datatype xsd:int ] , [ sh:path ex:long ; sh:datatype xsd:long ] .
""")
    assert _found(rep) == {("ex:a", "Datatype", "5"), ("ex:a", "Datatype", '"3000000000"^^<xsd:int>'),
                           ("ex:a", "Datatype", '"9"^^<xsd:int>')}


def test_integer_types_beyond_64_bits(tmp_path):
    rep = _check(tmp_path, """
ex:a ex:u "18446744073709551615"^^xsd:unsignedLong, "18446744073709551616"^^xsd:unsignedLong ;
     ex:n "123456789012345678901234567890"^^xsd:nonNegativeInteger, "-0"^^xsd:nonNegativeInteger ;
     ex:l "-9223372036854775808"^^xsd:long, "9223372036854775808"^^xsd:long .
""", """
ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:u ; sh:datatype xsd:unsignedLong ] ,
  [ sh:path ex:n ; sh:datatype xsd:nonNegativeInteger ] , [ sh:path ex:l ; sh:datatype xsd:long ] .
""")
    assert _found(rep) == {("ex:a", "Datatype", '"18446744073709551616"^^<xsd:unsignedLong>'),
                           ("ex:a", "Datatype", '"9223372036854775808"^^<xsd:long>')}


def test_counts_and_term_equality_see_the_terms_as_written(tmp_path):
    rep = _check(tmp_path, """
ex:a ex:n 1, "01"^^xsd:integer . ex:b ex:f true, "1"^^xsd:boolean . ex:c ex:c 1 . ex:d ex:d "01"^^xsd:integer .
ex:e ex:e 1.0 .
""", """
ex:Max a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:n ; sh:maxCount 1 ] .
ex:MaxB a sh:NodeShape ; sh:targetNode ex:b ; sh:property [ sh:path ex:f ; sh:maxCount 1 ] .
ex:In a sh:NodeShape ; sh:targetNode ex:c, ex:d ; sh:property [ sh:path ex:c ; sh:in ( "01"^^xsd:integer ) ] ;
  sh:property [ sh:path ex:d ; sh:in ( 1 ) ] .
ex:Has a sh:NodeShape ; sh:targetNode ex:e ; sh:property [ sh:path ex:e ; sh:hasValue 1 ] .
ex:Range a sh:NodeShape ; sh:targetNode ex:d ; sh:property [ sh:path ex:d ; sh:minInclusive 1 ; sh:maxInclusive 1 ] .
""")
    assert _found(rep) == {("ex:a", "MaxCount", None), ("ex:b", "MaxCount", None), ("ex:c", "In", "1"),
                           ("ex:d", "In", '"01"^^<xsd:integer>'), ("ex:e", "HasValue", None)}
    # the value is reported as the graph writes it
    values = {t.object for t in ox.parse(rep.turtle().encode(), format=ox.RdfFormat.TURTLE) if t.predicate.value == SH + "value"}
    assert ox.Literal("01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")) in values


def test_a_graph_the_store_keeps_as_written_costs_no_surrogates(tmp_path):
    from ikz_graph.shacl_data import DataGraph

    triples = list(ox.parse(HEAD.encode() + b'ex:a ex:p 1, "x", "2020-01-01"^^xsd:date .', format=ox.RdfFormat.TURTLE))
    assert DataGraph.from_triples(triples).lossy == {}
    lossy = list(ox.parse(HEAD.encode() + b'ex:a ex:p 1.0, "1"^^xsd:boolean .', format=ox.RdfFormat.TURTLE))
    assert len(DataGraph.from_triples(lossy).lossy) == 2


PREBOUND = """
ikzsh:Nested a sh:NodeShape ; sh:targetClass ikz:Landkreis ;
  sh:sparql [ sh:select \"\"\"SELECT $this WHERE { { FILTER(false) } UNION { { FILTER($this = unit:07233) } } }\"\"\" ] ;
  sh:sparql [ sh:select \"\"\"SELECT $this ?value WHERE { { SELECT $this ?value WHERE { $this ikz:seat ?value
      FILTER($this = unit:07232) } } }\"\"\" ] ;
  sh:sparql [ sh:select \"\"\"SELECT $this WHERE { BIND($this AS ?that) FILTER(?that = unit:07231) }\"\"\" ] ;
  sh:sparql [ sh:select \"\"\"SELECT $this (COUNT(?m) AS ?n) WHERE { ?m org:member $this }
      GROUP BY $this HAVING (COUNT(?m) > 9)\"\"\" ] ;
  sh:sparql [ sh:select \"\"\"SELECT $this ?value WHERE { $this rdfs:label ?value } ORDER BY ?value LIMIT 1\"\"\" ] .
"""


def test_prebinding_substitutes_this_everywhere_on_the_project_graph(kg, tmp_path):
    """$this in a nested group, a UNION branch, a sub-select and a BIND; aggregates and LIMIT per focus node."""
    from ikz_graph.paths import ontology_dir

    prefixes = "".join(line + "\n" for line in (ontology_dir() / "shapes.ttl").read_text(encoding="utf-8").splitlines()
                       if line.startswith("@prefix"))
    shapes = tmp_path / "prebound.ttl"
    shapes.write_text(prefixes + "@prefix unit: <https://w3id.org/ikz-graph/id/unit/> .\n"
                      + "ikzsh: sh:declare " + " , ".join(
                          f'[ sh:prefix "{p}" ; sh:namespace "{iri}" ]' for p, iri in (
                              ("unit", "https://w3id.org/ikz-graph/id/unit/"), ("org", "http://www.w3.org/ns/org#"),
                              ("ikz", "https://w3id.org/ikz-graph/ontology/"), ("rdfs", ns.RDFS))) + " .\n"
                      + PREBOUND.replace("sh:select", "sh:prefixes ikzsh: ; sh:select"), encoding="utf-8")
    found = {(r.focus, r.value) for r in ikz_graph.validate(kg, shapes).results}
    unit = "https://w3id.org/ikz-graph/id/unit/"
    seat = kg.query(f"SELECT ?s WHERE {{ <{unit}07232> ikz:seat ?s }}").terms[0]["s"]
    expected = {(ox.NamedNode(unit + "07233"),) * 2, (ox.NamedNode(unit + "07232"), seat), (ox.NamedNode(unit + "07231"),) * 2}
    expected |= {(r["u"], r["u"]) for r in kg.query(  # the aggregate, per focus node
        "SELECT ?u WHERE { ?u a ikz:Landkreis . ?m org:member ?u } GROUP BY ?u HAVING (COUNT(?m) > 9)").terms}
    for r in kg.query("SELECT DISTINCT ?u WHERE { ?u a ikz:Landkreis ; rdfs:label ?l }").terms:  # LIMIT 1, per focus node
        first = kg.query("SELECT ?u ?l WHERE { ?u rdfs:label ?l } ORDER BY ?l LIMIT 1", {"u": r["u"]}).terms[0]["l"]
        expected.add((r["u"], first))
    assert found == expected and len(found) > 30


@pytest.mark.parametrize("query,construct", [
    ("SELECT $this WHERE { { SELECT * WHERE { FILTER($this = ex:a) } } }", "sub-select without $this"),
    ("SELECT $this WHERE { $this ?p ?o { SELECT ?other WHERE { ?other ?b ?c } } }", "sub-select without $this"),
    ("SELECT $this WHERE { BIND(ex:a AS $this) }", "AS with a pre-bound variable"),
    ("SELECT $this WHERE { VALUES ?x { 1 } }", "VALUES in a SPARQL constraint"),
])
def test_queries_shacl_says_to_refuse_are_refused(tmp_path, cli, query, construct):
    data, shapes = _files(tmp_path, "ex:a ex:p 1 .", f'ex:S a sh:NodeShape ; sh:targetNode ex:a ; '
                                                    f'sh:sparql [ sh:select "{query}" ; sh:prefixes ex: ] .\n'
                                                    'ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/" ] .')
    with pytest.raises(ShapesError, match="shape ex:S") as e:
        validate_file(data, shapes)
    assert e.value.construct == construct
    r = cli("validate", "--graph", data, "--shapes", shapes)
    assert r.exit_code == 2 and construct in r.output


def test_sparql_based_constraint_components(tmp_path):
    """Components with an ASK validator (per value node) and a SELECT node validator are applied, not ignored;
    a component used inside a nested shape is refused."""
    comps = """
ex:Starts a sh:ConstraintComponent ; sh:parameter [ sh:path ex:prefix ] ;
  sh:validator [ a sh:SPARQLAskValidator ; sh:ask "ASK { FILTER(STRSTARTS(STR($value), $prefix)) }" ] .
ex:Few a sh:ConstraintComponent ; sh:parameter [ sh:path ex:most ] ;
  sh:nodeValidator [ a sh:SPARQLSelectValidator ; sh:message "too many: {?n}" ;
    sh:select \"\"\"SELECT $this ?n WHERE { { SELECT $this $most (COUNT(?o) AS ?n) WHERE { $this ?p ?o }
      GROUP BY $this $most } FILTER(?n > $most) }\"\"\" ] .
"""
    data = 'ex:a ex:name "apple", "banana" ; ex:x 1, 2 .\nex:b ex:name "avocado" .'
    rep = _check(tmp_path, data, comps + """
ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ; ex:most 2 ; sh:property [ sh:path ex:name ; ex:prefix "a" ] .
""")
    assert _found(rep) == {("ex:a", "http://example.org/Starts", '"banana"'), ("ex:a", "http://example.org/Few", "ex:a")}
    assert [m.value for r in rep.results for m in r.messages if "too many" in m.value] == ["too many: 4"]
    with pytest.raises(ShapesError) as e:
        _check(tmp_path, data, comps + 'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:not [ ex:most 2 ] .')
    assert e.value.construct == "SPARQL-based constraint components in a nested shape"


def test_implicit_class_target_through_a_subclass_of_rdfs_class(tmp_path):
    rep = _check(tmp_path, "ex:x a ex:Person .\nex:y a ex:Other .", """
ex:MyClass rdfs:subClassOf rdfs:Class .
ex:Person a ex:MyClass , sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
""")
    assert _found(rep) == {("ex:x", "MinCount", None)}


def test_several_classes_literal_targets_custom_severity_and_messages(tmp_path, cli):
    data, shapes = _files(tmp_path, "ex:x a ex:A .", """
ex:S a sh:NodeShape ; sh:targetNode ex:x, "lit", 5 ; sh:class ex:A, ex:B ;
  sh:severity ex:Serious ; sh:message "not an A and a B"@en, "kein A und B"@de .
""")
    rep = validate_file(data, shapes)
    assert _found(rep) == {("ex:x", "Class", "ex:x"), ('"lit"', "Class", '"lit"'), ("5", "Class", "5")} and \
        len(rep.results) == 5  # "lit" and 5 break both sh:class constraints
    assert {r.severity for r in rep.results} == {EX + "Serious"} and rep.fails()  # an unknown severity counts
    assert {m.value for r in rep.results for m in r.messages} == {"not an A and a B", "kein A und B"}
    r = cli("validate", "--graph", data, "--shapes", shapes)
    assert r.exit_code == 1 and "kein A und B / not an A and a B" in r.output and f"{EX}Serious: " in r.output


def test_severities_explicit_and_custom(tmp_path):
    rep = _check(tmp_path, "ex:x ex:p 1 .", """
ex:V a sh:NodeShape ; sh:targetNode ex:x ; sh:severity sh:Violation ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .
ex:W a sh:NodeShape ; sh:targetNode ex:x ; sh:severity sh:Warning ; sh:class ex:Nothing ;
  sh:property [ sh:path ex:r ; sh:minCount 1 ] .
""")
    # a node shape's severity is its own, not that of its property shapes
    assert sorted((r.component.rsplit("#", 1)[1], r.severity.rsplit("#", 1)[1]) for r in rep.results) == [
        ("ClassConstraintComponent", "Warning"), ("MinCountConstraintComponent", "Violation"),
        ("MinCountConstraintComponent", "Violation")]
    assert not rep.conforms and rep.fails()


def test_logic_members_and_nested_property_shapes(tmp_path):
    rep = _check(tmp_path, """
ex:a ex:p 1 . ex:b ex:q 1 . ex:c ex:p 1 ; ex:q 1 . ex:d ex:r 1 .
ex:e ex:addr ex:e1 . ex:e1 ex:city "X" . ex:f ex:addr ex:f1 .
""", """
ex:Or a sh:NodeShape ; sh:targetNode ex:a, ex:b, ex:c, ex:d ;
  sh:xone ( [ sh:property [ sh:path ex:p ; sh:minCount 1 ] ] [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ) .
ex:Nest a sh:NodeShape ; sh:targetNode ex:e, ex:f ;
  sh:property [ sh:path ex:addr ; sh:property [ sh:path ex:city ; sh:minCount 1 ] ] .
""")
    assert _found(rep) == {("ex:c", "Xone", "ex:c"), ("ex:d", "Xone", "ex:d"), ("ex:f1", "MinCount", None)}


def test_sparql_on_a_property_shape_with_path(tmp_path):
    rep = _check(tmp_path, 'ex:a ex:p "x", "yy" .', """
ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/" ] .
ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property ex:P .
ex:P sh:path ex:p ; sh:sparql [ sh:prefixes ex: ;
  sh:select "SELECT $this ?value WHERE { $this $PATH ?value FILTER(STRLEN(?value) > 1) }" ] .
""")
    assert _found(rep) == {("ex:a", "SPARQL", '"yy"')}
    assert rep.results[0].path == ("iri", EX + "p")


def test_shapes_file_with_relative_iris(tmp_path, cli):
    data = tmp_path / "data.ttl"
    data.write_text(HEAD + "ex:x a ex:C .", encoding="utf-8")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(HEAD + "<> a <http://www.w3.org/2002/07/owl#Ontology> .\n"
                      "<#Shape> a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
                      encoding="utf-8")
    rep = validate_file(data, shapes)
    assert [r.shape for r in rep.results if isinstance(r.shape, ox.NamedNode)] == []
    assert _found(rep) == {("ex:x", "MinCount", None)}
    assert cli("validate", "--graph", data, "--shapes", shapes).exit_code == 1


def test_shape_types_and_annotations_are_read(tmp_path):
    rep = _check(tmp_path, "ex:x ex:p 1 .", """
ex:G a sh:PropertyGroup .
ex:S a sh:Shape, sh:NodeShape ; sh:targetNode ex:x ;
  sh:property [ sh:path ex:p ; sh:name "p" ; sh:description "the p" ; sh:order 1 ; sh:group ex:G ;
                sh:defaultValue 0 ; sh:maxInclusive 0 ] .
""")
    assert _found(rep) == {("ex:x", "MaxInclusive", "1")}


def test_sparql_constraints_see_values_as_the_store_keeps_them(tmp_path):
    """Documented: SPARQL-based constraints read the store's normalised values ("01" is seen as 1); the
    core constraints see the lexical form."""
    rep = _check(tmp_path, 'ex:a ex:p "01"^^xsd:integer .', """
ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/" ] .
ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:pattern "^0" ] ;
  sh:sparql [ sh:prefixes ex: ; sh:select "SELECT $this ?value WHERE { $this ex:p ?value FILTER(STR(?value) = \\"1\\") }" ] .
""")
    assert _found(rep) == {("ex:a", "SPARQL", "1")}


def test_unreadable_graph_file_is_an_error_not_a_traceback(tmp_path, cli):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<x> <y> .\n", encoding="utf-8")
    with pytest.raises(RdfFileError, match=r"cannot read .*bad.ttl"):
        validate_file(bad)
    for args in (("--graph", bad), ("--graph", tmp_path / "missing.ttl")):
        r = cli("validate", *args)
        assert r.exit_code == 2 and r.output.startswith("error: cannot read") and "Traceback" not in r.output


def test_reports_are_deterministic_and_readable(tmp_path, cli):
    data, shapes = _files(tmp_path, "ex:x ex:p [ ex:q 1 ] , [ ex:q 2 ] .", """
ex:S a sh:NodeShape ; sh:targetNode ex:x ; sh:property [ sh:path ( ex:p ex:q ) ; sh:maxInclusive 1 ] ;
  sh:property [ sh:path ex:p ; sh:nodeKind sh:IRI ] .
""")
    runs = [cli("validate", "--graph", data, "--shapes", shapes, "--format", fmt).output for fmt in ("turtle", "json")] * 2
    assert runs[0] == runs[2] and runs[1] == runs[3]
    report = list(ox.parse(runs[0].encode(), format=ox.RdfFormat.TURTLE))
    assert len([t for t in report if t.predicate.value == SH + "result"]) == 3
    doc = json.loads(runs[1])
    assert doc["conforms"] is False and {r["resultPath"] for r in doc["results"]} == {"ex:p/ex:q", "ex:p"}


def test_project_graph_in_every_format(cli):
    text = cli("validate")
    assert text.exit_code == 0 and text.output.startswith("The graph conforms to the shapes (")
    doc = json.loads(cli("validate", "--format", "json").output)
    assert doc["conforms"] is True and doc["results"] == [] and doc["triples"] > 6000
    turtle = cli("validate", "--format", "turtle").output
    assert "sh:conforms true" in turtle


def test_prebinding_by_join_and_by_lateral_agree(kg, tmp_path):
    """Where $this stands directly in the WHERE group the engine joins the focus nodes (fast); in a nested
    group it uses a LATERAL join (substitution). Both must give the same rows for the same query."""
    from ikz_graph.paths import ontology_dir
    from ikz_graph.shacl import shapes_graph
    from ikz_graph.shacl_shapes import read_shapes

    base = (ontology_dir() / "shapes.ttl").read_text(encoding="utf-8")
    body = '$this org:member ?value . ?value rdfs:label ?l . FILTER(STRSTARTS(STR(?l), \\"B\\")) BIND($this AS ?me)'
    reports = []
    for where in (f"{{ {body} }}", f"{{ {{ {body} }} }}"):
        shapes = tmp_path / "join.ttl"
        shapes.write_text(base + f"""
ikzsh: sh:declare [ sh:prefix "org" ; sh:namespace "http://www.w3.org/ns/org#" ] .
ikzsh:Members a sh:NodeShape ; sh:targetClass org:Membership ;
  sh:sparql [ sh:prefixes ikzsh: ; sh:message "{{?me}}" ; sh:select "SELECT $this ?value ?me WHERE {where}" ] .
""", encoding="utf-8")
        sc = next(c for r in read_shapes(shapes_graph(shapes)).roots if r.name == "ikzsh:Members" for c in r.sparql)
        reports.append((sc.query.inline_at is not None, ikz_graph.validate(kg, shapes)))
    (inline, a), (nested, b) = reports
    assert inline and not nested
    assert a.results == b.results and len(a.results) > 10


def test_graphs_of_a_dataset_file_are_merged(tmp_path):
    data = tmp_path / "data.trig"
    data.write_text(HEAD + "ex:g { ex:x a ex:C . }\nex:y a ex:C ; ex:p 1 .\n", encoding="utf-8")
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(HEAD + "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
                      encoding="utf-8")
    rep = validate_file(data, shapes)
    assert _found(rep) == {("ex:x", "MinCount", None)} and rep.triples == 3
