"""Benchmark of the ikz-graph pipeline against rdflib's in-memory store and the raw pyoxigraph floor.

    python bench/benchmark.py                          # sizes rlp,100k,1m; 3 runs; medians
    python bench/benchmark.py --sizes rlp --runs 1     # quick
    python bench/benchmark.py --json bench.json        # also the raw numbers

For each size the data is generated once (``ikz_graph.synthetic``; the size ``data`` is the
project's own data/ folder), then every run of every mode is a fresh subprocess of this script
(``--worker``) that runs its steps in order and reports, per step, the wall time
(``time.perf_counter``) and the peak resident memory of the process during that step (the kernel's
high-water mark VmHWM, reset before each step through ``/proc/self/clear_refs``; where that does
not work, a thread sampling VmRSS every 5 ms). The table printed on stdout shows the median of the
runs with their min–max, a step stopped by --timeout as a lower bound (``> N s``), and the growth
exponent of each ikz step against the triple count between consecutive sizes. The modes are
interleaved run by run (run 1 of every mode, then run 2, ...) and the load average is recorded at
the start and end of the benchmark and of every run. Nothing is asserted about speed: performance
is measured, not assumed.

Modes:

* ``ikz``: the project's pipeline on the embedded Oxigraph store (build, validate, every named
  query, analyze, transfer, viz, each export);
* ``rdflib``: the same records as triples in ``rdflib.Graph()`` (default Memory store); validate
  is pySHACL run directly on that graph; queries, analyze, transfer and viz run through
  :class:`rdflib_source.RdflibSource`; exports are rdflib's serializers;
* ``floor``: raw pyoxigraph, ``Store.bulk_load`` of the Turtle file the ikz export wrote, then the
  same named queries with the same bound terms;
* ``pyshacl``: ``pyshacl.validate(ikz.ttl, shacl_graph=shapes.ttl)`` with the project's options,
  the reference for the SHACL target.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

# smallest first; "data" is the real data/ folder (curated records only), "de" the same with the national
# official base layer (data/base/), the real size
SIZES = ("data", "rlp", "100k", "de", "1m")
DEFAULT_SIZES = ("rlp", "100k", "de", "1m")
#: The sizes that are the project's own data, not the synthetic generator's: no growth exponent is
#: taken between them and a synthetic size (other data, not more of the same).
REAL_SIZES = ("data", "de")
MODES = ("ikz", "rdflib", "floor", "pyshacl")
EXPORTS = ("ttl", "nt", "jsonld", "trig")
MB = 1_000_000

# Parameters for the real data/ folder (the synthetic sizes bring their own in _bench.json).
DATA_BENCH = {
    "size": "data",
    "base": "none",
    "approach": "kfz-zulassung",
    "viz": {"view": "transfer", "target": "kfz-zulassung"},
    "params": {
        "neighbours": {"unit": "07233"},
        "cooperation-as-of": {"date": "2022-01-01"},
        "entity-sources": {"entity": "emh"},
        "unit-memberships": {"unit": "07233"},
        "project-members": {"project": "emh"},
        "units-in": {"unit": "07233"},
        "unit-hierarchy": {"unit": "07233"},
        "units-by-population": {"level": "kreis", "min": "0", "max": "1000000000"},
        "units-as-of": {"date": "2024-06-30", "unit": "07"},
        "transfer-candidates": {"approach": "kfz-zulassung"},
    },
}

# The maps written at the size "de" (the ones with boundaries): step name, level, what colours them.
MAPS = [["map:kreis", "kreis", None], ["map:vg-rlp", "gemeindeverband", None],
        ["map:vg-rlp-transfer", "gemeindeverband", ["transfer", "kfz-zulassung"]]]

# Validation options of ikz_graph/shacl.py, used for the pySHACL rows too.
SHACL_OPTIONS = {"inference": "none", "advanced": True, "allow_warnings": True}


class BenchError(Exception):
    """The benchmark could not run (bad option, failed worker); exit code 2."""


# =========================================================================== memory per step

def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """Peak resident memory of this process during a block: ``with meter: ...; meter.peak_mb``.

    Uses the kernel's high-water mark (VmHWM, reset by writing ``5`` to /proc/self/clear_refs)
    when that works, else a thread that samples VmRSS every 5 ms (``method`` says which).
    """

    def __init__(self) -> None:
        self.method = "VmHWM" if self._hwm_resets() else "sampling"
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._max_kb = 0

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            return True
        except OSError:
            return False

    def _hwm_resets(self) -> bool:
        """Check that a reset really brings VmHWM down to the current RSS (after a 64 MB spike)."""
        if _status_kb("VmHWM") is None:
            return False
        spike = bytearray(64 * 1024 * 1024)
        for i in range(0, len(spike), 4096):
            spike[i] = 1
        del spike
        if not self._reset():
            return False
        hwm, rss = _status_kb("VmHWM"), _status_kb("VmRSS")
        return hwm is not None and rss is not None and hwm < rss + 32 * 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._max_kb = max(self._max_kb, _status_kb("VmRSS") or 0)

    def __enter__(self) -> "PeakMemory":
        if self.method == "VmHWM":
            self._reset()
        else:
            self._max_kb = _status_kb("VmRSS") or 0
            self._stop.clear()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.method == "VmHWM":
            kb = _status_kb("VmHWM") or 0
        else:
            self._stop.set()
            assert self._thread is not None
            self._thread.join()
            kb = max(self._max_kb, _status_kb("VmRSS") or 0)
        self.peak_mb = kb * 1024 / MB


# =========================================================================== the worker (one run of one mode)

def _steps_ikz(data_dir: Path, out_dir: Path, bench: dict) -> list[tuple[str, Callable[[dict], Any]]]:
    import ikz_graph
    from ikz_graph.atomic import write_file
    from ikz_graph.exports import serialize

    st: dict[str, Any] = {}

    def build(info):
        st["kg"] = ikz_graph.load(data_dir=data_dir)
        info["triples"] = len(st["kg"])

    def reopen(info):
        st["kg"] = ikz_graph.load(data_dir=data_dir)
        info["origin"] = st["kg"].origin

    def validate(info):
        r = ikz_graph.validate(st["kg"])
        info.update(conforms=r.conforms, violations=len(r.violations))

    def query(name):
        def run(info):
            info["rows"] = len(ikz_graph.run_query(st["kg"], name, bench["params"].get(name, {})))
        return run

    def export(fmt):
        def run(info):
            p = write_file(out_dir / f"ikz.{fmt}", serialize(st["kg"], fmt))
            info["bytes"] = p.stat().st_size
        return run

    def include(info):
        info["added"] = st["kg"].add_file(results_file(out_dir))

    def draw_map(level, of):
        def run(info):
            from ikz_graph.viz import write_map

            p, m = write_map(st["kg"], out_dir / f"map-{level}.html", level, tuple(of) if of else None)
            info.update(bytes=p.stat().st_size, areas=len(m.areas))
        return run

    steps = _mode_steps(build, validate, query, lambda: st["kg"], export, out_dir, bench, include)
    if bench.get("base", "none") != "none":  # the built store on disk: what a later command opens
        steps.insert(1, ("open", reopen))
    at = next(i for i, (name, _) in enumerate(steps) if name == "viz") + 1
    steps[at:at] = [(name, draw_map(level, of)) for name, level, of in bench.get("maps", [])]
    return steps


#: The named queries that read analysis results: they run after ``include:results``, which adds the
#: results of the ikz run's analyze and transfer steps (``results.ttl``) as ``query --include`` does.
RESULT_QUERIES = ("clusters", "transfer-candidates")


def results_file(out_dir: Path) -> Path:
    """The analysis and transfer results the ikz run writes (untimed) beside its exports."""
    return Path(out_dir).parent / "ikz" / "results.ttl"


def _mode_steps(build, validate, query, source, export, out_dir: Path, bench: dict,
                include) -> list[tuple[str, Callable[[dict], Any]]]:
    """The steps of the ikz and rdflib modes, in table order: build, validate, each named query,
    analyze, transfer, viz, each export, then ``include:results`` and the queries that read them
    (``query(name)`` and ``export(fmt)`` make the step)."""
    from ikz_graph.queries import list_queries

    names = [q.name for q in list_queries()]
    return ([("build", build), ("validate", validate)]
            + [(f"query:{n}", query(n)) for n in names if n not in RESULT_QUERIES]
            + _analysis_steps(source, out_dir, bench)
            + [(f"export:{f}", export(f)) for f in EXPORTS]
            + [("include:results", include)] + [(f"query:{n}", query(n)) for n in names if n in RESULT_QUERIES])


def _analysis_steps(source: Callable[[], Any], out_dir: Path, bench: dict) -> list[tuple[str, Callable[[dict], Any]]]:
    """analyze, transfer and viz on the graph ``source()`` returns (either mode); the ikz run then
    writes their results (untimed) for ``include:results``."""
    import ikz_graph

    st: dict[str, Any] = {"triples": []}
    started = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    keep = results_file(out_dir).parent == Path(out_dir)      # only the ikz run writes them

    def analyze(info):
        st["analysis"] = ikz_graph.analyze(source())
        info["clusters"] = len(st["analysis"].clusters)

    def transfer(info):
        st["transfer"] = ikz_graph.transfer(source(), bench["approach"])
        info["candidates"] = len(st["transfer"].candidates)

    def viz(info):
        p = ikz_graph.write_viz(source(), out_dir / "viz.html", bench["viz"]["view"], bench["viz"].get("target"))
        info["bytes"] = p.stat().st_size

    def keep_analysis(info):   # the results as triples, and the run's objects let go before the next step
        from ikz_graph.results import analysis_triples

        a = st.pop("analysis", None)      # None when the step failed (a result of that mode)
        if keep and a is not None:
            st["triples"] += analysis_triples(a, started)

    def keep_transfer(info):
        from ikz_graph.atomic import write_file
        from ikz_graph.results import to_turtle, transfer_triples

        t = st.pop("transfer", None)
        if keep and t is not None:
            write_file(results_file(out_dir), to_turtle(st.pop("triples") + transfer_triples(t, started=started)))

    return [("analyze", analyze), ("-analysis", keep_analysis), ("transfer", transfer), ("-transfer", keep_transfer),
            ("viz", viz)]


def _steps_rdflib(data_dir: Path, out_dir: Path, bench: dict) -> list[tuple[str, Callable[[dict], Any]]]:
    from ikz_graph.atomic import write_file
    from ikz_graph.paths import ontology_dir
    from ikz_graph.queries import bind_params, get_query

    st: dict[str, Any] = {}

    def build(info):
        from ikz_graph.base import scope
        from ikz_graph.graph import load_ontology
        from ikz_graph.pipeline import graph_triples
        from rdflib_source import RdflibSource

        onto = load_ontology()
        st["src"] = RdflibSource(set(onto) | graph_triples(data_dir, onto, scope(None)))
        info["triples"] = len(st["src"])

    def validate(info):
        import rdflib
        from pyshacl import validate as shacl

        sg = rdflib.Graph().parse(ontology_dir() / "shapes.ttl", format="turtle")
        conforms, results, _ = shacl(st["src"].graph, shacl_graph=sg, **SHACL_OPTIONS)
        info["conforms"] = bool(conforms)

    def query(name):
        def run(info):
            q = get_query(name)
            src = st["src"]
            info["rows"] = len(src.query(q.text, bind_params(src, q, bench["params"].get(name, {}))))
        return run

    formats = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "trig": "trig"}

    def include(info):
        before = len(st["src"].graph)
        st["src"].graph.parse(results_file(out_dir), format="turtle")
        info["added"] = len(st["src"].graph) - before

    def export(fmt):
        def run(info):
            data = st["src"].graph.serialize(format=formats[fmt], encoding="utf-8")
            p = write_file(out_dir / f"rdflib.{fmt}", data)
            info["bytes"] = p.stat().st_size
        return run

    return _mode_steps(build, validate, query, lambda: st["src"], export, out_dir, bench, include)


class _StoreSource:
    """A bare pyoxigraph store with ``query(sparql, bindings)``: used only to resolve entity
    parameters to IRIs before the floor's timed steps."""

    def __init__(self, store):
        self.store = store

    def query(self, sparql, bindings=None):
        import pyoxigraph as ox
        from ikz_graph import namespaces as ns
        from ikz_graph.graph import Result

        res = self.store.query(sparql, prefixes=ns.PREFIXES,
                               substitutions={ox.Variable(k): v for k, v in (bindings or {}).items()} or None)
        cols = [v.value for v in res.variables]
        return Result(cols, [{c: s[c] for c in cols} for s in res])


