"""Preview page of a style: MapLibre GL JS, served by GeoHub from web/node_modules, showing one style.

The page has no inline script or style (the CSP allows neither): see geohub/pages/assets."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from geohub.pages.script_data import json_block
from geohub.settings import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"
ASSET_MEDIA_TYPES = {".mjs": "text/javascript", ".css": "text/css", ".map": "application/json"}
_ASSET = re.compile(r"^maplibre-gl/dist/maplibre-gl(-worker)?\.(mjs|css)(\.map)?$")
ALMATY_CENTER = (76.95, 43.25)
ALMATY_ZOOM = 12

_TEXT = {
    "kk": {
        "layers": "Қабаттар мен деректердің жаңалығы",
        "updated": "жаңартылды {date}",
        "next_sync": "келесі синхрондау {date}",
        "changed": "{n} өзгеріс",
        "changes_unknown": "өзгерістер белгісіз",
        "unpublished": "әлі жарияланбаған",
        "sync_failed": "соңғы синхрондау сәтсіз",
        "layers_unavailable": "Қабаттар тізімі жүктелмеді.",
        "heading": "Карта стилі: {title}",
        "map": "Карта: {title}",
        "help": "Картаны бағыт пернелерімен жылжытыңыз; масштабты + және − пернелерімен өзгертіңіз.",
        "zoom_in": "Үлкейту",
        "zoom_out": "Кішірейту",
        "north": "Солтүстікке бұру",
    },
    "ru": {
        "layers": "Слои и свежесть данных",
        "updated": "обновлено {date}",
        "next_sync": "следующая синхронизация {date}",
        "changed": "изменено объектов: {n}",
        "changes_unknown": "изменения неизвестны",
        "unpublished": "ещё не опубликован",
        "sync_failed": "последняя синхронизация не удалась",
        "layers_unavailable": "Не удалось загрузить список слоёв.",
        "heading": "Стиль карты: {title}",
        "map": "Карта: {title}",
        "help": "Перемещайте карту клавишами со стрелками, масштаб — клавишами + и −.",
        "zoom_in": "Приблизить",
        "zoom_out": "Отдалить",
        "north": "Повернуть на север",
    },
    "en": {
        "layers": "Layers and data freshness",
        "updated": "updated {date}",
        "next_sync": "next sync {date}",
        "changed": "{n} changed",
        "changes_unknown": "changes unknown",
        "unpublished": "not published yet",
        "sync_failed": "last sync failed",
        "layers_unavailable": "The layer list could not be loaded.",
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
<link rel="stylesheet" href="{page_assets}/css/preview.css">
</head>
<body>
<header>
<hgroup>
<h1>{heading}</h1>
<p id="map-help">{help}</p>
</hgroup>
<details id="layers">
<summary>{layers_label}</summary>
<ul id="layer-list" aria-live="polite" data-state="loading"></ul>
</details>
</header>
<main>
<div id="map" role="region" aria-label="{map_label}" aria-describedby="map-help" data-state="loading"></div>
</main>
{config}
<script type="module" src="{page_assets}/js/style-preview.js"></script>
</body>
</html>
"""

# What the layer list says (its script, geohub/pages/assets/js/style-preview.js, fills it in)
_LAYER_TEXT_KEYS = (
    "updated",
    "next_sync",
    "changed",
    "changes_unknown",
    "unpublished",
    "sync_failed",
    "layers_unavailable",
)


def preview_page(
    title: str,
    style_url: str,
    assets_url: str,
    language: str,
    collections_url: str | None = None,
    page_assets_url: str = "/assets",
) -> str:
    """A minimal accessible page showing the style at `style_url` over Almaty; with
    `collections_url`, a list of the style's layers and how fresh their data is. Its script and
    styles are files under `page_assets_url`; its data a JSON block (no inline script or style)."""
    text = _TEXT.get(language, _TEXT["en"])
    config = {
        "moduleUrl": f"{assets_url}/maplibre-gl.mjs",
        "styleUrl": style_url,
        "center": list(ALMATY_CENTER),
        "zoom": ALMATY_ZOOM,
        "locale": {
            "Map.Title": text["map"].format(title=title),
            "NavigationControl.ZoomIn": text["zoom_in"],
            "NavigationControl.ZoomOut": text["zoom_out"],
            "NavigationControl.ResetBearing": text["north"],
        },
        "collectionsUrl": collections_url,
        "layerText": {key: text[key] for key in _LAYER_TEXT_KEYS},
    }
    return _PAGE.format(
        lang=escape(language),
        title=escape(title),
        heading=escape(text["heading"].format(title=title)),
        help=escape(text["help"]),
        map_label=escape(text["map"].format(title=title)),
        assets=escape(assets_url),
        page_assets=escape(page_assets_url),
        layers_label=escape(text["layers"]),
        config=json_block("preview-config", config),
    )


def asset_file(asset: str, node_modules: Path = NODE_MODULES) -> Path | None:
    """The MapLibre GL JS file at `asset` (e.g. maplibre-gl/dist/maplibre-gl.mjs), None when not served."""
    if not _ASSET.match(asset):
        return None
    path = (node_modules / asset).resolve()
    if node_modules.resolve() not in path.parents or not path.is_file():
        return None
    return path
