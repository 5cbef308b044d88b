"""SHACL validation compiled to SPARQL and run on the graph's own Oxigraph store.

The shapes file is read into a small in-memory index; the constraints of every targeted shape
become a few SPARQL SELECT queries (per property shape: one for the cardinality, one for all
value-level constraints) that find *all* focus nodes breaking them at once: the target is joined into
the query, never one query per node. The results are the same :class:`~ikz_graph.shacl.Violation`
objects the pySHACL engine produces.

Supported (exactly what ``ontology/shapes.ttl`` needs): ``sh:targetClass`` (with
``rdfs:subClassOf*``), ``sh:targetNode``, ``sh:property`` with ``sh:path`` (an IRI or
``[ sh:inversePath IRI ]``), ``sh:minCount``, ``sh:maxCount``, ``sh:class``, ``sh:datatype``,
``sh:nodeKind``, ``sh:pattern`` (+ ``sh:flags``), ``sh:minInclusive``, ``sh:minExclusive``,
``sh:maxInclusive``, ``sh:lessThanOrEquals``, ``sh:or`` and ``sh:xone`` (of shapes built from these),
``sh:message``, ``sh:severity``, ``sh:deactivated`` and SPARQL constraints (``sh:sparql`` with
``sh:select``, ``sh:prefixes``/``sh:declare``, ``sh:message`` with ``{?var}``/``{$this}``).
Anything else with the ``sh:`` namespace on a shape raises :class:`ShapesError` naming the shape and
the construct; nothing is ignored silently.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pyoxigraph as ox

from . import namespaces as ns
from .errors import ShapesError
from .shacl_report import Report, Violation

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["ShapesError", "Shapes", "read_shapes", "validate_oxigraph", "SUPPORTED"]

SH = ns.SH
RDF_TYPE = ns.RDF + "type"
RDF_FIRST, RDF_REST, RDF_NIL = ns.RDF + "first", ns.RDF + "rest", ns.RDF + "nil"
XSD = ns.XSD

#: Constraint parameters evaluated on value nodes, one at a time.
VALUE_PARAMS = ("class", "datatype", "nodeKind", "pattern", "minInclusive", "minExclusive", "maxInclusive")
#: Everything this engine understands on a shape (local names in the sh: namespace).
SUPPORTED = frozenset(VALUE_PARAMS + (
    "targetClass", "targetNode", "property", "path", "minCount", "maxCount", "flags", "lessThanOrEquals",
    "or", "xone", "message", "severity", "deactivated", "sparql",
    # non-validating annotations
    "name", "description", "order", "group", "defaultValue"))
_SPARQL_CONSTRAINT_KEYS = frozenset({"select", "prefixes", "message", "deactivated", "severity"})
_NODE_KINDS = {
    "IRI": "isIRI({v})", "BlankNode": "isBlank({v})", "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "(isBlank({v}) || isIRI({v}))", "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
#: Datatypes whose lexical form Oxigraph can check with a cast (an ill-typed literal fails sh:datatype).
_CASTABLE = {XSD + t for t in ("integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time",
                                "gYear", "gYearMonth", "duration", "int", "long")}


# ------------------------------------------------------------------ reading the shapes graph

class _Index:
    """Subject -> predicate -> objects of the shapes graph, plus RDF list reading."""

    def __init__(self, triples: Iterable[ox.Triple], prefixes: dict):
        self.prefixes = dict(prefixes)
        self.spo: dict = {}
        for t in triples:
            self.spo.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def objects(self, s, p: str) -> list:
        return self.spo.get(s, {}).get(p, [])

    def one(self, s, p: str, where: str):
        objs = self.objects(s, p)
        if len(objs) > 1:
            raise ShapesError(f"shape {where}: more than one {_sh(p)} is not supported")
        return objs[0] if objs else None

    def items(self, head, where: str) -> list:
        out, node, seen = [], head, set()
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL):
            if node in seen or not self.objects(node, RDF_FIRST):
                raise ShapesError(f"shape {where}: malformed RDF list")
            seen.add(node)
            out.append(self.objects(node, RDF_FIRST)[0])
            rest = self.objects(node, RDF_REST)
            if not rest:
                raise ShapesError(f"shape {where}: malformed RDF list")
            node = rest[0]
        return out


def _sh(iri: str) -> str:
    return "sh:" + iri[len(SH):] if iri.startswith(SH) else ns.compact(iri)


def _name(node, prefixes: dict) -> str:
    """A shape's name for messages: prefixed as in the shapes file (``ikzsh:Instant``) or ``<IRI>``."""
    if isinstance(node, ox.NamedNode):
        best = max(((p, iri) for p, iri in prefixes.items() if node.value.startswith(iri)),
                   key=lambda kv: len(kv[1]), default=None)
        if best and re.fullmatch(r"[\w.-]*", node.value[len(best[1]):]):
            return f"{best[0]}:{node.value[len(best[1]):]}"
        return ns.compact(node.value) if ns.compact(node.value) != node.value else f"<{node.value}>"
    return f"[blank node {node.value}]"


