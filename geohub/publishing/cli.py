"""`geohub etl …`: sync, import a file, import an OpenStreetMap extract, publish, reject,
versions, history and rollback — the same ImportService the HTTP API uses, acting as the operator."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from geohub.cli_support import cli_language, opened_services, reports_errors
from geohub.etl.columns import ColumnChoices
from geohub.etl.modes import MODES, keys_source, parse_keys, parse_mode
from geohub.layers.models import LayerDefinition
from geohub.messages import decoded, localized
from geohub.publishing.conflicts import CHOICES, SyncConflicts, parse_choice
from geohub.publishing.imports import ImportRecord
from geohub.publishing.service import DropChangedTiles, ImportOptions, ImportService, parse_on_invalid
from geohub.publishing.sync import (
    OPERATOR,
    SyncOutcome,
    due_layers,
    layers_to_sync,
    newest_attempts,
    osm_layers,
    resolve_conflict,
    sync_layers,
)
from geohub.services import Services
from geohub.sources.osm import build_osm_extract
from geohub.sources.read import ReadLimits, read_upload
from geohub.sources.source_data import SourceData

ACTOR = OPERATOR
CONFLICT_EXIT = 3  # a sync stopped at a person's version: `geohub etl conflicts list`
CONFIRM_REMOVAL_HELP = "Publish even when it removes more than etl.replace_guard_share of the layer."


@dataclass(frozen=True)
class EtlContext:
    """What the program mounting `geohub etl` gives it (as the click context object): how to drop
    a layer's changed cached tiles, given the command's services. Publishing does not import tiles."""

    tile_invalidation: Callable[[Services], DropChangedTiles]


@click.group("etl")
def etl_group() -> None:
    """Imports: sync layers from their sources, import files, publish, roll back."""


def _import_service(services: Services) -> ImportService:
    context = click.get_current_context().find_object(EtlContext)
    if context is None:
        raise RuntimeError("geohub etl needs an EtlContext as its click context object (geohub/cli.py)")
    return ImportService(services, context.tile_invalidation(services))


def _service(services: Services) -> ImportService:
    return _recovered(_import_service(services))


def _recovered(service: ImportService) -> ImportService:
    service.recover_interrupted()
    return service


@etl_group.command("sync")
@click.argument("layers", nargs=-1)
@click.option("--all", "all_layers", is_flag=True, help="Every layer that declares a source.")
@click.option("--force", is_flag=True, help="Read sources even when they have not changed.")
@click.option("--dry-run", is_flag=True, help="Report what would change; publish nothing.")
@click.option("--due", is_flag=True, help="Only layers whose schedule fired since their last sync.")
@click.option("--confirm-removal", is_flag=True, help=CONFIRM_REMOVAL_HELP)
@reports_errors
def sync(
    layers: tuple[str, ...], all_layers: bool, force: bool, dry_run: bool, due: bool, confirm_removal: bool
) -> None:
    """Sync LAYERS (or --all) from their declared sources; for cron or a systemd timer. A sync
    that would remove more than etl.replace_guard_share of a layer is kept unpublished (exit 1)."""
    with opened_services() as services:
        service = _import_service(services)
        chosen = layers_to_sync(services.registry, layers, all_layers=all_layers)
        seen = newest_attempts(service) if due else None  # before choosing: what the choice rests on
        if due:
            chosen = due_layers(service, chosen, datetime.now(UTC))
        outcomes = run_sync(
            service,
            chosen,
            services.settings.demo_data_dir,
            force=force,
            dry_run=dry_run,
            confirm_removal=confirm_removal,
            seen=seen,
        )
        if any(o.status == "failed" or o.held for o in outcomes):
            sys.exit(1)
        _exit_on_conflicts(outcomes)


def _exit_on_conflicts(outcomes: list[SyncOutcome]) -> None:
    """Exit 3 when a layer waits on a sync conflict (every other layer was synced all the same)."""
    if any(o.status == "conflict" for o in outcomes):
        click.echo("Some layers wait on a sync conflict: see `geohub etl conflicts list --open`.", err=True)
        sys.exit(CONFLICT_EXIT)


def run_sync(
    service: ImportService,
    layers: list[LayerDefinition],
    base_dir: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    confirm_removal: bool = False,
    seen: dict[str, int] | None = None,
) -> list[SyncOutcome]:
    """Sync with a progress bar on stderr and a one-line-per-layer summary on stdout; a layer
    another node is syncing says "skipped: running on another node" (see `sync_layers`)."""
    services = service.services
    _recovered(service)
    with tqdm(total=len(layers), desc="Syncing layers", unit="layer", file=sys.stderr) as bar:

        def progress(outcome: SyncOutcome) -> None:
            bar.set_postfix_str(outcome.layer_id)
            bar.update(1)

        outcomes = sync_layers(
            service,
            layers,
            base_dir,
            force=force,
            dry_run=dry_run,
            progress=progress,
            confirm_removal=confirm_removal,
            seen=seen,
        )
    for outcome in outcomes:
        click.echo(_outcome_line(outcome))
    counts = {status: sum(o.status == status for o in outcomes) for status in {o.status for o in outcomes}}
    click.echo(
        f"{len(outcomes)} layers ({services.store.backend}): "
        + ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(counts.items()))
        + "."
    )
    return outcomes


def _outcome_line(outcome: SyncOutcome) -> str:
    record = outcome.record
    if outcome.skipped:
        return f"  {outcome.layer_id:<20} {outcome.error}"
    if record is None:
        return f"  {outcome.layer_id:<20} failed: {outcome.error}"
    changes = record.report.get("changes", {})
    version = record.published_version or record.staged_version or record.base_version
    delta = (
        f" +{changes.get('added', 0)} ~{changes.get('changed', 0)} -{changes.get('removed', 0)}"
        if changes
        else ""
    )
    message = decoded(record.message, cli_language())
    return f"  {outcome.layer_id:<20} {outcome.status:<11} v{version or '-'}{delta}  {message}"


@etl_group.command("import")
@click.argument("layer_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.option("--crs", help="Source CRS when the file has none or a wrong one (EPSG:32643, a PROJ string).")
@click.option("--source-layer", help="Layer inside the file (GeoPackage, zip with several Shapefiles).")
@click.option("--dry-run", is_flag=True, help="Report only.")
@click.option(
    "--on-invalid",
    type=click.Choice(["ask", "reject", "skip"]),
    default="ask",
    show_default=True,
    help="Rows that fail validation: stage and wait (ask), refuse all (reject), leave out (skip).",
)
@click.option("--publish/--no-publish", default=False, help="Publish at once when allowed.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="replace",
    show_default=True,
    help="replace the layer, upsert or append the file's features by key, or delete the keys listed.",
)
@click.option("--keys", help="With --mode delete, instead of FILE: the keys to remove, comma separated.")
@click.option("--confirm-removal", is_flag=True, help=CONFIRM_REMOVAL_HELP)
@click.option(
    "--map", "maps", multiple=True, metavar="COLUMN=ATTRIBUTE", help="Fill ATTRIBUTE from source COLUMN."
)
@click.option("--ignore", multiple=True, metavar="COLUMN", help="Leave source COLUMN out, deliberately.")
@click.option("--save-mapping", is_flag=True, help="Keep --map and --ignore for the layer's later imports.")
@reports_errors
def import_file(
    layer_id: str,
    file: Path | None,
    crs: str | None,
    source_layer: str | None,
    dry_run: bool,
    on_invalid: str,
    publish: bool,
    mode: str,
    keys: str | None,
    confirm_removal: bool,
    maps: tuple[str, ...],
    ignore: tuple[str, ...],
    save_mapping: bool,
) -> None:
    """Import FILE into LAYER_ID (in --mode delete, FILE or --keys) and print its report."""
    chosen = parse_mode(mode)
    columns = _column_choices(maps, ignore)
    if (keys is not None) == (file is not None) or (keys is not None and chosen != "delete"):
        raise click.UsageError("Give FILE, or --keys with --mode delete (not both).")
    with opened_services() as services:
        layer = services.registry.get(layer_id)
        typed = keys_source(parse_keys(keys), layer.key) if keys is not None else None

        def read() -> SourceData:
            if typed is not None:
                return typed
            assert file is not None
            limits = ReadLimits.from_settings(services.settings.etl)
            return read_upload(file, filename=file.name, crs=crs, layer=source_layer, limits=limits)

        record = _service(services).run(
            layer,
            read,
            actor=ACTOR,
            source=file.name if file is not None else "keys",
            options=ImportOptions(
                dry_run=dry_run,
                on_invalid=parse_on_invalid(on_invalid),
                publish=publish,
                mode=chosen,
                confirm_removal=confirm_removal,
                mapping=dict(columns.mapping),
                ignore=columns.ignore,
                save_mapping=save_mapping,
                use_saved_mapping=True,
            ),
        )
        _print_record(record)


def _column_choices(maps: tuple[str, ...], ignore: tuple[str, ...]) -> ColumnChoices:
    """--map COLUMN=ATTRIBUTE and --ignore COLUMN as choices."""
    mapping: dict[str, str] = {}
    for pair in maps:
        column, _, attribute = pair.partition("=")
        if not column.strip() or not attribute.strip():
            raise click.BadParameter(f"'{pair}' is not COLUMN=ATTRIBUTE", param_hint="--map")
        if column.strip() in mapping:
            raise click.BadParameter(f"column '{column.strip()}' is mapped twice", param_hint="--map")
        mapping[column.strip()] = attribute.strip()
    return ColumnChoices(mapping, frozenset(c.strip() for c in ignore if c.strip()))


@etl_group.command("import-osm")
@click.argument("pbf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; publish nothing.")
@reports_errors
def import_osm(pbf: Path, dry_run: bool) -> None:
    """Rebuild every OpenStreetMap-based layer from an .osm.pbf extract (as data/almaty/build.sh)."""
    with opened_services() as services:
        with tempfile.TemporaryDirectory(prefix="geohub-osm-") as folder:
            click.echo(f"Building the OpenStreetMap layers from {pbf.name} …", err=True)
            built = build_osm_extract(pbf, Path(folder))
            outcomes = run_sync(
                _import_service(services), osm_layers(services.registry), built, dry_run=dry_run
            )
        if any(o.status == "failed" for o in outcomes):
            sys.exit(1)
        _exit_on_conflicts(outcomes)


@etl_group.command("history")
@click.argument("layer_id")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@reports_errors
def history(layer_id: str, limit: int) -> None:
    """The layer's imports, newest first."""
    with opened_services() as services:
        layer = services.registry.get(layer_id)
        for record in _import_service(services).imports.history(layer.id, limit=limit):
            when = record.created_at.strftime("%Y-%m-%d %H:%M")
            message = decoded(record.message, cli_language())
            click.echo(f"{record.id:>6}  {when}  {record.status:<11} {record.user or '-':<14} {message}")


