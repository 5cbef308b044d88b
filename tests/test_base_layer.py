"""The official base layer: every unit of the register on its official key, figures with sources and
dates, the hierarchy, territorial changes, the store cache, and the named queries at every level.

Counts and samples are compared with the vendored raw file, read here with nothing but the record
positions the publisher documents (Satzart in characters 1–2, the key in 11–22, the name in 23–72,
area and population in 129–150), independently of the importer.
"""
from __future__ import annotations

import collections
import random
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import ikz_graph
from ikz_graph import namespaces as ns
from ikz_graph.errors import DataError, InputError
from ikz_graph.queries import run_query

from .conftest import DATA, ROOT, run_module

RAW = DATA / "official" / "destatis" / "GV100AD_301123.txt"
SATZART = {"10": "land", "20": "regierungsbezirk", "30": "region", "40": "kreis", "50": "gemeindeverband",
           "60": "gemeinde"}


def _raw_lines() -> list[str]:
    return [x for x in RAW.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def de():
    return ikz_graph.load(base="de")


@pytest.fixture(scope="module")
def rlp():
    return ikz_graph.load(base="rlp")


def _count(kg, where: str) -> int:
    return int(kg.query(f"SELECT (COUNT(DISTINCT ?u) AS ?n) WHERE {{ {where} }}").rows[0]["n"])


def _count_by_record(kg, land: str | None = None) -> dict[str, int]:
    state = f"FILTER(STRSTARTS(?key, '{land}'))" if land else ""
    rows = kg.query(f"""SELECT ?r (COUNT(DISTINCT ?u) AS ?n) WHERE {{
        ?u ikz:unitType ?t ; ikz:officialKey ?key ; ikz:officialName ?name . ?t ikz:recordType ?r . {state}
        }} GROUP BY ?r""").rows
    return {SATZART[r["r"]]: int(r["n"]) for r in rows}


def test_counts_per_level_equal_the_register(de):
    raw = collections.Counter(SATZART[x[:2]] for x in _raw_lines())
    assert _count_by_record(de) == dict(raw)
    assert raw["gemeinde"] == 10981 and raw["gemeindeverband"] == 4597


def test_counts_per_level_and_land_equal_the_register(de):
    lines = _raw_lines()
    for land in sorted({x[10:12] for x in lines}):
        raw = collections.Counter(SATZART[x[:2]] for x in lines if x[10:12] == land)
        assert _count_by_record(de, land) == dict(raw), land


def test_rhineland_palatinate_by_type(rlp):
    """36 Kreise, 129 Verbandsgemeinden, 42 rows of Textkennzeichen 50 (29 verbandsfreie Gemeinden, the
    12 kreisfreie Städte and the German-Luxembourg condominium), 2,301 Gemeinden and the condominium."""
    rows = rlp.query("""SELECT ?tkz (COUNT(DISTINCT ?u) AS ?n) WHERE {
        ?u ikz:unitType ?t ; ikz:officialKey ?k ; ikz:officialName ?name . ?t ikz:textkennzeichen ?tkz .
        FILTER(STRSTARTS(?k, "07")) } GROUP BY ?tkz""").rows
    by = {r["tkz"]: int(r["n"]) for r in rows}
    assert by["41"] + by["44"] == 36
    assert by["53"] == 129 and by["50"] == 42
    assert by["61"] + by["63"] + by["64"] == 2301 and by["66"] == 1
    raw = collections.Counter((x[:2], x[122:124]) for x in _raw_lines() if x[10:12] == "07")
    assert by == {tkz: n for (_, tkz), n in raw.items() if tkz.strip()}


def test_a_sample_of_keys_names_populations_and_areas_equals_the_register(de):
    gemeinden = [x for x in _raw_lines() if x[:2] == "60"]
    for x in random.Random(13).sample(gemeinden, 60):
        ags = x[10:15] + x[15:18]
        ars = x[10:15] + x[18:22] + x[15:18]
        iri = ns.DATA_PREFIXES["unit"] + ags
        r = de.query(f"""SELECT ?key ?ars ?name ?pop ?area WHERE {{
            <{iri}> ikz:officialKey ?key ; ikz:regionalschluessel ?ars ; ikz:officialName ?name ;
                    ikz:population ?p ; ikz:area ?a .
            ?p schema:value ?pop ; schema:observationDate "2022-12-31"^^xsd:date .
            ?a schema:value ?area ; dct:source source:destatis-gv100ad-2023-11-30 .
            ?p dct:source source:destatis-gv100ad-2023-11-30 }}""").rows
        assert len(r) == 1, ags
        assert (r[0]["key"], r[0]["ars"], r[0]["name"]) == (ags, ars, x[22:72].strip())
        assert int(r[0]["pop"]) == int(x[139:150])
        assert Decimal(str(r[0]["area"])) == Decimal(int(x[128:139])) / 100


def test_figures_above_the_gemeinde_are_sums_marked_as_such(de):
    raw = sum(int(x[139:150]) for x in _raw_lines() if x[:2] == "60" and x[10:15] == "07233")
    r = de.query("""SELECT ?v ?note WHERE { unit:07233 ikz:population ?f . ?f schema:value ?v ;
                    dct:source source:destatis-gv100ad-2023-11-30 ; rdfs:comment ?note }""").rows
    assert [int(x["v"]) for x in r] == [raw]
    assert "sum" in r[0]["note"]


def test_a_curated_figure_and_the_registers_are_both_kept(de):
    """The curated Vulkaneifel population (31.12.2023) and the register's (31.12.2022) stand side by
    side, each with its source; the curated label stays the label."""
    r = de.query("""SELECT ?v ?d ?s WHERE { unit:07233 ikz:population ?f . ?f schema:value ?v ;
                    schema:observationDate ?d ; dct:source ?s }""").rows
    assert {(str(x["d"]), x["s"].rsplit("/", 1)[1]) for x in r} >= {
        ("2023-12-31", "u-destatis-kreise-2023"), ("2022-12-31", "destatis-gv100ad-2023-11-30")}
    labels = de.query("SELECT ?l WHERE { unit:07233 rdfs:label ?l }").rows
    assert [x["l"] for x in labels] == ["Vulkaneifel"]


def test_district_iris_are_unchanged_and_keys_are_one_per_unit(de):
    assert _count(de, "?u ikz:officialKey ?a , ?b . FILTER(?a != ?b)") == 0
    r = de.query("SELECT ?u WHERE { ?u ikz:kreisschluessel '07233' }").rows
    assert [x["u"] for x in r] == [ns.DATA_PREFIXES["unit"] + "07233"]


def test_hierarchy_of_a_gemeinde(de):
    rows = run_query(de, "unit-hierarchy", {"unit": "07233014"}).rows
    assert [(x["level"], x["key"]) for x in rows] == [
        ("Gemeindeverband", "072335001"), ("Kreis", "07233"), ("Regierungsbezirk", "072"), ("Land", "07")]


def test_units_inside_a_verbandsgemeinde_and_a_kreis(de):
    raw = [x for x in _raw_lines() if x[:2] == "60" and x[10:15] + x[18:22] == "072335001"]
    rows = run_query(de, "units-in", {"unit": "072335001"}).rows
    assert sorted(x["key"] for x in rows) == sorted(x[10:15] + x[15:18] for x in raw)
    kreis = run_query(de, "units-in", {"unit": "Vulkaneifel"}).rows
    raw_kreis = [x for x in _raw_lines() if x[:2] in ("50", "60") and x[10:15] == "07233"]
    assert len(kreis) == len(raw_kreis)


def test_units_by_population_band(de):
    rows = run_query(de, "units-by-population", {"level": "gemeindeverband", "min": "20000", "max": "30000",
                                                 "state": "07"}).rows
    assert rows and all(20000 <= int(x["population"]) < 30000 for x in rows)
    assert all(x["key"].startswith("07") and len(x["key"]) == 9 for x in rows)
    assert [int(x["population"]) for x in rows] == sorted((int(x["population"]) for x in rows), reverse=True)


def test_territorial_changes_name_the_units_of_a_day(de):
    """Niedergeckler was dissolved into Obergeckler on 2025-01-01, which got a new key that day."""
    r = de.query("""SELECT ?until WHERE { unit:07232089 ikz:existedUntil ?until }""").rows
    assert [str(x["until"]) for x in r] == ["2024-12-31"]
    r = de.query("""SELECT ?from ?label WHERE { unit:07232503 ikz:existedFrom ?from ; rdfs:label ?label }""").rows
    assert [(str(x["from"]), x["label"]) for x in r] == [("2025-01-01", "Obergeckler")]
    kinds = de.query("""SELECT ?kind WHERE { ?c ikz:formerUnit unit:07232089 ; ikz:changeKind ?kind }""").rows
    assert [x["kind"].rsplit("/", 1)[1] for x in kinds] == ["change-dissolution"]


def test_the_units_of_a_day(de):
    """On 2024-12-31 the Verbandsgemeinde Bitburger Land had Niedergeckler and Obergeckler (old key);
    on 2025-01-01 Obergeckler alone, under its new key; every other Gemeinde both days."""
    before = {(x["key"], x["name"]) for x in run_query(de, "units-as-of", {"date": "2024-12-31",
                                                                          "unit": "072325005"}).rows}
    after = {(x["key"], x["name"]) for x in run_query(de, "units-as-of", {"date": "2025-01-01",
                                                                         "unit": "072325005"}).rows}
    assert before - after == {("07232089", "Niedergeckler"), ("07232096", "Obergeckler")}
    assert after - before == {("07232503", "Obergeckler")}
    raw = {x[10:15] + x[15:18] for x in _raw_lines() if x[:2] == "60" and x[10:15] + x[18:22] == "072325005"}
    assert {k for k, _ in before} == raw        # the register's Gemeinden of 30.11.2023, before any change


def test_the_national_graph_conforms_to_the_shapes():
    import os

    r = run_module("validate", env={k: v for k, v in os.environ.items() if k != "IKZ_GRAPH_BASE"})  # as make run does
    assert r.returncode == 0, r.stderr[-2000:]
    assert "The graph conforms to the shapes (" in r.stdout


def test_the_curated_graph_alone_holds_only_the_register_units_the_records_name():
    """Scope none: no base layer, except the register entries of the units records refer to (and the
    units they lie in), so that no reference points at a node the graph does not describe."""
    kg = ikz_graph.load(base="none")
    named = {str(r["u"]) for r in kg.query("SELECT DISTINCT ?u WHERE { ?u ikz:officialName ?n }").rows}
    members = {str(r["u"]) for r in kg.query("""SELECT DISTINCT ?u WHERE { { ?m org:member ?u } UNION
        { ?s cv:hasCompetentAuthority ?u } UNION { ?s schema:serviceOperator ?u } UNION { ?o org:unitOf ?u }
        UNION { ?g ikz:recipient ?u } UNION { ?a ikz:party ?u } ?u ikz:officialName ?n }""").rows}
    above = {str(r["p"]) for r in kg.query("""SELECT DISTINCT ?p WHERE { ?u ikz:officialName ?n ;
        ikz:inKreis|ikz:inRegierungsbezirk|ikz:inGemeindeverband ?p . ?p ikz:officialName ?pn }""").rows}
    assert named and named <= members | above
    assert _count(kg, "?u a ikz:Gemeindeverband") == len([u for u in named if len(u.rsplit("/", 1)[1]) == 9])
    assert _count(kg, "?u geo:hasGeometry ?g") == 0      # only units.tsv is read in scope none


# --------------------------------------------------------------------------- the store cache

def _copy_data(tmp_path: Path, base_tables=("units.tsv",)) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    for f in DATA.glob("*.yaml"):
        shutil.copy(f, d / f.name)
    (d / "base").mkdir()
    for t in base_tables:
        shutil.copy(DATA / "base" / t, d / "base" / t)
    return d


def test_the_store_is_built_once_and_rebuilt_when_any_input_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("IKZ_GRAPH_CACHE", str(tmp_path / "cache"))
    d = _copy_data(tmp_path)
    first = ikz_graph.load(d, base="rlp")
    assert first.origin == "cache-built"
    n = len(first)
    again = ikz_graph.load(d, base="rlp")
    assert again.origin == "cache" and len(again) == n
    (d / "units.yaml").write_bytes((d / "units.yaml").read_bytes())   # same bytes, new time: still the same
    assert ikz_graph.load(d, base="rlp").origin == "cache"
    assert ikz_graph.load(d, base="de").origin == "cache-built"        # another scope is another store
    units = d / "base" / "units.tsv"
    lines = units.read_text(encoding="utf-8").splitlines(keepends=True)
    units.write_text("".join(x for x in lines if not x.startswith("072335001014\t")), encoding="utf-8")
    changed = ikz_graph.load(d, base="rlp")
    assert changed.origin == "cache-built"
    assert _count(changed, "unit:07233014 ?p ?o . BIND(unit:07233014 AS ?u)") == 0
    (d / "projects.yaml").write_text((d / "projects.yaml").read_text(encoding="utf-8") + "\n# a comment\n",
                                     encoding="utf-8")
    assert ikz_graph.load(d, base="rlp").origin == "cache-built"


def test_two_builds_give_identical_triples(tmp_path, monkeypatch):
    d = _copy_data(tmp_path, ("units.tsv", "wikidata.tsv", "changes.tsv"))
    out = []
    for i in range(2):
        monkeypatch.setenv("IKZ_GRAPH_CACHE", str(tmp_path / f"cache{i}"))
        kg = ikz_graph.load(d, base="rlp")
        assert kg.origin == "cache-built"
        out.append(b"\n".join(kg.sorted_ntriples()))
    assert out[0] == out[1]


def test_a_table_without_its_source_record_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("IKZ_GRAPH_CACHE", str(tmp_path / "cache"))
    d = _copy_data(tmp_path)
    units = d / "base" / "units.tsv"
    units.write_text(units.read_text(encoding="utf-8").replace("source-id: destatis-gv100ad-2023-11-30",
                                                               "source-id: destatis-gv100ad-1999-01-01"),
                     encoding="utf-8")
    with pytest.raises(DataError) as e:
        ikz_graph.load(d, base="rlp")
    assert "units.tsv:1" in str(e.value) and "'destatis-gv100ad-1999-01-01' has no source record" in str(e.value)


def test_a_malformed_table_row_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.setenv("IKZ_GRAPH_CACHE", str(tmp_path / "cache"))
    d = _copy_data(tmp_path)
    units = d / "base" / "units.tsv"
    lines = units.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, x in enumerate(lines) if x.startswith("07233\t"))
    lines[n] = lines[n].replace("\t", " ", 2)
    units.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as e:
        ikz_graph.load(d, base="rlp")
    assert f"units.tsv:{n + 1}:" in str(e.value)


