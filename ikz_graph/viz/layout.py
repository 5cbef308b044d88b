"""Sizes, clusters and positions of the nodes of a view, computed before the page is written."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..levels import UNIT_KINDS
from .geo import PX_PER_DEGREE, project
from .styles import CLUSTER_COLOURS

__all__ = ["VizGraph", "finish"]


@dataclass
class VizGraph:
    """The nodes and edges of one view, as vis-network wants them, plus the view's metadata."""

    title: str
    view: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    clusters: list[dict[str, Any]] = field(default_factory=list)
    as_of: str | None = None
    notes: list[str] = field(default_factory=list)
    sized_by: str = "degree centrality"
    score_legend: dict[str, Any] | None = None
    geographic: bool = False   # positions from the units' centroids (fixed in the page, no physics)


def finish(g: VizGraph, seed: int = 7, sizes: dict[str, float] | None = None,
           clusters: dict[str, int] | None = None, cluster_names: dict[int, str] | None = None) -> VizGraph:
    """Size, cluster and lay out the nodes of ``g`` in place (also used for synthetic graphs).

    ``sizes`` maps node ids to a centrality in [0, 1] (default: networkx degree centrality);
    ``clusters`` maps unit ids to a cluster number (default: Louvain on the units' co-membership
    and contiguity graph, seeded). Where nodes carry a centroid (``"lonlat"``: longitude, latitude)
    the layout is geographic (:func:`geo_layout`), else a seeded spring layout.
    """
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(n["id"] for n in g.nodes)
    G.add_edges_from((e["from"], e["to"]) for e in g.edges)
    if sizes is None:
        sizes = nx.degree_centrality(G) if len(G) > 1 else {n: 1.0 for n in G}
    top = max(sizes.values(), default=0) or 1.0
    units = [n["id"] for n in g.nodes if n["kind"] in UNIT_KINDS]
    if clusters is None:
        clusters, cluster_names = _clusters(G, units, {n["id"]: n["full"] for n in g.nodes}, seed)
    for n in g.nodes:
        c = sizes.get(n["id"], 0.0)
        n["centrality"] = round(c, 6)
        n["size"] = round(8 + 32 * math.sqrt(max(c, 0.0) / top), 2)
        if n["id"] in clusters:
            n["cluster"] = clusters[n["id"]]
    used = sorted(set(clusters[u] for u in clusters if u in G))
    g.clusters = [{"id": c, "name": (cluster_names or {}).get(c, f"cluster {c + 1}"),
                   "color": CLUSTER_COLOURS[c % len(CLUSTER_COLOURS)],
                   "size": sum(1 for u in clusters if clusters[u] == c and u in G)} for c in used]
    centroids = {n["id"]: tuple(n["lonlat"]) for n in g.nodes if n.get("lonlat")}
    g.geographic = bool(centroids)
    pos = geo_layout(G, centroids) if centroids else _layout(G, seed, clusters)
    for n in g.nodes:
        x, y = pos[n["id"]]
        n["x"], n["y"] = x, y
    return g


def _unit_hash(node: str, salt: str = "") -> float:
    """A number in [0, 1) from a node's id alone (the same in every run and every graph)."""
    import hashlib

    return int.from_bytes(hashlib.sha256((salt + node).encode("utf-8")).digest()[:6], "big") / 2 ** 48


def _jitter(node: str) -> tuple[float, float]:
    """A fixed offset of a node from its anchor, from its id alone: 45 to 105 units in some direction."""
    angle = _unit_hash(node, "angle") * 2 * math.pi
    r = 45 + 60 * _unit_hash(node, "radius")
    return r * math.cos(angle), r * math.sin(angle)


