"""Running Debian's QGIS (system python3 with python3-qgis) headless from the tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"


def qgis_available() -> bool:
    """True when the system interpreter can import QGIS."""
    if not Path(SYSTEM_PYTHON).exists():
        return False
    found = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, check=False)
    return found.returncode == 0


def run_probe(probe: Path, arguments: list[str], tmp_path: Path) -> dict[str, object]:
    """Run a QGIS probe script offscreen and return the JSON it prints last."""
    runtime = tmp_path / "qgis-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [SYSTEM_PYTHON, str(probe), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))
