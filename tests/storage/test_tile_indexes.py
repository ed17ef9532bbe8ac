"""The embedded store keeps the tile index of each layer's published version only: an old
version's index is released when another is published or the version is dropped."""

from __future__ import annotations

from pathlib import Path

from geohub.storage.base import TileLayerRequest, TileRequest
from geohub.storage.geopackage import GeopackageStore
from geohub.tiles.tms import tile_bounds_3857
from tests.storage.conftest import BUILDINGS, building_features

# a zoom-12 tile over central Almaty
TILE = (12, 2995, 1519)


def _tile(store: GeopackageStore) -> bytes:
    z, x, y = TILE
    layers = (TileLayerRequest(BUILDINGS, "buildings", ("osm_ref",)),)
    return store.render_tile(TileRequest(z, x, y, tile_bounds_3857(z, x, y), layers))


def test_thirty_publishes_keep_one_index(tmp_path: Path) -> None:
    store = GeopackageStore(tmp_path / "store.gpkg")
    features = building_features(200)
    try:
        for i in range(30):
            version = store.write_version(BUILDINGS, features[: 100 + i])
            _tile(store)
            # only the published version holds an index, built for its own table
            assert store._tile_indexes.tables() == {BUILDINGS.id: f"{BUILDINGS.id}_v{version.version}"}
        # a version written but not published leaves the live index alone
        store.write_version(BUILDINGS, features, publish=False)
        assert store._tile_indexes.tables() == {BUILDINGS.id: f"{BUILDINGS.id}_v30"}
        # publishing another releases the old index at once, before any tile is drawn
        store.publish_version(BUILDINGS.id, 29)
        assert store._tile_indexes.tables() == {}
        _tile(store)
        assert store._tile_indexes.tables() == {BUILDINGS.id: f"{BUILDINGS.id}_v29"}
        store.delete_version(BUILDINGS.id, 30)
        assert store._tile_indexes.tables() == {BUILDINGS.id: f"{BUILDINGS.id}_v29"}
    finally:
        store.close()
