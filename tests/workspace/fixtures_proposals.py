"""The file a department proposes a new layer from (scenarios/proposals.cjs): the demo's real
waste points (data/almaty/landfills.gpkg), written as a GeoJSON of recycling containers with their
own column names, so the proposal's schema, key and types are inferred from a real file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from pyogrio.raw import read

from geohub.settings import PROJECT_ROOT

DEMO_FILE = PROJECT_ROOT / "data" / "almaty" / "landfills.gpkg"
FILE_NAME = "recycling_containers.geojson"  # GeoHub suggests the layer id from it


def recycling_containers() -> dict[str, Any]:
    """The demo's waste points as a FeatureCollection: ref (unique, never empty), kind,
    osm_id (a whole number) and name (mostly empty)."""
    meta, _, geometries, values = read(DEMO_FILE, layer="waste_points")
    columns = dict(zip(meta["fields"], values, strict=True))
    features = []
    for index, wkb in enumerate(geometries):
        point = shapely.from_wkb(wkb)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(point.x, 7), round(point.y, 7)]},
                "properties": {
                    "ref": f"{columns['osm_type'][index][:1]}{columns['osm_id'][index]}",
                    "kind": columns["class"][index],
                    "osm_id": int(columns["osm_id"][index]),
                    "name": columns["name"][index],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def build(folder: Path) -> dict[str, str]:
    """Write the GeoJSON into `folder`; name -> path for the scenarios."""
    path = folder / FILE_NAME
    path.write_text(json.dumps(recycling_containers(), ensure_ascii=False), encoding="utf-8")
    return {"recyclingContainers": str(path)}