@etl_group.command("versions")
@click.argument("layer_id")
@reports_errors
def versions(layer_id: str) -> None:
    """The layer's stored versions; * marks the published one."""
    with opened_services() as services:
        layer = services.registry.get(layer_id)
        for version in services.store.versions(layer.id):
            mark = "*" if version.is_current else " "
            when = version.created_at.strftime("%Y-%m-%d %H:%M")
            click.echo(
                f"{mark} v{version.version:<5} {when}  {version.feature_count:>9,} features  {version.note}"
            )


@etl_group.command("publish")
@click.argument("layer_id")
@click.argument("import_id", type=int)
@click.option("--skip-invalid", is_flag=True, help="Publish the valid rows of an import with invalid rows.")
@click.option("--confirm-removal", is_flag=True, help=CONFIRM_REMOVAL_HELP)
@click.option("--ignore", multiple=True, metavar="COLUMN", help="Leave out an unmapped source COLUMN.")
@reports_errors
def publish(
    layer_id: str, import_id: int, skip_invalid: bool, confirm_removal: bool, ignore: tuple[str, ...]
) -> None:
    """Publish a validated import."""
    with opened_services() as services:
        layer = services.registry.get(layer_id)
        record = _service(services).publish(
            layer,
            import_id,
            actor=ACTOR,
            skip_invalid=skip_invalid,
            confirm_removal=confirm_removal,
            choices=_column_choices((), ignore) or None,
        )
        _print_record(record)


