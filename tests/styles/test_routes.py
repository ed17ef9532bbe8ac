"""Style routes: the list, documents with ETags and languages, preview pages and MapLibre assets."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.styles.conftest import PUBLIC_URL
from tests.styles.test_documents import STYLE_IDS, expressions_in


def assert_problem(response: TestResponse, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and body["detail"]
    assert body["instance"] == response.request.path


def test_style_list_names_every_style_with_absolute_links(client: FlaskClient) -> None:
    response = client.get("/styles")
    assert response.status_code == 200
    body = response.get_json()
    assert [style["id"] for style in body["styles"]] == STYLE_IDS
    city = next(style for style in body["styles"] if style["id"] == "city")
    assert city["title"] == "City layers" and city["highContrast"] is False
    assert {link["rel"]: link["href"] for link in city["links"]} == {
        "stylesheet": f"{PUBLIC_URL}/styles/city.json",
        "preview": f"{PUBLIC_URL}/styles/city.html",
    }
    assert "ETag" in response.headers


def test_style_list_speaks_the_requested_language(client: FlaskClient) -> None:
    body = client.get("/styles?lang=kk").get_json()
    city = next(style for style in body["styles"] if style["id"] == "city-high-contrast")
    assert city["title"] == "Қала қабаттары (жоғары контраст)"
    assert city["links"][0]["href"] == f"{PUBLIC_URL}/styles/city-high-contrast.json?lang=kk"


@pytest.mark.parametrize("style_id", STYLE_IDS)
def test_every_style_is_served_with_an_etag(client: FlaskClient, style_id: str) -> None:
    response = client.get(f"/styles/{style_id}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    style = response.get_json()
    assert style["version"] == 8 and style["metadata"]["geohub:id"] == style_id
    assert "max-age=" in response.headers["Cache-Control"]
    again = client.get(f"/styles/{style_id}.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("query", "field"),
    [("", "name_ru"), ("?lang=ru", "name_ru"), ("?lang=kk", "name_kk"), ("?lang=en", "name_en")],
)
def test_lang_picks_the_label_field(client: FlaskClient, query: str, field: str) -> None:
    style = client.get(f"/styles/city.json{query}").get_json()
    text_fields = [
        layer["layout"]["text-field"] for layer in style["layers"] if "text-field" in layer.get("layout", {})
    ]
    names = {get[1] for get in expressions_in(text_fields, "get") if get[1].startswith("name_")}
    assert names == {field}


def test_languages_have_different_etags(client: FlaskClient) -> None:
    etags = {client.get(f"/styles/city.json?lang={lang}").headers["ETag"] for lang in ("kk", "ru", "en")}
    assert len(etags) == 3


@pytest.mark.parametrize(
    "path",
    [
        "/styles/nope.json",
        "/styles/nope.html",
        "/styles/catalog.json",
        "/styles/city-high-contrast-high-contrast.json",
        "/styles/..%2Fstyles%2Fbasemap.json",
        "/styles/../styles/basemap.json",
        "/styles/city.xml",
        "/styles/assets/leaflet/dist/leaflet.js",
        "/styles/assets/maplibre-gl/package.json",
        "/styles/assets/maplibre-gl/dist/../package.json",
        "/styles/assets/maplibre-gl/dist/maplibre-gl.d.ts",
        "/styles/assets/maplibre-gl/dist/%2e%2e/%2e%2e/%2e%2e/package.json",
    ],
)
def test_unknown_style_or_asset_is_404_problem(client: FlaskClient, path: str) -> None:
    assert_problem(client.get(path), 404)


@pytest.mark.parametrize(
    "path", ["/styles/city.json?lang=de", "/styles/city.html?lang=", "/styles/basemap.json?lang=x"]
)
def test_unknown_label_language_is_400_problem(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert_problem(response, 400)
    assert response.get_json()["errors"] == [{"field": "lang", "message": "must be kk, ru or en"}]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("ru", "Стиль карты: Слои города"),
        ("kk", "Карта стилі: Қала қабаттары"),
        ("en", "Map style: City layers"),
    ],
)
def test_preview_page_is_accessible_and_self_contained(client: FlaskClient, lang: str, heading: str) -> None:
    response = client.get(f"/styles/city.html?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    page = _PageParser()
    page.feed(html)
    tags = dict(page.tags)  # the last of each tag
    assert tags["html"]["lang"] == lang
    assert "GeoHub Almaty" in html[html.index("<title>") : html.index("</title>")]
    assert heading in page.text
    assert tags["div"]["id"] == "map" and tags["div"]["role"] == "region" and tags["div"]["aria-label"]
    assert tags["div"]["aria-describedby"] == "map-help"
    urls = [
        value for _, attrs in page.tags for key, value in attrs.items() if key in ("href", "src") and value
    ]
    urls += re.findall(r"""["'](https?://[^"']+)["']""", html)
    assert "data:," in urls  # an empty favicon, so the browser does not ask the server for one
    network = [url for url in urls if url != "data:,"]
    assert network and all(url.startswith(PUBLIC_URL + "/") for url in network), urls
    assert f'"{PUBLIC_URL}/styles/city.json?lang={lang}"' in html
    assert '"center": [76.95, 43.25]' in html and '"zoom": 12' in html


def test_preview_page_of_unknown_style_is_404_problem(client: FlaskClient) -> None:
    assert_problem(client.get("/styles/nope.html"), 404)


@pytest.mark.parametrize(
    ("asset", "mimetype"),
    [
        ("maplibre-gl.mjs", "text/javascript"),
        ("maplibre-gl-worker.mjs", "text/javascript"),
        ("maplibre-gl.css", "text/css"),
    ],
)
def test_maplibre_assets_are_served_from_npm(client: FlaskClient, asset: str, mimetype: str) -> None:
    response = client.get(f"/styles/assets/maplibre-gl/dist/{asset}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert len(response.get_data()) > 10_000
    response.close()
