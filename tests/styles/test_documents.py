"""Style documents: valid per the MapLibre style spec, on this server only, consistent with the layers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geohub.errors import ConfigurationError, InvalidRequestError, NotFoundError
from geohub.layers.models import LANGUAGES, layer_of
from geohub.layers.registry import LayerRegistry
from geohub.settings import PROJECT_ROOT
from geohub.styles.documents import OSM_ATTRIBUTION, STYLES_DIR, StyleLibrary, load_library
from geohub.styles.glyphs import available_fonts
from geohub.tiles.tilesets import BASEMAP_LAYERS
from tests.styles.conftest import PUBLIC_URL

VALIDATOR = PROJECT_ROOT / "web/node_modules/@maplibre/maplibre-gl-style-spec/dist/gl-style-validate.mjs"
STYLE_IDS = [info.id for info in load_library().styles()]
BASE_STYLE_IDS = [style_id for style_id in STYLE_IDS if not style_id.endswith("-high-contrast")]
# the tile server's contract: the layers of the `basemap` tileset
BASEMAP_TILESET = set(BASEMAP_LAYERS)
BASEMAP_SOURCES = set(load_library().basemap["sources"])


def document(library: StyleLibrary, style_id: str, language: str = "ru") -> dict[str, Any]:
    return dict(json.loads(library.render(style_id, PUBLIC_URL, language)))


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)


def expressions_in(value: Any, operator: str) -> Iterator[list[Any]]:
    """Every `[operator, ...]` expression nested anywhere in `value`."""
    if isinstance(value, list):
        if value and value[0] == operator:
            yield value
        for item in value:
            yield from expressions_in(item, operator)
    elif isinstance(value, dict):
        for item in value.values():
            yield from expressions_in(item, operator)


def tileset_of(source: dict[str, Any]) -> str:
    """The tile server's tileset a vector source reads, from its TileJSON URL or its tile URL."""
    if "url" in source:
        match = re.fullmatch(rf"{PUBLIC_URL}/tiles/([a-z_]+)\.json", source["url"])
    else:
        (tile_url,) = source["tiles"]
        match = re.fullmatch(rf"{PUBLIC_URL}/tiles/([a-z_]+)/{{z}}/{{x}}/{{y}}\.mvt", tile_url)
    assert match, source
    return match[1]


def attributes_used(layer: dict[str, Any]) -> set[str]:
    parts = [layer.get("filter"), layer.get("layout", {}), layer.get("paint", {})]
    return {expression[1] for expression in expressions_in(parts, "get")}


# the MapLibre style spec --------------------------------------------------------------------------


def _validate(files: list[Path]) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is needed for the MapLibre style-spec validator"
    assert VALIDATOR.is_file(), "run `make install`: the validator comes from web/package.json"
    return subprocess.run(
        [node, str(VALIDATOR), *map(str, files)], capture_output=True, text=True, timeout=120
    )


