"""Bad uploads get a clear 4xx problem and change nothing: too large, zip bombs, a Shapefile
without .prj, broken CSV rows, a wrong CRS, garbage, malformed requests."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geohub.settings import Settings
from tests.publishing.publishing import LAYER, PublishingApp, cadastre_rows, publishing_app, zipped_shapefile


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _post(hub: PublishingApp, name: str, content: bytes, **fields: str) -> Any:
    return hub.client.post(
        f"/collections/{LAYER}/imports",
        data={"file": (io.BytesIO(content), name), **fields},
        headers=hub.headers("aigerim"),
        content_type="multipart/form-data",
    )


def _unchanged(hub: PublishingApp) -> None:
    assert hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"] == 274
    versions = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim")).json[
        "versions"
    ]
    assert len(versions) == 1


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.data[:500]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json
    assert body["status"] == status and body["detail"]
    return body


def test_an_upload_over_the_limit_is_413_before_it_is_read(hub: PublishingApp) -> None:
    response = hub.client.post(
        f"/collections/{LAYER}/imports",
        data=b"x" * 1024,
        headers={
            **hub.headers("aigerim"),
            "Content-Type": "multipart/form-data; boundary=x",
        },
        environ_overrides={"CONTENT_LENGTH": str(1 << 30)},  # a client announcing 1 GB
    )
    _problem(response, 413)
    _unchanged(hub)


def test_a_zip_bomb_is_refused(hub: PublishingApp) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("parcels.geojson", b" " * (200 * 1024 * 1024))  # 200 MB of spaces, ~200 kB zipped
    body = _problem(_post(hub, "parcels.zip", bomb.getvalue()), 422)
    assert "zip" in body["detail"].lower()
    _unchanged(hub)


def test_a_shapefile_without_prj_asks_for_the_crs(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = cadastre_rows()
    archive = zipped_shapefile(tmp_path, geometries, columns, epsg=32643)
    stripped = io.BytesIO()
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(stripped, "w") as target:
        for item in source.namelist():
            if not item.endswith(".prj"):
                target.writestr(item, source.read(item))
    body = _problem(_post(hub, "no-prj.zip", stripped.getvalue()), 422)
    assert ".prj" in body["detail"] and "crs" in body["detail"]
    _unchanged(hub)
    given = _post(hub, "no-prj.zip", stripped.getvalue(), crs="EPSG:32643")
    assert given.status_code == 201 and given.json["status"] == "no_changes", given.json


def test_a_wrong_crs_puts_the_city_far_away_and_is_refused(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = cadastre_rows()
    archive = zipped_shapefile(tmp_path, geometries, columns, epsg=32643)
    body = _problem(_post(hub, "parcels.zip", archive.read_bytes(), crs="EPSG:32642"), 422)
    assert "outside Almaty" in body["detail"]
    _unchanged(hub)
    history = hub.client.get(f"/collections/{LAYER}/imports", headers=hub.headers("aigerim")).json["imports"]
    assert history[0]["status"] == "failed" and "outside Almaty" in history[0]["message"]


def test_broken_csv_rows_are_listed_by_line(hub: PublishingApp) -> None:
    lines = [
        "osm_ref,land_use,lon,lat",
        "w920000001,park,76.945,43.238",
        "w920000002,park,abc,43.238",
        "w920000003,park,76.946",
        "w920000004,,76.947,43.239",
    ]
    response = _post(hub, "parcels.csv", "\n".join(lines).encode(), dryRun="true")
    assert response.status_code == 201, response.json
    problems = {p["row"]: p for p in response.json["problems"]}
    assert {"line 3", "line 4", "line 5"} <= set(problems)
    assert problems["line 5"]["field"] == "land_use"
    _unchanged(hub)


def test_garbage_and_malformed_requests_are_4xx(hub: PublishingApp) -> None:
    assert _post(hub, "parcels.geojson", b"\x00\x01\x02garbage").status_code == 422
    assert _post(hub, "parcels.geojson", b'{"type": "FeatureCollection", "features": [').status_code == 422
    assert _post(hub, "parcels.exe", b"MZ\x90\x00").status_code in (415, 422)
    assert _post(hub, "parcels.geojson", b"").status_code == 422
    _problem(_post(hub, "parcels.csv", b"a,b\n1,2", onInvalid="maybe"), 400)
    _problem(_post(hub, "parcels.csv", b"a,b\n1,2", dryRun="perhaps"), 400)
    no_file = hub.client.post(f"/collections/{LAYER}/imports", data={}, headers=hub.headers("aigerim"))
    _problem(no_file, 400)
    as_json = hub.client.post(
        f"/collections/{LAYER}/imports",
        data=json.dumps({"a": 1}),
        headers={**hub.headers("aigerim"), "Content-Type": "application/json"},
    )
    assert as_json.status_code == 400
    assert (
        hub.client.post(
            f"/collections/{LAYER}/rollback", json={"version": "one"}, headers=hub.headers("aigerim")
        ).status_code
        == 400
    )
    assert (
        hub.client.post(
            f"/collections/{LAYER}/rollback", json={"version": 99}, headers=hub.headers("aigerim")
        ).status_code
        == 404
    )
    assert (
        hub.client.post(
            f"/collections/{LAYER}/rollback", json={"version": 1}, headers=hub.headers("aigerim")
        ).status_code
        == 409
    )
    assert hub.client.post("/collections/nowhere/imports", headers=hub.headers("aigerim")).status_code == 404
    assert (
        hub.client.get(f"/collections/{LAYER}/imports/999", headers=hub.headers("aigerim")).status_code == 404
    )
    assert (
        hub.client.get(f"/collections/{LAYER}/imports?limit=0", headers=hub.headers("aigerim")).status_code
        == 400
    )
    assert hub.client.get(f"/collections/{LAYER}/imports").status_code == 401
    _unchanged(hub)
