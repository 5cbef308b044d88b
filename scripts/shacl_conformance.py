"""Run the W3C SHACL test suite (core and SPARQL) on both SHACL engines; print or write the results.

    python scripts/shacl_conformance.py            # the table, and every test that did not pass
    python scripts/shacl_conformance.py --verbose  # every test and its outcome
    python scripts/shacl_conformance.py --write    # refresh the conformance section of README.md

The suite is read in place from ``../shared/conformance/w3c-shacl/tests`` beside the repository (or
the folder in ``IKZ_GRAPH_SHACL_SUITE``); nothing of it is copied. Each manifest entry names a data
graph, a shapes graph and the expected ``sh:ValidationReport``, or ``sht:Failure`` where a processor
must refuse. A report matches when ``sh:conforms`` is the same and the results are the same set of
(focus node, path, value, source shape, constraint component, severity), messages not compared, as
the suite defines; blank nodes are the same when they are the same node of the same file, and
language tags compare case-insensitively (RDF 1.1 allows them to be lower-cased).

Outcomes: ``passed``; ``refused`` (ShapesError: the engine names the shape and the construct it does
not support; for a test that expects a failure this is ``passed``); ``failed`` (a wrong report, or
a report where a failure was expected); ``crashed`` (any other exception).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from ikz_graph import namespaces as ns  # noqa: E402
from ikz_graph.errors import IkzError  # noqa: E402
from ikz_graph.shacl import ENGINES, validate_triples  # noqa: E402
from ikz_graph.shacl_data import ShapesGraph, read_rdf  # noqa: E402
from ikz_graph.shacl_paths import Index, parse_path  # noqa: E402
from ikz_graph.shacl_shapes import LIMITATIONS, SUPPORTED  # noqa: E402

SUITE_ENV = "IKZ_GRAPH_SHACL_SUITE"
README = ROOT / "README.md"
START, END = "<!-- shacl-conformance:start -->", "<!-- shacl-conformance:end -->"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"
SH, RDF = ns.SH, ns.RDF
#: sh: terms of validation reports (the test files hold their expected reports): not constructs.
REPORT_TERMS = {"conforms", "result", "focusNode", "resultPath", "value", "sourceShape", "sourceConstraintComponent",
                "resultSeverity", "resultMessage", "sourceConstraint", "detail", "ValidationReport", "ValidationResult"}


def suite_dir() -> Path:
    """Where the suite is: ``$IKZ_GRAPH_SHACL_SUITE``, else ``<repository>/../shared/conformance/w3c-shacl/tests``."""
    env = os.environ.get(SUITE_ENV)
    return Path(env) if env else ROOT.parent / "shared" / "conformance" / "w3c-shacl" / "tests"


@dataclass
class Case:
    """One test of the suite."""

    id: str                  # e.g. core/node/and-001
    label: str
    manifest: Path
    data: Path
    shapes: Path
    failure: bool            # a processor must refuse (sht:Failure)
    conforms: bool | None = None
    results: list = field(default_factory=list)   # the expected results as comparable tuples

    @property
    def part(self) -> str:
        return self.id.split("/")[0]


class _Files:
    """Each file of the suite parsed once, its blank nodes labelled ``f{n}_…`` so that files never share one."""

    def __init__(self):
        self.parsed: dict = {}

    def get(self, path: Path) -> tuple[list, dict]:
        path = path.resolve()
        if path not in self.parsed:
            self.parsed[path] = read_rdf(path, f"{self.prefix(path)}_")
        return self.parsed[path]

    def prefix(self, path: Path) -> str:
        path = path.resolve()
        order = list(self.parsed)
        return f"f{order.index(path) if path in order else len(order)}"

    def origin(self, term) -> str:
        return term.value.split("_", 1)[0] if isinstance(term, ox.BlankNode) else ""


def _path_of(iri: str) -> Path:
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(iri).path))


def _entries(files: _Files, manifest: Path):
    triples, _ = files.get(manifest)
    idx = Index(triples)
    for po in list(idx.spo.values()):
        for inc in po.get(MF + "include", []):
            yield from _entries(files, _path_of(inc.value))
    for po in list(idx.spo.values()):
        for head in po.get(MF + "entries", []):
            for entry in idx.items(head, str(manifest)):
                yield manifest, idx, entry


def cases(suite: Path | None = None) -> tuple[list[Case], _Files]:
    """Every test of the suite's manifests, in manifest order."""
    suite = suite or suite_dir()
    files, out = _Files(), []
    for manifest, idx, entry in _entries(files, suite / "manifest.ttl"):
        action, result = idx.objects(entry, MF + "action")[0], idx.objects(entry, MF + "result")[0]
        label = idx.objects(entry, ns.RDFS + "label")
        case = Case(id=entry.value.split("/tests/", 1)[-1] if "/tests/" in entry.value else str(entry),
                    label=label[0].value if label else "", manifest=manifest,
                    data=_path_of(idx.objects(action, SHT + "dataGraph")[0].value),
                    shapes=_path_of(idx.objects(action, SHT + "shapesGraph")[0].value),
                    failure=isinstance(result, ox.NamedNode) and result.value == SHT + "Failure")
        if not case.failure:
            case.conforms = idx.objects(result, SH + "conforms")[0].value in ("true", "1")
            case.results = [_expected(idx, r, files) for r in idx.objects(result, SH + "result")]
        rel = case.manifest.resolve().relative_to(suite.resolve()).parent / entry.value.rsplit("/", 1)[-1]
        case.id = str(rel)
        out.append(case)
    return out, files


