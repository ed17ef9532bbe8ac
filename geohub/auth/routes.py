"""Sign-in, sign-out, whoami, one's own password, and the admin views of the audit log and app keys.

Administrators manage accounts, tokens and keys in geohub/admin/routes.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field

from geohub.auth.audit import AuditEntry
from geohub.auth.context import current_principal
from geohub.auth.http import (
    accounts,
    audit_log,
    current_token_id,
    record_audit,
    require_admin,
    require_signed_in,
)
from geohub.auth.keys import KeyUsage
from geohub.auth.passwords import MAX_PASSWORD_CHARS, MIN_DISTINCT_CHARS, MIN_PASSWORD_CHARS
from geohub.auth.principal import Role
from geohub.errors import ForbiddenError, InvalidRequestError, NotFoundError
from geohub.messages import tr
from geohub.openapi.models import (
    AppKeyList,
    AuditPage,
    AuditQuery,
    DepartmentAuditQuery,
    LanguageQuery,
    Token,
    Whoami,
)
from geohub.openapi.operation import NO_STORE, Body, Reply, documented
from geohub.request_body import json_object

auth = Blueprint("auth", __name__)


class SignIn(BaseModel):
    """The body of `POST /auth/tokens`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(BaseModel):
    """The body of `POST /auth/password`: one's own password."""

    model_config = ConfigDict(extra="forbid", strict=True)

    currentPassword: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)
    newPassword: str = Field(
        min_length=1,
        max_length=MAX_PASSWORD_CHARS,
        description=f"{MIN_PASSWORD_CHARS}+ characters, {MIN_DISTINCT_CHARS}+ different, not the user name.",
    )


@auth.post("/auth/tokens")
@documented(
    summary="Sign in: a short-lived token for a user name and password",
    tags=("auth",),
    operation_id="signIn",
    security="none",
    body=Body(SignIn),
    responses={201: Reply("The token (shown once)", Token, headers=NO_STORE)},
    problems=(400, 401, 429),
)
def sign_in() -> tuple[Response, int]:
    """A short-lived token for a user name and password (the same 401 for any wrong pair)."""
    credentials = SignIn.model_validate(json_object())
    issued = accounts().sign_in_token(credentials.username, credentials.password)
    principal = accounts().get_user(credentials.username).principal()
    audit_log().record(principal, "auth.sign_in", None, {"token": issued.id}, request.remote_addr)
    expires_at = issued.expires_at.isoformat().replace("+00:00", "Z") if issued.expires_at else None
    response = jsonify({"token": issued.token, "expires_at": expires_at})
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@auth.delete("/auth/tokens/current")
@documented(
    summary="Sign out: revoke the token this request carries",
    tags=("auth",),
    operation_id="signOut",
    security="bearer",
    responses={204: Reply("Revoked", media=None)},
    problems=(401,),
)
def sign_out() -> tuple[str, int]:
    """Revoke the token this request was signed in with."""
    require_signed_in()
    token_id = current_token_id()
    assert token_id is not None  # signed in means a token was verified
    accounts().revoke_token(token_id)
    record_audit("auth.sign_out", None, {"token": token_id})
    return "", 204


@auth.post("/auth/password")
@documented(
    summary="Change one's own password (the current one is required); one's other sign-ins end",
    tags=("auth",),
    operation_id="changePassword",
    security="bearer",
    body=Body(PasswordChange),
    responses={204: Reply("Changed", media=None)},
    problems=(400, 401, 429),
)
def change_password() -> tuple[str, int]:
    """Any signed-in account may change its password; limited per address like sign-in."""
    principal = require_signed_in()
    given = PasswordChange.model_validate(json_object())
    assert principal.user is not None  # signed in
    accounts().change_password(
        principal.user, given.currentPassword, given.newPassword, keep_token_id=current_token_id()
    )
    record_audit("user.password_change", None, {"user": principal.user})
    return "", 204


