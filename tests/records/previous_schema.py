"""The records tables exactly as GeoHub created them before `geohub/records/tables.py`: each
module ran its own DDL (`auth/tables.py`, `auth/audit.py`, `publishing/imports.py`). Kept
verbatim, so the tests can build a records database of that time and open it with today's code."""

from __future__ import annotations


def _auto_id(dialect: str) -> str:
    if dialect == "sqlite":
        return "INTEGER PRIMARY KEY AUTOINCREMENT"
    return "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"


def previous_ddl(dialect: str) -> tuple[str, ...]:
    """Every statement, in the order the modules ran them (`sqlite` or `postgres`)."""
    return (
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
        f"""CREATE TABLE IF NOT EXISTS audit_log (
            id {_auto_id(dialect)},
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
        f"""CREATE TABLE IF NOT EXISTS imports (
            id {_auto_id(dialect)},
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
