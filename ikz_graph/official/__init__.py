"""Importers of the official registers: Destatis GV100AD (units, keys, names, figures), the Destatis
lists of territorial changes, the GV-ISys extract, BKG VG5000 (boundaries, adjacency, centroids) and
the Wikidata ids of the Kreise.

Each importer reads one release of its publisher's format and returns the project's base-layer
tables (``data/base/*.tsv``, :mod:`ikz_graph.tsv`): deterministic text, one row per unit or
pair, sorted, so that the import of a newer release shows as a clean diff. The build reads those
tables (:mod:`ikz_graph.base`), never the raw files, so it needs none of the geometry libraries.
"""
