"""AuditLog: who changed what, when (UTC) and from where; every write in GeoHub records one entry.

Actions are dotted names: `layer.import`, `layer.publish`, `layer.rollback`, `feature.edit`,
`user.add`, `user.disable`, `token.create`, `token.revoke`, `key.create`, `key.revoke`,
`auth.sign_in`, `auth.sign_out`. `detail` is JSON: never put a password, token or key in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geohub.auth.principal import Principal
from geohub.errors import InvalidRequestError
from geohub.records import RecordsDatabase, auto_id, ensure_tables, from_stamp, to_stamp, utc_now

MAX_ENTRIES_PAGE = 1000
MAX_ACTION_CHARS = 100


@dataclass(frozen=True)
class AuditEntry:
    """One recorded write."""

    id: int
    at: datetime
    user: str | None
    role: str | None
    api_key: str | None
    action: str
    layer_id: str | None
    detail: dict[str, Any]
    remote_addr: str | None

    def to_json(self) -> dict[str, Any]:
        """The entry as the admin API shows it."""
        return {
            "id": self.id,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "user": self.user,
            "role": self.role,
            "apiKey": self.api_key,
            "action": self.action,
            "layer": self.layer_id,
            "detail": self.detail,
            "remoteAddr": self.remote_addr,
        }


def _tables(dialect: str) -> tuple[str, ...]:
    return (
        f"""CREATE TABLE IF NOT EXISTS audit_log (
            id {auto_id(dialect)},
            at TEXT NOT NULL,
            user_name TEXT,
            role TEXT,
            api_key TEXT,
            action TEXT NOT NULL,
            layer_id TEXT,
            detail TEXT NOT NULL,
            remote_addr TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS audit_log_layer ON audit_log (layer_id, id)",
        "CREATE INDEX IF NOT EXISTS audit_log_user ON audit_log (user_name, id)",
    )


class AuditLog:
    """The audit_log table (append-only: nothing here updates or deletes an entry)."""

    def __init__(self, records: RecordsDatabase) -> None:
        self._records = records
        ensure_tables(records, _tables(records.dialect))

    def record(
        self,
        principal: Principal,
        action: str,
        layer_id: str | None,
        detail: dict[str, Any],
        remote_addr: str | None,
    ) -> int:
        """Append one entry and return its id."""
        if not action or len(action) > MAX_ACTION_CHARS:
            raise ValueError(f"an audit action needs 1 to {MAX_ACTION_CHARS} characters: {action!r}")
        with self._records.transaction() as cursor:
            row = cursor.execute(
                "INSERT INTO audit_log (at, user_name, role, api_key, action, layer_id, detail, remote_addr) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (
                    to_stamp(utc_now()),
                    principal.user,
                    None if principal.role is None else principal.role.value,
                    principal.api_key,
                    action,
                    layer_id,
                    json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
                    remote_addr,
                ),
            ).fetchone()
        assert row is not None
        return int(row[0])

    def entries(
        self,
        layer_id: str | None = None,
        user: str | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[AuditEntry]:
        """Newest entries first, optionally one layer's or one user's; page with `before_id`."""
        if not 1 <= limit <= MAX_ENTRIES_PAGE:
            raise InvalidRequestError(f"limit must be a whole number from 1 to {MAX_ENTRIES_PAGE}.")
        conditions, params = [], []
        for column, value in (("layer_id", layer_id), ("user_name", user), ("id", before_id)):
            if value is not None:
                conditions.append(f"{column} {'<' if column == 'id' else '='} %s")
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self._records.fetchall(
            "SELECT id, at, user_name, role, api_key, action, layer_id, detail, remote_addr "
            f"FROM audit_log {where} ORDER BY id DESC LIMIT %s",
            (*params, limit),
        )
        return [_entry(row) for row in rows]

    def latest_by_layer(self, actions: tuple[str, ...]) -> dict[str, AuditEntry]:
        """Per layer, its newest entry whose action is one of `actions` (one query for all layers)."""
        marks = ", ".join("%s" for _ in actions)
        rows = self._records.fetchall(
            "SELECT id, at, user_name, role, api_key, action, layer_id, detail, remote_addr FROM audit_log "
            f"WHERE id IN (SELECT max(id) FROM audit_log WHERE action IN ({marks}) AND layer_id IS NOT NULL "
            "GROUP BY layer_id)",
            actions,
        )
        return {entry.layer_id: entry for entry in map(_entry, rows) if entry.layer_id is not None}


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    at = from_stamp(str(row[1]))
    assert at is not None
    return AuditEntry(
        id=int(row[0]),
        at=at,
        user=row[2],
        role=row[3],
        api_key=row[4],
        action=str(row[5]),
        layer_id=row[6],
        detail=json.loads(row[7]),
        remote_addr=row[8],
    )
