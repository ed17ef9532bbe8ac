"""OGC API – Features routes: checked input, pygeoapi in the middle, GeoHub's answers out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pygeoapi.api as core
import pygeoapi.api.itemtypes as itemtypes
from flask import Blueprint, Response, abort, current_app, request, send_file
from pygeoapi.api import API, APIRequest
from pygeoapi.util import render_j2_template
from werkzeug.datastructures import EnvironHeaders

from geohub.auth.context import current_principal
from geohub.base_url import request_base_url
from geohub.errors import GeoHubError, InvalidRequestError, LayerNotFoundError
from geohub.features.audiences import audience_api, for_base_url
from geohub.features.collections import (
    collection_links,
    conformance_document,
    landing_links,
    queryables_document,
    refresh_extents,
)
from geohub.features.crs import CRS84, canonical_crs
from geohub.features.csv_export import features_csv
from geohub.features.downloads import FORMATS, layer_download
from geohub.features.geojson import feature_collection_json, geojson_features
from geohub.features.html import self_contained, vendor_file
from geohub.features.links import items_links
from geohub.features.openapi import served_openapi
from geohub.features.params import COMMON_PARAMETERS, ItemsRequest, parse_items_request
from geohub.features.provider import items_request, output_crs, read_page, reader, visible_properties
from geohub.features.revalidation import revalidated
from geohub.features.schemas import SCHEMA_TYPE, feature_schema, geojson_feature_schema
from geohub.freshness import Freshness, layer_freshness, layers_freshness
from geohub.layers.models import LayerDefinition
from geohub.messages import Message, tr
from geohub.openapi.models import ItemsQuery, LanguageQuery
from geohub.openapi.operation import NOT_MODIFIED, Reply, documented
from geohub.request_language import request_language
from geohub.services import Services
from geohub.static_response import static_file_response

features = Blueprint("features", __name__)
GEOJSON = "application/geo+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"


@dataclass(frozen=True)
class _Request:
    """What pygeoapi's APIRequest reads from a Flask request, with our checked arguments."""

    args: dict[str, str]
    headers: Any
    data: bytes = b""


def _api() -> API:
    """The embedded pygeoapi of the reader's audience (anonymous readers' knows no restricted layer)."""
    api = audience_api(current_app.extensions, _services(), current_principal())
    return for_base_url(api, request_base_url())


def _services() -> Services:
    return current_app.extensions["geohub"]


def _call(function: Any, *args: Any, query: dict[str, str] | None = None) -> tuple[dict[str, str], int, Any]:
    """Run a framework-free pygeoapi function; its errors come back as GeoHubErrors."""
    api = _api()
    api_request = APIRequest.from_flask(_Request(*_pygeoapi_arguments(query)), api.locales)
    token = reader.set(current_principal())  # the provider shows only what the reader may see
    try:
        headers, status, content = function(api, api_request, *args)
    finally:
        reader.reset(token)
    if status >= 400:
        raise _pygeoapi_error(status, content)
    return dict(headers), int(status), content


def _pygeoapi_arguments(query: dict[str, str] | None) -> tuple[dict[str, str], EnvironHeaders]:
    """Query and headers for pygeoapi, with the language already chosen by GeoHub (kk, ru or en):
    pygeoapi fails on locales it has no text for, e.g. `lang=c` (POSIX)."""
    args = dict(query if query is not None else request.args.to_dict())
    language = _language()
    if "lang" in args:
        args["lang"] = language
    environ = dict(request.environ)
    if "HTTP_ACCEPT_LANGUAGE" in environ:
        environ["HTTP_ACCEPT_LANGUAGE"] = language
    return args, EnvironHeaders(environ)


def _pygeoapi_error(status: int, content: Any) -> GeoHubError:
    try:
        detail = json.loads(content).get("description", "")
    except (TypeError, ValueError):
        detail = ""
    message = _pygeoapi_message(status, detail)
    error = LayerNotFoundError(message) if status == 404 else InvalidRequestError(message)
    if status not in (400, 404):
        error.status = status
    return error


def _pygeoapi_message(status: int, detail: str) -> Message:
    """pygeoapi's refusals are English; GeoHub says them in its own translated words."""
    if status == 404:
        return tr("Nothing is published here: {reason}", reason=detail or request.path)
    if detail:
        return tr("The request cannot be answered: {reason}", reason=detail)
    return tr("The request cannot be answered as it is.")


def _format() -> str:
    """json, html or csv, from `f` or the Accept header (JSON when neither asks)."""
    asked = request.args.get("f")
    if asked is None:
        accept = request.accept_mimetypes
        best = accept.best_match(["application/json", GEOJSON, "text/html", "text/csv"], "application/json")
        asked = {"text/html": "html", "text/csv": "csv"}.get(best or "", "json")
    if asked not in ("json", "html", "csv", "jsonld"):
        raise InvalidRequestError(tr("Unknown format f={format}; use json, html or csv.", format=asked))
    return asked


def _check_arguments(allowed: frozenset[str]) -> None:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise InvalidRequestError(tr("Unknown query parameter: {names}.", names=", ".join(unknown)))


