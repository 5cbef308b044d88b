"""Interactive, fully offline HTML views of the knowledge graph (vis-network through pyvis).

One self-contained HTML file per view: vis-network, its CSS, the page's own script and all data
are inlined, so the file opens from an e-mail or an intranet share without any network request.

Views:

``overview``
    every district and city with the model projects, bodies, associations, shared institutions,
    services and the ministry they are tied to;
``project`` (target: the project's id, label or IRI)
    one model project with its members, phases, shared institutions, services and grants;
``unit`` (target: Kreisschlüssel, label or IRI)
    the ego network of one unit: its bodies, services and neighbours, and the other members of
    its bodies;
``transfer`` (target: an approach)
    an approach, its participants and every candidate coloured by its transferability score
    (``ikz_graph.transferability``).

>>> import ikz_graph
>>> from ikz_graph.viz import build_view
>>> g = build_view(ikz_graph.load(), "project", "emh")
>>> sorted({n["kind"] for n in g.nodes})
['association', 'district', 'grant', 'institution or service', 'ministry', 'model project', 'other organisation', 'phase']
>>> next(n["label"] for n in g.nodes if n["key"] == "07233")
'Vulkaneifel'

Every text that comes from the data is HTML-escaped in Python before it becomes part of a tooltip
(:func:`tooltip_html`), the page sets labels and search results with ``textContent`` only, and
the embedded JSON escapes ``<``, ``>`` and ``&`` so that no data can end the ``<script>`` block.
"""
from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from . import namespaces as ns
from .errors import AnalysisError, DateError, QueryError, VizError
from .gcpause import gc_paused

if TYPE_CHECKING:
    from .graph import KnowledgeGraph
    from .network import CoopData

__all__ = ["VIEWS", "KINDS", "TIES", "VizError", "VizGraph", "build_view", "render", "render_graph", "write_html",
           "write_page", "finish", "tooltip_html", "vis_library"]

VIEWS = ("overview", "project", "unit", "transfer")

#: Node kinds: label shown in the legend, fill colour, vis-network shape.
KINDS: dict[str, dict[str, str]] = {
    "district": {"color": "#4e79a7", "shape": "dot"},
    "city": {"color": "#f28e2b", "shape": "square"},
    "municipality": {"color": "#76b7b2", "shape": "dot"},
    "foreign region": {"color": "#bab0ac", "shape": "dot"},
    "model project": {"color": "#e15759", "shape": "star"},
    "phase": {"color": "#ff9da7", "shape": "triangle"},
    "formal body": {"color": "#59a14f", "shape": "hexagon"},
    "association": {"color": "#edc948", "shape": "triangleDown"},
    "institution or service": {"color": "#b07aa1", "shape": "diamond"},
    "ministry": {"color": "#76b7b2", "shape": "box"},
    "grant": {"color": "#d4a373", "shape": "ellipse"},
    "other organisation": {"color": "#9c755f", "shape": "dot"},
    "approach": {"color": "#e15759", "shape": "star"},
}

#: Tie types: line colour, dashes, width, and whether the edge has an arrow.
TIES: dict[str, dict[str, Any]] = {
    "project": {"color": "#e15759", "dashes": False, "width": 3, "arrows": ""},
    "phase": {"color": "#ff9da7", "dashes": False, "width": 2, "arrows": ""},
    "body": {"color": "#59a14f", "dashes": False, "width": 2, "arrows": ""},
    "planning": {"color": "#8cd17d", "dashes": [8, 4], "width": 2, "arrows": ""},
    "association": {"color": "#c9a800", "dashes": [2, 4], "width": 1.5, "arrows": ""},
    "service": {"color": "#b07aa1", "dashes": [4, 3], "width": 2, "arrows": ""},
    "funding": {"color": "#9d4f16", "dashes": False, "width": 2, "arrows": "to"},
    "accompanies": {"color": "#9c755f", "dashes": [1, 5], "width": 1.5, "arrows": "to"},
    "contiguity": {"color": "#b8b8b8", "dashes": [3, 3], "width": 1, "arrows": ""},
    "takes part": {"color": "#e15759", "dashes": False, "width": 3, "arrows": ""},
}

CLUSTER_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                   "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#a0cbe8", "#ffbe7d", "#8cd17d", "#f1ce63")

_CLASS_KIND = [  # (class IRI, kind), first match wins
    (ns.IKZ + "Landkreis", "district"),
    (ns.IKZ + "KreisfreieStadt", "city"),
    (ns.IKZ + "Gemeinde", "municipality"),
    (ns.IKZ + "ForeignRegion", "foreign region"),
    (ns.IKZ + "ModelProject", "model project"),
    (ns.IKZ + "ProjectPhase", "phase"),
    (ns.IKZ + "Ministry", "ministry"),
    (ns.IKZ + "StateAuthority", "ministry"),
    (ns.IKZ + "MunicipalUmbrellaAssociation", "association"),
    (ns.IKZ + "Association", "association"),
    (ns.IKZ + "PlanningCommunity", "formal body"),
    (ns.IKZ + "RegionalAssociation", "formal body"),
    (ns.IKZ + "Zweckverband", "formal body"),
    (ns.IKZ + "Company", "formal body"),
    (ns.IKZ + "SharedInstitution", "institution or service"),
    (ns.CPSV + "PublicService", "institution or service"),
    (ns.IKZ + "Grant", "grant"),
    (ns.ORG + "Organization", "other organisation"),
]
_CLASS_RANK = {c: i for i, (c, _) in enumerate(_CLASS_KIND)}
_KIND_OF_CLASS = dict(_CLASS_KIND)
_UNIT_KINDS = ("district", "city", "municipality", "foreign region")

