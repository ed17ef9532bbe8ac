"""PostGIS tiles drawn from the versions the tile service names: the tables of those versions,
looked up once (no round trip per tile after that), and the published tables when a named
version cannot be found or its table is gone."""

from __future__ import annotations

import mapbox_vector_tile
import morecantile
import shapely

from geohub.storage.base import TileLayerRequest, TileRequest
from geohub.storage.postgis import PostgisStore
from geohub.storage.postgis_tiles import VersionTables
from geohub.tiles.tms import tile_bounds_3857
from tests.storage.conftest import BUILDINGS, building_features

FEATURES = building_features(40)


def _refs(store: PostgisStore, versions: tuple[tuple[str, int], ...] = ()) -> set[str]:
    """osm_ref of the buildings in the z12 tile over the first building, drawn of `versions`."""
    point = shapely.point_on_surface(shapely.from_wkb(FEATURES[0].geometry))
    tile = morecantile.tms.get("WebMercatorQuad").tile(point.x, point.y, 12)
    layers = (TileLayerRequest(BUILDINGS, "buildings", ("osm_ref",)),)
    request = TileRequest(
        tile.z, tile.x, tile.y, tile_bounds_3857(tile.z, tile.x, tile.y), layers, versions=versions
    )
    data = store.render_tile(request)
    decoded = mapbox_vector_tile.decode(data) if data else {}
    return {f["properties"]["osm_ref"] for f in decoded.get("buildings", {}).get("features", [])}


def test_a_tile_shows_the_versions_it_names_else_the_published_ones(postgis_store: PostgisStore) -> None:
    store = postgis_store
    old = store.write_version(BUILDINGS, FEATURES[:10])
    new = store.write_version(BUILDINGS, FEATURES[10:])
    in_old, in_new = (
        _refs(store, ((BUILDINGS.id, old.version),)),
        _refs(store, ((BUILDINGS.id, new.version),)),
    )
    assert in_old and in_new and not in_old & in_new
    assert _refs(store) == in_new  # no versions named: the published one
    assert _refs(store, ((BUILDINGS.id, 10_000),)) == in_new  # a version not found here
    assert _refs(store, (("another_layer", 3),)) == set()  # the tile's layer not named: nothing of it

    known = store._version_tables
    assert (BUILDINGS.id, old.version) in known._known
    store.publish_version(BUILDINGS.id, old.version)
    store.delete_version(BUILDINGS.id, new.version)  # its table dropped, still in the lookup
    assert _refs(store, ((BUILDINGS.id, new.version),)) == in_old  # the published table instead
    assert _refs(store, ((BUILDINGS.id, old.version),)) == in_old


def test_version_tables_are_read_once(postgis_store: PostgisStore) -> None:
    store = postgis_store
    version = store.write_version(BUILDINGS, FEATURES[:5])
    known = VersionTables()
    with store._connection() as conn:
        first = known.tables(conn, ((BUILDINGS.id, version.version),), [BUILDINGS.id])
        assert first is not None and first[BUILDINGS.id].table == f"{BUILDINGS.id}_v{version.version}"
        conn.close()  # a second lookup would fail now: it is answered from memory
        assert known.tables(conn, ((BUILDINGS.id, version.version),), [BUILDINGS.id]) == first
        assert known.tables(conn, (), [BUILDINGS.id]) is None
