"""A local SPARQL endpoint over the built graph, with the Oxigraph server (pip package ``oxigraph``).

The graph is loaded into a temporary Oxigraph database, in the named graph
:data:`ikz_graph.namespaces.GRAPH_PUBLISHED`, and served read-only with the union of all graphs
as the default graph, so YASGUI, notebooks and ``ikz-graph query --endpoint`` need no ``GRAPH``
clause. Cross-origin requests are allowed, for browser tools such as YASGUI::

    with start_server(kg, port=0) as srv:
        print(srv.query_url)          # http://127.0.0.1:41235/query
        print(srv.page_url)           # http://127.0.0.1:41235/ (YASGUI query page)

Users talk to the front (:mod:`ikz_graph.serve_http`) in this process, on the port they chose;
it is bound before anything else is done, so a port in use is an error at once, never after a
success line. The Oxigraph server runs behind it on a private port of 127.0.0.1.

**No federation.** The Oxigraph server runs ``SERVICE`` (it sends the inner query to any URL and
returns the answer, error pages included), and it has no switch to turn that off. With
cross-origin requests allowed, any web page open in a browser could then make this endpoint POST
to hosts on the user's network and read their answers. So the front refuses every query that may
call ``SERVICE`` (:func:`may_call_service`) with HTTP 400 before it reaches Oxigraph, unless the
server was started with ``allow_service=True`` (``serve --allow-service``).

**A time limit per query.** Oxigraph's own ``--timeout-s`` stops only some queries (an aggregate
over a large join or a big sort runs on). So the front also times every query: when one runs
:data:`GRACE` seconds beyond ``query_timeout``, the Oxigraph server is killed and started anew on
the same read-only database (a fraction of a second); that query gets HTTP 500 saying so, other
queries running at that moment get 503 ("try again").

**Nothing left behind.** :meth:`Server.stop` ends the Oxigraph server and removes the temporary
database (``ikz-graph serve`` calls it on Ctrl-C, SIGTERM and SIGHUP). On Linux the Oxigraph
server is also told to die with the thread that started it (``PR_SET_PDEATHSIG``), so even a
``kill -9`` of ikz-graph does not leave it serving; the database folder such a kill leaves
(``ikz-graph-serve-PID-…`` in the temporary folder) is removed by the next start.
"""
from __future__ import annotations

import ctypes
import errno
import itertools
import os
import math
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import RequestRefused, ServeError
from .namespaces import GRAPH_PUBLISHED
from .serve_http import Front

if TYPE_CHECKING:  # pragma: no cover
    from .graph import KnowledgeGraph

__all__ = ["ServeError", "Server", "start_server", "oxigraph_command", "free_port", "may_call_service",
           "DEFAULT_QUERY_TIMEOUT"]


#: Seconds a query may take (``serve --query-timeout``), and how long beyond it the front waits for
#: Oxigraph to stop the query itself before it stops the server.
DEFAULT_QUERY_TIMEOUT = 60.0
GRACE = 1.0
#: "service" in any case; Oxigraph's parser matches its keywords by ASCII letters, without looking
#: at what comes before or after them (``SERVICE<…>``, ``trueSERVICE``, ``SERVICEex:x`` all count).
_SERVICE = re.compile("service", re.IGNORECASE)
#: A letter written as a \u or \U escape (a parser that undoes escapes first would read a keyword).
_ESCAPED_LETTER = re.compile(r"\\(?:u00|U000000)(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa])")
#: Letters that start no SPARQL keyword, and no vowels: a word of them is never a keyword.
_INERT = "bdfghjklmnpqtvwxz"


def may_call_service(query: str, base_iri: str | None = None) -> str | None:
    """Why ``query`` may call ``SERVICE``, or None when it certainly does not.

    A query without the letters "service" cannot. Otherwise every "service" is replaced by a
    word that is no keyword and occurs nowhere in the query, and the result is parsed by pyoxigraph (the same SPARQL
    parser as the Oxigraph server): inside a string, an IRI, a comment, a variable or a prefixed
    name the word changes nothing, so the query still parses; where it was the keyword SERVICE,
    a bare unknown word cannot parse. A query that does not parse then is refused too, as is one
    that writes a letter as a \\u escape.
    """
    import pyoxigraph as ox

    if _ESCAPED_LETTER.search(query):
        return "it writes a letter as a \\u escape"
    if not _SERVICE.search(query):
        return None
    lower, word = query.lower(), ""
    while not word or word in lower:  # 7 letters like "service", so a language subtag stays valid
        word = "zq" + "".join(secrets.choice(_INERT) for _ in range(5))
    try:
        ox.Store().query(_SERVICE.sub(word, query), base_iri=base_iri)
    except SyntaxError as e:
        where = str(e).replace(word, "service").splitlines()[0].split(": expected", 1)[0]
        return f"it calls SERVICE, or it does not parse ({where})"
    except Exception as e:  # parsed, but could not even start on an empty store: do not guess
        return f"it could not be checked ({type(e).__name__})"
    return None


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()
_PR_SET_PDEATHSIG = 1
_FOLDER_PREFIX = "ikz-graph-serve-"


