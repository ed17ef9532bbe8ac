"""One owner of the truth per layer, on both backends: a sync never publishes over a version a
person published or edited after the last sync. It stages its import, opens a conflict the
department sees, and goes on only when someone chooses (take-source or keep-mine)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geohub.auth.audit import AuditLog
from geohub.publishing.imports import ImportRecord
from geohub.publishing.schedule_note import schedule_note
from geohub.publishing.service import ImportService
from geohub.publishing.sync import sync_layer
from geohub.services import Services
from geohub.settings import PROJECT_ROOT, Settings
from tests.conftest import DEMO_DATA
from tests.publishing.publishing import (
    LAYER,
    PublishingApp,
    cadastre_rows,
    edited_cadastre,
    publishing_app,
    zipped_shapefile,
)
from tests.test_cli import run_geohub


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _services(hub: PublishingApp) -> Services:
    return hub.app.extensions["geohub"]


def _imports(hub: PublishingApp) -> ImportService:
    return ImportService(_services(hub), hub.app.extensions["geohub.tiles"].drop_changed_tiles)


def _sync(hub: PublishingApp, base_dir: Path = DEMO_DATA) -> ImportRecord:
    """`geohub etl sync cadastre` as the CLI and the systemd timer run it."""
    service = _imports(hub)
    return sync_layer(service, service.services.registry.get(LAYER), base_dir)


def _upload(hub: PublishingApp, tmp_path: Path, language: str = "en", **fields: str) -> Any:
    """The department's edited cadastre, uploaded and published by aigerim."""
    geometries, columns, _ = edited_cadastre()
    folder = tmp_path / f"upload-{language}"
    folder.mkdir()
    archive = zipped_shapefile(folder, geometries, columns)
    with archive.open("rb") as stream:
        response = hub.client.post(
            f"/collections/{LAYER}/imports",
            data={"file": (stream, archive.name), "onInvalid": "skip", "publish": "true", **fields},
            headers={**hub.headers("aigerim"), "Accept-Language": language},
            content_type="multipart/form-data",
        )
    assert response.status_code == 201, response.json
    return response.json


def _live(hub: PublishingApp) -> int:
    current = _services(hub).store.current_version(LAYER)
    assert current is not None
    return current.version


def _conflicts(hub: PublishingApp, user: str = "aigerim") -> Any:
    return hub.client.get(f"/collections/{LAYER}/conflicts", headers=hub.headers(user))


def _resolve(hub: PublishingApp, conflict_id: int, choice: str, language: str = "en") -> Any:
    return hub.client.post(
        f"/collections/{LAYER}/conflicts/{conflict_id}/resolve",
        json={"choice": choice},
        headers={**hub.headers("aigerim"), "Accept-Language": language},
    )


def _freshness_conflict(hub: PublishingApp) -> Any:
    return hub.client.get(f"/collections/{LAYER}").json["geohub:freshness"]["conflict"]


def _changed_source(folder: Path, nth: int = 0) -> Path:
    """A copy of the demo data's landuse with the `nth` parcel's class changed: a new source."""
    folder.mkdir()
    shutil.copy(DEMO_DATA / "landuse.gpkg", folder / "landuse.gpkg")
    with sqlite3.connect(folder / "landuse.gpkg") as db:
        # the spatial index triggers call SpatiaLite functions plain sqlite3 lacks; a copy needs none
        triggers = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_%'")
        for (name,) in triggers.fetchall():
            db.execute(f'DROP TRIGGER "{name}"')
        db.execute(
            "UPDATE landuse SET class = ? "
            "WHERE rowid = (SELECT rowid FROM landuse ORDER BY rowid LIMIT 1 OFFSET ?)",
            (f"changed_{nth}", nth),
        )
    return folder


