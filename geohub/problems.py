"""The one problem+json handler: every error leaves GeoHub as RFC 7807 problem details."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from geohub.errors import PROBLEM_TYPE_BASE, FieldError, GeoHubError, InvalidRequestError
from geohub.messages import N_, Message, MissingTranslation, tr, translate
from geohub.request_language import request_language
from geohub.validation_messages import field_message

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("geohub.errors")


# Werkzeug's HTTP error names, which become problem titles
HTTP_TITLES = (
    N_("Bad Request"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Not Acceptable"),
    N_("Request Entity Too Large"),
    N_("Unsupported Media Type"),
    N_("Request Header Fields Too Large"),
    N_("Too Many Requests"),
    N_("Internal Server Error"),
)


def problem_response(
    slug: str, title: str, status: int, detail: Message, errors: list[FieldError] | None = None
) -> Response:
    """A problem+json response in the request's language, with the request id attached."""
    language, body = _localized(slug, title, status, detail, errors or [])
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["requestId"] = request_id
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    response.headers["Content-Language"] = language
    return response


def _localized(
    slug: str, title: str, status: int, detail: Message, errors: list[FieldError]
) -> tuple[str, dict[str, Any]]:
    """Language and body; English when translating fails, so an error answer never does."""
    try:
        language = request_language()
        return language, _body(slug, title, status, detail, errors, language)
    except MissingTranslation:
        raise  # only in strict mode (the tests): a message without its translation is a fault
    except Exception:
        log.exception("could not translate the problem %s", slug)
        return "en", _body(slug, title, status, tr("Something went wrong on our side."), [], "en", quiet=True)


def _body(
    slug: str,
    title: str,
    status: int,
    detail: Message,
    errors: list[FieldError],
    language: str,
    quiet: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title if quiet else translate(title, language),
        "status": status,
        "detail": str(detail) if quiet else detail.render(language),
        "instance": request.path,
    }
    if errors and not quiet:
        body["errors"] = [e.to_json(language) for e in errors]
    return body


def _geohub_error(error: GeoHubError) -> Response:
    if error.status >= 500:
        log.error("%s: %s", type(error).__name__, error.detail)
    return problem_response(error.slug, error.title, error.status, error.message, error.errors)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    slug = (error.name or "error").lower().replace(" ", "-")
    methods = getattr(error, "valid_methods", None)
    if status == 404:
        detail = tr("Nothing is published at {path}.", path=request.path)
    elif status == 405 and methods:
        detail = tr("This method is not allowed here; allowed: {methods}.", methods=", ".join(methods))
    elif status == 413:
        detail = tr(
            "The request body is larger than {limit} bytes.",
            limit=current_app.config.get("MAX_CONTENT_LENGTH"),
        )
    else:
        detail = _http_detail(status)
    response = problem_response(slug, error.name or "Error", status, detail)
    if status == 405 and methods:
        response.headers["Allow"] = ", ".join(methods)
    return response


def _http_detail(status: int) -> Message:
    """Werkzeug's own descriptions are English only; each status gets a sentence of ours."""
    if status == 406:
        return tr("GeoHub cannot answer in any of the formats the request accepts.")
    if status == 415:
        return tr("The request body is of a type this route does not read.")
    if status == 431:
        return tr("The request headers are too large.")
    if 400 <= status < 500:
        return tr("The request cannot be answered as it is.")
    return tr("Something went wrong on our side. Quote the request id when you report it.")


def _validation_error(error: ValidationError) -> Response:
    fields = [
        FieldError(".".join(str(p) for p in e["loc"]) or "(body)", field_message(e)) for e in error.errors()
    ]
    return _geohub_error(InvalidRequestError(tr("The request has invalid fields."), fields))


def _unexpected_error(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(
        "internal-error",
        N_("Internal server error"),
        500,
        tr("Something went wrong on our side. Quote the request id when you report it."),
    )


def register_problem_handlers(app: Flask) -> None:
    """Route every exception through one of the handlers above."""
    app.register_error_handler(GeoHubError, _geohub_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(Exception, _unexpected_error)
