"""Read the curated records in ``data/*.yaml`` and check them.

Every problem found names the file, the line, the record and what is wrong. All problems of a
run are collected and raised together as one :class:`~ikz_graph.errors.DataError`.

The format is documented in ``docs/data-format.md``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import namespaces as ns
from .dates import Date, parse_date
from .errors import DataError, DateError, Problem

__all__ = ["Record", "Records", "load_records", "slugify", "unit_id", "COLLECTIONS"]

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEY_RE = re.compile(r"^\d{5}$")
AGS_RE = re.compile(r"^\d{5}(\d{3})?$")
LAND_KEY_RE = re.compile(r"^\d{2}$")
NUTS3_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")
QID_RE = re.compile(r"^Q[1-9]\d*$")
URL_RE = re.compile(r"^https?://\S+$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
VALID_LAND_KEYS = {f"{i:02d}" for i in range(1, 17)}


@dataclass
class Record:
    """One record of a collection, with where it was read."""

    collection: str
    data: dict[str, Any]
    file: str
    line: int

    @property
    def label(self) -> str:
        d = self.data
        for k in ("id", "key", "unit", "nuts3"):
            if isinstance(d.get(k), str):
                return f"{self.collection[:-1] if self.collection.endswith('s') else self.collection} {d[k]}"
        if self.collection == "memberships":
            return f"membership {d.get('member')} in {d.get('organisation')}"
        return f"{self.collection} record"

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass
class Records:
    """All records of a data directory, checked.

    ``kinds`` maps every id (Kreisschlüssel, NUTS-3 code, Länderschlüssel, record id, and the
    person ids derived from unit heads) to its kind: ``unit``, ``state``, ``organisation``,
    ``person``, ``source``, ``grant``, ``programme``, ``service``, ``agreement``, ``law``,
    ``meeting`` or ``statement``.
    """

    by_collection: dict[str, list[Record]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, collection: str) -> list[Record]:
        return self.by_collection.get(collection, [])


# ---------------------------------------------------------------- YAML with line numbers
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when PyYAML has it
    """A safe loader that remembers the line of each mapping and refuses duplicate keys."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)  # YAML merge keys (<<), as the stock constructor does
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            first = next(k.start_mark.line + 1 for k, _ in node.value if loader.construct_object(k) == key)
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {first})", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# ---------------------------------------------------------------- field types
class _Bad(Exception):
    pass


def _date(v: Any) -> Date:
    try:
        return parse_date(v)
    except DateError as e:
        raise _Bad(str(e)) from None


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _Bad(f"expected a non-empty text, got {v!r}")
    return v.strip()


def _pattern(regex: re.Pattern, what: str):
    def check(v: Any) -> str:
        if isinstance(v, int) and not isinstance(v, bool):
            raise _Bad(f"{what} {v!r} must be a quoted string (YAML drops leading zeros of numbers)")
        s = _str(v)
        if not regex.match(s):
            raise _Bad(f"{s!r} is not a valid {what}")
        return s
    return check


def _key(v: Any) -> str:
    s = _pattern(AGS_RE, "Kreisschlüssel (5 digits) or Gemeindeschlüssel (8 digits)")(v)
    if s[:2] not in VALID_LAND_KEYS:
        raise _Bad(f"{s!r} is not a valid key: {s[:2]!r} is no Länderschlüssel (01-16)")
    return s


