"""Run by tests/publishing/test_sigkill.py: import the buildings layer over and over, alternating two
datasets (A: the demo data; B: the same with every second building renamed), publishing each,
until the test kills this process with SIGKILL. Settings come from GEOHUB_* variables."""

from __future__ import annotations

import sys
from dataclasses import replace

from geohub.publishing.service import SYSTEM, Actor, ImportOptions, ImportService
from geohub.services import Services
from geohub.settings import load_settings
from geohub.sources.read import read_source
from geohub.tiles.service import TileService

LAYER = "buildings"
RENAMED = "SIGKILL-B"
READY = "importing"


def main() -> None:
    services = Services.from_settings(load_settings())
    service = ImportService(services, TileService(services).drop_changed_tiles)
    layer = services.registry.get(LAYER)
    assert layer.source is not None
    original = read_source(layer.source, services.settings.demo_data_dir)
    names = list(original.columns["name"])
    renamed = [RENAMED if i % 2 else name for i, name in enumerate(names)]
    datasets = [original, replace(original, columns={**original.columns, "name": renamed})]
    print(READY, file=sys.stderr, flush=True)  # the test's clock starts here, not at start-up
    for round_number in range(10_000):
        data = datasets[round_number % 2]
        record = service.run(
            layer,
            lambda data=data: data,
            actor=Actor(SYSTEM),
            source=f"round {round_number}",
            options=ImportOptions(publish=True),
        )
        print(record.status, record.published_version, flush=True)


if __name__ == "__main__":
    sys.exit(main())
