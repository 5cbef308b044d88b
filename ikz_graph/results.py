"""Analysis and transfer results as RDF (with the run's provenance), CSV and Markdown.

Each run is a ``prov:Activity`` (:class:`ikz:NetworkAnalysis` or :class:`ikz:TransferAssessment`)
whose IRI is derived from a hash of its input, parameters and software version, so the same run
gets the same IRI. Its start time is the current time, or ``SOURCE_DATE_EPOCH`` when that
environment variable is set (reproducible builds): with it, the Turtle is byte-identical.
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Any, Iterable

import pyoxigraph as ox

from . import namespaces as ns
from .config import FACTOR_LABELS, FACTORS, flatten
from .errors import AnalysisError
from .terms import literal

__all__ = ["analysis_triples", "transfer_triples", "to_turtle", "run_time", "analysis_files", "transfer_files",
           "analysis_summary"]

RDF_TYPE = ox.NamedNode(ns.RDF + "type")


def run_time() -> dt.datetime:
    """Now (UTC, whole seconds), or ``SOURCE_DATE_EPOCH`` if set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except ValueError:
            raise AnalysisError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}") from None
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


#: Analysis figures (PageRank, scores, shares) are written to this many decimals.
DECIMALS = 6


def _lit(value: Any, lang: str | None = None) -> ox.Literal:
    """A literal of a run's value; floats are rounded to :data:`DECIMALS` places first."""
    if isinstance(value, float):
        value = round(value, DECIMALS)
    return literal(value, lang=lang)


class _Triples:
    def __init__(self) -> None:
        self.items: list[ox.Triple] = []

    def add(self, s: str, p: str, o: Any) -> None:
        obj = o if isinstance(o, (ox.NamedNode, ox.Literal)) else _lit(o)
        self.items.append(ox.Triple(_n(s), _n(p), obj))

    def iri(self, s: str, p: str, o: str) -> None:
        self.items.append(ox.Triple(_n(s), _n(p), _n(o)))


def _software_agent(t: _Triples, software: dict[str, str]) -> str:
    agent = ns.ID + f"software/ikz-graph/{software['ikz-graph']}"
    t.iri(agent, ns.RDF + "type", ns.PROV + "SoftwareAgent")
    t.iri(agent, ns.RDF + "type", ns.SCHEMA + "SoftwareApplication")
    t.add(agent, ns.RDFS + "label", f"ikz-graph {software['ikz-graph']}")
    t.add(agent, ns.SCHEMA + "softwareVersion", software["ikz-graph"])
    return agent


def _run(t: _Triples, run: str, cls: str, label: str, obj: Any, started: dt.datetime) -> None:
    t.iri(run, ns.RDF + "type", ns.IKZ + cls)
    t.iri(run, ns.RDF + "type", ns.PROV + "Activity")
    t.add(run, ns.RDFS + "label", label)
    t.add(run, ns.PROV + "startedAtTime", started)
    t.iri(run, ns.PROV + "wasAssociatedWith", _software_agent(t, obj.software))
    t.iri(run, ns.PROV + "used", ns.GRAPH_DATA)
    t.add(run, ns.IKZ + "inputDigest", obj.input_digest)
    for lib, version in sorted(obj.software.items()):
        t.add(run, ns.SCHEMA + "softwareRequirements", f"{lib} {version}")
    if obj.as_of is not None:
        t.add(run, ns.IKZ + "asOf", obj.as_of)
    for name, value in flatten(obj.config).items():
        p = f"{run}/parameter/{name}"
        t.iri(p, ns.RDF + "type", ns.IKZ + "Parameter")
        t.add(p, ns.RDFS + "label", name)
        t.add(p, ns.RDF + "value", value)
        t.iri(run, ns.IKZ + "parameter", p)


