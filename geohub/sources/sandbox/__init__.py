"""Read an untrusted file (an upload, a downloaded source) or a remote service in a sandboxed process.

The worker never lets GDAL near a stranger's data. For a file it checks the declared kind
against the content and unpacks a zip safely itself (formats.locate), links the dataset into a
work folder of its own, then starts `sandbox/child.py` with only that kind's GDAL driver
registered, no network, only that folder readable (Landlock), and bounds on memory and CPU time,
and waits at most `limits.timeout_s` before killing it. An OGC API – Features or WFS source is
read the same way, reaching the network only through a proxy that lets it ask the host and port
of its definition's URL and no other (proxy.py). What comes back is data (transfer.py).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from geohub.errors import GeoHubError, InvalidDataError
from geohub.messages import tr
from geohub.sources.formats import KIND_DRIVERS, locate
from geohub.sources.sandbox.environment import child_environment
from geohub.sources.sandbox.limits import ReadLimits
from geohub.sources.sandbox.proxy import AllowedOrigin, allow_list_proxy
from geohub.sources.sandbox.runner import run_reader
from geohub.sources.source_data import SourceData

__all__ = ["ReadLimits", "child_environment", "read_remote_untrusted", "read_untrusted"]

log = logging.getLogger(__name__)

# GDAL drivers a remote kind needs: the service's own, and the one its answers are parsed with
REMOTE_DRIVERS = {"oapif": ("OAPIF", "GeoJSON"), "wfs": ("WFS", "GML", "GeoJSON")}
REMOTE_PREFIXES = {"oapif": "OAPIF", "wfs": "WFS"}


def read_untrusted(
    path: Path, *, filename: str, layer: str | None = None, crs: str | None = None, limits: ReadLimits
) -> SourceData:
    """Read an untrusted file of a supported kind, in the sandbox, within `limits`."""
    parent = path.parent if os.access(path.parent, os.W_OK) else None  # an upload's own folder
    with tempfile.TemporaryDirectory(prefix="geohub-read-", dir=parent) as scratch:
        workdir = Path(scratch).resolve()
        with locate(
            _into(workdir, path),
            filename=filename,
            layer=layer,
            crs=crs,
            max_unpacked_bytes=limits.max_unpacked_bytes,
            workdir=workdir,
        ) as found:
            driver = KIND_DRIVERS.get(found.kind)
            request = _request(workdir, limits, kind=found.kind, name=found.name, layer=found.layer, crs=crs)
            request["path"] = str(found.path.resolve())
            request["drivers"] = [driver] if driver else []
            env = child_environment(request["drivers"], workdir)
            return run_reader(request, name=found.name, limits=limits, workdir=workdir, env=env)


def read_remote_untrusted(
    kind: str,
    url: str,
    *,
    name: str,
    layer: str | None,
    sql: str | None,
    crs: str | None,
    options: dict[str, str],
    limits: ReadLimits,
) -> SourceData:
    """Read collection or feature type `layer` of the OGC API – Features or WFS service at `url`,
    in the sandbox; the reader reaches `url`'s host and port and nothing else."""
    origin = AllowedOrigin.of(url)
    with tempfile.TemporaryDirectory(prefix="geohub-read-") as scratch, allow_list_proxy(origin) as port:
        workdir = Path(scratch).resolve()
        request = _request(workdir, limits, kind=kind, name=name, layer=layer, crs=crs)
        request.update(
            {
                "dataset": f"{REMOTE_PREFIXES[kind]}:{url}",
                "sql": sql,
                "options": options,
                "proxyPort": port,
                "drivers": list(REMOTE_DRIVERS[kind]),
            }
        )
        env = child_environment(request["drivers"], workdir, proxy_port=port)
        try:
            return run_reader(request, name=name, limits=limits, workdir=workdir, env=env)
        except GeoHubError:
            if origin.refused:
                raise InvalidDataError(
                    tr(
                        "{name} sent GeoHub on to {refused}, which is not the host its layer "
                        "definition names; GeoHub reads a source only from that host.",
                        name=name,
                        refused=_shown(origin.refused[0]),
                    )
                ) from None
            raise
        finally:
            if origin.refused:
                log.warning("%s: refused requests to %s", name, origin.refused[:5])


def _shown(target: str) -> str:
    """A refused request's scheme, host and path, without its query (which may hold secrets)."""
    parts = urlsplit(target if "://" in target else f"https://{target}")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _into(workdir: Path, path: Path) -> Path:
    """`path` in `workdir` (a hard link, else a copy): the only folder the reader may read."""
    own = workdir / path.name
    try:
        os.link(path, own)
    except OSError:
        shutil.copyfile(path, own)
    return own


def _request(
    workdir: Path, limits: ReadLimits, *, kind: str, name: str, layer: str | None, crs: str | None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "layer": layer,
        "crs": crs,
        "limits": limits.to_json(),
        "out": str(workdir / "result.arrow"),
        "workdir": str(workdir),
    }