def test_sync_over_an_upload_leaves_it_published_and_opens_a_conflict(
    hub: PublishingApp, tmp_path: Path
) -> None:
    upload = _upload(hub, tmp_path)
    assert upload["status"] == "published"
    mine = _live(hub)

    record = _sync(hub)
    assert record.status == "validated" and record.published_version is None
    assert _live(hub) == mine  # the upload is still what readers get
    listed = _conflicts(hub).json["conflicts"]
    assert len(listed) == 1
    conflict = listed[0]
    assert conflict["status"] == "open" and conflict["import"] == record.id
    assert conflict["mine"]["version"] == mine and conflict["mine"]["by"] == "aigerim"
    assert conflict["mine"]["action"] == "layer.publish"
    assert f"sync import {record.id} was not published" in conflict["message"]

    # the import record says so, and the sync's import cannot be published around the conflict
    shown = hub.client.get(f"/collections/{LAYER}/imports/{record.id}", headers=hub.headers("aigerim")).json
    assert shown["conflict"] == {"id": conflict["id"], "open": True}
    assert "take-source" in shown["message"]
    refused = hub.client.post(
        f"/collections/{LAYER}/imports/{record.id}/publish", headers=hub.headers("aigerim")
    )
    assert refused.status_code == 409 and refused.json["type"].endswith("/sync-conflict")
    audit = AuditLog(_services(hub).records).entries(layer_id=LAYER, limit=20)
    assert any(e.action == "sync.conflict" and e.detail["conflict"] == conflict["id"] for e in audit)
    assert _freshness_conflict(hub)["id"] == conflict["id"]

    # a second sync while it is open reads nothing and opens nothing new
    again = _sync(hub)
    assert again.id == record.id and len(_conflicts(hub).json["conflicts"]) == 1

    # who sees it: the department's publishers and admins; not another department, not moderators
    assert _conflicts(hub, "admin").status_code == 200
    assert _conflicts(hub, "dana").status_code == 403
    assert _conflicts(hub, "marat").status_code == 403
    assert hub.client.get(f"/collections/{LAYER}/conflicts").status_code == 401


def test_take_source_publishes_the_sync_and_later_syncs_run_as_before(
    hub: PublishingApp, tmp_path: Path
) -> None:
    _upload(hub, tmp_path)
    record = _sync(hub)
    conflict_id = _conflicts(hub).json["conflicts"][0]["id"]

    resolved = _resolve(hub, conflict_id, "take-source", "ru")
    assert resolved.status_code == 200, resolved.json
    assert resolved.json["status"] == "resolved" and resolved.json["resolution"] == "take-source"
    assert resolved.json["resolvedBy"] == "aigerim" and "aigerim" in resolved.json["message"]
    published = _imports(hub).imports.get(LAYER, record.id)
    assert published.status == "published" and _live(hub) == published.published_version
    assert _freshness_conflict(hub) is None
    current = _services(hub).store.current_version(LAYER)
    assert current is not None and current.feature_count == len(cadastre_rows()[0])

    again = _resolve(hub, conflict_id, "keep-mine")
    assert again.status_code == 409 and "already resolved" in again.json["detail"]
    # the source owns the layer again: an unchanged source is not read, a changed one published
    assert _sync(hub).status == "no_changes"
    changed = _sync(hub, _changed_source(tmp_path / "changed"))
    assert changed.status == "published" and changed.report["changes"]["changed"] == 1
    assert len(_conflicts(hub).json["conflicts"]) == 1


def test_take_source_after_the_layer_changed_again_syncs_anew(hub: PublishingApp, tmp_path: Path) -> None:
    _upload(hub, tmp_path)
    record = _sync(hub)
    conflict_id = _conflicts(hub).json["conflicts"][0]["id"]
    edited = hub.client.patch(  # the department goes on working while the conflict is open
        f"/collections/{LAYER}/items/{cadastre_rows()[1]['osm_ref'][0]}",
        json={"properties": {"land_use": "orchard"}},
        headers=hub.headers("aigerim"),
    )
    assert edited.status_code == 204
    assert _resolve(hub, conflict_id, "take-source").status_code == 200
    assert _imports(hub).imports.get(LAYER, record.id).status == "rejected"  # stale: synced again
    newest = _imports(hub).imports.history(LAYER)[0]
    assert newest.status == "published" and newest.fingerprint and _live(hub) == newest.published_version
    assert _freshness_conflict(hub) is None


