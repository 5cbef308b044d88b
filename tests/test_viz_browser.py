"""The HTML views in a real headless Chromium (Debian's chromium + chromium-driver) with all network blocked.

Each view must make no request outside its own file, log no console error, render exactly the
nodes of the graph it was built from, keep every node's and edge's details inside the side panel
(no horizontal scrolling), and show hostile data as text. The transfer panel charts the factors of
a clicked candidate, the units that are not scored are drawn with their reason, and the search
finds official names, ids and keys, folded as the resolver folds. A screenshot of every view is
written to tests/output/ (look at them after a change). If Chromium cannot start, these tests
fail; they are never skipped.
"""
from __future__ import annotations

import time

import pytest

from ikz_graph import viz
from ikz_graph.config import FACTORS, load_config
from ikz_graph.resolve import fold
from ikz_graph.transferability import FACTOR_LABELS, rank

from .browser import outside
from .conftest import ROOT
from .test_dates_and_names import TRICKY

OUTPUT = ROOT / "tests" / "output"
VIEWS = {
    "overview": ("overview", None, None),
    "project-emh": ("project", "emh", None),
    "unit-07233": ("unit", "07233", None),
    "transfer-kfz-zulassung": ("transfer", "kfz-zulassung", None),
    "transfer-vorderpfalz": ("transfer", "vorderpfalz", None),
    "overview-2022": ("overview", None, "2022-01-01"),
}
HOSTILE = "<img src=x onerror=alert(1)>"
UNIT = "https://w3id.org/ikz-graph/id/unit/"
BODY = "https://w3id.org/ikz-graph/id/org/"

