"""Publishing to and querying real SPARQL engines: Oxigraph server, Virtuoso 7 and Comunica, started here.

Every named query, with and without its parameters, must give the same columns and the same rows
(as a set of RDF terms) on each engine as on the embedded store. Comunica only reads (it serves the
N-Triples export of the same graph), so the publishing tests run on Oxigraph and Virtuoso.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from ikz_graph.errors import PublishError
from ikz_graph.namespaces import GRAPH_PUBLISHED
from ikz_graph.publish import publish
from ikz_graph.queries import list_queries, run_query
from ikz_graph.remote import RemoteEndpoint, run_remote

from . import stores
from .conftest import ROOT

#: Parameter sets each named query is run with on every store ({} = without parameters).
PARAM_CASES = {
    "committee-meetings": [{}, {"committee": "vulkaneifel-ausschuss-gdk"}],
    "clusters": [{}],
    "cooperation-as-of": [{"date": "2022-01-01"}, {"date": "2016-06-30"}],
    "entity-sources": [{"entity": "emh"}, {"entity": "Vulkaneifel"}, {"entity": "bussgeldverfahren"}],
    "funding": [{}, {"project": "emh"}],
    "funding-totals": [{}],
    "neighbours": [{"unit": "07233"}, {"unit": "Trier"}],
    "office-holders": [{}, {"organisation": "07233"}],
    "project-members": [{}, {"project": "emh"}, {"project": "https://w3id.org/ikz-graph/id/org/vorderpfalz"}],
    "shared-services": [{}],
    "transfer-candidates": [{}, {"approach": "emh"}],
    "unit-memberships": [{"unit": "Vulkaneifel"}, {"unit": "07211"}],
    "units": [{}],
    "units-without-project": [{}],
    "units-in": [{"unit": "07"}],
    "unit-hierarchy": [{"unit": "07233"}],
    "unit-types": [{}, {"state": "07"}],
    "units-as-of": [{"date": "2025-01-01", "unit": "07232"}],
    "units-by-population": [{"level": "kreis", "min": "0", "max": "1000000000"},
                            {"level": "kreis", "min": "0", "max": "1000000000", "state": "07"},
                            {"level": "kreis", "min": "0", "max": "1000000000", "register": "u-destatis-kreise-2023"}],
}
CASES = [(name, p) for name, ps in sorted(PARAM_CASES.items()) for p in ps]
STORE_NAMES = ["oxigraph", "virtuoso"]


@pytest.fixture(scope="session")
def oxigraph_store(tmp_path_factory):
    store, proc = stores.start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield store
    stores.stop(proc)


@pytest.fixture(scope="session")
def virtuoso_store(tmp_path_factory):
    store, proc = stores.start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield store
    stores.stop(proc, 60)


@pytest.fixture(scope="session", params=STORE_NAMES)
def store(request):
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture(scope="module")
def small_kg(kg):
    """The first 6,000 data triples of the graph (with the ontology): enough for three chunks of
    2,000 and for uploads over the fault proxy's 20,000 bytes, while the fault tests stay as fast as
    the records grow."""
    from ikz_graph.graph import KnowledgeGraph

    onto = set(kg.ontology_triples)
    data = sorted((q.triple for q in kg.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
                   if q.triple not in onto), key=str)
    return KnowledgeGraph(kg.ontology_triples, data[:6000])


@pytest.fixture(scope="session")
def kg_results(tmp_path_factory):
    """The graph with analysis and transfer results added (what the queries clusters and
    transfer-candidates need), made by the CLI as a user would."""
    import ikz_graph

    from .conftest import run_module

    out = tmp_path_factory.mktemp("results")
    for args in (["analyze", "--out", out], ["transfer", "emh", "--out", out]):
        r = run_module(*args)
        assert r.returncode == 0, r.stderr
    g = ikz_graph.load()
    assert g.add_file(out / "analysis.ttl") > 0 and g.add_file(out / "transfer-emh.ttl") > 0
    return g


@pytest.fixture(scope="session")
def comunica_store(tmp_path_factory, kg_results):
    """Comunica's SPARQL endpoint over the N-Triples export of the graph with the analysis results."""
    from ikz_graph.exports import serialize

    folder = tmp_path_factory.mktemp("comunica")
    source = folder / "ikz.nt"
    source.write_bytes(serialize(kg_results, "nt"))
    store, proc = stores.start_comunica(folder, source)
    yield store
    stores.stop(proc)


