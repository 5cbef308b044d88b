"""A deterministic synthetic data set of inter-municipal cooperation, from one state to all of Germany.

The generator writes YAML in the project's own data format (``docs/data-format.md``), so the
synthetic data goes through the same record checks, build and SHACL validation as the real data.
It exists to measure and test the pipeline at scale; it describes nothing real:

* every record carries ``synthetic: true`` and cites only the source ``synthetic-generator``,
  whose title says so; every node built from it gets ``ikz:synthetic true``; the record checks
  refuse a data directory that mixes synthetic and real records;
* names are invented from syllables and say "(synthetisch)".

The files are written in JSON style, one record per line (JSON is YAML, so they are ordinary data
files; the reader parses them with a fast JSON parser and falls back to YAML to name lines).

Shape (not facts): states with their real Länderschlüssel, and per state about as many
districts, independent cities and municipalities as Germany had around 2023 (Destatis
Gemeindeverzeichnis; about 400 districts and cities and about 10,800 municipalities). Each
state is a cell of a grid; municipalities are random points in it, each district is the set of
municipalities nearest to its seat (a Voronoi partition), and contiguity comes from a Delaunay
triangulation of the points, so neighbours are near each other and borders cross state lines.
Cooperation bodies are grown from a seed municipality along contiguity, so their members are
mostly neighbours. Every district and city has a head of administration and a committee with two
meetings, and each state's ministry a funding programme, so that every named query has rows.

>>> import tempfile
>>> summary = generate("rlp", tempfile.mkdtemp() + "/rlp")
>>> summary["states"], summary["districts"], summary["municipalities"] > 200
(1, 36, True)
"""
from __future__ import annotations

import json
import math
import random
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import check_replaceable, replace_dir
from .errors import IkzError
from .schema import slugify

__all__ = ["SIZES", "generate"]

#: Per state: (Länderschlüssel, Landkreise, kreisfreie Städte, municipalities in the Landkreise);
#: approximately the counts of about 2023, used only to shape the synthetic data.
_STATES = [
    ("01", 11, 4, 1106), ("02", 0, 1, 0), ("03", 36, 8, 941), ("04", 0, 2, 0),
    ("05", 31, 22, 396), ("06", 21, 5, 421), ("07", 24, 12, 2301), ("08", 35, 9, 1101),
    ("09", 71, 25, 2056), ("10", 6, 0, 52), ("11", 0, 1, 0), ("12", 14, 4, 413),
    ("13", 6, 2, 726), ("14", 10, 3, 418), ("15", 11, 3, 218), ("16", 17, 5, 605),
]

#: Size presets: which states, and which share of their municipalities (about that many triples).
SIZES: dict[str, dict[str, Any]] = {
    "rlp": {"states": ["07"], "share": 0.1, "about": "15k"},
    "100k": {"states": ["07"], "share": 0.45, "about": "100k"},
    "1m": {"states": [s[0] for s in _STATES], "share": 1.0, "about": "1M"},
}

SOURCE = "synthetic-generator"
#: Who writes the folder (named in its manifest and in refusals).
WRITER = "`ikz-graph synth`"
_TASKS_BODY = ["waste-management", "public-transport", "digitalisation", "procurement", "shared-staff",
               "health", "climate-protection", "mobility", "networked-software-use", "cyber-security"]
_TASKS_PROJECT = ["vehicle-registration", "fines", "digital-portal", "procurement", "shared-staff",
                  "cyber-security", "funding-acquisition"]
_SYL_A = ["Al", "Bra", "Dor", "El", "Fal", "Gar", "Hol", "Ir", "Kal", "Lin", "Mor", "Nor", "Ost", "Pel",
          "Quen", "Ros", "Sal", "Tor", "Ul", "Var", "Wen", "Zel", "Ber", "Fir", "Hag", "Lau", "Mar", "Ried"]
_SYL_B = ["", "en", "ing", "er", "au", "ol", "an", "el", "is", "on"]
_FIRST = ["Alex", "Kim", "Sascha", "Robin", "Jona", "Mika", "Toni", "Luca", "Noa", "Sam", "Jule", "Finn"]
_SYL_C = ["feld", "bach", "dorf", "heim", "hausen", "berg", "stein", "tal", "au", "wald", "hof", "rode",
          "stadt", "brück", "hagen", "kirchen"]


