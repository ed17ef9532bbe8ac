"""Style documents: `styles/` loaded and validated once, composed and rendered per style and language.

A style is `styles/basemap.json` plus the thematic layers of its overlays
(`styles/overlays/{name}.json`), as `styles/catalog.yaml` lists them; each also has a
high-contrast variant made with the overrides in `styles/high-contrast.json`. The files hold two
placeholders, filled in when a style is rendered: `{base}` (the public URL, so every source,
glyph and sprite URL is absolute and on this server) and `{lang}` (the label language).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from geohub.errors import ConfigurationError, FieldError, InvalidRequestError, NotFoundError
from geohub.layers.models import LANGUAGES, Strict, Text, layer_of
from geohub.messages import tr
from geohub.settings import PROJECT_ROOT

STYLES_DIR = PROJECT_ROOT / "styles"
DEFAULT_LABEL_LANGUAGE = "ru"  # OpenStreetMap names in Almaty are mostly Russian
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
STYLE_ID = r"^[a-z][a-z0-9_-]{1,62}$"
Model = TypeVar("Model", bound=BaseModel)
AREA_TYPES = frozenset({"fill", "fill-extrusion"})
LayerType = Literal[
    "background", "fill", "line", "symbol", "circle", "raster", "fill-extrusion", "heatmap", "hillshade"
]


class StyleEntry(Strict):
    """One style of the catalogue: the basemap plus the layers of `overlays`."""

    id: str = Field(pattern=STYLE_ID)
    title: Text
    tileset: Literal["layer", "city"] = Field(
        "layer", description="`layer`: each layer from its own tileset; `city`: all from the city tileset."
    )
    overlays: tuple[str, ...] = ()


class HighContrast(Strict):
    suffix: str = Field(pattern=r"^[a-z][a-z-]+$")
    title: Text


class Catalog(Strict):
    styles: tuple[StyleEntry, ...] = Field(min_length=1)
    high_contrast: HighContrast


class MapLayer(BaseModel):
    """The parts of a MapLibre layer GeoHub relies on; the style-spec validator checks the rest."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(min_length=1)
    type: LayerType
    source: str | None = None
    source_layer: str | None = Field(None, alias="source-layer")
    layout: dict[str, Any] = Field(default_factory=dict)
    paint: dict[str, Any] = Field(default_factory=dict)


