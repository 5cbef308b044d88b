"""ikz-graph serve: a read-only endpoint that keeps its rules whatever is asked, started and
stopped cleanly. The servers are real (the Oxigraph server behind ikz-graph's front)."""
from __future__ import annotations

import os
import socket
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import requests

from ikz_graph.remote import RemoteEndpoint, run_remote

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


class _Listener:
    """A host on the user's network (here: 127.0.0.1) that records every request it gets and
    answers with an 'internal' error page."""

    def __init__(self):
        self.requests: list[bytes] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/internal"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.requests.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 15\r\nConnection: close\r\n\r\nsecret intranet")
                except OSError:
                    pass

    def close(self):
        self._sock.close()


@pytest.fixture(scope="module")
def endpoint(kg):
    from ikz_graph.serve import start_server

    with start_server(kg, port=0) as srv:
        yield srv


def _ask(url: str, query: str, how: str = "post") -> requests.Response:
    headers = {"Accept": "application/sparql-results+json", "Origin": "https://some-web-page.example"}
    if how == "get":
        return requests.get(url, params={"query": query}, headers=headers, timeout=30)
    if how == "form":
        return requests.post(url, data={"query": query}, headers=headers, timeout=30)
    return requests.post(url, data=query.encode(), timeout=30,
                         headers={**headers, "Content-Type": "application/sparql-query"})


FEDERATED = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "select * where { service silent <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <{url}> } SeRvIcE ?e { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 'x>?b') SERVICE<{url}>{ ?s ?p ?o } } LIMIT 1",
    "SELECT * WHERE { FILTER EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
    "PREFIX : <{url}#> SELECT * WHERE { ?s ?p true SERVICE:x { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <{url}> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("how", ["post", "get", "form"])
@pytest.mark.parametrize("template", FEDERATED, ids=range(len(FEDERATED)))
def test_serve_refuses_service_so_no_web_page_can_use_it_as_a_relay(endpoint, template, how):
    """A page open in the browser could make the endpoint POST to hosts on the user's network and
    read their error pages (cross-origin requests are allowed). No request may leave."""
    listener = _Listener()
    try:
        r = _ask(endpoint.query_url, template.replace("{url}", listener.url), how)
        time.sleep(0.2)
    finally:
        listener.close()
    assert r.status_code == 400, r.text
    assert "SERVICE (federated queries) is off" in r.text and "secret intranet" not in r.text
    assert r.headers.get("Access-Control-Allow-Origin") == "*"       # the page may read the refusal
    assert listener.requests == []


def test_serve_answers_queries_that_only_mention_service(endpoint, kg):
    from ikz_graph.queries import run_query

    for q in ['SELECT ?s WHERE { ?s ?p "service" } # a SERVICE <http://example.org/> { }',
              "PREFIX service: <https://w3id.org/ikz-graph/ontology/> SELECT ?service WHERE { ?service a service:SharedService }",
              'SELECT ?s WHERE { ?s <http://example.org/service> ?o . ?s ?p "x"@en-service }']:
        r = _ask(endpoint.query_url, q)
        assert r.status_code == 200, (q, r.text)
    remote = run_remote(RemoteEndpoint(endpoint.query_url, env={}), "shared-services")   # ?service, cpsv:PublicService
    assert len(remote) == len(run_query(kg, "shared-services")) > 0


def test_serve_lets_service_through_only_when_asked_to(kg):
    from ikz_graph.serve import start_server

    listener = _Listener()
    try:
        with start_server(kg, port=0, allow_service=True) as srv:
            r = _ask(srv.query_url, FEDERATED[0].replace("{url}", listener.url))
    finally:
        listener.close()
    assert listener.requests and listener.requests[0].startswith(b"POST /internal")
    assert r.status_code != 400


#: A count over a join of every triple with every other, twice: Oxigraph's own timeout does not stop it
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_query_over_the_time_limit_is_stopped_and_the_cpu_freed(kg):
    """Clients that gave up after 3 s left such queries running for 100 s and more."""
    from ikz_graph.serve import GRACE, start_server

    with start_server(kg, port=0, query_timeout=1) as srv:
        first = srv.process.pid
        t0 = time.monotonic()
        r = _ask(srv.query_url, ENDLESS)
        took = time.monotonic() - t0
        assert r.status_code == 500, r.text
        assert "the query ran longer than the time limit of 1 s and was stopped" in r.text
        assert took < 1 + GRACE + 3, took
        while srv.restarts < 1 and time.monotonic() - t0 < 30:     # the server behind is started anew
            time.sleep(0.05)
        assert srv.restarts == 1 and srv.process.pid != first
        assert not os.path.exists(f"/proc/{first}")               # the busy server is gone
        c0 = _cpu_seconds(srv.process.pid)
        time.sleep(1)
        assert _cpu_seconds(srv.process.pid) - c0 < 0.2           # nothing is left computing
        assert _ask(srv.query_url, "ASK { ?s ?p ?o }").json()["boolean"] is True   # and it still answers


def _serve_folders() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("ikz-graph-serve-")}


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out += [int(c) for c in fh.read().split()]
    return out


def _gone(pid: int, within: float = 10) -> bool:
    """The process has ended (or is only a zombie waiting to be reaped)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def _started(port: int) -> tuple[subprocess.Popen, int]:
    proc = _serve(port)
    line = proc.stdout.readline()
    assert line.startswith("SPARQL endpoint:"), line + proc.stderr.read()
    (child,) = _children(proc.pid)
    return proc, child


def test_sighup_to_serve_alone_stops_oxigraph_and_removes_the_database():
    before = _serve_folders()
    proc, child = _started(stores.free_port())
    assert _serve_folders() - before
    os.kill(proc.pid, signal.SIGHUP)            # to ikz-graph only, not to its process group
    assert proc.wait(30) == 0
    assert _gone(child), "the Oxigraph server is still running"
    assert _serve_folders() == before


def test_kill_9_of_serve_takes_oxigraph_along_and_the_next_start_removes_the_database():
    before = _serve_folders()
    proc, child = _started(stores.free_port())
    left = _serve_folders() - before
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert _gone(child), "the Oxigraph server is still running"
    assert _serve_folders() - before == left    # a kill -9 cannot clean up ...
    proc, _ = _started(stores.free_port())
    try:
        assert not left & _serve_folders()      # ... the next start does
    finally:
        proc.terminate()
        proc.wait(30)
