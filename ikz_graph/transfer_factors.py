"""The factors of the transferability score: what each candidate's value of each factor is.

A factor value is in [0, 1]; :mod:`ikz_graph.transferability` weighs and sums them, explains them
and measures how sure they are. The factors, their weights and their literature:
``docs/analysis.md``; which of them a candidate can change itself: :data:`CHANGEABLE`.
"""
from __future__ import annotations

import copy
import datetime as dt

from .config import FACTOR_LABELS, FACTORS
from .errors import AnalysisError
from .levels import peer_level
from .network import cooperation_network, groups
from .readmodel import ReadModel

__all__ = ["FACTOR_LABELS", "pool", "CHANGEABLE", "FIXED", "Context", "factor_values", "scale_link", "score_all", "sensitivity",
           "constant_factors", "factor_means", "standing"]

def standing(score: float, key: str) -> tuple[float, str]:
    """The order of candidates: the higher score first, equal scores by official key (the one tie
    rule of the ranking, its levers and its sensitivity draws)."""
    return (-score, key)


#: The factors a candidate can change by what it does: cooperating with the participants (ties, and
#: through them its place in the network) and working in the approach's task fields. The others
#: (kind of authority, size, density, distance, Land law) are what it is.
CHANGEABLE = ("ties", "link", "thematic")
FIXED = tuple(f for f in FACTORS if f not in CHANGEABLE)


#: Personalised PageRank: damping, most power-iteration steps, and the tolerance per node (the
#: defaults of networkx.pagerank, which computed the ``link`` factor before).
PPR_DAMPING, PPR_MAX_ITER, PPR_TOL = 0.85, 100, 1.0e-6


def _transition(G):
    """The nodes of the network, its row-normalised weight matrix, and the nodes without any weight
    (the walk leaves them for the participants)."""
    import networkx as nx
    import numpy as np
    import scipy.sparse

    nodes = list(G)
    if not G.number_of_edges():
        return nodes, None, None
    a = nx.to_scipy_sparse_array(G, nodelist=nodes, weight="weight", dtype=float)
    out = a.sum(axis=1)
    out[out != 0] = 1.0 / out[out != 0]
    return nodes, scipy.sparse.dia_array((out.T, 0), shape=a.shape).tocsr() @ a, np.where(out == 0)[0]


def _ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b:
        return None
    return min(a, b) / max(a, b)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


