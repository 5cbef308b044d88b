"""Real triple stores for the tests: started on 127.0.0.1 on free ports, waited for, stopped.

* Oxigraph server (pip package ``oxigraph``): ``oxigraph serve --location DIR --bind 127.0.0.1:PORT``.
* Virtuoso 7 (Debian ``virtuoso-opensource``): ``virtuoso-t +configfile INI +foreground`` with its
  own ini and database in a temporary folder (``dba``/``dba``, reachable from 127.0.0.1 only).
* Comunica (npm ``@comunica/query-sparql-file``, installed into ``.node/`` by
  ``scripts/install-comunica.sh``): ``comunica-sparql-file-http FILE --port PORT``, read-only over an
  RDF file, made to listen on 127.0.0.1 only by ``scripts/comunica/listen-local.js``.

A store that cannot be started makes the tests that need it FAIL. Developers without the stores may
set ``IKZ_GRAPH_SKIP_STORES=1`` to skip them instead; CI never sets it (``make test`` installs them).

:class:`FaultProxy` sits between a client and a real server and breaks requests on purpose: it
answers the first requests with 503, or cuts large request bodies off half-way.
:class:`SlowServer` is alive but never done: it answers one byte at a time.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SKIP_ENV = "IKZ_GRAPH_SKIP_STORES"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def unavailable(what: str, script: str = "scripts/install-stores.sh") -> None:
    """A needed component is missing or did not start: fail (skip only when a developer opted out)."""
    if os.environ.get(SKIP_ENV):
        pytest.skip(f"{what} ({SKIP_ENV} is set)")
    pytest.fail(f"{what}; install it with {script} (make test does), "
                f"or set {SKIP_ENV}=1 to skip the store tests on a developer machine", pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answers(url: str, proc: subprocess.Popen, timeout: float, log: Path | None = None) -> float:
    """Poll ``url`` until HTTP 200; return the seconds it took. Fails if the process dies first."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-800:] if log and log.exists() else ""
            raise RuntimeError(f"exited with {proc.returncode}: {tail}")
        try:
            with _OPENER.open(url, timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - t0
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {timeout:g} s")


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Store:
    """Where a running store answers, and the credentials its write endpoints need."""

    name: str
    query_url: str
    gsp_url: str
    update_url: str
    env: dict[str, str] = field(default_factory=dict)      # IKZ_GRAPH_USER / IKZ_GRAPH_PASSWORD, if any
    started_in: float = 0.0
    sql_port: int = 0                                      # Virtuoso: its SQL port (isql-vt), else 0

    def sql(self, statements: str) -> str:
        """Run SQL on Virtuoso as dba with isql-vt; returns its output (fails on an error)."""
        r = subprocess.run(["isql-vt", str(self.sql_port), "dba", "dba", f"exec={statements}"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "*** Error" not in r.stdout + r.stderr, r.stdout + r.stderr
        return r.stdout

    def select(self, sparql: str) -> list[dict]:
        """Run a query directly (plain HTTP, no ikz-graph code) and return the JSON bindings."""
        import json

        data = urllib.parse.urlencode({"query": sparql}).encode()
        req = urllib.request.Request(self.query_url, data=data,
                                     headers={"Accept": "application/sparql-results+json",
                                              "Content-Type": "application/x-www-form-urlencoded"})
        with _OPENER.open(req, timeout=60) as r:
            return json.loads(r.read().decode("utf-8"))["results"]["bindings"]

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]["value"])

    def graphs(self) -> set[str]:
        return {r["g"]["value"] for r in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}


def oxigraph_exe() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.is_file() else shutil.which("oxigraph")


def start_oxigraph(folder: Path):
    """Start ``oxigraph serve`` (read-write, on disk in ``folder``); return (Store, process)."""
    exe = oxigraph_exe()
    if not exe:
        unavailable("the Oxigraph server (pip package oxigraph) is not installed")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, took = _launch([exe, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                         folder / "oxigraph.log", base + "/query?query=ASK%7B%7D", 30, "the Oxigraph server")
    return Store("oxigraph", base + "/query", base + "/store", base + "/update", {}, took), proc


def _launch(cmd: list[str], log: Path, probe: str, timeout: float, what: str, env: dict | None = None,
            script: str = "scripts/install-stores.sh"):
    """Start ``cmd`` with its output in ``log`` and wait until ``probe`` answers; (process, seconds)."""
    proc = subprocess.Popen(cmd, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        return proc, wait_until_answers(probe, proc, timeout, log)
    except RuntimeError as e:
        stop(proc)
        unavailable(f"{what} did not start: {e}", script)


ROOT = Path(__file__).resolve().parent.parent


#: Seconds Comunica works on one query before it gives up (its --timeout).
COMUNICA_TIMEOUT = 300


def start_comunica(folder: Path, source: Path):
    """Start Comunica's SPARQL endpoint over the RDF file ``source``, on 127.0.0.1; return (Store, process).

    Comunica only reads: the Graph Store and update URLs of the returned Store are empty.
    """
    exe = ROOT / ".node" / "node_modules" / ".bin" / "comunica-sparql-file-http"
    if not exe.is_file() or not shutil.which("node"):
        unavailable("Comunica (npm @comunica/query-sparql-file in .node/, and Node.js) is not installed",
                    "scripts/install-comunica.sh")
    port = free_port()
    env = {**os.environ, "NODE_OPTIONS": f"--require {ROOT / 'scripts' / 'comunica' / 'listen-local.js'}"}
    base = f"http://127.0.0.1:{port}"
    proc, took = _launch([str(exe), str(source), "--port", str(port), "--timeout", str(COMUNICA_TIMEOUT)], folder / "comunica.log",
                         base + "/sparql?query=ASK%7B%7D", 90, "Comunica", env, "scripts/install-comunica.sh")
    return Store("comunica", base + "/sparql", "", "", {}, took), proc


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}, /usr/share/virtuoso-opensource-7/vad
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledDavVSP = 0

[SPARQL]
; the stock 10000 truncates result sets silently
ResultSetMaxRows = {max_rows}
; the stock estimate rejects expensive queries before running them
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 120
"""


def start_virtuoso(folder: Path, max_rows: int = 1000000):
    """Start Virtuoso 7 as a plain process with its own ini and database in ``folder``."""
    exe = shutil.which("virtuoso-t")
    if not exe:
        unavailable("Virtuoso (Debian package virtuoso-opensource, program virtuoso-t) is not installed")
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=folder, sql_port=sql_port, http_port=http_port, max_rows=max_rows), encoding="utf-8")
    log = folder / "virtuoso.out"
    proc = subprocess.Popen([exe, "+configfile", str(ini), "+foreground"], cwd=folder,
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    try:
        took = wait_until_answers(base + "/sparql?query=ASK%7B%7D", proc, 90, log)
    except RuntimeError as e:
        stop(proc, 60)
        unavailable(f"Virtuoso did not start: {e}")
    return Store("virtuoso", base + "/sparql", base + "/sparql-graph-crud-auth", base + "/sparql-auth",
                 {"IKZ_GRAPH_USER": "dba", "IKZ_GRAPH_PASSWORD": "dba"}, took, sql_port), proc


class FaultProxy:
    """An HTTP proxy in front of a real server that breaks requests on purpose.

    ``fail_first``: answer that many requests with ``503 Service Unavailable`` (then forward).
    ``cut_large_after``: let that many requests with a body over ``large`` bytes through, then cut
    every further large request off after half of its body (both connections are closed), so the
    server receives a broken upload. ``hang_after``: let that many large requests through, then
    hold every further request (of any size) unanswered until the proxy is closed. ``move``: a
    SPARQL Update ``MOVE`` is answered ``500`` without reaching the server (``"500"``), or reaches
    the server whose answer is then thrown away and the client's connection reset
    (``"lose-answer"``). Every request is forwarded on its own connection.
    """

    def __init__(self, target_port: int, *, fail_first: int = 0, cut_large_after: int | None = None,
                 large: int = 20000, hang_after: int | None = None, move: str | None = None):
        self.target_port, self.fail_first, self.cut_large_after, self.large = \
            target_port, fail_first, cut_large_after, large
        self.hang_after, self.move, self._hanging, self._closed = hang_after, move, False, False
        self.requests: list[tuple[str, int, str, bool]] = []  # (request line, body length, action, authorized)
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._large_seen = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, server_url: str) -> str:
        """``server_url`` with the proxy's port instead of the server's."""
        return server_url.replace(f":{self.target_port}/", f":{self.port}/", 1)

    def close(self) -> None:
        self._closed = True
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _action(self, length: int, body: bytes) -> str:
        if self.fail_first > 0:
            self.fail_first -= 1
            return "503"
        if self.move and body.lstrip().upper().startswith(b"MOVE"):
            return self.move
        if length > self.large and (self.cut_large_after is not None or self.hang_after is not None):
            self._large_seen += 1
            if self.hang_after is not None and self._large_seen > self.hang_after:
                self._hanging = True
            if self.cut_large_after is not None and self._large_seen > self.cut_large_after:
                return "cut"
        return "hang" if self._hanging else "forward"

    def _handle(self, conn: socket.socket) -> None:
        try:
            self._forward(conn)
        except OSError:
            pass                                    # a client or server that went away

    def _forward(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            while True:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                head, _, body = head.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = 0
                for h in lines[1:]:
                    k, _, v = h.partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v.strip())
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    body += chunk
                with self._lock:
                    action = self._action(length, body)
                    authorized = any(h.lower().startswith("authorization:") for h in lines[1:])
                    self.requests.append((lines[0], length, action, authorized))
                if action in ("503", "500"):
                    reason = "Service Unavailable" if action == "503" else "Internal Server Error"
                    conn.sendall(f"HTTP/1.1 {action} {reason}\r\nContent-Length: 0\r\n\r\n".encode())
                    continue
                if action == "hang":
                    while not self._closed:
                        time.sleep(0.05)
                    return
                headers = [h for h in lines[1:] if h.partition(":")[0].strip().lower() != "connection"]
                out = ("\r\n".join([lines[0], *headers, "Connection: close"]) + "\r\n\r\n").encode("latin-1")
                up = socket.create_connection(("127.0.0.1", self.target_port), timeout=60)
                with up:
                    if action == "cut":
                        up.sendall(out + body[: length // 2])
                        time.sleep(0.2)
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        return                      # closes both: the server gets half a body
                    try:
                        up.sendall(out + body)
                    except OSError:     # the server answered before the whole body (a digest challenge
                        pass            # to an unauthenticated upload) and closed: pass its answer on
                    answer = _Closing()
                    while True:
                        data = up.recv(65536)
                        if not data:
                            break
                        if action != "lose-answer":
                            conn.sendall(answer.feed(data))
                if action == "lose-answer":                 # the server did it; the client never hears
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return                              # Connection: close towards the client as well


class _Closing:
    """Rewrites the head of a forwarded answer to say ``Connection: close``. The proxy closes every
    client connection after one answer; a server that answers without that header (Oxigraph does)
    would otherwise leave the client to reuse a connection the proxy is closing, and whether the
    next request reaches the server would depend on timing."""

    def __init__(self):
        self._head: bytes | None = b""

    def feed(self, data: bytes) -> bytes:
        if self._head is None:
            return data
        self._head += data
        if b"\r\n\r\n" not in self._head:
            return b""
        head, _, rest = self._head.partition(b"\r\n\r\n")
        self._head = None
        lines = [h for h in head.split(b"\r\n") if h.partition(b":")[0].strip().lower() != b"connection"]
        return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + rest


class SlowServer:
    """An HTTP server that answers every request one byte at a time (``drip`` seconds apart): a
    server that is alive but never done. It answers ``body`` with ``content_type``."""

    def __init__(self, body: bytes = b"", content_type: str = "application/sparql-results+json", drip: float = 0.25):
        self.body, self.content_type, self.drip = body, content_type, drip
        self.requests: list[str] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self._sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            with conn:
                conn.settimeout(60)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                head, _, body = head.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                self.requests.append(lines[0])
                length = next((int(h.split(":", 1)[1]) for h in lines[1:] if h.lower().startswith("content-length:")), 0)
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    body += chunk
                answer = (f"HTTP/1.1 200 OK\r\nContent-Type: {self.content_type}\r\n"
                          f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n").encode() + self.body
                for i in range(len(answer)):
                    conn.sendall(answer[i:i + 1])
                    time.sleep(self.drip)
        except OSError:
            pass
