"""OpenAPI descriptions of the discovery routes: OGC API – Tiles and XYZ tiles (tiles/routes.py),
and the JSON Schemas of a collection's features (Part 5, `/collections/{collectionId}/schema`).

Every path is templated (`{collectionId}`, `{tilesetId}`), so the document names no layer: a
restricted one answers 404 to anonymous readers here as everywhere.
"""

from __future__ import annotations

from typing import Any

_PROBLEM_REF = {"$ref": "#/components/responses/Problem"}
_MVT = "application/vnd.mapbox-vector-tile"
_TAG = "tiles"
TILES_TAG = {"name": _TAG, "description": "Vector tiles (OGC API – Tiles, XYZ, TileJSON) and the hillshade"}


def _parameter(name: str, schema_type: str = "string", description: str = "") -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": schema_type},
    }
    if schema_type == "integer":
        parameter["schema"]["minimum"] = 0
    if description:
        parameter["description"] = description
    return parameter


_COLLECTION = _parameter("collectionId", description="The layer's id.")
_TILESET = _parameter("tilesetId", description="A layer's id, `city` or `basemap`.")
_TMS = _parameter("tileMatrixSetId", description="`WebMercatorQuad`, the one tile matrix set.")
_XYZ = [_parameter(name, "integer") for name in ("z", "x", "y")]
_OGC_TILE = [
    _parameter("tileMatrix", "integer", "The zoom level."),
    _parameter("tileRow", "integer"),
    _parameter("tileCol", "integer"),
]


def _get(summary: str, parameters: list[dict[str, Any]], media: str, described: str) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": described, "content": {media: {}}}}
    if media == _MVT or media.startswith("image/"):
        responses["204"] = {"description": "An empty tile"}
        responses["304"] = {"description": "Not modified (If-None-Match)"}
    responses |= {"400": _PROBLEM_REF, "404": _PROBLEM_REF}
    return {"get": {"summary": summary, "tags": [_TAG], "parameters": parameters, "responses": responses}}


def tiles_paths() -> dict[str, Any]:
    """OGC API – Tiles (dataset and collection tilesets, tile matrix sets), XYZ and TileJSON."""
    return {
        "/tiles": _get("Vector tilesets and the hillshade", [], "application/json", "Every tileset"),
        "/tiles/{tilesetId}.json": _get(
            "TileJSON 3.0 of a tileset", [_TILESET], "application/json", "TileJSON"
        ),
        "/tiles/{tilesetId}/{z}/{x}/{y}.mvt": _get("A vector tile (XYZ)", [_TILESET, *_XYZ], _MVT, "MVT"),
        "/tiles/hillshade/{z}/{x}/{y}.png": _get("A hillshade tile (zoom 8–15)", _XYZ, "image/png", "PNG"),
        "/tiles/hillshade/{z}/{x}/{y}.webp": _get("A hillshade tile (zoom 8–15)", _XYZ, "image/webp", "WebP"),
        "/tileMatrixSets": _get("Tile matrix sets", [], "application/json", "WebMercatorQuad"),
        "/tileMatrixSets/{tileMatrixSetId}": _get(
            "A tile matrix set (OGC 2D TMS 2.0)", [_TMS], "application/json", "The definition"
        ),
        "/collections/{collectionId}/tiles": _get(
            "The layer's vector tilesets", [_COLLECTION], "application/json", "Tileset list"
        ),
        "/collections/{collectionId}/tiles/{tileMatrixSetId}": _get(
            "The layer's tileset metadata", [_COLLECTION, _TMS], "application/json", "Tileset"
        ),
        "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": _get(
            "A vector tile of the layer (OGC order: row, column)",
            [_COLLECTION, _TMS, *_OGC_TILE],
            _MVT,
            "MVT",
        ),
    }


def schema_paths() -> dict[str, Any]:
    """The JSON Schemas of a collection's features: Part 5's, and a feature's as GeoJSON."""
    schema = "application/schema+json"
    paths = {
        "/collections/{collectionId}/schema": _get(
            "JSON Schema of the layer's features (OGC API – Features Part 5)", [_COLLECTION], schema, "Schema"
        ),
        "/collections/{collectionId}/schema/geojson": _get(
            "JSON Schema of one feature as GeoJSON", [_COLLECTION], schema, "Schema"
        ),
    }
    for path in paths.values():
        path["get"]["tags"] = ["schemas"]
    return paths
