"""The maps and the geographic network views in a real headless Chromium with all network blocked.

Each map makes no request outside its file, logs no console error and draws exactly one area per
unit of the view; every area's details fit the panel (nothing scrolls sideways), a candidate's
factors are a bar chart there, the search finds official and short names folded, the SVG and PNG
exports carry the legend and the attribution, and hostile data stays text. The network views keep
every position when an unrelated record is added. Screenshots go to tests/output/.
"""
from __future__ import annotations

import base64

import pytest

import ikz_graph
from ikz_graph import viz
from ikz_graph.config import FACTORS

from .browser import outside
from .conftest import ROOT
from .test_viz_browser import OVERFLOWING

OUTPUT = ROOT / "tests" / "output"
UNIT = "https://w3id.org/ikz-graph/id/unit/"
HOSTILE = "<img src=x onerror=alert(1)>"
MAPS = {
    "map-kreis-clusters": ("kreis", None),
    "map-vg-transfer-kfz-zulassung": ("gemeindeverband", ("transfer", "kfz-zulassung")),
    "map-vg-project-emh": ("gemeindeverband", ("project", "emh")),
    "map-kreis-unit-07233": ("kreis", ("unit", "07233")),
    "map-kreis-transfer-vorderpfalz": ("kreis", ("transfer", "vorderpfalz")),
}


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    kg = ikz_graph.load(base="de")
    out = tmp_path_factory.mktemp("maps")
    made = {}
    for name, (level, of) in MAPS.items():
        path, m = viz.write_map(kg, out / f"{name}.html", level, of)
        made[name] = (path, m)
    return made


def _errors(console):
    return [c for c in console if c.get("level") == "SEVERE"]


@pytest.mark.parametrize("name", list(MAPS))
def test_map_is_offline_complete_and_clean(browser, maps, name):
    path, m = maps[name]
    res = browser.open(path)
    assert res["ready"] and res["requests"]
    assert outside(res["requests"], path) == []
    assert _errors(res["console"]) == []
    assert browser.js("return document.querySelectorAll('#areas path.area').length") == len(m.areas)
    assert browser.js("return [...document.querySelectorAll('#areas path.area')].filter(p => p.getBBox().width > 0).length") \
        == len(m.areas)
    assert browser.js("return window.__ikzDialogs") == []
    browser.screenshot(OUTPUT / f"viz-{name}.png")


def test_every_area_of_a_transfer_map_fits_the_panel_and_charts_its_factors(browser, maps):
    path, m = maps["map-vg-transfer-kfz-zulassung"]
    assert browser.open(path)["ready"]
    wide = browser.js("""const v = window.ikzViz, check = %s, wide = [];
        for (let i = 0; i < v.data.areas.length; i++) { v.show(i); const w = check(); if (w.length) { wide.push([i, w]); } }
        return wide;""" % OVERFLOWING)
    assert wide == []
    t = ikz_graph.transfer(ikz_graph.load(base="de"), "kfz-zulassung")
    best = t.candidates[0]
    i = next(k for k, a in enumerate(m.areas) if a["fill"] != viz.styles.MAP_BLANK and best.label in a["full"]
             and "value of its district" in a["full"])
    browser.js("window.ikzViz.select(arguments[0])", i)
    assert browser.js("return document.querySelectorAll('#details .tt-bar').length") == len(FACTORS)
    text = browser.js("return document.getElementById('details').textContent")
    assert f"Score {best.score:.3f}" in text and "Sources:" in text
    sw = browser.js("return [...document.querySelectorAll('#side, #details table')].map(e => [e.scrollWidth, e.clientWidth])")
    assert all(s <= c for s, c in sw)
    browser.screenshot(OUTPUT / "viz-map-transfer-panel.png")