def analysis_triples(a, started: dt.datetime | None = None) -> list[ox.Triple]:
    """The results of :func:`ikz_graph.network.analyze` as RDF."""
    t = _Triples()
    run = ns.ID + f"analysis/{a.run_id}"
    when = f" as of {a.as_of}" if a.as_of else ""
    _run(t, run, "NetworkAnalysis", f"Cooperation network analysis{when}", a, started or run_time())
    t.add(run, ns.IKZ + "modularity", float(a.modularity))
    t.add(run, ns.IKZ + "partitionStability", float(a.stability["mean_ari"]))
    G = a.graph
    clusters = {}
    for c in a.clusters:
        ci = f"{run}/cluster/{c.number}"
        clusters[c.number] = ci
        t.iri(ci, ns.RDF + "type", ns.IKZ + "Cluster")
        t.add(ci, ns.RDFS + "label", c.name)
        t.add(ci, ns.SCHEMA + "position", c.number)
        t.add(ci, ns.SCHEMA + "size", len(c.members))
        t.iri(ci, ns.PROV + "wasGeneratedBy", run)
    for n, d in G.nodes(data=True):
        m = f"{run}/unit/{d['key']}"
        t.iri(m, ns.RDF + "type", ns.IKZ + "UnitMetrics")
        t.iri(m, ns.IKZ + "metricsOf", n)
        t.iri(m, ns.PROV + "wasGeneratedBy", run)
        t.iri(m, ns.IKZ + "inCluster", clusters[d["cluster"]])
        t.iri(n, ns.IKZ + "inCluster", clusters[d["cluster"]])
        t.add(m, ns.IKZ + "degree", int(d["degree"]))
        t.add(m, ns.IKZ + "weightedDegree", float(d["weighted_degree"]))
        t.add(m, ns.IKZ + "betweenness", float(d["betweenness"]))
        t.add(m, ns.IKZ + "pageRank", float(d["pagerank"]))
        t.add(m, ns.IKZ + "coreNumber", int(d["core"]))
        t.add(m, ns.IKZ + "participationCoefficient", float(d["participation"]))
        t.add(m, ns.IKZ + "broker", bool(d["broker"]))
    return t.items


def transfer_triples(tr, groups: Iterable = (), started: dt.datetime | None = None) -> list[ox.Triple]:
    """The results of :func:`ikz_graph.transferability.rank` (and optional groups) as RDF."""
    t = _Triples()
    run = ns.ID + f"transfer/{tr.run_id}"
    when = f" as of {tr.as_of}" if tr.as_of else ""
    _run(t, run, "TransferAssessment", f"Transferability of {tr.approach_label}{when}", tr, started or run_time())
    t.iri(run, ns.IKZ + "approach", tr.approach)
    for c in tr.candidates:
        s = f"{run}/candidate/{c.key}"
        t.iri(s, ns.RDF + "type", ns.IKZ + "TransferScore")
        t.iri(s, ns.PROV + "wasGeneratedBy", run)
        t.iri(s, ns.IKZ + "candidate", c.unit)
        t.add(s, ns.IKZ + "score", float(c.score))
        t.add(s, ns.SCHEMA + "position", c.rank)
        t.add(s, ns.IKZ + "explanation", _lit(c.explanation, "en"))
        if c.score_range is not None:
            t.add(s, ns.IKZ + "scoreLow", float(c.score_range[0]))
            t.add(s, ns.IKZ + "scoreHigh", float(c.score_range[1]))
            t.add(s, ns.IKZ + "bestRank", int(c.rank_range[0]))
            t.add(s, ns.IKZ + "worstRank", int(c.rank_range[1]))
        for i, lv in enumerate(c.levers, 1):
            li = f"{s}/lever/{i}"
            t.iri(li, ns.RDF + "type", ns.IKZ + "TransferLever")
            t.iri(li, ns.IKZ + "factor", ns.IKZC + f"factor-{lv.factor}")
            t.add(li, ns.RDFS + "label", _lit(f"if it {lv.action}", "en"))
            t.add(li, ns.IKZ + "gain", float(lv.gain))
            t.add(li, ns.IKZ + "score", float(lv.score))
            t.add(li, ns.SCHEMA + "position", int(lv.rank))
            t.iri(s, ns.IKZ + "lever", li)
        for f in FACTORS:
            fc = f"{s}/{f}"
            t.iri(fc, ns.RDF + "type", ns.IKZ + "FactorContribution")
            t.iri(fc, ns.IKZ + "factor", ns.IKZC + f"factor-{f}")
            t.add(fc, ns.IKZ + "factorValue", float(c.values[f]))
            t.add(fc, ns.RDF + "value", float(c.contributions[f]))
            t.iri(s, ns.IKZ + "contribution", fc)
    for g in groups:
        gi = f"{run}/group/{len(g.units)}/{g.rank}"
        t.iri(gi, ns.RDF + "type", ns.IKZ + "TransferGroup")
        t.iri(gi, ns.PROV + "wasGeneratedBy", run)
        for u in g.units:
            t.iri(gi, ns.IKZ + "groupMember", u)
        t.add(gi, ns.IKZ + "score", float(g.score))
        t.add(gi, ns.SCHEMA + "position", g.rank)
        t.add(gi, ns.IKZ + "explanation", _lit(g.explanation, "en"))
    return t.items


