"""Developers fixtures: an app on each backend with the given auth settings, and registering a key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.settings import Settings
from tests.auth.conftest import app_settings

REGISTRATION = {
    "app": "Avtobus Almaty",
    "email": "dev@example.kz",
    "emailAgain": "dev@example.kz",
    "acceptTerms": True,
}


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Any]:
    """Apps on the backend with the given auth settings, closed at the end."""
    made: list[Flask] = []

    def make(**auth: Any) -> Flask:
        made.append(create_app(app_settings(settings, **auth)))
        return made[-1]

    yield make
    for app in made:
        app.extensions["geohub"].close()


def register(client: FlaskClient, **changes: Any) -> Any:
    """POST /developers/apps with a good registration, changed by `changes`."""
    return client.post("/developers/apps", json=REGISTRATION | changes)


def new_key(client: FlaskClient) -> str:
    response = register(client)
    assert response.status_code == 201, response.get_json()
    key: str = response.get_json()["key"]
    return key
