"""GET /api/route and /api/isochrone on the real Almaty routing network, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
import shapely
import shapely.geometry
from flask import Flask
from flask.testing import FlaskClient

from geohub.auth.principal import Principal, Role
from geohub.etl.pipeline import import_layer
from geohub.reports.model import Status
from geohub.reports.routes import report_service_of
from geohub.reports.service import NewReport
from geohub.routing.graph import CsgraphEngine
from geohub.routing.pgrouting import PgRoutingEngine
from geohub.routing.routes import routing_service_of
from geohub.settings import Settings
from tests.conftest import DEMO_DATA
from tests.reports.conftest import make_app

MODERATOR = Principal(user="marat", role=Role.moderator)
# the two ends of the 58.6 m flight of steps OSM way 23991632
STEPS_TOP, STEPS_BOTTOM = (76.8699994, 43.2335877), (76.8704886, 43.2332)
# the ends of a 2 m wide edge of OSM way 102660560
NARROW_A, NARROW_B = (76.9844682, 43.2819768), (76.9830124, 43.2827762)
# a 7.5 % DEM slope (edge 124163659-0), climbed from its lower end
SLOPE_LOW, SLOPE_HIGH = (76.9409169, 43.2359133), (76.9409498, 43.2357196)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    flask_app = make_app(settings, rate_limits_enabled=False)
    services = flask_app.extensions["geohub"]
    import_layer(services.registry.get("routing_network"), services.store, services.registry, DEMO_DATA)
    yield flask_app
    services.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def route(client: FlaskClient, a: tuple[float, float], b: tuple[float, float], **params: Any) -> Any:
    query = {"from": f"{a[0]},{a[1]}", "to": f"{b[0]},{b[1]}", **params}
    return client.get("/api/route", query_string=query)


def test_wheelchair_route_avoids_the_steps_the_pedestrian_takes(client: FlaskClient) -> None:
    walking = route(client, STEPS_TOP, STEPS_BOTTOM)
    rolling = route(client, STEPS_TOP, STEPS_BOTTOM, profile="manual_wheelchair", lang="ru")
    assert walking.status_code == 200 and rolling.status_code == 200, rolling.json
    assert walking.mimetype == "application/geo+json"
    assert "steps" in [w["kind"] for w in walking.json["properties"]["warnings"]]
    assert "steps" not in [w["kind"] for w in rolling.json["properties"]["warnings"]]
    assert rolling.json["properties"]["distance_m"] > walking.json["properties"]["distance_m"] + 50
    props = rolling.json["properties"]
    assert props["profile"] == "manual_wheelchair" and props["limits"]["avoid_steps"] is True
    assert props["instructions"][-1]["text"] == "Вы прибыли."
    assert props["duration_s"] == pytest.approx(props["distance_m"] / 0.9, abs=0.2)
    assert props["incline_profile"][0][0] == 0


def test_raising_the_incline_limit_changes_the_route(client: FlaskClient) -> None:
    careful = route(client, SLOPE_LOW, SLOPE_HIGH, profile="manual_wheelchair")
    bold = route(
        client, SLOPE_LOW, SLOPE_HIGH, profile="manual_wheelchair", max_incline_up=20, max_incline_down=20
    )
    assert careful.status_code == 200 and bold.status_code == 200
    assert bold.json["properties"]["distance_m"] < careful.json["properties"]["distance_m"] - 20
    assert "steep" in [w["kind"] for w in bold.json["properties"]["warnings"]]
    # each warning covers its stretch of the route, a run of pieces named once
    distance = bold.json["properties"]["distance_m"]
    for warning in bold.json["properties"]["warnings"]:
        assert 0 <= warning["from_m"] < warning["to_m"] <= distance + 0.1
    steep = [w for w in bold.json["properties"]["warnings"] if w["kind"] == "steep"]
    assert all(later["from_m"] >= earlier["to_m"] for earlier, later in pairwise(steep))


def test_no_route_names_the_blocking_limit_and_gives_the_relaxed_route(client: FlaskClient) -> None:
    answer = route(
        client, SLOPE_LOW, SLOPE_HIGH, profile="manual_wheelchair", max_incline_up="0.5", lang="ru"
    )
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.json["constraint"] == "max_incline_up"
    assert answer.json["detail"] == "Между этими точками нет маршрута в пределах допустимого подъёма."
    relaxed = answer.json["relaxed"]
    assert (
        relaxed["geometry"]["type"] == "LineString"
        and relaxed["properties"]["limits"]["max_incline_up"] is None
    )
    assert "steep" in [w["kind"] for w in relaxed["properties"]["warnings"]]


def test_the_engine_is_the_backends(app: Flask, settings: Settings) -> None:
    engine = routing_service_of(app).engine
    assert isinstance(engine, PgRoutingEngine if settings.storage_backend == "postgis" else CsgraphEngine)


def test_a_user_wider_than_a_passage_is_routed_around_it(client: FlaskClient) -> None:
    narrow = route(client, NARROW_A, NARROW_B)
    wide = route(client, NARROW_A, NARROW_B, user_width_cm=250)
    assert narrow.status_code == 200 and wide.status_code == 200
    assert wide.json["properties"]["distance_m"] > narrow.json["properties"]["distance_m"] + 100
    assert wide.json["properties"]["limits"]["user_width_cm"] == 250


def test_a_reported_blocked_ramp_diverts_the_route_until_resolved(app: Flask, client: FlaskClient) -> None:
    before = route(client, NARROW_A, NARROW_B, profile="manual_wheelchair").json
    coords = before["geometry"]["coordinates"]
    middle = coords[len(coords) // 2]
    reports = report_service_of(app)
    filed = reports.file(NewReport("blocked_or_missing_ramp", "The ramp is blocked by a kiosk.", *middle))
    assert filed.report is not None
    diverted = route(client, NARROW_A, NARROW_B, profile="manual_wheelchair")
    avoided = {"trackingId": filed.report.tracking_id, "category": "blocked_or_missing_ramp"}
    if diverted.status_code == 200:
        assert diverted.json["geometry"] != before["geometry"]
        assert avoided in diverted.json["properties"]["avoided_reports"]
    else:
        assert diverted.status_code == 422 and diverted.json["constraint"] == "reports"
    assert (
        route(client, NARROW_A, NARROW_B).json["geometry"]
        == route(client, NARROW_A, NARROW_B).json["geometry"]
    )
    for status in (Status.accepted, Status.in_progress, Status.resolved):
        reports.move(filed.report.tracking_id, status, MODERATOR, "The kiosk is gone.")
    after = route(client, NARROW_A, NARROW_B, profile="manual_wheelchair")
    assert after.status_code == 200 and after.json["geometry"] == before["geometry"]
    assert after.json["properties"]["avoided_reports"] == []


def test_isochrone_grows_with_minutes(client: FlaskClient) -> None:
    def reached(minutes: int) -> tuple[int, shapely.Geometry]:
        answer = client.get("/api/isochrone", query_string={"from": "76.9457,43.2383", "minutes": minutes})
        assert answer.status_code == 200, answer.json
        return len(answer.json["features"]), shapely.geometry.shape(answer.json["area"])

    (few, small), (more, large) = reached(2), reached(6)
    assert 0 < few < more
    assert small.geom_type == large.geom_type == "Polygon" and 0 < small.area < large.area
    assert large.distance(shapely.Point(76.9457, 43.2383)) < 0.0005  # it is where it starts (~40 m)


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/route", {"from": "10,10", "to": "76.95,43.24"}, 422, "from"),
        ("/api/route", {"from": "76.95,43.24", "to": "nonsense"}, 400, "to"),
        ("/api/route", {"from": "76.95,43.24", "to": "77.1125,43.25"}, 422, "to"),  # 2 km from any way
        ("/api/route", {"from": "76.95,43.24", "to": "76.96,43.25", "profile": "skateboard"}, 400, "profile"),
        (
            "/api/route",
            {"from": "76.95,43.24", "to": "76.96,43.25", "max_incline_up": "-3"},
            400,
            "max_incline_up",
        ),
        (
            "/api/route",
            {"from": "76.95,43.24", "to": "76.96,43.25", "via": ";".join(["76.95,43.24"] * 6)},
            400,
            "via",
        ),
        ("/api/isochrone", {"from": "76.95,43.24", "minutes": "600"}, 400, "minutes"),
    ],
)
def test_bad_input_is_a_problem_in_the_users_language(
    client: FlaskClient, path: str, params: dict[str, str], status: int, field: str
) -> None:
    answer = client.get(path, query_string={**params, "lang": "kk"})
    assert answer.status_code == status, answer.json
    assert answer.mimetype == "application/problem+json"
    assert field in [e["field"] for e in answer.json.get("errors", [])]
    assert answer.headers["Content-Language"] == "kk"
