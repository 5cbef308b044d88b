"""Does the transferability score work? A temporal back-test that cannot see the answer.

**The headline is a temporal back-test** of voluntary cooperation (model projects, shared services,
Zweckverbände, associations): every *accession* (a membership that starts after another member's,
both dated by a source) and every member of a cooperation *founded after 2020* is ranked on the
graph as it stood the day before it started, with the other members (for a new cooperation: the
other founding members) as participants. The network of that day is read by the strict as-of rule
(:mod:`ikz_graph.dates`, ``known=True``): only what a source dates to that day or before counts, so
a tie is never dated before a source dates it, and an undated membership is reported, not assumed.

**Leave one member out** is reported beside it: every member of every cooperation is hidden, and
so is everything its membership created (its roles in the services and institutions the
cooperation developed: :meth:`ikz_graph.readmodel.ReadModel.without`). Planning regions are
assigned by law by territory, so they are a sanity check, reported apart, never in a headline.

**Methods**: the full score with the configured weights (``transfer.weights``); the full score
with the literature priors (``transfer.priors``, set before any evaluation); weights *fitted* by
leave-one-cluster-out (non-negative, adding up to 1, fitted on the other clusters' cases only,
starting from the priors); and the baselines random (its expectation), distance, population, network
only, attributes only (both with the priors' proportions), and Adamic–Adar link prediction on the
cooperation network of the day.

**The default weights are chosen by the back-test** (:meth:`Evaluation.chosen`): the priors, or the
weights fitted on every back-test case if the fitted method (out of sample) has the higher MRR. When
the configured weights are those fitted ones, the ``full`` figures are in sample, and the figures
that stand for the default are those of ``fitted`` (:meth:`Evaluation.default_method`); the goal of
the score (MRR at least 1.2 times the best baseline's, paired interval above zero) is judged on them.

**Intervals that respect how the cases hang together**: cases of cooperations with the same member
set (A.R.T., IRT, ZV VRT and the planning community of Trier have the same five members) form one
*cluster*; intervals come from a bootstrap over clusters, paired differences against the full
score are bootstrapped the same way, and the effective number of cases is Kish's n / deff with the
intra-cluster correlation of the full score's reciprocal ranks.

Ties in a score are broken at random *in expectation*: a target tied with t others after a better
ones has expected rank a + (t + 1) / 2, hit@k = P(rank <= k) and reciprocal rank the mean of 1/r
over the tied positions. With every candidate tied, this is exactly the random baseline.

>>> import ikz_graph
>>> ev = evaluate(ikz_graph.load())
>>> sorted(ev.sets)
['backtest', 'loo', 'loo-planning']
>>> ev.sets["loo"].summary["full"]["mrr"] > ev.sets["loo"].summary["random"]["mrr"]
True
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from .config import FACTORS, load_config
from .dates import day_before
from .network import cooperation_network, groups
from .readmodel import ReadModel, read
from .transferability import _task_fields, participants_of, score_all

__all__ = ["evaluate", "Evaluation", "CaseSet", "Case", "METHODS", "SCORES", "BASELINES", "GOAL_RATIO",
           "expected_rank_metrics", "fit_weights"]

#: The methods compared, in display order, with what they use.
METHODS = {
    "full": "the full score with the configured weights (transfer.weights)",
    "priors": "the full score with the literature priors (transfer.priors, set before any evaluation)",
    "fitted": "the full score with weights fitted on the other clusters' cases (leave one cluster out)",
    "random": "random order (expected value)",
    "distance": "nearest by distance (border hops to the nearest participant)",
    "population": "most similar population",
    "network": "network only (ties + personalised PageRank, the priors' relative weights)",
    "attributes": "attributes only (type + population + density, the priors' relative weights)",
    "adamic-adar": "link prediction: Adamic-Adar index to the participants in the cooperation network of the day",
}
#: The methods that score with every factor; the others are the baselines.
SCORES = ("full", "priors", "fitted")
BASELINES = tuple(m for m in METHODS if m not in SCORES)
_SUBSETS = {"distance": ("proximity",), "population": ("population",), "network": ("ties", "link"),
            "attributes": ("type", "population", "density")}
#: Cooperations founded after this day are back-tested founding member by founding member.
NEW_AFTER = dt.date(2020, 12, 31)
EPS = 1e-9
ROUNDS = 2000
#: The goal of the score: an MRR at least this many times the best baseline's in the back-test.
GOAL_RATIO = 1.2
#: Fitted weights are given to this many decimals (adding up to exactly 1).
WEIGHT_DECIMALS = 4


def _method_weights(cfg: dict) -> dict[str, dict[str, float]]:
    """The weights of every method but ``fitted`` and ``adamic-adar``; the baselines keep the
    proportions of the priors, which no evaluation has seen."""
    w = cfg["transfer"]["priors"]
    out = {"full": dict(cfg["transfer"]["weights"]), "priors": dict(w), "random": {f: 0.0 for f in FACTORS}}
    for m, subset in _SUBSETS.items():
        total = sum(w[f] for f in subset)
        # The configured relative weights; equal weights if the configuration zeroes them all.
        out[m] = {f: (0.0 if f not in subset else w[f] / total if total else 1.0 / len(subset)) for f in FACTORS}
    return out


def expected_rank_metrics(scores: dict[str, float], target: str) -> dict[str, float]:
    """Expected rank, hit@1, hit@3 and reciprocal rank of ``target`` under random tie-breaking.

    >>> expected_rank_metrics({"a": 0.9, "b": 0.5, "c": 0.5}, "b")["rank"]
    2.5
    """
    s = scores[target]
    better = sum(1 for v in scores.values() if v > s + EPS)
    tied = sum(1 for v in scores.values() if abs(v - s) <= EPS)
    positions = range(better + 1, better + tied + 1)
    return {"rank": better + (tied + 1) / 2,
            "hit1": max(0, min(tied, 1 - better)) / tied,
            "hit3": max(0, min(tied, 3 - better)) / tied,
            "rr": sum(1 / r for r in positions) / tied,
            "candidates": len(scores)}


# --------------------------------------------------------------------------- cases

@dataclass
class Case:
    cooperation: str
    cooperation_label: str
    tie: str                                # project, body, planning or service
    design: str                             # "accession", "founding" or "leave-one-out"
    unit: str
    unit_label: str
    cluster: str                            # the member set: cases of one cluster are not independent
    participants: int
    candidates: int
    metrics: dict[str, dict[str, float]]   # method -> rank, hit1, hit3, rr
    start: dt.date | None = None
    as_of: dt.date | None = None
    values: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)  # candidate -> factor values

    def to_json(self) -> dict[str, Any]:
        return {"cooperation": self.cooperation, "cooperation_label": self.cooperation_label, "tie": self.tie,
                "design": self.design, "unit": self.unit, "unit_label": self.unit_label, "cluster": self.cluster,
                "participants": self.participants, "candidates": self.candidates,
                "start": str(self.start) if self.start else None, "as_of": str(self.as_of) if self.as_of else None,
                "metrics": self.metrics}


def _adamic_adar(G, participants: list[str], candidates: list[str]) -> dict[str, float]:
    """The Adamic-Adar index of each candidate summed over the participants (unweighted network)."""
    import networkx as nx

    ps = [p for p in participants if p in G]
    pairs = [(c, p) for c in candidates if c in G for p in ps]
    out = {c: 0.0 for c in candidates}
    for c, _, v in nx.adamic_adar_index(G, pairs):
        out[c] += v
    return out


def _score_case(data: ReadModel, coop: str, target: str, participants: list[str], as_of: dt.date | None,
                cfg: dict, weights: dict[str, dict[str, float]]) -> tuple[dict, dict] | None:
    G = cooperation_network(data, as_of, cfg, known=as_of is not None)
    _, values = score_all(data, participants, fields=_task_fields(data, coop), approach=coop, as_of=as_of, cfg=cfg,
                          G=G, known=as_of is not None)
    if target not in values:
        return None
    out = {}
    for m, w in weights.items():
        out[m] = expected_rank_metrics({c: sum(w[f] * v[f] for f in FACTORS) for c, v in values.items()}, target)
    out["adamic-adar"] = expected_rank_metrics(_adamic_adar(G, participants, sorted(values)), target)
    return out, values


def _clusters(data: ReadModel, coops: dict[str, tuple[str, list[str]]]) -> dict[str, str]:
    """Each cooperation -> its cluster: the sorted keys of every unit that was ever a member of it, or
    of the cooperation that developed it (a shared service belongs with its model project)."""
    ever: dict[str, set[str]] = {c: set(m) for c, (_, m) in coops.items()}
    for m in data.memberships:
        if m.org in ever:
            ever[m.org].add(m.unit)

    def members(c: str) -> set[str]:
        parent = data.developed_in.get(c)
        if parent is None:
            parent = next((data.developed_in[i] for i, svcs in data.related.items()
                           if c in svcs and i in data.developed_in), None)
        return ever.get(parent, set()) | ever[c] if parent else ever[c]

    return {c: " ".join(sorted(data.units[u].key for u in members(c) if u in data.units)) for c in ever}


def _case(data, coop, tie, design, target, P, day, cfg, weights, cluster, start=None) -> Case | str:
    label = f"{data.label(target)} in {data.label(coop)}"
    if not data.units[target].described:
        return f"{design} {label}: population or area unknown"
    if not P:
        return f"{design} {label}: no other participant" + (f" on {day}" if day else "")
    scored = _score_case(data, coop, target, P, day, cfg, weights)
    if scored is None:
        return f"{design} {label}: not a candidate"
    metrics, values = scored
    return Case(coop, data.label(coop), tie, design, target, data.label(target), cluster, len(P),
                metrics["full"]["candidates"], metrics, start, day, values)


def _starts(data: ReadModel, coop: str, tie: str) -> list[tuple[str, dt.date | None]]:
    """(unit, start) of every membership (or service role) of a cooperation."""
    if tie == "service":
        return sorted({(s.unit, s.start) for s in data.services if s.service == coop}, key=str)
    return sorted({(m.unit, m.start) for m in data.memberships if m.org == coop and m.unit in data.units}, key=str)


def _backtest(data: ReadModel, coops, clusters, cfg, weights, skipped: list[str]) -> list[Case]:
    """Accessions and founding members of new cooperations, each on the day before it started."""
    cases: list[Case] = []
    for coop, (tie, _) in coops.items():
        entries = _starts(data, coop, tie)
        undated = sorted({data.label(u) for u, start in entries if start is None})
        if undated:
            skipped.append(f"back-test {data.label(coop)}: undated membership of {', '.join(undated)} (not used)")
        dated = [(u, start) for u, start in entries if start is not None]
        if not dated:
            continue
        first = min(start for _, start in dated)
        for unit, start in sorted(dated, key=lambda e: (e[1], data.units[e[0]].key)):
            day = day_before(start)
            if start > first:              # an accession: the members of the day before are the participants
                P = [p for p in participants_of(data, coop, day, cfg, known=True) if p != unit]
                design, reduced = "accession", data
            elif first > NEW_AFTER:        # a founding member of a new cooperation: the other founders
                P = sorted({u for u, s in dated if s == first and u != unit})
                design, reduced = "founding", data.without(unit, coop)
            else:
                continue
            c = _case(reduced, coop, tie, design, unit, P, day, cfg, weights, clusters[coop], start)
            (cases.append if isinstance(c, Case) else skipped.append)(c)
    return sorted(cases, key=lambda c: (c.start, c.cooperation_label, c.unit_label))


def _leave_one_out(data: ReadModel, coops, clusters, cfg, weights, skipped: list[str]) -> list[Case]:
    cases: list[Case] = []
    for coop, (tie, members) in coops.items():
        if tie == "service":
            continue
        for m in members:
            reduced = data.without(m, coop)
            c = _case(reduced, coop, tie, "leave-one-out", m, participants_of(reduced, coop, None, cfg), None, cfg,
                      weights, clusters[coop])
            (cases.append if isinstance(c, Case) else skipped.append)(c)
    return cases


# --------------------------------------------------------------------------- fitted weights

def _simplex_samples(n: int, seed: int, prior: list[float]):
    """The prior, the corners and ``n`` seeded points spread over the simplex of weights (Dirichlet(1))."""
    import numpy as np

    rng = np.random.default_rng(seed)
    k = len(prior)
    return np.vstack([np.array(prior), np.eye(k), rng.dirichlet(np.ones(k), size=n)])


def _reciprocal_ranks(case: Case, W) -> Any:
    """The expected reciprocal rank of the case's target under every row of weights ``W``."""
    import numpy as np

    units = sorted(case.values)
    V = np.array([[case.values[u][f] for f in FACTORS] for u in units])
    scores = V @ W.T                                            # candidates x weightings
    t = scores[units.index(case.unit)]
    better = (scores > t + EPS).sum(axis=0)
    tied = (np.abs(scores - t) <= EPS).sum(axis=0)
    harmonic = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, len(units) + 1))])
    return (harmonic[better + tied] - harmonic[better]) / tied


