"""Liveness and readiness: /healthz (process up) and /readyz (storage reachable, layers loaded;
with read replicas, each one's health: a node stays ready on its primary alone)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from geohub.errors import GeoHubError
from geohub.openapi.models import Liveness, Readiness
from geohub.openapi.operation import Reply, documented
from geohub.request_language import request_language
from geohub.services import Services
from geohub.storage import replica_status

health = Blueprint("health", __name__)


def readiness(services: Services, language: str = "en") -> tuple[bool, dict[str, object]]:
    """Whether the store answers (why not, in `language`), and which layers have published data."""
    try:
        services.store.check()
        empty = [layer.id for layer in services.registry if services.store.current_version(layer.id) is None]
    except GeoHubError as error:
        return False, {
            "status": "unavailable",
            "storage": services.settings.storage_backend,
            "detail": error.message.render(language),
        }
    body: dict[str, object] = {
        "status": "ready",
        "storage": services.settings.storage_backend,
        "layers": len(services.registry),
        "layersWithoutData": empty,
    }
    replicas = replica_status(services.store)
    if replicas is not None:  # ready on the primary alone, but each replica's health is said
        body["replicas"] = replicas
    return True, body


@health.get("/healthz")
@documented(summary="Liveness", tags=("server",), responses={200: Reply("The process is up", Liveness)})
def healthz() -> Response:
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


@health.get("/readyz")
@documented(
    summary="Readiness: storage reachable, layers loaded",
    tags=("server",),
    responses={200: Reply("Ready", Readiness), 503: Reply("Storage is unreachable", Readiness)},
)
def readyz() -> tuple[Response, int]:
    ready, body = readiness(current_app.extensions["geohub"], request_language())
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503