class Context:
    """What every factor needs, computed once per (participants, as-of)."""

    def __init__(self, data: ReadModel, G, participants: list[str], fields: set[str], approach: str | None,
                 as_of: dt.date | None, cfg: dict, coops: dict | None = None, known: bool = False):
        self.data, self.G, self.participants, self.fields = data, G, participants, fields
        self.hops = self._hops(participants)
        self.partners: dict[str, set[str]] = {}
        for a, b, e in G.edges(data=True):
            if any(k != "contiguity" for k in e["ties"]):
                self.partners.setdefault(a, set()).add(b)
                self.partners.setdefault(b, set()).add(a)
        self.walk = _transition(G)       # shared by for_participants' copies
        self.ppr = self._ppr(participants)
        # Task fields each unit covers through the cooperations it takes part in (not this one).
        self.covered: dict[str, set[str]] = {}
        for coop, (_, units) in (coops if coops is not None else groups(data, as_of, cfg, known=known)).items():
            if coop == approach or coop in data.related.get(approach or "", ()):
                continue
            tf = data.task_fields.get(coop, set())
            inst = [i for i, svcs in data.related.items() if coop in svcs]
            for i in inst:
                tf = tf | data.task_fields.get(i, set())
            for u in units:
                self.covered.setdefault(u, set()).update(tf)

    def for_participants(self, participants: list[str]) -> "Context":
        """The same context for other participants (same network, ties and task fields)."""
        other = copy.copy(self)
        other.participants = participants
        other.hops, other.ppr = self._hops(participants), self._ppr(participants)
        return other

    def _ppr(self, participants: list[str]) -> dict[str, float]:
        """Personalised PageRank from the participants (damping 0.85, the walk restarts at the
        participants and leaves a unit without ties to them too): the values of
        ``networkx.pagerank(G, weight="weight", personalization=…)``, with the transition matrix made
        once per context and its copies instead of once per call (it was nine tenths of each call)."""
        members = [p for p in participants if p in self.G]
        if not (members and self.G.number_of_edges()):
            return {n: 0.0 for n in self.G}
        import numpy as np

        nodes, step, stuck = self.walk
        index = {n: i for i, n in enumerate(nodes)}
        restart = np.zeros(len(nodes))
        for p in members:
            restart[index[p]] = 1.0
        restart /= restart.sum()
        x = np.repeat(1.0 / len(nodes), len(nodes))
        for _ in range(PPR_MAX_ITER):
            last = x
            x = PPR_DAMPING * (x @ step + sum(x[stuck]) * restart) + (1 - PPR_DAMPING) * restart
            if np.absolute(x - last).sum() < len(nodes) * PPR_TOL:
                return dict(zip(nodes, map(float, x)))
        raise AnalysisError(f"personalised PageRank did not converge in {PPR_MAX_ITER} steps")

    def _hops(self, sources: list[str]) -> dict[str, int]:
        adj: dict[str, list[str]] = {}
        for t in self.data.touches:
            a, b = sorted(t)
            adj.setdefault(a, []).append(b)
            adj.setdefault(b, []).append(a)
        dist = {s: 0 for s in sources}
        frontier = list(sources)
        while frontier:
            nxt = []
            for n in frontier:
                for m in adj.get(n, ()):
                    if m not in dist:
                        dist[m] = dist[n] + 1
                        nxt.append(m)
            frontier = nxt
        return dist


def factor_values(ctx: Context, c: str) -> dict[str, float]:
    """The value in [0, 1] of every factor for candidate unit ``c`` (``link`` not yet scaled)."""
    data, P = ctx.data, ctx.participants
    u = data.units[c]
    others = [data.units[p] for p in P if p in data.units]
    v: dict[str, float] = {}
    v["type"] = _mean([1.0 if o.kind == u.kind else 0.0 for o in others])
    v["population"] = _mean([r for o in others if (r := _ratio(u.population, o.population)) is not None])
    v["density"] = _mean([r for o in others if (r := _ratio(u.density, o.density)) is not None])
    h = ctx.hops.get(c)
    v["proximity"] = 1.0 / h if h else 0.0
    partners = ctx.partners.get(c, set())
    v["ties"] = _mean([1.0 if p in partners else 0.0 for p in P])
    v["link"] = ctx.ppr.get(c, 0.0)
    v["thematic"] = len(ctx.fields & ctx.covered.get(c, set())) / len(ctx.fields) if ctx.fields else 0.0
    v["legal"] = _mean([1.0 if (o.state is not None and o.state == u.state) else 0.0 for o in others])
    return v


def scale_link(values: dict[str, dict[str, float]]) -> None:
    top = max((v["link"] for v in values.values()), default=0.0)
    for v in values.values():
        v["link"] = v["link"] / top if top > 0 else 0.0


def pool(data: ReadModel, participants: list[str]) -> list[str]:
    """The units that could take up an approach of ``participants``: the other units at a level at which a
    participant acts (an approach of districts goes to districts and kreisfreie Städte, one of
    Verbandsgemeinden to Verbandsgemeinden and verbandsfreie Gemeinden), sorted."""
    pset = set(participants)
    levels = {peer_level(data.units[p].kind) for p in participants}
    return [c for c in sorted(data.units) if c not in pset and peer_level(data.units[c].kind) in levels]


