"""SHACL constraints compiled to SPARQL: a few SELECT queries per shape, each over all its focus nodes.

Per shape with results (a shape with targets, or a property shape of one): one query for all
constraints tested on each value node (a column per constraint), one for the cardinality, one per
other constraint. Shapes inside ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone`` and
``sh:qualifiedValueShape`` only need a yes or no, so they become boolean SPARQL expressions
(:meth:`Compiler.conforms`, with ``EXISTS`` and ``NOT EXISTS``). SPARQL constraints run in a
``LATERAL`` join (:mod:`ikz_graph.shacl_prebind`).

Value nodes keep their lexical forms (:mod:`ikz_graph.shacl_data`): comparisons decode surrogates
(:data:`VALUE_FUNCTION`), ``sh:datatype`` checks the datatype the graph says and the well-formedness
of the lexical form for the XSD datatypes in :data:`DATATYPES`.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import namespaces as ns
from .errors import ShapesError
from .shacl_data import INTEGER_RANGES, SHAPES_GRAPH, SURROGATE, DataGraph
from .shacl_paths import nullable, sparql as path_sparql
from .shacl_shapes import VALUE_KINDS, Constraint, Shape, Shapes, SparqlConstraint

__all__ = ["Check", "Plan", "Compiler", "compile_checks", "child_focus", "DATATYPES", "VALUE_FUNCTION"]

SH, XSD = ns.SH, ns.XSD
RDF_TYPE = ns.RDF + "type"
#: The custom SPARQL function that gives the value of a literal written with a surrogate.
VALUE_FUNCTION = "urn:ikz-graph:value"
_MAX_EXPRESSION = 2_000_000   # characters of one compiled expression: deeper nesting is refused
_MAX_NESTED_COUNT = 8         # sh:minCount / sh:maxCount + 1 in nested shapes are counted by pattern joins

_DECIMAL = r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$"
_FLOAT = r"^(NaN|[+-]?INF|[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?)$"
_NO_SPACE = r"^[^\\s]+$"
#: Datatypes whose lexical space is checked by sh:datatype: a SPARQL test on the lexical form ``{s}``.
DATATYPES = {
    XSD + "string": "true", XSD + "boolean": 'REGEX({s}, "^(true|false|1|0)$")',
    XSD + "decimal": f'REGEX({{s}}, "{_DECIMAL}")', XSD + "double": f'REGEX({{s}}, "{_FLOAT}")',
    XSD + "float": f'REGEX({{s}}, "{_FLOAT}")',
    **{XSD + t: f'REGEX({{s}}, "{_NO_SPACE}") && isLiteral(<{XSD}{t}>({{s}}))' for t in (
        "date", "dateTime", "time", "gYear", "gYearMonth", "gMonth", "gDay", "gMonthDay", "duration",
        "dayTimeDuration", "yearMonthDuration")},
    XSD + "dateTimeStamp": f'REGEX({{s}}, "(Z|[+-][0-9][0-9]:[0-9][0-9])$") && isLiteral(<{XSD}dateTime>({{s}}))',
    XSD + "normalizedString": r'!REGEX({s}, "[\\r\\n\\t]")',
    XSD + "token": r'!REGEX({s}, "[\\r\\n\\t]|^ | $|  ")',
    XSD + "language": r'REGEX({s}, "^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")',
    XSD + "hexBinary": r'REGEX({s}, "^([0-9a-fA-F]{2})*$")',
    XSD + "anyURI": r'!REGEX({s}, "[\\s<>\"{}|^`\\\\]")',
}
_SIGNS = {"nonNegativeInteger": r"^(\\+?[0-9]+|-0+)$", "positiveInteger": r"^\\+?0*[1-9][0-9]*$",
          "nonPositiveInteger": r"^(-[0-9]+|\\+?0+)$", "negativeInteger": r"^-0*[1-9][0-9]*$"}
for _t, (_lo, _hi) in INTEGER_RANGES.items():
    # the unbounded types by their sign alone (any length); the others compared as decimals, which hold 2^64
    _bounds = "".join(f' && <{XSD}decimal>({{s}}) {op} "{b}"^^<{XSD}decimal>' for op, b in ((">=", _lo), ("<=", _hi))
                      if b is not None and _t not in _SIGNS)
    DATATYPES[XSD + _t] = f'REGEX({{s}}, "{_SIGNS.get(_t, "^[+-]?[0-9]+$")}")' + _bounds
_NODE_KIND_TESTS = {
    "IRI": "isIRI({v})", "BlankNode": "isBlank({v})", "Literal": "isLiteral({v})",
    "BlankNodeOrIRI": "(isBlank({v}) || isIRI({v}))", "BlankNodeOrLiteral": "(isBlank({v}) || isLiteral({v}))",
    "IRIOrLiteral": "(isIRI({v}) || isLiteral({v}))",
}
_COMPARE = {"minInclusive": ">=", "minExclusive": ">", "maxInclusive": "<=", "maxExclusive": "<"}


def lit(s: str) -> str:
    """A SPARQL string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def term(t) -> str:
    """An RDF term in SPARQL syntax."""
    if isinstance(t, ox.NamedNode):
        return f"<{t.value}>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"{lit(t.value)}@{t.language}"
        return f"{lit(t.value)}^^<{t.datatype.value}>"
    raise ShapesError(f"blank nodes as constants ({t}) are not supported", "blank nodes as constants")


