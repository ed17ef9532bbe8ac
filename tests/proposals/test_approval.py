"""An approved layer is served at once, everywhere a seed layer is: collections and items, tiles of its
own and in `city` (no stale cached tile), its style and the city style, GeoHub's /openapi and the web
map; restricted attributes and layers stay hidden from anonymous readers. Both backends."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import mapbox_vector_tile
import morecantile
import pytest

from tests.proposals.conftest import Hub

LAYER = "street_trees"
TILE = morecantile.tms.get("WebMercatorQuad").tile(76.942, 43.251, 14)  # holds the first trees
TILE_PATH = f"{TILE.z}/{TILE.x}/{TILE.y}"


def _layers_of(data: bytes) -> dict[str, Any]:
    return dict(mapbox_vector_tile.decode(data)) if data else {}


def _web_map_config(hub: Hub, user: str | None = None) -> dict[str, Any]:
    page = hub.client.get("/", headers={**hub.headers(user), "Accept": "text/html"}).get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="geohub-config">(.*?)</script>', page, re.S)
    assert block is not None
    return dict(json.loads(block.group(1)))


@pytest.fixture
def before(hub: Hub) -> dict[str, Any]:
    """What was served before the approval (and the city tile it cached)."""
    city = hub.client.get(f"/tiles/city/{TILE_PATH}.mvt")
    return {
        "collection": hub.client.get(f"/collections/{LAYER}").status_code,
        "city tile": city.status_code,
        "city style": hub.client.get("/styles/city.json").get_json(),
    }


def test_before_approval_the_layer_is_nowhere(hub: Hub, before: dict[str, Any]) -> None:
    assert before["collection"] == 404
    assert before["city tile"] == 204  # empty: no layer has data yet
    assert not any(layer.get("source-layer") == LAYER for layer in before["city style"]["layers"])


def test_an_approved_layer_is_a_collection_with_its_items(hub: Hub, before: dict[str, Any]) -> None:
    hub.approved()
    collections = hub.client.get("/collections?f=json").get_json()
    assert LAYER in [c["id"] for c in collections["collections"]]
    items = hub.client.get(f"/collections/{LAYER}/items?f=json").get_json()
    assert items["numberMatched"] == 6
    first = next(f for f in items["features"] if f["id"] == "T000")
    assert first["properties"]["species"] == "oak"  # the file's `Species`
    assert hub.client.get(f"/collections/{LAYER}/items/T003?f=json").status_code == 200
    assert hub.client.get(f"/collections/{LAYER}/queryables?f=json").status_code == 200


def test_an_approved_layer_has_tiles_of_its_own_and_in_city(hub: Hub, before: dict[str, Any]) -> None:
    hub.approved()
    own = hub.client.get(f"/tiles/{LAYER}/{TILE_PATH}.mvt")
    assert own.status_code == 200 and LAYER in _layers_of(own.data)
    assert hub.client.get(f"/tiles/{LAYER}.json").status_code == 200
    ogc = hub.client.get(f"/collections/{LAYER}/tiles/WebMercatorQuad/{TILE.z}/{TILE.y}/{TILE.x}?f=mvt")
    assert ogc.status_code == 200 and LAYER in _layers_of(ogc.data)
    city = hub.client.get(f"/tiles/city/{TILE_PATH}.mvt")  # cached empty before: not served stale
    assert city.status_code == 200
    trees = _layers_of(city.data)[LAYER]["features"]
    assert {f["properties"]["tree_id"] for f in trees} >= {"T000", "T001"}
    assert LAYER in [layer["id"] for layer in hub.client.get("/tiles/city.json").get_json()["vector_layers"]]


def test_an_approved_layer_has_its_style_and_joins_the_city_style(hub: Hub, before: dict[str, Any]) -> None:
    hub.approved(style={"template": "points", "colour": "#762a83"})
    own = hub.client.get(f"/styles/{LAYER}.json").get_json()
    circles = [layer for layer in own["layers"] if layer.get("source-layer") == LAYER]
    assert [(c["type"], c["paint"]["circle-color"]) for c in circles] == [("circle", "#762a83")]
    assert own["sources"][LAYER]["url"].endswith(f"/tiles/{LAYER}.json")
    contrast = hub.client.get(f"/styles/{LAYER}-high-contrast.json").get_json()
    circle = next(layer for layer in contrast["layers"] if layer.get("source-layer") == LAYER)
    assert circle["paint"]["circle-stroke-color"] == "#000000"
    city = hub.client.get("/styles/city.json").get_json()
    drawn = [layer for layer in city["layers"] if layer.get("source-layer") == LAYER]
    assert [layer["source"] for layer in drawn] == ["city"]
    assert LAYER in [s["id"] for s in hub.client.get("/styles").get_json()["styles"]]


def test_an_approved_layer_is_in_the_openapi_document_and_the_web_map(
    hub: Hub, before: dict[str, Any]
) -> None:
    hub.approved()
    paths = hub.client.get("/openapi?f=json").get_json()["paths"]
    assert f"/collections/{LAYER}/items" in paths
    config = _web_map_config(hub)
    assert LAYER in config["overlays"]
    layer = next(la for la in config["layers"] if la["id"] == LAYER)
    assert layer["title"] == "Street trees" and layer["geometryType"] == "Point"


def test_restricted_attributes_of_an_approved_layer_stay_hidden_from_anonymous_readers(
    hub: Hub, before: dict[str, Any]
) -> None:
    proposal = hub.draft()
    attributes = [
        {**a, "restricted": a["name"] == "inspector_note"} for a in proposal["definition"]["attributes"]
    ]
    assert hub.complete(proposal, attributes=attributes).status_code == 200
    hub.act(proposal["id"], "submit", "dana")
    assert hub.act(proposal["id"], "approve", "admin").status_code == 200
    public = hub.client.get(f"/collections/{LAYER}/items/T000?f=json").get_json()
    assert "inspector_note" not in public["properties"]
    staff = hub.client.get(f"/collections/{LAYER}/items/T000?f=json", headers=hub.headers("marat")).get_json()
    assert staff["properties"]["inspector_note"] == "checked 0"
    tile = _layers_of(hub.client.get(f"/tiles/{LAYER}/{TILE_PATH}.mvt").data)[LAYER]["features"]
    assert all("inspector_note" not in f["properties"] for f in tile)
    queryables = hub.client.get(f"/collections/{LAYER}/queryables?f=json").get_json()["properties"]
    assert "inspector_note" not in queryables


def test_a_restricted_approved_layer_is_missing_for_anonymous_readers(
    hub: Hub, before: dict[str, Any]
) -> None:
    hub.approved(access="restricted")
    assert hub.client.get(f"/collections/{LAYER}").status_code == 404
    assert hub.client.get(f"/tiles/{LAYER}/{TILE_PATH}.mvt").status_code == 404
    assert hub.client.get(f"/styles/{LAYER}.json").status_code == 404
    assert LAYER not in [la["id"] for la in _web_map_config(hub)["layers"]]
    assert hub.client.get(f"/collections/{LAYER}", headers=hub.headers("dana")).status_code == 200
    assert LAYER in [la["id"] for la in _web_map_config(hub, "dana")["layers"]]


def test_requests_running_across_the_swap_never_fail(hub: Hub) -> None:
    proposal = hub.submitted()
    paths = ["/collections?f=json", f"/collections/{LAYER}?f=json", "/styles/city.json", "/tiles/city.json"]
    paths += [f"/tiles/city/{TILE_PATH}.mvt", "/openapi?f=json"]
    stop = threading.Event()
    answers: list[tuple[str, int]] = []

    def read() -> None:
        client = hub.app.test_client()
        while not stop.is_set():
            for path in paths:
                answers.append((path, client.get(path).status_code))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        time.sleep(0.5)
        assert hub.act(proposal["id"], "approve", "admin").status_code == 200
        seen = len(answers)
        time.sleep(1.0)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=60)
    assert len(answers) > seen  # they read on after the approval
    assert {status for _, status in answers} <= {200, 204, 404}
    layer_answers = [status for path, status in answers if path.startswith(f"/collections/{LAYER}")]
    assert layer_answers[-1] == 200 and set(layer_answers) <= {404, 200}
    assert not {path for path, status in answers if status == 404} - {f"/collections/{LAYER}?f=json"}
