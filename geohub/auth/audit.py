"""AuditLog: who changed what, when (UTC) and from where; every write in GeoHub records one entry.

Actions are dotted names: `layer.import`, `layer.publish`, `layer.rollback`, `feature.edit`,
`user.add`, `user.update`, `user.disable`, `user.enable`, `user.password_reset`,
`user.password_change`, `token.create`, `token.revoke`, `key.create`, `key.update`, `key.revoke`,
`auth.sign_in`, `auth.sign_out`. `detail` is JSON: never put a password, token or key in it.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Row, func, select

from geohub.auth.principal import Principal
from geohub.errors import InvalidRequestError
from geohub.messages import tr
from geohub.records import RecordsDatabase, utc_now
from geohub.records.tables import audit_log

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


class AuditLog:
    """The audit_log table (append-only: nothing here updates or deletes an entry)."""

    def __init__(self, records: RecordsDatabase) -> None:
        self._records = records

    def record(
        self,
        principal: Principal,
        action: str,
        layer_id: str | None,
        detail: dict[str, Any],
        remote_addr: str | None,
    ) -> int:
        """Append one entry and return its id."""
        with self._records.transaction() as conn:
            statement = audit_entry(principal, action, layer_id, detail, remote_addr)
            entry_id = conn.execute(statement.returning(audit_log.c.id)).scalar_one()
        return int(entry_id)

    def entries(
        self,
        layer_id: str | None = None,
        user: str | None = None,
        limit: int = 100,
        before_id: int | None = None,
        layers: Collection[str] | None = None,
    ) -> list[AuditEntry]:
        """Newest entries first, optionally one layer's, one user's or those of some `layers` (a
        department's); page with `before_id`."""
        if not 1 <= limit <= MAX_ENTRIES_PAGE:
            raise InvalidRequestError(
                tr(
                    "limit must be a whole number from 1 to {max_entries_page}.",
                    max_entries_page=MAX_ENTRIES_PAGE,
                )
            )
        query = select(audit_log)
        if layer_id is not None:
            query = query.where(audit_log.c.layer_id == layer_id)
        if layers is not None:
            query = query.where(audit_log.c.layer_id.in_(sorted(layers)))
        if user is not None:
            query = query.where(audit_log.c.user_name == user)
        if before_id is not None:
            query = query.where(audit_log.c.id < before_id)
        rows = self._records.fetchall(query.order_by(audit_log.c.id.desc()).limit(limit))
        return [_entry(row) for row in rows]

    def latest_by_layer(self, actions: tuple[str, ...]) -> dict[str, AuditEntry]:
        """Per layer, its newest entry whose action is one of `actions` (one query for all layers)."""
        newest = (
            select(func.max(audit_log.c.id))
            .where(audit_log.c.action.in_(actions), audit_log.c.layer_id.is_not(None))
            .group_by(audit_log.c.layer_id)
        )
        rows = self._records.fetchall(select(audit_log).where(audit_log.c.id.in_(newest)))
        return {entry.layer_id: entry for entry in map(_entry, rows) if entry.layer_id is not None}


def _entry(row: Row[Any]) -> AuditEntry:
    # unpacked in the table's column order: a Row's attributes cost ~0.5 µs each, 1000 rows a page
    entry_id, at, user_name, role, api_key, action, layer_id, detail, remote_addr = tuple(row)
    return AuditEntry(
        id=int(entry_id),
        at=at,
        user=user_name,
        role=role,
        api_key=api_key,
        action=action,
        layer_id=layer_id,
        detail=json.loads(detail),
        remote_addr=remote_addr,
    )


def audit_entry(
    principal: Principal, action: str, layer_id: str | None, detail: dict[str, Any], remote_addr: str | None
) -> Insert:
    """The INSERT of one audit entry, for a caller that writes it in its own transaction."""
    if not action or len(action) > MAX_ACTION_CHARS:
        raise ValueError(f"an audit action needs 1 to {MAX_ACTION_CHARS} characters: {action!r}")
    return audit_log.insert().values(
        at=utc_now(),
        user_name=principal.user,
        role=None if principal.role is None else principal.role.value,
        api_key=principal.api_key,
        action=action,
        layer_id=layer_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
        remote_addr=remote_addr,
    )