@pytest.fixture(scope="session")
def published(store, kg_results):
    """The store with the build and the analysis results published (GSP) to the default graph IRI."""
    publish(kg_results, store.gsp_url, env=store.env, timeout=120)
    assert store.count(GRAPH_PUBLISHED) == len(kg_results)
    return store


def _rows(result) -> set[tuple]:
    return {tuple(str(r.get(c)) for c in result.columns) for r in result.terms}


def test_every_named_query_has_store_cases():
    assert sorted(PARAM_CASES) == [q.name for q in list_queries()]
    for q in list_queries():
        required = {p.name for p in q.params if not p.optional}
        for case in PARAM_CASES[q.name]:
            assert required <= set(case), (q.name, case)
        if q.params:  # every parameter is exercised at least once
            assert {p.name for p in q.params} <= set().union(*PARAM_CASES[q.name]), q.name


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{'-' + '-'.join(p.values()) if p else ''}" for n, p in CASES])
def test_named_query_on_store_equals_embedded(published, kg_results, name, params):
    local = run_query(kg_results, name, params)
    remote = run_remote(RemoteEndpoint(published.query_url, env=published.env), name, params)
    assert remote.columns == local.columns
    assert len(remote) == len(local)
    assert _rows(remote) == _rows(local)
    if name in ("units", "cooperation-as-of", "clusters", "transfer-candidates"):
        assert len(local) > 30           # a comparison of two empty answers would prove nothing


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{'-' + '-'.join(p.values()) if p else ''}" for n, p in CASES])
def test_named_query_on_comunica_equals_embedded(comunica_store, kg_results, name, params):
    local = run_query(kg_results, name, params)
    # Comunica interprets one query at a time in one thread: the pair join of cooperation-as-of takes
    # about 25 s here and more on a loaded machine. A retry after a client timeout would queue behind
    # the query still running, so the client waits as long as the server's own --timeout instead.
    remote = run_remote(RemoteEndpoint(comunica_store.query_url, None, env={}, timeout=stores.COMUNICA_TIMEOUT),
                        name, params)
    assert remote.columns == local.columns
    assert len(remote) == len(local)
    assert _rows(remote) == _rows(local)


def test_query_command_on_comunica(comunica_store, cli):
    """`query --endpoint` on Comunica once crashed (it answered in its own application/json)."""
    for fmt in ("table", "csv"):
        r = cli("query", "project-members", "-p", "project=emh", "--endpoint", comunica_store.query_url,
                "--graph", "default", "--format", fmt)
        local = cli("query", "project-members", "-p", "project=emh", "--format", fmt)
        assert r.exit_code == 0, r.output
        assert sorted(r.output.splitlines()) == sorted(local.output.splitlines())


def test_comunica_listens_on_127_0_0_1_only(comunica_store):
    """Comunica has no option for its address; listen-local.js makes it 127.0.0.1 (the kernel's table of
    listening sockets says so)."""
    port = int(comunica_store.query_url.split(":")[2].split("/")[0])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, _, hexport = local.partition(":")
            if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                listening.append(addr)
    assert listening and set(listening) == {"0100007F"}, listening  # 127.0.0.1, and no IPv6 socket


