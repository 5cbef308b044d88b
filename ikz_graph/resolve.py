"""Which entity a name means: the one resolver for every command and view.

A user may name an entity by its IRI, its id (``emh``, ``kfz-zulassung``), its official key
(``07233``), its short label (``Vulkaneifel``) or its official name (``Eifelkreis Bitburg-Prüm``,
``Landkreis Kusel``), in any case and with or without umlauts (``Durkheim``, ``EMH``). The rules,
in order; the first that finds anything decides:

1. an ``http(s)`` IRI names itself (it must occur in the graph);
2. an exact id or key;
3. a name of an entity, then the title of a source document, as written but in any case (the store
   looks these up itself, so that a name resolves fast in the national graph; all names are read
   only for the rules after this one);
4. an id, then a name of an entity, then the title of a source document, compared *folded*:
   case-insensitive, umlauts as ``ä`` = ``a`` = ``ae``, ``ß`` = ``ss``, other accents dropped,
   punctuation as spaces;
5. the folded text as whole words inside exactly one entity's name (``Durkheim`` -> ``Bad Dürkheim``).

Two entities found by the same rule are an error that lists both (:class:`~ikz_graph.errors.AmbiguousName`);
nothing found is an error with a "did you mean" of near misses (:class:`~ikz_graph.errors.UnknownName`).
``among`` restricts the candidates (e.g. to approaches).

>>> names = TableNames([Name("u:1", "Bad Dürkheim", NAME), Name("u:2", "Kusel", NAME), Name("u:1", "07332", ID)])
>>> resolve(names, "durkheim"), resolve(names, "07332"), resolve(names, "KUSEL")
('u:1', 'u:1', 'u:2')
>>> resolve(names, "Kusl")
Traceback (most recent call last):
ikz_graph.errors.UnknownName: no entity with id or label 'Kusl'; did you mean Kusel (u:2)?
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Collection, Iterable, Protocol

from . import namespaces as ns
from .errors import AmbiguousName, UnknownName

__all__ = ["Name", "Names", "TableNames", "SparqlNames", "resolve", "fold", "fold_char", "ID", "NAME", "SOURCE_TITLE"]

#: How a name belongs to its entity, in the order the rules try them (a source document's id and
#: title both count as its title: sources come after every other entity).
ID, NAME, SOURCE_TITLE = 0, 1, 2


@dataclass(frozen=True)
class Name:
    iri: str
    text: str
    how: int   # ID, NAME or SOURCE_TITLE


_WORD_GAP = re.compile(r"[\W_]+")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _bases(text: str) -> tuple[str, str]:
    """The text in any case, with umlauts as they stand and written as ``ae``/``oe``/``ue``."""
    base = text.casefold().replace("ß", "ss")
    return base, base.translate(_UMLAUTS)


def _gaps(text: str) -> str:
    """Accents dropped, every run of characters other than letters and digits as one space."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORD_GAP.sub(" ", text)


def fold(text: str) -> frozenset[str]:
    """The folded forms of a text: umlauts written as plain vowels and as ``ae``/``oe``/``ue``.

    >>> sorted(fold("Bad Dürkheim"))
    ['bad duerkheim', 'bad durkheim']
    """
    return frozenset(_gaps(b).strip() for b in _bases(text))


def fold_char(ch: str) -> tuple[str, str]:
    """The two folded forms of one character, a gap written as a space: the same rule as :func:`fold`,
    character by character, for a table that other code (the views' search) folds with.

    Folding each character, joining and then merging the runs of spaces gives :func:`fold`'s two forms.

    >>> fold_char("Ü"), fold_char("ß"), fold_char("é"), fold_char("-")
    (('u', 'ue'), ('ss', 'ss'), ('e', 'e'), (' ', ' '))
    """
    one, two = (_gaps(b) for b in _bases(ch))
    return one, two


class Names(Protocol):
    """Where the resolver looks: the names of the entities of a graph."""

    def exact(self, text: str) -> set[str]: ...        # entities with this exact id or key
    def any_case(self, text: str) -> list[Name]: ...   # the names (not ids) equal to ``text`` in any case
    def exists(self, iri: str) -> bool: ...
    def all(self) -> list[Name]: ...
    def label(self, iri: str) -> str: ...


class TableNames:
    """Names held in memory (e.g. built from the read model)."""

    def __init__(self, names: Iterable[Name]):
        self.names = list(names)
        self._labels: dict[str, str] = {}
        for n in self.names:
            if n.how == NAME:
                self._labels.setdefault(n.iri, n.text)

    def exact(self, text: str) -> set[str]:
        return {n.iri for n in self.names if n.how == ID and n.text == text}

    def any_case(self, text: str) -> list[Name]:
        lower = text.casefold()
        return [n for n in self.names if n.how != ID and n.text.casefold() == lower]

    def exists(self, iri: str) -> bool:
        return any(n.iri == iri for n in self.names)

    def all(self) -> list[Name]:
        return self.names

    def label(self, iri: str) -> str:
        return self._labels.get(iri) or ns.compact(iri)


