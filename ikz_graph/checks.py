"""The checks across records: ids, references, concepts, dates and the unit rules.

:func:`check_records` runs one function per collection on records whose fields
:mod:`ikz_graph.records` has already read; every problem names file, line and record. The
rules of the unit types (keys, levels, which unit lies in which) come from :mod:`ikz_graph.levels`.
"""
from __future__ import annotations

import re
from typing import Callable

from .dates import Date
from .errors import Problem
from .inputs import brief
from .levels import UNIT_TYPES, RegisterUnit, key_problem
from .schema import LINE, ORG_TYPES, SPEC, STATEMENT_TYPES, Record, Records, slugify, unit_id

__all__ = ["check_records"]

AGENTS = ("unit", "organisation", "state", "person")
#: The official keys a record may refer to a unit by, by length (Kreis, Gemeindeverband, Gemeinde: levels).
_KEY_NAMES = {t.key_length: t.key_name for t in UNIT_TYPES.values()
              if t.key_length and t.level in ("kreis", "gemeindeverband", "gemeinde")}
_OFFICIAL_KEY_RE = re.compile("^(" + "|".join(f"[0-9]{{{n}}}" for n in sorted(_KEY_NAMES)) + ")$")
ORGISH = ("unit", "organisation", "state")
#: Collections whose records only define an id of this kind here (their references are checked below).
_ID_KINDS = (("persons", "person"), ("grants", "grant"), ("programmes", "programme"), ("services", "service"),
             ("agreements", "agreement"), ("legal_acts", "law"), ("meetings", "meeting"),
             ("statements", "statement"))


class _Checker:
    """What every check needs: the records, the problems found so far, the ids and their kinds."""

    def __init__(self, recs: Records, problems: list[Problem], concepts: dict[str, set[str]] | None,
                 register: dict[str, RegisterUnit] | None = None):
        self.recs, self.problems, self.concepts = recs, problems, concepts
        self.register = register or {}
        self.kinds = recs.kinds          # id -> kind
        self._first: dict[str, Record] = {}
        self.phases: dict[str, set[int]] = {}
        self.org_types: dict[str, str] = {}
        self.unit_types: dict[str, str] = {}

    def bad(self, rec: Record, msg: str, line: int | None = None) -> None:
        self.problems.append(Problem(rec.file, line or rec.line, rec.label, msg))

    def define(self, rec: Record, ident: str, kind: str) -> None:
        if ident in self._first:
            o = self._first[ident]
            self.bad(rec, f"id {brief(ident)} is already used by {o.label} at {o.file}:{o.line}")
        else:
            self._first[ident] = rec
            self.kinds[ident] = kind

    def ref(self, rec: Record, value: str, allowed: tuple[str, ...], what: str, line: int | None = None) -> bool:
        """Whether ``value`` names an id of an ``allowed`` kind; a problem if not."""
        k = self.kinds.get(value)
        if k is None and "unit" in allowed and isinstance(value, str) and value in self.register:
            k = self.kinds[value] = "unit"          # a unit of the official register, by its key
            self.unit_types[value] = self.register[value].type.id
            self.recs.register_refs.add(value)
        if k is None:
            if value in self.recs.rejected:     # its own record has errors, reported there
                return False
            if "unit" in allowed and isinstance(value, str) and _OFFICIAL_KEY_RE.match(value):
                where = "in the data or in the official register" if self.register else "in the data"
                self.bad(rec, f"{what}: unknown {_KEY_NAMES[len(value)]} {brief(value)} (no unit with that key "
                              f"{where})", line)
            else:
                self.bad(rec, f"{what}: {brief(value)} does not exist (expected the id of a {' or '.join(allowed)})", line)
            return False
        if k not in allowed:
            self.bad(rec, f"{what}: {brief(value)} is a {k}, expected a {' or '.join(allowed)}", line)
            return False
        return True

    def sources(self, rec: Record, ids: list[str], line: int | None = None, what: str = "sources") -> None:
        if not ids:
            self.bad(rec, f"{what}: at least one source is required", line)
        for s in ids:
            if self.kinds.get(s) != "source":
                self.bad(rec, f"{what}: unknown source {brief(s)} (define it under 'sources:')", line)

    def concept(self, rec: Record, value: str | None, scheme: str, what: str, line: int | None = None) -> None:
        if value is None or self.concepts is None:
            return
        if value not in self.concepts.get(scheme, set()):
            self.bad(rec, f"{what}: {brief(value)} is not a concept of ikzc:{scheme} "
                          f"(known: {', '.join(sorted(self.concepts.get(scheme, ())))})", line)

    def order(self, rec: Record, start: Date | None, end: Date | None, what: str = "", line: int | None = None) -> None:
        if start and end and end.latest < start.earliest:
            self.bad(rec, f"{what}end date {end} is before start date {start}", line)


