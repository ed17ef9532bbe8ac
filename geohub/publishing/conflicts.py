"""Sync conflicts: a sync that found the live version published or edited by a person.

A layer has one owner of the truth at a time. Its declared source owns it while the live version
is one a sync published; once a person publishes an upload, rolls back or edits features, that
version is the department's, and the next sync does not publish over it: it stages its import and
records a conflict here (publishing/sync.py). The conflict stays open until someone chooses:
`take-source` publishes the sync's import, `keep-mine` keeps the person's version, and syncs
stay quiet about the layer until the source's data changes (then they ask again).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, select, update

from geohub.auth.audit import AuditLog
from geohub.errors import ConflictError, InvalidRequestError, NotFoundError
from geohub.layers.models import LayerDefinition
from geohub.messages import N_, Message, tr
from geohub.publishing.imports import ImportNotFoundError, ImportRecords
from geohub.records import RecordsDatabase, utc_now
from geohub.records.tables import LARGEST_ID, sync_conflicts
from geohub.services import Services
from geohub.storage.base import FeatureStore

Choice = Literal["take-source", "keep-mine"]
CHOICES: tuple[Choice, ...] = ("take-source", "keep-mine")
PERSON_ACTIONS = (  # the audit actions that publish a version (freshness.py reads the same)
    "layer.publish",
    "layer.rollback",
    "feature.create",
    "feature.replace",
    "feature.update",
    "feature.delete",
)


class ConflictNotFoundError(NotFoundError):
    title, slug = N_("Conflict not found"), "conflict-not-found"


class SyncConflictError(ConflictError):
    """A sync import waits on a conflict: only resolving it publishes the import."""

    title, slug = N_("Sync conflict"), "sync-conflict"


@dataclass(frozen=True)
class PersonVersion:
    """The live version when a person published it (upload, rollback) or edited it."""

    version: int
    action: str
    user: str | None
    at: datetime


@dataclass(frozen=True)
class SyncConflict:
    """One conflict: the person's version, the sync's staged import, and what was chosen."""

    id: int
    layer_id: str
    detected_at: datetime
    version: int
    version_action: str
    version_by: str | None
    version_at: datetime | None
    import_id: int
    source_digest: str
    status: str  # open, resolved
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def message(self) -> Message:
        """What happened and what may be chosen (or what was chosen)."""
        if self.is_open:
            return tr(
                "Version {version} of layer '{layer}' was published or edited by {user} after the "
                "last sync, so sync import {import_id} was not published. Choose take-source to "
                "publish the source's data, or keep-mine to keep version {version}.",
                version=self.version,
                layer=self.layer_id,
                user=self.version_by or "-",
                import_id=str(self.import_id),
            )
        if self.resolution == "take-source":
            return tr(
                "{user} chose the source's data, and the sync published it.", user=self.resolved_by or "-"
            )
        return tr(
            "{user} kept version {version}; syncs publish nothing over it until the source's data "
            "changes, and then they open a new conflict.",
            user=self.resolved_by or "-",
            version=self.version,
        )

    def to_json(self, language: str = "en") -> dict[str, Any]:
        return {
            "id": self.id,
            "layer": self.layer_id,
            "status": self.status,
            "detectedAt": _stamp(self.detected_at),
            "mine": {
                "version": self.version,
                "action": self.version_action,
                "by": self.version_by,
                "at": _stamp(self.version_at),
            },
            "import": self.import_id,
            "resolution": self.resolution,
            "resolvedBy": self.resolved_by,
            "resolvedAt": _stamp(self.resolved_at),
            "message": self.message().render(language),
        }


class SyncConflicts:
    """The sync_conflicts table of the records database."""

    def __init__(self, records: RecordsDatabase) -> None:
        self._records = records

    def open(self, layer_id: str, mine: PersonVersion, import_id: int, source_digest: str) -> SyncConflict:
        """Record a new open conflict."""
        values = {
            "layer_id": layer_id,
            "detected_at": utc_now(),
            "version": mine.version,
            "version_action": mine.action,
            "version_by": mine.user,
            "version_at": mine.at,
            "import_id": import_id,
            "source_digest": source_digest,
            "status": "open",
        }
        with self._records.transaction() as conn:
            conflict_id = conn.execute(
                sync_conflicts.insert().values(**values).returning(sync_conflicts.c.id)
            ).scalar_one()
        return self.get(layer_id, int(conflict_id))

    def get(self, layer_id: str, conflict_id: int) -> SyncConflict:
        row = None
        if abs(conflict_id) <= LARGEST_ID:
            row = self._records.fetchone(
                select(sync_conflicts).where(
                    sync_conflicts.c.id == conflict_id, sync_conflicts.c.layer_id == layer_id
                )
            )
        if row is None:
            raise ConflictNotFoundError(
                tr("Layer '{layer}' has no conflict {id}.", layer=layer_id, id=str(conflict_id))
            )
        return _conflict(row)

    def history(
        self, layer_id: str | None = None, *, open_only: bool = False, limit: int = 50
    ) -> list[SyncConflict]:
        """Conflicts newest first: one layer's or every layer's, optionally only the open ones."""
        query = select(sync_conflicts)
        if layer_id is not None:
            query = query.where(sync_conflicts.c.layer_id == layer_id)
        if open_only:
            query = query.where(sync_conflicts.c.status == "open")
        rows = self._records.fetchall(query.order_by(sync_conflicts.c.id.desc()).limit(limit))
        return [_conflict(row) for row in rows]

    def latest(self, layer_id: str) -> SyncConflict | None:
        found = self.history(layer_id, limit=1)
        return found[0] if found else None

    def open_by_layer(self) -> dict[str, SyncConflict]:
        """Each layer's newest open conflict (one query for all layers)."""
        found: dict[str, SyncConflict] = {}
        for conflict in reversed(self.history(open_only=True, limit=1000)):
            found[conflict.layer_id] = conflict
        return found

    def resolve(self, conflict: SyncConflict, choice: Choice, user: str | None) -> SyncConflict:
        """Close an open conflict with the choice made; a conflict already closed is a 409."""
        with self._records.transaction() as conn:
            done = conn.execute(
                update(sync_conflicts)
                .where(sync_conflicts.c.id == conflict.id, sync_conflicts.c.status == "open")
                .values(status="resolved", resolution=choice, resolved_by=user, resolved_at=utc_now())
            ).rowcount
        if not done:
            raise already_resolved(conflict)
        return self.get(conflict.layer_id, conflict.id)