@etl_group.command("reject")
@click.argument("layer_id")
@click.argument("import_id", type=int)
@reports_errors
def reject(layer_id: str, import_id: int) -> None:
    """Reject a validated import (its staged version is dropped)."""
    with opened_services() as services:
        layer = services.registry.get(layer_id)
        _print_record(_service(services).reject(layer, import_id, actor=ACTOR))


@etl_group.command("rollback")
@click.argument("layer_id")
@click.argument("version", type=int)
@reports_errors
def rollback(layer_id: str, version: int) -> None:
    """Publish VERSION of the layer again."""
    with opened_services() as services:
        layer = services.registry.get(layer_id)
        published = _service(services).rollback(layer, version, actor=ACTOR)
        click.echo(
            f"{layer.id}: version {published.version} is published ({published.feature_count:,} features)."
        )


@etl_group.group("conflicts")
def conflicts_group() -> None:
    """Sync conflicts: a sync that met a version a person published or edited."""


@conflicts_group.command("list")
@click.argument("layers", nargs=-1)
@click.option("--open", "open_only", is_flag=True, help="Only the conflicts waiting for a choice.")
@reports_errors
def list_conflicts(layers: tuple[str, ...], open_only: bool) -> None:
    """The conflicts of LAYERS (or of every layer), newest first."""
    with opened_services() as services:
        records = SyncConflicts(services.records)
        chosen: list[str | None] = [services.registry.get(name).id for name in layers] or [None]
        for layer_id in chosen:
            for conflict in records.history(layer_id, open_only=open_only, limit=200):
                when = conflict.detected_at.strftime("%Y-%m-%d %H:%M")
                click.echo(
                    f"{conflict.id:>6}  {when}  {conflict.layer_id:<20} {conflict.status:<8} "
                    f"{conflict.resolution or '-':<11} v{conflict.version} ({conflict.version_by or '-'}), "
                    f"import {conflict.import_id}"
                )
                click.echo(f"        {conflict.message().render(cli_language())}")


