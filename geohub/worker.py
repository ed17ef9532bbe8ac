"""gunicorn's threaded worker, with GeoHub's answers to what it refuses before the app is reached.

gunicorn answers a request it cannot parse (a URI too long, a bad Content-Length, a malformed
header) itself, with an HTML page and `Server: gunicorn`. Here those answers are problem+json
like every other error, carry the same security headers as the app's answers, and no response
names the server software.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from gunicorn.http import errors, wsgi
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from geohub.errors import PROBLEM_TYPE_BASE
from geohub.i18n import negotiate_language
from geohub.messages import N_, Message, tr, translate
from geohub.security_headers import SECURITY_HEADERS

# exception class -> status, title, slug and a detail safe to show (never the exception's text)
_BAD_REQUEST = (400, N_("Bad Request"), "bad-request")
_CLIENT_ERRORS: list[tuple[type[Exception], tuple[int, str, str], Message]] = [
    (errors.LimitRequestLine, (414, N_("URI Too Long"), "uri-too-long"), tr("The request line is too long.")),
    (
        errors.LimitRequestHeaders,
        (431, N_("Request Header Fields Too Large"), "request-header-fields-too-large"),
        tr("The request has too many headers, or one that is too large."),
    ),
    (
        errors.ExpectationFailed,
        (417, N_("Expectation Failed"), "expectation-failed"),
        tr("Only Expect: 100-continue is supported."),
    ),
    (
        errors.ForbiddenProxyRequest,
        (403, N_("Forbidden"), "forbidden"),
        tr("Proxy requests are not accepted from this address."),
    ),
    (errors.InvalidRequestLine, _BAD_REQUEST, tr("The request line is not valid HTTP.")),
    (errors.InvalidRequestMethod, _BAD_REQUEST, tr("The request method is not valid HTTP.")),
    (errors.InvalidHTTPVersion, _BAD_REQUEST, tr("The HTTP version is not supported.")),
    (errors.UnsupportedTransferCoding, _BAD_REQUEST, tr("The request's Transfer-Encoding is not supported.")),
    (errors.InvalidHeader, _BAD_REQUEST, tr("The request has a header that is not valid HTTP.")),
    (errors.InvalidHeaderName, _BAD_REQUEST, tr("The request has a header that is not valid HTTP.")),
    (errors.ObsoleteFolding, _BAD_REQUEST, tr("The request has a header that is not valid HTTP.")),
    (errors.ParseException, _BAD_REQUEST, tr("The request is not valid HTTP.")),
]
_SERVER_ERROR = (500, N_("Internal Server Error"), "internal-error")
_SERVER_DETAIL = tr("Something went wrong on our side. Quote the request id when you report it.")


class GeohubResponse(wsgi.Response):
    """gunicorn's response without its `Server` header."""

    def default_headers(self) -> list[str]:
        return [line for line in super().default_headers() if not line.lower().startswith("server:")]


class GeohubWorker(ThreadWorker):
    """The gthread worker: problem+json for the requests gunicorn refuses, no `Server` header."""

    def init_process(self) -> None:
        # gunicorn builds every response from this name (gunicorn.http.wsgi.create); set once in
        # each worker process, before it serves anything
        wsgi.Response = GeohubResponse
        super().init_process()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        (status, title, slug), detail = classify_error(exc)
        request_id = uuid.uuid4().hex
        if status >= 500:
            self.log.exception("error %s handling a request: %s", request_id, type(exc).__name__)
        else:
            self.log.warning("invalid request from %s: %s", (addr or ("",))[0], exc)
        req = req or getattr(exc, "req", None)
        body = problem_body(status, title, slug, detail, request_id, _language(req), _path(req))
        try:
            write_nonblock(client, body)
        except Exception:  # the client is gone
            self.log.debug("failed to send the error answer")


def classify_error(exc: BaseException) -> tuple[tuple[int, str, str], Message]:
    """Status, title, slug and detail for an exception gunicorn caught outside the app."""
    for kind, status, detail in _CLIENT_ERRORS:
        if isinstance(exc, kind):
            return status, detail
    return _SERVER_ERROR, _SERVER_DETAIL


def problem_body(
    status: int, title: str, slug: str, detail: Message, request_id: str, language: str, path: str | None
) -> bytes:
    """A whole HTTP/1.1 answer: status line, headers, problem+json body; the connection closes."""
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": translate(title, language),
        "status": status,
        "detail": detail.render(language),
        "requestId": request_id,
    }
    if path:
        problem["instance"] = path
    content = json.dumps(problem, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/problem+json",
        "Content-Length": str(len(content)),
        "Content-Language": language,
        "Connection": "close",
        "Access-Control-Allow-Origin": "*",
        "X-Request-ID": request_id,
        **SECURITY_HEADERS,
    }
    head = f"HTTP/1.1 {status} {title}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + content


def _language(req: Any) -> str:
    headers = getattr(req, "headers", None) or []
    accept = next((v for k, v in headers if str(k).lower() == "accept-language"), None)
    return negotiate_language(accept)


def _path(req: Any) -> str | None:
    path = getattr(req, "path", None)
    return path if isinstance(path, str) and path.isprintable() and len(path) <= 2000 else None
