"""A staged import's changes as features, for the workspace's diff map: the features it adds and
changes (from its staged version) and those it removes (from the version it was based on).

The import's report names the keys (sorted, at most REPORTED_KEYS of each kind), so the answer
has at most that many features of each kind; `truncated` says when the report cut the lists.
Both versions are read once, in key order, through the store's `read_version`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geohub.errors import ConflictError
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.publishing.imports import ImportRecord
from geohub.storage.base import Feature, FeatureStore

CHANGES = ("added", "changed", "removed")
VIEWABLE_STATUSES = ("validated", "published")  # imports whose staged version is still stored


@dataclass(frozen=True)
class ImportChanges:
    """The changed features of one import, each with its kind of change."""

    features: list[tuple[str, Feature]]
    counts: dict[str, int]
    truncated: bool


def import_changes(store: FeatureStore, layer: LayerDefinition, record: ImportRecord) -> ImportChanges:
    """The features `record` adds, changes and removes; ConflictError when its versions are gone."""
    if record.status not in VIEWABLE_STATUSES or record.staged_version is None:
        raise ConflictError(
            tr(
                "Import {id} of layer '{layer}' has no stored changes: it is {status}.",
                id=str(record.id),
                layer=layer.id,
                status=record.status,
            )
        )
    keys: dict[str, Any] = record.report.get("keys") or {}
    wanted = {key: change for change in ("added", "changed") for key in keys.get(change, [])}
    features = [
        (wanted[feature.id], feature)
        for feature in _features_with_keys(store, layer, record.staged_version, set(wanted))
    ]
    removed = set(keys.get("removed", []))
    if removed and record.base_version is not None:
        base = _features_with_keys(store, layer, record.base_version, removed)
        features += [("removed", feature) for feature in base]
    totals: dict[str, Any] = record.report.get("changes") or {}
    counts = {change: int(totals.get(change, len(keys.get(change, [])))) for change in CHANGES}
    return ImportChanges(features, counts, bool(keys.get("truncated", False)))


def _features_with_keys(
    store: FeatureStore, layer: LayerDefinition, version: int, keys: set[str]
) -> list[Feature]:
    if not keys:
        return []
    found = []
    for feature in store.read_version(layer, version):
        if feature.id in keys:
            found.append(feature)
            if len(found) == len(keys):
                break  # the reader is closed with the generator: the rest is never read
    return found
