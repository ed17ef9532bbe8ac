"""`geohub` command line: serve, demo, layers, check — the same services the HTTP API uses."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from tqdm import tqdm

from geohub.errors import ConfigurationError, GeoHubError
from geohub.etl.pipeline import import_layer, import_order
from geohub.health import readiness
from geohub.layers.catalog import summarize_layers
from geohub.services import Services
from geohub.settings import describe_settings_error, load_settings
from geohub.tiles.service import TileService

Command = TypeVar("Command", bound=Callable[..., Any])


def reports_errors(command: Command) -> Command:
    """Turn configuration, settings and GeoHub errors into one line on stderr and exit 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ValidationError as error:
            _fail(describe_settings_error(error))
        except (ConfigurationError, ValueError, FileNotFoundError) as error:
            _fail(str(error))
        except GeoHubError as error:
            _fail(error.detail)

    return wrapper  # type: ignore[return-value]


def _fail(message: str) -> None:
    click.echo(f"geohub: error: {message}", err=True)
    sys.exit(2)


def _services(**overrides: Any) -> Services:
    settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    return Services.from_settings(settings)


@click.group()
@click.version_option(package_name="geohub")
def cli() -> None:
    """GeoHub Almaty: the city's geospatial portal and tile server."""


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
    """Import every layer that has a source, with a progress bar and a summary."""
    layers = import_order(services.registry)
    store = services.store
    tiles = TileService(services)
    results = []
    with tqdm(layers, desc="Loading demo layers", unit="layer", file=sys.stderr) as progress:
        for layer in progress:
            progress.set_postfix_str(layer.id)
            result = import_layer(layer, store, services.registry, services.settings.demo_data_dir)
            tiles.drop_changed_tiles(layer.id, result.changes.boxes)
            results.append(result)
    written = [r for r in results if not r.unchanged]
    total = sum(r.feature_count for r in results)
    click.echo(
        f"{len(results)} layers, {total:,} features ({store.backend}); "
        f"{len(written)} imported, {len(results) - len(written)} unchanged."
    )


@cli.command("layers")
@reports_errors
def list_layers() -> None:
    """List layers with their published version and feature count."""
    services = _services()
    summaries = summarize_layers(services.registry, services.store, include_restricted=True)
    click.echo(f"{'layer':<20} {'department':<20} {'geometry':<16} {'features':>9} {'version':>7}  updated")
    for s in summaries:
        updated = s.updated_at.strftime("%Y-%m-%d %H:%M") if s.updated_at else "-"
        version = str(s.version) if s.version else "-"
        click.echo(
            f"{s.layer.id:<20} {s.layer.department:<20} {s.layer.geometry_type.value:<16} "
            f"{s.feature_count:>9,} {version:>7}  {updated}"
        )


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
    ready, body = readiness(services)
    if not ready:
        _fail(f"storage: {body['detail']}")
    empty = body["layersWithoutData"]
    click.echo(f"storage: ok ({len(services.registry) - len(empty)} layers with data)")  # type: ignore[arg-type]


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


def _serve(services: Services) -> None:
    from geohub.server import run_server

    services.close()  # each worker opens its own connections
    run_server(services.settings)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="geohub")