#: Above this many nodes the page starts with physics off (precomputed layout only).
PHYSICS_LIMIT = 400


@dataclass
class VizGraph:
    """The nodes and edges of one view, as vis-network wants them, plus the view's metadata."""

    title: str
    view: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    clusters: list[dict[str, Any]] = field(default_factory=list)
    as_of: str | None = None
    notes: list[str] = field(default_factory=list)
    sized_by: str = "degree centrality"
    score_legend: dict[str, Any] | None = None


# ------------------------------------------------------------------------------------------ reading
_Q_ENTITIES = """
SELECT ?e ?class ?label ?name ?id WHERE {
  VALUES ?class { %s }
  ?e a ?class .
  OPTIONAL { ?e rdfs:label ?label }
  OPTIONAL { ?e schema:name ?name }
  OPTIONAL { ?e dct:identifier ?id }
} ORDER BY ?e ?class ?label ?name ?id""" % " ".join(f"<{c}>" for c, _ in _CLASS_KIND)

_Q_UNIT_FACTS = """
SELECT ?e ?key ?seat ?state ?pop ?popDate ?area WHERE {
  ?e ikz:kreisschluessel|ikz:gemeindeschluessel ?key .
  OPTIONAL { ?e ikz:seat ?seat }
  OPTIONAL { ?e ikz:inState/rdfs:label ?state }
  OPTIONAL { ?e ikz:population ?p . ?p schema:value ?pop . OPTIONAL { ?p schema:observationDate ?popDate } }
  OPTIONAL { ?e ikz:area/schema:value ?area }
} ORDER BY ?e DESC(?popDate) ?pop ?area"""

_Q_FACTS = """
SELECT ?e ?founded ?seat ?description ?start ?end ?amount ?date ?phase ?sites WHERE {
  VALUES ?class { ikz:ModelProject ikz:ProjectPhase ikz:SharedInstitution cpsv:PublicService ikz:Grant
                  ikz:Zweckverband ikz:PlanningCommunity ikz:RegionalAssociation ikz:Association ikz:Company
                  ikz:MunicipalUmbrellaAssociation ikz:Ministry org:Organization }
  ?e a ?class .
  OPTIONAL { ?e schema:foundingDate ?founded }
  OPTIONAL { ?e ikz:seat ?seat }
  OPTIONAL { ?e dct:description ?description }
  OPTIONAL { ?e dct:temporal/time:hasBeginning ?b . ?b ikz:earliestDate ?start }
  OPTIONAL { ?e dct:temporal/time:hasEnd ?n . ?n ikz:latestDate ?end }
  OPTIONAL { ?e schema:amount/schema:value ?amount }
  OPTIONAL { ?e dct:date ?date }
  OPTIONAL { ?e ikz:phaseNumber ?phase }
  OPTIONAL { SELECT ?e (COUNT(?s) AS ?sites) WHERE { ?e ikz:site ?s } GROUP BY ?e }
} ORDER BY ?e ?founded ?start ?end ?date ?amount ?description ?seat"""

_Q_TASKS = """
SELECT DISTINCT ?e ?task WHERE {
  ?e ikz:taskField|cv:thematicArea ?c . ?c skos:prefLabel ?task . FILTER(LANG(?task) = "en")
} ORDER BY ?e ?task"""

_Q_SOURCES = """
SELECT DISTINCT ?e ?title ?url WHERE {
  ?e dct:source ?s .
  OPTIONAL { ?s dct:title ?t0 } OPTIONAL { ?s rdfs:label ?t1 }
  BIND(COALESCE(?t0, ?t1, STR(?s)) AS ?title)
  OPTIONAL { ?s schema:url ?url }
} ORDER BY ?e ?title"""

_Q_MEMBERSHIPS = """
SELECT ?m ?member ?org ?role ?start ?end ?startLabel ?endLabel WHERE {
  ?m a org:Membership ; org:member ?member ; org:organization ?org .
  FILTER NOT EXISTS { ?member a schema:Person }
  OPTIONAL { ?m org:role/skos:prefLabel ?role . FILTER(LANG(?role) = "en") }
  OPTIONAL { ?m org:memberDuring/time:hasBeginning ?b . ?b ikz:earliestDate ?start . OPTIONAL { ?b rdfs:label ?startLabel } }
  OPTIONAL { ?m org:memberDuring/time:hasEnd ?n . ?n ikz:latestDate ?end . OPTIONAL { ?n rdfs:label ?endLabel } }
} ORDER BY ?m"""

_Q_MEMBER_PHASES = "SELECT ?m ?phase WHERE { ?m a org:Membership ; ikz:inPhase ?phase } ORDER BY ?m ?phase"

_Q_LINKS = """
SELECT ?a ?b ?link WHERE {
  { ?a geo:sfTouches ?b . BIND("contiguity" AS ?link) }
  UNION { ?a cv:hasCompetentAuthority ?b . BIND("competent authority" AS ?link) }
  UNION { ?a schema:serviceOperator ?b . BIND("operator" AS ?link) }
  UNION { ?a ikz:deliveredThrough ?b . BIND("delivered through" AS ?link) }
  UNION { ?a ikz:developedIn ?b . BIND("developed in" AS ?link) }
  UNION { ?a org:unitOf ?b . BIND("unit of" AS ?link) }
  UNION { ?a ikz:accompanies ?b . BIND("accompanies" AS ?link) }
  UNION { ?a dct:isPartOf ?b . ?a a ikz:ProjectPhase . BIND("phase of" AS ?link) }
  UNION { ?a schema:funder ?b . BIND("funder" AS ?link) }
  UNION { ?a ikz:recipient ?b . BIND("recipient" AS ?link) }
  UNION { ?a ikz:fundedProject ?b . BIND("funds" AS ?link) }
} ORDER BY ?link ?a ?b"""

