"""Input defects found under fault injection (issue 17), each held closed by a test.

Every bad input gives a clear error naming the file, record or line and what is wrong, exit 1
(the data does not conform) or 2 (the command could not run), never a traceback and never a
half-written output.
"""
from __future__ import annotations

import pytest

import ikz_graph
from ikz_graph.dates import parse_date
from ikz_graph.errors import DateError, InputError, QueryError
from ikz_graph.queries import run_query


@pytest.mark.parametrize("text", ["2023-00", "2023-02-00", "2023-00-10", "0000", "0000-01-01", "2023-13",
                                  "٢٠٢٣", "2023-1٠"])
def test_impossible_or_non_ascii_dates_are_refused(text):
    with pytest.raises(DateError):
        parse_date(text)


def test_impossible_dates_in_the_data_are_problems(data_copy, cli, tmp_path):
    text = (data_copy / "sources.yaml").read_text(encoding="utf-8")
    assert "    published: 2023-10\n" in text
    (data_copy / "sources.yaml").write_text(text.replace("    published: 2023-10\n", "    published: 2023-00\n", 1),
                                            encoding="utf-8")
    r = cli("--data", data_copy, "build", "--out", tmp_path / "out")
    assert r.exit_code == 1 and "'2023-00' is not a valid calendar date" in r.output, r.output
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- a day given on the command line: YYYY-MM-DD only
NOT_A_DAY = ["20220101", "2022-W01-6", "2022-001", "2021", "2021-06", "2022-1-1", "2022-01-01T00:00", " 2022-01-0١",
             "2022-02-30"]


@pytest.mark.parametrize("value", NOT_A_DAY)
def test_a_date_parameter_is_a_day_written_yyyy_mm_dd(cli, value):
    r = cli("query", "cooperation-as-of", "-p", f"date={value}", "--format", "csv")
    assert r.exit_code == 2 and "not a date" in r.output, r.output


def test_a_date_parameter_gives_the_full_answer(cli, kg):
    r = cli("query", "cooperation-as-of", "-p", "date=2022-01-01", "--format", "csv")
    full = run_query(kg, "cooperation-as-of", {"date": "2022-01-01"}).rows
    assert r.exit_code == 0 and len(r.output.strip().splitlines()) == 1 + len(full) and len(full) > 200


@pytest.mark.parametrize("command", [["analyze"], ["transfer", "emh"], ["viz", "--out", "{out}/v.html"]])
@pytest.mark.parametrize("value", ["2021", "2021-06", "20210601"])
def test_as_of_is_a_day_written_yyyy_mm_dd(cli, tmp_path, command, value):
    args = [a.replace("{out}", str(tmp_path)) for a in command]
    r = cli(*args, "--as-of", value, *([] if command[0] == "viz" else ["--out", tmp_path / "o"]))
    assert r.exit_code == 2 and "not a date" in r.output and "YYYY-MM-DD" in r.output, r.output
    assert list(tmp_path.iterdir()) == []


def test_the_day_rule_is_the_same_for_the_python_api(kg):
    import datetime as dt

    from ikz_graph.dates import parse_iso_day
    from ikz_graph.network import cooperation_network
    from ikz_graph.readmodel import read

    assert parse_iso_day("2022-01-01") == parse_iso_day(dt.date(2022, 1, 1)) == dt.date(2022, 1, 1)
    for value in NOT_A_DAY + [dt.datetime(2022, 1, 1), 20220101, None]:
        with pytest.raises(DateError, match="not a date"):
            parse_iso_day(value)
    with pytest.raises(DateError):
        cooperation_network(read(kg), as_of="2021")


# ---------------------------------------------------------------- parameters
def _param_query(tmp_path, ptype):
    f = tmp_path / "q.rq"
    f.write_text(f"# param: x {ptype}  a value\nSELECT ?x WHERE {{}}\n", encoding="utf-8")
    return f


@pytest.mark.parametrize("value", ["١٢", "１２", "+12", "1_000", "", "0x10"])
def test_an_integer_parameter_takes_ascii_digits_only(cli, kg, tmp_path, value):
    r = cli("query", _param_query(tmp_path, "integer"), "-p", f"x={value}")
    assert r.exit_code == 2 and "is not a whole number" in r.output, r.output
    with pytest.raises(QueryError, match="is not a whole number"):
        run_query(kg, _param_query(tmp_path, "integer"), {"x": value + "\n"})


