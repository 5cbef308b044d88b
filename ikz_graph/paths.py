"""Where the ontology, data and queries live.

In a source checkout they are the top-level folders ``ontology/``, ``data/`` and ``queries/``;
an installed wheel carries copies under ``ikz_graph/_bundled/``. ``IKZ_GRAPH_DATA`` overrides the
data folder.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "default_data_dir", "ontology_dir", "queries_dir"]

_PKG = Path(__file__).resolve().parent


def project_root() -> Path:
    """The folder holding ``ontology/``, ``data/`` and ``queries/``."""
    checkout = _PKG.parent
    if (checkout / "ontology" / "ikz.ttl").is_file():
        return checkout
    return _PKG / "_bundled"


def default_data_dir() -> Path:
    env = os.environ.get("IKZ_GRAPH_DATA")
    return Path(env) if env else project_root() / "data"


def ontology_dir() -> Path:
    return project_root() / "ontology"


def queries_dir() -> Path:
    return project_root() / "queries"
