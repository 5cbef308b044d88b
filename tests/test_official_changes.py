"""The importers of the Destatis lists of territorial changes and of the GV-ISys extract (xlsx).

The real files are read from data/official/destatis/ (else from the shared folder of raw copies);
the counts they are checked against are taken from the sheets here, by fixed cell positions,
independently of the importers' header search. The samples were read from the sheets by hand.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from ikz_graph.errors import InputError
from ikz_graph.official.changes import import_changes
from ikz_graph.official.gvisys import import_gvisys
from ikz_graph.tsv import parse

ROOT = Path(__file__).resolve().parent.parent
CHANGES = ("gebietsaenderungen_2023.xlsx", "gebietsaenderungen_2024.xlsx", "gebietsaenderungen_2025-02.xlsx")
GVISYS = "31122023_Auszug_GV.xlsx"
RAW = next((d for d in (ROOT / "data" / "official" / "destatis", Path("/work/shared/official/destatis"))
            if all((d / f).is_file() for f in (*CHANGES, GVISYS))), None)
real = pytest.mark.skipif(RAW is None, reason="the raw Destatis files are not here")


def _sheet_rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


@pytest.fixture(scope="module")
def change_files():
    return [RAW / f for f in CHANGES]


@pytest.fixture(scope="module")
def changes(change_files):
    return import_changes(change_files)["changes.tsv"]


@pytest.fixture(scope="module")
def change_table(changes):
    return parse(changes, "changes.tsv")


@pytest.fixture(scope="module")
def gvisys():
    return import_gvisys(RAW / GVISYS)["gvisys.tsv"]


@pytest.fixture(scope="module")
def gvisys_table(gvisys):
    return parse(gvisys, "gvisys.tsv")


def _by_source(table):
    return {r["source"]: r for r in table.rows}


# --- the real lists of changes ---------------------------------------------------------------------


@real
def test_one_row_per_record_of_each_sheet(change_files, change_table):
    """Records counted in column C (the old ARS: 9 or 12 digits) of each sheet, and those that
    concern Rhineland-Palatinate (old or new ARS 07…)."""
    rlp = 0
    for path in change_files:
        rows = _sheet_rows(path, "Gebietsaenderungen")
        records = [r for r in rows if len(r) > 8 and isinstance(r[2], str) and r[2].isdigit() and len(r[2]) in (9, 12)]
        rlp += sum(1 for r in records if r[2].startswith("07") or str(r[8] or "").startswith("07"))
        mine = [r for r in change_table.rows if r["source"].startswith(path.name + "!Gebietsaenderungen!")]
        assert len(mine) == len(records) > 0, path.name
    assert len(change_table.rows) == 58 + 82 + 28
    mine = [r for r in change_table.rows if r["old_ars"].startswith("07") or r["new_ars"].startswith("07")]
    assert len(mine) == rlp == 11
    assert f"concerning Rhineland-Palatinate (ARS 07…) {rlp}" in "\n".join(change_table.comments)


@real
def test_rhineland_palatinate_samples(change_table):
    rows = _by_source(change_table)
    marienthal = rows["gebietsaenderungen_2024.xlsx!Gebietsaenderungen!48"]   # Marienthal goes to Dernau
    assert {k: marienthal[k] for k in ("date", "kind", "kind_de", "level", "old_ars", "old_ags", "old_name", "new_ars",
                                       "new_ags", "new_name", "area_m2", "population", "date_statistical",
                                       "kind_code", "case")} == {
        "date": "2024-01-01", "kind": "partial-transfer", "kind_de": "Teilausgliederung", "level": "gemeinde",
        "old_ars": "071310007007", "old_ags": "07131007", "old_name": "Bad Neuenahr-Ahrweiler, Stadt",
        "new_ars": "071315002017", "new_ags": "07131017", "new_name": "Dernau", "area_m2": "137157",
        "population": "35", "date_statistical": "2024-01-01", "kind_code": "2", "case": "07/2024/0001-R"}
    kept = rows["gebietsaenderungen_2024.xlsx!Gebietsaenderungen!49"]   # what Bad Neuenahr-Ahrweiler keeps
    assert (kept["old_ars"], kept["new_ars"], kept["area_m2"], kept["population"]) == (
        "071310007007", "071310007007", "63247810", "26634")
    nieder = rows["gebietsaenderungen_2025-02.xlsx!Gebietsaenderungen!11"]
    assert (nieder["date"], nieder["kind"], nieder["old_ags"], nieder["old_name"], nieder["new_ars"],
            nieder["new_name"], nieder["area_m2"], nieder["population"]) == (
        "2025-01-01", "dissolution", "07232089", "Niedergeckler", "072325005503", "Obergeckler", "1385049", "54")
    ober = rows["gebietsaenderungen_2025-02.xlsx!Gebietsaenderungen!12"]
    assert (ober["kind"], ober["old_ags"], ober["new_ags"], ober["area_m2"]) == (
        "key-change", "07232096", "07232503", "")
    betzdorf = rows["gebietsaenderungen_2024.xlsx!Gebietsaenderungen!71"]   # a typo in a name, corrected years later
    assert (betzdorf["date"], betzdorf["date_statistical"], betzdorf["kind"], betzdorf["level"], betzdorf["old_ars"],
            betzdorf["old_ags"], betzdorf["old_name"], betzdorf["new_name"]) == (
        "2017-01-01", "2024-09-01", "rename", "gemeindeverband", "071325009", "", "Betzdorf-Gebardshain",
        "Betzdorf-Gebhardshain")


@real
def test_kinds_dates_and_order(change_table):
    rows = list(change_table.rows)
    assert {r["kind"] for r in rows} == {"dissolution", "partial-transfer", "key-change", "rename", "key-change+rename"}
    both = _by_source(change_table)["gebietsaenderungen_2023.xlsx!Gebietsaenderungen!35"]   # Änderungsart "3, 4"
    assert (both["kind"], both["kind_de"], both["kind_code"], both["old_name"], both["new_name"]) == (
        "key-change+rename", "Schlüsseländerung, Namensänderung", "3,4", "Flintbek", "Eidertal")
    keys = [(r["date"], r["old_ars"]) for r in rows]
    assert keys == sorted(keys)
    for r in rows:
        assert len(r["date"]) == 10 and r["date"][4] == "-"
        assert len(r["old_ars"]) == (12 if r["level"] == "gemeinde" else 9)
        assert r["level"] != "gemeinde" or r["old_ags"] == r["old_ars"][:5] + r["old_ars"][9:]
    forest = _by_source(change_table)["gebietsaenderungen_2025-02.xlsx!Gebietsaenderungen!13"]   # no successor
    assert (forest["level"], forest["old_name"], forest["new_ars"], forest["new_name"]) == (
        "gemeindeverband", "Gellnhausen", "", "")


@real
def test_changes_are_the_same_bytes_in_any_order_and_once_per_record(changes, change_files):
    assert import_changes(list(reversed(change_files))) == {"changes.tsv": changes}
    assert import_changes([*change_files, change_files[0]])["changes.tsv"] == changes


# --- the real GV-ISys extract ----------------------------------------------------------------------


@real
def test_one_row_per_gemeinde(gvisys_table):
    rows = _sheet_rows(RAW / GVISYS, "Onlineprodukt_Gemeinden31122023")
    gemeinden = [r for r in rows if r and r[0] == "60"]
    rlp = [r for r in gemeinden if r[2] == "07"]
    assert len(gvisys_table.rows) == len(gemeinden) == 10981
    mine = [r for r in gvisys_table.rows if r["ars"].startswith("07")]
    assert len(mine) == len(rlp) == 2302
    # 2,301 Gemeinden as in GV100AD of 30.11.2023, and the German-Luxembourgish condominium
    assert sum(1 for r in mine if r["tkz"] != "66") == sum(1 for r in rlp if r[1] != "66") == 2301
    comments = "\n".join(gvisys_table.comments)
    assert "territorial-status: 2023-12-31 (read from the sheet's header)" in comments
    assert "population-date: 2023-12-31" in comments
    assert "Gemeindeverband 4597" in comments and "07 2302" in comments


@real
def test_gvisys_samples(gvisys_table):
    rows = {r["ars"]: r for r in gvisys_table.rows}
    daun = rows["072335001501"]
    assert {c: daun[c] for c in gvisys_table.header} == {
        "ars": "072335001501", "ags": "07233501", "tkz": "63", "name": "Daun, Stadt", "area_km2": "49.02",
        "population": "8220", "population_male": "4047", "population_female": "4173", "density_per_km2": "168",
        "postcode": "54550", "lon": "6.830555", "lat": "50.196727", "travel_region": "J12", "travel_region_de": "Eifel",
        "urbanisation": "02", "urbanisation_de": "mittlere Besiedlungsdichte"}
    assert rows["072335001014"]["name"] == "Darscheid"
    condominium = rows["070009999999"]
    assert (condominium["ags"], condominium["area_km2"], condominium["lon"], condominium["lat"]) == (
        "07000999", "6.20", "", "")
    assert all(len(r["area_km2"].split(".")[1]) == 2 for r in gvisys_table.rows)


@real
def test_gvisys_is_the_same_bytes_twice(gvisys):
    assert import_gvisys(RAW / GVISYS)["gvisys.tsv"] == gvisys


# --- workbooks made here: other wordings, and bad input -----------------------------------------

HEAD2 = ["Kennziffer", "Regionaleinheit", "Abgebende / Aufgelöste Gemeinde", None, None, None, None, None,
         "Aufnehmende / Neugebildete Gemeinde", None, None, "Wirksamkeitsdatum", None]
HEAD3 = [None, None, "Amtlicher Regionalschlüssel (ARS)", "Amtlicher Gemeinde-schlüssel (AGS)", "Name",
         "Änderungs-art 1)", "Fläche qm", "Einwohner", "Amtlicher Regionalschlüssel (ARS)",
         "Amtlicher Gemeinde-schlüssel (AGS)", "Name", "juristisch", "statistisch"]
RECORD = ["07/2025/0004-R", "Gemeinde", "072325005089", "07232089", "Niedergeckler", "1", "1385049", "54",
          "072325005503", "07232503", "Obergeckler", "01.01.2025", "01.01.2025"]


def _changes_book(path: Path, head2=HEAD2, head3=HEAD3, records=(RECORD,), sheet="Gebietsaenderungen", blank=True):
    wb = openpyxl.Workbook()
    wb.active.title = "Deckblatt"
    wb.active["A9"] = "Daten aus dem Gemeindeverzeichnis"
    if sheet:
        ws = wb.create_sheet(sheet)
        ws.append(["Gebietsänderungen vom 01.01. - 31.01.2025"])
        ws.append(head2)
        ws.append(head3)
        if blank:
            ws.append([])
        for r in records:
            ws.append(list(r))
        ws.append([])
        ws.append(["1) Änderungsart:"])
        ws.append(["    1 = Auflösung"])
    wb.save(path)
    return path


def _error(call) -> str:
    with pytest.raises(InputError) as e:
        call()
    return str(e.value)


def test_other_wordings_and_layouts_are_read(tmp_path):
    """Header texts with other line breaks, case and spacing, the table moved by a column, numbers
    for keys and figures, a date cell, no blank row below the header: the same record."""
    import datetime as dt
    head2 = [None, *["KENNZIFFER", "Regional-\neinheit", "Abgebende /\nAufgelöste Gemeinde", None, None, None, None,
                     None, "Aufnehmende / Neugebildete  Gemeinde", None, None, "Wirksamkeits-datum", None]]
    head3 = [None, *[None, None, "Amtlicher Regional-\nschlüssel (ARS)", "Amtlicher Gemeinde\nschlüssel (AGS)",
                     " Name ", "Änderungsart 1)", "Fläche\nqm", "Einwohner", "Amtlicher Regionalschlüssel",
                     "Amtlicher Gemeindeschlüssel", "Name", "juristisch", "statistisch"]]
    record = [None, "07/2025/0004-R", "Gemeinde", 72325005089, 7232089, "Niedergeckler", 1, 1385049, 54.0,
              "072325005503", "", "Obergeckler", dt.datetime(2025, 1, 1), "01.01.2025"]
    moved = parse(import_changes([_changes_book(tmp_path / "a.xlsx", head2, head3, [record], blank=False)])
                  ["changes.tsv"], "moved")
    plain = parse(import_changes([_changes_book(tmp_path / "a.xlsx")])["changes.tsv"], "plain")
    assert moved.comments == plain.comments
    [row], [other] = plain.rows, moved.rows
    assert {c: other[c] for c in moved.header if c != "source"} == {c: row[c] for c in plain.header if c != "source"}
    assert (other["source"], row["source"]) == ("a.xlsx!Gebietsaenderungen!4", "a.xlsx!Gebietsaenderungen!5")
    assert (row["date"], row["kind"], row["old_ars"], row["new_ags"], row["area_m2"], row["population"]) == (
        "2025-01-01", "dissolution", "072325005089", "07232503", "1385049", "54")


def test_a_text_file_named_xlsx_is_an_input_error(tmp_path):
    bad = tmp_path / "gebietsaenderungen_2024.xlsx"
    bad.write_text("Kennziffer;ARS\n07/2024/0001-R;071310007007\n", encoding="utf-8")
    assert f"{bad}: not an xlsx workbook" in _error(lambda: import_changes([bad]))
    assert f"{bad}: not an xlsx workbook" in _error(lambda: import_gvisys(bad))
    assert "cannot read" in _error(lambda: import_changes([tmp_path / "missing.xlsx"]))
    assert "not a regular file but a folder" in _error(lambda: import_gvisys(tmp_path))


def test_a_missing_column_names_file_sheet_and_header_row(tmp_path):
    book = _changes_book(tmp_path / "c.xlsx", HEAD2[:11], HEAD3[:11], [RECORD[:11]])
    message = _error(lambda: import_changes([book]))
    assert message.startswith(f"{book}:2: sheet 'Gebietsaenderungen': missing column")
    assert "legal effective date" in message


def test_a_missing_sheet_is_an_input_error(tmp_path):
    book = _changes_book(tmp_path / "d.xlsx", sheet="")
    assert "no sheet with the expected header (sheets: 'Deckblatt')" in _error(lambda: import_changes([book]))


@pytest.mark.parametrize("column, value, words", [
    (2, "07232500508O", "ARS of the old unit is not a key of 12 digits"),
    (3, "0723208", "AGS of the old unit is not a key of 8 digits"),
    (9, "07232504", "does not fit its ARS"),
    (6, "1.385 ha", "area is not a whole number"),
    (11, "31.02.2025", "legal effective date is not a date"),
    (5, "9", "Änderungsart 9 is not in the file's legend"),
])
def test_a_bad_cell_names_file_sheet_and_row(tmp_path, column, value, words):
    record = list(RECORD)
    record[column] = value
    book = _changes_book(tmp_path / "e.xlsx", records=[RECORD, record])
    message = _error(lambda: import_changes([book]))
    assert message.startswith(f"{book}:6: sheet 'Gebietsaenderungen': "), message
    assert words in message


GV_HEAD = [
    ["Satz-art", "Text-kenn-zeichen", "Amtlicher Regionalschlüssel (ARS)", None, None, None, None, "Gemeindename",
     "Fläche km2 1)", "Bevölkerung2)", None, None, None, "Postleit-zahl3)", "Geografische Mittelpunktkoordinaten",
     None, "Reisegebiete", None, "Grad der Verstädterung"],
    [None, None, "Land", "RB", "Kreis", "VB", "Gem", None, None, "insgesamt", "männlich", "weiblich", "je km2", None,
     "Längengrad", "Breitengrad", "Schlüssel", "Bezeichnung", "Schlüssel", "Bezeichnung"],
]
GV_ROWS = [
    ["10", None, "07", None, None, None, None, "Rheinland-Pfalz"],
    ["60", "63", "07", "2", "33", "5001", "501", "Daun, Stadt", 49.02, 8220, 4047, 4173, 168, "54550", "6,830555",
     "50,196727", "J12", "Eifel", "02", "mittlere Besiedlungsdichte"],
]


def _gvisys_book(path: Path, head=GV_HEAD, rows=GV_ROWS, title="Gemeinden in Deutschland"):
    wb = openpyxl.Workbook()
    wb.active.title = "Inhalt"
    wb.active.append(["Gemeinden mit Amtlichem Regionalschlüssel (ARS)"])   # mentions a header word: passed over
    ws = wb.create_sheet("Onlineprodukt")
    ws.append([title])
    ws.append([])
    for r in head:
        ws.append(r)
    ws.append([])
    for r in rows:
        ws.append(r)
        ws.cell(ws.max_row, 9).number_format = "0.00"
    ws.append([])
    ws.append(["Quelle: Gemeindeverzeichnis"])
    wb.save(path)
    return path


def test_gvisys_of_another_release(tmp_path):
    """No reference date in the sheet: the date at the start of the file name; floats for coordinates."""
    rows = [GV_ROWS[0], [*GV_ROWS[1][:14], 6.8305551, 50.196727, *GV_ROWS[1][16:]]]
    book = _gvisys_book(tmp_path / "31122024_Auszug_GV.xlsx", rows=rows)
    table = parse(import_gvisys(book)["gvisys.tsv"], "gvisys.tsv")
    assert "territorial-status: 2024-12-31 (read from the file name)" in table.comments
    [daun] = table.rows
    assert (daun["ars"], daun["ags"], daun["area_km2"], daun["lon"], daun["lat"]) == (
        "072335001501", "07233501", "49.02", "6.830555", "50.196727")
    titled = _gvisys_book(tmp_path / "auszug.xlsx", title="Gemeinden in Deutschland am 30.06.2024")
    assert "territorial-status: 2024-06-30 (read from the sheet's title)" in parse(
        import_gvisys(titled)["gvisys.tsv"], "x").comments
    undated = _gvisys_book(tmp_path / "auszug.xlsx")
    assert "no reference date" in _error(lambda: import_gvisys(undated))


def test_gvisys_bad_input_names_file_sheet_and_row(tmp_path):
    head = [[c if c != "Fläche km2 1)" else "Gebiet" for c in GV_HEAD[0]], GV_HEAD[1]]
    book = _gvisys_book(tmp_path / "31122023_a.xlsx", head=head)
    assert _error(lambda: import_gvisys(book)).startswith(f"{book}:3: sheet 'Onlineprodukt': missing column")
    for column, value, words in ((9, "8.220", "population is not a whole number"),
                                 (5, "50O1", "VB part of the ARS is not a key of 4 digits"),
                                 (0, "70", "unknown Satzart '70'")):
        row = list(GV_ROWS[1])
        row[column] = value
        book = _gvisys_book(tmp_path / "31122023_b.xlsx", rows=[GV_ROWS[0], row])
        message = _error(lambda: import_gvisys(book))
        assert message.startswith(f"{book}:7: sheet 'Onlineprodukt': "), message
        assert words in message
    twice = _gvisys_book(tmp_path / "31122023_c.xlsx", rows=[*GV_ROWS, GV_ROWS[1]])
    assert "given twice (first in row 7)" in _error(lambda: import_gvisys(twice))
