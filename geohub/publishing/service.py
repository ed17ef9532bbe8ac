"""ImportService: imports with a report, the publisher's decision, versions and rollback.

Every write is checked against the actor's rights, recorded in the import history and the
audit log, and invalidates only the cached tiles where features changed. Readers see the old
version until the new one is published in one commit (storage), never a mixture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from geohub.auth.audit import AuditLog
from geohub.auth.principal import Principal, Role
from geohub.errors import (
    ConflictError,
    ForbiddenLayerError,
    GeoHubError,
    InvalidRequestError,
    UnauthorizedError,
)
from geohub.etl.columns import ColumnChoices, check_choices, columns_refusal, with_choices
from geohub.etl.digest import LayerChanges, Snapshot, compare, version_snapshot
from geohub.etl.modes import Mode, guard_report, keys_report, removal_refusal
from geohub.etl.pipeline import PreparedImport, prepare_import
from geohub.jobs import run_once
from geohub.layers.models import LayerDefinition
from geohub.messages import Message, encoded, tr
from geohub.publishing.conflicts import SyncConflictError
from geohub.publishing.import_locks import HeldLock, ImportLocks, import_locks
from geohub.publishing.imports import ImportRecord, ImportRecords
from geohub.publishing.mappings import SavedMapping, SavedMappings
from geohub.publishing.schedule_note import schedule_note
from geohub.publishing.upload_folders import remove_abandoned_uploads
from geohub.publishing.upload_folders import uploads_dir as process_uploads_dir
from geohub.services import Services
from geohub.settings import Settings
from geohub.sources.read import SourceData
from geohub.storage.base import Bbox, LayerVersion

DropChangedTiles = Callable[[str, list[Bbox]], int]
"""Drops the cached tiles a layer's changed features' boxes touch; returns how many went.

