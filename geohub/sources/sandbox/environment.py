"""The reader process's whole environment: which GDAL drivers exist in it, and how it reaches
the network (not at all, or only through the allow-list proxy)."""

from __future__ import annotations

import os
from collections.abc import Collection
from functools import cache
from pathlib import Path

# GDAL configuration (read from the environment) that keeps it away from anything a file could
# name: every HTTP(S) request through a proxy (a closed port unless a remote source has one),
# /vsicurl/ allowed for no file, no .netrc, no directory listings, no SQLite virtual tables or
# external access, no VRT Python or raw bands.
NO_NETWORK_GDAL_OPTIONS = {
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/geohub/no-network",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geohub-no-network",
    "GDAL_HTTP_NETRC": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_ALLOW_VSISTDIN": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "OGR_SQLITE_LIST_VIRTUAL_OGR": "NO",
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO",
}
CLOSED_PORT = 9  # discard: nothing listens on it here
PASSED_ENVIRONMENT = ("PATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
REMOTE_TIMEOUT_S = 60


def child_environment(
    drivers: Collection[str], workdir: Path, *, proxy_port: int | None = None
) -> dict[str, str]:
    """GDAL's vector drivers all skipped but `drivers`; HTTP only through the proxy at `proxy_port`."""
    env = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    env.update(NO_NETWORK_GDAL_OPTIONS)
    proxy = f"127.0.0.1:{proxy_port or CLOSED_PORT}"
    env.update(
        {
            "GDAL_HTTP_PROXY": proxy,
            "GDAL_HTTPS_PROXY": proxy,
            "http_proxy": f"http://{proxy}",
            "https_proxy": f"http://{proxy}",
            "all_proxy": f"http://{proxy}",
            "no_proxy": "",
            "GDAL_HTTP_TIMEOUT": str(REMOTE_TIMEOUT_S if proxy_port else 1),
            "GDAL_HTTP_CONNECTTIMEOUT": str(REMOTE_TIMEOUT_S if proxy_port else 1),
            "GDAL_HTTP_MAX_RETRY": "0",
            "GDAL_SKIP": ",".join(sorted(_vector_drivers() - set(drivers))),
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
