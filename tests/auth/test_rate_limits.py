"""Rate limits through create_app: per app key, per address, sign-in; 429 problem bodies; Redis."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.auth.http import accounts as app_accounts
from geohub.auth.principal import Role
from geohub.etl.pipeline import import_layer
from geohub.settings import Settings
from tests.auth.conftest import PASSWORD, bearer
from tests.auth.test_http import assert_problem

REDIS_URI = "redis://127.0.0.1:6379/0"


def create_key(app: Flask, rate_limit: str) -> str:
    with app.app_context():
        return app_accounts().create_key("bus-app", rate_limit=rate_limit)


def assert_too_many(response: Any) -> None:
    body = assert_problem(response, 429)
    assert body["type"].endswith("/too-many-requests")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_key_limit_is_enforced_per_key_with_a_429_problem(make_app: Any) -> None:
    app = make_app()
    client = app.test_client()
    key, other = create_key(app, "3/minute"), create_key(app, "3/minute")
    for _ in range(3):
        assert client.get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200
    assert_too_many(client.get("/auth/whoami", headers={"X-API-Key": key}))
    assert_too_many(client.get(f"/collections?key={key}"))  # every route shares the key's limit
    assert client.get("/auth/whoami", headers={"X-API-Key": other}).status_code == 200
    assert client.get("/auth/whoami").status_code == 200  # anonymous has its own limit
    with app.app_context():
        usage = {u.key.id: u.today for u in app_accounts().list_keys()}
    assert usage == {key.split("_")[1]: 3, other.split("_")[1]: 1}  # 429s are not counted
    assert "Retry-After" not in client.get("/auth/whoami").headers


def test_anonymous_limit_is_per_address_and_spares_health(make_app: Any) -> None:
    client = make_app(anonymous_rate_limit="3/minute").test_client()
    for _ in range(3):
        assert client.get("/auth/whoami").status_code == 200
    assert_too_many(client.get("/auth/whoami"))
    assert client.get("/auth/whoami", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/static/img/logo.png").status_code != 429  # the map's own files


def test_bad_tokens_count_against_the_address(make_app: Any) -> None:
    client = make_app(anonymous_rate_limit="3/minute").test_client()
    bad = bearer("ghp_0123456789abcdef_" + "a" * 43)
    for _ in range(3):
        assert_problem(client.get("/auth/whoami", headers=bad), 401)
    assert_too_many(client.get("/auth/whoami", headers=bad))


def test_sign_in_attempts_are_limited_per_address(make_app: Any) -> None:
    app = make_app(sign_in_rate_limit="2/minute")
    with app.app_context():
        app_accounts().add_user(
            "aigerim", role=Role.publisher, department="land_relations", password=PASSWORD
        )
    client = app.test_client()
    assert_problem(client.post("/auth/tokens", json={"username": "aigerim", "password": "guess one"}), 401)
    assert_problem(client.post("/auth/tokens", json={"username": "aigerim", "password": "guess two"}), 401)
    assert_too_many(client.post("/auth/tokens", json={"username": "aigerim", "password": PASSWORD}))
    assert client.get("/auth/whoami").status_code == 200  # other routes are not held back


def test_limits_can_be_switched_off(make_app: Any) -> None:
    app = make_app(rate_limits_enabled=False, anonymous_rate_limit="1/minute")
    key = create_key(app, "1/minute")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/auth/whoami").status_code == 200
        assert client.get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200


def test_public_layer_is_readable_without_a_key_and_with_one(make_app: Any, settings: Settings) -> None:
    app = make_app()
    services = app.extensions["geohub"]
    layer = services.registry.get("districts")
    import_layer(layer, services.store, services.registry, services.settings.demo_data_dir)
    key = create_key(app, "100/minute")
    client: FlaskClient = app.test_client()
    anonymous = client.get("/collections/districts/items?limit=2")
    assert anonymous.status_code == 200 and anonymous.get_json()["numberReturned"] == 2
    with_key = client.get(f"/collections/districts/items?limit=2&key={key}")
    assert with_key.status_code == 200 and with_key.get_json()["numberReturned"] == 2
    assert client.get(f"/collections/districts?key={key}").status_code == 200
    assert_problem(client.get("/collections/districts/items?key=ghk_nonsense"), 401)
    with app.app_context():
        app_accounts().revoke_key(key.split("_")[1])
    assert_problem(client.get(f"/collections/districts/items?key={key}"), 401)


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URI, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="needs Redis on 127.0.0.1:6379 and the redis package")
def test_redis_storage_shares_counts_between_apps_per_key(make_app: Any) -> None:
    first = make_app(rate_limit_storage_uri=REDIS_URI)
    second = make_app(rate_limit_storage_uri=REDIS_URI)  # another worker, same database
    key, other = create_key(first, "3/minute"), create_key(first, "3/minute")
    assert first.test_client().get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200
    assert second.test_client().get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200
    assert first.test_client().get("/auth/whoami", headers={"X-API-Key": key}).status_code == 200
    assert_too_many(second.test_client().get("/auth/whoami", headers={"X-API-Key": key}))
    assert second.test_client().get("/auth/whoami", headers={"X-API-Key": other}).status_code == 200
    import redis

    stored = [k.decode() for k in redis.Redis.from_url(REDIS_URI).keys(f"*{key.split('_')[1]}*")]
    assert stored and all("geohub" in k for k in stored)
