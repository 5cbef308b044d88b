"""Every named query returns the expected rows on the real data."""
from __future__ import annotations

import csv
import io
import json

import datetime as dt

import pyoxigraph as ox
import pytest

from ikz_graph import QueryError
from ikz_graph import namespaces as ns
from ikz_graph.queries import format_result, list_queries, run_query

EXPECTED_QUERIES = {"project-members", "unit-memberships", "shared-services", "funding", "funding-totals",
                    "units-without-project", "cooperation-as-of", "neighbours", "entity-sources", "units",
                    "committee-meetings", "office-holders"}


def test_catalogue_lists_every_query_with_title_and_parameters():
    qs = {q.name: q for q in list_queries()}
    assert EXPECTED_QUERIES <= set(qs)
    for q in qs.values():
        assert q.title and q.description
        # a bound parameter must be projected (SEP-0007 substitution)
        select = q.text.split("WHERE", 1)[0]
        for p in q.params:
            assert f"?{p.name}" in select, (q.name, p.name)


def test_emh_has_four_members_bitburg_pruem_only_from_phase_2_and_vulkaneifel_leads(kg):
    rows = run_query(kg, "project-members", {"project": "emh"}).rows
    by_key = {r["key"]: r for r in rows}
    assert set(by_key) == {"07135", "07231", "07232", "07233"}
    assert by_key["07233"]["role"] == "lead partner"
    assert {r["role"] for k, r in by_key.items() if k != "07233"} == {"member"}
    assert by_key["07232"]["phases"] == "2,3" and by_key["07232"]["start"] == "2023-10"
    for k in ("07135", "07231", "07233"):
        assert by_key[k]["phases"].startswith("1,2") and by_key[k]["start"] == "2021"


def test_all_three_projects_and_their_members(kg):
    rows = run_query(kg, "project-members").rows
    members = {}
    for r in rows:
        members.setdefault(r["projectLabel"], set()).add(r["key"])
    assert members == {
        "Eifel-Mosel-Hunsrück": {"07135", "07231", "07232", "07233"},
        "Vorderpfalz": {"07311", "07314", "07318", "07338"},
        "Südwestpfalz": {"07317", "07320", "07340"},
    }


def test_project_can_be_named_by_label_or_iri(kg):
    a = run_query(kg, "project-members", {"project": "IKZ-Modellvorhaben Südwestpfalz"}).rows
    b = run_query(kg, "project-members", {"project": "https://w3id.org/ikz-graph/id/org/suedwestpfalz"}).rows
    assert a == b and len(a) == 3


def test_unit_memberships_of_vulkaneifel(kg):
    rows = run_query(kg, "unit-memberships", {"unit": "07233"}).rows
    labels = [r["label"] for r in rows]
    assert "Eifel-Mosel-Hunsrück" in labels
    assert {"Planungsgemeinschaft Region Trier", "A.R.T.", "ZV VRT"} <= set(labels)
    assert labels.count("IRT") == 2          # left in 2010, rejoined 2015
    assert not any(r["label"] == "Vorderpfalz" for r in rows)
    emh = next(r for r in rows if r["label"] == "Eifel-Mosel-Hunsrück")
    assert emh["role"] == "lead partner" and emh["kind"] == "IKZ model project"


def test_shared_services_competent_authorities_and_operator(kg):
    rows = run_query(kg, "shared-services").rows
    fines = [r for r in rows if r["service"] == "bussgeldverfahren"]
    assert {r["competentAuthority"] for r in fines} == {"Bernkastel-Wittlich", "Cochem-Zell", "Vulkaneifel",
                                                         "Bitburg-Prüm"}
    assert {r["operator"] for r in fines} == {"Bernkastel-Wittlich"}
    cars = [r for r in rows if r["service"] == "kfz-zulassung"]
    assert {r["competentAuthority"] for r in cars} == {"Bernkastel-Wittlich", "Cochem-Zell", "Vulkaneifel"}
    assert {r["operator"] for r in cars} == {None}
    assert {r["start"] for r in cars} == {dt.date(2023, 1, 9)}


def test_funding_keeps_every_figure_with_its_source(kg):
    rows = run_query(kg, "funding", {"project": "emh"}).rows
    assert {(r["phase"], str(r["amount"])) for r in rows} == {(1, "673000"), (2, "430000"), (3, "387315")}
    assert all(r["source"] for r in rows)
    phase2 = {r["source"] for r in rows if r["phase"] == 2}
    assert any("000_ce9d2bcbc312b7bb" in s for s in phase2)      # the seed text is a source
    assert {r["approximate"] for r in rows if r["phase"] == 2} == {True}
    everything = run_query(kg, "funding").rows
    assert {r["projectLabel"] for r in everything} == {"Eifel-Mosel-Hunsrück", "Südwestpfalz"}
    totals = run_query(kg, "funding-totals").rows
    assert {"1500000", "2000000", "1600000"} <= {str(r["amount"]) for r in totals}   # EMH, of several sources


