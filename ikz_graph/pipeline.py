"""From the records to the graph: read and check the records, build the triples, load the store.

This is the one place that runs the steps before the graph (``records`` -> ``build`` ->
``graph``); everything after it (validation, exports, queries, the read model, analysis and
views) starts from the :class:`~ikz_graph.graph.KnowledgeGraph` it returns.
"""
from __future__ import annotations

from pathlib import Path

from .build import build_triples
from .gcpause import gc_paused
from .graph import KnowledgeGraph, concepts_by_scheme, load_ontology
from .paths import default_data_dir
from .progress import stage
from .records import load_records

__all__ = ["load"]


def load(data_dir: str | Path | None = None, ontology: str | Path | None = None) -> KnowledgeGraph:
    """Read, check and build ontology and data; raise :class:`~ikz_graph.errors.DataError` on any problem."""
    onto = load_ontology(ontology)
    with gc_paused():
        with stage("Reading and checking records"):
            records = load_records(data_dir or default_data_dir(), concepts_by_scheme(onto))
        with stage("Building triples"):
            triples = build_triples(records)
        del records  # the store is built next: free the records first (memory at a million triples)
        with stage(f"Loading {len(triples)} triples into the store"):
            return KnowledgeGraph(onto, triples)
