"""Exports: byte-identical across runs, readable by parsers, written atomically."""
from __future__ import annotations

import ikz_graph

import json
import os

import pyoxigraph as ox
import pytest
import rdflib

from ikz_graph import namespaces as ns
from ikz_graph.errors import ExportError
from ikz_graph.atomic import write_files

from .conftest import run_module

FILES = ["ikz.ttl", "ikz.nt", "ikz.trig", "ikz.jsonld", "ikz.context.jsonld"]


def test_two_builds_in_separate_processes_are_byte_identical(tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = run_module("build", "--out", out, env=env)
        assert r.returncode == 0, r.stderr
        outs.append(out)
    for name in FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    hidden = sorted(p.name for p in outs[0].iterdir() if p.name.startswith("."))
    assert hidden[0] == ".ikz-exports" and len(hidden) == 2      # the set's pointer and its one version
    assert (outs[0] / ".ikz-exports").resolve() == (outs[0] / hidden[1]).resolve()   # no temporaries left


@pytest.fixture(scope="module")
def built(tmp_path_factory, kg):
    out = tmp_path_factory.mktemp("dist")
    ikz_graph.export(kg, out)
    return out


def _nt_set(kg):
    return set(ox.serialize(kg.triples, format=ox.RdfFormat.N_TRIPLES).decode().splitlines())


@pytest.mark.parametrize("name,fmt", [("ikz.ttl", ox.RdfFormat.TURTLE), ("ikz.nt", ox.RdfFormat.N_TRIPLES),
                                      ("ikz.jsonld", ox.RdfFormat.JSON_LD)])
def test_every_export_parses_back_to_the_same_triples(built, kg, name, fmt):
    triples = list(ox.parse(path=str(built / name), format=fmt))
    assert set(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode().splitlines()) == _nt_set(kg)


def test_trig_has_ontology_and_data_graphs(built, kg):
    quads = list(ox.parse(path=str(built / "ikz.trig"), format=ox.RdfFormat.TRIG))
    graphs = {q.graph_name.value for q in quads}
    assert graphs == {ns.GRAPH_ONTOLOGY, ns.GRAPH_DATA}
    assert sum(q.graph_name.value == ns.GRAPH_DATA for q in quads) == len(kg.data_triples)


def test_rdflib_reads_turtle_and_jsonld_alike(built, kg):
    g1 = rdflib.Graph().parse(built / "ikz.ttl", format="turtle")
    g2 = rdflib.Graph().parse(built / "ikz.jsonld", format="json-ld")
    assert len(g1) == len(g2) == len(kg)
    assert g1.isomorphic(g2)


def test_jsonld_context_is_usable_by_web_developers(built):
    doc = json.loads((built / "ikz.jsonld").read_text(encoding="utf-8"))
    ctx = json.loads((built / "ikz.context.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == ctx["@context"]
    assert ctx["@context"]["org"] == "http://www.w3.org/ns/org#"
    node = next(n for n in doc["@graph"] if n["@id"] == "unit:07233")
    assert "ikz:Landkreis" in node["@type"]
    assert {"@value": "Vulkaneifel", "@language": "de"} in node["rdfs:label"]
    assert node["ikz:kreisschluessel"] == ["07233"]


def test_jsonld_is_the_canonical_dump_of_its_own_document(built):
    """The JSON-LD is written node by node (streamed); the bytes must still be exactly
    json.dumps of the document with sorted keys and one-space indent, nodes sorted by @id."""
    raw = (built / "ikz.jsonld").read_bytes()
    doc = json.loads(raw)
    ids = [n["@id"] for n in doc["@graph"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert raw == (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def test_jsonld_of_an_empty_graph_and_of_ungrouped_lines(kg):
    from ikz_graph.exports import _jsonld, jsonld_context, serialize

    empty = _jsonld(iter([]))
    assert json.loads(empty) == {**jsonld_context(), "@graph": []}
    assert empty == (json.dumps(json.loads(empty), indent=1, sort_keys=True) + "\n").encode("utf-8")
    lines = kg.sorted_ntriples()
    # a subject's lines split apart: the streamed JSON-LD refuses instead of writing two nodes
    i = next(i for i in range(len(lines) - 1) if lines[i].split(b" ")[0] == lines[i + 1].split(b" ")[0])
    shuffled = lines[:i] + lines[i + 1:] + [lines[i]]
    with pytest.raises(ExportError, match="not together"):
        serialize(kg, "jsonld", shuffled)


def test_gc_paused_restores_the_collector_even_on_errors():
    import gc

    from ikz_graph.gcpause import gc_paused

    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with gc_paused():
            assert not gc.isenabled()
            1 / 0
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()   # a caller that had turned it off keeps it off
    finally:
        gc.enable()


def test_turtle_uses_prefixes_and_keeps_umlauts(built):
    text = (built / "ikz.ttl").read_text(encoding="utf-8")
    assert "@prefix ikz: <https://w3id.org/ikz-graph/ontology/> ." in text
    assert "unit:07232" in text and "Bitburg-Prüm" in text


def test_failed_write_leaves_the_previous_output_intact(tmp_path):
    out = tmp_path / "dist"
    write_files(out, {"a.ttl": b"old a", "b.ttl": b"old b"})
    files = {"a.ttl": b"new a", "no-such-folder/b.ttl": b"new b"}   # writing the second file fails
    with pytest.raises(ExportError, match="cannot write to"):
        write_files(out, files)
    assert (out / "a.ttl").read_bytes() == b"old a"
    assert (out / "b.ttl").read_bytes() == b"old b"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["a.ttl", "b.ttl"]


def test_output_folder_that_is_a_file_gives_a_clear_error(tmp_path, cli):
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    r = cli("build", "--no-validate", "--out", target)
    assert r.exit_code == 2 and "is a file" in r.output
    r = cli("build", "--no-validate", "--out", target / "sub")
    assert r.exit_code == 2
    assert "cannot write to" in r.output and "not-a-dir" in r.output