def test_units_without_project(kg):
    rows = run_query(kg, "units-without-project").rows
    keys = {r["key"] for r in rows}
    in_projects = {"07135", "07231", "07232", "07233", "07311", "07314", "07318", "07338", "07317", "07320", "07340"}
    assert len(rows) == 36 - len(in_projects)
    assert not keys & in_projects
    assert "07111" in keys


def _pairs(kg, date, org):
    rows = run_query(kg, "cooperation-as-of", {"date": date}).rows
    return {(r["keyA"], r["keyB"]) for r in rows if r["organisation"] == org}


def test_cooperation_as_of_a_date_follows_membership_dates(kg):
    emh_2022 = _pairs(kg, "2022-01-01", "Eifel-Mosel-Hunsrück")
    assert emh_2022 == {("07135", "07231"), ("07135", "07233"), ("07231", "07233")}
    emh_2024 = _pairs(kg, "2024-01-01", "Eifel-Mosel-Hunsrück")
    assert ("07232", "07233") in emh_2024 and len(emh_2024) == 6
    # the funding ended 12/2023, the memberships did not: on 2024-06-01 the four still take part
    assert len(_pairs(kg, "2024-06-01", "Vorderpfalz")) == 6
    # Ludwigshafen's start is unknown; a membership without a start counts as running (documented)
    assert len(_pairs(kg, "2022-01-01", "Vorderpfalz")) == 6
    assert _pairs(kg, "2015-06-01", "A.R.T.") == {("07211", "07235")}  # the others joined 2016
    assert _pairs(kg, "2005-01-01", "VRRN") == set()                 # founded 2006


def test_neighbours_of_vulkaneifel(kg):
    rows = run_query(kg, "neighbours", {"unit": "Vulkaneifel"}).rows
    keys = {r["key"] for r in rows}
    assert {"07231", "07232", "07135"} <= keys
    assert "05366" in keys and any(r["stateOrCountry"] == "Nordrhein-Westfalen" for r in rows)


def test_sources_behind_an_entity(kg):
    rows = run_query(kg, "entity-sources", {"entity": "emh"}).rows
    ids = {r["source"] for r in rows}
    assert {"seed-egov-2023-10-04", "seed-vulkaneifel-amtsblatt-2023-40", "vulkaneifel-ikz-page"} <= ids
    assert any(r["fact"] == "(the entity itself)" for r in rows)
    assert any("/membership/" in r["fact"] for r in rows)


def test_committee_meetings_from_the_gazette(kg):
    rows = run_query(kg, "committee-meetings").rows
    oct9 = [r for r in rows if r["start"].startswith("2023-10-09")]
    assert {r["start"] for r in oct9} == {"2023-10-09T16:30:00+02:00", "2023-10-09T18:00:00+02:00"}
    assert len(oct9) == 7 + 4
    assert {r["signedBy"] for r in oct9} == {"Julia Gieseking"}
    assert {r["place"] for r in oct9} == {"Sitzungssaal 15, Kreisverwaltung Vulkaneifel"}


def test_office_holders(kg):
    rows = run_query(kg, "office-holders", {"organisation": "mdi-rlp"}).rows
    assert [(r["person"], r["start"], r["end"]) for r in rows] == [
        ("Roger Lewentz", "2011-05", dt.date(2022, 10, 13)), ("Michael Ebling", dt.date(2022, 10, 13), None)]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_output_formats(kg, fmt):
    res = run_query(kg, "project-members", {"project": "emh"})
    out = format_result(res, fmt)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert len(rows) == 4 and rows[0]["key"] == "07135"
    elif fmt == "tsv":
        lines = out.strip().split("\n")
        assert lines[0].split("\t")[0] == "?project" and len(lines) == 5
        assert '"07135"' in lines[1]
    elif fmt == "json":
        doc = json.loads(out)
        assert doc["head"]["vars"][:2] == ["project", "projectLabel"]
        b = doc["results"]["bindings"]
        assert len(b) == 4 and b[0]["key"] == {"type": "literal", "value": "07135"}
        assert b[0]["project"]["type"] == "uri"
    else:
        assert "(4 rows)" in out and "lead partner" in out


def test_parameters_are_bound_as_terms_not_spliced(kg):
    evil = 'emh> } UNION { ?s ?p ?o } #'
    with pytest.raises(QueryError, match="no entity"):
        run_query(kg, "project-members", {"project": evil})
    with pytest.raises(QueryError, match="not a date"):
        run_query(kg, "cooperation-as-of", {"date": '2022-01-01"^^xsd:date) || true || ("'})


def test_parameter_errors(kg):
    with pytest.raises(QueryError, match="needs --param date"):
        run_query(kg, "cooperation-as-of", {})
    with pytest.raises(QueryError, match="has no parameter"):
        run_query(kg, "units", {"x": "1"})
    with pytest.raises(QueryError, match="unknown query"):
        run_query(kg, "no-such-query")
    with pytest.raises(QueryError, match="ambiguous.*org/suedwestpfalz.*unit/07340"):
        run_query(kg, "project-members", {"project": "Südwestpfalz"})     # the project and the district


