"""Real clients against a real `geohub serve`: GDAL's OAPIF driver, owslib, and paging by `next` links."""

from __future__ import annotations

import json
import math
import re
import subprocess
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import shapely
from owslib.ogcapi.features import Features
from pyogrio.raw import read

from geohub.layers.registry import LayerRegistry
from geohub.settings import PROJECT_ROOT
from tests.features.conftest import LiveServer

LAYER_IDS = sorted(p.stem for p in (PROJECT_ROOT / "layers").glob("*.yaml") if p.stem != "departments")
ALMALY_CENTRE = (76.90, 43.23, 76.96, 43.27)


def _ogr(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.headers["Content-Type"].startswith(("application/json", "application/geo+json"))
        return json.load(response)


def test_every_layer_has_a_definition_file(registry: LayerRegistry) -> None:
    assert sorted(layer.id for layer in registry) == LAYER_IDS
    assert len(LAYER_IDS) == 18


# GDAL's OAPIF driver ------------------------------------------------------------------------------


def test_gdal_lists_every_layer(live: LiveServer) -> None:
    listing = _ogr("ogrinfo", "-ro", "-so", f"OAPIF:{live.base_url}")
    listed = re.findall(r"^\d+: (\w+) \(title: ", listing, re.M)
    assert listed == LAYER_IDS


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_gdal_feature_count_is_the_stored_count(live: LiveServer, layer_id: str) -> None:
    summary = _ogr("ogrinfo", "-ro", "-so", f"OAPIF:{live.base_url}", layer_id)
    counts = re.findall(r"^Feature Count: (\d+)$", summary, re.M)
    assert counts == [str(live.services.store.count(live.services.registry.get(layer_id)))]
    assert int(counts[0]) > 0 or layer_id == "reports"  # the demo has no citizen reports


def test_gdal_types_fields_from_the_collections_schema(live: LiveServer) -> None:
    """GDAL's OAPIF driver types fields only from the JSON Schema a collection links (describedby)."""
    summary = _ogr("ogrinfo", "-ro", "-so", f"OAPIF:{live.base_url}", "buildings")
    fields = dict(re.findall(r"^(\w+): (\w+) \(", summary, re.M))
    assert fields["levels"] == "Integer"
    assert fields["height"] == "Real"
    assert fields["osm_timestamp"] == "DateTime"
    assert fields["name"] == fields["district"] == "String"


def _copy_with_ogr2ogr(live: LiveServer, layer_id: str, target: Path, *options: str) -> dict[str, Any]:
    _ogr("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live.base_url}", layer_id, *options)
    meta, _fids, geometries, fields = read(target, layer=layer_id)
    return {
        "meta": meta,
        "geometries": shapely.from_wkb(geometries),
        "fields": dict(zip(meta["fields"], fields, strict=True)),
    }


def test_ogr2ogr_copies_every_building_once(live: LiveServer, tmp_path: Path) -> None:
    copied = _copy_with_ogr2ogr(live, "buildings", tmp_path / "buildings.gpkg", "-oo", "PAGE_SIZE=1000")
    ids = list(copied["fields"]["osm_ref"])
    stored = live.stored("buildings")
    assert len(ids) == len(stored) == 8_061
    assert sorted(ids) == sorted(f.id for f in stored)


def test_ogr2ogr_with_the_default_page_size_copies_features_as_stored(
    live: LiveServer, tmp_path: Path
) -> None:
    copied = _copy_with_ogr2ogr(live, "parking_points", tmp_path / "parking_points.gpkg")
    stored = {f.id: f for f in live.stored("parking_points")}
    ids = list(copied["fields"]["osm_ref"])
    assert len(stored) > 10  # more than one page of the server's default limit
    assert sorted(ids) == sorted(stored)
    for feature_id, geometry in zip(ids, copied["geometries"], strict=True):
        assert shapely.equals_exact(geometry, stored[feature_id].geometry, tolerance=1e-9)
    for name in ("name", "district"):
        assert list(copied["fields"][name]) == [stored[i].properties[name] for i in ids]
    # typed from the collection's schema although the first page (10 features) has no capacity at all
    capacity = copied["fields"]["capacity"]
    assert capacity.dtype.kind in "if"  # integers; pyogrio reads an integer column with nulls as float
    assert [_integer(v) for v in capacity] == [stored[i].properties["capacity"] for i in ids]


def _integer(value: Any) -> int | None:
    """An integer column's value as read by pyogrio: null is NaN when the column has nulls."""
    return None if value is None or math.isnan(value) else int(value)


# owslib -------------------------------------------------------------------------------------------


def test_owslib_lists_collections_reads_items_and_queryables(live: LiveServer) -> None:
    api = Features(live.base_url)
    assert sorted(c["id"] for c in api.collections()["collections"]) == LAYER_IDS
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]

    items = api.collection_items("addresses", limit=25)
    stored = {f.id: f for f in live.stored("addresses")}
    assert items["numberMatched"] == len(stored) == 717
    assert items["numberReturned"] == len(items["features"]) == 25
    for feature in items["features"]:
        reference = stored[feature["id"]]
        assert feature["properties"] == reference.properties
        assert shapely.equals_exact(shapely.geometry.shape(feature["geometry"]), reference.geometry, 1e-9)

    queryables = api.collection_queryables("addresses")
    layer = live.services.registry.get("addresses")
    assert set(queryables["properties"]) == {a.name for a in layer.public_attributes()} | {"geometry"}


# paging through next links --------------------------------------------------------------------------


def _walk(url: str) -> tuple[list[str], int, list[str]]:
    """Ids of every page reached through `next` links, numberMatched, and the pages' URLs."""
    ids: list[str] = []
    pages: list[str] = []
    matched: int | None = None
    next_url: str | None = url
    while next_url:
        pages.append(next_url)
        page = _get_json(next_url)
        matched = page["numberMatched"] if matched is None else matched
        assert page["numberMatched"] == matched
        assert page["numberReturned"] == len(page["features"])
        ids += [f["id"] for f in page["features"]]
        next_url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        assert len(pages) < 100
    assert matched is not None
    return ids, matched, pages


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        ({}, lambda f: True),
        ({"filter": "district='almaly'"}, lambda f: f.properties["district"] == "almaly"),
        (
            {"bbox": ",".join(map(str, ALMALY_CENTRE))},
            lambda f: f.geometry.intersects(shapely.box(*ALMALY_CENTRE)),
        ),
    ],
    ids=["all", "filter", "bbox"],
)
def test_next_links_page_through_each_feature_exactly_once(
    live: LiveServer, query: dict[str, str], keep: Any
) -> None:
    expected = sorted(f.id for f in live.stored("buildings") if keep(f))
    first = urlencode({**query, "limit": 500, "skipGeometry": "true"})
    ids, matched, pages = _walk(f"{live.base_url}/collections/buildings/items?{first}")
    assert len(ids) == len(set(ids)) == matched == len(expected)
    assert sorted(ids) == expected
    assert len(pages) == -(-len(expected) // 500)
    for page_url in pages[1:]:
        parameters = {k: v[0] for k, v in parse_qs(urlsplit(page_url).query).items()}
        assert page_url.startswith(f"{live.base_url}/collections/buildings/items?")
        assert {k: parameters[k] for k in query} == query
        assert parameters["limit"] == "500"