def test_an_integer_parameter(cli, tmp_path):
    r = cli("query", _param_query(tmp_path, "integer"), "-p", "x=-12", "--format", "csv")
    assert r.exit_code == 0 and r.output.split() == ["x", "-12"]


@pytest.mark.parametrize("ptype, name", [("iri", "x"), ("entity", "x")])
@pytest.mark.parametrize("value", ["http://x> y", "http://x>", 'https://a"b', "http://a{b}", "http://a b", "http://[::1"])
def test_a_bad_iri_parameter_is_a_clear_error(cli, tmp_path, ptype, name, value):
    r = cli("query", _param_query(tmp_path, ptype), "-p", f"{name}={value}")
    assert r.exit_code == 2 and "not a valid IRI" in r.output, r.output


def test_a_repeated_parameter_is_refused(cli):
    r = cli("query", "project-members", "-p", "project=emh", "-p", "project=vorderpfalz")
    assert r.exit_code == 2 and "--param project is given twice" in r.output, r.output
    r = cli("query", "project-members", "-p", "project=emh", "-p", " project =emh")
    assert r.exit_code == 2 and "given twice" in r.output, r.output


# ---------------------------------------------------------------- the data folder
def test_a_missing_data_folder_means_the_command_could_not_run(cli, tmp_path):
    r = cli("--data", tmp_path / "no-such-dir", "validate")
    assert r.exit_code == 2 and "no-such-dir: the data folder does not exist" in r.output, r.output
    r = cli("--data", tmp_path / "no-such-dir", "build", "--out", tmp_path / "out")
    assert r.exit_code == 2 and not (tmp_path / "out").exists()
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="file: the data folder is not a folder"):
        ikz_graph.load(tmp_path / "file")


# ---------------------------------------------------------------- fields
def _append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _build_fails(cli, data, tmp_path, *patterns, code=1):
    import re

    out = tmp_path / "out"
    r = cli("--data", data, "build", "--out", out)
    assert r.exit_code == code, r.output
    for p in patterns:
        assert re.search(p, r.output), (p, r.output)
    assert not out.exists()
    return r.output


SOURCE = "  - id: {id}\n    title: T\n    url: https://example.org/\n    published: 2020\n"


def test_a_field_named___line___is_an_unknown_field(cli, data_copy, tmp_path):
    (data_copy / "extra.yaml").write_text("sources:\n" + SOURCE.format(id="x-line") + "    __line__: 7\n",
                                          encoding="utf-8")
    units = data_copy / "units.yaml"
    text = units.read_text(encoding="utf-8")
    assert "population: {value: 61912," in text
    units.write_text(text.replace("population: {value: 61912,", "population: {__line__: 1, value: 61912,", 1),
                     encoding="utf-8")
    (data_copy / "extra2.yaml").write_text("__line__: 3\n", encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"extra\.yaml:2 \[source x-line\]: unknown field '__line__'",
                 r"units\.yaml:\d+ \[unit 07233\]: field 'population': unknown field '__line__'",
                 r"extra2\.yaml:1: unknown collection '__line__'")


def test_a_json_style_file_with___line___is_refused(cli, data_copy, tmp_path):
    import json

    (data_copy / "extra.yaml").write_text(json.dumps({"__line__": 1, "sources": [
        {"id": "x-json", "title": "T", "url": "https://example.org/", "published": "2020", "__line__": 1}]}),
        encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"unknown collection '__line__'", r"unknown field '__line__'")


# ---------------------------------------------------------------- YAML
MERGE = """sources:
  - &base
    id: x-base
    title: Base
    url: https://example.org/
    published: 2020
  - <<: *base
    id: x-merged
    title: Merged
  - <<: [*base]
    id: x-merged-2
"""


