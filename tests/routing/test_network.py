"""The routing network built from the real Almaty extract: noding, steps, DEM inclines, tag
parsing, coverage, and the `geohub routing build` command importing it on both backends."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio

from geohub.errors import InvalidDataError
from geohub.routing_network.coverage import measure_coverage
from geohub.routing_network.dem import Elevation, incline_pct
from geohub.routing_network.network import (
    Edge,
    build_edges,
    build_network,
    edge_record,
    is_walkable,
    read_osm,
)
from geohub.routing_network.tags import kerb_height_cm, parse_incline, parse_length_m
from geohub.services import Services
from geohub.settings import Settings
from geohub.storage.base import FeatureQuery
from tests.conftest import DEMO_DATA
from tests.test_cli import run_geohub

ABYLAI_KHAN_X_ABAY = 297172989  # a node inside both ways: Abylai Khan (way 4489474) and Abay (23989757)
STEPS_WAYS = {23991632, 42488567, 57356215, 116650187, 116658294}


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return build_network(DEMO_DATA / "almaty.osm.pbf", DEMO_DATA / "dem.tif")


@pytest.fixture(scope="module")
def elevation() -> Elevation:
    return Elevation(DEMO_DATA / "dem.tif")


def test_two_streets_crossing_at_a_shared_node_become_four_edges_meeting_there(edges: list[Edge]) -> None:
    meeting = [e for e in edges if ABYLAI_KHAN_X_ABAY in (e.source, e.target)]
    assert len(meeting) == 4
    assert Counter(e.osm_way for e in meeting) == {4489474: 2, 23989757: 2}
    ends = {e.coords[0] if e.source == ABYLAI_KHAN_X_ABAY else e.coords[-1] for e in meeting}
    assert len(ends) == 1  # the geometry runs source -> target, so all four touch the node's location


def test_edges_meet_only_at_their_ends(edges: list[Edge]) -> None:
    ends = {n for e in edges for n in (e.source, e.target)}
    located = {e.coords[0]: e.source for e in edges} | {e.coords[-1]: e.target for e in edges}
    inner = {c for e in edges for c in e.coords[1:-1]}
    assert not {located[c] for c in inner if c in located} & ends
    assert len({e.edge_id for e in edges}) == len(edges)


def test_the_five_steps_ways_are_edges_with_steps(edges: list[Edge]) -> None:
    steps = [e for e in edges if e.attributes["steps"]]
    assert {e.osm_way for e in steps} == STEPS_WAYS
    assert all(e.attributes["highway"] == "steps" for e in steps)
    assert not [e for e in edges if e.osm_way in STEPS_WAYS and not e.attributes["steps"]]


def test_dem_incline_is_signed_by_direction(edges: list[Edge], elevation: Elevation) -> None:
    sloped = [
        e for e in edges if e.attributes["incline_source"] == "dem" and abs(e.attributes["incline_pct"]) > 2
    ]
    assert len(sloped) > 100  # Almaty climbs to the south
    for edge in sloped[:50]:
        lons, lats = np.array([c[0] for c in edge.coords]), np.array([c[1] for c in edge.coords])
        length = edge.attributes["length_m"]
        assert incline_pct(elevation, lons, lats, length) == edge.attributes["incline_pct"]
        assert incline_pct(elevation, lons[::-1], lats[::-1], length) == pytest.approx(
            -edge.attributes["incline_pct"], abs=0.011
        )
    uphill = max(sloped, key=lambda e: e.attributes["incline_pct"])
    heights = elevation.at(
        np.array([uphill.coords[0][0], uphill.coords[-1][0]]),
        np.array([uphill.coords[0][1], uphill.coords[-1][1]]),
    )
    assert heights[1] > heights[0]


def test_elevation_at_a_pixel_centre_is_the_pixel_as_rasterio_reads_it(elevation: Elevation) -> None:
    with rasterio.open(DEMO_DATA / "dem.tif") as dataset:
        band = dataset.read(1)
        for row, col in [(10, 20), (150, 300), (300, 500)]:
            lon, lat = dataset.xy(row, col)  # the centre of the pixel
            assert elevation.at(np.array([lon]), np.array([lat]))[0] == pytest.approx(float(band[row, col]))
    assert np.isnan(elevation.at(np.array([80.0]), np.array([43.2])))[0]  # outside the DEM


@pytest.mark.parametrize(
    ("tag", "pct", "direction"),
    [
        ("5%", 5.0, None),
        ("-8 %", -8.0, None),
        ("3°", 5.24, None),
        ("-3°", -5.24, None),
        ("up", None, "up"),
        ("down", None, "down"),
    ],
)
def test_incline_tags(tag: str, pct: float | None, direction: str | None) -> None:
    parsed = parse_incline(tag)
    assert parsed is not None and parsed.pct == pct and parsed.direction == direction


@pytest.mark.parametrize("tag", ["steep", "", "95°", "5 km", None])
def test_unreadable_incline_tags_are_unknown(tag: str | None) -> None:
    assert parse_incline(tag) is None


@pytest.mark.parametrize(
    ("tag", "metres"),
    [
        ("1.2 m", 1.2),
        ("120 cm", 1.2),
        ("1,5", 1.5),
        ("2", 2.0),
        ("3'", 0.914),
        ("wide", None),
        ("0", None),
        ("-1", None),
    ],
)
def test_width_tags(tag: str, metres: float | None) -> None:
    assert parse_length_m(tag) == metres


@pytest.mark.parametrize(
    ("kerb", "height", "cm"),
    [
        ("raised", None, 12.0),
        ("lowered", None, 3.0),
        ("flush", None, 0.0),
        ("rolled", None, 5.0),
        (None, "0.04", 4.0),
        (None, "6 cm", 6.0),
        ("raised", "2 cm", 2.0),
        (None, "0", 0.0),
        ("weird", None, None),
        (None, None, None),
    ],
)
def test_kerb_heights(kerb: str | None, height: str | None, cm: float | None) -> None:
    assert kerb_height_cm(kerb, height) == cm


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "primary"}, True),
        ({"highway": "trunk"}, False),
        ({"highway": "trunk", "sidewalk": "both"}, True),
        ({"highway": "motorway", "foot": "yes"}, True),
        ({"highway": "residential", "sidewalk": "separate"}, False),
        ({"highway": "path", "foot": "no"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "service", "access": "private"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_walkable_ways(tags: dict[str, str], walkable: bool) -> None:
    assert is_walkable(tags) is walkable


SMALL_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
 <node id="1" lat="43.2500" lon="76.9400" version="1"/>
 <node id="2" lat="43.2502" lon="76.9400" version="1"><tag k="kerb" v="lowered"/></node>
 <node id="3" lat="43.2504" lon="76.9400" version="1"/>
 <node id="4" lat="43.2504" lon="76.9404" version="1"><tag k="kerb:height" v="0.12"/></node>
 <node id="5" lat="43.2506" lon="76.9404" version="1"/>
 <node id="6" lat="43.2508" lon="76.9404" version="1"/>
 <node id="7" lat="43.2510" lon="76.9404" version="1"/>
 <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
  <tag k="highway" v="footway"/><tag k="footway" v="sidewalk"/><tag k="surface" v="asphalt"/></way>
 <way id="11" version="1"><nd ref="3"/><nd ref="4"/>
  <tag k="highway" v="footway"/><tag k="footway" v="crossing"/><tag k="crossing" v="traffic_signals"/></way>
 <way id="12" version="1"><nd ref="4"/><nd ref="5"/>
  <tag k="highway" v="steps"/><tag k="step_count" v="12"/><tag k="incline" v="up"/>
  <tag k="width" v="120 cm"/></way>
 <way id="13" version="1"><nd ref="5"/><nd ref="6"/><tag k="highway" v="trunk"/></way>
 <way id="14" version="1"><nd ref="6"/><nd ref="7"/>
  <tag k="highway" v="trunk"/><tag k="sidewalk" v="both"/></way>
</osm>
"""