def _steps_floor(ttl: Path, bench: dict) -> list[tuple[str, Callable[[dict], Any]]]:
    import pyoxigraph as ox
    from ikz_graph import namespaces as ns
    from ikz_graph.queries import bind_params, list_queries

    st: dict[str, Any] = {}
    queries = list_queries()

    def load(info):
        store = ox.Store()
        store.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE)
        st["store"] = store
        info["triples"] = len(store)
        # Not part of the floor: the same bound terms as the ikz run, resolved after the clock stopped.
        st["bindings"] = {}

    def query(q):
        def run(info):
            subs = {ox.Variable(k): v for k, v in st["bindings"][q.name].items()}
            res = st["store"].query(q.text, prefixes=ns.PREFIXES, substitutions=subs or None)
            info["rows"] = sum(1 for _ in res)
        return run

    def prepare() -> None:
        src = _StoreSource(st["store"])
        st["bindings"] = {q.name: bind_params(src, q, bench["params"].get(q.name, {})) for q in queries}

    def include(info):
        before = len(st["store"])
        st["store"].bulk_load(path=str(results_file(ttl.parent)), format=ox.RdfFormat.TURTLE)
        info["added"] = len(st["store"]) - before

    steps: list[tuple[str, Callable[[dict], Any]]] = [("build", load), ("-prepare", lambda info: prepare())]
    return (steps + [(f"query:{q.name}", query(q)) for q in queries if q.name not in RESULT_QUERIES]
            + [("include:results", include)] + [(f"query:{q.name}", query(q)) for q in queries if q.name in RESULT_QUERIES])


