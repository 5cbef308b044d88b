"""The cooperation network of units (districts and cities), derived from the graph through SPARQL.

:func:`fetch` reads what the analysis needs with a handful of SPARQL queries, so the same code
runs on the embedded store or on anything else with a ``query(sparql)`` method returning rows
(a remote endpoint). :func:`cooperation_network` turns that into a :mod:`networkx` graph whose
nodes are unit IRIs and whose edges carry typed ties; :func:`analyze` finds clusters, centrality
and brokers.

>>> import ikz_graph
>>> data = fetch(ikz_graph.load())
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
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from . import namespaces as ns
from .config import TIE_TYPES, expand, load_config
from .dates import existed, parse_day, parse_iso_day, running
from .errors import AnalysisError
from .gcpause import gc_paused

__all__ = ["fetch", "cooperation_network", "analyze", "unit", "CoopData", "Unit",
           "Membership", "ServiceRole", "Analysis", "Cluster", "adjusted_rand_index"]


class SparqlSource(Protocol):
    def query(self, sparql: str) -> Any: ...


def unit(key: str) -> str:
    """The IRI of the unit with Kreisschlüssel (or Gemeindeschlüssel) ``key``."""
    return ns.ID + "unit/" + key


# --------------------------------------------------------------------------- what is read

@dataclass(frozen=True)
class Unit:
    iri: str
    key: str
    label: str
    kind: str                 # "Landkreis", "KreisfreieStadt" or "Gemeinde"
    state: str | None
    population: float | None  # latest figure (mean where one date has several)
    area: float | None        # km²; mean of the figures where sources differ

    @property
    def density(self) -> float | None:
        if self.population and self.area:
            return self.population / self.area
        return None

    @property
    def described(self) -> bool:
        """True if the graph gives population and area, so that every factor can be computed."""
        return self.population is not None and self.area is not None


@dataclass(frozen=True)
class Membership:
    unit: str
    org: str
    role: str | None
    start: dt.date | None     # earliest day the start can mean
    end: dt.date | None       # latest day the end can mean


@dataclass(frozen=True)
class ServiceRole:
    service: str
    unit: str
    role: str                 # "competent-authority" or "operator"
    start: dt.date | None


@dataclass
class CoopData:
    """Everything the analysis reads from the graph, as plain Python values."""

    units: dict[str, Unit]
    memberships: list[Membership]
    services: list[ServiceRole]
    touches: set[frozenset]
    org_classes: dict[str, set[str]]
    founded: dict[str, dt.date]
    labels: dict[str, str]
    task_fields: dict[str, set[str]]
    related: dict[str, set[str]] = field(default_factory=dict)  # institution -> its services

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or ns.compact(iri)

    def digest(self) -> str:
        """A hash of the content, to identify the input of an analysis run."""
        payload = json.dumps({
            "units": sorted([u.iri, u.key, u.label, u.kind, u.state, u.population, u.area] for u in self.units.values()),
            "memberships": sorted([m.unit, m.org, m.role or "", str(m.start), str(m.end)] for m in self.memberships),
            "services": sorted([s.service, s.unit, s.role, str(s.start)] for s in self.services),
            "touches": sorted(sorted(t) for t in self.touches),
            "classes": sorted([k, sorted(v)] for k, v in self.org_classes.items()),
            "founded": sorted([k, str(v)] for k, v in self.founded.items()),
            "task_fields": sorted([k, sorted(v)] for k, v in self.task_fields.items()),
        }, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def without(self, unit_iri: str, org: str) -> "CoopData":
        """A copy in which ``unit_iri`` is not a member of ``org`` (for leave-one-out tests)."""
        return replace(self, memberships=[m for m in self.memberships if not (m.unit == unit_iri and m.org == org)])


# the classes of the units the network is made of
_UNIT_CLASSES = "ikz:Landkreis ikz:KreisfreieStadt ikz:Gemeinde"
_Q_UNITS = """
SELECT ?u ?key ?label ?class ?state WHERE {
  VALUES ?class { UNIT_CLASSES }
  ?u a ?class ; ikz:kreisschluessel|ikz:gemeindeschluessel ?key ; rdfs:label ?label .
  OPTIONAL { ?u ikz:inState ?state }
}""".replace("UNIT_CLASSES", _UNIT_CLASSES)
_Q_FIGURES = """
SELECT ?u ?kind ?value ?date WHERE {
  VALUES ?class { UNIT_CLASSES }
  VALUES (?p ?kind) { (ikz:population "population") (ikz:area "area") }
  ?u a ?class ; ?p ?f . ?f schema:value ?value .
  OPTIONAL { ?f schema:observationDate ?date }
}""".replace("UNIT_CLASSES", _UNIT_CLASSES)
_Q_TOUCHES = """
SELECT ?a ?b WHERE {
  VALUES ?ca { UNIT_CLASSES }
  VALUES ?cb { UNIT_CLASSES }
  ?a a ?ca ; geo:sfTouches ?b . ?b a ?cb .
}""".replace("UNIT_CLASSES", _UNIT_CLASSES)
_Q_MEMBERSHIPS = """
SELECT ?m ?u ?o ?role ?start ?end WHERE {
  VALUES ?class { UNIT_CLASSES }
  ?m a org:Membership ; org:member ?u ; org:organization ?o .
  ?u a ?class .
  OPTIONAL { ?m org:role ?role }
  OPTIONAL { ?m org:memberDuring/time:hasBeginning/ikz:earliestDate ?start }
  OPTIONAL { ?m org:memberDuring/time:hasEnd/ikz:latestDate ?end }
}""".replace("UNIT_CLASSES", _UNIT_CLASSES)
_Q_ORGS = """
SELECT ?o ?class ?label ?founded WHERE {
  ?m a org:Membership ; org:organization ?o .
  ?o a ?class .
  OPTIONAL { ?o rdfs:label ?label }
  OPTIONAL { ?o schema:foundingDate ?founded }
}"""
_Q_SERVICES = """
SELECT ?s ?label ?u ?role ?start ?institution ?developedIn WHERE {
  ?s a cpsv:PublicService .
  OPTIONAL { ?s rdfs:label ?label }
  { ?s cv:hasCompetentAuthority ?u . BIND("competent-authority" AS ?role) }
  UNION { ?s schema:serviceOperator ?u . BIND("operator" AS ?role) }
  OPTIONAL { ?s dct:temporal/time:hasBeginning/ikz:earliestDate ?start }
  OPTIONAL { ?s ikz:deliveredThrough ?institution }
  OPTIONAL { ?s ikz:developedIn ?developedIn }
}"""
_Q_INSTITUTIONS = """
SELECT ?i ?label ?founded WHERE {
  ?i a ikz:SharedInstitution .
  OPTIONAL { ?i rdfs:label ?label }
  OPTIONAL { ?i schema:foundingDate ?founded }
}"""
_Q_TASK_FIELDS = """
SELECT ?x ?tf WHERE { ?x ikz:taskField ?tf . FILTER NOT EXISTS { ?x a ikz:Statement } }"""


def _rows(source: SparqlSource, text: str) -> list[dict[str, Any]]:
    # Both the embedded store and ikz_graph.remote.RemoteEndpoint declare the project's prefixes.
    return list(source.query(text).rows)


def fetch(source: SparqlSource) -> CoopData:
    """Read units, memberships, services and contiguity through SPARQL.

    On the embedded store the result is kept with the graph object and reused until the graph
    changes (``kg.add``), so ``analyze`` and ``transfer`` on the same graph read it once.
    """
    from .graph import KnowledgeGraph
    from .progress import stage

    key = (source.generation, len(source.store)) if isinstance(source, KnowledgeGraph) else None
    cached = getattr(source, "_coop_data", None) if key else None
    if cached is not None and cached[0] == key:
        return cached[1]
    with stage("Reading the cooperation network through SPARQL"):
        data = _fetch(source)
    if key:
        source._coop_data = (key, data)
    return data


def _fetch(source: SparqlSource) -> CoopData:
    labels: dict[str, str] = {}
    figures: dict[tuple[str, str], dict[str, list[float]]] = {}
    for r in _rows(source, _Q_FIGURES):
        figures.setdefault((r["u"], r["kind"]), {}).setdefault(str(r["date"] or ""), []).append(float(r["value"]))

    def figure(u: str, kind: str, latest: bool) -> float | None:
        by_date = figures.get((u, kind))
        if not by_date:
            return None
        values = by_date[max(by_date)] if latest else [v for vs in by_date.values() for v in vs]
        return sum(values) / len(values)

    units: dict[str, Unit] = {}
    for r in _rows(source, _Q_UNITS):
        iri = r["u"]
        kind = r["class"].rsplit("/", 1)[-1]
        units[iri] = Unit(iri, r["key"], r["label"], kind, r.get("state"),
                          figure(iri, "population", True), figure(iri, "area", False))
        labels[iri] = r["label"]
    touches = {frozenset((r["a"], r["b"])) for r in _rows(source, _Q_TOUCHES) if r["a"] != r["b"]}
    memberships = sorted({Membership(r["u"], r["o"], r.get("role"), parse_day(r.get("start")),
                                     parse_day(r.get("end"), end=True))
                          for r in _rows(source, _Q_MEMBERSHIPS)},
                         key=lambda m: (m.org, m.unit, m.role or "", str(m.start), str(m.end)))
    org_classes: dict[str, set[str]] = {}
    founded: dict[str, dt.date] = {}
    for r in _rows(source, _Q_ORGS):
        org_classes.setdefault(r["o"], set()).add(r["class"])
        if r.get("label"):
            labels[r["o"]] = r["label"]
        if r.get("founded"):
            founded[r["o"]] = parse_day(r["founded"])
    services: set[ServiceRole] = set()
    related: dict[str, set[str]] = {}
    service_rows = _rows(source, _Q_SERVICES)
    institution_rows = _rows(source, _Q_INSTITUTIONS)
    for r in institution_rows:
        if r.get("founded"):
            founded[r["i"]] = parse_day(r["founded"])

    def earliest(r: dict) -> dt.date | None:
        """A service's start; if unknown, the earliest day it can have started: the founding of
        its institution, else the first start in the model project that developed it."""
        if r.get("start"):
            return parse_day(r["start"])
        if r.get("institution") in founded:
            return founded[r["institution"]]
        starts = [m.start for m in memberships if m.org == r.get("developedIn") and m.start is not None]
        return min(starts) if starts else None

    for r in service_rows:
        if r["u"] not in units:
            continue
        services.add(ServiceRole(r["s"], r["u"], r["role"], earliest(r)))
        if r.get("label"):
            labels[r["s"]] = r["label"]
        if r.get("institution"):
            related.setdefault(r["institution"], set()).add(r["s"])
    for r in institution_rows:
        if r.get("label"):
            labels[r["i"]] = r["label"]
    task_fields: dict[str, set[str]] = {}
    for r in _rows(source, _Q_TASK_FIELDS):
        task_fields.setdefault(r["x"], set()).add(r["tf"])
    return CoopData(units, memberships, sorted(services, key=lambda s: (s.service, s.unit, s.role)),
                    touches, org_classes, founded, labels, task_fields, related)


# --------------------------------------------------------------------------- the network

def tie_type_of(data: CoopData, org: str, cfg: dict) -> str | None:
    """The tie type an organisation creates (``project``, ``body``, ``planning``) or None."""
    classes = data.org_classes.get(org, set())
    for tie, names in cfg["network"]["tie_classes"].items():
        if any(expand(n) in classes for n in names):
            return tie
    return None


def groups(data: CoopData, as_of: dt.date | None = None, cfg: dict | None = None) -> dict[str, tuple[str, list[str]]]:
    """Each cooperation (organisation or shared service) -> (tie type, its unit participants)."""
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
        if not running(m.start, m.end, as_of) or not existed(data.founded.get(m.org), as_of):
            continue
        out.setdefault(m.org, (tie, set()))[1].add(m.unit)
    for s in data.services:
        if s.unit in data.units and running(s.start, None, as_of):
            out.setdefault(s.service, ("service", set()))[1].add(s.unit)
    return {k: (t, sorted(us)) for k, (t, us) in sorted(out.items())}


def cooperation_network(data: CoopData, as_of: str | dt.date | None = None, config: dict | None = None):
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

    for org, (kind, members) in groups(data, day, cfg).items():
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
    stability: dict[str, float]
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
    """Adjusted Rand index (Hubert & Arabie 1985) of two partitions given as node -> cluster.

    >>> adjusted_rand_index({"x": 1, "y": 1, "z": 2}, {"x": 5, "y": 5, "z": 7})
    1.0
    """
    nodes = sorted(set(a) & set(b))
    n = len(nodes)
    if n < 2:
        return 1.0
    comb = lambda k: k * (k - 1) / 2  # noqa: E731
    table: dict[tuple[int, int], int] = {}
    ra: dict[int, int] = {}
    rb: dict[int, int] = {}
    for x in nodes:
        table[(a[x], b[x])] = table.get((a[x], b[x]), 0) + 1
        ra[a[x]] = ra.get(a[x], 0) + 1
        rb[b[x]] = rb.get(b[x], 0) + 1
    index = sum(comb(v) for v in table.values())
    sa, sb = sum(comb(v) for v in ra.values()), sum(comb(v) for v in rb.values())
    expected = sa * sb / comb(n)
    top = (sa + sb) / 2
    if top == expected:
        return 1.0
    return (index - expected) / (top - expected)


def _igraph(G):
    """``G`` as an igraph graph (vertex i is ``list(G)[i]``) with the edge attribute ``weight``."""
    import igraph as ig

    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    h = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in G.edges])
    h.es["weight"] = [w for _, _, w in G.edges(data="weight")]
    return h, nodes


def _louvain(h, nodes: list[str], seed: int, resolution: float) -> list[list[str]]:
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
    import networkx as nx

    from . import __version__

    import igraph as ig

    return {"ikz-graph": __version__, "networkx": nx.__version__, "igraph": ig.__version__}


@gc_paused()
def analyze(source: SparqlSource | CoopData, as_of: str | dt.date | None = None, config: dict | None = None) -> Analysis:
    """Clusters (Louvain, fixed seed), centrality, k-core and brokers of the cooperation network.

    Node attributes added: ``cluster``, ``degree``, ``weighted_degree``, ``betweenness`` (shortest
    paths with length 1/weight), ``pagerank`` (weighted), ``core`` (k-core number),
    ``participation`` (weighted participation coefficient) and ``broker`` (ties into other clusters,
    participation and betweenness above the configured thresholds).
    """

    cfg = config or load_config()
    data = source if isinstance(source, CoopData) else fetch(source)
    day = parse_iso_day(as_of) if as_of is not None else None
    G = cooperation_network(data, day, cfg)
    if G.number_of_nodes() == 0:
        raise AnalysisError("the graph has no districts or cities to analyse")
    cc = cfg["clusters"]
    h, nodes = _igraph(G)
    parts = _louvain(h, nodes, cc["seed"], cc["resolution"])

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

    aris = []
    distinct = set()
    for s in track(range(cc["stability_seeds"]), "Louvain stability over seeds"):
        other = _louvain(h, nodes, s, cc["resolution"])
        distinct.add(tuple(sorted(tuple(p) for p in other)))
        aris.append(adjusted_rand_index(membership, {n: i for i, p in enumerate(other) for n in p}))
    stability = {"seeds": cc["stability_seeds"], "mean_ari": sum(aris) / len(aris) if aris else 1.0,
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
    return Analysis(G, clusters, modularity, stability, day, cfg, data.digest(), _software(), betweenness_how)
