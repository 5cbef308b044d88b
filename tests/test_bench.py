"""The benchmark harness (bench/benchmark.py): end to end at the smallest size, its memory meter,
its medians, its errors. No timing is asserted: performance is measured, not assumed."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

from ikz_graph.queries import bind_params, list_queries

from .conftest import ROOT

BENCH = ROOT / "bench" / "benchmark.py"
SMALLEST = "data"


def _module(name, path):
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


bench = _module("ikz_benchmark", BENCH)


def run_bench(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, str(BENCH), *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=timeout)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("bench")
    p = run_bench("--sizes", SMALLEST, "--runs", 1, "--work", d / "work", "--json", d / "bench.json",
                  env={"IKZ_GRAPH_PROGRESS": ""})
    assert p.returncode == 0, p.stderr
    return p, json.loads((d / "bench.json").read_text(encoding="utf-8")), d


def test_end_to_end_table_has_every_step_row(small):
    p, report, _ = small
    table = [line for line in p.stdout.splitlines() if line.startswith(f"| {SMALLEST} |")]
    steps = [line.split("|")[2].strip() for line in table]
    later = [f"query:{n}" for n in bench.RESULT_QUERIES]
    expected = (["build / load", "validate", "validate: pySHACL direct on ikz.ttl²"]
                + [f"query:{q.name}" for q in list_queries() if f"query:{q.name}" not in later]
                + ["analyze", "transfer", "viz", "export:ttl", "export:nt", "export:jsonld", "export:trig",
                   "include:results", *later, "**pipeline**³"])
    assert steps == expected
    head = ["size", "step", "ikz s", "ikz MB", "rdflib s", "rdflib MB", "floor s", "floor MB", "ikz÷floor",
            "rdflib÷ikz"]
    assert f"| {' | '.join(head)} |" in p.stdout
    assert re.search(r"Machine: .+, \d+ cores, .+ GB RAM, .*pyoxigraph \d", p.stdout)
    assert re.search(rf"Triples per size: {SMALLEST} \d{{1,3}}(,\d{{3}})+\.", p.stdout)
    targets = p.stdout.split("Targets:\n", 1)[1].splitlines()
    assert len(targets) == 4 and all(re.match(r"- (PASS|FAIL|n/a): ", t) for t in targets)
    assert p.stderr == ""            # piped: no progress bar


def test_end_to_end_numbers_are_sane(small):
    _, report, d = small
    res = report["results"][SMALLEST]
    assert set(res) == {"ikz", "rdflib", "floor", "pyshacl"}
    triples = res["ikz"]["build"]["info"]["triples"]
    assert triples > 5000
    assert res["rdflib"]["build"]["info"]["triples"] == triples
    assert res["floor"]["build"]["info"]["triples"] == triples
    assert res["ikz"]["validate"]["info"]["conforms"] is True
    assert res["pyshacl"]["pyshacl-direct"]["info"]["conforms"] is True
    for mode, steps in res.items():
        for step, v in steps.items():
            if v["errors"] and v["seconds"] is None:
                continue
            assert 0 < v["seconds"] < 600, (mode, step)
            assert 10 < v["peak_mb"] < 4000, (mode, step)     # a Python process with the graph loaded
    ikz = res["ikz"]
    parts = [s for s in ikz if s.startswith("query:")] + ["build", "include:results", "analyze", "transfer", "export:ttl"]
    assert ikz["pipeline"]["seconds"] == pytest.approx(sum(ikz[s]["seconds"] for s in parts))
    assert report["row_mismatches"] == []
    assert res["floor"]["include:results"]["info"]["added"] == ikz["include:results"]["info"]["added"] > 100
    assert (d / "work" / f"out-{SMALLEST}" / "ikz" / "ikz.ttl").stat().st_size > 100_000
    assert len(report["raw"][SMALLEST]["ikz"]) == 1
    assert report["complete"] is True


def test_peak_memory_meter_sees_200_mb_and_resets(tmp_path):
    r = bench.run_worker("selftest", tmp_path, tmp_path / "out", None, {}, "selftest", timeout=120)
    assert "timeout" not in r and "fatal" not in r
    steps = {s["step"]: s for s in r["steps"]}
    assert r["memory"] in ("VmHWM", "sampling")
    assert steps["alloc-200MB"]["peak_mb"] >= 200
    assert steps["idle"]["peak_mb"] < steps["alloc-200MB"]["peak_mb"] - 150   # the meter was reset


def test_meter_in_process():
    meter = bench.PeakMemory()
    with meter:
        b = bytearray(120 * bench.MB)
        for i in range(0, len(b), 4096):
            b[i] = 1
    big = meter.peak_mb
    del b
    with meter:
        pass
    assert big >= 120 and meter.peak_mb < big - 80


def test_medians_are_medians():
    assert bench.median([3.0, 1.0, 2.0]) == 2.0
    assert bench.median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert bench.median([]) is None

    def run(q, b, a):
        return {"mode": "ikz", "steps": [{"step": "build", "seconds": b, "peak_mb": 10 * b},
                                         {"step": "query:x", "seconds": q, "peak_mb": 5.0},
                                         {"step": "analyze", "seconds": a, "peak_mb": 1.0},
                                         {"step": "viz", "seconds": 100.0, "peak_mb": 1.0}]}
    agg = bench.aggregate([run(1.0, 10.0, 0.5), run(9.0, 2.0, 0.5), run(2.0, 3.0, 0.5)])
    assert agg["query:x"]["seconds"] == 2.0 and agg["build"]["seconds"] == 3.0
    assert agg["build"]["peak_mb"] == 30.0
    # the pipeline is the median of per-run sums (11.5, 11.5, 5.5), not the sum of medians (5.5);
    # viz is not part of it
    assert agg["pipeline"]["seconds"] == 11.5
    assert agg["pipeline"]["info"]["steps"] == ["build", "query:x", "analyze"]


def test_failed_step_makes_the_pipeline_a_lower_bound():
    r = {"mode": "rdflib", "steps": [{"step": "build", "seconds": 1.0, "peak_mb": 1.0},
                                     {"step": "query:x", "seconds": 0.5, "peak_mb": 1.0, "error": "boom"}]}
    agg = bench.aggregate([r])
    assert agg["query:x"]["seconds"] is None and agg["query:x"]["errors"] == ["boom"]
    assert agg["pipeline"]["seconds"] == 1.0 and agg["pipeline"]["errors"]
    assert bench._cell(agg, "pipeline")[0] == "≥1.00"


def test_bad_sizes_exit_2_with_a_clear_message():
    p = run_bench("--sizes", "rlp,huge")
    assert p.returncode == 2
    assert p.stderr.strip() == "error: unknown size 'huge' in --sizes (known: data, rlp, 100k, de, 1m)"
    assert p.stdout == ""
    p = run_bench("--sizes", "data", "--runs", "0")
    assert p.returncode == 2 and "--runs must be at least 1" in p.stderr
    p = run_bench("--rdflib-max", "2m")
    assert p.returncode == 2 and "unknown size '2m'" in p.stderr


def test_progress_shows_on_a_terminal_only(tmp_path):
    res = tmp_path / "r.json"
    p = run_bench("--worker", "selftest", "--result", res, "--out", tmp_path, "--label", "[1/1] test",
                  env={"IKZ_GRAPH_PROGRESS": "1"})       # forced on, as on a terminal
    assert p.returncode == 0 and json.loads(res.read_text().splitlines()[-1]) == {"done": True}
    assert "[1/1] test · alloc-200MB" in p.stderr
    p = run_bench("--worker", "selftest", "--result", res, "--out", tmp_path, "--label", "[1/1] test",
                  env={"IKZ_GRAPH_PROGRESS": ""})
    assert p.stderr == ""


def test_rdflib_source_answers_like_the_embedded_store(kg):
    src_mod = _module("rdflib_source", ROOT / "bench" / "rdflib_source.py")
    src = src_mod.RdflibSource(kg.triples)
    assert len(src) == len(kg)
    params = bench.DATA_BENCH["params"]
    failed = []
    for q in list_queries():
        a = kg.query(q.text, bind_params(kg, q, params.get(q.name, {})))
        try:
            b = src.query(q.text, bind_params(src, q, params.get(q.name, {})))
        except Exception:
            failed.append(q.name)
            continue
        assert b.columns == a.columns, q.name
        # same rows; computed decimals may differ in lexical form only (673000 vs 673000.0)
        norm = lambda rows: sorted(repr({k: (float(v) if type(v).__name__ == "Decimal" else v)  # noqa: E731
                                         for k, v in r.items()}) for r in rows)
        assert norm(b.rows) == norm(a.rows) or q.name == "units", q.name
        assert len(b) == len(a), q.name
    # rdflib 7 cannot ORDER BY an expression on an unbound variable (committee-meetings); the table
    # shows that step as failing on rdflib
    assert failed in ([], ["committee-meetings"])


def test_rdflib_source_ranks_like_the_embedded_store(synth_dir, synth_kg):
    """The read model through rdflib: the same ranking (on the smallest synthetic data set: rdflib joins
    the read model's scoped queries slowly, minutes on the real records)."""
    from ikz_graph import transfer

    src = _module("rdflib_source", ROOT / "bench" / "rdflib_source.py").RdflibSource(synth_kg.triples)
    approach = json.loads((synth_dir / "_bench.json").read_text(encoding="utf-8"))["approach"]
    assert [c.key for c in transfer(src, approach).candidates[:5]] == \
        [c.key for c in transfer(synth_kg, approach).candidates[:5]]


def test_readme_documents_every_benchmark_option():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Benchmark", 1)[1].split("\n## ", 1)[0]
    opts = [a.option_strings[0] for a in bench.build_parser()._actions
            if a.option_strings and a.help != "==SUPPRESS==" and a.option_strings[0] != "-h"]
    assert opts and all(f"`{o} " in section or f"`{o}`" in section for o in opts), opts
    assert "make bench" in section


def test_timeout_keeps_the_finished_steps(tmp_path):
    r = bench.run_worker("selftest", tmp_path, tmp_path / "out", None, {"sleep": 60}, "selftest", timeout=8)
    assert r["timeout"] == 8
    assert [s["step"] for s in r["steps"]] == ["alloc-200MB", "free", "idle"]
    assert r["steps"][0]["peak_mb"] >= 200 and "error" not in r["steps"][0]
    assert r["steps"][2]["error"].startswith("timeout: still running after 8 s")
    # the stopped step stays as a lower bound: how long it had run, at most the whole run's time
    bound = r["steps"][2]["lower_bound_s"]
    assert 0 < bound <= 8 + 1
    agg = bench.aggregate([r])
    assert agg["idle"]["seconds"] is None and agg["idle"]["lower_bound"] == bound
    assert bench._cell(agg, "idle")[0] == f"> {bench.fmt_s(bound)} s"
    assert r["steps"][0]["seconds"] + bound <= 8 + 1          # the bound does not overlap the finished steps


def test_a_worker_that_dies_is_an_error(tmp_path):
    with pytest.raises(bench.BenchError, match="unknown mode|stopped|failed"):
        bench.run_worker("nonsense", tmp_path, tmp_path / "out", None, {}, "x", timeout=60)


def test_synthetic_size_without_rdflib(tmp_path):
    """The smallest synthetic size: generated into --work with its _bench.json; rdflib left out."""
    p = run_bench("--sizes", "rlp", "--runs", 1, "--rdflib-max", "none", "--work", tmp_path, "--json",
                  tmp_path / "b.json")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "data-rlp" / "_bench.json").is_file()
    report = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert set(report["results"]["rlp"]) == {"ikz", "floor", "pyshacl"}
    rows = [line for line in p.stdout.splitlines() if line.startswith("| rlp |")]
    assert len(rows) == len(list_queries()) + 12
    # The synthetic data exercises every named query: none measures an empty answer, in either mode.
    res = report["results"]["rlp"]
    queries = [s for s in res["ikz"] if s.startswith("query:")]
    assert len(queries) == len(list_queries()) and report["row_mismatches"] == []
    for mode in ("ikz", "floor"):
        assert {s: res[mode][s]["info"].get("rows") for s in queries if not res[mode][s]["info"].get("rows")} == {}, mode
    assert all("not run⁴" in r for r in rows if "pySHACL direct" not in r)
    assert report["triples"]["rlp"] > 10_000
    assert "n/a: rdflib ÷ ikz: rdflib was not run" in p.stdout


