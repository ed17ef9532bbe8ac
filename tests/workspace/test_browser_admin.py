"""Administrators' pages in Chromium (scenarios/admin.cjs): accounts, tokens and app keys."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from geohub.messages import fill, translate
from tests.workspace.conftest import scenario

NEW_USER = "ws-new-publisher"
APP = "Карта остановок"


def _text(msgid: str, language: str = "ru", **params: Any) -> str:
    return fill(translate(msgid, language), params, language)


def _admin(run: dict[str, Any]) -> dict[str, Any]:
    return scenario(run, "admin")


def _as_admin(run: dict[str, Any], path: str) -> Any:
    """GET `path` on the live server with a new token of the admin account."""
    base, admin = run["server"].base_url, run["accounts"]["admin"]
    sign_in = urllib.request.Request(
        f"{base}/auth/tokens",
        data=json.dumps({"username": admin["user"], "password": admin["password"]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(sign_in, timeout=30) as answer:
        token = json.load(answer)["token"]
    asked = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(asked, timeout=30) as answer:
        return json.load(answer)


def test_only_admins_get_the_admin_sections(workspace_run: dict[str, Any]) -> None:
    result = _admin(workspace_run)
    admin_pages = {"#/admin/accounts", "#/admin/tokens", "#/admin/keys"}
    assert admin_pages <= set(result["nav"])
    assert not admin_pages & set(result["newUserNav"])
    assert "#/reports" in result["newUserNav"]


def test_a_publisher_without_a_department_is_refused_beside_the_field(workspace_run: dict[str, Any]) -> None:
    refused = _admin(workspace_run)["needDepartment"]
    assert refused == {
        "field": "department",
        "error": _text("Choose the publisher's department."),
        "describedBy": True,
        "focused": True,
    }


def test_a_new_accounts_password_is_shown_once_with_a_copy_button(workspace_run: dict[str, Any]) -> None:
    result = _admin(workspace_run)
    created = result["created"]
    assert created["text"] == _text("Account {name} is created.", name=NEW_USER)
    assert created["role"] == "status"
    assert created["secretLabel"] == _text("One-time password of {name}", name=NEW_USER)
    assert created["secretFocused"] is True
    assert created["passwordLength"] >= 12
    assert created["row"][:3] == [
        _text("Publisher"),
        workspace_run["server"].services.registry.departments["natural_resources"].name.ru,
        _text("Enabled"),
    ]
    assert result["copyStatus"] in (
        _text("Copied to the clipboard."),
        _text("The browser did not allow copying: select the text and copy it."),
    )


def test_revoking_a_sign_in_asks_first_and_signs_that_user_out(workspace_run: dict[str, Any]) -> None:
    result = _admin(workspace_run)
    asked = result["revokeDialog"]
    assert asked["modal"] is True
    assert asked["focused"] == _text("Cancel")  # the safe choice first
    tokens = _as_admin(workspace_run, f"/admin/tokens?account={NEW_USER}")["tokens"]
    (token,) = [each for each in tokens if each["kind"] == "session"]  # its one sign-in
    assert asked["text"] == _text(
        "Revoke token {id} of {name}? It stops working at once.", id=token["id"], name=NEW_USER
    )
    assert result["revoked"]["role"] == "status" and result["revoked"]["focused"] is True
    assert all(_text("Revoked") in row for row in result["tokenRows"])
    assert result["newUserAfterRevoke"] == _text("Your session has ended. Sign in again.")


def test_an_api_token_for_an_account_is_shown_once_and_works(workspace_run: dict[str, Any]) -> None:
    created = _admin(workspace_run)["apiToken"]
    tokens = _as_admin(workspace_run, f"/admin/tokens?account={NEW_USER}")["tokens"]
    (api,) = [each for each in tokens if each["kind"] == "api"]
    assert created["text"] == _text("Token {id} of {name} is created.", id=api["id"], name=NEW_USER)
    assert created["secretLabel"] == _text("API token of {name}", name=NEW_USER)
    assert created["secretFocused"] is True
    assert created["whoami"] == NEW_USER
    assert api["expiresAt"] is not None  # 30 days, not never


def test_disabling_an_account_asks_first_and_holds_on_the_server(workspace_run: dict[str, Any]) -> None:
    result = _admin(workspace_run)
    assert result["disableDialog"]["text"] == _text(
        "Disable account {name}? It can no longer sign in and its tokens stop working.", name=NEW_USER
    )
    assert result["disabled"]["text"] == _text("Account {name} is disabled.", name=NEW_USER)
    assert _text("Disabled") in result["disabled"]["row"]
    account = _as_admin(workspace_run, f"/admin/accounts/{NEW_USER}")
    assert account["disabled"] is True and account["role"] == "publisher"
    tokens = _as_admin(workspace_run, f"/admin/tokens?account={NEW_USER}")["tokens"]
    assert tokens and not any(token["active"] for token in tokens)


def test_resetting_a_password_asks_first_and_shows_the_new_one_once(workspace_run: dict[str, Any]) -> None:
    reset = _admin(workspace_run)["reset"]
    assert reset["dialog"]["text"] == _text(
        "Reset the password of {name}? A new one is generated and every sign-in of the account ends.",
        name=NEW_USER,
    )
    assert reset["text"] == _text("A new password for {name} is generated.", name=NEW_USER)
    assert reset["secretLabel"] == _text("New password of {name}", name=NEW_USER)
    assert reset["passwordLength"] >= 12


def test_the_last_admin_rule_is_shown(workspace_run: dict[str, Any]) -> None:
    last = _admin(workspace_run)["lastAdmin"]
    admin = workspace_run["accounts"]["admin"]["user"]
    detail = _text("'{name}' is the last active administrator: make another one first.", name=admin)
    assert last["text"] == _text("GeoHub needs at least one enabled administrator: {detail}", detail=detail)
    assert last["role"] == "alert" and last["focused"] is True
    assert _as_admin(workspace_run, f"/admin/accounts/{admin}")["role"] == "admin"


def test_an_app_key_is_shown_once_works_and_stops_when_revoked(workspace_run: dict[str, Any]) -> None:
    result = _admin(workspace_run)
    created = result["keyCreated"]
    assert created["text"] == _text("A key for {app} is created.", app=APP)
    assert created["key"].startswith("ghk_")
    assert "100/hour" in created["row"] and _text("Works") in created["row"]
    assert result["keyWorks"] == 200
    assert result["limitFormFocused"] == "dk-limit-legend"
    assert result["badLimit"]  # the server's words for a limit it cannot read
    assert result["limitChanged"]["text"] == _text(
        "The limit of {app} is now {limit}.", app=APP, limit="50/minute"
    )
    assert "50/minute" in result["limitChanged"]["row"]
    assert result["keyDialog"]["text"] == _text(
        "Revoke the key of {app}? The app's requests with it are refused at once.", app=APP
    )
    assert _text("Revoked") in result["keyRevoked"]["row"]
    assert result["revokedKeyStatus"] == 401
    keys = [key for key in _as_admin(workspace_run, "/admin/keys")["keys"] if key["app"] == APP]
    assert [(key["revoked"], key["rateLimit"]) for key in keys] == [(True, "50/minute")]
