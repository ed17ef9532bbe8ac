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
<style>
  html, body {{ height: 100%; margin: 0; }}
  body {{ display: grid; grid-template-rows: auto 1fr; font-family: system-ui, sans-serif; }}
  header {{ padding: 0.5rem 1rem; background: #1f2937; color: #ffffff; }}
  h1 {{ margin: 0; font-size: 1.25rem; }}
  header p {{ margin: 0.25rem 0 0; font-size: 0.9rem; }}
  main, #map {{ min-height: 0; height: 100%; }}
  header {{ display: flex; justify-content: space-between; align-items: flex-start; gap: 1rem; }}
  #layers {{ position: relative; font-size: 0.9rem; }}
  #layers summary {{ cursor: pointer; }}
  #layers summary:focus-visible {{ outline: 3px solid #f59e0b; }}
  #layer-list {{ position: absolute; right: 0; z-index: 2; width: min(28rem, 90vw); max-height: 60vh;
    overflow: auto; margin: 0.5rem 0 0; padding: 0.5rem 0.75rem 0.5rem 1.75rem; background: #ffffff;
    color: #111827; border: 1px solid #6b7280; border-radius: 4px; }}
  #layer-list li {{ margin: 0.25rem 0; }}
  .maplibregl-canvas:focus-visible {{ outline: 3px solid #f59e0b; outline-offset: -3px; }}
</style>
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
{layer_script}
</script>
</body>
</html>
"""


_LAYER_TEXT_KEYS = (
    "updated",
    "next_sync",
    "changed",
    "changes_unknown",
    "unpublished",
    "sync_failed",
    "layers_unavailable",
)
# The style's layers with their freshness, from the collections the reader may see (anonymous
# readers: public layers only). Text goes in with textContent: nothing from the server is parsed
# as HTML. Dates are shown in Almaty time.
_LAYER_SCRIPT = """
const layerList = document.getElementById("layer-list");
const layerText = %(text)s;
const shownAt = new Intl.DateTimeFormat(document.documentElement.lang, {
  dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Almaty",
});
function freshnessText(freshness) {
  const when = (stamp) => shownAt.format(new Date(stamp));
  const parts = [freshness.published
    ? layerText.updated.replace("{date}", () => when(freshness.published))
    : layerText.unpublished];
  if (freshness.nextSync) parts.push(layerText.next_sync.replace("{date}", () => when(freshness.nextSync)));
  const changes = freshness.changes;
  parts.push(changes
    ? layerText.changed.replace("{n}", () => String(changes.added + changes.changed + changes.removed))
    : layerText.changes_unknown);
  if (freshness.lastAttempt && freshness.lastAttempt.failed) parts.push(layerText.sync_failed);
  return parts.join(", ");
}
async function listLayers() {
  const inStyle = new Set(map.getStyle().layers.map((layer) => layer["source-layer"]).filter(Boolean));
  try {
    const response = await fetch(%(collections_url)s, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`collections: HTTP ${response.status}`);
    for (const collection of (await response.json()).collections) {
      const freshness = collection["geohub:freshness"];
      if (!freshness || !inStyle.has(collection.id)) continue;
      const item = document.createElement("li");
      item.dataset.layer = collection.id;
      const name = document.createElement("strong");
      name.textContent = collection.title;
      const detail = document.createElement("span");
      detail.className = "freshness";
      detail.textContent = freshnessText(freshness);
      item.append(name, document.createTextNode(": "), detail);
      layerList.append(item);
    }
    layerList.dataset.state = "ready";
  } catch (error) {
    layerList.textContent = layerText.layers_unavailable;
    layerList.dataset.state = "failed";
    console.warn("layer list:", error.message);
  }
}
map.once("load", listLayers);
"""


def preview_page(
    title: str, style_url: str, assets_url: str, language: str, collections_url: str | None = None
) -> str:
    """A minimal accessible page showing the style at `style_url` over Almaty; with
    `collections_url`, a list of the style's layers and how fresh their data is."""
    text = _TEXT.get(language, _TEXT["en"])
    layer_text = {key: text[key] for key in _LAYER_TEXT_KEYS}
    layer_script = ""
    if collections_url is not None:
        layer_script = _LAYER_SCRIPT % {
            "text": _script_value(layer_text),
            "collections_url": _script_value(collections_url),
        }
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
        layers_label=escape(text["layers"]),
        layer_script=layer_script,
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
