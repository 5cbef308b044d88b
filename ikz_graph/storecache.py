"""The built store on disk, keyed on its inputs, so that a command on the national graph opens it in
milliseconds instead of building several hundred thousand triples again.

The key is a SHA-256 over everything the store is made from: the ontology and data files (names and
bytes), the base-layer scope, the source of the modules that build it (:data:`BUILD_MODULES`: a change of the build rules
changes the store) and the pyoxigraph version. An entry is a folder ``<key>/`` holding an Oxigraph (RocksDB)
store and a ``complete`` marker; it is built in a temporary folder beside it and renamed into place,
so a command that is interrupted, or two that build at once, never leave a half-built entry that a
later command would open. Entries are opened read-only: many commands may read one at once. At most
:data:`KEEP` entries are kept; the oldest are removed when a new one is made.

Where the cache lives: ``IKZ_GRAPH_CACHE`` if set, else ``.cache/store/`` in a source checkout, else
``$XDG_CACHE_HOME/ikz-graph/store`` (``~/.cache/ikz-graph/store``).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from .errors import ExportError
from .paths import project_root

__all__ = ["cache_root", "input_key", "open_entry", "new_entry", "store_folder", "KEEP", "BUILD_MODULES"]

#: How many built stores are kept.
KEEP = 4
_MARK = "complete"
_PKG = Path(__file__).resolve().parent


def cache_root() -> Path:
    env = os.environ.get("IKZ_GRAPH_CACHE")
    if env:
        return Path(env)
    root = project_root()
    if (root / "pyproject.toml").is_file():
        return root / ".cache" / "store"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "ikz-graph" / "store"


#: The modules whose code decides what the store holds (what ``ikz_graph.pipeline`` runs before the
#: store); a test keeps this list equal to the modules the pipeline imports.
BUILD_MODULES = ("pipeline", "base", "build", "records", "checks", "schema", "levels", "terms", "dates", "graph",
                 "tsv", "inputs", "namespaces", "errors", "paths", "progress", "gcpause", "storecache", "version")


def _code_digest() -> bytes:
    h = hashlib.sha256()
    for name in BUILD_MODULES:
        p = _PKG / f"{name}.py"
        h.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.digest()


def input_key(files: Iterable[Path], scope: str) -> str:
    """The key of a store built from ``files`` in base-layer ``scope``."""
    h = hashlib.sha256()
    h.update(f"scope={scope}\0pyoxigraph={ox.__version__}\0".encode())
    h.update(_code_digest())
    for f in sorted(Path(x) for x in files):
        h.update(f.name.encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:32]


def store_folder(key: str) -> Path:
    """The folder of the Oxigraph store of entry ``key`` (never written once the entry is complete)."""
    return cache_root() / key / "store"


def open_entry(key: str) -> ox.Store | None:
    """The store of entry ``key`` opened read-only, or None if there is none (or it cannot be opened)."""
    entry = cache_root() / key
    if not (entry / _MARK).is_file():
        return None
    try:
        store = ox.Store.read_only(str(store_folder(key)))
    except OSError:
        return None
    try:
        os.utime(entry / _MARK)  # the most recently used entries are the ones kept
    except OSError:
        pass
    return store


def new_entry(key: str, ntriples: bytes) -> ox.Store | None:
    """Write entry ``key`` from sorted N-Triples and open it read-only; None if the cache folder is not
    writable (the caller then keeps its in-memory store)."""
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    except OSError:
        return None
    try:
        store = ox.Store(str(tmp / "store"))
        store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        store.optimize()
        del store
        (tmp / _MARK).write_text(f"{time.time():.0f}\n")
        try:
            os.rename(tmp, root / key)
        except OSError:  # another command made the same entry first: use theirs
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ExportError(f"{root}: cannot write the store cache: {e.strerror or e}") from None
    _prune(root, keep=key)
    return open_entry(key)


def _prune(root: Path, keep: str) -> None:
    entries = []
    for p in root.iterdir():
        if p.name.startswith("."):
            if p.is_dir() and time.time() - p.stat().st_mtime > 3600:  # left by an interrupted build
                shutil.rmtree(p, ignore_errors=True)
            continue
        mark = p / _MARK
        if p.name != keep and mark.is_file():
            entries.append((mark.stat().st_mtime, p))
    for _, p in sorted(entries, reverse=True)[KEEP - 1:]:
        shutil.rmtree(p, ignore_errors=True)