def fit_weights(cases: list[Case], prior: dict[str, float], samples: int = 400, seed: int = 7) -> dict[str, float]:
    """Non-negative factor weights adding up to 1 that give ``cases`` the best mean reciprocal rank.

    A seeded search over the simplex (the prior, its corners and ``samples`` random points); a tie
    goes to the weights nearest the prior, so that without evidence the prior stays.
    """
    import numpy as np

    p = np.array([prior[f] for f in FACTORS])
    W = _simplex_samples(samples, seed, list(p))
    return _best_weights(W, p, [_reciprocal_ranks(c, W) for c in cases])


def _best_weights(W, p, rrs: list) -> dict[str, float]:
    """The row of ``W`` with the best mean of the cases' reciprocal ranks ``rrs`` (nearest ``p`` on a tie)."""
    import numpy as np

    mrr = sum(rrs) / len(rrs) if rrs else np.zeros(len(W))
    distance = np.abs(W - p).sum(axis=1)
    best = max(range(len(W)), key=lambda i: (round(float(mrr[i]), 12), -float(distance[i])))
    return _share_of_one([float(v) for v in W[best]])


def _share_of_one(w: list[float]) -> dict[str, float]:
    """Weights rounded to :data:`WEIGHT_DECIMALS` that add up to exactly 1 (the rounding remainder
    goes to the largest), so that they can be written into a configuration as they are.

    >>> w = _share_of_one([1 / 3, 1 / 3, 1 / 3, 0, 0, 0, 0, 0])
    >>> w["type"], w["density"], sum(w.values())
    (0.3334, 0.3333, 1.0)
    """
    r = [round(v, WEIGHT_DECIMALS) for v in w]
    top = max(range(len(r)), key=lambda i: (r[i], -i))
    r[top] = round(1.0 - sum(v for i, v in enumerate(r) if i != top), WEIGHT_DECIMALS)
    return dict(zip(FACTORS, r))


