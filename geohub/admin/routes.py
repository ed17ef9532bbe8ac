"""Administrators manage accounts, their tokens and app keys over HTTP (the workspace's admin pages).

Every change is written to the audit log with the admin who made it. Secrets (a generated
password, a new token or key) are in one answer, with `Cache-Control: no-store`, and nowhere else:
not in the audit log, not in the server log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from geohub.admin.schemas import Account as AccountModel
from geohub.admin.schemas import (
    AccountChange,
    AccountInput,
    AccountList,
    CreatedAccount,
    CreatedKey,
    CreatedToken,
    KeyChange,
    KeyInput,
    PasswordReset,
    ResetPassword,
    TokenInput,
    TokenList,
    TokenRow,
    TokensQuery,
)
from geohub.auth.accounts import NO_ACTIVITY, UNCHANGED, Activity, TokenInfo, User, check_department
from geohub.auth.http import accounts, record_audit, require_admin
from geohub.auth.keys import KeyUsage
from geohub.auth.passwords import new_password
from geohub.auth.principal import Role
from geohub.auth.routes import key_json, known_arguments
from geohub.auth.tokens import KEY_PREFIX, parse_secret
from geohub.errors import InvalidRequestError, NotFoundError
from geohub.messages import tr
from geohub.openapi.models import AppKey, LanguageQuery
from geohub.openapi.operation import NO_STORE, Body, Reply, documented
from geohub.records import utc_now
from geohub.request_body import json_object

admin = Blueprint("admin", __name__)

CREATED = {**NO_STORE, "Location": "The new resource"}
READ_PROBLEMS = (400, 401, 403)
WRITE_PROBLEMS = (400, 401, 403, 404, 409)


@admin.get("/admin/accounts")
@documented(
    summary="Accounts with their role, department and last activity (admins)",
    tags=("admin",),
    operation_id="listAccounts",
    security="bearer",
    query=LanguageQuery,
    responses={200: Reply("Every account, by name", AccountList, headers=NO_STORE)},
    problems=READ_PROBLEMS,
)
def list_accounts() -> Response:
    """Every account, by name, with its last sign-in and last token use."""
    require_admin()
    known_arguments(request.args, {"lang"})
    activity = accounts().activity()
    users = accounts().list_users()
    return _no_store(
        jsonify({"accounts": [account_json(u, activity.get(u.name, NO_ACTIVITY)) for u in users]})
    )


@admin.post("/admin/accounts")
@documented(
    summary="Create an account; without a password, a one-time password is generated and shown once",
    tags=("admin",),
    operation_id="createAccount",
    security="bearer",
    body=Body(AccountInput),
    responses={201: Reply("The account (and its generated password)", CreatedAccount, headers=CREATED)},
    problems=(400, 401, 403, 409),
)
def create_account() -> tuple[Response, int, dict[str, str]]:
    """A new account; `initialPassword` when no password was given (the user changes it)."""
    require_admin()
    given = AccountInput.model_validate(json_object())
    check_department(given.department, _departments())
    password = new_password(given.name) if given.password is None else given.password
    user = accounts().add_user(
        given.name, role=Role(given.role), department=given.department, password=password
    )
    record_audit(
        "user.add",
        None,
        {
            "user": user.name,
            "role": user.role.value,
            "department": user.department,
            "passwordGenerated": given.password is None,
        },
    )
    initial = password if given.password is None else None
    body = {"account": account_json(user, NO_ACTIVITY), "initialPassword": initial}
    location = url_for("admin.get_account", name=user.name)
    return _no_store(jsonify(body)), 201, {"Location": location}


@admin.get("/admin/accounts/<name>")
@documented(
    summary="One account (admins)",
    tags=("admin",),
    operation_id="getAccount",
    security="bearer",
    query=LanguageQuery,
    responses={200: Reply("The account", AccountModel, headers=NO_STORE)},
    problems=(*READ_PROBLEMS, 404),
    examples={"name": "admin"},
)
def get_account(name: str) -> Response:
    """One account with its last activity."""
    require_admin()
    known_arguments(request.args, {"lang"})
    return _no_store(jsonify(_account_now(accounts().get_user(name))))


@admin.patch("/admin/accounts/<name>")
@documented(
    summary="Change an account's role, department or disabled state (disabling revokes its tokens)",
    tags=("admin",),
    operation_id="changeAccount",
    security="bearer",
    body=Body(AccountChange),
    responses={200: Reply("The account", AccountModel, headers=NO_STORE)},
    problems=WRITE_PROBLEMS,
    description="409 when the change would leave no enabled administrator.",
    examples={"name": "admin"},
)
def change_account(name: str) -> Response:
    """Role, department, disabled: the last enabled admin can be neither demoted nor disabled."""
    require_admin()
    change = AccountChange.model_validate(json_object())
    given = change.model_fields_set
    if not given:
        raise InvalidRequestError(tr("Give at least one of: {names}.", names="role, department, disabled"))
    department = change.department if "department" in given else UNCHANGED
    if department is not UNCHANGED:
        check_department(department, _departments())
    before = accounts().get_user(name)
    user = accounts().update_user(name, role=change.role, department=department, disabled=change.disabled)
    action = "user.update"
    if user.disabled != before.disabled:
        action = "user.disable" if user.disabled else "user.enable"
    record_audit(action, None, {"user": name, "changes": change.model_dump(mode="json", exclude_unset=True)})
    return _no_store(jsonify(_account_now(user)))


@admin.post("/admin/accounts/<name>/password")
@documented(
    summary="Reset an account's password: the one given, or a generated one shown once; its sign-ins end",
    tags=("admin",),
    operation_id="resetPassword",
    security="bearer",
    body=Body(PasswordReset, required=False),
    responses={200: Reply("The account and the generated password", ResetPassword, headers=NO_STORE)},
    problems=(400, 401, 403, 404, 429),
    examples={"name": "admin"},
)
def reset_password(name: str) -> Response:
    """Set a password or generate one (argon2-hashed); the account's session tokens are revoked."""
    require_admin()
    given = PasswordReset.model_validate(_optional_json_object())
    generated = accounts().reset_password(name, given.password)
    record_audit("user.password_reset", None, {"user": name, "passwordGenerated": generated is not None})
    body = {"account": _account_now(accounts().get_user(name)), "password": generated}
    return _no_store(jsonify(body))


