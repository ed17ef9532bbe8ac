"""A layer definition as the YAML a file in `layers/` holds: what `load_registry` reads back as is."""

from __future__ import annotations

from pathlib import Path

import yaml

from geohub.layers.models import LayerDefinition

HEADER = (
    "# Exported by GeoHub (geohub layers export); a file in layers/ defines the layer in version control.\n"
)


def definition_yaml(layer: LayerDefinition) -> str:
    """The definition as YAML, fields in the model's order, defaults left out, Unicode kept."""
    data = layer.model_dump(mode="json", exclude_defaults=True)
    return HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def export_definitions(layers: list[LayerDefinition], folder: Path) -> list[Path]:
    """Write `<id>.yaml` for each layer into `folder` (created when missing); the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for layer in layers:
        path = folder / f"{layer.id}.yaml"
        path.write_text(definition_yaml(layer), encoding="utf-8")
        written.append(path)
    return written
