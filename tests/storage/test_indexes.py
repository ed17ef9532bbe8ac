"""Attributes marked `indexed` get an index in the stored version, on both backends."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from geohub.storage.base import FeatureStore
from geohub.storage.geopackage import GeopackageStore
from tests.storage.conftest import Dataset


def _indexed_columns(store: FeatureStore, table: str, request: pytest.FixtureRequest) -> set[str]:
    if isinstance(store, GeopackageStore):
        with sqlite3.connect(store.path) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
                )
            ]
            return {c for n in names for (_, _, c) in conn.execute(f'PRAGMA index_info("{n}")')}
    with psycopg.connect(request.getfixturevalue("postgis_url")) as conn:
        rows = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'geohub' AND tablename = %s", (table,)
        ).fetchall()
    return {definition.rsplit("(", 1)[1].rstrip(")").strip('"') for (definition,) in rows}


def test_indexed_attributes_have_an_index(
    store: FeatureStore, buildings: Dataset, request: pytest.FixtureRequest
) -> None:
    marked = tuple(
        a.model_copy(update={"indexed": True}) if a.name == "building" else a
        for a in buildings.layer.attributes
    )
    layer = buildings.layer.model_copy(update={"attributes": marked})
    version = store.write_version(layer, buildings.features)
    columns = _indexed_columns(store, f"{layer.id}_v{version.version}", request)
    assert {"building", "osm_ref"} <= columns
    assert "name" not in columns
