"""Both stores loaded once with the demo data, and an app over each, for the tile tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from flask import Flask
from psycopg import sql

from geohub.app import create_app
from geohub.cli import load_demo
from geohub.settings import Settings
from tests.conftest import ADMIN_URL


@pytest.fixture(scope="session")
def tile_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Settings]]:
    """Settings of an embedded and a PostGIS store, each loaded with the demo once."""
    name = f"geohub_tiles_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))
    settings = {
        "geopackage": Settings(data_dir=tmp_path_factory.mktemp("tiles-gpkg"), log_level="WARNING"),
        "postgis": Settings(
            data_dir=tmp_path_factory.mktemp("tiles-pg"), database_url=url, log_level="WARNING"
        ),
    }
    for each in settings.values():
        app = create_app(each)
        load_demo(app.extensions["geohub"])
        app.extensions["geohub"].close()
    yield settings
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def tile_apps(tile_settings: dict[str, Settings]) -> dict[str, Flask]:
    return {backend: create_app(s) for backend, s in tile_settings.items()}


@pytest.fixture
def tile_app(backend: str, tile_apps: dict[str, Flask]) -> Flask:
    return tile_apps[backend]


def cache_dir(app: Flask) -> Path:
    return Path(app.extensions["geohub.tiles"].cache.root)
