"""Style routes: /styles (list, documents, preview pages, MapLibre assets), /fonts and /sprites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, request, send_file
from flask.blueprints import BlueprintSetupState

from geohub.auth.context import current_principal
from geohub.auth.keys import style_with_key
from geohub.base_url import request_base_url
from geohub.errors import NotFoundError
from geohub.messages import tr
from geohub.openapi.models import LanguageQuery
from geohub.openapi.operation import JSON, NOT_MODIFIED, Reply, documented
from geohub.request_language import request_language
from geohub.styles.documents import (
    DEFAULT_LABEL_LANGUAGE,
    Hidden,
    StyleInfo,
    StyleLibrary,
    etag_of,
    load_library,
)
from geohub.styles.glyphs import GLYPHS_MEDIA_TYPE, glyph_range_file
from geohub.styles.preview import ASSET_MEDIA_TYPES, asset_file, preview_page
from geohub.styles.sprites import SPRITE_MEDIA_TYPES, sprite_file

styles = Blueprint("styles", __name__)
STYLE_MAX_AGE_S = 300  # styles change with a deployment; ETags make revalidation cheap
STATIC_MAX_AGE_S = 86_400  # glyphs, sprites and MapLibre change only with `make install`
STYLE_MEDIA_TYPE = "application/vnd.mapbox.style+json"  # OGC API – Styles' name for a MapLibre style


@styles.record_once
def _load_styles(state: BlueprintSetupState) -> None:
    """Load and validate styles/ when the app is built: a bad file stops start-up, naming it."""
    state.app.extensions["geohub.styles"] = load_library()


def _library() -> StyleLibrary:
    return current_app.extensions["geohub.styles"]


def _base_url() -> str:
    return request_base_url()


def _label_language() -> str:
    return request.args.get("lang", DEFAULT_LABEL_LANGUAGE)


def _revalidated(response: Response, etag: str, max_age_s: int) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age_s}"
    response.make_conditional(request)  # 304 when If-None-Match matches; in place
    return response


def _static_file(path: Path, mimetype: str) -> Response:
    return send_file(path, mimetype=mimetype, conditional=True, etag=True, max_age=STATIC_MAX_AGE_S)


@styles.get("/styles")
@documented(
    summary="Every style with its title and links to the document and the preview page",
    tags=("styles",),
    query=LanguageQuery,
    responses={200: Reply("The styles"), 304: NOT_MODIFIED},
    problems=(400,),
)
def style_list() -> Response:
    """Every style with its title and links to the document and the preview page."""
    language = request_language()
    base = _base_url()
    query = f"?lang={request.args['lang']}" if request.args.get("lang") in ("kk", "ru", "en") else ""
    library = _library()
    body = {
        "styles": [
            _style_summary(info, base, language, query) for info in library.styles() if _readable(info.id)
        ],
        "links": [{"href": f"{base}/styles", "rel": "self", "type": "application/json"}],
    }
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    response = Response(data, mimetype="application/json")
    response.headers["Content-Language"] = language
    return _for_reader(_revalidated(response, etag_of(data), STYLE_MAX_AGE_S))


def _readable(style_id: str) -> bool:
    """False for a style whose every overlay is a layer the reader may not see (as if it did
    not exist); the basemap and styles mixing in public layers stay."""
    overlays = _library().overlays_of(style_id)
    if not overlays:
        return True
    registry = current_app.extensions["geohub"].registry
    principal = current_principal()
    return any(name not in registry.layers or principal.may_read(registry.layers[name]) for name in overlays)


def _visible_style(style_id: str) -> None:
    """NotFoundError, like an unknown style, when the reader may not see any of its layers."""
    if not _readable(style_id):
        raise NotFoundError(tr("There is no style '{style_id}'.", style_id=style_id))


def _hidden() -> Hidden:
    """The layers and attributes the reader may not see: their style layers are left out."""
    principal = current_principal()
    registry = current_app.extensions["geohub"].registry
    readable = registry.readable_layers(principal)
    return Hidden(
        layers=frozenset(registry.layers) - {layer.id for layer in readable},
        attributes=frozenset(
            (layer.id, attribute.name)
            for layer in readable
            for attribute in layer.attributes
            if attribute not in principal.visible_attributes(layer)
        ),
    )


def _for_reader(response: Response) -> Response:
    """Answers that depend on who asks are never shared between audiences by a cache."""
    response.vary.add("Authorization")
    if current_principal().is_signed_in:
        response.headers["Cache-Control"] = response.headers["Cache-Control"].replace("public", "private")
    return response


def _style_summary(info: StyleInfo, base: str, language: str, query: str) -> dict[str, Any]:
    title = info.title.in_language(language)
    return {
        "id": info.id,
        "title": title,
        "highContrast": info.high_contrast,
        "links": [
            {
                "href": f"{base}/styles/{info.id}.json{query}",
                "rel": "stylesheet",
                "type": STYLE_MEDIA_TYPE,
                "title": title,
            },
            {
                "href": f"{base}/styles/{info.id}.html{query}",
                "rel": "preview",
                "type": "text/html",
                "title": title,
            },
        ],
    }


@styles.get("/styles/<style_id>.json")
@documented(
    summary="A MapLibre style, its URLs on this server, its labels in `lang` (default ru)",
    tags=("styles",),
    query=LanguageQuery,
    examples={"style_id": "city"},
    responses={200: Reply("The style", media=JSON), 304: NOT_MODIFIED},
    problems=(400, 404),
)
def style_document(style_id: str) -> Response:
    """The MapLibre style, its URLs on this server, its labels in `lang` (kk, ru, en; default ru)."""
    body = _library().render(style_id, _base_url(), _label_language(), _hidden())
    _visible_style(style_id)
    key = request.args.get("key")  # a valid app key (else a 401 before here): its sources carry it on
    if key is not None:
        keyed = style_with_key(json.loads(body), key, _base_url())
        body = json.dumps(keyed, ensure_ascii=False).encode("utf-8")
    response = _revalidated(Response(body, mimetype="application/json"), etag_of(body), STYLE_MAX_AGE_S)
    if key is not None:
        response.headers["Cache-Control"] = response.headers["Cache-Control"].replace("public", "private")
    return _for_reader(response)


@styles.get("/styles/<style_id>.html")
@documented(
    summary="A page showing the style with MapLibre GL JS, centred on Almaty",
    tags=("styles",),
    query=LanguageQuery,
    examples={"style_id": "city"},
    responses={200: Reply("The page", media="text/html"), 304: NOT_MODIFIED},
    problems=(400, 404),
)
def style_preview(style_id: str) -> Response:
    """A page showing the style with MapLibre GL JS, centred on Almaty."""
    language = _label_language()
    library = _library()
    library.render(style_id, _base_url(), language)  # unknown style or language: 404 / 400 here
    _visible_style(style_id)
    base = _base_url()
    page = preview_page(
        title=library.info(style_id).title.in_language(language),
        style_url=f"{base}/styles/{style_id}.json?lang={language}",
        assets_url=f"{base}/styles/assets/maplibre-gl/dist",
        language=language,
        collections_url=f"{base}/collections?f=json&lang={language}",
        page_assets_url=f"{base}/assets",
    )
    body = page.encode("utf-8")
    response = Response(body, mimetype="text/html")
    response.headers["Content-Language"] = language
    return _for_reader(_revalidated(response, etag_of(body), STYLE_MAX_AGE_S))


@styles.get("/styles/assets/<path:asset>")
@documented(
    summary="MapLibre GL JS (module, worker, CSS) from npm, served here",
    tags=("styles",),
    examples={"asset": "maplibre-gl/dist/maplibre-gl.css"},
    responses={200: Reply("The file", media="*/*"), 304: NOT_MODIFIED},
    problems=(404,),
)
def style_asset(asset: str) -> Response:
    """MapLibre GL JS (module, worker, CSS) from npm, served here: nothing comes from a CDN."""
    path = asset_file(asset)
    if path is None:
        abort(404)
    return _static_file(path, ASSET_MEDIA_TYPES[path.suffix])


@styles.get("/fonts/<fontstack>/<range_name>.pbf")
@documented(
    summary="SDF glyphs of 256 code points of a font",
    tags=("styles",),
    examples={"fontstack": "DejaVu Sans", "range_name": "0-255"},
    responses={200: Reply("Glyphs (PBF)", media=GLYPHS_MEDIA_TYPE), 304: NOT_MODIFIED},
    problems=(400, 404),
)
def glyphs(fontstack: str, range_name: str) -> Response:
    """SDF glyphs of one 256-code-point range of the first font of `fontstack` served here."""
    # read whole, not streamed: geohub.compression then compresses it (the ranges halve)
    body = glyph_range_file(fontstack, range_name).read_bytes()
    return _revalidated(Response(body, mimetype=GLYPHS_MEDIA_TYPE), etag_of(body), STATIC_MAX_AGE_S)


@styles.get("/sprites/<sprite>.json")
@documented(
    summary="Where each icon sits in the sprite image",
    tags=("styles",),
    examples={"sprite": "geohub"},
    responses={200: Reply("The sprite index", media=SPRITE_MEDIA_TYPES["json"]), 304: NOT_MODIFIED},
    problems=(404,),
)
def sprite_index(sprite: str) -> Response:
    """Where each icon sits in the sprite image (`geohub`, or `geohub@2x` for high-density screens)."""
    return _static_file(sprite_file(sprite, "json"), SPRITE_MEDIA_TYPES["json"])


@styles.get("/sprites/<sprite>.png")
@documented(
    summary="The sprite image",
    tags=("styles",),
    examples={"sprite": "geohub"},
    responses={200: Reply("The sprite image", media=SPRITE_MEDIA_TYPES["png"]), 304: NOT_MODIFIED},
    problems=(404,),
)
def sprite_image(sprite: str) -> Response:
    """The sprite image."""
    return _static_file(sprite_file(sprite, "png"), SPRITE_MEDIA_TYPES["png"])
