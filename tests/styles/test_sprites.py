"""Sprites: icon sheets whose index matches the image, at pixel ratios 1 and 2."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from PIL import Image

ICONS = {
    "report-open",
    "report-resolved",
    "report-closed",
    "parking",
    "bicycle-parking",
    "wheelchair",
    "recycling",
    "waste-basket",
    "landfill",
    "traffic-signals",
    "crossing",
    "place-dot",
    "place-city",
}


def _sprite(client: FlaskClient, name: str) -> tuple[dict[str, Any], Image.Image]:
    index = client.get(f"/sprites/{name}.json")
    image = client.get(f"/sprites/{name}.png")
    assert (index.status_code, image.status_code) == (200, 200)
    assert (index.mimetype, image.mimetype) == ("application/json", "image/png")
    return index.get_json(), Image.open(io.BytesIO(image.get_data()))


@pytest.mark.parametrize(("name", "ratio"), [("geohub", 1), ("geohub@2x", 2)])
def test_sprite_index_matches_the_image(client: FlaskClient, name: str, ratio: int) -> None:
    index, image = _sprite(client, name)
    assert set(index) == ICONS
    image = image.convert("RGBA")
    for icon_name, icon in index.items():
        assert icon["pixelRatio"] == ratio
        assert icon["width"] % ratio == 0 and icon["height"] % ratio == 0
        assert icon["x"] >= 0 and icon["y"] >= 0
        assert icon["x"] + icon["width"] <= image.width and icon["y"] + icon["height"] <= image.height
        box = (icon["x"], icon["y"], icon["x"] + icon["width"], icon["y"] + icon["height"])
        assert image.crop(box).getchannel("A").getbbox() is not None, f"{icon_name} is blank"
    right = max(icon["x"] + icon["width"] for icon in index.values())
    bottom = max(icon["y"] + icon["height"] for icon in index.values())
    assert (image.width, image.height) == (right, bottom)


def test_icons_do_not_overlap(client: FlaskClient) -> None:
    index, _ = _sprite(client, "geohub")
    boxes = [(i["x"], i["y"], i["x"] + i["width"], i["y"] + i["height"]) for i in index.values()]
    for n, a in enumerate(boxes):
        for b in boxes[n + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_2x_sprite_is_the_1x_sprite_doubled(client: FlaskClient) -> None:
    single, single_image = _sprite(client, "geohub")
    double, double_image = _sprite(client, "geohub@2x")
    assert double_image.size == (2 * single_image.width, 2 * single_image.height)
    for name, icon in single.items():
        assert {k: double[name][k] for k in ("x", "y", "width", "height")} == {
            k: 2 * icon[k] for k in ("x", "y", "width", "height")
        }


def test_sprites_are_cacheable_and_revalidate(client: FlaskClient) -> None:
    response = client.get("/sprites/geohub.png")
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert (
        client.get("/sprites/geohub.png", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


@pytest.mark.parametrize(
    "path",
    [
        "/sprites/geohub@3x.json",
        "/sprites/other.json",
        "/sprites/geohub.svg",
        "/sprites/Geohub.json",
        "/sprites/..%2Fsprites%2Fgeohub.json",
        "/sprites/../sprites/geohub.json.json",
        "/sprites/.gitignore",
    ],
)
def test_bad_sprite_request_is_404_problem(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404
