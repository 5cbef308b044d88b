"""The viz module without a browser: what each view contains, self-containment, escaping, determinism, CLI."""
from __future__ import annotations

import html
import json
import re

import pytest

from ikz_graph import viz
from ikz_graph.network import analyze
from ikz_graph.transferability import rank

UNIT = "https://w3id.org/ikz-graph/id/unit/"
BODY = "https://w3id.org/ikz-graph/id/org/"


def _ids(g):
    return {n["id"] for n in g.nodes}


def _check_consistent(g):
    ids = _ids(g)
    assert len(ids) == len(g.nodes)
    assert all(e["from"] in ids and e["to"] in ids for e in g.edges)
    assert all(n["kind"] in viz.KINDS for n in g.nodes)
    assert all(e["tie"] in viz.TIES for e in g.edges)
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) and n["size"] >= 8 for n in g.nodes)


def test_overview_has_every_unit_and_the_bodies(kg):
    g = viz.build_view(kg, "overview")
    _check_consistent(g)
    # every district and kreisfreie Stadt of the state, tied or not, and every unit of any level with a tie
    rlp = kg.query("SELECT ?u WHERE { ?u ikz:inState state:07 . VALUES ?c { ikz:Landkreis ikz:KreisfreieStadt } "
                   "?u a ?c }").rows
    assert len(rlp) == 36 and {r["u"] for r in rlp} <= _ids(g)
    tied = kg.query("SELECT DISTINCT ?u WHERE { ?m org:member ?u . ?u ikz:officialKey ?k }").rows
    assert len(tied) > 150 and {r["u"] for r in tied} <= _ids(g)
    assert UNIT + "071" not in _ids(g)      # the Regierungsbezirk Koblenz takes part in nothing
    kinds = {n["kind"] for n in g.nodes}
    assert {"district", "city", "model project", "formal body", "institution or service", "ministry",
            "association"} <= kinds
    assert {"project", "body", "planning", "service", "contiguity", "funding"} <= {e["tie"] for e in g.edges}
    # each contiguity pair once
    pairs = [frozenset((e["from"], e["to"])) for e in g.edges if e["tie"] == "contiguity"]
    assert len(pairs) == len(set(pairs))


def test_units_are_sized_by_pagerank_and_clustered_by_the_analysis(kg):
    g = viz.build_view(kg, "overview")
    an = analyze(kg)
    pr = {n: d["pagerank"] for n, d in an.graph.nodes(data=True)}
    units = [n for n in g.nodes if n["id"] in pr]
    top = max(pr[n["id"]] for n in units)
    for n in units:
        assert n["centrality"] == pytest.approx(pr[n["id"]] / top, abs=1e-6)
        assert n["cluster"] == an.graph.nodes[n["id"]]["cluster"] - 1
    biggest = max(units, key=lambda n: n["centrality"])
    assert biggest["size"] == max(n["size"] for n in units)
    assert [c["name"] for c in g.clusters] == [c.name for c in an.clusters]
    assert "PageRank" in g.sized_by


def test_project_view(kg):
    g = viz.build_view(kg, "project", "emh")
    _check_consistent(g)
    ids = _ids(g)
    assert {UNIT + k for k in ("07135", "07231", "07232", "07233")} <= ids
    assert {BODY + f"emh/phase/{i}" for i in (1, 2, 3)} <= ids
    assert BODY + "kfz-zulassung-emh" in ids and BODY + "mdi-rlp" in ids
    assert sum(1 for n in g.nodes if n["kind"] == "grant") == 3
    # Bitburg-Prüm takes part in phases 2 and 3 only
    bp = {({e["from"], e["to"]} - {UNIT + "07232"}).pop() for e in g.edges
          if UNIT + "07232" in (e["from"], e["to"]) and e["tie"] == "project"}
    assert bp == {BODY + "emh/phase/2", BODY + "emh/phase/3"}
    assert UNIT + "07340" not in ids


