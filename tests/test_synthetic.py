"""The synthetic data set: deterministic, valid, shaped like Germany, and never mistaken for real data."""
from __future__ import annotations

import ikz_graph

import shutil

import pytest
import yaml

from ikz_graph import load
from ikz_graph.errors import DataError, IkzError
from ikz_graph.synthetic import SOURCE, generate


def _files(d):
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_json_style_files_read_the_same_as_yaml(synth_dir):
    """The generator writes JSON style (JSON is YAML); the fast JSON path must read what YAML reads."""
    import json

    for path in synth_dir.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert json.loads(text) == yaml.safe_load(text), path.name


def test_same_seed_same_files_other_seed_other_files(synth_dir, tmp_path):
    again = generate("rlp", tmp_path / "again")
    assert _files(tmp_path / "again") == _files(synth_dir)
    assert again["municipalities"] == 230
    generate("rlp", tmp_path / "other", seed=7)
    assert _files(tmp_path / "other")["units.yaml"] != _files(synth_dir)["units.yaml"]


def test_it_builds_and_conforms_to_the_shapes(synth_kg):
    report = ikz_graph.validate(synth_kg)
    assert report.conforms, report.text()
    assert 15_000 < len(synth_kg) < 40_000


def test_every_record_and_every_sourced_node_is_marked_synthetic(synth_dir, synth_kg):
    for path in synth_dir.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for coll, records in doc.items():
            for r in records:
                assert r["synthetic"] is True, (path.name, coll, r)
                cited = set(r.get("sources", [])) | {r.get("source")} - {None}
                assert cited <= {SOURCE} or coll == "sources", (path.name, r)
    sourced = synth_kg.query("""SELECT ?x WHERE { ?x dct:source ?s .
        FILTER(STRSTARTS(STR(?x), "https://w3id.org/ikz-graph/id/")) }""")  # not the ontology's own
    unmarked = synth_kg.query("""SELECT ?x WHERE { ?x dct:source ?s .
        FILTER(STRSTARTS(STR(?x), "https://w3id.org/ikz-graph/id/"))
        FILTER NOT EXISTS { ?x ikz:synthetic true } }""")
    assert len(sourced) > 1000 and len(unmarked) == 0
    title = synth_kg.query("SELECT ?t WHERE { ?s a ikz:SourceDocument ; dct:title ?t }").rows
    assert [r["t"] for r in title] == ["Synthetic test data, not real: ikz-graph synth --size rlp --seed 42"]
    names = synth_kg.query("SELECT ?n WHERE { ?x schema:name ?n }").rows
    assert names and all("(synthetisch)" in r["n"] for r in names)


def test_keys_form_the_hierarchy_state_district_municipality(synth_kg):
    rows = synth_kg.query("""SELECT ?ags ?kreis ?land WHERE {
        ?g a ikz:Gemeinde ; ikz:gemeindeschluessel ?ags ; ikz:inDistrict ?d ; ikz:inState ?s .
        ?d a ikz:Landkreis ; ikz:kreisschluessel ?kreis . ?s ikz:landKey ?land }""").rows
    assert len(rows) == 230
    assert all(len(r["ags"]) == 8 and r["ags"].startswith(r["kreis"]) and r["kreis"].startswith(r["land"])
               for r in rows)
    kinds = synth_kg.query("SELECT ?c (COUNT(?u) AS ?n) WHERE { ?u a ?c ; ikz:inState ?s . "
                           "VALUES ?c { ikz:Landkreis ikz:KreisfreieStadt } } GROUP BY ?c").rows
    assert sorted(r["n"] for r in kinds) == [12, 24]


def test_cooperation_bodies_are_mostly_neighbours(synth_kg):
    """Most members of a Zweckverband border another member (they grow along contiguity)."""
    rows = synth_kg.query("""SELECT ?zv ?u (COUNT(?v) AS ?touching) WHERE {
        ?zv a ikz:Zweckverband . ?m org:organization ?zv ; org:member ?u . ?u a ikz:Gemeinde .
        OPTIONAL { ?m2 org:organization ?zv ; org:member ?v . ?u geo:sfTouches ?v }
      } GROUP BY ?zv ?u""").rows
    assert len(rows) > 500
    share = sum(r["touching"] > 0 for r in rows) / len(rows)
    assert share > 0.8, share
    dated = synth_kg.query("SELECT (COUNT(?m) AS ?n) WHERE { ?m a org:Membership ; org:memberDuring ?d }").rows
    assert dated[0]["n"] > 1000
    grants = synth_kg.query("SELECT (COUNT(?g) AS ?n) WHERE { ?g a ikz:Grant ; ikz:fundedProject ?p }").rows
    assert grants[0]["n"] == 6


