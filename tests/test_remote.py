"""Parameter binding for remote queries, and where credentials come from (no server needed).

That remote answers equal the embedded store's is tested against real servers in test_stores.py.
"""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from ikz_graph.errors import QueryError
from ikz_graph.errors import RemoteError
from ikz_graph.http import check_endpoint, credentials_for
from ikz_graph.queries import list_queries
from ikz_graph.remote import prologue
from ikz_graph.sparql_text import substitute

IRI = ox.NamedNode("https://w3id.org/ikz-graph/id/org/emh")
DATE = ox.Literal("2022-01-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))


def test_substitution_keeps_the_column_and_reaches_nested_groups():
    q = ('# ?p in a comment\nSELECT ?p (COUNT(?x) AS ?n) WHERE { { ?x a ?c FILTER(?c = ?p) } UNION { ?p ?y ?x } '
         'FILTER(STR(?x) != "?p") } GROUP BY ?p ORDER BY DESC(?p) ?p')
    out = substitute(q, {"p": IRI})
    assert out == ('# ?p in a comment\nSELECT (<%s> AS ?p) (COUNT(?x) AS ?n) WHERE { { ?x a ?c FILTER(?c = <%s>) } UNION '
                   '{ <%s> ?y ?x } FILTER(STR(?x) != "?p") } GROUP BY (<%s>) ORDER BY DESC(<%s>) (<%s>)'
                   % ((IRI.value,) * 6))
    ox.Store().query(out)  # valid SPARQL


def test_substitution_writes_terms_not_text():
    nasty = ox.Literal('x" } ; DROP ALL ; #\n')
    out = substitute("SELECT ?v WHERE { ?s ?p ?v }", {"v": nasty})
    assert out == 'SELECT ("x\\" } ; DROP ALL ; #\\n" AS ?v) WHERE { ?s ?p "x\\" } ; DROP ALL ; #\\n" }'
    assert list(ox.Store().query(out)) == []
    assert "2022-01-01\"^^<http://www.w3.org/2001/XMLSchema#date>" in substitute(
        "SELECT ?d WHERE { ?s ?p ?o FILTER(?o <= ?d) }", {"d": DATE})


@pytest.mark.parametrize("q", ["SELECT ?x WHERE { BIND(1 AS ?v) }", "SELECT ?x WHERE { VALUES ?v { 1 } }",
                               "SELECT ?x WHERE { VALUES (?a ?v) { (1 2) } }"])
def test_substitution_refuses_a_variable_the_query_assigns(q):
    with pytest.raises(QueryError, match=r"cannot bind \?v"):
        substitute(q, {"v": IRI})


def test_every_named_query_stays_valid_with_its_parameters_substituted():
    store = ox.Store()
    samples = {"entity": IRI, "date": DATE, "iri": IRI, "string": ox.Literal("x"),
               "integer": ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))}
    for q in list_queries():
        text = prologue() + substitute(q.text, {p.name: samples[p.type] for p in q.params})
        res = store.query(text)
        assert [v.value for v in res.variables] == [v.value for v in store.query(prologue() + q.text).variables]


def test_credentials_from_environment_then_netrc(tmp_path):
    rc = tmp_path / "netrc"
    rc.write_text("machine store.example.org login alice password from-netrc\n", encoding="utf-8")
    c = credentials_for("https://store.example.org/sparql", {"NETRC": str(rc)})
    assert (c.user, c.password, c.origin) == ("alice", "from-netrc", str(rc))
    assert "from-netrc" not in repr(c)
    c = credentials_for("https://store.example.org/sparql",
                        {"NETRC": str(rc), "IKZ_GRAPH_USER": "bob", "IKZ_GRAPH_PASSWORD": "from-env"})
    assert (c.user, c.origin) == ("bob", "environment")
    assert credentials_for("https://other.example.org/sparql", {"NETRC": str(rc)}) is None
    assert credentials_for("https://store.example.org/sparql", {"NETRC": str(tmp_path / "none")}) is None
    with pytest.raises(RemoteError, match="set both IKZ_GRAPH_USER and IKZ_GRAPH_PASSWORD"):
        credentials_for("https://store.example.org/sparql", {"IKZ_GRAPH_USER": "bob"})
    rc.write_text("machine store.example.org login alice password s3cret\nsecret-as-a-stray-token\n", encoding="utf-8")
    with pytest.raises(RemoteError, match="cannot read the netrc file .*: syntax error in line \\d+") as e:
        credentials_for("https://store.example.org/sparql", {"NETRC": str(rc)})
    assert "secret" not in str(e.value).replace(str(rc), "")


