"""Administrators manage tokens and app keys over HTTP on both backends; secrets are shown once."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.auth.conftest import PASSWORD, bearer
from tests.auth.test_admin_accounts import audit_text, sign_in
from tests.auth.test_http import assert_problem


def test_admin_creates_lists_and_revokes_a_token(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    admin = bearer(staff["admin"])
    response = client.post("/admin/accounts/marat/tokens", json={"expiresDays": 30}, headers=admin)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    created = response.get_json()
    token = created["token"]
    assert token.startswith(f"ghp_{created['id']}_")
    assert created["account"] == "marat" and created["kind"] == "api" and created["active"] is True
    assert created["expiresAt"].endswith("Z")
    assert client.get("/auth/whoami", headers=bearer(token)).get_json()["user"] == "marat"
    listed = client.get("/admin/tokens?account=marat", headers=admin)
    assert token not in listed.get_data(as_text=True)
    rows = listed.get_json()["tokens"]
    assert rows[0]["id"] == created["id"]  # newest first
    assert rows[0]["lastUsedAt"] is not None
    revoked = client.delete(f"/admin/tokens/{created['id']}", headers=admin)
    assert revoked.status_code == 200
    assert revoked.get_json()["revoked"] is True and revoked.get_json()["active"] is False
    assert_problem(client.get("/auth/whoami", headers=bearer(token)), 401)
    active = client.get("/admin/tokens?account=marat&active=true", headers=admin).get_json()["tokens"]
    assert created["id"] not in [row["id"] for row in active]
    assert token not in audit_text(app)
    actions = [
        e["action"] for e in client.get("/admin/audit?user=admin", headers=admin).get_json()["entries"]
    ]
    assert actions[:2] == ["token.revoke", "token.create"]


def test_token_defaults_to_90_days_and_may_never_expire(client: FlaskClient, staff: dict[str, str]) -> None:
    admin = bearer(staff["admin"])
    default = client.post("/admin/accounts/aigerim/tokens", headers=admin).get_json()
    assert default["expiresAt"] is not None
    lasting = client.post(
        "/admin/accounts/aigerim/tokens", json={"expiresDays": None}, headers=admin
    ).get_json()
    assert lasting["expiresAt"] is None


def test_every_token_is_listed_without_a_filter(client: FlaskClient, staff: dict[str, str]) -> None:
    sign_in(client, "aigerim", PASSWORD)
    rows = client.get("/admin/tokens", headers=bearer(staff["admin"])).get_json()["tokens"]
    assert {row["account"] for row in rows} == {"admin", "aigerim", "marat"}
    assert {row["kind"] for row in rows} == {"api", "session"}
    assert all(
        set(row) == {"id", "account", "kind", "createdAt", "expiresAt", "lastUsedAt", "revoked", "active"}
        for row in rows
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/admin/accounts/marat/tokens", {"expiresDays": 0}, 400),
        ("POST", "/admin/accounts/marat/tokens", {"expiresDays": 100000}, 400),
        ("POST", "/admin/accounts/marat/tokens", {"expiresDays": "30"}, 400),
        ("POST", "/admin/accounts/marat/tokens", {"expires": 30}, 400),
        ("POST", "/admin/accounts/nobody/tokens", {}, 404),
        ("DELETE", "/admin/tokens/0123456789abcdef", None, 404),
        ("DELETE", "/admin/tokens/%27%3B--", None, 404),
        ("GET", "/admin/tokens?account=nobody", None, 404),
        ("GET", "/admin/tokens?active=maybe", None, 400),
        ("GET", "/admin/tokens?colour=red", None, 400),
    ],
)
def test_bad_token_requests_are_problems(
    client: FlaskClient, staff: dict[str, str], method: str, path: str, body: Any, status: int
) -> None:
    assert_problem(client.open(path, method=method, json=body, headers=bearer(staff["admin"])), status)


def test_no_token_for_a_disabled_account(client: FlaskClient, staff: dict[str, str]) -> None:
    admin = bearer(staff["admin"])
    client.patch("/admin/accounts/marat", json={"disabled": True}, headers=admin)
    assert_problem(client.post("/admin/accounts/marat/tokens", headers=admin), 409)


def test_admin_creates_changes_and_revokes_an_app_key(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    admin = bearer(staff["admin"])
    given = {"app": "Almaty bus stops", "contact": "dev@example.kz", "rateLimit": "2/minute"}
    response = client.post("/admin/keys", json=given, headers=admin)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    created = response.get_json()
    key = created["key"]
    assert key.startswith(f"ghk_{created['id']}_")
    assert created["rateLimit"] == "2/minute" and created["requestsTotal"] == 0
    for _ in range(2):
        assert client.get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/auth/whoami", headers={"X-API-Key": key}).status_code == 429
    path = f"/admin/keys/{created['id']}"
    raised = client.patch(path, json={"rateLimit": "100/minute"}, headers=admin)
    assert raised.status_code == 200 and raised.get_json()["rateLimit"] == "100/minute"
    assert client.get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200  # the new limit at once
    assert client.patch(path, json={"revoked": True}, headers=admin).get_json()["revoked"] is True
    assert_problem(client.get("/auth/whoami", headers={"X-API-Key": key}), 401)
    assert client.patch(path, json={"revoked": False}, headers=admin).get_json()["revoked"] is False
    assert client.get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200
    deleted = client.delete(path, headers=admin)
    assert deleted.status_code == 200 and deleted.get_json()["revoked"] is True
    assert_problem(client.get("/auth/whoami", headers={"X-API-Key": key}), 401)
    listed = client.get("/admin/keys", headers=admin).get_data(as_text=True)
    assert created["id"] in listed and key not in listed
    assert key not in audit_text(app)
    actions = [
        e["action"] for e in client.get("/admin/audit?user=admin", headers=admin).get_json()["entries"]
    ]
    assert actions[:5] == ["key.revoke", "key.update", "key.revoke", "key.update", "key.create"]


@pytest.mark.parametrize(
    ("method", "body", "status"),
    [
        ("POST", {"app": "", "rateLimit": "10/minute"}, 400),
        ("POST", {"app": "   "}, 400),
        ("POST", {"app": "x" * 201}, 400),
        ("POST", {"app": "bus", "rateLimit": "lots"}, 400),
        ("POST", {"app": "bus", "rateLimit": 1000}, 400),
        ("POST", {"app": "bus", "owner": "me"}, 400),
        ("POST", {"app": "bus\x00"}, 400),  # PostgreSQL's text cannot hold a NUL: refused, not a 500
        ("POST", {"app": "bus", "contact": "ops\x1b[31m"}, 400),
        ("PATCH", {}, 400),
        ("PATCH", {"rateLimit": "fast"}, 400),
        ("PATCH", {"revoked": "yes"}, 400),
    ],
)
def test_bad_key_requests_are_400(
    client: FlaskClient, staff: dict[str, str], method: str, body: Any, status: int
) -> None:
    admin = bearer(staff["admin"])
    path = "/admin/keys"
    if method == "PATCH":
        created = client.post("/admin/keys", json={"app": "bus"}, headers=admin).get_json()
        path = f"/admin/keys/{created['id']}"
    assert_problem(client.open(path, method=method, json=body, headers=admin), status)


def test_unknown_keys_are_404(client: FlaskClient, staff: dict[str, str]) -> None:
    admin = bearer(staff["admin"])
    assert_problem(client.patch("/admin/keys/0123456789abcdef", json={"revoked": True}, headers=admin), 404)
    assert_problem(client.delete("/admin/keys/0123456789abcdef", headers=admin), 404)
