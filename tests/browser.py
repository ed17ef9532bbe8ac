"""Run a node script that drives Debian's Chromium (npm playwright-core, see tests/chromium.cjs)
and read the JSON report it prints. Every browser test goes through here."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_browser_script(script: Path, options: dict[str, Any], timeout_s: int) -> dict[str, Any]:
    """`node script '<options as JSON>'` with `chromium` (the executable) added to the options;
    its stdout parsed. Fails the test with the script's stderr when it exits non-zero."""
    chromium, node = shutil.which("chromium"), shutil.which("node")
    assert chromium, "Debian's chromium is needed: `make system-deps` installs it"
    assert node, "node is needed to drive Chromium with playwright-core"
    result = subprocess.run(
        [node, str(script), json.dumps({**options, "chromium": chromium})],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def once_per_test_run(name: str, shared_temp: Path, produce: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`produce()`'s report, made by the first pytest-xdist worker that asks and read back by the
    others (a whole-session browser run then runs once, not once per worker that holds one of
    its test files). `shared_temp`: the folder all workers of the run share (the parent of
    `tmp_path_factory.getbasetemp()`). Without xdist, simply `produce()`."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return produce()
    report = shared_temp / f"{name}.json"
    with (shared_temp / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait while the first one runs it
        if report.exists():
            kept: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
            return kept
        made = produce()
        report.write_text(json.dumps(made), encoding="utf-8")
        return made
