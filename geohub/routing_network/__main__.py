"""`python -m geohub.routing_network PBF DEM OUT_DIR`: write routing_network.gpkg (data/almaty/build.sh
runs this; `geohub routing build` also imports and publishes it)."""

from __future__ import annotations

import sys
from pathlib import Path

from geohub.routing_network.coverage import measure_coverage
from geohub.routing_network.network import LAYER_NAME, build_network, edge_record, write_network


def main(arguments: list[str]) -> None:
    """Build the network of PBF with inclines from DEM into OUT_DIR and print its coverage."""
    if len(arguments) != 3:
        sys.exit("usage: python -m geohub.routing_network PBF DEM OUT_DIR")
    pbf, dem, out_dir = (Path(a) for a in arguments)
    edges = build_network(pbf, dem)
    path = write_network(edges, out_dir / f"{LAYER_NAME}.gpkg")
    print(f"{path}: {len(edges):,} edges", file=sys.stderr)
    for line in measure_coverage(edge_record(edge) for edge in edges).lines():
        print(line, file=sys.stderr)


main(sys.argv[1:])