# ------------------------------------------------------------------ ids

def _define_ids(c: _Checker) -> None:
    """Every id, globally unique, with its kind (units by key or NUTS-3 code, states by key)."""
    recs = c.recs
    for r in recs["sources"]:
        c.define(r, r.get("id"), "source")
    for r in recs["states"]:
        c.define(r, r.get("key"), "state")
    for r in recs["units"]:
        uid = unit_id(r.data)
        if uid:
            c.define(r, uid, "unit")
            c.unit_types.setdefault(uid, r.get("type"))
    for r in recs["organisations"]:
        c.define(r, r.get("id"), "organisation")
        c.phases[r.get("id")] = {p["number"] for p in r.get("phases", [])}
        c.org_types[r.get("id")] = r.get("type")
    for coll, kind in _ID_KINDS:
        for r in recs[coll]:
            c.define(r, r.get("id"), kind)
    for r in recs["units"]:  # the heads of units become persons with an id from their name
        head = r.get("head")
        if head:
            pid = slugify(head["name"])
            if c.kinds.get(pid, "person") != "person":
                c.bad(r, f"head: person id {brief(pid)} is already used by a {c.kinds[pid]}", head[LINE])
            c.kinds.setdefault(pid, "person")


def _record_sources(c: _Checker) -> None:
    for coll in SPEC:
        if "sources" in SPEC[coll]:
            for r in c.recs[coll]:
                c.sources(r, r.get("sources", []))


# ------------------------------------------------------------------ one function per collection

def _sources(c: _Checker, r: Record) -> None:
    if not (r.get("url") or r.get("document")):
        c.bad(r, "a source needs a 'url' or a 'document'")
    if not (r.get("published") or r.get("accessed")):
        c.bad(r, "a source needs a date: 'published' and/or 'accessed'")


def _units(c: _Checker, r: Record) -> None:
    d = r.data
    t = d["type"]
    if t not in UNIT_TYPES:
        c.bad(r, f"unknown unit type {brief(t)} (known: {', '.join(sorted(UNIT_TYPES))})")
    else:
        problem = key_problem(t, d.get("key"))
        if problem:
            c.bad(r, problem)
        ut = UNIT_TYPES[t]
        if ut.key_length is None and (not d.get("nuts3") or not d.get("country")):
            c.bad(r, f"a {t} unit needs 'nuts3' and 'country'")
        if ut.inside and not d.get("district"):
            c.bad(r, f"a {t} needs 'district' (the Kreisschlüssel of its Landkreis)")
        if d.get("district") and not ut.inside:
            c.bad(r, "only a gemeinde lies in a district ('district')")
        elif d.get("district"):
            _inside(c, r, ut.inside)
    for f in ("population", "area_km2"):
        for fig in d.get(f, []):
            c.sources(r, [fig["source"]], fig[LINE], f"{f}.source")
    head = d.get("head")
    if head:
        c.sources(r, [head["source"]], head[LINE], "head.source")
        c.concept(r, head["role"], "roles", "head.role", head[LINE])
        c.order(r, head.get("since"), head.get("until"), "head: ", head[LINE])


def _inside(c: _Checker, r: Record, types: tuple[str, ...]) -> None:
    """The unit ``district`` names exists, has one of ``types``, and its key begins the unit's key."""
    dist = r.get("district")
    if not c.ref(r, dist, ("unit",), "district"):
        return
    dist_type = c.unit_types.get(dist)
    if dist_type not in types:
        c.bad(r, f"district: {brief(dist)} is a {dist_type}, expected a {types[0]}")
    elif r.get("key") and not r.get("key").startswith(dist):
        c.bad(r, f"district: the {UNIT_TYPES[r.get('type')].key_name} {brief(r.get('key'))} does not start with "
                 f"the district's {UNIT_TYPES[dist_type].key_name} {brief(dist)}")


def _neighbours(c: _Checker, records: list[Record]) -> None:
    """References exist, no unit is listed twice or as its own neighbour, and the lists are symmetric."""
    listed: dict[str, set[str]] = {}
    for r in records:
        u = r.get("unit")
        known = c.ref(r, u, ("unit",), "unit")
        if known:
            if u in listed:
                c.bad(r, f"neighbours of {brief(u)} are listed twice")
            listed.setdefault(u, set())
        for n in r.get("neighbours"):
            if c.ref(r, n, ("unit",), "neighbours") and known:   # an unknown unit's list is not compared
                if n == u:
                    c.bad(r, f"{brief(u)} cannot be its own neighbour")
                listed[u].add(n)
    by_unit = {r.get("unit"): r for r in records}
    for u, touching in sorted(listed.items()):
        for n in sorted(touching):
            if n in listed and u not in listed[n]:
                c.bad(by_unit[u], f"{brief(u)} lists {brief(n)} as neighbour, but the neighbours of {brief(n)} do not list {brief(u)}")


