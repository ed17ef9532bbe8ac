"""The developers page at /developers/ in kk, ru and en: tilesets, TileJSON and style URLs, the
OGC API, snippets with copy buttons, the forms; no inline script or style (CSP)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.developers.texts import TEXTS
from geohub.messages import translate
from geohub.settings import Settings
from geohub.webmap.assets import WEB_SRC


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("developers")))
    yield app
    app.extensions["geohub"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class _Page(HTMLParser):
    """Scripts, inline styles, ids, labels and copy buttons of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.styled: list[str] = []
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.inputs: list[str] = []
        self.copy_targets: list[str] = []
        self.html_lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.html_lang = found.get("lang") or ""
        if tag == "script":
            self.scripts.append(found)
        if "style" in found or tag == "style":
            self.styled.append(tag)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.label_for.add(str(found["for"]))
        if tag == "input":
            self.inputs.append(str(found.get("id")))
        if tag == "button" and found.get("data-copy"):
            assert found.get("aria-label"), "a copy button names what it copies"
            self.copy_targets.append(str(found["data-copy"]))


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_page_in_each_language_lists_the_data_and_its_urls(client: FlaskClient, language: str) -> None:
    response = client.get(f"/developers/?lang={language}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Language"] == language
    html = response.get_data(as_text=True)
    page = _parse(html)
    assert page.html_lang == language
    assert f"<h1>{translate(TEXTS['page.title'], language)}</h1>" in html
    for url in (
        "http://localhost/tiles/city/{z}/{x}/{y}.mvt",
        "http://localhost/tiles/city.json",
        "http://localhost/tiles/reports.json",
        f"http://localhost/styles/city.json?lang={language}",
        f"http://localhost/styles/city-high-contrast.html?lang={language}",
        'href="http://localhost/collections"',
        'href="http://localhost/openapi"',
        "OAPIF:http://localhost",
        "MVT:http://localhost/tiles/city/14/11693/6005.mvt",
        "style: &#34;http://localhost/styles/city.json?lang=",
    ):
        assert url in html, url
    assert set(page.copy_targets) <= page.ids and len(page.copy_targets) == 6  # 5 snippets and the key
    assert set(page.inputs) <= page.label_for  # every field has its label


def test_page_keeps_to_the_content_security_policy(client: FlaskClient) -> None:
    html = client.get("/developers/?lang=ru").get_data(as_text=True)
    page = _parse(html)
    assert page.styled == []
    assert [s.get("src") for s in page.scripts] == ["/app/developers.js", None]
    assert page.scripts[1].get("type") == "application/json"
    block = re.search(r'id="developers-config">(.*?)</script>', html, re.S)
    assert block is not None
    config = json.loads(block.group(1))
    assert config["urls"] == {
        "apps": "http://localhost/developers/apps",
        "usage": "http://localhost/developers/usage",
    }
    assert config["texts"]["script.copied"] == translate("Copied.", "ru")
    for asset in ("developers.js", "developers.css"):
        assert (WEB_SRC / asset).is_file()
        assert client.get(f"/app/{asset}").status_code == 200


def test_page_language_follows_the_cookie_then_accept_language(client: FlaskClient) -> None:
    assert (
        client.get("/developers/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).headers["Content-Language"]
        == "ru"
    )
    client.set_cookie("geohub_lang", "kk")
    assert client.get("/developers/", headers={"Accept-Language": "ru"}).headers["Content-Language"] == "kk"


def test_every_developers_text_is_translated() -> None:
    for msgid in TEXTS.values():
        for language in ("kk", "ru"):
            assert translate(msgid, language), msgid