def _respond(headers: dict[str, str], status: int, content: Any, mimetype: str | None = None) -> Response:
    headers.pop("Content-Encoding", None)  # GeoHub never gzips in pygeoapi; a proxy may
    if isinstance(content, str) and headers.get("Content-Type", "").startswith("text/html"):
        content = self_contained(content)
    response = Response(content, status=status, headers=headers)
    if mimetype:
        response.headers["Content-Type"] = mimetype
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _json_response(headers: dict[str, str], document: Any, mimetype: str = "application/json") -> Response:
    return _respond(headers, 200, json.dumps(document, ensure_ascii=False), mimetype)


def _visible_layer(layer_id: str) -> LayerDefinition:
    """The layer, or 404 when it does not exist or the reader may not see it."""
    return _services().registry.readable(layer_id, current_principal())


@features.after_request
def _not_shared_when_signed_in(response: Response) -> Response:
    """What a signed-in reader gets may hold restricted data: no shared cache may keep it."""
    response.vary.add("Authorization")
    if current_principal().is_signed_in:
        response.cache_control.public = False
        response.cache_control.private = True
    return response


@features.get("/")
def landing_page() -> Response:
    _check_arguments(COMMON_PARAMETERS)
    headers, status, content = _call(core.landing_page)
    freshness = _readable_freshness().values()
    if _format() != "json":
        return revalidated(_respond(headers, status, content), freshness)
    document = json.loads(content)
    base = request_base_url()
    document["links"] = [
        link
        for link in document["links"]
        if "processes" not in link["href"]
        and "jobs" not in link["href"]
        and "TileMatrixSets" not in link["href"]
    ]
    document["links"] += landing_links(base)
    document["attribution"] = "© OpenStreetMap contributors, ODbL"
    return revalidated(_json_response(headers, document), freshness)


@features.get("/conformance")
def conformance() -> Response:
    _check_arguments(COMMON_PARAMETERS)
    if _format() == "html":
        api = _api()
        language = request_language()
        page = render_j2_template(
            api.tpl_config,
            api.config["server"]["templates"],
            "conformance.html",
            conformance_document(),
            language,
        )
        return _respond({"Content-Type": "text/html"}, 200, page)
    return _json_response({}, conformance_document())


@features.get("/openapi")
def openapi() -> Response:
    _check_arguments(COMMON_PARAMETERS | {"ui"})
    if _format() == "html":
        headers, status, content = _call(core.openapi_)
        return _respond(headers, status, content)
    if _format() != "json":
        raise InvalidRequestError(
            tr("Unknown format f={format}; use json, html or csv.", format=request.args.get("f"))
        )
    rules, views = current_app.url_map.iter_rules(), current_app.view_functions
    document = served_openapi(_api().openapi, rules, views, _services().registry)
    return _json_response({}, document, OPENAPI_JSON)


@features.get("/collections")
def collections() -> Response:
    _check_arguments(COMMON_PARAMETERS)
    services = _services()
    refresh_extents(_api().config, services)
    headers, status, content = _call(core.describe_collections)
    freshness = _readable_freshness()
    if _format() != "json":
        return revalidated(_respond(headers, status, content), freshness.values())
    document = json.loads(content)
    document["collections"] = [
        collection_links(c, services, request_base_url(), freshness[c["id"]])
        for c in document["collections"]
        if c["id"] in freshness
    ]
    return revalidated(_json_response(headers, document), freshness.values())


@features.get("/collections/<layer_id>")
def collection(layer_id: str) -> Response:
    _check_arguments(COMMON_PARAMETERS)
    layer = _visible_layer(layer_id)
    services = _services()
    refresh_extents(_api().config, services, only=layer_id)
    headers, status, content = _call(core.describe_collections, layer_id)
    freshness = layer_freshness(services, layer)
    if _format() != "json":
        return revalidated(_respond(headers, status, content), [freshness])
    document = collection_links(json.loads(content), services, request_base_url(), freshness)
    return revalidated(_json_response(headers, document), [freshness])


def _readable_freshness() -> dict[str, Freshness]:
    """Every layer the reader may see with its freshness (one query for all their imports)."""
    services = _services()
    return layers_freshness(services, services.registry.readable_layers(current_principal()))


@features.get("/collections/<layer_id>/queryables")
def queryables(layer_id: str) -> Response:
    _check_arguments(COMMON_PARAMETERS)
    layer = _visible_layer(layer_id)
    if _format() == "html":
        headers, status, content = _call(itemtypes.get_collection_queryables, layer_id)
        return _respond(headers, status, content)
    language = request_language()
    attributes = current_principal().visible_attributes(layer)
    document = queryables_document(layer, attributes, request_base_url(), language)
    return _json_response({"Content-Language": language}, document, "application/schema+json")


