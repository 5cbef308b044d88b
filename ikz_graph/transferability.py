"""Explainable transferability ranking: which units could take up an approach next.

An *approach* is a model project, a shared service, a shared institution, or any cooperation body
of the graph. Its *participants* are the units taking part in it (as of a date, or ever). Every
other unit at a participant's level (:func:`~ikz_graph.transfer_factors.pool`: districts and kreisfreie
Städte for an approach of districts, Verbandsgemeinden and verbandsfreie Gemeinden for one of
Verbandsgemeinden) that the graph describes fully (population and area known) is a *candidate* and gets a
score in [0, 1] that is the sum of per-factor contributions (factor value in [0, 1] times its
weight; the weights add up to 1); every other non-participant is *not scored*, with the reason
(:func:`why_not_scored`). Factors and their literature: ``docs/analysis.md``.

>>> import ikz_graph
>>> t = rank(ikz_graph.load(), "kfz-zulassung", as_of="2024-12-31")
>>> [t.data.label(p) for p in t.participants]
['Cochem-Zell', 'Bernkastel-Wittlich', 'Vulkaneifel']
>>> best = t.candidates[0]
>>> best.label, best.score == round(sum(best.contributions.values()), 12)
('Bitburg-Prüm', True)
>>> all(reason.endswith("unknown") for reason in t.not_scored.values())   # which figure is missing
True
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import combinations
from statistics import fmean
from typing import Any

from . import namespaces as ns
from .config import FACTORS, expand, load_config
from .errors import AnalysisError
from .gcpause import gc_paused
from .dates import existed, parse_iso_day, running
from .errors import AmbiguousName, UnknownName
from .network import _software, cooperation_network, groups, run_id
from .readmodel import ReadModel, Unit, read
from .transfer_factors import (CHANGEABLE, FACTOR_LABELS, FIXED, Context, constant_factors, factor_means, factor_values,
                               pool, scale_link, score_all, sensitivity, standing)

__all__ = ["rank", "resolve_approach", "approaches", "constant_factors", "participants_of", "factor_values",
           "why_not_scored", "levers", "lever_text", "Candidate", "Lever", "Group", "Transfer", "FACTOR_LABELS"]

@dataclass
class Candidate:
    unit: str
    key: str
    label: str
    score: float
    contributions: dict[str, float]   # factor -> weight x value (adds up to score)
    values: dict[str, float]          # factor -> value in [0, 1]
    explanation: str
    rank: int = 0
    levers: list[Lever] = field(default_factory=list)   # what would raise the score, best first
    score_range: tuple[float, float] | None = None      # central share of the sensitivity draws
    rank_range: tuple[int, int] | None = None           # best and worst rank in them

    @property
    def fixed(self) -> float:
        """The part of the score from what the candidate is (kind, size, density, distance, law)."""
        return sum(self.contributions[f] for f in FIXED)

    @property
    def changeable(self) -> float:
        """The part of the score from what it does (ties, network, task fields): see :data:`CHANGEABLE`."""
        return sum(self.contributions[f] for f in CHANGEABLE)


@dataclass
class Lever:
    """One thing a candidate could do that raises its score: the score gains at least ``gain``
    (the network factor ``link`` would rise too, which is not counted), to ``score`` and ``rank``."""
    action: str
    factor: str
    gain: float
    score: float
    rank: int


@dataclass
class Group:
    units: list[str]
    labels: list[str]
    score: float
    fit: float        # mean fit of the members to the approach
    cohesion: float   # mean fit of the members to each other
    explanation: str
    rank: int = 0


@dataclass
class Transfer:
    """Result of :func:`rank`."""

    approach: str
    approach_label: str
    approach_kind: str
    participants: list[str]
    candidates: list[Candidate]
    not_scored: dict[str, str]     # unit -> why it has no score (why_not_scored), in the order of the keys
    as_of: dt.date | None
    config: dict
    data: ReadModel
    network: Any                   # the cooperation network the scores were computed on
    input_digest: str
    software: dict[str, str]
    task_fields: list[str] = field(default_factory=list)

    @property
    def run_id(self) -> str:
        return run_id("transfer", self.input_digest, self.as_of, self.config, self.software, approach=self.approach)

    def rows(self, top: int | None = None) -> list[dict[str, Any]]:
        """One row per candidate: rank, key, unit, score, its range and rank range (empty without
        sensitivity draws), the fixed and changeable parts, every factor's contribution, the
        explanation and what would raise it."""
        out = []
        for c in self.candidates[:top]:
            lo, hi = c.score_range or ("", "")
            best, worst = c.rank_range or ("", "")
            row: dict[str, Any] = {"rank": c.rank, "key": c.key, "unit": c.label, "score": round(c.score, 4),
                                   "low": lo, "high": hi, "best": best, "worst": worst,
                                   "fixed": round(c.fixed, 4), "changeable": round(c.changeable, 4)}
            row.update({f: round(c.contributions[f], 4) for f in FACTORS})
            row["explanation"] = c.explanation
            row["would_raise"] = lever_text(c)
            out.append(row)
        return out

    def not_scored_rows(self) -> list[dict[str, str]]:
        """Every unit that is neither participant nor candidate, with the reason."""
        return [{"key": self.data.units[u].key, "unit": self.data.label(u), "reason": why}
                for u, why in self.not_scored.items()]

    def groups(self, size: int = 2, top: int | None = 10) -> list[Group]:
        """Pairs (or groups of ``size``) of candidates that could start the approach among themselves."""
        return rank_groups(self, size)[:top]


# --------------------------------------------------------------------------- approach

def _kind(data: ReadModel, iri: str) -> str:
    if iri in data.related:
        return "shared institution"
    if any(s.service == iri for s in data.services):
        return "shared service"
    classes = data.org_classes.get(iri, set())
    if ns.IKZ + "ModelProject" in classes:
        return "model project"
    return "cooperation"


def approaches(data: ReadModel) -> set[str]:
    """Everything that can be an approach: organisations with members, shared services and institutions."""
    return set(data.org_classes) | {s.service for s in data.services} | set(data.related)


def resolve_approach(source: Any, data: ReadModel, name: str) -> str:
    """The IRI of an approach given by identifier (``emh``, ``kfz-zulassung``), IRI, label or name
    (the rules of :mod:`ikz_graph.resolve`, among the :func:`approaches`; ``source`` is the graph or
    endpoint to read names from, or the read model itself)."""
    from .resolve import SparqlNames, TableNames, resolve

    among = approaches(data)
    if ":" in name and not name.startswith(("http://", "https://")) and expand(name) in among:
        return expand(name)   # a CURIE such as body:emh
    names = SparqlNames(source) if hasattr(source, "query") else TableNames(data.names())
    try:
        return resolve(names, name, among=among)
    except AmbiguousName as e:
        raise AnalysisError(f"approach {name!r} is ambiguous: {', '.join(ns.compact(i) for i, _ in e.matches)}") from None
    except UnknownName as e:
        known = sorted(ns.compact(i).split(":", 1)[1] for i in among
                       if _kind(data, i) in ("model project", "shared service", "shared institution"))
        hint = ("; did you mean " + " or ".join(f"{label} ({ns.compact(i)})" for i, label in e.suggestions) + "?"
                if e.suggestions else "")
        raise AnalysisError(f"unknown approach {name!r}; give the identifier or label of a model project, "
                            f"shared service or institution (e.g. {', '.join(known)}) or of a cooperation body"
                            + hint) from None


def participants_of(data: ReadModel, approach: str, as_of: dt.date | None = None, cfg: dict | None = None, *,
                    known: bool = False) -> list[str]:
    """The units taking part in an approach (as of a date, or ever; ``known``: the strict as-of reading)."""
    cfg = cfg or load_config()
    g = groups(data, as_of, cfg, known=known)
    if approach in data.related:   # an institution: the units of the services it delivers
        units: set[str] = set()
        for s in data.related[approach]:
            units.update(g.get(s, ("", []))[1])
        return sorted(units)
    if approach in g:
        return list(g[approach][1])
    # A body of a class that creates no tie (e.g. an umbrella association): its members directly.
    if not existed(data.founded.get(approach), as_of):
        return []
    return sorted({m.unit for m in data.memberships if m.org == approach and m.unit in data.units
                   and running(m.start, m.end, as_of, known=known)})


def _task_fields(data: ReadModel, approach: str) -> set[str]:
    fields = set(data.task_fields.get(approach, set()))
    for s in data.related.get(approach, ()):
        fields |= data.task_fields.get(s, set())
    return fields


def why_not_scored(u: Unit) -> str:
    """Why a unit gets no score: the figures the factors need that the graph does not give.

    >>> why_not_scored(Unit("u:1", "08222", "Mannheim", "KreisfreieStadt", None, None, None))
    'population and area unknown'
    """
    return " and ".join(u.missing) + " unknown"


# --------------------------------------------------------------------------- explanation

def _explain(data: ReadModel, c: str, values: dict[str, float], contributions: dict[str, float],
             participants: list[str], ctx_partners: set[str], hops: int | None, score: float,
             constant: set[str] = frozenset()) -> str:
    u = data.units[c]
    n = len(participants)
    parts = []
    reasons = [f for f in contributions if f not in constant]
    for f in sorted(reasons, key=lambda f: (-contributions[f], FACTORS.index(f)))[:3]:
        if contributions[f] <= 0:
            continue
        if f == "proximity":
            parts.append("borders a participant" if hops == 1 else f"is {hops} borders from the nearest participant")
        elif f == "ties":
            k = len([p for p in participants if p in ctx_partners])
            parts.append(f"already cooperates with {k} of {n} participants")
        elif f == "type":
            same = round(values["type"] * n)
            kind = {"Landkreis": "a district", "Gemeinde": "a municipality"}.get(u.kind, "an independent city")
            parts.append(f"is {kind} like {'all ' + str(n) if same == n else f'{same} of {n}'} participants")
        elif f == "population":
            parts.append(f"has a similar population ({values['population']:.0%} on average)")
        elif f == "density":
            parts.append(f"has a similar density ({values['density']:.0%} on average)")
        elif f == "link":
            parts.append("is close to them in the cooperation network")
        elif f == "thematic":
            parts.append("already works in the same task field with others")
        elif f == "legal":
            parts.append("is under the same Land law")
    if not parts:
        return f"{u.label} scores {score:.2f}: no factor speaks for it."
    if len(parts) > 1:
        text = ", ".join(parts[:-1]) + " and " + parts[-1]
    else:
        text = parts[0]
    return f"{u.label} scores {score:.2f} mainly because it {text}."


# --------------------------------------------------------------------------- levers

def _field_name(data: ReadModel, iri: str) -> str:
    return data.field_labels.get(iri) or ns.compact(iri).split(":", 1)[-1].replace("-", " ")


def _rank_if(cands: list[Candidate], c: Candidate, score: float) -> int:
    """The rank ``c`` would have with ``score``, everyone else unchanged."""
    return 1 + sum(1 for o in cands if o is not c and standing(o.score, o.key) < standing(score, c.key))


def levers(data: ReadModel, cands: list[Candidate], c: Candidate, ctx: Context, weights: dict[str, float]) -> list[Lever]:
    """What would raise candidate ``c``: a cooperation with one more participant, with all it has no
    tie with, and work in the approach's task fields it does not cover yet. Only the changeable
    factors move; the gain counts ``ties`` and ``thematic``, not the network factor ``link``."""
    P = ctx.participants
    missing = [p for p in P if p not in ctx.partners.get(c.unit, set())]
    out = []
    options = []
    if missing and weights["ties"] > 0:
        names = " or ".join(data.label(p) for p in missing)
        options.append((f"cooperates with one more participant ({names})", "ties", weights["ties"] / len(P)))
        if len(missing) > 1:
            options.append((f"cooperates with {'both' if len(missing) == 2 else f'all {len(missing)}'} participants "
                            f"it has no tie with yet", "ties",
                            weights["ties"] * len(missing) / len(P)))
    todo = sorted(ctx.fields - ctx.covered.get(c.unit, set()))
    if todo and weights["thematic"] > 0:
        options.append((f"works with others in {' and '.join(_field_name(data, f) for f in todo)}",
                        "thematic", weights["thematic"] * len(todo) / len(ctx.fields)))
    for action, factor, gain in options:
        score = round(c.score + gain, 12)
        out.append(Lever(action, factor, round(gain, 4), round(score, 4), _rank_if(cands, c, score)))
    return sorted(out, key=lambda lv: (-lv.gain, lv.action))


def lever_text(c: Candidate) -> str:
    """What would raise ``c``, in one sentence (empty if nothing it can do would)."""
    if not c.levers:
        return ""
    return "; ".join(f"+{lv.gain:.2f} (to rank {lv.rank}) if it {lv.action}" for lv in c.levers)


# --------------------------------------------------------------------------- ranking

@gc_paused()
def rank(source: Any, approach: str, as_of: str | dt.date | None = None, config: dict | None = None) -> Transfer:
    """Rank every unit that does not take part in ``approach`` by how easily it could take it up."""
    cfg = config or load_config()
    data = source if isinstance(source, ReadModel) else read(source)
    day = parse_iso_day(as_of) if as_of is not None else None
    iri = resolve_approach(source, data, approach)
    P = participants_of(data, iri, day, cfg)
    if not P:
        when = f" on {day}" if day else ""
        raise AnalysisError(f"approach {approach!r} has no participating districts or cities{when}")
    fields = _task_fields(data, iri)
    ctx, values = score_all(data, P, fields=fields, approach=iri, as_of=day, cfg=cfg)
    w = cfg["transfer"]["weights"]
    constant, means = constant_factors(values), factor_means(values)
    cands = []
    for c, v in values.items():
        contrib = {f: w[f] * v[f] for f in FACTORS}
        score = round(sum(contrib.values()), 12)
        # a reason must speak for this candidate: its value above the candidates' mean
        ordinary = constant | {f for f in FACTORS if v[f] <= means[f] + 1e-12}
        cands.append(Candidate(c, data.units[c].key, data.units[c].label, score, contrib, v,
                               _explain(data, c, v, contrib, P, ctx.partners.get(c, set()), ctx.hops.get(c), score,
                                        ordinary)))
    cands.sort(key=lambda x: standing(x.score, x.key))
    ranges = sensitivity(ctx, [c.unit for c in cands], cfg)
    for i, c in enumerate(cands, start=1):
        c.rank = i
        if c.unit in ranges:
            lo, hi, best, worst = ranges[c.unit]
            c.score_range, c.rank_range = (min(lo, c.score), max(hi, c.score)), (min(best, i), max(worst, i))
    for c in cands:
        c.levers = levers(data, cands, c, ctx, w)
    not_scored = {c: why_not_scored(data.units[c])
                  for c in sorted((c for c in pool(data, P) if not data.units[c].described),
                                  key=lambda c: data.units[c].key)}
    return Transfer(iri, data.label(iri), _kind(data, iri), P, cands, not_scored, day, cfg, data, ctx.G, data.digest(),
                    _software(), sorted(fields))


def _pair_fits(t: Transfer, units: list[str]) -> dict[tuple[str, str], float]:
    """Pairwise fit within ``units`` (the transfer's group pool, the same for every group size): the
    score of b with participants [a], ``link`` scaled over ``units``. Kept by the transfer, so groups
    of every size share it; one context is built and only its participant parts (hops, personalised
    PageRank) are redone for each a."""
    if "_pair_fits" in t.__dict__:
        return t.__dict__["_pair_fits"]
    cfg = t.config
    w = cfg["transfer"]["weights"]
    pair_fit: dict[tuple[str, str], float] = {}
    if units:
        base = Context(t.data, t.network, units[:1], set(t.task_fields), t.approach, t.as_of, cfg,
                       groups(t.data, t.as_of, cfg))
        for a in units:
            ctx = base.for_participants([a])
            vals = {b: factor_values(ctx, b) for b in units if b != a}
            scale_link(vals)
            for b, v in vals.items():
                pair_fit[(a, b)] = sum(w[f] * v[f] for f in FACTORS)
    t.__dict__["_pair_fits"] = pair_fit
    return pair_fit


def rank_groups(t: Transfer, size: int = 2) -> list[Group]:
    """Groups of ``size`` candidates, scored by fit to the approach and fit to each other.

    Only the best ``transfer.groups.pool`` single candidates are combined (at most
    C(pool, size) groups). A member's fit to the others is its score computed with the rest of
    the group as participants (same factors and weights, ``thematic`` on the approach's fields).
    """
    if size < 2:
        raise AnalysisError("a group has at least 2 units")
    gcfg = t.config["transfer"]["groups"]
    pool = t.candidates[: gcfg["pool"]]
    by_unit = {c.unit: c for c in pool}
    pair_fit = _pair_fits(t, list(by_unit))
    gw = gcfg["group_fit_weight"]
    out = []
    for combo in combinations(sorted(by_unit, key=lambda u: by_unit[u].key), size):
        fit = fmean([by_unit[u].score for u in combo])
        cohesion = fmean([pair_fit[(a, b)] for a in combo for b in combo if a != b])
        score = round((1 - gw) * fit + gw * cohesion, 12)
        labels = [by_unit[u].label for u in combo]
        names = ", ".join(labels[:-1]) + " and " + labels[-1]
        expl = (f"{names} score {score:.2f}: their fit to the approach averages {fit:.2f} "
                f"and their fit to each other {cohesion:.2f}.")
        out.append(Group(list(combo), labels, score, fit, cohesion, expl))
    out.sort(key=lambda g: (-g.score, [by_unit[u].key for u in g.units]))
    for i, g in enumerate(out, start=1):
        g.rank = i
    return out
