"""Run a node script that drives Debian's Chromium (npm playwright-core, see tests/chromium.cjs)
and read the JSON report it prints. Every browser test goes through here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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