def _v(term: Any) -> Any:
    return None if term is None else term.value


def _fmt_number(v: str) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if x == int(x):
        return f"{int(x):,}".replace(",", ".")
    return f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


@dataclass
class _Entity:
    iri: str
    kind: str
    label: str
    key: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    rlp: bool = True
    start: str | None = None   # earliest day it may have existed (as-of rule)


@dataclass
class _Tie:
    a: str
    b: str
    tie: str
    label: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    start: str | None = None
    end: str | None = None


def _fact(e: _Entity, name: str) -> str:
    return next((v for k, v in e.facts if k == name), "")


def _read(kg: "KnowledgeGraph") -> tuple[dict[str, _Entity], list[_Tie]]:
    """Read every entity and tie the views draw from, through SPARQL only."""
    ents: dict[str, _Entity] = {}
    best_rank: dict[str, int] = {}
    for r in kg.query(_Q_ENTITIES).terms:
        iri, cls = r["e"].value, r["class"].value
        rank = _CLASS_RANK[cls]
        if iri in best_rank and best_rank[iri] <= rank:
            continue
        best_rank[iri] = rank
        label = _v(r.get("label")) or _v(r.get("name")) or _v(r.get("id")) or ns.compact(iri)
        ents[iri] = _Entity(iri, _KIND_OF_CLASS[cls], label)
        name = _v(r.get("name"))
        if name and name != label:
            ents[iri].facts.append(("name", name))

    seen_units: set[str] = set()
    for r in kg.query(_Q_UNIT_FACTS).terms:
        e = ents.get(r["e"].value)
        if e is None or e.iri in seen_units:
            continue
        seen_units.add(e.iri)
        e.key = r["key"].value
        e.rlp = e.key.startswith("07")
        if r.get("state") is not None:
            e.facts.append(("state", r["state"].value))
        if r.get("seat") is not None:
            e.facts.append(("seat", r["seat"].value))
        if r.get("pop") is not None:
            when = f" ({r['popDate'].value})" if r.get("popDate") is not None else ""
            e.facts.append(("population", _fmt_number(r["pop"].value) + when))
        if r.get("area") is not None:
            e.facts.append(("area", _fmt_number(r["area"].value) + " km²"))

    seen_facts: set[str] = set()
    for r in kg.query(_Q_FACTS).terms:
        e = ents.get(r["e"].value)
        if e is None or e.iri in seen_facts:
            continue
        seen_facts.add(e.iri)
        if r.get("phase") is not None:
            e.facts.append(("phase", r["phase"].value))
        if r.get("founded") is not None:
            e.facts.append(("founded", r["founded"].value))
            e.start = r["founded"].value
        if r.get("start") is not None:
            e.facts.append(("from", r["start"].value))
            e.start = e.start or r["start"].value
        if r.get("end") is not None:
            e.facts.append(("until", r["end"].value))
        if r.get("date") is not None:
            e.facts.append(("date", r["date"].value))
            e.start = e.start or r["date"].value
        if r.get("amount") is not None:
            e.facts.append(("amount", _fmt_number(r["amount"].value) + " EUR"))
        if r.get("seat") is not None:
            e.facts.append(("seat", r["seat"].value))
        if r.get("sites") is not None and int(r["sites"].value) > 0:
            e.facts.append(("sites", r["sites"].value))
        if r.get("description") is not None:
            e.facts.append(("about", r["description"].value))
        if e.kind == "phase" and r.get("phase") is not None:
            e.facts.insert(0, ("name", e.label))
            e.label = f"Phase {r['phase'].value}"
        if e.kind == "grant":
            amount = _fact(e, "amount")
            e.facts.insert(0, ("description", e.label))
            e.label = f"{amount}" if amount else "grant"

    for r in kg.query(_Q_TASKS).terms:
        e = ents.get(r["e"].value)
        if e is not None:
            e.tasks.append(r["task"].value)
    msources: dict[str, list[tuple[str, str]]] = {}   # sources of nodes that are not drawn (memberships)
    for r in kg.query(_Q_SOURCES).terms:
        e = ents.get(r["e"].value)
        source = (r["title"].value, _v(r.get("url")) or "")
        if e is not None:
            e.sources.append(source)
        else:
            msources.setdefault(r["e"].value, []).append(source)

    phases_of: dict[str, list[str]] = {}
    for r in kg.query(_Q_MEMBER_PHASES).terms:
        phases_of.setdefault(r["m"].value, []).append(r["phase"].value)

    ties: list[_Tie] = []
    for r in kg.query(_Q_MEMBERSHIPS).terms:
        m, a, o = r["m"].value, r["member"].value, r["org"].value
        if a not in ents or o not in ents:
            continue
        okind = ents[o].kind
        cls = best_rank.get(o)
        # Edge styles for display: associations get their own style here, while the analysis counts
        # them as cooperation bodies (ikz_graph/analysis.yaml, tie_classes).
        if okind == "model project":
            tie = "project"
        elif okind == "association":
            tie = "association"
        elif cls is not None and _CLASS_KIND[cls][0] in (ns.IKZ + "PlanningCommunity", ns.IKZ + "RegionalAssociation"):
            tie = "planning"
        else:
            tie = "body"
        role = _v(r.get("role")) or "member"
        facts = [("role", role)]
        start, end = _v(r.get("start")), _v(r.get("end"))
        if start:
            facts.append(("from", _v(r.get("startLabel")) or start))
        if end:
            facts.append(("until", _v(r.get("endLabel")) or end))
        phases = sorted(_fact(ents[p], "phase") or ns.compact(p) if p in ents else ns.compact(p)
                        for p in phases_of.get(m, []))
        if phases:
            facts.append(("phases", ", ".join(phases)))
        ties.append(_Tie(a, o, tie, role, facts, msources.get(m, []), start, end))

    for r in kg.query(_Q_LINKS).terms:
        a, b, link = r["a"].value, r["b"].value, r["link"].value
        if a not in ents or b not in ents:
            continue
        tie = {"contiguity": "contiguity", "accompanies": "accompanies", "phase of": "phase",
               "funder": "funding", "recipient": "funding", "funds": "funding"}.get(link, "service")
        if link == "funder":  # drawn from the funder to the grant
            a, b = b, a
        ties.append(_Tie(a, b, tie, link))
    return ents, ties


