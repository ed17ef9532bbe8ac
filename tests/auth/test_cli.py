"""`geohub users|tokens|keys|departments` through click's CliRunner on both backends."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner, Result

from geohub.auth.accounts import Accounts
from geohub.auth.audit import AuditLog
from geohub.cli import cli
from geohub.records import open_records
from geohub.settings import Settings

TOKEN = re.compile(r"ghp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n")
KEY = re.compile(r"ghk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n")


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GEOHUB_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("GEOHUB_DATABASE_URL", settings.database_url)

    def invoke(*args: str, prompt: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=prompt, catch_exceptions=False)

    return invoke


def test_tokens_create_prints_exactly_the_token(run, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    added = run("users", "add", "aigerim", "--role", "publisher", "--department", "land_relations")
    assert added.exit_code == 0, added.output
    created = run("tokens", "create", "aigerim", "--expires-days", "30")
    assert created.exit_code == 0
    assert TOKEN.fullmatch(created.stdout)
    records = open_records(settings)
    try:
        principal = Accounts(records).authenticate_token(created.stdout.strip())
        assert principal is not None and principal.department == "land_relations"
        actions = [e.action for e in AuditLog(records).entries()]
        assert actions == ["token.create", "user.add"]
        assert created.stdout.strip().split("_", 2)[2] not in str(AuditLog(records).entries()[0].detail)
    finally:
        records.close()
    listed = run("tokens", "list", "aigerim").stdout
    token_id = created.stdout.split("_")[1]
    assert token_id in listed and "active" in listed
    assert run("tokens", "revoke", token_id).exit_code == 0
    assert "revoked" in run("tokens", "list").stdout


def test_users_add_with_password_prompt_list_and_disable(run) -> None:  # type: ignore[no-untyped-def]
    added = run(
        "users", "add", "admin", "--role", "admin", "--password-prompt", prompt="a long password\n" * 2
    )
    assert added.exit_code == 0, added.output
    assert run("users", "add", "marat", "--role", "moderator").exit_code == 0
    assert run("users", "disable", "marat").exit_code == 0
    rows = {line.split()[0]: line.split() for line in run("users", "list").stdout.splitlines()[1:]}
    assert rows["admin"][1:4] == ["admin", "-", "active"]
    assert rows["marat"][3] == "disabled"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "add", "aigerim", "--department", "parks"), "no department 'parks'"),
        (("users", "add", "aigerim", "--role", "publisher"), "A publisher needs a department."),
        (("users", "add", "Bad Name", "--role", "admin"), "is not a user name"),
        (("users", "disable", "nobody"), "There is no user 'nobody'."),
        (("tokens", "create", "nobody"), "There is no user 'nobody'."),
        (("tokens", "revoke", "0123456789abcdef"), "There is no token"),
        (("keys", "create", "bus-app", "--rate", "lots"), "is not a rate limit"),
        (("keys", "revoke", "nope"), "There is no app key 'nope'."),
    ],
)
def test_errors_are_one_line_on_stderr_and_exit_2(run, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("geohub: error: ")
    assert message in result.stderr


def test_duplicate_user_is_an_error(run) -> None:  # type: ignore[no-untyped-def]
    assert run("users", "add", "admin", "--role", "admin").exit_code == 0
    again = run("users", "add", "admin", "--role", "admin")
    assert again.exit_code == 2 and "already a user 'admin'" in again.stderr


def test_keys_create_list_with_usage_and_revoke(run, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    created = run("keys", "create", "Bus app", "--rate", "500/hour", "--contact", "dev@example.kz")
    assert KEY.fullmatch(created.stdout)
    key_id = created.stdout.split("_")[1]
    records = open_records(settings)
    try:
        accounts = Accounts(records)
        accounts.count_key_use(key_id, 7)
        accounts.flush_usage()
    finally:
        records.close()
    listing = run("keys", "list").stdout
    row = next(line.split() for line in listing.splitlines() if line.startswith(key_id))
    assert row[1:8] == ["Bus", "app", "500/hour", "7", "7", "active", "dev@example.kz"]
    assert run("keys", "revoke", key_id).exit_code == 0
    assert "revoked" in run("keys", "list").stdout


def test_departments_list_names_every_department(run, registry) -> None:  # type: ignore[no-untyped-def]
    listed = run("departments", "list").stdout
    assert [line.split()[0] for line in listed.splitlines()] == list(registry.departments)