# --------------------------------------------------------------------------- the importer

def test_the_committed_tables_are_the_import_of_the_vendored_files(tmp_path):
    """data/base/ is what `ikz-graph import all` makes of data/official/ (and a second import is the same)."""
    r = run_module("import", "all", "--out", str(tmp_path / "base"))
    assert r.returncode == 0, r.stderr
    for t in sorted((tmp_path / "base").iterdir()):
        assert t.read_bytes() == (DATA / "base" / t.name).read_bytes(), t.name


def test_a_malformed_gv100ad_row_is_an_error_and_writes_nothing(tmp_path):
    lines = RAW.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "GV100AD_bad.txt"
    n = next(i for i, x in enumerate(lines) if i > 100 and x.startswith("60"))
    lines[n] = lines[n][:139] + "12x45678901" + lines[n][150:]
    bad.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    r = run_module("import", "gv100ad", str(bad), "--out", str(out))
    assert r.returncode == 2
    assert f"{bad}:{n + 1}: the population (characters 140–150) is not a number" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


def test_a_newer_release_gives_a_clean_diff(tmp_path):
    """A release whose only change is one unit's population changes one line of units.tsv (and the
    status lines if the date moves): the table is reviewable as a diff."""
    from ikz_graph.official.gv100ad import import_gv100ad_text

    text = RAW.read_text(encoding="utf-8")
    lines = text.splitlines()
    i = next(k for k, x in enumerate(lines) if x.startswith("60") and x[10:18] == "07233501")
    old = lines[i]
    lines[i] = old[:139] + f"{int(old[139:150]) + 1:011d}" + old[150:]
    a = import_gv100ad_text(text, "a.txt")["units.tsv"].decode().splitlines()
    b = import_gv100ad_text("\n".join(lines), "b.txt")["units.tsv"].decode().splitlines()
    diff = [(x, y) for x, y in zip(a, b) if x != y]
    assert len(a) == len(b) and len(diff) == 1 and diff[0][0].startswith("072335001501\t")