# --------------------------------------------------------------------------- rendering (hand-made reports)

def _run(mode, seconds, stopped=None, bound=None):
    """One run of ``mode``: ``seconds`` per finished step; ``stopped`` the step --timeout stopped after
    ``bound`` seconds (the steps after it missing, as in a real stopped run)."""
    steps = [{"step": k, "seconds": v, "peak_mb": 50.0, "info": {"triples": 1000} if k == "build" else {}}
             for k, v in seconds.items()]
    run = {"mode": mode, "memory": "VmHWM", "steps": steps}
    if stopped:
        steps.append({"step": stopped, "seconds": None, "peak_mb": None, "info": {}, "lower_bound_s": bound,
                      "error": "timeout: still running after 60 s (--timeout)"})
        run["timeout"] = 60.0
    return run


def _report(raw, triples=None, load=None):
    """A report as main_parent makes it, from ``{size: {mode: [runs]}}``."""
    sizes = list(raw)
    report = {"date": "2025-01-01 00:00 UTC", "runs": max(len(r) for m in raw.values() for r in m.values()),
              "machine": {"cpu": "Test CPU", "cores": 4, "ram_gb": 8.0, "system": "Linux 6", "python": "3.12.0",
                          "versions": {"pyoxigraph": "0.4.0", "rdflib": "7.0.0"}},
              "sizes": sizes, "rdflib_max": "100k", "raw": raw, "memory_method": "VmHWM",
              "results": {s: {m: bench.aggregate(r) for m, r in modes.items()} for s, modes in raw.items()},
              "triples": triples or {s: 1000 for s in sizes}, "row_mismatches": [],
              "load": load or {"start": [0.5, 0.25, 0.75], "end": [1.5, 1.0, 0.75]}}
    report["targets"] = bench.check_targets(report)
    return report


