"""CORS on every response: public data is readable from any web origin."""

from __future__ import annotations

from flask import Flask, Response, request

EXPOSED_HEADERS = (
    "Content-Crs, Content-Language, ETag, Last-Modified, Link, X-Request-ID, "
    "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After"  # web apps may pace themselves
)


def register_cors(app: Flask) -> None:
    """Allow any origin to read (credentials never travel cross-origin) and answer preflights."""

    @app.after_request
    def _cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"
            response.headers["Access-Control-Allow-Headers"] = (
                request.headers.get("Access-Control-Request-Headers") or "Authorization, Content-Type"
            )
            response.headers["Access-Control-Max-Age"] = "86400"
        return response
