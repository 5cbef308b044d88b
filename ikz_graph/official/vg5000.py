"""The importer of the BKG boundaries VG5000 (or VG250, the same format at a finer scale): the
geometry of every Land, Kreis, Gemeindeverband and Gemeinde, and which units of one level share a
border.

:func:`import_vg5000` reads a folder with the four shapefiles ``*_LAN``, ``*_KRS``, ``*_VWG`` and
``*_GEM`` (``VG5000_KRS.shp`` or ``VG250_KRS.shp``, with ``.dbf``, ``.prj``, optional ``.shx`` and
``.cpg``; other levels such as ``*_STA`` or ``*_RBZ`` are ignored) and ``aktualitaet.txt`` (the
reference date), and returns two tables (:mod:`ikz_graph.tsv`):

``geometry.tsv``: ``level, ars, name, centroid_lon, centroid_lat, wkt``, one row per unit.
``touches.tsv``: ``level, a, b, border_m``, one row per pair of units of one level with a
common border line, ``a < b``.

What the release of 01.01.2021 holds (measured; the importer checks it for every release):

* **ARS per level.** LAN holds 2 digits, KRS 5, VWG 9, GEM 12, each the leading part of the
  12-digit Amtlicher Regionalschlüssel (Land 2, Regierungsbezirk 1, Kreis 2, Gemeindeverband 4,
  Gemeinde 3). The table keeps those lengths; a release that writes the full 12 digits at every
  level (ending in zeros) is cut to them. Any other value is an error naming the record.
  At the VWG level a verbandsfreie Gemeinde (and a kreisfreie Stadt) is a Gemeindeverband of its own
  (``071370003``: Andernach; ``071110000``: Koblenz), as in the Destatis register.
* **Records per level.** LAN has 25 records for 16 Länder; KRS (401), VWG (4,605) and GEM (10,997)
  have one record per ARS. Parts of one ARS are merged.
* **GF (Geofaktor).** This release uses 9 for land and 8 for water: only LAN has GF 8 records,
  the coastal waters of the North Sea and the Baltic (Schleswig-Holstein, Hamburg, Niedersachsen,
  Bremen, Mecklenburg-Vorpommern) and the Bodensee (the two records with BSG 9, "Baden-Württemberg
  (Bodensee)", "Bayern (Bodensee)"). Other VG250 releases document GF 1/2 (water without/with
  structure) and 3/4 (land without/with structure). Kept are land parts (GF 3, 4 or 9) outside the
  Bodensee (BSG 9); dropped are water parts (GF 1, 2 or 8); another GF value is an error. A unit with
  water parts only is left out (none in this release). Without a GF field every part is land.
* **Geometry.** Polygons in the CRS of the ``.prj`` (here EPSG:31467, DHDN / Gauß-Krüger zone 3).
  The four levels each form a clean coverage (no overlaps, identical vertices on shared borders);
  a few rings touch themselves (Bayern at LAN, six VWG and three GEM records), which is repaired
  (``make_valid``, keeping the area). Rings are read with the even-odd rule (a ring inside another
  is a hole), so a ring's orientation does not matter. Vertices lie about 1.5 km apart (median):
  the data are generalised for 1:5,000,000 already.

How the tables are made:

* **Simplification** (:data:`SIMPLIFY_M` = 100 m): coverage simplification of each level
  (Visvalingam-Whyatt, ``shapely.coverage_simplify``) in the metric CRS, before reprojection, so
  that neighbours keep identical shared borders (no gaps, no overlaps) and every unit stays valid. The
  tolerance is the side of the square whose area the removed triangles stay below (1 ha): a detail
  far below the resolution of VG5000, which it barely thins (0.01 % of the vertices at GEM, 0.6 % at
  LAN; the largest displacement is one narrow coastal spike in 13074 Nordwestmecklenburg, 374 m, all
  others stay below 13 m), while the much denser VG250 would be thinned to a similar level of detail.
* **Reprojection** to EPSG:4326 as lon/lat (``always_xy``) with pyproj, network off. Of the
  transformations from the file's CRS the most accurate one that needs no grid file is used (for
  DHDN: "DHDN to WGS 84 (3)", a Helmert transformation, about 2 m), so that the result does not
  depend on which grids are installed. Coordinates are rounded to 5 decimals (about 1 m) by
  ``shapely.set_precision``, which keeps the polygons valid.
* **WKT**: always ``MULTIPOLYGON (((lon lat, …)))``, 5 decimals, parts and rings in shapely's
  normal order, exterior rings anticlockwise and holes clockwise (OGC simple features), written by
  this module (not by GEOS, whose WKT has changed between versions). Without a CRS IRI a GeoSPARQL
  ``geo:wktLiteral`` means CRS84, i.e. lon/lat, as written here.
* **Centroid**: the centroid of the unit's land area (computed in the metric CRS, unsimplified)
  where it lies inside the unit's WKT geometry as written, else ``point_on_surface`` of that
  geometry (islands, crescent shapes). So the point always lies inside the row's WKT geometry.
* **Touches**: on the unsimplified land geometry in the metric CRS. Candidate pairs come from an
  ``STRtree`` (within :data:`SNAP_M` = 1 m); the border of ``b`` is snapped to that of ``a`` within
  1 m (a no-op for a clean coverage, a repair for small mismatches in other releases), and
  ``border_m`` is the length of the common border in metres, rounded to an integer. Pairs with less
  than :data:`MIN_BORDER_M` = 10 m (touching at a point) are left out and counted in the comments. In
  this release every such contact has length 0 and every border line is far longer. Lengths are
  measured in the file's CRS (Gauß-Krüger zone 3: scale error below 0.3 % in Germany).

The output is the same bytes on every run: rows sorted, numbers formatted with fixed decimals, the
comments hold only what the input determines.

Bad input raises :class:`~ikz_graph.errors.InputError` (:func:`ikz_graph.tsv.problem`) naming
the file and, for a record, its number (``VG5000_KRS.dbf:17: record 17: no ARS …``): a missing level
or side file, a header that does not match the file's size (a truncated copy), a corrupt record, a
shape that is no polygon, a missing, malformed or too long ARS, an unknown GF, a CRS that is not
projected in metres. Errors of pyshp, shapely and pyproj are caught and named this way. A record
marked as deleted in the ``.dbf`` is skipped with its shape and counted in the comments.
"""
from __future__ import annotations

