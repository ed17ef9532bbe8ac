"""Reports fixtures: an app on each backend with the real districts and address register loaded."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.etl.pipeline import import_layer
from geohub.reports.routes import report_service
from geohub.reports.service import ReportService
from geohub.settings import Settings
from tests.conftest import DEMO_DATA

# "ул. Макатаева, 41" of the address register (medeu), and a point 10 m east of it
MAKATAEVA_41 = (76.95743856850649, 43.26601235)
HERE = (MAKATAEVA_41[0] + 10 / (111_320 * math.cos(math.radians(MAKATAEVA_41[1]))), MAKATAEVA_41[1])
EMAIL, PHONE = "aigerim.private@example.kz", "+7 701 555 0199"


def east_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return (point[0] + metres / (111_320 * math.cos(math.radians(point[1]))), point[1])


def make_app(settings: Settings, reports: dict[str, Any] | None = None, **auth: Any) -> Flask:
    app = create_app(
        Settings(
            data_dir=settings.data_dir,
            database_url=settings.database_url,
            log_level="WARNING",
            auth={"anonymous_rate_limit": "1000/minute", **auth},
            reports=reports or {},
        )
    )
    services = app.extensions["geohub"]
    for layer_id in ("districts", "addresses"):  # addresses derive their district from districts
        import_layer(services.registry.get(layer_id), services.store, services.registry, DEMO_DATA)
    return app


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    flask_app = make_app(settings, rate_limits_enabled=False)
    yield flask_app
    flask_app.extensions["geohub"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def service(app: Flask) -> ReportService:
    with app.app_context():
        return report_service()


def report_body(**changes: Any) -> dict[str, Any]:
    """A valid filing at HERE, with `changes` applied."""
    body: dict[str, Any] = {
        "category": "broken_street_light",
        "description": "The street light by the entrance has been dark for a week.",
        "location": {"lon": HERE[0], "lat": HERE[1]},
        "email": EMAIL,
        "phone": PHONE,
    }
    body.update(changes)
    return body
