"""The Almaty demo data behind the OGC API – Features: in-process apps and real `geohub serve` servers.

Everything here is session-scoped and built on first use, once per backend: the demo is loaded
once into an in-process app per backend (plus a second app over the same store whose layer
definitions make one layer and one attribute restricted), and once into each live server's own
store. PostGIS stores live in throwaway databases of their own, dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.cli import load_demo
from geohub.layers.models import LayerDefinition
from geohub.services import Services
from geohub.settings import PROJECT_ROOT, Settings
from geohub.storage.base import FeatureQuery, FeatureStore
from tests.conftest import BACKENDS, throwaway_database

GEOHUB = str(Path(sys.executable).parent / "geohub")
RESTRICTED_LAYER = "parking"  # access: restricted in the restricted app's layer definitions
RESTRICTED_ATTRIBUTE = ("buildings", "levels")  # restricted: true there


@dataclass(frozen=True)
class StoredFeature:
    """A feature as the store holds it: the reference the HTTP answers are compared with."""

    id: str
    geometry: shapely.Geometry
    properties: dict[str, Any]


# helpers --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"geohub serve exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("GEOHUB_")}


def _settings(**values: Any) -> Settings:
    """Settings from `values` only: no GEOHUB_* variable of the caller leaks in."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.upper().startswith("GEOHUB_"):
                patch.delenv(name)
        return Settings(log_level="WARNING", **values)


def restricted_layers_dir(target: Path) -> Path:
    """A copy of layers/ where one layer and one attribute are restricted."""
    shutil.copytree(PROJECT_ROOT / "layers", target)
    parking = target / f"{RESTRICTED_LAYER}.yaml"
    text = parking.read_text(encoding="utf-8")
    assert "\ngeometry_type:" in text
    parking.write_text(text.replace("\ngeometry_type:", "\naccess: restricted\ngeometry_type:", 1))
    layer_id, attribute = RESTRICTED_ATTRIBUTE
    definition = target / f"{layer_id}.yaml"
    text = definition.read_text(encoding="utf-8")
    assert f"{{name: {attribute}, " in text
    definition.write_text(text.replace(f"{{name: {attribute}, ", f"{{name: {attribute}, restricted: true, "))
    return target


def restricted_app(settings: Settings, folder: Path) -> Iterator[Flask]:
    """An app (no data loaded) over a copy of layers/ in `folder` with the restricted layer and
    attribute; its services closed afterwards. Use it with `yield from` in a fixture."""
    layers = restricted_layers_dir(folder / "layers")
    app = create_app(settings.model_copy(update={"layers_dir": layers, "log_level": "WARNING"}))
    yield app
    app.extensions["geohub"].close()


def stored_features(store: FeatureStore, layer: LayerDefinition) -> list[StoredFeature]:
    """Every current feature of `layer`, straight from the store."""
    page = store.query(layer, FeatureQuery(limit=10_000))
    assert page.number_matched == len(page.features), "layer too large to read in one page"
    geometries = shapely.from_wkb([f.geometry for f in page.features])
    return [
        StoredFeature(f.id, g, dict(f.properties)) for f, g in zip(page.features, geometries, strict=True)
    ]


# in-process apps ------------------------------------------------------------------------------------


@dataclass
class DemoApps:
    """One app per backend with the demo loaded; built on first use."""

    tmp: pytest.TempPathFactory
    stack: ExitStack
    _settings: dict[str, Settings] = field(default_factory=dict)
    _apps: dict[tuple[str, bool], Flask] = field(default_factory=dict)
    _reference: dict[tuple[str, str], list[StoredFeature]] = field(default_factory=dict)

    def settings(self, backend: str) -> Settings:
        if backend not in self._settings:
            data_dir = self.tmp.mktemp(f"demo-{backend}")
            database_url = (
                self.stack.enter_context(throwaway_database("geohub_ft_app"))
                if backend == "postgis"
                else None
            )
            settings = _settings(data_dir=data_dir, database_url=database_url)
            services = Services.from_settings(settings)
            load_demo(services)
            services.close()
            self._settings[backend] = settings
        return self._settings[backend]

    def app(self, backend: str, *, restricted: bool = False) -> Flask:
        """The demo app; `restricted`: the same store read with restricted layer definitions."""
        if (backend, restricted) not in self._apps:
            settings = self.settings(backend)
            if restricted:
                layers = restricted_layers_dir(self.tmp.mktemp(f"layers-{backend}") / "layers")
                settings = settings.model_copy(update={"layers_dir": layers})
            app = create_app(settings)
            self.stack.callback(app.extensions["geohub"].close)
            self._apps[(backend, restricted)] = app
        return self._apps[(backend, restricted)]

    def client(self, backend: str, *, restricted: bool = False) -> FlaskClient:
        return self.app(backend, restricted=restricted).test_client()

    def reference(self, backend: str, layer_id: str) -> list[StoredFeature]:
        """Every stored feature of a layer in the (public) demo app of `backend`."""
        if (backend, layer_id) not in self._reference:
            services: Services = self.app(backend).extensions["geohub"]
            layer = services.registry.get(layer_id)
            self._reference[(backend, layer_id)] = stored_features(services.store, layer)
        return self._reference[(backend, layer_id)]


