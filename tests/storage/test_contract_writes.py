"""The FeatureStore contract for writes: value types, versions, and writes that must fail cleanly."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pyproj
import pytest
import shapely

from geohub.errors import (
    FeatureNotFoundError,
    InvalidDataError,
    LayerNotFoundError,
    VersionNotFoundError,
)
from geohub.layers.models import LayerDefinition
from geohub.storage.base import Feature, FeatureQuery, FeatureStore, SortKey
from tests.storage.conftest import (
    ADDRESSES,
    ALMATY,
    BUILDINGS,
    SAMPLES,
    Dataset,
    address_features,
    building_features,
    ids_of,
    numbered_points,
    read_all,
    road_features,
    typed_samples,
)


# types ----------------------------------------------------------------------------------------
def _same(got: Any, expected: Any) -> bool:
    """Equal and of the same type; a datetime comes back as ISO text of the same instant, with an offset."""
    if isinstance(expected, datetime):
        moment = datetime.fromisoformat(got) if isinstance(got, str) else None
        return moment is not None and moment.tzinfo is not None and moment == expected
    return type(got) is type(expected) and got == expected


def test_every_attribute_type_round_trips(store: FeatureStore) -> None:
    features, expected = typed_samples()
    store.write_version(SAMPLES, features)

    wrong = {}
    for feature in read_all(store, SAMPLES):
        name, back = expected[feature.id]
        others = {k: v for k, v in feature.properties.items() if k not in (name, "sample_id")}
        if not _same(feature.properties[name], back) or any(v is not None for v in others.values()):
            wrong[feature.id] = (feature.properties, name, back)
    assert wrong == {}
    assert store.get(SAMPLES, "3") == read_all(store, SAMPLES)[3]


TYPED_FILTERS = [  # (attribute, filter value, the value written that it must match)
    ("label", "Әл-Фараби даңғылы", "Әл-Фараби даңғылы"),
    ("label", "'; DROP TABLE test_samples_v1; --", "'; DROP TABLE test_samples_v1; --"),
    ("label", "", ""),
    ("amount", 2**63 - 1, 2**63 - 1),
    ("amount", "-1", -1),
    ("ratio", 0.1, 0.1),
    ("active", False, False),
    ("active", "yes", True),
    ("opened", date(1900, 1, 1), "1900-01-01"),
    ("observed_at", "2024-03-01T10:00:00+05:00", datetime(2024, 3, 1, 10, tzinfo=ALMATY)),
    ("observed_at", "2024-03-01T05:00:00Z", datetime(2024, 3, 1, 10, tzinfo=ALMATY)),
    (
        "observed_at",
        datetime(2024, 3, 1, 4, 0, 0, 123456, tzinfo=UTC),
        datetime(2024, 3, 1, 4, 0, 0, 123456, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(("attribute", "value", "written"), TYPED_FILTERS, ids=str)
def test_where_on_each_type_finds_the_features_with_that_value(
    store: FeatureStore, attribute: str, value: Any, written: Any
) -> None:
    """Also when the value is given in another form: "yes" for True, another UTC offset for an instant."""
    features, expected = typed_samples()
    store.write_version(SAMPLES, features)

    got = ids_of(read_all(store, SAMPLES, FeatureQuery(where={attribute: value})))

    wanted = [
        i
        for i, (name, back) in expected.items()
        if name == attribute and back is not None and type(back) is type(written) and back == written
    ]
    assert wanted, "the filter value is one that was written"
    assert got == wanted


@pytest.mark.parametrize("ascending", [True, False], ids=["ascending", "descending"])
def test_sort_by_datetime_follows_the_instants(store: FeatureStore, ascending: bool) -> None:
    """Offsets differ, so the order of the instants is not the order of the texts."""
    moments = [
        "2024-03-01T10:00:00+05:00",
        "2024-03-01T06:00:00+00:00",
        "2024-03-01T04:30:00-01:00",
        "2024-03-01T09:45:00+05:00",
        "2024-03-01T05:15:00Z",
    ]
    features = [
        Feature(f.id, f.geometry, {"sample_id": int(f.id), "observed_at": moment})
        for f, moment in zip(numbered_points(len(moments)), moments, strict=True)
    ]
    store.write_version(SAMPLES, features)

    got = ids_of(read_all(store, SAMPLES, FeatureQuery(sort=(SortKey("observed_at", ascending),))))

    by_instant = sorted(
        features, key=lambda f: datetime.fromisoformat(f.properties["observed_at"]), reverse=not ascending
    )
    assert got == ids_of(by_instant)


# versions -------------------------------------------------------------------------------------
def _bounds(features: list[Feature]) -> tuple[float, ...]:
    return tuple(shapely.total_bounds(shapely.from_wkb([f.geometry for f in features])).tolist())


def _flags(store: FeatureStore, layer_id: str) -> list[tuple[int, bool, int]]:
    return [(v.version, v.is_current, v.feature_count) for v in store.versions(layer_id)]


def test_a_second_write_becomes_version_2_and_readers_see_it(store: FeatureStore, buildings: Dataset) -> None:
    first, second = list(buildings.features[:200]), list(buildings.features[150:])
    v1 = store.write_version(BUILDINGS, first, source_fingerprint="sha256:aa", note="первый импорт")
    v2 = store.write_version(BUILDINGS, second, source_fingerprint="sha256:bb", note="second")

    assert (v1.version, v2.version) == (1, 2)
    assert ids_of(read_all(store, BUILDINGS)) == ids_of(second)
    assert store.get(BUILDINGS, second[-1].id).id == second[-1].id
    with pytest.raises(FeatureNotFoundError):
        store.get(BUILDINGS, first[0].id)  # only in version 1
    assert store.count(BUILDINGS) == len(second)
    assert store.extent(BUILDINGS.id) == pytest.approx(_bounds(second))
    versions = store.versions(BUILDINGS.id)
    assert [(v.version, v.is_current, v.feature_count, v.source_fingerprint, v.note) for v in versions] == [
        (2, True, len(second), "sha256:bb", "second"),
        (1, False, 200, "sha256:aa", "первый импорт"),
    ]
    assert versions[1].extent == pytest.approx(_bounds(first))
    assert all(v.created_at.tzinfo is not None for v in versions)
    assert versions[0].created_at >= versions[1].created_at
    assert store.current_version(BUILDINGS.id) == versions[0]


def test_publishing_version_1_again_rolls_readers_back(store: FeatureStore, buildings: Dataset) -> None:
    first, second = list(buildings.features[:200]), list(buildings.features[150:])
    store.write_version(BUILDINGS, first)
    store.write_version(BUILDINGS, second)

    rolled_back = store.publish_version(BUILDINGS.id, 1)

    assert (rolled_back.version, rolled_back.is_current) == (1, True)
    assert ids_of(read_all(store, BUILDINGS)) == ids_of(first)
    assert store.get(BUILDINGS, first[0].id).properties == first[0].properties
    assert store.extent(BUILDINGS.id) == pytest.approx(_bounds(first))
    assert _flags(store, BUILDINGS.id) == [(2, False, len(second)), (1, True, 200)]
    store.publish_version(BUILDINGS.id, 2)
    assert ids_of(read_all(store, BUILDINGS)) == ids_of(second)


def test_an_unpublished_version_is_invisible_until_published(store: FeatureStore, buildings: Dataset) -> None:
    first, second = list(buildings.features[:200]), list(buildings.features[150:])
    store.write_version(BUILDINGS, first)

    staged = store.write_version(BUILDINGS, second, publish=False)

    assert (staged.version, staged.is_current) == (2, False)
    assert store.current_version(BUILDINGS.id).version == 1  # type: ignore[union-attr]
    assert ids_of(read_all(store, BUILDINGS)) == ids_of(first)
    assert store.extent(BUILDINGS.id) == pytest.approx(_bounds(first))
    assert _flags(store, BUILDINGS.id) == [(2, False, len(second)), (1, True, 200)]
    store.publish_version(BUILDINGS.id, 2)
    assert ids_of(read_all(store, BUILDINGS)) == ids_of(second)


def test_an_unpublished_first_version_leaves_the_layer_unreadable(store: FeatureStore) -> None:
    features = list(address_features()[:50])
    store.write_version(ADDRESSES, features, publish=False)

    assert store.current_version(ADDRESSES.id) is None
    with pytest.raises(LayerNotFoundError):
        store.query(ADDRESSES, FeatureQuery())
    store.publish_version(ADDRESSES.id, 1)
    assert ids_of(read_all(store, ADDRESSES)) == ids_of(features)


@pytest.mark.parametrize(
    ("layer_id", "version"),
    [("test_buildings", 3), ("test_buildings", 0), ("test_buildings", -1), ("never_written", 1)],
)
def test_publishing_an_unknown_version_fails_and_changes_nothing(
    store: FeatureStore, buildings: Dataset, layer_id: str, version: int
) -> None:
    store.write_version(BUILDINGS, buildings.features[:100])
    store.write_version(BUILDINGS, buildings.features[100:])

    with pytest.raises(VersionNotFoundError):
        store.publish_version(layer_id, version)

    assert _flags(store, BUILDINGS.id) == [(2, True, len(buildings.features) - 100), (1, False, 100)]
    assert store.current_version("never_written") is None


def test_layers_keep_separate_versions(store: FeatureStore, buildings: Dataset) -> None:
    store.write_version(BUILDINGS, buildings.features)
    store.write_version(BUILDINGS, buildings.features[:10])
    store.write_version(ADDRESSES, address_features())

    assert _flags(store, ADDRESSES.id) == [(1, True, len(address_features()))]
    assert store.count(BUILDINGS) == 10
    assert store.stored_schema(ADDRESSES.id) == {a.name: a.type.value for a in ADDRESSES.attributes}
    with pytest.raises(LayerNotFoundError):
        store.stored_schema("never_written")


# writes that must fail ------------------------------------------------------------------------
UTM_43N = pyproj.Transformer.from_crs(4326, 32643, always_xy=True)
INFINITE_X, NAN_Y = np.array([math.inf, 0.0]), np.array([0.0, math.nan])


def _with(feature: Feature, **changes: Any) -> Feature:
    return Feature(feature.id, feature.geometry, {**feature.properties, **changes})


def _reshaped(feature: Feature, geometry: shapely.Geometry | bytes) -> Feature:
    wkb = geometry if isinstance(geometry, bytes) else shapely.to_wkb(geometry)
    return Feature(feature.id, wkb, feature.properties)


def _moved(feature: Feature, transform: Callable[[Any], Any]) -> Feature:
    return _reshaped(feature, shapely.transform(shapely.from_wkb(feature.geometry), transform))


BAD_LAST_FEATURE: dict[str, tuple[LayerDefinition, Callable[[Feature, Feature], Feature]]] = {
    # name: (layer, (first good feature, last feature) -> the last feature made bad)
    "duplicate_key": (BUILDINGS, lambda first, last: _with(last, osm_ref=first.id)),
    "missing_required": (BUILDINGS, lambda first, last: _with(last, building=None)),
    "missing_key": (BUILDINGS, lambda first, last: _with(last, osm_ref=None)),
    "not_an_allowed_value": (ADDRESSES, lambda first, last: _with(last, origin="way")),
    "text_for_a_number": (BUILDINGS, lambda first, last: _with(last, height="tall")),
    "fraction_for_an_integer": (BUILDINGS, lambda first, last: _with(last, levels=2.5)),
    "boolean_for_an_integer": (BUILDINGS, lambda first, last: _with(last, levels=True)),
    "integer_beyond_64_bits": (BUILDINGS, lambda first, last: _with(last, levels=2**63)),
    "infinite_number": (BUILDINGS, lambda first, last: _with(last, height=math.inf)),
    "negative_infinite_number": (BUILDINGS, lambda first, last: _with(last, height=-math.inf)),
    "string_with_nul": (BUILDINGS, lambda first, last: _with(last, name="Базар\x00")),
    "line_into_polygon_layer": (BUILDINGS, lambda first, last: _reshaped(last, road_features()[0].geometry)),
    "polygon_into_point_layer": (
        ADDRESSES,
        lambda first, last: _reshaped(last, building_features(1)[0].geometry),
    ),
    "empty_polygon": (BUILDINGS, lambda first, last: _reshaped(last, shapely.from_wkt("MULTIPOLYGON EMPTY"))),
    "empty_point": (ADDRESSES, lambda first, last: _reshaped(last, shapely.from_wkt("POINT EMPTY"))),
    "unreadable_geometry": (BUILDINGS, lambda first, last: _reshaped(last, b"\x01\x06\x00\x00")),
    "infinite_coordinate": (BUILDINGS, lambda first, last: _moved(last, lambda c: c + INFINITE_X)),
    "nan_coordinate": (ADDRESSES, lambda first, last: _moved(last, lambda c: c + NAN_Y)),
    "projected_metres_not_lon_lat": (
        BUILDINGS,
        lambda first, last: _moved(last, lambda c: np.column_stack(UTM_43N.transform(c[:, 0], c[:, 1]))),
    ),
}


@pytest.mark.parametrize("case", list(BAD_LAST_FEATURE))
def test_a_failed_write_changes_nothing(store: FeatureStore, case: str) -> None:
    layer, spoil = BAD_LAST_FEATURE[case]
    good = list((address_features() if layer is ADDRESSES else building_features(300))[:300])
    store.write_version(layer, good[:100])
    versions_before, features_before = store.versions(layer.id), read_all(store, layer)
    bad = [*good[:-1], spoil(good[0], good[-1])]

    with pytest.raises(InvalidDataError):
        store.write_version(layer, bad)

    assert store.versions(layer.id) == versions_before
    assert read_all(store, layer) == features_before
    assert store.write_version(layer, good).version == 2  # nothing half-written stands in the way


def test_a_write_failing_after_the_first_batch_changes_nothing(store: FeatureStore) -> None:
    """5,000 features go in one batch; a bad feature in the second must undo the first too."""
    features = building_features(5_600)
    store.write_version(BUILDINGS, features[:100])
    versions_before, features_before = store.versions(BUILDINGS.id), read_all(store, BUILDINGS)

    with pytest.raises(InvalidDataError):
        store.write_version(BUILDINGS, [*features[:5_500], _with(features[5_500], building=None)])

    assert store.versions(BUILDINGS.id) == versions_before
    assert read_all(store, BUILDINGS) == features_before


def test_a_failed_first_write_leaves_no_layer(store: FeatureStore) -> None:
    features = list(address_features()[:100])

    with pytest.raises(InvalidDataError):
        store.write_version(ADDRESSES, [*features, features[0]])

    assert store.versions(ADDRESSES.id) == []
    assert store.current_version(ADDRESSES.id) is None


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("opened", "2024-02-30"),
        ("opened", "yesterday"),
        ("observed_at", "noon"),
        ("active", "maybe"),
        ("amount", "12abc"),
    ],
)
def test_a_value_that_is_not_of_its_type_fails_the_write(
    store: FeatureStore, attribute: str, value: str
) -> None:
    features = numbered_points(20)
    bad = Feature("20", features[0].geometry, {"sample_id": 20, attribute: value})

    with pytest.raises(InvalidDataError):
        store.write_version(SAMPLES, [*features, bad])

    assert store.versions(SAMPLES.id) == []


def test_a_geometry_with_z_is_stored_flat_or_refused(store: FeatureStore) -> None:
    """Heights are not part of the model: either drop Z or refuse the feature as invalid data."""
    points = list(address_features()[:20])
    raised = shapely.force_3d(shapely.from_wkb(points[-1].geometry), 850.0)
    with_z = [*points[:-1], _reshaped(points[-1], raised)]

    try:
        store.write_version(ADDRESSES, with_z)
    except InvalidDataError:
        assert store.versions(ADDRESSES.id) == []
        return
    got = store.get(ADDRESSES, points[-1].id)
    assert not shapely.has_z(shapely.from_wkb(got.geometry))
