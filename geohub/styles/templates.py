"""Style templates for layers added as a service: points, lines or areas in a palette colour.

A proposed layer picks a template fitting its geometry and one colour of `PALETTE`. Approved, it
gets an overlay made here (the same shape as `styles/overlays/*.json`: the web map reads its
legend from it), its own style `/styles/<id>.json` (with the high-contrast variant) and a place
in the `city` style. The palette's colours keep a contrast of at least 3:1 (WCAG 2.1, 1.4.11) with
the basemap's ground, tested in tests/styles/test_templates.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from geohub.layers.models import GeometryType, LayerDefinition, Text
from geohub.styles.documents import Catalog, HighContrastOverrides, LayerOverride, StyleEntry, StyleLibrary

CITY_STYLE = "city"
PALETTE = (
    "#1b7837",  # green
    "#2166ac",  # blue
    "#b2182b",  # red
    "#762a83",  # purple
    "#8c510a",  # brown
    "#01665e",  # teal
    "#c51b7d",  # magenta
    "#b35806",  # orange
)
HIGH_CONTRAST_OUTLINE = "#000000"


@dataclass(frozen=True)
class StyleTemplate:
    """One template: the geometry types it draws and its title."""

    id: str
    geometry_types: tuple[GeometryType, ...]
    title: Text


TEMPLATES = (
    StyleTemplate(
        "points",
        (GeometryType.point, GeometryType.multipoint),
        Text(kk="Нүктелер", ru="Точки", en="Points"),
    ),
    StyleTemplate(
        "lines",
        (GeometryType.linestring, GeometryType.multilinestring),
        Text(kk="Сызықтар", ru="Линии", en="Lines"),
    ),
    StyleTemplate(
        "areas",
        (GeometryType.polygon, GeometryType.multipolygon),
        Text(kk="Аумақтар", ru="Площади", en="Areas"),
    ),
)
TEMPLATE_IDS = tuple(t.id for t in TEMPLATES)
# the lowest zoom whose tiles carry a template layer: below it a city's worth of features would
# make heavy tiles of specks (the seed layers' own minzooms are 8 to 16)
MINZOOM = {"points": 12, "lines": 10, "areas": 10}


def template_for(geometry_type: GeometryType) -> StyleTemplate:
    """The template that draws `geometry_type`."""
    return next(t for t in TEMPLATES if geometry_type in t.geometry_types)


def templates_json() -> dict[str, Any]:
    """What GET /layer-templates answers."""
    return {
        "templates": [
            {"id": t.id, "geometryTypes": [str(g) for g in t.geometry_types], "title": t.title.model_dump()}
            for t in TEMPLATES
        ],
        "colours": list(PALETTE),
    }


def template_overlay(layer_id: str, template: str, colour: str) -> dict[str, Any]:
    """An overlay as in styles/overlays/*.json for one layer drawn with `template` in `colour`."""
    if template == "points":
        layers: list[dict[str, Any]] = [
            {
                "id": f"{layer_id}-circle",
                "type": "circle",
                "source-layer": layer_id,
                "paint": {
                    "circle-color": colour,
                    "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 3, 16, 6],
                    "circle-stroke-color": "#ffffff",
                    "circle-stroke-width": 1.5,
                },
            }
        ]
    elif template == "lines":
        layers = [
            {
                "id": f"{layer_id}-line",
                "type": "line",
                "source-layer": layer_id,
                "layout": {"line-cap": "round", "line-join": "round"},
                "paint": {
                    "line-color": colour,
                    "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1.5, 16, 4],
                },
            }
        ]
    else:
        layers = [
            {
                "id": f"{layer_id}-fill",
                "type": "fill",
                "source-layer": layer_id,
                "paint": {"fill-color": colour, "fill-opacity": 0.3},
            },
            {
                "id": f"{layer_id}-outline",
                "type": "line",
                "source-layer": layer_id,
                "paint": {
                    "line-color": colour,
                    "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1, 16, 2.5],
                },
            },
        ]
    return {"layers": layers}


def high_contrast_overrides(layer_id: str, template: str) -> dict[str, LayerOverride]:
    """The high-contrast variant: thicker strokes, black outlines, opaque fills."""
    if template == "points":
        return {
            f"{layer_id}-circle": LayerOverride(
                paint={
                    "circle-radius": ["interpolate", ["linear"], ["zoom"], 10, 5, 16, 9],
                    "circle-stroke-color": HIGH_CONTRAST_OUTLINE,
                    "circle-stroke-width": 2,
                }
            )
        }
    if template == "lines":
        return {
            f"{layer_id}-line": LayerOverride(
                paint={"line-width": ["interpolate", ["linear"], ["zoom"], 10, 3, 16, 7]}
            )
        }
    return {
        f"{layer_id}-fill": LayerOverride(paint={"fill-opacity": 0.55}),
        f"{layer_id}-outline": LayerOverride(
            paint={
                "line-color": HIGH_CONTRAST_OUTLINE,
                "line-width": ["interpolate", ["linear"], ["zoom"], 10, 2, 16, 4],
            }
        ),
    }


def with_template_layers(library: StyleLibrary, layers: list[LayerDefinition]) -> StyleLibrary:
    """`library` with, for each layer drawn by a template (and not already an overlay), its overlay,
    its own style and its place in `city`."""
    layers = [la for la in layers if la.template is not None and la.id not in library.overlays]
    if not layers:
        return library
    overlays = dict(library.overlays)
    overrides = dict(library.high_contrast.layers)
    for layer in layers:
        assert layer.template is not None
        overlays[layer.id] = template_overlay(layer.id, layer.template.template, layer.template.colour)
        overrides.update(high_contrast_overrides(layer.id, layer.template.template))
    added = tuple(layer.id for layer in layers)
    entries = [
        entry.model_copy(update={"overlays": entry.overlays + added}) if entry.id == CITY_STYLE else entry
        for entry in library.catalog.styles
    ]
    entries += [StyleEntry(id=layer.id, title=layer.title, overlays=(layer.id,)) for layer in layers]
    return dataclasses.replace(
        library,
        catalog=Catalog(styles=tuple(entries), high_contrast=library.catalog.high_contrast),
        overlays=overlays,
        high_contrast=HighContrastOverrides(description=library.high_contrast.description, layers=overrides),
        _rendered={},
    )
