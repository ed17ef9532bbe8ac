"""A layer whose every attribute, and its key, carries hostile values; an app over it on each backend.

Attribute values come from publishers and from OpenStreetMap syncs: anyone can plant one. The
layer `hostile` is added to a copy of layers/ (so the style previews still find their layers),
written through the store API, and read by an in-process app (fast checks) or by a real
`geohub serve` (the browser check).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import shapely
from flask import Flask

from geohub.app import create_app
from geohub.services import Services
from geohub.settings import PROJECT_ROOT, Settings
from geohub.storage.base import Feature
from tests.conftest import throwaway_database
from tests.features.conftest import (
    GEOHUB,
    _clean_environment,
    _free_port,
    _settings,
    _wait_for,
)

LAYER_ID = "hostile"
# Each would run script if a page put it into HTML or a <script> unescaped, or used it as a link.
HOSTILE_VALUES = (
    "</script><script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "javascript:window.__xss=1",
    "{{7*7}}",
    "line\u2028separator\u2029paragraph</script><script>window.__xss=1//",
    "javascript:window.__xss=1//.png",  # looks like an image: pygeoapi's item page shows it as <img>
)
# Markup that may appear in a page only escaped (the values themselves, and their dangerous parts)
UNESCAPED_MARKUP = (
    "<script>window.__xss",
    "<img src=x",
    "<svg onload",
    'href="javascript:',
    "href='javascript:",
    'src="javascript:',
)
HOSTILE_LAYER = f"""\
id: {LAYER_ID}
title:
  kk: "Қауіпті </script><script>window.__xss=1</script>"
  ru: "Опасный <img src=x onerror=\\"window.__xss=1\\">"
  en: "Hostile \\"><svg onload=window.__xss=1>"
description:
  kk: "{{{{7*7}}}} </script><script>window.__xss=1</script>"
  ru: "{{{{7*7}}}} <img src=x onerror=\\"window.__xss=1\\">"
  en: "{{{{7*7}}}} \\"><svg onload=window.__xss=1>"
keywords: ["<img src=x onerror=\\"window.__xss=1\\">", "</script><script>window.__xss=1</script>"]
department: digitalization
license:
  name: "<svg onload=window.__xss=1>"
  url: "https://example.org/?q=\\"><svg onload=window.__xss=1>"
attribution: "<img src=x onerror=\\"window.__xss=1\\">"
geometry_type: Point
key: ref
temporal: edited
attributes:
  - {{name: ref, type: string, required: true, description: "</script><script>window.__xss=1</script>"}}
  - {{name: name, type: string}}
  - {{name: url, type: string}}
  - {{name: picture, type: string}}
  - {{name: levels, type: integer}}
  - {{name: area, type: number}}
  - {{name: open, type: boolean}}
  - {{name: since, type: date}}
  - {{name: edited, type: datetime}}
"""


def hostile_features() -> list[Feature]:
    """One point per hostile value, which is its id and every text attribute; other types vary."""
    features = []
    for n, value in enumerate(HOSTILE_VALUES):
        point = shapely.Point(76.90 + n * 0.01, 43.22 + n * 0.005)
        properties = {
            "ref": value,
            "name": value,
            "url": value,
            "picture": HOSTILE_VALUES[-1],
            "levels": -(2**31) + n,
            "area": float(n) / 3,
            "open": n % 2 == 0,
            "since": date(2026, 1, 1 + n),
            "edited": datetime(2026, 12, 1, n, tzinfo=UTC),
        }
        features.append(Feature(id=value, geometry=shapely.to_wkb(point), properties=properties))
    return features


def hostile_layers_dir(target: Path) -> Path:
    """A copy of layers/ with the hostile layer added."""
    shutil.copytree(PROJECT_ROOT / "layers", target)
    (target / f"{LAYER_ID}.yaml").write_text(HOSTILE_LAYER, encoding="utf-8")
    return target


@dataclass
class HostileApps:
    """Per backend: a store holding the hostile layer, an app over it, live servers; built on first use."""

    tmp: pytest.TempPathFactory
    stack: ExitStack
    _settings: dict[str, Settings] = field(default_factory=dict)
    _apps: dict[str, Flask] = field(default_factory=dict)

    def settings(self, backend: str) -> Settings:
        if backend not in self._settings:
            data_dir = self.tmp.mktemp(f"hostile-{backend}")
            database_url = (
                self.stack.enter_context(throwaway_database("geohub_xss")) if backend == "postgis" else None
            )
            layers_dir = hostile_layers_dir(data_dir / "layers")
            settings = _settings(data_dir=data_dir, database_url=database_url, layers_dir=layers_dir)
            services = Services.from_settings(settings)
            try:
                services.store.write_version(services.registry.get(LAYER_ID), hostile_features())
            finally:
                services.close()
            self._settings[backend] = settings
        return self._settings[backend]

    def app(self, backend: str) -> Flask:
        if backend not in self._apps:
            app = create_app(self.settings(backend))
            self.stack.callback(app.extensions["geohub"].close)
            self._apps[backend] = app
        return self._apps[backend]

    def serve(self, backend: str) -> str:
        """A real `geohub serve` over the backend's hostile store; its base URL."""
        settings = self.settings(backend)
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = _clean_environment()
        env.update(
            {
                "GEOHUB_DATA_DIR": str(settings.data_dir),
                "GEOHUB_LAYERS_DIR": str(settings.layers_dir),
                "GEOHUB_PORT": str(port),
                "GEOHUB_PUBLIC_URL": base_url,
                "GEOHUB_WORKERS": "1",
                "GEOHUB_LOG_LEVEL": "WARNING",
            }
        )
        if settings.database_url:
            env["GEOHUB_DATABASE_URL"] = settings.database_url
        log = settings.data_dir / f"serve-{port}.log"
        sink = self.stack.enter_context(log.open("wb"))
        process = subprocess.Popen([GEOHUB, "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT)

        def stop() -> None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

        self.stack.callback(stop)
        _wait_for(f"{base_url}/readyz", process, log)
        return base_url


@pytest.fixture(scope="session")
def hostile_apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileApps]:
    with ExitStack() as stack:
        yield HostileApps(tmp_path_factory, stack)
