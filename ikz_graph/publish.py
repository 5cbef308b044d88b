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
    untouched; the staging graph is dropped, and named in the message when that fails. When the
    MOVE was sent but its answer was lost, the server is asked (a query endpoint) whether the
    staging graph is gone and the target holds the new triples, and the outcome is reported as
    found, or as unknown when the server cannot tell.

A failed request that was sent whole but not answered (``RemoteError.uncertain``) may have been
carried out, so no message claims the graph "was not replaced" then.

Credentials come from the environment or a netrc file, never from the command line, and are
never part of an error message (:func:`ikz_graph.http.credentials_for`).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import Interrupted, PublishError, RemoteError
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
    note: str = ""  # what was checked when an answer was lost, if one was


def _ntriples(triples: list["ox.Triple"]) -> bytes:
    import pyoxigraph as ox

    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def _sparql_update(session, url: str, text: str, auth, timeout: float, idempotent: bool = True) -> None:
    request_with_retry(session, "POST", url, timeout=timeout, auth=auth, idempotent=idempotent,
                       data=text.encode("utf-8"),
                       headers={"Content-Type": "application/sparql-update; charset=utf-8"})


def publish(kg: "KnowledgeGraph", endpoint: str, graph: str = GRAPH_PUBLISHED, protocol: str = "gsp", *,
            auth: str = "auto", timeout: float = 60.0, env: dict[str, str] | None = None,
            chunk: int = CHUNK, query_endpoint: str | None = None) -> PublishReport:
    """Replace the named graph ``graph`` on ``endpoint`` with all triples of ``kg``.

    ``endpoint`` is the Graph Store endpoint (``gsp``; e.g. Oxigraph ``…/store``, Virtuoso
    ``…/sparql-graph-crud-auth``) or the SPARQL Update endpoint (``update``; Oxigraph ``…/update``,
    Virtuoso ``…/sparql-auth``). Raises :class:`PublishError` whose message says what became of the
    graph: not replaced, or (when the last request was sent but not answered) unknown, and which
    staging graph is left, if any. ``query_endpoint``: where the outcome of a final ``MOVE`` whose
    answer was lost is checked (default: see :func:`_check_urls`).
    """
    import pyoxigraph as ox

    if protocol not in PROTOCOLS:
        raise PublishError(f"unknown protocol {protocol!r} (known: {', '.join(PROTOCOLS)})")
    check_endpoint(endpoint)
    if query_endpoint:
        check_endpoint(query_endpoint)
    try:
        target = ox.NamedNode(graph)
    except ValueError:
        raise PublishError(f"graph {graph!r} is not a valid IRI") from None
    if not graph.startswith(("http://", "https://", "urn:")):
        raise PublishError(f"graph {graph!r} is not an absolute IRI (http, https or urn)")
    triples = kg.triples
    job = _Job(endpoint, target, len(triples), credentials_for(endpoint, env), auth, timeout, env, query_endpoint)
    start = time.monotonic()
    with session() as s:
        try:
            job.auth_object = http_auth(s, endpoint, job.creds, auth, timeout)
        except RemoteError as e:
            raise PublishError(job.not_replaced(e)) from None
        if protocol == "gsp":
            sent, note = _put(s, job, triples), ""
        else:
            sent, note = _update(s, job, triples, chunk)
    return PublishReport(endpoint, graph, protocol, len(triples), sent, time.monotonic() - start, note)


@dataclass
class _Job:
    """One publication: where to, what, with which credentials; and the messages about its outcome."""

    endpoint: str
    target: "ox.NamedNode"
    triples: int
    creds: object
    auth: str
    timeout: float
    env: dict[str, str] | None
    query_endpoint: str | None
    auth_object: object = None

    def not_replaced(self, e: Exception, staging: str = "") -> str:
        hint = auth_hint(self.creds) if getattr(e, "status", None) in (401, 403) else ""
        return f"{str(e) or 'interrupted'}{hint}; the graph {self.target.value} on the server was not replaced{staging}"


def _put(s, job: _Job, triples) -> int:
    try:
        request_with_retry(s, "PUT", job.endpoint, params={"graph": job.target.value}, timeout=job.timeout,
                           auth=job.auth_object, data=_ntriples(triples),
                           headers={"Content-Type": "application/n-triples"})
    except RemoteError as e:
        if not e.uncertain:
            raise PublishError(job.not_replaced(e)) from None
        raise PublishError(f"{e}; the whole upload was sent but not answered, so whether the graph "
                           f"{job.target.value} on the server was replaced is unknown: check it (the new graph has "
                           f"{job.triples} triples)") from None
    return 1


