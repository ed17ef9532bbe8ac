"""Accounts on both records backends: users, tokens, sign-in, app keys, and what is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import select, union_all

from geohub.auth.accounts import Accounts, check_department
from geohub.auth.principal import Principal, Role
from geohub.errors import ConflictError, InvalidRequestError, NotFoundError, UnauthorizedError
from geohub.layers.registry import LayerRegistry
from geohub.records import RecordsDatabase
from geohub.records.tables import app_keys, user_tokens, users
from geohub.settings import Settings
from tests.auth.conftest import PASSWORD

TABLES = ("users", "user_tokens", "app_keys", "app_key_usage")


def stored_text(settings: Settings, records: RecordsDatabase) -> str:
    """Everything the records database holds, read directly (file bytes, or every row as text)."""
    if settings.database_url is None:
        path = settings.data_dir / "geohub-records.sqlite"
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists()).decode("latin-1")
    with psycopg.connect(settings.database_url) as conn:
        return "\n".join(
            str(row[0])
            for table in TABLES
            for row in conn.execute(f"SELECT t::text FROM geohub.{table} t").fetchall()
        )


def test_passwords_tokens_and_keys_are_stored_only_as_argon2_hashes(
    settings: Settings, records: RecordsDatabase, accounts: Accounts
) -> None:
    accounts.add_user("aigerim", role=Role.publisher, department="land_relations", password=PASSWORD)
    token = accounts.create_token("aigerim")
    session = accounts.sign_in("aigerim", PASSWORD)
    key = accounts.create_key("bus-app", contact="dev@example.kz")
    stored = stored_text(settings, records)
    assert "aigerim" in stored  # the reader sees the data at all
    secrets = [PASSWORD] + [t.split("_", 2)[2] for t in (token, session, key)]
    assert all(len(secret) >= 28 for secret in secrets)
    for secret in secrets:
        assert secret not in stored
    hashes = records.fetchall(
        union_all(select(users.c.password_hash), select(user_tokens.c.hash), select(app_keys.c.hash))
    )
    assert len(hashes) == 4
    assert all(str(h[0]).startswith("$argon2id$") for h in hashes)


def test_token_authenticates_as_its_user(accounts: Accounts) -> None:
    accounts.add_user("aigerim", role=Role.publisher, department="land_relations")
    token = accounts.create_token("aigerim")
    principal = accounts.authenticate_token(token)
    assert principal == Principal(user="aigerim", role=Role.publisher, department="land_relations")
    assert accounts.authenticate_token(token) == principal  # cached the second time
    assert accounts.list_tokens("aigerim")[0].last_used_at is not None


def test_revoked_unknown_and_malformed_tokens_do_not_authenticate(accounts: Accounts) -> None:
    accounts.add_user("aigerim", role=Role.publisher, department="land_relations")
    token = accounts.create_token("aigerim")
    assert accounts.authenticate_token(token) is not None
    accounts.revoke_token(accounts.list_tokens()[0].id)
    assert accounts.authenticate_token(token) is None  # at once, despite the cache
    prefix, _, secret = token.split("_", 2)
    other = accounts.create_token("aigerim")
    forged = f"{prefix}_{other.split('_')[1]}_{secret}"  # a real id with another token's secret
    assert accounts.authenticate_token(forged) is None
    assert accounts.authenticate_token("ghp_" + "0" * 16 + "_" + "a" * 43) is None
    assert accounts.authenticate_token(token + "x") is None
    with pytest.raises(NotFoundError):
        accounts.revoke_token("nope")


def test_expired_token_and_disabled_user_do_not_authenticate(records: RecordsDatabase) -> None:
    now = datetime.now(UTC)
    then = Accounts(records, clock=lambda: now - timedelta(days=2))
    then.add_user("aigerim", role=Role.publisher, department="land_relations")
    expired = then.create_token("aigerim", expires_days=1)
    lasting = then.create_token("aigerim", expires_days=5)
    accounts = Accounts(records)
    assert accounts.authenticate_token(expired) is None
    assert accounts.authenticate_token(lasting) is not None
    accounts.disable_user("aigerim")
    assert accounts.authenticate_token(lasting) is None
    with pytest.raises(ConflictError):
        accounts.create_token("aigerim")
    accounts.enable_user("aigerim")
    assert accounts.authenticate_token(lasting) is None  # disabling revoked it for good
    assert accounts.authenticate_token(accounts.create_token("aigerim")) is not None


def test_sign_in_gives_a_short_lived_token_and_one_message_for_every_failure(accounts: Accounts) -> None:
    accounts.add_user("aigerim", role=Role.publisher, department="land_relations", password=PASSWORD)
    accounts.add_user("marat", role=Role.moderator, department=None)  # no password: token only
    issued = accounts.sign_in_token("aigerim", PASSWORD)
    assert issued.expires_at is not None
    assert timedelta(hours=11) < issued.expires_at - datetime.now(UTC) <= timedelta(hours=12)
    assert accounts.authenticate_token(issued.token) is not None
    assert accounts.list_tokens("aigerim")[0].kind == "session"
    messages = set()
    for name, password in [("aigerim", "wrong password"), ("nobody", PASSWORD), ("marat", PASSWORD)]:
        with pytest.raises(UnauthorizedError) as caught:
            accounts.sign_in(name, password)
        messages.add(caught.value.detail)
    accounts.disable_user("aigerim")
    with pytest.raises(UnauthorizedError) as caught:
        accounts.sign_in("aigerim", PASSWORD)
    messages.add(caught.value.detail)
    assert messages == {"The user name or password is wrong."}


@pytest.mark.parametrize(
    ("name", "role", "department", "password"),
    [
        ("Aigerim", Role.publisher, "land_relations", None),
        ("a", Role.publisher, "land_relations", None),
        ("ai gerim", Role.publisher, "land_relations", None),
        ("aigerim\n", Role.publisher, "land_relations", None),
        ("aigerim", Role.publisher, None, None),
        ("aigerim", "superuser", None, None),
        ("aigerim", Role.admin, None, "short"),
    ],
)
def test_bad_users_are_refused(
    accounts: Accounts, name: str, role: Role, department: str | None, password: str | None
) -> None:
    with pytest.raises(InvalidRequestError):
        accounts.add_user(name, role=role, department=department, password=password)
    assert accounts.list_users() == []


def test_duplicate_user_is_a_conflict(accounts: Accounts) -> None:
    accounts.add_user("admin", role=Role.admin, department=None)
    with pytest.raises(ConflictError):
        accounts.add_user("admin", role=Role.moderator, department=None)
    assert [u.role for u in accounts.list_users()] == [Role.admin]


def test_department_must_exist_in_the_registry(registry: LayerRegistry) -> None:
    check_department("land_relations", registry.departments)
    check_department(None, registry.departments)
    with pytest.raises(InvalidRequestError, match="no department 'parks'"):
        check_department("parks", registry.departments)


def test_publisher_writes_only_its_departments_layers(accounts: Accounts, registry: LayerRegistry) -> None:
    cadastre, green_spaces = registry.get("cadastre"), registry.get("green_spaces")
    assert (cadastre.department, green_spaces.department) == ("land_relations", "natural_resources")
    accounts.add_user("aigerim", role=Role.publisher, department="land_relations")
    accounts.add_user("admin", role=Role.admin, department=None)
    accounts.add_user("marat", role=Role.moderator, department="land_relations")
    publisher = accounts.authenticate_token(accounts.create_token("aigerim"))
    admin = accounts.authenticate_token(accounts.create_token("admin"))
    moderator = accounts.authenticate_token(accounts.create_token("marat"))
    assert publisher and admin and moderator
    assert publisher.may_write(cadastre) and not publisher.may_write(green_spaces)
    assert admin.may_write(cadastre) and admin.may_write(green_spaces)
    assert not moderator.may_write(cadastre)


def test_app_keys_authenticate_until_revoked_and_count_use_per_day(accounts: Accounts) -> None:
    key = accounts.create_key("bus-app", rate_limit="3/minute", contact="dev@example.kz")
    found = accounts.authenticate_key(key)
    assert found is not None and (found.app, found.rate_limit) == ("bus-app", "3/minute")
    assert accounts.authenticate_key(key.replace("ghk_", "ghp_")) is None
    for _ in range(3):
        accounts.count_key_use(found.id)
    accounts.flush_usage()
    accounts.count_key_use(found.id, 2)
    [usage] = accounts.list_keys()  # writes the pending 2 first
    assert (usage.today, usage.total) == (5, 5)
    assert accounts.keys.daily_usage(found.id) == [(datetime.now(UTC).strftime("%Y-%m-%d"), 5)]
    accounts.revoke_key(found.id)
    assert accounts.authenticate_key(key) is None


@pytest.mark.parametrize("rate_limit", ["", "lots", "1000/fortnight", "-1/hour"])
def test_bad_rate_limit_is_refused(accounts: Accounts, rate_limit: str) -> None:
    with pytest.raises(InvalidRequestError):
        accounts.create_key("bus-app", rate_limit=rate_limit)


def test_tables_are_created_idempotently(records: RecordsDatabase) -> None:
    first = Accounts(records)
    first.add_user("admin", role=Role.admin, department=None)
    assert [u.name for u in Accounts(records).list_users()] == ["admin"]