class _Names:
    """Invented, unique place names (deterministic for a given random generator)."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd
        self.used: set[str] = set()

    def __call__(self) -> str:
        for _ in range(50):
            n = self.rnd.choice(_SYL_A) + self.rnd.choice(_SYL_B) + self.rnd.choice(_SYL_C)
            if n not in self.used:
                self.used.add(n)
                return n
        n = f"{n} {len(self.used)}"
        self.used.add(n)
        return n


class _Writer:
    """Collects records per file and collection, and writes them in JSON style.

    JSON is YAML, so the files are ordinary data files; the reader parses JSON-style files with
    a fast JSON parser. One record per line keeps diffs readable.
    """

    def __init__(self) -> None:
        self.files: dict[str, dict[str, list[str]]] = {}

    def add(self, file: str, collection: str, record: dict[str, Any]) -> None:
        record = {**record, "synthetic": True}
        self.files.setdefault(file, {}).setdefault(collection, []).append(json.dumps(record, ensure_ascii=False))

    def texts(self) -> dict[str, str]:
        out = {}
        for file, colls in self.files.items():
            parts = [json.dumps(coll) + ": [\n" + ",\n".join(recs) + "\n]" for coll, recs in colls.items()]
            out[file] = "{\n" + ",\n".join(parts) + "\n}\n"
        return out


def _delaunay_edges(points: list[tuple[float, float]], max_len: float) -> set[tuple[int, int]]:
    from scipy.spatial import Delaunay

    tri = Delaunay(points)
    edges: set[tuple[int, int]] = set()
    for simplex in tri.simplices:
        a, b, c = (int(x) for x in simplex)
        for i, j in ((a, b), (b, c), (a, c)):
            i, j = min(i, j), max(i, j)
            (x1, y1), (x2, y2) = points[i], points[j]
            if math.hypot(x1 - x2, y1 - y2) <= max_len:
                edges.add((i, j))
    return edges


def _grow(start: str, size: int, adj: dict[str, list[str]], rnd: random.Random, allowed=None) -> list[str]:
    """Members for a body: ``start`` and its nearest neighbours by breadth-first search."""
    seen = [start]
    queue = deque([start])
    have = {start}
    while queue and len(seen) < size:
        u = queue.popleft()
        nbrs = list(adj.get(u, ()))
        rnd.shuffle(nbrs)
        for n in nbrs:
            if n not in have and (allowed is None or n in allowed):
                have.add(n)
                seen.append(n)
                queue.append(n)
                if len(seen) >= size:
                    break
    return seen


@dataclass
class _World:
    """The invented geography: units, their kinds, names and districts, and who borders whom."""

    states: list[tuple[str, int, int, int]]
    kind: dict[str, str] = field(default_factory=dict)        # unit id -> unit type
    label: dict[str, str] = field(default_factory=dict)
    district_of: dict[str, str] = field(default_factory=dict)  # Gemeinde -> its Landkreis
    units_by_state: dict[str, list[str]] = field(default_factory=dict)
    districts: list[str] = field(default_factory=list)
    adj_gem: dict[str, set[str]] = field(default_factory=dict)
    adj_dist: dict[str, set[str]] = field(default_factory=dict)
    n_edges: int = 0

    def gemeinden(self) -> list[str]:
        return [u for u in self.kind if self.kind[u] == "gemeinde"]

    def district_level(self, land: str) -> list[str]:
        return [u for u in self.units_by_state.get(land, []) if self.kind[u] != "gemeinde"]


def _geography(world: _World, preset: dict[str, Any], rnd: random.Random, names: _Names, w: _Writer,
               src: list[str]) -> None:
    """Points per state cell, districts as Voronoi cells of their seats, contiguity from Delaunay."""
    points: list[tuple[float, float]] = []
    owner: list[str] = []            # per point: the unit id (Gemeinde AGS or city Kreisschlüssel)
    cols = math.ceil(math.sqrt(len(world.states)))
    for si, (land, n_lk, n_ks, n_gem) in enumerate(world.states):
        ox_, oy = (si % cols) * 100.0, (si // cols) * 100.0
        w.add("states.yaml", "states", {"key": land, "name": f"Land {names()} (synthetisch)",
                                        "label": f"Land {land} (synthetisch)", "sources": src})
        n_lk = max(1, round(n_lk * min(1.0, preset["share"] * 10))) if n_lk else 0
        n_gem = max(n_lk * 3, round(n_gem * preset["share"])) if n_lk else 0
        seats = [(ox_ + rnd.uniform(5, 95), oy + rnd.uniform(5, 95)) for _ in range(n_lk + n_ks)]
        dkeys = []
        for i in range(n_lk + n_ks):
            dkey = f"{land}{1 + (i // 50)}{(i % 50) + 1:02d}"
            dkeys.append(dkey)
            world.kind[dkey] = "landkreis" if i < n_lk else "kreisfreie-stadt"
            world.label[dkey] = names()
            world.districts.append(dkey)
            world.units_by_state.setdefault(land, []).append(dkey)
        for i in range(n_lk, n_lk + n_ks):      # a city is one point of its own
            points.append(seats[i])
            owner.append(dkeys[i])
        counter: dict[str, int] = {}
        for _ in range(n_gem):
            p = (ox_ + rnd.uniform(0, 100), oy + rnd.uniform(0, 100))
            near = min(range(n_lk), key=lambda j: (seats[j][0] - p[0]) ** 2 + (seats[j][1] - p[1]) ** 2)
            dkey = dkeys[near]
            counter[dkey] = counter.get(dkey, 0) + 1
            gkey = f"{dkey}{counter[dkey]:03d}"
            points.append(p)
            owner.append(gkey)
            world.kind[gkey] = "gemeinde"
            world.label[gkey] = names()
            world.district_of[gkey] = dkey
            world.units_by_state[land].append(gkey)
    for dkey in world.districts:                # a district without municipalities gets one
        if world.kind[dkey] == "landkreis" and dkey not in set(world.district_of.values()):
            world.kind[dkey] = "kreisfreie-stadt"
    spacing = math.sqrt(100.0 * 100.0 * len(world.states) / max(1, len(points)))
    edges = _delaunay_edges(points, 4 * spacing) if len(points) >= 3 else set()
    world.n_edges = len(edges)
    for i, j in edges:
        a, b = owner[i], owner[j]
        if world.kind[a] == "gemeinde" and world.kind[b] == "gemeinde":
            world.adj_gem.setdefault(a, set()).add(b)
            world.adj_gem.setdefault(b, set()).add(a)
        da, db = world.district_of.get(a, a), world.district_of.get(b, b)
        if da != db:
            world.adj_dist.setdefault(da, set()).add(db)
            world.adj_dist.setdefault(db, set()).add(da)


def _units(world: _World, rnd: random.Random, w: _Writer, src: list[str]) -> None:
    """Every unit with population and area, and the neighbour lists."""
    for land, _, _, _ in world.states:
        for u in world.units_by_state.get(land, []):
            k, name = world.kind[u], world.label[u]
            if k == "gemeinde":
                pop = int(rnd.lognormvariate(7.6, 1.1)) + 50
                area = round(rnd.uniform(3, 60) + pop / 800, 2)
                rec = {"key": u, "name": f"Gemeinde {name} (synthetisch)", "label": name, "type": "gemeinde",
                       "district": world.district_of[u]}
            elif k == "kreisfreie-stadt":
                pop = int(rnd.lognormvariate(11.5, 0.6))
                area = round(rnd.uniform(40, 300), 2)
                rec = {"key": u, "name": f"Stadt {name} (synthetisch)", "label": name, "type": k}
            else:
                pop = int(rnd.lognormvariate(11.8, 0.4))
                area = round(rnd.uniform(400, 1600), 2)
                rec = {"key": u, "name": f"Landkreis {name} (synthetisch)", "label": name, "type": k, "seat": name}
            rec["population"] = {"value": pop, "date": "2023-12-31", "source": SOURCE}
            rec["area_km2"] = {"value": area, "source": SOURCE}
            rec["sources"] = src
            w.add("units.yaml", "units", rec)
    for adj in (world.adj_dist, world.adj_gem):
        for u, nbrs in sorted(adj.items()):
            w.add("neighbours.yaml", "neighbours", {"unit": u, "neighbours": sorted(nbrs), "sources": src})


def _zweckverbaende(world: _World, rnd: random.Random, w: _Writer, src: list[str]) -> tuple[int, int]:
    """Zweckverbände grown along contiguity from a seed municipality; returns (bodies, memberships)."""
    adj_g = {u: sorted(v) for u, v in world.adj_gem.items()}
    gemeinden = world.gemeinden()
    n_bodies = n_members = 0
    for b in range(round(1.0 * len(gemeinden))):
        start = rnd.choice(gemeinden)
        k = min(20, 2 + int(rnd.expovariate(1 / 3.5)))
        members = _grow(start, k, adj_g, rnd)
        if rnd.random() < 0.1:                    # mostly neighbours, sometimes one further away
            members.append(rnd.choice(gemeinden))
        if rnd.random() < 0.25:
            members.append(world.district_of[start])
        members = list(dict.fromkeys(members))
        if len(members) < 2:
            continue
        bid = f"synth-zv-{b + 1:05d}"
        founded = rnd.randint(1960, 2022)
        task = rnd.choice(_TASKS_BODY)
        w.add("bodies.yaml", "organisations", {
            "id": bid, "type": "zweckverband", "name": f"Zweckverband {world.label[start]} {task} (synthetisch)",
            "label": f"ZV {world.label[start]} ({b + 1})", "legal_form": "zweckverband", "task_fields": [task],
            "founded": str(founded), "sources": src})
        for m in members:
            joined = founded if rnd.random() < 0.7 else rnd.randint(founded, 2024)
            start_date = f"{joined}-{rnd.randint(1, 12):02d}-01" if rnd.random() < 0.4 else str(joined)
            rec = {"member": m, "organisation": bid, "start": start_date}
            if rnd.random() < 0.05 and joined < 2020:
                rec["end"] = str(rnd.randint(joined + 1, 2024))
            rec["sources"] = src
            w.add("bodies.yaml", "memberships", rec)
            n_members += 1
        n_bodies += 1
    return n_bodies, n_members


def _planning(world: _World, rnd: random.Random, w: _Writer, src: list[str]) -> tuple[int, int]:
    """Planning communities of neighbouring districts and cities; returns (bodies, memberships)."""
    adj_d = {u: sorted(v) for u, v in world.adj_dist.items()}
    n_bodies = n_members = 0
    for land, _, _, _ in world.states:
        left = set(world.district_level(land))
        p = 0
        while left:
            start = sorted(left)[0]
            members = _grow(start, 5, adj_d, rnd, allowed=left)
            left -= set(members)
            p += 1
            pid = f"synth-plg-{land}-{p}"
            w.add("bodies.yaml", "organisations", {
                "id": pid, "type": "planning-community",
                "name": f"Planungsgemeinschaft {world.label[start]} (synthetisch)",
                "label": f"PLG {world.label[start]}", "legal_form": "koerperschaft-oeffentlichen-rechts",
                "task_fields": ["regional-planning"], "founded": "1977", "sources": src})
            for m in members:
                w.add("bodies.yaml", "memberships", {"member": m, "organisation": pid, "start": "1977", "sources": src})
                n_members += 1
            n_bodies += 1
    return n_bodies, n_members


def _heads(world: _World, rnd: random.Random, w: _Writer, src: list[str]) -> dict[str, str]:
    """A head of administration for every district and independent city (a person and the post);
    returns unit -> the person's id."""
    names = _Names(rnd)
    heads: dict[str, str] = {}
    for land, _, _, _ in world.states:
        for u in world.district_level(land):
            city = world.kind[u] == "kreisfreie-stadt"
            name = f"{rnd.choice(_FIRST)} {names()} (synthetisch)"
            pid = slugify(name)            # the rule a unit's `head` uses for its person
            since = f"{rnd.randint(2015, 2023)}-{rnd.randint(1, 12):02d}-01"
            w.add("people.yaml", "persons", {
                "id": pid, "name": name,
                "positions": [{"organisation": u, "role": "oberbuergermeister" if city else "landrat",
                               "title": "Oberbürgermeister" if city else "Landrat", "start": since, "sources": src}],
                "sources": src})
            heads[u] = pid
    return heads


