"""SPARQL query text as tokens: comments, strings, IRIs, variables, prefixed names, words, brackets.

Enough of the SPARQL grammar to find keywords, variables and group braces without being fooled
by comments, strings, IRIs or prefixed names (``ex:values`` is not the keyword ``VALUES``). Used to
bind parameters of remote queries (:mod:`ikz_graph.remote`) and to check and pre-bind the queries
of SHACL-SPARQL constraints (:mod:`ikz_graph.shacl_prebind`).

>>> [(t.kind, t.text) for t in tokens('SELECT ?x WHERE { ?x ex:values "{" } # }') if t.kind != "space"]
[('word', 'SELECT'), ('var', '?x'), ('word', 'WHERE'), ('punct', '{'), ('var', '?x'), ('pname', 'ex:values'), ('string', '"{"'), ('punct', '}'), ('comment', '# }')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

__all__ = ["TOKEN", "Token", "tokens", "significant"]

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