def to_turtle(triples: list[ox.Triple]) -> bytes:
    """Deterministic Turtle with the project's prefixes."""
    from .graph import sort_key

    return ox.serialize(sorted(set(triples), key=sort_key), format=ox.RdfFormat.TURTLE, prefixes=ns.PREFIXES)


def _tie_counts(G) -> dict[str, int]:
    from .config import TIE_TYPES

    counts = {k: 0 for k in TIE_TYPES}
    for _, _, e in G.edges(data=True):
        for k in e["ties"]:
            counts[k] += 1
    return counts


def analysis_summary(a) -> list[tuple[str, str]]:
    """Key facts of an analysis run, as (label, value) pairs."""
    G = a.graph
    ties = ", ".join(f"{k} {v}" for k, v in _tie_counts(G).items())
    st = a.stability
    return [
        ("as of", str(a.as_of) if a.as_of else "all recorded ties"),
        ("units", str(G.number_of_nodes())),
        ("unit pairs with ties", f"{G.number_of_edges()} ({ties})"),
        ("clusters", f"{len(a.clusters)} (Louvain, seed {a.config['clusters']['seed']})"),
        ("modularity", f"{a.modularity:.3f}"),
        ("stability", f"mean ARI {st['mean_ari']:.3f}, min {st['min_ari']:.3f} over seeds 0-{st['seeds'] - 1}; "
                      f"{st['distinct_partitions']} distinct partitions"),
        ("betweenness", "exact" if a.betweenness.get("method") == "exact" else
         f"estimated from {a.betweenness['sources']} sampled source units (seed {a.betweenness['seed']})"),
        ("brokers", _names([r["unit"] for r in a.unit_rows() if r["broker"]])),
    ]


def _names(names: list[str], show: int = 12) -> str:
    """A list of names for a summary line, shortened when long."""
    if not names:
        return "none"
    if len(names) <= show:
        return ", ".join(names)
    return ", ".join(names[:show]) + f" … and {len(names) - show} more ({len(names)} in all; see units.csv)"


def analysis_files(a, started: dt.datetime | None = None) -> dict[str, bytes]:
    """``analysis.ttl``, ``units.csv``, ``clusters.csv`` and ``analysis.md`` of a run."""
    from .tables import csv_text, markdown_table

    units, clusters = a.unit_rows(), a.cluster_rows()
    md = ["# Cooperation network analysis", ""]
    md += [f"- **{k}**: {v}" for k, v in analysis_summary(a)]
    md += ["", "## Clusters", "", markdown_table(clusters), "## Units (by PageRank)", "", markdown_table(units),
           "Method and configuration: docs/analysis.md. Run IRI: " + ns.ID + f"analysis/{a.run_id}", ""]
    return {"analysis.ttl": to_turtle(analysis_triples(a, started)),
            "units.csv": csv_text(units).encode("utf-8"),
            "clusters.csv": csv_text(clusters).encode("utf-8"),
            "analysis.md": "\n".join(md).encode("utf-8")}


