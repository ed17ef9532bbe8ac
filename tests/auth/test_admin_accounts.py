"""Administrators manage accounts over HTTP on both backends: create, change, disable, passwords."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.http import accounts as app_accounts
from geohub.auth.principal import Role
from geohub.errors import ConflictError
from geohub.records import RecordsDatabase
from geohub.records.tables import audit_log, users
from geohub.services import Services
from geohub.settings import Settings
from tests.auth.conftest import PASSWORD, app_settings, bearer
from tests.auth.test_http import assert_problem

NEW_PASSWORD = "steppe wind over Medeu 2026"


def sign_in(client: FlaskClient, name: str, password: str) -> Any:
    return client.post("/auth/tokens", json={"username": name, "password": password})


def audit_text(app: Flask) -> str:
    """Every audit entry as text: no secret may ever be in it."""
    services: Services = app.extensions["geohub"]
    return json.dumps([list(map(str, row)) for row in services.records.fetchall(select(audit_log))])


ADMIN_ROUTES = [
    ("GET", "/admin/accounts"),
    ("POST", "/admin/accounts"),
    ("GET", "/admin/accounts/aigerim"),
    ("PATCH", "/admin/accounts/aigerim"),
    ("POST", "/admin/accounts/aigerim/password"),
    ("POST", "/admin/accounts/aigerim/tokens"),
    ("GET", "/admin/tokens"),
    ("DELETE", "/admin/tokens/0123456789abcdef"),
    ("POST", "/admin/keys"),
    ("PATCH", "/admin/keys/0123456789abcdef"),
    ("DELETE", "/admin/keys/0123456789abcdef"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_admin_routes_are_for_admins_only(
    client: FlaskClient, staff: dict[str, str], method: str, path: str
) -> None:
    assert_problem(client.open(path, method=method, json={}), 401)
    for name in ("aigerim", "marat"):
        body = assert_problem(client.open(path, method=method, json={}, headers=bearer(staff[name])), 403)
        assert body["type"].endswith("/forbidden")


def test_created_account_signs_in_with_its_one_time_password(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    admin = bearer(staff["admin"])
    given = {"name": "dana", "role": "publisher", "department": "land_relations"}
    response = client.post("/admin/accounts", json=given, headers=admin)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Location"].endswith("/admin/accounts/dana")
    body = response.get_json()
    password = body["initialPassword"]
    assert len(password) >= 16
    assert body["account"] == {
        "name": "dana",
        "role": "publisher",
        "department": "land_relations",
        "disabled": False,
        "hasPassword": True,
        "createdAt": body["account"]["createdAt"],
        "lastSignInAt": None,
        "lastTokenUseAt": None,
    }
    services: Services = app.extensions["geohub"]
    stored = services.records.fetchone(select(users.c.password_hash).where(users.c.name == "dana"))
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert password not in stored.password_hash
    assert sign_in(client, "dana", password).status_code == 201
    again = client.get("/admin/accounts/dana", headers=admin)
    assert password not in again.get_data(as_text=True)
    assert again.get_json()["lastSignInAt"] is not None
    assert password not in audit_text(app)
    [entry] = client.get("/admin/audit?user=admin&limit=1", headers=admin).get_json()["entries"]
    assert entry["action"] == "user.add" and entry["detail"]["passwordGenerated"] is True


def test_account_with_a_given_password_gets_none_back(client: FlaskClient, staff: dict[str, str]) -> None:
    given = {"name": "yerlan.s", "role": "moderator", "password": NEW_PASSWORD}
    response = client.post("/admin/accounts", json=given, headers=bearer(staff["admin"]))
    assert response.status_code == 201
    assert response.get_json()["initialPassword"] is None
    assert sign_in(client, "yerlan.s", NEW_PASSWORD).status_code == 201


def test_list_shows_every_account_with_its_last_activity(client: FlaskClient, staff: dict[str, str]) -> None:
    admin = bearer(staff["admin"])
    assert sign_in(client, "aigerim", PASSWORD).status_code == 201
    response = client.get("/admin/accounts", headers=admin)
    assert response.headers["Cache-Control"] == "no-store"
    listed = {a["name"]: a for a in response.get_json()["accounts"]}
    assert list(listed) == ["admin", "aigerim", "marat"]
    assert listed["aigerim"]["lastSignInAt"] is not None
    assert listed["admin"]["lastTokenUseAt"] is not None  # this very request
    assert listed["marat"]["lastSignInAt"] is None and listed["marat"]["hasPassword"] is False
    assert "password_hash" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Dana", "role": "publisher", "department": "land_relations"},
        {"name": "d", "role": "moderator"},
        {"name": "da na", "role": "moderator"},
        {"name": "dana\n", "role": "moderator"},
        {"name": "дана", "role": "moderator"},
        {"name": "dana", "role": "publisher"},
        {"name": "dana", "role": "publisher", "department": "no_such_department"},
        {"name": "dana", "role": "superuser"},
        {"name": "dana", "role": "moderator", "password": "short"},
        {"name": "dana", "role": "moderator", "password": "aaaaaaaaaaaaaa"},
        {"name": "dana", "role": "moderator", "password": "dana-dana-dana-1"},
        {"name": "dana", "role": "moderator", "isAdmin": True},
        {"name": 7, "role": "moderator"},
        {"name": "dana", "role": "moderator", "password": 1234567890},
        {"role": "moderator"},
        [],
    ],
)
def test_bad_accounts_are_400_and_nothing_is_created(
    client: FlaskClient, staff: dict[str, str], body: Any
) -> None:
    admin = bearer(staff["admin"])
    assert_problem(client.post("/admin/accounts", json=body, headers=admin), 400)
    names = [a["name"] for a in client.get("/admin/accounts", headers=admin).get_json()["accounts"]]
    assert names == ["admin", "aigerim", "marat"]


def test_problems_are_in_the_readers_language(client: FlaskClient, staff: dict[str, str]) -> None:
    admin = bearer(staff["admin"])
    body = {"name": "dana", "role": "moderator", "password": "short"}
    details = {
        lang: assert_problem(client.post(f"/admin/accounts?lang={lang}", json=body, headers=admin), 400)[
            "detail"
        ]
        for lang in ("en", "ru", "kk")
    }
    assert details["en"] == "A password needs 10 to 1,024 characters."
    assert len(set(details.values())) == 3
    assert "пароль" in details["ru"].lower() and "құпиясөз" in details["kk"].lower()
    taken = {"name": "aigerim", "role": "moderator"}
    assert_problem(client.post("/admin/accounts?lang=ru", json=taken, headers=admin), 409)


def test_duplicate_and_unknown_accounts(client: FlaskClient, staff: dict[str, str]) -> None:
    admin = bearer(staff["admin"])
    taken = {"name": "aigerim", "role": "moderator"}
    assert_problem(client.post("/admin/accounts", json=taken, headers=admin), 409)
    assert_problem(client.get("/admin/accounts/nobody", headers=admin), 404)
    assert_problem(client.patch("/admin/accounts/nobody", json={"disabled": True}, headers=admin), 404)
    assert_problem(client.post("/admin/accounts/nobody/password", headers=admin), 404)


def test_change_role_and_department(client: FlaskClient, staff: dict[str, str]) -> None:
    admin = bearer(staff["admin"])
    path = "/admin/accounts/aigerim"
    changed = client.patch(path, json={"role": "moderator", "department": None}, headers=admin)
    assert changed.status_code == 200
    assert changed.get_json()["role"] == "moderator" and changed.get_json()["department"] is None
    whoami = client.get("/auth/whoami", headers=bearer(staff["aigerim"])).get_json()
    assert whoami["role"] == "moderator"  # the next request already acts with the new role
    assert_problem(client.patch(path, json={"role": "publisher"}, headers=admin), 400)  # no department
    moved = client.patch(path, json={"role": "publisher", "department": "land_relations"}, headers=admin)
    assert moved.get_json()["department"] == "land_relations"
    for bad in ({}, {"disabled": "yes"}, {"role": "root"}, {"department": "nowhere"}, {"name": "x"}):
        assert_problem(client.patch(path, json=bad, headers=admin), 400)


def test_disabling_revokes_every_token_at_once(client: FlaskClient, staff: dict[str, str]) -> None:
    admin = bearer(staff["admin"])
    session = sign_in(client, "aigerim", PASSWORD).get_json()["token"]
    for token in (session, staff["aigerim"]):
        assert client.get("/auth/whoami", headers=bearer(token)).get_json()["signedIn"] is True
    disabled = client.patch("/admin/accounts/aigerim", json={"disabled": True}, headers=admin)
    assert disabled.get_json()["disabled"] is True
    enabled = client.patch("/admin/accounts/aigerim", json={"disabled": False}, headers=admin)
    assert enabled.get_json()["disabled"] is False
    for token in (session, staff["aigerim"]):
        assert_problem(client.get("/auth/whoami", headers=bearer(token)), 401)
    tokens = client.get("/admin/tokens?account=aigerim", headers=admin).get_json()["tokens"]
    assert tokens and all(t["revoked"] for t in tokens)
    assert sign_in(client, "aigerim", PASSWORD).status_code == 201
    actions = [
        e["action"] for e in client.get("/admin/audit?user=admin", headers=admin).get_json()["entries"]
    ]
    assert actions[:2] == ["user.enable", "user.disable"]


def test_the_last_active_admin_can_be_neither_demoted_nor_disabled(
    client: FlaskClient, app_accounts_of: Accounts, staff: dict[str, str]
) -> None:
    admin = bearer(staff["admin"])
    for change in (
        {"role": "moderator"},
        {"disabled": True},
        {"role": "publisher", "department": "land_relations"},
    ):
        body = assert_problem(client.patch("/admin/accounts/admin", json=change, headers=admin), 409)
        assert "last active administrator" in body["detail"]
    app_accounts_of.add_user("zhanna", role=Role.admin, department=None)
    app_accounts_of.disable_user("zhanna")  # a disabled admin does not count
    assert_problem(client.patch("/admin/accounts/admin", json={"disabled": True}, headers=admin), 409)
    assert client.patch("/admin/accounts/zhanna", json={"disabled": False}, headers=admin).status_code == 200
    demoted = client.patch("/admin/accounts/admin", json={"role": "moderator"}, headers=admin)
    assert demoted.status_code == 200
    assert_problem(client.get("/admin/accounts", headers=admin), 403)  # no longer an admin
    zhanna = bearer(app_accounts_of.create_token("zhanna"))
    assert_problem(client.patch("/admin/accounts/zhanna", json={"disabled": True}, headers=zhanna), 409)


def test_admin_resets_a_password_and_the_accounts_sign_ins_end(
    app: Flask, client: FlaskClient, staff: dict[str, str]
) -> None:
    admin = bearer(staff["admin"])
    session = sign_in(client, "aigerim", PASSWORD).get_json()["token"]
    response = client.post("/admin/accounts/aigerim/password", headers=admin)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = response.get_json()["password"]
    assert_problem(client.get("/auth/whoami", headers=bearer(session)), 401)
    assert client.get("/auth/whoami", headers=bearer(staff["aigerim"])).status_code == 200  # API token stays
    assert_problem(sign_in(client, "aigerim", PASSWORD), 401)
    assert sign_in(client, "aigerim", password).status_code == 201
    assert password not in audit_text(app)
    chosen = client.post("/admin/accounts/aigerim/password", json={"password": NEW_PASSWORD}, headers=admin)
    assert chosen.get_json()["password"] is None
    assert sign_in(client, "aigerim", NEW_PASSWORD).status_code == 201
    for bad in ({"password": "short"}, {"password": "aigerim-2026-x"}, {"password": None, "x": 1}):
        assert_problem(client.post("/admin/accounts/aigerim/password", json=bad, headers=admin), 400)
    assert_problem(
        client.post(
            "/admin/accounts/aigerim/password", data="{", content_type="application/json", headers=admin
        ),
        400,
    )


def test_staff_change_their_own_password(client: FlaskClient, staff: dict[str, str]) -> None:
    first = sign_in(client, "aigerim", PASSWORD).get_json()["token"]
    second = sign_in(client, "aigerim", PASSWORD).get_json()["token"]
    change = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    assert client.post("/auth/password", json=change).status_code == 401
    wrong = {"currentPassword": "not my password", "newPassword": NEW_PASSWORD}
    assert_problem(client.post("/auth/password", json=wrong, headers=bearer(first)), 400)
    weak = {"currentPassword": PASSWORD, "newPassword": "aigerim12345"}
    assert_problem(client.post("/auth/password", json=weak, headers=bearer(first)), 400)
    same = {"currentPassword": PASSWORD, "newPassword": PASSWORD}
    assert_problem(client.post("/auth/password", json=same, headers=bearer(first)), 400)
    assert client.post("/auth/password", json=change, headers=bearer(first)).status_code == 204
    assert client.get("/auth/whoami", headers=bearer(first)).status_code == 200  # this sign-in stays
    assert_problem(client.get("/auth/whoami", headers=bearer(second)), 401)  # the others end
    assert_problem(sign_in(client, "aigerim", PASSWORD), 401)
    assert sign_in(client, "aigerim", NEW_PASSWORD).status_code == 201
    # an account without a password (moderator marat signs in with tokens only) cannot set one this way
    marat = {"currentPassword": "anything at all", "newPassword": NEW_PASSWORD}
    assert_problem(client.post("/auth/password", json=marat, headers=bearer(staff["marat"])), 400)


def test_password_endpoints_share_the_sign_in_limit(settings: Settings) -> None:
    app = create_app(app_settings(settings, sign_in_rate_limit="3/minute"))
    try:
        with app.app_context():
            accounts = app_accounts()
            accounts.add_user("admin", role=Role.admin, department=None, password=PASSWORD)
            accounts.add_user("aigerim", role=Role.publisher, department="land_relations", password=PASSWORD)
            admin, aigerim = bearer(accounts.create_token("admin")), bearer(accounts.create_token("aigerim"))
        client = app.test_client()
        wrong = {"currentPassword": "a wrong guess", "newPassword": NEW_PASSWORD}
        assert_problem(client.post("/auth/password", json=wrong, headers=aigerim), 400)
        assert_problem(client.post("/auth/password", json=wrong, headers=aigerim), 400)
        assert client.post("/admin/accounts/aigerim/password", headers=admin).status_code == 200
        limited = assert_problem(client.post("/auth/password", json=wrong, headers=aigerim), 429)
        assert limited["type"].endswith("/too-many-requests")
        assert_problem(sign_in(client, "aigerim", PASSWORD), 429)
        assert client.get("/admin/accounts", headers=admin).status_code == 200  # the rest is not held back
    finally:
        app.extensions["geohub"].close()


def test_two_admins_demoting_each_other_at_once_leave_one(records: RecordsDatabase) -> None:
    accounts = Accounts(records)
    for round_ in range(4):
        names = (f"admin-a{round_}", f"admin-b{round_}")
        for name in names:
            accounts.add_user(name, role=Role.admin, department=None)
        for other in accounts.list_users():  # only this round's two are enabled admins
            if other.role is Role.admin and other.name not in names and not other.disabled:
                accounts.update_user(other.name, role=Role.moderator)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        threads = [
            threading.Thread(target=_demote, args=(accounts, name, barrier, outcomes)) for name in names
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["demoted", "refused"]
        assert [u.name for u in accounts.list_users() if u.role is Role.admin and u.name in names]


def _demote(accounts: Accounts, name: str, barrier: threading.Barrier, outcomes: list[str]) -> None:
    barrier.wait()
    try:
        accounts.update_user(name, role=Role.moderator)
        outcomes.append("demoted")
    except ConflictError:
        outcomes.append("refused")
