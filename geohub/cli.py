"""`geohub` command line: serve, demo, layers, check, etl, routing — the same services the HTTP API uses."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from tqdm import tqdm

from geohub.auth.cli import ACCOUNT_COMMANDS
from geohub.catalog import summarize_layers
from geohub.cli_support import cli_language, fail, opened_services, reports_errors
from geohub.etl.pipeline import import_order
from geohub.health import readiness
from geohub.layers.export import export_definitions
from geohub.publishing.cli import EtlContext, etl_group, run_sync
from geohub.publishing.service import DropChangedTiles, ImportService
from geohub.report_desk.cli import reports_group
from geohub.report_layer.sync import sync_report_layer
from geohub.reports.categories import load_categories
from geohub.routing_network.cli import routing_group
from geohub.services import Services
from geohub.settings import load_settings
from geohub.storage import replica_status
from geohub.tiles.service import TileService


def _fail(message: str) -> None:
    fail(message)


def _services(**overrides: Any) -> Services:
    settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    return Services.from_settings(settings)


@click.group()
@click.version_option(package_name="geohub")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """GeoHub Almaty: the city's geospatial portal and tile server."""
    ctx.obj = EtlContext(tile_invalidation=_tile_invalidation)


def _tile_invalidation(services: Services) -> DropChangedTiles:
    return TileService(services).drop_changed_tiles


