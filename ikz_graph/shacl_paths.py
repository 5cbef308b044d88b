"""SHACL property paths: read from a graph, written as SPARQL, as text and as report triples.

A path is a tuple: ``("iri", IRI)``, ``("inv", path)``, ``("seq", (path, …))``, ``("alt", (path, …))``,
``("star", path)`` (sh:zeroOrMorePath), ``("plus", path)`` (sh:oneOrMorePath) or ``("opt", path)``
(sh:zeroOrOnePath). Tuples compare and hash by structure, so two reports can be compared
whatever blank nodes their path nodes are.

>>> p = ("seq", (("iri", "http://ex.org/a"), ("star", ("inv", ("iri", "http://ex.org/b")))))
>>> sparql(p)
'(<http://ex.org/a>/(^<http://ex.org/b>)*)'
>>> text(p, {"ex": "http://ex.org/"}), nullable(p), nullable(p[1][1])
('ex:a/(^ex:b)*', False, True)
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

import pyoxigraph as ox

from . import namespaces as ns
from .errors import ShapesError

__all__ = ["Index", "parse_path", "sparql", "text", "nullable", "path_triples", "prefixed"]

SH = ns.SH
RDF_FIRST, RDF_REST, RDF_NIL = ns.RDF + "first", ns.RDF + "rest", ns.RDF + "nil"
_UNARY = {SH + "inversePath": "inv", SH + "zeroOrMorePath": "star", SH + "oneOrMorePath": "plus",
          SH + "zeroOrOnePath": "opt"}
_UNARY_IRI = {v: k for k, v in _UNARY.items()}


class Index:
    """Subject -> predicate IRI -> objects (in the order of the triples), plus RDF lists."""

    def __init__(self, triples: Iterable):
        self.spo: dict = {}
        for t in triples:
            self.spo.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)

    def objects(self, s, p: str) -> list:
        return self.spo.get(s, {}).get(p, [])

    def items(self, head, where: str) -> list:
        """The members of the RDF list ``head``; :class:`ShapesError` when it is not a well-formed list."""
        out, node, seen = [], head, set()
        while not (isinstance(node, ox.NamedNode) and node.value == RDF_NIL):
            first, rest = self.objects(node, RDF_FIRST), self.objects(node, RDF_REST)
            if node in seen or len(first) != 1 or len(rest) != 1:
                raise ShapesError(f"shape {where}: malformed RDF list", "malformed RDF list")
            seen.add(node)
            out.append(first[0])
            node = rest[0]
        return out


def parse_path(idx: Index, node, where: str, _seen: frozenset = frozenset()) -> tuple:
    """The path that ``node`` describes (SHACL 2.3.1); :class:`ShapesError` when it is not one."""
    if isinstance(node, ox.NamedNode):
        return ("iri", node.value)
    if not isinstance(node, ox.BlankNode) or node in _seen:
        raise ShapesError(f"shape {where}: malformed sh:path (not a SHACL path)", "malformed sh:path")
    seen = _seen | {node}
    po = idx.spo.get(node, {})
    if RDF_FIRST in po:
        members = idx.items(node, where)
        if len(members) < 2:
            raise ShapesError(f"shape {where}: malformed sh:path (a sequence path needs two members or more)", "malformed sh:path")
        return ("seq", tuple(parse_path(idx, m, where, seen) for m in members))
    keys = [k for k in po if k in _UNARY or k == SH + "alternativePath"]
    if len(keys) != 1 or len(po[keys[0]]) != 1:
        raise ShapesError(f"shape {where}: malformed sh:path (not a SHACL path)", "malformed sh:path")
    value = po[keys[0]][0]
    if keys[0] == SH + "alternativePath":
        members = idx.items(value, where)
        if len(members) < 2:
            raise ShapesError(f"shape {where}: malformed sh:path (sh:alternativePath needs two members or more)", "malformed sh:path")
        return ("alt", tuple(parse_path(idx, m, where, seen) for m in members))
    return (_UNARY[keys[0]], parse_path(idx, value, where, seen))


def sparql(path: tuple) -> str:
    """The path in SPARQL 1.1 property path syntax."""
    kind, arg = path
    if kind == "iri":
        return f"<{arg}>"
    if kind == "inv":
        return f"^{sparql(arg)}"
    if kind in ("seq", "alt"):
        return "(" + ("/" if kind == "seq" else "|").join(sparql(p) for p in arg) + ")"
    return f"({sparql(arg)}){ {'star': '*', 'plus': '+', 'opt': '?'}[kind] }"


def prefixed(iri: str, prefixes: dict) -> str:
    """``iri`` shortened with the longest fitting prefix of ``prefixes``, else ``<iri>``."""
    best = max(((p, b) for p, b in prefixes.items() if iri.startswith(b)), key=lambda kv: len(kv[1]), default=None)
    if best and re.fullmatch(r"[\w.-]*", iri[len(best[1]):]) and not iri[len(best[1]):].endswith("."):
        return f"{best[0]}:{iri[len(best[1]):]}"
    return f"<{iri}>"


def text(path: tuple, prefixes: dict, top: bool = True) -> str:
    """The path for people: SPARQL syntax with prefixed names, no parentheses around the whole."""
    kind, arg = path
    if kind == "iri":
        return prefixed(arg, prefixes)
    if kind == "inv":
        inner = text(arg, prefixes, False)
        return f"^{inner}"
    if kind in ("seq", "alt"):
        out = ("/" if kind == "seq" else "|").join(text(p, prefixes, False) for p in arg)
        return out if top else f"({out})"
    return f"({text(arg, prefixes, False)}){ {'star': '*', 'plus': '+', 'opt': '?'}[kind] }"


def nullable(path: tuple) -> bool:
    """Whether the path can have length zero (then every node is one of its own values)."""
    kind, arg = path
    if kind in ("star", "opt"):
        return True
    if kind == "seq":
        return all(nullable(p) for p in arg)
    if kind == "alt":
        return any(nullable(p) for p in arg)
    if kind in ("inv", "plus"):
        return nullable(arg)
    return False


def path_triples(path: tuple, fresh: Callable[[], ox.BlankNode]) -> tuple:
    """The node and the triples that describe ``path`` in a graph (SHACL 2.3.1), blank nodes from ``fresh``."""
    kind, arg = path
    if kind == "iri":
        return ox.NamedNode(arg), []
    node, out = fresh(), []
    if kind in _UNARY_IRI:
        inner, triples = path_triples(arg, fresh)
        return node, [ox.Triple(node, ox.NamedNode(_UNARY_IRI[kind]), inner)] + triples
    heads = [path_triples(p, fresh) for p in arg]
    cells = [node if kind == "seq" else fresh() for _ in heads]
    for i, (cell, (member, triples)) in enumerate(zip(cells, heads)):
        rest = cells[i + 1] if i + 1 < len(cells) else ox.NamedNode(RDF_NIL)
        out += [ox.Triple(cell, ox.NamedNode(RDF_FIRST), member), ox.Triple(cell, ox.NamedNode(RDF_REST), rest)] + triples
    if kind == "alt":
        out.insert(0, ox.Triple(node, ox.NamedNode(SH + "alternativePath"), cells[0]))
    return node, out