@dataclass
class Shape:
    """One shape: targets (if any), path (property shape), constraints and nested property shapes."""

    node: object
    name: str
    path: str | None = None            # SPARQL path: "<iri>" or "^<iri>"
    path_iri: str | None = None        # the predicate, for the report
    path_inverse: bool = False
    target_classes: list = field(default_factory=list)
    target_nodes: list = field(default_factory=list)
    params: dict = field(default_factory=dict)      # local name -> term (single-valued parameters)
    logic: list = field(default_factory=list)       # ("or"|"xone", [Shape])
    properties: list = field(default_factory=list)  # [Shape]
    sparql: list = field(default_factory=list)      # [SparqlConstraint]
    message: str | None = None
    severity: str = "Violation"

    @property
    def targeted(self) -> bool:
        return bool(self.target_classes or self.target_nodes)


@dataclass
class SparqlConstraint:
    select: str
    prefixes: dict
    message: str | None
    where: str


@dataclass
class Shapes:
    """The shapes that have targets (each with its property shapes)."""

    roots: list
    source: str
    prefixes: dict = field(default_factory=dict)  # of the shapes file (and sh:), to name its terms


def read_shapes(path: str | Path) -> Shapes:
    """Read and check a Turtle shapes file; raise :class:`ShapesError` on anything unsupported."""
    path = Path(path)
    try:
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        triples = list(parser)
    except (SyntaxError, OSError) as e:
        raise ShapesError(f"cannot read shapes {path}: {e}") from None
    idx = _Index(triples, parser.prefixes)
    shape_types = {SH + "NodeShape", SH + "PropertyShape"}
    candidates = [s for s, po in idx.spo.items()
                  if any(k in po for k in (SH + "targetClass", SH + "targetNode", SH + "targetSubjectsOf",
                                           SH + "targetObjectsOf", SH + "target"))
                  or any(isinstance(o, ox.NamedNode) and o.value in shape_types for o in po.get(RDF_TYPE, []))]
    candidates.sort(key=str)
    memo: dict = {}
    roots = []
    for s in candidates:
        shape = _shape(idx, s, memo, nested=False)
        if shape.targeted and shape.params.get("deactivated") is None:
            roots.append(shape)
    return Shapes(roots=roots, source=str(path), prefixes={"sh": SH, **idx.prefixes})


def _literal_str(term, where: str, what: str) -> str:
    if not isinstance(term, ox.Literal):
        raise ShapesError(f"shape {where}: {what} must be a literal")
    return term.value


