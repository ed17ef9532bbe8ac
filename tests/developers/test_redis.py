"""With `auth.rate_limit_storage_uri` on Redis, limits and app key counts hold across workers:
two apps in this process, then a 2-worker `geohub serve`. Redis database 13 only, flushed here."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from geohub.settings import Settings
from tests.auth.test_http import assert_problem
from tests.developers.conftest import REGISTRATION, new_key
from tests.test_cli import GEOHUB, free_port, wait_for

REDIS_URI = "redis://127.0.0.1:6379/13"  # the tests' own database: flushed before and after


def _redis() -> Any:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URI, socket_timeout=1)
        client.ping()
        return client
    except Exception:
        return None


pytestmark = pytest.mark.skipif(_redis() is None, reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_db() -> Iterator[Any]:
    client = _redis()
    client.flushdb()
    yield client
    client.flushdb()


def test_two_apps_on_one_redis_count_a_key_exactly_and_share_its_limit(make_app: Any, redis_db: Any) -> None:
    first = make_app(rate_limit_storage_uri=REDIS_URI, app_key_rate_limit="10/minute")
    second = make_app(rate_limit_storage_uri=REDIS_URI, app_key_rate_limit="10/minute")
    key = new_key(first.test_client())
    clients = [first.test_client(), second.test_client()]
    remaining = [
        clients[n % 2].get(f"/tiles/city.json?key={key}").headers["RateLimit-Remaining"] for n in range(10)
    ]
    assert remaining == [str(n) for n in range(9, -1, -1)]  # one window for both
    assert_problem(clients[0].get(f"/tiles/city.json?key={key}"), 429)
    for client in clients:  # each sees every request at once, none waits in a batch
        usage = client.get("/developers/usage", headers={"X-API-Key": key}).get_json()
        assert (usage["today"], usage["total"]) == (10, 10)
    key_id = key.split("_")[1]
    assert sum(int(v) for v in redis_db.hgetall(f"geohub:key-usage:{key_id}").values()) == 10


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_two_worker_serve_on_redis_counts_exactly_n(settings: Settings, redis_db: Any) -> None:
    requests, limit = 40, 40
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env.update(
        {
            "GEOHUB_DATA_DIR": str(settings.data_dir),
            "GEOHUB_PORT": str(port),
            "GEOHUB_WORKERS": "2",
            "GEOHUB_LOG_LEVEL": "INFO",
            "GEOHUB_AUTH__RATE_LIMIT_STORAGE_URI": REDIS_URI,
            "GEOHUB_AUTH__APP_KEY_RATE_LIMIT": f"{limit}/hour",
        }
    )
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([GEOHUB, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(f"{base}/readyz", timeout_s=60)
        post = urllib.request.Request(
            f"{base}/developers/apps",
            data=json.dumps(REGISTRATION).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(post, timeout=10) as response:
            key = json.loads(response.read())["key"]
        statuses = [_get(f"{base}/tiles/city/14/11693/6005.mvt?key={key}")[0] for _ in range(requests)]
        assert set(statuses) <= {200, 204} and len(statuses) == requests
        over, headers, _ = _get(f"{base}/tiles/city.json?key={key}")
        assert over == 429 and headers["RateLimit-Remaining"] == "0"  # one limit over both workers
        status, _, body = _get(f"{base}/developers/usage", {"X-API-Key": key})
        assert status == 200
        usage = json.loads(body)
        assert (usage["today"], usage["total"]) == (requests, requests)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    workers = {line for line in stderr.decode().splitlines() if "Booting worker" in line}
    assert len(workers) == 2


def test_keys_list_on_the_command_line_reads_the_counts_in_redis(settings: Settings, redis_db: Any) -> None:
    from click.testing import CliRunner

    from geohub.app import create_app
    from geohub.cli import cli
    from tests.auth.conftest import app_settings

    on_redis = app_settings(settings, rate_limit_storage_uri=REDIS_URI)
    app = create_app(on_redis)
    try:
        client = app.test_client()
        key = new_key(client)
        for _ in range(3):
            client.get(f"/tiles/city.json?key={key}")
    finally:
        app.extensions["geohub"].close()
    env = {"GEOHUB_DATA_DIR": str(settings.data_dir), "GEOHUB_AUTH__RATE_LIMIT_STORAGE_URI": REDIS_URI}
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    result = CliRunner().invoke(cli, ["keys", "list"], env=env)
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if key.split("_")[1] in line)
    assert " 3 " in f" {line} "