def test_ways_are_cut_at_tagged_nodes_and_carry_their_tags(tmp_path: Path, elevation: Elevation) -> None:
    path = tmp_path / "small.osm"
    path.write_text(SMALL_OSM)
    ways, node_tags = read_osm(path)
    built = {e.edge_id: e for e in build_edges(ways, node_tags, elevation)}
    assert sorted(built) == ["10-0", "10-1", "11-0", "12-0", "14-0"]  # 13: a trunk road without sidewalks
    assert (built["10-0"].source, built["10-0"].target, built["10-1"].target) == (1, 2, 3)
    assert [built[i].attributes["kerb_cm"] for i in ("10-0", "10-1", "11-0", "12-0")] == [
        3.0,
        3.0,
        12.0,
        12.0,
    ]
    crossing = built["11-0"].attributes
    assert (crossing["crossing"], crossing["traffic_signals"], crossing["footway"]) == (
        "traffic_signals",
        "yes",
        "crossing",
    )
    stairs = built["12-0"].attributes
    assert stairs["steps"] and stairs["step_count"] == 12 and stairs["width_m"] == 1.2
    assert (stairs["incline_pct"], stairs["incline_source"], stairs["incline_tag"]) == (None, "tag", "up")
    assert built["10-0"].attributes["incline_source"] == "dem"
    assert built["10-0"].attributes["length_m"] == pytest.approx(22.2, abs=0.1)  # 0.0002° of latitude


