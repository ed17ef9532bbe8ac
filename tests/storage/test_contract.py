"""The FeatureStore contract: every test runs unchanged on the GeoPackage and the PostGIS store."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import shapely

from geohub.errors import (
    FeatureNotFoundError,
    InvalidBboxError,
    InvalidRequestError,
    LayerNotFoundError,
)
from geohub.layers.models import GeometryType
from geohub.storage.base import MAX_PAGE_SIZE, Bbox, Feature, FeatureQuery, FeatureStore, SortKey
from tests.storage.conftest import (
    ADDRESSES,
    BUILDINGS,
    ROADS,
    SAMPLES,
    Dataset,
    address_features,
    building_sample,
    ids_of,
    make_layer,
    numbered_points,
    read_all,
)

EVERYWHERE: Bbox = (-180.0, -90.0, 180.0, 90.0)


# write, read back -----------------------------------------------------------------------------
def test_written_features_read_back_unchanged(store: FeatureStore, dataset: Dataset) -> None:
    store.write_version(dataset.layer, dataset.features)

    got = {f.id: f for f in read_all(store, dataset.layer)}

    assert store.count(dataset.layer) == len(got) == len(dataset.features)
    sent = dataset.geometries
    returned = shapely.from_wkb([got[f.id].geometry for f in dataset.features])
    assert shapely.equals_exact(returned, sent, tolerance=1e-12).all()
    assert [got[f.id].properties for f in dataset.features] == [dict(f.properties) for f in dataset.features]


def test_extent_is_the_bounds_of_what_was_written(store: FeatureStore, dataset: Dataset) -> None:
    written = store.write_version(dataset.layer, dataset.features)

    expected = tuple(shapely.total_bounds(dataset.geometries).tolist())
    assert store.extent(dataset.layer.id) == pytest.approx(expected, abs=1e-12)
    assert written.extent == pytest.approx(expected, abs=1e-12)
    assert written.feature_count == len(dataset.features)


def test_an_empty_version_has_no_features_and_no_extent(store: FeatureStore) -> None:
    store.write_version(ADDRESSES, [])

    assert store.count(ADDRESSES) == 0
    assert store.query(ADDRESSES, FeatureQuery(bbox=EVERYWHERE)).features == []
    assert store.extent(ADDRESSES.id) is None


MULTI = {
    "Point": GeometryType.multipoint,
    "LineString": GeometryType.multilinestring,
    "Polygon": GeometryType.multipolygon,
}
PROMOTE = {
    "Point": shapely.multipoints,
    "LineString": shapely.multilinestrings,
    "Polygon": shapely.multipolygons,
}


def test_multi_layers_take_single_parts_as_one_part_multis(store: FeatureStore, dataset: Dataset) -> None:
    """Every other feature is sent as a single part, the rest as they are; all come back multi."""
    first_parts = shapely.get_geometry(dataset.geometries[:60], 0)
    single = first_parts[0].geom_type
    layer = dataset.layer.model_copy(update={"geometry_type": MULTI[single]})
    sent = [
        shapely.from_wkb(f.geometry) if i % 2 else part
        for i, (f, part) in enumerate(zip(dataset.features, first_parts, strict=False))
    ]
    features = [
        Feature(f.id, shapely.to_wkb(g), f.properties) for f, g in zip(dataset.features, sent, strict=False)
    ]

    store.write_version(layer, features)

    got = {f.id: shapely.from_wkb(f.geometry) for f in read_all(store, layer)}
    expected = {
        f.id: g if g.geom_type.startswith("Multi") else PROMOTE[single]([g])
        for f, g in zip(features, sent, strict=True)
    }
    assert {k: g.geom_type for k, g in got.items()} == dict.fromkeys(expected, MULTI[single].value)
    assert all(shapely.equals_exact(got[k], expected[k], tolerance=1e-12) for k in expected)


# paging ---------------------------------------------------------------------------------------
PAGED_QUERIES: dict[str, FeatureQuery] = {
    "all": FeatureQuery(),
    "centre_bbox": FeatureQuery(bbox=(76.90, 43.22, 76.96, 43.27)),
    "sorted_by_class": FeatureQuery(sort=(SortKey("building", ascending=False),)),
    "filtered": FeatureQuery(where={"levels": None}),
}


@pytest.mark.parametrize("page_size", [7, 100, 10_000])
@pytest.mark.parametrize("name", sorted(PAGED_QUERIES))
def test_paging_returns_every_feature_once_in_a_stable_order(
    store: FeatureStore, buildings: Dataset, name: str, page_size: int
) -> None:
    store.write_version(BUILDINGS, buildings.features)
    query = PAGED_QUERIES[name]
    total = store.count(BUILDINGS, query)
    assert total > 7

    walks = []
    for _ in range(2):
        seen: list[str] = []
        while len(seen) < total:
            page = store.query(
                BUILDINGS,
                FeatureQuery(
                    bbox=query.bbox, where=query.where, sort=query.sort, limit=page_size, offset=len(seen)
                ),
            )
            assert page.number_matched == total
            assert page.features, f"empty page at offset {len(seen)} of {total}"
            seen += ids_of(page.features)
        walks.append(seen)

    assert len(walks[0]) == len(set(walks[0])) == total
    assert walks[0] == walks[1]
    assert walks[0] == ids_of(
        store.query(
            BUILDINGS, FeatureQuery(bbox=query.bbox, where=query.where, sort=query.sort, limit=MAX_PAGE_SIZE)
        ).features
    )


def test_unsorted_pages_come_in_the_order_written(store: FeatureStore, buildings: Dataset) -> None:
    store.write_version(BUILDINGS, buildings.features)

    assert ids_of(read_all(store, BUILDINGS, page_size=7)) == buildings.ids


@pytest.mark.parametrize("past_end", [0, 1, 1_000_000])
def test_offset_past_the_end_gives_an_empty_page_with_the_total(
    store: FeatureStore, buildings: Dataset, past_end: int
) -> None:
    store.write_version(BUILDINGS, buildings.features)

    page = store.query(BUILDINGS, FeatureQuery(limit=10, offset=len(buildings.features) + past_end))

    assert page.features == []
    assert page.number_matched == len(buildings.features)


def test_limit_zero_gives_only_the_number_matched(store: FeatureStore, buildings: Dataset) -> None:
    store.write_version(BUILDINGS, buildings.features)

    page = store.query(BUILDINGS, FeatureQuery(limit=0))

    assert (page.features, page.number_matched) == ([], len(buildings.features))


# bbox -----------------------------------------------------------------------------------------
def _feature_index(dataset: Dataset) -> int:
    return min(100, len(dataset.features) - 1)


def _box_off_a_shape(dataset: Dataset) -> Bbox:
    """A tiny box inside a feature's envelope that misses the feature (beside it, for a point)."""
    for geometry in dataset.geometries:
        gap = shapely.box(*geometry.bounds).difference(geometry.buffer(1e-5))
        beside = geometry.buffer(2e-5).exterior if gap.is_empty else gap.representative_point()
        centre = beside.coords[0]
        box = (centre[0] - 1e-7, centre[1] - 1e-7, centre[0] + 1e-7, centre[1] + 1e-7)
        if not shapely.intersects(geometry, shapely.box(*box)):
            return box
    raise AssertionError("no feature has room between its shape and its envelope")