def _row(text, size, step):
    """The cells of the main table's row of ``step`` at ``size``, by column name."""
    head = ["size", "step", "ikz s", "ikz MB", "rdflib s", "rdflib MB", "floor s", "floor MB", "ikz÷floor",
            "rdflib÷ikz"]
    (line,) = [ln for ln in text.splitlines() if ln.startswith(f"| {size} | {step} |")]
    return dict(zip(head, (c.strip() for c in line.strip("|").split("|"))))


def _growth(text):
    """The growth table: ``{step: [exponents]}``, or None when it is not there."""
    if "Growth exponents (ikz)" not in text:
        return None
    part = text.split("Growth exponents (ikz)", 1)[1].split("Targets:", 1)[0]
    rows = [ln for ln in part.splitlines() if ln.startswith("| ") and not ln.startswith("| step |")]
    return {c[0]: c[1:] for c in ([x.strip() for x in ln.strip("|").split("|")] for ln in rows)}


def test_read_events_bounds_the_stopped_step():
    events = "\n".join(json.dumps(e) for e in [{"mode": "ikz", "memory": "VmHWM"}, {"start": "build", "t": 100.0},
                                                {"step": "build", "seconds": 2.0, "peak_mb": 1.0, "info": {}},
                                                {"start": "validate", "t": 102.5}])
    r = bench.read_events(events, timeout=10.0, stopped_at=110.0)
    assert r["timeout"] == 10.0 and r["steps"][-1]["step"] == "validate"
    assert r["steps"][-1]["lower_bound_s"] == pytest.approx(7.5)
    # no start stamp or no stop time: the --timeout value is all that is known
    old = events.replace(', "t": 102.5', "")
    assert bench.read_events(old, timeout=10.0, stopped_at=110.0)["steps"][-1]["lower_bound_s"] == 10.0
    assert bench.read_events(events, timeout=10.0)["steps"][-1]["lower_bound_s"] == 10.0


