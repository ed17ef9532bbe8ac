"""Anonymous style documents name no restricted layer, no source of one and no restricted
attribute; staff's still show them. With `parking` restricted and `buildings.levels` restricted
(tests/features/conftest.py), on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.settings import Settings
from tests.features.conftest import (
    RESTRICTED_ATTRIBUTE,
    RESTRICTED_LAYER,
    restricted_app,
    staff_client,
)

LAYER, ATTRIBUTE = RESTRICTED_ATTRIBUTE  # buildings, levels


@pytest.fixture
def app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    yield from restricted_app(settings, tmp_path_factory.mktemp("layers"))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def _documents(client: FlaskClient) -> dict[str, Any]:
    listed = client.get("/styles").get_json()["styles"]
    documents = {}
    for style in listed:
        for lang in ("ru", "kk", "en"):
            answer = client.get(f"/styles/{style['id']}.json?lang={lang}")
            assert answer.status_code == 200, style["id"]
            documents[f"{style['id']}?lang={lang}"] = answer.get_json()
    return documents


def _names_restricted(document: dict[str, Any]) -> list[str]:
    """Where a style document names the restricted layer or attribute."""
    found = [f"source {s}" for s in document["sources"] if s == RESTRICTED_LAYER]
    found += [
        f"url {text}"
        for text in _strings(document["sources"])
        if f"/{RESTRICTED_LAYER}." in text or f"/{RESTRICTED_LAYER}/" in text
    ]
    for layer in document["layers"]:
        if RESTRICTED_LAYER in (layer.get("source"), layer.get("source-layer")):
            found.append(f"layer {layer['id']}")
        if any(ATTRIBUTE in text for text in _strings(layer)):
            found.append(f"attribute in {layer['id']}")
    return found


def test_anonymous_style_documents_name_nothing_restricted(app: Flask) -> None:
    documents = _documents(app.test_client())
    assert "city?lang=ru" in documents and "buildings-high-contrast?lang=kk" in documents
    for name, document in documents.items():
        assert _names_restricted(document) == [], name
        assert not any(ATTRIBUTE in text for text in _strings(document)), name


def test_staff_style_documents_still_show_restricted_layers(app: Flask) -> None:
    documents = _documents(staff_client(app))
    assert _names_restricted(documents["city?lang=ru"])
    assert _names_restricted(documents["parking?lang=en"])
    assert any(f"attribute in {LAYER}-levels" == f for f in _names_restricted(documents["buildings?lang=ru"]))


def test_styles_for_the_two_audiences_have_different_etags(app: Flask) -> None:
    anonymous, staff = app.test_client(), staff_client(app)
    public = anonymous.get("/styles/city.json").headers["ETag"]
    assert staff.get("/styles/city.json").headers["ETag"] != public
    assert anonymous.get("/styles/city.json", headers={"If-None-Match": public}).status_code == 304