def _ref(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        raise _Bad(f"reference {v!r} must be a quoted string (YAML drops leading zeros of numbers)")
    return _str(v)


def _number(v: Any) -> float | int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _Bad(f"expected a number, got {v!r}")
    if v < 0:
        raise _Bad(f"expected a non-negative number, got {v!r}")
    return v


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Bad(f"expected a whole number, got {v!r}")
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Bad(f"expected true or false, got {v!r}")
    return v


def _datetime(v: Any) -> str:
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            raise _Bad(f"{v} has no time-zone offset (write 2023-10-09T18:00:00+02:00)")
        return v.isoformat()
    s = _str(v)
    if not DATETIME_RE.match(s):
        raise _Bad(f"{s!r} is not a date-time with offset (write 2023-10-09T18:00:00+02:00)")
    return s


def _list(item):
    def check(v: Any) -> list:
        if not isinstance(v, list):
            raise _Bad(f"expected a list, got {v!r}")
        return [item(x) for x in v]
    return check


def _sub(spec: dict):
    """A nested mapping with its own fields."""
    def check(v: Any) -> dict:
        if not isinstance(v, dict):
            raise _Bad(f"expected a mapping, got {v!r}")
        return _fields(v, spec)
    return check


def _one_or_many(check):
    """A mapping, or a list of mappings (one per source when sources differ); always a list."""
    def run(v: Any) -> list:
        return [check(x) for x in v] if isinstance(v, list) else [check(v)]
    return run


def _fields(raw: dict, spec: dict[str, tuple]) -> dict:
    out: dict[str, Any] = {"__line__": raw.get("__line__", 0)}
    unknown = sorted(k for k in raw if k != "__line__" and k not in spec)
    if unknown:
        raise _Bad(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
                   f" (allowed: {', '.join(sorted(spec))})")
    for name, (check, required) in spec.items():
        if name not in raw or raw[name] is None:
            if required:
                raise _Bad(f"missing required field {name!r}")
            continue
        try:
            out[name] = check(raw[name])
        except _Bad as e:
            raise _Bad(f"field {name!r}: {e}") from None
    return out


ID = (_pattern(ID_RE, "identifier (lower-case letters, digits, hyphens)"), True)
SOURCES = (_list(_ref), True)
OPT_SOURCES = (_list(_ref), False)
TEXT = (_str, True)
OPT_TEXT = (_str, False)
DATE = (_date, False)

SPEC: dict[str, dict[str, tuple]] = {
    "sources": {
        "id": ID, "title": TEXT, "url": (_pattern(URL_RE, "URL"), False), "document": OPT_TEXT,
        "publisher": OPT_TEXT, "published": DATE, "accessed": DATE, "note": OPT_TEXT,
    },
    "units": {
        "key": (_key, False), "nuts3": (_pattern(NUTS3_RE, "NUTS-3 code"), False),
        "country": (_pattern(COUNTRY_RE, "ISO country code"), False),
        "name": TEXT, "label": TEXT, "type": TEXT, "seat": OPT_TEXT, "district": (_ref, False),
        "wikidata": (_pattern(QID_RE, "Wikidata item id (Q…)"), False),
        "population": (_one_or_many(_sub({"value": (_int, True), "date": (_date, True),
                                          "source": (_ref, True)})), False),
        "area_km2": (_one_or_many(_sub({"value": (_number, True), "date": DATE, "source": (_ref, True)})), False),
        "head": (_sub({"name": TEXT, "role": TEXT, "title": OPT_TEXT, "since": DATE, "until": DATE,
                       "source": (_ref, True)}), False),
        "sources": SOURCES, "note": OPT_TEXT,
    },
    "states": {
        "key": (_pattern(LAND_KEY_RE, "Länderschlüssel (2 digits)"), True), "name": TEXT, "label": TEXT,
        "wikidata": (_pattern(QID_RE, "Wikidata item id (Q…)"), False), "sources": SOURCES,
    },
    "neighbours": {"unit": (_ref, True), "neighbours": (_list(_ref), True), "sources": SOURCES, "note": OPT_TEXT},
    "organisations": {
        "id": ID, "type": TEXT, "name": TEXT, "label": OPT_TEXT, "alt_names": (_list(_str), False),
        "legal_form": OPT_TEXT, "task_fields": (_list(_str), False), "founded": DATE, "dissolved": DATE,
        "parent": (_ref, False), "seat": OPT_TEXT, "homepage": (_pattern(URL_RE, "URL"), False),
        "description": OPT_TEXT, "sites": (_list(_str), False), "developed_in": (_ref, False),
        "legal_basis": (_list(_ref), False), "accompanies": (_list(_ref), False),
        "wikidata": (_pattern(QID_RE, "Wikidata item id (Q…)"), False),
        "phases": (_list(_sub({
            "number": (_int, True), "name": OPT_TEXT, "start": DATE, "end": DATE,
            "task_fields": (_list(_str), False), "description": OPT_TEXT, "sources": SOURCES,
        })), False),
        "sources": SOURCES, "note": OPT_TEXT,
    },
    "memberships": {
        "member": (_ref, True), "organisation": (_ref, True), "role": OPT_TEXT, "start": DATE, "end": DATE,
        "phases": (_list(_int), False), "sources": SOURCES, "note": OPT_TEXT,
    },
    "persons": {
        "id": ID, "name": TEXT,
        "positions": (_list(_sub({
            "organisation": (_ref, True), "role": TEXT, "title": OPT_TEXT, "start": DATE, "end": DATE,
            "sources": SOURCES,
        })), False),
        "sources": SOURCES, "note": OPT_TEXT,
    },
    "grants": {
        "id": ID, "funder": (_ref, True), "recipients": (_list(_ref), False), "project": (_ref, True),
        "phase": (_int, False), "programme": (_ref, False), "amount": (_number, True),
        "currency": OPT_TEXT, "approximate": (_bool, False), "date": DATE, "start": DATE, "end": DATE,
        "rate": (_number, False),
        "eligible_costs": (_list(_sub({"value": (_number, True), "approximate": (_bool, False),
                                       "source": (_ref, True)})), False),
        "description": OPT_TEXT, "sources": SOURCES, "note": OPT_TEXT,
    },
    "programmes": {
        "id": ID, "name": TEXT, "funder": (_ref, True), "description": OPT_TEXT,
        "stated_totals": (_list(_sub({"amount": (_number, True), "currency": OPT_TEXT, "approximate": (_bool, False),
                                      "scope": OPT_TEXT, "source": (_ref, True)})), False),
        "sources": SOURCES,
    },
    "services": {
        "id": ID, "title": TEXT, "description": TEXT, "task_field": OPT_TEXT,
        "competent_authorities": (_list(_ref), True), "operator": (_ref, False), "institution": (_ref, False),
        "developed_in": (_ref, False), "agreement": (_ref, False), "start": DATE, "end": DATE,
        "sources": SOURCES, "note": OPT_TEXT,
    },
    "agreements": {
        "id": ID, "title": TEXT, "legal_form": OPT_TEXT, "parties": (_list(_ref), False), "date": DATE,
        "legal_basis": (_list(_ref), False), "description": OPT_TEXT, "sources": SOURCES,
    },
    "legal_acts": {
        "id": ID, "title": TEXT, "short_title": OPT_TEXT, "url": (_pattern(URL_RE, "URL"), False),
        "date": DATE, "sources": SOURCES,
    },
    "meetings": {
        "id": ID, "organisation": (_ref, True), "name": TEXT, "start": (_datetime, False), "date": DATE,
        "public": (_bool, False),
        "location": (_sub({"name": TEXT, "address": OPT_TEXT}), False),
        "invitation": (_sub({"date": DATE, "title": OPT_TEXT, "signed_by": (_ref, False),
                             "place": OPT_TEXT}), False),
        "agenda": (_list(_sub({"number": TEXT, "name": TEXT, "public": (_bool, False),
                               "section": OPT_TEXT, "refers_to": (_ref, False)})), False),
        "sources": SOURCES, "note": OPT_TEXT,
    },
    "statements": {
        "id": ID, "type": TEXT, "about": (_ref, True), "text": TEXT, "language": OPT_TEXT,
        "speaker": (_ref, False), "task_fields": (_list(_str), False), "sources": SOURCES,
    },
}

COLLECTIONS = tuple(SPEC)
for _spec in SPEC.values():  # generated test data marks every record (ikz-graph synth)
    _spec["synthetic"] = (_bool, False)

#: Unit types (concepts of ikzc:unit-types) and the class each becomes.
UNIT_TYPES = {"landkreis": ns.IKZ + "Landkreis", "regionalverband": ns.IKZ + "Landkreis",
              "kreisfreie-stadt": ns.IKZ + "KreisfreieStadt", "stadtkreis": ns.IKZ + "KreisfreieStadt",
              "foreign": ns.IKZ + "ForeignRegion", "gemeinde": ns.IKZ + "Gemeinde"}
#: Organisation types and the class each becomes.
ORG_TYPES = {"ministry": ns.IKZ + "Ministry", "state-authority": ns.IKZ + "StateAuthority",
             "umbrella-association": ns.IKZ + "MunicipalUmbrellaAssociation",
             "model-project": ns.IKZ + "ModelProject", "zweckverband": ns.IKZ + "Zweckverband",
             "planning-community": ns.IKZ + "PlanningCommunity",
             "regional-association": ns.IKZ + "RegionalAssociation", "association": ns.IKZ + "Association",
             "company": ns.IKZ + "Company", "shared-institution": ns.IKZ + "SharedInstitution",
             "committee": ns.IKZ + "Committee", "organisation": ns.ORG + "Organization"}
STATEMENT_TYPES = {"goal", "vision", "quote"}


# ---------------------------------------------------------------- loading
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise ValueError("duplicate key")  # the YAML parser then reads the file and names the line
    return d


def _parse_yaml(path: Path, fast: bool = True) -> tuple[Any, tuple[int, str] | None]:
    """The YAML document of ``path``, or ``(None, (line, what is wrong))``.

    A file written in JSON style (JSON is YAML) is read by the much faster JSON parser when
    ``fast``; its records then have no line numbers (see :func:`load_records`).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, (0, f"cannot read file: {e}")
    if fast and text.lstrip().startswith("{"):
        import json

        try:
            return json.loads(text, object_pairs_hook=_no_duplicates), None
        except ValueError:
            pass  # not plain JSON after all: the YAML parser reads it and reports problems with lines
    try:
        return yaml.load(text, Loader=_Loader), None  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark else 0
        msg = " ".join(str(x) for x in (getattr(e, "context", None), getattr(e, "problem", None)) if x) or str(e)
        return None, (line, f"not valid YAML: {msg}")


def _read_file(path: Path, root: Path, problems: list[Problem], parsed: tuple) -> dict[str, list[Record]]:
    """The records of one file, from ``parsed`` (what :func:`_parse_yaml` returned for it)."""
    rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
    doc, error = parsed
    if error:
        problems.append(Problem(rel, error[0], "", error[1]))
        return {}
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(rel, 1, "", "the file must be a mapping of collection names to lists of records"))
        return {}
    out: dict[str, list[Record]] = {}
    for coll, items in doc.items():
        if coll == "__line__":
            continue
        if coll not in SPEC:
            problems.append(Problem(rel, doc.get("__line__", 0), "", f"unknown collection {coll!r} (known: {', '.join(COLLECTIONS)})"))
            continue
        if not isinstance(items, list):
            problems.append(Problem(rel, doc.get("__line__", 0), "", f"collection {coll!r} must be a list of records"))
            continue
        for raw in items:
            if not isinstance(raw, dict):
                problems.append(Problem(rel, doc.get("__line__", 0), coll, f"a {coll} entry must be a mapping, got {raw!r}"))
                continue
            line = raw.get("__line__", 0)
            rec = Record(coll, raw, rel, line)
            try:
                rec.data = _fields(raw, SPEC[coll])
            except _Bad as e:
                problems.append(Problem(rel, line, rec.label, str(e)))
                continue
            out.setdefault(coll, []).append(rec)
    return out


def load_records(data_dir: str | Path, concepts: dict[str, set[str]] | None = None, fast: bool = True) -> Records:
    """Read and check every ``*.yaml`` file in ``data_dir``.

    ``concepts`` maps a concept-scheme name (``task-fields``, ``legal-forms``, ``roles``,
    ``unit-types``) to its concept ids; when given, concept references are checked too.

    Raises :class:`~ikz_graph.errors.DataError` listing every problem found.
    """
    root = Path(data_dir)
    problems: list[Problem] = []
    if not root.is_dir():
        raise DataError([Problem(str(root), 0, "", "data directory does not exist")])
    files = sorted(p for p in root.glob("*.yaml") if not p.name.startswith((".", "_")))
    if not files:
        raise DataError([Problem(str(root), 0, "", "no *.yaml files in the data directory")])
    recs = Records()
    parsed_all = [_parse_yaml(p, fast) for p in files]
    for path, parsed in zip(files, parsed_all):
        for coll, items in _read_file(path, root, problems, parsed).items():
            recs.by_collection.setdefault(coll, []).extend(items)
    _check(recs, problems, concepts)
    if problems:
        if fast and any(doc is not None and "__line__" not in doc for doc, _ in parsed_all):
            # JSON-style files were read without line numbers: read again, as YAML, to name them
            return load_records(data_dir, concepts, fast=False)
        raise DataError(problems)
    return recs


# ---------------------------------------------------------------- cross-record checks
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e"})


def slugify(text: str) -> str:
    """The identifier derived from a name: ``"Julia Gieseking"`` -> ``"julia-gieseking"``."""
    s = text.lower().translate(_TRANSLIT)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def unit_id(d: dict) -> str | None:
    return d.get("key") or d.get("nuts3")


def _check(recs: Records, problems: list[Problem], concepts: dict[str, set[str]] | None) -> None:
    def bad(rec: Record, msg: str, line: int | None = None) -> None:
        problems.append(Problem(rec.file, line or rec.line, rec.label, msg))

    # ids, globally unique
    kinds = recs.kinds  # id -> kind
    first: dict[str, Record] = {}

    def define(rec: Record, ident: str, kind: str) -> None:
        if ident in first:
            o = first[ident]
            bad(rec, f"id {ident!r} is already used by {o.label} at {o.file}:{o.line}")
        else:
            first[ident] = rec
            kinds[ident] = kind

    for r in recs["sources"]:
        define(r, r.get("id"), "source")
        if not (r.get("url") or r.get("document")):
            bad(r, "a source needs a 'url' or a 'document'")
        if not (r.get("published") or r.get("accessed")):
            bad(r, "a source needs a date: 'published' and/or 'accessed'")
    for r in recs["states"]:
        define(r, r.get("key"), "state")
    for r in recs["units"]:
        d = r.data
        t = d["type"]
        if t not in UNIT_TYPES:
            bad(r, f"unknown unit type {t!r} (known: {', '.join(sorted(UNIT_TYPES))})")
        if t == "foreign":
            if d.get("key"):
                bad(r, "a foreign unit has no Kreisschlüssel")
            if not d.get("nuts3") or not d.get("country"):
                bad(r, "a foreign unit needs 'nuts3' and 'country'")
        elif not d.get("key"):
            bad(r, "missing required field 'key' (the 5-digit Kreisschlüssel)")
        elif t == "gemeinde":
            if len(d["key"]) != 8:
                bad(r, f"a gemeinde needs the 8-digit Gemeindeschlüssel as its key, not {d['key']!r}")
            if not d.get("district"):
                bad(r, "a gemeinde needs 'district' (the Kreisschlüssel of its Landkreis)")
        elif len(d["key"]) != 5:
            bad(r, f"a {t} needs the 5-digit Kreisschlüssel as its key, not {d['key']!r}")
        if d.get("district") and t != "gemeinde":
            bad(r, "only a gemeinde lies in a district ('district')")
        uid = unit_id(d)
        if uid:
            define(r, uid, "unit")
    for r in recs["organisations"]:
        define(r, r.get("id"), "organisation")
        if r.get("type") not in ORG_TYPES:
            bad(r, f"unknown organisation type {r.get('type')!r} (known: {', '.join(sorted(ORG_TYPES))})")
        nums = [p["number"] for p in r.get("phases", [])]
        if len(nums) != len(set(nums)):
            bad(r, "phase numbers repeat")
        if r.get("phases") and r.get("type") != "model-project":
            bad(r, "only a model-project has phases")
    for coll, kind in (("persons", "person"), ("grants", "grant"), ("programmes", "programme"),
                       ("services", "service"), ("agreements", "agreement"), ("legal_acts", "law"),
                       ("meetings", "meeting"), ("statements", "statement")):
        for r in recs[coll]:
            define(r, r.get("id"), kind)

    for r in recs["units"]:
        head = r.get("head")
        if head:
            pid = slugify(head["name"])
            if kinds.get(pid, "person") != "person":
                bad(r, f"head: person id {pid!r} is already used by a {kinds[pid]}", head["__line__"])
            kinds.setdefault(pid, "person")

    source_ids = {i for i, k in kinds.items() if k == "source"}
    phases = {r.get("id"): {p["number"] for p in r.get("phases", [])} for r in recs["organisations"]}
    org_types = {r.get("id"): r.get("type") for r in recs["organisations"]}

    def ref(rec: Record, value: str, allowed: tuple[str, ...], what: str, line: int | None = None) -> bool:
        k = kinds.get(value)
        if k is None:
            if "unit" in allowed and KEY_RE.match(value):
                bad(rec, f"{what}: unknown Kreisschlüssel {value!r} (no unit with that key in the data)", line)
            else:
                bad(rec, f"{what}: {value!r} does not exist (expected the id of a {' or '.join(allowed)})", line)
            return False
        if k not in allowed:
            bad(rec, f"{what}: {value!r} is a {k}, expected a {' or '.join(allowed)}", line)
            return False
        return True

    def check_sources(rec: Record, ids: list[str], line: int | None = None, what: str = "sources") -> None:
        if not ids:
            bad(rec, f"{what}: at least one source is required", line)
        for s in ids:
            if s not in source_ids:
                bad(rec, f"{what}: unknown source {s!r} (define it under 'sources:')", line)

    def concept(rec: Record, value: str | None, scheme: str, what: str, line: int | None = None) -> None:
        if value is None or concepts is None:
            return
        if value not in concepts.get(scheme, set()):
            bad(rec, f"{what}: {value!r} is not a concept of ikzc:{scheme} "
                     f"(known: {', '.join(sorted(concepts.get(scheme, ())))})", line)

    def order(rec: Record, start: Date | None, end: Date | None, what: str = "", line: int | None = None) -> None:
        if start and end and end.latest < start.earliest:
            bad(rec, f"{what}end date {end} is before start date {start}", line)

    agents = ("unit", "organisation", "state", "person")
    orgish = ("unit", "organisation", "state")
    for coll in SPEC:
        for r in recs[coll]:
            if "sources" in SPEC[coll]:
                check_sources(r, r.get("sources", []))
    for r in recs["units"]:
        for f in ("population", "area_km2"):
            for fig in r.data.get(f, []):
                check_sources(r, [fig["source"]], fig["__line__"], f"{f}.source")
        if "head" in r.data:
            check_sources(r, [r.data["head"]["source"]], r.data["head"]["__line__"], "head.source")
        if "head" in r.data:
            concept(r, r.data["head"]["role"], "roles", "head.role", r.data["head"]["__line__"])
            order(r, r.data["head"].get("since"), r.data["head"].get("until"), "head: ", r.data["head"]["__line__"])
    unit_types = {unit_id(r.data): r.get("type") for r in recs["units"]}
    for r in recs["units"]:
        dist = r.get("district")
        if dist and ref(r, dist, ("unit",), "district"):
            if unit_types.get(dist) not in ("landkreis", "regionalverband"):
                bad(r, f"district: {dist!r} is a {unit_types.get(dist)}, expected a landkreis")
            elif r.get("key") and not r.get("key").startswith(dist):
                bad(r, f"district: the Gemeindeschlüssel {r.get('key')!r} does not start with "
                       f"the district's Kreisschlüssel {dist!r}")
    _check_synthetic(recs, bad)
    listed: dict[str, set[str]] = {}
    for r in recs["neighbours"]:
        u = r.get("unit")
        if ref(r, u, ("unit",), "unit"):
            if u in listed:
                bad(r, f"neighbours of {u!r} are listed twice")
            listed.setdefault(u, set())
        for n in r.get("neighbours"):
            if ref(r, n, ("unit",), "neighbours"):
                if n == u:
                    bad(r, f"{u!r} cannot be its own neighbour")
                listed.setdefault(u, set()).add(n)
    nb_rec = {r.get("unit"): r for r in recs["neighbours"]}
    for u, touching in sorted(listed.items()):
        for n in sorted(touching):
            if n in listed and u not in listed[n]:
                bad(nb_rec[u], f"{u!r} lists {n!r} as neighbour, but the neighbours of {n!r} do not list {u!r}")
    for r in recs["organisations"]:
        d = r.data
        concept(r, d.get("legal_form"), "legal-forms", "legal_form")
        for t in d.get("task_fields", []):
            concept(r, t, "task-fields", "task_fields")
        if d.get("parent"):
            ref(r, d["parent"], orgish, "parent")
        if d.get("developed_in"):
            ref(r, d["developed_in"], ("organisation",), "developed_in")
        for x in d.get("legal_basis", []):
            ref(r, x, ("law",), "legal_basis")
        for x in d.get("accompanies", []):
            ref(r, x, ("organisation",), "accompanies")
        order(r, d.get("founded"), d.get("dissolved"))
        for p in d.get("phases", []):
            order(r, p.get("start"), p.get("end"), f"phase {p['number']}: ", p["__line__"])
            check_sources(r, p.get("sources", []), p["__line__"], f"phase {p['number']} sources")
            for t in p.get("task_fields", []):
                concept(r, t, "task-fields", f"phase {p['number']} task_fields", p["__line__"])
    seen_m: dict[tuple, Record] = {}
    for r in recs["memberships"]:
        d = r.data
        ok = ref(r, d["member"], agents, "member") & ref(r, d["organisation"], orgish, "organisation")
        concept(r, d.get("role"), "roles", "role")
        order(r, d.get("start"), d.get("end"))
        if ok:
            k = (d["member"], d["organisation"], d.get("role", "member"), str(d.get("start", "")))
            if k in seen_m:
                o = seen_m[k]
                bad(r, f"the same membership is already stated at {o.file}:{o.line}")
            seen_m[k] = r
            for n in d.get("phases", []):
                if n not in phases.get(d["organisation"], set()):
                    bad(r, f"phases: {d['organisation']!r} has no phase {n}")
    for r in recs["persons"]:
        for p in r.get("positions", []):
            ref(r, p["organisation"], orgish, "positions.organisation", p["__line__"])
            concept(r, p["role"], "roles", "positions.role", p["__line__"])
            order(r, p.get("start"), p.get("end"), "position: ", p["__line__"])
            check_sources(r, p["sources"], p["__line__"], "positions.sources")
    for r in recs["grants"]:
        d = r.data
        ref(r, d["funder"], orgish, "funder")
        for x in d.get("recipients", []):
            ref(r, x, orgish, "recipients")
        for c in d.get("eligible_costs", []):
            check_sources(r, [c["source"]], c["__line__"], "eligible_costs.source")
        if ref(r, d["project"], ("organisation",), "project") and d.get("phase") is not None \
                and d["phase"] not in phases.get(d["project"], set()):
            bad(r, f"phase: {d['project']!r} has no phase {d['phase']}")
        if d.get("programme"):
            ref(r, d["programme"], ("programme",), "programme")
        if d.get("rate") is not None and not 0 < d["rate"] <= 1:
            bad(r, f"rate must be a share between 0 and 1, got {d['rate']}")
        order(r, d.get("start"), d.get("end"))
    for r in recs["programmes"]:
        ref(r, r.get("funder"), orgish, "funder")
        for t in r.get("stated_totals", []):
            check_sources(r, [t["source"]], t["__line__"], "stated_totals.source")
    for r in recs["services"]:
        d = r.data
        concept(r, d.get("task_field"), "task-fields", "task_field")
        if not d["competent_authorities"]:
            bad(r, "competent_authorities: at least one is required")
        for x in d["competent_authorities"]:
            ref(r, x, orgish, "competent_authorities")
        if d.get("operator"):
            ref(r, d["operator"], orgish, "operator")
        if d.get("institution") and ref(r, d["institution"], ("organisation",), "institution") \
                and org_types.get(d["institution"]) != "shared-institution":
            bad(r, f"institution: {d['institution']!r} is not a shared-institution")
        if d.get("developed_in"):
            ref(r, d["developed_in"], ("organisation",), "developed_in")
        if d.get("agreement"):
            ref(r, d["agreement"], ("agreement",), "agreement")
        order(r, d.get("start"), d.get("end"))
    for r in recs["agreements"]:
        concept(r, r.get("legal_form"), "legal-forms", "legal_form")
        for x in r.get("parties", []):
            ref(r, x, orgish, "parties")
        for x in r.get("legal_basis", []):
            ref(r, x, ("law",), "legal_basis")
    for r in recs["meetings"]:
        d = r.data
        ref(r, d["organisation"], orgish, "organisation")
        if not (d.get("start") or d.get("date")):
            bad(r, "a meeting needs 'start' (date and time) or 'date'")
        if d.get("invitation", {}).get("signed_by"):
            ref(r, d["invitation"]["signed_by"], ("person",), "invitation.signed_by", d["invitation"]["__line__"])
        nums = [a["number"] for a in d.get("agenda", [])]
        if len(nums) != len(set(nums)):
            bad(r, "agenda item numbers repeat")
        for a in d.get("agenda", []):
            if a.get("refers_to"):
                ref(r, a["refers_to"], ("meeting",), "agenda.refers_to", a["__line__"])
    for r in recs["statements"]:
        d = r.data
        if d["type"] not in STATEMENT_TYPES:
            bad(r, f"unknown statement type {d['type']!r} (known: {', '.join(sorted(STATEMENT_TYPES))})")
        ref(r, d["about"], orgish + ("service",), "about")
        if d.get("speaker"):
            ref(r, d["speaker"], agents, "speaker")
        for t in d.get("task_fields", []):
            concept(r, t, "task-fields", "task_fields")


def _check_synthetic(recs: Records, bad) -> None:
    """Generated records (``synthetic: true``) and real records never share a data directory."""
    synth = [r for coll in SPEC for r in recs[coll] if r.get("synthetic")]
    if not synth:
        return
    real = [r for coll in SPEC for r in recs[coll] if not r.get("synthetic")]
    for r in real[:20]:
        bad(r, "this data directory holds synthetic records (e.g. "
               f"{synth[0].label} at {synth[0].file}:{synth[0].line}); real and synthetic records "
               "must never be mixed, so this record needs 'synthetic: true' or another directory")
    if len(real) > 20:
        bad(real[20], f"… and {len(real) - 20} more real records in a synthetic data directory")