def _norm(term, files: _Files, home: str):
    """A term as the comparison sees it: language tags lower-cased; a blank node of another file as ``*``."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.language:
        return ("lit", term.value, term.language.lower())
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value) if files.origin(term) == home else ("bnode", "*")
    return str(term)


def _expected(idx: Index, r, files: _Files) -> tuple:
    def one(key):
        objs = idx.objects(r, SH + key)
        return objs[0] if objs else None

    home = files.origin(r)
    path = one("resultPath")
    return (_norm(one("focusNode"), files, home), None if path is None else parse_path(idx, path, "(expected)"),
            _norm(one("value"), files, home), _norm(one("sourceShape"), files, home),
            one("sourceConstraintComponent").value, one("resultSeverity").value)


@dataclass
class Outcome:
    status: str               # passed, refused, failed, crashed
    detail: str = ""
    construct: str | None = None
    seconds: float = 0.0


def graphs(case: Case, files: _Files) -> tuple[list, ShapesGraph]:
    data, _ = files.get(case.data)
    shapes, prefixes = files.get(case.shapes)
    return data, ShapesGraph(shapes, prefixes, str(case.shapes))


def run(case: Case, engine: str, files: _Files) -> Outcome:
    """Run one test on one engine and compare its report with the expected one."""
    t0 = time.perf_counter()
    data, shapes = graphs(case, files)
    home = files.prefix(case.manifest)
    try:
        report = validate_triples(data, shapes, engine)
    except IkzError as e:  # ShapesError: a refusal naming the construct; pySHACL's failures to run
        took = time.perf_counter() - t0
        construct = getattr(e, "construct", None)
        if case.failure:
            return Outcome("passed", f"refused as expected: {e}", construct, took)
        return Outcome("refused", str(e), construct, took)
    except Exception as e:  # noqa: BLE001 - the runner records every way an engine can break
        return Outcome("crashed", f"{type(e).__name__}: {e}", None, time.perf_counter() - t0)
    took = time.perf_counter() - t0
    if case.failure:
        return Outcome("failed", "a report was produced where the processor must refuse", None, took)
    actual = Counter((_norm(r.focus, files, home), r.path, _norm(r.value, files, home), _norm(r.shape, files, home),
                      r.component, r.severity) for r in report.results)
    expected = Counter(case.results)
    if report.conforms != case.conforms or actual != expected:
        missing, extra = expected - actual, actual - expected
        detail = f"conforms {report.conforms} (expected {case.conforms})"
        detail += "".join(f"\n      missing {_show(t)}" for t in sorted(missing, key=repr))
        detail += "".join(f"\n      extra   {_show(t)}" for t in sorted(extra, key=repr))
        return Outcome("failed", detail, None, took)
    return Outcome("passed", "", None, took)


def _show(t: tuple) -> str:
    names = ("focus", "path", "value", "shape", "component", "severity")
    return ", ".join(f"{n}={v if not isinstance(v, str) else v.rsplit('#', 1)[-1]}" for n, v in zip(names, t))


def used_terms(case: Case, files: _Files) -> set[str]:
    """The sh: terms (local names) the test's shapes graph uses, apart from those of its expected report."""
    triples, _ = files.get(case.shapes)
    idx = Index(triples)
    skip: set = set()
    todo = [o for po in idx.spo.values() for o in po.get(MF + "result", [])]
    while todo:
        n = todo.pop()
        if n not in skip and isinstance(n, ox.BlankNode):  # the report's own nodes, not the nodes it names
            skip.add(n)
            todo += [o for objs in idx.spo.get(n, {}).values() for o in objs]
    out = set()
    for t in triples:
        if t.subject in skip:
            continue
        for x in (t.predicate, t.object):
            if isinstance(x, ox.NamedNode) and x.value.startswith(SH) and x.value[len(SH):] not in REPORT_TERMS:
                out.add(x.value[len(SH):])
    return {t for t in out if t == "ConstraintComponent" or not t.endswith("ConstraintComponent")}


def run_all(engines=ENGINES, suite: Path | None = None) -> tuple[list[Case], dict]:
    """Every test on every engine: (cases, {(case id, engine): Outcome})."""
    found, files = cases(suite)
    return found, {(c.id, e): run(c, e, files) for c in found for e in engines}, files


