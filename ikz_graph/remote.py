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
import time
from typing import TYPE_CHECKING, Any

from . import namespaces as ns
from .errors import QueryError
from .publish import ATTEMPTS, GRAPH_PUBLISHED, RETRY_STATUS, RemoteError, check_endpoint, credentials_for

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


def _term(b: dict[str, Any]):
    import pyoxigraph as ox

    kind, value = b.get("type"), b.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value)
    if kind in ("literal", "typed-literal"):
        if b.get("xml:lang"):
            return ox.Literal(value, language=b["xml:lang"])
        dtype = b.get("datatype")
        if dtype == _XSD_BOOLEAN and value in _BOOLEAN_CANONICAL:
            # Virtuoso writes booleans as 1/0: valid lexical forms of the same values; use the canonical ones
            value = _BOOLEAN_CANONICAL[value]
        return ox.Literal(value, datatype=ox.NamedNode(dtype)) if dtype and dtype != _XSD_STRING else ox.Literal(value)
    if kind == "triple":  # SPARQL-star; not used by the named queries
        v = b["value"]
        return ox.Triple(_term(v["subject"]), _term(v["predicate"]), _term(v["object"]))
    raise QueryError(f"unknown term type {kind!r} in the endpoint's answer")


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
                import requests
                from requests.auth import HTTPDigestAuth

                from .publish import http_auth

                with requests.Session() as s:
                    s.trust_env = False
                    a = http_auth(s, self.url, self._creds, "auto", self.timeout)
                self._scheme = "none" if a is None else "digest" if isinstance(a, HTTPDigestAuth) else "basic"
            else:
                self._scheme = self._auth
        return None if self._scheme == "none" else self._scheme

    def _request(self, text: str) -> tuple[dict, int | None]:
        import socket
        import urllib.error
        import urllib.request

        from SPARQLWrapper import BASIC, DIGEST, JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        sw = SPARQLWrapper(self.url)
        sw.setMethod(POST)
        sw.setReturnFormat(JSON)
        sw.setTimeout(int(max(1, self.timeout)))
        sw.setQuery(text)
        if self.graph:
            sw.addDefaultGraph(self.graph)
        scheme = self._http_scheme()
        if scheme:
            sw.setHTTPAuth(DIGEST if scheme == "digest" else BASIC)
            sw.setCredentials(self._creds.user, self._creds.password)
        last, status = "", None
        for attempt in range(1, ATTEMPTS + 1):
            try:
                res = sw.query()
                limit = res.response.headers.get("X-SPARQL-MaxRows")
                return res.convert(), int(limit) if limit and limit.strip().isdigit() else None
            except urllib.error.HTTPError as e:
                last, status = f"HTTP {e.code} {e.reason}", e.code
                if e.code not in RETRY_STATUS:
                    break
            except SPARQLWrapperException as e:  # 400 (query rejected), 401, 404, 500 …
                code = {"QueryBadFormed": 400, "Unauthorized": 401, "URITooLong": 414,
                        "EndPointNotFound": 404, "EndPointInternalError": 500}.get(type(e).__name__)
                last, status = (f"HTTP {code}" if code else type(e).__name__), code
                if code == 400:
                    detail = str(e).split("Response:", 1)[-1].strip().splitlines()
                    last += " (the endpoint rejected the query" + (f": {detail[0][:200]}" if detail else "") + ")"
                break
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as e:
                reason = getattr(e, "reason", e)
                last = f"no answer within {self.timeout:g} s" if isinstance(reason, (socket.timeout, TimeoutError)) \
                    else f"the connection failed ({reason})"
            except ValueError as e:  # includes json.JSONDecodeError
                last = f"the answer is not SPARQL JSON results ({e})"
                break
            finally:
                # SPARQLWrapper installs a process-wide urllib opener holding the credentials: remove it.
                urllib.request.install_opener(None)
            if attempt < ATTEMPTS:
                time.sleep(0.5 * attempt)
        raise RemoteError(f"query at {self.url} failed: {last}", status)

    def query(self, sparql: str, bindings: dict[str, Any] | None = None) -> "Result":
        """Run a SELECT query remotely; like :meth:`ikz_graph.graph.KnowledgeGraph.query`."""
        from .graph import Result

        doc, limit = self._request(prologue() + substitute(sparql, bindings or {}))
        if not isinstance(doc, dict) or "results" not in doc:
            raise QueryError(f"the endpoint {self.url} did not return SELECT results")
        cols = list(doc.get("head", {}).get("vars", []))
        rows = [{c: (_term(b[c]) if c in b else None) for c in cols} for b in doc["results"].get("bindings", [])]
        if limit is not None and len(rows) >= limit:
            # Virtuoso cuts result sets at ResultSetMaxRows without an error; this header is the only sign
            raise RemoteError(f"query at {self.url}: the endpoint cut the result off at {limit} rows "
                              "(X-SPARQL-MaxRows; on Virtuoso raise ResultSetMaxRows in the [SPARQL] section)")
        return Result(cols, rows)


def run_remote(endpoint: RemoteEndpoint, name_or_file: "str | Path", params: dict[str, str] | None = None) -> "Result":
    """Run a named query (or ``.rq`` file) on a remote endpoint; parameters as for the embedded store."""
    from .queries import run_query

    return run_query(endpoint, name_or_file, params)