import codecs
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Callable

import numpy as np
import pyproj
import shapefile
import shapely
from pyproj.transformer import TransformerGroup

from ..errors import InputError
from ..inputs import read_text
from ..tsv import problem, render

__all__ = ["import_vg5000", "LEVELS", "SIMPLIFY_M", "SNAP_M", "MIN_BORDER_M", "DECIMALS"]

#: The levels: file suffix, name in the tables, digits of the ARS.
LEVELS: tuple[tuple[str, str, int], ...] = (
    ("LAN", "land", 2), ("KRS", "kreis", 5), ("VWG", "gemeindeverband", 9), ("GEM", "gemeinde", 12))
#: Tolerance of the coverage simplification, metres (the removed triangles stay below its square).
SIMPLIFY_M = 100.0
#: Snapping tolerance of the adjacency, metres.
SNAP_M = 1.0
#: Shortest common border of two neighbours, metres; shorter contacts count as points.
MIN_BORDER_M = 10.0
#: Decimals of lon/lat (1e-5 degrees: about 1.1 m north-south, 0.7 m east-west in Germany).
DECIMALS = 5

LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0), https://www.govdata.de/dl-de/by-2-0"
LAND_GF = frozenset({3, 4, 9})
WATER_GF = frozenset({1, 2, 8})
BODENSEE_BSG = 9
_POLYGON_TYPES = {shapefile.POLYGON, shapefile.POLYGONZ, shapefile.POLYGONM}
_WGS84 = pyproj.CRS.from_epsg(4326)
_CODE_PAGES = {"UTF-8": "utf-8", "UTF8": "utf-8", "65001": "utf-8", "ISO-8859-1": "latin-1", "ISO8859-1": "latin-1",
               "88591": "latin-1", "ISO88591": "latin-1", "LATIN1": "latin-1", "1252": "cp1252", "CP1252": "cp1252",
               "ANSI 1252": "cp1252", "WINDOWS-1252": "cp1252"}

Progress = Callable[[str], object] | None


@dataclass
class _Level:
    code: str                 # LAN, KRS, VWG, GEM
    name: str                 # land, kreis, gemeindeverband, gemeinde
    digits: int
    shp: Path
    crs_label: str = ""
    transformation: str = ""
    transformer: pyproj.Transformer | None = None
    ars: list[str] = field(default_factory=list)          # sorted
    names: list[str] = field(default_factory=list)
    nuts: dict[str, str] = field(default_factory=dict)    # ARS -> NUTS code, where the file has the field
    geoms: np.ndarray | None = None                       # merged land geometry, metric CRS
    first_record: list[int] = field(default_factory=list)  # record number of each unit's first part
    water_records: int = 0
    repaired: int = 0
    water_only: int = 0
    deleted: int = 0