def _read_params(idx: _Index, node, shape: Shape, where: str) -> None:
    """The single-valued constraint parameters of a shape, checked."""
    for key in VALUE_PARAMS + ("minCount", "maxCount", "flags", "lessThanOrEquals", "deactivated"):
        v = idx.one(node, SH + key, where)
        if v is not None:
            shape.params[key] = v
    if "deactivated" in shape.params:
        if shape.params["deactivated"].value not in ("true", "false", "1", "0"):
            raise ShapesError(f"shape {where}: sh:deactivated must be a boolean")
        if shape.params["deactivated"].value in ("false", "0"):
            del shape.params["deactivated"]
    for key in ("minCount", "maxCount"):
        if key in shape.params:
            try:
                shape.params[key] = int(_literal_str(shape.params[key], where, f"sh:{key}"))
            except ValueError:
                raise ShapesError(f"shape {where}: sh:{key} must be a whole number") from None
    for key in ("class", "datatype", "nodeKind", "lessThanOrEquals"):
        if key in shape.params and not isinstance(shape.params[key], ox.NamedNode):
            raise ShapesError(f"shape {where}: sh:{key} must be an IRI")
    if "nodeKind" in shape.params:
        kind = shape.params["nodeKind"].value
        if not kind.startswith(SH) or kind[len(SH):] not in _NODE_KINDS:
            raise ShapesError(f"shape {where}: unknown sh:nodeKind {kind}")
    if "pattern" in shape.params:
        _literal_str(shape.params["pattern"], where, "sh:pattern")
    if "flags" in shape.params and "pattern" not in shape.params:
        raise ShapesError(f"shape {where}: sh:flags without sh:pattern")
    if ("lessThanOrEquals" in shape.params or "minCount" in shape.params or "maxCount" in shape.params) \
            and shape.path is None:
        raise ShapesError(f"shape {where}: sh:minCount, sh:maxCount and sh:lessThanOrEquals need a sh:path")


def _shape(idx: _Index, node, memo: dict, nested: bool, parent: str = "") -> Shape:
    if node in memo:
        if memo[node] is None:
            raise ShapesError(f"shape {_name(node, idx.prefixes)}: recursive shapes are not supported")
        return memo[node]
    memo[node] = None
    where = _name(node, idx.prefixes)
    if not isinstance(node, ox.NamedNode) and parent:
        path = idx.objects(node, SH + "path")
        what = f"property {ns.compact(path[0].value)}" if path and isinstance(path[0], ox.NamedNode) else "a nested shape"
        where = f"{parent}, {what}"
    po = idx.spo.get(node, {})
    for p in po:
        if p.startswith(SH) and p[len(SH):] not in SUPPORTED:
            raise ShapesError(f"shape {where}: SHACL construct {_sh(p)} is not supported by the oxigraph "
                              "engine (use --engine pyshacl)")
    for p in (RDF_TYPE,):
        for o in po.get(p, []):
            if isinstance(o, ox.NamedNode) and o.value in (ns.RDFS + "Class", ns.OWL + "Class"):
                raise ShapesError(f"shape {where}: implicit class targets (a shape that is also a class) "
                                  "are not supported by the oxigraph engine")
    shape = Shape(node=node, name=where)
    path = idx.one(node, SH + "path", where)
    if path is not None:
        if isinstance(path, ox.NamedNode):
            shape.path, shape.path_iri = f"<{path.value}>", path.value
        else:
            inv = idx.objects(path, SH + "inversePath")
            keys = set(idx.spo.get(path, {}))
            if len(inv) == 1 and keys == {SH + "inversePath"} and isinstance(inv[0], ox.NamedNode):
                shape.path, shape.path_iri, shape.path_inverse = f"^<{inv[0].value}>", inv[0].value, True
            else:
                raise ShapesError(f"shape {where}: only an IRI or [ sh:inversePath IRI ] is supported as "
                                  "sh:path by the oxigraph engine")
    if nested and (idx.objects(node, SH + "targetClass") or idx.objects(node, SH + "targetNode")):
        raise ShapesError(f"shape {where}: targets on a nested shape are not supported")
    shape.target_classes = sorted(o.value for o in idx.objects(node, SH + "targetClass"))
    shape.target_nodes = sorted(o for o in idx.objects(node, SH + "targetNode"))
    if any(not isinstance(o, ox.NamedNode) for o in shape.target_nodes):
        raise ShapesError(f"shape {where}: sh:targetNode must be an IRI for the oxigraph engine")
    _read_params(idx, node, shape, where)
    msgs = idx.objects(node, SH + "message")
    if len(msgs) > 1:
        raise ShapesError(f"shape {where}: more than one sh:message is not supported by the oxigraph engine")
    if msgs:
        shape.message = _literal_str(msgs[0], where, "sh:message")
    sev = idx.one(node, SH + "severity", where)
    if sev is not None:
        if not (isinstance(sev, ox.NamedNode) and sev.value.startswith(SH)):
            raise ShapesError(f"shape {where}: sh:severity must be sh:Violation, sh:Warning or sh:Info")
        shape.severity = sev.value[len(SH):]
    for key in ("or", "xone"):
        for head in idx.objects(node, SH + key):
            members = [_shape(idx, m, memo, nested=True, parent=f"{where}, sh:{key}") for m in idx.items(head, where)]
            for m in members:
                if m.properties or m.sparql or m.message is not None:
                    raise ShapesError(f"shape {where}: members of sh:{key} may not have sh:property, sh:sparql "
                                      "or sh:message in the oxigraph engine")
            shape.logic.append((key, members))
    for p in idx.objects(node, SH + "property"):
        child = _shape(idx, p, memo, nested=True, parent=where)
        if child.path is None:
            raise ShapesError(f"shape {child.name}: a property shape needs a sh:path")
        if child.properties:
            raise ShapesError(f"shape {child.name}: sh:property inside a property shape is not supported")
        shape.properties.append(child)
    if shape.path is not None and idx.objects(node, SH + "sparql"):
        raise ShapesError(f"shape {where}: sh:sparql on a property shape is not supported by the oxigraph engine")
    if shape.path is not None and shape.properties:
        raise ShapesError(f"shape {where}: sh:property inside a property shape is not supported")
    for c in idx.objects(node, SH + "sparql"):
        sc = _sparql_constraint(idx, c, where)
        if sc is not None:
            shape.sparql.append(sc)
    memo[node] = shape
    return shape


