"""The file of the publisher's flow (scenarios/publish.cjs): the demo's real waste points
(data/almaty/landfills.gpkg) as a department would send them back, a zipped Shapefile written by
GDAL, which cuts `recycling_type` to `recycling_` (10 characters). Against the published layer it
removes the first point, changes the others (each now has a recycling type) and adds one; one more
row, a point in Bishkek, is invalid (outside the city)."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from geohub.settings import PROJECT_ROOT

DEMO_FILE = PROJECT_ROOT / "data" / "almaty" / "landfills.gpkg"
WASTE_SQL = (  # as the layer's source reads it (layers/waste_points.yaml)
    "SELECT substr(osm_type, 1, 1) || osm_id AS osm_ref, class, name, operator, geom "
    "FROM waste_points ORDER BY osm_type, osm_id"
)
TYPES = ("container", "centre")
NEW_KEY = "n990000001"  # a point the city adds
NEW_POINT = shapely.Point(76.9286, 43.2389)
STRAY_KEY = "n990000002"  # a point in Bishkek, far outside the city: an invalid row
STRAY_POINT = shapely.Point(74.6, 42.87)
FILE_NAME = "waste-points-2026.zip"


def waste_points_shapefile(folder: Path) -> tuple[Path, dict[str, list[str]]]:
    """The zipped Shapefile and what it does: the keys it removes, changes and adds."""
    meta, _, wkb, values = pyogrio.raw.read(DEMO_FILE, sql=WASTE_SQL, sql_dialect="SQLITE")
    columns = {name: list(column.tolist()) for name, column in zip(meta["fields"], values, strict=True)}
    geometries = list(shapely.from_wkb(wkb))
    removed = columns["osm_ref"][0]
    kept = {name: column[1:] for name, column in columns.items()}
    kept["osm_ref"] += [NEW_KEY, STRAY_KEY]
    kept["class"] += ["recycling", "recycling"]
    kept["name"] += ["Пункт приёма вторсырья", "Пункт в Бишкеке"]
    kept["operator"] += ["Тазалық", "Тазалық"]
    kept["recycling_type"] = [TYPES[i % 2] for i in range(len(kept["osm_ref"]))]
    points = [*geometries[1:], NEW_POINT, STRAY_POINT]
    shapes = folder / "waste_points_2026"
    shapes.mkdir()
    names = list(kept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL says it cut the field name: that is the point
        pyogrio.raw.write(
            shapes / "points.shp",
            shapely.to_wkb(np.array(points, dtype=object)),
            [np.array(kept[name], dtype=object) for name in names],
            names,
            driver="ESRI Shapefile",
            geometry_type="Point",
            crs="EPSG:4326",
            encoding="UTF-8",
        )
    assert "recycling_" in pyogrio.read_info(shapes / "points.shp")["fields"]
    archive = folder / FILE_NAME
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(shapes.glob("points.*")):
            bundle.write(part, part.name)
    changes = {"removed": [removed], "changed": kept["osm_ref"][:-2], "added": [NEW_KEY]}
    return archive, changes


def build(folder: Path) -> dict[str, str]:
    """The publisher flow's file, by name."""
    archive, _ = waste_points_shapefile(folder)
    return {"wastePointsShapefile": str(archive)}
