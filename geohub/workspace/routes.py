"""/workspace/: the departments' workspace page (its scripts and styles are served from /app/workspace/)."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, request

from geohub.base_url import request_base_url
from geohub.openapi.operation import NOT_MODIFIED, Reply, documented
from geohub.webmap.page import LANGUAGE_COOKIE, page_language
from geohub.workspace.page import page_config, render_page

workspace = Blueprint("workspace", __name__)


@workspace.get("/workspace/")
@documented(
    summary="The departments' workspace: sign in, publish layers, the report queue, administration",
    tags=("pages",),
    security="none",
    responses={200: Reply("The page", media="text/html"), 304: NOT_MODIFIED},
    problems=(400,),
)
def workspace_page() -> Response:
    """The page in the language of `?lang=`, the `geohub_lang` cookie or Accept-Language; the
    signing in happens in the page (a bearer token in sessionStorage), so the page is the same for all."""
    language = page_language(
        request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language")
    )
    services = current_app.extensions["geohub"]
    body = render_page(page_config(services, language, request_base_url())).encode("utf-8")
    response = Response(body, mimetype="text/html")
    response.headers["Content-Language"] = language
    response.vary.update(("Accept-Language", "Cookie"))
    response.headers["Cache-Control"] = "no-cache"  # revalidated each time: a new view shows at once
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.make_conditional(request)
    return response