class BasemapMetadata(BaseModel):
    """Where overlays go in the basemap's stack: before the layers with these ids."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    fills_before: str = Field(alias="geohub:fills-before")
    lines_before: str = Field(alias="geohub:lines-before")


class BaseStyle(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: Literal[8]
    sources: dict[str, dict[str, Any]] = Field(min_length=1)
    glyphs: str
    sprite: str
    layers: list[MapLayer] = Field(min_length=1)
    metadata: BasemapMetadata  # after layers: its check reads them

    @field_validator("metadata")
    @classmethod
    def _anchors_are_layers(cls, metadata: BasemapMetadata, info: ValidationInfo) -> BasemapMetadata:
        ids = [layer.id for layer in info.data.get("layers", [])]
        for anchor in (metadata.fills_before, metadata.lines_before):
            if anchor not in ids:
                raise ValueError(f"names layer '{anchor}', which is not in layers")
        if ids.index(metadata.fills_before) > ids.index(metadata.lines_before):
            raise ValueError("geohub:fills-before must come before geohub:lines-before")
        return metadata


class Overlay(Strict):
    """Thematic layers without `source`: composing a style picks the tileset they come from."""

    layers: tuple[MapLayer, ...] = Field(min_length=1)

    @field_validator("layers")
    @classmethod
    def _source_layers_only(cls, layers: tuple[MapLayer, ...]) -> tuple[MapLayer, ...]:
        for layer in layers:
            if layer.source is not None or layer.source_layer is None:
                raise ValueError(f"layer '{layer.id}' needs a source-layer and no source")
        return layers


class LayerOverride(Strict):
    paint: dict[str, Any] = Field(default_factory=dict)
    layout: dict[str, Any] = Field(default_factory=dict)


class HighContrastOverrides(Strict):
    description: str = ""
    layers: dict[str, LayerOverride] = Field(min_length=1)


@dataclass(frozen=True)
class StyleInfo:
    """What the style list says about one style."""

    id: str
    title: Text
    high_contrast: bool


@dataclass(frozen=True)
class Hidden:
    """What a reader may not see: whole layers, and attributes of layers it does see."""

    layers: frozenset[str] = frozenset()
    attributes: frozenset[tuple[str, str]] = frozenset()  # (layer id, attribute name)


NOTHING_HIDDEN = Hidden()


@dataclass
class StyleLibrary:
    """Every style GeoHub serves; rendered documents are kept per (id, base URL, language)."""

    catalog: Catalog
    basemap: dict[str, Any]
    overlays: dict[str, dict[str, Any]]
    high_contrast: HighContrastOverrides
    _rendered: dict[tuple[str, str, str, Hidden], bytes] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def styles(self) -> list[StyleInfo]:
        """Every style id with its title: each catalogue style, then its high-contrast variant."""
        hc = self.catalog.high_contrast
        infos = []
        for entry in self.catalog.styles:
            infos.append(StyleInfo(entry.id, entry.title, high_contrast=False))
            title = Text(
                **{
                    lang: f"{entry.title.in_language(lang)} ({hc.title.in_language(lang)})"
                    for lang in LANGUAGES
                }
            )
            infos.append(StyleInfo(f"{entry.id}-{hc.suffix}", title, high_contrast=True))
        return infos

    def info(self, style_id: str) -> StyleInfo:
        """The style called `style_id`, or NotFoundError."""
        for info in self.styles():
            if info.id == style_id:
                return info
        raise NotFoundError(tr("There is no style '{style_id}'.", style_id=style_id))

    def overlays_of(self, style_id: str) -> tuple[str, ...]:
        """The overlays (layer ids) a style shows over the basemap; NotFoundError for no style."""
        return self._entry(style_id).overlays

    def _entry(self, style_id: str) -> StyleEntry:
        info = self.info(style_id)
        base_id = (
            style_id.removesuffix(f"-{self.catalog.high_contrast.suffix}") if info.high_contrast else style_id
        )
        return next(e for e in self.catalog.styles if e.id == base_id)

    def compose(self, style_id: str) -> dict[str, Any]:
        """The style document with its placeholders still in."""
        info = self.info(style_id)
        entry = self._entry(style_id)
        document = compose_style(entry, self.basemap, self.overlays)
        if info.high_contrast:
            apply_overrides(document, self.high_contrast)
        document["name"] = f"GeoHub Almaty: {info.title.en}"
        document["metadata"] = {"geohub:id": info.id, "geohub:title": info.title.model_dump()}
        return document

    def render(self, style_id: str, base_url: str, language: str, hidden: Hidden = NOTHING_HIDDEN) -> bytes:
        """The style as served: JSON with `{base}` and `{lang}` filled in, naming nothing `hidden`."""
        if language not in LANGUAGES:
            raise InvalidRequestError(
                tr("Unknown label language lang={language}; use kk, ru or en.", language=language),
                [FieldError("lang", tr("must be kk, ru or en"))],
            )
        key = (style_id, base_url, language, hidden)
        if key not in self._rendered:
            document = without_hidden(self.compose(style_id), hidden)
            document = fill_placeholders(document, {"{base}": base_url, "{lang}": language})
            body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            with self._lock:
                self._rendered[key] = body
        return self._rendered[key]


def compose_style(entry: StyleEntry, basemap: dict[str, Any], overlays: dict[str, dict[str, Any]]) -> dict:
    """Basemap + overlays, stacked so that the thematic data stays readable.

    Overlay areas go under the basemap roads (the basemap layer named by its metadata
    `geohub:fills-before`), overlay lines and circles over the roads but under the basemap labels
    (`geohub:lines-before`), overlay symbols on top of everything, so they win label collisions.
    A basemap layer drawn from a `basemap` tileset layer that an overlay shows (e.g. `buildings`)
    is left out, so nothing is drawn twice.
    """
    document = copy.deepcopy(basemap)
    added = [copy.deepcopy(layer) for name in entry.overlays for layer in overlays[name]["layers"]]
    shown = {layer["source-layer"] for layer in added}
    for layer in added:
        layer["source"] = "city" if entry.tileset == "city" else layer_of(layer["source-layer"])
    layers = [
        layer
        for layer in document["layers"]
        if not (layer.get("source") == "basemap" and layer.get("source-layer") in shown)
    ]
    groups = (
        ("geohub:fills-before", [layer for layer in added if layer["type"] in AREA_TYPES]),
        ("geohub:lines-before", [layer for layer in added if layer["type"] not in AREA_TYPES | {"symbol"}]),
    )
    for anchor_key, group in groups:
        anchor = next(i for i, layer in enumerate(layers) if layer["id"] == basemap["metadata"][anchor_key])
        layers[anchor:anchor] = group
    document["layers"] = layers + [layer for layer in added if layer["type"] == "symbol"]
    for source_id in dict.fromkeys(layer["source"] for layer in added):
        document["sources"][source_id] = {
            "type": "vector",
            "url": f"{{base}}/tiles/{source_id}.json",
            "attribution": OSM_ATTRIBUTION,
        }
    return document


def without_hidden(document: dict[str, Any], hidden: Hidden) -> dict[str, Any]:
    """The document without the style layers that draw a hidden layer or mention a hidden
    attribute of the layer they draw (in a filter, a label, a colour…), and without the
    sources no layer uses any more. Dropping the whole style layer keeps every expression
    valid; the reader's tiles hold neither anyway."""
    if hidden == NOTHING_HIDDEN:
        return document
    kept = [layer for layer in document["layers"] if not _shows_hidden(layer, hidden)]
    used = {layer.get("source") for layer in kept}
    sources = {name: source for name, source in document["sources"].items() if name in used}
    return {**document, "layers": kept, "sources": sources}


