"""The web map page at `/` (for browsers; API clients keep the OGC landing page), its config and
texts, and its files at /app: compressed once (gzip, Brotli), strong ETags, 304s, nothing outside
web/src served.
Also GDAL's OAPIF driver and owslib against the live server, which must still see the API at `/`."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient
from owslib.ogcapi.features import Features

from geohub.app import create_app
from geohub.messages import LANGUAGES, STRICT_VARIABLE, translate
from geohub.security_headers import CONTENT_SECURITY_POLICY
from geohub.settings import Settings
from geohub.webmap.assets import WEB_SRC, package_version
from geohub.webmap.texts import all_texts, texts_in

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MAPLIBRE = f"/app/vendor/maplibre-gl@{package_version('maplibre-gl')}/dist/maplibre-gl.mjs"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("webmap")))
    yield app
    app.extensions["geohub"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _config(html: str) -> dict[str, Any]:
    block = re.search(r'<script type="application/json" id="geohub-config">(.*?)</script>', html, re.S)
    assert block, "no config block"
    config: dict[str, Any] = json.loads(block.group(1))
    return config


def _page(client: FlaskClient, path: str = "/", **headers: str) -> tuple[str, Any]:
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT, **headers})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True), response


# `/`: the map for browsers, the landing page for everyone else ------------------------------------


def test_a_browser_gets_the_map_page(client: FlaskClient) -> None:
    html, response = _page(client, **{"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
    assert '<html lang="ru">' in html
    assert 'id="map"' in html and 'id="geohub-config"' in html
    assert '<script type="module" src="/app/main.js"></script>' in html
    assert {"Accept", "Accept-Language", "Cookie"} <= set(response.vary)
    assert response.headers["Content-Language"] == "ru"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "application/json", "application/json, text/html;q=0.5", "application/geo+json"],
    ids=["no-accept", "any", "json", "json-first", "geojson"],
)
def test_api_clients_get_the_landing_page_json(client: FlaskClient, accept: str | None) -> None:
    response = client.get("/", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert any(link["href"].endswith("/collections") for link in document["links"])
    assert "Accept" in response.vary


def test_f_json_and_f_html_get_the_landing_page_even_from_a_browser(client: FlaskClient) -> None:
    as_json = client.get("/?f=json", headers={"Accept": BROWSER_ACCEPT})
    assert as_json.mimetype == "application/json" and "links" in as_json.get_json()
    as_html = client.get("/?f=html", headers={"Accept": BROWSER_ACCEPT})
    assert as_html.status_code == 200 and as_html.mimetype == "text/html"
    assert "geohub-config" not in as_html.get_data(as_text=True)  # pygeoapi's landing page


def test_the_map_page_is_revalidated_with_its_etag(client: FlaskClient) -> None:
    _, first = _page(client, "/?lang=kk")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(
        "/?lang=kk", headers={"Accept": BROWSER_ACCEPT, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


# the page language ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "cookie", "accept_language", "expected"),
    [
        ("", None, "kk-KZ,kk;q=0.9", "kk"),
        ("", None, "ru", "ru"),
        ("", None, "de", "en"),
        ("", "kk", "ru", "kk"),
        ("?lang=ru", "kk", "en", "ru"),
        ("?lang=xx", "en", "kk", "en"),
    ],
)
def test_the_page_language_is_lang_then_cookie_then_accept_language(
    client: FlaskClient, query: str, cookie: str | None, accept_language: str, expected: str
) -> None:
    if cookie:
        client.set_cookie("geohub_lang", cookie)
    html, _ = _page(client, f"/{query}", **{"Accept-Language": accept_language})
    assert f'<html lang="{expected}">' in html
    assert _config(html)["lang"] == expected


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_page_and_its_texts_are_in_the_language(client: FlaskClient, language: str) -> None:
    html, _ = _page(client, f"/?lang={language}")
    config = _config(html)
    english = texts_in("en")
    assert config["texts"] == texts_in(language)
    assert config["texts"]["nav.layers"] != english["nav.layers"]
    for key in ("nav.layers", "nav.list", "layers.title", "map.label", "contrast.label", "link.api"):
        assert config["texts"][key] in html or key == "map.help"
    assert f'aria-label="{config["texts"]["map.label"]}"' in html
    layers = {layer["id"]: layer for layer in config["layers"]}
    assert layers["green_spaces"]["title"] == {"kk": "Жасыл аймақтар", "ru": "Зелёные насаждения"}[language]


def test_every_text_is_translated_with_its_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STRICT_VARIABLE, "1")
    texts = all_texts()
    assert len(texts) > 80
    for language in ("kk", "ru"):
        for key, msgid in texts.items():
            translation = translate(msgid, language)  # MissingTranslation when there is none
            assert set(PLACEHOLDER.findall(translation)) == set(PLACEHOLDER.findall(msgid)), (language, key)


def test_the_config_has_what_the_scripts_read(client: FlaskClient) -> None:
    config = _config(_page(client, "/?lang=ru")[0])
    assert {"lang", "languages", "texts", "urls", "center", "zoom", "bounds", "styles", "layers"} <= set(
        config
    )
    assert config["languages"] == list(LANGUAGES)
    assert config["center"] == [76.95, 43.25] and config["zoom"] == 12
    west, south, east, north = config["bounds"]
    assert west < 76.95 < east and south < 43.25 < north
    assert config["styles"]["normal"].endswith("/styles/city.json?lang=ru")
    assert config["styles"]["highContrast"].endswith("/styles/city-high-contrast.json?lang=ru")
    assert config["urls"]["maplibre"].endswith(MAPLIBRE)
    assert config["urls"]["apiPage"].endswith("/?f=html") and config["urls"]["openapi"].endswith(
        "/openapi?f=html"
    )
    first = config["layers"][0]
    assert {"id", "title", "description", "department", "attribution", "license", "group", "key"} <= set(
        first
    )
    ids = [layer["id"] for layer in config["layers"]]
    assert ids[:3] == ["cadastre", "green_spaces", "landfills"]  # the city style's overlays first
    assert {"reports", "districts", "waste_points"} <= set(ids)


def test_the_page_has_no_inline_script_or_style(client: FlaskClient) -> None:
    html, _ = _page(client, "/?lang=kk")

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.scripts: list[dict[str, str | None]] = []
            self.styled: list[str] = []
            self.ids: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attributes = dict(attrs)
            if tag == "script":
                self.scripts.append(attributes)
            if tag == "style" or "style" in attributes or any(name.startswith("on") for name in attributes):
                self.styled.append(tag)
            if attributes.get("id"):
                self.ids.append(str(attributes["id"]))

    parsed = Collect()
    parsed.feed(html)
    assert parsed.styled == []
    assert all(s.get("src") or s.get("type") == "application/json" for s in parsed.scripts)
    assert len(parsed.ids) == len(set(parsed.ids)), "duplicate ids"
    for name in ("layers", "search", "report", "myreports", "route", "list"):
        assert f'data-panel="{name}" aria-controls="panel-{name}" aria-expanded="false"' in html
        assert f'id="panel-{name}" class="panel" aria-labelledby="panel-{name}-title" hidden' in html
        assert f'id="panel-{name}-title"' in html
    assert 'id="announcer" class="visually-hidden" aria-live="polite"' in html


# /app files --------------------------------------------------------------------------------------------


def test_app_files_are_compressed_with_a_strong_etag_and_revalidated(client: FlaskClient) -> None:
    raw = (WEB_SRC / "core.js").read_bytes()
    zipped = client.get("/app/core.js", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.mimetype == "text/javascript"
    assert gzip.decompress(zipped.get_data()) == raw
    assert "Accept-Encoding" in zipped.vary
    assert zipped.headers["Cache-Control"] == "public, max-age=300"
    etag = zipped.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert zipped.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY

    squeezed = client.get("/app/core.js", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.get_data()) == raw

    plain = client.get("/app/core.js")
    assert "Content-Encoding" not in plain.headers and plain.get_data() == raw
    assert len({plain.headers["ETag"], etag, squeezed.headers["ETag"]}) == 3  # a strong ETag each

    again = client.get("/app/core.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    css = client.get("/app/app.css", headers={"Accept-Encoding": "gzip"})
    assert css.mimetype == "text/css" and css.headers["Content-Encoding"] == "gzip"


def test_vendor_files_are_served_gzipped_under_their_version_for_a_year(client: FlaskClient) -> None:
    response = client.get(MAPLIBRE, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(response.get_data()) < 300_000  # 1.1 MB raw
    squeezed = client.get(MAPLIBRE, headers={"Accept-Encoding": "br"})
    assert squeezed.headers["Content-Encoding"] == "br" and len(squeezed.get_data()) < 280_000
    worker = MAPLIBRE.replace("maplibre-gl.mjs", "maplibre-gl-worker.mjs")
    assert client.get(worker).status_code == 200
    assert client.get(MAPLIBRE.replace(package_version("maplibre-gl"), "0.0.1")).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/app/nothing.js",
        "/app/../geohub/app.py",
        "/app/%2e%2e/%2e%2e/geohub/app.py",
        "/app/..%2f..%2fpyproject.toml",
        "/app//etc/passwd",
        "/app/vendor/maplibre-gl@6.17.0/../package.json",
        "/app/vendor/maplibre-gl@6.17.0/dist/maplibre-gl.d.ts",
        "/app/vendor/left-pad@1.0.0/index.js",
        "/app/core.js%00.png",
        "/app/.hidden.js",
    ],
)
def test_nothing_but_the_web_map_files_is_served(client: FlaskClient, path: str) -> None:
    assert client.get(path, follow_redirects=True).status_code == 404


def test_every_module_the_scripts_import_is_there() -> None:
    for script in sorted(WEB_SRC.glob("*.js")):
        for target in re.findall(
            r"""(?:from|import)\s*\(?\s*['"](\./[\w.-]+)['"]""", script.read_text("utf-8")
        ):
            assert (WEB_SRC / target).is_file(), f"{script.name} imports {target}"
    for name in ("main.js", "core.js", "map.js", "layers.js", "details.js", "inview.js", "app.css"):
        assert (WEB_SRC / name).is_file()


# real clients against the live server: `/` is still the API for them --------------------------------


def test_gdal_lists_the_collections_through_the_landing_page(webmap_base: str) -> None:
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"OAPIF:{webmap_base}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = re.findall(r"^\d+: (\w+) \(title: ", result.stdout, re.M)
    assert {"addresses", "buildings", "districts", "green_spaces"} <= set(listed)


def test_owslib_reads_the_landing_page(webmap_base: str) -> None:
    api = Features(webmap_base)
    assert any(link["rel"] == "data" for link in api.links)
    assert "districts" in {c["id"] for c in api.collections()["collections"]}


def test_curl_like_clients_get_json_and_browsers_the_map(webmap_base: str) -> None:
    with urllib.request.urlopen(
        urllib.request.Request(webmap_base + "/", headers={"Accept": "*/*"})
    ) as answer:
        assert answer.headers["Content-Type"].startswith("application/json")
        assert "links" in json.load(answer)
    request = urllib.request.Request(
        webmap_base + "/", headers={"Accept": BROWSER_ACCEPT, "Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.headers["Content-Type"].startswith("text/html")
        assert answer.headers["Content-Encoding"] in ("gzip", None)
        body = answer.read()
    html = (gzip.decompress(body) if answer.headers["Content-Encoding"] == "gzip" else body).decode("utf-8")
    assert 'id="geohub-config"' in html
