"""Sync layers from their declared sources: what `geohub etl sync`, `geohub demo` and
`geohub etl import-osm` run. A source that has not changed since the last sync is not read.

A sync never publishes over a version a person published or edited after the last sync: it
stages its import and opens a conflict (publishing/conflicts.py) that a person resolves."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from geohub.errors import GeoHubError, InvalidDataError
from geohub.etl.pipeline import DISTRICTS_LAYER, import_order
from geohub.jobs import SKIPPED, run_once
from geohub.layers.models import LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.layers.schedule import next_sync
from geohub.messages import encoded, tr
from geohub.publishing.conflicts import (
    Choice,
    PersonVersion,
    SyncConflict,
    SyncConflictError,
    SyncConflicts,
    already_resolved,
    person_version,
    staged_digest,
)
from geohub.publishing.imports import ImportRecord
from geohub.publishing.service import SYSTEM, Actor, ImportOptions, ImportService
from geohub.sources.read import ReadLimits, read_source, source_fingerprint

OPERATOR = Actor(SYSTEM, "command line")
DISTRICTS_WAIT_S = 1800.0  # a run waits this long for another node's sync of the districts
SYNCED_ELSEWHERE = "skipped: synced by another process since this run started"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncOutcome:
    """One layer's sync: its import record, or the error that stopped it."""

    layer_id: str
    record: ImportRecord | None
    error: str = ""
    skipped: bool = False  # another process synced it (error says why): not a failure

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.record is None:
            return "failed"
        return "conflict" if waits_on_conflict(self.record) else self.record.status

    @property
    def held(self) -> bool:
        """True when the sync was kept unpublished: it removes more than the replace guard allows,
        or its source has columns that look like attributes and fill none (etl/columns.py)."""
        report = self.record.report if self.record is not None else {}
        guard = report.get("guard", {})
        waits = bool(guard.get("needsConfirmation")) and not guard.get("confirmed")
        unmapped = bool((report.get("columns") or {}).get("needsMapping"))
        return self.status == "validated" and (waits or unmapped)


def waits_on_conflict(record: ImportRecord) -> bool:
    """Whether a sync's import was stopped by an open conflict (it waits for a person's choice)."""
    conflict = record.report.get("conflict")
    return isinstance(conflict, dict) and bool(conflict.get("open"))


def sync_layer(
    service: ImportService,
    layer: LayerDefinition,
    base_dir: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    actor: Actor = OPERATOR,
    guard: bool = True,
    confirm_removal: bool = False,
) -> ImportRecord:
    """Import one layer from its declared source and publish it when it may be published: not
    over a person's version (`guard`), where it stages the import and opens a conflict instead."""
    source = layer.source
    if source is None:
        raise InvalidDataError(tr("Layer '{layer}' declares no source to sync from.", layer=layer.id))
    services = service.services
    mine = person_version(services, layer) if guard and not dry_run else None
    conflicts = SyncConflicts(services.records)
    if mine is not None:
        waiting = next(iter(conflicts.history(layer.id, open_only=True, limit=1)), None)
        if waiting is not None:  # still undecided: nothing to read until someone chooses
            return service.imports.get(layer.id, waiting.import_id)
    record = service.run(
        layer,
        lambda: read_source(source, base_dir, ReadLimits.from_settings(services.settings.etl)),
        actor=actor,
        source=source.label,
        fingerprint=source_fingerprint(layer, base_dir),
        options=ImportOptions(
            dry_run=dry_run,
            on_invalid=source.on_invalid,
            publish=mine is None,
            force=force,
            repair=source.repair_geometry,
            confirm_removal=confirm_removal,
        ),
    )
    if mine is None or record.status != "validated" or record.staged_version is None:
        return record
    return _stop_at_person_version(service, layer, record, mine, actor)