def _die_with_parent(parent: int):
    """For ``preexec_fn``: the child gets SIGKILL when the thread that started it ends (Linux)."""
    if _PRCTL is None:
        return None

    def run() -> None:  # in the child, between fork and exec
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before that was set
            os._exit(1)
    return run


def _remove_stale_folders() -> None:
    """Remove the database folders of servers whose process no longer exists (killed with -9)."""
    tmp = Path(tempfile.gettempdir())
    try:
        entries = list(tmp.iterdir())
    except OSError:
        return
    for d in entries:
        parts = d.name[len(_FOLDER_PREFIX):].split("-", 1)
        if not d.name.startswith(_FOLDER_PREFIX) or not parts[0].isdigit():
            continue
        try:
            if d.lstat().st_uid != os.getuid() or not d.is_dir():
                continue
            os.kill(int(parts[0]), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except OSError:
            continue  # alive (or not ours): leave it


def oxigraph_command() -> str:
    """Path of the ``oxigraph`` server program (beside this Python, or on PATH)."""
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.is_file() else shutil.which("oxigraph")
    if not found:
        raise ServeError("the Oxigraph server is not installed (pip install 'ikz-graph[serve]', "
                         "which installs the package oxigraph)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that is free right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


class Server:
    """The running endpoint: the front on ``host:port`` and the Oxigraph server behind it.

    :meth:`wait` blocks until the Oxigraph server stops by itself (then it returns its exit code);
    :meth:`stop` ends both and removes the temporary database.
    """

    def __init__(self, front: Front, folder: Path, exe: str, allow_service: bool = False,
                 query_timeout: float = DEFAULT_QUERY_TIMEOUT):
        self.front, self.folder, self.exe, self.allow_service = front, folder, exe, allow_service
        self.query_timeout = query_timeout
        self.host, self.port = front.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self.query_url = self.url + "/query"
        #: Oxigraph's query page: YASGUI, served by the server itself, asking the endpoint of this server
        self.page_url = self.url + "/"
        self.graph = GRAPH_PUBLISHED
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._inner_port = 0
        self._threads: list[threading.Thread] = []
        self._flights: dict[int, float] = {}       # running queries: number -> start (monotonic)
        self._stopped_flights: set[int] = set()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stopping = threading.Event()
        front.backend = self

    def upstream(self) -> tuple[str, int]:
        self._ready.wait(60)  # while the Oxigraph server is started anew
        return "127.0.0.1", self._inner_port

    def begin(self) -> int:
        with self._lock:
            n = next(self._numbers)
            self._flights[n] = time.monotonic()
        return n

    def end(self, flight: int) -> str | None:
        with self._lock:
            self._flights.pop(flight, None)
            if flight in self._stopped_flights:
                self._stopped_flights.discard(flight)
                return f"the query ran longer than the time limit of {self.query_timeout:g} s and was stopped"
        return None

    def start(self, timeout: float) -> None:
        """Start the Oxigraph server (from the keeper thread, which it dies with) and the front."""
        started: list[BaseException] = []
        keeper = threading.Thread(target=self._keeper, args=(timeout, started), name="oxigraph keeper", daemon=True)
        keeper.start()
        self._threads.append(keeper)
        self._ready.wait()
        if started:
            raise started[0]
        front = threading.Thread(target=self.front.serve_forever, name="ikz-graph serve", daemon=True)
        front.start()
        self._threads.append(front)

    def _keeper(self, timeout: float, failed: list) -> None:
        """Start the Oxigraph server; then stop it (and start it anew) when a query runs over its
        time limit. The server is started from this thread only: it dies with it (Linux)."""
        try:
            self._start_oxigraph(timeout)
        except BaseException as e:
            failed.append(e)
            return
        finally:
            self._ready.set()
        while not self._stopping.wait(0.2):
            now = time.monotonic()
            with self._lock:
                over = [n for n, t in self._flights.items()
                        if now - t > self.query_timeout + GRACE and n not in self._stopped_flights]
                self._stopped_flights.update(over)
            if over and not self._stopping.is_set():
                self._restart()

    def _restart(self) -> None:  # in the keeper thread
        self._ready.clear()
        try:
            _end(self.process)
            self._start_oxigraph(30.0)
            self.restarts += 1
        except ServeError:
            pass  # wait() sees the dead process and reports it
        finally:
            self._ready.set()

    def check(self, query: str) -> None:
        """Refuse a query that may call SERVICE (unless federation was allowed)."""
        if not self.allow_service:
            why = may_call_service(query, self.query_url)
            if why:
                raise RequestRefused(400, f"query refused: {why}. This endpoint answers only from its own graph; "
                                          "SERVICE (federated queries) is off (ikz-graph serve --allow-service)")

    def _start_oxigraph(self, timeout: float) -> None:
        """Start ``oxigraph serve-read-only`` on a private port and wait until it answers."""
        log = self.folder / "server.log"
        for _ in range(3):  # the private port may be taken between choosing and binding it
            port = free_port()
            with open(log, "ab") as fh:
                proc = subprocess.Popen([self.exe, "serve-read-only", "--location", str(self.folder / "db"),
                                         "--bind", f"127.0.0.1:{port}", "--union-default-graph", "--cors",
                                         "--timeout-s", str(max(1, math.ceil(self.query_timeout)))],
                                        stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
                                        preexec_fn=_die_with_parent(os.getpid()))
            self.process, self._inner_port = proc, port
            if _answers(proc, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout, self._stopping):
                return
            if self._stopping.is_set():
                raise ServeError("stopped while starting")
            if proc.poll() is None:
                raise ServeError(f"the Oxigraph server did not answer within {timeout:g} s")
        raise ServeError(f"the Oxigraph server stopped at once: {_log_tail(log) or 'no message'}")

    def wait(self) -> int:
        """Block until the Oxigraph server stops by itself (not for a restart); return its exit code."""
        while True:
            proc = self.process
            code = proc.wait()
            self._ready.wait(60)
            if proc is self.process or self._stopping.is_set():
                return code

    def stop(self) -> None:
        self._stopping.set()
        if len(self._threads) > 1:
            self.front.shutdown()
        for t in self._threads:
            t.join(30)
        self._threads = []
        self.front.server_close()
        _end(self.process, gently=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _end(proc: subprocess.Popen | None, gently: bool = False) -> None:
    """End a child process: SIGTERM first when ``gently``, SIGKILL otherwise (or after 10 s)."""
    if proc is None or proc.poll() is not None:
        return
    if gently:
        proc.terminate()
        try:
            proc.wait(10)
            return
        except subprocess.TimeoutExpired:
            pass
    proc.kill()
    proc.wait()


def _answers(proc: subprocess.Popen, probe: str, timeout: float, stopping: threading.Event) -> bool:
    """Poll ``probe`` until HTTP 200 (True), or the process ends or ``stopping`` is set (False)."""
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: never via a proxy
    while proc.poll() is None and time.monotonic() < deadline and not stopping.is_set():
        try:
            with opener.open(probe, timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


def _front(host: str, port: int) -> Front:
    try:
        return Front(host, port, backend=None)
    except OSError as e:
        raise ServeError(f"cannot serve on {host}:{port}: "
                         + ("the port is in use" if e.errno == errno.EADDRINUSE else "the address cannot be used")
                         + f" ({e.strerror})") from None


def start_server(kg: "KnowledgeGraph", port: int = 7878, host: str = "127.0.0.1",
                 timeout: float = 30.0, *, allow_service: bool = False,
                 query_timeout: float = DEFAULT_QUERY_TIMEOUT) -> Server:
    """Load ``kg`` into a temporary Oxigraph database and serve it; return when it answers.

    ``port=0`` picks a free port. Queries that may call ``SERVICE`` are refused unless
    ``allow_service``; a query is stopped after ``query_timeout`` seconds. Raises :class:`ServeError` when the port is in use (at once, before
    loading), the program is missing, or the server does not come up within ``timeout`` seconds;
    nothing is left running then.
    """
    if not 0 <= port <= 65535:
        raise ServeError(f"port {port} is not between 0 and 65535")
    if not query_timeout > 0:
        raise ServeError(f"the query time limit must be positive, not {query_timeout!r}")
    exe = oxigraph_command()
    front = _front(host, port)
    _remove_stale_folders()
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{_FOLDER_PREFIX}{os.getpid()}-"))
    except OSError as e:
        front.server_close()
        raise ServeError(f"cannot make a temporary folder: {e.strerror}") from None
    server = Server(front, folder, exe, allow_service, query_timeout)
    try:
        _load(kg, exe, folder)
        server.start(timeout)
    except BaseException as e:
        server.stop()
        if isinstance(e, (OSError, subprocess.SubprocessError)):
            raise ServeError(f"cannot start the Oxigraph server: {e}") from None
        raise
    return server


def _load(kg: "KnowledgeGraph", exe: str, folder: Path) -> None:
    from .exports import serialize

    nt = folder / "ikz.nt"
    nt.write_bytes(serialize(kg, "nt"))
    load = subprocess.run([exe, "load", "--location", str(folder / "db"), "--file", str(nt), "--graph",
                           GRAPH_PUBLISHED], capture_output=True, text=True, timeout=300)
    if load.returncode != 0:
        raise ServeError(f"oxigraph load failed: {(load.stderr or load.stdout).strip()[-300:]}")
    nt.unlink()