def test_timed_out_step_renders_as_a_lower_bound_and_so_do_its_ratios():
    ikz = _run("ikz", {"build": 1.0, "validate": 2.0, "query:a": 0.5, "query:b": 0.5, "query:c": 0.5})
    rdf = _run("rdflib", {"build": 4.0, "validate": 8.0, "query:a": 5.0}, stopped="query:b", bound=40.0)
    flo = _run("floor", {"build": 0.5, "query:a": 0.25}, stopped="query:b", bound=3.0)
    shc = _run("pyshacl", {}, stopped="pyshacl-direct", bound=30.0)
    text = bench.render(_report({"data": {"ikz": [ikz], "rdflib": [rdf], "floor": [flo], "pyshacl": [shc]}}))
    assert "timeout¹" not in text
    b = _row(text, "data", "query:b")
    assert b["rdflib s"] == "> 40.0 s" and b["floor s"] == "> 3.00 s"
    assert b["rdflib÷ikz"] == "≥80×"             # the bound divided: at least
    assert b["ikz÷floor"] == "≤0.17×"            # the bound as divisor: at most
    v = _row(text, "data", "validate: pySHACL direct on ikz.ttl²")
    assert v["floor s"] == "> 30.0 s" and v["ikz÷floor"] == "≤0.07×"
    # every ratio from a bound carries its direction; those from two measured times do not
    a = _row(text, "data", "query:a")
    assert not re.match("[≥≤]", a["rdflib÷ikz"] + a["ikz÷floor"])
    pipe = _row(text, "data", "**pipeline**³")
    assert pipe["rdflib s"].startswith("**≥") and pipe["floor s"].startswith("**≥")
    assert pipe["rdflib÷ikz"].startswith("≥")
    assert pipe["ikz÷floor"].startswith("≤")
    # steps after the stopped one did not run: no time, no ratio
    c = _row(text, "data", "query:c")
    assert c["rdflib s"] == "–" and c["rdflib÷ikz"] == "–"
    # pySHACL ran at least 30 s, validate 2 s: the target is decided even so
    assert "- PASS: validate no slower than pySHACL direct: data 2.00 s vs ≥30.0 s" in text


