"""The record format of ``data/*.yaml``: collections, their fields and field types, record ids.

:data:`SPEC` names, per collection, every field with its check and whether it is required; an
unknown field is an error. Reading the files is :mod:`ikz_graph.records`, the checks across
records are :mod:`ikz_graph.checks`. The format is documented in ``docs/data-format.md``.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pyoxigraph import NamedNode

from . import namespaces as ns
from .dates import Date, parse_date
from .errors import DateError, FieldError
from .inputs import LINE, brief

__all__ = ["LINE", "Record", "Records", "SPEC", "COLLECTIONS", "ORG_TYPES", "STATEMENT_TYPES", "FieldError", "read_fields",
           "slugify", "unit_id", "KEY_RE"]

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEY_RE = re.compile(r"^[0-9]{5}$")
AGS_RE = re.compile(r"^[0-9]{5}([0-9]{3})?$")
LAND_KEY_RE = re.compile(r"^[0-9]{2}$")
NUTS3_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")
QID_RE = re.compile(r"^Q[1-9][0-9]*$")
URL_RE = re.compile(r"^https?://\S+$")
DATETIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
VALID_LAND_KEYS = {f"{i:02d}" for i in range(1, 17)}

#: Bounds of the figures in the records. Far beyond any real figure, and well inside what every store
#: holds exactly: Oxigraph keeps an xsd:integer in 64 bits and an xsd:decimal with 18 decimal places
#: up to about 1.7e20, so a larger value would be ill-typed there but not in rdflib, and the two SHACL
#: engines would disagree; NaN and infinity have no xsd:decimal form at all.
MAX_WHOLE = 10**9
MAX_NUMBER = 10**15
MAX_DECIMALS = 6
#: The longest text field: far beyond any description, well inside the store's limit per literal.
MAX_TEXT = 100_000


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

        def cut(v: Any) -> str:  # a label stays short, whatever the record holds
            return (v if len(v) <= 60 else v[:57] + "...") if isinstance(v, str) else brief(v, 60)

        for k in ("id", "key", "unit", "nuts3"):
            if isinstance(d.get(k), str):
                return f"{self.collection[:-1] if self.collection.endswith('s') else self.collection} {cut(d[k])}"
        if self.collection == "memberships":
            return f"membership {cut(d.get('member'))} in {cut(d.get('organisation'))}"
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
    #: ids of records left out because their own fields are wrong -> "file:line"; a reference to one
    #: is a consequence of that problem, not a problem of its own, and is not reported again
    rejected: dict[str, str] = field(default_factory=dict)
    #: keys of units of the official register that records refer to (they have no record of their own)
    register_refs: set[str] = field(default_factory=set)

    def __getitem__(self, collection: str) -> list[Record]:
        return self.by_collection.get(collection, [])


# ---------------------------------------------------------------- field types
def _date(v: Any) -> Date:
    try:
        return parse_date(v)
    except DateError as e:
        raise FieldError(str(e)) from None


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise FieldError(f"expected a non-empty text, got {brief(v)}")
    if len(v) > MAX_TEXT:
        raise FieldError(f"a text of {len(v)} characters (at most {MAX_TEXT})")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError as e:  # JSON may escape half a character ("\ud800"), which no store holds
        raise FieldError(f"{brief(v)} is not text: {e.reason} at character {e.start + 1}") from None
    return v.strip()


def _url(v: Any) -> str:
    """An http(s) address that is a valid IRI: the graph holds it as one (``schema:url``)."""
    s = _pattern(URL_RE, "URL")(v)
    try:
        NamedNode(s)
    except ValueError as e:
        raise FieldError(f"{brief(s)} is not a valid URL: {e} (write such characters percent-encoded, "
                         "e.g. %22 for \")") from None
    return s


def _pattern(regex: re.Pattern, what: str):
    def check(v: Any) -> str:
        if isinstance(v, int) and not isinstance(v, bool):
            raise FieldError(f"{what} {brief(v)} must be a quoted string (YAML drops leading zeros of numbers)")
        s = _str(v)
        if not regex.match(s):
            raise FieldError(f"{brief(s)} is not a valid {what}")
        return s
    return check


def _key(v: Any) -> str:
    s = _pattern(AGS_RE, "Kreisschlüssel (5 digits) or Gemeindeschlüssel (8 digits)")(v)
    if s[:2] not in VALID_LAND_KEYS:
        raise FieldError(f"{brief(s)} is not a valid key: {brief(s[:2])} is no Länderschlüssel (01-16)")
    return s


def _ref(v: Any) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        raise FieldError(f"reference {brief(v)} must be a quoted string (YAML drops leading zeros of numbers)")
    return _str(v)


def _number(v: Any) -> float | int:
    """A figure (amount, area, rate): finite, from 0 to :data:`MAX_NUMBER`, at most :data:`MAX_DECIMALS` places."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise FieldError(f"expected a number, got {brief(v)}")
    if isinstance(v, float) and not math.isfinite(v):  # (an int is finite, and may be too large for a float)
        raise FieldError(f"expected a finite number, got {v}")
    if not 0 <= v <= MAX_NUMBER:
        raise FieldError(f"expected a number from 0 to {MAX_NUMBER}, got {brief(v)}")
    if Decimal(str(v)).as_tuple().exponent < -MAX_DECIMALS:
        raise FieldError(f"expected a number with at most {MAX_DECIMALS} decimal places, got {v}")
    return v