def test_keep_mine_keeps_the_upload_until_the_source_changes(hub: PublishingApp, tmp_path: Path) -> None:
    _upload(hub, tmp_path)
    mine = _live(hub)
    record = _sync(hub)
    conflict_id = _conflicts(hub).json["conflicts"][0]["id"]

    resolved = _resolve(hub, conflict_id, "keep-mine")
    assert resolved.status_code == 200 and resolved.json["resolution"] == "keep-mine"
    assert _imports(hub).imports.get(LAYER, record.id).status == "rejected"  # its staged version dropped
    assert _live(hub) == mine and _freshness_conflict(hub) is None

    quiet = _sync(hub)  # the same source data: nothing published, nothing asked again
    assert quiet.status == "no_changes" and "keep-mine" in quiet.to_json()["message"]
    assert _live(hub) == mine and len(_conflicts(hub).json["conflicts"]) == 1

    asked = _sync(hub, _changed_source(tmp_path / "changed"))  # new source data: a new conflict
    assert asked.status == "validated" and _live(hub) == mine
    newest = _conflicts(hub).json["conflicts"][0]
    assert newest["status"] == "open" and newest["id"] != conflict_id and newest["import"] == asked.id


def test_resolving_refuses_bad_choices_unknown_conflicts_and_other_departments(
    hub: PublishingApp, tmp_path: Path
) -> None:
    _upload(hub, tmp_path)
    _sync(hub)
    conflict_id = _conflicts(hub).json["conflicts"][0]["id"]
    bad = _resolve(hub, conflict_id, "both", "kk")
    assert bad.status_code == 400 and "take-source" in bad.json["detail"]
    assert _resolve(hub, conflict_id + 100, "keep-mine").status_code == 404
    other = hub.client.post(
        f"/collections/{LAYER}/conflicts/{conflict_id}/resolve",
        json={"choice": "take-source"},
        headers=hub.headers("dana"),
    )
    assert other.status_code == 403
    assert _conflicts(hub).json["conflicts"][0]["status"] == "open"


def test_rollback_after_the_last_sync_is_a_persons_version_too(hub: PublishingApp, tmp_path: Path) -> None:
    changed_first = _sync(hub, _changed_source(tmp_path / "first", 1))
    assert changed_first.status == "published"
    rolled = hub.client.post(
        f"/collections/{LAYER}/rollback", json={"version": 1}, headers=hub.headers("aigerim")
    )
    assert rolled.status_code == 200
    record = _sync(hub, _changed_source(tmp_path / "second", 2))
    assert record.status == "validated" and _live(hub) == 1
    conflict = _conflicts(hub).json["conflicts"][0]
    assert conflict["mine"] == {**conflict["mine"], "version": 1, "action": "layer.rollback"}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_upload_report_names_the_schedule_and_what_the_next_sync_will_do(
    hub: PublishingApp, tmp_path: Path, language: str
) -> None:
    report = _upload(hub, tmp_path, language, dryRun="true")
    schedule = report["schedule"]
    assert schedule["source"] == "landuse.gpkg" and schedule["schedule"] == "0 3 * * *"
    assert schedule["nextSync"].endswith("T22:00:00Z")  # 03:00 in Almaty
    message = schedule["message"]
    assert "landuse.gpkg" in message and "03:00" in message
    words = {"ru": ("синхронизация", "конфликт", "дек"), "kk": ("синхрондау", "қайшылық", "жел")}[language]
    assert all(word in message for word in words), message
    # a sync's own report names the schedule without the upload's warning; no schedule, no section
    synced = _imports(hub).imports.history(LAYER)[-1]
    assert synced.fingerprint and "conflict" not in synced.to_json("en")["schedule"]["message"]
    layer = _services(hub).registry.get(LAYER)
    assert layer.source is not None
    unscheduled = layer.model_copy(update={"source": layer.source.model_copy(update={"schedule": None})})
    assert schedule_note(unscheduled, synced=False) is None