@dataclass
class Check:
    """One compiled query and how its rows become results.

    ``kind``: ``values`` (``tests`` lists (constraint, column): a row breaks the constraint whose
    column is not true), ``count`` (column ``n`` against the bounds of the constraints in ``tests``),
    ``rows`` (every row is a result of ``constraint``), ``closed``, ``sparql`` (a SPARQL constraint or
    component). ``value`` names the value column.
    """

    query: str
    shape: Shape
    kind: str
    constraint: Constraint | None = None
    value: str | None = None
    tests: list = field(default_factory=list)
    sparql: SparqlConstraint | None = None
    view: str = "core"
    detail: str | None = None   # a column that tells apart results SHACL counts separately (sh:lessThan pairs, …)

    @property
    def prepared(self):
        """The query of a SPARQL constraint or component (None for the other checks)."""
        if self.sparql is not None:
            return self.sparql.query
        return self.constraint.arg.query if self.constraint is not None and self.constraint.kind == "component" else None


class Compiler:
    def __init__(self, data: DataGraph):
        self.data = data
        self._classes: dict = {}
        self._fresh = itertools.count()

    def var(self) -> str:
        return f"?__v{next(self._fresh)}"

    def subclasses(self, cls: str) -> list[str]:
        """``cls`` and everything ``rdfs:subClassOf*`` below it in the data graph."""
        if cls not in self._classes:
            q = f"SELECT DISTINCT ?c WHERE {{ ?c <{ns.RDFS}subClassOf>* <{cls}> }}"
            found = {s["c"].value for s in self.data.query(q) if isinstance(s["c"], ox.NamedNode)}
            self._classes[cls] = sorted(found | {cls})
        return self._classes[cls]

    def const(self, t) -> str:
        """A constant compared by RDF term equality, as the store holds it."""
        return term(self.data.encode(t))

    def val(self, v: str) -> str:
        """The value of ``v`` for comparisons (a surrogate decoded)."""
        return f"<{VALUE_FUNCTION}>({v})" if self.data.lossy else v

    # ------------------------------------------------------------------ focus nodes and value nodes
    def focus(self, shape: Shape, var: str = "?this") -> str:
        """A group pattern that binds ``var`` to every target of ``shape``."""
        parts = []
        classes = sorted({c for kind, t in shape.targets if kind == "class" for c in self.subclasses(t)})
        if classes:
            k = self.var()
            parts.append(f"{{ VALUES {k} {{ {' '.join(f'<{c}>' for c in classes)} }} {var} <{RDF_TYPE}> {k} }}")
        nodes = [self.const(t) for kind, t in shape.targets if kind == "node"]
        if nodes:
            parts.append(f"{{ VALUES {var} {{ {' '.join(sorted(set(nodes)))} }} }}")
        for kind, p in shape.targets:
            if kind in ("subjectsOf", "objectsOf"):
                o = self.var()
                pattern = f"{var} <{p}> {o}" if kind == "subjectsOf" else f"{o} <{p}> {var}"
                parts.append(f"{{ SELECT DISTINCT {var} WHERE {{ {pattern} }} }}")
        return " UNION ".join(parts)

    def values(self, x: str, path: tuple, y: str) -> str:
        """A group pattern binding ``y`` to the values of ``path`` at ``x`` (``x`` bound outside, as in EXISTS)."""
        step = f"{x} {path_sparql(path)} {y}"
        return f"{{ {{ BIND({x} AS {y}) }} UNION {{ {step} }} }}" if nullable(path) else f"{{ {step} }}"

    @staticmethod
    def focused(focus: str, path: tuple | None, y: str = "?v", optional: bool = False, x: str = "?this") -> str:
        """The focus nodes (``x``, bound by ``focus``) with their value nodes (``y``), at the top of a query.

        With ``optional``, focus nodes without values keep a row (``y`` unbound).
        """
        if path is None:
            return f"{{ {focus} }} BIND({x} AS {y})"
        step = f"{x} {path_sparql(path)} {y}"
        if nullable(path):  # every node is its own value: no OPTIONAL needed
            return f"{{ {{ {focus} }} BIND({x} AS {y}) }} UNION {{ {{ {focus} }} {step} }}"
        return f"{{ {focus} }} " + (f"OPTIONAL {{ {step} }}" if optional else f"{step} .")

    # ------------------------------------------------------------------ value-level tests
    def datatype_ok(self, dt: str, v: str) -> str:
        if dt == ns.RDF + "langString":
            return f'(isLiteral({v}) && LANG({v}) != "")'
        wf = DATATYPES.get(dt)
        check = f"COALESCE({wf.format(s=f'STR({v})')}, false)" if wf and wf != "true" else "true"
        native = f"(isLiteral({v}) && sameTerm(DATATYPE({v}), <{dt}>) && {check})"
        if not self.data.lossy:
            return native
        return f"({native} || (isLiteral({v}) && sameTerm(DATATYPE({v}), <{SURROGATE}{dt}>) && {check}))"

    def test(self, c: Constraint, v: str) -> str:
        """A SPARQL expression that is true when value node ``v`` passes the value-level constraint ``c``."""
        k, arg = c.kind, c.arg
        if k == "class":
            t = self.var()
            return f"EXISTS {{ {v} <{RDF_TYPE}> {t} FILTER({t} IN ({', '.join(f'<{x}>' for x in self.subclasses(arg))})) }}"
        if k == "datatype":
            return self.datatype_ok(arg, v)
        if k == "nodeKind":
            return _NODE_KIND_TESTS[arg[len(SH):]].format(v=v)
        if k in _COMPARE:
            return f"({self.val(v)} {_COMPARE[k]} {term(arg)})"
        if k in ("minLength", "maxLength"):
            return f"(!isBlank({v}) && STRLEN(STR({v})) {'>=' if k == 'minLength' else '<='} {arg})"
        if k == "pattern":
            flags = c.extra.get("flags")
            return f"(!isBlank({v}) && REGEX(STR({v}), {lit(arg)}{'' if flags is None else ', ' + lit(flags)}))"
        if k == "languageIn":
            tags = " || ".join(f"langMatches(LANG({v}), {lit(t)})" for t in arg) or "false"
            return f"(isLiteral({v}) && ({tags}))"
        if k == "in":
            return "(" + (" || ".join(f"sameTerm({v}, {self.const(t)})" for t in arg) or "false") + ")"
        if k == "node":
            return self.conforms(arg, v)
        if k == "not":
            return f"!{self.conforms(arg, v)}"
        tests = [self.conforms(m, v) for m in arg]
        if k == "and":
            return "(" + (" && ".join(tests) or "true") + ")"
        if k == "or":
            return "(" + (" || ".join(tests) or "false") + ")"
        return "((" + (" + ".join(f"IF({t}, 1, 0)" for t in tests) or "0") + ") = 1)"

    def ok(self, c: Constraint, v: str) -> str:
        return f"COALESCE({self.test(c, v)}, false)"

    # ------------------------------------------------------------------ conformance of nested shapes
    def conforms(self, shape: Shape, x: str) -> str:
        """A boolean expression: node ``x`` conforms to ``shape`` (all its constraints, nested shapes included)."""
        try:
            return self._conforms(shape, x)
        except ShapesError as e:
            if str(e).startswith("shape "):
                raise
            raise ShapesError(f"shape {shape.name}: {e}", e.construct) from None

    def _conforms(self, shape: Shape, x: str) -> str:
        if shape.deactivated:
            return "true"
        if shape.sparql:
            raise ShapesError(f"shape {shape.name}: sh:sparql in a nested shape (in sh:node, sh:or, …) is not supported "
                              "by the oxigraph engine (use --engine pyshacl)", "sh:sparql in a nested shape")
        if shape.path is None:
            tests = [self.ok(c, x) for c in shape.constraints if c.kind in VALUE_KINDS]
            tests += [self.node_set_test(c, x) for c in shape.constraints if c.kind not in VALUE_KINDS]
            tests += [self.conforms(p, x) for p in shape.properties]
        else:
            tests = self.property_tests(shape, x)
        out = "(" + " && ".join(tests) + ")" if tests else "true"
        if len(out) > _MAX_EXPRESSION:
            raise ShapesError(f"shape {shape.name}: very deeply nested shapes (too large to compile into one SPARQL "
                              "expression; use --engine pyshacl)", "very deeply nested shapes")
        return out

    def node_set_test(self, c: Constraint, x: str) -> str:
        k = c.kind
        if k == "component":
            raise ShapesError("SPARQL-based constraint components in a nested shape are not supported by the oxigraph "
                              "engine (use --engine pyshacl)", "SPARQL-based constraint components in a nested shape")
        if k == "hasValue":
            return f"sameTerm({x}, {self.const(c.arg)})"
        if k == "equals":
            o = self.var()
            return f"(EXISTS {{ {x} <{c.arg}> {x} }} && NOT EXISTS {{ {x} <{c.arg}> {o} FILTER(!sameTerm({o}, {x})) }})"
        if k == "disjoint":
            return f"NOT EXISTS {{ {x} <{c.arg}> {x} }}"
        if k == "closed":
            p, o = self.var(), self.var()
            allowed = ", ".join(f"<{a}>" for a in c.arg)
            return f"NOT EXISTS {{ {x} {p} {o} " + (f"FILTER({p} NOT IN ({allowed})) }}" if allowed else "}")
        raise ShapesError(f"sh:{k} on a node shape is not supported", f"sh:{k} on a node shape")

    def n_values(self, x: str, path: tuple, n: int, cond=None) -> str:
        """A pattern with ``n`` distinct values of ``path`` at ``x`` (each passing ``cond``), for EXISTS."""
        if n > _MAX_NESTED_COUNT:
            raise ShapesError(f"large counts in nested shapes (above {_MAX_NESTED_COUNT}) are not supported by the "
                              "oxigraph engine (use --engine pyshacl)", "large counts in nested shapes")
        ys = [self.var() for _ in range(n)]
        pats = " ".join(self.values(x, path, y) for y in ys)
        conds = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(ys, 2)]
        conds += [cond(y) for y in ys] if cond else []
        return pats + (f" FILTER({' && '.join(conds)})" if conds else "")

    def property_tests(self, shape: Shape, x: str) -> list[str]:
        path, out = shape.path, []
        y = self.var()
        value_tests = [self.ok(c, y) for c in shape.constraints if c.kind in VALUE_KINDS]
        value_tests += [f"COALESCE({self.conforms(p, y)}, false)" for p in shape.properties]
        if value_tests:
            out.append(f"NOT EXISTS {{ {self.values(x, path, y)} FILTER(!({' && '.join(value_tests)})) }}")
        for c in shape.constraints:
            k = c.kind
            cond = self.qualified_condition(c) if k.startswith("qualified") else None
            if k in ("minCount", "qualifiedMinCount"):
                if c.arg > 0:
                    out.append(f"EXISTS {{ {self.n_values(x, path, c.arg, cond)} }}")
            elif k in ("maxCount", "qualifiedMaxCount"):
                out.append(f"NOT EXISTS {{ {self.n_values(x, path, c.arg + 1, cond)} }}")
            elif k not in VALUE_KINDS:
                out.append(self.set_test(c, x, path))
        return out

    def set_test(self, c: Constraint, x: str, path: tuple) -> str:
        """The other property-shape constraints as boolean expressions (for nested shapes)."""
        k, y, o = c.kind, self.var(), self.var()
        if k == "component":
            return self.node_set_test(c, x)
        vals = self.values(x, path, y)
        if k == "hasValue":
            here = f"EXISTS {{ {x} {path_sparql(path)} {self.const(c.arg)} }}"
            return f"(sameTerm({x}, {self.const(c.arg)}) || {here})" if nullable(path) else here
        if k == "equals":
            back = self.values(x, path, o)
            return (f"(NOT EXISTS {{ {vals} FILTER NOT EXISTS {{ {x} <{c.arg}> {y} }} }} && "
                    f"NOT EXISTS {{ {x} <{c.arg}> {o} FILTER NOT EXISTS {{ {back} }} }})")
        if k == "disjoint":
            return f"NOT EXISTS {{ {vals} {x} <{c.arg}> {y} }}"
        if k in ("lessThan", "lessThanOrEquals"):
            op = "<" if k == "lessThan" else "<="
            return f"NOT EXISTS {{ {vals} {x} <{c.arg}> {o} FILTER(!COALESCE({self.val(y)} {op} {self.val(o)}, false)) }}"
        if k == "uniqueLang":
            other = self.values(x, path, o)
            return (f"NOT EXISTS {{ {vals} {other} FILTER(!sameTerm({y}, {o}) && LANG({y}) != \"\" && "
                    f"LCASE(LANG({y})) = LCASE(LANG({o}))) }}")
        raise ShapesError(f"sh:{k} is not supported here", f"sh:{k}")

    def qualified_condition(self, c: Constraint):
        q, siblings = c.extra["shape"], c.extra["siblings"]
        return lambda y: "(" + " && ".join([f"COALESCE({self.conforms(q, y)}, false)"] + [
            f"!COALESCE({self.conforms(s, y)}, false)" for s in siblings]) + ")"


