"""Column analysis on its own: suggestions and their order, choices over saved ones, parsing."""

from __future__ import annotations

import pytest

from geohub.errors import InvalidRequestError
from geohub.etl.columns import ColumnChoices, edit_distance, match_columns, parse_choices, suggest
from geohub.layers.registry import LayerRegistry


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("recycling_", [("recycling_type", "truncated")]),
        ("Name", [("name", "case")]),
        ("operatr", [("operator", "similar")]),
        ("lan_use", [("land_use", "similar")]),
        ("name_de", []),  # two letters off a short name is another name
        ("remarks", []),
    ],
)
def test_suggestions(column: str, expected: list[tuple[str, str]]) -> None:
    attributes = ["name", "name_en", "operator", "recycling_type", "land_use"]
    assert [(s.attribute, s.reason) for s in suggest(column, attributes)] == expected


def test_edit_distance() -> None:
    assert edit_distance("operatr", "operator") == 1
    assert edit_distance("recycling_", "recycling_type") == 4
    assert edit_distance("name", "name") == 0


def test_geometry_and_gdal_columns_are_not_unmapped(registry: LayerRegistry) -> None:
    layer = registry.get("waste_points")
    match = match_columns(layer, ["osm_ref", "class", "fid", "OGC_FID", "geometry", "lon", "lat", "wkt"])
    assert match.unmapped == () and not match.needs_mapping


def test_columns_of_derived_attributes_are_recomputed_not_unmapped(registry: LayerRegistry) -> None:
    layer = registry.get("green_spaces")  # derives area_m2 and district from the geometry
    match = match_columns(layer, ["osm_ref", "class", "area_m2", "district", "operatr"])
    assert match.recomputed == ("area_m2", "district")
    assert [u.column for u in match.unmapped] == ["operatr"]
    assert match.to_json()["recomputed"] == ["area_m2", "district"]


def test_choices_over_saved_ones() -> None:
    saved = ColumnChoices({"recycling_": "recycling_type", "Oper": "operator"}, frozenset({"remarks"}))
    mine = ColumnChoices({"operatr": "operator"}, frozenset({"recycling_"}))
    merged = mine.over(saved)
    assert merged.mapping == {"operatr": "operator"} and merged.ignore == {"remarks", "recycling_"}


def test_parse_choices() -> None:
    assert parse_choices('{"a": "b"}', "x, y").to_json() == {"mapping": {"a": "b"}, "ignore": ["x", "y"]}
    assert parse_choices({"a": "b"}, ["x"]).to_json() == {"mapping": {"a": "b"}, "ignore": ["x"]}
    assert not parse_choices(None, None) and not parse_choices("", "")
    for mapping, ignore in (("{", None), ('{"a": 1}', None), (None, '["x"'), (None, {"x": 1})):
        with pytest.raises(InvalidRequestError):
            parse_choices(mapping, ignore)


def test_a_saved_mapping_to_an_attribute_the_layer_dropped_is_not_used(registry: LayerRegistry) -> None:
    layer = registry.get("waste_points")
    saved = ColumnChoices({"recycling_": "gone", "operatr": "operator"})
    match = match_columns(layer, ["osm_ref", "class", "recycling_", "operatr"], saved=saved)
    assert match.mapping == {"operatr": "operator"} and match.saved_mapping
    assert [u.column for u in match.blocking] == ["recycling_"]