def _box_ending_just_before_a_feature(dataset: Dataset) -> Bbox:
    """A box whose east edge stops 1e-7° (about 1 cm) west of a feature."""
    minx, miny, _, maxy = dataset.geometries[_feature_index(dataset)].bounds
    return (minx - 0.01, miny - 0.01, minx - 1e-7, maxy + 0.01)


def _zero_size_box_on_a_feature(dataset: Dataset) -> Bbox:
    """A box with min == max: on a point, on a line's first vertex, inside a polygon."""
    geometry = dataset.geometries[_feature_index(dataset)]
    if "Polygon" in geometry.geom_type:
        geometry = geometry.representative_point()
    x, y = shapely.get_coordinates(geometry)[0].tolist()
    return (x, y, x, y)


def _zero_width_box_across_a_feature(dataset: Dataset) -> Bbox:
    """A box with minx == maxx: a north-south line through the middle of a feature."""
    minx, miny, maxx, maxy = dataset.geometries[_feature_index(dataset)].bounds
    x = (minx + maxx) / 2 if maxx > minx else minx
    return (x, miny - 0.001, x, maxy + 0.001)


def reference_shape(box: Bbox) -> shapely.Geometry:
    """The set of points a bbox stands for: an area, or a line or a point when it has no width."""
    minx, miny, maxx, maxy = box
    if minx == maxx and miny == maxy:
        return shapely.Point(minx, miny)
    if minx == maxx or miny == maxy:
        return shapely.LineString([(minx, miny), (maxx, maxy)])
    return shapely.box(*box)


