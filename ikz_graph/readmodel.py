"""The read model: the cooperation network as the analysis, the transfer ranking, the evaluation and
the views read it, in one place.

:func:`read` reads, through a handful of SPARQL queries, what every consumer needs: the units with
their keys and figures, the organisations and their classes, who is a member of what, when and in
which role, the shared services with their competent authorities and operators, the borders, and the
task fields. :func:`read_display` adds what only the views show (every drawn entity with its facts
and sources, memberships of organisations in organisations, and the typed links between entities).
Both work on the embedded store and on anything else with a ``query(sparql)`` method that returns
rows (a remote endpoint: :class:`ikz_graph.remote.RemoteEndpoint`).

On the embedded store both results are kept by the graph (``KnowledgeGraph.cached``) and reused
until the graph changes (``kg.add``), so ``analyze``, ``transfer`` and ``viz`` on one graph read once.

What a tie is, decided here: a *membership* (of a unit or organisation in an organisation, with a
role and dates), a *service role* (a unit is competent authority or operator of a shared service),
a *border* (``geo:sfTouches``), or a *link* of one of the :data:`RELATIONS` between two entities.
The network's tie types (project, body, planning, service, contiguity) are derived from these in
:mod:`ikz_graph.network` with the configured classes; the views style them in :mod:`ikz_graph.viz`.

>>> import ikz_graph
>>> m = read(ikz_graph.load())
>>> m.units[ns.ID + "unit/07233"].label, len(m.units) > 50
('Vulkaneifel', True)
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol, TypeVar

from . import namespaces as ns
from .dates import parse_day
from .levels import KEYED_UNIT_CLASSES, OFFICIAL_KEY, UNIT_TYPES

__all__ = ["read", "read_display", "SparqlSource", "ReadModel", "Unit", "Membership", "ServiceRole", "Display",
           "Entity", "MemberTie", "Link", "RELATIONS", "ENTITY_CLASSES", "UNIT_CLASSES", "unit"]

T = TypeVar("T")


class SparqlSource(Protocol):
    def query(self, sparql: str) -> Any: ...


def unit(key: str) -> str:
    """The IRI of the unit with official key ``key`` (Kreisschlüssel, Gemeindeschlüssel …)."""
    return ns.DATA_PREFIXES["unit"] + key


#: The classes of the units the cooperation network is made of.
UNIT_CLASSES = " ".join(f"<{c}>" for c in KEYED_UNIT_CLASSES)

#: Which units the network holds: those a curated record describes (the units whose cooperation the
#: project has researched, with their neighbours) and every unit with a recorded membership or service
#: role. The base layer's other units (every Gemeinde of Germany …) stay out of the analysis and the
#: views until a cooperation names them. Read once, then written into the queries as ``VALUES``
#: (``__SCOPE_u__`` marks where), which every SPARQL engine evaluates fast; a graph without the base
#: layer needs no such restriction.
_Q_SCOPE = """SELECT DISTINCT ?u WHERE { { ?u ikz:curatedRecord true } UNION { ?_m org:member ?u }
  UNION { ?_s cv:hasCompetentAuthority ?u } UNION { ?_s schema:serviceOperator ?u } }"""
_Q_HAS_BASE = "SELECT ?u WHERE { ?u ikz:officialName ?n } LIMIT 1"
_SCOPE = re.compile(r"__SCOPE_(\w+)__")


def network_scope(source: SparqlSource) -> str:
    """The restriction of the queries to the network's units: a ``VALUES ?u { … }`` clause, or "" when
    the graph has no base layer (every unit then belongs to the network)."""
    if not _rows(source, _Q_HAS_BASE):
        return ""
    return "VALUES ?u { " + " ".join(f"<{r['u']}>" for r in sorted(_rows(source, _Q_SCOPE), key=lambda r: r["u"])) + " }"


def _scoped(text: str, scope: str) -> str:
    return _SCOPE.sub(lambda m: scope.replace("?u", "?" + m.group(1)), text)


#: Classes of the entities the views draw and the kind each is drawn as (first match wins).
ENTITY_CLASSES: tuple[tuple[str, str], ...] = tuple(
    [(t.cls, t.kind) for t in dict((t.cls, t) for t in UNIT_TYPES.values()).values()] + [
        (ns.IKZ + "ModelProject", "model project"),
        (ns.IKZ + "ProjectPhase", "phase"),
        (ns.IKZ + "CooperationNetwork", "cooperation network"),
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
    ])

#: The links between entities and the property each is read from (subject -> object), in display order.
RELATIONS: dict[str, str] = {
    "contiguity": ns.GEO + "sfTouches",
    "competent authority": ns.CV + "hasCompetentAuthority",
    "operator": ns.SCHEMA + "serviceOperator",
    "delivered through": ns.IKZ + "deliveredThrough",
    "developed in": ns.IKZ + "developedIn",
    "unit of": ns.ORG + "unitOf",
    "accompanies": ns.IKZ + "accompanies",
    "phase of": ns.DCT + "isPartOf",          # of an ikz:ProjectPhase only
    "funder": ns.SCHEMA + "funder",
    "recipient": ns.IKZ + "recipient",
    "funds": ns.IKZ + "fundedProject",
}


# --------------------------------------------------------------------------- the core

@dataclass(frozen=True)
class Unit:
    iri: str
    key: str
    label: str
    kind: str                 # class local name: "Landkreis", "KreisfreieStadt" or "Gemeinde"
    state: str | None
    population: float | None  # latest figure (mean where one date has several)
    area: float | None        # km²; mean of the figures where sources differ

    @property
    def density(self) -> float | None:
        if self.population and self.area:
            return self.population / self.area
        return None

    @property
    def missing(self) -> tuple[str, ...]:
        """The figures the graph does not give for the unit, of ``population`` and ``area``."""
        return tuple(name for name, v in (("population", self.population), ("area", self.area)) if v is None)

    @property
    def described(self) -> bool:
        """True if the graph gives population and area, so that every factor can be computed."""
        return not self.missing


@dataclass(frozen=True)
class Membership:
    unit: str
    org: str
    role: str | None
    start: dt.date | None     # earliest day the start can mean
    end: dt.date | None       # latest day the end can mean


@dataclass(frozen=True)
class ServiceRole:
    service: str
    unit: str
    role: str                 # "competent-authority" or "operator"
    start: dt.date | None     # as a source dates it: the service's own start, else its institution's founding
    not_before: dt.date | None = None  # without a sourced start: the first start in the project that developed it


@dataclass
class ReadModel:
    """Everything the analysis reads from the graph, as plain Python values."""

    units: dict[str, Unit]
    memberships: list[Membership]
    services: list[ServiceRole]
    touches: set[frozenset]
    org_classes: dict[str, set[str]]
    founded: dict[str, dt.date]
    labels: dict[str, str]
    task_fields: dict[str, set[str]]
    related: dict[str, set[str]] = field(default_factory=dict)  # institution -> its services
    ids: dict[str, str] = field(default_factory=dict)            # organisation, service -> dct:identifier
    developed_in: dict[str, str] = field(default_factory=dict)   # service or institution -> its project
    field_labels: dict[str, str] = field(default_factory=dict)   # task field -> its English label

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or ns.compact(iri)

    def names(self) -> list:
        """The ids and labels of the entities read, for :class:`ikz_graph.resolve.TableNames`."""
        from .resolve import ID, NAME, Name

        out = [Name(iri, i, ID) for iri, i in sorted(self.ids.items())]
        out += [Name(u.iri, u.key, ID) for u in self.units.values()]
        out += [Name(iri, label, NAME) for iri, label in sorted(self.labels.items())]
        return out

    def digest(self) -> str:
        """A hash of the content, to identify the input of an analysis run."""
        payload = json.dumps({
            "units": sorted([u.iri, u.key, u.label, u.kind, u.state, u.population, u.area] for u in self.units.values()),
            "memberships": sorted([m.unit, m.org, m.role or "", str(m.start), str(m.end)] for m in self.memberships),
            "services": sorted([s.service, s.unit, s.role, str(s.start), str(s.not_before)] for s in self.services),
            "touches": sorted(sorted(t) for t in self.touches),
            "classes": sorted([k, sorted(v)] for k, v in self.org_classes.items()),
            "founded": sorted([k, str(v)] for k, v in self.founded.items()),
            "task_fields": sorted([k, sorted(v)] for k, v in self.task_fields.items()),
        }, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def made_by(self, org: str) -> set[str]:
        """What ``org`` created: the services and institutions developed in it (and the services
        those institutions deliver)."""
        made = {x for x, o in self.developed_in.items() if o == org}
        for inst in list(made):
            made |= self.related.get(inst, set())
        return made

    def without(self, unit_iri: str, org: str) -> "ReadModel":
        """A copy in which ``unit_iri`` never took part in ``org``: its memberships there and its roles in
        everything ``org`` created (services, institutions and its memberships in them) are gone (for
        leave-one-out tests)."""
        made = self.made_by(org)
        return replace(self, memberships=[m for m in self.memberships
                                          if not (m.unit == unit_iri and (m.org == org or m.org in made))],
                       services=[s for s in self.services if not (s.unit == unit_iri and s.service in made)])


_Q_UNITS = f"""
SELECT ?u ?key ?label ?class ?state WHERE {{
  __SCOPE_u__
  ?u a ?class ; <{OFFICIAL_KEY}> ?key ; rdfs:label ?label .
  FILTER(?class IN ({UNIT_CLASSES.replace("> <", ">, <")}))
  OPTIONAL {{ ?u ikz:inState ?state }}
}}"""
#: The class test comes before the union: after it, the engine joined every figure to every unit and
#: the query grew with the square of the units (2.0 s at 100k triples, most of the 410 s of analyze
#: at a million; 0.019 s this way, and as fast as before with the national scope; same rows). A
#: ``VALUES ?class`` instead is fast without a scope but 60 times slower with one.
_Q_FIGURES = f"""
SELECT ?u ?kind ?value ?date WHERE {{
  __SCOPE_u__
  ?u a ?class . FILTER(?class IN ({UNIT_CLASSES.replace("> <", ">, <")}))
  {{ ?u ikz:population ?f BIND("population" AS ?kind) }} UNION {{ ?u ikz:area ?f BIND("area" AS ?kind) }}
  ?f schema:value ?value .
  OPTIONAL {{ ?f schema:observationDate ?date }}
}}"""
_Q_TOUCHES = f"""
SELECT ?a ?b WHERE {{
  __SCOPE_a__
  __SCOPE_b__
  ?a geo:sfTouches ?b . ?a a ?ca . ?b a ?cb .
  FILTER(?ca IN ({UNIT_CLASSES.replace("> <", ">, <")}) && ?cb IN ({UNIT_CLASSES.replace("> <", ">, <")}))
}}"""
_Q_MEMBERSHIPS = f"""
SELECT ?m ?u ?o ?role ?start ?end WHERE {{
  VALUES ?class {{ {UNIT_CLASSES} }}
  ?m a org:Membership ; org:member ?u ; org:organization ?o .
  ?u a ?class .
  OPTIONAL {{ ?m org:role ?role }}
  OPTIONAL {{ ?m org:memberDuring/time:hasBeginning/ikz:earliestDate ?start }}
  OPTIONAL {{ ?m org:memberDuring/time:hasEnd/ikz:latestDate ?end }}
}}"""
_Q_ORGS = """
SELECT ?o ?class ?label ?founded ?id WHERE {
  ?m a org:Membership ; org:organization ?o .
  ?o a ?class .
  OPTIONAL { ?o rdfs:label ?label }
  OPTIONAL { ?o schema:foundingDate ?founded }
  OPTIONAL { ?o dct:identifier ?id }
}"""
_Q_SERVICES = """
SELECT ?s ?label ?u ?role ?start ?institution ?developedIn ?id WHERE {
  ?s a cpsv:PublicService .
  OPTIONAL { ?s rdfs:label ?label }
  { ?s cv:hasCompetentAuthority ?u . BIND("competent-authority" AS ?role) }
  UNION { ?s schema:serviceOperator ?u . BIND("operator" AS ?role) }
  OPTIONAL { ?s dct:temporal/time:hasBeginning/ikz:earliestDate ?start }
  OPTIONAL { ?s ikz:deliveredThrough ?institution }
  OPTIONAL { ?s ikz:developedIn ?developedIn }
  OPTIONAL { ?s dct:identifier ?id }
}"""
_Q_INSTITUTIONS = """
SELECT ?i ?label ?founded ?id ?developedIn WHERE {
  ?i a ikz:SharedInstitution .
  OPTIONAL { ?i rdfs:label ?label }
  OPTIONAL { ?i schema:foundingDate ?founded }
  OPTIONAL { ?i dct:identifier ?id }
  OPTIONAL { ?i ikz:developedIn ?developedIn }
}"""
_Q_TASK_FIELDS = """
SELECT ?x ?tf ?label WHERE {
  ?x ikz:taskField ?tf . FILTER NOT EXISTS { ?x a ikz:Statement }
  OPTIONAL { ?tf skos:prefLabel ?label . FILTER(LANG(?label) = "en") }
}"""


def _rows(source: SparqlSource, text: str) -> list[dict[str, Any]]:
    # Both the embedded store and ikz_graph.remote.RemoteEndpoint declare the project's prefixes.
    return list(source.query(text).rows)


def _cached(source: Any, key: str, make: Callable[[Any], T]) -> T:
    """``make(source)``, kept by the source when it keeps derived data (the embedded graph)."""
    keep = getattr(source, "cached", None)
    return keep(key, make) if keep is not None else make(source)


def read(source: SparqlSource) -> ReadModel:
    """Read units, memberships, services, borders, classes and task fields through SPARQL."""
    return _cached(source, "read-model", _read)


def _read(source: SparqlSource) -> ReadModel:
    from .progress import stage

    with stage("Reading the cooperation network through SPARQL"):
        scope = network_scope(source)
        units, labels = _read_units(source, scope)
        touches = {frozenset((r["a"], r["b"])) for r in _rows(source, _scoped(_Q_TOUCHES, scope)) if r["a"] != r["b"]}
        memberships = sorted({Membership(r["u"], r["o"], r.get("role"), parse_day(r.get("start")),
                                         parse_day(r.get("end"), end=True))
                              for r in _rows(source, _Q_MEMBERSHIPS)},
                             key=lambda m: (m.org, m.unit, m.role or "", str(m.start), str(m.end)))
        model = ReadModel(units, memberships, [], touches, {}, {}, labels, {})
        _read_orgs(source, model)
        _read_services(source, model)
        for r in _rows(source, _Q_TASK_FIELDS):
            model.task_fields.setdefault(r["x"], set()).add(r["tf"])
            if r.get("label"):
                model.field_labels[r["tf"]] = str(r["label"])
    return model


def _read_units(source: SparqlSource, scope: str) -> tuple[dict[str, Unit], dict[str, str]]:
    figures: dict[tuple[str, str], dict[str, list[float]]] = {}
    for r in _rows(source, _scoped(_Q_FIGURES, scope)):
        figures.setdefault((r["u"], r["kind"]), {}).setdefault(str(r["date"] or ""), []).append(float(r["value"]))

    def figure(u: str, kind: str, latest: bool) -> float | None:
        by_date = figures.get((u, kind))
        if not by_date:
            return None
        values = by_date[max(by_date)] if latest else [v for vs in by_date.values() for v in vs]
        return sum(values) / len(values)

    units: dict[str, Unit] = {}
    labels: dict[str, str] = {}
    for r in _rows(source, _scoped(_Q_UNITS, scope)):
        iri = r["u"]
        units[iri] = Unit(iri, r["key"], r["label"], r["class"].rsplit("/", 1)[-1], r.get("state"),
                          figure(iri, "population", True), figure(iri, "area", False))
        labels[iri] = r["label"]
    return units, labels


def _read_orgs(source: SparqlSource, model: ReadModel) -> None:
    for r in _rows(source, _Q_ORGS):
        model.org_classes.setdefault(r["o"], set()).add(r["class"])
        if r.get("label"):
            model.labels[r["o"]] = r["label"]
        if r.get("founded"):
            model.founded[r["o"]] = parse_day(r["founded"])
        if r.get("id"):
            model.ids[r["o"]] = r["id"]


def _read_services(source: SparqlSource, model: ReadModel) -> None:
    """Service roles of units and the institutions that deliver the services.

    A service is dated as a source dates it: its own start, else the founding of its institution.
    Without either, the first start in the model project that developed it is the earliest day it
    can have started (``not_before``), which the permissive as-of rule uses and the strict one does not.
    """
    institution_rows = _rows(source, _Q_INSTITUTIONS)
    for r in institution_rows:
        if r.get("founded"):
            model.founded[r["i"]] = parse_day(r["founded"])

    def sourced(r: dict) -> dt.date | None:
        if r.get("start"):
            return parse_day(r["start"])
        return model.founded.get(r.get("institution"))

    def not_before(r: dict) -> dt.date | None:
        starts = [m.start for m in model.memberships if m.org == r.get("developedIn") and m.start is not None]
        return min(starts) if starts else None

    services: set[ServiceRole] = set()
    for r in _rows(source, _Q_SERVICES):
        if r.get("id"):
            model.ids[r["s"]] = r["id"]
        if r.get("developedIn"):
            model.developed_in[r["s"]] = r["developedIn"]
        if r["u"] not in model.units:
            continue
        start = sourced(r)
        services.add(ServiceRole(r["s"], r["u"], r["role"], start, None if start else not_before(r)))
        if r.get("label"):
            model.labels[r["s"]] = r["label"]
        if r.get("institution"):
            model.related.setdefault(r["institution"], set()).add(r["s"])
    for r in institution_rows:
        if r.get("label"):
            model.labels[r["i"]] = r["label"]
        if r.get("id"):
            model.ids[r["i"]] = r["id"]
        if r.get("developedIn"):
            model.developed_in[r["i"]] = r["developedIn"]
    model.services = sorted(services, key=lambda s: (s.service, s.unit, s.role))


# --------------------------------------------------------------------------- what the views add

@dataclass
class Entity:
    """An entity the views can draw, with the facts they show (raw values as the graph gives them)."""

    iri: str
    cls: str                  # the class that decided its kind
    kind: str                 # see ENTITY_CLASSES
    label: str | None
    name: str | None
    id: str | None
    key: str | None = None
    state: str | None = None  # label of its Land
    seat: str | None = None
    population: str | None = None
    population_date: str | None = None
    area: str | None = None
    founded: str | None = None
    start: str | None = None  # earliest day of its own period (dct:temporal)
    end: str | None = None
    date: str | None = None
    amount: str | None = None
    phase: str | None = None
    sites: int = 0
    description: str | None = None
    tasks: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)   # (title, URL or "")


@dataclass(frozen=True)
class MemberTie:
    """A membership of a unit or organisation (not a person) in an organisation."""

    iri: str
    member: str
    org: str
    role: str | None          # English label of the role
    start: str | None         # earliest day of the start (ISO)
    end: str | None           # latest day of the end (ISO)
    phases: tuple[str, ...]   # IRIs of the project phases it takes part in
    sources: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    relation: str             # a key of RELATIONS


@dataclass
class Display:
    entities: dict[str, Entity]
    memberships: list[MemberTie]
    links: list[Link]


_UNIT_CLASS_SET = set(KEYED_UNIT_CLASSES)
#: The entities the views draw (SPARQL, binding ``?e``): the network's units and every other entity.
DRAWN = ("{ __SCOPE_e__ ?e a ?class . VALUES ?class { %s } } UNION { ?e a ?class . VALUES ?class { %s } }" % (
    UNIT_CLASSES,
    " ".join(f"<{c}>" for c, _ in ENTITY_CLASSES if c not in _UNIT_CLASS_SET)))
_Q_ENTITIES = """
SELECT ?e ?class ?label ?name ?id WHERE {
  %s
  OPTIONAL { ?e rdfs:label ?label }
  OPTIONAL { ?e schema:name ?name }
  OPTIONAL { ?e dct:identifier ?id }
} ORDER BY ?e ?class ?label ?name ?id""" % DRAWN
_Q_UNIT_FACTS = f"""
SELECT ?e ?key ?seat ?state ?pop ?popDate ?area WHERE {{
  __SCOPE_e__
  ?e <{OFFICIAL_KEY}> ?key .
  OPTIONAL {{ ?e ikz:seat ?seat }}
  OPTIONAL {{ ?e ikz:inState/rdfs:label ?state }}
  OPTIONAL {{ ?e ikz:population ?p . ?p schema:value ?pop . OPTIONAL {{ ?p schema:observationDate ?popDate }} }}
  OPTIONAL {{ ?e ikz:area/schema:value ?area }}
}} ORDER BY ?e DESC(?popDate) ?pop ?area"""
_Q_FACTS = """
SELECT ?e ?founded ?seat ?description ?start ?end ?amount ?date ?phase ?sites WHERE {
  VALUES ?class { %s }
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
} ORDER BY ?e ?founded ?start ?end ?date ?amount ?description ?seat""" % " ".join(
    f"<{c}>" for c, _ in ENTITY_CLASSES if c not in _UNIT_CLASS_SET)
_Q_TASKS = """
SELECT DISTINCT ?e ?task WHERE {
  ?e ikz:taskField|cv:thematicArea ?c . ?c skos:prefLabel ?task . FILTER(LANG(?task) = "en")
} ORDER BY ?e ?task"""
_Q_SOURCES = """
SELECT DISTINCT ?e ?title ?url WHERE {
  { SELECT DISTINCT ?e WHERE { { %s } UNION { ?e a org:Membership } } }   # the drawn nodes first
  ?e dct:source ?s .
  OPTIONAL { ?s dct:title ?t0 } OPTIONAL { ?s rdfs:label ?t1 }
  BIND(COALESCE(?t0, ?t1, STR(?s)) AS ?title)
  OPTIONAL { ?s schema:url ?url }
} ORDER BY ?e ?title""" % DRAWN
_Q_MEMBER_TIES = """
SELECT ?m ?member ?org ?role ?start ?end WHERE {
  ?m a org:Membership ; org:member ?member ; org:organization ?org .
  FILTER NOT EXISTS { ?member a schema:Person }
  OPTIONAL { ?m org:role/skos:prefLabel ?role . FILTER(LANG(?role) = "en") }
  OPTIONAL { ?m org:memberDuring/time:hasBeginning/ikz:earliestDate ?start }
  OPTIONAL { ?m org:memberDuring/time:hasEnd/ikz:latestDate ?end }
} ORDER BY ?m"""
_Q_MEMBER_PHASES = "SELECT ?m ?phase WHERE { ?m a org:Membership ; ikz:inPhase ?phase } ORDER BY ?m ?phase"
# Borders only between units of the network (the base layer's other units are not drawn: tens of
# thousands of sfTouches pairs would be read for nothing).
_Q_LINKS = "SELECT ?a ?b ?link WHERE {\n  " + "\n  UNION ".join(
    f'{{ {"__SCOPE_a__ __SCOPE_b__ " if rel == "contiguity" else ""}?a <{p}> ?b .'
    f'{" ?a a ikz:ProjectPhase ." if rel == "phase of" else ""} BIND("{rel}" AS ?link) }}'
    for rel, p in RELATIONS.items()) + "\n} ORDER BY ?link ?a ?b"

_CLASS_RANK = {c: i for i, (c, _) in enumerate(ENTITY_CLASSES)}
_KIND_OF_CLASS = dict(ENTITY_CLASSES)


def read_display(source: SparqlSource) -> Display:
    """What the views draw: entities with their facts and sources, memberships and links."""
    return _cached(source, "display", _read_display)


def _terms(source: SparqlSource, text: str) -> list[dict[str, Any]]:
    return [{k: (None if v is None else v.value) for k, v in r.items()} for r in source.query(text).terms]


def _read_display(source: SparqlSource) -> Display:
    scope = network_scope(source)
    ents = _read_entities(source, scope)
    for r in _terms(source, _Q_TASKS):
        e = ents.get(r["e"])
        if e is not None:
            e.tasks.append(r["task"])
    other_sources: dict[str, list[tuple[str, str]]] = {}   # of nodes that are not drawn (memberships)
    for r in _terms(source, _scoped(_Q_SOURCES, scope)):
        src = (r["title"], r.get("url") or "")
        (ents[r["e"]].sources if r["e"] in ents else other_sources.setdefault(r["e"], [])).append(src)
    phases: dict[str, list[str]] = {}
    for r in _terms(source, _Q_MEMBER_PHASES):
        phases.setdefault(r["m"], []).append(r["phase"])
    ties = [MemberTie(r["m"], r["member"], r["org"], r.get("role"), r.get("start"), r.get("end"),
                      tuple(phases.get(r["m"], ())), tuple(other_sources.get(r["m"], ())))
            for r in _terms(source, _Q_MEMBER_TIES)]
    links = [Link(r["a"], r["b"], r["link"]) for r in _terms(source, _scoped(_Q_LINKS, scope))]
    return Display(ents, ties, links)


def _read_entities(source: SparqlSource, scope: str) -> dict[str, Entity]:
    ents: dict[str, Entity] = {}
    for r in _terms(source, _scoped(_Q_ENTITIES, scope)):
        iri, cls = r["e"], r["class"]
        if iri in ents and _CLASS_RANK[ents[iri].cls] <= _CLASS_RANK[cls]:
            continue
        ents[iri] = Entity(iri, cls, _KIND_OF_CLASS[cls], r.get("label"), r.get("name"), r.get("id"))
    seen: set[str] = set()
    for r in _terms(source, _scoped(_Q_UNIT_FACTS, scope)):  # the first row per unit: the latest population
        e = ents.get(r["e"])
        if e is None or e.iri in seen:
            continue
        seen.add(e.iri)
        e.key, e.seat, e.state, e.area = r["key"], r.get("seat"), r.get("state"), r.get("area")
        e.population, e.population_date = r.get("pop"), r.get("popDate")
    seen = set()
    for r in _terms(source, _Q_FACTS):
        e = ents.get(r["e"])
        if e is None or e.iri in seen:
            continue
        seen.add(e.iri)
        e.founded, e.start, e.end, e.date = r.get("founded"), r.get("start"), r.get("end"), r.get("date")
        e.amount, e.phase, e.seat = r.get("amount"), r.get("phase"), r.get("seat") or e.seat
        e.sites, e.description = int(r.get("sites") or 0), r.get("description")
    return ents
