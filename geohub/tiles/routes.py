"""Tile routes: OGC API – Tiles, XYZ vector and raster tiles, TileJSON; thin handlers over TileService."""

from __future__ import annotations

import gzip
import hashlib
from typing import cast

from flask import Blueprint, Response, current_app, jsonify, request

from geohub.auth.context import current_principal
from geohub.auth.keys import tilejson_with_key
from geohub.auth.principal import ANONYMOUS
from geohub.base_url import request_base_url
from geohub.freshness import layers_freshness
from geohub.messages import tr
from geohub.openapi.models import TileQuery
from geohub.openapi.operation import JSON, Reply, documented
from geohub.request_language import request_language
from geohub.tiles.raster import render_hillshade
from geohub.tiles.service import TileService, TilesetNotFoundError
from geohub.tiles.tilejson import MVT, TMS_URI, ogc_tileset, tilejson
from geohub.tiles.tms import TMS_ID, WEB_MERCATOR_QUAD, check_tile

tiles = Blueprint("tiles", __name__)
TILE_MAX_AGE_S = 60  # tiles change when a layer is published; clients revalidate with the ETag
# a tile asked for with its tileset's current version token (`?v=`, from TileJSON) never changes
VERSIONED_MAX_AGE_S = 365 * 24 * 3600
RASTER_TYPES = {"png": "image/png", "webp": "image/webp"}
TILE_REPLIES = {
    204: Reply("An empty tile", media=None),
    304: Reply("Not modified (If-None-Match)", media=None),
}


def _service() -> TileService:
    return current_app.extensions["geohub.tiles"]


def _language() -> str:
    return request_language()


def _base() -> str:
    return request_base_url()


