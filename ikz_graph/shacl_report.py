"""The result of a SHACL validation, the same for every engine, as text, as a W3C report and as JSON.

A :class:`Report` holds :class:`Result` objects with RDF terms (focus node, path, value, source
shape, constraint component, severity, messages). ``conforms`` follows SHACL: true only when there
is no result at all, warnings and infos included. Whether the check *fails* is a separate question
with a threshold (:meth:`Report.fails`): by default only results of severity ``sh:Violation`` (or a
severity SHACL does not define) fail it, so a graph with warnings only does not conform and still
passes ``ikz-graph build`` and ``validate`` (``--fail-on warning`` or ``info`` makes them count).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import count

import pyoxigraph as ox

from . import namespaces as ns
from .shacl_paths import path_triples, prefixed, text

__all__ = ["Violation", "Result", "Report", "FAIL_LEVELS", "term_json"]

SH = ns.SH
#: Severity thresholds for :meth:`Report.fails`, lowest first.
FAIL_LEVELS = ("info", "warning", "violation")
_RANK = {SH + "Info": 0, SH + "Warning": 1, SH + "Violation": 2}


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result in plain words (what the text report prints)."""

    node: str          # IRI of the focus node
    label: str         # its label, if it has one
    path: str          # property (compact), or "" for a node-level constraint
    message: str
    value: str = ""
    severity: str = "Violation"

    def __str__(self) -> str:
        who = f"{ns.compact(self.node)}" + (f" ({self.label})" if self.label else "")
        prop = f", property {self.path}" if self.path else ""
        val = f" [value: {self.value}]" if self.value and self.value != self.node else ""
        return f"{self.severity}: {who}{prop}: {self.message}{val}"


@dataclass(frozen=True)
class Result:
    """One validation result with the terms of the W3C report (SHACL 3.6.2)."""

    focus: object
    path: tuple | None          # a path of :mod:`ikz_graph.shacl_paths`
    value: object | None
    shape: object               # sh:sourceShape: a node of the shapes graph
    component: str              # sh:sourceConstraintComponent
    severity: str               # sh:resultSeverity (an IRI)
    messages: tuple = ()        # sh:resultMessage literals
    constraint: object = None   # sh:sourceConstraint (SPARQL constraints)
    detail: object = None       # tells apart results that SHACL counts separately but that look the same

    def key(self) -> tuple:
        return (str(self.focus), repr(self.path), str(self.value), str(self.shape), self.component, self.severity,
                tuple(str(m) for m in self.messages), str(self.constraint), repr(self.detail))


def _plain(term) -> str:
    """A term of the data graph in a text line: compact IRI, lexical form, ``_:label``."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return ns.compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _message(messages: tuple) -> str:
    if not messages:
        return "constraint not met"
    return " / ".join(m.value for m in sorted(messages, key=lambda m: (m.language or "", m.value)))


def term_json(term) -> dict | None:
    """A term as in the W3C SPARQL 1.1 JSON results format."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != ns.XSD + "string":
        out["datatype"] = term.datatype.value
    return out


