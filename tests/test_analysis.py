"""Cooperation network, clusters, transferability and evaluation (issue 3)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest

import ikz_graph
from ikz_graph.config import FACTORS, load_config
from ikz_graph.errors import AnalysisError
from ikz_graph.evaluation import BASELINES, METHODS, SCORES, evaluate, expected_rank_metrics
from ikz_graph.graph import KnowledgeGraph
from ikz_graph.network import adjusted_rand_index, analyze, cooperation_network
from ikz_graph.readmodel import read, unit
from ikz_graph.transferability import participants_of, rank

from .conftest import run_module

SMALL = Path(__file__).parent / "data" / "small-network.ttl"
A, B, C, D = (unit(k) for k in ("99001", "99002", "99003", "99004"))


@pytest.fixture(scope="module")
def small():
    triples = list(ox.parse(path=str(SMALL), format=ox.RdfFormat.TURTLE))
    return read(KnowledgeGraph([], triples))


@pytest.fixture(scope="module")
def data(kg):
    return read(kg)


@pytest.fixture(scope="module")
def ev(data):
    """One evaluation of the real data for the tests that read it (it takes most of a minute)."""
    return evaluate(data)


# ----------------------------------------------------------------------------- projection

def test_projection_of_a_hand_made_graph_gives_the_expected_edges_and_weights(small):
    G = cooperation_network(small)
    assert sorted(G.nodes) == [A, B, C, D]          # no labels, classes, literals or non-units
    project, service, body, plg, border = 3 / 2, 3 / 2, 1 / 1, 0.5 / 3, 0.5
    expected = {
        (A, B): ({"project": ["https://w3id.org/ikz-graph/id/org/p"], "service": ["https://example.org/test/s"],
                  "planning": ["https://w3id.org/ikz-graph/id/org/plg"], "contiguity": []},
                 project + service + plg + border),
        (A, C): ({"project", "service", "planning"}, project + service + plg),
        (B, C): ({"project", "service", "planning"}, project + service + plg),
        (B, D): ({"body", "planning"}, body + plg),     # the IHK and C's shareholding add nothing
        (C, D): ({"planning", "contiguity"}, plg + border),
        (A, D): ({"planning"}, plg),
    }
    assert {tuple(sorted(e)) for e in G.edges} == {tuple(sorted(e)) for e in expected}
    for (a, b), (ties, weight) in expected.items():
        e = G.edges[a, b]
        assert e["weight"] == pytest.approx(weight)
        if isinstance(ties, dict):
            assert e["ties"] == ties
        else:
            assert set(e["ties"]) == ties


def test_tie_weights_come_from_the_configuration(small, tmp_path):
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("network:\n  weights: {project: 10.0}\n  size_normalisation: false\n")
    G = cooperation_network(small, config=load_config(cfg_file))
    assert G.edges[A, C]["weight"] == pytest.approx(10 + 3 + 0.5)   # project + service + planning, undivided


def test_as_of_drops_memberships_that_start_later(small, data):
    assert "body" not in cooperation_network(small, as_of="2019-12-31").edges[B, D]["ties"]
    assert "body" in cooperation_network(small, as_of="2020-01-01").edges[B, D]["ties"]
    # Real data: Bitburg-Prüm joined EMH in October 2023.
    before = cooperation_network(data, as_of="2023-09-30").edges[unit("07232"), unit("07233")]["ties"]
    after = cooperation_network(data, as_of="2023-10-01").edges[unit("07232"), unit("07233")]["ties"]
    assert "project" not in before and "project" in after
    emh = "https://w3id.org/ikz-graph/id/org/emh"
    assert unit("07232") not in participants_of(data, emh, ikz_graph.dates.parse_day("2023-09-30"))
    # Vorderpfalz's funding ended in 12/2023, its memberships did not (sources of 2024 and 2025 report it
    # running): on 2024-01-01 it still ties Frankenthal and the Rhein-Pfalz-Kreis.
    late = cooperation_network(data, as_of="2024-01-01")
    assert "https://w3id.org/ikz-graph/id/org/vorderpfalz" in late.edges[unit("07311"), unit("07338")]["ties"]["project"]


# ----------------------------------------------------------------------------- clusters

def test_the_seed_makes_clusters_reproducible(data):
    first, second = analyze(data), analyze(data)
    assert [c.members for c in first.clusters] == [c.members for c in second.clusters]
    assert first.modularity == second.modularity
    st = first.stability
    assert st["seeds"] == 20 and 0 < st["min_ari"] <= st["mean_ari"] <= 1


def test_without_the_stability_runs_everything_else_is_the_same(data):
    full, light = analyze(data, as_of="2024-06-30"), analyze(data, as_of="2024-06-30", stability=False)
    assert light.stability is None and full.stability["seeds"] == load_config()["clusters"]["stability_seeds"]
    assert [(c.name, c.members) for c in light.clusters] == [(c.name, c.members) for c in full.clusters]
    assert light.modularity == full.modularity
    assert dict(light.graph.nodes(data=True)) == dict(full.graph.nodes(data=True))


def test_clusters_group_the_model_project_partners_and_are_named_after_central_members(data):
    a = analyze(data)
    where = {n: d["cluster"] for n, d in a.graph.nodes(data=True)}
    emh = [unit(k) for k in ("07231", "07232", "07233", "07135")]
    assert len({where[u] for u in emh}) == 1
    swp = [unit(k) for k in ("07340", "07320", "07317")]
    assert len({where[u] for u in swp}) == 1
    named = next(c for c in a.clusters if unit("07233") in c.members)
    top = sorted(named.members, key=lambda n: -a.graph.nodes[n]["pagerank"])[:2]
    assert named.name == " / ".join(a.graph.nodes[n]["label"] for n in top)
    assert 0.3 < a.modularity < 1


def test_centrality_core_and_brokers(data):
    a = analyze(data)
    G = a.graph
    for n, d in G.nodes(data=True):
        assert d["degree"] == G.degree(n)
        assert d["weighted_degree"] == pytest.approx(sum(e["weight"] for _, _, e in G.edges(n, data=True)))
        assert 0 <= d["betweenness"] <= 1 and 0 <= d["participation"] < 1 and d["core"] >= 0
        if d["broker"]:
            assert any(G.nodes[m]["cluster"] != d["cluster"] for m in G.neighbors(n))
    assert sum(d["pagerank"] for _, d in G.nodes(data=True)) == pytest.approx(1)
    assert any(d["broker"] for _, d in G.nodes(data=True))


def test_adjusted_rand_index():
    assert adjusted_rand_index({"a": 1, "b": 1, "c": 2, "d": 2}, {"a": 7, "b": 7, "c": 8, "d": 8}) == 1
    assert adjusted_rand_index({"a": 1, "b": 1, "c": 2, "d": 2}, {"a": 1, "b": 2, "c": 1, "d": 2}) < 0


# ----------------------------------------------------------------------------- transfer

@pytest.mark.parametrize("approach", ["emh", "vorderpfalz", "suedwestpfalz", "kfz-zulassung", "bussgeldverfahren",
                                      "kfz-zulassung-emh", "art"])
def test_contributions_add_up_to_the_score(data, approach):
    t = rank(data, approach)
    w = load_config()["transfer"]["weights"]
    assert t.candidates and not set(t.participants) & {c.unit for c in t.candidates}
    for c in t.candidates:
        assert set(c.contributions) == set(FACTORS)
        assert sum(c.contributions.values()) == pytest.approx(c.score, abs=1e-12)
        for f in FACTORS:
            assert 0 <= c.values[f] <= 1
            assert c.contributions[f] == pytest.approx(w[f] * c.values[f])
        assert 0 <= c.score <= 1 and c.explanation.startswith(f"{c.label} scores {c.score:.2f}")
    scores = [c.score for c in t.candidates]
    assert scores == sorted(scores, reverse=True) and [c.rank for c in t.candidates] == list(range(1, len(scores) + 1))


def test_every_non_participant_with_population_and_area_is_ranked(data):
    from ikz_graph.levels import peer_level

    t = rank(data, "emh")
    peers = {u for u, x in data.units.items() if peer_level(x.kind) == "kreis"}   # EMH: districts
    described = {u for u in peers if data.units[u].described}
    assert {c.unit for c in t.candidates} == described - set(t.participants)
    assert set(t.not_scored) == peers - described - set(t.participants)
    assert any(peer_level(x.kind) == "gemeindeverband" for x in data.units.values())   # not candidates here
    assert t.not_scored[unit("08222")] == "population and area unknown"        # Mannheim: outside RLP
    assert list(t.not_scored) == sorted(t.not_scored, key=lambda u: data.units[u].key)


def test_a_not_scored_unit_says_which_figure_is_missing(data):
    """The reason comes from the figures the ranking lacks, one by one."""
    from dataclasses import replace

    units = dict(data.units)
    units[unit("07232")] = replace(units[unit("07232")], area=None)          # Bitburg-Prüm
    units[unit("07233")] = replace(units[unit("07233")], population=None)    # Vulkaneifel
    t = rank(replace(data, units=units), "suedwestpfalz")
    assert t.not_scored[unit("07232")] == "area unknown"
    assert t.not_scored[unit("07233")] == "population unknown"
    assert not {unit("07232"), unit("07233")} & {c.unit for c in t.candidates}


def test_transfer_of_the_vehicle_registration_puts_bitburg_pruem_first_and_says_why(data):
    """As of the end of 2024 the ranking names Bitburg-Prüm first; it joined in February 2025."""
    label = "Kfz-Zulassung (gemeinsame Zulassungsstelle Eifel-Mosel-Hunsrück)"
    t = rank(data, label, as_of="2024-12-31")   # by label
    assert t.approach_kind == "shared service"
    best = t.candidates[0]
    assert best.key == "07232"
    assert "borders a participant" in best.explanation and best.values["ties"] == 1   # tied to all three
    assert unit("07232") in rank(data, label).participants


def test_thematic_fit_counts_task_fields_from_other_cooperations(data):
    # Vorderpfalz works on vehicle registration; so does the EMH joint registration office.
    t = rank(data, "vorderpfalz")
    by_key = {c.key: c for c in t.candidates}
    assert by_key["07233"].values["thematic"] > 0 and by_key["07340"].values["thematic"] > 0  # digitalisation too
    assert by_key["07131"].values["thematic"] == 0     # Ahrweiler: no cooperation in these fields


def test_pairs_that_could_start_an_approach_among_themselves(data):
    t = rank(data, "kfz-zulassung", as_of="2024-12-31")
    pairs = t.groups(2, 5)
    assert len(pairs) == 5 and all(len(g.units) == 2 for g in pairs)
    assert not {u for g in pairs for u in g.units} & set(t.participants)
    assert [g.score for g in pairs] == sorted((g.score for g in pairs), reverse=True)
    for g in pairs:
        assert g.score == pytest.approx(0.5 * g.fit + 0.5 * g.cohesion)
    assert set(pairs[0].labels) == {"Bitburg-Prüm", "Trier-Saarburg"}
    triples = t.groups(3, 3)
    assert all(len(g.units) == 3 for g in triples)


def test_unknown_approach_and_no_participants_are_errors(data):
    with pytest.raises(AnalysisError, match="unknown approach 'nowhere'.*emh"):
        rank(data, "nowhere")
    with pytest.raises(AnalysisError, match="no participating districts or cities on 2000-01-01"):
        rank(data, "emh", as_of="2000-01-01")


# ----------------------------------------------------------------------------- evaluation

def test_evaluation_yields_every_metric_and_baseline_on_the_real_data(data, ev):
    assert set(ev.sets) == {"backtest", "loo", "loo-planning"}
    for cs in ev.sets.values():
        assert set(cs.summary) == set(METHODS)
        for m, s in cs.summary.items():
            assert s["cases"] == len(cs.cases) > 10
            assert 0 <= s["hit1"] <= s["hit3"] <= 1 and 0 <= s["mrr"] <= 1
            lo, hi = cs.intervals[m]
            assert lo <= s["mrr"] <= hi
        # The random baseline is the analytic expectation: hit@1 = 1/N for N candidates.
        assert cs.summary["random"]["hit1"] == pytest.approx(sum(1 / c.candidates for c in cs.cases) / len(cs.cases))
        assert cs.clusters >= 1 and 0 < cs.effective_cases <= len(cs.cases)
    assert all(c.tie != "planning" for c in ev.sets["backtest"].cases + ev.sets["loo"].cases)
    assert all(c.tie == "planning" for c in ev.sets["loo-planning"].cases)
    back = {(c.cooperation_label, c.unit_label, c.design) for c in ev.headline.cases}
    assert ("Eifel-Mosel-Hunsrück", "Bitburg-Prüm", "accession") in back and ("A.R.T.", "Vulkaneifel", "accession") in back
    assert ("Eifel-Mosel-Hunsrück", "Cochem-Zell", "founding") in back          # founded 2021: founders are cases
    emh = next(c for c in ev.headline.cases if c.unit_label == "Bitburg-Prüm" and c.cooperation_label == "Eifel-Mosel-Hunsrück")
    assert str(emh.as_of) == "2023-09-30" and emh.participants == 3
    assert any("Heidelberg" in s for s in ev.skipped)
    assert any("undated membership of Ludwigshafen" in s for s in ev.skipped)  # reported, not assumed running


def test_hiding_a_membership_hides_everything_it_created():
    """Leak 1: a member hidden from a project keeps no role in the services the project developed."""
    from ikz_graph.network import groups

    extra = """
    ex:s ikz:developedIn body:p .
    ex:i a ikz:SharedInstitution ; ikz:developedIn body:p .
    ex:s2 a cpsv:PublicService ; cv:hasCompetentAuthority unit:99001, unit:99004 ; ikz:deliveredThrough ex:i .
    """
    triples = list(ox.parse(SMALL.read_bytes() + extra.encode(), format=ox.RdfFormat.TURTLE))
    data = read(KnowledgeGraph([], triples))
    before = groups(data)
    assert A in before["https://example.org/test/s"][1] and A in before["https://example.org/test/s2"][1]
    hidden = data.without(A, "https://w3id.org/ikz-graph/id/org/p")
    after = groups(hidden)
    assert A not in after["https://w3id.org/ikz-graph/id/org/p"][1]
    assert A not in after["https://example.org/test/s"][1]          # developed in the project
    assert A not in after["https://example.org/test/s2"][1]         # delivered by an institution the project made
    assert A in after["https://w3id.org/ikz-graph/id/org/plg"][1]   # what the project did not create stays
    G = cooperation_network(hidden)
    assert not any(G.has_edge(A, x) and {"project", "service"} & set(G.edges[A, x]["ties"]) for x in (B, C, D))


def test_no_back_test_network_holds_a_tie_dated_after_its_day(data, ev):
    """Leak 2: on the day of a back-test case every tie of the network is dated by a source to that day
    or before: an undated service (the fines office) or membership is not in it."""
    from ikz_graph.dates import running
    from ikz_graph.network import groups

    days = sorted({c.as_of for c in ev.headline.cases})
    assert days
    fines = "https://w3id.org/ikz-graph/id/service/bussgeldverfahren"
    for day in days:
        for coop, (tie, members) in groups(data, day, known=True).items():
            assert coop != fines
            for u in members:
                if tie == "service":   # a dated role in the service, or a dated membership of its institution
                    assert any(s.unit == u and s.service == coop and s.start and s.start <= day for s in data.services) \
                        or any(m.unit == u and coop in data.related.get(m.org, ()) and m.start
                               and running(m.start, m.end, day) for m in data.memberships)
                else:
                    assert any(m.unit == u and m.org == coop and m.start and running(m.start, m.end, day)
                               for m in data.memberships)
        G = cooperation_network(data, day, known=True)
        assert not any(fines in e["ties"].get("service", []) for _, _, e in G.edges(data=True))


def test_the_bootstrap_resamples_clusters_not_cases():
    from ikz_graph.evaluation import Case, _cluster_bootstrap

    def case(cluster, rr):
        return Case("c", "c", "body", "accession", "u", "u", cluster, 1, 2, {"full": {"rr": rr}})

    cases = [case("big", 1.0) for _ in range(10)] + [case("small", 0.0)]
    lo, hi = _cluster_bootstrap(cases, lambda c: c.metrics["full"]["rr"])
    assert lo == 0.0 and hi == 1.0     # two clusters: means of 0, 10/11 or 1, never only near 10/11
    assert _cluster_bootstrap([case(str(i), float(i % 2)) for i in range(11)], lambda c: c.metrics["full"]["rr"]) != (0.0, 1.0)


def test_fitted_weights_are_a_non_negative_share_of_one(ev, tmp_path):
    from ikz_graph.evaluation import fit_weights

    priors = load_config()["transfer"]["priors"]
    for w in (ev.fitted_weights, fit_weights(ev.headline.cases[:5], priors)):
        assert set(w) == set(FACTORS) and all(v >= 0 for v in w.values())
        assert sum(w.values()) == pytest.approx(1, abs=1e-12)
        f = tmp_path / "fitted.yaml"                     # written into a configuration as they are
        f.write_text("transfer:\n  weights: " + json.dumps(w) + "\n")
        assert load_config(f)["transfer"]["weights"] == w
    assert fit_weights([], priors) == pytest.approx(priors)


def test_weights_fitted_on_the_cases_are_judged_by_their_out_of_sample_figures(ev):
    """The configured weights were fitted on the back-test: then `full` is in sample, the default stands
    for `fitted` (each cluster scored with weights fitted without it); a user's own weights stand for
    themselves. The back-test chooses between the priors and the fitted weights out of sample only."""
    import copy

    from ikz_graph.evaluation import Evaluation

    def with_weights(w):
        cfg = copy.deepcopy(ev.config)
        cfg["transfer"]["weights"] = dict(w)
        return Evaluation(ev.sets, ev.skipped, ev.fitted_weights, cfg)

    fitted, priors = with_weights(ev.fitted_weights), with_weights(ev.config["transfer"]["priors"])
    assert fitted.configured_is_fitted() and fitted.default_method() == "fitted"
    assert not priors.configured_is_fitted() and priors.default_method() == "full"
    s = ev.headline.summary
    assert ev.chosen() == ("fitted" if s["fitted"]["mrr"] > s["priors"]["mrr"] else "priors")
    assert fitted.goal()["method"] == "fitted" and fitted.goal()["mrr"] == s["fitted"]["mrr"]


def _case_set_of(rr: dict[str, list[float]]):
    """A hand-made case set: method -> reciprocal rank per case, the cases in clusters of two."""
    from ikz_graph.evaluation import Case, CaseSet, _mean, _paired

    n = len(next(iter(rr.values())))
    cases = [Case("c", "c", "body", "accession", "u", "u", f"k{i // 2}", 1, 10,
                  {m: {"rr": v[i], "rank": 1 / v[i], "hit1": float(v[i] == 1), "hit3": float(v[i] >= 1 / 3)}
                   for m, v in rr.items()}) for i in range(n)]
    return CaseSet("backtest", cases, {m: _mean(cases, m) for m in rr}, {m: (0, 1) for m in rr},
                   {r: {m: _paired(cases, r, m) for m in rr if m != r} for r in SCORES}, n // 2, float(n))


@pytest.mark.parametrize("fitted, network, above_zero, reached", [
    # 1.75 times the baseline and ahead in every cluster (the cases are in clusters of two)
    ([1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 1.0, 1.0], [0.5] * 8, True, True),
    # ahead in every cluster, but only 1.11 times the baseline
    ([1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 1.0, 1.0], [0.9, 0.9, 0.45, 0.9, 0.9, 0.45, 0.9, 0.9], True, False),
    # 1.225 times the baseline, but behind it in half the clusters: the interval holds zero
    ([1.0, 1.0, 1.0, 1.0, 0.25, 0.25, 0.2, 0.2], [0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9], False, False),
])
def test_the_goal_needs_the_ratio_and_a_paired_interval_above_zero(fitted, network, above_zero, reached):
    from ikz_graph.evaluation import Evaluation

    rr = {m: [0.1] * 8 for m in METHODS}
    rr.update(full=fitted, priors=[0.3] * 8, fitted=fitted, network=network)
    cfg = load_config()
    ev = Evaluation({"backtest": _case_set_of(rr)}, [], dict(cfg["transfer"]["weights"]), cfg)
    g = ev.goal()
    assert g["method"] == "fitted" and g["best_baseline"] == "network"
    assert g["ratio"] == pytest.approx(sum(fitted) / sum(network))
    assert (g["ci"][0] > 0) is above_zero and g["reached"] is reached


def test_the_default_weights_are_the_ones_the_back_test_chooses():
    """analysis.yaml says its weights are those the back-test of the default (national) graph chooses:
    after a data change that moves them, this fails until they are copied from `evaluate` again."""
    r = run_module("evaluate", "--format", "json", env={k: v for k, v in os.environ.items() if k != "IKZ_GRAPH_BASE"})
    assert r.returncode == 0, r.stderr[-2000:]
    w = json.loads(r.stdout)["weights"]
    chosen = w["fitted"] if w["chosen"] == "fitted" else w["priors"]
    assert w["configured"] == chosen, "copy the weights that `ikz-graph evaluate` chooses into analysis.yaml"


def test_the_fitted_method_uses_weights_fitted_on_the_other_clusters_only(ev):
    """The leave-one-cluster-out fit computes each case's reciprocal ranks once; per held-out cluster it
    must pick the same weights as fitting on that cluster's complement from scratch."""
    from ikz_graph.evaluation import expected_rank_metrics, fit_weights

    cases = ev.headline.cases
    prior = load_config()["transfer"]["priors"]
    for cluster in sorted({c.cluster for c in cases})[:4]:
        w = fit_weights([c for c in cases if c.cluster != cluster], prior)
        for c in (c for c in cases if c.cluster == cluster):
            scores = {u: sum(w[f] * v[f] for f in FACTORS) for u, v in c.values.items()}
            assert c.metrics["fitted"] == expected_rank_metrics(scores, c.unit)


