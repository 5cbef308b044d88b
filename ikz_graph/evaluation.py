"""Does the transferability score work? Leave-one-member-out and a temporal back-test.

*Leave one member out*: for every cooperation in the graph (model projects, Zweckverbände,
associations, planning regions) and every member the graph describes fully, hide that
membership, rank all non-members for the cooperation with the remaining members as
participants, and record where the hidden member lands. *Temporal back-test*: for every
membership that started after another member's (known start dates only), rank on the graph as
it stood the day before, and record where the later member lands.

Ties in a score are broken at random *in expectation*: a hidden member tied with t others after a
better ones has expected rank a + (t + 1) / 2, hit@k = P(rank <= k) and reciprocal rank the mean
of 1/r over the tied positions. With every candidate tied, this is exactly the random baseline.

>>> import ikz_graph
>>> ev = evaluate(ikz_graph.load())
>>> sorted(ev.summary)
['attributes', 'distance', 'full', 'network', 'population', 'random']
>>> ev.summary["full"]["mrr"] > ev.summary["random"]["mrr"]
True
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from .config import FACTORS, load_config
from .network import groups
from .readmodel import ReadModel, read
from .transferability import _task_fields, participants_of, score_all

__all__ = ["evaluate", "Evaluation", "METHODS", "expected_rank_metrics"]

#: The methods compared, in display order, with what they use.
METHODS = {
    "full": "the full score (all factors, configured weights)",
    "random": "random order (expected value)",
    "distance": "nearest by distance (border hops to the nearest participant)",
    "population": "most similar population",
    "network": "network only (ties + personalised PageRank, configured relative weights)",
    "attributes": "attributes only (type + population + density, configured relative weights)",
}
_SUBSETS = {"distance": ("proximity",), "population": ("population",), "network": ("ties", "link"),
            "attributes": ("type", "population", "density")}
EPS = 1e-9


def _method_weights(cfg: dict) -> dict[str, dict[str, float]]:
    w = cfg["transfer"]["weights"]
    out = {"full": dict(w), "random": {f: 0.0 for f in FACTORS}}
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
    better = sum(1 for k, v in scores.items() if v > s + EPS)
    tied = sum(1 for v in scores.values() if abs(v - s) <= EPS)
    positions = range(better + 1, better + tied + 1)
    return {"rank": better + (tied + 1) / 2,
            "hit1": max(0, min(tied, 1 - better)) / tied,
            "hit3": max(0, min(tied, 3 - better)) / tied,
            "rr": sum(1 / r for r in positions) / tied,
            "candidates": len(scores)}


@dataclass
class Case:
    cooperation: str
    cooperation_label: str
    tie: str                                # project, body or planning
    unit: str
    unit_label: str
    participants: int
    candidates: int
    metrics: dict[str, dict[str, float]]   # method -> rank, hit1, hit3, rr
    start: dt.date | None = None
    as_of: dt.date | None = None


@dataclass
class Evaluation:
    loo: list[Case]
    temporal: list[Case]
    skipped: list[str]
    summary: dict[str, dict[str, float]]
    by_kind: dict[str, dict[str, dict[str, float]]]   # tie type -> method -> metrics
    temporal_summary: dict[str, dict[str, float]]
    intervals: dict[str, tuple[float, float]]
    paired: dict[str, dict[str, int]]
    config: dict = field(repr=False, default_factory=dict)

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = []
        for m in METHODS:
            s, t = self.summary[m], self.temporal_summary.get(m, {})
            lo, hi = self.intervals[m]
            rows.append({"method": m, "cases": s["cases"], "hit@1": round(s["hit1"], 3), "hit@3": round(s["hit3"], 3),
                         "mrr": round(s["mrr"], 3), "mrr_95ci": f"{lo:.2f}-{hi:.2f}", "mean_rank": round(s["rank"], 2),
                         **{f"mrr_{k}": round(v[m]["mrr"], 3) for k, v in self.by_kind.items()},
                         "backtest_mean_rank": round(t["rank"], 2) if t else None})
        return rows


def _mean_metrics(cases: list[Case], method: str) -> dict[str, float]:
    n = len(cases)
    if not n:
        return {}
    return {"cases": n,
            "hit1": sum(c.metrics[method]["hit1"] for c in cases) / n,
            "hit3": sum(c.metrics[method]["hit3"] for c in cases) / n,
            "mrr": sum(c.metrics[method]["rr"] for c in cases) / n,
            "rank": sum(c.metrics[method]["rank"] for c in cases) / n}


def _bootstrap(cases: list[Case], method: str, rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95 % percentile interval of the MRR over cases resampled with replacement (fixed seed)."""
    if not cases:
        return (0.0, 0.0)
    rng = random.Random(seed)
    rr = [c.metrics[method]["rr"] for c in cases]
    means = sorted(sum(rng.choice(rr) for _ in rr) / len(rr) for _ in range(rounds))
    return (means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1])


