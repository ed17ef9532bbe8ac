"""Validation of mapped rows: every rule names the row and the reason; valid rows pass through."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely

from geohub.errors import InvalidDataError
from geohub.etl.validate import validate_rows
from geohub.layers.models import LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.messages import tr
from geohub.settings import EtlSettings

CITY = EtlSettings().city_bounds
SQUARE = shapely.box(76.90, 43.20, 76.901, 43.201)
BOWTIE = shapely.Polygon([(76.90, 43.20), (76.91, 43.21), (76.91, 43.20), (76.90, 43.21), (76.90, 43.20)])


def _validate(
    layer: LayerDefinition, geometries: list[Any], repair: bool = True, **columns: list[Any]
) -> Any:
    return validate_rows(
        layer,
        np.array(geometries, dtype=object),
        columns,
        row_labels=[tr("feature {number}", number=i + 1) for i in range(len(geometries))],
        read_problems={},
        city_bounds=CITY,
        repair=repair,
    )


@pytest.fixture
def cadastre(registry: LayerRegistry) -> LayerDefinition:
    return registry.get("cadastre")  # key osm_ref; land_use required; MultiPolygon


@pytest.fixture
def addresses(registry: LayerRegistry) -> LayerDefinition:
    return registry.get("addresses")  # Point; origin allowed: node, building


def test_valid_rows_pass_with_single_polygons_promoted(cadastre: LayerDefinition) -> None:
    result = _validate(
        cadastre, [SQUARE, shapely.multipolygons([SQUARE])], osm_ref=["w1", "w2"], land_use=["park"] * 2
    )
    assert result.problems == [] and len(result.table) == 2
    assert set(shapely.get_type_id(result.table.geometries).tolist()) == {6}


def test_each_broken_rule_names_its_row_and_reason(cadastre: LayerDefinition) -> None:
    far = shapely.box(10.0, 10.0, 10.001, 10.001)
    result = _validate(
        cadastre,
        [SQUARE, SQUARE, SQUARE, None, shapely.Point(76.9, 43.2), SQUARE, far, SQUARE],
        osm_ref=["w1", "w2", "w1", "w4", "w5", "w6", "w7", None],
        land_use=["park", None, "park", "park", "park", "park", "park", "park"],
        area_m2=[1.0, 2.0, 3.0, 4.0, 5.0, "big", 7.0, 8.0],
    )
    reasons = {(str(p.row), p.field): str(p.reason) for p in result.problems}
    assert reasons[("feature 2", "land_use")] == "is required"
    assert "appears more than once" in reasons[("feature 1", "osm_ref")]
    assert "first at feature 1" in reasons[("feature 3", "osm_ref")]
    assert reasons[("feature 4", "geometry")] == "has no geometry"
    assert reasons[("feature 5", "geometry")] == "is a Point, the layer holds MultiPolygon"
    assert "'big'" in reasons[("feature 6", "area_m2")]
    assert "outside the city" in reasons[("feature 7", "geometry")]
    assert reasons[("feature 8", "osm_ref")] == "is required"
    assert result.invalid_rows == 8 and len(result.table) == 0


def test_allowed_values_are_enforced(addresses: LayerDefinition) -> None:
    point = shapely.Point(76.95, 43.25)
    result = _validate(
        addresses, [point, point], osm_ref=["n1", "n2"], housenumber=["1", "2"], origin=["node", "roof"]
    )
    assert [(str(p.row), p.field) for p in result.problems] == [("feature 2", "origin")]
    assert "'roof' is not one of node, building" in str(result.problems[0].reason)
    assert result.table.columns["osm_ref"] == ["n1"]


def test_invalid_geometry_is_repaired_or_refused_as_asked(cadastre: LayerDefinition) -> None:
    repaired = _validate(cadastre, [BOWTIE], osm_ref=["w1"], land_use=["park"])
    assert repaired.problems == [] and list(map(str, repaired.repaired_rows)) == ["feature 1"]
    assert shapely.is_valid(repaired.table.geometries).all()
    refused = _validate(cadastre, [BOWTIE], repair=False, osm_ref=["w1"], land_use=["park"])
    assert refused.problems[0].field == "geometry"
    assert str(refused.problems[0].reason).startswith("has an invalid geometry: Self-intersection")


def test_coordinates_far_outside_the_city_mean_a_wrong_crs(cadastre: LayerDefinition) -> None:
    metres = shapely.box(600_000, 4_780_000, 600_010, 4_780_010)  # UTM read as if it were degrees
    with pytest.raises(InvalidDataError, match="coordinate reference system is probably wrong"):
        _validate(cadastre, [metres, metres], osm_ref=["w1", "w2"], land_use=["park", "park"])


def test_values_are_coerced_to_the_attribute_types(cadastre: LayerDefinition) -> None:
    result = _validate(
        cadastre, [SQUARE, SQUARE], osm_ref=[1, 2], land_use=["park", "park"], area_m2=["12.5", None]
    )
    assert result.problems == []
    assert result.table.columns["osm_ref"] == ["1", "2"]
    assert result.table.columns["area_m2"] == [12.5, None]


def test_nan_is_no_value_and_infinity_is_a_problem(cadastre: LayerDefinition) -> None:
    result = _validate(
        cadastre,
        [SQUARE, SQUARE],
        osm_ref=["w1", "w2"],
        land_use=["park", "park"],
        area_m2=[float("nan"), float("inf")],
    )
    assert [(str(p.row), p.field) for p in result.problems] == [("feature 2", "area_m2")]
    assert result.table.columns["area_m2"] == [None]


@pytest.mark.parametrize("blank", ["", "   ", "\t\n", None])
def test_an_empty_key_is_an_invalid_row(cadastre: LayerDefinition, blank: Any) -> None:
    result = _validate(cadastre, [SQUARE, SQUARE], osm_ref=["w1", blank], land_use=["park"] * 2)
    assert [(str(p.row), p.field) for p in result.problems] == [("feature 2", "osm_ref")]
    expected = "is required" if blank is None else "is empty: every row needs a key"
    assert str(result.problems[0].reason) == expected
    assert result.table.columns["osm_ref"] == ["w1"]


def _decoded(geometries: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Geometries as a reader gives them: decoded from WKB, with the WKB kept."""
    wkbs = np.array([shapely.to_wkb(g) for g in geometries], dtype=object)
    return shapely.from_wkb(wkbs), wkbs


