"""Run SPARQL queries on a remote SPARQL 1.1 endpoint (through SPARQLWrapper).

:class:`RemoteEndpoint` has the same ``query(sparql, bindings)`` as
:class:`ikz_graph.graph.KnowledgeGraph` and returns the same :class:`ikz_graph.graph.Result`
(pyoxigraph terms), so named queries, their parameters and :func:`ikz_graph.queries.format_result`
work unchanged::

    ep = RemoteEndpoint("http://127.0.0.1:7878/query")
    run_remote(ep, "project-members", {"project": "emh"}).rows

The project's prefixes (:data:`ikz_graph.namespaces.PREFIXES`) are declared in front of every
query. Parameters are bound the way the embedded store binds them (SEP-0007 substitution): each
occurrence of the variable is replaced by the RDF term as pyoxigraph writes it, so the value is
seen in nested groups, UNIONs, OPTIONALs and FILTERs alike. A ``VALUES`` block would not do: a
FILTER inside a UNION branch is evaluated before the join and would not see the value.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import namespaces as ns
from .errors import GiveUp, QueryError, RemoteError, TryAgain
from .http import (RETRY_STATUS, auth_hint, bounded, check_endpoint, credentials_for, http_auth, retrying, session,
                   urllib_opener)
from .namespaces import GRAPH_PUBLISHED

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from .graph import Result

__all__ = ["RemoteEndpoint", "run_remote", "substitute", "prologue"]

_XSD_STRING = ns.XSD + "string"
_XSD_BOOLEAN = ns.XSD + "boolean"
_BOOLEAN_CANONICAL = {"1": "true", "0": "false"}


def prologue() -> str:
    """``PREFIX`` declarations for every project prefix (sorted, one a line)."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(ns.PREFIXES.items()))


_TOKEN = re.compile("|".join([
    r"(?P<comment>#[^\n]*)",
    "(?P<string>" + r'"""(?:[^\\]|\\.)*?"""' + "|" + r"'''(?:[^\\]|\\.)*?'''" + "|"
    + r'"(?:[^"\\\n]|\\.)*"' + "|" + r"'(?:[^'\\\n]|\\.)*'" + ")",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    r"(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)",
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    r"(?P<punct>[(){}])",
    r"(?P<other>.)",
]), re.DOTALL)


def substitute(sparql: str, bindings: dict[str, Any]) -> str:
    """Replace each bound variable by its RDF term, as SEP-0007 substitution does.

    In a projection ``?v`` becomes ``(term AS ?v)`` (so the column stays), directly under ORDER BY
    or GROUP BY ``(term)``, everywhere else the term itself. Comments, strings and IRIs are left
    alone. A query that assigns a bound variable itself (``AS ?v``, ``VALUES ?v``) is refused.
    Terms are written by pyoxigraph in N-Triples syntax (valid SPARQL), never taken from user text.
    """
    if not bindings:
        return sparql
    terms = {name: str(term) for name, term in bindings.items()}
    out: list[str] = []
    depth = 0
    clause: str | None = None     # "select", "order" (ORDER BY / GROUP BY) or None
    clause_depth = 0
    prev = ""                     # the previous significant token, upper-cased
    in_values = False             # between VALUES and its "{"
    for m in _TOKEN.finditer(sparql):
        kind, tok = m.lastgroup, m.group()
        if kind == "word":
            up = tok.upper()
            if up == "SELECT":
                clause, clause_depth = "select", depth
            elif up == "BY" and prev in ("ORDER", "GROUP"):
                clause, clause_depth = "order", depth
            elif up in ("WHERE", "LIMIT", "OFFSET", "HAVING", "VALUES") and depth == clause_depth:
                clause = None
            in_values = in_values or up == "VALUES"
        elif kind == "punct":
            if tok == "(":
                depth += 1
            elif tok == ")":
                depth -= 1
            else:
                in_values = False
                if depth == clause_depth:
                    clause = None
        elif kind == "var" and tok[1:] in terms:
            if prev == "AS" or in_values:
                raise QueryError(f"cannot bind {tok}: the query assigns it itself")
            term = terms[tok[1:]]
            if clause == "select" and depth == clause_depth:
                tok = f"({term} AS ?{tok[1:]})"
            elif clause == "order" and depth == clause_depth:
                tok = f"({term})"
            else:
                tok = term
            out.append(tok)
            prev = "VAR"
            continue
        out.append(tok)
        if kind not in ("comment", "other") or not tok.isspace():
            prev = tok.upper() if kind in ("word", "punct") else kind.upper()
    return "".join(out)


def _canonical(term):
    """Virtuoso writes ``xsd:boolean`` values as 1/0: valid lexical forms of the same values; the
    canonical ones are used, as the embedded store writes them."""
    import pyoxigraph as ox

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

    def _request(self, text: str) -> tuple[bytes, int | None]:
        """The body of the endpoint's JSON answer and its ``X-SPARQL-MaxRows`` limit, if it sent one."""
        import socket
        import urllib.error
        import urllib.request

        from SPARQLWrapper import BASIC, JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        sw = SPARQLWrapper(self.url)
        sw.setMethod(POST)
        sw.setReturnFormat(JSON)
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

        def attempt() -> tuple[bytes, int | None]:
            try:
                res = sw.query()
                limit = res.response.headers.get("X-SPARQL-MaxRows")
                return res.response.read(), int(limit) if limit and limit.strip().isdigit() else None
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

        The answer is read by pyoxigraph's SPARQL JSON results parser.
        """
        import pyoxigraph as ox

        from .graph import Result

        body, limit = self._request(prologue() + substitute(sparql, bindings or {}))

        def parse() -> ox.QuerySolutions:
            try:
                res = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            except (SyntaxError, ValueError) as e:
                raise RemoteError(f"query at {self.url}: the answer is not SPARQL JSON results ({e})") from None
            if not isinstance(res, ox.QuerySolutions):
                raise QueryError(f"the endpoint {self.url} did not return SELECT results")
            return res

        first = parse()
        result = Result([v.value for v in first.variables], solutions=first, again=parse, map_term=_canonical)
        if limit is not None and len(result) >= limit:
            # Virtuoso cuts result sets at ResultSetMaxRows without an error; this header is the only sign
            raise RemoteError(f"query at {self.url}: the endpoint cut the result off at {limit} rows "
                              "(X-SPARQL-MaxRows; on Virtuoso raise ResultSetMaxRows in the [SPARQL] section)")
        return result


def run_remote(endpoint: RemoteEndpoint, name_or_file: "str | Path", params: dict[str, str] | None = None) -> "Result":
    """Run a named query (or ``.rq`` file) on a remote endpoint; parameters as for the embedded store."""
    from .queries import run_query

    return run_query(endpoint, name_or_file, params)