def import_vg5000(folder: str | Path, *, progress: Progress = None) -> dict[str, bytes]:
    """The tables ``geometry.tsv`` and ``touches.tsv`` of the VG5000 (or VG250) release in ``folder``.

    ``progress`` (optional) is called with the name of each step. Any problem with the input raises
    :class:`~ikz_graph.errors.InputError` naming the file and, where there is one, the record.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise problem(folder, 0, "not a folder (expected the folder of a VG5000 or VG250 release)")

    def step(name: str) -> None:
        if progress is not None:
            progress(name)

    was_online = pyproj.network.is_network_enabled()
    if was_online:
        pyproj.network.set_network_enabled(False)
    try:
        levels = _find_levels(folder)
        product = _product(levels[1].shp)
        stand, year = _stand(folder)
        for level in levels:
            step(f"read {level.code} ({level.name})")
            _read_level(level)
        geometry_rows: list[tuple] = []
        touches_rows: list[tuple] = []
        touch_counts: dict[str, tuple[int, int]] = {}
        placed: dict[str, tuple[int, int]] = {}
        for level in levels:
            try:
                step(f"simplify {level.name}")
                rows, placed[level.name] = _geometry_rows(level)
                geometry_rows += rows
                step(f"touches {level.name}")
                rows, skipped = _touches_rows(level)
                touches_rows += rows
                touch_counts[level.name] = (len(rows), skipped)
            except (shapely.errors.GEOSException, pyproj.exceptions.ProjError) as e:
                raise problem(level.shp, 0, f"the shapes cannot be processed: {_why(e)}") from None
    finally:
        if was_online:
            pyproj.network.set_network_enabled(True)

    step("write")
    source = _source_lines(product, stand, year, levels)
    geometry = render(
        ["Boundaries of the German administrative units, one row per level and ARS (Amtlicher Regionalschlüssel):",
         "land (Land), kreis (Kreis, kreisfreie Stadt), gemeindeverband (VG5000 level VWG: Verbandsgemeinde, Amt,",
         "Verwaltungsgemeinschaft, verbandsfreie Gemeinde, ...), gemeinde (Gemeinde, gemeindefreies Gebiet).",
         *source,
         *_changes(levels),
         "Columns: level; ars (2, 5, 9 or 12 digits); name (field GEN); centroid_lon, centroid_lat (EPSG:4326, "
         f"{DECIMALS} decimals: the centroid of the land area where it lies inside the unit's geometry as written,",
         "else a point on its surface); wkt (the land area as WKT MULTIPOLYGON, lon/lat as for a GeoSPARQL "
         "geo:wktLiteral without CRS IRI, i.e. CRS84).",
         "Units: " + ", ".join(f"{lv.name} {len(lv.ars)}" for lv in levels)
         + "; centroid inside / point on surface instead: "
         + ", ".join(f"{lv.name} {placed[lv.name][0]}/{placed[lv.name][1]}" for lv in levels) + "."],
        ["level", "ars", "name", "nuts", "centroid_lon", "centroid_lat", "wkt"], geometry_rows)
    touches = render(
        ["Neighbours: the pairs of units of one level (land, kreis, gemeindeverband, gemeinde) that share a border line,",
         "one row per unordered pair, a < b (ARS); border_m is the length of the common border in metres (integer).",
         "Only German units are in the source: borders with other countries are not represented.",
         *source,
         f"Method: computed on the land area before simplification in {_crs_labels(levels)}; the border of b is snapped "
         f"to that of a within {_m(SNAP_M)} m;",
         f"pairs whose common border is shorter than {_m(MIN_BORDER_M)} m (touching at a point) are left out.",
         "Pairs (point contacts left out): "
         + ", ".join(f"{lv.name} {touch_counts[lv.name][0]} ({touch_counts[lv.name][1]})" for lv in levels) + "."],
        ["level", "a", "b", "border_m"], touches_rows)
    return {"geometry.tsv": geometry, "touches.tsv": touches}


# --- finding and reading the files ---------------------------------------------------------------

def _find_levels(folder: Path) -> list[_Level]:
    found: dict[str, list[Path]] = {code: [] for code, _, _ in LEVELS}
    try:
        entries = sorted(folder.iterdir())
    except OSError as e:
        raise problem(folder, 0, f"cannot list the folder: {e.strerror or e}") from None
    for p in entries:
        if p.suffix.lower() != ".shp":
            continue
        stem = p.stem.upper()
        for code in found:
            if stem.endswith("_" + code):
                found[code].append(p)
    levels = []
    for code, name, digits in LEVELS:
        paths = found[code]
        if not paths:
            raise problem(folder, 0, f"no shapefile of the level {code} ({name}): expected a file named *_{code}.shp")
        if len(paths) > 1:
            raise problem(folder, 0, f"several shapefiles of the level {code} ({name}): "
                                     + ", ".join(p.name for p in paths))
        if not paths[0].is_file():
            raise problem(paths[0], 0, "not a regular file")
        levels.append(_Level(code, name, digits, paths[0]))
    return levels


def _sidecar(shp: Path, suffix: str) -> Path | None:
    """The file next to ``shp`` with the same stem and ``suffix`` (case-insensitive), or None."""
    exact = shp.with_suffix(suffix)
    if exact.exists():
        return exact
    for p in sorted(shp.parent.iterdir()):
        if p.stem.upper() == shp.stem.upper() and p.suffix.lower() == suffix.lower():
            return p
    return None


def _product(shp: Path) -> str:
    """``VG5000`` for ``VG5000_KRS.shp``: the name of the product as the files give it."""
    stem = shp.stem
    return stem[:-4].upper() if len(stem) > 4 else "VG"


def _text(path: Path) -> str:
    try:
        return read_text(path)
    except InputError as e:
        raise problem(path, e.line, str(e)) from None


def _stand(folder: Path) -> tuple[str, str]:
    """The reference date (``DD.MM.YYYY``) and its year, from ``aktualitaet.txt``."""
    path = next((p for p in sorted(folder.iterdir()) if p.name.lower() == "aktualitaet.txt"), None)
    if path is None:
        raise problem(folder, 0, "no aktualitaet.txt: the reference date (Stand) of the release is unknown")
    lines = [(n, line.strip()) for n, line in enumerate(_text(path).splitlines(), 1) if line.strip()]
    if not lines:
        raise problem(path, 0, "empty: expected the reference date as DD.MM.YYYY")
    n, text = lines[0]
    m = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", text)
    if not m or not (1 <= int(m[1]) <= 31 and 1 <= int(m[2]) <= 12):
        raise problem(path, n, f"not a date DD.MM.YYYY: {text[:40]!r}")
    return text, m[3]


def _encoding(shp: Path) -> str:
    cpg = _sidecar(shp, ".cpg")
    if cpg is None:
        return "utf-8"
    name = _text(cpg).strip()
    enc = _CODE_PAGES.get(name.upper())
    if enc is None:
        try:
            enc = codecs.lookup(name).name
        except LookupError:
            raise problem(cpg, 1, f"unknown code page {name[:40]!r}") from None
    return enc


def _crs(level: _Level) -> pyproj.CRS:
    prj = _sidecar(level.shp, ".prj")
    if prj is None:
        raise problem(level.shp.with_suffix(".prj"), 0, "missing: the coordinate reference system of the shapes is unknown")
    text = _text(prj).strip()
    try:
        crs = pyproj.CRS.from_wkt(text)
    except pyproj.exceptions.CRSError as e:
        raise problem(prj, 1, f"not a coordinate reference system: {str(e)[:200]}") from None
    units = {a.unit_name for a in crs.axis_info[:2]}
    if not crs.is_projected or units != {"metre"}:
        raise problem(prj, 1, f"{crs.name}: not a projected CRS in metres (the tolerances are metres)")
    m = re.search(r'AUTHORITY\["EPSG",\s*"?(\d+)"?\]\s*\]\s*$', text)
    if m:
        code = f"EPSG:{m[1]}"
    else:
        auth = crs.to_authority()
        code = f"{auth[0]}:{auth[1]}" if auth else "the CRS of the .prj"
    level.crs_label = f"{code} ({crs.name})"
    return crs


def _transformer(level: _Level, crs: pyproj.CRS) -> None:
    """The transformation to lon/lat: the most accurate one that needs no grid file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            group = TransformerGroup(crs, _WGS84, always_xy=True)
        except pyproj.exceptions.ProjError as e:
            raise problem(_sidecar(level.shp, ".prj") or level.shp, 1, f"no transformation to EPSG:4326: {e}") from None

    def uses_grid(t: pyproj.Transformer) -> bool:
        ops = t.operations
        if ops is None:
            return "grid" in t.definition
        return any(op.grids for op in ops)

    free = [t for t in group.transformers if not uses_grid(t)]
    if not free:
        raise problem(_sidecar(level.shp, ".prj") or level.shp, 1,
                      f"no transformation from {level.crs_label} to EPSG:4326 without a grid file")
    best = min(free, key=lambda t: t.accuracy if t.accuracy is not None and t.accuracy >= 0 else math.inf)
    names = [op.name for op in best.operations or () if op.type_name == "Transformation"]
    accuracy = f", about {_m(best.accuracy)} m" if best.accuracy is not None and best.accuracy > 0 else ""
    level.transformation = (", ".join(names) or best.description) + accuracy
    level.transformer = best


