"""ikz-graph serve: a read-only endpoint that keeps its rules whatever is asked, started and
stopped cleanly. The servers are real (the Oxigraph server behind ikz-graph's front)."""
from __future__ import annotations

import subprocess
import sys
import time

from . import stores
from .conftest import ROOT


def _serve(port: int, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ikz_graph", "serve", "--port", str(port), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_servers_on_one_port_one_says_so_and_never_claims_success():
    """Started at the same moment, both passed a check of the port and both printed the success
    line; the second then stopped with exit 2 without naming the port."""
    port = stores.free_port()
    procs = [_serve(port), _serve(port)]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and all(p.poll() is None for p in procs):
            time.sleep(0.1)
        time.sleep(1)       # give the other one time to claim success too
        failed = [p for p in procs if p.poll() is not None]
        assert len(failed) == 1, "exactly one of the two must fail"
        out, err = failed[0].communicate(timeout=30)
        assert failed[0].returncode == 2
        assert "SPARQL endpoint:" not in out
        assert err.startswith(f"error: cannot serve on 127.0.0.1:{port}: the port is in use"), err
        running = next(p for p in procs if p is not failed[0])
        assert running.stdout.readline().startswith(f"SPARQL endpoint: http://127.0.0.1:{port}/query")
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(30)
