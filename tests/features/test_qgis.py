"""QGIS, the GIS professional's client, adds GeoHub layers through "OGC API - Features"."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.features.conftest import LiveServer

SYSTEM_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_probe.py")


def _qgis_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    found = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False)
    return found.returncode == 0


pytestmark = pytest.mark.skipif(not _qgis_available(), reason="python3-qgis is not installed")


@pytest.mark.parametrize("layer_id", ["buildings", "addresses", "districts"])
def test_qgis_loads_every_feature_of_a_layer(live: LiveServer, layer_id: str, tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "HOME": str(tmp_path),
    }
    key = live.services.registry.get(layer_id).key
    result = subprocess.run(
        [SYSTEM_PYTHON, str(PROBE), live.base_url, layer_id, key],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    stored = live.stored(layer_id)
    assert loaded["valid"]
    assert loaded["feature_count"] == len(stored)
    assert sorted(loaded["ids"]) == sorted(str(f.id) for f in stored)
    assert loaded["crs"] == "EPSG:4326"
