"""The official base layer: the tables of ``data/base/`` (made by ``ikz-graph import``) as triples.

The tables (:mod:`ikz_graph.tsv`) are read here and nowhere else:

* ``units.tsv`` (GV100AD): every Land, Regierungsbezirk, Region, Kreis, Gemeindeverband and Gemeinde
  with its keys, type, name, seat, the unit it lies in, and (for Gemeinden) area and population;
* ``wikidata.tsv``: the Wikidata ids of Länder and Kreise;
* ``geometry.tsv`` and ``touches.tsv`` (BKG VG5000): simplified boundaries, centroids, and the units of
  one level that share a border;
* ``changes.tsv`` (Destatis lists of territorial changes): dated changes of key, name or territory;
* ``gvisys.tsv`` (GV-ISys): a second population and area of each Gemeinde, of another date.

Which part of the layer a graph holds is its *scope* (:data:`SCOPES`): all of Germany, Rhineland-Palatinate
only, or none (the curated records alone). Every table names, in its ``source-id:`` comment, the
source record (``data/*.yaml``) its facts are attributed to; a table whose source record is missing
is an error, so no fact enters the graph without its source.

IRIs come from the official keys and do not depend on the scope: a Land is ``state:07``, a Gemeinde
``unit:<AGS>`` (8 digits), every other unit ``unit:<ARS>`` (Regierungsbezirk 3, Region 4, Kreis 5,
Gemeindeverband 9 digits), so the districts keep the IRIs of their curated records. Where a curated
record describes the same unit, both are kept: the curated label stays the label, the register's
name is added as ``ikz:officialName``, and each figure is its own node with its own source and date.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from . import namespaces as ns
from .dates import day_before
from .errors import DataError, InputError, Problem
from .levels import BY_RECORD, OFFICIAL_KEY, REGIONAL_KEY, RegisterUnit, UnitType
from .terms import literal
from .tsv import Table, read

__all__ = ["SCOPES", "DEFAULT_SCOPE", "scope", "BaseLayer", "read_base", "base_triples", "base_files", "unit_iri",
           "TABLES", "register"]

#: The parts of the base layer a graph can hold.
SCOPES = {
    "de": "every Land, Kreis, Gemeindeverband and Gemeinde of Germany",
    "rlp": "the units of Rhineland-Palatinate (Land 07) only",
    "none": "no base layer: the curated records alone",
}
DEFAULT_SCOPE = "de"
_RLP = "07"

#: The tables of the layer, in the order they are read; only ``units.tsv`` is required.
TABLES = ("units.tsv", "wikidata.tsv", "geometry.tsv", "touches.tsv", "changes.tsv", "gvisys.tsv")

N = NamedNode
_WKT = NamedNode(ns.GEO + "wktLiteral")


def scope(value: str | None = None) -> str:
    """The scope asked for: ``value``, else the environment's ``IKZ_GRAPH_BASE``, else :data:`DEFAULT_SCOPE`."""
    chosen = value or os.environ.get("IKZ_GRAPH_BASE") or DEFAULT_SCOPE
    if chosen not in SCOPES:
        raise InputError(f"unknown base layer {chosen!r} (known: {', '.join(SCOPES)})")
    return chosen


def base_files(data_dir: str | Path) -> list[Path]:
    """The table files of the base layer under ``data_dir`` (``data_dir/base/``), in :data:`TABLES` order."""
    folder = Path(data_dir) / "base"
    return [folder / t for t in TABLES if (folder / t).is_file()]


def unit_iri(ars: str, ags: str = "") -> NamedNode:
    """The IRI of a unit by its keys: ``state:`` + Länderschlüssel, ``unit:`` + AGS of a Gemeinde, else ``unit:`` + ARS."""
    if len(ars) == 2:
        return N(ns.DATA_PREFIXES["state"] + ars)
    return N(ns.DATA_PREFIXES["unit"] + (ags if len(ars) == 12 and ags else ars))