@conflicts_group.command("resolve")
@click.argument("layer_id")
@click.argument("conflict_id", type=int)
@click.argument("choice", type=click.Choice(CHOICES))
@click.option("--confirm-removal", is_flag=True, help=CONFIRM_REMOVAL_HELP)
@reports_errors
def resolve(layer_id: str, conflict_id: int, choice: str, confirm_removal: bool) -> None:
    """Resolve a conflict: take-source publishes the source's data, keep-mine keeps the version."""
    with opened_services() as services:
        layer = services.registry.get(layer_id)
        resolved = resolve_conflict(
            _service(services),
            layer,
            conflict_id,
            parse_choice(choice),
            services.settings.demo_data_dir,
            actor=ACTOR,
            confirm_removal=confirm_removal,
        )
        click.echo(
            f"conflict {resolved.id} of {layer.id}: {resolved.resolution}. "
            f"{resolved.message().render(cli_language())}"
        )


def _print_record(record: ImportRecord) -> None:
    report = localized(record.report, cli_language())
    counts = report.get("counts", {})
    click.echo(
        f"import {record.id} of {record.layer_id}: {record.status}. {decoded(record.message, cli_language())}"
    )
    if counts:
        click.echo(
            f"  rows: {counts.get('read', 0)} read, {counts.get('valid', 0)} valid, "
            f"{counts.get('invalid', 0)} invalid, {counts.get('repaired', 0)} repaired"
        )
    guard = report.get("guard")
    if guard:
        changes = report.get("changes", {})
        waits = guard["needsConfirmation"] and not guard["confirmed"]
        click.echo(
            f"  mode {report.get('mode', 'replace')}: {changes.get('added', 0)} added, "
            f"{changes.get('changed', 0)} changed, {changes.get('removed', 0)} removed "
            f"({guard['removedShare']:.1%} of {guard['live']} live features)"
            + ("; publishing needs --confirm-removal" if waits else "")
        )
    for problem in report.get("problems", [])[:50]:
        key = f" ({problem['key']})" if problem.get("key") else ""
        click.echo(f"  {problem['row']}{key}: {problem['field']}: {problem['reason']}")
    remaining = report.get("problemsTotal", 0) - min(50, len(report.get("problems", [])))
    if remaining > 0:
        click.echo(f"  … and {remaining} more problems (see the full report over HTTP).")
    _print_columns(report.get("columns") or {})


def _print_columns(columns: dict[str, Any]) -> None:
    """The report's columns section: renames, ignores, and each column that fills nothing."""
    for column, attribute in columns.get("mapping", {}).items():
        click.echo(f"  column {column} -> {attribute}")
    if columns.get("ignored"):
        click.echo(f"  columns ignored: {', '.join(columns['ignored'])}")
    for unmapped in columns.get("unmapped", []):
        click.echo(f"  {unmapped['message']}")
    if columns.get("unfilled"):
        click.echo(f"  attributes no column fills: {', '.join(columns['unfilled'])}")
