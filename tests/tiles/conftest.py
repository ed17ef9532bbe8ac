"""Both stores loaded once with the demo data, and an app over each, for the tile tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from geohub.app import create_app
from geohub.cli import load_demo
from geohub.settings import Settings
from tests.conftest import throwaway_database


@pytest.fixture(scope="session")
def tile_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Settings]]:
    """Settings of an embedded and a PostGIS store, each loaded with the demo once."""
    with throwaway_database("geohub_tiles") as url:
        yield _loaded_settings(tmp_path_factory, url)


def _loaded_settings(tmp_path_factory: pytest.TempPathFactory, url: str) -> dict[str, Settings]:
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
    return settings


@pytest.fixture(scope="session")
def tile_apps(tile_settings: dict[str, Settings]) -> dict[str, Flask]:
    return {backend: create_app(s) for backend, s in tile_settings.items()}


@pytest.fixture
def tile_app(backend: str, tile_apps: dict[str, Flask]) -> Flask:
    return tile_apps[backend]


def cache_dir(app: Flask) -> Path:
    return Path(app.extensions["geohub.tiles"].cache.root)
