"""The pygeoapi configuration, built from the layer registry when the app is created."""

from __future__ import annotations

import logging
from typing import Any

from pygeoapi import l10n

from geohub.auth.principal import ANONYMOUS, Principal
from geohub.features.crs import CRS84, STORAGE_CRS, SUPPORTED_CRS
from geohub.features.params import DEFAULT_LIMIT, MAX_LIMIT
from geohub.layers.models import LANGUAGES, LayerDefinition, Text
from geohub.layers.registry import LayerRegistry
from geohub.pages.routes import TEMPLATES_DIR
from geohub.settings import Settings

PROVIDER = "geohub.features.provider.GeohubProvider"
LOCALES = {"en": "en-US", "ru": "ru-RU", "kk": "kk-KZ"}
ALMATY_BBOX = [76.70, 43.03, 77.20, 43.40]
TITLE = Text(kk="GeoHub Алматы", ru="GeoHub Алматы", en="GeoHub Almaty")
DESCRIPTION = Text(
    kk="Алматы қаласының бірыңғай геопорталы: қала қабаттары OGC API арқылы.",
    ru="Единый геопортал города Алматы: городские слои через OGC API.",
    en="The unified geospatial portal of the city of Almaty: city layers through OGC API.",
)

PUBLISHER = Text(
    kk="Алматы қаласының әкімдігі — GeoHub",
    ru="Акимат города Алматы — GeoHub",
    en="Akimat of Almaty — GeoHub",
)
POSITION = Text(kk="Оператор", ru="Оператор", en="Operator")
CITY = Text(kk="Алматы", ru="Алматы", en="Almaty")
COUNTRY = Text(kk="Қазақстан", ru="Казахстан", en="Kazakhstan")
KEYWORDS = {
    "kk": ("Алматы", "геокеңістіктік деректер", "OGC API"),
    "ru": ("Алматы", "геопространственные данные", "OGC API"),
    "en": ("Almaty", "geospatial", "OGC API"),
}


def localized(text: Text) -> dict[str, str]:
    """A kk/ru/en text as pygeoapi's language map (English first: its fallback)."""
    return {LOCALES[lang]: text.in_language(lang) for lang in ("en", "ru", "kk")}


def configured_base_url(settings: Settings) -> str:
    """`public_url`, or where `geohub serve` listens: what pygeoapi's API is built with."""
    return settings.public_url or f"http://{settings.host}:{settings.port}"


def pygeoapi_config(
    settings: Settings, registry: LayerRegistry, app_token: str, reader: Principal = ANONYMOUS
) -> dict[str, Any]:
    """The whole pygeoapi config: server, metadata and one collection per layer `reader` may read."""
    return {
        "server": {
            "bind": {"host": settings.host, "port": settings.port},
            "url": configured_base_url(settings),  # per request: audiences.for_base_url
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": [LOCALES[lang] for lang in ("en", "ru", "kk")],
            "cors": False,  # GeoHub sets CORS headers itself, on every route
            "pretty_print": False,
            "limits": {"default_items": DEFAULT_LIMIT, "max_items": MAX_LIMIT, "on_exceed": "throttle"},
            "map": {"url": "", "attribution": "© OpenStreetMap contributors, ODbL"},
            # GeoHub's copies of pygeoapi's templates with no inline script or style (see geohub/pages)
            "templates": {"path": str(TEMPLATES_DIR)},
        },
        "logging": {"level": "ERROR"},
        "metadata": _metadata(settings),
        # anonymous readers' pygeoapi has no restricted layers: they must not learn they exist
        "resources": {
            layer.id: collection_config(layer, app_token) for layer in registry.readable_layers(reader)
        },
    }


def _metadata(settings: Settings) -> dict[str, Any]:
    return {
        "identification": {
            "title": localized(TITLE),
            "description": localized(DESCRIPTION),
            "keywords": {LOCALES[lang]: list(KEYWORDS[lang]) for lang in ("en", "ru", "kk")},
            "keywords_type": "theme",
            "terms_of_service": "https://opendatacommons.org/licenses/odbl/1-0/",
            "url": configured_base_url(settings),
        },
        "license": {"name": "ODbL-1.0", "url": "https://opendatacommons.org/licenses/odbl/1-0/"},
        "provider": {"name": localized(PUBLISHER), "url": configured_base_url(settings)},
        "contact": {
            "name": localized(TITLE),
            "position": localized(POSITION),
            "address": localized(CITY),
            "city": localized(CITY),
            "country": localized(COUNTRY),
            "email": "geohub@almaty.kz",
            "role": "pointOfContact",
        },
    }


def collection_config(layer: LayerDefinition, app_token: str) -> dict[str, Any]:
    """One pygeoapi collection: titles, keywords, licence link, extent and the GeoHub provider."""
    return {
        "type": "collection",
        "title": localized(layer.title),
        "description": localized(layer.description),
        "keywords": {LOCALES[lang]: list(layer.keywords) for lang in LANGUAGES},
        "links": [
            {
                "type": "text/html",
                "rel": "license",
                "title": layer.license.name,
                "href": layer.license.url,
                "hreflang": "en-US",
            }
        ],
        "extents": {"spatial": {"bbox": list(ALMATY_BBOX), "crs": CRS84}},
        # GeoHub's own: the item page's property labels (pygeoapi leaves unknown keys alone)
        "attribute_titles": {a.name: localized(a.title) for a in layer.attributes if a.title},
        "providers": [
            {
                "type": "feature",
                "name": PROVIDER,
                "data": layer.id,
                "geohub_app": app_token,
                "id_field": layer.key,
                "title_field": "name" if layer.attribute("name") else layer.key,
                "crs": list(SUPPORTED_CRS),
                "storage_crs": STORAGE_CRS,
            }
        ],
    }


def in_default_language(config: dict[str, Any]) -> dict[str, Any]:
    """The config with each language map resolved to the server's first language (English).

    pygeoapi's `get_oas` translates titles and descriptions itself but copies the provider and
    contact as they are; given maps there, the OpenAPI `info.contact` would hold them.
    """
    quiet = logging.getLogger(l10n.__name__)
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # it warns of every key that is not a locale (crs, storage_crs…)
    try:
        return dict(l10n.translate_struct(config, l10n.get_locales(config)[0], is_config=True))
    finally:
        quiet.setLevel(level)
