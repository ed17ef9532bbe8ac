"""A process killed with SIGKILL at any point of an import leaves the live version intact and
the store consistent, on both backends; the next run recovers and imports again."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time

import psycopg
import pytest

from geohub.publishing.service import ImportService
from geohub.publishing.sync import sync_layer, waits_on_conflict
from geohub.services import Services
from geohub.settings import Settings
from geohub.storage.base import FeatureQuery
from geohub.tiles.service import TileService
from tests.child_process import spawn_child
from tests.publishing.sigkill_child import LAYER, READY, RENAMED

KILLS = 6
BUILDINGS = 8061


def _child(settings: Settings) -> subprocess.Popen[str]:
    return spawn_child(settings, "tests.publishing.sigkill_child", stdout=subprocess.PIPE)


def _version_tables(services: Services) -> set[str]:
    """The tables holding layer versions, as the database lists them."""
    if services.settings.database_url:
        with psycopg.connect(services.settings.database_url) as conn:
            rows = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'geohub' AND tablename LIKE %s",
                (f"{LAYER}_v%",),
            ).fetchall()
        return {r[0] for r in rows}
    with sqlite3.connect(services.settings.data_dir / "geohub.gpkg") as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?", (f"{LAYER}_v[0-9]*",)
        ).fetchall()
    return {r[0] for r in rows}


def _check_consistent(settings: Settings) -> int:
    """The published version is whole (dataset A or B, never a mixture), every stored version
    reads completely, and no table is left without its version row. Returns the current version."""
    services = Services.from_settings(settings)
    try:
        store = services.store
        layer = services.registry.get(LAYER)
        current = store.current_version(LAYER)
        assert current is not None
        assert store.count(layer) == current.feature_count == BUILDINGS
        renamed = store.count(layer, FeatureQuery(where={"name": RENAMED}))
        assert renamed in (0, BUILDINGS // 2), f"a mixture of two imports: {renamed} renamed"
        versions = store.versions(LAYER)
        for version in versions:
            assert sum(1 for _ in store.read_version(layer, version.version)) == version.feature_count
        assert _version_tables(services) == {f"{LAYER}_v{v.version}" for v in versions}
        return current.version
    finally:
        services.close()


@pytest.mark.parametrize("seed", [20261126])
def test_sigkill_at_any_point_leaves_the_live_version_intact(settings: Settings, seed: int) -> None:
    services = Services.from_settings(settings)
    service = ImportService(services, TileService(services).drop_changed_tiles)
    for layer_id in ("districts", LAYER):
        sync_layer(service, services.registry.get(layer_id), services.settings.demo_data_dir)
    services.close()
    chance = random.Random(seed)
    published_before = _check_consistent(settings)
    for _ in range(KILLS):
        child = _child(settings)
        assert child.stderr is not None
        started = child.stderr.readline().strip()  # start-up time varies with the machine's load
        assert started == READY, started + child.stderr.read()
        time.sleep(chance.uniform(0.0, 3.0))  # imports run back to back from here
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        output = child.stdout.read() if child.stdout else ""
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
        current = _check_consistent(settings)
        assert current >= published_before
        published_before = current
        assert {line.split()[0] for line in output.splitlines()} <= {"published", "no_changes"}
    # the next run recovers: interrupted imports are marked, and an import publishes again
    services = Services.from_settings(settings)
    service = ImportService(services, TileService(services).drop_changed_tiles)
    service.recover_interrupted()  # no clock: the killed imports' locks are free
    history = service.imports.history(LAYER, limit=10_000)
    interrupted = sum(r.status == "interrupted" for r in history)  # each child recovered the one before
    assert KILLS // 2 <= interrupted <= KILLS  # most kills landed inside an import, not between two
    assert all(r.status != "running" for r in history)
    record = sync_layer(service, services.registry.get(LAYER), services.settings.demo_data_dir, force=True)
    # the children's imports are uploads, a person's versions: the sync stages and waits on a conflict
    assert record.status in ("published", "no_changes") or waits_on_conflict(record)
    services.close()
    assert _check_consistent(settings) >= published_before