def test_a_yaml_merge_key_with_overriding_keys(data_copy):
    (data_copy / "extra.yaml").write_text(MERGE, encoding="utf-8")
    from ikz_graph.base import register

    recs = {r.get("id"): r for r in ikz_graph.records.load_records(data_copy, register=register(data_copy))["sources"]}
    assert recs["x-merged"].get("title") == "Merged" and recs["x-merged"].get("url") == "https://example.org/"
    assert recs["x-merged-2"].get("title") == "Base" and recs["x-merged"].line == 7


def test_a_key_written_twice_beside_a_merge_is_still_a_duplicate(data_copy):
    (data_copy / "extra.yaml").write_text(MERGE.replace("    title: Merged\n", "    title: Merged\n    title: Twice\n"),
                                          encoding="utf-8")
    with pytest.raises(ikz_graph.DataError, match=r"extra\.yaml:10: not valid YAML: duplicate key 'title' \(first at line 9\)"):
        ikz_graph.load(data_copy)


@pytest.mark.parametrize("old, new, pattern", [
    ("    published: 2023-10-04\n", "    published: 2023-02-30\n", r"sources\.yaml:\d+ \[source [a-z0-9-]+\]: field 'published': '2023-02-30' is not a valid calendar date"),
    ("    accessed: 2026-11-24\n", "    accessed: 2026-11-24 10:00:00\n", r"sources\.yaml:\d+ \[source [a-z0-9-]+\]: field 'accessed': '2026-11-24 10:00:00' is not a date"),
])
def test_an_unquoted_impossible_date_in_the_data_is_a_problem(cli, data_copy, tmp_path, old, new, pattern):
    text = (data_copy / "sources.yaml").read_text(encoding="utf-8")
    assert old in text
    (data_copy / "sources.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, pattern)


@pytest.mark.parametrize("bad", ["2023-02-30T18:00:00+02:00", "2023-10-09T25:00:00+02:00", "2023-10-09T18:61+02:00",
                                 "2023-10-09T18:00:00+25:00"])
def test_an_impossible_date_time_is_a_problem(cli, data_copy, tmp_path, bad):
    text = (data_copy / "meetings.yaml").read_text(encoding="utf-8")
    assert "2023-10-09T18:00:00+02:00" in text
    (data_copy / "meetings.yaml").write_text(text.replace("2023-10-09T18:00:00+02:00", bad, 1), encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"meetings\.yaml:\d+ \[meeting [a-z0-9-]+\]: field 'start': .*not a (valid )?date-time")


def test_an_unquoted_impossible_date_in_the_configuration(cli, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("clusters:\n  seed: 2023-02-30\n", encoding="utf-8")
    r = cli("analyze", "--config", cfg, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "'clusters.seed' must be a whole number >= 0, not '2023-02-30'" in r.output, r.output
    assert not (tmp_path / "o").exists()


def _alias_bomb(levels=8, width=9):
    lines = ["sources:", "  - id: bomb", "    url: https://example.org/", "    published: 2020", "    title:",
             "      - &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"      - &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _merge_bomb(levels=30):
    lines = ["sources:", "  - &m0 {id: bomb, title: T, url: 'https://example.org/', published: 2020}"]
    lines += [f"  - &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: x}}" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, pattern", [
    (_alias_bomb(), r"bomb\.yaml:\d+: not valid YAML: aliases repeat more than 10000 values"),
    (_merge_bomb(), r"bomb\.yaml:\d+: not valid YAML: aliases repeat more than 10000 values"),
    ("sources:\n  - &r [*r]\n", r"bomb\.yaml:2: not valid YAML: an alias refers to a value that contains it"),
    ("sources:\n  - id: deep\n    title: " + "[" * 200 + "]" * 200 + "\n",
     r"bomb\.yaml:3: not valid YAML: values nest more than 64 levels deep"),
    ("sources:\n  - id: deep\n    title: &d " + "[" * 40 + "]" * 40 + "\n    note: " + "[" * 30 + "*d" + "]" * 30 + "\n",
     r"bomb\.yaml:4: not valid YAML: values nest more than 64 levels deep"),
])
def test_yaml_aliases_and_nesting_are_bounded(cli, data_copy, tmp_path, text, pattern):
    import time

    (data_copy / "bomb.yaml").write_text(text, encoding="utf-8")
    t = time.perf_counter()
    out = _build_fails(cli, data_copy, tmp_path, pattern)
    assert time.perf_counter() - t < 20 and len(out) < 2000, (time.perf_counter() - t, len(out))


def test_a_long_value_is_shortened_in_the_message(cli, data_copy, tmp_path):
    (data_copy / "long.yaml").write_text("sources:\n  - id: long\n    title: [" + ", ".join(["x" * 50] * 20000) + "]\n"
                                         "  - id: " + "a" * 100000 + "\n    title: T\n", encoding="utf-8")
    out = _build_fails(cli, data_copy, tmp_path, r"long\.yaml:2 \[source long\]: field 'title': ",
                       r"long\.yaml:4 \[source aaaa")
    assert len(out) < 1000, out[:3000]


@pytest.mark.parametrize("text, pattern", [
    ("sources:\n  - id: big\n    published: " + "1" * 5000 + "\n", r"big\.yaml:3: not valid YAML: .*digits"),
    ("sources:\n  - {[a]: 1}\n", r"big\.yaml:2: not valid YAML: .*unhashable"),
    ('{"sources": ' + "[" * 100000 + "]" * 100000 + "}", r"big\.yaml:1: not valid YAML: "),
    ('{"sources": [{"id": "big", "published": ' + "1" * 5000 + "}]}", r"big\.yaml:1: not valid YAML: .*digits"),
])
def test_values_yaml_or_json_cannot_hold_are_problems(cli, data_copy, tmp_path, text, pattern):
    (data_copy / "big.yaml").write_text(text, encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, pattern)


# ---------------------------------------------------------------- files that are not regular UTF-8 text files
def _run_bounded(*args, seconds=60):
    """``python -m ikz_graph ARGS`` in a process with bounded time and memory (a reader that blocks
    or reads an endless device fails the test instead of hanging or exhausting the machine)."""
    import resource
    import subprocess
    import sys

    from .conftest import ROOT

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    try:
        return subprocess.run([sys.executable, "-m", "ikz_graph", *map(str, args)], capture_output=True, text=True,
                              cwd=ROOT, timeout=seconds, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ikz-graph {' '.join(map(str, args))} did not finish within {seconds} s")


@pytest.mark.parametrize("make, what", [
    (lambda p: __import__("os").mkfifo(p), "a named pipe"),
    (lambda p: p.symlink_to("/dev/zero"), "a character device"),
    (lambda p: p.mkdir(), "a folder"),
], ids=["fifo", "symlink-to-dev-zero", "folder"])
def test_only_regular_files_are_read_from_the_data_folder(data_copy, tmp_path, make, what):
    make(data_copy / "odd.yaml")
    r = _run_bounded("--data", data_copy, "build", "--out", tmp_path / "out")
    assert r.returncode == 1, r.stderr[-2000:]
    assert f"data/odd.yaml: cannot read: not a regular file but {what}" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_fifo_as_configuration_or_query_file(tmp_path):
    import os

    os.mkfifo(tmp_path / "c.yaml")
    os.mkfifo(tmp_path / "q.rq")
    r = _run_bounded("analyze", "--config", tmp_path / "c.yaml", "--out", tmp_path / "o")
    assert r.returncode == 2 and "c.yaml: cannot read: not a regular file but a named pipe" in r.stderr, r.stderr
    r = _run_bounded("query", tmp_path / "q.rq")
    assert r.returncode == 2 and "q.rq: cannot read: not a regular file but a named pipe" in r.stderr, r.stderr


def test_text_that_is_not_utf8_is_named_by_line(cli, data_copy, tmp_path):
    (data_copy / "latin1.yaml").write_bytes("sources:\n  - id: x\n    title: Gebührenstelle\n".encode("latin-1"))
    _build_fails(cli, data_copy, tmp_path, r"latin1\.yaml:3: cannot read: not UTF-8 text \(byte 0xfc in line 3, column 15\)")
    q = tmp_path / "latin1.rq"
    q.write_bytes("# title: Gebühren\nSELECT ?x WHERE {}\n".encode("latin-1"))
    r = cli("query", q)
    assert r.exit_code == 2 and "latin1.rq:1: cannot read: not UTF-8 text (byte 0xfc in line 1, column 13)" in r.output, r.output


# ---------------------------------------------------------------- a file that does not parse
def test_a_file_that_does_not_parse_is_the_only_problem_reported(cli, data_copy, tmp_path):
    text = (data_copy / "units.yaml").read_text(encoding="utf-8")
    assert '    label: "Vulkaneifel"\n' in text
    (data_copy / "units.yaml").write_text(text.replace('    label: "Vulkaneifel"\n', '    label: "Vulkaneifel\n', 1),
                                          encoding="utf-8")
    projects = (data_copy / "projects.yaml").read_text(encoding="utf-8")
    (data_copy / "projects.yaml").write_text(projects.replace("    name: IKZ-Modellvorhaben Vorderpfalz\n",
                                                              "    nme: IKZ-Modellvorhaben Vorderpfalz\n", 1), encoding="utf-8")
    (data_copy / "zz.yaml").write_bytes(b"sources: [\xff]\n")
    lines = _build_fails(cli, data_copy, tmp_path).splitlines()
    assert lines[0] == "error: 2 problems in the data:", lines[:5]
    assert lines[1].startswith("  data/units.yaml:54") and "not valid YAML" in lines[1], lines[:5]
    assert lines[2] == "  data/zz.yaml:1: cannot read: not UTF-8 text (byte 0xff in line 1, column 11)"
    assert lines[3] == "  (the records were not checked, because 2 files could not be read)" and len(lines) == 4


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize("old, new, message", [
    ("population: {value: 61912,", "population: {value: -61912,", "field 'population': field 'value': expected a whole number from 0 to 1000000000, got -61912"),
    ("population: {value: 61912,", "population: {value: 1000000000000000000000000000000,", "expected a whole number from 0 to 1000000000, got 1000000000000000000000000000000"),
    ("{value: 911.64,", "{value: .nan,", "field 'area_km2': field 'value': expected a finite number, got nan"),
    ("{value: 911.64,", "{value: .inf,", "expected a finite number, got inf"),
    ("{value: 911.64,", "{value: -.inf,", "expected a finite number, got -inf"),
    ("{value: 911.64,", "{value: 1.0e+30,", "expected a number from 0 to 1000000000000000, got 1e+30"),
    ("{value: 911.64,", "{value: 1.0e-30,", "expected a number with at most 6 decimal places, got 1e-30"),
    ("{value: 911.64,", "{value: 1" + "0" * 400 + ",", "expected a number from 0 to 1000000000000000, got 1000"),
])
@pytest.mark.parametrize("validate", [[], ["--no-validate"]], ids=["validate", "no-validate"])
def test_numbers_are_finite_and_in_range(cli, data_copy, tmp_path, old, new, message, validate):
    text = (data_copy / "units.yaml").read_text(encoding="utf-8")
    assert old in text
    (data_copy / "units.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    r = cli("--data", data_copy, "build", "--out", out, *validate)
    assert r.exit_code == 1 and r"data/units.yaml:" in r.output and message in r.output, r.output
    assert not out.exists()


def test_a_json_nan_is_refused_too(cli, data_copy, tmp_path):
    (data_copy / "grants.yaml").write_text('{"grants": [{"id": "g-nan", "funder": "07233", "project": "emh", '
                                           '"amount": NaN, "sources": ["seed-egov-2023-10-04"]}]}', encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"grants\.yaml:1 \[grant g-nan\]: field 'amount': expected a (finite )?number, got ('NaN'|nan)")


# ---------------------------------------------------------------- texts and URLs that the graph cannot hold
@pytest.mark.parametrize("char", ['"', "|", "{", "}", "\\\\", "^", "`", "<", ">", "%zz"])
def test_a_url_that_is_no_valid_iri_is_a_problem(cli, data_copy, tmp_path, char):
    text = (data_copy / "bodies.yaml").read_text(encoding="utf-8")
    old = "    url: https://www.umwelt-online.de/recht/allgemei/laender/rp/kzg.htm\n"
    assert old in text
    (data_copy / "bodies.yaml").write_text(text.replace(old, old.replace("kzg.htm", f'"kzg{char}x.htm"'), 1),
                                           encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"bodies\.yaml:4 \[legal_act komzg\]: field 'url': .* is not a valid URL")


def test_a_text_too_long_for_the_store_is_a_problem(cli, data_copy, tmp_path):
    (data_copy / "long.yaml").write_text("sources:\n" + SOURCE.format(id="x-long") + "    note: " + "x" * (17 << 20) + "\n",
                                         encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"long\.yaml:2 \[source x-long\]: field 'note': a text of 17825792 characters "
                                           r"\(at most 100000\)")


def test_half_a_character_is_no_text(cli, data_copy, tmp_path):
    (data_copy / "half.yaml").write_text('{"sources": [{"id": "x-half", "title": "T\\ud800", "url": "https://example.org/", '
                                         '"published": "2020"}]}', encoding="utf-8")
    # refused as a field, the file is read again as YAML to name the line, and YAML refuses the escape
    _build_fails(cli, data_copy, tmp_path, r"half\.yaml:1: not valid YAML: .*invalid Unicode character escape code")
    from ikz_graph.schema import SPEC, FieldError, read_fields

    with pytest.raises(FieldError, match=r"field 'title': 'T\\ud800' is not text: surrogates not allowed at character 2"):
        read_fields({"id": "x", "title": "T\ud800"}, SPEC["sources"])


# ---------------------------------------------------------------- federation
class _Listener:
    """A TCP port on 127.0.0.1 that records whether anyone connected (and closes every connection)."""

    def __init__(self):
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port, self.connections, self._stop = self.sock.getsockname()[1], 0, False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop = True
        self.thread.join()
        self.sock.close()


SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "# a comment\nSELECT * WHERE {{ ?x ?y ?z . sErViCe<http://127.0.0.1:{port}/>{{?s ?p ?o}} }} LIMIT 1",
]


@pytest.mark.parametrize("text", SERVICE_QUERIES)
def test_a_local_query_does_not_call_other_hosts(cli, tmp_path, text):
    listener = _Listener()
    try:
        f = tmp_path / "fed.rq"
        f.write_text(text.format(port=listener.port), encoding="utf-8")
        r = cli("query", f)
        assert r.exit_code == 2 and "SERVICE" in r.output and "--allow-service" in r.output, r.output
        assert listener.connections == 0
        r = cli("query", f, "--allow-service")  # asked for: the store calls out (and fails, cleanly or SILENTly)
        assert r.exit_code == 0 if "silent" in text else r.exit_code == 2 and "cannot run the query" in r.output, r.output
        assert listener.connections == 1 and "Traceback" not in r.output
    finally:
        listener.close()


@pytest.mark.parametrize("text", ['SELECT ?service WHERE {{ BIND("SERVICE <http://127.0.0.1:{port}/>" AS ?service) }}',
                                  "SELECT ?s WHERE {{ ?s <http://example.org/SERVICE> ?o }} # SERVICE <x>",
                                  "PREFIX service: <http://example.org/>\nSELECT ?s WHERE {{ ?s service:x ?o }}"])
def test_the_word_service_elsewhere_is_no_federation(cli, tmp_path, text):
    f = tmp_path / "not-fed.rq"
    f.write_text(text.format(port=1), encoding="utf-8")
    r = cli("query", f)
    assert r.exit_code == 0, r.output


def test_service_is_found_however_it_is_written(kg):
    from ikz_graph.graph import uses_service

    assert uses_service("SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }")
    assert uses_service('SELECT * { ?s ?p "unfinished . SERVICE <http://x/> { ?s ?p ?o } }')
    assert uses_service("SELECT * {\n  SERVICE\n  ?endpoint { ?s ?p ?o } }")
    assert not uses_service("SELECT * { ?s ?p '''SERVICE\n<http://x/>''' }")
    with pytest.raises(QueryError, match="uses SERVICE"):
        kg.query("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    assert kg.query("SELECT * { SERVICE SILENT <http://127.0.0.1:1/> { ?s ?p ?o } }", allow_service=True).rows == [{"s": None, "p": None, "o": None}]


# ---------------------------------------------------------------- endpoints
@pytest.mark.parametrize("url", ["http://uzer:Zq9x@", "http://uzer:Zq9x@host:99999/x", "http://uzer:Zq9x@[::1",
                                 "http://uzer:Zq9x@host:port/x", "http://uzer:Zq/9x@host/q", "ftp://uzer:Zq9x@host/",
                                 "http://host:abc/q", "http://[::1/q", "http://uzer:Zq9x@host:-1/", "http://Zq:9x@h:1/"])
@pytest.mark.parametrize("command", [["query", "units"], ["publish"], ["analyze"]])
def test_a_malformed_endpoint_is_a_clear_error_that_keeps_secrets(cli, tmp_path, url, command):
    r = cli(*command, "--endpoint", url, *(["--out", tmp_path / "o"] if command == ["analyze"] else []))
    assert r.exit_code == 2 and "error: endpoint " in r.output, r.output
    assert "Zq" not in r.output and "9x" not in r.output and "uzer" not in r.output, r.output


@pytest.mark.parametrize("file, old, new, pattern", [
    ("states.yaml", '  - key: "07"', '  - key: "٠٧"', r"states\.yaml:\d+ \[state ٠٧\]: field 'key': '٠٧' is not a valid Länderschlüssel"),
    ("units.yaml", "    wikidata: Q3104\n", "    wikidata: Q3١٠٤\n", r"units\.yaml:\d+ \[unit \d+\]: field 'wikidata': 'Q3١٠٤' is not a valid Wikidata"),
])
def test_keys_and_ids_take_ascii_digits_only(cli, data_copy, tmp_path, file, old, new, pattern):
    text = (data_copy / file).read_text(encoding="utf-8")
    assert old in text
    (data_copy / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, pattern)


def test_a_control_character_is_named_by_line(cli, data_copy, tmp_path):
    (data_copy / "ctrl.yaml").write_text("sources:\n  - id: x-ctrl\n    title: T\x00\n", encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"ctrl\.yaml:3: not valid YAML: control characters are not allowed "
                                           r"\(U\+0000 in line 3, column 13\)")


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1" + "0" * 400])
def test_a_configuration_number_is_finite(cli, tmp_path, value):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"network:\n  weights:\n    project: {value}\n", encoding="utf-8")
    r = cli("analyze", "--config", cfg, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "'network.weights.project' must be a number from 0 to 1e+15" in r.output, r.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("text", ["# a comment\nl\n", "- a\n- b\n", "42\n"])
def test_a_file_that_is_no_mapping_is_a_problem(cli, data_copy, tmp_path, text):
    (data_copy / "scalar.yaml").write_text(text, encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"scalar\.yaml:1: the file must be a mapping of collection names")


def test_run_query_works_on_any_sparql_source(kg):
    class Source:  # a remote endpoint has query(sparql, bindings) and decides about SERVICE itself
        def query(self, sparql, bindings=None):
            return kg.query(sparql, bindings)

    assert len(run_query(Source(), "units").rows) == 36


@pytest.mark.parametrize("value", [".nan", "-5", "12.5"])
def test_a_unit_with_a_bad_field_is_the_one_problem_reported(cli, data_copy, tmp_path, value):
    """The unit record is left out; the memberships and neighbour lists that name its key are not
    reported as further problems ("unknown Kreisschlüssel"), which buried the real one."""
    units = data_copy / "units.yaml"
    text = units.read_text(encoding="utf-8")
    assert "population: {value: 115298," in text
    units.write_text(text.replace("population: {value: 115298,", f"population: {{value: {value},", 1), encoding="utf-8")
    out = _build_fails(cli, data_copy, tmp_path, r"1 problem in the data:", r"units.yaml:\d+ \[unit 07111\]: field 'population'")
    assert "unknown Kreisschlüssel" not in out and "do not list" not in out


def test_a_reference_to_a_key_no_record_defines_is_still_a_problem(cli, data_copy, tmp_path):
    nb = data_copy / "neighbours.yaml"
    text = nb.read_text(encoding="utf-8")
    nb.write_text(text.replace('unit: "07111"', 'unit: "07199"', 1), encoding="utf-8")
    _build_fails(cli, data_copy, tmp_path, r"neighbours.yaml:\d+ \[neighbour 07199\]: unit: unknown Kreisschlüssel '07199'")
