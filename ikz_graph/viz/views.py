"""The views: which entities and ties each one draws, read from the read model.

``overview``
    every district and city with the model projects, bodies, associations, shared institutions,
    services and the ministry they are tied to;
``project`` (target: the project's id, label or IRI)
    one model project with its members, phases, shared institutions, services and grants;
``unit`` (target: official key, label or IRI)
    the ego network of one unit: its bodies, services and neighbours, and the other members of
    its bodies;
``transfer`` (target: an approach)
    an approach, its participants and every candidate coloured by its transferability score
    (``ikz_graph.transferability``) with a bar chart of what each factor adds; the units the
    ranking cannot score are drawn in grey with the reason it gives.

The entities, memberships and links come from :func:`ikz_graph.readmodel.read_display`; the as-of
rule is :mod:`ikz_graph.dates`'s; clusters, PageRank and brokers come from the network analysis;
the names a node is searched by are those the resolver knows (:mod:`ikz_graph.resolve`). Units
outside Rhineland-Palatinate are drawn like the others, marked as outside.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from .. import namespaces as ns
from ..dates import existed, parse_day, parse_iso_day, running
from ..errors import AnalysisError, DateError, QueryError, VizError
from ..levels import UNIT_KINDS
from ..readmodel import Display, ReadModel, read, read_display
from .layout import VizGraph, finish
from .page import Chart, tooltip_html
from .styles import NOT_SCORED_COLOUR, PARTICIPANT_COLOUR, SCORE_COLOURS, score_colour

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph

__all__ = ["VIEWS", "build_view", "SIZED_BY"]

VIEWS = ("overview", "project", "unit", "transfer")
#: The Land whose units are drawn as "inside"; units of other Länder and abroad get a dashed border.
HOME_STATE = "07"

SIZED_BY = ("districts and cities: PageRank in the cooperation network (ikz_graph.network); "
            "other nodes: degree centrality in this view")

#: How a link of the read model is drawn (tie type of the views); every other link is a service tie.
_LINK_TIES = {"contiguity": "contiguity", "accompanies": "accompanies", "phase of": "phase",
              "funder": "funding", "recipient": "funding", "funds": "funding"}
_PLANNING = (ns.IKZ + "PlanningCommunity", ns.IKZ + "RegionalAssociation")


def _fmt_number(v: str) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if x == int(x):
        return f"{int(x):,}".replace(",", ".")
    return f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


@dataclass
class _Entity:
    iri: str
    kind: str
    label: str
    key: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    rlp: bool = True
    start: str | None = None   # earliest day it may have existed (as-of rule)
    names: list[str] = field(default_factory=list)   # what the page's search finds it by


@dataclass
class _Tie:
    a: str
    b: str
    tie: str                   # the view's tie type (styles.TIES)
    label: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    relation: str = ""         # the read model's relation it comes from ("" for memberships)


def _fact(e: _Entity, name: str) -> str:
    return next((v for k, v in e.facts if k == name), "")


# ------------------------------------------------------------------ from the read model

def _entities(display: Display) -> dict[str, _Entity]:
    """Every drawable entity with the facts its tooltip shows, in a fixed order."""
    ents: dict[str, _Entity] = {}
    for iri, e in display.entities.items():
        label = e.label or e.name or e.id or ns.compact(iri)
        x = ents[iri] = _Entity(iri, e.kind, label, tasks=list(e.tasks), sources=list(e.sources))
        if e.name and e.name != label:
            x.facts.append(("name", e.name))
        if e.key is not None:
            _unit_facts(x, e)
        else:
            x.rlp = e.kind not in UNIT_KINDS   # a unit without an official key lies outside Germany
            _org_facts(x, e)
    return ents


def _unit_facts(x: _Entity, e) -> None:
    x.key, x.rlp = e.key, e.key.startswith(HOME_STATE)
    if e.state is not None:
        x.facts.append(("state", e.state))
    if e.seat is not None:
        x.facts.append(("seat", e.seat))
    if e.population is not None:
        when = f" ({e.population_date})" if e.population_date is not None else ""
        x.facts.append(("population", _fmt_number(e.population) + when))
    if e.area is not None:
        x.facts.append(("area", _fmt_number(e.area) + " km²"))


def _org_facts(x: _Entity, e) -> None:
    if e.phase is not None:
        x.facts.append(("phase", e.phase))
    if e.founded is not None:
        x.facts.append(("founded", e.founded))
        x.start = e.founded
    if e.start is not None:
        x.facts.append(("from", e.start))
        x.start = x.start or e.start
    if e.end is not None:
        x.facts.append(("until", e.end))
    if e.date is not None:
        x.facts.append(("date", e.date))
        x.start = x.start or e.date
    if e.amount is not None:
        x.facts.append(("amount", _fmt_number(e.amount) + " EUR"))
    if e.seat is not None:
        x.facts.append(("seat", e.seat))
    if e.sites > 0:
        x.facts.append(("sites", str(e.sites)))
    if e.description is not None:
        x.facts.append(("about", e.description))
    if x.kind == "phase" and e.phase is not None:
        x.facts.insert(0, ("name", x.label))
        x.label = f"Phase {e.phase}"
    if x.kind == "grant":
        amount = _fact(x, "amount")
        x.facts.insert(0, ("description", x.label))
        x.label = f"{amount}" if amount else "grant"


def _membership_tie(display: Display, ents: dict[str, _Entity], m) -> _Tie:
    """A membership drawn as a tie of the member to its organisation, styled by the organisation."""
    org = ents[m.org]
    if org.kind == "model project":
        tie = "project"
    elif org.kind == "association":
        tie = "association"   # the analysis counts associations as bodies (analysis.yaml, tie_classes)
    elif display.entities[m.org].cls in _PLANNING:
        tie = "planning"
    else:
        tie = "body"
    role = m.role or "member"
    facts = [("role", role)]
    if m.start:
        facts.append(("from", m.start))
    if m.end:
        facts.append(("until", m.end))
    phases = sorted(_fact(ents[p], "phase") or ns.compact(p) if p in ents else ns.compact(p) for p in m.phases)
    if phases:
        facts.append(("phases", ", ".join(phases)))
    return _Tie(m.member, m.org, tie, role, facts, list(m.sources), m.start, m.end)


def _drawable(display: Display) -> tuple[dict[str, _Entity], list[_Tie]]:
    ents = _entities(display)
    ties = [_membership_tie(display, ents, m) for m in display.memberships if m.member in ents and m.org in ents]
    for link in display.links:
        if link.a not in ents or link.b not in ents:
            continue
        a, b = (link.b, link.a) if link.relation == "funder" else (link.a, link.b)  # funder -> grant
        ties.append(_Tie(a, b, _LINK_TIES.get(link.relation, "service"), link.relation, relation=link.relation))
    return ents, ties


def _check_date(as_of: Any) -> str | None:
    """The day as ISO text; days are read as everywhere else (:func:`ikz_graph.dates.parse_iso_day`)."""
    if as_of is None or as_of == "":
        return None
    try:
        return parse_iso_day(as_of).isoformat()
    except DateError as e:
        raise VizError(f"--as-of: {e}") from None


def _add_names(kg: "KnowledgeGraph", ents: dict[str, _Entity]) -> None:
    """The names and ids the resolver knows for each entity: label and official name first, then the
    other names, the ids and the key."""
    from ..resolve import ID, NAME, SparqlNames

    known: dict[str, set[str]] = {}
    for n in SparqlNames(kg).all():
        if n.how in (ID, NAME) and n.iri in ents:
            known.setdefault(n.iri, set()).add(n.text)
    for iri, e in ents.items():
        texts = sorted(known.get(iri, ()), key=lambda t: (t.isdigit(), t))
        e.names = [t for t in dict.fromkeys([e.label, _fact(e, "name"), *texts, e.key]) if t]


def _memberships_only(kg: "KnowledgeGraph") -> Display:
    """The read model's entities and memberships without its links (what the maps need): the links
    include every border of the base layer, about 90,000 at the national scope, which the maps draw
    from the boundaries instead."""
    keep = getattr(kg, "cached", None)
    return keep("display-memberships", _read_memberships) if keep is not None else _read_memberships(kg)


def _read_memberships(source) -> Display:
    from .. import readmodel as rm

    scope = rm.network_scope(source)
    ents = rm._read_entities(source, scope)
    other: dict[str, list[tuple[str, str]]] = {}
    for r in rm._terms(source, rm._scoped(rm._Q_SOURCES, scope)):
        src = (r["title"], r.get("url") or "")
        (ents[r["e"]].sources if r["e"] in ents else other.setdefault(r["e"], [])).append(src)
    phases: dict[str, list[str]] = {}
    for r in rm._terms(source, rm._Q_MEMBER_PHASES):
        phases.setdefault(r["m"], []).append(r["phase"])
    ties = [rm.MemberTie(r["m"], r["member"], r["org"], r.get("role"), r.get("start"), r.get("end"),
                         tuple(phases.get(r["m"], ())), tuple(other.get(r["m"], ())))
            for r in rm._terms(source, rm._Q_MEMBER_TIES)]
    return Display(ents, ties, [])


def _base(kg: "KnowledgeGraph", day: str | None, data: ReadModel,
          names: bool = True, links: bool = True) -> tuple[dict[str, _Entity], list[_Tie]]:
    """Entities and ties as of ``day`` (all when None), by the as-of rule of :mod:`ikz_graph.dates`;
    ``names``: with the names the resolver knows (for the search of the network views); ``links``:
    with the links of the read model (borders, services), else memberships only (the maps)."""
    ents, ties = _drawable(read_display(kg) if links else _memberships_only(kg))
    if names:
        _add_names(kg, ents)
    # A service or institution without a start of its own exists from the earliest day the analysis
    # gives it (its institution's founding, else the first start in the project that developed it),
    # so that the drawn network is the analysed one.
    earliest: dict[str, str] = {}
    for sr in data.services:
        first = sr.start or sr.not_before
        if first is not None:
            earliest[sr.service] = min(earliest.get(sr.service, "9999"), first.isoformat())
    for inst, services in data.related.items():
        days = [earliest[x] for x in services if x in earliest]
        if days:
            earliest.setdefault(inst, min(days))
    for iri, first in earliest.items():
        if iri in ents and ents[iri].start is None:
            ents[iri].start = first
    if day:
        d = parse_day(day)
        ents = {k: e for k, e in ents.items() if existed(parse_day(e.start[:10]) if e.start else None, d)}
        ties = [t for t in ties if t.a in ents and t.b in ents
                and running(parse_day(t.start), parse_day(t.end, end=True), d)]
    return ents, ties


def _dedupe(ties: Iterable[_Tie]) -> list[_Tie]:
    """One edge per pair and tie type; parallel memberships (left and rejoined) are merged."""
    out: dict[tuple[str, str, str], _Tie] = {}
    for t in ties:
        a, b = (t.a, t.b) if t.tie in ("funding", "accompanies") or t.a <= t.b else (t.b, t.a)
        k = (a, b, t.tie)
        if k not in out:
            out[k] = _Tie(a, b, t.tie, t.label, list(t.facts), list(t.sources), t.start, t.end, t.relation)
        else:
            cur = out[k]
            if t.label not in cur.label.split(", "):
                cur.label = f"{cur.label}, {t.label}"
            cur.facts += [f for f in t.facts if f not in cur.facts]
            cur.sources += [s for s in t.sources if s not in cur.sources]
    return [out[k] for k in sorted(out)]


def _resolve(kg: "KnowledgeGraph", target: str | None, ents: dict[str, _Entity], kinds: tuple[str, ...],
             what: str) -> str:
    from ..queries import resolve_entity

    if not target:
        raise VizError(f"the {what} view needs a target (--view {what} {'KEY' if what == 'unit' else 'ID'})")
    try:
        iri = resolve_entity(kg, target).value
    except QueryError as e:
        raise VizError(f"{what} {target!r}: {e}") from None
    if iri not in ents or ents[iri].kind not in kinds:
        kind = ents[iri].kind if iri in ents else "no node of the views"
        raise VizError(f"{target!r} is a {kind}, not a {' or '.join(kinds)}"
                       + (" (or it did not exist on the --as-of date)" if iri not in ents else ""))
    return iri


# ------------------------------------------------------------------ the views

def _overview(ents: dict[str, _Entity], ties: list[_Tie]) -> tuple[set[str], list[_Tie], str]:
    keep = {k for k, e in ents.items() if e.kind not in ("grant", "phase")}
    sel = [t for t in ties if t.a in keep and t.b in keep]
    # funding: ministry -> project, aggregated over the grants
    grants = {k for k, e in ents.items() if e.kind == "grant"}
    phase_project = {t.a: t.b for t in ties if t.tie == "phase"}
    for t in ties:
        if t.a in grants and t.relation == "funds":
            proj = phase_project.get(t.b, t.b)
            for f in ties:
                if f.b == t.a and f.relation == "funder" and f.a in keep and proj in keep:
                    g = ents[t.a]
                    amount = _fact(g, "amount")
                    sel.append(_Tie(f.a, proj, "funding", "funds", [("grant", f"{amount} ({_fact(g, 'description')})")],
                                    g.sources, relation="funds"))
    return keep, sel, "IKZ in Rhineland-Palatinate: overview"


def _project(kg, target, ents: dict[str, _Entity], ties: list[_Tie]) -> tuple[set[str], list[_Tie], str]:
    p = _resolve(kg, target, ents, ("model project",), "project")
    phases = {t.a for t in ties if t.tie == "phase" and t.b == p}
    members = {t.a for t in ties if t.tie == "project" and t.b == p}
    made = {t.a for t in ties if t.relation == "developed in" and t.b in phases | {p}}
    made |= {t.b for t in ties if t.relation == "delivered through" and t.a in made}
    grants = {t.a for t in ties if t.relation == "funds" and t.b in phases | {p}}
    funders = {t.a for t in ties if t.relation == "funder" and t.b in grants}
    accompany = {t.a for t in ties if t.tie == "accompanies" and t.b == p}
    nodes = {p} | phases | members | made | grants | funders | accompany
    sel = []
    for t in ties:
        if t.tie == "project" and t.b == p:   # a member is tied to the phases it takes part in
            nums = [x.strip() for x in dict(t.facts).get("phases", "").split(",") if x.strip()]
            targets = [q for q in sorted(phases) if _fact(ents[q], "phase") in nums]
            for q in targets or [p]:
                sel.append(_Tie(t.a, q, "project", t.label, t.facts, t.sources, t.start, t.end))
        elif t.a in nodes and t.b in nodes and t.tie not in ("project", "contiguity"):
            sel.append(t)
    return nodes, sel, f"Model project: {ents[p].label}"


def _unit(kg, target, ents: dict[str, _Entity], ties: list[_Tie]) -> tuple[set[str], list[_Tie], str, str]:
    u = _resolve(kg, target, ents, UNIT_KINDS, "unit")
    direct = {t.b if t.a == u else t.a for t in ties if u in (t.a, t.b)}
    bodies = {x for x in direct if ents[x].kind not in UNIT_KINDS and ents[x].kind != "grant"}
    comembers = {t.a for t in ties if t.b in bodies and t.tie in ("project", "body", "planning", "association")
                 and ents[t.a].kind in UNIT_KINDS}
    nodes = ({u} | {x for x in direct if ents[x].kind != "grant"} | comembers)
    nodes = {x for x in nodes if ents[x].kind != "phase"}
    sel = [t for t in ties if t.a in nodes and t.b in nodes and (t.tie != "contiguity" or u in (t.a, t.b))]
    return nodes, sel, f"Ego network: {ents[u].label}", u


def build_view(kg: "KnowledgeGraph", view: str = "overview", target: str | None = None,
               as_of: str | None = None, seed: int = 7) -> VizGraph:
    """Collect the nodes and edges of one view (see the module docstring); raises :class:`VizError`."""
    if view not in VIEWS:
        raise VizError(f"unknown view {view!r} (known: {', '.join(VIEWS)})")
    if view == "overview" and target:
        raise VizError(f"the overview takes no target (got {target!r})")
    day = _check_date(as_of)
    data = read(kg)       # read once: the as-of rule of services, the analysis and the ranking use it
    if view == "transfer":
        return _transfer_view(kg, data, target, day, seed)
    ents, ties = _base(kg, day, data)
    focus = None
    if view == "overview":
        nodes, sel, title = _overview(ents, ties)
    elif view == "project":
        nodes, sel, title = _project(kg, target, ents, ties)
    else:
        nodes, sel, title, focus = _unit(kg, target, ents, ties)
    sel = _dedupe(t for t in sel if t.a in nodes and t.b in nodes)
    used = {t.a for t in sel} | {t.b for t in sel}
    if view == "overview":  # keep every unit, drop other nodes without any tie on that day
        nodes = {k for k in nodes if k in used or (ents[k].kind in ("district", "city") and ents[k].rlp)}
    an = _analysis(data, day)
    order = sorted(nodes)
    return _assemble(ents, order, sel, title, view, day, seed, sizes=_sizes(an, order, sel),
                     clusters=an.clusters, cluster_names=an.names, extra=an.facts, sized_by=SIZED_BY, focus=focus,
                     centroids=_centroids(kg, ents, order))


def _centroids(kg: "KnowledgeGraph", ents: dict[str, _Entity], order: list[str]) -> dict[str, tuple[float, float]]:
    """The centroids of the units in a view (from the base layer; none without it)."""
    from .geo import read_centroids

    return read_centroids(kg, [i for i in order if i in ents and ents[i].kind in UNIT_KINDS])


@dataclass
class _An:
    pagerank: dict[str, float]
    clusters: dict[str, int]
    names: dict[int, str]
    facts: dict[str, list[tuple[str, str]]]


def _analysis(data: ReadModel, day: str | None) -> _An:
    """PageRank, clusters and brokers of the units from the cooperation-network analysis."""
    from ..network import analyze

    try:
        an = analyze(data, as_of=day, stability=False)
    except AnalysisError as e:
        raise VizError(f"cannot analyse the cooperation network: {e}") from None
    G = an.graph
    names = {c.number - 1: c.name for c in an.clusters}
    pr, clusters, facts = {}, {}, {}
    for iri, d in G.nodes(data=True):
        pr[iri] = float(d["pagerank"])
        clusters[iri] = int(d["cluster"]) - 1
        facts[iri] = [("cluster", f"{d['cluster']}: {names[int(d['cluster']) - 1]}"),
                      ("PageRank", f"{d['pagerank']:.4f}"), ("betweenness", f"{d['betweenness']:.4f}"),
                      ("k-core", str(d["core"]))] + ([("broker", "yes: ties several clusters together")]
                                                      if d["broker"] else [])
    return _An(pr, clusters, names, facts)


def _sizes(an: _An, order: list[str], ties: list[_Tie]) -> dict[str, float]:
    """Units by PageRank (relative to the largest), every other node by its degree in the view."""
    degree = {n: 0 for n in order}
    for t in ties:
        degree[t.a] = degree.get(t.a, 0) + 1
        degree[t.b] = degree.get(t.b, 0) + 1
    top_pr = max((an.pagerank[n] for n in order if n in an.pagerank), default=0) or 1.0
    top_deg = max((degree[n] for n in order if n not in an.pagerank), default=0) or 1
    return {n: an.pagerank[n] / top_pr if n in an.pagerank else degree[n] / top_deg for n in order}


def _transfer_view(kg: "KnowledgeGraph", data: ReadModel, target: str | None, day: str | None,
                   seed: int) -> VizGraph:
    """The approach, its participants, every scored candidate coloured by score and every unit the
    ranking cannot score, greyed, with its reason."""
    from ..transferability import rank

    if not target:
        raise VizError("the transfer view needs an approach (--view transfer APPROACH)")
    try:
        tr = rank(kg, target, as_of=day)
    except AnalysisError as e:
        raise VizError(f"transfer {target!r}: {e}") from None
    ents, ties = _base(kg, day, data)
    app = tr.approach
    if app not in ents:
        ents[app] = _Entity(app, "approach", tr.approach_label, names=[tr.approach_label])
    ents[app].facts = [("approach", tr.approach_kind)] + ents[app].facts
    look = _transfer_look(tr, ents)
    order = sorted({app, *look.extra})
    inview = set(order)
    sel = [_Tie(p, app, "takes part", "takes part") for p in tr.participants if p in ents]
    sel += [t for t in ties if t.tie == "contiguity" and t.a in inview and t.b in inview]
    sel = _dedupe(sel)
    an = _analysis(data, day)
    for k, v in an.facts.items():
        look.extra[k] = look.extra.get(k, []) + v
    when = f" as of {day}" if day else ""
    g = _assemble(ents, order, sel, f"Transferability: {tr.approach_label}{when}", "transfer", day, seed,
                  sizes=_sizes(an, order, sel), clusters={}, cluster_names={}, extra=look.extra, sized_by=SIZED_BY,
                  colours=look.colours, charts=look.charts, muted=set(look.unscored), focus=app,
                  centroids=_centroids(kg, ents, order))
    g.score_legend = {"low": SCORE_COLOURS[0], "high": SCORE_COLOURS[-1], "min": round(look.lo, 3),
                      "max": round(look.hi, 3), "participant": PARTICIPANT_COLOUR, "colours": list(SCORE_COLOURS),
                      "notScored": NOT_SCORED_COLOUR if look.unscored else None}
    if look.unscored:
        reasons: dict[str, int] = {}
        for why in look.unscored.values():
            reasons[why] = reasons.get(why, 0) + 1
        g.notes.append(f"{len(look.unscored)} units are not scored ("
                       + "; ".join(f"{why}: {n}" for why, n in sorted(reasons.items()))
                       + "); they are drawn in grey.")
    return g


@dataclass
class _Look:
    """How the units of a transfer view are drawn: facts, colours, bar charts, the units not scored."""

    extra: dict[str, list[tuple[str, str]]]
    colours: dict[str, str]
    charts: dict[str, Chart]
    unscored: dict[str, str]
    lo: float
    hi: float


def _transfer_look(tr, ents: dict[str, _Entity]) -> _Look:
    from ..transferability import FACTOR_LABELS, lever_text

    cands = [c for c in tr.candidates if c.unit in ents]
    unscored = {u: why for u, why in tr.not_scored.items() if u in ents}
    lo = min((c.score for c in cands), default=0.0)
    hi = max((c.score for c in cands), default=1.0)
    weights = tr.config["transfer"]["weights"]
    look = _Look({}, {}, {}, unscored, lo, hi)
    for p in tr.participants:
        if p in ents:
            look.extra[p] = [("role", "participant")]
            look.colours[p] = PARTICIPANT_COLOUR
    for c in cands:
        look.extra[c.unit] = [("rank", f"{c.rank} of {len(cands)}"), ("why", c.explanation)]
        if c.score_range and c.rank_range:
            look.extra[c.unit].append(("how sure", f"score {c.score_range[0]:.2f}–{c.score_range[1]:.2f}, rank "
                                                   f"{c.rank_range[0]}–{c.rank_range[1]} (sensitivity draws)"))
        look.extra[c.unit].append(("fixed / changeable", f"{c.fixed:.2f} from what it is, {c.changeable:.2f} "
                                                         f"from what it does"))
        if c.levers:
            look.extra[c.unit].append(("would rise", lever_text(c)))
        look.colours[c.unit] = score_colour(c.score, lo, hi)
        look.charts[c.unit] = (f"Score {c.score:.3f}: what each factor adds (grey: the most it can add)",
                               [(FACTOR_LABELS.get(f, f), v, weights[f]) for f, v in c.contributions.items()])
    for u, why in unscored.items():
        look.extra[u] = [("not scored", why)]
        look.colours[u] = NOT_SCORED_COLOUR
    return look


def _short(label: str, n: int = 32) -> str:
    return label if len(label) <= n else label[: n - 1].rstrip() + "…"


def _assemble(ents: dict[str, _Entity], order: list[str], ties: list[_Tie], title: str, view: str,
              day: str | None, seed: int, sizes: dict[str, float] | None = None,
              clusters: dict[str, int] | None = None, cluster_names: dict[int, str] | None = None,
              sized_by: str = "degree centrality", extra: dict[str, list[tuple[str, str]]] | None = None,
              colours: dict[str, str] | None = None, charts: dict[str, Chart] | None = None,
              muted: set[str] | None = None, focus: str | None = None,
              centroids: dict[str, tuple[float, float]] | None = None) -> VizGraph:
    extra, colours, charts, muted = extra or {}, colours or {}, charts or {}, muted or set()
    centroids = centroids or {}
    nodes = [{"id": iri, "label": _short(ents[iri].label), "full": ents[iri].label, "kind": ents[iri].kind,
              "key": ents[iri].key, "rlp": ents[iri].rlp, "names": ents[iri].names or [ents[iri].label],
              "tip": tooltip_html(ents[iri].label, ents[iri].kind + ("" if ents[iri].rlp else ", outside RLP"),
                                  extra.get(iri, []) + ([("key", ents[iri].key)] if ents[iri].key else [])
                                  + ents[iri].facts, ents[iri].sources, ents[iri].tasks, chart=charts.get(iri)),
              **({"color": colours[iri]} if iri in colours else {}), **({"muted": True} if iri in muted else {}),
              **({"focus": True} if iri == focus else {}),
              **({"lonlat": centroids[iri]} if iri in centroids else {})}
             for iri in order]
    edges = [{"from": t.a, "to": t.b, "tie": t.tie,
              "tip": tooltip_html(f"{ents[t.a].label} – {ents[t.b].label}", f"{t.tie}: {t.label}", t.facts,
                                  t.sources)}
             for t in ties]
    if clusters is not None:
        clusters = {k: v for k, v in clusters.items() if k in ents}
    return finish(VizGraph(title, view, nodes, edges, as_of=day, sized_by=sized_by), seed=seed, sizes=sizes,
                  clusters=clusters, cluster_names=cluster_names)