# ------------------------------------------------------------------------------------------ as-of rule
def _check_date(as_of: Any) -> str | None:
    """The day as ISO text; days are read as everywhere else (:func:`ikz_graph.dates.parse_iso_day`)."""
    from .dates import parse_iso_day

    if as_of is None or as_of == "":
        return None
    try:
        return parse_iso_day(as_of).isoformat()
    except DateError as e:
        raise VizError(f"--as-of: {e}") from None


def _running(tie: _Tie, day: str) -> bool:
    """The rule of queries/cooperation-as-of.rq: running if it may have been running that day."""
    return (tie.start is None or tie.start <= day) and (tie.end is None or tie.end >= day)


def _existed(ent: _Entity, day: str) -> bool:
    return ent.start is None or ent.start[:10] <= day


# ------------------------------------------------------------------------------------------ views
def _dedupe(ties: Iterable[_Tie]) -> list[_Tie]:
    """One edge per pair and tie type; parallel memberships (left and rejoined) are merged."""
    out: dict[tuple[str, str, str], _Tie] = {}
    for t in ties:
        a, b = (t.a, t.b) if t.tie in ("funding", "accompanies") or t.a <= t.b else (t.b, t.a)
        k = (a, b, t.tie)
        if k not in out:
            out[k] = _Tie(a, b, t.tie, t.label, list(t.facts), list(t.sources), t.start, t.end)
        else:
            cur = out[k]
            if t.label not in cur.label.split(", "):
                cur.label = f"{cur.label}, {t.label}"
            cur.facts += [f for f in t.facts if f not in cur.facts]
            cur.sources += [s for s in t.sources if s not in cur.sources]
    return [out[k] for k in sorted(out)]


def _base(kg: "KnowledgeGraph", as_of: str | None, data: "CoopData"):
    ents, ties = _read(kg)
    # A service or institution without a start of its own exists from the earliest day the analysis
    # gives it (its institution's founding, else the first start in the project that developed it),
    # so that the drawn network is the analysed one.
    earliest: dict[str, str] = {}
    for sr in data.services:
        if sr.start is not None:
            earliest[sr.service] = min(earliest.get(sr.service, "9999"), sr.start.isoformat())
    for inst, services in data.related.items():
        days = [earliest[x] for x in services if x in earliest]
        if days:
            earliest.setdefault(inst, min(days))
    for iri, day in earliest.items():
        if iri in ents and ents[iri].start is None:
            ents[iri].start = day
    if as_of:
        ents = {k: e for k, e in ents.items() if _existed(e, as_of)}
        ties = [t for t in ties if t.a in ents and t.b in ents and _running(t, as_of)]
    return ents, ties


def _resolve(kg: "KnowledgeGraph", target: str | None, ents: dict[str, _Entity], kinds: tuple[str, ...],
             what: str) -> str:
    from .queries import resolve_entity

    if not target:
        raise VizError(f"the {what} view needs a target (--view {what} {'KEY' if what == 'unit' else 'ID'})")
    try:
        iri = resolve_entity(kg, target).value
    except QueryError as e:
        raise VizError(f"{what} {target!r}: {e}") from None
    if iri not in ents or ents[iri].kind not in kinds:
        kind = ents[iri].kind if iri in ents else "no node of the views"
        raise VizError(f"{target!r} is a {kind}, not a {' or '.join(kinds)}"
                       + (" (or it did not exist on the --as-of date)" if iri not in ents else ""))
    return iri


