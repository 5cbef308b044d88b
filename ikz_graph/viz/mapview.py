"""The map view: a choropleth on the official boundaries of the base layer.

``level``
    ``kreis``: every Kreis and kreisfreie Stadt in the graph (all of Germany with ``--base de``, one
    Land with ``--base rlp``); ``gemeindeverband``: the Verbandsgemeinden and verbandsfreie Gemeinden
    of Rhineland-Palatinate (each takes the value of the district it lies in, unless it has one of
    its own, and says so).
``of`` (what colours the areas)
    nothing: the clusters of the cooperation network (:mod:`ikz_graph.network`);
    ``("project", ID)``: the members of a model project;
    ``("unit", KEY)``: a unit and the units that share a body or project with it, by how many;
    ``("transfer", APPROACH)``: the transferability score of every candidate, the participants,
    and the units the ranking cannot score with the reason (:mod:`ikz_graph.transferability`).

Participants and members are outlined. Every area's tooltip has its key facts; its details (the
panel) every value with its sources and, for a candidate, the factors of its score as a bar chart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import AnalysisError, VizError
from ..levels import UNIT_KINDS
from .geo import ATTRIBUTION, LEVELS, Area, points, project, read_areas, read_names, svg_path
from .mappage import MAP_WIDTH, MapGraph
from .page import tooltip_html
from .styles import (CLUSTER_COLOURS, MAP_BLANK, MAP_INHERITED, NOT_SCORED_COLOUR, PARTICIPANT_COLOUR, SCORE_COLOURS,
                     SHARE_COLOURS, ramp_colour, score_colour)
from .views import _analysis, _base, _check_date, _resolve, _transfer_look

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph

__all__ = ["build_map", "MODES"]

#: What can colour a map (``--of``), besides the clusters.
MODES = ("project", "unit", "transfer")
_MEMBER_TIES = ("project", "body", "planning", "association")


@dataclass
class _Look:
    """How the network's units look on a map: fill, outline, facts and chart; the legend."""

    fill: dict[str, str] = field(default_factory=dict)
    outline: set[str] = field(default_factory=set)
    facts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    charts: dict[str, Any] = field(default_factory=dict)
    short: dict[str, str] = field(default_factory=dict)     # the one line the tooltip shows
    legend: list[dict[str, Any]] = field(default_factory=list)
    scale: dict[str, Any] | None = None
    blank: str = "not in the cooperation network"
    notes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    unscored: dict[str, tuple[str, str]] = field(default_factory=dict)   # unit -> (label, why not scored)
    district_names: dict[str, list[str]] = field(default_factory=dict)


def build_map(kg: "KnowledgeGraph", level: str = "kreis", of: tuple[str, str] | None = None,
              as_of: str | None = None) -> MapGraph:
    """The map of ``level`` coloured by ``of`` (see the module docstring); raises :class:`VizError`."""
    from ..readmodel import read

    if level not in LEVELS:
        raise VizError(f"--level: unknown level {level!r} (known: {', '.join(LEVELS)})")
    if of is not None and (len(of) != 2 or of[0] not in MODES or not of[1]):
        raise VizError(f"--of: expected one of {', '.join(MODES)} and a target, got {' '.join(map(str, of))!r}")
    day = _check_date(as_of)
    areas = read_areas(kg, level)
    districts = read_names(kg, {a.kreis for a in areas if a.kreis})   # a Verbandsgemeinde is found by them too
    data = read(kg)
    ents, ties = _base(kg, day, data, names=False, links=False)
    if of is None:
        look, title = _clusters(data, day), "Clusters of the cooperation network"
    elif of[0] == "project":
        look, title = _project(kg, of[1], ents, ties)
    elif of[0] == "unit":
        look, title = _unit(kg, of[1], ents, ties)
    else:
        look, title = _transfer(kg, of[1], day, ents)
    look.labels = {k: e.label for k, e in ents.items()}
    look.district_names = districts
    when = f" as of {day}" if day else ""
    return _assemble(areas, look, f"{title}{when}", level, of[0] if of else "cluster", day, ents)


def _clusters(data, day) -> _Look:
    an = _analysis(data, day)
    look = _Look()
    sizes: dict[int, int] = {}
    for iri, c in sorted(an.clusters.items()):
        look.fill[iri] = CLUSTER_COLOURS[c % len(CLUSTER_COLOURS)]
        look.facts[iri] = list(an.facts.get(iri, []))
        look.short[iri] = f"cluster {c + 1}: {an.names.get(c, '')}"
        sizes[c] = sizes.get(c, 0) + 1
    # counted by the units of the cluster, not by colour: the colours repeat after a dozen clusters
    look.legend = [{"fill": CLUSTER_COLOURS[c % len(CLUSTER_COLOURS)], "label": f"{c + 1}: {an.names.get(c, '')}",
                    "of": {iri for iri, k in an.clusters.items() if k == c}} for c in sorted(sizes)]
    return look


