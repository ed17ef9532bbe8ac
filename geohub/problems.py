"""The one problem+json handler: every error leaves GeoHub as RFC 7807 problem details."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from geohub.errors import PROBLEM_TYPE_BASE, FieldError, GeoHubError, InvalidRequestError
from geohub.i18n import negotiate_language
from geohub.messages import localize_detail, localize_title

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("geohub.errors")


def problem_response(slug: str, title: str, status: int, detail: str, **extra: Any) -> Response:
    """A problem+json response in the request's language, with the request id attached."""
    language, title, detail = _localized(slug, title, detail)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extra,
    }
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["requestId"] = request_id
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    response.headers["Content-Language"] = language
    return response


def _localized(slug: str, title: str, detail: str) -> tuple[str, str, str]:
    """Language, title and detail; English when translating fails, so an error answer never does."""
    try:
        language = negotiate_language(request.headers.get("Accept-Language"), request.args.get("lang"))
        return language, localize_title(slug, title, language), localize_detail(detail, language)
    except Exception:
        log.exception("could not translate the problem %s", slug)
        return "en", title, detail


def _geohub_error(error: GeoHubError) -> Response:
    if error.status >= 500:
        log.error("%s: %s", type(error).__name__, error.detail)
    extra = {}
    if error.errors:
        extra["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    return problem_response(error.slug, error.title, error.status, error.detail, **extra)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    slug = (error.name or "error").lower().replace(" ", "-")
    detail = error.description or ""
    methods = getattr(error, "valid_methods", None)
    if status == 404:
        detail = f"Nothing is published at {request.path}."
    elif status == 405 and methods:
        detail = f"This method is not allowed here; allowed: {', '.join(methods)}."
    elif status == 413:
        detail = f"The request body is larger than {current_app.config.get('MAX_CONTENT_LENGTH')} bytes."
    response = problem_response(slug, error.name or "Error", status, detail)
    if status == 405 and methods:
        response.headers["Allow"] = ", ".join(methods)
    return response


def _validation_error(error: ValidationError) -> Response:
    fields = [FieldError(".".join(str(p) for p in e["loc"]) or "(body)", e["msg"]) for e in error.errors()]
    return _geohub_error(InvalidRequestError("The request has invalid fields.", fields))


def _unexpected_error(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(
        "internal-error",
        "Internal server error",
        500,
        "Something went wrong on our side. Quote the request id when you report it.",
    )


def register_problem_handlers(app: Flask) -> None:
    """Route every exception through one of the handlers above."""
    app.register_error_handler(GeoHubError, _geohub_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(Exception, _unexpected_error)