@admin.get("/admin/tokens")
@documented(
    summary="Tokens (never their secrets), newest first (admins)",
    tags=("admin",),
    operation_id="listTokens",
    security="bearer",
    query=TokensQuery,
    responses={200: Reply("The tokens", TokenList, headers=NO_STORE)},
    problems=(*READ_PROBLEMS, 404),
)
def list_tokens() -> Response:
    """Every token, or one account's (`account`), or only those that still work (`active=true`)."""
    require_admin()
    query = TokensQuery.model_validate(dict(known_arguments(request.args, {"account", "active", "lang"})))
    if query.account is not None:
        accounts().get_user(query.account)
    tokens = accounts().list_tokens(query.account, active_only=query.active == "true")
    disabled = {user.name for user in accounts().list_users() if user.disabled}
    return _no_store(jsonify({"tokens": [token_json(t, t.user in disabled) for t in tokens]}))


@admin.post("/admin/accounts/<name>/tokens")
@documented(
    summary="Create an API token for an account; it is shown once",
    tags=("admin",),
    operation_id="createToken",
    security="bearer",
    body=Body(TokenInput, required=False),
    responses={201: Reply("The token", CreatedToken, headers=NO_STORE)},
    problems=WRITE_PROBLEMS,
    examples={"name": "admin"},
)
def create_token(name: str) -> tuple[Response, int]:
    """A new API token expiring in `expiresDays` (90 unless given; null: never)."""
    require_admin()
    given = TokenInput.model_validate(_optional_json_object())
    expires = None if given.expiresDays is None else timedelta(days=given.expiresDays)
    issued = accounts().issue_token(name, expires=expires)
    record_audit("token.create", None, {"user": name, "token": issued.id, "expiresDays": given.expiresDays})
    body = {**token_json(accounts().get_token(issued.id), False), "token": issued.token}
    return _no_store(jsonify(body)), 201


@admin.delete("/admin/tokens/<token_id>")
@documented(
    summary="Revoke a token: it stops working on the next request",
    tags=("admin",),
    operation_id="revokeToken",
    security="bearer",
    responses={200: Reply("The revoked token", TokenRow, headers=NO_STORE)},
    problems=(401, 403, 404),
)
def revoke_token(token_id: str) -> Response:
    """Revoke a token by id (revoking one already revoked changes nothing)."""
    require_admin()
    token = accounts().revoke_token(token_id)
    record_audit("token.revoke", None, {"user": token.user, "token": token.id})
    return _no_store(jsonify(token_json(token, False)))