def build_view(kg: "KnowledgeGraph", view: str = "overview", target: str | None = None,
               as_of: str | None = None, seed: int = 7) -> VizGraph:
    """Collect the nodes and edges of one view (see the module docstring); raises :class:`VizError`."""
    from .network import fetch

    if view not in VIEWS:
        raise VizError(f"unknown view {view!r} (known: {', '.join(VIEWS)})")
    if view == "overview" and target:
        raise VizError(f"the overview takes no target (got {target!r})")
    day = _check_date(as_of)
    data = fetch(kg)       # read once: the as-of rule of services, the analysis and the ranking use it
    if view == "transfer":
        return _transfer_view(kg, data, target, day, seed)
    ents, ties = _base(kg, day, data)
    if view == "overview":
        keep = {k for k, e in ents.items() if e.kind not in ("grant", "phase")}
        sel = [t for t in ties if t.a in keep and t.b in keep]
        # funding: ministry -> project, aggregated over the grants
        grants = {k for k, e in ents.items() if e.kind == "grant"}
        phase_project = {t.a: t.b for t in ties if t.tie == "phase"}
        for t in ties:
            if t.a in grants and t.label == "funds":
                proj = phase_project.get(t.b, t.b)
                for f in ties:
                    if f.b == t.a and f.label == "funder" and f.a in keep and proj in keep:
                        g = ents[t.a]
                        amount = _fact(g, "amount")
                        sel.append(_Tie(f.a, proj, "funding", "funds", [("grant", f"{amount} ({_fact(g, 'description')})")],
                                        g.sources))
        nodes = keep
        title = "IKZ in Rhineland-Palatinate: overview"
    elif view == "project":
        p = _resolve(kg, target, ents, ("model project",), "project")
        phases = {t.a for t in ties if t.tie == "phase" and t.b == p}
        members = {t.a for t in ties if t.tie == "project" and t.b == p}
        made = {t.a for t in ties if t.label == "developed in" and t.b in phases | {p}}
        made |= {t.b for t in ties if t.label == "delivered through" and t.a in made}
        grants = {t.a for t in ties if t.label == "funds" and t.b in phases | {p}}
        funders = {t.a for t in ties if t.label == "funder" and t.b in grants}
        accompany = {t.a for t in ties if t.tie == "accompanies" and t.b == p}
        nodes = {p} | phases | members | made | grants | funders | accompany
        sel = []
        for t in ties:
            if t.tie == "project" and t.b == p:
                ph = dict(t.facts).get("phases", "")
                nums = [x.strip() for x in ph.split(",") if x.strip()]
                targets = [q for q in sorted(phases) if _fact(ents[q], "phase") in nums]
                for q in targets or [p]:
                    sel.append(_Tie(t.a, q, "project", t.label, t.facts, t.sources, t.start, t.end))
            elif t.a in nodes and t.b in nodes and t.tie != "project":
                sel.append(t)
        # members of the project's services and institutions only as far as they are members here
        sel = [t for t in sel if not (t.tie == "contiguity")]
        title = f"Model project: {ents[p].label}"
    elif view == "unit":
        u = _resolve(kg, target, ents, _UNIT_KINDS, "unit")
        direct = {t.b if t.a == u else t.a for t in ties if u in (t.a, t.b)}
        bodies = {x for x in direct if ents[x].kind not in _UNIT_KINDS and ents[x].kind != "grant"}
        comembers = {t.a for t in ties if t.b in bodies and t.tie in ("project", "body", "planning", "association")
                     and ents[t.a].kind in _UNIT_KINDS}
        nodes = ({u} | {x for x in direct if ents[x].kind != "grant"} | comembers)
        nodes = {x for x in nodes if ents[x].kind not in ("phase",)}
        sel = [t for t in ties if t.a in nodes and t.b in nodes
               and (t.tie != "contiguity" or u in (t.a, t.b))]
        title = f"Ego network: {ents[u].label}"
    sel = _dedupe(t for t in sel if t.a in nodes and t.b in nodes)
    used = {t.a for t in sel} | {t.b for t in sel}
    if view == "overview":  # keep every unit, drop other nodes without any tie on that day
        nodes = {k for k in nodes if k in used or (ents[k].kind in ("district", "city") and ents[k].rlp)}
    an = _analysis(data, day)
    order = sorted(nodes)
    g = _assemble(ents, order, sel, title, view, day, seed, sizes=_sizes(an, order, sel),
                  clusters=an.clusters, cluster_names=an.names, extra=an.facts, sized_by=SIZED_BY)
    if view == "unit":
        for n in g.nodes:
            if n["id"] == u:
                n["focus"] = True
    return g


SIZED_BY = ("districts and cities: PageRank in the cooperation network (ikz_graph.network); "
            "other nodes: degree centrality in this view")

#: Fill colours of candidates, from the lowest to the highest score (a sequential green scale).
SCORE_COLOURS = ("#f7fcb9", "#addd8e", "#41ab5d", "#006837")
PARTICIPANT_COLOUR = "#e15759"


@dataclass
class _An:
    pagerank: dict[str, float]
    clusters: dict[str, int]
    names: dict[int, str]
    facts: dict[str, list[tuple[str, str]]]


def _analysis(data: "CoopData", day: str | None) -> _An:
    """PageRank, clusters and brokers of the units from the cooperation-network analysis."""
    from .network import analyze

    try:
        an = analyze(data, as_of=day)
    except AnalysisError as e:
        raise VizError(f"cannot analyse the cooperation network: {e}") from None
    G = an.graph
    names = {c.number - 1: c.name for c in an.clusters}
    pr, clusters, facts = {}, {}, {}
    for iri, d in G.nodes(data=True):
        pr[iri] = float(d["pagerank"])
        clusters[iri] = int(d["cluster"]) - 1
        facts[iri] = [("cluster", f"{d['cluster']}: {names[int(d['cluster']) - 1]}"),
                      ("PageRank", f"{d['pagerank']:.4f}"), ("betweenness", f"{d['betweenness']:.4f}"),
                      ("k-core", str(d["core"]))] + ([("broker", "yes: ties several clusters together")]
                                                      if d["broker"] else [])
    return _An(pr, clusters, names, facts)


def _sizes(an: _An, order: list[str], ties: list[_Tie]) -> dict[str, float]:
    """Units by PageRank (relative to the largest), every other node by its degree in the view."""
    degree = {n: 0 for n in order}
    for t in ties:
        degree[t.a] = degree.get(t.a, 0) + 1
        degree[t.b] = degree.get(t.b, 0) + 1
    top_pr = max((an.pagerank[n] for n in order if n in an.pagerank), default=0) or 1.0
    top_deg = max((degree[n] for n in order if n not in an.pagerank), default=0) or 1
    return {n: an.pagerank[n] / top_pr if n in an.pagerank else degree[n] / top_deg for n in order}