def table(found: list[Case], outcomes: dict, engines=ENGINES) -> str:
    """The Markdown table of outcomes per engine and part of the suite."""
    lines = ["| engine | part | tests | passed | refused | failed | crashed |", "|---|---|---:|---:|---:|---:|---:|"]
    for e in engines:
        for part in ("core", "sparql"):
            ids = [c.id for c in found if c.part == part]
            n = Counter(outcomes[(i, e)].status for i in ids)
            lines.append(f"| {e} | {part} | {len(ids)} | {n['passed']} | {n['refused']} | {n['failed']} | {n['crashed']} |")
    return "\n".join(lines)


#: The supported sh: terms by kind, for the README (every term of SUPPORTED in exactly one group).
GROUPS = {
    "Targets": ("targetClass targetNode targetSubjectsOf targetObjectsOf", "and implicit class targets (a shape "
                "that is an instance of `rdfs:Class` or of a subclass of it)"),
    "Paths": ("path inversePath alternativePath zeroOrMorePath oneOrMorePath zeroOrOnePath", "and sequence paths"),
    "Constraints": ("class datatype nodeKind IRI BlankNode Literal BlankNodeOrIRI BlankNodeOrLiteral IRIOrLiteral "
                    "minCount maxCount minExclusive minInclusive maxExclusive maxInclusive minLength maxLength pattern "
                    "flags languageIn uniqueLang equals disjoint lessThan lessThanOrEquals not and or xone node property "
                    "qualifiedValueShape qualifiedMinCount qualifiedMaxCount qualifiedValueShapesDisjoint closed "
                    "ignoredProperties hasValue in", ""),
    "Shapes and results": ("NodeShape PropertyShape Shape severity Violation Warning Info message deactivated name "
                           "description order group defaultValue", "(any IRI as a severity; it fails the check as a "
                           "violation does)"),
    "SPARQL": ("sparql SPARQLConstraint select prefixes declare prefix namespace PrefixDeclaration ConstraintComponent "
               "parameter Parameter optional validator nodeValidator propertyValidator SPARQLAskValidator "
               "SPARQLSelectValidator ask labelTemplate", "with `$this`, `$value`, parameters, `$PATH`, "
               "`$currentShape` and `$shapesGraph` pre-bound"),
}


def readme_section(found: list[Case], outcomes: dict, files: _Files) -> str:
    """The generated part of README.md: results, the supported terms, what is refused."""
    grouped = [t for terms, _ in GROUPS.values() for t in terms.split()]
    if sorted(grouped) != sorted(SUPPORTED):
        raise SystemExit(f"GROUPS and SUPPORTED differ: {sorted(set(grouped) ^ set(SUPPORTED))}")
    refused = Counter(o.construct for (cid, e), o in outcomes.items() if e == "oxigraph" and o.status == "refused")
    lines = [START, "", table(found, outcomes), "", "The oxigraph engine supports these terms of the `sh:` namespace:", ""]
    for name, (terms, note) in GROUPS.items():
        lines.append(f"* {name}: " + ", ".join(f"`sh:{t}`" for t in terms.split()) + (f" {note}" if note else "") + ".")
    lines += ["", "It refuses (exit 2, naming the shape and the construct) every other `sh:` term, and:", ""]
    lines += [f"* {k}: {v}." for k, v in sorted(LIMITATIONS.items(), key=lambda kv: kv[0].lstrip("$").lower())]
    done = ", ".join(f"{k} ({v})" for k, v in sorted(refused.items(), key=lambda kv: (-kv[1], str(kv[0]))))
    lines += ["", f"Tests of the suite that the oxigraph engine refuses: {done or 'none'}. The tests pySHACL does not "
              "pass are listed with the reason in `tests/test_shacl_w3c.py`.", "", END]
    return "\n".join(lines)


def write_readme(section: str) -> bool:
    text = README.read_text(encoding="utf-8")
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _m: section, text, flags=re.S)
    if new != text:
        README.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true", help="print every test and its outcome")
    ap.add_argument("--write", action="store_true", help="refresh the conformance section of README.md")
    ap.add_argument("--engine", choices=ENGINES, action="append", help="only this engine (repeatable)")
    args = ap.parse_args(argv)
    import logging
    import warnings

    logging.getLogger("rdflib").setLevel(logging.CRITICAL)  # pySHACL's data has ill-typed literals on purpose
    warnings.simplefilter("ignore")
    if not (suite_dir() / "manifest.ttl").is_file():
        print(f"the W3C SHACL test suite is not at {suite_dir()} (set {SUITE_ENV})", file=sys.stderr)
        return 2
    engines = tuple(args.engine or ENGINES)
    found, outcomes, files = run_all(engines)
    for c in found:
        for e in engines:
            o = outcomes[(c.id, e)]
            if args.verbose or o.status not in ("passed", "refused"):
                print(f"{e:8} {o.status:8} {c.id}: {o.detail}")
    print(table(found, outcomes, engines))
    if args.write:
        if engines != ENGINES:
            print("--write needs both engines", file=sys.stderr)
            return 2
        print("README.md " + ("updated" if write_readme(readme_section(found, outcomes, files)) else "unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