def test_part4_edits_are_kept_a_sync_after_them_opens_a_conflict(hub: PublishingApp, tmp_path: Path) -> None:
    key = cadastre_rows()[1]["osm_ref"][0]
    edited = hub.client.patch(
        f"/collections/{LAYER}/items/{key}",
        json={"properties": {"land_use": "allotments"}},
        headers=hub.headers("aigerim"),
    )
    assert edited.status_code == 204, edited.json
    mine = _live(hub)
    record = _sync(hub, _changed_source(tmp_path / "changed", 3))
    assert record.status == "validated" and _live(hub) == mine
    conflict = _conflicts(hub).json["conflicts"][0]
    assert conflict["mine"]["action"] == "feature.update" and conflict["mine"]["version"] == mine
    item = hub.client.get(f"/collections/{LAYER}/items/{key}?f=json").json
    assert item["properties"]["land_use"] == "allotments"
    # keep-mine: the edit stays, and more edits are welcome on the kept version
    assert _resolve(hub, conflict["id"], "keep-mine").status_code == 200
    assert hub.client.get(f"/collections/{LAYER}/items/{key}?f=json").json["properties"]["land_use"] == (
        "allotments"
    )


def _unscheduled_layers(target: Path) -> Path:
    """layers/ with the cadastre's schedule removed: always due for `geohub etl sync --due`."""
    shutil.copytree(PROJECT_ROOT / "layers", target)
    cadastre = target / f"{LAYER}.yaml"
    text = cadastre.read_text(encoding="utf-8")
    line = next(li for li in text.splitlines(keepends=True) if li.strip().startswith("schedule:"))
    cadastre.write_text(text.replace(line, "", 1), encoding="utf-8")
    return target


def test_timer_sync_reports_the_conflict_and_syncs_the_other_layers(
    settings: Settings, tmp_path: Path
) -> None:
    layers = _unscheduled_layers(tmp_path / "layers")
    env = {"GEOHUB_LAYERS_DIR": str(layers)}
    assert run_geohub("etl", "sync", "districts", LAYER, settings=settings, extra_env=env).returncode == 0
    geometries, columns, _ = edited_cadastre()
    (tmp_path / "upload").mkdir()
    archive = zipped_shapefile(tmp_path / "upload", geometries, columns)
    uploaded = run_geohub(
        "etl",
        "import",
        LAYER,
        str(archive),
        "--publish",
        "--on-invalid",
        "skip",
        settings=settings,
        extra_env=env,
    )
    assert uploaded.returncode == 0 and "published" in uploaded.stdout, uploaded.stderr

    timer = run_geohub("etl", "sync", "--all", "--due", settings=settings, extra_env=env)
    assert timer.returncode == 3, timer.stderr
    lines = {line.split()[0]: line for line in timer.stdout.splitlines() if line.startswith("  ")}
    assert lines[LAYER].split()[1] == "conflict" and "was not published" in lines[LAYER]
    assert all(line.split()[1] == "published" for name, line in lines.items() if name != LAYER)
    assert "geohub etl conflicts list" in timer.stderr

    listed = run_geohub("etl", "conflicts", "list", "--open", settings=settings, extra_env=env)
    assert listed.returncode == 0 and LAYER in listed.stdout and "open" in listed.stdout
    conflict_id = listed.stdout.split()[0]
    kept = run_geohub(
        "etl", "conflicts", "resolve", LAYER, conflict_id, "keep-mine", settings=settings, extra_env=env
    )
    assert kept.returncode == 0 and "keep-mine" in kept.stdout, kept.stderr
    after = run_geohub("etl", "sync", LAYER, settings=settings, extra_env=env)
    assert after.returncode == 0 and "no changes" in after.stdout
