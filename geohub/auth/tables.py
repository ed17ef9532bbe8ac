"""The account tables: users, tokens, app keys and key usage (created by geohub.records.ensure_tables)."""

from __future__ import annotations

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