def test_a_factor_equal_for_every_candidate_is_never_a_reason(kg):
    from ikz_graph.transferability import constant_factors

    t = rank(kg, "kfz-zulassung")
    constant = constant_factors({c.unit: c.values for c in t.candidates})
    assert "legal" in constant          # every scored candidate lies in RLP
    phrase = "same Land law"
    assert not any(phrase in c.explanation for c in t.candidates)
    assert all(c.score == pytest.approx(sum(c.contributions.values())) for c in t.candidates)


def test_expected_rank_metrics_break_ties_in_expectation():
    m = expected_rank_metrics({"a": 1.0, "b": 1.0, "c": 0.0, "d": 1.0}, "a")
    assert m["rank"] == 2 and m["hit1"] == pytest.approx(1 / 3) and m["hit3"] == 1
    assert m["rr"] == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)


# ----------------------------------------------------------------------------- CLI, RDF, files

def test_analyze_writes_rdf_with_provenance_and_tables(cli, tmp_path, kg):
    out = tmp_path / "a"
    r = cli("analyze", "--as-of", "2024-06-30", "--out", out)
    assert r.exit_code == 0, r.output
    assert "modularity:" in r.output and "Vulkaneifel" in r.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "analysis.md", "analysis.ttl", "clusters.csv", "units.csv"]
    g = KnowledgeGraph([], list(ox.parse(path=str(out / "analysis.ttl"), format=ox.RdfFormat.TURTLE)))
    run = g.query("""SELECT ?run ?t ?asOf ?v WHERE { ?run a ikz:NetworkAnalysis , prov:Activity ;
        prov:startedAtTime ?t ; ikz:asOf ?asOf ; prov:wasAssociatedWith/schema:softwareVersion ?v }""").rows
    assert len(run) == 1 and str(run[0]["asOf"]) == "2024-06-30" and run[0]["v"] == ikz_graph.__version__
    params = {r["n"]: r["v"] for r in g.query(
        "SELECT ?n ?v WHERE { ?run ikz:parameter ?p . ?p rdfs:label ?n ; rdf:value ?v }").rows}
    assert params["clusters.seed"] == 42 and params["network.weights.project"] == 3
    # Results back into the graph: SPARQL joins them with the data.
    kg2 = ikz_graph.load()
    kg2.add_file(out / "analysis.ttl")
    rows = ikz_graph.run_query(kg2, "clusters").rows
    assert len(rows) == len([u for u in read(kg).units])
    assert {r["key"] for r in rows if r["clusterName"] == rows[0]["clusterName"]}
    units_csv = (out / "units.csv").read_text(encoding="utf-8").splitlines()
    assert units_csv[0].startswith("key,unit,cluster,degree") and len(units_csv) == 1 + len(rows)