def _fit_leave_one_cluster_out(cases: list[Case], prior: dict[str, float], samples: int = 400,
                               seed: int = 7) -> None:
    """Adds the ``fitted`` method to every case: weights fitted on the other clusters' cases only
    (:func:`fit_weights` on them; each case's reciprocal ranks under the sampled weights are computed once)."""
    import numpy as np

    p = np.array([prior[f] for f in FACTORS])
    W = _simplex_samples(samples, seed, list(p))
    rr = [_reciprocal_ranks(c, W) for c in cases]
    for cluster in sorted({c.cluster for c in cases}):
        train = [r for c, r in zip(cases, rr) if c.cluster != cluster]
        w = _best_weights(W, p, train) if train else dict(prior)
        for c in cases:
            if c.cluster == cluster:
                c.metrics["fitted"] = expected_rank_metrics(
                    {u: sum(w[f] * v[f] for f in FACTORS) for u, v in c.values.items()}, c.unit)


# --------------------------------------------------------------------------- summaries

@dataclass
class CaseSet:
    """The cases of one design and their statistics."""

    name: str
    cases: list[Case]
    summary: dict[str, dict[str, float]]                # method -> cases, hit1, hit3, mrr, rank
    intervals: dict[str, tuple[float, float]]           # method -> 95 % interval of the MRR (cluster bootstrap)
    paired: dict[str, dict[str, dict[str, Any]]]        # score method r -> method m -> MRR difference r - m, interval, counts
    clusters: int
    effective_cases: float

    def rows(self, reference: str = "full") -> list[dict[str, Any]]:
        """One row per method; the last column is the paired difference ``reference`` minus the method."""
        out = []
        for m in METHODS:
            s = self.summary.get(m)
            if not s:
                continue
            lo, hi = self.intervals[m]
            row = {"method": m, "cases": s["cases"], "hit@1": round(s["hit1"], 3), "hit@3": round(s["hit3"], 3),
                   "mrr": round(s["mrr"], 3), "mrr_95ci": f"{lo:.2f}-{hi:.2f}", "mean_rank": round(s["rank"], 2)}
            d = self.paired.get(reference, {}).get(m)
            row[f"{reference}_minus"] = "" if d is None else f"{d['difference']:+.3f} ({d['ci'][0]:+.2f}..{d['ci'][1]:+.2f})"
            out.append(row)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary, "mrr_95ci": self.intervals,
                **{f"paired_vs_{r}": d for r, d in self.paired.items()}, "clusters": self.clusters, "effective_cases": self.effective_cases,
                "cases": [c.to_json() for c in self.cases]}