def _steps_pyshacl(ttl: Path) -> list[tuple[str, Callable[[dict], Any]]]:
    def run(info):
        from pyshacl import validate as shacl

        from ikz_graph.paths import ontology_dir

        conforms, _, _ = shacl(str(ttl), shacl_graph=str(ontology_dir() / "shapes.ttl"), data_graph_format="turtle",
                               shacl_graph_format="turtle", **SHACL_OPTIONS)
        info["conforms"] = bool(conforms)
    return [("pyshacl-direct", run)]


def _steps_selftest(bench: dict) -> list[tuple[str, Callable[[dict], Any]]]:
    """Steps that check the memory meter (200 MB allocated and touched, then freed) and the
    timeout (``idle`` sleeps ``bench["sleep"]`` seconds)."""
    st: dict[str, Any] = {}

    def alloc(info):
        b = bytearray(200 * MB)
        for i in range(0, len(b), 4096):
            b[i] = 1
        st["b"] = b

    def free(info):
        st.pop("b")

    def idle(info):
        time.sleep(bench.get("sleep", 0.05))

    return [("alloc-200MB", alloc), ("free", free), ("idle", idle)]


def worker(mode: str, data_dir: Path, out_dir: Path, ttl: Path | None, bench: dict, label: str,
           emit: Callable[[dict], None]) -> None:
    """Run the steps of ``mode`` once, in order; ``emit`` gets one record per event, as it happens:
    ``{"mode", "memory"}`` first, ``{"start": step, "t": wall clock}`` before and ``{"step", "seconds",
    "peak_mb", "info"[, "error"]}`` after each step, ``{"fatal": text}`` when nothing more can run, and
    ``{"done": true}`` at the end. Streaming lets the parent keep the finished steps of a run it
    has to stop (--timeout)."""
    from ikz_graph.progress import Progress

    out_dir.mkdir(parents=True, exist_ok=True)
    if mode == "ikz":
        steps = _steps_ikz(data_dir, out_dir, bench)
    elif mode == "rdflib":
        steps = _steps_rdflib(data_dir, out_dir, bench)
    elif mode == "floor":
        steps = _steps_floor(ttl, bench)
    elif mode == "pyshacl":
        steps = _steps_pyshacl(ttl)
    elif mode == "selftest":
        steps = _steps_selftest(bench)
    else:
        raise BenchError(f"unknown mode {mode!r}")
    meter = PeakMemory()
    emit({"mode": mode, "memory": meter.method})
    with Progress(label, total=len(steps)) as bar:
        for name, fn in steps:
            bar.advance(0, label=f"{label} · {name}")
            info: dict[str, Any] = {}
            if name.startswith("-"):      # preparation, not measured
                fn(info)
                bar.advance()
                continue
            emit({"start": name, "t": time.time()})   # the parent's bound on a step it stops
            err = None
            with meter:
                t0 = time.perf_counter()
                try:
                    fn(info)
                except Exception as e:  # a failing step is a result (e.g. rdflib cannot run a query)
                    err = f"{type(e).__name__}: {e}".splitlines()[0][:300]
                seconds = time.perf_counter() - t0
            rec = {"step": name, "seconds": seconds, "peak_mb": meter.peak_mb, "info": info}
            if err:
                rec["error"] = err
            emit(rec)
            if err and name == "build":   # nothing after it can run
                emit({"fatal": f"{name}: {err}"})
                return
            bar.advance()
    emit({"done": True})


