"""Developers fixtures: an app on each backend with the given auth settings, and registering a key."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.auth.conftest import make_app  # noqa: F401  (the fixture, shared with tests/auth)

REGISTRATION = {
    "app": "Avtobus Almaty",
    "email": "dev@example.kz",
    "emailAgain": "dev@example.kz",
    "acceptTerms": True,
}


def register(client: FlaskClient, **changes: Any) -> Any:
    """POST /developers/apps with a good registration, changed by `changes`."""
    return client.post("/developers/apps", json=REGISTRATION | changes)


def new_key(client: FlaskClient) -> str:
    response = register(client)
    assert response.status_code == 201, response.get_json()
    key: str = response.get_json()["key"]
    return key
