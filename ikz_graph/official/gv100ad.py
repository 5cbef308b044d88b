"""The importer of the Destatis Gemeindeverzeichnis GV100AD (fixed-width text, one record per line).

The layout is the one Destatis documents for GV100AD; positions are 1-based and count characters:

============  ======================================================================
1–2           Satzart: 10 Land, 20 Regierungsbezirk, 30 Region (Baden-Württemberg), 40 Kreis,
              50 Gemeindeverband, 60 Gemeinde
3–10          Gebietsstand (territorial status), YYYYMMDD: the same on every line of a release
11–12         Land; 13 Regierungsbezirk; 14 Region (Satzart 30 only); 14–15 Kreis
16–18         Gemeinde (Satzart 60); 19–22 Gemeindeverband (Satzart 50 and 60)
23–72         name; 73–122 seat of the administration (Satzart 10–40)
123–124       Textkennzeichen (Satzart 40–60)
129–139       area in hectares; 140–150 population, total; 151–161 population, male (Satzart 60)
166–170       postcode of the administration (Satzart 60)
============  ======================================================================

The Amtlicher Regionalschlüssel (ARS) of a Gemeindeverband is Land, Regierungsbezirk, Kreis and
Gemeindeverband (9 digits); of a Gemeinde those and the Gemeinde (12 digits). The Amtlicher
Gemeindeschlüssel (AGS) of a Gemeinde is Land, Regierungsbezirk, Kreis and Gemeinde (8 digits).
The population of a release is that of 31 December of the year before its territorial status
(the release of 30.11.2023 gives the population of 31.12.2022); the file does not say so itself,
so the date is a parameter of the import with that rule as its default.

The file is read as UTF-8, or as Windows-1252 where it is not UTF-8 (the publisher's own releases
use that code page). A line that is too short, of an unknown Satzart, with a Gebietsstand other
than the first line's, or with a key or figure that is not digits, is an error naming the file and
the line; nothing is returned for a file with any such line.

>>> t = import_gv100ad_text(_EXAMPLE, "example.txt")["units.tsv"].decode().splitlines()
>>> t[-3:]
['07\\t07\\t10\\t\\tRheinland-Pfalz\\tMainz\\t\\t\\t\\t\\t', '072\\t072\\t20\\t\\tTrier\\t\\t07\\t\\t\\t\\t', '07233\\t07233\\t40\\t44\\tVulkaneifel\\tDaun\\t072\\t\\t\\t\\t']
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import InputError
from ..inputs import brief
from ..tsv import problem, render

__all__ = ["import_gv100ad", "import_gv100ad_text", "RECORD_TYPES", "COLUMNS"]

#: Satzart → level.
RECORD_TYPES = {"10": "land", "20": "regierungsbezirk", "30": "region", "40": "kreis", "50": "gemeindeverband",
                "60": "gemeinde"}

COLUMNS = ("ars", "ags", "record", "tkz", "name", "seat", "parent", "area_ha", "population", "population_male",
           "postcode")

_KEYS = {  # Satzart → (ARS, AGS) from the line
    "10": lambda x: (x[10:12], x[10:12]),
    "20": lambda x: (x[10:13], x[10:13]),
    "30": lambda x: (x[10:14], ""),
    "40": lambda x: (x[10:15], x[10:15]),
    "50": lambda x: (x[10:15] + x[18:22], ""),
    "60": lambda x: (x[10:15] + x[18:22] + x[15:18], x[10:15] + x[15:18]),
}
_MIN_LENGTH = {"10": 72, "20": 72, "30": 72, "40": 124, "50": 124, "60": 170}


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def import_gv100ad(path: str | Path, population_date: dt.date | None = None) -> dict[str, bytes]:
    """``{"units.tsv": …}``: one row per Land, Regierungsbezirk, Region, Kreis, Gemeindeverband and Gemeinde."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: not a file (give the GV100AD text file)")
    return import_gv100ad_text(_text(path), path, population_date)


def _figure(line: str, a: int, b: int, file: str, n: int, what: str) -> str:
    raw = line[a:b].strip()
    if raw == "":
        return ""
    if not raw.isdigit():
        raise problem(file, n, f"the {what} (characters {a + 1}–{b}) is not a number: {brief(raw)}")
    return str(int(raw))