def test_the_source_wkb_is_kept_where_validation_leaves_a_geometry_as_it_was(
    cadastre: LayerDefinition,
) -> None:
    multi = shapely.multipolygons([SQUARE])
    geometries, wkbs = _decoded([multi, SQUARE, BOWTIE, multi])
    result = validate_rows(
        cadastre,
        geometries,
        {"osm_ref": ["w1", "w2", "w3", None], "land_use": ["park"] * 4},
        row_labels=[tr("feature {number}", number=i + 1) for i in range(4)],
        read_problems={},
        city_bounds=CITY,
        repair=True,
        source_wkbs=wkbs,
    )
    table = result.table
    assert len(table) == 3  # the fourth has no key
    assert table.known_wkbs is not None
    assert table.known_wkbs[0] is wkbs[0]  # untouched: the reader's own bytes
    assert table.known_wkbs[1] is not wkbs[1]  # promoted to a multipolygon, so encoded again
    assert table.wkbs.tolist() == shapely.to_wkb(table.geometries, include_srid=False).tolist()


def test_source_wkb_unlike_geos_s_is_not_kept(cadastre: LayerDefinition) -> None:
    geometries, wkbs = _decoded([shapely.multipolygons([SQUARE])] * 2)
    big_endian = np.array([shapely.to_wkb(g, byte_order=0) for g in geometries], dtype=object)
    result = validate_rows(
        cadastre,
        geometries,
        {"osm_ref": ["w1", "w2"], "land_use": ["park"] * 2},
        row_labels=[tr("feature {number}", number=i + 1) for i in range(2)],
        read_problems={},
        city_bounds=CITY,
        repair=True,
        source_wkbs=big_endian,
    )
    assert result.table.known_wkbs is None  # digests must not depend on how a reader writes WKB
    assert result.table.wkbs.tolist() == wkbs.tolist()