def register(data_dir: str | Path) -> dict[str, RegisterUnit]:
    """Every unit of the register (``base/units.tsv``) by its official key, for the references of the records.

    Empty when the data folder has no base layer. Rows of an unknown type are left to the build, which
    reports them.
    """
    f = Path(data_dir) / "base" / "units.tsv"
    if not f.is_file():
        return {}
    t = read(f)
    t.need("ars", "ags", "record", "tkz", "name")
    found: dict[str, RegisterUnit] = {}
    for r in t.rows:
        ut = BY_RECORD.get((r["record"], r["tkz"]))
        if ut is not None:
            key = r["ars"] if len(r["ars"]) == ut.key_length or ut.key_length is None else r["ags"]
            found[key] = RegisterUnit(r["ars"], key, r["name"], ut)
    return found


@dataclass
class BaseLayer:
    """The tables of the layer; ``extra``: ARS of units outside the scope that curated records refer to."""

    scope: str
    tables: dict[str, Table] = field(default_factory=dict)
    extra: frozenset[str] = frozenset()

    def meta(self, table: str, key: str) -> str | None:
        """The value of a ``key: value`` comment line of ``table``."""
        for c in self.tables[table].comments:
            if c.startswith(key + ":"):
                return c.split(":", 1)[1].strip()
        return None


def read_base(data_dir: str | Path, chosen: str, referenced: frozenset[str] = frozenset()) -> BaseLayer | None:
    """The base layer of ``data_dir`` in scope ``chosen``, or None (no ``base/`` folder, or scope ``none`` and
    no reference).

    ``referenced``: the ARS of register units that curated records refer to (and of the units they lie in).
    They are part of every scope, so that a reference never points at a node the graph does not describe; in
    scope ``none`` only their register entries are read (``units.tsv``), nothing else.
    """
    files = base_files(data_dir)
    if chosen == "none":
        files = [f for f in files if f.name == "units.tsv"] if referenced else []
    if not files:
        return None
    layer = BaseLayer(chosen, extra=referenced)
    for f in files:
        layer.tables[f.name] = read(f)
    if "units.tsv" not in layer.tables:
        raise InputError(f"{Path(data_dir) / 'base'}: the base layer has tables but no units.tsv")
    return layer