def read_events(text: str, timeout: float | None = None, stopped_at: float | None = None) -> dict:
    """Turn the worker's event lines into ``{"mode", "memory", "steps"[, "fatal"][, "timeout"]}``.

    A run without its ``done`` line was stopped: the step it was in is recorded as failed with a
    timeout (when ``timeout`` is given) and the steps after it are missing. That step keeps
    ``"lower_bound_s"``, how long it had run when stopped: ``stopped_at`` (the wall clock when the
    parent stopped the worker) minus the step's start stamp, or ``timeout`` when either is unknown.
    """
    out: dict[str, Any] = {"mode": "", "memory": "", "steps": []}
    running, started, done = None, None, False
    for line in text.splitlines():
        if not line.strip():
            continue
        ev = json.loads(line)
        if "start" in ev:
            running, started = ev["start"], ev.get("t")
        elif "step" in ev:
            out["steps"].append(ev)
            running = None
        elif "done" in ev:
            done = True
        elif "fatal" in ev:
            out["fatal"] = ev["fatal"]
        else:
            out.update(ev)
    if not done and "fatal" not in out:
        if timeout is not None:
            out["timeout"] = timeout
            if running:
                bound = (max(0.0, stopped_at - started) if stopped_at is not None and started is not None
                         else float(timeout))
                out["steps"].append({"step": running, "seconds": None, "peak_mb": None, "info": {},
                                     "error": f"timeout: still running after {timeout:g} s (--timeout)",
                                     "lower_bound_s": bound})
        else:
            out["fatal"] = f"the worker stopped during {running or 'its start'}"
    return out


# =========================================================================== the parent

def parse_sizes(text: str) -> list[str]:
    """``"rlp,100k"`` -> ``["rlp", "100k"]`` in size order; an unknown size raises BenchError."""
    sizes = [s.strip().lower() for s in text.split(",") if s.strip()]
    if not sizes:
        raise BenchError("--sizes is empty (give e.g. rlp,100k,1m)")
    bad = [s for s in sizes if s not in SIZES]
    if bad:
        raise BenchError(f"unknown size {', '.join(map(repr, bad))} in --sizes (known: {', '.join(SIZES)})")
    return sorted(set(sizes), key=SIZES.index)


def median(values: list[float]) -> float | None:
    """The median (mean of the middle two for an even count); None for no values."""
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


PIPELINE_EXTRA = ("analyze", "transfer", "export:ttl")


def pipeline_steps(steps: list[str], mode: str) -> list[str]:
    """The steps of the pipeline row: build + every named query and the inclusion of the results
    they read (+ analyze, transfer, export:ttl except for the floor, which only loads and queries)."""
    qs = [s for s in steps if s.startswith("query:") or s == "include:results"]
    return ["build"] + qs + ([] if mode == "floor" else [s for s in PIPELINE_EXTRA if s in steps])


def spread(values: list[float]) -> list[float] | None:
    """``[min, max]`` of the values when there are two or more, else None (nothing to spread)."""
    vals = [v for v in values if v is not None]
    return [min(vals), max(vals)] if len(vals) > 1 else None


def aggregate(runs: list[dict]) -> dict[str, dict]:
    """Medians over the runs of one mode at one size: {step: {seconds, spread, peak_mb, n, errors,
    info, lower_bound}}, plus a ``pipeline`` entry whose time is the median of the per-run sums and
    whose peak is the median of the per-run maxima.

    ``spread`` is ``[min, max]`` of the seconds over the runs (None with fewer than two);
    ``lower_bound`` is, for a step that no run finished but some run was stopped in by --timeout,
    the median of how long it had run when stopped (else None).
    """
    order: list[str] = []
    per: dict[str, dict] = {}
    for r in runs:
        for s in r["steps"]:
            if s["step"] not in per:
                order.append(s["step"])
                per[s["step"]] = {"seconds": [], "peak_mb": [], "errors": [], "bounds": [],
                                  "info": s.get("info", {})}
            d = per[s["step"]]
            if "error" in s:
                d["errors"].append(s["error"])
                if s.get("lower_bound_s") is not None:
                    d["bounds"].append(s["lower_bound_s"])
            else:
                d["seconds"].append(s["seconds"])
                d["peak_mb"].append(s["peak_mb"])
    out = {k: {"seconds": median(v["seconds"]), "spread": spread(v["seconds"]), "peak_mb": median(v["peak_mb"]),
               "n": len(v["seconds"]), "errors": sorted(set(v["errors"])), "info": v["info"],
               "runs_seconds": v["seconds"], "lower_bound": None if v["seconds"] else median(v["bounds"])}
           for k, v in per.items()}
    mode = runs[0]["mode"] if runs else ""
    pipe = pipeline_steps(order, mode)
    sums, peaks, failed = [], [], False
    for r in runs:
        by = {s["step"]: s for s in r["steps"]}
        if any(p not in by or "error" in by[p] for p in pipe):
            failed = True
        ok = [by[p] for p in pipe if p in by and "error" not in by[p]]
        sums.append(sum(s["seconds"] for s in ok))
        peaks.append(max((s["peak_mb"] for s in ok), default=0.0))
    if any("timeout" in r for r in runs):
        failed = True
    if runs and "build" in per:
        out["pipeline"] = {"seconds": median(sums), "spread": spread(sums), "peak_mb": median(peaks),
                           "n": len(runs),
                           "errors": ["some pipeline steps failed (time is a lower bound)"] if failed else [],
                           "info": {"steps": pipe}, "runs_seconds": sums, "lower_bound": None}
    return out