def _int(v: Any) -> int:
    """A count or number (population, phase): a whole number from 0 to :data:`MAX_WHOLE`."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise FieldError(f"expected a whole number, got {brief(v)}")
    if not 0 <= v <= MAX_WHOLE:
        raise FieldError(f"expected a whole number from 0 to {MAX_WHOLE}, got {brief(v)}")
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise FieldError(f"expected true or false, got {brief(v)}")
    return v


def _datetime(v: Any) -> str:
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            raise FieldError(f"{v} has no time-zone offset (write 2023-10-09T18:00:00+02:00)")
        return v.isoformat()
    s = _str(v)
    if not DATETIME_RE.fullmatch(s):
        raise FieldError(f"{brief(s)} is not a date-time with offset (write 2023-10-09T18:00:00+02:00)")
    try:  # a real day, hour and minute, and an offset within a day
        dt.datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
    except ValueError:
        raise FieldError(f"{brief(s)} is not a valid date-time: there is no such day or time") from None
    return s


def _list(item):
    def check(v: Any) -> list:
        if not isinstance(v, list):
            raise FieldError(f"expected a list, got {brief(v)}")
        return [item(x) for x in v]
    return check


def _sub(spec: dict):
    """A nested mapping with its own fields."""
    def check(v: Any) -> dict:
        if not isinstance(v, dict):
            raise FieldError(f"expected a mapping, got {brief(v)}")
        return read_fields(v, spec)
    return check


def _one_or_many(check):
    """A mapping, or a list of mappings (one per source when sources differ); always a list."""
    def run(v: Any) -> list:
        return [check(x) for x in v] if isinstance(v, list) else [check(v)]
    return run


def read_fields(raw: dict, spec: dict[str, tuple]) -> dict:
    """The fields of ``raw`` checked against ``spec``; raises :class:`FieldError` for the first problem."""
    out: dict[Any, Any] = {LINE: raw.get(LINE, 0)}
    unknown = sorted((k for k in raw if k != LINE and k not in spec), key=str)
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise FieldError(f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(brief, unknown[:5]))}{more}"
                         f" (allowed: {', '.join(sorted(spec))})")
    for name, (check, required) in spec.items():
        if name not in raw or raw[name] is None:
            if required:
                raise FieldError(f"missing required field {brief(name)}")
            continue
        try:
            out[name] = check(raw[name])
        except FieldError as e:
            raise FieldError(f"field {brief(name)}: {e}") from None
    return out


ID = (_pattern(ID_RE, "identifier (lower-case letters, digits, hyphens)"), True)
SOURCES = (_list(_ref), True)
OPT_SOURCES = (_list(_ref), False)
TEXT = (_str, True)
OPT_TEXT = (_str, False)
DATE = (_date, False)

SPEC: dict[str, dict[str, tuple]] = {
    "sources": {
        "id": ID, "title": TEXT, "url": (_url, False), "document": OPT_TEXT,
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
        "parent": (_ref, False), "seat": OPT_TEXT, "homepage": (_url, False),
        "description": OPT_TEXT, "sites": (_list(_str), False), "developed_in": (_ref, False),
        "legal_basis": (_list(_ref), False), "accompanies": (_list(_ref), False),
        "wikidata": (_pattern(QID_RE, "Wikidata item id (Q…)"), False), "statutory": (_bool, False),
        "phases": (_list(_sub({
            "number": (_int, True), "name": OPT_TEXT, "start": DATE, "end": DATE,
            "task_fields": (_list(_str), False), "description": OPT_TEXT, "sources": SOURCES,
        })), False),
        "sources": SOURCES, "note": OPT_TEXT,
    },
    "memberships": {
        "member": (_ref, True), "member_name": OPT_TEXT, "organisation": (_ref, True), "role": OPT_TEXT,
        "start": DATE, "end": DATE, "phases": (_list(_int), False), "sources": SOURCES, "note": OPT_TEXT,
    },
    "persons": {
        "id": ID, "name": TEXT,
        "positions": (_list(_sub({
            "organisation": (_ref, True), "role": TEXT, "title": OPT_TEXT, "appointed": DATE, "start": DATE,
            "end": DATE, "sources": SOURCES,
        })), False),
        "sources": SOURCES, "note": OPT_TEXT,
    },
    "grants": {
        "id": ID, "funder": (_ref, True), "recipients": (_list(_ref), False), "project": (_ref, False),
        "phase": (_int, False), "programme": (_ref, False), "amount": (_number, False),
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
        "legal_basis": (_list(_ref), False), "description": OPT_TEXT, "sources": SOURCES, "note": OPT_TEXT,
    },
    "legal_acts": {
        "id": ID, "title": TEXT, "short_title": OPT_TEXT, "url": (_url, False),
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

#: Organisation types and the class each becomes.
ORG_TYPES = {"ministry": ns.IKZ + "Ministry", "state-authority": ns.IKZ + "StateAuthority",
             "umbrella-association": ns.IKZ + "MunicipalUmbrellaAssociation",
             "model-project": ns.IKZ + "ModelProject", "zweckverband": ns.IKZ + "Zweckverband",
             "planning-community": ns.IKZ + "PlanningCommunity",
             "regional-association": ns.IKZ + "RegionalAssociation", "association": ns.IKZ + "Association",
             "company": ns.IKZ + "Company", "shared-institution": ns.IKZ + "SharedInstitution",
             "cooperation-network": ns.IKZ + "CooperationNetwork",
             "committee": ns.IKZ + "Committee", "organisation": ns.ORG + "Organization"}
STATEMENT_TYPES = {"goal", "vision", "quote"}


_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e"})


def slugify(text: str) -> str:
    """The identifier derived from a name: ``"Julia Gieseking"`` -> ``"julia-gieseking"``."""
    s = text.lower().translate(_TRANSLIT)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def unit_id(d: dict) -> str | None:
    return d.get("key") or d.get("nuts3")
