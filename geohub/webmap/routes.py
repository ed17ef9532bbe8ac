"""The web map: `/` for a browser (the OGC landing page stays for API clients) and its files at /app."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, Response, abort, current_app, request

from geohub.auth.context import current_principal
from geohub.base_url import request_base_url
from geohub.openapi.operation import NOT_MODIFIED, Reply, documented
from geohub.services import Services
from geohub.static_response import static_file_response
from geohub.webmap.assets import app_file, vendor_file
from geohub.webmap.config import STYLE, page_config
from geohub.webmap.page import LANGUAGE_COOKIE, page_language, render_page

webmap = Blueprint("webmap", __name__)
APP_MAX_AGE_S = 300  # the map's own scripts change with a deployment; ETags make revalidation cheap
VENDOR_MAX_AGE_S = 31_536_000  # npm files under a versioned URL never change
VENDOR_PREFIX = "vendor/"


def register_webmap(app: Flask) -> None:
    """The map page at `/` for browsers, before the OGC landing page answers, and /app files."""
    app.register_blueprint(webmap)
    app.before_request(_map_page_for_browsers)


def wants_map_page() -> bool:
    """A browser asking for `/`: no `f=`, and Accept prefers HTML to JSON (`*/*` is JSON)."""
    if request.path != "/" or request.method not in ("GET", "HEAD") or "f" in request.args:
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"], "application/json")
    return best == "text/html"


def _map_page_for_browsers() -> Response | None:
    return map_page() if wants_map_page() else None


def map_page() -> Response:
    """The web map, in the language of `?lang=`, the `geohub_lang` cookie or Accept-Language."""
    services: Services = current_app.extensions["geohub"]
    language = page_language(
        request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language")
    )
    overlays = current_app.extensions["geohub.styles"].overlays_of(STYLE)
    layers = services.registry.readable_layers(current_principal())
    config = page_config(services, language, request_base_url(), layers, overlays)
    body = render_page(config).encode("utf-8")
    response = Response(body, mimetype="text/html")
    response.headers["Content-Language"] = language
    response.vary.update(("Accept", "Accept-Language", "Cookie", "Authorization"))
    response.headers["Cache-Control"] = "no-cache"  # revalidated each time: a new deployment shows at once
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.make_conditional(request)  # 304 when If-None-Match matches; in place
    return response


@webmap.get("/app/<path:asset>")
@documented(
    summary="A file of the web map: its scripts and styles, and the npm files it loads (MapLibre, uPlot)",
    tags=("pages",),
    examples={"asset": "core.js"},
    responses={200: Reply("The file", media="*/*"), 304: NOT_MODIFIED},
    problems=(404,),
)
def app_asset(asset: str) -> Response:
    """A web map file, Brotli- or gzip-compressed as the client accepts; npm files under a versioned path."""
    if asset.startswith(VENDOR_PREFIX):
        versioned, _, file = asset.removeprefix(VENDOR_PREFIX).partition("/")
        path, max_age_s = vendor_file(versioned, file), VENDOR_MAX_AGE_S
    else:
        path, max_age_s = app_file(asset), APP_MAX_AGE_S
    if path is None:
        abort(404)
    return static_file_response(path, max_age_s, immutable=max_age_s == VENDOR_MAX_AGE_S)
