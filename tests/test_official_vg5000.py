"""The importer of the BKG boundaries (ikz_graph.official.vg5000): the real VG5000 release (imported
once per module; a second import runs meanwhile in another process, with another hash seed, to show
the bytes do not change), small synthetic releases in the VG250 naming and another CRS, and the
errors for malformed input."""
from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shapefile
import shapely
from pyproj import CRS, Transformer

from ikz_graph.errors import InputError
from ikz_graph.tsv import parse
from ikz_graph.official.vg5000 import MIN_BORDER_M, import_vg5000

ROOT = Path(__file__).resolve().parent.parent
REAL = next((p for p in (ROOT / "data" / "official" / "bkg-vg5000", Path("/work/shared/official/bkg-vg5000"))
             if (p / "VG5000_KRS.shp").is_file()), None)
LEVELS = {"LAN": ("land", 2), "KRS": ("kreis", 5), "VWG": ("gemeindeverband", 9), "GEM": ("gemeinde", 12)}

needs_real = pytest.mark.skipif(REAL is None, reason="the VG5000 release is not in data/official/bkg-vg5000")


# --- the real release -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def second_run(tmp_path_factory):
    """The same import in another process (started first, so both run at once)."""
    out = tmp_path_factory.mktemp("vg5000-second")
    code = ("import sys; from pathlib import Path; from ikz_graph.official.vg5000 import import_vg5000\n"
            "for k, v in import_vg5000(sys.argv[1]).items(): Path(sys.argv[2], k).write_bytes(v)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(REAL), str(out)], cwd=ROOT,
                            env={**os.environ, "PYTHONHASHSEED": "4711"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    yield proc, out
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


@pytest.fixture(scope="module")
def tables(second_run):
    steps = []
    out = import_vg5000(REAL, progress=steps.append)
    out["steps"] = steps
    return out


@pytest.fixture(scope="module")
def geometry(tables):
    return parse(tables["geometry.tsv"], "geometry.tsv")


@pytest.fixture(scope="module")
def touches(tables):
    return parse(tables["touches.tsv"], "touches.tsv")


def _land_ars(code: str) -> set[str]:
    """The distinct ARS of the land records of one level, read straight from the .dbf."""
    _, digits = LEVELS[code]
    with open(REAL / f"VG5000_{code}.dbf", "rb") as f:
        reader = shapefile.Reader(dbf=f, encoding="utf-8")
        return {r["ARS"][:digits] for r in reader.iterRecords(fields=["ARS", "GF", "BSG"])
                if r["GF"] in (3, 4, 9) and r["BSG"] != 9}


@needs_real
def test_units_per_level_are_the_distinct_ars_of_the_files(geometry):
    got = collections.Counter(r["level"] for r in geometry.rows)
    for code, (level, digits) in LEVELS.items():
        expected = _land_ars(code)
        assert got[level] == len(expected), level
        assert {r["ars"] for r in geometry.rows if r["level"] == level} == expected
        assert all(len(a) == digits for a in expected)
    with open(REAL / "VG5000_KRS.dbf", "rb") as f:
        assert got["kreis"] == len({r["ARS"] for r in shapefile.Reader(dbf=f).iterRecords(fields=["ARS"])})
    assert got["land"] == 16
    names = {(r["level"], r["ars"]): r["name"] for r in geometry.rows}
    assert names["kreis", "07233"] == "Vulkaneifel" and names["land", "07"] == "Rheinland-Pfalz"


@needs_real
def test_pairs_are_unique_ordered_and_of_one_level(geometry, touches):
    assert touches.header == ("level", "a", "b", "border_m")
    units = {(r["level"], r["ars"]) for r in geometry.rows}
    seen = set()
    for r in touches.rows:
        assert r["a"] < r["b"], r.line
        assert (r["level"], r["a"]) in units and (r["level"], r["b"]) in units, r.line
        assert (r["level"], r["a"], r["b"]) not in seen, r.line
        seen.add((r["level"], r["a"], r["b"]))
        assert r["border_m"].isdigit() and int(r["border_m"]) >= MIN_BORDER_M, r.line
    assert {r["level"] for r in touches.rows} == {"land", "kreis", "gemeindeverband", "gemeinde"}


@needs_real
def test_known_neighbours(touches):
    kreis = {(r["a"], r["b"]): int(r["border_m"]) for r in touches.rows if r["level"] == "kreis"}
    assert kreis[("07231", "07233")] > 10_000          # Bernkastel-Wittlich, Vulkaneifel
    assert ("07233", "07340") not in kreis             # Vulkaneifel, Südwestpfalz: far apart
    assert {p for p in kreis if "07211" in p} == {("07211", "07235")}  # Trier lies inside Trier-Saarburg
    land = {(r["a"], r["b"]) for r in touches.rows if r["level"] == "land"}
    assert ("07", "10") in land and ("07", "09") not in land


@needs_real
def test_every_wkt_is_a_valid_multipolygon_holding_its_centroid(geometry):
    assert geometry.header == ("level", "ars", "name", "nuts", "centroid_lon", "centroid_lat", "wkt")
    shapes = shapely.from_wkt([r["wkt"] for r in geometry.rows])
    points = shapely.points([(float(r["centroid_lon"]), float(r["centroid_lat"])) for r in geometry.rows])
    assert all(r["wkt"].startswith("MULTIPOLYGON (((") for r in geometry.rows)
    assert shapely.is_valid(shapes).all()
    assert shapely.contains(shapes, points).all()
    lon, lat = shapely.get_x(points), shapely.get_y(points)
    assert (5.8 < lon).all() and (lon < 15.1).all() and (47.2 < lat).all() and (lat < 55.1).all()
    assert all(len(r["centroid_lon"].split(".")[1]) == 5 for r in geometry.rows)


@needs_real
def test_sizes(geometry):
    def size(keep):
        return sum(len(r["wkt"].encode()) for r in geometry.rows if keep(r))
    assert size(lambda r: r["level"] == "kreis") < 2_000_000
    assert size(lambda r: r["level"] == "gemeindeverband" and r["ars"].startswith("07")) < 1_000_000


@needs_real
def test_comments_name_source_licence_attribution(geometry, touches):
    for table in (geometry, touches):
        text = "\n".join(table.comments)
        assert "Bundesamt für Kartographie und Geodäsie (BKG), VG5000, Stand 01.01.2021" in text
        assert "dl-de/by-2-0" in text and "https://www.govdata.de/dl-de/by-2-0" in text
        assert "© GeoBasis-DE / BKG 2021 (Daten verändert)" in text
    assert "EPSG:31467" in "\n".join(geometry.comments) and "tolerance 100 m" in "\n".join(geometry.comments)
    assert "within 1 m" in "\n".join(touches.comments)


@needs_real
def test_progress_names_the_steps(tables):
    assert tables["steps"][0] == "read LAN (land)" and "touches gemeinde" in tables["steps"]


@needs_real
def test_two_runs_give_the_same_bytes(tables, second_run):
    proc, out = second_run
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()[-2000:]
    for name in ("geometry.tsv", "touches.tsv"):
        assert (out / name).read_bytes() == tables[name], name


# --- malformed copies of the real release -------------------------------------------------------------

def _copy(dest: Path, skip: str = "") -> Path:
    dest.mkdir()
    for p in REAL.iterdir():
        if p.is_file() and not (skip and p.stem.endswith(skip)):
            (dest / p.name).write_bytes(p.read_bytes())
    return dest


@needs_real
def test_a_missing_level_is_named(tmp_path):
    folder = _copy(tmp_path / "vg", skip="_KRS")
    with pytest.raises(InputError, match=r"no shapefile of the level KRS \(kreis\)") as e:
        import_vg5000(folder)
    assert str(folder) in str(e.value)


@needs_real
def test_a_truncated_shp_is_named(tmp_path):
    folder = _copy(tmp_path / "vg")
    shp = folder / "VG5000_KRS.shp"
    shp.write_bytes(shp.read_bytes()[:300_000])
    with pytest.raises(InputError, match="truncated") as e:
        import_vg5000(folder)
    assert str(shp) in str(e.value)


@needs_real
def test_a_truncated_shp_without_index_names_the_record(tmp_path):
    folder = _copy(tmp_path / "vg")
    (folder / "VG5000_GEM.shx").unlink()
    shp = folder / "VG5000_GEM.shp"
    data = bytearray(shp.read_bytes()[:1_000_000])
    data[24:28] = (len(data) // 2).to_bytes(4, "big")  # a header that agrees with the cut
    shp.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"VG5000_GEM\.shp:\d+: record \d+: ") as e:
        import_vg5000(folder)
    assert str(shp) in str(e.value)


# --- synthetic releases -------------------------------------------------------------------------------

SQUARES = {  # a 2 x 2 km grid of Kreise in Rheinland-Pfalz, a Kreis of Baden-Württemberg east of it
    "07111": (0, 0), "07131": (1, 0), "07132": (0, 1), "07133": (1, 1), "08111": (2, 0), "08112": (2, 1)}
KM = 1000.0
X0, Y0 = 400_000.0, 5_500_000.0   # ETRS89 / UTM zone 32N, near 7.6° E 49.6° N


def _square(i: int, j: int, size: float = KM) -> list[list[float]]:
    x, y = X0 + i * KM, Y0 + j * KM
    return [[x, y], [x, y + size], [x + size, y + size], [x + size, y], [x, y]]  # clockwise, as in a .shp


def _write(folder: Path, code: str, records: list[tuple[dict, list]], *, prefix: str = "VG250") -> None:
    w = shapefile.Writer(str(folder / f"{prefix}_{code}"), shapeType=shapefile.POLYGON, encoding="utf-8")
    w.field("ARS", "C", size=12)
    w.field("GEN", "C", size=60)
    w.field("GF", "N", size=1)
    w.field("BSG", "N", size=1)
    for rec, rings in records:
        w.record(**rec)
        w.poly(rings)
    w.close()
    (folder / f"{prefix}_{code}.prj").write_text(CRS.from_epsg(25832).to_wkt("WKT1_ESRI"))
    (folder / f"{prefix}_{code}.cpg").write_text("UTF-8")


def _synthetic(folder: Path, *, krs_ars: dict[str, str] | None = None) -> Path:
    folder.mkdir()
    (folder / "aktualitaet.txt").write_text("31.12.2023\n")
    lan = [({"ARS": "07", "GEN": "Rheinland-Pfalz", "GF": 4, "BSG": 1}, [_square(0, 0, 2 * KM)]),
           ({"ARS": "07", "GEN": "Rheinland-Pfalz", "GF": 2, "BSG": 1}, [_square(0, -2, 2 * KM)]),   # water
           ({"ARS": "08", "GEN": "Baden-Württemberg", "GF": 4, "BSG": 1}, [_square(2, 0), _square(2, 1)]),
           ({"ARS": "08", "GEN": "Baden-Württemberg (Bodensee)", "GF": 4, "BSG": 9}, [_square(3, 0)])]
    _write(folder, "LAN", lan)
    krs_ars = krs_ars or {}
    units = [({"ARS": krs_ars.get(k, k + "0000000"), "GEN": f"Kreis {k}", "GF": 4, "BSG": 1}, [_square(*ij)])
             for k, ij in SQUARES.items()]
    _write(folder, "KRS", units)
    _write(folder, "VWG", [({**r, "ARS": r["ARS"][:5] + "0001"}, g) for r, g in units])
    _write(folder, "GEM", [({**r, "ARS": r["ARS"][:5] + "0001001"}, g) for r, g in units])
    return folder


def test_a_synthetic_vg250_release_in_utm(tmp_path):
    steps = []
    out = import_vg5000(_synthetic(tmp_path / "vg250"), progress=steps.append)
    geometry = parse(out["geometry.tsv"], "geometry.tsv")
    touches = parse(out["touches.tsv"], "touches.tsv")
    text = "\n".join(geometry.comments)
    assert "VG250, Stand 31.12.2023" in text and "© GeoBasis-DE / BKG 2023 (Daten verändert)" in text
    assert "EPSG:25832" in text and "ETRS89 to WGS 84" in text
    rows = {(r["level"], r["ars"]): r for r in geometry.rows}
    assert sorted(a for lv, a in rows if lv == "land") == ["07", "08"]
    assert sorted(a for lv, a in rows if lv == "kreis") == sorted(SQUARES)            # 12 digits cut to 5
    assert sorted(a for lv, a in rows if lv == "gemeinde")[0] == "071110001001"
    assert rows["land", "08"]["name"] == "Baden-Württemberg"
    land_07 = shapely.from_wkt(rows["land", "07"]["wkt"])
    assert land_07.geom_type == "MultiPolygon" and len(land_07.geoms) == 1            # the water part dropped
    land_08 = shapely.from_wkt(rows["land", "08"]["wkt"])
    kreis_08 = shapely.union(shapely.from_wkt(rows["kreis", "08111"]["wkt"]), shapely.from_wkt(rows["kreis", "08112"]["wkt"]))
    assert len(land_08.geoms) == 1 and land_08.hausdorff_distance(kreis_08) < 2e-5     # parts merged, Bodensee out
    lon, lat = Transformer.from_crs(25832, 4326, always_xy=True).transform(X0 + 500, Y0 + 500)
    assert rows["kreis", "07111"]["centroid_lon"] == f"{lon:.5f}" and rows["kreis", "07111"]["centroid_lat"] == f"{lat:.5f}"
    pairs = {(r["level"], r["a"], r["b"]): int(r["border_m"]) for r in touches.rows}
    assert pairs[("kreis", "07111", "07131")] == 1000 and pairs[("kreis", "07131", "08111")] == 1000
    assert ("kreis", "07111", "07133") not in pairs and ("kreis", "07131", "08112") not in pairs  # corners
    assert pairs[("land", "07", "08")] == 2000
    assert "kreis 7 (4)" in "\n".join(touches.comments)
    assert steps[0] == "read LAN (land)" and steps[-1] == "write"


def test_rings_of_either_orientation_and_holes(tmp_path):
    folder = _synthetic(tmp_path / "vg250")
    outer = _square(0, 0, 2 * KM)
    hole = [[X0 + 500, Y0 + 500], [X0 + 1500, Y0 + 500], [X0 + 1500, Y0 + 1500], [X0 + 500, Y0 + 1500], [X0 + 500, Y0 + 500]]
    _write(folder, "LAN", [({"ARS": "07", "GEN": "Rheinland-Pfalz", "GF": 4, "BSG": 1}, [outer[::-1], hole[::-1]]),
                           ({"ARS": "08", "GEN": "Baden-Württemberg", "GF": 4, "BSG": 1}, [_square(2, 0)])])
    rows = {r["ars"]: r for r in parse(import_vg5000(folder)["geometry.tsv"], "g").rows if r["level"] == "land"}
    land_07 = shapely.from_wkt(rows["07"]["wkt"])
    assert len(land_07.geoms[0].interiors) == 1 and land_07.is_valid
    assert land_07.contains(shapely.Point(float(rows["07"]["centroid_lon"]), float(rows["07"]["centroid_lat"])))


@pytest.mark.parametrize("ars, message", [
    ("0713", r"ARS '0713' has 4 digits; the level KRS \(kreis\) has 5"),
    ("071310000001", r"ARS '071310000001' has 12 digits"),
    ("", r"no ARS"),
    ("07x31", r"not a string of digits"),
])
def test_a_bad_ars_names_the_dbf_and_the_record(tmp_path, ars, message):
    folder = _synthetic(tmp_path / "vg250", krs_ars={"07131": ars})
    with pytest.raises(InputError, match=message) as e:
        import_vg5000(folder)
    assert f"{folder / 'VG250_KRS.dbf'}:2: record 2: " in str(e.value)


def test_an_unknown_geofaktor_is_an_error(tmp_path):
    folder = _synthetic(tmp_path / "vg250")
    _write(folder, "LAN", [({"ARS": "07", "GEN": "Rheinland-Pfalz", "GF": 5, "BSG": 1}, [_square(0, 0)])])
    with pytest.raises(InputError, match=r"VG250_LAN\.dbf:1: record 1: unknown GF"):
        import_vg5000(folder)


@pytest.mark.parametrize("damage, file, message", [
    (lambda f: (f / "VG250_VWG.prj").unlink(), "VG250_VWG.prj", "missing"),
    (lambda f: (f / "VG250_VWG.prj").write_text("GEOGCS[nonsense"), "VG250_VWG.prj", "not a coordinate reference system"),
    (lambda f: (f / "VG250_VWG.prj").write_text(CRS.from_epsg(4326).to_wkt("WKT1_ESRI")), "VG250_VWG.prj",
     "not a projected CRS in metres"),
    (lambda f: (f / "VG250_GEM.dbf").unlink(), "VG250_GEM.dbf", "missing"),
    (lambda f: (f / "VG250_GEM.dbf").write_bytes((f / "VG250_GEM.dbf").read_bytes()[:150]), "VG250_GEM.dbf",
     "truncated"),
    (lambda f: (f / "VG250_GEM.shp").write_bytes(b"not a shapefile" * 10), "VG250_GEM.shp", "not a shapefile"),
    (lambda f: (f / "VG250_GEM.shp").write_bytes(b""), "VG250_GEM.shp", "truncated"),
    (lambda f: (f / "aktualitaet.txt").unlink(), "", "no aktualitaet.txt"),
    (lambda f: (f / "aktualitaet.txt").write_text("Stand 2023"), "aktualitaet.txt", "not a date"),
    (lambda f: (f / "VG250_LAN.cpg").write_text("no such code page"), "VG250_LAN.cpg", "unknown code page"),
])
def test_malformed_files_are_named(tmp_path, damage, file, message):
    folder = _synthetic(tmp_path / "vg250")
    damage(folder)
    with pytest.raises(InputError, match=message) as e:
        import_vg5000(folder)
    assert str(folder / file) in str(e.value)


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        import_vg5000(tmp_path / "missing")


def test_a_deleted_record_is_skipped_with_its_shape(tmp_path):
    folder = _synthetic(tmp_path / "vg250")
    dbf = folder / "VG250_KRS.dbf"
    data = bytearray(dbf.read_bytes())
    header, length = int.from_bytes(data[8:10], "little"), int.from_bytes(data[10:12], "little")
    data[header + 1 * length] = ord("*")   # record 2: 07131
    dbf.write_bytes(bytes(data))
    out = import_vg5000(folder)
    geometry = parse(out["geometry.tsv"], "g")
    kreise = {r["ars"]: r for r in geometry.rows if r["level"] == "kreis"}
    assert "07131" not in kreise and len(kreise) == len(SQUARES) - 1
    lon, lat = Transformer.from_crs(25832, 4326, always_xy=True).transform(X0 + 1500, Y0 + 1500)
    assert kreise["07133"]["centroid_lon"] == f"{lon:.5f}" and kreise["07133"]["centroid_lat"] == f"{lat:.5f}"
    assert "records marked as deleted in the .dbf skipped: 1" in "\n".join(geometry.comments)
    data[header + 1 * length] = ord("#")
    dbf.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"VG250_KRS\.dbf:2: record 2: corrupt"):
        import_vg5000(folder)
