"""The front of ``ikz-graph serve``: the HTTP server users talk to, in ikz-graph's own process.

It listens on the port the user chose and passes requests on to the Oxigraph server behind it
(on a private port of 127.0.0.1), so that the endpoint's rules are kept here, whatever Oxigraph
would do:

* only reading: queries (``GET``/``POST /query``) and ``GET``/``HEAD``/``OPTIONS`` of the other
  pages (the query editor at ``/``, ``/store?graph=…`` downloads); every other method is refused;
* a query is taken from the request (URL, form or ``application/sparql-query`` body, exactly one
  ``query``) and checked by the backend (``ikz-graph serve`` refuses ``SERVICE``); Oxigraph
  receives a new request with exactly that text, so what was checked is what runs.

The answer is passed back as it comes (streamed); an answer without a length is sent chunked, so
a client can tell an answer that was cut off from a complete one.
"""
from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, urlencode

from .errors import RequestRefused

__all__ = ["Front", "Backend", "MAX_BODY"]

#: The largest request body accepted (bytes).
MAX_BODY = 16 * 1024 * 1024
#: Protocol parameters passed on with a query (SPARQL 1.1 Protocol, Oxigraph's union-default-graph).
_QUERY_PARAMS = ("default-graph-uri", "named-graph-uri", "union-default-graph")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer", "upgrade",
               "proxy-authenticate", "proxy-authorization"}
_PASSED_ON = ("Accept", "Accept-Encoding", "Origin", "Access-Control-Request-Method",
              "Access-Control-Request-Headers", "If-None-Match", "If-Modified-Since")


class Backend(Protocol):
    """What the front needs from the server behind it."""

    def upstream(self) -> tuple[str, int]: ...

    def check(self, query: str) -> None:
        """Raise :class:`RequestRefused` for a query that must not run."""

    def begin(self) -> int:
        """A query starts (its time limit runs from now); returns its number."""

    def end(self, flight: int) -> str | None:
        """The query ended; returns why it was stopped, if it was (it ran over the time limit)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ikz-graph"
    timeout = 120  # an idle client connection is closed after this many seconds

    def log_message(self, *args) -> None:  # the command prints its own lines; no access log
        pass

    def do_GET(self) -> None:
        self._route("GET")

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_POST(self) -> None:
        self._route("POST")

    def do_OPTIONS(self) -> None:
        self._route("OPTIONS")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def _route(self, method: str) -> None:
        self.close_connection = True
        path, _, qs = self.path.partition("?")
        try:
            if path == "/query" and (method == "POST" or method == "GET" and qs):
                self._query(method, qs)
            elif method in ("GET", "OPTIONS") or method == "HEAD" and path != "/query":
                self._forward(method, self.path, None, self._passed_on())   # pages, downloads, CORS
            else:
                raise RequestRefused(405, "this endpoint is read-only: it answers SPARQL queries (GET or POST /query)")
        except RequestRefused as e:
            self._fail(e.status, e.message)

    def _passed_on(self) -> dict[str, str]:
        return {h: self.headers[h] for h in _PASSED_ON if self.headers.get(h) is not None}

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise RequestRefused(411, "send the request body with a Content-Length")
        if self.headers.get("Content-Encoding", "identity").lower() != "identity":
            raise RequestRefused(415, "compressed request bodies are not accepted")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise RequestRefused(400, "bad Content-Length") from None
        if length > MAX_BODY:
            raise RequestRefused(413, f"the request body is larger than {MAX_BODY} bytes")
        return self.rfile.read(length) if length > 0 else b""

    def _query(self, method: str, qs: str) -> None:
        """Take the query out of the request, check it, and pass exactly that text on."""
        params = _params(qs)
        if method == "POST":
            body = self._body()
            kind = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            if kind == "application/x-www-form-urlencoded":
                params += _params(body.decode("latin-1"))
            elif kind == "application/sparql-query":
                if any(k == "query" for k, _ in params):
                    raise RequestRefused(400, "the query is given both in the URL and in the body")
                params.append(("query", _text(body)))
            else:
                raise RequestRefused(415, "send the query as application/sparql-query or as a form "
                                    "(application/x-www-form-urlencoded)")
        queries = [v for k, v in params if k == "query"]
        if len(queries) != 1:
            raise RequestRefused(400, "give exactly one query")
        self.server.backend.check(queries[0])
        kept = urlencode([(k, v) for k, v in params if k in _QUERY_PARAMS])
        headers = {**self._passed_on(), "Content-Type": "application/sparql-query; charset=utf-8"}
        backend = self.server.backend
        flight = backend.begin()
        try:
            self._forward("POST", "/query" + ("?" + kept if kept else ""), queries[0].encode("utf-8"), headers)
        except RequestRefused:
            stopped = backend.end(flight)
            if stopped:
                raise RequestRefused(500, stopped) from None
            raise
        backend.end(flight)

    def _forward(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> None:
        host, port = self.server.backend.upstream()
        up = http.client.HTTPConnection(host, port, timeout=self.server.read_timeout)
        try:
            try:
                up.request(method, path, body=body, headers=headers)
                resp = up.getresponse()
            except (OSError, http.client.HTTPException):
                raise RequestRefused(503, "the SPARQL server behind this endpoint did not answer; try again") from None
            self._relay(method, resp)
        finally:
            up.close()

    def _relay(self, method: str, resp: http.client.HTTPResponse) -> None:
        """Send the upstream answer on as it comes; chunked when its length is not known."""
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in _HOP_BY_HOP:
                self.send_header(k, v)
        no_body = method == "HEAD" or resp.status in (204, 304) or 100 <= resp.status < 200
        length = resp.getheader("Content-Length")
        chunked = not no_body and length is None
        if no_body:
            self.send_header("Content-Length", length or "0")
        elif chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", length)
        self.send_header("Connection", "close")
        self.end_headers()
        if no_body:
            return
        try:
            while True:
                block = resp.read1(65536)
                if not block:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (OSError, http.client.HTTPException):
            pass  # the answer broke off, or the client went away: the client sees no final chunk

    def _fail(self, status: int, message: str) -> None:
        body = (message + "\n").encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if self.headers.get("Origin"):
                self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefused(400, "the query is not UTF-8") from None


def _params(qs: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(qs, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise RequestRefused(400, "the parameters are not UTF-8") from None


class Front(ThreadingHTTPServer):
    """The front, listening on ``(host, port)`` (binding it here: a port in use fails at once).

    ``backend.check(query)`` is called with every query before it is passed on.
    """

    daemon_threads = True

    def __init__(self, host: str, port: int, backend: Backend, read_timeout: float = 3600.0):
        self.backend = backend
        self.read_timeout = read_timeout
        super().__init__((host, port), _Handler)
