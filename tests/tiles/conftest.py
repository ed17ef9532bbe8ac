"""Both stores loaded once with the demo data, an app over each, and a real server over each,
for the tile tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask

from geohub.app import create_app
from geohub.cli import load_demo
from geohub.settings import Settings
from tests.conftest import throwaway_database
from tests.features.conftest import GEOHUB, LiveServer, _clean_environment, _free_port, _wait_for


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


@dataclass
class TileServers:
    """A real `geohub serve` over each store `tile_settings` loaded, started on first use: no demo
    is loaded twice. The servers only read; tests that publish use the in-process apps."""

    settings: dict[str, Settings]
    stack: ExitStack
    servers: dict[str, LiveServer] = field(default_factory=dict)

    def __call__(self, backend: str) -> LiveServer:
        if backend not in self.servers:
            self.servers[backend] = self._start(self.settings[backend])
        return self.servers[backend]

    def _start(self, settings: Settings) -> LiveServer:
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = _clean_environment() | {
            "GEOHUB_DATA_DIR": str(settings.data_dir),
            "GEOHUB_PORT": str(port),
            "GEOHUB_PUBLIC_URL": base_url,
            "GEOHUB_WORKERS": "2",
            "GEOHUB_LOG_LEVEL": "WARNING",
        }
        if settings.database_url:
            env["GEOHUB_DATABASE_URL"] = settings.database_url
        log = settings.data_dir / f"serve-{port}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen([GEOHUB, "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT)
        server = LiveServer(base_url, settings, process, log)
        self.stack.callback(server.stop)
        _wait_for(f"{base_url}/readyz", process, log)
        return server


@pytest.fixture(scope="session")
def tile_servers(tile_settings: dict[str, Settings]) -> Iterator[TileServers]:
    with ExitStack() as stack:
        yield TileServers(tile_settings, stack)