# ---------------------------------------------------------------------- the queries of one shape

def _head(v: str) -> str:
    """The projection of the focus node and the value node (the focus node itself for node shapes)."""
    return "?this" if v == "?this" else f"?this {v}"


def _values_check(c: Compiler, shape: Shape, focus: str) -> list[Check]:
    tests = [k for k in shape.constraints if k.kind in VALUE_KINDS]
    if not tests:
        return []
    v = "?this" if shape.path is None else "?v"
    binds = " ".join(f"BIND({c.ok(t, v)} AS ?__ok{i})" for i, t in enumerate(tests))
    fails = " || ".join(f"!?__ok{i}" for i in range(len(tests)))
    cols = " ".join(f"?__ok{i}" for i in range(len(tests)))
    pattern = f"{{ {focus} }}" if shape.path is None else Compiler.focused(focus, shape.path)
    query = f"SELECT DISTINCT {_head(v)} {cols} WHERE {{ {pattern} {binds} FILTER({fails}) }}"
    return [Check(query, shape, "values", value=v[1:], tests=[(t, f"__ok{i}") for i, t in enumerate(tests)])]


def _count_checks(c: Compiler, shape: Shape, focus: str) -> list[Check]:
    """One query for sh:minCount and sh:maxCount together, one for the qualified counts together: the
    number of (conforming) values per focus node, compared with the bounds (column ``n``)."""
    out = []
    for kinds, inner in ((("minCount", "maxCount"), "COUNT(DISTINCT ?v)"),
                         (("qualifiedMinCount", "qualifiedMaxCount"), "COUNT(DISTINCT ?__q)")):
        bounds = [k for k in shape.constraints if k.kind in kinds and not (k.kind == kinds[0] and k.arg == 0)]
        if not bounds:
            continue
        if [k.kind for k in bounds] == ["minCount"] and bounds[0].arg == 1 and not nullable(shape.path):
            query = f"SELECT DISTINCT ?this WHERE {{ {{ {focus} }} FILTER NOT EXISTS {{ ?this {path_sparql(shape.path)} ?v }} }}"
            out.append(Check(query, shape, "rows", bounds[0]))
            continue
        cond = " || ".join(f"?n {'<' if k.kind == kinds[0] else '>'} {k.arg}" for k in bounds)
        values = Compiler.focused(focus, shape.path, optional=True)
        if kinds[0] == "qualifiedMinCount":
            values += f" BIND(IF({c.qualified_condition(bounds[0])('?v')}, ?v, ?__none) AS ?__q)"
        query = f"SELECT ?this ?n WHERE {{ {{ SELECT ?this ({inner} AS ?n) WHERE {{ {values} }} GROUP BY ?this }} FILTER({cond}) }}"
        out.append(Check(query, shape, "count", tests=[(k, None) for k in bounds]))
    return out


