"""Each CQL2 conformance class /conformance declares, shown on the real buildings layer on both
backends: the features a filter selects, in CQL2 text and in CQL2-JSON, are exactly those Python
and shapely select from the stored features. What is not declared answers a clear 400."""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
import shapely
from flask.testing import FlaskClient

from tests.conftest import BACKENDS
from tests.features.conftest import DemoApps, StoredFeature

CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
ITEMS = "/collections/buildings/items"
RING = [(76.92, 43.23), (76.96, 43.235), (76.95, 43.27), (76.915, 43.26), (76.92, 43.23)]
POLYGON = shapely.Polygon(RING)
POLYGON_WKT = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in RING) + "))"
POLYGON_JSON = {"type": "Polygon", "coordinates": [[list(p) for p in RING]]}
BOX = (76.92, 43.23, 76.95, 43.26)
LINE = [(76.90, 43.24), (76.97, 43.25)]
LINE_WKT = "LINESTRING(" + ", ".join(f"{x} {y}" for x, y in LINE) + ")"
Keep = Callable[[StoredFeature], bool]
Case = tuple[str, Any, Keep]  # CQL2 text, the same filter in CQL2-JSON, the reference


def _p(name: str) -> dict[str, str]:
    return {"property": name}


def _v(feature: StoredFeature, name: str) -> Any:
    return feature.properties.get(name)


def _when(feature: StoredFeature) -> datetime:
    return datetime.fromisoformat(str(_v(feature, "osm_timestamp")).replace("Z", "+00:00"))


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _unaccented(value: Any) -> str:
    """`value` without its combining marks, read independently of storage/accents.py."""
    decomposed = unicodedata.normalize("NFD", str(value or ""))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _levels(keep: Callable[[float], bool]) -> Keep:
    return lambda f: _v(f, "levels") is not None and keep(float(_v(f, "levels")))


T0, T1 = "2010-03-08T12:32:40Z", "2011-06-01T00:00:00Z"  # T0: the most common edit time
INTERVAL_TEXT = f"INTERVAL('{T0}', '{T1}')"
INTERVAL_JSON = {"interval": [T0, T1]}

