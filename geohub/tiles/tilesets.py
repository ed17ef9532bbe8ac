"""Tilesets: which layers a tile carries, and the detail each keeps at each zoom."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from geohub.auth.principal import ANONYMOUS, Principal
from geohub.layers.models import Attribute, GeometryType, LayerDefinition, Text
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
    """A named set of layers served together as one MVT per tile, as one audience sees it.

    `audience` is `Principal.audience` ("public" or "staff"): tiles of different audiences hold
    different layers and attributes, so they are cached apart. `fields` names, per layer id, the
    attributes its tiles may carry (every public one when a layer is not named).
    """

    id: str
    title: Text
    layers: tuple[LayerDefinition, ...]
    audience: str = ANONYMOUS.audience
    fields: Mapping[str, tuple[Attribute, ...]] = field(default_factory=dict, compare=False)
    digest: str = field(default="", compare=False)  # of its make-up, made by build_tilesets

    def attributes(self, layer: LayerDefinition) -> tuple[Attribute, ...]:
        """The attributes of `layer` this tileset's tiles carry."""
        return self.fields.get(layer.id, layer.public_attributes())

    @property
    def minzoom(self) -> int:
        return min(layer.zoom.min for layer in self.layers)

    @property
    def maxzoom(self) -> int:
        return max(layer.zoom.max for layer in self.layers)

    @property
    def attribution(self) -> str:
        return "; ".join(sorted({layer.attribution for layer in self.layers}))


def build_tilesets(registry: LayerRegistry, reader: Principal = ANONYMOUS) -> dict[str, Tileset]:
    """The tilesets of `reader`'s audience: one per layer it may read, `city` (every such thematic
    layer) and `basemap`, each layer with the attributes the reader may see."""
    readable = registry.readable_layers(reader)
    fields = {layer.id: reader.visible_attributes(layer) for layer in readable}
    return {
        tileset_id: Tileset(
            tileset_id,
            title,
            layers,
            reader.audience,
            {la.id: fields[la.id] for la in layers},
            make_up_digest(tileset_id, reader.audience, layers, fields),
        )
        for tileset_id, (title, layers) in _compose(readable).items()
    }


def make_up_digest(
    tileset_id: str,
    audience: str,
    layers: tuple[LayerDefinition, ...],
    fields: Mapping[str, tuple[Attribute, ...]],
) -> str:
    """A digest of what shapes a tileset's tiles besides the data: its id and audience, its layers'
    definitions (zooms, tile rules, attributes), the attributes the audience sees."""
    parts = [tileset_id, audience] + [
        [layer.model_dump_json(), [a.name for a in fields.get(layer.id, ())]] for layer in layers
    ]
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()


def tilesets_with(registry: LayerRegistry, layer_id: str) -> list[str]:
    """Ids of the tilesets `layer_id` appears in, for any audience (whose cached tiles it changes)."""
    return [
        i for i, (_, layers) in _compose(list(registry)).items() if any(la.id == layer_id for la in layers)
    ]


def compositions(registry: LayerRegistry) -> dict[str, tuple[str, ...]]:
    """Tileset id -> the ids of its layers, for every audience's tilesets together."""
    return {i: tuple(layer.id for layer in layers) for i, (_, layers) in _compose(list(registry)).items()}


def _compose(layers: list[LayerDefinition]) -> dict[str, tuple[Text, tuple[LayerDefinition, ...]]]:
    """Tileset id -> title and layers: one per layer, `city` (the thematic ones) and `basemap`."""
    tilesets: dict[str, tuple[Text, tuple[LayerDefinition, ...]]] = {
        layer.id: (layer.title, (layer,)) for layer in layers
    }
    thematic = tuple(layer for layer in layers if layer.group == "thematic")
    basemap = tuple(layer for i in BASEMAP_LAYERS for layer in layers if layer.id == i)
    tilesets["city"] = (Text(kk="Қала қабаттары", ru="Слои города", en="City layers"), thematic)
    tilesets["basemap"] = (Text(kk="Базалық карта", ru="Базовая карта", en="Basemap"), basemap)
    return tilesets


def tile_request(
    tileset: Tileset, z: int, x: int, y: int, versions: Mapping[str, int] | None = None
) -> TileRequest:
    """The tile's request: layers visible at z, their attributes at z, generalisation for z; of
    the layers' `versions` (the tileset's token's), else of the versions published now."""
    shown = [layer for layer in tileset.layers if layer.zoom.min <= z <= layer.zoom.max]
    layers = tuple(layer_request(layer, tileset.attributes(layer), z) for layer in shown)
    labels = tuple(label_request(layer, tileset.attributes(layer), z) for layer in shown if layer.label_layer)
    return TileRequest(
        z=z,
        x=x,
        y=y,
        bounds_3857=tile_bounds_3857(z, x, y),
        layers=layers + labels,
        versions=tuple(sorted((versions or {}).items())),
    )


def label_attributes(layer: LayerDefinition, visible: tuple[Attribute, ...]) -> tuple[Attribute, ...]:
    """The attributes a layer's label points carry: its key and its `labels`, of the `visible` ones."""
    return tuple(a for a in visible if a.name == layer.key or a.name in layer.labels)


def label_request(layer: LayerDefinition, visible: tuple[Attribute, ...], z: int) -> TileLayerRequest:
    """The layer's label points at z: one point per polygon, kept by the one tile holding it."""
    assert layer.label_layer is not None
    attributes = tuple(a.name for a in label_attributes(layer, visible) if a.minzoom <= z)
    return TileLayerRequest(layer, layer.label_layer, attributes, keep=_kept(layer, z), labels=True)


def layer_request(layer: LayerDefinition, visible: tuple[Attribute, ...], z: int) -> TileLayerRequest:
    """Per-zoom rules: of the `visible` attributes, those whose minzoom is reached; below full
    detail, simplify to half a pixel and drop polygons smaller than a pixel."""
    attributes = tuple(a.name for a in visible if a.minzoom <= z)
    keep = _kept(layer, z)
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


def _kept(layer: LayerDefinition, z: int) -> tuple[str, tuple[str, ...]] | None:
    """The tile rule in force at z: the attribute and the values of the features kept."""
    rules = sorted((r for r in layer.tile_rules if z < r.below_zoom), key=lambda r: r.below_zoom)
    return (rules[0].attribute, rules[0].values) if rules else None
