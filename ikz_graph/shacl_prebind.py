"""Pre-binding for SHACL-SPARQL (SHACL 5.2.1): check a constraint's query and make it run for all focus nodes.

SHACL defines pre-binding as *substitution*: every occurrence of ``$this`` (and of the other
pre-bound variables) stands for the focus node, in nested groups, UNION branches and sub-selects
alike. The query is run for every focus node at once inside an SEP-0006 ``LATERAL`` join, which
evaluates its right side once per row of its left side with the row's values substituted::

    SELECT * WHERE { <focus nodes as ?this> LATERAL { SELECT ?this … WHERE { … } } }

One query per constraint, substitution semantics per focus node. A variable is substituted in a
sub-select only when the sub-select projects it, which SHACL demands anyway; ``$this`` is added to
the projection of the constraint's own SELECT when it is missing. Where ``$this`` only stands
directly in the query's WHERE group (the common case), the focus nodes simply open that group: a
plain join, which gives the same rows and is faster (:func:`_inline_at`).

The queries SHACL says a processor must refuse are refused with :class:`ShapesError`: ``MINUS``,
``SERVICE``, ``VALUES``, ``AS $this`` (any pre-bound variable), and sub-selects that do not return
``$this``. Also refused, as not supported here: aggregates without ``GROUP BY $this`` (SPARQL groups
them differently when ``$this`` is a variable). ``$currentShape`` is the shape, ``$shapesGraph`` the
named graph that holds the shapes graph during validation.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import ShapesError
from .sparql_text import Token, significant, tokens

__all__ = ["Prepared", "prepare"]

_REFUSED = ("MINUS", "SERVICE", "VALUES")
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}


@dataclass(frozen=True)
class Prepared:
    """A checked query: ``prologue`` (PREFIX and BASE lines) and ``query`` (its SELECT, pre-bound
    variables projected), ready to be the right side of a LATERAL join."""

    prologue: str
    query: str
    variables: tuple   # the projected variables, without the leading ?
    current_shape: bool
    shapes_graph: bool = False
    inline_at: int | None = None   # where the focus nodes can open the WHERE group instead of a LATERAL join


def _refuse(where: str, what: str, construct: str) -> ShapesError:
    return ShapesError(f"shape {where}: {what}", construct)


def _close(toks: list[Token], i: int) -> int:
    """The index of the bracket that closes the one at ``i``."""
    pairs = {"{": "}", "(": ")"}
    open_, depth = toks[i].text, 0
    for j in range(i, len(toks)):
        if toks[j].kind == "punct" and toks[j].text == open_:
            depth += 1
        elif toks[j].kind == "punct" and toks[j].text == pairs[open_]:
            depth -= 1
            if depth == 0:
                return j
    raise ShapesError("unbalanced brackets in a SPARQL query")


def _projection(toks: list[Token], i: int) -> tuple[int, int]:
    """For the SELECT at ``i``: the token range of its projection (after DISTINCT/REDUCED)."""
    start = i + 1
    if start < len(toks) and toks[start].upper in ("DISTINCT", "REDUCED"):
        start += 1
    end, depth = start, 0
    while end < len(toks):
        t = toks[end]
        if t.kind == "punct" and t.text == "(":
            depth += 1
        elif t.kind == "punct" and t.text == ")":
            depth -= 1
        elif depth == 0 and (t.upper in ("WHERE", "FROM") or t.text == "{"):
            break
        end += 1
    return start, end


def _projected(toks: list[Token], start: int, end: int) -> list[str]:
    """The variables a projection returns (``?x``, ``(… AS ?x)``; ``*`` as ``"*"``)."""
    out, depth = [], 0
    for j in range(start, end):
        t = toks[j]
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.kind == "var" and (depth == 0 or toks[j - 1].upper == "AS"):
            out.append(t.var)
        elif t.text == "*" and depth == 0:
            out.append("*")
    return out


def _in_scope(toks: list[Token], start: int, end: int, var: str) -> bool:
    """Whether ``var`` is bound by a pattern between ``start`` and ``end`` (not only used in FILTER or BIND)."""
    j = start
    while j < end:
        t = toks[j]
        if t.upper in ("FILTER", "BIND"):
            k = j + 1
            while k < end and toks[k].text not in ("(", "{"):
                k += 1
            j = _close(toks, k) + 1 if k < end else end
            continue
        if t.kind == "var" and t.var == var:
            return True
        j += 1
    return False


def _check_subselects(toks: list[Token], top: int, where: str, prebound: tuple) -> None:
    for i, t in enumerate(toks):
        if t.upper != "SELECT" or i == top:
            continue
        start, end = _projection(toks, i)
        names = _projected(toks, start, end)
        body = end
        while body < len(toks) and toks[body].text != "{":
            body += 1
        stop = _close(toks, body) if body < len(toks) else len(toks)
        for var in prebound:
            if var in names or ("*" in names and _in_scope(toks, body, stop, var)):
                continue
            raise _refuse(where, f"sub-select without ${var}: a sub-select must return every pre-bound variable "
                                 "(SHACL 5.2.1)", f"sub-select without ${var}")


def _check_aggregates(toks: list[Token], top: int, where: str) -> None:
    start, end = _projection(toks, top)
    body = end
    while body < len(toks) and toks[body].text != "{":
        body += 1
    after = _close(toks, body) + 1 if body < len(toks) else len(toks)
    tail = toks[after:]
    uses = any(t.upper in _AGGREGATES for t in toks[start:end]) or any(t.upper == "HAVING" for t in tail)
    grouped = [t.var for t in tail if t.kind == "var"] if any(t.upper == "GROUP" for t in tail) else []
    if (uses or grouped) and "this" not in grouped:
        raise _refuse(where, "aggregates without GROUP BY $this are not supported by the oxigraph engine "
                             "(use --engine pyshacl)", "aggregates without GROUP BY $this")


def prepare(text: str, prefixes: dict, where: str, *, path: str | None = None, prebound: tuple = ("this",),
            form: str = "SELECT") -> Prepared:
    """Check ``text`` (the value of ``sh:select``, or of ``sh:ask`` with ``form="ASK"``) and prepare it.

    ``prefixes`` come from ``sh:prefixes``; ``path`` (SPARQL syntax) replaces ``$PATH``; ``prebound``
    are the variables bound before the query runs (``this``, and for components ``value`` and the
    parameters). An ASK query becomes a SELECT of its pre-bound variables with ``LIMIT 1``.
    """
    if path is not None:
        text = "".join(path if t.kind == "var" and t.var == "PATH" else t.text for t in tokens(text))
    try:
        return _prepare(text, prefixes, where, prebound, form)
    except ShapesError as e:
        if str(e).startswith("shape "):
            raise
        raise ShapesError(f"shape {where}: malformed SPARQL ({e})", "malformed SPARQL") from None


def _prepare(text: str, prefixes: dict, where: str, prebound: tuple, form: str) -> Prepared:
    toks = significant(text)
    for i, t in enumerate(toks):
        if t.upper in _REFUSED:
            raise _refuse(where, f"{t.upper} in a SPARQL constraint is not allowed with pre-bound variables "
                                 "(SHACL 5.2.1)", f"{t.upper} in a SPARQL constraint")
        if t.upper == "AS" and i + 1 < len(toks) and toks[i + 1].var in prebound + ("currentShape", "shapesGraph"):
            raise _refuse(where, f"AS with a pre-bound variable ({toks[i + 1].text}) is not allowed (SHACL 5.2.1)",
                          "AS with a pre-bound variable")
    k = 0
    while k < len(toks) and toks[k].upper in ("PREFIX", "BASE"):
        k += 3 if toks[k].upper == "PREFIX" else 2
    if k >= len(toks) or toks[k].upper != form:
        raise _refuse(where, f"sh:{form.lower()} without {form}: the query must be a SPARQL {form} query",
                      f"sh:{form.lower()} without {form}")
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(prefixes.items()))
    prologue += text[:toks[k].start].strip() + ("\n" if k else "")
    body = text[toks[k].start:]
    toks = significant(body)
    _check_subselects(toks, 0, where, prebound)
    used = {t.var for t in toks if t.kind == "var"}
    current, shapes = "currentShape" in used, "shapesGraph" in used
    prebound = prebound + tuple(v for v in ("currentShape", "shapesGraph") if v in used)  # projected to be substituted
    if form == "ASK":
        return Prepared(prologue, _ask_as_select(toks, body, prebound), prebound, current, shapes)
    _check_aggregates(toks, 0, where)
    start, end = _projection(toks, 0)
    names = _projected(toks, start, end)
    if "*" in names:
        seen = list(dict.fromkeys(t.var for t in toks if t.kind == "var"))
        names = list(dict.fromkeys(list(prebound) + seen))
        cut = next(t for t in toks[start:end] if t.text == "*")
        query = body[:cut.start] + " ".join(f"?{n}" for n in names) + body[cut.start + 1:]
    else:
        missing = [v for v in prebound if v not in names]
        at = toks[start].start if start < len(toks) else len(body)
        query = body[:at] + "".join(f"?{v} " for v in missing) + body[at:]
        names = missing + names
    inline = _inline_at(query, prebound) if prebound[:1] == ("this",) and len(prebound) - current - shapes == 1 else None
    return Prepared(prologue, query, tuple(names), current, shapes, inline)


def _inline_at(query: str, prebound: tuple) -> int | None:
    """Where a plain join can pre-bind: the offset just inside the WHERE group, when every pre-bound variable in
    it stands directly in that group (a triple pattern, FILTER or BIND there, not a nested group, UNION
    branch, OPTIONAL or EXISTS), there is no sub-select and no LIMIT or OFFSET. There, joining the focus
    nodes first gives what substitution gives, and one query does it for all focus nodes."""
    toks = significant(query)
    if any(t.upper in ("SELECT", "LIMIT", "OFFSET") for t in toks[1:]):
        return None
    opening = next((i for i, t in enumerate(toks) if t.text == "{"), None)
    if opening is None:
        return None
    depth = 0
    for t in toks[opening:]:
        if t.kind == "punct" and t.text in "{}":
            depth += 1 if t.text == "{" else -1
        elif t.kind == "var" and t.var in prebound and depth != 1:
            return None
    return toks[opening].start + 1


def _ask_as_select(toks: list[Token], body: str, prebound: tuple) -> str:
    """``ASK { … }`` as ``SELECT ?v… WHERE { … } LIMIT 1``: one row when the ASK query is true."""
    rest = body[toks[1].start:] if len(toks) > 1 else "{}"
    if len(toks) < 2 or toks[1].upper != "WHERE":
        rest = "WHERE " + rest
    return "SELECT " + " ".join(f"?{v}" for v in prebound) + " (true AS ?__ok) " + rest + " LIMIT 1"
