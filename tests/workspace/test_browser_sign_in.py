"""Signing in and out of the workspace in Chromium (scenarios/sign_in.cjs)."""

from __future__ import annotations

from typing import Any

from geohub.messages import translate
from tests.workspace.conftest import ACCOUNTS, scenario


def test_the_page_opens_on_the_sign_in_form(workspace_run: dict[str, Any]) -> None:
    first = scenario(workspace_run, "sign_in")["signedOutAtFirst"]
    assert first["view"] == "sign-in"
    assert first["heading"] == translate("Sign in to the workspace", "ru")
    assert first["token"] is None and first["account"] is None and first["nav"] == []


def test_a_wrong_password_is_said_in_the_page_language_beside_the_form(workspace_run: dict[str, Any]) -> None:
    wrong = scenario(workspace_run, "sign_in")["wrongPassword"]
    assert wrong["error"] == translate("The user name or password is wrong.", "ru")
    assert wrong["role"] == "alert"
    assert wrong["invalid"] == "true" and wrong["describedBy"] == "ws-sign-in-error"
    assert wrong["focused"] == "ws-password"


def test_signed_in_the_publisher_sees_the_account_and_the_focus_is_on_the_heading(
    workspace_run: dict[str, Any],
) -> None:
    result = scenario(workspace_run, "sign_in")
    signed_in = result["signedIn"]
    user = ACCOUNTS["publisher"][0]
    assert signed_in["token"]
    assert signed_in["account"] == translate("Signed in as {user}", "ru").replace("{user}", user)
    assert signed_in["heading"] == translate("Workspace", "ru")
    assert signed_in["focused"] == "H1"
    assert result["announced"] == translate("Signed in as {user}.", "ru").replace("{user}", user)


def test_the_sign_in_outlives_a_reload(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, "sign_in")
    assert result["afterReload"]["token"] == result["signedIn"]["token"]
    assert result["afterReload"]["account"] == result["signedIn"]["account"]


def test_the_language_switch_keeps_the_sign_in_and_the_view(workspace_run: dict[str, Any]) -> None:
    switched = scenario(workspace_run, "sign_in")["switched"]
    assert switched["lang"] == "kk" and switched["hash"] == "#/no/such/page"
    assert switched["heading"] == translate("Page not found", "kk")
    assert switched["token"] == scenario(workspace_run, "sign_in")["signedIn"]["token"]


def test_an_unknown_route_says_so(workspace_run: dict[str, Any]) -> None:
    assert scenario(workspace_run, "sign_in")["unknownRoute"]["heading"] == translate("Page not found", "ru")


def test_signing_out_revokes_the_token(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, "sign_in")
    assert result["signedOut"]["token"] is None
    assert result["signedOut"]["view"] == "sign-in"
    assert result["signedOut"]["notice"] == translate("You have signed out.", "ru")
    assert result["revokedTokenStatus"] == 401


def test_a_token_the_server_refuses_brings_the_form_back(workspace_run: dict[str, Any]) -> None:
    stale = scenario(workspace_run, "sign_in")["staleToken"]
    assert stale["view"] == "sign-in" and stale["token"] is None
    assert stale["notice"] == translate("Your session has ended. Sign in again.", "ru")


def test_the_page_speaks_kazakh(workspace_run: dict[str, Any]) -> None:
    moderator = scenario(workspace_run, "sign_in")["moderatorKk"]
    assert moderator["heading"] == translate("Workspace", "kk")
    assert moderator["account"] == translate("Signed in as {user}", "kk").replace(
        "{user}", ACCOUNTS["moderator"][0]
    )
