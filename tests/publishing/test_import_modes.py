"""Import modes (replace, upsert, append, delete) and the replace guard, on both backends.

Each mode's result and report; the data loss the issue reproduced (a one-feature upload with
publish=true replaced the whole layer) now publishes nothing and says why; a confirmation goes
through and is in the audit log; a sync that would wipe a layer waits; bad inputs are 4xx
problems in kk/ru/en and leave everything as it was.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pyogrio
import pytest
import shapely

from geohub.etl.modes import MODES, parse_keys
from geohub.openapi.models import ImportMode
from geohub.publishing.service import ImportService
from geohub.publishing.sync import SyncOutcome, sync_layer
from geohub.settings import Settings
from geohub.storage.base import FeatureQuery, FeatureStore, FeatureTable
from tests.conftest import DEMO_DATA
from tests.publishing.publishing import LAYER, PublishingApp, cadastre_rows, publishing_app
from tests.storage.conftest import BUILDINGS, building_features, ids_of
from tests.test_cli import run_geohub

LIVE = 274  # the demo cadastre's features
NEW_KEY = "w900000001"


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _geojson(rows: list[int], *, changes: dict[int, str] | None = None, new: bool = False) -> bytes:
    """Rows of the demo cadastre (by index) as a GeoJSON upload; `changes` sets land_use."""
    geometries, columns = cadastre_rows()
    features = []
    for index in rows:
        properties = {name: values[index] for name, values in columns.items()}
        if changes and index in changes:
            properties["land_use"] = changes[index]
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geometries[index]),
                "properties": properties,
            }
        )
    if new:
        square = shapely.multipolygons([shapely.box(76.945, 43.238, 76.946, 43.239)])
        properties = {name: None for name in columns} | {"osm_ref": NEW_KEY, "land_use": "park"}
        features.append(
            {"type": "Feature", "geometry": shapely.geometry.mapping(square), "properties": properties}
        )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _keys() -> list[str]:
    return [str(k) for k in cadastre_rows()[1]["osm_ref"]]


def _upload(hub: PublishingApp, content: bytes | None = None, *, language: str = "en", **fields: str) -> Any:
    data: dict[str, Any] = dict(fields)
    if content is not None:
        data["file"] = (io.BytesIO(content), "cadastre.geojson")
    return hub.client.post(
        f"/collections/{LAYER}/imports",
        data=data,
        headers={**hub.headers("aigerim"), "Accept-Language": language},
        content_type="multipart/form-data",
    )


def _publish(hub: PublishingApp, import_id: int, language: str = "en", **body: Any) -> Any:
    return hub.client.post(
        f"/collections/{LAYER}/imports/{import_id}/publish",
        json=body,
        headers={**hub.headers("aigerim"), "Accept-Language": language},
    )


def _count(hub: PublishingApp) -> int:
    return int(hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"])


def _versions(hub: PublishingApp) -> list[dict[str, Any]]:
    response = hub.client.get(f"/collections/{LAYER}/versions", headers=hub.headers("aigerim"))
    return list(response.json["versions"])


def _item(hub: PublishingApp, key: str) -> Any:
    return hub.client.get(f"/collections/{LAYER}/items/{key}?f=json")


def test_upsert_replaces_and_adds_by_key_and_keeps_the_rest(hub: PublishingApp) -> None:
    keys = _keys()
    response = _upload(
        hub, _geojson([0, 1], changes={0: "allotments"}, new=True), mode="upsert", publish="true"
    )
    assert response.status_code == 201, response.json
    record = response.json
    assert record["status"] == "published" and record["mode"] == "upsert"
    assert record["keys"] == {"added": [NEW_KEY], "changed": [keys[0]], "removed": [], "truncated": False}
    assert record["changes"]["unchanged"] == LIVE - 1 and record["counts"]["valid"] == 3
    assert record["guard"]["removedShare"] == 0 and not record["guard"]["needsConfirmation"]
    assert _count(hub) == LIVE + 1
    assert _item(hub, keys[0]).json["properties"]["land_use"] == "allotments"
    assert _item(hub, keys[100]).status_code == 200  # not in the upload: kept
    # a version like any other: rollback restores the one before
    first = min(v["version"] for v in _versions(hub))
    rolled = hub.client.post(
        f"/collections/{LAYER}/rollback", json={"version": first}, headers=hub.headers("aigerim")
    )
    assert rolled.status_code == 200 and _count(hub) == LIVE and _item(hub, NEW_KEY).status_code == 404


def test_append_reports_an_existing_key_as_a_row_error_never_overwrites(hub: PublishingApp) -> None:
    keys = _keys()
    response = _upload(hub, _geojson([0], changes={0: "allotments"}, new=True), mode="append")
    record = response.json
    assert response.status_code == 201 and record["status"] == "validated", record
    assert record["counts"]["invalid"] == 1 and record["counts"]["valid"] == 1
    [problem] = record["problems"]
    assert problem["key"] == keys[0] and problem["field"] == "osm_ref" and "upsert" in problem["reason"]
    assert record["keys"]["added"] == [NEW_KEY] and record["keys"]["changed"] == []
    assert _publish(hub, record["id"]).status_code == 409  # a row error waits for the choice
    published = _publish(hub, record["id"], invalidRows="skip")
    assert published.status_code == 200, published.json
    assert _count(hub) == LIVE + 1
    assert _item(hub, keys[0]).json["properties"]["land_use"] != "allotments"


def test_delete_removes_the_listed_keys_and_reports_unknown_ones(hub: PublishingApp) -> None:
    keys = _keys()
    response = _upload(hub, mode="delete", keys=f"{keys[3]}, {keys[2]}\nw1\n{keys[3]}")
    record = response.json
    assert response.status_code == 201 and record["status"] == "validated", record
    assert record["source"] == "keys" and record["mode"] == "delete"
    assert record["keys"]["removed"] == sorted([keys[2], keys[3]]) and record["keys"]["added"] == []
    assert record["counts"] == {"read": 3, "valid": 2, "invalid": 1, "repaired": 0}
    assert [(p["key"], p["field"]) for p in record["problems"]] == [("w1", "osm_ref")]
    published = _publish(hub, record["id"], invalidRows="skip")
    assert published.status_code == 200, published.json
    assert _count(hub) == LIVE - 2 and _item(hub, keys[2]).status_code == 404


def test_delete_takes_its_keys_from_a_files_key_column(hub: PublishingApp) -> None:
    keys = _keys()
    response = _upload(hub, _geojson([5, 6]), mode="delete", publish="true")
    record = response.json
    assert response.status_code == 201 and record["status"] == "published", record
    assert record["keys"]["removed"] == sorted(keys[5:7])
    assert _count(hub) == LIVE - 2


def test_a_one_feature_replace_with_publish_publishes_nothing_and_says_why(hub: PublishingApp) -> None:
    """The issue's reproduced loss: a one-feature upload with publish=true replaced the layer."""
    response = _upload(hub, _geojson([0]), publish="true")
    record = response.json
    assert response.status_code == 201 and record["status"] == "validated", record
    assert record["mode"] == "replace"
    guard = record["guard"]
    assert guard["needsConfirmation"] and not guard["confirmed"] and guard["threshold"] == 0.2
    assert guard["removed"] == LIVE - 1 and guard["removedShare"] == pytest.approx(
        (LIVE - 1) / LIVE, abs=1e-4
    )
    assert "273" in record["message"] and "confirmRemoval" in record["message"]
    assert _count(hub) == LIVE and len(_versions(hub)) == 2  # the staged version waits

    refused = _publish(hub, record["id"], language="ru")
    assert refused.status_code == 409 and refused.headers["Content-Type"].startswith(
        "application/problem+json"
    )
    assert refused.json["type"].endswith("/removal-needs-confirmation")
    assert re.search("[а-яА-Я]", refused.json["detail"]) and "273" in refused.json["detail"]
    assert _count(hub) == LIVE

    confirmed = _publish(hub, record["id"], confirmRemoval=True)
    assert confirmed.status_code == 200 and confirmed.json["status"] == "published", confirmed.json
    assert confirmed.json["guard"]["confirmed"] and _count(hub) == 1
    audit = hub.client.get(f"/admin/audit?layer={LAYER}", headers=hub.headers("admin")).json["entries"]
    [entry] = [e for e in audit if e["action"] == "layer.publish" and e["user"] == "aigerim"]
    assert entry["user"] == "aigerim"
    assert entry["detail"]["confirmedRemoval"] == {"removed": LIVE - 1, "share": guard["removedShare"]}


