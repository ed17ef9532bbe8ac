"""The app factory: health, readiness, landing page, and problem+json for every error."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geohub.app import create_app
from geohub.cli import load_demo
from geohub.settings import Settings

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


@pytest.fixture
def app(settings: Settings) -> Flask:
    return create_app(settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = response.get_json(force=True)
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_healthz_answers_without_storage(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url="postgresql://127.0.0.1:1/nothing"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_503_problem_free_json_when_postgis_is_unreachable(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url="postgresql://127.0.0.1:1/nothing"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_readyz_reports_layers_without_data(client: FlaskClient) -> None:
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready"
    assert "buildings" in body["layersWithoutData"]


def test_collections_list_every_public_layer_with_counts_after_demo(app: Flask, client: FlaskClient) -> None:
    load_demo(app.extensions["geohub"])
    body = client.get("/collections").get_json()
    counts = {layer["id"]: layer["featureCount"] for layer in body["collections"]}
    assert counts["buildings"] == 8061
    assert counts["reports"] == 0  # published from the reports records: none in the demo
    assert all(count > 0 for layer_id, count in counts.items() if layer_id != "reports")
    assert client.get("/").get_json()["attribution"] == "© OpenStreetMap contributors, ODbL"
    assert client.get("/readyz").get_json()["layersWithoutData"] == []


@pytest.mark.parametrize(
    ("header", "title"),
    [
        ("kk", "Жер кадастры (жер учаскелері)"),
        ("ru-RU,ru;q=0.9", "Земельный кадастр (земельные участки)"),
        ("de", "Land cadastre (land parcels)"),
        ("en;q=0.1, kk;q=0.8", "Жер кадастры (жер учаскелері)"),
    ],
)
def test_collections_speak_the_accept_language(client: FlaskClient, header: str, title: str) -> None:
    response = client.get("/collections", headers={"Accept-Language": header})
    titles = {layer["id"]: layer["title"] for layer in response.get_json()["collections"]}
    assert titles["cadastre"] == title


def test_unknown_path_is_404_problem(client: FlaskClient) -> None:
    body = assert_problem(client.get("/no/such/page"), 404)
    assert body["instance"] == "/no/such/page"


def test_wrong_method_is_405_problem_with_allow(client: FlaskClient) -> None:
    response = client.delete("/healthz")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_500_problem_without_internals(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("secret connection string postgresql://user:pw@db")

    response = app.test_client().get("/explode", headers={"X-Request-ID": "req-42"})
    body = assert_problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert body["requestId"] == "req-42"


def test_request_id_is_echoed_or_made(client: FlaskClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert made and made != "<script>"


def test_request_is_logged_as_one_json_line(client: FlaskClient) -> None:
    stream = io.StringIO()
    handler = logging.getLogger("geohub").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    client.get("/healthz", headers={"X-Request-ID": "log-test"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if "log-test" in line]
    assert lines and lines[-1]["status"] == 200 and lines[-1]["path"] == "/healthz"
    assert "duration_ms" in lines[-1]
