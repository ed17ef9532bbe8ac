"""QGIS adds a GeoHub tileset as a vector tile layer (XYZ) and draws it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.features.conftest import LiveServer, LiveServers
from tests.qgis_client import qgis_available, run_probe

PROBE = Path(__file__).with_name("qgis_vector_tiles_probe.py")
CENTRAL_ALMATY_3857 = (8564200.0, 5349600.0, 8566700.0, 5352100.0)
EMPTY_STEPPE_3857 = (8400000.0, 5500000.0, 8402500.0, 5502500.0)  # north of the data
pytestmark = pytest.mark.skipif(not qgis_available(), reason="python3-qgis is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with ExitStack() as stack:
        yield LiveServers(tmp_path_factory, stack).one("geopackage")


def _render(server: LiveServer, tmp_path: Path, extent: tuple[float, ...]) -> dict[str, object]:
    url = f"{server.base_url}/tiles/city/{{z}}/{{x}}/{{y}}.mvt"
    return run_probe(PROBE, [url, *map(str, extent)], tmp_path)


def test_qgis_draws_the_city_tileset_over_almaty_and_nothing_outside(
    server: LiveServer, tmp_path: Path
) -> None:
    over_almaty = _render(server, tmp_path, CENTRAL_ALMATY_3857)
    assert over_almaty["valid"] and over_almaty["errors"] == []
    assert int(str(over_almaty["drawn"])) > 100
    outside = _render(server, tmp_path, EMPTY_STEPPE_3857)
    assert outside["errors"] == []
    assert outside["drawn"] == 0
