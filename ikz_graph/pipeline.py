"""From the records to the graph: read and check the records, build the triples, load the store.

This is the one place that runs the steps before the graph (``records`` -> ``build`` and ``base`` ->
``graph``); everything after it (validation, exports, queries, the read model, analysis and views)
starts from the :class:`~ikz_graph.graph.KnowledgeGraph` it returns.

With a base layer (``data/base/``, :mod:`ikz_graph.base`) the built store is kept on disk, keyed on
every input (:mod:`ikz_graph.storecache`): the next command with the same inputs opens it instead of
building again. ``kg.origin`` says which happened.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import Triple

from . import namespaces as ns
from .base import base_files, base_triples, read_base, register, scope
from .build import build_triples
from .gcpause import gc_paused
from .graph import KnowledgeGraph, concepts_by_scheme, load_ontology, sorted_ntriples_of
from .levels import RegisterUnit
from .paths import default_data_dir, ontology_dir
from .progress import stage
from .records import load_records
from .schema import Records
from . import storecache

__all__ = ["load", "input_files", "graph_triples"]


def input_files(data_dir: str | Path, ontology: str | Path | None, chosen: str) -> list[Path]:
    """Every file a graph in scope ``chosen`` is built from (the store cache's key is made of them)."""
    data = Path(data_dir)
    files = [Path(ontology) if ontology else ontology_dir() / "ikz.ttl"]
    files += sorted(p for p in data.glob("*.yaml") if not p.name.startswith((".", "_")))
    files += base_files(data) if chosen != "none" else [f for f in base_files(data) if f.name == "units.tsv"]
    return files


def referenced(records: Records, known: dict[str, RegisterUnit]) -> frozenset[str]:
    """The ARS of the register units the records refer to, and of the units they may lie in that no
    curated record describes (a curated Kreis or Land keeps its own record's facts alone in scope ``none``)."""
    found: set[str] = set()
    for key in records.register_refs:
        found.add(known[key].ars)
        found.update(a for a in known[key].within if a not in records.kinds)
    return frozenset(found)


def graph_triples(data_dir: str | Path, onto: Iterable[Triple], chosen: str) -> set[Triple]:
    """The data triples of the graph in scope ``chosen``: the curated records, checked against the
    ontology's concepts and the register, and the official base layer of that scope."""
    data_dir = Path(data_dir)
    with stage("Reading and checking records"):
        known = register(data_dir)
        records = load_records(data_dir, concepts_by_scheme(onto), register=known)
    with stage("Building triples"):
        triples = build_triples(records)
    layer = read_base(data_dir, chosen, referenced(records, known))
    if layer is not None:
        with stage("Building the official base layer"):
            curated = {ns.DATA_PREFIXES["unit"] + (r.get("key") or "") for r in records["units"]}
            curated |= {ns.DATA_PREFIXES["state"] + r.get("key") for r in records["states"]}
            sources = {r.get("id") for r in records["sources"]}
            extra, _skipped = base_triples(layer, sources, curated)
            triples |= extra
    return triples  # the records are freed on return (memory at a million triples)


def load(data_dir: str | Path | None = None, ontology: str | Path | None = None, base: str | None = None) -> KnowledgeGraph:
    """Read, check and build ontology and data; raise :class:`~ikz_graph.errors.DataError` on any problem.

    ``base`` is the scope of the official base layer (:data:`ikz_graph.base.SCOPES`; default: the
    environment's ``IKZ_GRAPH_BASE``, else all of Germany). It applies where the data folder has a
    ``base/`` folder.
    """
    data_dir = Path(data_dir or default_data_dir())
    chosen = scope(base)
    onto = load_ontology(ontology)
    key = None
    if chosen != "none" and base_files(data_dir):
        key = storecache.input_key(input_files(data_dir, ontology, chosen), chosen)
        store = storecache.open_entry(key)
        if store is not None:
            kg = KnowledgeGraph(onto, (), store=store, folder=storecache.store_folder(key))
            kg.origin = "cache"
            return kg
    with gc_paused():
        triples = graph_triples(data_dir, onto, chosen)
        if key is None:
            with stage(f"Loading {len(triples)} triples into the store"):
                return KnowledgeGraph(onto, triples)
        with stage(f"Writing {len(triples)} triples into the store on disk"):
            store = storecache.new_entry(key, sorted_ntriples_of(sorted(set(onto), key=str), triples))
        if store is None:
            return KnowledgeGraph(onto, triples)
        kg = KnowledgeGraph(onto, (), store=store, folder=storecache.store_folder(key))
        kg.origin = "cache-built"
        return kg