# --------------------------------------------------------------------------- neighbours from geometry

def _curated_neighbours() -> dict[str, set[str]]:
    import yaml

    doc = yaml.safe_load((DATA / "neighbours.yaml").read_text(encoding="utf-8"))
    return {r["unit"]: {n for n in r["neighbours"] if n.isdigit()} for r in doc["neighbours"]}


def test_adjacency_is_symmetric_at_every_level(de):
    one_way = de.query("""SELECT (COUNT(*) AS ?n) WHERE { ?a geo:sfTouches ?b .
                           FILTER NOT EXISTS { ?b geo:sfTouches ?a } }""").rows
    assert int(one_way[0]["n"]) == 0
    levels = de.query("""SELECT ?r (COUNT(*) AS ?n) WHERE { ?a geo:sfTouches ?b ; ikz:unitType/ikz:recordType ?r .
                          ?b ikz:unitType/ikz:recordType ?r } GROUP BY ?r""").rows
    assert {x["r"] for x in levels} >= {"10", "40", "50", "60"}


def test_every_rlp_district_has_the_curated_neighbours_or_a_documented_difference(de):
    import re

    note = (ROOT / "docs" / "research" / "neighbours-geometry.md").read_text(encoding="utf-8")
    section = note.split("## Result", 1)[1].split("\n## ", 1)[0]
    documented = {frozenset(re.findall(r"\b\d{5}\b", line.split("|")[1])) for line in section.splitlines()
                  if line.startswith("| 0") and line.count("|") == 6}   # the table of differences (5 columns)
    curated = _curated_neighbours()
    from ikz_graph.tsv import read

    geometric = collections.defaultdict(set)  # from the boundaries alone (the graph holds both lists)
    for r in read(DATA / "base" / "touches.tsv").rows:
        if r["level"] == "kreis":
            geometric[r["a"]].add(r["b"])
            geometric[r["b"]].add(r["a"])
    rlp = [k for k in curated if k.startswith("07")]
    assert len(rlp) == 36
    differences = {frozenset((k, n)) for k in rlp for n in curated[k] ^ geometric[k]}
    assert differences <= documented, sorted(map(sorted, differences - documented))
    assert len(differences) == 2    # the two curated borders VG5000 reduces to a point
    for pair in differences:        # both stay in the graph (curated and derived neighbours are one property)
        a, b = sorted(pair)
        assert de.query(f"SELECT ?x WHERE {{ unit:{a} geo:sfTouches unit:{b} . BIND(1 AS ?x) }}").rows


