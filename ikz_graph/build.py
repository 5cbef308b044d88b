"""Turn checked records into RDF triples (the ``data`` graph).

Modelling in short (see ``ontology/ikz.ttl``):

* a district or city is one node, typed ``ikz:Landkreis`` / ``ikz:KreisfreieStadt`` (both
  ``cv:PublicOrganisation`` and ``geo:Feature``), identified by its Kreisschlüssel;
* who belongs to what, when and in which role is an ``org:Membership`` with ``org:memberDuring``
  (an OWL-Time interval whose instants keep the precision of the source, plus
  ``ikz:earliestDate`` / ``ikz:latestDate`` bounds for date comparisons);
* every node built from a record carries ``dct:source`` links to its ``ikz:SourceDocument`` nodes;
  facts with sources of their own (figures, memberships, grants) are nodes of their own.
"""
from __future__ import annotations

from typing import Iterable

from pyoxigraph import NamedNode, Triple

from . import namespaces as ns
from .dates import Date
from .levels import OFFICIAL_KEY, STATE, UNIT_TYPES
from .schema import ORG_TYPES, Record, Records, slugify, unit_id
from .terms import date_literal, decimal_text, literal

__all__ = ["build_triples"]

N = NamedNode


class _Builder:
    def __init__(self, records: Records):
        self.r = records
        self.triples: set[Triple] = set()
        self.kind = records.kinds
        self.states = {x.get("key") for x in records["states"]}
        self._iris: dict[str, NamedNode] = {}  # predicate and class IRIs, made once
        self._instants: dict[str, NamedNode] = {}

    # -- helpers
    def add(self, s: NamedNode, p: str, o) -> None:
        if o is None:
            return
        iris = self._iris
        if isinstance(o, str):
            o = iris.get(o) or iris.setdefault(o, N(o))
        self.triples.add(Triple(s, iris.get(p) or iris.setdefault(p, N(p)), o))

    def iri(self, ident: str) -> NamedNode:
        kind = self.kind[ident]
        return N(ns.DATA_PREFIXES["body" if kind == "organisation" else kind] + ident)

    def phase(self, project: str, number: int) -> NamedNode:
        return N(self.iri(project).value + f"/phase/{number}")

    def typ(self, s: NamedNode, *classes: str) -> None:
        for c in classes:
            self.add(s, ns.RDF + "type", c)

    def concept(self, cid: str) -> NamedNode:
        return N(ns.IKZC + cid)

    def sources(self, s: NamedNode, ids: Iterable[str]) -> None:
        for i in ids:
            self.add(s, ns.DCT + "source", self.iri(i))

    def instant(self, d: Date) -> NamedNode:
        key = str(d)
        if key in self._instants:  # dates repeat: describe each instant once
            return self._instants[key]
        node = self._instants[key] = N(ns.DATA_PREFIXES["date"] + key)
        prop = {"day": "inXSDDate", "month": "inXSDgYearMonth", "year": "inXSDgYear"}[d.precision]
        self.typ(node, ns.TIME + "Instant")
        self.add(node, ns.TIME + prop, date_literal(d))
        self.add(node, ns.IKZ + "earliestDate", literal(d.earliest.isoformat(), "date"))
        self.add(node, ns.IKZ + "latestDate", literal(d.latest.isoformat(), "date"))
        return node

    def interval(self, owner: NamedNode, prop: str, start: Date | None, end: Date | None) -> None:
        if not (start or end):
            return
        node = N(owner.value + "/during")
        self.add(owner, prop, node)
        self.typ(node, ns.TIME + "ProperInterval", ns.DCT + "PeriodOfTime")
        if start:
            self.add(node, ns.TIME + "hasBeginning", self.instant(start))
        if end:
            self.add(node, ns.TIME + "hasEnd", self.instant(end))

    def names(self, s: NamedNode, name: str, label: str | None = None) -> None:
        self.add(s, ns.SCHEMA + "name", literal(name, lang="de"))
        self.add(s, ns.RDFS + "label", literal(label or name, lang="de"))

    def membership(self, member: str, org: str, role: str, start: Date | None, end: Date | None,
                   srcs: list[str], phases: Iterable[int] = (), title: str | None = None) -> NamedNode:
        suffix = f"/{start}" if start else ""
        node = N(f"{ns.DATA_PREFIXES['membership']}{org}/{member}/{role}{suffix}")
        self.typ(node, ns.ORG + "Membership")
        self.add(node, ns.ORG + "member", self.iri(member))
        self.add(node, ns.ORG + "organization", self.iri(org))
        self.add(node, ns.ORG + "role", self.concept(role))
        self.interval(node, ns.ORG + "memberDuring", start, end)
        for n in phases:
            self.add(node, ns.IKZ + "inPhase", self.phase(org, n))
        if title:
            self.add(node, ns.IKZ + "titleAsStated", literal(title, lang="de"))
        self.sources(node, srcs)
        return node

    def amount(self, node: NamedNode, value, currency: str | None, approximate: bool | None) -> NamedNode:
        self.typ(node, ns.SCHEMA + "MonetaryAmount")
        self.add(node, ns.SCHEMA + "value", literal(decimal_text(value), "decimal"))
        self.add(node, ns.SCHEMA + "currency", literal(currency or "EUR"))
        self.add(node, ns.IKZ + "approximate", literal(bool(approximate)))
        return node

    def ident(self, s: NamedNode, ident: str) -> None:
        self.add(s, ns.DCT + "identifier", literal(ident))

    # -- collections
    def build(self) -> set[Triple]:
        for r in self.r["sources"]:
            self.source(r)
        for r in self.r["states"]:
            self.state(r)
        for r in self.r["units"]:
            self.unit(r)
        for r in self.r["neighbours"]:
            self.neighbours(r)
        for r in self.r["organisations"]:
            self.organisation(r)
        for r in self.r["memberships"]:
            d = r.data
            self.membership(d["member"], d["organisation"], d.get("role", "member"), d.get("start"), d.get("end"),
                            d["sources"], d.get("phases", []))
        for r in self.r["persons"]:
            self.person(r)
        for r in self.r["legal_acts"]:
            self.legal_act(r)
        for r in self.r["agreements"]:
            self.agreement(r)
        for r in self.r["programmes"]:
            self.programme(r)
        for r in self.r["grants"]:
            self.grant(r)
        for r in self.r["services"]:
            self.service(r)
        for r in self.r["meetings"]:
            self.meeting(r)
        for r in self.r["statements"]:
            self.statement(r)
        if any(r.get("synthetic") for r in self.r["sources"]):
            # generated test data (records are all synthetic or all real, see records.py): every
            # node that cites a source is marked, so it can never pass for a real fact
            true = literal(True)
            marked = {t.subject for t in self.triples if t.predicate.value == ns.DCT + "source"}
            self.triples.update(Triple(x, N(ns.IKZ + "synthetic"), true) for x in marked)
        return self.triples

    def source(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ns.IKZ + "SourceDocument")
        self.ident(s, d["id"])
        self.add(s, ns.DCT + "title", literal(d["title"]))
        self.add(s, ns.RDFS + "label", literal(d["title"]))
        if d.get("url"):
            self.add(s, ns.SCHEMA + "url", N(d["url"]))
        if d.get("document"):
            self.add(s, ns.DCT + "bibliographicCitation", literal(d["document"]))
        if d.get("publisher"):
            self.add(s, ns.DCT + "publisher", literal(d["publisher"]))
        if d.get("published"):
            self.add(s, ns.DCT + "issued", date_literal(d["published"]))
        if d.get("accessed"):
            self.add(s, ns.IKZ + "accessed", date_literal(d["accessed"]))
        if d.get("note"):
            self.add(s, ns.RDFS + "comment", literal(d["note"], lang="en"))

    def state(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["key"])
        self.typ(s, ns.IKZ + "State")
        self.ident(s, d["key"])
        self.add(s, STATE.key_property, literal(d["key"]))
        self.add(s, OFFICIAL_KEY, literal(d["key"]))
        self.names(s, d["name"], d["label"])
        self.add(s, ns.IKZ + "unitType", self.concept("land"))
        if d.get("wikidata"):
            self.add(s, ns.SKOS + "exactMatch", ns.WD + d["wikidata"])
        self.sources(s, d["sources"])

    def unit(self, r: Record) -> None:
        d = r.data
        uid = unit_id(d)
        s = self.iri(uid)
        t = d["type"]
        self.typ(s, UNIT_TYPES[t].cls)
        self.ident(s, uid)
        self.names(s, d["name"], d["label"])
        self.add(s, ns.IKZ + "curatedRecord", literal(True))
        self.add(s, ns.IKZ + "unitType", self.concept(t))
        if d.get("key"):
            self.add(s, UNIT_TYPES[t].key_property, literal(d["key"]))
            self.add(s, OFFICIAL_KEY, literal(d["key"]))
        if d.get("district"):
            self.add(s, ns.IKZ + "inDistrict", self.iri(d["district"]))
            self.add(s, ns.IKZ + "inKreis", self.iri(d["district"]))
        if d.get("key"):
            if d["key"][:2] in self.states:
                self.add(s, ns.IKZ + "inState", self.iri(d["key"][:2]))
        if d.get("nuts3"):
            self.add(s, ns.IKZ + "nuts3", literal(d["nuts3"]))
            self.add(s, ns.SKOS + "exactMatch", ns.NUTS + d["nuts3"])
        if d.get("country"):
            self.add(s, ns.IKZ + "countryCode", literal(d["country"]))
        if d.get("seat"):
            self.add(s, ns.IKZ + "seat", literal(d["seat"], lang="de"))
        if d.get("wikidata"):
            self.add(s, ns.SKOS + "exactMatch", ns.WD + d["wikidata"])
        if d.get("note"):
            self.add(s, ns.RDFS + "comment", literal(d["note"], lang="en"))
        self.sources(s, d["sources"])
        for pop in d.get("population", []):
            f = N(f"{s.value}/population/{pop['date']}/{pop['source']}")
            self.add(s, ns.IKZ + "population", f)
            self.typ(f, ns.IKZ + "PopulationFigure")
            self.add(f, ns.SCHEMA + "value", literal(pop["value"]))
            self.add(f, ns.SCHEMA + "observationDate", date_literal(pop["date"]))
            self.sources(f, [pop["source"]])
        for area in d.get("area_km2", []):
            f = N(f"{s.value}/area/{area['source']}")
            self.add(s, ns.IKZ + "area", f)
            self.typ(f, ns.IKZ + "AreaFigure")
            self.add(f, ns.SCHEMA + "value", literal(decimal_text(area["value"]), "decimal"))
            self.add(f, ns.SCHEMA + "unitCode", literal("KMK"))
            if area.get("date"):
                self.add(f, ns.SCHEMA + "observationDate", date_literal(area["date"]))
            self.sources(f, [area["source"]])
        head = d.get("head")
        if head:
            pid = slugify(head["name"])
            self.person_node(pid, head["name"], [head["source"]])
            self.membership(pid, uid, head["role"], head.get("since"), head.get("until"), [head["source"]],
                            title=head.get("title"))

    def neighbours(self, r: Record) -> None:
        d = r.data
        a = self.iri(d["unit"])
        self.sources(a, d["sources"])
        for n in d["neighbours"]:
            b = self.iri(n)
            self.add(a, ns.GEO + "sfTouches", b)
            self.add(b, ns.GEO + "sfTouches", a)

    def organisation(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ORG_TYPES[d["type"]])
        self.ident(s, d["id"])
        self.names(s, d["name"], d.get("label"))
        for alt in d.get("alt_names", []):
            self.add(s, ns.SKOS + "altLabel", literal(alt, lang="de"))
        if d.get("legal_form"):
            self.add(s, ns.IKZ + "legalForm", self.concept(d["legal_form"]))
        for t in d.get("task_fields", []):
            self.add(s, ns.IKZ + "taskField", self.concept(t))
        if d.get("founded"):
            self.add(s, ns.SCHEMA + "foundingDate", date_literal(d["founded"]))
        if d.get("dissolved"):
            self.add(s, ns.SCHEMA + "dissolutionDate", date_literal(d["dissolved"]))
        if d.get("parent"):
            prop = "unitOf" if d["type"] in ("committee", "shared-institution") else "subOrganizationOf"
            self.add(s, ns.ORG + prop, self.iri(d["parent"]))
        if d.get("seat"):
            self.add(s, ns.IKZ + "seat", literal(d["seat"], lang="de"))
        if d.get("homepage"):
            self.add(s, ns.SCHEMA + "url", N(d["homepage"]))
        if d.get("description"):
            self.add(s, ns.DCT + "description", literal(d["description"], lang="de"))
        for site in d.get("sites", []):
            self.add(s, ns.IKZ + "site", literal(site, lang="de"))
        if d.get("developed_in"):
            self.add(s, ns.IKZ + "developedIn", self.iri(d["developed_in"]))
        for x in d.get("legal_basis", []):
            self.add(s, ns.IKZ + "legalBasis", self.iri(x))
        for x in d.get("accompanies", []):
            self.add(s, ns.IKZ + "accompanies", self.iri(x))
        if d.get("wikidata"):
            self.add(s, ns.SKOS + "exactMatch", ns.WD + d["wikidata"])
        if d.get("statutory") is not None:
            self.add(s, ns.IKZ + "statutory", literal(bool(d["statutory"])))
        if d.get("note"):
            self.add(s, ns.RDFS + "comment", literal(d["note"], lang="en"))
        self.sources(s, d["sources"])
        for p in d.get("phases", []):
            ph = self.phase(d["id"], p["number"])
            self.typ(ph, ns.IKZ + "ProjectPhase")
            self.add(ph, ns.DCT + "isPartOf", s)
            self.add(s, ns.DCT + "hasPart", ph)
            self.add(ph, ns.IKZ + "phaseNumber", literal(p["number"]))
            label = p.get("name") or f"{d.get('label') or d['name']}, Phase {p['number']}"
            self.names(ph, label)
            self.ident(ph, f"{d['id']}/{p['number']}")
            if p.get("description"):
                self.add(ph, ns.DCT + "description", literal(p["description"], lang="de"))
            for t in p.get("task_fields", []):
                self.add(ph, ns.IKZ + "taskField", self.concept(t))
            self.interval(ph, ns.DCT + "temporal", p.get("start"), p.get("end"))
            self.sources(ph, p["sources"])

    def person_node(self, pid: str, name: str, srcs: list[str]) -> NamedNode:
        s = N(ns.DATA_PREFIXES["person"] + pid)
        self.typ(s, ns.SCHEMA + "Person", ns.PROV + "Person")
        self.ident(s, pid)
        self.add(s, ns.SCHEMA + "name", literal(name))
        self.add(s, ns.RDFS + "label", literal(name))
        self.sources(s, srcs)
        return s

    def person(self, r: Record) -> None:
        d = r.data
        self.person_node(d["id"], d["name"], d["sources"])
        if d.get("note"):
            self.add(self.iri(d["id"]), ns.RDFS + "comment", literal(d["note"], lang="en"))
        for p in d.get("positions", []):
            node = self.membership(d["id"], p["organisation"], p["role"], p.get("start"), p.get("end"),
                                   p["sources"], title=p.get("title"))
            if p.get("appointed"):
                self.add(node, ns.IKZ + "appointed", date_literal(p["appointed"]))

    def legal_act(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ns.IKZ + "LegalAct")
        self.ident(s, d["id"])
        self.add(s, ns.DCT + "title", literal(d["title"], lang="de"))
        self.add(s, ns.RDFS + "label", literal(d.get("short_title") or d["title"], lang="de"))
        if d.get("url"):
            self.add(s, ns.SCHEMA + "url", N(d["url"]))
        if d.get("date"):
            self.add(s, ns.DCT + "date", date_literal(d["date"]))
        self.sources(s, d["sources"])

    def agreement(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ns.IKZ + "CooperationAgreement")
        self.ident(s, d["id"])
        self.add(s, ns.DCT + "title", literal(d["title"], lang="de"))
        self.add(s, ns.RDFS + "label", literal(d["title"], lang="de"))
        if d.get("legal_form"):
            self.add(s, ns.IKZ + "legalForm", self.concept(d["legal_form"]))
        for x in d.get("parties", []):
            self.add(s, ns.IKZ + "party", self.iri(x))
        for x in d.get("legal_basis", []):
            self.add(s, ns.IKZ + "legalBasis", self.iri(x))
        if d.get("date"):
            self.add(s, ns.DCT + "date", date_literal(d["date"]))
        if d.get("description"):
            self.add(s, ns.DCT + "description", literal(d["description"], lang="de"))
        if d.get("note"):
            self.add(s, ns.RDFS + "comment", literal(d["note"], lang="en"))
        self.sources(s, d["sources"])

    def programme(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ns.IKZ + "FundingProgramme")
        self.ident(s, d["id"])
        self.names(s, d["name"])
        self.add(s, ns.FRAPO + "hasFundingAgency", self.iri(d["funder"]))
        if d.get("description"):
            self.add(s, ns.DCT + "description", literal(d["description"], lang="de"))
        for t in d.get("stated_totals", []):
            a = self.amount(N(s.value + f"/total/{t['source']}"), t["amount"], t.get("currency"), t.get("approximate"))
            self.add(s, ns.IKZ + "statedTotal", a)
            if t.get("scope"):
                self.add(a, ns.DCT + "description", literal(t["scope"], lang="de"))
            self.sources(a, [t["source"]])
        self.sources(s, d["sources"])

    def grant(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ns.IKZ + "Grant")
        self.ident(s, d["id"])
        self.add(s, ns.SCHEMA + "funder", self.iri(d["funder"]))
        self.add(s, ns.FRAPO + "isFundedBy", self.iri(d["funder"]))
        for x in d.get("recipients", []):
            self.add(s, ns.IKZ + "recipient", self.iri(x))
        if d.get("project"):
            proj = self.iri(d["project"])
            self.add(s, ns.IKZ + "fundedProject",
                     proj if d.get("phase") is None else self.phase(d["project"], d["phase"]))
        if d.get("programme"):
            self.add(s, ns.DCT + "isPartOf", self.iri(d["programme"]))
        if d.get("amount") is not None:
            self.add(s, ns.SCHEMA + "amount", self.amount(N(s.value + "/amount"), d["amount"], d.get("currency"),
                                                          d.get("approximate")))
        if d.get("date"):
            self.add(s, ns.DCT + "date", date_literal(d["date"]))
        self.interval(s, ns.DCT + "temporal", d.get("start"), d.get("end"))
        if d.get("rate") is not None:
            self.add(s, ns.IKZ + "fundingRate", literal(decimal_text(d["rate"]), "decimal"))
        for e in d.get("eligible_costs", []):
            a = self.amount(N(s.value + f"/eligible-costs/{e['source']}"), e["value"], d.get("currency"),
                            e.get("approximate"))
            self.add(s, ns.IKZ + "eligibleCosts", a)
            self.sources(a, [e["source"]])
        label = d.get("description") or f"Zuwendung {d['id']}"
        self.add(s, ns.RDFS + "label", literal(label, lang="de"))
        if d.get("note"):
            self.add(s, ns.RDFS + "comment", literal(d["note"], lang="en"))
        self.sources(s, d["sources"])

    def service(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ns.CPSV + "PublicService", ns.SCHEMA + "GovernmentService")
        self.ident(s, d["id"])
        self.add(s, ns.DCT + "title", literal(d["title"], lang="de"))
        self.add(s, ns.RDFS + "label", literal(d["title"], lang="de"))
        self.add(s, ns.DCT + "description", literal(d["description"], lang="de"))
        if d.get("task_field"):
            self.add(s, ns.IKZ + "taskField", self.concept(d["task_field"]))
            self.add(s, ns.CV + "thematicArea", self.concept(d["task_field"]))
        for x in d["competent_authorities"]:
            self.add(s, ns.CV + "hasCompetentAuthority", self.iri(x))
        if d.get("operator"):
            self.add(s, ns.SCHEMA + "serviceOperator", self.iri(d["operator"]))
        if d.get("institution"):
            self.add(s, ns.IKZ + "deliveredThrough", self.iri(d["institution"]))
        if d.get("developed_in"):
            self.add(s, ns.IKZ + "developedIn", self.iri(d["developed_in"]))
        if d.get("agreement"):
            self.add(s, ns.CV + "hasLegalResource", self.iri(d["agreement"]))
        self.interval(s, ns.DCT + "temporal", d.get("start"), d.get("end"))
        if d.get("note"):
            self.add(s, ns.RDFS + "comment", literal(d["note"], lang="en"))
        self.sources(s, d["sources"])

    def meeting(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ns.IKZ + "Meeting")
        self.ident(s, d["id"])
        self.names(s, d["name"])
        self.add(s, ns.IKZ + "meetingOf", self.iri(d["organisation"]))
        if d.get("start"):
            self.add(s, ns.SCHEMA + "startDate", literal(d["start"], "dateTime"))
        if d.get("date"):
            self.add(s, ns.DCT + "date", date_literal(d["date"]))
        if d.get("public") is not None:
            self.add(s, ns.IKZ + "public", literal(d["public"]))
        loc = d.get("location")
        if loc:
            place = N(s.value + "/place")
            self.add(s, ns.SCHEMA + "location", place)
            self.typ(place, ns.SCHEMA + "Place")
            self.add(place, ns.SCHEMA + "name", literal(loc["name"], lang="de"))
            if loc.get("address"):
                self.add(place, ns.SCHEMA + "address", literal(loc["address"], lang="de"))
        inv = d.get("invitation")
        if inv:
            n = N(s.value + "/invitation")
            self.add(s, ns.IKZ + "invitation", n)
            self.typ(n, ns.IKZ + "Notice")
            self.add(n, ns.RDFS + "label", literal(inv.get("title") or f"Einladung: {d['name']}", lang="de"))
            if inv.get("date"):
                self.add(n, ns.DCT + "issued", date_literal(inv["date"]))
            if inv.get("signed_by"):
                self.add(n, ns.IKZ + "signedBy", self.iri(inv["signed_by"]))
            if inv.get("place"):
                self.add(n, ns.SCHEMA + "locationCreated", literal(inv["place"], lang="de"))
            self.sources(n, d["sources"])
        for a in d.get("agenda", []):
            item = N(s.value + f"/item/{a['number']}")
            self.add(s, ns.IKZ + "agendaItem", item)
            self.typ(item, ns.IKZ + "AgendaItem")
            self.add(item, ns.IKZ + "agendaNumber", literal(a["number"]))
            self.add(item, ns.SCHEMA + "name", literal(a["name"], lang="de"))
            self.add(item, ns.RDFS + "label", literal(a["name"], lang="de"))
            if a.get("public") is not None:
                self.add(item, ns.IKZ + "public", literal(a["public"]))
            if a.get("section"):
                self.add(item, ns.DCT + "description", literal(a["section"], lang="de"))
            if a.get("refers_to"):
                self.add(item, ns.IKZ + "refersToMeeting", self.iri(a["refers_to"]))
        if d.get("note"):
            self.add(s, ns.RDFS + "comment", literal(d["note"], lang="en"))
        self.sources(s, d["sources"])

    def statement(self, r: Record) -> None:
        d = r.data
        s = self.iri(d["id"])
        self.typ(s, ns.IKZ + {"goal": "Goal", "vision": "Vision", "quote": "Quote"}[d["type"]])
        self.ident(s, d["id"])
        self.add(s, ns.SCHEMA + "about", self.iri(d["about"]))
        self.add(s, ns.SCHEMA + "text", literal(d["text"], lang=d.get("language", "de")))
        text = d["text"]
        self.add(s, ns.RDFS + "label", literal(text if len(text) <= 80 else text[:77] + "...", lang=d.get("language", "de")))
        if d.get("speaker"):
            self.add(s, ns.SCHEMA + "creator", self.iri(d["speaker"]))
        for t in d.get("task_fields", []):
            self.add(s, ns.IKZ + "taskField", self.concept(t))
        self.sources(s, d["sources"])


def build_triples(records: Records) -> set[Triple]:
    """Return the data triples for checked ``records``."""
    return _Builder(records).build()