def test_a_candidate_not_scored_is_drawn_and_says_why(browser, tmp_path):
    """Without the figures of the units outside RLP (--base rlp), Mannheim, Heidelberg and the
    Rhein-Neckar-Kreis cannot be scored for the Vorderpfalz: they are hatched and give the reason."""
    kg = ikz_graph.load(base="rlp")
    t = ikz_graph.transfer(kg, "vorderpfalz")
    path, m = viz.write_map(kg, tmp_path / "vp.html", "kreis", ("transfer", "vorderpfalz"))
    assert len(m.areas) == 36                                   # the Kreise of one Land
    assert browser.open(path)["ready"]
    # outside the Land no boundary is drawn, but the panel's note names every unit that is not scored
    notes = browser.js("return document.getElementById('notes').textContent")
    legend = browser.js("return document.getElementById('legend').textContent")     # in the exports, too
    assert "".join("Not on the map and not scored (population and area unknown)".split()) in "".join(legend.split())
    for key in ("08222", "08221", "08226"):
        assert UNIT + key in t.not_scored
        assert t.data.label(UNIT + key) in notes and f"({t.not_scored[UNIT + key]}: " in notes
        assert "".join(t.data.label(UNIT + key).split()) in "".join(legend.split())
    browser.screenshot(OUTPUT / "viz-map-rlp-vorderpfalz.png")


def test_search_finds_official_and_short_names_folded(browser, maps):
    path, _ = maps["map-kreis-clusters"]
    assert browser.open(path)["ready"]
    first = {"Landkreis Kusel": "07336", "Eifelkreis": "07232", "Durkheim": "07332", "DÜRKHEIM": "07332",
             "bad duerkheim": "07332", "07233": "07233", "  kusel ": "07336", "Mannheim": "08222"}
    for query, key in first.items():
        assert browser.js("return window.ikzViz.search(arguments[0])[0]", query) == UNIT + key, query
    assert browser.js("return window.ikzViz.search('zzzz')") == []
    assert browser.js("return window.ikzViz.search('Vulkaneifel')")[0] == UNIT + "07233"
    browser.js("document.querySelector('#results li[data-id]').click()")
    assert "Vulkaneifel" in browser.js("return document.getElementById('details').textContent")
    assert browser.js("return document.querySelectorAll('#areas path.sel').length") == 1


def test_a_verbandsgemeinde_is_found_by_its_own_name_and_by_its_district(browser, maps):
    path, m = maps["map-vg-project-emh"]
    assert browser.open(path)["ready"]
    in_vulkaneifel = {a["id"] for a in m.areas if "Vulkaneifel" in a["full"] and a["id"].startswith(UNIT + "07233")}
    hits = browser.js("return window.ikzViz.search('Landkreis Vulkaneifel')")
    assert in_vulkaneifel and set(hits) == in_vulkaneifel
    daun = browser.js("return window.ikzViz.search('daun')")
    assert next(a["label"] for a in m.areas if a["id"] == daun[0]).startswith("Daun")


def test_hovering_an_area_shows_its_key_facts(browser, maps):
    from selenium.webdriver.common.action_chains import ActionChains

    path, m = maps["map-kreis-unit-07233"]
    assert browser.open(path)["ready"]
    i = next(k for k, a in enumerate(m.areas) if a["key"] == "07232")                 # Bitburg-Prüm
    area = browser.driver.find_element("css selector", f'#areas path[data-i="{i}"]')
    ActionChains(browser.driver).move_to_element(area).pause(0.2).move_by_offset(1, 1).perform()
    tip = browser.js("const t = document.getElementById('tip'); return [t.style.display, t.textContent]")
    assert tip[0] == "block" and "Bitburg-Prüm" in tip[1] and "shares" in tip[1] and "07232" in tip[1]
    assert "population" in tip[1]


