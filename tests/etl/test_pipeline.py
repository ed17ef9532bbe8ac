"""ETL import of the real Almaty demo data, on both backends, checked against GDAL and pyproj."""

from __future__ import annotations

import pyogrio
import pytest
import shapely
from pyproj import Geod

from geohub.etl.pipeline import import_layer, import_order
from geohub.layers.registry import LayerRegistry
from geohub.storage.base import FeatureQuery, FeatureStore
from tests.conftest import DEMO_DATA


@pytest.fixture
def loaded(store: FeatureStore, registry: LayerRegistry) -> FeatureStore:
    for layer in import_order(registry):
        import_layer(layer, store, registry, DEMO_DATA)
    return store


def _source_count(registry: LayerRegistry, layer_id: str) -> int:
    source = registry.get(layer_id).source
    assert source is not None
    info = pyogrio.read_info(DEMO_DATA / source.path, layer=source.layer) if source.layer else None
    if info is not None:
        return int(info["features"])
    return len(pyogrio.raw.read(DEMO_DATA / source.path, sql=source.sql, sql_dialect="SQLITE")[2])


def test_every_layer_loads_as_many_features_as_gdal_reads(
    loaded: FeatureStore, registry: LayerRegistry
) -> None:
    for layer in registry:
        if layer.service is not None:  # published by GeoHub from its own records, not imported
            continue
        current = loaded.current_version(layer.id)
        assert current is not None, layer.id
        assert current.feature_count == _source_count(registry, layer.id) > 0, layer.id
        assert loaded.count(layer) == current.feature_count


def test_known_counts_of_the_2012_extract(loaded: FeatureStore, registry: LayerRegistry) -> None:
    counts = {layer.id: loaded.count(layer) for layer in registry if layer.service is None}
    assert counts["buildings"] == 8061
    assert counts["addresses"] == 717
    assert counts["districts"] == 8
    assert counts["accessibility"] == 257 + 2  # points, plus areas shown at a point on surface


def test_district_is_derived_from_the_district_polygons(
    loaded: FeatureStore, registry: LayerRegistry
) -> None:
    districts = loaded.query(registry.get("districts"), FeatureQuery(limit=100)).features
    shapes = {d.id: shapely.from_wkb(d.geometry) for d in districts}
    buildings = registry.get("buildings")
    page = loaded.query(buildings, FeatureQuery(bbox=(76.90, 43.22, 76.98, 43.27), limit=400))
    assert page.features
    for feature in page.features:
        point = shapely.point_on_surface(shapely.from_wkb(feature.geometry))
        expected = next((slug for slug, shape in shapes.items() if shape.contains(point)), None)
        assert feature.properties["district"] == expected


def test_gorky_park_lies_in_medeu_and_its_area_matches_geodesic(
    loaded: FeatureStore, registry: LayerRegistry
) -> None:
    park = loaded.get(registry.get("green_spaces"), "w23650750")
    assert park.properties["name"] == "парк им. Горького"
    assert park.properties["district"] == "medeu"
    geodesic = abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.from_wkb(park.geometry))[0])
    assert park.properties["area_m2"] == pytest.approx(geodesic, rel=0.005)


def test_reimport_of_unchanged_source_writes_nothing(loaded: FeatureStore, registry: LayerRegistry) -> None:
    roads = registry.get("roads")
    before = loaded.versions("roads")
    result = import_layer(roads, loaded, registry, DEMO_DATA)
    assert result.unchanged
    assert loaded.versions("roads") == before


def test_changed_definition_rereads_the_source_but_stores_only_changed_data(
    loaded: FeatureStore, registry: LayerRegistry
) -> None:
    roads = registry.get("roads")
    retitled = roads.model_copy(update={"keywords": (*roads.keywords, "streets")})
    result = import_layer(retitled, loaded, registry, DEMO_DATA)
    assert result.unchanged and result.changes.unchanged == result.feature_count  # read, diffed, same data
    assert [v.version for v in loaded.versions("roads")] == [1]
    fewer = roads.model_copy(update={"attributes": tuple(a for a in roads.attributes if a.name != "surface")})
    assert fewer.attribute("surface") is None and roads.attribute("surface") is not None
    result = import_layer(fewer, loaded, registry, DEMO_DATA)
    assert not result.unchanged and result.version == 2  # the schema changed: every feature's values did
    assert result.changes.changed == result.feature_count
    assert [v.version for v in loaded.versions("roads")] == [2, 1]