def test_unit_view_is_the_ego_network(kg):
    g = viz.build_view(kg, "unit", "Vulkaneifel")
    _check_consistent(g)
    ids = _ids(g)
    ego = UNIT + "07233"
    assert ego in ids and next(n for n in g.nodes if n["id"] == ego).get("focus")
    assert {BODY + "emh", BODY + "art", BODY + "irt", BODY + "plg-region-trier"} <= ids
    assert UNIT + "07211" in ids        # Trier: co-member of A.R.T.
    # the units drawn are the ego, its neighbours and the co-members of its bodies, nothing else
    rows = kg.query("SELECT DISTINCT ?u WHERE { { ?m org:member unit:07233 ; org:organization ?o . "
                    "?n org:organization ?o ; org:member ?u } UNION { unit:07233 geo:sfTouches ?u } "
                    "?u ikz:officialKey ?k }").rows
    near = {r["u"] for r in rows}
    units = {n["id"] for n in g.nodes if n["key"]}
    assert UNIT + "07340" in near and units <= near | {ego}    # Südwestpfalz: co-member of the school-milk office
    assert UNIT + "07340026" not in units and UNIT + "07340026" not in near  # Kröppen: no tie to Vulkaneifel
    contiguity = [e for e in g.edges if e["tie"] == "contiguity"]
    assert contiguity and all(ego in (e["from"], e["to"]) for e in contiguity)


def test_as_of_follows_the_cooperation_as_of_rule(kg):
    now = viz.build_view(kg, "unit", "07232")
    then = viz.build_view(kg, "unit", "07232", as_of="2022-01-01")
    assert BODY + "emh" in _ids(now) and BODY + "emh" not in _ids(then)      # joined 2023-10
    assert BODY + "art" in _ids(then)                                            # since 2016
    old = viz.build_view(kg, "overview", as_of="2015-06-01")
    assert BODY + "kfz-zulassung-emh" not in _ids(old)                          # founded 2023
    irt = {e["from"] for e in old.edges if e["to"] == BODY + "irt"} | {e["to"] for e in old.edges
                                                                      if e["from"] == BODY + "irt"}
    assert UNIT + "07233" in irt                                                 # rejoined 2015-01-01
    gap = viz.build_view(kg, "overview", as_of="2012-06-01")
    assert not [e for e in gap.edges if {e["from"], e["to"]} == {UNIT + "07233", BODY + "irt"}]  # left 2010
    assert gap.as_of == "2012-06-01"


def test_transfer_view_colours_candidates_by_score(kg):
    g = viz.build_view(kg, "transfer", "kfz-zulassung")
    _check_consistent(g)
    t = rank(kg, "kfz-zulassung")
    ids = _ids(g)
    assert set(t.participants) <= ids and {c.unit for c in t.candidates} <= ids and set(t.not_scored) <= ids
    assert len(g.nodes) == 1 + len(t.participants) + len(t.candidates) + len(t.not_scored)
    colour = {n["id"]: n["color"] for n in g.nodes if "color" in n}
    best, worst = t.candidates[0], t.candidates[-1]
    assert colour[best.unit] == viz.SCORE_COLOURS[-1] and colour[worst.unit] == viz.SCORE_COLOURS[0]
    assert all(colour[p] == viz.PARTICIPANT_COLOUR for p in t.participants)
    tip = next(n["tip"] for n in g.nodes if n["id"] == best.unit)
    assert f"Score {best.score:.3f}:" in tip and html.escape(best.explanation) in tip
    assert g.score_legend["max"] == round(best.score, 3)


def _bars(tip):
    """(label, track %, fill %, value) of every bar of a tooltip's chart."""
    return [(lab, float(track), float(fill), float(value)) for lab, track, fill, value in re.findall(
        r'<span class="tt-bl">(.*?)</span><span class="tt-bt"><span class="tt-bm" style="width:([\d.]+)%">'
        r'<span class="tt-bf" style="width:([\d.]+)%"></span></span></span><span class="tt-bv">([+\d.-]+)</span>', tip)]


