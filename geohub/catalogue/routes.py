"""The live catalogue over HTTP: each worker's refresh before requests, and layer definitions as YAML."""

from __future__ import annotations

import threading

from flask import Blueprint, Flask, Response, current_app, request

from geohub.auth.http import require_signed_in
from geohub.catalogue.refresh import STYLES, LiveCatalogue
from geohub.layers.export import definition_yaml
from geohub.openapi.operation import Reply, documented
from geohub.services import Services

catalogue = Blueprint("catalogue", __name__)
LIVE = "geohub.catalogue"
YAML = "application/yaml"
_MAKING = threading.Lock()


def register_live_catalogue(app: Flask) -> None:
    """Before every request, look for newly approved layers (see refresh.py); register it before any
    hook that reads the registry (layer visibility)."""
    app.before_request(refresh_catalogue)
    app.register_blueprint(catalogue)


def live_catalogue() -> LiveCatalogue:
    """The app's LiveCatalogue, made on the first request (the style library exists by then)."""
    live: LiveCatalogue | None = current_app.extensions.get(LIVE)
    if live is None:
        with _MAKING:
            live = current_app.extensions.get(LIVE)
            if live is None:
                services: Services = current_app.extensions["geohub"]
                live = LiveCatalogue(
                    services,
                    current_app.extensions,
                    current_app.extensions[STYLES],
                    services.settings.layers.refresh_interval_s,
                )
                current_app.extensions[LIVE] = live
    return live


UNCHECKED = frozenset({"health.healthz"})  # liveness answers without touching storage


def refresh_catalogue() -> None:
    if request.endpoint not in UNCHECKED:
        live_catalogue().check()


@catalogue.get("/collections/<layer_id>/definition")
@documented(
    summary="The layer's definition as YAML, as `geohub layers export` writes it to layers/<id>.yaml",
    tags=("publishing",),
    security="bearer",
    responses={200: Reply("The definition", media=YAML)},
    problems=(401, 404),
)
def layer_definition(layer_id: str) -> Response:
    """The layer's definition as YAML (staff; a restricted layer only for those who may read it)."""
    principal = require_signed_in()
    services: Services = current_app.extensions["geohub"]
    layer = services.registry.readable(layer_id, principal)
    response = Response(definition_yaml(layer), mimetype=YAML)
    response.headers["Content-Disposition"] = f'inline; filename="{layer.id}.yaml"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
