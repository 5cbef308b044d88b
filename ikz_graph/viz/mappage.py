"""The map as SVG and as a self-contained HTML page: areas, legend, scale and the source attribution.

The SVG is written here, in Python, with every text from the data escaped: the map (a nested
``<svg>`` whose view box the page moves when zooming), the legend with its colour scale, and the
attribution the licences of the boundaries and figures require. The same SVG is the body of the
HTML page (:func:`render_map`) and, with the current zoom, what the page's export buttons save;
:func:`map_svg` gives it as a file of its own (``ikz-graph viz --view map --format svg``).
Nothing in either refers to anything outside the file.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .geo import LEVELS
from .page import _json_for_script, fold_table, search_keys

__all__ = ["MapGraph", "map_svg", "render_map", "LEGEND_WIDTH"]

#: The map's width in SVG units; its height follows the shape of the drawn units.
MAP_WIDTH = 1000.0
LEGEND_WIDTH = 430.0
_FOOT = 52.0
_FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"

#: The styles inside the SVG (kept by the export; no external font or image).
_STYLE = (f"text{{font-family:{_FONT};fill:#222}}.area{{stroke:#ffffff;stroke-width:.6;stroke-linejoin:round;"
          "vector-effect:non-scaling-stroke}.area.out{stroke:#111111;stroke-width:2.2}"
          ".area.hot{stroke:#1a5fb4;stroke-width:2.6}.area.sel{stroke:#000000;stroke-width:3.2}"
          ".lg{font-size:19px}.lgt{font-size:23px;font-weight:bold}.lgs{font-size:16px;fill:#555}"
          ".attr{font-size:14px;fill:#444}")


@dataclass
class MapGraph:
    """The units of one map with their paths and looks, the legend and the scale."""

    title: str
    level: str
    mode: str                             # cluster, project, unit or transfer
    width: float
    height: float
    view_box: tuple[float, float, float, float]
    areas: list[dict[str, Any]]           # id, key, label, kind, d, fill, outline, tip, full, names
    legend: list[dict[str, Any]]          # {"fill", "label", "outline"?, "count"?}
    scale: dict[str, Any] | None = None   # {"colours", "min", "max", "label"}
    notes: list[str] = field(default_factory=list)
    as_of: str | None = None
    attribution: str = ""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _short(text: str, n: int = 44) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _legend_svg(m: MapGraph, x0: float) -> list[str]:
    out = [f'<g id="legend" transform="translate({x0:.0f} 16)">']
    y = 0.0
    for line in _wrap(m.title, 30):
        y += 28
        out.append(f'<text class="lgt" x="0" y="{y:.0f}">{_e(line)}</text>')
    sub = [LEVELS.get(m.level, m.level)] + ([f"as of {m.as_of}"] if m.as_of else [])
    for line in _wrap(" · ".join(sub), 44):
        y += 22
        out.append(f'<text class="lgs" x="0" y="{y:.0f}">{_e(line)}</text>')
    y += 14
    if m.scale:
        s = m.scale
        y += 8
        stops = "".join(f'<stop offset="{i / max(1, len(s["colours"]) - 1):.3f}" stop-color="{_e(c)}"/>'
                        for i, c in enumerate(s["colours"]))
        out.append(f'<defs><linearGradient id="scale-grad">{stops}</linearGradient></defs>')
        out.append(f'<text class="lg" x="0" y="{y + 14:.0f}">{_e(s["label"])}</text>')
        y += 24
        out.append(f'<rect id="scale-bar" x="0" y="{y:.0f}" width="340" height="20" fill="url(#scale-grad)" '
                   'stroke="#888888" stroke-width=".8"/>')
        y += 40
        out.append(f'<text class="lgs" x="0" y="{y:.0f}">{_e(s["min"])}</text>'
                   f'<text class="lgs" x="340" y="{y:.0f}" text-anchor="end">{_e(s["max"])}</text>')
        y += 10
    for item in m.legend:
        if item.get("note"):
            for line in _wrap(item["label"], 44):
                y += 22
                out.append(f'<text class="lgs" x="0" y="{y:.0f}">{_e(line)}</text>')
            continue
        y += 32
        stroke = 'stroke="#111111" stroke-width="2.6"' if item.get("outline") else 'stroke="#999999" stroke-width=".8"'
        out.append(f'<rect x="0" y="{y - 17:.0f}" width="26" height="20" fill="{_e(item["fill"])}" {stroke}/>')
        count = f' ({item["count"]})' if "count" in item else ""
        out.append(f'<text class="lg" x="36" y="{y:.0f}"><title>{_e(item["label"])}</title>'
                   f'{_e(_short(item["label"], 34) + count)}</text>')
    out.append("</g>")
    return out


def _wrap(text: str, n: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > n:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    return lines + ([cur] if cur else [])


def map_svg(m: MapGraph, standalone: bool = True) -> str:
    """The map, its legend and the attribution as one SVG document (``standalone``: with the XML
    declaration, for a file of its own)."""
    w, h = m.width + LEGEND_WIDTH, max(m.height, 420.0) + _FOOT
    vb = " ".join(f"{v:.1f}".rstrip("0").rstrip(".") for v in m.view_box)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else "",
           f'<svg xmlns="http://www.w3.org/2000/svg" id="ikz-map" viewBox="0 0 {w:.0f} {h:.0f}" '
           f'width="{w:.0f}" height="{h:.0f}" role="img" aria-label="{_e(m.title)}">',
           f"<title>{_e(m.title)}</title><style>{_STYLE}</style>",
           '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><rect width="6" height="6" fill="#e4e4e4"/>'
           '<line x1="0" y1="0" x2="0" y2="6" stroke="#a0a0a0" stroke-width="2"/></pattern></defs>',
           f'<rect x="0" y="0" width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>',
           f'<svg id="frame" x="0" y="0" width="{m.width:.0f}" height="{m.height:.0f}" viewBox="{vb}">',
           '<g id="areas">']
    # outlined areas last, so that their outlines are drawn over their neighbours' borders
    for i, a in sorted(enumerate(m.areas), key=lambda ia: (bool(ia[1].get("outline")), ia[0])):
        cls = "area out" if a.get("outline") else "area"
        out.append(f'<path class="{cls}" data-i="{i}" fill="{_e(a["fill"])}" d="{a["d"]}"/>')
    out.append("</g></svg>")
    out += _legend_svg(m, m.width + 20)
    y = max(m.height, 420.0) + 20
    for line in _wrap(m.attribution, 120)[:2]:
        out.append(f'<text class="attr" x="12" y="{y:.0f}">{_e(line)}</text>')
        y += 17
    out.append("</svg>\n")
    return "".join(out)


def render_map(m: MapGraph) -> str:
    """The self-contained HTML page of a map: the SVG inline, the areas' details and the page's script."""
    import jinja2

    areas = [{"id": a["id"], "key": a["key"], "full": a["label"], "kind": a["kind"], "tip": a["tip"],
              "details": a["full"], "search": search_keys(a["names"])} for a in m.areas]
    payload = {"title": m.title, "level": m.level, "mode": m.mode, "asOf": m.as_of, "notes": m.notes,
               "areas": areas, "viewBox": list(m.view_box),
               "fold": fold_table(k[0] for a in areas for k in a["search"])}
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = env.from_string((Path(__file__).with_name("map.html")).read_text(encoding="utf-8"))
    Markup = jinja2.utils.markupsafe.Markup
    return template.render(title=m.title, svg=Markup(map_svg(m, standalone=False)),
                           data=Markup(_json_for_script(payload)))
