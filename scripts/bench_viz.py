"""Measure how long the viz takes: the real RLP graph and synthetic graphs of thousands of nodes.

    python scripts/bench_viz.py                 # RLP views + synthetic 1,000 and 5,000 nodes
    python scripts/bench_viz.py --browser       # also open each page in headless Chromium
    python scripts/bench_viz.py --pyvis-loop    # also time pyvis add_node/add_edge (slow)
    python scripts/bench_viz.py --maps --browser --sizes ""   # the maps of the national graph only

With ``--maps`` each map is written in a fresh process that has only opened the built national store
(``--base de``), so its time includes reading the read model and running the analysis or ranking.

Prints a table; nothing is asserted (timings depend on the machine).
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ikz_graph  # noqa: E402
from ikz_graph import viz  # noqa: E402


def synthetic(n: int, seed: int = 1) -> viz.VizGraph:
    """``n`` nodes: 90 % units in regions of about 40, 10 % bodies each with 3-12 members, plus borders."""
    rnd = random.Random(seed)
    n_units = int(n * 0.9)
    nodes, edges = [], []
    for i in range(n_units):
        nodes.append({"id": f"u{i}", "label": f"Gemeinde Nr. {i} (Süd)", "full": f"Gemeinde Nr. {i} (Süd)",
                      "kind": "district" if i % 4 else "city", "key": f"{i:05d}",
                      "tip": viz.tooltip_html(f"Gemeinde {i}", "district", [("key", f"{i:05d}")])})
    for j in range(n - n_units):
        nodes.append({"id": f"b{j}", "label": f"Zweckverband {j}", "full": f"Zweckverband {j}", "kind": "formal body",
                      "key": "", "tip": viz.tooltip_html(f"Zweckverband {j}", "formal body")})
        region = rnd.randrange(max(1, n_units // 40))
        for _ in range(rnd.randint(3, 12)):
            u = min(n_units - 1, region * 40 + rnd.randrange(40))
            edges.append({"from": f"u{u}", "to": f"b{j}", "tie": "body", "tip": ""})
    for i in range(n_units):
        for d in (1, 7):
            if i + d < n_units and (i // 40 == (i + d) // 40 or rnd.random() < 0.05):
                edges.append({"from": f"u{i}", "to": f"u{i + d}", "tie": "contiguity", "tip": ""})
    return viz.VizGraph(f"synthetic {n}", "overview", nodes, edges)


def pyvis_loop(g: viz.VizGraph) -> float:
    from pyvis.network import Network

    t0 = time.perf_counter()
    net = Network()
    for n in g.nodes:
        net.add_node(n["id"], label=n["label"], title=n["tip"])
    for e in g.edges:
        net.add_edge(e["from"], e["to"])
    return time.perf_counter() - t0


MAP_CASES = [("map DE Kreise", "kreis", None), ("map RLP VG", "gemeindeverband", None),
             ("map RLP VG transfer", "gemeindeverband", ("transfer", "kfz-zulassung")),
             ("map DE transfer", "kreis", ("transfer", "vorderpfalz"))]
_MAP_CHILD = """
import sys, time, json
import ikz_graph
from ikz_graph.viz import write_map
kg = ikz_graph.load(base="de")
t0 = time.perf_counter()
p, m = write_map(kg, sys.argv[1], sys.argv[2], tuple(json.loads(sys.argv[3])) if sys.argv[3] != "null" else None)
print(json.dumps([time.perf_counter() - t0, len(m.areas), p.stat().st_size]))
"""


def map_rows(tmp: Path) -> list[list]:
    """Each map written in a fresh process (the store opened first, not timed)."""
    import json
    import subprocess

    rows = []
    for name, level, of in MAP_CASES:
        out = tmp / f"{name.replace(' ', '-')}.html"
        r = subprocess.run([sys.executable, "-c", _MAP_CHILD, str(out), level, json.dumps(of)], capture_output=True,
                           text=True, cwd=ROOT, check=True)
        seconds, areas, size = json.loads(r.stdout.strip().splitlines()[-1])
        rows.append([name, areas, 0, seconds, 0.0, size, None, None, out])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--browser", action="store_true", help="open each page in headless Chromium")
    ap.add_argument("--pyvis-loop", action="store_true", help="also time pyvis add_node/add_edge")
    ap.add_argument("--sizes", default="1000,5000", help="synthetic sizes (comma-separated)")
    ap.add_argument("--maps", action="store_true", help="also write the maps of the national graph (--base de)")
    args = ap.parse_args()
    browser = None
    if args.browser:
        sys.path.insert(0, str(ROOT))
        from tests.browser import Browser
        browser = Browser()
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="ikz-bench-"))
    try:
        t0 = time.perf_counter()
        kg = ikz_graph.load()
        load_s = time.perf_counter() - t0
        cases = [("RLP overview", "overview", None), ("RLP project emh", "project", "emh"),
                 ("RLP unit 07233", "unit", "07233")]
        for name, view, target in cases:
            t0 = time.perf_counter()
            g = viz.build_view(kg, view, target)
            t1 = time.perf_counter()
            page = viz.render_graph(g)
            t2 = time.perf_counter()
            rows.append([name, len(g.nodes), len(g.edges), t1 - t0, t2 - t1, len(page), None, None])
            (tmp / f"{view}.html").write_text(page, encoding="utf-8")
            rows[-1].append(tmp / f"{view}.html")
        for n in [int(x) for x in args.sizes.split(",") if x]:
            t0 = time.perf_counter()
            g = synthetic(n)
            t1 = time.perf_counter()
            viz.finish(g)
            t2 = time.perf_counter()
            page = viz.render_graph(g)
            t3 = time.perf_counter()
            loop = pyvis_loop(g) if args.pyvis_loop else None
            rows.append([f"synthetic {n}", len(g.nodes), len(g.edges), (t1 - t0) + (t2 - t1), t3 - t2, len(page),
                         loop, None, tmp / f"syn{n}.html"])
            (tmp / f"syn{n}.html").write_text(page, encoding="utf-8")
        if args.maps:
            rows += map_rows(tmp)
        if browser:
            for r in rows:
                res = browser.open(r[8], timeout=300)
                r[7] = res["seconds"] if res["ready"] else float("nan")
    finally:
        if browser:
            browser.close()
    print(f"graph loaded in {load_s:.2f} s")
    print(f"{'case':<18} {'nodes':>6} {'edges':>6} {'build+layout s':>14} {'render s':>9} {'HTML bytes':>11}"
          f" {'pyvis add_* s':>13} {'browser ready s':>15}")
    for name, n, e, b, r, size, loop, br, _ in rows:
        lp = f"{loop:.2f}" if loop is not None else "-"
        bs = f"{br:.2f}" if br is not None else "-"
        print(f"{name:<18} {n:>6} {e:>6} {b:>14.2f} {r:>9.2f} {size:>11} {lp:>13} {bs:>15}")


if __name__ == "__main__":
    main()