def _project(kg, target, ents, ties) -> tuple[_Look, str]:
    p = _resolve(kg, target, ents, ("model project",), "project")
    look = _Look(blank="not a member")
    for t in ties:
        if t.tie == "project" and t.b == p and ents[t.a].kind in UNIT_KINDS:
            look.fill[t.a] = PARTICIPANT_COLOUR
            look.outline.add(t.a)
            look.facts.setdefault(t.a, []).extend(t.facts)
            look.short[t.a] = "member: " + t.label
    look.legend = [{"fill": PARTICIPANT_COLOUR, "label": "member", "outline": True}]
    return look, f"Model project: {ents[p].label}"


def _unit(kg, target, ents, ties) -> tuple[_Look, str]:
    u = _resolve(kg, target, ents, UNIT_KINDS, "unit")
    orgs = {t.b for t in ties if t.a == u and t.tie in _MEMBER_TIES}
    shared: dict[str, list[str]] = {}
    for t in ties:
        if t.tie in _MEMBER_TIES and t.b in orgs and t.a != u and ents[t.a].kind in UNIT_KINDS:
            shared.setdefault(t.a, []).append(ents[t.b].label)
    look = _Look(blank="shares no body or project with it")
    top = max((len(set(v)) for v in shared.values()), default=1)
    for v, names in shared.items():
        names = sorted(set(names))
        look.fill[v] = ramp_colour(len(names), 1, top, SHARE_COLOURS)
        look.facts[v] = [("shares with " + ents[u].label, f"{len(names)}: " + "; ".join(names))]
        look.short[v] = f"shares {len(names)} bodies or projects with {ents[u].label}"
    look.fill[u] = PARTICIPANT_COLOUR
    look.outline.add(u)
    look.short[u] = f"the unit: member of {len(orgs)} bodies and projects"
    look.facts[u] = [("bodies and projects", "; ".join(sorted(ents[o].label for o in orgs)))]
    look.legend = [{"fill": PARTICIPANT_COLOUR, "label": ents[u].label, "outline": True}]
    look.scale = {"colours": list(SHARE_COLOURS), "min": 1, "max": top, "label": "bodies and projects shared"}
    return look, f"Shared bodies and projects: {ents[u].label}"


def _transfer(kg, target, day, ents) -> tuple[_Look, str]:
    from ..transferability import rank

    try:
        tr = rank(kg, target, as_of=day)
    except AnalysisError as e:
        raise VizError(f"transfer {target!r}: {e}") from None
    tl = _transfer_look(tr, ents)
    look = _Look(blank="not a candidate (not in the cooperation network)")
    look.fill, look.facts, look.charts = dict(tl.colours), {k: list(v) for k, v in tl.extra.items()}, dict(tl.charts)
    for p in tr.participants:
        look.outline.add(p)
        look.short[p] = "takes part already"
    for c in tr.candidates:
        look.short[c.unit] = f"score {c.score:.3f}, rank {c.rank} of {len(tr.candidates)}"
    for u, why in tl.unscored.items():
        look.fill[u] = "url(#hatch)"
        look.short[u] = f"not scored: {why}"
    look.legend = [{"fill": PARTICIPANT_COLOUR, "label": "takes part already", "outline": True}]
    if tl.unscored:
        look.legend.append({"fill": "url(#hatch)", "label": "not scored (the reason is in its details)"})
        by_why: dict[str, list[str]] = {}
        for u, w in tl.unscored.items():
            by_why.setdefault(w, []).append(ents[u].label if u in ents else u)
        look.notes.append(f"{len(tl.unscored)} units are not scored ("
                          + "; ".join(f"{w}: {', '.join(sorted(n))}" for w, n in sorted(by_why.items())) + ").")
        look.unscored = {u: (ents[u].label if u in ents else u, w) for u, w in tl.unscored.items()}
    look.scale = {"colours": list(SCORE_COLOURS), "min": f"{tl.lo:.3f}", "max": f"{tl.hi:.3f}",
                  "label": "transferability score"}
    return look, f"Transferability: {tr.approach_label}"


