"""The tileset version token, the published versions a process reads, and the cache's version
markers; on each backend, a publish changes the tile's ETag and conditional requests answer it."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import mapping, shape

from geohub.app import create_app
from geohub.auth.principal import ANONYMOUS
from geohub.cli import load_demo
from geohub.layers.registry import LayerRegistry, load_registry
from geohub.settings import PROJECT_ROOT, Settings
from geohub.tiles.cache import TileCache
from geohub.tiles.service import ASKED_TOKEN_RECHECK_S
from geohub.tiles.tilesets import build_tilesets, make_up_digest
from geohub.tiles.tms import WEB_MERCATOR_QUAD
from geohub.tiles.versions import PublishedVersions, tileset_versions, version_token
from tests.features.conftest import staff_client


@pytest.fixture(scope="module")
def seed() -> LayerRegistry:
    return load_registry(PROJECT_ROOT / "layers")


def test_the_token_moves_with_a_layer_version_and_only_in_its_tilesets(seed: LayerRegistry) -> None:
    tilesets = build_tilesets(seed)
    before = {"cadastre": 3, "roads": 7}
    after = before | {"cadastre": 4}

    def token(tileset_id: str, versions: dict[str, int]) -> str:
        tileset = tilesets[tileset_id]
        return version_token(tileset, {la.id: versions.get(la.id, 0) for la in tileset.layers})

    assert token("cadastre", before) != token("cadastre", after)
    assert token("basemap", before) != token("basemap", after)  # cadastre is drawn in the basemap
    assert token("roads", before) == token("roads", after)
    assert token("cadastre", before) == token("cadastre", dict(before))  # the same versions, the same
    assert len(token("cadastre", before)) == 16 and int(token("cadastre", before), 16) >= 0


def test_the_token_differs_by_audience_and_by_layer_definition(seed: LayerRegistry) -> None:
    public = build_tilesets(seed)["cadastre"]
    versions = {"cadastre": 1}
    cadastre = seed.get("cadastre")
    changed = cadastre.model_copy(update={"zoom": cadastre.zoom.model_copy(update={"min": 12})})
    layers = dict(seed.layers) | {"cadastre": changed}
    redefined = build_tilesets(LayerRegistry(layers=layers, departments=seed.departments))
    assert version_token(public, versions) != version_token(redefined["cadastre"], versions)
    digest = make_up_digest(public.id, "staff", public.layers, public.fields)
    staff = dataclasses.replace(public, audience="staff", digest=digest)
    assert version_token(public, versions) != version_token(staff, versions)


def test_published_versions_are_read_at_most_every_interval(tile_app: Flask) -> None:
    store = tile_app.extensions["geohub"].store
    versions = PublishedVersions(store, interval_s=3600)
    first = versions.current()
    assert first.versions == store.published_versions() and "cadastre" in first.versions
    assert versions.current() is first  # within the interval: no read
    assert versions.refresh() is not first
    assert PublishedVersions(store, interval_s=0).current().versions == first.versions


def test_a_folder_of_another_token_is_not_read(tmp_path: Path) -> None:
    cache = TileCache(tmp_path)
    cache.mark("roads", "public", "aaaa", "digest", {"roads": 1})
    cache.write("roads", "public", 14, 1, 2, b"old")
    marker = cache.marker("roads", "public")
    assert marker is not None and marker.token == "aaaa" and marker.versions == {"roads": 1}
    cache.take_over("roads", "public", "bbbb", "digest", {"roads": 2})
    assert cache.read("roads", "public", 14, 1, 2) is None  # the old version's tiles went
    marker = cache.marker("roads", "public")
    assert marker is not None and marker.token == "bbbb"
    (tmp_path / "roads" / "public" / ".version").write_text("not json")
    assert cache.marker("roads", "public") is None


def test_a_tile_is_not_served_from_a_folder_marked_for_another_version(tile_app: Flask) -> None:
    tiles = tile_app.extensions["geohub.tiles"]
    z, x, y = 14, 11693, 6005
    data, token = tiles.versioned_tile("roads", z, x, y)
    tileset = tiles.tileset("roads")
    versions = tileset_versions(tileset, tiles.versions.current())
    assert token == version_token(tileset, versions)
    stale = {layer: version - 1 for layer, version in versions.items()}
    tiles.cache.take_over("roads", "public", "0" * 16, tileset.digest, stale)  # as another node left it
    tiles.cache.write("roads", "public", z, x, y, b"stale bytes")
    # this process read the versions before that marker was written: it renders, caches nothing
    assert tiles.versioned_tile("roads", z, x, y) == (data, token)
    assert tiles.cache.read("roads", "public", z, x, y) == b"stale bytes"
    tiles.versions.refresh()  # now it knows newer versions than the marker: it takes the folder over
    assert tiles.versioned_tile("roads", z, x, y) == (data, token)
    assert tiles.cache.read("roads", "public", z, x, y) == data
    marker = tiles.cache.marker("roads", "public")
    assert marker is not None and marker.token == token


@pytest.fixture
def demo_app(settings: Settings) -> Flask:
    app = create_app(settings)
    load_demo(app.extensions["geohub"])
    return app


def _a_parcel_and_its_tile(client: FlaskClient) -> tuple[dict[str, Any], str]:
    """A cadastre parcel in central Almaty and the path of the z16 cadastre tile holding it."""
    parcel = client.get("/collections/cadastre/items?f=json&limit=1&bbox=76.90,43.22,76.96,43.27").get_json()[
        "features"
    ][0]
    point = shape(parcel["geometry"]).representative_point()
    tile = WEB_MERCATOR_QUAD.tile(point.x, point.y, 16)
    return parcel, f"/tiles/cadastre/16/{tile.x}/{tile.y}.mvt"


def test_a_publish_changes_the_etag_and_conditional_requests_follow(demo_app: Flask) -> None:
    client = demo_app.test_client()
    parcel, path = _a_parcel_and_its_tile(client)
    before = client.get(path)
    assert before.status_code == 200 and before.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    token_before = demo_app.extensions["geohub.tiles"].token("cadastre", ANONYMOUS)
    assert token_before in before.headers["ETag"]

    moved = shapely.affinity.translate(shape(parcel["geometry"]), xoff=0.0002)
    edited = staff_client(demo_app).patch(
        f"/collections/cadastre/items/{parcel['id']}", json={"geometry": mapping(moved)}
    )
    assert edited.status_code == 204, edited.get_data(as_text=True)
    after = client.get(path)
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.data != before.data
    assert client.get(path, headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    assert client.get(path, headers={"If-None-Match": after.headers["ETag"]}).status_code == 304
    token_after = demo_app.extensions["geohub.tiles"].token("cadastre", ANONYMOUS)
    assert token_after != token_before and token_after in after.headers["ETag"]
    document = client.get("/tiles/cadastre.json").get_json()
    assert document["tiles"][0].endswith(f"?v={token_after}")


def test_a_tile_asked_with_a_newer_token_is_never_kept_under_it_with_older_bytes(
    demo_app: Flask, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Node B (here a second app over the same store, reading the versions only when asked) is
    asked for a tile with the token of node A's TileJSON after a publish on node A: it reads the
    versions again and serves the new tile for that URL; while it cannot see the new version yet,
    the tile it has is `no-store`, so no cache keeps it under the new URL. A token it has read
    before is an older TileJSON's: the current tile with the short max-age."""
    lazy = settings.tiles.model_copy(update={"version_check_ms": 3_600_000})
    node_b = create_app(settings.model_copy(update={"tiles": lazy})).test_client()
    tiles_b = node_b.application.extensions["geohub.tiles"]
    parcel, path = _a_parcel_and_its_tile(node_b)

    def token_of(client: FlaskClient) -> str:
        return str(client.get("/tiles/cadastre.json").get_json()["tiles"][0].rsplit("?v=", 1)[1])

    older = token_of(node_b)
    before = node_b.get(f"{path}?v={older}")
    assert "immutable" in before.headers["Cache-Control"]
    moved = shapely.affinity.translate(shape(parcel["geometry"]), xoff=0.0002)
    edited = staff_client(demo_app).patch(
        f"/collections/cadastre/items/{parcel['id']}", json={"geometry": mapping(moved)}
    )
    assert edited.status_code == 204, edited.get_data(as_text=True)
    newer = token_of(demo_app.test_client())
    assert newer != older and token_of(node_b) == older  # node B has not read the versions since

    monkeypatch.setattr("geohub.tiles.service.ASKED_TOKEN_RECHECK_S", 3600.0)  # as if just read
    stale = node_b.get(f"{path}?v={newer}")  # node B's tile of the versions it knows (here the
    # same store gives it the new bytes; on a lagging replica they are the old ones)
    assert stale.status_code == 200 and older in stale.headers["ETag"]
    assert stale.headers["Cache-Control"] == "no-store"  # not public, no max-age: nobody keeps it
    monkeypatch.undo()
    time.sleep(ASKED_TOKEN_RECHECK_S)
    fresh = node_b.get(f"{path}?v={newer}")  # node B reads the versions again, sees the publish
    assert fresh.status_code == 200 and fresh.data != before.data
    assert "immutable" in fresh.headers["Cache-Control"] and newer in fresh.headers["ETag"]
    assert token_of(node_b) == newer
    assert tiles_b.is_older_token("cadastre", older) and not tiles_b.is_older_token("cadastre", "0" * 16)
    again = node_b.get(f"{path}?v={older}")
    assert again.data == fresh.data and again.headers["Cache-Control"] == "public, max-age=60"
    unknown = node_b.get(f"{path}?v=0123456789abcdef")
    assert unknown.data == fresh.data and unknown.headers["Cache-Control"] == "no-store"
