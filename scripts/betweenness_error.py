"""Measure the error of the sampled betweenness against the exact one on a data set.

    python scripts/betweenness_error.py DATA_DIR [--samples 250 500 1000]

Prints, per sample size: time, Spearman rank correlation with the exact values, the largest
absolute error (normalised betweenness), and how many of the exact top-quarter units (the broker
cut) the estimate also puts in its top quarter. The exact run takes minutes at Germany scale.
"""
from __future__ import annotations

import argparse
import time

import ikz_graph
from ikz_graph.config import load_config
from ikz_graph.network import _betweenness, _igraph, cooperation_network
from ikz_graph.readmodel import read


def spearman(a: list[float], b: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def top_quarter(values: dict[str, float]) -> set[str]:
    ranked = sorted(values, key=lambda k: -values[k])
    return set(ranked[: len(ranked) // 4])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--samples", type=int, nargs="+", default=[250, 500, 1000])
    args = ap.parse_args()
    kg = ikz_graph.load(args.data)
    G = cooperation_network(read(kg))
    h, nodes = _igraph(G)
    cfg = load_config()
    t = time.perf_counter()
    exact, _ = _betweenness(h, nodes, {**cfg, "betweenness": {**cfg["betweenness"], "exact_max_nodes": 10**9}})
    t_exact = time.perf_counter() - t
    print(f"{len(nodes)} units, {G.number_of_edges()} unit pairs with ties; exact betweenness {t_exact:.1f} s")
    print("| sources | seconds | Spearman | max abs error | top-quarter overlap |")
    print("|---|---|---|---|---|")
    top = top_quarter(exact)
    for k in args.samples:
        c = {**cfg, "betweenness": {**cfg["betweenness"], "exact_max_nodes": 0, "samples": k}}
        t = time.perf_counter()
        est, _ = _betweenness(h, nodes, c)
        secs = time.perf_counter() - t
        rho = spearman([exact[n] for n in nodes], [est[n] for n in nodes])
        err = max(abs(exact[n] - est[n]) for n in nodes)
        overlap = len(top & top_quarter(est)) / len(top)
        print(f"| {k} | {secs:.1f} | {rho:.4f} | {err:.5f} | {overlap:.1%} |")


if __name__ == "__main__":
    main()
