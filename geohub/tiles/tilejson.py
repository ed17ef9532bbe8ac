"""TileJSON 3.0 and OGC API – Tiles tileset documents, from the tileset's layer definitions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geohub.features.provider import attribute_schema
from geohub.freshness import Freshness
from geohub.layers.models import AttributeType, LayerDefinition
from geohub.storage.base import Bbox
from geohub.tiles.tilesets import Tileset, label_attributes
from geohub.tiles.tms import TMS_ID

MVT = "application/vnd.mapbox-vector-tile"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
_FIELD_TYPES = {
    AttributeType.integer: "Number",
    AttributeType.number: "Number",
    AttributeType.boolean: "Boolean",
}
ALMATY_BOUNDS: Bbox = (76.70, 43.03, 77.20, 43.40)
FRESHNESS_MEMBER = "geohub:freshness"  # as in the collection documents (features/collections.py)


def vector_layer(tileset: Tileset, layer: LayerDefinition, language: str) -> dict[str, Any]:
    """A TileJSON vector_layers entry: the attributes the tileset's tiles carry, and the zoom range."""
    return {
        "id": layer.id,
        "description": layer.title.in_language(language),
        "minzoom": layer.zoom.min,
        "maxzoom": layer.zoom.max,
        "fields": {a.name: _FIELD_TYPES.get(a.type, "String") for a in tileset.attributes(layer)},
    }


def label_vector_layer(tileset: Tileset, layer: LayerDefinition, language: str) -> dict[str, Any]:
    """The vector_layers entry of a layer's label points (`<id>_labels`): one point per feature."""
    return vector_layer(tileset, layer, language) | {
        "id": layer.label_layer,
        "fields": {
            a.name: _FIELD_TYPES.get(a.type, "String")
            for a in label_attributes(layer, tileset.attributes(layer))
        },
    }


def tilejson(
    tileset: Tileset,
    base_url: str,
    extent: Bbox | None,
    language: str,
    freshness: Mapping[str, Freshness] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """The TileJSON 3.0 document of a tileset; each layer's `freshness` in its vector_layers entry;
    the tile URLs carry the tileset's version `token` (`?v=`) when given."""
    west, south, east, north = extent or ALMATY_BOUNDS
    fresh = freshness or {}
    return {
        "tilejson": "3.0.0",
        "name": tileset.id,
        "description": tileset.title.in_language(language),
        "version": "1.0.0",
        "attribution": tileset.attribution,
        "scheme": "xyz",
        "tiles": [f"{base_url}/tiles/{tileset.id}/{{z}}/{{x}}/{{y}}.mvt" + (f"?v={token}" if token else "")],
        "minzoom": tileset.minzoom,
        "maxzoom": min(tileset.maxzoom, 16),
        "bounds": [west, south, east, north],
        "center": [round((west + east) / 2, 5), round((south + north) / 2, 5), 12],
        "vector_layers": [
            vector_layer(tileset, layer, language)
            | ({FRESHNESS_MEMBER: fresh[layer.id].to_json()} if layer.id in fresh else {})
            for layer in tileset.layers
        ]
        + [label_vector_layer(tileset, layer, language) for layer in tileset.layers if layer.label_layer],
    }


def ogc_tileset(tileset: Tileset, url: str, language: str) -> dict[str, Any]:
    """The OGC API – Tiles tileset metadata at `url` (…/tiles/WebMercatorQuad)."""
    return {
        "title": tileset.title.in_language(language),
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": TMS_URI,
        "tileMatrixSetLimits": [],
        "layers": [
            {
                "id": layer.id,
                "dataType": "vector",
                "geometryDimension": _dimension(layer),
                "minTileMatrix": str(layer.zoom.min),
                "maxTileMatrix": str(layer.zoom.max),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {a.name: attribute_schema(a) for a in tileset.attributes(layer)},
                },
            }
            for layer in tileset.layers
        ]
        + [
            {
                "id": layer.label_layer,
                "dataType": "vector",
                "geometryDimension": 0,
                "minTileMatrix": str(layer.zoom.min),
                "maxTileMatrix": str(layer.zoom.max),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {
                        a.name: attribute_schema(a)
                        for a in label_attributes(layer, tileset.attributes(layer))
                    },
                },
            }
            for layer in tileset.layers
            if layer.label_layer
        ],
        "links": [
            {"rel": "self", "type": "application/json", "href": url},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                "type": "application/json",
                "href": url.split("/collections/")[0].split("/tiles/")[0] + f"/tileMatrixSets/{TMS_ID}",
            },
            {
                "rel": "item",
                "type": MVT,
                "templated": True,
                "href": url + "/{tileMatrix}/{tileRow}/{tileCol}",
            },
        ],
    }


def _dimension(layer: LayerDefinition) -> int:
    kind = layer.geometry_type.value
    return 0 if "Point" in kind else 1 if "Line" in kind else 2
