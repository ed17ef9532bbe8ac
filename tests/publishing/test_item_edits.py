"""OGC API – Features Part 4 on department layers: create, replace, update, delete items,
through the same validation as imports, each edit a new version that rollback can undo."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from geohub.settings import Settings
from tests.publishing.publishing import LAYER, PublishingApp, publishing_app, tile_properties

PARK = {
    "type": "Feature",
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[76.945, 43.238], [76.946, 43.238], [76.946, 43.239], [76.945, 43.239], [76.945, 43.238]]
        ],
    },
    "properties": {"osm_ref": "w910000001", "land_use": "park", "name": "Жаңа саябақ"},
}


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _items(hub: PublishingApp) -> str:
    return f"/collections/{LAYER}/items"


def _count(hub: PublishingApp) -> int:
    return int(hub.client.get(f"{_items(hub)}?limit=1").json["numberMatched"])


def _send(hub: PublishingApp, method: str, path: str, body: Any, user: str = "aigerim") -> Any:
    return hub.client.open(path, method=method, json=body, headers=hub.headers(user))


def test_create_then_read_it_in_features_and_tiles(hub: PublishingApp) -> None:
    before = _count(hub)
    created = _send(hub, "POST", _items(hub), PARK)
    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith(f"/collections/{LAYER}/items/w910000001")
    item = hub.client.get(f"{_items(hub)}/w910000001?f=json").json
    assert item["properties"]["name"] == "Жаңа саябақ"
    assert item["properties"]["district"] == "bostandyk"  # derived, as an import would
    assert item["properties"]["area_m2"] == pytest.approx(81.0 * 111.2, rel=0.05)
    assert _count(hub) == before + 1
    assert any(p["osm_ref"] == "w910000001" for p in tile_properties(hub.client, LAYER, 76.9455, 43.2385))


def test_replace_update_delete_and_roll_back_an_edit(hub: PublishingApp) -> None:
    assert _send(hub, "POST", _items(hub), PARK).status_code == 201
    path = f"{_items(hub)}/w910000001"
    replaced = {**PARK, "properties": {"land_use": "garden", "name": "Бақ"}}
    assert _send(hub, "PUT", path, replaced).status_code == 204
    item = hub.client.get(f"{path}?f=json").json["properties"]
    assert (item["land_use"], item["name"], item["operator"]) == ("garden", "Бақ", None)
    assert _send(hub, "PATCH", path, {"properties": {"name": None, "operator": "Әкімдік"}}).status_code == 204
    item = hub.client.get(f"{path}?f=json").json["properties"]
    assert (item["land_use"], item["name"], item["operator"]) == ("garden", None, "Әкімдік")
    versions = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim")).json[
        "versions"
    ]
    patched = max(v["version"] for v in versions)
    assert _send(hub, "DELETE", path, None).status_code == 204
    assert hub.client.get(f"{path}?f=json").status_code == 404
    back = _send(hub, "POST", f"/collections/{LAYER}/rollback", {"version": patched})
    assert back.status_code == 200
    assert hub.client.get(f"{path}?f=json").json["properties"]["operator"] == "Әкімдік"
    audit = hub.client.get(f"/admin/audit?layer={LAYER}", headers=hub.headers("admin")).json["entries"]
    assert {"feature.create", "feature.replace", "feature.update", "feature.delete"} <= {
        e["action"] for e in audit
    }


def test_edits_are_validated_like_imports(hub: PublishingApp) -> None:
    before = _count(hub)
    no_use = {**PARK, "properties": {"osm_ref": "w910000002"}}
    response = _send(hub, "POST", _items(hub), no_use)
    assert response.status_code == 422 and "land_use" in response.json["detail"]
    assert response.json["errors"][0]["field"] == "land_use"
    far = {**PARK, "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}}
    assert _send(hub, "POST", _items(hub), far).status_code == 422  # a point in a polygon layer
    unknown = {**PARK, "properties": {**PARK["properties"], "owner": "x"}}
    assert _send(hub, "POST", _items(hub), unknown).status_code == 422
    assert _send(hub, "POST", _items(hub), {"type": "Feature"}).status_code == 422
    assert _send(hub, "POST", _items(hub), [1, 2]).status_code == 400
    assert (
        hub.client.post(
            _items(hub),
            data="not json",
            headers={**hub.headers("aigerim"), "Content-Type": "application/json"},
        ).status_code
        == 400
    )
    assert _send(hub, "POST", _items(hub), PARK).status_code == 201
    assert _send(hub, "POST", _items(hub), PARK).status_code == 409  # the key exists
    assert _send(hub, "PUT", f"{_items(hub)}/w999999999", PARK).status_code in (400, 404)
    assert _send(hub, "PATCH", f"{_items(hub)}/w999999999", {"properties": {}}).status_code == 404
    assert _send(hub, "DELETE", f"{_items(hub)}/w999999999", None).status_code == 404
    assert _count(hub) == before + 1


def test_only_the_owning_department_edits(hub: PublishingApp) -> None:
    assert _send(hub, "POST", _items(hub), PARK, user="dana").status_code == 403
    assert hub.client.post(_items(hub), json=PARK).status_code == 401
    assert _send(hub, "POST", _items(hub), PARK, user="admin").status_code == 201
    path = f"{_items(hub)}/w910000001"
    assert _send(hub, "DELETE", path, None, user="dana").status_code == 403
    assert hub.client.delete(path).status_code == 401
    assert hub.client.get(f"{path}?f=json").status_code == 200


def test_old_versions_beyond_the_kept_number_are_dropped(settings: Settings) -> None:
    kept = Settings(data_dir=settings.data_dir, database_url=settings.database_url, etl={"keep_versions": 3})
    for hub in publishing_app(kept):
        for n in range(5):
            feature = {**PARK, "properties": {**PARK["properties"], "osm_ref": f"w91000010{n}"}}
            assert _send(hub, "POST", _items(hub), feature).status_code == 201
        versions = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim")).json[
            "versions"
        ]
        assert [v["version"] for v in versions] == [6, 5, 4]  # v1 (the import) and v2, v3 are gone
        assert versions[0]["current"]
        assert _send(hub, "POST", f"/collections/{LAYER}/rollback", {"version": 4}).status_code == 200
        assert _count(hub) == 274 + 3


def test_a_body_with_three_faults_gets_all_three_in_one_422(hub: PublishingApp) -> None:
    unknown = {**PARK, "properties": {**PARK["properties"], "owner": "x"}}
    broken = {**PARK, "geometry": {"type": "Polygon", "coordinates": "nope"}}
    broken["properties"] = {**PARK["properties"], "osm_ref": "w910000003"}
    no_use = {**PARK, "properties": {"osm_ref": "w910000004"}}
    body = {"type": "FeatureCollection", "features": [unknown, broken, no_use]}
    response = _send(hub, "POST", _items(hub), body)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]
    assert [e["field"] for e in errors] == ["owner", "geometry", "land_use"]
    assert [e["message"].split(":")[0] for e in errors] == ["feature 1", "feature 2", "feature 3"]
    assert "3 faults" in response.json["detail"]
