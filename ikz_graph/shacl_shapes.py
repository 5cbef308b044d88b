"""Reading a SHACL shapes graph for the oxigraph engine: shapes, targets, constraints; refusing what it cannot do.

Every shape with a target (``sh:targetClass``, ``sh:targetNode``, ``sh:targetSubjectsOf``,
``sh:targetObjectsOf``, or an implicit class target) is read with everything it refers to. A construct
the engine does not support raises :class:`ShapesError` naming the shape and the construct
(``ShapesError.construct``); nothing is ignored silently. What is supported is :data:`SUPPORTED`, what
is refused although SHACL Core or SHACL-SPARQL defines it is :data:`LIMITATIONS`.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import namespaces as ns
from .errors import ShapesError
from .shacl_data import ShapesGraph
from .shacl_paths import Index, parse_path, prefixed, text
from .shacl_paths import sparql as path_sparql
from .shacl_prebind import Prepared, prepare

__all__ = ["Shape", "Constraint", "SparqlConstraint", "ComponentUse", "Shapes", "read_shapes", "SUPPORTED", "LIMITATIONS",
           "VALUE_KINDS", "component"]

SH = ns.SH
RDF_TYPE = ns.RDF + "type"
VIOLATION = SH + "Violation"

#: Constraint parameters whose constraint is tested on each value node.
VALUE_KINDS = ("class", "datatype", "nodeKind", "minExclusive", "minInclusive", "maxExclusive", "maxInclusive",
               "minLength", "maxLength", "pattern", "languageIn", "in", "node", "not", "and", "or", "xone")
#: Constraint parameters that apply to property shapes only.
PROPERTY_ONLY = ("minCount", "maxCount", "lessThan", "lessThanOrEquals", "uniqueLang", "qualifiedValueShape")
_SET_KINDS = ("minCount", "maxCount", "hasValue", "equals", "disjoint", "lessThan", "lessThanOrEquals", "uniqueLang")
_NODE_KINDS = ("IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral")
_TARGETS = {"targetClass": "class", "targetNode": "node", "targetSubjectsOf": "subjectsOf",
            "targetObjectsOf": "objectsOf"}
_ANNOTATIONS = ("name", "description", "order", "group", "defaultValue", "message", "severity", "deactivated")
_HELPERS = ("flags", "ignoredProperties", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint",
            "path", "property", "closed", "sparql")

#: Every term of the sh: namespace the oxigraph engine understands in a shapes graph (local names).
SUPPORTED = frozenset(VALUE_KINDS + _SET_KINDS + _ANNOTATIONS + _HELPERS + tuple(_TARGETS) + _NODE_KINDS + (
    "qualifiedValueShape", "NodeShape", "PropertyShape", "Shape", "Violation", "Warning", "Info",
    "inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath",
    "SPARQLConstraint", "select", "prefixes", "declare", "prefix", "namespace", "PrefixDeclaration",
    "ConstraintComponent", "parameter", "Parameter", "optional", "validator", "nodeValidator", "propertyValidator",
    "SPARQLAskValidator", "SPARQLSelectValidator", "ask", "labelTemplate"))

#: Constructs of SHACL Core and SHACL-SPARQL that the oxigraph engine refuses, and why.
LIMITATIONS = {
    "recursive shapes": "a shape that refers to itself, directly or through others (SHACL leaves their meaning open)",
    "sh:sparql in a nested shape": "SPARQL constraints of a shape inside `sh:node`, `sh:not`, `sh:and`, `sh:or`, "
                                   "`sh:xone` or `sh:qualifiedValueShape`",
    "SPARQL-based constraint components in a nested shape": "custom constraint components used by such a shape",
    "$currentShape of a blank node": "`$currentShape` where the shape is a blank node",
    "aggregates without GROUP BY $this": "SPARQL constraints with aggregates that are not grouped by `$this`",
    "sh:closed on a property shape": "`sh:closed` is read on node shapes",
    "large counts in nested shapes": "`sh:minCount`, `sh:maxCount` or qualified counts above 8 inside nested shapes",
    "very deeply nested shapes": "nested shapes whose SPARQL expression would exceed 2 million characters",
    "blank nodes as constants": "blank nodes in `sh:in`, as `sh:hasValue`, `sh:targetNode` or component parameters",
}


def component(kind: str, arg=None) -> str:
    """The IRI of the constraint component of a constraint parameter (``minCount`` -> sh:MinCountConstraintComponent)."""
    if kind == "sparql":
        return SH + "SPARQLConstraintComponent"
    if kind == "component":
        return arg.component.value
    return SH + kind[0].upper() + kind[1:] + "ConstraintComponent"


@dataclass(eq=False)
class Constraint:
    """One constraint of a shape: its parameter (``kind``), the value, and further parameters."""

    kind: str
    arg: object = None
    extra: dict = field(default_factory=dict)

    @property
    def component(self) -> str:
        return component(self.kind, self.arg)


@dataclass(eq=False)
class SparqlConstraint:
    node: object                 # the constraint's node (sh:sourceConstraint)
    query: Prepared
    messages: tuple = ()


@dataclass(eq=False)
class ComponentUse:
    """A SPARQL-based constraint component used by a shape: its validator with the parameter values."""

    component: object            # the sh:ConstraintComponent node (sh:sourceConstraintComponent)
    query: Prepared              # the validator's query (an ASK validator as a SELECT of one row)
    ask: bool                    # ASK validators run once per value node, SELECT validators once per focus node
    values: dict                 # parameter variable -> term (optional parameters that are absent: left out)
    messages: tuple = ()


@dataclass(eq=False)
class Shape:
    """A shape: targets, path (property shapes), constraints, property shapes, SPARQL constraints."""

    node: object
    name: str
    path: tuple | None = None
    targets: list = field(default_factory=list)       # ("class"|"node"|"subjectsOf"|"objectsOf", term)
    constraints: list = field(default_factory=list)   # [Constraint]
    properties: list = field(default_factory=list)    # [Shape]
    sparql: list = field(default_factory=list)        # [SparqlConstraint]
    messages: tuple = ()
    severity: str = VIOLATION
    deactivated: bool = False
    qualified: "Shape | None" = None                  # its sh:qualifiedValueShape (for sibling shapes)


@dataclass
class Shapes:
    """The shapes that have targets (each with what it refers to) and how to name terms of the shapes graph."""

    roots: list
    source: str
    prefixes: dict = field(default_factory=dict)


def _classes(idx: Index) -> set:
    """``rdfs:Class`` and its subclasses in the shapes graph (their instances have implicit class targets)."""
    out, todo = {ox.NamedNode(ns.RDFS + "Class")}, [ox.NamedNode(ns.RDFS + "Class")]
    subs: dict = {}
    for s, po in idx.spo.items():
        for o in po.get(ns.RDFS + "subClassOf", []):
            subs.setdefault(o, []).append(s)
    while todo:
        for s in subs.get(todo.pop(), []):
            if s not in out:
                out.add(s)
                todo.append(s)
    return out


class _Reader:
    def __init__(self, graph: ShapesGraph):
        self.idx = Index(graph.triples)
        self.prefixes = {"sh": SH, **graph.prefixes}
        self.memo: dict = {}
        self.busy: list = []
        self.classes = _classes(self.idx)
        # SPARQL-based constraint components: the subjects of sh:parameter, with (path IRI, variable, optional)
        self.components: dict = {}
        for c, po in self.idx.spo.items():
            params = []
            for decl in po.get(SH + "parameter", []):
                path = self.idx.objects(decl, SH + "path")
                if len(path) != 1 or not isinstance(path[0], ox.NamedNode):
                    raise ShapesError(f"shape {self.name(c)}: malformed sh:parameter (it needs one sh:path IRI)",
                                      "malformed sh:parameter")
                opt = self.idx.objects(decl, SH + "optional")
                name = re.split(r"[#/:]", path[0].value)[-1]
                params.append((path[0].value, name, bool(opt) and self.boolean(opt[0], self.name(c), "optional")))
            if params:
                self.components[c] = params

    # ------------------------------------------------------------------ small readers
    def name(self, node, parent: str = "", role: str = "") -> str:
        if isinstance(node, ox.NamedNode):
            return prefixed(node.value, self.prefixes)
        return f"{parent}, {role}" if parent else f"[blank node {node.value}]"

    def one(self, node, key: str, where: str):
        objs = self.idx.objects(node, SH + key)
        if len(objs) > 1:
            raise ShapesError(f"shape {where}: several sh:{key} (SHACL allows one)", f"several sh:{key}")
        return objs[0] if objs else None

    @staticmethod
    def _malformed(where: str, key: str, must: str) -> ShapesError:
        return ShapesError(f"shape {where}: malformed sh:{key} (it must be {must})", f"malformed sh:{key}")

    def literal(self, term, where: str, key: str) -> str:
        if not isinstance(term, ox.Literal):
            raise self._malformed(where, key, "a literal")
        return term.value

    def integer(self, term, where: str, key: str) -> int:
        v = self.literal(term, where, key)
        if not v.lstrip("+").isdigit():
            raise self._malformed(where, key, "a whole number")
        return int(v)

    def boolean(self, term, where: str, key: str) -> bool:
        """SHACL's boolean parameters take effect when their value is the term ``true`` ("1"^^xsd:boolean is
        another term, and does not: the W3C suite tests this for sh:uniqueLang)."""
        self.literal(term, where, key)
        return term.value == "true" and term.datatype.value == ns.XSD + "boolean"

    def iri(self, term, where: str, key: str) -> str:
        if not isinstance(term, ox.NamedNode):
            raise self._malformed(where, key, "an IRI")
        return term.value

    def terms(self, head, where: str, key: str) -> list:
        items = self.idx.items(head, where)
        if any(isinstance(t, ox.BlankNode) for t in items):
            raise ShapesError(f"shape {where}: blank nodes as constants (in sh:{key}) are not supported by the oxigraph "
                              "engine", "blank nodes as constants")
        return items

    # ------------------------------------------------------------------ shapes
    def is_shape(self, node) -> bool:
        po = self.idx.spo.get(node, {})
        types = {o.value for o in po.get(RDF_TYPE, []) if isinstance(o, ox.NamedNode)}
        return bool(types & {SH + "NodeShape", SH + "PropertyShape"}) or any(
            p.startswith(SH) and p[len(SH):] in VALUE_KINDS + _SET_KINDS + ("property", "closed", "sparql", "path")
            for p in po)

    def roots(self) -> list:
        out = []
        for s, po in self.idx.spo.items():
            targeted = any(SH + t in po for t in _TARGETS) or SH + "target" in po
            implicit = isinstance(s, ox.NamedNode) and any(o in self.classes for o in po.get(RDF_TYPE, [])) \
                and self.is_shape(s)
            if targeted or implicit:
                out.append(s)
        return sorted(out, key=lambda n: (isinstance(n, ox.BlankNode), n.value))

    def shape(self, node, parent: str = "", role: str = "", nested: bool = False) -> Shape:
        if node in self.memo:
            return self.memo[node]
        where = self.name(node, parent, role)
        if node in self.busy:
            raise ShapesError(f"shape {where}: it refers to itself (recursive shapes are not supported by the "
                              "oxigraph engine; use --engine pyshacl)", "recursive shapes")
        if isinstance(node, ox.Literal):
            raise ShapesError(f"shape {where}: malformed shape (a literal)", "malformed shape")
        shape = Shape(node, where)
        off = self.one(node, "deactivated", where)
        if off is not None and self.boolean(off, where, "deactivated"):
            shape.deactivated = True
            self.memo[node] = shape
            return shape
        self.busy.append(node)
        self.check_terms(node, where)
        path = self.one(node, "path", where)
        if path is not None:
            shape.path = parse_path(self.idx, path, where)
        self.targets(node, shape, where)
        self.annotations(node, shape, where)
        self.value_constraints(node, shape, where)
        self.set_constraints(node, shape, where)
        self.closed(node, shape, where)
        for p in self.idx.objects(node, SH + "property"):
            child = self.shape(p, where, self.role(p), nested)
            if child.path is None and not child.deactivated:
                raise ShapesError(f"shape {child.name}: property shape without sh:path", "property shape without sh:path")
            shape.properties.append(child)
        for c in self.idx.objects(node, SH + "sparql"):
            if nested:
                raise ShapesError(f"shape {where}: sh:sparql in a nested shape (in sh:node, sh:or, …) is not supported "
                                  "by the oxigraph engine (use --engine pyshacl)", "sh:sparql in a nested shape")
            sc = self.sparql(c, node, shape, where)
            if sc is not None:
                shape.sparql.append(sc)
        self.component_uses(node, shape, where, nested)
        self.busy.pop()
        self.memo[node] = shape
        return shape

    def component_uses(self, node, shape: Shape, where: str, nested: bool) -> None:
        """The SPARQL-based constraint components whose mandatory parameters ``node`` has (SHACL 6)."""
        po = self.idx.spo.get(node, {})
        for comp, params in self.components.items():
            if not all(iri in po for iri, _, optional in params if not optional):
                continue
            if nested:
                raise ShapesError(f"shape {where}: SPARQL-based constraint components in a nested shape are not "
                                  "supported by the oxigraph engine (use --engine pyshacl)",
                                  "SPARQL-based constraint components in a nested shape")
            if not isinstance(comp, ox.NamedNode):
                raise ShapesError(f"shape {where}: a constraint component that is a blank node is not supported",
                                  "malformed sh:parameter")
            keys = ("propertyValidator" if shape.path is not None else "nodeValidator", "validator")
            validator = next((v for k in keys for v in self.idx.objects(comp, SH + k)), None)
            if validator is None:
                continue  # no validator for this kind of shape: the component does not apply (SHACL 6.2.3)
            given = [(name, po[iri]) for iri, name, _ in params if iri in po]
            for combo in itertools.product(*(vals for _, vals in given)):
                values = {name: v for (name, _), v in zip(given, combo)}
                if any(isinstance(v, ox.BlankNode) for v in values.values()):
                    raise ShapesError(f"shape {where}: blank nodes as constants (component parameters) are not "
                                      "supported", "blank nodes as constants")
                shape.constraints.append(Constraint("component", self.validator(comp, validator, shape, values, where)))

    def validator(self, comp, validator, shape: Shape, values: dict, where: str) -> ComponentUse:
        ask, select = self.one(validator, "ask", where), self.one(validator, "select", where)
        if (ask is None) == (select is None):
            raise ShapesError(f"shape {where}: malformed validator of {self.name(comp)} (it needs sh:ask or sh:select)",
                              "malformed validator")
        names = tuple(name for _, name, _ in self.components[comp])
        prebound = ("this", "value") + names if ask is not None else ("this",) + names
        query = prepare(self.literal(ask if ask is not None else select, where, "ask" if ask is not None else "select"),
                        self.declared(validator, where), where, form="ASK" if ask is not None else "SELECT",
                        path=None if shape.path is None else path_sparql(shape.path), prebound=prebound)
        msgs = tuple(self.idx.objects(validator, SH + "message") or self.idx.objects(comp, SH + "message"))
        return ComponentUse(comp, query, ask is not None, values, msgs)

    def role(self, node) -> str:
        path = self.idx.objects(node, SH + "path")
        if path:
            try:
                return "property " + text(parse_path(self.idx, path[0], "?"), self.prefixes)
            except ShapesError:
                pass
        return "a nested shape"

    def check_terms(self, node, where: str) -> None:
        for p in self.idx.spo.get(node, {}):
            if p.startswith(SH) and p[len(SH):] not in SUPPORTED:
                raise ShapesError(f"shape {where}: SHACL construct {_sh(p)} is not supported by the oxigraph engine "
                                  "(use --engine pyshacl)", _sh(p))

    def targets(self, node, shape: Shape, where: str) -> None:
        for key, kind in _TARGETS.items():
            for o in self.idx.objects(node, SH + key):
                if kind != "node":
                    self.iri(o, where, key)
                elif isinstance(o, ox.BlankNode):
                    raise ShapesError(f"shape {where}: blank nodes as constants (sh:targetNode) are not supported",
                                      "blank nodes as constants")
                shape.targets.append((kind, o if kind == "node" else o.value))
        types = self.idx.objects(node, RDF_TYPE)
        if isinstance(node, ox.NamedNode) and any(t in self.classes for t in types):
            shape.targets.append(("class", node.value))

    def annotations(self, node, shape: Shape, where: str) -> None:
        msgs = self.idx.objects(node, SH + "message")
        for m in msgs:
            self.literal(m, where, "message")
        shape.messages = tuple(msgs)
        sev = self.one(node, "severity", where)
        if sev is not None:
            shape.severity = self.iri(sev, where, "severity")

    def shape_list(self, head, where: str, key: str) -> list:
        return [self.shape(m, where, f"sh:{key} member {i + 1}", True)
                for i, m in enumerate(self.idx.items(head, where))]

    def value_constraints(self, node, shape: Shape, where: str) -> None:
        add = shape.constraints.append
        for o in self.idx.objects(node, SH + "class"):
            add(Constraint("class", self.iri(o, where, "class")))
        for key in ("datatype", "nodeKind"):
            o = self.one(node, key, where)
            if o is not None:
                add(Constraint(key, self.iri(o, where, key)))
        kind = next((c.arg for c in shape.constraints if c.kind == "nodeKind"), None)
        if kind is not None and (not kind.startswith(SH) or kind[len(SH):] not in _NODE_KINDS):
            raise ShapesError(f"shape {where}: malformed sh:nodeKind ({kind})", "malformed sh:nodeKind")
        for key in ("minExclusive", "minInclusive", "maxExclusive", "maxInclusive"):
            o = self.one(node, key, where)
            if o is not None:
                self.literal(o, where, key)
                add(Constraint(key, o))
        for key in ("minLength", "maxLength"):
            o = self.one(node, key, where)
            if o is not None:
                add(Constraint(key, self.integer(o, where, key)))
        flags = self.one(node, "flags", where)
        patterns = self.idx.objects(node, SH + "pattern")
        for o in patterns:
            add(Constraint("pattern", self.literal(o, where, "pattern"),
                           {"flags": None if flags is None else self.literal(flags, where, "flags")}))
        o = self.one(node, "languageIn", where)
        if o is not None:
            add(Constraint("languageIn", [self.literal(t, where, "languageIn") for t in self.idx.items(o, where)]))
        o = self.one(node, "in", where)
        if o is not None:
            add(Constraint("in", self.terms(o, where, "in")))
        for key in ("node", "not"):
            for i, o in enumerate(self.idx.objects(node, SH + key)):
                add(Constraint(key, self.shape(o, where, f"sh:{key} {i + 1}", True)))
        for key in ("and", "or", "xone"):
            for o in self.idx.objects(node, SH + key):
                add(Constraint(key, self.shape_list(o, where, key)))

    def set_constraints(self, node, shape: Shape, where: str) -> None:
        add = shape.constraints.append
        for key in ("minCount", "maxCount"):
            o = self.one(node, key, where)
            if o is not None:
                add(Constraint(key, self.integer(o, where, key)))
        for o in self.idx.objects(node, SH + "hasValue"):
            if isinstance(o, ox.BlankNode):
                raise ShapesError(f"shape {where}: blank nodes as constants (sh:hasValue) are not supported",
                                  "blank nodes as constants")
            add(Constraint("hasValue", o))
        for key in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
            for o in self.idx.objects(node, SH + key):
                add(Constraint(key, self.iri(o, where, key)))
        o = self.one(node, "uniqueLang", where)
        if o is not None and self.boolean(o, where, "uniqueLang"):
            add(Constraint("uniqueLang", True))
        self.qualified(node, shape, where)
        if shape.path is None:
            for c in shape.constraints:
                if c.kind in PROPERTY_ONLY + ("qualifiedMinCount", "qualifiedMaxCount"):
                    raise ShapesError(f"shape {where}: sh:{c.kind} on a node shape (it applies to property shapes)",
                                      f"sh:{c.kind} on a node shape")

    def qualified(self, node, shape: Shape, where: str) -> None:
        q = self.one(node, "qualifiedValueShape", where)
        lo, hi = self.one(node, "qualifiedMinCount", where), self.one(node, "qualifiedMaxCount", where)
        if q is None or (lo is None and hi is None):  # a constraint needs all its mandatory parameters
            if q is not None:
                shape.qualified = self.shape(q, where, "sh:qualifiedValueShape", True)
            return
        disjoint = self.one(node, "qualifiedValueShapesDisjoint", where)
        shape.qualified = self.shape(q, where, "sh:qualifiedValueShape", True)
        extra = {"shape": shape.qualified, "siblings": [],
                 "disjoint": disjoint is not None and self.boolean(disjoint, where, "qualifiedValueShapesDisjoint")}
        for key, o in (("qualifiedMinCount", lo), ("qualifiedMaxCount", hi)):
            if o is not None:
                shape.constraints.append(Constraint(key, self.integer(o, where, key), extra))

    def closed(self, node, shape: Shape, where: str) -> None:
        o = self.one(node, "closed", where)
        ignored = self.one(node, "ignoredProperties", where)
        if o is None or not self.boolean(o, where, "closed"):
            return
        if shape.path is not None:
            raise ShapesError(f"shape {where}: sh:closed on a property shape is not supported by the oxigraph engine",
                              "sh:closed on a property shape")
        allowed = [self.iri(t, where, "ignoredProperties") for t in self.idx.items(ignored, where)] if ignored else []
        for p in self.idx.objects(node, SH + "property"):
            path = self.idx.objects(p, SH + "path")
            if path and isinstance(path[0], ox.NamedNode):
                allowed.append(path[0].value)
        shape.constraints.append(Constraint("closed", sorted(set(allowed))))

    def sparql(self, c, owner, shape: Shape, where: str) -> SparqlConstraint | None:
        if c != owner:
            for p in self.idx.spo.get(c, {}):
                if p.startswith(SH) and p[len(SH):] not in ("select", "prefixes", "message", "deactivated"):
                    raise ShapesError(f"shape {where}: {_sh(p)} in a SPARQL constraint is not supported by the "
                                      "oxigraph engine", f"{_sh(p)} in a SPARQL constraint")
        off = self.one(c, "deactivated", where)
        if off is not None and self.boolean(off, where, "deactivated"):
            return None
        select = self.one(c, "select", where)
        if select is None:
            raise ShapesError(f"shape {where}: SPARQL constraint without sh:select", "SPARQL constraint without sh:select")
        path = None if shape.path is None else path_sparql(shape.path)
        query = prepare(self.literal(select, where, "select"), self.declared(c, where), where, path=path)
        if query.current_shape and not isinstance(owner, ox.NamedNode):
            raise ShapesError(f"shape {where}: $currentShape of a blank node is not supported by the oxigraph engine",
                              "$currentShape of a blank node")
        msgs = tuple(self.idx.objects(c, SH + "message"))
        for m in msgs:
            self.literal(m, where, "message")
        return SparqlConstraint(c, query, msgs)

    def declared(self, c, where: str) -> dict:
        """The prefixes that ``sh:prefixes`` of ``c`` declares (``sh:declare`` of each value)."""
        out: dict = {}
        todo, seen = list(self.idx.objects(c, SH + "prefixes")), set()
        while todo:  # each value of sh:prefixes and what it owl:imports (SHACL 5.2.1)
            src = todo.pop()
            if src in seen:
                continue
            seen.add(src)
            todo += self.idx.objects(src, ns.OWL + "imports")
            for d in self.idx.objects(src, SH + "declare"):
                pre, iri = self.one(d, "prefix", where), self.one(d, "namespace", where)
                if pre is None or iri is None:
                    raise ShapesError(f"shape {where}: malformed sh:declare (it needs sh:prefix and sh:namespace)", "malformed sh:declare")
                out[pre.value] = iri.value
        return out


def _sh(iri: str) -> str:
    return "sh:" + iri[len(SH):] if iri.startswith(SH) else ns.compact(iri)


def read_shapes(graph: ShapesGraph) -> Shapes:
    """The shapes with targets in ``graph`` and everything they refer to; :class:`ShapesError` on anything unsupported."""
    r = _Reader(graph)
    roots = []
    for node in r.roots():
        shape = r.shape(node)
        if not shape.deactivated:
            roots.append(shape)
    _siblings(r.memo.values())
    return Shapes(roots=roots, source=graph.source, prefixes=r.prefixes)


def _siblings(shapes) -> None:
    """Fill in the sibling shapes of every qualified value shape with sh:qualifiedValueShapesDisjoint (SHACL
    4.7.3: the sh:property/sh:qualifiedValueShape of every shape that has it as sh:property, but its own)."""
    for parent in shapes:
        others = [p.qualified for p in parent.properties if p.qualified is not None]
        for p in parent.properties:
            for c in p.constraints:
                if c.kind.startswith("qualified") and c.extra["disjoint"]:
                    for s in others:
                        if s is not c.extra["shape"] and s not in c.extra["siblings"]:
                            c.extra["siblings"].append(s)
