"""Proposal files as departments send them: GeoJSON, GeoPackage and a zipped Shapefile (whose
column names are cut to 10 characters), all holding the same street trees of Almaty."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely

TREES = 6
SPECIES = ["oak", "elm", "maple"]


def tree_rows() -> tuple[list[shapely.Geometry], dict[str, list[Any]]]:
    """Six trees near the centre: a unique key, text, numbers, a sometimes-empty column."""
    geometries = [shapely.Point(76.94 + i * 0.001, 43.25 + i * 0.0005) for i in range(TREES)]
    columns: dict[str, list[Any]] = {
        "tree_id": [f"T{i:03d}" for i in range(TREES)],
        "Species": [SPECIES[i % 3] for i in range(TREES)],
        "height_m": [3.5 + i for i in range(TREES)],
        "planted": [2000 + i for i in range(TREES)],
        "inspector_note": [None if i % 2 else f"checked {i}" for i in range(TREES)],
    }
    return geometries, columns


def geojson_file(folder: Path, name: str = "street_trees.geojson") -> Path:
    geometries, columns = tree_rows()
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geometry),
            "properties": {key: values[i] for key, values in columns.items()},
        }
        for i, geometry in enumerate(geometries)
    ]
    path = folder / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def geopackage_file(folder: Path, name: str = "street_trees.gpkg") -> Path:
    geometries, columns = tree_rows()
    path = folder / name
    _write(path, geometries, columns, driver="GPKG", layer="trees")
    return path


def zipped_shapefile(folder: Path, name: str = "street_trees.zip") -> Path:
    """The trees as a zipped Shapefile: `inspector_note` becomes `inspector_` (10 characters)."""
    geometries, columns = tree_rows()
    shapes = folder / "shp"
    shapes.mkdir(exist_ok=True)
    _write(shapes / "trees.shp", geometries, columns, driver="ESRI Shapefile")
    path = folder / name
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(shapes.iterdir()):
            archive.write(part, part.name)
    return path


def lines_file(folder: Path) -> Path:
    """Two short paths (a layer of lines)."""
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[76.9 + i * 0.01, 43.2], [76.91 + i * 0.01, 43.21]],
            },
            "properties": {"path_id": f"P{i}"},
        }
        for i in range(2)
    ]
    path = folder / "paths.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _write(
    path: Path, geometries: list[shapely.Geometry], columns: dict[str, list[Any]], **options: Any
) -> None:
    arrays = [
        np.array(
            values, dtype=type(next(v for v in values if v is not None)) if None not in values else object
        )
        for values in columns.values()
    ]
    with warnings.catch_warnings():  # GDAL says it cut a Shapefile's long names: that is the point
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.raw.write(
            path,
            shapely.to_wkb(np.array(geometries, dtype=object)),
            arrays,
            list(columns),
            geometry_type="Point",
            crs="EPSG:4326",
            encoding="UTF-8",
            **options,
        )
