"""A proposal's file read through the upload reader: its columns, their types, the suggested definition."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from geohub.errors import InvalidDataError
from geohub.layers.models import Department, GeometryType, Text
from geohub.proposals.inference import file_summary, geometry_type, slug, suggested_definition
from geohub.sources.read import read_upload
from tests.proposals.files import TREES, geojson_file, geopackage_file, lines_file, zipped_shapefile

DEPARTMENT = Department(id="natural_resources", name=Text(kk="Табиғат", ru="Природа", en="Nature"))
FORMATS: dict[str, Callable[[Path], Path]] = {
    "geojson": geojson_file,
    "geopackage": geopackage_file,
    "shapefile": zipped_shapefile,
}


def _read(path: Path) -> tuple[dict, dict]:
    data = read_upload(path, filename=path.name)
    summary = file_summary(data, path.name)
    geometry = geometry_type(data, path.name)
    return summary, suggested_definition(summary, geometry, DEPARTMENT)


@pytest.mark.parametrize("kind", FORMATS)
def test_columns_come_with_types_inferred_from_their_values(kind: str, tmp_path: Path) -> None:
    summary, _ = _read(FORMATS[kind](tmp_path))
    columns = {c["name"]: c for c in summary["columns"]}
    note = "inspector_" if kind == "shapefile" else "inspector_note"  # a Shapefile's 10-character cut
    assert list(columns) == ["tree_id", "Species", "height_m", "planted", note]
    assert {name: c["type"] for name, c in columns.items()} == {
        "tree_id": "string",
        "Species": "string",
        "height_m": "number",
        "planted": "integer",
        note: "string",
    }
    assert columns[note]["nulls"] == TREES // 2
    assert columns["tree_id"]["unique"] and not columns["Species"]["unique"]
    assert columns["Species"]["samples"] == ["oak", "elm", "maple"]
    assert summary["features"] == TREES
    assert summary["bbox"][0] == pytest.approx(76.94)


@pytest.mark.parametrize("kind", FORMATS)
def test_the_suggested_definition_keeps_the_file_columns_as_attributes(kind: str, tmp_path: Path) -> None:
    _, definition = _read(FORMATS[kind](tmp_path))
    note = "inspector_" if kind == "shapefile" else "inspector_note"
    attributes = {a["name"]: a for a in definition["attributes"]}
    assert list(attributes) == ["tree_id", "species", "height_m", "planted", note]
    assert attributes["species"]["column"] == "Species"  # a GeoJSON key is kept, named as a slug
    assert attributes[note]["column"] == note and not attributes[note]["required"]
    assert definition["key"] == "tree_id" and attributes["tree_id"]["required"]
    assert definition["geometry_type"] == "Point"
    assert definition["style"]["template"] == "points"
    assert definition["id"] == "street_trees"
    assert definition["title"]["kk"] == "" and definition["title"]["en"] == "Street trees"


def test_lines_are_drawn_with_the_lines_template(tmp_path: Path) -> None:
    summary, definition = _read(lines_file(tmp_path))
    assert definition["geometry_type"] == str(GeometryType.linestring)
    assert definition["style"]["template"] == "lines"
    assert summary["columns"][0]["unique"] and definition["key"] == "path_id"


def test_a_file_mixing_points_and_lines_is_refused(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [76.9, 43.2]},
            "properties": {"a": 1},
        },
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[76.9, 43.2], [76.91, 43.21]]},
            "properties": {"a": 2},
        },
    ]
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(InvalidDataError, match="mixes geometry types"):
        _read(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Street Trees 2024", "street_trees_2024"),
        ("Деревья", "derevya"),
        ("Ағаштар", "agashtar"),
        ("2024", "layer_2024"),
    ],
)
def test_ids_are_slugs_of_the_file_name(text: str, expected: str) -> None:
    assert slug(text) == expected
