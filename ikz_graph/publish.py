"""Publish the graph to a triple store over HTTP (endpoints, credentials and retries: :mod:`ikz_graph.http`).

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

Credentials come from the environment or a netrc file, never from the command line, and are
never part of an error message (:func:`ikz_graph.http.credentials_for`).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import PublishError, RemoteError
from .http import auth_hint, check_endpoint, credentials_for, http_auth, request_with_retry, session
from .namespaces import GRAPH_PUBLISHED

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph as ox

    from .graph import KnowledgeGraph

__all__ = ["PublishReport", "publish", "PROTOCOLS"]

PROTOCOLS = ("gsp", "update")
#: Triples per ``INSERT DATA`` request with ``--protocol update``.
CHUNK = 2000


@dataclass(frozen=True)
class PublishReport:
    endpoint: str
    graph: str
    protocol: str
    triples: int
    requests: int
    seconds: float


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
        hint = auth_hint(creds) if e.status in (401, 403) else ""
        raise PublishError(f"{e}{hint}; the graph {graph} on the server was not replaced") from None
    return PublishReport(endpoint, graph, protocol, len(triples), sent, time.monotonic() - start)


def _upload(triples, endpoint, target, protocol, creds, auth, timeout, chunk) -> int:
    import pyoxigraph as ox

    sent = 0
    with session() as s:
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
