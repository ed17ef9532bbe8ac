"""The language of the request being served (Flask's request; see geohub.i18n for the rules).

An answer whose language came from `Accept-Language` says `Vary: Accept-Language`, so a shared
cache (nginx in front of several nodes, a CDN) never hands a Kazakh TileJSON or page to a Russian
reader. One asked with `?lang=` names its language in the URL and needs no Vary.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from geohub.i18n import negotiate_language

NEGOTIATED = "geohub_language_negotiated"


def request_language() -> str:
    """`?lang=`, else the best of Accept-Language, else English."""
    asked = request.args.get("lang")
    if asked is None:
        setattr(g, NEGOTIATED, True)
    return negotiate_language(request.headers.get("Accept-Language"), asked)


def register_language_vary(app: Flask) -> None:
    """Add `Vary: Accept-Language` to every answer whose language the header chose."""

    @app.after_request
    def _vary_on_language(response: Response) -> Response:
        if g.get(NEGOTIATED):
            response.vary.add("Accept-Language")
        return response
