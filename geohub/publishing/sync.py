"""Sync layers from their declared sources: what `geohub etl sync`, `geohub demo` and
`geohub etl import-osm` run. A source that has not changed since the last sync is not read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from geohub.errors import GeoHubError, InvalidDataError
from geohub.etl.pipeline import import_order
from geohub.layers.models import LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.layers.schedule import next_sync
from geohub.messages import tr
from geohub.publishing.imports import ImportRecord
from geohub.publishing.service import SYSTEM, Actor, ImportOptions, ImportService
from geohub.sources.read import ReadLimits, read_source, source_fingerprint

OPERATOR = Actor(SYSTEM, "command line")


@dataclass(frozen=True)
class SyncOutcome:
    """One layer's sync: its import record, or the error that stopped it."""

    layer_id: str
    record: ImportRecord | None
    error: str = ""

    @property
    def status(self) -> str:
        return self.record.status if self.record is not None else "failed"

    @property
    def held(self) -> bool:
        """True when the sync was kept unpublished: it removes more than the replace guard allows."""
        guard = self.record.report.get("guard", {}) if self.record is not None else {}
        waits = bool(guard.get("needsConfirmation")) and not guard.get("confirmed")
        return self.status == "validated" and waits


def sync_layer(
    service: ImportService,
    layer: LayerDefinition,
    base_dir: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    actor: Actor = OPERATOR,
    confirm_removal: bool = False,
) -> ImportRecord:
    """Import one layer from its declared source and publish it when it may be published."""
    source = layer.source
    if source is None:
        raise InvalidDataError(tr("Layer '{layer}' declares no source to sync from.", layer=layer.id))
    return service.run(
        layer,
        lambda: read_source(source, base_dir, ReadLimits.from_settings(service.services.settings.etl)),
        actor=actor,
        source=source.label,
        fingerprint=source_fingerprint(layer, base_dir),
        options=ImportOptions(
            dry_run=dry_run,
            on_invalid=source.on_invalid,
            publish=True,
            force=force,
            repair=source.repair_geometry,
            confirm_removal=confirm_removal,
        ),
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
) -> list[SyncOutcome]:
    """Sync each layer in turn; one layer's failure is reported and the others go on."""
    outcomes = []
    for layer in layers:
        try:
            record = sync_layer(
                service, layer, base_dir, force=force, dry_run=dry_run, confirm_removal=confirm_removal
            )
            outcome = SyncOutcome(layer.id, record)
        except GeoHubError as error:
            outcome = SyncOutcome(layer.id, None, error.detail)
        outcomes.append(outcome)
        progress(outcome)
    return outcomes


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
