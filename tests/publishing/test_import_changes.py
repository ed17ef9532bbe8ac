"""GET /collections/{id}/imports/{n}/changes on both backends: the features a staged import adds,
changes and removes, as GeoJSON with `properties.change`, for the workspace's diff map."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely

from geohub.publishing.service import ImportService
from geohub.publishing.sync import sync_layer
from geohub.settings import Settings
from tests.conftest import DEMO_DATA
from tests.publishing.publishing import PublishingApp, publishing_app

LAYER = "waste_points"  # natural_resources: dana publishes it, aigerim (land_relations) may not
WASTE_SQL = (
    "SELECT substr(osm_type, 1, 1) || osm_id AS osm_ref, class, name, geom FROM waste_points ORDER BY osm_id"
)
NEW_KEY = "n990000001"
NEW_POINT = (76.9, 43.24)


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    for published in publishing_app(settings):
        services = published.app.extensions["geohub"]
        service = ImportService(services, published.app.extensions["geohub.tiles"].drop_changed_tiles)
        sync_layer(service, services.registry.get(LAYER), services.settings.demo_data_dir)
        yield published


def edited_file(folder: Path) -> tuple[Path, dict[str, Any]]:
    """The live rows as GeoJSON with the first removed, the second renamed and one new point."""
    meta, _, wkb, values = pyogrio.raw.read(DEMO_DATA / "landfills.gpkg", sql=WASTE_SQL, sql_dialect="SQLITE")
    rows = [
        dict(zip(meta["fields"], row, strict=True)) for row in zip(*[v.tolist() for v in values], strict=True)
    ]
    geometries = [json.loads(shapely.to_geojson(g)) for g in shapely.from_wkb(wkb)]
    removed, changed = rows[0]["osm_ref"], rows[1]["osm_ref"]
    removed_geometry = geometries[0]
    rows[1]["name"] = "Пункт приёма (новое название)"
    features = [
        {"type": "Feature", "properties": row, "geometry": geometry}
        for row, geometry in zip(rows[1:], geometries[1:], strict=True)
    ]
    features.append(
        {
            "type": "Feature",
            "properties": {"osm_ref": NEW_KEY, "class": "recycling", "name": "Новый пункт"},
            "geometry": {"type": "Point", "coordinates": list(NEW_POINT)},
        }
    )
    path = folder / "waste.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path, {"removed": removed, "changed": changed, "removedGeometry": removed_geometry}


def staged_import(hub: PublishingApp, path: Path) -> dict[str, Any]:
    with path.open("rb") as stream:
        answer = hub.client.post(
            f"/collections/{LAYER}/imports",
            data={"file": (stream, path.name)},
            headers=hub.headers("dana"),
            content_type="multipart/form-data",
        )
    assert answer.status_code == 201, answer.json
    record: dict[str, Any] = answer.json
    assert record["status"] == "validated", record["message"]
    return record


def test_a_staged_import_gives_its_added_changed_and_removed_features(
    hub: PublishingApp, tmp_path: Path
) -> None:
    path, edits = edited_file(tmp_path)
    record = staged_import(hub, path)
    answer = hub.client.get(
        f"/collections/{LAYER}/imports/{record['id']}/changes", headers=hub.headers("dana")
    )
    assert answer.status_code == 200
    assert answer.mimetype == "application/geo+json"
    body = answer.json
    assert body["type"] == "FeatureCollection"
    assert body["counts"] == {"added": 1, "changed": 1, "removed": 1} and body["truncated"] is False
    by_change = {f["properties"]["change"]: f for f in body["features"]}
    assert sorted(by_change) == ["added", "changed", "removed"] and len(body["features"]) == 3
    assert by_change["added"]["id"] == NEW_KEY
    assert by_change["added"]["geometry"]["coordinates"] == pytest.approx(NEW_POINT)
    assert by_change["changed"]["id"] == edits["changed"]
    assert by_change["changed"]["properties"]["name"] == "Пункт приёма (новое название)"  # as staged
    assert by_change["removed"]["id"] == edits["removed"]
    assert by_change["removed"]["geometry"]["coordinates"] == pytest.approx(
        edits["removedGeometry"]["coordinates"]
    )


def test_a_published_import_still_shows_its_changes_a_rejected_one_is_a_409(
    hub: PublishingApp, tmp_path: Path
) -> None:
    path, _ = edited_file(tmp_path)
    first = staged_import(hub, path)
    url = f"/collections/{LAYER}/imports/{first['id']}"
    assert hub.client.post(f"{url}/reject", headers=hub.headers("dana")).status_code == 200
    gone = hub.client.get(f"{url}/changes", headers={**hub.headers("dana"), "Accept-Language": "ru"})
    assert gone.status_code == 409 and gone.mimetype == "application/problem+json"
    assert "rejected" in gone.json["detail"] and gone.json["detail"].startswith("У импорта")

    second = staged_import(hub, path)
    url = f"/collections/{LAYER}/imports/{second['id']}"
    assert hub.client.post(f"{url}/publish", json={}, headers=hub.headers("dana")).status_code == 200
    published = hub.client.get(f"{url}/changes", headers=hub.headers("dana"))
    assert published.status_code == 200 and len(published.json["features"]) == 3


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("aigerim", 403), ("marat", 403), ("admin", 200)])
def test_only_the_layer_s_department_and_admins_see_the_changes(
    hub: PublishingApp, tmp_path: Path, user: str | None, status: int
) -> None:
    path, _ = edited_file(tmp_path)
    record = staged_import(hub, path)
    headers = hub.headers(user) if user else {}
    answer = hub.client.get(f"/collections/{LAYER}/imports/{record['id']}/changes", headers=headers)
    assert answer.status_code == status


def test_an_unknown_import_is_a_404(hub: PublishingApp) -> None:
    answer = hub.client.get(f"/collections/{LAYER}/imports/999/changes", headers=hub.headers("dana"))
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