def _read_level(level: _Level) -> None:
    crs = _crs(level)
    _transformer(level, crs)
    encoding = _encoding(level.shp)
    dbf = _sidecar(level.shp, ".dbf")
    if dbf is None:
        raise problem(level.shp.with_suffix(".dbf"), 0, "missing: the attributes (ARS, GEN, ...) of the shapes are unknown")
    shx = _sidecar(level.shp, ".shx")
    parts: dict[str, list] = {}
    names: dict[str, str] = {}
    first: dict[str, int] = {}
    every: set[str] = set()
    _check_shp_header(level.shp)
    if shx is not None:
        _check_shp_header(shx)
    flags = _check_dbf_header(dbf)
    with warnings.catch_warnings(), _open(level.shp) as f_shp, _open(dbf) as f_dbf, \
            (_open(shx) if shx else _Nothing()) as f_shx:
        warnings.simplefilter("ignore")  # pyshp warns about what the checks above turn into errors
        shapes = _reader(level.shp, shp=f_shp, shx=f_shx)
        records = _reader(dbf, dbf=f_dbf, encoding=encoding)
        if shapes.shapeType not in _POLYGON_TYPES and shapes.shapeType != shapefile.NULL:
            raise problem(level.shp, 0, f"the shapes are of type {shapes.shapeType}, not polygons")
        fields = {f[0].upper(): f[0] for f in records.fields[1:]}  # upper-case name: name in the file
        for need in ("ARS", "GEN"):
            if need not in fields:
                raise problem(dbf, 0, f"no field {need} (fields: {', '.join(sorted(fields)) or 'none'})")
        count = records.numRecords
        if shx is not None and shapes.numShapes != count:
            raise problem(shx, 0, f"{shapes.numShapes} shapes but {count} records in {dbf.name}")
        wanted = [fields[f] for f in ("ARS", "GEN", "GF", "BSG", "NUTS") if f in fields]
        try:  # a deleted record (flag "*") stays in its place as None (pyshp 3), so records match shapes
            record_iter = records.iterRecords(fields=wanted, deleted_as_None=True)
        except TypeError:  # pyshp 2 leaves deleted records out: put a None in their places
            record_iter = _in_place(records.iterRecords(fields=wanted), flags)
        shape_iter = shapes.iterShapes()
        for n in range(1, count + 1):
            try:
                record = next(record_iter)
            except StopIteration:
                raise problem(dbf, n, f"record {n}: missing (the file ends before it)") from None
            except Exception as e:  # pyshp: struct, value, unicode or its own errors for a broken record
                raise problem(dbf, n, f"record {n}: cannot read it: {_why(e)}") from None
            try:
                shp = next(shape_iter)
            except StopIteration:
                raise problem(level.shp, n, f"record {n}: no shape (the file ends before it)") from None
            except Exception as e:  # pyshp: a malformed .shp
                raise problem(level.shp, n, f"record {n}: cannot read its shape: {_why(e)}") from None
            flag = flags[n - 1:n]
            if flag == b"*":
                level.deleted += 1
                continue
            if flag != b" " or record is None:
                raise problem(dbf, n, f"record {n}: corrupt (deletion flag {flag!r}, expected a space or '*')")
            ars = _ars(record[fields["ARS"]], level, dbf, n)
            every.add(ars)
            if not _is_land(record, fields, dbf, n):
                level.water_records += 1
                continue
            geom, repaired = _polygon(shp, level, n)
            level.repaired += repaired
            parts.setdefault(ars, []).append(geom)
            if ars not in names:
                names[ars] = _name(record[fields["GEN"]], dbf, n)
                first[ars] = n
                if "NUTS" in fields:  # the NUTS code of the unit's region (NUTS-3 at Kreis level)
                    level.nuts[ars] = str(record[fields["NUTS"]] or "").strip()
        try:
            extra = next(shape_iter, None)
        except Exception as e:
            raise problem(level.shp, count + 1, f"cannot read: {_why(e)}") from None
        if extra is not None:
            raise problem(level.shp, count + 1, f"more shapes than the {count} records of {dbf.name}")
    level.water_only = len(every - set(parts))
    if not parts:
        raise problem(level.shp, 0, "no land parts in the file")
    level.ars = sorted(parts)
    level.names = [names[a] for a in level.ars]
    level.first_record = [first[a] for a in level.ars]
    merged = []
    for a, rec in zip(level.ars, level.first_record):
        p = parts[a]
        if len(p) == 1:
            merged.append(p[0])
            continue
        try:
            merged.append(shapely.union_all(p))
        except shapely.errors.GEOSException as e:
            raise problem(level.shp, rec, f"record {rec}: the parts of ARS {a} cannot be merged: {e}") from None
    level.geoms = np.array(merged, dtype=object)


