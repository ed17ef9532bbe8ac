"""JSON Schemas of a layer's features (OGC API – Features Part 5), as one reader may see them.

Two shapes of the same schema: the logical one of Part 5 (`/collections/{id}/schema`: the
properties side by side, the identifier and the geometry marked by `x-ogc-role`), and the schema
of a feature as GeoJSON (`/collections/{id}/schema/geojson`: the attributes inside the Feature's
`properties` member). GDAL 3.6 (Debian 12) reads field types only from the second, and only
through a link whose relation is spelled `describedBy` (measured; newer releases not checked);
link relations compare case-insensitively (RFC 8288), so both links are `describedby` links.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geohub.features.provider import attribute_schema
from geohub.layers.models import Attribute, LayerDefinition

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_TYPE = "application/schema+json"
GEOJSON_ENCODING = "geojson"  # /collections/{id}/schema/geojson


def schema_links(base_url: str, layer_id: str) -> list[dict[str, Any]]:
    """The collection's `describedby` links: the Part 5 schema, then the GeoJSON one for GDAL."""
    href = f"{base_url}/collections/{layer_id}/schema"
    return [
        {"rel": "describedby", "type": SCHEMA_TYPE, "title": "Schema of the features", "href": href},
        {
            "rel": "describedBy",  # GDAL 3.6's OAPIF driver matches this spelling only
            "type": SCHEMA_TYPE,
            "title": "Schema of the features as GeoJSON",
            "href": f"{href}/{GEOJSON_ENCODING}",
        },
    ]


def feature_schema(
    layer: LayerDefinition, attributes: Sequence[Attribute], base_url: str, language: str
) -> dict[str, Any]:
    """The Part 5 schema: the `attributes` the reader may see, the id and the primary geometry."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"{base_url}/collections/{layer.id}/schema",
        "type": "object",
        "title": layer.title.in_language(language),
        "properties": property_schemas(layer, attributes, language),
    }


def property_schemas(
    layer: LayerDefinition, attributes: Sequence[Attribute], language: str
) -> dict[str, Any]:
    """Each attribute's schema (titled in `language`) with its Part 5 role (id, primary instant), and
    the primary geometry: the properties of the feature schema and of the queryables alike."""
    properties: dict[str, Any] = {
        "geometry": {
            "format": f"geometry-{layer.geometry_type.value.lower()}",
            "x-ogc-role": "primary-geometry",
        },
    }
    for attribute in attributes:
        schema = attribute_schema(attribute, language)
        if attribute.name == layer.key:
            schema["x-ogc-role"] = "id"
        if attribute.name == layer.temporal:
            schema["x-ogc-role"] = "primary-instant"
        properties[attribute.name] = schema
    return properties


def geojson_feature_schema(
    layer: LayerDefinition, attributes: Sequence[Attribute], base_url: str, language: str
) -> dict[str, Any]:
    """The schema of one feature as GeoJSON: the same attributes inside `properties`."""
    kind = layer.geometry_type.value
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"{base_url}/collections/{layer.id}/schema/{GEOJSON_ENCODING}",
        "type": "object",
        "title": layer.title.in_language(language),
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"$ref": f"https://geojson.org/schema/{kind}.json"},
            "properties": {
                "type": "object",
                "properties": {a.name: attribute_schema(a, language) for a in attributes},
            },
        },
    }
