"""The layer catalogue: what each layer is and what the store holds of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geohub.layers.models import LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.storage.base import Bbox, FeatureStore


@dataclass(frozen=True)
class LayerSummary:
    """One line of the catalogue."""

    layer: LayerDefinition
    version: int | None
    feature_count: int
    updated_at: datetime | None
    extent: Bbox | None

    def as_json(self, language: str = "en") -> dict[str, object]:
        """A JSON-ready summary in `language`."""
        return {
            "id": self.layer.id,
            "title": self.layer.title.in_language(language),
            "department": self.layer.department,
            "geometryType": self.layer.geometry_type.value,
            "version": self.version,
            "featureCount": self.feature_count,
            "updated": self.updated_at.isoformat() if self.updated_at else None,
            "extent": list(self.extent) if self.extent else None,
            "attribution": self.layer.attribution,
        }


def summarize_layers(
    registry: LayerRegistry, store: FeatureStore, *, include_restricted: bool = False
) -> list[LayerSummary]:
    """Every layer with its published version and feature count."""
    summaries = []
    for layer in registry:
        if not layer.is_public and not include_restricted:
            continue
        current = store.current_version(layer.id)
        summaries.append(
            LayerSummary(
                layer=layer,
                version=current.version if current else None,
                feature_count=current.feature_count if current else 0,
                updated_at=current.created_at if current else None,
                extent=current.extent if current else None,
            )
        )
    return summaries
