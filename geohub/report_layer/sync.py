"""Publish the public `reports` layer from the reports records: a version with exactly the changes.

`sync_report_layer` reads the public reports (features.py), diffs them by key against the
published version's digests, and publishes a new version with only the reports that changed
(made in place, as item edits are: geohub/storage/edit_log.py), then drops the cached tiles those
reports touch: a status change drops only the tiles around its report. Nothing changed, nothing written.

The records are the truth and the layer follows them, so a sync is idempotent and repairs
whatever a crash left behind (a report committed and the server killed before its sync). One sync
runs at a time across the processes sharing the store: a file lock beside the embedded store, an
advisory lock on PostgreSQL.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from geohub.etl.digest import (
    LayerChanges,
    Snapshot,
    compare,
    merge_snapshot,
    snapshot_of_table,
    version_snapshot,
)
from geohub.layers.models import LayerDefinition
from geohub.records import utc_now
from geohub.report_layer.features import public_rows, public_table
from geohub.reports.categories import Categories
from geohub.services import Services
from geohub.storage.base import Bbox, FeatureStore, FeatureTable, LayerVersion

LAYER_ID = "reports"
LOCK_NAME = "geohub.report_layer"
DropChangedTiles = Callable[[str, list[Bbox]], int]


@dataclass(frozen=True)
class LayerSync:
    """What one sync did: the changes published (none when the layer was current) and its version."""

    changes: LayerChanges
    version: int | None
    dropped_tiles: int
    reports_read: int  # every report on a full sync; those changed since the last one otherwise


def report_layer(services: Services) -> LayerDefinition | None:
    """The public reports layer, when the registry defines one (`service: reports`)."""
    return next((layer for layer in services.registry if layer.service == LAYER_ID), None)


def sync_report_layer(
    services: Services, categories: Categories, drop_changed_tiles: DropChangedTiles
) -> LayerSync | None:
    """Bring the published `reports` layer in line with every report (None: no such layer)."""
    return ReportLayerSync(services, categories, drop_changed_tiles).sync()


class ReportLayerSync:
    """Syncs of one process: the first reads every report, the next ones only the reports changed
    since the one before (less `CHANGE_MARGIN`, for transactions that committed meanwhile), so a
    sync costs what changed, not the size of the layer. Time alone takes closed reports out of
    the layer after `reports.public_closed_days`: a full sync (`geohub reports upkeep`) does that."""

    CHANGE_MARGIN = timedelta(seconds=5)

    def __init__(
        self, services: Services, categories: Categories, drop_changed_tiles: DropChangedTiles
    ) -> None:
        self._services = services
        self._categories = categories
        self._drop_changed_tiles = drop_changed_tiles
        self._since: datetime | None = None

    def __call__(self) -> LayerSync | None:
        return self.sync()

    def sync(self, *, full: bool = False) -> LayerSync | None:
        services = self._services
        layer = report_layer(services)
        if layer is None:
            return None
        with _exclusive(services):
            started = utc_now()
            store = services.store
            current = store.current_version(layer.id)
            since = (
                None if full or current is None or self._since is None else self._since - self.CHANGE_MARGIN
            )
            shown, hidden = _read(services, started, since)
            table = public_table(layer, shown, self._categories, services.registry)
            fresh = snapshot_of_table(layer, table)
            base = version_snapshot(store, layer, None if current is None else current.version)
            if since is None:  # every report read: the layer is exactly what was read
                wanted, removed = fresh, set(base.keys.tolist()) - set(fresh.keys.tolist())
            else:  # what changed since, over the published version
                removed = set(hidden) & set(base.keys.tolist())
                wanted = merge_snapshot(base, fresh, removed)
            changes = compare(base, wanted)
            self._since = started
            if current is not None and not changes.any:
                return LayerSync(changes, current.version, 0, len(shown) + len(hidden))
            note = f"reports: {changes.added} added, {changes.changed} changed, {changes.removed} removed"
            if current is None:
                version = store.write_version(layer, table, note=note, publish=True, digests=wanted.encode())
            else:
                version = _publish_changes(
                    store, layer, current.version, table, fresh, base, removed, wanted, note
                )
            dropped = self._drop_changed_tiles(layer.id, changes.tile_boxes())
            _prune(services, layer)
            return LayerSync(changes, version.version, dropped, len(shown) + len(hidden))


def _publish_changes(
    store: FeatureStore,
    layer: LayerDefinition,
    current: int,
    table: FeatureTable,
    fresh: Snapshot,
    base: Snapshot,
    removed: set[str],
    wanted: Snapshot,
    note: str,
) -> LayerVersion:
    """The changed reports published over the current version: in place, as an item edit is
    (its digests stored whole when the store asks), else as a derived version."""
    upserts = _changed_rows(table, fresh, base)
    edited = store.edit_version(layer, current, upserts, sorted(removed), note=note)
    if edited is not None:
        if edited.store_digests:
            store.store_digests(layer.id, edited.version.version, wanted.encode())
        return edited.version
    staged = store.write_derived_version(
        layer, current, upserts, sorted(removed), note=note, publish=False, digests=wanted.encode()
    )
    return store.publish_version(layer.id, staged.version)


def _read(
    services: Services, now: datetime, since: datetime | None
) -> tuple[list[Mapping[str, Any]], list[str]]:
    closed_days = services.settings.reports.public_closed_days
    with services.records.transaction() as conn:
        return public_rows(conn, now, closed_days, since)


def _changed_rows(table: FeatureTable, fresh: Snapshot, base: Snapshot) -> FeatureTable:
    """The features of `table` (row-aligned with `fresh`) that `base` lacks or holds otherwise."""
    old = {k: tuple(h) for k, h in zip(base.keys.tolist(), base.hashes.tolist(), strict=True)}
    hashes = fresh.hashes.tolist()
    rows = [i for i, key in enumerate(fresh.keys.tolist()) if old.get(key) != tuple(hashes[i])]
    picked = np.asarray(rows, dtype=np.intp)
    return FeatureTable(
        table.geometries[picked] if rows else table.geometries[:0],
        {name: [values[i] for i in rows] for name, values in table.columns.items()},
    )


def _prune(services: Services, layer: LayerDefinition) -> None:
    """Keep `etl.keep_versions` versions of the layer, as imports do."""
    store = services.store
    for version in store.versions(layer.id)[services.settings.etl.keep_versions :]:
        if not version.is_current:
            store.delete_version(layer.id, version.version)


@contextmanager
def _exclusive(services: Services) -> Iterator[None]:
    """One sync at a time among every process sharing this store."""
    if services.settings.database_url is None:
        folder = services.settings.data_dir / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "report-layer.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            with _IN_PROCESS:
                yield
        return
    with _IN_PROCESS, services.records.transaction() as conn:  # held until the sync ends
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(LOCK_NAME))))
        yield


_IN_PROCESS = threading.Lock()  # flock is per open file: threads of one process queue here too
