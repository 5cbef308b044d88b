"""What a ministry reads from a transfer ranking: how sure each score is, what the candidate can and
cannot change, what would raise it, and which units were not scored and why."""
from __future__ import annotations

import copy
import json
import os
from dataclasses import replace

import pytest

import ikz_graph
from ikz_graph import namespaces as ns
from ikz_graph.config import load_config
from ikz_graph.readmodel import Membership, read, unit
from ikz_graph.transfer_factors import CHANGEABLE, FIXED
from ikz_graph.transferability import rank


@pytest.fixture(scope="module")
def data():
    return read(ikz_graph.load())


def _cfg(**uncertainty):
    cfg = copy.deepcopy(load_config())
    cfg["transfer"]["uncertainty"].update(uncertainty)
    return cfg


def test_fixed_and_changeable_parts_add_up_to_the_score(data):
    assert set(FIXED) | set(CHANGEABLE) == set(load_config()["transfer"]["weights"]) and not set(FIXED) & set(CHANGEABLE)
    for c in rank(data, "kfz-zulassung").candidates:
        assert c.fixed + c.changeable == pytest.approx(c.score, abs=1e-9)


def test_every_range_holds_the_score_and_the_rank_and_the_same_seed_gives_the_same_ranges(data):
    a, b = rank(data, "emh"), rank(data, "emh")
    for c in a.candidates:
        lo, hi = c.score_range
        best, worst = c.rank_range
        assert lo <= c.score <= hi and best <= c.rank <= worst
        assert 1 <= best and worst <= len(a.candidates)
    assert [(c.score_range, c.rank_range) for c in a.candidates] == [(c.score_range, c.rank_range) for c in b.candidates]
    other = rank(data, "emh", config=_cfg(seed=7))
    assert [c.score_range for c in a.candidates] != [c.score_range for c in other.candidates]


def test_weights_held_close_to_the_configured_ones_narrow_the_ranges(data):
    def width(cfg):
        return sum(c.score_range[1] - c.score_range[0] for c in rank(data, "kfz-zulassung", config=cfg).candidates)
    assert width(_cfg(weight_concentration=1e7)) < width(_cfg(weight_concentration=3))


def test_no_draws_no_ranges(data, cli):
    t = rank(data, "kfz-zulassung", config=_cfg(draws=0))
    assert all(c.score_range is None and c.rank_range is None for c in t.candidates)
    assert t.rows(1)[0]["low"] == "" and t.rows(1)[0]["worst"] == ""


@pytest.mark.parametrize("setting, value, message", [
    ("draws", -1, "'transfer.uncertainty.draws' must be a whole number from 0"),
    ("draws", 2.5, "'transfer.uncertainty.draws' must be a whole number from 0"),
    ("level", 1, "between 0 and 1"),
    ("weight_concentration", 0, "must be above 0"),
])
def test_bad_uncertainty_settings_are_refused_with_the_key(tmp_path, cli, setting, value, message):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"transfer:\n  uncertainty:\n    {setting}: {value}\n", encoding="utf-8")
    r = cli("transfer", "emh", "--config", cfg)
    assert r.exit_code == 2 and message in r.output and str(cfg) in r.output


def test_a_lever_is_what_the_score_gains_when_the_candidate_does_it(data):
    """Take from a candidate every membership and service role, so that the lever "cooperates with
    one more participant" is open to it; then give it the tie the lever names (a new Zweckverband
    with that participant): its ties contribution rises by the lever's gain and its score at least to
    the lever's score. (On the real data Land-wide bodies already tie the top candidates to every
    participant, so the lever is made open here instead of searched for.)"""
    t = rank(data, "kfz-zulassung")
    w = t.config["transfer"]["weights"]
    checked = 0
    for c in t.candidates[:3]:
        fewer = replace(data, memberships=[m for m in data.memberships if m.unit != c.unit],
                        services=[s for s in data.services if s.unit != c.unit])
        before = next(x for x in rank(fewer, "kfz-zulassung").candidates if x.unit == c.unit)
        lever = next((lv for lv in before.levers if lv.action.startswith("cooperates with one more participant")), None)
        assert lever is not None, f"{data.label(c.unit)}: no lever although it has no tie with any participant"
        assert before.contributions["ties"] == 0 < c.contributions["ties"]
        named = next(p for p in t.participants if data.label(p) in lever.action)
        body = "https://example.org/test/zweckverband"
        more = replace(fewer, org_classes={**fewer.org_classes, body: {ns.IKZ + "Zweckverband"}},
                       memberships=[*fewer.memberships, Membership(c.unit, body, ns.IKZC + "member", None, None),
                                    Membership(named, body, ns.IKZC + "member", None, None)])
        after = next(x for x in rank(more, "kfz-zulassung").candidates if x.unit == c.unit)
        assert lever.gain == pytest.approx(w["ties"] / len(t.participants), abs=1e-4)
        assert after.contributions["ties"] == pytest.approx(before.contributions["ties"] + lever.gain, abs=1e-4)
        assert after.score >= lever.score - 1e-4
        checked += 1
    assert checked == 3