#: A function (JavaScript) giving the elements of the side panel that are wider than they show.
OVERFLOWING = """() => { const side = document.getElementById('side');
    return [side, ...side.querySelectorAll('table, .tt-chart, .tt-bar, #results, li, .row')]
        .filter(e => e.scrollWidth > e.clientWidth).map(e => e.id || e.className || e.tagName); }"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory, kg):
    out = tmp_path_factory.mktemp("viz")
    made = {}
    for name, (view, target, as_of) in VIEWS.items():
        g = viz.build_view(kg, view, target, as_of)
        made[name] = (viz.write_page(viz.render_graph(g), out / f"{name}.html"), g)
    return made


def _errors(console):
    return [c for c in console if c.get("level") == "SEVERE"]


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_is_offline_complete_and_clean(browser, pages, name):
    path, g = pages[name]
    res = browser.open(path)
    assert res["ready"], f"{name} did not finish its layout"
    assert res["requests"], "the request log is empty: recording does not work"
    assert outside(res["requests"], path) == []
    assert _errors(res["console"]) == []
    counts = browser.js("""const v = window.ikzViz;
        return [Object.keys(v.network.body.nodes).length, v.nodeView.length, v.nodes.length,
                Object.keys(v.network.body.edges).length, v.edgeView.length]""")
    assert counts == [len(g.nodes), len(g.nodes), len(g.nodes), len(g.edges), len(g.edges)]
    positions = browser.js("return Object.keys(window.ikzViz.network.getPositions()).length")
    assert positions == len(g.nodes)
    assert browser.js("return window.__ikzDialogs") == []
    browser.screenshot(OUTPUT / f"viz-{name}.png")
    # the details of every node and edge fit the side panel: nothing to scroll sideways
    shown, wide = browser.js("""const v = window.ikzViz, ids = v.data.nodes.map(n => n.id).concat(v.data.edges.map(e => e.id));
        const check = %s, wide = [];
        for (const id of ids) { v.show(id); const w = check(); if (w.length) { wide.push([id, w]); } }
        return [ids.length, wide];""" % OVERFLOWING)
    assert shown == len(g.nodes) + len(g.edges) and wide == []


def test_long_values_wrap_inside_the_panel(browser, tmp_path):
    """Words and links longer than the panel is wide wrap; so do long fact names and bar labels."""
    long = "Kreisverwaltungszuständigkeitsübertragungsverordnung" * 3
    tip = viz.tooltip_html(long, "district", [("a fact name of " + long, long), ("url", "https://example.org/" + long)],
                           [(long, "https://example.org/" + long)], chart=(long, [(long, 0.1, 0.2), ("x", 0.0, 0.1)]))
    g = viz.VizGraph("t", "overview", [{"id": "a", "label": long, "full": long, "kind": "district", "key": "07999",
                                        "tip": tip}], [])
    page = viz.write_page(viz.render_graph(viz.finish(g)), tmp_path / "long.html")
    assert browser.open(page)["ready"]
    browser.js("window.ikzViz.show('a'); window.ikzViz.search('07999')")
    assert browser.js("return document.querySelectorAll('#details .tt-bar').length") == 2
    assert browser.js(f"return ({OVERFLOWING})()") == []


def test_the_overflow_check_can_fail(browser, pages):
    """Control: a value that cannot wrap inside a table of the panel is found."""
    path, _ = pages["unit-07233"]
    assert browser.open(path)["ready"]
    assert browser.js(f"return ({OVERFLOWING})()") == []
    browser.js("""const t = document.createElement('table'); t.innerHTML = '<tr><td style="white-space:nowrap">'
        + 'x'.repeat(30) + ' ' + 'y'.repeat(30) + '</td></tr>'; document.getElementById('details').appendChild(t);""")
    assert "side" in browser.js(f"return ({OVERFLOWING})()")


def test_umlauts_legend_search_and_filters(browser, pages):
    path, g = pages["overview"]
    assert browser.open(path)["ready"]
    iri = "https://w3id.org/ikz-graph/id/unit/07340"
    assert browser.js("return window.ikzViz.nodes.get(arguments[0]).label", iri) == "Südwestpfalz"
    assert browser.js("return document.title") == g.title
    legend = browser.js("return document.getElementById('kinds').textContent")
    for kind in ("district", "city", "model project", "formal body", "institution or service", "ministry", "association"):
        assert kind in legend
    assert "contiguity" in browser.js("return document.getElementById('ties').textContent")
    assert browser.js("return document.querySelectorAll('#clusters .row').length") == len(g.clusters) + 1
    # search: a unit by name (case-insensitive, umlaut) and by key
    hits = browser.js("return window.ikzViz.search('südwest')")
    assert iri in hits
    assert browser.js("return window.ikzViz.search('07233')")[0] == "https://w3id.org/ikz-graph/id/unit/07233"
    browser.js("document.querySelector('#results li[data-id]').click()")
    assert browser.js("return window.ikzViz.network.getSelectedNodes()") == ["https://w3id.org/ikz-graph/id/unit/07233"]
    assert "Vulkaneifel" in browser.js("return document.getElementById('details').textContent")
    # filters: hide the districts, then the contiguity ties, and bring them back
    districts = sum(1 for n in g.nodes if n["kind"] == "district")
    contiguity = sum(1 for e in g.edges if e["tie"] == "contiguity")
    boxes = "document.querySelectorAll('#{} input[type=checkbox]')[{}].click()"
    kinds = browser.js("return window.ikzViz.data.kinds.map(k => k.name)")
    ties = browser.js("return window.ikzViz.data.ties.map(t => t.name)")
    browser.js(boxes.format("kinds", kinds.index("district")))
    assert browser.js("return window.ikzViz.nodeView.length") == len(g.nodes) - districts
    browser.js(boxes.format("ties", ties.index("contiguity")))
    assert browser.js("return window.ikzViz.edgeView.length") == len(g.edges) - contiguity
    browser.js(boxes.format("kinds", kinds.index("district")))
    browser.js(boxes.format("ties", ties.index("contiguity")))
    assert browser.js("return [window.ikzViz.nodeView.length, window.ikzViz.edgeView.length]") == [len(g.nodes), len(g.edges)]


def _hover(browser, node_id):
    """Move the real mouse onto a node and return the tooltip element's text and HTML."""
    from selenium.webdriver.common.action_chains import ActionChains

    x, y = browser.js("""const n = window.ikzViz.network; n.moveTo({scale: 1.2, position: n.getPositions([arguments[0]])[arguments[0]], animation: false});
        const p = n.canvasToDOM(n.getPositions([arguments[0]])[arguments[0]]); return [p.x, p.y];""", node_id)
    canvas = browser.driver.find_element("css selector", "#graph canvas")
    w, h = canvas.size["width"], canvas.size["height"]
    ActionChains(browser.driver).move_to_element_with_offset(canvas, int(x - w / 2), int(y - h / 2)).pause(0.2) \
        .move_by_offset(1, 1).perform()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        tip = browser.js("""const t = document.querySelector('div.vis-tooltip');
            return t && t.style.visibility !== 'hidden' ? [t.textContent, t.innerHTML] : null""")
        if tip:
            return tip
        time.sleep(0.1)
    raise AssertionError("no tooltip appeared")


