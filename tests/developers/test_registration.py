"""Registering an app at POST /developers/apps: a key with the default limit, shown once; bad inputs."""

from __future__ import annotations

from typing import Any

import pytest

from geohub.auth.http import accounts as app_accounts
from tests.auth.test_http import assert_problem
from tests.developers.conftest import REGISTRATION, register


def test_registration_gives_a_key_with_the_default_limit_and_stores_the_email(make_app: Any) -> None:
    app = make_app(app_key_rate_limit="500/hour")
    response = register(app.test_client(), email=" Dev@Example.kz", emailAgain="dev@example.kz ")
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["key"].startswith(f"ghk_{body['keyId']}_")
    assert (body["app"], body["rateLimit"], body["rateLimitText"]) == (
        "Avtobus Almaty",
        "500/hour",
        "500 per hour",
    )
    with app.app_context():
        stored = app_accounts().keys.get(body["keyId"])
        assert app_accounts().authenticate_key(body["key"]) == stored
    assert (stored.contact, stored.rate_limit, stored.revoked) == ("Dev@Example.kz", "500/hour", False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"emailAgain": "dev@example.com"}, "emailAgain"),
        ({"acceptTerms": False}, "acceptTerms"),
        ({"email": "not an address", "emailAgain": "not an address"}, "email"),
        ({"app": "   "}, "app"),
        ({"app": "a" * 201}, "app"),
        ({"email": "d@" + "e" * 200 + ".kz"}, "email"),
        ({"acceptTerms": "yes"}, "acceptTerms"),
        ({"contact": "me"}, "contact"),
    ],
)
def test_bad_registrations_are_400_naming_the_field_and_give_no_key(
    make_app: Any, changes: dict[str, Any], field: str
) -> None:
    app = make_app()
    response = register(app.test_client(), **changes)
    body = assert_problem(response, 400)
    assert field in [error["field"] for error in body["errors"]]
    with app.app_context():
        assert app_accounts().list_keys() == []


def test_missing_terms_and_bodies_that_are_not_objects_are_400(make_app: Any) -> None:
    client = make_app().test_client()
    without_terms = {k: v for k, v in REGISTRATION.items() if k != "acceptTerms"}
    body = assert_problem(client.post("/developers/apps", json=without_terms), 400)
    assert [error["field"] for error in body["errors"]] == ["acceptTerms"]
    assert_problem(client.post("/developers/apps", data="app=x"), 400)
    assert_problem(client.post("/developers/apps", json=["app"]), 400)


def test_field_errors_come_in_the_request_language(make_app: Any) -> None:
    client = make_app().test_client()
    response = client.post(
        "/developers/apps",
        json=REGISTRATION | {"emailAgain": "x@example.kz", "acceptTerms": False},
        headers={"Accept-Language": "ru"},
    )
    messages = {error["field"]: error["message"] for error in assert_problem(response, 400)["errors"]}
    assert set(messages) == {"emailAgain", "acceptTerms"}
    assert all(any("а" <= c <= "я" for c in message.lower()) for message in messages.values())


def test_registrations_are_limited_per_address(make_app: Any) -> None:
    client = make_app(app_registration_rate_limit="2/hour").test_client()
    assert register(client).status_code == 201
    assert register(client, acceptTerms=False).status_code == 400  # a refused one counts too
    limited = register(client)
    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/developers/").status_code == 200  # the page itself is not held back
