"""Tilesets: which layers a tile carries, and the detail each keeps at each zoom."""

from __future__ import annotations

from dataclasses import dataclass

from geohub.layers.models import GeometryType, LayerDefinition, Text
from geohub.layers.registry import LayerRegistry
from geohub.storage.base import TileLayerRequest, TileRequest
from geohub.tiles.tms import pixel_size_m, tile_bounds_3857

BASEMAP_LAYERS = (
    "water_areas",
    "waterways",
    "green_spaces",
    "cadastre",
    "roads",
    "railways",
    "buildings",
    "districts",
    "places",
)
POLYGONS = (GeometryType.polygon, GeometryType.multipolygon)
FULL_DETAIL_ZOOM = 15  # from here on tiles keep every vertex and every polygon


@dataclass(frozen=True)
class Tileset:
    """A named set of layers served together as one MVT per tile."""

    id: str
    title: Text
    layers: tuple[LayerDefinition, ...]

    @property
    def minzoom(self) -> int:
        return min(layer.zoom.min for layer in self.layers)

    @property
    def maxzoom(self) -> int:
        return max(layer.zoom.max for layer in self.layers)

    @property
    def attribution(self) -> str:
        return "; ".join(sorted({layer.attribution for layer in self.layers}))


def build_tilesets(registry: LayerRegistry) -> dict[str, Tileset]:
    """One tileset per public layer, `city` (every public thematic layer) and `basemap`."""
    public = [layer for layer in registry if layer.is_public]
    tilesets = {layer.id: Tileset(layer.id, layer.title, (layer,)) for layer in public}
    thematic = tuple(layer for layer in public if layer.group == "thematic")
    basemap = tuple(
        registry.layers[i] for i in BASEMAP_LAYERS if i in registry.layers and registry.layers[i].is_public
    )
    tilesets["city"] = Tileset(
        "city", Text(kk="Қала қабаттары", ru="Слои города", en="City layers"), thematic
    )
    tilesets["basemap"] = Tileset(
        "basemap", Text(kk="Базалық карта", ru="Базовая карта", en="Basemap"), basemap
    )
    return tilesets


def tile_request(tileset: Tileset, z: int, x: int, y: int) -> TileRequest:
    """The tile's request: layers visible at z, their attributes at z, generalisation for z."""
    layers = tuple(
        layer_request(layer, z) for layer in tileset.layers if layer.zoom.min <= z <= layer.zoom.max
    )
    return TileRequest(z=z, x=x, y=y, bounds_3857=tile_bounds_3857(z, x, y), layers=layers)


def layer_request(layer: LayerDefinition, z: int) -> TileLayerRequest:
    """Per-zoom rules: attributes by their minzoom; below full detail, simplify to half a pixel
    and drop polygons smaller than a pixel."""
    attributes = tuple(a.name for a in layer.public_attributes() if a.minzoom <= z)
    rules = sorted((r for r in layer.tile_rules if z < r.below_zoom), key=lambda r: r.below_zoom)
    keep = (rules[0].attribute, rules[0].values) if rules else None
    if z >= FULL_DETAIL_ZOOM:
        return TileLayerRequest(layer, layer.id, attributes, keep=keep)
    pixel_deg = 360.0 / (256 * 2**z)
    return TileLayerRequest(
        layer,
        layer.id,
        attributes,
        simplify_m=pixel_size_m(z) / 2,
        min_size_deg=pixel_deg if layer.geometry_type in POLYGONS else 0.0,
        keep=keep,
    )
