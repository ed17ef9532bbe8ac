"""Hostile uploads through the HTTP API and `geohub etl import`, on both backends: a VRT under a
KML name, a GeoPackage that reaches outside, too many fields, a file too slow to read. Each is a
clear 4xx, shows nothing of the server's files, and leaves the layer as it was."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geohub.settings import Settings
from tests.publishing.publishing import LAYER, PublishingApp, cadastre_rows, publishing_app
from tests.sources.hostile_files import SECRET, secret_csv, vrt_naming
from tests.sources.read_samples import write_layer
from tests.test_cli import run_geohub


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    slow = settings.etl.model_copy(update={"read_timeout_s": 4.0, "max_source_fields": 100_000})
    yield from publishing_app(settings.model_copy(update={"etl": slow}))


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    return secret_csv(tmp_path)


def _vrt_named_kml(secret_file: Path) -> bytes:
    return vrt_naming(secret_file).encode()


def _post(hub: PublishingApp, name: str, content: bytes, language: str = "en", **fields: str) -> Any:
    return hub.client.post(
        f"/collections/{LAYER}/imports",
        data={"file": (io.BytesIO(content), name), **fields},
        headers={**hub.headers("aigerim"), "Accept-Language": language},
        content_type="multipart/form-data",
    )


def _unchanged(hub: PublishingApp) -> None:
    assert hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"] == 274
    versions = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim")).json
    assert len(versions["versions"]) == 1


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.data[:500]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json
    return body


@pytest.mark.parametrize("publish", ["false", "true"])
def test_a_vrt_named_kml_reads_no_server_file(hub: PublishingApp, secret_file: Path, publish: str) -> None:
    response = _post(hub, "parks.kml", _vrt_named_kml(secret_file), dryRun="true", publish=publish)
    body = _problem(response, 422)
    assert "named like a KML file but holds XML other than KML" in body["detail"]
    assert SECRET.encode() not in response.data
    history = hub.client.get(f"/collections/{LAYER}/imports", headers=hub.headers("aigerim"))
    assert SECRET.encode() not in history.data
    _unchanged(hub)


def test_a_geopackage_with_a_virtual_table_is_refused(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = cadastre_rows()
    gpkg = write_layer(
        tmp_path / "parcels.gpkg",
        np.array(geometries, dtype=object),
        {name: np.array(values, dtype=object) for name, values in columns.items()},
        layer="parcels",
    )
    with sqlite3.connect(gpkg) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "INSERT INTO sqlite_master VALUES ('table', 'stolen', 'stolen', 0, "
            "'CREATE VIRTUAL TABLE stolen USING VirtualOGR(''/etc/passwd'')')"
        )
    body = _problem(_post(hub, "parcels.gpkg", gpkg.read_bytes(), dryRun="true"), 422)
    assert "holds a virtual table (stolen)" in body["detail"]
    _unchanged(hub)


def _wide_geojson(fields: int, features: int = 10) -> bytes:
    properties = {"osm_ref": "w1", "land_use": "park", **{f"f{i}": i for i in range(fields)}}
    polygon = {
        "type": "Polygon",
        "coordinates": [[[76.9, 43.2], [76.91, 43.2], [76.91, 43.21], [76.9, 43.2]]],
    }
    feature = {"type": "Feature", "geometry": polygon, "properties": properties}
    return json.dumps({"type": "FeatureCollection", "features": [feature] * features}).encode()


def test_too_many_fields_is_a_413_in_the_users_language(settings: Settings) -> None:
    for hub in publishing_app(settings):
        body = _problem(_post(hub, "wide.geojson", _wide_geojson(600), language="ru"), 413)
        assert body["title"] == "Файл слишком большой"
        assert body["detail"] == "В wide.geojson полей: 602; за один импорт читается не больше 500."
        _unchanged(hub)


def test_an_upload_slower_than_the_bound_is_stopped_and_the_worker_goes_on(hub: PublishingApp) -> None:
    body = _problem(_post(hub, "wide.geojson", _wide_geojson(20_000), language="kk"), 422)
    assert body["type"].endswith("/upload-too-slow")
    assert body["title"] == "Файлды оқу тым ұзаққа созылды"
    assert hub.client.get("/healthz").status_code == 200
    _unchanged(hub)


def test_the_command_line_import_follows_the_same_rules(
    settings: Settings, tmp_path: Path, secret_file: Path
) -> None:
    assert run_geohub("etl", "sync", "districts", "cadastre", settings=settings).returncode == 0
    upload = tmp_path / "parks.kml"
    upload.write_bytes(_vrt_named_kml(secret_file))
    refused = run_geohub("etl", "import", "cadastre", str(upload), "--dry-run", settings=settings)
    assert refused.returncode == 2
    assert "named like a KML file but holds XML other than KML" in refused.stderr
    assert SECRET not in refused.stdout + refused.stderr
    wide = tmp_path / "wide.geojson"
    wide.write_bytes(_wide_geojson(600))
    too_wide = run_geohub("etl", "import", "cadastre", str(wide), settings=settings)
    assert too_wide.returncode == 2 and "has 602 fields; at most 500" in too_wide.stderr
