"""Publishing a layer drops exactly the cached tiles its changed features touch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyogrio
import shapely

from geohub.app import create_app
from geohub.cli import load_demo
from geohub.settings import PROJECT_ROOT, Settings
from geohub.tiles.tms import WEB_MERCATOR_QUAD

ALMATY_NODE = "n26544289"  # the place "Алматы"


def _place_location(data_dir: Path) -> tuple[float, float]:
    meta, _, wkb, fields = pyogrio.raw.read(data_dir / "districts.gpkg", layer="places")
    osm_ids = fields[list(meta["fields"]).index("osm_id")].tolist()
    point = shapely.from_wkb(wkb[osm_ids.index(int(ALMATY_NODE[1:]))])
    return point.x, point.y


def _move_place(data_dir: Path, dx: float) -> None:
    path = data_dir / "districts.gpkg"
    meta, _, wkb, fields = pyogrio.raw.read(path, layer="places")
    osm_ids = fields[list(meta["fields"]).index("osm_id")].tolist()
    geometries = list(shapely.from_wkb(wkb))
    i = osm_ids.index(int(ALMATY_NODE[1:]))
    geometries[i] = shapely.Point(geometries[i].x + dx, geometries[i].y)
    pyogrio.raw.write(
        path,
        shapely.to_wkb(geometries),
        list(fields),
        list(meta["fields"]),
        layer="places",
        driver="GPKG",
        geometry_type="Point",
        crs="EPSG:4326",
        append=False,
    )


def test_publishing_drops_only_the_tiles_the_change_touches(settings: Settings, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "almaty", data_dir)
    settings = settings.model_copy(update={"demo_data_dir": data_dir})
    app = create_app(settings)
    load_demo(app.extensions["geohub"])
    client = app.test_client()
    lon, lat = _place_location(data_dir)
    near = WEB_MERCATOR_QUAD.tile(lon, lat, 14)
    far = WEB_MERCATOR_QUAD.tile(76.80, 43.35, 14)
    for tile in (near, far):
        assert client.get(f"/tiles/places/14/{tile.x}/{tile.y}.mvt").status_code in (200, 204)
    cache = app.extensions["geohub.tiles"].cache
    assert cache.read("places", "public", 14, near.x, near.y) is not None
    assert cache.read("places", "public", 14, far.x, far.y) is not None

    _move_place(data_dir, dx=0.0005)
    load_demo(app.extensions["geohub"])

    assert cache.read("places", "public", 14, near.x, near.y) is None
    assert cache.read("places", "public", 14, far.x, far.y) is not None
    moved = client.get(f"/tiles/places/14/{near.x}/{near.y}.mvt")
    assert moved.status_code == 200