def test_query_command_with_endpoint(published, kg, cli):
    r = cli("query", "project-members", "--param", "project=emh", "--endpoint", published.query_url, "--format", "csv")
    assert r.exit_code == 0, r.output
    local = cli("query", "project-members", "--param", "project=emh", "--format", "csv")
    assert sorted(r.output.splitlines()[1:]) == sorted(local.output.splitlines()[1:])
    assert r.output.splitlines()[0] == local.output.splitlines()[0]
    assert len(r.output.splitlines()) == 5
    # another graph name gives no rows; an unknown entity is an error naming it
    r = cli("query", "units", "--endpoint", published.query_url, "--graph", "https://example.org/none")
    assert r.exit_code == 0 and "(0 rows)" in r.output
    r = cli("query", "neighbours", "-p", "unit=Atlantis", "--endpoint", published.query_url)
    assert r.exit_code == 2 and "no entity with id or label 'Atlantis'" in r.output


def test_truncated_virtuoso_results_are_an_error(kg, tmp_path, cli):
    """With the stock ResultSetMaxRows, Virtuoso cuts results off silently; ikz-graph notices."""
    store, proc = stores.start_virtuoso(tmp_path, max_rows=20)
    try:
        publish(kg, store.gsp_url, env=store.env)
        r = cli("query", "units", "--endpoint", store.query_url)
        assert r.exit_code == 2
        assert f"query at {store.query_url}: the endpoint cut the result off at 20 rows" in r.output
        r = cli("query", "neighbours", "-p", "unit=07233", "--endpoint", store.query_url)  # 6 rows: fine
        assert r.exit_code == 0 and "(6 rows)" in r.output
    finally:
        stores.stop(proc, 60)


