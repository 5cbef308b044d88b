"""Publish the graph to a triple store over HTTP, and the HTTP plumbing shared with remote queries.

Two ways to replace a named graph on a server with the current build:

``gsp``
    SPARQL 1.1 Graph Store HTTP Protocol: one ``PUT ENDPOINT?graph=IRI`` with the whole graph as
    N-Triples. The store reads the complete body before it replaces the graph, so an upload that
    breaks off leaves the old graph as it was (tested with Oxigraph and Virtuoso).
``update``
    SPARQL 1.1 Update, for stores that offer only that: the triples go to a fresh staging graph in
    chunks of ``INSERT DATA``; only when every chunk was accepted does one last request
    ``MOVE`` the staging graph onto the target graph. A failure before that leaves the target
    untouched (and the staging graph is dropped).

Credentials come from the environment (``IKZ_GRAPH_USER``, ``IKZ_GRAPH_PASSWORD``) or a netrc file
(``$NETRC`` or ``~/.netrc``, entry for the endpoint's host), never from the command line; they are
never part of an error message. HTTP basic and digest authentication are supported; ``auto`` asks
the server which one it wants.
"""
from __future__ import annotations

import netrc
import os
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from .errors import IkzError

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph as ox
    import requests

    from .graph import KnowledgeGraph

__all__ = ["RemoteError", "PublishError", "Credentials", "PublishReport", "publish", "credentials_for", "check_endpoint",
           "GRAPH_PUBLISHED", "PROTOCOLS", "AUTH_SCHEMES", "http_auth", "request_with_retry"]

#: Default IRI of the published graph: ontology and data together, so that every named query runs.
GRAPH_PUBLISHED = "https://w3id.org/ikz-graph/graph/all"
PROTOCOLS = ("gsp", "update")
AUTH_SCHEMES = ("auto", "basic", "digest", "none")
ENV_USER, ENV_PASSWORD = "IKZ_GRAPH_USER", "IKZ_GRAPH_PASSWORD"
#: Attempts per request (the first try and two retries) on connection errors and 502/503/504.
ATTEMPTS = 3
RETRY_STATUS = (502, 503, 504)
#: Triples per ``INSERT DATA`` request with ``--protocol update``.
CHUNK = 2000


class RemoteError(IkzError):
    """A request to a remote endpoint failed; the message names the endpoint and the HTTP status
    (also in ``status`` when the server answered)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class PublishError(RemoteError):
    """Publishing failed; the previously published graph is left as it was."""


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str
    origin: str  # where they came from: "environment" or the netrc path (never the secret itself)

    def __repr__(self) -> str:  # keep the password out of tracebacks and logs
        return f"Credentials(user={self.user!r}, password=***, origin={self.origin!r})"


@dataclass(frozen=True)
class PublishReport:
    endpoint: str
    graph: str
    protocol: str
    triples: int
    requests: int
    seconds: float


def check_endpoint(url: str) -> str:
    """An http(s) URL without credentials in it; raise :class:`RemoteError` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"endpoint {url!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        safe = parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl()
        raise RemoteError(f"endpoint {safe}: credentials in the URL are not accepted; set {ENV_USER} and "
                           f"{ENV_PASSWORD} or use a netrc file")
    return url


def credentials_for(url: str, env: dict[str, str] | None = None) -> Credentials | None:
    """Credentials for ``url``: environment variables first, then ``$NETRC`` or ``~/.netrc``."""
    env = os.environ if env is None else env
    user, password = env.get(ENV_USER), env.get(ENV_PASSWORD)
    if user or password:
        if not (user and password is not None):
            raise RemoteError(f"set both {ENV_USER} and {ENV_PASSWORD} (only one of them is set)")
        return Credentials(user, password, "environment")
    path = env.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(urlsplit(url).hostname or "")
    except netrc.NetrcParseError as e:  # its message may quote a token, so only the line is given
        raise RemoteError(f"cannot read the netrc file {path}: syntax error in line {e.lineno}") from None
    except OSError as e:
        raise RemoteError(f"cannot read the netrc file {path}: {e.strerror}") from None
    if not entry:
        return None
    login, _, password = entry
    return Credentials(login, password or "", path)


def http_auth(session: "requests.Session", url: str, creds: Credentials | None, scheme: str, timeout: float):
    """The ``requests`` auth object for ``scheme``, or None.

    ``auto`` asks the server with one ``HEAD``: digest or basic as its 401 challenge demands, and no
    authentication at all when it does not ask for any (the password is never sent unasked).
    """
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth

    if scheme not in AUTH_SCHEMES:
        raise RemoteError(f"unknown authentication {scheme!r} (known: {', '.join(AUTH_SCHEMES)})")
    if creds is None or scheme == "none":
        return None
    if scheme == "auto":
        r = request_with_retry(session, "HEAD", url, timeout=timeout, ok=lambda r: r.status_code not in RETRY_STATUS)
        if r.status_code != 401:
            return None
        challenge = r.headers.get("WWW-Authenticate", "")
        scheme = "digest" if challenge.lower().lstrip().startswith("digest") else "basic"
    return HTTPDigestAuth(creds.user, creds.password) if scheme == "digest" else HTTPBasicAuth(creds.user, creds.password)


def _status_text(r: "requests.Response") -> str:
    return f"HTTP {r.status_code}" + (f" {r.reason}" if r.reason else "")