def geo_layout(G, centroids: dict[str, tuple[float, float]], rounds: int = 4) -> dict[str, tuple[float, float]]:
    """Positions on the map: a unit with a centroid at its projected centroid (:func:`geo.project`);
    every other node near the mean of its neighbours placed in an earlier round, moved by an offset
    of its own (:func:`_jitter`); a node tied to nothing placed stands in a column west of the map.

    A node's position depends only on its own centroid or neighbourhood, never on the rest of the
    graph, so north stays up, nothing mirrors, and a record added elsewhere moves nothing.
    """
    pos = {u: project(lon, lat, PX_PER_DEGREE) for u, (lon, lat) in centroids.items() if u in G}
    for _ in range(rounds):
        new = {}
        for x in sorted(G.nodes):
            if x in pos:
                continue
            near = sorted(pos[y] for y in G.neighbors(x) if y in pos)
            if near:
                dx, dy = _jitter(x)
                new[x] = (sum(p[0] for p in near) / len(near) + dx, sum(p[1] for p in near) / len(near) + dy)
        if not new:
            break
        pos.update(new)
    for x in sorted(G.nodes):
        if x not in pos:   # west of the map, at a height and depth of its own
            h = _unit_hash(x)
            pos[x] = project(5.8 - 0.4 * (h * 997 % 1), 48.9 + 2.1 * h, PX_PER_DEGREE)
    return {u: (round(x, 1), round(y, 1)) for u, (x, y) in pos.items()}


def _clusters(G, units: list[str], labels: dict[str, str], seed: int) -> tuple[dict[str, int], dict[int, str]]:
    """Louvain communities of the units (the network analysis's igraph Louvain), where two units are
    tied through a shared node or a border."""
    import igraph as ig

    from ..network import louvain

    unitset = set(units)
    weights: dict[tuple[str, str], float] = {}
    for a, b in G.edges():
        if a in unitset and b in unitset:
            k = (min(a, b), max(a, b))
            weights[k] = weights.get(k, 0.0) + 0.5
    for x in sorted(G.nodes):
        if x in unitset:
            continue
        nb = sorted(y for y in G.neighbors(x) if y in unitset)
        if len(nb) > 60:  # a state-wide body says little about who belongs together
            continue
        for i, a in enumerate(nb):
            for b in nb[i + 1:]:
                weights[(a, b)] = weights.get((a, b), 0.0) + 1.0
    if not weights:
        return {}, {}
    nodes = sorted(units)
    index = {u: i for i, u in enumerate(nodes)}
    pairs = sorted(weights)
    h = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in pairs])
    h.es["weight"] = [weights[p] for p in pairs]
    strength = dict(zip(nodes, h.strength(weights="weight")))
    comms = [c for c in louvain(h, nodes, seed, 1.0) if len(c) > 1]
    comms.sort(key=lambda c: (-len(c), c[0]))
    out, names = {}, {}
    for i, c in enumerate(comms):
        for u in c:
            out[u] = i
        hub = max(c, key=lambda u: (strength[u], u))
        names[i] = f"around {labels.get(hub, hub)}"
    return out, names


def _layout(G, seed: int, clusters: dict[str, int]) -> dict[str, tuple[float, float]]:
    """A seeded Fruchterman-Reingold layout (igraph, grid-accelerated for big graphs), scaled for vis-network.

    Members of a cluster are tied by extra invisible springs so that each cluster forms one area.
    The same graph and seed give the same positions.
    """
    import random

    import igraph as ig

    order = sorted(G.nodes)
    n = len(order)
    if n == 0:
        return {}
    idx = {u: i for i, u in enumerate(order)}
    pairs = {tuple(sorted((idx[a], idx[b]))) for a, b in G.edges() if a != b}
    by_c: dict[int, list[int]] = {}
    for u, c in clusters.items():
        if u in idx:
            by_c.setdefault(c, []).append(idx[u])
    for members in by_c.values():
        members.sort()
        if len(members) > 2:
            pairs |= {tuple(sorted((a, b))) for a, b in zip(members, members[1:] + members[:1])}
    H = ig.Graph(n=n, edges=sorted(pairs))
    ig.set_random_number_generator(random.Random(seed))
    try:
        coords = H.layout_fruchterman_reingold(niter=500, grid=n > 300).coords
    finally:
        ig.set_random_number_generator(random)
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    scale = 180 * math.sqrt(n) / span
    return {u: (round((coords[i][0] - cx) * scale, 1), round((coords[i][1] - cy) * scale, 1))
            for u, i in idx.items()}