def _stop_at_person_version(
    service: ImportService, layer: LayerDefinition, record: ImportRecord, mine: PersonVersion, actor: Actor
) -> ImportRecord:
    """The sync's staged import meets a person's version: quiet when that version was kept
    against the same data before, else a new open conflict (in the import, its audit entry)."""
    assert record.staged_version is not None
    store, conflicts = service.services.store, SyncConflicts(service.services.records)
    digest = staged_digest(store, layer.id, record.staged_version)
    latest = conflicts.latest(layer.id)
    if latest is not None and latest.resolution == "keep-mine" and latest.source_digest == digest:
        store.delete_version(layer.id, record.staged_version)
        return service.imports.save(
            replace(
                record,
                status="no_changes",
                staged_version=None,
                message=encoded(
                    tr(
                        "Not published: version {version} is kept (conflict {conflict}, keep-mine) and "
                        "the source's data has not changed since.",
                        version=mine.version,
                        conflict=str(latest.id),
                    )
                ),
            )
        )
    conflict = conflicts.open(layer.id, mine, record.id, digest)
    service.audit.record(
        actor.principal,
        "sync.conflict",
        layer.id,
        {"conflict": conflict.id, "import": record.id, "version": mine.version, "versionBy": mine.user},
        actor.remote_addr,
    )
    return service.imports.save(
        replace(
            record,
            message=encoded(conflict.message()),
            report=record.report | {"conflict": {"id": conflict.id, "open": True}},
        )
    )


def resolve_conflict(
    service: ImportService,
    layer: LayerDefinition,
    conflict_id: int,
    choice: Choice,
    base_dir: Path,
    *,
    actor: Actor,
    confirm_removal: bool = False,
) -> SyncConflict:
    """A person's choice: `take-source` publishes the sync's import (or syncs again when the
    layer changed since), `keep-mine` rejects it and keeps the live version. A refusal on the
    way (the replace guard, unmapped columns) leaves the conflict open."""
    service.require_writer(layer, actor)
    conflicts = SyncConflicts(service.services.records)
    conflict = conflicts.get(layer.id, conflict_id)
    if not conflict.is_open:
        raise already_resolved(conflict)
    record = service.imports.get(layer.id, conflict.import_id)
    current = service.services.store.current_version(layer.id)
    staged = record.status == "validated" and record.base_version == (
        None if current is None else current.version
    )
    if choice == "take-source" and staged:
        _publish_conflict_import(service, layer, record, actor, confirm_removal)
    else:  # kept, or the layer changed since the conflict: the staged import goes
        if record.status == "validated":
            service.reject(layer, _unmarked(service, record).id, actor=actor)
        if choice == "take-source":
            synced = sync_layer(
                service,
                layer,
                base_dir,
                force=True,
                actor=actor,
                guard=False,
                confirm_removal=confirm_removal,
            )
            if synced.status not in ("published", "no_changes"):
                raise SyncConflictError(
                    tr(
                        "Sync import {id} of layer '{layer}' was not published ({status}); see its report.",
                        id=str(synced.id),
                        layer=layer.id,
                        status=synced.status,
                    )
                )
    resolved = conflicts.resolve(conflict, choice, actor.principal.user)
    service.audit.record(
        actor.principal,
        "sync.conflict.resolve",
        layer.id,
        {"conflict": conflict.id, "choice": choice, "import": conflict.import_id},
        actor.remote_addr,
    )
    return resolved


def _publish_conflict_import(
    service: ImportService, layer: LayerDefinition, record: ImportRecord, actor: Actor, confirm_removal: bool
) -> None:
    """Publish the conflict's staged import; marked again as waiting when publishing refuses."""
    on_invalid = layer.source.on_invalid if layer.source is not None else "reject"
    try:
        service.publish(
            layer,
            _unmarked(service, record).id,
            actor=actor,
            skip_invalid=on_invalid == "skip",
            confirm_removal=confirm_removal,
        )
    except GeoHubError:
        again = service.imports.get(layer.id, record.id)
        if again.status == "validated":
            service.imports.save(
                replace(again, report=again.report | {"conflict": record.report["conflict"]})
            )
        raise


