"""Columns are never lost silently: on both backends, an upload whose columns fill no attribute
is reported with likely matches, publishing waits for a mapping or an ignore, a mapping keeps
the values, and a saved mapping applies to the layer's next upload."""

from __future__ import annotations

import json
import warnings
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pytest
import shapely

from geohub.publishing.imports import ImportRecord
from geohub.publishing.service import ImportService
from geohub.publishing.sync import SyncOutcome, sync_layer
from geohub.settings import Settings
from tests.conftest import DEMO_DATA
from tests.publishing.publishing import PublishingApp, publishing_app
from tests.test_cli import run_geohub

LAYER = "waste_points"  # department natural_resources: dana publishes it
WASTE_SQL = (
    "SELECT substr(osm_type, 1, 1) || osm_id AS osm_ref, class, name, name_kk, name_ru, name_en, "
    "recycling_type, operator, geom FROM waste_points"
)
TYPES = ["container", "centre"]


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    for published in publishing_app(settings):
        services = published.app.extensions["geohub"]
        service = ImportService(services, published.app.extensions["geohub.tiles"].drop_changed_tiles)
        sync_layer(service, services.registry.get(LAYER), services.settings.demo_data_dir)
        yield published


def waste_points() -> tuple[list[shapely.Geometry], dict[str, list[Any]]]:
    """The live layer's rows, each now with a recycling type and operator (the 2012 data has none)."""
    meta, _, wkb, values = pyogrio.raw.read(DEMO_DATA / "landfills.gpkg", sql=WASTE_SQL, sql_dialect="SQLITE")
    columns = {name: list(column.tolist()) for name, column in zip(meta["fields"], values, strict=True)}
    columns["recycling_type"] = [TYPES[i % 2] for i in range(len(wkb))]
    columns["operator"] = ["Тазалық" for _ in wkb]
    return list(shapely.from_wkb(wkb)), columns