def _reader(path: Path, **files) -> shapefile.Reader:
    try:
        return shapefile.Reader(**files)
    except Exception as e:  # pyshp raises many kinds (its own, struct.error, ValueError, ...) for a bad header
        raise problem(path, 0, f"cannot read: {_why(e)}") from None


def _open(path: Path):
    """``path`` opened for reading bytes; an error naming it if it is no regular file or cannot be read."""
    if not path.is_file():
        raise problem(path, 0, "not a regular file")
    try:
        return open(path, "rb")
    except OSError as e:
        raise problem(path, 0, f"cannot read: {e.strerror or e}") from None


def _check_shp_header(path: Path) -> None:
    """A .shp or .shx must be as long as its header says: a shorter one was cut off."""
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(100)
    if len(head) < 100:
        raise problem(path, 0, f"truncated: {size} bytes, shorter than the 100-byte header of a shapefile")
    if int.from_bytes(head[0:4], "big") != 9994:
        raise problem(path, 0, "not a shapefile (no file code 9994 at its start)")
    declared = int.from_bytes(head[24:28], "big") * 2
    if declared != size:
        raise problem(path, 0, f"truncated or corrupt: the header declares {declared} bytes, the file has {size}")


def _check_dbf_header(path: Path) -> bytes:
    """A .dbf must hold the records its header counts; the deletion flag of each record (space: a
    record, ``*``: deleted; anything else means the file is corrupt)."""
    with _open(path) as f:
        data = f.read()
    size = len(data)
    head = data[:32]
    if len(head) < 32:
        raise problem(path, 0, f"truncated: {size} bytes, shorter than the 32-byte header of a dBASE file")
    records = int.from_bytes(head[4:8], "little")
    header, length = int.from_bytes(head[8:10], "little"), int.from_bytes(head[10:12], "little")
    if header < 33 or length < 1:
        raise problem(path, 0, "not a dBASE file (malformed header)")
    if size < header + records * length:
        raise problem(path, 0, f"truncated: the header declares {records} records of {length} bytes "
                               f"({header + records * length} bytes), the file has {size}")
    return data[header:header + records * length:length]