def _set_checks(c: Compiler, shape: Shape, focus: str) -> list[Check]:
    out, path = [], shape.path
    v = "?this" if path is None else "?v"
    pattern = f"{{ {focus} }}" if path is None else Compiler.focused(focus, path)
    for k in shape.constraints:
        kind = k.kind
        if kind == "hasValue":
            if path is None:
                q = f"SELECT DISTINCT ?this WHERE {{ {{ {focus} }} FILTER(!sameTerm(?this, {c.const(k.arg)})) }}"
            else:
                cond = f"NOT EXISTS {{ ?this {path_sparql(path)} {c.const(k.arg)} }}"
                if nullable(path):
                    cond = f"!sameTerm(?this, {c.const(k.arg)}) && {cond}"
                q = f"SELECT DISTINCT ?this WHERE {{ {{ {focus} }} FILTER({cond}) }}"
            out.append(Check(q, shape, "rows", k))
        elif kind == "equals":
            back = "FILTER(!sameTerm(?v, ?this))" if path is None else f"FILTER NOT EXISTS {{ {c.values('?this', path, '?v')} }}"
            out.append(Check(f"SELECT DISTINCT {_head(v)} WHERE {{ {pattern} FILTER NOT EXISTS {{ ?this <{k.arg}> {v} }} }}",
                             shape, "rows", k, v[1:]))
            out.append(Check(f"SELECT DISTINCT ?this ?v WHERE {{ {{ {focus} }} ?this <{k.arg}> ?v {back} }}",
                             shape, "rows", k, "v"))
        elif kind == "disjoint":
            out.append(Check(f"SELECT DISTINCT {_head(v)} WHERE {{ {pattern} FILTER EXISTS {{ ?this <{k.arg}> {v} }} }}",
                             shape, "rows", k, v[1:]))
        elif kind in ("lessThan", "lessThanOrEquals"):
            op = "<" if kind == "lessThan" else "<="
            out.append(Check(f"SELECT DISTINCT {_head(v)} ?__o WHERE {{ {pattern} ?this <{k.arg}> ?__o "
                             f"FILTER(!COALESCE({c.val(v)} {op} {c.val('?__o')}, false)) }}", shape, "rows", k, v[1:],
                             detail="__o"))
        elif kind == "uniqueLang":
            other = c.values("?this", path, "?__o")
            out.append(Check(f"SELECT DISTINCT ?this (LCASE(LANG(?v)) AS ?__lang) WHERE {{ {pattern} FILTER(LANG(?v) != \"\") "
                             f"FILTER EXISTS {{ {other} FILTER(!sameTerm(?v, ?__o) && LCASE(LANG(?v)) = LCASE(LANG(?__o))) }} }}",
                             shape, "rows", k, detail="__lang"))
        elif kind == "closed":
            allowed = ", ".join(f"<{a}>" for a in k.arg)
            filt = f"FILTER(?__p NOT IN ({allowed}))" if allowed else ""
            out.append(Check(f"SELECT DISTINCT ?this ?__p ?v WHERE {{ {{ {focus} }} ?this ?__p ?v {filt} }}",
                             shape, "closed", k, "v"))
    return out


