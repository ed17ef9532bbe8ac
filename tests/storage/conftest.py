"""Test layers and feature sets cut from the real Almaty data, shared by the storage tests."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from typing import Any

import numpy as np
import pytest
import shapely
from pyogrio.raw import read

from geohub.layers.models import Attribute, GeometryType, LayerDefinition, License, Text
from geohub.storage.base import Feature, FeatureQuery, FeatureStore
from geohub.storage.postgis import PostgisStore
from tests.conftest import DEMO_DATA, _reset_postgis

Row = dict[str, Any]


def make_layer(
    layer_id: str, geometry_type: GeometryType, key: str, attributes: Sequence[Mapping[str, Any]]
) -> LayerDefinition:
    """A LayerDefinition as a definition file in layers/ would give it."""
    return LayerDefinition(
        id=layer_id,
        title=Text(kk=f"{layer_id} (сынақ)", ru=f"{layer_id} (тест)", en=f"{layer_id} (test)"),
        description=Text(kk="Сынақ қабаты", ru="Тестовый слой", en="Test layer"),
        department="architecture",
        license=License(name="ODbL-1.0", url="https://opendatacommons.org/licenses/odbl/1-0/"),
        attribution="© OpenStreetMap contributors, ODbL",
        geometry_type=geometry_type,
        key=key,
        attributes=tuple(Attribute.model_validate(a) for a in attributes),
    )


BUILDINGS = make_layer(
    "test_buildings",
    GeometryType.multipolygon,
    "osm_ref",
    [
        {"name": "osm_ref", "required": True},
        {"name": "building", "required": True},
        {"name": "name"},
        {"name": "levels", "type": "integer"},
        {"name": "height", "type": "number"},
        {"name": "amenity"},
        {"name": "street"},
        {"name": "housenumber"},
    ],
)
ADDRESSES = make_layer(
    "test_addresses",
    GeometryType.point,
    "osm_ref",
    [
        {"name": "osm_ref", "required": True},
        {"name": "street"},
        {"name": "housenumber", "required": True},
        {"name": "name"},
        {"name": "origin", "allowed_values": ["node", "building"]},
    ],
)
ROADS = make_layer(
    "test_roads",
    GeometryType.linestring,
    "osm_ref",
    [
        {"name": "osm_ref", "required": True},
        {"name": "highway", "required": True},
        {"name": "name"},
    ],
)
SAMPLES = make_layer(
    "test_samples",
    GeometryType.point,
    "sample_id",
    [
        {"name": "sample_id", "type": "integer", "required": True},
        {"name": "label"},
        {"name": "amount", "type": "integer"},
        {"name": "ratio", "type": "number"},
        {"name": "active", "type": "boolean"},
        {"name": "opened", "type": "date"},
        {"name": "observed_at", "type": "datetime"},
    ],
)


@cache
def read_demo(file: str, layer: str) -> tuple[tuple[bytes, ...], tuple[Row, ...]]:
    """Every feature of a demo GeoPackage layer: WKB geometries and attribute rows."""
    meta, _, geometries, columns = read(DEMO_DATA / file, layer=layer)
    names = list(meta["fields"])
    rows = tuple(
        {name: _plain(column[i]) for name, column in zip(names, columns, strict=True)}
        for i in range(len(geometries))
    )
    return tuple(bytes(g) for g in geometries), rows


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _whole_number(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def _decimal(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def _osm_ref(row: Row) -> str:
    return f"{row['osm_type'][0]}{row['osm_id']}"


def building_features(limit: int | None = None) -> list[Feature]:
    """Real buildings in file order, attributes as the buildings layer definition derives them."""
    geometries, rows = read_demo("buildings.gpkg", "buildings")
    features = []
    for wkb, row in zip(geometries[:limit], rows[:limit], strict=True):
        properties = {
            "osm_ref": _osm_ref(row),
            "building": row["building"],
            "name": row["name"],
            "levels": _whole_number(row["levels"]),
            "height": _decimal(row["height"]),
            "amenity": row["amenity"],
            "street": row["street"],
            "housenumber": row["housenumber"],
        }
        features.append(Feature(properties["osm_ref"], wkb, properties))
    return features


@cache
def building_sample() -> tuple[Feature, ...]:
    """~500 real buildings in file order: all with levels or a rarer class, some named, the first 100."""
    features = building_features()

    def having(test: Callable[[Row], bool], most: int) -> set[int]:
        return set([i for i, f in enumerate(features) if test(dict(f.properties))][:most])

    chosen = (
        having(lambda p: p["levels"] is not None or p["building"] != "yes", 200)
        | having(lambda p: p["name"] is not None, 120)
        | having(lambda p: p["street"] is not None, 120)
        | set(range(100))
    )
    return tuple(features[i] for i in sorted(chosen))


@cache
def address_features() -> tuple[Feature, ...]:
    """All 717 real addresses (points)."""
    geometries, rows = read_demo("addresses.gpkg", "addresses")
    return tuple(
        Feature(
            _osm_ref(row),
            wkb,
            {
                "osm_ref": _osm_ref(row),
                "street": row["street"],
                "housenumber": row["housenumber"],
                "name": row["name"],
                "origin": row["source"],
            },
        )
        for wkb, row in zip(geometries, rows, strict=True)
    )


@cache
def road_features(limit: int = 400) -> tuple[Feature, ...]:
    """The first real roads (LineStrings)."""
    geometries, rows = read_demo("basemap.gpkg", "roads")
    return tuple(
        Feature(
            _osm_ref(row), wkb, {"osm_ref": _osm_ref(row), "highway": row["highway"], "name": row["name"]}
        )
        for wkb, row in zip(geometries[:limit], rows[:limit], strict=True)
    )


@dataclass(frozen=True)
class Dataset:
    """A test layer and the real features written to it."""

    layer: LayerDefinition
    features: tuple[Feature, ...]

    @property
    def geometries(self) -> np.ndarray:
        return shapely.from_wkb([f.geometry for f in self.features])

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.features]


DATASETS: dict[str, Callable[[], Dataset]] = {
    "buildings": lambda: Dataset(BUILDINGS, building_sample()),
    "addresses": lambda: Dataset(ADDRESSES, address_features()),
    "roads": lambda: Dataset(ROADS, road_features()),
}


@pytest.fixture(params=sorted(DATASETS))
def dataset(request: pytest.FixtureRequest) -> Dataset:
    """Each real feature set: polygons, points, lines."""
    return DATASETS[request.param]()


@pytest.fixture
def buildings() -> Dataset:
    return DATASETS["buildings"]()


def read_all(
    store: FeatureStore, layer: LayerDefinition, query: FeatureQuery | None = None, page_size: int = 1000
) -> list[Feature]:
    """Every feature matching `query`, page by page."""
    base = query or FeatureQuery()
    features: list[Feature] = []
    while True:
        page = store.query(
            layer,
            FeatureQuery(
                bbox=base.bbox, where=base.where, sort=base.sort, limit=page_size, offset=len(features)
            ),
        )
        features += page.features
        if not page.features:
            return features


def ids_of(features: Iterable[Feature]) -> list[str]:
    return [f.id for f in features]


def numbered_points(count: int = 150) -> list[Feature]:
    """Real address points keyed by an integer `sample_id` 0..count-1 (the samples layer)."""
    return [Feature(str(i), f.geometry, {"sample_id": i}) for i, f in enumerate(address_features()[:count])]


ALMATY = timezone(timedelta(hours=5))
TYPED_VALUES: dict[str, list[tuple[Any, Any]]] = {  # attribute -> (value sent, value expected back)
    "label": [
        (s, s)
        for s in (
            "Әл-Фараби даңғылы",
            "проспект Абая, 150/230",
            'Say "сәлем" – it\'s ok',
            "🏙️ Алматы 🇰🇿",
            "",
            "  padded  ",
            "line\nbreak\ttab\r\n",
            "back\\slash",
            "'; DROP TABLE test_samples_v1; --",
            "Ж" * 10_000,
        )
    ],
    "amount": [(0, 0), (-1, -1), (42, 42), (2**63 - 1, 2**63 - 1), (-(2**63), -(2**63)), ("17", 17)],
    "ratio": [
        (0.1, 0.1),
        (-2.5, -2.5),
        (1e-300, 1e-300),
        (1.7976931348623157e308, 1.7976931348623157e308),
        (math.pi, math.pi),
        (7, 7.0),
        ("2.75", 2.75),
    ],
    "active": [(True, True), (False, False), ("yes", True), ("false", False)],
    "opened": [
        ("2024-02-29", "2024-02-29"),
        (date(1900, 1, 1), "1900-01-01"),
        ("0001-01-01", "0001-01-01"),
        ("9999-12-31", "9999-12-31"),
    ],
    "observed_at": [
        ("2024-03-01T10:00:00+05:00", datetime(2024, 3, 1, 10, tzinfo=ALMATY)),
        (datetime(2012, 3, 1, 12, 30, tzinfo=UTC), datetime(2012, 3, 1, 12, 30, tzinfo=UTC)),
        ("2024-03-01T10:00:00.123456+06:00", datetime(2024, 3, 1, 4, 0, 0, 123456, tzinfo=UTC)),
        ("2024-12-31T23:59:59Z", datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
}


def typed_samples() -> tuple[list[Feature], dict[str, tuple[str, Any]]]:
    """One real point per typed value (the rest None), one with everything None; and what to expect."""
    points = address_features()
    features, expected = [], {}
    cases = [(name, sent, back) for name, values in TYPED_VALUES.items() for sent, back in values]
    for i, (name, sent, back) in enumerate([*cases, ("label", None, None)]):
        properties = dict.fromkeys((a.name for a in SAMPLES.attributes), None) | {"sample_id": i, name: sent}
        features.append(Feature(str(i), points[i].geometry, properties))
        expected[str(i)] = (name, back)
    return features, expected


@pytest.fixture(scope="module")
def postgis_store(postgis_url: str) -> Iterator[PostgisStore]:
    """An empty PostgisStore for a module's tests, emptied again afterwards."""
    _reset_postgis(postgis_url)
    store = PostgisStore(postgis_url)
    yield store
    store.close()
    _reset_postgis(postgis_url)