def _mean(cases: list[Case], method: str) -> dict[str, float]:
    n = len(cases)
    if not n:
        return {}
    return {"cases": n, **{k: sum(c.metrics[method][m] for c in cases) / n
                           for k, m in (("hit1", "hit1"), ("hit3", "hit3"), ("mrr", "rr"), ("rank", "rank"))}}


def _cluster_bootstrap(cases: list[Case], value, rounds: int = ROUNDS, seed: int = 0) -> tuple[float, float]:
    """95 % percentile interval of the mean of ``value(case)``, resampling whole clusters."""
    by: dict[str, list[float]] = {}
    for c in cases:
        by.setdefault(c.cluster, []).append(value(c))
    groups_ = [by[k] for k in sorted(by)]
    if not groups_:
        return (0.0, 0.0)
    rng = random.Random(seed)
    means = []
    for _ in range(rounds):
        pick = [groups_[rng.randrange(len(groups_))] for _ in groups_]
        vals = [v for g in pick for v in g]
        means.append(sum(vals) / len(vals))
    means.sort()
    return (means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1])


def effective_cases(cases: list[Case], method: str = "full") -> float:
    """Kish's effective sample size n / (1 + (m0 - 1) icc), with the one-way ANOVA estimate of the
    intra-cluster correlation of the method's reciprocal ranks (clamped to [0, 1])."""
    n = len(cases)
    by: dict[str, list[float]] = {}
    for c in cases:
        by.setdefault(c.cluster, []).append(c.metrics[method]["rr"])
    k = len(by)
    if n < 2 or k < 2:
        return float(min(n, k))
    grand = sum(c.metrics[method]["rr"] for c in cases) / n
    msb = sum(len(v) * (sum(v) / len(v) - grand) ** 2 for v in by.values()) / (k - 1)
    within = sum((x - sum(v) / len(v)) ** 2 for v in by.values() for x in v)
    msw = within / (n - k) if n > k else 0.0
    m0 = (n - sum(len(v) ** 2 for v in by.values()) / n) / (k - 1)
    icc = (msb - msw) / (msb + (m0 - 1) * msw) if msb + (m0 - 1) * msw > 0 else 1.0
    icc = min(1.0, max(0.0, icc))
    return round(n / (1 + (m0 - 1) * icc), 2)