def test_query_endpoint_errors_name_the_endpoint(published, cli, tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ikz:nonsense( }\n", encoding="utf-8")
    r = cli("query", bad, "--endpoint", published.query_url)
    assert r.exit_code == 2 and published.query_url in r.output and "HTTP 400" in r.output
    port = stores.free_port()
    r = cli("query", "units", "--endpoint", f"http://127.0.0.1:{port}/sparql", "--timeout", "2")
    assert r.exit_code == 2 and f"127.0.0.1:{port}" in r.output and "connection failed" in r.output


def test_publish_update_protocol_replaces_the_graph(store, kg, cli):
    graph = f"https://example.org/ikz-test/{store.name}/update"
    env = {**os.environ, **store.env}
    junk = "INSERT DATA { GRAPH <%s> { <https://example.org/junk> <https://example.org/p> \"old\" } }" % graph
    publish_junk(store, junk)
    assert store.count(graph) == 1
    before = store.graphs()
    r = cli("publish", "--endpoint", store.update_url, "--graph", graph, "--protocol", "update", env=env)
    assert r.exit_code == 0, r.output
    assert re.match(rf"Published {len(kg)} triples to graph {graph} at {store.update_url} \(update, \d+ requests", r.output)
    assert store.count(graph) == len(kg)                       # the junk triple is gone
    assert store.graphs() == before                            # no staging graph left behind
    assert not any(g.startswith("urn:uuid:") for g in store.graphs())


def publish_junk(store, update: str) -> None:
    """Write something through plain HTTP (not ikz-graph code)."""
    import requests
    from requests.auth import HTTPDigestAuth

    auth = HTTPDigestAuth(store.env["IKZ_GRAPH_USER"], store.env["IKZ_GRAPH_PASSWORD"]) if store.env else None
    r = requests.post(store.update_url, data=update.encode(), auth=auth, timeout=30,
                      headers={"Content-Type": "application/sparql-update"})
    assert r.status_code < 300, r.text


def test_publish_gsp_replaces_the_graph(store, kg, cli):
    graph = f"https://example.org/ikz-test/{store.name}/gsp"
    publish_junk(store, "INSERT DATA { GRAPH <%s> { <https://example.org/junk> <https://example.org/p> 1 } }" % graph)
    r = cli("publish", "--endpoint", store.gsp_url, "--graph", graph, env={**os.environ, **store.env})
    assert r.exit_code == 0, r.output
    assert "(gsp, 1 request," in r.output
    assert store.count(graph) == len(kg)


def test_wrong_password_is_a_clear_error(virtuoso_store, cli):
    secret = "not-the-password-7f3a"
    env = {**os.environ, "IKZ_GRAPH_USER": "dba", "IKZ_GRAPH_PASSWORD": secret}
    for url, proto in [(virtuoso_store.gsp_url, "gsp"), (virtuoso_store.update_url, "update")]:
        r = cli("publish", "--endpoint", url, "--protocol", proto, "--graph", "https://example.org/ikz-test/auth", env=env)
        assert r.exit_code == 2
        assert r.output.startswith("error: ")
        assert url in r.output and "HTTP 401" in r.output and "check the credentials from environment" in r.output
        assert secret not in r.output
    r = cli("publish", "--endpoint", virtuoso_store.gsp_url, env={k: v for k, v in os.environ.items()
                                                                  if not k.startswith("IKZ_GRAPH_")} | {"NETRC": "/nonexistent"})
    assert r.exit_code == 2 and "HTTP 401" in r.output and "no credentials found" in r.output
    assert "https://example.org/ikz-test/auth" not in virtuoso_store.graphs()


def test_credentials_from_netrc_with_digest(virtuoso_store, kg, tmp_path, cli):
    rc = tmp_path / "netrc"
    rc.write_text("machine 127.0.0.1 login dba password dba\n", encoding="utf-8")
    rc.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IKZ_GRAPH_")} | {"NETRC": str(rc)}
    graph = "https://example.org/ikz-test/netrc"
    r = cli("publish", "--endpoint", virtuoso_store.gsp_url, "--graph", graph, "--auth", "digest", env=env)
    assert r.exit_code == 0, r.output
    assert virtuoso_store.count(graph) == len(kg)
    # Virtuoso's authenticated endpoints speak digest only: basic is refused
    r = cli("publish", "--endpoint", virtuoso_store.gsp_url, "--graph", graph, "--auth", "basic", env=env)
    assert r.exit_code == 2 and "HTTP 401" in r.output and f"check the credentials from {rc}" in r.output


#: A Virtuoso endpoint like /sparql-auth (queries and updates), whose digest realm is not "SPARQL"
REALM_ENDPOINT = ("DB.DBA.VHOST_REMOVE(lpath=>'/sparql-realm'); "
                  "DB.DBA.VHOST_DEFINE(lpath=>'/sparql-realm', ppath=>'/!sparql/', is_dav=>1, vsp_user=>'dba', "
                  "sec=>'digest', realm=>'ikz test realm', auth_fn=>'DB.DBA.HP_AUTH_SPARQL_USER', "
                  "opts=>vector('noinherit', 1));")


def test_digest_queries_work_with_any_realm_as_publish_does(virtuoso_store, kg, cli):
    """Remote queries answered only a digest challenge of the realm "SPARQL" (Virtuoso's stock one);
    here an endpoint of a real Virtuoso asks for the realm "ikz test realm"."""
    virtuoso_store.sql(REALM_ENDPOINT)
    url = virtuoso_store.query_url.rsplit("/", 1)[0] + "/sparql-realm"
    env = {**os.environ, **virtuoso_store.env}
    graph = "https://example.org/ikz-test/realm"
    r = cli("publish", "--endpoint", url, "--protocol", "update", "--graph", graph, env=env)
    assert r.exit_code == 0, r.output
    for auth in ("auto", "digest"):
        r = cli("query", "units", "--endpoint", url, "--graph", graph, "--auth", auth, env=env)
        assert r.exit_code == 0, r.output
        assert "(36 rows)" in r.output


def test_a_remote_query_refused_with_401_says_where_the_credentials_came_from(virtuoso_store, cli):
    secret = "not-the-password-5c1e"
    wrong = {**os.environ, "IKZ_GRAPH_USER": "dba", "IKZ_GRAPH_PASSWORD": secret}
    r = cli("query", "units", "--endpoint", virtuoso_store.update_url, env=wrong)
    assert r.exit_code == 2
    assert "HTTP 401" in r.output and "(check the credentials from environment)" in r.output
    assert secret not in r.output
    none = {k: v for k, v in os.environ.items() if not k.startswith("IKZ_GRAPH_")} | {"NETRC": "/nonexistent"}
    r = cli("query", "units", "--endpoint", virtuoso_store.update_url, env=none)
    assert r.exit_code == 2 and "HTTP 401" in r.output
    assert "no credentials found: set IKZ_GRAPH_USER and IKZ_GRAPH_PASSWORD or use a netrc file" in r.output


def test_credentials_never_in_the_url(cli):
    r = cli("publish", "--endpoint", "http://dba:s3cret@127.0.0.1:1/sparql-auth")
    assert r.exit_code == 2 and "credentials in the URL are not accepted" in r.output and "s3cret" not in r.output
    r = cli("query", "units", "--endpoint", "http://u:s3cret@127.0.0.1:1/q")
    assert r.exit_code == 2 and "s3cret" not in r.output


def test_transient_errors_are_retried(store, small_kg):
    proxy = stores.FaultProxy(int(store.gsp_url.split(":")[2].split("/")[0]), fail_first=2)
    try:
        graph = f"https://example.org/ikz-test/{store.name}/retry"
        rep = publish(small_kg, proxy.url(store.gsp_url), graph, env=store.env, timeout=60)
        assert rep.triples == len(small_kg) and store.count(graph) == len(small_kg)
        assert [a for _, _, a, _ in proxy.requests][:2] == ["503", "503"]
    finally:
        proxy.close()
    proxy = stores.FaultProxy(int(store.gsp_url.split(":")[2].split("/")[0]), fail_first=10)
    try:
        t0 = time.monotonic()
        with pytest.raises(PublishError, match=r"HTTP 503 Service Unavailable after 3 attempts"):
            publish(small_kg, proxy.url(store.gsp_url), "https://example.org/ikz-test/never", env=store.env, timeout=60)
        assert time.monotonic() - t0 < 10       # bounded: three attempts, 0.5 s and 1 s apart
        assert len(proxy.requests) == 3
    finally:
        proxy.close()


def test_no_retry_on_client_errors(oxigraph_store, kg):
    with pytest.raises(PublishError, match=r"HTTP 4\d\d") as e:
        publish(kg, oxigraph_store.query_url.replace("/query", "/nowhere"), env={})
    assert "after" not in str(e.value)


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_broken_upload_leaves_the_published_graph_intact(store, small_kg, protocol):
    """Cut the upload off half-way (a proxy between ikz-graph and the real server closes both
    connections after half of the body) and check on the real server that the old graph is intact."""
    graph = f"https://example.org/ikz-test/{store.name}/broken-{protocol}"
    url = store.gsp_url if protocol == "gsp" else store.update_url
    publish(small_kg, url, graph, protocol, env=store.env)              # the "previously published" graph
    publish_junk(store, "INSERT DATA { GRAPH <%s> { <https://example.org/marker> <https://example.org/p> \"v1\" } }"
                 % graph)
    before = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    graphs_before = store.graphs()
    # update: the first INSERT chunk (and the digest handshake) get through, the second is cut;
    # gsp: the unauthenticated first PUT of a digest handshake gets through, every real upload is cut
    port = int(url.split(":")[2].split("/")[0])
    proxy = stores.FaultProxy(port, cut_large_after=1 if (protocol == "update" or store.env) else 0, large=20000)
    # gsp: the proxy took the whole body before it cut, so the client cannot know what the server did;
    # update: the cut chunk went to the staging graph, which is dropped; the target was never touched
    expected = (r"the connection broke off after 3 attempts; the whole upload was sent but not answered, so whether "
                r"the graph .* was replaced is unknown" if protocol == "gsp" else
                r"the connection broke off after 3 attempts; the graph .* was not replaced; the staging graph "
                r"urn:uuid:\S+ was dropped")
    try:
        with pytest.raises(PublishError, match=expected):
            publish(small_kg, proxy.url(url), graph, protocol, env=store.env, timeout=30, chunk=2000)
    finally:
        proxy.close()
    cut = [r for r in proxy.requests if r[2] == "cut"]
    assert cut and all(r[1] > 20000 for r in cut)
    if store.env:
        assert any(r[3] for r in cut)                 # an authenticated upload was cut, not only a challenge
    if protocol == "update":
        assert any(a == "forward" and n > 20000 for _, n, a, _ in proxy.requests)   # a chunk had arrived
    after = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    key = lambda b: tuple(sorted((k, v["value"]) for k, v in b.items()))  # noqa: E731
    assert sorted(map(key, after)) == sorted(map(key, before))
    assert len(after) == len(small_kg) + 1
    assert store.graphs() == graphs_before            # the staging graph was dropped


def _staging_graphs(store) -> set[str]:
    return {g for g in store.graphs() if g.startswith("urn:uuid:")}


def _published_with_marker(store, kg, graph: str) -> int:
    """Publish ``kg`` to ``graph`` and add one marker triple; returns the triple count (len + 1)."""
    publish(kg, store.update_url, graph, "update", env=store.env)
    publish_junk(store, "INSERT DATA { GRAPH <%s> { <https://example.org/marker> <https://example.org/p> 1 } }" % graph)
    assert store.count(graph) == len(kg) + 1
    return len(kg) + 1


def test_a_move_answered_with_500_drops_the_staging_graph(store, small_kg):
    graph = f"https://example.org/ikz-test/{store.name}/move-500"
    old = _published_with_marker(store, small_kg, graph)
    staging_before = _staging_graphs(store)
    proxy = stores.FaultProxy(int(store.update_url.split(":")[2].split("/")[0]), move="500")
    try:
        with pytest.raises(PublishError) as e:
            publish(small_kg, proxy.url(store.update_url), graph, "update", env=store.env, timeout=30)
    finally:
        proxy.close()
    msg = str(e.value)
    assert "HTTP 500" in msg and f"the graph {graph} on the server was not replaced" in msg
    assert re.search(r"the staging graph urn:uuid:\S+ was dropped", msg), msg
    assert store.count(graph) == old
    assert _staging_graphs(store) == staging_before          # no full copy left in a urn:uuid: graph


def test_a_lost_answer_to_the_final_move_is_checked_not_guessed(store, kg, cli):
    graph = f"https://example.org/ikz-test/{store.name}/move-lost"
    _published_with_marker(store, kg, graph)
    staging_before = _staging_graphs(store)
    port = int(store.update_url.split(":")[2].split("/")[0])
    env = {**os.environ, **store.env}
    proxy = stores.FaultProxy(port, move="lose-answer")
    try:
        r = cli("publish", "--endpoint", proxy.url(store.update_url), "--protocol", "update", "--graph", graph,
                "--timeout", "30", env=env)
    finally:
        proxy.close()
    assert r.exit_code == 0, r.output                          # it was replaced, and the server shows it
    assert "Note: the answer to the final MOVE was lost; checked at" in r.output
    assert f"graph {graph} holds {len(kg)} triples" in r.output and "so the graph was replaced" in r.output
    assert store.count(graph) == len(kg) and _staging_graphs(store) == staging_before
    # where nobody can be asked, the outcome is unknown: never "was not replaced"
    _published_with_marker(store, kg, graph)
    proxy = stores.FaultProxy(port, move="lose-answer")
    try:
        r = cli("publish", "--endpoint", proxy.url(store.update_url), "--protocol", "update", "--graph", graph,
                "--query-endpoint", f"http://127.0.0.1:{stores.free_port()}/query", "--timeout", "30", env=env)
    finally:
        proxy.close()
    assert r.exit_code == 2
    assert f"so whether the graph {graph} was replaced is unknown" in r.output and "was not replaced" not in r.output
    assert re.search(r"drop it with DROP SILENT GRAPH <urn:uuid:\S+>", r.output)


def test_a_server_that_hangs_leaves_a_staging_graph_the_message_names(store, small_kg):
    """The first chunk arrives, then the server answers nothing (neither the next chunk nor the
    DROP): the half-filled staging graph stays, and the message says which one and how to drop it."""
    graph = f"https://example.org/ikz-test/{store.name}/hang"
    old = _published_with_marker(store, small_kg, graph)
    proxy = stores.FaultProxy(int(store.update_url.split(":")[2].split("/")[0]), hang_after=1, large=20000)
    try:
        with pytest.raises(PublishError) as e:
            publish(small_kg, proxy.url(store.update_url), graph, "update", env=store.env, timeout=1, chunk=2000)
    finally:
        proxy.close()
    msg = str(e.value)
    assert f"the graph {graph} on the server was not replaced" in msg
    m = re.search(r"may be left on the server .*: drop it with DROP SILENT GRAPH <(urn:uuid:[0-9a-f-]+)>", msg)
    assert m, msg
    assert 0 < store.count(m.group(1)) < len(small_kg)               # really there, half-filled
    publish_junk(store, f"DROP SILENT GRAPH <{m.group(1)}>")   # what the message tells an administrator
    assert m.group(1) not in store.graphs() and store.count(graph) == old


def test_serve_answers_named_queries(kg, tmp_path):
    import tempfile

    tmp = tempfile.gettempdir()
    folders_before = {p for p in os.listdir(tmp) if p.startswith("ikz-graph-serve-")}
    port = stores.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ikz_graph", "serve", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"SPARQL endpoint: http://127.0.0.1:{port}/query ({len(kg)} triples"), \
            line + proc.stderr.read() if proc.poll() is not None else line
        assert proc.stdout.readline() == f"Query page:      http://127.0.0.1:{port}/ (YASGUI, served by Oxigraph)\n"
        import requests
        page = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and "new Yasgui(" in page.text
        assert requests.get(f"http://127.0.0.1:{port}/yasgui.min.js", timeout=10).status_code == 200  # no CDN
        ep_url = f"http://127.0.0.1:{port}/query"
        for graph in (GRAPH_PUBLISHED, None):       # the named graph, and the default graph (union)
            ep = RemoteEndpoint(ep_url, graph, env={})
            for name, params in [("units", {}), ("project-members", {"project": "emh"}),
                                 ("cooperation-as-of", {"date": "2022-01-01"})]:
                assert _rows(run_remote(ep, name, params)) == _rows(run_query(kg, name, params))
        # read-only: updates are refused
        import requests
        r = requests.post(f"http://127.0.0.1:{port}/update", data=b"CLEAR ALL",
                          headers={"Content-Type": "application/sparql-update"}, timeout=10)
        assert r.status_code >= 400
        # a second server on the same port cannot start: a clear error, exit 2
        r2 = subprocess.run([sys.executable, "-m", "ikz_graph", "serve", "--port", str(port)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
        assert r2.returncode == 2 and r2.stderr.startswith(f"error: cannot serve on 127.0.0.1:{port}: the port is in use"), \
            r2.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0
    assert {p for p in os.listdir(tmp) if p.startswith("ikz-graph-serve-")} == folders_before  # cleaned up


def test_analysis_reads_the_same_network_from_a_store_as_from_the_embedded_graph(published, kg, cli, tmp_path):
    """Issue 3: the analysis reads the graph only through SPARQL, so it works on a remote endpoint."""
    from ikz_graph.readmodel import read

    remote = read(RemoteEndpoint(published.query_url, env=published.env))
    local = read(kg)
    assert len(remote.units) == len(local.units) > 50 and len(remote.memberships) == len(local.memberships)
    assert remote.digest() == local.digest()
    env = {**os.environ, **published.env}
    # evaluate reads the same read model (the digests above are equal); it takes most of a minute, so it
    # runs against one store
    commands = [["analyze", "--as-of", "2024-06-30"], ["transfer", "kfz-zulassung", "--top", "5"]]
    for args in commands + ([["evaluate"]] if published.name == "oxigraph" else []):
        out = ["--out", tmp_path / "a"] if args[0] == "analyze" else []
        here = cli(*args, *out)
        there = cli(*args, *out, "--endpoint", published.query_url, env=env)
        assert here.exit_code == there.exit_code == 0, there.output
        assert here.output == there.output
