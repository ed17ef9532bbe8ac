"""A department publishes its own layer over HTTP: upload, report, publish, versions, rollback.

The issue's acceptance scenario on both backends: a publisher uploads a zipped Shapefile in
EPSG:32643 with some invalid rows, gets a report naming each bad row, publishes, sees the new
version in OGC API and tiles, rolls back, and sees the old one; another department is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely

from geohub.settings import Settings
from tests.publishing.publishing import (
    LAYER,
    PublishingApp,
    cadastre_rows,
    edited_cadastre,
    publishing_app,
    tile_properties,
    zipped_shapefile,
)


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _upload(hub: PublishingApp, user: str, archive: Path, **fields: str) -> Any:
    with archive.open("rb") as stream:
        return hub.client.post(
            f"/collections/{LAYER}/imports",
            data={"file": (stream, archive.name), **fields},
            headers=hub.headers(user),
            content_type="multipart/form-data",
        )


def _item(hub: PublishingApp, key: str, user: str | None = None) -> Any:
    return hub.client.get(
        f"/collections/{LAYER}/items/{key}?f=json", headers=hub.headers(user) if user else {}
    )


def test_publisher_uploads_publishes_and_rolls_back(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns, edits = edited_cadastre()
    archive = zipped_shapefile(tmp_path, geometries, columns, epsg=32643)
    original = {k: u for k, u in zip(*(cadastre_rows()[1][n] for n in ("osm_ref", "land_use")), strict=True)}
    centroid = shapely.centroid(geometries[0])
    assert {
        p["land_use"]
        for p in tile_properties(hub.client, LAYER, centroid.x, centroid.y)
        if p["osm_ref"] == edits.changed[0]
    } == {original[edits.changed[0]]}

    # upload: a report naming each bad row, nothing published yet
    response = _upload(hub, "aigerim", archive)
    assert response.status_code == 201, response.json
    report = response.json
    assert report["status"] == "validated" and report["sourceCrs"] == "EPSG:32643"
    assert report["counts"] == {
        "read": 274,
        "valid": 270,
        "invalid": 4,
        "repaired": report["counts"]["repaired"],
    }
    named = {(p["key"], p["field"]) for p in report["problems"]}
    assert named == {(key, field) for key, field in edits.invalid.items()} | {("w900000004", "osm_ref")}
    assert all(p["row"].startswith("feature ") and p["reason"] for p in report["problems"])
    assert (
        report["changes"]["added"] == 1
        and report["changes"]["changed"] >= 3
        and report["changes"]["removed"] == 5
    )
    assert set(edits.changed) <= set(report["changes"]["changedKeys"])
    assert response.headers["Location"].endswith(f"/collections/{LAYER}/imports/{report['id']}")
    assert _item(hub, edits.added).status_code == 404

    # publishing with invalid rows needs the publisher's choice
    publish = f"/collections/{LAYER}/imports/{report['id']}/publish"
    refused = hub.client.post(publish, json={}, headers=hub.headers("aigerim"))
    assert refused.status_code == 409 and "invalidRows" in refused.json["detail"]
    published = hub.client.post(publish, json={"invalidRows": "skip"}, headers=hub.headers("aigerim"))
    assert published.status_code == 200, published.json
    assert published.json["status"] == "published"
    new_version = published.json["publishedVersion"]

    # the new version in OGC API – Features and in tiles
    assert hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"] == 270
    assert _item(hub, edits.added).status_code == 200
    assert _item(hub, edits.removed[0]).status_code == 404
    assert _item(hub, edits.changed[0]).json["properties"]["land_use"] == "allotments"
    assert "w900000002" not in {
        f["id"] for f in hub.client.get(f"/collections/{LAYER}/items?limit=500").json["features"]
    }
    in_tile = [
        p
        for p in tile_properties(hub.client, LAYER, centroid.x, centroid.y)
        if p["osm_ref"] == edits.changed[0]
    ]
    assert [p["land_use"] for p in in_tile] == ["allotments"]

    # versions and history
    versions = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim")).json[
        "versions"
    ]
    assert [v["version"] for v in versions if v["current"]] == [new_version]
    history = hub.client.get(f"/collections/{LAYER}/imports", headers=hub.headers("aigerim")).json["imports"]
    assert history[0]["id"] == report["id"] and history[0]["status"] == "published"
    assert history[0]["user"] == "aigerim"

    # rollback to the first version: the old data everywhere again
    first = min(v["version"] for v in versions)
    rolled = hub.client.post(
        f"/collections/{LAYER}/rollback", json={"version": first}, headers=hub.headers("aigerim")
    )
    assert rolled.status_code == 200 and rolled.json["version"] == first
    assert hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"] == 274
    assert _item(hub, edits.added).status_code == 404
    assert _item(hub, edits.changed[0]).json["properties"]["land_use"] == original[edits.changed[0]]
    in_tile = [
        p
        for p in tile_properties(hub.client, LAYER, centroid.x, centroid.y)
        if p["osm_ref"] == edits.changed[0]
    ]
    assert [p["land_use"] for p in in_tile] == [original[edits.changed[0]]]

    # the audit log holds every write, with who and from where
    audit = hub.client.get(f"/admin/audit?layer={LAYER}", headers=hub.headers("admin")).json
    actions = [(e["action"], e["user"]) for e in audit["entries"]]
    assert ("layer.rollback", "aigerim") in actions and ("layer.publish", "aigerim") in actions
    assert all(e["remoteAddr"] for e in audit["entries"] if e["user"] == "aigerim")


def test_another_departments_publisher_is_refused(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns, _ = edited_cadastre()
    archive = zipped_shapefile(tmp_path, geometries, columns)
    refused = _upload(hub, "dana", archive)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert "natural_resources" not in refused.json["detail"] and "land_relations" in refused.json["detail"]
    assert _upload(hub, "marat", archive).status_code == 403  # a moderator publishes nothing
    anonymous = hub.client.post(f"/collections/{LAYER}/imports", data={})
    assert anonymous.status_code == 401
    staged = _upload(hub, "aigerim", archive).json
    for path, body in (
        (f"/collections/{LAYER}/imports/{staged['id']}/publish", {"invalidRows": "skip"}),
        (f"/collections/{LAYER}/imports/{staged['id']}/reject", {}),
        (f"/collections/{LAYER}/rollback", {"version": 1}),
    ):
        assert hub.client.post(path, json=body, headers=hub.headers("dana")).status_code == 403, path
    assert hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"] == 274
    # the admin may publish any department's layer
    done = hub.client.post(
        f"/collections/{LAYER}/imports/{staged['id']}/publish",
        json={"invalidRows": "skip"},
        headers=hub.headers("admin"),
    )
    assert done.status_code == 200


def test_rejecting_an_import_drops_its_staged_version(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns, _ = edited_cadastre()
    staged = _upload(hub, "aigerim", zipped_shapefile(tmp_path, geometries, columns)).json
    rejected = hub.client.post(
        f"/collections/{LAYER}/imports/{staged['id']}/reject", headers=hub.headers("aigerim")
    )
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    versions = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim")).json[
        "versions"
    ]
    assert staged["stagedVersion"] not in [v["version"] for v in versions]
    again = hub.client.post(
        f"/collections/{LAYER}/imports/{staged['id']}/publish",
        json={"invalidRows": "skip"},
        headers=hub.headers("aigerim"),
    )
    assert again.status_code == 409


def test_dry_run_reports_without_storing(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns, _ = edited_cadastre()
    response = _upload(hub, "aigerim", zipped_shapefile(tmp_path, geometries, columns), dryRun="true")
    assert response.status_code == 201
    assert response.json["status"] == "dry_run" and response.json["stagedVersion"] is None
    assert response.json["counts"]["invalid"] == 4
    versions = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim")).json[
        "versions"
    ]
    assert len(versions) == 1


def test_on_invalid_reject_refuses_and_skip_publishes_at_once(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns, _ = edited_cadastre()
    archive = zipped_shapefile(tmp_path, geometries, columns)
    rejected = _upload(hub, "aigerim", archive, onInvalid="reject", publish="true").json
    assert rejected["status"] == "rejected" and rejected["stagedVersion"] is None
    published = _upload(hub, "aigerim", archive, onInvalid="skip", publish="true").json
    assert published["status"] == "published"
    assert hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"] == 270


def test_reimporting_identical_data_is_a_no_op(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = cadastre_rows()
    archive = zipped_shapefile(tmp_path, geometries, columns)
    response = _upload(hub, "aigerim", archive, publish="true")
    assert response.json["status"] == "no_changes", response.json
    assert response.json["changes"]["unchanged"] == 274
    versions = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim")).json[
        "versions"
    ]
    assert len(versions) == 1


def test_an_import_validated_before_another_publish_is_superseded(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns, _ = edited_cadastre()
    first = _upload(hub, "aigerim", zipped_shapefile(tmp_path, geometries, columns)).json
    columns["name"][0] = "Жаңа саябақ"
    (tmp_path / "second").mkdir()
    second = _upload(hub, "aigerim", zipped_shapefile(tmp_path / "second", geometries, columns)).json
    publish = {"invalidRows": "skip"}
    assert (
        hub.client.post(
            f"/collections/{LAYER}/imports/{second['id']}/publish",
            json=publish,
            headers=hub.headers("aigerim"),
        ).status_code
        == 200
    )
    stale = hub.client.post(
        f"/collections/{LAYER}/imports/{first['id']}/publish", json=publish, headers=hub.headers("aigerim")
    )
    assert stale.status_code == 409 and "changed after" in stale.json["detail"]
    record = hub.client.get(
        f"/collections/{LAYER}/imports/{first['id']}", headers=hub.headers("aigerim")
    ).json
    assert record["status"] == "superseded"