@cli.command()
@click.option("--host", help="Address to listen on (GEOHUB_HOST).")
@click.option("--port", type=int, help="Port to listen on (GEOHUB_PORT).")
@click.option("--workers", type=int, help="Worker processes (GEOHUB_WORKERS).")
@reports_errors
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve GeoHub over HTTP with gunicorn."""
    services = _services(host=host, port=port, workers=workers)
    _serve(services)


@cli.command()
@click.option("--serve/--no-serve", "then_serve", default=True, help="Serve after loading.")
@click.option("--host", help="Address to listen on (GEOHUB_HOST).")
@click.option("--port", type=int, help="Port to listen on (GEOHUB_PORT).")
@reports_errors
def demo(then_serve: bool, host: str | None, port: int | None) -> None:
    """Load the Almaty demo data the way ETL does, then serve it."""
    services = _services(host=host, port=port)
    load_demo(services)
    if then_serve:
        _serve(services)


def load_demo(services: Services) -> None:
    """Sync every layer that has a source from the demo data, with a progress bar and a summary."""
    service = ImportService(services, _tile_invalidation(services))
    outcomes = run_sync(service, import_order(services.registry), services.settings.demo_data_dir)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        fail(f"{len(failed)} layers failed to load; the first, {failed[0].layer_id}: {failed[0].error}")
    written = [o for o in outcomes if o.status == "published"]
    versions = [services.store.current_version(o.layer_id) for o in outcomes]
    total = sum(v.feature_count for v in versions if v is not None)
    click.echo(
        f"{len(outcomes)} layers, {total:,} features ({services.store.backend}); "
        f"{len(written)} imported, {len(outcomes) - len(written)} unchanged."
    )
    categories = load_categories(services.registry.departments)
    synced = sync_report_layer(services, categories, _tile_invalidation(services))
    if synced is not None:
        click.echo(f"reports layer: version {synced.version}, {synced.changes.added} reports added.")


@cli.group("layers", invoke_without_command=True)
@click.pass_context
@reports_errors
def list_layers(ctx: click.Context) -> None:
    """List layers with their published version and feature count (`export`: their definitions)."""
    if ctx.invoked_subcommand is not None:
        return
    services = _services()
    services.load_live_layers()
    summaries = summarize_layers(services.registry, services.store, include_restricted=True)
    click.echo(f"{'layer':<20} {'department':<20} {'geometry':<16} {'features':>9} {'version':>7}  updated")
    for s in summaries:
        updated = s.updated_at.strftime("%Y-%m-%d %H:%M") if s.updated_at else "-"
        version = str(s.version) if s.version else "-"
        click.echo(
            f"{s.layer.id:<20} {s.layer.department:<20} {s.layer.geometry_type.value:<16} "
            f"{s.feature_count:>9,} {version:>7}  {updated}"
        )


@list_layers.command("export")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("layers-export"),
    show_default=True,
    help="Folder the <id>.yaml files are written to (layers/ to keep them in version control).",
)
@click.argument("layer_ids", nargs=-1)
@reports_errors
def export_layers(out_dir: Path, layer_ids: tuple[str, ...]) -> None:
    """Write layer definitions (all, or LAYER_IDS) as YAML files `load_registry` reads back as they are."""
    with opened_services() as services:
        layers = [services.registry.get(i) for i in layer_ids] if layer_ids else list(services.registry)
        for path in export_definitions(layers, out_dir):
            click.echo(str(path))


@cli.command()
@reports_errors
def check() -> None:
    """Check settings, layer definitions and that the store answers."""
    services = _services()
    click.echo(f"settings: ok ({services.settings.storage_backend} storage)")
    click.echo(
        f"layer definitions: ok ({len(services.registry)} layers, "
        f"{len(services.registry.departments)} departments)"
    )
    ready, body = readiness(services, cli_language())
    if not ready:
        _fail(f"storage: {body['detail']}")
    empty = body["layersWithoutData"]
    with_data = len(services.registry) - len(empty)  # type: ignore[arg-type]
    click.echo(f"storage: ok ({with_data} layers with data; data_dir {services.settings.data_dir})")
    for replica in replica_status(services.store) or []:
        click.echo(f"replica {replica['server']}: {replica['state']}")
    if with_data == 0 and len(services.registry):
        click.echo(
            f"warning: the store is empty: no layer has data (data_dir {services.settings.data_dir}"
            f"{_database_note(services.settings.database_url)}). Is this the folder you meant? "
            "Set GEOHUB_DATA_DIR, or load data with `geohub demo --no-serve` or `geohub etl import`.",
            err=True,
        )


def _database_note(database_url: str | None) -> str:
    """`, database host/name` for PostGIS storage, without credentials."""
    if not database_url:
        return ""
    parts = urlsplit(database_url)
    return f", database {parts.hostname or 'localhost'}{parts.path}"


@cli.group("tiles")
def tiles_group() -> None:
    """Vector tile cache: pre-generate tiles."""


@tiles_group.command("seed")
@click.argument("tileset")
@click.option("--minzoom", type=int, default=0, show_default=True, help="First zoom to generate.")
@click.option("--maxzoom", type=int, required=True, help="Last zoom to generate.")
@reports_errors
def seed_tiles(tileset: str, minzoom: int, maxzoom: int) -> None:
    """Generate and cache every tile of TILESET over its data, zoom by zoom."""
    service = TileService(_services())
    addresses = service.seed_addresses(tileset, minzoom, maxzoom)
    sizes = []
    with tqdm(addresses, desc=f"Seeding {tileset}", unit="tile", file=sys.stderr) as progress:
        for z, x, y in progress:
            sizes.append(len(service.tile(tileset, z, x, y)))
    non_empty = [s for s in sizes if s]
    click.echo(
        f"{len(sizes):,} tiles of {tileset} cached ({len(non_empty):,} with features, "
        f"{sum(non_empty) / 1e6:.1f} MB, largest {max(non_empty, default=0) / 1e3:.0f} kB)."
    )


cli.add_command(etl_group)
cli.add_command(reports_group)
cli.add_command(routing_group)
for _command in ACCOUNT_COMMANDS:  # users, tokens, keys, departments (geohub/auth/cli.py)
    cli.add_command(_command)


def _serve(services: Services) -> None:
    from geohub.server import run_server

    services.close()  # each worker opens its own connections
    run_server(services.settings)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="geohub")
