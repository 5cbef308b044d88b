"""The cooperation network of units (districts, cities, municipalities) and its analysis.

The network is derived from the read model (:func:`ikz_graph.readmodel.read`, SPARQL only, so it
runs on the embedded store or a remote endpoint alike). :func:`cooperation_network` turns it into a
:mod:`networkx` graph whose nodes are unit IRIs and whose edges carry typed ties; :func:`analyze`
finds clusters, centrality and brokers (igraph).

>>> import ikz_graph
>>> data = read(ikz_graph.load())
>>> G = cooperation_network(data)
>>> e = G.edges[unit("07231"), unit("07233")]
>>> sorted(e["ties"])
['body', 'contiguity', 'planning', 'project', 'service']
>>> sorted(cooperation_network(data, as_of="2015-12-31").edges[unit("07231"), unit("07233")]["ties"])
['body', 'contiguity', 'planning']
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from . import namespaces as ns
from .config import TIE_TYPES, expand, load_config
from .dates import existed, parse_iso_day, running
from .errors import AnalysisError
from .gcpause import gc_paused
from .readmodel import ReadModel, SparqlSource, read, unit

__all__ = ["cooperation_network", "analyze", "groups", "tie_type_of", "louvain", "Analysis", "Cluster",
           "adjusted_rand_index", "unit"]


# --------------------------------------------------------------------------- the network

def tie_type_of(data: ReadModel, org: str, cfg: dict) -> str | None:
    """The tie type an organisation creates (``project``, ``body``, ``planning``) or None."""
    classes = data.org_classes.get(org, set())
    for tie, names in cfg["network"]["tie_classes"].items():
        if any(expand(n) in classes for n in names):
            return tie
    return None


def groups(data: ReadModel, as_of: dt.date | None = None, cfg: dict | None = None, *,
           known: bool = False) -> dict[str, tuple[str, list[str]]]:
    """Each cooperation (organisation or shared service) -> (tie type, its unit participants) on
    ``as_of`` by the as-of rule of :mod:`ikz_graph.dates` (``known=True``: the strict reading).

    A membership in a shared institution that delivers services (with its own start, such as a later
    accession) makes the member a participant of those services, not of a cooperation of its own."""
    cfg = cfg or load_config()
    roles = {expand(r) for r in cfg["network"]["roles"]}
    out: dict[str, tuple[str, set[str]]] = {}
    tie_of: dict[str, str | None] = {}
    for m in data.memberships:
        if m.org not in tie_of:
            tie_of[m.org] = tie_type_of(data, m.org, cfg)
        tie = tie_of[m.org]
        if tie is None or m.unit not in data.units or (m.role is not None and m.role not in roles):
            continue
        if not running(m.start, m.end, as_of, known=known) or not existed(data.founded.get(m.org), as_of):
            continue
        if data.related.get(m.org):   # a member of an institution takes part in the services it delivers
            for service in data.related[m.org]:
                out.setdefault(service, ("service", set()))[1].add(m.unit)
            continue
        out.setdefault(m.org, (tie, set()))[1].add(m.unit)
    for s in data.services:
        start = s.start if known else (s.start or s.not_before)
        if s.unit in data.units and running(start, None, as_of, known=known):
            out.setdefault(s.service, ("service", set()))[1].add(s.unit)
    return {k: (t, sorted(us)) for k, (t, us) in sorted(out.items())}


def cooperation_network(data: ReadModel, as_of: str | dt.date | None = None, config: dict | None = None, *,
                        known: bool = False):
    """The weighted, typed network of units as of a date (all recorded ties if ``as_of`` is None).

    Every unit is a node (IRI) with ``label``, ``key``, ``kind``, ``state``, ``population``,
    ``area``. An edge joins two units with at least one tie; ``ties`` maps each tie type to the
    sorted IRIs of the organisations or services creating it (``contiguity`` to ``[]``), and
    ``weight`` is the sum of the tie weights of the configuration.
    """
    import networkx as nx

    cfg = config or load_config()
    day = parse_iso_day(as_of) if as_of is not None else None
    w = cfg["network"]["weights"]
    normalise = cfg["network"]["size_normalisation"]
    G = nx.Graph()
    for iri in sorted(data.units):
        u = data.units[iri]
        G.add_node(iri, label=u.label, key=u.key, kind=u.kind, state=u.state, population=u.population, area=u.area)
    # collect the ties in plain dicts first (much faster than editing networkx edges one by one)
    edges: dict[tuple[str, str], tuple[list[float], dict[str, list[str]]]] = {}

    def tie(a: str, b: str, kind: str, via: str | None, weight: float) -> None:
        e = edges.get((a, b))
        if e is None:
            e = edges[(a, b)] = ([0.0], {})
        e[0][0] += weight
        lst = e[1].setdefault(kind, [])
        if via is not None:
            lst.append(via)

    for org, (kind, members) in groups(data, day, cfg, known=known).items():
        if len(members) < 2:
            continue
        weight = w[kind] / (len(members) - 1) if normalise else w[kind]
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                tie(a, b, kind, org, weight)
    for pair in sorted(sorted(p) for p in data.touches):
        a, b = pair
        if a in data.units and b in data.units and "contiguity" not in edges.get((a, b), ([], {}))[1]:
            tie(a, b, "contiguity", None, w["contiguity"])
    G.add_edges_from((a, b, {"weight": round(total[0], 12),
                             "ties": {k: sorted(ties[k]) for k in TIE_TYPES if k in ties}})
                     for (a, b), (total, ties) in edges.items())
    return G


# --------------------------------------------------------------------------- the analysis

@dataclass
class Cluster:
    number: int
    name: str
    members: list[str]


@dataclass
class Analysis:
    """Result of :func:`analyze`: the network with scores on its nodes, clusters and run facts."""

    graph: Any
    clusters: list[Cluster]
    modularity: float
    stability: dict[str, float] | None     # None when analysed without the stability runs (the views)
    as_of: dt.date | None
    config: dict
    input_digest: str
    software: dict[str, str]
    betweenness: dict[str, Any] = field(default_factory=lambda: {"method": "exact"})

    @property
    def run_id(self) -> str:
        return run_id("network", self.input_digest, self.as_of, self.config, self.software)

    def unit_rows(self) -> list[dict[str, Any]]:
        """One row per unit, most central first (PageRank)."""
        G = self.graph
        rows = []
        for n, d in G.nodes(data=True):
            rows.append({"key": d["key"], "unit": d["label"], "cluster": d["cluster"], "degree": d["degree"],
                         "weighted_degree": round(d["weighted_degree"], 4), "betweenness": round(d["betweenness"], 4),
                         "pagerank": round(d["pagerank"], 4), "core": d["core"],
                         "participation": round(d["participation"], 4), "broker": d["broker"]})
        return sorted(rows, key=lambda r: (-r["pagerank"], r["key"]))

    def cluster_rows(self) -> list[dict[str, Any]]:
        G = self.graph
        return [{"cluster": c.number, "name": c.name, "size": len(c.members),
                 "members": ", ".join(G.nodes[m]["label"] for m in c.members)} for c in self.clusters]


def run_id(kind: str, input_digest: str, as_of: dt.date | None, config: dict, software: dict, **extra: str) -> str:
    """A short hash that identifies a run by what went into it (same inputs, same IRI)."""
    payload = json.dumps({"kind": kind, "input": input_digest, "as_of": str(as_of), "config": config,
                          "software": software, **extra}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def adjusted_rand_index(a: dict[str, int], b: dict[str, int]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) of two partitions given as node -> cluster
    (igraph's ``compare_communities``, on the nodes both partitions have).

    >>> adjusted_rand_index({"x": 1, "y": 1, "z": 2}, {"x": 5, "y": 5, "z": 7})
    1.0
    """
    import igraph as ig

    nodes = sorted(set(a) & set(b))
    if len(nodes) < 2:
        return 1.0
    value = float(ig.compare_communities([a[x] for x in nodes], [b[x] for x in nodes], method="adjusted_rand"))
    return 1.0 if math.isnan(value) else value  # no pair to compare (all singletons in both): the same partition


