"""Property-based over every GET route the app serves, in /openapi or not (tiles, styles, fonts,
sprites, static files, HTML pages): odd path values, query parameters and headers never get a 5xx,
and a 4xx is problem+json, on both backends."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.features.conftest import DemoApps
from tests.features.fuzzing import FUZZ_SETTINGS, LANGUAGES, check_answer, fuzz_app

# real values first (so routes get past their lookups), then anything
PATH_VALUES = {
    "layer_id": ["buildings", "districts", "parking", "no_such_layer"],
    "collectionId": ["buildings", "districts"],
    "feature_id": ["w27064510", "1", "-1", "1e999"],
    "tileset": ["buildings", "city", "basemap", "hillshade", "nope"],
    "style_id": ["city", "basemap", "buildings", "city-high-contrast", "nope"],
    "z": ["14", "0", "-1", "99", "a"],
    "x": ["11680", "0", "-1", "99999999999999999999"],
    "y": ["6007", "0", "-1"],
    "extension": ["gpkg", "geojson", "csv", "exe"],
    "fontstack": ["DejaVu Sans Book", "DejaVu Sans Bold", "nope"],
    "start": ["0", "256", "-1"],
    "end": ["255", "511", "1"],
}
QUERY_NAMES = ["f", "lang", "limit", "offset", "bbox", "crs", "key", "ui", "datetime", "nope"]
ODD_TEXT = st.text(max_size=20)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)  # what HTTP can carry


def _get_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.rule.startswith("/admin")
    )


@st.composite
def _requests(draw: Any, routes: list[str]) -> tuple[str, dict[str, str], dict[str, str]]:
    route = draw(st.sampled_from(routes))

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        choices = st.sampled_from(PATH_VALUES.get(name, ["x"]))
        return quote(str(draw(st.one_of(choices, choices, ODD_TEXT.filter(bool)))), safe="")

    path = re.sub(r"<([^>]+)>", value, route)
    query = draw(st.dictionaries(st.sampled_from(QUERY_NAMES), ODD_TEXT, max_size=3))
    headers = draw(
        st.fixed_dictionaries(
            {"Accept-Language": st.one_of(st.sampled_from(LANGUAGES), HEADER_TEXT)},
            optional={
                "Accept": st.sampled_from(["text/html", "application/json", "*/*", "image/*", "x/y;q=a"]),
                "If-None-Match": HEADER_TEXT,
                "Accept-Encoding": st.sampled_from(["gzip", "br", "identity;q=0", "x"]),
            },
        )
    )
    return path, query, headers


def test_every_get_route_never_fails_on_the_server(demo_apps: DemoApps, backend: str) -> None:
    app = fuzz_app(demo_apps, backend)
    client = app.test_client()

    @settings(FUZZ_SETTINGS, max_examples=600)
    @given(request=_requests(_get_routes(app)))
    def fuzz(request: tuple[str, dict[str, str], dict[str, str]]) -> None:
        path, query, headers = request
        response = client.get(path, query_string=query, headers=headers)
        check_answer(
            response.status_code, response.content_type or "", response.data, f"{path} {query} {headers}"
        )

    fuzz()


@pytest.mark.parametrize("language", ["c", "C.UTF-8", "*", "x" * 300, "ru;q=abc, kk;q=2"])
def test_odd_accept_language_everywhere(demo_apps: DemoApps, backend: str, language: str) -> None:
    app = fuzz_app(demo_apps, backend)
    client = app.test_client()
    for route in _get_routes(app):
        path = re.sub(r"<([^>]+)>", lambda m: PATH_VALUES.get(m.group(1).split(":")[-1], ["x"])[0], route)
        response = client.get(path, headers={"Accept-Language": language})
        check_answer(response.status_code, response.content_type or "", response.data, f"{path} {language}")
