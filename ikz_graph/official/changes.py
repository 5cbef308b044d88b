"""The importer of the Destatis lists of territorial changes (Gebietsänderungen, xlsx), and the xlsx
reading it shares with :mod:`ikz_graph.official.gvisys`.

Destatis publishes, per year (and cumulatively within a year, by month), a workbook with a cover
sheet and one sheet of change records. Each record names the unit that gives territory or ceases
(abgebende / aufgelöste Gemeinde) and the unit that receives it or is formed (aufnehmende /
neugebildete Gemeinde), on the level of the Gemeinde (12-digit ARS, 8-digit AGS) or of the
Gemeindeverband (9-digit ARS, no AGS). A footnote below the records gives the legend of the
Änderungsart (in the releases of 2023–2025: 1 Auflösung, 2 Teilausgliederung, 3 Schlüsseländerung,
4 Namensänderung; a cell may hold two, e.g. ``3, 4``).

The sheet and its header are found by their texts, not by cell positions: the header is the first
row (of the first 40 of a sheet, in any sheet) with a cell naming the Kennziffer, a
Regionalschlüssel or the Änderungsart, together with the header rows directly below it (a merged
group cell such as "Abgebende / Aufgelöste Gemeinde" is carried over the columns below it), in
which every required column is found; a row that only mentions such a word (a title, a contents
sheet) is passed over. A column is recognised by words of its header, compared without case,
accents, hyphens, line breaks or spacing. Below the
header, a row with a value in one cell only is a note (footnotes, the legend, the copyright) unless
that value looks like a Kennziffer or a key; every other non-empty row is a record.

``changes.tsv`` has one row per record, sorted by date, old key, new key and source:

================  ===============================================================================
date              the legal effective date (Wirksamkeitsdatum juristisch), ISO YYYY-MM-DD
kind              the Änderungsart as a code: ``dissolution`` (Auflösung: the old unit ceases, its
                  territory goes to the new unit), ``partial-transfer`` (Teilausgliederung: part of
                  the old unit's territory goes to the new unit; a row whose old and new unit are
                  the same gives what the unit keeps), ``key-change`` (Schlüsseländerung),
                  ``rename`` (Namensänderung); two kinds are joined by ``+``. Other German terms a
                  release may use map to ``incorporation`` (Eingliederung), ``merger``
                  (Neubildung, Zusammenschluss), ``transfer`` (Umgliederung), ``separation``
                  (Ausgliederung), ``boundary-change`` (Grenzänderung); any other to its ASCII slug
kind_de           the file's own German term(s) from its legend, joined by ``, ``
level             the Regionaleinheit: ``gemeinde`` or ``gemeindeverband`` (ASCII, lowercase); where
                  the file has no such column, from the length of the old ARS
old_ars           the ARS of the old unit as the file gives it: 12 digits for a Gemeinde, 9 for a
                  Gemeindeverband (a key stored as a number gets its lost leading zero back)
old_ags           the AGS of the old Gemeinde (8 digits); composed from the ARS (Land, RB, Kreis,
                  Gemeinde) where the file leaves it empty; empty for a Gemeindeverband
old_name          the name of the old unit before the change
new_ars           the ARS of the new unit (after the change); empty where the file names none (a
                  Gemeindeverband that is dissolved without successor)
new_ags           the AGS of the new Gemeinde, as for old_ags
new_name          the name of the new unit after the change
area_m2           the area that the record moves (square metres, integer, the file's "Fläche qm");
                  for ``partial-transfer`` rows whose old and new unit are the same: the area the
                  unit keeps. Empty where the file gives none (key changes, renames, Gemeindeverband
                  rows)
population        the inhabitants of that area (the file's "Einwohner"), as for area_m2
date_statistical  the date from which the statistics apply the change (Wirksamkeitsdatum
                  statistisch), ISO; may differ from ``date`` by months or years
kind_code         the Änderungsart number(s) as the file gives them, joined by ``,``
case              the Kennziffer of the change case (e.g. ``07/2024/0001-R``: Land, year, number);
                  one case has one or more records
source            ``FILE!SHEET!ROW``: the file name, the sheet and the 1-based row of the record
================  ===============================================================================

A record that is the same in every column but ``source`` in two files (cumulative monthly releases
repeat the earlier months) is kept once, with the source in the file whose period ends later (then:
whose name sorts later). A missing sheet or header column, a cell that should be a key, a number or
a date and is not, a key of the wrong length or an AGS that does not fit its ARS is an error naming
the file, the row and the sheet; nothing is returned for a file with any such cell.

>>> label_key("Amtlicher Gemeinde-\\nschlüssel (AGS)")
'amtlicher gemeindeschlussel ags'
>>> _kind_code("Schlüsseländerung"), _kind_code("Gebietstausch")
('key-change', 'gebietstausch')
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import stat
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path
from typing import Any, Iterator, Sequence

import openpyxl

from ..errors import InputError
from ..inputs import brief
from ..tsv import problem, render

__all__ = ["import_changes", "COLUMNS", "LICENCE", "Spec", "Table", "label_key", "open_workbook", "find_table",
           "sheet_rows", "text", "key", "integer", "decimal", "date", "places"]

LICENCE = ("licence: Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0), "
           "https://www.govdata.de/dl-de/by-2-0")

COLUMNS = ("date", "kind", "kind_de", "level", "old_ars", "old_ags", "old_name", "new_ars", "new_ags", "new_name",
           "area_m2", "population", "date_statistical", "kind_code", "case", "source")

# ------------------------------------------------------------------------------------------------
# Reading an xlsx table by its header texts (shared with gvisys)
# ------------------------------------------------------------------------------------------------

_HEADER_SCAN = 40     # rows of a sheet searched for the header
_HEADER_ROWS = 5      # at most this many header rows
_NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def label_key(value: object) -> str:
    """A header text compared loosely: lowercase ASCII words, no accents, hyphenated and
    line-broken words joined (``Gemeinde-schlüssel`` is ``gemeindeschlussel``)."""
    s = unicodedata.normalize("NFKD", str(value).replace("ß", "ss").replace("\u00ad", ""))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"(?<=[^\W\d_])-\s*(?=[^\W\d_])", "", s).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", s))


@dataclass(frozen=True)
class Spec:
    """How to recognise a column: alternatives, each a tuple of regular expressions that must all be
    found in the column's header (a leading ``!`` means: must not be found). The first alternative
    that fits exactly one column wins."""

    alternatives: tuple[tuple[str, ...], ...]
    required: bool = True
    what: str = ""

    def fits(self, alternative: tuple[str, ...], label: str) -> bool:
        squashed = label.replace(" ", "")
        for pattern in alternative:
            negate = pattern.startswith("!")
            p = pattern[1:] if negate else pattern
            found = re.search(p, label) is not None or ("\\b" not in p and re.search(p, squashed) is not None)
            if found == negate:
                return False
        return True


@dataclass
class Table:
    """A sheet's header, found by its texts, and its rows below the header (read once, in order)."""

    file: str
    sheet: str
    above: list[tuple[int, list[Any]]]        # the rows above the header (titles), with their numbers
    block: list[list[Any]]                    # the header rows' raw values
    header_row: int                           # the 1-based number of the first header row
    labels: list[str]                         # each column's header texts, joined and compared loosely
    columns: dict[str, int | None]            # spec name -> 0-based column (None: optional, absent)
    rows: Iterator[tuple[int, tuple]] = field(repr=False)

    def error(self, row: int, message: str) -> InputError:
        """The error for ``row`` of this sheet."""
        return problem(self.file, row, f"sheet {self.sheet!r}: {message}")


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file (opened without blocking, so a named pipe cannot hang the reader)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise problem(path, 0, f"cannot read: {e.strerror or e}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _NOT_REGULAR if test(mode)), "a special file")
            raise problem(path, 0, f"cannot read: not a regular file but {kind}")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise problem(path, 0, f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


@contextmanager
def open_workbook(path: str | Path) -> Iterator[Any]:
    """The workbook at ``path``, read-only; a file that is not an xlsx workbook is an InputError."""
    data = _read_bytes(Path(path))
    try:
        wb = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # zipfile, XML and openpyxl errors of a broken or foreign file
        raise problem(path, 0, f"not an xlsx workbook ({type(e).__name__}: {brief(str(e), 200)})") from None
    try:
        yield wb
    finally:
        wb.close()


def sheet_rows(ws: Any, file: str) -> Iterator[tuple[int, tuple]]:
    """The sheet's rows with their 1-based numbers; errors of the reader name the file, sheet, row."""
    try:
        ws.reset_dimensions()   # do not trust the sheet's stated size
        it = ws.iter_rows()
    except Exception as e:
        raise problem(file, 0, f"sheet {ws.title!r}: cannot read ({type(e).__name__}: {brief(str(e), 200)})") from None
    n = 0
    while True:
        try:
            row = next(it)
        except StopIteration:
            return
        except Exception as e:  # a damaged sheet: XML or zip errors while streaming
            raise problem(file, n + 1, f"sheet {ws.title!r}: cannot read "
                                       f"({type(e).__name__}: {brief(str(e), 200)})") from None
        n += 1
        yield n, row


def _filled(v: object) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def _is_data(values: Sequence[object]) -> bool:
    """A row that holds a number or a digits-only text (not a header row)."""
    for v in values:
        if isinstance(v, (int, float, dt.date)) and not isinstance(v, bool):
            return True
        if isinstance(v, str) and v.strip().isdigit():
            return True
    return False


def _labels(block: list[list[Any]]) -> list[str]:
    """Each column's header: the texts of the header rows, a group cell carried to the right over
    the empty cells that have a header below them and none above them (as a merged cell)."""
    width = max(len(r) for r in block)
    grid = [[text(r[j]) if j < len(r) else "" for j in range(width)] for r in block]
    filled = [row[:] for row in grid]
    for i in range(len(grid) - 1):
        carry = ""
        for j in range(width):
            if grid[i][j]:
                carry = grid[i][j]
            elif carry and any(grid[k][j] for k in range(i + 1, len(grid))) and not any(grid[k][j] for k in range(i)):
                filled[i][j] = carry
            else:
                carry = ""
    return [label_key(" ".join(filled[i][j] for i in range(len(grid)) if filled[i][j])) for j in range(width)]


def _match(specs: dict[str, Spec], labels: list[str]) -> tuple[dict[str, int | None], list[str]]:
    """The column of each spec (None: not found) and what is wrong (missing or ambiguous columns)."""
    columns: dict[str, int | None] = {}
    claimed: dict[int, str] = {}
    wrong: list[str] = []
    letter = openpyxl.utils.get_column_letter
    for name, spec in specs.items():
        found: int | None = None
        for alternative in spec.alternatives:
            hits = [j for j, label in enumerate(labels) if label and spec.fits(alternative, label)]
            if len(hits) > 1:
                wrong.append(f"the header of the {spec.what or name} is ambiguous: columns "
                             f"{', '.join(letter(j + 1) for j in hits)} fit")
            if hits:
                found = hits[0]
                break
        if found is None and spec.required:
            wrong.append(f"missing column: no header names the {spec.what or name}")
        if found is not None and found in claimed:
            wrong.append(f"column {letter(found + 1)} fits both the {specs[claimed[found]].what or claimed[found]} "
                         f"and the {spec.what or name}")
        elif found is not None:
            claimed[found] = name
        columns[name] = found
    return columns, wrong


def _header_block(first: tuple[int, list[Any]], rows: Iterator[tuple[int, tuple]]):
    """The header rows from ``first`` on (up to an empty row or a row of data, at most
    ``_HEADER_ROWS``), and the row read after them, if any."""
    block = [first]
    while len(block) < _HEADER_ROWS:
        nxt = next(rows, None)
        if nxt is None:
            return block, None
        vals = [c.value for c in nxt[1]]
        if not any(_filled(v) for v in vals) or _is_data(vals):
            return block, nxt
        block.append((nxt[0], vals))
    return block, None


def find_table(wb: Any, file: str | Path, anchor: str, specs: dict[str, Spec]) -> Table:
    """The first header (a row with a cell matching ``anchor``, in the first rows of a sheet) that
    has the columns of ``specs``, and the rows below it. Where none has, an InputError for the
    header that lacks the fewest columns, or for the workbook if no sheet has such a row."""
    file = str(file)
    best: tuple[int, InputError] | None = None
    for ws in wb.worksheets:
        rows = sheet_rows(ws, file)
        above: list[tuple[int, list[Any]]] = []
        pending = None
        while (item := pending or next(rows, None)) is not None and item[0] <= _HEADER_SCAN:
            pending = None
            values = [c.value for c in item[1]]
            if not any(isinstance(v, str) and re.search(anchor, label_key(v)) for v in values):
                above.append((item[0], values))
                continue
            block, pending = _header_block((item[0], values), rows)
            labels = _labels([v for _, v in block])
            columns, wrong = _match(specs, labels)
            if not wrong:
                rest = itertools.chain([pending], rows) if pending else rows
                return Table(file, ws.title, above, [v for _, v in block], item[0], labels, columns, rest)
            if best is None or len(wrong) < best[0]:
                best = len(wrong), problem(file, item[0], f"sheet {ws.title!r}: " + "; ".join(wrong))
            above += block
    if best:
        raise best[1]
    raise problem(file, 0, f"no sheet with the expected header (sheets: {', '.join(repr(s) for s in wb.sheetnames)})")


# --- cell values ---------------------------------------------------------------------------------


def text(v: object) -> str:
    """A cell as one line of text (whitespace runs, line breaks included, as one space)."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return format(Decimal(repr(v)).normalize(), "f") if not v.is_integer() else str(int(v))
    return " ".join(str(v).split())


def key(v: object, lengths: Sequence[int], what: str, fail) -> str:
    """A key of digits of one of ``lengths`` ("" for an empty cell). A key stored as a number has
    lost its leading zero (Länder 01–09); it gets one back where that gives an allowed length."""
    if not _filled(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        s = str(v)
        if len(s) not in lengths and len(s) + 1 in lengths:
            s = "0" + s
    elif isinstance(v, str):
        s = v.strip()
    else:
        s = text(v)
    if not (s.isascii() and s.isdigit()) or len(s) not in lengths:
        sizes = " or ".join(str(n) for n in sorted(set(lengths)))
        raise fail(f"the {what} is not a key of {sizes} digits: {brief(v)}")
    return s


def integer(v: object, what: str, fail) -> str:
    """A count without separators ("" for an empty cell)."""
    if not _filled(v):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return str(v)
    if isinstance(v, str):
        s = re.sub(r"[\s\u00a0\u202f]", "", v)
        if s.isascii() and s.isdigit():
            return str(int(s))
    raise fail(f"the {what} is not a whole number: {brief(v)}")


def places(number_format: str | None) -> int | None:
    """The decimals an Excel number format shows (None for "General" or no format).

    >>> places("##\\\\ ###\\\\ ##0.00"), places("#,##0"), places("General")
    (2, 0, None)
    """
    if not number_format or number_format == "General":
        return None
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format.split(";")[0])
    m = re.search(r"\.([0#?]+)", section)
    return len(m.group(1)) if m else 0


def decimal(v: object, decimals: int | None, what: str, fail) -> str:
    """A number as fixed-point text: rounded (half up) to ``decimals`` places, or, where that is None,
    with the digits the file gives (a decimal comma becomes a point). "" for an empty cell."""
    if not _filled(v):
        return ""
    try:
        if isinstance(v, bool):
            raise InvalidOperation
        if isinstance(v, int):
            d = Decimal(v)
        elif isinstance(v, float):
            d = Decimal(repr(v))
        elif isinstance(v, str):
            d = Decimal(v.strip().replace(",", "."))
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise fail(f"the {what} is not a number: {brief(v)}") from None
    if not d.is_finite():
        raise fail(f"the {what} is not a number: {brief(v)}")
    if decimals is not None:
        d = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return format(d, "f")


def date(v: object, what: str, fail) -> str:
    """A date as ISO YYYY-MM-DD, from a date cell or a text DD.MM.YYYY or YYYY-MM-DD ("" if empty).

    >>> date("01.09.2024", "date", ValueError), date(dt.datetime(2024, 1, 1), "date", ValueError)
    ('2024-09-01', '2024-01-01')
    """
    if not _filled(v):
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        s = v.strip()
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", s)
        iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
        try:
            if m:
                return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()
            if iso:
                return dt.date(int(iso[1]), int(iso[2]), int(iso[3])).isoformat()
        except ValueError:
            pass
    raise fail(f"the {what} is not a date (DD.MM.YYYY): {brief(v)}")


# ------------------------------------------------------------------------------------------------
# The lists of territorial changes
# ------------------------------------------------------------------------------------------------

_OLD = r"abgebend|aufgelost|bisherig"
_NEW = r"aufnehmend|neugebildet|neue"
_ARS = r"regionalschlussel|\bars\b"
_AGS = r"gemeindeschlussel|\bags\b"
_NAME = r"\bname\b|bezeichnung"

SPECS = {
    "case": Spec(((r"kennziffer",),), False, "Kennziffer"),
    "level": Spec(((r"regionaleinheit|\bebene\b",),), False, "Regionaleinheit"),
    "old_ars": Spec(((_OLD, _ARS),), True, "ARS of the old unit"),
    "old_ags": Spec(((_OLD, _AGS),), False, "AGS of the old unit"),
    "old_name": Spec(((_OLD, _NAME),), True, "name of the old unit"),
    "kind": Spec(((r"anderungsart|art der anderung",),), True, "Änderungsart"),
    "area": Spec(((r"flache",),), False, "area (Fläche)"),
    "population": Spec(((r"einwohner|bevolkerung",),), False, "population (Einwohner)"),
    "new_ars": Spec(((_NEW, _ARS),), True, "ARS of the new unit"),
    "new_ags": Spec(((_NEW, _AGS),), False, "AGS of the new unit"),
    "new_name": Spec(((_NEW, _NAME),), True, "name of the new unit"),
    "date": Spec(((r"juristisch|rechtlich",), (r"wirksam|datum", "!statistisch")), True,
                 "legal effective date (Wirksamkeitsdatum juristisch)"),
    "date_statistical": Spec(((r"statistisch",),), False, "statistical effective date"),
}
_ANCHOR = r"kennziffer|regionalschlussel|anderungsart|abgebend|aufgelost"

#: The legend of the Änderungsart where a file has none (and for codes its legend lacks).
DEFAULT_LEGEND = {1: "Auflösung", 2: "Teilausgliederung", 3: "Schlüsseländerung", 4: "Namensänderung"}

_KINDS = {"auflosung": "dissolution", "teilausgliederung": "partial-transfer", "schlusselanderung": "key-change",
          "namensanderung": "rename", "eingliederung": "incorporation", "neubildung": "merger",
          "zusammenschluss": "merger", "umgliederung": "transfer", "ausgliederung": "separation",
          "grenzanderung": "boundary-change"}

#: Level (Regionaleinheit) -> allowed ARS lengths, AGS lengths.
_LEVELS = {"gemeinde": ((12,), (8,)), "gemeindeverband": ((9,), ()), "kreis": ((5,), (5,)),
           "regierungsbezirk": ((3,), (3,)), "land": ((2,), (2,))}
_ANY_ARS, _ANY_AGS = (2, 3, 5, 9, 12), (2, 3, 5, 8)
_BY_LENGTH = {12: "gemeinde", 9: "gemeindeverband", 5: "kreis", 3: "regierungsbezirk", 2: "land"}

_CASE = re.compile(r"\d{1,2}/\d{4}/\d+")
_PERIOD = re.compile(r"vom\s*(\d{1,2})\.(\d{1,2})\.(\d{4})?\s*(?:-|–|bis)\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
_LEGEND_LINE = re.compile(r"(\d{1,2})\s*=\s*(\S.*)")


def _kind_code(german: str) -> str:
    k = label_key(german)
    return _KINDS.get(k.replace(" ", ""), "-".join(k.split()) or "unknown")


@dataclass
class _Record:
    values: dict[str, str]
    kinds: list[int | str]   # Änderungsart numbers or German terms, as in the cell
    file: str
    row: int


@dataclass
class _File:
    name: str
    sheet: str
    period: tuple[dt.date, dt.date] | None
    records: list[_Record]


def _period(above: list[tuple[int, list[Any]]]) -> tuple[dt.date, dt.date] | None:
    """The period of the list from its title ("Gebietsänderungen vom 01.01. - 31.12.2023")."""
    for _, values in above:
        for v in values:
            m = _PERIOD.search(text(v)) if isinstance(v, str) else None
            if m:
                try:
                    end = dt.date(int(m[6]), int(m[5]), int(m[4]))
                    return dt.date(int(m[3] or m[6]), int(m[2]), int(m[1])), end
                except ValueError:
                    return None
    return None


def _kinds(v: object, fail) -> list[int | str]:
    parts = [p for p in re.split(r"\s*(?:[,;/+&]|\bund\b)\s*", text(v)) if p]
    if not parts:
        raise fail("the Änderungsart is empty")
    return [int(p) if p.isdigit() else p for p in parts]


def _unit(t: Table, values: list[Any], side: str, level: str, fail) -> tuple[str, str, str]:
    ars_lengths, ags_lengths = _LEVELS.get(level, (_ANY_ARS, _ANY_AGS))
    cell = _getter(t, values)
    ars = key(cell(f"{side}_ars"), ars_lengths, f"ARS of the {side} unit", fail)
    ags = key(cell(f"{side}_ags"), ags_lengths or _ANY_AGS, f"AGS of the {side} unit", fail)
    expected = ars[:5] + ars[9:] if len(ars) == 12 else "" if len(ars) == 9 else ars
    if ags and ars and ags != expected:
        fits = f"(expected {expected})" if expected else "(a Gemeindeverband has no AGS)"
        raise fail(f"the AGS {ags} of the {side} unit does not fit its ARS {ars} {fits}")
    return ars, ags or expected, text(cell(f"{side}_name"))


def _getter(t: Table, values: list[Any]):
    def cell(name: str) -> Any:
        j = t.columns.get(name)
        return values[j] if j is not None and j < len(values) else None
    return cell


def _record(t: Table, n: int, values: list[Any], name: str) -> _Record:
    def fail(message: str) -> InputError:
        return t.error(n, message)
    cell = _getter(t, values)
    level = "-".join(label_key(cell("level")).split())
    old_ars = key(cell("old_ars"), _LEVELS.get(level, (_ANY_ARS,))[0], "ARS of the old unit", fail)
    if not old_ars:
        raise fail("the ARS of the old unit is empty")
    level = level or _BY_LENGTH[len(old_ars)]
    old = _unit(t, values, "old", level, fail)
    new = _unit(t, values, "new", level, fail)
    if not old[2]:
        raise fail("the name of the old unit is empty")
    if new[0] and not new[2]:
        raise fail("the name of the new unit is empty")
    day = date(cell("date"), "legal effective date", fail)
    if not day:
        raise fail("the legal effective date is empty")
    kinds = _kinds(cell("kind"), fail)
    return _Record({
        "date": day, "level": level,
        "old_ars": old[0], "old_ags": old[1], "old_name": old[2],
        "new_ars": new[0], "new_ags": new[1], "new_name": new[2],
        "area_m2": integer(cell("area"), "area", fail),
        "population": integer(cell("population"), "population", fail),
        "date_statistical": date(cell("date_statistical"), "statistical effective date", fail),
        "kind_code": ",".join(str(k) for k in kinds if isinstance(k, int)),
        "case": text(cell("case")),
        "source": f"{name}!{t.sheet}!{n}",
    }, kinds, t.file, n)


def _check_area_unit(t: Table) -> None:
    j = t.columns.get("area")
    if j is None:
        return
    words = set(t.labels[j].split())
    if not words & {"qm", "m2", "quadratmeter"}:
        raise t.error(t.header_row, f"the area column's header {brief(t.labels[j])} names no unit square metres (qm)")


def _read_file(path: Path) -> _File:
    records: list[_Record] = []
    legend: dict[int, str] = {}
    with open_workbook(path) as wb:
        t = find_table(wb, path, _ANCHOR, SPECS)
        _check_area_unit(t)
        in_legend = False
        for n, cells in t.rows:
            values = [c.value for c in cells]
            filled = [v for v in values if _filled(v)]
            if not filled:
                continue
            if len(filled) == 1 and not (_CASE.match(text(filled[0])) or _is_data(filled)):
                note = text(filled[0])
                in_legend = in_legend or "anderungsart" in label_key(note)
                m = _LEGEND_LINE.fullmatch(note)
                if in_legend and m:
                    legend[int(m[1])] = m[2].strip()
                continue
            records.append(_record(t, n, values, path.name))
        period = _period(t.above)
        sheet = t.sheet
    full = {**DEFAULT_LEGEND, **legend}
    for r in records:
        terms = []
        for k in r.kinds:
            if isinstance(k, int) and k not in full:
                raise problem(r.file, r.row, f"sheet {sheet!r}: the Änderungsart {k} is not in the file's legend "
                                             f"({', '.join(f'{c} = {d}' for c, d in sorted(full.items()))})")
            terms.append(full[k] if isinstance(k, int) else k)
        r.values["kind_de"] = ", ".join(terms)
        r.values["kind"] = "+".join(_kind_code(term) for term in terms)
    return _File(path.name, sheet, period, records)


def _span(f: _File) -> str:
    if f.period is None:
        return f.name
    a, b = f.period
    return f"{a:%d.%m.%Y}–{b:%d.%m.%Y}"


def _comments(files: list[_File], rows: list[dict[str, str]], repeated: int) -> list[str]:
    kinds = Counter(r["kind"] for r in rows)
    terms = sorted({(r["kind"], r["kind_de"], r["kind_code"]) for r in rows})
    rlp = sum(1 for r in rows if r["old_ars"].startswith("07") or r["new_ars"].startswith("07"))
    per_file = Counter(r["source"].split("!")[0] for r in rows)
    out = [
        "Territorial changes (Gebietsänderungen) of the Gemeinden and Gemeindeverbände of Germany, "
        "one row per change record of the publisher's lists",
        "source: Statistisches Bundesamt (Destatis), Gebietsänderungen " + ", ".join(_span(f) for f in files),
        "files: " + "; ".join(f"{f.name} (sheet {f.sheet}, {per_file[f.name]} records)" for f in files),
        LICENCE,
        "changes: rows reformatted (dates ISO, Änderungsart coded, area and population without separators); "
        "keys as given, a lost leading zero restored, the AGS of a Gemeinde composed from its ARS where the file "
        "leaves it empty; records repeated in a later file kept once; rows sorted by date, old key, new key, source",
        "columns: date (legal effective date), kind (Änderungsart as a code), kind_de (the file's term), "
        "level (gemeinde or gemeindeverband), old_ars, old_ags, old_name (the unit that gives territory or "
        "ceases, before the change), new_ars, new_ags, new_name (the unit that receives territory or is formed, "
        "after the change), area_m2 (square metres the record moves; on a partial-transfer row whose old and new "
        "unit are the same: what the unit keeps), population (inhabitants of that area), date_statistical "
        "(statistical effective date), kind_code (Änderungsart number), case (Kennziffer), source (FILE!SHEET!ROW)",
        "kinds: " + "; ".join(f"{k} = {de}" + (f" ({c})" if c else "") for k, de, c in terms),
        f"counts: {len(rows)} records; " + ", ".join(f"{k} {c}" for k, c in sorted(kinds.items()))
        + f"; concerning Rhineland-Palatinate (ARS 07…) {rlp}",
    ]
    if repeated:
        out.append(f"repeated: {repeated} records of an earlier file repeated in a later one, kept once")
    return out


def import_changes(files: list[str | Path]) -> dict[str, bytes]:
    """``{"changes.tsv": …}``: the records of the Destatis lists of territorial changes ``files``."""
    if not files:
        raise InputError("no file of Gebietsänderungen given")
    paths = list({Path(f).resolve(): Path(f) for f in files}.values())   # a file named twice is read once
    parsed = sorted((_read_file(p) for p in paths),
                    key=lambda f: (f.period[1] if f.period else dt.date.min, f.name))
    kept: dict[tuple, list[dict[str, str]]] = {}
    total = 0
    for f in parsed:
        mine: dict[tuple, list[dict[str, str]]] = {}
        for r in f.records:
            content = tuple(r.values[c] for c in COLUMNS if c != "source")
            mine.setdefault(content, []).append(r.values)
            total += 1
        kept.update(mine)   # a later file's copies of a record replace an earlier file's
    rows = [v for vs in kept.values() for v in vs]

    def order(r: dict[str, str]) -> tuple:
        name, sheet, row = r["source"].rsplit("!", 2)
        return r["date"], r["old_ars"], r["new_ars"], name, sheet, int(row)
    rows.sort(key=order)
    files_seen = list({f.name: f for f in parsed}.values())
    comments = _comments(files_seen, rows, total - len(rows))
    years = sorted({y for f in files_seen if f.period for y in (f.period[0].year, f.period[1].year)})
    if years:  # the source record the base layer attributes these rows to (data/official-sources.yaml)
        comments.insert(2, f"source-id: destatis-gebietsaenderungen-{years[0]}-{years[-1]}")
    return {"changes.tsv": render(comments, COLUMNS, [[r[c] for c in COLUMNS] for r in rows], sort=False)}