def score_all(data: ReadModel, participants: list[str], *, fields: set[str], approach: str | None,
              as_of: dt.date | None, cfg: dict, G=None, known: bool = False) -> tuple[Context, dict[str, dict[str, float]]]:
    """Factor values of every fully described unit of the :func:`pool` (``link`` scaled to [0, 1]).

    ``known=True`` reads the network on ``as_of`` by the strict as-of rule (only what sources date).
    """
    if G is None:
        G = cooperation_network(data, as_of, cfg, known=known)
    ctx = Context(data, G, participants, fields, approach, as_of, cfg, known=known)
    values = {c: factor_values(ctx, c) for c in pool(data, participants) if data.units[c].described}
    scale_link(values)
    return ctx, values


def constant_factors(values: dict[str, dict[str, float]]) -> set[str]:
    """The factors with the same value for every candidate: they order nobody, so they are no reason."""
    return {f for f in FACTORS if len({round(v[f], 9) for v in values.values()}) <= 1}


def factor_means(values: dict[str, dict[str, float]]) -> dict[str, float]:
    """The mean value of every factor over the candidates. A factor speaks for a candidate only where
    its value is above this mean (so a factor equal for every candidate never does).

    >>> factor_means({"a": dict.fromkeys(FACTORS, 1.0), "b": dict.fromkeys(FACTORS, 0.0)})["density"]
    0.5
    """
    n = len(values) or 1
    return {f: sum(v[f] for v in values.values()) / n for f in FACTORS}


def sensitivity(ctx: Context, candidates: list[str], cfg: dict) -> dict[str, tuple[float, float, int, int]]:
    """How sure each candidate's score and rank are: candidate -> (score low, score high, best rank,
    worst rank), the central ``transfer.uncertainty.level`` of ``draws`` recomputations of the
    scores of ``ctx`` (the network, ties and task fields stay; participants and weights are drawn).

    Each draw resamples the participants with replacement (which participants happen to define the
    approach) and draws the weights from a Dirichlet distribution centred on the configured ones
    (``weight_concentration``: the larger, the closer to them; a weight of 0 stays 0). The same
    seed gives the same ranges. This is a sensitivity range of the score, not its validation (the
    back-test of ``ikz-graph evaluate`` is that). ``draws: 0`` gives no ranges ({}).
    """
    import numpy as np

    u = cfg["transfer"]["uncertainty"]
    if not u["draws"] or not candidates:
        return {}
    data, participants = ctx.data, ctx.participants
    rng = np.random.default_rng(u["seed"])
    w = np.array([cfg["transfer"]["weights"][f] for f in FACTORS])
    positive = w > 0
    by_sample: dict[tuple[str, ...], np.ndarray] = {}
    scores = np.empty((u["draws"], len(candidates)))
    for d in range(u["draws"]):
        sample = tuple(sorted(rng.choice(participants, size=len(participants), replace=True)))
        weights = np.zeros(len(FACTORS))
        weights[positive] = rng.dirichlet(u["weight_concentration"] * w[positive] / w[positive].sum())
        if sample not in by_sample:
            drawn = ctx.for_participants(list(sample))
            vals = {c: factor_values(drawn, c) for c in candidates}
            scale_link(vals)
            by_sample[sample] = np.array([[vals[c][f] for f in FACTORS] for c in candidates])
        scores[d] = by_sample[sample] @ weights
    by_key = np.argsort(np.argsort([data.units[c].key for c in candidates]))   # ties as in standing()
    order = np.lexsort((np.broadcast_to(by_key, scores.shape), -scores), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, len(candidates) + 1)[None, :].repeat(u["draws"], 0), axis=1)
    tail = (1 - u["level"]) / 2
    lo, hi = np.quantile(scores, [tail, 1 - tail], axis=0)
    best = np.quantile(ranks, tail, axis=0, method="lower")
    worst = np.quantile(ranks, 1 - tail, axis=0, method="higher")
    return {c: (round(float(lo[i]), 4), round(float(hi[i]), 4), int(best[i]), int(worst[i]))
            for i, c in enumerate(candidates)}