def test_transfer_view_charts_what_each_factor_adds(kg):
    from ikz_graph.config import FACTORS, load_config
    from ikz_graph.transferability import FACTOR_LABELS

    g = viz.build_view(kg, "transfer", "kfz-zulassung")
    t = rank(kg, "kfz-zulassung")
    w = load_config()["transfer"]["weights"]
    top = max(w.values())
    tips = {n["id"]: n["tip"] for n in g.nodes}
    for c in t.candidates:
        bars = _bars(tips[c.unit])
        assert [b[0] for b in bars] == [html.escape(FACTOR_LABELS[f]) for f in FACTORS]
        for (_, track, fill, value), f in zip(bars, FACTORS):
            assert track == pytest.approx(100 * w[f] / top, abs=0.06)
            assert fill == pytest.approx(100 * c.values[f], abs=0.06)        # of the factor's weight
            assert value == pytest.approx(c.contributions[f], abs=5e-4)
    assert all(_bars(tips[p]) == [] for p in t.participants)


def test_units_that_are_not_scored_are_drawn_grey_with_the_reason(kg):
    """Vorderpfalz: Mannheim, Heidelberg and the Rhein-Neckar-Kreis are drawn, outside RLP, not scored."""
    g = viz.build_view(kg, "transfer", "vorderpfalz")
    t = rank(kg, "vorderpfalz")
    nodes = {n["id"]: n for n in g.nodes}
    assert set(t.not_scored) and set(t.not_scored) <= set(nodes)
    for u, why in t.not_scored.items():
        n = nodes[u]
        assert n["color"] == viz.NOT_SCORED_COLOUR and n.get("muted") and _bars(n["tip"]) == []
        assert f"<tr><th>not scored</th><td>{why}</td></tr>" in n["tip"]
    for key in ("08222", "08221", "08226"):
        n = nodes[UNIT + key]
        assert not n["rlp"] and "outside RLP" in n["tip"] and "population and area unknown" in n["tip"]
    assert not any(n.get("muted") for u, n in nodes.items() if u not in t.not_scored)
    pairs = {frozenset((e["from"], e["to"])) for e in g.edges if e["tie"] == "contiguity"}
    assert frozenset((UNIT + "07314", UNIT + "08222")) in pairs                 # Ludwigshafen – Mannheim
    assert g.notes == ["23 units are not scored (population and area unknown: 23); they are drawn in grey."]
    assert g.score_legend["notScored"] == viz.NOT_SCORED_COLOUR


def test_units_outside_the_state_are_drawn_in_the_unit_views_and_the_overview(kg):
    from ikz_graph.levels import UNIT_KINDS
    from ikz_graph.readmodel import read

    data = read(kg)
    outside = {u for u, x in data.units.items() if not x.key.startswith("07")}
    assert {UNIT + k for k in ("08222", "08221", "08226")} <= outside
    overview = {n["id"]: n for n in viz.build_view(kg, "overview").nodes}
    assert outside <= set(overview) and not any(overview[u]["rlp"] for u in outside)
    abroad = [n for n in overview.values() if n["kind"] == "foreign region"]
    assert abroad and not any(n["rlp"] for n in abroad) and all("outside RLP" in n["tip"] for n in abroad)
    assert all(n["rlp"] for n in overview.values() if n["kind"] not in UNIT_KINDS)
    for key in ("07314", "07338"):                     # Ludwigshafen, Rhein-Pfalz-Kreis
        ego = UNIT + key
        border = {u for pair in data.touches if ego in pair for u in pair} - {ego}
        drawn = {n["id"]: n for n in viz.build_view(kg, "unit", key).nodes}
        assert border <= set(drawn) and UNIT + "08222" in border
        assert all("outside RLP" in drawn[u]["tip"] and not drawn[u]["rlp"] for u in border & outside)


