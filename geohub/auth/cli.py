"""`geohub users|tokens|keys|departments`: accounts, tokens and app keys from the command line.

`tokens create` and `keys create` print the new secret and nothing else on stdout, so a script
can capture it; it is not shown again. Every change is written to the audit log.
"""

from __future__ import annotations

import getpass
from typing import Any

import click

from geohub.auth.accounts import Accounts, check_department
from geohub.auth.audit import AuditLog
from geohub.auth.keys import redis_usage_counter
from geohub.auth.principal import ANONYMOUS, Role
from geohub.cli_support import opened_services, reports_errors
from geohub.services import Services


def _accounts(services: Services) -> Accounts:
    accounts = Accounts(services.records)
    counter = redis_usage_counter(services.settings.auth.rate_limit_storage_uri)
    if counter is not None:  # the workers count app keys' use in Redis: `keys list` reads it there
        accounts.keys.count_in(counter)
    return accounts


def _audit(services: Services, action: str, detail: dict[str, Any]) -> None:
    """Record a command-line change: no account acts, the operating-system user is noted."""
    detail = {**detail, "via": "cli", "osUser": getpass.getuser()}
    AuditLog(services.records).record(ANONYMOUS, action, None, detail, None)


def _stamp(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@click.group("users")
def users_group() -> None:
    """Accounts of city staff: publishers, moderators, admins."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default=Role.publisher.value, show_default=True
)
@click.option("--department", help="Department id (see `geohub departments list`); publishers need one.")
@click.option("--password-prompt", is_flag=True, help="Ask for a password (for signing in over HTTP).")
@reports_errors
def add_user(name: str, role: str, department: str | None, password_prompt: bool) -> None:
    """Add the account NAME."""
    with opened_services() as services:
        check_department(department, services.registry.departments)
        password = (
            click.prompt("Password", hide_input=True, confirmation_prompt=True) if password_prompt else None
        )
        user = _accounts(services).add_user(name, role=Role(role), department=department, password=password)
        _audit(services, "user.add", {"user": user.name, "role": user.role.value, "department": department})
        click.echo(f"added {user.role.value} {user.name}" + (f" ({department})" if department else ""))


@users_group.command("list")
@reports_errors
def list_users() -> None:
    """List accounts."""
    click.echo(f"{'name':<24} {'role':<10} {'department':<20} {'status':<9} created")
    with opened_services() as services:
        for user in _accounts(services).list_users():
            status = "disabled" if user.disabled else "active"
            click.echo(
                f"{user.name:<24} {user.role.value:<10} {user.department or '-':<20} {status:<9} "
                f"{_stamp(user.created_at)}"
            )


@users_group.command("disable")
@click.argument("name")
@reports_errors
def disable_user(name: str) -> None:
    """Disable the account NAME: its tokens stop working at once."""
    with opened_services() as services:
        _accounts(services).disable_user(name)
        _audit(services, "user.disable", {"user": name})
        click.echo(f"disabled {name}")


@users_group.command("enable")
@click.argument("name")
@reports_errors
def enable_user(name: str) -> None:
    """Enable the disabled account NAME again."""
    with opened_services() as services:
        _accounts(services).enable_user(name)
        _audit(services, "user.enable", {"user": name})
        click.echo(f"enabled {name}")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens of accounts (`Authorization: Bearer <token>`)."""


@tokens_group.command("create")
@click.argument("name")
@click.option("--expires-days", type=int, help="Days until the token expires (default: never).")
@reports_errors
def create_token(name: str, expires_days: int | None) -> None:
    """Create a token for the account NAME and print it (only it; it is not shown again)."""
    with opened_services() as services:
        accounts = _accounts(services)
        token = accounts.create_token(name, expires_days=expires_days)
        token_id = token.split("_")[1]
        _audit(services, "token.create", {"user": name, "token": token_id, "expiresDays": expires_days})
        click.echo(token)


@tokens_group.command("list")
@click.argument("name", required=False)
@reports_errors
def list_tokens(name: str | None) -> None:
    """List tokens (of the account NAME, or all)."""
    with opened_services() as services:
        accounts = _accounts(services)
        if name:
            accounts.get_user(name)
        click.echo(
            f"{'id':<17} {'user':<24} {'kind':<8} {'created':<17} {'expires':<17} {'last used':<17} status"
        )
        for token in accounts.list_tokens(name):
            status = "revoked" if token.revoked else "active"
            click.echo(
                f"{token.id:<17} {token.user:<24} {token.kind:<8} {_stamp(token.created_at):<17} "
                f"{_stamp(token.expires_at):<17} {_stamp(token.last_used_at):<17} {status}"
            )


@tokens_group.command("revoke")
@click.argument("token_id", metavar="ID")
@reports_errors
def revoke_token(token_id: str) -> None:
    """Revoke the token ID; it stops working at once."""
    with opened_services() as services:
        token = _accounts(services).revoke_token(token_id)
        _audit(services, "token.revoke", {"user": token.user, "token": token.id})
        click.echo(f"revoked token {token.id} of {token.user}")


@click.group("keys")
def keys_group() -> None:
    """App developer keys (`X-API-Key` header or `key=` parameter) with their rate limits."""


@keys_group.command("create")
@click.argument("app")
@click.option("--rate", default="1000/hour", show_default=True, help="Rate limit, e.g. 1000/hour.")
@click.option("--contact", default="", help="Who to contact about the app (e-mail).")
@reports_errors
def create_key(app: str, rate: str, contact: str) -> None:
    """Create a key for the application APP and print it (only it; it is not shown again)."""
    with opened_services() as services:
        key = _accounts(services).create_key(app, rate_limit=rate, contact=contact)
        _audit(services, "key.create", {"app": app, "key": key.split("_")[1], "rateLimit": rate})
        click.echo(key)


@keys_group.command("list")
@reports_errors
def list_keys() -> None:
    """List app keys with their rate limits and requests today and in all (UTC days)."""
    click.echo(f"{'id':<17} {'app':<24} {'rate':<12} {'today':>8} {'total':>10} {'status':<8} contact")
    with opened_services() as services:
        for usage in _accounts(services).list_keys():
            key = usage.key
            status = "revoked" if key.revoked else "active"
            click.echo(
                f"{key.id:<17} {key.app:<24} {key.rate_limit:<12} {usage.today:>8,} {usage.total:>10,} "
                f"{status:<8} {key.contact or '-'}"
            )


@keys_group.command("revoke")
@click.argument("key_id", metavar="ID")
@reports_errors
def revoke_key(key_id: str) -> None:
    """Revoke the app key ID."""
    with opened_services() as services:
        key = _accounts(services).revoke_key(key_id)
        _audit(services, "key.revoke", {"app": key.app, "key": key.id})
        click.echo(f"revoked key {key.id} of {key.app}")


@click.group("departments")
def departments_group() -> None:
    """City departments that own layers (from layers/departments.yaml)."""


@departments_group.command("list")
@reports_errors
def list_departments() -> None:
    """List department ids and names."""
    with opened_services() as services:
        for department in services.registry.departments.values():
            click.echo(f"{department.id:<22} {department.name.en}")


ACCOUNT_COMMANDS = (users_group, tokens_group, keys_group, departments_group)