def test_endpoint_must_be_http_without_credentials():
    assert check_endpoint("http://127.0.0.1:7878/query") == "http://127.0.0.1:7878/query"
    for bad in ["ftp://x/y", "store:7878", "http:///x"]:
        with pytest.raises(RemoteError, match="is not an http"):
            check_endpoint(bad)
    with pytest.raises(RemoteError) as e:
        check_endpoint("https://admin:hunter2@store.example.org:8890/sparql")
    assert "hunter2" not in str(e.value) and "https://store.example.org:8890/sparql" in str(e.value)


def test_auto_auth_never_sends_the_password_unasked(tmp_path):
    """A server that asks for no authentication gets no Authorization header, even when
    credentials are set (a real HTTP server on 127.0.0.1 records what it receives)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from ikz_graph.remote import RemoteEndpoint

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body=b""):
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_HEAD(self):
            self._answer()

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer(json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
                {"x": {"type": "literal", "value": "1"}}]}}).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
        ep = RemoteEndpoint(url, env={"IKZ_GRAPH_USER": "dba", "IKZ_GRAPH_PASSWORD": "hunter2", "NETRC": ""})
        assert ep.query("SELECT ?x WHERE {}").rows == [{"x": "1"}]
    finally:
        server.shutdown()
    assert len(seen) >= 2 and seen == [None] * len(seen)


class _Answering:
    """A real HTTP server on 127.0.0.1 that answers every query with ``body`` as ``ctype`` and records
    the Accept headers it receives."""

    def __init__(self, body: bytes, ctype: str):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.accepts: list = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.accepts.append(self.headers.get("Accept"))
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


XML_RESULTS = b"""<?xml version="1.0"?>
<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="x"/></head>
<results><result><binding name="x"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">7</literal></binding></result></results></sparql>"""


def test_remote_asks_for_the_w3c_formats_and_reads_xml_too():
    from ikz_graph.remote import RemoteEndpoint

    with _Answering(XML_RESULTS, "application/sparql-results+xml; charset=utf-8") as srv:
        assert RemoteEndpoint(srv.url, env={}).query("SELECT ?x WHERE {}").rows == [{"x": 7}]
    assert srv.accepts and all(a == "application/sparql-results+json, application/sparql-results+xml;q=0.9"
                               for a in srv.accepts)


@pytest.mark.parametrize("body,ctype", [
    (b'[{"x": "1"}]', "application/json"),             # Comunica's own JSON, when a client accepts application/json
    (b"<html>no</html>", "text/html"),
    (b"x\n1\n", "text/csv"),
])
def test_remote_answer_in_another_format_is_a_clear_error(cli, body, ctype):
    from ikz_graph.remote import RemoteEndpoint

    with _Answering(body, ctype) as srv:
        with pytest.raises(RemoteError, match=rf"query at {srv.url}: the endpoint answered in {ctype}, not in a SPARQL 1.1"):
            RemoteEndpoint(srv.url, env={}).query("SELECT ?x WHERE {}")
        r = cli("query", "units", "--endpoint", srv.url, env={"NETRC": "/nonexistent"})
    assert r.exit_code == 2 and srv.url in r.output and ctype in r.output and "Traceback" not in r.output
