"""`geohub routing build`: the routing network from the OSM extract, its coverage report, and
its import through the normal ETL path."""

from __future__ import annotations

import time
from pathlib import Path

import click

from geohub.cli_support import opened_services, reports_errors
from geohub.publishing.cli import EtlContext, run_sync
from geohub.publishing.service import ImportService
from geohub.routing_network.coverage import measure_coverage
from geohub.routing_network.network import LAYER_NAME, build_network, edge_record, write_network

FILE = Path(f"{LAYER_NAME}.gpkg")
PBF = "almaty.osm.pbf"
DEM = "dem.tif"


@click.group("routing")
def routing_group() -> None:
    """Accessible pedestrian routing: its network."""


@routing_group.command("build")
@click.option(
    "--pbf",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"OpenStreetMap extract [default: {PBF} in the data folder].",
)
@click.option(
    "--dem",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"Elevation model for inclines (EPSG:4326) [default: {DEM} in the data folder].",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Folder to write {FILE} into [default: the data folder].",
)
@click.option("--publish/--no-publish", default=True, show_default=True, help="Import and publish the layer.")
@reports_errors
def build(pbf: Path | None, dem: Path | None, out_dir: Path | None, publish: bool) -> None:
    """Rebuild the routing_network layer from the OSM extract and print its coverage."""
    with opened_services() as services:
        data_dir = services.settings.demo_data_dir
        folder = out_dir or data_dir
        started = time.perf_counter()
        edges = build_network(pbf or data_dir / PBF, dem or data_dir / DEM)
        folder.mkdir(parents=True, exist_ok=True)
        path = write_network(edges, folder / FILE)
        click.echo(f"{path}: {len(edges):,} edges, built in {time.perf_counter() - started:.1f} s")
        for line in measure_coverage(edge_record(edge) for edge in edges).lines():
            click.echo(line)
        if publish:
            context = click.get_current_context().find_object(EtlContext)
            if context is None:
                raise RuntimeError("geohub routing needs an EtlContext as its click context object")
            service = ImportService(services, context.tile_invalidation(services))
            run_sync(service, [services.registry.get(LAYER_NAME)], folder)
