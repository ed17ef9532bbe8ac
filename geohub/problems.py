"""The one problem+json handler: every error leaves GeoHub as RFC 7807 problem details."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, json, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from geohub.errors import PROBLEM_TYPE_BASE, FieldError, GeoHubError, InvalidRequestError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("geohub.errors")


def problem_response(body: dict[str, object], status: int) -> Response:
    """A problem+json response with the request id attached."""
    request_id = getattr(g, "request_id", None)
    if request_id:
        body = {**body, "requestId": request_id}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)


def _geohub_error(error: GeoHubError) -> Response:
    if error.status >= 500:
        log.error("%s: %s", type(error).__name__, error.detail)
    return problem_response(error.to_problem(request.path), error.status)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    slug = (error.name or "error").lower().replace(" ", "-")
    body = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": error.name,
        "status": status,
        "detail": error.description,
        "instance": request.path,
    }
    response = problem_response(body, status)
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def _validation_error(error: ValidationError) -> Response:
    fields = [FieldError(".".join(str(p) for p in e["loc"]) or "(body)", e["msg"]) for e in error.errors()]
    return _geohub_error(InvalidRequestError("The request has invalid fields.", fields))


def _unexpected_error(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    body = {
        "type": PROBLEM_TYPE_BASE + "internal-error",
        "title": "Internal server error",
        "status": 500,
        "detail": "Something went wrong on our side. Quote the request id when you report it.",
        "instance": request.path,
    }
    return problem_response(body, 500)


def register_problem_handlers(app: Flask) -> None:
    """Route every exception through one of the handlers above."""
    app.register_error_handler(GeoHubError, _geohub_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(Exception, _unexpected_error)
