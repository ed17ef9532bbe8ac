"""A child Python process running one of the tests' child modules against the test's store:
the kill tests start a server or an import in it and SIGKILL it mid-way."""

from __future__ import annotations

import os
import subprocess
import sys

from geohub.settings import PROJECT_ROOT, Settings


def spawn_child(settings: Settings, module: str, stdout: int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    """`python -m module` with only the test's GEOHUB_* settings; stderr is a pipe (READY lines)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env["GEOHUB_DATA_DIR"] = str(settings.data_dir)
    env["GEOHUB_LOG_LEVEL"] = "WARNING"
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", module],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