def _centre_box(dataset: Dataset) -> Bbox:
    """A box of about 800 m around a feature in the middle of the set."""
    point = dataset.geometries[len(dataset.features) // 2].representative_point()
    return (point.x - 0.005, point.y - 0.005, point.x + 0.005, point.y + 0.005)


def _box_beside_the_data(dataset: Dataset) -> Bbox:
    _, miny, maxx, maxy = shapely.total_bounds(dataset.geometries).tolist()
    return (maxx + 0.001, miny, maxx + 0.1, maxy)


BOXES: dict[str, Callable[[Dataset], Bbox]] = {
    "centre": _centre_box,
    "beside_the_data": _box_beside_the_data,
    "everything": lambda d: EVERYWHERE,
    "exactly_the_extent": lambda d: tuple(shapely.total_bounds(d.geometries).tolist()),
    "inside_an_envelope_off_the_shape": _box_off_a_shape,
    "ending_just_before_a_feature": _box_ending_just_before_a_feature,
    "zero_size_on_a_feature": _zero_size_box_on_a_feature,
    "zero_width_across_a_feature": _zero_width_box_across_a_feature,
}


@pytest.mark.parametrize("box_name", list(BOXES))
def test_bbox_query_matches_shapely_intersects(store: FeatureStore, dataset: Dataset, box_name: str) -> None:
    box = BOXES[box_name](dataset)
    store.write_version(dataset.layer, dataset.features)

    got = ids_of(read_all(store, dataset.layer, FeatureQuery(bbox=box)))

    hits = shapely.intersects(dataset.geometries, reference_shape(box))
    expected = list(np.array(dataset.ids, dtype=object)[hits])
    assert got == expected
    assert store.count(dataset.layer, FeatureQuery(bbox=box)) == len(expected)


def test_bbox_cases_are_not_trivial(dataset: Dataset) -> None:
    """The reference boxes really test something: hits where promised, envelope-only misses."""
    geometries = dataset.geometries
    assert shapely.intersects(geometries, shapely.box(*_centre_box(dataset))).any()
    assert not shapely.intersects(geometries, shapely.box(*_box_beside_the_data(dataset))).any()
    assert shapely.intersects(geometries, reference_shape(_zero_size_box_on_a_feature(dataset))).any()
    assert shapely.intersects(geometries, reference_shape(_zero_width_box_across_a_feature(dataset))).any()
    if dataset.layer.geometry_type is not GeometryType.point:
        box = shapely.box(*_box_off_a_shape(dataset))
        envelope_hits = shapely.intersects(shapely.envelope(geometries), box)
        assert (envelope_hits & ~shapely.intersects(geometries, box)).any()


# where ----------------------------------------------------------------------------------------
WHERES = [  # (filter sent, the same filter in the stored types for the Python reference)
    ({"building": "apartments"}, {"building": "apartments"}),
    ({"building": "Rem's Home"}, {"building": "Rem's Home"}),
    ({"street": "Жетысу-2"}, {"street": "Жетысу-2"}),
    ({"name": None}, {"name": None}),
    ({"levels": 5}, {"levels": 5}),
    ({"levels": "5"}, {"levels": 5}),
    ({"levels": 5.0}, {"levels": 5}),
    ({"levels": None}, {"levels": None}),
    ({"building": "apartments", "levels": None}, {"building": "apartments", "levels": None}),
    ({"building": "no such class"}, {"building": "no such class"}),
]


@pytest.mark.parametrize("bbox", [None, (76.90, 43.22, 76.96, 43.27)], ids=["anywhere", "centre"])
@pytest.mark.parametrize(("where", "reference"), WHERES, ids=[str(w) for w, _ in WHERES])
def test_where_matches_python_equality(
    store: FeatureStore, buildings: Dataset, where: dict, reference: dict, bbox: Bbox | None
) -> None:
    store.write_version(BUILDINGS, buildings.features)
    inside = shapely.intersects(buildings.geometries, shapely.box(*(bbox or EVERYWHERE)))

    got = ids_of(read_all(store, BUILDINGS, FeatureQuery(bbox=bbox, where=where)))

    expected = [
        f.id
        for f, hit in zip(buildings.features, inside, strict=True)
        if hit and all(f.properties[k] == v for k, v in reference.items())
    ]
    assert got == expected
    assert store.count(BUILDINGS, FeatureQuery(bbox=bbox, where=where)) == len(expected)


@pytest.mark.parametrize(
    "where",
    [
        {"no_such_attribute": "x"},
        {"fid": 1},
        {"geom": None},
        {"Building": "yes"},
        {"levels": "abc"},
        {"levels": "2.5"},
        {"levels": True},
        {"height": "tall"},
    ],
    ids=str,
)
def test_bad_where_is_an_invalid_request(store: FeatureStore, buildings: Dataset, where: dict) -> None:
    store.write_version(BUILDINGS, buildings.features)

    with pytest.raises(InvalidRequestError):
        store.count(BUILDINGS, FeatureQuery(where=where))
    with pytest.raises(InvalidRequestError):
        store.query(BUILDINGS, FeatureQuery(where=where))


@pytest.mark.parametrize(
    "where",
    [
        {"levels": 2**64},
        {"levels": -(2**63) - 1},
        {"street": "Жетысу-2\x00"},
    ],
    ids=["integer_above_64_bits", "integer_below_64_bits", "string_with_nul"],
)
def test_where_value_no_feature_can_have_matches_nothing(
    store: FeatureStore, buildings: Dataset, where: dict
) -> None:
    """No crash: the store either refuses the value as a bad request or finds nothing."""
    store.write_version(BUILDINGS, buildings.features)

    try:
        matched = store.count(BUILDINGS, FeatureQuery(where=where))
    except InvalidRequestError:
        matched = 0
    assert matched == 0


# sort -----------------------------------------------------------------------------------------
def python_sort(dataset: Dataset, keys: tuple[SortKey, ...], nulls_last: bool) -> list[str]:
    """Python's stable sort by the keys, last key first, ties in the order written."""
    order = list(dataset.features)
    for key in reversed(keys):
        present = [f for f in order if f.properties[key.name] is not None]
        absent = [f for f in order if f.properties[key.name] is None]
        present.sort(key=lambda f, k=key.name: f.properties[k], reverse=not key.ascending)  # type: ignore[misc]
        order = present + absent if nulls_last else absent + present
    return ids_of(order)


SORTS = {
    "class_up": (SortKey("building"),),
    "class_down": (SortKey("building", ascending=False),),
    "class_down_ref_up": (SortKey("building", ascending=False), SortKey("osm_ref")),
    "street_up": (SortKey("street"),),
    "street_down": (SortKey("street", ascending=False),),
    "levels_up": (SortKey("levels"),),
    "levels_down_then_class": (SortKey("levels", ascending=False), SortKey("building")),
}


@pytest.mark.parametrize("name", list(SORTS))
def test_sort_matches_python_stable_sort(store: FeatureStore, buildings: Dataset, name: str) -> None:
    """Ties keep the order written; NULLs go to one end (which one: test_backend_parity.py)."""
    store.write_version(BUILDINGS, buildings.features)

    got = ids_of(read_all(store, BUILDINGS, FeatureQuery(sort=SORTS[name]), page_size=97))

    assert got in (
        python_sort(buildings, SORTS[name], nulls_last=True),
        python_sort(buildings, SORTS[name], nulls_last=False),
    )


def test_sort_by_an_unknown_attribute_is_an_invalid_request(store: FeatureStore, buildings: Dataset) -> None:
    store.write_version(BUILDINGS, buildings.features)

    with pytest.raises(InvalidRequestError):
        store.query(BUILDINGS, FeatureQuery(sort=(SortKey("no_such_attribute"),)))


@pytest.mark.parametrize("attribute", ["id", "minx", "maxy"])
def test_sort_by_an_attribute_named_like_an_index_column_works_with_a_bbox(
    store: FeatureStore, attribute: str
) -> None:
    """Attribute names that are plain words elsewhere (`id`, `minx`) must not clash with internals."""
    layer = make_layer(
        "test_odd_names",
        GeometryType.multipolygon,
        "osm_ref",
        [{"name": "osm_ref", "required": True}, {"name": attribute, "type": "integer"}],
    )
    features = [
        Feature(f.id, f.geometry, {"osm_ref": f.id, attribute: i % 5})
        for i, f in enumerate(building_sample())
    ]
    store.write_version(layer, features)

    got = ids_of(read_all(store, layer, FeatureQuery(bbox=EVERYWHERE, sort=(SortKey(attribute),))))

    assert got == [f.id for f in sorted(features, key=lambda f: f.properties[attribute])]


# get ------------------------------------------------------------------------------------------
def test_get_returns_the_feature_with_that_key(store: FeatureStore, dataset: Dataset) -> None:
    store.write_version(dataset.layer, dataset.features)

    for sent in dataset.features[::37]:
        got = store.get(dataset.layer, sent.id)
        assert got.id == sent.id
        assert got.properties == sent.properties
        assert shapely.equals_exact(shapely.from_wkb(got.geometry), shapely.from_wkb(sent.geometry), 1e-12)


@pytest.mark.parametrize("feature_id", ["w0", "", "W27107721", " w27107721", "w27107721\x00", "'; --"])
def test_get_of_an_unknown_string_key_is_not_found(store: FeatureStore, feature_id: str) -> None:
    """Near misses of a key that is there (w27107721): another case, a space, a NUL; and plain unknowns."""
    store.write_version(ADDRESSES, address_features()[:150])
    assert store.get(ADDRESSES, "w27107721").id == "w27107721"

    with pytest.raises(FeatureNotFoundError):
        store.get(ADDRESSES, feature_id)


@pytest.mark.parametrize(
    "feature_id",
    [
        "999",
        "abc",
        "",
        "1.5",
        "1e3",
        "0x10",
        str(2**64),
        str(-(2**63) - 1),
    ],
    ids=["unknown", "text", "empty", "fraction", "exponent", "hex", "above_64_bits", "below_64_bits"],
)
def test_get_of_an_impossible_or_unknown_integer_key_is_not_found(
    store: FeatureStore, feature_id: str
) -> None:
    store.write_version(SAMPLES, numbered_points())

    with pytest.raises(FeatureNotFoundError):
        store.get(SAMPLES, feature_id)


def test_get_by_integer_key_finds_the_feature(store: FeatureStore) -> None:
    store.write_version(SAMPLES, numbered_points())

    assert store.get(SAMPLES, "17").properties["sample_id"] == 17


# layers never written -------------------------------------------------------------------------
def test_a_layer_never_written_has_no_version_and_cannot_be_read(store: FeatureStore) -> None:
    assert store.current_version(ROADS.id) is None
    assert store.versions(ROADS.id) == []
    assert store.extent(ROADS.id) is None
    with pytest.raises(LayerNotFoundError):
        store.query(ROADS, FeatureQuery())
    with pytest.raises(LayerNotFoundError):
        store.count(ROADS)
    with pytest.raises(LayerNotFoundError):
        store.get(ROADS, "w1")


# query validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bbox",
    [
        (float("nan"), 43.2, 77.0, 43.3),
        (76.9, 43.2, float("inf"), 43.3),
        (-float("inf"), 43.2, 77.0, 43.3),
        (77.0, 43.2, 76.9, 43.3),
        (76.9, 43.3, 77.0, 43.2),
        (-181.0, 43.2, 77.0, 43.3),
        (76.9, 43.2, 181.0, 43.3),
        (76.9, -91.0, 77.0, 43.3),
        (76.9, 43.2, 77.0, 91.0),
        (76.9, 43.2, 77.0),
        (76.9, 43.2, 77.0, 43.3, 0.0),
        (),
        (76.9, 43.2, "77.0", 43.3),
        (76.9, None, 77.0, 43.3),
    ],
    ids=str,
)
def test_invalid_bbox_is_refused(bbox: tuple) -> None:
    with pytest.raises(InvalidBboxError):
        FeatureQuery(bbox=bbox)


@pytest.mark.parametrize(("limit", "offset"), [(-1, 0), (MAX_PAGE_SIZE + 1, 0), (10, -1)])
def test_limit_out_of_range_or_negative_offset_is_an_invalid_request(limit: int, offset: int) -> None:
    with pytest.raises(InvalidRequestError):
        FeatureQuery(limit=limit, offset=offset)


@pytest.mark.parametrize(("limit", "bbox"), [(0, EVERYWHERE), (MAX_PAGE_SIZE, (76.9, 43.2, 76.9, 43.2))])
def test_boundary_limits_and_boxes_are_accepted(limit: int, bbox: Bbox) -> None:
    assert FeatureQuery(limit=limit, bbox=bbox).limit == limit