def _igraph(G):
    """``G`` as an igraph graph (vertex i is ``list(G)[i]``) with the edge attribute ``weight``."""
    import igraph as ig

    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    h = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in G.edges])
    h.es["weight"] = [w for _, _, w in G.edges(data="weight")]
    return h, nodes


def louvain(h, nodes: list[str], seed: int, resolution: float) -> list[list[str]]:
    """Louvain clusters (igraph's multilevel algorithm) with a seeded random number generator."""
    import random

    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        found = h.community_multilevel(weights="weight" if h.ecount() else None, resolution=resolution)
    finally:
        ig.set_random_number_generator(random)
    parts: dict[int, list[str]] = {}
    for i, c in enumerate(found.membership):
        parts.setdefault(c, []).append(nodes[i])
    return [sorted(p) for p in parts.values()]


def _betweenness(h, nodes: list[str], cfg: dict) -> tuple[dict[str, float], dict[str, Any]]:
    """Normalised betweenness with path length 1/weight, computed by igraph (C).

    Exact up to ``betweenness.exact_max_nodes`` units; above, estimated from the shortest paths
    out of a seeded sample of source units, scaled by n/k (Brandes & Pich 2007). Returns the
    values and how they were computed.
    """
    import random

    n = len(nodes)
    bc = cfg["betweenness"]
    if n < 3 or not h.ecount():
        return {x: 0.0 for x in nodes}, {"method": "exact", "sources": n}
    lengths = [1.0 / w if w > 0 else float("inf") for w in h.es["weight"]]
    scale = 2.0 / ((n - 1) * (n - 2))
    if n <= bc["exact_max_nodes"] or bc["samples"] >= n:
        raw = h.betweenness(directed=False, weights=lengths)
        how = {"method": "exact", "sources": n}
    else:
        k = bc["samples"]
        sources = sorted(random.Random(bc["seed"]).sample(range(n), k))
        # igraph counts the paths out of the sampled sources on the same scale as the exact
        # undirected count (all sources give the exact values), so x n/k estimates it
        raw = [b * n / k for b in h.betweenness(directed=False, weights=lengths, sources=sources)]
        how = {"method": "sampled", "sources": k, "seed": bc["seed"]}
    return {x: b * scale for x, b in zip(nodes, raw)}, how