def load_average() -> list[float] | None:
    """The machine's 1, 5 and 15 minute load averages (``os.getloadavg``), None where unavailable."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def machine() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024 / 1e9
    except OSError:
        pass
    vers = {}
    for pkg in ("ikz-graph", "pyoxigraph", "rdflib", "pyshacl", "networkx"):
        try:
            vers[pkg] = version(pkg)
        except PackageNotFoundError:
            vers[pkg] = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "versions": vers}


def prepare_data(size: str, work: Path, seed: int) -> tuple[Path, dict]:
    """The data folder of ``size`` (generated once into ``work``) and its benchmark parameters."""
    if size in ("data", "de"):
        from ikz_graph.paths import default_data_dir

        if size == "de":  # the national base layer: its units and the named queries at every level
            params = dict(DATA_BENCH["params"], **{"units-in": {"unit": "07"}, "unit-hierarchy": {"unit": "07233014"},
                                                   "units-by-population": {"level": "gemeinde", "min": "1000",
                                                                           "max": "5000"},
                                                   "units-as-of": {"date": "2025-01-01", "unit": "07232"}})  # rows at every level
            return Path(default_data_dir()), dict(DATA_BENCH, size="de", base="de", params=params, maps=MAPS)
        return Path(default_data_dir()), DATA_BENCH
    d = work / f"data-{size}"
    meta = d / "_bench.json"
    if not meta.is_file():
        try:
            from ikz_graph import synthetic
        except ImportError:
            raise BenchError(f"size {size!r} needs the synthetic data generator (ikz_graph.synthetic), which this "
                             f"checkout does not have; use --sizes data") from None
        synthetic.generate(size, d, seed=seed)
    try:
        bench = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BenchError(f"cannot read {meta}: {e}") from None
    for key in ("approach", "viz", "params"):
        if key not in bench:
            raise BenchError(f"{meta} has no {key!r}")
    return d, bench


def run_worker(mode: str, data_dir: Path, out_dir: Path, ttl: Path | None, bench: dict, label: str,
               timeout: float | None) -> dict:
    """One run of one mode in a fresh Python process; returns its result or raises BenchError.

    A run that exceeds ``timeout`` is stopped; its finished steps are kept (``"timeout"`` is set).
    """
    fd, res = tempfile.mkstemp(prefix="ikz-bench-", suffix=".jsonl")
    os.close(fd)
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, "--data", str(data_dir),
               "--out", str(out_dir), "--bench-json", json.dumps(bench), "--result", res, "--label", label]
        if ttl:
            cmd += ["--ttl", str(ttl)]
        # the base layer of the size, and a store cache of this run's own, empty: "build" builds and
        # writes the store, "open" opens it as every later command does
        cache = Path(out_dir) / ".store-cache"
        shutil.rmtree(cache, ignore_errors=True)
        env = dict(os.environ, IKZ_GRAPH_BASE=bench.get("base", "none"), IKZ_GRAPH_CACHE=str(cache))
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        timed_out, stopped_at = False, None
        try:
            stdout, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stopped_at = time.time()          # the running step ran at least until here
            proc.kill()
            stdout, _ = proc.communicate()
            timed_out = True
        result = read_events(Path(res).read_text(encoding="utf-8"), timeout if timed_out else None, stopped_at)
        if "fatal" in result:
            raise BenchError(f"{label}: {result['fatal']}")
        if not timed_out and proc.returncode != 0:
            raise BenchError(f"{label}: the worker failed (exit code {proc.returncode}); {stdout.strip()[-500:]}")
        return result
    finally:
        os.unlink(res)


# --------------------------------------------------------------------------- formatting

def fmt_s(v: float | None) -> str:
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    if v >= 0.01:
        return f"{v:.3f}"
    return f"{v:.4f}"


def fmt_mb(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def fmt_ratio(a: float | None, b: float | None, a_lower: bool = False, b_lower: bool = False) -> str:
    """``a ÷ b`` as ``1.23×`` (``12×`` from 10 up), with ``≥`` when ``a`` is a lower bound and ``≤``
    when ``b`` is; ``–`` when either is missing or both are lower bounds (nothing is known then)."""
    if a is None or b is None or b <= 0 or (a_lower and b_lower):
        return "–"
    r = a / b
    mark = "≥" if a_lower else ("≤" if b_lower else "")
    return mark + (f"{r:.2f}×" if r < 10 else f"{r:.0f}×")


def fmt_spread(sp: list[float] | None) -> str:
    """`` (1.20–1.31)`` for a ``[min, max]`` spread, empty for None (a single run)."""
    return "" if not sp else f" ({fmt_s(sp[0])}–{fmt_s(sp[1])})"


def fmt_load(load: list[float] | None) -> str:
    """The 1, 5 and 15 minute load averages as ``0.52/0.40/0.30``; ``unknown`` when not recorded."""
    return "unknown" if not load else "/".join(f"{x:.2f}" for x in load)


def _bounded(v: float | None, lower: bool) -> str:
    """Seconds as in the table, with ``≥`` when they are a lower bound."""
    return ("≥" if lower else "") + fmt_s(v)


def _value(agg: dict | None, step: str) -> tuple[float | None, bool]:
    """The seconds of ``step`` and whether they are only a lower bound: the pipeline when some of its
    steps failed, a step stopped by --timeout (how long it had run); ``(None, False)`` when unknown."""
    d = (agg or {}).get(step)
    if d is None:
        return None, False
    if d["seconds"] is not None:
        return d["seconds"], bool(step == "pipeline" and d["errors"])
    if d.get("lower_bound") is not None:
        return d["lower_bound"], True
    return None, False


def _cell(agg: dict | None, step: str) -> tuple[str, str, float | None, float | None, bool]:
    """The seconds and MB cells of one step: ``(text s, text MB, seconds, peak MB, lower bound?)``."""
    if agg is None:
        return "–", "–", None, None, False
    d = agg.get(step)
    if d is None:
        return "–", "–", None, None, False
    v, lower = _value(agg, step)
    if d["seconds"] is None:
        if lower:
            return f"> {fmt_s(v)} s", "–", v, None, True
        if d["errors"]:   # a timeout without a bound: a report from before bounds were recorded
            what = "timeout¹" if all(e.startswith("timeout") for e in d["errors"]) else "fails¹"
            return what, "–", None, None, False
    return _bounded(v, lower) + fmt_spread(d.get("spread")), fmt_mb(d["peak_mb"]), v, d["peak_mb"], lower


def growth_exponent(t1: float | None, t2: float | None, n1: float | None, n2: float | None) -> float | None:
    """``log(t2/t1) / log(n2/n1)``: how the time grows with the triple count (1 linear, 0 constant);
    None when a value is missing or not positive, or both counts are equal."""
    if None in (t1, t2, n1, n2) or min(t1, t2, n1, n2) <= 0 or n1 == n2:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def _growth_cell(t1: float | None, lower1: bool, t2: float | None, lower2: bool, n1: float, n2: float) -> str:
    e = growth_exponent(t1, t2, n1, n2)
    if e is None or (lower1 and lower2):
        return "–"
    up = n2 > n1          # then the exponent rises with t2 and falls with t1
    mark = ("≥" if up else "≤") if lower2 else (("≤" if up else "≥") if lower1 else "")
    text = f"{e:.2f}"
    return mark + ("0.00" if text == "-0.00" else text)


def render_growth(report: dict) -> list[str]:
    """The lines of the table "Growth exponents (ikz)": per ikz step (named queries and the pipeline
    included) the exponent of its time against the triple count between consecutive synthetic sizes
    that ran (the real sizes are other data: :data:`REAL_SIZES`); no lines when fewer than two ran."""
    res, triples = report["results"], report.get("triples", {})
    sizes = [s for s in report["sizes"] if res.get(s, {}).get("ikz") and triples.get(s) and s not in REAL_SIZES]
    if len(sizes) < 2:
        return []
    steps: list[str] = []
    for s in sizes:
        steps += [k for k in res[s]["ikz"] if k != "pipeline" and k not in steps]
    pairs = list(zip(sizes, sizes[1:]))
    lines = ["", "Growth exponents (ikz): log(t₂/t₁) ÷ log(n₂/n₁) of the step's time t against the triple "
                 "count n between consecutive synthetic sizes (1 = linear, 0 = constant, 2 = quadratic; ≥ or ≤ "
                 "where a time is a lower bound, – where it is missing at either size).",
             "",
             "| step | " + " | ".join(f"{a}→{b}" for a, b in pairs) + " |",
             "|---|" + "--:|" * len(pairs)]
    for step in steps + ["pipeline"]:
        cells = []
        for a, b in pairs:
            (t1, l1), (t2, l2) = _value(res[a]["ikz"], step), _value(res[b]["ikz"], step)
            cells.append(_growth_cell(t1, l1, t2, l2, triples[a], triples[b]))
        label = "**pipeline**³" if step == "pipeline" else step
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def render(report: dict) -> str:
    """The one markdown table, its header and notes, the growth exponents and the target lines."""
    m = report["machine"]
    sizes = report["sizes"]
    res = report["results"]
    load = report.get("load") or {}
    lines = [
        "# ikz-graph benchmark",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']:.1f} GB RAM, {m['system']}, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ". "
        f"Load average (1/5/15 min): {fmt_load(load.get('start'))} at the start, "
        f"{fmt_load(load.get('end'))} at the end.",
        f"Date: {report['date']}. Runs per mode and size: {report['runs']} (medians, with min–max in brackets when "
        f"there is more than one run; every run a fresh process; modes interleaved run by run: run 1 of every mode, "
        f"then run 2, …). Peak memory: {report['memory_method']}.",
        "Triples per size: " + ", ".join(f"{s} {report['triples'].get(s, 0):,}" for s in sizes) + ".",
        "",
        "| size | step | ikz s | ikz MB | rdflib s | rdflib MB | floor s | floor MB | ikz÷floor | rdflib÷ikz |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    none = ("", "", None, None, False)
    errors: dict[str, set] = {}
    for size in sizes:
        r = res[size]
        ikz, rdf, flo, shc = r.get("ikz"), r.get("rdflib"), r.get("floor"), r.get("pyshacl")
        steps = [s for s in (ikz or {}) if s != "pipeline"]
        rows = []
        for step in steps:
            fl_key = step if step.startswith("query:") or step in ("build", "include:results") else None
            rows.append((step if step != "build" else "build / load", ikz, step, rdf, step, flo, fl_key))
            if step == "validate":
                rows.append(("validate: pySHACL direct on ikz.ttl²", None, None, None, None, shc, "pyshacl-direct"))
        rows.append(("**pipeline**³", ikz, "pipeline", rdf, "pipeline", flo, "pipeline"))
        for label, a, ak, b, bk, c, ck in rows:
            a_s, a_m, a_v, _, a_lb = _cell(a, ak) if ak else none
            b_s, b_m, b_v, _, b_lb = _cell(b, bk) if bk else none
            c_s, c_m, c_v, _, c_lb = _cell(c, ck) if ck else none
            if rdf is None and bk:
                b_s, b_m = "not run⁴", ""
            if ck == "pyshacl-direct":
                v_v, v_lb = _value(ikz, "validate")
                ratio_if = fmt_ratio(v_v, c_v, v_lb, c_lb)
            else:
                ratio_if = fmt_ratio(a_v, c_v, a_lb, c_lb)
            ratio_ri = fmt_ratio(b_v, a_v, b_lb, a_lb)
            if label.startswith("**"):
                a_s, b_s, c_s = (f"**{x}**" if x not in ("", "–") and "not run" not in x else x for x in (a_s, b_s, c_s))
            lines.append(f"| {size} | {label} | {a_s} | {a_m} | {b_s} | {b_m} | {c_s} | {c_m} | {ratio_if} | {ratio_ri} |")
            for agg, key, mode in ((a, ak, "ikz"), (b, bk, "rdflib"), (c, ck, "floor")):
                if agg and key and key != "pipeline" and agg.get(key, {}).get("errors"):
                    errors.setdefault(f"{mode} {key}", set()).update(agg[key]["errors"])
    lines += ["", "Notes:",
              "¹ the step raised an error in that mode (listed below). A step stopped by --timeout shows > N s, how "
              "long it had run when it was stopped: a lower bound, so a ratio computed from it is ≥ (≤ when the "
              "bound is the divisor), and a ratio of two lower bounds is not shown (–). The pipeline time then "
              "omits that step and later ones (≥).",
              "² pySHACL run directly on the Turtle file of the ikz export (parsing included), same shapes and "
              "options as ikz_graph/shacl.py (inference none, advanced, warnings allowed): the reference for the "
              "SHACL target. The rdflib column's validate is pySHACL on the rdflib graph already in memory.",
              "³ pipeline = build + every named query + analyze + transfer + export:ttl (floor: load + the same "
              "queries); time = median of per-run sums (min–max of those sums in brackets), memory = median of "
              "per-run peaks.",
              f"⁴ rdflib's default in-memory store is run only up to --rdflib-max {report['rdflib_max']} (it would "
              "take far too long at larger sizes).",
              "Floor = raw pyoxigraph: Store.bulk_load of ikz.ttl, then the same queries with the same bound terms "
              "(ikz query steps also resolve entity parameters such as 07233 to IRIs; the floor gets the IRIs). "
              "include:results adds the ikz run's analysis and transfer results (results.ttl) in every mode, as "
              "`query --include` does, for the queries that read them (clusters, transfer-candidates). "
              "ikz exports write the project's deterministic files (sorted, atomic); rdflib's are its serializers "
              "(its TriG has one default graph). MB = 10⁶ bytes of resident memory, the peak of the whole "
              "process during the step (so it includes the graph already loaded)."]
    mism = report.get("row_mismatches") or []
    if mism:
        lines.append("Row counts that differ between modes: " + "; ".join(mism) + ".")
    else:
        lines.append("Every named query returned the same number of rows in every mode that ran it.")
    empty = empty_answers(report)
    lines.append("Queries that returned no rows (they measure nothing): " + "; ".join(empty) + "." if empty
                 else "Every named query returned rows at every size.")
    for k in sorted(errors):
        lines.append(f"Error in {k}: {'; '.join(sorted(errors[k]))}")
    lines += render_growth(report)
    lines += ["", "Targets:"] + [f"- {t}" for t in report["targets"]]
    return "\n".join(lines) + "\n"


def check_targets(report: dict) -> list[str]:
    """One line per target: PASS or FAIL when the measurements decide it, n/a when they do not (a size
    not run, or a lower bound on the wrong side of the limit)."""
    sizes, res = report["sizes"], report["results"]

    def get(size: str, mode: str, step: str) -> tuple[float | None, bool]:
        return _value(res.get(size, {}).get(mode), step)

    out = []
    # pipeline within 3x of the floor, at 1m
    size = "1m" if "1m" in sizes else sizes[-1]
    (a, al), (f, fl) = get(size, "ikz", "pipeline"), get(size, "floor", "pipeline")
    where = "" if size == "1m" else f" (1m not run; measured at {size})"
    if a is not None and f:
        r = a / f
        if size != "1m" or (al and fl):
            ok = "n/a"
        elif al:                  # r is a lower bound: it can only prove a failure
            ok = "FAIL" if r > 3 else "n/a"
        elif fl:                  # r is an upper bound: it can only prove a pass
            ok = "PASS" if r <= 3 else "n/a"
        else:
            ok = "PASS" if r <= 3 else "FAIL"
        mark = "" if al and fl else ("≥" if al else ("≤" if fl else ""))
        out.append(f"{ok}: pipeline within 3× of the pyoxigraph floor at 1m{where}: "
                   f"{_bounded(a, al)} s vs {_bounded(f, fl)} s = " + ("–" if al and fl else f"{mark}{r:.2f}×"))
    # rdflib at least 10x slower, at the largest size it ran
    ran = [s for s in sizes if get(s, "rdflib", "pipeline")[0] is not None]
    if ran:
        s = ran[-1]
        (a, al), (b, bl) = get(s, "ikz", "pipeline"), get(s, "rdflib", "pipeline")
        lb = (" (rdflib failed some steps: a lower bound)" if bl else "") + \
             (" (ikz failed some steps: a lower bound)" if al else "")
        if a:
            r = b / a
            if al and bl:
                ok, text = "n/a", "–"
            elif bl:              # a lower bound below 10 proves nothing
                ok, text = ("PASS" if r >= 10 else "n/a"), f"≥{r:.1f}×"
            elif al:              # an upper bound of 10 or more proves nothing
                ok, text = ("FAIL" if r < 10 else "n/a"), f"≤{r:.1f}×"
            else:
                ok, text = ("PASS" if r >= 10 else "FAIL"), f"{r:.1f}×"
        else:
            ok, text = "n/a", "–"
        out.append(f"{ok}: at least 10× faster than rdflib's in-memory store "
                   f"(measured at {s}, the largest size run on rdflib){lb}: {_bounded(b, bl)} s vs "
                   f"{_bounded(a, al)} s = {text}")
    else:
        out.append("n/a: rdflib ÷ ikz: rdflib was not run")
    # validation no slower than pySHACL direct
    parts, verdicts = [], set()
    for s in sizes:
        (v, vl), (p, pl) = get(s, "ikz", "validate"), get(s, "pyshacl", "pyshacl-direct")
        if v is not None and p is not None:
            parts.append(f"{s} {_bounded(v, vl)} s vs {_bounded(p, pl)} s")
            if not vl and v <= p:          # pySHACL took at least p: the pass holds
                verdicts.add("PASS")
            elif not pl and v > p:         # validate took at least v: the failure holds
                verdicts.add("FAIL")
            else:
                verdicts.add("n/a")
    verdict = "FAIL" if "FAIL" in verdicts else ("n/a" if "n/a" in verdicts or not parts else "PASS")
    out.append(f"{verdict}: validate no slower than pySHACL direct: " + ("; ".join(parts) or "not measured"))
    # peak memory
    s = sizes[-1]
    peaks = [(d["peak_mb"], k) for k, d in res.get(s, {}).get("ikz", {}).items() if d["peak_mb"] is not None]
    if peaks:
        mb, step = max(peaks)
        where = "" if s == "1m" else f" (1m not run; measured at {s})"
        ok = ("PASS" if mb < 2000 else "FAIL") if s == "1m" else "n/a"
        out.append(f"{ok}: peak memory under "
                   f"2 GB at 1m{where}: {mb:.0f} MB (step {step})")
    return out


def row_mismatches(report: dict) -> list[str]:
    out = []
    for size in report["sizes"]:
        modes = report["results"][size]
        for step in modes.get("ikz", {}):
            if not step.startswith("query:"):
                continue
            counts = {m: modes[m][step]["info"].get("rows") for m in ("ikz", "rdflib", "floor")
                      if m in modes and step in modes[m] and not modes[m][step]["errors"]}
            if len(set(counts.values())) > 1:
                out.append(f"{size} {step[6:]}: " + ", ".join(f"{m} {c}" for m, c in counts.items()))
    return out


def empty_answers(report: dict) -> list[str]:
    """``size query`` for every named query that the ikz run answered with no rows."""
    return [f"{size} {step[6:]}" for size in report["sizes"]
            for step, v in report["results"][size].get("ikz", {}).items()
            if step.startswith("query:") and not v["errors"] and v["info"].get("rows") == 0]


def _write_json(path: str, report: dict) -> None:
    from ikz_graph.atomic import write_file

    write_file(path, (json.dumps(report, indent=1, sort_keys=True, default=str) + "\n").encode("utf-8"))


def main_parent(args) -> int:
    sizes = parse_sizes(args.sizes)
    if args.runs < 1:
        raise BenchError("--runs must be at least 1")
    if args.rdflib_max.lower() == "none":
        rdflib_sizes: list[str] = []
    else:
        (cap,) = parse_sizes(args.rdflib_max) if "," not in args.rdflib_max else (None,)
        if cap is None:
            raise BenchError("--rdflib-max takes one size")
        rdflib_sizes = [s for s in sizes if SIZES.index(s) <= SIZES.index(cap)]
    keep = args.work is not None
    work = Path(args.work) if keep else Path(tempfile.mkdtemp(prefix="ikz-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    from ikz_graph.progress import Progress

    report: dict[str, Any] = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                              "machine": machine(), "runs": args.runs, "sizes": sizes,
                              "rdflib_max": args.rdflib_max, "results": {}, "raw": {}, "triples": {},
                              "load": {"start": load_average(), "end": None}}
    plan = []
    for size in sizes:
        # pySHACL is left out at the national size (it validates a few hundred thousand triples for hours)
        modes = ["ikz"] + (["rdflib"] if size in rdflib_sizes else []) + ["floor"] + (["pyshacl"] if size != "de" else [])
        # modes interleaved run by run, so a drift of the machine's load spreads over every mode
        plan += [(size, run, mode) for run in range(1, args.runs + 1) for mode in modes]
    methods = set()
    timed_out: set[tuple[str, str]] = set()
    try:
        datas: dict[str, tuple[Path, dict]] = {}
        for i, (size, run, mode) in enumerate(plan, start=1):
            if size not in datas:
                with Progress(f"generating the {size} data"):
                    datas[size] = prepare_data(size, work, args.seed)
            data_dir, bench = datas[size]
            out_dir = work / f"out-{size}" / mode
            ttl = work / f"out-{size}" / "ikz" / "ikz.ttl"
            label = f"[{i}/{len(plan)}] {size} {mode} run {run}/{args.runs}"
            if (size, mode) in timed_out:
                continue          # the earlier run of this mode at this size did not finish in time
            load_before = load_average()
            result = run_worker(mode, data_dir, out_dir, ttl if mode in ("floor", "pyshacl") else None, bench, label,
                                args.timeout)
            result["load"] = {"start": load_before, "end": load_average()}
            if "timeout" in result:
                timed_out.add((size, mode))
            methods.add(result["memory"])
            report["raw"].setdefault(size, {}).setdefault(mode, []).append(result)
            if args.json:         # after every run, so an interrupted benchmark leaves its raw numbers
                _write_json(args.json, {**report, "complete": False})
        report["load"]["end"] = load_average()
    finally:
        if not keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    for size in sizes:
        report["results"][size] = {m: aggregate(runs) for m, runs in report["raw"][size].items()}
        report["triples"][size] = report["results"][size]["ikz"]["build"]["info"].get("triples", 0)
    report["memory_method"] = ("kernel high-water mark VmHWM, reset before each step via /proc/self/clear_refs"
                               if methods == {"VmHWM"} else
                               "VmRSS sampled every 5 ms by a thread (VmHWM could not be reset here)")
    report["row_mismatches"] = row_mismatches(report)
    report["targets"] = check_targets(report)
    text = render(report)
    if args.json:
        _write_json(args.json, {**report, "complete": True})
    sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="bench/benchmark.py", description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default=",".join(DEFAULT_SIZES),
                    help=f"comma-separated sizes, from: {', '.join(SIZES)} (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=3, help="runs per mode and size; the table shows medians (default 3)")
    ap.add_argument("--rdflib-max", default="100k", metavar="SIZE",
                    help="largest size also run on rdflib's in-memory store, or none (default 100k)")
    ap.add_argument("--work", metavar="DIR", help="where generated data and outputs go (default: a temporary folder, "
                                                  "removed afterwards)")
    ap.add_argument("--json", metavar="FILE", help="also write the raw numbers and medians as JSON")
    ap.add_argument("--seed", type=int, default=42, help="seed of the synthetic data (default 42)")
    ap.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                    help="give up when one run of one mode takes longer (default: no limit)")
    # the worker (internal)
    ap.add_argument("--worker", choices=MODES + ("selftest",), help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--ttl", help=argparse.SUPPRESS)
    ap.add_argument("--bench-json", default="{}", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    ap.add_argument("--label", default="", help=argparse.SUPPRESS)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.worker:
        sink = open(args.result, "a", encoding="utf-8") if args.result else sys.stdout

        def emit(event: dict) -> None:
            sink.write(json.dumps(event) + "\n")
            sink.flush()
        try:
            worker(args.worker, Path(args.data or "."), Path(args.out or tempfile.mkdtemp()),
                   Path(args.ttl) if args.ttl else None, json.loads(args.bench_json), args.label, emit)
        except Exception as e:
            emit({"fatal": f"{type(e).__name__}: {e} ({traceback.format_exc(limit=3).splitlines()[-2].strip()})"})
        finally:
            if sink is not sys.stdout:
                sink.close()
        return 0
    try:
        return main_parent(args)
    except BenchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
