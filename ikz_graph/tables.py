"""Tables for people and spreadsheets: aligned text, CSV and Markdown from rows of dicts."""
from __future__ import annotations

import csv
import io
from typing import Any

__all__ = ["align", "csv_text", "markdown_table", "text_table"]


def align(columns: list[str], cells: list[list[str]]) -> list[str]:
    """Header, rule and rows with every column padded to its widest cell.

    >>> align(["a", "bb"], [["xyz", "1"]])
    ['a    bb', '---  --', 'xyz  1']
    """
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)).rstrip()  # noqa: E731
    return [line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells]


def csv_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("true" if v is True else "false" if v is False else "" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


def _md_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else ""
    return str(v).replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)\n"
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    out += ["| " + " | ".join(_md_cell(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(out) + "\n"


def text_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """A plain aligned table for the terminal."""
    if not rows:
        return "(no rows)\n"
    cols = columns or list(rows[0])
    return "\n".join(align(cols, [[_md_cell(r[c]) for c in cols] for r in rows])) + "\n"