def test_search_keys_are_the_folded_names_and_ids(kg):
    nodes = {n["id"]: n for n in viz.build_view(kg, "overview").nodes}
    data = json.loads(re.search(r'id="ikz-data">(.*?)</script>', viz.render(kg, "overview"), re.DOTALL).group(1))
    keys = {n["id"]: n["search"] for n in data["nodes"]}
    assert ["Eifelkreis Bitburg-Prüm", "eifelkreis bitburg pruem", "eifelkreis bitburg prum"] in keys[UNIT + "07232"]
    assert ["07232", "07232"] in keys[UNIT + "07232"] and keys[UNIT + "07232"][0][0] == "Bitburg-Prüm"
    assert ["Landkreis Kusel", "landkreis kusel"] in keys[UNIT + "07336"]
    assert ["art", "art"] in keys[BODY + "art"]                                      # the id
    assert [k[0] for k in keys[BODY + "art"][:2]] == ["A.R.T.", "Zweckverband Abfallwirtschaft Region Trier"]
    assert "Zweckverband Abfallbeseitigung im Raum Trier" in [k[0] for k in keys[BODY + "art"]]   # another name
    assert len(keys) == len(nodes)
    fold = data["fold"]
    assert fold["Ü"] == ["u", "ue"] and fold["ß"] == "ss" and fold["<"] == " " and "a" not in fold


def test_bad_views_and_targets(kg):
    with pytest.raises(viz.VizError, match="unknown view"):
        viz.build_view(kg, "map")
    with pytest.raises(viz.VizError, match="needs a target"):
        viz.build_view(kg, "project")
    with pytest.raises(viz.VizError, match="is a district, not a model project"):
        viz.build_view(kg, "project", "07233")
    with pytest.raises(viz.VizError, match="no entity"):
        viz.build_view(kg, "unit", "99999")
    with pytest.raises(viz.VizError, match="not a date"):
        viz.build_view(kg, "overview", as_of="2022-02-30")
    with pytest.raises(viz.VizError, match="transfer 'nothing'"):
        viz.build_view(kg, "transfer", "nothing")


def test_page_is_self_contained_and_deterministic(kg):
    page = viz.render(kg, "overview")
    assert page == viz.render(kg, "overview")
    assert not re.search(r"<(script|img|iframe|link)\b[^>]*\b(src|href)=", page, re.IGNORECASE)
    assert "@import" not in page
    assert all(u.startswith("data:") for u in re.findall(r"url\(\"?([^\")]*)", page))
    assert "bootstrap" not in page.lower() and not re.search(r"//[\w.-]*cdn", page, re.IGNORECASE)
    m = re.search(r'<script type="application/json" id="ikz-data">(.*?)</script>', page, re.DOTALL)
    assert m and "<" not in m.group(1) and ">" not in m.group(1)
    data = json.loads(m.group(1))
    assert len(data["nodes"]) == len(viz.build_view(kg, "overview").nodes)
    assert "Südwestpfalz" in m.group(1)  # UTF-8, not \\u escapes
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


def test_hostile_text_is_escaped_everywhere():
    hostile = '<img src=x onerror=alert(1)></script>&"'
    tip = viz.tooltip_html(hostile, "district", [("seat", hostile), ("not scored", hostile)],
                           [(hostile, "javascript:alert(1)")], chart=(hostile, [(hostile, 0.1, 0.2)]))
    assert "<img" not in tip and "</script>" not in tip and "javascript:" not in tip
    assert tip.count(html.escape(hostile)) == 6 and 'class="tt-bar"' in tip
    g = viz.VizGraph("t", "overview", [{"id": "a", "label": hostile, "full": hostile, "kind": "district", "key": "",
                                        "names": [hostile, "x" + hostile], "tip": tip}], [])
    page = viz.render_graph(viz.finish(g))
    assert "<img src=x" not in page and page.count("</script>") == 3  # data, vis-network, page script
    assert hostile not in page
    data = json.loads(re.search(r'id="ikz-data">(.*?)</script>', page, re.DOTALL).group(1))
    assert data["nodes"][0]["search"][1] == ["x" + hostile, "x img src x onerror alert 1 script"]