def _committees(world: _World, rnd: random.Random, w: _Writer, src: list[str], heads: dict[str, str]) -> int:
    """One committee per district and independent city with two meetings (one announced with time,
    place, invitation and agenda); returns the number of meetings."""
    n = 0
    for land, _, _, _ in world.states:
        for u in world.district_level(land):
            task = rnd.choice(_TASKS_BODY)
            cid = f"synth-ausschuss-{u}"
            w.add("meetings.yaml", "organisations", {
                "id": cid, "type": "committee", "name": f"Ausschuss {task} {world.label[u]} (synthetisch)",
                "label": f"Ausschuss {world.label[u]} (synthetisch)", "parent": u, "task_fields": [task],
                "sources": src})
            y = rnd.randint(2021, 2025)
            first = f"{y}-{rnd.randint(1, 6):02d}-{rnd.randint(1, 28):02d}"
            w.add("meetings.yaml", "meetings", {"id": f"{cid}-1", "organisation": cid, "name": f"Sitzung am {first} (synthetisch)",
                                                "date": first, "public": True, "sources": src})
            day = f"{y}-{rnd.randint(7, 12):02d}-{rnd.randint(1, 28):02d}"
            w.add("meetings.yaml", "meetings", {
                "id": f"{cid}-2", "organisation": cid, "name": f"Sitzung am {day} (synthetisch)", "start": f"{day}T17:00:00+01:00",
                "public": True, "location": {"name": f"Sitzungssaal, Verwaltung {world.label[u]} (synthetisch)"},
                "invitation": {"date": first, "title": "Bekanntmachung (synthetisch)", "signed_by": heads[u]},
                "agenda": [{"number": "1", "name": "Genehmigung der Niederschrift (synthetisch)", "refers_to": f"{cid}-1"},
                           {"number": "2", "name": f"Bericht zu {task} (synthetisch)"},
                           {"number": "3", "name": "Verschiedenes (synthetisch)"}],
                "sources": src})
            n += 2
    return n


