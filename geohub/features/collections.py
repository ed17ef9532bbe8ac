"""Collection metadata GeoHub adds to pygeoapi's: live extents, freshness, downloads, conformance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geohub.features.crs import CRS84, SUPPORTED_CRS
from geohub.features.schemas import property_schemas, schema_links
from geohub.freshness import Freshness, layer_freshness
from geohub.layers.models import Attribute, LayerDefinition
from geohub.services import Services

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sorting",
    "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/property-selection",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
    # OGC API – Tiles: each collection's vector tilesets (tests/features/test_discovery.py)
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
]
FRESHNESS_MEMBER = "geohub:freshness"  # source, last sync, next sync, publication, changes
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_REL = "http://www.opengis.net/def/rel/ogc/1.0/schema"
TILESETS_VECTOR_REL = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
TILING_SCHEMES_REL = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"


def conformance_document() -> dict[str, Any]:
    """The conformance classes GeoHub's tests show to hold."""
    return {"conformsTo": list(CONFORMANCE)}


def landing_links(base_url: str) -> list[dict[str, Any]]:
    """Links GeoHub adds to pygeoapi's landing page: readiness, vector tilesets, tiling schemes."""
    return [
        {
            "rel": "service-status",
            "type": "application/json",
            "title": "Readiness",
            "href": f"{base_url}/readyz",
        },
        {
            "rel": TILESETS_VECTOR_REL,
            "type": "application/json",
            "title": "Vector tilesets",
            "href": f"{base_url}/tiles",
        },
        {
            "rel": TILING_SCHEMES_REL,
            "type": "application/json",
            "title": "Tile matrix sets",
            "href": f"{base_url}/tileMatrixSets",
        },
    ]


def refresh_extents(config: dict[str, Any], services: Services, only: str | None = None) -> None:
    """Put each layer's current extent (from its published version) into pygeoapi's config."""
    for layer in services.registry:
        if (only is not None and layer.id != only) or layer.id not in config["resources"]:
            continue
        extent = services.store.extent(layer.id)
        if extent is not None:
            config["resources"][layer.id]["extents"]["spatial"]["bbox"] = [round(v, 7) for v in extent]


def collection_links(
    collection: dict[str, Any], services: Services, base_url: str, freshness: Freshness | None = None
) -> dict[str, Any]:
    """A pygeoapi collection with GeoHub's metadata: owner, freshness, downloads, CRS, queryables.

    Only for a collection the reader may see (its freshness is read here unless given).
    """
    layer = services.registry.get(collection["id"])
    base = f"{base_url}/collections/{layer.id}"
    if freshness is None:
        freshness = layer_freshness(services, layer)
    department = services.registry.departments[layer.department]
    collection["crs"] = list(SUPPORTED_CRS)
    collection["storageCrs"] = CRS84
    collection["itemType"] = "feature"
    collection["attribution"] = layer.attribution
    collection["department"] = {"id": department.id, "name": department.name.model_dump()}
    collection["geometryType"] = layer.geometry_type.value
    collection["version"] = freshness.version
    collection["featureCount"] = freshness.feature_count
    collection["updated"] = freshness.published_at.isoformat() if freshness.published_at else None
    collection[FRESHNESS_MEMBER] = freshness.to_json()
    if layer.stand_in:
        collection["standIn"] = layer.stand_in
    replaced = (QUERYABLES_REL, SCHEMA_REL, "describedby", TILESETS_VECTOR_REL)
    links = [link for link in collection.get("links", []) if link.get("rel", "").lower() not in replaced]
    links += [
        {
            "rel": QUERYABLES_REL,
            "type": "application/schema+json",
            "title": "Queryables",
            "href": f"{base}/queryables",
        },
        *schema_links(base_url, layer.id),
        {
            "rel": TILESETS_VECTOR_REL,
            "type": "application/json",
            "title": "Vector tilesets",
            "href": f"{base}/tiles",
        },
        {"rel": "items", "type": "text/csv", "title": "Items as CSV", "href": f"{base}/items?f=csv"},
        {
            "rel": "enclosure",
            "type": "application/geopackage+sqlite3",
            "title": "Download (GeoPackage)",
            "href": f"{base}/download.gpkg",
        },
        {
            "rel": "enclosure",
            "type": "application/geo+json",
            "title": "Download (GeoJSON)",
            "href": f"{base}/download.geojson",
        },
        {
            "rel": "enclosure",
            "type": "text/csv",
            "title": "Download (CSV, geometry as WKT)",
            "href": f"{base}/download.csv",
        },
    ]
    collection["links"] = links
    return collection


def queryables_document(
    layer: LayerDefinition, attributes: Sequence[Attribute], base_url: str, language: str
) -> dict[str, Any]:
    """JSON Schema of what a filter may name: the `attributes` the reader may see and the geometry."""
    properties = property_schemas(layer, attributes, language)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url}/collections/{layer.id}/queryables",
        "type": "object",
        "title": layer.title.in_language(language),
        "properties": properties,
        "additionalProperties": False,
    }
