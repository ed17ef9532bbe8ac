"""QGIS adds a GeoHub tileset as a vector tile layer (XYZ) and draws it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.features.conftest import LiveServer, LiveServers

SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_vector_tiles_probe.py")
CENTRAL_ALMATY_3857 = (8564200.0, 5349600.0, 8566700.0, 5352100.0)
EMPTY_STEPPE_3857 = (8400000.0, 5500000.0, 8402500.0, 5502500.0)  # north of the data


def _qgis_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    return (
        subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False).returncode
        == 0
    )


pytestmark = pytest.mark.skipif(not _qgis_available(), reason="python3-qgis is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with ExitStack() as stack:
        yield LiveServers(tmp_path_factory, stack)("geopackage")


def _render(server: LiveServer, tmp_path: Path, extent: tuple[float, ...]) -> dict[str, object]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "HOME": str(tmp_path),
    }
    url = f"{server.base_url}/tiles/city/{{z}}/{{x}}/{{y}}.mvt"
    result = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE), url, *map(str, extent)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_qgis_draws_the_city_tileset_over_almaty_and_nothing_outside(
    server: LiveServer, tmp_path: Path
) -> None:
    over_almaty = _render(server, tmp_path, CENTRAL_ALMATY_3857)
    assert over_almaty["valid"] and over_almaty["errors"] == []
    assert int(str(over_almaty["drawn"])) > 100
    outside = _render(server, tmp_path, EMPTY_STEPPE_3857)
    assert outside["errors"] == []
    assert outside["drawn"] == 0