_Q_EXACT = "SELECT DISTINCT ?e ?v WHERE { ?e dct:identifier ?v }"
_Q_EXISTS = "SELECT ?e WHERE { ?e ?p ?o } LIMIT 1"
_Q_LABEL = "SELECT ?e ?l WHERE { ?e rdfs:label ?l }"
_Q_ANY_CASE = """SELECT DISTINCT ?e ?text ?how ?q WHERE {
  VALUES ?p { rdfs:label schema:name skos:altLabel skos:prefLabel }
  ?e ?p ?text . FILTER(LCASE(STR(?text)) = LCASE(STR(?q)))
  BIND(IF(EXISTS { ?e a ikz:SourceDocument }, 2, 1) AS ?how) }"""
_Q_NAMES = """
SELECT ?e ?text ?how WHERE {
  { ?e dct:identifier ?text . BIND(IF(EXISTS { ?e a ikz:SourceDocument }, 2, 0) AS ?how) }
  UNION
  { ?e rdfs:label|schema:name|skos:altLabel|skos:prefLabel ?text .
    BIND(IF(EXISTS { ?e a ikz:SourceDocument }, 2, 1) AS ?how) }
}"""


class SparqlNames:
    """Names read through SPARQL from the embedded store or a remote endpoint.

    The exact id is an index lookup; all names are read only when that finds nothing, and once.
    """

    def __init__(self, source: Any):
        self.source = source
        self._all: list[Name] | None = None

    def exact(self, text: str) -> set[str]:
        import pyoxigraph as ox

        return {r["e"].value for r in self.source.query(_Q_EXACT, {"v": ox.Literal(text)}).terms}

    def any_case(self, text: str) -> list[Name]:
        """Names equal to ``text`` in any case, found by the store (one pass over the names, without
        reading them all into Python: what makes a name resolve fast in the national graph)."""
        import pyoxigraph as ox

        if self._all is not None:
            lower = text.casefold()
            return [n for n in self._all if n.how != ID and n.text.casefold() == lower]
        rows = self.source.query(_Q_ANY_CASE, {"q": ox.Literal(text)}).terms
        lower = text.casefold()
        return [Name(r["e"].value, r["text"].value, int(r["how"].value)) for r in rows
                if hasattr(r["e"], "value") and r["text"].value.casefold() == lower]

    def exists(self, iri: str) -> bool:
        import pyoxigraph as ox

        return bool(self.source.query(_Q_EXISTS, {"e": ox.NamedNode(iri)}).terms)

    def all(self) -> list[Name]:
        if self._all is None:
            self._all = [Name(r["e"].value, r["text"].value, int(r["how"].value))
                         for r in self.source.query(_Q_NAMES).terms if hasattr(r["e"], "value")]
        return self._all

    def label(self, iri: str) -> str:
        import pyoxigraph as ox

        rows = self.source.query(_Q_LABEL, {"e": ox.NamedNode(iri)}).terms
        return min((r["l"].value for r in rows), default=ns.compact(iri))


def _one(names: Names, text: str, hits: set[str]) -> str | None:
    if len(hits) == 1:
        return next(iter(hits))
    if len(hits) > 1:
        raise AmbiguousName(text, sorted((iri, names.label(iri)) for iri in hits))
    return None


def _contains_words(name_words: list[str], query_words: list[str]) -> bool:
    n = len(query_words)
    return any(name_words[i:i + n] == query_words for i in range(len(name_words) - n + 1))


def resolve(names: Names, text: str, *, among: Collection[str] | None = None) -> str:
    """The IRI of the entity ``text`` names (see the module's rules); ``among`` limits the candidates."""
    value = text.strip()
    ok = (lambda iri: True) if among is None else (lambda iri: iri in among)  # noqa: E731
    if re.match(r"^https?://", value):
        if ok(value) and names.exists(value):
            return value
        raise UnknownName(text, [], f"no entity with IRI {value}" if among is None else None)
    found = _one(names, text, {i for i in names.exact(value) if ok(i)})
    if found:
        return found
    same = names.any_case(value)
    for how in (NAME, SOURCE_TITLE):  # a name as written, in any case
        found = _one(names, text, {n.iri for n in same if n.how == how and ok(n.iri)})
        if found:
            return found
    table = [n for n in names.all() if ok(n.iri)]  # only now every name is read
    query = fold(value)
    for how in (ID, NAME, SOURCE_TITLE):
        found = _one(names, text, {n.iri for n in table if n.how == how and fold(n.text) & query})
        if found:
            return found
    words = [q.split() for q in query]
    found = _one(names, text, {n.iri for n in table if n.how == NAME and words[0] and any(
        _contains_words(f.split(), w) for f in fold(n.text) for w in words)})
    if found:
        return found
    raise UnknownName(text, _near(table, query, names.label))


def _near(table: list[Name], query: frozenset[str], label, n: int = 3) -> list[tuple[str, str]]:
    """Up to ``n`` (IRI, label) of entities whose folded id or name is close to the query."""
    by_form: dict[str, Name] = {}
    for name in sorted(table, key=lambda n: n.how):
        if name.how in (ID, NAME):
            for f in fold(name.text):
                by_form.setdefault(f, name)
    out: list[tuple[str, str]] = []
    for q in sorted(query):
        for form in difflib.get_close_matches(q, list(by_form), n=n, cutoff=0.75):
            iri = by_form[form].iri
            if iri not in {i for i, _ in out}:
                out.append((iri, by_form[form].text if by_form[form].how == NAME else label(iri)))
    return out[:n]
