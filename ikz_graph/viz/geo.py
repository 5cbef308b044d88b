"""Where units lie: the boundaries and centroids of the base layer, projected onto the plane.

The base layer (:mod:`ikz_graph.base`) gives every unit its simplified BKG VG5000 boundary as a
``geo:hasGeometry/geo:asWKT`` MULTIPOLYGON and a ``geo:hasCentroid`` point, in longitude and latitude.
Here they are read through SPARQL and projected with one fixed rule (:func:`project`): an
equirectangular projection about the centre of Germany with the east-west scale of 51° north, so
that north is up, nothing is ever mirrored and a place has the same coordinates in every view.
A boundary becomes an SVG path (:func:`svg_path`) with rounded relative coordinates.

>>> project(10.45, 51.16)
(0.0, 0.0)
>>> x, y = project(8.47, 49.49)      # Mannheim lies south-west of the centre: left and down
>>> x < 0 < y
True
>>> svg_path("MULTIPOLYGON(((0 0,1 0,1 1,0 0)))", lambda lon, lat: (lon * 10, -lat * 10))
'M0 0h10v-10z'
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from ..errors import VizError

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph

__all__ = ["project", "svg_path", "points", "Area", "read_areas", "read_centroids", "read_names", "LEVELS", "ATTRIBUTION", "PX_PER_DEGREE"]

#: The centre of the projection (about the centre of Germany) and the latitude of true scale.
CENTRE = (10.45, 51.16)
_COS = math.cos(math.radians(51.0))
#: Units of the network views per degree of latitude (about 7 per km).
PX_PER_DEGREE = 800.0

#: The map levels: which units are drawn, and what the level is called.
LEVELS = {
    "kreis": "Kreise and kreisfreie Städte",
    "gemeindeverband": "Verbandsgemeinden and verbandsfreie Gemeinden of Rhineland-Palatinate",
}

#: What the licences of the boundaries (BKG VG5000) and the figures (Destatis) require to be shown.
ATTRIBUTION = ("Boundaries: © GeoBasis-DE / BKG 2021 (Daten verändert), dl-de/by-2-0. "
               "Figures: Statistisches Bundesamt (Destatis), GV100AD 2023, dl-de/by-2-0.")


def project(lon: float, lat: float, scale: float = 1.0) -> tuple[float, float]:
    """Plane coordinates of a point: x to the east, y to the south, ``scale`` units per degree of latitude."""
    return ((lon - CENTRE[0]) * _COS * scale, (CENTRE[1] - lat) * scale)


_RING = re.compile(r"\(([^()]*)\)")


def points(wkt: str) -> list[tuple[float, float]]:
    """Every (lon, lat) of a WKT (MULTI)POLYGON, ring after ring.

    >>> points("MULTIPOLYGON(((7 50,8 50,8 51,7 50)))")[:2]
    [(7.0, 50.0), (8.0, 50.0)]
    """
    return [p for ring in _rings(wkt) for p in ring]


def _rings(wkt: str) -> list[list[tuple[float, float]]]:
    out = []
    for m in _RING.finditer(wkt):
        pts = []
        for pair in m.group(1).split(","):
            lon, lat = pair.split()
            pts.append((float(lon), float(lat)))
        out.append(pts)
    return out


def _num(v: float) -> str:
    s = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def svg_path(wkt: str, to_xy: Callable[[float, float], tuple[float, float]]) -> str:
    """The SVG path of a WKT (MULTI)POLYGON: each ring absolute at its start, then relative steps on a
    0.1 grid (points that fall together after rounding are dropped), closed with ``z``."""
    out = []
    for ring in _rings(wkt):
        grid = [(round(x * 10), round(y * 10)) for x, y in (to_xy(lon, lat) for lon, lat in ring)]
        pts = [p for i, p in enumerate(grid) if i == 0 or p != grid[i - 1]]
        if len(pts) > 1 and pts[-1] == pts[0]:
            pts.pop()
        if len(pts) < 3:
            continue
        parts = [f"M{_num(pts[0][0] / 10)} {_num(pts[0][1] / 10)}"]
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            dx, dy = (bx - ax) / 10, (by - ay) / 10
            if dy == 0:
                parts.append(f"h{_num(dx)}")
            elif dx == 0:
                parts.append(f"v{_num(dy)}")
            else:
                sy = _num(dy)
                parts.append(f"l{_num(dx)}{'' if sy.startswith('-') else ' '}{sy}")
        out.append("".join(parts) + "z")
    return "".join(out)


@dataclass
class Area:
    """One unit drawn on the map: its boundary (lon/lat WKT), names, figures and sources."""

    iri: str
    key: str
    label: str
    wkt: str
    official: str = ""
    type: str = ""
    kreis: str = ""                  # the Kreis it lies in (gemeindeverband level)
    centroid: tuple[float, float] | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


_CLASSES = {"kreis": "ikz:Landkreis ikz:KreisfreieStadt", "gemeindeverband": "ikz:Gemeindeverband"}
_Q_AREAS = """
SELECT ?u ?key ?label ?official ?name ?type ?wkt ?kreis ?c WHERE {
  VALUES ?cls { %s }
  ?u a ?cls ; ikz:officialKey ?key ; geo:hasGeometry/geo:asWKT ?wkt . %s
  OPTIONAL { ?u rdfs:label ?label }
  OPTIONAL { ?u ikz:officialName ?official }
  OPTIONAL { ?u schema:name ?name }
  OPTIONAL { ?u ikz:unitType/skos:prefLabel ?type FILTER(LANG(?type) = "en") }
  OPTIONAL { ?u ikz:inKreis ?kreis }
  OPTIONAL { ?u geo:hasCentroid/geo:asWKT ?c }
} ORDER BY ?key ?label ?official ?name"""
_Q_FIGURES = """
SELECT ?u ?what ?v ?d ?title ?url WHERE {
  VALUES ?u { %s }
  { ?u ikz:population ?f BIND("population" AS ?what) } UNION { ?u ikz:area ?f BIND("area" AS ?what) }
  ?f schema:value ?v ; dct:source ?s .
  OPTIONAL { ?f schema:observationDate ?d }
  OPTIONAL { ?s dct:title ?t0 } OPTIONAL { ?s rdfs:label ?t1 }
  BIND(COALESCE(?t0, ?t1, STR(?s)) AS ?title)
  OPTIONAL { ?s schema:url ?url }
} ORDER BY ?u ?what DESC(?d) ?title"""
_Q_SOURCES = """
SELECT DISTINCT ?u ?title ?url WHERE {
  VALUES ?u { %s }
  ?u dct:source ?s .
  OPTIONAL { ?s dct:title ?t0 } OPTIONAL { ?s rdfs:label ?t1 }
  BIND(COALESCE(?t0, ?t1, STR(?s)) AS ?title)
  OPTIONAL { ?s schema:url ?url }
} ORDER BY ?u ?title"""
_Q_NAMES = """
SELECT ?u ?n WHERE { VALUES ?u { %s } ?u rdfs:label|schema:name|skos:altLabel|ikz:officialName ?n } ORDER BY ?u ?n"""
_Q_CENTROIDS = "SELECT ?u ?c WHERE { VALUES ?u { %s } ?u geo:hasCentroid/geo:asWKT ?c } ORDER BY ?u ?c"
_POINT = re.compile(r"POINT\s*\(\s*(\S+)\s+(\S+)\s*\)")


def _point(wkt: str | None) -> tuple[float, float] | None:
    m = _POINT.search(wkt or "")
    return (float(m.group(1)), float(m.group(2))) if m else None


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in sorted(set(iris)))


def read_areas(kg: "KnowledgeGraph", level: str) -> list[Area]:
    """The units of ``level`` that have a boundary in the graph, by official key, with their figures
    (the latest population, the area) and sources; raises :class:`VizError` on a bad level or when the
    graph holds no boundaries (the base layer is left out: ``--base none``)."""
    if level not in LEVELS:
        raise VizError(f"--level: unknown level {level!r} (known: {', '.join(LEVELS)})")
    where = 'FILTER(STRSTARTS(?key, "07"))' if level == "gemeindeverband" else ""
    areas: dict[str, Area] = {}
    for r in kg.query(_Q_AREAS % (_CLASSES[level], where)).rows:
        a = areas.get(r["u"])
        if a is None:
            label = r["label"] or r["name"] or r["official"] or r["key"]
            a = areas[r["u"]] = Area(r["u"], r["key"], label, r["wkt"], r["official"] or "", r["type"] or "",
                                     r["kreis"] or "", _point(r["c"]))
        a.names = list(dict.fromkeys([*a.names, a.label, r["official"] or "", r["name"] or "", r["label"] or ""]))
    if not areas:
        raise VizError(f"the graph has no boundaries at level {level!r}: the map needs the official base layer "
                       "(--base rlp or --base de)")
    _add_figures(kg, areas)
    return [areas[k] for k in sorted(areas, key=lambda i: (areas[i].key, i))]


def _add_figures(kg: "KnowledgeGraph", areas: dict[str, Area]) -> None:
    values = _values(areas)
    seen: set[tuple[str, str]] = set()
    for r in kg.query(_Q_FIGURES % values).rows:
        what = r["what"]
        a = areas[r["u"]]
        if (r["u"], what) in seen:
            continue
        seen.add((r["u"], what))
        v = float(r["v"])
        text = (f"{int(v):,}".replace(",", ".") if what == "population"
                else f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") + " km²")
        when = f" ({r['d']})" if r["d"] and what == "population" else ""
        a.facts.append((what, f"{text}{when}"))
        src = (str(r["title"]), str(r["url"] or ""))
        if src not in a.sources:
            a.sources.append(src)
    for r in kg.query(_Q_NAMES % values).rows:
        if r["n"] not in areas[r["u"]].names:
            areas[r["u"]].names.append(str(r["n"]))
    for r in kg.query(_Q_SOURCES % values).rows:
        src = (str(r["title"]), str(r["url"] or ""))
        if src not in areas[r["u"]].sources:
            areas[r["u"]].sources.append(src)


def read_names(kg: "KnowledgeGraph", iris: Iterable[str]) -> dict[str, list[str]]:
    """The labels, names, other names and official names of each of ``iris``, sorted."""
    iris = sorted(set(iris))
    out: dict[str, list[str]] = {}
    if iris:
        for r in kg.query(_Q_NAMES % _values(iris)).rows:
            out.setdefault(r["u"], []).append(str(r["n"]))
    return out


def read_centroids(kg: "KnowledgeGraph", iris: Iterable[str]) -> dict[str, tuple[float, float]]:
    """The centroid (lon, lat) of each of ``iris`` that has one in the graph (the first by its WKT)."""
    iris = sorted(set(iris))
    if not iris:
        return {}
    out: dict[str, tuple[float, float]] = {}
    for r in kg.query(_Q_CENTROIDS % _values(iris)).rows:
        p = _point(r["c"])
        if p is not None and r["u"] not in out:
            out[r["u"]] = p
    return out
