"""The human-readable documentation of the ontology: one offline HTML page.

The classes and properties of ``ontology/ikz.ttl`` are documented by pyLODE (OntPub profile, the
optional extra ``docs``) from the ontology's own annotations — German and English labels and
definitions, sub-class and sub-property links to the reused W3C terms, domains and ranges — with one
example from the data for each class and property. The SKOS concept schemes (task fields, legal
forms, unit types, roles, …) follow in a section of their own, every concept with its labels and
definitions. The page has its styles inline and loads nothing: it opens offline.

>>> import ikz_graph
>>> page = ontology_page(ikz_graph.load())          # doctest: +SKIP
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import namespaces as ns
from .errors import ExportError

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

__all__ = ["ontology_page", "own_terms"]

_SKOS_TYPES = (ns.SKOS + "Concept", ns.SKOS + "ConceptScheme")


def own_terms(kg: "KnowledgeGraph") -> list[str]:
    """Every IRI the ontology defines in the project's namespaces (classes, properties, schemes, concepts)."""
    return sorted({t.subject.value for t in kg.ontology_triples
                   if t.predicate.value == ns.RDF + "type" and t.subject.value.startswith((ns.IKZ, ns.IKZC))})


def _examples(kg: "KnowledgeGraph") -> list[ox.Triple]:
    """``skos:example`` of every own class and property: its first use in the data, in words."""
    out = []
    for r in kg.query("""
        SELECT ?c (MIN(STR(?x)) AS ?first) WHERE { ?x a ?c . FILTER(STRSTARTS(STR(?c), STR(ikz:))) } GROUP BY ?c
        """).rows:
        label = kg.query("SELECT ?x ?l WHERE { ?x rdfs:label ?l } ORDER BY ?l LIMIT 1",
                         {"x": ox.NamedNode(r["first"])}).rows
        text = ns.compact(r["first"]) + (f" ({label[0]['l']})" if label else "")
        out.append(ox.Triple(ox.NamedNode(r["c"]), ox.NamedNode(ns.SKOS + "example"), ox.Literal(f"e.g. {text}")))
    for r in kg.query("""
        SELECT ?p (MIN(CONCAT(STR(?s), " ", STR(?o))) AS ?first) WHERE {
          ?s ?p ?o . ?p a ?k . FILTER(?k IN (owl:ObjectProperty, owl:DatatypeProperty))
          FILTER(STRSTARTS(STR(?p), STR(ikz:)))
          FILTER NOT EXISTS { ?s a ?t . FILTER(STRSTARTS(STR(?t), STR(owl:)) || STRSTARTS(STR(?t), STR(skos:))) }
        } GROUP BY ?p""").rows:
        s, _, o = r["first"].partition(" ")
        out.append(ox.Triple(ox.NamedNode(r["p"]), ox.NamedNode(ns.SKOS + "example"),
                             ox.Literal(f"e.g. {ns.compact(s)} {ns.compact(r['p'])} {ns.compact(o)}")))
    return out


def _schemes_section(kg: "KnowledgeGraph") -> str:
    """The SKOS concept schemes and their concepts as an HTML section (every text escaped)."""
    esc = html.escape
    rows = kg.query("""
        SELECT ?scheme ?s_de ?s_en ?c ?de ?en ?def_de ?def_en WHERE {
          ?scheme a skos:ConceptScheme .
          OPTIONAL { ?scheme skos:prefLabel ?s_de FILTER(LANG(?s_de) = "de") }
          OPTIONAL { ?scheme skos:prefLabel ?s_en FILTER(LANG(?s_en) = "en") }
          OPTIONAL { ?c skos:inScheme ?scheme .
                     OPTIONAL { ?c skos:prefLabel ?de FILTER(LANG(?de) = "de") }
                     OPTIONAL { ?c skos:prefLabel ?en FILTER(LANG(?en) = "en") }
                     OPTIONAL { ?c skos:definition ?def_de FILTER(LANG(?def_de) = "de") }
                     OPTIONAL { ?c skos:definition ?def_en FILTER(LANG(?def_en) = "en") } }
        } ORDER BY ?scheme ?c""").rows
    parts = ['<section id="concept-schemes"><h2>Concept schemes (SKOS)</h2>']
    current = None
    for r in rows:
        if r["scheme"] != current:
            if current is not None:
                parts.append("</table>")
            current = r["scheme"]
            parts.append(f'<h3 id="{esc(ns.compact(current))}">{esc(ns.compact(current))}: '
                         f'{esc(r["s_en"] or "")} / {esc(r["s_de"] or "")}</h3>'
                         "<table><tr><th>concept</th><th>English</th><th>Deutsch</th></tr>")
        if r["c"]:
            parts.append(f'<tr><td id="{esc(ns.compact(r["c"]))}"><code>{esc(ns.compact(r["c"]))}</code></td>'
                         f'<td><b>{esc(r["en"] or "")}</b><br>{esc(r["def_en"] or "")}</td>'
                         f'<td><b>{esc(r["de"] or "")}</b><br>{esc(r["def_de"] or "")}</td></tr>')
    if current is not None:
        parts.append("</table>")
    parts.append("</section>")
    return "".join(parts)


