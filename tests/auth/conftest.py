"""Auth fixtures: the records database, Accounts and an app with small rate limits, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.http import accounts as app_accounts
from geohub.auth.principal import Role
from geohub.records import RecordsDatabase, open_records
from geohub.settings import Settings

PASSWORD = "correct horse battery staple"


def app_settings(settings: Settings, **auth: Any) -> Settings:
    """The backend's settings with quiet logs and the given auth settings."""
    return Settings(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        log_level="WARNING",
        auth={"anonymous_rate_limit": "1000/minute", "sign_in_rate_limit": "1000/minute", **auth},
    )


@pytest.fixture
def records(settings: Settings) -> Iterator[RecordsDatabase]:
    """An empty records database on each backend (SQLite file, or PostgreSQL schema geohub)."""
    database = open_records(settings)
    yield database
    database.close()


@pytest.fixture
def accounts(records: RecordsDatabase) -> Accounts:
    return Accounts(records)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    flask_app = create_app(app_settings(settings))
    yield flask_app
    flask_app.extensions["geohub"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_accounts_of(app: Flask) -> Accounts:
    """The Accounts the app itself uses (same database, same caches)."""
    with app.app_context():
        return app_accounts()


@pytest.fixture
def staff(app_accounts_of: Accounts) -> dict[str, str]:
    """Tokens of an admin, a land-relations publisher and a moderator."""
    accounts = app_accounts_of
    accounts.add_user("admin", role=Role.admin, department=None, password=PASSWORD)
    accounts.add_user("aigerim", role=Role.publisher, department="land_relations", password=PASSWORD)
    accounts.add_user("marat", role=Role.moderator, department=None)
    return {name: accounts.create_token(name) for name in ("admin", "aigerim", "marat")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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
