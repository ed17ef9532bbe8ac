"""Freshness: where a layer's data comes from, when it was last synced and published, what changed.

Cheap enough for every collection listing: one query for every layer's latest imports, one for
every layer's latest publication in the audit log, plus the published version the caller has.
A read model of layers for the HTTP answers (features, tiles); next syncs come from
`layers/schedule.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from geohub.auth.audit import AuditEntry, AuditLog
from geohub.layers.models import LayerDefinition, Source
from geohub.layers.schedule import next_sync
from geohub.publishing.conflicts import SyncConflict, SyncConflicts
from geohub.publishing.imports import ImportNotFoundError, ImportRecord, ImportRecords, LatestImports
from geohub.services import Services
from geohub.storage.base import LayerVersion

FAILED_STATUSES = ("failed", "interrupted")
EDIT_ACTIONS = ("feature.create", "feature.replace", "feature.update", "feature.delete")
PUBLISHING_ACTIONS = ("layer.publish", "layer.rollback", *EDIT_ACTIONS)
MAX_AUDITED_KEYS = 100  # an edit's audit entry lists at most this many keys (etl/edits.py)


@dataclass(frozen=True)
class Changes:
    """How many features a version added, changed and removed against the one before it."""

    added: int
    changed: int
    removed: int

    def to_json(self) -> dict[str, int]:
        return {"added": self.added, "changed": self.changed, "removed": self.removed}

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed


@dataclass(frozen=True)
class Freshness:
    """One layer's provenance and timing, as collection documents, TileJSON and the map show it."""

    layer_id: str
    source: Source | None
    last_synced_at: datetime | None  # newest import that read the source (an unchanged one too)
    last_attempt_at: datetime | None  # newest finished import of any kind but a dry run
    last_attempt_status: str | None
    next_sync_at: datetime | None  # from the source's schedule; None without one
    version: int | None
    published_at: datetime | None
    published_by: str | None  # "import", "rollback", "edit", or None when not known
    feature_count: int
    changes: Changes | None  # of the published version; None when not known
    conflict: SyncConflict | None = None  # an open sync conflict (publishing/conflicts.py)

    @property
    def last_attempt_failed(self) -> bool:
        return self.last_attempt_status in FAILED_STATUSES

    def to_json(self) -> dict[str, Any]:
        """The `geohub:freshness` member (timestamps in UTC, RFC 3339)."""
        source = self.source
        return {
            "source": None
            if source is None
            else {"kind": source.kind, "label": source_label(source), "schedule": source.schedule},
            "lastSynced": _stamp(self.last_synced_at),
            "lastAttempt": None
            if self.last_attempt_at is None
            else {
                "at": _stamp(self.last_attempt_at),
                "status": self.last_attempt_status,
                "failed": self.last_attempt_failed,
            },
            "nextSync": _stamp(self.next_sync_at),
            "version": self.version,
            "published": _stamp(self.published_at),
            "publishedBy": self.published_by,
            "featureCount": self.feature_count,
            "changes": None if self.changes is None else self.changes.to_json(),
            "conflict": None
            if self.conflict is None
            else {"id": self.conflict.id, "open": True, "detectedAt": _stamp(self.conflict.detected_at)},
        }


def layers_freshness(
    services: Services,
    layers: Iterable[LayerDefinition],
    *,
    current: dict[str, LayerVersion | None] | None = None,
    now: datetime | None = None,
) -> dict[str, Freshness]:
    """Freshness of each of `layers`; `current` may hold their published versions (else read here).

    The caller decides which layers the reader may see: pass only those.
    """
    layers = list(layers)
    if not layers:
        return {}
    imports = ImportRecords(services.records).latest_by_layer()
    published = AuditLog(services.records).latest_by_layer(PUBLISHING_ACTIONS)
    conflicts = SyncConflicts(services.records).open_by_layer()
    versions = dict(current or {})
    for layer in layers:
        if layer.id not in versions:
            versions[layer.id] = services.store.current_version(layer.id)
    moment = now or datetime.now(UTC)
    return {
        layer.id: replace(
            _freshness(
                services,
                layer,
                imports.get(layer.id, LatestImports()),
                published.get(layer.id),
                versions[layer.id],
                moment,
            ),
            conflict=conflicts.get(layer.id),
        )
        for layer in layers
    }


