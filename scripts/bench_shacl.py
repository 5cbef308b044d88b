"""Time SHACL validation on bigger graphs: the oxigraph engine (SPARQL on the store) against pySHACL.

    python scripts/bench_shacl.py                         # 1, 10, 50, 100 and 200 copies of the data
    python scripts/bench_shacl.py --copies 1 20 --max-pyshacl 500000

The graph is made N times bigger by copying the data triples under renamed IRIs: every IRI below
``https://w3id.org/ikz-graph/id/`` becomes ``…/id/c{k}/…`` in copy k (subjects and objects alike, so each
copy is a complete, linked replica); the ontology is kept once. In every copy one membership loses its
``dct:source``, so each engine must report exactly N violations, and the two reports are compared.
pySHACL's time includes copying the graph into rdflib, which it needs (the copy alone is also shown).
Garbage is collected before each timing. Nothing is asserted about speed.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

import ikz_graph  # noqa: E402
from ikz_graph import namespaces as ns  # noqa: E402
from ikz_graph.graph import KnowledgeGraph  # noqa: E402

PLANTED = (ns.ID + "membership/emh/07233/lead-partner/2021", ns.DCT + "source")


def scaled(kg: KnowledgeGraph, copies: int) -> KnowledgeGraph:
    """``copies`` renamed replicas of the data (one planted missing source in each) plus the ontology."""
    def rename(term, k):
        if isinstance(term, ox.NamedNode) and term.value.startswith(ns.ID):
            return ox.NamedNode(f"{ns.ID}c{k}/{term.value[len(ns.ID):]}")
        return term

    data = []
    for k in range(copies):
        for t in kg.data_triples:
            if t.subject.value == PLANTED[0] and t.predicate.value == PLANTED[1]:
                continue
            data.append(ox.Triple(rename(t.subject, k), t.predicate, rename(t.object, k)))
    return KnowledgeGraph(kg.ontology_triples, data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, nargs="+", default=[1, 10, 50, 100, 200])
    ap.add_argument("--max-pyshacl", type=int, default=1_100_000, help="skip pySHACL above this many triples")
    args = ap.parse_args()
    base = ikz_graph.load()
    print(f"{'copies':>6} {'triples':>9} {'oxigraph s':>10} {'pySHACL s':>10} {'(rdflib copy s)':>15} {'ratio':>6}  same")
    for n in args.copies:
        kg = scaled(base, n)
        gc.collect()  # leftovers of the previous round must not be collected inside a timing
        t0 = time.perf_counter()
        a = ikz_graph.validate(kg, engine="oxigraph")
        t_ox = time.perf_counter() - t0
        assert len(a.violations) == n, (n, len(a.violations))
        if len(kg) > args.max_pyshacl:
            print(f"{n:>6} {len(kg):>9} {t_ox:>10.2f} {'skipped':>10}")
            continue
        gc.collect()
        t0 = time.perf_counter()
        kg.to_rdflib()
        t_copy = time.perf_counter() - t0
        gc.collect()
        t0 = time.perf_counter()
        b = ikz_graph.validate(kg, engine="pyshacl")  # converts to rdflib itself, then runs pySHACL
        t_py = time.perf_counter() - t0
        same = a.violations == b.violations
        print(f"{n:>6} {len(kg):>9} {t_ox:>10.2f} {t_py:>10.2f} {t_copy:>15.2f} {t_py / t_ox:>6.1f}  {same}", flush=True)


if __name__ == "__main__":
    main()
