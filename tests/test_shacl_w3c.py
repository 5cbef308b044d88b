"""The W3C SHACL test suite (core and SPARQL) on both engines, read in place from ../shared/conformance.

The oxigraph engine must pass every test whose constructs it claims (``SUPPORTED``), refuse every
other one with a ShapesError that names the shape and the construct, never crash and never give a
wrong report. pySHACL's outcomes are recorded: the tests it does not pass are listed below, and a
change in either direction fails (so the list stays true). The README's conformance section is
generated from these runs (``python scripts/shacl_conformance.py --write``) and checked here.

The suite is ``<repository>/../shared/conformance/w3c-shacl/tests`` (or ``$IKZ_GRAPH_SHACL_SUITE``).
Without it the tests are skipped with that reason; in CI (``CI=true``) a missing suite fails.
"""
from __future__ import annotations

import importlib.util
import os
import sys

import pyoxigraph as ox
import pytest

from ikz_graph import namespaces as ns
from ikz_graph.shacl_shapes import LIMITATIONS, SUPPORTED

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("shacl_conformance", ROOT / "scripts" / "shacl_conformance.py")
conformance = importlib.util.module_from_spec(_spec)
sys.modules["shacl_conformance"] = conformance  # its dataclasses look their module up
_spec.loader.exec_module(conformance)

SUITE = conformance.suite_dir()
PRESENT = (SUITE / "manifest.ttl").is_file()
CASES, FILES = conformance.cases(SUITE) if PRESENT else ([], None)
IDS = [c.id for c in CASES] or ["suite-missing"]

#: What pySHACL 0.40 does with the tests it does not pass (everything else it passes).
PYSHACL_NOT_PASSED = {
    "core/node/class-003": "failed",               # one result where two sh:class constraints give two
    "core/node/node-001": "failed",                # reports a result of the shape inside sh:node as well
    "core/property/datatype-001": "failed",        # rdflib rewrites the ill-typed value it reports
    "core/property/lessThan-002": "failed",        # one result per value, not per pair of values
    "core/property/node-001": "failed",            # reports results of the shape inside sh:node as well
    "core/property/node-002": "failed",            # reports a result of the shape inside sh:node as well
    "core/property/or-datatypes-001": "failed",    # rdflib rewrites the ill-typed value it reports
    "core/property/property-001": "failed",        # one result where two focus nodes reach the value
    "core/property/uniqueLang-001": "failed",      # one result per focus node, not per language tag
    "core/property/uniqueLang-002": "failed",      # reads "1"^^xsd:boolean as true
    "core/validation-reports/shared": "failed",    # one result where two property shapes reach the value
    "sparql/node/prefixes-001": "refused",         # does not follow owl:imports of sh:prefixes
    "sparql/pre-binding/shapesGraph-001": "refused",  # no $shapesGraph
}
#: Terms the oxigraph engine supports that no test of the suite uses, and the tests that cover them.
NOT_IN_SUITE = {
    "Shape": "tests/test_shacl_lexical.py::test_shape_types_and_annotations_are_read",
    "defaultValue": "tests/test_shacl_lexical.py::test_shape_types_and_annotations_are_read",
    "group": "tests/test_shacl_lexical.py::test_shape_types_and_annotations_are_read",
    "order": "tests/test_shacl_lexical.py::test_shape_types_and_annotations_are_read",
    "Violation": "tests/test_shacl_lexical.py::test_severities_explicit_and_custom",
    "nodeValidator": "tests/test_shacl_lexical.py::test_sparql_based_constraint_components",
}


def _need_suite() -> None:
    if PRESENT:
        return
    why = f"the W3C SHACL test suite is not at {SUITE} (set {conformance.SUITE_ENV}); these tests did not run"
    if os.environ.get("CI") == "true":
        pytest.fail(why, pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="module")
def outcomes():
    _need_suite()
    return {(c.id, e): conformance.run(c, e, FILES) for c in CASES for e in ("oxigraph", "pyshacl")}


def _case(case_id):
    _need_suite()
    return next(c for c in CASES if c.id == case_id)


@pytest.mark.parametrize("case_id", IDS)
def test_oxigraph_engine(outcomes, case_id):
    case = _case(case_id)
    o = outcomes[(case_id, "oxigraph")]
    claimed = conformance.used_terms(case, FILES) <= SUPPORTED
    if o.status == "refused":
        assert o.construct and o.construct in o.detail and o.detail.startswith("shape "), o.detail
        assert o.construct in LIMITATIONS or not claimed, f"refused a claimed test: {o.detail}"
        assert o.construct.removeprefix("sh:") not in SUPPORTED, o.detail
    else:
        assert o.status == "passed", f"{o.status}: {o.detail}"
    assert o.seconds < 10


@pytest.mark.parametrize("case_id", IDS)
def test_pyshacl_engine_is_as_recorded(outcomes, case_id):
    _case(case_id)
    o = outcomes[(case_id, "pyshacl")]
    assert o.status == PYSHACL_NOT_PASSED.get(case_id, "passed"), o.detail


def test_every_supported_term_is_exercised(outcomes):
    """The README's list of supported terms is what passes: each is used by a passing test of the suite,
    or by a named test of this repository."""
    used = set()
    for c in CASES:
        if outcomes[(c.id, "oxigraph")].status == "passed":
            used |= conformance.used_terms(c, FILES)
    assert sorted(SUPPORTED - used - set(NOT_IN_SUITE)) == []
    assert sorted(set(NOT_IN_SUITE) & used) == []  # listed here although the suite covers it: drop it
    for where in set(NOT_IN_SUITE.values()):
        path, name = where.split("::")
        assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), where


def test_readme_conformance_section_is_current(outcomes):
    section = conformance.readme_section(CASES, outcomes, FILES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert section in readme, "run: python scripts/shacl_conformance.py --write"


@pytest.mark.parametrize("case_id", IDS)
def test_cli_exit_code_and_turtle_report(cli, outcomes, case_id):
    """Through the command line: exit 0 conforms, 1 does not, 2 refused; never a traceback; the Turtle
    report is a W3C report with the same number of results."""
    case = _case(case_id)
    o = outcomes[(case_id, "oxigraph")]
    args = ("validate", "--graph", case.data, "--shapes", case.shapes, "--fail-on", "info")
    r = cli(*args, "--format", "turtle")
    assert "Traceback" not in r.output
    if case.failure or o.status == "refused":
        assert r.exit_code == 2 and r.output.startswith("error: shape "), r.output
        return
    assert r.exit_code == (0 if case.conforms else 1), r.output
    report = list(ox.parse(r.output.encode(), format=ox.RdfFormat.TURTLE))
    conforms = [t.object.value for t in report if t.predicate.value == ns.SH + "conforms"]
    assert conforms == [str(case.conforms).lower()]
    assert len([t for t in report if t.predicate.value == ns.SH + "result"]) == len(case.results)
