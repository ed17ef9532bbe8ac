"""Layer registry: the validated layer and department definitions from `layers/`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from geohub.errors import ConfigurationError, LayerNotFoundError
from geohub.layers.models import Department, LayerDefinition
from geohub.messages import tr

DEPARTMENTS_FILE = "departments.yaml"
Model = TypeVar("Model", bound=BaseModel)


class Reader(Protocol):
    """Whoever reads layers: `auth.principal.Principal` (auth sits above layers, so not imported)."""

    def may_read(self, layer: LayerDefinition) -> bool: ...


@dataclass(frozen=True)
class LayerRegistry:
    """Every layer definition and department, in file-name order."""

    layers: dict[str, LayerDefinition]
    departments: dict[str, Department]

    def get(self, layer_id: str) -> LayerDefinition:
        """The layer called `layer_id`, or LayerNotFoundError."""
        try:
            return self.layers[layer_id]
        except KeyError:
            raise LayerNotFoundError(tr("There is no layer '{layer}'.", layer=layer_id)) from None

    def public(self, layer_id: str) -> LayerDefinition:
        """The layer if anonymous readers may see it; a restricted layer is as absent as a missing one."""
        layer = self.get(layer_id)
        if not layer.is_public:
            raise LayerNotFoundError(tr("There is no layer '{layer}'.", layer=layer_id))
        return layer

    def readable(self, layer_id: str, principal: Reader) -> LayerDefinition:
        """The layer if `principal` may read it; else as absent (404) as a layer that does not exist."""
        layer = self.get(layer_id)
        if not principal.may_read(layer):
            raise LayerNotFoundError(tr("There is no layer '{layer}'.", layer=layer_id))
        return layer

    def readable_layers(self, principal: Reader) -> list[LayerDefinition]:
        """Every layer `principal` may read, in file-name order."""
        return [layer for layer in self.layers.values() if principal.may_read(layer)]

    def __iter__(self) -> Iterator[LayerDefinition]:
        return iter(self.layers.values())

    def __len__(self) -> int:
        return len(self.layers)


def load_registry(layers_dir: Path) -> LayerRegistry:
    """Load and validate `layers_dir`; a bad file raises ConfigurationError naming it."""
    if not layers_dir.is_dir():
        raise ConfigurationError(f"layers folder not found: {layers_dir}")
    departments_path = layers_dir / DEPARTMENTS_FILE
    if not departments_path.is_file():
        raise ConfigurationError(f"{departments_path}: missing (it lists the departments)")
    raw_departments = _read_yaml(departments_path).get("departments")
    if not isinstance(raw_departments, list):
        raise ConfigurationError(f"{departments_path}: 'departments' must be a list")
    departments = {}
    for index, item in enumerate(raw_departments):
        department = _validate(Department, item, departments_path, prefix=f"departments.{index}")
        departments[department.id] = department
    layers: dict[str, LayerDefinition] = {}
    for path in sorted(layers_dir.glob("*.yaml")):
        if path.name == DEPARTMENTS_FILE:
            continue
        layer = _validate(LayerDefinition, _read_yaml(path), path)
        if layer.id in layers:
            raise ConfigurationError(f"{path}: id: layer '{layer.id}' is defined twice")
        if layer.id != path.stem:
            raise ConfigurationError(f"{path}: id: '{layer.id}' must match the file name")
        if layer.department not in departments:
            raise ConfigurationError(f"{path}: department: '{layer.department}' is not in {DEPARTMENTS_FILE}")
        layers[layer.id] = layer
    return LayerRegistry(layers=layers, departments=departments)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: must hold a mapping")
    return data


def _validate(model: type[Model], data: Any, path: Path, prefix: str = "") -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        location = ".".join(p for p in (prefix, location) if p) or "(top)"
        raise ConfigurationError(f"{path}: {location}: {first['msg']}") from None
