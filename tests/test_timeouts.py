"""--timeout bounds a whole request, not each socket read: a server that is alive but never done
(it answers one byte at a time) cannot hold a command longer."""
from __future__ import annotations

import json
import time

from . import stores

ANSWER = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
    {"x": {"type": "literal", "value": str(i) * 40}} for i in range(10)]}}).encode()
#: three attempts of 0.5 s, 0.5 s and 1 s apart, and start-up; a dripping answer takes over 60 s
LIMIT = 3 * 0.5 + 1.5 + 4


def test_publish_gives_up_on_a_server_that_answers_one_byte_at_a_time(cli):
    server = stores.SlowServer(body=b"", drip=0.25)
    try:
        t0 = time.monotonic()
        r = cli("publish", "--endpoint", server.url + "/store", "--timeout", "0.5", env={"NETRC": "/nonexistent"})
        took = time.monotonic() - t0
    finally:
        server.close()
    assert r.exit_code == 2, r.output
    assert "no complete answer within 0.5 s after 3 attempts" in r.output
    assert "Published" not in r.output
    assert took < LIMIT, took


def test_a_remote_query_gives_up_on_a_server_that_answers_one_byte_at_a_time(cli):
    server = stores.SlowServer(body=ANSWER, drip=0.1)
    try:
        t0 = time.monotonic()
        r = cli("query", "units", "--endpoint", server.url + "/sparql", "--timeout", "0.5",
                env={"NETRC": "/nonexistent"})
        took = time.monotonic() - t0
    finally:
        server.close()
    assert r.exit_code == 2, r.output
    assert f"query at {server.url}/sparql failed: no complete answer within 0.5 s after 3 attempts" in r.output
    assert took < LIMIT, took
    assert len(server.requests) == 3
