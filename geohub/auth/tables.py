"""The account tables (users, tokens, app keys, key usage) and the UTC timestamps stored in them.

Timestamps are stored as fixed-width ISO 8601 UTC text (`2026-03-01T09:30:00.000000Z`) on both
databases, so they sort and compare as text and read back the same from SQLite and PostgreSQL.
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from typing import Any

from geohub.records import RecordsDatabase

ACCOUNT_TABLES = (
    """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        department TEXT,
        password_hash TEXT,
        disabled BOOLEAN NOT NULL DEFAULT FALSE,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS user_tokens (
        id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users (name),
        kind TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked BOOLEAN NOT NULL DEFAULT FALSE,
        last_used_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS user_tokens_user ON user_tokens (user_name)",
    """CREATE TABLE IF NOT EXISTS app_keys (
        id TEXT PRIMARY KEY,
        app TEXT NOT NULL,
        contact TEXT NOT NULL,
        hash TEXT NOT NULL,
        rate_limit TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked BOOLEAN NOT NULL DEFAULT FALSE
    )""",
    """CREATE TABLE IF NOT EXISTS app_key_usage (
        key_id TEXT NOT NULL REFERENCES app_keys (id),
        day TEXT NOT NULL,
        requests BIGINT NOT NULL,
        PRIMARY KEY (key_id, day)
    )""",
)


_ENSURED: weakref.WeakKeyDictionary[Any, set[tuple[str, ...]]] = weakref.WeakKeyDictionary()


def ensure_tables(records: RecordsDatabase, statements: tuple[str, ...]) -> None:
    """Run idempotent DDL once per records database and process; on PostgreSQL under a lock,
    so workers starting together do not collide."""
    done = _ENSURED.setdefault(records, set())
    if statements in done:
        return
    with records.transaction() as cursor:
        if records.dialect == "postgres":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('geohub.records.ddl'))")
        for statement in statements:
            cursor.execute(statement)
    done.add(statements)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_stamp(moment: datetime) -> str:
    """The stored text of a moment (fixed width, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_stamp(text: str | None) -> datetime | None:
    """A stored timestamp read back as an aware UTC datetime."""
    return None if text is None else datetime.fromisoformat(text)