def _score_colour(score: float, lo: float, hi: float) -> str:
    t = 0.0 if hi <= lo else min(1.0, max(0.0, (score - lo) / (hi - lo)))
    pos = t * (len(SCORE_COLOURS) - 1)
    i = min(int(pos), len(SCORE_COLOURS) - 2)
    f = pos - i
    a, b = SCORE_COLOURS[i], SCORE_COLOURS[i + 1]
    rgb = [round(int(a[k:k + 2], 16) * (1 - f) + int(b[k:k + 2], 16) * f) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _transfer_view(kg: "KnowledgeGraph", data: "CoopData", target: str | None, day: str | None,
                   seed: int) -> VizGraph:
    """The approach, its participants and every scored candidate, coloured by score."""
    from .transferability import FACTOR_LABELS, rank

    if not target:
        raise VizError("the transfer view needs an approach (--view transfer APPROACH)")
    try:
        tr = rank(data, target, as_of=day)
    except AnalysisError as e:
        raise VizError(f"transfer {target!r}: {e}") from None
    ents, ties = _base(kg, day, data)
    app = tr.approach
    if app not in ents:
        ents[app] = _Entity(app, "approach", tr.approach_label)
    ents[app].facts = [("approach", tr.approach_kind)] + ents[app].facts
    parts = [p for p in tr.participants if p in ents]
    cands = [c for c in tr.candidates if c.unit in ents]
    lo = min((c.score for c in cands), default=0.0)
    hi = max((c.score for c in cands), default=1.0)
    extra: dict[str, list[tuple[str, str]]] = {}
    colours: dict[str, str] = {}
    for p in parts:
        extra[p] = [("role", "participant")]
        colours[p] = PARTICIPANT_COLOUR
    for c in cands:
        extra[c.unit] = ([("rank", f"{c.rank} of {len(cands)}"), ("score", f"{c.score:.3f}"), ("why", c.explanation)]
                         + [(FACTOR_LABELS.get(f, f), f"{v:+.3f}") for f, v in c.contributions.items()])
        colours[c.unit] = _score_colour(c.score, lo, hi)
    order = sorted({app, *parts, *(c.unit for c in cands)})
    inview = set(order)
    sel = [_Tie(p, app, "takes part", "takes part") for p in parts]
    sel += [t for t in ties if t.tie == "contiguity" and t.a in inview and t.b in inview]
    sel = _dedupe(sel)
    an = _analysis(data, day)
    for k, v in an.facts.items():
        extra.setdefault(k, [])
        extra[k] = extra[k] + v
    when = f" as of {day}" if day else ""
    g = _assemble(ents, order, sel, f"Transferability: {tr.approach_label}{when}", "transfer", day, seed,
                  sizes=_sizes(an, order, sel), clusters={}, cluster_names={}, extra=extra, sized_by=SIZED_BY,
                  colours=colours)
    g.score_legend = {"low": SCORE_COLOURS[0], "high": SCORE_COLOURS[-1], "min": round(lo, 3), "max": round(hi, 3),
                      "participant": PARTICIPANT_COLOUR, "colours": list(SCORE_COLOURS)}
    if tr.not_scored:
        g.notes.append(f"{len(tr.not_scored)} units are not scored (population or area unknown).")
    for n in g.nodes:
        if n["id"] == app:
            n["focus"] = True
    return g


# ------------------------------------------------------------------------------------------ assembly
def tooltip_html(title: str, kind: str, facts: Iterable[tuple[str, str]] = (),
                 sources: Iterable[tuple[str, str]] = (), tasks: Iterable[str] = ()) -> str:
    """A tooltip as HTML in which every text from the data is escaped and only http(s) links remain.

    >>> tooltip_html('<img src=x onerror=alert(1)>', 'district', [('seat', 'Daun')],
    ...              [('Quelle & mehr', 'https://example.org/?a=1&b="2"'), ('x', 'javascript:alert(1)')])
    '<div class="tt"><div class="tt-title">&lt;img src=x onerror=alert(1)&gt;</div><div class="tt-kind">district</div><table><tr><th>seat</th><td>Daun</td></tr></table><div class="tt-src">Sources:<ol><li><a href="https://example.org/?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener noreferrer">Quelle &amp; mehr</a></li><li>x</li></ol></div></div>'
    """
    esc = html.escape
    out = [f'<div class="tt"><div class="tt-title">{esc(title)}</div><div class="tt-kind">{esc(kind)}</div>']
    rows = [(k, v) for k, v in facts]
    tasks = list(tasks)
    if tasks:
        rows.append(("task fields", ", ".join(tasks)))
    if rows:
        out.append("<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
                   + "</table>")
    sources = list(sources)
    if sources:
        items = []
        for t, url in sources:
            if url and re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
                items.append(f'<li><a href="{esc(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
                             f"{esc(t)}</a></li>")
            else:
                items.append(f"<li>{esc(t)}</li>")
        out.append('<div class="tt-src">Sources:<ol>' + "".join(items) + "</ol></div>")
    out.append("</div>")
    return "".join(out)


def _short(label: str, n: int = 32) -> str:
    return label if len(label) <= n else label[: n - 1].rstrip() + "…"


def _assemble(ents: dict[str, _Entity], order: list[str], ties: list[_Tie], title: str, view: str,
              day: str | None, seed: int, sizes: dict[str, float] | None = None,
              clusters: dict[str, int] | None = None, cluster_names: dict[int, str] | None = None,
              sized_by: str = "degree centrality", extra: dict[str, list[tuple[str, str]]] | None = None,
              colours: dict[str, str] | None = None) -> VizGraph:
    extra, colours = extra or {}, colours or {}
    nodes = [{"id": iri, "label": _short(ents[iri].label), "full": ents[iri].label, "kind": ents[iri].kind,
              "key": ents[iri].key, "rlp": ents[iri].rlp,
              "tip": tooltip_html(ents[iri].label, ents[iri].kind + ("" if ents[iri].rlp else ", outside RLP"),
                                  extra.get(iri, []) + ([("key", ents[iri].key)] if ents[iri].key else [])
                                  + ents[iri].facts, ents[iri].sources, ents[iri].tasks),
              **({"color": colours[iri]} if iri in colours else {})}
             for iri in order]
    edges = [{"from": t.a, "to": t.b, "tie": t.tie,
              "tip": tooltip_html(f"{ents[t.a].label} – {ents[t.b].label}", f"{t.tie}: {t.label}", t.facts,
                                  t.sources)}
             for t in ties]
    if clusters is not None:
        clusters = {k: v for k, v in clusters.items() if k in ents}
    return finish(VizGraph(title, view, nodes, edges, as_of=day, sized_by=sized_by), seed=seed, sizes=sizes,
                  clusters=clusters, cluster_names=cluster_names)


def finish(g: VizGraph, seed: int = 7, sizes: dict[str, float] | None = None,
           clusters: dict[str, int] | None = None, cluster_names: dict[int, str] | None = None) -> VizGraph:
    """Size, cluster and lay out the nodes of ``g`` in place (also used for synthetic graphs).

    ``sizes`` maps node ids to a centrality in [0, 1] (default: networkx degree centrality);
    ``clusters`` maps unit ids to a cluster number (default: Louvain on the units' co-membership
    and contiguity graph, seeded). Positions come from a seeded spring layout.
    """
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(n["id"] for n in g.nodes)
    G.add_edges_from((e["from"], e["to"]) for e in g.edges)
    if sizes is None:
        sizes = nx.degree_centrality(G) if len(G) > 1 else {n: 1.0 for n in G}
    top = max(sizes.values(), default=0) or 1.0
    units = [n["id"] for n in g.nodes if n["kind"] in _UNIT_KINDS]
    if clusters is None:
        clusters, cluster_names = _clusters(G, units, {n["id"]: n["full"] for n in g.nodes}, seed)
    for n in g.nodes:
        c = sizes.get(n["id"], 0.0)
        n["centrality"] = round(c, 6)
        n["size"] = round(8 + 32 * math.sqrt(max(c, 0.0) / top), 2)
        if n["id"] in clusters:
            n["cluster"] = clusters[n["id"]]
    used = sorted(set(clusters[u] for u in clusters if u in G))
    g.clusters = [{"id": c, "name": (cluster_names or {}).get(c, f"cluster {c + 1}"),
                   "color": CLUSTER_COLOURS[c % len(CLUSTER_COLOURS)],
                   "size": sum(1 for u in clusters if clusters[u] == c and u in G)} for c in used]
    pos = _layout(G, seed, clusters)
    for n in g.nodes:
        x, y = pos[n["id"]]
        n["x"], n["y"] = x, y
    return g


def _clusters(G, units: list[str], labels: dict[str, str], seed: int) -> tuple[dict[str, int], dict[int, str]]:
    """Louvain communities of the units, where two units are tied through a shared node or a border."""
    import networkx as nx

    unitset = set(units)
    H = nx.Graph()
    H.add_nodes_from(sorted(units))
    for a, b in G.edges():
        if a in unitset and b in unitset:
            H.add_edge(a, b, weight=H.get_edge_data(a, b, {"weight": 0})["weight"] + 0.5)
    for x in sorted(G.nodes):
        if x in unitset:
            continue
        nb = sorted(y for y in G.neighbors(x) if y in unitset)
        if len(nb) > 60:  # a state-wide body says little about who belongs together
            continue
        for i, a in enumerate(nb):
            for b in nb[i + 1:]:
                w = H.get_edge_data(a, b, {"weight": 0})["weight"]
                H.add_edge(a, b, weight=w + 1.0)
    if H.number_of_edges() == 0:
        return {}, {}
    comms = nx.community.louvain_communities(H, weight="weight", seed=seed)
    comms = [sorted(c) for c in comms if len(c) > 1]
    comms.sort(key=lambda c: (-len(c), c[0]))
    out, names = {}, {}
    for i, c in enumerate(comms):
        for u in c:
            out[u] = i
        hub = max(c, key=lambda u: (H.degree(u, weight="weight"), u))
        names[i] = f"around {labels.get(hub, hub)}"
    return out, names


def _layout(G, seed: int, clusters: dict[str, int]) -> dict[str, tuple[float, float]]:
    """A seeded Fruchterman-Reingold layout (igraph, grid-accelerated for big graphs), scaled for vis-network.

    Members of a cluster are tied by extra invisible springs so that each cluster forms one area.
    The same graph and seed give the same positions.
    """
    import random

    import igraph as ig

    order = sorted(G.nodes)
    n = len(order)
    if n == 0:
        return {}
    idx = {u: i for i, u in enumerate(order)}
    pairs = {tuple(sorted((idx[a], idx[b]))) for a, b in G.edges() if a != b}
    by_c: dict[int, list[int]] = {}
    for u, c in clusters.items():
        if u in idx:
            by_c.setdefault(c, []).append(idx[u])
    for members in by_c.values():
        members.sort()
        if len(members) > 2:
            pairs |= {tuple(sorted((a, b))) for a, b in zip(members, members[1:] + members[:1])}
    H = ig.Graph(n=n, edges=sorted(pairs))
    ig.set_random_number_generator(random.Random(seed))
    try:
        coords = H.layout_fruchterman_reingold(niter=500, grid=n > 300).coords
    finally:
        ig.set_random_number_generator(random)
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    scale = 180 * math.sqrt(n) / span
    return {u: (round((coords[i][0] - cx) * scale, 1), round((coords[i][1] - cy) * scale, 1))
            for u, i in idx.items()}


# ------------------------------------------------------------------------------------------ HTML
def vis_library() -> tuple[str, str]:
    """vis-network's JavaScript and CSS from the copy bundled with pyvis (no network needed)."""
    import importlib.util

    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise VizError("pyvis is not installed (pip install pyvis)")
    libs = sorted((Path(list(spec.submodule_search_locations)[0]) / "templates" / "lib").glob("vis-*/vis-network.min.js"))
    if not libs:
        raise VizError("pyvis has no bundled vis-network")
    js = libs[-1].read_text(encoding="utf-8")
    css = libs[-1].with_name("vis-network.css").read_text(encoding="utf-8")
    if re.search(r"</script", js, re.IGNORECASE) or re.search(r"</style", css, re.IGNORECASE):
        raise VizError("the bundled vis-network cannot be inlined safely")
    return js, css


def _json_for_script(obj: Any) -> str:
    """JSON that can sit inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left."""
    s = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _options(g: VizGraph) -> dict[str, Any]:
    physics = len(g.nodes) <= PHYSICS_LIMIT
    return {
        "autoResize": True,
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": len(g.edges) > 2000,
                        "navigationButtons": False, "keyboard": False},
        "layout": {"randomSeed": 7, "improvedLayout": False},
        "nodes": {"font": {"size": 13, "face": "DejaVu Sans, Arial, sans-serif", "strokeWidth": 3,
                           "strokeColor": "#ffffff"},
                  "borderWidth": 1.5},
        "edges": {"smooth": False, "selectionWidth": 2, "hoverWidth": 1.5},
        "physics": {"enabled": physics, "solver": "barnesHut",
                    "barnesHut": {"gravitationalConstant": -6000, "springLength": 110, "springConstant": 0.02,
                                  "avoidOverlap": 0.3, "damping": 0.5},
                    "stabilization": {"enabled": physics, "iterations": 150, "updateInterval": 50, "fit": True}},
    }


