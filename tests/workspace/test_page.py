"""The workspace page itself (no browser): its language, its config block, the views and styles
it finds in web/src/workspace, and the texts of every geohub/workspace/texts_*.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.messages import translate
from geohub.settings import Settings
from geohub.workspace.page import stylesheets, view_names
from geohub.workspace.texts import all_texts, text_modules

CONFIG = re.compile(r'<script type="application/json" id="workspace-config">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("workspace"))).test_client()


def config_of(html: str) -> dict[str, object]:
    found = CONFIG.search(html)
    assert found
    config: dict[str, object] = json.loads(found.group(1))
    return config


@pytest.mark.parametrize(
    ("query", "headers", "language"),
    [
        ("?lang=kk", {}, "kk"),
        ("", {"Accept-Language": "ru-RU,ru;q=0.9"}, "ru"),
        ("", {"Accept-Language": "ru", "cookie": "kk"}, "kk"),
        ("", {}, "en"),
    ],
)
def test_the_page_is_in_the_chosen_language(
    client: FlaskClient, query: str, headers: dict[str, str], language: str
) -> None:
    cookie = headers.pop("cookie", None)
    if cookie:  # the `geohub_lang` cookie the language switch sets
        client = client.application.test_client()
        client.set_cookie("geohub_lang", cookie)
    answer = client.get(f"/workspace/{query}", headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert answer.headers["Content-Language"] == language
    html = answer.get_data(as_text=True)
    assert f'<html lang="{language}">' in html
    config = config_of(html)
    assert config["lang"] == language
    texts = config["texts"]
    assert isinstance(texts, dict)
    assert texts["ws.signIn.title"] == translate("Sign in to the workspace", language)


def test_without_the_slash_it_redirects(client: FlaskClient) -> None:
    answer = client.get("/workspace")
    assert answer.status_code in (301, 308) and answer.headers["Location"].endswith("/workspace/")


def test_the_page_has_no_inline_script_or_style_and_a_strict_csp(client: FlaskClient) -> None:
    answer = client.get("/workspace/")
    html = answer.get_data(as_text=True)
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert all('type="application/json"' in attrs or "src=" in attrs for attrs in scripts)
    assert "<style" not in html and " style=" not in html


def test_every_view_and_stylesheet_of_web_src_workspace_is_listed(client: FlaskClient) -> None:
    config = config_of(client.get("/workspace/").get_data(as_text=True))
    assert config["views"] == view_names()
    html = client.get("/workspace/").get_data(as_text=True)
    for href in stylesheets():
        assert f'<link rel="stylesheet" href="{href}">' in html
        assert client.get(href).status_code == 200
    assert "/app/workspace/workspace.css" in stylesheets()
    for name in view_names():
        assert client.get(f"/app/workspace/views/{name}.js").status_code == 200


def test_views_and_styles_are_found_in_their_folder(tmp_path: Path) -> None:
    (tmp_path / "views").mkdir()
    for name in ("views/b.js", "views/a.js", "views/a.css", "shell.css", "views/.hidden.js", "main.js"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert view_names(tmp_path) == ["a", "b"]
    assert stylesheets(tmp_path) == ["/app/workspace/shell.css", "/app/workspace/views/a.css"]


def test_every_texts_module_is_found_and_keys_follow_their_owners_prefixes() -> None:
    names = [module.__name__ for module in text_modules()]
    assert "geohub.workspace.texts_shell" in names
    prefixes = ("ws.", "pub.", "desk.", "admin.", "prop.")
    assert [key for key in all_texts() if not key.startswith(prefixes)] == []


def test_the_config_block_cannot_be_closed_by_a_text(client: FlaskClient) -> None:
    html = client.get("/workspace/").get_data(as_text=True)
    block = CONFIG.search(html)
    assert block and "</" not in block.group(1) and "<" not in block.group(1)


def test_the_shell_scripts_are_served(client: FlaskClient) -> None:
    for name in ("main.js", "api.js", "dom.js", "workspace.css"):
        answer = client.get(f"/app/workspace/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["ETag"]