def _shows_hidden(layer: dict[str, Any], hidden: Hidden) -> bool:
    drawn = layer_of(layer.get("source-layer") or "")
    if drawn in hidden.layers or layer.get("source") in hidden.layers:
        return True
    names = {attribute for layer_id, attribute in hidden.attributes if layer_id == drawn}
    return bool(names) and any(text in names for text in _strings(layer))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value (an expression names an attribute as a string)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def apply_overrides(document: dict[str, Any], overrides: HighContrastOverrides) -> None:
    """Replace the overridden paint and layout properties of the document's layers, in place."""
    for layer in document["layers"]:
        override = overrides.layers.get(layer["id"])
        if override is None:
            continue
        for part in ("paint", "layout"):
            values = getattr(override, part)
            if values:
                layer.setdefault(part, {}).update(copy.deepcopy(values))


def fill_placeholders(value: Any, replacements: dict[str, str]) -> Any:
    """`value` with every placeholder in every string replaced."""
    if isinstance(value, str):
        for placeholder, text in replacements.items():
            value = value.replace(placeholder, text)
        return value
    if isinstance(value, list):
        return [fill_placeholders(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: fill_placeholders(item, replacements) for key, item in value.items()}
    return value


def etag_of(body: bytes) -> str:
    """A strong ETag for a response body."""
    return hashlib.sha256(body).hexdigest()[:32]


# loading --------------------------------------------------------------------------------------------


def load_library(styles_dir: Path = STYLES_DIR) -> StyleLibrary:
    """Load and validate `styles_dir`; a bad file raises ConfigurationError naming the file and field."""
    catalog_path = styles_dir / "catalog.yaml"
    catalog = _validate(Catalog, _read(catalog_path), catalog_path)
    basemap_path = styles_dir / "basemap.json"
    basemap = _read(basemap_path)
    base_style = _validate(BaseStyle, basemap, basemap_path)
    overlays: dict[str, dict[str, Any]] = {}
    for entry in catalog.styles:
        for name in entry.overlays:
            path = styles_dir / "overlays" / f"{name}.json"
            if name not in overlays:
                if not path.is_file():
                    raise ConfigurationError(
                        f"{catalog_path}: styles: '{entry.id}' names a missing overlay {path}"
                    )
                overlays[name] = _read(path)
                _validate(Overlay, overlays[name], path)
    anchors = {base_style.metadata.fills_before, base_style.metadata.lines_before}
    shown = {layer["source-layer"] for overlay in overlays.values() for layer in overlay["layers"]}
    for layer in base_style.layers:
        if layer.id in anchors and layer.source == "basemap" and layer.source_layer in shown:
            raise ConfigurationError(
                f"{basemap_path}: metadata: '{layer.id}' is left out where overlays show "
                f"'{layer.source_layer}'; pick another layer"
            )
    overrides_path = styles_dir / "high-contrast.json"
    overrides = _validate(HighContrastOverrides, _read(overrides_path), overrides_path)
    library = StyleLibrary(catalog, basemap, overlays, overrides)
    _check_ids(library, catalog_path, overrides_path)
    return library


def _check_ids(library: StyleLibrary, catalog_path: Path, overrides_path: Path) -> None:
    ids = [info.id for info in library.styles()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigurationError(f"{catalog_path}: styles: id {duplicates[0]} is used twice")
    known_layers: set[str] = set()
    for info in library.styles():
        layer_ids = [layer["id"] for layer in library.compose(info.id)["layers"]]
        twice = sorted({i for i in layer_ids if layer_ids.count(i) > 1})
        if twice:
            raise ConfigurationError(f"{catalog_path}: styles: '{info.id}' has layer id '{twice[0]}' twice")
        known_layers.update(layer_ids)
    unknown = sorted(set(library.high_contrast.layers) - known_layers)
    if unknown:
        raise ConfigurationError(f"{overrides_path}: layers: '{unknown[0]}' is no layer of any style")


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigurationError(f"{path}: missing")
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) if path.suffix == ".yaml" else json.loads(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigurationError(
            f"{path}: not valid {path.suffix[1:].upper()}: {exc}".splitlines()[0]
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: must hold a mapping")
    return data


def _validate(model: type[Model], data: Any, path: Path) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise ConfigurationError(f"{path}: {location}: {first['msg']}") from None
