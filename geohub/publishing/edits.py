"""Feature edits (OGC API – Features Part 4): create, replace, update and delete items.

Each edit goes through the same validation as an import and becomes a new layer version (so
rollback and the audit log cover edits too), published in one commit, with the changed tiles
dropped. The version is made in place: the published table is changed and the touched rows are
logged before and after (geohub/storage/edit_log.py), in milliseconds on a 305k-feature layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import shapely

from geohub.errors import (
    ConflictError,
    FeatureNotFoundError,
    FieldError,
    InvalidDataError,
    InvalidRequestError,
)
from geohub.etl.digest import compare, merge_snapshot, snapshot_of_table, version_snapshot
from geohub.etl.pipeline import derived_columns
from geohub.etl.validate import validate_rows
from geohub.layers.models import LayerDefinition
from geohub.messages import Listing, Message, tr
from geohub.publishing.service import Actor, ImportService
from geohub.storage.base import FeatureTable, LayerVersion

EditKind = Literal["create", "replace", "update", "delete"]
MAX_FEATURES_PER_EDIT = 10_000


@dataclass(frozen=True)
class EditResult:
    """What an edit did: the new version and the keys it touched."""

    version: LayerVersion
    keys: list[str]


def parse_features(body: Any) -> list[Mapping[str, Any]]:
    """The GeoJSON Feature(s) of a request body: a Feature or a FeatureCollection."""
    if not isinstance(body, Mapping):
        raise InvalidRequestError(tr("The body must be a GeoJSON Feature or FeatureCollection object."))
    if body.get("type") == "Feature":
        return [body]
    if body.get("type") == "FeatureCollection" and isinstance(body.get("features"), list):
        features = body["features"]
        if not features:
            raise InvalidRequestError(tr("The FeatureCollection holds no feature."))
        if len(features) > MAX_FEATURES_PER_EDIT:
            raise InvalidRequestError(
                tr("At most {count} features per request; use an import.", count=MAX_FEATURES_PER_EDIT)
            )
        if not all(isinstance(f, Mapping) and f.get("type") == "Feature" for f in features):
            raise InvalidRequestError(tr("Every member of 'features' must be a GeoJSON Feature."))
        return list(features)
    raise InvalidRequestError(tr("The body must be a GeoJSON Feature or FeatureCollection (its 'type')."))


def create_features(
    service: ImportService, layer: LayerDefinition, features: list[Mapping[str, Any]], *, actor: Actor
) -> EditResult:
    """Add new features; a key that already exists is a conflict."""
    rows = _rows(layer, features, None)
    existing = _existing_keys(service, layer, [r[1].get(layer.key) for r in rows.rows])
    if existing:
        raise ConflictError(
            tr(
                "Layer '{layer}' already has features with keys: {keys}.",
                layer=layer.id,
                keys=", ".join(existing[:10]),
            )
        )
    return _apply(service, layer, rows, [], actor=actor, action="feature.create")


def replace_feature(
    service: ImportService,
    layer: LayerDefinition,
    feature_id: str,
    feature: Mapping[str, Any],
    *,
    actor: Actor,
) -> EditResult:
    """Replace one feature whole (geometry and every property)."""
    _require_existing(service, layer, feature_id)
    rows = _rows(layer, [feature], feature_id)
    return _apply(service, layer, rows, [], actor=actor, action="feature.replace")


def update_feature(
    service: ImportService, layer: LayerDefinition, feature_id: str, patch: Any, *, actor: Actor
) -> EditResult:
    """Change one feature by a JSON merge patch (RFC 7396) of its properties and/or geometry."""
    if not isinstance(patch, Mapping):
        raise InvalidRequestError(tr("The body must be a JSON object: a merge patch of the feature."))
    current = _require_existing(service, layer, feature_id)
    properties = dict(current.properties)
    changes = patch.get("properties", {})
    if not isinstance(changes, Mapping):
        raise InvalidRequestError(tr("'properties' in the patch must be an object."))
    for name, value in changes.items():
        properties[name] = value  # null clears the value (merge patch)
    unknown = set(patch) - {"type", "properties", "geometry", "id"}
    if unknown:
        raise InvalidRequestError(
            tr("A patch may change 'properties' and 'geometry', not {names}.", names=sorted(unknown))
        )
    geometry = patch.get("geometry", shapely.geometry.mapping(shapely.from_wkb(current.geometry)))
    merged = {"type": "Feature", "geometry": geometry, "properties": properties}
    rows = _rows(layer, [merged], feature_id)
    return _apply(service, layer, rows, [], actor=actor, action="feature.update")


def delete_feature(
    service: ImportService, layer: LayerDefinition, feature_id: str, *, actor: Actor
) -> EditResult:
    """Remove one feature."""
    _require_existing(service, layer, feature_id)
    return _apply(service, layer, _Rows([], []), [feature_id], actor=actor, action="feature.delete")


@dataclass(frozen=True)
class _Fault:
    """One fault of one feature: its row label, the field and why, and a detail for the reader."""

    row: Message
    field: str
    reason: Message
    detail: Message


@dataclass
class _Rows:
    """The (geometry, properties) rows of a body's features, with every fault found in them."""

    rows: list[tuple[Any, dict[str, Any]]]
    labels: list[Message]
    faults: list[_Fault] = field(default_factory=list)


