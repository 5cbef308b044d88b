"""The map view without a browser: its areas, colours, legend and attribution, the SVG, escaping,
determinism, the CLI's errors; and the geographic layout of the network views.

The maps need the official base layer: these tests open the national graph (the built store kept in
.cache/store, as tests/test_base_layer.py does) or build the RLP scope of a data copy.
"""
from __future__ import annotations

import re

import pytest

import ikz_graph
from ikz_graph import viz
from ikz_graph.viz import geo
from ikz_graph.viz.layout import geo_layout

UNIT = "https://w3id.org/ikz-graph/id/unit/"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def kg_de():
    return ikz_graph.load(base="de")


def _count(kg, sparql):
    return len(kg.query(sparql).rows)


def test_the_national_kreis_map_draws_every_kreis_on_its_boundary(kg_de):
    m = viz.build_map(kg_de, "kreis")
    n = _count(kg_de, "SELECT DISTINCT ?u WHERE { VALUES ?c { ikz:Landkreis ikz:KreisfreieStadt } ?u a ?c ; "
                      "geo:hasGeometry ?g }")
    assert len(m.areas) == n == 400
    assert len({a["id"] for a in m.areas}) == n
    assert all(re.fullmatch(r"(M[-\d. ]+([hvl][-\d. ]+)*z)+", a["d"]) for a in m.areas)
    svg = viz.map_svg(m)
    assert svg.count('class="area') == n and "© GeoBasis-DE / BKG 2021 (Daten verändert)" in svg
    assert "Destatis" in svg and "dl-de/by-2-0" in svg
    # coloured by the clusters of the network analysis: one legend row per cluster with a Kreis on the
    # map (clusters of Verbandsgemeinden and Gemeinden alone have none), counted by its Kreise, plus the rest
    an = ikz_graph.analyze(kg_de)
    ids = {a["id"] for a in m.areas}
    on_map = {c.number: sum(1 for u in an.graph if an.graph.nodes[u]["cluster"] == c.number and u in ids)
              for c in an.clusters}
    rows = [(i["label"], i["count"]) for i in m.legend[:-1]]
    assert rows == [(f"{c.number}: {c.name}", on_map[c.number]) for c in an.clusters if on_map[c.number]]
    assert len(rows) >= 4 and len(rows) < len(an.clusters)
    assert m.legend[-1]["label"] == "not in the cooperation network"
    assert m.legend[-1]["count"] == 400 - len(ids & set(an.graph)) == 400 - sum(on_map.values())
    assert len(viz.render_map(m).encode("utf-8")) < 3_000_000


def test_the_rlp_verbandsgemeinde_map_takes_the_value_of_the_district(kg_de):
    m = viz.build_map(kg_de, "gemeindeverband", ("transfer", "kfz-zulassung"))
    n = _count(kg_de, "SELECT DISTINCT ?u WHERE { ?u a ikz:Gemeindeverband ; ikz:inState state:07 ; geo:hasGeometry ?g }")
    assert len(m.areas) == n == 170
    t = ikz_graph.transfer(kg_de, "kfz-zulassung")
    best = t.candidates[0]
    # the Verbandsgemeinden of the best candidate carry its colour, its chart and the note where it comes from
    ids = {r["u"] for r in kg_de.query(f"SELECT ?u WHERE {{ ?u a ikz:Gemeindeverband ; ikz:inKreis <{best.unit}> }}").rows}
    mine = [a for a in m.areas if a["id"] in ids]
    assert mine and all(a["fill"] == viz.styles.score_colour(best.score, _lo(t), _hi(t)) for a in mine)
    assert all("value of its district" in a["full"] and "tt-chart" in a["full"] for a in mine)
    assert sum(1 for a in m.areas if a["outline"]) == sum(1 for a in m.areas if a["fill"] == viz.PARTICIPANT_COLOUR)
    assert m.scale and m.scale["label"] == "transferability score"
    assert len(viz.render_map(m).encode("utf-8")) < 2_000_000


def _lo(t):
    return min(c.score for c in t.candidates)


def _hi(t):
    return max(c.score for c in t.candidates)


def test_project_and_unit_maps(kg_de):
    m = viz.build_map(kg_de, "kreis", ("project", "emh"))
    members = {a["id"] for a in m.areas if a["outline"]}
    assert members == {UNIT + k for k in ("07135", "07231", "07232", "07233")}
    u = viz.build_map(kg_de, "kreis", ("unit", "Vulkaneifel"))
    focus = next(a for a in u.areas if a["id"] == UNIT + "07233")
    assert focus["outline"] and focus["fill"] == viz.PARTICIPANT_COLOUR
    assert any("shares with Vulkaneifel" in a["full"] for a in u.areas)


def test_a_map_as_of_a_day(kg_de):
    m = viz.build_map(kg_de, "kreis", ("project", "emh"), as_of="2022-01-01")
    assert m.as_of == "2022-01-01" and m.title.endswith(" as of 2022-01-01")
    assert "as of 2022-01-01" in viz.map_svg(m)