def _paired(cases: list[Case], r: str, m: str) -> dict[str, Any]:
    """The mean difference of reciprocal ranks ``r`` minus ``m``, its cluster-bootstrap interval, and
    in how many cases ``r`` is better, worse or equal."""
    diff = [c.metrics[r]["rr"] - c.metrics[m]["rr"] for c in cases]
    return {"difference": sum(diff) / len(diff) if diff else 0.0,
            "ci": _cluster_bootstrap(cases, lambda c: c.metrics[r]["rr"] - c.metrics[m]["rr"]),
            "better": sum(1 for d in diff if d > EPS), "worse": sum(1 for d in diff if d < -EPS),
            "equal": sum(1 for d in diff if abs(d) <= EPS)}


def _case_set(name: str, cases: list[Case], prior: dict[str, float]) -> CaseSet:
    _fit_leave_one_cluster_out(cases, prior)
    methods = [m for m in METHODS if all(m in c.metrics for c in cases)]
    summary = {m: _mean(cases, m) for m in methods}
    intervals = {m: _cluster_bootstrap(cases, lambda c, m=m: c.metrics[m]["rr"]) for m in methods}
    paired = {r: {m: _paired(cases, r, m) for m in methods if m != r} for r in SCORES if r in methods}
    return CaseSet(name, cases, summary, intervals, paired, len({c.cluster for c in cases}),
                   effective_cases(cases) if cases else 0.0)