def _organisations(c: _Checker, r: Record) -> None:
    d = r.data
    if d.get("type") not in ORG_TYPES:
        c.bad(r, f"unknown organisation type {brief(d.get('type'))} (known: {', '.join(sorted(ORG_TYPES))})")
    nums = [p["number"] for p in d.get("phases", [])]
    if len(nums) != len(set(nums)):
        c.bad(r, "phase numbers repeat")
    if d.get("phases") and d.get("type") != "model-project":
        c.bad(r, "only a model-project has phases")
    c.concept(r, d.get("legal_form"), "legal-forms", "legal_form")
    for t in d.get("task_fields", []):
        c.concept(r, t, "task-fields", "task_fields")
    if d.get("parent"):
        c.ref(r, d["parent"], ORGISH, "parent")
    if d.get("developed_in"):
        c.ref(r, d["developed_in"], ("organisation",), "developed_in")
    for x in d.get("legal_basis", []):
        c.ref(r, x, ("law",), "legal_basis")
    for x in d.get("accompanies", []):
        c.ref(r, x, ("organisation",), "accompanies")
    c.order(r, d.get("founded"), d.get("dissolved"))
    for p in d.get("phases", []):
        c.order(r, p.get("start"), p.get("end"), f"phase {p['number']}: ", p[LINE])
        c.sources(r, p.get("sources", []), p[LINE], f"phase {p['number']} sources")
        for t in p.get("task_fields", []):
            c.concept(r, t, "task-fields", f"phase {p['number']} task_fields", p[LINE])


def _memberships(c: _Checker, records: list[Record]) -> None:
    seen: dict[tuple, Record] = {}
    names: dict[str, set[str]] = {}
    for u in c.recs["units"]:
        names.setdefault(unit_id(u.data) or "", set()).update((u.get("name"), u.get("label")))
    for r in records:
        d = r.data
        ok = c.ref(r, d["member"], AGENTS, "member") & c.ref(r, d["organisation"], ORGISH, "organisation")
        if ok and d.get("member_name"):
            _member_name(c, r, names)
        c.concept(r, d.get("role"), "roles", "role")
        c.order(r, d.get("start"), d.get("end"))
        if not ok:
            continue
        k = (d["member"], d["organisation"], d.get("role", "member"), str(d.get("start", "")))
        if k in seen:
            o = seen[k]
            c.bad(r, f"the same membership is already stated at {o.file}:{o.line}")
        seen[k] = r
        for n in d.get("phases", []):
            if n not in c.phases.get(d["organisation"], set()):
                c.bad(r, f"phases: {brief(d['organisation'])} has no phase {n}")


def _member_name(c: _Checker, r: Record, names: dict[str, set[str]]) -> None:
    """``member_name``, written beside a key so that a reviewer sees whom it means, is that unit's name."""
    key, given = r.get("member"), r.get("member_name")
    if c.kinds.get(key) != "unit":
        return
    known = set(names.get(key, ()))
    if key in c.register:
        known.add(c.register[key].name)
    if given not in known:
        c.bad(r, f"member_name: {brief(given)} is not the name of {brief(key)} "
                 f"(known: {', '.join(repr(n) for n in sorted(x for x in known if x))})")


def _persons(c: _Checker, r: Record) -> None:
    for p in r.get("positions", []):
        c.ref(r, p["organisation"], ORGISH, "positions.organisation", p[LINE])
        c.concept(r, p["role"], "roles", "positions.role", p[LINE])
        c.order(r, p.get("start"), p.get("end"), "position: ", p[LINE])
        c.sources(r, p["sources"], p[LINE], "positions.sources")


def _grants(c: _Checker, r: Record) -> None:
    d = r.data
    c.ref(r, d["funder"], ORGISH, "funder")
    for x in d.get("recipients", []):
        c.ref(r, x, ORGISH, "recipients")
    for e in d.get("eligible_costs", []):
        c.sources(r, [e["source"]], e[LINE], "eligible_costs.source")
    if not d.get("project") and not d.get("recipients"):
        c.bad(r, "a grant needs the cooperation it funds ('project') or its 'recipients'")
    if d.get("project") and c.ref(r, d["project"], ("organisation",), "project") and d.get("phase") is not None \
            and d["phase"] not in c.phases.get(d["project"], set()):
        c.bad(r, f"phase: {brief(d['project'])} has no phase {d['phase']}")
    elif d.get("phase") is not None and not d.get("project"):
        c.bad(r, "phase: a phase needs the 'project' it is a phase of")
    if d.get("programme"):
        c.ref(r, d["programme"], ("programme",), "programme")
    if d.get("rate") is not None and not 0 < d["rate"] <= 1:
        c.bad(r, f"rate must be a share between 0 and 1, got {d['rate']}")
    c.order(r, d.get("start"), d.get("end"))


