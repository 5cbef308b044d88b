"""The layer contracts of docs/architecture.md, and the house rules the code is held to."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ikz_graph"
LINT = Path(sys.executable).parent / "lint-imports"

#: Import names of third-party packages -> their distribution names in pyproject.toml.
DISTRIBUTIONS = {"yaml": "PyYAML", "SPARQLWrapper": "SPARQLWrapper", "igraph": "igraph", "jinja2": "jinja2",
                 "pyoxigraph": "pyoxigraph", "rdflib": "rdflib", "pyshacl": "pyshacl", "click": "click",
                 "networkx": "networkx", "numpy": "numpy", "scipy": "scipy", "pyvis": "pyvis",
                 "requests": "requests", "urllib3": "urllib3", "pylode": "pylode",
                 "shapefile": "pyshp", "pyproj": "pyproj", "shapely": "shapely", "openpyxl": "openpyxl"}


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_the_layer_contracts_hold():
    r = _lint(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 kept, 0 broken" in r.stdout


def test_a_back_import_breaks_the_contract(tmp_path):
    """The contracts can fail: a low module that imports the CLI is reported."""
    shutil.copytree(PACKAGE, tmp_path / "ikz_graph", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    dates = tmp_path / "ikz_graph" / "dates.py"
    dates.write_text(dates.read_text(encoding="utf-8") + "\n\ndef _bad():\n    from . import cli  # noqa\n",
                     encoding="utf-8")
    r = _lint(tmp_path)
    assert r.returncode != 0
    assert "ikz_graph.dates is not allowed to import ikz_graph.cli" in r.stdout


def _functions():
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(ROOT), node


def test_no_function_is_longer_than_100_lines():
    long = [f"{p}:{n.lineno} {n.name} ({n.end_lineno - n.lineno + 1} lines)" for p, n in _functions()
            if n.end_lineno - n.lineno + 1 > 100]
    assert not long, long


def _imported_packages() -> set[str]:
    names = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("ikz_graph", "__future__")}


def test_every_imported_package_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    declared = {d.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower() for d in wanted}
    imported = _imported_packages()
    unknown = imported - set(DISTRIBUTIONS)
    assert not unknown, f"add these imports to DISTRIBUTIONS and pyproject.toml: {sorted(unknown)}"
    missing = sorted(DISTRIBUTIONS[n] for n in imported if DISTRIBUTIONS[n].lower() not in declared)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_every_exception_class_is_defined_in_errors():
    defined = sorted(f"{p.relative_to(ROOT)}: {node.name}" for p in PACKAGE.rglob("*.py") if p.name != "errors.py"
                     for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                     if isinstance(node, ast.ClassDef) and any(
                         isinstance(b, ast.Name) and b.id.endswith(("Error", "Exception", "TryAgain", "GiveUp"))
                         for b in node.bases))
    assert not defined, defined