@features.get("/collections/<layer_id>/schema", defaults={"encoding": None})
@features.get("/collections/<layer_id>/schema/<any(geojson):encoding>")
@documented(
    summary="JSON Schema of the layer's features (OGC API – Features Part 5), or with /geojson "
    "of one feature as GeoJSON",
    tags=("schemas",),
    query=LanguageQuery,
    responses={200: Reply("The schema", media=SCHEMA_TYPE)},
    problems=(400, 404),
)
def schema(layer_id: str, encoding: str | None) -> Response:
    """JSON Schema of the features (Part 5), or of one feature as GeoJSON: what the reader may see."""
    _check_arguments(COMMON_PARAMETERS)
    layer = _visible_layer(layer_id)
    if request.args.get("f", "json") != "json":
        raise InvalidRequestError(tr("A schema is JSON only: use f=json or leave f out."))
    attributes = current_principal().visible_attributes(layer)
    build = feature_schema if encoding is None else geojson_feature_schema
    document = build(layer, attributes, request_base_url(), _language())
    return _json_response({"Content-Language": _language()}, document, SCHEMA_TYPE)


@features.get("/collections/<layer_id>/items")
@documented(
    summary="{title} features",
    tags=("features",),
    per_layer=True,
    query=ItemsQuery,
    responses={},
    problems=(400, 404),
)
def items(layer_id: str) -> Response:
    layer = _visible_layer(layer_id)
    checked = parse_items_request(layer, request.args.to_dict(), current_principal())
    fmt = _format()
    if fmt in ("json", "csv"):
        return _items_document(layer, checked, fmt)
    forwarded = {"f": fmt, "limit": str(checked.query.limit), "offset": str(checked.query.offset)}
    if "lang" in request.args:
        forwarded["lang"] = request.args["lang"]
    token = items_request.set(checked)
    try:
        headers, status, content = _call(itemtypes.get_collection_items, layer_id, query=forwarded)
    finally:
        items_request.reset(token)
    headers["Content-Crs"] = f"<{checked.crs}>"
    return _respond(headers, status, content)


def _items_document(layer: LayerDefinition, checked: ItemsRequest, fmt: str) -> Response:
    """GeoJSON or CSV written by GeoHub itself from the provider's page (pygeoapi does HTML)."""
    services = _services()
    page = read_page(services, layer, checked)
    visible = visible_properties(checked)
    headers = {"Content-Crs": f"<{checked.crs}>", "Content-Language": _language()}
    if fmt == "csv":
        rows = geojson_features(page.features, visible, checked.crs, skip_geometry=checked.skip_geometry)
        headers["Content-Disposition"] = f'attachment; filename="{layer.id}.csv"'
        return _respond(headers, 200, features_csv(rows, visible), "text/csv; charset=utf-8")
    members = {
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "links": items_links(request_base_url(), layer, checked, page.number_matched),
    }
    text = feature_collection_json(
        page.features, visible, checked.crs, members, skip_geometry=checked.skip_geometry
    )
    return _respond(headers, 200, text, GEOJSON)


def _language() -> str:
    return request_language()


@features.get("/collections/<layer_id>/items/<feature_id>")
def item(layer_id: str, feature_id: str) -> Response:
    _check_arguments(COMMON_PARAMETERS | {"crs"})
    _visible_layer(layer_id)
    crs = canonical_crs(request.args["crs"]) if "crs" in request.args else CRS84
    fmt = _format()
    token = output_crs.set(crs)
    try:
        query = {"f": fmt, **({"lang": request.args["lang"]} if "lang" in request.args else {})}
        headers, status, content = _call(itemtypes.get_collection_item, layer_id, feature_id, query=query)
    finally:
        output_crs.reset(token)
    headers["Content-Crs"] = f"<{crs}>"
    if fmt != "json":
        return _respond(headers, status, content)
    return _respond(headers, status, content, GEOJSON)


@features.get("/collections/<layer_id>/download.<extension>")
@documented(
    summary="Download {title} ({extension})",
    tags=("features",),
    per_layer=True,
    path_values={"extension": tuple(FORMATS)},
    query=LanguageQuery,
    responses={
        200: Reply("The whole layer", media={name: media for name, (_, media) in FORMATS.items()}),
        304: NOT_MODIFIED,
    },
    problems=(400, 404),
)
def download(layer_id: str, extension: str) -> Response:
    """The whole layer as one file; cached per version, with ETag and conditional requests."""
    _check_arguments(COMMON_PARAMETERS)
    layer = _visible_layer(layer_id)
    if extension not in FORMATS:
        abort(404)
    path = layer_download(_services(), layer, extension, current_principal())
    response = send_file(
        path,
        mimetype=FORMATS[extension][1],
        as_attachment=True,
        download_name=f"{layer.id}.{extension}",
        conditional=True,
        etag=True,
        max_age=300,
    )
    return response


@features.get("/vendor/<path:asset>")
@documented(
    summary="A script or style file of the HTML pages, bundled from npm",
    tags=("pages",),
    examples={"asset": "leaflet/dist/leaflet.js"},
    responses={200: Reply("The file", media="*/*"), 304: NOT_MODIFIED},
    problems=(404,),
)
def vendor(asset: str) -> Response:
    """Script and style files the HTML pages use, bundled from npm (nothing comes from a CDN)."""
    path = vendor_file(asset)
    if path is None:
        abort(404)
    return static_file_response(path, max_age_s=86_400)
