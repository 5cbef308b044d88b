"""The importer of the Wikidata ids of the German Länder and Kreise (a ``key,wikidata,…`` CSV whose keys
are ``DE_<state>`` and ``DE_<state>_<Kreisschlüssel>``, as in the COVID-19 Open Data project's
``knowledge_graph.csv``).

A Land's key is taken from the Kreisschlüssel of its Kreise (``DE_RP_07233`` → Land ``07``), so the
file needs no table of state abbreviations. The country row (``DE``) is left out.

>>> t = import_wikidata_text("key,wikidata\\nDE,Q183\\nDE_RP,Q1200\\nDE_RP_07233,Q8583\\n", "kg.csv")
>>> t["wikidata.tsv"].decode().splitlines()[-3:]
['key\\twikidata', '07\\tQ1200', '07233\\tQ8583']
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import InputError
from ..inputs import brief, read_text
from ..tsv import problem, render

__all__ = ["import_wikidata", "import_wikidata_text"]

_QID = re.compile(r"^Q[1-9][0-9]*$")
_KEY = re.compile(r"^DE(?:_([A-Z]{2})(?:_([0-9]{5}))?)?$")


def import_wikidata(path: str | Path) -> dict[str, bytes]:
    """``{"wikidata.tsv": …}``: Länderschlüssel or Kreisschlüssel → Wikidata id."""
    path = Path(path)
    try:
        text = read_text(path)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    return import_wikidata_text(text, path.name)


def import_wikidata_text(text: str, file: str) -> dict[str, bytes]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or "key" not in header or "wikidata" not in header:
        raise problem(file, 1, "the header needs the columns key and wikidata")
    k, w = header.index("key"), header.index("wikidata")
    states: dict[str, str] = {}
    kreise: dict[str, str] = {}
    abbrev_to_land: dict[str, str] = {}
    for n, row in enumerate(reader, 2):
        if not row:
            continue
        if len(row) <= max(k, w):
            raise problem(file, n, f"{len(row)} values, the header has {len(header)}")
        m = _KEY.match(row[k])
        if not m or not row[k].startswith("DE"):
            raise problem(file, n, f"the key {brief(row[k])} is not DE, DE_<state> or DE_<state>_<Kreisschlüssel>")
        qid = row[w].strip()
        if qid and not _QID.match(qid):
            raise problem(file, n, f"{brief(qid)} is not a Wikidata id (Q and digits)")
        abbrev, kreis = m.group(1), m.group(2)
        if not qid or abbrev is None:
            continue
        if kreis:
            kreise[kreis] = qid
            abbrev_to_land.setdefault(abbrev, kreis[:2])
        else:
            states[abbrev] = qid
    rows = [(key, qid) for key, qid in kreise.items()]
    rows += [(abbrev_to_land[a], qid) for a, qid in states.items() if a in abbrev_to_land]
    comments = ["Wikidata ids of the German Länder and Kreise",
                "source: Wikidata (ids CC0), table knowledge_graph.csv of the COVID-19 Open Data project",
                "source-id: wikidata-kreise-2022",
                "licence: CC0 1.0 (Wikidata ids)",
                "changes: keys DE_<state>_<Kreisschlüssel> turned into the Kreisschlüssel, states into their "
                "Länderschlüssel"]
    return {"wikidata.tsv": render(comments, ("key", "wikidata"), rows)}
