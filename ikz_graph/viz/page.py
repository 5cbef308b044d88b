"""The self-contained HTML page of a view: vis-network (the copy bundled with pyvis), its CSS, the
page's script and all data inline; no request leaves the file.

Every text that comes from the data is HTML-escaped in Python before it becomes part of a tooltip
(:func:`tooltip_html`, also its bar chart), the page sets labels and search results with
``textContent`` only, and the embedded JSON escapes ``<``, ``>`` and ``&`` so that no data can end
the ``<script>`` block.

The search matches the folded names of the nodes (:func:`ikz_graph.resolve.fold`, computed here
for every name and id of a node) against the folded query; the page folds the query with a table
made from :func:`ikz_graph.resolve.fold_char` (:func:`fold_table`), so that both follow one rule.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..errors import VizError
from ..resolve import fold, fold_char
from .layout import VizGraph
from .styles import KINDS, TIES

__all__ = ["tooltip_html", "chart_html", "vis_library", "render_graph", "write_page", "search_keys", "fold_table",
           "Chart", "PHYSICS_LIMIT"]

#: Above this many nodes the page starts with physics off (precomputed layout only).
PHYSICS_LIMIT = 400

#: A bar chart in a tooltip: its caption and, per bar, its label, its value and the most it can be.
Chart = tuple[str, Sequence[tuple[str, float, float]]]

#: The characters the page's fold table covers (Latin, Greek, Cyrillic, punctuation, letter-like
#: symbols, ligatures, full-width forms); any other character of a query is taken as it is.
FOLD_RANGES = ((0x0000, 0x0530), (0x1E00, 0x2150), (0x3000, 0x3040), (0xFB00, 0xFB50), (0xFF00, 0xFF66))


def tooltip_html(title: str, kind: str, facts: Iterable[tuple[str, str]] = (),
                 sources: Iterable[tuple[str, str]] = (), tasks: Iterable[str] = (), chart: Chart | None = None) -> str:
    """A tooltip as HTML in which every text from the data is escaped and only http(s) links remain;
    ``chart`` adds a bar chart under the kind (:func:`chart_html`).

    >>> tooltip_html('<img src=x onerror=alert(1)>', 'district', [('seat', 'Daun')],
    ...              [('Quelle & mehr', 'https://example.org/?a=1&b="2"'), ('x', 'javascript:alert(1)')])
    '<div class="tt"><div class="tt-title">&lt;img src=x onerror=alert(1)&gt;</div><div class="tt-kind">district</div><table><tr><th>seat</th><td>Daun</td></tr></table><div class="tt-src">Sources:<ol><li><a href="https://example.org/?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener noreferrer">Quelle &amp; mehr</a></li><li>x</li></ol></div></div>'
    """
    esc = html.escape
    out = [f'<div class="tt"><div class="tt-title">{esc(title)}</div><div class="tt-kind">{esc(kind)}</div>']
    if chart is not None:
        out.append(chart_html(*chart))
    rows = [(k, v) for k, v in facts]
    tasks = list(tasks)
    if tasks:
        rows.append(("task fields", ", ".join(tasks)))
    if rows:
        out.append("<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
                   + "</table>")
    sources = list(sources)
    if sources:
        items = []
        for t, url in sources:
            if url and re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
                items.append(f'<li><a href="{esc(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
                             f"{esc(t)}</a></li>")
            else:
                items.append(f"<li>{esc(t)}</li>")
        out.append('<div class="tt-src">Sources:<ol>' + "".join(items) + "</ol></div>")
    out.append("</div>")
    return "".join(out)


def chart_html(caption: str, bars: Sequence[tuple[str, float, float]]) -> str:
    """A small bar chart in HTML and CSS: per bar its label, a grey track as long as the most it can
    be and a fill as long as its value (every bar on one scale), and the value; texts escaped.

    >>> chart_html('Score <b>', [('population', 0.1, 0.2), ('type', 0.0, 0.1)])
    '<div class="tt-chart"><div class="tt-cap">Score &lt;b&gt;</div><div class="tt-bar"><span class="tt-bl">population</span><span class="tt-bt"><span class="tt-bm" style="width:100.0%"><span class="tt-bf" style="width:50.0%"></span></span></span><span class="tt-bv">+0.100</span></div><div class="tt-bar"><span class="tt-bl">type</span><span class="tt-bt"><span class="tt-bm" style="width:50.0%"><span class="tt-bf" style="width:0.0%"></span></span></span><span class="tt-bv">+0.000</span></div></div>'
    """
    esc = html.escape
    top = max((most for _, _, most in bars), default=0.0)
    rows = []
    for label, value, most in bars:
        track = 100 * min(1.0, max(0.0, most / top)) if top > 0 else 0.0
        fill = 100 * min(1.0, max(0.0, value / most)) if most > 0 else 0.0
        rows.append(f'<div class="tt-bar"><span class="tt-bl">{esc(label)}</span><span class="tt-bt">'
                    f'<span class="tt-bm" style="width:{track:.1f}%"><span class="tt-bf" style="width:{fill:.1f}%">'
                    f'</span></span></span><span class="tt-bv">{value:+.3f}</span></div>')
    return f'<div class="tt-chart"><div class="tt-cap">{esc(caption)}</div>' + "".join(rows) + "</div>"


def search_keys(names: Iterable[str]) -> list[list[str]]:
    """What the page's search looks at: per name (as written) its folded forms (:func:`ikz_graph.resolve.fold`).

    >>> search_keys(["Bad Dürkheim", "07332", "Bad Dürkheim", ""])
    [['Bad Dürkheim', 'bad duerkheim', 'bad durkheim'], ['07332', '07332']]
    """
    out, seen = [], set()
    for name in names:
        if name and name not in seen:
            seen.add(name)
            out.append([name, *sorted(fold(name))])
    return out


def fold_table(extra: Iterable[str] = ()) -> dict[str, str | list[str]]:
    """The page's table for folding a query: every character of :data:`FOLD_RANGES` and of ``extra``
    that :func:`ikz_graph.resolve.fold_char` changes, with its one form or its two.

    >>> t = fold_table()
    >>> t["Ü"], t["ß"], t["-"], "a" in t
    (['u', 'ue'], 'ss', ' ', False)
    """
    chars = {chr(i) for a, b in FOLD_RANGES for i in range(a, b)} | {c for text in extra for c in text}
    table: dict[str, str | list[str]] = {}
    for c in sorted(chars):
        one, two = fold_char(c)
        if (one, two) != (c, c):
            table[c] = one if one == two else [one, two]
    return table


def vis_library() -> tuple[str, str]:
    """vis-network's JavaScript and CSS from the copy bundled with pyvis (no network needed)."""
    import importlib.util

    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise VizError("pyvis is not installed (pip install pyvis)")
    libs = sorted((Path(list(spec.submodule_search_locations)[0]) / "templates" / "lib").glob("vis-*/vis-network.min.js"))
    if not libs:
        raise VizError("pyvis has no bundled vis-network")
    js = libs[-1].read_text(encoding="utf-8")
    css = libs[-1].with_name("vis-network.css").read_text(encoding="utf-8")
    if re.search(r"</script", js, re.IGNORECASE) or re.search(r"</style", css, re.IGNORECASE):
        raise VizError("the bundled vis-network cannot be inlined safely")
    return js, css