def test_fmt_ratio_of_bounds():
    assert bench.fmt_ratio(4.0, 2.0) == "2.00×"
    assert bench.fmt_ratio(4.0, 2.0, a_lower=True) == "≥2.00×"
    assert bench.fmt_ratio(4.0, 2.0, b_lower=True) == "≤2.00×"
    assert bench.fmt_ratio(4.0, 2.0, True, True) == "–"       # two lower bounds bound nothing
    assert bench.fmt_ratio(None, 2.0, b_lower=True) == "–"


def test_spread_beside_the_median_with_two_or_more_runs_only():
    runs = [_run("ikz", {"build": t, "query:a": q}) for t, q in ((1.0, 0.2), (1.5, 0.3), (3.0, 0.25))]
    agg = bench.aggregate(runs)
    assert agg["build"]["spread"] == [1.0, 3.0] and agg["build"]["seconds"] == 1.5
    assert agg["pipeline"]["spread"] == [pytest.approx(1.2), pytest.approx(3.25)]
    text = bench.render(_report({"data": {"ikz": runs}}))
    assert _row(text, "data", "build / load")["ikz s"] == "1.50 (1.00–3.00)"
    assert _row(text, "data", "query:a")["ikz s"] == "0.250 (0.200–0.300)"
    assert re.fullmatch(r"\*\*1\.80 \(1\.20–3\.25\)\*\*", _row(text, "data", "**pipeline**³")["ikz s"])
    one = bench.render(_report({"data": {"ikz": runs[:1]}}))
    assert bench.aggregate(runs[:1])["build"]["spread"] is None
    assert _row(one, "data", "build / load")["ikz s"] == "1.00"
    assert "(" not in _row(one, "data", "**pipeline**³")["ikz s"]


