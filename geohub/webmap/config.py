"""The web map page's configuration: the JSON block its scripts read (#geohub-config)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from geohub.layers.models import LayerDefinition
from geohub.messages import LANGUAGES
from geohub.services import Services
from geohub.webmap.assets import vendor_path
from geohub.webmap.texts import parts_config, texts_in

CENTER = (76.95, 43.25)
ZOOM = 12
STYLE = "city"  # the style the map shows: the basemap with every thematic overlay
HIGH_CONTRAST_SUFFIX = "-high-contrast"


def layer_config(layer: LayerDefinition, services: Services, language: str) -> dict[str, Any]:
    """What the page says about one layer: its title, description, department and attribution."""
    department = services.registry.departments.get(layer.department)
    return {
        "id": layer.id,
        "title": layer.title.in_language(language),
        "description": layer.description.in_language(language),
        "department": department.name.in_language(language) if department else layer.department,
        "attribution": layer.attribution,
        "license": {"name": layer.license.name, "url": layer.license.url},
        "group": layer.group,
        "geometryType": str(layer.geometry_type),
        "key": layer.key,
    }


def page_config(
    services: Services,
    language: str,
    base: str,
    layers: Iterable[LayerDefinition],
    overlays: Iterable[str],
) -> dict[str, Any]:
    """The page's config in `language`: texts, URLs, the map's view and styles, and the `layers`
    the reader may see, the style's `overlays` first in its order (then their companions, such
    as parking_points beside parking, which the overlays' style layers draw too)."""
    order = {layer_id: index for index, layer_id in enumerate(overlays)}
    readable = sorted(layers, key=lambda layer: order.get(layer.id, len(order)))
    lang = f"?lang={language}"
    config: dict[str, Any] = {
        "lang": language,
        "languages": list(LANGUAGES),
        "texts": texts_in(language),
        "urls": {
            "api": base,
            "apiPage": f"{base}/?f=html",
            "openapi": f"{base}/openapi?f=html",
            "collections": f"{base}/collections",
            "sprite": f"{base}/sprites/geohub",
            "maplibre": base + vendor_path("maplibre-gl", "dist/maplibre-gl.mjs"),
            "maplibreCss": base + vendor_path("maplibre-gl", "dist/maplibre-gl.css"),
            "uplot": base + vendor_path("uplot", "dist/uPlot.esm.js"),
            "uplotCss": base + vendor_path("uplot", "dist/uPlot.min.css"),
        },
        "center": list(CENTER),
        "zoom": ZOOM,
        "bounds": list(services.settings.etl.city_bounds),
        "styles": {
            "normal": f"{base}/styles/{STYLE}.json{lang}",
            "highContrast": f"{base}/styles/{STYLE}{HIGH_CONTRAST_SUFFIX}.json{lang}",
        },
        "overlays": list(overlays),
        "layers": [layer_config(layer, services, language) for layer in readable],
    }
    config.update(parts_config(services, language))
    return config
