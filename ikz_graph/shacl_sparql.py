"""The oxigraph SHACL engine: shapes compiled to SPARQL (:mod:`ikz_graph.shacl_compile`) and run on a store.

The shapes graph is read by :mod:`ikz_graph.shacl_shapes` (which refuses what the engine cannot do,
naming shape and construct), the data graph is a :class:`~ikz_graph.shacl_data.DataGraph`. Every
query finds *all* focus nodes that break its constraints at once; the rows become
:class:`~ikz_graph.shacl_report.Result` objects with the terms of the W3C report.
"""
from __future__ import annotations

import re
from collections import Counter
from contextlib import nullcontext
from dataclasses import replace

import pyoxigraph as ox

from . import namespaces as ns
from .errors import ShapesError
from .shacl_compile import VALUE_FUNCTION, Check, Plan, child_focus, compile_checks
from .shacl_data import DataGraph, ShapesGraph
from .shacl_paths import prefixed, text
from .shacl_report import Report, Result
from .shacl_shapes import SUPPORTED, Constraint, Shape, read_shapes

__all__ = ["validate_oxigraph", "SUPPORTED"]

SH, XSD = ns.SH, ns.XSD


def validate_oxigraph(data: DataGraph, graph: ShapesGraph) -> Report:
    """Validate ``data`` against the shapes of ``graph`` with SPARQL on the data graph's store."""
    shapes = read_shapes(graph)
    functions = {ox.NamedNode(VALUE_FUNCTION): data.value_of} if data.lossy else None
    plan = compile_checks(shapes, data)
    found: dict = {}
    needs = any(chk.prepared is not None and chk.prepared.shapes_graph for chk in plan.checks)
    with data.shapes_graph(graph.triples) if needs else nullcontext():
        for chk in plan.checks:
            rows, cols = _run(data, chk.query, chk.shape, chk.view, functions)
            found.setdefault(chk.shape, []).extend(_results(chk, rows, cols, data, shapes.prefixes))
    results: list[Result] = []
    for shape, rs in found.items():
        results += _repeated(plan, shape, rs, data, functions)
    focus = [r.focus for r in results] + [r.value for r in results if r.value is not None]
    return Report(results, data.triples, data.labels(focus), shapes.prefixes)


def _run(data: DataGraph, query: str, shape: Shape, view: str = "core", functions=None) -> tuple[list, list]:
    try:
        sols = data.query(query, view=view, custom_functions=functions)
        return list(sols), [v.value for v in sols.variables]
    except (SyntaxError, RuntimeError, OSError, ValueError) as e:
        raise ShapesError(f"shape {shape.name}: its SPARQL cannot run on the store: {e}") from None


def _trivial(plan: Plan, shape: Shape) -> bool:
    """Whether every focus node of ``shape`` is reached once (by its targets, or through one node shape)."""
    routes = plan.routes[shape]
    return len(routes) == 1 and (routes[0][0] == "target" or (routes[0][0] == "node" and _trivial(plan, routes[0][1])))


def _multiplicity(plan: Plan, shape: Shape, data: DataGraph, functions, memo: dict) -> Counter:
    """How often each focus node of ``shape`` is reached: SHACL validates it once per way (a focus node of
    a property shape's property shape is validated once for every focus node it is a value of)."""
    if shape in memo:
        return memo[shape]
    out: Counter = Counter()
    for kind, parent in plan.routes[shape]:
        if kind == "target":
            rows, _ = _run(data, f"SELECT DISTINCT ?this WHERE {{ {plan.compiler.focus(shape)} }}", shape, functions=functions)
            out.update(r["this"] for r in rows)
        elif kind == "node":
            out.update(_multiplicity(plan, parent, data, functions, memo))
        else:
            up = _multiplicity(plan, parent, data, functions, memo)
            pairs = child_focus(plan.focus[parent], parent.path, "?__g").replace("SELECT DISTINCT ?this", "SELECT DISTINCT ?__g ?this", 1)
            rows, _ = _run(data, pairs[1:-1].strip(), shape, functions=functions)
            for r in rows:
                out[r["this"]] += up[r["__g"]]
    memo[shape] = out
    return out


def _repeated(plan: Plan, shape: Shape, results: list, data: DataGraph, functions) -> list:
    """The results of ``shape``, each as often as its focus node is reached (the W3C suite counts them so)."""
    if _trivial(plan, shape) or not results:
        return results
    times = _multiplicity(plan, shape, data, functions, {})
    out = []
    for r in results:
        n = times[data.encode(r.focus)] or 1
        out += [replace(r, detail=(r.detail, i)) for i in range(n)]
    return out


def _results(chk: Check, rows: list, cols: list[str], data: DataGraph, prefixes: dict) -> list[Result]:
    shape, out = chk.shape, []
    for sol in rows:
        this = data.decode(sol["this"])
        if chk.kind == "sparql":
            out.append(_sparql_result(chk, sol, cols, this, data))
            continue
        value = data.decode(sol[chk.value]) if chk.value and sol[chk.value] is not None else None
        path = shape.path
        if chk.kind == "closed":
            path = ("iri", sol["__p"].value)
        detail = sol[chk.detail] if chk.detail else None
        if chk.kind == "values":
            broken = [c for c, col in chk.tests if not _true(sol[col])]
        elif chk.kind == "count":
            n = int(sol["n"].value)
            broken = [c for c, _ in chk.tests if (n < c.arg if c.kind.startswith(("min", "qualifiedMin")) else n > c.arg)]
        else:
            broken = [chk.constraint]
        for c in broken:  # each constraint has results of its own, even where they look the same
            msgs = shape.messages or (ox.Literal(_generic(c, shape, this, value, path, prefixes)),)
            out.append(Result(this, path, value, shape.node, c.component, shape.severity, msgs,
                              detail=(shape.constraints.index(c), detail)))
    return out