def layer_freshness(services: Services, layer: LayerDefinition, *, now: datetime | None = None) -> Freshness:
    """Freshness of one layer."""
    return layers_freshness(services, [layer], now=now)[layer.id]


def source_label(source: Source) -> str:
    """A label of the source safe to show anyone: no credentials, query strings or database hosts."""
    if source.path is not None:
        return source.path.name
    if source.kind == "postgresql":
        return f"PostgreSQL: {source.layer}" if source.layer else "PostgreSQL query"
    url = source.url or ""
    if url.startswith("env:"):
        return f"{source.kind} ({url})"
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{parts.path} {source.layer or ''}".strip()


def _freshness(
    services: Services,
    layer: LayerDefinition,
    latest: LatestImports,
    publication: AuditEntry | None,
    current: LayerVersion | None,
    now: datetime,
) -> Freshness:
    source = layer.source
    published_at, published_by, changes = _publication(services, layer, latest, publication, current)
    return Freshness(
        layer_id=layer.id,
        source=source,
        last_synced_at=_finished(latest.synced),
        last_attempt_at=_finished(latest.attempt),
        last_attempt_status=None if latest.attempt is None else latest.attempt.status,
        next_sync_at=next_sync(source.schedule if source else None, now),
        version=None if current is None else current.version,
        published_at=published_at,
        published_by=published_by,
        feature_count=0 if current is None else current.feature_count,
        changes=changes,
    )


def _publication(
    services: Services,
    layer: LayerDefinition,
    latest: LatestImports,
    entry: AuditEntry | None,
    current: LayerVersion | None,
) -> tuple[datetime | None, str | None, Changes | None]:
    """When and how the published version went live, and what it changed (None: not known)."""
    if current is None:
        return None, None, None
    if entry is None or entry.detail.get("version") != current.version:
        # published without an audit entry (written straight to the store): its import, if any
        record = latest.published
        if record is not None and record.published_version == current.version:
            return current.created_at, "import", _import_changes(record)
        return current.created_at, None, None
    if entry.action == "layer.publish":
        record = latest.published
        import_id = entry.detail.get("import")
        if record is None or record.id != import_id:
            record = _import(services, layer, import_id)
        return entry.at, "import", None if record is None else _import_changes(record)
    if entry.action == "layer.rollback":
        return entry.at, "rollback", None
    return entry.at, "edit", _edit_changes(entry)


def _import(services: Services, layer: LayerDefinition, import_id: Any) -> ImportRecord | None:
    if not isinstance(import_id, int):
        return None
    try:
        return ImportRecords(services.records).get(layer.id, import_id)
    except ImportNotFoundError:
        return None


def _import_changes(record: ImportRecord) -> Changes | None:
    changes = record.report.get("changes")
    if not isinstance(changes, dict):
        return None
    try:
        return Changes(int(changes["added"]), int(changes["changed"]), int(changes["removed"]))
    except (KeyError, TypeError, ValueError):
        return None


def _edit_changes(entry: AuditEntry) -> Changes | None:
    """An edit's changes from its audit entry: a create adds its keys, the others touch one."""
    keys = entry.detail.get("keys")
    if not isinstance(keys, list):
        return None
    if entry.action == "feature.create":
        return Changes(len(keys), 0, 0) if len(keys) < MAX_AUDITED_KEYS else None
    if entry.action == "feature.delete":
        return Changes(0, 0, len(keys))
    return Changes(0, len(keys), 0)


def _finished(record: ImportRecord | None) -> datetime | None:
    if record is None:
        return None
    return record.finished_at or record.created_at


def _stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
