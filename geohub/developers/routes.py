"""/developers/: the page for app developers, registering an app, and a key's use per day."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from limits import parse

from geohub.auth.context import current_principal
from geohub.auth.http import accounts, current_app_key, rate_text
from geohub.base_url import request_base_url
from geohub.developers.catalog import snippets, style_links, tileset_links
from geohub.developers.models import AppKeyUsage, RegisteredAppKey
from geohub.developers.page import render_page
from geohub.developers.registration import AppRegistration, register_app
from geohub.errors import UnauthorizedError
from geohub.messages import tr
from geohub.openapi.operation import NO_STORE, NOT_MODIFIED, Body, Reply, documented
from geohub.request_body import json_object
from geohub.request_language import request_language
from geohub.services import Services
from geohub.webmap.page import LANGUAGE_COOKIE, page_language

developers = Blueprint("developers", __name__)


def register_developers(app: Flask) -> None:
    """The developers page and its JSON endpoints."""
    app.register_blueprint(developers)


@developers.get("/developers/")
@documented(
    summary="The page for app developers: tilesets, styles, the OGC API, snippets, keys and their use",
    tags=("developers",),
    security="none",
    responses={200: Reply("The page", media="text/html"), 304: NOT_MODIFIED},
    problems=(400,),
)
def developers_page() -> Response:
    """The page in the language of `?lang=`, the `geohub_lang` cookie or Accept-Language."""
    services: Services = current_app.extensions["geohub"]
    language = page_language(
        request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language")
    )
    base = request_base_url()
    readable = current_app.extensions["geohub.tiles"].tilesets_for(current_principal()).values()
    styles = [s for s in current_app.extensions["geohub.styles"].styles() if _public_style(s.id)]
    body = render_page(
        language,
        base,
        tileset_links(readable, base, language),
        style_links(styles, base, language),
        snippets(base, language),
        rate_text(parse(services.settings.auth.app_key_rate_limit)).render(language),
    ).encode("utf-8")
    response = Response(body, mimetype="text/html")
    response.headers["Content-Language"] = language
    response.vary.update(("Accept-Language", "Cookie", "Authorization"))
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.make_conditional(request)
    return response


def _public_style(style_id: str) -> bool:
    overlays = current_app.extensions["geohub.styles"].overlays_of(style_id)
    registry = current_app.extensions["geohub"].registry
    principal = current_principal()
    return not overlays or any(
        name not in registry.layers or principal.may_read(registry.layers[name]) for name in overlays
    )


@developers.post("/developers/apps")
@documented(
    summary="Register an app: a key with the default rate limit, shown once",
    tags=("developers",),
    operation_id="registerApp",
    security="none",
    body=Body(AppRegistration),
    responses={201: Reply("The new key (shown once)", RegisteredAppKey, headers=NO_STORE)},
    problems=(400, 429),
)
def register_app_key() -> tuple[Response, int]:
    """A new app key for a name, a confirmed e-mail and the accepted terms."""
    registration = AppRegistration.model_validate(json_object())
    limit = current_app.extensions["geohub"].settings.auth.app_key_rate_limit
    made = register_app(accounts().keys, registration, limit)
    response = jsonify(
        {
            "key": made.key,
            "keyId": made.key_id,
            "app": made.app,
            "rateLimit": made.rate_limit,
            "rateLimitText": rate_text(parse(made.rate_limit)).render(request_language()),
            "createdAt": made.created_at.isoformat().replace("+00:00", "Z"),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@developers.get("/developers/usage")
@documented(
    summary="The requests per day of the app key in the X-API-Key header, the last 30 days (UTC)",
    tags=("developers",),
    operation_id="keyUsage",
    security="none",
    responses={200: Reply("The key's use", AppKeyUsage, headers=NO_STORE)},
    problems=(401, 429),
)
def key_usage() -> Response:
    """The key's requests per day and its limit; the key only in the header (pages keep URLs clean)."""
    key = current_app_key() if "X-API-Key" in request.headers else None
    if key is None:
        raise UnauthorizedError(tr("Send the app key in the X-API-Key header."))
    days = accounts().keys.usage_by_day(key.id)
    response = jsonify(
        {
            "keyId": key.id,
            "app": key.app,
            "rateLimit": key.rate_limit,
            "rateLimitText": rate_text(parse(key.rate_limit)).render(request_language()),
            "today": days[-1][1],
            "total": sum(requests for _, requests in days),
            "days": [{"day": day, "requests": requests} for day, requests in days],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
