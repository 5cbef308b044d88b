"""ikz-graph: the open knowledge graph of inter-municipal cooperation (IKZ) in Germany.

The Python API mirrors the CLI::

    >>> import ikz_graph
    >>> kg = ikz_graph.load()                          # check and build ontology + data/
    >>> res = ikz_graph.run_query(kg, "project-members", {"project": "emh"})
    >>> [(r["key"], r["role"], r["phases"]) for r in res.rows]
    [('07135', 'member', '1,2,3'), ('07231', 'member', '1,2,3'), ('07232', 'member', '2,3'), ('07233', 'lead partner', '1,2,3')]
    >>> ikz_graph.validate(kg).conforms
    True
    >>> paths = ikz_graph.export(kg, "dist")           # doctest: +SKIP
    >>> g = kg.to_rdflib()                             # an rdflib.Graph, if you need one
    >>> a = ikz_graph.analyze(kg)                      # clusters, centrality, brokers
    >>> len(a.clusters) > 1, all(c.name for c in a.clusters)
    (True, True)
    >>> t = ikz_graph.transfer(kg, "kfz-zulassung", as_of="2024-12-31")    # who could take it up next, end of 2024
    >>> t.candidates[0].label, t.candidates[0].explanation[:60]
    ('Bitburg-Prüm', 'Bitburg-Prüm scores 0.92 mainly because it borders a partici')
    >>> n = kg.add(ikz_graph.analysis_triples(a))      # results back into the graph, for SPARQL

Rows are plain dicts, so ``pandas.DataFrame(res.rows)`` works without pandas being required.
Heavy modules (rdflib, pySHACL) are imported only when a function needs them.
"""
from __future__ import annotations

from .version import __version__

__all__ = ["__version__", "load", "run_query", "list_queries", "validate", "export", "analyze", "transfer",
           "evaluate", "analysis_triples", "transfer_triples", "KnowledgeGraph", "Result", "DataError", "QueryError",
           "AnalysisError", "IkzError", "viz_html", "write_viz"]

from .errors import AnalysisError, DataError, IkzError, QueryError
from .graph import KnowledgeGraph, Result
from .pipeline import load
from .queries import list_queries, run_query


def validate(kg: KnowledgeGraph, shapes=None, engine: str = "oxigraph"):
    """Validate ``kg`` against the SHACL shapes; returns a report with ``conforms`` and ``violations``.

    ``engine``: ``"oxigraph"`` (SPARQL on the embedded store, default) or ``"pyshacl"``.
    """
    from .shacl import validate_graph

    return validate_graph(kg, shapes, engine)


def export(kg: KnowledgeGraph, out_dir="dist"):
    """Write all exports of ``kg`` to ``out_dir`` atomically; returns the written paths."""
    from .exports import export as _export

    return _export(kg, out_dir)


def analyze(source, as_of=None, config=None):
    """Cooperation network analysis (see :func:`ikz_graph.network.analyze`)."""
    from .network import analyze as _analyze

    return _analyze(source, as_of, config)


def transfer(source, approach, as_of=None, config=None):
    """Transferability ranking of an approach (see :func:`ikz_graph.transferability.rank`)."""
    from .transferability import rank

    return rank(source, approach, as_of, config)


def evaluate(source, config=None):
    """Leave-one-out and back-test evaluation of the score (see :func:`ikz_graph.evaluation.evaluate`)."""
    from .evaluation import evaluate as _evaluate

    return _evaluate(source, config)


def analysis_triples(analysis, started=None):
    """The RDF of an analysis run, with its provenance."""
    from .results import analysis_triples as _t

    return _t(analysis, started)


def transfer_triples(result, groups=(), started=None):
    """The RDF of a transfer ranking, with its provenance."""
    from .results import transfer_triples as _t

    return _t(result, groups, started)


def viz_html(kg: KnowledgeGraph, view="overview", target=None, as_of=None) -> str:
    """The self-contained, offline HTML page of a view (``overview``, ``project``, ``unit``, ``transfer``)."""
    from .viz import render

    return render(kg, view, target, as_of)


def write_viz(kg: KnowledgeGraph, path, view="overview", target=None, as_of=None):
    """Write that page to ``path`` atomically; returns the path."""
    from .viz import write_html

    return write_html(kg, path, view, target, as_of)
