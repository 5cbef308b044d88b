"""Time SHACL validation: the oxigraph engine (SPARQL on the store) against pySHACL, and what the engine's
care for lexical forms and pre-binding costs.

    python scripts/bench_shacl.py                                  # the real graph, 100k and 1m (synthetic)
    python scripts/bench_shacl.py --sizes data,100k --runs 5 --max-pyshacl 200000

For each size (``data`` is the project's ``data/``; ``100k`` and ``1m`` are written by the synthetic
generator into a temporary folder) the script loads the graph and times, as the median of ``--runs``:

* ``oxigraph``: ``ikz_graph.validate(kg)`` (the project's graph, validated on its own store);
* ``pyshacl``: the same with pySHACL (once; it includes the copy into rdflib; skipped above
  ``--max-pyshacl`` triples);
* ``file``: ``validate --graph`` on the N-Triples export (parsing the file into a list and a new store);
* ``file, lossy``: the same file with every ``xsd:decimal`` written with a trailing 0 (``"2.5"`` ->
  ``"2.50"``) and every ``xsd:boolean`` as ``1``/``0``, so that these literals are kept as surrogates;
* ``sparql``: one SPARQL constraint with ``$this`` in a nested group, over every ``org:Membership``
  (pre-binding through one LATERAL query).

Garbage is collected before each timing. Nothing is asserted about speed.
"""
from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ikz_graph  # noqa: E402
from ikz_graph.exports import serialize  # noqa: E402
from ikz_graph.shacl import validate_file  # noqa: E402
from ikz_graph.synthetic import generate  # noqa: E402

SPARQL_SHAPE = """
ikzsh:BenchPrebinding a sh:NodeShape ; sh:targetClass org:Membership ;
  sh:sparql [ sh:prefixes ikzsh: ; sh:select \"\"\"SELECT $this WHERE { { $this ikz:inPhase ?p } UNION
      { FILTER NOT EXISTS { $this <http://purl.org/dc/terms/source> ?s } } }\"\"\" ] .
"""


def timed(fn, runs: int) -> tuple[float, object]:
    out, times = None, []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def lossy(nt: bytes) -> bytes:
    """The N-Triples with decimals given a trailing 0 and booleans written 1/0 (valid, but not canonical)."""
    dec = re.compile(rb'"(-?[0-9]+\.[0-9]+)"\^\^<http://www\.w3\.org/2001/XMLSchema#decimal>')
    out = dec.sub(rb'"\g<1>0"^^<http://www.w3.org/2001/XMLSchema#decimal>', nt)
    for word, digit in ((b"true", b"1"), (b"false", b"0")):
        out = out.replace(b'"' + word + b'"^^<http://www.w3.org/2001/XMLSchema#boolean>',
                          b'"' + digit + b'"^^<http://www.w3.org/2001/XMLSchema#boolean>')
    return out


def bench(size: str, data_dir: Path | None, work: Path, runs: int, max_pyshacl: int) -> None:
    from ikz_graph.paths import ontology_dir

    kg = ikz_graph.load(data_dir)
    n = len(kg)
    t_ox, rep = timed(lambda: ikz_graph.validate(kg), runs)
    row = [size, f"{n:,}", f"{t_ox:.2f}"]
    if n <= max_pyshacl:
        t_py, rep_py = timed(lambda: ikz_graph.validate(kg, engine="pyshacl"), 1)
        same = "yes" if rep_py.violations == rep.violations and rep_py.conforms == rep.conforms else "NO"
        row += [f"{t_py:.2f}", f"{t_py / t_ox:.0f}", same]
    else:
        row += ["skipped", "", ""]
    nt = work / f"{size}.nt"
    nt.write_bytes(serialize(kg, "nt"))
    t_file, rep_file = timed(lambda: validate_file(nt), runs)
    bad = work / f"{size}-lossy.nt"
    bad.write_bytes(lossy(nt.read_bytes()))
    t_lossy, rep_lossy = timed(lambda: validate_file(bad), runs)
    shapes = work / "prebinding.ttl"
    shapes.write_text((ontology_dir() / "shapes.ttl").read_text(encoding="utf-8") + SPARQL_SHAPE, encoding="utf-8")
    t_sparql, rep_sparql = timed(lambda: ikz_graph.validate(kg, shapes), runs)
    row += [f"{t_file:.2f}", f"{t_lossy:.2f}", f"{t_sparql - t_ox:+.2f}",
            "yes" if rep_file.violations == rep.violations and rep_lossy.conforms == rep.conforms else "NO"]
    print("| " + " | ".join(row) + " |", flush=True)
    del kg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="data,100k,1m", help="comma-separated: data, rlp, 100k, 1m")
    ap.add_argument("--runs", type=int, default=3, help="runs of each oxigraph timing (median)")
    ap.add_argument("--max-pyshacl", type=int, default=1_100_000, help="skip pySHACL above this many triples")
    args = ap.parse_args()
    print("| size | triples | oxigraph s | pySHACL s | ratio | same report | --graph file s | "
          "--graph lossy file s | + SPARQL constraint s | file reports same |")
    print("|---|---:|---:|---:|---:|:---:|---:|---:|---:|:---:|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in args.sizes.split(","):
            data_dir = None
            if size != "data":
                data_dir = work / size
                generate(size, data_dir)
            bench(size, data_dir, work, args.runs, args.max_pyshacl)


if __name__ == "__main__":
    main()