def _score_case(data: ReadModel, coop: str, target: str, participants: list[str], as_of, cfg, weights) -> dict | None:
    _, values = score_all(data, participants, fields=_task_fields(data, coop), approach=coop, as_of=as_of, cfg=cfg)
    if target not in values:
        return None
    out = {}
    for m, w in weights.items():
        scores = {c: sum(w[f] * v[f] for f in FACTORS) for c, v in values.items()}
        out[m] = expected_rank_metrics(scores, target)
    return out


def evaluate(source: Any, config: dict | None = None) -> Evaluation:
    """Run both evaluations on the graph and compare the full score with the baselines."""
    cfg = config or load_config()
    data = source if isinstance(source, ReadModel) else read(source)
    weights = _method_weights(cfg)
    loo: list[Case] = []
    skipped: list[str] = []
    coops = {k: v for k, v in groups(data, None, cfg).items() if v[0] != "service"}
    for coop, (_, members) in coops.items():
        for m in members:
            if not data.units[m].described:
                skipped.append(f"{data.label(m)} in {data.label(coop)}: population or area unknown")
                continue
            reduced = data.without(m, coop)
            rest = participants_of(reduced, coop, None, cfg)
            if not rest:
                skipped.append(f"{data.label(m)} in {data.label(coop)}: no other member")
                continue
            metrics = _score_case(reduced, coop, m, rest, None, cfg, weights)
            loo.append(Case(coop, data.label(coop), coops[coop][0], m, data.label(m), len(rest), metrics["full"]["candidates"], metrics))

    temporal: list[Case] = []
    for coop in coops:
        ms = [x for x in data.memberships if x.org == coop and x.unit in data.units]
        for later in ms:
            if later.start is None or not any(o.start is not None and o.start < later.start for o in ms if o is not later):
                continue
            day = later.start - dt.timedelta(days=1)
            label = f"{data.label(later.unit)} in {data.label(coop)} (from {later.start})"
            if not data.units[later.unit].described:
                skipped.append(f"back-test {label}: population or area unknown")
                continue
            P = participants_of(data, coop, day, cfg)
            if not P or later.unit in P:
                skipped.append(f"back-test {label}: " + ("no member on " + str(day) if not P else "already a member"))
                continue
            metrics = _score_case(data, coop, later.unit, P, day, cfg, weights)
            temporal.append(Case(coop, data.label(coop), coops[coop][0], later.unit, data.label(later.unit), len(P),
                                 metrics["full"]["candidates"], metrics, later.start, day))
    temporal.sort(key=lambda c: (c.start, c.cooperation_label, c.unit_label))

    summary = {m: _mean_metrics(loo, m) for m in METHODS}
    by_kind = {k: {m: _mean_metrics([c for c in loo if c.tie == k], m) for m in METHODS}
               for k in ("project", "body", "planning") if any(c.tie == k for c in loo)}
    tsum = {m: _mean_metrics(temporal, m) for m in METHODS} if temporal else {}
    intervals = {m: _bootstrap(loo, m) for m in METHODS}
    paired = {}
    for m in METHODS:
        if m == "full":
            continue
        better = sum(1 for c in loo if c.metrics["full"]["rr"] > c.metrics[m]["rr"] + EPS)
        worse = sum(1 for c in loo if c.metrics["full"]["rr"] < c.metrics[m]["rr"] - EPS)
        paired[m] = {"full_better": better, "full_worse": worse, "equal": len(loo) - better - worse}
    return Evaluation(loo, temporal, skipped, summary, by_kind, tsum, intervals, paired, cfg)
