"""The landing page at /: what GeoHub serves, its layers, and the data attribution."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from geohub import __version__
from geohub.i18n import negotiate_language
from geohub.layers.catalog import summarize_layers
from geohub.services import Services

landing = Blueprint("landing", __name__)
TITLE = {"kk": "GeoHub Алматы", "ru": "GeoHub Алматы", "en": "GeoHub Almaty"}


@landing.get("/")
def landing_page() -> Response:
    services: Services = current_app.extensions["geohub"]
    language = negotiate_language(request.headers.get("Accept-Language"), request.args.get("lang"))
    base = services.settings.public_url
    layers = summarize_layers(services.registry, services.store)
    response = jsonify(
        {
            "title": TITLE[language],
            "version": __version__,
            "attribution": sorted({s.layer.attribution for s in layers}),
            "layers": [s.as_json(language) for s in layers],
            "links": [
                {"rel": "self", "href": f"{base}/", "type": "application/json"},
                {"rel": "service-status", "href": f"{base}/readyz", "type": "application/json"},
            ],
        }
    )
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return response