def _sparql_constraint(idx: _Index, c, where: str) -> SparqlConstraint | None:
    """The SPARQL constraint ``c``; None when it is deactivated."""
    po = idx.spo.get(c, {})
    for p in po:
        if p.startswith(SH) and p[len(SH):] not in _SPARQL_CONSTRAINT_KEYS:
            raise ShapesError(f"shape {where}: {_sh(p)} in a SPARQL constraint is not supported by the oxigraph engine")
    if SH + "severity" in po:
        raise ShapesError(f"shape {where}: sh:severity on a SPARQL constraint is not supported")
    off = idx.one(c, SH + "deactivated", where)
    if off is not None and off.value in ("true", "1"):
        return None
    select = idx.one(c, SH + "select", where)
    if select is None:
        raise ShapesError(f"shape {where}: a SPARQL constraint needs sh:select")
    text = _literal_str(select, where, "sh:select")
    prefixes: dict = {}
    for src in idx.objects(c, SH + "prefixes"):
        for d in idx.objects(src, SH + "declare"):
            pre = idx.one(d, SH + "prefix", where)
            iri = idx.one(d, SH + "namespace", where)
            if pre is None or iri is None:
                raise ShapesError(f"shape {where}: sh:declare needs sh:prefix and sh:namespace")
            prefixes[pre.value] = iri.value
    for bad in ("MINUS", "VALUES", "SERVICE", "$currentShape", "$shapesGraph"):
        if re.search(rf"(?<![\w$?]){re.escape(bad)}\b" if bad[0] != "$" else re.escape(bad), text,
                     flags=re.IGNORECASE if bad[0] != "$" else 0):
            raise ShapesError(f"shape {where}: {bad} in sh:select is not supported with a pre-bound $this")
    if not re.search(r"\bWHERE\s*\{", text, flags=re.IGNORECASE):
        raise ShapesError(f"shape {where}: sh:select needs a WHERE {{ … }} clause")
    msgs = idx.objects(c, SH + "message")
    if len(msgs) > 1:
        raise ShapesError(f"shape {where}: more than one sh:message is not supported by the oxigraph engine")
    return SparqlConstraint(select=text, prefixes=prefixes,
                            message=_literal_str(msgs[0], where, "sh:message") if msgs else None, where=where)


# ------------------------------------------------------------------ compiling to SPARQL