def _software() -> dict[str, str]:
    import igraph as ig
    import networkx as nx

    from .version import __version__

    return {"ikz-graph": __version__, "networkx": nx.__version__, "igraph": ig.__version__}


@gc_paused()
def analyze(source: SparqlSource | ReadModel, as_of: str | dt.date | None = None, config: dict | None = None,
            *, stability: bool = True) -> Analysis:
    """Clusters (Louvain, fixed seed), centrality, k-core and brokers of the cooperation network.

    Node attributes added: ``cluster``, ``degree``, ``weighted_degree``, ``betweenness`` (shortest
    paths with length 1/weight), ``pagerank`` (weighted), ``core`` (k-core number),
    ``participation`` (weighted participation coefficient) and ``broker`` (ties into other clusters,
    participation and betweenness above the configured thresholds).

    ``stability=False`` leaves out the Louvain runs over other seeds (``Analysis.stability`` is then
    None): the views draw the clusters, not how stable they are, and the runs were a third of the
    analysis a view makes. Everything else is the same.
    """

    cfg = config or load_config()
    data = source if isinstance(source, ReadModel) else read(source)
    day = parse_iso_day(as_of) if as_of is not None else None
    G = cooperation_network(data, day, cfg)
    if G.number_of_nodes() == 0:
        raise AnalysisError("the graph has no districts or cities to analyse")
    cc = cfg["clusters"]
    h, nodes = _igraph(G)
    parts = louvain(h, nodes, cc["seed"], cc["resolution"])

    # PageRank, k-core and modularity by igraph (C): networkx spent seconds copying the graph
    # into a sparse matrix at Germany scale; the values agree to about 1e-6
    if h.ecount():
        pagerank = dict(zip(nodes, h.pagerank(weights="weight", directed=False)))
    else:
        pagerank = {n: 1 / len(nodes) for n in nodes}
    # Clusters: largest first, then by their most central member; named after central members.
    parts.sort(key=lambda p: (-len(p), -max(pagerank[n] for n in p), p[0]))
    clusters = []
    for i, p in enumerate(parts, start=1):
        central = sorted(p, key=lambda n: (-pagerank[n], G.nodes[n]["key"]))[: max(1, cc["name_members"])]
        clusters.append(Cluster(i, " / ".join(G.nodes[n]["label"] for n in central), sorted(p, key=lambda n: G.nodes[n]["key"])))
    membership = {n: c.number for c in clusters for n in c.members}
    modularity = h.modularity([membership[n] for n in nodes], weights="weight") if h.ecount() else 0.0

    from .progress import stage, track

    runs = None
    if stability:
        aris = []
        distinct = set()
        for s in track(range(cc["stability_seeds"]), "Louvain stability over seeds"):
            other = louvain(h, nodes, s, cc["resolution"])
            distinct.add(tuple(sorted(tuple(p) for p in other)))
            aris.append(adjusted_rand_index(membership, {n: i for i, p in enumerate(other) for n in p}))
        runs = {"seeds": cc["stability_seeds"], "mean_ari": sum(aris) / len(aris) if aris else 1.0,
                "min_ari": min(aris) if aris else 1.0, "distinct_partitions": len(distinct)}

    with stage(f"Betweenness of {len(nodes)} units"):
        betweenness, betweenness_how = _betweenness(h, nodes, cfg)
    core = dict(zip(nodes, h.coreness()))
    ranked = sorted(betweenness.values())
    cut = ranked[min(len(ranked) - 1, int(cfg["brokers"]["betweenness_quantile"] * len(ranked)))]
    for n in G.nodes:
        d = G.nodes[n]
        strength = sum(e["weight"] for _, _, e in G.edges(n, data=True))
        per_cluster: dict[int, float] = {}
        for _, m, e in G.edges(n, data=True):
            per_cluster[membership[m]] = per_cluster.get(membership[m], 0.0) + e["weight"]
        participation = 1 - sum((v / strength) ** 2 for v in per_cluster.values()) if strength else 0.0
        outside = any(c != membership[n] for c in per_cluster)
        d.update(cluster=membership[n], degree=G.degree(n), weighted_degree=strength,
                 betweenness=betweenness[n], pagerank=pagerank[n], core=core[n], participation=participation,
                 broker=bool(outside and participation >= cfg["brokers"]["min_participation"]
                             and betweenness[n] >= cut and betweenness[n] > 0))
    return Analysis(G, clusters, modularity, runs, day, cfg, data.digest(), _software(), betweenness_how)