def request_with_retry(session: "requests.Session", method: str, url: str, *, timeout: float,
                       ok: Callable[["requests.Response"], bool] | None = None, idempotent: bool = True,
                       **kw: Any) -> "requests.Response":
    """Send one request; retry (bounded: :data:`ATTEMPTS` tries, 0.5 s then 1 s apart) on a
    connection error or HTTP 502/503/504. A request that is not ``idempotent`` is retried only when
    the connection could not be opened (so it cannot have reached the server).

    Any other failure raises :class:`RemoteError` naming method, endpoint and HTTP status.
    """
    import requests

    ok = ok or (lambda r: 200 <= r.status_code < 300)
    where = urlsplit(url)._replace(query="", fragment="").geturl()
    last, status = "", None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            r = session.request(method, url, timeout=timeout, **kw)
        except requests.exceptions.ConnectTimeout:
            last = f"no connection within {timeout:g} s"
        except requests.exceptions.Timeout:
            last = f"no answer within {timeout:g} s"
            if not idempotent:
                break
        except requests.exceptions.ConnectionError as e:
            never_sent = _never_sent(e)
            last = "the connection failed" if never_sent else "the connection broke off"
            if not idempotent and not never_sent:
                break
        else:
            if ok(r):
                return r
            last, status = _status_text(r), r.status_code
            if r.status_code not in RETRY_STATUS:
                break
        if attempt < ATTEMPTS:
            time.sleep(0.5 * attempt)
    tries = f" after {attempt} attempts" if attempt > 1 else ""
    raise RemoteError(f"{method} {where} failed: {last}{tries}", status)


def _never_sent(e: Exception) -> bool:
    """True when the connection could not even be opened (so the server saw nothing)."""
    from urllib3.exceptions import NewConnectionError

    reason = getattr(e.args[0], "reason", None) if e.args else None
    return isinstance(reason, NewConnectionError) or isinstance(e.args[0] if e.args else None, NewConnectionError)


def _ntriples(triples: list["ox.Triple"]) -> bytes:
    import pyoxigraph as ox

    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def _sparql_update(session, url: str, text: str, auth, timeout: float, idempotent: bool = True) -> None:
    request_with_retry(session, "POST", url, timeout=timeout, auth=auth, idempotent=idempotent,
                       data=text.encode("utf-8"),
                       headers={"Content-Type": "application/sparql-update; charset=utf-8"})


def publish(kg: "KnowledgeGraph", endpoint: str, graph: str = GRAPH_PUBLISHED, protocol: str = "gsp", *,
            auth: str = "auto", timeout: float = 60.0, env: dict[str, str] | None = None,
            chunk: int = CHUNK) -> PublishReport:
    """Replace the named graph ``graph`` on ``endpoint`` with all triples of ``kg``.

    ``endpoint`` is the Graph Store endpoint (``gsp``; e.g. Oxigraph ``…/store``, Virtuoso
    ``…/sparql-graph-crud-auth``) or the SPARQL Update endpoint (``update``; Oxigraph ``…/update``,
    Virtuoso ``…/sparql-auth``). Raises :class:`PublishError`; the old graph stays as it was then.
    """
    import pyoxigraph as ox

    if protocol not in PROTOCOLS:
        raise PublishError(f"unknown protocol {protocol!r} (known: {', '.join(PROTOCOLS)})")
    check_endpoint(endpoint)
    try:
        target = ox.NamedNode(graph)
    except ValueError:
        raise PublishError(f"graph {graph!r} is not a valid IRI") from None
    if not graph.startswith(("http://", "https://", "urn:")):
        raise PublishError(f"graph {graph!r} is not an absolute IRI (http, https or urn)")
    creds = credentials_for(endpoint, env)
    triples = kg.triples
    start = time.monotonic()
    try:
        sent = _upload(triples, endpoint, target, protocol, creds, auth, timeout, chunk)
    except RemoteError as e:
        hint = ""
        if e.status in (401, 403):
            hint = (f" (no credentials found: set {ENV_USER} and {ENV_PASSWORD} or use a netrc file)" if creds is None
                    else f" (check the credentials from {creds.origin})")
        raise PublishError(f"{e}{hint}; the graph {graph} on the server was not replaced") from None
    return PublishReport(endpoint, graph, protocol, len(triples), sent, time.monotonic() - start)


def _upload(triples, endpoint, target, protocol, creds, auth, timeout, chunk) -> int:
    import pyoxigraph as ox
    import requests

    sent = 0
    with requests.Session() as s:
        s.trust_env = False  # never pick up a proxy or a netrc behind our back
        a = http_auth(s, endpoint, creds, auth, timeout)
        if protocol == "gsp":
            request_with_retry(s, "PUT", endpoint, params={"graph": target.value}, timeout=timeout, auth=a,
                               data=_ntriples(triples), headers={"Content-Type": "application/n-triples"})
            sent = 1
        else:
            staging = ox.NamedNode(f"urn:uuid:{uuid.uuid4()}")
            try:
                # Drops nothing (the graph is new); it lets digest authentication settle on a small body.
                _sparql_update(s, endpoint, f"DROP SILENT GRAPH {staging}", a, timeout)
                sent += 1
                for i in range(0, len(triples), chunk):
                    body = _ntriples(triples[i:i + chunk]).decode("utf-8")
                    _sparql_update(s, endpoint, f"INSERT DATA {{ GRAPH {staging} {{\n{body}}} }}", a, timeout)
                    sent += 1
            except RemoteError:
                try:  # best effort: do not leave the half-filled staging graph behind
                    _sparql_update(s, endpoint, f"DROP SILENT GRAPH {staging}", a, min(timeout, 10.0))
                except RemoteError:
                    pass
                raise
            # The swap: one request, so the store applies it as a whole. Not retried once it may
            # have reached the server (a second MOVE from an already moved graph would empty the target).
            _sparql_update(s, endpoint, f"MOVE SILENT {staging} TO {target}", a, timeout, idempotent=False)
            sent += 1
    return sent