def _programmes(c: _Checker, r: Record) -> None:
    c.ref(r, r.get("funder"), ORGISH, "funder")
    for t in r.get("stated_totals", []):
        c.sources(r, [t["source"]], t[LINE], "stated_totals.source")


def _services(c: _Checker, r: Record) -> None:
    d = r.data
    c.concept(r, d.get("task_field"), "task-fields", "task_field")
    if not d["competent_authorities"]:
        c.bad(r, "competent_authorities: at least one is required")
    for x in d["competent_authorities"]:
        c.ref(r, x, ORGISH, "competent_authorities")
    if d.get("operator"):
        c.ref(r, d["operator"], ORGISH, "operator")
    if d.get("institution") and c.ref(r, d["institution"], ("organisation",), "institution") \
            and c.org_types.get(d["institution"]) != "shared-institution":
        c.bad(r, f"institution: {brief(d['institution'])} is not a shared-institution")
    if d.get("developed_in"):
        c.ref(r, d["developed_in"], ("organisation",), "developed_in")
    if d.get("agreement"):
        c.ref(r, d["agreement"], ("agreement",), "agreement")
    c.order(r, d.get("start"), d.get("end"))


def _agreements(c: _Checker, r: Record) -> None:
    c.concept(r, r.get("legal_form"), "legal-forms", "legal_form")
    for x in r.get("parties", []):
        c.ref(r, x, ORGISH, "parties")
    for x in r.get("legal_basis", []):
        c.ref(r, x, ("law",), "legal_basis")


def _meetings(c: _Checker, r: Record) -> None:
    d = r.data
    c.ref(r, d["organisation"], ORGISH, "organisation")
    if not (d.get("start") or d.get("date")):
        c.bad(r, "a meeting needs 'start' (date and time) or 'date'")
    if d.get("invitation", {}).get("signed_by"):
        c.ref(r, d["invitation"]["signed_by"], ("person",), "invitation.signed_by", d["invitation"][LINE])
    nums = [a["number"] for a in d.get("agenda", [])]
    if len(nums) != len(set(nums)):
        c.bad(r, "agenda item numbers repeat")
    for a in d.get("agenda", []):
        if a.get("refers_to"):
            c.ref(r, a["refers_to"], ("meeting",), "agenda.refers_to", a[LINE])


def _statements(c: _Checker, r: Record) -> None:
    d = r.data
    if d["type"] not in STATEMENT_TYPES:
        c.bad(r, f"unknown statement type {brief(d['type'])} (known: {', '.join(sorted(STATEMENT_TYPES))})")
    c.ref(r, d["about"], ORGISH + ("service",), "about")
    if d.get("speaker"):
        c.ref(r, d["speaker"], AGENTS, "speaker")
    for t in d.get("task_fields", []):
        c.concept(r, t, "task-fields", "task_fields")


#: The check of each record, by collection (collections checked as a whole are run apart).
_PER_RECORD: dict[str, Callable[[_Checker, Record], None]] = {
    "sources": _sources, "units": _units, "organisations": _organisations, "persons": _persons,
    "grants": _grants, "programmes": _programmes, "services": _services, "agreements": _agreements,
    "meetings": _meetings, "statements": _statements,
}


def _synthetic(c: _Checker) -> None:
    """Generated records (``synthetic: true``) and real records never share a data directory."""
    recs = c.recs
    synth = [r for coll in SPEC for r in recs[coll] if r.get("synthetic")]
    if not synth:
        return
    real = [r for coll in SPEC for r in recs[coll] if not r.get("synthetic")]
    for r in real[:20]:
        c.bad(r, "this data directory holds synthetic records (e.g. "
                 f"{synth[0].label} at {synth[0].file}:{synth[0].line}); real and synthetic records "
                 "must never be mixed, so this record needs 'synthetic: true' or another directory")
    if len(real) > 20:
        c.bad(real[20], f"… and {len(real) - 20} more real records in a synthetic data directory")


def check_records(recs: Records, problems: list[Problem], concepts: dict[str, set[str]] | None,
                  register: dict[str, RegisterUnit] | None = None) -> None:
    """Check ids, references, concepts, dates and unit rules of all records; add every problem found.

    ``concepts`` maps a concept-scheme name to its concept ids; None skips the concept checks.
    ``register``: the units of the official register by key (:func:`ikz_graph.base.register`); a reference
    to one of them is valid and is noted in ``recs.register_refs``. Fills ``recs.kinds`` (id -> kind).
    """
    c = _Checker(recs, problems, concepts, register)
    _define_ids(c)
    _record_sources(c)
    for coll, check in _PER_RECORD.items():
        for r in recs[coll]:
            check(c, r)
    _neighbours(c, recs["neighbours"])
    _memberships(c, recs["memberships"])
    _synthetic(c)
