"""Where the contract leaves a choice, both backends must still make the same one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from geohub.storage.base import FeatureQuery, FeatureStore, SortKey
from geohub.storage.geopackage import GeopackageStore
from geohub.storage.postgis import PostgisStore
from tests.storage.conftest import BUILDINGS, SAMPLES, building_sample, ids_of, read_all, typed_samples


@pytest.fixture
def both(tmp_path: Path, postgis_url: str) -> Iterator[dict[str, FeatureStore]]:
    """An empty store on each backend, side by side."""
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS geohub CASCADE")
    stores: dict[str, FeatureStore] = {
        "geopackage": GeopackageStore(tmp_path / "geohub.gpkg"),
        "postgis": PostgisStore(postgis_url),
    }
    yield stores
    for store in stores.values():
        store.close()


@pytest.mark.parametrize("ascending", [True, False], ids=["ascending", "descending"])
def test_both_backends_sort_nulls_to_the_same_end(both: dict[str, FeatureStore], ascending: bool) -> None:
    features = building_sample()
    nulls = {f.id for f in features if f.properties["street"] is None}
    orders = {}
    for backend, store in both.items():
        store.write_version(BUILDINGS, features)
        query = FeatureQuery(sort=(SortKey("street", ascending),))
        orders[backend] = ids_of(read_all(store, BUILDINGS, query))

    where_nulls_go = {b: "first" if order[0] in nulls else "last" for b, order in orders.items()}
    assert len(set(where_nulls_go.values())) == 1, f"NULLs go: {where_nulls_go}"
    assert orders["geopackage"] == orders["postgis"]


def test_both_backends_return_the_same_properties(both: dict[str, FeatureStore]) -> None:
    features, _ = typed_samples()
    got = {}
    for backend, store in both.items():
        store.write_version(SAMPLES, features)
        got[backend] = {f.id: f.properties for f in read_all(store, SAMPLES)}

    differences = {i: (p, got["postgis"][i]) for i, p in got["geopackage"].items() if p != got["postgis"][i]}
    assert differences == {}