def test_svg_and_png_exports_have_the_legend_and_the_attribution(browser, maps):
    path, m = maps["map-vg-transfer-kfz-zulassung"]
    assert browser.open(path)["ready"]
    browser.js("document.getElementById('zoom-in').click()")
    svg = browser.js("return window.ikzViz.exportSvg()")
    frame = browser.js("return document.getElementById('frame').getAttribute('viewBox')")
    assert frame != " ".join(str(round(v, 1)).removesuffix(".0") for v in m.view_box)   # zoomed in
    assert f'viewBox="{frame}"' in svg                                                  # as shown
    assert svg.startswith("<?xml") and 'id="legend"' in svg and "transferability score" in svg
    assert "© GeoBasis-DE / BKG 2021 (Daten verändert)" in svg and svg.count('class="area') == len(m.areas)
    assert 'class="area hot"' not in svg and "sel" not in svg.split('id="areas"')[1].split("</g>")[0]
    (OUTPUT / "viz-map-export.svg").parent.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "viz-map-export.svg").write_text(svg, encoding="utf-8")
    url = browser.driver.execute_async_script("window.ikzViz.exportPng(2).then(arguments[0], e => arguments[0](String(e)))")
    assert url.startswith("data:image/png;base64,"), url
    png = base64.b64decode(url.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    w, h = browser.js("const s = document.getElementById('ikz-map'); return [+s.getAttribute('width'), +s.getAttribute('height')]")
    assert (width, height) == (2 * w, 2 * h)
    (OUTPUT / "viz-map-export.png").write_bytes(png)
    # the legend is in the picture: the participants' swatch has its colour at its place in the PNG
    rgb = browser.driver.execute_async_script("""const done = arguments[arguments.length - 1], img = new Image();
        const r = [...document.querySelectorAll('#legend rect')].find(e => e.getAttribute('fill') === arguments[1]);
        const b = r.getBBox(), m = document.getElementById('legend').transform.baseVal.consolidate().matrix, x = (m.e + b.x + b.width / 2) * 2, y = (m.f + b.y + b.height / 2) * 2;
        img.onload = () => { const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
            const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0); done(Array.from(ctx.getImageData(x, y, 1, 1).data).slice(0, 3)); };
        img.src = arguments[0];""", url, viz.PARTICIPANT_COLOUR)
    want = [int(viz.PARTICIPANT_COLOUR[i:i + 2], 16) for i in (1, 3, 5)]
    assert all(abs(a - b) <= 3 for a, b in zip(rgb, want)), rgb


def test_hostile_names_on_the_map_show_as_text(browser, cli, data_copy, tmp_path):
    units = data_copy / "units.yaml"
    text = units.read_text(encoding="utf-8").replace('    label: "Vulkaneifel"', f'    label: "{HOSTILE}"', 1)
    units.write_text(text, encoding="utf-8")
    out = tmp_path / "hostile-map.html"
    r = cli("--data", data_copy, "--base", "rlp", "viz", "--view", "map", "--of", "unit", "07233", "--out", out)
    assert r.exit_code == 0, r.output
    res = browser.open(out)
    assert res["ready"] and outside(res["requests"], out) == [] and _errors(res["console"]) == []
    hits = browser.js("return window.ikzViz.search('onerror')")
    assert hits and hits[0] == UNIT + "07233"
    browser.js("document.querySelector('#results li[data-id]').click()")
    assert HOSTILE in browser.js("return document.getElementById('details').textContent")
    assert HOSTILE in browser.js("return document.getElementById('legend').textContent")
    assert browser.js("return document.querySelectorAll('img, [onerror]').length") == 0
    assert browser.js("return window.__ikzDialogs") == []


def test_network_positions_stay_when_an_unrelated_record_is_added(browser, data_copy, tmp_path):
    """A new Zweckverband of two districts moves none of the nodes that were there before."""
    before = viz.write_page(viz.render(ikz_graph.load(data_copy, base="rlp"), "overview"), tmp_path / "before.html")
    bodies = data_copy / "bodies.yaml"
    text = bodies.read_text(encoding="utf-8")
    text = text.replace("memberships:\n", "  - id: zv-test-neu\n    type: zweckverband\n    name: Zweckverband Testregion\n"
                        "    legal_form: zweckverband\n    sources: [vrt-organisationsstruktur]\nmemberships:\n"
                        '  - {member: "07340", organisation: zv-test-neu, sources: [vrt-organisationsstruktur]}\n'
                        '  - {member: "07320", organisation: zv-test-neu, sources: [vrt-organisationsstruktur]}\n', 1)
    bodies.write_text(text, encoding="utf-8")
    after = viz.write_page(viz.render(ikz_graph.load(data_copy, base="rlp"), "overview"), tmp_path / "after.html")
    pos = []
    for page in (before, after):
        assert browser.open(page)["ready"]
        pos.append(browser.js("return window.ikzViz.network.getPositions()"))
    new = set(pos[1]) - set(pos[0])
    assert new == {"https://w3id.org/ikz-graph/id/org/zv-test-neu"}
    assert {k: pos[1][k] for k in pos[0]} == pos[0]
    browser.screenshot(OUTPUT / "viz-overview-geographic.png")
