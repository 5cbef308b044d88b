"""Running the importers: one release of one format → its tables in ``data/base/`` (or any folder).

``ikz-graph import gv100ad FILE`` and its siblings call :func:`run_import`; ``ikz-graph import all``
calls :func:`import_all`, which re-imports the vendored copies in ``data/official/`` (the layout that
folder's README describes). Each table is written atomically (a reader sees the old or the new file,
never a part); the tables of one import are computed in full before the first is written, so a bad
input writes nothing.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from ..atomic import write_file
from ..errors import InputError

__all__ = ["FORMATS", "run_import", "import_all", "official_inputs"]


def _gv100ad(paths: list[Path], **kw) -> dict[str, bytes]:
    from .gv100ad import import_gv100ad

    return import_gv100ad(_one(paths, "gv100ad"), population_date=kw.get("population_date"))


def _vg5000(paths: list[Path], **kw) -> dict[str, bytes]:
    from .vg5000 import import_vg5000

    return import_vg5000(_one(paths, "vg5000"), progress=kw.get("progress"))


def _changes(paths: list[Path], **kw) -> dict[str, bytes]:
    from .changes import import_changes

    return import_changes(paths)


def _gvisys(paths: list[Path], **kw) -> dict[str, bytes]:
    from .gvisys import import_gvisys

    return import_gvisys(_one(paths, "gvisys"))


def _wikidata(paths: list[Path], **kw) -> dict[str, bytes]:
    from .wikidata import import_wikidata

    return import_wikidata(_one(paths, "wikidata"))


#: format → (what it reads, the importer)
FORMATS: dict[str, tuple[str, Callable[..., dict[str, bytes]]]] = {
    "gv100ad": ("the Destatis GV100AD text file (GV100AD_DDMMYY.txt)", _gv100ad),
    "vg5000": ("a folder with the BKG VG5000 (or VG250) shapefiles of the levels LAN, KRS, VWG, GEM", _vg5000),
    "changes": ("one or more Destatis lists of territorial changes (Gebietsänderungen, .xlsx)", _changes),
    "gvisys": ("the Destatis GV-ISys extract of the Gemeinden (DDMMYYYY_Auszug_GV.xlsx)", _gvisys),
    "wikidata": ("a key,wikidata CSV of the Länder and Kreise (DE_<state>_<Kreisschlüssel>)", _wikidata),
}


def _one(paths: list[Path], fmt: str) -> Path:
    if len(paths) != 1:
        raise InputError(f"import {fmt} reads one {'folder' if fmt == 'vg5000' else 'file'}, not {len(paths)}")
    return paths[0]


def run_import(fmt: str, paths: list[Path], out_dir: Path, population_date: dt.date | None = None,
               progress=None) -> list[Path]:
    """Import ``paths`` in format ``fmt`` and write its tables into ``out_dir``; the paths written."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: does not exist")
    tables = FORMATS[fmt][1](paths, population_date=population_date, progress=progress)
    return [write_file(out_dir / name, content) for name, content in tables.items()]


def official_inputs(official_dir: Path) -> dict[str, list[Path]]:
    """The vendored raw files of each format in ``official_dir`` (``data/official/``)."""
    d = Path(official_dir)
    found = {
        "gv100ad": sorted((d / "destatis").glob("GV100AD_*.txt"))[-1:],
        "vg5000": [d / "bkg-vg5000"] if (d / "bkg-vg5000").is_dir() else [],
        "changes": sorted((d / "destatis").glob("gebietsaenderungen_*.xlsx")),
        "gvisys": sorted((d / "destatis").glob("*_Auszug_GV.xlsx"))[-1:],
        "wikidata": sorted((d / "wikidata").glob("*.csv"))[-1:],
    }
    return {k: v for k, v in found.items() if v}


def import_all(official_dir: Path, out_dir: Path, progress=None) -> list[Path]:
    """Re-import every vendored official file of ``official_dir`` into ``out_dir``."""
    inputs = official_inputs(official_dir)
    if "gv100ad" not in inputs:
        raise InputError(f"{official_dir}: no GV100AD file (destatis/GV100AD_*.txt)")
    tables: dict[str, bytes] = {}
    for fmt, paths in inputs.items():
        tables.update(FORMATS[fmt][1](paths, progress=progress))
    return [write_file(Path(out_dir) / name, content) for name, content in tables.items()]