def _rows(layer: LayerDefinition, features: list[Mapping[str, Any]], feature_id: str | None) -> _Rows:
    """Every feature's row; unknown attributes and broken geometries are collected, not raised
    (the rows are validated all the same, so one answer names every fault)."""
    parsed = _Rows([], [])
    for number, feature in enumerate(features, start=1):
        label = tr("feature {number}", number=number)
        row, faults = _row(layer, feature, feature_id, label)
        parsed.faults += faults
        parsed.rows.append(row)
        parsed.labels.append(label)
    return parsed


def _row(
    layer: LayerDefinition, feature: Mapping[str, Any], feature_id: str | None, label: Message
) -> tuple[tuple[Any, dict[str, Any]], list[_Fault]]:
    """(geometry, properties) of a GeoJSON Feature; the key from the URL, the properties or `id`."""
    properties = feature.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise InvalidRequestError(tr("A feature's 'properties' must be an object."))
    faults = []
    unknown = sorted(set(properties) - {a.name for a in layer.attributes})
    if unknown:
        detail = tr(
            "Layer '{layer}' has no attribute {names}.", layer=layer.id, names=", ".join(map(repr, unknown))
        )
        faults += [_Fault(label, name, tr("is not an attribute of the layer"), detail) for name in unknown]
    properties = dict(properties)
    key = properties.get(layer.key)
    if feature_id is not None:
        if key is not None and str(key) != feature_id:
            raise InvalidRequestError(
                tr(
                    "The feature's '{key}' ({value}) differs from its URL id ({id}).",
                    key=str(layer.key),
                    value=key,
                    id=str(feature_id),
                )
            )
        properties[layer.key] = feature_id
    elif key is None and feature.get("id") is not None:
        properties[layer.key] = feature["id"]
    geometry = None
    try:
        geometry = shapely.geometry.shape(feature["geometry"]) if feature.get("geometry") else None
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
        reason = tr("is not valid GeoJSON: {reason}", reason=exc)
        faults.append(
            _Fault(label, "geometry", reason, tr("The feature's geometry {reason}.", reason=reason))
        )
    return (geometry, properties), faults


def _apply(
    service: ImportService,
    layer: LayerDefinition,
    rows: _Rows,
    deletes: list[str],
    *,
    actor: Actor,
    action: str,
) -> EditResult:
    service.require_writer(layer, actor)
    store = service.services.store
    current = store.current_version(layer.id)
    if current is None:
        raise ConflictError(
            tr("Layer '{layer}' has no published version to edit; import it first.", layer=layer.id)
        )
    table = _validated(service, layer, rows)
    note = f"{action} by {actor.principal.user}"
    edited = store.edit_version(layer, current.version, table, deletes, note=note)
    if edited is None:
        published = _derived(service, layer, current, table, deletes, note)
    else:
        published = edited.version
        service.drop_changed_tiles(layer.id, edited.boxes)
        if edited.store_digests:  # the edits since the last whole digests are many: store them whole
            store.store_digests(
                layer.id, published.version, version_snapshot(store, layer, published.version).encode()
            )
    service.prune_versions(layer)
    keys = [str(k) for k in table.columns[layer.key]] + deletes
    service.audit.record(
        actor.principal,
        action,
        layer.id,
        {"keys": keys[:100], "version": published.version, "previous": current.version},
        actor.remote_addr,
    )
    return EditResult(published, keys)


