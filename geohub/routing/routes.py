"""GET /api/route and GET /api/isochrone: accessible pedestrian routing over HTTP."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from flask import request as http_request
from pydantic import BaseModel, ConfigDict, Field

from geohub.errors import FieldError, InvalidRequestError
from geohub.messages import localized, tr
from geohub.openapi.models import Language
from geohub.openapi.operation import NO_STORE, Reply, documented
from geohub.problems import problem_response
from geohub.reports.routes import report_service_of
from geohub.request_language import request_language
from geohub.routing.barriers import Barriers, barrier_reader
from geohub.routing.profiles import LIMIT_PARAMETERS, PROFILES, Profile
from geohub.routing.service import NoRouteError, Point, RoutingService

SERVICE = "geohub.routing"
MAX_VIA = 5
POINT_EXAMPLE = "76.9457,43.2383"

routing = Blueprint("routing", __name__)


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str = Field(
        "pedestrian", description=f"One of: {', '.join(PROFILES)}.", examples=["manual_wheelchair"]
    )
    lang: Language | None = None
    max_incline_up: float | None = Field(
        None, ge=0, le=50, allow_inf_nan=False, description="Uphill limit, %."
    )
    max_incline_down: float | None = Field(
        None, ge=0, le=50, allow_inf_nan=False, description="Downhill limit, %."
    )
    avoid_steps: bool | None = None
    max_kerb_cm: float | None = Field(
        None, ge=0, le=100, allow_inf_nan=False, description="Highest kerb, cm."
    )
    user_width_cm: float | None = Field(
        None, ge=0, le=300, allow_inf_nan=False, description="Your width, cm."
    )
    avoid_rough: bool | None = None
    prefer_lit: bool | None = None
    prefer_signalised: bool | None = Field(None, description="Prefer crossings with (sound) signals.")


class RouteQuery(_Query):
    """Where from and to (lon,lat), via points (`lon,lat;lon,lat`, up to 5), profile and its limits."""

    from_: str = Field(alias="from", description="lon,lat", examples=[POINT_EXAMPLE])
    to: str = Field(description="lon,lat", examples=["76.9500,43.2400"])
    via: str | None = Field(None, description="lon,lat;lon,lat (up to 5 points)")


class IsochroneQuery(_Query):
    """Where from (lon,lat), how many minutes (1 to 60), profile and its limits."""

    from_: str = Field(alias="from", description="lon,lat", examples=[POINT_EXAMPLE])
    minutes: float = Field(ge=1, le=60, allow_inf_nan=False, examples=[10])


class RouteAnswer(BaseModel):
    """A GeoJSON Feature: the route's LineString and its distance, duration, incline profile,
    instructions, warnings (each with its kind, text, a point `at`, and the stretch it covers:
    `from_m` to `to_m` from the start), unknown attributes and the reports it avoided."""

    type: str
    geometry: dict[str, Any]
    properties: dict[str, Any]


class IsochroneAnswer(BaseModel):
    """A GeoJSON FeatureCollection of the reachable edges, each with the seconds to reach it, and
    `area`: their outline as a polygon (a concave hull; null when nothing is reached)."""

    type: str
    minutes: float
    profile: str
    area: dict[str, Any] | None
    features: list[dict[str, Any]]


def register_routing(app: Flask) -> None:
    """The routing routes over the routing service; barriers from the reports service."""
    services = app.extensions["geohub"]
    reports = report_service_of(app)
    accessibility = [category.code for category in reports.categories if category.accessibility]
    barriers = Barriers(barrier_reader(lambda: reports.records, accessibility))
    reports.on_change(barriers.forget)
    app.extensions[SERVICE] = RoutingService(services, barriers)
    app.register_blueprint(routing)


def routing_service_of(app: Flask) -> RoutingService:
    """The app's routing service."""
    service: RoutingService = app.extensions[SERVICE]
    return service


@routing.get("/api/route")
@documented(
    summary="An accessible pedestrian route for a profile (wheelchair, walker, stroller, low vision…)",
    tags=("routing",),
    operation_id="route",
    query=RouteQuery,
    responses={
        200: Reply(
            "The route as a GeoJSON Feature", RouteAnswer, media="application/geo+json", headers=NO_STORE
        )
    },
    problems=(400, 404, 422),
)
def route() -> Response:
    """The route between the points for the profile; 422 naming the blocking limit when none."""
    query = RouteQuery.model_validate(http_request.args.to_dict())
    via = [_point(p, "via") for p in query.via.split(";")] if query.via else []
    if len(via) > MAX_VIA:
        message = tr("At most {count} via points.", count=MAX_VIA)
        raise InvalidRequestError(message, [FieldError("via", message)])
    points = [_point(query.from_, "from"), *via, _point(query.to, "to")]
    language = request_language()
    answer = routing_service_of(current_app).route(points, _profile(query), language)
    return _geojson(localized(answer, language))


@routing.get("/api/isochrone")
@documented(
    summary="What a profile reaches from a point within some minutes",
    tags=("routing",),
    operation_id="isochrone",
    query=IsochroneQuery,
    responses={
        200: Reply(
            "The reachable edges as GeoJSON", IsochroneAnswer, media="application/geo+json", headers=NO_STORE
        )
    },
    problems=(400, 404, 422),
)
def isochrone() -> Response:
    """The edges reachable within `minutes`."""
    query = IsochroneQuery.model_validate(http_request.args.to_dict())
    answer = routing_service_of(current_app).isochrone(
        _point(query.from_, "from"), query.minutes, _profile(query)
    )
    return _geojson(answer)


@routing.errorhandler(NoRouteError)
def no_route(error: NoRouteError) -> Response:
    """The 422 problem, with the blocking `constraint` and the `relaxed` route."""
    response = problem_response(error.slug, error.title, error.status, error.message, error.errors)
    body = json.loads(response.get_data())
    body["constraint"] = error.constraint
    body["relaxed"] = localized(error.relaxed, request_language())
    response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def _geojson(answer: dict[str, Any]) -> Response:
    response = jsonify(answer)
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "no-store"  # barriers change within seconds
    return response


def _point(text: str, name: str) -> Point:
    parts = text.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        lon = lat = math.nan
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        message = tr("Write a point as longitude,latitude, e.g. {example}.", example=POINT_EXAMPLE)
        raise InvalidRequestError(message, [FieldError(name, message)])
    return lon, lat


def _profile(query: _Query) -> Profile:
    base = PROFILES.get(query.profile)
    if base is None:
        message = tr(
            "Unknown profile '{profile}': use one of {profiles}.",
            profile=query.profile,
            profiles=", ".join(PROFILES),
        )
        raise InvalidRequestError(message, [FieldError("profile", message)])
    return base.with_limits(**{field: getattr(query, name) for name, field in LIMIT_PARAMETERS.items()})
