"""Import history: one record per import (upload, sync or dry run) with its full report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from geohub.errors import NotFoundError
from geohub.records import RecordsDatabase, auto_id, ensure_tables, from_stamp, to_stamp, utc_now

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
    title, slug = "Import not found", "import-not-found"


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
    message: str = ""

    def to_json(self) -> dict[str, Any]:
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
            "message": self.message,
            **self.report,
        }


@dataclass(frozen=True)
class LatestImports:
    """A layer's newest finished import (not a dry run), newest sync and newest publication."""

    attempt: ImportRecord | None = None
    synced: ImportRecord | None = None  # the newest not in UNSYNCED_STATUSES (no_changes counts)
    published: ImportRecord | None = None


def _tables(dialect: str) -> tuple[str, ...]:
    return (
        f"""CREATE TABLE IF NOT EXISTS imports (
            id {auto_id(dialect)},
            layer_id TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            user_name TEXT,
            remote_addr TEXT,
            source TEXT NOT NULL DEFAULT '',
            source_crs TEXT NOT NULL DEFAULT '',
            fingerprint TEXT NOT NULL DEFAULT '',
            base_version INTEGER,
            staged_version INTEGER,
            published_version INTEGER,
            report TEXT NOT NULL DEFAULT '{{}}',
            message TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX IF NOT EXISTS imports_layer ON imports (layer_id, id)",
    )


_FIELDS = (
    "id, layer_id, status, created_at, finished_at, user_name, remote_addr, source, source_crs, "
    "fingerprint, base_version, staged_version, published_version, report, message"
)


class ImportRecords:
    """The imports table of the records database."""

    def __init__(self, records: RecordsDatabase) -> None:
        self._records = records
        ensure_tables(records, _tables(records.dialect))

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
        with self._records.transaction() as cursor:
            row = cursor.execute(
                "INSERT INTO imports (layer_id, status, created_at, user_name, remote_addr, source) "
                "VALUES (%s, 'running', %s, %s, %s, %s) RETURNING id",
                (layer_id, to_stamp(now), user, remote_addr, source),
            ).fetchone()
            assert row is not None
            before_commit(int(row[0]))
        return ImportRecord(
            int(row[0]), layer_id, "running", now, user=user, remote_addr=remote_addr, source=source
        )

    def save(self, record: ImportRecord) -> ImportRecord:
        """Write the record's state (finished now unless it is still running)."""
        if record.status not in STATUSES:
            raise ValueError(f"unknown import status {record.status!r}")
        finished = None if record.status == "running" else (record.finished_at or utc_now())
        record = replace(record, finished_at=finished)
        with self._records.transaction() as cursor:
            cursor.execute(
                "UPDATE imports SET status = %s, finished_at = %s, source_crs = %s, fingerprint = %s, "
                "base_version = %s, staged_version = %s, published_version = %s, report = %s, message = %s "
                "WHERE id = %s",
                (
                    record.status,
                    None if finished is None else to_stamp(finished),
                    record.source_crs,
                    record.fingerprint,
                    record.base_version,
                    record.staged_version,
                    record.published_version,
                    json.dumps(record.report, ensure_ascii=False, default=str),
                    record.message,
                    record.id,
                ),
            )
        return record

    def get(self, layer_id: str, import_id: int) -> ImportRecord:
        row = self._records.fetchone(
            f"SELECT {_FIELDS} FROM imports WHERE id = %s AND layer_id = %s", (import_id, layer_id)
        )
        if row is None:
            raise ImportNotFoundError(f"Layer '{layer_id}' has no import {import_id}.")
        return _record(row)

    def history(self, layer_id: str, *, limit: int = 50, before_id: int | None = None) -> list[ImportRecord]:
        """The layer's imports, newest first."""
        rows = self._records.fetchall(
            f"SELECT {_FIELDS} FROM imports WHERE layer_id = %s AND id < %s ORDER BY id DESC LIMIT %s",
            (layer_id, before_id if before_id is not None else 2**62, limit),
        )
        return [_record(row) for row in rows]

    def latest_by_layer(self) -> dict[str, LatestImports]:
        """Per layer, in one query: its newest finished attempt, newest sync and newest publication."""
        unsynced = ", ".join(f"'{s}'" for s in UNSYNCED_STATUSES)
        rows = self._records.fetchall(
            f"SELECT {_FIELDS} FROM imports WHERE id IN ("
            "SELECT max(id) FROM imports WHERE status NOT IN ('dry_run', 'running') GROUP BY layer_id "
            f"UNION SELECT max(id) FROM imports WHERE status NOT IN ({unsynced}) GROUP BY layer_id "
            "UNION SELECT max(id) FROM imports WHERE status = 'published' GROUP BY layer_id)"
        )
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
            _record(r)
            for r in self._records.fetchall(f"SELECT {_FIELDS} FROM imports WHERE status = 'running'")
        ]


def _record(row: tuple[Any, ...]) -> ImportRecord:
    (
        id_,
        layer_id,
        status,
        created,
        finished,
        user,
        remote,
        source,
        crs,
        fingerprint,
        base,
        staged,
        published,
        report,
        message,
    ) = row
    created_at = from_stamp(created)
    assert created_at is not None
    return ImportRecord(
        id=int(id_),
        layer_id=layer_id,
        status=status,
        created_at=created_at,
        finished_at=from_stamp(finished),
        user=user,
        remote_addr=remote,
        source=source,
        source_crs=crs,
        fingerprint=fingerprint,
        base_version=base,
        staged_version=staged,
        published_version=published,
        report=json.loads(report or "{}"),
        message=message,
    )
