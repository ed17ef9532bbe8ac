"""Layer registry: the real definitions load; a broken one stops start-up naming file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from geohub.errors import ConfigurationError, LayerNotFoundError
from geohub.layers.models import LANGUAGES
from geohub.layers.registry import LayerRegistry, load_registry
from geohub.settings import PROJECT_ROOT

REQUIRED_LAYERS = [
    "cadastre",
    "addresses",
    "green_spaces",
    "accessibility",
    "parking",
    "landfills",
    "districts",
]
BASEMAP_SOURCES = ["roads", "water_areas", "waterways", "railways", "places"]


def test_required_layers_are_defined(registry: LayerRegistry) -> None:
    assert set(REQUIRED_LAYERS + BASEMAP_SOURCES) <= set(registry.layers)
    assert {layer.id for layer in registry if layer.group == "basemap"} >= set(BASEMAP_SOURCES)


def test_every_layer_speaks_three_languages_and_credits_osm(registry: LayerRegistry) -> None:
    for layer in registry:
        for language in LANGUAGES:
            assert layer.title.in_language(language).strip(), (layer.id, language)
            assert layer.description.in_language(language).strip(), (layer.id, language)
        if layer.service is not None:  # published by GeoHub from its own records (citizen reports)
            assert layer.attribution.startswith("© Akimat of Almaty") and layer.license.name == "CC-BY-4.0"
            continue
        assert "OpenStreetMap" in layer.attribution
        assert layer.license.name == "ODbL-1.0"


def test_stand_in_layers_say_so_in_their_description(registry: LayerRegistry) -> None:
    cadastre = registry.get("cadastre")
    assert cadastre.stand_in
    assert "STAND-IN" in cadastre.description.en
    for layer in registry:
        if layer.stand_in:
            assert "stand-in" in layer.description.en.lower(), layer.id


def test_every_layer_source_exists_in_the_repository(registry: LayerRegistry) -> None:
    for layer in registry:
        if layer.service is not None:
            assert layer.source is None, layer.id
            continue
        assert layer.source is not None, layer.id
        assert (PROJECT_ROOT / "data" / "almaty" / layer.source.path).is_file(), layer.id


def test_unknown_layer_is_layer_not_found(registry: LayerRegistry) -> None:
    with pytest.raises(LayerNotFoundError):
        registry.get("no_such_layer")


def _copy_layers(tmp_path: Path) -> Path:
    target = tmp_path / "layers"
    shutil.copytree(PROJECT_ROOT / "layers", target)
    return target


def _edit(path: Path, change: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dotted, value in change.items():
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"titel": "typo"}, "titel"),
        ({"title.kk": None}, "title.kk"),
        ({"key": "no_such_attribute"}, "key 'no_such_attribute'"),
        ({"geometry_type": "Polygonn"}, "geometry_type"),
        ({"department": "nobody"}, "department"),
        ({"attributes.0.type": "text"}, "attributes.0.type"),
        ({"attributes.1.name": "Bad Name"}, "attributes.1.name"),
        ({"zoom": {"min": 15, "max": 3}}, "zoom"),
        ({"access": "secret"}, "access"),
        ({"source.unknown": 1}, "source.unknown"),
    ],
)
def test_broken_definition_names_file_and_field(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    layers_dir = _copy_layers(tmp_path)
    _edit(layers_dir / "cadastre.yaml", change)
    with pytest.raises(ConfigurationError) as caught:
        load_registry(layers_dir)
    message = str(caught.value)
    assert "cadastre.yaml" in message
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize("reserved", ["tiles", "api", "admin", "collections"])
def test_reserved_route_word_is_refused_as_layer_id(tmp_path: Path, reserved: str) -> None:
    layers_dir = _copy_layers(tmp_path)
    source = layers_dir / "cadastre.yaml"
    _edit(source, {"id": reserved})
    source.rename(layers_dir / f"{reserved}.yaml")
    with pytest.raises(ConfigurationError, match="reserved"):
        load_registry(layers_dir)


def test_invalid_yaml_is_reported_with_the_file(tmp_path: Path) -> None:
    layers_dir = _copy_layers(tmp_path)
    (layers_dir / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"broken\.yaml: not valid YAML"):
        load_registry(layers_dir)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    layers_dir = _copy_layers(tmp_path)
    (layers_dir / "cadastre.yaml").rename(layers_dir / "parcels.yaml")
    with pytest.raises(ConfigurationError, match=r"parcels\.yaml: id"):
        load_registry(layers_dir)


def test_missing_departments_file_is_reported(tmp_path: Path) -> None:
    layers_dir = _copy_layers(tmp_path)
    (layers_dir / "departments.yaml").unlink()
    with pytest.raises(ConfigurationError, match=r"departments\.yaml"):
        load_registry(layers_dir)