@auth.get("/auth/whoami")
@documented(
    summary="Who this request acts for (anonymous requests get an answer too)",
    tags=("auth",),
    operation_id="whoami",
    responses={200: Reply("The principal", Whoami, headers=NO_STORE)},
    problems=(401, 429),
)
def whoami() -> Response:
    """Who this request acts for; anonymous requests get an answer too."""
    principal = current_principal()
    response = jsonify(
        {
            "user": principal.user,
            "role": principal.role.value if principal.role else None,
            "department": principal.department,
            "apiKey": principal.api_key,
            "signedIn": principal.is_signed_in,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@auth.get("/admin/audit")
@documented(
    summary="Audit log entries, newest first (admins)",
    tags=("admin",),
    operation_id="auditEntries",
    security="bearer",
    query=AuditQuery,
    responses={200: Reply("A page of entries and the next page's link", AuditPage, headers=NO_STORE)},
    problems=(400, 401, 403),
)
def audit_entries() -> Response:
    """Audit log entries, newest first: `layer`, `user`, `limit` (1–1000), `before` (an entry id)."""
    require_admin()
    args = known_arguments(request.args, {"layer", "user", "limit", "before", "lang"})
    given_limit = _whole_number("limit", args.get("limit"))
    limit = 100 if given_limit is None else given_limit
    before = _whole_number("before", args.get("before"))
    entries = audit_log().entries(
        layer_id=args.get("layer"), user=args.get("user"), limit=limit, before_id=before
    )
    response = jsonify({"entries": [e.to_json() for e in entries], "next": _next_page(entries, limit, args)})
    response.headers["Cache-Control"] = "no-store"
    return response


@auth.get("/auth/audit")
@documented(
    summary="One's department's audit trail: entries about its layers, newest first (publishers, admins)",
    tags=("auth",),
    operation_id="departmentAudit",
    security="bearer",
    query=DepartmentAuditQuery,
    responses={200: Reply("A page of entries and the next page's link", AuditPage, headers=NO_STORE)},
    problems=(400, 401, 403, 404),
)
def department_audit() -> Response:
    """A publisher's department's layers' entries; an admin's, every layer's or one department's."""
    principal = require_signed_in()
    args = known_arguments(request.args, {"department", "layer", "limit", "before", "lang"})
    department = principal.department if principal.role is not Role.admin else args.get("department")
    if principal.role is not Role.admin and department is None:
        raise ForbiddenError(
            tr("Only a department's publishers and administrators may read its audit trail.")
        )
    registry = current_app.extensions["geohub"].registry
    if department is not None and department not in registry.departments:
        raise NotFoundError(tr("There is no department '{department}'.", department=department[:60]))
    layers = [layer.id for layer in registry.layers.values() if department in (None, layer.department)]
    if args.get("layer") is not None:
        layers = [layer_id for layer_id in layers if layer_id == args["layer"]]
    given_limit = _whole_number("limit", args.get("limit"))
    limit = 100 if given_limit is None else given_limit
    entries = audit_log().entries(
        layers=layers, limit=limit, before_id=_whole_number("before", args.get("before"))
    )
    next_page = _next_page(entries, limit, args, endpoint="auth.department_audit")
    response = jsonify({"entries": [e.to_json() for e in entries], "next": next_page})
    response.headers["Cache-Control"] = "no-store"
    return response


@auth.get("/admin/keys")
@documented(
    summary="App keys with their rate limits and use (admins)",
    tags=("admin",),
    operation_id="appKeys",
    security="bearer",
    query=LanguageQuery,
    responses={200: Reply("Every app key", AppKeyList, headers=NO_STORE)},
    problems=(400, 401, 403),
)
def app_keys() -> Response:
    """Every app key with its rate limit and requests today and in all."""
    require_admin()
    known_arguments(request.args, {"lang"})
    response = jsonify({"keys": [key_json(usage) for usage in accounts().list_keys()]})
    response.headers["Cache-Control"] = "no-store"
    return response


def _whole_number(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 18:
        raise InvalidRequestError(
            tr("{name} must be a whole number, not '{value}'.", name=name, value=value[:40])
        )
    return int(value)


def _next_page(
    entries: list[AuditEntry], limit: int, args: Mapping[str, str], endpoint: str = "auth.audit_entries"
) -> str | None:
    if len(entries) < limit:
        return None
    query = {k: v for k, v in args.items() if k != "before"}
    return url_for(endpoint, before=entries[-1].id, _external=False, **query)


def known_arguments(args: Mapping[str, str], known: set[str]) -> Mapping[str, str]:
    """`args`, or InvalidRequestError naming the query parameters not in `known`."""
    unknown = sorted(set(args) - known)
    if unknown:
        raise InvalidRequestError(tr("Unknown query parameter: {names}.", names=", ".join(unknown)))
    return args


def key_json(usage: KeyUsage) -> dict[str, Any]:
    """An app key with its use, as the admin API writes it (never the key)."""
    key = usage.key
    return {
        "id": key.id,
        "app": key.app,
        "contact": key.contact,
        "rateLimit": key.rate_limit,
        "createdAt": key.created_at.isoformat().replace("+00:00", "Z"),
        "revoked": key.revoked,
        "requestsToday": usage.today,
        "requestsTotal": usage.total,
    }