def _row(line: str, file: str, n: int) -> tuple[str, ...]:
    kind = line[:2]
    if kind not in RECORD_TYPES:
        raise problem(file, n, f"unknown Satzart {brief(kind)} (expected one of {', '.join(RECORD_TYPES)})")
    if len(line) < _MIN_LENGTH[kind]:
        raise problem(file, n, f"the line is {len(line)} characters long, a Satzart {kind} record needs "
                               f"{_MIN_LENGTH[kind]}")
    ars, ags = _KEYS[kind](line)
    if not ars.isdigit() or (ags and not ags.isdigit()):
        raise problem(file, n, f"the key (characters 11–22) is not digits: {brief(line[10:22])}")
    name = line[22:72].strip()
    if not name:
        raise problem(file, n, "the name (characters 23–72) is empty")
    seat = line[72:122].strip() if kind in ("10", "20", "30", "40") else ""
    tkz = line[122:124].strip() if kind in ("40", "50", "60") else ""
    if tkz and not tkz.isdigit():
        raise problem(file, n, f"the Textkennzeichen (characters 123–124) is not digits: {brief(tkz)}")
    area = pop = male = postcode = ""
    if kind == "60":
        area = _figure(line, 128, 139, file, n, "area")
        pop = _figure(line, 139, 150, file, n, "population")
        male = _figure(line, 150, 161, file, n, "male population")
        postcode = line[165:170].strip()
    return ars, ags, kind, tkz, name, seat, area, pop, male, postcode


def _parents(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Rows with the ARS of the unit each lies in directly, in file order (a Kreis of Baden-Württemberg
    lies in the Region whose record precedes it)."""
    keys = {r[0] for r in rows}
    region = ""
    out = []
    for r in rows:
        ars, kind = r[0], r[2]
        if kind == "30":
            region = ars
        if kind in ("10", "20") or (kind == "40" and not region.startswith(ars[:3])):
            region = ""
        if kind == "40" and region:
            parent = region
        else:
            prefixes = {"20": (2,), "30": (3, 2), "40": (3, 2), "50": (5, 3, 2), "60": (9, 5, 3, 2)}.get(kind, ())
            parent = next((ars[:k] for k in prefixes if ars[:k] in keys and ars[:k] != ars), "")
        out.append((ars, r[1], kind, r[3], r[4], r[5], parent, *r[6:]))
    return out


def import_gv100ad_text(text: str, file: str | Path, population_date: dt.date | None = None) -> dict[str, bytes]:
    """:func:`import_gv100ad` on the file's text (``file`` names it in errors)."""
    file = str(file)
    rows: list[tuple[str, ...]] = []
    status = None
    seen: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        stamp = line[2:10]
        try:
            day = dt.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
        except ValueError:
            raise problem(file, n, f"the Gebietsstand (characters 3–10) is no date YYYYMMDD: {brief(stamp)}") from None
        if status is None:
            status = day
        elif day != status:
            raise problem(file, n, f"Gebietsstand {day} differs from the first line's {status}: one release per file")
        row = _row(line, file, n)
        if row[0] in seen:
            raise problem(file, n, f"the key {row[0]} is given twice (first on line {seen[row[0]]})")
        seen[row[0]] = n
        rows.append(row)
    if status is None:
        raise problem(file, 0, "no records")
    pop_date = population_date or dt.date(status.year - 1, 12, 31)
    counts = {level: sum(1 for r in rows if RECORD_TYPES[r[2]] == level) for level in RECORD_TYPES.values()}
    comments = [
        "Administrative units of Germany: Länder, Regierungsbezirke, Regionen, Kreise, Gemeindeverbände and Gemeinden",
        f"source: Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, Stand {status:%d.%m.%Y}",
        f"territorial-status: {status.isoformat()}",
        f"population-date: {pop_date.isoformat()}",
        f"source-id: destatis-gv100ad-{status.isoformat()}",
        "licence: Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0), https://www.govdata.de/dl-de/by-2-0",
        "changes: fixed-width records turned into one row per unit; keys composed into ARS and AGS; "
        "the direct parent added; figures without leading zeros; rows sorted by ARS",
        "columns: ars (Amtlicher Regionalschlüssel), ags (Amtlicher Gemeindeschlüssel), record (Satzart), "
        "tkz (Textkennzeichen), name, seat, parent (ARS), area_ha, population, population_male, postcode",
        "counts: " + ", ".join(f"{level} {c}" for level, c in counts.items()),
    ]
    return {"units.tsv": render(comments, COLUMNS, _parents(rows))}


_EXAMPLE = (
    "10" "20231130" "07" + " " * 10 + "Rheinland-Pfalz".ljust(50) + "Mainz".ljust(50) + "\n"
    "20" "20231130" "072" + " " * 9 + "Trier".ljust(50) + " " * 50 + "\n"
    "40" "20231130" "07233" + " " * 7 + "Vulkaneifel".ljust(50) + "Daun".ljust(50) + "44" + "\n")
