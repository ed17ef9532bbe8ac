"""The OpenAPI document: valid, self-contained offline, and describing what GeoHub really serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from openapi_spec_validator import validate

from geohub.app import create_app
from geohub.settings import Settings


def _document(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    app = create_app(Settings(data_dir=tmp_path))
    response = app.test_client().get("/openapi")
    assert response.status_code == 200
    assert response.content_type == "application/vnd.oai.openapi+json;version=3.0"
    return dict(response.get_json())


def test_openapi_document_is_valid_openapi_30(tmp_path: Path) -> None:
    validate(_document(tmp_path))


def test_openapi_refers_to_nothing_on_other_hosts(tmp_path: Path) -> None:
    text = json.dumps(_document(tmp_path))
    assert re.findall(r'"\$ref": "https?://', text) == []


def test_openapi_documents_filter_sort_datetime_and_downloads(tmp_path: Path) -> None:
    document = _document(tmp_path)
    parameters = document["paths"]["/collections/buildings/items"]["get"]["parameters"]
    named = {p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in parameters}
    assert {"filter", "filter-lang", "datetime", "sortby", "limit", "bbox", "crs", "bbox-crs"} <= named
    assert "/collections/buildings/download.gpkg" in document["paths"]
    assert "/readyz" in document["paths"]
    assert not any(path.startswith("/jobs") or path.endswith("/schema") for path in document["paths"])