def _click(browser, node_id):
    """Click a node with the real mouse (centred and zoomed in first); return the selected nodes."""
    from selenium.webdriver.common.action_chains import ActionChains

    x, y = browser.js("""const n = window.ikzViz.network; n.moveTo({scale: 1.5, position: n.getPositions([arguments[0]])[arguments[0]], animation: false});
        const p = n.canvasToDOM(n.getPositions([arguments[0]])[arguments[0]]); return [p.x, p.y];""", node_id)
    canvas = browser.driver.find_element("css selector", "#graph canvas")
    w, h = canvas.size["width"], canvas.size["height"]
    ActionChains(browser.driver).move_to_element_with_offset(canvas, int(x - w / 2), int(y - h / 2)).click().perform()
    return browser.js("return window.ikzViz.network.getSelectedNodes()")


def test_a_clicked_candidate_shows_its_factors_as_bars_that_fit_the_panel(browser, pages, kg):
    path, _ = pages["transfer-kfz-zulassung"]
    assert browser.open(path)["ready"]
    best = rank(kg, "kfz-zulassung").candidates[0]
    assert _click(browser, best.unit) == [best.unit]
    text = browser.js("return document.getElementById('details').textContent")
    assert best.label in text and f"Score {best.score:.3f}" in text and best.explanation in text
    lo, hi = best.score_range
    assert f"score {lo:.2f}–{hi:.2f}, rank {best.rank_range[0]}–{best.rank_range[1]}" in text
    assert f"{best.fixed:.2f} from what it is, {best.changeable:.2f} from what it does" in text
    assert all(f"if it {lv.action}" in text for lv in best.levers) and best.levers
    bars = browser.js("""return Array.from(document.querySelectorAll('#details .tt-bar')).map(b => {
        const w = s => b.querySelector(s).getBoundingClientRect().width;
        return [b.querySelector('.tt-bl').textContent, w('.tt-bt'), w('.tt-bm'), w('.tt-bf'), b.querySelector('.tt-bv').textContent]; })""")
    weights = load_config()["transfer"]["weights"]
    top = max(weights.values())
    assert [b[0] for b in bars] == [FACTOR_LABELS[f] for f in FACTORS]          # one bar per factor
    for (_, full, track, fill, value), f in zip(bars, FACTORS):
        assert full > 40 and track == pytest.approx(full * weights[f] / top, abs=1)
        assert fill == pytest.approx(track * best.values[f], abs=1)
        assert value == f"{best.contributions[f]:+.3f}"
    assert browser.js(f"return ({OVERFLOWING})()") == []
    assert browser.js("return [...document.querySelectorAll('#side table')].map(t => t.scrollWidth <= t.clientWidth)") \
        == [True]
    browser.screenshot(OUTPUT / "viz-transfer-panel.png")


def test_units_not_scored_are_drawn_grey_and_say_why(browser, pages, kg):
    path, g = pages["transfer-vorderpfalz"]
    assert browser.open(path)["ready"]
    t = rank(kg, "vorderpfalz")
    drawn = browser.js("""const v = window.ikzViz, pos = v.network.getPositions();
        return arguments[0].map(id => [id in pos, v.nodes.get(id).color.background, v.nodes.get(id).font.color,
                                       v.nodes.get(id).shapeProperties.borderDashes !== false]);""", list(t.not_scored))
    assert drawn == [[True, viz.NOT_SCORED_COLOUR, "#8a8a8a", True]] * len(t.not_scored)   # all outside RLP
    mannheim = UNIT + "08222"
    assert _click(browser, mannheim) == [mannheim]
    text = browser.js("return document.getElementById('details').textContent")
    assert "Mannheim" in text and "outside RLP" in text and "not scored" + t.not_scored[mannheim] in text
    tip_text, _ = _hover(browser, UNIT + "08226")                                 # Rhein-Neckar-Kreis
    assert "not scored" + t.not_scored[UNIT + "08226"] in tip_text
    legend = browser.js("return [document.getElementById('score').textContent, document.getElementById('kinds').textContent]")
    assert f"not scored: the reason is in its tooltip ({len(t.not_scored)})" in legend[0]
    assert f"outside Rhineland-Palatinate ({sum(1 for n in g.nodes if not n['rlp'])})" in legend[1]
    assert browser.js(f"return ({OVERFLOWING})()") == []
    browser.screenshot(OUTPUT / "viz-transfer-vorderpfalz-mannheim.png")


