"""What the graph records about cooperation, and where it is thin: the coverage report.

:func:`coverage` reads the graph through SPARQL (the embedded store or a remote endpoint) and counts

* **cooperations** by kind, task field, level and Land: every organisation of a cooperation class with
  at least one unit as member (a shared institution also counts the competent authorities of the
  services it delivers), whether it is *voluntary* (not a planning region, not marked
  ``ikz:statutory``), how many units take part, and its start (founding, else its earliest dated
  membership or service);
* **units with no recorded cooperation**, per level and Land, with the names for one Land;
* **memberships without a start date**, and **facts with a single source** (memberships,
  cooperations, services, grants, agreements of the curated records).

The headline gives the counts the research targets are stated in: voluntary cooperations with two or
more units and a start date, and memberships with a start date.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from . import namespaces as ns
from .dates import parse_date
from .errors import InputError
from .levels import UNIT_TYPES, peer_level

__all__ = ["KINDS", "LEVELS", "Coverage", "Cooperation", "coverage"]


class SparqlSource(Protocol):
    def query(self, sparql: str) -> Any: ...


#: The classes of cooperation, in display order: class local name -> (kind shown, voluntary).
KINDS: dict[str, tuple[str, bool]] = {
    "ModelProject": ("model project", True),
    "CooperationNetwork": ("cooperation network (Kooperationsverbund)", True),
    "SharedInstitution": ("shared institution", True),
    "Zweckverband": ("Zweckverband", True),
    "Association": ("association (e.V.)", True),
    "Company": ("company", True),
    "Organization": ("other body", True),
    "PlanningCommunity": ("planning community (statutory)", False),
    "RegionalAssociation": ("regional association (statutory)", False),
}
#: The levels of the units that take part, in display order (:func:`ikz_graph.levels.peer_level`).
LEVELS = ("kreis", "gemeindeverband", "gemeinde")
_LEVEL_LABELS = {"kreis": "Kreis and kreisfreie Stadt", "gemeindeverband": "Verbandsgemeinde and verbandsfreie Gemeinde",
                 "gemeinde": "Ortsgemeinde"}

def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


_CLASS_IRIS = {name: (ns.ORG if name == "Organization" else ns.IKZ) + name for name in KINDS}
_UNIT_CLASSES = sorted({t.cls for t in UNIT_TYPES.values() if peer_level(_local(t.cls)) in LEVELS})
_IN = lambda iris: ", ".join(f"<{i}>" for i in iris)  # noqa: E731

_Q_ORGS = f"""
SELECT ?o ?class ?id ?label ?founded ?statutory (COUNT(DISTINCT ?src) AS ?sources) WHERE {{
  ?o a ?class . FILTER(?class IN ({_IN(_CLASS_IRIS.values())}))
  ?o dct:identifier ?id .
  OPTIONAL {{ ?o rdfs:label ?label }}
  OPTIONAL {{ ?o schema:foundingDate ?founded }}
  OPTIONAL {{ ?o ikz:statutory ?statutory }}
  OPTIONAL {{ ?o dct:source ?src }}
}} GROUP BY ?o ?class ?id ?label ?founded ?statutory"""
_START = "(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear)"
_Q_MEMBERS = f"""
SELECT ?m ?o ?u ?class ?role ?start ?end (COUNT(DISTINCT ?src) AS ?sources) WHERE {{
  ?m a org:Membership ; org:member ?u ; org:organization ?o .
  ?u a ?class . FILTER(?class IN ({_IN(_UNIT_CLASSES)}))
  OPTIONAL {{ ?m org:role ?role }}
  OPTIONAL {{ ?m org:memberDuring/time:hasBeginning/{_START} ?start }}
  OPTIONAL {{ ?m org:memberDuring/time:hasEnd/{_START} ?end }}
  OPTIONAL {{ ?m dct:source ?src }}
}} GROUP BY ?m ?o ?u ?class ?role ?start ?end"""
_Q_SERVICES = f"""
SELECT ?s ?id ?label ?u ?class ?institution ?developed ?start (COUNT(DISTINCT ?src) AS ?sources) WHERE {{
  ?s a cpsv:PublicService ; dct:identifier ?id .
  {{ ?s cv:hasCompetentAuthority ?u }} UNION {{ ?s schema:serviceOperator ?u }}
  ?u a ?class . FILTER(?class IN ({_IN(_UNIT_CLASSES)}))
  OPTIONAL {{ ?s rdfs:label ?label }}
  OPTIONAL {{ ?s ikz:deliveredThrough ?institution }}
  OPTIONAL {{ ?s ikz:developedIn ?developed }}
  OPTIONAL {{ ?s dct:temporal/time:hasBeginning/{_START} ?start }}
  OPTIONAL {{ ?s dct:source ?src }}
}} GROUP BY ?s ?id ?label ?u ?class ?institution ?developed ?start"""
_Q_TASK_FIELDS = """
SELECT ?x ?tf ?label WHERE {
  ?x ikz:taskField ?tf . FILTER NOT EXISTS { ?x a ikz:Statement }
  OPTIONAL { ?tf skos:prefLabel ?label . FILTER(LANG(?label) = "en") }
}"""
_Q_SERVICES_FIELDS = """
SELECT ?inst ?tf WHERE { ?s a cpsv:PublicService ; ikz:deliveredThrough ?inst ; ikz:taskField ?tf }"""
_Q_UNITS = f"""
SELECT ?u ?class ?key ?label ?state WHERE {{
  ?u a ?class . FILTER(?class IN ({_IN(_UNIT_CLASSES)}))
  ?u ikz:officialKey ?key ; rdfs:label ?label .
  OPTIONAL {{ ?u ikz:inState ?state }}
}}"""
_Q_STATES = """SELECT ?s ?key ?label WHERE { ?s a ikz:State ; ikz:landKey ?key . OPTIONAL { ?s rdfs:label ?label } }"""
_Q_OTHER_FACTS = """
SELECT ?x ?class ?id (COUNT(DISTINCT ?src) AS ?sources) WHERE {
  VALUES ?class { ikz:Grant ikz:CooperationAgreement }
  ?x a ?class ; dct:identifier ?id .
  OPTIONAL { ?x dct:source ?src }
} GROUP BY ?x ?class ?id"""


@dataclass
class Cooperation:
    """One cooperation: an organisation of a class of :data:`KINDS` with units taking part."""

    iri: str
    id: str
    label: str
    kind: str
    voluntary: bool
    founded: str | None
    sources: int
    members: dict[str, str | None] = field(default_factory=dict)  # unit IRI -> start as recorded
    task_fields: set[str] = field(default_factory=set)

    @property
    def start(self) -> str | None:
        """Its founding, else the earliest start of a member (by the order of :class:`ikz_graph.dates.Date`)."""
        if self.founded:
            return self.founded
        return _earliest(self.members.values())


@dataclass
class Coverage:
    cooperations: list[Cooperation]
    memberships: list[dict[str, Any]]          # unit memberships: org, unit, role, start, end, sources
    units: dict[str, dict[str, Any]]           # unit IRI -> key, label, level, state (Länderschlüssel)
    states: dict[str, str]                     # Länderschlüssel -> label
    single_source: list[dict[str, str]]        # kind, id, label of the facts with one source
    field_labels: dict[str, str]
    state: str                                 # the Land whose units without cooperation are named

    def taking_part(self) -> set[str]:
        return {u for c in self.cooperations for u in c.members}

    def headline(self) -> dict[str, int]:
        vol = [c for c in self.cooperations if c.voluntary]
        counted = [c for c in vol if len(c.members) >= 2 and c.start]
        coop_of = {c.iri: c for c in self.cooperations}
        dated = [m for m in self.memberships if m["start"] and m["org"] in coop_of and coop_of[m["org"]].voluntary]
        return {
            "cooperations": len(self.cooperations),
            "voluntary cooperations": len(vol),
            "voluntary, 2+ units and a start date": len(counted),
            "unit memberships": len(self.memberships),
            "memberships with a start date (voluntary)": len(dated),
            "memberships without a start date": sum(1 for m in self.memberships if not m["start"]),
            "facts with a single source": len(self.single_source),
        }

    def by_kind(self) -> list[dict[str, Any]]:
        rows = []
        for kind, voluntary in KINDS.values():
            cs = [c for c in self.cooperations if c.kind == kind]
            if cs:
                rows.append({"kind": kind, "cooperations": len(cs),
                             "2+ units": sum(1 for c in cs if len(c.members) >= 2),
                             "with start": sum(1 for c in cs if c.start),
                             "units taking part": len({u for c in cs for u in c.members}),
                             "memberships": sum(len(c.members) for c in cs),
                             "voluntary": voluntary})
        return rows

    def by_task_field(self) -> list[dict[str, Any]]:
        count: dict[str, list[Cooperation]] = {}
        for c in self.cooperations:
            for tf in c.task_fields or {""}:
                count.setdefault(tf, []).append(c)
        rows = [{"task field": self.field_labels.get(tf, ns.compact(tf)) if tf else "(none recorded)",
                 "cooperations": len(cs), "voluntary": sum(1 for c in cs if c.voluntary)}
                for tf, cs in count.items()]
        return sorted(rows, key=lambda r: (r["task field"] == "(none recorded)", -r["cooperations"], r["task field"]))

    def by_level(self) -> list[dict[str, Any]]:
        count: dict[str, list[Cooperation]] = {}
        for c in self.cooperations:
            levels = sorted({self.units[u]["level"] for u in c.members}, key=LEVELS.index)
            count.setdefault(" + ".join(levels), []).append(c)
        order = lambda k: [LEVELS.index(x) for x in k.split(" + ")]  # noqa: E731
        return [{"levels of the units taking part": k, "cooperations": len(cs),
                 "voluntary": sum(1 for c in cs if c.voluntary)} for k, cs in sorted(count.items(), key=lambda kv: order(kv[0]))]

    def by_state(self) -> list[dict[str, Any]]:
        rows = []
        taking = self.taking_part()
        for key in sorted(self.states):
            here = [u for u, d in self.units.items() if d["state"] == key]
            cs = [c for c in self.cooperations if any(self.units[u]["state"] == key for u in c.members)]
            if not cs and not here:
                continue
            row = {"Land": self.states[key], "cooperations": len(cs), "voluntary": sum(1 for c in cs if c.voluntary)}
            for level in LEVELS:
                units = [u for u in here if self.units[u]["level"] == level]
                row[f"{level}: units"] = len(units)
                row[f"{level}: without"] = sum(1 for u in units if u not in taking)
            rows.append(row)
        return rows

    def without_cooperation(self) -> list[dict[str, str]]:
        """The units of :attr:`state` that take part in no recorded cooperation, by level and key."""
        taking = self.taking_part()
        rows = [{"level": d["level"], "key": d["key"], "unit": d["label"]} for u, d in self.units.items()
                if d["state"] == self.state and u not in taking]
        return sorted(rows, key=lambda r: (LEVELS.index(r["level"]), r["key"]))

    def undated(self) -> list[dict[str, str]]:
        coop = {c.iri: c for c in self.cooperations}
        rows = [{"cooperation": coop[m["org"]].label if m["org"] in coop else ns.compact(m["org"]),
                 "key": self.units[m["unit"]]["key"], "unit": self.units[m["unit"]]["label"]}
                for m in self.memberships if not m["start"]]
        return sorted(rows, key=lambda r: (r["cooperation"], r["key"]))

    def cooperation_rows(self) -> list[dict[str, Any]]:
        return [{"id": c.id, "cooperation": c.label, "kind": c.kind, "voluntary": c.voluntary,
                 "units": len(c.members), "start": c.start or "", "sources": c.sources,
                 "levels": " + ".join(sorted({self.units[u]["level"] for u in c.members}, key=LEVELS.index)),
                 "task fields": ", ".join(sorted(self.field_labels.get(t, ns.compact(t)) for t in c.task_fields))}
                for c in sorted(self.cooperations, key=lambda c: c.id)]

    def to_json(self) -> dict[str, Any]:
        return {"headline": self.headline(), "by_kind": self.by_kind(), "by_task_field": self.by_task_field(),
                "by_level": self.by_level(), "by_state": self.by_state(), "cooperations": self.cooperation_rows(),
                "without_cooperation": {"state": self.state, "units": self.without_cooperation()},
                "memberships_without_start": self.undated(), "single_source": self.single_source}


def _earliest(values) -> str | None:
    """The earliest of dates written as the records write them (``2021``, ``2021-07``, ``2021-07-01``)."""
    dated = [v for v in values if v]
    return str(min(parse_date(v) for v in dated)) if dated else None


def _str(v: Any) -> str | None:
    return None if v is None else str(v)


def _read_cooperations(source: SparqlSource, units: dict[str, dict]) -> tuple[list[Cooperation], list[dict]]:
    coops: dict[str, Cooperation] = {}
    for r in source.query(_Q_ORGS).rows:
        iri = str(r["o"])
        kind, voluntary = KINDS[_local(str(r["class"]))]
        if r["statutory"] is not None and str(r["statutory"]).lower() == "true":
            voluntary = False
        coops[iri] = Cooperation(iri, str(r["id"]), _str(r["label"]) or str(r["id"]), kind, voluntary,
                                 _str(r["founded"]), int(str(r["sources"])))
    memberships = []
    for r in source.query(_Q_MEMBERS).rows:
        org, unit = str(r["o"]), str(r["u"])
        if unit not in units:
            continue
        m = {"org": org, "unit": unit, "role": ns.compact(str(r["role"])) if r["role"] is not None else "",
             "start": _str(r["start"]), "end": _str(r["end"]), "sources": int(str(r["sources"]))}
        memberships.append(m)
        if org in coops:
            c = coops[org]
            c.members[unit] = _earliest((c.members.get(unit), m["start"]))
    return list(coops.values()), memberships


def _add_services(source: SparqlSource, coops: list[Cooperation], units: dict[str, dict],
                  single: list[dict[str, str]]) -> None:
    """A service brings its competent authorities and operator into the cooperation it belongs to: the
    shared institution that delivers it, else the cooperation it was developed in; a service with
    neither is a cooperation of its own."""
    by_iri = {c.iri: c for c in coops}
    seen: set[str] = set()
    for r in source.query(_Q_SERVICES).rows:
        unit = str(r["u"])
        if unit not in units:
            continue
        s, inst = str(r["s"]), _str(r["institution"]) or _str(r["developed"])
        start = _str(r["start"])
        if s not in seen:
            seen.add(s)
            if int(str(r["sources"])) == 1:
                single.append({"kind": "service", "id": str(r["id"]), "label": _str(r["label"]) or str(r["id"])})
        target = by_iri.get(inst) if inst else None
        if target is None:
            target = by_iri.get(s)
            if target is None:
                target = by_iri[s] = Cooperation(s, str(r["id"]), _str(r["label"]) or str(r["id"]), "shared service",
                                                 True, start, int(str(r["sources"])))
                coops.append(target)
        if unit not in target.members or target.members[unit] is None:
            target.members[unit] = target.members.get(unit) or start


def coverage(source: SparqlSource, state: str = "07") -> Coverage:
    """The coverage report of the graph behind ``source``; ``state``: the Land (Länderschlüssel) whose
    units without a recorded cooperation are named."""
    states = {str(r["s"]): (str(r["key"]), _str(r["label"]) or str(r["key"])) for r in source.query(_Q_STATES).rows}
    if state not in {k for k, _ in states.values()}:
        raise InputError(f"unknown Land {state!r} (a Länderschlüssel of the graph: "
                         f"{', '.join(sorted(k for k, _ in states.values()))})")
    units = {}
    for r in source.query(_Q_UNITS).rows:
        level = peer_level(_local(str(r["class"])))
        st = states.get(str(r["state"])) if r["state"] is not None else None
        units[str(r["u"])] = {"key": str(r["key"]), "label": str(r["label"]), "level": level,
                              "state": st[0] if st else str(r["key"])[:2]}
    coops, memberships = _read_cooperations(source, units)
    single = [{"kind": "membership", "id": f"{units[m['unit']]['key']} in {ns.compact(m['org'])}",
               "label": units[m["unit"]]["label"]} for m in memberships if m["sources"] == 1]
    single += [{"kind": "cooperation", "id": c.id, "label": c.label} for c in coops if c.sources == 1]
    for r in source.query(_Q_OTHER_FACTS).rows:
        if int(str(r["sources"])) == 1:
            single.append({"kind": _local(str(r["class"])).lower(), "id": str(r["id"]), "label": str(r["id"])})
    _add_services(source, coops, units, single)
    field_labels: dict[str, str] = {}
    by_iri = {c.iri: c for c in coops}
    for r in source.query(_Q_TASK_FIELDS).rows:
        field_labels[str(r["tf"])] = _str(r["label"]) or ns.compact(str(r["tf"]))
        if str(r["x"]) in by_iri:
            by_iri[str(r["x"])].task_fields.add(str(r["tf"]))
    for r in source.query(_Q_SERVICES_FIELDS).rows:   # an institution works in the fields of its services
        if str(r["inst"]) in by_iri:
            by_iri[str(r["inst"])].task_fields.add(str(r["tf"]))
    coops = [c for c in coops if c.members]
    coops.sort(key=lambda c: c.id)
    single.sort(key=lambda r: (r["kind"], r["id"]))
    return Coverage(coops, memberships, units, {k: label for k, label in states.values()}, single, field_labels, state)



#: The sections of the report, in order: title and the method giving its rows.
SECTIONS = (
    ("Cooperations by kind", "by_kind"),
    ("Cooperations by the levels of the units taking part", "by_level"),
    ("Cooperations by task field (a cooperation counts once in each of its fields)", "by_task_field"),
    ("Cooperations and units without a recorded cooperation, by Land", "by_state"),
)


def render(cv: Coverage, fmt: str = "text", limit: int = 20) -> str:
    """The report as ``text`` (aligned tables, long lists cut after ``limit`` rows), ``markdown`` (the
    same tables, for a README or a report) or ``json`` (everything, lists in full)."""
    import json

    from .tables import markdown_table, text_table

    if fmt == "json":
        return json.dumps(cv.to_json(), ensure_ascii=False, indent=1) + "\n"
    table = markdown_table if fmt == "markdown" else text_table
    head = "## " if fmt == "markdown" else ""
    out = [f"{head}Coverage of the recorded cooperation\n"]
    out.append(table([{"measure": k, "count": v} for k, v in cv.headline().items()]))
    lists = (("Units without a recorded cooperation in Land " + cv.state, cv.without_cooperation()),
             ("Memberships without a start date", cv.undated()),
             ("Facts with a single source", cv.single_source))
    for title, method in SECTIONS:
        out.append(f"\n{head}{title}\n")
        out.append(table(getattr(cv, method)()))
    for title, rows in lists:
        out.append(f"\n{head}{title}: {len(rows)}\n")
        shown = rows if fmt == "markdown" else rows[:limit]
        out.append(table(shown) if rows else "(none)\n")
        if len(shown) < len(rows):
            out.append(f"… and {len(rows) - len(shown)} more (all of them: --format json)\n")
    return "".join(out)
