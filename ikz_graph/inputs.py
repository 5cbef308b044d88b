"""Reading input files one safe way: the data files (:mod:`ikz_graph.records`), the analysis
configuration (:mod:`ikz_graph.config`) and query files (:mod:`ikz_graph.queries`).

:func:`read_text` reads regular files only: a named pipe would block every command, a device such
as ``/dev/zero`` (also behind a symlink) would never end. Text must be UTF-8; where it is not, the
line and column are named, not a byte offset.

:func:`load_yaml` reads YAML with PyYAML's safe loader (with libyaml's parser when PyYAML has it), with these rules:

* a key written twice in a mapping is an error; a key written beside a merge key (``<<: *base``)
  overrides the merged one, as YAML's merge keys mean;
* dates stay text, ``2023-02-30`` too: what is a date is decided by :mod:`ikz_graph.dates` alone,
  not by YAML's timestamp rule (which would fail on an impossible date without saying where);
* aliases may repeat at most :data:`MAX_ALIAS_VALUES` values in a document, and values nest at most
  :data:`MAX_DEPTH` deep: a few hundred bytes of nested aliases would otherwise expand to millions
  of values (the "billion laughs"), and deep nesting would exhaust Python's stack;
* with ``lines=True`` every mapping keeps the line it starts on under the key :data:`LINE`.

A value read from the input goes into a message only through :func:`brief`, which cuts it short.

Every problem raises :class:`~ikz_graph.errors.InputError` with the line (``.line``)::

    >>> load_yaml("a: 2023-02-30\\nb: {<<: {x: 1, y: 2}, y: 3}\\n")
    {'a': '2023-02-30', 'b': {'x': 1, 'y': 3}}
"""
from __future__ import annotations

import os
import reprlib
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

__all__ = ["LINE", "MAX_ALIAS_VALUES", "MAX_DEPTH", "brief", "load_yaml", "read_text"]

#: How many values aliases may repeat in one document (a merge key's mapping counts as well).
MAX_ALIAS_VALUES = 10_000
#: How deep values may nest in one document (the records nest four levels deep).
MAX_DEPTH = 64


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


class _Brief(reprlib.Repr):
    """``repr`` with long texts, lists and mappings cut short, and without the reader's :data:`LINE`."""

    def repr_dict(self, x: dict, level: int) -> str:
        return super().repr_dict({k: v for k, v in x.items() if k != LINE} if LINE in x else x, level)


_BRIEF = _Brief()
_BRIEF.maxstring = _BRIEF.maxother = 60
_BRIEF.maxlist = _BRIEF.maxtuple = _BRIEF.maxset = _BRIEF.maxfrozenset = _BRIEF.maxdict = 6
_BRIEF.maxlevel = 3


def brief(value: Any, limit: int = 100) -> str:
    """``repr(value)`` cut to at most ``limit`` characters, for messages about input values.

    >>> brief("short"), brief({"id": "x", LINE: 3}), len(brief("x" * 10**6)), len(brief([["x" * 99] * 99] * 99))
    ("'short'", "{'id': 'x'}", 60, 100)
    """
    text = _BRIEF.repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


_NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_text(path: str | Path) -> str:
    """The UTF-8 text of the regular file ``path`` (symlinks followed).

    Raises :class:`~ikz_graph.errors.InputError` "cannot read: …" for anything else, with the line
    of the first byte that is not UTF-8. The file is opened without blocking and checked on the open
    descriptor, so a named pipe cannot hang the reader, not even one swapped in after a check.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _NOT_REGULAR if test(mode)), "a special file")
            raise InputError(f"cannot read: not a regular file but {kind}")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        data = b"".join(chunks)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(f"cannot read: not UTF-8 text (byte 0x{data[e.start]:02x} in line {line}, column {column})",
                         line) from None


def _error(message: str, node: yaml.Node) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def _check_nodes(root: yaml.Node) -> None:
    """Refuse a document whose aliases repeat more than :data:`MAX_ALIAS_VALUES` values, that nests
    deeper than :data:`MAX_DEPTH` (also through aliases) or that contains itself through an alias.

    Walks the composed nodes once (each alias target's size and height are remembered), before
    anything is constructed.
    """
    size: dict[int, tuple[int, int]] = {}  # id(node) -> (values in it, counted with repeats; its height)
    open_nodes: set[int] = set()
    repeated = 0

    def walk(node: yaml.Node, parent: yaml.Node | None, depth: int) -> tuple[int, int]:
        nonlocal repeated
        key = id(node)
        if key in size:  # reached again: through an alias
            n, height = size[key]
            repeated += n
            if repeated > MAX_ALIAS_VALUES:
                raise _error(f"aliases repeat more than {MAX_ALIAS_VALUES} values", parent or node)
            if depth + height > MAX_DEPTH:
                raise _error(f"values nest more than {MAX_DEPTH} levels deep", parent or node)
            return n, height
        if key in open_nodes:
            raise _error("an alias refers to a value that contains it", parent or node)
        if depth > MAX_DEPTH:
            raise _error(f"values nest more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, yaml.ScalarNode):
            size[key] = (1, 0)
            return size[key]
        open_nodes.add(key)
        children = node.value if isinstance(node, yaml.SequenceNode) else [c for pair in node.value for c in pair]
        n, height = 1, 0
        for child in children:
            cn, ch = walk(child, node, depth + 1)
            n, height = n + cn, max(height, ch + 1)
        open_nodes.discard(key)
        size[key] = (n, height)
        return size[key]

    walk(root, None, 0)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when PyYAML has it
    """A safe loader: duplicate keys refused, merge keys overridable, dates kept as text."""

    keep_lines = False

    def construct_document(self, node: yaml.Node) -> Any:
        _check_nodes(node)
        return super().construct_document(node)


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
    for key_node, value_node in merged + own:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _error("a key must be a plain value, not a list or mapping (unhashable key)", key_node)
    lines: dict[Any, int] = {}
    for key_node, value_node in own:
        key = loader.construct_object(key_node, deep=True)
        if key in lines:
            raise _error(f"duplicate key {brief(key)} (first at line {lines[key]})", key_node)
        lines[key] = key_node.start_mark.line + 1
        mapping[key] = loader.construct_object(value_node, deep=True)
    if loader.keep_lines:
        mapping[LINE] = node.start_mark.line + 1
    return mapping


def _construct_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    try:
        return loader.construct_yaml_int(node)
    except ValueError:  # Python converts at most 4300 digits
        raise _error("a whole number with too many digits", node) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def load_yaml(text: str, lines: bool = False) -> Any:
    """The YAML document in ``text`` (``None`` when empty); with ``lines``, mappings keep their line.

    Raises :class:`~ikz_graph.errors.InputError` "not valid YAML: …" with the line where known.
    """
    try:
        return yaml.load(text, Loader=_LineLoader if lines else _Loader)  # noqa: S506 - a SafeLoader
    except yaml.reader.ReaderError as e:  # a character YAML does not allow: no mark, only a position
        line = text.count("\n", 0, e.position) + 1
        column = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        raise InputError(f"not valid YAML: {e.reason} (U+{e.character:04X} in line {line}, column {column})",
                         line) from None
    except yaml.YAMLError as e:
        mark, context = getattr(e, "problem_mark", None), getattr(e, "context_mark", None)
        line = (mark or context).line + 1 if (mark or context) else 0
        msg = " ".join(str(x) for x in (getattr(e, "context", None), getattr(e, "problem", None)) if x) or str(e)
        if context and mark and context.line != mark.line:  # where the parser noticed is not where it began
            msg += f" (the {getattr(e, 'context', '').split()[-1] or 'value'} starts at line {context.line + 1})"
        raise InputError(f"not valid YAML: {msg}", line) from None
