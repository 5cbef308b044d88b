"""Random mutations of the real records never crash, never hang and never half-write.

Each example copies ``data/``, mutates one file -- a field deleted, duplicated, retyped or set to an
odd value; a date, key or reference broken; the file truncated, a line dropped or doubled, bytes
inserted -- and runs ``ikz-graph --data COPY build --out OUT`` in-process. Then either the build
succeeded and wrote every export (the mutation was harmless), or it failed with exit 1, a message
naming file and line for every problem (or the SHACL report, which names node and property), no
traceback and nothing written. A mutation that makes the data wrong by construction must fail.

The examples are derandomized (the same ones on every run, so CI is reproducible), limited to
:data:`EXAMPLES`, and each is stopped after :data:`SECONDS` by an alarm, so a hang fails the test.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import signal
import time

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from ikz_graph.cli import main

from .conftest import DATA

#: Examples per run: 100 by default (under a minute); set IKZ_GRAPH_PROPERTY_EXAMPLES for a longer search.
EXAMPLES = int(os.environ.get("IKZ_GRAPH_PROPERTY_EXAMPLES", "100"))
SECONDS = 60
FILES = sorted(p.name for p in DATA.glob("*.yaml"))
TEXTS = {name: (DATA / name).read_text(encoding="utf-8") for name in FILES}
#: The records as plain JSON values (dates and date-times as the text they are written as).
DOCS = {name: json.loads(json.dumps(yaml.safe_load(text), default=lambda v: v.isoformat())) for name, text in TEXTS.items()}
EXPORTS = ["ikz.context.jsonld", "ikz.jsonld", "ikz.nt", "ikz.trig", "ikz.ttl"]
DATE_FIELDS = {"published", "accessed", "start", "end", "founded", "dissolved", "date", "since", "until"}
REF_FIELDS = {"member", "organisation", "unit", "funder", "project", "operator", "institution", "developed_in",
              "district", "parent", "about", "speaker", "agreement", "programme", "source", "signed_by"}

ODD_STRINGS = ["", " ", "\t", "~", "null", "2023-02-30", "2023-00", "2023-13", "20230101", "2022-W01-6", "٢٠٢٣",
               "07233", "٠٧٢٣٣", "7233", "99999", "http://x> y", 'https://a"b', "NaN", "-1", "1e999", "__line__",
               "&a", "*a", "<<", "x" * 300, "\u202e", "a\u0000b", "Ä" * 50, "true", "yes", "[", "{", "#", "'"]
ODD_DATES = ["2023-02-30", "2023-00", "2023-13", "2023-02-00", "20230101", "2022-W01-6", "٢٠٢٣", "0000", "23",
             "2023-1-1", "2023/01/01", "2023-10-09T25:00:00+02:00"]
ODD_BYTES = [b"\xff", b"\xc3", b"\x00", b"\t", b":", b"- ", b"\n  ", b"{", b"&a ", b"*a", b"<<: ", b"!!binary ", b"'",
             b'"', b"\r", b"\xef\xbb\xbf"]
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40), st.sampled_from([10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), st.sampled_from(ODD_STRINGS),
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2))


# ------------------------------------------------------------------ mutations of the parsed records
def _mappings(value, path=()):
    """Every mapping inside ``value`` with its path (records and their nested figures, phases, …)."""
    if isinstance(value, dict):
        yield path, value
        for k, v in value.items():
            yield from _mappings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _mappings(v, path + (i,))


@st.composite
def record_mutation(draw):
    """(file, new text, must_fail): one structural change to one record, written as YAML or JSON."""
    name = draw(st.sampled_from([n for n in FILES if DOCS[n]]))
    doc = copy.deepcopy(DOCS[name])
    coll = draw(st.sampled_from(sorted(doc)))
    records = doc[coll]
    i = draw(st.integers(0, len(records) - 1))
    mappings = list(_mappings(records[i]))
    _, target = draw(st.sampled_from(mappings))
    keys = sorted(target)
    op = draw(st.sampled_from(["delete", "duplicate", "retype", "unknown"] + ["reference"] * bool(set(keys) & REF_FIELDS)
                              + ["date"] * bool(set(keys) & DATE_FIELDS) + ["key"] * ("key" in keys)))
    must_fail = False
    event(f"record: {op}")
    if op == "delete":
        del target[draw(st.sampled_from(keys))]
    elif op == "duplicate":
        records.insert(i, copy.deepcopy(records[i]))
        must_fail = True  # every collection refuses a record stated twice (same id, key or membership)
    elif op == "retype":
        target[draw(st.sampled_from(keys))] = draw(ODD_VALUES)
    elif op == "unknown":
        target[draw(st.sampled_from(["nme", "__line__", "Sources", "sources ", "x" * 80]))] = draw(ODD_VALUES)
        must_fail = True
    elif op == "reference":
        field = draw(st.sampled_from(sorted(set(keys) & REF_FIELDS)))
        target[field] = "zz-no-such-" + draw(st.text("abc", min_size=1, max_size=5))
        must_fail = True
    elif op == "date":
        target[draw(st.sampled_from(sorted(set(keys) & DATE_FIELDS)))] = draw(st.sampled_from(ODD_DATES))
        must_fail = True
    elif op == "key":
        target["key"] = draw(st.sampled_from(["", "7233", "٠٧٢٣٣", "00000", "17001", 7233, "07233x"]))
        must_fail = True
    if draw(st.booleans()):
        text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    else:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    return name, text.encode("utf-8"), must_fail


# ------------------------------------------------------------------ mutations of the text
@st.composite
def text_mutation(draw):
    """(file, new bytes, False): the file truncated, a line dropped or doubled, or bytes inserted."""
    name = draw(st.sampled_from(FILES))
    data = TEXTS[name].encode("utf-8")
    lines = data.splitlines(keepends=True)
    op = draw(st.sampled_from(["truncate", "drop-line", "double-line", "insert"]))
    event(f"text: {op}")
    if op == "truncate":
        data = data[:draw(st.integers(0, len(data) - 1))]
    elif op == "drop-line":
        del lines[draw(st.integers(0, len(lines) - 1))]
        data = b"".join(lines)
    elif op == "double-line":
        n = draw(st.integers(0, len(lines) - 1))
        lines.insert(n, lines[n])
        data = b"".join(lines)
    else:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.one_of(st.binary(min_size=1, max_size=6), st.sampled_from(ODD_BYTES))) + data[at:]
    return name, data, False


# ------------------------------------------------------------------ the property
class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang(f"one example took longer than {SECONDS} s")


PROBLEM = re.compile(r"^  (?:data/(?P<file>[^:\s]+\.yaml):(?P<line>\d+)(?: \[.*?\])?: .+|\(.+\))$")


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs a POSIX alarm to bound each example")
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,  # the alarm bounds each example
          phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no "explain": tracing makes a build 30 times slower
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(mutation=st.one_of(record_mutation(), text_mutation()))
def test_mutated_records_fail_cleanly_or_build_completely(tmp_path_factory, mutation):
    name, data, must_fail = mutation
    work = tmp_path_factory.mktemp("mutant")
    shutil.copytree(DATA, work / "data")
    (work / "data" / name).write_bytes(data)
    out = work / "out"
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    started = time.perf_counter()
    try:
        r = CliRunner().invoke(main, ["--data", str(work / "data"), "build", "--out", str(out)])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    took = time.perf_counter() - started
    event("took < 2 s" if took < 2 else "took 2-10 s" if took < 10 else "took >= 10 s")
    assert r.exception is None or isinstance(r.exception, SystemExit), (
        f"{type(r.exception).__name__}: {r.exception}\n" + "".join(__import__("traceback").format_exception(r.exception)))
    event(f"exit {r.exit_code}")
    if r.exit_code == 0:
        assert not must_fail, f"a broken {name} was built:\n{r.output[-1500:]}"
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == EXPORTS  # the set lives in a hidden version folder
        return
    assert r.exit_code == 1, r.output[-3000:]
    assert not out.exists(), "a failed build wrote output"
    assert "Traceback" not in r.output
    if "does not conform to the shapes" in r.output:  # SHACL names node and property, not a line
        assert "Violation:" in r.output
        return
    head, *problems = r.output.rstrip("\n").split("\n")
    assert re.fullmatch(r"error: \d+ problems? in the data:", head), r.output[-3000:]
    assert problems, r.output
    for p in problems:
        m = PROBLEM.match(p)
        assert m, f"not a problem with file and line: {p[:500]!r}"
        assert m.group("file") is None or (m.group("file") in FILES and int(m.group("line")) >= 1), p[:500]
    assert len(r.output) < 200_000, "an unbounded message"
