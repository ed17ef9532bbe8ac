"""Authentication over HTTP through create_app on both backends: tokens, sign-in, admin, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.auth.accounts import Accounts
from geohub.auth.audit import AuditLog
from geohub.auth.principal import Role
from geohub.services import Services
from geohub.settings import Settings
from tests.auth.conftest import PASSWORD, app_settings, bearer

PROBLEM_JSON = "application/problem+json"


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in response.get_data(as_text=True)
    return body  # type: ignore[no-any-return]


def test_whoami_answers_anonymous_and_signed_in(client: FlaskClient, staff: dict[str, str]) -> None:
    anonymous = client.get("/auth/whoami")
    assert anonymous.status_code == 200
    assert anonymous.get_json() == {
        "user": None,
        "role": None,
        "department": None,
        "apiKey": None,
        "signedIn": False,
    }
    signed_in = client.get("/auth/whoami", headers=bearer(staff["aigerim"])).get_json()
    assert signed_in["user"] == "aigerim" and signed_in["role"] == "publisher"
    assert signed_in["department"] == "land_relations" and signed_in["signedIn"] is True


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "bearer nonsense",
        "Basic YWRtaW46cGFzc3dvcmQ=",
        "Token ghp_0123456789abcdef_" + "a" * 43,
        "Bearer ghp_0123456789abcdef_" + "a" * 43,
        "Bearer " + "x" * 20_000,
        "Bearer ghp_\u0436\u0436\u0436",
        "Bearer a b c",
    ],
)
def test_bad_authorization_header_is_401_with_a_challenge(
    client: FlaskClient, staff: dict[str, str], header: str
) -> None:
    response = client.get("/auth/whoami", headers={"Authorization": header})
    body = assert_problem(response, 401)
    assert body["type"].endswith("/unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_401_is_localized(client: FlaskClient) -> None:
    response = client.get("/auth/whoami", headers={"Authorization": "Basic x", "Accept-Language": "ru"})
    body = assert_problem(response, 401)
    assert body["title"] == "Требуется авторизация"
    assert "Bearer" in body["detail"] and "Заголовок" in body["detail"]


def test_revoked_expired_and_disabled_tokens_are_401(
    app: Flask, client: FlaskClient, app_accounts_of: Accounts, staff: dict[str, str]
) -> None:
    services: Services = app.extensions["geohub"]
    past = Accounts(services.records, clock=lambda: datetime.now(UTC) - timedelta(days=3))
    expired = past.create_token("aigerim", expires_days=1)
    assert_problem(client.get("/auth/whoami", headers=bearer(expired)), 401)
    token = staff["aigerim"]
    assert client.get("/auth/whoami", headers=bearer(token)).status_code == 200
    app_accounts_of.disable_user("aigerim")
    assert_problem(client.get("/auth/whoami", headers=bearer(token)), 401)
    app_accounts_of.enable_user("aigerim")
    app_accounts_of.revoke_token(token.split("_")[1])
    assert_problem(client.get("/auth/whoami", headers=bearer(token)), 401)


def test_sign_in_then_use_then_sign_out(client: FlaskClient, staff: dict[str, str]) -> None:
    response = client.post("/auth/tokens", json={"username": "aigerim", "password": PASSWORD})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token"].startswith("ghp_") and body["expires_at"].endswith("Z")
    token = body["token"]
    assert client.get("/auth/whoami", headers=bearer(token)).get_json()["user"] == "aigerim"
    assert client.delete("/auth/tokens/current", headers=bearer(token)).status_code == 204
    assert_problem(client.get("/auth/whoami", headers=bearer(token)), 401)
    assert client.get("/auth/whoami", headers=bearer(staff["aigerim"])).status_code == 200  # others live


def test_sign_out_needs_a_token(client: FlaskClient) -> None:
    assert_problem(client.delete("/auth/tokens/current"), 401)


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "aigerim", "password": "wrong password"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "marat", "password": PASSWORD},  # has no password
    ],
)
def test_wrong_sign_in_is_one_401(client: FlaskClient, staff: dict[str, str], credentials: dict) -> None:  # type: ignore[type-arg]
    body = assert_problem(client.post("/auth/tokens", json=credentials), 401)
    assert body["detail"] == "The user name or password is wrong."


def test_disabled_user_cannot_sign_in(
    client: FlaskClient, app_accounts_of: Accounts, staff: dict[str, str]
) -> None:
    app_accounts_of.disable_user("aigerim")
    assert_problem(client.post("/auth/tokens", json={"username": "aigerim", "password": PASSWORD}), 401)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("not json", "application/json"),
        ("username=aigerim&password=x", "application/x-www-form-urlencoded"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ('{"username": "aigerim"}', "application/json"),
        ('{"username": 5, "password": "x"}', "application/json"),
        ('{"username": "aigerim", "password": "x", "admin": true}', "application/json"),
        ('{"username": "' + "a" * 5000 + '", "password": "x"}', "application/json"),
        ("", "application/json"),
    ],
)
def test_bad_sign_in_body_is_400_problem(client: FlaskClient, data: str, content_type: str) -> None:
    assert_problem(client.post("/auth/tokens", data=data, content_type=content_type), 400)


def test_admin_audit_is_for_admins_only(client: FlaskClient, staff: dict[str, str]) -> None:
    assert_problem(client.get("/admin/audit"), 401)
    body = assert_problem(client.get("/admin/audit", headers=bearer(staff["aigerim"])), 403)
    assert body["type"].endswith("/forbidden")
    assert_problem(client.get("/admin/keys", headers=bearer(staff["marat"])), 403)
    assert client.get("/admin/audit", headers=bearer(staff["admin"])).status_code == 200


def test_sign_in_and_out_are_audited_and_paged(client: FlaskClient, staff: dict[str, str]) -> None:
    for _ in range(3):
        client.post("/auth/tokens", json={"username": "aigerim", "password": PASSWORD})
    client.delete("/auth/tokens/current", headers=bearer(staff["admin"]))
    admin = client.post("/auth/tokens", json={"username": "admin", "password": PASSWORD}).get_json()["token"]
    page = client.get("/admin/audit?user=aigerim&limit=2", headers=bearer(admin)).get_json()
    assert [e["action"] for e in page["entries"]] == ["auth.sign_in", "auth.sign_in"]
    assert all(e["user"] == "aigerim" and e["remoteAddr"] == "127.0.0.1" for e in page["entries"])
    assert page["next"] and "before=" in page["next"]
    rest = client.get(page["next"], headers=bearer(admin)).get_json()
    assert len(rest["entries"]) == 1 and rest["next"] is None
    everything = client.get("/admin/audit", headers=bearer(admin)).get_json()["entries"]
    assert [e["action"] for e in everything][:2] == ["auth.sign_in", "auth.sign_out"]


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "limit=5000", "before=-1", "colour=red"])
def test_bad_audit_parameters_are_400(client: FlaskClient, staff: dict[str, str], query: str) -> None:
    assert_problem(client.get(f"/admin/audit?{query}", headers=bearer(staff["admin"])), 400)


def test_admin_sees_keys_with_usage(
    client: FlaskClient, app_accounts_of: Accounts, staff: dict[str, str]
) -> None:
    key = app_accounts_of.create_key("bus-app", rate_limit="100/minute", contact="dev@example.kz")
    for _ in range(4):
        assert client.get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200
    assert client.get(f"/auth/whoami?key={key}").status_code == 200
    [listed] = client.get("/admin/keys", headers=bearer(staff["admin"])).get_json()["keys"]
    assert listed["app"] == "bus-app" and listed["rateLimit"] == "100/minute"
    assert listed["requestsToday"] == 5 and listed["requestsTotal"] == 5
    assert "hash" not in listed


def test_publisher_may_write_own_department_only(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    registry = app.extensions["geohub"].registry
    who = client.get("/auth/whoami", headers=bearer(staff["aigerim"])).get_json()
    from geohub.auth.principal import Principal

    principal = Principal(user=who["user"], role=Role(who["role"]), department=who["department"])
    assert principal.may_write(registry.get("cadastre"))
    assert not principal.may_write(registry.get("green_spaces"))


def test_behind_a_trusted_proxy_the_audit_log_records_the_client_address(settings: Settings) -> None:
    from geohub.app import create_app as make_app

    proxied = make_app(app_settings(settings).model_copy(update={"trusted_proxies": 1}))
    accounts = Accounts(proxied.extensions["geohub"].records)
    accounts.add_user("admin", role=Role.admin, department=None)
    token = accounts.create_token("admin")
    client = proxied.test_client()
    headers = {**bearer(token), "X-Forwarded-For": "10.20.30.40"}
    refused = client.post("/auth/tokens", json={"username": "x", "password": "y"}, headers=headers)
    assert refused.status_code == 401
    response = client.delete("/auth/tokens/current", headers=headers)
    assert response.status_code == 204
    entries = AuditLog(proxied.extensions["geohub"].records).entries(user="admin")
    assert entries and entries[0].remote_addr == "10.20.30.40"
    proxied.extensions["geohub"].close()
