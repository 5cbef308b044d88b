"""Reading YAML input one safe way: the data files (:mod:`ikz_graph.records`) and the analysis
configuration (:mod:`ikz_graph.config`).

PyYAML's safe loader (with libyaml's parser when PyYAML has it), with these rules:

* a key written twice in a mapping is an error; a key written beside a merge key (``<<: *base``)
  overrides the merged one, as YAML's merge keys mean;
* dates stay text, ``2023-02-30`` too: what is a date is decided by :mod:`ikz_graph.dates` alone,
  not by YAML's timestamp rule (which would fail on an impossible date without saying where);
* with ``lines=True`` every mapping keeps the line it starts on under the key :data:`LINE`.

Every problem raises :class:`~ikz_graph.errors.InputError` with the line (``.line``)::

    >>> load_yaml("a: 2023-02-30\\nb: {<<: {x: 1, y: 2}, y: 3}\\n")
    {'a': '2023-02-30', 'b': {'x': 1, 'y': 3}}
"""
from __future__ import annotations

from typing import Any

import yaml

from .errors import InputError

__all__ = ["LINE", "load_yaml"]


class _Line:
    """The key under which the reader keeps the line of a mapping. No YAML or JSON key equals it, so a
    field the user writes (even one named ``__line__``) can never pass for it."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Line)

    def __hash__(self) -> int:
        return hash(_Line)

    def __repr__(self) -> str:
        return "LINE"


#: The line of a mapping in its file: ``mapping[LINE]`` (0 when unknown, e.g. read as JSON).
LINE = _Line()

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when PyYAML has it
    """A safe loader: duplicate keys refused, merge keys overridable, dates kept as text."""

    keep_lines = False


class _LineLoader(_Loader):
    """:class:`_Loader` that also keeps the line of each mapping under :data:`LINE`."""

    keep_lines = True


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    """A mapping; a key written twice is an error, but a key written here overrides one merged in
    with ``<<: *base`` (YAML merge keys), and of two merged mappings the first wins."""
    written = sum(1 for k, _ in node.value if k.tag != _MERGE_TAG)
    loader.flatten_mapping(node)  # the merged pairs first (later ones win), then the written ones
    merged, own = node.value[:len(node.value) - written], node.value[len(node.value) - written:]
    mapping: dict[Any, Any] = {}
    for key_node, value_node in merged:
        mapping[loader.construct_object(key_node, deep=True)] = loader.construct_object(value_node, deep=True)
    lines: dict[Any, int] = {}
    for key_node, value_node in own:
        key = loader.construct_object(key_node, deep=True)
        if key in lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {lines[key]})", key_node.start_mark)
        lines[key] = key_node.start_mark.line + 1
        mapping[key] = loader.construct_object(value_node, deep=True)
    if loader.keep_lines:
        mapping[LINE] = node.start_mark.line + 1
    return mapping


def _construct_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def load_yaml(text: str, lines: bool = False) -> Any:
    """The YAML document in ``text`` (``None`` when empty); with ``lines``, mappings keep their line.

    Raises :class:`~ikz_graph.errors.InputError` "not valid YAML: …" with the line where known.
    """
    try:
        return yaml.load(text, Loader=_LineLoader if lines else _Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        msg = " ".join(str(x) for x in (getattr(e, "context", None), getattr(e, "problem", None)) if x) or str(e)
        raise InputError(f"not valid YAML: {msg}", mark.line + 1 if mark else 0) from None