def test_confirmation_given_with_the_upload_publishes_at_once(hub: PublishingApp) -> None:
    response = _upload(hub, _geojson([0, 1]), publish="true", confirmRemoval="true")
    assert response.status_code == 201 and response.json["status"] == "published", response.json
    assert _count(hub) == 2
    audit = hub.client.get(f"/admin/audit?layer={LAYER}", headers=hub.headers("admin")).json["entries"]
    assert [
        e["detail"]["confirmedRemoval"]["removed"]
        for e in audit
        if e["action"] == "layer.publish" and e["user"] == "aigerim"
    ] == [LIVE - 2]


def test_a_small_replace_needs_no_confirmation(hub: PublishingApp) -> None:
    keep = list(range(LIVE - 10))  # 10 removed: 3.6 %
    response = _upload(hub, _geojson(keep), publish="true")
    assert response.status_code == 201 and response.json["status"] == "published", response.json
    assert not response.json["guard"]["needsConfirmation"] and _count(hub) == LIVE - 10


def test_a_dry_run_shows_the_keys_and_the_guard(hub: PublishingApp) -> None:
    keys = _keys()
    response = _upload(hub, _geojson([0]), dryRun="true")
    record = response.json
    assert response.status_code == 201 and record["status"] == "dry_run"
    assert record["guard"]["needsConfirmation"]
    removed = record["keys"]["removed"]
    assert record["keys"]["truncated"] and len(removed) == 200
    assert removed == sorted(set(keys) - {keys[0]})[:200]
    assert len(_versions(hub)) == 1