def _in_place(records, flags: bytes):
    for flag in flags:
        if flag == 0x2A:  # "*"
            yield None
            continue
        record = next(records, None)
        if record is None:
            return
        yield record


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _why(e: Exception) -> str:
    if isinstance(e, UnicodeDecodeError):
        return f"text not in the code page {e.encoding} (byte 0x{e.object[e.start]:02x})"
    text = " ".join(str(e).split())
    if not text or isinstance(e, (KeyError, IndexError)) or text.lstrip("-").isdigit():
        text = f"malformed data ({type(e).__name__} {text})".replace(" )", ")")
    return text[:200]


def _ars(value: object, level: _Level, dbf: Path, n: int) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise problem(dbf, n, f"record {n}: no ARS (Amtlicher Regionalschlüssel)")
    if not (text.isascii() and text.isdigit()):
        raise problem(dbf, n, f"record {n}: ARS {text[:20]!r} is not a string of digits")
    if len(text) == level.digits:
        return text
    if len(text) == 12 and set(text[level.digits:]) == {"0"}:
        return text[:level.digits]
    raise problem(dbf, n, f"record {n}: ARS {text!r} has {len(text)} digits; the level {level.code} ({level.name}) "
                          f"has {level.digits} (or 12 ending in zeros)")


def _name(value: object, dbf: Path, n: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    if not text:
        raise problem(dbf, n, f"record {n}: no name (field GEN)")
    return text


def _is_land(record, fields: dict[str, str], dbf: Path, n: int) -> bool:
    if "BSG" in fields and _int(record[fields["BSG"]]) == BODENSEE_BSG:
        return False
    if "GF" not in fields:
        return True
    gf = _int(record[fields["GF"]])
    if gf in LAND_GF:
        return True
    if gf in WATER_GF:
        return False
    raise problem(dbf, n, f"record {n}: unknown GF (Geofaktor) {record[fields['GF']]!r}: "
                          "land is 3, 4 or 9, water 1, 2 or 8")


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _polygon(shp, level: _Level, n: int):
    """The area of a shape, its rings combined by the even-odd rule (a ring inside another one is a
    hole, whatever its orientation), and whether it had to be repaired."""
    if shp.shapeType == shapefile.NULL:
        raise problem(level.shp, n, f"record {n}: no geometry (null shape)")
    if shp.shapeType not in _POLYGON_TYPES:
        raise problem(level.shp, n, f"record {n}: a shape of type {shp.shapeType}, not a polygon")
    try:
        pts = np.asarray(shp.points, dtype=float)
        starts = [int(i) for i in shp.parts]
    except (TypeError, ValueError) as e:
        raise problem(level.shp, n, f"record {n}: malformed coordinates: {_why(e)}") from None
    if pts.ndim != 2 or pts.shape[0] == 0 or pts.shape[1] < 2:
        raise problem(level.shp, n, f"record {n}: a polygon without points")
    if not np.isfinite(pts[:, :2]).all():
        raise problem(level.shp, n, f"record {n}: a coordinate that is not a finite number")
    if not starts or starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:])) or starts[-1] >= len(pts):
        raise problem(level.shp, n, f"record {n}: malformed ring index (parts {starts[:6]})")
    repaired = False
    rings = []
    for k, (a, b) in enumerate(zip(starts, starts[1:] + [len(pts)]), 1):
        ring = pts[a:b, :2]
        if len(ring) < 4 or not (ring[0] == ring[-1]).all():
            raise problem(level.shp, n, f"record {n}: ring {k} is not closed or has fewer than 4 points")
        try:
            poly = shapely.Polygon(ring)
        except (ValueError, shapely.errors.GEOSException) as e:
            raise problem(level.shp, n, f"record {n}: ring {k}: {_why(e)}") from None
        if not poly.is_valid:
            poly, repaired = _repair(poly, level, n), True
        rings.append(poly)
    area = rings[0]
    if len(rings) > 1:
        try:
            area = reduce(shapely.symmetric_difference, rings)
        except shapely.errors.GEOSException as e:
            raise problem(level.shp, n, f"record {n}: the rings cannot be combined: {e}") from None
    if not area.is_valid:
        area, repaired = _repair(area, level, n), True
    if area.is_empty or area.area <= 0:
        raise problem(level.shp, n, f"record {n}: the polygon has no area")
    return area, repaired