@pytest.fixture(scope="session")
def demo_apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApps]:
    with ExitStack() as stack:
        yield DemoApps(tmp_path_factory, stack)


@pytest.fixture
def client(backend: str, demo_apps: DemoApps) -> FlaskClient:
    """A test client of the demo app on each backend."""
    return demo_apps.client(backend)


@pytest.fixture
def restricted_client(backend: str, demo_apps: DemoApps) -> FlaskClient:
    """A test client over the same demo store, with `parking` restricted and `buildings.levels` too."""
    return demo_apps.client(backend, restricted=True)


# live servers ---------------------------------------------------------------------------------------


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    process: subprocess.Popen[bytes]
    log: Path
    _store: FeatureStore | None = None
    _services: Services | None = None

    @property
    def services(self) -> Services:
        """The server's settings, registry and store, opened in this process (read only)."""
        if self._services is None:
            self._services = Services.from_settings(self.settings)
        return self._services

    def stored(self, layer_id: str) -> list[StoredFeature]:
        return stored_features(self.services.store, self.services.registry.get(layer_id))

    def stop(self) -> None:
        if self._services is not None:
            self._services.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class LiveServers:
    """`geohub demo --no-serve` then `geohub serve` on a free port, once per backend."""

    tmp: pytest.TempPathFactory
    stack: ExitStack
    environment: dict[str, str] = field(default_factory=dict)  # more GEOHUB_* settings for the servers
    _servers: dict[str, LiveServer] = field(default_factory=dict)

    def __call__(self, backend: str) -> LiveServer:
        if backend not in self._servers:  # start every backend's server at once: they load in parallel
            missing = [b for b in BACKENDS if b not in self._servers]
            with ThreadPoolExecutor(len(missing)) as pool:
                self._servers.update(zip(missing, pool.map(self._start, missing), strict=True))
        return self._servers[backend]

    def one(self, backend: str) -> LiveServer:
        """Only this backend's server (for tests that need just one)."""
        if backend not in self._servers:
            self._servers[backend] = self._start(backend)
        return self._servers[backend]

    def _start(self, backend: str) -> LiveServer:
        data_dir = self.tmp.mktemp(f"live-{backend}")
        database_url = (
            self.stack.enter_context(throwaway_database("geohub_ft_live")) if backend == "postgis" else None
        )
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = _clean_environment()
        env.update(
            {
                "GEOHUB_DATA_DIR": str(data_dir),
                "GEOHUB_PORT": str(port),
                "GEOHUB_PUBLIC_URL": base_url,
                "GEOHUB_WORKERS": "2",
                "GEOHUB_LOG_LEVEL": "WARNING",
                **self.environment,
            }
        )
        if database_url:
            env["GEOHUB_DATABASE_URL"] = database_url
        loaded = subprocess.run(
            [GEOHUB, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=180, check=False
        )
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        log = data_dir / "serve.log"
        with log.open("wb") as sink:
            process = subprocess.Popen([GEOHUB, "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT)
        server = LiveServer(base_url, _settings(data_dir=data_dir, database_url=database_url), process, log)
        self.stack.callback(server.stop)
        _wait_for(f"{base_url}/readyz", process, log)
        return server


@pytest.fixture(scope="session")
def live_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServers]:
    with ExitStack() as stack:
        yield LiveServers(tmp_path_factory, stack)


@pytest.fixture
def live(backend: str, live_servers: LiveServers) -> LiveServer:
    """A real `geohub serve` over the demo data on each backend."""
    return live_servers(backend)


def staff_token(app: Flask) -> str:
    """A real API token of a new publisher account in the app's records database."""
    accounts = Accounts(app.extensions["geohub"].records)
    name = f"aigerim_{uuid.uuid4().hex[:8]}"
    accounts.add_user(name, role=Role.publisher, department="land_relations")
    return accounts.create_token(name)


def staff_client(app: Flask) -> FlaskClient:
    """A test client of `app` signed in as a new publisher (every request carries its token)."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {staff_token(app)}"
    return client
