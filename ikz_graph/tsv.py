"""The base-layer table format: tab-separated UTF-8 text that diffs cleanly.

A table starts with ``#`` comment lines (what it is, where it comes from, the licence and the
attribution), then one header line of column names, then one line per row, sorted by the importer.
Values never hold a tab or a line break; an empty value is an empty string. Lines end with ``\\n``.

>>> text = render(["units of a test"], ["key", "name"], [("2", "b"), ("1", "a")])
>>> text.decode()
'# units of a test\\nkey\\tname\\n1\\ta\\n2\\tb\\n'
>>> t = parse(text, "units.tsv")
>>> t.header, [(r.line, r["name"]) for r in t.rows]
(('key', 'name'), [(3, 'a'), (4, 'b')])
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .errors import InputError
from .inputs import brief, read_text

__all__ = ["Table", "Row", "render", "parse", "read", "problem"]


def problem(file: str | Path, line: int, message: str) -> InputError:
    """The error for a bad line of an input file: ``FILE:LINE: MESSAGE``."""
    return InputError(f"{file}:{line}: {message}" if line else f"{file}: {message}", line)


def render(comments: Iterable[str], header: Sequence[str], rows: Iterable[Sequence[object]],
           *, sort: bool = True) -> bytes:
    """The table as bytes; rows are sorted (as text) unless ``sort`` is false."""
    out = [f"# {c}".rstrip() for c in comments]
    out.append("\t".join(header))
    lines = []
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {brief(row)} has {len(row)} values for {len(header)} columns")
        cells = ["" if v is None else str(v) for v in row]
        for c in cells:
            if "\t" in c or "\n" in c or "\r" in c:
                raise ValueError(f"value {brief(c)} holds a tab or a line break")
        lines.append("\t".join(cells))
    if sort:
        lines.sort()
    out += lines
    return ("\n".join(out) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Row:
    line: int
    values: tuple[str, ...]
    columns: dict[str, int]

    def __getitem__(self, name: str) -> str:
        return self.values[self.columns[name]]


@dataclass(frozen=True)
class Table:
    file: str
    comments: tuple[str, ...]
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    def need(self, *columns: str) -> None:
        """Raise the error naming the file if a column is missing."""
        missing = [c for c in columns if c not in self.header]
        if missing:
            raise problem(self.file, len(self.comments) + 1, f"missing column(s) {', '.join(missing)}")


def parse(text: str | bytes, file: str | Path) -> Table:
    """Read a table; a row with the wrong number of values is an error naming file and line."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    comments: list[str] = []
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    columns: dict[str, int] = {}
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if header is None:
            if line.startswith("#"):
                comments.append(line[1:].strip())
                continue
            header = tuple(line.split("\t"))
            columns = {c: i for i, c in enumerate(header)}
            continue
        values = tuple(line.split("\t"))
        if len(values) != len(header):
            raise problem(file, n, f"{len(values)} values for the {len(header)} columns {', '.join(header)}")
        rows.append(Row(n, values, columns))
    if header is None:
        raise problem(file, 0, "no header line")
    return Table(str(file), tuple(comments), header, tuple(rows))


def read(path: str | Path) -> Table:
    """:func:`parse` the file ``path`` (errors name it)."""
    try:
        return parse(read_text(path), path)
    except InputError as e:
        if str(path) in str(e):
            raise
        raise InputError(f"{path}: {e}", e.line) from None
