"""Run SPARQL queries on a remote SPARQL 1.1 endpoint (through SPARQLWrapper).

:class:`RemoteEndpoint` has the same ``query(sparql, bindings)`` as
:class:`ikz_graph.graph.KnowledgeGraph` and returns the same :class:`ikz_graph.graph.Result`
(pyoxigraph terms), so named queries, their parameters and :func:`ikz_graph.queries.format_result`
work unchanged::

    ep = RemoteEndpoint("http://127.0.0.1:7878/query")
    run_remote(ep, "project-members", {"project": "emh"}).rows

Any SPARQL 1.1 endpoint works: the answer is asked for in the W3C result formats (JSON, else XML)
and read by pyoxigraph; the tests run every named query on Oxigraph, Virtuoso and Comunica. The
project's prefixes (:data:`ikz_graph.namespaces.PREFIXES`) are declared in front of every query. Parameters are bound the way the embedded store binds them (SEP-0007 substitution): each
occurrence of the variable is replaced by the RDF term as pyoxigraph writes it, so the value is
seen in nested groups, UNIONs, OPTIONALs and FILTERs alike. A ``VALUES`` block would not do: a
FILTER inside a UNION branch is evaluated before the join and would not see the value.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from . import namespaces as ns
from .errors import GiveUp, QueryError, RemoteError, TryAgain
from .http import (RETRY_STATUS, auth_hint, bounded, check_endpoint, credentials_for, http_auth, retrying, session,
                   urllib_opener)
from .namespaces import GRAPH_PUBLISHED
from .sparql_text import substitute, tokens

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from .graph import Result

__all__ = ["RemoteEndpoint", "run_remote", "prologue"]

#: The W3C SPARQL 1.1 result formats a remote answer may come in, and how pyoxigraph reads them.
RESULT_TYPES = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
                "application/sparql-results+xml": ox.QueryResultsFormat.XML}
#: The Accept header of every remote query: the two W3C formats, JSON preferred.
ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_XSD_STRING = ns.XSD + "string"
_XSD_BOOLEAN = ns.XSD + "boolean"
_BOOLEAN_CANONICAL = {"1": "true", "0": "false"}


def prologue(sparql: str = "") -> str:
    """``PREFIX`` declarations for every project prefix (sorted, one a line) that ``sparql`` does not declare
    itself (the named queries declare theirs, so that they also run pasted into any SPARQL client)."""
    own = {t.text.split(":", 1)[0] for t in _declared(sparql)}
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(ns.PREFIXES.items()) if p not in own)


def _declared(sparql: str):
    """The prefixed-name tokens that follow ``PREFIX`` in ``sparql``."""
    prev = ""
    for t in tokens(sparql):
        if t.kind in ("space", "comment"):
            continue
        if prev == "PREFIX" and t.kind == "pname":
            yield t
        prev = t.text.upper() if t.kind == "word" else ""


def _canonical(term):
    """Virtuoso writes ``xsd:boolean`` values as 1/0: valid lexical forms of the same values; the
    canonical ones are used, as the embedded store writes them."""
    if isinstance(term, ox.Literal) and term.datatype.value == _XSD_BOOLEAN and term.value in _BOOLEAN_CANONICAL:
        return ox.Literal(_BOOLEAN_CANONICAL[term.value], datatype=term.datatype)
    return term


class RemoteEndpoint:
    """A SPARQL 1.1 query endpoint, queried through SPARQLWrapper.

    ``graph``: the named graph to query as the default graph (``default-graph-uri``), by default
    the graph that :func:`ikz_graph.publish.publish` writes; ``None`` queries the endpoint's own
    default graph. Credentials as for publishing (environment or netrc); ``auth`` is
    ``auto``, ``basic``, ``digest`` or ``none``.
    """

    def __init__(self, url: str, graph: str | None = GRAPH_PUBLISHED, *, timeout: float = 60.0,
                 auth: str = "auto", env: dict[str, str] | None = None):
        self.url = check_endpoint(url)
        self.graph = graph
        self.timeout = timeout
        self._creds = credentials_for(url, env)
        self._auth = auth
        self._scheme: str | None = None

    def __repr__(self) -> str:
        return f"<RemoteEndpoint {self.url} graph={self.graph}>"

    def _http_scheme(self) -> str | None:
        if self._creds is None or self._auth == "none":
            return None
        if self._scheme is None:
            if self._auth == "auto":
                from requests.auth import HTTPDigestAuth

                with session() as s:
                    a = http_auth(s, self.url, self._creds, "auto", self.timeout)
                self._scheme = "none" if a is None else "digest" if isinstance(a, HTTPDigestAuth) else "basic"
            else:
                self._scheme = self._auth
        return None if self._scheme == "none" else self._scheme

    def _request(self, text: str) -> tuple[bytes, str, int | None]:
        """The body of the endpoint's answer, its content type and its ``X-SPARQL-MaxRows`` limit, if it sent one."""
        import socket
        import urllib.error
        import urllib.request

        from SPARQLWrapper import BASIC, JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        sw = SPARQLWrapper(self.url)
        sw.setMethod(POST)
        sw.setReturnFormat(JSON)
        # only the W3C formats: SPARQLWrapper's own Accept also names application/json, which Comunica
        # answers in a JSON of its own
        sw.addCustomHttpHeader("Accept", ACCEPT)
        sw.setTimeout(int(max(1, self.timeout)))
        sw.setQuery(text)
        if self.graph:
            sw.addDefaultGraph(self.graph)
        scheme = self._http_scheme()
        if scheme == "basic":
            sw.setHTTPAuth(BASIC)
            sw.setCredentials(self._creds.user, self._creds.password)
        # digest through ikz-graph's opener: SPARQLWrapper's answers only a server whose realm is "SPARQL"
        opener = urllib_opener(self._creds if scheme == "digest" else None, self.url)

        def attempt() -> tuple[bytes, str, int | None]:
            try:
                res = sw.query()
                headers = res.response.headers
                limit = headers.get("X-SPARQL-MaxRows")
                return (res.response.read(), headers.get("Content-Type") or "",
                        int(limit) if limit and limit.strip().isdigit() else None)
            except urllib.error.HTTPError as e:
                raise (TryAgain if e.code in RETRY_STATUS else GiveUp)(f"HTTP {e.code} {e.reason}", e.code) from None
            except SPARQLWrapperException as e:  # 400 (query rejected), 401, 404, 500 …
                code = {"QueryBadFormed": 400, "Unauthorized": 401, "URITooLong": 414,
                        "EndPointNotFound": 404, "EndPointInternalError": 500}.get(type(e).__name__)
                reason = f"HTTP {code}" if code else type(e).__name__
                if code == 400:
                    detail = str(e).split("Response:", 1)[-1].strip().splitlines()
                    reason += " (the endpoint rejected the query" + (f": {detail[0][:200]}" if detail else "") + ")"
                raise GiveUp(reason, code) from None
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as e:
                cause = getattr(e, "reason", e)
                raise TryAgain(f"no answer within {self.timeout:g} s" if isinstance(cause, (socket.timeout, TimeoutError))
                               else f"the connection failed ({cause})") from None
            finally:
                # SPARQLWrapper installs a process-wide urllib opener holding the credentials: remove it.
                urllib.request.install_opener(None)

        try:
            return retrying(bounded(attempt, self.timeout, opener), f"query at {self.url}")
        except RemoteError as e:
            if e.status in (401, 403):
                raise RemoteError(f"{e}{auth_hint(self._creds)}", e.status) from None
            raise

    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> "Result":
        """Run a SELECT query remotely; like :meth:`ikz_graph.graph.KnowledgeGraph.query`.

        The endpoint is asked for the W3C SPARQL 1.1 JSON or XML results format and the answer read by
        pyoxigraph's parser of the format its content type names; any other answer is a
        :class:`RemoteError` naming the endpoint and the content type.
        """
        from .graph import Result

        body, ctype, limit = self._request(prologue(sparql) + substitute(sparql, bindings or {}))
        media = ctype.split(";", 1)[0].strip().lower()
        fmt = RESULT_TYPES.get(media)
        if fmt is None:
            raise RemoteError(f"query at {self.url}: the endpoint answered in {media or 'no content type'}, not in a "
                              f"SPARQL 1.1 result format ({', '.join(RESULT_TYPES)})")

        if fmt == ox.QueryResultsFormat.JSON:
            body = _json_results(body, self.url)

        def parse() -> ox.QuerySolutions:
            try:
                res = ox.parse_query_results(body, format=fmt)
            except (SyntaxError, ValueError) as e:
                raise RemoteError(f"query at {self.url}: the answer is not valid {media} ({e})") from None
            if not isinstance(res, ox.QuerySolutions):
                raise QueryError(f"the endpoint {self.url} did not return SELECT results")
            return res

        first = parse()
        columns = [v.value for v in first.variables]
        try:  # read now: a broken answer is an error here, not when the rows are used
            terms = [{c: (None if t is None else _canonical(t)) for c, t in zip(columns, sol)} for sol in first]
        except (SyntaxError, ValueError) as e:
            raise RemoteError(f"query at {self.url}: the answer is not valid {media} ({e})") from None
        result = Result(columns, terms, again=parse)
        if limit is not None and len(result) >= limit:
            # Virtuoso cuts result sets at ResultSetMaxRows without an error; this header is the only sign
            raise RemoteError(f"query at {self.url}: the endpoint cut the result off at {limit} rows "
                              "(X-SPARQL-MaxRows; on Virtuoso raise ResultSetMaxRows in the [SPARQL] section)")
        return result


def _json_results(body: bytes, url: str) -> bytes:
    """SPARQL JSON results with only the members the W3C format defines (Comunica adds ``metadata``,
    which pyoxigraph's strict parser refuses)."""
    try:
        doc = json.loads(body)
    except ValueError as e:
        raise RemoteError(f"query at {url}: the answer is not valid application/sparql-results+json ({e})") from None
    if not isinstance(doc, dict) or "head" not in doc:
        raise RemoteError(f"query at {url}: the answer is not SPARQL JSON results (no \"head\")")
    keep = {k: doc[k] for k in ("head", "boolean") if k in doc}
    if isinstance(doc.get("results"), dict):
        keep["results"] = {"bindings": doc["results"].get("bindings", [])}
    return json.dumps(keep).encode("utf-8")


def run_remote(endpoint: RemoteEndpoint, name_or_file: "str | Path", params: dict[str, str] | None = None) -> "Result":
    """Run a named query (or ``.rq`` file) on a remote endpoint; parameters as for the embedded store."""
    from .queries import run_query

    return run_query(endpoint, name_or_file, params)