def test_every_style_is_valid_per_the_maplibre_style_spec(library: StyleLibrary, tmp_path: Path) -> None:
    files = []
    for style_id in STYLE_IDS:
        for language in LANGUAGES:
            path = tmp_path / f"{style_id}.{language}.json"
            path.write_bytes(library.render(style_id, PUBLIC_URL, language))
            files.append(path)
    result = _validate(files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_the_validator_rejects_a_broken_style(library: StyleLibrary, tmp_path: Path) -> None:
    broken = document(library, "city")
    broken["layers"][1]["paint"] = {"fill-color": ["get", 5]}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = _validate([path])
    assert result.returncode == 1
    assert "fill-color" in result.stdout


# URLs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style_id", STYLE_IDS)
def test_every_url_is_absolute_and_on_the_public_url(library: StyleLibrary, style_id: str) -> None:
    style = document(library, style_id)
    urls = [style["glyphs"], style["sprite"]]
    for source in style["sources"].values():
        urls += [source["url"]] if "url" in source else source["tiles"]
    assert urls and all(url.startswith(PUBLIC_URL + "/") for url in urls), urls
    assert style["glyphs"] == f"{PUBLIC_URL}/fonts/{{fontstack}}/{{range}}.pbf"
    assert style["sprite"] == f"{PUBLIC_URL}/sprites/geohub"
    elsewhere = [
        s for s in strings_in(style) if ("://" in s or s.startswith("//")) and not s.startswith(PUBLIC_URL)
    ]
    assert elsewhere == []
    assert not [s for s in strings_in(style) if "{base}" in s or "{lang}" in s]


@pytest.mark.parametrize("style_id", STYLE_IDS)
def test_sources_are_the_tile_servers_tilesets(
    library: StyleLibrary, registry: LayerRegistry, style_id: str
) -> None:
    style = document(library, style_id)
    sources = style["sources"]
    assert sources["basemap"]["url"] == f"{PUBLIC_URL}/tiles/basemap.json"
    assert sources["hillshade"]["tiles"] == [f"{PUBLIC_URL}/tiles/hillshade/{{z}}/{{x}}/{{y}}.png"]
    assert (sources["hillshade"]["minzoom"], sources["hillshade"]["maxzoom"]) == (8, 15)
    assert sources["hillshade"]["attribution"] == "SRTM data courtesy of NASA/USGS"
    for source_id, source in sources.items():
        if source["type"] == "vector":
            tileset = tileset_of(source)
            assert "url" not in source or tileset == source_id
            assert source["attribution"] == OSM_ATTRIBUTION
            assert tileset in {"basemap", "city"} or registry.layers[tileset].is_public


# consistency with the layer definitions ----------------------------------------------------------------


def test_every_style_a_layer_names_is_served(library: StyleLibrary, registry: LayerRegistry) -> None:
    named = {layer.style for layer in registry if layer.style}
    assert named <= set(STYLE_IDS)
    assert {"basemap", "city", "city-high-contrast"} <= set(STYLE_IDS)


@pytest.mark.parametrize("style_id", [s for s in BASE_STYLE_IDS if s not in ("basemap", "city")])
def test_a_layer_style_shows_every_layer_that_names_it(
    library: StyleLibrary, registry: LayerRegistry, style_id: str
) -> None:
    style = document(library, style_id)
    from_overlays = [
        layer for layer in style["layers"] if layer.get("source", "basemap") not in BASEMAP_SOURCES
    ]
    shown = {layer_of(layer["source-layer"]) for layer in from_overlays}
    assert shown == {layer.id for layer in registry if layer.style == style_id and layer.is_public}


def test_the_city_style_shows_every_public_thematic_layer(
    library: StyleLibrary, registry: LayerRegistry
) -> None:
    style = document(library, "city")
    from_city = {
        layer_of(layer["source-layer"]) for layer in style["layers"] if layer.get("source") == "city"
    }
    assert from_city == {layer.id for layer in registry if layer.is_public and layer.group == "thematic"}


@pytest.mark.parametrize("style_id", BASE_STYLE_IDS)
def test_layers_read_attributes_their_tiles_carry(
    library: StyleLibrary, registry: LayerRegistry, style_id: str
) -> None:
    """Each attribute a layer reads exists, and tiles at the layer's zooms carry it (its minzoom)."""
    style = document(library, style_id)
    for layer in style["layers"]:
        if "source-layer" not in layer:
            continue
        source = style["sources"][layer["source"]]
        tileset, drawn = tileset_of(source), layer_of(layer["source-layer"])
        if tileset == "basemap":
            assert drawn in BASEMAP_TILESET
        elif tileset == "city":
            assert registry.layers[drawn].group == "thematic"
        else:
            assert drawn == tileset
        definition = registry.layers[drawn]
        if drawn != layer["source-layer"]:  # label points carry the key and the `labels` only
            assert layer["source-layer"] == definition.label_layer, layer["id"]
            assert set(attributes_used(layer)) <= {definition.key, *definition.labels}, layer["id"]
        first_zoom = max(layer.get("minzoom", 0), definition.zoom.min)
        assert first_zoom < min(layer.get("maxzoom", 24), definition.zoom.max + 1), layer["id"]
        first_tile_zoom = min(first_zoom, source.get("maxzoom", 22))  # overzoomed past the source's maxzoom
        for name in attributes_used(layer):
            attribute = definition.attribute(name)
            assert attribute is not None, f"{layer['id']} reads {name}, which {definition.id} lacks"
            assert attribute.minzoom <= first_tile_zoom, f"{layer['id']} reads {name} below its minzoom"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("style_id", ["basemap", "city", "districts", "city-high-contrast"])
def test_lang_switches_the_label_field(library: StyleLibrary, style_id: str, language: str) -> None:
    style = document(library, style_id, language)
    fields = {
        expression[1]
        for layer in style["layers"]
        for expression in expressions_in(layer.get("layout", {}).get("text-field"), "get")
    }
    assert {f for f in fields if f.startswith("name_")} == {f"name_{language}"}
    assert "name" in fields  # the OpenStreetMap name when the translated one is missing


def test_unknown_style_and_language_are_refused(library: StyleLibrary) -> None:
    with pytest.raises(NotFoundError):
        library.render("no_such_style", PUBLIC_URL, "ru")
    with pytest.raises(InvalidRequestError):
        library.render("city", PUBLIC_URL, "de")


# icons and fonts -------------------------------------------------------------------------------------


def icon_names(value: Any) -> list[str]:
    """The sprite names an icon-image value can take (a name, or the outputs of a match)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and value[0] == "match":
        return [name for output in [*value[3:-1:2], value[-1]] for name in icon_names(output)]
    raise AssertionError(f"icon-image must be a name or a match expression: {value}")


@pytest.mark.parametrize("style_id", STYLE_IDS)
def test_icons_are_in_the_sprite_and_fonts_have_glyphs(
    library: StyleLibrary, sprite_index: dict[str, Any], glyphs_dir: Path, style_id: str
) -> None:
    fonts = set(available_fonts(glyphs_dir))
    for layer in document(library, style_id)["layers"]:
        layout = layer.get("layout", {})
        if "icon-image" in layout:
            assert set(icon_names(layout["icon-image"])) <= set(sprite_index), layer["id"]
        if "text-field" in layout:
            assert layout["text-font"] and set(layout["text-font"]) <= fonts, layer["id"]


# loading ---------------------------------------------------------------------------------------------


@pytest.fixture
def styles_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(STYLES_DIR, tmp_path / "styles"))


def _edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        (
            "overlays/parking.json",
            lambda d: d["layers"][0].pop("source-layer"),
            "overlays/parking.json: layers",
        ),
        ("overlays/parking.json", lambda d: d["layers"][0].update(type="polygon"), "layers.0.type"),
        ("basemap.json", lambda d: d.update(version=7), "basemap.json: version"),
        (
            "basemap.json",
            lambda d: d["metadata"].update({"geohub:fills-before": "nope"}),
            "basemap.json: metadata",
        ),
        (
            "high-contrast.json",
            lambda d: d["layers"].update({"roads-typo": {}}),
            "high-contrast.json: layers",
        ),
        ("high-contrast.json", lambda d: d["layers"]["roads-major"].update(pain={}), "roads-major.pain"),
    ],
)
def test_a_bad_style_file_stops_loading_naming_file_and_field(
    styles_copy: Path, file: str, change: Any, message: str
) -> None:
    _edit_json(styles_copy / file, change)
    with pytest.raises(ConfigurationError, match=message.replace(".", r"\.")):
        load_library(styles_copy)


def test_a_catalogue_typo_stops_loading(styles_copy: Path) -> None:
    catalog = styles_copy / "catalog.yaml"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace("overlays: [parking]", "overlay: [parking]")
    )
    with pytest.raises(ConfigurationError, match=r"catalog\.yaml: styles\.\d+\.overlay"):
        load_library(styles_copy)


def test_a_missing_overlay_stops_loading(styles_copy: Path) -> None:
    (styles_copy / "overlays" / "parking.json").unlink()
    with pytest.raises(ConfigurationError, match="missing overlay"):
        load_library(styles_copy)