def test_search_finds_official_names_ids_and_keys_folded(browser, pages):
    path, g = pages["overview"]
    assert browser.open(path)["ready"]
    first = {"Landkreis Kusel": "07336", "Eifelkreis": "07232", "Durkheim": "07332", "07233": "07233",
             "DÜRKHEIM": "07332", "bad duerkheim": "07332", "bitburg prum": "07232", "  kusel ": "07336"}
    for query, key in first.items():
        assert browser.js("return window.ikzViz.search(arguments[0])[0]", query) == UNIT + key, query
    assert browser.js("return document.querySelector('#results li[data-id] .k').textContent") == "district 07336"
    browser.js("window.ikzViz.search('Eifelkreis')")
    assert browser.js("return document.querySelector('#results li[data-id]').textContent") \
        == "Bitburg-Prümdistrict 07232 · Eifelkreis Bitburg-Prüm"
    zv = browser.js("return window.ikzViz.search('Zweckverband')")
    assert {BODY + "art", BODY + "zv-vrt"} <= set(zv)
    assert browser.js("return document.querySelector('#results li[data-id=\"' + arguments[0] + '\"] .k').textContent",
                      BODY + "art") == "formal body · Zweckverband Abfallwirtschaft Region Trier"    # the official name
    names = {n["id"]: n["names"] for n in g.nodes}
    assert all(any("zweckverband" in f for name in names[i] for f in fold(name)) for i in zv)
    assert browser.js("return window.ikzViz.search('kfz-zulassung')")[0].endswith("/kfz-zulassung")     # an id
    assert browser.js("return window.ikzViz.search('zzzz')") == []
    # the page folds a query as ikz_graph.resolve.fold does
    assert browser.js("return arguments[0].map(t => window.ikzViz.fold(t).sort())", TRICKY) \
        == [sorted(fold(t)) for t in TRICKY]
    assert browser.js(f"return ({OVERFLOWING})()") == []


def test_tooltip_shows_facts_and_links_to_sources(browser, pages):
    path, _ = pages["unit-07233"]
    assert browser.open(path)["ready"]
    text, markup = _hover(browser, "https://w3id.org/ikz-graph/id/unit/07233")
    assert "Vulkaneifel" in text and "Daun" in text and "Sources:" in text and "PageRank" in text
    links = browser.js("return Array.from(document.querySelectorAll('div.vis-tooltip a')).map(a => a.href)")
    assert links and all(u.startswith(("https://", "http://")) for u in links)


def test_hostile_label_shows_as_text_and_runs_nothing(browser, cli, data_copy, tmp_path):
    units = data_copy / "units.yaml"
    text = units.read_text(encoding="utf-8")
    text = text.replace('    label: "Vulkaneifel"', f'    label: "{HOSTILE}"', 1)
    text = text.replace('    seat: "Daun"', '    seat: "</script><script>alert(3)</script>"', 1)
    units.write_text(text, encoding="utf-8")
    out = tmp_path / "hostile.html"
    r = cli("--data", data_copy, "viz", "--view", "unit", "07233", "--out", out)
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert HOSTILE not in page and "<script>alert(3)" not in page
    res = browser.open(out)
    assert res["ready"]
    assert outside(res["requests"], out) == []          # <img src=x> would have requested .../x
    assert _errors(res["console"]) == []
    assert browser.js("return window.__ikzDialogs") == []
    assert browser.js("return document.querySelectorAll('img').length") == 0
    iri = "https://w3id.org/ikz-graph/id/unit/07233"
    assert browser.js("return window.ikzViz.nodes.get(arguments[0]).label", iri) == HOSTILE
    assert browser.js("return window.ikzViz.search('onerror')") == [iri]
    assert browser.js("return document.querySelector('#results li[data-id]').firstChild.textContent") == HOSTILE
    tip_text, tip_html = _hover(browser, iri)
    assert HOSTILE in tip_text and "</script><script>alert(3)</script>" in tip_text
    assert "<img" not in tip_html
    browser.js("document.querySelector('#results li[data-id]').click()")
    assert HOSTILE in browser.js("return document.getElementById('details').textContent")
    assert browser.js("return document.querySelectorAll('img').length") == 0
    assert browser.js("return window.__ikzDialogs") == []
    browser.screenshot(OUTPUT / "viz-hostile.png")


