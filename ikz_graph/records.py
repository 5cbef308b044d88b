"""Read the curated records in ``data/*.yaml`` and check them.

Every problem found names the file, the line, the record and what is wrong. All problems of a
run are collected and raised together as one :class:`~ikz_graph.errors.DataError`. The fields of
each record are checked against :mod:`ikz_graph.schema`, the records against each other by
:mod:`ikz_graph.checks`.

The format is documented in ``docs/data-format.md``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .checks import check_records
from .errors import DataError, FieldError, InputError, Problem
from .inputs import LINE, brief, load_yaml, read_text
from .levels import RegisterUnit
from .schema import COLLECTIONS, SPEC, Record, Records, read_fields, unit_id

__all__ = ["load_records"]


# ---------------------------------------------------------------- loading
def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    d = dict(pairs)
    if len(d) != len(pairs):
        raise ValueError("duplicate key")  # the YAML parser then reads the file and names the line
    return d


def _parse_yaml(path: Path, fast: bool = True) -> tuple[Any, tuple[int, str] | None]:
    """The YAML document of ``path``, or ``(None, (line, what is wrong))``.

    A file written in JSON style (JSON is YAML) is read by the much faster JSON parser when
    ``fast``; its records then have no line numbers (see :func:`load_records`).
    """
    try:
        text = read_text(path)
    except InputError as e:
        return None, (e.line, str(e))
    if fast and text.lstrip().startswith("{"):
        import json

        try:
            return json.loads(text, object_pairs_hook=_no_duplicates), None
        except (ValueError, RecursionError):
            pass  # not plain JSON after all: the YAML parser reads it and reports problems with lines
    try:
        return load_yaml(text, lines=True), None
    except InputError as e:
        return None, (e.line, str(e))


def _rel(path: Path, root: Path) -> str:
    """How messages name a data file: with the data folder's name (``data/units.yaml``)."""
    return str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)


def _read_file(path: Path, root: Path, problems: list[Problem], parsed: tuple,
               rejected: dict[str, str]) -> dict[str, list[Record]]:
    """The records of one file, from ``parsed`` (what :func:`_parse_yaml` returned for it)."""
    rel = _rel(path, root)
    doc, error = parsed
    if error:
        problems.append(Problem(rel, error[0], "", error[1]))
        return {}
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(rel, 1, "", "the file must be a mapping of collection names to lists of records"))
        return {}
    out: dict[str, list[Record]] = {}
    for coll, items in doc.items():
        if coll == LINE:
            continue
        if coll not in SPEC:
            problems.append(Problem(rel, doc.get(LINE, 0), "", f"unknown collection {brief(coll)} (known: {', '.join(COLLECTIONS)})"))
            continue
        if not isinstance(items, list):
            problems.append(Problem(rel, doc.get(LINE, 0), "", f"collection {brief(coll)} must be a list of records"))
            continue
        for raw in items:
            if not isinstance(raw, dict):
                problems.append(Problem(rel, doc.get(LINE, 0), coll, f"a {coll} entry must be a mapping, got {brief(raw)}"))
                continue
            line = raw.get(LINE, 0)
            rec = Record(coll, raw, rel, line)
            try:
                rec.data = read_fields(raw, SPEC[coll])
            except FieldError as e:
                problems.append(Problem(rel, line, rec.label, str(e)))
                ident = unit_id(raw) if coll == "units" else raw.get("id", raw.get("key"))
                if isinstance(ident, str):
                    rejected.setdefault(ident, f"{rel}:{line}")
                continue
            out.setdefault(coll, []).append(rec)
    return out


def load_records(data_dir: str | Path, concepts: dict[str, set[str]] | None = None, fast: bool = True,
                 register: dict[str, RegisterUnit] | None = None) -> Records:
    """Read and check every ``*.yaml`` file in ``data_dir``.

    ``concepts`` maps a concept-scheme name (``task-fields``, ``legal-forms``, ``roles``,
    ``unit-types``) to its concept ids; when given, concept references are checked too. ``register``:
    the units of the official register by key, which records may refer to (:func:`ikz_graph.base.register`).

    Raises :class:`~ikz_graph.errors.DataError` listing every problem found, and
    :class:`~ikz_graph.errors.InputError` when ``data_dir`` is not a folder.
    """
    root = Path(data_dir)
    problems: list[Problem] = []
    if not root.is_dir():  # nothing to check: the command cannot run (exit 2), the data is not wrong
        raise InputError(f"{root}: " + ("the data folder is not a folder" if root.exists()
                                        else "the data folder does not exist"))
    files = sorted(p for p in root.glob("*.yaml") if not p.name.startswith((".", "_")))
    if not files:
        raise DataError([Problem(str(root), 0, "", "no *.yaml files in the data directory")])
    recs = Records()
    parsed_all = [_parse_yaml(p, fast) for p in files]
    for path, parsed in zip(files, parsed_all):
        for coll, items in _read_file(path, root, problems, parsed, recs.rejected).items():
            recs.by_collection.setdefault(coll, []).extend(items)
    unread = [Problem(_rel(p, root), e[0], "", e[1]) for p, (_, e) in zip(files, parsed_all) if e]
    if unread:  # the checks would only report the consequences of the missing records: the cause alone
        raise DataError(unread, f"the records were not checked, because {len(unread)} file"
                                f"{'s' if len(unread) > 1 else ''} could not be read")
    check_records(recs, problems, concepts, register)
    if problems:
        if fast and any(isinstance(doc, dict) and LINE not in doc for doc, _ in parsed_all):
            # JSON-style files were read without line numbers: read again, as YAML, to name them
            return load_records(data_dir, concepts, fast=False, register=register)
        raise DataError(problems)
    return recs