def test_coverage_counts_the_known_attributes() -> None:
    rows = [
        {
            "length_m": 100.0,
            "surface": "asphalt",
            "incline_pct": 2.0,
            "incline_source": "dem",
            "steps": False,
        },
        {
            "length_m": 50.0,
            "surface": None,
            "incline_pct": None,
            "incline_source": "tag",
            "steps": True,
            "step_count": 8,
        },
        {
            "length_m": 250.0,
            "surface": "gravel",
            "lit": "yes",
            "incline_pct": -1.0,
            "incline_source": "dem",
            "steps": True,
        },
        {"length_m": 600.0, "steps": False},
    ]
    coverage = measure_coverage(rows)
    assert (coverage.edges, coverage.length_km) == (4, 1.0)
    assert (coverage.row("surface").known, coverage.row("surface").share) == (2, 0.5)
    assert (coverage.row("lit").known, coverage.row("kerb_cm").known) == (1, 0)
    assert (coverage.incline_from_dem, coverage.incline_from_tag) == (2, 1)
    assert (coverage.steps, coverage.steps_with_count) == (2, 1)
    assert "surface                      2   50.0%" in coverage.lines()


def test_coverage_of_the_real_network(edges: list[Edge]) -> None:
    coverage = measure_coverage(edge_record(e) for e in edges)
    assert coverage.edges == len(edges) > 10_000
    assert coverage.steps == 5
    assert coverage.row("incline_pct").share > 0.99  # the DEM covers the city
    assert coverage.row("surface").known == sum(e.attributes["surface"] is not None for e in edges)


def test_bad_files_are_refused_with_their_name(tmp_path: Path) -> None:
    fake = tmp_path / "city.osm.pbf"
    fake.write_text("not a pbf")
    with pytest.raises(InvalidDataError, match=r"city\.osm\.pbf is not an OpenStreetMap PBF file"):
        build_network(fake, None)
    with pytest.raises(InvalidDataError, match=r"dem\.tif cannot be read"):
        Elevation(tmp_path / "dem.tif")


def test_routing_build_prints_coverage_then_imports_and_publishes(settings: Settings, tmp_path: Path) -> None:
    assert run_geohub("etl", "sync", "districts", settings=settings).returncode == 0
    built = run_geohub("routing", "build", "--out-dir", str(tmp_path / "out"), settings=settings)
    assert built.returncode == 0, built.stderr
    lines = built.stdout.splitlines()
    assert any(line.split()[:2] == ["steps:", "5"] for line in lines)
    assert any(line.startswith("incline_pct") and line.endswith("%") for line in lines)
    assert "routing_network      published   v1" in built.stdout
    written = tmp_path / "out" / "routing_network.gpkg"
    count = int(pyogrio.read_info(written, layer="routing_network")["features"])
    services = Services.from_settings(settings)
    try:
        layer = services.registry.get("routing_network")
        version = services.store.current_version("routing_network")
        assert version is not None and version.feature_count == count
        stairs = services.store.query(layer, FeatureQuery(where={"highway": "steps"}, limit=10))
        assert len(stairs.features) == 5
        assert all(f.properties["steps"] is True and f.properties["district"] for f in stairs.features)
    finally:
        services.close()