def _model_projects(world: _World, rnd: random.Random, names: _Names, w: _Writer,
                    src: list[str], extra: random.Random) -> tuple[str | None, int, int]:
    """Up to three model projects per state, each with phases, grants, a shared institution and its
    service; returns (the first project's id, projects, memberships)."""
    adj_d = {u: sorted(v) for u, v in world.adj_dist.items()}
    approach, n_projects, n_members = None, 0, 0
    for land, _, _, _ in world.states:
        dists = world.district_level(land)
        if len(dists) < 2:
            continue
        ministry = f"synth-mdi-{land}"
        w.add("projects.yaml", "organisations", {"id": ministry, "type": "ministry",
                                                 "name": f"Innenministerium {names()} (synthetisch)",
                                                 "parent": land, "sources": src})
        w.add("projects.yaml", "programmes", {
            "id": f"{ministry}-programm", "name": f"Förderprogramm IKZ {land} (synthetisch)", "funder": ministry,
            "stated_totals": [{"amount": extra.randint(10, 40) * 100000, "approximate": True,
                               "scope": "insgesamt (synthetisch)", "source": SOURCE}],
            "sources": src})
        for n in range(1, 4):
            start = rnd.choice(dists)
            members = _grow(start, rnd.randint(2, 4), adj_d, rnd, allowed=set(dists))
            if len(members) < 2:
                continue
            mid = f"synth-mp-{land}-{n}"
            approach = approach or mid
            n_members += _model_project(world, rnd, w, src, mid, ministry, start, members, f"{ministry}-programm")
            n_projects += 1
    return approach, n_projects, n_members