def _unmarked(service: ImportService, record: ImportRecord) -> ImportRecord:
    """The import no longer waiting on its conflict (only a resolution publishes or rejects it)."""
    conflict = record.report.get("conflict")
    if not isinstance(conflict, dict):
        return record
    return service.imports.save(
        replace(record, report=record.report | {"conflict": {"id": conflict.get("id")}})
    )


def sync_layers(
    service: ImportService,
    layers: Iterable[LayerDefinition],
    base_dir: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    progress: Callable[[SyncOutcome], None] = lambda outcome: None,
    confirm_removal: bool = False,
    seen: dict[str, int] | None = None,
) -> list[SyncOutcome]:
    """Sync each layer in turn; one layer's failure is reported and the others go on. Each
    layer's sync runs in one process at a time, on any node (geohub/jobs.py): a layer another
    process is syncing is skipped, but for the districts, which the layers after them derive
    their district from: those are waited for (up to DISTRICTS_WAIT_S). `seen` (a scheduled run,
    from `newest_attempts` taken when the run chose its layers) also skips a layer another
    process synced since then."""
    outcomes = []
    for layer in layers:
        wait_s = DISTRICTS_WAIT_S if layer.id == DISTRICTS_LAYER else 0.0  # the next layers need them
        with run_once(service.services.settings, f"sync {layer.id}", wait_s) as mine:
            if not mine:
                outcome = SyncOutcome(layer.id, None, SKIPPED, skipped=True)
            elif seen is not None and newest_attempts(service).get(layer.id) != seen.get(layer.id):
                log.info("sync of %s %s", layer.id, SYNCED_ELSEWHERE)
                outcome = SyncOutcome(layer.id, None, SYNCED_ELSEWHERE, skipped=True)
            else:
                outcome = _synced(service, layer, base_dir, force, dry_run, confirm_removal)
        outcomes.append(outcome)
        progress(outcome)
    return outcomes


def _synced(
    service: ImportService, layer: LayerDefinition, base_dir: Path, force: bool, dry_run: bool, confirm: bool
) -> SyncOutcome:
    try:
        record = sync_layer(service, layer, base_dir, force=force, dry_run=dry_run, confirm_removal=confirm)
        return SyncOutcome(layer.id, record)
    except GeoHubError as error:
        return SyncOutcome(layer.id, None, error.detail)


def newest_attempts(service: ImportService) -> dict[str, int]:
    """Per layer, the id of its newest finished import (what a scheduled run decided on)."""
    latest = service.imports.latest_by_layer().items()
    return {layer_id: newest.attempt.id for layer_id, newest in latest if newest.attempt is not None}


def layers_to_sync(
    registry: LayerRegistry, names: Iterable[str], *, all_layers: bool
) -> list[LayerDefinition]:
    """The named layers (or every layer with a source), districts first."""
    names = list(names)
    if all_layers == bool(names):
        raise InvalidDataError(tr("Name the layers to sync, or give --all (not both)."))
    chosen = [registry.get(name) for name in names] if names else list(registry)
    return [layer for layer in import_order(registry) if layer in chosen]


def due_layers(
    service: ImportService, layers: Iterable[LayerDefinition], now: datetime
) -> list[LayerDefinition]:
    """The layers whose source schedule has fired since their last sync (or never synced);
    a layer without a schedule is always due."""
    latest = service.imports.latest_by_layer()
    due = []
    for layer in layers:
        schedule = layer.source.schedule if layer.source is not None else None
        synced = latest.get(layer.id)
        last = synced.synced.created_at if synced is not None and synced.synced is not None else None
        if schedule is None or last is None:
            due.append(layer)
            continue
        fires = next_sync(schedule, last)
        if fires is not None and fires <= now:
            due.append(layer)
    return due


def osm_layers(registry: LayerRegistry) -> list[LayerDefinition]:
    """The layers an OpenStreetMap extract feeds (source kind `osm`), districts first."""
    return [
        layer for layer in import_order(registry) if layer.source is not None and layer.source.kind == "osm"
    ]