def test_the_guard_share_is_a_setting(settings: Settings) -> None:
    lenient = settings.model_copy(
        update={"etl": settings.etl.model_copy(update={"replace_guard_share": 1.0})}
    )
    for hub in publishing_app(lenient):
        response = _upload(hub, _geojson([0]), publish="true")
        assert response.json["status"] == "published" and response.json["guard"]["threshold"] == 1.0


def test_the_guard_share_has_an_environment_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOHUB_ETL__REPLACE_GUARD_SHARE", "0.35")
    assert Settings().etl.replace_guard_share == 0.35


def test_a_sync_that_would_wipe_the_layer_waits_unless_confirmed(hub: PublishingApp, tmp_path: Path) -> None:
    """A declared source that suddenly returns a tenth of its rows does not replace the layer."""
    meta, _, wkb, values = pyogrio.raw.read(DEMO_DATA / "landuse.gpkg", layer="landuse")
    kept = slice(0, len(wkb) // 10)
    pyogrio.raw.write(
        tmp_path / "landuse.gpkg",
        wkb[kept],
        [np.asarray(column[kept]) for column in values],
        list(meta["fields"]),
        layer="landuse",
        driver="GPKG",
        geometry_type=meta["geometry_type"],
        crs=meta["crs"],
    )
    services = hub.app.extensions["geohub"]
    service = ImportService(services, hub.app.extensions["geohub.tiles"].drop_changed_tiles)
    layer = services.registry.get(LAYER)
    held = sync_layer(service, layer, tmp_path)
    assert held.status == "validated" and held.report["guard"]["needsConfirmation"]
    assert SyncOutcome(LAYER, held).held and _count(hub) == LIVE
    confirmed = sync_layer(service, layer, tmp_path, force=True, confirm_removal=True)
    assert confirmed.status == "published" and _count(hub) < LIVE // 5


LANGUAGES = ("kk", "ru", "en")
BAD_UPLOADS = [
    pytest.param({"mode": "merge"}, True, id="unknown-mode"),
    pytest.param({"mode": "delete"}, False, id="delete-without-keys"),
    pytest.param({"mode": "delete", "keys": " , \n"}, False, id="delete-with-blank-keys"),
    pytest.param({"mode": "upsert", "keys": "w1"}, True, id="keys-with-upsert"),
    pytest.param({"keys": "w1"}, False, id="keys-with-replace"),
    pytest.param({"mode": "delete", "keys": "w1"}, True, id="keys-and-a-file"),
    pytest.param({"mode": "upsert", "confirmRemoval": "perhaps"}, True, id="confirm-not-a-flag"),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("fields", "with_file"), BAD_UPLOADS)
def test_bad_mode_inputs_are_400_problems_in_the_request_language(
    hub: PublishingApp, fields: dict[str, str], with_file: bool, language: str
) -> None:
    before = len(
        hub.client.get(f"/collections/{LAYER}/imports", headers=hub.headers("aigerim")).json["imports"]
    )
    response = _upload(hub, _geojson([0]) if with_file else None, language=language, **fields)
    assert response.status_code == 400, response.json
    assert response.headers["Content-Type"].startswith("application/problem+json")
    detail = response.json["detail"]
    assert detail and (language == "en") != bool(re.search("[а-яА-ЯәғқңөұүһіӘҒҚҢӨҰҮҺІ]", detail))
    after = hub.client.get(f"/collections/{LAYER}/imports", headers=hub.headers("aigerim")).json["imports"]
    assert len(after) == before and _count(hub) == LIVE and len(_versions(hub)) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_publish_with_a_confirmation_that_is_not_a_boolean_is_400(hub: PublishingApp, language: str) -> None:
    record = _upload(hub, _geojson([0])).json
    response = _publish(hub, record["id"], language=language, confirmRemoval="yes")
    assert response.status_code == 400 and response.json["detail"]
    assert _count(hub) == LIVE and _versions(hub)[0]["current"] is False


def test_keys_are_split_by_commas_and_lines_once_each() -> None:
    assert parse_keys(" a, b\r\nc\n\na ,") == ["a", "b", "c"]


def test_the_openapi_modes_are_the_pipelines() -> None:
    assert get_args(ImportMode) == MODES


def test_the_command_line_has_the_modes_and_the_guard(settings: Settings, tmp_path: Path) -> None:
    assert run_geohub("etl", "sync", "districts", "cadastre", settings=settings).returncode == 0
    keys = _keys()
    deleted = run_geohub(
        "etl",
        "import",
        "cadastre",
        "--mode",
        "delete",
        "--keys",
        f"{keys[0]},{keys[1]}",
        "--publish",
        settings=settings,
    )
    assert deleted.returncode == 0, deleted.stderr
    assert "published" in deleted.stdout and "mode delete: 0 added, 0 changed, 2 removed" in deleted.stdout
    one = tmp_path / "one.geojson"
    one.write_bytes(_geojson([5]))
    held = run_geohub("etl", "import", "cadastre", str(one), "--publish", settings=settings)
    assert held.returncode == 0 and "validated" in held.stdout, held.stderr
    assert "publishing needs --confirm-removal" in held.stdout
    import_id = held.stdout.split()[1]
    refused = run_geohub("etl", "publish", "cadastre", import_id, settings=settings)
    assert refused.returncode == 2 and "confirmRemoval" in refused.stderr
    confirmed = run_geohub("etl", "publish", "cadastre", import_id, "--confirm-removal", settings=settings)
    assert confirmed.returncode == 0 and "published" in confirmed.stdout, confirmed.stderr
    both = run_geohub("etl", "import", "cadastre", str(one), "--keys", "w1", settings=settings)
    assert both.returncode == 2 and "--keys" in both.stderr


def test_derived_versions_keep_a_sound_spatial_index(store: FeatureStore) -> None:
    """A few changes on a large version: every feature is found by its own box, none that is gone,
    three versions in a row (a GeoPackage clones its base's R-tree and edits it)."""
    features = building_features(120)
    table = FeatureTable(
        shapely.from_wkb([f.geometry for f in features]),
        {a.name: [f.properties.get(a.name) for f in features] for a in BUILDINGS.attributes},
    )
    version = store.write_version(BUILDINGS, table)
    ids = ids_of(features)
    gone: list[str] = []
    for round_ in range(3):
        moved = shapely.transform(table.geometries[round_ : round_ + 1], lambda xy: xy + 0.002)
        upserts = FeatureTable(moved, {n: list(v[round_ : round_ + 1]) for n, v in table.columns.items()})
        dropped = [ids[50 + round_]]
        version = store.write_derived_version(BUILDINGS, version.version, upserts, dropped)
        gone += dropped
        assert version.feature_count == 120 - len(gone)
        for feature in list(store.read_version(BUILDINGS, version.version)):
            box = tuple(shapely.bounds(shapely.from_wkb(feature.geometry)).tolist())
            found = store.query(BUILDINGS, FeatureQuery(bbox=box, limit=1000)).features  # type: ignore[arg-type]
            assert feature.id in {f.id for f in found}
        assert not any(store.count(BUILDINGS, FeatureQuery(where={"osm_ref": key})) for key in gone)
        if store.backend == "geopackage":
            connection = sqlite3.connect(store.path)  # type: ignore[attr-defined]
            table_name = f"{BUILDINGS.id}_v{version.version}"
            assert connection.execute(f"SELECT rtreecheck('rtree_{table_name}_geom')").fetchone() == ("ok",)
            connection.close()