def _derived(
    service: ImportService,
    layer: LayerDefinition,
    current: LayerVersion,
    table: FeatureTable,
    deletes: list[str],
    note: str,
) -> LayerVersion:
    """The edit as a derived version, copied from the published one: when the published table
    cannot take it in place (it holds an older schema, or later versions were rolled back from)."""
    store = service.services.store
    base = version_snapshot(store, layer, current.version)
    merged = merge_snapshot(base, snapshot_of_table(layer, table), deletes)
    version = store.write_derived_version(
        layer, current.version, table, deletes, note=note, publish=False, digests=merged.encode()
    )
    if store.current_version(layer.id) != current:
        store.delete_version(layer.id, version.version)
        raise ConflictError(tr("Layer '{layer}' changed during the edit; send it again.", layer=layer.id))
    published = store.publish_version(layer.id, version.version)
    service.drop_changed_tiles(layer.id, compare(base, merged).tile_boxes())
    return published


def _validated(service: ImportService, layer: LayerDefinition, rows: _Rows) -> FeatureTable:
    """The rows validated as an import's would be; any fault refuses the whole edit, and every
    fault of every feature is listed in the one 422."""
    geometries = np.array([g for g, _ in rows.rows] or [], dtype=object)
    columns = {a.name: [p.get(a.name) for _, p in rows.rows] for a in layer.attributes}
    services = service.services
    columns |= derived_columns(layer, geometries, services.store, services.registry)
    validated = validate_rows(
        layer,
        geometries,
        columns,
        row_labels=rows.labels,
        read_problems={},
        city_bounds=service.services.settings.etl.city_bounds,
        repair=False,
    )
    known = {(f.row, f.field) for f in rows.faults}  # a broken geometry is not also "missing"
    faults = rows.faults + [
        _Fault(
            p.row, p.field, p.reason, tr("{row}: {field} {reason}", row=p.row, field=p.field, reason=p.reason)
        )
        for p in validated.problems
        if (p.row, p.field) not in known
    ]
    if faults:
        raise _refusal(faults)
    return validated.table


def _refusal(faults: list[_Fault]) -> InvalidDataError:
    """One 422 naming every fault (its detail the fault's own when there is one)."""
    details = list(dict.fromkeys(f.detail for f in faults))
    if len(details) == 1:
        detail = details[0]
    else:
        listed = [
            tr("{row}: {field} {reason}", row=f.row, field=f.field, reason=f.reason) for f in faults[:5]
        ]
        detail = tr("The features have {count} faults: {listed}.", count=len(faults), listed=Listing(listed))
    several = len({f.row for f in faults}) > 1
    errors = [
        FieldError(f.field, tr("{row}: {reason}", row=f.row, reason=f.reason) if several else f.reason)
        for f in faults[:50]
    ]
    return InvalidDataError(detail, errors)


def _require_existing(service: ImportService, layer: LayerDefinition, feature_id: str) -> Any:
    try:
        return service.services.store.get(layer, feature_id)
    except FeatureNotFoundError:
        raise FeatureNotFoundError(
            tr("Layer '{layer}' has no feature '{feature}'.", layer=layer.id, feature=str(feature_id))
        ) from None


def _existing_keys(service: ImportService, layer: LayerDefinition, keys: list[Any]) -> list[str]:
    found = []
    for key in keys:
        if key is None:
            continue
        try:
            service.services.store.get(layer, str(key))
        except FeatureNotFoundError:
            continue
        found.append(str(key))
    return found