Tiles sit above publishing, so whoever builds an ImportService (the app, the CLI) passes this in:
`TileService(services).drop_changed_tiles`."""

OnInvalid = Literal["ask", "reject", "skip"]
SYSTEM = Principal(user="geohub-cli", role=Role.admin)  # the command line acts as the operator
REPORTED_KEYS = 200  # keys listed per kind of change in a report's `keys` section


@dataclass(frozen=True)
class Actor:
    """Who asks for a write and from where (the audit log records both)."""

    principal: Principal
    remote_addr: str | None = None


@dataclass(frozen=True)
class ImportOptions:
    """How an import ends.

    dry_run: report only. on_invalid: `ask` stages the valid rows and waits for the publisher's
    decision; `reject` refuses the import when any row is invalid; `skip` leaves invalid rows out.
    publish: publish at once when nothing waits on a decision (scheduled syncs).
    mode: how the upload combines with the live version (etl/modes.py); confirm_removal: the
    publisher agrees to remove more than `etl.replace_guard_share` of the live features.
    mapping, ignore: what the publisher chose for columns that fill no attribute (etl/columns.py).
    """

    dry_run: bool = False
    on_invalid: OnInvalid = "ask"
    publish: bool = False
    force: bool = False  # read the source even when its fingerprint has not changed
    repair: bool = True
    mode: Mode = "replace"
    confirm_removal: bool = False
    mapping: dict[str, str] = field(default_factory=dict)  # source column -> attribute
    ignore: frozenset[str] = frozenset()  # source columns deliberately dropped
    save_mapping: bool = False  # keep mapping and ignore as the layer's saved mapping
    use_saved_mapping: bool = False  # apply the layer's saved mapping under these (uploads do)


class ImportService:
    """Imports, publishing and rollback over one app's (or CLI run's) services."""

    def __init__(self, services: Services, drop_changed_tiles: DropChangedTiles):
        self.services = services
        self.drop_changed_tiles = drop_changed_tiles

    @cached_property
    def imports(self) -> ImportRecords:
        return ImportRecords(self.services.records)

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self.services.records)

    @cached_property
    def mappings(self) -> SavedMappings:
        return SavedMappings(self.services.records)

    @cached_property
    def locks(self) -> ImportLocks:
        return import_locks(self.services.settings)

    # imports -----------------------------------------------------------------------------
    def run(
        self,
        layer: LayerDefinition,
        read: Callable[[], SourceData],
        *,
        actor: Actor,
        source: str,
        options: ImportOptions,
        fingerprint: str = "",
    ) -> ImportRecord:
        """Read, validate and diff an import, then stage, publish or stop as `options` say.
        Imports a killed process left `running` are cleaned up first."""
        self.require_writer(layer, actor)
        self.recover_interrupted()
        record, lock = self._start(layer, actor, source)
        try:
            return self._run(layer, read, replace(record, fingerprint=fingerprint), actor, options)
        finally:
            lock.release()

    def _start(self, layer: LayerDefinition, actor: Actor, source: str) -> tuple[ImportRecord, HeldLock]:
        """A new `running` record and its lock, taken before the record is visible to others."""
        held: list[HeldLock] = []
        try:
            record = self.imports.start(
                layer.id,
                user=actor.principal.user,
                remote_addr=actor.remote_addr,
                source=source,
                before_commit=lambda import_id: held.append(self.locks.hold(import_id)),
            )
        except BaseException:
            for lock in held:  # the record was never written: nothing to hold
                lock.release()
            raise
        return record, held[0]

    def _run(
        self,
        layer: LayerDefinition,
        read: Callable[[], SourceData],
        record: ImportRecord,
        actor: Actor,
        options: ImportOptions,
    ) -> ImportRecord:
        fingerprint = record.fingerprint
        store = self.services.store
        try:
            current = store.current_version(layer.id)
            if (
                fingerprint
                and not options.force
                and not options.dry_run
                and current is not None
                and current.source_fingerprint == fingerprint
            ):
                return self.imports.save(
                    replace(
                        record,
                        status="no_changes",
                        base_version=current.version,
                        message=encoded(
                            tr("The source has not changed since version {version}.", version=current.version)
                        ),
                    )
                )
            prepared = prepare_import(
                layer,
                read(),
                store,
                self.services.registry,
                self.services.settings.etl,
                repair=options.repair,
                mode=options.mode,
                **self._column_choices(layer, options, actor),
            )
            return self._conclude(layer, record, prepared, actor, options)
        except GeoHubError as error:
            self.imports.save(replace(record, status="failed", message=encoded(error.message)))
            raise

    def _conclude(
        self,
        layer: LayerDefinition,
        record: ImportRecord,
        prepared: PreparedImport,
        actor: Actor,
        options: ImportOptions,
    ) -> ImportRecord:
        record = replace(record, base_version=prepared.base_version, source_crs=prepared.source_crs)

        def finish(status: str, message: Message, **changes: Any) -> ImportRecord:
            report = prepared.report(self.services.settings.etl.max_reported_problems)
            report |= {"dryRun": options.dry_run, "onInvalid": options.on_invalid}
            report |= {"schedule": schedule_note(layer, synced=bool(record.fingerprint))}
            report |= self._mode_report(prepared.changes, len(prepared.base), options.confirm_removal)
            return self.imports.save(
                replace(record, status=status, message=encoded(message), report=report, **changes)
            )

        invalid = prepared.validated.invalid_rows
        valid = prepared.valid_rows
        if options.dry_run:
            return finish("dry_run", _summary(prepared))
        if invalid and options.on_invalid == "reject":
            return finish(
                "rejected", tr("{count} rows failed validation; nothing was stored.", count=invalid)
            )
        if valid == 0:
            return finish("rejected", tr("No row passed validation; nothing was stored."))
        if prepared.base_version is not None and not prepared.changes.any:
            return finish("no_changes", tr("Identical to the published version: nothing to do."))
        note = f"import {record.id} ({record.source})"
        staged = prepared.write(source_fingerprint=record.fingerprint, note=note)
        record = finish("validated", _summary(prepared), staged_version=staged.version)
        report = record.report
        self.audit.record(
            actor.principal,
            "import.validated",
            layer.id,
            {
                "import": record.id,
                "version": staged.version,
                "source": record.source,
                "mode": options.mode,
                **report["counts"],
            },
            actor.remote_addr,
        )
        if not options.publish or (invalid and options.on_invalid != "skip"):
            return record
        guard = report["guard"]
        if guard["needsConfirmation"] and not options.confirm_removal:  # kept, waiting: say why
            message = encoded(removal_refusal(layer.id, guard).message)
            return self.imports.save(replace(record, message=message))
        refusal = columns_refusal(report.get("columns"), record.id)
        if refusal is not None:  # kept, waiting for a mapping or an ignore: say why
            return self.imports.save(replace(record, message=encoded(refusal.message)))
        return self.publish(
            layer,
            record.id,
            actor=actor,
            skip_invalid=options.on_invalid == "skip",
            confirm_removal=options.confirm_removal,
            digests=(prepared.base, prepared.stored_snapshot()),
        )

    def _column_choices(self, layer: LayerDefinition, options: ImportOptions, actor: Actor) -> dict[str, Any]:
        """The publisher's choices and the layer's saved ones for `prepare_import`; saved first
        when `save_mapping` asks (merged over what was saved)."""
        choices = ColumnChoices(options.mapping, options.ignore)
        found = self.mappings.get(layer.id) if options.use_saved_mapping else None
        saved = None if found is None else found.choices
        if options.save_mapping:
            self.save_mapping(layer, choices if saved is None else choices.over(saved), actor=actor)
        return {"choices": choices, "saved": saved}

    def _mode_report(self, changes: LayerChanges, live: int, confirmed: bool) -> dict[str, Any]:
        """The report's `keys` and `guard` sections (the mode itself comes with the pipeline's)."""
        threshold = self.services.settings.etl.replace_guard_share
        return {
            "keys": keys_report(changes, REPORTED_KEYS),
            "guard": guard_report(changes, live, threshold, confirmed),
        }

    def publish(
        self,
        layer: LayerDefinition,
        import_id: int,
        *,
        actor: Actor,
        skip_invalid: bool,
        confirm_removal: bool = False,
        choices: ColumnChoices | None = None,
        digests: tuple[Snapshot, Snapshot] | None = None,
    ) -> ImportRecord:
        """Publish a validated import's staged version: one commit, then drop the changed tiles.
        One that removes more than `etl.replace_guard_share` of the live features needs
        `confirm_removal` (given now, or with the upload). Columns that look like attributes and
        fill none need to be in `choices.ignore` (or mapped by a new upload). `digests`: the
        live and the staged version's, when the caller has them (an import published as soon as
        it is written): else they are read back from the store (megabytes for a city layer)."""
        self.require_writer(layer, actor)
        record = self.imports.get(layer.id, import_id)
        if record.status != "validated" or record.staged_version is None:
            raise ConflictError(
                tr(
                    "Import {id} is {status}; only a validated import can be published.",
                    id=str(import_id),
                    status=record.status,
                )
            )
        conflict = record.report.get("conflict")
        if isinstance(conflict, dict) and conflict.get("open"):
            raise SyncConflictError(
                tr(
                    "Import {id} waits on conflict {conflict}: resolve the conflict (take-source or "
                    "keep-mine) to publish it.",
                    id=str(import_id),
                    conflict=str(conflict.get("id")),
                )
            )
        invalid = int(record.report.get("counts", {}).get("invalid", 0))
        if invalid and not skip_invalid:
            raise ConflictError(
                tr(
                    "{count} rows of import {id} failed validation. Fix the source and import "
                    "again, publish the valid rows (invalidRows: skip), or reject the import.",
                    count=invalid,
                    id=str(import_id),
                )
            )
        record = self._columns_chosen(layer, record, choices)
        assert record.staged_version is not None  # checked above; the record only gained ignores
        store = self.services.store
        current = store.current_version(layer.id)
        current_number = None if current is None else current.version
        if current_number != record.base_version:
            store.delete_version(layer.id, record.staged_version)
            self.imports.save(
                replace(
                    record,
                    status="superseded",
                    message=encoded(
                        tr(
                            "The layer changed (now version {version}) after this import was validated.",
                            version=str(current_number),
                        )
                    ),
                )
            )
            raise ConflictError(
                tr(
                    "Layer '{layer}' changed after import {id} was validated; run the import again.",
                    layer=layer.id,
                    id=str(import_id),
                )
            )
        if digests is None:
            digests = (
                version_snapshot(store, layer, current_number),
                version_snapshot(store, layer, record.staged_version),
            )
        changes = compare(*digests)
        live = 0 if current is None else current.feature_count
        confirmed = confirm_removal or bool(record.report.get("guard", {}).get("confirmed"))
        guard = self._mode_report(changes, live, confirmed)["guard"]
        if guard["needsConfirmation"] and not confirmed:
            raise removal_refusal(layer.id, guard)
        version = self._switch(layer, record.staged_version, current_number, changes)
        report = record.report | ({"guard": guard} if "guard" in record.report else {})
        record = self.imports.save(
            replace(record, status="published", published_version=version.version, report=report)
        )
        detail: dict[str, Any] = {
            "import": import_id,
            "version": version.version,
            "previous": current_number,
            "skippedRows": invalid,
        }
        if guard["needsConfirmation"]:
            detail["confirmedRemoval"] = {"removed": guard["removed"], "share": guard["removedShare"]}
        self.audit.record(actor.principal, "layer.publish", layer.id, detail, actor.remote_addr)
        return record

    def _columns_chosen(
        self, layer: LayerDefinition, record: ImportRecord, choices: ColumnChoices | None
    ) -> ImportRecord:
        """The record with the ignores given at publish time; 409 while a column that looks like
        an attribute is neither mapped nor ignored."""
        section = record.report.get("columns")
        if choices and section is not None:
            section = with_choices(layer, section, choices, record.id)
            record = replace(record, report=record.report | {"columns": section})
        refusal = columns_refusal(section, record.id)
        if refusal is not None:
            raise refusal
        return record

    # saved column mappings ---------------------------------------------------------------
    def saved_mapping(self, layer: LayerDefinition, *, actor: Actor) -> SavedMapping:
        """The layer's saved mapping (empty when none is saved)."""
        self.require_writer(layer, actor)
        return self.mappings.get(layer.id) or SavedMapping(layer.id, ColumnChoices())

    def save_mapping(self, layer: LayerDefinition, choices: ColumnChoices, *, actor: Actor) -> SavedMapping:
        """Save `choices` as the mapping the layer's uploads use by default."""
        self.require_writer(layer, actor)
        check_choices(layer, choices)
        saved = self.mappings.save(layer.id, choices, user=actor.principal.user)
        self.audit.record(actor.principal, "mapping.saved", layer.id, choices.to_json(), actor.remote_addr)
        return saved

    def delete_mapping(self, layer: LayerDefinition, *, actor: Actor) -> bool:
        """Forget the layer's saved mapping; False when it had none."""
        self.require_writer(layer, actor)
        deleted = self.mappings.delete(layer.id)
        if deleted:
            self.audit.record(actor.principal, "mapping.deleted", layer.id, {}, actor.remote_addr)
        return deleted

    def reject(self, layer: LayerDefinition, import_id: int, *, actor: Actor) -> ImportRecord:
        """The publisher refuses a validated import: its staged version is dropped."""
        self.require_writer(layer, actor)
        record = self.imports.get(layer.id, import_id)
        if record.status != "validated" or record.staged_version is None:
            raise ConflictError(
                tr(
                    "Import {id} is {status}; only a validated import can be rejected.",
                    id=str(import_id),
                    status=record.status,
                )
            )
        self.services.store.delete_version(layer.id, record.staged_version)
        record = self.imports.save(
            replace(record, status="rejected", message=encoded(tr("Rejected by the publisher.")))
        )
        self.audit.record(
            actor.principal, "import.rejected", layer.id, {"import": import_id}, actor.remote_addr
        )
        return record

    # versions ----------------------------------------------------------------------------
    def rollback(self, layer: LayerDefinition, version: int, *, actor: Actor) -> LayerVersion:
        """Publish an earlier version again (a version awaiting review cannot be rolled back to)."""
        self.require_writer(layer, actor)
        store = self.services.store
        current = store.current_version(layer.id)
        if current is not None and current.version == version:
            raise ConflictError(
                tr(
                    "Version {version} of layer '{layer}' is already the published one.",
                    version=str(version),
                    layer=layer.id,
                )
            )
        pending = [r for r in self.imports.history(layer.id, limit=200) if r.status == "validated"]
        if any(r.staged_version == version for r in pending):
            raise ConflictError(
                tr(
                    "Version {version} of layer '{layer}' is an import awaiting review; publish "
                    "it through its import.",
                    version=str(version),
                    layer=layer.id,
                )
            )
        published = self._switch(layer, version, None if current is None else current.version)
        self.audit.record(
            actor.principal,
            "layer.rollback",
            layer.id,
            {"version": version, "previous": None if current is None else current.version},
            actor.remote_addr,
        )
        return published

    def _switch(
        self, layer: LayerDefinition, version: int, current: int | None, changes: LayerChanges | None = None
    ) -> LayerVersion:
        """Publish `version` and drop exactly the cached tiles its differences touch."""
        store = self.services.store
        if changes is None:
            old, new = version_snapshot(store, layer, current), version_snapshot(store, layer, version)
            changes = compare(old, new)
        published = store.publish_version(layer.id, version)
        self.drop_changed_tiles(layer.id, changes.tile_boxes())
        self.prune_versions(layer)
        return published

    def prune_versions(self, layer: LayerDefinition) -> list[int]:
        """Drop the oldest versions beyond `etl.keep_versions`; never the published one nor one
        a validated import is waiting to publish. Returns the versions dropped."""
        store = self.services.store
        keep = self.services.settings.etl.keep_versions
        dropped: list[int] = []
        if not any(not v.is_current for v in store.versions(layer.id)[keep:]):
            return dropped  # nothing to prune: no job, no lock
        with run_once(self.services.settings, f"prune {layer.id}") as mine:
            if not mine:
                return dropped  # another process prunes the layer now
            pending = {
                r.staged_version for r in self.imports.history(layer.id, limit=200) if r.status == "validated"
            }
            for version in store.versions(layer.id)[keep:]:  # newest first
                if not version.is_current and version.version not in pending:
                    store.delete_version(layer.id, version.version)
                    dropped.append(version.version)
        return dropped

    # housekeeping ------------------------------------------------------------------------
    def recover_interrupted(self) -> int:
        """Mark the imports whose process died (no process holds their lock) as interrupted,
        drop a version one of them staged before it could say so, and delete the upload folders
        of dead processes. No clock is involved: a killed import is cleaned up by the next
        import, sync or command, in any process. The store itself never holds half a version:
        each write is one transaction. The records' recovery runs in one process at a time, on
        any node (geohub/jobs.py): while another process recovers, this one skips it (returns 0)."""
        remove_abandoned_uploads(self.services.settings.data_dir)  # this node's own, each locked
        if not self.imports.running():
            return 0  # nothing to look at: no job, no lock
        with run_once(self.services.settings, "recovery") as mine:
            return sum(self._recover(record) for record in self.imports.running()) if mine else 0

    def _recover(self, record: ImportRecord) -> bool:
        lock = self.locks.claim(record.id)
        if lock is None:
            return False  # still running in a live process
        try:
            record = self.imports.get(record.layer_id, record.id)
            if record.status != "running":
                return False  # it finished between the query and the claim
            store = self.services.store
            for version in store.versions(record.layer_id):
                if not version.is_current and version.note.startswith(f"import {record.id} ("):
                    store.delete_version(record.layer_id, version.version)
            self.imports.save(
                replace(
                    record,
                    status="interrupted",
                    message=encoded(tr("The process stopped during the import.")),
                )
            )
            return True
        finally:
            lock.release()

    def require_writer(self, layer: LayerDefinition, actor: Actor) -> None:
        """403 unless the actor may write the layer (admins, or its own department's publishers)."""
        principal = actor.principal
        if not principal.is_signed_in:
            raise UnauthorizedError(tr("Sign in to change layers."))
        if layer.service is not None:
            raise ConflictError(
                tr(
                    "Layer '{layer}' is published by GeoHub's {service} service from its own records; "
                    "change those instead.",
                    layer=layer.id,
                    service=layer.service,
                )
            )
        if not principal.may_write(layer):
            raise ForbiddenLayerError(
                tr(
                    "Account '{user}' may not change layer '{layer}' (it belongs to the "
                    "department '{department}').",
                    user=principal.user,
                    layer=layer.id,
                    department=layer.department,
                )
            )


def uploads_dir(settings: Settings) -> Path:
    """Where this process's uploads wait while they are read (each in a folder `upload-*` of its
    own); the folder is removed by the next recovery once the process has died."""
    return process_uploads_dir(settings.data_dir)


def parse_on_invalid(value: str | None, default: OnInvalid = "ask") -> OnInvalid:
    """The on_invalid choice from a request or the command line."""
    if value in (None, ""):
        return default
    if value not in ("ask", "reject", "skip"):
        raise InvalidRequestError(tr("onInvalid must be ask, reject or skip, not '{value}'.", value=value))
    return value  # type: ignore[return-value]


def _summary(prepared: PreparedImport) -> Message:
    counts = prepared.validated
    changes = prepared.changes
    return tr(
        "{valid} valid and {invalid} invalid of {total} rows; {added} added, {changed} changed, "
        "{removed} removed, {unchanged} unchanged.",
        valid=prepared.valid_rows,
        invalid=counts.invalid_rows,
        total=counts.total,
        added=changes.added,
        changed=changes.changed,
        removed=changes.removed,
        unchanged=changes.unchanged,
    )