def _repair(geom, level: _Level, n: int):
    try:
        fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    except shapely.errors.GEOSException as e:
        raise problem(level.shp, n, f"record {n}: the polygon cannot be repaired: {e}") from None
    polys = [g for g in shapely.get_parts(fixed) if g.geom_type == "Polygon" and not g.is_empty]
    if not polys:
        raise problem(level.shp, n, f"record {n}: the polygon has no area")
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


# --- the tables ------------------------------------------------------------------------------------

def _geometry_rows(level: _Level) -> tuple[list[tuple], tuple[int, int]]:
    try:
        simple = shapely.coverage_simplify(level.geoms, SIMPLIFY_M)
    except shapely.errors.GEOSException as e:
        raise problem(level.shp, 0, f"the shapes cannot be simplified as a coverage: {e}") from None
    centroids = shapely.centroid(level.geoms)
    lonlat = _reproject(level, simple)
    grid = 10.0 ** -DECIMALS
    rounded = shapely.set_precision(lonlat, grid)
    points = _reproject(level, centroids)
    rows = []
    inside = fallback = 0
    for i, (ars, name) in enumerate(zip(level.ars, level.names)):
        geom = rounded[i]
        if not geom.is_valid:
            geom = shapely.set_precision(shapely.make_valid(geom, method="structure", keep_collapsed=False), grid)
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
        if not polys:
            raise problem(level.shp, level.first_record[i], f"record {level.first_record[i]}: ARS {ars} has no area "
                                                             f"left at {DECIMALS} decimals")
        multi = shapely.orient_polygons(shapely.normalize(shapely.MultiPolygon(polys)), exterior_cw=False)
        point = _round_point(points[i])
        if multi.contains(point):
            inside += 1
        else:
            point = _round_point(multi.point_on_surface())
            fallback += 1
        nuts = level.nuts.get(ars, "") if level.name == "kreis" else ""
        rows.append((level.name, ars, name, nuts, _num(point.x), _num(point.y), _wkt(multi)))
    return rows, (inside, fallback)


