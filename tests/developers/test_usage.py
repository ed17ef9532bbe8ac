"""A registered key in tile URLs: TileJSON and styles carry it on, its use is counted and shown
to its holder per day, and every limited answer carries the RateLimit headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from tests.auth.test_http import assert_problem
from tests.developers.conftest import new_key

TILE = "/tiles/city/14/11693/6005.mvt"


def _key_of(url: str) -> str | None:
    values = parse_qs(urlsplit(url).query).get("key")
    return values[0] if values else None


def _usage(client: FlaskClient, key: str) -> dict[str, Any]:
    response = client.get("/developers/usage", headers={"X-API-Key": key})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.get_json()
    return body


def test_tilejson_and_styles_carry_the_callers_key_on(make_app: Any) -> None:
    client = make_app().test_client()
    key = new_key(client)
    plain = client.get("/tiles/city.json").get_json()
    assert all(_key_of(url) is None for url in plain["tiles"])
    keyed = client.get(f"/tiles/city.json?key={key}")
    assert "private" in keyed.headers["Cache-Control"]
    tiles = keyed.get_json()["tiles"]
    assert [_key_of(url) for url in tiles] == [key]
    # MapLibre fills the braces; the version token stays beside the key
    assert re.search(rf"/tiles/city/\{{z\}}/\{{x\}}/\{{y\}}\.mvt\?v=[0-9a-f]{{16}}&key={key}$", tiles[0]), (
        tiles
    )
    style = client.get(f"/styles/city.json?lang=kk&key={key}")
    assert style.status_code == 200 and "public" not in style.headers["Cache-Control"]
    own = [s for s in style.get_json()["sources"].values() if "/tiles/" in s.get("url", "")]
    assert own and all(_key_of(source["url"]) == key for source in own)
    plain_style = client.get("/styles/city.json?lang=kk").get_json()
    assert all(_key_of(s.get("url", "")) is None for s in plain_style["sources"].values())


def test_a_key_used_in_tile_urls_is_counted_and_its_use_shows(make_app: Any) -> None:
    client = make_app().test_client()
    key = new_key(client)
    for _ in range(7):
        assert client.get(f"{TILE}?key={key}").status_code in (200, 204)
    assert client.get(f"/tiles/city.json?key={key}").status_code == 200
    body = _usage(client, key)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert (body["today"], body["total"], body["rateLimit"]) == (8, 8, "1000/hour")
    assert len(body["days"]) == 30 and body["days"][-1] == {"day": today, "requests": 8}
    assert sum(day["requests"] for day in body["days"][:-1]) == 0
    assert _usage(client, key)["today"] == 8  # reading the use is not a use


def test_usage_needs_the_key_in_the_header(make_app: Any) -> None:
    client = make_app().test_client()
    key = new_key(client)
    assert_problem(client.get("/developers/usage"), 401)
    assert_problem(client.get(f"/developers/usage?key={key}"), 401)  # never in a URL of the page
    assert_problem(client.get("/developers/usage", headers={"X-API-Key": key[:-2] + "xx"}), 401)
    other = new_key(client)
    client.get(f"{TILE}?key={other}")
    assert _usage(client, key)["today"] == 0  # each key sees its own use


def test_limited_answers_carry_ratelimit_headers(make_app: Any) -> None:
    app = make_app(anonymous_rate_limit="5/minute", app_key_rate_limit="3/minute")
    client = app.test_client()
    anonymous = client.get("/collections")
    assert anonymous.headers["RateLimit-Limit"] == "5"
    assert anonymous.headers["RateLimit-Remaining"] == "4"
    assert 0 < int(anonymous.headers["RateLimit-Reset"]) <= 60
    assert "Retry-After" not in anonymous.headers
    exposed = anonymous.headers["Access-Control-Expose-Headers"]  # a web app on another origin reads them
    assert all(name in exposed for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"))
    key = new_key(client)  # the anonymous limit's second request
    remaining = [client.get(f"{TILE}?key={key}").headers["RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = client.get(f"/tiles/city.json?key={key}")
    assert_problem(limited, 429)
    assert limited.headers["RateLimit-Limit"] == "3" and limited.headers["RateLimit-Remaining"] == "0"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "RateLimit-Limit" not in client.get("/healthz").headers  # never limited
