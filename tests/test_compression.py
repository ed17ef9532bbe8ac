"""JSON, CSV and HTML answers are compressed when the client accepts it, and decode to the same."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import brotli
import pytest
from flask import Flask

from geohub.app import create_app
from geohub.settings import Settings

DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress}
JSON_PATHS = [
    "/",
    "/collections",
    "/collections/parking",
    "/openapi",
    "/tiles/city.json",
    "/styles/city.json",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("compression"), log_level="WARNING"))
    yield app
    app.extensions["geohub"].close()


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_json_answers_are_compressed_and_decode_to_the_same_document(app: Flask, encoding: str) -> None:
    client = app.test_client()
    for path in JSON_PATHS:
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        packed = client.get(path, headers={"Accept-Encoding": encoding})
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.data) < len(plain.data)
        assert json.loads(DECODERS[encoding](packed.data)) == plain.json


def test_a_compressed_answer_still_answers_304(app: Flask) -> None:
    client = app.test_client()
    packed = client.get("/collections", headers={"Accept-Encoding": "gzip"})
    again = client.get(
        "/collections", headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304


def test_html_is_compressed_and_small_answers_and_files_are_not(app: Flask) -> None:
    client = app.test_client()
    html = client.get("/collections?f=html", headers={"Accept-Encoding": "gzip"})
    assert html.headers["Content-Encoding"] == "gzip" and b"<html" in gzip.decompress(html.data)
    assert "Content-Encoding" not in client.get("/healthz", headers={"Accept-Encoding": "gzip"}).headers
    sprite = client.get("/sprites/geohub.json", headers={"Accept-Encoding": "gzip"})
    assert sprite.status_code == 200 and "Content-Encoding" not in sprite.headers