def render_graph(g: VizGraph) -> str:
    """The self-contained HTML page of a :class:`VizGraph` (built through a pyvis ``Network``)."""
    import jinja2
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=False, cdn_resources="local", heading=g.title)
    # pyvis's add_node/add_edge rescan every edge on each insert; its lists are filled directly
    net.nodes = [_vis_node(n) for n in g.nodes]
    net.edges = [_vis_edge(i, e) for i, e in enumerate(g.edges)]
    net.options = _options(g)
    nodes, edges, heading, _h, _w, options = net.get_network_data()
    js, css = vis_library()
    kinds_used = [k for k in KINDS if any(n["kind"] == k for n in nodes)]
    ties_used = [t for t in TIES if any(e["tie"] == t for e in edges)]
    payload = {
        "title": heading, "view": g.view, "asOf": g.as_of, "sizedBy": g.sized_by, "notes": g.notes,
        "nodes": nodes, "edges": edges, "options": json.loads(options), "clusters": g.clusters,
        "kinds": [{"name": k, **KINDS[k]} for k in kinds_used],
        "ties": [{"name": t, **TIES[t]} for t in ties_used], "scoreLegend": g.score_legend,
    }
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string((Path(__file__).with_name("viz_template.html")).read_text(encoding="utf-8"))
    return template.render(title=g.title, vis_js=jinja2.utils.markupsafe.Markup(js),
                           vis_css=jinja2.utils.markupsafe.Markup(css),
                           data=jinja2.utils.markupsafe.Markup(_json_for_script(payload)))


