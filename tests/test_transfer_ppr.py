"""The ``link`` factor's personalised PageRank, computed by the project with the transition matrix made
once per network, checked against networkx's own pagerank on the real network and on awkward graphs."""
from __future__ import annotations

import networkx as nx
import pytest

from ikz_graph.config import load_config
from ikz_graph.errors import AnalysisError
from ikz_graph.network import cooperation_network
from ikz_graph.readmodel import ReadModel, read
from ikz_graph.transfer_factors import Context


def _ctx(G, participants):
    data = ReadModel({}, [], [], set(), {}, {}, {}, {})
    return Context(data, G, participants, set(), None, None, load_config(), coops={})


def _close(ours: dict, theirs: dict) -> None:
    assert ours.keys() == theirs.keys()
    assert max(abs(ours[n] - theirs[n]) for n in ours) < 1e-12


def test_ppr_is_networkx_pagerank_on_the_real_network(kg):
    data = read(kg)
    cfg = load_config()
    G = cooperation_network(data, None, cfg)
    units = sorted(n for n in G if G.degree(n))
    for participants in (units[:1], units[:4], units[::7]):
        ctx = Context(data, G, participants, set(), None, None, cfg)
        _close(ctx.ppr, nx.pagerank(G, weight="weight", personalization={p: 1.0 for p in participants}))
        # the shared matrix gives the same values for other participants
        other = ctx.for_participants(units[-2:])
        _close(other.ppr, nx.pagerank(G, weight="weight", personalization={p: 1.0 for p in units[-2:]}))


def test_ppr_with_isolated_units_weights_and_a_participant_outside_the_network():
    G = nx.Graph()
    G.add_edge("a", "b", weight=3.0, ties={"body": 2})
    G.add_edge("b", "c", weight=0.5, ties={"contiguity": 1})
    G.add_edge("c", "d", ties={"body": 1})    # no weight: counts 1, as in networkx
    G.add_nodes_from(["lonely", "alone"])     # no ties at all: the walk leaves them
    ctx = _ctx(G, ["a", "not-in-the-network"])
    _close(ctx.ppr, nx.pagerank(G, weight="weight", personalization={"a": 1.0}))
    assert ctx.ppr["lonely"] == ctx.ppr["alone"] and ctx.ppr["a"] > ctx.ppr["d"]


def test_ppr_without_participants_in_the_network_or_without_ties_is_zero():
    G = nx.Graph()
    G.add_edge("a", "b", ties={"body": 1})
    assert set(_ctx(G, ["x"]).ppr.values()) == {0.0}
    H = nx.Graph()
    H.add_nodes_from(["a", "b"])
    assert set(_ctx(H, ["a"]).ppr.values()) == {0.0}


def test_ppr_that_does_not_converge_is_an_analysis_error(monkeypatch):
    from ikz_graph import transfer_factors

    G = nx.Graph()
    nx.add_path(G, range(30), ties={"body": 1})
    monkeypatch.setattr(transfer_factors, "PPR_MAX_ITER", 1)
    with pytest.raises(AnalysisError, match="did not converge"):
        _ctx(G, [0])