@dataclass
class Evaluation:
    sets: dict[str, CaseSet]                 # backtest (the headline), loo, loo-planning
    skipped: list[str]
    fitted_weights: dict[str, float]         # fitted on every back-test case
    config: dict = field(repr=False, default_factory=dict)

    @property
    def headline(self) -> CaseSet:
        return self.sets["backtest"]

    def chosen(self) -> str:
        """Which weights the back-test chooses, on out-of-sample figures only: ``priors``, or
        ``fitted`` if weights fitted on the other clusters have the higher MRR."""
        s = self.headline.summary
        if not s or s["fitted"]["mrr"] <= s["priors"]["mrr"] + EPS:
            return "priors"
        return "fitted"

    def chosen_weights(self) -> dict[str, float]:
        """The weights the back-test chooses: the priors, or the weights fitted on all its cases."""
        return dict(self.fitted_weights if self.chosen() == "fitted" else self.config["transfer"]["priors"])

    def configured_is_fitted(self) -> bool:
        """Whether the configured weights are the ones fitted on all back-test cases (then the
        ``full`` figures are in sample)."""
        w = self.config["transfer"]["weights"]
        return all(abs(w[f] - self.fitted_weights[f]) <= 10 ** -WEIGHT_DECIMALS / 2 for f in FACTORS)

    def default_method(self) -> str:
        """The method whose out-of-sample figures stand for the configured weights: ``fitted`` when
        they were fitted on these cases, else ``full`` (the priors, or a user's own weights)."""
        return "fitted" if self.configured_is_fitted() else "full"

    def goal(self) -> dict[str, Any]:
        """The goal of the score in the back-test: the default's MRR at least :data:`GOAL_RATIO` times
        the best baseline's, and the paired cluster-bootstrap interval of the difference above zero."""
        cs, m = self.headline, self.default_method()
        if not cs.cases:
            return {"method": m, "reached": False, "cases": 0}
        best = max(BASELINES, key=lambda b: (cs.summary[b]["mrr"], b))
        d = cs.paired[m][best]
        ratio = cs.summary[m]["mrr"] / cs.summary[best]["mrr"] if cs.summary[best]["mrr"] else float("inf")
        return {"method": m, "mrr": cs.summary[m]["mrr"], "best_baseline": best,
                "best_baseline_mrr": cs.summary[best]["mrr"], "ratio": ratio, "difference": d["difference"],
                "ci": d["ci"], "required_ratio": GOAL_RATIO, "cases": len(cs.cases),
                "reached": ratio >= GOAL_RATIO and d["ci"][0] > 0}


def evaluate(source: Any, config: dict | None = None) -> Evaluation:
    """Run the back-test and leave one member out, compare the full score with the baselines."""
    cfg = config or load_config()
    data = source if isinstance(source, ReadModel) else read(source)
    weights = _method_weights(cfg)
    skipped: list[str] = []
    coops = groups(data, None, cfg)
    clusters = _clusters(data, coops)
    voluntary = {k: v for k, v in coops.items() if v[0] != "planning"}
    back = _backtest(data, voluntary, clusters, cfg, weights, skipped)
    loo = _leave_one_out(data, coops, clusters, cfg, weights, skipped)
    prior = cfg["transfer"]["priors"]
    sets = {"backtest": _case_set("backtest", back, prior),
            "loo": _case_set("loo", [c for c in loo if c.tie != "planning"], prior),
            "loo-planning": _case_set("loo-planning", [c for c in loo if c.tie == "planning"], prior)}
    fitted = fit_weights(back, prior) if back else dict(prior)
    return Evaluation(sets, sorted(set(skipped)), fitted, cfg)