def _frame(areas: list[Area]) -> tuple[float, Any, float, tuple[float, float, float, float]]:
    """The scale and shift that fit the areas into :data:`MAP_WIDTH` (with a margin); the height."""
    xy = [project(lon, lat) for a in areas for lon, lat in points(a.wkt)]
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = 12.0
    s = (MAP_WIDTH - 2 * pad) / max(x1 - x0, 1e-9)
    height = round((y1 - y0) * s + 2 * pad)

    def to_xy(lon: float, lat: float) -> tuple[float, float]:
        x, y = project(lon, lat)
        return ((x - x0) * s + pad, (y - y0) * s + pad)
    return s, to_xy, height, (0.0, 0.0, MAP_WIDTH, float(height))


def _assemble(areas: list[Area], look: _Look, title: str, level: str, mode: str, day, ents) -> MapGraph:
    _, to_xy, height, vb = _frame(areas)
    out, counts, shown = [], {"own": 0, "inherited": 0, "blank": 0}, []   # shown: the unit whose value each area shows
    for a in areas:
        own = a.iri in look.fill
        via = a.kreis if (not own and level == "gemeindeverband" and a.kreis in look.fill) else None
        src = a.iri if own else via
        fill = look.fill[src] if src else MAP_BLANK
        if via and mode != "cluster" and fill not in ("url(#hatch)",):
            fill = MAP_INHERITED if mode == "project" else fill
        counts["own" if own else "inherited" if via else "blank"] += 1
        shown.append(src)
        out.append(_area(a, svg_path(a.wkt, to_xy), look, src, via, fill, ents))
    legend = list(look.legend)
    if level == "gemeindeverband" and counts["inherited"]:
        if mode == "project":
            legend.append({"fill": MAP_INHERITED, "label": "in a member district", "outline": True})
        legend.append({"fill": "", "note": True, "label": "An area without a value of its own takes its district's "
                       "(the details say so)."})
    legend.append({"fill": MAP_BLANK, "label": look.blank, "count": counts["blank"]})
    drawn = {a.iri for a in areas}
    off = sorted((label, why) for u, (label, why) in look.unscored.items() if u not in drawn)
    if off:   # the units the ranking cannot score that have no boundary in this graph: named, for the report
        names = ", ".join(label for label, _ in off[:30]) + (f" and {len(off) - 30} more" if len(off) > 30 else "")
        whys = "; ".join(sorted({why for _, why in off}))
        legend.append({"fill": "", "note": True, "label": f"Not on the map and not scored ({whys}): {names}."})
    for item in legend:
        of = item.pop("of", None)
        if of is not None:
            item["count"] = sum(1 for src in shown if src in of)
        elif "count" not in item and not item.get("note"):
            item["count"] = sum(1 for a in out if a["fill"] == item["fill"])
    legend = [item for item in legend if item.get("count", 1)]
    return MapGraph(title, level, mode, MAP_WIDTH, float(height), vb, out, legend, look.scale, look.notes, day,
                    ATTRIBUTION)


def _area(a: Area, d: str, look: _Look, src: str | None, via: str | None, fill: str, ents) -> dict[str, Any]:
    kind = a.type or "unit"
    facts: list[tuple[str, str]] = [("key", a.key)]
    if a.official and a.official != a.label:
        facts.append(("official name", a.official))
    if a.kreis and a.kreis in look.labels:
        facts.append(("district", look.labels[a.kreis]))
    facts += a.facts
    if a.iri in ents:   # what the curated record adds (seat, Land, …)
        have = {k for k, _ in facts}
        facts += [f for f in ents[a.iri].facts if f[0] not in have and f[1] != a.label]
    mine = look.facts.get(src, []) if src else []
    if via:
        mine = [("value of its district", look.labels.get(via, via))] + mine
    short = look.short.get(src, look.blank) if src else look.blank
    if via:
        short = f"{short} (its district, {look.labels.get(via, via)})"
    sources = list(a.sources)
    if a.iri in ents:
        sources += [s for s in ents[a.iri].sources if s not in sources]
    names = list(a.names) + ([a.key] if a.key else [])
    if a.iri in ents:
        names += ents[a.iri].names
    names += look.district_names.get(a.kreis, [])
    tip = tooltip_html(a.label, kind, [("view", short)] + [f for f in a.facts if f[0] == "population"] + [("key", a.key)])
    full = tooltip_html(a.label, kind, mine + facts, sources, chart=look.charts.get(src) if src else None)
    return {"id": a.iri, "key": a.key, "label": a.label, "kind": kind, "d": d, "fill": fill,
            "outline": bool(src) and src in look.outline, "tip": tip, "full": full, "names": list(dict.fromkeys(n for n in names if n))}
