"""Preview page of a style: MapLibre GL JS, served by GeoHub from web/node_modules, showing one style."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

from geohub.settings import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"
ASSET_MEDIA_TYPES = {".mjs": "text/javascript", ".css": "text/css", ".map": "application/json"}
_ASSET = re.compile(r"^maplibre-gl/dist/maplibre-gl(-worker)?\.(mjs|css)(\.map)?$")
ALMATY_CENTER = (76.95, 43.25)
ALMATY_ZOOM = 12

_TEXT = {
    "kk": {
        "heading": "Карта стилі: {title}",
        "map": "Карта: {title}",
        "help": "Картаны бағыт пернелерімен жылжытыңыз; масштабты + және − пернелерімен өзгертіңіз.",
        "zoom_in": "Үлкейту",
        "zoom_out": "Кішірейту",
        "north": "Солтүстікке бұру",
    },
    "ru": {
        "heading": "Стиль карты: {title}",
        "map": "Карта: {title}",
        "help": "Перемещайте карту клавишами со стрелками, масштаб — клавишами + и −.",
        "zoom_in": "Приблизить",
        "zoom_out": "Отдалить",
        "north": "Повернуть на север",
    },
    "en": {
        "heading": "Map style: {title}",
        "map": "Map: {title}",
        "help": "Pan the map with the arrow keys; zoom with + and −.",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "north": "Reset bearing to north",
    },
}

_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — GeoHub Almaty</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}/maplibre-gl.css">
<style>
  html, body {{ height: 100%; margin: 0; }}
  body {{ display: grid; grid-template-rows: auto 1fr; font-family: system-ui, sans-serif; }}
  header {{ padding: 0.5rem 1rem; background: #1f2937; color: #ffffff; }}
  h1 {{ margin: 0; font-size: 1.25rem; }}
  header p {{ margin: 0.25rem 0 0; font-size: 0.9rem; }}
  main, #map {{ min-height: 0; height: 100%; }}
  .maplibregl-canvas:focus-visible {{ outline: 3px solid #f59e0b; outline-offset: -3px; }}
</style>
</head>
<body>
<header>
<h1>{heading}</h1>
<p id="map-help">{help}</p>
</header>
<main>
<div id="map" role="region" aria-label="{map_label}" aria-describedby="map-help" data-state="loading"></div>
</main>
<script type="module">
import {{ Map, NavigationControl }} from {module_url};
const container = document.getElementById("map");
const map = new Map({{
  container,
  style: {style_url},
  center: {center},
  zoom: {zoom},
  locale: {locale},
}});
map.addControl(new NavigationControl());
map.on("idle", () => {{ container.dataset.state = "idle"; }});
map.on("error", (event) => {{ console.error("map error:", event.error && event.error.message); }});
window.geohubMap = map;
</script>
</body>
</html>
"""


def preview_page(title: str, style_url: str, assets_url: str, language: str) -> str:
    """A minimal accessible page showing the style at `style_url` over Almaty."""
    text = _TEXT.get(language, _TEXT["en"])
    locale = {
        "Map.Title": text["map"].format(title=title),
        "NavigationControl.ZoomIn": text["zoom_in"],
        "NavigationControl.ZoomOut": text["zoom_out"],
        "NavigationControl.ResetBearing": text["north"],
    }
    return _PAGE.format(
        lang=escape(language),
        title=escape(title),
        heading=escape(text["heading"].format(title=title)),
        help=escape(text["help"]),
        map_label=escape(text["map"].format(title=title)),
        assets=escape(assets_url),
        module_url=_script_value(f"{assets_url}/maplibre-gl.mjs"),
        style_url=_script_value(style_url),
        center=_script_value(list(ALMATY_CENTER)),
        zoom=ALMATY_ZOOM,
        locale=_script_value(locale),
    )


def _script_value(value: object) -> str:
    """`value` as a JavaScript literal that cannot end the <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def asset_file(asset: str, node_modules: Path = NODE_MODULES) -> Path | None:
    """The MapLibre GL JS file at `asset` (e.g. maplibre-gl/dist/maplibre-gl.mjs), None when not served."""
    if not _ASSET.match(asset):
        return None
    path = (node_modules / asset).resolve()
    if node_modules.resolve() not in path.parents or not path.is_file():
        return None
    return path
