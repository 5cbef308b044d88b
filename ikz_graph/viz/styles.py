"""How the views look: colours and shapes of node kinds, line styles of tie types, score colours."""
from __future__ import annotations

from typing import Any

__all__ = ["KINDS", "TIES", "CLUSTER_COLOURS", "SCORE_COLOURS", "PARTICIPANT_COLOUR", "NOT_SCORED_COLOUR",
           "MAP_BLANK", "MAP_INHERITED", "SHARE_COLOURS", "score_colour", "ramp_colour"]

#: Node kinds: fill colour and vis-network shape. The kinds of units come from ikz_graph.levels,
#: the kinds of other entities from ikz_graph.readmodel.ENTITY_CLASSES.
KINDS: dict[str, dict[str, str]] = {
    "district": {"color": "#4e79a7", "shape": "dot"},
    "city": {"color": "#f28e2b", "shape": "square"},
    "municipality": {"color": "#76b7b2", "shape": "dot"},
    "association of municipalities": {"color": "#9c755f", "shape": "dot"},
    "unincorporated area": {"color": "#d7d7d7", "shape": "dot"},
    "administrative region": {"color": "#8c8c8c", "shape": "dot"},
    "foreign region": {"color": "#bab0ac", "shape": "dot"},
    "model project": {"color": "#e15759", "shape": "star"},
    "phase": {"color": "#ff9da7", "shape": "triangle"},
    "cooperation network": {"color": "#d37295", "shape": "star"},
    "formal body": {"color": "#59a14f", "shape": "hexagon"},
    "association": {"color": "#edc948", "shape": "triangleDown"},
    "institution or service": {"color": "#b07aa1", "shape": "diamond"},
    "ministry": {"color": "#76b7b2", "shape": "box"},
    "grant": {"color": "#d4a373", "shape": "ellipse"},
    "other organisation": {"color": "#9c755f", "shape": "dot"},
    "approach": {"color": "#e15759", "shape": "star"},
}

#: Tie types of the views: line colour, dashes, width, and whether the edge has an arrow.
TIES: dict[str, dict[str, Any]] = {
    "project": {"color": "#e15759", "dashes": False, "width": 3, "arrows": ""},
    "phase": {"color": "#ff9da7", "dashes": False, "width": 2, "arrows": ""},
    "body": {"color": "#59a14f", "dashes": False, "width": 2, "arrows": ""},
    "planning": {"color": "#8cd17d", "dashes": [8, 4], "width": 2, "arrows": ""},
    "association": {"color": "#c9a800", "dashes": [2, 4], "width": 1.5, "arrows": ""},
    "service": {"color": "#b07aa1", "dashes": [4, 3], "width": 2, "arrows": ""},
    "funding": {"color": "#9d4f16", "dashes": False, "width": 2, "arrows": "to"},
    "accompanies": {"color": "#9c755f", "dashes": [1, 5], "width": 1.5, "arrows": "to"},
    "contiguity": {"color": "#b8b8b8", "dashes": [3, 3], "width": 1, "arrows": ""},
    "takes part": {"color": "#e15759", "dashes": False, "width": 3, "arrows": ""},
}

CLUSTER_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                   "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#a0cbe8", "#ffbe7d", "#8cd17d", "#f1ce63")

#: Fill colours of candidates, from the lowest to the highest score (a sequential green scale).
SCORE_COLOURS = ("#f7fcb9", "#addd8e", "#41ab5d", "#006837")
PARTICIPANT_COLOUR = "#e15759"
#: Fill of the units the ranking cannot score (drawn greyed, with the reason in the tooltip).
NOT_SCORED_COLOUR = "#e4e4e4"


#: Map fills: a unit that the view says nothing about; a unit coloured through its district (project maps).
MAP_BLANK = "#f2f2f2"
MAP_INHERITED = "#f4b4b5"
#: Fill of the units that share bodies with the unit of a map, from one body to the most (a blue scale).
SHARE_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")


def score_colour(score: float, lo: float, hi: float) -> str:
    """The colour of a score between ``lo`` and ``hi`` on :data:`SCORE_COLOURS`."""
    return ramp_colour(score, lo, hi, SCORE_COLOURS)


def ramp_colour(value: float, lo: float, hi: float, colours: tuple[str, ...]) -> str:
    """The colour of ``value`` between ``lo`` and ``hi`` on a ramp of ``colours`` (linear in RGB).

    >>> ramp_colour(5, 0, 10, ("#000000", "#ffffff")), ramp_colour(3, 3, 3, ("#000000", "#ffffff"))
    ('#808080', '#000000')
    """
    t = 0.0 if hi <= lo else min(1.0, max(0.0, (value - lo) / (hi - lo)))
    pos = t * (len(colours) - 1)
    i = min(int(pos), len(colours) - 2)
    f = pos - i
    a, b = colours[i], colours[i + 1]
    rgb = [round(int(a[k:k + 2], 16) * (1 - f) + int(b[k:k + 2], 16) * f) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in rgb)
