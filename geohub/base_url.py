"""The base URL links are built on: `public_url` when set, else the request's own.

The one place GeoHub's routes ask where they are reached. Without `public_url`, the request's
scheme, Host and script root say it, so `geohub serve --port 9000` links to :9000; behind
`trusted_proxies` reverse proxies, ProxyFix (in `create_app`) has already put their
X-Forwarded-Proto/-Host/-Port in place, and without that trust those headers are ignored. Core
modules never call this: routes pass the result in, like any other argument.
"""

from __future__ import annotations

from flask import current_app, request


def request_base_url() -> str:
    """`public_url`, or the scheme, host and prefix the current request reached GeoHub at."""
    configured = current_app.extensions["geohub"].settings.public_url
    if configured:
        return str(configured)
    return request.url_root.rstrip("/")