def _vis_node(n: dict[str, Any]) -> dict[str, Any]:
    k = KINDS[n["kind"]]
    out = {"id": n["id"], "label": n["label"], "full": n["full"], "kind": n["kind"], "key": n.get("key", ""),
           "tip": n["tip"], "shape": k["shape"], "size": n["size"], "x": n["x"], "y": n["y"],
           "color": n.get("color") or k["color"], "centrality": n.get("centrality", 0)}
    if "cluster" in n:
        out["cluster"] = n["cluster"]
    if not n.get("rlp", True):
        out["outside"] = True
    if n.get("focus"):
        out["focus"] = True
    return out


def _vis_edge(i: int, e: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"e{i}", "from": e["from"], "to": e["to"], "tie": e["tie"], "tip": e["tip"]}


@gc_paused()
def render(kg: "KnowledgeGraph", view: str = "overview", target: str | None = None,
           as_of: str | None = None) -> str:
    """The HTML page of one view; see :func:`build_view` for views and targets."""
    return render_graph(build_view(kg, view, target, as_of))


def write_html(kg: "KnowledgeGraph", path: str | Path, view: str = "overview", target: str | None = None,
               as_of: str | None = None) -> Path:
    """Render a view and write it to ``path`` atomically (temporary file, then rename)."""
    page = render(kg, view, target, as_of)
    return write_page(page, path)


def write_page(page: str, path: str | Path) -> Path:
    """Write a page atomically (:func:`ikz_graph.atomic.write_files`): all or nothing."""
    from .atomic import write_files

    out = Path(path)
    return write_files(out.parent, {out.name: page.encode("utf-8")})[0]