def transfer_files(tr, groups: list, started: dt.datetime | None = None) -> dict[str, bytes]:
    """``transfer-ID.ttl`` (scores, groups, provenance), ``.csv``, ``-groups.csv`` and ``.md``."""
    from .tables import csv_text, markdown_table

    slug = ns.compact(tr.approach).split(":", 1)[-1].replace("/", "-")
    rows = tr.rows()
    grows = [{"size": len(g.units), "rank": g.rank, "units": ", ".join(g.labels), "score": round(g.score, 4),
              "fit": round(g.fit, 4), "cohesion": round(g.cohesion, 4)} for g in groups]
    md = [f"# Transferability of {tr.approach_label}", "",
          f"- **approach**: {tr.approach_label} ({tr.approach_kind}, {ns.compact(tr.approach)})",
          f"- **participants**: {', '.join(tr.data.label(p) for p in tr.participants)}",
          f"- **as of**: {tr.as_of or 'all recorded memberships'}",
          f"- **not scored**: {len(tr.not_scored)} units (listed below with the reason)", "",
          "## Candidates", "",
          "`low`–`high` and `best`–`worst`: the central share of the sensitivity draws (resampled participants, "
          "weights drawn around the configured ones); `fixed`: what the unit is (kind, size, density, distance, "
          "law), `changeable`: what it does (ties, network, task fields).", "",
          markdown_table([{k: v for k, v in r.items() if k not in ("explanation", "would_raise")} for r in rows]),
          "## Explanations and what would raise each candidate", "",
          *[f"{r['rank']}. {r['explanation']}" + (f" Would rise by at least {r['would_raise']}." if r["would_raise"] else "")
            for r in rows], "",
          "## Not scored", "", markdown_table(tr.not_scored_rows()),
          "## Groups that could start it among themselves", "",
          markdown_table(grows), "Factors, weights and literature: docs/analysis.md.", ""]
    return {f"transfer-{slug}.ttl": to_turtle(transfer_triples(tr, groups, started)),
            f"transfer-{slug}.csv": csv_text(rows).encode("utf-8"),
            f"transfer-{slug}-groups.csv": csv_text(grows).encode("utf-8"),
            f"transfer-{slug}.md": "\n".join(md).encode("utf-8")}


def transfer_document(tr, groups: list | None, top: int) -> dict:
    """The JSON of ``ikz-graph transfer --format json``: the approach, participants, factors and
    their weights, the sensitivity settings, every unit not scored with its reason, and the
    ``top`` candidates (score, its range, fixed and changeable parts, contributions, levers) or,
    when ``groups`` is given, those groups."""
    cfg = tr.config["transfer"]
    doc: dict = {"approach": {"iri": tr.approach, "label": tr.approach_label, "kind": tr.approach_kind},
                 "as_of": str(tr.as_of) if tr.as_of else None,
                 "participants": [{"iri": p, "label": tr.data.label(p)} for p in tr.participants],
                 "factors": {f: {"label": FACTOR_LABELS[f], "weight": cfg["weights"][f]} for f in FACTOR_LABELS},
                 "uncertainty": {k: cfg["uncertainty"][k] for k in ("draws", "weight_concentration", "level", "seed")},
                 "not_scored": [{"iri": u, **row} for u, row in zip(tr.not_scored, tr.not_scored_rows())]}
    if groups is not None:
        doc["groups"] = [{"rank": g.rank, "units": [{"iri": u, "label": tr.data.label(u)} for u in g.units],
                          "score": g.score, "fit": g.fit, "cohesion": g.cohesion, "explanation": g.explanation}
                         for g in groups]
    else:
        doc["candidates"] = [{"rank": c.rank, "iri": c.unit, "key": c.key, "label": c.label, "score": c.score,
                              "score_range": c.score_range, "rank_range": c.rank_range,
                              "fixed": round(c.fixed, 12), "changeable": round(c.changeable, 12),
                              "contributions": c.contributions, "values": c.values, "explanation": c.explanation,
                              "levers": [vars(lv) for lv in c.levers]}
                             for c in tr.candidates[:top]]
    return doc