@admin.post("/admin/keys")
@documented(
    summary="Create an app key with a rate limit; it is shown once",
    tags=("admin",),
    operation_id="createAppKey",
    security="bearer",
    body=Body(KeyInput),
    responses={201: Reply("The key", CreatedKey, headers=NO_STORE)},
    problems=READ_PROBLEMS,
)
def create_key() -> tuple[Response, int]:
    """A new app key for `app` with `rateLimit` (default 1000/hour)."""
    require_admin()
    given = KeyInput.model_validate(json_object())
    plaintext = accounts().create_key(given.app, rate_limit=given.rateLimit, contact=given.contact)
    parsed = parse_secret(plaintext, KEY_PREFIX)
    assert parsed is not None  # just made
    record_audit("key.create", None, {"app": given.app, "key": parsed.id, "rateLimit": given.rateLimit})
    body = {**key_json(KeyUsage(accounts().keys.get(parsed.id), 0, 0)), "key": plaintext}
    return _no_store(jsonify(body)), 201


@admin.patch("/admin/keys/<key_id>")
@documented(
    summary="Change an app key's rate limit, revoke it or let it work again",
    tags=("admin",),
    operation_id="changeAppKey",
    security="bearer",
    body=Body(KeyChange),
    responses={200: Reply("The key", AppKey, headers=NO_STORE)},
    problems=(400, 401, 403, 404),
)
def change_key(key_id: str) -> Response:
    """`rateLimit` applies from the key's next request; `revoked: false` undoes a revocation."""
    require_admin()
    change = KeyChange.model_validate(json_object())
    if change.rateLimit is None and change.revoked is None:
        raise InvalidRequestError(tr("Give at least one of: {names}.", names="rateLimit, revoked"))
    key = accounts().update_key(key_id, rate_limit=change.rateLimit, revoked=change.revoked)
    action = "key.revoke" if change.revoked else "key.update"
    detail = {"app": key.app, "key": key.id, **change.model_dump(mode="json", exclude_none=True)}
    record_audit(action, None, detail)
    return _no_store(jsonify(key_json(_usage_of(key_id))))


@admin.delete("/admin/keys/<key_id>")
@documented(
    summary="Revoke an app key: it stops working on the next request",
    tags=("admin",),
    operation_id="revokeAppKey",
    security="bearer",
    responses={200: Reply("The revoked key", AppKey, headers=NO_STORE)},
    problems=(401, 403, 404),
)
def revoke_key(key_id: str) -> Response:
    """Revoke an app key by id."""
    require_admin()
    key = accounts().revoke_key(key_id)
    record_audit("key.revoke", None, {"app": key.app, "key": key.id})
    return _no_store(jsonify(key_json(_usage_of(key_id))))


def account_json(user: User, activity: Activity) -> dict[str, Any]:
    """An account as the admin API writes it."""
    return {
        "name": user.name,
        "role": user.role.value,
        "department": user.department,
        "disabled": user.disabled,
        "hasPassword": user.has_password,
        "createdAt": _when(user.created_at),
        "lastSignInAt": _when(activity.last_sign_in_at),
        "lastTokenUseAt": _when(activity.last_token_use_at),
    }


def token_json(token: TokenInfo, account_disabled: bool) -> dict[str, Any]:
    """A token's row as the admin API writes it (never the token)."""
    expired = token.expires_at is not None and token.expires_at <= utc_now()
    return {
        "id": token.id,
        "account": token.user,
        "kind": token.kind,
        "createdAt": _when(token.created_at),
        "expiresAt": _when(token.expires_at),
        "lastUsedAt": _when(token.last_used_at),
        "revoked": token.revoked,
        "active": not (token.revoked or expired or account_disabled),
    }


def _account_now(user: User) -> dict[str, Any]:
    return account_json(user, accounts().activity().get(user.name, NO_ACTIVITY))


def _usage_of(key_id: str) -> KeyUsage:
    for usage in accounts().list_keys():
        if usage.key.id == key_id:
            return usage
    raise NotFoundError(tr("There is no app key '{key_id}'.", key_id=key_id))


def _departments() -> Mapping[str, object]:
    departments: Mapping[str, object] = current_app.extensions["geohub"].registry.departments
    return departments


def _optional_json_object() -> dict[str, Any]:
    """The JSON body, or {} for an empty one (generated password, default expiry)."""
    return json_object() if request.get_data(cache=True) else {}


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
