"""Start the reader process on a request, wait at most the time bound, and take back its data."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from geohub.errors import GeoHubError, InvalidDataError, UploadTimeoutError, UploadTooLargeError
from geohub.messages import known_message, tr
from geohub.sources.sandbox.limits import ReadLimits
from geohub.sources.sandbox.transfer import read_source_data
from geohub.sources.source_data import SourceData

log = logging.getLogger(__name__)

ERRORS_BY_NAME: dict[str, type[GeoHubError]] = {
    "InvalidDataError": InvalidDataError,
    "UploadTooLargeError": UploadTooLargeError,
}


def run_reader(
    request: dict[str, Any], *, name: str, limits: ReadLimits, workdir: Path, env: dict[str, str]
) -> SourceData:
    """What the reader process read for `request` (written to request["out"]); its error otherwise."""
    answer = _run(request, name=name, limits=limits, workdir=workdir, env=env)
    if not answer.get("ok"):
        raise _error_from(answer, name, limits)
    data, _ = read_source_data(Path(request["out"]))
    log.debug("sandboxed read of %s: %s, %s", name, answer.get("network"), answer.get("files"))
    return data


def _run(
    request: dict[str, Any], *, name: str, limits: ReadLimits, workdir: Path, env: dict[str, str]
) -> dict[str, Any]:
    process = subprocess.Popen(
        [sys.executable, "-I", "-m", "geohub.sources.sandbox.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
        env=env,
        start_new_session=True,  # its own process group: killed whole on a timeout
    )
    try:
        stdout, stderr = process.communicate(json.dumps(request).encode(), timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise UploadTimeoutError(
            tr(
                "{name} took longer than {seconds} s to read, the most an import may take; split "
                "it into smaller files.",
                name=name,
                seconds=format(limits.timeout_s, "g"),
            )
        ) from None
    if stderr:
        log.info("sandboxed read of %s: %s", name, stderr.decode(errors="replace")[-2000:])
    try:
        answer: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        answer = {"ok": False, "error": "crashed", "detail": f"exit {process.returncode}"}
    return answer


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _error_from(answer: dict[str, Any], name: str, limits: ReadLimits) -> GeoHubError:
    kind = str(answer.get("error"))
    if kind in ERRORS_BY_NAME:
        return ERRORS_BY_NAME[kind](known_message(answer.get("detail")))
    if kind == "memory":
        return UploadTooLargeError(
            tr(
                "{name} needs more memory to read than an import may use ({count} bytes).",
                name=name,
                count=limits.memory_bytes,
            )
        )
    log.warning("sandboxed read of %s failed: %s", name, answer)
    return InvalidDataError(tr("{name} cannot be read: the reader stopped on it.", name=name))
