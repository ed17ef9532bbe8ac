"""The embedded store keeps the tile index of each layer's published version only: an old
version's index is released when another is published or the version is dropped; an item edit
patches the index it changed in place."""

from __future__ import annotations

from pathlib import Path

import mapbox_vector_tile
import morecantile
import shapely

from geohub.storage.base import Feature, FeatureTable, TileLayerRequest, TileRequest
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


def _names_in_tile(store: GeopackageStore) -> dict[str, str | None]:
    """osm_ref -> name of the buildings in the z12 tile over the first of building_features()."""
    point = shapely.point_on_surface(shapely.from_wkb(building_features(1)[0].geometry))
    tile = morecantile.tms.get("WebMercatorQuad").tile(point.x, point.y, 12)
    z, x, y = tile.z, tile.x, tile.y
    layers = (TileLayerRequest(BUILDINGS, "buildings", ("osm_ref", "name")),)
    data = store.render_tile(TileRequest(z, x, y, tile_bounds_3857(z, x, y), layers))
    decoded = mapbox_vector_tile.decode(data) if data else {}
    features = decoded.get("buildings", {}).get("features", [])
    return {f["properties"]["osm_ref"]: f["properties"].get("name") for f in features}


def _edit_table(features: list[Feature]) -> FeatureTable:
    geometries = shapely.from_wkb([f.geometry for f in features])
    return FeatureTable(
        geometries, {a.name: [f.properties.get(a.name) for f in features] for a in BUILDINGS.attributes}
    )


def test_an_item_edit_patches_the_index_instead_of_building_it_again(tmp_path: Path) -> None:
    store = GeopackageStore(tmp_path / "store.gpkg")
    features = building_features(200)
    try:
        version = store.write_version(BUILDINGS, features).version
        before = _names_in_tile(store)
        shown = sorted(before)
        assert len(shown) > 10
        built = store._tile_indexes._indexes[BUILDINGS.id][2]
        renamed = next(f for f in features if f.id == shown[0])
        gone = shown[1]
        edit = store.edit_version(
            BUILDINGS,
            version,
            _edit_table([Feature(renamed.id, renamed.geometry, {**renamed.properties, "name": "Жаңа"})]),
            [gone],
        )
        assert edit is not None
        after = _names_in_tile(store)
        index = store._tile_indexes._indexes[BUILDINGS.id][2]
        assert index.tree is built.tree and index.hidden is not None  # patched, not built again
        assert after == {k: v for k, v in before.items() if k != gone} | {renamed.id: "Жаңа"}
        store.publish_version(BUILDINGS.id, version)  # a rollback inside the chain patches back
        assert _names_in_tile(store) == before
        assert store._tile_indexes._indexes[BUILDINGS.id][2].tree is built.tree
    finally:
        store.close()


def test_an_index_patched_with_many_rows_is_built_again(tmp_path: Path) -> None:
    store = GeopackageStore(tmp_path / "store.gpkg")
    features = building_features(200)
    try:
        version = store.write_version(BUILDINGS, features).version
        _names_in_tile(store)
        built = store._tile_indexes._indexes[BUILDINGS.id][2]
        edit = store.edit_version(BUILDINGS, version, _edit_table(features[:20]), [])  # 10 % > 5 %
        assert edit is not None
        _names_in_tile(store)
        index = store._tile_indexes._indexes[BUILDINGS.id][2]
        assert index.tree is not built.tree and index.hidden is None
    finally:
        store.close()
