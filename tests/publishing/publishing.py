"""Shared pieces of the publishing tests: an app with two departments' publishers, and a
department's edited copy of the real cadastre layer written as a zipped Shapefile in UTM 43N."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import morecantile
import numpy as np
import pyogrio
import shapely
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Transformer

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.publishing.service import ImportService
from geohub.publishing.sync import sync_layer
from geohub.settings import Settings
from tests.conftest import DEMO_DATA

LAYER = "cadastre"  # department land_relations
CADASTRE_SQL = (
    "SELECT substr(osm_type, 1, 1) || osm_id AS osm_ref, class AS land_use, name, name_kk, name_ru, name_en, "
    "operator, geom FROM landuse"
)
SHAPE_FIELDS = ["osm_ref", "land_use", "name", "name_kk", "name_ru", "name_en", "operator"]


@dataclass
class PublishingApp:
    app: Flask
    client: FlaskClient
    tokens: dict[str, str]

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def publishing_app(settings: Settings) -> Iterator[PublishingApp]:
    """An app with districts and the cadastre synced from the demo data, and four accounts:
    an admin, the land-relations publisher aigerim, the natural-resources publisher dana and
    the moderator marat."""
    app = create_app(settings.model_copy(update={"log_level": "WARNING"}))
    services = app.extensions["geohub"]
    service = ImportService(services, app.extensions["geohub.tiles"].drop_changed_tiles)
    for layer_id in ("districts", LAYER):
        sync_layer(service, services.registry.get(layer_id), services.settings.demo_data_dir)
    accounts = Accounts(services.records)
    accounts.add_user("admin", role=Role.admin, department=None)
    accounts.add_user("aigerim", role=Role.publisher, department="land_relations")
    accounts.add_user("dana", role=Role.publisher, department="natural_resources")
    accounts.add_user("marat", role=Role.moderator, department=None)
    tokens = {name: accounts.create_token(name) for name in ("admin", "aigerim", "dana", "marat")}
    yield PublishingApp(app, app.test_client(), tokens)
    services.close()


def cadastre_rows() -> tuple[list[shapely.Geometry], dict[str, list[Any]]]:
    """The demo cadastre as its source gives it: geometries (lon/lat) and columns."""
    meta, _, wkb, values = pyogrio.raw.read(
        DEMO_DATA / "landuse.gpkg", sql=CADASTRE_SQL, sql_dialect="SQLITE"
    )
    columns = {name: list(column.tolist()) for name, column in zip(meta["fields"], values, strict=True)}
    return list(shapely.from_wkb(wkb)), columns


@dataclass(frozen=True)
class Edits:
    changed: list[str]  # keys whose land_use became "allotments"
    removed: list[str]
    added: str  # a new valid parcel
    invalid: dict[str, str]  # key -> what is wrong


def edited_cadastre() -> tuple[list[shapely.Geometry], dict[str, list[Any]], Edits]:
    """The department's new cadastre: 3 changed, 5 removed, 1 added, and 4 invalid rows."""
    geometries, columns = cadastre_rows()
    keys = columns["osm_ref"]
    changed, removed = keys[:3], keys[-5:]
    for i in range(3):
        columns["land_use"][i] = "allotments"
    keep = len(keys) - 5
    geometries = geometries[:keep]
    columns = {name: values[:keep] for name, values in columns.items()}
    near_centre = shapely.multipolygons([shapely.box(76.945, 43.238, 76.946, 43.239)])

    def add(key: str, geometry: shapely.Geometry, land_use: str | None) -> None:
        geometries.append(geometry)
        for name in columns:
            columns[name].append({"osm_ref": key, "land_use": land_use}.get(name))

    add("w900000001", near_centre, "park")
    add("w900000002", near_centre, None)  # land_use is required
    add("w900000003", shapely.multipolygons([shapely.box(74.6, 42.87, 74.61, 42.88)]), "park")  # Bishkek
    add("w900000004", near_centre, "park")  # twice
    add("w900000004", near_centre, "forest")
    invalid = {
        "w900000002": "land_use",
        "w900000003": "geometry",
        "w900000004": "osm_ref",
    }
    return geometries, columns, Edits(changed, removed, "w900000001", invalid)


def zipped_shapefile(
    folder: Path, geometries: list[shapely.Geometry], columns: dict[str, list[Any]], *, epsg: int = 32643
) -> Path:
    """The rows as a Shapefile in EPSG:`epsg` (with its .prj), zipped as departments send them."""
    transformer = Transformer.from_crs(4326, epsg, always_xy=True)
    projected = shapely.transform(
        np.array(geometries, dtype=object),
        lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])),
    )
    shp = folder / "parcels.shp"
    pyogrio.raw.write(
        shp,
        shapely.to_wkb(projected),
        [np.array(columns[name], dtype=object) for name in SHAPE_FIELDS],
        SHAPE_FIELDS,
        driver="ESRI Shapefile",
        geometry_type="MultiPolygon",
        crs=f"EPSG:{epsg}",
        encoding="UTF-8",
    )
    archive = folder / "cadastre-update.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for part in sorted(folder.glob("parcels.*")):
            bundle.write(part, f"cadastre/{part.name}")
    return archive


def tile_properties(
    client: FlaskClient, layer_id: str, lon: float, lat: float, z: int = 15
) -> list[dict[str, Any]]:
    """The properties of every feature of `layer_id` in the tile holding lon/lat."""
    tile = morecantile.tms.get("WebMercatorQuad").tile(lon, lat, z)
    response = client.get(f"/collections/{layer_id}/tiles/WebMercatorQuad/{z}/{tile.y}/{tile.x}")
    assert response.status_code in (200, 204), response.data
    if not response.data:
        return []
    decoded = mapbox_vector_tile.decode(response.data)
    return [feature["properties"] for layer in decoded.values() for feature in layer["features"]]