def test_growth_exponents_per_step_between_consecutive_sizes():
    small = _run("ikz", {"build": 1.0, "query:a": 0.3, "query:b": 0.1})
    big = _run("ikz", {"build": 2.0, "query:a": 0.3, "query:b": 0.4})
    huge = _run("ikz", {"build": 8.0, "query:a": 0.3}, stopped="query:b", bound=0.8)
    text = bench.render(_report({"rlp": {"ikz": [small]}, "100k": {"ikz": [big]}, "de": {"ikz": [big]},
                                 "1m": {"ikz": [huge]}}, triples={"rlp": 1000, "100k": 2000, "de": 3000, "1m": 4000}))
    g = _growth(text)
    assert "| step | rlp→100k | 100k→1m |" in text     # not across the national graph: other data
    assert g["build"] == ["1.00", "2.00"]          # time doubles with the triples: linear; then quadratic
    assert g["query:a"] == ["0.00", "0.00"]        # constant
    assert g["query:b"] == ["2.00", "≥1.00"]       # stopped at 100k after 0.8 s: at least linear
    assert "**pipeline**³" in g
    assert text.index("Growth exponents (ikz)") > text.index("| rlp | build / load |")
    assert bench.growth_exponent(1.0, 2.0, 1000, 2000) == pytest.approx(1.0)
    assert bench.growth_exponent(1.0, 2.0, 1000, 1000) is None


def test_no_growth_table_with_one_size():
    text = bench.render(_report({"data": {"ikz": [_run("ikz", {"build": 1.0, "query:a": 0.3})]}}))
    assert _growth(text) is None


def test_header_states_the_load_and_the_run_order():
    text = bench.render(_report({"data": {"ikz": [_run("ikz", {"build": 1.0})]}},
                                load={"start": [0.5, 0.25, 0.75], "end": [1.5, 1.0, 0.75]}))
    header = text.split("\n\n| size |", 1)[0]
    assert "Load average (1/5/15 min): 0.50/0.25/0.75 at the start, 1.50/1.00/0.75 at the end" in header
    assert "modes interleaved run by run" in header
    old = _report({"data": {"ikz": [_run("ikz", {"build": 1.0})]}})
    del old["load"]                                  # a report written before the load was recorded
    assert "Load average (1/5/15 min): unknown at the start" in bench.render(old)
    la = bench.load_average()
    assert la is None or (len(la) == 3 and all(x >= 0 for x in la))


def test_a_query_with_no_rows_is_named_as_measuring_nothing():
    def runs(rows):
        r = _run("ikz", {"build": 1.0, "query:units": 0.1, "query:clusters": 0.1})
        for st in r["steps"]:
            if st["step"].startswith("query:"):
                st["info"] = {"rows": rows.get(st["step"], 3)}
        return [r]

    text = bench.render(_report({"1m": {"ikz": runs({"query:clusters": 0})}}))
    assert "Queries that returned no rows (they measure nothing): 1m clusters." in text
    text = bench.render(_report({"1m": {"ikz": runs({})}}))
    assert "Every named query returned rows at every size." in text
