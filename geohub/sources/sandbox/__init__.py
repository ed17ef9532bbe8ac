"""Read an untrusted file (an upload, a downloaded source) in a sandboxed process of its own.

The worker never lets GDAL near a stranger's file. It checks the declared kind against the
content and unpacks a zip safely itself (formats.locate), then starts `sandbox/child.py` with only
that kind's GDAL driver registered, network access off, and bounds on memory and CPU time, and
waits at most `limits.timeout_s` before killing it. What comes back is data (transfer.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from geohub.errors import GeoHubError, InvalidDataError, UploadTimeoutError, UploadTooLargeError
from geohub.sources.formats import KIND_DRIVERS, LocatedDataset, locate
from geohub.sources.sandbox.limits import ReadLimits
from geohub.sources.sandbox.transfer import read_source_data
from geohub.sources.source_data import SourceData

__all__ = ["NO_NETWORK_GDAL_OPTIONS", "ReadLimits", "read_untrusted"]

log = logging.getLogger(__name__)

# GDAL configuration (read from the environment) that keeps it off the network and away from
# anything a file could name: a dead proxy for every HTTP(S) request, /vsicurl/ allowed for no file,
# no retries, no .netrc, no directory listings, no SQLite virtual tables or external access.
NO_NETWORK_GDAL_OPTIONS = {
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "all_proxy": "http://127.0.0.1:9",
    "no_proxy": "",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/geohub/no-network",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geohub-no-network",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_NETRC": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_ALLOW_VSISTDIN": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "OGR_SQLITE_LIST_VIRTUAL_OGR": "NO",
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO",
}
PASSED_ENVIRONMENT = ("PATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ERRORS_BY_NAME: dict[str, type[GeoHubError]] = {
    "InvalidDataError": InvalidDataError,
    "UploadTooLargeError": UploadTooLargeError,
}


def read_untrusted(
    path: Path, *, filename: str, layer: str | None = None, crs: str | None = None, limits: ReadLimits
) -> SourceData:
    """Read an untrusted file of a supported kind, in the sandbox, within `limits`."""
    parent = path.parent if os.access(path.parent, os.W_OK) else None  # an upload's own folder
    with tempfile.TemporaryDirectory(prefix="geohub-read-", dir=parent) as scratch:
        workdir = Path(scratch)
        with locate(
            _into(workdir, path),
            filename=filename,
            layer=layer,
            crs=crs,
            max_unpacked_bytes=limits.max_unpacked_bytes,
            workdir=workdir,
        ) as found:
            return _read_in_child(found, crs=crs, limits=limits, workdir=workdir)


def _into(workdir: Path, path: Path) -> Path:
    """`path` in `workdir` (a hard link, else a copy): the only folder the reader may read."""
    own = workdir / path.name
    try:
        os.link(path, own)
    except OSError:
        shutil.copyfile(path, own)
    return own


def _read_in_child(
    found: LocatedDataset, *, crs: str | None, limits: ReadLimits, workdir: Path
) -> SourceData:
    out = workdir / "result.arrow"
    request = {
        "kind": found.kind,
        "path": str(found.path.resolve()),
        "name": found.name,
        "layer": found.layer,
        "crs": crs,
        "driver": KIND_DRIVERS.get(found.kind),
        "limits": limits.to_json(),
        "out": str(out),
        "workdir": str(workdir.resolve()),
    }
    answer = _run_child(request, found, limits, workdir)
    if not answer.get("ok"):
        raise _error_from(answer, found.name, limits)
    data, _ = read_source_data(out)
    log.debug("sandboxed read of %s: %s, %s", found.name, answer.get("network"), answer.get("files"))
    return data


def _run_child(
    request: dict[str, Any], found: LocatedDataset, limits: ReadLimits, workdir: Path
) -> dict[str, Any]:
    process = subprocess.Popen(
        [sys.executable, "-I", "-m", "geohub.sources.sandbox.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
        env=child_environment(request["driver"], workdir),
        start_new_session=True,  # its own process group: killed whole on a timeout
    )
    try:
        stdout, stderr = process.communicate(json.dumps(request).encode(), timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise UploadTimeoutError(
            f"{found.name} took longer than {limits.timeout_s:g} s to read, the most an import may take; "
            "split it into smaller files."
        ) from None
    if stderr:
        log.info("sandboxed read of %s: %s", found.name, stderr.decode(errors="replace")[-2000:])
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
        return ERRORS_BY_NAME[kind](str(answer.get("detail", "")))
    if kind == "memory":
        return UploadTooLargeError(
            f"{name} needs more memory to read than an import may use ({limits.memory_bytes} bytes)."
        )
    log.warning("sandboxed read of %s failed: %s", name, answer)
    return InvalidDataError(f"{name} cannot be read: the reader stopped on it.")


def child_environment(driver: str | None, workdir: Path) -> dict[str, str]:
    """The reader's whole environment: GDAL's vector drivers all skipped but `driver`, no network."""
    env = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    env.update(NO_NETWORK_GDAL_OPTIONS)
    skipped = sorted(_vector_drivers() - ({driver} if driver else set()))
    env.update(
        {
            "GDAL_SKIP": ",".join(skipped),
            "HOME": str(workdir),
            "TMPDIR": str(workdir),
            "CPL_TMPDIR": str(workdir),
            "LANG": "C.UTF-8",
        }
    )
    return env


@cache
def _vector_drivers() -> frozenset[str]:
    import pyogrio

    return frozenset(pyogrio.list_drivers())
