"""Interactive, fully offline HTML views of the knowledge graph (vis-network through pyvis).

One self-contained HTML file per view: vis-network, its CSS, the page's own script and all data
are inlined, so the file opens from an e-mail or an intranet share without any network request.
The views (:mod:`.views`) are drawn from the read model; :mod:`.layout` sizes, clusters and places
the nodes (at the units' centroids where the base layer gives them); :mod:`.page` writes the HTML;
:mod:`.styles` holds colours and shapes. The map (:mod:`.mapview`) colours the official boundaries
(:mod:`.geo`) of a level and is written as SVG and as its own page (:mod:`.mappage`), also without
any request.

>>> import ikz_graph
>>> from ikz_graph.viz import build_view
>>> g = build_view(ikz_graph.load(), "project", "emh")
>>> sorted({n["kind"] for n in g.nodes})
['association', 'district', 'grant', 'institution or service', 'ministry', 'model project', 'other organisation', 'phase']
>>> next(n["label"] for n in g.nodes if n["key"] == "07233")
'Vulkaneifel'
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import VizError
from ..gcpause import gc_paused
from .layout import VizGraph, finish
from .mappage import MapGraph, map_svg, render_map
from .mapview import MODES as MAP_MODES, build_map
from .page import PHYSICS_LIMIT, render_graph, tooltip_html, vis_library, write_page
from .styles import CLUSTER_COLOURS, KINDS, NOT_SCORED_COLOUR, PARTICIPANT_COLOUR, SCORE_COLOURS, TIES
from .views import SIZED_BY, VIEWS, build_view

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph

__all__ = ["VIEWS", "KINDS", "TIES", "VizError", "VizGraph", "build_view", "render", "render_graph", "write_html",
           "write_page", "finish", "tooltip_html", "vis_library", "SCORE_COLOURS", "PARTICIPANT_COLOUR",
           "CLUSTER_COLOURS", "NOT_SCORED_COLOUR", "SIZED_BY", "PHYSICS_LIMIT", "MapGraph", "build_map", "map_svg",
           "render_map", "write_map", "MAP_MODES"]


@gc_paused()
def render(kg: "KnowledgeGraph", view: str = "overview", target: str | None = None,
           as_of: str | None = None) -> str:
    """The HTML page of one view; see :func:`build_view` for views and targets."""
    return render_graph(build_view(kg, view, target, as_of))


def write_html(kg: "KnowledgeGraph", path: str | Path, view: str = "overview", target: str | None = None,
               as_of: str | None = None) -> Path:
    """Render a view and write it to ``path`` atomically (temporary file, then rename)."""
    return write_page(render(kg, view, target, as_of), path)


@gc_paused()
def write_map(kg: "KnowledgeGraph", path: str | Path, level: str = "kreis", of: tuple[str, str] | None = None,
              as_of: str | None = None, fmt: str = "html") -> tuple[Path, MapGraph]:
    """Build a map (:func:`build_map`) and write it atomically as its HTML page or (``fmt="svg"``) as SVG."""
    if fmt not in ("html", "svg"):
        raise VizError(f"--format: unknown format {fmt!r} for a map (known: html, svg)")
    m = build_map(kg, level, of, as_of)
    text = render_map(m) if fmt == "html" else map_svg(m)
    return write_page(text, path), m
