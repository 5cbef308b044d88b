"""A local SPARQL endpoint over the built graph, with the Oxigraph server (pip package ``oxigraph``).

The graph is loaded into a temporary Oxigraph database, in the named graph
:data:`ikz_graph.namespaces.GRAPH_PUBLISHED`, and served read-only on 127.0.0.1 with the union of all
graphs as the default graph, so YASGUI, notebooks and ``ikz-graph query --endpoint`` need no
``GRAPH`` clause. Cross-origin requests are allowed, for browser tools such as YASGUI::

    with start_server(kg, port=0) as srv:
        print(srv.query_url)          # http://127.0.0.1:41235/query
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ServeError
from .namespaces import GRAPH_PUBLISHED

if TYPE_CHECKING:  # pragma: no cover
    from .graph import KnowledgeGraph

__all__ = ["ServeError", "Server", "start_server", "oxigraph_command", "free_port"]


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


class Server:
    """A running ``oxigraph serve-read-only`` process; :meth:`stop` ends it and removes its folder."""

    def __init__(self, process: subprocess.Popen, host: str, port: int, folder: Path):
        self.process, self.host, self.port, self.folder = process, host, port, folder
        self.url = f"http://{host}:{port}"
        self.query_url = self.url + "/query"
        self.graph = GRAPH_PUBLISHED

    def wait(self) -> int:
        return self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1] if lines else ""


def start_server(kg: "KnowledgeGraph", port: int = 7878, host: str = "127.0.0.1",
                 timeout: float = 30.0) -> Server:
    """Load ``kg`` into a temporary Oxigraph database and serve it; return when it answers.

    ``port=0`` picks a free port. Raises :class:`ServeError` when the server does not come up
    (the port is taken, the program is missing) within ``timeout`` seconds.
    """

    if not 0 <= port <= 65535:
        raise ServeError(f"port {port} is not between 0 and 65535")
    exe = oxigraph_command()
    if port:
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError as e:
                raise ServeError(f"the Oxigraph server on {host}:{port} cannot start: the port is in use ({e.strerror})") \
                    from None
    folder = Path(tempfile.mkdtemp(prefix="ikz-graph-serve-"))
    try:
        nt = folder / "ikz.nt"
        from .exports import serialize

        nt.write_bytes(serialize(kg, "nt"))
        db = folder / "db"
        load = subprocess.run([exe, "load", "--location", str(db), "--file", str(nt), "--graph", GRAPH_PUBLISHED],
                              capture_output=True, text=True, timeout=300)
        if load.returncode != 0:
            raise ServeError(f"oxigraph load failed: {(load.stderr or load.stdout).strip()[-300:]}")
        nt.unlink()
        port = port or free_port(host)
        log = folder / "server.log"
        with open(log, "wb") as fh:
            proc = subprocess.Popen([exe, "serve-read-only", "--location", str(db), "--bind", f"{host}:{port}",
                                     "--union-default-graph", "--cors"],
                                    stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT)
    except (OSError, subprocess.SubprocessError) as e:
        shutil.rmtree(folder, ignore_errors=True)
        raise ServeError(f"cannot start the Oxigraph server: {e}") from None
    except ServeError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    server = Server(proc, host, port, folder)
    deadline = time.monotonic() + timeout
    probe = server.query_url + "?query=ASK%7B%7D"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: never via a proxy
    while True:
        if proc.poll() is not None:
            msg = _log_tail(log)
            server.stop()
            raise ServeError(f"the Oxigraph server on {host}:{port} stopped at once: {msg or 'no message'}")
        try:
            with opener.open(probe, timeout=2) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise ServeError(f"the Oxigraph server on {host}:{port} did not answer within {timeout:g} s")
        time.sleep(0.1)

