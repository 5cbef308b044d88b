"""The CLI as a user runs it: exit codes, output, and a README that documents every command and option."""
from __future__ import annotations

import json
import re

import click

from ikz_graph.cli import main

from .conftest import ROOT, run_module


def test_validate_exit_codes(cli, data_copy, tmp_path):
    r = cli("validate")
    assert r.exit_code == 0 and "conforms" in r.output
    text = (data_copy / "bodies.yaml").read_text(encoding="utf-8")
    assert "organisation: irt, start: 1994-02-24, end: 2010," in text
    (data_copy / "bodies.yaml").write_text(text.replace("organisation: irt, start: 1994-02-24, end: 2010,", "organisation: irt, start: 1994-02-24, end: 1990,", 1), encoding="utf-8")
    assert cli("--data", data_copy, "validate").exit_code == 1
    broken = tmp_path / "shapes.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<x> sh:targetClass [ ;\n", encoding="utf-8")
    r = cli("validate", "--shapes", broken)
    assert r.exit_code == 2 and "cannot read shapes" in r.output


def test_validate_reports_shacl_violations_with_exit_1(cli, tmp_path):
    shapes = (ROOT / "ontology" / "shapes.ttl").read_text(encoding="utf-8")
    strict = tmp_path / "strict.ttl"
    strict.write_text(shapes + """
ikzsh:NeedsWikidata a sh:NodeShape ; sh:targetClass ikz:KreisfreieStadt ;
    sh:property [ sh:path skos:exactMatch ; sh:minCount 3 ; sh:message "needs three matches" ] .
""", encoding="utf-8")
    r = cli("validate", "--shapes", strict)
    assert r.exit_code == 1
    assert re.search(r"Violation: unit:07111 \(Koblenz\), property skos:exactMatch: needs three matches", r.output)


def test_build_writes_all_exports(cli, tmp_path):
    r = cli("build", "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "d").iterdir() if not p.name.startswith(".")) == [
        "ikz.context.jsonld", "ikz.jsonld", "ikz.nt", "ikz.trig", "ikz.ttl"]
    assert re.search(r"Built \d+ triples", r.output)


def test_query_exit_codes_and_formats(cli):
    r = cli("query", "project-members", "--param", "project=emh", "--format", "json")
    assert r.exit_code == 0
    assert len(json.loads(r.output)["results"]["bindings"]) == 4
    assert cli("query", "no-such-query").exit_code == 2
    r = cli("query", "cooperation-as-of")
    assert r.exit_code == 2 and "needs --param date" in r.output
    r = cli("query", "neighbours", "--param", "unit")
    assert r.exit_code == 2 and "key=value" in r.output
    assert cli("query", "units", "--format", "xml").exit_code == 2


def test_query_from_a_file(cli, tmp_path):
    f = tmp_path / "count.rq"
    f.write_text("SELECT (COUNT(?u) AS ?n) WHERE { ?u ikz:inState state:07 ; ikz:kreisschluessel ?k }\n",
                 encoding="utf-8")
    r = cli("query", f, "--format", "csv")
    assert r.exit_code == 0 and r.output.replace("\r", "").split("\n")[:2] == ["n", "36"]
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?y }\n", encoding="utf-8")
    r = cli("query", bad)
    assert r.exit_code == 2 and "SPARQL syntax error" in r.output


def test_queries_lists_titles_and_parameters(cli):
    r = cli("queries")
    assert r.exit_code == 0
    assert "project-members\n    Members of the model projects" in r.output
    assert "--param date=<date>" in r.output


def test_python_dash_m_and_version():
    r = run_module("--version")
    assert r.returncode == 0 and "ikz-graph, version" in r.stdout
    r = run_module("query", "units", "--format", "tsv")
    assert r.returncode == 0 and len(r.stdout.strip().split("\n")) == 37


def _commands_and_options():
    for name, cmd in main.commands.items():
        yield name, None
        for p in cmd.params:
            if isinstance(p, click.Option):
                yield name, p.opts[0]
    for p in main.params:
        if isinstance(p, click.Option):
            yield None, p.opts[0]


def test_readme_documents_every_command_and_option():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"{c} {o or ''}" for c, o in _commands_and_options()
               if (c and f"ikz-graph {c}" not in readme and f"`{c}`" not in readme) or (o and o not in readme)]
    assert missing == []
