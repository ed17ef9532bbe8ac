"""Links follow the request when `public_url` is unset: its Host, or X-Forwarded-* from trusted proxies."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from geohub.app import create_app
from geohub.settings import Settings

FORWARDED = {"X-Forwarded-Host": "geo.almaty.kz", "X-Forwarded-Proto": "https"}


@pytest.fixture
def make_app(settings: Settings) -> Iterator[object]:
    apps: list[Flask] = []

    def make(**update: object) -> Flask:
        apps.append(create_app(settings.model_copy(update={"log_level": "WARNING", **update})))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["geohub"].close()


def _hrefs(app: Flask, headers: dict[str, str]) -> list[str]:
    """Every link of the landing page, a collection, a TileJSON, a style and the OpenAPI servers."""
    client = app.test_client()
    landing = client.get("/", headers=headers).json
    collection = client.get("/collections/parking", headers=headers).json
    tilejson = client.get("/tiles/basemap.json", headers=headers).json
    style = client.get("/styles/basemap.json", headers=headers).json
    openapi = client.get("/openapi", headers=headers).json
    return [
        *(link["href"] for link in landing["links"]),
        *(link["href"] for link in collection["links"] if link["rel"] != "license"),
        *tilejson["tiles"],
        *(source["url"] for source in style["sources"].values() if "url" in source),
        style["glyphs"],
        *(server["url"] for server in openapi["servers"]),
    ]


@pytest.mark.parametrize(
    ("update", "headers", "base"),
    [
        ({}, {"Host": "127.0.0.1:9000"}, "http://127.0.0.1:9000"),
        ({}, FORWARDED, "http://localhost"),  # no trusted proxy: its headers are ignored
        ({"trusted_proxies": 1}, FORWARDED, "https://geo.almaty.kz"),
        ({"public_url": "https://maps.almaty.kz"}, {"Host": "evil.example"}, "https://maps.almaty.kz"),
    ],
    ids=["host", "untrusted-proxy", "trusted-proxy", "public_url"],
)
def test_every_link_is_on_the_base_the_request_came_to(
    make_app: object, update: dict[str, object], headers: dict[str, str], base: str
) -> None:
    hrefs = _hrefs(make_app(**update), headers)  # type: ignore[operator]
    assert len(hrefs) > 15
    assert [h for h in hrefs if urlsplit(h)[:2] != urlsplit(base)[:2]] == []