# the CQL2 classes GeoHub declares, each with the cases that show it
CLASSES: dict[str, list[Case]] = {
    "basic-cql2": [
        (
            "levels >= 5 OR NOT (building = 'yes') AND name IS NOT NULL",
            {
                "op": "or",
                "args": [
                    {"op": ">=", "args": [_p("levels"), 5]},
                    {
                        "op": "and",
                        "args": [
                            {"op": "not", "args": [{"op": "=", "args": [_p("building"), "yes"]}]},
                            {"op": "not", "args": [{"op": "isNull", "args": [_p("name")]}]},
                        ],
                    },
                ],
            },
            lambda f: (
                _levels(lambda n: n >= 5)(f) or (_v(f, "building") != "yes" and _v(f, "name") is not None)
            ),
        ),
        (
            "osm_timestamp <> TIMESTAMP('2010-03-08T12:32:40Z')",
            {"op": "<>", "args": [_p("osm_timestamp"), {"timestamp": T0}]},
            lambda f: _when(f) != _at(T0),
        ),
    ],
    "advanced-comparison-operators": [
        (
            "name LIKE 'Г%' OR levels BETWEEN 2 AND 5 OR building IN ('office', 'school')",
            {
                "op": "or",
                "args": [
                    {"op": "like", "args": [_p("name"), "Г%"]},
                    {"op": "between", "args": [_p("levels"), 2, 5]},
                    {"op": "in", "args": [_p("building"), ["office", "school"]]},
                ],
            },
            lambda f: (
                str(_v(f, "name") or "").startswith("Г")
                or _levels(lambda n: 2 <= n <= 5)(f)
                or _v(f, "building") in ("office", "school")
            ),
        ),
        (
            "building NOT LIKE 'ya_d%' AND levels NOT BETWEEN 1 AND 5",
            {
                "op": "and",
                "args": [
                    {"op": "not", "args": [{"op": "like", "args": [_p("building"), "ya_d%"]}]},
                    {"op": "not", "args": [{"op": "between", "args": [_p("levels"), 1, 5]}]},
                ],
            },
            lambda f: (
                not (str(_v(f, "building")).startswith("ya") and str(_v(f, "building"))[3:4] == "d")
                and _levels(lambda n: not 1 <= n <= 5)(f)
            ),
        ),
    ],
    "case-insensitive-comparison": [
        (
            "CASEI(building) = casei('APARTMENTS') OR CASEI(name) LIKE casei('УЛ%')",
            {
                "op": "or",
                "args": [
                    {
                        "op": "=",
                        "args": [
                            {"op": "casei", "args": [_p("building")]},
                            {"op": "casei", "args": ["APARTMENTS"]},
                        ],
                    },
                    {
                        "op": "like",
                        "args": [{"op": "casei", "args": [_p("name")]}, {"op": "casei", "args": ["УЛ%"]}],
                    },
                ],
            },
            lambda f: (
                str(_v(f, "building")).lower() == "apartments"
                or str(_v(f, "name") or "").lower().startswith("ул")
            ),
        ),
    ],
    "accent-insensitive-comparison": [
        (
            "ACCENTI(name) LIKE accenti('%ии %') OR ACCENTI(name) = accenti('Свято-Никольскии Собор')",
            {
                "op": "or",
                "args": [
                    {
                        "op": "like",
                        "args": [
                            {"op": "accenti", "args": [_p("name")]},
                            {"op": "accenti", "args": ["%ии %"]},
                        ],
                    },
                    {
                        "op": "=",
                        "args": [
                            {"op": "accenti", "args": [_p("name")]},
                            {"op": "accenti", "args": ["Свято-Никольскии Собор"]},
                        ],
                    },
                ],
            },
            lambda f: (
                "ии " in _unaccented(_v(f, "name")) or _unaccented(_v(f, "name")) == "Свято-Никольскии Собор"
            ),
        ),
        (
            "CASEI(ACCENTI(name)) LIKE casei(accenti('%СКИИ%'))",
            {
                "op": "like",
                "args": [
                    {"op": "casei", "args": [{"op": "accenti", "args": [_p("name")]}]},
                    {"op": "casei", "args": [{"op": "accenti", "args": ["%СКИИ%"]}]},
                ],
            },
            lambda f: "скии" in _unaccented(_v(f, "name")).lower(),
        ),
    ],
    "basic-spatial-functions": [
        (
            "S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))".format(*BOX),
            {"op": "s_intersects", "args": [_p("geometry"), {"bbox": list(BOX)}]},
            lambda f: f.geometry.intersects(shapely.box(*BOX)),
        ),
        (
            f"S_INTERSECTS(geometry, {POLYGON_WKT})",
            {"op": "s_intersects", "args": [_p("geometry"), POLYGON_JSON]},
            lambda f: f.geometry.intersects(POLYGON),
        ),
    ],
    "basic-spatial-functions-plus": [
        (
            f"S_INTERSECTS(geometry, {LINE_WKT})",
            {"op": "s_intersects", "args": [_p("geometry"), {"type": "LineString", "coordinates": LINE}]},
            lambda f: f.geometry.intersects(shapely.LineString(LINE)),
        ),
        (
            f"S_INTERSECTS(geometry, MULTIPOLYGON(({POLYGON_WKT[8:-1]})))",
            {
                "op": "s_intersects",
                "args": [
                    _p("geometry"),
                    {"type": "MultiPolygon", "coordinates": [POLYGON_JSON["coordinates"]]},
                ],
            },
            lambda f: f.geometry.intersects(POLYGON),
        ),
    ],
    "spatial-functions": [
        (
            f"S_WITHIN(geometry, {POLYGON_WKT}) AND NOT S_CROSSES(geometry, {LINE_WKT})",
            {
                "op": "and",
                "args": [
                    {"op": "s_within", "args": [_p("geometry"), POLYGON_JSON]},
                    {
                        "op": "not",
                        "args": [
                            {
                                "op": "s_crosses",
                                "args": [_p("geometry"), {"type": "LineString", "coordinates": LINE}],
                            }
                        ],
                    },
                ],
            },
            lambda f: f.geometry.within(POLYGON) and not f.geometry.crosses(shapely.LineString(LINE)),
        ),
        (
            f"S_OVERLAPS(geometry, {POLYGON_WKT}) OR S_TOUCHES(geometry, {POLYGON_WKT})",
            {
                "op": "or",
                "args": [
                    {"op": "s_overlaps", "args": [_p("geometry"), POLYGON_JSON]},
                    {"op": "s_touches", "args": [_p("geometry"), POLYGON_JSON]},
                ],
            },
            lambda f: f.geometry.overlaps(POLYGON) or f.geometry.touches(POLYGON),
        ),
        (
            f"S_DISJOINT(geometry, {POLYGON_WKT}) AND levels > 8",
            {
                "op": "and",
                "args": [
                    {"op": "s_disjoint", "args": [_p("geometry"), POLYGON_JSON]},
                    {"op": ">", "args": [_p("levels"), 8]},
                ],
            },
            lambda f: f.geometry.disjoint(POLYGON) and _levels(lambda n: n > 8)(f),
        ),
    ],
    "temporal-functions": [
        (
            f"T_AFTER(osm_timestamp, TIMESTAMP('{T1}')) OR T_BEFORE(osm_timestamp, DATE('2009-12-01'))",
            {
                "op": "or",
                "args": [
                    {"op": "t_after", "args": [_p("osm_timestamp"), {"timestamp": T1}]},
                    {"op": "t_before", "args": [_p("osm_timestamp"), {"date": "2009-12-01"}]},
                ],
            },
            lambda f: _when(f) > _at(T1) or _when(f) < _at("2009-12-01T00:00:00Z"),
        ),
        (
            f"T_DURING(osm_timestamp, {INTERVAL_TEXT})",
            {"op": "t_during", "args": [_p("osm_timestamp"), INTERVAL_JSON]},
            lambda f: _at(T0) < _when(f) < _at(T1),
        ),
        (
            f"T_INTERSECTS(osm_timestamp, {INTERVAL_TEXT})",
            {"op": "t_intersects", "args": [_p("osm_timestamp"), INTERVAL_JSON]},
            lambda f: _at(T0) <= _when(f) <= _at(T1),
        ),
        (
            f"T_EQUALS(osm_timestamp, TIMESTAMP('{T0}'))",
            {"op": "t_equals", "args": [_p("osm_timestamp"), {"timestamp": T0}]},
            lambda f: _when(f) == _at(T0),
        ),
        (
            f"T_DISJOINT(osm_timestamp, INTERVAL('..', '{T1}'))",
            {"op": "t_disjoint", "args": [_p("osm_timestamp"), {"interval": ["..", T1]}]},
            lambda f: _when(f) > _at(T1),
        ),
        (
            f"T_STARTS(INTERVAL(osm_timestamp, '{T1}'), INTERVAL('{T0}', '..'))",
            {"op": "t_starts", "args": [{"interval": [_p("osm_timestamp"), T1]}, {"interval": [T0, ".."]}]},
            lambda f: _when(f) == _at(T0),
        ),
        (
            f"T_OVERLAPS(INTERVAL(osm_timestamp, '2011-01-01T00:00:00Z'), {INTERVAL_TEXT})",
            {
                "op": "t_overlaps",
                "args": [{"interval": [_p("osm_timestamp"), "2011-01-01T00:00:00Z"]}, INTERVAL_JSON],
            },
            lambda f: _when(f) < _at(T0),
        ),
        (
            f"T_METBY(INTERVAL(osm_timestamp, '..'), INTERVAL('2009-01-01', '{T0}'))",
            {
                "op": "t_metby",
                "args": [{"interval": [_p("osm_timestamp"), ".."]}, {"interval": ["2009-01-01", T0]}],
            },
            lambda f: _when(f) == _at(T0),
        ),
    ],
    "arithmetic": [
        (
            "levels * 3 + 1 > 20 AND levels - 2 < 10 AND levels / 2 <> 3",
            {
                "op": "and",
                "args": [
                    {
                        "op": ">",
                        "args": [{"op": "+", "args": [{"op": "*", "args": [_p("levels"), 3]}, 1]}, 20],
                    },
                    {"op": "<", "args": [{"op": "-", "args": [_p("levels"), 2]}, 10]},
                    {"op": "<>", "args": [{"op": "/", "args": [_p("levels"), 2]}, 3]},
                ],
            },
            _levels(lambda n: n * 3 + 1 > 20 and n - 2 < 10 and n / 2 != 3),
        ),
        (
            "levels % 4 = 1 OR levels div 4 = 2 OR levels ^ 2 = 49",
            {
                "op": "or",
                "args": [
                    {"op": "=", "args": [{"op": "%", "args": [_p("levels"), 4]}, 1]},
                    {"op": "=", "args": [{"op": "div", "args": [_p("levels"), 4]}, 2]},
                    {"op": "=", "args": [{"op": "^", "args": [_p("levels"), 2]}, 49]},
                ],
            },
            _levels(lambda n: math.fmod(n, 4) == 1 or math.trunc(n / 4) == 2 or n**2 == 49),
        ),
    ],
}
# the two encodings: every case above is sent in both
CLASSES["cql2-text"] = CLASSES["basic-cql2"][:1]
CLASSES["cql2-json"] = CLASSES["basic-cql2"][:1]
NOT_DECLARED = {
    "array-functions": "A_CONTAINS(building, ('yes'))",
    "property-property": "S_INTERSECTS(geometry, geom)",
    "functions": "foo(levels) = 1",
}


