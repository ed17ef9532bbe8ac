"""Definitions exported as YAML load back as the same definitions: every seed layer and a layer
approved as a service, over HTTP (GET /collections/{id}/definition) and `geohub layers export`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geohub.layers.export import definition_yaml, export_definitions
from geohub.layers.registry import DEPARTMENTS_FILE, LayerRegistry, load_registry
from geohub.settings import PROJECT_ROOT
from tests.proposals.conftest import Hub
from tests.test_cli import run_geohub


def _reloaded(layers: list, tmp_path: Path) -> LayerRegistry:
    folder = tmp_path / "exported"
    export_definitions(layers, folder)
    shutil.copy(PROJECT_ROOT / "layers" / DEPARTMENTS_FILE, folder / DEPARTMENTS_FILE)
    return load_registry(folder)


def test_every_seed_layer_loads_back_as_it_was(registry: LayerRegistry, tmp_path: Path) -> None:
    again = _reloaded(list(registry), tmp_path)
    assert list(again.layers) == list(registry.layers)
    for layer_id, layer in registry.layers.items():
        assert again.layers[layer_id] == layer, layer_id


@pytest.mark.parametrize("backend", ["geopackage"], indirect=True)
def test_an_approved_layer_loads_back_and_is_served_as_yaml(hub: Hub, tmp_path: Path) -> None:
    hub.approved(access="restricted")
    layer = hub.app.extensions["geohub"].registry.get("street_trees")
    assert layer.template is not None
    answer = hub.client.get("/collections/street_trees/definition", headers=hub.headers("dana"))
    assert answer.status_code == 200
    assert answer.content_type == "application/yaml"
    assert answer.get_data(as_text=True) == definition_yaml(layer)
    assert _reloaded([layer], tmp_path).layers["street_trees"] == layer
    # anonymous readers: a restricted layer is as missing as an unknown one
    assert hub.client.get("/collections/street_trees/definition").status_code == 404


@pytest.mark.parametrize("backend", ["geopackage"], indirect=True)
def test_the_definition_is_for_staff(hub: Hub) -> None:
    assert hub.client.get("/collections/cadastre/definition").status_code == 401
    answer = hub.client.get("/collections/cadastre/definition", headers=hub.headers("marat"))
    assert answer.status_code == 200 and answer.get_data(as_text=True).count("\nid: cadastre\n") == 1


@pytest.mark.parametrize("backend", ["geopackage"], indirect=True)
def test_the_command_exports_approved_and_seed_layers(hub: Hub, tmp_path: Path) -> None:
    hub.approved()
    settings = hub.app.extensions["geohub"].settings
    out = tmp_path / "out"
    result = run_geohub("layers", "export", "--out", str(out), "street_trees", "cadastre", settings=settings)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cadastre.yaml", "street_trees.yaml"]
    registry = hub.app.extensions["geohub"].registry
    assert (out / "street_trees.yaml").read_text(encoding="utf-8") == definition_yaml(
        registry.get("street_trees")
    )
    unknown = run_geohub("layers", "export", "--out", str(out), "nowhere", settings=settings)
    assert unknown.returncode == 2 and "nowhere" in unknown.stderr
