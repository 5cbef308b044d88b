"""The recorded cooperation at the level where it happens: records that name Verbandsgemeinden and
Gemeinden by their official keys, the coverage report, and what the new records change downstream
(participants of a shared service by dated accession, candidates at the approach's level).

The counts of the coverage report are checked against an independent count made here from the YAML
files themselves, not against numbers written into the test.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

import ikz_graph
from ikz_graph import namespaces as ns
from ikz_graph.base import register
from ikz_graph.coverage import coverage, render
from ikz_graph.transfer_factors import pool

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
UNIT = ns.DATA_PREFIXES["unit"]
ULMEN = "071355003"          # Verbandsgemeinde Ulmen (Regionalschlüssel)


def _records() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in sorted(DATA.glob("*.yaml")):
        for coll, items in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).items():
            out.setdefault(coll, []).extend(items)
    return out


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# ---------------------------------------------------------------- references to the official register

def test_every_member_key_of_the_records_is_a_unit_of_the_register_or_a_curated_unit():
    known = register(DATA)
    recs = _records()
    curated = {u.get("key") or u.get("nuts3") for u in recs["units"]}
    orgs = {o["id"] for o in recs["organisations"]}
    persons = {p["id"] for p in recs.get("persons", [])}
    for m in recs["memberships"]:
        member = str(m["member"])
        assert member in known or member in curated or member in orgs or member in persons, m
        if m.get("member_name") and member in known and member not in curated:
            assert m["member_name"] == known[member].name, m


def test_a_verbandsgemeinde_named_by_a_record_is_in_the_graph_even_without_the_base_layer():
    kg = ikz_graph.load(base="none")
    rows = kg.query(f"""SELECT ?label ?kreis ?pop WHERE {{
        <{UNIT}{ULMEN}> a ikz:Gemeindeverband ; rdfs:label ?label ; ikz:officialKey "{ULMEN}" ; ikz:inKreis ?kreis ;
                        ikz:population/schema:value ?pop }}""").rows
    assert len(rows) == 1
    assert str(rows[0]["label"]) == register(DATA)[ULMEN].name
    assert str(rows[0]["kreis"]) == UNIT + "07135"
    # the population is the sum of its Gemeinden in the register, not only of those the records name
    units = (DATA / "base" / "units.tsv").read_text(encoding="utf-8").splitlines()
    header = next(line for line in units if line.startswith("ars\t")).split("\t")
    total = 0
    for line in units:
        cells = dict(zip(header, line.split("\t")))
        if cells.get("record") == "60" and cells["ars"].startswith(ULMEN) and cells["population"]:
            total += int(cells["population"])
    assert int(str(rows[0]["pop"])) == total > 0
    # a unit nobody refers to stays out of the curated graph
    assert not kg.query(f"SELECT ?p WHERE {{ <{UNIT}072335001> ?p ?o }} LIMIT 1").rows


def test_an_unknown_regionalschluessel_is_an_error_naming_the_record(data_copy, cli, tmp_path):
    (data_copy / "extra.yaml").write_text(
        "memberships:\n- member: '079999999'\n  organisation: fachstelle-adoption-vorderpfalz\n  sources: [mdi-rlp-ikz]\n",
        encoding="utf-8")
    r = cli("--data", data_copy, "build", "--out", tmp_path / "out")
    assert r.exit_code == 1, r.output
    assert re.search(r"extra\.yaml:\d+ \[membership 079999999 in fachstelle-adoption-vorderpfalz\]: "
                     r"member: unknown Regionalschlüssel '079999999' \(no unit with that key in the data or in the "
                     r"official register\)", r.output), r.output
    assert not (tmp_path / "out").exists()


def test_a_member_name_that_is_not_the_name_of_the_key_is_an_error(data_copy, cli, tmp_path):
    (data_copy / "extra.yaml").write_text(
        f"memberships:\n- member: '{ULMEN}'\n  member_name: Cochem\n  organisation: fachstelle-adoption-vorderpfalz\n"
        "  sources: [mdi-rlp-ikz]\n", encoding="utf-8")
    r = cli("--data", data_copy, "build", "--out", tmp_path / "out")
    assert r.exit_code == 1, r.output
    assert f"member_name: 'Cochem' is not the name of '{ULMEN}' (known: 'Ulmen')" in r.output, r.output


def test_without_the_register_a_verbandsgemeinde_key_is_unknown(data_copy, cli, tmp_path):
    import shutil

    shutil.rmtree(data_copy / "base")
    r = cli("--data", data_copy, "validate")
    assert r.exit_code == 1
    assert re.search(r"unknown Regionalschlüssel '\d{9}' \(no unit with that key in the data\)", r.output), r.output


def test_a_grant_needs_what_it_funds_or_its_recipients(data_copy, cli, tmp_path):
    text = (data_copy / "pilot-programme.yaml").read_text(encoding="utf-8")
    text = text.replace("grants:\n", "grants:\n- id: grant-nothing\n  funder: mdi-rlp\n  amount: 1000\n"
                                     "  sources: [mdi-rlp-ikz]\n", 1)
    (data_copy / "pilot-programme.yaml").write_text(text, encoding="utf-8")
    r = cli("--data", data_copy, "validate")
    assert r.exit_code == 1
    assert "[grant grant-nothing]: a grant needs the cooperation it funds ('project') or its 'recipients'" in r.output


# ---------------------------------------------------------------- the corrections of the issue

def test_the_corrections_are_recorded_each_with_its_source(kg):
    irt = kg.query("""SELECT ?d WHERE { body:irt schema:foundingDate ?d }""").rows
    assert [str(r["d"]) for r in irt] == ["1994-02-24"]
    ends = kg.query("""SELECT ?m WHERE { ?m org:organization body:vorderpfalz ; org:memberDuring/time:hasEnd ?e }""").rows
    assert ends == []
    kr = kg.query("""SELECT ?appointed ?start WHERE { ?m org:member person:andreas-kruppert ;
        ikz:appointed ?appointed ; org:memberDuring/time:hasBeginning/time:inXSDDate ?start }""").rows
    assert [(str(r["appointed"]), str(r["start"])) for r in kr] == [("2021-11-12", "2021-12-01")]


# ---------------------------------------------------------------- the coverage report

def _independent_counts() -> tuple[int, int]:
    """Voluntary cooperations with 2+ unit members and a start, and their memberships with a start,
    counted from the YAML files (units: keys of 5, 8 or 9 digits)."""
    recs = _records()
    orgs = {o["id"]: o for o in recs["organisations"]}
    statutory_types = {"planning-community", "regional-association"}
    cooperation_types = {"model-project", "cooperation-network", "shared-institution", "zweckverband",
                         "association", "company", "organisation"}
    members: dict[str, dict[str, list]] = {}
    for m in recs["memberships"]:
        if re.fullmatch(r"[0-9]{5}|[0-9]{8}|[0-9]{9}", str(m["member"])) and m["organisation"] in orgs:
            members.setdefault(m["organisation"], {}).setdefault(str(m["member"]), []).append(m.get("start"))
    for s in recs["services"]:   # a service counts for its institution, else the cooperation it came out of
        owner = s.get("institution") or s.get("developed_in")
        assert owner, f"service {s['id']} belongs to no cooperation"
        for u in s["competent_authorities"] + ([s["operator"]] if s.get("operator") else []):
            if re.fullmatch(r"[0-9]{5}|[0-9]{8}|[0-9]{9}", str(u)):
                members.setdefault(owner, {}).setdefault(str(u), []).append(s.get("start"))
    coops = dated = 0
    for oid, ms in members.items():
        o = orgs[oid]
        if o["type"] not in cooperation_types or o["type"] in statutory_types or o.get("statutory"):
            continue
        starts = [s for v in ms.values() for s in v if s]
        if len(ms) >= 2 and (o.get("founded") or starts):
            coops += 1
    for m in recs["memberships"]:
        o = orgs.get(m["organisation"])
        if o and m.get("start") and re.fullmatch(r"[0-9]{5}|[0-9]{8}|[0-9]{9}", str(m["member"])) \
                and o["type"] in cooperation_types and not o.get("statutory"):
            dated += 1
    return coops, dated


def test_coverage_counts_what_the_records_hold_and_meets_the_research_targets(kg):
    cv = coverage(kg)
    head = cv.headline()
    coops, dated = _independent_counts()
    assert head["voluntary, 2+ units and a start date"] == coops
    assert head["memberships with a start date (voluntary)"] == dated
    # the targets of the research round
    assert coops >= 60 and dated >= 150
    # every kind row adds up to the list of cooperations
    assert sum(r["cooperations"] for r in cv.by_kind()) == len(cv.cooperations) == head["cooperations"]
    assert sum(r["cooperations"] for r in cv.by_level()) == len(cv.cooperations)


@pytest.fixture(scope="module")
def rlp():
    """The graph with the base layer of Rhineland-Palatinate: every unit, also those without cooperation."""
    return ikz_graph.load(base="rlp")


def test_coverage_names_the_units_without_cooperation_and_the_undated_memberships(rlp):
    cv = coverage(rlp)
    without = {r["key"] for r in cv.without_cooperation()}
    taking = {cv.units[u]["key"] for c in cv.cooperations for u in c.members}
    assert without and not without & taking
    assert all(cv.units[u]["state"] == "07" for u in cv.units if cv.units[u]["key"] in without)
    undated = cv.undated()
    assert len(undated) == cv.headline()["memberships without a start date"] > 0
    assert ("Vorderpfalz", "07314") in {(r["cooperation"], r["key"]) for r in undated}  # Ludwigshafen: start unknown


def test_coverage_command_formats_and_errors(cli, tmp_path):
    r = cli("coverage", "--format", "json")
    assert r.exit_code == 0
    doc = json.loads(r.output)
    assert set(doc) >= {"headline", "by_kind", "by_level", "by_task_field", "by_state", "without_cooperation",
                        "memberships_without_start", "single_source", "cooperations"}
    out = tmp_path / "coverage.md"
    r = cli("coverage", "--format", "markdown", "--out", out)
    assert r.exit_code == 0 and out.read_text(encoding="utf-8").startswith("## Coverage of the recorded cooperation")
    r = cli("coverage", "--state", "99", "--out", tmp_path / "no.md")
    assert r.exit_code == 2 and "unknown Land '99'" in r.output
    assert not (tmp_path / "no.md").exists()


def test_coverage_text_cuts_long_lists_and_says_how_to_see_them(kg):
    text = render(coverage(kg), "text", limit=3)
    assert "… and " in text and "more (all of them: --format json)" in text


# ---------------------------------------------------------------- downstream: participants and candidates

def test_a_dated_accession_to_a_shared_institution_makes_a_participant_from_that_day(kg):
    from ikz_graph.readmodel import read
    from ikz_graph.transferability import participants_of

    data = read(kg)
    service = ns.DATA_PREFIXES["service"] + "kfz-zulassung"
    before = {data.units[u].key for u in participants_of(data, service, dt.date(2024, 12, 31))}
    after = {data.units[u].key for u in participants_of(data, service, dt.date(2025, 3, 1))}
    assert "07232" not in before and "07232" in after
    # leaving EMH out hides its accession too: the membership in the institution EMH developed
    hidden = data.without(UNIT + "07232", ns.DATA_PREFIXES["body"] + "emh")
    assert UNIT + "07232" not in participants_of(hidden, service)


def test_candidates_are_units_at_the_level_of_the_participants(kg):
    from ikz_graph.readmodel import read
    from ikz_graph.levels import peer_level

    data = read(kg)
    districts = [UNIT + "07231", UNIT + "07233"]
    assert {peer_level(data.units[c].kind) for c in pool(data, districts)} == {"kreis"}
    vgs = [UNIT + "073375001", UNIT + "073375003"]
    assert all(u in data.units for u in vgs)
    assert {peer_level(data.units[c].kind) for c in pool(data, vgs)} == {"gemeindeverband"}


@pytest.mark.parametrize("engine", ["oxigraph", "pyshacl"])
def test_the_curated_graph_with_the_new_records_conforms_for_both_engines(engine):
    from ikz_graph.shacl import validate_graph

    report = validate_graph(ikz_graph.load(base="none"), engine=engine)
    assert report.conforms, report.text()[:2000]