@tiles.after_request
def _not_shared_when_signed_in(response: Response) -> Response:
    """Tiles and TileJSON differ by who asks: shared caches key on Authorization, and keep
    nothing a signed-in reader got (it may hold restricted layers and attributes)."""
    response.vary.add("Authorization")
    if current_principal().is_signed_in:
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def tile_response(
    data: bytes,
    mimetype: str,
    audience: str = ANONYMOUS.audience,
    token: str | None = None,
    asked_token: str | None = None,
    asked_is_older: bool = True,
) -> Response:
    """A tile with ETag, Cache-Control and 304 on If-None-Match; an empty tile is a 204.

    The ETag names the tileset's version token (the published versions of its layers) and the
    audience the tile was made for: a client (or cache) holding an older version's tile, or
    staff's, never gets a 304 for this one. Asked for with the current token (`?v=`, as TileJSON's
    `tiles` URLs carry it) the tile is cached for a year, `immutable`; with an older token (an
    older TileJSON, `asked_is_older`) the current tile is served with the short max-age; with one
    this process does not know (maybe newer: another node's TileJSON after a publish this one has
    not read yet) it is not stored anywhere, so that URL never keeps an older tile; without one,
    the short max-age and revalidation by ETag.
    """
    etag = hashlib.sha1(data).hexdigest()[:20]
    if token is not None:
        etag = f"{token}-{etag[:12]}"
    if audience != ANONYMOUS.audience:
        etag += f"-{audience}"
    if not data:
        response = Response(status=204, mimetype=mimetype)
    elif request.accept_encodings.quality("gzip") > 0 and mimetype == MVT:
        response = Response(gzip.compress(data, compresslevel=5, mtime=0), mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
        etag += "-gz"  # another coding of the same tile is another representation (RFC 9110)
    else:
        response = Response(data, mimetype=mimetype)
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(etag)
    if token is not None and asked_token not in (None, token) and not asked_is_older:
        response.cache_control.no_store = True
        return cast(Response, response.make_conditional(request))
    response.cache_control.public = True
    if token is not None and asked_token == token:
        response.cache_control.max_age = VERSIONED_MAX_AGE_S
        response.cache_control.immutable = True
    else:
        response.cache_control.max_age = TILE_MAX_AGE_S
    return cast(Response, response.make_conditional(request))


@tiles.get("/tiles/<tileset_id>/<int:z>/<int:x>/<int:y>.mvt")
@documented(
    summary="A vector tile (XYZ)",
    tags=("tiles",),
    query=TileQuery,
    responses={200: Reply("MVT", media=MVT), **TILE_REPLIES},
    problems=(400, 404),
)
def xyz_tile(tileset_id: str, z: int, x: int, y: int) -> Response:
    reader, asked = current_principal(), request.args.get("v")
    service = _service()
    data, token = service.versioned_tile(tileset_id, z, x, y, reader, asked)
    older = asked not in (None, token) and service.is_older_token(tileset_id, str(asked), reader)
    return tile_response(data, MVT, reader.audience, token, asked, older)


@tiles.get("/tiles/<tileset_id>/<int:z>/<int:x>/<int:y>.<image_format>")
@documented(
    summary="A hillshade tile (zoom 8–15)",
    tags=("tiles",),
    path_values={"tileset_id": ("hillshade",), "image_format": tuple(RASTER_TYPES)},
    responses={200: Reply("The image", media=RASTER_TYPES), **TILE_REPLIES},
    problems=(400, 404),
)
def raster_tile(tileset_id: str, z: int, x: int, y: int, image_format: str) -> Response:
    if tileset_id != "hillshade" or image_format not in RASTER_TYPES:
        raise TilesetNotFoundError(
            tr(
                "There is no raster tileset '{tileset_id}' as {image_format}.",
                tileset_id=tileset_id,
                image_format=image_format,
            )
        )
    hillshade = _service().hillshade
    check_tile(z, x, y, hillshade.minzoom, hillshade.maxzoom)
    data = render_hillshade(hillshade, z, x, y, image_format)
    return tile_response(data or b"", RASTER_TYPES[image_format])


@tiles.get("/tiles/<tileset_id>.json")
@documented(
    summary="TileJSON 3.0 of a tileset",
    tags=("tiles",),
    responses={200: Reply("TileJSON", media=JSON)},
    problems=(400, 404),
)
def tilejson_document(tileset_id: str) -> Response:
    service = _service()
    tileset = service.tileset(tileset_id, current_principal())
    extents = [service.services.store.extent(layer.id) for layer in tileset.layers]
    known = [e for e in extents if e is not None]
    extent = None
    if known:
        extent = (
            min(e[0] for e in known),
            min(e[1] for e in known),
            max(e[2] for e in known),
            max(e[3] for e in known),
        )
    freshness = layers_freshness(service.services, tileset.layers)  # only layers the reader may see
    token = service.token(tileset_id, current_principal())
    document = tilejson(tileset, _base(), extent, _language(), freshness, token)
    key = request.args.get("key")  # a valid app key (else a 401 before here): its tiles carry it on
    if key is None:
        return jsonify(document)
    response = jsonify(tilejson_with_key(document, key))
    response.cache_control.private = True
    return response


@tiles.get("/tiles")
@documented(
    summary="Vector tilesets and the hillshade",
    tags=("tiles",),
    responses={200: Reply("Every tileset", media=JSON)},
    problems=(400,),
)
def dataset_tilesets() -> Response:
    base, language = _base(), _language()
    entries = [
        {
            "id": t.id,
            "title": t.title.in_language(language),
            "dataType": "vector",
            "tileMatrixSetURI": TMS_URI,
            "links": [
                {
                    "rel": "item",
                    "type": MVT,
                    "templated": True,
                    "href": f"{base}/tiles/{t.id}/{{z}}/{{x}}/{{y}}.mvt",
                },
                {
                    "rel": "describedby",
                    "type": "application/json",
                    "title": "TileJSON",
                    "href": f"{base}/tiles/{t.id}.json",
                },
            ],
        }
        for t in _service().tilesets_for(current_principal()).values()
    ]
    entries.append(
        {
            "id": "hillshade",
            "title": "Hillshade (SRTM)",
            "dataType": "map",
            "tileMatrixSetURI": TMS_URI,
            "links": [
                {
                    "rel": "item",
                    "type": "image/png",
                    "templated": True,
                    "href": f"{base}/tiles/hillshade/{{z}}/{{x}}/{{y}}.png",
                }
            ],
        }
    )
    return jsonify({"tilesets": entries})


@tiles.get("/tileMatrixSets")
@documented(
    summary="Tile matrix sets",
    tags=("tiles",),
    responses={200: Reply("WebMercatorQuad", media=JSON)},
    problems=(400,),
)
def tile_matrix_sets() -> Response:
    base = _base()
    return jsonify(
        {
            "tileMatrixSets": [
                {
                    "id": TMS_ID,
                    "title": "Google Maps Compatible for the World",
                    "uri": TMS_URI,
                    "links": [
                        {"rel": "self", "type": "application/json", "href": f"{base}/tileMatrixSets/{TMS_ID}"}
                    ],
                }
            ]
        }
    )


@tiles.get("/tileMatrixSets/<tms_id>")
@documented(
    summary="A tile matrix set (OGC 2D TMS 2.0)",
    tags=("tiles",),
    responses={200: Reply("The definition", media=JSON)},
    problems=(400, 404),
)
def tile_matrix_set(tms_id: str) -> Response:
    if tms_id != TMS_ID:
        raise TilesetNotFoundError(
            tr(
                "There is no tile matrix set '{tms_id}'; GeoHub offers {offered}.",
                tms_id=tms_id,
                offered=TMS_ID,
            )
        )
    return jsonify(WEB_MERCATOR_QUAD.model_dump(mode="json", exclude_none=True, by_alias=True))


@tiles.get("/collections/<layer_id>/tiles")
@documented(
    summary="The layer's vector tilesets",
    tags=("tiles",),
    responses={200: Reply("Tileset list", media=JSON)},
    problems=(400, 404),
)
def collection_tilesets(layer_id: str) -> Response:
    reader = current_principal()
    current_app.extensions["geohub"].registry.readable(layer_id, reader)
    url = f"{_base()}/collections/{layer_id}/tiles/{TMS_ID}"
    document = ogc_tileset(_service().tileset(layer_id, reader), url, _language())
    return jsonify(
        {
            "tilesets": [
                {key: document[key] for key in ("title", "dataType", "crs", "tileMatrixSetURI")}
                | {"links": document["links"]}
            ]
        }
    )


@tiles.get("/collections/<layer_id>/tiles/<tms_id>")
@documented(
    summary="The layer's tileset metadata",
    tags=("tiles",),
    responses={200: Reply("Tileset", media=JSON)},
    problems=(400, 404),
)
def collection_tileset(layer_id: str, tms_id: str) -> Response:
    reader = current_principal()
    current_app.extensions["geohub"].registry.readable(layer_id, reader)
    if tms_id != TMS_ID:
        raise TilesetNotFoundError(
            tr(
                "There is no tile matrix set '{tms_id}'; GeoHub offers {offered}.",
                tms_id=tms_id,
                offered=TMS_ID,
            )
        )
    url = f"{_base()}/collections/{layer_id}/tiles/{TMS_ID}"
    return jsonify(ogc_tileset(_service().tileset(layer_id, reader), url, _language()))


@tiles.get("/collections/<layer_id>/tiles/<tms_id>/<int:z>/<int:y>/<int:x>")
@documented(
    summary="A vector tile of the layer (OGC order: row, column)",
    tags=("tiles",),
    path_names={"z": "tileMatrix", "y": "tileRow", "x": "tileCol"},
    responses={200: Reply("MVT", media=MVT), **TILE_REPLIES},
    problems=(400, 404),
)
def collection_tile(layer_id: str, tms_id: str, z: int, y: int, x: int) -> Response:
    reader = current_principal()
    current_app.extensions["geohub"].registry.readable(layer_id, reader)
    if tms_id != TMS_ID:
        raise TilesetNotFoundError(
            tr(
                "There is no tile matrix set '{tms_id}'; GeoHub offers {offered}.",
                tms_id=tms_id,
                offered=TMS_ID,
            )
        )
    data, token = _service().versioned_tile(layer_id, z, x, y, reader)
    return tile_response(data, MVT, reader.audience, token)