def _lit(s: str) -> str:
    """A SPARQL string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<{t.value}>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"{_lit(t.value)}@{t.language}"
        return f"{_lit(t.value)}^^<{t.datatype.value}>"
    raise ShapesError(f"a blank node cannot be used as a constraint value ({t})")


class _Compiler:
    def __init__(self, store: ox.Store):
        self.store = store
        self._classes: dict[str, list[str]] = {}
        self._fresh = itertools.count()

    def var(self) -> str:
        return f"?_v{next(self._fresh)}"

    def subclasses(self, cls: str) -> list[str]:
        """``cls`` and everything ``rdfs:subClassOf*`` below it in the data graph."""
        if cls not in self._classes:
            q = f"SELECT DISTINCT ?c WHERE {{ ?c <{ns.RDFS}subClassOf>* <{cls}> }}"
            found = {s["c"].value for s in self.store.query(q) if isinstance(s["c"], ox.NamedNode)}
            self._classes[cls] = sorted(found | {cls})
        return self._classes[cls]

    def focus(self, shape: Shape, var: str = "?this") -> str:
        """A group pattern that binds ``var`` to every focus node of ``shape``."""
        parts = []
        if shape.target_classes:
            classes = sorted({c for tc in shape.target_classes for c in self.subclasses(tc)})
            k = self.var()
            parts.append(f"{{ VALUES {k} {{ {' '.join(f'<{c}>' for c in classes)} }} {var} <{RDF_TYPE}> {k} }}")
        if shape.target_nodes:
            parts.append(f"{{ VALUES {var} {{ {' '.join(_term(n) for n in shape.target_nodes)} }} }}")
        return "{ " + " UNION ".join(parts) + " }"

    # value-level tests: a SPARQL boolean expression that is true when value node ``v`` passes
    def value_ok(self, key: str, arg, v: str, shape: Shape) -> str:
        if key == "class":
            k = self.var()
            classes = ", ".join(f"<{c}>" for c in self.subclasses(arg.value))
            return f"EXISTS {{ {v} <{RDF_TYPE}> {k} FILTER({k} IN ({classes})) }}"
        if key == "datatype":
            dt = arg.value
            ok = f"(isLiteral({v}) && sameTerm(DATATYPE({v}), <{dt}>))"
            if dt in _CASTABLE:
                ok = f"({ok} && COALESCE(isLiteral(<{dt}>(STR({v}))), false))"
            return ok
        if key == "nodeKind":
            return _NODE_KINDS[arg.value[len(SH):]].format(v=v)
        if key == "pattern":
            flags = shape.params.get("flags")
            fl = f", {_lit(flags.value)}" if flags is not None else ""
            return f"(!isBlank({v}) && COALESCE(REGEX(STR({v}), {_lit(arg.value)}{fl}), false))"
        op = {"minInclusive": ">=", "minExclusive": ">", "maxInclusive": "<="}[key]
        return f"COALESCE({v} {op} {_term(arg)}, false)"

    def logic_ok(self, kind: str, members: list, v: str) -> str:
        tests = [self.conforms(m, v) for m in members]
        if kind == "or":
            return "(" + " || ".join(tests) + ")" if tests else "false"
        return "((" + " + ".join(f"IF({t}, 1, 0)" for t in tests) + ") = 1)" if tests else "false"

    def conforms(self, shape: Shape, x: str) -> str:
        """A boolean expression: node ``x`` conforms to the (nested, non-targeted) ``shape``."""
        if shape.params.get("deactivated") is not None:
            return "true"  # a deactivated shape is conformed to by every node
        tests = []
        if shape.path is None:
            tests += [self.value_ok(k, shape.params[k], x, shape) for k in VALUE_PARAMS if k in shape.params]
            tests += [self.logic_ok(kind, ms, x) for kind, ms in shape.logic]
        else:
            p = shape.path
            if "minCount" in shape.params and shape.params["minCount"] > 0:
                tests.append("EXISTS { " + self._n_distinct(x, p, shape.params["minCount"]) + " }")
            if "maxCount" in shape.params:
                tests.append("NOT EXISTS { " + self._n_distinct(x, p, shape.params["maxCount"] + 1) + " }")
            for k in VALUE_PARAMS:
                if k in shape.params:
                    y = self.var()
                    tests.append(f"NOT EXISTS {{ {x} {p} {y} FILTER(!{self.value_ok(k, shape.params[k], y, shape)}) }}")
            for kind, ms in shape.logic:
                y = self.var()
                tests.append(f"NOT EXISTS {{ {x} {p} {y} FILTER(!{self.logic_ok(kind, ms, y)}) }}")
            if "lessThanOrEquals" in shape.params:
                y, o = self.var(), self.var()
                tests.append(f"NOT EXISTS {{ {x} {p} {y} . {x} <{shape.params['lessThanOrEquals'].value}> {o} "
                             f"FILTER(!COALESCE({y} <= {o}, false)) }}")
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def _n_distinct(self, x: str, p: str, n: int) -> str:
        ys = [self.var() for _ in range(n)]
        pats = " . ".join(f"{x} {p} {y}" for y in ys)
        neq = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(ys, 2)]
        return pats + (f" FILTER({' && '.join(neq)})" if neq else "")


@dataclass
class _Check:
    """One compiled query and how to turn its rows into results.

    ``tests`` lists (constraint parameter, column): a row breaks that constraint when the column is not
    true. ``counts`` marks a cardinality query (column ``n``). ``value_var`` names the value column
    (``this`` for node-level constraints, where the focus node is the value).
    """

    query: str
    shape: Shape           # the shape whose message/severity/path the results carry
    value_var: str | None = None
    tests: list = field(default_factory=list)
    counts: bool = False
    sparql: SparqlConstraint | None = None
    sparql_this: bool = True  # the SPARQL constraint itself projects $this


def compile_checks(shapes: Shapes, store: ox.Store) -> list[_Check]:
    """Turn the constraints of every targeted shape into a few SPARQL queries over all focus nodes.

    Per property shape: one query for the cardinality (all focus nodes at once), one for all
    value-level constraints (a column per constraint), one per sh:lessThanOrEquals; per node shape one
    for its node-level constraints; one per SPARQL constraint.
    """
    c = _Compiler(store)
    checks: list[_Check] = []
    for root in shapes.roots:
        f = c.focus(root)
        for ps in ([root] if root.path is not None else []) + root.properties:
            if ps.params.get("deactivated") is not None:
                continue
            checks += _property_checks(c, f, ps)
        if root.path is None:
            tests = [(k, c.value_ok(k, root.params[k], "?this", root)) for k in VALUE_PARAMS if k in root.params]
            tests += [(kind, c.logic_ok(kind, ms, "?this")) for kind, ms in root.logic]
            if tests:
                checks.append(_tests_check(f, "", "?this", tests, root))
        for sc in root.sparql:
            query, projected = _prebind(sc, f)
            checks.append(_Check(query, root, sparql=sc, sparql_this=projected))
    return checks


def _tests_check(f: str, pattern: str, var: str, tests: list, shape: Shape) -> _Check:
    """A query returning the rows where at least one of ``tests`` (component, expression) is not true."""
    binds = " ".join(f"BIND(COALESCE({expr}, false) AS ?_ok{i})" for i, (_, expr) in enumerate(tests))
    fails = " || ".join(f"!?_ok{i}" for i in range(len(tests)))
    cols = " ".join(f"?_ok{i}" for i in range(len(tests)))
    query = f"SELECT DISTINCT ?this {var if var != '?this' else ''} {cols} WHERE {{ {f} {pattern} {binds} FILTER({fails}) }}"
    return _Check(query, shape, var[1:], tests=[(k, f"_ok{i}") for i, (k, _) in enumerate(tests)])


def _property_checks(c: _Compiler, f: str, ps: Shape) -> list[_Check]:
    p, out = ps.path, []
    lo, hi = ps.params.get("minCount"), ps.params.get("maxCount")
    if lo == 1 and hi is None:
        out.append(_Check(f"SELECT DISTINCT ?this WHERE {{ {f} FILTER NOT EXISTS {{ ?this {p} ?v }} }}", ps,
                          tests=[("minCount", None)]))
    elif lo or hi is not None:
        cond = " || ".join(([f"?n < {lo}"] if lo else []) + ([f"?n > {hi}"] if hi is not None else []))
        out.append(_Check(f"SELECT ?this ?n WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {f} "
                          f"OPTIONAL {{ ?this {p} ?v }} }} GROUP BY ?this }} FILTER({cond}) }}", ps, counts=True))
    tests = [(k, c.value_ok(k, ps.params[k], "?v", ps)) for k in VALUE_PARAMS if k in ps.params]
    tests += [(kind, c.logic_ok(kind, ms, "?v")) for kind, ms in ps.logic]
    if tests:
        out.append(_tests_check(f, f"?this {p} ?v .", "?v", tests, ps))
    if "lessThanOrEquals" in ps.params:
        other = ps.params["lessThanOrEquals"].value
        out.append(_Check(f"SELECT DISTINCT ?this ?v WHERE {{ {f} ?this {p} ?v . ?this <{other}> ?o "
                          "FILTER(!COALESCE(?v <= ?o, false)) }", ps, "v", tests=[("lessThanOrEquals", None)]))
    return out


def _prebind(sc: SparqlConstraint, focus: str) -> tuple[str, bool]:
    """Pre-bind ``$this`` to all focus nodes: the target pattern opens the outer WHERE group.

    ``?this`` is added to the projection when the query does not select it, so that each row names its
    focus node; returns the query and whether the constraint projected ``$this`` itself.
    """
    text = sc.select.replace("$this", "?this")
    m = re.search(r"\bWHERE\s*\{", text, flags=re.IGNORECASE)
    body = text[:m.end()] + f" {focus} . " + text[m.end():]
    sel = re.search(r"\bSELECT\s+((?:DISTINCT|REDUCED)\s+)?", body, flags=re.IGNORECASE)
    if sel is None or sel.start() > m.start():
        raise ShapesError(f"shape {sc.where}: sh:select must be a SELECT query")
    projection = body[sel.end():m.start()]
    projected = "*" in projection or re.search(r"\?this\b", projection) is not None
    if not projected:
        body = body[:sel.end()] + "?this " + body[sel.end():]
    head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(sc.prefixes.items()))
    return head + body, projected


# ------------------------------------------------------------------ running

def _text(term) -> str:
    """How a term reads in a message (as pySHACL's str(): IRI in full, literal lexical form)."""
    return term.value


def validate_oxigraph(kg: "KnowledgeGraph", shapes: str | Path | None = None) -> Report:
    """Validate ``kg`` against ``shapes`` (default ``ontology/shapes.ttl``) with SPARQL on ``kg.store``."""
    from .paths import ontology_dir

    parsed = read_shapes(Path(shapes) if shapes else ontology_dir() / "shapes.ttl")
    rows: set = set()  # (focus term, path str, message, value term or None, severity)
    for chk in compile_checks(parsed, kg.store):
        try:
            sols = kg.store.query(chk.query)
        except (SyntaxError, RuntimeError, OSError) as e:
            raise ShapesError(f"shape {chk.shape.name}: its SPARQL cannot run on the store: {e}") from None
        cols = [v.value for v in sols.variables]
        shape = chk.shape
        path = "" if shape.path_iri is None else ("(path)" if shape.path_inverse else ns.compact(shape.path_iri))
        for sol in sols:
            this = sol["this"] if "this" in cols else None
            if this is None:
                raise ShapesError(f"shape {shape.name}: a SPARQL constraint returned a row without $this")
            if chk.sparql is not None:
                if "failure" in cols and sol["failure"] is not None and sol["failure"].value in ("true", "1"):
                    raise ShapesError(f"shape {shape.name}: a SPARQL constraint reported a failure")
                value = sol["value"] if "value" in cols else None
                if value is None and shape.path is None:
                    value = this  # as pySHACL: a node shape's result has the focus node as its value
                p = sol["path"] if "path" in cols else None
                row_path = path if p is None else (ns.compact(p.value) if isinstance(p, ox.NamedNode) else "(path)")
                msg = chk.sparql.message if chk.sparql.message is not None else shape.message
                if msg is not None:
                    subs = {c: sol[c] for c in cols if c not in ("this", "path", "value", "failure")}
                    subs.update({"this": this if chk.sparql_this else None, "path": p, "value": value})
                    for c, t in subs.items():
                        if t is not None:
                            msg = re.sub("{[?$]" + re.escape(c) + "}", lambda _m, s=_text(t): s, msg)
                else:
                    msg = "constraint not met"  # as the pySHACL engine reports a result without a message
                rows.add((this, row_path, msg, value, shape.severity))
            else:
                value = sol[chk.value_var] if chk.value_var else None
                for component in _broken(chk, sol):
                    msg = shape.message if shape.message is not None else \
                        _generic(component, shape, this, value, parsed.prefixes)
                    rows.add((this, path, msg, value, shape.severity))
    found = []
    for focus, path, msg, value, sev in rows:
        if focus.value == ns.ONTOLOGY_IRI and isinstance(value, ox.NamedNode):
            focus, value = value, None  # a whole-graph check reports the offending node as its value
        found.append((focus, path, msg, value, sev))
    labels = _labels(kg.store, {f[0] for f in found})
    out = set()
    for focus, path, msg, value, sev in found:
        out.add(Violation(
            node=focus.value, label=labels.get(focus, ""), path=path, message=msg,
            value="" if value is None else (ns.compact(value.value) if isinstance(value, ox.NamedNode) else value.value),
            severity=sev))
    violations = sorted(out)
    return Report(conforms=not any(v.severity == "Violation" for v in violations), violations=violations,
                  triples=len(kg))


def _broken(chk: _Check, sol) -> list[str]:
    """The constraint parameters a result row breaks."""
    if chk.counts:
        n, params = int(sol["n"].value), chk.shape.params
        return ([k for k, bad in (("minCount", "minCount" in params and n < params["minCount"]),
                                  ("maxCount", "maxCount" in params and n > params["maxCount"])) if bad])
    return [k for k, col in chk.tests if col is None or sol[col] is None or sol[col].value not in ("true", "1")]


def _generic(component: str, shape: Shape, this, value, prefixes: dict) -> str:
    """A message for a shape without ``sh:message``: pySHACL's wording, except for sh:or and sh:xone."""
    def qname(iri: str) -> str:  # a term of the shapes graph, prefixed as the shapes file does
        best = max(((p, b) for p, b in prefixes.items() if iri.startswith(b)), key=lambda kv: len(kv[1]), default=None)
        return f"{best[0]}:{iri[len(best[1]):]}" if best else f"<{iri}>"

    def node(t) -> str:  # a term of the data graph
        if isinstance(t, ox.Literal):
            extra = f", lang={t.language}" if t.language else (
                "" if t.datatype.value == XSD + "string" else f", datatype={qname(t.datatype.value)}")
            return f'Literal("{t.value}"{extra})'
        return ns.compact(t.value) if isinstance(t, ox.NamedNode) else str(t)

    k, params = component, shape.params
    path = ns.compact(shape.path_iri) if shape.path_iri and not shape.path_inverse else f"^{shape.path_iri}"
    if k == "minCount":
        return f"Less than {params['minCount']} values on {node(this)}->{path}"
    if k == "maxCount":
        return f"More than {params['maxCount']} values on {node(this)}->{path}"
    if k == "class":
        return f"Value does not have class {qname(params['class'].value)}"
    if k == "datatype":
        return f"Value is not Literal with datatype {qname(params['datatype'].value)}"
    if k == "nodeKind":
        return f"Value is not of Node Kind {qname(params['nodeKind'].value)}"
    if k == "pattern":
        return f"Value does not match pattern '{params['pattern'].value}'"
    if k in ("minInclusive", "minExclusive", "maxInclusive"):
        op = {"minInclusive": ">=", "minExclusive": ">", "maxInclusive": "<="}[k]
        return f"Value is not {op} {node(params[k])}"
    if k == "lessThanOrEquals":  # pySHACL's wording (with its "<")
        return f"Value of {node(this)}->{qname(params[k].value)} < {node(value)}"
    if k == "or":
        return f"Node {node(value)} must conform to one or more shapes in the sh:or of {shape.name}"
    return f"Node {node(value)} must conform to exactly one shape in the sh:xone of {shape.name}"


def _labels(store: ox.Store, nodes: set) -> dict:
    """The first ``rdfs:label`` (in export order) of each node, as the pySHACL engine reports it."""
    iris = sorted(n for n in nodes if isinstance(n, ox.NamedNode))
    out: dict = {}
    for i in range(0, len(iris), 1000):
        chunk = " ".join(f"<{n.value}>" for n in iris[i:i + 1000])
        for s in store.query(f"SELECT ?s ?l WHERE {{ VALUES ?s {{ {chunk} }} ?s <{ns.RDFS}label> ?l }}"):
            cur = out.get(s["s"])
            if cur is None or str(s["l"]) < str(cur):
                out[s["s"]] = s["l"]
    return {k: v.value for k, v in out.items()}
