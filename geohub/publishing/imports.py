"""Import history: one record per import (upload, sync or dry run) with its full report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, union, update

from geohub.errors import NotFoundError
from geohub.messages import N_, decoded, localized, tr
from geohub.records import RecordsDatabase, utc_now
from geohub.records.tables import LARGEST_ID, imports

STATUSES = (
    "running",  # being read and validated; its process holds its lock (publishing/import_locks.py)
    "dry_run",  # report only, nothing stored
    "validated",  # staged as an unpublished version, waiting for a publisher's decision
    "published",
    "no_changes",  # identical to the live version (or an unchanged source): nothing written
    "rejected",  # refused: invalid rows with on_invalid=reject, or rejected by the publisher
    "superseded",  # the layer changed after validation; the staged version was dropped
    "failed",  # the source could not be read, or the whole import is wrong (e.g. its CRS)
    "interrupted",  # the process died while it ran
)


# an import in one of these did not read the source through (a dry run only reports)
UNSYNCED_STATUSES = ("dry_run", "failed", "interrupted", "running")


class ImportNotFoundError(NotFoundError):
    title, slug = N_("Import not found"), "import-not-found"


@dataclass(frozen=True)
class ImportRecord:
    """One import and its report."""

    id: int
    layer_id: str
    status: str
    created_at: datetime
    finished_at: datetime | None = None
    user: str | None = None
    remote_addr: str | None = None
    source: str = ""
    source_crs: str = ""
    fingerprint: str = ""
    base_version: int | None = None
    staged_version: int | None = None
    published_version: int | None = None
    report: dict[str, Any] = field(default_factory=dict)
    message: str = ""  # a message as `encoded` wrote it (plain text in older records)

    def to_json(self, language: str = "en") -> dict[str, Any]:
        """The record and its report, their messages in `language`."""
        return {
            "id": self.id,
            "layer": self.layer_id,
            "status": self.status,
            "createdAt": self.created_at.isoformat(),
            "finishedAt": None if self.finished_at is None else self.finished_at.isoformat(),
            "user": self.user,
            "source": self.source,
            "sourceCrs": self.source_crs,
            "baseVersion": self.base_version,
            "stagedVersion": self.staged_version,
            "publishedVersion": self.published_version,
            "message": decoded(self.message, language),
            **localized(self.report, language),
        }


@dataclass(frozen=True)
class LatestImports:
    """A layer's newest finished import (not a dry run), newest sync and newest publication."""

    attempt: ImportRecord | None = None
    synced: ImportRecord | None = None  # the newest not in UNSYNCED_STATUSES (no_changes counts)
    published: ImportRecord | None = None


class ImportRecords:
    """The imports table of the records database."""

    def __init__(self, records: RecordsDatabase) -> None:
        self._records = records

    def start(
        self,
        layer_id: str,
        *,
        user: str | None,
        remote_addr: str | None,
        source: str,
        before_commit: Callable[[int], None] = lambda import_id: None,
    ) -> ImportRecord:
        """A new record in status `running`; `before_commit(id)` runs before others can see it
        (the import takes its lock there: a visible `running` import without one is dead)."""
        now = utc_now()
        with self._records.transaction() as conn:
            import_id = int(
                conn.execute(
                    imports.insert()
                    .values(
                        layer_id=layer_id,
                        status="running",
                        created_at=now,
                        user_name=user,
                        remote_addr=remote_addr,
                        source=source,
                    )
                    .returning(imports.c.id)
                ).scalar_one()
            )
            before_commit(import_id)
        return ImportRecord(
            import_id, layer_id, "running", now, user=user, remote_addr=remote_addr, source=source
        )

    def save(self, record: ImportRecord) -> ImportRecord:
        """Write the record's state (finished now unless it is still running)."""
        if record.status not in STATUSES:
            raise ValueError(f"unknown import status {record.status!r}")
        finished = None if record.status == "running" else (record.finished_at or utc_now())
        record = replace(record, finished_at=finished)
        with self._records.transaction() as conn:
            conn.execute(
                update(imports)
                .where(imports.c.id == record.id)
                .values(
                    status=record.status,
                    finished_at=finished,
                    source_crs=record.source_crs,
                    fingerprint=record.fingerprint,
                    base_version=record.base_version,
                    staged_version=record.staged_version,
                    published_version=record.published_version,
                    report=json.dumps(record.report, ensure_ascii=False, default=str),
                    message=record.message,
                )
            )
        return record

    def get(self, layer_id: str, import_id: int) -> ImportRecord:
        row = None  # an id beyond 64 bits names no import (nor can the database compare it)
        if abs(import_id) <= LARGEST_ID:
            row = self._records.fetchone(
                select(imports).where(imports.c.id == import_id, imports.c.layer_id == layer_id)
            )
        if row is None:
            raise ImportNotFoundError(
                tr("Layer '{layer}' has no import {id}.", layer=layer_id, id=str(import_id))
            )
        return _record(row)

    def history(self, layer_id: str, *, limit: int = 50, before_id: int | None = None) -> list[ImportRecord]:
        """The layer's imports, newest first."""
        query = select(imports).where(imports.c.layer_id == layer_id)
        if before_id is not None:
            query = query.where(imports.c.id < before_id)
        rows = self._records.fetchall(query.order_by(imports.c.id.desc()).limit(limit))
        return [_record(row) for row in rows]

    def latest_by_layer(self) -> dict[str, LatestImports]:
        """Per layer, in one query: its newest finished attempt, newest sync and newest publication."""
        newest = select(func.max(imports.c.id)).group_by(imports.c.layer_id)
        ids = union(
            newest.where(imports.c.status.not_in(("dry_run", "running"))),
            newest.where(imports.c.status.not_in(UNSYNCED_STATUSES)),
            newest.where(imports.c.status == "published"),
        )
        rows = self._records.fetchall(select(imports).where(imports.c.id.in_(ids)))
        latest: dict[str, LatestImports] = {}
        for record in sorted((_record(row) for row in rows), key=lambda r: r.id):
            found = latest.get(record.layer_id, LatestImports())
            latest[record.layer_id] = LatestImports(
                attempt=record,
                synced=record if record.status not in UNSYNCED_STATUSES else found.synced,
                published=record if record.status == "published" else found.published,
            )
        return latest

    def running(self) -> list[ImportRecord]:
        return [
            _record(r) for r in self._records.fetchall(select(imports).where(imports.c.status == "running"))
        ]


def _record(row: Row[Any]) -> ImportRecord:
    # unpacked in the table's column order (a Row's attributes are slow to read one by one)
    (
        import_id,
        layer_id,
        status,
        created_at,
        finished_at,
        user_name,
        remote_addr,
        source,
        source_crs,
        fingerprint,
        base_version,
        staged_version,
        published_version,
        report,
        message,
    ) = tuple(row)
    return ImportRecord(
        id=int(import_id),
        layer_id=layer_id,
        status=status,
        created_at=created_at,
        finished_at=finished_at,
        user=user_name,
        remote_addr=remote_addr,
        source=source,
        source_crs=source_crs,
        fingerprint=fingerprint,
        base_version=base_version,
        staged_version=staged_version,
        published_version=published_version,
        report=json.loads(report or "{}"),
        message=message,
    )
