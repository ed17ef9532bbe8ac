"""Shared fixtures: real layer registry, throwaway PostGIS database, a store on each backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from geohub.layers.registry import LayerRegistry, load_registry
from geohub.messages import STRICT_VARIABLE
from geohub.settings import PROJECT_ROOT, Settings
from geohub.storage.base import FeatureStore
from geohub.storage.geopackage import GeopackageStore
from geohub.storage.postgis import PostgisStore

ADMIN_URL = os.environ.get("GEOHUB_TEST_ADMIN_URL", "postgresql://127.0.0.1:5432/postgres")
DEMO_DATA = PROJECT_ROOT / "data" / "almaty"
TEST_DATA = Path(__file__).parent / "data"
BACKENDS = ["geopackage", "postgis"]


@pytest.fixture(autouse=True)
def _no_geohub_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build their own Settings: a GEOHUB_* variable of the caller must not leak in."""
    for name in list(os.environ):
        if name.upper().startswith("GEOHUB_") and name != "GEOHUB_TEST_ADMIN_URL":
            monkeypatch.delenv(name)


# Every message a test makes GeoHub say is also rendered in kk, ru and en, and one without its
# translation fails the test (geohub/messages.py; servers and commands the tests start inherit it).
os.environ[STRICT_VARIABLE] = "1"


@pytest.fixture(scope="session")
def registry() -> LayerRegistry:
    return load_registry(PROJECT_ROOT / "layers")


@contextmanager
def throwaway_database(prefix: str = "geohub_test") -> Iterator[str]:
    """The URL of a new database with PostGIS, dropped on exit: the one way tests make one."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A throwaway database with PostGIS, dropped at the end of the session."""
    with throwaway_database() as url:
        yield url


def _reset_postgis(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS geohub CASCADE")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[FeatureStore]:
    """An empty store on each backend."""
    if backend == "geopackage":
        gpkg_store = GeopackageStore(tmp_path / "geohub.gpkg")
        yield gpkg_store
        gpkg_store.close()
        return
    url = request.getfixturevalue("postgis_url")
    _reset_postgis(url)
    pg_store = PostgisStore(url)
    yield pg_store
    pg_store.close()


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings for an app on each backend, with an empty store."""
    if backend == "geopackage":
        return Settings(data_dir=tmp_path)
    url = request.getfixturevalue("postgis_url")
    _reset_postgis(url)
    return Settings(data_dir=tmp_path, database_url=url)