def _reproject(level: _Level, geoms: np.ndarray) -> np.ndarray:
    transformer = level.transformer

    def to_lonlat(xy: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    out = shapely.transform(geoms, to_lonlat)
    coords = shapely.get_coordinates(out)
    if not np.isfinite(coords).all():
        raise problem(level.shp, 0, f"shapes outside the area of {level.crs_label}: they cannot be reprojected")
    return out


def _round_point(p) -> shapely.Point:
    return shapely.Point(round(p.x, DECIMALS) + 0.0, round(p.y, DECIMALS) + 0.0)


def _num(v: float) -> str:
    return f"{round(v, DECIMALS) + 0.0:.{DECIMALS}f}"


def _wkt(multi) -> str:
    polys = []
    for poly in multi.geoms:
        rings = []
        for ring in (poly.exterior, *poly.interiors):
            xy = np.round(np.asarray(ring.coords)[:, :2], DECIMALS) + 0.0
            rings.append("(" + ", ".join(f"{x:.{DECIMALS}f} {y:.{DECIMALS}f}" for x, y in xy.tolist()) + ")")
        polys.append("(" + ", ".join(rings) + ")")
    return "MULTIPOLYGON (" + ", ".join(polys) + ")"


def _touches_rows(level: _Level) -> tuple[list[tuple], int]:
    geoms = level.geoms
    try:
        tree = shapely.STRtree(geoms)
        i, j = tree.query(geoms, predicate="dwithin", distance=SNAP_M)
        keep = i < j  # units are sorted by ARS: i < j means ars[i] < ars[j]
        i, j = i[keep], j[keep]
        order = np.lexsort((j, i))
        i, j = i[order], j[order]
        edges = shapely.boundary(geoms)
        shared = shapely.intersection(edges[i], shapely.snap(edges[j], edges[i], SNAP_M))
        lengths = shapely.length(shared)
    except shapely.errors.GEOSException as e:
        raise problem(level.shp, 0, f"the common borders cannot be computed: {e}") from None
    rows = []
    skipped = 0
    for a, b, length in zip(i.tolist(), j.tolist(), lengths.tolist()):
        if length < MIN_BORDER_M:
            skipped += 1
            continue
        rows.append((level.name, level.ars[a], level.ars[b], str(int(round(length)))))
    return rows, skipped


# --- comments --------------------------------------------------------------------------------------

def _source_lines(product: str, stand: str, year: str, levels: list[_Level]) -> list[str]:
    files = ", ".join(lv.shp.stem for lv in levels)
    day, month, yr = stand.split(".")
    return [f"Source: Bundesamt für Kartographie und Geodäsie (BKG), {product}, Stand {stand} ({files}).",
            f"source-id: bkg-{product.lower()}-{yr}-{month}-{day}",
            f"Licence: {LICENCE}.",
            f"Attribution: © GeoBasis-DE / BKG {year} (Daten verändert)."]


def _changes(levels: list[_Level]) -> list[str]:
    water = sum(lv.water_records for lv in levels)
    repaired = sum(lv.repaired for lv in levels)
    water_only = sum(lv.water_only for lv in levels)
    deleted = sum(lv.deleted for lv in levels)
    transformations = "; ".join(sorted({lv.transformation for lv in levels}))
    lines = [f"Changes: water parts dropped (GF 1, 2 or 8, and the Bodensee, BSG 9): {water} records"
             + (f", {water_only} units with water only left out" if water_only else "")
             + (f"; records marked as deleted in the .dbf skipped: {deleted}" if deleted else "") + ";",
             f"invalid (self-touching) rings repaired: {repaired} records; the parts of one ARS merged into one MULTIPOLYGON;",
             f"simplified as a coverage (Visvalingam-Whyatt, tolerance {_m(SIMPLIFY_M)} m, shared borders kept identical) "
             f"in {_crs_labels(levels)} before reprojection;",
             f"reprojected to EPSG:4326 (lon/lat) with {transformations}; coordinates rounded to {DECIMALS} decimals "
             "(about 1 m)."]
    return lines


def _crs_labels(levels: list[_Level]) -> str:
    labels = sorted({lv.crs_label for lv in levels})
    if len(labels) == 1:
        return labels[0]
    return "; ".join(f"{lv.code}: {lv.crs_label}" for lv in levels)


def _m(v: float) -> str:
    return f"{v:g}"
