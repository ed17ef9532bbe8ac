"""A records database created before the SQLAlchemy tables (each module ran its own DDL) opens
with today's code on both backends: its rows read back, new rows follow them, nothing is altered."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import psycopg
import sqlalchemy

from geohub.auth.accounts import Accounts
from geohub.auth.audit import AuditLog
from geohub.auth.principal import Principal, Role
from geohub.auth.tokens import KEY_PREFIX, TOKEN_PREFIX, hash_password, hash_secret, new_secret
from geohub.publishing.imports import ImportRecords
from geohub.records import open_records
from geohub.records.database import records_url
from geohub.records.tables import METADATA
from geohub.settings import Settings
from tests.records.previous_schema import previous_ddl

PASSWORD = "correct horse battery staple"
PREVIOUS_TABLES = {"users", "user_tokens", "app_keys", "app_key_usage", "audit_log", "imports"}
THEN = "2026-03-01T09:30:00.000000Z"


def _previous_database(settings: Settings, schema: str = "geohub") -> tuple[str, str]:
    """The previous tables with rows as the previous code wrote them; the token and key made."""
    token_parts, token = new_secret(TOKEN_PREFIX)
    key_parts, key = new_secret(KEY_PREFIX)
    rows: list[tuple[str, tuple[Any, ...]]] = [
        (
            "INSERT INTO users (name, role, department, password_hash, created_at) "
            "VALUES (%s, %s, %s, %s, %s)",
            ("aigerim", "publisher", "land_relations", hash_password(PASSWORD), THEN),
        ),
        (
            "INSERT INTO user_tokens (id, user_name, kind, hash, created_at, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (token_parts.id, "aigerim", "api", hash_secret(token_parts.secret), THEN, None),
        ),
        (
            "INSERT INTO app_keys (id, app, contact, hash, rate_limit, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (key_parts.id, "bus-app", "dev@example.kz", hash_secret(key_parts.secret), "1000/hour", THEN),
        ),
        (
            "INSERT INTO app_key_usage (key_id, day, requests) VALUES (%s, %s, %s)",
            (key_parts.id, "2026-03-01", 7),
        ),
        (
            "INSERT INTO audit_log (at, user_name, role, api_key, action, layer_id, detail, remote_addr) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (THEN, "aigerim", "publisher", None, "layer.publish", "cadastre", '{"version": 2}', "10.0.0.7"),
        ),
        (
            "INSERT INTO imports (layer_id, status, created_at, finished_at, user_name, source, report) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            ("cadastre", "published", THEN, THEN, "aigerim", "upload:cadastre.zip", '{"features": 3}'),
        ),
    ]
    if settings.database_url is None:
        conn = sqlite3.connect(settings.data_dir / "geohub-records.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        for statement in previous_ddl("sqlite"):
            conn.execute(statement)
        for statement, params in rows:
            conn.execute(statement.replace("%s", "?"), params)
        conn.close()
    else:
        with psycopg.connect(settings.database_url, autocommit=True) as pg:
            pg.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            pg.execute(f"SET search_path TO {schema}, public")
            for statement in previous_ddl("postgres"):
                pg.execute(statement)
            for statement, params in rows:
                pg.execute(statement, params)
    return token, key


def _layout(url: sqlalchemy.URL, schema: str | None) -> dict[str, Any]:
    """Per table: its columns (name, type), primary key and index names, as the database says."""
    engine = sqlalchemy.create_engine(url)
    try:
        inspector = sqlalchemy.inspect(engine)
        return {
            table.name: (
                [(c["name"], str(c["type"])) for c in inspector.get_columns(table.name, schema)],
                inspector.get_pk_constraint(table.name, schema)["constrained_columns"],
                sorted(str(i["name"]) for i in inspector.get_indexes(table.name, schema)),
                sorted(
                    tuple(fk["constrained_columns"]) for fk in inspector.get_foreign_keys(table.name, schema)
                ),
            )
            for table in METADATA.sorted_tables
            if table.name in PREVIOUS_TABLES  # later features add tables of their own (reports…)
        }
    finally:
        engine.dispose()


def _schema(settings: Settings) -> str | None:
    return None if settings.database_url is None else "geohub"


def test_previous_database_opens_reads_and_grows(settings: Settings) -> None:
    token, key = _previous_database(settings)
    url = records_url(settings)
    before = _layout(url, _schema(settings))
    records = open_records(settings)
    try:
        accounts = Accounts(records)
        user = accounts.get_user("aigerim")
        assert user.created_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        assert user.has_password and not user.disabled
        assert accounts.authenticate_token(token) == Principal(
            user="aigerim", role=Role.publisher, department="land_relations"
        )
        assert accounts.sign_in("aigerim", PASSWORD).startswith(TOKEN_PREFIX)
        app_key = accounts.authenticate_key(key)
        assert app_key is not None and app_key.app == "bus-app"
        accounts.keys.usage.count(app_key.id, 1)
        assert [u.total for u in accounts.list_keys()] == [8]  # added to the stored count
        accounts.add_user("marat", role=Role.moderator, department=None)
        assert [u.name for u in accounts.list_users()] == ["aigerim", "marat"]

        audit = AuditLog(records)
        assert audit.record(Principal(user="marat", role=Role.moderator), "user.add", None, {}, None) == 2
        assert [(e.id, e.action, e.detail) for e in audit.entries()] == [
            (2, "user.add", {}),
            (1, "layer.publish", {"version": 2}),
        ]

        imports = ImportRecords(records)
        (previous,) = imports.history("cadastre")
        assert (previous.id, previous.status, previous.report) == (1, "published", {"features": 3})
        assert previous.finished_at == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        assert imports.start("cadastre", user="aigerim", remote_addr=None, source="upload").id == 2
    finally:
        records.close()
    assert _layout(url, _schema(settings)) == before  # nothing of the previous tables altered
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        table = "users" if settings.database_url is None else "geohub.users"
        stamp = conn.exec_driver_sql(f"SELECT created_at FROM {table} WHERE name = 'marat'").scalar_one()
    engine.dispose()
    assert len(stamp) == len(THEN) and stamp.endswith("Z")  # the same fixed-width text


def test_new_tables_have_the_previous_layout(settings: Settings, tmp_path_factory: Any) -> None:
    """Tables created today have the columns, types, keys and indexes the previous DDL made."""
    open_records(settings).close()
    if settings.database_url is None:
        previous = Settings(data_dir=tmp_path_factory.mktemp("previous"))
        _previous_database(previous)
        expected = _layout(records_url(previous), None)
    else:
        _previous_database(settings, schema="previous")
        expected = _layout(records_url(settings), "previous")
        with psycopg.connect(settings.database_url, autocommit=True) as pg:
            pg.execute("DROP SCHEMA previous CASCADE")
    assert _layout(records_url(settings), _schema(settings)) == expected