def test_cli_writes_the_file_and_reports(cli, tmp_path):
    out = tmp_path / "sub" / "emh.html"
    r = cli("viz", "--view", "project", "emh", "--out", out)
    assert r.exit_code == 0, r.output
    assert re.match(r"Wrote .*emh\.html \(Model project: Eifel-Mosel-Hunsrück: \d+ nodes, \d+ edges; \d+ bytes\)\.",
                    r.output)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    r = cli("viz", "--out", tmp_path / "o.html", "--as-of", "2022-01-01")
    assert r.exit_code == 0 and "as of 2022-01-01" in r.output


def test_cli_errors_write_nothing(cli, tmp_path):
    out = tmp_path / "v.html"
    out.write_text("old", encoding="utf-8")
    for args, msg in [(("--view", "project", "07233"), "not a model project"),
                      (("--view", "unit"), "needs a target"),
                      (("--view", "overview", "emh"), "takes no target"),
                      (("--as-of", "yesterday"), "not a date"),
                      (("--view", "transfer", "nothing"), "unknown approach")]:
        r = cli("viz", *args, "--out", out)
        assert r.exit_code == 2 and msg in r.output, (args, r.output)
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.html"]
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    r = cli("viz", "--out", blocker / "v.html")
    assert r.exit_code == 2 and "cannot write" in r.output
    assert cli("viz").exit_code == 2  # --out is required


def test_cli_bad_data_exits_1(cli, data_copy, tmp_path):
    p = data_copy / "projects.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace('  - member: "07233"\n', '  - member: "07299"\n', 1),
                 encoding="utf-8")
    r = cli("--data", data_copy, "viz", "--out", tmp_path / "x.html")
    assert r.exit_code == 1 and "07299" in r.output
    assert not (tmp_path / "x.html").exists()


def test_synthetic_graph_of_thousands_of_nodes_renders_quickly():
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("bench_viz", ROOT / "scripts" / "bench_viz.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    g = viz.finish(bench.synthetic(3000))
    page = viz.render_graph(g)
    data = json.loads(re.search(r'id="ikz-data">(.*?)</script>', page, re.DOTALL).group(1))
    assert len(data["nodes"]) == 3000 and data["options"]["physics"]["enabled"] is False
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == 3000


def test_same_file_in_separate_processes(tmp_path):
    """Deterministic across runs: two processes with different hash seeds write identical bytes."""
    import os

    from .conftest import run_module

    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"o{seed}.html"
        r = run_module("viz", "--view", "unit", "07231", "--out", out, env={**os.environ, "PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_as_of_dates_services_like_the_analysis(kg):
    """The joint fines office has no start date; like the analysis, the view does not draw it before
    the first start in EMH (2021), and it draws it afterwards."""
    fines = "https://w3id.org/ikz-graph/id/service/bussgeldverfahren"
    assert fines not in _ids(viz.build_view(kg, "overview", as_of="2015-06-01"))
    assert fines in _ids(viz.build_view(kg, "overview", as_of="2024-06-01"))
    with pytest.raises(viz.VizError, match="takes no target"):
        viz.build_view(kg, "overview", "emh")


def test_every_unit_kind_of_the_levels_has_a_style():
    """Regression: the Verbandsgemeinden the records name are drawn; their kind had no style (KeyError)."""
    from ikz_graph.levels import UNIT_KINDS
    from ikz_graph.viz.styles import KINDS

    assert [k for k in UNIT_KINDS if k not in KINDS] == []


def test_every_organisation_type_of_the_records_is_drawn_with_a_style():
    """Regression: the pilot programme's Kooperationsverbünde (ikz:CooperationNetwork) were not drawn,
    so the units tied only through one were missing from the overview and their clusters from its legend."""
    from ikz_graph.readmodel import ENTITY_CLASSES
    from ikz_graph.schema import ORG_TYPES
    from ikz_graph.viz.styles import KINDS

    drawn = dict(ENTITY_CLASSES)
    # a council's committees are part of one unit, not a cooperation: they are not drawn
    assert [t for t, cls in ORG_TYPES.items() if cls not in drawn] == ["committee"]
    assert [k for k in drawn.values() if k not in KINDS] == []
