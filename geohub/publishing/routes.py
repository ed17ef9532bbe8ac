"""Publishing over HTTP: imports with reports, publish or reject, versions, rollback, and
OGC API – Features Part 4 item edits. Every route needs a signed-in account; writes need the
layer's department (or an admin)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.utils import secure_filename

from geohub.auth.context import current_principal
from geohub.auth.http import require_signed_in
from geohub.errors import InvalidRequestError
from geohub.etl.columns import ColumnChoices, check_choices, parse_choices
from geohub.etl.modes import Mode, keys_source, parse_keys, parse_mode
from geohub.extensions import app_extension
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.openapi.models import (
    ConflictList,
    ConflictResolution,
    CreatedFeatures,
    FeatureInput,
    ImportChangeCollection,
    ImportHistory,
    ImportRecord,
    ImportsQuery,
    ImportUpload,
    LayerMapping,
    MappingChoice,
    PublishChoice,
    PublishedVersion,
    RollbackRequest,
    SyncConflict,
    VersionList,
)
from geohub.openapi.operation import JSON, Body, Reply, documented
from geohub.publishing.changes import import_changes
from geohub.publishing.conflicts import SyncConflicts, parse_choice
from geohub.publishing.edits import (
    create_features,
    delete_feature,
    parse_features,
    replace_feature,
    update_feature,
)
from geohub.publishing.service import Actor, ImportOptions, ImportService, parse_on_invalid, uploads_dir
from geohub.publishing.sync import resolve_conflict
from geohub.request_language import request_language
from geohub.services import Services
from geohub.sources.read import ReadLimits, read_upload

etl = Blueprint("etl", __name__)
IMPORTS_KEY = "geohub.imports"
MAX_HISTORY = 200
WRITE_PROBLEMS = (400, 401, 403, 404, 409)
EDIT_PROBLEMS = (*WRITE_PROBLEMS, 422)
LOCATION = {"Location": "The new resource"}


def import_service() -> ImportService:
    """The app's ImportService, made on first use (tile invalidation through the app's tiles)."""
    return app_extension(
        IMPORTS_KEY,
        lambda services, extensions: ImportService(services, extensions["geohub.tiles"].drop_changed_tiles),
    )


def _actor() -> Actor:
    return Actor(current_principal(), request.remote_addr)


def _writable_layer(layer_id: str) -> LayerDefinition:
    """The layer, checked writable by the current account (401 anonymous, 403 other department)."""
    service = import_service()
    layer = service.services.registry.get(layer_id)
    service.require_writer(layer, _actor())
    return layer


def _staff_layer(layer_id: str) -> LayerDefinition:
    """The layer for signed-in staff reading its history (401 for anonymous readers); imports
    whose process died are marked interrupted first, so the history never shows them running."""
    require_signed_in()
    service = import_service()
    service.recover_interrupted()
    return service.services.registry.get(layer_id)


def _flag(name: str, default: bool = False) -> bool:
    value = request.form.get(name, request.args.get(name))
    if value is None or value == "":
        return default
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise InvalidRequestError(tr("{name} must be true or false, not '{value}'.", name=name, value=value))


# imports ---------------------------------------------------------------------------------
@etl.post("/collections/<layer_id>/imports")
@documented(
    summary="Upload a file to import: validated, diffed and reported; published now or later",
    tags=("publishing",),
    operation_id="createImport",
    security="bearer",
    body=Body(ImportUpload, media=("multipart/form-data",)),
    responses={201: Reply("The import's record and report", ImportRecord, headers=LOCATION)},
    problems=(*WRITE_PROBLEMS, 413, 422),
)
def upload_import(layer_id: str) -> tuple[Response, int, dict[str, str]]:
    """Upload a file (multipart field `file`) and get its report; publish now or later."""
    layer = _writable_layer(layer_id)
    services: Services = current_app.extensions["geohub"]
    request.max_content_length = services.settings.etl.max_upload_bytes
    mode = parse_mode(request.form.get("mode"))
    upload = request.files.get("file")
    keys = _keys(mode, has_file=upload is not None and bool(upload.filename))
    options = ImportOptions(
        dry_run=_flag("dryRun"),
        on_invalid=parse_on_invalid(request.form.get("onInvalid")),
        publish=_flag("publish"),
        mode=mode,
        confirm_removal=_flag("confirmRemoval"),
        **_column_options(layer),
    )
    if keys is not None:
        typed = keys_source(keys, layer.key)
        record = import_service().run(layer, lambda: typed, actor=_actor(), source="keys", options=options)
        return _created(layer, record)
    if upload is None or not upload.filename:
        raise InvalidRequestError(tr("Send the file as multipart/form-data in the field 'file'."))
    filename = secure_filename(upload.filename) or "upload"
    crs = request.form.get("crs") or None
    source_layer = request.form.get("layer") or None
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=uploads_dir(services.settings)))
    try:
        path = folder / filename
        upload.save(path)
        record = import_service().run(
            layer,
            lambda: read_upload(
                path,
                filename=filename,
                crs=crs,
                layer=source_layer,
                limits=ReadLimits.from_settings(services.settings.etl),
            ),
            actor=_actor(),
            source=filename,
            options=options,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _created(layer, record)


def _keys(mode: Mode, *, has_file: bool) -> list[str] | None:
    """The keys typed in the `keys` field (delete mode only, instead of a file), or None."""
    text = request.form.get("keys")
    if text is None:
        if mode == "delete" and not has_file:
            raise InvalidRequestError(
                tr("A delete import needs the keys to remove: in the field 'keys', or as a file.")
            )
        return None
    if mode != "delete":
        raise InvalidRequestError(
            tr("The field 'keys' goes with mode delete; a {mode} import takes a file.", mode=mode)
        )
    if has_file:
        raise InvalidRequestError(tr("Send the keys to delete in the field 'keys' or as a file, not both."))
    return parse_keys(text)


def _column_options(layer: LayerDefinition) -> dict[str, Any]:
    """The upload's `mapping`, `ignore` and `saveMapping` fields as ImportOptions; the layer's
    saved mapping applies under them."""
    choices = parse_choices(request.form.get("mapping"), request.form.get("ignore"))
    check_choices(layer, choices)
    return {
        "mapping": dict(choices.mapping),
        "ignore": choices.ignore,
        "save_mapping": _flag("saveMapping"),
        "use_saved_mapping": True,
    }


def _created(layer: LayerDefinition, record: Any) -> tuple[Response, int, dict[str, str]]:
    location = url_for("etl.get_import", layer_id=layer.id, import_id=record.id)
    return jsonify(record.to_json(request_language())), 201, {"Location": location}


@etl.get("/collections/<layer_id>/imports")
@documented(
    summary="The layer's imports, newest first (without per-row problems)",
    tags=("publishing",),
    operation_id="listImports",
    security="bearer",
    query=ImportsQuery,
    responses={200: Reply("Import history", ImportHistory)},
    problems=(400, 401, 404),
)
def list_imports(layer_id: str) -> Response:
    layer = _staff_layer(layer_id)
    limit = _whole_number("limit", 50, MAX_HISTORY)
    before = request.args.get("before")
    history = import_service().imports.history(
        layer.id, limit=limit, before_id=_whole_number("before", None, 2**62) if before else None
    )
    return jsonify({"layer": layer.id, "imports": [_brief(r.to_json(request_language())) for r in history]})


@etl.get("/collections/<layer_id>/imports/<int:import_id>")
@documented(
    summary="One import and its full report",
    tags=("publishing",),
    operation_id="getImport",
    security="bearer",
    responses={200: Reply("The import", ImportRecord)},
    problems=(401, 404),
)
def get_import(layer_id: str, import_id: int) -> Response:
    layer = _staff_layer(layer_id)
    return jsonify(import_service().imports.get(layer.id, import_id).to_json(request_language()))


@etl.get("/collections/<layer_id>/imports/<int:import_id>/changes")
@documented(
    summary="The features an import adds, changes and removes, as GeoJSON (the workspace's diff map)",
    tags=("publishing",),
    operation_id="importChanges",
    security="bearer",
    responses={200: Reply("The changed features", ImportChangeCollection, media="application/geo+json")},
    problems=(401, 403, 404, 409),
)
def import_changes_geojson(layer_id: str, import_id: int) -> Response:
    """Added and changed features as staged, removed ones from the base version, each with
    `properties.change`; for a validated or published import (409 once its version is dropped)."""
    layer = _writable_layer(layer_id)
    service = import_service()
    changes = import_changes(service.services.store, layer, service.imports.get(layer.id, import_id))
    features = [
        {
            "type": "Feature",
            "id": feature.id,
            "geometry": shapely.geometry.mapping(shapely.from_wkb(feature.geometry))
            if feature.geometry
            else None,
            "properties": {**feature.properties, "change": change},
        }
        for change, feature in changes.features
    ]
    body = {
        "type": "FeatureCollection",
        "features": features,
        "counts": changes.counts,
        "truncated": changes.truncated,
    }
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "no-store"
    return response


@etl.post("/collections/<layer_id>/imports/<int:import_id>/publish")
@documented(
    summary="Publish a validated import (invalidRows: skip publishes only its valid rows)",
    tags=("publishing",),
    operation_id="publishImport",
    security="bearer",
    body=Body(PublishChoice, required=False),
    responses={200: Reply("The published import", ImportRecord)},
    problems=WRITE_PROBLEMS,
)
def publish_import(layer_id: str, import_id: int) -> Response:
    """Publish a validated import; `{"invalidRows": "skip"}` publishes the valid rows of one with
    errors, `{"confirmRemoval": true}` one that removes more than the guard allows."""
    layer = _writable_layer(layer_id)
    body = _json_object(optional=True)
    choice = body.get("invalidRows", "reject")
    if choice not in ("skip", "reject"):
        raise InvalidRequestError(tr("invalidRows must be 'skip' (publish the valid rows) or 'reject'."))
    confirm = body.get("confirmRemoval", False)
    if not isinstance(confirm, bool):
        raise InvalidRequestError(
            tr("{name} must be true or false, not '{value}'.", name="confirmRemoval", value=str(confirm))
        )
    columns = parse_choices(body.get("mapping"), body.get("ignore"))
    record = import_service().publish(
        layer,
        import_id,
        actor=_actor(),
        skip_invalid=choice == "skip",
        confirm_removal=confirm,
        choices=columns or None,
    )
    return jsonify(record.to_json(request_language()))


@etl.post("/collections/<layer_id>/imports/<int:import_id>/reject")
@documented(
    summary="Reject a validated import: its staged version is dropped",
    tags=("publishing",),
    operation_id="rejectImport",
    security="bearer",
    responses={200: Reply("The rejected import", ImportRecord)},
    problems=WRITE_PROBLEMS,
)
def reject_import(layer_id: str, import_id: int) -> Response:
    layer = _writable_layer(layer_id)
    return jsonify(import_service().reject(layer, import_id, actor=_actor()).to_json(request_language()))


# versions --------------------------------------------------------------------------------
@etl.get("/collections/<layer_id>/versions")
@documented(
    summary="Every stored version of the layer, newest first",
    tags=("publishing",),
    operation_id="listVersions",
    security="bearer",
    responses={200: Reply("Versions", VersionList)},
    problems=(401, 404),
)
def list_versions(layer_id: str) -> Response:
    layer = _staff_layer(layer_id)
    versions = import_service().services.store.versions(layer.id)
    return jsonify(
        {
            "layer": layer.id,
            "versions": [
                {
                    "version": v.version,
                    "createdAt": v.created_at.isoformat(),
                    "featureCount": v.feature_count,
                    "extent": v.extent,
                    "current": v.is_current,
                    "note": v.note,
                }
                for v in versions
            ],
        }
    )


@etl.post("/collections/<layer_id>/rollback")
@documented(
    summary="Publish an earlier version again",
    tags=("publishing",),
    operation_id="rollback",
    security="bearer",
    body=Body(RollbackRequest),
    responses={200: Reply("The published version", PublishedVersion)},
    problems=WRITE_PROBLEMS,
)
def rollback(layer_id: str) -> Response:
    """Publish an earlier version again: `{"version": 3}`."""
    layer = _writable_layer(layer_id)
    version = _json_object().get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidRequestError(
            tr('Give the version to restore as a positive whole number: {"version": 3}.')
        )
    published = import_service().rollback(layer, version, actor=_actor())
    return jsonify({"layer": layer.id, "version": published.version, "featureCount": published.feature_count})


# saved column mappings -------------------------------------------------------------------
@etl.get("/collections/<layer_id>/mapping")
@documented(
    summary="The layer's saved column mapping, which its uploads use by default",
    tags=("publishing",),
    operation_id="getMapping",
    security="bearer",
    responses={200: Reply("The saved mapping (empty when none is saved)", LayerMapping)},
    problems=(401, 403, 404),
)
def get_mapping(layer_id: str) -> Response:
    layer = _writable_layer(layer_id)
    return jsonify(import_service().saved_mapping(layer, actor=_actor()).to_json())


@etl.put("/collections/<layer_id>/mapping")
@documented(
    summary="Save the column mapping and ignores the layer's uploads use by default",
    tags=("publishing",),
    operation_id="putMapping",
    security="bearer",
    body=Body(MappingChoice),
    responses={200: Reply("The saved mapping", LayerMapping)},
    problems=WRITE_PROBLEMS,
)
def put_mapping(layer_id: str) -> Response:
    """`{"mapping": {"recycling_": "recycling_type"}, "ignore": ["remarks"]}`."""
    layer = _writable_layer(layer_id)
    body = _json_object()
    choices: ColumnChoices = parse_choices(body.get("mapping"), body.get("ignore"))
    return jsonify(import_service().save_mapping(layer, choices, actor=_actor()).to_json())


@etl.delete("/collections/<layer_id>/mapping")
@documented(
    summary="Forget the layer's saved column mapping",
    tags=("publishing",),
    operation_id="deleteMapping",
    security="bearer",
    responses={204: Reply("Done: uploads use no saved mapping", media=None)},
    problems=(401, 403, 404),
)
def delete_mapping(layer_id: str) -> tuple[str, int]:
    layer = _writable_layer(layer_id)
    import_service().delete_mapping(layer, actor=_actor())
    return "", 204


# sync conflicts --------------------------------------------------------------------------
@etl.get("/collections/<layer_id>/conflicts")
@documented(
    summary="The layer's sync conflicts, newest first (its department's publishers and admins)",
    tags=("publishing",),
    operation_id="listConflicts",
    security="bearer",
    responses={200: Reply("Sync conflicts", ConflictList)},
    problems=(401, 403, 404),
)
def list_conflicts(layer_id: str) -> Response:
    """Conflicts where a sync met a version a person published or edited: those who may resolve
    them see them (moderators handle citizens' reports, not layers)."""
    layer = _writable_layer(layer_id)
    conflicts = SyncConflicts(import_service().services.records).history(layer.id, limit=MAX_HISTORY)
    language = request_language()
    return jsonify({"layer": layer.id, "conflicts": [c.to_json(language) for c in conflicts]})


@etl.post("/collections/<layer_id>/conflicts/<int:conflict_id>/resolve")
@documented(
    summary="Resolve a sync conflict: take-source publishes the source's data, keep-mine keeps "
    "the person's version",
    tags=("publishing",),
    operation_id="resolveConflict",
    security="bearer",
    body=Body(ConflictResolution),
    responses={200: Reply("The resolved conflict", SyncConflict)},
    problems=(*WRITE_PROBLEMS, 422),
)
def resolve_sync_conflict(layer_id: str, conflict_id: int) -> Response:
    layer = _writable_layer(layer_id)
    body = _json_object()
    choice = parse_choice(body.get("choice"))
    confirm = body.get("confirmRemoval", False)
    if not isinstance(confirm, bool):
        raise InvalidRequestError(
            tr("{name} must be true or false, not '{value}'.", name="confirmRemoval", value=confirm)
        )
    service = import_service()
    base_dir = service.services.settings.demo_data_dir
    resolved = resolve_conflict(
        service, layer, conflict_id, choice, base_dir, actor=_actor(), confirm_removal=confirm
    )
    return jsonify(resolved.to_json(request_language()))


# OGC API – Features Part 4 ---------------------------------------------------------------
@etl.post("/collections/<layer_id>/items")
@documented(
    summary="Add {title} features (a Feature or a FeatureCollection)",
    tags=("publishing",),
    operation_id="create{Layer}Features",
    security="bearer",
    per_layer=True,
    body=Body(FeatureInput, media=("application/geo+json", JSON)),
    responses={201: Reply("The new features' ids and the new version", CreatedFeatures, headers=LOCATION)},
    problems=EDIT_PROBLEMS,
)
def create_items(layer_id: str) -> tuple[Response, int, dict[str, str]]:
    layer = _writable_layer(layer_id)
    result = create_features(import_service(), layer, parse_features(_json_object()), actor=_actor())
    headers = {"Location": url_for("features.item", layer_id=layer.id, feature_id=result.keys[0])}
    return jsonify({"created": result.keys, "version": result.version.version}), 201, headers


@etl.put("/collections/<layer_id>/items/<feature_id>")
@documented(
    summary="Replace a {title} feature",
    tags=("publishing",),
    operation_id="replace{Layer}Feature",
    security="bearer",
    per_layer=True,
    body=Body(FeatureInput, media=("application/geo+json", JSON)),
    responses={204: Reply("Done: a new version is published", media=None)},
    problems=EDIT_PROBLEMS,
)
def replace_item(layer_id: str, feature_id: str) -> tuple[str, int]:
    layer = _writable_layer(layer_id)
    features = parse_features(_json_object())
    if len(features) != 1:
        raise InvalidRequestError(tr("PUT replaces one feature: send a GeoJSON Feature."))
    replace_feature(import_service(), layer, feature_id, features[0], actor=_actor())
    return "", 204


@etl.patch("/collections/<layer_id>/items/<feature_id>")
@documented(
    summary="Change a {title} feature by a JSON merge patch (RFC 7396)",
    tags=("publishing",),
    operation_id="update{Layer}Feature",
    security="bearer",
    per_layer=True,
    body=Body(FeatureInput, media=("application/merge-patch+json", JSON)),
    responses={204: Reply("Done: a new version is published", media=None)},
    problems=EDIT_PROBLEMS,
)
def update_item(layer_id: str, feature_id: str) -> tuple[str, int]:
    layer = _writable_layer(layer_id)
    update_feature(import_service(), layer, feature_id, _json_object(), actor=_actor())
    return "", 204


@etl.delete("/collections/<layer_id>/items/<feature_id>")
@documented(
    summary="Delete a {title} feature",
    tags=("publishing",),
    operation_id="delete{Layer}Feature",
    security="bearer",
    per_layer=True,
    responses={204: Reply("Done: a new version is published", media=None)},
    problems=WRITE_PROBLEMS,
)
def delete_item(layer_id: str, feature_id: str) -> tuple[str, int]:
    layer = _writable_layer(layer_id)
    delete_feature(import_service(), layer, feature_id, actor=_actor())
    return "", 204


# helpers ---------------------------------------------------------------------------------
def _json_object(optional: bool = False) -> dict[str, Any]:
    if optional and not request.get_data(cache=True):
        return {}
    mimetype = request.mimetype or ""
    if mimetype not in ("application/json", "application/geo+json", "application/merge-patch+json"):
        raise InvalidRequestError(
            tr("Send the body as JSON (Content-Type: application/json or application/geo+json).")
        )
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequestError(tr("The body is not a JSON object."))
    return body


def _whole_number(name: str, default: int | None, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        assert default is not None
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise InvalidRequestError(
            tr("{name} must be a whole number from 1 to {maximum}.", name=name, maximum=maximum)
        )
    return int(raw)


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    """A history entry: the record without the per-row problem lists."""
    return {k: v for k, v in record.items() if k not in ("problems", "repairedRows")}
