"""Style templates of layers added as a service: their palette keeps a 3:1 contrast (WCAG 2.1, 1.4.11)
with every ground the basemap paints, their overlays are overlays like the files', and a template
layer gets its own style, a high-contrast variant and a place in `city`."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from geohub.layers.models import LayerDefinition
from geohub.settings import PROJECT_ROOT
from geohub.styles.documents import Overlay, load_library
from geohub.styles.templates import PALETTE, TEMPLATES, template_overlay, with_template_layers

HEX = re.compile(r"^#[0-9a-f]{6}$")


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _colours(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} if HEX.match(value) else set()
    if isinstance(value, list):
        return set().union(*(_colours(v) for v in value)) if value else set()
    return set()


def basemap_grounds() -> set[str]:
    """Every colour the basemap fills an area with (background, land use, green, water, buildings)."""
    basemap = json.loads((PROJECT_ROOT / "styles" / "basemap.json").read_text(encoding="utf-8"))
    grounds: set[str] = set()
    for layer in basemap["layers"]:
        paint = layer.get("paint", {})
        for name in ("background-color", "fill-color"):
            grounds |= _colours(paint.get(name))
    return grounds


def test_the_basemap_has_grounds_to_compare_with() -> None:
    assert {"#f3f0e8", "#aad3ee", "#dad2c6"} <= basemap_grounds()


@pytest.mark.parametrize("colour", PALETTE)
def test_each_palette_colour_stands_out_on_every_basemap_ground(colour: str) -> None:
    weakest = min(basemap_grounds() | {"#ffffff"}, key=lambda ground: contrast(colour, ground))
    assert contrast(colour, weakest) >= 3.0, weakest


@pytest.mark.parametrize("template", [t.id for t in TEMPLATES])
def test_template_overlays_are_overlays(template: str) -> None:
    overlay = template_overlay("street_trees", template, PALETTE[0])
    Overlay.model_validate(overlay)
    assert {layer["source-layer"] for layer in overlay["layers"]} == {"street_trees"}


def _layer(template: str, geometry: str) -> LayerDefinition:
    return LayerDefinition.model_validate(
        {
            "id": "street_trees",
            "title": {"kk": "Ағаштар", "ru": "Деревья", "en": "Trees"},
            "description": {"kk": "Ағаштар", "ru": "Деревья", "en": "Trees"},
            "department": "natural_resources",
            "license": {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "attribution": "Almaty",
            "geometry_type": geometry,
            "key": "tree_id",
            "attributes": [{"name": "tree_id", "required": True}],
            "template": {"template": template, "colour": PALETTE[3]},
        }
    )


@pytest.mark.parametrize(
    ("template", "geometry", "types"),
    [
        ("points", "Point", ["circle"]),
        ("lines", "LineString", ["line"]),
        ("areas", "Polygon", ["fill", "line"]),
    ],
)
def test_a_template_layer_has_its_style_and_a_place_in_city(
    template: str, geometry: str, types: list[str]
) -> None:
    library = with_template_layers(load_library(), [_layer(template, geometry)])
    own = library.compose("street_trees")
    drawn = [layer for layer in own["layers"] if layer.get("source-layer") == "street_trees"]
    assert [layer["type"] for layer in drawn] == types
    assert own["sources"]["street_trees"]["url"] == "{base}/tiles/street_trees.json"
    city = [
        layer for layer in library.compose("city")["layers"] if layer.get("source-layer") == "street_trees"
    ]
    assert [layer["source"] for layer in city] == ["city"] * len(types)
    contrast_variant = library.compose("street_trees-high-contrast")
    strokes = [
        paint.get("circle-stroke-color", paint.get("line-color"))
        for paint in (
            layer["paint"]
            for layer in contrast_variant["layers"]
            if layer.get("source-layer") == "street_trees"
        )
        if "circle-stroke-color" in paint or "line-color" in paint
    ]
    assert strokes and all(contrast(stroke, "#ffffff") >= 3.0 for stroke in strokes)