def _update(s, job: _Job, triples, chunk: int) -> tuple[int, str]:
    """Fill a fresh staging graph chunk by chunk, then MOVE it onto the target in one request."""
    import pyoxigraph as ox

    staging = ox.NamedNode(f"urn:uuid:{uuid.uuid4()}")
    sent = 0
    try:
        # Drops nothing (the graph is new); it lets digest authentication settle on a small body.
        _sparql_update(s, job.endpoint, f"DROP SILENT GRAPH {staging}", job.auth_object, job.timeout)
        sent += 1
        for i in range(0, len(triples), chunk):
            body = _ntriples(triples[i:i + chunk]).decode("utf-8")
            _sparql_update(s, job.endpoint, f"INSERT DATA {{ GRAPH {staging} {{\n{body}}} }}", job.auth_object,
                           job.timeout)
            sent += 1
    except (RemoteError, KeyboardInterrupt, Interrupted) as e:
        late = isinstance(e, RemoteError) and e.uncertain
        raise PublishError(job.not_replaced(e, "; " + _drop(s, job, staging, late))) from None
    # The swap: one request, so the store applies it as a whole. Not retried once it may have
    # reached the server (a second MOVE from an already moved graph would empty the target).
    try:
        _sparql_update(s, job.endpoint, f"MOVE SILENT {staging} TO {job.target}", job.auth_object, job.timeout,
                       idempotent=False)
    except RemoteError as e:
        if not e.uncertain:  # answered with an error, or never sent: the target was not touched
            raise PublishError(job.not_replaced(e, "; " + _drop(s, job, staging, False))) from None
        return sent + 1, _lost_move_answer(job, staging, e)
    except (KeyboardInterrupt, Interrupted) as e:
        raise PublishError(f"{str(e) or 'interrupted'} during the final MOVE: whether the graph {job.target.value} was "
                           f"replaced is unknown; {_admin(staging)}") from None
    return sent + 1, ""


def _admin(staging) -> str:
    return (f"if the staging graph {staging.value} still exists, the MOVE was not applied: drop it with "
            f"DROP SILENT GRAPH {staging}")


def _drop(s, job: _Job, staging, late: bool) -> str:
    """Drop the staging graph (one attempt, short); say whether that worked, naming the graph."""
    try:
        _sparql_update(s, job.endpoint, f"DROP SILENT GRAPH {staging}", job.auth_object, min(job.timeout, 10.0),
                       idempotent=False)
    except (RemoteError, KeyboardInterrupt, Interrupted) as e:
        return (f"the staging graph {staging.value} with part of the upload may be left on the server (dropping it "
                f"failed: {str(e) or 'interrupted'}): drop it with DROP SILENT GRAPH {staging}")
    if late:
        return (f"the staging graph {staging.value} was dropped (a request that was not answered may still fill it: "
                f"check that it is gone, or drop it with DROP SILENT GRAPH {staging})")
    return f"the staging graph {staging.value} was dropped"


def _check_urls(job: _Job) -> list[str]:
    """Where to ask about the outcome: ``query_endpoint`` if given, else the query endpoint next to
    an update endpoint ending in ``/update`` (Oxigraph, Fuseki), then the update endpoint itself
    (Virtuoso's ``/sparql-auth`` answers queries too)."""
    if job.query_endpoint:
        return [job.query_endpoint]
    base = job.endpoint.split("?", 1)[0]
    return ([base[: -len("/update")] + "/query"] if base.endswith("/update") else []) + [job.endpoint]


def _lost_move_answer(job: _Job, staging, e: RemoteError) -> str:
    """The final MOVE was sent but not answered: ask the server what happened. Returns a note when
    the graph was replaced; raises :class:`PublishError` saying what is known otherwise."""
    from .errors import QueryError
    from .remote import RemoteEndpoint

    problems = []
    for url in _check_urls(job):
        ep = RemoteEndpoint(url, None, timeout=min(job.timeout, 30.0), auth=job.auth, env=job.env)
        try:
            n_target, n_staging = (ep.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}").rows[0]["n"]
                                   for g in (job.target, staging))
        except (RemoteError, QueryError) as q:
            problems.append(str(q))
            continue
        shown = f"graph {job.target.value} holds {n_target} triples, the staging graph {staging.value} {n_staging}"
        if n_staging == 0 and n_target == job.triples:
            return f"the answer to the final MOVE was lost; checked at {url}: {shown}, so the graph was replaced"
        if n_staging == job.triples:
            raise PublishError(f"{e}; the final MOVE was sent but not answered, and the server ({url}) shows {shown}: "
                               f"the graph was not replaced. Unless the server is still working on the MOVE, drop "
                               f"the staging graph with DROP SILENT GRAPH {staging}")
        raise PublishError(f"{e}; the final MOVE was sent but not answered, and the server ({url}) shows {shown} "
                           f"(expected {job.triples}): check the graph; {_admin(staging)}")
    raise PublishError(f"{e}; the final MOVE was sent but not answered, so whether the graph {job.target.value} was "
                       f"replaced is unknown (checking failed: {'; '.join(problems)}): check it on the server (the "
                       f"new graph has {job.triples} triples); {_admin(staging)}")