def shapefile_zip(folder: Path, geometries: list[shapely.Geometry], columns: dict[str, list[Any]]) -> Path:
    """The rows as a zipped Shapefile written by GDAL, which cuts `recycling_type` to 10 characters."""
    names = list(columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL says it truncated the field name: that is the point
        pyogrio.raw.write(
            folder / "points.shp",
            shapely.to_wkb(np.array(geometries, dtype=object)),
            [np.array(columns[name], dtype=object) for name in names],
            names,
            driver="ESRI Shapefile",
            geometry_type="Point",
            crs="EPSG:4326",
            encoding="UTF-8",
        )
    archive = folder / "waste-points.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for part in sorted(folder.glob("points.*")):
            bundle.write(part, part.name)
    return archive


def geojson(folder: Path, properties: list[dict[str, Any]], geometries: list[shapely.Geometry]) -> Path:
    path = folder / "points.geojson"
    features = [
        {"type": "Feature", "properties": p, "geometry": json.loads(shapely.to_geojson(g))}
        for p, g in zip(properties, geometries, strict=True)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def upload(hub: PublishingApp, path: Path, user: str = "dana", language: str = "en", **fields: str) -> Any:
    with path.open("rb") as stream:
        return hub.client.post(
            f"/collections/{LAYER}/imports",
            data={"file": (stream, path.name), **fields},
            headers={**hub.headers(user), "Accept-Language": language},
            content_type="multipart/form-data",
        )


def publish(hub: PublishingApp, import_id: int, language: str = "en", **body: Any) -> Any:
    return hub.client.post(
        f"/collections/{LAYER}/imports/{import_id}/publish",
        json=body,
        headers={**hub.headers("dana"), "Accept-Language": language},
    )


def published_types(hub: PublishingApp) -> dict[str, Any]:
    items = hub.client.get(f"/collections/{LAYER}/items?f=json&limit=100").json
    return {f["properties"]["osm_ref"]: f["properties"].get("recycling_type") for f in items["features"]}


def test_truncated_shapefile_column_is_reported_refused_then_mapped(
    hub: PublishingApp, tmp_path: Path
) -> None:
    geometries, columns = waste_points()
    archive = shapefile_zip(tmp_path, geometries, columns)
    assert "recycling_" in pyogrio.read_info(tmp_path / "points.shp")["fields"]  # GDAL cut it

    staged = upload(hub, archive, language="ru")
    assert staged.status_code == 201, staged.json
    report = staged.json["columns"]
    assert report["unmapped"] == [
        {
            "column": "recycling_",
            "suggestions": [{"attribute": "recycling_type", "reason": "truncated", "distance": 4}],
            "message": report["unmapped"][0]["message"],
        }
    ]
    assert (
        "recycling_type" in report["unmapped"][0]["message"]
        and "Shapefile" in report["unmapped"][0]["message"]
    )
    assert (
        report["unmapped"][0]["message"]
        != report["unmapped"][0]["message"].encode("ascii", "ignore").decode()
    )
    assert report["unfilled"] == ["recycling_type"]
    assert report["needsMapping"] is True and report["savedMapping"] is False

    refused = publish(hub, staged.json["id"], language="kk")
    assert refused.status_code == 409
    assert refused.json["type"].endswith("/columns-need-mapping")
    assert [e["field"] for e in refused.json["errors"]] == ["recycling_"]
    assert "recycling_type" in refused.json["errors"][0]["message"]
    remap = publish(hub, staged.json["id"], mapping={"recycling_": "recycling_type"})
    assert remap.status_code == 409 and remap.json["type"].endswith("/mapping-needs-upload")
    assert set(published_types(hub).values()) == {None}  # nothing was published

    mapped = upload(hub, archive, mapping=json.dumps({"recycling_": "recycling_type"}), publish="true")
    assert mapped.status_code == 201, mapped.json
    assert mapped.json["status"] == "published", mapped.json["message"]
    columns_report = mapped.json["columns"]
    assert columns_report["mapping"] == {"recycling_": "recycling_type"}
    assert columns_report["unmapped"] == [] and columns_report["unfilled"] == []
    assert columns_report["needsMapping"] is False
    keys = columns["osm_ref"]
    assert published_types(hub) == dict(zip(keys, columns["recycling_type"], strict=True))
    again = hub.client.get(f"/collections/{LAYER}/imports/{staged.json['id']}", headers=hub.headers("dana"))
    assert again.json["columns"]["needsMapping"] is True  # the first import still says why it waits


def test_publish_at_upload_waits_for_a_mapping_and_says_why(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = waste_points()
    archive = shapefile_zip(tmp_path, geometries, columns)
    waiting = upload(hub, archive, publish="true", language="ru")
    assert waiting.status_code == 201
    assert waiting.json["status"] == "validated" and waiting.json["publishedVersion"] is None
    assert "recycling_" in waiting.json["message"] and "импорте" in waiting.json["message"]


def test_geojson_names_in_another_case_or_misspelt(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = waste_points()
    rows = [
        {"osm_ref": key, "class": kind, "Name": f"Пункт {i}", "operatr": "Тазалық", "remarks": "-"}
        for i, (key, kind) in enumerate(zip(columns["osm_ref"], columns["class"], strict=True))
    ]
    report = upload(hub, geojson(tmp_path, rows, geometries), dryRun="true").json["columns"]
    # one column in another case fills its attribute, and the report says so
    assert report["mapping"] == {"Name": "name"}
    unmapped = {u["column"]: u["suggestions"] for u in report["unmapped"]}
    assert unmapped == {
        "operatr": [{"attribute": "operator", "reason": "similar", "distance": 1}],
        "remarks": [],  # reported, but it looks like no attribute: it blocks nothing
    }
    assert report["needsMapping"] is True

    # two columns that differ only in case: neither is chosen silently
    twice = [{**row, "NAME": row["Name"]} for row in rows]
    (tmp_path / "twice").mkdir()
    report = upload(hub, geojson(tmp_path / "twice", twice, geometries), dryRun="true").json["columns"]
    unmapped = {u["column"]: u["suggestions"] for u in report["unmapped"]}
    assert unmapped["Name"] == unmapped["NAME"] == [{"attribute": "name", "reason": "case", "distance": 0}]
    assert "name" in report["unfilled"]


def test_ignore_lets_it_publish_and_is_reported(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = waste_points()
    rows = [
        {"osm_ref": key, "class": kind, "operatr": "Тазалық"}
        for key, kind in zip(columns["osm_ref"], columns["class"], strict=True)
    ]
    path = geojson(tmp_path, rows, geometries)
    staged = upload(hub, path)
    assert staged.json["status"] == "validated" and staged.json["columns"]["needsMapping"] is True
    published = publish(hub, staged.json["id"], ignore=["operatr"])
    assert published.status_code == 200, published.json
    assert published.json["status"] == "published"
    assert published.json["columns"]["ignored"] == ["operatr"]
    assert published.json["columns"]["unmapped"] == [] and published.json["columns"]["needsMapping"] is False

    (tmp_path / "again").mkdir()
    renamed = [{**row, "name": "x"} for row in rows]
    at_once = upload(hub, geojson(tmp_path / "again", renamed, geometries), ignore="operatr", publish="true")
    assert at_once.json["status"] == "published", at_once.json["message"]
    assert at_once.json["columns"]["ignored"] == ["operatr"]


def test_saved_mapping_applies_to_the_next_upload(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = waste_points()
    archive = shapefile_zip(tmp_path, geometries, columns)
    path = f"/collections/{LAYER}/mapping"
    assert hub.client.get(path, headers=hub.headers("dana")).json["mapping"] == {}
    assert hub.client.get(path).status_code == 401
    assert hub.client.get(path, headers=hub.headers("aigerim")).status_code == 403  # another department

    first = upload(
        hub, archive, mapping='{"recycling_": "recycling_type"}', saveMapping="true", dryRun="true"
    )
    assert first.json["columns"]["savedMapping"] is False
    saved = hub.client.get(path, headers=hub.headers("dana")).json
    assert saved["mapping"] == {"recycling_": "recycling_type"} and saved["updatedBy"] == "dana"

    later = upload(hub, archive, publish="true")
    assert later.json["status"] == "published", later.json["message"]
    assert later.json["columns"]["savedMapping"] is True
    assert later.json["columns"]["mapping"] == {"recycling_": "recycling_type"}
    assert set(published_types(hub).values()) == set(TYPES)

    put = hub.client.put(path, json={"mapping": {}, "ignore": ["recycling_"]}, headers=hub.headers("admin"))
    assert put.status_code == 200 and put.json["ignore"] == ["recycling_"]
    assert hub.client.delete(path, headers=hub.headers("dana")).status_code == 204
    assert hub.client.get(path, headers=hub.headers("dana")).json == {
        "layer": LAYER,
        "mapping": {},
        "ignore": [],
        "updatedAt": None,
        "updatedBy": None,
    }
    audit = hub.client.get(f"/admin/audit?layer={LAYER}", headers=hub.headers("admin"))
    assert {"mapping.saved", "mapping.deleted"} <= {e["action"] for e in audit.json["entries"]}


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"mapping": '{"recycling_": "recycling_kind"}'}, "recycling_kind"),
        ({"mapping": '{"recycling_": "name", "operatr": "name"}'}, "name"),
        ({"mapping": "recycling_=recycling_type"}, "JSON"),
        ({"mapping": '["recycling_"]'}, "mapping"),
        ({"mapping": '{"recycling_": "district"}'}, "district"),
        ({"ignore": '["recycling_"', "mapping": ""}, "ignore"),
        ({"mapping": '{"recycling_": "recycling_type"}', "ignore": "recycling_"}, "recycling_"),
    ],
)
def test_bad_mappings_are_problems_in_each_language(
    hub: PublishingApp, tmp_path: Path, fields: dict[str, str], says: str
) -> None:
    geometries, columns = waste_points()
    archive = shapefile_zip(tmp_path, geometries, columns)
    details = set()
    for language in ("kk", "ru", "en"):
        answer = upload(hub, archive, language=language, **fields)
        assert answer.status_code == 400, answer.json
        assert answer.content_type == "application/problem+json"
        problem = answer.json
        assert says in problem["detail"] + " ".join(e["message"] for e in problem.get("errors", []))
        details.add(problem["detail"])
    assert len(details) == 3  # said in each language
    history = hub.client.get(f"/collections/{LAYER}/imports", headers=hub.headers("dana")).json["imports"]
    assert all(record["source"] != archive.name for record in history)  # refused before any import


def test_a_mapping_names_a_column_the_file_lacks(hub: PublishingApp, tmp_path: Path) -> None:
    geometries, columns = waste_points()
    archive = shapefile_zip(tmp_path, geometries, columns)
    answer = upload(hub, archive, mapping='{"recycling_typ": "recycling_type"}', language="ru")
    assert answer.status_code == 400 and "recycling_typ" in answer.json["detail"]


def test_cli_maps_and_ignores_columns(settings: Settings, tmp_path: Path) -> None:
    assert run_geohub("etl", "sync", "districts", LAYER, settings=settings).returncode == 0
    geometries, columns = waste_points()
    archive = shapefile_zip(tmp_path, geometries, columns)
    waiting = run_geohub("etl", "import", LAYER, str(archive), "--publish", settings=settings)
    assert waiting.returncode == 0, waiting.stderr
    assert "validated" in waiting.stdout and "recycling_type" in waiting.stdout
    mapped = run_geohub(
        "etl",
        "import",
        LAYER,
        str(archive),
        "--map",
        "recycling_=recycling_type",
        "--publish",
        settings=settings,
    )
    assert mapped.returncode == 0, mapped.stderr
    assert "published" in mapped.stdout and "column recycling_ -> recycling_type" in mapped.stdout
    bad = run_geohub("etl", "import", LAYER, str(archive), "--map", "recycling_", settings=settings)
    assert bad.returncode == 2 and "COLUMN=ATTRIBUTE" in bad.stderr


def test_a_sync_waiting_for_a_mapping_is_held() -> None:
    """`geohub etl sync` exits 1 for a sync kept unpublished because its columns need a mapping."""
    columns = {"needsMapping": True, "unmapped": [], "unfilled": [], "mapping": {}, "ignored": []}
    record = ImportRecord(7, LAYER, "validated", datetime.now(UTC), report={"columns": columns})
    assert SyncOutcome(LAYER, record).held
    published = ImportRecord(8, LAYER, "published", datetime.now(UTC), report={"columns": columns})
    assert not SyncOutcome(LAYER, published).held