def test_mixing_synthetic_and_real_records_is_refused(synth_dir, data_copy):
    shutil.copy(synth_dir / "states.yaml", data_copy / "synthetic-states.yaml")
    with pytest.raises(DataError) as e:
        load(data_copy)
    text = str(e.value)
    assert "real and synthetic records must never be mixed" in text
    assert "synthetic-states.yaml" in text


def test_a_municipality_must_lie_in_its_district(synth_dir, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(synth_dir, bad)
    units = bad / "units.yaml"
    text = units.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if '"gemeinde"' in x)
    key = line.split('"key": "', 1)[1][:8]
    other = next(x.split('"key": "', 1)[1][:5] for x in text.splitlines()
                 if '"landkreis"' in x and f'"key": "{key[:5]}"' not in x)
    units.write_text(text.replace(line, line.replace(f'"district": "{key[:5]}"', f'"district": "{other}"')),
                     encoding="utf-8")
    with pytest.raises(DataError) as e:
        load(bad)
    msg = str(e.value)
    lineno = text.splitlines().index(line) + 1
    assert f"units.yaml:{lineno}" in msg
    assert f"the Gemeindeschlüssel '{key}' does not start with the district's Kreisschlüssel '{other}'" in msg


def test_generate_refuses_unknown_sizes_and_foreign_folders(tmp_path, cli):
    with pytest.raises(IkzError, match="unknown size 'huge'"):
        generate("huge", tmp_path / "x")
    real = tmp_path / "real"
    real.mkdir()
    (real / "units.yaml").write_text("units: []\n")
    with pytest.raises(IkzError, match="not written by `ikz-graph synth`"):
        generate("rlp", real)
    assert (real / "units.yaml").read_text() == "units: []\n"
    res = cli("synth", "--size", "huge", "--out", tmp_path / "y")
    assert res.exit_code == 2 and "huge" in res.output


def test_sizes_are_about_what_they_say(tmp_path):
    s = generate("100k", tmp_path / "100k")
    kg = load(tmp_path / "100k")
    assert 80_000 < len(kg) < 130_000
    assert s["states"] == 1 and s["districts"] == 36
    marked = kg.query("SELECT (COUNT(?u) AS ?n) WHERE { ?u ikz:synthetic true }").rows[0]["n"]
    assert marked > 10_000


def _tree(d):
    return sorted((str(p.relative_to(d)), p.read_bytes() if p.is_file() else None) for p in d.rglob("*"))


def test_synth_never_replaces_a_folder_it_did_not_write(tmp_path, cli):
    """A checkout (sources, .git, uncommitted files, no top-level YAML), a build folder and the
    current folder are refused with exit 2 and left exactly as they were."""
    checkout = tmp_path / "checkout"
    (checkout / ".git").mkdir(parents=True)
    (checkout / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (checkout / "data").mkdir()
    (checkout / "data" / "units.yaml").write_text("units: []\n")
    (checkout / "notes-not-committed.txt").write_text("mine\n")
    dist = tmp_path / "dist"
    assert cli("build", "--no-validate", "--out", dist).exit_code == 0
    for folder in (checkout, dist):
        before = _tree(folder)
        r = cli("synth", "--size", "rlp", "--out", folder)
        assert r.exit_code == 2, r.output
        assert "was not written by `ikz-graph synth`" in r.output
        assert _tree(folder) == before
    before = _tree(checkout)
    r = run_in(checkout, "synth", "--size", "rlp", "--out", ".")
    assert r.returncode == 2 and "current folder" in r.stderr, r.stderr
    assert _tree(checkout) == before


def run_in(cwd, *args):
    from .conftest import run_module

    return run_module(*args, cwd=cwd)


def test_synth_replaces_only_exactly_what_it_wrote(tmp_path):
    out = tmp_path / "s"
    generate("rlp", out)
    first = _files(out)
    assert "_manifest.json" in first
    generate("rlp", out, seed=7)                              # its own folder: replaced
    assert _files(out)["units.yaml"] != first["units.yaml"]
    (out / "my-notes.txt").write_text("keep me")
    with pytest.raises(IkzError, match=r"holds files that `ikz-graph synth` did not write \(my-notes.txt\)"):
        generate("rlp", out)
    (out / "my-notes.txt").unlink()
    (out / "units.yaml").write_text((out / "units.yaml").read_text() + "\n", encoding="utf-8")   # edited by hand
    with pytest.raises(IkzError, match="units.yaml changed or went missing"):
        generate("rlp", out)
    assert (out / "units.yaml").read_text().endswith("\n\n")