def _true(term) -> bool:
    return term is not None and term.value in ("true", "1")


def _sparql_result(chk: Check, sol, cols: list[str], this, data: DataGraph) -> Result:
    """A result of a SPARQL constraint or of a SPARQL-based constraint component (SHACL 5.3.2, 6.3)."""
    shape, sc, use = chk.shape, chk.sparql, chk.constraint.arg if chk.constraint is not None else None
    if "failure" in cols and _true(sol["failure"]):
        raise ShapesError(f"shape {shape.name}: a SPARQL constraint reported a failure (?failure true)")
    value = sol["value"] if "value" in cols else None
    if value is None and shape.path is None:
        value = this  # SHACL 5.3.2: a node shape's result has the focus node as its value
    p = sol["path"] if "path" in cols else None
    path = ("iri", p.value) if isinstance(p, ox.NamedNode) else shape.path
    templates = (sc.messages if sc is not None else use.messages) or shape.messages
    if not templates and "message" in cols and sol["message"] is not None:
        templates = (sol["message"],)
    subs = {c: sol[c] for c in cols if sol[c] is not None}
    msgs = tuple(_fill(m, subs) for m in templates) or (ox.Literal("constraint not met"),)
    value = None if value is None else data.decode(value)
    if sc is None:
        return Result(this, path, value, shape.node, use.component.value, shape.severity, msgs,
                      detail=shape.constraints.index(chk.constraint))
    return Result(this, path, value, shape.node, SH + "SPARQLConstraintComponent", shape.severity, msgs, sc.node)


def _fill(template, subs: dict):
    """A message template with ``{?var}`` and ``{$var}`` replaced by the values of the solution."""
    txt = re.sub(r"\{[?$]([\w]+)\}", lambda m: subs[m.group(1)].value if m.group(1) in subs else m.group(0),
                 template.value)
    return ox.Literal(txt, language=template.language) if template.language else ox.Literal(txt)


def _node(t, prefixes: dict) -> str:
    """A term of the data graph in a default message (pySHACL's wording)."""
    if isinstance(t, ox.Literal):
        extra = f", lang={t.language}" if t.language else (
            "" if t.datatype.value == XSD + "string" else f", datatype={prefixed(t.datatype.value, prefixes)}")
        return f'Literal("{t.value}"{extra})'
    return ns.compact(t.value) if isinstance(t, ox.NamedNode) else str(t)


def _generic(c: Constraint, shape: Shape, this, value, path, prefixes: dict) -> str:
    """A message for a shape without ``sh:message``: pySHACL's wording for the constraints of SHACL's first
    project shapes, the engine's own for the others."""
    k, arg = c.kind, c.arg
    q = (lambda iri: prefixed(iri, prefixes))
    where = text(path, prefixes) if path is not None else ""
    if path is not None and path[0] == "inv" and path[1][0] == "iri":
        where = f"^{path[1][1]}"
    simple = {
        "minCount": f"Less than {arg} values on {_node(this, prefixes)}->{where}",
        "maxCount": f"More than {arg} values on {_node(this, prefixes)}->{where}",
        "class": lambda: f"Value does not have class {q(arg)}",
        "datatype": lambda: f"Value is not Literal with datatype {q(arg)}",
        "nodeKind": lambda: f"Value is not of Node Kind {q(arg)}",
        "pattern": lambda: f"Value does not match pattern '{arg}'",
        "minLength": f"Value has fewer than {arg} characters", "maxLength": f"Value has more than {arg} characters",
        "languageIn": lambda: f"Language tag is not one of {', '.join(arg)}",
        "in": "Value is not one of the values of sh:in",
        "hasValue": lambda: f"Missing the value {_node(arg, prefixes)} on {_node(this, prefixes)}->{where}",
        "equals": lambda: f"Value {_node(value, prefixes)} is not shared with {q(arg)}",
        "disjoint": lambda: f"Value {_node(value, prefixes)} is also a value of {q(arg)}",
        "lessThan": lambda: f"Value of {_node(this, prefixes)}->{q(arg)} <= {_node(value, prefixes)}",
        "lessThanOrEquals": lambda: f"Value of {_node(this, prefixes)}->{q(arg)} < {_node(value, prefixes)}",
        "uniqueLang": "More than one value with the same language tag",
        "closed": lambda: f"Node {_node(this, prefixes)} is closed: it may not have {where}",
        "qualifiedMinCount": f"Less than {arg} values conform to the qualified value shape",
        "qualifiedMaxCount": f"More than {arg} values conform to the qualified value shape",
    }
    if k in ("minInclusive", "minExclusive", "maxInclusive", "maxExclusive"):
        op = {"minInclusive": ">=", "minExclusive": ">", "maxInclusive": "<=", "maxExclusive": "<"}[k]
        return f"Value is not {op} {_node(arg, prefixes)}"
    if k in simple:
        m = simple[k]
        return m() if callable(m) else m
    who = _node(value, prefixes)
    if k == "node":
        return f"Value {who} does not conform to the shape {arg.name}"
    if k == "not":
        return f"Value {who} conforms to the shape {arg.name}, which sh:not rules out"
    words = {"and": "every shape", "or": "one or more shapes", "xone": "exactly one shape"}[k]
    return f"Node {who} must conform to {words} in the sh:{k} of {shape.name}"
