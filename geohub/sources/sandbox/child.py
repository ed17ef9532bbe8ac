"""The sandboxed reader process: `python -m geohub.sources.sandbox.child`, a request on stdin.

Before it imports GDAL it takes its limits (address space, CPU time, no core dumps, no new
privileges, death with its parent) and, where the kernel lets it, a network namespace of its
own with no interface up. GDAL registers only the driver of the declared kind (GDAL_SKIP, set by
the parent) and is told to reach no network. Once everything is imported it gives up, through
Landlock, every file but its libraries and its work folder (which holds the dataset) and every
TCP connection. Then it checks the dataset's size from metadata, reads it, and writes the result
as an Arrow IPC file (transfer.py). It answers on stdout with one JSON line: {"ok": true,
"network": "namespace" | "gdal-options", "files": "landlock v7" | "no landlock"} or
{"ok": false, "error": …}.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Any

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
EXIT_REFUSED = 3
# where TLS clients look for CA certificates on Debian and elsewhere: public, read-only
CA_CERTIFICATE_PATHS = ("/etc/ssl", "/usr/share/ca-certificates", "/usr/lib/ssl", "/etc/pki")


def main() -> int:
    request = json.loads(sys.stdin.read())
    limits = request["limits"]
    _limit_resources(limits)
    proxy_port = request.get("proxyPort")
    network = f"proxy to port {proxy_port}" if proxy_port else _leave_network()
    try:
        _check_drivers(set(request["drivers"]))
        files = _give_up_files(Path(request["workdir"]), proxy_port)
        _read(request, limits)
    except MemoryError:
        return _answer({"ok": False, "error": "memory", "detail": request["name"]}, EXIT_REFUSED)
    except Exception as exc:  # a GeoHubError goes back by class; anything else as "unreadable"
        from geohub.errors import GeoHubError

        if isinstance(exc, GeoHubError):
            return _answer(
                {"ok": False, "error": type(exc).__name__, "detail": exc.message.to_json()}, EXIT_REFUSED
            )
        return _answer({"ok": False, "error": "unreadable", "detail": type(exc).__name__}, EXIT_REFUSED)
    return _answer({"ok": True, "network": network, "files": files}, 0)


def _give_up_files(workdir: Path, proxy_port: int | None) -> str:
    """After every import: read only the libraries and `workdir` (which holds the dataset), write
    only `workdir`, open no TCP connection but to the proxy (Landlock, where the kernel has it)."""
    import sysconfig

    import geohub.sources.formats
    import geohub.sources.inspection
    import geohub.sources.sandbox.transfer  # imported before the libraries are fenced
    from geohub.sources.sandbox.landlock import restrict

    paths = sysconfig.get_paths()
    libraries = {Path(paths[name]) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    code = Path(geohub.__file__).parent
    devices = [Path("/dev/null"), Path("/dev/urandom")]
    certificates = [Path(p) for p in CA_CERTIFICATE_PATHS] if proxy_port else []  # https, end to end
    return restrict(
        readable=[*sorted(libraries), code, *devices, *certificates],
        writable=[workdir],
        connectable_ports=[proxy_port] if proxy_port else [],
    )


def _read(request: dict[str, Any], limits: dict[str, Any]) -> None:
    from geohub.sources.datasets import read_dataset
    from geohub.sources.formats import LocatedDataset, read_located
    from geohub.sources.inspection import DatasetSize, check_size, dataset_size
    from geohub.sources.sandbox.transfer import write_source_data

    caps = {
        "max_fields": limits["max_fields"],
        "max_rows": limits["max_rows"],
        "max_cells": limits["max_cells"],
    }
    if "dataset" in request:  # a remote service: sized once read
        data = read_dataset(
            request["dataset"],
            name=request["name"],
            layer=request["layer"],
            sql=request["sql"],
            crs=request["crs"],
            options=request["options"],
        )
        check_size(DatasetSize(len(data.columns), len(data)), name=request["name"], **caps)
    else:
        found = LocatedDataset(request["kind"], Path(request["path"]), request["name"], request["layer"])
        size = dataset_size(found.kind, found.path, layer=found.layer, name=found.name)
        check_size(size, name=found.name, **caps)
        data = read_located(found, crs=request["crs"])
    write_source_data(data, Path(request["out"]))


def _limit_resources(limits: dict[str, Any]) -> None:
    memory = int(limits["memory_bytes"])
    cpu_s = int(limits["timeout_s"]) + 2  # the parent's wall clock kills first; this outlives a dead parent
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _leave_network() -> str:
    """A network namespace of its own (no interface up) when the kernel allows; else GDAL's options."""
    libc = ctypes.CDLL(None, use_errno=True)
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return "namespace"
    return "gdal-options"


def _check_drivers(allowed: set[str]) -> None:
    """GDAL has registered the declared kind's drivers and no other vector driver."""
    import pyogrio

    registered = set(pyogrio.list_drivers())
    if not registered <= allowed:
        raise RuntimeError(f"unexpected GDAL drivers: {sorted(registered - allowed)}")


def _answer(message: dict[str, Any], code: int) -> int:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    os.umask(0o077)
    sys.exit(main())