@pytest.mark.parametrize("args,message", [
    (["--level", "land"], "Invalid value for '--level'"),
    (["--of", "unit", "Nirgendwo"], "unit 'Nirgendwo'"),
    (["--of", "project", "07233"], "'07233' is a district, not a model project"),
    (["--of", "transfer", "no-such-approach"], "transfer 'no-such-approach'"),
    (["--of", "district", "07233"], "Invalid value for '--of'"),
    (["--as-of", "2024-13-01"], "--as-of"),
    (["target"], "the map takes no target"),
    (["--format", "png"], "Invalid value for '--format'"),
])
def test_bad_map_options_say_what_is_wrong_and_write_nothing(cli, tmp_path, args, message):
    out = tmp_path / "map.html"
    r = cli("--base", "de", "viz", "--view", "map", *args, "--out", out)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_map_options_belong_to_the_map_and_the_map_needs_boundaries(cli, tmp_path):
    out = tmp_path / "v.html"
    r = cli("viz", "--level", "kreis", "--out", out)
    assert r.exit_code == 2 and "belong to the map" in r.output and not out.exists()
    r = cli("--base", "none", "viz", "--view", "map", "--out", out)
    assert r.exit_code == 2 and "needs the official base layer" in r.output and not out.exists()


def test_the_map_is_the_same_byte_for_byte_and_its_svg_has_legend_and_attribution(cli, tmp_path, kg_de):
    pages = []
    for i in (1, 2):
        out = tmp_path / f"m{i}.html"
        r = cli("--base", "de", "viz", "--view", "map", "--level", "gemeindeverband", "--of", "transfer",
                "kfz-zulassung", "--out", out)
        assert r.exit_code == 0, r.output
        assert "170 areas" in r.output
        pages.append(out.read_bytes())
    assert pages[0] == pages[1]
    svgs = []
    for i in (1, 2):
        out = tmp_path / f"m{i}.svg"
        assert cli("--base", "de", "viz", "--view", "map", "--format", "svg", "--out", out).exit_code == 0
        svgs.append(out.read_bytes())
    assert svgs[0] == svgs[1]
    text = svgs[0].decode("utf-8")
    assert text.startswith('<?xml') and 'id="legend"' in text and "not in the cooperation network" in text
    assert "© GeoBasis-DE / BKG 2021 (Daten verändert)" in text
    assert not re.search(r"(href|src)=\"(?!#)", text)                # nothing outside the file


def test_every_text_of_the_map_is_escaped(cli, data_copy, tmp_path):
    units = data_copy / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace('    label: "Vulkaneifel"', f'    label: "{HOSTILE}"', 1),
                     encoding="utf-8")
    for fmt in ("html", "svg"):
        out = tmp_path / f"h.{fmt}"
        r = cli("--data", data_copy, "--base", "rlp", "viz", "--view", "map", "--of", "unit", "07233",
                "--format", fmt, "--out", out)
        assert r.exit_code == 0, r.output
        text = out.read_text(encoding="utf-8")
        assert HOSTILE not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_svg_paths_are_projected_north_up_and_rounded():
    d = geo.svg_path("MULTIPOLYGON(((7 50,8 50,8 51,7 50)),((9 49,9.5 49,9.5 49.5,9 49)))",
                     lambda lon, lat: geo.project(lon, lat, 100))
    assert d.count("M") == 2 and d.count("z") == 2
    assert re.fullmatch(r"[-MhvlzZ\d. ]+", d) and not re.search(r"\.\d\d", d)
    x0, y0 = geo.project(7, 50)
    x1, y1 = geo.project(7, 51)
    assert y1 < y0 and x1 == x0          # north is up
    assert geo.project(8, 50)[0] > x0    # east is right


def test_the_geographic_layout_does_not_move_when_a_record_is_added():
    import networkx as nx

    G = nx.Graph([("a", "body"), ("b", "body"), ("body", "phase")])
    cents = {"a": (7.0, 50.0), "b": (8.0, 49.0)}
    before = geo_layout(G, cents)
    G.add_edges_from([("b", "new body"), ("c", "new body"), ("lonely", "alone")])
    after = geo_layout(G, {**cents, "c": (6.5, 49.5)})
    assert {k: after[k] for k in before} == before
    assert before["a"] == tuple(round(v, 1) for v in geo.project(7.0, 50.0, geo.PX_PER_DEGREE))
    assert {"new body", "lonely", "alone"} <= set(after)


def test_network_views_are_geographic_with_the_base_layer():
    g = viz.build_view(ikz_graph.load(base="rlp"), "overview")
    assert g.geographic
    pos = {n["key"]: (n["x"], n["y"]) for n in g.nodes if n.get("key")}
    assert pos["07211"][0] < pos["07311"][0]     # Trier lies west of Frankenthal
    assert pos["07143"][1] < pos["07337"][1]     # the Westerwaldkreis lies north of Südliche Weinstraße
    page = viz.render_graph(g)
    assert '"physics":{"barnesHut"' in page and '"enabled":false' in page