_NAMES = (ns.RDFS + "label", ns.DCT + "title", ns.SKOS + "prefLabel")
_LANGS = {"en": 0, "de": 1}


def _one_name(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Names in several languages as one name ("rural district / Landkreis"): pyLODE would run them
    together without a space."""
    names: dict[tuple, list[ox.Literal]] = {}
    out = []
    for t in triples:
        if t.predicate.value in _NAMES and isinstance(t.object, ox.Literal):
            names.setdefault((t.subject, t.predicate), []).append(t.object)
        else:
            out.append(t)
    for (subject, predicate), lits in names.items():
        lits.sort(key=lambda x: (_LANGS.get(x.language or "", 2), x.language or "", x.value))
        text = " / ".join(dict.fromkeys(x.value for x in lits))
        out.append(ox.Triple(subject, predicate, ox.Literal(text, language=lits[0].language) if lits[0].language
                             else ox.Literal(text)))
    return out


def _insert(page: str, section: str) -> str:
    """``section`` inside pyLODE's content, before its list of namespaces, and a link to it at the end
    of its table of contents."""
    content, toc = page.find('<div id="content"'), page.find('<div id="toc"')
    if content < 0 or toc < 0:
        raise ExportError("pyLODE wrote a page of an unknown layout (no #content and #toc)")
    at = page.find('<div id="namespaces"', content)
    at = at if at >= 0 else _matching_close(page, content)
    toc_end = _matching_close(page, toc)
    link = '<h3><a href="#concept-schemes">Concept schemes (SKOS)</a></h3>'
    return page[:at] + section + page[at:toc_end] + link + page[toc_end:]


def _matching_close(page: str, start: int) -> int:
    """The index of the ``</div>`` that closes the ``<div`` at ``start``."""
    depth, i = 0, start
    while True:
        opening, closing = page.find("<div", i), page.find("</div>", i)
        if closing < 0:
            raise ExportError("pyLODE wrote a page with an unclosed <div>")
        if 0 <= opening < closing:
            depth, i = depth + 1, opening + 4
        else:
            depth, i = depth - 1, closing
            if depth == 0:
                return closing
            i = closing + 6


def _import_pylode():
    """pyLODE's ``OntPub``. Importing pyLODE sets up the root logger at level DEBUG (its
    ``logging.basicConfig``), which would print every library's debug lines on the terminal; the
    root logger is put back as it was."""
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from pylode import OntPub
    except ImportError:
        raise ExportError("the ontology page needs pyLODE: pip install 'ikz-graph[docs]'") from None
    finally:
        for h in root.handlers[:]:
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)
    return OntPub


def ontology_page(kg: "KnowledgeGraph") -> str:
    """The documentation page of the ontology of ``kg``; raises :class:`ExportError` when pyLODE is missing."""
    OntPub = _import_pylode()
    import rdflib

    concepts = {t.subject for t in kg.ontology_triples
                if t.predicate.value == ns.RDF + "type" and t.object.value in _SKOS_TYPES}
    owl_part = _one_name([t for t in kg.ontology_triples if t.subject not in concepts]) + _examples(kg)
    g = rdflib.Graph()
    g.parse(data=ox.serialize(sorted(owl_part, key=str), format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    for p, iri in ns.PREFIXES.items():
        g.bind(p, iri, override=True)
    page = OntPub(ontology=g, sort_subjects=True).make_html(include_css=True)
    return _insert(page, _schemes_section(kg))
