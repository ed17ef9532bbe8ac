"""Freshness of layers: source, last sync, next sync, publication and changes, in the collection
documents and TileJSON, on both backends; never a restricted layer's for anonymous readers."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.principal import Principal, Role
from geohub.layers.schedule import next_sync
from geohub.publishing.edits import update_feature
from geohub.publishing.service import Actor, ImportService
from geohub.publishing.sync import sync_layer
from geohub.services import Services
from geohub.settings import PROJECT_ROOT, Settings
from tests.conftest import DEMO_DATA

SCHEDULE = "30 3 * * *"  # 03:30 in Almaty (UTC+5): 22:30 UTC
SCHEDULED = "districts"
RESTRICTED = "parking"  # derives its district, so districts is synced first
MEMBER = "geohub:freshness"
EDITOR = Actor(Principal(user="editor", role=Role.admin), "127.0.0.1")


def _layers_dir(target: Path) -> Path:
    """layers/ with a schedule on districts and parking restricted."""
    shutil.copytree(PROJECT_ROOT / "layers", target)
    districts = target / f"{SCHEDULED}.yaml"
    text = districts.read_text(encoding="utf-8")
    assert "\nsource:\n" in text
    assert 'schedule: "0 3 * * *"' in text
    districts.write_text(text.replace('schedule: "0 3 * * *"', f'schedule: "{SCHEDULE}"', 1))
    parking = target / f"{RESTRICTED}.yaml"
    text = parking.read_text(encoding="utf-8")
    parking.write_text(text.replace("\ngeometry_type:", "\naccess: restricted\ngeometry_type:", 1))
    return target


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    layers = _layers_dir(tmp_path / "layers")
    flask_app = create_app(settings.model_copy(update={"layers_dir": layers, "log_level": "WARNING"}))
    yield flask_app
    flask_app.extensions["geohub"].close()


@pytest.fixture
def services(app: Flask) -> Services:
    return app.extensions["geohub"]


@pytest.fixture
def imports(app: Flask, services: Services) -> ImportService:
    return ImportService(services, app.extensions["geohub.tiles"].drop_changed_tiles)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _sync(imports: ImportService, layer_id: str, base_dir: Path = DEMO_DATA) -> str:
    layer = imports.services.registry.get(layer_id)
    return sync_layer(imports, layer, base_dir).status


def _freshness(client: FlaskClient, layer_id: str, **headers: str) -> dict[str, Any]:
    response = client.get(f"/collections/{layer_id}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    document = response.get_json()
    freshness: dict[str, Any] = document[MEMBER]
    assert document["updated"] is not None
    return freshness


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _staff_token(services: Services) -> str:
    accounts = Accounts(services.records)
    accounts.add_user("reader", role=Role.publisher, department="passenger_transport")
    return accounts.create_token("reader")


def test_synced_layer_shows_source_sync_times_and_changes(
    client: FlaskClient, imports: ImportService, services: Services
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)  # stamps are to the millisecond
    assert _sync(imports, SCHEDULED) == "published"
    after = datetime.now(UTC)
    current = services.store.current_version(SCHEDULED)
    assert current is not None and current.feature_count > 0

    freshness = _freshness(client, SCHEDULED)
    assert freshness["source"] == {"kind": "osm", "label": "districts.gpkg", "schedule": SCHEDULE}
    assert before <= _moment(freshness["lastSynced"]) <= after
    assert freshness["lastAttempt"] == {"at": freshness["lastSynced"], "status": "published", "failed": False}
    assert before <= _moment(freshness["published"]) <= after
    assert freshness["publishedBy"] == "import"
    assert (freshness["version"], freshness["featureCount"]) == (current.version, current.feature_count)
    assert freshness["changes"] == {"added": current.feature_count, "changed": 0, "removed": 0}
    due = _moment(freshness["nextSync"])
    assert (due.hour, due.minute, due.second) == (22, 30, 0)  # 03:30 in Almaty
    assert after < due <= after + timedelta(days=1)

    listed = {c["id"]: c for c in client.get("/collections").get_json()["collections"]}
    assert listed[SCHEDULED][MEMBER] == freshness
    assert listed["buildings"][MEMBER]["lastSynced"] is None  # never synced here
    assert listed["buildings"][MEMBER]["source"]["schedule"] == "0 3 * * *"  # layers/buildings.yaml
    assert _moment(listed["buildings"][MEMBER]["nextSync"]).hour == 22  # 03:00 in Almaty

    tilejson = client.get(f"/tiles/{SCHEDULED}.json").get_json()
    entry, labels = tilejson["vector_layers"]  # the layer, then its label points (layers/districts.yaml)
    assert (entry["id"], labels["id"]) == (SCHEDULED, f"{SCHEDULED}_labels")
    assert entry[MEMBER] == freshness
    city = {v["id"]: v for v in client.get("/tiles/city.json").get_json()["vector_layers"]}
    assert city[SCHEDULED][MEMBER] == freshness


def test_unchanged_second_sync_moves_last_synced_not_changes(
    client: FlaskClient, imports: ImportService
) -> None:
    assert _sync(imports, SCHEDULED) == "published"
    first = _freshness(client, SCHEDULED)
    assert _sync(imports, SCHEDULED) == "no_changes"
    second = _freshness(client, SCHEDULED)
    assert _moment(second["lastSynced"]) > _moment(first["lastSynced"])
    assert second["lastAttempt"]["status"] == "no_changes"
    for unchanged in ("changes", "published", "publishedBy", "version", "featureCount"):
        assert second[unchanged] == first[unchanged]


def test_failed_sync_is_the_last_attempt_but_not_the_last_sync(
    client: FlaskClient, imports: ImportService, tmp_path: Path
) -> None:
    assert _sync(imports, SCHEDULED) == "published"
    synced = _freshness(client, SCHEDULED)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "districts.gpkg").write_bytes(b"not a GeoPackage")
    with pytest.raises(Exception):  # noqa: B017 - whichever GeoHubError the reader raises
        _sync(imports, SCHEDULED, broken)
    freshness = _freshness(client, SCHEDULED)
    assert freshness["lastSynced"] == synced["lastSynced"]
    assert freshness["lastAttempt"]["status"] == "failed" and freshness["lastAttempt"]["failed"] is True
    assert _moment(freshness["lastAttempt"]["at"]) > _moment(synced["lastSynced"])
    assert freshness["changes"] == synced["changes"]


def test_edit_and_rollback_say_how_the_version_was_published(
    client: FlaskClient, imports: ImportService, services: Services
) -> None:
    assert _sync(imports, SCHEDULED) == "published"
    synced = _freshness(client, SCHEDULED)
    layer = services.registry.get(SCHEDULED)
    update_feature(imports, layer, "almaly", {"properties": {"name_en": "Almaly district"}}, actor=EDITOR)
    edited = _freshness(client, SCHEDULED)
    assert edited["publishedBy"] == "edit"
    assert edited["changes"] == {"added": 0, "changed": 1, "removed": 0}
    assert edited["version"] == synced["version"] + 1
    assert edited["lastSynced"] == synced["lastSynced"]

    imports.rollback(layer, synced["version"], actor=EDITOR)
    rolled_back = _freshness(client, SCHEDULED)
    assert rolled_back["publishedBy"] == "rollback"
    assert rolled_back["changes"] is None  # no import says what a rollback changed
    assert rolled_back["version"] == synced["version"]
    assert _moment(rolled_back["published"]) >= _moment(edited["published"])


def test_restricted_layer_freshness_is_never_shown_to_anonymous_readers(
    client: FlaskClient, imports: ImportService, services: Services
) -> None:
    assert _sync(imports, SCHEDULED) == "published"
    assert _sync(imports, RESTRICTED) == "published"

    for path in ("/collections", "/tiles/city.json", "/tiles/basemap.json", "/tiles"):
        response = client.get(path)
        assert response.status_code == 200
        text = json.dumps(response.get_json(), ensure_ascii=False)
        assert not re.search(rf'"id": "{RESTRICTED}"|/{RESTRICTED}[/.?"]', text), path
    for path in (f"/collections/{RESTRICTED}", f"/tiles/{RESTRICTED}.json"):
        assert client.get(path).status_code == 404, path

    staff = {"Authorization": f"Bearer {_staff_token(services)}"}
    freshness = _freshness(client, RESTRICTED, **staff)
    assert freshness["source"]["label"] == "parking.gpkg" and freshness["changes"]["added"] > 0
    listed = client.get("/collections", headers=staff).get_json()["collections"]
    assert [c[MEMBER] for c in listed if c["id"] == RESTRICTED] == [freshness]
    city = {v["id"]: v for v in client.get("/tiles/city.json", headers=staff).get_json()["vector_layers"]}
    assert city[RESTRICTED][MEMBER] == freshness


@pytest.mark.parametrize(
    ("schedule", "after", "due"),
    [
        ("30 3 * * *", "2026-03-01T12:00:00+00:00", "2026-03-01T22:30:00+00:00"),
        ("30 3 * * *", "2026-03-01T22:30:00+00:00", "2026-03-02T22:30:00+00:00"),
        ("0 * * * *", "2026-03-01T12:10:00+00:00", "2026-03-01T13:00:00+00:00"),
        ("0 6 * * 1", "2026-03-01T12:00:00+00:00", "2026-03-02T01:00:00+00:00"),  # Monday 06:00 Almaty
    ],
)
def test_next_sync_reads_the_schedule_in_almaty_time(schedule: str, after: str, due: str) -> None:
    assert next_sync(schedule, datetime.fromisoformat(after)) == datetime.fromisoformat(due)
    assert next_sync(None, datetime.fromisoformat(after)) is None