def test_hostile_names_in_the_transfer_panel_and_the_search_show_as_text(browser, cli, data_copy, tmp_path):
    """A hostile candidate (its explanation, beside the bar chart), a hostile unit that is not scored
    (beside its reason) and a hostile official name (a search key) stay text."""
    cand, unscored, name = "<svg onload=alert(4)>", "<img src=y onerror=alert(5)>", "<b onmouseover=alert(6)>Eifel"
    units, neighbours = data_copy / "units.yaml", data_copy / "neighbours.yaml"
    text = units.read_text(encoding="utf-8")
    text = text.replace('    label: "Trier-Saarburg"', f'    label: "{cand}"', 1)
    text = text.replace('    name: "Eifelkreis Bitburg-Prüm"', f'    name: "{name}"', 1)
    units.write_text(text, encoding="utf-8")
    text = neighbours.read_text(encoding="utf-8")
    assert "    label: Mannheim\n" in text
    neighbours.write_text(text.replace("    label: Mannheim\n", f'    label: "{unscored}"\n', 1), encoding="utf-8")
    out = tmp_path / "hostile-transfer.html"
    r = cli("--data", data_copy, "viz", "--view", "transfer", "kfz-zulassung", "--out", out)
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert not any(h in page for h in (cand, unscored, name))
    res = browser.open(out)
    assert res["ready"] and outside(res["requests"], out) == [] and _errors(res["console"]) == []
    show = "window.ikzViz.show(arguments[0]); return document.getElementById('details').textContent"
    text = browser.js(show, UNIT + "07235")
    assert cand in text and f"{cand} scores" in text and "Score " in text
    assert browser.js("return document.querySelectorAll('#details .tt-bar').length") == len(FACTORS)
    text = browser.js(show, UNIT + "08222")
    assert unscored in text and "not scoredpopulation and area unknown" in text
    assert browser.js("return window.ikzViz.search('onerror')") == [UNIT + "08222"]
    assert browser.js("return window.ikzViz.search('b onmouseover')") == [UNIT + "07232"]
    assert browser.js("return document.querySelector('#results li[data-id] .k').textContent").endswith(" · " + name)
    browser.js("document.querySelector('#results li[data-id]').click()")
    assert browser.js("return document.querySelectorAll('img, svg[onload], b, [onerror], [onmouseover]').length") == 0
    assert browser.js("return window.__ikzDialogs") == []


def test_the_checks_can_fail(browser, tmp_path):
    """Controls: a page that loads from outside, logs an error and opens a dialog is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><meta charset="utf-8"><link rel="stylesheet" href="https://cdn.example.org/x.css">'
                   '<script>console.error("boom"); alert(1); window.ikzViz = {ready: true};</script>', encoding="utf-8")
    res = browser.open(bad)
    assert outside(res["requests"], bad) == ["https://cdn.example.org/x.css"]
    assert any("boom" in c["message"] for c in _errors(res["console"]))
    assert browser.js("return window.__ikzDialogs") == ["alert:1"]


def test_pyvis_in_line_mode_is_not_offline(browser, tmp_path):
    """Why the project has its own template: pyvis's in_line page still fetches Bootstrap from a CDN."""
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    net.add_node(1, label="a")
    page = tmp_path / "pyvis.html"
    page.write_text(net.generate_html().replace("</body>", "<script>window.ikzViz={ready:true}</script></body>"),
                    encoding="utf-8")
    res = browser.open(page)
    assert any("bootstrap" in u for u in outside(res["requests"], page))