def _ids(client: FlaskClient, cql2: str, language: str) -> list[str]:
    query = {"filter": cql2, "filter-lang": language, "limit": 10_000, "skipGeometry": "true"}
    response = client.get(f"{ITEMS}?{urlencode(query)}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    page = response.get_json()
    assert page["numberMatched"] == page["numberReturned"] == len(page["features"])
    return sorted(f["id"] for f in page["features"])


def test_conformance_declares_exactly_the_cql2_classes_shown_here(demo_apps: DemoApps) -> None:
    for backend in BACKENDS:
        declared = demo_apps.client(backend).get("/conformance").get_json()["conformsTo"]
        assert {c.removeprefix(CQL2) for c in declared if c.startswith(CQL2)} == set(CLASSES)


@pytest.mark.parametrize("conformance_class", sorted(CLASSES))
def test_each_declared_class_selects_what_python_selects(demo_apps: DemoApps, conformance_class: str) -> None:
    languages = [conformance_class] if conformance_class.startswith("cql2-") else ["cql2-text", "cql2-json"]
    for text, document, keep in CLASSES[conformance_class]:
        for backend in BACKENDS:
            stored = demo_apps.reference(backend, "buildings")
            expected = sorted(f.id for f in stored if keep(f))
            assert 0 < len(expected) < len(stored), text  # each case tells something
            for language in languages:
                cql2 = text if language == "cql2-text" else json.dumps(document)
                assert _ids(demo_apps.client(backend), cql2, language) == expected, (backend, language, text)


def test_cql2_text_is_read_by_the_cql2_package(demo_apps: DemoApps) -> None:
    """What pygeofilter 0.4 refused: '' escapes, single-letter property names, T_* functions."""
    client = demo_apps.client("geopackage")
    escaped = "name = 'O''Brien' OR levels = 1"
    name = client.get(f"{ITEMS}?{urlencode({'filter': escaped})}")
    assert name.status_code == 200, name.get_data(as_text=True)
    single = client.get(f"{ITEMS}?{urlencode({'filter': 'a = 1'})}")
    assert single.status_code == 400
    assert single.get_json()["detail"] == "Layer 'buildings' has no queryable 'a'."


@pytest.mark.parametrize("conformance_class", sorted(NOT_DECLARED))
def test_what_is_not_declared_is_a_clear_400_on_both_backends(
    demo_apps: DemoApps, conformance_class: str
) -> None:
    details = set()
    for backend in BACKENDS:
        response = demo_apps.client(backend).get(
            f"{ITEMS}?{urlencode({'filter': NOT_DECLARED[conformance_class]})}"
        )
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert response.mimetype == "application/problem+json"
        details.add(response.get_json()["detail"])
    assert len(details) == 1


@pytest.mark.parametrize(
    ("cql2", "detail"),
    [
        ("name = 'a", "The filter is not valid CQL2-TEXT (line 1, column 8)."),
        ("levels == 1", "The filter is not valid CQL2-TEXT (line 1, column 9)."),
        ("(" * 2500 + "levels = 1" + ")" * 2500, "The filter is nested more than 20 levels deep."),
    ],
)
def test_text_the_parser_refuses_is_a_400_naming_where(demo_apps: DemoApps, cql2: str, detail: str) -> None:
    for backend in BACKENDS:
        response = demo_apps.client(backend).get(f"{ITEMS}?{urlencode({'filter': cql2})}")
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert response.get_json()["detail"] == detail
