"""SPARQL query text as tokens: comments, strings, IRIs, variables, prefixed names, words, brackets.

Enough of the SPARQL grammar to find keywords, variables and group braces without being fooled
by comments, strings, IRIs or prefixed names (``ex:values`` is not the keyword ``VALUES``). Used to
bind the parameters of named queries (:func:`substitute`: for remote endpoints, which have no
substitution, and on the embedded store, whose substitution joins the bound values after the
query's patterns and so scans what a written term finds by an index lookup: ``entity-sources`` on
the national graph took 6.4 s with it and 0.66 s written), and to check and pre-bind the queries of
SHACL-SPARQL constraints (:mod:`ikz_graph.shacl_prebind`).

>>> [(t.kind, t.text) for t in tokens('SELECT ?x WHERE { ?x ex:values "{" } # }') if t.kind != "space"]
[('word', 'SELECT'), ('var', '?x'), ('word', 'WHERE'), ('punct', '{'), ('var', '?x'), ('pname', 'ex:values'), ('string', '"{"'), ('punct', '}'), ('comment', '# }')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from .errors import QueryError

__all__ = ["TOKEN", "Token", "tokens", "significant", "substitute"]

_NAME_START = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f" \
              "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
_NAME_CHAR = _NAME_START + "_0-9\u00b7\u0300-\u036f\u203f-\u2040"

#: One token; the group name is its kind.
TOKEN = re.compile("|".join([
    r"(?P<comment>#[^\n]*)",
    "(?P<string>" + r'"""(?:[^\\]|\\.)*?"""' + "|" + r"'''(?:[^\\]|\\.)*?'''" + "|"
    + r'"(?:[^"\\\n]|\\.)*"' + "|" + r"'(?:[^'\\\n]|\\.)*'" + ")",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    rf"(?P<var>[?$][{_NAME_CHAR}]+)",
    rf"(?P<pname>(?:[{_NAME_START}][{_NAME_CHAR}.-]*)?:(?:[{_NAME_CHAR}:%.-]|\\.)*)",
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    r"(?P<punct>[(){}])",
    r"(?P<space>\s+)",
    r"(?P<other>.)",
]), re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str    # comment, string, iri, var, pname, word, punct, space, other
    text: str
    start: int   # offset in the query text

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def var(self) -> str:
        """The variable's name without ``?``/``$`` (empty for other tokens)."""
        return self.text[1:] if self.kind == "var" else ""


def tokens(text: str) -> Iterator[Token]:
    """Every token of ``text``, in order; joined, their texts give ``text`` back."""
    for m in TOKEN.finditer(text):
        yield Token(m.lastgroup or "other", m.group(), m.start())


def significant(text: str) -> list[Token]:
    """The tokens that matter to the grammar: no whitespace, no comments."""
    return [t for t in tokens(text) if t.kind not in ("space", "comment")]


def substitute(sparql: str, bindings: dict[str, Any]) -> str:
    """Replace each bound variable by its RDF term, as SEP-0007 substitution does.

    In a projection ``?v`` becomes ``(term AS ?v)`` (so the column stays), directly under ORDER BY
    or GROUP BY ``(term)``, everywhere else the term itself. Comments, strings and IRIs are left
    alone. A query that assigns a bound variable itself (``AS ?v``, ``VALUES ?v``) is refused.
    Terms are written by pyoxigraph in N-Triples syntax (valid SPARQL), never taken from user text.
    """
    if not bindings:
        return sparql
    terms = {name: str(term) for name, term in bindings.items()}
    out: list[str] = []
    depth = 0
    clause: str | None = None     # "select", "order" (ORDER BY / GROUP BY) or None
    clause_depth = 0
    prev = ""                     # the previous significant token, upper-cased
    in_values = False             # between VALUES and its "{"
    for t in tokens(sparql):
        kind, tok = t.kind, t.text
        if kind == "word":
            up = tok.upper()
            if up == "SELECT":
                clause, clause_depth = "select", depth
            elif up == "BY" and prev in ("ORDER", "GROUP"):
                clause, clause_depth = "order", depth
            elif up in ("WHERE", "LIMIT", "OFFSET", "HAVING", "VALUES") and depth == clause_depth:
                clause = None
            in_values = in_values or up == "VALUES"
        elif kind == "punct":
            if tok == "(":
                depth += 1
            elif tok == ")":
                depth -= 1
            else:
                in_values = False
                if depth == clause_depth:
                    clause = None
        elif kind == "var" and tok[1:] in terms:
            if prev == "AS" or in_values:
                raise QueryError(f"cannot bind {tok}: the query assigns it itself")
            term = terms[tok[1:]]
            if clause == "select" and depth == clause_depth:
                tok = f"({term} AS ?{tok[1:]})"
            elif clause == "order" and depth == clause_depth:
                tok = f"({term})"
            else:
                tok = term
            out.append(tok)
            prev = "VAR"
            continue
        out.append(tok)
        if kind not in ("comment", "space"):
            prev = tok.upper() if kind in ("word", "punct") else kind.upper()
    return "".join(out)