def test_result_formats_escape_and_keep_blank_nodes(kg):
    res = kg.query('SELECT ?a ?b ?c WHERE { BIND(BNODE() AS ?a) BIND("x,\\"y\\"\\tz"@de AS ?b) }')
    rows = list(csv.reader(io.StringIO(format_result(res, "csv"))))
    assert rows[1][0].startswith("_:") and rows[1][1] == 'x,"y"\tz' and rows[1][2] == ""
    tsv = format_result(res, "tsv").split("\n")[1].split("\t")
    assert tsv[1] == '"x,\\"y\\"\\tz"@de' and tsv[2] == ""
    b = json.loads(format_result(res, "json"))["results"]["bindings"][0]
    assert b["a"]["type"] == "bnode" and b["b"] == {"type": "literal", "value": 'x,"y"\tz', "xml:lang": "de"}
    assert "c" not in b


def test_entity_resolution_order_id_then_label_then_source_title():
    from ikz_graph.graph import KnowledgeGraph
    from ikz_graph.queries import resolve_entity

    N, L = ox.NamedNode, ox.Literal
    a, b, c, s, d1, d2 = (N(f"https://example.org/{x}") for x in ("a", "b", "c", "s", "d1", "d2"))
    kg = KnowledgeGraph([], [
        ox.Triple(a, N(ns.DCT + "identifier"), L("x1")),
        ox.Triple(b, N(ns.RDFS + "label"), L("x1")),                  # a label equal to a's id
        ox.Triple(s, N(ns.RDF + "type"), N(ns.IKZ + "SourceDocument")),
        ox.Triple(s, N(ns.RDFS + "label"), L("Foo")),
        ox.Triple(c, N(ns.SCHEMA + "name"), L("foo", language="de")),  # an entity with the source's title
        ox.Triple(d1, N(ns.RDFS + "label"), L("twin")),
        ox.Triple(d2, N(ns.SKOS + "altLabel"), L("Twin")),
    ])
    assert resolve_entity(kg, "x1") == a            # the id wins over b's label
    assert resolve_entity(kg, "FOO") == c           # labels match without case; an entity beats a source
    assert resolve_entity(kg, "https://example.org/s") == s
    with pytest.raises(QueryError, match="ambiguous.*example.org/d1.*example.org/d2"):
        resolve_entity(kg, "twin")
    with pytest.raises(QueryError, match="no entity with id or label 'nobody'"):
        resolve_entity(kg, "nobody")


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_query_declares_its_own_prefixes_and_parses_on_a_plain_store(name):
    """Pasted into YASGUI, Fuseki, GraphDB or Comunica, a named query runs unchanged: it declares every
    prefix it uses, right after its header, and parses on a store with no prefixes predeclared."""
    from ikz_graph.queries import get_query
    from ikz_graph.sparql_text import significant

    q = get_query(name)
    body = q.text[len("".join(line for line in q.text.splitlines(keepends=True) if line.startswith("#"))):]
    toks = significant(body)
    declared = [toks[i + 1].text[:-1] for i, t in enumerate(toks) if t.upper == "PREFIX"]
    used = {t.text.split(":", 1)[0] for i, t in enumerate(toks) if t.kind == "pname" and toks[i - 1].upper != "PREFIX"}
    assert toks[0].upper == "PREFIX" and sorted(declared) == declared and set(declared) == used
    assert all(ns.PREFIXES[p] in q.text for p in declared)
    ox.Store().query(q.text)  # no prefixes given: a missing declaration is a SyntaxError


def test_include_adds_a_file_whole_or_not_at_all_and_counts_only_new_triples(tmp_path):
    """`query --include` / KnowledgeGraph.add_file: a triple format goes straight into the store in one
    transaction (a file that does not parse adds nothing and names its line); a dataset format's named
    graphs are added to the default graph; a triple already there is not counted again."""
    import ikz_graph
    from ikz_graph.errors import DataError

    kg = ikz_graph.load()
    n = len(kg)
    good = tmp_path / "good.ttl"
    good.write_text("<https://example.org/a> <https://example.org/p> 1, 2 .\n", encoding="utf-8")
    assert kg.add_file(good) == 2 and len(kg) == n + 2
    assert kg.add_file(good) == 0
    bad = tmp_path / "bad.ttl"
    bad.write_text("<https://example.org/b> <https://example.org/p> 3 .\n<https://example.org/c> <p> .\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        kg.add_file(bad)
    assert f"{bad}:2" in str(e.value) and len(kg) == n + 2           # the good first line was not added either
    named = tmp_path / "named.trig"
    named.write_text("<https://example.org/g> { <https://example.org/d> <https://example.org/p> 4 . }\n", encoding="utf-8")
    assert kg.add_file(named) == 1
    rows = kg.query("SELECT ?o WHERE { <https://example.org/d> <https://example.org/p> ?o }").rows
    assert [int(r["o"]) for r in rows] == [4]                          # in the default graph, where queries look