def _prebound(shape: Shape, query) -> str:
    """BINDs for ``$currentShape`` and ``$shapesGraph`` when the query uses them."""
    out = f" BIND(<{shape.node.value}> AS ?currentShape)" if query.current_shape else ""
    return out + (f" BIND(<{SHAPES_GRAPH.value}> AS ?shapesGraph)" if query.shapes_graph else "")


def _sparql_checks(shape: Shape, focus: str) -> list[Check]:
    out = []
    for sc in shape.sparql:
        current, q = _prebound(shape, sc.query), sc.query
        if q.inline_at is not None:  # $this only directly in the WHERE group: the focus nodes open it
            query = (f"{q.prologue}{q.query[:q.inline_at]} {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }}{current} "
                     f"{q.query[q.inline_at:]}")
        else:
            query = (f"{q.prologue}SELECT * WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }}{current} "
                     f"LATERAL {{ {q.query} }} }}")
        out.append(Check(query, shape, "sparql", sparql=sc, view="sparql"))
    return out


@dataclass
class Plan:
    """The compiled queries, and for every shape with results the pattern of its focus nodes and the ways it is
    reached: ``("target", None)``, ``("node", parent)`` or ``("property", parent)`` (through ``sh:property``)."""

    checks: list
    focus: dict
    routes: dict
    compiler: "Compiler"


