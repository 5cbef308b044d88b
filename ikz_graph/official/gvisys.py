"""The importer of the Destatis GV-ISys extract (Gemeindeverzeichnis-Informationssystem, "Auszug",
xlsx): every Gemeinde of Germany with area, population, postcode, centroid and degree of urbanisation.

The workbook has a contents sheet and one data sheet. The data sheet has a title, three header rows
(group, column, reference date) and one record per unit: Satzart 10 Land, 20 Regierungsbezirk, 30
Region (Baden-Württemberg), 40 Kreis, 50 Gemeindeverband, 60 Gemeinde. The sheet, its header and
its columns are found by their header texts as described in :mod:`ikz_graph.official.changes`.
Only the records of Satzart 60 become rows; those of the higher levels are counted (in the comment
lines) and skipped, the register of the units being GV100AD (:mod:`ikz_graph.official.gv100ad`).
Satzart 60 holds the Gemeinden and the gemeindefreie Gebiete (Textkennzeichen 65 inhabited, 66
uninhabited), such as the German-Luxembourgish condominium that the file counts to Rhineland-Palatinate.

``gvisys.tsv`` has one row per record of Satzart 60, sorted by ARS:

=================  ==============================================================================
ars                Amtlicher Regionalschlüssel, 12 digits: Land (2), RB (1), Kreis (2), VB (4), Gem (3)
ags                Amtlicher Gemeindeschlüssel, 8 digits: Land, RB, Kreis, Gem
tkz                Textkennzeichen (e.g. 61 kreisfreie Stadt, 63 Stadt, 64 kreisangehörige Gemeinde,
                   66 gemeindefreies Gebiet, unbewohnt)
name               Gemeindename
area_km2           area in km², with the decimals of the file's number format (two); a cell without
                   a number format is rounded to two decimals
population         population, total; population_male, population_female: by sex
density_per_km2    inhabitants per km², as the file gives it
postcode           the postcode of the seat of the administration (empty for gemeindefreie Gebiete)
lon, lat           the geographic centre, WGS 84 degrees, with the digits the file gives (a decimal
                   comma becomes a point; a number cell: the decimals of its number format, else
                   six); a pair 0/0 (the file's placeholder) is written empty
travel_region      the key of the Reisegebiet; travel_region_de its German name
urbanisation       the Grad der Verstädterung (Eurostat DEGURBA) key: 01 dicht besiedelt (cities),
                   02 mittlere Besiedlungsdichte (towns and suburbs), 03 gering besiedelt (rural
                   areas); urbanisation_de its German name
=================  ==============================================================================

The reference date (territorial status) is read from the data sheet: its header's "Gebietsstand
am DD.MM.YYYY", else its title ("… am DD.MM.YYYY"), else the "Gebietsstand: DD.MM.YYYY" of another
sheet, else the file name (``DDMMYYYY_…``, as in ``31122023_Auszug_GV.xlsx``); the comment lines
say which. The date of the population and of the assignments (centroid, travel region, degree of
urbanisation) is the date the header row of reference dates gives above those columns, else the
reference date. Only the columns of the keys, the name, the area and the population are required;
another release without a column of the others has those values empty (and the comment lines name
the columns it lacks). A missing sheet or required column, a key or number that is not one, an
unknown Satzart or an ARS given twice is an error naming the file, the row and the sheet.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import InputError
from .changes import (LICENCE, Spec, Table, decimal, find_table, integer, key, open_workbook, places, sheet_rows,
                      text)
from ..tsv import problem, render

__all__ = ["import_gvisys", "COLUMNS", "LEVELS"]

COLUMNS = ("ars", "ags", "tkz", "name", "area_km2", "population", "population_male", "population_female",
           "density_per_km2", "postcode", "lon", "lat", "travel_region", "travel_region_de", "urbanisation",
           "urbanisation_de")

#: Satzart -> level.
LEVELS = {"10": "Land", "20": "Regierungsbezirk", "30": "Region", "40": "Kreis", "50": "Gemeindeverband",
          "60": "Gemeinde"}

_KEYPART = r"regionalschlussel|\bars\b"
SPECS = {
    "satzart": Spec(((r"satzart",),), True, "Satzart"),
    "tkz": Spec(((r"textkennzeichen",),), False, "Textkennzeichen"),
    "land": Spec(((_KEYPART, r"\bland\b"),), True, "Land part of the ARS"),
    "rb": Spec(((_KEYPART, r"\brb\b|regierungsbezirk"),), True, "RB part of the ARS"),
    "kreis": Spec(((_KEYPART, r"\bkreis\b"),), True, "Kreis part of the ARS"),
    "vb": Spec(((_KEYPART, r"\bvb\b|gemeindeverband"),), True, "VB part of the ARS"),
    "gem": Spec(((_KEYPART, r"\bgem\b|\bgemeinde\b"),), True, "Gem part of the ARS"),
    "name": Spec(((r"gemeindename|\bname\b", "!" + _KEYPART),), True, "Gemeindename"),
    "area": Spec(((r"flache",),), True, "area (Fläche km2)"),
    "population": Spec(((r"bevolkerung|einwohner", r"insgesamt"),), True, "population (Bevölkerung insgesamt)"),
    "population_male": Spec(((r"mannlich",),), False, "male population"),
    "population_female": Spec(((r"weiblich",),), False, "female population"),
    "density": Spec(((r"\bje km2\b|dichte",),), False, "population density"),
    "postcode": Spec(((r"postleitzahl|\bplz\b",),), False, "postcode"),
    "lon": Spec(((r"langengrad|longitude",),), False, "longitude (Längengrad)"),
    "lat": Spec(((r"breitengrad|latitude",),), False, "latitude (Breitengrad)"),
    "travel_region": Spec(((r"reisegebiet", r"schlussel"),), False, "key of the Reisegebiet"),
    "travel_region_de": Spec(((r"reisegebiet", r"bezeichnung|\bname\b"),), False, "name of the Reisegebiet"),
    "urbanisation": Spec(((r"verstadterung|degurba", r"schlussel"),), False, "key of the Grad der Verstädterung"),
    "urbanisation_de": Spec(((r"verstadterung|degurba", r"bezeichnung|\bname\b"),), False,
                            "name of the Grad der Verstädterung"),
}
_ANCHOR = r"satzart|regionalschlussel|gemeindename"
_DATE = r"(\d{1,2})\.(\d{1,2})\.(\d{4})"
_PARTS = (("land", 2, "Land"), ("rb", 1, "RB"), ("kreis", 2, "Kreis"), ("vb", 4, "VB"), ("gem", 3, "Gem"))


def _day(m: re.Match | None) -> dt.date | None:
    if not m:
        return None
    try:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None


def _stand(t: Table, column: int | None) -> dt.date | None:
    """The date in the last header row at or left of ``column`` (the nearest non-empty cell), if any."""
    if column is None or len(t.block) < 2:
        return None
    last = t.block[-1]
    for j in range(min(column, len(last) - 1), -1, -1):
        if text(last[j]):
            return _day(re.search(_DATE, text(last[j])))
    return None


def _reference_date(t: Table, wb: Any, path: Path) -> tuple[dt.date, str]:
    for row in t.block:
        for v in row:
            day = _day(re.search(r"Gebietsstand\D{0,20}" + _DATE, text(v), re.IGNORECASE))
            if day:
                return day, "the sheet's header"
    for _, row in t.above:
        for v in row:
            day = _day(re.search(r"\b(?:am|Stand)\s+" + _DATE, text(v)))
            if day:
                return day, "the sheet's title"
    for ws in wb.worksheets:
        if ws.title == t.sheet:
            continue
        for n, cells in sheet_rows(ws, str(path)):
            if n > 100:
                break
            for v in (c.value for c in cells):
                day = _day(re.search(r"Gebietsstand\D{0,20}" + _DATE, text(v), re.IGNORECASE))
                if day:
                    return day, f"sheet {ws.title}"
    day = _day(re.match(r"(\d{2})(\d{2})(\d{4})", path.name))
    if day:
        return day, "the file name"
    raise problem(path, 0, f"sheet {t.sheet!r}: no reference date: no 'Gebietsstand am DD.MM.YYYY' in the header "
                           "or title and no date DDMMYYYY at the start of the file name")


def _degrees(c: Any, what: str, fail) -> str:
    """A coordinate: the digits of a text cell as given; a number cell with the decimals of its
    number format, else six."""
    v = None if c is None else c.value
    if isinstance(v, str):
        return decimal(v, None, what, fail)
    shown = places(getattr(c, "number_format", None))
    return decimal(v, 6 if shown is None else shown, what, fail)


def _coordinates(lon: str, lat: str) -> tuple[str, str]:
    if lon and lat and float(lon) == 0 and float(lat) == 0:
        return "", ""
    return lon, lat


def _row(t: Table, n: int, cells: tuple) -> list[str]:
    def fail(message: str) -> InputError:
        return t.error(n, message)

    def cell(name: str) -> Any:
        j = t.columns.get(name)
        return cells[j] if j is not None and j < len(cells) else None

    def value(name: str) -> Any:
        c = cell(name)
        return None if c is None else c.value

    parts = {p: key(value(p), (size,), f"{label} part of the ARS", fail) for p, size, label in _PARTS}
    missing = [p for p, v in parts.items() if not v]
    if missing:
        raise fail(f"the ARS part(s) {', '.join(missing)} are empty")
    ars = "".join(parts[p] for p, _, _ in _PARTS)
    name = text(value("name"))
    if not name:
        raise fail("the Gemeindename is empty")
    area = cell("area")
    area_places = places(getattr(area, "number_format", None))
    density = cell("density")
    density_places = places(getattr(density, "number_format", None))
    lon, lat = _coordinates(_degrees(cell("lon"), "longitude", fail), _degrees(cell("lat"), "latitude", fail))
    return [
        ars, parts["land"] + parts["rb"] + parts["kreis"] + parts["gem"],
        key(value("tkz"), (2,), "Textkennzeichen", fail), name,
        decimal(value("area"), 2 if area_places is None else area_places, "area", fail),
        integer(value("population"), "population", fail),
        integer(value("population_male"), "male population", fail),
        integer(value("population_female"), "female population", fail),
        decimal(value("density"), 0 if density_places is None else density_places, "population density", fail),
        key(value("postcode"), (5,), "postcode", fail), lon, lat,
        text(value("travel_region")), text(value("travel_region_de")),
        key(value("urbanisation"), (2,), "key of the Grad der Verstädterung", fail), text(value("urbanisation_de")),
    ]


def _skipped(values: list[Any]) -> bool:
    """An empty row, or one with one filled cell that is no Satzart (a footnote, the source, the copyright)."""
    filled = [v for v in values if v is not None and (not isinstance(v, str) or v.strip())]
    return not filled or (len(filled) == 1 and not re.fullmatch(r"\d{1,2}", text(filled[0])))


def _read(path: Path) -> tuple[Table, list[list[str]], Counter, dt.date, str]:
    rows: list[list[str]] = []
    levels: Counter = Counter()
    seen: dict[str, int] = {}
    with open_workbook(path) as wb:
        t = find_table(wb, path, _ANCHOR, SPECS)
        for n, cells in t.rows:
            values = [c.value for c in cells]
            if _skipped(values):
                continue
            j = t.columns["satzart"]
            satzart = key(values[j] if j < len(values) else None, (2,), "Satzart", lambda m: t.error(n, m))
            if satzart not in LEVELS:
                raise t.error(n, f"unknown Satzart {satzart!r} (expected one of {', '.join(LEVELS)})")
            levels[satzart] += 1
            if satzart != "60":
                continue
            row = _row(t, n, cells)
            if row[0] in seen:
                raise t.error(n, f"the ARS {row[0]} is given twice (first in row {seen[row[0]]})")
            seen[row[0]] = n
            rows.append(row)
        reference, origin = _reference_date(t, wb, path)
    if not rows:
        raise t.error(0, "no record of Satzart 60 (Gemeinde)")
    return t, rows, levels, reference, origin


def import_gvisys(file: str | Path) -> dict[str, bytes]:
    """``{"gvisys.tsv": …}``: one row per Gemeinde (Satzart 60) of the GV-ISys extract ``file``."""
    path = Path(file)
    t, rows, levels, reference, origin = _read(path)
    population_date = _stand(t, t.columns["population"]) or reference
    assigned = _stand(t, t.columns.get("lon")) or _stand(t, t.columns.get("urbanisation"))
    absent = [s.what for name, s in SPECS.items() if t.columns.get(name) is None]
    free = sum(1 for r in rows if r[2] in ("65", "66"))
    lands = Counter(r[0][:2] for r in rows)
    comments = [
        "Gemeinden of Germany with area, population, postcode, centroid and degree of urbanisation "
        "(GV-ISys extract), one row per Gemeinde or gemeindefreies Gebiet (Satzart 60)",
        "source: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis-Informationssystem GV-ISys, "
        f"Gemeinden in Deutschland nach Fläche, Bevölkerung und Postleitzahl, Stand {reference:%d.%m.%Y}",
        f"file: {path.name} (sheet {t.sheet})",
        f"territorial-status: {reference.isoformat()} (read from {origin})",
        f"population-date: {population_date.isoformat()}",
        f"source-id: destatis-gvisys-{reference.isoformat()}",
    ]
    if assigned:
        comments.append(f"assignments-date: {assigned.isoformat()} (centroids, travel regions, degree of urbanisation)")
    comments += [
        LICENCE,
        "changes: rows of the higher levels (Satzart 10–50) skipped; ARS and AGS composed from the parts Land, RB, "
        "Kreis, VB, Gem; decimal commas turned into points; area with the decimals of the file's number format; "
        "coordinates 0/0 written empty; rows sorted by ARS",
        "columns: ars, ags, tkz (Textkennzeichen), name, area_km2, population (total), population_male, "
        "population_female, density_per_km2, postcode (of the seat of the administration), lon, lat (centroid, "
        "WGS 84 degrees), travel_region, travel_region_de (Reisegebiet), urbanisation, urbanisation_de (Grad der "
        "Verstädterung, Eurostat DEGURBA: 01 cities, 02 towns and suburbs, 03 rural areas)",
        f"counts: {len(rows)} rows, of them {free} gemeindefreie Gebiete (tkz 65, 66); skipped: "
        + ", ".join(f"{LEVELS[s]} {levels[s]}" for s in sorted(levels) if s != "60"),
        "by Land: " + ", ".join(f"{land} {c}" for land, c in sorted(lands.items())),
    ]
    if absent:
        comments.append("not in this release: " + ", ".join(absent))
    return {"gvisys.tsv": render(comments, COLUMNS, rows)}