def _json_for_script(obj: Any) -> str:
    """JSON that can sit inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left."""
    s = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _options(g: VizGraph) -> dict[str, Any]:
    physics = len(g.nodes) <= PHYSICS_LIMIT and not g.geographic   # geographic positions stay where they are
    return {
        "autoResize": True,
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": len(g.edges) > 2000,
                        "navigationButtons": False, "keyboard": False},
        "layout": {"randomSeed": 7, "improvedLayout": False},
        "nodes": {"font": {"size": 13, "face": "DejaVu Sans, Arial, sans-serif", "strokeWidth": 3,
                           "strokeColor": "#ffffff"},
                  "borderWidth": 1.5},
        "edges": {"smooth": False, "selectionWidth": 2, "hoverWidth": 1.5},
        "physics": {"enabled": physics, "solver": "barnesHut",
                    "barnesHut": {"gravitationalConstant": -6000, "springLength": 110, "springConstant": 0.02,
                                  "avoidOverlap": 0.3, "damping": 0.5},
                    "stabilization": {"enabled": physics, "iterations": 150, "updateInterval": 50, "fit": True}},
    }


def render_graph(g: VizGraph) -> str:
    """The self-contained HTML page of a :class:`VizGraph` (built through a pyvis ``Network``)."""
    import jinja2
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=False, cdn_resources="local", heading=g.title)
    # pyvis's add_node/add_edge rescan every edge on each insert; its lists are filled directly
    net.nodes = [_vis_node(n) for n in g.nodes]
    net.edges = [_vis_edge(i, e) for i, e in enumerate(g.edges)]
    net.options = _options(g)
    nodes, edges, heading, _h, _w, options = net.get_network_data()
    js, css = vis_library()
    kinds_used = [k for k in KINDS if any(n["kind"] == k for n in nodes)]
    ties_used = [t for t in TIES if any(e["tie"] == t for e in edges)]
    payload = {
        "title": heading, "view": g.view, "asOf": g.as_of, "sizedBy": g.sized_by, "notes": g.notes,
        "nodes": nodes, "edges": edges, "options": json.loads(options), "clusters": g.clusters,
        "kinds": [{"name": k, **KINDS[k]} for k in kinds_used],
        "ties": [{"name": t, **TIES[t]} for t in ties_used], "scoreLegend": g.score_legend,
        "fold": fold_table(key[0] for n in nodes for key in n["search"]),
    }
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string((Path(__file__).with_name("template.html")).read_text(encoding="utf-8"))
    return template.render(title=g.title, vis_js=jinja2.utils.markupsafe.Markup(js),
                           vis_css=jinja2.utils.markupsafe.Markup(css),
                           data=jinja2.utils.markupsafe.Markup(_json_for_script(payload)))


def _vis_node(n: dict[str, Any]) -> dict[str, Any]:
    k = KINDS[n["kind"]]
    out = {"id": n["id"], "label": n["label"], "full": n["full"], "kind": n["kind"], "key": n.get("key", ""),
           "tip": n["tip"], "shape": k["shape"], "size": n["size"], "x": n["x"], "y": n["y"],
           "color": n.get("color") or k["color"], "centrality": n.get("centrality", 0),
           "search": search_keys(n.get("names") or [n["full"], n.get("key", "")])}
    if "cluster" in n:
        out["cluster"] = n["cluster"]
    if not n.get("rlp", True):
        out["outside"] = True
    for flag in ("focus", "muted"):   # the focus of a view; a unit the ranking cannot score
        if n.get(flag):
            out[flag] = True
    return out


def _vis_edge(i: int, e: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"e{i}", "from": e["from"], "to": e["to"], "tie": e["tie"], "tip": e["tip"]}


def write_page(page: str, path: str | Path) -> Path:
    """Write a page atomically (:func:`ikz_graph.atomic.write_file`): all or nothing."""
    from ..atomic import write_file

    return write_file(path, page.encode("utf-8"))
