"""Geocoding fixtures: an app on each backend with districts, addresses and two named layers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.etl.pipeline import import_layer
from geohub.settings import Settings
from tests.conftest import DEMO_DATA

LAYERS = ("districts", "addresses", "places", "green_spaces")  # districts first: addresses derive theirs


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    flask_app = create_app(
        Settings(
            data_dir=settings.data_dir,
            database_url=settings.database_url,
            log_level="WARNING",
            auth={"rate_limits_enabled": False},
        )
    )
    services = flask_app.extensions["geohub"]
    for layer_id in LAYERS:
        import_layer(services.registry.get(layer_id), services.store, services.registry, DEMO_DATA)
    yield flask_app
    services.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