class Report:
    """Result of a validation run: the results, the size of the data graph, labels for the text report."""

    def __init__(self, results, triples: int, labels: dict | None = None, prefixes: dict | None = None):
        self.results = sorted(set(results), key=Result.key)
        self.triples = triples
        self.labels = labels or {}
        self.prefixes = {"sh": SH, **(prefixes or {})}

    @property
    def conforms(self) -> bool:
        """SHACL's sh:conforms: no result of any severity."""
        return not self.results

    def fails(self, level: str = "violation") -> bool:
        """Whether a result has severity ``level`` or above (``info``, ``warning``, ``violation``); a severity
        SHACL does not define counts as a violation."""
        floor = FAIL_LEVELS.index(level)
        return any(_RANK.get(r.severity, 2) >= floor for r in self.results)

    @property
    def violations(self) -> list[Violation]:
        out = set()
        for r in self.results:
            focus, value = r.focus, r.value
            if isinstance(focus, ox.NamedNode) and focus.value == ns.ONTOLOGY_IRI and isinstance(value, ox.NamedNode):
                focus, value = value, None  # a whole-graph check reports the offending node as its value
            path = "" if r.path is None else (ns.compact(r.path[1]) if r.path[0] == "iri" else "(path)")
            sev = r.severity[len(SH):] if r.severity.startswith(SH) else ns.compact(r.severity)
            out.add(Violation(node=focus.value if isinstance(focus, ox.NamedNode) else _plain(focus),
                              label=self.labels.get(focus, ""), path=path, message=_message(r.messages),
                              value=_plain(value), severity=sev))
        return sorted(out)

    def text(self, level: str = "violation") -> str:
        if self.conforms:
            return f"The graph conforms to the shapes ({self.triples} triples checked)."
        found = self.violations
        lines = [f"The graph does not conform: {len(found)} problem(s)."]
        lines += [f"  {v}" for v in found]
        if not self.fails(level):
            worse = {"violation": "a violation", "warning": "a warning or a violation", "info": "any"}[level]
            lines.append(f"No result is {worse}, so the check passes.")
        return "\n".join(lines)

    def graph(self) -> list[ox.Triple]:
        """The W3C validation report (sh:ValidationReport) as triples, with deterministic blank nodes."""
        T, N, L = ox.Triple, ox.NamedNode, ox.Literal
        rdf_type = N(ns.RDF + "type")
        report = ox.BlankNode("report")
        out = [T(report, rdf_type, N(SH + "ValidationReport")),
               T(report, N(SH + "conforms"), L("true" if self.conforms else "false", datatype=N(ns.XSD + "boolean")))]
        names: dict = {}
        fresh = count(1)

        def blank(term, kind: str):
            if isinstance(term, ox.BlankNode):
                if term not in names:
                    names[term] = ox.BlankNode(f"{kind}{len(names) + 1}")
                return names[term]
            return term

        out += [T(report, N(SH + "result"), ox.BlankNode(f"r{i}")) for i in range(1, len(self.results) + 1)]
        for i, r in enumerate(self.results, 1):
            node = ox.BlankNode(f"r{i}")
            out += [T(node, rdf_type, N(SH + "ValidationResult")), T(node, N(SH + "focusNode"), blank(r.focus, "n"))]
            if r.path is not None:
                head, triples = path_triples(r.path, lambda: ox.BlankNode(f"p{next(fresh)}"))
                out += [T(node, N(SH + "resultPath"), head)] + triples
            if r.value is not None:
                out.append(T(node, N(SH + "value"), blank(r.value, "n")))
            out += [T(node, N(SH + "sourceShape"), blank(r.shape, "shape")),
                    T(node, N(SH + "sourceConstraintComponent"), N(r.component)),
                    T(node, N(SH + "resultSeverity"), N(r.severity))]
            if r.constraint is not None:
                out.append(T(node, N(SH + "sourceConstraint"), blank(r.constraint, "shape")))
            out += [T(node, N(SH + "resultMessage"), m) for m in sorted(r.messages, key=str)]
        return out

    def turtle(self) -> str:
        prefixes = {"sh": SH, "rdf": ns.RDF, "xsd": ns.XSD, **self.prefixes}
        return ox.serialize(self.graph(), format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")

    def json(self) -> str:
        doc = {"conforms": self.conforms, "triples": self.triples, "results": [{
            "focusNode": term_json(r.focus),
            "resultPath": None if r.path is None else text(r.path, self.prefixes),
            "value": term_json(r.value),
            "sourceShape": term_json(r.shape),
            "sourceShapeName": prefixed(r.shape.value, self.prefixes) if isinstance(r.shape, ox.NamedNode) else None,
            "sourceConstraintComponent": r.component,
            "resultSeverity": r.severity,
            "resultMessage": [m.value for m in sorted(r.messages, key=str)],
        } for r in self.results]}
        return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
