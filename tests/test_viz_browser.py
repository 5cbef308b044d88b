"""The HTML views in a real headless Chromium (Debian's chromium + chromium-driver) with all network blocked.

Each view must make no request outside its own file, log no console error, render exactly the
nodes of the graph it was built from, and show hostile data as text. A screenshot of every view
is written to tests/output/ (look at them after a change). If Chromium cannot start, these tests
fail; they are never skipped.
"""
from __future__ import annotations

import time

import pytest

from ikz_graph import viz

from .browser import Browser, BrowserMissing, outside
from .conftest import ROOT

OUTPUT = ROOT / "tests" / "output"
VIEWS = {
    "overview": ("overview", None, None),
    "project-emh": ("project", "emh", None),
    "unit-07233": ("unit", "07233", None),
    "transfer-kfz-zulassung": ("transfer", "kfz-zulassung", None),
    "overview-2022": ("overview", None, "2022-01-01"),
}
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def browser():
    try:
        b = Browser()
    except BrowserMissing as e:
        pytest.fail(f"Chromium is needed for the browser tests: {e}")
    yield b
    b.close()


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