def test_a_candidate_that_already_does_everything_has_no_lever(data):
    t = rank(data, "kfz-zulassung")
    for c in t.candidates:
        ties, thematic = c.values["ties"], c.values["thematic"]
        names = {lv.factor for lv in c.levers}
        assert ("ties" in names) == (ties < 1) and ("thematic" in names) == (thematic < 1)
        assert all(lv.gain > 0 and lv.rank <= c.rank for lv in c.levers)


def test_the_cli_names_every_unit_not_scored_with_its_reason(cli):
    r = cli("transfer", "vorderpfalz", "--top", "3")
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("Not scored, population and area unknown:"))
    for name in ("Mannheim (08222)", "Heidelberg (08221)", "Rhein-Neckar-Kreis (08226)"):
        assert name in line
    assert "Would rise by at least" in r.output and "low" in r.output.splitlines()[5]
    doc = json.loads(cli("transfer", "vorderpfalz", "--format", "json").output)
    mannheim = next(x for x in doc["not_scored"] if x["key"] == "08222")
    assert mannheim == {"iri": unit("08222"), "key": "08222", "unit": "Mannheim", "reason": "population and area unknown"}
    first = doc["candidates"][0]
    assert first["score_range"][0] <= first["score"] <= first["score_range"][1]
    assert first["fixed"] + first["changeable"] == pytest.approx(first["score"])
    assert all(set(lv) == {"action", "factor", "gain", "score", "rank"} for lv in first["levers"])
    assert doc["uncertainty"]["draws"] == 200


def test_the_report_file_lists_the_ranges_levers_and_units_not_scored(cli, tmp_path):
    r = cli("transfer", "vorderpfalz", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    md = (tmp_path / "transfer-vorderpfalz.md").read_text(encoding="utf-8")
    assert "| rank | key | unit | score | low | high | best | worst | fixed | changeable |" in md
    assert "| 08222 | Mannheim | population and area unknown |" in md
    assert "Would rise by at least" in md


def test_ranges_are_reproducible_across_processes(tmp_path):
    from .conftest import run_module
    outs = []
    for seed in ("1", "2"):
        r = run_module("transfer", "emh", "--format", "json", env={**os.environ, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
    assert outs[0] == outs[1]


def test_the_rdf_carries_the_same_ranges_and_levers_as_the_json(cli, tmp_path):
    import pyoxigraph as ox

    from ikz_graph.graph import KnowledgeGraph

    doc = json.loads(cli("transfer", "vorderpfalz", "--format", "json", "--top", "1000").output)
    r = cli("transfer", "vorderpfalz", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    g = KnowledgeGraph([], list(ox.parse(path=str(tmp_path / "transfer-vorderpfalz.ttl"), format=ox.RdfFormat.TURTLE)))
    ranges = {str(x["u"]): (float(x["lo"]), float(x["hi"]), x["best"], x["worst"]) for x in g.query(
        """SELECT ?u ?lo ?hi ?best ?worst WHERE { ?s a ikz:TransferScore ; ikz:candidate ?u ;
           ikz:scoreLow ?lo ; ikz:scoreHigh ?hi ; ikz:bestRank ?best ; ikz:worstRank ?worst }""").rows}
    assert ranges == {c["iri"]: (*c["score_range"], *c["rank_range"]) for c in doc["candidates"]}
    levers = sorted((str(x["u"]), str(x["f"]), str(x["label"]), float(x["gain"]), float(x["score"]), x["rank"]) for x in g.query(
        """SELECT ?u ?f ?label ?gain ?score ?rank WHERE { ?s ikz:candidate ?u ; ikz:lever ?l .
           ?l a ikz:TransferLever ; ikz:factor ?f ; rdfs:label ?label ; ikz:gain ?gain ; ikz:score ?score ;
              schema:position ?rank }""").rows)
    expected = sorted((c["iri"], ns.IKZC + "factor-" + lv["factor"], f"if it {lv['action']}",
                       lv["gain"], lv["score"], lv["rank"]) for c in doc["candidates"] for lv in c["levers"])
    assert levers == expected and levers


def test_a_reason_speaks_for_the_candidate_it_explains(data):
    """Every factor an explanation names has, for that candidate, a value above the candidates' mean:
    a large weight alone (density 0.24) does not make a low similarity a reason."""
    from ikz_graph.config import FACTORS
    from ikz_graph.transferability import rank

    phrases = {"population": "similar population", "density": "similar density", "ties": "already cooperates",
               "link": "close to them in the cooperation network", "thematic": "same task field",
               "type": " like ", "legal": "same Land law"}
    named = 0
    for approach in ("vorderpfalz", "emh", "suedwestpfalz"):
        t = rank(data, approach)
        means = {f: sum(c.values[f] for c in t.candidates) / len(t.candidates) for f in FACTORS}
        for c in t.candidates:
            for f, phrase in phrases.items():
                if phrase in c.explanation:
                    named += 1
                    assert c.values[f] > means[f], (approach, c.label, f, c.values[f], means[f])
    assert named > 50