def _component_checks(c: Compiler, shape: Shape, focus: str) -> list[Check]:
    """SPARQL-based constraint components: SELECT validators once per focus node, ASK validators once per value
    node, both with ``$this``, ``$value`` and the parameters substituted (LATERAL, as for sh:sparql)."""
    out = []
    for k in shape.constraints:
        if k.kind != "component":
            continue
        use = k.arg
        binds = "".join(f" BIND({c.const(v)} AS ?{name})" for name, v in sorted(use.values.items()))
        binds += _prebound(shape, use.query)
        if use.ask:
            pairs = f"{{ {focus} }} BIND(?this AS ?value)" if shape.path is None else Compiler.focused(focus, shape.path, "?value")
            query = (f"{use.query.prologue}SELECT * WHERE {{ {{ SELECT DISTINCT ?this ?value WHERE {{ {pairs} }} }}{binds} "
                     f"LATERAL {{ OPTIONAL {{ {use.query.query} }} }} FILTER(!BOUND(?__ok)) }}")
        else:
            query = (f"{use.query.prologue}SELECT * WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {focus} }} }}{binds} "
                     f"LATERAL {{ {use.query.query} }} }}")
        out.append(Check(query, shape, "sparql", k, view="sparql"))
    return out


def _reported(c: Compiler, shapes: Shapes) -> tuple[dict, dict]:
    """Every shape that produces results with a pattern binding ``?this`` to its focus nodes: the shapes with
    targets, and through ``sh:property`` the property shapes of those (the value nodes are their focus nodes)."""
    patterns: dict = {}
    routes: dict = {}
    level = itertools.count()

    def visit(shape: Shape, focus: str, route: tuple) -> None:
        if shape.deactivated or not focus:
            return
        if route not in routes.setdefault(shape, []):
            routes[shape].append(route)
        if focus in patterns.setdefault(shape, []):
            return
        patterns[shape].append(focus)
        for child in shape.properties:
            if shape.path is None:
                visit(child, focus, ("node", shape))
            else:
                visit(child, child_focus(focus, shape.path, f"?__p{next(level)}"), ("property", shape))

    for root in shapes.roots:
        visit(root, c.focus(root), ("target", None))
    return {s: " UNION ".join(f"{{ {f} }}" for f in fs) for s, fs in patterns.items()}, routes


def child_focus(focus: str, path: tuple, x: str) -> str:
    """The focus nodes of a property shape's property shapes: the values of ``path`` at the focus nodes."""
    parent = re.sub(r"\?this\b", x, focus)   # the parent's focus renamed: its values become ?this
    return f"{{ SELECT DISTINCT ?this WHERE {{ {Compiler.focused(parent, path, '?this', x=x)} }} }}"


def compile_checks(shapes: Shapes, data: DataGraph) -> Plan:
    """All the queries that find the results of ``shapes`` on ``data``."""
    c = Compiler(data)
    checks: list[Check] = []
    focus, routes = _reported(c, shapes)
    for shape, pattern in focus.items():
        checks += _values_check(c, shape, pattern)
        checks += _count_checks(c, shape, pattern)
        checks += _set_checks(c, shape, pattern)
        checks += _sparql_checks(shape, pattern)
        checks += _component_checks(c, shape, pattern)
    return Plan(checks, focus, routes, c)
