"""OpenStreetMap: rebuild the demo GeoPackages from an .osm.pbf with data/almaty/build.sh."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from geohub.errors import ConfigurationError, InvalidDataError
from geohub.messages import tr
from geohub.settings import PROJECT_ROOT

BUILD_SCRIPT = PROJECT_ROOT / "data" / "almaty" / "build.sh"
BUILD_TIMEOUT_S = 3600
PBF_HEADER_BYTES = 64


def build_osm_extract(pbf: Path, out_dir: Path, *, script: Path = BUILD_SCRIPT) -> Path:
    """Run build.sh over `pbf`, writing the layer GeoPackages into `out_dir` (routing_network.gpkg
    with this interpreter); returns `out_dir`."""
    if shutil.which("ogr2ogr") is None or shutil.which("ogrinfo") is None:
        raise ConfigurationError(
            "Building the OSM extract needs GDAL's command-line tools ogr2ogr and ogrinfo "
            "(Debian package gdal-bin); install them and try again."
        )
    check_pbf(pbf)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["bash", str(script), str(pbf.resolve()), str(out_dir.resolve()), sys.executable],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InvalidDataError(
            tr(
                "Building the OSM extract from {name} took longer than {seconds} s.",
                name=pbf.name,
                seconds=BUILD_TIMEOUT_S,
            )
        ) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise InvalidDataError(
            tr("Building the OSM extract from {name} failed: {reason}", name=pbf.name, reason=reason)
        )
    return out_dir


def check_pbf(pbf: Path) -> None:
    """An error unless `pbf` is an OpenStreetMap PBF file (its first block is an OSMHeader)."""
    if not pbf.is_file():
        raise InvalidDataError(tr("The OSM file {name} does not exist.", name=pbf.name))
    with pbf.open("rb") as stream:
        head = stream.read(PBF_HEADER_BYTES)
    if b"OSMHeader" not in head:
        raise InvalidDataError(tr("{name} is not an OpenStreetMap PBF file (.osm.pbf).", name=pbf.name))