def already_resolved(conflict: SyncConflict) -> ConflictError:
    return ConflictError(
        tr(
            "Conflict {id} of layer '{layer}' is already resolved.",
            id=str(conflict.id),
            layer=conflict.layer_id,
        )
    )


def parse_choice(value: Any) -> Choice:
    """The choice of a resolution: take-source or keep-mine."""
    if value not in CHOICES:
        raise InvalidRequestError(
            tr('Choose how to resolve the conflict: {"choice": "take-source"} or {"choice": "keep-mine"}.')
        )
    choice: Choice = value
    return choice


def person_version(services: Services, layer: LayerDefinition) -> PersonVersion | None:
    """The live version when a person published (upload, rollback) or edited it after the last
    sync; None when a sync published it, or nothing is known of how it went live.

    The audit log says how the live version went live; an import read from the declared source
    (a sync) has a source fingerprint, a person's upload has none."""
    current = services.store.current_version(layer.id)
    if current is None:
        return None
    entry = AuditLog(services.records).latest_by_layer(PERSON_ACTIONS).get(layer.id)
    if entry is None or entry.detail.get("version") != current.version:
        return None
    if entry.action == "layer.publish":
        import_id = entry.detail.get("import")
        if not isinstance(import_id, int):
            return None
        try:
            record = ImportRecords(services.records).get(layer.id, import_id)
        except ImportNotFoundError:
            return None
        if record.fingerprint:
            return None  # a sync's
    return PersonVersion(current.version, entry.action, entry.user, entry.at)


def staged_digest(store: FeatureStore, layer_id: str, version: int) -> str:
    """A digest of a stored version's data (its per-feature digests): equal means the same data."""
    return hashlib.sha256(store.version_digests(layer_id, version)).hexdigest()


def _conflict(row: Row[Any]) -> SyncConflict:
    (
        conflict_id,
        layer_id,
        detected_at,
        version,
        version_action,
        version_by,
        version_at,
        import_id,
        source_digest,
        status,
        resolution,
        resolved_by,
        resolved_at,
    ) = tuple(row)
    return SyncConflict(
        id=int(conflict_id),
        layer_id=layer_id,
        detected_at=detected_at,
        version=int(version),
        version_action=version_action,
        version_by=version_by,
        version_at=version_at,
        import_id=int(import_id),
        source_digest=source_digest,
        status=status,
        resolution=resolution,
        resolved_by=resolved_by,
        resolved_at=resolved_at,
    )


def _stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")