def test_analysis_and_transfer_turtle_are_byte_identical_with_source_date_epoch(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    outs = []
    for i, seed in enumerate(("1", "2")):
        out = tmp_path / f"run{i}"
        r = run_module("analyze", "--out", out, env={**env, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        r = run_module("transfer", "emh", "--out", out, env={**env, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outs.append(out)
    for name in ("analysis.ttl", "units.csv", "transfer-emh.ttl", "transfer-emh.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert b'"2026-01-01T00:00:00Z"^^xsd:dateTime' in (outs[0] / "analysis.ttl").read_bytes()


def test_transfer_cli_formats_and_written_rdf(cli, tmp_path):
    r = cli("transfer", "emh", "--top", "3", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["approach"]["kind"] == "model project" and len(doc["candidates"]) == 3
    assert [p["label"] for p in doc["participants"]] == ["Cochem-Zell", "Bernkastel-Wittlich", "Bitburg-Prüm", "Vulkaneifel"]
    r = cli("transfer", "kfz-zulassung", "--format", "csv", "--top", "2")
    lines = r.output.splitlines()
    assert lines[0] == ("rank,key,unit,score,low,high,best,worst,fixed,changeable," + ",".join(FACTORS)
                        + ",explanation,would_raise") and len(lines) == 3
    r = cli("transfer", "kfz-zulassung", "--groups", "2", "--top", "1", "--as-of", "2024-12-31")
    assert "Bitburg-Prüm, Trier-Saarburg" in r.output
    out = tmp_path / "t"
    r = cli("transfer", "kfz-zulassung", "--out", out, "--as-of", "2024-12-31")
    assert r.exit_code == 0
    g = KnowledgeGraph([], list(ox.parse(path=str(out / "transfer-kfz-zulassung.ttl"), format=ox.RdfFormat.TURTLE)))
    top = g.query("""SELECT ?u ?score ?v WHERE { ?run a ikz:TransferAssessment ; ikz:approach service:kfz-zulassung .
        ?s prov:wasGeneratedBy ?run ; ikz:candidate ?u ; ikz:score ?score ; schema:position 1 ;
           ikz:contribution [ ikz:factor ikzc:factor-proximity ; ikz:factorValue ?v ] }""").rows
    assert top == [{"u": unit("07232"), "score": top[0]["score"], "v": 1}]
    groups = g.query("SELECT (COUNT(*) AS ?n) WHERE { ?g a ikz:TransferGroup }").rows[0]["n"]
    assert groups == 20   # the 10 best pairs and triples


def test_evaluate_cli(cli):
    r = cli("evaluate")
    assert r.exit_code == 0
    for m in METHODS:
        assert f"\n{m} " in r.output
    assert "Back-test (the headline)" in r.output and "planning regions (assigned by law" in r.output
    doc = json.loads(cli("evaluate", "--format", "json").output)
    for name in ("backtest", "loo", "loo-planning"):
        s = doc["sets"][name]
        assert set(s["summary"]) == set(METHODS) == set(s["mrr_95ci"]) and s["cases"]
        for ref in SCORES:
            assert set(s[f"paired_vs_{ref}"]) == set(METHODS) - {ref}
            assert all(set(d) >= {"difference", "ci", "better", "worse", "equal"} for d in s[f"paired_vs_{ref}"].values())
        assert s["clusters"] >= 1 and s["effective_cases"] > 0
    assert set(doc["weights"]) == {"configured", "priors", "fitted", "chosen", "configured_is_fitted", "default_method"}
    assert doc["weights"]["chosen"] in ("priors", "fitted") and doc["weights"]["default_method"] in ("full", "fitted")
    goal = doc["goal"]
    assert goal["best_baseline"] in BASELINES and goal["required_ratio"] == 1.2 and isinstance(goal["reached"], bool)
    assert goal["ratio"] == pytest.approx(goal["mrr"] / goal["best_baseline_mrr"])
    assert "Goal: MRR at least 1.2 times the best baseline's" in r.output


@pytest.mark.parametrize("args, message", [
    (["transfer", "nowhere"], "unknown approach 'nowhere'"),
    (["transfer", "emh", "--as-of", "2021-13-01"], "not a date"),
    (["analyze", "--as-of", "yesterday"], "not a date"),
])
def test_bad_arguments_exit_2_with_a_clear_message(cli, args, message):
    r = cli(*args)
    assert r.exit_code == 2 and message in r.output


@pytest.mark.parametrize("text, message", [
    ("transfer:\n  priors: {type: 0.5}\n", "'transfer.priors' must add up to 1, they add up to 1.35"),
    ("transfer:\n  weights: {proximity: 0.5}\n", "'transfer.weights' must add up to 1, they add up to 1.1063"),
    ("network:\n  wieghts: {}\n", "unknown setting 'network.wieghts'"),
    ("clusters:\n  seed: -1\n", "'clusters.seed' must be a whole number"),
    ("network: [1\n", "not valid YAML"),
])
def test_bad_configuration_is_an_error_naming_file_and_key(cli, tmp_path, text, message):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    out = tmp_path / "out"
    r = cli("analyze", "--config", f, "--out", out)
    assert r.exit_code == 2 and message in r.output and str(f) in r.output
    assert not out.exists()


def test_nothing_half_written_when_the_output_cannot_be_written(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = cli("analyze", "--out", blocker / "sub")
    assert r.exit_code == 2 and "cannot write" in r.output
    assert blocker.read_text() == "not a folder"


def test_query_include_rejects_broken_rdf_naming_the_file(cli, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n")
    r = cli("query", "clusters", "--include", bad)
    assert r.exit_code == 2 and f"{bad}:1" in r.output


def test_baseline_weights_keep_the_configured_proportions(tmp_path):
    from ikz_graph.evaluation import _method_weights

    f = tmp_path / "c.yaml"
    f.write_text("transfer:\n  priors: {ties: 0.0, link: 0.3}\n")
    w = _method_weights(load_config(f))
    assert w["network"]["ties"] == 0 and w["network"]["link"] == 1      # a zeroed factor stays zero
    assert sum(w["attributes"].values()) == pytest.approx(1) and w["attributes"]["type"] == pytest.approx(0.15 / 0.35)
    assert w["priors"] == load_config(f)["transfer"]["priors"]
    assert w["full"] == load_config()["transfer"]["weights"]             # the configured weights, not the priors
