"""Glyphs: SDF ranges built from DejaVu, served per font and range, the first available font of a stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from geohub.styles.glyphs import available_fonts

KAZAKH_LETTERS = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
RUSSIAN_LETTERS = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
SDF_BUFFER_PX = 3  # fontnik pads each glyph bitmap by 3 px on every side


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, position


def protobuf_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: varints and length-delimited fields only."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, position = _varint(data, position)
            yield number, value
        elif wire_type == 2:
            length, position = _varint(data, position)
            yield number, data[position : position + length]
            position += length
        else:
            raise AssertionError(f"unexpected wire type {wire_type} in a glyphs PBF")


def decode_glyphs(data: bytes) -> list[dict[str, Any]]:
    """The fontstacks of a glyphs PBF (glyphs.proto: glyphs > fontstack > glyph)."""
    stacks = []
    for number, stack_bytes in protobuf_fields(data):
        assert number == 1 and isinstance(stack_bytes, bytes)
        stack: dict[str, Any] = {"glyphs": {}}
        for field, value in protobuf_fields(stack_bytes):
            if field == 1:
                stack["name"] = value.decode() if isinstance(value, bytes) else value
            elif field == 2:
                stack["range"] = value.decode() if isinstance(value, bytes) else value
            elif field == 3 and isinstance(value, bytes):
                glyph = dict(protobuf_fields(value))
                stack["glyphs"][glyph[1]] = glyph
        stacks.append(stack)
    return stacks


def test_dejavu_sans_and_bold_are_built(glyphs_dir: Path) -> None:
    assert available_fonts(glyphs_dir) == ["DejaVu Sans", "DejaVu Sans Bold"]
    for font in available_fonts(glyphs_dir):
        assert len(list((glyphs_dir / font).glob("*.pbf"))) == 256


def test_cyrillic_range_holds_kazakh_and_russian_letters(client: FlaskClient, glyphs_dir: Path) -> None:
    response = client.get("/fonts/DejaVu Sans/1024-1279.pbf")
    assert response.status_code == 200
    assert response.mimetype == "application/x-protobuf"
    data = response.get_data()
    assert data == (glyphs_dir / "DejaVu Sans" / "1024-1279.pbf").read_bytes()
    (stack,) = decode_glyphs(data)
    assert stack["range"] == "1024-1279"
    assert {ord(c) for c in KAZAKH_LETTERS + RUSSIAN_LETTERS} <= set(stack["glyphs"])
    glyph = stack["glyphs"][ord("Қ")]
    width, height = glyph[3], glyph[4]
    assert width > 0 and height > 0 and glyph[7] > 0  # advance
    assert len(glyph[2]) == (width + 2 * SDF_BUFFER_PX) * (height + 2 * SDF_BUFFER_PX)  # one byte a pixel


def test_url_encoded_fontstack_is_served(client: FlaskClient) -> None:
    response = client.get(f"/fonts/{quote('DejaVu Sans Bold')}/0-255.pbf")
    assert response.status_code == 200
    (stack,) = decode_glyphs(response.get_data())
    assert ord("A") in stack["glyphs"]


@pytest.mark.parametrize(
    ("fontstack", "served"),
    [
        ("Noto Sans Regular,DejaVu Sans Bold", "DejaVu Sans Bold"),
        ("Open Sans Regular, DejaVu Sans", "DejaVu Sans"),
        ("DejaVu Sans,DejaVu Sans Bold", "DejaVu Sans"),
    ],
)
def test_fontstack_serves_its_first_available_font(
    client: FlaskClient, glyphs_dir: Path, fontstack: str, served: str
) -> None:
    response = client.get(f"/fonts/{quote(fontstack)}/1024-1279.pbf")
    assert response.status_code == 200
    assert response.get_data() == (glyphs_dir / served / "1024-1279.pbf").read_bytes()


def test_glyphs_are_cacheable_and_revalidate(client: FlaskClient) -> None:
    response = client.get("/fonts/DejaVu Sans/0-255.pbf")
    assert response.status_code == 200
    assert (
        "public" in response.headers["Cache-Control"] and "max-age=86400" in response.headers["Cache-Control"]
    )
    etag = response.headers["ETag"]
    again = client.get("/fonts/DejaVu Sans/0-255.pbf", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


@pytest.mark.parametrize(
    "path",
    [
        "/fonts/DejaVu Sans/0-256.pbf",
        "/fonts/DejaVu Sans/1-256.pbf",
        "/fonts/DejaVu Sans/256-511-767.pbf",
        "/fonts/DejaVu Sans/65536-65791.pbf",
        "/fonts/DejaVu Sans/-256--1.pbf",
        "/fonts/DejaVu Sans/0-255.pbf.pbf",
        "/fonts/DejaVu Sans/zero-255.pbf",
        "/fonts/DejaVu Sans/0x0-0xff.pbf",
        "/fonts/Open Sans/0-255.pbf",
        "/fonts/../0-255.pbf",
        "/fonts/%2e%2e/0-255.pbf",
        "/fonts/..%2F..%2Fstyles/0-255.pbf",
        "/fonts/DejaVu Sans/../../settings.py",
        "/fonts/,/0-255.pbf",
    ],
)
def test_bad_glyph_request_is_404_problem(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["title"] and body["detail"] and body["type"].startswith("https://")