class _Base:
    def __init__(self, layer: BaseLayer, source_ids: set[str], curated: set[str]):
        self.layer = layer
        self.triples: set[Triple] = set()
        self.curated = curated              # IRIs of units that curated records describe
        self.source_ids = source_ids
        self.problems: list[Problem] = []
        self._iris: dict[str, NamedNode] = {}
        self.iri_by_ars: dict[str, NamedNode] = {}
        self.skipped: dict[str, int] = {}   # table -> rows for units not in the register
        self.register_iris: set[NamedNode] = set()
        self.link_iris: dict[str, NamedNode] = {}  # curated units outside the scope that units in it lie in
        self.made: set[NamedNode] = set()   # units made from the change lists
        self.centroids: set[NamedNode] = set()

    def add(self, s: NamedNode, p: str, o) -> None:
        if isinstance(o, str):
            o = self._iris.get(o) or self._iris.setdefault(o, N(o))
        self.triples.add(Triple(s, self._iris.get(p) or self._iris.setdefault(p, N(p)), o))

    def in_scope(self, ars: str) -> bool:
        scope = self.layer.scope
        return scope == "de" or (scope == "rlp" and ars.startswith(_RLP)) or ars in self.layer.extra

    def source(self, table: str) -> NamedNode | None:
        sid = self.layer.meta(table, "source-id")
        t = self.layer.tables[table]
        if not sid:
            self.problems.append(Problem(t.file, 1, "", "the table names no source (a comment line 'source-id: ID')"))
            return None
        if sid not in self.source_ids:
            self.problems.append(Problem(t.file, 1, "", f"source-id {sid!r} has no source record in data/*.yaml "
                                                        "(add one to data/official-sources.yaml)"))
            return None
        return N(ns.DATA_PREFIXES["source"] + sid)

    # -- units.tsv
    def units(self) -> None:
        t = self.layer.tables["units.tsv"]
        t.need("ars", "ags", "record", "tkz", "name", "seat", "parent", "area_ha", "population")
        src = self.source("units.tsv")
        if src is None:
            return
        pop_date = self.layer.meta("units.tsv", "population-date")
        rows = [r for r in t.rows if self.in_scope(r["ars"])]
        types: dict[str, UnitType] = {}
        for r in rows:
            ut = BY_RECORD.get((r["record"], r["tkz"]))
            if ut is None:
                self.problems.append(Problem(t.file, r.line, r["ars"], f"unknown Satzart {r['record']!r} with "
                                                                       f"Textkennzeichen {r['tkz']!r}"))
                continue
            types[r["ars"]] = ut
            self.iri_by_ars[r["ars"]] = unit_iri(r["ars"], r["ags"])
        self.register_iris = set(self.iri_by_ars.values())
        # a unit in the scope may lie in a curated unit outside it (scope none): the link is written
        links = dict(types)
        for r in t.rows:
            ut = BY_RECORD.get((r["record"], r["tkz"]))
            if ut is not None and r["ars"] not in links and unit_iri(r["ars"], r["ags"]).value in self.curated:
                links[r["ars"]] = ut
                self.link_iris[r["ars"]] = unit_iri(r["ars"], r["ags"])
        for r in rows:
            if r["ars"] in types:
                self.unit(r, links, src)
        self.figures(t.rows, types, src, pop_date)

    def unit(self, r, types: dict[str, UnitType], src: NamedNode) -> None:
        ars, ags, ut = r["ars"], r["ags"], types[r["ars"]]
        s = self.iri_by_ars[ars]
        curated = s.value in self.curated
        self.add(s, ns.RDF + "type", ut.cls)
        self.add(s, ns.IKZ + "unitType", ns.IKZC + ut.id)
        key = ars if len(ars) == ut.key_length else ags   # the level's key (levels): a Gemeinde's is its AGS
        self.add(s, ut.key_property, literal(key))
        self.add(s, OFFICIAL_KEY, literal(key))
        if len(ars) == 12:  # a Gemeinde's ARS is a second identifier, not its official key (the AGS is)
            self.add(s, REGIONAL_KEY, literal(ars))
        self.add(s, ns.DCT + "identifier", literal(key))
        self.add(s, ns.IKZ + "officialName", literal(r["name"], lang="de"))
        if not curated:
            self.add(s, ns.RDFS + "label", literal(r["name"], lang="de"))
            self.add(s, ns.SCHEMA + "name", literal(r["name"], lang="de"))
            if r["seat"]:
                self.add(s, ns.IKZ + "seat", literal(r["seat"], lang="de"))
        self.add(s, ns.DCT + "source", src)
        if len(ars) > 2 and (ars[:2] in self.iri_by_ars or ars[:2] in self.link_iris):
            self.add(s, ns.IKZ + "inState", self._in(ars[:2]))
        self.hierarchy(s, r, ars, types)

    def _in(self, ars: str) -> NamedNode:
        return self.iri_by_ars.get(ars) or self.link_iris[ars]

    def hierarchy(self, s: NamedNode, r, ars: str, types: dict[str, UnitType]) -> None:
        """The units a unit lies in: its Regierungsbezirk, Region, Kreis and Gemeindeverband."""
        level = types[ars].level
        if level in ("region", "kreis", "gemeindeverband", "gemeinde") and ars[:3] in types \
                and types[ars[:3]].level == "regierungsbezirk":
            self.add(s, ns.IKZ + "inRegierungsbezirk", self._in(ars[:3]))
        parent = r["parent"]
        if level == "kreis" and parent in types and types[parent].level == "region":
            self.add(s, ns.IKZ + "inRegion", self._in(parent))
        if level in ("gemeindeverband", "gemeinde") and ars[:5] in types:
            kreis = self._in(ars[:5])
            self.add(s, ns.IKZ + "inKreis", kreis)
            if level == "gemeinde" and types[ars[:5]].cls == ns.IKZ + "Landkreis":
                self.add(s, ns.IKZ + "inDistrict", kreis)
        if level == "gemeinde" and ars[:9] in types:
            self.add(s, ns.IKZ + "inGemeindeverband", self._in(ars[:9]))

    def figures(self, rows, types: dict[str, UnitType], src: NamedNode, pop_date: str | None) -> None:
        """Population and area of each Gemeinde as the register gives them, and of every unit above it
        as the sum over its Gemeinden (marked as such). ``rows`` are all rows of the table, so that a unit
        in the scope sums all its Gemeinden; figures are written for the units in the scope (``types``)."""
        sid = src.value.rsplit("/", 1)[1]
        pops: dict[str, int] = {}
        areas: dict[str, int] = {}
        region_of = {r["ars"]: r["parent"] for r in rows if r["record"] == "40" and len(r["parent"]) == 4}
        for r in rows:
            if r["record"] != "60" or (r["record"], r["tkz"]) not in BY_RECORD:
                continue
            ars = r["ars"]
            targets = [ars, ars[:9], ars[:5], region_of.get(ars[:5], ""), ars[:3], ars[:2]]
            for key in dict.fromkeys(targets):
                if key in types:
                    if r["population"]:
                        pops[key] = pops.get(key, 0) + int(r["population"])
                    if r["area_ha"]:
                        areas[key] = areas.get(key, 0) + int(r["area_ha"])
        status = self.layer.meta("units.tsv", "territorial-status")
        for key, value in sorted(pops.items()):
            self.figure(self.iri_by_ars[key], "population", literal(value), pop_date, sid, src,
                        summed=types[key].record != "60")
        for key, ha in sorted(areas.items()):
            self.figure(self.iri_by_ars[key], "area", literal(str(Decimal(ha) / 100), "decimal"), status, sid, src,
                        summed=types[key].record != "60")

    def figure(self, s: NamedNode, kind: str, value: Literal, day: str | None, sid: str, src: NamedNode,
               summed: bool = False) -> None:
        """One population or area figure of ``s`` as a node of its own, with value, date and source."""
        f = N(f"{s.value}/population/{day}/{sid}" if kind == "population" else f"{s.value}/area/{sid}")
        self.add(s, ns.IKZ + kind, f)
        self.add(f, ns.RDF + "type", ns.IKZ + ("PopulationFigure" if kind == "population" else "AreaFigure"))
        self.add(f, ns.SCHEMA + "value", value)
        if kind == "area":
            self.add(f, ns.SCHEMA + "unitCode", literal("KMK"))
        if day:
            self.add(f, ns.SCHEMA + "observationDate", literal(day, "date"))
        self.add(f, ns.DCT + "source", src)
        if summed:
            self.add(f, ns.RDFS + "comment", literal("the sum of the register's Gemeinden in the unit", lang="en"))

    # -- wikidata.tsv
    def wikidata(self) -> None:
        t = self.layer.tables["wikidata.tsv"]
        t.need("key", "wikidata")
        src = self.source("wikidata.tsv")
        for r in t.rows:
            s = self.iri_by_ars.get(r["key"])
            if s is None:
                self.skipped["wikidata.tsv"] = self.skipped.get("wikidata.tsv", 0) + 1
                continue
            self.add(s, ns.SKOS + "exactMatch", ns.WD + r["wikidata"])
            if src is not None and s.value not in self.curated:
                self.add(s, ns.DCT + "source", src)

    # -- gvisys.tsv
    def gvisys(self) -> None:
        """A second population and area of each Gemeinde (GV-ISys, another date), and its centroid."""
        name = "gvisys.tsv"
        t = self.layer.tables[name]
        t.need("ars", "ags", "area_km2", "population", "lon", "lat")
        src = self.source(name)
        if src is None:
            return
        sid = src.value.rsplit("/", 1)[1]
        day = (self.layer.meta(name, "population-date") or "").split(" ")[0] or None
        for r in t.rows:
            if not self.in_scope(r["ars"]):
                continue
            s = self.iri_by_ars.get(r["ars"])
            if s is None:
                self.skipped[name] = self.skipped.get(name, 0) + 1
                continue
            if r["population"]:
                self.figure(s, "population", literal(int(r["population"])), day, sid, src)
            if r["area_km2"]:
                self.figure(s, "area", literal(r["area_km2"], "decimal"), day, sid, src)
            if r["lon"] and r["lat"]:
                self.centroid(s, r["lon"], r["lat"], sid, src)

    def centroid(self, s: NamedNode, lon: str, lat: str, sid: str, src: NamedNode) -> None:
        self.centroids.add(s)
        c = N(f"{s.value}/centroid/{sid}")
        self.add(s, ns.GEO + "hasCentroid", c)
        self.add(c, ns.RDF + "type", ns.GEO + "Geometry")
        self.add(c, ns.GEO + "asWKT", Literal(f"POINT({lon} {lat})", datatype=_WKT))
        self.add(c, ns.DCT + "source", src)

    # -- changes.tsv
    def changes(self) -> None:
        """Each dated change as an ikz:TerritorialChange; a unit that a change dissolves or gives a new key
        existed until the day before, and a unit it makes (a new key) exists from that day."""
        name = "changes.tsv"
        t = self.layer.tables[name]
        t.need("date", "kind", "level", "old_ars", "old_ags", "old_name", "new_ars", "new_ags", "new_name", "case",
               "source")
        src = self.source(name)
        if src is None:
            return
        for r in t.rows:
            if not (self.in_scope(r["old_ars"]) or self.in_scope(r["new_ars"])):
                continue
            old = self.changed_unit(r["old_ars"], r["old_ags"], r["old_name"], r["level"], src)
            new = self.changed_unit(r["new_ars"], r["new_ags"], r["new_name"], r["level"], src) \
                if r["new_ars"] else None
            c = N(f"{ns.ID}change/{r['case'] or r['date']}/{r['source'].rsplit('!', 1)[1]}")
            self.add(c, ns.RDF + "type", ns.IKZ + "TerritorialChange")
            self.add(c, ns.IKZ + "changeDate", literal(r["date"], "date"))
            for kind in r["kind"].split("+"):
                self.add(c, ns.IKZ + "changeKind", ns.IKZC + "change-" + kind)
            self.add(c, ns.IKZ + "formerUnit", old)
            if new is not None:
                self.add(c, ns.IKZ + "resultingUnit", new)
            label = f"{r['kind_de'] if 'kind_de' in t.header else r['kind']}: {r['old_name']}"
            if r["new_name"] and r["new_name"] != r["old_name"]:
                label += f" → {r['new_name']}"
            self.add(c, ns.RDFS + "label", literal(f"{label} ({r['date']})", lang="de"))
            if r["case"]:
                self.add(c, ns.DCT + "identifier", literal(r["case"]))
            self.add(c, ns.DCT + "source", src)
            kinds = set(r["kind"].split("+"))
            if kinds & {"dissolution", "key-change"} and new is not None and new != old:
                self.add(old, ns.IKZ + "existedUntil", literal(day_before(dt.date.fromisoformat(r["date"])).isoformat(), "date"))
                if "key-change" in kinds:
                    self.add(new, ns.IKZ + "existedFrom", literal(r["date"], "date"))

    def changed_unit(self, ars: str, ags: str, name: str, level: str, src: NamedNode) -> NamedNode:
        """The unit a change names: the register's, or (a unit the register of its day no longer or not yet
        has) a node of its own with the key, the name and the level the change list gives."""
        if ars in self.iri_by_ars:
            return self.iri_by_ars[ars]
        s = unit_iri(ars, ags)
        if s in self.register_iris or s in self.made:  # the same Gemeinde (AGS) under another ARS, or made already
            return s
        self.made.add(s)
        cls = ns.IKZ + ("Gemeinde" if level == "gemeinde" else "Gemeindeverband")
        self.add(s, ns.RDF + "type", cls)
        official = ags if level == "gemeinde" and ags else ars
        self.add(s, OFFICIAL_KEY, literal(official))
        self.add(s, ns.IKZ + ("gemeindeschluessel" if level == "gemeinde" else "regionalschluessel"), literal(official))
        if level == "gemeinde":
            self.add(s, REGIONAL_KEY, literal(ars))
        self.add(s, ns.DCT + "identifier", literal(official))
        self.add(s, ns.RDFS + "label", literal(name, lang="de"))
        self.add(s, ns.SCHEMA + "name", literal(name, lang="de"))
        self.add(s, ns.IKZ + "officialName", literal(name, lang="de"))
        if ars[:5] in self.iri_by_ars:
            self.add(s, ns.IKZ + "inKreis", self.iri_by_ars[ars[:5]])
        if level == "gemeinde" and ars[:9] in self.iri_by_ars:
            self.add(s, ns.IKZ + "inGemeindeverband", self.iri_by_ars[ars[:9]])
        self.add(s, ns.IKZ + "unitType", ns.IKZC + f"{'gemeinde' if level == 'gemeinde' else 'gemeindeverband'}-not-in-register")
        self.add(s, ns.DCT + "source", src)
        if ars[:2] in self.iri_by_ars:
            self.add(s, ns.IKZ + "inState", self.iri_by_ars[ars[:2]])
        return s

    # -- geometry.tsv, touches.tsv
    def boundary_iri(self, level: str, ars: str) -> NamedNode | None:
        """The register's unit of a boundary (VG5000 and the register may be of different days: a Gemeinde
        whose Gemeindeverband changed keeps its AGS, so it is found by that)."""
        s = self.iri_by_ars.get(ars)
        if s is None and level == "gemeinde" and len(ars) == 12:
            s = unit_iri(ars, ars[:5] + ars[9:])
            s = s if s in self.register_iris else None
        return s

    def geometry(self) -> None:
        """Each unit's simplified boundary (GeoSPARQL WKT), its centroid where GV-ISys gives none, and the
        NUTS code of a Kreis the curated records do not describe."""
        name = "geometry.tsv"
        t = self.layer.tables[name]
        t.need("level", "ars", "centroid_lon", "centroid_lat", "wkt")
        src = self.source(name)
        if src is None:
            return
        sid = src.value.rsplit("/", 1)[1]
        for r in t.rows:
            if not self.in_scope(r["ars"]):
                continue
            s = self.boundary_iri(r["level"], r["ars"])
            if s is None:
                self.skipped[name] = self.skipped.get(name, 0) + 1
                continue
            g = N(f"{s.value}/geometry/{sid}")
            self.add(s, ns.GEO + "hasGeometry", g)
            self.add(g, ns.RDF + "type", ns.GEO + "Geometry")
            self.add(g, ns.GEO + "asWKT", Literal(r["wkt"], datatype=_WKT))
            self.add(g, ns.DCT + "source", src)
            if s not in self.centroids:
                self.centroid(s, r["centroid_lon"], r["centroid_lat"], sid, src)
            nuts = r["nuts"] if "nuts" in t.header else ""
            if nuts and s.value not in self.curated:
                self.add(s, ns.IKZ + "nuts3", literal(nuts))
                self.add(s, ns.SKOS + "exactMatch", ns.NUTS + nuts)

    def touches(self) -> None:
        """The units of one level that share a border, in both directions (``geo:sfTouches``)."""
        name = "touches.tsv"
        t = self.layer.tables[name]
        t.need("level", "a", "b")
        if self.source(name) is None:
            return
        touch = ns.GEO + "sfTouches"
        for r in t.rows:
            if not (self.in_scope(r["a"]) and self.in_scope(r["b"])):
                continue
            a, b = self.boundary_iri(r["level"], r["a"]), self.boundary_iri(r["level"], r["b"])
            if a is None or b is None:
                self.skipped[name] = self.skipped.get(name, 0) + 1
                continue
            if a != b:
                self.add(a, touch, b)
                self.add(b, touch, a)

    def build(self) -> set[Triple]:
        self.units()
        if "wikidata.tsv" in self.layer.tables:
            self.wikidata()
        if "gvisys.tsv" in self.layer.tables:
            self.gvisys()
        if "geometry.tsv" in self.layer.tables:
            self.geometry()
        if "touches.tsv" in self.layer.tables:
            self.touches()
        if "changes.tsv" in self.layer.tables:
            self.changes()
        if self.problems:
            raise DataError(self.problems)
        return self.triples


def base_triples(layer: BaseLayer, source_ids: set[str], curated: set[str]) -> tuple[set[Triple], dict[str, int]]:
    """The triples of ``layer`` and, per table, the rows left out because their unit is not in the register.

    ``source_ids`` are the ids of the source records (``data/*.yaml``); ``curated`` the IRIs of the
    units that curated records describe. Raises :class:`~ikz_graph.errors.DataError` naming the table
    and line of every problem.
    """
    b = _Base(layer, source_ids, curated)
    return b.build(), b.skipped