def _model_project(world: _World, rnd: random.Random, w: _Writer, src: list[str], mid: str, ministry: str,
                   start: str, members: list[str], programme: str) -> int:
    """One model project; returns its number of memberships."""
    y = rnd.randint(2012, 2021)
    task = rnd.choice(_TASKS_PROJECT)
    name = world.label[start]
    w.add("projects.yaml", "organisations", {
        "id": mid, "type": "model-project", "name": f"Modellprojekt {name} {mid.rsplit('-', 1)[1]} (synthetisch)",
        "label": f"MP {name} (synthetisch)", "task_fields": [task],
        "phases": [{"number": 1, "start": str(y), "end": str(y + 2), "sources": src},
                   {"number": 2, "start": str(y + 3), "sources": src}],
        "sources": src})
    for i, m in enumerate(members):
        w.add("projects.yaml", "memberships", {"member": m, "organisation": mid,
                                               "role": "lead-partner" if i == 0 else "member",
                                               "start": str(y), "phases": [1, 2], "sources": src})
    for phase in (1, 2):
        w.add("projects.yaml", "grants", {
            "id": f"{mid}-grant-{phase}", "funder": ministry, "project": mid, "phase": phase, "programme": programme,
            "recipients": [members[0]], "amount": rnd.randint(100, 900) * 1000,
            "date": f"{y + 3 * (phase - 1)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "rate": 0.9, "sources": src})
    inst = f"{mid}-office"
    w.add("projects.yaml", "organisations", {
        "id": inst, "type": "shared-institution", "name": f"Gemeinsame Stelle {name} (synthetisch)",
        "parent": members[0], "developed_in": mid, "founded": str(y + 2), "sources": src})
    w.add("projects.yaml", "services", {
        "id": f"{mid}-service", "title": f"Gemeinsamer Dienst {name} (synthetisch)",
        "description": "Synthetische Dienstleistung für Tests.", "task_field": task,
        "competent_authorities": members, "operator": members[0], "institution": inst,
        "developed_in": mid, "start": str(y + 2), "sources": src})
    return len(members)


def generate(size: str, out_dir: str | Path, seed: int = 42) -> dict[str, Any]:
    """Write the synthetic data set ``size`` (a key of :data:`SIZES`) into ``out_dir``.

    The directory is replaced as a whole (written beside it, then renamed), so a failed run
    leaves nothing half-written; it must be new, empty, or hold exactly what an earlier run wrote
    (listed with checksums in ``_manifest.json``), else nothing is touched. Returns a summary with
    counts and the parameters a benchmark needs (also written to ``out_dir/_bench.json``; files
    starting with ``_`` are not data).
    """
    if size not in SIZES:
        raise IkzError(f"unknown size {size!r} (known: {', '.join(SIZES)})")
    out = Path(out_dir)
    check_replaceable(out, WRITER)  # before the work: refuse a folder synth did not write
    preset = SIZES[size]
    rnd = random.Random(seed)
    names = _Names(rnd)
    w = _Writer()
    w.add("sources.yaml", "sources", {
        "id": SOURCE, "title": f"Synthetic test data, not real: ikz-graph synth --size {size} --seed {seed}",
        "document": "ikz_graph/synthetic.py", "published": "2026-11-24",
        "note": "Invented by a random generator to test and benchmark ikz-graph at scale. Describes nothing real."})
    src = [SOURCE]
    world = _World([s for s in _STATES if s[0] in preset["states"]])
    _geography(world, preset, rnd, names, w, src)
    _units(world, rnd, w, src)
    zv_bodies, zv_members = _zweckverbaende(world, rnd, w, src)
    plg_bodies, plg_members = _planning(world, rnd, w, src)
    # Heads, committees and programmes draw from a generator of their own, so that the units, bodies
    # and projects stay what they were before these were added.
    extra = random.Random(f"{seed}-people")
    approach, n_projects, mp_members = _model_projects(world, rnd, names, w, src, extra)
    heads = _heads(world, extra, w, src)
    n_meetings = _committees(world, extra, w, src, heads)
    gemeinden = world.gemeinden()
    some_gem = gemeinden[len(gemeinden) // 2] if gemeinden else world.districts[0]
    bench = {
        "size": size, "seed": seed, "approach": approach,
        "viz": {"view": "project", "target": approach},
        "params": {
            "neighbours": {"unit": some_gem}, "unit-memberships": {"unit": some_gem},
            "cooperation-as-of": {"date": "2022-01-01"}, "entity-sources": {"entity": approach},
            "project-members": {"project": approach}, "funding": {"project": approach},
            "transfer-candidates": {"approach": approach},
            "units-in": {"unit": world.districts[0]}, "unit-hierarchy": {"unit": some_gem},
            "units-by-population": {"level": "gemeinde", "min": "0", "max": "1000000000", "register": SOURCE},
            "units-as-of": {"date": "2024-06-30", "unit": world.districts[0]},
        },
    }
    summary = {"size": size, "seed": seed, "states": len(world.states), "districts": len(world.districts),
               "municipalities": len(gemeinden), "bodies": zv_bodies + plg_bodies,
               "memberships": zv_members + plg_members + mp_members, "model_projects": n_projects,
               "contiguity_pairs": world.n_edges, "heads": len(heads), "meetings": n_meetings, **{"bench": bench}}
    files = w.texts()
    files["_bench.json"] = json.dumps(bench, indent=2, sort_keys=True) + "\n"
    replace_dir(out, files, WRITER)
    return summary
