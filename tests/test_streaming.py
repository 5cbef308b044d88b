"""Query results are written to stdout row by row: memory does not grow with the number of rows,
a reader that stops early (``| head``) ends the command quietly, a full disk is an error."""
from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

#: about 150,000 rows of four columns from the real data (every triple, 24 times)
MANY_ROWS = "SELECT ?s ?p ?o ?n WHERE { ?s ?p ?o . VALUES ?n { " + " ".join(map(str, range(24))) + " } }\n"

_MEASURE = """
import os, sys
sys.path.insert(0, {root!r})
import ikz_graph
from ikz_graph.cli import main

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) // 1024

ikz_graph.load()                    # warm up: imports, ontology, data files
open("/proc/self/clear_refs", "w").write("5")       # reset the high-water mark (VmHWM)
base = status("VmRSS")
try:
    main(["query", {rq!r}, "--format", {fmt!r}])
except SystemExit:
    pass
print("GROWTH", status("VmHWM") - base, file=sys.stderr)
"""


def _query_file(tmp_path):
    rq = tmp_path / "many.rq"
    rq.write_text(MANY_ROWS, encoding="utf-8")
    return rq


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_memory_does_not_grow_with_the_rows_of_a_result(tmp_path, fmt):
    """Before, every format held the whole result as Python objects or text (here: table +580 MB,
    JSON +180 MB, CSV +60 MB; at 1M rows +1.1 GB, +0.5 GB and +0.3 GB over the loaded graph)."""
    with open("/proc/self/clear_refs", "w"):
        pass                                            # the measurement needs Linux (/proc)
    r = subprocess.run([sys.executable, "-c", _MEASURE.format(root=str(ROOT), rq=str(_query_file(tmp_path)), fmt=fmt)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300, cwd=ROOT)
    growth = int(r.stderr.rsplit("GROWTH", 1)[1])
    assert growth < 25, f"{fmt}: memory grew by {growth} MB while writing about 150,000 rows"


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    """(Also so before; kept so that the streamed output stays quiet on a closed pipe.)"""
    proc = subprocess.Popen([sys.executable, "-m", "ikz_graph", "query", str(_query_file(tmp_path)), "--format", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout.readline().startswith(b"s,p,o,n")
    proc.stdout.close()                                 # as `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(120) == 0 and err == "", err


def test_a_full_disk_is_an_error_not_a_traceback(tmp_path):
    with open("/dev/full", "wb") as full:
        r = subprocess.run([sys.executable, "-m", "ikz_graph", "query", str(_query_file(tmp_path))], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: cannot write the output: No space left on device"
