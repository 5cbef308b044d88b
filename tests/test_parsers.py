"""Independent parsers read every export: Raptor's rapper, Apache Jena RIOT and pyoxigraph.

Each parser must read each file with the full triple count, and must reject a broken copy (so the
test can fail). Raptor 2 has no JSON-LD parser (its ``json`` is RDF/JSON, another format); that gap
is checked too, so the matrix is revisited when it changes.
"""
from __future__ import annotations

import ikz_graph

import os
import re
import shutil
import subprocess

import pyoxigraph as ox
import pytest

from ikz_graph.exports import FORMATS

from .conftest import ROOT
from .stores import unavailable

RAPPER_SYNTAX = {"ttl": "turtle", "nt": "ntriples", "trig": "trig"}
OX_FORMAT = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG,
             "jsonld": ox.RdfFormat.JSON_LD}
RIOT = ROOT / "scripts" / "riot"


@pytest.fixture(scope="module")
def exports(kg, tmp_path_factory):
    d = tmp_path_factory.mktemp("exports")
    ikz_graph.export(kg, d)
    out = {}
    for fmt in FORMATS:
        good = d / f"ikz.{fmt}"
        lines = good.read_bytes().split(b"\n")
        broken = d / f"broken.{fmt}"   # an unterminated string in the middle of the file
        broken.write_bytes(b"\n".join(lines[: len(lines) // 2] + [b'<http://example.org/broken> "cut .']
                                      + lines[len(lines) // 2:]))
        out[fmt] = (good, broken)
    return out


def _rapper(path, fmt):
    if not shutil.which("rapper"):
        unavailable("rapper (Debian package raptor2-utils) is not installed")
    r = subprocess.run(["rapper", "-i", RAPPER_SYNTAX[fmt], "-c", str(path)], capture_output=True, text=True,
                       timeout=300)
    m = re.search(r"Parsing returned (\d+) triples", r.stderr)
    return r.returncode, int(m.group(1)) if m else None, r.stderr


def _require_jena():
    if not shutil.which("java") or not os.path.exists("/usr/share/java/jena-core.jar"):
        unavailable("Apache Jena (Debian package libapache-jena-java, with java) is not installed")


def _riot(path, fmt):
    _require_jena()
    # Jena 4.5 reads JSON-LD 1.1 through titanium, whose JSON backend Debian does not ship; its
    # JSON-LD 1.0 reader (jsonld-java) is complete for our files.
    syntax = ["--syntax=JSONLD10"] if fmt == "jsonld" else []
    r = subprocess.run([str(RIOT), "--count", *syntax, str(path)], capture_output=True, text=True, timeout=300)
    m = re.search(r"(?:Triples|Quads) = ([\d,]+)", r.stdout + r.stderr)
    return r.returncode, int(m.group(1).replace(",", "")) if m else None, r.stderr


@pytest.mark.parametrize("fmt", sorted(RAPPER_SYNTAX))
def test_rapper_reads_export(exports, kg, fmt):
    good, broken = exports[fmt]
    code, n, err = _rapper(good, fmt)
    assert code == 0 and n == len(kg), err
    code, _, err = _rapper(broken, fmt)
    assert code != 0 and "rror" in err


def test_rapper_has_no_json_ld_parser():
    if not shutil.which("rapper"):
        unavailable("rapper (Debian package raptor2-utils) is not installed")
    listing = subprocess.run(["rapper", "--help"], capture_output=True, text=True).stdout
    parsers = listing.split("--input FORMAT", 1)[1].split("--input-uri", 1)[0]
    assert "turtle" in parsers and "trig" in parsers
    assert "json-ld" not in parsers.lower() and "jsonld" not in parsers.lower()


@pytest.mark.parametrize("fmt", FORMATS)
def test_jena_riot_reads_export(exports, kg, fmt):
    good, broken = exports[fmt]
    code, n, err = _riot(good, fmt)
    assert code == 0 and n == len(kg), err
    code, _, err = _riot(broken, fmt)
    assert code != 0 and "ERROR" in err


def test_jena_riot_checks_literals(tmp_path):
    """RIOT, unlike rapper, checks literal datatypes."""
    _require_jena()
    bad = tmp_path / "bad.ttl"
    bad.write_text('<http://example.org/a> <http://example.org/b> "12x"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                   encoding="utf-8")
    r = subprocess.run([str(RIOT), "--validate", str(bad)], capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "not valid for datatype" in r.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_pyoxigraph_reads_export(exports, kg, fmt):
    good, broken = exports[fmt]
    parsed = list(ox.parse(path=str(good), format=OX_FORMAT[fmt]))
    assert len(parsed) == len(kg)
    if fmt == "trig":
        assert {q.graph_name.value for q in parsed} == {"https://w3id.org/ikz-graph/graph/ontology",
                                                       "https://w3id.org/ikz-graph/graph/data"}
    else:
        key = lambda t: (str(t.subject), str(t.predicate), str(t.object))  # noqa: E731
        assert {key(t) for t in parsed} == {key(t) for t in kg.triples}
    with pytest.raises(SyntaxError):
        list(ox.parse(path=str(broken), format=OX_FORMAT[fmt]))