# --------------------------------------------------------------------------- the store key and the CLI

def test_the_store_key_covers_every_module_the_build_runs():
    """storecache.BUILD_MODULES must name every module the pipeline imports (a change to any of them
    can change the store), found by reading the imports."""
    import ast

    from ikz_graph import storecache

    pkg = ROOT / "ikz_graph"
    seen, todo = set(), ["pipeline"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(ast.parse((pkg / f"{name}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                targets = [node.module] if node.module else [a.name for a in node.names]
                todo += [t for t in targets if (pkg / f"{t}.py").is_file()]
    assert seen <= set(storecache.BUILD_MODULES), sorted(seen - set(storecache.BUILD_MODULES))


def test_cli_says_when_it_builds_the_store_and_not_when_it_opens_it(tmp_path):
    import os

    env = dict(os.environ, IKZ_GRAPH_CACHE=str(tmp_path / "cache"), IKZ_GRAPH_BASE="rlp")
    first = run_module("query", "unit-hierarchy", "-p", "unit=07233014", env=env)
    assert first.returncode == 0, first.stderr
    assert "Built the store" in first.stderr and "072335001" in first.stdout
    again = run_module("query", "unit-hierarchy", "-p", "unit=07233014", env=env)
    assert again.returncode == 0 and again.stderr == "" and again.stdout == first.stdout
    none = run_module("--base", "none", "query", "unit-hierarchy", "-p", "unit=07233014", env=env)
    assert none.returncode == 2 and "07233014" in none.stderr        # no Gemeinden without the base layer
    bad = run_module("--base", "fr", "query", "units", env=env)
    assert bad.returncode == 2 and "'fr' is not one of 'de', 'rlp', 'none'" in bad.stderr


def test_adding_to_a_store_from_the_cache_writes_a_copy_of_its_files_never_the_entry(tmp_path, monkeypatch):
    """`query --include` on the default graph: the read-only store from the cache is made writable by
    copying its folder (not its triples), the entry stays as it was, and the copy goes with the graph."""
    import gc

    import pyoxigraph as ox

    from ikz_graph import storecache

    monkeypatch.setenv("IKZ_GRAPH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)          # TMPDIR is read again
    ikz_graph.load(base="rlp")                              # builds the entry
    kg = ikz_graph.load(base="rlp")
    assert kg.origin == "cache"
    (entry,) = [p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]
    before = len(kg)
    t = ox.Triple(ox.NamedNode("https://example.org/x"), ox.NamedNode("https://example.org/p"), ox.Literal("v"))
    assert kg.add([t]) == 1 and len(kg) == before + 1
    assert kg.query("SELECT ?v WHERE { <https://example.org/x> <https://example.org/p> ?v }").rows == [{"v": "v"}]
    copies = list((tmp_path / "tmp").glob("ikz-graph-store-*"))
    assert len(copies) == 1 and storecache.store_folder(entry.name) == entry / "store"
    assert len(ox.Store.read_only(str(entry / "store"))) == before        # the entry is not written
    del kg
    gc.collect()
    assert not copies[0].exists()
